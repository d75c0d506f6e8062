//! The state behind a `memcached_st`: the safe core client plus what only
//! C needs (allocators, C callbacks, user data, cached C strings, the
//! embedded result of `memcached_fetch_result(memc, NULL, …)`).

use core::cell::{Cell, UnsafeCell};
use core::ffi::{c_char, c_void};
use core::sync::atomic::{AtomicIsize, Ordering};
use std::ffi::CString;

use crate::core::client::{Client, ValueSink};
use crate::core::error::{Error, Result, ReturnCode};
use crate::ffi::types::*;

/// The four allocation functions and their context.
#[derive(Copy, Clone, Debug)]
pub struct Allocators {
    pub malloc: memcached_malloc_fn,
    pub free: memcached_free_fn,
    pub realloc: memcached_realloc_fn,
    pub calloc: memcached_calloc_fn,
    pub context: *mut c_void,
}

/// Default malloc: libc.
///
/// # Safety
/// As the libc function it wraps.
pub unsafe extern "C" fn default_malloc(
    _m: *const memcached_st,
    size: usize,
    _ctx: *mut c_void,
) -> *mut c_void {
    // SAFETY: plain libc malloc.
    unsafe { libc::malloc(size) }
}
/// Default free: libc.
///
/// # Safety
/// As the libc function it wraps.
pub unsafe extern "C" fn default_free(_m: *const memcached_st, p: *mut c_void, _ctx: *mut c_void) {
    // SAFETY: `p` came from the matching libc allocator (or is NULL).
    unsafe { libc::free(p) }
}
/// Default realloc: libc.
///
/// # Safety
/// As the libc function it wraps.
pub unsafe extern "C" fn default_realloc(
    _m: *const memcached_st,
    p: *mut c_void,
    size: usize,
    _ctx: *mut c_void,
) -> *mut c_void {
    // SAFETY: `p` came from libc malloc/realloc (or is NULL).
    unsafe { libc::realloc(p, size) }
}
/// Default calloc: libc.
///
/// # Safety
/// As the libc function it wraps.
pub unsafe extern "C" fn default_calloc(
    _m: *const memcached_st,
    n: usize,
    size: usize,
    _ctx: *mut c_void,
) -> *mut c_void {
    // SAFETY: plain libc calloc.
    unsafe { libc::calloc(n, size) }
}

impl Default for Allocators {
    fn default() -> Self {
        Allocators {
            malloc: Some(default_malloc),
            free: Some(default_free),
            realloc: Some(default_realloc),
            calloc: Some(default_calloc),
            context: core::ptr::null_mut(),
        }
    }
}

// The allocator calls are the C API's contract: the installed functions
// behave like their libc namesakes (1.1.4 calls them the same way), and a
// pointer given back to `free`/`realloc` is NULL or came from the same
// handle's allocators (every caller below frees only buffers it allocated
// with them).
impl Allocators {
    /// Allocate `size` bytes.
    pub fn malloc(&self, memc: *const memcached_st, size: usize) -> *mut c_void {
        // SAFETY: see the note above `impl Allocators`.
        unsafe {
            match self.malloc {
                Some(f) => f(memc, size, self.context),
                None => libc::malloc(size),
            }
        }
    }

    /// Free memory from these allocators (NULL is ignored).
    pub fn free(&self, memc: *const memcached_st, p: *mut c_void) {
        if p.is_null() {
            return;
        }
        // SAFETY: see the note above `impl Allocators`.
        unsafe {
            match self.free {
                Some(f) => f(memc, p, self.context),
                None => libc::free(p),
            }
        }
    }

    /// Resize memory from these allocators.
    pub fn realloc(&self, memc: *const memcached_st, p: *mut c_void, size: usize) -> *mut c_void {
        // SAFETY: see the note above `impl Allocators`.
        unsafe {
            match self.realloc {
                Some(f) => f(memc, p, size, self.context),
                None => libc::realloc(p, size),
            }
        }
    }

    /// Zeroed allocation.
    pub fn calloc(&self, memc: *const memcached_st, n: usize, size: usize) -> *mut c_void {
        // SAFETY: see the note above `impl Allocators`.
        unsafe {
            match self.calloc {
                Some(f) => f(memc, n, size, self.context),
                None => libc::calloc(n, size),
            }
        }
    }
}

/// C callbacks of `memcached_callback_set`.
#[derive(Copy, Clone, Debug, Default)]
pub struct Callbacks {
    pub on_clone: memcached_clone_fn,
    pub on_cleanup: memcached_cleanup_fn,
    pub get_key_failure: memcached_trigger_key_fn,
    pub delete_trigger: memcached_trigger_delete_key_fn,
}

/// SASL settings (callback arrays; the credentials live in the core).
pub use crate::ffi::sasl::Sasl;

