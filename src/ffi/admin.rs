//! `flush.h`, `flush_buffers.h`, `quit.h`, `verbosity.h`, `version.h`:
//! commands for every server of a handle.

use crate::core::error::ReturnCode;
use crate::ffi::handle::handle;
use crate::ffi::types::*;

ffi_fn! {
    /// `memcached_flush`.
    fn memcached_flush(ptr: *mut memcached_st, expiration: time_t) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let r = h.client.flush(expiration as i64);
        h.client.finish(r)
    }
}

ffi_fn! {
    /// `memcached_flush_buffers`.
    fn memcached_flush_buffers(mem: *mut memcached_st) -> memcached_return_t;
    nonnull(mem)
    {
        // SAFETY: `mem` is a handle.
        handle(mem).map_or(ReturnCode::InvalidArguments, |mut h| h.client.flush_buffers())
    }
}

ffi_fn! {
    /// `memcached_quit`: close every connection.
    fn memcached_quit(ptr: *mut memcached_st);
    nonnull(ptr)
    {
        if let Some(mut h) = handle(ptr) {
            h.client.quit_all();
        }
    }
}

ffi_fn! {
    /// `memcached_verbosity`.
    fn memcached_verbosity(ptr: *mut memcached_st, verbosity: u32) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let r = h.client.verbosity(verbosity);
        h.client.finish(r)
    }
}

ffi_fn! {
    /// `memcached_version`: learn every server's version.
    fn memcached_version(ptr: *mut memcached_st) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let r = h.client.version();
        h.client.finish(r)
    }
}
