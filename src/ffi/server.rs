//! Servers (`server.h`, `server_list.h`, `parse.h`, parts of `memcached.h`,
//! `error.h` and `behavior.h`): adding servers to a handle, the
//! `memcached_server_st` lists of `memcached_servers_parse`, the accessors
//! of the opaque `memcached_instance_st`, cursors, `memcached_push` and
//! `memcached_bucket_set`.
//!
//! A `memcached_instance_st*` we hand out points to a block with 1.1.4's
//! internal instance layout (port at 16, host name at 16576, versions,
//! type, …), because Debian's tools are built against the internal headers
//! and read those fields directly (memcping does); the accessors find the
//! live server through a back reference stored in the block.
//!
//! Semantics and return codes are 1.1.4's, checked with C probes against
//! Debian's library. Where 1.1.4 dereferences NULL or overruns a buffer we
//! return an error instead:
//! - `memcached_servers_parse(NULL)` → NULL;
//! - `memcached_server_list_append*` with a hostname of 1025 bytes or more
//!   → NULL with `*error` = INVALID_ARGUMENTS, and the list is left as it
//!   was (1.1.4 crashes);
//! - `memcached_server_by_key` with a NULL key and a non-zero length → 33;
//! - `memcached_server_cursor` with a NULL callback array and a non-zero
//!   count → INVALID_ARGUMENTS; NULL entries in the array are skipped;
//! - `memcached_server_instance_by_position` past the end → NULL;
//! - `memcached_push` with a NULL or foreign handle → INVALID_ARGUMENTS.

use core::ffi::{c_char, c_void};

use crate::core::client::servers::NI_MAXHOST;
use crate::core::distribution::{Distribution, VirtualBuckets};
use crate::core::error::{Error, ReturnCode};
use crate::core::server::Server;
use crate::core::server_list::{DEFAULT_PORT, ServerKind, ServerSpec, parse_servers_bytes};
use crate::ffi::guard::{array, bytes, c_mut, c_ref, cstr, put_code};
use crate::ffi::handle::{handle, sync_mirror};
use crate::ffi::memcached::static_cstr;
use crate::ffi::types::*;

/// `options` bit of a `memcached_server_st`: allocated by the library.
const SERVER_ALLOCATED: u8 = 1;
/// `options` bit of a `memcached_server_st`: initialised.
const SERVER_INITIALIZED: u8 = 2;

/// Size of 1.1.4's internal `memcached_instance_st` (`instance.hpp`).
const INSTANCE_SIZE: usize = 17608;

/// Offsets in 1.1.4's internal `memcached_instance_st`. Debian's tools are
/// built against the internal headers and read some fields directly
/// (memcping reads `port_` at 16 and `_hostname` at 16576, verified in its
/// disassembly), so the opaque pointer we hand out must have them there.
mod off {
    pub const IS_INITIALIZED: usize = 1;
    pub const CURSOR_ACTIVE: usize = 12;
    pub const PORT: usize = 16;
    pub const FD: usize = 20;
    pub const WEIGHT: usize = 64;
    pub const STATE: usize = 72;
    pub const MAJOR: usize = 104;
    pub const MICRO: usize = 105;
    pub const MINOR: usize = 106;
    pub const TYPE: usize = 108;
    pub const NEXT_RETRY: usize = 152;
    pub const ROOT: usize = 160;
    /// Inside 1.1.4's read buffer, which no caller reads: our magic, the
    /// handle and the server index.
    pub const BACKREF: usize = 184;
    /// Also in the read buffer: the text `memcached_server_error` returns,
    /// NUL-terminated, [`ERROR_TEXT_MAX`] bytes at most.
    pub const ERROR_TEXT: usize = BACKREF + 24;
    pub const ERROR_TEXT_MAX: usize = 4096;
    pub const HOSTNAME: usize = 16576;
}

/// Marks an instance block of ours ("mcrsinst").
const INSTANCE_MAGIC: u64 = 0x6d63_7273_696e_7374;
/// Server index of the block that stands for the last disconnected server.
const LAST_DISCONNECT: u64 = u64::MAX;

