//! TLS against a real `memcached -Z` on loopback, with a CA and
//! certificates the test makes with `openssl`: both protocols, mutual TLS,
//! a wrong CA, a wrong name, a plain-text server, and the handshake bound.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use memcached::core::behavior::id;
use memcached::core::client::{Client, VecSink};
use memcached::core::error::ReturnCode;
use memcached::core::tls::TlsSettings;

/// Certificates for one test: a CA, a server certificate for 127.0.0.1 and
/// localhost, a client certificate, and an unrelated CA.
pub struct Pki {
    pub dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Pki {
    pub fn make(name: &str) -> Pki {
        let dir = common::fresh_dir(name);
        for ca in ["ca", "otherca"] {
            openssl(
                &dir,
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    &format!("/CN=test {ca}"),
                    "-keyout",
                    &format!("{ca}.key"),
                    "-out",
                    &format!("{ca}.pem"),
                ],
            );
        }
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
        for who in ["server", "client"] {
            openssl(
                &dir,
                &[
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-subj",
                    &format!("/CN={who}"),
                    "-keyout",
                    &format!("{who}.key"),
                    "-out",
                    &format!("{who}.csr"),
                ],
            );
            let mut args = vec![
                "x509",
                "-req",
                "-in",
                &*format!("{who}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                &*format!("{who}.pem"),
            ]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
            args.push("-extfile".into());
            args.push(format!("{who}.ext"));
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            openssl(&dir, &refs);
        }
        Pki { dir }
    }

    pub fn path(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }
}

/// A `memcached -Z` on a free loopback port, stopped by PID on drop.
pub struct TlsServer {
    pub port: u16,
    child: Child,
}

impl TlsServer {
    pub fn start(pki: &Pki, mutual: bool) -> TlsServer {
        Self::start_with(pki, mutual, None)
    }

