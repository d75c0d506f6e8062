//! One connection to one server: the socket, a reused read buffer, a reused
//! write buffer, and the timeouts that bound every wait.
//!
//! This is the I/O engine: it owns connecting (TCP, Unix sockets, UDP,
//! TLS), buffering, deadlines, poll and closing, and moves bytes without
//! knowing what they mean. The protocol codecs ([`crate::protocol`])
//! encode into [`Connection::wbuf`] and parse from [`Connection::buffered`];
//! the client ([`crate::client`]) decides when to connect and close.
//!
//! Sockets are blocking with `SO_RCVTIMEO`/`SO_SNDTIMEO` set to the wait
//! bound, so a simple request is one `send` and one `recv`. Reads that must
//! not wait (zero timeout, readiness-driven multi-server reads) use
//! `MSG_DONTWAIT`. Every send uses `MSG_NOSIGNAL`: a dead peer must never
//! raise SIGPIPE in the caller's process.

use std::io::{self, IoSlice};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use rustix::net::{RecvFlags, SendAncillaryBuffer, SendFlags};
use socket2::{Domain, SockAddr, Socket, Type};

use crate::error::{Error, Result, ReturnCode};

/// How long one wait for the socket may last.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Wait forever (POLL_TIMEOUT -1).
    Infinite,
    /// Do not wait at all (POLL_TIMEOUT 0).
    Immediate,
    /// Wait at most this long.
    For(Duration),
}

impl Wait {
    /// From a millisecond setting where -1 (any negative) is infinite.
    pub fn from_millis(ms: i32) -> Wait {
        match ms {
            m if m < 0 => Wait::Infinite,
            0 => Wait::Immediate,
            m => Wait::For(Duration::from_millis(m as u64)),
        }
    }

    /// The smaller of this wait and an optional microsecond bound (>0).
    pub fn capped_micros(self, us: i32) -> Wait {
        if us <= 0 {
            return self;
        }
        let cap = Duration::from_micros(us as u64);
        match self {
            Wait::Infinite => Wait::For(cap),
            Wait::Immediate => Wait::Immediate,
            Wait::For(d) => Wait::For(d.min(cap)),
        }
    }

    fn as_sockopt(self) -> Option<Duration> {
        match self {
            Wait::For(d) => Some(d),
            // Immediate waits use MSG_DONTWAIT; the option stays "forever".
            Wait::Infinite | Wait::Immediate => None,
        }
    }
}

/// The read and write wait bounds applied to a connection.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub read: Wait,
    pub write: Wait,
}

/// Socket options applied at connect time.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SocketOptions {
    pub tcp_nodelay: bool,
    pub keepalive: bool,
    /// Seconds; 0 leaves the OS default.
    pub keepidle: u32,
    /// Bytes; <= 0 leaves the OS default.
    pub send_size: i32,
    /// Bytes; <= 0 leaves the OS default.
    pub recv_size: i32,
    /// NO_BLOCK: 1.1.4 also sets `SO_LINGER {1, 0}`.
    pub linger_zero: bool,
}

/// Socket options as the kernel reports them.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SocketState {
    pub nodelay: bool,
    pub keepalive: bool,
    pub keepidle: Option<Duration>,
    pub linger: Option<Duration>,
    pub cloexec: bool,
}

