//! Commands that change one key: set/add/replace/append/prepend/cas,
//! delete, increment/decrement, touch, and the existence check.

use super::{Client, MAX_BUFFER, wire};
use crate::error::{Error, Result, ReturnCode};
use crate::protocol::ascii::{self, Reply};
use crate::protocol::binary::{self, EXPIRATION_NOT_ADD, opcode};

/// Values up to this size are copied into the request buffer; larger ones
/// are sent from the caller's memory with vectored I/O.
const SMALL_VALUE: usize = 2048;

/// Which storage command.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StoreMode {
    Set,
    Add,
    Replace,
    Append,
    Prepend,
    Cas,
}

impl StoreMode {
    fn ascii(self) -> &'static str {
        match self {
            StoreMode::Set => "set",
            StoreMode::Add => "add",
            StoreMode::Replace => "replace",
            StoreMode::Append => "append",
            StoreMode::Prepend => "prepend",
            StoreMode::Cas => "cas",
        }
    }

    /// The binary opcode (the quiet form for noreply/buffered/replica copies).
    pub(crate) fn opcode(self, quiet: bool) -> u8 {
        match (self, quiet) {
            (StoreMode::Set | StoreMode::Cas, false) => opcode::SET,
            (StoreMode::Set | StoreMode::Cas, true) => opcode::SETQ,
            (StoreMode::Add, false) => opcode::ADD,
            (StoreMode::Add, true) => opcode::ADDQ,
            (StoreMode::Replace, false) => opcode::REPLACE,
            (StoreMode::Replace, true) => opcode::REPLACEQ,
            (StoreMode::Append, false) => opcode::APPEND,
            (StoreMode::Append, true) => opcode::APPENDQ,
            (StoreMode::Prepend, false) => opcode::PREPEND,
            (StoreMode::Prepend, true) => opcode::PREPENDQ,
        }
    }
}

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

/// The `SERVER_ERROR` text memcached sends for a value over its item size.
fn too_large(msg: &[u8]) -> bool {
    msg.starts_with(b"object too large") || msg.starts_with(b"out of memory storing object")
}

impl Client {
    /// Resolve the server for `group`, validating `key`, and connect. A
    /// group key is only hashed, never sent, so (as in 1.1.4) it is not
    /// checked: an empty one or one with blanks is hashed as it is.
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
        let idx = self.target(req.group, req.key)?;
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
        let r = self.store_on(idx, req);
        let r = self.on_server(idx, r);
        if r.is_ok() {
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
        let binary = self.behaviors.binary_protocol;
        let noreply = self.behaviors.noreply;
        // As in 1.1.4, BUFFER_REQUESTS holds back only plain sets: add,
        // replace, append, prepend and cas are sent at once and return the
        // server's answer (an add used as a lock must see NOTSTORED).
        let buffered = self.behaviors.buffer_requests && req.mode == StoreMode::Set;
        let ns = std::mem::take(&mut self.namespace);
        let label_len = req.value.len();
        let conn = self.servers[idx].conn.as_mut().expect("connected");
        let mut opaque = 0;
        if binary {
            opaque = conn.next_opaque();
            let quiet = noreply || buffered;
            binary::encode_store(
                &mut conn.wbuf,
                req.mode.opcode(quiet),
                &ns,
                req.key,
                req.value.len(),
                req.flags,
                req.exptime as u32,
                if req.mode == StoreMode::Cas {
                    req.cas
                } else {
                    0
                },
                opaque,
            );
        } else {
            let cas = if req.mode == StoreMode::Cas {
                Some(req.cas)
            } else {
                None
            };
            ascii::encode_storage(
                &mut conn.wbuf,
                req.mode.ascii(),
                &ns,
                req.key,
                req.flags,
                req.exptime,
                req.value.len(),
                cas,
                noreply,
            );
        }
        self.namespace = ns;
        let trailer: &[u8] = if binary { b"" } else { b"\r\n" };
        if buffered || noreply {
            conn.unanswered = true;
        }
        if buffered {
            conn.wbuf.extend_from_slice(req.value);
            conn.wbuf.extend_from_slice(trailer);
            if !binary && !noreply {
                conn.outstanding += 1;
            }
            if conn.wbuf.len() > MAX_BUFFER {
                conn.flush()?;
            }
            return Ok(if !binary && noreply {
                ReturnCode::Success
            } else {
                ReturnCode::Buffered
            });
        }
        if req.value.len() <= SMALL_VALUE {
            // Small values: one contiguous send is cheaper than a gather.
            conn.wbuf.extend_from_slice(req.value);
            conn.wbuf.extend_from_slice(trailer);
            conn.flush()?;
        } else {
            conn.flush_with(req.value, trailer)?;
        }
        if noreply {
            return Ok(ReturnCode::Success);
        }
        if binary {
            let h = wire::binary_header(conn, opaque)?;
            if h.status == 0 {
                conn.skip(h.body_len as usize)?;
                return Ok(ReturnCode::Success);
            }
            let mut e = wire::binary_status_error(conn, &h)?;
            if e.code == ReturnCode::E2Big {
                e.message = Some(format!(
                    "the item of {label_len} bytes is larger than the server's item size limit"
                ));
            }
            return Err(e);
        }
        wire::ascii_drain(conn)?;
        let n = wire::ascii_line(conn)?;
        let reply = ascii::parse_reply_line(&conn.buffered()[..n]);
        let out = match reply {
            Ok(Reply::Stored) => Ok(ReturnCode::Success),
            Ok(Reply::ServerError(m)) if too_large(m) => Err(Error::with_message(
                ReturnCode::E2Big,
                format!(
                    "the item of {label_len} bytes is larger than the server's item size limit"
                ),
            )),
            Ok(r) => Err(reply_error(&r)),
            Err(e) => Err(e),
        };
        conn.consume(n);
        out
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
        let idx = self.target(group, key)?;
        let r = self.delete_on(idx, key);
        let r = self.on_server(idx, r);
        if r.is_ok() || r.as_ref().is_err_and(|e| e.code == ReturnCode::Notfound) {
            self.replicate_delete(idx, key);
        }
        r
    }

