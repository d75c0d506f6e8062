//! The configuration-string language of `memcached()`,
//! `libmemcached_check_configuration` and `memcached_pool()`, read exactly
//! as libmemcached 1.1.4's flex scanner and bison grammar read it.
//!
//! The parser does not build a handle itself: it hands each statement, in
//! order, to a [`Target`] as an [`Action`] (the C layer applies them to a
//! handle through the core client; [`collect`] just records them). A target
//! that refuses an action aborts the parse with 1.1.4's message for it.
//!
//! Lexical rules (each checked against Debian's 1.1.4):
//! - Tokens are found by longest match; on a tie the earlier rule wins, so
//!   `123` is a number, `127.0.0.1` an IPv4 literal, `MD5`/`END`/`RANDOM`
//!   keywords even where a string is expected. Keywords ignore case.
//! - A bare string is `[alnum][alnum . " _ -]+[alnum]` (at least 3 bytes);
//!   right after `--SERVER=` it is a host name. Quoted strings (`"..."`,
//!   also `L"..."`, whose value keeps the first quote) keep backslash
//!   escapes as written.
//! - `:N` (1-5 digits) is a port, `/?N` (1-5 digits) a weight.
//! - Statements are separated by exactly one space; tab, CR and LF are
//!   skipped anywhere; `#...` up to a newline is a comment at the start of a
//!   line. Numbers are read with C `atoi` (wrapping to 32 bits).
//! - `--HASH` may be given once per string, `--NAMESPACE` once per handle;
//!   `END` stops reading; `RESET` starts from a fresh handle; `INCLUDE
//!   "file"` and `--CONFIGURE-FILE=` read files line by line.
//!
//! Errors are [`ReturnCode::ParseError`] with 1.1.4's message (for syntax
//! errors bison's "unexpected X, expecting Y" text and the last keyword),
//! followed by the offending text and its byte offset.
//!
//! Where 1.1.4 crashes (an empty `--CONFIGURE-FILE=""`, an `INCLUDE` loop)
//! this parser fails with a parse error instead.

use crate::error::{Error, ReturnCode};

/// What a configuration asks for, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `--SERVER=host[:port][/?weight]`. `port` is the number as written
    /// (up to 99999; 11211 when absent): the C layer truncates it to 16
    /// bits and maps 0 to 11211, as `memcached_server_add_with_weight` does.
    Server {
        host: Vec<u8>,
        port: u32,
        weight: u32,
    },
    /// `--SOCKET="path"[/?weight]`.
    Socket { path: Vec<u8>, weight: u32 },
    /// `--CONFIGURE-FILE=`: read this file after the string.
    ConfigureFile(Vec<u8>),
    /// `--POOL-MIN=N`.
    PoolMin(u32),
    /// `--POOL-MAX=N`.
    PoolMax(u32),
    /// `--NAMESPACE=`: already checked with [`check_namespace`]'s rules by
    /// the target.
    Namespace(Vec<u8>),
    /// `--FETCH-VERSION`.
    FetchVersion,
    /// `--DISTRIBUTION=`: a `memcached_server_distribution_t` value.
    Distribution(u32),
    /// The `,HASH` of `--DISTRIBUTION=`: a `memcached_hash_t` value.
    DistributionHash(u32),
    /// `--HASH=`: a `memcached_hash_t` value.
    Hash(u32),
    /// A numeric option: `memcached_behavior_set(behavior, value)`.
    Behavior { behavior: u32, value: u64 },
    /// A flag option: `memcached_behavior_set(behavior, 1)`.
    Flag(u32),
    /// `RESET`: back to a fresh handle.
    Reset,
    /// `--TLS`: connect with TLS (libmemcached-rs).
    Tls,
    /// A `--TLS-…=` setting (it also turns TLS on).
    TlsSetting(TlsField, Vec<u8>),
}

/// Which TLS setting a `--TLS-…=` option gives.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TlsField {
    CaFile,
    CertFile,
    KeyFile,
    ServerName,
}

/// Where the actions of a configuration go.
pub trait Target {
    /// Apply one action. `Err(None)` fails the parse with 1.1.4's message
    /// for that action, `Err(Some(text))` with `text`.
    fn apply(&mut self, action: &Action) -> Result<(), Option<String>>;
    /// Whether the handle already has a namespace.
    fn has_namespace(&self) -> bool;
}

/// `MEMCACHED_DEFAULT_PORT`.
pub const DEFAULT_PORT: u32 = 11211;
/// 1.1.4 reads files with `fgets` into a `BUFSIZ` buffer: longer lines are
/// parsed in pieces of this many bytes.
const LINE_PIECE: usize = 8191;
/// Largest configuration file read (`INCLUDE`, `--CONFIGURE-FILE`).
const MAX_FILE: usize = 1 << 20;
/// How deeply `INCLUDE` may nest (1.1.4 recurses until it crashes).
const MAX_INCLUDE_DEPTH: usize = 16;
/// Longest namespace (`MEMCACHED_PREFIX_KEY_MAX_SIZE` - 1).
pub const MAX_NAMESPACE_LEN: usize = 127;

