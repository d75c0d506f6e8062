//! Reading values: single `get`, multi-get (`mget`) that writes to every
//! involved server before reading, and `fetch` that returns one value at a
//! time from whichever server has one ready.
//!
//! The multi-get is one pipeline for both protocols: keys are grouped per
//! server (placement, replicas, failures), the codec encodes each server's
//! request (start, keys, terminator), and one loop reads whichever server
//! is ready, the codec parsing each reply ([`Codec::buffered_mget_value`]
//! for a value already in the read buffer, [`Codec::read_mget_step`]
//! otherwise).

use super::outage::Resend;
use super::{Client, ItemMeta, ValueSink};
use crate::connection::{self, Connection};
use crate::error::{Error, Result, ReturnCode};
use crate::protocol::{Codec, MgetCheck, MgetStep};
use crate::server::Server;

/// A sink that drops values (draining an abandoned multi-get).
struct Discard(Vec<u8>);

impl ValueSink for Discard {
    fn value_buffer(
        &mut self,
        _key: &[u8],
        _flags: u32,
        _cas: u64,
        len: usize,
    ) -> Result<&mut [u8]> {
        self.0.clear();
        self.0.resize(len.min(1 << 16), 0);
        if len > self.0.len() {
            self.0.resize(len, 0);
        }
        Ok(&mut self.0[..len])
    }
}

impl Client {
    /// `memcached_get`: `Ok(None)` on a miss.
    pub fn get(
        &mut self,
        group: &[u8],
        key: &[u8],
        sink: &mut dyn ValueSink,
    ) -> Result<Option<ItemMeta>> {
        self.begin_call();
        if self.behaviors.use_udp {
            return Err(Error::with_message(
                ReturnCode::NotSupported,
                "get is not supported over UDP",
            ));
        }
        // A key the ASCII protocol cannot carry (a blank or control byte,
        // VERIFY_KEY off) cannot have been stored: a miss, as in a
        // multi-get, and nothing is sent (1.1.4 sends it and the server
        // takes it for several keys).
        if !self.check_mget_key(key)? {
            return Ok(None);
        }
        self.send_buffered();
        // A group key is only hashed (never checked); an empty one means
        // "place by the key", as 1.1.4's get goes through its mget.
        // (Connecting reads what an earlier multi-get left unread first.)
        let group = if group.is_empty() { key } else { group };
        if self.encoding.is_some() {
            return self.get_encrypted(group, key, sink);
        }
        self.run_keyed(group, true, Resend::Safe, |c, idx| c.get_on(idx, key, sink))
            .1
    }

    /// A get under an encoding key: the stored bytes are read, decrypted,
    /// and the plaintext handed to `sink`.
    #[cold]
    fn get_encrypted(
        &mut self,
        group: &[u8],
        key: &[u8],
        sink: &mut dyn ValueSink,
    ) -> Result<Option<ItemMeta>> {
        let mut cipher = super::VecSink::default();
        let (_, r) = self.run_keyed(group, true, Resend::Safe, |c, idx| {
            c.get_on(idx, key, &mut cipher)
        });
        match r? {
            Some(meta) => self.deliver_plain(meta, &cipher, sink).map(Some),
            None => Ok(None),
        }
    }

    /// Decrypt a value read under an encoding key into `sink`.
    fn deliver_plain(
        &self,
        meta: ItemMeta,
        cipher: &super::VecSink,
        sink: &mut dyn ValueSink,
    ) -> Result<ItemMeta> {
        let key = self.encoding.as_ref().expect("an encoding key");
        let plain = key.decrypt(&cipher.value).ok_or_else(|| {
            Error::with_message(ReturnCode::Failure, "the value could not be decrypted")
        })?;
        sink.value_buffer(&cipher.key, meta.flags, meta.cas, plain.len())?
            .copy_from_slice(&plain);
        Ok(ItemMeta {
            len: plain.len(),
            ..meta
        })
    }

    /// As 1.1.4 before every get and multi-get: requests buffered on any
    /// server (BUFFER_REQUESTS, replies on) are sent first and their replies
    /// awaited, so what this handle wrote is stored, for everyone, before it
    /// reads. (1.1.4 does it for the servers owing replies, which NOREPLY
    /// requests never are.) Buffered binary requests are quiet: a NOOP
    /// behind them is answered once the server has processed them.
    #[inline]
    fn send_buffered(&mut self) {
        if !self.behaviors.buffer_requests || self.behaviors.noreply {
            return;
        }
        let codec = self.codec();
        for idx in 0..self.servers.len() {
            if let Some(conn) = self.servers[idx].conn.as_mut()
                && !conn.wbuf.is_empty()
            {
                let r = codec.complete_held(conn);
                let _ = self.on_server(idx, r);
            }
        }
    }

