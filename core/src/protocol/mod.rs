//! The memcached wire protocols, behind one interface.
//!
//! [`Codec`] is that interface: one value per protocol ([`ascii`] speaks
//! the text protocol, [`binary`] the binary protocol, both byte for byte as
//! libmemcached 1.1.4 puts them on the wire). For each operation it encodes
//! the request into a connection's write buffer and reads the reply from
//! the connection into a protocol-independent result ([`ReturnCode`], a
//! number, a value for a [`ValueSink`], statistics). It also answers the
//! questions whose answer depends on the protocol (which key bytes can be
//! carried, whether replicas, SASL or `dump` are available). The client
//! picks the codec in one place (`Client::codec`) and never looks at the
//! protocol behavior otherwise; the connection engine
//! ([`crate::connection`]) moves bytes and knows neither protocol.
//!
//! Codec is an enum, so a call is one predictable branch and no dynamic
//! dispatch. Encoders append to the connection's reused write buffer and
//! never allocate once it has capacity; the byte-level parsers look at
//! slices, return borrowed views and answer `Ok(None)` ("need more bytes")
//! for a prefix of a reply. No length read from a server is ever used to
//! size an allocation: buffers grow only as bytes arrive, after the
//! announced length is checked against [`MAX_VALUE_LEN`] /
//! [`binary::MAX_BODY_LEN`].

pub mod ascii;
pub mod binary;

use crate::client::{ItemMeta, ValueSink};
use crate::connection::Connection;
use crate::error::{Error, Result, ReturnCode};
use crate::server::KeyList;

/// The longest reply line accepted (bytes, `\r\n` included). A longer line
/// without a terminator is a [`ReturnCode::ProtocolError`]. 1.1.4 used a
/// 350..1024 byte stack buffer; memcached's own lines stay far below this.
pub const MAX_LINE_LEN: usize = 8192;

/// The largest value length a server may announce (1 GiB, memcached's own
/// ceiling for `-I`). A bigger announced length is a protocol error rather
/// than an attempt to allocate it.
pub const MAX_VALUE_LEN: usize = 1 << 30;

/// The protocol a client speaks: the one interface to both codecs.
///
/// Each `encode_*` returns the id to read its reply with (`read_*`): the
/// opaque of a binary request, 0 in ASCII, whose replies come in order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Codec {
    Ascii,
    Binary,
}

/// Which storage command.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StoreMode {
    Set,
    Add,
    Replace,
    Append,
    Prepend,
    Cas,
}

/// A storage request as the codecs encode it (the value follows it).
#[derive(Copy, Clone, Debug)]
pub struct StoreCmd<'a> {
    pub mode: StoreMode,
    /// The namespace, sent in front of the key.
    pub ns: &'a [u8],
    pub key: &'a [u8],
    pub value_len: usize,
    pub flags: u32,
    pub exptime: i64,
    /// Sent only for [`StoreMode::Cas`].
    pub cas: u64,
    /// The server must not answer (NOREPLY).
    pub noreply: bool,
    /// Held back in the write buffer (BUFFER_REQUESTS, replica copies):
    /// the binary protocol sends it quiet.
    pub held: bool,
}

/// Called with each `(name, value)` statistic of a server.
pub type StatVisitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<()> + 'a;

/// The success reply of a command that returns no data.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ack {
    Deleted,
    Touched,
    /// `OK` (flush, verbosity).
    Ok,
}

/// What one reply of a multi-get was.
pub enum MgetStep {
    Value(ItemMeta),
    /// The server has answered every key.
    Done,
    /// A reply that belongs to nothing the caller waits for.
    Skipped,
}

/// A multi-get's pending reply on one server: what it may still receive,
/// and where its values go.
pub struct MgetCheck<'a> {
    /// The namespace the keys were sent with (stripped from replies). A
    /// reference to the client's own `Vec`, read only where it is used:
    /// the hot path keeps fewer values live.
    pub ns: &'a Vec<u8>,
    /// The server's index (reported in [`ItemMeta::server`]).
    pub server: usize,
    /// Opaque of the mget's start (keys follow with consecutive opaques).
    pub first: u32,
    /// Opaque of the closing NOOP.
    pub noop: u32,
    /// Wire keys (namespace included) in request order.
    pub keys: &'a KeyList,
    /// Replies seen so far have advanced to here.
    pub cursor: &'a mut usize,
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

