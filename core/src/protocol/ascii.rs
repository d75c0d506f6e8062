//! The memcached text protocol as libmemcached 1.1.4 speaks it.
//!
//! Encoders append one command line to a reused buffer; storage commands
//! write only the header line and the caller sends the value and `\r\n`.
//! Byte-exact details observed with a logging proxy in front of memcached
//! 1.6.18 (Debian's libmemcached 1.1.4 as the client):
//! - `set k1 5 0 1\r\n`, with ` <cas>` only for `cas` and ` noreply` last;
//!   expirations are printed signed (`set k 5 -1 1`).
//! - `delete <key>[ noreply]\r\n`; a delete with an expiration is refused
//!   with INVALID_ARGUMENTS before anything is sent.
//! - `incr <key> <delta>[ noreply]\r\n`.
//! - `touch <key> <exptime>\r\n`: 1.1.4 never adds `noreply` to touch.
//! - `flush_all \r\n` for expiration 0, `flush_all 10\r\n` otherwise, and
//!   `flush_all  noreply\r\n` (two blanks) / `flush_all 5 noreply\r\n`.
//! - `stats \r\n` (trailing blank) without arguments, `stats items\r\n`.
//! - `verbosity 1\r\n` (never `noreply`), `version\r\n`, `quit\r\n`.
//! - `get k1 nokey k3\r\n` / `gets k\r\n`.
//!
//! Replies are read a line at a time: [`find_line`] finds a complete line in
//! the read buffer and [`parse_reply_line`] classifies it the way 1.1.4's
//! `textual_read_one_response` does (it dispatches on prefixes, and ends a
//! line at `\n`; a preceding `\r` is dropped).
//!
//! The readers at the end ([`read_line`] and those built on it) take the
//! replies of each command off a [`Connection`]'s read buffer for
//! [`super::Codec::Ascii`]. Replies come in request order: replies owed to
//! requests held under BUFFER_REQUESTS (`conn.outstanding`) are read and
//! dropped first ([`drain`]).

use super::{
    Ack, MAX_LINE_LEN, MAX_VALUE_LEN, MgetCheck, MgetStep, StatVisitor, parse_u64, push_i64,
    push_u64, strip_ns,
};
use crate::client::{ItemMeta, ValueSink};
use crate::cnum::is_space;
use crate::connection::Connection;
use crate::error::{Error, ReturnCode};

type Result<T, E = Error> = std::result::Result<T, E>;

/// Appends a storage command's header line:
/// `<cmd> <prefix><key> <flags> <exptime> <len>[ <cas>][ noreply]\r\n`.
/// `cmd` is one of set, add, replace, append, prepend, cas. 1.1.4 writes the
/// cas only when it is non-zero; pass `None` to leave it out.
#[allow(clippy::too_many_arguments)]
pub fn encode_storage(
    buf: &mut Vec<u8>,
    cmd: &str,
    prefix: &[u8],
    key: &[u8],
    flags: u32,
    exptime: i64,
    len: usize,
    cas: Option<u64>,
    noreply: bool,
) {
    // The longest line: three numbers of at most 20 characters, a cas of
    // 20, the blanks, " noreply" and "\r\n".
    buf.reserve(cmd.len() + prefix.len() + key.len() + 96);
    buf.extend_from_slice(cmd.as_bytes());
    buf.push(b' ');
    buf.extend_from_slice(prefix);
    buf.extend_from_slice(key);
    buf.push(b' ');
    push_u64(buf, u64::from(flags));
    buf.push(b' ');
    push_i64(buf, exptime);
    buf.push(b' ');
    push_u64(buf, len as u64);
    if let Some(c) = cas {
        buf.push(b' ');
        push_u64(buf, c);
    }
    if noreply {
        buf.extend_from_slice(b" noreply");
    }
    buf.extend_from_slice(b"\r\n");
}

/// Starts a retrieval line: `get` or `gets`. Follow with [`push_get_key`]
/// per key and [`end_line`].
pub fn begin_get(buf: &mut Vec<u8>, cmd: &str) {
    buf.extend_from_slice(cmd.as_bytes());
}

/// Appends ` <prefix><key>` to a retrieval line.
pub fn push_get_key(buf: &mut Vec<u8>, prefix: &[u8], key: &[u8]) {
    buf.push(b' ');
    buf.extend_from_slice(prefix);
    buf.extend_from_slice(key);
}

/// Ends a command line with `\r\n`.
pub fn end_line(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"\r\n");
}

/// `delete <prefix><key>[ noreply]\r\n`.
pub fn encode_delete(buf: &mut Vec<u8>, prefix: &[u8], key: &[u8], noreply: bool) {
    buf.extend_from_slice(b"delete ");
    buf.extend_from_slice(prefix);
    buf.extend_from_slice(key);
    if noreply {
        buf.extend_from_slice(b" noreply");
    }
    buf.extend_from_slice(b"\r\n");
}

/// `incr|decr <prefix><key> <delta>[ noreply]\r\n`.
pub fn encode_incr_decr(
    buf: &mut Vec<u8>,
    cmd: &str,
    prefix: &[u8],
    key: &[u8],
    delta: u64,
    noreply: bool,
) {
    buf.extend_from_slice(cmd.as_bytes());
    buf.push(b' ');
    buf.extend_from_slice(prefix);
    buf.extend_from_slice(key);
    buf.push(b' ');
    push_u64(buf, delta);
    if noreply {
        buf.extend_from_slice(b" noreply");
    }
    buf.extend_from_slice(b"\r\n");
}

