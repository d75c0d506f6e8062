//! Fuzzes the client end to end: the input is what a (hostile) server
//! sends back, served over a unix socket to a real `core::client::Client`,
//! so the reply readers of `core/src/client/` (`wire.rs`, `retrieve.rs`,
//! `storage.rs`, `admin.rs`) run exactly as they do against memcached.
//!
//! The first input byte picks the protocol (bit 0) and the command (the
//! rest): get, mget + fetch, set, delete, incr, touch, version or stats. A
//! fresh handle per input keeps opaques deterministic. The server thread
//! writes the remaining bytes, shuts its side down (so the client sees EOF
//! instead of waiting for a timeout) and drains the request.
//!
//! Seeds: with `FUZZ_RECORD=DIR FUZZ_MEMCACHED=127.0.0.1:PORT` the server
//! thread instead proxies each request to a real memcached and saves the
//! selector byte plus memcached's reply in DIR (run the target over inputs
//! that are just a selector byte, e.g. `-runs=` over a directory of them).
//!
//! Invariants beyond "no panic": a value is only ever returned for a key
//! that was asked for; a fetched value has the length the metadata says and
//! its bytes were sent by the server; an mget yields at most one value per
//! key; every failure is an `Err` with a code, never a hang.
#![no_main]

use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use memcached::core::behavior::id;
use memcached::core::client::storage::{Store, StoreMode};
use memcached::core::client::{Client, ValueSink};
use memcached::core::error::{Error, Result, ReturnCode};
use memcached::core::server_list::{ServerKind, ServerSpec};

/// Values larger than this are refused by the sink, as a failed `malloc`
/// would be: libFuzzer's RSS limit must not turn a hostile length into a
/// "finding" the real (lazily committed) allocation would not have.
const SINK_LIMIT: usize = 1 << 20;