/// Token kinds, named and numbered as in 1.1.4's grammar (the names and
/// numbers appear in error messages).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Eof,
    Space,
    Comma,
    Equals,
    Comment,
    End,
    CslError,
    Reset,
    ParserDebug,
    Include,
    ConfigureFile,
    Server,
    CslSocket,
    Servers,
    UnknownOption,
    Unknown,
    /// An option that takes no value: the behavior id, name and number.
    Flag(u32, &'static str, u32),
    /// An option that takes `=N`: the behavior id, name and number.
    Numeric(u32, &'static str, u32),
    Distribution,
    Hash,
    UserData,
    FetchVersion,
    Namespace,
    PoolMin,
    PoolMax,
    /// `--TLS` (libmemcached-rs).
    Tls,
    /// `--TLS-CA-FILE=`, `--TLS-CERT-FILE=`, `--TLS-KEY-FILE=`,
    /// `--TLS-SERVER-NAME=` (libmemcached-rs): which setting.
    TlsOption(TlsField),
    /// A hash name: `memcached_hash_t` value, name and number.
    HashName(u32, &'static str, u32),
    /// A distribution name: value, name and number.
    DistName(u32, &'static str, u32),
    True,
    False,
    Number,
    Port,
    WeightStart,
    IpAddress,
    Hostname,
    Str,
    QuotedStr,
}

impl Kind {
    /// The token's entry in bison's `yytname` and its number.
    fn tname(self) -> (&'static str, u32) {
        match self {
            Kind::Eof => ("\"end of file\"", 0),
            Kind::Space => ("' '", 32),
            Kind::Comma => ("','", 44),
            Kind::Equals => ("'='", 61),
            Kind::Comment => ("COMMENT", 258),
            Kind::End => ("END", 259),
            Kind::CslError => ("CSL_ERROR", 260),
            Kind::Reset => ("RESET", 261),
            Kind::ParserDebug => ("PARSER_DEBUG", 262),
            Kind::Include => ("INCLUDE", 263),
            Kind::ConfigureFile => ("CONFIGURE_FILE", 264),
            Kind::Server => ("SERVER", 266),
            Kind::CslSocket => ("CSL_SOCKET", 267),
            Kind::Servers => ("SERVERS", 268),
            Kind::UnknownOption => ("UNKNOWN_OPTION", 270),
            Kind::Unknown => ("UNKNOWN", 271),
            Kind::Flag(_, n, v) | Kind::Numeric(_, n, v) => (n, v),
            Kind::Distribution => ("DISTRIBUTION", 275),
            Kind::Hash => ("HASH", 276),
            Kind::UserData => ("USER_DATA", 295),
            Kind::FetchVersion => ("FETCH_VERSION", 301),
            Kind::Namespace => ("NAMESPACE", 302),
            Kind::PoolMin => ("POOL_MIN", 303),
            Kind::PoolMax => ("POOL_MAX", 304),
            Kind::Tls => ("TLS", 400),
            Kind::TlsOption(_) => ("TLS_OPTION", 401),
            Kind::HashName(_, n, v) | Kind::DistName(_, n, v) => (n, v),
            Kind::True => ("CSL_TRUE", 317),
            Kind::False => ("CSL_FALSE", 318),
            Kind::Number => ("NUMBER", 320),
            Kind::Port => ("PORT", 321),
            Kind::WeightStart => ("WEIGHT_START", 322),
            Kind::IpAddress => ("IPADDRESS", 323),
            Kind::Hostname => ("HOSTNAME", 324),
            Kind::Str => ("STRING", 325),
            Kind::QuotedStr => ("QUOTED_STRING", 326),
        }
    }

    /// The name bison prints after "unexpected"/"expecting" (double quotes
    /// stripped).
    fn display(self) -> &'static str {
        let (n, _) = self.tname();
        n.strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(n)
    }

    /// Whether lexing this token records it as the "previous token" that
    /// error messages name when the bad token is UNKNOWN.
    fn is_keyword(self) -> bool {
        !matches!(
            self,
            Kind::Eof
                | Kind::Space
                | Kind::Comma
                | Kind::Equals
                | Kind::Comment
                | Kind::UnknownOption
                | Kind::Unknown
                | Kind::HashName(..)
                | Kind::DistName(..)
                | Kind::Number
                | Kind::Port
                | Kind::WeightStart
                | Kind::IpAddress
                | Kind::Hostname
                | Kind::Str
                | Kind::QuotedStr
        )
    }
}

use crate::behavior::id;

/// Rule 7 of the scanner: the fixed keywords, in the scanner's order.
const KEYWORDS: &[(&str, Kind)] = &[
    ("--SERVER=", Kind::Server),
    ("--SOCKET=", Kind::CslSocket),
    (
        "--BINARY-PROTOCOL",
        Kind::Flag(id::BINARY_PROTOCOL, "BINARY_PROTOCOL", 272),
    ),
    (
        "--BUFFER-REQUESTS",
        Kind::Flag(id::BUFFER_REQUESTS, "BUFFER_REQUESTS", 273),
    ),
    ("--CONFIGURE-FILE=", Kind::ConfigureFile),
    (
        "--CONNECT-TIMEOUT=",
        Kind::Numeric(id::CONNECT_TIMEOUT, "CONNECT_TIMEOUT", 274),
    ),
    ("--DISTRIBUTION=", Kind::Distribution),
    (
        "--HASH-WITH-NAMESPACE",
        Kind::Flag(id::HASH_WITH_PREFIX_KEY, "HASH_WITH_NAMESPACE", 277),
    ),
    ("--HASH=", Kind::Hash),
    (
        "--IO-BYTES-WATERMARK=",
        Kind::Numeric(id::IO_BYTES_WATERMARK, "IO_BYTES_WATERMARK", 278),
    ),
    (
        "--IO-KEY-PREFETCH=",
        Kind::Numeric(id::IO_KEY_PREFETCH, "IO_KEY_PREFETCH", 279),
    ),
    (
        "--IO-MSG-WATERMARK=",
        Kind::Numeric(id::IO_MSG_WATERMARK, "IO_MSG_WATERMARK", 280),
    ),
    ("--NOREPLY", Kind::Flag(id::NOREPLY, "NOREPLY", 283)),
    (
        "--NUMBER-OF-REPLICAS=",
        Kind::Numeric(id::NUMBER_OF_REPLICAS, "NUMBER_OF_REPLICAS", 284),
    ),
    (
        "--POLL-TIMEOUT=",
        Kind::Numeric(id::POLL_TIMEOUT, "POLL_TIMEOUT", 285),
    ),
    (
        "--RANDOMIZE-REPLICA-READ",
        Kind::Flag(id::RANDOMIZE_REPLICA_READ, "RANDOMIZE_REPLICA_READ", 286),
    ),
    (
        "--RCV-TIMEOUT=",
        Kind::Numeric(id::RCV_TIMEOUT, "RCV_TIMEOUT", 287),
    ),
    (
        "--REMOVE-FAILED-SERVERS=",
        Kind::Numeric(id::REMOVE_FAILED_SERVERS, "REMOVE_FAILED_SERVERS", 288),
    ),
    (
        "--RETRY-TIMEOUT=",
        Kind::Numeric(id::RETRY_TIMEOUT, "RETRY_TIMEOUT", 289),
    ),
    (
        "--SND-TIMEOUT=",
        Kind::Numeric(id::SND_TIMEOUT, "SND_TIMEOUT", 290),
    ),
    (
        "--SOCKET-RECV-SIZE=",
        Kind::Numeric(id::SOCKET_RECV_SIZE, "SOCKET_RECV_SIZE", 291),
    ),
    (
        "--SOCKET-SEND-SIZE=",
        Kind::Numeric(id::SOCKET_SEND_SIZE, "SOCKET_SEND_SIZE", 292),
    ),
    (
        "--SORT-HOSTS",
        Kind::Flag(id::SORT_HOSTS, "SORT_HOSTS", 293),
    ),
    (
        "--SUPPORT-CAS",
        Kind::Flag(id::SUPPORT_CAS, "SUPPORT_CAS", 294),
    ),
    (
        "--TCP-KEEPALIVE",
        Kind::Flag(id::TCP_KEEPALIVE, "_TCP_KEEPALIVE", 298),
    ),
    (
        "--TCP-KEEPIDLE",
        Kind::Flag(id::TCP_KEEPIDLE, "_TCP_KEEPIDLE", 299),
    ),
    (
        "--TCP-NODELAY",
        Kind::Flag(id::TCP_NODELAY, "_TCP_NODELAY", 300),
    ),
    ("--USE-UDP", Kind::Flag(id::USE_UDP, "USE_UDP", 296)),
    ("--USER-DATA", Kind::UserData),
    (
        "--VERIFY-KEY",
        Kind::Flag(id::VERIFY_KEY, "VERIFY_KEY", 297),
    ),
    ("--TLS", Kind::Tls),
    ("--TLS-CA-FILE=", Kind::TlsOption(TlsField::CaFile)),
    ("--TLS-CERT-FILE=", Kind::TlsOption(TlsField::CertFile)),
    ("--TLS-KEY-FILE=", Kind::TlsOption(TlsField::KeyFile)),
    ("--TLS-SERVER-NAME=", Kind::TlsOption(TlsField::ServerName)),
    ("--POOL-MIN=", Kind::PoolMin),
    ("--POOL-MAX=", Kind::PoolMax),
    ("--NAMESPACE=", Kind::Namespace),
    ("--FETCH-VERSION", Kind::FetchVersion),
    ("INCLUDE", Kind::Include),
    ("RESET", Kind::Reset),
    ("DEBUG", Kind::ParserDebug),
    ("SERVERS", Kind::Servers),
    ("END", Kind::End),
    ("CSL_ERROR", Kind::CslError),
    ("TRUE", Kind::True),
    ("FALSE", Kind::False),
];

/// Rule 9 of the scanner: distribution and hash names.
const NAMES: &[(&str, Kind)] = &[
    ("CONSISTENT", Kind::DistName(1, "CONSISTENT", 314)),
    ("MODULA", Kind::DistName(0, "MODULA", 315)),
    ("RANDOM", Kind::DistName(3, "RANDOM", 316)),
    ("MD5", Kind::HashName(1, "MD5", 305)),
    ("CRC", Kind::HashName(2, "CRC", 306)),
    ("FNV1_64", Kind::HashName(3, "FNV1_64", 307)),
    ("FNV1A_64", Kind::HashName(4, "FNV1A_64", 308)),
    ("FNV1_32", Kind::HashName(5, "FNV1_32", 309)),
    ("FNV1A_32", Kind::HashName(6, "FNV1A_32", 310)),
    ("HSIEH", Kind::HashName(7, "HSIEH", 311)),
    ("MURMUR", Kind::HashName(8, "MURMUR", 312)),
    ("JENKINS", Kind::HashName(9, "JENKINS", 313)),
];

/// One token: its kind, where it starts, its text and (for numbers) value.
#[derive(Clone, Debug)]
struct Token<'a> {
    kind: Kind,
    start: usize,
    text: &'a [u8],
    number: i64,
}

/// C `atoi` on a run of ASCII digits, as glibc does it on x86_64: `strtol`
/// (saturating at `LONG_MAX`) then truncation to `int`.
fn atoi(digits: &[u8]) -> i64 {
    let mut v: i64 = 0;
    for &d in digits {
        v = v.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    i64::from(v as i32)
}

fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The scanner: longest match, earliest rule on ties.
struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
    at_bol: bool,
    /// Set by `--SERVER=` until the server statement is complete: bare
    /// strings are host names meanwhile.
    is_server: bool,
    /// The last keyword lexed (initially END, as in 1.1.4).
    previous: Kind,
}

impl<'a> Lexer<'a> {
    fn new(buf: &'a [u8]) -> Lexer<'a> {
        Lexer {
            buf,
            pos: 0,
            at_bol: true,
            is_server: false,
            previous: Kind::End,
        }
    }

    /// The longest match at `s` (non-empty): its length and kind; `None`
    /// for skipped white space.
    fn longest(&self, s: &[u8]) -> (usize, Option<Kind>) {
        let c = s[0];
        // Rule order matters only for ties: keep the first longest.
        let mut best: (usize, Option<Kind>) = (0, None);
        let mut offer = |len: usize, kind: Option<Kind>| {
            if len > best.0 {
                best = (len, kind);
            }
        };
        match c {
            b' ' => offer(1, Some(Kind::Space)),
            b'=' => offer(1, Some(Kind::Equals)),
            b',' => offer(1, Some(Kind::Comma)),
            _ => {}
        }
        let digits = digit_run(s);
        if digits > 0 {
            offer(digits, Some(Kind::Number));
        }
        if c == b':' {
            let n = digit_run(&s[1..]).min(5);
            if n > 0 {
                offer(1 + n, Some(Kind::Port));
            }
        }
        if s.starts_with(b"/?") {
            let n = digit_run(&s[2..]).min(5);
            if n > 0 {
                offer(2 + n, Some(Kind::WeightStart));
            }
        }
        if matches!(c, b'\t' | b'\r' | b'\n') {
            offer(1, None);
        }
        if c == b'#'
            && self.at_bol
            && let Some(nl) = s.iter().position(|&b| b == b'\n')
        {
            offer(nl, Some(Kind::Comment));
        }
        for (word, kind) in KEYWORDS {
            let w = word.as_bytes();
            if s.len() >= w.len() && s[..w.len()].eq_ignore_ascii_case(w) {
                offer(w.len(), Some(*kind));
            }
        }
        if s.starts_with(b"--") {
            let n = s[2..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            offer(2 + n, Some(Kind::UnknownOption));
        }
        for (word, kind) in NAMES {
            let w = word.as_bytes();
            if s.len() >= w.len() && s[..w.len()].eq_ignore_ascii_case(w) {
                offer(w.len(), Some(*kind));
            }
        }
        if let Some(n) = ipv4_len(s) {
            offer(n, Some(Kind::IpAddress));
        }
        if c.is_ascii_alphanumeric() {
            let run = 1 + s[1..]
                .iter()
                .take_while(|&&b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'"' | b'_' | b'-')
                })
                .count();
            if let Some(last) = s[..run].iter().rposition(|b| b.is_ascii_alphanumeric())
                && last >= 2
            {
                let kind = if self.is_server {
                    Kind::Hostname
                } else {
                    Kind::Str
                };
                offer(last + 1, Some(kind));
            }
        }
        if let Some(n) = quoted_len(s) {
            offer(n, Some(Kind::QuotedStr));
        }
        if c != b'\n' {
            offer(1, Some(Kind::Unknown));
        }
        best
    }

    fn next(&mut self) -> Token<'a> {
        loop {
            let start = self.pos;
            if start >= self.buf.len() {
                return Token {
                    kind: Kind::Eof,
                    start,
                    text: &[],
                    number: 0,
                };
            }
            let s = &self.buf[start..];
            let (len, kind) = self.longest(s);
            let text = &s[..len];
            self.pos += len;
            self.at_bol = text.last() == Some(&b'\n');
            let Some(kind) = kind else { continue };
            if kind.is_keyword() {
                self.previous = kind;
            }
            if kind == Kind::Server {
                self.is_server = true;
            }
            let (text, number) = match kind {
                Kind::Number => (text, atoi(text)),
                Kind::Port => (text, atoi(&text[1..])),
                Kind::WeightStart => (text, atoi(&text[2..])),
                Kind::QuotedStr => (&text[1..text.len() - 1], 0),
                _ => (text, 0),
            };
            return Token {
                kind,
                start,
                text,
                number,
            };
        }
    }
}