/// Where to connect.
#[derive(Clone, Debug)]
pub enum Target<'a> {
    /// Host name (brackets of an IPv6 literal already removed) and port.
    Tcp(&'a str, u16),
    /// Path of a unix-domain socket.
    Unix(&'a str),
    /// Host name and port of a UDP server (USE_UDP).
    Udp(&'a str, u16),
}

/// memcached's UDP frame header: request id, sequence, datagram count,
/// reserved (all big-endian u16).
const UDP_HEADER_LEN: usize = 8;
/// Largest datagram (header included): the most a UDP datagram over IPv4
/// carries. 1.1.4 sends requests of any size in one datagram and fails with
/// WRITE_FAILURE only when the kernel refuses it (EMSGSIZE).
pub const MAX_UDP_DATAGRAM: usize = 65_507;
/// UDP request ids count 1, 2, … 1023, 0, 1, … as in 1.1.4 (whose upper six
/// bits would hold a thread id, always 0).
const UDP_REQUEST_IDS: u16 = 1024;

/// Initial capacity of the read buffer; it grows for long lines only.
const READ_CHUNK: usize = 16 * 1024;

/// An open connection.
#[derive(Debug)]
pub struct Connection {
    sock: Socket,
    rbuf: Vec<u8>,
    rpos: usize,
    /// Requests not yet sent.
    pub wbuf: Vec<u8>,
    applied: Timeouts,
    /// SO_RCVTIMEO as the kernel has it now.
    rcv_opt: Option<Duration>,
    /// When the current operation's reading must end (POLL_TIMEOUT, or
    /// RCV_TIMEOUT when smaller, bound the whole reply, not each recv).
    deadline: Option<Instant>,
    /// recv calls made in the current operation.
    recvs: u32,
    /// SO_RCVTIMEO was shortened for a deadline and must be restored.
    rcv_shortened: bool,
    /// Which generation of the handle's timeouts `applied` holds.
    pub timeouts_gen: u64,
    /// The next request id the codec asks for (`next_opaque`).
    next_opaque: u32,
    /// Replies the server still owes for requests whose answers nobody
    /// waits for (held requests, counted by the codec that needs it);
    /// drained before the next reply.
    pub outstanding: u32,
    /// The TLS session when the connection is encrypted.
    tls: Option<Box<rustls::ClientConnection>>,
    /// A UDP "connection": every flush is one framed datagram, no replies.
    udp: bool,
    /// Request id of the last datagram sent (see [`UDP_REQUEST_IDS`]).
    udp_request_id: u16,
    /// Requests were sent whose processing no reply has confirmed yet
    /// (noreply, buffered, quiet): `quit` must wait for the server to close.
    pub unanswered: bool,
    /// The last failure was the server's end (EOF or reset) seen before any
    /// byte of the current operation's reply: the request was not answered
    /// and the connection was already dead (see `Client::resend_rule`).
    gone_before_reply: bool,
    /// When the connection was opened or last revalidated
    /// (`Client::revalidate`: only requests that must not be sent twice
    /// look at it, so the hot path reads no clock).
    pub checked_at: Instant,
    /// A SASL request sent ahead of the first command, whose reply comes
    /// first (read by the codec before any other reply).
    pub sasl_pending: Option<crate::sasl::Pending>,
    /// The server refused a SASL mechanism remembered from an earlier
    /// connection, sent with the current command, which it therefore did
    /// not run: the command may go again on a fresh connection that asks
    /// for the mechanisms (see `Client::retry_refused_auth`).
    pub sasl_retry: bool,
}

impl Drop for Connection {
    /// A SASL request still unanswered (the connection failed before its
    /// reply was read) may have left credentials in the write buffer's
    /// allocation: they are wiped before it is freed.
    fn drop(&mut self) {
        if self.sasl_pending.is_some() {
            zeroize::Zeroize::zeroize(&mut self.wbuf);
        }
    }
}

fn io_err(code: ReturnCode, e: &io::Error, what: &str) -> Error {
    Error {
        code,
        message: Some(format!("{what}: {e}")),
        errno: e.raw_os_error().unwrap_or(0),
    }
}

fn rustix_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

/// Resolve a host name with getaddrinfo.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    match (host, port).to_socket_addrs() {
        Ok(addrs) => {
            let v: Vec<SocketAddr> = addrs.collect();
            if v.is_empty() {
                Err(Error::with_message(
                    ReturnCode::HostLookupFailure,
                    format!("no address for {host}"),
                ))
            } else {
                Ok(v)
            }
        }
        Err(e) => Err(Error::with_message(
            ReturnCode::HostLookupFailure,
            format!("getaddrinfo({host}): {e}"),
        )),
    }
}

impl Connection {
    /// Open a connection, bounded by `connect_wait`.
    pub fn connect(
        target: &Target<'_>,
        connect_wait: Wait,
        opts: &SocketOptions,
    ) -> Result<Connection> {
        match target {
            Target::Tcp(host, port) => {
                let addrs = resolve(host, *port)?;
                let mut last = None;
                for addr in addrs {
                    match Self::connect_one(
                        &SockAddr::from(addr),
                        Domain::for_address(addr),
                        connect_wait,
                        opts,
                        true,
                    ) {
                        Ok(c) => return Ok(c),
                        Err(e) => last = Some(e),
                    }
                }
                Err(last.unwrap_or_else(|| Error::new(ReturnCode::ConnectionFailure)))
            }
            Target::Udp(host, port) => {
                let addr = *resolve(host, *port)?
                    .first()
                    .expect("resolve returns at least one");
                let sock = Socket::new(Domain::for_address(addr), Type::DGRAM.cloexec(), None)
                    .map_err(|e| io_err(ReturnCode::Error, &e, "socket()"))?;
                sock.connect(&SockAddr::from(addr))
                    .map_err(|e| io_err(ReturnCode::ConnectionFailure, &e, "connect()"))?;
                let mut conn = Self::from_socket(sock);
                conn.udp = true;
                Ok(conn)
            }
            Target::Unix(path) => {
                let addr = SockAddr::unix(path)
                    .map_err(|e| io_err(ReturnCode::FailUnixSocket, &e, path))?;
                Self::connect_one(&addr, Domain::UNIX, connect_wait, opts, false).map_err(
                    |mut e| {
                        // 1.1.4 reports a unix socket it cannot connect to
                        // as a system error (ERRNO) with the errno text.
                        if e.code == ReturnCode::ConnectionFailure {
                            e.code = ReturnCode::Errno;
                        }
                        e
                    },
                )
            }
        }
    }

