//! Debian's command-line tools (`memccp`, `memccat`, `memcrm`,
//! `memcexist`, `memctouch`, `memcflush`, `memcdump`, `memcstat`) run over
//! Debian's libmemcached and over ours (`LD_LIBRARY_PATH`), each on a fresh
//! server, with the same scenario; their output and exit codes must match.
//! Skipped (with a message) where `libmemcached-tools` is not installed.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Memcached, lib_dir, run_bounded};

const LIMIT: Duration = Duration::from_secs(30);

/// One tool run: "exit=N" plus stdout and stderr, with the port replaced.
fn run_tool(ours: bool, port: u16, tool: &str, args: &[&str], cwd: &Path) -> String {
    let mut cmd = Command::new(format!("/usr/bin/{tool}"));
    cmd.current_dir(cwd)
        .arg(format!("--servers=127.0.0.1:{port}"))
        .args(args);
    cmd.env("LD_BIND_NOW", "1");
    if ours {
        cmd.env("LD_LIBRARY_PATH", lib_dir());
    } else {
        cmd.env_remove("LD_LIBRARY_PATH");
    }
    let r = run_bounded(&mut cmd, LIMIT);
    let out = format!(
        "$ {tool} {}\nexit={:?}\n{}{}",
        args.join(" "),
        r.status.and_then(|s| s.code()),
        r.stdout,
        r.stderr
    );
    out.replace(&port.to_string(), "PORT")
}

/// The scenario: every tool, plain and binary, hits and misses.
fn scenario(ours: bool) -> String {
    let server = Memcached::start();
    let dir = common::fresh_dir(if ours { "tools-ours" } else { "tools-debian" });
    std::fs::write(dir.join("alpha.txt"), b"first file\n").unwrap();
    std::fs::write(dir.join("beta.txt"), vec![b'b'; 100_000]).unwrap();
    let p = server.port;
    let mut log = String::new();
    let mut step = |tool: &str, args: &[&str]| {
        log.push_str(&run_tool(ours, p, tool, args, &dir));
    };
    step("memccp", &["alpha.txt"]);
    step("memccp", &["--binary", "beta.txt"]);
    step("memccp", &["--add", "alpha.txt"]);
    step("memccp", &["--replace", "missing.txt"]);
    step("memccat", &["alpha.txt"]);
    step("memccat", &["--binary", "alpha.txt"]);
    step("memccat", &["nokey"]);
    step("memccat", &["--binary", "nokey"]);
    step("memcexist", &["alpha.txt"]);
    step("memcexist", &["nokey"]);
    step("memcexist", &["--binary", "alpha.txt"]);
    step("memctouch", &["--expire=100", "alpha.txt"]);
    step("memctouch", &["--expire=100", "nokey"]);
    step("memctouch", &["--binary", "--expire=100", "alpha.txt"]);
    step("memcrm", &["beta.txt"]);
    step("memcrm", &["beta.txt"]);
    step("memcrm", &["--binary", "nokey"]);
    step("memcdump", &[]);
    step("memcflush", &[]);
    step("memccat", &["alpha.txt"]);
    step("memcflush", &["--binary"]);
    // memcstat: values differ between servers (pid, uptime...): compare names.
    let stat = run_tool(ours, p, "memcstat", &[], &dir);
    for line in stat.lines() {
        let name = line.split(':').next().unwrap_or("");
        log.push_str(name);
        log.push('\n');
    }
    log
}

#[test]
fn debian_tools_behave_the_same_over_our_library() {
    if !Path::new("/usr/bin/memccat").exists() || !common::have_debian_lib() {
        eprintln!("SKIP: libmemcached-tools or Debian's libmemcached is not installed");
        return;
    }
    let theirs = scenario(false);
    let ours = scenario(true);
    if theirs != ours {
        let mut diff = String::new();
        for (a, b) in theirs.lines().zip(ours.lines()) {
            if a != b {
                diff.push_str(&format!("- {a}\n+ {b}\n"));
            }
        }
        panic!(
            "tool outputs differ (debian -, ours +):\n{diff}\n--- debian ---\n{theirs}\n--- ours ---\n{ours}"
        );
    }
    assert!(
        theirs.contains("first file"),
        "the scenario really read a value:\n{theirs}"
    );
}
