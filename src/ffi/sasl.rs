//! `sasl.h`: SASL credentials and callbacks of a handle.
//!
//! The credentials live in the core client (`Client::sasl`), which
//! authenticates every new connection natively (see `core::sasl`); no Cyrus
//! plugin is involved. This module translates the C API:
//! - `memcached_set_sasl_auth_data` stores a copy of the user name and
//!   password and turns the binary protocol on (closing connections), as
//!   1.1.4 does.
//! - `memcached_set_sasl_callbacks` keeps the caller's Cyrus-style
//!   `sasl_callback_t` array; the core asks it for the user name
//!   (`SASL_CB_AUTHNAME`, else `SASL_CB_USER`) and the password
//!   (`SASL_CB_PASS`) each time it connects, calling the callbacks with
//!   Cyrus's signatures.
//! - `memcached_get_sasl_callbacks` returns the caller's array, or, after
//!   `memcached_set_sasl_auth_data`, an array of our own built on demand
//!   that answers USER, AUTHNAME and PASS like 1.1.4's.
//! - `memcached_destroy_sasl_auth_data` forgets (and wipes) everything.
//! - `memcached_clone` gives the clone a copy of what the caller's
//!   callbacks say at that moment (1.1.4 copies the array), never the
//!   array itself, which the caller may free while the clone lives.

use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use std::fmt;

use zeroize::Zeroize;

use crate::core::behavior::id;
use crate::core::error::{Error, Result, ReturnCode};
use crate::core::sasl::{Credentials, SaslCredentials, Secret};
use crate::ffi::guard::cstr;
use crate::ffi::handle::{handle, sync_mirror};
use crate::ffi::types::*;

/// Cyrus callback ids.
pub const SASL_CB_LIST_END: c_ulong = 0;
pub const SASL_CB_USER: c_ulong = 0x4001;
pub const SASL_CB_AUTHNAME: c_ulong = 0x4002;
pub const SASL_CB_PASS: c_ulong = 0x4004;
/// Cyrus result codes.
const SASL_OK: c_int = 0;
const SASL_BADPARAM: c_int = -7;
/// The longest callback array walked (it must end with `SASL_CB_LIST_END`).
const MAX_CALLBACKS: usize = 256;
/// The longest password accepted from a `SASL_CB_PASS` callback.
const MAX_SECRET: c_ulong = 1 << 20;

/// Cyrus `sasl_secret_t`: `{ unsigned long len; unsigned char data[1]; }`.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct sasl_secret_t {
    pub len: c_ulong,
    pub data: [u8; 1],
}

/// `int (*)(void *context, int id, const char **result, unsigned *len)`.
type GetSimpleFn =
    unsafe extern "C" fn(*mut c_void, c_int, *mut *const c_char, *mut c_uint) -> c_int;
/// `int (*)(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)`.
type GetSecretFn =
    unsafe extern "C" fn(*mut c_void, *mut c_void, c_int, *mut *mut sasl_secret_t) -> c_int;

/// The SASL part of a handle.
#[derive(Debug, Default)]
pub struct Sasl {
    /// The caller's array from `memcached_set_sasl_callbacks` (0 when none).
    pub callbacks: usize,
    /// Our own array for `memcached_get_sasl_callbacks` after
    /// `memcached_set_sasl_auth_data`, built when first asked for.
    own: Option<Box<OwnCallbacks>>,
}

impl Sasl {
    /// Forget the callback arrays (the core's credentials are separate).
    pub fn reset(&mut self) {
        self.callbacks = 0;
        self.own = None;
    }
}

/// A Cyrus-style callback array describing fixed credentials, laid out as
/// 1.1.4 builds it in `memcached_set_sasl_auth_data`: USER and AUTHNAME
/// with the NUL-terminated user name as context, PASS with the
/// `sasl_secret_t` as context (callers read them there). Boxed, so the
/// contexts stay valid. Wiped when dropped.
struct OwnCallbacks {
    array: [sasl_callback_t; 4],
    /// The user name, NUL-terminated.
    user: Vec<u8>,
    /// A `sasl_secret_t` (length word, then the password and a NUL) in
    /// words, so it is aligned for `unsigned long`.
    secret: Vec<c_ulong>,
}

