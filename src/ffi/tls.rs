//! TLS for unchanged and new programs (libmemcached-rs addition, declared
//! in `libmemcached-1.0/rs_tls.h` behind `LIBMEMCACHED_RS_TLS`):
//! `memcached_set_tls`/`memcached_clear_tls`, the `LIBMEMCACHED_TLS*`
//! environment read at `memcached_create`, and the `--TLS*` options of the
//! configuration language. The rules are the core's
//! (`crate::core::client::tls`); this converts the C arguments.

use core::ffi::c_char;

use crate::core::error::ReturnCode;
use crate::ffi::guard::cstr;
use crate::ffi::handle::{Handle, handle};
use crate::ffi::types::*;

/// The `LIBMEMCACHED_TLS*` environment, read by `memcached_create` and
/// `memcached()`.
pub fn apply_env(h: &mut Handle) {
    h.client.tls_from_env();
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
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let (ca, cert, key, name) = (cstr(ca_file), cstr(cert_file), cstr(key_file), cstr(server_name));
        if let Err(e) = h.client.set_tls(ca, cert, key, name) {
            return h.client.fail(e);
        }
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_clear_tls`: back to plain connections.
    fn memcached_clear_tls(ptr: *mut memcached_st) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        h.client.clear_tls();
        ReturnCode::Success
    }
}
