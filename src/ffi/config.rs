//! `memcached()` and `libmemcached_check_configuration()`: the
//! configuration-string language of [`crate::core::config`] applied to a
//! handle.
//!
//! Each action goes through the same exported function 1.1.4's grammar
//! calls (`memcached_server_add_with_weight`, `memcached_behavior_set`,
//! `memcached_behavior_set_distribution_hash`, `memcached_reset`), so a
//! configured handle is exactly what those calls would build. The namespace
//! is checked with 1.1.4's `memcached_set_namespace` rules
//! ([`check_namespace`]) and stored in `client.namespace` and
//! `Handle::namespace_c`.
//!
//! Not mirrored: `--FETCH-VERSION` is accepted but the handle has no
//! "fetch version on connect" flag yet; `DEBUG` does not turn on bison's
//! trace output; `MEMCACHED_BEHAVIOR_LOAD_FROM_FILE` does not report a
//! `--CONFIGURE-FILE` (the file is read right after the string).

use core::ffi::c_char;
use std::ffi::CString;

use crate::core::config::{Action, Target, check_namespace, configure};
use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::bytes;
use crate::ffi::handle::{Handle, handle_mut};
use crate::ffi::memcached::{create_with, free_handle};
use crate::ffi::types::*;

/// Applies configuration actions to a live handle.
struct HandleTarget {
    ptr: *mut memcached_st,
}

impl HandleTarget {
    #[allow(clippy::mut_from_ref)]
    fn handle(&self) -> Option<&mut Handle> {
        // SAFETY: `ptr` is a handle created by `configure_handle`'s caller
        // and used by this thread only while the parse runs.
        unsafe { handle_mut(self.ptr) }
    }

    fn rc(rc: ReturnCode) -> Result<(), Option<String>> {
        if rc.is_success() { Ok(()) } else { Err(None) }
    }
}

impl Target for HandleTarget {
    fn apply(&mut self, action: &Action) -> Result<(), Option<String>> {
        let ptr = self.ptr;
        match action {
            Action::Server { host, port, weight } => {
                let Ok(name) = CString::new(host.clone()) else {
                    return Err(None);
                };
                // SAFETY: `ptr` is a handle and `name` a C string that
                // outlives the call.
                Self::rc(unsafe {
                    crate::ffi::server::memcached_server_add_with_weight(
                        ptr,
                        name.as_ptr(),
                        *port as u16,
                        *weight,
                    )
                })
            }
            Action::Socket { path, weight } => {
                let Ok(name) = CString::new(path.clone()) else {
                    return Err(None);
                };
                // SAFETY: as above.
                Self::rc(unsafe {
                    crate::ffi::server::memcached_server_add_unix_socket_with_weight(
                        ptr,
                        name.as_ptr(),
                        *weight,
                    )
                })
            }
            Action::ConfigureFile(_) | Action::FetchVersion => Ok(()),
            Action::Tls => {
                let h = self.handle().ok_or(None)?;
                h.client.enable_tls();
                Ok(())
            }
            Action::TlsSetting(field, value) => {
                let h = self.handle().ok_or(None)?;
                h.client.set_tls_field(*field, value);
                Ok(())
            }
            Action::PoolMin(n) => {
                if let Some(h) = self.handle() {
                    h.pool_min = *n;
                }
                Ok(())
            }
            Action::PoolMax(n) => {
                if let Some(h) = self.handle() {
                    h.pool_max = *n;
                }
                Ok(())
            }
            Action::Namespace(ns) => {
                let h = self.handle().ok_or(None)?;
                match check_namespace(ns, h.client.behaviors.binary_protocol) {
                    Ok(()) => {
                        h.client.namespace = ns.clone();
                        h.namespace_c = CString::new(ns.clone()).ok();
                        Ok(())
                    }
                    Err(e) => {
                        let text = e.message.clone();
                        h.client.fail(e);
                        Err(text)
                    }
                }
            }
            Action::Distribution(d) => {
                // SAFETY: `ptr` is a handle.
                Self::rc(unsafe {
                    crate::ffi::behavior::memcached_behavior_set(
                        ptr,
                        crate::core::behavior::id::DISTRIBUTION,
                        u64::from(*d),
                    )
                })
            }
            Action::DistributionHash(hash) => {
                // SAFETY: `ptr` is a handle.
                Self::rc(unsafe {
                    crate::ffi::hashkit::memcached_behavior_set_distribution_hash(ptr, *hash)
                })
            }
            Action::Hash(hash) => {
                // `memcached_behavior_set(HASH)` is this call in 1.1.4.
                // SAFETY: `ptr` is a handle.
                Self::rc(unsafe {
                    crate::ffi::hashkit::behavior_set_key_hash(ptr, u64::from(*hash))
                })
            }
            Action::Behavior { behavior, value } => {
                // SAFETY: `ptr` is a handle.
                Self::rc(unsafe {
                    crate::ffi::behavior::memcached_behavior_set(ptr, *behavior, *value)
                })
            }
            Action::Flag(behavior) => {
                // SAFETY: `ptr` is a handle.
                Self::rc(unsafe { crate::ffi::behavior::memcached_behavior_set(ptr, *behavior, 1) })
            }
            Action::Reset => {
                // SAFETY: `ptr` is a handle.
                Self::rc(unsafe { crate::ffi::memcached::memcached_reset(ptr) })
            }
        }
    }