/// Length of an IPv4 literal (`d{1,3}.d{1,3}.d{1,3}.d{1,3}`) at `s`.
fn ipv4_len(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    for _ in 0..3 {
        let n = digit_run(&s[i..]);
        if n == 0 || n > 3 || s.get(i + n) != Some(&b'.') {
            return None;
        }
        i += n + 1;
    }
    let n = digit_run(&s[i..]).min(3);
    (n > 0).then_some(i + n)
}

/// Length of a quoted string `L?"(\\.|[^\\"])*"` at `s`.
fn quoted_len(s: &[u8]) -> Option<usize> {
    let mut i = usize::from(s.first() == Some(&b'L'));
    if s.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    loop {
        match s.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => {
                // `\\.`: a backslash and any byte but a newline.
                match s.get(i + 1) {
                    Some(&b) if b != b'\n' => i += 2,
                    _ => return None,
                }
            }
            _ => i += 1,
        }
    }
}

/// What a statement did to the parse.
enum Flow {
    Continue,
    /// `END`: stop, successfully.
    Accept,
}

/// A parse error with 1.1.4's code.
fn parse_error(message: impl Into<String>) -> Error {
    Error::with_message(ReturnCode::ParseError, message)
}

/// One configuration string being parsed (1.1.4's `Context`).
struct Parser<'a, 't> {
    lx: Lexer<'a>,
    target: &'t mut dyn Target,
    look: Option<Token<'a>>,
    has_hash: bool,
    depth: usize,
}

