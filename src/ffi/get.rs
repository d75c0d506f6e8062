//! `get.h` and `fetch.h`: single gets, multi-gets, fetching results one by
//! one or through callbacks.

use core::ffi::{c_char, c_void};

use crate::core::client::storage::{Store, StoreMode};
use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::{bytes, put};
use crate::ffi::handle::{
    Handle, MallocSink, RESULT_ALLOCATED, RESULT_INITIALIZED, ResultSink, handle_mut,
};
use crate::ffi::keyargs::group_and_key;
use crate::ffi::result::{free_result, init_result, value_len};
use crate::ffi::types::*;

/// # Safety
/// Pointers NULL or valid; `ptr` a handle.
#[allow(clippy::too_many_arguments)]
unsafe fn get_impl(
    ptr: *mut memcached_st,
    group: *const c_char,
    group_len: usize,
    key: *const c_char,
    key_len: usize,
    value_length: *mut usize,
    flags: *mut u32,
    error: *mut memcached_return_t,
) -> *mut c_char {
    // SAFETY: out-pointers NULL or writable.
    unsafe {
        put(value_length, 0);
        put(flags, 0);
    }
    // SAFETY: `ptr` is a handle.
    let Some(h) = (unsafe { handle_mut(ptr) }) else {
        // SAFETY: out-pointer NULL or writable.
        unsafe { put(error, ReturnCode::InvalidArguments) };
        return core::ptr::null_mut();
    };
    // SAFETY: key pointers valid for their lengths.
    let (g, k) = match unsafe { group_and_key(h, group, group_len, key, key_len) } {
        Ok(v) => v,
        Err(rc) => {
            // SAFETY: out-pointer NULL or writable.
            unsafe { put(error, rc) };
            return core::ptr::null_mut();
        }
    };
    let mut sink = MallocSink::new(h.alloc, ptr);
    let got = h.client.get(g, k, &mut sink);
    note_single_get(h, &got);
    let rc = match got {
        Ok(Some(_)) => {
            // SAFETY: out-pointers NULL or writable.
            unsafe {
                put(value_length, sink.len);
                put(flags, sink.flags);
                put(error, ReturnCode::Success);
            }
            return sink.take();
        }
        Ok(None) => {
            let e = Error::new(ReturnCode::Notfound);
            h.client.fail(e)
        }
        Err(e) => h.client.fail(e),
    };
    if rc == ReturnCode::Notfound
        && let Some(cb) = h.callbacks.get_key_failure
    {
        // SAFETY: key pointers valid; `ptr` a handle; out-pointers NULL or writable.
        return unsafe { get_failure(ptr, cb, g, k, value_length, flags, error) };
    }
    // SAFETY: out-pointer NULL or writable.
    unsafe { put(error, rc) };
    core::ptr::null_mut()
}

/// 1.1.4's `memcached_get` is a one-key mget plus one `memcached_fetch`
/// through the handle's own result, so it leaves that result's count as a
/// fetch loop would: one more after a hit (the loop is not finished), 0
/// once the reply ended (a miss) or failed, unchanged when nothing was
/// sent. A later fetch loop's END-or-NOTFOUND depends on it.
fn note_single_get<T>(h: &mut Handle, got: &crate::core::error::Result<Option<T>>) {
    match got {
        Ok(Some(_)) => h.result.count += 1,
        Err(e)
            if matches!(
                e.code,
                ReturnCode::BadKeyProvided
                    | ReturnCode::InvalidArguments
                    | ReturnCode::NoServers
                    | ReturnCode::NotSupported
            ) => {}
        _ => h.result.count = 0,
    }
}

