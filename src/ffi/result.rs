//! `result.h`: `memcached_result_st` on caller storage or ours, and its
//! accessors. A result never allocates until a value arrives; its value
//! buffer comes from (and goes back to) the allocators of the result's
//! handle (its `root`), which stay reachable while that handle is borrowed.

use core::ffi::c_char;

use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::{bytes, c_mut, c_ref};
use crate::ffi::handle::{
    Allocators, RESULT_ALLOCATED, RESULT_INITIALIZED, allocators, blank_result, handle,
};
use crate::ffi::types::*;

/// The allocators a result's value uses: its handle's, or libc's.
pub fn result_allocators(res: &memcached_result_st) -> Allocators {
    allocators(res.root)
}

/// A fresh result for `memc` (`allocated`: we own the struct itself).
fn new_result(memc: *const memcached_st, allocated: bool) -> memcached_result_st {
    let mut r = blank_result();
    r.root = memc.cast_mut();
    r.value.root = memc.cast_mut();
    r.options = RESULT_INITIALIZED | if allocated { RESULT_ALLOCATED } else { 0 };
    r
}

/// Initialise a result in place for `memc`.
pub fn init_result_in(res: &mut memcached_result_st, memc: *const memcached_st, allocated: bool) {
    *res = new_result(memc, allocated);
}

/// Initialise `res` (possibly uninitialised caller memory) for `memc`.
fn init_result(res: *mut memcached_result_st, memc: *const memcached_st, allocated: bool) {
    // `put` writes without reading the old (possibly uninitialised) contents.
    crate::ffi::guard::put(res, new_result(memc, allocated));
}

impl memcached_result_st {
    /// The value bytes (empty when there is no buffer).
    pub fn value_bytes(&self) -> &[u8] {
        if self.value.string.is_null() {
            return &[];
        }
        // SAFETY: a non-NULL `string` is the result's buffer of
        // `current_size` bytes, and `end` points into it (every writer of
        // the two, here and in `ResultSink`, keeps that so).
        unsafe { core::slice::from_raw_parts(self.value.string.cast::<u8>(), value_len(self)) }
    }

    /// Make the buffer hold `len` value bytes plus the terminator (growing
    /// it with `alloc` of handle `memc`, keeping what it holds), set the
    /// value length to `len` and return the buffer's first `len` bytes;
    /// `None` when the allocation fails.
    pub fn value_resize(
        &mut self,
        alloc: &Allocators,
        memc: *const memcached_st,
        len: usize,
    ) -> Option<&mut [u8]> {
        if self.value.current_size < len + 1 {
            let p = alloc.realloc(memc, self.value.string.cast(), len + 1);
            if p.is_null() {
                return None;
            }
            self.value.string = p.cast::<c_char>();
            self.value.current_size = len + 1;
        }
        // SAFETY: `string` holds `current_size` >= len + 1 bytes, ours
        // while `self` is borrowed mutably.
        let buf =
            unsafe { core::slice::from_raw_parts_mut(self.value.string.cast::<u8>(), len + 1) };
        buf[len] = 0;
        self.value.end = buf[len..].as_mut_ptr().cast();
        Some(&mut buf[..len])
    }

    /// Give the value buffer back to the allocators.
    fn value_free(&mut self, alloc: &Allocators) {
        alloc.free(self.root, self.value.string.cast());
        self.value.string = core::ptr::null_mut();
        self.value.end = core::ptr::null_mut();
        self.value.current_size = 0;
    }
}

ffi_fn! {
    /// `memcached_result_create`: on caller storage (no allocation) or a new one.
    fn memcached_result_create(memc: *const memcached_st, result: *mut memcached_result_st) -> *mut memcached_result_st;
    nonnull()
    {
        if !result.is_null() {
            init_result(result, memc, false);
            return result;
        }
        let p = allocators(memc)
            .malloc(memc, core::mem::size_of::<memcached_result_st>())
            .cast::<memcached_result_st>();
        if !p.is_null() {
            init_result(p, memc, true);
        }
        p
    }
}

/// Free a result's value buffer and, when we allocated it, the result.
pub fn free_result(res: *mut memcached_result_st) {
    let Some(r) = c_mut(res) else { return };
    if r.options & RESULT_INITIALIZED == 0 {
        return;
    }
    let alloc = result_allocators(r);
    r.value_free(&alloc);
    r.numeric_value = u64::MAX;
    if r.options & RESULT_ALLOCATED != 0 {
        let root = r.root;
        alloc.free(root, res.cast());
    } else {
        r.options &= !RESULT_INITIALIZED;
    }
}

