//! Handle lifecycle (`memcached.h`, `allocators.h`, `error.h`,
//! `strerror.h`): create, free, clone, reset, user data, allocators, and
//! the last error of a handle.

use core::ffi::{c_char, c_int, c_void};
use std::ffi::CString;

use crate::core::error::ReturnCode;
use crate::ffi::guard::put;
use crate::ffi::handle::{
    Allocators, Handle, HandleCell, handle, handle_shared, set_allocators, sync_mirror, user_data,
};
use crate::ffi::types::*;

/// Set up a `memcached_st` (caller storage or ours) with a fresh handle.
fn init_struct(ptr: *mut memcached_st, allocated: bool, state: Box<Handle>) {
    // SAFETY: `ptr` is caller storage of `sizeof(memcached_st)` bytes (the
    // C API contract of `memcached_create`) or our own allocation; all
    // zero bytes are a valid `memcached_st`.
    let m = unsafe {
        core::ptr::write_bytes(ptr, 0, 1);
        &mut *ptr
    };
    let mut state = state;
    // The handle's own result is initialised with it, as in 1.1.4 (so
    // `memcached_fetch_result(memc, NULL, …)` allocates a result for the
    // caller and `memcached_fetch` uses this one). Its `root` stays NULL:
    // the handle supplies the allocators itself, and a pointer back to the
    // struct would make a leaked handle a cycle that leak checkers miss.
    crate::ffi::result::init_result_in(&mut state.result, core::ptr::null(), false);
    m.private_handle_ = Box::into_raw(HandleCell::new(state)).cast();
    m.private_magic_ = HANDLE_MAGIC;
    m.options = u8::from(allocated);
    crate::ffi::hashkit::init_handle_hashkit(&mut m.hashkit);
    if let Some(mut h) = handle(ptr) {
        sync_mirror(&mut h);
    }
}

/// Create a handle in `ptr` (or a new allocation when NULL).
pub fn create_with(ptr: *mut memcached_st, handle: Box<Handle>) -> *mut memcached_st {
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
    init_struct(p, allocated, handle);
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
        create_with(ptr, h)
    }
}

/// Release a handle's state; frees the struct itself when we allocated it.
pub fn free_handle(ptr: *mut memcached_st) {
    let Some(h) = handle(ptr) else {
        return;
    };
    let cleanup = h.callbacks.on_cleanup;
    drop(h);
    if let Some(cleanup) = cleanup {
        // SAFETY: a callback the caller registered for this handle.
        unsafe { cleanup(ptr) };
    }
    let Some(mut h) = handle(ptr) else {
        return;
    };
    h.client.quit_all();
    let alloc = h.alloc();
    alloc.free(ptr, h.result.value.string.cast());
    let m = h.mirror();
    crate::ffi::hashkit::kit_release(&mut m.hashkit);
    let raw = m.private_handle_.cast::<HandleCell>();
    m.private_handle_ = core::ptr::null_mut();
    m.private_magic_ = FREED_MAGIC;
    let ours = m.options & 1 != 0;
    drop(h);
    // SAFETY: `raw` was produced by Box::into_raw in init_struct, and the
    // magic no longer lets anyone borrow it.
    drop(unsafe { Box::from_raw(raw) });
    release_struct(ptr, ours);
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
        free_handle(ptr)
    }
}

