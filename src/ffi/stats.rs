//! Statistics (`stats.h`, `analyze.h`): `memcached_stat` and its array of
//! `memcached_stat_st`, the key list and value formatting pylibmc uses,
//! `memcached_stat_servername`, `memcached_stat_execute` and
//! `memcached_analyze`.
//!
//! Semantics are 1.1.4's (`src/libmemcached/stats.cc`, `analyze.cc`),
//! checked with C probes against Debian's library:
//! - every element of the `memcached_stat` array starts with `pid` -1 and
//!   `root` = the handle, also for servers that fail; a server answering
//!   `ERROR` (unknown statistics group) stops the walk with
//!   INVALID_ARGUMENTS (the array is still returned);
//! - numbers are read like C `strtoul` (overflow stores ULONG_MAX), `pid`
//!   like `strtoll`; `rusage_*` "S.U" is split at the first punctuation
//!   byte, so "0.008982" gives 0 s and 8982 µs and reads back as "0.8982";
//! - `memcached_stat_get_value` of an unknown name is INVALID_ARGUMENTS
//!   (38), recorded as "Invalid key provided";
//! - `memcached_stat_execute` first asks every server for its version and
//!   returns the handle's last error when that fails fatally; afterwards
//!   only INVALID_ARGUMENTS is reported, and the callback's result is
//!   ignored.
//!
//! Where 1.1.4 overruns or dereferences NULL we do not: a `version` longer
//! than 23 bytes is cut; a NULL key in `memcached_stat_get_value`, and an
//! unknown key with a NULL handle, give INVALID_ARGUMENTS;
//! `memcached_analyze` on a handle without servers allocates one element
//! (1.1.4 writes past a zero-sized allocation); `memcached_analyze_free(NULL)`
//! does nothing.

use core::ffi::{CStr, c_char, c_int, c_void};

use crate::core::client::Client;
use crate::core::client::servers::NI_MAXHOST;
use crate::core::cnum::{strtoll, strtoul};
use crate::core::error::{Error, ReturnCode};
use crate::core::server_list::{DEFAULT_PORT, ServerKind};
use crate::ffi::guard::{array, c_ref, cstr, put, put_code};
use crate::ffi::handle::{Allocators, handle};
use crate::ffi::types::*;

/// The names `memcached_stat_get_keys` lists, in 1.1.4's order.
pub const STAT_KEYS: [&CStr; 22] = [
    c"pid",
    c"uptime",
    c"time",
    c"version",
    c"pointer_size",
    c"rusage_user",
    c"rusage_system",
    c"curr_items",
    c"total_items",
    c"bytes",
    c"curr_connections",
    c"total_connections",
    c"connection_structures",
    c"cmd_get",
    c"cmd_set",
    c"get_hits",
    c"get_misses",
    c"evictions",
    c"bytes_read",
    c"bytes_written",
    c"limit_maxbytes",
    c"threads",
];

/// `rusage_*` "S.U": seconds before the first punctuation byte,
/// microseconds after it (as 1.1.4 reads them).
fn split_rusage(v: &[u8]) -> (u64, u64) {
    match v.iter().position(|b| b.is_ascii_punctuation()) {
        Some(p) => (strtoul(&v[..p]).0, strtoul(&v[p + 1..]).0),
        None => (strtoul(v).0, 0),
    }
}

/// An all-zero stat struct.
pub fn zeroed_stat() -> memcached_stat_st {
    memcached_stat_st {
        connection_structures: 0,
        curr_connections: 0,
        curr_items: 0,
        pid: 0,
        pointer_size: 0,
        rusage_system_microseconds: 0,
        rusage_system_seconds: 0,
        rusage_user_microseconds: 0,
        rusage_user_seconds: 0,
        threads: 0,
        time: 0,
        total_connections: 0,
        total_items: 0,
        uptime: 0,
        bytes: 0,
        bytes_read: 0,
        bytes_written: 0,
        cmd_get: 0,
        cmd_set: 0,
        evictions: 0,
        get_hits: 0,
        get_misses: 0,
        limit_maxbytes: 0,
        version: [0; 24],
        __future: core::ptr::null_mut(),
        root: core::ptr::null_mut(),
    }
}