    fn connect_one(
        addr: &SockAddr,
        domain: Domain,
        wait: Wait,
        opts: &SocketOptions,
        tcp: bool,
    ) -> Result<Connection> {
        let sock = Socket::new(domain, Type::STREAM.cloexec(), None)
            .map_err(|e| io_err(ReturnCode::Error, &e, "socket()"))?;
        if tcp {
            Self::apply_options(&sock, opts)
                .map_err(|e| io_err(ReturnCode::ConnectionFailure, &e, "setsockopt()"))?;
        }
        let res = match wait {
            Wait::Infinite => sock.connect(addr),
            Wait::Immediate => sock.connect_timeout(addr, Duration::from_millis(1)),
            Wait::For(d) => sock.connect_timeout(addr, d),
        };
        if let Err(e) = res {
            let code = timeout_or(&e, ReturnCode::ConnectionFailure);
            return Err(io_err(code, &e, "connect()"));
        }
        Ok(Self::from_socket(sock))
    }

    fn from_socket(sock: Socket) -> Connection {
        Connection {
            sock,
            rbuf: Vec::with_capacity(READ_CHUNK),
            rpos: 0,
            wbuf: Vec::with_capacity(1024),
            applied: Timeouts {
                read: Wait::Infinite,
                write: Wait::Infinite,
            },
            rcv_opt: None,
            deadline: None,
            recvs: 0,
            rcv_shortened: false,
            timeouts_gen: 0,
            next_opaque: 1,
            outstanding: 0,
            tls: None,
            udp: false,
            udp_request_id: 0,
            unanswered: false,
            gone_before_reply: false,
            checked_at: Instant::now(),
            sasl_pending: None,
            sasl_retry: false,
        }
    }

