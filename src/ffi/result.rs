//! `result.h`: `memcached_result_st` on caller storage or ours, and its
//! accessors. A result never allocates until a value arrives; its value
//! buffer comes from (and goes back to) the handle's allocators.

use core::ffi::c_char;

use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::bytes;
use crate::ffi::handle::{
    Allocators, RESULT_ALLOCATED, RESULT_INITIALIZED, blank_result, handle_mut,
};
use crate::ffi::types::*;

/// The allocators a result's value uses: its handle's, or libc's.
///
/// # Safety
/// `res.root` is NULL or a live handle.
pub unsafe fn result_allocators(res: &memcached_result_st) -> Allocators {
    // SAFETY: per the caller.
    unsafe { handle_mut(res.root) }.map_or_else(Allocators::default, |h| h.alloc)
}

/// Initialise `res` (possibly uninitialised caller memory) for `memc`.
///
/// # Safety
/// `res` must be writable storage of `sizeof(memcached_result_st)`.
pub unsafe fn init_result(
    res: *mut memcached_result_st,
    memc: *const memcached_st,
    allocated: bool,
) {
    let mut r = blank_result();
    r.root = memc.cast_mut();
    r.value.root = memc.cast_mut();
    r.options = RESULT_INITIALIZED | if allocated { RESULT_ALLOCATED } else { 0 };
    // SAFETY: writable storage per the caller; `write` does not read the old contents.
    unsafe { res.write(r) };
}

ffi_fn! {
    /// `memcached_result_create`: on caller storage (no allocation) or a new one.
    fn memcached_result_create(memc: *const memcached_st, result: *mut memcached_result_st) -> *mut memcached_result_st;
    nonnull()
    {
        if !result.is_null() {
            // SAFETY: caller storage of the right size.
            unsafe { init_result(result, memc, false) };
            return result;
        }
        // SAFETY: `memc` is NULL or a handle.
        let alloc = unsafe { handle_mut(memc) }.map_or_else(Allocators::default, |h| h.alloc);
        // SAFETY: allocator call, checked below.
        let p = unsafe { alloc.malloc(memc, core::mem::size_of::<memcached_result_st>()) }.cast::<memcached_result_st>();
        if p.is_null() {
            return p;
        }
        // SAFETY: fresh allocation of the right size.
        unsafe { init_result(p, memc, true) };
        p
    }
}

/// Free a result's value buffer and, when we allocated it, the result.
///
/// # Safety
/// `res` must be a result initialised by `memcached_result_create`.
pub unsafe fn free_result(res: *mut memcached_result_st) {
    // SAFETY: per the caller.
    let r = unsafe { &mut *res };
    if r.options & RESULT_INITIALIZED == 0 {
        return;
    }
    // SAFETY: root is NULL or a live handle.
    let alloc = unsafe { result_allocators(r) };
    // SAFETY: the buffer came from these allocators.
    unsafe { alloc.free(r.root, r.value.string.cast()) };
    r.value.string = core::ptr::null_mut();
    r.value.end = core::ptr::null_mut();
    r.value.current_size = 0;
    r.numeric_value = u64::MAX;
    if r.options & RESULT_ALLOCATED != 0 {
        let root = r.root;
        // SAFETY: we allocated the struct with these allocators.
        unsafe { alloc.free(root, res.cast()) };
    } else {
        r.options &= !RESULT_INITIALIZED;
    }
}

ffi_fn! {
    /// `memcached_result_free`: frees the value; frees the struct only if we allocated it.
    fn memcached_result_free(result: *mut memcached_result_st);
    nonnull(result)
    {
        // SAFETY: a result from memcached_result_create.
        unsafe { free_result(result) }
    }
}

ffi_fn! {
    /// `memcached_result_reset`: clear key, value and metadata, keep the buffer.
    fn memcached_result_reset(ptr: *mut memcached_result_st);
    nonnull(ptr)
    {
        // SAFETY: a valid result.
        let r = unsafe { &mut *ptr };
        r.key_length = 0;
        r.item_key[0] = 0;
        r.item_flags = 0;
        r.item_cas = 0;
        r.item_expiration = 0;
        r.numeric_value = u64::MAX;
        r.value.end = r.value.string;
        if !r.value.string.is_null() {
            // SAFETY: the buffer has at least one byte when non-NULL.
            unsafe { r.value.string.write(0) };
        }
    }
}

ffi_fn! {
    /// `memcached_result_key_value`.
    fn memcached_result_key_value(self_: *const memcached_result_st) -> *const c_char;
    nonnull(self_)
    {
        // SAFETY: a valid result.
        let r = unsafe { &*self_ };
        if r.key_length == 0 { core::ptr::null() } else { r.item_key.as_ptr() }
    }
}

