//! Behavior settings (`memcached_behavior_t`): the numeric ids, the stored
//! values with 1.1.4's defaults, and the integer conversions 1.1.4 applies
//! when storing them (int32 fields sign-extend on read-back, uint32 fields
//! truncate, flags become 0/1).

/// `memcached_behavior_t` ids.
#[allow(missing_docs)]
pub mod id {
    pub const NO_BLOCK: u32 = 0;
    pub const TCP_NODELAY: u32 = 1;
    pub const HASH: u32 = 2;
    pub const KETAMA: u32 = 3;
    pub const SOCKET_SEND_SIZE: u32 = 4;
    pub const SOCKET_RECV_SIZE: u32 = 5;
    pub const CACHE_LOOKUPS: u32 = 6;
    pub const SUPPORT_CAS: u32 = 7;
    pub const POLL_TIMEOUT: u32 = 8;
    pub const DISTRIBUTION: u32 = 9;
    pub const BUFFER_REQUESTS: u32 = 10;
    pub const USER_DATA: u32 = 11;
    pub const SORT_HOSTS: u32 = 12;
    pub const VERIFY_KEY: u32 = 13;
    pub const CONNECT_TIMEOUT: u32 = 14;
    pub const RETRY_TIMEOUT: u32 = 15;
    pub const KETAMA_WEIGHTED: u32 = 16;
    pub const KETAMA_HASH: u32 = 17;
    pub const BINARY_PROTOCOL: u32 = 18;
    pub const SND_TIMEOUT: u32 = 19;
    pub const RCV_TIMEOUT: u32 = 20;
    pub const SERVER_FAILURE_LIMIT: u32 = 21;
    pub const IO_MSG_WATERMARK: u32 = 22;
    pub const IO_BYTES_WATERMARK: u32 = 23;
    pub const IO_KEY_PREFETCH: u32 = 24;
    pub const HASH_WITH_PREFIX_KEY: u32 = 25;
    pub const NOREPLY: u32 = 26;
    pub const USE_UDP: u32 = 27;
    pub const AUTO_EJECT_HOSTS: u32 = 28;
    pub const NUMBER_OF_REPLICAS: u32 = 29;
    pub const RANDOMIZE_REPLICA_READ: u32 = 30;
    pub const CORK: u32 = 31;
    pub const TCP_KEEPALIVE: u32 = 32;
    pub const TCP_KEEPIDLE: u32 = 33;
    pub const LOAD_FROM_FILE: u32 = 34;
    pub const REMOVE_FAILED_SERVERS: u32 = 35;
    pub const DEAD_TIMEOUT: u32 = 36;
    pub const SERVER_TIMEOUT_LIMIT: u32 = 37;
    pub const MAX: u32 = 38;
}

/// The full identifier of a behavior, as `libmemcached_string_behavior`
/// returns it.
pub fn name(behavior: u32) -> &'static str {
    const NAMES: [&str; 38] = [
        "MEMCACHED_BEHAVIOR_NO_BLOCK",
        "MEMCACHED_BEHAVIOR_TCP_NODELAY",
        "MEMCACHED_BEHAVIOR_HASH",
        "MEMCACHED_BEHAVIOR_KETAMA",
        "MEMCACHED_BEHAVIOR_SOCKET_SEND_SIZE",
        "MEMCACHED_BEHAVIOR_SOCKET_RECV_SIZE",
        "MEMCACHED_BEHAVIOR_CACHE_LOOKUPS",
        "MEMCACHED_BEHAVIOR_SUPPORT_CAS",
        "MEMCACHED_BEHAVIOR_POLL_TIMEOUT",
        "MEMCACHED_BEHAVIOR_DISTRIBUTION",
        "MEMCACHED_BEHAVIOR_BUFFER_REQUESTS",
        "MEMCACHED_BEHAVIOR_USER_DATA",
        "MEMCACHED_BEHAVIOR_SORT_HOSTS",
        "MEMCACHED_BEHAVIOR_VERIFY_KEY",
        "MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT",
        "MEMCACHED_BEHAVIOR_RETRY_TIMEOUT",
        "MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED",
        "MEMCACHED_BEHAVIOR_KETAMA_HASH",
        "MEMCACHED_BEHAVIOR_BINARY_PROTOCOL",
        "MEMCACHED_BEHAVIOR_SND_TIMEOUT",
        "MEMCACHED_BEHAVIOR_RCV_TIMEOUT",
        "MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT",
        "MEMCACHED_BEHAVIOR_IO_MSG_WATERMARK",
        "MEMCACHED_BEHAVIOR_IO_BYTES_WATERMARK",
        "MEMCACHED_BEHAVIOR_IO_KEY_PREFETCH",
        "MEMCACHED_BEHAVIOR_HASH_WITH_PREFIX_KEY",
        "MEMCACHED_BEHAVIOR_NOREPLY",
        "MEMCACHED_BEHAVIOR_USE_UDP",
        "MEMCACHED_BEHAVIOR_AUTO_EJECT_HOSTS",
        "MEMCACHED_BEHAVIOR_NUMBER_OF_REPLICAS",
        "MEMCACHED_BEHAVIOR_RANDOMIZE_REPLICA_READ",
        "MEMCACHED_BEHAVIOR_CORK",
        "MEMCACHED_BEHAVIOR_TCP_KEEPALIVE",
        "MEMCACHED_BEHAVIOR_TCP_KEEPIDLE",
        "MEMCACHED_BEHAVIOR_LOAD_FROM_FILE",
        "MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS",
        "MEMCACHED_BEHAVIOR_DEAD_TIMEOUT",
        "MEMCACHED_BEHAVIOR_SERVER_TIMEOUT_LIMIT",
    ];
    NAMES
        .get(behavior as usize)
        .copied()
        .unwrap_or("INVALID memcached_behavior_t")
}

