//! Turning C key arguments (pointer + length, optional master key) into
//! slices, with 1.1.4's codes for bad ones.

use core::ffi::c_char;

use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::bytes;
use crate::ffi::handle::Handle;

/// The (group, key) slices of a call; a NULL group means "use the key".
pub fn group_and_key<'a>(
    h: &mut Handle,
    group: *const c_char,
    group_len: usize,
    key: *const c_char,
    key_len: usize,
) -> Result<(&'a [u8], &'a [u8]), ReturnCode> {
    let Some(k) = bytes(key, key_len) else {
        return Err(h.client.fail(Error::with_message(
            ReturnCode::InvalidArguments,
            "key is NULL but its length is not 0",
        )));
    };
    if group.is_null() {
        return Ok((k, k));
    }
    match bytes(group, group_len) {
        Some(g) => Ok((g, k)),
        None => Err(h.client.fail(Error::new(ReturnCode::InvalidArguments))),
    }
}
