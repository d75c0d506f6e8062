//! Fault tests with real memcached processes on loopback: refused ports,
//! servers killed while connected and restarted, servers hung with SIGSTOP,
//! listeners that never accept, slow servers; the failover configurations
//! users copy from hosted-memcache guides. Every wait is bounded.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::Memcached;
use memcached::core::behavior::id;
use memcached::core::client::{Client, VecSink};
use memcached::core::error::ReturnCode;

fn client_for(ports: &[u16], binary: bool) -> Client {
    let mut c = Client::new();
    for &port in ports {
        let spec = common::loopback(port);
        assert_eq!(c.add_server(&spec), ReturnCode::Success);
    }
    c.behavior_set(id::BINARY_PROTOCOL, u64::from(binary))
        .unwrap();
    c
}

fn set(c: &mut Client, key: &[u8], value: &[u8]) -> ReturnCode {
    let req = common::set_request(key, value, 0);
    c.store(&req).unwrap_or_else(|e| e.code)
}

fn get(c: &mut Client, key: &[u8]) -> Result<Option<Vec<u8>>, ReturnCode> {
    let mut sink = VecSink::default();
    match c.get(key, key, &mut sink) {
        Ok(Some(_)) => Ok(Some(sink.value)),
        Ok(None) => Ok(None),
        Err(e) => Err(e.code),
    }
}

fn both(f: impl Fn(bool)) {
    f(false);
    f(true);
}

#[test]
fn hung_server_times_out_within_the_poll_timeout_then_recovers() {
    both(|binary| {
        let s = Memcached::start();
        let mut c = client_for(&[s.port], binary);
        c.behavior_set(id::POLL_TIMEOUT, 300).unwrap();
        assert_eq!(set(&mut c, b"a", b"value-a"), ReturnCode::Success);
        assert_eq!(set(&mut c, b"b", b"value-b"), ReturnCode::Success);
        s.sigstop();
        let t = Instant::now();
        assert_eq!(get(&mut c, b"a"), Err(ReturnCode::Timeout));
        let took = t.elapsed();
        assert!(
            took >= Duration::from_millis(50) && took <= Duration::from_millis(800),
            "get took {took:?}"
        );
        // mget against the hung server times out too.
        let keys = [b"a".to_vec(), b"b".to_vec()];
        let key_at = |i: usize| keys[i].as_slice();
        let t = Instant::now();
        let mut sink = VecSink::default();
        let r = c.mget(None, 2, &key_at).and_then(|_| c.fetch(&mut sink));
        assert_eq!(r.unwrap_err().code, ReturnCode::Timeout);
        assert!(
            t.elapsed() <= Duration::from_millis(1600),
            "mget took {:?}",
            t.elapsed()
        );
        s.sigcont();
        // The replies the server now sends for the timed-out requests must
        // never be taken for the next ones.
        assert_eq!(get(&mut c, b"b"), Ok(Some(b"value-b".to_vec())));
        assert_eq!(get(&mut c, b"a"), Ok(Some(b"value-a".to_vec())));
        c.mget(None, 2, &key_at).unwrap();
        let mut n = 0;
        while c.fetch(&mut sink).unwrap().is_some() {
            assert_eq!(sink.value, [b"value-".as_slice(), &sink.key].concat());
            n += 1;
        }
        assert_eq!(n, 2);
    });
}

#[test]
fn rcv_timeout_bounds_a_read_when_smaller_than_the_poll_timeout() {
    let s = Memcached::start();
    let mut c = client_for(&[s.port], true);
    c.behavior_set(id::POLL_TIMEOUT, 3000).unwrap();
    c.behavior_set(id::RCV_TIMEOUT, 200_000).unwrap();
    assert_eq!(set(&mut c, b"a", b"1"), ReturnCode::Success);
    s.sigstop();
    let t = Instant::now();
    assert_eq!(get(&mut c, b"a"), Err(ReturnCode::Timeout));
    assert!(
        t.elapsed() <= Duration::from_millis(700),
        "took {:?}",
        t.elapsed()
    );
    s.sigcont();
    assert_eq!(get(&mut c, b"a"), Ok(Some(b"1".to_vec())));
}

#[test]
fn poll_timeout_zero_times_out_at_once() {
    let s = Memcached::start();
    let mut c = client_for(&[s.port], false);
    assert_eq!(set(&mut c, b"a", b"1"), ReturnCode::Success);
    c.behavior_set(id::POLL_TIMEOUT, 0).unwrap();
    // A hung server: no reply can be there yet (like 1.1.4, a reply that is
    // already there is read; only a wait times out at once).
    s.sigstop();
    let t = Instant::now();
    let mut sink = VecSink::default();
    let e = c.get(b"a", b"a", &mut sink).unwrap_err();
    assert_eq!(e.code, ReturnCode::Timeout);
    assert!(e.message.unwrap().contains("zero"));
    assert!(t.elapsed() < Duration::from_millis(500));
    s.sigcont();
}