impl fmt::Debug for OwnCallbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnCallbacks(<redacted>)")
    }
}

impl Drop for OwnCallbacks {
    fn drop(&mut self) {
        self.user.zeroize();
        self.secret.zeroize();
    }
}

impl OwnCallbacks {
    fn new(c: &Credentials) -> Box<OwnCallbacks> {
        let user_bytes = c.user.as_bytes();
        let mut user = Vec::with_capacity(user_bytes.len() + 1);
        user.extend_from_slice(user_bytes);
        user.push(0);
        let pass = c.password.as_bytes();
        let word = size_of::<c_ulong>();
        let mut secret = Vec::with_capacity(1 + (pass.len() + 1).div_ceil(word));
        secret.push(pass.len() as c_ulong);
        for chunk in pass.chunks(word) {
            let mut w = [0u8; size_of::<c_ulong>()];
            w[..chunk.len()].copy_from_slice(chunk);
            secret.push(c_ulong::from_ne_bytes(w));
            w.zeroize();
        }
        if pass.len().is_multiple_of(word) {
            secret.push(0); // the terminating NUL
        }
        // SAFETY: Cyrus stores every callback as `int (*)(void)` and callers
        // cast it back to the signature its id prescribes; these have
        // exactly those signatures.
        let (user_fn, pass_fn) = unsafe {
            (
                core::mem::transmute::<GetSimpleFn, unsafe extern "C" fn() -> c_int>(own_user),
                core::mem::transmute::<GetSecretFn, unsafe extern "C" fn() -> c_int>(own_pass),
            )
        };
        let entry = |id, proc_| sasl_callback_t {
            id,
            proc_,
            context: core::ptr::null_mut(),
        };
        let mut own = Box::new(OwnCallbacks {
            array: [
                entry(SASL_CB_USER, Some(user_fn)),
                entry(SASL_CB_AUTHNAME, Some(user_fn)),
                entry(SASL_CB_PASS, Some(pass_fn)),
                entry(SASL_CB_LIST_END, None),
            ],
            user,
            secret,
        });
        let user_ctx = own.user.as_ptr().cast_mut().cast::<c_void>();
        let secret_ctx = own.secret.as_ptr().cast_mut().cast::<c_void>();
        own.array[0].context = user_ctx;
        own.array[1].context = user_ctx;
        own.array[2].context = secret_ctx;
        own
    }
}

/// Our USER/AUTHNAME callback: the user name its context points to.
unsafe extern "C" fn own_user(
    context: *mut c_void,
    _id: c_int,
    result: *mut *const c_char,
    len: *mut c_uint,
) -> c_int {
    if context.is_null() || result.is_null() {
        return SASL_BADPARAM;
    }
    let user = cstr(context.cast::<c_char>()).unwrap_or(&[]);
    // SAFETY: `result` is writable (checked non-NULL); `len` NULL or writable.
    unsafe {
        *result = context.cast::<c_char>();
        if !len.is_null() {
            *len = user.len() as c_uint;
        }
    }
    SASL_OK
}

/// Our PASS callback: the stored `sasl_secret_t`.
unsafe extern "C" fn own_pass(
    _conn: *mut c_void,
    context: *mut c_void,
    _id: c_int,
    psecret: *mut *mut sasl_secret_t,
) -> c_int {
    if context.is_null() || psecret.is_null() {
        return SASL_BADPARAM;
    }
    // SAFETY: `psecret` is writable; our own arrays carry a `sasl_secret_t`.
    unsafe { *psecret = context.cast() };
    SASL_OK
}

fn problem(msg: impl Into<String>) -> Error {
    Error::with_message(ReturnCode::AuthProblem, msg)
}

