//! Who may call the server: API keys (`--keys`, `--admin-keys`) compared in constant
//! time, and Coral's request signatures (HMAC-SHA256 of the raw body) checked against
//! every configured signing secret.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::Path;
use subtle::ConstantTimeEq;

/// A set of API keys, kept as SHA-256 digests: every comparison runs over 32 bytes
/// whatever the key's length, and over every key, so timing tells nothing about them.
#[derive(Debug, Clone)]
pub struct Keys {
    digests: Vec<[u8; 32]>,
}

/// What the caller presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// A configured key.
    Valid,
    /// No key at all.
    Missing,
    /// A key that is not configured.
    Unknown,
}

impl Keys {
    /// Reads one key a line; blank lines and lines starting with `#` are skipped.
    pub fn load(path: &Path) -> crate::Result<Keys> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
        let keys = Keys::parse(&text);
        if keys.digests.is_empty() {
            return Err(crate::Error::Other(format!(
                "{}: no key in the file (one key a line)",
                path.display()
            )));
        }
        Ok(keys)
    }

    /// Keys from text, one a line.
    pub fn parse(text: &str) -> Keys {
        let digests = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|k| Sha256::digest(k.as_bytes()).into())
            .collect();
        Keys { digests }
    }

    /// How many keys are configured.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether no key is configured.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Checks a presented key against every configured one, without stopping early.
    pub fn check(&self, presented: Option<&str>) -> KeyCheck {
        let Some(k) = presented.filter(|k| !k.is_empty()) else {
            return KeyCheck::Missing;
        };
        let d: [u8; 32] = Sha256::digest(k.trim().as_bytes()).into();
        let mut found = subtle::Choice::from(0u8);
        for known in &self.digests {
            found |= known.ct_eq(&d);
        }
        if bool::from(found) {
            KeyCheck::Valid
        } else {
            KeyCheck::Unknown
        }
    }
}

/// Whether `header` (Coral's `X-Coral-Signature`: `sha256=<hex>`, several joined by
/// commas while a secret is being rotated) carries the HMAC-SHA256 of `body` under one
/// of `secrets`. Every pair is computed and compared in constant time.
pub fn coral_signature_ok(secrets: &[Vec<u8>], header: Option<&str>, body: &[u8]) -> bool {
    let Some(header) = header else {
        return false;
    };
    let presented: Vec<Vec<u8>> = header
        .split(',')
        .filter_map(|s| s.trim().strip_prefix("sha256="))
        .filter_map(hex_decode)
        .collect();
    let mut ok = subtle::Choice::from(0u8);
    for secret in secrets {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
            continue;
        };
        mac.update(body);
        let expected = mac.finalize().into_bytes();
        for p in &presented {
            ok |= expected.as_slice().ct_eq(p.as_slice());
        }
    }
    bool::from(ok)
}

/// The hex HMAC-SHA256 of `body` under `secret`, as Coral signs it (tests and clients).
pub fn coral_sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_whatever_their_length() {
        let keys = Keys::parse("# site keys\nabc123\n\n  long-key-for-coral  \n");
        assert_eq!(keys.len(), 2);
        assert_eq!(keys.check(Some("abc123")), KeyCheck::Valid);
        assert_eq!(keys.check(Some("long-key-for-coral")), KeyCheck::Valid);
        assert_eq!(keys.check(Some("abc12")), KeyCheck::Unknown);
        assert_eq!(keys.check(Some("# site keys")), KeyCheck::Unknown);
        assert_eq!(keys.check(Some("")), KeyCheck::Missing);
        assert_eq!(keys.check(None), KeyCheck::Missing);
    }

    #[test]
    fn coral_signatures_match_hmac_sha256_of_the_raw_body() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let sig = coral_sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let secrets = vec![b"old".to_vec(), b"Jefe".to_vec()];
        let body = b"what do ya want for nothing?";
        assert!(coral_signature_ok(
            &secrets,
            Some(&format!("sha256={sig}")),
            body
        ));
        // Rotation: two signatures, one of them valid.
        let two = format!("sha256={},sha256={sig}", "00".repeat(32));
        assert!(coral_signature_ok(&secrets, Some(&two), body));
        assert!(!coral_signature_ok(
            &secrets,
            Some(&format!("sha256={sig}")),
            b"tampered"
        ));
        assert!(!coral_signature_ok(&secrets, Some(&sig), body));
        assert!(!coral_signature_ok(&secrets, Some("sha256=zz"), body));
        assert!(!coral_signature_ok(&secrets, None, body));
        assert!(!coral_signature_ok(
            &[],
            Some(&format!("sha256={sig}")),
            body
        ));
    }
}