#[test]
fn listener_that_never_accepts_times_out() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut c = client_for(&[port], false);
    c.behavior_set(id::POLL_TIMEOUT, 300).unwrap();
    let t = Instant::now();
    assert_eq!(get(&mut c, b"k"), Err(ReturnCode::Timeout));
    assert!(
        t.elapsed() <= Duration::from_millis(800),
        "took {:?}",
        t.elapsed()
    );
    drop(l);
}

#[test]
fn killed_server_gives_connection_failure_then_comes_back_after_restart() {
    both(|binary| {
        let mut s = Memcached::start();
        let mut c = client_for(&[s.port], binary);
        c.behavior_set(id::RETRY_TIMEOUT, 1).unwrap();
        assert_eq!(set(&mut c, b"k", b"v"), ReturnCode::Success);
        s.kill();
        // The open connection is found dead before any reply byte: the get
        // is sent again on a fresh connection, whose connect is refused
        // (README, "Outages"); then the server is in back-off.
        assert_eq!(get(&mut c, b"k"), Err(ReturnCode::ConnectionFailure));
        assert_eq!(
            set(&mut c, b"k", b"v"),
            ReturnCode::ServerTemporarilyDisabled
        );
        s.restart();
        let t = Instant::now();
        loop {
            if set(&mut c, b"k", b"again") == ReturnCode::Success {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "server not used again after restart"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(get(&mut c, b"k"), Ok(Some(b"again".to_vec())));
    });
}

/// Sets and gets every key; true when all of them succeed.
fn all_keys_work(c: &mut Client, keys: &[Vec<u8>]) -> bool {
    keys.iter()
        .all(|k| set(c, k, k) == ReturnCode::Success && get(c, k) == Ok(Some(k.clone())))
}

#[test]
fn ketama_with_remove_failed_keeps_serving_and_takes_the_server_back() {
    let a = Memcached::start();
    let b = Memcached::start();
    let mut dead = Memcached::start();
    let mut c = client_for(&[a.port, b.port, dead.port], true);
    c.behavior_set(id::KETAMA, 1).unwrap();
    c.behavior_set(id::REMOVE_FAILED_SERVERS, 1).unwrap();
    c.behavior_set(id::SERVER_FAILURE_LIMIT, 2).unwrap();
    c.behavior_set(id::RETRY_TIMEOUT, 1).unwrap();
    c.behavior_set(id::DEAD_TIMEOUT, 2).unwrap();
    let keys: Vec<Vec<u8>> = (0..60).map(|i| format!("key-{i}").into_bytes()).collect();
    assert!(all_keys_work(&mut c, &keys));
    let dead_keys: Vec<Vec<u8>> = keys
        .iter()
        .filter(|k| c.server_index(k).unwrap() == 2)
        .cloned()
        .collect();
    assert!(!dead_keys.is_empty());
    dead.kill();
    let t = Instant::now();
    while !all_keys_work(&mut c, &keys) {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "keys still failing 5 s after the server died"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    dead.restart();
    let t = Instant::now();
    loop {
        let _ = all_keys_work(&mut c, &keys);
        if dead_keys.iter().all(|k| c.server_index(k).unwrap() == 2) && all_keys_work(&mut c, &keys)
        {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(2 + 3),
            "dead server's keys did not come back"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn hosted_memcache_settings_keep_serving_when_one_of_two_servers_dies() {
    let a = Memcached::start();
    let mut b = Memcached::start();
    let mut c = client_for(&[a.port, b.port], true);
    for (bh, v) in [
        (id::TCP_NODELAY, 1),
        (id::TCP_KEEPALIVE, 1),
        (id::KETAMA, 1),
        (id::CONNECT_TIMEOUT, 2000),
        (id::SND_TIMEOUT, 750_000),
        (id::RCV_TIMEOUT, 750_000),
        (id::RETRY_TIMEOUT, 2),
        (id::REMOVE_FAILED_SERVERS, 1),
        (id::POLL_TIMEOUT, 2000),
        (id::DEAD_TIMEOUT, 30),
    ] {
        c.behavior_set(bh, v).unwrap();
    }
    let keys: Vec<Vec<u8>> = (0..40).map(|i| format!("dj-{i}").into_bytes()).collect();
    assert!(all_keys_work(&mut c, &keys));
    let b_keys: Vec<Vec<u8>> = keys
        .iter()
        .filter(|k| c.server_index(k).unwrap() == 1)
        .cloned()
        .collect();
    b.kill();
    let t = Instant::now();
    while !all_keys_work(&mut c, &keys) {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "keys still failing 5 s after a server died"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    b.restart();
    let t = Instant::now();
    loop {
        let _ = all_keys_work(&mut c, &keys);
        if b_keys.iter().all(|k| c.server_index(k).unwrap() == 1) {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(6),
            "restarted server not used again"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(all_keys_work(&mut c, &keys));
}

#[test]
fn dead_timeout_zero_does_not_leave_a_server_dead_forever() {
    let mut s = Memcached::start();
    let other = Memcached::start();
    let mut c = client_for(&[s.port, other.port], false);
    c.behavior_set(id::KETAMA, 1).unwrap();
    c.behavior_set(id::REMOVE_FAILED_SERVERS, 1).unwrap();
    c.behavior_set(id::SERVER_FAILURE_LIMIT, 1).unwrap();
    c.behavior_set(id::RETRY_TIMEOUT, 1).unwrap();
    let keys: Vec<Vec<u8>> = (0..30).map(|i| format!("z-{i}").into_bytes()).collect();
    let mine: Vec<Vec<u8>> = keys
        .iter()
        .filter(|k| c.server_index(k).unwrap() == 0)
        .cloned()
        .collect();
    s.kill();
    for k in &keys {
        let _ = set(&mut c, k, k);
    }
    s.restart();
    let t = Instant::now();
    loop {
        let _ = all_keys_work(&mut c, &keys);
        if mine.iter().all(|k| c.server_index(k).unwrap() == 0) && all_keys_work(&mut c, &keys) {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(6),
            "server stayed dead with DEAD_TIMEOUT 0"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn replicas_serve_reads_when_the_primary_is_down() {
    let a = Memcached::start();
    let b = Memcached::start();
    let cc = Memcached::start();
    let mut servers = [a, b, cc];
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let mut c = client_for(&ports, true);
    c.behavior_set(id::NUMBER_OF_REPLICAS, 1).unwrap();
    assert_eq!(set(&mut c, b"rk", b"replicated"), ReturnCode::Success);
    let primary = c.server_index(b"rk").unwrap();
    // The copy is on the next server: a client without replicas sees it there.
    let replica_port = ports[(primary + 1) % 3];
    let mut direct = client_for(&[replica_port], true);
    let t = Instant::now();
    while get(&mut direct, b"rk") != Ok(Some(b"replicated".to_vec())) {
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "the replica never got the value"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    servers[primary].kill();
    let mut got = None;
    for _ in 0..3 {
        if let Ok(Some(v)) = get(&mut c, b"rk") {
            got = Some(v);
            break;
        }
    }
    assert_eq!(got, Some(b"replicated".to_vec()));
    // mget falls over to the replica as well.
    let keys = [b"rk".to_vec()];
    let key_at = |i: usize| keys[i].as_slice();
    c.mget(None, 1, &key_at).unwrap();
    let mut sink = VecSink::default();
    assert!(c.fetch(&mut sink).unwrap().is_some());
    assert_eq!(sink.value, b"replicated");
    // Deletes reach the replica too.
    servers[primary].restart();
    let t = Instant::now();
    while c
        .delete(b"rk", b"rk", 0)
        .is_err_and(|e| e.code != ReturnCode::Notfound)
    {
        assert!(t.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(100));
    }
    let t = Instant::now();
    while get(&mut direct, b"rk") != Ok(None) {
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "the replica kept a deleted value"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn socket_options_reach_the_kernel_and_changes_reconnect() {
    let s = Memcached::start();
    let mut c = client_for(&[s.port], false);
    assert_eq!(set(&mut c, b"k", b"v"), ReturnCode::Success);
    let plain = c.servers[0].conn.as_ref().unwrap().options_in_effect();
    assert!(!plain.nodelay && !plain.keepalive && plain.linger.is_none());
    assert!(plain.cloexec, "sockets are close-on-exec");
    for (bh, v) in [
        (id::TCP_NODELAY, 1),
        (id::TCP_KEEPALIVE, 1),
        (id::TCP_KEEPIDLE, 7),
        (id::NO_BLOCK, 1),
    ] {
        c.behavior_set(bh, v).unwrap();
        // 1.1.4 applies these by reconnecting: the old connection is gone.
        assert!(
            c.servers[0].conn.is_none(),
            "behavior {bh} closes the connection"
        );
    }
    assert_eq!(set(&mut c, b"k", b"v"), ReturnCode::Success);
    let now = c.servers[0].conn.as_ref().unwrap().options_in_effect();
    assert!(now.nodelay && now.keepalive && now.cloexec);
    assert_eq!(now.keepidle, Some(Duration::from_secs(7)));
    assert_eq!(
        now.linger,
        Some(Duration::from_secs(0)),
        "NO_BLOCK sets SO_LINGER {{1, 0}}"
    );
    c.behavior_set(id::SOCKET_SEND_SIZE, 65536).unwrap();
    c.behavior_set(id::SOCKET_RECV_SIZE, 65536).unwrap();
    assert_eq!(set(&mut c, b"k", b"v"), ReturnCode::Success);
    assert_eq!(c.behavior_get(id::SOCKET_SEND_SIZE), 65536);
    let conn = c.servers[0].conn.as_ref().unwrap();
    assert!(conn.send_buffer_size() >= 65536 && conn.recv_buffer_size() >= 65536);
}
