//! `behavior.h`: `memcached_behavior_set`/`_get` (the distribution and
//! hash setters live with libhashkit in `hashkit.rs`).

use crate::core::behavior::id;
use crate::core::error::ReturnCode;
use crate::ffi::handle::{handle_mut, sync_mirror};
use crate::ffi::types::*;

ffi_fn! {
    /// `memcached_behavior_set`.
    fn memcached_behavior_set(ptr: *mut memcached_st, flag: memcached_behavior_t, data: u64) -> memcached_return_t;
    nonnull(ptr)
    {
        // 1.1.4's exact rules for the two hash behaviors live with libhashkit.
        if flag == id::HASH {
            // SAFETY: `ptr` is a handle.
            return unsafe { crate::ffi::hashkit::behavior_set_key_hash(ptr, data) };
        }
        if flag == id::KETAMA_HASH {
            // SAFETY: `ptr` is a handle.
            return unsafe { crate::ffi::hashkit::behavior_set_distribution_hash(ptr, data) };
        }
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        let rc = match h.client.behavior_set(flag, data) {
            Ok(()) => ReturnCode::Success,
            Err(e) => h.client.fail(e),
        };
        // SAFETY: `ptr` is a handle.
        unsafe {
            crate::ffi::hashkit::sync_handle_hashkit(ptr);
            sync_mirror(ptr);
        }
        rc
    }
}

ffi_fn! {
    /// `memcached_behavior_get`.
    fn memcached_behavior_get(ptr: *mut memcached_st, flag: memcached_behavior_t) -> u64;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        unsafe { handle_mut(ptr) }.map_or(0, |h| h.client.behavior_get(flag))
    }
}
