//! Value encryption (`memcached_set_encoding_key`), as 1.1.4's OpenSSL
//! build does it: AES-256-CBC with PKCS#7 padding, the IV from
//! `EVP_BytesToKey(aes-256-cbc, sha256, no salt, key, 5 rounds)`, and the
//! caller's key bytes themselves as the AES key. 1.1.4 reads 32 bytes from
//! the key even when it is shorter; short keys are padded with zero bytes
//! here (so keys of 32 bytes or more give Debian's ciphertext exactly).
//!
//! The client encrypts what it stores and decrypts what it reads with its
//! key; append, prepend and arithmetic are refused (they would mix plain
//! and encrypted bytes on the server).

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use sha2::Digest;

/// An encryption key: the expanded AES-256 key and the CBC IV.
#[derive(Clone)]
pub struct EncodingKey {
    cipher: aes::Aes256,
    iv: [u8; 16],
}

impl std::fmt::Debug for EncodingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncodingKey(<redacted>)")
    }
}

impl EncodingKey {
    /// 1.1.4's key setup from the caller's key bytes.
    pub fn new(key: &[u8]) -> EncodingKey {
        let d = sha256_rounds(&[], key);
        let d2 = sha256_rounds(&d, key);
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&d2[..16]);
        let mut k = [0u8; 32];
        let n = key.len().min(32);
        k[..n].copy_from_slice(&key[..n]);
        EncodingKey {
            cipher: aes::Aes256::new(&k.into()),
            iv,
        }
    }

    /// AES-256-CBC with PKCS#7 padding.
    pub fn encrypt(&self, plain: &[u8]) -> Vec<u8> {
        let pad = 16 - plain.len() % 16;
        let mut data = plain.to_vec();
        data.extend(std::iter::repeat_n(pad as u8, pad));
        let mut prev = self.iv;
        for block in data.chunks_exact_mut(16) {
            let mut b = [0u8; 16];
            for i in 0..16 {
                b[i] = block[i] ^ prev[i];
            }
            self.cipher.encrypt_block((&mut b).into());
            block.copy_from_slice(&b);
            prev = b;
        }
        data
    }

    /// The inverse of [`EncodingKey::encrypt`]; `None` for a length that is
    /// not a positive multiple of 16 or bad padding (where OpenSSL's final
    /// step fails).
    pub fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        if cipher.is_empty() || !cipher.len().is_multiple_of(16) {
            return None;
        }
        let mut out = Vec::with_capacity(cipher.len());
        let mut prev = self.iv;
        for block in cipher.chunks_exact(16) {
            let mut b = [0u8; 16];
            b.copy_from_slice(block);
            self.cipher.decrypt_block((&mut b).into());
            for i in 0..16 {
                b[i] ^= prev[i];
            }
            out.extend_from_slice(&b);
            prev.copy_from_slice(block);
        }
        let pad = usize::from(*out.last()?);
        if pad == 0
            || pad > 16
            || !out[out.len() - pad..]
                .iter()
                .all(|&b| usize::from(b) == pad)
        {
            return None;
        }
        out.truncate(out.len() - pad);
        Some(out)
    }
}

/// One `EVP_BytesToKey` block: sha256 of (previous ‖ data), hashed again 4 times.
fn sha256_rounds(prev: &[u8], data: &[u8]) -> [u8; 32] {
    let mut buf = prev.to_vec();
    buf.extend_from_slice(data);
    let mut x: [u8; 32] = sha2::Sha256::digest(&buf).into();
    for _ in 0..4 {
        x = sha2::Sha256::digest(x).into();
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn aes256_fips197_vector() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let mut block: [u8; 16] = core::array::from_fn(|i| (i as u8) * 0x11);
        let aes = aes::Aes256::new(&key.into());
        aes.encrypt_block((&mut block).into());
        assert_eq!(hex(&block), "8ea2b7ca516745bfeafc49904b496089");
        aes.decrypt_block((&mut block).into());
        assert_eq!(hex(&block), "00112233445566778899aabbccddeeff");
    }

    /// Ciphertexts observed from Debian's libhashkit 1.1.4 with a 40-byte key.
    #[test]
    fn encrypt_matches_debian() {
        let key = EncodingKey::new(b"0123456789abcdefghijklmnopqrstuvwxyzABCD");
        let cases: [(&[u8], &str); 3] = [
            (b"", "7541f2c255131997310d01d31a63f97d"),
            (b"hello world", "f86e3dc01f2b7a87845d718ef41ac8ac"),
            (
                b"0123456789abcdef0123456789abcdefXYZ",
                "1a7f198203eee4b2a5aa023e48576facfa073676b4572e24b0bdc8fc2a1985decf794ea314334f53c7c6dd71ec2b0584",
            ),
        ];
        for (plain, want) in cases {
            let c = key.encrypt(plain);
            assert_eq!(hex(&c), want);
            assert_eq!(key.decrypt(&c).as_deref(), Some(plain));
        }
        assert_eq!(key.decrypt(b"0123456789abcdef"), None, "bad padding");
        assert_eq!(key.decrypt(b"0123456789abcde"), None);
        assert_eq!(key.decrypt(b""), None);
    }
}