/// The GET_FAILURE callback path: ask the caller for the value, store it,
/// and return a copy.
///
/// # Safety
/// As `get_impl`.
#[allow(clippy::too_many_arguments)]
unsafe fn get_failure(
    ptr: *mut memcached_st,
    cb: unsafe extern "C" fn(
        *const memcached_st,
        *const c_char,
        usize,
        *mut memcached_result_st,
    ) -> memcached_return_t,
    g: &[u8],
    k: &[u8],
    value_length: *mut usize,
    flags: *mut u32,
    error: *mut memcached_return_t,
) -> *mut c_char {
    let mut res = core::mem::MaybeUninit::<memcached_result_st>::uninit();
    // SAFETY: local storage of the right size.
    unsafe { init_result(res.as_mut_ptr(), ptr, false) };
    // SAFETY: the callback the caller registered; the result is initialised.
    let rc = unsafe { cb(ptr, k.as_ptr().cast(), k.len(), res.as_mut_ptr()) };
    // SAFETY: initialised above.
    let r = unsafe { &mut *res.as_mut_ptr() };
    // As 1.1.4: a value the callback supplies (SUCCESS, or BUFFERED to store
    // it buffered) is stored with no expiration and handed to the caller
    // with the store's code; if storing fails, the get stays a miss.
    let out = if rc == ReturnCode::Success || rc == ReturnCode::Buffered {
        let len = value_len(r);
        // Stored like any value of this handle (encrypted under an
        // encoding key, by the core).
        // SAFETY: the value buffer holds `len` bytes.
        let value = unsafe { bytes(r.value.string, len) }.unwrap_or(&[]);
        // SAFETY: `ptr` is a handle.
        let h = unsafe { handle_mut(ptr) }.expect("handle");
        let req = Store {
            mode: StoreMode::Set,
            group: g,
            key: k,
            value,
            exptime: 0,
            flags: r.item_flags,
            cas: 0,
        };
        let st = if rc == ReturnCode::Buffered {
            h.client.store_buffered(&req)
        } else {
            h.client.store(&req)
        };
        let st = h.client.finish(st);
        if st == ReturnCode::Success || st == ReturnCode::Buffered {
            // SAFETY: out-pointers NULL or writable.
            unsafe {
                put(value_length, len);
                put(flags, r.item_flags);
                put(error, st);
            }
            crate::ffi::result::take_value(r)
        } else {
            // SAFETY: out-pointer NULL or writable.
            unsafe { put(error, ReturnCode::Notfound) };
            core::ptr::null_mut()
        }
    } else {
        // SAFETY: out-pointer NULL or writable.
        unsafe { put(error, ReturnCode::Notfound) };
        core::ptr::null_mut()
    };
    // SAFETY: initialised result on our stack.
    unsafe { free_result(res.as_mut_ptr()) };
    out
}

ffi_fn! {
    /// `memcached_get`: the value (free() it), NULL on a miss or for an empty value.
    fn memcached_get(
        ptr: *mut memcached_st,
        key: *const c_char,
        key_length: usize,
        value_length: *mut usize,
        flags: *mut u32,
        error: *mut memcached_return_t,
    ) -> *mut c_char;
    nonnull()
    {
        // SAFETY: arguments as the C API documents them.
        unsafe { get_impl(ptr, core::ptr::null(), 0, key, key_length, value_length, flags, error) }
    }
}

ffi_fn! {
    /// `memcached_get_by_key`.
    fn memcached_get_by_key(
        ptr: *mut memcached_st,
        group_key: *const c_char,
        group_key_length: usize,
        key: *const c_char,
        key_length: usize,
        value_length: *mut usize,
        flags: *mut u32,
        error: *mut memcached_return_t,
    ) -> *mut c_char;
    nonnull()
    {
        // SAFETY: arguments as the C API documents them.
        unsafe { get_impl(ptr, group_key, group_key_length, key, key_length, value_length, flags, error) }
    }
}

/// # Safety
/// `keys`/`lens` hold `n` valid entries; `ptr` a handle.
unsafe fn mget_impl(
    ptr: *mut memcached_st,
    group: *const c_char,
    group_len: usize,
    keys: *const *const c_char,
    lens: *const usize,
    n: usize,
) -> memcached_return_t {
    // SAFETY: `ptr` is a handle.
    let Some(h) = (unsafe { handle_mut(ptr) }) else {
        return ReturnCode::InvalidArguments;
    };
    if n > 0 && (keys.is_null() || lens.is_null()) {
        return h.client.fail(Error::with_message(
            ReturnCode::InvalidArguments,
            "keys or key lengths are NULL",
        ));
    }
    // SAFETY: `n` entries each.
    let (key_ptrs, key_lens) = if n == 0 {
        (&[][..], &[][..])
    } else {
        // SAFETY: `keys` and `lens` point to `n` entries.
        unsafe {
            (
                core::slice::from_raw_parts(keys, n),
                core::slice::from_raw_parts(lens, n),
            )
        }
    };
    for i in 0..n {
        if key_ptrs[i].is_null() && key_lens[i] != 0 {
            return h.client.fail(Error::with_message(
                ReturnCode::InvalidArguments,
                "a key is NULL",
            ));
        }
    }
    let group = if group.is_null() {
        None
    } else {
        // SAFETY: `group` is valid for `group_len` bytes.
        match unsafe { bytes(group, group_len) } {
            Some(g) => Some(g),
            None => return ReturnCode::InvalidArguments,
        }
    };
    let key_at = |i: usize| -> &[u8] {
        // SAFETY: checked above: non-NULL pointer valid for its length, or length 0.
        unsafe { bytes(key_ptrs[i], key_lens[i]) }.unwrap_or(&[])
    };
    let r = h.client.mget(group, n, &key_at);
    h.client.finish(r)
}

