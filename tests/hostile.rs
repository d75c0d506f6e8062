//! Hostile-server tests (issue 8, item 1): a fake memcached inside the test
//! (loopback, one thread per connection, bounded lifetime) misbehaves on its
//! FIRST connection in one way per scenario, and answers correctly on every
//! later connection. Driven through the safe core API in both protocols,
//! each scenario checks that the client
//!
//! * returns an error code (from an allowed set; the observed code is
//!   printed, run with `--nocapture` to see it),
//! * within generous bounds of the configured timeouts
//!   (POLL_TIMEOUT = [`POLL_MS`]),
//! * without the process's peak memory (VmHWM, reset before each scenario
//!   through `/proc/self/clear_refs` where allowed) growing by
//!   [`MAX_GROWTH`] or more, and without ever asking its sink for a buffer
//!   of more than [`SINK_CAP`] bytes (the sink refuses such a request, so a
//!   bug cannot take the machine down),
//! * and that the SAME client works again right afterwards (a set and a get
//!   of a fresh key, served by the fake's next connection): a client that
//!   keeps a desynchronised connection open fails this part.
//!
//! Scenarios are serialised by a global lock so memory readings belong to
//! one scenario. Scenarios that only make sense in one protocol (binary
//! magic/opaque/body length, the ASCII `VALUE` length) run only there.

mod common;

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use memcached::core::behavior::id;
use memcached::core::client::{Client, ValueSink, VecSink};
use memcached::core::error::{Result as CoreResult, ReturnCode};

/// POLL_TIMEOUT given to the client (ms).
const POLL_MS: u64 = 300;
/// CONNECT_TIMEOUT given to the client (ms).
const CONNECT_MS: u64 = 1000;
/// Largest allowed growth of VmHWM during one scenario.
const MAX_GROWTH: u64 = 64 << 20;
/// Largest buffer the test sink hands out; a bigger request is refused
/// and recorded.
const SINK_CAP: usize = 16 << 20;
/// Longest a fake server (and each of its connections) lives.
const LIFETIME: Duration = Duration::from_secs(30);
/// Period of the trickling server.
const TRICKLE_EVERY: Duration = Duration::from_millis(50);
/// Value length the trickling server announces: at one byte per
/// [`TRICKLE_EVERY`] the whole reply takes more than 10 s.
const TRICKLE_LEN: usize = 200;

// ----- the fake server ---------------------------------------------------------------

/// What the fake does on its first connection.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Act {
    /// Binary reply header announcing a 4 GiB - 1 body, then 64 KiB, then silence.
    BinaryBody4G,
    /// `VALUE <key> 0 4294967295`, then 64 KiB, then silence.
    AsciiValue4G,
    /// 64 KiB of pseudo-random bytes, then silence.
    Garbage,
    /// A reply announcing 100 value bytes, 10 of them, then close.
    CutOff,
    /// A correct reply with a [`TRICKLE_LEN`]-byte value, one byte every
    /// [`TRICKLE_EVERY`].
    Trickle,
    /// A well-formed binary reply whose magic is 0x80 (a request's), then silence.
    WrongMagic,
    /// A well-formed binary reply (value "evil") for the opaque after the
    /// request's; the connection keeps serving correctly afterwards.
    OpaqueAhead,
    /// A well-formed binary reply for the opaque before the request's (a
    /// stale one), then silence.
    OpaqueBehind,
    /// VALUE replies for the requested keys, over and over, never END/NOOP.
    EndlessValues,
    /// A complete reply for a key that was not requested ("zzz", value
    /// "evil"); the connection keeps serving correctly afterwards.
    UnaskedKey,
    /// Reads requests, never answers.
    Silent,
    /// Closes the connection as soon as it is accepted.
    CloseAtOnce,
    /// No misbehaviour at all: serves correctly from the first connection.
    Serve,
}

