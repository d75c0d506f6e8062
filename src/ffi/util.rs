//! libmemcachedutil's helpers (`ping.h`, `pid.h`, `flush.h`,
//! `version.h`): one-shot checks against a single server.
//!
//! Each is composed of the same exported calls 1.1.4 makes, so it reports
//! what those report:
//! - `libmemcached_util_ping`: a handle with a 400 ms connect timeout, the
//!   server, `memcached_version`; on SOME_ERRORS the server's own error code.
//! - `libmemcached_util_ping2`: with a user name, SASL auth data is set
//!   first (and no connect timeout is set, as in 1.1.4); NULL user name is
//!   `_ping`.
//! - `libmemcached_util_getpid`/`2`: the `pid` of `memcached_stat`, -1 on
//!   failure (UNKNOWN_STAT_KEY when the stats lack a pid).
//! - `libmemcached_util_flush`: `memcached_flush(…, 0)`.
//! - `libmemcached_util_version_check`: `memcached_version`, then true when
//!   every server's version is at least the one given.

use core::ffi::{c_char, c_void};

use crate::core::error::ReturnCode;
use crate::ffi::admin::{memcached_flush, memcached_version};
use crate::ffi::behavior::memcached_behavior_set;
use crate::ffi::guard::{c_ref, put_code};
use crate::ffi::memcached::{memcached_create, memcached_free};
use crate::ffi::sasl::memcached_set_sasl_auth_data;
use crate::ffi::server::{
    memcached_server_add, memcached_server_cursor, memcached_server_error,
    memcached_server_error_return, memcached_server_instance_by_position,
    memcached_server_major_version, memcached_server_micro_version, memcached_server_minor_version,
};
use crate::ffi::stats::{memcached_stat, memcached_stat_free};
use crate::ffi::types::*;

/// When a multi-server call said SOME_ERRORS, the first server's own error
/// (if it has one), as 1.1.4's helpers report it.
fn specific_error(memc: *mut memcached_st, rc: ReturnCode) -> ReturnCode {
    if rc != ReturnCode::SomeErrors {
        return rc;
    }
    let inst = memcached_server_instance_by_position(memc, 0);
    if !inst.is_null() && !memcached_server_error(inst).is_null() {
        return memcached_server_error_return(inst).status();
    }
    rc
}

/// Add the server and ask for its version.
fn version_of(memc: *mut memcached_st, hostname: *const c_char, port: in_port_t) -> ReturnCode {
    let mut rc = memcached_server_add(memc, hostname, port).status();
    if rc.is_success() {
        rc = memcached_version(memc).status();
    }
    specific_error(memc, rc)
}

/// Run `f` on a new handle, free the handle and store `f`'s code in `ret`:
/// the shape of every one-shot helper. `no_handle` (and
/// MEMORY_ALLOCATION_FAILURE) when no handle could be made.
fn one_shot<T>(
    ret: *mut memcached_return_t,
    no_handle: T,
    f: impl FnOnce(*mut memcached_st) -> (T, ReturnCode),
) -> T {
    let memc = memcached_create(core::ptr::null_mut());
    if memc.is_null() {
        put_code(ret, ReturnCode::MemoryAllocationFailure);
        return no_handle;
    }
    let (value, rc) = f(memc);
    memcached_free(memc);
    put_code(ret, rc);

    value
}

/// Give a new handle SASL credentials: `Err` with the refusal's code.
fn with_credentials(
    memc: *mut memcached_st,
    username: *const c_char,
    password: *const c_char,
) -> Result<(), ReturnCode> {
    let rc = memcached_set_sasl_auth_data(memc, username, password).status();
    if rc.is_failed() { Err(rc) } else { Ok(()) }
}

ffi_fn! {
    /// `libmemcached_util_ping`: whether the server answers `version`.
    fn libmemcached_util_ping(hostname: *const c_char, port: in_port_t, ret: *mut memcached_return_t) -> bool;
    nonnull()
    {
        let body = |memc: *mut memcached_st| {
            let mut rc = memcached_behavior_set(memc, crate::core::behavior::id::CONNECT_TIMEOUT, 400_000).status();
            if rc.is_success() {
                rc = version_of(memc, hostname, port);
            }
            (rc.is_success(), rc)
        };
        one_shot(ret, false, body)
    }
}

ffi_fn! {
    /// `libmemcached_util_ping2`: `_ping` with SASL credentials.
    fn libmemcached_util_ping2(
        hostname: *const c_char,
        port: in_port_t,
        username: *const c_char,
        password: *const c_char,
        ret: *mut memcached_return_t,
    ) -> bool;
    nonnull()
    {
        if username.is_null() {
            return libmemcached_util_ping(hostname, port, ret);
        }
        let body = |memc: *mut memcached_st| {
            if let Err(rc) = with_credentials(memc, username, password) {
                return (false, rc);
            }
            let rc = version_of(memc, hostname, port);
            (rc.is_success(), rc)
        };
        one_shot(ret, false, body)
    }
}

