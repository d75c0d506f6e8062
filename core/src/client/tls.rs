//! TLS settings of a client: what `memcached_set_tls`, the `--TLS…`
//! options of the configuration language and the `LIBMEMCACHED_TLS*`
//! environment turn on (libmemcached-rs addition). Changing them closes the
//! open connections, so the next ones use the new settings.

use std::path::PathBuf;

use super::Client;
use crate::config::TlsField;
use crate::error::{Error, Result, ReturnCode};
use crate::tls::TlsSettings;

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// An empty setting means "none".
fn setting(v: Option<&[u8]>) -> Option<String> {
    v.filter(|v| !v.is_empty()).map(text)
}

impl Client {
    /// Turn TLS on (with the settings so far; `--TLS`).
    pub fn enable_tls(&mut self) -> &mut TlsSettings {
        if self.tls.is_none() {
            self.close_all();
        }
        self.tls.get_or_insert_with(TlsSettings::default)
    }

    /// One `--TLS-…=` setting, which also turns TLS on.
    pub fn set_tls_field(&mut self, field: TlsField, value: &[u8]) {
        let s = self.enable_tls();
        let v = setting(Some(value));
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
        self.close_all();
    }

    /// `memcached_set_tls`: every connection uses TLS with these files
    /// (NULL/empty: the system's CA store, no client certificate, the
    /// server's host name). The files are read now: a bad one is
    /// INVALID_ARGUMENTS with a message saying why.
    pub fn set_tls(
        &mut self,
        ca_file: Option<&[u8]>,
        cert_file: Option<&[u8]>,
        key_file: Option<&[u8]>,
        server_name: Option<&[u8]>,
    ) -> Result<()> {
        let path = |v| setting(v).map(PathBuf::from);
        let mut settings = TlsSettings::new(
            path(ca_file),
            path(cert_file),
            path(key_file),
            setting(server_name),
        );
        if let Err(e) = settings.client_config() {
            return Err(Error {
                code: ReturnCode::InvalidArguments,
                ..e
            });
        }
        self.close_all();
        self.tls = Some(settings);
        Ok(())
    }

    /// `memcached_clear_tls`: back to plain connections.
    pub fn clear_tls(&mut self) {
        if self.tls.take().is_some() {
            self.close_all();
        }
    }

    /// The `LIBMEMCACHED_TLS*` environment, read by new handles: with
    /// `LIBMEMCACHED_TLS` set to anything but empty or "0", every
    /// connection uses TLS.
    pub fn tls_from_env(&mut self) {
        let on = std::env::var_os("LIBMEMCACHED_TLS").is_some_and(|v| !v.is_empty() && v != "0");
        if !on {
            return;
        }
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        self.tls = Some(TlsSettings::new(
            var("LIBMEMCACHED_TLS_CA_FILE").map(PathBuf::from),
            var("LIBMEMCACHED_TLS_CERT_FILE").map(PathBuf::from),
            var("LIBMEMCACHED_TLS_KEY_FILE").map(PathBuf::from),
            var("LIBMEMCACHED_TLS_SERVER_NAME").map(|v| v.to_string_lossy().into_owned()),
        ));
    }
}
