//! libhashkit (`hashkit_*`, `libhashkit_*`) and the hash-related
//! `memcached_*` exports. (Being written; this stub keeps the build going.)

use crate::ffi::types::*;

/// The hashkit a new handle starts with: one-at-a-time for keys and
/// distribution.
pub fn init_handle_hashkit(hk: &mut hashkit_st) {
    hk.base_hash = hashkit_function_st {
        function: None,
        context: core::ptr::null_mut(),
    };
    hk.distribution_hash = hk.base_hash;
    hk.flags = 1;
    hk.options = 0;
}
