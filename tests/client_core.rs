//! Integration tests of the safe core client against real memcached
//! servers on loopback, in both protocols.

mod common;

use common::Memcached;
use memcached::core::client::storage::{Store, StoreMode};
use memcached::core::client::{Client, VecSink};
use memcached::core::error::ReturnCode;
use memcached::core::server_list::{ServerKind, ServerSpec};

fn client(servers: &[&Memcached], binary: bool) -> Client {
    let mut c = Client::new();
    for s in servers {
        let spec = common::loopback(s.port);
        assert_eq!(c.add_server(&spec), ReturnCode::Success);
    }
    c.behavior_set(
        memcached::core::behavior::id::BINARY_PROTOCOL,
        u64::from(binary),
    )
    .unwrap();
    c
}

fn set(c: &mut Client, key: &[u8], value: &[u8], flags: u32) -> ReturnCode {
    let req = common::set_request(key, value, flags);
    match c.store(&req) {
        Ok(rc) => rc,
        Err(e) => e.code,
    }
}

fn get(c: &mut Client, key: &[u8]) -> Option<(Vec<u8>, u32)> {
    let mut sink = VecSink::default();
    c.get(key, key, &mut sink)
        .unwrap()
        .map(|m| (sink.value, m.flags))
}

/// Three servers and a client over them with KETAMA.
fn ketama_over_three(binary: bool) -> ([Memcached; 3], Client) {
    let servers = [Memcached::start(), Memcached::start(), Memcached::start()];
    let mut c = client(&[&servers[0], &servers[1], &servers[2]], binary);
    c.behavior_set(memcached::core::behavior::id::KETAMA, 1)
        .unwrap();
    (servers, c)
}

/// mget of `keys`, fetched to the end: (key, value, flags) of each hit.
fn mget_all(c: &mut Client, keys: &[Vec<u8>]) -> Vec<(Vec<u8>, Vec<u8>, u32)> {
    let key_at = |i: usize| keys[i].as_slice();
    assert_eq!(
        c.mget(None, keys.len(), &key_at).unwrap(),
        ReturnCode::Success
    );
    let mut hits = Vec::new();
    let mut sink = VecSink::default();
    while let Some(meta) = c.fetch(&mut sink).unwrap() {
        hits.push((sink.key.clone(), sink.value.clone(), meta.flags));
    }
    hits
}

fn both(f: impl Fn(bool)) {
    f(false);
    f(true);
}

#[test]
fn set_get_delete_round_trip() {
    both(|binary| {
        let s = Memcached::start();
        let mut c = client(&[&s], binary);
        assert_eq!(set(&mut c, b"k1", b"hello", 7), ReturnCode::Success);
        assert_eq!(get(&mut c, b"k1"), Some((b"hello".to_vec(), 7)));
        assert_eq!(get(&mut c, b"missing"), None);
        assert_eq!(c.delete(b"k1", b"k1", 0).unwrap(), ReturnCode::Success);
        assert_eq!(
            c.delete(b"k1", b"k1", 0).unwrap_err().code,
            ReturnCode::Notfound
        );
        assert_eq!(get(&mut c, b"k1"), None);
        // Large value (vectored write, direct read).
        let big = vec![b'x'; 512 * 1024];
        assert_eq!(set(&mut c, b"big", &big, 0), ReturnCode::Success);
        assert_eq!(get(&mut c, b"big").unwrap().0, big);
    });
}