/// `touch <prefix><key> <exptime>[ noreply]\r\n`. 1.1.4 always waits for
/// the reply of a touch and never sends `noreply` (pass `false` to match).
pub fn encode_touch(buf: &mut Vec<u8>, prefix: &[u8], key: &[u8], exptime: i64, noreply: bool) {
    buf.extend_from_slice(b"touch ");
    buf.extend_from_slice(prefix);
    buf.extend_from_slice(key);
    buf.push(b' ');
    push_i64(buf, exptime);
    if noreply {
        buf.extend_from_slice(b" noreply");
    }
    buf.extend_from_slice(b"\r\n");
}

/// `flush_all <exptime>[ noreply]\r\n`, where an expiration of 0 is left
/// out but its blank is kept: `flush_all \r\n`, `flush_all  noreply\r\n`.
pub fn encode_flush(buf: &mut Vec<u8>, exptime: i64, noreply: bool) {
    buf.extend_from_slice(b"flush_all ");
    if exptime != 0 {
        push_i64(buf, exptime);
    }
    if noreply {
        buf.extend_from_slice(b" noreply");
    }
    buf.extend_from_slice(b"\r\n");
}

/// `verbosity <level>[ noreply]\r\n` (1.1.4 never sends `noreply`).
pub fn encode_verbosity(buf: &mut Vec<u8>, level: u32, noreply: bool) {
    buf.extend_from_slice(b"verbosity ");
    push_u64(buf, u64::from(level));
    if noreply {
        buf.extend_from_slice(b" noreply");
    }
    buf.extend_from_slice(b"\r\n");
}

/// `stats <args>\r\n`; without arguments 1.1.4 still sends the blank:
/// `stats \r\n`.
pub fn encode_stats(buf: &mut Vec<u8>, args: Option<&[u8]>) {
    buf.extend_from_slice(b"stats ");
    if let Some(a) = args {
        buf.extend_from_slice(a);
    }
    buf.extend_from_slice(b"\r\n");
}

/// `version\r\n`.
pub fn encode_version(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"version\r\n");
}

/// `quit\r\n`.
pub fn encode_quit(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"quit\r\n");
}

/// Whether every byte of `key` passes C's `isgraph()` in the C locale
/// (0x21..=0x7e): no blank, control byte, DEL or byte >= 0x80. This is
/// 1.1.4's VERIFY_KEY check and its namespace check.
pub fn key_is_ascii_safe(key: &[u8]) -> bool {
    key.iter().all(|&b| (0x21..=0x7e).contains(&b))
}

/// Finds the first complete line in `buf`: the length up to and including
/// its `\n` (1.1.4 ends a line there; memcached sends `\r\n`). `Ok(None)`
/// means more bytes are needed; a line longer than [`MAX_LINE_LEN`] is a
/// [`ReturnCode::ProtocolError`].
pub fn find_line(buf: &[u8]) -> Result<Option<usize>, Error> {
    find_line_limit(buf, MAX_LINE_LEN)
}

/// [`find_line`] with an explicit limit on the line length.
#[inline]
pub fn find_line_limit(buf: &[u8], limit: usize) -> Result<Option<usize>, Error> {
    let window = &buf[..buf.len().min(limit)];
    match super::find_newline(window) {
        Some(i) => Ok(Some(i + 1)),
        None if buf.len() >= limit => Err(Error::with_message(
            ReturnCode::ProtocolError,
            format!("reply line longer than {limit} bytes"),
        )),
        None => Ok(None),
    }
}

/// One reply line, classified. Slices borrow from the line.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reply<'a> {
    /// `VALUE <key> <flags> <len>[ <cas>]`; `len` value bytes and `\r\n`
    /// follow. The key is as on the wire (namespace not stripped).
    Value {
        key: &'a [u8],
        flags: u32,
        len: usize,
        cas: Option<u64>,
    },
    End,
    Stored,
    NotStored,
    Exists,
    NotFound,
    Deleted,
    Touched,
    Ok,
    /// `STAT <name> <value>`; like 1.1.4 the value stops at the first blank.
    Stat {
        name: &'a [u8],
        value: &'a [u8],
    },
    /// `ITEM <key> [<n> b; <t> s]` of `stats cachedump`; `info` is the text
    /// after the key.
    Item {
        key: &'a [u8],
        info: &'a [u8],
    },
    /// `VERSION <text>`: the text after the first blank.
    Version(&'a [u8]),
    /// The decimal reply of incr/decr.
    Number(u64),
    Error,
    /// The message after `CLIENT_ERROR` and one optional blank.
    ClientError(&'a [u8]),
    /// The message after `SERVER_ERROR` and one optional blank.
    ServerError(&'a [u8]),
}

impl Reply<'_> {
    /// The code 1.1.4's `memcached_response` returns for this line. The
    /// commands then convert some of them: storage turns STORED into
    /// SUCCESS, delete turns DELETED into SUCCESS, get turns END into
    /// NOTFOUND, stats turns END into SUCCESS and ERROR into
    /// INVALID_ARGUMENTS.
    ///
    /// Observed with memcached 1.6.18: NOT_STORED (add of an existing key,
    /// replace/append/prepend of a missing one) → NOTSTORED; EXISTS (cas
    /// mismatch) → DATA_EXISTS; NOT_FOUND (cas/incr/delete/touch of a
    /// missing key) → NOTFOUND; `CLIENT_ERROR cannot increment or decrement
    /// non-numeric value` → CLIENT_ERROR; `SERVER_ERROR object too large for
    /// cache` → E2BIG; ERROR (e.g. `cas` without a cas value) → ERROR.
    pub fn return_code(&self) -> ReturnCode {
        match self {
            Reply::Value { .. } => ReturnCode::Success,
            Reply::End => ReturnCode::End,
            Reply::Stored => ReturnCode::Stored,
            Reply::NotStored => ReturnCode::Notstored,
            Reply::Exists => ReturnCode::DataExists,
            Reply::NotFound => ReturnCode::Notfound,
            Reply::Deleted => ReturnCode::Deleted,
            Reply::Touched | Reply::Ok | Reply::Version(_) | Reply::Number(_) => {
                ReturnCode::Success
            }
            Reply::Stat { .. } => ReturnCode::Stat,
            Reply::Item { .. } => ReturnCode::Item,
            Reply::Error => ReturnCode::Error,
            Reply::ClientError(_) => ReturnCode::ClientError,
            Reply::ServerError(m) => server_error_code(m),
        }
    }
}

/// 1.1.4 singles out two SERVER_ERROR texts.
fn server_error_code(msg: &[u8]) -> ReturnCode {
    if msg.starts_with(b"object too large for cache") {
        ReturnCode::E2Big
    } else if msg.starts_with(b"out of memory") || msg.starts_with(b"Out of memory") {
        ReturnCode::ServerMemoryAllocationFailure
    } else {
        ReturnCode::ServerError
    }
}

/// The line without its `\n` and an optional `\r` before it.
fn content(line: &[u8]) -> &[u8] {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// The message after a keyword and one optional blank.
fn message<'a>(c: &'a [u8], keyword: &[u8]) -> &'a [u8] {
    let m = &c[keyword.len()..];
    m.strip_prefix(b" ").unwrap_or(m)
}

