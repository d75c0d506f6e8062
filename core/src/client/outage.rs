//! Server outages the application should not see: a connection that died
//! while idle is replaced and the request sent again when that cannot apply
//! it twice, and with REMOVE_FAILED_SERVERS a server that refuses, resets or
//! times out leaves the continuum and the caller's operation goes to the
//! server that holds the key meanwhile.
//!
//! The resend rule (also in the README, "Outages"):
//!
//! * A request is sent once more, on a fresh connection to the same server,
//!   when its connection turns out to have been dead before any byte of its
//!   reply arrived: the send failed with a reset or broken pipe before
//!   anything of this operation was read, or the operation's first read saw
//!   the end of the connection (EOF or reset) with nothing left unread.
//!   This applies to get, touch, delete, exist and set/add/replace/cas
//!   (`Resend::Safe`): applying any of them twice leaves what applying it
//!   once does, so even a request the server had read before it died may go
//!   again.
//! * incr/decr/append/prepend (`Resend::KnownDead`) are never sent twice:
//!   before such a request is written on a connection not opened or checked
//!   within [`IDLE_CHECK`], the connection is checked with one non-blocking
//!   peek, and one found closed or reset is replaced first. A connection that dies after the request was written fails the
//!   call, as in 1.1.4.
//! * A multi-get's request to one server is sent again, on a fresh
//!   connection, when that server's connection turns out dead (as above)
//!   before any value of it was read.
//! * Only once per call (per server for a multi-get), and never for a
//!   timeout on the same server.
//! * Any command, and a multi-get's request, that went out with a SASL
//!   AUTH for a mechanism remembered from an earlier connection which the
//!   server refused: the server ran nothing on that connection, so it goes
//!   again on a fresh one that asks for the mechanisms.
//!
//! With REMOVE_FAILED_SERVERS and a consistent distribution, when the server
//! cannot be reached (refused, reset again, timed out, or its retry probe
//! failed) it leaves the continuum until its retry time and a
//! `Resend::Safe` operation is sent to the server that now holds the key.

use std::time::{Duration, Instant};

use super::Client;
use crate::error::{Error, Result};

/// A connection unused this long by requests that must not be sent twice
/// is peeked before one is written.
pub const IDLE_CHECK: Duration = Duration::from_millis(100);

/// Whether a request that met a dead connection may be sent again.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Idempotent for the server's state: sent again on a fresh connection
    /// (or to the server now holding the key).
    Safe,
    /// Applying it twice would change the value twice: the connection is
    /// checked before writing, and the request is never sent again.
    KnownDead,
}

impl Client {
    /// Run a single-key operation `op` on the server holding `group`
    /// (connected first; `read`: a read, which may go to a replica), with
    /// the outage rules of this module. Returns the server that answered
    /// (`usize::MAX` when none could be picked) and the outcome, already
    /// recorded on that server (as [`Client::on_server`] does).
    #[inline(always)]
    pub(crate) fn run_keyed<T>(
        &mut self,
        group: &[u8],
        read: bool,
        resend: Resend,
        mut op: impl FnMut(&mut Client, usize) -> Result<T>,
    ) -> (usize, Result<T>) {
        let idx = match self.server_index(group) {
            Ok(i) => i,
            Err(e) => return (usize::MAX, Err(e)),
        };
        let idx = match self.reach(idx, group, read) {
            Ok(i) => i,
            Err(e) => return (idx, Err(e)),
        };
        let idx = if resend == Resend::KnownDead {
            match self.revalidate(idx, group, read) {
                Ok(i) => i,
                Err(e) => return (idx, Err(e)),
            }
        } else {
            idx
        };
        match op(self, idx) {
            Ok(v) => (idx, Ok(v)),
            Err(e) => self.after_failure(idx, group, read, resend, e, &mut op),
        }
    }

    /// Connect to server `idx` (or, for a read, one of its replicas).
    #[inline(always)]
    fn reach(&mut self, idx: usize, group: &[u8], read: bool) -> Result<usize> {
        let r = if read {
            self.read_server(idx)
        } else {
            self.connect(idx).map(|()| idx)
        };
        match r {
            Ok(i) => Ok(i),
            Err(e) => self.reach_elsewhere(idx, group, read, false, e),
        }
    }