/// Store one `STAT name value` line in `st` (1.1.4's `set_data`); names
/// outside the 22 are ignored.
pub fn set_data(st: &mut memcached_stat_st, key: &[u8], value: &[u8]) {
    let ul = |v: &[u8]| strtoul(v).0 as libc::c_ulong;
    match key {
        b"pid" => {
            if let Some(t) = strtoll(value) {
                st.pid = t as libc::pid_t;
            }
        }
        b"uptime" => st.uptime = ul(value),
        b"time" => st.time = ul(value),
        b"version" => {
            let n = value.len().min(st.version.len() - 1);
            for (d, s) in st.version.iter_mut().zip(&value[..n]) {
                *d = *s as c_char;
            }
            st.version[n] = 0;
        }
        b"pointer_size" => st.pointer_size = ul(value),
        b"rusage_user" => {
            let (s, u) = split_rusage(value);
            st.rusage_user_seconds = s as libc::c_ulong;
            st.rusage_user_microseconds = u as libc::c_ulong;
        }
        b"rusage_system" => {
            let (s, u) = split_rusage(value);
            st.rusage_system_seconds = s as libc::c_ulong;
            st.rusage_system_microseconds = u as libc::c_ulong;
        }
        b"curr_items" => st.curr_items = ul(value),
        b"total_items" => st.total_items = ul(value),
        b"bytes_read" => st.bytes_read = strtoul(value).0,
        b"bytes_written" => st.bytes_written = strtoul(value).0,
        b"bytes" => st.bytes = strtoul(value).0,
        b"curr_connections" => st.curr_connections = ul(value),
        b"total_connections" => st.total_connections = ul(value),
        b"connection_structures" => st.connection_structures = ul(value),
        b"cmd_get" => st.cmd_get = strtoul(value).0,
        b"cmd_set" => st.cmd_set = strtoul(value).0,
        b"get_hits" => st.get_hits = strtoul(value).0,
        b"get_misses" => st.get_misses = strtoul(value).0,
        b"evictions" => st.evictions = strtoul(value).0,
        b"limit_maxbytes" => st.limit_maxbytes = strtoul(value).0,
        b"threads" => st.threads = ul(value),
        _ => {}
    }
}

/// The text `memcached_stat_get_value` gives for `key`; `None` for a name
/// outside the 22.
pub fn format_value(st: &memcached_stat_st, key: &[u8]) -> Option<String> {
    Some(match key {
        b"pid" => i64::from(st.pid).to_string(),
        b"uptime" => st.uptime.to_string(),
        b"time" => st.time.to_string(),
        b"version" => {
            let v: Vec<u8> = st
                .version
                .iter()
                .take_while(|&&c| c != 0)
                .map(|&c| c as u8)
                .collect();
            String::from_utf8_lossy(&v).into_owned()
        }
        b"pointer_size" => st.pointer_size.to_string(),
        b"rusage_user" => format!("{}.{}", st.rusage_user_seconds, st.rusage_user_microseconds),
        b"rusage_system" => format!(
            "{}.{}",
            st.rusage_system_seconds, st.rusage_system_microseconds
        ),
        b"curr_items" => st.curr_items.to_string(),
        b"total_items" => st.total_items.to_string(),
        b"curr_connections" => st.curr_connections.to_string(),
        b"total_connections" => st.total_connections.to_string(),
        b"connection_structures" => st.connection_structures.to_string(),
        b"cmd_get" => st.cmd_get.to_string(),
        b"cmd_set" => st.cmd_set.to_string(),
        b"get_hits" => st.get_hits.to_string(),
        b"get_misses" => st.get_misses.to_string(),
        b"evictions" => st.evictions.to_string(),
        b"bytes_read" => st.bytes_read.to_string(),
        b"bytes_written" => st.bytes_written.to_string(),
        b"bytes" => st.bytes.to_string(),
        b"limit_maxbytes" => st.limit_maxbytes.to_string(),
        b"threads" => st.threads.to_string(),
        _ => return None,
    })
}