struct Harness {
    path: PathBuf,
    /// The selector byte and the reply bytes of the current input.
    reply: Arc<Mutex<(u8, Vec<u8>)>>,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

fn harness() -> &'static Harness {
    HARNESS.get_or_init(|| {
        // libFuzzer's own main runs, not Rust's, so SIGPIPE is not ignored.
        // SAFETY: setting a signal disposition to SIG_IGN has no
        // preconditions.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
        remove_stale_sockets();
        let path = std::env::temp_dir().join(format!("{SOCKET_PREFIX}{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).expect("bind the fuzz socket");
        let reply = Arc::new(Mutex::new((0, Vec::new())));
        let shared = Arc::clone(&reply);
        std::thread::spawn(move || serve(listener, shared));
        Harness { path, reply }
    })
}

const SOCKET_PREFIX: &str = "libmemcached-rs-fuzz-";

/// Removes the sockets of earlier runs whose process is gone.
fn remove_stale_sockets() {
    let Ok(dir) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(SOCKET_PREFIX))
            .and_then(|n| n.strip_suffix(".sock"))
        else {
            continue;
        };
        if !std::path::Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Answers every connection with the current reply bytes, then EOF.
fn serve(listener: UnixListener, reply: Arc<Mutex<(u8, Vec<u8>)>>) {
    let record = std::env::var_os("FUZZ_RECORD").map(PathBuf::from);
    let upstream = std::env::var("FUZZ_MEMCACHED").ok();
    for conn in listener.incoming() {
        let Ok(mut c) = conn else { continue };
        let (sel, mut data) = reply.lock().expect("reply lock").clone();
        let _ = c.set_write_timeout(Some(Duration::from_secs(2)));
        let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
        if let (Some(dir), Some(addr)) = (&record, &upstream) {
            data = proxy_once(&mut c, addr);
            // The checks compare against what was actually served.
            reply.lock().expect("reply lock").1 = data.clone();
            let mut seed = vec![sel];
            seed.extend_from_slice(&data);
            let _ = std::fs::write(dir.join(format!("real-{sel:02x}")), seed);
        }
        let _ = c.write_all(&data);
        let _ = c.shutdown(Shutdown::Write);
        // Drain the request until the client closes (each read bounded).
        let mut sink = [0u8; 4096];
        while let Ok(n) = c.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
    }
}

/// Seed recording: forwards what the client sends within 300 ms to a real
/// memcached and returns what it answers within 300 ms.
fn proxy_once(c: &mut std::os::unix::net::UnixStream, addr: &str) -> Vec<u8> {
    let wait = Some(Duration::from_millis(300));
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    let _ = c.set_read_timeout(wait);
    while let Ok(n @ 1..) = c.read(&mut buf) {
        request.extend_from_slice(&buf[..n]);
    }
    let Ok(mut m) = std::net::TcpStream::connect(addr) else {
        return Vec::new();
    };
    let _ = m.set_read_timeout(wait);
    let _ = m.write_all(&request);
    let mut answer = Vec::new();
    while let Ok(n @ 1..) = m.read(&mut buf) {
        answer.extend_from_slice(&buf[..n]);
    }
    let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
    answer
}

/// Keeps the last value, refusing huge ones like a failed allocation.
#[derive(Default)]
struct Sink {
    key: Vec<u8>,
    value: Vec<u8>,
    count: usize,
}

impl ValueSink for Sink {
    fn value_buffer(
        &mut self,
        key: &[u8],
        _flags: u32,
        _cas: u64,
        len: usize,
    ) -> Result<&mut [u8]> {
        if len > SINK_LIMIT {
            return Err(Error::new(ReturnCode::MemoryAllocationFailure));
        }
        self.count += 1;
        self.key = key.to_vec();
        self.value = vec![0; len];
        Ok(&mut self.value)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn check_err(e: &Error) {
    assert_ne!(
        e.code,
        ReturnCode::Success,
        "an error with code SUCCESS: {e:?}"
    );
}

const KEYS: [&[u8]; 3] = [b"k1", b"nokey", b"k3"];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, reply)) = data.split_first() else {
        return;
    };
    let h = harness();
    *h.reply.lock().expect("reply lock") = (sel, reply.to_vec());
    let served = || h.reply.lock().expect("reply lock").1.clone();

    let mut c = Client::new();
    let binary = sel & 1 == 1;
    c.behavior_set(id::BINARY_PROTOCOL, u64::from(binary))
        .expect("binary");
    c.behavior_set(id::POLL_TIMEOUT, 5000)
        .expect("poll timeout");
    c.behavior_set(id::CONNECT_TIMEOUT, 5000)
        .expect("connect timeout");
    let spec = ServerSpec {
        hostname: h.path.to_str().expect("utf-8 path").to_owned(),
        port: 0,
        weight: 1,
        kind: ServerKind::UnixSocket,
    };
    assert_eq!(c.add_server(&spec), ReturnCode::Success);

    let mut sink = Sink::default();
    match (sel >> 1) % 8 {
        0 => match c.get(b"k1", b"k1", &mut sink) {
            Ok(Some(meta)) => {
                assert_eq!(sink.count, 1);
                assert_eq!(sink.key, b"k1", "value returned for another key");
                assert_eq!(meta.len, sink.value.len());
                assert!(
                    contains(&served(), &sink.value),
                    "value not sent by the server"
                );
            }
            Ok(None) => {}
            Err(e) => check_err(&e),
        },
        1 => match c.mget(None, KEYS.len(), &|i| KEYS[i]) {
            Ok(_) => {
                let mut seen = Vec::new();
                // Bounded: at most one value per key is allowed, so more
                // than KEYS.len() + 1 rounds is itself a failure.
                for _ in 0..=KEYS.len() {
                    match c.fetch(&mut sink) {
                        Ok(Some(meta)) => {
                            assert!(
                                KEYS.contains(&&sink.key[..]),
                                "unrequested key {:?}",
                                sink.key
                            );
                            assert!(!seen.contains(&sink.key), "key {:?} twice", sink.key);
                            assert_eq!(meta.len, sink.value.len());
                            assert!(contains(&served(), &sink.value), "value not sent");
                            seen.push(sink.key.clone());
                        }
                        Ok(None) => break,
                        Err(e) => {
                            check_err(&e);
                            break;
                        }
                    }
                }
                assert!(seen.len() <= KEYS.len());
            }
            Err(e) => check_err(&e),
        },
        2 => {
            let req = Store {
                mode: StoreMode::Set,
                group: b"k1",
                key: b"k1",
                value: b"hello",
                exptime: 0,
                flags: 0,
                cas: 0,
            };
            if let Err(e) = c.store(&req) {
                check_err(&e);
            }
        }
        3 => {
            if let Err(e) = c.delete(b"k1", b"k1", 0) {
                check_err(&e);
            }
        }
        4 => {
            if let Err(e) = c.arith(true, b"n", b"n", 1, None) {
                check_err(&e);
            }
        }
        5 => {
            if let Err(e) = c.touch(b"k1", b"k1", 10) {
                check_err(&e);
            }
        }
        6 => {
            if let Err(e) = c.version() {
                check_err(&e);
            }
        }
        _ => {
            let mut stats = 0usize;
            let r = c.stats_server(0, None, &mut |_name: &[u8], value: &[u8]| {
                assert!(contains(&served(), value), "stat value not sent");
                stats += 1;
                Ok(())
            });
            if let Err(e) = r {
                check_err(&e);
            }
        }
    }
    drop(c);
});
