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
use crate::ffi::guard::{bytes, cstr, put};
use crate::ffi::handle::{handle_mut, sync_mirror};
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
        let name = s.hostname_c.as_bytes();
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

/// Whether `p` is the block of `memcached_server_get_last_disconnect`:
/// 1.1.4 hands out a copy of the server without its error records, so its
/// errors read as SUCCESS.
///
/// # Safety
/// `p` must be a pointer we handed out.
unsafe fn is_last_disconnect_copy(p: *const memcached_instance_st) -> bool {
    // SAFETY: our blocks are INSTANCE_SIZE bytes long.
    let idx = unsafe {
        p.cast::<u8>()
            .add(off::BACKREF + 16)
            .cast::<u64>()
            .read_unaligned()
    };
    idx == LAST_DISCONNECT
}

/// Forget the instance blocks of the handle at `memc` (its struct is being
/// given back for good; see `crate::ffi::memcached::release_struct`).
pub(crate) fn drop_blocks(memc: usize) {
    let gone = blocks().lock().remove(&memc);
    drop(gone);
}

/// The live server behind an instance pointer of ours.
///
/// # Safety
/// `p` must be NULL or a pointer we handed out; its handle, if still alive,
/// must not be borrowed elsewhere.
unsafe fn instance<'a>(p: *const memcached_instance_st) -> Option<&'a mut Server> {
    if p.is_null() {
        return None;
    }
    let b = p.cast::<u8>();
    let read = |at: usize| {
        // SAFETY: our blocks are INSTANCE_SIZE bytes long.
        unsafe { b.add(at).cast::<u64>().read_unaligned() }
    };
    if read(off::BACKREF) != INSTANCE_MAGIC {
        return None;
    }
    let memc = read(off::BACKREF + 8) as usize as *const memcached_st;
    let idx = read(off::BACKREF + 16);
    // SAFETY: the handle the block was made for (callers must not use a
    // pointer after freeing its handle, as with 1.1.4).
    let h = unsafe { handle_mut(memc) }?;
    let idx = if idx == LAST_DISCONNECT {
        h.client.last_disconnected?
    } else {
        idx as usize
    };
    h.client.servers.get_mut(idx)
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
    ReturnCode::from_i32(v).is_none_or(ReturnCode::is_failed)
}

/// Record an error on the handle and return its code.
fn fail(h: &mut crate::ffi::handle::Handle, code: ReturnCode, msg: &str) -> ReturnCode {
    h.client.fail(Error::with_message(code, msg))
}

// ----- adding servers to a handle ---------------------------------------

