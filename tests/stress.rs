//! Concurrency stress through the C API (issue 8, item 5).
//!
//! The rules being exercised (as in libmemcached 1.1.4): a `memcached_st` is
//! used by one thread at a time; clones made with `memcached_clone` are
//! independent handles; a `memcached_pool_st` may be shared by any number of
//! threads (pop/push and `memcached_pool_behavior_set` lock it).
//!
//! For each protocol (ASCII, binary), against 3 real memcached servers:
//! [`THREADS`] threads each own one clone of a master handle and share one
//! pool made from that master (4 initial, [`POOL_MAX`] at most, so threads
//! wait for handles); together they run [`TOTAL_OPS`] data commands through
//! the exported `extern "C"` functions (`memcached::ffi::…`): set, get, mget,
//! delete and increment on their own keys with their clone, get and set on
//! their own keys with a pooled handle, and get/mget of other threads' keys.
//! Thread 0 also changes a behavior of the pool now and then, so handles
//! pushed back are re-cloned while others are out.
//!
//! Every value is derived from its key and a version (the key is prefixed
//! with the thread and protocol), and so are its flags: a value read for
//! the wrong key, a stale value on the writer's own key, a lost write, a
//! key returned twice or not asked for by an mget, or a wrong counter is a
//! failure. At the end every key of every thread is read back and compared
//! with the last write its owner saw acknowledged. Every thread stops at a
//! deadline ([`DEADLINE`]), and every wait in the library is bounded by its
//! poll and pool timeouts.

mod common;

use common::Memcached;
use memcached::core::behavior::id;
use memcached::core::error::ReturnCode;
use memcached::ffi::pool::memcached_pool_st;
use memcached::ffi::types::memcached_st;
use memcached::ffi::{
    auto, behavior, delete, get, memcached as handle, pool, result, server, storage,
};
use std::ffi::{CString, c_char};
use std::time::{Duration, Instant};

/// Worker threads per run.
const THREADS: usize = 16;
/// Data commands per run, over all threads.
const TOTAL_OPS: usize = 100_000;
/// Keys each thread owns (plus one counter).
const KEYS_PER_THREAD: usize = 48;
/// Most keys in one mget.
const MGET_KEYS: usize = 8;
/// The pool's size limit (fewer handles than threads).
const POOL_MAX: u32 = 8;
/// A run must finish within this time.
const DEADLINE: Duration = Duration::from_secs(60);
/// Servers per run.
const SERVERS: usize = 3;

#[test]
fn stress_ascii() {
    stress(false);
}

#[test]
fn stress_binary() {
    stress(true);
}

#[test]
fn values_round_trip_and_reject_crossed_ones() {
    let a = b"s-a-t1-k2";
    let b = b"s-a-t1-k3";
    for version in [0, 1, 31, 32, 1000] {
        let (v, flags) = value(a, version);
        assert_eq!(check_value(a, &v, flags), Ok(version));
        assert!(check_value(b, &v, flags).is_err(), "value of a read as b");
        assert!(check_value(a, &v, flags ^ 1).is_err(), "wrong flags");
        let mut cut = v.clone();
        cut.pop();
        assert!(check_value(a, &cut, flags).is_err(), "short value");
    }
    assert!(
        (0..64).any(|v| value(a, v).0.len() > 16 * 1024),
        "no large values"
    );
}

/// A handle owned by one thread at a time.
struct Memc(*mut memcached_st);
// SAFETY: a handle may move between threads; it is only ever used by the
// thread that holds this wrapper (the rule this test exercises).
unsafe impl Send for Memc {}

/// The pool, shared by every thread.
#[derive(Clone, Copy)]
struct Pool(*mut memcached_pool_st);
// SAFETY: memcached_pool_st is thread-safe (its own mutex); the pointer
// stays valid until every thread was joined.
unsafe impl Send for Pool {}
// SAFETY: as above.
unsafe impl Sync for Pool {}