ffi_fn! {
    /// `memcached_mget`.
    fn memcached_mget(ptr: *mut memcached_st, keys: *const *const c_char, key_length: *const usize, number_of_keys: usize)
        -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: arguments as the C API documents them.
        unsafe { mget_impl(ptr, core::ptr::null(), 0, keys, key_length, number_of_keys) }
    }
}

ffi_fn! {
    /// `memcached_mget_by_key`.
    fn memcached_mget_by_key(
        ptr: *mut memcached_st,
        group_key: *const c_char,
        group_key_length: usize,
        keys: *const *const c_char,
        key_length: *const usize,
        number_of_keys: usize,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: arguments as the C API documents them.
        unsafe { mget_impl(ptr, group_key, group_key_length, keys, key_length, number_of_keys) }
    }
}

/// Fetch the next value into `res`: `Ok(true)` with a value, `Ok(false)` at END.
///
/// # Safety
/// `res` an initialised result; `ptr` a handle.
unsafe fn fetch_into(
    ptr: *mut memcached_st,
    h: &mut Handle,
    res: *mut memcached_result_st,
) -> Result<bool, ReturnCode> {
    // SAFETY: `res` is initialised.
    let r = unsafe { &mut *res };
    r.key_length = 0;
    r.item_key[0] = 0;
    r.item_flags = 0;
    r.item_cas = 0;
    r.value.end = r.value.string;
    // A result's value buffer belongs to the allocators of the result's own
    // handle (its `root`, as in 1.1.4), not to the handle that fetches
    // into it; the handle's own result uses the handle's allocators.
    let (alloc, owner) = if core::ptr::eq(res, &*h.result) || core::ptr::eq(r.root, ptr) {
        (h.alloc, ptr.cast_const())
    } else {
        // SAFETY: `root` is NULL or a live handle other than `h`.
        (
            unsafe { crate::ffi::result::result_allocators(r) },
            r.root.cast_const(),
        )
    };
    let mut sink = ResultSink {
        alloc,
        memc: owner,
        res,
        buffer_for_empty: !h.client.behaviors.binary_protocol,
    };
    match h.client.fetch(&mut sink) {
        Ok(Some(_)) => Ok(true),
        Ok(None) => Ok(false),
        Err(e) => Err(h.client.fail(e)),
    }
}

/// The handle's own result (`memcached_fetch`, `memcached_fetch_execute`),
/// initialised again if the caller released it.
///
/// # Safety
/// `ptr` must be the handle `h` belongs to.
unsafe fn own_result(ptr: *mut memcached_st, h: &mut Handle) -> *mut memcached_result_st {
    let res: *mut memcached_result_st = &mut *h.result;
    if h.result.options & RESULT_INITIALIZED == 0 {
        // SAFETY: the handle's own result storage.
        unsafe { init_result(res, ptr, false) };
    }
    res
}

/// The next value of the pending multi-get, into `res`, with 1.1.4's
/// ownership rules (`fetch.cc`): a value comes back in `res` (its `count`
/// goes up); when nothing is left, the code is END if `res` received a
/// value since its last loop ended and NOTFOUND otherwise, and `res` is
/// then released: a result the library allocated
/// (`memcached_result_create(memc, NULL)`, by the caller or for a NULL
/// argument) is freed, any other one keeps its buffer with `count` reset.
///
/// # Safety
/// `res` an initialised result; `ptr` a handle.
unsafe fn fetch_step(
    ptr: *mut memcached_st,
    h: &mut Handle,
    res: *mut memcached_result_st,
) -> Result<(), ReturnCode> {
    // SAFETY: `res` initialised; `ptr` a handle.
    let got = unsafe { fetch_into(ptr, h, res) };
    if let Ok(true) = got {
        return Ok(());
    }
    // SAFETY: `res` is initialised.
    let r = unsafe { &mut *res };
    let rc = match got {
        Err(rc) => rc,
        _ if r.count > 0 => ReturnCode::End,
        _ => ReturnCode::Notfound,
    };
    if r.options & RESULT_ALLOCATED != 0 {
        // SAFETY: a result allocated by memcached_result_create.
        unsafe { free_result(res) };
    } else {
        r.count = 0;
        r.value.end = r.value.string;
    }
    Err(rc)
}

