//! A small, safe Rust API over [`Client`] for Rust services that share a
//! memcached cluster with programs using libmemcached (C, PHP, Perl,
//! Python): with the same servers and behaviors, a key lands on the same
//! server as with libmemcached 1.1.4, and values carry the same flags, so
//! every program finds what the others stored.
//!
//! ```no_run
//! use memcached_core::Memcache;
//! use memcached_core::behavior::id;
//!
//! let mut mc = Memcache::new();
//! mc.add_server("10.0.0.1", 11211)?;
//! mc.add_server("10.0.0.2", 11211)?;
//! mc.behavior(id::KETAMA, 1)?; // as pylibmc's `ketama: True`
//! mc.set(b"user:42", b"Ada", 0, 0)?;
//! assert_eq!(mc.get(b"user:42")?.map(|v| v.data), Some(b"Ada".to_vec()));
//! # Ok::<(), memcached_core::error::Error>(())
//! ```
//!
//! [`Memcache::client`] gives the whole client for everything else
//! (namespaces, CAS, replicas, SASL, TLS, statistics).

use crate::client::storage::{Store, StoreMode};
use crate::client::{Client, VecSink};
use crate::error::{Error, Result, ReturnCode};
use crate::server_list::{ServerKind, ServerSpec};

/// A value read from memcached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// The bytes stored.
    pub data: Vec<u8>,
    /// The 32-bit flags stored with them (pylibmc, PHP and Perl keep their
    /// serialisation format here).
    pub flags: u32,
    /// The CAS unique (0 unless `SUPPORT_CAS` is on or the protocol is binary).
    pub cas: u64,
}

/// A memcached client with libmemcached's key placement.
#[derive(Debug, Default)]
pub struct Memcache {
    client: Client,
}

impl Memcache {
    /// A client with no servers and libmemcached's default behaviors.
    pub fn new() -> Memcache {
        Memcache {
            client: Client::new(),
        }
    }

    /// Add a TCP server (weight 1), as `memcached_server_add`.
    pub fn add_server(&mut self, host: &str, port: u16) -> Result<()> {
        let spec = ServerSpec {
            hostname: host.into(),
            port,
            weight: 1,
            kind: ServerKind::Tcp,
        };
        match self.client.add_server(&spec) {
            ReturnCode::Success => Ok(()),
            code => Err(self.client.last_error.clone().unwrap_or(Error::new(code))),
        }
    }

    /// Set a behavior (`crate::behavior::id`), as `memcached_behavior_set`.
    pub fn behavior(&mut self, id: u32, value: u64) -> Result<()> {
        self.client.behavior_set(id, value)
    }

    /// Store `value` under `key` (`exptime` in seconds, 0 for none).
    pub fn set(&mut self, key: &[u8], value: &[u8], exptime: i64, flags: u32) -> Result<()> {
        self.store(StoreMode::Set, key, value, exptime, flags)
            .map(drop)
    }

    /// Store `value` only if `key` is absent: `Ok(false)` when it exists
    /// (a lock taken by someone else).
    pub fn add(&mut self, key: &[u8], value: &[u8], exptime: i64, flags: u32) -> Result<bool> {
        not_stored_is_false(self.store(StoreMode::Add, key, value, exptime, flags))
    }

    /// Store `value` only if `key` exists: `Ok(false)` when it does not.
    pub fn replace(&mut self, key: &[u8], value: &[u8], exptime: i64, flags: u32) -> Result<bool> {
        not_stored_is_false(self.store(StoreMode::Replace, key, value, exptime, flags))
    }

    fn store(
        &mut self,
        mode: StoreMode,
        key: &[u8],
        value: &[u8],
        exptime: i64,
        flags: u32,
    ) -> Result<ReturnCode> {
        self.client.store(&Store {
            mode,
            group: key,
            key,
            value,
            exptime,
            flags,
            cas: 0,
        })
    }

    /// The value of `key`, `None` on a miss.
    pub fn get(&mut self, key: &[u8]) -> Result<Option<Value>> {
        let mut sink = VecSink::default();
        Ok(self.client.get(key, key, &mut sink)?.map(|meta| Value {
            data: sink.value,
            flags: meta.flags,
            cas: meta.cas,
        }))
    }

    /// The values of those of `keys` that are stored, with their keys, in
    /// one round trip per server (a pipelined multi-get).
    pub fn get_multi(&mut self, keys: &[&[u8]]) -> Result<Vec<(Vec<u8>, Value)>> {
        let key_at = |i: usize| keys[i];
        self.client.mget(None, keys.len(), &key_at)?;
        let mut hits = Vec::new();
        let mut sink = VecSink::default();
        while let Some(meta) = self.client.fetch(&mut sink)? {
            hits.push((
                std::mem::take(&mut sink.key),
                Value {
                    data: std::mem::take(&mut sink.value),
                    flags: meta.flags,
                    cas: meta.cas,
                },
            ));
        }
        Ok(hits)
    }

    /// Delete `key`: `Ok(false)` when it was not stored.
    pub fn delete(&mut self, key: &[u8]) -> Result<bool> {
        match self.client.delete(key, key, 0) {
            Ok(_) => Ok(true),
            Err(e) if e.code == ReturnCode::Notfound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Add `delta` to the decimal number stored under `key`; its new value.
    pub fn increment(&mut self, key: &[u8], delta: u64) -> Result<u64> {
        self.client.arith(true, key, key, delta, None)
    }

    /// Subtract `delta` (stopping at 0); the new value.
    pub fn decrement(&mut self, key: &[u8], delta: u64) -> Result<u64> {
        self.client.arith(false, key, key, delta, None)
    }

    /// The server `key` lives on (host and port), as
    /// `memcached_server_by_key` finds it; `None` with no servers.
    pub fn server_for(&mut self, key: &[u8]) -> Option<(String, u16)> {
        let idx = self.client.server_index_no_rebuild(key)?;
        let s = &self.client.servers[idx];
        Some((s.hostname.clone(), s.port))
    }

    /// The whole client, for everything this API does not cover.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// `NOTSTORED`/`NOTFOUND`/`DATA_EXISTS` of a conditional store as `false`.
fn not_stored_is_false(r: Result<ReturnCode>) -> Result<bool> {
    match r {
        Ok(_) => Ok(true),
        Err(e)
            if matches!(
                e.code,
                ReturnCode::Notstored | ReturnCode::Notfound | ReturnCode::DataExists
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