fn stress(binary: bool) {
    let proto = if binary { "b" } else { "a" };
    let servers: Vec<Memcached> = (0..SERVERS).map(|_| Memcached::start()).collect();
    let master = new_handle(&servers, binary);
    let clones: Vec<Memc> = (0..THREADS)
        .map(|_| {
            let c = handle::memcached_clone(std::ptr::null_mut(), master.0);
            assert!(!c.is_null(), "memcached_clone failed");
            Memc(c)
        })
        .collect();
    let p = pool::memcached_pool_create(master.0, 4, POOL_MAX);
    assert!(!p.is_null(), "memcached_pool_create failed");
    let shared = Pool(p);

    let started = Instant::now();
    let deadline = started + DEADLINE;
    let workers: Vec<_> = clones
        .into_iter()
        .enumerate()
        .map(|(t, own)| {
            std::thread::spawn(move || {
                let mut w = Worker::new(proto, t, own, shared, deadline);
                let outcome = w.run(TOTAL_OPS / THREADS);
                (w, outcome)
            })
        })
        .collect();
    let mut failures = Vec::new();
    let mut finished = Vec::new();
    for (t, worker) in workers.into_iter().enumerate() {
        match worker.join() {
            Ok((w, Ok(()))) => finished.push(w),
            Ok((w, Err(e))) => {
                failures.push(format!("thread {t}: {e}"));
                finished.push(w);
            }
            Err(_) => failures.push(format!("thread {t} panicked")),
        }
    }
    let elapsed = started.elapsed();

    // Every key of every thread holds the last value its owner wrote.
    let checker = new_handle(&servers, binary);
    if failures.is_empty() {
        for w in &finished {
            if let Err(e) = w.verify_all(&checker) {
                failures.push(format!("final check of thread {}: {e}", w.thread));
            }
        }
    }
    let ops: usize = finished.iter().map(|w| w.ops).sum();
    let pooled: usize = finished.iter().map(|w| w.pooled).sum();

    for w in finished {
        handle::memcached_free(w.own.0);
    }
    let back = pool::memcached_pool_destroy(shared.0);
    assert_eq!(back, master.0, "memcached_pool_destroy returns the master");
    handle::memcached_free(master.0);
    handle::memcached_free(checker.0);
    drop(servers);

    eprintln!(
        "stress {}: {ops} commands ({pooled} with pooled handles) by {THREADS} threads in {:.2}s",
        if binary { "binary" } else { "ascii" },
        elapsed.as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(ops, TOTAL_OPS, "every command ran");
    assert!(elapsed < DEADLINE, "took {elapsed:?}");
}

/// A handle on `servers` speaking the given protocol.
fn new_handle(servers: &[Memcached], binary: bool) -> Memc {
    let m = handle::memcached_create(std::ptr::null_mut());
    assert!(!m.is_null(), "memcached_create failed");
    let host = CString::new("127.0.0.1").expect("no NUL");
    for s in servers {
        let rc = server::memcached_server_add(m, host.as_ptr(), s.port);
        assert_eq!(rc, ReturnCode::Success, "memcached_server_add");
    }
    for (flag, data) in [
        (id::BINARY_PROTOCOL, u64::from(binary)),
        (id::POLL_TIMEOUT, 5_000),
        (id::CONNECT_TIMEOUT, 5_000),
    ] {
        let rc = behavior::memcached_behavior_set(m, flag, data);
        assert_eq!(rc, ReturnCode::Success, "behavior {flag}");
    }
    Memc(m)
}

/// The key `k` of thread `t` (protocol `proto`).
fn key_of(proto: &str, t: usize, k: usize) -> Vec<u8> {
    format!("s-{proto}-t{t}-k{k}").into_bytes()
}

/// A 64-bit mix (splitmix64 finaliser).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The value and flags of `key` at `version`: "KEY#VERSION#" and filler
/// bytes, mostly short, one in 32 between 16 and 48 KB.
fn value(key: &[u8], version: u32) -> (Vec<u8>, u32) {
    let seed = mix(fnv(key) ^ u64::from(version));
    let len = if seed.is_multiple_of(32) {
        16 * 1024 + (seed >> 8) as usize % (32 * 1024)
    } else {
        (seed >> 8) as usize % 300
    };
    let mut v = Vec::with_capacity(key.len() + 12 + len);
    v.extend_from_slice(key);
    v.extend_from_slice(format!("#{version}#").as_bytes());
    let mut x = seed;
    for i in 0..len {
        if i % 8 == 0 {
            x = mix(x);
        }
        v.push(b'!' + ((x >> ((i % 8) * 8)) as u8 % 90));
    }
    (v, (seed >> 32) as u32)
}

/// The version of a value read for `key`; Err describes what is wrong.
fn check_value(key: &[u8], got: &[u8], flags: u32) -> Result<u32, String> {
    let show = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(60)]).into_owned();
    let version = got
        .strip_prefix(key)
        .and_then(|rest| rest.strip_prefix(b"#"))
        .and_then(|rest| {
            let end = rest.iter().position(|&c| c == b'#')?;
            std::str::from_utf8(&rest[..end]).ok()?.parse::<u32>().ok()
        })
        .ok_or_else(|| format!("value for {} is not its own: {:?}…", show(key), show(got)))?;
    let (want, want_flags) = value(key, version);
    if got != want.as_slice() {
        return Err(format!(
            "value of {} version {version} corrupt: {} bytes, want {}",
            show(key),
            got.len(),
            want.len()
        ));
    }
    if flags != want_flags {
        return Err(format!(
            "flags of {} version {version}: {flags:#x}, want {want_flags:#x}",
            show(key)
        ));
    }
    Ok(version)
}