ffi_fn! {
    /// `memcached_clone`: copy the configuration (not the connections).
    fn memcached_clone(clone: *mut memcached_st, source: *const memcached_st) -> *mut memcached_st;
    nonnull()
    {
        let Some(src) = handle_shared(source) else {
            return create_with(clone, Box::default());
        };
        let mut h = Box::new(Handle::new());
        h.client = src.client.clone_config();
        h.callbacks = src.callbacks;
        if let Some(creds) = crate::ffi::sasl::clone_credentials(&src.sasl) {
            h.client.sasl = Some(creds);
        }
        let alloc = src.alloc();
        let on_clone = src.callbacks.on_clone;
        let (user_data, src_hashkit) = {
            let m = src.mirror();
            (m.user_data, m.hashkit)
        };
        drop(src);
        let dst = create_with(clone, h);
        set_allocators(dst, alloc);
        let Some(mut d) = handle(dst) else {
            return dst;
        };
        let m = d.mirror();
        m.user_data = user_data;
        crate::ffi::hashkit::kit_copy(&mut m.hashkit, &src_hashkit);
        m.hashkit.options = 0;
        drop(d);
        if let Some(f) = on_clone {
            // SAFETY: a callback the caller registered, called with no
            // handle borrowed.
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
        let Some(mut h) = handle(ptr) else {
            return ReturnCode::InvalidArguments;
        };
        // Free without releasing the struct, then re-initialise it.
        let allocated = core::mem::take(&mut h.mirror().options) & 1 != 0;
        drop(h);
        free_handle(ptr);
        init_struct(ptr, allocated, Box::default());
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_servers_reset`: remove every server.
    fn memcached_servers_reset(ptr: *mut memcached_st);
    nonnull(ptr)
    {
        if let Some(mut h) = handle(ptr) {
            h.client.reset_servers();
            sync_mirror(&mut h);
        }
    }
}

ffi_fn! {
    /// `memcached_reset_last_disconnected_server`.
    fn memcached_reset_last_disconnected_server(ptr: *mut memcached_st);
    nonnull(ptr)
    {
        if let Some(mut h) = handle(ptr) {
            h.client.last_disconnected = None;
        }
    }
}

ffi_fn! {
    /// `memcached_get_user_data`.
    fn memcached_get_user_data(ptr: *const memcached_st) -> *mut c_void;
    nonnull(ptr)
    {
        user_data(ptr).unwrap_or(core::ptr::null_mut())
    }
}

ffi_fn! {
    /// `memcached_set_user_data`: returns the previous value.
    fn memcached_set_user_data(ptr: *mut memcached_st, data: *mut c_void) -> *mut c_void;
    nonnull(ptr)
    {
        match handle(ptr) {
            Some(mut h) => core::mem::replace(&mut h.mirror().user_data, data),
            None => core::ptr::null_mut(),
        }
    }
}

ffi_fn! {
    /// `memcached_query_id`.
    fn memcached_query_id(ptr: *const memcached_st) -> u64;
    nonnull(ptr)
    {
        handle(ptr).map_or(0, |h| h.client.query_id)
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
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let alloc = match (mem_malloc, mem_free, mem_realloc, mem_calloc) {
            (None, None, None, None) => Allocators::default(),
            (Some(m), Some(f), Some(r), Some(c)) => {
                Allocators { malloc: Some(m), free: Some(f), realloc: Some(r), calloc: Some(c), context }
            }
            _ => {
                return h.client.fail(crate::core::error::Error::with_message(
                    ReturnCode::InvalidArguments,
                    "memcached_set_memory_allocators needs all of malloc, free, realloc and calloc, or none",
                ))
            }
        };
        set_allocators(ptr, alloc);
        ReturnCode::Success
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
        let Some(h) = handle(ptr) else { return };
        let alloc = h.alloc();
        put(mem_malloc, alloc.malloc);
        put(mem_free, alloc.free);
        put(mem_realloc, alloc.realloc);
        put(mem_calloc, alloc.calloc);
    }
}

ffi_fn! {
    /// `memcached_get_memory_allocators_context`.
    fn memcached_get_memory_allocators_context(ptr: *const memcached_st) -> *mut c_void;
    nonnull(ptr)
    {
        handle(ptr).map_or(core::ptr::null_mut(), |h| h.alloc().context)
    }
}

ffi_fn! {
    /// `memcached_strerror`: 1.1.4's texts.
    fn memcached_strerror(ptr: *const memcached_st, rc: memcached_return_raw) -> *const c_char;
    nonnull()
    {
        let _ = ptr;
        static_cstr(memcached_return_t(rc as c_int).text())
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
        handle(ptr).map_or(ReturnCode::InvalidArguments, |h| h.client.last_error_code())
    }
}

ffi_fn! {
    /// `memcached_last_error_errno`.
    fn memcached_last_error_errno(ptr: *const memcached_st) -> c_int;
    nonnull(ptr)
    {
        handle(ptr).and_then(|h| h.client.last_error.as_ref().map(|e| e.errno)).unwrap_or(0)
    }
}

/// The handle's last error message as a C string owned by the handle.
pub fn last_message(ptr: *const memcached_st) -> *const c_char {
    let Some(mut h) = handle(ptr) else {
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

/// `memcached_last_error_message` and `memcached_error` (the same text).
macro_rules! error_message_fns {
    ($($name:ident),*) => {$(
        ffi_fn! {
            #[doc = concat!("`", stringify!($name), "`: the handle's last error message.")]
            fn $name(ptr: *const memcached_st) -> *const c_char;
            nonnull()
            {
                if ptr.is_null() {
                    return c"the memcached_st is NULL".as_ptr();
                }
                last_message(ptr)
            }
        }
    )*};
}

error_message_fns!(memcached_last_error_message, memcached_error);

ffi_fn! {
    /// `memcached_error_print`: write the last error to stderr.
    fn memcached_error_print(ptr: *const memcached_st);
    nonnull(ptr)
    {
        let Some(h) = handle(ptr) else { return };
        if h.client.last_error.is_some() {
            eprintln!("{}", h.client.last_error_text());
        }
    }
}