ffi_fn! {
    /// `memcached_server_add`: `memcached_server_add_with_weight(…, 0)`.
    fn memcached_server_add(ptr: *mut memcached_st, hostname: *const c_char, port: in_port_t) -> memcached_return_t;
    nonnull()
    {
        // SAFETY: forwarding the caller's arguments.
        unsafe { memcached_server_add_with_weight(ptr, hostname, port, 0) }
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
        // SAFETY: NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        let port = if port == 0 { DEFAULT_PORT } else { port };
        // SAFETY: NULL or a NUL-terminated string.
        let name = match unsafe { cstr(hostname) } {
            None | Some([]) => &b"localhost"[..],
            Some(n) => n,
        };
        if name.len() >= NI_MAXHOST {
            return fail(h, ReturnCode::InvalidArguments, "Invalid hostname provided");
        }
        let kind = if name[0] == b'/' { ServerKind::UnixSocket } else { ServerKind::Tcp };
        h.client.add_server_exact(&String::from_utf8_lossy(name), port, weight, kind);
        // SAFETY: `ptr` is a handle.
        unsafe { sync_mirror(ptr) };
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_server_add_udp`: deprecated in 1.1.4 (45).
    fn memcached_server_add_udp(ptr: *mut memcached_st, hostname: *const c_char, port: in_port_t) -> memcached_return_t;
    nonnull()
    {
        // SAFETY: forwarding the caller's arguments.
        unsafe { memcached_server_add_udp_with_weight(ptr, hostname, port, 0) }
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
        // SAFETY: NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        h.client.fail(Error::new(ReturnCode::Deprecated))
    }
}

ffi_fn! {
    /// `memcached_server_add_unix_socket`.
    fn memcached_server_add_unix_socket(ptr: *mut memcached_st, filename: *const c_char) -> memcached_return_t;
    nonnull()
    {
        // SAFETY: forwarding the caller's arguments.
        unsafe { memcached_server_add_unix_socket_with_weight(ptr, filename, 0) }
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
        // SAFETY: NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::Failure };
        // SAFETY: NULL or a NUL-terminated string.
        let name = match unsafe { cstr(filename) } {
            Some(n) if !n.is_empty() && n.len() < NI_MAXHOST => n,
            _ => return fail(h, ReturnCode::InvalidArguments, "Invalid filename for socket provided"),
        };
        h.client.add_server_exact(&String::from_utf8_lossy(name), 0, weight, ServerKind::UnixSocket);
        // SAFETY: `ptr` is a handle.
        unsafe { sync_mirror(ptr) };
        ReturnCode::Success
    }
}

/// The servers of a `memcached_server_st` list as specs.
///
/// # Safety
/// `list` must be a list from `memcached_servers_parse` or
/// `memcached_server_list_append*` (count in element 0).
unsafe fn list_specs(list: *const memcached_server_st) -> Vec<ServerSpec> {
    // SAFETY: a valid list per the caller.
    let count = unsafe { (*list).number_of_hosts } as usize;
    (0..count)
        .map(|x| {
            // SAFETY: the list holds `count` elements.
            let e = unsafe { &*list.add(x) };
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
        // SAFETY: NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        // SAFETY: a list per the API contract.
        let specs = unsafe { list_specs(list) };
        h.client.push_exact(&specs);
        // SAFETY: `ptr` is a handle.
        unsafe { sync_mirror(ptr) };
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_push`: copy the servers of `source` to `destination`.
    fn memcached_push(destination: *mut memcached_st, source: *const memcached_st) -> memcached_return_t;
    nonnull()
    {
        // SAFETY: NULL or a handle.
        let Some(src) = (unsafe { handle_mut(source) }) else { return ReturnCode::InvalidArguments };
        let specs = src.client.server_specs();
        // SAFETY: NULL or a handle (possibly the same one; `src` is no longer used).
        let Some(dst) = (unsafe { handle_mut(destination) }) else { return ReturnCode::InvalidArguments };
        if specs.is_empty() {
            return ReturnCode::Success;
        }
        dst.client.push_exact(&specs);
        // SAFETY: `destination` is a handle.
        unsafe { sync_mirror(destination) };
        ReturnCode::Success
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
        // SAFETY: NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        if host_map.is_null() {
            return ReturnCode::InvalidArguments;
        }
        let old = h.client.distribution;
        if let Err(e) = h.client.set_distribution(Distribution::VirtualBucket as u64) {
            return h.client.fail(e);
        }
        let n = buckets as usize;
        let made = if n == 0 {
            None
        } else {
            // SAFETY: the caller passes `buckets` entries in each map.
            let hosts = unsafe { core::slice::from_raw_parts(host_map, n) };
            let forward = if forward_map.is_null() {
                None
            } else {
                // SAFETY: as above.
                Some(unsafe { core::slice::from_raw_parts(forward_map, n) })
            };
            VirtualBuckets::new(hosts, forward, replicas)
        };
        let rc = match made {
            Some(b) => {
                h.client.buckets = Some(b);
                ReturnCode::Success
            }
            None => {
                let _ = h.client.set_distribution(old as u64);
                ReturnCode::InvalidArguments
            }
        };
        // SAFETY: `ptr` is a handle.
        unsafe { sync_mirror(ptr) };
        rc
    }
}

// ----- server lists -----------------------------------------------------

/// Initialise list element `e` as 1.1.4's `server_create_with(NULL, …)`.
///
/// # Safety
/// `e` must be writable storage for one `memcached_server_st`; `host` must
/// be shorter than 1025 bytes.
unsafe fn init_element(
    e: *mut memcached_server_st,
    host: &[u8],
    port: u16,
    weight: u32,
    kind: ServerKind,
) {
    // SAFETY: writable storage per the caller; all-zero is a valid value.
    unsafe {
        core::ptr::write_bytes(
            e.cast::<u8>(),
            0,
            core::mem::size_of::<memcached_server_st>(),
        )
    };
    // SAFETY: as above.
    let e = unsafe { &mut *e };
    e.options = SERVER_INITIALIZED;
    e.port = port;
    e.weight = weight.max(1);
    e.version = u32::MAX;
    e.major_version = u8::MAX;
    e.minor_version = u8::MAX;
    e.micro_version = u8::MAX;
    e.type_ = kind_value(kind);
    for (d, s) in e.hostname.iter_mut().zip(host) {
        *d = *s as c_char;
    }
}

