//! TLS 1.2 RSA key transport, server side: decrypting the encrypted pre-master
//! secret without a Bleichenbacher oracle (RFC 5246 §7.4.7.1).
//!
//! As AWS-LC's and BoringSSL's own TLS servers do: the raw RSA private-key
//! operation (`RSA_NO_PADDING`), then a PKCS#1 v1.5 type-2 check written here in
//! constant time, then a constant-time choice between the decrypted 48 bytes and
//! the caller's random fallback. Every ciphertext, good or bad, takes the same
//! path: there is no early return and no branch on a secret; only the public
//! ciphertext length and the key's modulus length decide anything.

use crate::ffi::RsaPrivateKey;
use lucidtls::crypto::{RsaKeyTransport, Secret};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

/// The pre-master secret length (RFC 5246 §7.4.7.1).
pub(crate) const PREMASTER_LEN: usize = 48;
/// `0x00 0x02`, at least 8 padding bytes, the `0x00` separator.
const MIN_PADDING: usize = 2 + 8 + 1;

/// The decrypting half of an RSA private key.
pub(crate) struct RsaDecrypter {
    key: RsaPrivateKey,
}

impl RsaDecrypter {
    /// From a DER PKCS#1 `RSAPrivateKey`.
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Option<Self> {
        RsaPrivateKey::from_pkcs1_der(der).map(|key| Self { key })
    }
}

impl RsaKeyTransport for RsaDecrypter {
    fn decrypt_premaster(
        &self,
        ciphertext: &[u8],
        client_version: u16,
        fallback: &[u8; PREMASTER_LEN],
    ) -> Secret {
        let mut em = Zeroizing::new(vec![0u8; self.key.modulus_len()]);
        // False (with `em` zeroed) only for a ciphertext of the wrong length or not
        // below the modulus: public facts. The zeroed block then fails the check below,
        // so even this case continues down the same path.
        let decrypted = Choice::from(u8::from(self.key.decrypt_raw(ciphertext, &mut em)));
        let (well_formed, message) = check_type2(&em, client_version);
        let use_message = decrypted & well_formed;
        let mut out = Zeroizing::new([0u8; PREMASTER_LEN]);
        for ((o, f), m) in out.iter_mut().zip(fallback).zip(message.iter()) {
            *o = u8::conditional_select(f, m, use_message);
        }
        Secret::from_slice(&out[..])
    }
}

/// Checks, in constant time, that `em` is a PKCS#1 v1.5 type-2 block carrying a
/// 48-byte message that starts with `client_version`:
///
/// `0x00 0x02 || PS (>= 8 bytes, none zero) || 0x00 || version (2) || random (46)`
///
/// Returns the verdict and, whatever the verdict, the last 48 bytes of `em`; the
/// caller selects. Only `em.len()` (the modulus length, public) affects control
/// flow: a modulus too short to hold the block gives `false` and zeros.
fn check_type2(em: &[u8], client_version: u16) -> (Choice, Zeroizing<[u8; PREMASTER_LEN]>) {
    let mut message = Zeroizing::new([0u8; PREMASTER_LEN]);
    let Some(padding_end) = em.len().checked_sub(PREMASTER_LEN + 1) else {
        return (Choice::from(0), message);
    };
    if em.len() < MIN_PADDING + PREMASTER_LEN {
        return (Choice::from(0), message);
    }
    let (head, rest) = em.split_at(2);
    let (padding, rest) = rest.split_at(padding_end - 2);
    let (separator, body) = rest.split_at(1);
    message.copy_from_slice(body);

    let [version_hi, version_lo] = client_version.to_be_bytes();
    let mut good = head.ct_eq(&[0x00u8, 0x02][..]);
    for byte in padding {
        good &= !byte.ct_eq(&0);
    }
    good &= separator.ct_eq(&[0x00u8][..]);
    good &= body
        .get(..2)
        .unwrap_or_default()
        .ct_eq(&[version_hi, version_lo][..]);
    (good, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-formed 256-byte block for version 0x0303 with message byte `m`.
    fn block(m: u8) -> Vec<u8> {
        let mut em = vec![0x00, 0x02];
        em.extend((0..256 - 2 - 49).map(|i| (i % 255 + 1) as u8));
        em.push(0x00);
        em.extend_from_slice(&[0x03, 0x03]);
        em.extend_from_slice(&[m; 46]);
        assert_eq!(em.len(), 256);
        em
    }

    fn ok(em: &[u8]) -> bool {
        bool::from(check_type2(em, 0x0303).0)
    }

    #[test]
    fn accepts_exactly_the_well_formed_block() {
        let em = block(0x42);
        let (good, message) = check_type2(&em, 0x0303);
        assert!(bool::from(good));
        assert_eq!(&message[..2], &[3, 3]);
        assert_eq!(&message[2..], &[0x42; 46]);
        // Another version is refused.
        assert!(!bool::from(check_type2(&em, 0x0302).0));
        assert!(!bool::from(check_type2(&em, 0x0203).0));
    }

    #[test]
    fn each_defect_alone_is_refused_and_the_message_is_still_returned() {
        let good = block(0x42);
        // Every single-position defect, one at a time. The message bytes come back
        // unchanged whatever the verdict: selection happens only in the caller, so
        // there is no separate "bad" path that could take different time.
        let mut defects: Vec<(usize, u8)> = vec![(0, 0x01), (1, 0x01), (1, 0x00), (207, 0x01)];
        defects.extend((2..207).map(|i| (i, 0x00))); // a zero anywhere in PS
        defects.extend([(208, 0x02), (209, 0x02)]); // version bytes
        for (index, value) in defects {
            let mut em = good.clone();
            em[index] = value;
            let (verdict, message) = check_type2(&em, 0x0303);
            assert!(!bool::from(verdict), "defect at {index} accepted");
            assert_eq!(&message[..], &em[208..], "message bytes at {index}");
        }
        // A zero in PS at index 9 means fewer than 8 padding bytes before it: refused
        // (covered above); the all-zero block (failed decryption) is refused too.
        assert!(!ok(&[0u8; 256]));
    }

    #[test]
    fn short_moduli_never_pass() {
        assert!(!ok(&[]));
        assert!(!ok(&[0u8; 48]));
        // 58 bytes: room for only 7 padding bytes.
        let mut em = vec![0x00, 0x02];
        em.extend([1u8; 7]);
        em.push(0);
        em.extend([3u8; 48]);
        assert_eq!(em.len(), 58);
        assert!(!ok(&em));
        // 59 bytes: exactly 8 padding bytes is enough.
        let mut em59 = vec![0x00, 0x02];
        em59.extend([1u8; 8]);
        em59.push(0);
        em59.extend([3u8; 48]);
        assert!(ok(&em59));
    }
}