    fn has_namespace(&self) -> bool {
        self.handle().is_some_and(|h| h.namespace_c.is_some())
    }
}

/// Apply a configuration (and its `--CONFIGURE-FILE`) to handle `ptr`.
///
/// # Safety
/// `ptr` must be a valid handle not used by another thread meanwhile.
pub unsafe fn configure_handle(ptr: *mut memcached_st, input: &[u8]) -> Result<(), Error> {
    let mut target = HandleTarget { ptr };
    configure(input, &mut target)
}

/// A new handle configured from `input`, or the error.
pub fn new_configured(input: &[u8]) -> Result<*mut memcached_st, Error> {
    let mut h: Box<crate::ffi::handle::Handle> = Box::default();
    crate::ffi::tls::apply_env(&mut h);
    // SAFETY: NULL asks for a new allocation.
    let ptr = unsafe { create_with(core::ptr::null_mut(), h) };
    if ptr.is_null() {
        return Err(Error::new(ReturnCode::MemoryAllocationFailure));
    }
    if input.is_empty() {
        return Ok(ptr);
    }
    // SAFETY: `ptr` was just created and is ours alone.
    match unsafe { configure_handle(ptr, input) } {
        Ok(()) => Ok(ptr),
        Err(e) => {
            // SAFETY: `ptr` was created above and is not used afterwards.
            unsafe { free_handle(ptr) };
            Err(e)
        }
    }
}

/// The input of `memcached(string, length)`: NULL/0 reads the
/// `LIBMEMCACHED` environment variable as 1.1.4 does.
///
/// # Safety
/// `string` must be NULL or point to `length` readable bytes.
pub unsafe fn option_input(string: *const c_char, length: usize) -> Option<Vec<u8>> {
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
    // SAFETY: as documented.
    unsafe { bytes(string, length) }.map(<[u8]>::to_vec)
}

ffi_fn! {
    /// `memcached()`: a handle configured by an option string; NULL on any
    /// error. `memcached(NULL, 0)` gives a plain handle (configured from
    /// `$LIBMEMCACHED` when set); an empty non-NULL string gives NULL.
    fn memcached(string: *const c_char, length: usize) -> *mut memcached_st;
    nonnull()
    {
        // SAFETY: the caller passes `length` readable bytes at `string`.
        let Some(input) = (unsafe { option_input(string, length) }) else { return core::ptr::null_mut() };
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
        let have_buffer = !error_buffer.is_null() && error_buffer_size > 0;
        if have_buffer {
            // SAFETY: the caller gives `error_buffer_size` writable bytes.
            unsafe { error_buffer.write(0) };
        }
        // SAFETY: `length` readable bytes at `option_string`.
        let Some(input) = (unsafe { bytes(option_string, length) }) else { return ReturnCode::InvalidArguments };
        match new_configured(input) {
            Ok(ptr) => {
                // SAFETY: created by new_configured, not used afterwards.
                unsafe { free_handle(ptr) };
                ReturnCode::Success
            }
            Err(e) => {
                if have_buffer {
                    let text = e.message.clone().unwrap_or_else(|| e.code.text().to_string());
                    let src = text.as_bytes();
                    // SAFETY: `error_buffer_size` writable bytes; we write
                    // at most that many.
                    let dst = unsafe { core::slice::from_raw_parts_mut(error_buffer.cast::<u8>(), error_buffer_size) };
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