    /// Server `idx` could not be reached (or its retry probe failed): with
    /// REMOVE_FAILED_SERVERS it has left the continuum, so the key's new
    /// server is tried (at most once per server). `in_mget`: for a key of a
    /// multi-get being sent, where a server already in it is used as it is
    /// (connecting to it would first read the replies it has not been sent).
    #[cold]
    #[inline(never)]
    pub(crate) fn reach_elsewhere(
        &mut self,
        idx: usize,
        group: &[u8],
        read: bool,
        in_mget: bool,
        e: Error,
    ) -> Result<usize> {
        let mut last = e;
        let mut tried = idx;
        for _ in 1..self.servers.len() {
            let Some(next) = self.next_holder(tried, group) else {
                break;
            };
            let r = if in_mget && self.servers[next].mget_pending {
                Ok(next)
            } else if read {
                self.read_server(next)
            } else {
                self.connect(next).map(|()| next)
            };
            match r {
                Ok(i) => return Ok(i),
                Err(e) => {
                    last = e;
                    tried = next;
                }
            }
        }
        Err(last)
    }

    /// With REMOVE_FAILED_SERVERS and a consistent distribution, the server
    /// that holds `group` now, when it is not `failed`.
    fn next_holder(&mut self, failed: usize, group: &[u8]) -> Option<usize> {
        if !self.behaviors.auto_eject_hosts || !self.placement.distribution.is_consistent() {
            return None;
        }
        self.server_index(group).ok().filter(|&j| j != failed)
    }

    /// Before a request that must not be sent twice: one peek at a
    /// connection idle for [`IDLE_CHECK`] or more; a dead one is replaced
    /// first.
    #[cold]
    #[inline(never)]
    fn revalidate(&mut self, idx: usize, group: &[u8], read: bool) -> Result<usize> {
        let now = Instant::now();
        let idle = self.servers[idx].conn.as_mut().is_some_and(|c| {
            let idle = now.duration_since(c.checked_at) >= IDLE_CHECK;
            c.checked_at = now;
            idle
        });
        if idle
            && self.servers[idx]
                .conn
                .as_ref()
                .is_some_and(|c| c.peer_gone())
        {
            self.servers[idx].close();
            return self.reach(idx, group, read);
        }
        Ok(idx)
    }

    /// `op` failed on server `idx` with `e`: send it again where the rules
    /// allow, and record the outcome.
    #[cold]
    #[inline(never)]
    fn after_failure<T>(
        &mut self,
        idx: usize,
        group: &[u8],
        read: bool,
        resend: Resend,
        e: Error,
        op: &mut dyn FnMut(&mut Client, usize) -> Result<T>,
    ) -> (usize, Result<T>) {
        let mut idx = idx;
        let mut e = e;
        let mut resent = false;
        // At most twice: once after a refused remembered SASL mechanism
        // (the server ran nothing, so any command may go again), once more
        // for a resendable request whose connection was dead.
        for _ in 0..2 {
            if !self.retry_refused_auth(idx) {
                let gone = self.servers[idx]
                    .conn
                    .as_ref()
                    .is_some_and(|c| c.gone_before_reply());
                if resent || resend != Resend::Safe || !gone || !Client::breaks_connection(e.code) {
                    break;
                }
                // Dead before the request reached it: a fresh connection, silently.
                self.servers[idx].close();
                resent = true;
            }
            match self.reach(idx, group, read) {
                Ok(j) => match op(self, j) {
                    Ok(v) => return (j, Ok(v)),
                    Err(e2) => {
                        idx = j;
                        e = e2;
                    }
                },
                Err(e2) => return (idx, Err(e2)),
            }
        }
        if resend != Resend::Safe {
            return (idx, self.on_server(idx, Err(e)));
        }
        let code = e.code;
        let r = self.on_server(idx, Err(e));
        if Client::breaks_connection(code)
            && let Some(j) = self.next_holder(idx, group)
        {
            // The server left the continuum (a timeout or a failed probe):
            // the key's server meanwhile answers.
            return match self.reach(j, group, read) {
                Ok(j) => {
                    let r2 = op(self, j);
                    (j, self.on_server(j, r2))
                }
                Err(_) => (idx, r),
            };
        }
        (idx, r)
    }

    /// Whether server `idx` refused a remembered SASL mechanism sent with
    /// the failed command (which it did not run): then the connection is
    /// closed and the server's mechanisms forgotten, so the next
    /// connection asks for them (once: a refusal of a mechanism just
    /// asked for is an error).
    #[cold]
    fn retry_refused_auth(&mut self, idx: usize) -> bool {
        let s = &mut self.servers[idx];
        if !s.conn.as_ref().is_some_and(|c| c.sasl_retry) {
            return false;
        }
        s.close();
        s.sasl_mechs = 0;
        true
    }

