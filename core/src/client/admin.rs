//! Commands addressed to every server: flush, version, verbosity, stats,
//! dump, and sending buffered requests.

use super::{Client, wire};
use crate::error::{Error, Result, ReturnCode};
use crate::protocol::ascii::{self, Reply};
use crate::protocol::binary::{self, opcode};
use crate::protocol::parse_version_numbers;

use super::storage::reply_error;

/// Called with each `(name, value)` statistic of a server.
pub type StatVisitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<()> + 'a;

impl Client {
    /// Run `f` on every server (connecting first); SOME_ERRORS when any
    /// server failed, the failure itself when there is only one server.
    fn each_server(
        &mut self,
        mut f: impl FnMut(&mut Client, usize) -> Result<()>,
    ) -> Result<ReturnCode> {
        if self.servers.is_empty() {
            return Err(Error::with_message(
                ReturnCode::NoServers,
                "no servers have been added",
            ));
        }
        let mut failed = None;
        for idx in 0..self.servers.len() {
            let r = self.connect(idx).and_then(|()| f(self, idx));
            if let Err(e) = self.on_server(idx, r) {
                failed = Some(e);
            }
        }
        match failed {
            None => Ok(ReturnCode::Success),
            Some(e) => {
                let code = e.code;
                self.last_error = Some(e);
                let _ = code;
                Ok(ReturnCode::SomeErrors)
            }
        }
    }

    /// `memcached_flush`.
    pub fn flush(&mut self, exptime: i64) -> Result<ReturnCode> {
        self.begin_call();
        let binary = self.behaviors.binary_protocol;
        let noreply = self.behaviors.noreply;
        self.each_server(|c, idx| {
            let conn = c.servers[idx].conn.as_mut().expect("connected");
            if binary {
                let o = conn.next_opaque();
                let op = if noreply {
                    opcode::FLUSHQ
                } else {
                    opcode::FLUSH
                };
                binary::encode_flush(&mut conn.wbuf, op, exptime as u32, o);
                conn.flush()?;
                if noreply {
                    conn.unanswered = true;
                    return Ok(());
                }
                let h = wire::binary_header(conn, o)?;
                if h.status != 0 {
                    return Err(wire::binary_status_error(conn, &h)?);
                }
                conn.skip(h.body_len as usize)
            } else {
                ascii::encode_flush(&mut conn.wbuf, exptime, noreply);
                conn.flush()?;
                if noreply {
                    conn.unanswered = true;
                    return Ok(());
                }
                wire::ascii_drain(conn)?;
                expect_ascii(conn, |r| matches!(r, Reply::Ok))
            }
        })
    }

    /// `memcached_flush_buffers`: send what BUFFER_REQUESTS queued.
    pub fn flush_buffers(&mut self) -> ReturnCode {
        let mut rc = ReturnCode::Success;
        for idx in 0..self.servers.len() {
            let r = match self.servers[idx].conn.as_mut() {
                Some(conn) if !conn.wbuf.is_empty() => conn.flush(),
                _ => Ok(()),
            };
            if let Err(e) = self.on_server(idx, r) {
                rc = self.fail(e);
            }
        }
        rc
    }

    /// `memcached_version`: ask every server for its version.
    pub fn version(&mut self) -> Result<ReturnCode> {
        self.begin_call();
        if self.behaviors.use_udp {
            return Err(Error::new(ReturnCode::NotSupported));
        }
        let binary = self.behaviors.binary_protocol;
        self.each_server(|c, idx| {
            let conn = c.servers[idx].conn.as_mut().expect("connected");
            let text: Vec<u8> = if binary {
                let o = conn.next_opaque();
                binary::encode_simple(&mut conn.wbuf, opcode::VERSION, &[], o);
                conn.flush()?;
                let h = wire::binary_header(conn, o)?;
                if h.status != 0 {
                    return Err(wire::binary_status_error(conn, &h)?);
                }
                let len = h.body_len as usize;
                wire::binary_small_body(conn, len)?;
                let pre = h.extras_len as usize + h.key_len as usize;
                let t = conn.buffered()[pre.min(len)..len].to_vec();
                conn.consume(len);
                t
            } else {
                ascii::encode_version(&mut conn.wbuf);
                conn.flush()?;
                wire::ascii_drain(conn)?;
                let n = wire::ascii_line(conn)?;
                let r = match ascii::parse_reply_line(&conn.buffered()[..n]) {
                    Ok(Reply::Version(t)) => Ok(t.to_vec()),
                    Ok(r) => Err(reply_error(&r)),
                    Err(e) => Err(e),
                };
                conn.consume(n);
                r?
            };
            c.servers[idx].version = parse_version_numbers(&text).unwrap_or((255, 255, 255));
            Ok(())
        })
    }