/// A single get accepts only the key it asked for.
fn exact_key(wire_key: &[u8], ns: &[u8], key: &[u8]) -> Result<()> {
    if wire_key.len() == ns.len() + key.len() && wire_key.starts_with(ns) && wire_key.ends_with(key)
    {
        Ok(())
    } else {
        Err(MgetCheck::not_requested())
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

impl Codec {
    /// The codec of the BINARY_PROTOCOL behavior's value.
    #[inline]
    pub fn of(binary: bool) -> Codec {
        if binary { Codec::Binary } else { Codec::Ascii }
    }

    // ----- what depends on the protocol --------------------------------

    /// Whether `key`'s bytes can be sent: binary carries any; ASCII only
    /// printable non-blank bytes under VERIFY_KEY (`isgraph`), else any
    /// byte but a blank, control byte or DEL.
    #[inline]
    pub fn key_bytes_ok(self, key: &[u8], verify_key: bool) -> bool {
        match self {
            Codec::Binary => true,
            Codec::Ascii if verify_key => key.iter().all(|&b| b.is_ascii_graphic()),
            Codec::Ascii => no_blank_or_control(key),
        }
    }

    /// Replicas (NUMBER_OF_REPLICAS) need quiet requests: binary only.
    #[inline]
    pub fn supports_replicas(self) -> bool {
        self == Codec::Binary
    }

    /// SASL authentication is a binary-protocol exchange.
    #[inline]
    pub fn supports_sasl(self) -> bool {
        self == Codec::Binary
    }

    /// `memcached_dump` lists keys with ASCII `stats cachedump`.
    #[inline]
    pub fn supports_dump(self) -> bool {
        self == Codec::Ascii
    }

    /// Increment/decrement with an initial value exist only in binary.
    #[inline]
    pub fn supports_initial_value(self) -> bool {
        self == Codec::Binary
    }

    /// `memcached_mget_execute` is binary only in 1.1.4.
    #[inline]
    pub fn supports_mget_execute(self) -> bool {
        self == Codec::Binary
    }

    /// Namespaces and keys may hold any byte (no blank or control check).
    #[inline]
    pub fn any_key_byte(self) -> bool {
        self == Codec::Binary
    }

    /// A successful delete is answered DELETED (what runs 1.1.4's delete
    /// trigger); a binary success is plain SUCCESS there.
    #[inline]
    pub fn reports_deleted(self) -> bool {
        self == Codec::Ascii
    }

    /// An empty value still gets a (1-byte) result buffer: 1.1.4's ASCII
    /// reader allocates one, its binary reader does not
    /// (`memcached_result_value` shows NULL or a pointer).
    #[inline]
    pub fn buffers_empty_values(self) -> bool {
        self == Codec::Ascii
    }

    // ----- requests -----------------------------------------------------

    /// A single get (`get`/`gets`, binary GETK).
    #[inline]
    pub fn encode_get(self, conn: &mut Connection, cas: bool, ns: &[u8], key: &[u8]) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::begin_get(&mut conn.wbuf, if cas { "gets" } else { "get" });
                ascii::push_get_key(&mut conn.wbuf, ns, key);
                ascii::end_line(&mut conn.wbuf);
                0
            }
            Codec::Binary => {
                let o = conn.next_opaque();
                binary::encode_get(&mut conn.wbuf, binary::opcode::GETK, ns, key, o);
                o
            }
        }
    }

    /// The start of a multi-get request on a connection; the id of its
    /// first request.
    #[inline]
    pub fn begin_mget(self, conn: &mut Connection, cas: bool) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::begin_get(&mut conn.wbuf, if cas { "gets" } else { "get" });
                0
            }
            Codec::Binary => conn.next_opaque(),
        }
    }

    /// One key of a multi-get request.
    #[inline]
    pub fn push_mget_key(self, conn: &mut Connection, ns: &[u8], key: &[u8]) {
        match self {
            Codec::Ascii => ascii::push_get_key(&mut conn.wbuf, ns, key),
            Codec::Binary => {
                let o = conn.next_opaque();
                binary::encode_get(&mut conn.wbuf, binary::opcode::GETKQ, ns, key, o);
            }
        }
    }

    /// The end of a multi-get request (the line end, a NOOP); the id of the
    /// terminator, whose reply ends the answer.
    #[inline]
    pub fn end_mget(self, conn: &mut Connection) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::end_line(&mut conn.wbuf);
                0
            }
            Codec::Binary => Self::push_noop(conn),
        }
    }

    fn push_noop(conn: &mut Connection) -> u32 {
        let o = conn.next_opaque();
        binary::encode_simple(&mut conn.wbuf, binary::opcode::NOOP, &[], o);
        o
    }

    /// A storage command, up to its value; the value and then
    /// [`Codec::value_trailer`] follow.
    #[inline(always)]
    pub fn encode_store(self, conn: &mut Connection, c: &StoreCmd<'_>) -> u32 {
        let cas = c.mode == StoreMode::Cas;
        match self {
            Codec::Ascii => {
                ascii::encode_storage(
                    &mut conn.wbuf,
                    c.mode.ascii(),
                    c.ns,
                    c.key,
                    c.flags,
                    c.exptime,
                    c.value_len,
                    cas.then_some(c.cas),
                    c.noreply,
                );
                0
            }
            Codec::Binary => {
                let o = conn.next_opaque();
                binary::encode_store(
                    &mut conn.wbuf,
                    c.mode.opcode(c.noreply || c.held),
                    c.ns,
                    c.key,
                    c.value_len,
                    c.flags,
                    c.exptime as u32,
                    if cas { c.cas } else { 0 },
                    o,
                );
                o
            }
        }
    }

    /// What follows a stored value.
    #[inline]
    pub fn value_trailer(self) -> &'static [u8] {
        match self {
            Codec::Ascii => b"\r\n",
            Codec::Binary => b"",
        }
    }

    /// A request was left in the write buffer (BUFFER_REQUESTS): an ASCII
    /// reply to it will come and must be read before the next one; binary
    /// held requests are quiet.
    #[inline]
    pub fn note_held(self, conn: &mut Connection, noreply: bool) {
        if self == Codec::Ascii && !noreply {
            conn.outstanding += 1;
        }
    }

    /// What a held (buffered) set returns: BUFFERED, except for an ASCII
    /// noreply set, which 1.1.4 reports as SUCCESS.
    #[inline]
    pub fn held_store_code(self, noreply: bool) -> ReturnCode {
        if self == Codec::Ascii && noreply {
            ReturnCode::Success
        } else {
            ReturnCode::Buffered
        }
    }

    /// `delete`; `held` as in [`StoreCmd`].
    #[inline]
    pub fn encode_delete(
        self,
        conn: &mut Connection,
        ns: &[u8],
        key: &[u8],
        noreply: bool,
        held: bool,
    ) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::encode_delete(&mut conn.wbuf, ns, key, noreply);
                0
            }
            Codec::Binary => {
                let o = conn.next_opaque();
                let op = if noreply || held {
                    binary::opcode::DELETEQ
                } else {
                    binary::opcode::DELETE
                };
                binary::encode_delete(&mut conn.wbuf, op, ns, key, o);
                o
            }
        }
    }

    /// `incr`/`decr`; `initial` (value, expiration) only where
    /// [`Codec::supports_initial_value`].
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn encode_arith(
        self,
        conn: &mut Connection,
        incr: bool,
        ns: &[u8],
        key: &[u8],
        delta: u64,
        initial: Option<(u64, i64)>,
        noreply: bool,
    ) -> u32 {
        match self {
            Codec::Ascii => {
                let cmd = if incr { "incr" } else { "decr" };
                ascii::encode_incr_decr(&mut conn.wbuf, cmd, ns, key, delta, noreply);
                0
            }
            Codec::Binary => {
                use binary::opcode::*;
                let o = conn.next_opaque();
                let op = match (incr, noreply) {
                    (true, false) => INCREMENT,
                    (true, true) => INCREMENTQ,
                    (false, false) => DECREMENT,
                    (false, true) => DECREMENTQ,
                };
                let (init, exp) = match initial {
                    Some((i, e)) => (i, e as u32),
                    None => (0, binary::EXPIRATION_NOT_ADD),
                };
                binary::encode_incr_decr(&mut conn.wbuf, op, ns, key, delta, init, exp, o);
                o
            }
        }
    }

    /// `touch` (1.1.4 never sends it noreply).
    #[inline]
    pub fn encode_touch(self, conn: &mut Connection, ns: &[u8], key: &[u8], exptime: i64) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::encode_touch(&mut conn.wbuf, ns, key, exptime, false);
                0
            }
            Codec::Binary => {
                let o = conn.next_opaque();
                let op = binary::opcode::TOUCH;
                binary::encode_touch(&mut conn.wbuf, op, ns, key, exptime as u32, o);
                o
            }
        }
    }

    /// `flush_all`.
    pub fn encode_flush(self, conn: &mut Connection, exptime: i64, noreply: bool) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::encode_flush(&mut conn.wbuf, exptime, noreply);
                0
            }
            Codec::Binary => {
                let o = conn.next_opaque();
                let op = if noreply {
                    binary::opcode::FLUSHQ
                } else {
                    binary::opcode::FLUSH
                };
                binary::encode_flush(&mut conn.wbuf, op, exptime as u32, o);
                o
            }
        }
    }

    /// `version`.
    pub fn encode_version(self, conn: &mut Connection) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::encode_version(&mut conn.wbuf);
                0
            }
            Codec::Binary => {
                let o = conn.next_opaque();
                binary::encode_simple(&mut conn.wbuf, binary::opcode::VERSION, &[], o);
                o
            }
        }
    }

    /// `stats [args]`.
    pub fn encode_stats(self, conn: &mut Connection, args: Option<&[u8]>) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::encode_stats(&mut conn.wbuf, args);
                0
            }
            Codec::Binary => {
                let o = conn.next_opaque();
                let group = args.unwrap_or(&[]);
                binary::encode_simple(&mut conn.wbuf, binary::opcode::STAT, group, o);
                o
            }
        }
    }

    /// `verbosity` (1.1.4 sends it in ASCII whatever the handle speaks).
    pub fn encode_verbosity(self, conn: &mut Connection, level: u32) -> u32 {
        match self {
            Codec::Ascii => {
                ascii::encode_verbosity(&mut conn.wbuf, level, false);
                0
            }
            Codec::Binary => {
                let o = conn.next_opaque();
                binary::encode_verbosity(&mut conn.wbuf, level, o);
                o
            }
        }
    }

    /// `quit` (binary QUITQ with opaque 0, as 1.1.4).
    pub fn encode_quit(self, buf: &mut Vec<u8>) {
        match self {
            Codec::Ascii => ascii::encode_quit(buf),
            Codec::Binary => binary::encode_simple(buf, binary::opcode::QUITQ, &[], 0),
        }
    }

    // ----- replies ------------------------------------------------------

    /// Send the connection's held requests and wait until the server has
    /// processed them (binary: a NOOP behind them is answered then; ASCII:
    /// their replies are read and dropped).
    #[cold]
    pub fn complete_held(self, conn: &mut Connection) -> Result<()> {
        conn.begin_op()?;
        match self {
            Codec::Ascii => {
                conn.flush()?;
                ascii::drain(conn)
            }
            Codec::Binary => {
                let opaque = Self::push_noop(conn);
                conn.flush()?;
                let h = binary::read_header(conn, opaque)?;
                conn.skip(h.body_len as usize)
            }
        }
    }

    /// The reply to [`Codec::encode_get`] of `key`: its value into `sink`,
    /// `None` for a miss.
    #[inline]
    pub fn read_get(
        self,
        conn: &mut Connection,
        id: u32,
        ns: &[u8],
        key: &[u8],
        idx: usize,
        sink: &mut dyn ValueSink,
    ) -> Result<Option<ItemMeta>> {
        let mut expected = |wire_key: &[u8]| exact_key(wire_key, ns, key);
        match self {
            Codec::Ascii => ascii::read_get(conn, ns, idx, sink, &mut expected),
            Codec::Binary => binary::read_get(conn, id, ns, idx, sink, &mut expected),
        }
    }

    /// The next reply of a multi-get when it is a value that is already
    /// completely buffered: delivered straight from the read buffer (no
    /// wait can happen). `None` when anything else is next; then
    /// [`Codec::read_mget_step`] gives the same result.
    #[inline(always)]
    pub fn buffered_mget_value(
        self,
        conn: &mut Connection,
        check: &mut MgetCheck<'_>,
        sink: &mut dyn ValueSink,
    ) -> Option<Result<ItemMeta>> {
        match self {
            Codec::Ascii => ascii::buffered_mget_value(conn, check, sink),
            Codec::Binary => binary::buffered_mget_value(conn, check, sink),
        }
    }

    /// Read one reply of a multi-get.
    pub fn read_mget_step(
        self,
        conn: &mut Connection,
        check: &mut MgetCheck<'_>,
        sink: &mut dyn ValueSink,
    ) -> Result<MgetStep> {
        match self {
            Codec::Ascii => {
                ascii::drain(conn)?;
                let (ns, idx) = (check.ns, check.server);
                let mut expected = |wire_key: &[u8]| check.accept_in_order(wire_key);
                ascii::read_value_reply(conn, ns, idx, sink, &mut expected)
            }
            Codec::Binary => binary::read_mget_step(conn, check, sink),
        }
    }

    /// The reply to a storage command: SUCCESS, or the error (E2BIG
    /// names the item's `value_len`).
    #[inline(always)]
    pub fn read_store(
        self,
        conn: &mut Connection,
        id: u32,
        value_len: usize,
    ) -> Result<ReturnCode> {
        let r = match self {
            Codec::Ascii => ascii::read_store(conn),
            Codec::Binary => binary::read_ack(conn, id),
        };
        r.map_err(|mut e| {
            if e.code == ReturnCode::E2Big {
                e.message = Some(format!(
                    "the item of {value_len} bytes is larger than the server's item size limit"
                ));
            }
            e
        })
    }

    /// The reply to a command that returns no data: SUCCESS or its error.
    #[inline]
    pub fn read_ack(self, conn: &mut Connection, id: u32, ok: Ack) -> Result<ReturnCode> {
        match self {
            Codec::Ascii => {
                ascii::drain(conn)?;
                ascii::read_ack(conn, ok)
            }
            Codec::Binary => binary::read_ack(conn, id),
        }
    }

    /// The new value an increment/decrement returns.
    pub fn read_arith(self, conn: &mut Connection, id: u32) -> Result<u64> {
        match self {
            Codec::Ascii => ascii::read_arith(conn),
            Codec::Binary => binary::read_arith(conn, id),
        }
    }

    /// The reply to the `add` of `memcached_exist`: stored means the key
    /// did not exist (NOTFOUND); not stored means it does (SUCCESS).
    pub fn read_exist(self, conn: &mut Connection, id: u32) -> Result<ReturnCode> {
        match self {
            Codec::Ascii => ascii::read_exist(conn),
            Codec::Binary => binary::read_exist(conn, id),
        }
    }

    /// The version text a server sent.
    pub fn read_version(self, conn: &mut Connection, id: u32) -> Result<Vec<u8>> {
        match self {
            Codec::Ascii => ascii::read_version(conn),
            Codec::Binary => binary::read_version(conn, id),
        }
    }

    /// The statistics a server sent: `f(name, value)` for each. An error
    /// of `f` stops the calls (the reply is still read to its end) and is
    /// returned.
    pub fn read_stats(self, conn: &mut Connection, id: u32, f: &mut StatVisitor<'_>) -> Result<()> {
        match self {
            Codec::Ascii => ascii::read_stats(conn, f),
            Codec::Binary => binary::read_stats(conn, id, f),
        }
    }
}