/// The memory behind a `memcached_instance_st*` we hand out: 1.1.4's
/// layout, refreshed from the core server each time the pointer is handed
/// out. Our accessors go back to the live server through the back
/// reference; the mirrored fields serve callers that read the struct.
#[repr(C, align(8))]
struct InstanceBlock {
    bytes: [u8; INSTANCE_SIZE],
}

impl InstanceBlock {
    fn new() -> Box<InstanceBlock> {
        Box::new(InstanceBlock {
            bytes: [0; INSTANCE_SIZE],
        })
    }

    fn put(&mut self, at: usize, v: &[u8]) {
        self.bytes[at..at + v.len()].copy_from_slice(v);
    }

    /// Mirror server `s` (index `idx` of handle `memc`, or the last
    /// disconnected server when `idx` is [`LAST_DISCONNECT`]).
    fn refresh(&mut self, memc: *const memcached_st, idx: u64, s: &Server) {
        use std::os::fd::AsRawFd;
        self.bytes[off::IS_INITIALIZED] = 1;
        self.put(off::CURSOR_ACTIVE, &u32::from(s.mget_pending).to_ne_bytes());
        self.put(off::PORT, &s.port.to_ne_bytes());
        let fd = s.conn.as_ref().map_or(-1, |c| c.fd().as_raw_fd());
        self.put(off::FD, &fd.to_ne_bytes());
        self.put(off::WEIGHT, &s.weight.to_ne_bytes());
        self.put(off::STATE, &(s.state as u32).to_ne_bytes());
        self.bytes[off::MAJOR] = s.version.0;
        self.bytes[off::MINOR] = s.version.1;
        self.bytes[off::MICRO] = s.version.2;
        self.put(off::TYPE, &kind_value(s.kind).to_ne_bytes());
        self.put(off::NEXT_RETRY, &s.next_retry.to_ne_bytes());
        self.put(off::ROOT, &(memc as usize as u64).to_ne_bytes());
        self.put(off::BACKREF, &INSTANCE_MAGIC.to_ne_bytes());
        self.put(off::BACKREF + 8, &(memc as usize as u64).to_ne_bytes());
        self.put(off::BACKREF + 16, &idx.to_ne_bytes());
        let name = s.hostname.as_bytes();
        let n = name.len().min(crate::core::client::servers::NI_MAXHOST - 1);
        let host = &mut self.bytes
            [off::HOSTNAME..off::HOSTNAME + crate::core::client::servers::NI_MAXHOST];
        host.fill(0);
        host[..n].copy_from_slice(&name[..n]);
    }
}

/// The instance blocks of one handle.
#[derive(Default)]
struct Blocks {
    servers: Vec<Box<InstanceBlock>>,
    last: Option<Box<InstanceBlock>>,
}

/// Instance blocks by handle address. A handle's blocks live as long as
/// its struct (they go with it when `memcached_free` gives the struct back
/// for good), so a pointer stays readable after its server is gone (1.1.4's
/// are not); a handle created at the same address reuses them.
fn blocks() -> &'static parking_lot::Mutex<std::collections::HashMap<usize, Blocks>> {
    static REGISTRY: std::sync::OnceLock<
        parking_lot::Mutex<std::collections::HashMap<usize, Blocks>>,
    > = std::sync::OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The opaque C pointer for server `idx` of handle `memc` (NULL past the end).
pub(crate) fn instance_ptr(
    memc: *const memcached_st,
    servers: &[Server],
    idx: usize,
) -> *const memcached_instance_st {
    let Some(s) = servers.get(idx) else {
        return core::ptr::null();
    };
    let mut map = blocks().lock();
    let entry = map.entry(memc as usize).or_default();
    while entry.servers.len() <= idx {
        entry.servers.push(InstanceBlock::new());
    }
    let block = &mut entry.servers[idx];
    block.refresh(memc, idx as u64, s);
    (&raw const **block).cast()
}

/// The opaque C pointer for the last disconnected server of `memc`.
fn last_disconnect_ptr(memc: *const memcached_st, s: &Server) -> *const memcached_instance_st {
    let mut map = blocks().lock();
    let entry = map.entry(memc as usize).or_default();
    let block = entry.last.get_or_insert_with(InstanceBlock::new);
    block.refresh(memc, LAST_DISCONNECT, s);
    (&raw const **block).cast()
}