/// The pid from the server's stats, with 1.1.4's codes.
fn pid_of(
    memc: *mut memcached_st,
    hostname: *const c_char,
    port: in_port_t,
) -> (libc::pid_t, ReturnCode) {
    let mut pid = -1;
    let mut rc = memcached_server_add(memc, hostname, port).status();
    if rc.is_success() {
        let mut raw = memcached_return_t::from(rc);
        let stat = memcached_stat(memc, core::ptr::null_mut(), &mut raw);
        rc = raw.status();
        let stat_pid = c_ref(stat).map(|st| st.pid);
        match stat_pid {
            Some(p) if rc.is_success() && p != -1 => pid = p,
            _ if rc.is_success() => rc = ReturnCode::UnknownStatKey,
            _ => rc = specific_error(memc, rc),
        }
        memcached_stat_free(memc, stat);
    }
    (pid, rc)
}

ffi_fn! {
    /// `libmemcached_util_getpid`: the server's pid, or -1.
    fn libmemcached_util_getpid(hostname: *const c_char, port: in_port_t, ret: *mut memcached_return_t) -> libc::pid_t;
    nonnull()
    {
        let body = |memc: *mut memcached_st| {
            pid_of(memc, hostname, port)
        };
        one_shot(ret, -1, body)
    }
}

ffi_fn! {
    /// `libmemcached_util_getpid2`: `_getpid` with SASL credentials. When
    /// they are refused it returns 0 (1.1.4 returns `false` there).
    fn libmemcached_util_getpid2(
        hostname: *const c_char,
        port: in_port_t,
        username: *const c_char,
        password: *const c_char,
        ret: *mut memcached_return_t,
    ) -> libc::pid_t;
    nonnull()
    {
        if username.is_null() {
            return libmemcached_util_getpid(hostname, port, ret);
        }
        let body = |memc: *mut memcached_st| {
            if let Err(rc) = with_credentials(memc, username, password) {
                return (0, rc);
            }
            pid_of(memc, hostname, port)
        };
        one_shot(ret, -1, body)
    }
}

ffi_fn! {
    /// `libmemcached_util_flush`: flush one server now.
    fn libmemcached_util_flush(hostname: *const c_char, port: in_port_t, ret: *mut memcached_return_t) -> bool;
    nonnull()
    {
        let body = |memc: *mut memcached_st| {
            let mut rc = memcached_server_add(memc, hostname, port).status();
            if rc.is_success() {
                rc = memcached_flush(memc, 0).status();
            }
            (rc.is_success(), rc)
        };
        one_shot(ret, false, body)
    }
}

/// The version `libmemcached_util_version_check` wants, and its verdict.
struct VersionCheck {
    wanted: u32,
    truth: bool,
}

/// Cursor callback: clear `truth` when a server is older than wanted or
/// has no known version.
unsafe extern "C" fn check_server_version(
    _memc: *const memcached_st,
    instance: *const memcached_instance_st,
    context: *mut c_void,
) -> memcached_return_t {
    // SAFETY: the VersionCheck given to memcached_server_cursor below.
    let check = unsafe { &mut *context.cast::<VersionCheck>() };
    let (major, minor, micro) = (
        memcached_server_major_version(instance),
        memcached_server_minor_version(instance),
        memcached_server_micro_version(instance),
    );
    if major != u8::MAX {
        let have = u32::from(micro) | u32::from(minor) << 8 | u32::from(major) << 16;
        if have >= check.wanted {
            return ReturnCode::Success.into();
        }
    }
    check.truth = false;
    ReturnCode::Failure.into()
}

ffi_fn! {
    /// `libmemcached_util_version_check`: every server runs at least
    /// `major.minor.micro`.
    fn libmemcached_util_version_check(memc: *mut memcached_st, major_version: u8, minor_version: u8, micro_version: u8) -> bool;
    nonnull()
    {
        if memcached_version(memc).is_failed() {
            return false;
        }
        let mut check = VersionCheck {
            wanted: u32::from(micro_version) | u32::from(minor_version) << 8 | u32::from(major_version) << 16,
            truth: true,
        };
        let callbacks: [memcached_server_fn; 1] = [Some(check_server_version)];
        memcached_server_cursor(memc, callbacks.as_ptr(), (&mut check as *mut VersionCheck).cast(), 1);

        check.truth
    }
}