/// Everything a `memcached_st` owns.
pub struct Handle {
    pub client: Client,
    pub callbacks: Callbacks,
    pub sasl: Sasl,
    /// `memcached_last_error_message` text, kept alive for the caller.
    pub last_message: CString,
    /// The namespace as a C string for `memcached_callback_get`.
    pub namespace_c: Option<CString>,
    /// The handle's own result (used when `memcached_fetch_result` gets NULL).
    pub result: Box<memcached_result_st>,
    /// The continuum in 1.1.4's layout, behind `memcached_st.ketama.continuum`.
    pub continuum_c: Vec<memcached_continuum_item_st>,
}

impl Handle {
    /// A new handle with defaults.
    pub fn new() -> Handle {
        Handle {
            client: Client::new(),
            callbacks: Callbacks::default(),
            sasl: Sasl::default(),
            last_message: CString::default(),
            namespace_c: None,
            result: Box::new(memcached_result_st {
                options: 0,
                ..blank_result()
            }),
            continuum_c: Vec::new(),
        }
    }
}

impl Default for Handle {
    fn default() -> Self {
        Handle::new()
    }
}

/// An all-zero result struct, marked initialised and not allocated.
pub fn blank_result() -> memcached_result_st {
    memcached_result_st {
        item_flags: 0,
        item_expiration: 0,
        key_length: 0,
        item_cas: 0,
        root: core::ptr::null_mut(),
        value: memcached_string_st {
            end: core::ptr::null_mut(),
            string: core::ptr::null_mut(),
            current_size: 0,
            root: core::ptr::null_mut(),
            options: 0,
            _pad: [0; 7],
        },
        numeric_value: 0,
        count: 0,
        item_key: [0; 251],
        options: RESULT_INITIALIZED,
        _pad: [0; 4],
    }
}

/// `options` bit of results: heap-allocated by us.
pub const RESULT_ALLOCATED: u8 = 1;
/// `options` bit of results: initialised.
pub const RESULT_INITIALIZED: u8 = 2;

/// What `memcached_st.private_handle_` points to: the handle, and beside
/// it what must stay reachable while the handle is borrowed (the borrow
/// state, and the allocators that results and values of the handle are
/// freed with, possibly from inside a call that holds the borrow).
///
/// The borrow state is `EXCLUSIVE`, `FREE` or a count of shared
/// borrows: `memcached_clone` reads its source through a shared borrow,
/// because programs clone one handle from several threads at once
/// (memcslap does, as 1.1.4 allows).
pub struct HandleCell {
    borrow: AtomicIsize,
    alloc: Cell<Allocators>,
    handle: UnsafeCell<Handle>,
}

impl HandleCell {
    /// A cell around `handle`, with libc's allocators.
    pub fn new(handle: Box<Handle>) -> Box<HandleCell> {
        Box::new(HandleCell {
            borrow: AtomicIsize::new(FREE),
            alloc: Cell::new(Allocators::default()),
            handle: UnsafeCell::new(*handle),
        })
    }
}

/// The one live borrow of a handle, for the duration of one export call
/// (or less: drop it before calling back into C). While it lives,
/// [`handle`] refuses to borrow the same handle again, so no two `&mut
/// Handle` to one `memcached_st` ever exist.
pub struct HandleRef<'a> {
    cell: &'a HandleCell,
    st: *mut memcached_st,
}

impl HandleRef<'_> {
    /// The `memcached_st` this handle lives in.
    pub fn ptr(&self) -> *mut memcached_st {
        self.st
    }

    /// The handle's allocators.
    pub fn alloc(&self) -> Allocators {
        self.cell.alloc.get()
    }

    /// The public fields of the `memcached_st` (the C mirrors).
    pub fn mirror(&mut self) -> &mut memcached_st {
        // SAFETY: `st` was checked to be one of our handles when the borrow
        // was taken; the handle state lives in a separate allocation, so
        // this does not alias `&mut Handle`; the C API contract is that a
        // handle is used by one thread at a time.
        unsafe { &mut *self.st }
    }
}

impl core::ops::Deref for HandleRef<'_> {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        // SAFETY: the exclusive borrow state guarantees this is the only
        // borrow of the cell.
        unsafe { &*self.cell.handle.get() }
    }
}

impl core::ops::DerefMut for HandleRef<'_> {
    fn deref_mut(&mut self) -> &mut Handle {
        // SAFETY: as above.
        unsafe { &mut *self.cell.handle.get() }
    }
}

impl Drop for HandleRef<'_> {
    fn drop(&mut self) {
        self.cell.borrow.store(FREE, Ordering::Release);
    }
}

