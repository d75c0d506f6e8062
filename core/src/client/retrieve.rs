//! Reading values: single `get`, multi-get (`mget`) that writes to every
//! involved server before reading, and `fetch` that returns one value at a
//! time from whichever server has one ready.

use super::{Client, ItemMeta, ValueSink, wire};
use crate::connection::{self, Connection};
use crate::error::{Error, Result, ReturnCode};
use crate::protocol::ascii::{self, Reply};
use crate::protocol::binary::{self, opcode};
use crate::server::{KeyList, Server};

/// Largest extras + key of a value reply we accept (4 bytes of flags and a
/// key of at most 250 bytes, with room to spare).
const MAX_VALUE_PREFIX: usize = 4 + 256;

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

/// What one reply of a multi-get was.
enum Step {
    Value(ItemMeta),
    Done,
    Skipped,
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
        let primary = self.server_index(if group.is_empty() { key } else { group })?;
        let idx = self.read_server(primary)?;
        if self.servers[idx].mget_pending {
            let r = self.drain_mget(idx);
            self.on_server(idx, r)?;
        }
        if self.encoding.is_some() {
            return self.get_encrypted(idx, key, sink);
        }
        let r = self.get_on(idx, key, sink);
        self.on_server(idx, r)
    }

    /// A get under an encoding key: the stored bytes are read, decrypted,
    /// and the plaintext handed to `sink`.
    #[cold]
    fn get_encrypted(
        &mut self,
        idx: usize,
        key: &[u8],
        sink: &mut dyn ValueSink,
    ) -> Result<Option<ItemMeta>> {
        let mut cipher = super::VecSink::default();
        let r = self.get_on(idx, key, &mut cipher);
        match self.on_server(idx, r)? {
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
        let binary = self.behaviors.binary_protocol;
        for idx in 0..self.servers.len() {
            if let Some(conn) = self.servers[idx].conn.as_mut()
                && !conn.wbuf.is_empty()
            {
                let r = Self::complete_buffered(conn, binary);
                let _ = self.on_server(idx, r);
            }
        }
    }

    /// Send a connection's buffered requests and wait until the server has
    /// processed them (see [`Client::send_buffered`]).
    #[cold]
    fn complete_buffered(conn: &mut Connection, binary: bool) -> Result<()> {
        conn.begin_op()?;
        if binary {
            let opaque = conn.next_opaque();
            binary::encode_simple(&mut conn.wbuf, binary::opcode::NOOP, &[], opaque);
            conn.flush()?;
            let h = wire::binary_header(conn, opaque)?;
            conn.skip(h.body_len as usize)
        } else {
            conn.flush()?;
            wire::ascii_drain(conn)
        }
    }

    fn get_on(
        &mut self,
        idx: usize,
        key: &[u8],
        sink: &mut dyn ValueSink,
    ) -> Result<Option<ItemMeta>> {
        let binary = self.behaviors.binary_protocol;
        let cas = self.behaviors.support_cas;
        let ns = std::mem::take(&mut self.namespace);
        let conn = self.servers[idx].conn.as_mut().expect("connected");
        let mut opaque = 0;
        if binary {
            opaque = conn.next_opaque();
            binary::encode_get(&mut conn.wbuf, opcode::GETK, &ns, key, opaque);
        } else {
            ascii::begin_get(&mut conn.wbuf, if cas { "gets" } else { "get" });
            ascii::push_get_key(&mut conn.wbuf, &ns, key);
            ascii::end_line(&mut conn.wbuf);
        }
        let r = Self::get_exchange(conn, binary, opaque, &ns, key, idx, sink);
        self.namespace = ns;
        r
    }

    fn get_exchange(
        conn: &mut Connection,
        binary: bool,
        opaque: u32,
        ns: &[u8],
        key: &[u8],
        idx: usize,
        sink: &mut dyn ValueSink,
    ) -> Result<Option<ItemMeta>> {
        conn.flush()?;
        if binary {
            let h = wire::binary_header(conn, opaque)?;
            if h.status != 0 {
                let e = wire::binary_status_error(conn, &h)?;
                return if e.code == ReturnCode::Notfound {
                    Ok(None)
                } else {
                    Err(e)
                };
            }
            let mut expected = |wire_key: &[u8]| exact_key(wire_key, ns, key);
            return read_binary_value(conn, &h, ns, idx, sink, &mut expected).map(Some);
        }
        wire::ascii_drain(conn)?;
        let mut expected = |wire_key: &[u8]| exact_key(wire_key, ns, key);
        match read_ascii_reply(conn, ns, idx, sink, &mut expected)? {
            Step::Value(meta) => {
                // The END that closes the reply (one compare in the common case).
                conn.fill_to(5)?;
                if conn.buffered().starts_with(b"END\r\n") {
                    conn.consume(5);
                    return Ok(Some(meta));
                }
                let n = wire::ascii_line(conn)?;
                let is_end = matches!(
                    ascii::parse_reply_line(&conn.buffered()[..n]),
                    Ok(Reply::End)
                );
                conn.consume(n);
                match is_end {
                    true => Ok(Some(meta)),
                    false => Err(Error::with_message(
                        ReturnCode::UnknownReadFailure,
                        "the server sent more than one value for one key",
                    )),
                }
            }
            Step::Done => Ok(None),
            Step::Skipped => Err(Error::new(ReturnCode::UnknownReadFailure)),
        }
    }

    /// `memcached_mget(_by_key)`: send the requests; read the values with
    /// [`Client::fetch`]. `key_at(i)` gives key `i` of `n`.
    pub fn mget<'k>(
        &mut self,
        group: Option<&[u8]>,
        n: usize,
        key_at: &dyn Fn(usize) -> &'k [u8],
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
        self.mget_probe = false;
        let binary = self.behaviors.binary_protocol;
        let cmd = if self.behaviors.support_cas {
            "gets"
        } else {
            "get"
        };
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
            if any_left_out && !Self::ascii_sendable(key) {
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
                    Err(e) => {
                        failures += 1;
                        failed = Some(e);
                        continue;
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
                    let conn = s.conn.as_mut().expect("connected");
                    s.mget_pending = true;
                    s.mget_keys.clear();
                    s.mget_cursor = 0;
                    started += 1;
                    if binary {
                        s.mget_opaque = conn.next_opaque();
                    } else {
                        ascii::begin_get(&mut conn.wbuf, cmd);
                    }
                }
            }
            // The namespace stays in place above: with HASH_WITH_PREFIX_KEY
            // it takes part in placement.
            let ns = &self.namespace;
            let s = &mut self.servers[idx];
            s.mget_keys.push(ns, key);
            let conn = s.conn.as_mut().expect("connected");
            if binary {
                let o = conn.next_opaque();
                binary::encode_get(&mut conn.wbuf, opcode::GETKQ, ns, key, o);
            } else {
                ascii::push_get_key(&mut conn.wbuf, ns, key);
            }
        }
        // Terminate and send every server's request.
        for idx in 0..self.servers.len() {
            if !self.servers[idx].mget_pending {
                continue;
            }
            let s = &mut self.servers[idx];
            let conn = s.conn.as_mut().expect("connected");
            if binary {
                let o = conn.next_opaque();
                s.mget_noop = o;
                binary::encode_simple(&mut conn.wbuf, opcode::NOOP, &[], o);
            } else {
                ascii::end_line(&mut conn.wbuf);
            }
            let r = conn.flush();
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
        let ns = std::mem::take(&mut self.namespace);
        let binary = self.behaviors.binary_protocol;
        let r = (|| {
            let (mut check, conn) = mget_parts(&mut self.servers[idx]);
            let conn = conn.ok_or_else(|| Error::new(ReturnCode::ConnectionFailure))?;
            loop {
                match read_mget_step(conn, binary, &mut check, &ns, idx, &mut sink)? {
                    Step::Done => return Ok(()),
                    Step::Value(_) | Step::Skipped => {}
                }
            }
        })();
        self.namespace = ns;
        self.servers[idx].mget_pending = false;
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
        let binary = self.behaviors.binary_protocol;
        loop {
            let idx = match self.next_ready_server()? {
                Some(i) => i,
                None => return Ok(None),
            };
            let buffered = if binary {
                self.buffered_binary_value(idx, sink)
            } else {
                self.buffered_ascii_value(idx, sink)
            };
            let r = match buffered {
                Some(r) => r.map(Step::Value),
                None => {
                    let ns = std::mem::take(&mut self.namespace);
                    let (mut check, conn) = mget_parts(&mut self.servers[idx]);
                    let conn = conn.expect("pending servers are connected");
                    // Each fetch is an operation of its own: its wait starts now.
                    let r = conn
                        .begin_op()
                        .and_then(|()| read_mget_step(conn, binary, &mut check, &ns, idx, sink));
                    self.namespace = ns;
                    r
                }
            };
            match r {
                Ok(Step::Value(meta)) => return Ok(Some(meta)),
                Ok(Step::Done) => {
                    self.servers[idx].mget_pending = false;
                    self.mget_probe = true;
                }
                Ok(Step::Skipped) => {}
                Err(e) => {
                    self.servers[idx].mget_pending = false;
                    let r: Result<()> = Err(e);
                    let e = self.on_server(idx, r).expect_err("error");
                    return Err(e);
                }
            }
        }
    }

    /// The common step of an ASCII multi-get: the next reply on server
    /// `idx` is a `VALUE` whose line, data and `\r\n` are all buffered.
    /// It is delivered straight from the read buffer (no wait can happen,
    /// so no operation is started). `None` when anything else is next:
    /// the general reader takes over, and gives the same result.
    #[inline]
    fn buffered_ascii_value(
        &mut self,
        idx: usize,
        sink: &mut dyn ValueSink,
    ) -> Option<Result<ItemMeta>> {
        if self.behaviors.binary_protocol {
            return None;
        }
        let (mut check, conn) = mget_parts(&mut self.servers[idx]);
        let conn = conn?;
        if conn.outstanding != 0 {
            return None;
        }
        let buf = conn.buffered();
        let v = ascii::parse_value_fast(buf)?;
        let data_end = v.line_len + v.len;
        if buf.get(data_end..data_end + 2)? != b"\r\n" {
            return None;
        }
        if let Err(e) = check.accept_in_order(v.key) {
            return Some(Err(e));
        }
        let key = strip_ns(v.key, &self.namespace);
        let cas = v.cas.unwrap_or(0);
        let out = match sink.value_buffer(key, v.flags, cas, v.len) {
            Ok(out) => out,
            Err(e) => return Some(Err(e)),
        };
        out.copy_from_slice(&buf[v.line_len..data_end]);
        let meta = ItemMeta {
            flags: v.flags,
            cas,
            len: v.len,
            server: idx,
        };
        conn.unanswered = false;
        conn.consume(data_end + 2);
        Some(Ok(meta))
    }

    /// The common step of a binary multi-get: the next reply on server
    /// `idx` is a GETK/GETKQ success for a key of this multi-get, and its
    /// header, extras, key and value are all buffered. Delivered straight
    /// from the read buffer; `None` for anything else (stale replies, the
    /// closing NOOP, errors, partial packets), which the general reader
    /// handles with the same result.
    #[inline]
    fn buffered_binary_value(
        &mut self,
        idx: usize,
        sink: &mut dyn ValueSink,
    ) -> Option<Result<ItemMeta>> {
        let (mut check, conn) = mget_parts(&mut self.servers[idx]);
        let conn = conn?;
        let buf = conn.buffered();
        let h = binary::parse_response_header(buf).ok()??;
        if !matches!(h.opcode, opcode::GETK | opcode::GETKQ)
            || h.status != 0
            || wire::is_stale(h.opaque, check.first)
            || wire::is_stale(check.noop, h.opaque)
        {
            return None;
        }
        let pre = h.extras_len as usize + h.key_len as usize;
        let total = binary::HEADER_LEN + h.body_len as usize;
        if pre > MAX_VALUE_PREFIX || buf.len() < total {
            return None;
        }
        let body = &buf[binary::HEADER_LEN..total];
        let flags = match body.get(..4) {
            Some(f) if h.extras_len >= 4 => u32::from_be_bytes([f[0], f[1], f[2], f[3]]),
            _ => 0,
        };
        let wire_key = &body[h.extras_len as usize..pre];
        if let Err(e) = check.accept_opaque(h.opaque, wire_key) {
            return Some(Err(e));
        }
        let value = &body[pre..];
        let out = match sink.value_buffer(
            strip_ns(wire_key, &self.namespace),
            flags,
            h.cas,
            value.len(),
        ) {
            Ok(out) => out,
            Err(e) => return Some(Err(e)),
        };
        out.copy_from_slice(value);
        let meta = ItemMeta {
            flags,
            cas: h.cas,
            len: value.len(),
            server: idx,
        };
        conn.unanswered = false;
        conn.consume(total);
        Some(Ok(meta))
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
        if std::mem::take(&mut self.mget_probe) {
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
            let first = self.servers[idxs[0]].conn.as_ref().expect("connected").fd();
            let mut fd_stack = [first; connection::POLL_STACK];
            let fd_heap: Vec<_>;
            let fds: &[_] = if idxs.len() <= connection::POLL_STACK {
                for (k, &i) in idxs.iter().enumerate() {
                    fd_stack[k] = self.servers[i].conn.as_ref().expect("connected").fd();
                }
                &fd_stack[..idxs.len()]
            } else {
                fd_heap = idxs
                    .iter()
                    .map(|&i| self.servers[i].conn.as_ref().expect("connected").fd())
                    .collect();
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

/// A single get accepts only the key it asked for.
fn exact_key(wire_key: &[u8], ns: &[u8], key: &[u8]) -> Result<()> {
    if wire_key.len() == ns.len() + key.len() && wire_key.starts_with(ns) && wire_key.ends_with(key)
    {
        Ok(())
    } else {
        Err(Error::with_message(
            ReturnCode::ProtocolError,
            "the server sent a value for a key that was not requested",
        ))
    }
}

/// Strip the namespace from a key the server sent back.
fn strip_ns<'a>(key: &'a [u8], ns: &[u8]) -> &'a [u8] {
    if !ns.is_empty() && key.starts_with(ns) {
        &key[ns.len()..]
    } else {
        key
    }
}

/// What a multi-get on one server may still receive.
struct MgetCheck<'a> {
    /// Opaque of the mget's start (keys follow with consecutive opaques).
    first: u32,
    /// Opaque of the closing NOOP.
    noop: u32,
    /// Wire keys (namespace included) in request order.
    keys: &'a KeyList,
    /// Replies seen so far have advanced to here.
    cursor: &'a mut usize,
}