impl<'a> Parser<'a, '_> {
    fn token(&mut self) -> Token<'a> {
        match self.look.take() {
            Some(t) => t,
            None => self.lx.next(),
        }
    }

    /// Bison's syntax error for `t`, expecting `expected` (empty: too many
    /// to list), plus the offending text and its offset.
    fn syntax(&self, t: &Token<'_>, expected: &[Kind]) -> Error {
        let mut what = format!("syntax error, unexpected {}", t.kind.display());
        if !expected.is_empty() {
            let names: Vec<&str> = expected.iter().map(|k| k.display()).collect();
            what.push_str(", expecting ");
            what.push_str(&names.join(" or "));
        }
        let last = match t.kind {
            Kind::Unknown if self.lx.previous != Kind::End => self.lx.previous,
            k => k,
        };
        let (lname, lnum) = last.tname();
        let at = if t.kind == Kind::Eof {
            format!(" (at the end, byte {})", t.start)
        } else {
            let shown = &t.text[..t.text.len().min(64)];
            format!(
                " (at byte {}: \"{}\")",
                t.start,
                String::from_utf8_lossy(shown).escape_debug()
            )
        };
        parse_error(format!(
            "Error occured during parsing ({what}): last_token={lname}({lnum}){at}"
        ))
    }

    /// `string: STRING | QUOTED_STRING`.
    fn string(&mut self) -> Result<Vec<u8>, Error> {
        let t = self.token();
        match t.kind {
            Kind::Str | Kind::QuotedStr => Ok(t.text.to_vec()),
            _ => Err(self.syntax(&t, &[Kind::Str, Kind::QuotedStr])),
        }
    }

    /// An optional `/?N` after a server or socket.
    fn optional_weight(&mut self) -> u32 {
        let t = self.token();
        if t.kind == Kind::WeightStart {
            t.number as u32
        } else {
            self.look = Some(t);
            1
        }
    }

    /// Apply `action`; a refusal aborts with `default` or the target's text.
    fn apply(&mut self, action: Action, default: impl FnOnce() -> String) -> Result<(), Error> {
        self.target
            .apply(&action)
            .map_err(|m| parse_error(m.unwrap_or_else(default)))
    }

    fn run(&mut self) -> Result<(), Error> {
        loop {
            if let Flow::Accept = self.statement()? {
                return Ok(());
            }
            let t = self.token();
            match t.kind {
                Kind::Eof => return Ok(()),
                Kind::Space => {}
                _ => return Err(self.syntax(&t, &[Kind::Eof, Kind::Space])),
            }
        }
    }

    fn statement(&mut self) -> Result<Flow, Error> {
        let t = self.token();
        match t.kind {
            Kind::Comment | Kind::ParserDebug | Kind::UserData => {}
            Kind::End => return Ok(Flow::Accept),
            Kind::CslError => return Err(parse_error("ERROR called directly")),
            Kind::Reset => {
                // memcached_reset's result is ignored by 1.1.4 too.
                let _ = self.target.apply(&Action::Reset);
            }
            Kind::Include => {
                let s = self.token();
                if s.kind != Kind::Space {
                    return Err(self.syntax(&s, &[Kind::Space]));
                }
                let path = self.string()?;
                self.include(&path)?;
            }
            Kind::Server => {
                let h = self.token();
                if !matches!(h.kind, Kind::IpAddress | Kind::Hostname) {
                    return Err(self.syntax(&h, &[Kind::IpAddress, Kind::Hostname]));
                }
                let host = h.text.to_vec();
                let mut port = DEFAULT_PORT;
                let n = self.token();
                if n.kind == Kind::Port {
                    port = n.number as u32;
                } else {
                    self.look = Some(n);
                }
                let weight = self.optional_weight();
                let shown = String::from_utf8_lossy(&host).into_owned();
                self.apply(Action::Server { host, port, weight }, || {
                    format!("Failed to add server: {shown}:{port}")
                })?;
                self.lx.is_server = false;
            }
            Kind::CslSocket => {
                let path = self.string()?;
                let weight = self.optional_weight();
                let shown = String::from_utf8_lossy(&path).into_owned();
                self.apply(Action::Socket { path, weight }, || {
                    format!("Failed to add socket: {shown}")
                })?;
            }
            Kind::ConfigureFile => {
                let path = self.string()?;
                if path.is_empty() {
                    return Err(parse_error("--CONFIGURE-FILE needs a file name"));
                }
                let _ = self.target.apply(&Action::ConfigureFile(path));
            }
            Kind::PoolMin | Kind::PoolMax => {
                let n = self.token();
                if n.kind != Kind::Number {
                    return Err(self.syntax(&n, &[Kind::Number]));
                }
                let v = n.number as u32;
                let action = if t.kind == Kind::PoolMin {
                    Action::PoolMin(v)
                } else {
                    Action::PoolMax(v)
                };
                let _ = self.target.apply(&action);
            }
            Kind::Namespace => {
                let ns = self.string()?;
                if self.target.has_namespace() {
                    return Err(parse_error("--NAMESPACE can only be called once"));
                }
                self.apply(Action::Namespace(ns), || {
                    "--NAMESPACE could not be set".to_string()
                })?;
            }
            Kind::FetchVersion => {
                let _ = self.target.apply(&Action::FetchVersion);
            }
            Kind::Tls => {
                self.apply(Action::Tls, || "--TLS could not be set".to_string())?;
            }
            Kind::TlsOption(field) => {
                let value = self.string()?;
                self.apply(Action::TlsSetting(field, value), || {
                    "a --TLS option could not be set".to_string()
                })?;
            }
            Kind::Distribution => {
                let d = self.token();
                let Kind::DistName(dist, ..) = d.kind else {
                    return Err(self.syntax(&d, &[NAMES[0].1, NAMES[1].1, NAMES[2].1]));
                };
                let n = self.token();
                let hash = if n.kind == Kind::Comma {
                    Some(self.hash_name()?)
                } else {
                    self.look = Some(n);
                    None
                };
                self.apply(Action::Distribution(dist), || {
                    "--DISTRIBUTION can only be called once".into()
                })?;
                if let Some(h) = hash {
                    self.apply(Action::DistributionHash(h), || {
                        "Unable to set the hash for the DISTRIBUTION requested".into()
                    })?;
                }
            }
            Kind::Hash => {
                let h = self.hash_name()?;
                let once = "--HASH can only be set once";
                if self.has_hash {
                    return Err(parse_error(once));
                }
                self.target
                    .apply(&Action::Hash(h))
                    .map_err(|_| parse_error(once))?;
                self.has_hash = true;
            }
            Kind::Numeric(behavior, ..) => {
                let n = self.token();
                if n.kind != Kind::Number {
                    return Err(self.syntax(&n, &[Kind::Number]));
                }
                let value = n.number as u64;
                self.apply(Action::Behavior { behavior, value }, || {
                    "Unable to set behavior".into()
                })?;
            }
            Kind::Flag(behavior, ..) => {
                self.apply(Action::Flag(behavior), || {
                    format!("Could not set: {}", crate::behavior::name(behavior))
                })?;
            }
            _ => return Err(self.syntax(&t, &[])),
        }
        Ok(Flow::Continue)
    }

    /// `hash: MD5 | CRC | ...` (nine names: bison lists none of them).
    fn hash_name(&mut self) -> Result<u32, Error> {
        let t = self.token();
        match t.kind {
            Kind::HashName(h, ..) => Ok(h),
            _ => Err(self.syntax(&t, &[])),
        }
    }

    fn include(&mut self, path: &[u8]) -> Result<(), Error> {
        let failed = "Failed to parse configuration file";
        if path.is_empty() {
            return Err(parse_error(format!("{failed} (no file name)")));
        }
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(parse_error(format!(
                "{failed} (INCLUDE nested more than {MAX_INCLUDE_DEPTH} deep)"
            )));
        }
        parse_file_at(path, self.target, self.depth + 1).map_err(|e| {
            let inner = e.message.unwrap_or_else(|| e.code.text().to_string());
            parse_error(format!(
                "{failed} ({}: {inner})",
                String::from_utf8_lossy(path)
            ))
        })
    }
}