    /// Run the TLS handshake on a fresh TCP connection, bounded by `wait`.
    pub fn start_tls(
        &mut self,
        config: std::sync::Arc<rustls::ClientConfig>,
        name: rustls::pki_types::ServerName<'static>,
        wait: Wait,
    ) -> Result<()> {
        let mut tls = rustls::ClientConnection::new(config, name)
            .map_err(|e| Error::with_message(ReturnCode::ConnectionFailure, format!("TLS: {e}")))?;
        let bound = match wait {
            Wait::For(d) => Some(d),
            Wait::Immediate => Some(Duration::from_millis(1)),
            Wait::Infinite => None,
        };
        let deadline = bound.map(|d| Instant::now() + d);
        let _ = self.sock.set_read_timeout(bound);
        let _ = self.sock.set_write_timeout(bound);
        self.rcv_opt = bound;
        let mut io = SockIo { sock: &self.sock };
        while tls.is_handshaking() {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::with_message(
                    ReturnCode::Timeout,
                    "TLS: handshake timed out",
                ));
            }
            if let Err(e) = tls.complete_io(&mut io) {
                return Err(Error::with_message(
                    timeout_or(&e, ReturnCode::ConnectionFailure),
                    format!("TLS: {}", crate::tls::describe_handshake_error(&e)),
                ));
            }
        }
        // Back to the handle's bounds on the next operation.
        self.applied = Timeouts {
            read: Wait::Infinite,
            write: Wait::Infinite,
        };
        let _ = self.sock.set_write_timeout(None);
        self.tls = Some(Box::new(tls));
        Ok(())
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Encrypt `parts` and send the records (rustls buffers a limited
    /// amount of plaintext, so large values go out in rounds).
    fn tls_send(&mut self, parts: &[&[u8]]) -> Result<()> {
        use std::io::Write;
        for p in parts {
            let mut rest = *p;
            while !rest.is_empty() {
                let tls = self.tls.as_mut().expect("TLS connection");
                let n = tls
                    .writer()
                    .write(rest)
                    .map_err(|e| io_err(ReturnCode::WriteFailure, &e, "TLS write"))?;
                rest = &rest[n..];
                if n == 0 || tls.wants_write() {
                    self.tls_push_records()?;
                }
            }
        }
        self.tls_push_records()
    }

    /// Send every pending TLS record.
    fn tls_push_records(&mut self) -> Result<()> {
        let tls = self.tls.as_mut().expect("TLS connection");
        let mut io = SockIo { sock: &self.sock };
        while tls.wants_write() {
            if let Err(e) = tls.write_tls(&mut io) {
                let code = timeout_or(&e, ReturnCode::WriteFailure);
                return Err(io_err(code, &e, "TLS send"));
            }
        }
        Ok(())
    }

    /// Decrypted bytes into `out` (at least one), reading records as needed.
    fn tls_recv(&mut self, out: &mut [u8]) -> Result<usize> {
        use std::io::Read;
        loop {
            let tls = self.tls.as_mut().expect("TLS connection");
            match tls.reader().read(out) {
                Ok(0) => {
                    return Err(Error::with_message(
                        ReturnCode::ConnectionFailure,
                        "the server closed the TLS session",
                    ));
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(io_err(ReturnCode::ConnectionFailure, &e, "TLS read")),
            }
            self.before_recv()?;
            let tls = self.tls.as_mut().expect("TLS connection");
            let mut io = SockIo { sock: &self.sock };
            match tls.read_tls(&mut io) {
                Ok(0) => {
                    return Err(Error::with_message(
                        ReturnCode::ConnectionFailure,
                        "the server closed the connection (TLS)",
                    ));
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.map_recv_error(e)),
            }
            let tls = self.tls.as_mut().expect("TLS connection");
            if let Err(e) = tls.process_new_packets() {
                return Err(Error::with_message(
                    ReturnCode::ConnectionFailure,
                    format!("TLS: {e}"),
                ));
            }
        }
    }

    fn apply_options(sock: &Socket, o: &SocketOptions) -> io::Result<()> {
        if o.tcp_nodelay {
            sock.set_nodelay(true)?;
        }
        if o.keepalive {
            sock.set_keepalive(true)?;
        }
        if o.keepidle > 0 {
            let ka = socket2::TcpKeepalive::new().with_time(Duration::from_secs(o.keepidle as u64));
            sock.set_tcp_keepalive(&ka)?;
        }
        if o.send_size > 0 {
            sock.set_send_buffer_size(o.send_size as usize)?;
        }
        if o.recv_size > 0 {
            sock.set_recv_buffer_size(o.recv_size as usize)?;
        }
        if o.linger_zero {
            sock.set_linger(Some(Duration::from_secs(0)))?;
        }
        Ok(())
    }

    /// The options the kernel has on this socket (read back with
    /// getsockopt): TCP_NODELAY, SO_KEEPALIVE, TCP_KEEPIDLE, SO_LINGER and
    /// FD_CLOEXEC.
    pub fn options_in_effect(&self) -> SocketState {
        SocketState {
            nodelay: self.sock.nodelay().unwrap_or(false),
            keepalive: self.sock.keepalive().unwrap_or(false),
            keepidle: self.sock.keepalive_time().ok(),
            linger: self.sock.linger().ok().flatten(),
            cloexec: rustix::io::fcntl_getfd(&self.sock)
                .map(|f| f.contains(rustix::io::FdFlags::CLOEXEC))
                .unwrap_or(false),
        }
    }

    /// The kernel's SO_SNDBUF.
    pub fn send_buffer_size(&self) -> usize {
        self.sock.send_buffer_size().unwrap_or(0)
    }

    /// The kernel's SO_RCVBUF.
    pub fn recv_buffer_size(&self) -> usize {
        self.sock.recv_buffer_size().unwrap_or(0)
    }

    /// The local port (`memcached_server_srcport`); `None` when the kernel
    /// does not say.
    pub fn local_port(&self) -> Option<u16> {
        self.sock.local_addr().ok()?.as_socket().map(|a| a.port())
    }

    /// The socket, for poll().
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    /// Apply wait bounds (a syscall only when they change) and start a new
    /// operation: its reply must arrive within the read bound.
    #[inline]
    pub fn set_timeouts(&mut self, t: Timeouts) -> Result<()> {
        if t != self.applied {
            if t.write != self.applied.write {
                self.sock
                    .set_write_timeout(t.write.as_sockopt())
                    .map_err(|e| io_err(ReturnCode::Errno, &e, "setsockopt(SO_SNDTIMEO)"))?;
            }
            self.applied = t;
        }
        let want = self.applied.read.as_sockopt();
        if want != self.rcv_opt {
            self.set_rcv_opt(want)?;
        }
        self.rcv_shortened = false;
        self.begin_op()
    }

    /// [`Connection::begin_op`] when no socket option has to be restored:
    /// `false` (and nothing done) otherwise.
    #[inline]
    pub fn begin_op_fast(&mut self) -> bool {
        if self.rcv_shortened {
            return false;
        }
        self.recvs = 0;
        self.deadline = None;
        true
    }

    /// Start an operation. No clock is read and no syscall is made unless
    /// an earlier operation had to shorten the kernel's receive timeout:
    /// the deadline starts at the operation's second recv (so a reply
    /// must arrive within at most twice the read bound).
    #[inline]
    pub fn begin_op(&mut self) -> Result<()> {
        self.recvs = 0;
        self.deadline = None;
        if self.rcv_shortened {
            self.rcv_shortened = false;
            self.set_rcv_opt(self.applied.read.as_sockopt())?;
        }
        Ok(())
    }

    fn set_rcv_opt(&mut self, v: Option<Duration>) -> Result<()> {
        self.sock
            .set_read_timeout(v)
            .map_err(|e| io_err(ReturnCode::Errno, &e, "setsockopt(SO_RCVTIMEO)"))?;
        self.rcv_opt = v;
        Ok(())
    }

    /// Before each recv after the first of an operation: fail once the
    /// deadline has passed, and shorten the kernel's timeout when it would
    /// overshoot the deadline by more than a factor of two.
    #[inline]
    fn before_recv(&mut self) -> Result<()> {
        self.recvs += 1;
        if self.recvs == 1 {
            return Ok(());
        }
        self.before_later_recv()
    }

    #[cold]
    #[inline(never)]
    fn before_later_recv(&mut self) -> Result<()> {
        let Wait::For(bound) = self.applied.read else {
            return Ok(());
        };
        let now = Instant::now();
        let deadline = *self.deadline.get_or_insert(now + bound);
        if now >= deadline {
            return Err(Error::with_message(
                ReturnCode::Timeout,
                "timed out waiting for the rest of the server's reply",
            ));
        }
        let left = (deadline - now).max(Duration::from_millis(1));
        if self.rcv_opt.is_none_or(|cur| cur > left * 2) {
            self.set_rcv_opt(Some(left))?;
            self.rcv_shortened = true;
        }
        Ok(())
    }

    /// A fresh request id (never 0), for codecs that tag requests.
    pub fn next_opaque(&mut self) -> u32 {
        let o = self.next_opaque;
        self.next_opaque = self.next_opaque.wrapping_add(1).max(1);
        o
    }

    fn send_flags(&self) -> SendFlags {
        if self.applied.write == Wait::Immediate {
            SendFlags::NOSIGNAL | SendFlags::DONTWAIT
        } else {
            SendFlags::NOSIGNAL
        }
    }

    fn map_send_error(&mut self, e: io::Error) -> Error {
        if matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
        ) {
            self.gone_before_reply = self.recvs == 0;
        }
        if is_timeout(&e) {
            if self.applied.write == Wait::Immediate {
                Error::with_message(ReturnCode::Timeout, "timeout was set to zero")
            } else {
                Error::with_message(ReturnCode::Timeout, "timed out sending the request")
            }
        } else {
            io_err(ReturnCode::WriteFailure, &e, "send()")
        }
    }

    /// Whether this is a UDP connection.
    pub fn is_udp(&self) -> bool {
        self.udp
    }

    /// Request id of the last datagram sent; the server keeps it across
    /// connections, as 1.1.4 does.
    pub fn udp_request_id(&self) -> u16 {
        self.udp_request_id
    }

    /// Continue numbering datagrams after `id` (a reopened connection).
    pub fn set_udp_request_id(&mut self, id: u16) {
        self.udp_request_id = id % UDP_REQUEST_IDS;
    }

    /// Send the write buffer (and `value`, `trailer`) as one framed UDP
    /// datagram; refuse requests that do not fit.
    fn send_datagram(&mut self, value: &[u8], trailer: &[u8]) -> Result<()> {
        let total = UDP_HEADER_LEN + self.wbuf.len() + value.len() + trailer.len();
        if total > MAX_UDP_DATAGRAM {
            self.wbuf.clear();
            return Err(Error::with_message(
                ReturnCode::E2Big,
                format!(
                    "a request of {total} bytes does not fit in one UDP datagram ({MAX_UDP_DATAGRAM} bytes)"
                ),
            ));
        }
        self.udp_request_id = (self.udp_request_id + 1) % UDP_REQUEST_IDS;
        let mut header = [0u8; UDP_HEADER_LEN];
        header[0..2].copy_from_slice(&self.udp_request_id.to_be_bytes());
        header[4..6].copy_from_slice(&1u16.to_be_bytes());
        let slices = [
            IoSlice::new(&header),
            IoSlice::new(&self.wbuf),
            IoSlice::new(value),
            IoSlice::new(trailer),
        ];
        let mut control = SendAncillaryBuffer::default();
        let r = rustix::net::sendmsg(&self.sock, &slices, &mut control, SendFlags::NOSIGNAL);
        self.wbuf.clear();
        match r {
            Ok(_) => Ok(()),
            Err(e) => Err(io_err(
                ReturnCode::WriteFailure,
                &rustix_err(e),
                "send() of a UDP datagram",
            )),
        }
    }

    /// Send everything in the write buffer.
    pub fn flush(&mut self) -> Result<()> {
        if self.tls.is_some() {
            let buf = std::mem::take(&mut self.wbuf);
            let r = self.tls_send(&[&buf]);
            self.wbuf = buf;
            self.wbuf.clear();
            return r;
        }
        if self.udp {
            return if self.wbuf.is_empty() {
                Ok(())
            } else {
                self.send_datagram(&[], &[])
            };
        }
        let flags = self.send_flags();
        let total = self.wbuf.len();
        self.send_all(total, |sock, wbuf, sent| {
            rustix::net::send(sock, &wbuf[sent..], flags)
        })
    }

    /// Call `send(socket, write buffer, bytes sent so far)` until `total`
    /// bytes are out (EINTR retried); the write buffer is cleared either way.
    #[inline(always)]
    fn send_all(
        &mut self,
        total: usize,
        mut send: impl FnMut(&Socket, &[u8], usize) -> rustix::io::Result<usize>,
    ) -> Result<()> {
        let mut sent = 0;
        let r = loop {
            if sent >= total {
                break Ok(());
            }
            match send(&self.sock, &self.wbuf, sent) {
                Ok(n) => sent += n,
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => break Err(rustix_err(e)),
            }
        };
        self.wbuf.clear();
        r.map_err(|e| self.map_send_error(e))
    }

    /// Whether the last failure was the server's end (EOF, reset, broken
    /// pipe) before any byte of the current operation's reply arrived.
    pub fn gone_before_reply(&self) -> bool {
        self.gone_before_reply
    }

    /// One non-blocking peek (a syscall): whether the server has closed or
    /// reset this connection while it sat idle. Bytes waiting (which no
    /// request asked for) or no answer yet mean alive; TLS and UDP
    /// connections are not looked at.
    pub fn peer_gone(&self) -> bool {
        if self.tls.is_some() || self.udp || !self.buffered().is_empty() {
            return false;
        }
        let mut byte = [0u8; 1];
        loop {
            match rustix::net::recv(
                &self.sock,
                &mut byte[..],
                RecvFlags::PEEK | RecvFlags::DONTWAIT,
            ) {
                Ok((0, _)) => return true,
                Ok(_) => return false,
                Err(rustix::io::Errno::INTR) => continue,
                Err(rustix::io::Errno::AGAIN) => return false,
                Err(_) => return true,
            }
        }
    }

    /// Send the write buffer followed by `value` and `trailer` without
    /// copying the value (vectored I/O).
    pub fn flush_with(&mut self, value: &[u8], trailer: &[u8]) -> Result<()> {
        if self.tls.is_some() {
            let buf = std::mem::take(&mut self.wbuf);
            let r = self.tls_send(&[&buf, value, trailer]);
            self.wbuf = buf;
            self.wbuf.clear();
            return r;
        }
        if self.udp {
            return self.send_datagram(value, trailer);
        }
        let total = self.wbuf.len() + value.len() + trailer.len();
        let flags = self.send_flags();
        self.send_all(total, |sock, wbuf, sent| {
            let parts = [wbuf, value, trailer];
            let mut slices: [IoSlice<'_>; 3] =
                [IoSlice::new(&[]), IoSlice::new(&[]), IoSlice::new(&[])];
            let mut n_slices = 0;
            let mut skip = sent;
            for p in parts {
                if skip >= p.len() {
                    skip -= p.len();
                    continue;
                }
                slices[n_slices] = IoSlice::new(&p[skip..]);
                skip = 0;
                n_slices += 1;
            }
            let mut control = SendAncillaryBuffer::default();
            rustix::net::sendmsg(sock, &slices[..n_slices], &mut control, flags)
        })
    }

    /// Bytes received but not consumed yet.
    #[inline]
    pub fn buffered(&self) -> &[u8] {
        &self.rbuf[self.rpos..]
    }

    /// Mark `n` buffered bytes consumed.
    #[inline]
    pub fn consume(&mut self, n: usize) {
        self.rpos += n;
        debug_assert!(self.rpos <= self.rbuf.len());
        if self.rpos == self.rbuf.len() {
            self.rbuf.clear();
            self.rpos = 0;
        }
    }

    fn map_recv_error(&self, e: io::Error) -> Error {
        if is_timeout(&e) {
            if self.applied.read == Wait::Immediate {
                Error::with_message(ReturnCode::Timeout, "timeout was set to zero")
            } else {
                Error::with_message(
                    ReturnCode::Timeout,
                    "timed out waiting for the server's reply",
                )
            }
        } else if e.kind() == std::io::ErrorKind::ConnectionReset {
            io_err(ReturnCode::ConnectionFailure, &e, "recv()")
        } else {
            io_err(ReturnCode::Errno, &e, "recv()")
        }
    }

    /// Receive more bytes into the read buffer (at least one, or an error).
    /// `limit` bounds how large the unconsumed buffer may grow.
    pub fn fill(&mut self, limit: usize) -> Result<()> {
        if self.rpos > 0 {
            self.rbuf.drain(..self.rpos);
            self.rpos = 0;
        }
        let len = self.rbuf.len();
        if len >= limit {
            return Err(Error::with_message(
                ReturnCode::ProtocolError,
                format!("reply line longer than {limit} bytes"),
            ));
        }
        if self.rbuf.capacity() == len {
            self.rbuf.reserve((limit - len).min(READ_CHUNK));
        }
        if self.tls.is_some() {
            return self.fill_tls(limit);
        }
        let flags = if self.applied.read == Wait::Immediate {
            RecvFlags::DONTWAIT
        } else {
            RecvFlags::empty()
        };
        loop {
            self.before_recv()?;
            // Reads into the Vec's spare capacity; rustix sets the length.
            match rustix::net::recv(
                &self.sock,
                rustix::buffer::spare_capacity(&mut self.rbuf),
                flags,
            ) {
                Ok((0, _)) => {
                    self.note_gone();
                    return Err(Error::with_message(
                        ReturnCode::ConnectionFailure,
                        "the server closed the connection (recv() returned zero)",
                    ));
                }
                Ok(_) => return Ok(()),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => {
                    if e == rustix::io::Errno::CONNRESET {
                        self.note_gone();
                    }
                    return Err(self.map_recv_error(rustix_err(e)));
                }
            }
        }
    }

    /// The server's end seen by `fill`: before any reply byte when this is
    /// the operation's first recv and nothing is left unconsumed.
    #[cold]
    fn note_gone(&mut self) {
        self.gone_before_reply = self.recvs == 1 && self.rbuf.is_empty();
    }

    /// [`Connection::fill`] over TLS: decrypted bytes into the read buffer.
    #[inline(never)]
    fn fill_tls(&mut self, limit: usize) -> Result<()> {
        let old = self.rbuf.len();
        let take = (limit - old).min(READ_CHUNK);
        self.rbuf.resize(old + take, 0);
        let mut chunk = std::mem::take(&mut self.rbuf);
        let r = self.tls_recv(&mut chunk[old..]);
        self.rbuf = chunk;
        match r {
            Ok(n) => {
                self.rbuf.truncate(old + n);
                Ok(())
            }
            Err(e) => {
                self.rbuf.truncate(old);
                Err(e)
            }
        }
    }

    /// Receive whatever has already arrived, without waiting: `Ok(true)`
    /// when bytes were buffered, `Ok(false)` when none were there (or the
    /// connection is TLS, whose records this does not look into).
    pub fn fill_nowait(&mut self) -> Result<bool> {
        if self.tls.is_some() || self.udp {
            return Ok(false);
        }
        if self.rpos > 0 {
            self.rbuf.drain(..self.rpos);
            self.rpos = 0;
        }
        if self.rbuf.capacity() == self.rbuf.len() {
            self.rbuf.reserve(READ_CHUNK);
        }
        loop {
            match rustix::net::recv(
                &self.sock,
                rustix::buffer::spare_capacity(&mut self.rbuf),
                RecvFlags::DONTWAIT,
            ) {
                Ok((0, _)) => {
                    return Err(Error::with_message(
                        ReturnCode::ConnectionFailure,
                        "the server closed the connection (recv() returned zero)",
                    ));
                }
                Ok(_) => return Ok(true),
                Err(rustix::io::Errno::INTR) => continue,
                Err(rustix::io::Errno::AGAIN) => return Ok(false),
                Err(e) => return Err(self.map_recv_error(rustix_err(e))),
            }
        }
    }

    /// Make sure at least `n` bytes are buffered.
    #[inline]
    pub fn fill_to(&mut self, n: usize) -> Result<()> {
        if self.buffered().len() >= n {
            return Ok(());
        }
        self.fill_to_slow(n)
    }

    fn fill_to_slow(&mut self, n: usize) -> Result<()> {
        while self.buffered().len() < n {
            self.rbuf.reserve(n);
            self.fill(n.max(READ_CHUNK))?;
        }
        Ok(())
    }

    /// Read exactly `out.len()` bytes: first from the buffer, then straight
    /// from the socket into `out` (no intermediate copy for large values).
    pub fn read_exact_into(&mut self, out: &mut [u8]) -> Result<()> {
        let have = self.buffered().len().min(out.len());
        out[..have].copy_from_slice(&self.rbuf[self.rpos..self.rpos + have]);
        self.consume(have);
        let mut off = have;
        let flags = if self.applied.read == Wait::Immediate {
            RecvFlags::DONTWAIT
        } else {
            RecvFlags::empty()
        };
        while off < out.len() && self.tls.is_some() {
            off += self.tls_recv(&mut out[off..])?;
        }
        while off < out.len() {
            self.before_recv()?;
            match rustix::net::recv(&self.sock, &mut out[off..], flags) {
                Ok((0, _)) => {
                    return Err(Error::with_message(
                        ReturnCode::ConnectionFailure,
                        "the server closed the connection in the middle of a value",
                    ));
                }
                Ok((n, _)) => off += n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(self.map_recv_error(rustix_err(e))),
            }
        }
        Ok(())
    }

    /// Read and drop everything until the server closes the connection (or
    /// a wait runs out): after `quit`, this guarantees the server has
    /// processed every request sent before it.
    pub fn slurp_until_closed(&mut self) {
        for _ in 0..100_000 {
            self.rbuf.clear();
            self.rpos = 0;
            if self.fill(READ_CHUNK).is_err() {
                return;
            }
        }
    }

    /// Discard exactly `n` bytes of the reply stream.
    #[inline(always)]
    pub fn skip(&mut self, n: usize) -> Result<()> {
        if n <= self.buffered().len() {
            self.consume(n);
            return Ok(());
        }
        self.skip_unbuffered(n)
    }

    #[inline(never)]
    fn skip_unbuffered(&mut self, mut n: usize) -> Result<()> {
        while n > 0 {
            if self.buffered().is_empty() {
                self.fill(READ_CHUNK)?;
            }
            let take = self.buffered().len().min(n);
            self.consume(take);
            n -= take;
        }
        Ok(())
    }

    /// Whether the socket has become readable or hung up (used to detect a
    /// stale or closed connection) without blocking.
    pub fn poll_readable(&self, wait_ms: i32) -> Result<bool> {
        if !self.buffered().is_empty() {
            return Ok(true);
        }
        let mut fds = [rustix::event::PollFd::new(
            &self.sock,
            rustix::event::PollFlags::IN,
        )];
        let ts = rustix::event::Timespec {
            tv_sec: (wait_ms.max(0) / 1000) as i64,
            tv_nsec: ((wait_ms.max(0) % 1000) as i64) * 1_000_000,
        };
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(n) => Ok(n > 0),
            Err(e) => Err(io_err(ReturnCode::Errno, &rustix_err(e), "poll()")),
        }
    }
}

