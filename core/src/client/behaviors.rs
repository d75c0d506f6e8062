//! `memcached_behavior_set`/`_get` with 1.1.4's validation, side effects
//! (placement changes, reconnects) and read-back values.

use super::Client;
use crate::behavior::{as_i32, from_i32, id};
use crate::distribution::Distribution;
use crate::error::{Error, Result, ReturnCode};
use crate::hash::{HashAlgorithm, HashSetting, KeyHasher};

fn invalid(msg: &str) -> Error {
    Error::with_message(ReturnCode::InvalidArguments, msg)
}

fn deprecated(b: u32) -> Error {
    Error::with_message(
        ReturnCode::Deprecated,
        format!("{} is deprecated", crate::behavior::name(b)),
    )
}

/// A key or distribution hash set to `v` (truncated to the C enum, as
/// 1.1.4 does) with libhashkit's rules.
fn set_hash(hasher: &mut KeyHasher, v: u64) -> Result<()> {
    match hasher.set_algorithm(v as u32) {
        HashSetting::Set => Ok(()),
        HashSetting::Invalid | HashSetting::ResetToDefault => {
            Err(invalid("Invalid memcached_hash_t()"))
        }
    }
}

impl Client {
    /// `memcached_behavior_set`.
    pub fn behavior_set(&mut self, b: u32, v: u64) -> Result<()> {
        let on = v != 0;
        let bh = &mut self.behaviors;
        match b {
            id::NUMBER_OF_REPLICAS => bh.number_of_replicas = v as u32,
            id::IO_MSG_WATERMARK => bh.io_msg_watermark = v as u32,
            id::IO_BYTES_WATERMARK => bh.io_bytes_watermark = v as u32,
            id::IO_KEY_PREFETCH => bh.io_key_prefetch = v as u32,
            id::SND_TIMEOUT => bh.snd_timeout = as_i32(v),
            id::RCV_TIMEOUT => bh.rcv_timeout = as_i32(v),
            id::REMOVE_FAILED_SERVERS | id::AUTO_EJECT_HOSTS => bh.auto_eject_hosts = on,
            id::SERVER_FAILURE_LIMIT => {
                if v == 0 {
                    return Err(invalid("SERVER_FAILURE_LIMIT must be at least 1"));
                }
                bh.server_failure_limit = v as u32;
            }
            id::SERVER_TIMEOUT_LIMIT => bh.server_timeout_limit = v as u32,
            id::BINARY_PROTOCOL => {
                bh.binary_protocol = on;
                if on {
                    bh.verify_key = false;
                }
                self.quit_all();
            }
            id::SUPPORT_CAS => bh.support_cas = on,
            id::NO_BLOCK => {
                bh.no_block = on;
                self.quit_all();
            }
            id::BUFFER_REQUESTS => {
                if bh.use_udp {
                    return Err(invalid("BUFFER_REQUESTS cannot be used with UDP"));
                }
                bh.buffer_requests = on;
                self.quit_all();
            }
            id::USE_UDP => {
                bh.use_udp = on;
                if on {
                    bh.noreply = true;
                    bh.buffer_requests = false;
                }
                self.quit_all();
            }
            id::TCP_NODELAY => {
                bh.tcp_nodelay = on;
                self.quit_all();
            }
            id::TCP_KEEPALIVE => {
                bh.tcp_keepalive = on;
                self.quit_all();
            }
            id::TCP_KEEPIDLE => {
                bh.tcp_keepidle = v as u32;
                self.quit_all();
            }
            id::DISTRIBUTION => return self.set_distribution(v),
            id::KETAMA => {
                let d = if on {
                    Distribution::ConsistentKetama
                } else {
                    Distribution::Modula
                };
                return self.set_distribution(d as u64);
            }
            id::KETAMA_WEIGHTED => {
                if on {
                    self.placement.hasher = KeyHasher::from(HashAlgorithm::Md5);
                    self.placement.dist_hasher = KeyHasher::from(HashAlgorithm::Md5);
                    return self.set_distribution(Distribution::ConsistentWeighted as u64);
                }
                return self.set_distribution(Distribution::ConsistentKetama as u64);
            }
            id::HASH => return self.set_key_hash(v),
            id::KETAMA_HASH => return self.set_distribution_hash(v),
            id::CACHE_LOOKUPS | id::CORK | id::USER_DATA => return Err(deprecated(b)),
            id::VERIFY_KEY => {
                if bh.binary_protocol {
                    return Err(invalid(
                        "VERIFY_KEY cannot be used with the binary protocol",
                    ));
                }
                bh.verify_key = on;
            }
            id::SORT_HOSTS => {
                bh.sort_hosts = on;
                self.rebuild_distribution();
            }
            id::POLL_TIMEOUT => bh.poll_timeout = as_i32(v),
            id::CONNECT_TIMEOUT => bh.connect_timeout = as_i32(v),
            id::RETRY_TIMEOUT => bh.retry_timeout = as_i32(v),
            id::DEAD_TIMEOUT => bh.dead_timeout = as_i32(v),
            id::SOCKET_SEND_SIZE => {
                bh.send_size = as_i32(v);
                self.quit_all();
            }
            id::SOCKET_RECV_SIZE => {
                bh.recv_size = as_i32(v);
                self.quit_all();
            }
            id::HASH_WITH_PREFIX_KEY => bh.hash_with_prefix_key = on,
            id::NOREPLY => {
                if bh.use_udp && !on {
                    return Err(invalid("NOREPLY cannot be turned off while UDP is on"));
                }
                bh.noreply = on;
            }
            id::RANDOMIZE_REPLICA_READ => bh.randomize_replica_read = on,
            id::LOAD_FROM_FILE => {
                return Err(invalid(
                    "LOAD_FROM_FILE can only be set through the configuration",
                ));
            }
            _ => {
                return Err(invalid(
                    "invalid behavior passed to memcached_behavior_set()",
                ));
            }
        }
        Ok(())
    }