/// Read the user name and password from a caller's callback array.
///
/// # Safety
/// `array` must point to `sasl_callback_t` entries ending with
/// `SASL_CB_LIST_END`, whose procedures have Cyrus's signatures for their ids.
unsafe fn read_callbacks(array: *const sasl_callback_t) -> Result<Credentials> {
    let (mut user_cb, mut authname_cb, mut pass_cb) = (None, None, None);
    for i in 0..MAX_CALLBACKS {
        // SAFETY: the array is valid up to its LIST_END entry.
        let e = unsafe { &*array.add(i) };
        match e.id {
            SASL_CB_LIST_END => break,
            SASL_CB_USER => user_cb = user_cb.or(e.proc_.map(|p| (p, e.context))),
            SASL_CB_AUTHNAME => authname_cb = authname_cb.or(e.proc_.map(|p| (p, e.context))),
            SASL_CB_PASS => pass_cb = pass_cb.or(e.proc_.map(|p| (p, e.context))),
            _ => {}
        }
        if i + 1 == MAX_CALLBACKS {
            return Err(problem(format!(
                "the SASL callback array has no SASL_CB_LIST_END within {MAX_CALLBACKS} entries"
            )));
        }
    }
    let ((name_fn, name_ctx), name_id) = match (authname_cb, user_cb) {
        (Some(cb), _) => (cb, SASL_CB_AUTHNAME),
        (None, Some(cb)) => (cb, SASL_CB_USER),
        (None, None) => {
            return Err(problem(
                "the SASL callbacks have no SASL_CB_AUTHNAME or SASL_CB_USER entry",
            ));
        }
    };
    let Some((pass_fn, pass_ctx)) = pass_cb else {
        return Err(problem("the SASL callbacks have no SASL_CB_PASS entry"));
    };
    // SAFETY: the entry's procedure has the AUTHNAME/USER signature.
    let name_fn =
        unsafe { core::mem::transmute::<unsafe extern "C" fn() -> c_int, GetSimpleFn>(name_fn) };
    // SAFETY: the entry's procedure has the PASS signature.
    let pass_fn =
        unsafe { core::mem::transmute::<unsafe extern "C" fn() -> c_int, GetSecretFn>(pass_fn) };

    let mut result: *const c_char = core::ptr::null();
    let mut len: c_uint = 0;
    // SAFETY: calling the caller's callback with valid out-pointers.
    let rc = unsafe { name_fn(name_ctx, name_id as c_int, &mut result, &mut len) };
    if rc != SASL_OK || result.is_null() {
        return Err(problem(format!(
            "the SASL user name callback failed (result {rc})"
        )));
    }
    let user = if len == 0 {
        cstr(result).unwrap_or(&[])
    } else {
        // SAFETY: the callback says `len` bytes are readable at `result`.
        unsafe { core::slice::from_raw_parts(result.cast::<u8>(), len as usize) }
    };
    let user = Secret::new(user);

    let mut secret: *mut sasl_secret_t = core::ptr::null_mut();
    // SAFETY: calling the caller's callback; Cyrus would pass its
    // connection, which this library does not have (NULL).
    let rc = unsafe {
        pass_fn(
            core::ptr::null_mut(),
            pass_ctx,
            SASL_CB_PASS as c_int,
            &mut secret,
        )
    };
    if rc != SASL_OK || secret.is_null() {
        return Err(problem(format!(
            "the SASL password callback failed (result {rc})"
        )));
    }
    // SAFETY: a `sasl_secret_t` from the callback.
    let n = unsafe { (*secret).len };
    if n > MAX_SECRET {
        return Err(problem(
            "the SASL password callback returned an oversized secret",
        ));
    }
    // SAFETY: the secret holds `len` bytes from `data`.
    let pass = unsafe {
        core::slice::from_raw_parts(core::ptr::addr_of!((*secret).data).cast::<u8>(), n as usize)
    };
    Ok(Credentials {
        user,
        password: Secret::new(pass),
    })
}