/// A fake memcached on 127.0.0.1; stops (and joins its threads) on drop.
struct Fake {
    port: u16,
    stop: Arc<AtomicBool>,
    /// Connections accepted so far.
    accepted: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Fake {
    fn start(act: Act, binary: bool) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let store = Arc::new(Mutex::new(HashMap::new()));
        let (stop2, accepted2) = (stop.clone(), accepted.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + LIFETIME;
            let mut workers = Vec::new();
            while !stop2.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let n = accepted2.fetch_add(1, Ordering::SeqCst);
                        let mut peer = Peer::new(stream, stop2.clone(), deadline, store.clone());
                        workers.push(std::thread::spawn(move || {
                            if n == 0 {
                                peer.hostile(act, binary);
                            } else {
                                peer.serve(binary);
                            }
                        }));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            stop2.store(true, Ordering::Relaxed);
            for w in workers {
                let _ = w.join();
            }
        });
        Fake {
            port,
            stop,
            accepted,
            thread: Some(thread),
        }
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One request as the fake understood it.
#[derive(Debug, Default)]
struct Req {
    /// Binary opcode, or 0xff for an ASCII command.
    opcode: u8,
    opaque: u32,
    /// ASCII command word (`get`, `set`, …).
    cmd: String,
    keys: Vec<Vec<u8>>,
    flags: u32,
    value: Vec<u8>,
}

/// Binary opcodes the fake knows.
mod op {
    pub const GET: u8 = 0x00;
    pub const SET: u8 = 0x01;
    pub const QUIT: u8 = 0x07;
    pub const GETQ: u8 = 0x09;
    pub const NOOP: u8 = 0x0a;
    pub const VERSION: u8 = 0x0b;
    pub const GETK: u8 = 0x0c;
    pub const GETKQ: u8 = 0x0d;
    pub const QUITQ: u8 = 0x17;
}

/// One accepted connection of the fake.
struct Peer {
    s: TcpStream,
    buf: Vec<u8>,
    stop: Arc<AtomicBool>,
    deadline: Instant,
    store: SharedStore,
}

/// What the fake's connections have stored: key -> (flags, value).
type SharedStore = Arc<Mutex<HashMap<Vec<u8>, (u32, Vec<u8>)>>>;

impl Peer {
    fn new(s: TcpStream, stop: Arc<AtomicBool>, deadline: Instant, store: SharedStore) -> Peer {
        s.set_nonblocking(false).expect("blocking stream");
        s.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("read timeout");
        s.set_write_timeout(Some(Duration::from_millis(50)))
            .expect("write timeout");
        Peer {
            s,
            buf: Vec::new(),
            stop,
            deadline,
            store,
        }
    }

    fn over(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }

