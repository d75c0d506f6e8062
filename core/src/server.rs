//! One configured server: its address as the caller gave it, its weight,
//! its connection, and the failure bookkeeping failover decisions use.

use crate::connection::Connection;
use crate::error::Error;
use crate::server_list::ServerKind;

/// `enum memcached_server_state_t`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ServerState {
    New = 0,
    Addrinfo = 1,
    InProgress = 2,
    Connected = 3,
    InTimeout = 4,
    Disabled = 5,
}

/// Keys in request order, stored back to back in one reused buffer (no
/// allocation per key once the buffers have grown).
#[derive(Debug, Default)]
pub struct KeyList {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl KeyList {
    /// Forget every key (the buffers are kept).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// Append `prefix ‖ key` as one key.
    #[inline]
    pub fn push(&mut self, prefix: &[u8], key: &[u8]) {
        if !prefix.is_empty() {
            self.bytes.extend_from_slice(prefix);
        }
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len());
    }

    /// Number of keys.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Key `i` (`i < len()`).
    #[inline]
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
}

/// A server of a handle.
#[derive(Debug)]
pub struct Server {
    /// Host name, IP literal (IPv6 in brackets, as given) or socket path.
    pub hostname: String,
    pub port: u16,
    pub weight: u32,
    pub kind: ServerKind,
    pub state: ServerState,
    pub conn: Option<Connection>,
    pub failure_counter: u32,
    pub failure_counter_query_id: u64,
    pub timeout_counter: u32,
    pub timeout_counter_query_id: u64,
    /// Unix time (seconds) before which the server is not retried.
    pub next_retry: i64,
    /// The last error seen on this server.
    pub last_error: Option<Error>,
    /// (major, minor, micro) from `version`; 255 when unknown.
    pub version: (u8, u8, u8),
    /// An mget terminator (END / NOOP) this server still owes us.
    pub mget_pending: bool,
    /// Opaque of the first request of the pending binary mget.
    pub mget_opaque: u32,
    /// Opaque of the NOOP that ends the pending binary mget.
    pub mget_noop: u32,
    /// The wire keys of the pending mget, in request order.
    pub mget_keys: KeyList,
    /// How far replies have advanced through `mget_keys`.
    pub mget_cursor: usize,
    /// Keys of a failed server's multi-get that this server holds now,
    /// sent as a request of their own once its own reply has ended
    /// (`client::outage`).
    pub mget_followup: KeyList,
    /// Request id of the last UDP datagram sent, kept across connections.
    pub udp_request_id: u16,
    /// The call (query id) in which this server's multi-get was last sent
    /// again on a fresh connection (once per call, `client::outage`).
    pub mget_resent_query: u64,
    /// Which of our SASL mechanisms the server listed (`SASL_LIST_MECHS`;
    /// see `sasl::Offered`), asked by the first authenticating connection
    /// and remembered for the handle's lifetime (copied to clones), so
    /// later connections do not ask. 0: not asked yet.
    pub sasl_mechs: u8,
}

impl Server {
    /// A new, unconnected server.
    pub fn new(hostname: &str, port: u16, weight: u32, kind: ServerKind) -> Server {
        let clean: String = hostname.chars().filter(|c| *c != '\0').collect();
        Server {
            hostname: clean,
            port,
            weight,
            kind,
            state: ServerState::New,
            conn: None,
            failure_counter: 0,
            failure_counter_query_id: 0,
            timeout_counter: 0,
            timeout_counter_query_id: 0,
            next_retry: 0,
            last_error: None,
            version: (255, 255, 255),
            mget_pending: false,
            mget_opaque: 0,
            mget_noop: 0,
            mget_keys: KeyList::default(),
            mget_cursor: 0,
            mget_followup: KeyList::default(),
            udp_request_id: 0,
            mget_resent_query: 0,
            sasl_mechs: 0,
        }
    }

    /// A configuration copy (no connection, fresh counters) for clones.
    pub fn clone_config(&self) -> Server {
        let mut s = Server::new(&self.hostname, self.port, self.weight, self.kind);
        s.version = self.version;
        s.sasl_mechs = self.sasl_mechs;
        s
    }

    /// The host name to resolve: IPv6 literal brackets removed.
    pub fn resolve_name(&self) -> &str {
        let h = self.hostname.as_str();
        if h.starts_with('[') && h.ends_with(']') && h.len() >= 2 {
            &h[1..h.len() - 1]
        } else {
            h
        }
    }

    /// Whether this is a unix-domain socket server.
    pub fn is_unix(&self) -> bool {
        self.kind == ServerKind::UnixSocket
    }

    /// Record an error on this server.
    pub fn set_error(&mut self, e: &Error) {
        self.last_error = Some(e.clone());
    }

    /// The text of the last error (`memcached_server_error`): the code's
    /// text, and the message after a comma when there is one.
    pub fn last_error_text(&self) -> Option<String> {
        let e = self.last_error.as_ref()?;
        Some(match &e.message {
            Some(m) => format!("{}, {}", e.code.text(), m),
            None => e.code.text().to_string(),
        })
    }

    /// Drop the connection (nothing sent).
    pub fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.udp_request_id = conn.udp_request_id();
        }
        self.mget_pending = false;
        self.mget_followup.clear();
        if self.state == ServerState::Connected {
            self.state = ServerState::New;
        }
    }

    /// `host:port` for messages.
    pub fn label(&self) -> String {
        if self.is_unix() {
            self.hostname.clone()
        } else {
            format!("{}:{}", self.hostname, self.port)
        }
    }
}

/// A server's open connection (its `conn` field, so the rest of the server
/// stays borrowable); an error, not a panic, when there is none, so a
/// caller that connected first can use `?`.
#[inline]
pub fn connected(conn: &mut Option<Connection>) -> Result<&mut Connection, Error> {
    conn.as_mut().ok_or_else(not_connected)
}

/// The same, to read.
#[inline]
pub fn connected_ref(conn: &Option<Connection>) -> Result<&Connection, Error> {
    conn.as_ref().ok_or_else(not_connected)
}

/// The error of a server without a connection where one was expected.
#[cold]
pub fn not_connected() -> Error {
    Error::with_message(crate::error::ReturnCode::ConnectionFailure, "not connected")
}

#[cfg(test)]
mod tests {
    use super::KeyList;

    #[test]
    fn key_list_keeps_keys_in_order() {
        let mut l = KeyList::default();
        assert!(l.is_empty());
        l.push(b"", b"a");
        l.push(b"ns:", b"bc");
        l.push(b"", b"");
        l.push(b"", b"def");
        assert_eq!(l.len(), 4);
        assert_eq!(l.get(0), b"a");
        assert_eq!(l.get(1), b"ns:bc");
        assert_eq!(l.get(2), b"");
        assert_eq!(l.get(3), b"def");
        l.clear();
        assert!(l.is_empty());
        l.push(b"", b"x");
        assert_eq!(l.get(0), b"x");
    }
}
