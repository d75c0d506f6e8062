//! The memcached client in safe Rust. Nothing here knows about C: the `ffi`
//! module translates between the C ABI and these types.
#![deny(unsafe_code)]

pub mod error;
pub mod hash;
pub mod distribution;
pub mod behavior;
pub mod connection;
pub mod server;
pub mod client;
pub mod protocol;
pub mod server_list;