/// The check of server `s`'s pending multi-get, and its connection.
fn mget_parts(s: &mut Server) -> (MgetCheck<'_>, Option<&mut Connection>) {
    let check = MgetCheck {
        first: s.mget_opaque,
        noop: s.mget_noop,
        keys: &s.mget_keys,
        cursor: &mut s.mget_cursor,
    };
    (check, s.conn.as_mut())
}

impl MgetCheck<'_> {
    #[cold]
    fn not_requested() -> Error {
        Error::with_message(
            ReturnCode::ProtocolError,
            "the server sent a value for a key that was not requested",
        )
    }

    /// ASCII: values come in request order (misses leave gaps).
    #[inline]
    fn accept_in_order(&mut self, wire_key: &[u8]) -> Result<()> {
        while *self.cursor < self.keys.len() {
            let k = self.keys.get(*self.cursor);
            *self.cursor += 1;
            if k == wire_key {
                return Ok(());
            }
        }
        Err(Self::not_requested())
    }

    /// Binary: the opaque names the request; it must be newer than the
    /// last reply and its key must match.
    #[inline]
    fn accept_opaque(&mut self, opaque: u32, wire_key: &[u8]) -> Result<()> {
        let index = opaque.wrapping_sub(self.first.wrapping_add(1)) as usize;
        if index < *self.cursor || index >= self.keys.len() || self.keys.get(index) != wire_key {
            return Err(Self::not_requested());
        }
        *self.cursor = index + 1;
        Ok(())
    }
}

