//! Commands addressed to every server: flush, version, verbosity, stats,
//! dump, and sending buffered requests (each server in turn, through the
//! codec; `dump` exists only where the codec supports it).

use super::Client;
use crate::error::{Error, Result, ReturnCode};
use crate::protocol::{Ack, Codec, ascii, parse_version_numbers};

pub use crate::protocol::StatVisitor;

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
        let codec = self.codec();
        let noreply = self.behaviors.noreply;
        self.each_server(|c, idx| {
            let conn = crate::server::connected(&mut c.servers[idx].conn)?;
            let id = codec.encode_flush(conn, exptime, noreply);
            conn.flush()?;
            if noreply {
                conn.unanswered = true;
                return Ok(());
            }
            codec.read_ack(conn, id, Ack::Ok).map(drop)
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
        let codec = self.codec();
        self.each_server(|c, idx| {
            let conn = crate::server::connected(&mut c.servers[idx].conn)?;
            let id = codec.encode_version(conn);
            conn.flush()?;
            let text = codec.read_version(conn, id)?;
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
                    let id = Codec::Ascii.encode_verbosity(&mut conn, level);
                    conn.flush()?;
                    Codec::Ascii.read_ack(&mut conn, id, Ack::Ok).map(drop)
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
        let codec = self.codec();
        let r = self.connect(idx).and_then(|()| {
            let conn = crate::server::connected(&mut self.servers[idx].conn)?;
            let id = codec.encode_stats(conn, args);
            conn.flush()?;
            codec.read_stats(conn, id, f)
        });
        self.on_server(idx, r)
    }

    /// `memcached_dump`: call `f(key)` for every key the servers list
    /// (ASCII `stats cachedump`); `f` may stop the walk with an error.
    pub fn dump(&mut self, f: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<ReturnCode> {
        self.begin_call();
        if !self.codec().supports_dump() {
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
                    ascii::dump_slab(conn, slab, f)
                })();
                let r = self.on_server(idx, r);
                r?
            }
        }
        Ok(rc)
    }
}