ffi_fn! {
    /// `memcached_fetch_result`: the next result of an mget; NULL with END
    /// or NOTFOUND when done (see `fetch_step` for who owns what).
    fn memcached_fetch_result(
        ptr: *mut memcached_st,
        result: *mut memcached_result_st,
        error: *mut memcached_return_t,
    ) -> *mut memcached_result_st;
    nonnull()
    {
        // SAFETY: `ptr` is NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else {
            // SAFETY: out-pointer NULL or writable.
            unsafe { put(error, ReturnCode::InvalidArguments) };
            return core::ptr::null_mut();
        };
        let res = if !result.is_null() {
            result
        } else if h.result.options & RESULT_INITIALIZED == 0 {
            // The handle's own result, when the caller has released it.
            // SAFETY: `ptr` is the handle `h`.
            unsafe { own_result(ptr, h) }
        } else {
            // SAFETY: allocate a new result (the caller frees it, or
            // fetch_step does at the end of the loop).
            let p = unsafe { crate::ffi::result::memcached_result_create(ptr, core::ptr::null_mut()) };
            if p.is_null() {
                // SAFETY: out-pointer NULL or writable.
                unsafe { put(error, ReturnCode::MemoryAllocationFailure) };
                return p;
            }
            p
        };
        // SAFETY: `res` initialised; `ptr` a handle.
        let rc = match unsafe { fetch_step(ptr, h, res) } {
            Ok(()) => ReturnCode::Success,
            Err(rc) => rc,
        };
        // SAFETY: out-pointer NULL or writable.
        unsafe { put(error, rc) };
        if rc == ReturnCode::Success { res } else { core::ptr::null_mut() }
    }
}

ffi_fn! {
    /// `memcached_fetch`: the next value (free() it) and its key copied into
    /// `key`. Values pass through the handle's own result; the value's
    /// buffer is handed to the caller and the result forgets it entirely
    /// (pointers and size), so the next value gets a buffer of its own.
    fn memcached_fetch(
        ptr: *mut memcached_st,
        key: *mut c_char,
        key_length: *mut usize,
        value_length: *mut usize,
        flags: *mut u32,
        error: *mut memcached_return_t,
    ) -> *mut c_char;
    nonnull()
    {
        // SAFETY: `ptr` is NULL or a handle.
        let Some(h) = (unsafe { handle_mut(ptr) }) else {
            // SAFETY: out-pointer NULL or writable.
            unsafe { put(error, ReturnCode::InvalidArguments) };
            return core::ptr::null_mut();
        };
        // SAFETY: `ptr` is the handle `h`.
        let res = unsafe { own_result(ptr, h) };
        // SAFETY: initialised result; `ptr` a handle.
        if let Err(rc) = unsafe { fetch_step(ptr, h, res) } {
            // SAFETY: out-pointers NULL or writable; `key` holds MEMCACHED_MAX_KEY bytes.
            unsafe {
                put(value_length, 0);
                put(key_length, 0);
                put(flags, 0);
                put(key, 0);
                put(error, rc);
            }
            return core::ptr::null_mut();
        }
        // SAFETY: initialised above.
        let r = unsafe { &mut *res };
        let len = value_len(r);
        // SAFETY: out-pointers NULL or writable; `key` holds MEMCACHED_MAX_KEY bytes per the API.
        unsafe {
            put(value_length, len);
            if !key.is_null() {
                core::ptr::copy_nonoverlapping(r.item_key.as_ptr(), key, r.key_length);
                key.add(r.key_length).write(0);
                put(key_length, r.key_length);
            }
            put(flags, r.item_flags);
            put(error, ReturnCode::Success);
        }
        crate::ffi::result::take_value(r)
    }
}

