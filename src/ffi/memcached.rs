//! Handle lifecycle (`memcached.h`, `allocators.h`, `error.h`,
//! `strerror.h`): create, free, clone, reset, user data, allocators, and
//! the last error of a handle.

use core::ffi::{c_char, c_int, c_void};
use std::ffi::CString;

use crate::core::error::{ReturnCode, strerror};
use crate::ffi::handle::{Allocators, Handle, handle_mut, sync_mirror, user_data_slot};
use crate::ffi::types::*;

/// Set up a `memcached_st` (caller storage or ours) with a fresh handle.
///
/// # Safety
/// `ptr` must point to writable storage of 696 bytes.
pub unsafe fn init_struct(ptr: *mut memcached_st, allocated: bool, handle: Box<Handle>) {
    // SAFETY: writable storage per the caller; zeroing is a valid state.
    unsafe { core::ptr::write_bytes(ptr.cast::<u8>(), 0, core::mem::size_of::<memcached_st>()) };
    // SAFETY: as above.
    let m = unsafe { &mut *ptr };
    let mut handle = handle;
    // The handle's own result is initialised with it, as in 1.1.4 (so
    // `memcached_fetch_result(memc, NULL, …)` allocates a result for the
    // caller and `memcached_fetch` uses this one). Its `root` stays NULL:
    // the handle supplies the allocators itself, and a pointer back to the
    // struct would make a leaked handle a cycle that leak checkers miss.
    // SAFETY: the handle's own result storage.
    unsafe { crate::ffi::result::init_result(&mut *handle.result, core::ptr::null(), false) };
    m.private_handle_ = Box::into_raw(handle).cast();
    m.private_magic_ = HANDLE_MAGIC;
    m.options = u8::from(allocated);
    crate::ffi::hashkit::init_handle_hashkit(&mut m.hashkit);
    // SAFETY: `ptr` now holds a valid handle.
    unsafe { sync_mirror(ptr) };
}

/// Create a handle in `ptr` (or a new allocation when NULL).
///
/// # Safety
/// `ptr` is NULL or writable storage of 696 bytes.
pub unsafe fn create_with(ptr: *mut memcached_st, handle: Box<Handle>) -> *mut memcached_st {
    let (p, allocated) = if ptr.is_null() {
        // SAFETY: libc calloc; checked below.
        let p =
            unsafe { libc::calloc(1, core::mem::size_of::<memcached_st>()) }.cast::<memcached_st>();
        if p.is_null() {
            return p;
        }
        (p, true)
    } else {
        reuse_struct(ptr);
        (ptr, false)
    };
    // SAFETY: `p` is writable storage of the right size.
    unsafe { init_struct(p, allocated, handle) };
    p
}

ffi_fn! {
    /// `memcached_create`: initialise caller storage, or allocate a handle.
    fn memcached_create(ptr: *mut memcached_st) -> *mut memcached_st;
    nonnull()
    {
        let mut h: Box<Handle> = Box::default();
        // Unchanged programs get TLS from the environment.
        crate::ffi::tls::apply_env(&mut h);
        // SAFETY: NULL or caller storage of sizeof(memcached_st).
        unsafe { create_with(ptr, h) }
    }
}

/// Release a handle's state; frees the struct itself when we allocated it.
///
/// # Safety
/// `ptr` must be a handle created by us (or NULL).
pub unsafe fn free_handle(ptr: *mut memcached_st) {
    // SAFETY: caller guarantees ptr is NULL or a memcached_st.
    let Some(h) = (unsafe { handle_mut(ptr) }) else {
        return;
    };
    if let Some(cleanup) = h.callbacks.on_cleanup {
        // SAFETY: a callback the caller registered for this handle.
        unsafe { cleanup(ptr) };
    }
    // SAFETY: caller guarantees ptr is a valid handle.
    let h = unsafe { handle_mut(ptr) }.expect("checked above");
    h.client.quit_all();
    let alloc = h.alloc;
    // SAFETY: the handle's embedded result buffer came from `alloc`.
    unsafe { alloc.free(ptr, h.result.value.string.cast()) };
    // SAFETY: `ptr` is a valid handle.
    let m = unsafe { &mut *ptr };
    crate::ffi::hashkit::kit_release(&mut m.hashkit);
    let raw = m.private_handle_.cast::<Handle>();
    m.private_handle_ = core::ptr::null_mut();
    m.private_magic_ = FREED_MAGIC;
    // SAFETY: `raw` was produced by Box::into_raw in init_struct.
    drop(unsafe { Box::from_raw(raw) });
    release_struct(ptr, m.options & 1 != 0);
}

