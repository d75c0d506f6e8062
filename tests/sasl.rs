//! SASL authentication (issue 5) against `memcached -S`, through the C API.
//!
//! The fixture [`SaslServer`] makes a sasldb with `saslpasswd2`, a
//! `memcached.conf` naming the mechanisms to offer, and runs
//! `SASL_CONF_PATH=<dir> memcached -S` on a free loopback port (or a unix
//! socket), stopping exactly that process when dropped.
//!
//! The C functions are called in-process (the rlib exports them); Debian's
//! `memccp`/`memccat` and pylibmc run over the staged library. The "no Cyrus
//! plugin" proof runs the client side with `SASL_PATH` pointing at an empty
//! directory: Debian's library then finds no mechanism, ours does not care.

mod common;

use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_ulong, c_void};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Memcached, debian_lib_dir, free_port, fresh_dir, lib_dir, run_bounded};
use memcached::core::error::ReturnCode;
use memcached::ffi::types::{memcached_st, sasl_callback_t};
use memcached::ffi::{admin, behavior, get, memcached as handle, sasl, server, storage};

const USER: &str = "sasluser";
const PASSWORD: &str = "s3cret-Pa55";
const START_TIMEOUT: Duration = Duration::from_secs(5);
const TOOL_LIMIT: Duration = Duration::from_secs(60);

// ----- the fixture ---------------------------------------------------------

/// Where a [`SaslServer`] listens.
enum Listen {
    Tcp(u16),
    Unix(PathBuf),
}

/// `memcached -S` with its own sasldb and configuration.
struct SaslServer {
    dir: PathBuf,
    listen: Listen,
    child: Option<Child>,
    /// The mechanisms the server listed when it came up.
    mechs: String,
}

impl SaslServer {
    /// A server offering `mech_list` (Cyrus syntax, e.g. "plain cram-md5")
    /// to [`USER`]/[`PASSWORD`] on a free loopback port.
    fn start(mech_list: &str) -> SaslServer {
        let dir = Self::make_dir(mech_list);
        let mut last = String::new();
        for _ in 0..20 {
            let mut s = SaslServer {
                dir: dir.clone(),
                listen: Listen::Tcp(free_port()),
                child: None,
                mechs: String::new(),
            };
            match s.spawn() {
                Ok(()) => return s,
                Err(log) if log.contains("Address already in use") => last = log,
                Err(log) => panic!("memcached -S did not start: {log}"),
            }
        }
        panic!("memcached -S: no free port; last log:\n{last}");
    }

    /// The same on a unix socket.
    fn start_unix(mech_list: &str) -> SaslServer {
        let dir = Self::make_dir(mech_list);
        let mut s = SaslServer {
            listen: Listen::Unix(dir.join("memcached.sock")),
            dir,
            child: None,
            mechs: String::new(),
        };
        if let Err(log) = s.spawn() {
            panic!("memcached -S on a unix socket did not start: {log}");
        }
        s
    }

