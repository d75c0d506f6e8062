//! Fuzzes `memcached_servers_parse`'s core: `parse_servers_bytes` and its
//! UTF-8 front end `parse_servers`.
//!
//! Invariants beyond "no panic": no more servers than entries; every
//! hostname is a comma- and NUL-free piece of the input no longer than
//! `MAX_HOSTNAME_LEN`; unix sockets (hostname starting with `/`) have port
//! 0 and TCP servers a non-zero port; weights are at least 1; the `&str`
//! and byte parsers agree; parsing is deterministic; a server whose
//! hostname has no `,`, `:`, `[` or NUL round-trips: writing it back as
//! `host:port weight` parses to the same server.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memcached::core::server_list::{
    MAX_HOSTNAME_LEN, ServerKind, parse_servers, parse_servers_bytes,
};

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let parsed = parse_servers_bytes(data);
    assert_eq!(parsed, parse_servers_bytes(data), "not deterministic");
    let upto_nul = &data[..data.iter().position(|&b| b == 0).unwrap_or(data.len())];
    let entries = upto_nul.iter().filter(|&&b| b == b',').count() + 1;
    if let Ok(list) = &parsed {
        assert!(
            list.len() <= entries,
            "{} servers from {entries} entries",
            list.len()
        );
        if upto_nul.is_empty() {
            assert!(list.is_empty());
        }
        for s in list {
            assert!(s.hostname.len() <= MAX_HOSTNAME_LEN);
            assert!(!s.hostname.contains(&b','));
            assert!(!s.hostname.contains(&0));
            assert!(
                contains(upto_nul, &s.hostname),
                "hostname not from the input"
            );
            assert!(s.weight >= 1, "weight 0 kept");
            if !s.hostname.iter().any(|b| b",:[\0".contains(b)) {
                let mut text = s.hostname.clone();
                text.extend_from_slice(format!(":{} {}", s.port, s.weight).as_bytes());
                let back = parse_servers_bytes(&text).expect("a written-back server parses");
                assert_eq!(back, vec![s.clone()], "round trip of {text:?}");
            }
            match s.kind {
                ServerKind::UnixSocket => {
                    assert_eq!(s.hostname.first(), Some(&b'/'));
                    assert_eq!(s.port, 0);
                }
                ServerKind::Tcp => {
                    assert_ne!(s.hostname.first(), Some(&b'/'));
                    assert_ne!(s.port, 0, "TCP server with port 0");
                }
                ServerKind::Udp => panic!("the list syntax has no UDP"),
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        match (parse_servers(text), &parsed) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(b) {
                    assert_eq!(x.hostname.as_bytes(), &y.hostname[..]);
                    assert_eq!((x.port, x.weight, x.kind), (y.port, y.weight, y.kind));
                }
            }
            (Err(a), Err(b)) => assert_eq!(a.code, b.code),
            (a, b) => panic!("str and bytes parsers disagree: {a:?} vs {b:?}"),
        }
    }
});
