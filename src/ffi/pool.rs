//! libmemcachedutil's thread-safe handle pool (`pool.h`): the core's pool
//! (`crate::core::pool`, which owns the rules) of clones of a master
//! handle; this converts the C arguments and results.
//!
//! What is C-specific here (checked with C probes against Debian's
//! library; the pool's own rules are documented in `crate::core::pool`):
//! - `memcached_pool_fetch(pool, t, &rc)` waits `t` (NULL: not at all);
//!   `memcached_pool_pop(pool, block, &rc)` waits 5 s (`block`) or not at
//!   all. No handle gives NULL with `NOTFOUND` (nothing idle, no wait),
//!   `TIMEOUT`, `ERRNO` with errno EINVAL (a bad `tv_nsec`), or `SUCCESS`
//!   when a clone could not be made.
//! - `memcached_pool_release`/`_push` of NULL, or of a handle already idle,
//!   is INVALID_ARGUMENTS.
//! - `memcached_pool_destroy` frees the idle clones (not the ones still out)
//!   and returns the master given to `memcached_pool_create`, or NULL when
//!   the pool made its own (`memcached_pool()`), which it frees.

use core::ffi::c_char;

use crate::core::error::ReturnCode;
use crate::core::pool::{AlreadyIdle, FetchError, Members, Pool, Wait};
use crate::ffi::guard::put_code;
use crate::ffi::handle::handle;
use crate::ffi::types::*;

/// How long `memcached_pool_pop(pool, true, …)` waits.
const POP_WAIT_SECS: i64 = 5;

/// A `memcached_st*` that may cross threads (the pool's mutex serialises
/// every use).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
struct Memc(*mut memcached_st);
// SAFETY: a handle is used by one thread at a time: idle ones only under
// the pool's mutex, handed-out ones by the thread that took them.
unsafe impl Send for Memc {}

/// The pool's members: clones of the master handle.
struct Clones {
    master: Memc,
    owns_master: bool,
}

impl Members for Clones {
    type Member = Memc;

    fn make(&mut self) -> Option<Memc> {
        // SAFETY: the master is a handle (or NULL, which clones a fresh
        // handle); the pool's mutex (held by our caller) serialises it.
        let c = crate::ffi::memcached::memcached_clone(core::ptr::null_mut(), self.master.0);
        (!c.is_null()).then_some(Memc(c))
    }

    fn discard(&mut self, m: Memc) {
        crate::ffi::memcached::memcached_free(m.0);
    }

    fn id(m: Memc) -> usize {
        m.0 as usize
    }
}

/// `memcached_pool_st` (opaque to C): the core's pool of clones.
#[allow(non_camel_case_types)]
pub struct memcached_pool_st(Pool<Clones>);

/// Build a pool around `master` (1.1.4's `_pool_create`).
fn create(
    master: *mut memcached_st,
    initial: u32,
    max: u32,
    owns_master: bool,
) -> *mut memcached_pool_st {
    let clones = Clones {
        master: Memc(master),
        owns_master,
    };
    match Pool::new(clones, initial, max) {
        Some(pool) => Box::into_raw(Box::new(memcached_pool_st(pool))),
        None => core::ptr::null_mut(),
    }
}

/// Run `fetch` for an export: the handle, and the code through `rc`.
fn fetch_export(
    pool: *mut memcached_pool_st,
    wait: Wait,
    rc: *mut memcached_return_t,
) -> *mut memcached_st {
    // SAFETY: a live pool per the caller.
    let p = unsafe { &*pool };
    let (m, code) = match p.0.fetch(wait) {
        Ok(m) => (m.0, ReturnCode::Success),
        Err(FetchError::MakeFailed) => (core::ptr::null_mut(), ReturnCode::Success),
        Err(FetchError::Empty) => (core::ptr::null_mut(), ReturnCode::Notfound),
        Err(FetchError::Timeout) => (core::ptr::null_mut(), ReturnCode::Timeout),
        Err(FetchError::BadWait) => {
            // SAFETY: errno of this thread.
            unsafe { *libc::__errno_location() = libc::EINVAL };
            (core::ptr::null_mut(), ReturnCode::Errno)
        }
    };
    put_code(rc, code);
    m
}

/// `memcached_pool_release`/`_push`.
fn release(pool: &memcached_pool_st, m: *mut memcached_st) -> ReturnCode {
    if m.is_null() {
        return ReturnCode::InvalidArguments;
    }
    match pool.0.release(Memc(m)) {
        Ok(()) => ReturnCode::Success,
        // The same handle pushed twice would be freed twice at destroy.
        Err(AlreadyIdle) => ReturnCode::InvalidArguments,
    }
}