/// `memcached_analysis_st` of 1.1.4's `memcached_analyze` over `stats`
/// (root left NULL).
pub fn analyze(stats: &[memcached_stat_st]) -> memcached_analysis_st {
    let mut a = memcached_analysis_st {
        root: core::ptr::null_mut(),
        average_item_size: 0,
        longest_uptime: 0,
        least_free_server: 0,
        most_consumed_server: 0,
        oldest_server: 0,
        pool_hit_ratio: 0.0,
        most_used_bytes: 0,
        least_remaining_bytes: 0,
    };
    let (mut items, mut bytes, mut gets, mut hits) = (0u64, 0u64, 0u64, 0u64);
    for (x, s) in stats.iter().enumerate() {
        let x = x as u32;
        if a.most_used_bytes < s.bytes {
            a.most_used_bytes = s.bytes;
            a.most_consumed_server = x;
        }
        let uptime = s.uptime as u32;
        if a.longest_uptime < uptime {
            a.longest_uptime = uptime;
            a.oldest_server = x;
        }
        let remaining = s.limit_maxbytes.wrapping_sub(s.bytes);
        if a.least_remaining_bytes == 0 || remaining < a.least_remaining_bytes {
            a.least_remaining_bytes = remaining;
            a.least_free_server = x;
        }
        hits = hits.wrapping_add(s.get_hits);
        gets = gets.wrapping_add(s.cmd_get);
        items = items.wrapping_add(s.curr_items);
        bytes = bytes.wrapping_add(s.bytes);
    }
    if items > 0 && bytes > 0 {
        a.average_item_size = (bytes / items) as u32;
    }
    if hits > 0 && gets > 0 {
        a.pool_hit_ratio = hits as f64 / gets as f64 * 100.0;
    }
    a
}

/// Zeroed memory from a handle's allocators: its calloc, or (as 1.1.4 does
/// with custom allocators that lack one) its malloc plus a memset.
pub(crate) fn handle_calloc(
    alloc: &Allocators,
    memc: *const memcached_st,
    n: usize,
    size: usize,
) -> *mut c_void {
    if alloc.calloc.is_some() || alloc.malloc.is_none() {
        return alloc.calloc(memc, n, size);
    }
    let Some(total) = n.checked_mul(size) else {
        return core::ptr::null_mut();
    };
    let p = alloc.malloc(memc, total);
    if !p.is_null() {
        // SAFETY: `p` has `total` writable bytes.
        unsafe { core::ptr::write_bytes(p.cast::<u8>(), 0, total) };
    }
    p
}

/// Free `p` with the allocators of handle `root` (libc when `root` is not
/// a live handle).
fn free_with_root(root: *mut memcached_st, p: *mut c_void) {
    match handle(root) {
        Some(h) => h.alloc().free(root, p),
        // SAFETY: `p` came from libc.
        None => unsafe { libc::free(p) },
    }
}

/// Read one server's statistics into `st`; `Err` carries the failure.
fn fetch_into(
    client: &mut Client,
    idx: usize,
    args: Option<&[u8]>,
    st: &mut memcached_stat_st,
) -> Result<(), Error> {
    client.stats_server(idx, args, &mut |k, v| {
        set_data(st, k, v);
        Ok(())
    })
}

ffi_fn! {
    /// `memcached_stat`: one `memcached_stat_st` per server, in server order,
    /// from the handle's calloc; `*error` SUCCESS, SOME_ERRORS or
    /// INVALID_ARGUMENTS (unknown group).
    fn memcached_stat(ptr: *mut memcached_st, args: *mut c_char, error: *mut memcached_return_t) -> *mut memcached_stat_st;
    nonnull()
    {
        let Some(mut h) = handle(ptr) else {
            put_code(error, ReturnCode::InvalidArguments);
            return core::ptr::null_mut();
        };
        let refuse = |code: ReturnCode| {
            put_code(error, code);
            core::ptr::null_mut()
        };
        if let Err(e) = h.client.initialize_query() {
            return refuse(e.code);
        }
        if h.client.behaviors.use_udp {
            return refuse(h.client.fail(Error::new(ReturnCode::NotSupported)));
        }
        let args = cstr(args);
        if let Some(a) = args
            && let Err(e) = h.client.key_test_exact(a)
        {
            return refuse(h.client.fail(e));
        }
        let n = h.client.servers.len();
        let stats = handle_calloc(&h.alloc(), ptr, n, core::mem::size_of::<memcached_stat_st>())
            .cast::<memcached_stat_st>();
        if stats.is_null() {
            return refuse(h.client.fail(Error::new(ReturnCode::MemoryAllocationFailure)));
        }
        let mut rc = ReturnCode::Success;
        for x in 0..n {
            let mut st = zeroed_stat();
            st.pid = -1;
            st.root = ptr;
            let r = fetch_into(&mut h.client, x, args, &mut st);
            // SAFETY: `stats` holds `n` elements.
            unsafe { stats.add(x).write(st) };
            match r {
                Ok(()) => {}
                Err(e) if e.code == ReturnCode::InvalidArguments => {
                    rc = ReturnCode::InvalidArguments;
                    break;
                }
                Err(e) => {
                    h.client.fail(e);
                    rc = ReturnCode::SomeErrors;
                }
            }
        }
        put_code(error, rc);
        stats
    }
}