/// Forget the instance blocks of the handle at `memc` (its struct is being
/// given back for good; see `crate::ffi::memcached::release_struct`).
pub(crate) fn drop_blocks(memc: usize) {
    let gone = blocks().lock().remove(&memc);
    drop(gone);
}

/// What an instance pointer of ours refers to: its handle and the server
/// index ([`LAST_DISCONNECT`] for the copy `memcached_server_get_last_disconnect`
/// hands out); `None` for NULL or a pointer that is not ours.
fn backref(p: *const memcached_instance_st) -> Option<(*const memcached_st, u64)> {
    if p.is_null() {
        return None;
    }
    let b = p.cast::<u8>();
    // SAFETY: the C API contract: an instance pointer is one the library
    // handed out, i.e. one of our blocks of INSTANCE_SIZE bytes (they stay
    // allocated as long as the struct of their handle).
    let read = |at: usize| unsafe { b.add(at).cast::<u64>().read_unaligned() };
    if read(off::BACKREF) != INSTANCE_MAGIC {
        return None;
    }
    Some((
        read(off::BACKREF + 8) as usize as *const memcached_st,
        read(off::BACKREF + 16),
    ))
}

/// Run `f` on the live server behind an instance pointer of ours (with
/// whether the pointer is the last-disconnect copy, whose errors read as
/// SUCCESS: 1.1.4 hands out a copy without its error records).
fn with_instance<R>(
    p: *const memcached_instance_st,
    f: impl FnOnce(&mut Server, bool) -> R,
) -> Option<R> {
    let (memc, idx) = backref(p)?;
    let mut h = handle(memc)?;
    let last = idx == LAST_DISCONNECT;
    let idx = if last {
        h.client.last_disconnected?
    } else {
        idx as usize
    };
    h.client.servers.get_mut(idx).map(|s| f(s, last))
}

/// Copy `text` (NUL-terminated, truncated) into the block behind `p` and
/// return where it is: a pointer that stays valid as long as the block.
fn block_text(
    p: *const memcached_instance_st,
    at: usize,
    max: usize,
    text: &[u8],
) -> *const c_char {
    let Some((memc, idx)) = backref(p) else {
        return core::ptr::null();
    };
    let mut map = blocks().lock();
    let Some(entry) = map.get_mut(&(memc as usize)) else {
        return core::ptr::null();
    };
    let block = if idx == LAST_DISCONNECT {
        entry.last.as_mut()
    } else {
        entry.servers.get_mut(idx as usize)
    };
    let Some(block) = block else {
        return core::ptr::null();
    };
    let n = text.len().min(max - 1);
    let dst = &mut block.bytes[at..at + max];
    dst[..n].copy_from_slice(&text[..n]);
    dst[n] = 0;
    dst.as_ptr().cast()
}

/// The C value of a connection type.
fn kind_value(kind: ServerKind) -> u32 {
    kind as u32
}

/// The connection type of a C value (unknown values count as TCP).
fn kind_of(value: u32) -> ServerKind {
    match value {
        1 => ServerKind::Udp,
        2 => ServerKind::UnixSocket,
        _ => ServerKind::Tcp,
    }
}

/// `memcached_server_fn` with the result read as a raw `int`.
type RawServerFn = unsafe extern "C" fn(
    *const memcached_st,
    *const memcached_instance_st,
    *mut c_void,
) -> core::ffi::c_int;

/// `memcached_failed()` on a raw value from C (unknown values fail).
pub(crate) fn is_failed_raw(v: core::ffi::c_int) -> bool {
    memcached_return_t(v).is_failed()
}

// ----- adding servers to a handle ---------------------------------------

/// Apply a server change to a handle and refresh its mirrors.
fn change_servers(
    ptr: *mut memcached_st,
    no_handle: ReturnCode,
    f: impl FnOnce(&mut crate::core::client::Client) -> Result<(), Error>,
) -> ReturnCode {
    let Some(mut h) = handle(ptr) else {
        return no_handle;
    };
    let r = f(&mut h.client);
    sync_mirror(&mut h);
    match r {
        Ok(()) => ReturnCode::Success,
        Err(e) => h.client.fail(e),
    }
}