ffi_fn! {
    /// `memcached_pool_create`: a pool of up to `max` clones of `mmc`,
    /// `initial` of them made now.
    fn memcached_pool_create(mmc: *mut memcached_st, initial: u32, max: u32) -> *mut memcached_pool_st;
    nonnull(mmc)
    {
        create(mmc, initial, max, false)
    }
}

ffi_fn! {
    /// `memcached_pool`: a pool around `memcached(option_string, length)`,
    /// sized by `--POOL-MIN`/`--POOL-MAX` (default 1 and 1).
    fn memcached_pool(option_string: *const c_char, option_string_length: usize) -> *mut memcached_pool_st;
    nonnull()
    {
        let memc = crate::ffi::config::memcached(option_string, option_string_length);
        let Some(h) = handle(memc) else { return core::ptr::null_mut() };
        let size = h.client.pool_size;
        drop(h);
        let pool = create(memc, size.min, size.max, true);
        if pool.is_null() {
            crate::ffi::memcached::memcached_free(memc);
        }
        pool
    }
}

ffi_fn! {
    /// `memcached_pool_destroy`: frees the idle clones (and the master when
    /// the pool made it); returns the master given to
    /// `memcached_pool_create`, else NULL.
    fn memcached_pool_destroy(pool: *mut memcached_pool_st) -> *mut memcached_st;
    nonnull(pool)
    {
        // SAFETY: a pool from memcached_pool_create/memcached_pool, not used
        // by anyone after this call.
        let p = unsafe { Box::from_raw(pool) };
        let clones = p.0.destroy();
        if clones.owns_master {
            crate::ffi::memcached::memcached_free(clones.master.0);
            core::ptr::null_mut()
        } else {
            clones.master.0
        }
    }
}

ffi_fn! {
    /// `memcached_pool_pop`: `memcached_pool_fetch` waiting 5 s when
    /// `block`, not at all otherwise.
    fn memcached_pool_pop(pool: *mut memcached_pool_st, block: bool, rc: *mut memcached_return_t) -> *mut memcached_st;
    nonnull(pool)
    {
        let wait = if block { Wait::For { secs: POP_WAIT_SECS, nanos: 0 } } else { Wait::Now };
        fetch_export(pool, wait, rc)
    }
}

ffi_fn! {
    /// `memcached_pool_fetch`: a handle, waiting at most `relative_time`
    /// (NULL: not at all).
    fn memcached_pool_fetch(
        pool: *mut memcached_pool_st,
        relative_time: *mut libc::timespec,
        rc: *mut memcached_return_t,
    ) -> *mut memcached_st;
    nonnull(pool)
    {
        let wait = if relative_time.is_null() {
            Wait::Now
        } else {
            // SAFETY: a readable timespec per the caller.
            let t = unsafe { *relative_time };
            Wait::For { secs: t.tv_sec, nanos: t.tv_nsec }
        };
        fetch_export(pool, wait, rc)
    }
}

ffi_fn! {
    /// `memcached_pool_release`: give a handle back.
    fn memcached_pool_release(pool: *mut memcached_pool_st, mmc: *mut memcached_st) -> memcached_return_t;
    nonnull(pool)
    {
        // SAFETY: a live pool.
        release(unsafe { &*pool }, mmc)
    }
}

ffi_fn! {
    /// `memcached_pool_push`: the same as `memcached_pool_release`.
    fn memcached_pool_push(pool: *mut memcached_pool_st, mmc: *mut memcached_st) -> memcached_return_t;
    nonnull(pool)
    {
        // SAFETY: a live pool.
        release(unsafe { &*pool }, mmc)
    }
}

ffi_fn! {
    /// `memcached_pool_behavior_set`: the master, the idle clones, and
    /// (through re-cloning on release) the clones that are out.
    fn memcached_pool_behavior_set(pool: *mut memcached_pool_st, flag: memcached_behavior_t, data: u64) -> memcached_return_t;
    nonnull(pool)
    {
        // SAFETY: a live pool.
        let p = unsafe { &*pool };
        let mut rc = ReturnCode::Success;
        p.0.reconfigure(|clones, member| {
            let m = member.map_or(clones.master, |m| m);
            let r = crate::ffi::behavior::memcached_behavior_set(m.0, flag, data).status();
            if member.is_none() {
                rc = r;
            }
            r.is_success()
        });
        rc
    }
}

ffi_fn! {
    /// `memcached_pool_behavior_get`: the master's value.
    fn memcached_pool_behavior_get(pool: *mut memcached_pool_st, flag: memcached_behavior_t, value: *mut u64) -> memcached_return_t;
    nonnull(pool, value)
    {
        // SAFETY: a live pool.
        let p = unsafe { &*pool };
        let v = p.0.with_members(|clones| {
            crate::ffi::behavior::memcached_behavior_get(clones.master.0, flag)
        });
        // SAFETY: `value` is writable per the caller.
        unsafe { value.write(v) };
        ReturnCode::Success
    }
}