    fn delete_on(&mut self, idx: usize, key: &[u8]) -> Result<ReturnCode> {
        let binary = self.behaviors.binary_protocol;
        let noreply = self.behaviors.noreply;
        let buffered = self.behaviors.buffer_requests;
        let ns = std::mem::take(&mut self.namespace);
        let conn = self.servers[idx].conn.as_mut().expect("connected");
        let mut opaque = 0;
        if binary {
            opaque = conn.next_opaque();
            let op = if noreply || buffered {
                opcode::DELETEQ
            } else {
                opcode::DELETE
            };
            binary::encode_delete(&mut conn.wbuf, op, &ns, key, opaque);
        } else {
            ascii::encode_delete(&mut conn.wbuf, &ns, key, noreply);
        }
        self.namespace = ns;
        if buffered || noreply {
            conn.unanswered = true;
        }
        if buffered {
            if !binary && !noreply {
                conn.outstanding += 1;
            }
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
        simple_reply(conn, binary, opaque, |r| matches!(r, Reply::Deleted))
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
        let idx = self.target(group, key)?;
        if initial.is_some() && !self.behaviors.binary_protocol {
            return Err(Error::with_message(
                ReturnCode::InvalidArguments,
                "increment/decrement with an initial value is not supported via the ASCII protocol",
            ));
        }
        let r = self.arith_on(idx, incr, key, delta, initial);
        self.on_server(idx, r)
    }

    fn arith_on(
        &mut self,
        idx: usize,
        incr: bool,
        key: &[u8],
        delta: u64,
        initial: Option<(u64, i64)>,
    ) -> Result<u64> {
        let binary = self.behaviors.binary_protocol;
        let noreply = self.behaviors.noreply;
        let ns = std::mem::take(&mut self.namespace);
        let conn = self.servers[idx].conn.as_mut().expect("connected");
        let mut opaque = 0;
        if binary {
            opaque = conn.next_opaque();
            let op = match (incr, noreply) {
                (true, false) => opcode::INCREMENT,
                (true, true) => opcode::INCREMENTQ,
                (false, false) => opcode::DECREMENT,
                (false, true) => opcode::DECREMENTQ,
            };
            let (init, exp) = match initial {
                Some((i, e)) => (i, e as u32),
                None => (0, EXPIRATION_NOT_ADD),
            };
            binary::encode_incr_decr(&mut conn.wbuf, op, &ns, key, delta, init, exp, opaque);
        } else {
            ascii::encode_incr_decr(
                &mut conn.wbuf,
                if incr { "incr" } else { "decr" },
                &ns,
                key,
                delta,
                noreply,
            );
        }
        self.namespace = ns;
        conn.flush()?;
        if noreply {
            conn.unanswered = true;
            // The new value is unknown: UINT64_MAX, as 1.1.4 reports it
            // (NOREPLY, and UDP, which forces it).
            return Ok(u64::MAX);
        }
        if binary {
            let h = wire::binary_header(conn, opaque)?;
            if h.status != 0 {
                return Err(wire::binary_status_error(conn, &h)?);
            }
            let len = h.body_len as usize;
            wire::binary_small_body(conn, len)?;
            let skip = h.extras_len as usize + h.key_len as usize;
            let body = &conn.buffered()[skip.min(len)..len];
            let v = <[u8; 8]>::try_from(body)
                .map(u64::from_be_bytes)
                .map_err(|_| {
                    Error::with_message(
                        ReturnCode::UnknownReadFailure,
                        "incr/decr reply is not 8 bytes",
                    )
                });
            conn.consume(len);
            return v;
        }
        wire::ascii_drain(conn)?;
        let n = wire::ascii_line(conn)?;
        let out = match ascii::parse_reply_line(&conn.buffered()[..n]) {
            Ok(Reply::Number(v)) => Ok(v),
            Ok(r) => Err(reply_error(&r)),
            Err(e) => Err(e),
        };
        conn.consume(n);
        out
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
        let idx = self.target(group, key)?;
        let r = self.touch_on(idx, key, exptime);
        self.on_server(idx, r)
    }

    fn touch_on(&mut self, idx: usize, key: &[u8], exptime: i64) -> Result<ReturnCode> {
        let binary = self.behaviors.binary_protocol;
        let ns = std::mem::take(&mut self.namespace);
        let conn = self.servers[idx].conn.as_mut().expect("connected");
        let mut opaque = 0;
        if binary {
            opaque = conn.next_opaque();
            binary::encode_touch(
                &mut conn.wbuf,
                opcode::TOUCH,
                &ns,
                key,
                exptime as u32,
                opaque,
            );
        } else {
            ascii::encode_touch(&mut conn.wbuf, &ns, key, exptime, false);
        }
        self.namespace = ns;
        conn.flush()?;
        simple_reply(conn, binary, opaque, |r| matches!(r, Reply::Touched))
    }

    /// `memcached_exist`: SUCCESS when the key exists, NOTFOUND when not.
    /// Like 1.1.4 it sends an `add` whose expiration (2678400, read by the
    /// server as an absolute time in 1970) makes a stored item expire at once.
    pub fn exist(&mut self, group: &[u8], key: &[u8]) -> Result<ReturnCode> {
        self.begin_call();
        if self.behaviors.use_udp {
            return Err(Error::new(ReturnCode::NotSupported));
        }
        let idx = self.target(group, key)?;
        let r = self.exist_on(idx, key);
        self.on_server(idx, r)
    }

    fn exist_on(&mut self, idx: usize, key: &[u8]) -> Result<ReturnCode> {
        const PAST: i64 = 2_678_400;
        let binary = self.behaviors.binary_protocol;
        let ns = std::mem::take(&mut self.namespace);
        let conn = self.servers[idx].conn.as_mut().expect("connected");
        let mut opaque = 0;
        if binary {
            opaque = conn.next_opaque();
            binary::encode_store(
                &mut conn.wbuf,
                opcode::ADD,
                &ns,
                key,
                0,
                0,
                PAST as u32,
                0,
                opaque,
            );
        } else {
            ascii::encode_storage(&mut conn.wbuf, "add", &ns, key, 0, PAST, 0, None, false);
        }
        self.namespace = ns;
        conn.flush_with(b"", if binary { b"" } else { b"\r\n" })?;
        if binary {
            let h = wire::binary_header(conn, opaque)?;
            conn.skip(h.body_len as usize)?;
            return match h.status {
                binary::status::SUCCESS => Err(Error::new(ReturnCode::Notfound)),
                binary::status::KEY_EEXISTS | binary::status::NOT_STORED => Ok(ReturnCode::Success),
                s => Err(Error::new(binary::status_to_return(s))),
            };
        }
        wire::ascii_drain(conn)?;
        let n = wire::ascii_line(conn)?;
        let out = match ascii::parse_reply_line(&conn.buffered()[..n]) {
            Ok(Reply::Stored) => Err(Error::new(ReturnCode::Notfound)),
            Ok(Reply::NotStored) | Ok(Reply::Exists) => Ok(ReturnCode::Success),
            Ok(r) => Err(reply_error(&r)),
            Err(e) => Err(e),
        };
        conn.consume(n);
        out
    }
}

/// Read the reply of a command whose success carries no data: binary
/// status 0, or the ASCII line `ok` accepts (anything else is its error).
fn simple_reply(
    conn: &mut crate::connection::Connection,
    binary: bool,
    opaque: u32,
    ok: fn(&Reply<'_>) -> bool,
) -> Result<ReturnCode> {
    if binary {
        let h = wire::binary_header(conn, opaque)?;
        if h.status == 0 {
            conn.skip(h.body_len as usize)?;
            return Ok(ReturnCode::Success);
        }
        return Err(wire::binary_status_error(conn, &h)?);
    }
    wire::ascii_drain(conn)?;
    let n = wire::ascii_line(conn)?;
    let out = match ascii::parse_reply_line(&conn.buffered()[..n]) {
        Ok(r) if ok(&r) => Ok(ReturnCode::Success),
        Ok(r) => Err(reply_error(&r)),
        Err(e) => Err(e),
    };
    conn.consume(n);
    out
}

/// The error for an unexpected (or failure) ASCII reply line.
pub fn reply_error(r: &Reply<'_>) -> Error {
    match r {
        Reply::ServerError(m) => Error::with_message(
            ReturnCode::ServerError,
            String::from_utf8_lossy(m).into_owned(),
        ),
        Reply::ClientError(m) => Error::with_message(
            ReturnCode::ClientError,
            String::from_utf8_lossy(m).into_owned(),
        ),
        Reply::End => Error::new(ReturnCode::Notfound),
        other => {
            let code = other.return_code();
            if code.is_success() {
                Error::with_message(
                    ReturnCode::UnknownReadFailure,
                    "unexpected reply from the server",
                )
            } else {
                Error::new(code)
            }
        }
    }
}

impl Client {
    /// Whether a successful delete was answered with DELETED, which is what
    /// runs 1.1.4's delete trigger: the ASCII reply is, a binary success is
    /// plain SUCCESS there.
    pub fn delete_reply_is_deleted(&self) -> bool {
        !self.behaviors.binary_protocol
    }
}
