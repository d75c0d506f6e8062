//! The exported C ABI. Every function goes through [`ffi_fn!`], which
//! catches panics at the boundary (a panic returns `MEMCACHED_FAILURE`,
//! NULL or 0; it never unwinds into C) and refuses NULL pointers with
//! `MEMCACHED_INVALID_ARGUMENTS` (or NULL/0 for functions that do not
//! return a code). All `unsafe` code of the crate lives below this module.

#[macro_use]
pub mod guard;
pub mod handle;
pub mod types;
pub mod hashkit;
pub mod memcached;
