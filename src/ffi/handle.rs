//! The state behind a `memcached_st`: the safe core client plus what only
//! C needs (allocators, C callbacks, user data, cached C strings, the
//! embedded result of `memcached_fetch_result(memc, NULL, …)`).

use core::ffi::{c_char, c_void};
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

impl Allocators {
    /// Allocate `size` bytes.
    ///
    /// # Safety
    /// The installed allocator must behave like malloc.
    pub unsafe fn malloc(&self, memc: *const memcached_st, size: usize) -> *mut c_void {
        match self.malloc {
            // SAFETY: a caller-installed malloc-like function.
            Some(f) => unsafe { f(memc, size, self.context) },
            // SAFETY: libc malloc.
            None => unsafe { libc::malloc(size) },
        }
    }

    /// Free memory from these allocators.
    ///
    /// # Safety
    /// `p` must come from these allocators (or be NULL).
    pub unsafe fn free(&self, memc: *const memcached_st, p: *mut c_void) {
        if p.is_null() {
            return;
        }
        match self.free {
            // SAFETY: as documented.
            Some(f) => unsafe { f(memc, p, self.context) },
            // SAFETY: as documented.
            None => unsafe { libc::free(p) },
        }
    }

    /// Resize memory from these allocators.
    ///
    /// # Safety
    /// `p` must come from these allocators (or be NULL).
    pub unsafe fn realloc(
        &self,
        memc: *const memcached_st,
        p: *mut c_void,
        size: usize,
    ) -> *mut c_void {
        match self.realloc {
            // SAFETY: as documented.
            Some(f) => unsafe { f(memc, p, size, self.context) },
            // SAFETY: as documented.
            None => unsafe { libc::realloc(p, size) },
        }
    }