fn parse_at(input: &[u8], target: &mut dyn Target, depth: usize) -> Result<(), Error> {
    let mut p = Parser {
        lx: Lexer::new(input),
        target,
        look: None,
        has_hash: false,
        depth,
    };
    p.run()
}

/// Parse one configuration string (`memcached_parse_configuration`),
/// applying its actions to `target` in order. `INCLUDE`d files are read
/// and applied where they appear; a `--CONFIGURE-FILE=` is only passed on
/// as an action (see [`configure`]).
pub fn parse(input: &[u8], target: &mut dyn Target) -> Result<(), Error> {
    parse_at(input, target, 0)
}

/// Read a configuration file as 1.1.4 does: each line (pieces of at most
/// 8191 bytes, cut at a NUL byte) is parsed as its own string; lines that
/// are just a newline are skipped; the first failing line stops it. A file
/// that cannot be opened is `ERRNO`; one with no line to parse is
/// `INVALID_ARGUMENTS`.
pub fn parse_file(path: &[u8], target: &mut dyn Target) -> Result<(), Error> {
    parse_file_at(path, target, 0)
}

fn parse_file_at(path: &[u8], target: &mut dyn Target, depth: usize) -> Result<(), Error> {
    use std::os::unix::ffi::OsStrExt;
    let shown = String::from_utf8_lossy(path).into_owned();
    if path.is_empty() {
        return Err(Error::with_message(
            ReturnCode::InvalidArguments,
            "empty configuration file name",
        ));
    }
    // A configuration file is small: read at most MAX_FILE bytes, so a
    // path like /dev/zero cannot exhaust memory.
    let read_capped = |p: &std::ffi::OsStr| -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut data = Vec::new();
        std::fs::File::open(p)?
            .take(MAX_FILE as u64 + 1)
            .read_to_end(&mut data)?;
        if data.len() > MAX_FILE {
            return Err(std::io::Error::other(format!(
                "file larger than {MAX_FILE} bytes"
            )));
        }
        Ok(data)
    };
    let data = match read_capped(std::ffi::OsStr::from_bytes(path)) {
        Ok(d) => d,
        // fopen() of a directory works in C; reading it yields no line.
        Err(e) if e.raw_os_error() == Some(21) => Vec::new(),
        Err(e) => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or("").to_string();
            let mut err =
                Error::with_message(ReturnCode::Errno, format!("SYSTEM ERROR({text}), {shown}"));
            err.errno = e.raw_os_error().unwrap_or(0);
            return Err(err);
        }
    };
    let mut parsed_any = false;
    let mut rest = &data[..];
    while !rest.is_empty() {
        let cut = rest
            .iter()
            .take(LINE_PIECE)
            .position(|&b| b == b'\n')
            .map_or(rest.len().min(LINE_PIECE), |i| i + 1);
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        let line = match piece.iter().position(|&b| b == 0) {
            Some(nul) => &piece[..nul],
            None => piece,
        };
        if line == b"\n" {
            continue;
        }
        parsed_any = true;
        parse_at(line, target, depth)?;
    }
    if !parsed_any {
        return Err(Error::with_message(
            ReturnCode::InvalidArguments,
            format!("configuration file {shown} has no options"),
        ));
    }
    Ok(())
}