    /// `memcached_behavior_get`.
    pub fn behavior_get(&mut self, b: u32) -> u64 {
        let bh = &self.behaviors;
        let flag = |x: bool| u64::from(x);
        match b {
            id::NUMBER_OF_REPLICAS => u64::from(bh.number_of_replicas),
            id::IO_MSG_WATERMARK => u64::from(bh.io_msg_watermark),
            id::IO_BYTES_WATERMARK => u64::from(bh.io_bytes_watermark),
            id::IO_KEY_PREFETCH => u64::from(bh.io_key_prefetch),
            id::BINARY_PROTOCOL => flag(bh.binary_protocol),
            id::SUPPORT_CAS => flag(bh.support_cas),
            id::CACHE_LOOKUPS | id::CORK => 1,
            id::NO_BLOCK => flag(bh.no_block),
            id::BUFFER_REQUESTS => flag(bh.buffer_requests),
            id::USE_UDP => flag(bh.use_udp),
            id::TCP_NODELAY => flag(bh.tcp_nodelay),
            id::VERIFY_KEY => flag(bh.verify_key),
            id::TCP_KEEPALIVE => flag(bh.tcp_keepalive),
            id::TCP_KEEPIDLE => u64::from(bh.tcp_keepidle),
            id::SORT_HOSTS => flag(bh.sort_hosts),
            id::DISTRIBUTION => self.placement.distribution as u64,
            id::KETAMA => flag(self.placement.distribution.is_consistent()),
            id::KETAMA_WEIGHTED => {
                flag(self.placement.distribution.is_consistent() && self.placement.weighted)
            }
            id::HASH => self.placement.hasher.algorithm() as u64,
            id::KETAMA_HASH => self.placement.dist_hasher.algorithm() as u64,
            id::SERVER_FAILURE_LIMIT => u64::from(bh.server_failure_limit),
            id::SERVER_TIMEOUT_LIMIT => u64::from(bh.server_timeout_limit),
            id::AUTO_EJECT_HOSTS | id::REMOVE_FAILED_SERVERS => flag(bh.auto_eject_hosts),
            id::POLL_TIMEOUT => from_i32(bh.poll_timeout),
            id::CONNECT_TIMEOUT => from_i32(bh.connect_timeout),
            id::RETRY_TIMEOUT => from_i32(bh.retry_timeout),
            id::DEAD_TIMEOUT => from_i32(bh.dead_timeout),
            id::SND_TIMEOUT => from_i32(bh.snd_timeout),
            id::RCV_TIMEOUT => from_i32(bh.rcv_timeout),
            id::HASH_WITH_PREFIX_KEY => flag(bh.hash_with_prefix_key),
            id::NOREPLY => flag(bh.noreply),
            id::RANDOMIZE_REPLICA_READ => flag(bh.randomize_replica_read),
            id::SOCKET_SEND_SIZE | id::SOCKET_RECV_SIZE => {
                let configured = if b == id::SOCKET_SEND_SIZE {
                    bh.send_size
                } else {
                    bh.recv_size
                };
                if configured != -1 {
                    return from_i32(configured);
                }
                // Like 1.1.4: ask the kernel through a connection to server 0.
                if self.servers.is_empty() {
                    return 0;
                }
                self.begin_call();
                if self.connect(0).is_err() {
                    return 0;
                }
                let Ok(conn) = crate::server::connected_ref(&self.servers[0].conn) else {
                    return 0;
                };
                (if b == id::SOCKET_SEND_SIZE {
                    conn.send_buffer_size()
                } else {
                    conn.recv_buffer_size()
                }) as u64
            }
            _ => 0,
        }
    }

    /// `memcached_behavior_set_distribution`.
    pub fn set_distribution(&mut self, v: u64) -> Result<()> {
        let d = Distribution::from_u32(v as u32)
            .ok_or_else(|| invalid("invalid memcached_server_distribution_t"))?;
        match d {
            Distribution::ConsistentWeighted => self.placement.weighted = true,
            Distribution::Consistent | Distribution::ConsistentKetama => {
                self.placement.weighted = false
            }
            _ => {}
        }
        self.placement.distribution = d;
        self.rebuild_distribution();
        Ok(())
    }

    /// `memcached_behavior_set_key_hash` (the continuum is not rebuilt, as
    /// in 1.1.4: only keys use the new hash until the next rebuild).
    pub fn set_key_hash(&mut self, v: u64) -> Result<()> {
        set_hash(&mut self.placement.hasher, v)
    }

    /// `memcached_behavior_set_distribution_hash`.
    pub fn set_distribution_hash(&mut self, v: u64) -> Result<()> {
        set_hash(&mut self.placement.dist_hasher, v)
    }
}
