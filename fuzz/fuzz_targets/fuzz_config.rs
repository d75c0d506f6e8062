//! Fuzzes the configuration language of `memcached()` /
//! `libmemcached_check_configuration` through `config::collect`, which
//! parses a string and records each action (namespace rules applied).
//!
//! Invariants beyond "no panic": a failure is one of the codes the parser
//! documents; a `--SERVER=` port is the 1..=5 digit number written (or
//! 11211); an accepted namespace obeys `check_namespace`; host names and
//! socket paths come from the input; parsing is deterministic.
//!
//! `INCLUDE "file"` and `--CONFIGURE-FILE=` read files, so inputs naming
//! device or kernel files (anything with `dev`, `proc`, `sys` or `fd`) are
//! skipped: reading `/dev/zero` would only measure the machine's memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memcached::core::config::{Action, MAX_NAMESPACE_LEN, collect};
use memcached::core::error::ReturnCode;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn names_special_file(data: &[u8]) -> bool {
    let lower = data.to_ascii_lowercase();
    [&b"dev"[..], b"proc", b"sys", b"fd"]
        .iter()
        .any(|n| contains(&lower, n))
}

fuzz_target!(|data: &[u8]| {
    if names_special_file(data) {
        return;
    }
    let result = collect(data);
    assert_eq!(result, collect(data), "not deterministic");
    match result {
        Err(e) => assert!(
            matches!(
                e.code,
                ReturnCode::ParseError | ReturnCode::InvalidArguments | ReturnCode::Errno
            ),
            "unexpected code {:?}: {:?}",
            e.code,
            e.message
        ),
        Ok(actions) => {
            for a in &actions {
                match a {
                    Action::Server {
                        host,
                        port,
                        weight: _,
                    } => {
                        assert!(!host.is_empty(), "empty server host");
                        assert!(*port <= 99_999, "port {port}");
                        assert!(contains(data, host), "host not from the input");
                    }
                    Action::Socket { path, .. } => {
                        assert!(contains(data, path), "socket path not from the input");
                    }
                    Action::Namespace(ns) => {
                        assert!(!ns.is_empty() && ns.len() <= MAX_NAMESPACE_LEN);
                    }
                    _ => {}
                }
            }
        }
    }
});
