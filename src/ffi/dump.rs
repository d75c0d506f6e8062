//! `memcached_dump` (`dump.h`): every key the servers list through
//! `stats cachedump`, handed to the caller's callbacks.
//!
//! 1.1.4 semantics (checked against Debian's library): NO_SERVERS without
//! servers, NOT_SUPPORTED (28) with the binary protocol; the servers are
//! asked for their version first, and a server that cannot be reached makes
//! the call return its error (47 once the version request has marked it)
//! before any key is delivered. For each key the callbacks run in order
//! until one returns something other than SUCCESS; that does not stop the
//! walk, and the call still returns SUCCESS.
//!
//! The keys are collected first and the callbacks run afterwards, so a
//! callback may use the handle. A NULL callback array counts as no
//! callbacks and NULL entries are skipped (1.1.4 would call through them).

use core::ffi::{c_char, c_int, c_void};

use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::array;
use crate::ffi::handle::handle;
use crate::ffi::types::*;

/// `memcached_dump_fn` with the result read as a raw `int`.
type RawDumpFn =
    unsafe extern "C" fn(*const memcached_st, *const c_char, usize, *mut c_void) -> c_int;

ffi_fn! {
    /// `memcached_dump`.
    fn memcached_dump(
        ptr: *mut memcached_st,
        function: *mut memcached_dump_fn,
        context: *mut c_void,
        number_of_callbacks: u32,
    ) -> memcached_return_t;
    nonnull()
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        if let Err(e) = h.client.initialize_query() {
            return e.code;
        }
        if !h.client.codec().supports_dump() {
            return h.client.fail(Error::with_message(
                ReturnCode::NotSupported,
                "Binary protocol is not supported for memcached_dump()",
            ));
        }
        let _ = h.client.version();
        for idx in 0..h.client.servers.len() {
            if let Err(e) = h.client.connect(idx) {
                return h.client.fail(e);
            }
        }
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let r = h.client.dump(&mut |key| {
            let mut k = key.to_vec();
            k.push(0);
            keys.push(k);
            Ok(())
        });
        let rc = match r {
            Ok(rc) => rc,
            Err(e) => h.client.fail(e),
        };
        drop(h);
        let callbacks: Vec<RawDumpFn> = array(function.cast_const(), number_of_callbacks as usize)
            .unwrap_or_default()
            .iter()
            .flatten()
            // SAFETY: the same C function type with the result read as an int.
            .map(|f| unsafe { core::mem::transmute::<_, RawDumpFn>(*f) })
            .collect();
        for k in &keys {
            for f in &callbacks {
                // SAFETY: a callback the caller gave us, with a NUL-terminated
                // key; the handle is not borrowed here.
                if unsafe { f(ptr, k.as_ptr().cast(), k.len() - 1, context) } != 0 {
                    break;
                }
            }
        }
        rc
    }
}