ffi_fn! {
    /// `memcached_server_add`: `memcached_server_add_with_weight(…, 0)`.
    fn memcached_server_add(ptr: *mut memcached_st, hostname: *const c_char, port: in_port_t) -> memcached_return_t;
    nonnull()
    {
        let name = cstr(hostname).unwrap_or_default();
        change_servers(ptr, ReturnCode::InvalidArguments, |c| c.add_server_named(name, port, 0))
    }
}

ffi_fn! {
    /// `memcached_server_add_with_weight`: port 0 becomes 11211, a NULL or
    /// empty hostname "localhost"; a name starting with `/` is a unix socket
    /// (the port is kept); names of 1025 bytes or more are INVALID_ARGUMENTS.
    fn memcached_server_add_with_weight(
        ptr: *mut memcached_st,
        hostname: *const c_char,
        port: in_port_t,
        weight: u32,
    ) -> memcached_return_t;
    nonnull()
    {
        let name = cstr(hostname).unwrap_or_default();
        change_servers(ptr, ReturnCode::InvalidArguments, |c| c.add_server_named(name, port, weight))
    }
}

ffi_fn! {
    /// `memcached_server_add_udp`: deprecated in 1.1.4 (45).
    fn memcached_server_add_udp(ptr: *mut memcached_st, hostname: *const c_char, port: in_port_t) -> memcached_return_t;
    nonnull()
    {
        let _ = (hostname, port);
        change_servers(ptr, ReturnCode::InvalidArguments, |_| Err(Error::new(ReturnCode::Deprecated)))
    }
}

ffi_fn! {
    /// `memcached_server_add_udp_with_weight`: always DEPRECATED (45) on a
    /// handle; set USE_UDP and use `memcached_server_add` instead.
    fn memcached_server_add_udp_with_weight(
        ptr: *mut memcached_st,
        hostname: *const c_char,
        port: in_port_t,
        weight: u32,
    ) -> memcached_return_t;
    nonnull()
    {
        let _ = (hostname, port, weight);
        change_servers(ptr, ReturnCode::InvalidArguments, |_| Err(Error::new(ReturnCode::Deprecated)))
    }
}

ffi_fn! {
    /// `memcached_server_add_unix_socket`.
    fn memcached_server_add_unix_socket(ptr: *mut memcached_st, filename: *const c_char) -> memcached_return_t;
    nonnull()
    {
        let name = cstr(filename).unwrap_or_default();
        change_servers(ptr, ReturnCode::Failure, |c| c.add_unix_socket_named(name, 0))
    }
}

ffi_fn! {
    /// `memcached_server_add_unix_socket_with_weight`: NULL handle → FAILURE
    /// (as 1.1.4); a NULL, empty or too long name → INVALID_ARGUMENTS.
    fn memcached_server_add_unix_socket_with_weight(
        ptr: *mut memcached_st,
        filename: *const c_char,
        weight: u32,
    ) -> memcached_return_t;
    nonnull()
    {
        let name = cstr(filename).unwrap_or_default();
        change_servers(ptr, ReturnCode::Failure, |c| c.add_unix_socket_named(name, weight))
    }
}

/// The elements of a `memcached_server_st` list (the count is in element
/// 0); empty for NULL.
fn list_elements<'a>(list: *mut memcached_server_st) -> &'a mut [memcached_server_st] {
    let Some(first) = c_ref(list) else {
        return &mut [];
    };
    let count = first.number_of_hosts as usize;
    // SAFETY: the C API contract: a server list comes from
    // `memcached_servers_parse` or `memcached_server_list_append*` and holds
    // the number of elements its first one says.
    unsafe { core::slice::from_raw_parts_mut(list, count) }
}

/// The servers of a `memcached_server_st` list as specs.
fn list_specs(list: *mut memcached_server_st) -> Vec<ServerSpec> {
    list_elements(list)
        .iter()
        .map(|e| {
            let raw: Vec<u8> = e
                .hostname
                .iter()
                .take_while(|&&c| c != 0)
                .map(|&c| c as u8)
                .collect();
            ServerSpec {
                hostname: String::from_utf8_lossy(&raw).into_owned(),
                port: e.port,
                weight: e.weight,
                kind: kind_of(e.type_),
            }
        })
        .collect()
}

