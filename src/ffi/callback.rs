//! `callback.h`: `memcached_callback_set`/`_get` (namespace, user data,
//! clone/cleanup hooks, get-failure and delete triggers).

use core::ffi::{c_char, c_void};
use std::ffi::CString;

use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::{cstr, put_code};
use crate::ffi::handle::{Handle, handle, user_data};
use crate::ffi::types::*;

/// `memcached_callback_t` values.
const PREFIX_KEY: u32 = 0;
const USER_DATA: u32 = 1;
const CLEANUP_FUNCTION: u32 = 2;
const CLONE_FUNCTION: u32 = 3;
const GET_FAILURE: u32 = 7;
const DELETE_TRIGGER: u32 = 8;

/// A C function pointer that `memcached_callback_set` received as `void*`.
/// `F` is one of the `Option<unsafe extern "C" fn …>` callback types.
fn callback_from_void<F: Copy>(data: *const c_void) -> F {
    const { assert!(core::mem::size_of::<F>() == core::mem::size_of::<*const c_void>()) };
    // SAFETY: the C API passes the callback functions of `memcached_callback_set`
    // as `void*`; `F` is an `Option` of a function pointer (same size, NULL
    // is `None`), as every caller below names it.
    unsafe { core::mem::transmute_copy::<*const c_void, F>(&data) }
}

/// The namespace as a C string for `memcached_callback_get`: the same
/// pointer as long as the namespace does not change.
fn namespace_c(h: &mut Handle) -> *mut c_void {
    let ns = &h.client.namespace;
    if ns.is_empty() {
        h.namespace_c = None;
    } else if h.namespace_c.as_ref().map(|c| c.as_bytes()) != Some(&ns[..]) {
        h.namespace_c = CString::new(ns.clone()).ok();
    }
    h.namespace_c
        .as_ref()
        .map_or(core::ptr::null_mut(), |c| c.as_ptr().cast_mut().cast())
}

ffi_fn! {
    /// `memcached_callback_set`.
    fn memcached_callback_set(ptr: *mut memcached_st, flag: memcached_callback_t, data: *const c_void)
        -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        match flag {
            // The core's namespace rules, as `memcached_callback_set(PREFIX_KEY)`
            // in 1.1.4: NULL clears it; a bad one is refused and the old one
            // (and the pointer `memcached_callback_get` handed out) kept.
            PREFIX_KEY => match h.client.set_namespace(cstr(data.cast::<c_char>())) {
                Ok(()) => ReturnCode::Success,
                Err(e) => h.client.fail(e),
            },
            USER_DATA => {
                h.mirror().user_data = data.cast_mut();
                ReturnCode::Success
            }
            CLEANUP_FUNCTION => {
                h.callbacks.on_cleanup = callback_from_void(data);
                ReturnCode::Success
            }
            CLONE_FUNCTION => {
                h.callbacks.on_clone = callback_from_void(data);
                ReturnCode::Success
            }
            GET_FAILURE => {
                h.callbacks.get_key_failure = callback_from_void(data);
                ReturnCode::Success
            }
            DELETE_TRIGGER => {
                if !data.is_null() && (h.client.behaviors.noreply || h.client.behaviors.buffer_requests) {
                    return h.client.fail(Error::with_message(
                        ReturnCode::InvalidArguments,
                        "a delete trigger cannot be used with NOREPLY or BUFFER_REQUESTS",
                    ));
                }
                h.callbacks.delete_trigger = callback_from_void(data);
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
            let Some(p) = user_data(ptr) else {
                put_code(error, ReturnCode::InvalidArguments);
                return core::ptr::null_mut();
            };
            put_code(error, if p.is_null() { ReturnCode::Failure } else { ReturnCode::Success });
            return p;
        }
        let Some(mut h) = handle(ptr) else {
            put_code(error, ReturnCode::InvalidArguments);
            return core::ptr::null_mut();
        };
        let p: *mut c_void = match flag {
            PREFIX_KEY => namespace_c(&mut h),
            CLEANUP_FUNCTION => h.callbacks.on_cleanup.map_or(core::ptr::null_mut(), |f| f as *mut c_void),
            CLONE_FUNCTION => h.callbacks.on_clone.map_or(core::ptr::null_mut(), |f| f as *mut c_void),
            GET_FAILURE => h.callbacks.get_key_failure.map_or(core::ptr::null_mut(), |f| f as *mut c_void),
            DELETE_TRIGGER => h.callbacks.delete_trigger.map_or(core::ptr::null_mut(), |f| f as *mut c_void),
            _ => core::ptr::null_mut(),
        };
        // 1.1.4 reports SUCCESS for an unset namespace and FAILURE for the
        // other unset slots.
        let rc = if p.is_null() && flag != PREFIX_KEY { ReturnCode::Failure } else { ReturnCode::Success };
        put_code(error, rc);
        p
    }
}