/// What one thread knows and does.
struct Worker {
    proto: &'static str,
    thread: usize,
    own: Memc,
    pool: Pool,
    deadline: Instant,
    rng: u64,
    /// The version last written (and acknowledged) per own key; None when
    /// deleted or never written.
    written: Vec<Option<u32>>,
    next_version: u32,
    counter: u64,
    /// Data commands run.
    ops: usize,
    /// Of those, with a handle popped from the pool.
    pooled: usize,
}

impl Worker {
    fn new(proto: &'static str, thread: usize, own: Memc, pool: Pool, deadline: Instant) -> Worker {
        Worker {
            proto,
            thread,
            own,
            pool,
            deadline,
            rng: mix(thread as u64 + 1) | 1,
            written: vec![None; KEYS_PER_THREAD],
            next_version: 0,
            counter: 0,
            ops: 0,
            pooled: 0,
        }
    }

    fn random(&mut self, below: usize) -> usize {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % below as u64) as usize
    }

    fn key(&self, k: usize) -> Vec<u8> {
        key_of(self.proto, self.thread, k)
    }

    fn counter_key(&self) -> Vec<u8> {
        format!("s-{}-t{}-counter", self.proto, self.thread).into_bytes()
    }

    fn run(&mut self, ops: usize) -> Result<(), String> {
        let counter = self.counter_key();
        expect_rc(set(&self.own, &counter, b"0", 0), "set counter")?;
        self.ops += 1;
        while self.ops < ops {
            if Instant::now() > self.deadline {
                return Err(format!("deadline passed after {} commands", self.ops));
            }
            let step = self.ops;
            self.step()
                .map_err(|e| format!("command {step} (protocol {}): {e}", self.proto))?;
            if self.thread == 0 && step.is_multiple_of(1000) {
                let rc = {
                    pool::memcached_pool_behavior_set(
                        self.pool.0,
                        id::POLL_TIMEOUT,
                        5_000 + (step / 1000) as u64,
                    )
                };
                expect_rc(rc, "memcached_pool_behavior_set")?;
            }
        }
        Ok(())
    }

    /// One data command, chosen at random.
    fn step(&mut self) -> Result<(), String> {
        let choice = self.random(100);
        let k = self.random(KEYS_PER_THREAD);
        let key = self.key(k);
        self.ops += 1;
        match choice {
            0..25 => {
                let version = self.next_version;
                self.next_version += 1;
                let (v, flags) = value(&key, version);
                expect_rc(set(&self.own, &key, &v, flags), "set")?;
                self.written[k] = Some(version);
            }
            25..50 => self.expect_own(&self.own, k, "get")?,
            50..58 => {
                let pooled = self.pop()?;
                let checked = self.expect_own(&pooled, k, "get with a pooled handle");
                self.push(pooled)?;
                checked?;
            }
            58..63 => {
                let version = self.next_version;
                self.next_version += 1;
                let (v, flags) = value(&key, version);
                let pooled = self.pop()?;
                let rc = set(&pooled, &key, &v, flags);
                self.push(pooled)?;
                expect_rc(rc, "set with a pooled handle")?;
                self.written[k] = Some(version);
            }
            63..73 => {
                let n = 1 + self.random(MGET_KEYS);
                // Distinct keys: a key asked for twice is returned twice.
                let mut ks: Vec<usize> = (0..n).map(|_| self.random(KEYS_PER_THREAD)).collect();
                ks.sort_unstable();
                ks.dedup();
                let keys: Vec<Vec<u8>> = ks.iter().map(|&k| self.key(k)).collect();
                let found = mget(&self.own, &keys)?;
                for (&k, key) in ks.iter().zip(&keys) {
                    let got = found.iter().find(|(fk, _)| fk == key).map(|(_, v)| *v);
                    if got != self.written[k] {
                        return Err(format!(
                            "mget {}: version {got:?}, last written {:?}",
                            String::from_utf8_lossy(key),
                            self.written[k]
                        ));
                    }
                }
            }
            73..78 => {
                let rc = del(&self.own, &key);
                let want = if self.written[k].is_some() {
                    ReturnCode::Success
                } else {
                    ReturnCode::Notfound
                };
                if rc != want {
                    return Err(format!(
                        "delete {}: {rc:?}, want {want:?}",
                        String::from_utf8_lossy(&key)
                    ));
                }
                self.written[k] = None;
            }
            78..83 => {
                let counter = self.counter_key();
                let got = incr(&self.own, &counter)?;
                self.counter += 1;
                if got != self.counter {
                    return Err(format!("increment: {got}, want {}", self.counter));
                }
            }
            83..93 => {
                let other = self.random(THREADS);
                let key = key_of(self.proto, other, k);
                let pooled = self.pop()?;
                let got = get_value(&pooled, &key);
                self.push(pooled)?;
                if let Some((v, flags)) = got? {
                    check_value(&key, &v, flags)?;
                }
            }
            _ => {
                let n = 1 + self.random(MGET_KEYS);
                let mut keys: Vec<Vec<u8>> = (0..n)
                    .map(|_| {
                        let (t, k) = (self.random(THREADS), self.random(KEYS_PER_THREAD));
                        key_of(self.proto, t, k)
                    })
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                mget(&self.own, &keys)?;
            }
        }
        Ok(())
    }

    /// Reads own key `k` with `m`; it must hold exactly the last version written.
    fn expect_own(&self, m: &Memc, k: usize, what: &str) -> Result<(), String> {
        let key = self.key(k);
        let got = match get_value(m, &key)? {
            Some((v, flags)) => Some(check_value(&key, &v, flags)?),
            None => None,
        };
        if got != self.written[k] {
            return Err(format!(
                "{what} {}: version {got:?}, last written {:?}",
                String::from_utf8_lossy(&key),
                self.written[k]
            ));
        }
        Ok(())
    }

    fn pop(&mut self) -> Result<Memc, String> {
        let mut rc: memcached::ffi::types::memcached_return_t = ReturnCode::MaximumReturn.into();
        let m = pool::memcached_pool_pop(self.pool.0, true, &mut rc);
        if m.is_null() {
            return Err(format!("memcached_pool_pop: NULL ({rc:?})"));
        }
        self.pooled += 1;
        Ok(Memc(m))
    }

    fn push(&self, m: Memc) -> Result<(), String> {
        let rc = pool::memcached_pool_push(self.pool.0, m.0);
        expect_rc(rc, "memcached_pool_push")
    }

    /// Every own key (in mgets of [`MGET_KEYS`]) and the counter, read with
    /// `m`, match what this thread last wrote.
    fn verify_all(&self, m: &Memc) -> Result<(), String> {
        let keys: Vec<Vec<u8>> = (0..KEYS_PER_THREAD).map(|k| self.key(k)).collect();
        for (chunk, keys) in keys.chunks(MGET_KEYS).enumerate() {
            let found = mget(m, keys)?;
            for (i, key) in keys.iter().enumerate() {
                let k = chunk * MGET_KEYS + i;
                let got = found.iter().find(|(fk, _)| fk == key).map(|(_, v)| *v);
                if got != self.written[k] {
                    return Err(format!(
                        "{}: version {got:?}, last written {:?} (lost write)",
                        String::from_utf8_lossy(key),
                        self.written[k]
                    ));
                }
            }
        }
        let counter = get_value(m, &self.counter_key())?.map(|(v, _)| v);
        let want = self.counter.to_string().into_bytes();
        if counter.as_deref() != Some(want.as_slice()) {
            return Err(format!(
                "counter: {:?}, want {}",
                counter.map(|v| String::from_utf8_lossy(&v).into_owned()),
                self.counter
            ));
        }
        Ok(())
    }
}