impl StoreMode {
    /// The ASCII command.
    fn ascii(self) -> &'static str {
        match self {
            StoreMode::Set => "set",
            StoreMode::Add => "add",
            StoreMode::Replace => "replace",
            StoreMode::Append => "append",
            StoreMode::Prepend => "prepend",
            StoreMode::Cas => "cas",
        }
    }

    /// The binary opcode (the quiet form for noreply/held requests).
    fn opcode(self, quiet: bool) -> u8 {
        use binary::opcode::*;
        match (self, quiet) {
            (StoreMode::Set | StoreMode::Cas, false) => SET,
            (StoreMode::Set | StoreMode::Cas, true) => SETQ,
            (StoreMode::Add, false) => ADD,
            (StoreMode::Add, true) => ADDQ,
            (StoreMode::Replace, false) => REPLACE,
            (StoreMode::Replace, true) => REPLACEQ,
            (StoreMode::Append, false) => APPEND,
            (StoreMode::Append, true) => APPENDQ,
            (StoreMode::Prepend, false) => PREPEND,
            (StoreMode::Prepend, true) => PREPENDQ,
        }
    }
}

/// Appends the decimal form of `v` without allocating. One and two digits
/// (flags, expirations and lengths are mostly that short) are written in
/// place.
#[inline(always)]
pub fn push_u64(buf: &mut Vec<u8>, v: u64) {
    if v < 10 {
        buf.push(b'0' + v as u8);
    } else if v < 100 {
        buf.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    } else {
        push_u64_long(buf, v);
    }
}

