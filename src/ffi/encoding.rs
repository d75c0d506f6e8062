//! `encoding_key.h`: `memcached_set_encoding_key`. With a key set, the
//! client (`crate::core::encoding`) stores values AES-encrypted
//! (set/add/replace/cas; append, prepend and arithmetic are refused) and
//! decrypts them when read, as in 1.1.4.

use core::ffi::c_char;

use crate::core::encoding::EncodingKey;
use crate::core::error::ReturnCode;
use crate::ffi::guard::bytes;
use crate::ffi::handle::handle;
use crate::ffi::hashkit::kit_set_key;
use crate::ffi::types::*;

ffi_fn! {
    /// `memcached_set_encoding_key`: the client encrypts and decrypts
    /// (`crate::core::encoding`); the handle's kit mirrors its key for
    /// `hashkit_encrypt`/`hashkit_decrypt`. An empty key removes it.
    fn memcached_set_encoding_key(ptr: *mut memcached_st, key: *const c_char, key_length: usize) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let Some(k) = bytes(key, key_length) else { return ReturnCode::InvalidArguments };
        let k = if k.is_empty() { None } else { Some(k) };
        h.client.encoding = k.map(EncodingKey::new);
        kit_set_key(&mut h.mirror().hashkit, k);
        ReturnCode::Success
    }
}
