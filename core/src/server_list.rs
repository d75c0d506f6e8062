//! `memcached_servers_parse`: the "host:port weight, host2, /socket" server
//! list syntax, exactly as libmemcached 1.1.4 reads it.
//!
//! Rules (each checked against Debian's 1.1.4 with a C probe; see the
//! tests):
//! - Entries are split at every comma. After each entry one white-space byte
//!   (C `isspace`) is skipped, so `a, b` is two hosts but `a,  b` gives
//!   ` b`. A trailing comma adds nothing; an empty entry in the middle
//!   (`a,,b`, `,a`) is a host with an empty name.
//! - The port starts after the first `:`, or after the first `:` that
//!   follows a `[...]` pair; the brackets stay in the hostname
//!   (`[::1]:11211` → `[::1]`). `::1` is the empty host.
//! - Port and weight are read with C `strtoul` (leading blanks, a sign, any
//!   trailing junk are accepted; no digits reads 0; `-1` wraps) and then
//!   truncated to 16 and 32 bits (`a:70000` → port 4464). A number that
//!   overflows 64 bits makes the whole parse fail.
//! - The weight follows the first blank after the port colon, or else the
//!   next `:` (`a:1 2`, `a:1:2`, `a:1:2 3` → weight 3).
//! - Port 0 (or none) becomes 11211; a hostname starting with `/` is a unix
//!   socket with port 0. A weight of 0 (or none) is stored as 1.
//!
//! Where 1.1.4 crashes we fail instead: a hostname of 1025 bytes or more
//! (1.1.4 dereferences a NULL handle) and an entry of 8196 bytes or more
//! (1.1.4 overflows a stack buffer) give [`ReturnCode::InvalidArguments`].
//! An input with no entry at all (`""`) yields an empty list, which the C
//! layer turns into NULL as 1.1.4 returns.

use crate::error::{Error, ReturnCode};

/// `MEMCACHED_DEFAULT_PORT`.
pub const DEFAULT_PORT: u16 = 11211;
/// The longest hostname kept (`MEMCACHED_NI_MAXHOST` - 1).
pub const MAX_HOSTNAME_LEN: usize = 1024;
/// The longest entry 1.1.4 can hold (`HUGE_STRING_LEN` - 1).
pub const MAX_ENTRY_LEN: usize = 8195;

/// `memcached_connection_t` of a server: values 0, 1 and 2 as in C.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServerKind {
    Tcp = 0,
    Udp = 1,
    UnixSocket = 2,
}

/// One parsed server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSpec {
    pub hostname: String,
    pub port: u16,
    pub weight: u32,
    pub kind: ServerKind,
}

/// One parsed server with the hostname as raw bytes (for C strings that
/// need not be UTF-8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawServerSpec {
    pub hostname: Vec<u8>,
    pub port: u16,
    pub weight: u32,
    pub kind: ServerKind,
}

/// Parses a server list; see the module documentation for the rules.
pub fn parse_servers(s: &str) -> Result<Vec<ServerSpec>, Error> {
    parse_servers_bytes(s.as_bytes())?
        .into_iter()
        .map(|r| {
            // Hostnames are cut at ASCII bytes only, so they stay UTF-8.
            let hostname = String::from_utf8(r.hostname).map_err(|_| {
                Error::with_message(ReturnCode::InvalidArguments, "hostname is not UTF-8")
            })?;
            Ok(ServerSpec {
                hostname,
                port: r.port,
                weight: r.weight,
                kind: r.kind,
            })
        })
        .collect()
}

/// [`parse_servers`] over bytes. Like the C function it stops at the first
/// NUL byte.
pub fn parse_servers_bytes(s: &[u8]) -> Result<Vec<RawServerSpec>, Error> {
    let s = match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    };
    let mut out = Vec::new();
    let mut begin = 0;
    while begin < s.len() {
        let rest = &s[begin..];
        let (entry, next) = match find(rest, b',') {
            Some(i) => (&rest[..i], begin + i + 1),
            None => (rest, s.len()),
        };
        begin = next;
        if entry.len() > MAX_ENTRY_LEN {
            return Err(Error::with_message(
                ReturnCode::InvalidArguments,
                "server list entry too long",
            ));
        }
        out.push(parse_entry(entry)?);
        if begin < s.len() && crate::cnum::is_space(s[begin]) {
            begin += 1;
        }
    }
    Ok(out)
}