/// How many released `memcached_st` structs stay allocated.
const KEEP_RELEASED: usize = 32;

/// Released structs, oldest first: the address and whether we allocated it.
static RELEASED: parking_lot::Mutex<std::collections::VecDeque<(usize, bool)>> =
    parking_lot::Mutex::new(std::collections::VecDeque::new());

/// Give back a released `memcached_st` (and the instance blocks handed out
/// for it) `KEEP_RELEASED` frees later; `ours` when we allocated it.
///
/// Programs written against 1.1.4 read a handle's user data right after
/// `memcached_free` (the Perl module does, on every free): with 1.1.4 that
/// reads freed memory that happens to be intact. Keeping the last released
/// structs allocated, marked `FREED_MAGIC`, makes such a read well defined
/// (it returns the user data; every other call is refused) instead of
/// relying on what the allocator left behind.
fn release_struct(ptr: *mut memcached_st, ours: bool) {
    let oldest = {
        let mut kept = RELEASED.lock();
        kept.push_back((ptr as usize, ours));
        if kept.len() > KEEP_RELEASED {
            kept.pop_front()
        } else {
            None
        }
    };
    if let Some((old, ours)) = oldest {
        crate::ffi::server::drop_blocks(old);
        if ours {
            // SAFETY: a struct we allocated with libc calloc and released
            // KEEP_RELEASED frees ago; nothing of ours refers to it any more.
            unsafe { libc::free(old as *mut c_void) };
        }
    }
}

/// A caller's storage is used for a new handle: it is no longer released
/// (its blocks now belong to the new handle).
fn reuse_struct(ptr: *mut memcached_st) {
    RELEASED.lock().retain(|&(addr, _)| addr != ptr as usize);
}

ffi_fn! {
    /// `memcached_free`.
    fn memcached_free(ptr: *mut memcached_st);
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle per the API contract.
        unsafe { free_handle(ptr) }
    }
}

ffi_fn! {
    /// `memcached_clone`: copy the configuration (not the connections).
    fn memcached_clone(clone: *mut memcached_st, source: *const memcached_st) -> *mut memcached_st;
    nonnull()
    {
        // SAFETY: `source` is NULL or a handle.
        let Some(src) = (unsafe { handle_mut(source) }) else {
            // SAFETY: `clone` is NULL or caller storage.
            return unsafe { create_with(clone, Box::default()) };
        };
        let mut h = Box::new(Handle::new());
        h.client = src.client.clone_config();
        h.alloc = src.alloc;
        h.callbacks = src.callbacks;
        // SAFETY: the source's callback array is valid while it is set.
        if let Some(creds) = unsafe { crate::ffi::sasl::clone_credentials(&src.sasl) } {
            h.client.sasl = Some(creds);
        }
        h.namespace_c = src.namespace_c.clone();
        h.pool_min = src.pool_min;
        h.pool_max = src.pool_max;
        let on_clone = src.callbacks.on_clone;
        // SAFETY: `source` is a valid handle.
        let src_hashkit = unsafe { (*source).hashkit };
        // SAFETY: `clone` is NULL or caller storage.
        let dst = unsafe { create_with(clone, h) };
        if dst.is_null() {
            return dst;
        }
        // SAFETY: `dst` was just initialised; `source` is a valid handle.
        unsafe {
            (*dst).user_data = (*source).user_data;
            crate::ffi::hashkit::kit_copy(&mut (*dst).hashkit, &src_hashkit);
            (*dst).hashkit.options = 0;
        }
        if let Some(f) = on_clone {
            // SAFETY: a callback the caller registered.
            unsafe { f(dst, source) };
        }
        dst
    }
}

