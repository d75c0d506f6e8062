//! `sasl.h`: SASL credentials and callbacks of a handle. Setting
//! credentials turns the binary protocol on, as in 1.1.4.

use core::ffi::c_char;

use crate::core::behavior::id;
use crate::core::error::ReturnCode;
use crate::ffi::guard::cstr;
use crate::ffi::handle::{handle_mut, sync_mirror};
use crate::ffi::types::*;

ffi_fn! {
    /// `memcached_set_sasl_auth_data`.
    fn memcached_set_sasl_auth_data(ptr: *mut memcached_st, username: *const c_char, password: *const c_char)
        -> memcached_return_t;
    nonnull(ptr, username, password)
    {
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        // SAFETY: NUL-terminated strings per the API.
        let (u, p) = unsafe { (cstr(username).unwrap_or(&[]), cstr(password).unwrap_or(&[])) };
        if let Err(e) = h.client.behavior_set(id::BINARY_PROTOCOL, 1) {
            return h.client.fail(e);
        }
        h.sasl.credentials = Some((u.to_vec(), p.to_vec()));
        // SAFETY: `ptr` is a handle.
        unsafe { sync_mirror(ptr) };
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_destroy_sasl_auth_data`: wipe the credentials.
    fn memcached_destroy_sasl_auth_data(ptr: *mut memcached_st) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        if let Some((mut u, mut p)) = h.sasl.credentials.take() {
            u.iter_mut().for_each(|b| *b = 0);
            p.iter_mut().for_each(|b| *b = 0);
        }
        h.sasl.callbacks = 0;
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_set_sasl_callbacks`: keep the caller's callback array.
    fn memcached_set_sasl_callbacks(ptr: *mut memcached_st, callbacks: *const sasl_callback_t);
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        if let Some(h) = unsafe { handle_mut(ptr) } {
            h.sasl.callbacks = callbacks as usize;
        }
    }
}

ffi_fn! {
    /// `memcached_get_sasl_callbacks`.
    fn memcached_get_sasl_callbacks(ptr: *mut memcached_st) -> *mut sasl_callback_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        unsafe { handle_mut(ptr) }.map_or(core::ptr::null_mut(), |h| h.sasl.callbacks as *mut sasl_callback_t)
    }
}
