//! Shared fixtures for the Rust integration tests (`mod common;`).
//!
//! * [`Memcached`] runs a private `memcached` server (Debian's binary) on a
//!   free loopback port or a unix socket and stops exactly that process when
//!   dropped.
//! * [`lib_dir`] stages the freshly built cdylib as `libmemcached.so.11` (plus
//!   thin `libhashkit.so.2` / `libmemcachedutil.so.2`) so C programs can link
//!   against it and load it; [`have_debian_lib`] says whether Debian's
//!   reference library is installed for comparisons.
//! * [`run_bounded`] runs a child process with a hard time limit.
//!
//! About the cdylib during `cargo test`: cargo builds the library target with
//! all its crate types, so the test build compiles `libmemcached.so` too, but
//! leaves it in `<target>/<profile>/deps/` (only `cargo build` copies it up to
//! `<target>/<profile>/`). The test executables live in that same `deps/`
//! directory, so [`lib_dir`] looks next to `std::env::current_exe()` first.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take to accept connections after it was spawned.
const START_TIMEOUT: Duration = Duration::from_secs(5);
/// How many fresh ports [`Memcached::start_with`] tries when a port clashes.
const PORT_ATTEMPTS: usize = 20;

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A directory for scratch files of integration tests, inside the target dir.
pub fn tmp_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// A fresh, empty directory under [`tmp_dir`] whose name starts with `name`.
pub fn fresh_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = tmp_dir().join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// True when the test process runs as root (memcached then needs `-u`).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Sends `signal` to process `pid`; false when the process does not exist.
/// A negative `pid` addresses a process group.
fn send_signal(pid: libc::pid_t, signal: libc::c_int) -> bool {
    // SAFETY: kill(2) takes plain integers and touches no memory of ours; the
    // pid is one of our own children (or its process group).
    unsafe { libc::kill(pid, signal) == 0 }
}

fn pid_t(pid: u32) -> libc::pid_t {
    libc::pid_t::try_from(pid).expect("pid fits pid_t")
}

/// Where a [`Memcached`] listens.
#[derive(Clone, Debug)]
enum Listen {
    Tcp(u16),
    Unix(PathBuf),
}

/// A private memcached server, killed (by PID) when dropped.
pub struct Memcached {
    /// The TCP port on 127.0.0.1 (0 for a unix-socket server).
    pub port: u16,
    /// The PID of the running server process (of the last one after a restart).
    pub pid: u32,
    /// The socket path of a unix-socket server.
    pub socket: Option<PathBuf>,
    child: Option<Child>,
    extra_args: Vec<String>,
    log: PathBuf,
}

impl Memcached {
    /// Starts `memcached -l 127.0.0.1 -p PORT -U 0` on a free port.
    pub fn start() -> Memcached {
        Memcached::start_with(&[])
    }

