//! `get.h` and `fetch.h`: single gets, multi-gets, fetching results one by
//! one or through callbacks.

use core::ffi::{c_char, c_void};

use crate::core::client::storage::{Store, StoreMode};
use crate::core::error::{Error, ReturnCode};
use crate::ffi::guard::{array, bytes, bytes_mut, c_mut, put, put_code};
use crate::ffi::handle::{
    Handle, HandleRef, MallocSink, RESULT_ALLOCATED, RESULT_INITIALIZED, ResultSink, allocators,
    handle,
};
use crate::ffi::keyargs::group_and_key;
use crate::ffi::result::{clear_for_fetch, free_result, init_result_in, value_len};
use crate::ffi::types::*;

#[allow(clippy::too_many_arguments)]
fn get_impl(
    ptr: *mut memcached_st,
    group: *const c_char,
    group_len: usize,
    key: *const c_char,
    key_len: usize,
    value_length: *mut usize,
    flags: *mut u32,
    error: *mut memcached_return_t,
) -> *mut c_char {
    put(value_length, 0);
    put(flags, 0);
    let Some(mut h) = handle(ptr) else {
        put_code(error, ReturnCode::InvalidArguments);
        return core::ptr::null_mut();
    };
    let (g, k) = match group_and_key(&mut h, group, group_len, key, key_len) {
        Ok(v) => v,
        Err(rc) => {
            put_code(error, rc);
            return core::ptr::null_mut();
        }
    };
    let mut sink = MallocSink::new(h.alloc(), ptr);
    let got = h.client.get(g, k, &mut sink);
    note_single_get(&mut h, &got);
    let rc = match got {
        Ok(Some(_)) => {
            put(value_length, sink.len);
            put(flags, sink.flags);
            put_code(error, ReturnCode::Success);
            return sink.take();
        }
        Ok(None) => h.client.fail(Error::new(ReturnCode::Notfound)),
        Err(e) => h.client.fail(e),
    };
    let read_through = h
        .callbacks
        .get_key_failure
        .filter(|_| rc == ReturnCode::Notfound);
    drop(h);
    match read_through {
        Some(cb) => get_failure(ptr, cb, g, k, value_length, flags, error),
        None => {
            put_code(error, rc);
            core::ptr::null_mut()
        }
    }
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

/// The GET_FAILURE callback path: ask the caller for the value (no handle
/// borrowed: the callback may use the handle), store it, and return a copy.
#[allow(clippy::too_many_arguments)]
fn get_failure(
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
    let mut r = crate::ffi::handle::blank_result();
    init_result_in(&mut r, ptr, false);
    // SAFETY: the callback the caller registered, given the key and an
    // initialised result on our stack.
    let rc = unsafe { cb(ptr, k.as_ptr().cast(), k.len(), &mut r) };
    // As 1.1.4: a value the callback supplies (SUCCESS, or BUFFERED to store
    // it buffered) is stored with no expiration and handed to the caller
    // with the store's code; if storing fails, the get stays a miss.
    let mut out = core::ptr::null_mut();
    let mut code = ReturnCode::Notfound;
    if (rc == ReturnCode::Success || rc == ReturnCode::Buffered)
        && let Some(mut h) = handle(ptr)
    {
        // Stored like any value of this handle (encrypted under an
        // encoding key, by the core).
        let req = Store {
            mode: StoreMode::Set,
            group: g,
            key: k,
            value: r.value_bytes(),
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
            put(value_length, value_len(&r));
            put(flags, r.item_flags);
            code = st;
            out = crate::ffi::result::take_value(&mut r);
        }
    }
    put_code(error, code);
    free_result(&mut r);
    out
}

ffi_fn_by_key! {
    /// `memcached_get`: the value (free() it), NULL on a miss or for an empty value.
    fn memcached_get / memcached_get_by_key(
        ptr: *mut memcached_st,
        [group, group_len],
        key: *const c_char,
        key_length: usize,
        value_length: *mut usize,
        flags: *mut u32,
        error: *mut memcached_return_t,
    ) -> *mut c_char;
    nonnull()
    {
        get_impl(ptr, group, group_len, key, key_length, value_length, flags, error)
    }
}

/// A multi-get (`execute`: for `memcached_mget_execute`, binary only).
fn mget_impl(
    ptr: *mut memcached_st,
    group: *const c_char,
    group_len: usize,
    keys: *const *const c_char,
    lens: *const usize,
    n: usize,
    execute: bool,
) -> ReturnCode {
    let Some(mut h) = handle(ptr) else {
        return ReturnCode::InvalidArguments;
    };
    if execute && !h.client.codec().supports_mget_execute() {
        return h.client.fail(Error::with_message(
            ReturnCode::NotSupported,
            "ASCII protocol is not supported for memcached_mget_execute_by_key()",
        ));
    }
    let (Some(key_ptrs), Some(key_lens)) = (array(keys, n), array(lens, n)) else {
        return h.client.fail(Error::with_message(
            ReturnCode::InvalidArguments,
            "keys or key lengths are NULL",
        ));
    };
    if key_ptrs
        .iter()
        .zip(key_lens)
        .any(|(k, &len)| k.is_null() && len != 0)
    {
        return h.client.fail(Error::with_message(
            ReturnCode::InvalidArguments,
            "a key is NULL",
        ));
    }
    let group = if group.is_null() {
        None
    } else {
        match bytes(group, group_len) {
            Some(g) => Some(g),
            None => return ReturnCode::InvalidArguments,
        }
    };
    // Checked above: every key is readable for its length (or empty).
    let key_at = |i: usize| -> &[u8] { bytes(key_ptrs[i], key_lens[i]).unwrap_or_default() };
    let r = h.client.mget(group, n, &key_at);
    h.client.finish(r)
}

ffi_fn_by_key! {
    /// `memcached_mget`.
    fn memcached_mget / memcached_mget_by_key(
        ptr: *mut memcached_st,
        [group, group_len],
        keys: *const *const c_char,
        key_length: *const usize,
        number_of_keys: usize,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        mget_impl(ptr, group, group_len, keys, key_length, number_of_keys, false)
    }
}

/// Which result a fetch fills: the handle's own (`memcached_fetch`, and
/// `memcached_fetch_result` given NULL when it is free) or the caller's.
#[derive(Copy, Clone)]
enum Target {
    Own,
    Caller(*mut memcached_result_st),
}

impl Target {
    /// The caller's pointer, or the handle's own result when the caller
    /// passes that one back.
    fn of(h: &Handle, res: *mut memcached_result_st) -> Target {
        if core::ptr::eq(res, &*h.result) {
            Target::Own
        } else {
            Target::Caller(res)
        }
    }

    fn ptr(self, h: &mut Handle) -> *mut memcached_result_st {
        match self {
            Target::Own => &mut *h.result,
            Target::Caller(p) => p,
        }
    }
}

/// The handle's own result, initialised again if the caller released it.
fn own_result(h: &mut Handle) -> Target {
    if h.result.options & RESULT_INITIALIZED == 0 {
        init_result_in(&mut h.result, core::ptr::null(), false);
    }
    Target::Own
}

/// Fetch the next value into the target: `Ok(true)` with a value,
/// `Ok(false)` at END.
fn fetch_into(h: &mut HandleRef, target: Target) -> Result<bool, ReturnCode> {
    let (ptr, own_alloc) = (h.ptr().cast_const(), h.alloc());
    let h: &mut Handle = h;
    let buffer_for_empty = h.client.codec().buffers_empty_values();
    // A result's value buffer belongs to the allocators of the result's own
    // handle (its `root`, as in 1.1.4), not to the handle that fetches
    // into it; the handle's own result uses the handle's allocators.
    let (res, alloc, owner) = match target {
        Target::Own => (&mut *h.result, own_alloc, ptr),
        Target::Caller(p) => {
            let Some(r) = c_mut(p) else {
                return Err(ReturnCode::InvalidArguments);
            };
            let owner = r.root.cast_const();
            let alloc = if core::ptr::eq(owner, ptr) {
                own_alloc
            } else {
                allocators(owner)
            };
            (r, alloc, owner)
        }
    };
    clear_for_fetch(res);
    let mut sink = ResultSink {
        alloc,
        memc: owner,
        res,
        buffer_for_empty,
    };
    match h.client.fetch(&mut sink) {
        Ok(Some(_)) => Ok(true),
        Ok(None) => Ok(false),
        Err(e) => Err(h.client.fail(e)),
    }
}

/// The next value of the pending multi-get, into the target, with 1.1.4's
/// ownership rules (`fetch.cc`): a value comes back in the result (its
/// `count` goes up); when nothing is left, the code is END if the result
/// received a value since its last loop ended and NOTFOUND otherwise, and
/// the result is then released: a result the library allocated
/// (`memcached_result_create(memc, NULL)`, by the caller or for a NULL
/// argument) is freed, any other one keeps its buffer with `count` reset.
fn fetch_step(h: &mut HandleRef, target: Target) -> Result<(), ReturnCode> {
    let got = fetch_into(h, target);
    if let Ok(true) = got {
        return Ok(());
    }
    let res = target.ptr(h);
    let Some(r) = c_mut(res) else {
        return Err(ReturnCode::InvalidArguments);
    };
    let rc = match got {
        Err(rc) => rc,
        _ if r.count > 0 => ReturnCode::End,
        _ => ReturnCode::Notfound,
    };
    if r.options & RESULT_ALLOCATED != 0 {
        free_result(res);
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
        let Some(mut h) = handle(ptr) else {
            put_code(error, ReturnCode::InvalidArguments);
            return core::ptr::null_mut();
        };
        let target = if !result.is_null() {
            Target::of(&h, result)
        } else if h.result.options & RESULT_INITIALIZED == 0 {
            // The handle's own result, when the caller has released it.
            own_result(&mut h)
        } else {
            // A new result (the caller frees it, or fetch_step does at the
            // end of the loop).
            let p = allocators(ptr)
                .malloc(ptr, core::mem::size_of::<memcached_result_st>())
                .cast::<memcached_result_st>();
            let Some(r) = c_mut(p) else {
                put_code(error, ReturnCode::MemoryAllocationFailure);
                return core::ptr::null_mut();
            };
            init_result_in(r, ptr, true);
            Target::Caller(p)
        };
        let rc = match fetch_step(&mut h, target) {
            Ok(()) => ReturnCode::Success,
            Err(rc) => rc,
        };
        put_code(error, rc);
        if rc == ReturnCode::Success { target.ptr(&mut h) } else { core::ptr::null_mut() }
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
        let Some(mut h) = handle(ptr) else {
            put_code(error, ReturnCode::InvalidArguments);
            return core::ptr::null_mut();
        };
        let target = own_result(&mut h);
        // `key` holds MEMCACHED_MAX_KEY (251) bytes per the API.
        let key_buf = bytes_mut(key, 251);
        if let Err(rc) = fetch_step(&mut h, target) {
            put(value_length, 0);
            put(key_length, 0);
            put(flags, 0);
            if let Some(k) = key_buf {
                k[0] = 0;
            }
            put_code(error, rc);
            return core::ptr::null_mut();
        }
        let r = &mut *h.result;
        put(value_length, value_len(r));
        if let Some(k) = key_buf {
            let n = r.key_length;
            for (d, s) in k.iter_mut().zip(&r.item_key[..n]) {
                *d = *s as u8;
            }
            k[n] = 0;
            put(key_length, n);
        }
        put(flags, r.item_flags);
        put_code(error, ReturnCode::Success);
        crate::ffi::result::take_value(r)
    }
}

ffi_fn! {
    /// `memcached_fetch_execute`: fetch every pending value and run the
    /// callbacks on each.
    fn memcached_fetch_execute(
        ptr: *mut memcached_st,
        callback: *mut memcached_execute_fn,
        context: *mut c_void,
        number_of_callbacks: u32,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        if handle(ptr).is_none() {
            return ReturnCode::InvalidArguments;
        }
        let cbs = array(callback.cast_const(), number_of_callbacks as usize).unwrap_or(&[]);
        // As 1.1.4: the values pass through the handle's own result (what the
        // callbacks see), and the loop's end code follows its count: END
        // (reported as SUCCESS) when it held a value, else NOTFOUND; a failing
        // callback makes SOME_ERRORS and fetching goes on.
        let mut some_errors = false;
        let end = loop {
            // Borrowed anew for each value: the callbacks run with no
            // borrow held, so they may use the handle.
            let Some(mut h) = handle(ptr) else {
                break ReturnCode::InvalidArguments;
            };
            let target = own_result(&mut h);
            if let Err(rc) = fetch_step(&mut h, target) {
                break rc;
            }
            let res = target.ptr(&mut h);
            drop(h);
            for cb in cbs.iter().flatten() {
                // SAFETY: callbacks the caller gave us, with the handle's
                // result and the caller's context.
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
}

ffi_fn_by_key! {
    /// `memcached_mget_execute`: mget (binary only); `memcached_fetch_execute` runs the callbacks.
    fn memcached_mget_execute / memcached_mget_execute_by_key(
        ptr: *mut memcached_st,
        [group, group_len],
        keys: *const *const c_char,
        key_length: *const usize,
        number_of_keys: usize,
        callback: *mut memcached_execute_fn,
        context: *mut c_void,
        number_of_callbacks: u32,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        // 1.1.4 (observed) only sends the requests here: the callbacks run
        // when the caller fetches with memcached_fetch_execute.
        let _ = (callback, context, number_of_callbacks);
        mget_impl(ptr, group, group_len, keys, key_length, number_of_keys, true)
    }
}
