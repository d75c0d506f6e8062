//! Commands that change one key: set/add/replace/append/prepend/cas,
//! delete, increment/decrement, touch, and the existence check. Each picks
//! its server, has the codec encode the request, decides whether to send
//! or hold it (NOREPLY, BUFFER_REQUESTS) and has the codec read the reply.

use super::outage::Resend;
use super::{Client, MAX_BUFFER};
use crate::error::{Error, Result, ReturnCode};
use crate::protocol::{Ack, StoreCmd};

pub use crate::protocol::StoreMode;

/// Values up to this size are copied into the request buffer; larger ones
/// are sent from the caller's memory with vectored I/O.
const SMALL_VALUE: usize = 2048;

/// One storage request.
#[derive(Copy, Clone, Debug)]
pub struct Store<'a> {
    pub mode: StoreMode,
    /// The key that picks the server (`_by_key` master key), or the key.
    pub group: &'a [u8],
    pub key: &'a [u8],
    pub value: &'a [u8],
    pub exptime: i64,
    pub flags: u32,
    pub cas: u64,
}

impl<'a> Store<'a> {
    /// The request for the codec, with the namespace `ns`.
    pub(crate) fn cmd(&self, ns: &'a [u8], noreply: bool, held: bool) -> StoreCmd<'a> {
        StoreCmd {
            mode: self.mode,
            ns,
            key: self.key,
            value_len: self.value.len(),
            flags: self.flags,
            exptime: self.exptime,
            cas: self.cas,
            noreply,
            held,
        }
    }
}

impl Client {
    /// Resolve the server for `group`, validating `key`, and connect. A
    /// group key is only hashed, never sent, so (as in 1.1.4) it is not
    /// checked: an empty one or one with blanks is hashed as it is.
    #[inline(always)]
    pub(crate) fn target(&mut self, group: &[u8], key: &[u8]) -> Result<usize> {
        self.check_key(key)?;
        let idx = self.server_index(group)?;
        self.connect(idx)?;
        Ok(idx)
    }

    /// Finish a request on server `idx`: on a connection-breaking error,
    /// close the connection and record it on the server.
    pub(crate) fn on_server<T>(&mut self, idx: usize, r: Result<T>) -> Result<T> {
        match r {
            Ok(v) => Ok(v),
            Err(mut e) => {
                if Client::breaks_connection(e.code) {
                    self.io_failed(idx, &mut e);
                } else {
                    self.servers[idx].set_error(&e);
                }
                Err(e)
            }
        }
    }

    /// `memcached_set` and friends.
    pub fn store(&mut self, req: &Store<'_>) -> Result<ReturnCode> {
        self.begin_call();
        self.check_key(req.key)?;
        // Under an encoding key the value is stored encrypted; append and
        // prepend would mix plain and encrypted bytes (1.1.4 refuses them).
        let sealed;
        let encrypted;
        let req = match &self.encoding {
            None => req,
            Some(_) if matches!(req.mode, StoreMode::Append | StoreMode::Prepend) => {
                return Err(Error::with_message(
                    ReturnCode::NotSupported,
                    "append and prepend are not supported with an encoding key",
                ));
            }
            Some(k) => {
                sealed = k.encrypt(req.value);
                encrypted = Store {
                    value: &sealed,
                    ..*req
                };
                &encrypted
            }
        };
        let resend = match req.mode {
            StoreMode::Append | StoreMode::Prepend => Resend::KnownDead,
            _ => Resend::Safe,
        };
        let (idx, r) = self.run_keyed(req.group, false, resend, |c, idx| c.store_on(idx, req));
        if r.is_ok() && self.behaviors.number_of_replicas > 0 {
            self.replicate_store(idx, req);
        }
        r
    }

    /// [`Client::store`] buffered as under BUFFER_REQUESTS, whatever that
    /// behavior says (1.1.4's read-through callback asks for it by
    /// returning BUFFERED).
    pub fn store_buffered(&mut self, req: &Store<'_>) -> Result<ReturnCode> {
        let was = std::mem::replace(&mut self.behaviors.buffer_requests, true);
        let r = self.store(req);
        self.behaviors.buffer_requests = was;
        r
    }

    fn store_on(&mut self, idx: usize, req: &Store<'_>) -> Result<ReturnCode> {
        let codec = self.codec();
        let noreply = self.behaviors.noreply;
        // As in 1.1.4, BUFFER_REQUESTS holds back only plain sets: add,
        // replace, append, prepend and cas are sent at once and return the
        // server's answer (an add used as a lock must see NOTSTORED).
        let buffered = self.behaviors.buffer_requests && req.mode == StoreMode::Set;
        let conn = crate::server::connected(&mut self.servers[idx].conn)?;
        let id = codec.encode_store(conn, &req.cmd(&self.namespace, noreply, buffered));
        let trailer = codec.value_trailer();
        if buffered || noreply {
            conn.unanswered = true;
        }
        if buffered {
            conn.wbuf.extend_from_slice(req.value);
            conn.wbuf.extend_from_slice(trailer);
            codec.note_held(conn, noreply);
            if conn.wbuf.len() > MAX_BUFFER {
                conn.flush()?;
            }
            return Ok(codec.held_store_code(noreply));
        }
        if req.value.len() <= SMALL_VALUE {
            // Small values: one contiguous send is cheaper than a gather.
            conn.wbuf.extend_from_slice(req.value);
            if !trailer.is_empty() {
                conn.wbuf.extend_from_slice(trailer);
            }
            conn.flush()?;
        } else {
            conn.flush_with(req.value, trailer)?;
        }
        if noreply {
            return Ok(ReturnCode::Success);
        }
        codec.read_store(conn, id, req.value.len())
    }