/// The cell of a live handle of ours, or `None` (NULL, never created,
/// already freed).
fn cell<'a>(ptr: *const memcached_st) -> Option<&'a HandleCell> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the C API contract: a non-NULL `memcached_st*` points to a
    // readable struct; the magic tells whether `private_handle_` is ours.
    let (magic, raw) = unsafe { ((*ptr).private_magic_, (*ptr).private_handle_) };
    if magic != HANDLE_MAGIC || raw.is_null() {
        return None;
    }
    // SAFETY: `private_handle_` of a live handle is a leaked
    // `Box<HandleCell>` (see `memcached::init_struct`), freed only by
    // `memcached_free`, which clears the magic first.
    Some(unsafe { &*raw.cast::<HandleCell>() })
}

/// Borrow the handle of a `memcached_st`: `None` when it is not a live
/// handle of ours, or when it is already borrowed (a C callback calling
/// back into the library with the handle whose call invoked it, while that
/// call still holds the borrow).
pub fn handle<'a>(ptr: *const memcached_st) -> Option<HandleRef<'a>> {
    let cell = cell(ptr)?;
    if cell
        .borrow
        .compare_exchange(FREE, EXCLUSIVE, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return None;
    }
    Some(HandleRef {
        cell,
        st: ptr.cast_mut(),
    })
}

/// Borrow state of a handle nobody borrows.
const FREE: isize = 0;
/// Borrow state of a handle borrowed by [`handle`].
const EXCLUSIVE: isize = -1;

/// A shared borrow of a handle (see [`handle_shared`]).
pub struct HandleShared<'a> {
    cell: &'a HandleCell,
    st: *const memcached_st,
}

impl HandleShared<'_> {
    /// The handle's allocators.
    pub fn alloc(&self) -> Allocators {
        self.cell.alloc.get()
    }

    /// The public fields of the `memcached_st`.
    pub fn mirror(&self) -> &memcached_st {
        // SAFETY: `st` was checked to be one of our handles when the borrow
        // was taken; readers only, while the borrow lives.
        unsafe { &*self.st }
    }
}

impl core::ops::Deref for HandleShared<'_> {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        // SAFETY: the shared borrow state excludes an exclusive borrow
        // while this one lives.
        unsafe { &*self.cell.handle.get() }
    }
}

impl Drop for HandleShared<'_> {
    fn drop(&mut self) {
        self.cell.borrow.fetch_sub(1, Ordering::Release);
    }
}

/// Borrow a handle to read it, possibly from several threads at once;
/// `None` when it is not a live handle of ours or is borrowed exclusively.
pub fn handle_shared<'a>(ptr: *const memcached_st) -> Option<HandleShared<'a>> {
    let cell = cell(ptr)?;
    let mut n = cell.borrow.load(Ordering::Relaxed);
    loop {
        if n < FREE {
            return None;
        }
        match cell
            .borrow
            .compare_exchange_weak(n, n + 1, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => return Some(HandleShared { cell, st: ptr }),
            Err(now) => n = now,
        }
    }
}

/// The allocators of a handle (libc's for anything else); usable while
/// the handle is borrowed.
pub fn allocators(ptr: *const memcached_st) -> Allocators {
    cell(ptr).map_or_else(Allocators::default, |c| c.alloc.get())
}

/// Install a handle's allocators.
pub fn set_allocators(ptr: *const memcached_st, alloc: Allocators) {
    if let Some(c) = cell(ptr) {
        c.alloc.set(alloc);
    }
}

/// The `user_data` pointer of a live handle, or of one that
/// `memcached_free` released (1.1.4 keeps it in the struct, and programs
/// such as the Perl module read it right after freeing the handle); `None`
/// for anything else.
pub fn user_data(ptr: *const memcached_st) -> Option<*mut c_void> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the C API contract: a non-NULL `memcached_st*` points to a
    // readable struct (a released one stays allocated, see
    // `memcached::release_struct`).
    let (magic, data) = unsafe { ((*ptr).private_magic_, (*ptr).user_data) };
    (magic == HANDLE_MAGIC || magic == FREED_MAGIC).then_some(data)
}

