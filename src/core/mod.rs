//! The memcached client in safe Rust. Nothing here knows about C: the `ffi`
//! module translates between the C ABI and these types.
#![deny(unsafe_code)]

pub mod behavior;
pub mod client;
pub mod cnum;
pub mod config;
pub mod connection;
pub mod distribution;
pub mod error;
pub mod hash;
pub mod protocol;
pub mod sasl;
pub mod server;
pub mod server_list;
pub mod tls;