    /// With `sasl_dir`: also `-S`, with `SASL_CONF_PATH` there.
    pub fn start_with(pki: &Pki, mutual: bool, sasl_dir: Option<&Path>) -> TlsServer {
        let port = common::free_port();
        let mut opts = format!(
            "ssl_chain_cert={},ssl_key={}",
            pki.path("server.pem").display(),
            pki.path("server.key").display()
        );
        if mutual {
            opts.push_str(&format!(
                ",ssl_ca_cert={},ssl_verify_mode=2",
                pki.path("ca.pem").display()
            ));
        }
        let mut cmd = Command::new("memcached");
        cmd.args([
            "-l",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "0",
            "-Z",
            "-o",
            &opts,
        ]);
        if let Some(dir) = sasl_dir {
            cmd.arg("-S").env("SASL_CONF_PATH", dir);
        }
        if unsafe_is_root() {
            cmd.args(["-u", "root"]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("memcached");
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "memcached -Z did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        TlsServer { port, child }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unsafe_is_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || Path::new("/root").metadata().is_ok_and(|_| {
            std::fs::read_to_string("/proc/self/status")
                .map(|s| {
                    s.lines()
                        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
                })
                .unwrap_or(false)
        })
}

fn client(port: u16, tls: TlsSettings, binary: bool) -> Client {
    let mut c = Client::new();
    c.tls = Some(tls);
    let spec = common::loopback(port);
    c.add_server(&spec);
    c.behavior_set(id::BINARY_PROTOCOL, u64::from(binary))
        .unwrap();
    c.behavior_set(id::CONNECT_TIMEOUT, 2000).unwrap();
    c
}

fn set(
    c: &mut Client,
    key: &[u8],
    value: &[u8],
) -> Result<ReturnCode, memcached::core::error::Error> {
    c.store(&common::set_request(key, value, 0))
}

#[test]
fn tls_round_trips_in_both_protocols_and_mutual_tls() {
    let pki = Pki::make("tls-basic");
    for mutual in [false, true] {
        let server = TlsServer::start(&pki, mutual);
        for binary in [false, true] {
            let (cert, key) = if mutual {
                (Some(pki.path("client.pem")), Some(pki.path("client.key")))
            } else {
                (None, None)
            };
            let mut c = client(
                server.port,
                TlsSettings::new(Some(pki.path("ca.pem")), cert, key, None),
                binary,
            );
            assert_eq!(
                set(&mut c, b"k", b"secret value").unwrap(),
                ReturnCode::Success,
                "mutual={mutual}"
            );
            let big = vec![b'z'; 300_000];
            assert_eq!(set(&mut c, b"big", &big).unwrap(), ReturnCode::Success);
            let mut sink = VecSink::default();
            assert!(c.get(b"k", b"k", &mut sink).unwrap().is_some());
            assert_eq!(sink.value, b"secret value");
            assert!(c.get(b"big", b"big", &mut sink).unwrap().is_some());
            assert_eq!(sink.value, big);
            let keys = [b"k".to_vec(), b"big".to_vec(), b"none".to_vec()];
            let key_at = |i: usize| keys[i].as_slice();
            c.mget(None, 3, &key_at).unwrap();
            let mut n = 0;
            while c.fetch(&mut sink).unwrap().is_some() {
                n += 1;
            }
            assert_eq!(n, 2);
        }
    }
}

fn expect_tls_failure(mut c: Client, words: &str) {
    let t = Instant::now();
    let e = set(&mut c, b"k", b"v").unwrap_err();
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    assert!(
        matches!(e.code, ReturnCode::ConnectionFailure | ReturnCode::Timeout),
        "{e}"
    );
    let msg = e.message.unwrap_or_default();
    assert!(msg.contains("TLS") && msg.contains(words), "message: {msg}");
    assert!(msg.contains("127.0.0.1"), "message names the server: {msg}");
}

#[test]
fn tls_failures_are_connection_failures_with_clear_messages() {
    let pki = Pki::make("tls-failures");
    let server = TlsServer::start(&pki, false);
    // A CA that did not sign the server's certificate.
    expect_tls_failure(
        client(
            server.port,
            TlsSettings::new(Some(pki.path("otherca.pem")), None, None, None),
            false,
        ),
        "not trusted",
    );
    // A name the certificate is not valid for.
    expect_tls_failure(
        client(
            server.port,
            TlsSettings::new(
                Some(pki.path("ca.pem")),
                None,
                None,
                Some("example.org".into()),
            ),
            false,
        ),
        "not valid for the server name",
    );
    // The right name given explicitly works.
    let mut c = client(
        server.port,
        TlsSettings::new(
            Some(pki.path("ca.pem")),
            None,
            None,
            Some("localhost".into()),
        ),
        true,
    );
    assert_eq!(set(&mut c, b"k", b"v").unwrap(), ReturnCode::Success);
    // A server that speaks plain text: an error, never a hang or a fallback.
    let plain = common::Memcached::start();
    expect_tls_failure(
        client(
            plain.port,
            TlsSettings::new(Some(pki.path("ca.pem")), None, None, None),
            false,
        ),
        "",
    );
    // Mutual TLS without a client certificate is refused by the server.
    let mutual = TlsServer::start(&pki, true);
    let mut c = client(
        mutual.port,
        TlsSettings::new(Some(pki.path("ca.pem")), None, None, None),
        false,
    );
    assert!(set(&mut c, b"k", b"v").is_err());
}

#[test]
fn killed_tls_server_mid_session_is_a_clean_error_and_restarts_work() {
    let pki = Pki::make("tls-kill");
    let server = TlsServer::start(&pki, false);
    let port = server.port;
    let mut c = client(
        port,
        TlsSettings::new(Some(pki.path("ca.pem")), None, None, None),
        true,
    );
    c.behavior_set(id::RETRY_TIMEOUT, 1).unwrap();
    assert_eq!(set(&mut c, b"k", b"v").unwrap(), ReturnCode::Success);
    drop(server);
    let mut sink = VecSink::default();
    assert!(c.get(b"k", b"k", &mut sink).is_err());
    assert!(set(&mut c, b"k", b"v").is_err());
}

/// Environment for an unchanged program: our library plus the TLS variables.
fn tls_env(cmd: &mut Command, pki: &Pki, ca: &str) {
    cmd.env("LD_LIBRARY_PATH", common::lib_dir())
        .env("LIBMEMCACHED_TLS", "1")
        .env("LIBMEMCACHED_TLS_CA_FILE", pki.path(ca));
}

const PYLIBMC_SCRIPT: &str = r#"
import sys, time, pylibmc
addr, binary, expect = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
maps = open("/proc/self/maps").read()
assert "staged-lib/libmemcached.so.11" in maps or "/build/lib/libmemcached.so.11" in maps, "not our library"
c = pylibmc.Client([addr], binary=binary, behaviors={"connect_timeout": 2000, "_poll_timeout": 2000})
t = time.time()
try:
    c.set("tls-key", "over tls")
    got = c.get("tls-key")
    print("ok" if got == "over tls" else "wrong value %r" % got)
except pylibmc.Error as e:
    print("error after %.1fs: %s" % (time.time() - t, e))
"#;

#[test]
fn debian_pylibmc_and_tools_use_tls_from_the_environment() {
    if !Path::new("/usr/lib/python3/dist-packages/pylibmc").exists()
        || !Path::new("/usr/bin/memccat").exists()
    {
        eprintln!("SKIP: python3-pylibmc or libmemcached-tools is not installed");
        return;
    }
    let pki = Pki::make("tls-env");
    let server = TlsServer::start(&pki, false);
    let addr = format!("127.0.0.1:{}", server.port);
    let run_py = |ca: &str, addr: &str, binary: bool| {
        let mut cmd = Command::new("/usr/bin/python3");
        cmd.args([
            "-c",
            PYLIBMC_SCRIPT,
            addr,
            if binary { "1" } else { "0" },
            "",
        ]);
        tls_env(&mut cmd, &pki, ca);
        let t = Instant::now();
        let r = common::run_bounded(&mut cmd, Duration::from_secs(20));
        (r.stdout.trim().to_owned() + &r.stderr, t.elapsed())
    };
    for binary in [false, true] {
        let (out, _) = run_py("ca.pem", &addr, binary);
        assert_eq!(out, "ok", "binary={binary}");
        let (out, took) = run_py("otherca.pem", &addr, binary);
        assert!(out.starts_with("error"), "wrong CA must fail: {out}");
        assert!(
            took < Duration::from_secs(3) + Duration::from_millis(500),
            "wrong CA took {took:?}"
        );
    }
    let plain = common::Memcached::start();
    let (out, took) = run_py("ca.pem", &plain.addr(), false);
    assert!(out.starts_with("error"), "plain server must fail: {out}");
    assert!(took < Duration::from_secs(4), "plain server took {took:?}");

    // Debian's memccp/memccat, unchanged.
    let dir = common::fresh_dir("tls-tools");
    std::fs::write(dir.join("file.txt"), b"copied over TLS\n").unwrap();
    let servers = format!("--servers={addr}");
    let mut cp = Command::new("/usr/bin/memccp");
    cp.current_dir(&dir).args([servers.as_str(), "file.txt"]);
    tls_env(&mut cp, &pki, "ca.pem");
    let r = common::run_bounded(&mut cp, Duration::from_secs(20));
    assert!(r.success(), "memccp: {}", r.describe());
    let mut cat = Command::new("/usr/bin/memccat");
    cat.args([servers.as_str(), "file.txt"]);
    tls_env(&mut cat, &pki, "ca.pem");
    let r = common::run_bounded(&mut cat, Duration::from_secs(20));
    assert!(
        r.success() && r.stdout.contains("copied over TLS"),
        "memccat: {}",
        r.describe()
    );
    let mut bad = Command::new("/usr/bin/memccat");
    bad.args([servers.as_str(), "file.txt"]);
    tls_env(&mut bad, &pki, "otherca.pem");
    let r = common::run_bounded(&mut bad, Duration::from_secs(20));
    assert!(!r.success(), "memccat with a wrong CA must fail");
}

const C_PROGRAM: &str = r#"
#include <libmemcached-rs/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    /* argv: port ca cert key [config] */
    memcached_st *m = argc > 5 ? memcached(argv[5], strlen(argv[5])) : memcached_create(NULL);
    if (!m) { printf("config refused\n"); return 1; }
    if (argc <= 5) {
        memcached_server_add(m, "127.0.0.1", (in_port_t)atoi(argv[1]));
        memcached_return_t rc = memcached_set_tls(m, argv[2], argv[3][0] ? argv[3] : NULL,
                                                  argv[4][0] ? argv[4] : NULL, NULL);
        if (rc != MEMCACHED_SUCCESS) { printf("set_tls %d %s\n", rc, memcached_last_error_message(m)); return 1; }
    }
    for (int binary = 0; binary < 2; binary++) {
        memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, (uint64_t)binary);
        memcached_return_t rc = memcached_set(m, "c-key", 5, "c-value", 7, 0, 0);
        size_t len; uint32_t flags;
        char *v = memcached_get(m, "c-key", 5, &len, &flags, &rc);
        printf("%d %d %s\n", binary, rc, v ? v : memcached_last_error_message(m));
        free(v);
    }
    memcached_st *c = memcached_clone(NULL, m);
    memcached_return_t rc;
    size_t len; uint32_t flags;
    char *v = memcached_get(c, "c-key", 5, &len, &flags, &rc);
    printf("clone %d %s\n", rc, v ? v : memcached_last_error_message(c));
    free(v);
    printf("bad ca file: %d\n", memcached_set_tls(c, "/nonexistent/ca.pem", NULL, NULL, NULL));
    printf("clear: %d\n", memcached_clear_tls(c));
    memcached_free(c);
    memcached_free(m);
    return 0;
}
"#;

