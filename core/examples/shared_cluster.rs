//! A Rust service sharing a memcached cluster with libmemcached programs.
//!
//! Run against the servers in `MEMCACHED_SERVERS` (`host:port,host:port`,
//! default `127.0.0.1:11211`), e.g. the one `make demo` starts:
//!
//! ```sh
//! MEMCACHED_SERVERS=127.0.0.1:11211 cargo run -p memcached-core --example shared_cluster
//! ```
//!
//! It uses pylibmc's usual setting (`ketama: True`), so a key lands on the
//! server where pylibmc, PHP's Memcached, Perl's Memcached::libmemcached and
//! C programs on libmemcached put it: each prints `key -> host:port`, which
//! `memcached_server_by_key` (or `memcstat`/`memccat --servers=...`) confirms.

use memcached_core::Memcache;
use memcached_core::behavior::id;
use memcached_core::error::Error;

fn main() -> Result<(), Error> {
    let servers =
        std::env::var("MEMCACHED_SERVERS").unwrap_or_else(|_| "127.0.0.1:11211".to_string());
    let mut mc = Memcache::new();
    for server in servers.split(',') {
        let (host, port) = server.rsplit_once(':').unwrap_or((server, "11211"));
        mc.add_server(host, port.parse().unwrap_or(11211))?;
    }
    mc.behavior(id::KETAMA, 1)?;
    mc.behavior(id::BINARY_PROTOCOL, 1)?;

    let keys: [&[u8]; 4] = [b"user:1", b"user:2", b"session:abc", b"page:/index"];
    for (i, key) in keys.iter().enumerate() {
        let value = format!("value {i} from Rust");
        mc.set(key, value.as_bytes(), 300, 0)?;
        let (host, port) = mc.server_for(key).expect("a server");
        println!("{} -> {host}:{port}", String::from_utf8_lossy(key));
    }

    let hits = mc.get_multi(&keys)?;
    println!("get_multi: {} of {} keys", hits.len(), keys.len());
    for (key, value) in &hits {
        println!(
            "  {} = {:?} (flags {})",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(&value.data),
            value.flags
        );
    }

    // add is a lock: it fails while the key exists.
    println!("add (lock taken): {}", mc.add(b"lock:job", b"me", 30, 0)?);
    println!("add again: {}", mc.add(b"lock:job", b"me", 30, 0)?);
    println!("delete: {}", mc.delete(b"lock:job")?);

    mc.set(b"counter", b"41", 0, 0)?;
    println!("increment: {}", mc.increment(b"counter", 1)?);
    Ok(())
}