fn parse_entry(entry: &[u8]) -> Result<RawServerSpec, Error> {
    let colon = match find(entry, b'[') {
        Some(lb) => match find(&entry[lb + 1..], b']') {
            Some(rb) => {
                let after = lb + 1 + rb + 1;
                find(&entry[after..], b':').map(|i| after + i)
            }
            None => find(entry, b':'),
        },
        None => find(entry, b':'),
    };
    let (host, mut port, mut weight) = match colon {
        None => (entry, 0u16, 0u32),
        Some(c) => {
            let rest = &entry[c + 1..];
            let port = strtoul(rest)? as u16;
            let sep = find(rest, b' ').or_else(|| find(rest, b':'));
            let weight = match sep {
                Some(i) => strtoul(&rest[i + 1..])? as u32,
                None => 0,
            };
            (&entry[..c], port, weight)
        }
    };
    if host.len() > MAX_HOSTNAME_LEN {
        return Err(Error::with_message(
            ReturnCode::InvalidArguments,
            "Invalid hostname provided",
        ));
    }
    let kind = if host.first() == Some(&b'/') {
        port = 0;
        ServerKind::UnixSocket
    } else {
        if port == 0 {
            port = DEFAULT_PORT;
        }
        ServerKind::Tcp
    };
    if weight == 0 {
        weight = 1;
    }
    Ok(RawServerSpec {
        hostname: host.to_vec(),
        port,
        weight,
        kind,
    })
}

fn find(s: &[u8], b: u8) -> Option<usize> {
    s.iter().position(|&x| x == b)
}