    fn make_dir(mech_list: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = fresh_dir(&format!("sasl{}", N.fetch_add(1, Ordering::Relaxed)));
        let db = dir.join("sasldb2");
        let mut child = Command::new("saslpasswd2")
            .args(["-p", "-a", "memcached", "-c", "-f"])
            .arg(&db)
            .arg(USER)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run saslpasswd2 (package sasl2-bin)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .expect("write password");
        assert!(child.wait().expect("saslpasswd2").success());
        std::fs::write(
            dir.join("memcached.conf"),
            format!("mech_list: {mech_list}\nsasldb_path: {}\n", db.display()),
        )
        .expect("write memcached.conf");
        dir
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("memcached.log")
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.log_path()).expect("create log");
        let mut cmd = Command::new("memcached");
        cmd.env("SASL_CONF_PATH", &self.dir).arg("-S");
        match &self.listen {
            Listen::Tcp(port) => cmd.args(["-l", "127.0.0.1", "-p", &port.to_string(), "-U", "0"]),
            Listen::Unix(path) => cmd.arg("-s").arg(path).args(["-a", "0700"]),
        };
        // As root, memcached must be told a user; root can read the sasldb
        // wherever the checkout lives (the way tests/common runs servers).
        if std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
            cmd.args(["-u", "root"]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run memcached: {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(m) = self.list_mechs() {
                self.mechs = m;
                return Ok(());
            }
            let child = self.child.as_mut().expect("spawned");
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
                return Err(format!("exited ({status}):\n{log}"));
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err("not answering SASL_LIST_MECHS".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ask the server for its mechanisms over the binary protocol.
    fn list_mechs(&self) -> Option<String> {
        let t = Duration::from_millis(500);
        let mut req = [0u8; 24];
        req[0] = 0x80;
        req[1] = 0x20;
        let reply = |mut s: Box<dyn ReadWrite>| -> Option<String> {
            s.write_all(&req).ok()?;
            let mut h = [0u8; 24];
            s.read_exact(&mut h).ok()?;
            let len = u32::from_be_bytes(h[8..12].try_into().ok()?) as usize;
            if h[0] != 0x81 || h[6..8] != [0, 0] || len > 4096 {
                return None;
            }
            let mut body = vec![0u8; len];
            s.read_exact(&mut body).ok()?;
            String::from_utf8(body).ok()
        };
        match &self.listen {
            Listen::Tcp(port) => {
                let s = TcpStream::connect_timeout(&([127, 0, 0, 1], *port).into(), t).ok()?;
                s.set_read_timeout(Some(t)).ok()?;
                reply(Box::new(s))
            }
            Listen::Unix(path) => {
                let s = UnixStream::connect(path).ok()?;
                s.set_read_timeout(Some(t)).ok()?;
                reply(Box::new(s))
            }
        }
    }

    fn port(&self) -> u16 {
        match self.listen {
            Listen::Tcp(p) => p,
            Listen::Unix(_) => 0,
        }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port())
    }

    /// Kill the server (by PID) and start it again on the same port.
    fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(log) if log.contains("Address already in use") && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(log) => panic!("restart failed: {log}"),
            }
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SaslServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

// ----- the C API, in-process ------------------------------------------------

/// A `memcached_st` freed on drop.
struct Handle(*mut memcached_st);

impl Handle {
    fn new() -> Handle {
        let m = handle::memcached_create(std::ptr::null_mut());
        assert!(!m.is_null());
        Handle(m)
    }

    fn tcp(port: u16) -> Handle {
        let h = Handle::new();
        let host = CString::new("127.0.0.1").unwrap();
        let rc = server::memcached_server_add(h.0, host.as_ptr(), port);
        assert_eq!(rc, ReturnCode::Success);
        h
    }

    fn with_auth(port: u16, user: &str, password: &str) -> Handle {
        let h = Handle::tcp(port);
        assert_eq!(h.set_auth(user, password), ReturnCode::Success);
        h
    }

    fn set_auth(&self, user: &str, password: &str) -> ReturnCode {
        let (u, p) = (CString::new(user).unwrap(), CString::new(password).unwrap());
        sasl::memcached_set_sasl_auth_data(self.0, u.as_ptr(), p.as_ptr()).status()
    }

    fn behavior(&self, b: u32, v: u64) {
        let rc = behavior::memcached_behavior_set(self.0, b, v);
        assert_eq!(rc, ReturnCode::Success);
    }

    fn behavior_get(&self, b: u32) -> u64 {
        behavior::memcached_behavior_get(self.0, b)
    }

    fn set(&self, key: &str, value: &str) -> ReturnCode {
        storage::memcached_set(
            self.0,
            key.as_ptr().cast(),
            key.len(),
            value.as_ptr().cast(),
            value.len(),
            0,
            0,
        )
        .status()
    }

    fn get(&self, key: &str) -> Result<String, ReturnCode> {
        let (mut len, mut flags) = (0usize, 0u32);
        let mut rc: memcached::ffi::types::memcached_return_t = ReturnCode::Failure.into();
        let v = get::memcached_get(
            self.0,
            key.as_ptr().cast(),
            key.len(),
            &mut len,
            &mut flags,
            &mut rc,
        );
        let rc = rc.status();
        if v.is_null() {
            return Err(rc);
        }
        // SAFETY: `len` bytes from memcached_get, freed with libc's free.
        let s = unsafe {
            String::from_utf8_lossy(std::slice::from_raw_parts(v.cast::<u8>(), len)).into_owned()
        };
        // SAFETY: allocated by the default (libc) allocator.
        unsafe { libc::free(v.cast()) };
        assert_eq!(rc, ReturnCode::Success);
        Ok(s)
    }

    /// Store and read back one value.
    fn round_trip(&self, key: &str, value: &str) -> Result<(), ReturnCode> {
        match self.set(key, value) {
            ReturnCode::Success => {}
            rc => return Err(rc),
        }
        assert_eq!(self.get(key)?, value);
        Ok(())
    }

    fn quit(&self) {
        admin::memcached_quit(self.0);
    }

    /// A multi-get of `keys`: every (key, value) fetched.
    fn mget(&self, keys: &[&str]) -> Result<Vec<(String, String)>, ReturnCode> {
        let ptrs: Vec<*const c_char> = keys.iter().map(|k| k.as_ptr().cast()).collect();
        let lens: Vec<usize> = keys.iter().map(|k| k.len()).collect();
        let rc = get::memcached_mget(self.0, ptrs.as_ptr(), lens.as_ptr(), keys.len()).status();
        if rc != ReturnCode::Success {
            return Err(rc);
        }
        let mut out = Vec::new();
        let mut key = [0 as c_char; 251];
        loop {
            let (mut klen, mut vlen, mut flags) = (0usize, 0usize, 0u32);
            let mut rc: memcached::ffi::types::memcached_return_t = ReturnCode::Failure.into();
            let v = get::memcached_fetch(
                self.0,
                key.as_mut_ptr(),
                &mut klen,
                &mut vlen,
                &mut flags,
                &mut rc,
            );
            if v.is_null() {
                return match rc.status() {
                    ReturnCode::End | ReturnCode::Notfound => Ok(out),
                    rc => Err(rc),
                };
            }
            // SAFETY: `klen` key bytes copied into `key`, `vlen` value bytes
            // from memcached_fetch (freed with libc's free below).
            let (k, val) = unsafe {
                (
                    String::from_utf8_lossy(std::slice::from_raw_parts(
                        key.as_ptr().cast::<u8>(),
                        klen,
                    ))
                    .into_owned(),
                    String::from_utf8_lossy(std::slice::from_raw_parts(v.cast::<u8>(), vlen))
                        .into_owned(),
                )
            };
            // SAFETY: allocated by the default (libc) allocator.
            unsafe { libc::free(v.cast()) };
            out.push((k, val));
        }
    }

    fn clone_handle(&self) -> Handle {
        let c = handle::memcached_clone(std::ptr::null_mut(), self.0);
        assert!(!c.is_null());
        Handle(c)
    }

    fn last_message(&self) -> String {
        let p = handle::memcached_last_error_message(self.0);
        // SAFETY: a C string.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }

    fn callbacks(&self) -> *mut sasl_callback_t {
        sasl::memcached_get_sasl_callbacks(self.0)
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        handle::memcached_free(self.0);
    }
}

const BINARY_PROTOCOL: u32 = memcached::core::behavior::id::BINARY_PROTOCOL;
const POLL_TIMEOUT: u32 = memcached::core::behavior::id::POLL_TIMEOUT;
const RETRY_TIMEOUT: u32 = memcached::core::behavior::id::RETRY_TIMEOUT;

// ----- API semantics ---------------------------------------------------------

#[test]
fn null_arguments_and_empty_destroy() {
    let h = Handle::new();
    let a = CString::new("a").unwrap();
    assert_eq!(
        sasl::memcached_set_sasl_auth_data(std::ptr::null_mut(), a.as_ptr(), a.as_ptr()),
        ReturnCode::InvalidArguments
    );
    assert_eq!(
        sasl::memcached_set_sasl_auth_data(h.0, std::ptr::null(), a.as_ptr()),
        ReturnCode::InvalidArguments
    );
    assert_eq!(
        sasl::memcached_set_sasl_auth_data(h.0, a.as_ptr(), std::ptr::null()),
        ReturnCode::InvalidArguments
    );
    assert_eq!(
        sasl::memcached_destroy_sasl_auth_data(std::ptr::null_mut()),
        ReturnCode::InvalidArguments
    );
    assert_eq!(
        sasl::memcached_destroy_sasl_auth_data(h.0),
        ReturnCode::Success
    );
    assert!(sasl::memcached_get_sasl_callbacks(std::ptr::null_mut()).is_null());

    assert!(h.callbacks().is_null());
    assert_eq!(h.behavior_get(BINARY_PROTOCOL), 0);
}

#[test]
fn auth_data_turns_binary_on_and_shows_as_cyrus_callbacks() {
    let h = Handle::new();
    assert_eq!(h.set_auth("alice", "pw1234567"), ReturnCode::Success);
    assert_eq!(h.behavior_get(BINARY_PROTOCOL), 1);
    let cbs = h.callbacks();
    assert!(!cbs.is_null(), "1.1.4 returns its own array here");
    // Walk the array like Cyrus would: USER, AUTHNAME, PASS, LIST_END.
    // SAFETY: our array of four entries.
    let entries = unsafe { std::slice::from_raw_parts(cbs, 4) };
    let ids: Vec<c_ulong> = entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, [0x4001, 0x4002, 0x4004, 0]);
    type Simple =
        unsafe extern "C" fn(*mut c_void, c_int, *mut *const c_char, *mut c_uint) -> c_int;
    type SecretFn = unsafe extern "C" fn(
        *mut c_void,
        *mut c_void,
        c_int,
        *mut *mut sasl::sasl_secret_t,
    ) -> c_int;
    // SAFETY: the ids say which signatures the procedures have.
    let (user_fn, pass_fn) = unsafe {
        (
            std::mem::transmute::<unsafe extern "C" fn() -> c_int, Simple>(
                entries[1].proc_.unwrap(),
            ),
            std::mem::transmute::<unsafe extern "C" fn() -> c_int, SecretFn>(
                entries[2].proc_.unwrap(),
            ),
        )
    };
    let (mut out, mut len) = (std::ptr::null(), 0u32);
    // SAFETY: Cyrus's calling convention for SASL_CB_AUTHNAME.
    assert_eq!(
        unsafe { user_fn(entries[1].context, 0x4002, &mut out, &mut len) },
        0
    );
    // SAFETY: a NUL-terminated user name.
    assert_eq!(unsafe { CStr::from_ptr(out) }.to_bytes(), b"alice");
    assert_eq!(len, 5);
    let mut secret = std::ptr::null_mut();
    // SAFETY: Cyrus's calling convention for SASL_CB_PASS.
    assert_eq!(
        unsafe {
            pass_fn(
                std::ptr::null_mut(),
                entries[2].context,
                0x4004,
                &mut secret,
            )
        },
        0
    );
    // SAFETY: a sasl_secret_t holding `len` bytes.
    let pw = unsafe {
        std::slice::from_raw_parts(
            std::ptr::addr_of!((*secret).data).cast::<u8>(),
            (*secret).len as usize,
        )
    };
    assert_eq!(pw, b"pw1234567");
    assert_eq!(h.callbacks(), cbs, "the array is kept, not rebuilt");
    assert_eq!(h.set_auth("bob", "x"), ReturnCode::Success);
    // SAFETY: a live handle.
    assert_eq!(
        sasl::memcached_destroy_sasl_auth_data(h.0),
        ReturnCode::Success
    );
    assert!(h.callbacks().is_null());
}

// ----- against memcached -S ----------------------------------------------------

#[test]
fn right_credentials_store_and_read_also_on_clone_after_quit_and_restart() {
    let mut srv = SaslServer::start("plain cram-md5");
    assert!(
        srv.mechs.contains("PLAIN") && srv.mechs.contains("CRAM-MD5"),
        "{}",
        srv.mechs
    );
    let h = Handle::with_auth(srv.port(), USER, PASSWORD);
    h.round_trip("k1", "v1")
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", h.last_message()));
    let c = h.clone_handle();
    assert_eq!(c.get("k1"), Ok("v1".into()), "clone: {}", c.last_message());
    h.quit();
    h.round_trip("k2", "after quit")
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", h.last_message()));

    // A restarted server needs a new connection, which authenticates again.
    srv.restart();
    h.behavior(RETRY_TIMEOUT, 0);
    c.behavior(RETRY_TIMEOUT, 0);
    eventually(&h, || h.round_trip("k3", "after restart"));
    eventually(&c, || match c.get("k3") {
        Ok(v) if v == "after restart" => Ok(()),
        Ok(v) => panic!("clone read {v:?}"),
        Err(rc) => Err(rc),
    });
}

/// Retry `op` until it succeeds (bounded): the first calls after a server
/// restart find the old connection dead (3), then the server in its retry
/// timeout (47); nothing else is acceptable.
fn eventually(h: &Handle, mut op: impl FnMut() -> Result<(), ReturnCode>) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match op() {
            Ok(()) => return,
            Err(ReturnCode::ConnectionFailure | ReturnCode::ServerTemporarilyDisabled) => {}
            Err(rc) => panic!("unexpected {rc:?}: {}", h.last_message()),
        }
        assert!(
            Instant::now() < deadline,
            "never recovered: {}",
            h.last_message()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn wrong_password_is_auth_failure_and_marks_the_server() {
    let srv = SaslServer::start("plain cram-md5");
    let h = Handle::with_auth(srv.port(), USER, "not-the-password");
    assert_eq!(h.set("k", "v"), ReturnCode::AuthFailure);
    let msg = h.last_message();
    assert!(
        msg.contains("CRAM-MD5") && msg.contains(&srv.addr()),
        "{msg}"
    );
    assert!(!msg.contains("not-the-password"), "{msg}");
    // Like 1.1.4: the failed connect marks the server.
    assert_eq!(h.set("k", "v"), ReturnCode::ServerTemporarilyDisabled);
    // An unknown user is refused the same way.
    let u = Handle::with_auth(srv.port(), "nobody-here", PASSWORD);
    assert_eq!(u.set("k", "v"), ReturnCode::AuthFailure);
    assert!(!u.last_message().contains(PASSWORD));
}

#[test]
fn no_credentials_fails_like_1_1_4() {
    let srv = SaslServer::start("plain cram-md5");
    // Binary without credentials: the server refuses the command (0x20).
    let h = Handle::tcp(srv.port());
    h.behavior(BINARY_PROTOCOL, 1);
    assert_eq!(h.set("k", "v"), ReturnCode::AuthFailure);
    // ASCII: the server only speaks binary and never answers; 1.1.4 times out.
    let a = Handle::tcp(srv.port());
    a.behavior(POLL_TIMEOUT, 300);
    assert_eq!(a.set("k", "v"), ReturnCode::Timeout);
}

#[test]
fn credentials_with_the_ascii_protocol_are_invalid_arguments() {
    let srv = SaslServer::start("plain cram-md5");
    let h = Handle::with_auth(srv.port(), USER, PASSWORD);
    h.behavior(BINARY_PROTOCOL, 0);
    assert_eq!(h.set("k", "v"), ReturnCode::InvalidArguments);
    assert!(h.last_message().contains("ASCII"), "{}", h.last_message());
    assert_eq!(h.set("k", "v"), ReturnCode::ServerTemporarilyDisabled);
}

#[test]
fn server_without_sasl_is_unknown_read_failure() {
    let srv = Memcached::start();
    let h = Handle::with_auth(srv.port, USER, PASSWORD);
    assert_eq!(h.set("k", "v"), ReturnCode::UnknownReadFailure);
}

#[test]
fn each_mechanism_alone_works() {
    for (list, name) in [("plain", "PLAIN"), ("cram-md5", "CRAM-MD5")] {
        let srv = SaslServer::start(list);
        assert_eq!(srv.mechs.trim(), name);
        let h = Handle::with_auth(srv.port(), USER, PASSWORD);
        h.round_trip("k", name)
            .unwrap_or_else(|rc| panic!("{name}: {rc:?}: {}", h.last_message()));
        let bad = Handle::with_auth(srv.port(), USER, "wrong");
        assert_eq!(bad.set("k", "v"), ReturnCode::AuthFailure, "{name}");
        assert!(bad.last_message().contains(name), "{}", bad.last_message());
    }
}

#[test]
fn no_common_mechanism_is_auth_problem() {
    let srv = SaslServer::start("digest-md5");
    assert_eq!(srv.mechs.trim(), "DIGEST-MD5");
    let h = Handle::with_auth(srv.port(), USER, PASSWORD);
    assert_eq!(h.set("k", "v"), ReturnCode::AuthProblem);
    assert!(
        h.last_message().contains("DIGEST-MD5"),
        "{}",
        h.last_message()
    );
}

#[test]
fn unix_socket_connections_authenticate_too() {
    // 1.1.4 skips SASL on unix sockets (the command is then refused); we
    // authenticate every new connection.
    let srv = SaslServer::start_unix("plain cram-md5");
    let Listen::Unix(path) = &srv.listen else {
        unreachable!()
    };
    let h = Handle::new();
    let p = CString::new(path.to_str().unwrap()).unwrap();
    let rc = server::memcached_server_add_unix_socket(h.0, p.as_ptr());
    assert_eq!(rc, ReturnCode::Success);
    assert_eq!(h.set_auth(USER, PASSWORD), ReturnCode::Success);
    h.round_trip("u", "unix")
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", h.last_message()));
}

// ----- what each connection asks (issue 17) ---------------------------------

/// A loopback forwarder to a server that counts the binary requests going
/// through it by opcode and the writes the client makes, for tests of what
/// the client asks. Its threads end with the test process.
struct Counting {
    port: u16,
    ops: std::sync::Arc<std::sync::Mutex<[usize; 256]>>,
}

impl Counting {
    fn start(upstream: u16) -> Counting {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let ops = std::sync::Arc::new(std::sync::Mutex::new([0usize; 256]));
        let counts = ops.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    return;
                };
                let (mut c_read, mut s_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut s_read, mut c_write) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_read, &mut c_write);
                    let _ = c_write.shutdown(std::net::Shutdown::Both);
                });
                let counts = counts.clone();
                std::thread::spawn(move || {
                    let mut pending = Vec::new();
                    let mut buf = [0u8; 65536];
                    while let Ok(n) = c_read.read(&mut buf) {
                        if n == 0 || s_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        pending.extend_from_slice(&buf[..n]);
                        while pending.len() >= 24 {
                            let body = u32::from_be_bytes(pending[8..12].try_into().unwrap());
                            let total = 24 + body as usize;
                            if pending.len() < total {
                                break;
                            }
                            counts.lock().unwrap()[usize::from(pending[1])] += 1;
                            pending.drain(..total);
                        }
                    }
                    let _ = s_write.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Counting { port, ops }
    }

    /// How many requests with `opcode` went through so far.
    fn count(&self, opcode: u8) -> usize {
        // The forwarder sees a request once it is through; give the last
        // write a moment when the reply was read before the count.
        std::thread::sleep(Duration::from_millis(20));
        self.ops.lock().unwrap()[usize::from(opcode)]
    }
}

const LIST_MECHS: u8 = 0x20;
const SASL_AUTH: u8 = 0x21;
const SASL_STEP: u8 = 0x22;

#[test]
fn mechanisms_are_asked_once_per_server_and_copied_by_clone() {
    for (list, steps) in [("plain", 0), ("plain cram-md5", 1)] {
        let srv = SaslServer::start(list);
        let fwd = Counting::start(srv.port());
        let h = Handle::with_auth(fwd.port, USER, PASSWORD);
        for i in 0..3 {
            h.round_trip(&format!("k{i}"), list)
                .unwrap_or_else(|rc| panic!("{list}: {rc:?}: {}", h.last_message()));
            h.quit();
        }
        assert_eq!(fwd.count(LIST_MECHS), 1, "{list}");
        assert_eq!(fwd.count(SASL_AUTH), 3, "{list}");
        assert_eq!(fwd.count(SASL_STEP), 3 * steps, "{list}");
        // A clone has the list too (and each pool member, a clone).
        let c = h.clone_handle();
        assert_eq!(c.get("k0"), Ok(list.to_string()), "{}", c.last_message());
        assert_eq!(fwd.count(LIST_MECHS), 1, "{list}");
    }
}

#[test]
fn a_refused_remembered_mechanism_gets_one_fresh_list() {
    // The handle remembers CRAM-MD5; the server comes back offering only
    // PLAIN. The refused AUTH is followed by one LIST_MECHS, then PLAIN.
    let mut srv = SaslServer::start("cram-md5");
    let fwd = Counting::start(srv.port());
    let h = Handle::with_auth(fwd.port, USER, PASSWORD);
    h.round_trip("k", "v")
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", h.last_message()));
    h.quit();
    reoffer(&mut srv, "plain");
    assert_eq!(srv.mechs.trim(), "PLAIN");
    h.round_trip("k", "after the change")
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", h.last_message()));
    assert_eq!(fwd.count(LIST_MECHS), 2);
}

/// Restart `srv` offering `mech_list` (Cyrus syntax) instead of what it
/// offered.
fn reoffer(srv: &mut SaslServer, mech_list: &str) {
    let conf = srv.dir.join("memcached.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("mech_list:") {
                format!("mech_list: {mech_list}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&conf, text + "\n").unwrap();
    srv.restart();
}

#[test]
fn a_refused_remembered_plain_sends_its_command_again() {
    // PLAIN's AUTH goes out with the command. When the server has come back
    // offering only CRAM-MD5 it refuses that AUTH and runs nothing else on
    // the connection, so the command goes again after one fresh
    // LIST_MECHS: the caller sees no error, and an increment is applied
    // once. The same for a multi-get's request.
    let mut srv = SaslServer::start("plain");
    let fwd = Counting::start(srv.port());
    let h = Handle::with_auth(fwd.port, USER, PASSWORD);
    h.round_trip("k", "v")
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", h.last_message()));
    h.quit();
    let mut lists = 1;
    let (key, counter) = ("k", "counter");
    for op in ["set", "get", "incr", "mget"] {
        reoffer(&mut srv, "cram-md5");
        assert_eq!(srv.mechs.trim(), "CRAM-MD5");
        // Stored straight (not through the counter) by a handle of its own.
        let seed = Handle::with_auth(srv.port(), USER, PASSWORD);
        assert_eq!(
            seed.set(key, "stored"),
            ReturnCode::Success,
            "{}",
            seed.last_message()
        );
        assert_eq!(seed.set(counter, "10"), ReturnCode::Success);
        // The handle remembers PLAIN; the server now refuses it.
        match op {
            "set" => {
                assert_eq!(
                    h.set(key, "again"),
                    ReturnCode::Success,
                    "{}",
                    h.last_message()
                );
                assert_eq!(seed.get(key), Ok("again".into()));
            }
            "get" => assert_eq!(h.get(key), Ok("stored".into()), "{}", h.last_message()),
            "incr" => {
                let mut value = 0u64;
                let rc = storage_incr(&h, counter, 5, &mut value);
                assert_eq!(rc, ReturnCode::Success, "{}", h.last_message());
                assert_eq!(value, 15);
                assert_eq!(seed.get(counter), Ok("15".into()), "applied once");
            }
            _ => assert_eq!(
                h.mget(&[key]),
                Ok(vec![(key.to_string(), "stored".to_string())]),
                "{}",
                h.last_message()
            ),
        }
        lists += 1;
        assert_eq!(fwd.count(LIST_MECHS), lists, "{op}");
        h.quit();
        // Back to PLAIN for the next round (a remembered CRAM-MD5 refused
        // in the exchange itself, before any command).
        reoffer(&mut srv, "plain");
        h.round_trip(key, "plain again")
            .unwrap_or_else(|rc| panic!("{op}: {rc:?}: {}", h.last_message()));
        lists += 1;
        assert_eq!(fwd.count(LIST_MECHS), lists, "{op}, back to PLAIN");
        h.quit();
    }
    // A wrong password is refused again after the fresh list: an error.
    assert_eq!(h.set_auth(USER, "wrong"), ReturnCode::Success);
    assert_eq!(h.get(key), Err(ReturnCode::AuthFailure));
    assert!(h.last_message().contains("PLAIN"), "{}", h.last_message());
}

/// `memcached_increment` of `key` by `by`, the new value in `value`.
fn storage_incr(h: &Handle, key: &str, by: u32, value: &mut u64) -> ReturnCode {
    memcached::ffi::auto::memcached_increment(h.0, key.as_ptr().cast(), key.len(), by, value)
        .status()
}

#[test]
fn a_refused_pipelined_authentication_leaves_nothing_misread() {
    // PLAIN's AUTH goes out with the get; the refusal is the get's
    // AUTH_FAILURE, and the next connection reads its own replies.
    let srv = SaslServer::start("plain");
    let good = Handle::with_auth(srv.port(), USER, PASSWORD);
    assert_eq!(good.set("present", "value"), ReturnCode::Success);
    let h = Handle::with_auth(srv.port(), USER, "wrong");
    h.behavior(RETRY_TIMEOUT, 0);
    assert_eq!(h.get("present"), Err(ReturnCode::AuthFailure));
    let msg = h.last_message();
    assert!(msg.contains("PLAIN") && msg.contains(&srv.addr()), "{msg}");
    assert_eq!(h.set_auth(USER, PASSWORD), ReturnCode::Success);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(h.get("present"), Ok("value".into()), "{}", h.last_message());
    assert_eq!(h.get("missing"), Err(ReturnCode::Notfound));
    h.round_trip("k", "v")
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", h.last_message()));
}

// ----- caller callbacks ------------------------------------------------------

/// The password the PASS callback below hands out (changed by the test).
static CB_PASSWORD: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());
static CB_CALLS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn cb_user(
    _ctx: *mut c_void,
    _id: c_int,
    result: *mut *const c_char,
    len: *mut c_uint,
) -> c_int {
    // SAFETY: out-pointers from the library.
    unsafe {
        *result = c"sasluser".as_ptr();
        *len = 0; // "not given": the library must use strlen
    }
    0
}

unsafe extern "C" fn cb_pass(
    _conn: *mut c_void,
    ctx: *mut c_void,
    _id: c_int,
    psecret: *mut *mut sasl::sasl_secret_t,
) -> c_int {
    CB_CALLS.fetch_add(1, Ordering::SeqCst);
    let pw = CB_PASSWORD.lock().unwrap().clone();
    // `ctx` is a 64-word buffer owned by the test.
    let words = ctx.cast::<c_ulong>();
    // SAFETY: the buffer has room for the length word and 63 words of text.
    unsafe {
        *words = pw.len() as c_ulong;
        let data = words.add(1).cast::<u8>();
        std::ptr::copy_nonoverlapping(pw.as_ptr(), data, pw.len());
        *data.add(pw.len()) = 0;
        *psecret = words.cast();
    }
    0
}

#[test]
fn caller_callbacks_are_read_at_every_connect() {
    let srv = SaslServer::start("plain cram-md5");
    let mut secret_buf = vec![0 as c_ulong; 64];
    // SAFETY: the signatures Cyrus prescribes for these ids, stored as `int (*)(void)`.
    let (u, p) = unsafe {
        (
            std::mem::transmute::<
                unsafe extern "C" fn(*mut c_void, c_int, *mut *const c_char, *mut c_uint) -> c_int,
                unsafe extern "C" fn() -> c_int,
            >(cb_user),
            std::mem::transmute::<
                unsafe extern "C" fn(
                    *mut c_void,
                    *mut c_void,
                    c_int,
                    *mut *mut sasl::sasl_secret_t,
                ) -> c_int,
                unsafe extern "C" fn() -> c_int,
            >(cb_pass),
        )
    };
    let array = [
        sasl_callback_t {
            id: 0x4001,
            proc_: Some(u),
            context: std::ptr::null_mut(),
        },
        sasl_callback_t {
            id: 0x4004,
            proc_: Some(p),
            context: secret_buf.as_mut_ptr().cast(),
        },
        sasl_callback_t {
            id: 0,
            proc_: None,
            context: std::ptr::null_mut(),
        },
    ];
    *CB_PASSWORD.lock().unwrap() = PASSWORD.into();
    let h = Handle::tcp(srv.port());
    h.behavior(BINARY_PROTOCOL, 1);
    sasl::memcached_set_sasl_callbacks(h.0, array.as_ptr());
    assert_eq!(h.callbacks().cast_const(), array.as_ptr());
    h.round_trip("cb", "callbacks")
        .unwrap_or_else(|rc| panic!("{rc:?}: {}", h.last_message()));
    let calls = CB_CALLS.load(Ordering::SeqCst);
    assert!(calls >= 1);

    // The password is read again on the next connection, not cached.
    *CB_PASSWORD.lock().unwrap() = "changed".into();
    h.quit();
    assert_eq!(h.set("cb", "x"), ReturnCode::AuthFailure);
    assert!(CB_CALLS.load(Ordering::SeqCst) > calls);

    // A clone copies what the caller's array says now, as 1.1.4 copies the
    // array (1.1.4's copy overflows a heap block): it never reads the
    // caller's array again, which may be gone by the time it connects.
    *CB_PASSWORD.lock().unwrap() = PASSWORD.into();
    let c = h.clone_handle();
    let calls = CB_CALLS.load(Ordering::SeqCst);
    assert!(!c.callbacks().is_null());
    assert_ne!(c.callbacks().cast_const(), array.as_ptr());
    *CB_PASSWORD.lock().unwrap() = "changed".into();
    assert_eq!(c.get("cb"), Ok("callbacks".into()), "{}", c.last_message());
    assert_eq!(CB_CALLS.load(Ordering::SeqCst), calls);
    drop(c);

    // SAFETY: a live handle.
    assert_eq!(
        sasl::memcached_destroy_sasl_auth_data(h.0),
        ReturnCode::Success
    );
    assert!(h.callbacks().is_null());
}

// ----- programs over our library -----------------------------------------------

fn tool(
    name: &str,
    lib: Option<&Path>,
    sasl_path: Option<&Path>,
    args: &[&str],
    cwd: &Path,
) -> common::Bounded {
    let mut cmd = Command::new(name);
    cmd.args(args).current_dir(cwd);
    run_with(cmd, lib, sasl_path)
}

/// Runs `cmd` (bounded) with our library directory on `LD_LIBRARY_PATH`
/// and `SASL_PATH` set when given.
fn run_with(mut cmd: Command, lib: Option<&Path>, sasl_path: Option<&Path>) -> common::Bounded {
    if let Some(dir) = lib {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    if let Some(p) = sasl_path {
        cmd.env("SASL_PATH", p);
    }
    run_bounded(&mut cmd, TOOL_LIMIT)
}

#[test]
fn debian_memccp_and_memccat_over_our_library() {
    let srv = SaslServer::start("plain cram-md5");
    let work = fresh_dir("sasl-tools");
    std::fs::write(work.join("file1"), "tool payload\n").unwrap();
    let servers = format!("--servers={}", srv.addr());
    let user = format!("--username={USER}");
    let pass = format!("--password={PASSWORD}");
    let ours = lib_dir();
    let cp = tool(
        "memccp",
        Some(&ours),
        None,
        &[&servers, "--binary", &user, &pass, "file1"],
        &work,
    );
    assert!(cp.success(), "memccp: {}", cp.describe());
    let cat = tool(
        "memccat",
        Some(&ours),
        None,
        &[&servers, "--binary", &user, &pass, "file1"],
        &work,
    );
    assert!(cat.success(), "memccat: {}", cat.describe());
    assert!(cat.stdout.contains("tool payload"), "{}", cat.describe());
    let bad = tool(
        "memccat",
        Some(&ours),
        None,
        &[&servers, "--binary", &user, "--password=nope", "file1"],
        &work,
    );
    assert!(
        !bad.success(),
        "a wrong password must fail: {}",
        bad.describe()
    );
    assert!(
        bad.stderr.contains("AUTHENTICATION FAILURE"),
        "{}",
        bad.describe()
    );
    assert!(!bad.stderr.contains("nope"), "{}", bad.describe());
}

const PYLIBMC_SCRIPT: &str = r#"
import sys, pylibmc
addr, user, pw = sys.argv[1:4]
c = pylibmc.Client([addr], binary=True, username=user, password=pw)
c.set("py", "pylibmc value")
assert c.get("py") == "pylibmc value"
assert c.clone().get("py") == "pylibmc value"
bad = pylibmc.Client([addr], binary=True, username=user, password="wrong")
try:
    bad.set("py", "x")
    print("wrong password accepted")
    sys.exit(1)
except pylibmc.Error as e:
    assert "41" in str(e), str(e)
print("ok")
"#;

fn pylibmc(lib: Option<&Path>, sasl_path: Option<&Path>, srv: &SaslServer) -> common::Bounded {
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.args(["-c", PYLIBMC_SCRIPT, &srv.addr(), USER, PASSWORD]);
    run_with(cmd, lib, sasl_path)
}

#[test]
fn pylibmc_over_our_library() {
    let srv = SaslServer::start("plain cram-md5");
    let run = pylibmc(Some(&lib_dir()), None, &srv);
    assert!(
        run.success() && run.stdout.contains("ok"),
        "{}",
        run.describe()
    );
}

#[test]
fn no_cyrus_plugin_needed() {
    // With SASL_PATH at an empty directory Cyrus finds no client mechanism:
    // Debian's library cannot authenticate, ours does not use Cyrus at all.
    let srv = SaslServer::start("plain cram-md5");
    let empty = fresh_dir("sasl-no-plugins");
    let work = fresh_dir("sasl-tools-noplugin");
    let servers = format!("--servers={}", srv.addr());
    let user = format!("--username={USER}");
    let pass = format!("--password={PASSWORD}");
    std::fs::write(work.join("file2"), "no plugins\n").unwrap();
    let args = [servers.as_str(), "--binary", &user, &pass, "file2"];

    assert!(
        debian_lib_dir().join("libmemcached.so.11").exists(),
        "Debian's libmemcached11 is needed for the comparison"
    );
    let deb = tool("memccp", None, Some(&empty), &args, &work);
    assert!(
        !deb.success(),
        "Debian's library should fail without plugins: {}",
        deb.describe()
    );
    assert!(deb.stderr.contains("AUTHENTICATION"), "{}", deb.describe());

    let ours = lib_dir();
    let cp = tool("memccp", Some(&ours), Some(&empty), &args, &work);
    assert!(cp.success(), "memccp: {}", cp.describe());
    let cat = tool("memccat", Some(&ours), Some(&empty), &args, &work);
    assert!(
        cat.success() && cat.stdout.contains("no plugins"),
        "{}",
        cat.describe()
    );
    let py = pylibmc(Some(&ours), Some(&empty), &srv);
    assert!(
        py.success() && py.stdout.contains("ok"),
        "{}",
        py.describe()
    );
}
