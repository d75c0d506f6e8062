//! Server-list operations with 1.1.4's exact rules, as the C exports of
//! `server.h`, `server_list.h` and `memcached_push` need them, plus the
//! query prologue (`initialize_query`) and the argument check the
//! statistics calls share.
//!
//! Unlike [`Client::add_server`], adding here never refuses a server whose
//! transport differs from USE_UDP: 1.1.4 accepts any server and keeps the
//! type it was given (checked with a C probe against Debian's library).

use super::{Client, MAX_KEY_LEN};
use crate::error::{Error, Result, ReturnCode};
use crate::server::Server;
use crate::server_list::{ServerKind, ServerSpec};

/// `MEMCACHED_NI_MAXHOST`: host names must be shorter than this.
pub const NI_MAXHOST: usize = 1025;

/// 1.1.4 stores an empty host name as "localhost" in every server it
/// creates (`memcached_instance_st::hostname`).
fn stored_name(hostname: &str) -> &str {
    if hostname.is_empty() {
        "localhost"
    } else {
        hostname
    }
}

impl Client {
    /// `server_add` of 1.1.4: append one server (weight 0 is stored as 1,
    /// an empty name as "localhost"),
    /// turn weighting on when the weight is above 1 and the distribution is
    /// consistent, and rebuild the distribution.
    pub fn add_server_exact(&mut self, hostname: &str, port: u16, weight: u32, kind: ServerKind) {
        self.servers.push(Server::new(
            stored_name(hostname),
            port,
            weight.max(1),
            kind,
        ));
        if weight > 1 && self.placement.distribution.is_consistent() {
            self.placement.weighted = true;
        }
        self.rebuild_distribution();
    }

    /// `memcached_server_push` / `memcached_push` of 1.1.4: append every
    /// server as given (type kept; an empty name becomes "localhost"), turn weighting on for any weight above
    /// 1 whatever the distribution, and rebuild once.
    pub fn push_exact(&mut self, specs: &[ServerSpec]) {
        for spec in specs {
            self.servers.push(Server::new(
                stored_name(&spec.hostname),
                spec.port,
                spec.weight.max(1),
                spec.kind,
            ));
            if spec.weight > 1 {
                self.placement.weighted = true;
            }
        }
        self.rebuild_distribution();
    }

    /// The configured servers as specs (for copying them to another handle).
    pub fn server_specs(&self) -> Vec<ServerSpec> {
        self.servers
            .iter()
            .map(|s| ServerSpec {
                hostname: s.hostname.clone(),
                port: s.port,
                weight: s.weight,
                kind: s.kind,
            })
            .collect()
    }

    /// `initialize_query(self, true)`: count the call, fail with NO_SERVERS
    /// (recorded) when there are none, and otherwise clear the last error.
    pub fn initialize_query(&mut self) -> Result<()> {
        self.begin_call();
        if self.servers.is_empty() {
            let e = Error::with_message(ReturnCode::NoServers, "no servers have been added");
            self.last_error = Some(e.clone());
            return Err(e);
        }
        self.last_error = None;
        Ok(())
    }

    /// 1.1.4's `memcached_key_test` on one key, as `memcached_stat` applies it
    /// to its argument: 1..=250 bytes, and with VERIFY_KEY in the ASCII
    /// protocol only printable, non-blank bytes. Blanks are otherwise
    /// allowed (`"cachedump 1 0"`).
    pub fn key_test_exact(&self, key: &[u8]) -> Result<()> {
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(Error::with_message(
                ReturnCode::BadKeyProvided,
                "Key provided was too long.",
            ));
        }
        if self.behaviors.verify_key && !self.codec().key_bytes_ok(key, true) {
            return Err(Error::with_message(
                ReturnCode::BadKeyProvided,
                "Key provided had invalid character.",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::Distribution;

    #[test]
    fn add_keeps_type_and_weights_like_1_1_4() {
        let mut c = Client::new();
        c.behaviors.use_udp = true;
        c.add_server_exact("a", 1, 0, ServerKind::Tcp);
        c.add_server_exact("b", 2, 5, ServerKind::Tcp);
        assert_eq!(c.servers.len(), 2);
        assert_eq!(c.servers[0].weight, 1);
        assert_eq!(c.servers[1].kind, ServerKind::Tcp);
        // MODULA: a weight above 1 does not turn weighting on.
        assert!(!c.placement.weighted);
        c.placement.distribution = Distribution::ConsistentKetama;
        c.add_server_exact("c", 3, 2, ServerKind::Tcp);
        assert!(c.placement.weighted);
    }

    #[test]
    fn push_turns_weighting_on_for_any_distribution() {
        let mut c = Client::new();
        let specs = vec![
            ServerSpec {
                hostname: "x".into(),
                port: 1,
                weight: 1,
                kind: ServerKind::Tcp,
            },
            ServerSpec {
                hostname: "/s".into(),
                port: 0,
                weight: 3,
                kind: ServerKind::UnixSocket,
            },
        ];
        c.push_exact(&specs);
        assert!(c.placement.weighted);
        assert_eq!(c.server_specs(), specs);
        let empty = ServerSpec {
            hostname: String::new(),
            port: 9,
            weight: 1,
            kind: ServerKind::Tcp,
        };
        c.push_exact(&[empty]);
        c.add_server_exact("", 5, 0, ServerKind::Tcp);
        assert_eq!(c.servers[2].hostname, "localhost");
        assert_eq!(c.servers[3].hostname, "localhost");
    }

    #[test]
    fn initialize_query_counts_and_clears() {
        let mut c = Client::new();
        let q = c.query_id;
        assert_eq!(
            c.initialize_query().unwrap_err().code,
            ReturnCode::NoServers
        );
        assert_eq!(c.last_error_code(), ReturnCode::NoServers);
        assert_eq!(c.query_id, q + 1);
        c.add_server_exact("a", 1, 1, ServerKind::Tcp);
        assert!(c.initialize_query().is_ok());
        assert_eq!(c.last_error_code(), ReturnCode::Success);
    }

    #[test]
    fn key_test_matches_1_1_4() {
        let mut c = Client::new();
        assert!(c.key_test_exact(b"detail dump").is_ok());
        assert!(c.key_test_exact(&[b'a'; 250]).is_ok());
        assert_eq!(
            c.key_test_exact(&[b'a'; 251]).unwrap_err().code,
            ReturnCode::BadKeyProvided
        );
        assert_eq!(
            c.key_test_exact(b"").unwrap_err().code,
            ReturnCode::BadKeyProvided
        );
        c.behaviors.verify_key = true;
        assert!(c.key_test_exact(b"a b").is_err());
        c.behaviors.binary_protocol = true;
        assert!(c.key_test_exact(b"a b").is_ok());
    }
}
