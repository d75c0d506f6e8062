//! libmemcachedutil's thread-safe handle pool (`pool.h`): a stack of idle
//! clones of a master handle, shared by threads under one mutex.
//!
//! Semantics are 1.1.4's (`src/libmemcachedutil/pool.cc`), checked with C
//! probes against Debian's library:
//! - `memcached_pool_create(master, initial, max)`: NULL when `initial` or
//!   `max` is 0 or `initial > max`; `initial` clones are made up front, more
//!   on demand up to `max`.
//! - `memcached_pool_fetch(pool, t, &rc)`: an idle clone, else a new one
//!   while fewer than `max` exist, else with `t` NULL or zero NULL and
//!   `NOTFOUND`; otherwise it waits until `time(NULL) + t` (whole seconds of
//!   the clock, plus `t`'s nanoseconds), re-arming after every wake-up that
//!   finds the pool still empty, and gives NULL and `TIMEOUT`. An invalid
//!   `tv_nsec` gives NULL and `ERRNO` (errno EINVAL).
//! - `memcached_pool_pop(pool, block, &rc)` is fetch with 5 s (`block`) or 0.
//! - `memcached_pool_release`/`_push`: NULL handle → INVALID_ARGUMENTS; a
//!   handle cloned before the last `memcached_pool_behavior_set` is replaced
//!   by a fresh clone of the master. Waiters are woken when the first handle
//!   comes back to a pool that has created all `max` clones.
//! - `memcached_pool_behavior_set` sets the master, then every idle clone
//!   (re-cloning one that refuses), and bumps the pool's version so handles
//!   out at the time are re-cloned when they come back.
//! - `memcached_pool_destroy` frees the idle clones (not the ones still out)
//!   and returns the master given to `memcached_pool_create`, or NULL when
//!   the pool made its own (`memcached_pool()`), which it frees.
//!
//! Where 1.1.4 overruns its array (more handles released than the pool
//! holds) the extra handles are simply kept.

use core::ffi::c_char;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::{Condvar, Mutex};

use crate::core::error::ReturnCode;
use crate::ffi::guard::put;
use crate::ffi::handle::handle_mut;
use crate::ffi::types::*;

/// The version of a handle the pool did not clone (1.1.4's initial
/// `configure.version`).
const UNVERSIONED: i64 = -1;
/// How long `memcached_pool_pop(pool, true, …)` waits.
const POP_WAIT_SECS: i64 = 5;

/// A `memcached_st*` that may cross threads (the pool's mutex serialises
/// every use).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
struct Memc(*mut memcached_st);
// SAFETY: a handle is used by one thread at a time: idle ones only under
// the pool's mutex, handed-out ones by the thread that took them.
unsafe impl Send for Memc {}

/// Everything behind the pool's mutex.
struct State {
    /// Idle handles; the last one is handed out first.
    idle: Vec<Memc>,
    /// How many clones the pool has made (1.1.4's `current_size`).
    current_size: u32,
    /// Bumped by every successful `memcached_pool_behavior_set`.
    version: i64,
    /// The version of each clone the pool made, by address.
    versions: HashMap<usize, i64>,
}

/// `memcached_pool_st` (opaque to C).
#[allow(non_camel_case_types)]
pub struct memcached_pool_st {
    master: Memc,
    owns_master: bool,
    /// The most clones the pool makes (1.1.4's `size`).
    size: u32,
    state: Mutex<State>,
    cond: Condvar,
}

/// How `fetch` ended without a handle.
enum FetchError {
    /// NOTFOUND, TIMEOUT, ERRNO…; ERRNO also sets `errno`.
    Code(ReturnCode, i32),
    /// A clone could not be made: NULL with SUCCESS, as 1.1.4 returns.
    CloneFailed,
}

impl memcached_pool_st {
    /// A clone of the master, stamped with the current version.
    fn clone_master(&self, st: &mut State) -> Option<Memc> {
        // SAFETY: the master is a handle (or NULL, which clones a fresh
        // handle); the pool's mutex (held by our caller) serialises it.
        let c =
            unsafe { crate::ffi::memcached::memcached_clone(core::ptr::null_mut(), self.master.0) };
        if c.is_null() {
            return None;
        }
        st.versions.insert(c as usize, st.version);
        Some(Memc(c))
    }

    /// Free a handle the pool is dropping.
    fn free(st: &mut State, m: Memc) {
        st.versions.remove(&(m.0 as usize));
        // SAFETY: a handle owned by the pool and used by no one else.
        unsafe { crate::ffi::memcached::memcached_free(m.0) };
    }