    /// Zeroed allocation.
    ///
    /// # Safety
    /// The installed allocator must behave like calloc.
    pub unsafe fn calloc(&self, memc: *const memcached_st, n: usize, size: usize) -> *mut c_void {
        match self.calloc {
            // SAFETY: as documented.
            Some(f) => unsafe { f(memc, n, size, self.context) },
            // SAFETY: libc calloc.
            None => unsafe { libc::calloc(n, size) },
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
    pub alloc: Allocators,
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
    /// The configuration pool sizes (`--POOL-MIN`/`--POOL-MAX`).
    pub pool_min: u32,
    pub pool_max: u32,
}

impl Handle {
    /// A new handle with defaults.
    pub fn new() -> Handle {
        Handle {
            client: Client::new(),
            alloc: Allocators::default(),
            callbacks: Callbacks::default(),
            sasl: Sasl::default(),
            last_message: CString::default(),
            namespace_c: None,
            result: Box::new(memcached_result_st {
                options: 0,
                ..blank_result()
            }),
            continuum_c: Vec::new(),
            pool_min: 1,
            pool_max: 1,
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

/// The handle of a `memcached_st`, or `None` when it is not one of ours
/// (never created, or already freed).
///
/// # Safety
/// `ptr` must be NULL or point to a readable `memcached_st`. The returned
/// reference must not outlive the handle or alias another live reference.
pub unsafe fn handle_mut<'a>(ptr: *const memcached_st) -> Option<&'a mut Handle> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is readable per the caller.
    let m = unsafe { &*ptr };
    if m.private_magic_ != HANDLE_MAGIC || m.private_handle_.is_null() {
        return None;
    }
    // SAFETY: we set `private_handle_` to a leaked `Box<Handle>`; the C API
    // contract is that a handle is used by one thread at a time.
    Some(unsafe { &mut *m.private_handle_.cast::<Handle>() })
}

/// The `user_data` pointer of a live handle, or of one that
/// `memcached_free` released (1.1.4 keeps it in the struct, and programs
/// such as the Perl module read it right after freeing the handle); `None`
/// for anything else.
///
/// # Safety
/// `ptr` must be NULL or point to a readable `memcached_st`.
pub unsafe fn user_data_slot(ptr: *const memcached_st) -> Option<*mut *mut c_void> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is readable per the caller.
    let magic = unsafe { (*ptr).private_magic_ };
    if magic != HANDLE_MAGIC && magic != FREED_MAGIC {
        return None;
    }
    // SAFETY: in bounds of the struct; the caller's handle is writable
    // whenever it is used to set the pointer.
    Some(unsafe { &raw const (*ptr).user_data }.cast_mut())
}

/// Refresh the fields of `memcached_st` that callers may read (distribution,
/// hashkit, ketama mirror) from the core state.
///
/// # Safety
/// `ptr` must point to a writable, initialised `memcached_st`.
pub unsafe fn sync_mirror(ptr: *mut memcached_st) {
    // SAFETY: the caller guarantees a valid handle.
    let m = unsafe { &mut *ptr };
    // SAFETY: `ptr` is a valid handle.
    let Some(h) = (unsafe { handle_mut(ptr) }) else {
        return;
    };
    m.distribution = h.client.distribution as u32;
    m.ketama.weighted_ = h.client.weighted;
    // The continuum, in 1.1.4's layout. It changes only here (a server or
    // distribution change) unless servers are ejected at run time
    // (REMOVE_FAILED_SERVERS): then the mirror stays empty, never stale.
    h.continuum_c.clear();
    if !h.client.behaviors.auto_eject_hosts {
        h.continuum_c.extend(
            h.client
                .continuum()
                .points()
                .iter()
                .map(|&(value, index)| memcached_continuum_item_st { index, value }),
        );
    }
    m.ketama.continuum_count = h.continuum_c.len() as u32;
    m.ketama.continuum_points_counter = h.continuum_c.len() as u32;
    m.ketama.continuum = if h.continuum_c.is_empty() {
        core::ptr::null_mut()
    } else {
        h.continuum_c.as_mut_ptr().cast()
    };
    m.ketama.next_distribution_rebuild = h.client.next_distribution_rebuild as time_t;
    let b = &h.client.behaviors;
    let mut f: u16 = 0;
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
    for (i, on) in bits.iter().enumerate() {
        if *on {
            f |= 1 << i;
        }
    }
    m.flags = f.to_le_bytes();
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
        // SAFETY: `ptr` is NULL or came from `alloc`.
        unsafe { self.alloc.free(self.memc, self.ptr.cast()) };
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
        // SAFETY: `ptr` is NULL or came from `alloc`.
        unsafe { self.alloc.free(self.memc, self.ptr.cast()) };
        self.ptr = core::ptr::null_mut();
        self.flags = flags;
        self.len = len;
        if len == 0 {
            return Ok(&mut []);
        }
        // SAFETY: allocator call; checked for NULL below.
        let p = unsafe { self.alloc.malloc(self.memc, len + 1) }.cast::<u8>();
        if p.is_null() {
            return Err(Error::with_message(
                ReturnCode::MemoryAllocationFailure,
                format!("could not allocate {} bytes for a value", len + 1),
            ));
        }
        // SAFETY: `p` has len + 1 writable bytes; the terminator is written
        // now and the value bytes are filled by the caller.
        unsafe { p.add(len).write(0) };
        self.ptr = p.cast();
        // SAFETY: `p` points to `len` writable bytes owned by this sink.
        Ok(unsafe { core::slice::from_raw_parts_mut(p, len) })
    }
}

/// A sink that writes into a `memcached_result_st`, growing its value
/// buffer with the handle's allocators.
pub struct ResultSink {
    pub alloc: Allocators,
    pub memc: *const memcached_st,
    pub res: *mut memcached_result_st,
    /// Whether an empty value gets a (1-byte) buffer when the result has
    /// none: 1.1.4's ASCII reader allocates one, its binary reader does
    /// not, and `memcached_result_value` shows the difference (a pointer or
    /// NULL).
    pub buffer_for_empty: bool,
}

impl ValueSink for ResultSink {
    fn value_buffer(&mut self, key: &[u8], flags: u32, cas: u64, len: usize) -> Result<&mut [u8]> {
        // SAFETY: `res` is a valid, initialised result owned by the caller
        // for the duration of the fetch.
        let r = unsafe { &mut *self.res };
        let klen = key.len().min(250);
        // SAFETY: `item_key` holds 251 bytes and klen <= 250; the source is
        // a different object.
        unsafe {
            core::ptr::copy_nonoverlapping(key.as_ptr(), r.item_key.as_mut_ptr().cast::<u8>(), klen)
        };
        r.item_key[klen] = 0;
        r.key_length = klen;
        r.item_flags = flags;
        r.item_cas = cas;
        r.count += 1;
        if len == 0 && r.value.string.is_null() && !self.buffer_for_empty {
            r.value.end = core::ptr::null_mut();
            return Ok(&mut []);
        }
        if r.value.current_size < len + 1 {
            // SAFETY: `string` is NULL or from these allocators.
            let p = unsafe {
                self.alloc
                    .realloc(self.memc, r.value.string.cast(), len + 1)
            }
            .cast::<c_char>();
            if p.is_null() {
                return Err(Error::with_message(
                    ReturnCode::MemoryAllocationFailure,
                    format!("could not allocate {} bytes for a value", len + 1),
                ));
            }
            r.value.string = p;
            r.value.current_size = len + 1;
        }
        // SAFETY: `string` has at least len + 1 bytes.
        unsafe {
            r.value.end = r.value.string.add(len);
            r.value.end.write(0);
        }
        // SAFETY: `string` has `len` writable bytes for the value.
        Ok(unsafe { core::slice::from_raw_parts_mut(r.value.string.cast::<u8>(), len) })
    }
}