#[test]
fn arith_touch_exist_cas() {
    both(|binary| {
        let s = Memcached::start();
        let mut c = client(&[&s], binary);
        assert_eq!(set(&mut c, b"n", b"10", 0), ReturnCode::Success);
        assert_eq!(c.arith(true, b"n", b"n", 5, None).unwrap(), 15);
        assert_eq!(c.arith(false, b"n", b"n", 20, None).unwrap(), 0);
        assert_eq!(
            c.arith(true, b"nokey", b"nokey", 1, None).unwrap_err().code,
            ReturnCode::Notfound
        );
        assert_eq!(c.touch(b"n", b"n", 100).unwrap(), ReturnCode::Success);
        assert_eq!(
            c.touch(b"zz", b"zz", 100).unwrap_err().code,
            ReturnCode::Notfound
        );
        assert_eq!(c.exist(b"n", b"n").unwrap(), ReturnCode::Success);
        assert_eq!(
            c.exist(b"zz", b"zz").unwrap_err().code,
            ReturnCode::Notfound
        );
        assert_eq!(get(&mut c, b"zz"), None, "exist must not create the key");
        let add = Store {
            mode: StoreMode::Add,
            group: b"n",
            key: b"n",
            value: b"1",
            exptime: 0,
            flags: 0,
            cas: 0,
        };
        let code = c.store(&add).unwrap_err().code;
        assert_eq!(
            code,
            if binary {
                ReturnCode::DataExists
            } else {
                ReturnCode::Notstored
            }
        );
    });
}

#[test]
fn mget_over_three_servers() {
    both(|binary| {
        let (_servers, mut c) = ketama_over_three(binary);
        let keys: Vec<Vec<u8>> = (0..300).map(|i| format!("key-{i}").into_bytes()).collect();
        for k in &keys[..200] {
            assert_eq!(set(&mut c, k, k, 3), ReturnCode::Success);
        }
        let mut seen = std::collections::HashSet::new();
        for (key, value, flags) in mget_all(&mut c, &keys) {
            assert_eq!(key, value, "value belongs to its key");
            assert_eq!(flags, 3);
            assert!(seen.insert(key));
        }
        assert_eq!(seen.len(), 200);
        let used: std::collections::HashSet<usize> = (0..200)
            .map(|i| c.server_index(&keys[i]).unwrap())
            .collect();
        assert_eq!(used.len(), 3, "keys spread over all servers");
    });
}

/// Values of many sizes (empty up to 20 KB), so reply lines and values
/// straddle the reads: the buffered fast path and the general reader take
/// turns. With a namespace, and keys that miss in between.
#[test]
fn mget_values_of_many_sizes_over_three_servers() {
    both(|binary| {
        let (_servers, mut c) = ketama_over_three(binary);
        c.namespace = b"ns:".to_vec();
        let value =
            |i: usize| -> Vec<u8> { (0..(i * 137) % 20_000).map(|j| (j * 7 + i) as u8).collect() };
        let keys: Vec<Vec<u8>> = (0..200).map(|i| format!("k{i}").into_bytes()).collect();
        for (i, k) in keys.iter().enumerate() {
            if i % 4 != 3 {
                assert_eq!(set(&mut c, k, &value(i), i as u32), ReturnCode::Success);
            }
        }
        for _round in 0..3 {
            let mut seen = std::collections::HashSet::new();
            for (key, v, flags) in mget_all(&mut c, &keys) {
                let i: usize = std::str::from_utf8(&key[1..]).unwrap().parse().unwrap();
                assert_eq!(v, value(i), "value of key {i}");
                assert_eq!(flags, i as u32);
                assert!(seen.insert(i));
            }
            assert_eq!(seen.len(), 150);
        }
    });
}

/// A server killed between a multi-get's rounds: the live servers' values
/// still come back, the dead one reports an error, and fetching ends.
#[test]
fn mget_with_a_killed_server_returns_the_others() {
    both(|binary| {
        let (mut servers, mut c) = ketama_over_three(binary);
        let keys: Vec<Vec<u8>> = (0..120).map(|i| format!("key-{i}").into_bytes()).collect();
        for k in &keys {
            assert_eq!(set(&mut c, k, k, 0), ReturnCode::Success);
        }
        let on_b = keys
            .iter()
            .filter(|k| c.server_index(k).unwrap() == 1)
            .count();
        assert!(on_b > 0 && on_b < keys.len());
        servers[1].kill();
        let key_at = |i: usize| keys[i].as_slice();
        let mut values = 0;
        let mut errors = 0;
        match c.mget(None, keys.len(), &key_at) {
            Ok(_) => {}
            Err(e) => panic!("mget: {e:?}"),
        }
        let mut sink = VecSink::default();
        for _ in 0..1000 {
            match c.fetch(&mut sink) {
                Ok(Some(_)) => {
                    assert_eq!(sink.key, sink.value);
                    values += 1;
                }
                Ok(None) => break,
                Err(_) => errors += 1,
            }
        }
        assert!(!c.fetch_pending(), "fetching ended");
        assert_eq!(values, keys.len() - on_b, "every live server's value");
        assert!(errors <= 1, "{errors} errors");
    });
}