    fn fetch(&self, relative: libc::timespec) -> Result<Memc, FetchError> {
        let mut st = self.state.lock();
        loop {
            if let Some(m) = st.idle.pop() {
                return Ok(m);
            }
            if st.current_size < self.size {
                let m = self.clone_master(&mut st).ok_or(FetchError::CloneFailed)?;
                st.current_size += 1;
                return Ok(m);
            }
            if relative.tv_sec == 0 && relative.tv_nsec == 0 {
                return Err(FetchError::Code(ReturnCode::Notfound, 0));
            }
            if !(0..1_000_000_000).contains(&relative.tv_nsec) {
                return Err(FetchError::Code(ReturnCode::Errno, libc::EINVAL));
            }
            // pthread_cond_timedwait with time(NULL) + tv_sec and tv_nsec.
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let deadline_ns = (now.as_secs() as i128 + i128::from(relative.tv_sec)) * 1_000_000_000
                + i128::from(relative.tv_nsec);
            let left = deadline_ns - now.as_nanos() as i128;
            if left <= 0 {
                return Err(FetchError::Code(ReturnCode::Timeout, 0));
            }
            let left = Duration::from_nanos(u64::try_from(left).unwrap_or(u64::MAX));
            if self.cond.wait_for(&mut st, left).timed_out() {
                return Err(FetchError::Code(ReturnCode::Timeout, 0));
            }
        }
    }

    fn release(&self, released: *mut memcached_st) -> ReturnCode {
        if released.is_null() {
            return ReturnCode::InvalidArguments;
        }
        let mut st = self.state.lock();
        // The same handle pushed twice would be freed twice at destroy.
        if st.idle.iter().any(|m| m.0 == released) {
            return ReturnCode::InvalidArguments;
        }
        let mut m = Memc(released);
        let v = st
            .versions
            .get(&(released as usize))
            .copied()
            .unwrap_or(UNVERSIONED);
        if v != st.version
            && let Some(fresh) = self.clone_master(&mut st)
        {
            Self::free(&mut st, m);
            m = fresh;
        }
        st.idle.push(m);
        if st.idle.len() == 1 && st.current_size == self.size {
            self.cond.notify_all();
        }
        ReturnCode::Success
    }

    fn behavior_set(&self, flag: u32, data: u64) -> ReturnCode {
        let mut st = self.state.lock();
        // SAFETY: the master is a handle; the mutex serialises its use.
        let rc = unsafe { crate::ffi::behavior::memcached_behavior_set(self.master.0, flag, data) };
        if rc.is_failed() {
            return rc;
        }
        st.version += 1;
        let version = st.version;
        for i in 0..st.idle.len() {
            let m = st.idle[i];
            // SAFETY: an idle handle owned by the pool.
            let ok = unsafe { crate::ffi::behavior::memcached_behavior_set(m.0, flag, data) }
                .is_success();
            if ok {
                st.versions.insert(m.0 as usize, version);
            } else if let Some(fresh) = self.clone_master(&mut st) {
                Self::free(&mut st, m);
                st.idle[i] = fresh;
            }
        }
        rc
    }
}

/// Build a pool around `master` (1.1.4's `_pool_create`).
fn create(
    master: *mut memcached_st,
    initial: u32,
    max: u32,
    owns_master: bool,
) -> *mut memcached_pool_st {
    if initial == 0 || max == 0 || initial > max {
        return core::ptr::null_mut();
    }
    let pool = memcached_pool_st {
        master: Memc(master),
        owns_master,
        size: max,
        state: Mutex::new(State {
            idle: Vec::with_capacity(max.min(1024) as usize),
            current_size: 0,
            version: UNVERSIONED,
            versions: HashMap::new(),
        }),
        cond: Condvar::new(),
    };
    {
        let mut st = pool.state.lock();
        for _ in 0..initial {
            // A failed clone is not fatal here, as in 1.1.4.
            let Some(m) = pool.clone_master(&mut st) else {
                break;
            };
            st.idle.push(m);
            st.current_size += 1;
        }
    }
    Box::into_raw(Box::new(pool))
}