fn is_graph(b: u8) -> bool {
    (0x21..=0x7e).contains(&b)
}

/// The run of bytes at the start of `s` satisfying `f`, and the rest.
fn take_while(s: &[u8], f: impl Fn(u8) -> bool) -> (&[u8], &[u8]) {
    let n = s.iter().position(|&b| !f(b)).unwrap_or(s.len());
    s.split_at(n)
}

/// `s` without its first byte (1.1.4 steps over one separator blindly).
fn skip1(s: &[u8]) -> &[u8] {
    s.get(1..).unwrap_or(&[])
}

fn partial_read(what: &str) -> Error {
    Error::with_message(
        ReturnCode::PartialRead,
        format!("malformed VALUE line: {what}"),
    )
}

fn parse_value(c: &[u8]) -> Result<Reply<'_>, Error> {
    // 1.1.4 skips "VALUE" and one more byte whatever it is.
    let rest = c.get(6..).ok_or_else(|| partial_read("no key"))?;
    let (key, rest) = match rest.iter().position(|&b| b <= b' ' || b == 0x7f) {
        Some(i) => rest.split_at(i),
        None => (rest, &rest[rest.len()..]),
    };
    let (flags, rest) = take_while(skip1(rest), |b| b.is_ascii_digit());
    // 1.1.4 reads flags with strtoul and casts to uint32_t.
    let flags = parse_u64(flags).ok_or_else(|| partial_read("bad flags"))? as u32;
    let (len, rest) = take_while(skip1(rest), |b| b.is_ascii_digit());
    let len = parse_u64(len).ok_or_else(|| partial_read("bad length"))?;
    if len > MAX_VALUE_LEN as u64 {
        return Err(Error::with_message(
            ReturnCode::ProtocolError,
            format!("VALUE announces {len} bytes"),
        ));
    }
    let cas = if rest.is_empty() {
        None
    } else {
        let (digits, _) = take_while(skip1(rest), |b| b.is_ascii_digit());
        if digits.is_empty() {
            None
        } else {
            Some(parse_u64(digits).ok_or_else(|| partial_read("bad cas"))?)
        }
    };
    Ok(Reply::Value {
        key,
        flags,
        len: len as usize,
        cas,
    })
}

fn unknown(c: &[u8]) -> Error {
    // Quote at most 64 bytes of what the server sent, escaped.
    let shown: String = c
        .iter()
        .take(64)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    let more = if c.len() > 64 { "..." } else { "" };
    Error::with_message(
        ReturnCode::UnknownReadFailure,
        format!("unexpected reply from the server: \"{shown}{more}\""),
    )
}