ffi_fn! {
    /// `memcached_stat_servername`: the statistics of one server, through a
    /// temporary handle, into the caller's struct (zeroed first).
    fn memcached_stat_servername(
        memc_stat: *mut memcached_stat_st,
        args: *mut c_char,
        hostname: *const c_char,
        port: in_port_t,
    ) -> memcached_return_t;
    nonnull()
    {
        let mut st = zeroed_stat();
        let rc = (|| {
            let port = if port == 0 { DEFAULT_PORT } else { port };
            let name = match cstr(hostname) {
                None | Some([]) => &b"localhost"[..],
                Some(n) => n,
            };
            if name.len() >= NI_MAXHOST {
                return ReturnCode::InvalidArguments;
            }
            let kind = if name[0] == b'/' { ServerKind::UnixSocket } else { ServerKind::Tcp };
            let mut client = Client::new();
            client.add_server_exact(&String::from_utf8_lossy(name), port, 0, kind);
            if let Err(e) = client.initialize_query() {
                return e.code;
            }
            let args = cstr(args);
            if let Some(a) = args
                && let Err(e) = client.key_test_exact(a)
            {
                return e.code;
            }
            let r = fetch_into(&mut client, 0, args, &mut st);
            client.quit_all();
            match r {
                Ok(()) => ReturnCode::Success,
                Err(e) => e.code,
            }
        })();
        put(memc_stat, st);
        rc
    }
}

ffi_fn! {
    /// `memcached_stat_get_keys`: one block from the handle's malloc holding
    /// the 22 names (static strings) and a NULL.
    fn memcached_stat_get_keys(
        ptr: *mut memcached_st,
        memc_stat: *mut memcached_stat_st,
        error: *mut memcached_return_t,
    ) -> *mut *mut c_char;
    nonnull()
    {
        let _ = memc_stat;
        let Some(mut h) = handle(ptr) else { return core::ptr::null_mut() };
        let size = (STAT_KEYS.len() + 1) * core::mem::size_of::<*mut c_char>();
        let list = h.alloc().malloc(ptr, size).cast::<*mut c_char>();
        if list.is_null() {
            let code = h.client.fail(Error::new(ReturnCode::MemoryAllocationFailure));
            put_code(error, code);
            return list;
        }
        for (i, k) in STAT_KEYS.iter().enumerate() {
            // SAFETY: `list` has room for 23 pointers; the strings are static
            // and callers never write through them.
            unsafe { list.add(i).write(k.as_ptr().cast_mut()) };
        }
        // SAFETY: as above.
        unsafe { list.add(STAT_KEYS.len()).write(core::ptr::null_mut()) };
        put_code(error, ReturnCode::Success);
        list
    }
}

ffi_fn! {
    /// `memcached_stat_get_value`: one field as text, from libc malloc.
    fn memcached_stat_get_value(
        ptr: *const memcached_st,
        memc_stat: *mut memcached_stat_st,
        key: *const c_char,
        error: *mut memcached_return_t,
    ) -> *mut c_char;
    nonnull()
    {
        let (Some(st), Some(k)) = (c_ref(memc_stat), cstr(key)) else {
            put_code(error, ReturnCode::InvalidArguments);
            return core::ptr::null_mut();
        };
        let Some(text) = format_value(st, k) else {
            let code = match handle(ptr) {
                Some(mut h) => h.client.fail(Error::with_message(ReturnCode::InvalidArguments, "Invalid key provided")),
                None => ReturnCode::InvalidArguments,
            };
            put_code(error, code);
            return core::ptr::null_mut();
        };
        // SAFETY: plain libc malloc (callers free() it).
        let p = unsafe { libc::malloc(text.len() + 1) }.cast::<u8>();
        if p.is_null() {
            put_code(error, ReturnCode::MemoryAllocationFailure);
            return core::ptr::null_mut();
        }
        // SAFETY: `p` has len + 1 bytes.
        unsafe {
            core::ptr::copy_nonoverlapping(text.as_ptr(), p, text.len());
            p.add(text.len()).write(0);
        }
        put_code(error, ReturnCode::Success);
        p.cast()
    }
}