    /// Like [`Memcached::start`] with extra command-line arguments (e.g. `-S`).
    pub fn start_with(args: &[&str]) -> Memcached {
        let mut last_error = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            let mut server = Memcached::new(Listen::Tcp(port), args);
            match server.spawn() {
                Ok(()) => return server,
                Err(SpawnError::PortInUse(log)) => last_error = log,
                Err(SpawnError::Failed(msg)) => panic!("memcached on port {port}: {msg}"),
            }
        }
        panic!("memcached: no free port after {PORT_ATTEMPTS} attempts; last log:\n{last_error}");
    }

    /// Starts `memcached -s PATH -a 0766` listening on a unix socket only.
    pub fn start_unix(path: impl AsRef<Path>) -> Memcached {
        Memcached::start_unix_with(path, &[])
    }

    /// Like [`Memcached::start_unix`] with extra command-line arguments.
    pub fn start_unix_with(path: impl AsRef<Path>, args: &[&str]) -> Memcached {
        let path = path.as_ref().to_path_buf();
        let mut server = Memcached::new(Listen::Unix(path.clone()), args);
        if let Err(e) = server.spawn() {
            panic!("memcached on {}: {}", path.display(), e.message());
        }
        server
    }

    fn new(listen: Listen, args: &[&str]) -> Memcached {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let logs = tmp_dir().join("memcached-logs");
        std::fs::create_dir_all(&logs).expect("create memcached log dir");
        let (port, socket) = match listen {
            Listen::Tcp(port) => (port, None),
            Listen::Unix(path) => (0, Some(path)),
        };
        Memcached {
            port,
            pid: 0,
            socket,
            child: None,
            extra_args: args.iter().map(|s| s.to_string()).collect(),
            log: logs.join(format!("{}-{n}.log", std::process::id())),
        }
    }

    /// "127.0.0.1:PORT".
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server as libmemcached's server-list syntax expects it: "127.0.0.1:PORT"
    /// or the socket path.
    pub fn server_string(&self) -> String {
        match &self.socket {
            Some(path) => path.display().to_string(),
            None => self.addr(),
        }
    }

    /// The server's stderr so far (memcached logs there).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// True while the server process has not exited.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Stops the server gracefully (SIGTERM), escalating to SIGKILL after 5 s.
    pub fn stop(&mut self) {
        self.terminate(libc::SIGTERM);
    }

    /// Kills the server abruptly (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        self.terminate(libc::SIGKILL);
    }

    /// Freezes the server (SIGSTOP): connections are accepted by the kernel
    /// but never answered.
    pub fn sigstop(&self) {
        assert!(self.child.is_some(), "sigstop: server is not running");
        assert!(
            send_signal(pid_t(self.pid), libc::SIGSTOP),
            "sigstop {} failed",
            self.pid
        );
        // The signal is asynchronous: wait (bounded) until every thread of
        // the server is really stopped, so no request is answered after.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !all_threads_stopped(self.pid) {
            assert!(
                Instant::now() < deadline,
                "memcached {} did not stop",
                self.pid
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Resumes a server frozen by [`Memcached::sigstop`].
    pub fn sigcont(&self) {
        assert!(self.child.is_some(), "sigcont: server is not running");
        assert!(
            send_signal(pid_t(self.pid), libc::SIGCONT),
            "sigcont {} failed",
            self.pid
        );
    }

    /// Stops the server if it runs, then starts it again on the same port (or
    /// socket) with the same arguments. The data is gone afterwards.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.spawn() {
                Ok(()) => return,
                // The old socket may linger briefly; memcached uses SO_REUSEADDR,
                // so a clash here means someone else took the port.
                Err(SpawnError::PortInUse(_)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!(
                    "memcached restart on {}: {}",
                    self.server_string(),
                    e.message()
                ),
            }
        }
    }

    fn terminate(&mut self, signal: libc::c_int) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(None)) {
            send_signal(pid_t(self.pid), signal);
            // A stopped process only acts on SIGTERM once it is continued.
            send_signal(pid_t(self.pid), libc::SIGCONT);
            let deadline = Instant::now() + START_TIMEOUT;
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
        }
        let _ = child.wait();
    }

    /// Spawns memcached and waits until it answers `stats` with its own PID.
    fn spawn(&mut self) -> Result<(), SpawnError> {
        let log = std::fs::File::create(&self.log).expect("create memcached log");
        let mut cmd = Command::new("memcached");
        match &self.socket {
            Some(path) => {
                cmd.arg("-s").arg(path).args(["-a", "0766"]);
            }
            None => {
                cmd.args(["-l", "127.0.0.1", "-p", &self.port.to_string(), "-U", "0"]);
            }
        }
        if running_as_root() {
            cmd.args(["-u", "root"]);
        }
        // "{port}" in an extra argument is the server's TCP port (e.g.
        // `-U {port}` for UDP on the same port number).
        let port = self.port.to_string();
        cmd.args(self.extra_args.iter().map(|a| a.replace("{port}", &port)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log));
        let child = cmd.spawn().map_err(|e| {
            SpawnError::Failed(format!("cannot run memcached: {e} (is it installed?)"))
        })?;
        self.pid = child.id();
        self.child = Some(child);

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.answers_with_own_pid() {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                self.child = None;
                let log = self.log_text();
                return Err(if log.contains("Address already in use") {
                    SpawnError::PortInUse(log)
                } else {
                    SpawnError::Failed(format!("exited early ({status}); log:\n{log}"))
                });
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(SpawnError::Failed(format!(
                    "not answering after {START_TIMEOUT:?}; log:\n{}",
                    self.log_text()
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Connects and asks `stats`: only our own child answers with our PID, so
    /// a server of someone else that grabbed the same port is not mistaken
    /// for ours.
    fn answers_with_own_pid(&self) -> bool {
        let timeout = Duration::from_millis(500);
        let reply = match &self.socket {
            Some(path) => UnixStream::connect(path).ok().and_then(|s| {
                s.set_read_timeout(Some(timeout)).ok()?;
                s.set_write_timeout(Some(timeout)).ok()?;
                stats_reply(s)
            }),
            None => TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), timeout)
                .ok()
                .and_then(|s| {
                    s.set_read_timeout(Some(timeout)).ok()?;
                    s.set_write_timeout(Some(timeout)).ok()?;
                    stats_reply(s)
                }),
        };
        let want = format!("STAT pid {}\r\n", self.pid);
        reply.is_some_and(|r| r.contains(&want))
    }
}

impl Drop for Memcached {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
        if let Some(path) = &self.socket {
            let _ = std::fs::remove_file(path);
        }
    }
}

enum SpawnError {
    /// The port was taken (by anyone); another port may work.
    PortInUse(String),
    Failed(String),
}

impl SpawnError {
    fn message(&self) -> &str {
        match self {
            SpawnError::PortInUse(log) | SpawnError::Failed(log) => log,
        }
    }
}

/// Sends `stats` and reads up to the terminating `END` (bounded by the
/// stream's timeouts and a size limit).
fn stats_reply(mut stream: impl Read + Write) -> Option<String> {
    stream.write_all(b"stats\r\n").ok()?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while !reply.ends_with(b"END\r\n") && reply.len() < 65536 {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(reply).ok()
}

/// A loopback port that was free a moment ago (bind port 0, read, release).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// The outcome of [`run_bounded`].
pub struct Bounded {
    /// `None` when the child was killed for running too long.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl Bounded {
    /// True when the child exited by itself with status 0.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// "exit status: N" / "killed after the time limit", plus both outputs.
    pub fn describe(&self) -> String {
        let status = match self.status {
            Some(s) => s.to_string(),
            None => "killed: ran past its time limit".to_string(),
        };
        format!(
            "{status}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` to completion with its output captured, killing it (and its
/// process group, so e.g. make's children go too) after `limit`.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Bounded {
    let program = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let out = drain(child.stdout.take().expect("piped stdout"));
    let err = drain(child.stderr.take().expect("piped stderr"));

    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            // The child leads its own process group (process_group(0) above).
            send_signal(-pid_t(child.id()), libc::SIGKILL);
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // A grandchild that outlives the child could hold the pipes open: wait
    // for the output a little, then take what arrived.
    let collect = |rx: std::sync::mpsc::Receiver<Vec<u8>>| {
        let bytes = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Bounded {
        status,
        stdout: collect(out),
        stderr: collect(err),
    }
}

/// Reads a pipe to its end on a helper thread.
fn drain(mut pipe: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(bytes);
    });
    rx
}

/// The directory holding the freshly built cdylib, staged as
/// `libmemcached.so.11` (+ `.so.11.0.0`, `.so`) with thin `libhashkit.so.2` and
/// `libmemcachedutil.so.2` (see `scripts/stage-lib.sh`). Canonical, so it
/// matches the paths in `/proc/<pid>/maps`. Staged once per test process.
pub fn lib_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let cdylib = built_cdylib();
        let deps = cdylib.parent().expect("cdylib has a parent");
        let profile_dir = if deps.ends_with("deps") {
            deps.parent().expect("deps has a parent")
        } else {
            deps
        };
        let dir = profile_dir.join("staged-lib");
        let script = repo_root().join("scripts/stage-lib.sh");
        let run = run_bounded(
            Command::new("bash").arg(&script).arg(&dir).arg(&cdylib),
            Duration::from_secs(120),
        );
        assert!(
            run.success(),
            "{} failed: {}",
            script.display(),
            run.describe()
        );
        dir.canonicalize().expect("canonicalize staged lib dir")
    })
    .clone()
}

