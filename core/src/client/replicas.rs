//! NUMBER_OF_REPLICAS and RANDOMIZE_REPLICA_READ (only where the codec
//! supports replicas, the binary protocol, as in 1.1.4): storage and delete requests also go, quietly, to the next
//! servers of the list; a read goes to the first reachable copy, starting
//! at a random one when RANDOMIZE_REPLICA_READ is on.

use super::Client;
use super::storage::Store;
use crate::connection::Connection;
use crate::error::Result;
use crate::protocol::StoreCmd;

impl Client {
    /// How many replicas apply to a request now.
    fn replica_count(&self) -> usize {
        if !self.codec().supports_replicas() || self.servers.len() < 2 {
            return 0;
        }
        (self.behaviors.number_of_replicas as usize).min(self.servers.len() - 1)
    }

    /// Send a quiet copy of a request to each replica of `primary`: `send`
    /// encodes it (with the namespace it is given) and sends it.
    fn send_to_replicas(
        &mut self,
        primary: usize,
        mut send: impl FnMut(&mut Connection, &[u8]) -> Result<()>,
    ) {
        let n = self.servers.len();
        for r in 1..=self.replica_count() {
            let idx = (primary + r) % n;
            if self.connect(idx).is_err() {
                continue;
            }
            let Ok(conn) = crate::server::connected(&mut self.servers[idx].conn) else {
                continue;
            };
            conn.unanswered = true;
            let r = send(conn, &self.namespace);
            let _ = self.on_server(idx, r);
        }
    }

    /// Send quiet copies of a storage request to the replicas of `primary`.
    pub(crate) fn replicate_store(&mut self, primary: usize, req: &Store<'_>) {
        let codec = self.codec();
        self.send_to_replicas(primary, |conn, ns| {
            let cmd = StoreCmd {
                cas: 0,
                ..req.cmd(ns, false, true)
            };
            codec.encode_store(conn, &cmd);
            conn.flush_with(req.value, codec.value_trailer())
        });
    }

    /// Send quiet deletes to the replicas of `primary`.
    pub(crate) fn replicate_delete(&mut self, primary: usize, key: &[u8]) {
        let codec = self.codec();
        self.send_to_replicas(primary, |conn, ns| {
            codec.encode_delete(conn, ns, key, false, true);
            conn.flush()
        });
    }

    /// The server a read of a key placed on `primary` goes to: the first
    /// copy that can be reached (from a random copy with
    /// RANDOMIZE_REPLICA_READ). Connects it.
    #[inline(always)]
    pub(crate) fn read_server(&mut self, primary: usize) -> Result<usize> {
        if self.behaviors.number_of_replicas == 0 {
            self.connect(primary)?;
            return Ok(primary);
        }
        self.read_replica_server(primary)
    }

    /// [`Client::read_server`] when NUMBER_OF_REPLICAS is set.
    fn read_replica_server(&mut self, primary: usize) -> Result<usize> {
        let copies = self.replica_count() + 1;
        if copies == 1 {
            self.connect(primary)?;
            return Ok(primary);
        }
        let n = self.servers.len();
        let start = if self.behaviors.randomize_replica_read {
            (super::random_u32() as usize) % copies
        } else {
            0
        };
        let mut last = None;
        for i in 0..copies {
            let idx = (primary + (start + i) % copies) % n;
            match self.connect(idx) {
                Ok(()) => return Ok(idx),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("at least one copy was tried"))
    }
}