ffi_fn! {
    /// `memcached_result_key_length`.
    fn memcached_result_key_length(self_: *const memcached_result_st) -> usize;
    nonnull(self_)
    {
        // SAFETY: a valid result.
        unsafe { (*self_).key_length }
    }
}

ffi_fn! {
    /// `memcached_result_value`: the value buffer (not NUL-terminated).
    fn memcached_result_value(self_: *const memcached_result_st) -> *const c_char;
    nonnull(self_)
    {
        // SAFETY: a valid result.
        let r = unsafe { &*self_ };
        // As 1.1.4: the buffer, also for an empty value (NULL only before
        // the result ever held a value).
        r.value.string
    }
}

/// The value length of a result.
pub fn value_len(r: &memcached_result_st) -> usize {
    if r.value.string.is_null() {
        0
    } else {
        r.value.end as usize - r.value.string as usize
    }
}

ffi_fn! {
    /// `memcached_result_length`.
    fn memcached_result_length(self_: *const memcached_result_st) -> usize;
    nonnull(self_)
    {
        // SAFETY: a valid result.
        value_len(unsafe { &*self_ })
    }
}

/// Hand a result's value buffer to the caller, as 1.1.4's
/// `memcached_string_take_value`: NULL for an empty value (the buffer stays
/// with the result); otherwise the NUL-terminated buffer, which the result
/// then forgets entirely (pointers and size), so the next value it receives
/// gets a buffer of its own. The caller frees it with the result's
/// allocators (`free()` with the default ones).
pub fn take_value(r: &mut memcached_result_st) -> *mut c_char {
    if value_len(r) == 0 {
        return core::ptr::null_mut();
    }
    let p = r.value.string;
    r.value.string = core::ptr::null_mut();
    r.value.end = core::ptr::null_mut();
    r.value.current_size = 0;
    p
}

ffi_fn! {
    /// `memcached_result_take_value`: hand the buffer to the caller (free()
    /// it); NULL for an empty value.
    fn memcached_result_take_value(self_: *mut memcached_result_st) -> *mut c_char;
    nonnull(self_)
    {
        // SAFETY: a valid result.
        take_value(unsafe { &mut *self_ })
    }
}

ffi_fn! {
    /// `memcached_result_flags`.
    fn memcached_result_flags(self_: *const memcached_result_st) -> u32;
    nonnull(self_)
    {
        // SAFETY: a valid result.
        unsafe { (*self_).item_flags }
    }
}

ffi_fn! {
    /// `memcached_result_cas`.
    fn memcached_result_cas(self_: *const memcached_result_st) -> u64;
    nonnull(self_)
    {
        // SAFETY: a valid result.
        unsafe { (*self_).item_cas }
    }
}

ffi_fn! {
    /// `memcached_result_set_value`: append `length` bytes to the value.
    fn memcached_result_set_value(ptr: *mut memcached_result_st, value: *const c_char, length: usize)
        -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `value` is NULL or `length` readable bytes.
        let Some(add) = (unsafe { bytes(value, length) }) else { return ReturnCode::InvalidArguments };
        // SAFETY: a valid result.
        let r = unsafe { &mut *ptr };
        let old = value_len(r);
        let need = old + add.len() + 1;
        if r.value.current_size < need {
            // SAFETY: root is NULL or a live handle.
            let alloc = unsafe { result_allocators(r) };
            // SAFETY: the buffer is NULL or from these allocators.
            let p = unsafe { alloc.realloc(r.root, r.value.string.cast(), need) }.cast::<c_char>();
            if p.is_null() {
                // SAFETY: root is NULL or a live handle.
                if let Some(h) = unsafe { handle_mut(r.root) } {
                    return h.client.fail(Error::new(ReturnCode::MemoryAllocationFailure));
                }
                return ReturnCode::MemoryAllocationFailure;
            }
            r.value.string = p;
            r.value.current_size = need;
        }
        // SAFETY: the buffer holds `need` bytes; source and destination do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(add.as_ptr(), r.value.string.add(old).cast::<u8>(), add.len());
            r.value.end = r.value.string.add(old + add.len());
            r.value.end.write(0);
        }
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_result_set_flags`.
    fn memcached_result_set_flags(self_: *mut memcached_result_st, flags: u32);
    nonnull(self_)
    {
        // SAFETY: a valid result.
        unsafe { (*self_).item_flags = flags };
    }
}

ffi_fn! {
    /// `memcached_result_set_expiration`.
    fn memcached_result_set_expiration(self_: *mut memcached_result_st, expiration: time_t);
    nonnull(self_)
    {
        // SAFETY: a valid result.
        unsafe { (*self_).item_expiration = expiration };
    }
}
