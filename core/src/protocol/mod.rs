//! The memcached wire codecs, without any I/O.
//!
//! [`ascii`] speaks the text protocol and [`binary`] the binary protocol,
//! both byte for byte as libmemcached 1.1.4 puts them on the wire. Encoders
//! append to a caller-owned, reused `Vec<u8>` and never allocate once it has
//! capacity; decoders look at byte slices, return borrowed views and answer
//! `Ok(None)` ("need more bytes") for a prefix of a reply. No length read
//! from a server is ever used to size an allocation here: callers must grow
//! their read buffers only as bytes arrive, after checking the announced
//! length against [`MAX_VALUE_LEN`] / [`binary::MAX_BODY_LEN`].

pub mod ascii;
pub mod binary;

use crate::error::{Error, ReturnCode};

/// The longest reply line accepted (bytes, `\r\n` included). A longer line
/// without a terminator is a [`ReturnCode::ProtocolError`]. 1.1.4 used a
/// 350..1024 byte stack buffer; memcached's own lines stay far below this.
pub const MAX_LINE_LEN: usize = 8192;

/// The largest value length a server may announce (1 GiB, memcached's own
/// ceiling for `-I`). A bigger announced length is a protocol error rather
/// than an attempt to allocate it.
pub const MAX_VALUE_LEN: usize = 1 << 30;

/// Appends the decimal form of `v` without allocating.
#[inline]
pub fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
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
pub fn parse_version_numbers(text: &[u8]) -> Result<(u8, u8, u8), Error> {
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