/// [`push_u64`] of three digits or more.
#[inline(never)]
fn push_u64_long(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends the decimal form of a signed `v` (as C's `%lld`).
#[inline]
pub fn push_i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    push_u64(buf, v.unsigned_abs());
}

/// Parses an unsigned decimal made only of ASCII digits (at least one),
/// rejecting overflow.
pub fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

/// Reads a C `strtol`-like decimal at the start of `s` (leading blanks and a
/// sign allowed); returns the value (saturated) and the index after it.
fn strtol_prefix(s: &[u8]) -> (i64, usize) {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add(i64::from(s[i] - b'0'));
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    (if neg { -v } else { v }, i)
}

/// Splits a version text such as `1.6.18` (the payload of an ASCII
/// `VERSION` line or of a binary VERSION reply) into major, minor and micro
/// numbers as 1.1.4 does: the major must be 1..=255, minor and micro at most
/// 255 (a missing part reads as 0). Otherwise the error is
/// [`ReturnCode::UnknownReadFailure`], 1.1.4's code for it.
pub fn parse_version_numbers(text: &[u8]) -> Result<(u8, u8, u8)> {
    let bad = |what: &str| {
        Error::with_message(
            ReturnCode::UnknownReadFailure,
            format!("strtol() failed to parse {what} version"),
        )
    };
    let (major, mut pos) = strtol_prefix(text);
    if !(1..=255).contains(&major) {
        return Err(bad("major"));
    }
    let mut parts = [0u8; 2];
    for (n, what) in ["minor", "micro"].iter().enumerate() {
        // 1.1.4 steps over exactly one separator byte.
        let rest = text.get(pos + 1..).unwrap_or(&[]);
        let (v, used) = strtol_prefix(rest);
        if v > 255 {
            return Err(bad(what));
        }
        // Negative values wrap into a u8 like the C cast.
        parts[n] = v as u8;
        pos = if used == 0 { pos + 1 } else { pos + 1 + used };
    }
    Ok((major as u8, parts[0], parts[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_format_like_printf() {
        let mut b = Vec::new();
        for v in [0u64, 1, 9, 10, 99, 12345, u64::MAX] {
            b.clear();
            push_u64(&mut b, v);
            assert_eq!(b, v.to_string().as_bytes());
        }
        for v in [0i64, -1, 42, i64::MIN, i64::MAX] {
            b.clear();
            push_i64(&mut b, v);
            assert_eq!(b, v.to_string().as_bytes());
        }
    }

    #[test]
    fn parse_u64_rejects_junk_and_overflow() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"1a"), None);
        assert_eq!(parse_u64(b"-1"), None);
    }

    #[test]
    fn version_numbers() {
        assert_eq!(parse_version_numbers(b"1.6.18").unwrap(), (1, 6, 18));
        assert_eq!(parse_version_numbers(b" 1.4.5\r\n").unwrap(), (1, 4, 5));
        assert_eq!(parse_version_numbers(b"1.6").unwrap(), (1, 6, 0));
        assert_eq!(parse_version_numbers(b"2").unwrap(), (2, 0, 0));
        let e = parse_version_numbers(b"0.1.2").unwrap_err();
        assert_eq!(e.code, ReturnCode::UnknownReadFailure);
        assert!(parse_version_numbers(b"abc").is_err());
        assert!(parse_version_numbers(b"256.1.1").is_err());
        assert!(parse_version_numbers(b"1.256.1").is_err());
        assert!(parse_version_numbers(b"1.2.300").is_err());
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each zero byte of `x`. Borrows only run upwards from a
/// real zero, so the lowest flagged byte is exact (higher ones may not be).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// The high bit of each blank or control byte of `w` (at or below `b' '`,
/// or DEL; bytes >= 0x80 do not count); the lowest flagged byte is exact.
#[inline(always)]
fn blank_or_control_bytes(w: u64) -> u64 {
    (w.wrapping_sub(LO * 0x21) & !w & HI) | zero_bytes(w ^ (LO * 0x7f))
}

/// The byte rule [`blank_or_control_bytes`] applies to each byte.
#[inline(always)]
fn is_blank_or_control(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

/// Position of the first byte that `flagged` marks in a word (its lowest
/// mark must be exact) and `matches` accepts alone, eight bytes at a time.
#[inline(always)]
fn find_first(
    buf: &[u8],
    flagged: impl Fn(u64) -> u64,
    matches: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut chunks = buf.chunks_exact(8);
    let mut off = 0;
    for chunk in &mut chunks {
        let m = flagged(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        if m != 0 {
            return Some(off + (m.trailing_zeros() / 8) as usize);
        }
        off += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| matches(b))
        .map(|i| off + i)
}

/// Position of the first `b'\n'`, eight bytes at a time.
#[inline]
pub fn find_newline(buf: &[u8]) -> Option<usize> {
    find_first(
        buf,
        |w| zero_bytes(w ^ (LO * u64::from(b'\n'))),
        |b| b == b'\n',
    )
}

/// Position of the first blank or control byte (at or below `b' '`, or
/// DEL; bytes >= 0x80 do not count), eight bytes at a time.
#[inline]
pub fn find_blank_or_control(buf: &[u8]) -> Option<usize> {
    find_first(buf, blank_or_control_bytes, is_blank_or_control)
}

/// Whether every byte is printable for the ASCII protocol as a key byte
/// (no blank, control byte or DEL), eight bytes at a time: the marks of
/// every word are gathered and tested once.
#[inline]
pub fn no_blank_or_control(key: &[u8]) -> bool {
    #[inline(always)]
    fn word(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
    }
    let n = key.len();
    if n < 8 {
        return !key.iter().any(|&b| is_blank_or_control(b));
    }
    let mut acc = 0;
    let mut at = 0;
    while at + 8 < n {
        acc |= blank_or_control_bytes(word(key, at));
        at += 8;
    }
    // The last eight bytes (overlapping the previous word when n % 8 != 0).
    acc |= blank_or_control_bytes(word(key, n - 8));
    acc == 0
}

#[cfg(test)]
mod word_tests {
    use super::*;

    #[test]
    fn newline_search_matches_a_byte_search() {
        let mut buf = vec![b'a'; 40];
        assert_eq!(find_newline(&buf), None);
        for i in 0..40 {
            buf[i] = b'\n';
            assert_eq!(find_newline(&buf), Some(i));
            assert_eq!(find_newline(&buf[..i]), None);
            buf[i] = 0x8a; // high-bit neighbour of '\n'
            assert_eq!(find_newline(&buf), None);
            buf[i] = b'a';
        }
    }

    #[test]
    fn blank_search_matches_a_byte_search() {
        for len in 0..=41 {
            for pos in 0..len {
                for b in [0u8, 9, 10, 13, 0x20, 0x21, 0x7f, 0x80, 0xa0, 0xff] {
                    let mut k: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    k[pos] = b;
                    // A second match later must not matter.
                    if pos + 3 < len {
                        k[pos + 3] = b' ';
                    }
                    let want = k.iter().position(|&c| c <= b' ' || c == 0x7f);
                    assert_eq!(
                        find_blank_or_control(&k),
                        want,
                        "len {len} pos {pos} byte {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn key_byte_check_matches_a_byte_check() {
        for bad in [0u8, 1, 9, 10, 13, 31, 32, 127] {
            for pos in 0..20 {
                let mut k = vec![b'k'; 20];
                k[pos] = bad;
                assert!(!no_blank_or_control(&k), "byte {bad} at {pos}");
            }
        }
        for good in [33u8, 126, 128, 0x80 | 32, 0xff, 0xa0] {
            let k = vec![good; 19];
            assert!(no_blank_or_control(&k), "byte {good}");
        }
        // Every length and position, against the byte-by-byte rule.
        for len in 1..=41 {
            for pos in 0..len {
                for b in [0u8, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xa0, 0xff] {
                    let mut k: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    k[pos] = b;
                    let want = k.iter().all(|&c| c > b' ' && c != 0x7f);
                    assert_eq!(
                        no_blank_or_control(&k),
                        want,
                        "len {len} pos {pos} byte {b}"
                    );
                }
            }
        }
    }
}
