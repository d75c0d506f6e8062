//! TLS settings of a handle and the rustls client configuration built from
//! them: server certificates verified against a CA file (or the system's
//! roots), the server name from the host name unless overridden, and an
//! optional client certificate for mutual TLS. rustls' defaults apply
//! (TLS 1.2 and 1.3, safe cipher suites); there is no plain-text fallback.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::error::{Error, Result, ReturnCode};

/// What the caller asked for. Cheap to clone (clones share the built
/// configuration).
#[derive(Clone, Debug, Default)]
pub struct TlsSettings {
    /// PEM file of trusted CA certificates; `None`: the system's roots.
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate chain (mutual TLS).
    pub cert_file: Option<PathBuf>,
    /// PEM private key of the client certificate.
    pub key_file: Option<PathBuf>,
    /// Name to verify the server's certificate against (SNI too);
    /// `None`: the server's host name or IP address.
    pub server_name: Option<String>,
    built: Option<Arc<rustls::ClientConfig>>,
}

fn tls_error(msg: impl Into<String>) -> Error {
    Error::with_message(
        ReturnCode::ConnectionFailure,
        format!("TLS: {}", msg.into()),
    )
}

impl TlsSettings {
    /// Settings with the given files and name.
    pub fn new(
        ca_file: Option<PathBuf>,
        cert_file: Option<PathBuf>,
        key_file: Option<PathBuf>,
        server_name: Option<String>,
    ) -> TlsSettings {
        TlsSettings {
            ca_file,
            cert_file,
            key_file,
            server_name,
            built: None,
        }
    }

    /// The rustls configuration (built once, then shared).
    pub fn client_config(&mut self) -> Result<Arc<rustls::ClientConfig>> {
        if let Some(c) = &self.built {
            return Ok(c.clone());
        }
        let mut roots = rustls::RootCertStore::empty();
        match &self.ca_file {
            Some(path) => {
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                    .map_err(|e| tls_error(format!("cannot read CA file {}: {e}", path.display())))?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| tls_error(format!("bad CA file {}: {e}", path.display())))?;
                if certs.is_empty() {
                    return Err(tls_error(format!(
                        "no certificate in CA file {}",
                        path.display()
                    )));
                }
                for c in certs {
                    roots.add(c).map_err(|e| {
                        tls_error(format!("bad CA certificate in {}: {e}", path.display()))
                    })?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                for c in found.certs {
                    let _ = roots.add(c);
                }
                if roots.is_empty() {
                    return Err(tls_error(
                        "no CA file given and no system CA certificates found",
                    ));
                }
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(e.to_string()))?
            .with_root_certificates(roots);
        let config = match (&self.cert_file, &self.key_file) {
            (Some(cert), Some(key)) => {
                let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                    .map_err(|e| {
                        tls_error(format!(
                            "cannot read certificate file {}: {e}",
                            cert.display()
                        ))
                    })?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| {
                        tls_error(format!("bad certificate file {}: {e}", cert.display()))
                    })?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    tls_error(format!("cannot read key file {}: {e}", key.display()))
                })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| tls_error(format!("client certificate: {e}")))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => {
                return Err(tls_error(
                    "a client certificate needs both a certificate and a key file",
                ));
            }
        };
        let mut config = config;
        // memcached (OpenSSL) fails resumed sessions when it requires client
        // certificates ("session id context uninitialized"): always do a
        // full handshake. Connections are long-lived, so this costs little.
        config.resumption = rustls::client::Resumption::disabled();
        let config = Arc::new(config);
        self.built = Some(config.clone());
        Ok(config)
    }

    /// The name to verify for a server at `host`.
    pub fn server_name_for(&self, host: &str) -> Result<ServerName<'static>> {
        let name = self.server_name.as_deref().unwrap_or(host);
        ServerName::try_from(name.to_owned())
            .map_err(|_| tls_error(format!("invalid server name {name:?}")))
    }
}

/// A readable description of a handshake failure.
pub fn describe_handshake_error(e: &std::io::Error) -> String {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match inner {
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
                "certificate not trusted".to_owned()
            }
            rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
            | rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            ) => "certificate not valid for the server name".to_owned(),
            rustls::Error::InvalidCertificate(c) => format!("invalid certificate ({c:?})"),
            rustls::Error::InvalidMessage(_) => "the server does not speak TLS".to_owned(),
            other => other.to_string(),
        };
    }
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            "handshake timed out".to_owned()
        }
        std::io::ErrorKind::UnexpectedEof => {
            "the server closed the connection during the handshake".to_owned()
        }
        _ => e.to_string(),
    }
}
