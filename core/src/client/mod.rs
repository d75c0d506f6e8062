//! The client handle: servers, behaviors, key placement, connection
//! management with 1.1.4's failure bookkeeping, and the last error.
//!
//! Commands live in submodules: [`storage`] (set/add/…/delete/incr/touch),
//! [`retrieve`] (get/mget/fetch), [`admin`] (flush/version/stats/dump/quit).
//! They speak through [`Client::codec`], the one place that picks the
//! protocol ([`crate::protocol::Codec`]); none of them knows which. Key
//! placement state lives in [`placement::Placement`].

use std::time::{SystemTime, UNIX_EPOCH};

use crate::behavior::Behaviors;
use crate::connection::{Connection, SocketOptions, Target, Timeouts, Wait};
use crate::error::{Error, Result, ReturnCode};
use crate::hash::{HashAlgorithm, KeyHasher};
use crate::protocol::Codec;
use crate::server::{Server, ServerState};
use crate::server_list::{ServerKind, ServerSpec};
use placement::Placement;

pub mod admin;
pub mod behaviors;
pub mod configure;
pub mod outage;
pub mod placement;
pub mod replicas;
pub mod retrieve;
pub mod servers;
pub mod storage;
pub mod tls;

/// Longest key (namespace included) memcached accepts.
pub const MAX_KEY_LEN: usize = 250;
/// Longest namespace.
pub const MAX_NAMESPACE_LEN: usize = 127;
/// Buffered requests are sent once this many bytes are queued.
pub const MAX_BUFFER: usize = 8196;

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Where a fetched value is written. The core asks for a buffer of exactly
/// the value's length once the key and length are known, then reads the
/// value straight into it (no intermediate copy).
pub trait ValueSink {
    /// A value for `key` (namespace removed) of `len` bytes is arriving.
    fn value_buffer(&mut self, key: &[u8], flags: u32, cas: u64, len: usize) -> Result<&mut [u8]>;
}

/// A sink that keeps values in a reused `Vec` (tests, internal use).
#[derive(Debug, Default)]
pub struct VecSink {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub flags: u32,
    pub cas: u64,
}

impl ValueSink for VecSink {
    fn value_buffer(&mut self, key: &[u8], flags: u32, cas: u64, len: usize) -> Result<&mut [u8]> {
        self.key.clear();
        self.key.extend_from_slice(key);
        self.flags = flags;
        self.cas = cas;
        self.value.clear();
        self.value.resize(len, 0);
        Ok(&mut self.value[..])
    }
}

/// Metadata of a value that was delivered to a sink.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ItemMeta {
    pub flags: u32,
    pub cas: u64,
    pub len: usize,
    /// Index of the server that returned it.
    pub server: usize,
}

/// The state of the multi-get being read that is not per server.
#[derive(Debug, Default)]
struct MgetCall {
    /// One server's reply was just read to its end: look at the next one
    /// without waiting before polling them all.
    probe: bool,
    /// Sent with a group key (`memcached_mget_by_key`): every key on the
    /// group's server.
    grouped: bool,
    /// The call (query id) in which keys of a failed server were last sent
    /// to other servers (`client::outage`, once per call).
    rerouted_query: u64,
}

/// A memcached client handle.
#[derive(Debug)]
pub struct Client {
    pub servers: Vec<Server>,
    /// What the multi-get being read knows of itself.
    mget: MgetCall,
    pub behaviors: Behaviors,
    /// Key placement: hashes, distribution, continuum, buckets.
    pub placement: Placement,
    /// The namespace (prefix key) prepended to every key on the wire.
    pub namespace: Vec<u8>,
    /// Counts API calls; failure counters move at most once per call.
    pub query_id: u64,
    pub last_error: Option<Error>,
    /// Index of the server that last failed.
    pub last_disconnected: Option<usize>,
    /// SASL credentials: every new connection authenticates first (core::sasl).
    pub sasl: Option<crate::sasl::SaslCredentials>,
    /// TLS settings; `None`: plain connections.
    pub tls: Option<crate::tls::TlsSettings>,
    /// `memcached_set_encoding_key`: values are stored encrypted with it and
    /// decrypted when read (`crate::encoding`).
    pub encoding: Option<crate::encoding::EncodingKey>,
    /// The pool sizes the configuration string asked for.
    pub pool_size: configure::PoolSize,
    /// The wait bounds of the last (POLL, RCV, SND) timeout values seen.
    timeouts_cache: std::cell::Cell<TimeoutsCache>,
    timeouts_gen: std::cell::Cell<u64>,
}