#[test]
fn c_api_and_configuration_language_with_mutual_tls() {
    let pki = Pki::make("tls-capi");
    let dir = common::fresh_dir("tls-capi-build");
    std::fs::write(dir.join("p.c"), C_PROGRAM).unwrap();
    let lib = common::lib_dir();
    let out = Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(dir.join("p"))
        .arg(dir.join("p.c"))
        .arg("-I")
        .arg(common::repo_root().join("include"))
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lmemcached")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = TlsServer::start(&pki, true);
    let port = server.port.to_string();
    let p = |s: &str| pki.path(s).display().to_string();
    let run = |args: &[String]| {
        let mut cmd = Command::new(dir.join("p"));
        cmd.args(args).env_remove("LIBMEMCACHED_TLS");
        common::run_bounded(&mut cmd, Duration::from_secs(20))
    };
    let r = run(&[port.clone(), p("ca.pem"), p("client.pem"), p("client.key")]);
    let expected = "0 0 c-value\n1 0 c-value\nclone 0 c-value\nbad ca file: 38\nclear: 0\n";
    assert_eq!(r.stdout, expected, "{}", r.describe());
    // Without the client certificate the mutual-TLS server refuses us.
    let r = run(&[port.clone(), p("ca.pem"), String::new(), String::new()]);
    assert!(!r.stdout.starts_with("0 0 c-value"), "{}", r.describe());
    // The configuration language.
    let config = format!(
        "--SERVER=127.0.0.1:{port} --TLS-CA-FILE=\"{}\" --TLS-CERT-FILE=\"{}\" --TLS-KEY-FILE=\"{}\"",
        p("ca.pem"),
        p("client.pem"),
        p("client.key")
    );
    let r = run(&[
        port.clone(),
        String::new(),
        String::new(),
        String::new(),
        config,
    ]);
    assert!(
        r.stdout
            .starts_with("0 0 c-value\n1 0 c-value\nclone 0 c-value\n"),
        "{}",
        r.describe()
    );
}