/// C `strtoul(s, NULL, 10)`; overflow (ERANGE) is a failed parse in 1.1.4.
fn strtoul(s: &[u8]) -> Result<u64, Error> {
    match crate::cnum::strtoul(s) {
        (v, false) => Ok(v),
        (_, true) => Err(Error::with_message(
            ReturnCode::InvalidArguments,
            "number out of range",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ServerKind::{Tcp as T, UnixSocket as U};

    type Expect = Option<Vec<(&'static str, u16, u32, ServerKind)>>;

    /// Inputs and what Debian's 1.1.4 `memcached_servers_parse` returned for
    /// them (`None`: NULL because a number overflowed).
    fn cases() -> Vec<(&'static str, Expect)> {
        vec![
            ("", Some(vec![])),
            ("a", Some(vec![("a", 11211, 1, T)])),
            ("a,b", Some(vec![("a", 11211, 1, T), ("b", 11211, 1, T)])),
            ("a, b", Some(vec![("a", 11211, 1, T), ("b", 11211, 1, T)])),
            ("a,  b", Some(vec![("a", 11211, 1, T), (" b", 11211, 1, T)])),
            ("a,\tb", Some(vec![("a", 11211, 1, T), ("b", 11211, 1, T)])),
            (" a", Some(vec![(" a", 11211, 1, T)])),
            ("a,", Some(vec![("a", 11211, 1, T)])),
            (
                "a,,b",
                Some(vec![
                    ("a", 11211, 1, T),
                    ("", 11211, 1, T),
                    ("b", 11211, 1, T),
                ]),
            ),
            (",a", Some(vec![("", 11211, 1, T), ("a", 11211, 1, T)])),
            (",", Some(vec![("", 11211, 1, T)])),
            ("a, ", Some(vec![("a", 11211, 1, T)])),
            ("a:1 2", Some(vec![("a", 1, 2, T)])),
            ("a:1:2", Some(vec![("a", 1, 2, T)])),
            ("a:1  2", Some(vec![("a", 1, 2, T)])),
            ("a:1 :2", Some(vec![("a", 1, 1, T)])),
            ("a:1 2 3", Some(vec![("a", 1, 2, T)])),
            ("a:1:2:3", Some(vec![("a", 1, 2, T)])),
            ("a 1", Some(vec![("a 1", 11211, 1, T)])),
            ("a:", Some(vec![("a", 11211, 1, T)])),
            ("a::", Some(vec![("a", 11211, 1, T)])),
            ("a:x", Some(vec![("a", 11211, 1, T)])),
            ("a:-1", Some(vec![("a", 65535, 1, T)])),
            ("a:70000", Some(vec![("a", 4464, 1, T)])),
            ("a:65536", Some(vec![("a", 11211, 1, T)])),
            ("a:0", Some(vec![("a", 11211, 1, T)])),
            ("a:11211:0", Some(vec![("a", 11211, 1, T)])),
            ("a:11211:-1", Some(vec![("a", 11211, 4294967295, T)])),
            ("a:11211:4294967296", Some(vec![("a", 11211, 1, T)])),
            ("a:11211:99999999999999999999", None),
            ("a:99999999999999999999", None),
            ("a:+5", Some(vec![("a", 5, 1, T)])),
            ("a: 5", Some(vec![("a", 5, 5, T)])),
            ("a:5x:7", Some(vec![("a", 5, 7, T)])),
            ("[::1]:11211", Some(vec![("[::1]", 11211, 1, T)])),
            ("[::1]", Some(vec![("[::1]", 11211, 1, T)])),
            ("[::1]:5:6", Some(vec![("[::1]", 5, 6, T)])),
            ("[::1", Some(vec![("[", 11211, 1, T)])),
            ("::1", Some(vec![("", 11211, 1, T)])),
            ("::1:5", Some(vec![("", 11211, 1, T)])),
            ("[::1]x:5", Some(vec![("[::1]x", 5, 1, T)])),
            ("/tmp/sock", Some(vec![("/tmp/sock", 0, 1, U)])),
            ("/tmp/sock:5", Some(vec![("/tmp/sock", 0, 1, U)])),
            ("/tmp/sock:5:3", Some(vec![("/tmp/sock", 0, 3, U)])),
            ("host:0", Some(vec![("host", 11211, 1, T)])),
            (
                "localhost:11211,localhost:11212",
                Some(vec![("localhost", 11211, 1, T), ("localhost", 11212, 1, T)]),
            ),
            (
                "a:1,b:2,c:3",
                Some(vec![("a", 1, 1, T), ("b", 2, 1, T), ("c", 3, 1, T)]),
            ),
            ("a:1 ,b", Some(vec![("a", 1, 1, T), ("b", 11211, 1, T)])),
            ("[fe80::1%eth0]:1", Some(vec![("[fe80::1%eth0]", 1, 1, T)])),
            ("a]:1", Some(vec![("a]", 1, 1, T)])),
            ("a[:1", Some(vec![("a[", 1, 1, T)])),
            ("a[b]c:1", Some(vec![("a[b]c", 1, 1, T)])),
            ("x:1:2,y:3 4", Some(vec![("x", 1, 2, T), ("y", 3, 4, T)])),
            ("a:-0", Some(vec![("a", 11211, 1, T)])),
            ("a:18446744073709551615", Some(vec![("a", 65535, 1, T)])),
            ("a:18446744073709551616", None),
            ("a:11211 -5", Some(vec![("a", 11211, 4294967291, T)])),
            ("a:11211\t5", Some(vec![("a", 11211, 1, T)])),
            ("a:\t5", Some(vec![("a", 5, 1, T)])),
            ("a:1:2 3", Some(vec![("a", 1, 3, T)])),
            ("a:1,b:99999999999999999999,c", None),
            ("a:1,b:2:99999999999999999999,c", None),
        ]
    }

    #[test]
    fn matches_libmemcached_1_1_4() {
        for (input, expect) in cases() {
            let got = parse_servers(input);
            match expect {
                None => assert!(got.is_err(), "{input:?} should fail, got {got:?}"),
                Some(list) => {
                    let got = got.unwrap_or_else(|e| panic!("{input:?} failed: {e}"));
                    let got: Vec<_> = got
                        .iter()
                        .map(|s| (s.hostname.as_str(), s.port, s.weight, s.kind))
                        .collect();
                    assert_eq!(got, list, "input {input:?}");
                }
            }
        }
    }

    #[test]
    fn long_hostnames() {
        // 1.1.4 keeps up to 1024 bytes (and crashes beyond; we fail).
        let h = "h".repeat(1024);
        let l = parse_servers(&format!("{h}:5")).unwrap();
        assert_eq!((l[0].hostname.len(), l[0].port), (1024, 5));
        let two = parse_servers(&format!("{h}:5,{}:7 9", "x".repeat(1000))).unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(
            (two[1].hostname.len(), two[1].port, two[1].weight),
            (1000, 7, 9)
        );
        let e = parse_servers(&"h".repeat(1025)).unwrap_err();
        assert_eq!(e.code, ReturnCode::InvalidArguments);
        assert!(parse_servers(&format!("a:1,{},b", "h".repeat(5000))).is_err());
        // A long port field is fine as long as the entry fits 1.1.4's buffer.
        let l = parse_servers(&format!("a:{}5", "0".repeat(8000))).unwrap();
        assert_eq!(l[0].port, 5);
        assert!(parse_servers(&format!("a:{}5", "0".repeat(8200))).is_err());
    }

    #[test]
    fn bytes_stop_at_nul_and_keep_non_utf8() {
        let l = parse_servers_bytes(b"a:1\0,b:2").unwrap();
        assert_eq!(l.len(), 1);
        let l = parse_servers_bytes(b"h\xff:3").unwrap();
        assert_eq!(l[0].hostname, b"h\xff");
        assert_eq!(l[0].port, 3);
        assert!(parse_servers_bytes(b"\0a").unwrap().is_empty());
    }

    #[test]
    fn kinds_are_c_values() {
        assert_eq!(ServerKind::Tcp as i32, 0);
        assert_eq!(ServerKind::Udp as i32, 1);
        assert_eq!(ServerKind::UnixSocket as i32, 2);
        let _ = U;
    }
}