/// Classifies one reply line (as returned by [`find_line`], terminator
/// included or not). Errors: an unknown line or an out-of-range number is
/// [`ReturnCode::UnknownReadFailure`] (as in 1.1.4); a malformed `VALUE`
/// line is [`ReturnCode::PartialRead`] (as in 1.1.4); a `VALUE` length over
/// [`MAX_VALUE_LEN`] is [`ReturnCode::ProtocolError`] (our choice: 1.1.4
/// would try to allocate it).
pub fn parse_reply_line(line: &[u8]) -> Result<Reply<'_>, Error> {
    let c = content(line);
    let Some(&first) = c.first() else {
        return Err(unknown(c));
    };
    let reply = match first {
        b'V' if c.starts_with(b"VALUE") => return parse_value(c),
        b'V' if c.starts_with(b"VERSION") => {
            let text = match c.iter().position(|&b| b == b' ') {
                Some(i) => &c[i + 1..],
                None => &[][..],
            };
            Reply::Version(text)
        }
        b'O' if c.starts_with(b"OK") => Reply::Ok,
        b'S' if c.starts_with(b"STAT") => {
            let rest = c.get(5..).unwrap_or(&[]);
            let (name, rest) = take_while(rest, is_graph);
            let (value, _) = take_while(skip1(rest), |b| !is_space(b));
            Reply::Stat { name, value }
        }
        b'S' if c.starts_with(b"SERVER_ERROR") => Reply::ServerError(message(c, b"SERVER_ERROR")),
        b'S' if c.starts_with(b"STOR") => Reply::Stored,
        b'D' if c.starts_with(b"DELETED") => Reply::Deleted,
        b'N' if c.starts_with(b"NOT_FOUND") => Reply::NotFound,
        b'N' if c.starts_with(b"NOT_STORED") => Reply::NotStored,
        b'E' if c.starts_with(b"END") => Reply::End,
        b'E' if c.starts_with(b"ERROR") => Reply::Error,
        b'E' if c.starts_with(b"EXISTS") => Reply::Exists,
        b'T' if c.starts_with(b"TOUCHED") => Reply::Touched,
        b'I' if c.starts_with(b"ITEM") => {
            let rest = c.get(5..).unwrap_or(&[]);
            let (key, info) = take_while(rest, is_graph);
            Reply::Item {
                key,
                info: info.strip_prefix(b" ").unwrap_or(info),
            }
        }
        b'C' if c.starts_with(b"CLIENT_ERROR") => Reply::ClientError(message(c, b"CLIENT_ERROR")),
        b'0'..=b'9' => {
            let (digits, _) = take_while(c, |b| b.is_ascii_digit());
            match parse_u64(digits) {
                Some(n) => Reply::Number(n),
                None => {
                    return Err(Error::with_message(
                        ReturnCode::UnknownReadFailure,
                        "Numeric response was out of range",
                    ));
                }
            }
        }
        _ => return Err(unknown(c)),
    };
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected command lines were captured from Debian's libmemcached 1.1.4
    // through a logging proxy in front of memcached 1.6.18.

    #[test]
    fn commands_match_1_1_4() {
        let mut b = Vec::new();
        let mut check = |f: &dyn Fn(&mut Vec<u8>), want: &[u8]| {
            b.clear();
            f(&mut b);
            assert_eq!(String::from_utf8_lossy(&b), String::from_utf8_lossy(want));
        };
        check(
            &|b| encode_storage(b, "set", b"", b"k1", 5, 0, 1, None, false),
            b"set k1 5 0 1\r\n",
        );
        check(
            &|b| encode_storage(b, "set", b"", b"k1", 5, -1, 1, None, false),
            b"set k1 5 -1 1\r\n",
        );
        check(
            &|b| encode_storage(b, "set", b"ns:", b"k", 0, 0, 1, None, false),
            b"set ns:k 0 0 1\r\n",
        );
        check(
            &|b| encode_storage(b, "cas", b"", b"k1", 0, 0, 1, Some(12345), false),
            b"cas k1 0 0 1 12345\r\n",
        );
        check(
            &|b| encode_storage(b, "cas", b"", b"k", 0, 0, 1, Some(99), true),
            b"cas k 0 0 1 99 noreply\r\n",
        );
        check(
            &|b| {
                encode_storage(
                    b,
                    "add",
                    b"",
                    b"k",
                    u32::MAX,
                    i64::MIN,
                    usize::MAX,
                    None,
                    true,
                )
            },
            b"add k 4294967295 -9223372036854775808 18446744073709551615 noreply\r\n",
        );
        check(
            &|b| {
                begin_get(b, "get");
                for k in [&b"k1"[..], b"nokey", b"k3"] {
                    push_get_key(b, b"", k);
                }
                end_line(b);
            },
            b"get k1 nokey k3\r\n",
        );
        check(
            &|b| {
                begin_get(b, "gets");
                push_get_key(b, b"ns:", b"k");
                end_line(b);
            },
            b"gets ns:k\r\n",
        );
        check(
            &|b| encode_delete(b, b"", b"nokey", false),
            b"delete nokey\r\n",
        );
        check(
            &|b| encode_delete(b, b"", b"k", true),
            b"delete k noreply\r\n",
        );
        check(
            &|b| encode_incr_decr(b, "incr", b"", b"k1", 1, false),
            b"incr k1 1\r\n",
        );
        check(
            &|b| encode_incr_decr(b, "decr", b"", b"n", 100, false),
            b"decr n 100\r\n",
        );
        check(
            &|b| encode_incr_decr(b, "incr", b"", b"n", 1, true),
            b"incr n 1 noreply\r\n",
        );
        check(
            &|b| encode_touch(b, b"", b"nokey", 10, false),
            b"touch nokey 10\r\n",
        );
        check(
            &|b| encode_touch(b, b"ns:", b"k", 0, false),
            b"touch ns:k 0\r\n",
        );
        check(&|b| encode_flush(b, 0, false), b"flush_all \r\n");
        check(&|b| encode_flush(b, 10, false), b"flush_all 10\r\n");
        check(&|b| encode_flush(b, 0, true), b"flush_all  noreply\r\n");
        check(&|b| encode_flush(b, 5, true), b"flush_all 5 noreply\r\n");
        check(&|b| encode_verbosity(b, 1, false), b"verbosity 1\r\n");
        check(&|b| encode_stats(b, None), b"stats \r\n");
        check(&|b| encode_stats(b, Some(b"items")), b"stats items\r\n");
        check(&|b| encode_version(b), b"version\r\n");
        check(&|b| encode_quit(b), b"quit\r\n");
    }

    #[test]
    fn encoders_reuse_capacity() {
        let mut b = Vec::with_capacity(256);
        let p = b.as_ptr();
        for _ in 0..100 {
            b.clear();
            encode_storage(&mut b, "set", b"ns:", b"key", 1, 2, 3, Some(4), true);
        }
        assert_eq!(p, b.as_ptr(), "no reallocation once the Vec has room");
    }

    #[test]
    fn find_line_needs_more_then_finds() {
        let data = b"VALUE k1 5 3\r\npva\r\nEND\r\n";
        for n in 0..14 {
            assert_eq!(find_line(&data[..n]).unwrap(), None, "prefix {n}");
        }
        assert_eq!(find_line(data).unwrap(), Some(14));
        assert_eq!(find_line(b"END\n").unwrap(), Some(4));
        let long = vec![b'a'; MAX_LINE_LEN];
        assert_eq!(
            find_line(&long).unwrap_err().code,
            ReturnCode::ProtocolError
        );
        assert_eq!(find_line(&long[..MAX_LINE_LEN - 1]).unwrap(), None);
        let mut fits = vec![b'a'; MAX_LINE_LEN - 2];
        fits.extend_from_slice(b"\r\n");
        assert_eq!(find_line(&fits).unwrap(), Some(MAX_LINE_LEN));
        assert!(find_line_limit(b"abcdef", 4).is_err());
        assert_eq!(find_line_limit(b"ab\ncdef", 4).unwrap(), Some(3));
    }

    fn p(line: &[u8]) -> Reply<'_> {
        parse_reply_line(line)
            .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(line)))
    }

    #[test]
    fn every_reply_kind() {
        use ReturnCode as R;
        let cases: Vec<(&[u8], Reply, R)> = vec![
            (
                b"VALUE k1 5 3\r\n",
                Reply::Value {
                    key: b"k1",
                    flags: 5,
                    len: 3,
                    cas: None,
                },
                R::Success,
            ),
            (
                b"VALUE k 0 1 57\r\n",
                Reply::Value {
                    key: b"k",
                    flags: 0,
                    len: 1,
                    cas: Some(57),
                },
                R::Success,
            ),
            (b"END\r\n", Reply::End, R::End),
            (b"STORED\r\n", Reply::Stored, R::Stored),
            (b"NOT_STORED\r\n", Reply::NotStored, R::Notstored),
            (b"EXISTS\r\n", Reply::Exists, R::DataExists),
            (b"NOT_FOUND\r\n", Reply::NotFound, R::Notfound),
            (b"DELETED\r\n", Reply::Deleted, R::Deleted),
            (b"TOUCHED\r\n", Reply::Touched, R::Success),
            (b"OK\r\n", Reply::Ok, R::Success),
            (
                b"STAT pid 6834\r\n",
                Reply::Stat {
                    name: b"pid",
                    value: b"6834",
                },
                R::Stat,
            ),
            (
                b"STAT libevent 2.1.12-stable\r\n",
                Reply::Stat {
                    name: b"libevent",
                    value: b"2.1.12-stable",
                },
                R::Stat,
            ),
            (
                b"STAT items:1:number 17\r\n",
                Reply::Stat {
                    name: b"items:1:number",
                    value: b"17",
                },
                R::Stat,
            ),
            (
                b"STAT domain_socket two words\r\n",
                Reply::Stat {
                    name: b"domain_socket",
                    value: b"two",
                },
                R::Stat,
            ),
            (
                b"ITEM foo [5 b; 0 s]\r\n",
                Reply::Item {
                    key: b"foo",
                    info: b"[5 b; 0 s]",
                },
                R::Item,
            ),
            (b"VERSION 1.6.18\r\n", Reply::Version(b"1.6.18"), R::Success),
            (b"15\r\n", Reply::Number(15), R::Success),
            (b"0\r\n", Reply::Number(0), R::Success),
            (
                b"18446744073709551615\r\n",
                Reply::Number(u64::MAX),
                R::Success,
            ),
            (b"ERROR\r\n", Reply::Error, R::Error),
            (
                b"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
                Reply::ClientError(b"cannot increment or decrement non-numeric value"),
                R::ClientError,
            ),
            (
                b"SERVER_ERROR object too large for cache\r\n",
                Reply::ServerError(b"object too large for cache"),
                R::E2Big,
            ),
            (
                b"SERVER_ERROR out of memory storing object\r\n",
                Reply::ServerError(b"out of memory storing object"),
                R::ServerMemoryAllocationFailure,
            ),
            (
                b"SERVER_ERROR Out of memory\r\n",
                Reply::ServerError(b"Out of memory"),
                R::ServerMemoryAllocationFailure,
            ),
            (
                b"SERVER_ERROR busy\r\n",
                Reply::ServerError(b"busy"),
                R::ServerError,
            ),
            (b"SERVER_ERROR\r\n", Reply::ServerError(b""), R::ServerError),
            // 1.1.4 dispatches on prefixes and ends lines at "\n".
            (b"STORED\n", Reply::Stored, R::Stored),
            (b"END", Reply::End, R::End),
        ];
        for (line, want, rc) in cases {
            let got = p(line);
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(line));
            assert_eq!(got.return_code(), rc, "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn bad_lines() {
        let code = |l: &[u8]| parse_reply_line(l).unwrap_err().code;
        assert_eq!(code(b"HELLO\r\n"), ReturnCode::UnknownReadFailure);
        assert_eq!(code(b"\r\n"), ReturnCode::UnknownReadFailure);
        assert_eq!(
            code(b"18446744073709551616\r\n"),
            ReturnCode::UnknownReadFailure
        );
        assert_eq!(code(b"VALUE k x 3\r\n"), ReturnCode::PartialRead);
        assert_eq!(code(b"VALUE k 1\r\n"), ReturnCode::PartialRead);
        assert_eq!(code(b"VALUE\r\n"), ReturnCode::PartialRead);
        assert_eq!(
            code(b"VALUE k 0 99999999999999999999999\r\n"),
            ReturnCode::PartialRead
        );
        // Hostile lengths are refused, never allocated.
        assert_eq!(code(b"VALUE k 0 4294967296\r\n"), ReturnCode::ProtocolError);
        assert_eq!(code(b"VALUE k 0 1073741825\r\n"), ReturnCode::ProtocolError);
        assert!(matches!(
            p(b"VALUE k 0 1073741824\r\n"),
            Reply::Value {
                len: MAX_VALUE_LEN,
                ..
            }
        ));
    }

    #[test]
    fn key_safety() {
        assert!(key_is_ascii_safe(b"abc:~!{}"));
        assert!(key_is_ascii_safe(b""));
        for bad in [
            &b"a b"[..],
            b"a\nb",
            b"\x7f",
            b"\x80",
            b"\xff",
            b"\t",
            b"\0",
        ] {
            assert!(!key_is_ascii_safe(bad), "{bad:?}");
        }
    }
}