    /// Make `n` bytes available in `buf`; false on EOF, error or stop.
    fn need(&mut self, n: usize) -> bool {
        let mut chunk = [0u8; 4096];
        while self.buf.len() < n {
            if self.over() || self.buf.len() > 1 << 20 {
                return false;
            }
            match self.s.read(&mut chunk) {
                Ok(0) => return false,
                Ok(k) => self.buf.extend_from_slice(&chunk[..k]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// Bytes up to and including the next `\n`.
    fn line(&mut self) -> Option<Vec<u8>> {
        let mut have = 0;
        loop {
            if let Some(i) = self.buf[have..].iter().position(|&b| b == b'\n') {
                return Some(self.buf.drain(..have + i + 1).collect());
            }
            have = self.buf.len();
            if !self.need(have + 1) {
                return None;
            }
        }
    }

    /// Write everything; false when the client went away or time is up.
    fn send(&mut self, mut data: &[u8]) -> bool {
        while !data.is_empty() {
            if self.over() {
                return false;
            }
            match self.s.write(data) {
                Ok(0) => return false,
                Ok(n) => data = &data[n..],
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// One binary request packet.
    fn binary_packet(&mut self) -> Option<Req> {
        if !self.need(24) {
            return None;
        }
        let h: Vec<u8> = self.buf.drain(..24).collect();
        let keylen = u16::from_be_bytes([h[2], h[3]]) as usize;
        let extlen = h[4] as usize;
        let body = u32::from_be_bytes([h[8], h[9], h[10], h[11]]) as usize;
        if !self.need(body) {
            return None;
        }
        let b: Vec<u8> = self.buf.drain(..body).collect();
        let flags = if h[1] == op::SET && extlen >= 4 {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        } else {
            0
        };
        Some(Req {
            opcode: h[1],
            opaque: u32::from_be_bytes([h[12], h[13], h[14], h[15]]),
            cmd: String::new(),
            keys: vec![b[extlen..extlen + keylen].to_vec()],
            flags,
            value: b[extlen + keylen..].to_vec(),
        })
    }

    /// One ASCII command (with its data block for storage commands).
    fn ascii_command(&mut self) -> Option<Req> {
        let line = self.line()?;
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let mut words = text.split(' ');
        let cmd = words.next().unwrap_or("").to_string();
        let rest: Vec<&str> = words.collect();
        let mut req = Req {
            opcode: 0xff,
            cmd: cmd.clone(),
            ..Req::default()
        };
        match cmd.as_str() {
            "set" | "add" | "replace" | "append" | "prepend" | "cas" => {
                let n: usize = rest.get(3)?.parse().ok()?;
                req.keys = vec![rest.first()?.as_bytes().to_vec()];
                req.flags = rest.get(1)?.parse().ok()?;
                if !self.need(n + 2) {
                    return None;
                }
                req.value = self.buf.drain(..n + 2).take(n).collect();
            }
            _ => req.keys = rest.iter().map(|k| k.as_bytes().to_vec()).collect(),
        }
        Some(req)
    }

    /// One unit of work: an ASCII command, or binary packets up to and
    /// including the first non-quiet one (a whole multi-get).
    fn unit(&mut self, binary: bool) -> Option<Vec<Req>> {
        if !binary {
            return self.ascii_command().map(|r| vec![r]);
        }
        let mut reqs = Vec::new();
        loop {
            let r = self.binary_packet()?;
            let quiet = matches!(r.opcode, op::GETQ | op::GETKQ);
            reqs.push(r);
            if !quiet || reqs.len() > 1000 {
                return Some(reqs);
            }
        }
    }

    /// Behave like memcached (set/get/gets/version/noop/quit) until the
    /// client leaves.
    fn serve(&mut self, binary: bool) {
        while let Some(unit) = self.unit(binary) {
            for r in unit {
                let reply = if binary {
                    self.binary_answer(&r)
                } else {
                    self.ascii_answer(&r)
                };
                match reply {
                    Some(bytes) => {
                        if !self.send(&bytes) {
                            return;
                        }
                    }
                    None => return,
                }
            }
        }
    }

    /// Reply to one ASCII command; `None` means close.
    fn ascii_answer(&mut self, r: &Req) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        match r.cmd.as_str() {
            "set" => {
                let mut st = self.store.lock().unwrap_or_else(|e| e.into_inner());
                st.insert(r.keys[0].clone(), (r.flags, r.value.clone()));
                out.extend_from_slice(b"STORED\r\n");
            }
            "get" | "gets" => {
                let st = self.store.lock().unwrap_or_else(|e| e.into_inner());
                for k in &r.keys {
                    if let Some((flags, v)) = st.get(k) {
                        out.extend_from_slice(&value_line(k, *flags, v.len(), r.cmd == "gets"));
                        out.extend_from_slice(v);
                        out.extend_from_slice(b"\r\n");
                    }
                }
                out.extend_from_slice(b"END\r\n");
            }
            "version" => out.extend_from_slice(b"VERSION 1.6.18\r\n"),
            "quit" => return None,
            _ => out.extend_from_slice(b"ERROR\r\n"),
        }
        Some(out)
    }

    /// Reply to one binary packet (possibly nothing); `None` means close.
    fn binary_answer(&mut self, r: &Req) -> Option<Vec<u8>> {
        let key = &r.keys[0];
        Some(match r.opcode {
            op::SET => {
                let mut st = self.store.lock().unwrap_or_else(|e| e.into_inner());
                st.insert(key.clone(), (r.flags, r.value.clone()));
                response(0x81, op::SET, 0, r.opaque, 1, &[], &[], &[])
            }
            op::GET | op::GETQ | op::GETK | op::GETKQ => {
                let st = self.store.lock().unwrap_or_else(|e| e.into_inner());
                let with_key = matches!(r.opcode, op::GETK | op::GETKQ);
                let quiet = matches!(r.opcode, op::GETQ | op::GETKQ);
                match st.get(key) {
                    Some((flags, v)) => response(
                        0x81,
                        r.opcode,
                        0,
                        r.opaque,
                        1,
                        &flags.to_be_bytes(),
                        if with_key { key } else { &[] },
                        v,
                    ),
                    None if quiet => Vec::new(),
                    None => response(
                        0x81,
                        r.opcode,
                        1,
                        r.opaque,
                        0,
                        &[],
                        if with_key { key } else { &[] },
                        b"Not found",
                    ),
                }
            }
            op::NOOP => response(0x81, op::NOOP, 0, r.opaque, 0, &[], &[], &[]),
            op::VERSION => response(0x81, op::VERSION, 0, r.opaque, 0, &[], &[], b"1.6.18"),
            op::QUIT | op::QUITQ => return None,
            other => response(0x81, other, 0x81, r.opaque, 0, &[], &[], b"Unknown command"),
        })
    }

    /// Read and drop requests until the client leaves (or time is up).
    fn hold(&mut self) {
        let mut chunk = [0u8; 4096];
        while !self.over() {
            match self.s.read(&mut chunk) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }

    /// The first connection: misbehave as `act` says.
    fn hostile(&mut self, act: Act, binary: bool) {
        match act {
            Act::CloseAtOnce => return, // dropping the stream closes it
            Act::Serve => return self.serve(binary),
            _ => {}
        }
        let Some(unit) = self.unit(binary) else {
            return;
        };
        let first = &unit[0];
        let key = first.keys.first().cloned().unwrap_or_default();
        let o = first.opaque;
        match act {
            Act::CloseAtOnce | Act::Serve => {}
            Act::BinaryBody4G => {
                let mut h = response(0x81, first.opcode, 0, o, 1, &[], &[], &[]);
                h[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
                if self.send(&h) && self.send(&vec![b'x'; 64 << 10]) {
                    self.hold();
                }
            }
            Act::AsciiValue4G => {
                let mut out = format!("VALUE {} 0 4294967295\r\n", lossy(&key)).into_bytes();
                out.extend_from_slice(&vec![b'x'; 64 << 10]);
                if self.send(&out) {
                    self.hold();
                }
            }
            Act::Garbage => {
                let mut x: u64 = 0x2545_f491_4f6c_dd1d;
                let junk: Vec<u8> = (0..64 << 10)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        (x >> 56) as u8
                    })
                    .collect();
                if self.send(&junk) {
                    self.hold();
                }
            }
            Act::CutOff => {
                let full = value_reply(binary, first, &key, &[b'v'; 100]);
                // Send 8 of the 100 value bytes (and no END), then close.
                let tail = if binary { 0 } else { b"\r\nEND\r\n".len() };
                let cut = full.len() - tail - 92;
                let _ = self.send(&full[..cut]);
            }
            Act::Trickle => {
                let full = value_reply(binary, first, &key, &[b't'; TRICKLE_LEN]);
                for b in full {
                    if !self.send(&[b]) {
                        return;
                    }
                    std::thread::sleep(TRICKLE_EVERY);
                }
                self.hold();
            }
            Act::WrongMagic => {
                let mut r = value_reply(true, first, &key, b"evil");
                r[0] = 0x80;
                if self.send(&r) {
                    self.hold();
                }
            }
            Act::OpaqueAhead => {
                let mut fake = Req {
                    opcode: first.opcode,
                    opaque: o.wrapping_add(1),
                    ..Req::default()
                };
                fake.keys = vec![key.clone()];
                let mut out = value_reply(true, &fake, &key, b"evil");
                // The rest of a multi-get (its NOOP) is answered correctly.
                for r in &unit[1..] {
                    out.extend(self.binary_answer(r).unwrap_or_default());
                }
                if self.send(&out) {
                    self.serve(binary);
                }
            }
            Act::OpaqueBehind => {
                let fake = Req {
                    opcode: first.opcode,
                    opaque: o.wrapping_sub(2),
                    ..Req::default()
                };
                if self.send(&value_reply(true, &fake, &key, b"evil")) {
                    self.hold();
                }
            }
            Act::EndlessValues => {
                // The requested keys, again and again, never the terminator.
                for round in 0..10_000_000usize {
                    let r = &unit[round % unit.len()];
                    if binary && r.opcode == op::NOOP {
                        continue;
                    }
                    let k = r.keys.first().cloned().unwrap_or_default();
                    let reply = if binary {
                        value_reply(true, r, &k, b"x")
                    } else {
                        let k = &first.keys[round % first.keys.len()];
                        let mut v = value_line(k, 0, 1, first.cmd == "gets");
                        v.extend_from_slice(b"x\r\n");
                        v
                    };
                    if !self.send(&reply) {
                        return;
                    }
                }
            }
            Act::UnaskedKey => {
                let mut out = Vec::new();
                if binary {
                    for r in &unit {
                        if r.opcode == op::NOOP {
                            out.extend(response(0x81, op::NOOP, 0, r.opaque, 0, &[], &[], &[]));
                        } else {
                            let mut other = Req {
                                opcode: if r.opcode == op::GETKQ {
                                    op::GETK
                                } else {
                                    r.opcode
                                },
                                opaque: r.opaque,
                                ..Req::default()
                            };
                            other.keys = vec![b"zzz".to_vec()];
                            out.extend(value_reply(true, &other, b"zzz", b"evil"));
                        }
                    }
                } else {
                    out.extend(value_line(b"zzz", 0, 4, first.cmd == "gets"));
                    out.extend_from_slice(b"evil\r\nEND\r\n");
                }
                if self.send(&out) {
                    self.serve(binary);
                }
            }
            Act::Silent => self.hold(),
        }
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `VALUE <key> <flags> <len>[ <cas>]\r\n`.
fn value_line(key: &[u8], flags: u32, len: usize, cas: bool) -> Vec<u8> {
    let cas = if cas { " 1" } else { "" };
    format!("VALUE {} {flags} {len}{cas}\r\n", lossy(key)).into_bytes()
}

/// A binary response packet.
#[allow(clippy::too_many_arguments)]
fn response(
    magic: u8,
    opcode: u8,
    status: u16,
    opaque: u32,
    cas: u64,
    extras: &[u8],
    key: &[u8],
    value: &[u8],
) -> Vec<u8> {
    let body = extras.len() + key.len() + value.len();
    let mut p = Vec::with_capacity(24 + body);
    p.push(magic);
    p.push(opcode);
    p.extend_from_slice(&(key.len() as u16).to_be_bytes());
    p.push(extras.len() as u8);
    p.push(0);
    p.extend_from_slice(&status.to_be_bytes());
    p.extend_from_slice(&(body as u32).to_be_bytes());
    p.extend_from_slice(&opaque.to_be_bytes());
    p.extend_from_slice(&cas.to_be_bytes());
    p.extend_from_slice(extras);
    p.extend_from_slice(key);
    p.extend_from_slice(value);
    p
}

/// A complete, correct reply carrying `value` for `key` to request `r`
/// (ASCII: `VALUE … END`; binary: one GET-family packet).
fn value_reply(binary: bool, r: &Req, key: &[u8], value: &[u8]) -> Vec<u8> {
    if binary {
        let with_key = matches!(r.opcode, op::GETK | op::GETKQ);
        return response(
            0x81,
            r.opcode,
            0,
            r.opaque,
            1,
            &0u32.to_be_bytes(),
            if with_key { key } else { &[] },
            value,
        );
    }
    let mut out = value_line(key, 0, value.len(), r.cmd == "gets");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\nEND\r\n");
    out
}

// ----- the client side ---------------------------------------------------------------

/// Serialises the scenarios (memory readings are process-wide).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// VmHWM of this process in bytes.
fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM line");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("VmHWM value");
    kb * 1024
}

/// Reset VmHWM to the current RSS (Linux >= 4.0); harmless when refused.
fn reset_hwm() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A [`VecSink`] that refuses (and records) requests for huge buffers.
#[derive(Default)]
struct CappedSink {
    inner: VecSink,
    /// The largest length the client asked for.
    largest: usize,
}

impl ValueSink for CappedSink {
    fn value_buffer(
        &mut self,
        key: &[u8],
        flags: u32,
        cas: u64,
        len: usize,
    ) -> CoreResult<&mut [u8]> {
        self.largest = self.largest.max(len);
        if len > SINK_CAP {
            return Err(memcached::core::error::Error::with_message(
                ReturnCode::MemoryAllocationFailure,
                "test sink: refusing a huge buffer",
            ));
        }
        self.inner.value_buffer(key, flags, cas, len)
    }
}

fn client_for(port: u16, binary: bool) -> Client {
    let mut c = Client::new();
    let spec = common::loopback(port);
    assert_eq!(c.add_server(&spec), ReturnCode::Success);
    c.behavior_set(id::BINARY_PROTOCOL, u64::from(binary))
        .expect("BINARY_PROTOCOL");
    c.behavior_set(id::POLL_TIMEOUT, POLL_MS)
        .expect("POLL_TIMEOUT");
    c.behavior_set(id::CONNECT_TIMEOUT, CONNECT_MS)
        .expect("CONNECT_TIMEOUT");
    c
}

fn set(c: &mut Client, key: &[u8], value: &[u8]) -> ReturnCode {
    let req = common::set_request(key, value, 0);
    match c.store(&req) {
        Ok(rc) => rc,
        Err(e) => e.code,
    }
}

/// What the hostile operation produced.
#[derive(Debug)]
struct Outcome {
    /// The error code, or `Success` when the operation "succeeded".
    code: ReturnCode,
    /// Values delivered (key, value).
    values: Vec<(Vec<u8>, Vec<u8>)>,
    /// The error's text (empty on success).
    message: String,
    elapsed: Duration,
    growth: u64,
    largest_sink_request: usize,
}

/// Which operation a scenario uses.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    /// `get("k")`.
    Get,
    /// `mget(["a", "b"])` then fetch until END or error (at most 10,000 values).
    Mget,
}

const MGET_KEYS: [&[u8]; 2] = [b"a", b"b"];
/// Most values a fetch loop reads before the test gives up on it.
const FETCH_LIMIT: usize = 10_000;

fn run_op(c: &mut Client, op: Op) -> Outcome {
    let mut sink = CappedSink::default();
    let mut values = Vec::new();
    reset_hwm();
    let before = vm_hwm();
    let start = Instant::now();
    let mut message = String::new();
    let mut failed = |e: memcached::core::error::Error| {
        message = format!("{e:?}");
        e.code
    };
    let code = match op {
        Op::Get => match c.get(b"k", b"k", &mut sink) {
            Ok(Some(_)) => {
                values.push((sink.inner.key.clone(), sink.inner.value.clone()));
                ReturnCode::Success
            }
            Ok(None) => ReturnCode::Notfound,
            Err(e) => failed(e),
        },
        Op::Mget => match c.mget(None, MGET_KEYS.len(), &|i| MGET_KEYS[i]) {
            Err(e) => failed(e),
            Ok(_) => {
                let mut code = ReturnCode::Success;
                for _ in 0..FETCH_LIMIT {
                    match c.fetch(&mut sink) {
                        Ok(Some(_)) => {
                            values.push((sink.inner.key.clone(), sink.inner.value.clone()))
                        }
                        Ok(None) => break,
                        Err(e) => {
                            code = failed(e);
                            break;
                        }
                    }
                }
                code
            }
        },
    };
    let elapsed = start.elapsed();
    let growth = vm_hwm().saturating_sub(before);
    Outcome {
        code,
        values,
        message,
        elapsed,
        growth,
        largest_sink_request: sink.largest,
    }
}

/// Runs one scenario and checks everything; `codes` are the acceptable
/// error codes, `time` the acceptable range for the failing operation.
fn scenario(act: Act, binary: bool, op: Op, codes: &[ReturnCode], time: (Duration, Duration)) {
    let _guard = serial();
    let proto = if binary { "binary" } else { "ascii" };
    let fake = Fake::start(act, binary);
    let mut c = client_for(fake.port, binary);
    let out = run_op(&mut c, op);
    let shown: Vec<(String, usize)> = out
        .values
        .iter()
        .take(4)
        .map(|(k, v)| (lossy(k), v.len()))
        .collect();
    eprintln!(
        "hostile {act:?}/{proto}/{op:?}: code {:?} ({}) in {:?}, VmHWM +{} KiB, \
         largest sink request {}, {} value(s) {shown:?}; error: {}",
        out.code,
        out.code as i32,
        out.elapsed,
        out.growth >> 10,
        out.largest_sink_request,
        out.values.len(),
        out.message,
    );

    let mut problems = Vec::new();
    if !codes.contains(&out.code) {
        problems.push(format!(
            "code {:?} ({}), expected one of {codes:?}",
            out.code, out.code as i32
        ));
    }
    if out.elapsed < time.0 || out.elapsed > time.1 {
        problems.push(format!(
            "took {:?}, expected between {:?} and {:?}",
            out.elapsed, time.0, time.1
        ));
    }
    if out.growth >= MAX_GROWTH {
        problems.push(format!("VmHWM grew by {} MiB", out.growth >> 20));
    }
    if out.largest_sink_request > SINK_CAP {
        problems.push(format!(
            "the client asked its sink for a {}-byte buffer",
            out.largest_sink_request
        ));
    }
    let bad: Vec<String> = out
        .values
        .iter()
        .filter(|(k, v)| {
            v.as_slice() == b"evil" || !MGET_KEYS.contains(&k.as_slice()) && k.as_slice() != b"k"
        })
        .map(|(k, v)| format!("{}={}", lossy(k), lossy(v)))
        .collect();
    if !bad.is_empty() {
        problems.push(format!(
            "values that were never stored were returned: {bad:?}"
        ));
    }
    if out.values.len() > MGET_KEYS.len() {
        problems.push(format!(
            "{} values returned for {} requested keys",
            out.values.len(),
            MGET_KEYS.len()
        ));
    }

    // The same handle must work again at once.
    let start = Instant::now();
    let rc = set(&mut c, b"again", b"ok");
    let mut sink = CappedSink::default();
    let got = c.get(b"again", b"again", &mut sink);
    let again = start.elapsed();
    match (&rc, &got) {
        (ReturnCode::Success, Ok(Some(_))) if sink.inner.value == b"ok" => {}
        _ => problems.push(format!(
            "the handle does not work again afterwards: set -> {rc:?}, get -> {:?} value {:?} \
             ({} connections accepted, {:?})",
            got.as_ref().map_err(|e| e.clone()),
            lossy(&sink.inner.value),
            fake.accepted.load(Ordering::SeqCst),
            again,
        )),
    }
    if again > Duration::from_millis(POLL_MS * 2 + 500) {
        problems.push(format!("working again took {again:?}"));
    }
    drop(c);
    drop(fake);
    assert!(
        problems.is_empty(),
        "hostile {act:?} ({proto}, {op:?}):\n  {}",
        problems.join("\n  ")
    );
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// Errors a broken reply stream may legitimately produce.
const BROKEN_STREAM: &[ReturnCode] = &[
    ReturnCode::ProtocolError,
    ReturnCode::UnknownReadFailure,
    ReturnCode::ReadFailure,
];
/// Errors for a server that went away.
const GONE: &[ReturnCode] = &[
    ReturnCode::ConnectionFailure,
    ReturnCode::ReadFailure,
    ReturnCode::UnknownReadFailure,
    ReturnCode::PartialRead,
    ReturnCode::WriteFailure,
];
/// A quick error: well below the poll timeout.
fn quick() -> (Duration, Duration) {
    (ms(0), ms(POLL_MS * 2))
}
/// An error after about one poll timeout.
fn about_one_poll() -> (Duration, Duration) {
    (ms(POLL_MS * 8 / 10), ms(POLL_MS * 3 + 500))
}

// ----- the scenarios -----------------------------------------------------------------

const ASCII: bool = false;
const BINARY: bool = true;

/// One `#[test]` per scenario, protocol and operation.
macro_rules! hostile_tests {
    ($($(#[$meta:meta])* $name:ident: $act:ident, $binary:expr, $op:ident, $codes:expr, $time:expr;)*) => {
        $(
            $(#[$meta])*
            #[test]
            fn $name() {
                scenario(Act::$act, $binary, Op::$op, $codes, $time);
            }
        )*
    };
}

hostile_tests! {
    binary_body_4gib_get: BinaryBody4G, BINARY, Get, BROKEN_STREAM, quick();
    binary_body_4gib_mget: BinaryBody4G, BINARY, Mget, BROKEN_STREAM, quick();
    ascii_value_4gib_get: AsciiValue4G, ASCII, Get, BROKEN_STREAM, quick();
    ascii_value_4gib_mget: AsciiValue4G, ASCII, Mget, BROKEN_STREAM, quick();
    garbage_ascii_get: Garbage, ASCII, Get, BROKEN_STREAM, quick();
    garbage_ascii_mget: Garbage, ASCII, Mget, BROKEN_STREAM, quick();
    garbage_binary_get: Garbage, BINARY, Get, BROKEN_STREAM, quick();
    garbage_binary_mget: Garbage, BINARY, Mget, BROKEN_STREAM, quick();
    cut_off_ascii_get: CutOff, ASCII, Get, GONE, quick();
    cut_off_ascii_mget: CutOff, ASCII, Mget, GONE, quick();
    cut_off_binary_get: CutOff, BINARY, Get, GONE, quick();
    cut_off_binary_mget: CutOff, BINARY, Mget, GONE, quick();
    trickle_ascii_get: Trickle, ASCII, Get, &[ReturnCode::Timeout], about_one_poll();
    trickle_ascii_mget: Trickle, ASCII, Mget, &[ReturnCode::Timeout], about_one_poll();
    trickle_binary_get: Trickle, BINARY, Get, &[ReturnCode::Timeout], about_one_poll();
    trickle_binary_mget: Trickle, BINARY, Mget, &[ReturnCode::Timeout], about_one_poll();
    wrong_magic_get: WrongMagic, BINARY, Get, BROKEN_STREAM, quick();
    wrong_magic_mget: WrongMagic, BINARY, Mget, BROKEN_STREAM, quick();
    wrong_opaque_ahead_get: OpaqueAhead, BINARY, Get, BROKEN_STREAM, quick();
    wrong_opaque_ahead_mget: OpaqueAhead, BINARY, Mget, BROKEN_STREAM, quick();
    stale_opaque_get: OpaqueBehind, BINARY, Get, &[ReturnCode::Timeout], about_one_poll();
    stale_opaque_mget: OpaqueBehind, BINARY, Mget, &[ReturnCode::Timeout], about_one_poll();
    endless_values_ascii_mget: EndlessValues, ASCII, Mget, BROKEN_STREAM, quick();
    endless_values_binary_mget: EndlessValues, BINARY, Mget, BROKEN_STREAM, quick();
    unasked_key_ascii_get: UnaskedKey, ASCII, Get, BROKEN_STREAM, quick();
    unasked_key_binary_get: UnaskedKey, BINARY, Get, BROKEN_STREAM, quick();
    unasked_key_ascii_mget: UnaskedKey, ASCII, Mget, BROKEN_STREAM, quick();
    unasked_key_binary_mget: UnaskedKey, BINARY, Mget, BROKEN_STREAM, quick();
    silent_ascii_get: Silent, ASCII, Get, &[ReturnCode::Timeout], about_one_poll();
    silent_ascii_mget: Silent, ASCII, Mget, &[ReturnCode::Timeout], about_one_poll();
    silent_binary_get: Silent, BINARY, Get, &[ReturnCode::Timeout], about_one_poll();
    silent_binary_mget: Silent, BINARY, Mget, &[ReturnCode::Timeout], about_one_poll();
    // Closed before any byte of the reply: the request is sent again on a
    // fresh connection, which the fake serves (README, "Outages").
    close_at_once_ascii_get: CloseAtOnce, ASCII, Get, &[ReturnCode::Notfound], quick();
    close_at_once_ascii_mget: CloseAtOnce, ASCII, Mget, &[ReturnCode::Success], quick();
    close_at_once_binary_get: CloseAtOnce, BINARY, Get, &[ReturnCode::Notfound], quick();
    close_at_once_binary_mget: CloseAtOnce, BINARY, Mget, &[ReturnCode::Success], quick();
}

/// The fake itself: it must serve correctly on its later connections, or
/// every "works again" check above would prove nothing.
#[test]
fn fake_serves_correctly_after_the_first_connection() {
    for binary in [false, true] {
        let _guard = serial();
        let fake = Fake::start(Act::CloseAtOnce, binary);
        // Use up the hostile connection.
        drop(TcpStream::connect(("127.0.0.1", fake.port)).expect("connect"));
        let deadline = Instant::now() + Duration::from_secs(5);
        while fake.accepted.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            std::thread::sleep(ms(5));
        }
        let mut c = client_for(fake.port, binary);
        assert_eq!(set(&mut c, b"a", b"1"), ReturnCode::Success);
        assert_eq!(set(&mut c, b"b", b"22"), ReturnCode::Success);
        let out = run_op(&mut c, Op::Mget);
        assert_eq!(out.code, ReturnCode::Success, "binary={binary}");
        let mut got = out.values.clone();
        got.sort();
        assert_eq!(
            got,
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), b"22".to_vec())
            ]
        );
        assert_eq!(run_op(&mut c, Op::Get).code, ReturnCode::Notfound);
    }
}

/// A multi-get abandoned after its first value, then a set on the same
/// handle: the set must not read the rest of the multi-get as its reply
/// (1.1.4 drains outstanding replies before reading a new one).
fn store_after_unfinished_mget(binary: bool) {
    let _guard = serial();
    let fake = Fake::start(Act::Serve, binary);
    let mut c = client_for(fake.port, binary);
    assert_eq!(set(&mut c, b"a", b"1"), ReturnCode::Success);
    assert_eq!(set(&mut c, b"b", b"22"), ReturnCode::Success);
    c.mget(None, MGET_KEYS.len(), &|i| MGET_KEYS[i])
        .expect("mget");
    let mut sink = CappedSink::default();
    assert!(matches!(c.fetch(&mut sink), Ok(Some(_))), "first value");
    // Abandon the rest: the next command must still get its own reply.
    assert_eq!(
        set(&mut c, b"c", b"333"),
        ReturnCode::Success,
        "set after an unfinished mget"
    );
    let got = c
        .get(b"c", b"c", &mut sink)
        .map(|m| m.map(|_| sink.inner.value.clone()));
    assert_eq!(got, Ok(Some(b"333".to_vec())));
    drop(c);
    drop(fake);
}

#[test]
fn store_after_unfinished_mget_ascii() {
    store_after_unfinished_mget(ASCII);
}

#[test]
fn store_after_unfinished_mget_binary() {
    store_after_unfinished_mget(BINARY);
}
