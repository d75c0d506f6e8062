//! The export macro and what an export returns when it must bail out.

use core::ffi::{c_char, c_void};

use crate::core::error::ReturnCode;

/// What an exported function returns when it panicked or got a NULL
/// pointer it cannot work with.
pub trait FfiReturn {
    /// The value after a caught panic.
    fn on_panic() -> Self;
    /// The value for a refused NULL argument.
    fn on_null() -> Self;
}

impl FfiReturn for ReturnCode {
    fn on_panic() -> Self {
        ReturnCode::Failure
    }
    fn on_null() -> Self {
        ReturnCode::InvalidArguments
    }
}

impl<T> FfiReturn for *mut T {
    fn on_panic() -> Self {
        core::ptr::null_mut()
    }
    fn on_null() -> Self {
        core::ptr::null_mut()
    }
}

impl<T> FfiReturn for *const T {
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
            fn on_panic() -> Self { Default::default() }
            fn on_null() -> Self { Default::default() }
        }
    )*};
}
zero_return!((), bool, u8, u16, u32, u64, i32, i64, usize);

impl FfiReturn for Option<unsafe extern "C" fn()> {
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
        #[allow(clippy::missing_safety_doc)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name( $($arg : $ty),* ) -> $ret {
            $(
                if $nn.is_null() {
                    return <$ret as $crate::ffi::guard::FfiReturn>::on_null();
                }
            )*
            $crate::ffi::guard::catch(move || -> $ret { $body })
        }
    };
    (
        $(#[$attr:meta])*
        fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? );
        nonnull( $($nn:ident),* )
        $body:block
    ) => {
        $(#[$attr])*
        #[allow(clippy::missing_safety_doc)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name( $($arg : $ty),* ) {
            $(
                if $nn.is_null() {
                    return;
                }
            )*
            $crate::ffi::guard::catch(move || { $body })
        }
    };
}

/// A byte slice from a C pointer and length; `None` when the pointer is
/// NULL and the length is not zero.
///
/// # Safety
/// When non-NULL, `ptr` must point to `len` readable bytes that stay valid
/// and unmodified for `'a`.
pub unsafe fn bytes<'a>(ptr: *const c_char, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Some(&[]) } else { None };
    }
    // SAFETY: the caller guarantees `len` readable bytes at `ptr`.
    Some(unsafe { core::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// A NUL-terminated C string as bytes (without the NUL); `None` for NULL.
///
/// # Safety
/// When non-NULL, `ptr` must point to a NUL-terminated string valid for `'a`.
pub unsafe fn cstr<'a>(ptr: *const c_char) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees a NUL-terminated string.
    Some(unsafe { core::ffi::CStr::from_ptr(ptr) }.to_bytes())
}

/// Write through an optional out-pointer.
///
/// # Safety
/// When non-NULL, `ptr` must be valid for a write of `T`.
pub unsafe fn put<T>(ptr: *mut T, v: T) {
    if !ptr.is_null() {
        // SAFETY: non-NULL and valid for writes per the caller.
        unsafe { ptr.write(v) };
    }
}

/// A raw `void*` that may cross threads inside closures (the C caller owns
/// its meaning).
#[derive(Copy, Clone, Debug)]
pub struct RawCtx(pub *mut c_void);
// SAFETY: the pointer is only handed back to the C code that gave it to us.
unsafe impl Send for RawCtx {}
// SAFETY: as above; we never dereference it.
unsafe impl Sync for RawCtx {}
