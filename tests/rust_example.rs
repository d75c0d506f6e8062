//! The safe Rust API's example (`core/examples/shared_cluster.rs`) runs
//! against real servers: values written from Rust read back, keys land
//! where libmemcached puts them (checked through our C ABI, whose placement
//! tests/ctests.rs compares with Debian's), and the lock and counter work.

mod common;

use common::{Memcached, repo_root, run_bounded};
use std::ffi::CString;
use std::process::Command;
use std::time::Duration;

#[test]
fn shared_cluster_example_runs() {
    let servers = [Memcached::start(), Memcached::start(), Memcached::start()];
    let list: Vec<String> = servers.iter().map(|s| s.addr()).collect();
    let list = list.join(",");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(repo_root())
        .args([
            "run",
            "--quiet",
            "-p",
            "memcached-core",
            "--example",
            "shared_cluster",
        ])
        .env("MEMCACHED_SERVERS", &list);
    let run = run_bounded(&mut cmd, Duration::from_secs(600));
    assert!(run.success(), "{}", run.describe());
    let out = run.stdout;
    assert!(out.contains("get_multi: 4 of 4 keys"), "{out}");
    assert!(out.contains("user:1 = \"value 0 from Rust\""), "{out}");
    assert!(
        out.contains("add (lock taken): true\nadd again: false\ndelete: true"),
        "{out}"
    );
    assert!(out.contains("increment: 42"), "{out}");

    // Every `key -> host:port` line names the server libmemcached's
    // memcached_server_by_key gives for that key (KETAMA, the same list).
    let servers_c = CString::new(list.clone()).unwrap();
    let memc = {
        let memc = memcached::ffi::memcached::memcached_create(std::ptr::null_mut());
        let parsed = memcached::ffi::server::memcached_servers_parse(servers_c.as_ptr());
        memcached::ffi::server::memcached_server_push(memc, parsed);
        memcached::ffi::server::memcached_server_list_free(parsed);
        memcached::ffi::behavior::memcached_behavior_set(memc, 3 /* KETAMA */, 1);
        memc
    };
    assert!(!memc.is_null());
    let mut lines = 0;
    for line in out.lines().filter(|l| l.contains(" -> ")) {
        let (key, server) = line.split_once(" -> ").unwrap();
        let mut rc: memcached::ffi::types::memcached_return_t =
            memcached::core::error::ReturnCode::Failure.into();
        let inst = memcached::ffi::server::memcached_server_by_key(
            memc,
            key.as_ptr().cast(),
            key.len(),
            &mut rc,
        );
        assert!(!inst.is_null(), "{key}");
        // SAFETY: an instance of the live handle.
        let (name, port) = unsafe {
            (
                std::ffi::CStr::from_ptr(memcached::ffi::server::memcached_server_name(inst)),
                memcached::ffi::server::memcached_server_port(inst),
            )
        };
        assert_eq!(
            format!("{}:{port}", name.to_str().unwrap()),
            server,
            "{key}"
        );
        lines += 1;
    }
    assert_eq!(lines, 4, "{out}");
    memcached::ffi::memcached::memcached_free(memc);
}
