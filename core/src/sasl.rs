//! SASL authentication over the binary protocol, done natively (no Cyrus
//! plugins): the credentials a handle carries and the exchange that runs on
//! every new connection before its first command.
//!
//! The exchange, as libmemcached 1.1.4 drives it (facts §8):
//! 1. `SASL_LIST_MECHS` (0x20) with an empty body; the reply body is the
//!    server's space-separated mechanism list.
//! 2. `SASL_AUTH` (0x21) with key = the chosen mechanism and value = the
//!    initial response.
//! 3. While the status is 0x21 (continue): `SASL_STEP` (0x22) with key = the
//!    mechanism and value = the answer to the server's challenge.
//! 4. Status 0 means authenticated; 0x20 means the credentials were refused.
//!
//! Mechanisms: CRAM-MD5 (RFC 2195, HMAC-MD5 over the server's challenge) is
//! preferred over PLAIN (RFC 4616) when the server offers both, because it
//! never sends the password itself.
//!
//! What a connection pays: the server's list is asked once per server and
//! remembered for the handle's lifetime (and its clones), so later
//! connections skip step 1. The last request of the exchange (PLAIN's AUTH,
//! CRAM-MD5's STEP once the challenge is in) is not waited for: it is left
//! in the write buffer, goes out in the same write as the connection's first
//! command, and its reply, which the server sends first, is read before
//! that command's ([`pending_reply`], called by the binary codec). So PLAIN
//! costs no round trip and CRAM-MD5 one. A remembered mechanism the server
//! refuses at AUTH gets one fresh `LIST_MECHS`; a refused pipelined
//! authentication fails that command with AUTH_FAILURE (the server is
//! marked as after a failed connect, and asked again next time). Over TLS,
//! PLAIN is chosen when offered (the channel protects it; a round trip
//! fewer).
//!
//! Codes, as 1.1.4 gives them: refused credentials → AUTH_FAILURE (41);
//! no common mechanism or a malformed exchange → AUTH_PROBLEM (40); a server
//! without SASL answers `LIST_MECHS` with 0x81 → UNKNOWN_READ_FAILURE (7);
//! credentials on an ASCII-protocol handle → INVALID_ARGUMENTS (38). The
//! caller ([`Client::connect`]) treats every failure as a failed connect, so
//! the server is marked like after a refused connection.
//!
//! Credentials are held in [`Secret`]s, which are wiped (zeroed with volatile
//! writes) when dropped or replaced, and which no `Debug` output or error
//! message ever shows. Request buffers that held the password are wiped too.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use md5::Md5;
use zeroize::Zeroize;

use crate::client::Client;
use crate::connection::Connection;
use crate::error::{Error, Result, ReturnCode};
use crate::protocol::binary::{self, opcode, status};

/// The most `SASL_STEP` round trips accepted before the exchange is
/// declared broken (CRAM-MD5 needs one, PLAIN none).
const MAX_STEPS: usize = 4;

/// Bytes that are wiped when dropped and never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// A copy of `bytes`.
    pub fn new(bytes: &[u8]) -> Secret {
        Secret(bytes.to_vec())
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Append bytes. The buffer is grown first so that no copy of the
    /// contents is left behind in a freed allocation.
    fn extend(&mut self, parts: &[&[u8]]) {
        let need = self.0.len() + parts.iter().map(|p| p.len()).sum::<usize>();
        if need > self.0.capacity() {
            let mut bigger = Vec::with_capacity(need);
            bigger.extend_from_slice(&self.0);
            self.0.zeroize();
            self.0 = bigger;
        }
        for p in parts {
            self.0.extend_from_slice(p);
        }
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A user name and password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: Secret,
    pub password: Secret,
}

impl Credentials {
    /// Copies of `user` and `password`.
    pub fn new(user: &[u8], password: &[u8]) -> Credentials {
        Credentials {
            user: Secret::new(user),
            password: Secret::new(password),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &String::from_utf8_lossy(self.user.as_bytes()))
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Reads credentials when a connection is made (e.g. from C callbacks).
pub type Provider = dyn Fn() -> Result<Credentials> + Send + Sync;

/// Where a handle's SASL credentials come from.
#[derive(Clone)]
pub enum SaslCredentials {
    /// Fixed at configuration time (`memcached_set_sasl_auth_data`).
    Fixed(Credentials),
    /// Asked for on every new connection (`memcached_set_sasl_callbacks`).
    Provided(Arc<Provider>),
}

impl SaslCredentials {
    /// Fixed credentials (copied).
    pub fn new(user: &[u8], password: &[u8]) -> SaslCredentials {
        SaslCredentials::Fixed(Credentials::new(user, password))
    }

    /// Credentials read through `provider` on every new connection.
    pub fn from_provider(
        provider: impl Fn() -> Result<Credentials> + Send + Sync + 'static,
    ) -> SaslCredentials {
        SaslCredentials::Provided(Arc::new(provider))
    }

    /// The fixed credentials, if these are fixed.
    pub fn fixed(&self) -> Option<&Credentials> {
        match self {
            SaslCredentials::Fixed(c) => Some(c),
            SaslCredentials::Provided(_) => None,
        }
    }

    /// The credentials to use now (a copy, wiped when dropped).
    pub fn resolve(&self) -> Result<Credentials> {
        match self {
            SaslCredentials::Fixed(c) => Ok(c.clone()),
            SaslCredentials::Provided(p) => p(),
        }
    }
}

impl fmt::Debug for SaslCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaslCredentials::Fixed(c) => f.debug_tuple("Fixed").field(c).finish(),
            SaslCredentials::Provided(_) => f.write_str("Provided(<callbacks>)"),
        }
    }
}

