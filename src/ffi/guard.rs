//! The export macro and what an export returns when it must bail out.

use core::ffi::{c_char, c_void};

use crate::core::error::ReturnCode;

/// What an exported function returns when it panicked or got a NULL
/// pointer it cannot work with.
pub trait FfiReturn: Sized {
    /// What the export's body returns (the core's code for
    /// `memcached_return_t`, the type itself otherwise).
    type Body: Into<Self>;
    /// The value after a caught panic.
    fn on_panic() -> Self;
    /// The value for a refused NULL argument.
    fn on_null() -> Self;
}

impl FfiReturn for ReturnCode {
    type Body = ReturnCode;
    fn on_panic() -> Self {
        ReturnCode::Failure
    }
    fn on_null() -> Self {
        ReturnCode::InvalidArguments
    }
}

impl<T> FfiReturn for *mut T {
    type Body = Self;
    fn on_panic() -> Self {
        core::ptr::null_mut()
    }
    fn on_null() -> Self {
        core::ptr::null_mut()
    }
}

impl<T> FfiReturn for *const T {
    type Body = Self;
    fn on_panic() -> Self {
        core::ptr::null()
    }
    fn on_null() -> Self {
        core::ptr::null()
    }
}

macro_rules! zero_return {
    ($($t:ty),*) => {$(
        impl FfiReturn for $t {
            type Body = Self;
            fn on_panic() -> Self { Default::default() }
            fn on_null() -> Self { Default::default() }
        }
    )*};
}
zero_return!((), bool, u8, u16, u32, u64, i32, i64, usize);

impl FfiReturn for Option<unsafe extern "C" fn()> {
    type Body = Self;
    fn on_panic() -> Self {
        None
    }
    fn on_null() -> Self {
        None
    }
}

/// Test-only trigger: while set, every export panics inside its guard
/// (tests/panics.rs proves the panic never reaches the caller).
#[doc(hidden)]
pub static PANIC_TRIGGER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Run an export body, turning a panic into `R::on_panic()`.
#[inline]
pub fn catch<R: FfiReturn>(f: impl FnOnce() -> R) -> R {
    let guarded = || {
        if PANIC_TRIGGER.load(std::sync::atomic::Ordering::Relaxed) {
            panic!("test-only panic trigger");
        }
        f()
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(guarded)) {
        Ok(v) => v,
        Err(_) => R::on_panic(),
    }
}