ffi_fn! {
    /// `memcached_server_push`: append the servers of a list (types and
    /// weights as listed; any weight above 1 turns weighting on). A NULL
    /// list is SUCCESS.
    fn memcached_server_push(ptr: *mut memcached_st, list: memcached_server_list_st) -> memcached_return_t;
    nonnull()
    {
        if list.is_null() {
            return ReturnCode::Success;
        }
        let specs = list_specs(list);
        change_servers(ptr, ReturnCode::InvalidArguments, |c| {
            c.push_exact(&specs);
            Ok(())
        })
    }
}

ffi_fn! {
    /// `memcached_push`: copy the servers of `source` to `destination`.
    fn memcached_push(destination: *mut memcached_st, source: *const memcached_st) -> memcached_return_t;
    nonnull()
    {
        let Some(src) = handle(source) else { return ReturnCode::InvalidArguments };
        let specs = src.client.server_specs();
        drop(src);
        if handle(destination).is_none() {
            return ReturnCode::InvalidArguments;
        }
        if specs.is_empty() {
            return ReturnCode::Success;
        }
        change_servers(destination, ReturnCode::InvalidArguments, |c| {
            c.push_exact(&specs);
            Ok(())
        })
    }
}

ffi_fn! {
    /// `memcached_bucket_set`: switch to VIRTUAL_BUCKET with a bucket map of
    /// `buckets` entries (and an optional forward map of as many).
    fn memcached_bucket_set(
        ptr: *mut memcached_st,
        host_map: *const u32,
        forward_map: *const u32,
        buckets: u32,
        replicas: u32,
    ) -> memcached_return_t;
    nonnull()
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        if host_map.is_null() {
            return ReturnCode::InvalidArguments;
        }
        let old = h.client.placement.distribution;
        if let Err(e) = h.client.set_distribution(Distribution::VirtualBucket as u64) {
            return h.client.fail(e);
        }
        let n = buckets as usize;
        let made = match (n, array(host_map, n)) {
            (0, _) | (_, None) => None,
            (_, Some(hosts)) => {
                let forward = if forward_map.is_null() { None } else { array(forward_map, n) };
                VirtualBuckets::new(hosts, forward, replicas)
            }
        };
        let rc = match made {
            Some(b) => {
                h.client.placement.buckets = Some(b);
                ReturnCode::Success
            }
            None => {
                let _ = h.client.set_distribution(old as u64);
                ReturnCode::InvalidArguments
            }
        };
        sync_mirror(&mut h);
        rc
    }
}

// ----- server lists -----------------------------------------------------

/// Set list element `e` up as 1.1.4's `server_create_with(NULL, …)`;
/// `host` is shorter than 1025 bytes.
fn init_element(
    e: &mut memcached_server_st,
    host: &[u8],
    port: u16,
    weight: u32,
    kind: ServerKind,
) {
    e.options = SERVER_INITIALIZED;
    e.port = port;
    e.weight = weight.max(1);
    e.version = u32::MAX;
    e.major_version = u8::MAX;
    e.minor_version = u8::MAX;
    e.micro_version = u8::MAX;
    e.type_ = kind_value(kind);
    e.hostname.fill(0);
    for (d, s) in e.hostname.iter_mut().zip(host) {
        *d = *s as c_char;
    }
}

/// Append one element to a list with libc `realloc`; NULL when that fails.
/// `host` is shorter than 1025 bytes.
fn list_push(
    list: *mut memcached_server_st,
    host: &[u8],
    port: u16,
    weight: u32,
    kind: ServerKind,
) -> *mut memcached_server_st {
    let count = list_elements(list).len() + 1;
    let Some(size) = count.checked_mul(core::mem::size_of::<memcached_server_st>()) else {
        return core::ptr::null_mut();
    };
    // SAFETY: `list` is NULL or a list of ours, which come from libc
    // realloc; the new element is zeroed before it is read.
    let new = unsafe {
        let new = libc::realloc(list.cast(), size).cast::<memcached_server_st>();
        if !new.is_null() {
            core::ptr::write_bytes(new.add(count - 1), 0, 1);
            (*new).number_of_hosts = count as u32;
        }
        new
    };
    if let Some(last) = list_elements(new).last_mut() {
        init_element(last, host, port, weight, kind);
    }
    new
}

