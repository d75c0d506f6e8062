//! C-library number parsing as 1.1.4 does it (`isspace`, `strtoul`,
//! `strtoll` in the C locale): server lists and statistics read numbers
//! exactly the way the C code did.

/// C `isspace` in the C locale.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// C `strtoull(s, NULL, 10)`: `(value, overflowed)`. Blanks, a sign, then
/// digits; no digits is 0; a minus negates modulo 2^64; overflow gives
/// `u64::MAX`.
pub fn strtoul(s: &[u8]) -> (u64, bool) {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: u64 = 0;
    let mut over = false;
    while i < s.len() && s[i].is_ascii_digit() {
        match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(s[i] - b'0')))
        {
            Some(n) => v = n,
            None => over = true,
        }
        i += 1;
    }
    if over {
        (u64::MAX, true)
    } else if neg {
        (v.wrapping_neg(), false)
    } else {
        (v, false)
    }
}

/// C `strtoll(s, NULL, 10)`: `None` on overflow (ERANGE).
pub fn strtoll(s: &[u8]) -> Option<i64> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: i128 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v * 10 + i128::from(s[i] - b'0');
        if v > i128::from(i64::MAX) + 1 {
            return None;
        }
        i += 1;
    }
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}