    #[inline(always)]
    fn get_on(
        &mut self,
        idx: usize,
        key: &[u8],
        sink: &mut dyn ValueSink,
    ) -> Result<Option<ItemMeta>> {
        let codec = self.codec();
        let cas = self.behaviors.support_cas;
        let ns = &self.namespace;
        let conn = crate::server::connected(&mut self.servers[idx].conn)?;
        let id = codec.encode_get(conn, cas, ns, key);
        conn.flush()?;
        codec.read_get(conn, id, ns, key, idx, sink)
    }

    /// `memcached_mget(_by_key)`: send the requests; read the values with
    /// [`Client::fetch`]. `key_at(i)` gives key `i` of `n`.
    pub fn mget<'k>(
        &mut self,
        group: Option<&[u8]>,
        n: usize,
        key_at: &impl Fn(usize) -> &'k [u8],
    ) -> Result<ReturnCode> {
        self.begin_call();
        if self.servers.is_empty() {
            return Err(Error::with_message(
                ReturnCode::NoServers,
                "no servers have been added",
            ));
        }
        if self.behaviors.use_udp {
            return Err(Error::with_message(
                ReturnCode::NotSupported,
                "mget is not supported over UDP",
            ));
        }
        if n == 0 {
            return Err(Error::with_message(
                ReturnCode::InvalidArguments,
                "number_of_keys was zero",
            ));
        }
        // A group key is only hashed (never checked); an empty one means
        // "place each key by itself", as in 1.1.4.
        let group = group.filter(|g| !g.is_empty());
        let mut any_left_out = false;
        for i in 0..n {
            any_left_out |= !self.check_mget_key(key_at(i))?;
        }
        // Finish any earlier multi-get nobody fetched to the end.
        for idx in 0..self.servers.len() {
            if self.servers[idx].mget_pending {
                let r = self.drain_mget(idx);
                let _ = self.on_server(idx, r);
            }
        }
        self.send_buffered();
        self.maybe_rebuild_for_eject();
        self.mget.probe = false;
        self.mget.grouped = group.is_some();
        let codec = self.codec();
        let cas = self.behaviors.support_cas;
        let mut failed: Option<Error> = None;
        let mut started = 0usize;
        let mut failures = 0usize;
        // Servers whose keys a replica serves in this call (replicas only).
        let mut redirect: Vec<usize> = Vec::new();
        // Keys are placed four at a time where the hash allows it.
        let by_four = group.is_none() && self.places_four_at_once();
        let mut placed = [0usize; 4];
        let mut placed_from = usize::MAX;
        for i in 0..n {
            if by_four && i % 4 == 0 && i + 4 <= n {
                placed = self.server_indexes_of_four([
                    key_at(i),
                    key_at(i + 1),
                    key_at(i + 2),
                    key_at(i + 3),
                ]);
                placed_from = i;
            }
            let key = key_at(i);
            if any_left_out && !codec.key_bytes_ok(key, false) {
                continue;
            }
            let primary = match group {
                Some(g) => self.server_index_no_rebuild(g),
                None if i >= placed_from && i - placed_from < 4 => Some(placed[i - placed_from]),
                None => self.server_index_no_rebuild(key),
            }
            .unwrap_or(0);
            let mut idx = redirect
                .get(primary)
                .copied()
                .filter(|&r| r != usize::MAX)
                .unwrap_or(primary);
            if !self.servers[idx].mget_pending {
                // A server that failed earlier in this call is asked again:
                // its back-off state answers at once (47), as in 1.1.4.
                let reached = match self.read_server(idx) {
                    Ok(i) => i,
                    // With REMOVE_FAILED_SERVERS the server has left the
                    // continuum: this key goes to its server meanwhile
                    // (keys of one server spread over several).
                    Err(e) => {
                        match self.reach_elsewhere(idx, group.unwrap_or(key), true, true, e) {
                            Ok(j) => {
                                idx = j;
                                j
                            }
                            Err(e) => {
                                failures += 1;
                                failed = Some(e);
                                continue;
                            }
                        }
                    }
                };
                if reached != idx {
                    if redirect.is_empty() {
                        redirect = vec![usize::MAX; self.servers.len()];
                    }
                    redirect[primary] = reached;
                    idx = reached;
                }
                if !self.servers[idx].mget_pending {
                    let s = &mut self.servers[idx];
                    let conn = crate::server::connected(&mut s.conn)?;
                    s.mget_pending = true;
                    s.mget_keys.clear();
                    s.mget_cursor = 0;
                    started += 1;
                    s.mget_opaque = codec.begin_mget(conn, cas);
                }
            }
            // The namespace stays in place above: with HASH_WITH_PREFIX_KEY
            // it takes part in placement.
            let ns = &self.namespace;
            let s = &mut self.servers[idx];
            s.mget_keys.push(ns, key);
            let conn = crate::server::connected(&mut s.conn)?;
            codec.push_mget_key(conn, ns, key);
        }
        // Terminate and send every server's request.
        for idx in 0..self.servers.len() {
            if !self.servers[idx].mget_pending {
                continue;
            }
            let s = &mut self.servers[idx];
            let conn = crate::server::connected(&mut s.conn)?;
            s.mget_noop = codec.end_mget(conn);
            let r = match conn.flush() {
                Err(e) if self.resend_mget(idx, &e) => Ok(()),
                r => r,
            };
            if let Err(e) = self.on_server(idx, r) {
                started -= 1;
                failures += 1;
                failed = Some(e);
            }
        }
        match failed {
            None => Ok(ReturnCode::Success),
            Some(e) if started == 0 => Err(e),
            Some(e) => {
                let _ = failures;
                self.last_error = Some(e);
                Ok(ReturnCode::SomeErrors)
            }
        }
    }

    /// Read and drop the rest of a multi-get on server `idx`.
    pub(crate) fn drain_mget(&mut self, idx: usize) -> Result<()> {
        let mut sink = Discard(Vec::new());
        let codec = self.codec();
        let r = (|| {
            let (mut check, conn) = mget_parts(&mut self.servers, &self.namespace, idx);
            let conn = conn.ok_or_else(|| Error::new(ReturnCode::ConnectionFailure))?;
            loop {
                match codec.read_mget_step(conn, &mut check, &mut sink)? {
                    MgetStep::Done => return Ok(()),
                    MgetStep::Value(_) | MgetStep::Skipped => {}
                }
            }
        })();
        // Keys other servers' failures left it go with the abandoned call.
        let s = &mut self.servers[idx];
        s.mget_pending = false;
        s.mget_followup.clear();
        r
    }

    /// Whether a multi-get still has replies to read.
    pub fn fetch_pending(&self) -> bool {
        self.servers.iter().any(|s| s.mget_pending)
    }

    /// `memcached_fetch_result`: the next value of the pending multi-get,
    /// `Ok(None)` when every server has answered (END).
    pub fn fetch(&mut self, sink: &mut dyn ValueSink) -> Result<Option<ItemMeta>> {
        if self.encoding.is_some() {
            return self.fetch_encrypted(sink);
        }
        self.fetch_stored(sink)
    }

    /// [`Client::fetch`] under an encoding key (see [`Client::get_encrypted`]).
    #[cold]
    fn fetch_encrypted(&mut self, sink: &mut dyn ValueSink) -> Result<Option<ItemMeta>> {
        let mut cipher = super::VecSink::default();
        match self.fetch_stored(&mut cipher)? {
            Some(meta) => self.deliver_plain(meta, &cipher, sink).map(Some),
            None => Ok(None),
        }
    }

    /// The next value of the pending multi-get as the server stored it.
    #[inline]
    fn fetch_stored(&mut self, sink: &mut dyn ValueSink) -> Result<Option<ItemMeta>> {
        let codec = self.codec();
        loop {
            let idx = match self.next_ready_server()? {
                Some(i) => i,
                None => return Ok(None),
            };
            let r = match self.buffered_value(codec, idx, sink) {
                // Straight from the read buffer (the common case).
                Some(Ok(meta)) => return Ok(Some(meta)),
                Some(Err(e)) => Err(e),
                None => {
                    let (mut check, conn) = mget_parts(&mut self.servers, &self.namespace, idx);
                    // Each fetch is an operation of its own: its wait starts now.
                    conn.ok_or_else(crate::server::not_connected)
                        .and_then(|conn| {
                            conn.begin_op()?;
                            codec.read_mget_step(conn, &mut check, sink)
                        })
                }
            };
            match r {
                Ok(MgetStep::Value(meta)) => return Ok(Some(meta)),
                Ok(MgetStep::Done) => {
                    self.servers[idx].mget_pending = false;
                    self.mget.probe = true;
                    self.send_mget_followup(idx);
                }
                Ok(MgetStep::Skipped) => {}
                Err(e) => {
                    if self.resend_mget(idx, &e) {
                        continue;
                    }
                    self.servers[idx].mget_pending = false;
                    let r: Result<()> = Err(e);
                    let e = self.on_server(idx, r).expect_err("error");
                    if self.reroute_mget(idx, &e) {
                        // Its keys are asked elsewhere; the failure stays
                        // on the server and in the last error.
                        self.last_error = Some(e);
                        continue;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// The next value of server `idx`'s multi-get when it is completely
    /// buffered (see [`Codec::buffered_mget_value`]).
    #[inline(always)]
    fn buffered_value(
        &mut self,
        codec: Codec,
        idx: usize,
        sink: &mut dyn ValueSink,
    ) -> Option<Result<ItemMeta>> {
        let (mut check, conn) = mget_parts(&mut self.servers, &self.namespace, idx);
        codec.buffered_mget_value(conn?, &mut check, sink)
    }

    /// Pick a server with pending multi-get replies: one with bytes
    /// buffered, else the only one, else whichever poll() says is ready.
    fn next_ready_server(&mut self) -> Result<Option<usize>> {
        let mut pending = 0;
        let mut last = 0;
        for (i, s) in self.servers.iter().enumerate() {
            if s.mget_pending {
                pending += 1;
                last = i;
                if s.conn.as_ref().is_some_and(|c| !c.buffered().is_empty()) {
                    return Ok(Some(i));
                }
            }
        }
        if pending <= 1 {
            return Ok(if pending == 1 { Some(last) } else { None });
        }
        // A server's reply was just read to its end: the others have
        // usually answered meanwhile. One look at the next pending server
        // without waiting often saves a poll() (at most one recv is wasted).
        if std::mem::take(&mut self.mget.probe) {
            let first = self.servers.iter().position(|s| s.mget_pending);
            if let Some(i) = first
                && let Some(conn) = self.servers[i].conn.as_mut()
                && let Ok(true) = conn.fill_nowait()
            {
                return Ok(Some(i));
            }
        }
        let wait = self.timeouts().read;
        // Positions of the pending servers, on the stack for common sizes.
        let mut idx_stack = [0usize; connection::POLL_STACK];
        let idx_heap: Vec<usize>;
        let idxs: &[usize] = if pending <= connection::POLL_STACK {
            let mut n = 0;
            for (i, s) in self.servers.iter().enumerate() {
                if s.mget_pending {
                    idx_stack[n] = i;
                    n += 1;
                }
            }
            &idx_stack[..n]
        } else {
            idx_heap = (0..self.servers.len())
                .filter(|&i| self.servers[i].mget_pending)
                .collect();
            &idx_heap
        };
        let r = {
            let first = crate::server::connected_ref(&self.servers[idxs[0]].conn)?.fd();
            let mut fd_stack = [first; connection::POLL_STACK];
            let fd_heap: Vec<_>;
            let fds: &[_] = if idxs.len() <= connection::POLL_STACK {
                for (k, &i) in idxs.iter().enumerate() {
                    fd_stack[k] = crate::server::connected_ref(&self.servers[i].conn)?.fd();
                }
                &fd_stack[..idxs.len()]
            } else {
                fd_heap = idxs
                    .iter()
                    .map(|&i| crate::server::connected_ref(&self.servers[i].conn).map(|c| c.fd()))
                    .collect::<Result<_>>()?;
                &fd_heap
            };
            connection::poll_any(fds, wait)
        };
        match r {
            Ok(k) => Ok(Some(idxs[k])),
            Err(e) => {
                // Every pending server timed out: close them all.
                let mut err = e;
                for &i in idxs {
                    self.servers[i].mget_pending = false;
                    self.io_failed(i, &mut err);
                }
                Err(err)
            }
        }
    }
}

/// The pending multi-get of server `idx`, and its connection.
fn mget_parts<'a>(
    servers: &'a mut [Server],
    ns: &'a Vec<u8>,
    idx: usize,
) -> (MgetCheck<'a>, Option<&'a mut Connection>) {
    let s = &mut servers[idx];
    let check = MgetCheck {
        ns,
        server: idx,
        first: s.mget_opaque,
        noop: s.mget_noop,
        keys: &s.mget_keys,
        cursor: &mut s.mget_cursor,
    };
    (check, s.conn.as_mut())
}