/// With HASH_WITH_PREFIX_KEY the namespace takes part in placement: a
/// multi-get must look for each key where set put it.
#[test]
fn mget_places_keys_with_the_namespace_when_prefix_hashing() {
    both(|binary| {
        let (_servers, mut c) = ketama_over_three(binary);
        c.behavior_set(memcached::core::behavior::id::HASH_WITH_PREFIX_KEY, 1)
            .unwrap();
        c.namespace = b"prefix:".to_vec();
        let keys: Vec<Vec<u8>> = (0..60).map(|i| format!("pk{i}").into_bytes()).collect();
        for k in &keys {
            assert_eq!(set(&mut c, k, k, 0), ReturnCode::Success);
        }
        let hits = mget_all(&mut c, &keys);
        assert!(hits.iter().all(|(k, v, _)| k == v));
        assert_eq!(hits.len(), keys.len());
    });
}

#[test]
fn namespace_is_on_the_wire_and_stripped() {
    both(|binary| {
        let s = Memcached::start();
        let mut c = client(&[&s], binary);
        c.namespace = b"ns_".to_vec();
        assert_eq!(set(&mut c, b"nk", b"v", 0), ReturnCode::Success);
        let keys = [b"nk".to_vec()];
        let key_at = |i: usize| keys[i].as_slice();
        c.mget(None, 1, &key_at).unwrap();
        let mut sink = VecSink::default();
        assert!(c.fetch(&mut sink).unwrap().is_some());
        assert_eq!(sink.key, b"nk");
        assert!(c.fetch(&mut sink).unwrap().is_none());
        c.namespace.clear();
        assert_eq!(get(&mut c, b"ns_nk").map(|v| v.0), Some(b"v".to_vec()));
    });
}

#[test]
fn ascii_keys_that_would_inject_commands_are_refused() {
    let s = Memcached::start();
    let mut c = client(&[&s], false);
    for bad in [&b"a b"[..], b"a\r\nflush_all", b"tab\tkey", b""] {
        assert_eq!(set(&mut c, bad, b"v", 0), ReturnCode::BadKeyProvided);
    }
    assert_eq!(
        set(&mut c, &[b'k'; 251], b"v", 0),
        ReturnCode::BadKeyProvided
    );
    assert_eq!(set(&mut c, &[b'k'; 250], b"v", 0), ReturnCode::Success);
    assert_eq!(set(&mut c, "ключ".as_bytes(), b"v", 0), ReturnCode::Success);
}

#[test]
fn too_big_value_is_e2big_and_connection_stays_in_step() {
    both(|binary| {
        let s = Memcached::start_with(&["-I", "1m"]);
        let mut c = client(&[&s], binary);
        let huge = vec![0u8; 2 * 1024 * 1024];
        let req = Store {
            mode: StoreMode::Set,
            group: b"h",
            key: b"h",
            value: &huge,
            exptime: 0,
            flags: 0,
            cas: 0,
        };
        let e = c.store(&req).unwrap_err();
        assert_eq!(e.code, ReturnCode::E2Big);
        assert!(
            e.message
                .unwrap()
                .contains("larger than the server's item size limit")
        );
        assert_eq!(set(&mut c, b"after", b"ok", 0), ReturnCode::Success);
        assert_eq!(get(&mut c, b"after").map(|v| v.0), Some(b"ok".to_vec()));
    });
}