/// Decimal digits at `buf[i..]`: their value and the index after them;
/// `None` for no digit or more than 19 (the general parser decides then).
#[inline(always)]
fn digits_at(buf: &[u8], mut i: usize) -> Option<(u64, usize)> {
    let start = i;
    let mut v: u64 = 0;
    while let Some(&b) = buf.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        // 19 digits always fit in a u64; more go to the general parser.
        if i - start == 19 {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
        i += 1;
    }
    (i > start).then_some((v, i))
}

/// A `VALUE` line parsed by [`parse_value_fast`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ValueLine<'a> {
    /// The key as on the wire (namespace not stripped).
    pub key: &'a [u8],
    pub flags: u32,
    /// Value bytes that follow the line (then `\r\n`).
    pub len: usize,
    pub cas: Option<u64>,
    /// Length of the line including its `\r\n`.
    pub line_len: usize,
}

/// The common `VALUE <key> <flags> <len>[ <cas>]\r\n` line at the start of
/// `buf` (the unread reply stream), parsed in one pass without looking for
/// the newline first. `None` when the line is not complete in `buf` or is
/// anything unusual: the caller then waits for a whole line and uses
/// [`parse_reply_line`], which gives the same result for every line this
/// accepts. The key must not hold a blank or control byte, DEL included
/// (bytes >= 0x80 are allowed, as in the general parser), so the line ends at its first
/// `\r\n` and never spans a `\n`; lines longer than [`MAX_LINE_LEN`] are
/// left to the general path, which refuses them.
#[inline(always)]
pub fn parse_value_fast(buf: &[u8]) -> Option<ValueLine<'_>> {
    let rest = buf.strip_prefix(b"VALUE ")?;
    let sp = super::find_blank_or_control(rest)?;
    if sp == 0 || rest[sp] != b' ' {
        return None;
    }
    let key = &rest[..sp];
    let (flags, i) = digits_at(rest, sp + 1)?;
    if flags > u64::from(u32::MAX) || rest.get(i) != Some(&b' ') {
        return None;
    }
    let (len, i) = digits_at(rest, i + 1)?;
    if len > MAX_VALUE_LEN as u64 {
        return None;
    }
    let (cas, i) = match rest.get(i) {
        Some(b' ') => {
            let (c, j) = digits_at(rest, i + 1)?;
            (Some(c), j)
        }
        _ => (None, i),
    };
    if rest.get(i..i + 2)? != b"\r\n" {
        return None;
    }
    let line_len = b"VALUE ".len() + i + 2;
    if line_len > MAX_LINE_LEN {
        return None;
    }
    Some(ValueLine {
        key,
        flags: flags as u32,
        len: len as usize,
        cas,
        line_len,
    })
}

