//! The C-visible types: structs with 1.1.4's sizes (and, where callers read
//! fields, its offsets), enums passed as raw integers, and callback typedefs.
//!
//! Names follow the C spelling so that cbindgen's prototypes of our exports
//! use the same type names as the headers in `include/`.
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_void};

use crate::core::error::ReturnCode;

/// `memcached_return_t`: a core [`ReturnCode`] as the C value, in both
/// directions (a value from C may be anything; [`memcached_return_t::code`]
/// tells whether it is one of 1.1.4's).
#[repr(transparent)]
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct memcached_return_t(pub c_int);

/// The C numbering of the core's codes (ABI: values never move), in one
/// list that gives both directions.
macro_rules! return_values {
    ($($code:ident = $value:literal),* $(,)?) => {
        /// The codes in C order (index = value).
        const CODES: &[ReturnCode] = &[$(ReturnCode::$code),*];

        impl From<ReturnCode> for memcached_return_t {
            #[inline]
            fn from(code: ReturnCode) -> Self {
                memcached_return_t(match code {
                    $(ReturnCode::$code => $value,)*
                })
            }
        }

        #[cfg(test)]
        #[test]
        fn return_values_are_dense_and_round_trip() {
            let values: &[c_int] = &[$($value),*];
            assert!(values.iter().enumerate().all(|(i, v)| i as c_int == *v));
            for c in CODES {
                assert_eq!(memcached_return_t::from(*c).code(), Some(*c));
            }
            assert_eq!(memcached_return_t::from(ReturnCode::Timeout).0, 31);
            assert_eq!(memcached_return_t::from(ReturnCode::MaximumReturn).0, 49);
            assert_eq!(memcached_return_t(50).code(), None);
            assert_eq!(memcached_return_t(-1).code(), None);
        }
    };
}

return_values! {
    Success = 0,
    Failure = 1,
    HostLookupFailure = 2,
    ConnectionFailure = 3,
    ConnectionBindFailure = 4,
    WriteFailure = 5,
    ReadFailure = 6,
    UnknownReadFailure = 7,
    ProtocolError = 8,
    ClientError = 9,
    ServerError = 10,
    Error = 11,
    DataExists = 12,
    DataDoesNotExist = 13,
    Notstored = 14,
    Stored = 15,
    Notfound = 16,
    MemoryAllocationFailure = 17,
    PartialRead = 18,
    SomeErrors = 19,
    NoServers = 20,
    End = 21,
    Deleted = 22,
    Value = 23,
    Stat = 24,
    Item = 25,
    Errno = 26,
    FailUnixSocket = 27,
    NotSupported = 28,
    NoKeyProvided = 29,
    FetchNotfinished = 30,
    Timeout = 31,
    Buffered = 32,
    BadKeyProvided = 33,
    InvalidHostProtocol = 34,
    ServerMarkedDead = 35,
    UnknownStatKey = 36,
    E2Big = 37,
    InvalidArguments = 38,
    KeyTooBig = 39,
    AuthProblem = 40,
    AuthFailure = 41,
    AuthContinue = 42,
    ParseError = 43,
    ParseUserError = 44,
    Deprecated = 45,
    InProgress = 46,
    ServerTemporarilyDisabled = 47,
    ServerMemoryAllocationFailure = 48,
    MaximumReturn = 49
}

impl memcached_return_t {
    /// The core code of a value, `None` when it is not one of 1.1.4's.
    pub fn code(self) -> Option<ReturnCode> {
        usize::try_from(self.0)
            .ok()
            .and_then(|i| CODES.get(i).copied())
    }

    /// `memcached_strerror`'s text for any value, out-of-range ones too.
    pub fn text(self) -> &'static str {
        self.code().unwrap_or(ReturnCode::MaximumReturn).text()
    }

    /// The core code (an unknown value counts as FAILURE).
    pub fn status(self) -> ReturnCode {
        self.code().unwrap_or(ReturnCode::Failure)
    }

    /// `memcached_failed()` of a value from C (unknown values fail).
    pub fn is_failed(self) -> bool {
        self.code().is_none_or(ReturnCode::is_failed)
    }
}

impl core::fmt::Debug for memcached_return_t {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.code() {
            Some(c) => write!(f, "{c:?}"),
            None => write!(f, "memcached_return_t({})", self.0),
        }
    }
}

impl PartialEq<ReturnCode> for memcached_return_t {
    fn eq(&self, other: &ReturnCode) -> bool {
        *self == memcached_return_t::from(*other)
    }
}