/// Define an exported C function.
///
/// ```ignore
/// ffi_fn! {
///     /// docs
///     fn memcached_foo(ptr: *mut memcached_st, n: u32) -> memcached_return_t;
///     nonnull(ptr)
///     { ... body ... }
/// }
/// ```
/// Each argument listed in `nonnull(...)` is checked first; the body runs
/// inside `catch_unwind`. Unsafe operations in the body need their own
/// `unsafe {}` block with a `// SAFETY:` comment.
macro_rules! ffi_fn {
    (
        $(#[$attr:meta])*
        fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty;
        nonnull( $($nn:ident),* )
        $body:block
    ) => {
        $(#[$attr])*
        #[unsafe(no_mangle)]
        pub extern "C" fn $name( $($arg : $ty),* ) -> $ret {
            $(
                if $nn.is_null() {
                    return <$ret as $crate::ffi::guard::FfiReturn>::on_null();
                }
            )*
            $crate::ffi::guard::catch(move || -> <$ret as $crate::ffi::guard::FfiReturn>::Body { $body }).into()
        }
    };
    (
        $(#[$attr:meta])*
        fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? );
        nonnull( $($nn:ident),* )
        $body:block
    ) => {
        $(#[$attr])*
        #[unsafe(no_mangle)]
        pub extern "C" fn $name( $($arg : $ty),* ) {
            $(
                if $nn.is_null() {
                    return;
                }
            )*
            $crate::ffi::guard::catch(move || { $body })
        }
    };
}

/// Define an export and its `_by_key` twin, which takes a master key
/// (`group_key`, `group_key_length`) choosing the server right after the
/// handle. The body sees the master key as `$group`/`$group_len`: NULL and
/// 0 in the plain export. An argument written `name: T | U` has type `T` in
/// the plain export and `U` in the `_by_key` one (1.1.4's increments take a
/// 32-bit offset, their `_by_key` forms a 64-bit one).
///
/// ```ignore
/// ffi_fn_by_key! {
///     /// docs
///     fn memcached_foo / memcached_foo_by_key(ptr: *mut memcached_st, [group, group_len], key: *const c_char)
///         -> memcached_return_t;
///     nonnull(ptr)
///     { ... body ... }
/// }
/// ```
macro_rules! ffi_fn_by_key {
    (@by_key_type $ty:ty) => { $ty };
    (@by_key_type $ty:ty, $kty:ty) => { $kty };
    (
        $(#[$attr:meta])*
        fn $name:ident / $by_key:ident (
            $ptr:ident : $pty:ty, [$group:ident, $group_len:ident]
            $(, $arg:ident : $ty:ty $(| $kty:ty)?)* $(,)?
        ) -> $ret:ty;
        nonnull( $($nn:ident),* )
        $body:block
    ) => {
        ffi_fn! {
            $(#[$attr])*
            fn $name($ptr: $pty $(, $arg: $ty)*) -> $ret;
            nonnull($($nn),*)
            {
                let ($group, $group_len): (*const core::ffi::c_char, usize) = (core::ptr::null(), 0);
                $body
            }
        }
        ffi_fn! {
            $(#[$attr])*
            ///
            /// The `_by_key` form: `group_key` chooses the server.
            fn $by_key(
                $ptr: $pty,
                $group: *const core::ffi::c_char,
                $group_len: usize
                $(, $arg: ffi_fn_by_key!(@by_key_type $ty $(, $kty)?))*
            ) -> $ret;
            nonnull($($nn),*)
            $body
        }
    };
}

// The argument helpers below are safe functions over raw pointers, as in
// rustls-ffi: every export takes its pointer arguments under the C API's
// contract (NULL, or valid for what the argument names: `len` bytes, a
// NUL-terminated string, a writable `T`, a struct the caller owns), and
// these helpers are the only places that rely on it. Export bodies call
// them and stay safe code.

/// A byte slice from a C pointer and length; `None` when the pointer is
/// NULL and the length is not zero.
pub fn bytes<'a>(ptr: *const c_char, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Some(&[]) } else { None };
    }
    // SAFETY: the C API contract: a non-NULL pointer with a length points
    // to that many readable bytes, unchanged during the call.
    Some(unsafe { core::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// An array argument (keys, lengths, callbacks) of `n` entries; `None`
/// when the pointer is NULL and `n` is not zero.
pub fn array<'a, T: Copy>(ptr: *const T, n: usize) -> Option<&'a [T]> {
    if ptr.is_null() {
        return if n == 0 { Some(&[]) } else { None };
    }
    // SAFETY: the C API contract: a non-NULL array argument with a count
    // holds that many initialised entries, unchanged during the call.
    Some(unsafe { core::slice::from_raw_parts(ptr, n) })
}

/// A writable byte buffer from a C pointer and length (`None` for NULL).
pub fn bytes_mut<'a>(ptr: *mut c_char, len: usize) -> Option<&'a mut [u8]> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the C API contract: a non-NULL buffer argument with a length
    // is that many writable bytes the caller does not touch during the call.
    Some(unsafe { core::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) })
}

/// A NUL-terminated C string as bytes (without the NUL); `None` for NULL.
pub fn cstr<'a>(ptr: *const c_char) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the C API contract: a non-NULL string argument is
    // NUL-terminated and unchanged during the call.
    Some(unsafe { core::ffi::CStr::from_ptr(ptr) }.to_bytes())
}

/// Write a code through an optional `memcached_return_t *`.
pub fn put_code(
    ptr: *mut crate::ffi::types::memcached_return_t,
    code: crate::core::error::ReturnCode,
) {
    put(ptr, code.into());
}

/// Write through an optional out-pointer.
pub fn put<T>(ptr: *mut T, v: T) {
    if !ptr.is_null() {
        // SAFETY: the C API contract: a non-NULL out-pointer is valid for a
        // write of its type.
        unsafe { ptr.write(v) };
    }
}

/// The C structs callers own and hand us pointers to (results, server
/// lists, stats, hashkits, …): only these may be borrowed from a pointer.
///
/// # Safety
/// Implement only for `#[repr(C)]` mirrors of 1.1.4's public structs, for
/// which every bit pattern the C side can produce is a valid value.
pub unsafe trait CStruct {}

/// Borrow a caller's struct (`None` for NULL).
pub fn c_ref<'a, T: CStruct>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: the C API contract: a non-NULL struct pointer points to an
    // initialised struct of its type that no one else writes during the
    // call (`CStruct` types are plain C data).
    unsafe { ptr.as_ref() }
}

/// Borrow a caller's struct mutably (`None` for NULL).
pub fn c_mut<'a, T: CStruct>(ptr: *mut T) -> Option<&'a mut T> {
    // SAFETY: as `c_ref`, and the struct is not read or written by anyone
    // else during the call.
    unsafe { ptr.as_mut() }
}

/// A raw `void*` that may cross threads inside closures (the C caller owns
/// its meaning).
#[derive(Copy, Clone, Debug)]
pub struct RawCtx(pub *mut c_void);
// SAFETY: the pointer is only handed back to the C code that gave it to us.
unsafe impl Send for RawCtx {}
// SAFETY: as above; we never dereference it.
unsafe impl Sync for RawCtx {}