    /// `memcached_delete`.
    pub fn delete(&mut self, group: &[u8], key: &[u8], exptime: i64) -> Result<ReturnCode> {
        self.begin_call();
        if exptime != 0 {
            return Err(Error::with_message(
                ReturnCode::InvalidArguments,
                "memcached servers no longer support an expiration for delete",
            ));
        }
        self.check_key(key)?;
        let (idx, r) = self.run_keyed(group, false, Resend::Safe, |c, idx| c.delete_on(idx, key));
        if r.is_ok() || r.as_ref().is_err_and(|e| e.code == ReturnCode::Notfound) {
            self.replicate_delete(idx, key);
        }
        r
    }

    fn delete_on(&mut self, idx: usize, key: &[u8]) -> Result<ReturnCode> {
        let codec = self.codec();
        let noreply = self.behaviors.noreply;
        let buffered = self.behaviors.buffer_requests;
        let conn = crate::server::connected(&mut self.servers[idx].conn)?;
        let id = codec.encode_delete(conn, &self.namespace, key, noreply, buffered);
        if buffered || noreply {
            conn.unanswered = true;
        }
        if buffered {
            codec.note_held(conn, noreply);
            if conn.wbuf.len() > MAX_BUFFER {
                conn.flush()?;
            }
            // 1.1.4: a buffered delete is BUFFERED, with or without noreply.
            return Ok(ReturnCode::Buffered);
        }
        conn.flush()?;
        if noreply {
            return Ok(ReturnCode::Success);
        }
        codec.read_ack(conn, id, Ack::Deleted)
    }

    /// `memcached_increment`/`decrement` (`initial` = None) and their
    /// `_with_initial` forms (binary protocol only).
    pub fn arith(
        &mut self,
        incr: bool,
        group: &[u8],
        key: &[u8],
        delta: u64,
        initial: Option<(u64, i64)>,
    ) -> Result<u64> {
        self.begin_call();
        // As 1.1.4: no arithmetic on encrypted values (checked before the key).
        if self.encoding.is_some() {
            return Err(Error::with_message(
                ReturnCode::NotSupported,
                "increment and decrement are not supported with an encoding key",
            ));
        }
        if initial.is_some() && !self.codec().supports_initial_value() {
            // Connection errors first, as in 1.1.4.
            self.target(group, key)?;
            return Err(Error::with_message(
                ReturnCode::InvalidArguments,
                "increment/decrement with an initial value is not supported via the ASCII protocol",
            ));
        }
        self.check_key(key)?;
        self.run_keyed(group, false, Resend::KnownDead, |c, idx| {
            c.arith_on(idx, incr, key, delta, initial)
        })
        .1
    }

    fn arith_on(
        &mut self,
        idx: usize,
        incr: bool,
        key: &[u8],
        delta: u64,
        initial: Option<(u64, i64)>,
    ) -> Result<u64> {
        let codec = self.codec();
        let noreply = self.behaviors.noreply;
        let conn = crate::server::connected(&mut self.servers[idx].conn)?;
        let ns = &self.namespace;
        let id = codec.encode_arith(conn, incr, ns, key, delta, initial, noreply);
        conn.flush()?;
        if noreply {
            conn.unanswered = true;
            // The new value is unknown: UINT64_MAX, as 1.1.4 reports it
            // (NOREPLY, and UDP, which forces it).
            return Ok(u64::MAX);
        }
        codec.read_arith(conn, id)
    }

    /// `memcached_touch`.
    pub fn touch(&mut self, group: &[u8], key: &[u8], exptime: i64) -> Result<ReturnCode> {
        self.begin_call();
        if self.behaviors.use_udp {
            return Err(Error::with_message(
                ReturnCode::NotSupported,
                "touch needs a reply, which UDP does not give",
            ));
        }
        self.check_key(key)?;
        let (_, r) = self.run_keyed(group, false, Resend::Safe, |c, idx| {
            c.touch_on(idx, key, exptime)
        });
        r
    }

    fn touch_on(&mut self, idx: usize, key: &[u8], exptime: i64) -> Result<ReturnCode> {
        let codec = self.codec();
        let conn = crate::server::connected(&mut self.servers[idx].conn)?;
        let id = codec.encode_touch(conn, &self.namespace, key, exptime);
        conn.flush()?;
        codec.read_ack(conn, id, Ack::Touched)
    }

    /// `memcached_exist`: SUCCESS when the key exists, NOTFOUND when not.
    /// Like 1.1.4 it sends an `add` whose expiration (2678400, read by the
    /// server as an absolute time in 1970) makes a stored item expire at once.
    pub fn exist(&mut self, group: &[u8], key: &[u8]) -> Result<ReturnCode> {
        self.begin_call();
        if self.behaviors.use_udp {
            return Err(Error::new(ReturnCode::NotSupported));
        }
        self.check_key(key)?;
        let (_, r) = self.run_keyed(group, false, Resend::Safe, |c, idx| c.exist_on(idx, key));
        r
    }

    fn exist_on(&mut self, idx: usize, key: &[u8]) -> Result<ReturnCode> {
        let codec = self.codec();
        let conn = crate::server::connected(&mut self.servers[idx].conn)?;
        let add = StoreCmd {
            mode: StoreMode::Add,
            ns: &self.namespace,
            key,
            value_len: 0,
            flags: 0,
            // Read by the server as an absolute time in 1970: a stored item
            // expires at once.
            exptime: 2_678_400,
            cas: 0,
            noreply: false,
            held: false,
        };
        let id = codec.encode_store(conn, &add);
        conn.flush_with(b"", codec.value_trailer())?;
        codec.read_exist(conn, id)
    }
}