/// Passes actions on and remembers the `--CONFIGURE-FILE` in force.
struct FileTracker<'t> {
    inner: &'t mut dyn Target,
    file: Option<Vec<u8>>,
}

impl Target for FileTracker<'_> {
    fn apply(&mut self, action: &Action) -> Result<(), Option<String>> {
        match action {
            Action::ConfigureFile(p) => self.file = Some(p.clone()),
            Action::Reset => self.file = None,
            _ => {}
        }
        self.inner.apply(action)
    }
    fn has_namespace(&self) -> bool {
        self.inner.has_namespace()
    }
}

/// Parse a configuration string, then the `--CONFIGURE-FILE` it names (if
/// any, the last one given since the last `RESET`), as `memcached()` and
/// `libmemcached_check_configuration` do.
pub fn configure(input: &[u8], target: &mut dyn Target) -> Result<(), Error> {
    let mut tracker = FileTracker {
        inner: target,
        file: None,
    };
    parse(input, &mut tracker)?;
    match tracker.file {
        Some(file) => parse_file(&file, target),
        None => Ok(()),
    }
}

/// Check a namespace as `memcached_set_namespace` does (key validation
/// forced on): not empty, shorter than 251 bytes, printable ASCII unless the
/// binary protocol is on, at most 127 bytes. The message is 1.1.4's.
pub fn check_namespace(ns: &[u8], binary_protocol: bool) -> Result<(), Error> {
    let fail = |code: ReturnCode, msg: &str| {
        Err(Error::with_message(code, format!("{}, {msg}", code.text())))
    };
    if ns.is_empty() {
        return fail(
            ReturnCode::InvalidArguments,
            "Invalid namespace, namespace string had value but length was 0",
        );
    }
    if ns.len() >= 251 {
        return fail(ReturnCode::BadKeyProvided, "Key provided was too long.");
    }
    if !binary_protocol && !ns.iter().all(|b| b.is_ascii_graphic()) {
        return fail(
            ReturnCode::BadKeyProvided,
            "Key provided had invalid character.",
        );
    }
    if ns.len() > MAX_NAMESPACE_LEN {
        return fail(ReturnCode::KeyTooBig, "namespace longer than 127 bytes");
    }
    Ok(())
}

/// A target that records every action (namespace rules applied, nothing
/// refused otherwise).
#[derive(Debug, Default)]
pub struct Collector {
    pub actions: Vec<Action>,
    namespace: bool,
    binary: bool,
}

impl Target for Collector {
    fn apply(&mut self, action: &Action) -> Result<(), Option<String>> {
        match action {
            Action::Namespace(ns) => {
                check_namespace(ns, self.binary).map_err(|e| e.message)?;
                self.namespace = true;
            }
            Action::Flag(b) if *b == id::BINARY_PROTOCOL => self.binary = true,
            Action::Reset => {
                self.namespace = false;
                self.binary = false;
            }
            _ => {}
        }
        self.actions.push(action.clone());
        Ok(())
    }
    fn has_namespace(&self) -> bool {
        self.namespace
    }
}

