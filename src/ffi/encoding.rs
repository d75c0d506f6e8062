//! `encoding_key.h`: `memcached_set_encoding_key`. With a key set, values
//! are stored AES-encrypted (set/add/replace/cas; append and prepend are
//! refused) and decrypted when read, as in 1.1.4.

use core::ffi::c_char;

use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::bytes;
use crate::ffi::handle::{Allocators, handle_mut};
use crate::ffi::hashkit::{kit_decrypt, kit_encrypt, kit_set_key};
use crate::ffi::types::*;

ffi_fn! {
    /// `memcached_set_encoding_key`.
    fn memcached_set_encoding_key(ptr: *mut memcached_st, key: *const c_char, key_length: usize) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        if unsafe { handle_mut(ptr) }.is_none() {
            return ReturnCode::InvalidArguments;
        }
        // SAFETY: `key` is NULL or `key_length` readable bytes.
        let Some(k) = (unsafe { bytes(key, key_length) }) else { return ReturnCode::InvalidArguments };
        // SAFETY: `ptr` is a handle; its embedded kit is ours to change.
        let kit = unsafe { &mut (*ptr).hashkit };
        kit_set_key(kit, if k.is_empty() { None } else { Some(k) });
        ReturnCode::Success
    }
}

/// Whether values of this handle are encrypted.
///
/// # Safety
/// `ptr` must be a handle.
pub unsafe fn is_encrypted(ptr: *const memcached_st) -> bool {
    // SAFETY: per the caller.
    !unsafe { (*ptr).hashkit._key }.is_null()
}

/// Encrypt a value for storage.
///
/// # Safety
/// `ptr` must be a handle.
pub unsafe fn encrypt(ptr: *const memcached_st, value: &[u8]) -> Result<Vec<u8>, Error> {
    // SAFETY: per the caller.
    kit_encrypt(unsafe { &(*ptr).hashkit }, value)
        .ok_or_else(|| Error::with_message(ReturnCode::Failure, "the value could not be encrypted"))
}

/// Replace a value buffer (allocated with `alloc`, `len` bytes plus a NUL)
/// by its decryption; returns the new buffer and length.
///
/// # Safety
/// `ptr` a handle; `buf` NULL or `len + 1` bytes from `alloc`.
pub unsafe fn decrypt_buffer(
    ptr: *const memcached_st,
    alloc: &Allocators,
    buf: *mut c_char,
    len: usize,
) -> Result<(*mut c_char, usize), Error> {
    if buf.is_null() || len == 0 {
        return Ok((buf, len));
    }
    // SAFETY: `buf` holds `len` bytes.
    let data = unsafe { bytes(buf, len) }.unwrap_or(&[]);
    // SAFETY: `ptr` is a handle.
    let plain = kit_decrypt(unsafe { &(*ptr).hashkit }, data).ok_or_else(|| {
        Error::with_message(ReturnCode::Failure, "the value could not be decrypted")
    })?;
    // SAFETY: allocator call; checked below.
    let out = unsafe { alloc.malloc(ptr, plain.len() + 1) }.cast::<c_char>();
    if out.is_null() {
        return Err(Error::new(ReturnCode::MemoryAllocationFailure));
    }
    // SAFETY: `out` has plain.len() + 1 bytes; `buf` came from `alloc`.
    unsafe {
        core::ptr::copy_nonoverlapping(plain.as_ptr(), out.cast::<u8>(), plain.len());
        out.add(plain.len()).write(0);
        alloc.free(ptr, buf.cast());
    }
    Ok((out, plain.len()))
}