/// The SASL settings a clone gets: as 1.1.4, never the caller's callback
/// array itself (which may be gone by the time the clone connects), but a
/// copy of what it says now.
pub fn clone_credentials(src: &Sasl) -> Option<SaslCredentials> {
    if src.callbacks == 0 {
        return None;
    }
    // SAFETY: the caller keeps its array valid while it is set.
    match unsafe { read_callbacks(src.callbacks as *const sasl_callback_t) } {
        Ok(c) => Some(SaslCredentials::Fixed(c)),
        Err(e) => Some(SaslCredentials::from_provider(move || Err(e.clone()))),
    }
}

ffi_fn! {
    /// `memcached_set_sasl_auth_data`: store a copy of the credentials and
    /// turn the binary protocol on (which closes open connections).
    fn memcached_set_sasl_auth_data(ptr: *mut memcached_st, username: *const c_char, password: *const c_char)
        -> memcached_return_t;
    nonnull(ptr, username, password)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let (u, p) = (cstr(username).unwrap_or(&[]), cstr(password).unwrap_or(&[]));
        if let Err(e) = h.client.behavior_set(id::BINARY_PROTOCOL, 1) {
            return h.client.fail(e);
        }
        // Replacing the old value drops (and wipes) it.
        h.client.sasl = Some(SaslCredentials::new(u, p));
        h.sasl.reset();
        sync_mirror(&mut h);
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_destroy_sasl_auth_data`: forget and wipe the credentials
    /// and callbacks. Connections already authenticated stay open.
    fn memcached_destroy_sasl_auth_data(ptr: *mut memcached_st) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        h.client.sasl = None;
        h.sasl.reset();
        ReturnCode::Success
    }
}

ffi_fn! {
    /// `memcached_set_sasl_callbacks`: authenticate with the user name and
    /// password the caller's callbacks give at each connect. The array must
    /// stay valid while it is set (as in 1.1.4). NULL removes it.
    fn memcached_set_sasl_callbacks(ptr: *mut memcached_st, callbacks: *const sasl_callback_t);
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return };
        h.sasl.reset();
        if callbacks.is_null() {
            h.client.sasl = None;
            return;
        }
        let array = callbacks as usize;
        h.client.sasl = Some(SaslCredentials::from_provider(move || {
            // SAFETY: the caller keeps the array valid while it is set.
            unsafe { read_callbacks(array as *const sasl_callback_t) }
        }));
        h.sasl.callbacks = array;
    }
}

ffi_fn! {
    /// `memcached_get_sasl_callbacks`: the caller's array, our own after
    /// `memcached_set_sasl_auth_data`, or NULL.
    fn memcached_get_sasl_callbacks(ptr: *mut memcached_st) -> *mut sasl_callback_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return core::ptr::null_mut() };
        let h: &mut crate::ffi::handle::Handle = &mut h;
        if h.sasl.callbacks != 0 {
            return h.sasl.callbacks as *mut sasl_callback_t;
        }
        let Some(creds) = h.client.sasl.as_ref().and_then(SaslCredentials::fixed) else {
            return core::ptr::null_mut();
        };
        let own = h.sasl.own.get_or_insert_with(|| OwnCallbacks::new(creds));
        own.array.as_mut_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_array_round_trips_through_cyrus_signatures() {
        for pass in [&b""[..], b"1234567", b"12345678", b"a longer password!"] {
            let mut own = OwnCallbacks::new(&Credentials::new(b"user1", pass));
            let array = own.array.as_mut_ptr();
            let expected = Credentials::new(b"user1", pass);
            // SAFETY: our own array, alive for the call.
            let got = unsafe { read_callbacks(array) }.expect("readable");
            assert!(got == expected);
        }
    }

    #[test]
    fn missing_entries_are_auth_problems() {
        let end = sasl_callback_t {
            id: SASL_CB_LIST_END,
            proc_: None,
            context: core::ptr::null_mut(),
        };
        let array = [end];
        // SAFETY: a one-entry array ending with LIST_END.
        let e = unsafe { read_callbacks(array.as_ptr()) }.unwrap_err();
        assert_eq!(e.code, ReturnCode::AuthProblem);
    }
}