ffi_fn! {
    /// `memcached_result_free`: frees the value; frees the struct only if we allocated it.
    fn memcached_result_free(result: *mut memcached_result_st);
    nonnull(result)
    {
        free_result(result)
    }
}

/// Clear what a fetched value sets (key, flags, CAS, value length),
/// keeping the buffer.
pub fn clear_for_fetch(r: &mut memcached_result_st) {
    r.key_length = 0;
    r.item_key[0] = 0;
    r.item_flags = 0;
    r.item_cas = 0;
    r.value.end = r.value.string;
}

/// Clear a result's key, value and metadata, keeping its buffer.
pub fn reset_result(r: &mut memcached_result_st) {
    clear_for_fetch(r);
    r.item_expiration = 0;
    r.numeric_value = u64::MAX;
    if !r.value.string.is_null() {
        // A buffer has at least one byte: no allocation happens.
        let _ = r.value_resize(&result_allocators(r), r.root, 0);
    }
}

ffi_fn! {
    /// `memcached_result_reset`: clear key, value and metadata, keep the buffer.
    fn memcached_result_reset(ptr: *mut memcached_result_st);
    nonnull(ptr)
    {
        if let Some(r) = c_mut(ptr) {
            reset_result(r);
        }
    }
}

/// A getter of a result field (the zero value for NULL).
macro_rules! result_getter {
    ($(#[$doc:meta])* $name:ident -> $t:ty, |$r:ident| $e:expr) => {
        ffi_fn! {
            $(#[$doc])*
            fn $name(self_: *const memcached_result_st) -> $t;
            nonnull(self_)
            {
                c_ref(self_).map_or_else(Default::default, |$r| $e)
            }
        }
    };
}

result_getter!(
    /// `memcached_result_key_value`.
    memcached_result_key_value -> *const c_char,
    |r| if r.key_length == 0 { core::ptr::null() } else { r.item_key.as_ptr() }
);
result_getter!(
    /// `memcached_result_key_length`.
    memcached_result_key_length -> usize, |r| r.key_length
);
result_getter!(
    /// `memcached_result_value`: the value buffer (not NUL-terminated). As
    /// 1.1.4: the buffer, also for an empty value (NULL only before the
    /// result ever held a value).
    memcached_result_value -> *const c_char, |r| r.value.string
);
result_getter!(
    /// `memcached_result_length`.
    memcached_result_length -> usize, |r| value_len(r)
);
result_getter!(
    /// `memcached_result_flags`.
    memcached_result_flags -> u32, |r| r.item_flags
);
result_getter!(
    /// `memcached_result_cas`.
    memcached_result_cas -> u64, |r| r.item_cas
);

/// The value length of a result.
pub fn value_len(r: &memcached_result_st) -> usize {
    if r.value.string.is_null() {
        0
    } else {
        r.value.end as usize - r.value.string as usize
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
        c_mut(self_).map_or(core::ptr::null_mut(), take_value)
    }
}

ffi_fn! {
    /// `memcached_result_set_value`: append `length` bytes to the value.
    fn memcached_result_set_value(ptr: *mut memcached_result_st, value: *const c_char, length: usize)
        -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(add) = bytes(value, length) else { return ReturnCode::InvalidArguments };
        let Some(r) = c_mut(ptr) else { return ReturnCode::InvalidArguments };
        let old = value_len(r);
        let alloc = result_allocators(r);
        let root = r.root;
        match r.value_resize(&alloc, root, old + add.len()) {
            Some(buf) => {
                buf[old..].copy_from_slice(add);
                ReturnCode::Success
            }
            None => match handle(root) {
                Some(mut h) => h.client.fail(Error::new(ReturnCode::MemoryAllocationFailure)),
                None => ReturnCode::MemoryAllocationFailure,
            },
        }
    }
}

ffi_fn! {
    /// `memcached_result_set_flags`.
    fn memcached_result_set_flags(self_: *mut memcached_result_st, flags: u32);
    nonnull(self_)
    {
        if let Some(r) = c_mut(self_) {
            r.item_flags = flags;
        }
    }
}

ffi_fn! {
    /// `memcached_result_set_expiration`.
    fn memcached_result_set_expiration(self_: *mut memcached_result_st, expiration: time_t);
    nonnull(self_)
    {
        if let Some(r) = c_mut(self_) {
            r.item_expiration = expiration;
        }
    }
}