/// Append one element to a list with libc `realloc`; NULL when that fails.
///
/// # Safety
/// `list` is NULL or a list of ours; `host` is shorter than 1025 bytes.
unsafe fn list_push(
    list: *mut memcached_server_st,
    host: &[u8],
    port: u16,
    weight: u32,
    kind: ServerKind,
) -> *mut memcached_server_st {
    let count = if list.is_null() {
        1
    } else {
        // SAFETY: a non-NULL list is a valid server list (the caller's contract).
        (unsafe { (*list).number_of_hosts }) as usize + 1
    };
    let Some(size) = count.checked_mul(core::mem::size_of::<memcached_server_st>()) else {
        return core::ptr::null_mut();
    };
    // SAFETY: `list` is NULL or came from libc malloc/realloc.
    let new = unsafe { libc::realloc(list.cast(), size) }.cast::<memcached_server_st>();
    if new.is_null() {
        return new;
    }
    // SAFETY: `new` holds `count` elements; the last one is fresh storage.
    unsafe {
        init_element(new.add(count - 1), host, port, weight, kind);
        (*new).number_of_hosts = count as u32;
    }
    new
}

ffi_fn! {
    /// `memcached_servers_parse`: a list from "host:port weight, …"; NULL for
    /// an empty string, a parse error or NULL.
    fn memcached_servers_parse(server_strings: *const c_char) -> memcached_server_list_st;
    nonnull(server_strings)
    {
        // SAFETY: a NUL-terminated string.
        let text = unsafe { cstr(server_strings) }.unwrap_or_default();
        let Ok(specs) = parse_servers_bytes(text) else { return core::ptr::null_mut() };
        let mut list: *mut memcached_server_st = core::ptr::null_mut();
        for s in &specs {
            // SAFETY: `list` is NULL or ours; parse bounds hostnames to 1024 bytes.
            let next = unsafe { list_push(list, &s.hostname, s.port, s.weight, s.kind) };
            if next.is_null() {
                // SAFETY: `list` is NULL or ours.
                unsafe { free_list(list) };
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
        // SAFETY: forwarding the caller's arguments.
        unsafe { memcached_server_list_append_with_weight(ptr, hostname, port, 0, error) }
    }
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
        // SAFETY: NULL or a NUL-terminated string.
        let name = unsafe { cstr(hostname) }.unwrap_or(b"localhost");
        if name.len() >= NI_MAXHOST {
            // SAFETY: `error` is NULL or writable.
            unsafe { put(error, ReturnCode::InvalidArguments) };
            return core::ptr::null_mut();
        }
        let (port, kind) = if name.first() == Some(&b'/') {
            (0, ServerKind::UnixSocket)
        } else {
            (if port == 0 { DEFAULT_PORT } else { port }, ServerKind::Tcp)
        };
        // SAFETY: `ptr` is NULL or a list of ours.
        let list = unsafe { list_push(ptr, name, port, weight, kind) };
        if !list.is_null() {
            // SAFETY: `error` is NULL or writable.
            unsafe { put(error, ReturnCode::Success) };
        }
        list
    }
}

ffi_fn! {
    /// `memcached_server_list_count`: the count kept in element 0.
    fn memcached_server_list_count(ptr: memcached_server_list_st) -> u32;
    nonnull(ptr)
    {
        // SAFETY: a list per the API contract.
        unsafe { (*ptr).number_of_hosts }
    }
}

/// Release a list: mark each element uninitialised, then libc `free`.
///
/// # Safety
/// `list` is NULL or a list of ours.
unsafe fn free_list(list: *mut memcached_server_st) {
    if list.is_null() {
        return;
    }
    // SAFETY: a valid list.
    let count = unsafe { (*list).number_of_hosts } as usize;
    for x in 0..count {
        // SAFETY: the list holds `count` elements.
        unsafe { (*list.add(x)).options &= !SERVER_INITIALIZED };
    }
    // SAFETY: lists come from libc realloc.
    unsafe { libc::free(list.cast()) };
}

ffi_fn! {
    /// `memcached_server_list_free`.
    fn memcached_server_list_free(ptr: memcached_server_list_st);
    nonnull(ptr)
    {
        // SAFETY: a list per the API contract.
        unsafe { free_list(ptr) }
    }
}

ffi_fn! {
    /// `memcached_server_free`: a list (count in element 0) is freed as a
    /// list; a single element is marked uninitialised (and freed if the
    /// library allocated it on its own).
    fn memcached_server_free(ptr: *mut memcached_server_st);
    nonnull(ptr)
    {
        // SAFETY: a server or list per the API contract.
        let e = unsafe { &mut *ptr };
        if e.number_of_hosts != 0 {
            // SAFETY: a list.
            unsafe { free_list(ptr) };
        } else if e.options & SERVER_ALLOCATED != 0 {
            // SAFETY: allocated on its own with libc.
            unsafe { libc::free(ptr.cast()) };
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
        // SAFETY: a handle.
        unsafe { handle_mut(ptr) }.map_or(0, |h| h.client.servers.len() as u32)
    }
}

ffi_fn! {
    /// `memcached_server_instance_by_position` (NULL past the end).
    fn memcached_server_instance_by_position(ptr: *const memcached_st, server_key: u32) -> *const memcached_instance_st;
    nonnull(ptr)
    {
        // SAFETY: a handle.
        unsafe { handle_mut(ptr) }.map_or(core::ptr::null(), |h| instance_ptr(ptr, &h.client.servers, server_key as usize))
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
        // SAFETY: NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        if h.client.servers.is_empty() {
            return ReturnCode::NoServers;
        }
        if callback.is_null() && number_of_callbacks > 0 {
            return ReturnCode::InvalidArguments;
        }
        let mut errors = 0usize;
        let mut x = 0usize;
        // Re-read the handle each time: a callback may change the servers.
        // SAFETY: `ptr` is a handle.
        while let Some(h) = unsafe { handle_mut(ptr) } {
            if x >= h.client.servers.len() {
                break;
            }
            for y in 0..number_of_callbacks as usize {
                // SAFETY: the caller passes `number_of_callbacks` entries.
                let Some(f) = (unsafe { *callback.add(y) }) else { continue };
                // SAFETY: `ptr` is a handle.
                let Some(h) = (unsafe { handle_mut(ptr) }) else { break };
                let inst = instance_ptr(ptr, &h.client.servers, x);
                if inst.is_null() {
                    break;
                }
                // SAFETY: the same C function type with the return value read
                // as a plain int (a C callback may return any value).
                let f: RawServerFn = unsafe { core::mem::transmute(f) };
                // SAFETY: a callback the caller gave us, with its own context.
                if is_failed_raw(unsafe { f(ptr, inst, context) }) {
                    errors += 1;
                }
            }
            x += 1;
        }
        if errors > 0 { ReturnCode::SomeErrors } else { ReturnCode::Success }
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
        // SAFETY: NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else {
            // SAFETY: `error` is NULL or writable.
            unsafe { put(error, ReturnCode::InvalidArguments) };
            return core::ptr::null();
        };
        if h.client.servers.is_empty() {
            // SAFETY: as above.
            unsafe { put(error, ReturnCode::NoServers) };
            return core::ptr::null();
        }
        // SAFETY: `key_length` readable bytes at `key` (or NULL).
        let k = unsafe { bytes(key, key_length) };
        let checked = match k {
            Some(k) => h.client.key_test_exact(k).map(|()| k),
            None => Err(Error::with_message(ReturnCode::BadKeyProvided, "Key was NULL or length of key was zero.")),
        };
        match checked {
            Ok(k) => {
                let idx = h.client.server_index_no_rebuild(k).unwrap_or(0);
                instance_ptr(ptr, &h.client.servers, idx)
            }
            Err(e) => {
                let code = h.client.fail(e);
                // SAFETY: as above.
                unsafe { put(error, code) };
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
        // SAFETY: a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return core::ptr::null() };
        match h.client.last_disconnected {
            Some(i) => h.client.servers.get(i).map_or(core::ptr::null(), |s| last_disconnect_ptr(ptr, s)),
            None => core::ptr::null(),
        }
    }
}

// ----- instance accessors ------------------------------------------------

ffi_fn! {
    /// `memcached_server_name`.
    fn memcached_server_name(self_: *const memcached_instance_st) -> *const c_char;
    nonnull(self_)
    {
        // SAFETY: an instance of ours.
        unsafe { instance(self_) }.map_or(core::ptr::null(), |s| s.hostname_c.as_ptr())
    }
}

ffi_fn! {
    /// `memcached_server_port`.
    fn memcached_server_port(self_: *const memcached_instance_st) -> in_port_t;
    nonnull(self_)
    {
        // SAFETY: an instance of ours.
        unsafe { instance(self_) }.map_or(0, |s| s.port)
    }
}

ffi_fn! {
    /// `memcached_server_srcport`: the local port of a connected TCP/UDP
    /// server, else 0 (65535 when `getsockname` fails).
    fn memcached_server_srcport(self_: *const memcached_instance_st) -> in_port_t;
    nonnull(self_)
    {
        // SAFETY: an instance of ours.
        let Some(s) = (unsafe { instance(self_) }) else { return 0 };
        if s.is_unix() {
            return 0;
        }
        let Some(conn) = s.conn.as_ref() else { return 0 };
        use std::os::fd::AsRawFd;
        let fd = conn.fd().as_raw_fd();
        // SAFETY: all-zero is a valid sockaddr_storage.
        let mut addr: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
        let mut len = core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        // SAFETY: a live socket and a buffer of `len` bytes.
        let r = unsafe { libc::getsockname(fd, (&raw mut addr).cast(), &mut len) };
        if r == -1 {
            return u16::MAX;
        }
        // sin_port and sin6_port sit at the same offset.
        // SAFETY: the storage is at least as large as sockaddr_in.
        let sin = unsafe { &*(&raw const addr).cast::<libc::sockaddr_in>() };
        u16::from_be(sin.sin_port)
    }
}

ffi_fn! {
    /// `memcached_server_type`: "TCP", "UDP", "SOCKET" or "UNKNOWN".
    fn memcached_server_type(ptr: *const memcached_instance_st) -> *const c_char;
    nonnull()
    {
        // SAFETY: NULL or an instance of ours.
        match unsafe { instance(ptr) }.map(|s| s.kind) {
            Some(ServerKind::Tcp) => c"TCP".as_ptr(),
            Some(ServerKind::Udp) => c"UDP".as_ptr(),
            Some(ServerKind::UnixSocket) => c"SOCKET".as_ptr(),
            None => c"UNKNOWN".as_ptr(),
        }
    }
}

ffi_fn! {
    /// `memcached_server_major_version` (255 when unknown).
    fn memcached_server_major_version(ptr: *const memcached_instance_st) -> u8;
    nonnull()
    {
        // SAFETY: NULL or an instance of ours.
        unsafe { instance(ptr) }.map_or(u8::MAX, |s| s.version.0)
    }
}

ffi_fn! {
    /// `memcached_server_minor_version` (255 when unknown).
    fn memcached_server_minor_version(ptr: *const memcached_instance_st) -> u8;
    nonnull()
    {
        // SAFETY: NULL or an instance of ours.
        unsafe { instance(ptr) }.map_or(u8::MAX, |s| s.version.1)
    }
}

ffi_fn! {
    /// `memcached_server_micro_version` (255 when unknown).
    fn memcached_server_micro_version(ptr: *const memcached_instance_st) -> u8;
    nonnull()
    {
        // SAFETY: NULL or an instance of ours.
        unsafe { instance(ptr) }.map_or(u8::MAX, |s| s.version.2)
    }
}

ffi_fn! {
    /// `memcached_server_response_count`: replies still owed (1 while an
    /// mget terminator is pending).
    fn memcached_server_response_count(self_: *const memcached_instance_st) -> u32;
    nonnull(self_)
    {
        // SAFETY: an instance of ours.
        unsafe { instance(self_) }.map_or(0, |s| u32::from(s.mget_pending))
    }
}

ffi_fn! {
    /// `memcached_server_error`: the server's last error text, "SUCCESS"
    /// when it has none, NULL for NULL.
    fn memcached_server_error(ptr: *const memcached_instance_st) -> *const c_char;
    nonnull(ptr)
    {
        // SAFETY: an instance of ours.
        let Some(s) = (unsafe { instance(ptr) }) else { return core::ptr::null() };
        // SAFETY: a pointer of ours (instance() checked it).
        if unsafe { is_last_disconnect_copy(ptr) } {
            return static_cstr(ReturnCode::Success.text());
        }
        match (&s.last_error_c, &s.last_error) {
            (Some(c), _) => c.as_ptr(),
            (None, Some(e)) => static_cstr(e.code.text()),
            (None, None) => static_cstr(ReturnCode::Success.text()),
        }
    }
}

ffi_fn! {
    /// `memcached_server_error_return`: the code of the server's last error.
    fn memcached_server_error_return(ptr: *const memcached_instance_st) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: an instance of ours.
        let Some(s) = (unsafe { instance(ptr) }) else { return ReturnCode::InvalidArguments };
        // SAFETY: a pointer of ours (instance() checked it).
        if unsafe { is_last_disconnect_copy(ptr) } {
            return ReturnCode::Success;
        }
        s.last_error.as_ref().map_or(ReturnCode::Success, |e| e.code)
    }
}

ffi_fn! {
    /// `memcached_instance_next_retry`: set when the server may be retried.
    fn memcached_instance_next_retry(self_: *const memcached_instance_st, absolute_time: time_t);
    nonnull(self_)
    {
        // SAFETY: an instance of ours; the handle is not borrowed here.
        if let Some(s) = unsafe { instance(self_) } {
            s.next_retry = absolute_time;
        }
    }
}
