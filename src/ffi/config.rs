//! `memcached()` and `libmemcached_check_configuration()`: the
//! configuration-string language of [`crate::core::config`], which the core
//! applies to the client of a new handle
//! ([`crate::core::client::configure`]).
//!
//! Not mirrored: `--FETCH-VERSION` is accepted but the handle has no
//! "fetch version on connect" flag yet; `DEBUG` does not turn on bison's
//! trace output; `MEMCACHED_BEHAVIOR_LOAD_FROM_FILE` does not report a
//! `--CONFIGURE-FILE` (the file is read right after the string).

use core::ffi::c_char;

use crate::core::config::configure;
use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::{bytes, bytes_mut};
use crate::ffi::handle::{handle, sync_mirror};
use crate::ffi::memcached::{create_with, free_handle};
use crate::ffi::types::*;

/// Apply a configuration (and its `--CONFIGURE-FILE`) to handle `ptr`.
pub fn configure_handle(ptr: *mut memcached_st, input: &[u8]) -> Result<(), Error> {
    let Some(mut h) = handle(ptr) else {
        return Err(Error::new(ReturnCode::InvalidArguments));
    };
    let r = configure(input, &mut h.client);
    sync_mirror(&mut h);
    r
}

/// A new handle configured from `input`, or the error.
pub fn new_configured(input: &[u8]) -> Result<*mut memcached_st, Error> {
    let mut h: Box<crate::ffi::handle::Handle> = Box::default();
    crate::ffi::tls::apply_env(&mut h);
    let ptr = create_with(core::ptr::null_mut(), h);
    if ptr.is_null() {
        return Err(Error::new(ReturnCode::MemoryAllocationFailure));
    }
    if input.is_empty() {
        return Ok(ptr);
    }
    match configure_handle(ptr, input) {
        Ok(()) => Ok(ptr),
        Err(e) => {
            free_handle(ptr);
            Err(e)
        }
    }
}

/// The input of `memcached(string, length)`: NULL/0 reads the
/// `LIBMEMCACHED` environment variable as 1.1.4 does.
pub fn option_input(string: *const c_char, length: usize) -> Option<Vec<u8>> {
    if length == 0 && !string.is_null() {
        return None;
    }
    if length == 0 {
        use std::os::unix::ffi::OsStringExt;
        return Some(
            std::env::var_os("LIBMEMCACHED")
                .map(|v| v.into_vec())
                .unwrap_or_default(),
        );
    }
    bytes(string, length).map(<[u8]>::to_vec)
}

ffi_fn! {
    /// `memcached()`: a handle configured by an option string; NULL on any
    /// error. `memcached(NULL, 0)` gives a plain handle (configured from
    /// `$LIBMEMCACHED` when set); an empty non-NULL string gives NULL.
    fn memcached(string: *const c_char, length: usize) -> *mut memcached_st;
    nonnull()
    {
        let Some(input) = option_input(string, length) else { return core::ptr::null_mut() };
        new_configured(&input).unwrap_or(core::ptr::null_mut())
    }
}

ffi_fn! {
    /// `libmemcached_check_configuration`: 0, or the error code (43 for a
    /// parse error) with its message copied into `error_buffer` the way
    /// `strncpy` copies (always NUL-terminated). NULL or empty input is
    /// INVALID_ARGUMENTS.
    fn libmemcached_check_configuration(
        option_string: *const c_char,
        length: usize,
        error_buffer: *mut c_char,
        error_buffer_size: usize,
    ) -> memcached_return_t;
    nonnull()
    {
        if option_string.is_null() || length == 0 {
            return ReturnCode::InvalidArguments;
        }
        let mut buffer = bytes_mut(error_buffer, error_buffer_size).filter(|b| !b.is_empty());
        if let Some(b) = buffer.as_deref_mut() {
            b[0] = 0;
        }
        let Some(input) = bytes(option_string, length) else { return ReturnCode::InvalidArguments };
        match new_configured(input) {
            Ok(ptr) => {
                free_handle(ptr);
                ReturnCode::Success
            }
            Err(e) => {
                if let Some(dst) = buffer {
                    let text = e.message.clone().unwrap_or_else(|| e.code.text().to_string());
                    let src = text.as_bytes();
                    let n = src.len().min(dst.len());
                    dst[..n].copy_from_slice(&src[..n]);
                    dst[n..].fill(0);
                    dst[dst.len() - 1] = 0;
                }
                e.code
            }
        }
    }
}