ffi_fn! {
    /// `memcached_reset`: back to a fresh handle, keeping the storage.
    fn memcached_reset(ptr: *mut memcached_st) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        if unsafe { handle_mut(ptr) }.is_none() {
            return ReturnCode::InvalidArguments;
        }
        // SAFETY: `ptr` is a handle.
        let allocated = unsafe { (*ptr).options } & 1;
        // SAFETY: free without releasing the struct, then re-initialise it.
        unsafe {
            (*ptr).options = 0;
            free_handle(ptr);
            init_struct(ptr, allocated != 0, Box::default());
        }
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_servers_reset`: remove every server.
    fn memcached_servers_reset(ptr: *mut memcached_st);
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        if let Some(h) = unsafe { handle_mut(ptr) } {
            h.client.reset_servers();
        }
        // SAFETY: `ptr` is a handle.
        unsafe { sync_mirror(ptr) };
    }
}

ffi_fn! {
    /// `memcached_reset_last_disconnected_server`.
    fn memcached_reset_last_disconnected_server(ptr: *mut memcached_st);
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        if let Some(h) = unsafe { handle_mut(ptr) } {
            h.client.last_disconnected = None;
        }
    }
}

ffi_fn! {
    /// `memcached_get_user_data`.
    fn memcached_get_user_data(ptr: *const memcached_st) -> *mut c_void;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a (possibly released) handle; the slot is readable.
        unsafe { user_data_slot(ptr) }.map_or(core::ptr::null_mut(), |p| unsafe { *p })
    }
}

ffi_fn! {
    /// `memcached_set_user_data`: returns the previous value.
    fn memcached_set_user_data(ptr: *mut memcached_st, data: *mut c_void) -> *mut c_void;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a live handle, whose slot is writable.
        match unsafe { handle_mut(ptr) }.and_then(|_| unsafe { user_data_slot(ptr) }) {
            // SAFETY: as above.
            Some(p) => unsafe { p.replace(data) },
            None => core::ptr::null_mut(),
        }
    }
}

ffi_fn! {
    /// `memcached_query_id`.
    fn memcached_query_id(ptr: *const memcached_st) -> u64;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        unsafe { handle_mut(ptr) }.map_or(0, |h| h.client.query_id)
    }
}

ffi_fn! {
    /// `memcached_lib_version`.
    fn memcached_lib_version() -> *const c_char;
    nonnull()
    {
        c"1.1.4".as_ptr()
    }
}

ffi_fn! {
    /// `memcached_set_memory_allocators`: all NULL restores the defaults;
    /// some NULL is INVALID_ARGUMENTS.
    fn memcached_set_memory_allocators(
        ptr: *mut memcached_st,
        mem_malloc: memcached_malloc_fn,
        mem_free: memcached_free_fn,
        mem_realloc: memcached_realloc_fn,
        mem_calloc: memcached_calloc_fn,
        context: *mut c_void,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return ReturnCode::InvalidArguments };
        match (mem_malloc, mem_free, mem_realloc, mem_calloc) {
            (None, None, None, None) => {
                h.alloc = Allocators::default();
                ReturnCode::Success
            }
            (Some(m), Some(f), Some(r), Some(c)) => {
                h.alloc = Allocators { malloc: Some(m), free: Some(f), realloc: Some(r), calloc: Some(c), context };
                ReturnCode::Success
            }
            _ => h.client.fail(crate::core::error::Error::with_message(
                ReturnCode::InvalidArguments,
                "memcached_set_memory_allocators needs all of malloc, free, realloc and calloc, or none",
            )),
        }
    }
}

ffi_fn! {
    /// `memcached_get_memory_allocators`.
    fn memcached_get_memory_allocators(
        ptr: *const memcached_st,
        mem_malloc: *mut memcached_malloc_fn,
        mem_free: *mut memcached_free_fn,
        mem_realloc: *mut memcached_realloc_fn,
        mem_calloc: *mut memcached_calloc_fn,
    );
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return };
        // SAFETY: out-pointers are NULL or writable.
        unsafe {
            crate::ffi::guard::put(mem_malloc, h.alloc.malloc);
            crate::ffi::guard::put(mem_free, h.alloc.free);
            crate::ffi::guard::put(mem_realloc, h.alloc.realloc);
            crate::ffi::guard::put(mem_calloc, h.alloc.calloc);
        }
    }
}

ffi_fn! {
    /// `memcached_get_memory_allocators_context`.
    fn memcached_get_memory_allocators_context(ptr: *const memcached_st) -> *mut c_void;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        unsafe { handle_mut(ptr) }.map_or(core::ptr::null_mut(), |h| h.alloc.context)
    }
}

ffi_fn! {
    /// `memcached_strerror`: 1.1.4's texts.
    fn memcached_strerror(ptr: *const memcached_st, rc: memcached_return_raw) -> *const c_char;
    nonnull()
    {
        let _ = ptr;
        static_cstr(strerror(rc as i32))
    }
}

/// A `'static` NUL-terminated pointer for one of our static texts.
pub fn static_cstr(s: &'static str) -> *const c_char {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static CACHE: OnceLock<parking_lot::Mutex<HashMap<&'static str, &'static std::ffi::CStr>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(|| parking_lot::Mutex::new(HashMap::new()));
    let mut map = cache.lock();
    let c = map
        .entry(s)
        .or_insert_with(|| Box::leak(CString::new(s).unwrap_or_default().into_boxed_c_str()));
    c.as_ptr()
}

ffi_fn! {
    /// `memcached_last_error`.
    fn memcached_last_error(ptr: *const memcached_st) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        unsafe { handle_mut(ptr) }.map_or(ReturnCode::InvalidArguments, |h| h.client.last_error_code())
    }
}