    /// An I/O timeout on an established connection, with
    /// REMOVE_FAILED_SERVERS: counted like a refused connect, so the server
    /// is backed off (and leaves a consistent continuum) until its retry
    /// time, and a hung server costs one timeout per retry interval.
    pub(crate) fn timed_out(&mut self, idx: usize) {
        if self.behaviors.auto_eject_hosts {
            self.mark_server_for_timeout(idx);
        }
    }

    /// A multi-get's read from server `idx` failed with `e`: when its
    /// connection was dead before any of its replies (nothing of this
    /// multi-get read from it), send its keys again on a fresh connection
    /// (once per call). True when they were sent.
    #[cold]
    #[inline(never)]
    pub(crate) fn resend_mget(&mut self, idx: usize, e: &Error) -> bool {
        let s = &self.servers[idx];
        let dead = s.mget_cursor == 0
            && (Client::breaks_connection(e.code)
                && s.conn.as_ref().is_some_and(|c| c.gone_before_reply())
                || s.conn.as_ref().is_some_and(|c| c.sasl_retry));
        if !dead || s.mget_resent_query == self.query_id {
            return false;
        }
        self.servers[idx].mget_resent_query = self.query_id;
        if !self.retry_refused_auth(idx) {
            self.servers[idx].close();
        }
        self.send_mget_keys(idx).is_ok()
    }

    /// Send server `idx` a multi-get request for its `mget_keys` (stored
    /// with the namespace), connecting first; it is pending once sent.
    fn send_mget_keys(&mut self, idx: usize) -> Result<()> {
        self.connect(idx)?;
        let codec = self.codec();
        let cas = self.behaviors.support_cas;
        let s = &mut self.servers[idx];
        s.mget_cursor = 0;
        let conn = crate::server::connected(&mut s.conn)?;
        s.mget_opaque = codec.begin_mget(conn, cas);
        for i in 0..s.mget_keys.len() {
            codec.push_mget_key(conn, &[], s.mget_keys.get(i));
        }
        s.mget_noop = codec.end_mget(conn);
        conn.flush()?;
        s.mget_pending = true;
        Ok(())
    }

    /// A multi-get's server `idx` failed after its request went out (its
    /// reply timed out or its connection broke) and has been recorded as
    /// failed: with REMOVE_FAILED_SERVERS and a consistent distribution it
    /// has left the continuum, so the keys it had not answered are asked of
    /// the servers that hold them now (once per call; not for a multi-get
    /// by group key or with replicas). A server still reading its own reply
    /// gets them when that reply ends. True when any key went elsewhere.
    #[cold]
    #[inline(never)]
    pub(crate) fn reroute_mget(&mut self, idx: usize, e: &Error) -> bool {
        if self.mget.grouped
            || self.mget.rerouted_query == self.query_id
            || self.behaviors.number_of_replicas != 0
            || !Client::breaks_connection(e.code)
        {
            return false;
        }
        self.mget.rerouted_query = self.query_id;
        let keys = std::mem::take(&mut self.servers[idx].mget_keys);
        let ns = self.namespace.len();
        let mut any = false;
        for i in self.servers[idx].mget_cursor..keys.len() {
            let wire = keys.get(i);
            if let Some(j) = self.next_holder(idx, wire.get(ns..).unwrap_or_default()) {
                self.servers[j].mget_followup.push(&[], wire);
                any = true;
            }
        }
        self.servers[idx].mget_keys = keys;
        for j in 0..self.servers.len() {
            if !self.servers[j].mget_pending {
                self.send_mget_followup(j);
            }
        }
        any
    }

    /// Send server `idx` (not reading a multi-get reply) the keys other
    /// servers' failures left it, if any; a failure loses them (recorded on
    /// the server).
    pub(crate) fn send_mget_followup(&mut self, idx: usize) {
        let s = &mut self.servers[idx];
        if s.mget_followup.is_empty() {
            return;
        }
        std::mem::swap(&mut s.mget_keys, &mut s.mget_followup);
        s.mget_followup.clear();
        let r = self.send_mget_keys(idx);
        let _ = self.on_server(idx, r);
    }
}