/// Run `fetch` for an export: the handle, and the code through `rc`.
///
/// # Safety
/// `pool` must be a live pool; `rc` NULL or writable.
unsafe fn fetch_export(
    pool: *mut memcached_pool_st,
    relative: libc::timespec,
    rc: *mut memcached_return_t,
) -> *mut memcached_st {
    // SAFETY: a live pool per the caller.
    let p = unsafe { &*pool };
    let (m, code) = match p.fetch(relative) {
        Ok(m) => (m.0, ReturnCode::Success),
        Err(FetchError::CloneFailed) => (core::ptr::null_mut(), ReturnCode::Success),
        Err(FetchError::Code(c, errno)) => {
            if errno != 0 {
                // SAFETY: errno of this thread.
                unsafe { *libc::__errno_location() = errno };
            }
            (core::ptr::null_mut(), c)
        }
    };
    // SAFETY: NULL or writable per the caller.
    unsafe { put(rc, code) };
    m
}

const ZERO: libc::timespec = libc::timespec {
    tv_sec: 0,
    tv_nsec: 0,
};

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
        // SAFETY: forwarding the caller's arguments.
        let memc = unsafe { crate::ffi::config::memcached(option_string, option_string_length) };
        // SAFETY: NULL or the handle just made.
        let Some(h) = (unsafe { handle_mut(memc) }) else { return core::ptr::null_mut() };
        let (min, max) = (h.pool_min, h.pool_max);
        let pool = create(memc, min, max, true);
        if pool.is_null() {
            // SAFETY: the handle made above, used by no one else.
            unsafe { crate::ffi::memcached::memcached_free(memc) };
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
        let mut st = p.state.lock();
        let idle = std::mem::take(&mut st.idle);
        for m in idle {
            memcached_pool_st::free(&mut st, m);
        }
        drop(st);
        if p.owns_master {
            // SAFETY: the master the pool made in memcached_pool().
            unsafe { crate::ffi::memcached::memcached_free(p.master.0) };
            core::ptr::null_mut()
        } else {
            p.master.0
        }
    }
}

ffi_fn! {
    /// `memcached_pool_pop`: `memcached_pool_fetch` waiting 5 s when
    /// `block`, not at all otherwise.
    fn memcached_pool_pop(pool: *mut memcached_pool_st, block: bool, rc: *mut memcached_return_t) -> *mut memcached_st;
    nonnull(pool)
    {
        let t = if block { libc::timespec { tv_sec: POP_WAIT_SECS as libc::time_t, tv_nsec: 0 } } else { ZERO };
        // SAFETY: a live pool; `rc` NULL or writable.
        unsafe { fetch_export(pool, t, rc) }
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
        let t = if relative_time.is_null() {
            ZERO
        } else {
            // SAFETY: a readable timespec per the caller.
            unsafe { *relative_time }
        };
        // SAFETY: a live pool; `rc` NULL or writable.
        unsafe { fetch_export(pool, t, rc) }
    }
}

ffi_fn! {
    /// `memcached_pool_release`: give a handle back.
    fn memcached_pool_release(pool: *mut memcached_pool_st, mmc: *mut memcached_st) -> memcached_return_t;
    nonnull(pool)
    {
        // SAFETY: a live pool.
        unsafe { &*pool }.release(mmc)
    }
}

ffi_fn! {
    /// `memcached_pool_push`: the same as `memcached_pool_release`.
    fn memcached_pool_push(pool: *mut memcached_pool_st, mmc: *mut memcached_st) -> memcached_return_t;
    nonnull(pool)
    {
        // SAFETY: a live pool.
        unsafe { &*pool }.release(mmc)
    }
}

ffi_fn! {
    /// `memcached_pool_behavior_set`: the master, the idle clones, and
    /// (through re-cloning on release) the clones that are out.
    fn memcached_pool_behavior_set(pool: *mut memcached_pool_st, flag: memcached_behavior_t, data: u64) -> memcached_return_t;
    nonnull(pool)
    {
        // SAFETY: a live pool.
        unsafe { &*pool }.behavior_set(flag, data)
    }
}

ffi_fn! {
    /// `memcached_pool_behavior_get`: the master's value.
    fn memcached_pool_behavior_get(pool: *mut memcached_pool_st, flag: memcached_behavior_t, value: *mut u64) -> memcached_return_t;
    nonnull(pool, value)
    {
        // SAFETY: a live pool.
        let p = unsafe { &*pool };
        let _st = p.state.lock();
        // SAFETY: the master is a handle; the mutex serialises its use;
        // `value` is writable.
        unsafe { value.write(crate::ffi::behavior::memcached_behavior_get(p.master.0, flag)) };
        ReturnCode::Success
    }
}