ffi_fn! {
    /// `memcached_last_error_errno`.
    fn memcached_last_error_errno(ptr: *const memcached_st) -> c_int;
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        unsafe { handle_mut(ptr) }.and_then(|h| h.client.last_error.as_ref().map(|e| e.errno)).unwrap_or(0)
    }
}

/// The handle's last error message as a C string owned by the handle.
///
/// # Safety
/// `ptr` must be NULL or a handle.
pub unsafe fn last_message(ptr: *const memcached_st) -> *const c_char {
    // SAFETY: as documented.
    let Some(h) = (unsafe { handle_mut(ptr) }) else {
        return c"the memcached_st is NULL or not initialised".as_ptr();
    };
    // The pointer stays valid (and the same) until the text changes: a
    // caller may hold the result of one call while making the next, as with
    // 1.1.4 until the next command.
    let text = h.client.last_error_text().replace('\0', " ");
    if h.last_message.as_bytes() != text.as_bytes() {
        h.last_message = CString::new(text).unwrap_or_default();
    }
    h.last_message.as_ptr()
}

ffi_fn! {
    /// `memcached_last_error_message`.
    fn memcached_last_error_message(ptr: *const memcached_st) -> *const c_char;
    nonnull()
    {
        if ptr.is_null() {
            return c"the memcached_st is NULL".as_ptr();
        }
        // SAFETY: `ptr` is a handle.
        unsafe { last_message(ptr) }
    }
}

ffi_fn! {
    /// `memcached_error`: the same text as `memcached_last_error_message`.
    fn memcached_error(ptr: *const memcached_st) -> *const c_char;
    nonnull()
    {
        if ptr.is_null() {
            return c"the memcached_st is NULL".as_ptr();
        }
        // SAFETY: `ptr` is a handle.
        unsafe { last_message(ptr) }
    }
}

ffi_fn! {
    /// `memcached_error_print`: write the last error to stderr.
    fn memcached_error_print(ptr: *const memcached_st);
    nonnull(ptr)
    {
        // SAFETY: `ptr` is a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else { return };
        if h.client.last_error.is_some() {
            eprintln!("{}", h.client.last_error_text());
        }
    }
}