ffi_fn! {
    /// `memcached_stat_free`: release a `memcached_stat` array with its
    /// handle's allocators.
    fn memcached_stat_free(ptr: *const memcached_st, memc_stat: *mut memcached_stat_st);
    nonnull(memc_stat)
    {
        let _ = ptr;
        // Element 0 of an array from `memcached_stat` names its handle.
        if let Some(root) = c_ref(memc_stat).map(|st| st.root) {
            free_with_root(root, memc_stat.cast());
        }
    }
}

/// `memcached_stat_fn` with the result read as a raw `int` (ignored).
type RawStatFn = unsafe extern "C" fn(
    *const memcached_instance_st,
    *const c_char,
    usize,
    *const c_char,
    usize,
    *mut c_void,
) -> c_int;

ffi_fn! {
    /// `memcached_stat_execute`: call `func` for every statistics line of
    /// every server.
    fn memcached_stat_execute(
        memc: *mut memcached_st,
        args: *const c_char,
        func: memcached_stat_fn,
        context: *mut c_void,
    ) -> memcached_return_t;
    nonnull()
    {
        let Some(mut h) = handle(memc) else { return ReturnCode::InvalidArguments };
        match h.client.version() {
            Ok(rc) if !rc.is_fatal() => {}
            Ok(_) => return h.client.last_error_code(),
            Err(e) => return h.client.fail(e),
        }
        drop(h);
        let args = cstr(args).map(<[u8]>::to_vec);
        // SAFETY: the same C function type with the result read as an int.
        let func: Option<RawStatFn> = func.map(|f| unsafe { core::mem::transmute(f) });
        let mut x = 0usize;
        while let Some(mut h) = handle(memc) {
            if x >= h.client.servers.len() {
                break;
            }
            let mut lines: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            let r = h.client.stats_server(x, args.as_deref(), &mut |k, v| {
                let mut k = k.to_vec();
                k.push(0);
                let mut v = v.to_vec();
                v.push(0);
                lines.push((k, v));
                Ok(())
            });
            let inst = crate::ffi::server::instance_ptr(memc, &h.client.servers, x);
            if let Err(e) = &r
                && e.code != ReturnCode::InvalidArguments
            {
                h.client.fail(e.clone());
            }
            drop(h);
            if let Some(f) = func {
                for (k, v) in &lines {
                    // SAFETY: a callback the caller gave us; NUL-terminated
                    // copies of the name and value; the handle is not borrowed.
                    unsafe { f(inst, k.as_ptr().cast(), k.len() - 1, v.as_ptr().cast(), v.len() - 1, context) };
                }
            }
            if let Err(e) = r
                && e.code == ReturnCode::InvalidArguments
            {
                return ReturnCode::InvalidArguments;
            }
            x += 1;
        }
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_analyze`: summary of a `memcached_stat` array (one element
    /// per server of the handle), from the handle's calloc.
    fn memcached_analyze(
        memc: *mut memcached_st,
        memc_stat: *mut memcached_stat_st,
        error: *mut memcached_return_t,
    ) -> *mut memcached_analysis_st;
    nonnull(memc, memc_stat)
    {
        let Some(h) = handle(memc) else { return core::ptr::null_mut() };
        put_code(error, ReturnCode::Success);
        let n = h.client.servers.len();
        let result = handle_calloc(&h.alloc(), memc, n.max(1), core::mem::size_of::<memcached_analysis_st>())
            .cast::<memcached_analysis_st>();
        if result.is_null() {
            put_code(error, ReturnCode::MemoryAllocationFailure);
            return result;
        }
        // The caller passes the array of `memcached_stat` for this handle,
        // one element per server.
        let stats = array(memc_stat.cast_const(), n).unwrap_or_default();
        let mut a = analyze(stats);
        a.root = memc;
        // SAFETY: `result` has room for one element.
        unsafe { result.write(a) };
        result
    }
}

ffi_fn! {
    /// `memcached_analyze_free`.
    fn memcached_analyze_free(ptr: *mut memcached_analysis_st);
    nonnull(ptr)
    {
        // The result of `memcached_analyze` names its handle.
        if let Some(root) = c_ref(ptr).map(|a| a.root) {
            free_with_root(root, ptr.cast());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoul_is_c() {
        assert_eq!(strtoul(b"123"), (123, false));
        assert_eq!(strtoul(b"  42x"), (42, false));
        assert_eq!(strtoul(b""), (0, false));
        assert_eq!(strtoul(b"-1"), (u64::MAX, false));
        assert_eq!(strtoul(b"99999999999999999999"), (u64::MAX, true));
        assert_eq!(strtoll(b"-5"), Some(-5));
        assert_eq!(strtoll(b"9223372036854775808"), None);
        assert_eq!(strtoll(b"-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn rusage_loses_leading_zeros_like_1_1_4() {
        let mut st = zeroed_stat();
        set_data(&mut st, b"rusage_system", b"0.008982");
        assert_eq!(
            (st.rusage_system_seconds, st.rusage_system_microseconds),
            (0, 8982)
        );
        assert_eq!(format_value(&st, b"rusage_system").unwrap(), "0.8982");
        set_data(&mut st, b"rusage_user", b"12.500000");
        assert_eq!(format_value(&st, b"rusage_user").unwrap(), "12.500000");
        set_data(&mut st, b"rusage_user", b"7");
        assert_eq!(format_value(&st, b"rusage_user").unwrap(), "7.0");
    }

    #[test]
    fn fields_round_trip() {
        let mut st = zeroed_stat();
        set_data(&mut st, b"pid", b"4242");
        set_data(&mut st, b"version", b"1.6.18");
        set_data(&mut st, b"bytes", b"125");
        set_data(&mut st, b"bytes_read", b"9");
        set_data(&mut st, b"threads", b"4");
        set_data(&mut st, b"reclaimed", b"3");
        assert_eq!(format_value(&st, b"pid").unwrap(), "4242");
        assert_eq!(format_value(&st, b"version").unwrap(), "1.6.18");
        assert_eq!(format_value(&st, b"bytes").unwrap(), "125");
        assert_eq!(format_value(&st, b"bytes_read").unwrap(), "9");
        assert_eq!(format_value(&st, b"threads").unwrap(), "4");
        assert!(format_value(&st, b"reclaimed").is_none());
        for k in STAT_KEYS {
            assert!(format_value(&st, k.to_bytes()).is_some(), "{k:?}");
        }
        // A long version is cut, not overrun.
        set_data(&mut st, b"version", &[b'9'; 40]);
        assert_eq!(format_value(&st, b"version").unwrap().len(), 23);
        // pid -1 reads back signed.
        st.pid = -1;
        assert_eq!(format_value(&st, b"pid").unwrap(), "-1");
    }

    #[test]
    fn analyze_matches_1_1_4() {
        let mut a = zeroed_stat();
        a.bytes = 125;
        a.limit_maxbytes = 1000;
        a.curr_items = 2;
        a.uptime = 10;
        a.get_hits = 1;
        a.cmd_get = 4;
        let b = zeroed_stat();
        let r = analyze(&[a, b]);
        assert_eq!(r.average_item_size, 62);
        assert_eq!(r.most_consumed_server, 0);
        assert_eq!(r.most_used_bytes, 125);
        assert_eq!(r.oldest_server, 0);
        assert_eq!(r.longest_uptime, 10);
        // The failed server's 0 - 0 remaining bytes wins (1.1.4 treats 0 as unset).
        assert_eq!((r.least_free_server, r.least_remaining_bytes), (1, 0));
        assert!((r.pool_hit_ratio - 25.0).abs() < 1e-9);
        let empty = analyze(&[]);
        assert_eq!(empty.average_item_size, 0);
        assert_eq!(empty.pool_hit_ratio, 0.0);
    }
}