/// (POLL_TIMEOUT, RCV_TIMEOUT, SND_TIMEOUT) and the bounds they give.
type TimeoutsCache = ((i32, i32, i32), Timeouts);

/// A cache entry no behavior values match.
const NO_TIMEOUTS: TimeoutsCache = (
    (i32::MIN, i32::MIN, i32::MIN),
    Timeouts {
        read: Wait::Infinite,
        write: Wait::Infinite,
    },
);

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl Client {
    /// A handle with 1.1.4's defaults and no servers.
    pub fn new() -> Client {
        Client {
            servers: Vec::new(),
            mget: MgetCall::default(),
            behaviors: Behaviors::default(),
            placement: Placement::new(),
            namespace: Vec::new(),
            query_id: 1,
            last_error: None,
            last_disconnected: None,
            tls: None,
            encoding: None,
            pool_size: configure::PoolSize::default(),
            timeouts_cache: std::cell::Cell::new(NO_TIMEOUTS),
            timeouts_gen: std::cell::Cell::new(1),
            sasl: None,
        }
    }

    /// A copy of the configuration (servers, behaviors, namespace), with no
    /// connections.
    pub fn clone_config(&self) -> Client {
        let mut c = Client {
            servers: self.servers.iter().map(Server::clone_config).collect(),
            mget: MgetCall::default(),
            behaviors: self.behaviors.clone(),
            // The weighted flag is recomputed from the servers, as 1.1.4's
            // memcached_clone does (Placement::clone_config).
            placement: self.placement.clone_config(&self.servers),
            namespace: self.namespace.clone(),
            query_id: 1,
            last_error: None,
            last_disconnected: None,
            tls: self.tls.clone(),
            encoding: self.encoding.clone(),
            pool_size: self.pool_size,
            timeouts_cache: std::cell::Cell::new(NO_TIMEOUTS),
            timeouts_gen: std::cell::Cell::new(1),
            sasl: self.sasl.clone(),
        };
        c.rebuild_distribution();
        c
    }

    // ----- errors -------------------------------------------------------

    /// Record `e` as the handle's last error and return its code. Like
    /// 1.1.4, the ordinary outcomes NOTFOUND, NOTSTORED and DATA_EXISTS are
    /// returned without becoming the last error.
    pub fn fail(&mut self, e: Error) -> ReturnCode {
        let code = e.code;
        if !matches!(
            code,
            ReturnCode::Notfound | ReturnCode::Notstored | ReturnCode::DataExists | ReturnCode::End
        ) {
            self.last_error = Some(e);
        }
        code
    }

    /// Turn a result into the C return code, recording failures.
    pub fn finish(&mut self, r: Result<ReturnCode>) -> ReturnCode {
        match r {
            Ok(code) => code,
            Err(e) => self.fail(e),
        }
    }

    /// `memcached_last_error`.
    pub fn last_error_code(&self) -> ReturnCode {
        self.last_error
            .as_ref()
            .map(|e| e.code)
            .unwrap_or(ReturnCode::Success)
    }

    /// `memcached_last_error_message` text.
    pub fn last_error_text(&self) -> String {
        match &self.last_error {
            None => ReturnCode::Success.text().to_string(),
            Some(e) => match &e.message {
                Some(m) => format!("{} -> {}", e.code.text(), m),
                None => e.code.text().to_string(),
            },
        }
    }

    /// Start an API call: failure counters move at most once per call.
    pub fn begin_call(&mut self) {
        self.query_id = self.query_id.wrapping_add(1);
        self.last_error = None;
    }

    // ----- servers ------------------------------------------------------

    /// Add one server (`memcached_server_add*`). Weight 0 is stored as 1.
    pub fn add_server(&mut self, spec: &ServerSpec) -> ReturnCode {
        if self.behaviors.use_udp != (spec.kind == ServerKind::Udp)
            && spec.kind != ServerKind::UnixSocket
        {
            return self.fail(Error::with_message(
                ReturnCode::InvalidHostProtocol,
                "the server's transport does not match the handle's (USE_UDP)",
            ));
        }
        let weight = if spec.weight == 0 { 1 } else { spec.weight };
        if weight > 1 && self.placement.distribution.is_consistent() {
            self.placement.weighted = true;
        }
        self.servers
            .push(Server::new(&spec.hostname, spec.port, weight, spec.kind));
        self.rebuild_distribution();
        ReturnCode::Success
    }

    /// Add several servers (`memcached_server_push`); any weight > 1 turns
    /// weighting on.
    pub fn push_servers(&mut self, specs: &[ServerSpec]) -> ReturnCode {
        for spec in specs {
            if self.behaviors.use_udp != (spec.kind == ServerKind::Udp)
                && spec.kind != ServerKind::UnixSocket
            {
                return self.fail(Error::new(ReturnCode::InvalidHostProtocol));
            }
        }
        for spec in specs {
            let weight = if spec.weight == 0 { 1 } else { spec.weight };
            if weight > 1 {
                self.placement.weighted = true;
            }
            let kind = if self.behaviors.use_udp && spec.kind == ServerKind::Tcp {
                ServerKind::Udp
            } else {
                spec.kind
            };
            self.servers
                .push(Server::new(&spec.hostname, spec.port, weight, kind));
        }
        self.rebuild_distribution();
        ReturnCode::Success
    }

    /// Remove every server (`memcached_servers_reset`).
    pub fn reset_servers(&mut self) {
        self.quit_all();
        self.servers.clear();
        self.placement.clear_continuum();
        self.last_disconnected = None;
    }

    /// Sort servers by host name then port (SORT_HOSTS).
    fn sort_servers(&mut self) {
        self.servers.sort_by(|a, b| {
            a.hostname
                .as_bytes()
                .cmp(b.hostname.as_bytes())
                .then(a.port.cmp(&b.port))
        });
    }

    /// Rebuild the continuum (after any server or distribution change).
    // Kept out of line: inlined, it changes how the single-key placement
    // path (server_index) is inlined into the commands.
    #[inline(never)]
    pub fn rebuild_distribution(&mut self) {
        if self.behaviors.sort_hosts {
            self.sort_servers();
        }
        self.placement
            .rebuild(&self.servers, self.behaviors.auto_eject_hosts);
    }

    /// The protocol codec of the BINARY_PROTOCOL behavior: the one place
    /// that looks at it (everything protocol-specific asks the codec).
    #[inline]
    pub fn codec(&self) -> Codec {
        Codec::of(self.behaviors.binary_protocol)
    }

    // ----- keys and placement ------------------------------------------

    /// Validate a key as 1.1.4 does, plus: in the ASCII protocol a key with
    /// a blank or control byte is always refused (it would inject commands).
    #[inline]
    pub fn check_key(&self, key: &[u8]) -> Result<()> {
        if key.is_empty()
            || key.len() > MAX_KEY_LEN
            || self.namespace.len() + key.len() > MAX_KEY_LEN
            || !self.codec().key_bytes_ok(key, self.behaviors.verify_key)
        {
            return Err(self.key_error(key));
        }
        Ok(())
    }

    /// Why [`Client::check_key`] refused `key`.
    #[cold]
    fn key_error(&self, key: &[u8]) -> Error {
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            Error::with_message(
                ReturnCode::BadKeyProvided,
                format!("key length {} is outside 1..={MAX_KEY_LEN}", key.len()),
            )
        } else if self.namespace.len() + key.len() > MAX_KEY_LEN {
            Error::with_message(
                ReturnCode::BadKeyProvided,
                "namespace plus key is longer than 250 bytes",
            )
        } else if self.behaviors.verify_key {
            Error::with_message(
                ReturnCode::BadKeyProvided,
                "key contains a byte that is not printable (VERIFY_KEY)",
            )
        } else {
            Error::with_message(
                ReturnCode::BadKeyProvided,
                "key contains a blank or control byte, which the ASCII protocol cannot carry",
            )
        }
    }

    /// Whether the ASCII protocol can carry a key (no blank or control byte).
    #[inline]
    pub fn ascii_sendable(key: &[u8]) -> bool {
        crate::protocol::no_blank_or_control(key)
    }

    /// A key of a multi-get: `Ok(false)` for a key the ASCII protocol cannot
    /// carry (without VERIFY_KEY): it is left out of the request and counts
    /// as a miss, so the other keys still come back (1.1.4 sends it and the
    /// server splits it into other keys).
    #[inline]
    pub fn check_mget_key(&self, key: &[u8]) -> Result<bool> {
        match self.check_key(key) {
            Ok(()) => Ok(true),
            Err(_)
                if !self.behaviors.verify_key
                    && !key.is_empty()
                    && self.namespace.len() + key.len() <= MAX_KEY_LEN
                    && !self.codec().key_bytes_ok(key, false) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The hash of a (group) key, as [`Placement::hash_key`] computes it
    /// with the handle's namespace and HASH_WITH_PREFIX_KEY.
    pub fn hash_key(&mut self, key: &[u8]) -> u32 {
        self.placement
            .hash_key(key, &self.namespace, self.behaviors.hash_with_prefix_key)
    }

    /// Index of the server for a key, without the auto-eject rebuild
    /// (`memcached_generate_hash`).
    pub fn server_index_no_rebuild(&mut self, key: &[u8]) -> Option<usize> {
        let n = self.servers.len();
        if n == 0 {
            return None;
        }
        if n == 1 {
            return Some(0);
        }
        let h = self.hash_key(key);
        self.placement.dispatch(h, n)
    }

    /// Whether [`Client::server_indexes_of_four`] applies: several servers,
    /// the default key hash, and no namespace in the hashed key.
    pub(crate) fn places_four_at_once(&self) -> bool {
        self.servers.len() > 1
            && matches!(
                self.placement.hasher,
                KeyHasher::Builtin(HashAlgorithm::Default)
            )
            && !self.behaviors.hash_with_prefix_key
    }

    /// [`Client::server_index_no_rebuild`] of four keys, hashed side by
    /// side (only when [`Client::places_four_at_once`]).
    pub(crate) fn server_indexes_of_four(&self, keys: [&[u8]; 4]) -> [usize; 4] {
        crate::hash::one_at_a_time_x4(keys)
            .map(|h| self.placement.dispatch(h, self.servers.len()).unwrap_or(0))
    }

    /// Index of the server for a key (`memcached_generate_hash_with_redistribution`).
    #[inline]
    pub fn server_index(&mut self, key: &[u8]) -> Result<usize> {
        // One server and no ejected server waiting to come back: nothing
        // to hash (server_index_no_rebuild would answer 0 as well).
        if self.servers.len() == 1 && self.placement.next_distribution_rebuild == 0 {
            return Ok(0);
        }
        self.server_index_slow(key)
    }

    fn server_index_slow(&mut self, key: &[u8]) -> Result<usize> {
        if self.servers.is_empty() {
            return Err(Error::with_message(
                ReturnCode::NoServers,
                "no servers have been added",
            ));
        }
        self.maybe_rebuild_for_eject();
        Ok(self.server_index_no_rebuild(key).unwrap_or(0))
    }

    /// With auto-eject, bring returning servers back into the continuum.
    pub fn maybe_rebuild_for_eject(&mut self) {
        if self.behaviors.auto_eject_hosts
            && self.placement.next_distribution_rebuild != 0
            && now_secs() > self.placement.next_distribution_rebuild
        {
            self.rebuild_distribution();
        }
    }

    // ----- connections --------------------------------------------------

    /// The wait bounds the behaviors give.
    #[inline]
    pub fn timeouts(&self) -> Timeouts {
        let b = &self.behaviors;
        let key = (b.poll_timeout, b.rcv_timeout, b.snd_timeout);
        let (k, t) = self.timeouts_cache.get();
        if k == key {
            return t;
        }
        self.recompute_timeouts()
    }

    #[cold]
    #[inline(never)]
    fn recompute_timeouts(&self) -> Timeouts {
        let b = &self.behaviors;
        let key = (b.poll_timeout, b.rcv_timeout, b.snd_timeout);
        let poll = Wait::from_millis(b.poll_timeout);
        let t = Timeouts {
            read: poll.capped_micros(b.rcv_timeout),
            write: poll.capped_micros(b.snd_timeout),
        };
        self.timeouts_cache.set((key, t));
        self.timeouts_gen.set(self.timeouts_gen.get() + 1);
        t
    }

    /// A number that changes whenever the timeouts change.
    #[inline]
    fn timeouts_gen(&self) -> u64 {
        let b = &self.behaviors;
        let key = (b.poll_timeout, b.rcv_timeout, b.snd_timeout);
        if self.timeouts_cache.get().0 != key {
            self.recompute_timeouts();
        }
        self.timeouts_gen.get()
    }

    fn socket_options(&self) -> SocketOptions {
        SocketOptions {
            tcp_nodelay: self.behaviors.tcp_nodelay,
            keepalive: self.behaviors.tcp_keepalive,
            keepidle: self.behaviors.tcp_keepidle,
            send_size: self.behaviors.send_size,
            recv_size: self.behaviors.recv_size,
            linger_zero: self.behaviors.no_block,
        }
    }

    /// Count a connect failure against a server (`memcached_mark_server_for_timeout`).
    pub(crate) fn mark_server_for_timeout(&mut self, idx: usize) {
        let qid = self.query_id;
        let limit = self.behaviors.server_timeout_limit;
        let retry = self.behaviors.retry_timeout.max(0) as i64;
        let s = &mut self.servers[idx];
        if s.timeout_counter_query_id != qid {
            s.timeout_counter += 1;
            s.timeout_counter_query_id = qid;
        }
        if s.timeout_counter >= limit {
            s.next_retry = now_secs() + retry;
            s.state = ServerState::InTimeout;
            if s.failure_counter_query_id != qid {
                s.failure_counter += 1;
                s.failure_counter_query_id = qid;
            }
            // Beyond 1.1.4: with REMOVE_FAILED_SERVERS / AUTO_EJECT_HOSTS a
            // server that cannot be reached leaves the continuum until its
            // retry time, so its keys are served elsewhere meanwhile
            // instead of failing with SERVER_TEMPORARILY_DISABLED.
            if self.behaviors.auto_eject_hosts && self.placement.distribution.is_consistent() {
                self.rebuild_distribution();
            }
        }
    }

    /// Make sure server `idx` has a connection, applying 1.1.4's back-off
    /// rules first (`backoff_handling` then `network_connect`).
    #[inline(always)]
    pub fn connect(&mut self, idx: usize) -> Result<()> {
        // The common case inline: connected, timeouts unchanged, no
        // multi-get left unread and the receive timeout as configured.
        let generation = self.timeouts_gen();
        let s = &mut self.servers[idx];
        if !s.mget_pending
            && let Some(conn) = s.conn.as_mut()
            && conn.timeouts_gen == generation
            && conn.begin_op_fast()
        {
            return Ok(());
        }
        self.connect_slow(idx)
    }

    #[cold]
    #[inline(never)]
    fn connect_slow(&mut self, idx: usize) -> Result<()> {
        if self.servers[idx].conn.is_some() {
            let generation = self.timeouts_gen();
            let t = self.timeouts();
            let conn = crate::server::connected(&mut self.servers[idx].conn)?;
            if conn.timeouts_gen == generation {
                conn.begin_op()?;
            } else {
                conn.set_timeouts(t)?;
                conn.timeouts_gen = generation;
            }
            // A multi-get nobody fetched to the end: its replies come first.
            if self.servers[idx].mget_pending {
                let r = self.drain_mget(idx);
                self.on_server(idx, r)?;
            }
            return Ok(());
        }
        let now = now_secs();
        let limit = self.behaviors.server_failure_limit;
        let mut retrying = false;
        {
            let eject = self.behaviors.auto_eject_hosts;
            let dead_timeout = self.behaviors.dead_timeout;
            let retry_timeout = self.behaviors.retry_timeout;
            let s = &mut self.servers[idx];
            if limit > 0 && s.failure_counter >= limit {
                if eject {
                    // 1.1.4 leaves a server with DEAD_TIMEOUT 0 marked dead
                    // forever; we retry it after RETRY_TIMEOUT instead.
                    let period = if dead_timeout > 0 {
                        dead_timeout as i64
                    } else {
                        retry_timeout.max(1) as i64
                    };
                    s.next_retry = now + period;
                    s.failure_counter = limit - 1;
                    let label = s.label();
                    let e = Error::with_message(
                        ReturnCode::ServerMarkedDead,
                        format!("server {label} has failed {limit} times and is ejected"),
                    );
                    s.set_error(&e);
                    self.rebuild_distribution();
                    return Err(e);
                }
                s.state = ServerState::InTimeout;
                if s.next_retry < 1 {
                    s.next_retry = 1;
                }
            }
            if s.state == ServerState::InTimeout {
                if s.next_retry < now {
                    s.state = ServerState::New;
                    s.timeout_counter = 0;
                    retrying = true;
                } else {
                    // Like 1.1.4, the server's own error says so too.
                    let e = Error::with_message(
                        ReturnCode::ServerTemporarilyDisabled,
                        format!(
                            "server {} is disabled until its retry timeout passes",
                            s.label()
                        ),
                    );
                    s.set_error(&e);
                    return Err(e);
                }
            }
        }
        let connect_wait = Wait::from_millis(self.behaviors.connect_timeout);
        let opts = self.socket_options();
        let result = {
            let s = &self.servers[idx];
            let target = if s.is_unix() {
                Target::Unix(&s.hostname)
            } else if self.behaviors.use_udp || s.kind == ServerKind::Udp {
                // Like 1.1.4, the handle's USE_UDP picks the transport.
                Target::Udp(s.resolve_name(), s.port)
            } else {
                Target::Tcp(s.resolve_name(), s.port)
            };
            let tcp = matches!(target, Target::Tcp(..));
            let host = s.resolve_name().to_owned();
            Connection::connect(&target, connect_wait, &opts).and_then(|mut conn| {
                // TLS: the handshake is part of the connect (and its timeout).
                if let (true, Some(tls)) = (tcp, self.tls.as_mut()) {
                    let config = tls.client_config()?;
                    let name = tls.server_name_for(&host)?;
                    conn.start_tls(config, name, connect_wait)?;
                }
                Ok(conn)
            })
        };
        // SASL: authenticate a new connection before its first command.
        let result = result.and_then(|conn| self.sasl_authenticate_new(idx, conn));
        match result {
            Ok(mut conn) => {
                conn.set_timeouts(self.timeouts())?;
                conn.timeouts_gen = self.timeouts_gen();
                let s = &mut self.servers[idx];
                conn.set_udp_request_id(s.udp_request_id);
                s.conn = Some(conn);
                s.state = ServerState::Connected;
                s.failure_counter = 0;
                s.timeout_counter = 0;
                s.next_retry = 0;
                Ok(())
            }
            Err(mut e) => {
                let label = self.servers[idx].label();
                e.message = Some(match e.message.take() {
                    Some(m) => format!("{m} ({label})"),
                    None => label.clone(),
                });
                self.servers[idx].set_error(&e);
                self.last_disconnected = Some(idx);
                self.mark_server_for_timeout(idx);
                if retrying && e.code != ReturnCode::HostLookupFailure {
                    e.code = ReturnCode::ServerTemporarilyDisabled;
                    self.servers[idx].set_error(&e);
                }
                Err(e)
            }
        }
    }

    /// Note an I/O failure on an established connection: close it so no
    /// later call can read a stale reply.
    pub fn io_failed(&mut self, idx: usize, e: &mut Error) {
        let s = &mut self.servers[idx];
        let label = s.label();
        if !e.message.as_deref().is_some_and(|m| m.contains(&label)) {
            e.message = Some(match e.message.take() {
                Some(m) => format!("{m} ({label})"),
                None => label,
            });
        }
        s.set_error(e);
        s.close();
        self.last_disconnected = Some(idx);
        if e.code == ReturnCode::Timeout {
            self.timed_out(idx);
        } else if self.sasl_refused(idx, e) {
            // A refused SASL authentication (sent with the first command)
            // marks the server as a failed connect does.
            self.mark_server_for_timeout(idx);
        }
    }

    /// Whether an error leaves the connection unusable.
    pub fn breaks_connection(code: ReturnCode) -> bool {
        matches!(
            code,
            ReturnCode::ConnectionFailure
                | ReturnCode::WriteFailure
                | ReturnCode::ReadFailure
                | ReturnCode::UnknownReadFailure
                | ReturnCode::ProtocolError
                | ReturnCode::Errno
                | ReturnCode::Timeout
                | ReturnCode::PartialRead
                | ReturnCode::MemoryAllocationFailure
                | ReturnCode::AuthFailure
        )
    }

    /// Close every connection after sending `quit` (`memcached_quit`,
    /// `memcached_free`). Requests still in the write buffer
    /// (BUFFER_REQUESTS) go out first, as in 1.1.4: quitting never drops a
    /// write the caller was told is BUFFERED. (The buffer holds only whole
    /// requests: a connection whose write failed was closed.) Over UDP,
    /// like 1.1.4, nothing is sent and nothing awaited: the server neither
    /// answers nor closes.
    pub fn quit_all(&mut self) {
        let codec = self.codec();
        let timeouts = self.timeouts();
        let now = now_secs();
        for s in &mut self.servers {
            // A server in back-off (it refused, reset or timed out) keeps
            // its state and counters, and is not waited for.
            let backoff = s.state == ServerState::InTimeout || s.next_retry > now;
            if backoff {
                s.close();
                continue;
            }
            if let Some(conn) = s.conn.as_mut().filter(|c| !c.is_udp()) {
                codec.encode_quit(&mut conn.wbuf);
                // Like 1.1.4: while something sent is unanswered, wait
                // (within the handle's read bound) until the server has
                // processed it and closed, so no later connection overtakes it.
                if conn.flush().is_ok() && conn.unanswered && conn.set_timeouts(timeouts).is_ok() {
                    conn.slurp_until_closed();
                }
            }
            s.close();
            s.failure_counter = 0;
            s.timeout_counter = 0;
        }
    }

    /// Close every connection without a word (behaviors that need new sockets).
    pub fn close_all(&mut self) {
        for s in &mut self.servers {
            s.close();
        }
    }
}

/// libc `random()`-like source for RANDOM distribution, without unsafe code.
pub(crate) fn random_u32() -> u32 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0x9e37_79b9) | 1
        );
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 33) as u32
    })
}