    /// `memcached_verbosity`. Like 1.1.4 it speaks ASCII on a short-lived
    /// connection of its own to each server, whatever the handle's protocol.
    pub fn verbosity(&mut self, level: u32) -> Result<ReturnCode> {
        self.begin_call();
        if self.servers.is_empty() {
            return Err(Error::with_message(
                ReturnCode::NoServers,
                "no servers have been added",
            ));
        }
        let connect_wait = crate::connection::Wait::from_millis(self.behaviors.connect_timeout);
        let opts = crate::connection::SocketOptions::default();
        let timeouts = self.timeouts();
        let mut failed = None;
        for idx in 0..self.servers.len() {
            let s = &self.servers[idx];
            let target = if s.is_unix() {
                crate::connection::Target::Unix(&s.hostname)
            } else {
                crate::connection::Target::Tcp(s.resolve_name(), s.port)
            };
            let r = crate::connection::Connection::connect(&target, connect_wait, &opts).and_then(
                |mut conn| {
                    conn.set_timeouts(timeouts)?;
                    ascii::encode_verbosity(&mut conn.wbuf, level, false);
                    conn.flush()?;
                    expect_ascii(&mut conn, |r| matches!(r, Reply::Ok))
                },
            );
            if let Err(mut e) = r {
                let label = self.servers[idx].label();
                e.message = Some(format!("{} ({label})", e.message.unwrap_or_default()));
                self.servers[idx].set_error(&e);
                failed = Some(e);
            }
        }
        match failed {
            None => Ok(ReturnCode::Success),
            Some(e) => Err(e),
        }
    }

    /// Statistics of one server: `f(name, value)` for each line.
    pub fn stats_server(
        &mut self,
        idx: usize,
        args: Option<&[u8]>,
        f: &mut StatVisitor<'_>,
    ) -> Result<()> {
        if self.behaviors.use_udp {
            return Err(Error::new(ReturnCode::NotSupported));
        }
        let r = self.connect(idx).and_then(|()| {
            let binary = self.behaviors.binary_protocol;
            let conn = self.servers[idx].conn.as_mut().expect("connected");
            if binary {
                let o = conn.next_opaque();
                binary::encode_simple(&mut conn.wbuf, opcode::STAT, args.unwrap_or(&[]), o);
                conn.flush()?;
                let mut failure = None;
                loop {
                    let h = wire::binary_header(conn, o)?;
                    if h.status != 0 {
                        let e = wire::binary_status_error(conn, &h)?;
                        return Err(Error {
                            code: ReturnCode::SomeErrors,
                            ..e
                        });
                    }
                    let len = h.body_len as usize;
                    if h.key_len == 0 {
                        conn.skip(len)?;
                        break;
                    }
                    wire::binary_small_body(conn, len)?;
                    let body = &conn.buffered()[..len];
                    let ex = h.extras_len as usize;
                    let kl = h.key_len as usize;
                    if failure.is_none()
                        && let Err(e) = f(&body[ex..ex + kl], &body[ex + kl..])
                    {
                        failure = Some(e);
                    }
                    conn.consume(len);
                }
                failure.map_or(Ok(()), Err)
            } else {
                ascii::encode_stats(&mut conn.wbuf, args);
                conn.flush()?;
                wire::ascii_drain(conn)?;
                let mut failure = None;
                loop {
                    let n = wire::ascii_line(conn)?;
                    let r = match ascii::parse_reply_line(&conn.buffered()[..n]) {
                        Ok(Reply::Stat { name, value }) => {
                            if failure.is_none()
                                && let Err(e) = f(name, value)
                            {
                                failure = Some(e);
                            }
                            Ok(false)
                        }
                        Ok(Reply::End) => Ok(true),
                        Ok(Reply::Error) => Err(Error::with_message(
                            ReturnCode::InvalidArguments,
                            "the server does not know these statistics",
                        )),
                        Ok(r) => Err(reply_error(&r)),
                        Err(e) => Err(e),
                    };
                    conn.consume(n);
                    if r? {
                        break;
                    }
                }
                failure.map_or(Ok(()), Err)
            }
        });
        self.on_server(idx, r)
    }

