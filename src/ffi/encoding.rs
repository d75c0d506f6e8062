//! `encoding_key.h`: `memcached_set_encoding_key`. With a key set, the
//! client (`crate::core::encoding`) stores values AES-encrypted
//! (set/add/replace/cas; append, prepend and arithmetic are refused) and
//! decrypts them when read, as in 1.1.4.

use core::ffi::c_char;

use crate::core::error::ReturnCode;
use crate::ffi::guard::bytes;
use crate::ffi::handle::handle_mut;
use crate::ffi::hashkit::kit_set_key;
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
        // The client encrypts and decrypts (crate::core::encoding); the kit
        // mirrors its key for hashkit_encrypt/hashkit_decrypt.
        // SAFETY: `ptr` is a handle.
        unsafe { crate::ffi::hashkit::hashers_from_kit(ptr) };
        ReturnCode::Success
    }
}
