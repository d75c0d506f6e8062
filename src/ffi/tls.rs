//! TLS for unchanged and new programs (libmemcached-rs addition, declared
//! in `libmemcached-1.0/rs_tls.h` behind `LIBMEMCACHED_RS_TLS`):
//! `memcached_set_tls`/`memcached_clear_tls`, the `LIBMEMCACHED_TLS*`
//! environment read at `memcached_create`, and the `--TLS*` options of the
//! configuration language.

use core::ffi::c_char;
use std::path::PathBuf;

use crate::core::config::TlsField;
use crate::core::error::{Error, ReturnCode};
use crate::core::tls::TlsSettings;
use crate::ffi::guard::cstr;
use crate::ffi::handle::{Handle, handle_mut};
use crate::ffi::types::*;

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Turn TLS on (with the settings so far) and close plain connections.
pub fn enable(h: &mut Handle) -> &mut TlsSettings {
    if h.client.tls.is_none() {
        h.client.close_all();
    }
    h.client.tls.get_or_insert_with(TlsSettings::default)
}

/// Apply one `--TLS-…=` setting (which also turns TLS on).
pub fn apply_setting(h: &mut Handle, field: TlsField, value: &[u8]) {
    let s = enable(h);
    let v = if value.is_empty() {
        None
    } else {
        Some(text(value))
    };
    let mut next = TlsSettings::new(
        s.ca_file.clone(),
        s.cert_file.clone(),
        s.key_file.clone(),
        s.server_name.clone(),
    );
    match field {
        TlsField::CaFile => next.ca_file = v.map(PathBuf::from),
        TlsField::CertFile => next.cert_file = v.map(PathBuf::from),
        TlsField::KeyFile => next.key_file = v.map(PathBuf::from),
        TlsField::ServerName => next.server_name = v,
    }
    *s = next;
    h.client.close_all();
}

/// The `LIBMEMCACHED_TLS*` environment: with `LIBMEMCACHED_TLS` set to
/// anything but empty or "0", every connection of the handle uses TLS.
pub fn apply_env(h: &mut Handle) {
    let on = std::env::var_os("LIBMEMCACHED_TLS").is_some_and(|v| !v.is_empty() && v != "0");
    if !on {
        return;
    }
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    h.client.tls = Some(TlsSettings::new(
        var("LIBMEMCACHED_TLS_CA_FILE").map(PathBuf::from),
        var("LIBMEMCACHED_TLS_CERT_FILE").map(PathBuf::from),
        var("LIBMEMCACHED_TLS_KEY_FILE").map(PathBuf::from),
        var("LIBMEMCACHED_TLS_SERVER_NAME").map(|v| v.to_string_lossy().into_owned()),
    ));
}

ffi_fn! {
    /// `memcached_set_tls`: connect to every server with TLS. `ca_file`
    /// NULL uses the system's CA certificates; `cert_file`/`key_file` give a
    /// client certificate (both or neither); `server_name` NULL verifies the
    /// server's host name. The files are read now: a bad one is
    /// INVALID_ARGUMENTS with a message saying why.
    fn memcached_set_tls(
        ptr: *mut memcached_st,
        ca_file: *const c_char,
        cert_file: *const c_char,
        key_file: *const c_char,
        server_name: *const c_char,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        // SAFETY: each is NULL or a NUL-terminated string.
        let (ca, cert, key, name) = unsafe { (cstr(ca_file), cstr(cert_file), cstr(key_file), cstr(server_name)) };
        let path = |v: Option<&[u8]>| v.filter(|v| !v.is_empty()).map(|v| PathBuf::from(text(v)));
        let mut settings = TlsSettings::new(path(ca), path(cert), path(key), name.filter(|v| !v.is_empty()).map(text));
        if let Err(e) = settings.client_config() {
            return h.client.fail(Error { code: ReturnCode::InvalidArguments, ..e });
        }
        h.client.close_all();
        h.client.tls = Some(settings);
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_clear_tls`: back to plain connections.
    fn memcached_clear_tls(ptr: *mut memcached_st) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        if h.client.tls.take().is_some() {
            h.client.close_all();
        }
        ReturnCode::Success
    }
}