    /// `memcached_dump`: call `f(key)` for every key the servers list
    /// (ASCII `stats cachedump`); `f` may stop the walk with an error.
    pub fn dump(&mut self, f: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<ReturnCode> {
        self.begin_call();
        if self.behaviors.binary_protocol {
            return Err(Error::with_message(
                ReturnCode::ProtocolError,
                "memcached_dump() is not supported with the binary protocol",
            ));
        }
        if self.servers.is_empty() {
            return Err(Error::with_message(
                ReturnCode::NoServers,
                "no servers have been added",
            ));
        }
        let mut rc = ReturnCode::Success;
        for idx in 0..self.servers.len() {
            // Slab classes that hold items.
            let mut slabs: Vec<u32> = Vec::new();
            let r = self.stats_server(idx, Some(b"items"), &mut |name, _| {
                let parts: Vec<&[u8]> = name.split(|&b| b == b':').collect();
                if parts.len() == 3
                    && parts[0] == b"items"
                    && parts[2] == b"number"
                    && let Some(id) = std::str::from_utf8(parts[1])
                        .ok()
                        .and_then(|s| s.parse().ok())
                    && !slabs.contains(&id)
                {
                    slabs.push(id);
                }
                Ok(())
            });
            if let Err(e) = r {
                rc = self.fail(e);
                continue;
            }
            for slab in slabs {
                let r = (|| {
                    let conn = self.servers[idx]
                        .conn
                        .as_mut()
                        .ok_or(Error::new(ReturnCode::ConnectionFailure))?;
                    conn.wbuf.extend_from_slice(b"stats cachedump ");
                    crate::protocol::push_u64(&mut conn.wbuf, u64::from(slab));
                    conn.wbuf.extend_from_slice(b" 0\r\n");
                    conn.flush()?;
                    let mut stop = None;
                    loop {
                        let n = wire::ascii_line(conn)?;
                        let done = match ascii::parse_reply_line(&conn.buffered()[..n]) {
                            Ok(Reply::Item { key, .. }) => {
                                if stop.is_none()
                                    && let Err(e) = f(key)
                                {
                                    stop = Some(e);
                                }
                                false
                            }
                            Ok(Reply::End) => true,
                            Ok(r) => {
                                let e = reply_error(&r);
                                conn.consume(n);
                                return Err(e);
                            }
                            Err(e) => return Err(e),
                        };
                        conn.consume(n);
                        if done {
                            break;
                        }
                    }
                    stop.map_or(Ok(()), Err)
                })();
                let r = self.on_server(idx, r);
                r?
            }
        }
        Ok(rc)
    }
}

/// Read one ASCII line and check it is the expected success reply.
fn expect_ascii(
    conn: &mut crate::connection::Connection,
    ok: impl Fn(&Reply<'_>) -> bool,
) -> Result<()> {
    let n = wire::ascii_line(conn)?;
    let r = match ascii::parse_reply_line(&conn.buffered()[..n]) {
        Ok(r) if ok(&r) => Ok(()),
        Ok(r) => Err(reply_error(&r)),
        Err(e) => Err(e),
    };
    conn.consume(n);
    r
}