/// Parse `input` (and its `--CONFIGURE-FILE`) into the list of actions.
pub fn collect(input: &[u8]) -> Result<Vec<Action>, Error> {
    let mut c = Collector::default();
    configure(input, &mut c)?;
    Ok(c.actions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Vec<Action> {
        collect(s.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e:?}"))
    }

    fn err(s: &str) -> String {
        match collect(s.as_bytes()) {
            Ok(a) => panic!("{s:?} parsed: {a:?}"),
            Err(e) => {
                assert_eq!(e.code, ReturnCode::ParseError, "{s:?}");
                e.message.unwrap_or_default()
            }
        }
    }

    fn server(h: &str, port: u32, weight: u32) -> Action {
        Action::Server {
            host: h.as_bytes().to_vec(),
            port,
            weight,
        }
    }

    #[test]
    fn servers_ports_weights() {
        assert_eq!(
            ok("--SERVER=localhost"),
            vec![server("localhost", 11211, 1)]
        );
        assert_eq!(
            ok("--server=127.0.0.1:11211/?3"),
            vec![server("127.0.0.1", 11211, 3)]
        );
        assert_eq!(
            ok("--SERVER=127.0.0.1/?3"),
            vec![server("127.0.0.1", 11211, 3)]
        );
        assert_eq!(ok("--SERVER=abc:99999"), vec![server("abc", 99999, 1)]);
        assert_eq!(
            ok("--SERVER=1.2.3.4.5"),
            vec![server("1.2.3.4.5", 11211, 1)]
        );
        assert_eq!(ok("--SERVER=ab\"cd"), vec![server("ab\"cd", 11211, 1)]);
        assert_eq!(
            ok("--SERVER=a-b --SERVER=a_b.c-d:1/?2"),
            vec![server("a-b", 11211, 1), server("a_b.c-d", 1, 2)]
        );
        assert_eq!(
            ok("--SOCKET=\"/tmp/s\"/?3 --SOCKET=abc"),
            vec![
                Action::Socket {
                    path: b"/tmp/s".to_vec(),
                    weight: 3
                },
                Action::Socket {
                    path: b"abc".to_vec(),
                    weight: 1
                }
            ]
        );
    }

    #[test]
    fn bare_strings_need_three_characters() {
        assert!(err("--SERVER=h1").contains("unexpected UNKNOWN, expecting IPADDRESS or HOSTNAME"));
        assert!(err("--SERVER=h1").contains("last_token=SERVER(266)"));
        assert!(err("--SERVER=-ab").contains("expecting IPADDRESS or HOSTNAME"));
        assert!(err("--SERVER=ab_").contains("expecting IPADDRESS or HOSTNAME"));
        assert!(err("--NAMESPACE=a").contains("expecting STRING or QUOTED_STRING"));
        assert!(err("--SERVER=123").contains("unexpected NUMBER, expecting IPADDRESS or HOSTNAME"));
        assert!(err("--SERVER=\"localhost\"").contains("unexpected QUOTED_STRING"));
        assert_eq!(
            ok("--NAMESPACE=\"a\""),
            vec![Action::Namespace(b"a".to_vec())]
        );
    }

    #[test]
    fn spacing_is_exact() {
        assert!(err("--SERVER=abc  --SERVER=def").contains("unexpected ' '): last_token=' '(32)"));
        assert!(err(" --SERVER=abc").contains("unexpected ' '"));
        assert!(
            err("--SERVER=abc ").contains("unexpected end of file): last_token=\"end of file\"(0)")
        );
        assert!(
            err("--SERVER=abc,--SERVER=def")
                .contains("unexpected ',', expecting end of file or ' '")
        );
        assert!(
            err("--SERVER=abc\n--SERVER=def")
                .contains("unexpected SERVER, expecting end of file or ' '")
        );
        assert_eq!(ok("\t--SERVER=abc\n").len(), 1);
        assert_eq!(ok("--SERVER=\tabc").len(), 1);
        assert!(err("\n").contains("unexpected end of file"));
    }

    #[test]
    fn weights_and_ports_syntax() {
        assert!(
            err("--SERVER=localhost:1/2")
                .contains("unexpected UNKNOWN, expecting end of file or ' '")
        );
        assert!(
            err("--SERVER=localhost:123456")
                .contains("unexpected NUMBER, expecting end of file or ' '")
        );
        assert!(err("--SERVER=abc:11211:11212").contains("unexpected PORT"));
        assert!(
            err("--SERVER=abc:1 /?2")
                .contains("unexpected WEIGHT_START): last_token=WEIGHT_START(322)")
        );
        assert!(err("--SOCKET=/tmp/sock").contains("last_token=CSL_SOCKET(267)"));
    }

    #[test]
    fn options_and_values() {
        assert_eq!(
            ok("--CONNECT-TIMEOUT=10 --TCP-KEEPIDLE --POOL-MIN=3 --POOL-MAX=10"),
            vec![
                Action::Behavior {
                    behavior: id::CONNECT_TIMEOUT,
                    value: 10
                },
                Action::Flag(id::TCP_KEEPIDLE),
                Action::PoolMin(3),
                Action::PoolMax(10)
            ]
        );
        // atoi: 4294967295 becomes -1, 2147483648 becomes INT_MIN.
        assert_eq!(
            ok("--POLL-TIMEOUT=4294967295 --RCV-TIMEOUT=2147483648"),
            vec![
                Action::Behavior {
                    behavior: id::POLL_TIMEOUT,
                    value: u64::MAX
                },
                Action::Behavior {
                    behavior: id::RCV_TIMEOUT,
                    value: (i32::MIN as i64) as u64
                }
            ]
        );
        assert!(err("--CONNECT-TIMEOUT=").contains("unexpected end of file, expecting NUMBER"));
        assert!(err("--CONNECT-TIMEOUT=abc").contains("unexpected STRING, expecting NUMBER"));
        assert!(err("--CONNECT-TIMEOUT=-5").contains("last_token=CONNECT_TIMEOUT(274)"));
        assert_eq!(
            ok("--FETCH-VERSION --USER-DATA"),
            vec![Action::FetchVersion]
        );
        assert_eq!(
            ok("--binary-protocol"),
            vec![Action::Flag(id::BINARY_PROTOCOL)]
        );
    }

    #[test]
    fn unknown_options() {
        for s in [
            "--FOO",
            "--SERVER-FAILURE-LIMIT=3",
            "--KETAMA-HASH",
            "--NOREPLYX",
            "--",
            "--SERVER\t=abc",
        ] {
            assert!(
                err(s).contains("unexpected UNKNOWN_OPTION): last_token=UNKNOWN_OPTION(270)"),
                "{s}"
            );
        }
        assert!(err("--BINARY-PROTOCOLX").contains("last_token=BINARY_PROTOCOL(272)"));
        assert!(err("-").contains("last_token=UNKNOWN(271)"));
        assert!(err("=").contains("unexpected '='"));
        assert!(err("TRUE").contains("unexpected CSL_TRUE"));
        assert!(err("SERVERS").contains("unexpected SERVERS"));
        assert!(err("ERROR").contains("unexpected STRING"));
    }

    #[test]
    fn hash_and_distribution() {
        assert_eq!(ok("--HASH=md5"), vec![Action::Hash(1)]);
        assert!(err("--HASH=MD5 --HASH=CRC").contains("--HASH can only be set once"));
        assert!(err("--HASH=FOO").contains("unexpected STRING): last_token=STRING(325)"));
        assert!(err("--HASH=MURMUR3").contains("unexpected STRING"));
        assert_eq!(
            ok("--DISTRIBUTION=CONSISTENT,MD5 --DISTRIBUTION=modula"),
            vec![
                Action::Distribution(1),
                Action::DistributionHash(1),
                Action::Distribution(0)
            ]
        );
        assert!(err("--DISTRIBUTION=KETAMA").contains("expecting CONSISTENT or MODULA or RANDOM"));
        assert!(err("--DISTRIBUTION=CONSISTENT,").contains("unexpected end of file)"));
        assert!(err("--DISTRIBUTION=CONSISTENT,MD5,CRC").contains("unexpected ','"));
        // HASH is once per string: RESET does not clear it.
        assert!(err("--HASH=MD5 RESET --HASH=CRC").contains("once"));
    }

    #[test]
    fn namespace_rules() {
        assert!(
            err("--NAMESPACE=abc --NAMESPACE=def").contains("--NAMESPACE can only be called once")
        );
        assert_eq!(ok("--NAMESPACE=abc RESET --NAMESPACE=def").len(), 3);
        assert!(err("--NAMESPACE=\"a b\"").contains("invalid character"));
        assert_eq!(ok("--BINARY-PROTOCOL --NAMESPACE=\"a b\"").len(), 2);
        assert!(err("--NAMESPACE=\"\"").contains("length was 0"));
        assert!(err(&format!("--NAMESPACE={}", "a".repeat(128))).contains("TOO LARGE"));
        assert_eq!(ok(&format!("--NAMESPACE={}", "a".repeat(127))).len(), 1);
        assert!(
            err("--NAMESPACE=end").contains("unexpected END, expecting STRING or QUOTED_STRING")
        );
        assert!(err("--NAMESPACE=1.2.3.4").contains("unexpected IPADDRESS"));
        assert_eq!(
            ok("--NAMESPACE=L\"abc\""),
            vec![Action::Namespace(b"\"abc".to_vec())]
        );
        assert_eq!(
            ok("--NAMESPACE=\"a\\\"b\""),
            vec![Action::Namespace(b"a\\\"b".to_vec())]
        );
        assert!(err("--NAMESPACE=\"ab\"cd\"").contains("expecting end of file or ' '"));
    }

    #[test]
    fn statements() {
        assert!(ok("END --FOO  garbage").is_empty());
        assert_eq!(ok("--SERVER=abc END --FOO").len(), 1);
        assert!(err("ENDX").contains("unexpected STRING"));
        assert_eq!(ok("RESET"), vec![Action::Reset]);
        assert!(ok("DEBUG").is_empty());
        assert!(err("CSL_ERROR").contains("ERROR called directly"));
        assert!(err("#comment").contains("last_token=UNKNOWN(271)"));
        assert!(ok("#comment\n").is_empty());
        assert_eq!(ok("#comment\n --SERVER=abc").len(), 1);
        assert!(err("#comment\n--SERVER=abc").contains("unexpected SERVER"));
        assert!(err("--SERVER=abc\n#comment\n").contains("unexpected COMMENT"));
        assert!(err("INCLUDE").contains("unexpected end of file, expecting ' '"));
        assert!(err("INCLUDE /tmp/x").contains("last_token=INCLUDE(263)"));
        assert!(err("INCLUDE \"\"").contains("Failed to parse configuration file"));
        assert!(err("INCLUDE \"/nonexistent/x\"").contains("Failed to parse configuration file"));
    }

    #[test]
    fn files() {
        let dir = std::env::temp_dir().join(format!("csl-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let f1 = dir.join("f1.cfg");
        std::fs::write(&f1, "--SERVER=abc\n\n--HASH=MD5\n--HASH=CRC\n").expect("write");
        let empty = dir.join("empty.cfg");
        std::fs::write(&empty, "\n\n").expect("write");
        let me = dir.join("self.cfg");
        std::fs::write(&me, format!("INCLUDE \"{}\"\n", me.display())).expect("write");
        let p = |f: &std::path::Path| f.display().to_string();
        let actions = ok(&format!("--CONFIGURE-FILE=\"{}\" --SERVER=zzz", p(&f1)));
        assert_eq!(actions[1], server("zzz", 11211, 1));
        assert_eq!(actions[2], server("abc", 11211, 1));
        assert_eq!(actions[3..], [Action::Hash(1), Action::Hash(2)]);
        assert_eq!(ok(&format!("INCLUDE \"{}\"", p(&f1))).len(), 3);
        let e = collect(format!("--CONFIGURE-FILE=\"{}\"", p(&empty)).as_bytes()).unwrap_err();
        assert_eq!(e.code, ReturnCode::InvalidArguments);
        let e = collect(b"--CONFIGURE-FILE=\"/nonexistent/x\"").unwrap_err();
        assert_eq!((e.code, e.errno), (ReturnCode::Errno, 2));
        assert!(err(&format!("INCLUDE \"{}\"", p(&empty))).contains("Failed to parse"));
        assert!(err(&format!("INCLUDE \"{}\"", p(&me))).contains("nested"));
        // RESET forgets the configure file.
        assert_eq!(ok("--CONFIGURE-FILE=\"/nonexistent/x\" RESET").len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn lexer_ties_and_longest_match() {
        let kinds = |s: &str| {
            let mut lx = Lexer::new(s.as_bytes());
            let mut v = Vec::new();
            for _ in 0..16 {
                let t = lx.next();
                if t.kind == Kind::Eof {
                    break;
                }
                v.push(t.kind.tname().0);
            }
            v
        };
        assert_eq!(kinds("123"), ["NUMBER"]);
        assert_eq!(kinds("12a"), ["STRING"]);
        assert_eq!(kinds("127.0.0.1"), ["IPADDRESS"]);
        assert_eq!(kinds("1.2.3.4567"), ["STRING"]);
        assert_eq!(kinds("md5 MD5x"), ["MD5", "' '", "STRING"]);
        assert_eq!(
            kinds("--HASH=--HASH-WITH-NAMESPACE"),
            ["HASH", "HASH_WITH_NAMESPACE"]
        );
        assert_eq!(kinds(":123456"), ["PORT", "NUMBER"]);
        assert_eq!(kinds("/?7"), ["WEIGHT_START"]);
        assert_eq!(kinds("L\"x\""), ["QUOTED_STRING"]);
    }
}