fn expect_rc(
    rc: impl Into<memcached::ffi::types::memcached_return_t>,
    what: &str,
) -> Result<(), String> {
    let rc = rc.into();
    if rc == ReturnCode::Success {
        Ok(())
    } else {
        Err(format!("{what}: {rc:?}"))
    }
}

fn set(m: &Memc, key: &[u8], value: &[u8], flags: u32) -> ReturnCode {
    storage::memcached_set(
        m.0,
        key.as_ptr().cast(),
        key.len(),
        value.as_ptr().cast(),
        value.len(),
        0,
        flags,
    )
    .status()
}

fn del(m: &Memc, key: &[u8]) -> ReturnCode {
    delete::memcached_delete(m.0, key.as_ptr().cast(), key.len(), 0).status()
}

fn incr(m: &Memc, key: &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    // SAFETY: a handle used by this thread only; key valid; `value` writable.
    let rc = auto::memcached_increment(m.0, key.as_ptr().cast(), key.len(), 1, &mut value);
    expect_rc(rc, "increment")?;
    Ok(value)
}

/// `memcached_get`: the value and flags, None on a miss.
fn get_value(m: &Memc, key: &[u8]) -> Result<Option<(Vec<u8>, u32)>, String> {
    let (mut len, mut flags) = (0usize, 0u32);
    let mut rc: memcached::ffi::types::memcached_return_t = ReturnCode::MaximumReturn.into();
    let v = {
        get::memcached_get(
            m.0,
            key.as_ptr().cast(),
            key.len(),
            &mut len,
            &mut flags,
            &mut rc,
        )
    };
    if v.is_null() {
        return match rc.status() {
            ReturnCode::Notfound => Ok(None),
            // Our values are never empty.
            rc => Err(format!(
                "get {}: NULL with {rc:?}",
                String::from_utf8_lossy(key)
            )),
        };
    }
    // SAFETY: the library returned `len` bytes (plus a NUL) it allocated with malloc.
    let bytes = unsafe { std::slice::from_raw_parts(v.cast::<u8>(), len) }.to_vec();
    // SAFETY: the caller owns the value and frees it with free().
    unsafe { libc::free(v.cast()) };
    if rc != ReturnCode::Success {
        return Err(format!("get: a value with {rc:?}"));
    }
    Ok(Some((bytes, flags)))
}