impl PartialEq<memcached_return_t> for ReturnCode {
    fn eq(&self, other: &memcached_return_t) -> bool {
        memcached_return_t::from(*self) == *other
    }
}

impl crate::ffi::guard::FfiReturn for memcached_return_t {
    type Body = ReturnCode;
    fn on_panic() -> Self {
        ReturnCode::Failure.into()
    }
    fn on_null() -> Self {
        ReturnCode::InvalidArguments.into()
    }
}
/// `memcached_return_t` received from C (a raw value: C may pass anything).
pub type memcached_return_raw = u32;
/// `memcached_behavior_t`, read from C as a raw value.
pub type memcached_behavior_t = u32;
/// `memcached_callback_t`, raw.
pub type memcached_callback_t = u32;
/// `memcached_hash_t`, raw.
pub type memcached_hash_t = u32;
/// `memcached_server_distribution_t`, raw.
pub type memcached_server_distribution_t = u32;
/// `memcached_connection_t`, raw.
pub type memcached_connection_t = u32;
/// `hashkit_hash_algorithm_t`, raw.
pub type hashkit_hash_algorithm_t = u32;
/// `hashkit_distribution_t`, raw.
pub type hashkit_distribution_t = u32;
/// `hashkit_return_t`, raw.
pub type hashkit_return_t = u32;
/// `in_port_t`.
pub type in_port_t = u16;
/// `time_t` on x86_64 Linux.
pub type time_t = libc::time_t;

/// `hashkit_hash_fn`.
pub type hashkit_hash_fn = Option<unsafe extern "C" fn(*const c_char, usize, *mut c_void) -> u32>;

/// `memcached_malloc_fn`.
pub type memcached_malloc_fn =
    Option<unsafe extern "C" fn(*const memcached_st, usize, *mut c_void) -> *mut c_void>;
/// `memcached_free_fn`.
pub type memcached_free_fn =
    Option<unsafe extern "C" fn(*const memcached_st, *mut c_void, *mut c_void)>;
/// `memcached_realloc_fn`.
pub type memcached_realloc_fn = Option<
    unsafe extern "C" fn(*const memcached_st, *mut c_void, usize, *mut c_void) -> *mut c_void,
>;
/// `memcached_calloc_fn`.
pub type memcached_calloc_fn =
    Option<unsafe extern "C" fn(*const memcached_st, usize, usize, *mut c_void) -> *mut c_void>;

/// `memcached_clone_fn`.
pub type memcached_clone_fn =
    Option<unsafe extern "C" fn(*mut memcached_st, *const memcached_st) -> memcached_return_t>;
/// `memcached_cleanup_fn`.
pub type memcached_cleanup_fn =
    Option<unsafe extern "C" fn(*const memcached_st) -> memcached_return_t>;
/// `memcached_execute_fn`.
pub type memcached_execute_fn = Option<
    unsafe extern "C" fn(
        *const memcached_st,
        *mut memcached_result_st,
        *mut c_void,
    ) -> memcached_return_t,
>;
/// `memcached_server_fn`.
pub type memcached_server_fn = Option<
    unsafe extern "C" fn(
        *const memcached_st,
        *const memcached_instance_st,
        *mut c_void,
    ) -> memcached_return_t,
>;
/// `memcached_stat_fn`.
pub type memcached_stat_fn = Option<
    unsafe extern "C" fn(
        *const memcached_instance_st,
        *const c_char,
        usize,
        *const c_char,
        usize,
        *mut c_void,
    ) -> memcached_return_t,
>;
/// `memcached_dump_fn`.
pub type memcached_dump_fn = Option<
    unsafe extern "C" fn(
        *const memcached_st,
        *const c_char,
        usize,
        *mut c_void,
    ) -> memcached_return_t,
>;
/// `memcached_trigger_key_fn` (GET_FAILURE callback).
pub type memcached_trigger_key_fn = Option<
    unsafe extern "C" fn(
        *const memcached_st,
        *const c_char,
        usize,
        *mut memcached_result_st,
    ) -> memcached_return_t,
>;
/// `memcached_trigger_delete_key_fn` (DELETE_TRIGGER callback).
pub type memcached_trigger_delete_key_fn =
    Option<unsafe extern "C" fn(*const memcached_st, *const c_char, usize) -> memcached_return_t>;

/// Opaque per-server object (`memcached_instance_st`): a `core::server::Server`.
#[repr(C)]
pub struct memcached_instance_st {
    _private: [u8; 0],
}

/// Cyrus `sasl_callback_t` (only passed through).
#[repr(C)]
pub struct sasl_callback_t {
    pub id: libc::c_ulong,
    pub proc_: Option<unsafe extern "C" fn() -> c_int>,
    pub context: *mut c_void,
}

