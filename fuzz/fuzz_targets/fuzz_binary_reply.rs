//! Fuzzes the binary reply readers: the input is a server's reply stream,
//! read packet by packet with `parse_response` (and its pieces
//! `parse_response_header` / `check_body_len`) under the client's two body
//! limits (`MAX_BODY_LEN` and values plus `binary::MAX_SMALL_BODY`).
//!
//! Invariants beyond "no panic": a packet never extends past the input;
//! extras, key and value are exactly the announced lengths, in order, and
//! inside the packet; "need more" only when the packet is incomplete; an
//! error only for a wrong magic, extras + key longer than the body, or a
//! body over the limit; and the header parser agrees with the packet parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memcached::core::protocol::binary::{MAX_SMALL_BODY, is_stale};
use memcached::core::error::ReturnCode;
use memcached::core::protocol::binary::{
    HEADER_LEN, MAX_BODY_LEN, RESPONSE_MAGIC, check_body_len, opcode, parse_response,
    parse_response_header, status_to_return,
};
use memcached::core::protocol::{MAX_VALUE_LEN, parse_version_numbers};

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Checks one packet at the start of `buf`; returns its length if whole.
fn check_packet(buf: &[u8], max: u32) -> Option<usize> {
    let header = parse_response_header(buf);
    let result = parse_response(buf, max);
    match result {
        Ok(Some((r, total))) => {
            let h = r.header;
            assert_eq!(header.ok().flatten(), Some(h));
            assert!(check_body_len(&h, max).is_ok());
            assert_eq!(h.body_len, be32(&buf[8..12]));
            assert_eq!(total, HEADER_LEN + h.body_len as usize);
            assert_eq!(total, h.packet_len());
            assert!(
                total <= buf.len(),
                "packet of {total} past {} bytes",
                buf.len()
            );
            assert_eq!(r.extras.len(), usize::from(h.extras_len));
            assert_eq!(r.key.len(), usize::from(h.key_len));
            assert_eq!(r.value.len(), h.value_len() as usize);
            // The three parts tile the body, in order.
            let body = &buf[HEADER_LEN..total];
            assert_eq!(r.extras.as_ptr(), body.as_ptr());
            assert_eq!(r.key, &body[r.extras.len()..r.extras.len() + r.key.len()]);
            assert_eq!(r.value, &body[r.extras.len() + r.key.len()..]);
            let _ = (r.flags(), r.counter(), r.return_code());
            let _ = status_to_return(h.status);
            let _ = is_stale(h.opaque, be32(&buf[12..16]).wrapping_add(1));
            if h.opcode == opcode::VERSION {
                let _ = parse_version_numbers(r.value);
            }
            Some(total)
        }
        Ok(None) => {
            if buf.len() >= HEADER_LEN {
                let h = header.expect("header parsed").expect("24 bytes");
                assert!(h.body_len <= max);
                assert!(buf.len() < h.packet_len(), "need-more for a whole packet");
            } else {
                assert!(matches!(header, Ok(None)));
            }
            None
        }
        Err(e) => {
            assert!(buf.len() >= HEADER_LEN, "error before 24 bytes: {e:?}");
            match header {
                Err(he) => {
                    assert_eq!(he, e);
                    let bad_magic = buf[0] != RESPONSE_MAGIC;
                    let ek = u32::from(buf[4]) + u32::from(u16::from_be_bytes([buf[2], buf[3]]));
                    let too_short = ek > be32(&buf[8..12]);
                    assert!(bad_magic || too_short, "header refused: {he:?}");
                    if bad_magic {
                        assert_eq!(he.code, ReturnCode::UnknownReadFailure);
                    } else {
                        assert_eq!(he.code, ReturnCode::ProtocolError);
                    }
                }
                Ok(Some(h)) => {
                    assert_eq!(e.code, ReturnCode::ProtocolError);
                    assert!(
                        h.body_len > max,
                        "refused a body of {} <= {max}",
                        h.body_len
                    );
                }
                Ok(None) => panic!("no header but an error {e:?}"),
            }
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    for max in [MAX_BODY_LEN, (MAX_VALUE_LEN + MAX_SMALL_BODY) as u32, 64] {
        let mut buf = data;
        // Bounded: each whole packet consumes at least 24 bytes.
        while let Some(n) = check_packet(buf, max) {
            buf = &buf[n..];
        }
    }
});