ffi_fn! {
    /// `memcached_servers_parse`: a list from "host:port weight, …"; NULL for
    /// an empty string, a parse error or NULL.
    fn memcached_servers_parse(server_strings: *const c_char) -> memcached_server_list_st;
    nonnull(server_strings)
    {
        let text = cstr(server_strings).unwrap_or_default();
        let Ok(specs) = parse_servers_bytes(text) else { return core::ptr::null_mut() };
        let mut list: *mut memcached_server_st = core::ptr::null_mut();
        for s in &specs {
            // Parsing bounds host names to 1024 bytes.
            let next = list_push(list, &s.hostname, s.port, s.weight, s.kind);
            if next.is_null() {
                free_list(list);
                return next;
            }
            list = next;
        }
        list
    }
}

ffi_fn! {
    /// `memcached_server_list_append`.
    fn memcached_server_list_append(
        ptr: memcached_server_list_st,
        hostname: *const c_char,
        port: in_port_t,
        error: *mut memcached_return_t,
    ) -> memcached_server_list_st;
    nonnull()
    {
        list_append(ptr, hostname, port, 0, error)
    }
}

/// `memcached_server_list_append_with_weight`.
fn list_append(
    ptr: memcached_server_list_st,
    hostname: *const c_char,
    port: in_port_t,
    weight: u32,
    error: *mut memcached_return_t,
) -> memcached_server_list_st {
    let name = cstr(hostname).unwrap_or(b"localhost");
    if name.len() >= NI_MAXHOST {
        put_code(error, ReturnCode::InvalidArguments);
        return core::ptr::null_mut();
    }
    let (port, kind) = if name.first() == Some(&b'/') {
        (0, ServerKind::UnixSocket)
    } else {
        (if port == 0 { DEFAULT_PORT } else { port }, ServerKind::Tcp)
    };
    let list = list_push(ptr, name, port, weight, kind);
    if !list.is_null() {
        put_code(error, ReturnCode::Success);
    }
    list
}

ffi_fn! {
    /// `memcached_server_list_append_with_weight`: NULL hostname means
    /// "localhost"; a `/` name is a unix socket with port 0; port 0 is
    /// 11211. The list is grown with libc `realloc`.
    fn memcached_server_list_append_with_weight(
        ptr: memcached_server_list_st,
        hostname: *const c_char,
        port: in_port_t,
        weight: u32,
        error: *mut memcached_return_t,
    ) -> memcached_server_list_st;
    nonnull()
    {
        list_append(ptr, hostname, port, weight, error)
    }
}

ffi_fn! {
    /// `memcached_server_list_count`: the count kept in element 0.
    fn memcached_server_list_count(ptr: memcached_server_list_st) -> u32;
    nonnull(ptr)
    {
        list_elements(ptr).len() as u32
    }
}

/// Release a list: mark each element uninitialised, then libc `free`.
fn free_list(list: *mut memcached_server_st) {
    for e in list_elements(list) {
        e.options &= !SERVER_INITIALIZED;
    }
    free_server_memory(list);
}

/// Give back memory of a list or element the library allocated.
fn free_server_memory(p: *mut memcached_server_st) {
    // SAFETY: lists and lone elements of ours come from libc
    // malloc/realloc (NULL is allowed).
    unsafe { libc::free(p.cast()) };
}

ffi_fn! {
    /// `memcached_server_list_free`.
    fn memcached_server_list_free(ptr: memcached_server_list_st);
    nonnull(ptr)
    {
        free_list(ptr)
    }
}

ffi_fn! {
    /// `memcached_server_free`: a list (count in element 0) is freed as a
    /// list; a single element is marked uninitialised (and freed if the
    /// library allocated it on its own).
    fn memcached_server_free(ptr: *mut memcached_server_st);
    nonnull(ptr)
    {
        let Some(e) = c_mut(ptr) else { return };
        if e.number_of_hosts != 0 {
            free_list(ptr);
        } else if e.options & SERVER_ALLOCATED != 0 {
            free_server_memory(ptr);
        } else {
            e.options &= !SERVER_INITIALIZED;
        }
    }
}

ffi_fn! {
    /// `memcached_server_error_reset`: list elements never hold an error, so
    /// there is nothing to release.
    fn memcached_server_error_reset(ptr: *mut memcached_server_st);
    nonnull(ptr)
    {
    }
}

// ----- servers of a handle ---------------------------------------------