/// The `libmemcached.so` cargo built for this test run.
fn built_cdylib() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test executable has a parent");
    let mut candidates = vec![deps.join("libmemcached.so")];
    if let Some(profile_dir) = deps.parent() {
        candidates.push(profile_dir.join("libmemcached.so"));
    }
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "the cdylib libmemcached.so was not found (looked at {candidates:?}); \
                 `cargo test` builds it alongside the rlib, so the crate-type list in \
                 Cargo.toml must keep \"cdylib\""
            )
        })
}

/// True when Debian's libmemcached (headers and shared library) is installed,
/// so programs can be compared against the reference implementation.
pub fn have_debian_lib() -> bool {
    Path::new("/usr/include/libmemcached-1.0/memcached.h").is_file()
        && debian_lib_dir().join("libmemcached.so.11").exists()
        && debian_lib_dir().join("libmemcached.so").exists()
}

/// True when Debian's python3-pylibmc (its compiled module) is installed.
pub fn have_debian_pylibmc() -> bool {
    Path::new("/usr/bin/python3").is_file()
        && std::fs::read_dir("/usr/lib/python3/dist-packages").is_ok_and(|dir| {
            dir.flatten().any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("_pylibmc.cpython")
            })
        })
}

/// Where Debian installs its libraries (multiarch directory).
pub fn debian_lib_dir() -> PathBuf {
    PathBuf::from(format!("/usr/lib/{}-linux-gnu", std::env::consts::ARCH))
}

/// Whether every thread of `pid` is in the stopped state ('T').
fn all_threads_stopped(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    let mut any = false;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            return false;
        };
        // The state follows the ")" that closes the command name.
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next());
        if state != Some('T') && state != Some('t') {
            return false;
        }
        any = true;
    }
    any
}

/// A TCP server spec for `127.0.0.1:port`, weight 1 (for the core client).
pub fn loopback(port: u16) -> memcached::core::server_list::ServerSpec {
    memcached::core::server_list::ServerSpec {
        hostname: "127.0.0.1".into(),
        port,
        weight: 1,
        kind: memcached::core::server_list::ServerKind::Tcp,
    }
}

/// A plain `set` request of `value` under `key` (no expiry, no CAS).
pub fn set_request<'a>(
    key: &'a [u8],
    value: &'a [u8],
    flags: u32,
) -> memcached::core::client::storage::Store<'a> {
    memcached::core::client::storage::Store {
        mode: memcached::core::client::storage::StoreMode::Set,
        group: key,
        key,
        value,
        exptime: 0,
        flags,
        cas: 0,
    }
}
