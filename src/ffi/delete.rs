//! `delete.h`, `touch.h`, `exist.h`: one-key commands without a value.

use core::ffi::c_char;

use crate::core::error::{Error, ReturnCode};
use crate::ffi::handle::handle;
use crate::ffi::keyargs::group_and_key;
use crate::ffi::types::*;

/// Which command.
#[derive(Copy, Clone)]
enum Op {
    Delete(time_t),
    Touch(time_t),
    Exist,
}

/// One command on one key.
fn run(
    ptr: *mut memcached_st,
    op: Op,
    group: *const c_char,
    group_len: usize,
    key: *const c_char,
    key_len: usize,
) -> ReturnCode {
    let Some(mut h) = handle(ptr) else {
        return ReturnCode::InvalidArguments;
    };
    let (g, k) = match group_and_key(&mut h, group, group_len, key, key_len) {
        Ok(v) => v,
        Err(rc) => return rc,
    };
    let mut trigger = None;
    let r = match op {
        Op::Delete(exp) => {
            if h.callbacks.delete_trigger.is_some()
                && (h.client.behaviors.noreply || h.client.behaviors.buffer_requests)
            {
                return h.client.fail(Error::with_message(
                    ReturnCode::InvalidArguments,
                    "a delete trigger cannot be used with NOREPLY or BUFFER_REQUESTS",
                ));
            }
            let r = h.client.delete(g, k, exp);
            // As 1.1.4: the trigger runs when the server answered DELETED.
            if let Ok(ReturnCode::Success) = r
                && h.client.codec().reports_deleted()
            {
                trigger = h.callbacks.delete_trigger;
            }
            r
        }
        Op::Touch(exp) => h.client.touch(g, k, exp),
        Op::Exist => h.client.exist(g, k),
    };
    let rc = h.client.finish(r);
    drop(h);
    if let Some(f) = trigger {
        // SAFETY: a callback the caller registered, given the key, with no
        // handle borrowed (it may use the handle).
        unsafe { f(ptr, k.as_ptr().cast(), k.len()) };
    }
    rc
}

/// `memcached_delete` and `memcached_touch` (with their `_by_key` forms):
/// a key and an expiration.
macro_rules! expiring_key_fns {
    ($($name:ident / $by_key:ident => $op:ident),*) => {$(
        ffi_fn_by_key! {
            #[doc = concat!("`", stringify!($name), "`.")]
            fn $name / $by_key(
                ptr: *mut memcached_st,
                [group, group_len],
                key: *const c_char,
                key_length: usize,
                expiration: time_t,
            ) -> memcached_return_t;
            nonnull(ptr)
            {
                run(ptr, Op::$op(expiration), group, group_len, key, key_length)
            }
        }
    )*};
}

expiring_key_fns!(
    memcached_delete / memcached_delete_by_key => Delete,
    memcached_touch / memcached_touch_by_key => Touch
);

ffi_fn_by_key! {
    /// `memcached_exist`: SUCCESS if the key exists, NOTFOUND if not.
    fn memcached_exist / memcached_exist_by_key(
        memc: *mut memcached_st,
        [group, group_len],
        key: *const c_char,
        key_length: usize,
    ) -> memcached_return_t;
    nonnull(memc)
    {
        run(memc, Op::Exist, group, group_len, key, key_length)
    }
}
