//! libmemcached-rs: a memcached client in Rust that exports the C ABI of
//! libmemcached 1.1.4.
//!
//! * [`core`] is the client in safe Rust: protocol codecs, connections,
//!   servers, key distribution, hashing, failover and SASL.
//! * [`ffi`] holds every exported C function; all `unsafe` code lives there.

pub use memcached_core as core;
pub mod ffi;