/// One hash function slot of `hashkit_st`.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct hashkit_function_st {
    pub function: hashkit_hash_fn,
    pub context: *mut c_void,
}

/// `hashkit_st` (48 bytes): a real libhashkit object; the function pointers
/// are our built-in algorithms or the caller's custom function.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct hashkit_st {
    pub base_hash: hashkit_function_st,
    pub distribution_hash: hashkit_function_st,
    /// bit 0: is_base_same_distributed
    pub flags: u8,
    /// bit 0: is_allocated
    pub options: u8,
    pub _pad: [u8; 6],
    pub _key: *mut c_void,
}

/// `ketama` block mirrored at offset 512 of `memcached_st`.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct ketama_mirror {
    pub weighted_: bool,
    pub continuum_count: u32,
    pub continuum_points_counter: u32,
    pub next_distribution_rebuild: time_t,
    pub continuum: *mut c_void,
}

/// One point of the ketama continuum, in 1.1.4's layout (`continuum.hpp`):
/// the server index, then the point's value. `memcached_st.ketama.continuum`
/// points to an array of them, which C code written against 1.1.4 walks.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct memcached_continuum_item_st {
    pub index: u32,
    pub value: u32,
}

/// Marks a `memcached_st` whose `private_handle_` we set.
pub const HANDLE_MAGIC: u64 = 0x6d63_7273_6861_6e64; // "mcrshand"
/// Marks a `memcached_st` that `memcached_free` released: every call on it
/// is refused, but its `user_data` can still be read (see
/// `crate::ffi::memcached::free_handle`).
pub const FREED_MAGIC: u64 = 0x6d63_7273_6672_6565; // "mcrsfree"

/// `memcached_st` (696 bytes). Callers may allocate it; the real state lives
/// in a heap [`crate::ffi::handle::Handle`] pointed to by `private_handle_`.
#[repr(C)]
pub struct memcached_st {
    pub state: u8,
    pub flags: [u8; 2],
    pub _pad0: u8,
    pub distribution: u32,
    pub hashkit: hashkit_st,
    pub private_handle_: *mut c_void,
    pub private_magic_: u64,
    pub private_reserved_: [u8; 64],
    /// `memcached_set_user_data`'s pointer, at 1.1.4's offset: the one
    /// place it is kept (C-only state), and still readable after
    /// `memcached_free` (see `crate::ffi::memcached::free_handle`).
    pub user_data: *mut c_void,
    pub private_reserved1_: [u8; 368],
    pub ketama: ketama_mirror,
    pub private_reserved2_: [u8; 144],
    /// bit 0: is_allocated
    pub options: u8,
    pub _pad1: [u8; 7],
}

/// `memcached_string_st` (40 bytes), embedded in results. `string` is
/// allocated with the handle's allocators; `end` points past the data.
#[repr(C)]
pub struct memcached_string_st {
    pub end: *mut c_char,
    pub string: *mut c_char,
    pub current_size: usize,
    pub root: *mut memcached_st,
    /// bit 0: is_allocated, bit 1: is_initialized
    pub options: u8,
    pub _pad: [u8; 7],
}

/// `memcached_result_st` (352 bytes).
#[repr(C)]
pub struct memcached_result_st {
    pub item_flags: u32,
    pub item_expiration: time_t,
    pub key_length: usize,
    pub item_cas: u64,
    pub root: *mut memcached_st,
    pub value: memcached_string_st,
    pub numeric_value: u64,
    pub count: u64,
    pub item_key: [c_char; 251],
    /// bit 0: is_allocated, bit 1: is_initialized
    pub options: u8,
    pub _pad: [u8; 4],
}

/// `memcached_stat_st` (224 bytes), fields read directly by callers.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct memcached_stat_st {
    pub connection_structures: libc::c_ulong,
    pub curr_connections: libc::c_ulong,
    pub curr_items: libc::c_ulong,
    pub pid: libc::pid_t,
    pub pointer_size: libc::c_ulong,
    pub rusage_system_microseconds: libc::c_ulong,
    pub rusage_system_seconds: libc::c_ulong,
    pub rusage_user_microseconds: libc::c_ulong,
    pub rusage_user_seconds: libc::c_ulong,
    pub threads: libc::c_ulong,
    pub time: libc::c_ulong,
    pub total_connections: libc::c_ulong,
    pub total_items: libc::c_ulong,
    pub uptime: libc::c_ulong,
    pub bytes: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
    pub cmd_get: u64,
    pub cmd_set: u64,
    pub evictions: u64,
    pub get_hits: u64,
    pub get_misses: u64,
    pub limit_maxbytes: u64,
    pub version: [c_char; 24],
    pub __future: *mut c_void,
    pub root: *mut memcached_st,
}

