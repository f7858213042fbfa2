//! Key material: new tokens, their redacted form and the digest a secret
//! key is stored as.

use std::fmt::Write;

use stheno_module_sdk::{Error, Result};

use crate::models::ApiKeyType;

/// Random bytes in a token: 256 bits, written as 64 hex digits.
const TOKEN_BYTES: usize = 32;

/// A fresh token of `kind`: its prefix and 64 random hex digits.
pub(crate) fn generate(kind: ApiKeyType) -> Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| Error::internal("the system random number generator failed"))?;
    Ok(format!("{}{}", kind.prefix(), hex(&bytes)))
}

/// The token as the dashboard shows it: its first 6 and last 3 characters
/// around `***` (`sk_1a2***f9e`), as Medusa redacts.
pub(crate) fn redact(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let head: String = chars.iter().take(6).collect();
    let tail: String = chars[chars.len().saturating_sub(3)..].iter().collect();
    format!("{head}***{tail}")
}

/// The stored form of a secret token: its SHA-256 digest, in hex.
///
/// A plain digest is enough here, unlike for passwords: the token is 256
/// random bits, so there is nothing to guess and nothing for a salt or a
/// slow KDF to protect; and an unsalted digest lets a request find its key
/// with one indexed lookup instead of hashing against every key.
pub(crate) fn digest(token: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    hex(d.as_ref())
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_prefix_and_64_hex_digits() {
        for kind in [ApiKeyType::Publishable, ApiKeyType::Secret] {
            let token = generate(kind).unwrap();
            let rest = token.strip_prefix(kind.prefix()).unwrap();
            assert_eq!(rest.len(), 64);
            assert!(
                rest.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
            assert_ne!(generate(kind).unwrap(), token);
        }
    }

    #[test]
    fn redaction_keeps_six_and_three() {
        assert_eq!(redact("sk_0123456789abcdef"), "sk_012***def");
        assert_eq!(redact("ab"), "ab***ab");
    }

    #[test]
    fn digest_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
