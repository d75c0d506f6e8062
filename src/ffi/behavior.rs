//! `behavior.h`: `memcached_behavior_set`/`_get` (the distribution and
//! hash setters live with libhashkit in `hashkit.rs`).

use crate::core::error::ReturnCode;
use crate::ffi::handle::{handle, sync_mirror};
use crate::ffi::types::*;

ffi_fn! {
    /// `memcached_behavior_set`.
    fn memcached_behavior_set(ptr: *mut memcached_st, flag: memcached_behavior_t, data: u64) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let r = h.client.behavior_set(flag, data);
        sync_mirror(&mut h);
        match r {
            Ok(()) => ReturnCode::Success,
            Err(e) => h.client.fail(e),
        }
    }
}

ffi_fn! {
    /// `memcached_behavior_get`.
    fn memcached_behavior_get(ptr: *mut memcached_st, flag: memcached_behavior_t) -> u64;
    nonnull(ptr)
    {
        handle(ptr).map_or(0, |mut h| h.client.behavior_get(flag))
    }
}