/// `memcached_analysis_st` (56 bytes).
#[repr(C)]
pub struct memcached_analysis_st {
    pub root: *mut memcached_st,
    pub average_item_size: u32,
    pub longest_uptime: u32,
    pub least_free_server: u32,
    pub most_consumed_server: u32,
    pub oldest_server: u32,
    pub pool_hit_ratio: f64,
    pub most_used_bytes: u64,
    pub least_remaining_bytes: u64,
}

/// `io_wait_count` block of `memcached_server_st`.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct io_wait_count_st {
    pub read: u32,
    pub write: u32,
    pub timeouts: u32,
    pub _bytes_read: usize,
}

/// `memcached_server_st` (1168 bytes): elements of server lists, read
/// directly by callers (hostname, port, weight, type, number_of_hosts).
#[repr(C)]
pub struct memcached_server_st {
    pub options: u8,
    pub number_of_hosts: u32,
    pub cursor_active: u32,
    pub port: in_port_t,
    pub io_bytes_sent: u32,
    pub request_id: u32,
    pub server_failure_counter: u32,
    pub server_failure_counter_query_id: u64,
    pub server_timeout_counter: u32,
    pub server_timeout_counter_query_id: u64,
    pub weight: u32,
    pub version: u32,
    pub state: u32,
    pub io_wait_count: io_wait_count_st,
    pub major_version: u8,
    pub micro_version: u8,
    pub minor_version: u8,
    pub type_: memcached_connection_t,
    pub next_retry: time_t,
    pub root: *mut memcached_st,
    pub limit_maxbytes: u64,
    pub error_messages: *mut c_void,
    pub hostname: [c_char; 1025],
}

/// `memcached_server_list_st`.
pub type memcached_server_list_st = *mut memcached_server_st;

const _: () = {
    assert!(core::mem::size_of::<memcached_st>() == 696);
    assert!(core::mem::offset_of!(memcached_st, distribution) == 4);
    assert!(core::mem::offset_of!(memcached_st, hashkit) == 8);
    assert!(core::mem::offset_of!(memcached_st, private_handle_) == 56);
    assert!(core::mem::offset_of!(memcached_st, ketama) == 512);
    assert!(core::mem::offset_of!(memcached_st, options) == 688);
    assert!(core::mem::size_of::<hashkit_st>() == 48);
    assert!(core::mem::size_of::<memcached_string_st>() == 40);
    assert!(core::mem::size_of::<memcached_result_st>() == 352);
    assert!(core::mem::offset_of!(memcached_result_st, value) == 40);
    assert!(core::mem::offset_of!(memcached_result_st, item_key) == 96);
    assert!(core::mem::offset_of!(memcached_result_st, options) == 347);
    assert!(core::mem::size_of::<memcached_stat_st>() == 224);
    assert!(core::mem::offset_of!(memcached_stat_st, bytes) == 112);
    assert!(core::mem::offset_of!(memcached_stat_st, version) == 184);
    assert!(core::mem::offset_of!(memcached_stat_st, root) == 216);
    assert!(core::mem::size_of::<memcached_analysis_st>() == 56);
    assert!(core::mem::size_of::<memcached_server_st>() == 1168);
    assert!(core::mem::offset_of!(memcached_server_st, port) == 12);
    assert!(core::mem::offset_of!(memcached_server_st, weight) == 56);
    assert!(core::mem::offset_of!(memcached_server_st, state) == 64);
    assert!(core::mem::offset_of!(memcached_server_st, major_version) == 96);
    assert!(core::mem::offset_of!(memcached_server_st, type_) == 100);
    assert!(core::mem::offset_of!(memcached_server_st, next_retry) == 104);
    assert!(core::mem::offset_of!(memcached_server_st, hostname) == 136);
};

/// Mark the plain `#[repr(C)]` mirrors of 1.1.4's public structs.
macro_rules! c_structs {
    ($($t:ty),*) => {$(
        // SAFETY: a plain `#[repr(C)]` mirror of a 1.1.4 struct: integers,
        // byte arrays, raw pointers and `Option`s of C function pointers.
        unsafe impl crate::ffi::guard::CStruct for $t {}
    )*};
}

c_structs!(
    memcached_result_st,
    memcached_string_st,
    memcached_stat_st,
    memcached_analysis_st,
    memcached_server_st,
    hashkit_st,
    sasl_callback_t
);