/// Stored behavior values. Placement-related ones (hash, distribution,
/// weighting) live on the client next to the continuum they shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behaviors {
    pub no_block: bool,
    pub tcp_nodelay: bool,
    pub tcp_keepalive: bool,
    pub tcp_keepidle: u32,
    /// -1: the OS default.
    pub send_size: i32,
    /// -1: the OS default.
    pub recv_size: i32,
    pub support_cas: bool,
    /// Milliseconds; -1 infinite.
    pub poll_timeout: i32,
    pub buffer_requests: bool,
    pub sort_hosts: bool,
    pub verify_key: bool,
    /// Milliseconds.
    pub connect_timeout: i32,
    /// Seconds.
    pub retry_timeout: i32,
    pub binary_protocol: bool,
    /// Microseconds; 0 unset.
    pub snd_timeout: i32,
    /// Microseconds; 0 unset.
    pub rcv_timeout: i32,
    pub server_failure_limit: u32,
    pub server_timeout_limit: u32,
    pub io_msg_watermark: u32,
    pub io_bytes_watermark: u32,
    pub io_key_prefetch: u32,
    pub hash_with_prefix_key: bool,
    /// NOREPLY: the server is not asked to answer storage commands.
    pub noreply: bool,
    pub use_udp: bool,
    /// AUTO_EJECT_HOSTS and REMOVE_FAILED_SERVERS share this flag.
    pub auto_eject_hosts: bool,
    pub number_of_replicas: u32,
    pub randomize_replica_read: bool,
    /// Seconds.
    pub dead_timeout: i32,
}

impl Default for Behaviors {
    fn default() -> Behaviors {
        Behaviors {
            no_block: false,
            tcp_nodelay: false,
            tcp_keepalive: false,
            tcp_keepidle: 0,
            send_size: -1,
            recv_size: -1,
            support_cas: false,
            poll_timeout: 5000,
            buffer_requests: false,
            sort_hosts: false,
            verify_key: false,
            connect_timeout: 4000,
            retry_timeout: 2,
            binary_protocol: false,
            snd_timeout: 0,
            rcv_timeout: 0,
            server_failure_limit: 5,
            server_timeout_limit: 0,
            io_msg_watermark: 500,
            io_bytes_watermark: 65 * 1024,
            io_key_prefetch: 0,
            hash_with_prefix_key: false,
            noreply: false,
            use_udp: false,
            auto_eject_hosts: false,
            number_of_replicas: 0,
            randomize_replica_read: false,
            dead_timeout: 0,
        }
    }
}

/// Store a u64 into an `int32_t` field as C does.
pub fn as_i32(v: u64) -> i32 {
    v as u32 as i32
}

/// Read an `int32_t` field back as `uint64_t` (sign-extended, as C does).
pub fn from_i32(v: i32) -> u64 {
    v as i64 as u64
}