#[test]
fn sasl_over_tls_with_debian_pylibmc() {
    if !Path::new("/usr/lib/python3/dist-packages/pylibmc").exists()
        || !Path::new("/usr/sbin/saslpasswd2").exists()
    {
        eprintln!("SKIP: python3-pylibmc or sasl2-bin is not installed");
        return;
    }
    let pki = Pki::make("tls-sasl");
    let db = pki.path("sasldb2");
    let mut child = Command::new("saslpasswd2")
        .args(["-p", "-a", "memcached", "-c", "-f"])
        .arg(&db)
        .arg("tlsuser")
        .stdin(Stdio::piped())
        .spawn()
        .expect("saslpasswd2");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"tlspass\n").unwrap();
    assert!(child.wait().unwrap().success());
    std::fs::write(
        pki.path("memcached.conf"),
        format!("mech_list: plain cram-md5\nsasldb_path: {}\n", db.display()),
    )
    .unwrap();
    let server = TlsServer::start_with(&pki, false, Some(&pki.dir));
    let script = r#"
import sys, pylibmc
c = pylibmc.Client([sys.argv[1]], binary=True, username="tlsuser", password=sys.argv[2])
try:
    c.set("s", "sasl over tls")
    print("ok" if c.get("s") == "sasl over tls" else "wrong value")
except pylibmc.Error as e:
    print("error: %s" % e)
"#;
    let addr = format!("127.0.0.1:{}", server.port);
    for (pass, want) in [("tlspass", "ok"), ("wrong", "error")] {
        let mut cmd = Command::new("/usr/bin/python3");
        cmd.args(["-c", script, &addr, pass]);
        tls_env(&mut cmd, &pki, "ca.pem");
        let r = common::run_bounded(&mut cmd, Duration::from_secs(20));
        assert!(
            r.stdout.trim().starts_with(want),
            "password {pass}: {}",
            r.describe()
        );
    }
}
