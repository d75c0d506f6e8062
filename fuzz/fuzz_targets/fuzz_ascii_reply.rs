//! Fuzzes the ASCII reply readers: the input is a server's reply stream,
//! cut into lines with `find_line`/`find_line_limit` and classified with
//! `parse_reply_line`, skipping announced value bytes the way the client's
//! retrieve path does (`core/src/client/retrieve.rs`, `wire.rs`).
//!
//! Invariants beyond "no panic": a found line ends at its first `\n`, lies
//! inside the buffer and respects the limit; "need more" and "too long"
//! answers agree with the bytes; every slice a `Reply` borrows lies inside
//! its line; a VALUE never announces more than `MAX_VALUE_LEN`; parsing is
//! deterministic; the client's fast VALUE parser (`parse_value_fast`),
//! which reads the unsplit stream, accepts exactly the first line (as
//! `find_line_limit` cuts it) and agrees with `parse_reply_line` on it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memcached::core::error::ReturnCode;
use memcached::core::protocol::ascii::{
    Reply, find_line, find_line_limit, parse_reply_line, parse_value_fast,
};
use memcached::core::protocol::{MAX_LINE_LEN, MAX_VALUE_LEN, parse_version_numbers};

/// Whether `inner` is empty or a sub-slice of `outer`.
fn within(outer: &[u8], inner: &[u8]) -> bool {
    if inner.is_empty() {
        return true;
    }
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

/// Checks one `find_line_limit` answer against the bytes.
fn check_find(buf: &[u8], limit: usize) -> Option<usize> {
    let nl = buf.iter().position(|&b| b == b'\n');
    match find_line_limit(buf, limit) {
        Ok(Some(n)) => {
            assert!(
                n >= 1 && n <= buf.len() && n <= limit,
                "line {n} of {}",
                buf.len()
            );
            assert_eq!(Some(n - 1), nl, "line must end at the first newline");
            Some(n)
        }
        Ok(None) => {
            assert!(
                buf.len() < limit,
                "need-more with {} >= limit {limit}",
                buf.len()
            );
            assert!(nl.is_none(), "need-more although a newline is buffered");
            None
        }
        Err(e) => {
            assert_eq!(e.code, ReturnCode::ProtocolError);
            assert!(
                buf.len() >= limit,
                "too-long with {} < limit {limit}",
                buf.len()
            );
            assert!(nl.is_none_or(|i| i >= limit), "too-long but a newline fits");
            None
        }
    }
}

/// The fast VALUE parser on the unsplit stream `buf`: when it accepts,
/// its line is the stream's first line and the general parser agrees.
fn check_fast(buf: &[u8]) {
    let Some(v) = parse_value_fast(buf) else {
        return;
    };
    assert!(within(buf, v.key));
    let n = find_line_limit(buf, MAX_LINE_LEN).ok().flatten();
    assert_eq!(n, Some(v.line_len), "fast parser's line is not the first line");
    let line = &buf[..v.line_len];
    assert!(within(line, v.key));
    let fast = Reply::Value {
        key: v.key,
        flags: v.flags,
        len: v.len,
        cas: v.cas,
    };
    assert_eq!(parse_reply_line(line), Ok(fast), "fast and general VALUE parsers disagree");
}

fn check_reply(line: &[u8]) {
    check_fast(line);
    check_general(line);
}

fn check_general(line: &[u8]) {
    let parsed = parse_reply_line(line);
    assert_eq!(parsed, parse_reply_line(line), "parse is not deterministic");
    let Ok(reply) = parsed else { return };
    let _ = reply.return_code();
    match reply {
        Reply::Value { key, len, .. } => {
            assert!(within(line, key));
            assert!(len <= MAX_VALUE_LEN, "VALUE length {len} over the limit");
            assert!(
                !key.iter().any(|&b| b == b' ' || b == b'\n' || b == b'\r'),
                "VALUE key {key:?} holds a separator"
            );
        }
        Reply::Stat { name, value } => assert!(within(line, name) && within(line, value)),
        Reply::Item { key, info } => assert!(within(line, key) && within(line, info)),
        Reply::Version(text) => {
            assert!(within(line, text));
            let _ = parse_version_numbers(text);
        }
        Reply::ClientError(m) | Reply::ServerError(m) => assert!(within(line, m)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks a small line limit too, to exercise the
    // "line too long" path without 8 KiB inputs.
    let small_limit = usize::from(data.first().copied().unwrap_or(0)) + 1;
    check_find(data, small_limit);

    let mut buf = data;
    // Bounded: each round consumes at least one byte.
    while !buf.is_empty() {
        check_fast(buf);
        let Some(n) = check_find(buf, MAX_LINE_LEN) else {
            // A partial line: what the client would hand to the parser if
            // the peer closed here is not a line, but the parser must
            // still cope with it.
            check_reply(buf);
            break;
        };
        assert_eq!(find_line(buf).ok().flatten(), Some(n));
        let line = &buf[..n];
        check_reply(line);
        buf = &buf[n..];
        if let Ok(Reply::Value { len, .. }) = parse_reply_line(line) {
            // The client reads `len` value bytes and then `\r\n`.
            match buf.get(len..len + 2) {
                Some(b"\r\n") => buf = &buf[len + 2..],
                _ => break,
            }
        }
    }
});