#[test]
fn buffered_and_noreply_requests_do_not_desynchronise() {
    both(|binary| {
        let s = Memcached::start();
        let mut c = client(&[&s], binary);
        c.behavior_set(memcached::core::behavior::id::BUFFER_REQUESTS, 1)
            .unwrap();
        for i in 0..50 {
            let k = format!("b{i}");
            assert_eq!(
                set(&mut c, k.as_bytes(), k.as_bytes(), 0),
                ReturnCode::Buffered
            );
        }
        assert_eq!(get(&mut c, b"b49").map(|v| v.0), Some(b"b49".to_vec()));
        c.behavior_set(memcached::core::behavior::id::BUFFER_REQUESTS, 0)
            .unwrap();
        c.behavior_set(memcached::core::behavior::id::NOREPLY, 1)
            .unwrap();
        for i in 0..50 {
            let k = format!("n{i}");
            assert_eq!(set(&mut c, k.as_bytes(), b"x", 0), ReturnCode::Success);
        }
        // A failing quiet command must not shift later replies.
        let add = Store {
            mode: StoreMode::Add,
            group: b"n1",
            key: b"n1",
            value: b"1",
            exptime: 0,
            flags: 0,
            cas: 0,
        };
        let _ = c.store(&add);
        c.behavior_set(memcached::core::behavior::id::NOREPLY, 0)
            .unwrap();
        assert_eq!(get(&mut c, b"n49").map(|v| v.0), Some(b"x".to_vec()));
        assert_eq!(get(&mut c, b"b0").map(|v| v.0), Some(b"b0".to_vec()));
    });
}

#[test]
fn dead_server_gives_connection_failure_then_disabled() {
    let port = common::free_port();
    let mut c = Client::new();
    let spec = common::loopback(port);
    c.add_server(&spec);
    assert_eq!(set(&mut c, b"k", b"v", 0), ReturnCode::ConnectionFailure);
    assert_eq!(
        set(&mut c, b"k", b"v", 0),
        ReturnCode::ServerTemporarilyDisabled
    );
}

#[test]
fn udp_servers_take_storage_commands_as_datagrams() {
    let s = Memcached::start_with(&["-U", "{port}"]);
    let mut c = Client::new();
    c.behavior_set(memcached::core::behavior::id::USE_UDP, 1)
        .unwrap();
    let spec = ServerSpec {
        hostname: "127.0.0.1".into(),
        port: s.port,
        weight: 1,
        kind: ServerKind::Udp,
    };
    assert_eq!(c.add_server(&spec), ReturnCode::Success);
    assert_eq!(set(&mut c, b"udp-key", b"over udp", 0), ReturnCode::Success);
    // Reads are not supported over UDP (as in 1.1.4).
    let mut sink = VecSink::default();
    assert_eq!(
        c.get(b"udp-key", b"udp-key", &mut sink).unwrap_err().code,
        ReturnCode::NotSupported
    );
    // Over UDP nothing answers, so the new value of a counter is unknown:
    // UINT64_MAX, as 1.1.4 reports it.
    assert_eq!(c.arith(true, b"n", b"n", 1, None).unwrap(), u64::MAX);
    // Requests larger than 1,400 bytes go in one datagram, as in 1.1.4;
    // one larger than a datagram can carry is refused, not truncated.
    assert_eq!(set(&mut c, b"big", &[b'x'; 5000], 0), ReturnCode::Success);
    assert_eq!(set(&mut c, b"big", &[b'x'; 70_000], 0), ReturnCode::E2Big);
    // The value arrived: read it over TCP (bounded wait: UDP is asynchronous).
    let mut tcp = client(&[&s], false);
    let t = std::time::Instant::now();
    while get(&mut tcp, b"udp-key").is_none() {
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "the UDP set never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(get(&mut tcp, b"udp-key").unwrap().0, b"over udp");
    assert_eq!(
        c.delete(b"udp-key", b"udp-key", 0).unwrap(),
        ReturnCode::Success
    );
    let t = std::time::Instant::now();
    while get(&mut tcp, b"udp-key").is_some() {
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "the UDP delete never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
