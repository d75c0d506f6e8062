//! The exported C ABI. Every function goes through [`ffi_fn!`], which
//! catches panics at the boundary (a panic returns `MEMCACHED_FAILURE`,
//! NULL or 0; it never unwinds into C) and refuses NULL pointers with
//! `MEMCACHED_INVALID_ARGUMENTS` (or NULL/0 for functions that do not
//! return a code). All `unsafe` code of the crate lives below this module.

#[macro_use]
pub mod guard;
pub mod admin;
pub mod auto;
pub mod behavior;
pub mod callback;
pub mod config;
pub mod delete;
pub mod dump;
pub mod encoding;
pub mod get;
pub mod handle;
pub mod hashkit;
pub mod keyargs;
pub mod memcached;
pub mod pool;
pub mod result;
pub mod sasl;
pub mod server;
pub mod stats;
pub mod storage;
pub mod tls;
pub mod types;
pub mod util;