/// `memcached_mget` + `memcached_fetch_result`: (key, version) of each value
/// found, every value checked against its key; a key not asked for or
/// returned twice is an error.
fn mget(m: &Memc, keys: &[Vec<u8>]) -> Result<Vec<(Vec<u8>, u32)>, String> {
    let ptrs: Vec<*const c_char> = keys.iter().map(|k| k.as_ptr().cast()).collect();
    let lens: Vec<usize> = keys.iter().map(Vec::len).collect();
    let rc = get::memcached_mget(m.0, ptrs.as_ptr(), lens.as_ptr(), keys.len());
    expect_rc(rc, "mget")?;
    let mut found: Vec<(Vec<u8>, u32)> = Vec::new();
    // At most one result per key, then the end.
    for _ in 0..=keys.len() {
        let mut rc: memcached::ffi::types::memcached_return_t = ReturnCode::MaximumReturn.into();
        let r = get::memcached_fetch_result(m.0, std::ptr::null_mut(), &mut rc);
        if r.is_null() {
            return match rc.status() {
                ReturnCode::End | ReturnCode::Notfound => Ok(found),
                rc => Err(format!("fetch_result: NULL with {rc:?}")),
            };
        }
        // SAFETY: `r` is a live result; its key and value are valid for their lengths.
        let (key, val, flags) = unsafe {
            let k = std::slice::from_raw_parts(
                result::memcached_result_key_value(r).cast::<u8>(),
                result::memcached_result_key_length(r),
            )
            .to_vec();
            let len = result::memcached_result_length(r);
            let v = if len == 0 {
                Vec::new()
            } else {
                std::slice::from_raw_parts(result::memcached_result_value(r).cast::<u8>(), len)
                    .to_vec()
            };
            (k, v, result::memcached_result_flags(r))
        };
        result::memcached_result_free(r);
        if rc != ReturnCode::Success {
            return Err(format!("fetch_result: a result with {rc:?}"));
        }
        if !keys.contains(&key) {
            return Err(format!(
                "mget returned {} which was not asked for",
                String::from_utf8_lossy(&key)
            ));
        }
        if found.iter().any(|(k, _)| *k == key) {
            return Err(format!(
                "mget returned {} twice",
                String::from_utf8_lossy(&key)
            ));
        }
        let version = check_value(&key, &val, flags)?;
        found.push((key, version));
    }
    Err(format!("mget of {} keys returned more results", keys.len()))
}