/// A mechanism this library speaks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mechanism {
    Plain,
    CramMd5,
}

impl Mechanism {
    /// Ours, strongest first.
    pub const PREFERENCE: [Mechanism; 2] = [Mechanism::CramMd5, Mechanism::Plain];

    /// The IANA name, as sent in the key of `SASL_AUTH`.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::CramMd5 => "CRAM-MD5",
        }
    }
}

/// The strongest mechanism we support among those the server lists
/// (separated by blanks or commas, case-insensitive).
pub fn choose_mechanism(server_list: &[u8]) -> Option<Mechanism> {
    choose_mechanism_for(server_list, false)
}

/// [`choose_mechanism`], or PLAIN first when the channel is encrypted.
pub fn choose_mechanism_for(server_list: &[u8], encrypted: bool) -> Option<Mechanism> {
    let offered = |m: &Mechanism| lists(server_list, *m);
    if encrypted && offered(&Mechanism::Plain) {
        return Some(Mechanism::Plain);
    }
    Mechanism::PREFERENCE.into_iter().find(offered)
}

/// PLAIN's message as 1.1.4 (Cyrus) sends it: `user NUL user NUL password`.
pub fn plain_response(c: &Credentials) -> Secret {
    let mut out = Secret::default();
    let user = c.user.as_bytes();
    out.extend(&[user, b"\0", user, b"\0", c.password.as_bytes()]);
    out
}

