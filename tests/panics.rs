//! A panic inside an export is caught at the C boundary: with the
//! test-only trigger set, exports return MEMCACHED_FAILURE, NULL or 0
//! instead of unwinding into their caller, and work again once it is off.

use std::ffi::CString;
use std::sync::atomic::Ordering;

use memcached::core::error::ReturnCode;
use memcached::ffi::guard::PANIC_TRIGGER;

#[test]
fn panics_inside_exports_never_unwind_into_the_caller() {
    // Keep the default hook quiet for the expected panics.
    std::panic::set_hook(Box::new(|_| {}));
    let m = memcached::ffi::memcached::memcached_create(std::ptr::null_mut());
    assert!(!m.is_null());
    let host = CString::new("127.0.0.1").unwrap();
    PANIC_TRIGGER.store(true, Ordering::Relaxed);
    assert!(memcached::ffi::memcached::memcached_create(std::ptr::null_mut()).is_null());
    assert_eq!(
        memcached::ffi::server::memcached_server_add(m, host.as_ptr(), 1),
        ReturnCode::Failure
    );
    assert_eq!(
        memcached::ffi::storage::memcached_set(m, c"k".as_ptr(), 1, c"v".as_ptr(), 1, 0, 0),
        ReturnCode::Failure
    );
    let mut len = 0usize;
    let mut flags = 0u32;
    let mut rc: memcached::ffi::types::memcached_return_t = ReturnCode::Success.into();
    let v = memcached::ffi::get::memcached_get(m, c"k".as_ptr(), 1, &mut len, &mut flags, &mut rc);
    assert!(v.is_null());
    assert_eq!(memcached::ffi::server::memcached_server_count(m), 0);
    assert!(memcached::ffi::memcached::memcached_strerror(m, 0).is_null());
    PANIC_TRIGGER.store(false, Ordering::Relaxed);
    // The handle is still usable.
    assert_eq!(
        memcached::ffi::server::memcached_server_add(m, host.as_ptr(), 1),
        ReturnCode::Success
    );
    assert_eq!(memcached::ffi::server::memcached_server_count(m), 1);
    memcached::ffi::memcached::memcached_free(m);

    let _ = std::panic::take_hook();
}
