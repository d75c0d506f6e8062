//! memcached-core: the memcached client of libmemcached-rs, in safe Rust.
//!
//! It owns every rule of libmemcached 1.1.4: keys and namespaces, key
//! placement (hashes and distributions, bit-identical to libmemcached's),
//! failover, both protocols, SASL, TLS, the configuration language and
//! statistics. Nothing here knows about C: the C-ABI crate (the root
//! package, `src/ffi/`) converts arguments, calls this crate and converts
//! results, and this crate cannot import from it (the crate graph forbids
//! it). Unsafe code is forbidden here.
#![forbid(unsafe_code)]

pub use simple::{Memcache, Value};

pub mod behavior;
pub mod client;
pub mod cnum;
pub mod config;
pub mod connection;
pub mod distribution;
pub mod encoding;
pub mod error;
pub mod hash;
pub mod pool;
pub mod protocol;
pub mod sasl;
pub mod server;
pub mod server_list;
pub mod simple;
pub mod tls;
