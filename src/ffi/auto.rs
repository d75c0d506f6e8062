//! `auto.h`: increment and decrement, plain, `_by_key` and `_with_initial`.

use core::ffi::c_char;

use crate::core::error::ReturnCode;
use crate::ffi::guard::put;
use crate::ffi::handle::handle;
use crate::ffi::keyargs::group_and_key;
use crate::ffi::types::*;

/// The shared body: on failure `*value` is UINT64_MAX, as in 1.1.4.
#[allow(clippy::too_many_arguments)]
fn arith(
    ptr: *mut memcached_st,
    incr: bool,
    group: *const c_char,
    group_len: usize,
    key: *const c_char,
    key_len: usize,
    offset: u64,
    initial: Option<(u64, time_t)>,
    value: *mut u64,
) -> ReturnCode {
    put(value, u64::MAX);
    let Some(mut h) = handle(ptr) else {
        return ReturnCode::InvalidArguments;
    };
    let (g, k) = match group_and_key(&mut h, group, group_len, key, key_len) {
        Ok(v) => v,
        Err(rc) => return rc,
    };
    match h.client.arith(incr, g, k, offset, initial) {
        Ok(v) => {
            put(value, v);
            ReturnCode::Success
        }
        Err(e) => h.client.fail(e),
    }
}

macro_rules! arith_fns {
    ($plain:ident / $by_key:ident, $init:ident / $init_by_key:ident, $incr:expr) => {
        ffi_fn_by_key! {
            /// Increment/decrement a counter.
            fn $plain / $by_key(
                ptr: *mut memcached_st,
                [group, group_len],
                key: *const c_char,
                key_length: usize,
                offset: u32 | u64,
                value: *mut u64,
            ) -> memcached_return_t;
            nonnull(ptr)
            {
                arith(ptr, $incr, group, group_len, key, key_length, offset.into(), None, value)
            }
        }
        ffi_fn_by_key! {
            /// Increment/decrement, creating the counter with `initial` (binary protocol).
            fn $init / $init_by_key(
                ptr: *mut memcached_st,
                [group, group_len],
                key: *const c_char,
                key_length: usize,
                offset: u64,
                initial: u64,
                expiration: time_t,
                value: *mut u64,
            ) -> memcached_return_t;
            nonnull(ptr)
            {
                arith(ptr, $incr, group, group_len, key, key_length, offset, Some((initial, expiration)), value)
            }
        }
    };
}

arith_fns!(
    memcached_increment / memcached_increment_by_key,
    memcached_increment_with_initial / memcached_increment_with_initial_by_key,
    true
);
arith_fns!(
    memcached_decrement / memcached_decrement_by_key,
    memcached_decrement_with_initial / memcached_decrement_with_initial_by_key,
    false
);
