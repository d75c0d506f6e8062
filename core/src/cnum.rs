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
    let (neg, digits) = sign_and_digits(s);
    let mut v: u64 = 0;
    let mut over = false;
    for &d in digits {
        match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(n) => v = n,
            None => over = true,
        }
    }
    if over {
        (u64::MAX, true)
    } else if neg {
        (v.wrapping_neg(), false)
    } else {
        (v, false)
    }
}

/// What `strtoul`/`strtoll` read: leading blanks skipped, then whether a
/// minus sign came, then the run of decimal digits.
fn sign_and_digits(s: &[u8]) -> (bool, &[u8]) {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let mut rest = &s[start..];
    let neg = rest.first() == Some(&b'-');
    if let Some((b'+' | b'-', tail)) = rest.split_first() {
        rest = tail;
    }
    let n = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    (neg, &rest[..n])
}

/// C `strtoll(s, NULL, 10)`: `None` on overflow (ERANGE).
pub fn strtoll(s: &[u8]) -> Option<i64> {
    let (neg, digits) = sign_and_digits(s);
    let mut v: i128 = 0;
    for &d in digits {
        v = v * 10 + i128::from(d - b'0');
        if v > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoul_as_c() {
        assert_eq!(strtoul(b" \t+12x"), (12, false));
        assert_eq!(strtoul(b"-1"), (u64::MAX, false));
        assert_eq!(strtoul(b"18446744073709551615"), (u64::MAX, false));
        assert_eq!(strtoul(b"18446744073709551616"), (u64::MAX, true));
        assert_eq!(strtoul(b"abc"), (0, false));
        assert_eq!(strtoul(b"  -"), (0, false));
        assert_eq!(strtoul(b""), (0, false));
    }

    #[test]
    fn strtoll_as_c() {
        assert_eq!(strtoll(b"\n 42 "), Some(42));
        assert_eq!(strtoll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(strtoll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(strtoll(b"9223372036854775808"), None);
        assert_eq!(strtoll(b"-9223372036854775809"), None);
        assert_eq!(strtoll(b"+-1"), Some(0));
        assert_eq!(strtoll(b"x"), Some(0));
    }
}
