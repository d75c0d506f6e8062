//! Key placement state: the key hash, the distribution and what it places
//! keys with (the ketama continuum, the virtual buckets, the weighting
//! flag), the stored distribution hash (KETAMA_HASH), and when a server
//! ejected from the continuum comes back. [`Client`](super::Client) holds
//! one as its `placement`; the steps that need its servers or behaviors
//! too stay on the client and pass them in.

use super::{MAX_KEY_LEN, now_secs, random_u32};
use crate::distribution::{self, Continuum, Distribution, ServerPoint, VirtualBuckets};
use crate::hash::{HashAlgorithm, KeyHasher};
use crate::server::Server;

/// Where keys go: hashes, distribution, continuum and buckets.
#[derive(Debug)]
pub struct Placement {
    /// The key hash (BEHAVIOR_HASH).
    pub hasher: KeyHasher,
    /// The distribution hash (KETAMA_HASH): stored, not used for placement.
    pub dist_hasher: KeyHasher,
    pub distribution: Distribution,
    /// `ketama.weighted_`.
    pub weighted: bool,
    continuum: Continuum,
    /// `ketama.next_distribution_rebuild`: when an ejected server returns.
    pub next_distribution_rebuild: i64,
    pub buckets: Option<VirtualBuckets>,
    hash_scratch: Vec<u8>,
}

impl Default for Placement {
    fn default() -> Self {
        Placement::new()
    }
}

impl Placement {
    /// 1.1.4's defaults: the default key hash, MODULA, no continuum.
    pub fn new() -> Placement {
        Placement {
            hasher: KeyHasher::default(),
            dist_hasher: KeyHasher::default(),
            distribution: Distribution::Modula,
            weighted: false,
            continuum: Continuum::default(),
            next_distribution_rebuild: 0,
            buckets: None,
            hash_scratch: Vec::new(),
        }
    }

    /// A copy of the configuration for a handle with `servers` (a clone's
    /// copy of them), with no continuum yet: the caller rebuilds it.
    pub fn clone_config(&self, servers: &[Server]) -> Placement {
        Placement {
            hasher: self.hasher.clone(),
            dist_hasher: self.dist_hasher.clone(),
            distribution: self.distribution,
            // As 1.1.4's memcached_clone: the weighted-ketama flag is not
            // copied; pushing the servers sets it when one weighs more than
            // 1. A clone (every pool member) of a CONSISTENT_WEIGHTED handle
            // whose servers weigh 1 places keys unweighted, and programs
            // whose data 1.1.4 placed that way must find it where it is.
            weighted: servers.iter().any(|s| s.weight > 1),
            continuum: Continuum::default(),
            next_distribution_rebuild: 0,
            buckets: self.buckets.clone(),
            hash_scratch: Vec::new(),
        }
    }

    /// Forget the continuum and any pending rebuild (no servers, or a
    /// distribution that does not use one).
    pub fn clear_continuum(&mut self) {
        self.continuum = Continuum::default();
        self.next_distribution_rebuild = 0;
    }

    /// Rebuild the continuum over `servers` (already in their final
    /// order). With `auto_eject`, a server waiting for its retry time is
    /// left out, and the earliest such time is when to rebuild again.
    pub fn rebuild(&mut self, servers: &[Server], auto_eject: bool) {
        if !self.distribution.is_consistent() {
            self.clear_continuum();
            return;
        }
        let now = now_secs();
        let mut next_rebuild = 0i64;
        let points: Vec<ServerPoint<'_>> = servers
            .iter()
            .map(|s| {
                let live = !auto_eject || s.next_retry <= now;
                if !live && (next_rebuild == 0 || s.next_retry < next_rebuild) {
                    next_rebuild = s.next_retry;
                }
                ServerPoint {
                    hostname: &s.hostname,
                    port: s.port,
                    weight: s.weight,
                    is_unix_socket: s.is_unix(),
                    live,
                }
            })
            .collect();
        let any_live = points.iter().any(|p| p.live);
        if any_live {
            // Weighted continua always hash points with MD5.
            self.continuum =
                Continuum::build(&points, self.distribution, self.weighted, &self.hasher);
        }
        self.next_distribution_rebuild = next_rebuild;
    }

    /// The continuum (for the C mirror and tests).
    pub fn continuum(&self) -> &Continuum {
        &self.continuum
    }

    /// The current key hash algorithm.
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hasher.algorithm()
    }

    /// The hash of a (group) key. With HASH_WITH_PREFIX_KEY
    /// (`with_prefix`), 1.1.4 hashes `namespace ‖ key` as built by
    /// `strncpy` (key bytes after its first NUL become zeros), and 0 when
    /// that is longer than 250 bytes.
    pub fn hash_key(&mut self, key: &[u8], namespace: &[u8], with_prefix: bool) -> u32 {
        if !with_prefix {
            return self.hasher.hash(key);
        }
        if namespace.len() + key.len() > MAX_KEY_LEN {
            return 0;
        }
        let mut scratch = std::mem::take(&mut self.hash_scratch);
        scratch.clear();
        scratch.extend_from_slice(namespace);
        match key.iter().position(|&b| b == 0) {
            Some(nul) => {
                scratch.extend_from_slice(&key[..nul]);
                scratch.resize(namespace.len() + key.len(), 0);
            }
            None => scratch.extend_from_slice(key),
        }
        let h = self.hasher.hash(&scratch);
        self.hash_scratch = scratch;
        h
    }

    /// The index, among `servers` servers (at least one), of the server
    /// for a key hash `h`.
    #[inline]
    pub(crate) fn dispatch(&self, h: u32, servers: usize) -> Option<usize> {
        let n = servers as u32;
        match distribution::dispatch(
            self.distribution,
            h,
            n,
            &self.continuum,
            self.buckets.as_ref(),
        ) {
            Some(i) => Some((i as usize).min(servers - 1)),
            None if self.distribution == Distribution::Random => {
                let r = random_u32();
                Some((r % n) as usize)
            }
            None => Some(0),
        }
    }
}