/// Refresh the fields of `memcached_st` that callers may read (distribution,
/// hashkit, ketama mirror) from the core state.
pub fn sync_mirror(h: &mut HandleRef) {
    // The continuum, in 1.1.4's layout. It changes only here (a server or
    // distribution change) unless servers are ejected at run time
    // (REMOVE_FAILED_SERVERS): then the mirror stays empty, never stale.
    let mut points = core::mem::take(&mut h.continuum_c);
    points.clear();
    if !h.client.behaviors.auto_eject_hosts {
        points.extend(
            h.client
                .placement
                .continuum()
                .points()
                .iter()
                .map(|&(value, index)| memcached_continuum_item_st { index, value }),
        );
    }
    h.continuum_c = points;
    let count = h.continuum_c.len() as u32;
    let continuum = if h.continuum_c.is_empty() {
        core::ptr::null_mut()
    } else {
        h.continuum_c.as_mut_ptr().cast()
    };
    let b = &h.client.behaviors;
    let bits = [
        b.auto_eject_hosts,
        b.binary_protocol,
        b.buffer_requests,
        b.hash_with_prefix_key,
        b.no_block,
        !b.noreply,
        b.randomize_replica_read,
        b.support_cas,
        b.tcp_nodelay,
        b.sort_hosts,
        b.use_udp,
        b.verify_key,
        b.tcp_keepalive,
    ];
    let flags = bits
        .iter()
        .enumerate()
        .fold(0u16, |f, (i, on)| if *on { f | 1 << i } else { f });
    let p = &h.client.placement;
    let distribution = p.distribution as u32;
    let weighted = p.weighted;
    let rebuild = p.next_distribution_rebuild as time_t;
    let (hasher, dist_hasher) = (p.hasher.clone(), p.dist_hasher.clone());
    let m = h.mirror();
    crate::ffi::hashkit::sync_kit(&mut m.hashkit, &hasher, &dist_hasher);
    m.distribution = distribution;
    m.ketama.weighted_ = weighted;
    m.ketama.continuum_count = count;
    m.ketama.continuum_points_counter = count;
    m.ketama.continuum = continuum;
    m.ketama.next_distribution_rebuild = rebuild;
    m.flags = flags.to_le_bytes();
}

/// Record an error on the handle; returns its code.
pub fn fail(h: &mut Handle, e: Error) -> ReturnCode {
    h.client.fail(e)
}

/// A sink that allocates the value with the handle's allocators, NUL
/// terminated, as `memcached_get` returns it.
pub struct MallocSink {
    pub alloc: Allocators,
    pub memc: *const memcached_st,
    pub ptr: *mut c_char,
    pub len: usize,
    pub flags: u32,
}

impl MallocSink {
    /// An empty sink.
    pub fn new(alloc: Allocators, memc: *const memcached_st) -> MallocSink {
        MallocSink {
            alloc,
            memc,
            ptr: core::ptr::null_mut(),
            len: 0,
            flags: 0,
        }
    }

    /// Hand the value to the caller (NULL for an empty value).
    pub fn take(&mut self) -> *mut c_char {
        core::mem::replace(&mut self.ptr, core::ptr::null_mut())
    }
}

impl Drop for MallocSink {
    fn drop(&mut self) {
        self.alloc.free(self.memc, self.ptr.cast());
    }
}

impl ValueSink for MallocSink {
    fn value_buffer(
        &mut self,
        _key: &[u8],
        flags: u32,
        _cas: u64,
        len: usize,
    ) -> Result<&mut [u8]> {
        self.alloc.free(self.memc, self.ptr.cast());
        self.ptr = core::ptr::null_mut();
        self.flags = flags;
        self.len = len;
        if len == 0 {
            return Ok(&mut []);
        }
        let p = self.alloc.malloc(self.memc, len + 1).cast::<u8>();
        if p.is_null() {
            return Err(Error::with_message(
                ReturnCode::MemoryAllocationFailure,
                format!("could not allocate {} bytes for a value", len + 1),
            ));
        }
        self.ptr = p.cast();
        // SAFETY: `p` is a fresh allocation of len + 1 bytes owned by this
        // sink until `take` hands it over.
        let buf = unsafe { core::slice::from_raw_parts_mut(p, len + 1) };
        buf[len] = 0;
        Ok(&mut buf[..len])
    }
}

/// A sink that writes into a `memcached_result_st`, growing its value
/// buffer with the allocators of its handle.
pub struct ResultSink<'r> {
    pub alloc: Allocators,
    pub memc: *const memcached_st,
    pub res: &'r mut memcached_result_st,
    /// Whether an empty value gets a (1-byte) buffer when the result has
    /// none: 1.1.4's ASCII reader allocates one, its binary reader does
    /// not, and `memcached_result_value` shows the difference (a pointer or
    /// NULL).
    pub buffer_for_empty: bool,
}

impl ValueSink for ResultSink<'_> {
    fn value_buffer(&mut self, key: &[u8], flags: u32, cas: u64, len: usize) -> Result<&mut [u8]> {
        let r = &mut *self.res;
        let klen = key.len().min(250);
        for (d, s) in r.item_key.iter_mut().zip(&key[..klen]) {
            *d = *s as c_char;
        }
        r.item_key[klen] = 0;
        r.key_length = klen;
        r.item_flags = flags;
        r.item_cas = cas;
        r.count += 1;
        if len == 0 && r.value.string.is_null() && !self.buffer_for_empty {
            r.value.end = core::ptr::null_mut();
            return Ok(&mut []);
        }
        r.value_resize(&self.alloc, self.memc, len).ok_or_else(|| {
            Error::with_message(
                ReturnCode::MemoryAllocationFailure,
                format!("could not allocate {} bytes for a value", len + 1),
            )
        })
    }
}
