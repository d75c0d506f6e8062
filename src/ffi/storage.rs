//! `storage.h`: set, add, replace, append, prepend, cas and their
//! `_by_key` forms.

use core::ffi::c_char;

use crate::core::client::storage::{Store, StoreMode};
use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::bytes;
use crate::ffi::handle::handle;
use crate::ffi::types::*;

/// The shared body of every storage export.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn store(
    ptr: *mut memcached_st,
    mode: StoreMode,
    group: *const c_char,
    group_len: usize,
    key: *const c_char,
    key_len: usize,
    value: *const c_char,
    value_len: usize,
    expiration: time_t,
    flags: u32,
    cas: u64,
) -> ReturnCode {
    let Some(mut h) = handle(ptr) else {
        return ReturnCode::InvalidArguments;
    };
    let Some(key) = bytes(key, key_len) else {
        return h.client.fail(Error::with_message(
            ReturnCode::InvalidArguments,
            "key is NULL but its length is not 0",
        ));
    };
    let group = if group.is_null() {
        key
    } else {
        match bytes(group, group_len) {
            Some(g) => g,
            None => return ReturnCode::InvalidArguments,
        }
    };
    let Some(value) = bytes(value, value_len) else {
        return h.client.fail(Error::with_message(
            ReturnCode::InvalidArguments,
            "value is NULL but its length is not 0",
        ));
    };
    let req = Store {
        mode,
        group,
        key,
        value,
        exptime: expiration,
        flags,
        cas,
    };
    let r = h.client.store(&req);
    h.client.finish(r)
}

macro_rules! storage_fn {
    (@cas) => { 0 };
    (@cas $cas:ident) => { $cas };
    ($name:ident / $by_key:ident, $mode:expr $(, $cas:ident)?) => {
        ffi_fn_by_key! {
            /// Storage command (see `memcached_set(3)`).
            fn $name / $by_key(
                ptr: *mut memcached_st,
                [group, group_len],
                key: *const c_char,
                key_length: usize,
                value: *const c_char,
                value_length: usize,
                expiration: time_t,
                flags: u32
                $(, $cas: u64)?
            ) -> memcached_return_t;
            nonnull(ptr)
            {
                let cas = storage_fn!(@cas $($cas)?);
                store(ptr, $mode, group, group_len, key, key_length, value, value_length, expiration, flags, cas)
            }
        }
    };
}

storage_fn!(memcached_set / memcached_set_by_key, StoreMode::Set);
storage_fn!(memcached_add / memcached_add_by_key, StoreMode::Add);
storage_fn!(
    memcached_replace / memcached_replace_by_key,
    StoreMode::Replace
);
storage_fn!(
    memcached_append / memcached_append_by_key,
    StoreMode::Append
);
storage_fn!(
    memcached_prepend / memcached_prepend_by_key,
    StoreMode::Prepend
);
storage_fn!(memcached_cas / memcached_cas_by_key, StoreMode::Cas, cas);