/// CRAM-MD5's answer to `challenge`: `user SP hex(HMAC-MD5(password, challenge))`.
pub fn cram_md5_response(c: &Credentials, challenge: &[u8]) -> Secret {
    let mut mac =
        <Hmac<Md5> as Mac>::new_from_slice(c.password.as_bytes()).expect("HMAC takes any key");
    mac.update(challenge);
    let digest = mac.finalize().into_bytes();
    let mut hex = [0u8; 32];
    for (i, b) in digest.iter().enumerate() {
        hex[2 * i] = HEX[(b >> 4) as usize];
        hex[2 * i + 1] = HEX[(b & 0xf) as usize];
    }
    let mut out = Secret::default();
    out.extend(&[c.user.as_bytes(), b" ", &hex]);
    hex.zeroize();
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Send one request and read its reply: `(status, body)`, where the body is
/// what follows the extras and key.
fn round_trip(conn: &mut Connection, op: u8, mech: &[u8], data: &[u8]) -> Result<(u16, Vec<u8>)> {
    conn.begin_op()?;
    let opaque = conn.next_opaque();
    if op == opcode::SASL_LIST_MECHS {
        binary::encode_simple(&mut conn.wbuf, op, &[], opaque);
    } else {
        binary::encode_sasl(&mut conn.wbuf, op, mech, data, opaque);
    }
    let sent = conn.flush();
    wipe_buffer(&mut conn.wbuf);
    sent?;
    let h = binary::read_header(conn, opaque)?;
    if h.opcode != op {
        return Err(Error::with_message(
            ReturnCode::AuthProblem,
            format!(
                "the server answered SASL opcode {op:#04x} with opcode {:#04x}",
                h.opcode
            ),
        ));
    }
    Ok((h.status, reply_body(conn, &h)?))
}

/// The body of a SASL reply whose header `h` was read: what follows its
/// extras and key.
fn reply_body(conn: &mut Connection, h: &binary::ResponseHeader) -> Result<Vec<u8>> {
    let len = h.body_len as usize;
    binary::read_small_body(conn, len)?;
    let skip = (usize::from(h.extras_len) + usize::from(h.key_len)).min(len);
    let body = conn.buffered()[skip..len].to_vec();
    conn.consume(len);
    Ok(body)
}

/// The error for a continuation the mechanism does not have.
fn unexpected_step(mech: Mechanism) -> Error {
    Error::with_message(
        ReturnCode::AuthProblem,
        format!(
            "SASL {} authentication: the server asked for an unexpected step",
            mech.name()
        ),
    )
}

/// Overwrite the whole allocation of a request buffer (it may have held a
/// password), leaving it empty.
fn wipe_buffer(buf: &mut Vec<u8>) {
    buf.zeroize();
}

/// The error for a failed exchange step.
fn step_error(st: u16, mech: Mechanism, body: &[u8]) -> Error {
    let said = String::from_utf8_lossy(body);
    let said = said.trim();
    let detail = if said.is_empty() {
        String::new()
    } else {
        format!(" (server said: {said})")
    };
    match st {
        status::AUTH_ERROR => Error::with_message(
            ReturnCode::AuthFailure,
            format!("SASL {} authentication was refused{detail}", mech.name()),
        ),
        _ => Error::with_message(
            ReturnCode::AuthProblem,
            format!(
                "SASL {} authentication failed with status {st:#06x}{detail}",
                mech.name()
            ),
        ),
    }
}

/// The server's mechanism list (`SASL_LIST_MECHS`).
fn list_mechs(conn: &mut Connection) -> Result<Vec<u8>> {
    let (st, list) = round_trip(conn, opcode::SASL_LIST_MECHS, &[], &[])?;
    if st != status::SUCCESS {
        // 1.1.4 maps the status like any reply: 0x81 (no SASL) gives 7.
        let code = binary::status_to_return(st);
        return Err(Error::with_message(
            code,
            format!("the server refused SASL_LIST_MECHS with status {st:#06x}"),
        ));
    }
    Ok(list)
}

/// Which of our mechanisms a server offers, as remembered per server
/// (`Server::sasl_mechs`): a bit per mechanism, and [`Offered::KNOWN`].
pub struct Offered;

impl Offered {
    /// Set once the server has been asked.
    pub const KNOWN: u8 = 0x80;

    fn bit(m: Mechanism) -> u8 {
        match m {
            Mechanism::Plain => 1,
            Mechanism::CramMd5 => 2,
        }
    }

    /// The bits for the list a server sent.
    pub fn of(list: &[u8]) -> u8 {
        let offered = Mechanism::PREFERENCE
            .into_iter()
            .filter(|m| lists(list, *m))
            .fold(0, |acc, m| acc | Offered::bit(m));
        offered | Offered::KNOWN
    }

    /// The mechanism to use with remembered bits (None: none in common).
    pub fn choose(bits: u8, encrypted: bool) -> Option<Mechanism> {
        let has = |m: &Mechanism| bits & Offered::bit(*m) != 0;
        if encrypted && has(&Mechanism::Plain) {
            return Some(Mechanism::Plain);
        }
        Mechanism::PREFERENCE.into_iter().find(has)
    }
}

/// Whether `list` names `m`.
fn lists(list: &[u8], m: Mechanism) -> bool {
    list.split(|b| b.is_ascii_whitespace() || *b == b',' || *b == 0)
        .any(|o| o.eq_ignore_ascii_case(m.name().as_bytes()))
}

/// The mechanism to use with a server listing `list`.
fn pick(list: &[u8], encrypted: bool) -> Result<Mechanism> {
    choose_mechanism_for(list, encrypted).ok_or_else(|| {
        Error::with_message(
            ReturnCode::AuthProblem,
            format!(
                "no common SASL mechanism: the server offers \"{}\", this library speaks CRAM-MD5 and PLAIN",
                String::from_utf8_lossy(list).trim()
            ),
        )
    })
}

/// Run the whole exchange on a fresh binary-protocol connection, waiting
/// for every reply (used where nothing can be pipelined: UDP).
pub fn authenticate(conn: &mut Connection, creds: &SaslCredentials) -> Result<Mechanism> {
    let list = list_mechs(conn)?;
    let mech = pick(&list, conn.is_tls())?;
    let c = creds.resolve()?;
    let first = match mech {
        Mechanism::Plain => plain_response(&c),
        Mechanism::CramMd5 => Secret::default(),
    };
    let name = mech.name().as_bytes();
    let (mut st, mut body) = round_trip(conn, opcode::SASL_AUTH, name, first.as_bytes())?;
    drop(first);
    let mut steps = 0;
    while st == status::AUTH_CONTINUE {
        steps += 1;
        if mech == Mechanism::Plain || steps > MAX_STEPS {
            return Err(unexpected_step(mech));
        }
        let answer = cram_md5_response(&c, &body);
        (st, body) = round_trip(conn, opcode::SASL_STEP, name, answer.as_bytes())?;
    }
    if st == status::SUCCESS {
        Ok(mech)
    } else {
        Err(step_error(st, mech, &body))
    }
}

/// The last request of an exchange, sent with the connection's first
/// command and not yet answered (see [`pending_reply`]).
#[derive(Clone, Debug)]
pub struct Pending {
    opaque: u32,
    op: u8,
    mech: Mechanism,
    /// The mechanism came from the server's list remembered from an
    /// earlier connection (not asked on this one).
    remembered: bool,
}

/// Leave `op` (AUTH or STEP) in the write buffer, to go out with the first
/// command; its reply is read by [`pending_reply`].
fn send_with_first_command(
    conn: &mut Connection,
    op: u8,
    mech: Mechanism,
    remembered: bool,
    data: &Secret,
) {
    let opaque = conn.next_opaque();
    binary::encode_sasl(
        &mut conn.wbuf,
        op,
        mech.name().as_bytes(),
        data.as_bytes(),
        opaque,
    );
    conn.sasl_pending = Some(Pending {
        opaque,
        op,
        mech,
        remembered,
    });
}

/// Start the exchange on a fresh connection, using (and filling)
/// `remembered`, the server's mechanism list: everything up to the last
/// request, which is left pending.
fn start(conn: &mut Connection, creds: &SaslCredentials, remembered: &mut u8) -> Result<()> {
    let encrypted = conn.is_tls();
    loop {
        let fresh = *remembered == 0;
        let mech = if fresh {
            let list = list_mechs(conn)?;
            let mech = pick(&list, encrypted)?;
            *remembered = Offered::of(&list);
            mech
        } else {
            Offered::choose(*remembered, encrypted).ok_or_else(|| {
                Error::with_message(ReturnCode::AuthProblem, "no common SASL mechanism")
            })?
        };
        let c = creds.resolve()?;
        if mech == Mechanism::Plain {
            let auth = plain_response(&c);
            send_with_first_command(conn, opcode::SASL_AUTH, mech, !fresh, &auth);
            return Ok(());
        }
        let name = mech.name().as_bytes();
        let (st, body) = round_trip(conn, opcode::SASL_AUTH, name, &[])?;
        match st {
            status::AUTH_CONTINUE => {
                let answer = cram_md5_response(&c, &body);
                send_with_first_command(conn, opcode::SASL_STEP, mech, !fresh, &answer);
                return Ok(());
            }
            status::SUCCESS => return Ok(()),
            // A remembered mechanism refused: ask the server once more.
            status::AUTH_ERROR if !fresh => *remembered = 0,
            _ => return Err(step_error(st, mech, &body)),
        }
    }
}

/// The reply to a connection's pending SASL request, whose header `h`
/// (already consumed) came before every other reply: the binary codec
/// hands it here before it reads the command's. A refusal is
/// AUTH_FAILURE naming the mechanism; anything but the expected reply is
/// an AUTH_PROBLEM. Either way the caller closes the connection, so the
/// command's own reply is never misread.
#[cold]
#[inline(never)]
pub fn pending_reply(conn: &mut Connection, p: Pending, h: &binary::ResponseHeader) -> Result<()> {
    // The request that carried the credentials has been sent: wipe the
    // whole allocation of the write buffer, not only what is in use.
    let used = conn.wbuf.len();
    conn.wbuf.resize(conn.wbuf.capacity(), 0);
    conn.wbuf.truncate(used);
    if h.opaque != p.opaque || h.opcode != p.op {
        return Err(Error::with_message(
            ReturnCode::AuthProblem,
            format!(
                "SASL {}: the server answered opcode {:#04x} (opaque {}) before the authentication's reply",
                p.mech.name(),
                h.opcode,
                h.opaque
            ),
        ));
    }
    let body = reply_body(conn, h)?;
    match h.status {
        status::SUCCESS => Ok(()),
        status::AUTH_CONTINUE => Err(unexpected_step(p.mech)),
        st => {
            // A refused PLAIN (a refused CRAM-MD5 is seen before its STEP
            // is left pending) that came from the remembered list: the
            // server may have changed what it accepts. The command sent
            // with it was not run (an unauthenticated connection runs
            // nothing), so it may go again after a fresh list.
            conn.sasl_retry = st == status::AUTH_ERROR && p.remembered;
            Err(step_error(st, p.mech, &body))
        }
    }
}

impl Client {
    /// Authenticate a connection that was just opened to server `idx`,
    /// when the handle has credentials; the connection comes back ready for
    /// commands, the last request of the exchange left for its first
    /// command to carry. An error means the connection is dropped (closed)
    /// and the connect failed.
    pub fn sasl_authenticate_new(&mut self, idx: usize, conn: Connection) -> Result<Connection> {
        if self.sasl.is_none() {
            return Ok(conn);
        }
        if !self.codec().supports_sasl() {
            return Err(Error::with_message(
                ReturnCode::InvalidArguments,
                "SASL authentication is not supported over the ASCII protocol",
            ));
        }
        let mut conn = conn;
        conn.set_timeouts(self.timeouts())?;
        let Some(creds) = self.sasl.as_ref() else {
            return Ok(conn);
        };
        if conn.is_udp() {
            authenticate(&mut conn, creds)?;
        } else {
            start(&mut conn, creds, &mut self.servers[idx].sasl_mechs)?;
        }
        Ok(conn)
    }

    /// After a command on server `idx` failed: a refused authentication
    /// marks the server as a failed connect does (1.1.4 authenticates
    /// inside the connect), and its mechanisms are asked again next time.
    pub(crate) fn sasl_refused(&mut self, idx: usize, e: &Error) -> bool {
        if e.code != ReturnCode::AuthFailure || self.sasl.is_none() {
            return false;
        }
        self.servers[idx].sasl_mechs = 0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_the_strongest_common_mechanism() {
        assert_eq!(
            choose_mechanism(b"PLAIN CRAM-MD5"),
            Some(Mechanism::CramMd5)
        );
        assert_eq!(
            choose_mechanism(b"cram-md5 plain"),
            Some(Mechanism::CramMd5)
        );
        assert_eq!(choose_mechanism(b"PLAIN"), Some(Mechanism::Plain));
        assert_eq!(
            choose_mechanism(b"DIGEST-MD5 PLAIN\n"),
            Some(Mechanism::Plain)
        );
        assert_eq!(choose_mechanism(b"DIGEST-MD5 GSSAPI"), None);
        assert_eq!(choose_mechanism(b""), None);
        // A name must match whole, not as a prefix.
        assert_eq!(choose_mechanism(b"PLAINX CRAM-MD5-PLUS"), None);
    }

    #[test]
    fn plain_first_over_tls() {
        let both = b"CRAM-MD5 PLAIN";
        assert_eq!(choose_mechanism_for(both, true), Some(Mechanism::Plain));
        assert_eq!(choose_mechanism_for(both, false), Some(Mechanism::CramMd5));
        assert_eq!(
            choose_mechanism_for(b"CRAM-MD5", true),
            Some(Mechanism::CramMd5)
        );
    }

    #[test]
    fn plain_message_matches_1_1_4() {
        let c = Credentials::new(b"user", b"pw");
        assert_eq!(plain_response(&c).as_bytes(), b"user\0user\0pw");
    }

    #[test]
    fn cram_md5_rfc_2195_example() {
        // RFC 2195 section 2's example exchange.
        let c = Credentials::new(b"tim", b"tanstaaftanstaaf");
        let r = cram_md5_response(&c, b"<1896.697170952@postoffice.reston.mci.net>");
        assert_eq!(r.as_bytes(), b"tim b913a602c7eda7a495b4e6e7334d3890");
    }

    #[test]
    fn debug_never_shows_the_password() {
        let s = SaslCredentials::new(b"alice", b"hunter2-secret");
        let text = format!("{s:?}");
        assert!(text.contains("alice"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        let p = SaslCredentials::from_provider(|| Ok(Credentials::new(b"bob", b"pw-xyz")));
        assert!(!format!("{p:?}").contains("pw-xyz"));
        assert_eq!(p.resolve().unwrap().user.as_bytes(), b"bob");
        assert!(!format!("{:?}", Secret::new(b"zzz")).contains("zzz"));
    }

    #[test]
    fn secret_growth_keeps_contents() {
        let mut s = Secret::new(b"ab");
        s.extend(&[b"cd", b"efgh"]);
        assert_eq!(s.as_bytes(), b"abcdefgh");
    }

    #[test]
    fn wipe_buffer_empties() {
        let mut b = b"secret".to_vec();
        wipe_buffer(&mut b);
        assert!(b.is_empty());
    }
}
