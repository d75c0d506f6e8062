//! Reply readers shared by the commands: whole ASCII lines, binary headers
//! (skipping stale replies by opaque), and the end of a value.

use crate::connection::Connection;
use crate::error::{Error, Result, ReturnCode};
use crate::protocol::ascii::find_line_limit;
use crate::protocol::binary::{self, HEADER_LEN, ResponseHeader};
use crate::protocol::{MAX_LINE_LEN, MAX_VALUE_LEN};

/// Largest binary body accepted when it is not a value (stats, version,
/// errors, SASL): these are small, so a larger one means a broken stream.
pub const MAX_SMALL_BODY: usize = 1 << 20;

/// Wait for one complete ASCII line; returns its length including `\r\n`.
/// The line is `conn.buffered()[..len]`.
#[inline]
pub fn ascii_line(conn: &mut Connection) -> Result<usize> {
    loop {
        if let Some(n) = find_line_limit(conn.buffered(), MAX_LINE_LEN)? {
            conn.unanswered = false;
            return Ok(n);
        }
        conn.fill(MAX_LINE_LEN + 2)?;
    }
}

/// Read and drop the replies to buffered ASCII commands.
pub fn ascii_drain(conn: &mut Connection) -> Result<()> {
    while conn.outstanding > 0 {
        let n = ascii_line(conn)?;
        conn.consume(n);
        conn.outstanding -= 1;
    }
    Ok(())
}

/// Consume the `\r\n` after a value.
pub fn ascii_value_end(conn: &mut Connection) -> Result<()> {
    conn.fill_to(2)?;
    if &conn.buffered()[..2] != b"\r\n" {
        return Err(Error::with_message(
            ReturnCode::ProtocolError,
            "value not followed by \\r\\n (the server's reply is malformed)",
        ));
    }
    conn.consume(2);
    Ok(())
}

/// Whether `opaque` belongs to a request sent before `first` (a reply to a
/// quiet or buffered command that nobody waits for).
pub fn is_stale(opaque: u32, first: u32) -> bool {
    (opaque.wrapping_sub(first) as i32) < 0
}

/// Read the reply header of the request with opaque `opaque`, skipping
/// older replies (to quiet or buffered requests). A reply with a newer
/// opaque cannot belong to anything we sent: PROTOCOL_ERROR.
pub fn binary_header(conn: &mut Connection, opaque: u32) -> Result<ResponseHeader> {
    binary_header_range(conn, opaque, opaque)
}

/// Read the next binary reply header whose opaque lies in `first..=last`,
/// skipping older replies. Consumes the header; the body (`h.body_len`
/// bytes) is next in the stream.
pub fn binary_header_range(conn: &mut Connection, first: u32, last: u32) -> Result<ResponseHeader> {
    loop {
        conn.fill_to(HEADER_LEN)?;
        let h = binary::parse_response_header(conn.buffered())?.expect("24 bytes buffered");
        binary::check_body_len(&h, (MAX_VALUE_LEN + MAX_SMALL_BODY) as u32)?;
        conn.consume(HEADER_LEN);
        conn.unanswered = false;
        if is_stale(h.opaque, first) {
            conn.skip(h.body_len as usize)?;
            continue;
        }
        if is_stale(last, h.opaque) {
            return Err(Error::with_message(
                ReturnCode::ProtocolError,
                format!(
                    "the server answered a request that was never sent (opaque {})",
                    h.opaque
                ),
            ));
        }
        return Ok(h);
    }
}

/// Buffer a small binary body of `len` bytes; it is `conn.buffered()[..len]`.
pub fn binary_small_body(conn: &mut Connection, len: usize) -> Result<()> {
    if len > MAX_SMALL_BODY {
        return Err(Error::with_message(
            ReturnCode::ProtocolError,
            format!("binary reply body of {len} bytes is too large"),
        ));
    }
    conn.fill_to(len)
}

/// The error for a binary status, with the server's text when it sent one.
pub fn binary_status_error(conn: &mut Connection, h: &ResponseHeader) -> Result<Error> {
    let code = binary::status_to_return(h.status);
    let len = h.body_len as usize;
    binary_small_body(conn, len)?;
    let text = String::from_utf8_lossy(&conn.buffered()[..len]).into_owned();
    conn.consume(len);
    Ok(if text.is_empty() {
        Error::new(code)
    } else {
        Error::with_message(code, text)
    })
}