/// Whether an I/O error is a socket timeout running out (`SO_RCVTIMEO` /
/// `SO_SNDTIMEO` give EAGAIN, a connect timeout gives TimedOut).
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// TIMEOUT for a timed-out socket, `other` for any other error.
fn timeout_or(e: &io::Error, other: ReturnCode) -> ReturnCode {
    if is_timeout(e) {
        ReturnCode::Timeout
    } else {
        other
    }
}

/// How many descriptors [`poll_any`] handles without allocating.
pub const POLL_STACK: usize = 64;

/// Wait until one of `fds` is readable; returns the position of the first
/// that is. Up to [`POLL_STACK`] descriptors need no allocation.
pub fn poll_any<'a>(fds: &[BorrowedFd<'a>], wait: Wait) -> Result<usize> {
    if fds.is_empty() {
        return Err(Error::new(ReturnCode::Failure));
    }
    fn make(fd: BorrowedFd<'_>) -> rustix::event::PollFd<'_> {
        rustix::event::PollFd::from_borrowed_fd(fd, rustix::event::PollFlags::IN)
    }
    let mut on_stack;
    let mut on_heap;
    let pfds: &mut [rustix::event::PollFd<'a>] = if fds.len() <= POLL_STACK {
        on_stack = std::array::from_fn::<_, POLL_STACK, _>(|i| make(fds[i.min(fds.len() - 1)]));
        &mut on_stack[..fds.len()]
    } else {
        on_heap = fds.iter().map(|fd| make(*fd)).collect::<Vec<_>>();
        &mut on_heap[..]
    };
    let ts;
    let timeout = match wait {
        Wait::Infinite => None,
        Wait::Immediate => {
            ts = rustix::event::Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            Some(&ts)
        }
        Wait::For(d) => {
            ts = rustix::event::Timespec {
                tv_sec: d.as_secs() as i64,
                tv_nsec: d.subsec_nanos() as i64,
            };
            Some(&ts)
        }
    };
    loop {
        match rustix::event::poll(pfds, timeout) {
            Ok(0) => {
                return Err(Error::with_message(
                    ReturnCode::Timeout,
                    "timed out waiting for the servers' replies",
                ));
            }
            Ok(_) => break,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(io_err(ReturnCode::Errno, &rustix_err(e), "poll()")),
        }
    }
    Ok(pfds
        .iter()
        .position(|p| !p.revents().is_empty())
        .unwrap_or(0))
}

/// The socket as `io::Read`/`io::Write` for rustls (sends never raise
/// SIGPIPE).
struct SockIo<'a> {
    sock: &'a Socket,
}

impl io::Read for SockIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        rustix::net::recv(self.sock, buf, RecvFlags::empty())
            .map(|(n, _)| n)
            .map_err(rustix_err)
    }
}

impl io::Write for SockIo<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        rustix::net::send(self.sock, buf, SendFlags::NOSIGNAL).map_err(rustix_err)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
