//! `callback.h`: `memcached_callback_set`/`_get` (namespace, user data,
//! clone/cleanup hooks, get-failure and delete triggers).

use core::ffi::{c_char, c_void};
use std::ffi::CString;

use crate::core::config::check_namespace;
use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::{cstr, put};
use crate::ffi::handle::{Handle, handle_mut, user_data_slot};
use crate::ffi::types::*;

/// `memcached_callback_t` values.
const PREFIX_KEY: u32 = 0;
const USER_DATA: u32 = 1;
const CLEANUP_FUNCTION: u32 = 2;
const CLONE_FUNCTION: u32 = 3;
const GET_FAILURE: u32 = 7;
const DELETE_TRIGGER: u32 = 8;

/// Set the namespace (NULL clears it) with the core's namespace rules, as
/// `memcached_callback_set(MEMCACHED_CALLBACK_PREFIX_KEY)` does in 1.1.4:
/// an empty string is INVALID_ARGUMENTS and keeps the namespace (and the
/// pointer `memcached_callback_get` handed out).
pub fn set_namespace(h: &mut Handle, ns: Option<&[u8]>) -> memcached_return_t {
    let Some(ns) = ns else {
        h.client.namespace.clear();
        h.namespace_c = None;
        return ReturnCode::Success;
    };
    if let Err(e) = check_namespace(ns, h.client.behaviors.binary_protocol) {
        return h.client.fail(e);
    }
    h.client.namespace = ns.to_vec();
    h.namespace_c = CString::new(ns).ok();
    ReturnCode::Success
}

ffi_fn! {
    /// `memcached_callback_set`.
    fn memcached_callback_set(ptr: *mut memcached_st, flag: memcached_callback_t, data: *const c_void)
        -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        match flag {
            PREFIX_KEY => {
                // SAFETY: the namespace is a NUL-terminated string or NULL.
                let ns = unsafe { cstr(data.cast::<c_char>()) };
                set_namespace(h, ns)
            }
            USER_DATA => {
                // SAFETY: `ptr` is a live handle, whose slot is writable.
                if let Some(p) = unsafe { user_data_slot(ptr) } {
                    // SAFETY: as above.
                    unsafe { p.write(data.cast_mut()) };
                }
                ReturnCode::Success
            }
            CLEANUP_FUNCTION => {
                // SAFETY: the caller passes a memcached_cleanup_fn as `void*` (same size).
                h.callbacks.on_cleanup = unsafe { core::mem::transmute::<*const c_void, memcached_cleanup_fn>(data) };
                ReturnCode::Success
            }
            CLONE_FUNCTION => {
                // SAFETY: a memcached_clone_fn passed as `void*`.
                h.callbacks.on_clone = unsafe { core::mem::transmute::<*const c_void, memcached_clone_fn>(data) };
                ReturnCode::Success
            }
            GET_FAILURE => {
                // SAFETY: a memcached_trigger_key_fn passed as `void*`.
                h.callbacks.get_key_failure =
                    unsafe { core::mem::transmute::<*const c_void, memcached_trigger_key_fn>(data) };
                ReturnCode::Success
            }
            DELETE_TRIGGER => {
                if !data.is_null() && (h.client.behaviors.noreply || h.client.behaviors.buffer_requests) {
                    return h.client.fail(Error::with_message(
                        ReturnCode::InvalidArguments,
                        "a delete trigger cannot be used with NOREPLY or BUFFER_REQUESTS",
                    ));
                }
                // SAFETY: a memcached_trigger_delete_key_fn passed as `void*`.
                h.callbacks.delete_trigger =
                    unsafe { core::mem::transmute::<*const c_void, memcached_trigger_delete_key_fn>(data) };
                ReturnCode::Success
            }
            _ => h.client.fail(Error::with_message(ReturnCode::Failure, "unknown memcached_callback_t")),
        }
    }
}

ffi_fn! {
    /// `memcached_callback_get`.
    fn memcached_callback_get(ptr: *mut memcached_st, flag: memcached_callback_t, error: *mut memcached_return_t)
        -> *mut c_void;
    nonnull()
    {
        if flag == USER_DATA {
            // Also answered for a handle that memcached_free released (1.1.4
            // keeps the pointer in the struct and the Perl module reads it
            // after freeing its handle).
            // SAFETY: `ptr` is NULL or a (possibly released) handle.
            let Some(slot) = (unsafe { user_data_slot(ptr) }) else {
                // SAFETY: out-pointer NULL or writable.
                unsafe { put(error, ReturnCode::InvalidArguments) };
                return core::ptr::null_mut();
            };
            // SAFETY: the slot is readable.
            let p = unsafe { *slot };
            let rc = if p.is_null() { ReturnCode::Failure } else { ReturnCode::Success };
            // SAFETY: out-pointer NULL or writable.
            unsafe { put(error, rc) };
            return p;
        }
        // SAFETY: `ptr` is NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else {
            // SAFETY: out-pointer NULL or writable.
            unsafe { put(error, ReturnCode::InvalidArguments) };
            return core::ptr::null_mut();
        };
        let p: *mut c_void = match flag {
            PREFIX_KEY => h.namespace_c.as_ref().map_or(core::ptr::null_mut(), |c| c.as_ptr().cast_mut().cast()),
            CLEANUP_FUNCTION => h.callbacks.on_cleanup.map_or(core::ptr::null_mut(), |f| f as *mut c_void),
            CLONE_FUNCTION => h.callbacks.on_clone.map_or(core::ptr::null_mut(), |f| f as *mut c_void),
            GET_FAILURE => h.callbacks.get_key_failure.map_or(core::ptr::null_mut(), |f| f as *mut c_void),
            DELETE_TRIGGER => h.callbacks.delete_trigger.map_or(core::ptr::null_mut(), |f| f as *mut c_void),
            _ => core::ptr::null_mut(),
        };
        // 1.1.4 reports SUCCESS for an unset namespace and FAILURE for the
        // other unset slots.
        let rc = if p.is_null() && flag != PREFIX_KEY { ReturnCode::Failure } else { ReturnCode::Success };
        // SAFETY: out-pointer NULL or writable.
        unsafe { put(error, rc) };
        p
    }
}
