//! The exported C ABI. Every function goes through `ffi_fn!` (guard.rs), which
//! catches panics at the boundary (a panic returns `MEMCACHED_FAILURE`,
//! NULL or 0; it never unwinds into C) and refuses NULL pointers with
//! `MEMCACHED_INVALID_ARGUMENTS` (or NULL/0 for functions that do not
//! return a code). All `unsafe` code of the crate lives below this module.
//!
//! # Who owns what the C API hands out
//!
//! 1.1.4's rules, which programs written against it rely on (checked by
//! `ctests/fetch_reuse.c`, `ctests/ownership.c`, `ctests/after_free.c`):
//!
//! | what | allocated by | freed by | valid until |
//! |---|---|---|---|
//! | `memcached_create(NULL)`, `memcached()`, `memcached_clone(NULL, …)` | libc | `memcached_free`; the struct is kept (marked released) for 32 more frees, so a late `MEMCACHED_CALLBACK_USER_DATA` read still works (`memcached.rs`) | `memcached_free` |
//! | value of `memcached_get`, `memcached_fetch` | the handle's allocators | the caller (`free()` with the default ones); NULL for an empty value | the caller frees it |
//! | `memcached_fetch`'s value buffer | taken from the handle's own result, which forgets it (pointers and size) | the caller | — |
//! | `memcached_result_create(m, NULL)` | the handle's allocators | `memcached_result_free`, or the fetch loop that ends with it (END/NOTFOUND/error): then the caller must not free it | — |
//! | `memcached_fetch_result(m, NULL, …)` | a new result each call (the handle's own result is always initialised) | the caller; the last call frees its own | — |
//! | a result on caller storage | the caller | `memcached_result_free` frees its value buffer only | the buffer is reused by the next fetch into it |
//! | a result's value buffer | the allocators of the result's own handle (its `root`), whoever fetches | with the result, or the caller after `memcached_result_take_value` (NULL for an empty value) | the next fetch into that result |
//! | GET_FAILURE callback's result | the library's stack | the library | the callback |
//! | `memcached_last_error_message`, `memcached_error` | the handle | the handle | the message changes |
//! | `memcached_server_error` | the server | the server | its next error |
//! | `MEMCACHED_CALLBACK_PREFIX_KEY` from `memcached_callback_get` | the handle | the handle | the namespace is set to another value or cleared (`""` is refused and keeps it) |
//! | instance pointers (`memcached_server_by_key`, cursor, last disconnect) | the handle's instance blocks | the handle, when its struct goes for good | servers added or reset change what they show |
//! | `memcached_servers_parse`, `memcached_server_list_append` | libc | `memcached_server_list_free` | — |
//! | `memcached_stat`, `memcached_analyze` | the handle's allocators | `memcached_stat_free` / `memcached_analyze_free` (with the root's allocators) | before `memcached_free` of the root |
//! | `memcached_stat_get_keys` | the handle's allocators (array of static strings) | the caller frees the array | — |
//! | `memcached_stat_get_value` | libc | the caller | — |
//! | pool handles | the pool | pushed back, never freed by the caller | `memcached_pool_destroy` |
//! | `memcached_get_sasl_callbacks` after `set_sasl_auth_data` | the handle (user name and `sasl_secret_t` as contexts) | the handle | credentials set again or destroyed |
//! | a caller's SASL callback array | the caller | the caller | it must outlive `memcached_set_sasl_callbacks`; a clone copies what it says |

// The argument helpers of `guard` (and the handle borrow of `handle`) are
// safe functions over raw pointers, as in rustls-ffi: the C API's contract
// says what every pointer argument points to, and those helpers are the few
// audited places that rely on it, so export bodies stay safe code.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

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
