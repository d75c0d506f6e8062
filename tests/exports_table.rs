//! `docs/exports.md` must match the library this test run built: the table of
//! Debian's 186 exported functions and whether ours exports each one.

mod common;

use common::{lib_dir, repo_root, run_bounded};
use std::process::Command;
use std::time::Duration;

#[test]
fn exports_table_is_up_to_date() {
    let root = repo_root();
    let fresh = common::fresh_dir("exports-table").join("exports.md");
    let run = run_bounded(
        Command::new("python3")
            .arg(root.join("scripts/exports-table.py"))
            .arg(lib_dir().join("libmemcached.so.11"))
            .arg(&fresh),
        Duration::from_secs(60),
    );
    assert!(
        run.success(),
        "scripts/exports-table.py failed: {}",
        run.describe()
    );
    let fresh = std::fs::read_to_string(&fresh).expect("read the regenerated table");
    let committed = std::fs::read_to_string(root.join("docs/exports.md")).unwrap_or_default();
    if fresh != committed {
        let first_difference = fresh
            .lines()
            .zip(committed.lines().chain(std::iter::repeat("(end of file)")))
            .find(|(f, c)| f != c)
            .map(|(f, c)| format!("committed: {c}\nbuilt now: {f}"))
            .unwrap_or_else(|| "the committed file has extra lines at the end".to_string());
        panic!(
            "docs/exports.md is stale: run `make exports-table` and commit it.\n{first_difference}"
        );
    }
}

#[test]
fn debian_export_list_is_complete() {
    let list = std::fs::read_to_string(repo_root().join("docs/debian-exports.txt"))
        .expect("docs/debian-exports.txt");
    let count = |lib: &str| {
        list.lines()
            .filter(|l| l.split_whitespace().next() == Some(lib))
            .count()
    };
    assert_eq!(count("libmemcached.so.11"), 138);
    assert_eq!(count("libhashkit.so.2"), 33);
    assert_eq!(count("libmemcachedutil.so.2"), 15);
}