ffi_fn! {
    /// `memcached_server_count`.
    fn memcached_server_count(ptr: *const memcached_st) -> u32;
    nonnull(ptr)
    {
        handle(ptr).map_or(0, |h| h.client.servers.len() as u32)
    }
}

ffi_fn! {
    /// `memcached_server_instance_by_position` (NULL past the end).
    fn memcached_server_instance_by_position(ptr: *const memcached_st, server_key: u32) -> *const memcached_instance_st;
    nonnull(ptr)
    {
        handle(ptr).map_or(core::ptr::null(), |h| instance_ptr(ptr, &h.client.servers, server_key as usize))
    }
}

ffi_fn! {
    /// `memcached_server_cursor`: every callback on every server, in server
    /// order; SOME_ERRORS when any callback failed, NO_SERVERS without
    /// servers (not recorded).
    fn memcached_server_cursor(
        ptr: *const memcached_st,
        callback: *const memcached_server_fn,
        context: *mut c_void,
        number_of_callbacks: u32,
    ) -> memcached_return_t;
    nonnull()
    {
        let Some(h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        if h.client.servers.is_empty() {
            return ReturnCode::NoServers;
        }
        drop(h);
        let Some(callbacks) = array(callback, number_of_callbacks as usize) else {
            return ReturnCode::InvalidArguments;
        };
        let mut errors = 0usize;
        // The handle is looked at anew for each call, and not borrowed while
        // a callback runs: a callback may read or change the servers.
        for x in 0.. {
            let inst = match handle(ptr) {
                Some(h) => instance_ptr(ptr, &h.client.servers, x),
                None => break,
            };
            if inst.is_null() {
                break;
            }
            for f in callbacks.iter().flatten() {
                if is_failed_raw(call_server_fn(*f, ptr, inst, context)) {
                    errors += 1;
                }
            }
        }
        if errors > 0 { ReturnCode::SomeErrors } else { ReturnCode::Success }
    }
}

/// Call a `memcached_server_fn`, reading its result as the plain `int` a C
/// callback may return (any value).
fn call_server_fn(
    f: unsafe extern "C" fn(
        *const memcached_st,
        *const memcached_instance_st,
        *mut c_void,
    ) -> memcached_return_t,
    memc: *const memcached_st,
    inst: *const memcached_instance_st,
    context: *mut c_void,
) -> core::ffi::c_int {
    // SAFETY: the same C function type with the return value read as an
    // int (same ABI); a callback the caller gave us, called with its own
    // context and no handle borrowed.
    unsafe {
        let f: RawServerFn = core::mem::transmute(f);
        f(memc, inst, context)
    }
}

ffi_fn! {
    /// `memcached_server_by_key`: the server a key maps to. `*error` is left
    /// alone on success.
    fn memcached_server_by_key(
        ptr: *mut memcached_st,
        key: *const c_char,
        key_length: usize,
        error: *mut memcached_return_t,
    ) -> *const memcached_instance_st;
    nonnull()
    {
        let Some(mut h) = handle(ptr) else {
            put_code(error, ReturnCode::InvalidArguments);
            return core::ptr::null();
        };
        if h.client.servers.is_empty() {
            put_code(error, ReturnCode::NoServers);
            return core::ptr::null();
        }
        let checked = match bytes(key, key_length) {
            Some(k) => h.client.key_test_exact(k).map(|()| k),
            None => Err(Error::with_message(ReturnCode::BadKeyProvided, "Key was NULL or length of key was zero.")),
        };
        match checked {
            Ok(k) => {
                let idx = h.client.server_index_no_rebuild(k).unwrap_or(0);
                instance_ptr(ptr, &h.client.servers, idx)
            }
            Err(e) => {
                put_code(error, h.client.fail(e));
                core::ptr::null()
            }
        }
    }
}

ffi_fn! {
    /// `memcached_server_get_last_disconnect`.
    fn memcached_server_get_last_disconnect(ptr: *const memcached_st) -> *const memcached_instance_st;
    nonnull(ptr)
    {
        let Some(h) = handle(ptr) else { return core::ptr::null() };
        match h.client.last_disconnected {
            Some(i) => h.client.servers.get(i).map_or(core::ptr::null(), |s| last_disconnect_ptr(ptr, s)),
            None => core::ptr::null(),
        }
    }
}

// ----- instance accessors ------------------------------------------------

ffi_fn! {
    /// `memcached_server_name`: the name in the instance block, as 1.1.4's
    /// pointer into its instance.
    fn memcached_server_name(self_: *const memcached_instance_st) -> *const c_char;
    nonnull(self_)
    {
        with_instance(self_, |s, _| block_text(self_, off::HOSTNAME, NI_MAXHOST, s.hostname.as_bytes()))
            .unwrap_or(core::ptr::null())
    }
}

ffi_fn! {
    /// `memcached_server_port`.
    fn memcached_server_port(self_: *const memcached_instance_st) -> in_port_t;
    nonnull(self_)
    {
        with_instance(self_, |s, _| s.port).unwrap_or(0)
    }
}

ffi_fn! {
    /// `memcached_server_srcport`: the local port of a connected TCP/UDP
    /// server, else 0 (65535 when `getsockname` fails).
    fn memcached_server_srcport(self_: *const memcached_instance_st) -> in_port_t;
    nonnull(self_)
    {
        with_instance(self_, |s, _| {
            if s.is_unix() {
                return 0;
            }
            s.conn.as_ref().map_or(0, |c| c.local_port().unwrap_or(u16::MAX))
        })
        .unwrap_or(0)
    }
}

ffi_fn! {
    /// `memcached_server_type`: "TCP", "UDP", "SOCKET" or "UNKNOWN".
    fn memcached_server_type(ptr: *const memcached_instance_st) -> *const c_char;
    nonnull()
    {
        match with_instance(ptr, |s, _| s.kind) {
            Some(ServerKind::Tcp) => c"TCP".as_ptr(),
            Some(ServerKind::Udp) => c"UDP".as_ptr(),
            Some(ServerKind::UnixSocket) => c"SOCKET".as_ptr(),
            None => c"UNKNOWN".as_ptr(),
        }
    }
}

/// The version accessors (255 when unknown).
macro_rules! version_fns {
    ($($name:ident => $part:tt),*) => {$(
        ffi_fn! {
            #[doc = concat!("`", stringify!($name), "` (255 when unknown).")]
            fn $name(ptr: *const memcached_instance_st) -> u8;
            nonnull()
            {
                with_instance(ptr, |s, _| s.version.$part).unwrap_or(u8::MAX)
            }
        }
    )*};
}

version_fns!(
    memcached_server_major_version => 0,
    memcached_server_minor_version => 1,
    memcached_server_micro_version => 2
);

ffi_fn! {
    /// `memcached_server_response_count`: replies still owed (1 while an
    /// mget terminator is pending).
    fn memcached_server_response_count(self_: *const memcached_instance_st) -> u32;
    nonnull(self_)
    {
        with_instance(self_, |s, _| u32::from(s.mget_pending)).unwrap_or(0)
    }
}

ffi_fn! {
    /// `memcached_server_error`: the server's last error text, "SUCCESS"
    /// when it has none, NULL for NULL.
    fn memcached_server_error(ptr: *const memcached_instance_st) -> *const c_char;
    nonnull(ptr)
    {
        match with_instance(ptr, |s, last| if last { None } else { s.last_error_text() }) {
            None => core::ptr::null(),
            Some(None) => static_cstr(ReturnCode::Success.text()),
            Some(Some(text)) => {
                let text = text.replace('\0', " ");
                block_text(ptr, off::ERROR_TEXT, off::ERROR_TEXT_MAX, text.as_bytes())
            }
        }
    }
}

ffi_fn! {
    /// `memcached_server_error_return`: the code of the server's last error.
    fn memcached_server_error_return(ptr: *const memcached_instance_st) -> memcached_return_t;
    nonnull(ptr)
    {
        with_instance(ptr, |s, last| match &s.last_error {
            Some(e) if !last => e.code,
            _ => ReturnCode::Success,
        })
        .unwrap_or(ReturnCode::InvalidArguments)
    }
}

ffi_fn! {
    /// `memcached_instance_next_retry`: set when the server may be retried.
    fn memcached_instance_next_retry(self_: *const memcached_instance_st, absolute_time: time_t);
    nonnull(self_)
    {
        with_instance(self_, |s, _| s.next_retry = absolute_time);
    }
}