/// One reply of a multi-get on one connection.
fn read_mget_step(
    conn: &mut Connection,
    binary: bool,
    check: &mut MgetCheck<'_>,
    ns: &[u8],
    idx: usize,
    sink: &mut dyn ValueSink,
) -> Result<Step> {
    if binary {
        let h = wire::binary_header_range(conn, check.first, check.noop)?;
        match h.opcode {
            opcode::NOOP if h.opaque == check.noop => {
                conn.skip(h.body_len as usize)?;
                Ok(Step::Done)
            }
            opcode::GETKQ | opcode::GETK if h.status == 0 => {
                read_binary_value(conn, &h, ns, idx, sink, &mut |wire_key| {
                    check.accept_opaque(h.opaque, wire_key)
                })
                .map(Step::Value)
            }
            _ => {
                conn.skip(h.body_len as usize)?;
                Ok(Step::Skipped)
            }
        }
    } else {
        wire::ascii_drain(conn)?;
        read_ascii_reply(conn, ns, idx, sink, &mut |wire_key| {
            check.accept_in_order(wire_key)
        })
    }
}

/// Read one ASCII reply: a VALUE (delivered to the sink) or END.
/// `expected(wire_key)` decides whether a value for that key (as sent,
/// namespace included) belongs to the request.
fn read_ascii_reply(
    conn: &mut Connection,
    ns: &[u8],
    idx: usize,
    sink: &mut dyn ValueSink,
    expected: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<Step> {
    // The common case: a whole VALUE line is already buffered.
    let v = match ascii::parse_value_fast(conn.buffered()) {
        Some(v) => v,
        None => {
            let n = wire::ascii_line(conn)?;
            match other_line(&conn.buffered()[..n]) {
                Line::Value(v) => v,
                Line::Done => {
                    conn.consume(n);
                    return Ok(Step::Done);
                }
                Line::Failed(e, consume) => {
                    if consume {
                        conn.consume(n);
                    }
                    return Err(e);
                }
            }
        }
    };
    expected(v.key)?;
    let key = strip_ns(v.key, ns);
    if key.len() > MAX_REPLY_KEY {
        return Err(Error::with_message(
            ReturnCode::KeyTooBig,
            "the server returned a key longer than 250 bytes",
        ));
    }
    let (flags, len, cas) = (v.flags, v.len, v.cas.unwrap_or(0));
    let line_len = v.line_len;
    let buf = sink.value_buffer(key, flags, cas, len)?;
    conn.unanswered = false;
    conn.consume(line_len);
    conn.read_exact_into(buf)?;
    wire::ascii_value_end(conn)?;
    Ok(Step::Value(ItemMeta {
        flags,
        cas,
        len,
        server: idx,
    }))
}

/// Longest key a reply may carry (keys are at most 250 bytes).
const MAX_REPLY_KEY: usize = 256;

/// A whole reply line that the fast VALUE parser did not take.
enum Line<'a> {
    Value(ascii::ValueLine<'a>),
    Done,
    /// The error, and whether the line is consumed.
    Failed(Error, bool),
}

#[cold]
fn other_line(line: &[u8]) -> Line<'_> {
    if let Some(v) = ascii::parse_value_fast(line) {
        return Line::Value(v);
    }
    match ascii::parse_reply_line(line) {
        Ok(Reply::Value {
            key,
            flags,
            len,
            cas,
        }) => Line::Value(ascii::ValueLine {
            key,
            flags,
            len,
            cas,
            line_len: line.len(),
        }),
        Ok(Reply::End) => Line::Done,
        Ok(Reply::ServerError(m)) => Line::Failed(
            Error::with_message(
                ReturnCode::ServerError,
                String::from_utf8_lossy(m).into_owned(),
            ),
            true,
        ),
        Ok(Reply::ClientError(m)) => Line::Failed(
            Error::with_message(
                ReturnCode::ClientError,
                String::from_utf8_lossy(m).into_owned(),
            ),
            true,
        ),
        Ok(_) => Line::Failed(
            Error::with_message(ReturnCode::UnknownReadFailure, "unexpected reply to get"),
            false,
        ),
        Err(e) => Line::Failed(e, false),
    }
}

/// Read the body of a successful binary GET-family reply into the sink.
fn read_binary_value(
    conn: &mut Connection,
    h: &binary::ResponseHeader,
    ns: &[u8],
    idx: usize,
    sink: &mut dyn ValueSink,
    expected: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<ItemMeta> {
    let pre = h.extras_len as usize + h.key_len as usize;
    if pre > MAX_VALUE_PREFIX {
        return Err(Error::with_message(
            ReturnCode::ProtocolError,
            "binary value reply with an oversized key",
        ));
    }
    conn.fill_to(pre)?;
    let b = conn.buffered();
    let flags = if h.extras_len >= 4 {
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    } else {
        0
    };
    let wire_key = &b[h.extras_len as usize..pre];
    expected(wire_key)?;
    let len = h.value_len() as usize;
    let buf = sink.value_buffer(strip_ns(wire_key, ns), flags, h.cas, len)?;
    conn.consume(pre);
    conn.read_exact_into(buf)?;
    Ok(ItemMeta {
        flags,
        cas: h.cas,
        len,
        server: idx,
    })
}
