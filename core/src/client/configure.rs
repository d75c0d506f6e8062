//! A configuration string applied to a client: the actions of
//! [`crate::config`] (`memcached()`, `--SERVER=…`, `--HASH=…`, …) become the
//! same client calls the C functions of 1.1.4's grammar make, with their
//! checks (server names, namespaces, behavior values) done here once.

use super::Client;
use super::servers::NI_MAXHOST;
use crate::behavior::id;
use crate::config::{Action, Target, check_namespace};
use crate::error::{Error, Result, ReturnCode};
use crate::server_list::{DEFAULT_PORT, ServerKind};

/// The pool sizes a configuration asks for (`--POOL-MIN`, `--POOL-MAX`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PoolSize {
    pub min: u32,
    pub max: u32,
}

impl Default for PoolSize {
    fn default() -> Self {
        PoolSize { min: 1, max: 1 }
    }
}

fn invalid(msg: &str) -> Error {
    Error::with_message(ReturnCode::InvalidArguments, msg)
}

impl Client {
    /// `memcached_server_add_with_weight`: port 0 is the default port, an
    /// empty name is "localhost", a name starting with `/` is a socket.
    pub fn add_server_named(&mut self, name: &[u8], port: u16, weight: u32) -> Result<()> {
        let port = if port == 0 { DEFAULT_PORT } else { port };
        let name = if name.is_empty() {
            &b"localhost"[..]
        } else {
            name
        };
        if name.len() >= NI_MAXHOST {
            return Err(invalid("Invalid hostname provided"));
        }
        let kind = if name[0] == b'/' {
            ServerKind::UnixSocket
        } else {
            ServerKind::Tcp
        };
        self.add_server_exact(&String::from_utf8_lossy(name), port, weight, kind);
        Ok(())
    }

    /// `memcached_server_add_unix_socket_with_weight`.
    pub fn add_unix_socket_named(&mut self, path: &[u8], weight: u32) -> Result<()> {
        if path.is_empty() || path.len() >= NI_MAXHOST {
            return Err(invalid("Invalid filename for socket provided"));
        }
        let name = String::from_utf8_lossy(path);
        self.add_server_exact(&name, 0, weight, ServerKind::UnixSocket);
        Ok(())
    }

    /// `memcached_callback_set(PREFIX_KEY)` / `--NAMESPACE`: `None` clears
    /// the namespace; a bad one is refused and the old one kept.
    pub fn set_namespace(&mut self, ns: Option<&[u8]>) -> Result<()> {
        match ns {
            None => self.namespace.clear(),
            Some(ns) => {
                check_namespace(ns, self.codec().any_key_byte())?;
                self.namespace = ns.to_vec();
            }
        }
        Ok(())
    }

    /// Record `r`'s error as the last one; `Err(None)` (1.1.4's message for
    /// the action) when it failed.
    fn action_result(&mut self, r: Result<()>) -> std::result::Result<(), Option<String>> {
        r.map_err(|e| {
            self.fail(e);
            None
        })
    }
}

/// A string with a NUL cannot pass through 1.1.4's C calls.
fn c_string_ok(s: &[u8]) -> std::result::Result<(), Option<String>> {
    if s.contains(&0) { Err(None) } else { Ok(()) }
}

impl Target for Client {
    fn apply(&mut self, action: &Action) -> std::result::Result<(), Option<String>> {
        match action {
            Action::Server { host, port, weight } => {
                c_string_ok(host)?;
                let r = self.add_server_named(host, *port as u16, *weight);
                self.action_result(r)
            }
            Action::Socket { path, weight } => {
                c_string_ok(path)?;
                let r = self.add_unix_socket_named(path, *weight);
                self.action_result(r)
            }
            Action::ConfigureFile(_) | Action::FetchVersion => Ok(()),
            Action::Tls => {
                self.enable_tls();
                Ok(())
            }
            Action::TlsSetting(field, value) => {
                self.set_tls_field(*field, value);
                Ok(())
            }
            Action::PoolMin(n) => {
                self.pool_size.min = *n;
                Ok(())
            }
            Action::PoolMax(n) => {
                self.pool_size.max = *n;
                Ok(())
            }
            Action::Namespace(ns) => self.set_namespace(Some(ns)).map_err(|e| {
                let text = e.message.clone();
                self.fail(e);
                text
            }),
            Action::Distribution(d) => {
                let r = self.behavior_set(id::DISTRIBUTION, u64::from(*d));
                self.action_result(r)
            }
            Action::DistributionHash(hash) => {
                let r = self.set_distribution_hash(u64::from(*hash));
                self.action_result(r)
            }
            Action::Hash(hash) => {
                let r = self.set_key_hash(u64::from(*hash));
                self.action_result(r)
            }
            Action::Behavior { behavior, value } => {
                let r = self.behavior_set(*behavior, *value);
                self.action_result(r)
            }
            Action::Flag(behavior) => {
                let r = self.behavior_set(*behavior, 1);
                self.action_result(r)
            }
            Action::Reset => {
                *self = Client::new();
                Ok(())
            }
        }
    }

    fn has_namespace(&self) -> bool {
        !self.namespace.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::configure;

    #[test]
    fn a_configuration_builds_the_client() {
        let mut c = Client::new();
        configure(
            b"--SERVER=10.0.0.1:1 --SOCKET=\"/tmp/s\" --NAMESPACE=nsx --POOL-MAX=4 --BINARY-PROTOCOL",
            &mut c,
        )
        .expect("valid");
        assert_eq!(c.servers.len(), 2);
        assert_eq!(c.namespace, b"nsx");
        assert_eq!(c.pool_size, PoolSize { min: 1, max: 4 });
        assert!(c.behaviors.binary_protocol);
        configure(b"--SERVER=10.0.0.2 RESET", &mut c).expect("valid");
        assert!(c.servers.is_empty());
        assert!(c.namespace.is_empty());
    }

    #[test]
    fn server_names_follow_1_1_4() {
        let mut c = Client::new();
        c.add_server_named(b"", 0, 0).expect("localhost");
        assert_eq!(c.servers[0].port, DEFAULT_PORT);
        let long = vec![b'a'; NI_MAXHOST];
        assert!(c.add_server_named(&long, 1, 0).is_err());
        assert!(c.add_unix_socket_named(b"", 0).is_err());
        assert_eq!(c.servers.len(), 1);
    }
}