/// Fetch every pending value and run the callbacks on each.
///
/// # Safety
/// `callbacks` holds `n` entries; `ptr` a handle.
unsafe fn fetch_execute_impl(
    ptr: *mut memcached_st,
    callbacks: *mut memcached_execute_fn,
    context: *mut c_void,
    n: u32,
) -> memcached_return_t {
    // SAFETY: `ptr` is a handle.
    if unsafe { handle_mut(ptr) }.is_none() {
        return ReturnCode::InvalidArguments;
    }
    let cbs: &[memcached_execute_fn] = if callbacks.is_null() || n == 0 {
        &[]
    } else {
        // SAFETY: `n` entries per the API.
        unsafe { core::slice::from_raw_parts(callbacks, n as usize) }
    };
    // As 1.1.4: the values pass through the handle's own result (what the
    // callbacks see), and the loop's end code follows its count: END
    // (reported as SUCCESS) when it held a value, else NOTFOUND; a failing
    // callback makes SOME_ERRORS and fetching goes on.
    let mut some_errors = false;
    let end = loop {
        // SAFETY: `ptr` is a handle, borrowed anew after callbacks ran.
        let Some(h) = (unsafe { handle_mut(ptr) }) else {
            break ReturnCode::InvalidArguments;
        };
        // SAFETY: `ptr` is the handle `h`.
        let res = unsafe { own_result(ptr, h) };
        // SAFETY: initialised result; `ptr` a handle.
        if let Err(rc) = unsafe { fetch_step(ptr, h, res) } {
            break rc;
        }
        for cb in cbs.iter().flatten() {
            // SAFETY: callbacks the caller gave us, with the handle's result.
            if unsafe { cb(ptr, res, context) } != ReturnCode::Success {
                some_errors = true;
                break;
            }
        }
    };
    match end {
        _ if some_errors => ReturnCode::SomeErrors,
        ReturnCode::End => ReturnCode::Success,
        rc => rc,
    }
}

ffi_fn! {
    /// `memcached_fetch_execute`.
    fn memcached_fetch_execute(
        ptr: *mut memcached_st,
        callback: *mut memcached_execute_fn,
        context: *mut c_void,
        number_of_callbacks: u32,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: arguments as the C API documents them.
        unsafe { fetch_execute_impl(ptr, callback, context, number_of_callbacks) }
    }
}

/// # Safety
/// As the C API documents the arguments.
#[allow(clippy::too_many_arguments)]
unsafe fn mget_execute_impl(
    ptr: *mut memcached_st,
    group: *const c_char,
    group_len: usize,
    keys: *const *const c_char,
    lens: *const usize,
    n: usize,
    callback: *mut memcached_execute_fn,
    context: *mut c_void,
    ncb: u32,
) -> memcached_return_t {
    // SAFETY: `ptr` is a handle.
    let Some(h) = (unsafe { handle_mut(ptr) }) else {
        return ReturnCode::InvalidArguments;
    };
    if !h.client.behaviors.binary_protocol {
        return h.client.fail(Error::with_message(
            ReturnCode::NotSupported,
            "ASCII protocol is not supported for memcached_mget_execute_by_key()",
        ));
    }
    // 1.1.4 (observed) only sends the requests here: the callbacks run when
    // the caller fetches with memcached_fetch_execute.
    let _ = (callback, context, ncb);
    // SAFETY: as documented.
    unsafe { mget_impl(ptr, group, group_len, keys, lens, n) }
}

ffi_fn! {
    /// `memcached_mget_execute`: mget (binary only); `memcached_fetch_execute` runs the callbacks.
    fn memcached_mget_execute(
        ptr: *mut memcached_st,
        keys: *const *const c_char,
        key_length: *const usize,
        number_of_keys: usize,
        callback: *mut memcached_execute_fn,
        context: *mut c_void,
        number_of_callbacks: u32,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: arguments as the C API documents them.
        unsafe {
            mget_execute_impl(
                ptr, core::ptr::null(), 0, keys, key_length, number_of_keys, callback, context, number_of_callbacks,
            )
        }
    }
}

ffi_fn! {
    /// `memcached_mget_execute_by_key`.
    fn memcached_mget_execute_by_key(
        ptr: *mut memcached_st,
        group_key: *const c_char,
        group_key_length: usize,
        keys: *const *const c_char,
        key_length: *const usize,
        number_of_keys: usize,
        callback: *mut memcached_execute_fn,
        context: *mut c_void,
        number_of_callbacks: u32,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        // SAFETY: arguments as the C API documents them.
        unsafe {
            mget_execute_impl(
                ptr, group_key, group_key_length, keys, key_length, number_of_keys, callback, context,
                number_of_callbacks,
            )
        }
    }
}
