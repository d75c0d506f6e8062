//! The differential sequence tester (tests/sequences/README.md): random but
//! legal sequences of public calls, each run over Debian's libmemcached 1.1.4
//! and over ours, traces compared line by line.
//!
//! `tests/sequences/driver.py` builds `tests/sequences/seqrun.c` against
//! Debian's headers, starts its own memcached servers (as root in private
//! network namespaces, so ketama placement does not depend on free ports),
//! and runs a fixed range of seeds plus every seed of
//! `tests/sequences/corpus.txt`, with Debian's library run twice per seed
//! (its two traces must be identical). A difference passes only when a rule
//! of `tests/sequences/explained.txt` names it with an id of the README's
//! table of intentional differences.

mod common;

use common::{have_debian_lib, lib_dir, repo_root, run_bounded};
use std::io::Write;
use std::process::Command;
use std::time::Duration;

/// The fixed seed range `make test` runs (both protocols and 1 to 3 servers
/// come from the seeds).
const SEEDS: &str = "0:500";
/// Bound on the whole run (it takes about a minute and a half).
const LIMIT: Duration = Duration::from_secs(900);

#[test]
fn sequences_match_debian() {
    if !have_debian_lib() {
        eprintln!("note: Debian's libmemcached is not installed; the sequence tester needs it");
        return;
    }
    let root = repo_root();
    let out = common::fresh_dir("sequences");
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("tests/sequences/driver.py"))
        .arg("--ours")
        .arg(lib_dir())
        .args(["--seeds", SEEDS, "--self-check", "--jobs", "2", "--out"])
        .arg(&out);
    let run = run_bounded(&mut cmd, LIMIT);
    // The summary (and its "sequences: N passed, M failed" line) goes to the
    // real stderr, past the test harness's capture, so `cargo test` shows it.
    let summary: String = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("sequence tester:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let _ = std::io::stderr().write_all(summary.as_bytes());
    assert!(
        run.success(),
        "the sequence tester failed (traces kept in {}):\n{}",
        out.display(),
        run.describe()
    );
}