// ----- replies over a connection -------------------------------------------

/// Wait for one complete line; returns its length including `\r\n`.
/// The line is `conn.buffered()[..len]`.
#[inline]
pub fn read_line(conn: &mut Connection) -> Result<usize> {
    loop {
        if let Some(n) = find_line_limit(conn.buffered(), MAX_LINE_LEN)? {
            conn.unanswered = false;
            return Ok(n);
        }
        conn.fill(MAX_LINE_LEN + 2)?;
    }
}

/// Wait until the reply has begun (one recv when nothing is buffered), so
/// that a fast path can look at what came whole in it.
#[inline(always)]
fn await_reply(conn: &mut Connection) -> Result<()> {
    if conn.buffered().is_empty() {
        conn.fill(MAX_LINE_LEN + 2)?;
    }
    Ok(())
}

/// Read and drop the replies to held (buffered) commands.
pub fn drain(conn: &mut Connection) -> Result<()> {
    while conn.outstanding > 0 {
        let n = read_line(conn)?;
        conn.consume(n);
        conn.outstanding -= 1;
    }
    Ok(())
}

/// Consume the `\r\n` after a value.
fn read_value_end(conn: &mut Connection) -> Result<()> {
    conn.fill_to(2)?;
    if &conn.buffered()[..2] != b"\r\n" {
        return Err(Error::with_message(
            ReturnCode::ProtocolError,
            "value not followed by \\r\\n (the server's reply is malformed)",
        ));
    }
    conn.consume(2);
    Ok(())
}

/// Read one line and hand its classification to `f` (the line is consumed
/// whatever `f` answers).
#[inline]
fn read_reply<T>(conn: &mut Connection, f: impl FnOnce(Reply<'_>) -> Result<T>) -> Result<T> {
    let n = read_line(conn)?;
    let out = parse_reply_line(&conn.buffered()[..n]).and_then(f);
    conn.consume(n);
    out
}

/// The error for an unexpected (or failure) reply line.
pub fn reply_error(r: &Reply<'_>) -> Error {
    match r {
        Reply::ServerError(m) => Error::with_message(
            ReturnCode::ServerError,
            String::from_utf8_lossy(m).into_owned(),
        ),
        Reply::ClientError(m) => Error::with_message(
            ReturnCode::ClientError,
            String::from_utf8_lossy(m).into_owned(),
        ),
        Reply::End => Error::new(ReturnCode::Notfound),
        other => {
            let code = other.return_code();
            if code.is_success() {
                Error::with_message(
                    ReturnCode::UnknownReadFailure,
                    "unexpected reply from the server",
                )
            } else {
                Error::new(code)
            }
        }
    }
}

/// The `SERVER_ERROR` text memcached sends for a value over its item size.
fn too_large(msg: &[u8]) -> bool {
    msg.starts_with(b"object too large") || msg.starts_with(b"out of memory storing object")
}

/// The reply to a storage command (E2BIG for an item over the size limit).
#[inline(always)]
pub(super) fn read_store(conn: &mut Connection) -> Result<ReturnCode> {
    drain(conn)?;
    // The common case in one compare: STORED came in the first recv.
    await_reply(conn)?;
    if conn.buffered().starts_with(b"STORED\r\n") {
        conn.unanswered = false;
        conn.consume(b"STORED\r\n".len());
        return Ok(ReturnCode::Success);
    }
    read_reply(conn, |r| match r {
        Reply::Stored => Ok(ReturnCode::Success),
        Reply::ServerError(m) if too_large(m) => Err(Error::new(ReturnCode::E2Big)),
        r => Err(reply_error(&r)),
    })
}

/// The reply to a command whose success is the line `ok` names.
pub(super) fn read_ack(conn: &mut Connection, ok: Ack) -> Result<ReturnCode> {
    read_reply(conn, |r| match (ok, r) {
        (Ack::Deleted, Reply::Deleted) | (Ack::Touched, Reply::Touched) | (Ack::Ok, Reply::Ok) => {
            Ok(ReturnCode::Success)
        }
        (_, r) => Err(reply_error(&r)),
    })
}

/// The decimal reply of incr/decr.
pub(super) fn read_arith(conn: &mut Connection) -> Result<u64> {
    drain(conn)?;
    read_reply(conn, |r| match r {
        Reply::Number(v) => Ok(v),
        r => Err(reply_error(&r)),
    })
}

/// The reply to the `add` of `memcached_exist`.
pub(super) fn read_exist(conn: &mut Connection) -> Result<ReturnCode> {
    drain(conn)?;
    read_reply(conn, |r| match r {
        Reply::Stored => Err(Error::new(ReturnCode::Notfound)),
        Reply::NotStored | Reply::Exists => Ok(ReturnCode::Success),
        r => Err(reply_error(&r)),
    })
}

/// The text of a `VERSION` line.
pub(super) fn read_version(conn: &mut Connection) -> Result<Vec<u8>> {
    drain(conn)?;
    read_reply(conn, |r| match r {
        Reply::Version(t) => Ok(t.to_vec()),
        r => Err(reply_error(&r)),
    })
}

/// `STAT` lines up to `END`.
pub(super) fn read_stats(conn: &mut Connection, f: &mut StatVisitor<'_>) -> Result<()> {
    drain(conn)?;
    let mut failure = None;
    loop {
        let done = read_reply(conn, |r| match r {
            Reply::Stat { name, value } => {
                if failure.is_none()
                    && let Err(e) = f(name, value)
                {
                    failure = Some(e);
                }
                Ok(false)
            }
            Reply::End => Ok(true),
            Reply::Error => Err(Error::with_message(
                ReturnCode::InvalidArguments,
                "the server does not know these statistics",
            )),
            r => Err(reply_error(&r)),
        })?;
        if done {
            break;
        }
    }
    failure.map_or(Ok(()), Err)
}

/// `stats cachedump <slab> 0` (the keys of one slab class, for
/// `memcached_dump`, which only this protocol has): `f(key)` for each
/// `ITEM` line; an error of `f` stops the calls and is returned once the
/// reply is read.
pub fn dump_slab(
    conn: &mut Connection,
    slab: u32,
    f: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    conn.wbuf.extend_from_slice(b"stats cachedump ");
    push_u64(&mut conn.wbuf, u64::from(slab));
    conn.wbuf.extend_from_slice(b" 0\r\n");
    conn.flush()?;
    let mut stop = None;
    loop {
        let n = read_line(conn)?;
        let done = match parse_reply_line(&conn.buffered()[..n]) {
            Ok(Reply::Item { key, .. }) => {
                if stop.is_none()
                    && let Err(e) = f(key)
                {
                    stop = Some(e);
                }
                false
            }
            Ok(Reply::End) => true,
            Ok(r) => {
                let e = reply_error(&r);
                conn.consume(n);
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        conn.consume(n);
        if done {
            break;
        }
    }
    stop.map_or(Ok(()), Err)
}

/// The reply to a single get: its one value and `END`, or `END` alone.
#[inline]
pub(super) fn read_get(
    conn: &mut Connection,
    ns: &[u8],
    idx: usize,
    sink: &mut dyn ValueSink,
    expected: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<Option<ItemMeta>> {
    drain(conn)?;
    // The common case: the whole reply (VALUE line, data, END) came in the
    // first recv, and goes straight from the read buffer.
    await_reply(conn)?;
    if let Some(r) = buffered_value(conn, ns, idx, sink, b"END\r\n", &mut *expected) {
        return r.map(Some);
    }
    match read_value_reply(conn, ns, idx, sink, expected)? {
        MgetStep::Value(meta) => {
            // The END that closes the reply (one compare in the common case).
            conn.fill_to(5)?;
            if conn.buffered().starts_with(b"END\r\n") {
                conn.consume(5);
                return Ok(Some(meta));
            }
            let n = read_line(conn)?;
            let is_end = matches!(parse_reply_line(&conn.buffered()[..n]), Ok(Reply::End));
            conn.consume(n);
            match is_end {
                true => Ok(Some(meta)),
                false => Err(Error::with_message(
                    ReturnCode::UnknownReadFailure,
                    "the server sent more than one value for one key",
                )),
            }
        }
        MgetStep::Done => Ok(None),
        MgetStep::Skipped => Err(Error::new(ReturnCode::UnknownReadFailure)),
    }
}

/// See [`super::Codec::buffered_mget_value`]: a `VALUE` whose line, data
/// and `\r\n` are all buffered.
#[inline]
pub(super) fn buffered_mget_value(
    conn: &mut Connection,
    check: &mut MgetCheck<'_>,
    sink: &mut dyn ValueSink,
) -> Option<Result<ItemMeta>> {
    if conn.outstanding != 0 {
        return None;
    }
    let (ns, idx) = (check.ns, check.server);
    buffered_value(conn, ns, idx, sink, b"", |key| check.accept_in_order(key))
}

/// A `VALUE` at the start of the read buffer whose line, data, `\r\n` and
/// then `tail` are all buffered, delivered from the buffer when `accept`
/// takes its key (as on the wire). `None` (nothing consumed) when it is not
/// all there or not a plain `VALUE` line.
#[inline(always)]
fn buffered_value(
    conn: &mut Connection,
    ns: &[u8],
    idx: usize,
    sink: &mut dyn ValueSink,
    tail: &[u8],
    accept: impl FnOnce(&[u8]) -> Result<()>,
) -> Option<Result<ItemMeta>> {
    let buf = conn.buffered();
    let v = parse_value_fast(buf)?;
    let data_end = v.line_len + v.len;
    let end = data_end + 2 + tail.len();
    let after = buf.get(data_end..end)?;
    if &after[..2] != b"\r\n" || &after[2..] != tail {
        return None;
    }
    if let Err(e) = accept(v.key) {
        return Some(Err(e));
    }
    let key = strip_ns(v.key, ns);
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
    conn.consume(end);
    Some(Ok(meta))
}

/// Read one reply of a get: a VALUE (delivered to the sink) or END.
/// `expected(wire_key)` decides whether a value for that key (as sent,
/// namespace included) belongs to the request.
pub(super) fn read_value_reply(
    conn: &mut Connection,
    ns: &[u8],
    idx: usize,
    sink: &mut dyn ValueSink,
    expected: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<MgetStep> {
    // The common case: a whole VALUE line is already buffered.
    let v = match parse_value_fast(conn.buffered()) {
        Some(v) => v,
        None => {
            let n = read_line(conn)?;
            match other_line(&conn.buffered()[..n]) {
                Line::Value(v) => v,
                Line::Done => {
                    conn.consume(n);
                    return Ok(MgetStep::Done);
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
    read_value_end(conn)?;
    Ok(MgetStep::Value(ItemMeta {
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
    Value(ValueLine<'a>),
    Done,
    /// The error, and whether the line is consumed.
    Failed(Error, bool),
}

#[cold]
fn other_line(line: &[u8]) -> Line<'_> {
    if let Some(v) = parse_value_fast(line) {
        return Line::Value(v);
    }
    match parse_reply_line(line) {
        Ok(Reply::Value {
            key,
            flags,
            len,
            cas,
        }) => Line::Value(ValueLine {
            key,
            flags,
            len,
            cas,
            line_len: line.len(),
        }),
        Ok(Reply::End) => Line::Done,
        Ok(r @ (Reply::ServerError(_) | Reply::ClientError(_))) => {
            Line::Failed(reply_error(&r), true)
        }
        Ok(_) => Line::Failed(
            Error::with_message(ReturnCode::UnknownReadFailure, "unexpected reply to get"),
            false,
        ),
        Err(e) => Line::Failed(e, false),
    }
}

#[cfg(test)]
mod fast_value_tests {
    use super::*;

    #[test]
    fn fast_value_agrees_with_the_general_parser() {
        let lines: &[&[u8]] = &[
            b"VALUE k 0 5\r\n",
            b"VALUE key:1 4294967295 32 12345\r\n",
            b"VALUE k 4294967296 5\r\n",
            b"VALUE k 1 2 \r\n",
            b"VALUE  k 1 2\r\n",
            b"VALUE k 1\r\n",
            b"VALUE k 1 99999999999\r\n",
            b"VALUE k0 7444444444444444444444 1\r\n",
            b"VALUE k 1 9999999999999999999\r\n",
            b"VALUE k 1 2\n",
            b"VALUE \xc3\xa9 7 3\r\n",
        ];
        for line in lines {
            if let Some(ValueLine {
                key,
                flags,
                len,
                cas,
                line_len,
            }) = parse_value_fast(line)
            {
                assert_eq!(line_len, line.len());
                assert_eq!(
                    parse_reply_line(line).unwrap(),
                    Reply::Value {
                        key,
                        flags,
                        len,
                        cas
                    },
                    "{}",
                    String::from_utf8_lossy(line)
                );
            }
        }
        assert!(parse_value_fast(b"VALUE k 0 5\r\n").is_some());
        assert!(parse_value_fast(b"VALUE key:1 4294967295 32 12345\r\n").is_some());
    }

    #[test]
    fn fast_value_reads_the_first_line_of_a_stream() {
        let stream = b"VALUE key:1 7 5 99\r\nhello\r\nEND\r\n";
        let v = parse_value_fast(stream).unwrap();
        assert_eq!(v.key, b"key:1");
        assert_eq!((v.flags, v.len, v.cas, v.line_len), (7, 5, Some(99), 20));
        // Every proper prefix is incomplete: left to the line reader.
        for n in 0..20 {
            assert_eq!(parse_value_fast(&stream[..n]), None, "prefix {n}");
        }
        // Keys with blanks or control bytes (a newline above all) never
        // reach past the first line.
        for bad in [
            &b"VALUE a\nb 0 1\r\nx\r\n"[..],
            b"VALUE a\tb 0 1\r\n",
            b"VALUE a\rb 0 1\r\n",
            b"VALUE k\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f2 0 3\r\n",
        ] {
            assert_eq!(parse_value_fast(bad), None);
        }
        // Longer than a reply line may be: the general path refuses it.
        let mut long = b"VALUE ".to_vec();
        long.extend(std::iter::repeat_n(b'k', MAX_LINE_LEN));
        long.extend_from_slice(b" 0 1\r\n");
        assert_eq!(parse_value_fast(&long), None);
        let mut fits = b"VALUE ".to_vec();
        fits.extend(std::iter::repeat_n(b'k', MAX_LINE_LEN - 12));
        fits.extend_from_slice(b" 0 1\r\n");
        assert_eq!(parse_value_fast(&fits).unwrap().line_len, MAX_LINE_LEN);
    }
}
