//! Finite-field Diffie-Hellman for TLS 1.2 DHE suites (RFC 5246 §7.4.3, §8.1.2):
//! the RFC 7919 named groups on the server side, and whatever explicit `(p, g)` a
//! server sends on the client side.
//!
//! Public values are sent left-padded to the length of p (always a valid encoding
//! of the integer, and what TLS 1.3 requires). Shared secrets have their leading
//! zero bytes stripped, as RFC 5246 §8.1.2 requires for the pre-master secret.
//! Peer values must satisfy 1 < Y < p-1 (RFC 7919 §5.1, NIST SP 800-56A).

use crate::ffi::DhKey;
use core::cmp::Ordering;
use lucidtls::crypto::{ActiveKx, FfdheProvider, Secret, SharedSecret};
use lucidtls::enums::NamedGroup;
use lucidtls::Error;

/// The provider's FFDHE implementation.
#[derive(Debug)]
pub(crate) struct AwsFfdhe;

pub(crate) static FFDHE: AwsFfdhe = AwsFfdhe;

/// The generator of every RFC 7919 group.
const GENERATOR: [u8; 1] = [2];

/// Decodes hex digits (spaces ignored) at compile time; malformed input fails the build.
const fn from_hex<const N: usize>(hex: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let hex = hex.as_bytes();
    let mut out = [0u8; N];
    let mut digits = 0;
    let mut i = 0;
    while i < hex.len() {
        if hex[i] != b' ' {
            assert!(digits < 2 * N, "too many hex digits");
            out[digits / 2] = (out[digits / 2] << 4) | nibble(hex[i]);
            digits += 1;
        }
        i += 1;
    }
    assert!(digits == 2 * N, "too few hex digits");
    out
}

// The primes, as printed in RFC 7919 Appendix A (each is
// p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1). Checked in the tests against
// AWS-LC's own ffdhe2048/ffdhe4096 (AWS-LC has no ffdhe3072) and, when they were
// written, against that formula and OpenSSL's built-in groups.

/// ffdhe2048's p (RFC 7919 Appendix A.1).
pub(crate) const FFDHE2048_P: [u8; 256] = from_hex(concat!(
    "FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695 ",
    "A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A ",
    "D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935 ",
    "984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A ",
    "BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4 ",
    "AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61 ",
    "9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005 ",
    "C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 61285C97 FFFFFFFF FFFFFFFF ",
));

/// ffdhe3072's p (RFC 7919 Appendix A.2).
pub(crate) const FFDHE3072_P: [u8; 384] = from_hex(concat!(
    "FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695 ",
    "A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A ",
    "D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935 ",
    "984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A ",
    "BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4 ",
    "AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61 ",
    "9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005 ",
    "C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 611FCFDC DE355B3B 6519035B ",
    "BC34F4DE F99C0238 61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C ",
    "AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3 64F2E21E 71F54BFF ",
    "5CAE82AB 9C9DF69E E86D2BC5 22363A0D ABC52197 9B0DEADA 1DBF9A42 D5C4484E ",
    "0ABCD06B FA53DDEF 3C1B20EE 3FD59D7C 25E41D2B 66C62E37 FFFFFFFF FFFFFFFF ",
));

/// ffdhe4096's p (RFC 7919 Appendix A.3).
pub(crate) const FFDHE4096_P: [u8; 512] = from_hex(concat!(
    "FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 D8B9C583 CE2D3695 ",
    "A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A ",
    "D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935 ",
    "984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A ",
    "BC0AB182 B324FB61 D108A94B B2C8E3FB B96ADAB7 60D7F468 1D4F42A3 DE394DF4 ",
    "AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61 ",
    "9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005 ",
    "C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 611FCFDC DE355B3B 6519035B ",
    "BC34F4DE F99C0238 61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C ",
    "AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3 64F2E21E 71F54BFF ",
    "5CAE82AB 9C9DF69E E86D2BC5 22363A0D ABC52197 9B0DEADA 1DBF9A42 D5C4484E ",
    "0ABCD06B FA53DDEF 3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB ",
    "7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004 87F55BA5 7E31CC7A ",
    "7135C886 EFB4318A ED6A1E01 2D9E6832 A907600A 918130C4 6DC778F9 71AD0038 ",
    "092999A3 33CB8B7A 1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF ",
    "8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E655F6A FFFFFFFF FFFFFFFF ",
));
/// p and the private exponent length for a named group. The lengths are RFC 7919
/// §5.2's minimums (225, 275, 325 bits; twice the security level, as NIST SP
/// 800-56A and OpenSSL use); short exponents are safe with these safe primes.
fn named_group(group: NamedGroup) -> Option<(&'static [u8], u32)> {
    match group {
        NamedGroup::FFDHE2048 => Some((&FFDHE2048_P, 225)),
        NamedGroup::FFDHE3072 => Some((&FFDHE3072_P, 275)),
        NamedGroup::FFDHE4096 => Some((&FFDHE4096_P, 325)),
        _ => None,
    }
}

/// The private exponent length to use with explicit parameters: a short one when
/// the server sent one of the RFC 7919 groups (servers commonly send ffdhe2048
/// explicitly), otherwise 0, meaning full length (we know nothing of an arbitrary
/// group's subgroup structure).
fn explicit_private_bits(p: &[u8], g: &[u8]) -> u32 {
    [
        NamedGroup::FFDHE2048,
        NamedGroup::FFDHE3072,
        NamedGroup::FFDHE4096,
    ]
    .into_iter()
    .filter_map(named_group)
    .find(|(named_p, _)| *named_p == p && g == GENERATOR)
    .map_or(0, |(_, bits)| bits)
}

/// `bytes` without leading zero bytes.
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

/// Compares two big-endian unsigned integers of any length.
fn compare(a: &[u8], b: &[u8]) -> Ordering {
    let (a, b) = (strip_leading_zeros(a), strip_leading_zeros(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Whether 1 < y < p - 1 (p odd and at least 5, so p - 1 has no borrow past byte 0).
fn in_range(y: &[u8], p: &[u8]) -> bool {
    let mut p_minus_1 = strip_leading_zeros(p).to_vec();
    for byte in p_minus_1.iter_mut().rev() {
        let (value, borrow) = byte.overflowing_sub(1);
        *byte = value;
        if !borrow {
            break;
        }
    }
    compare(y, &[1]) == Ordering::Greater && compare(y, &p_minus_1) == Ordering::Less
}

/// The pre-master secret from the padded DH output: leading zeros stripped.
fn premaster(padded: &[u8]) -> SharedSecret {
    Secret::from_slice(strip_leading_zeros(padded))
}

impl FfdheProvider for AwsFfdhe {
    fn start_named(
        &self,
        group: NamedGroup,
    ) -> Result<(Vec<u8>, Vec<u8>, Box<dyn ActiveKx>), Error> {
        let (p, private_bits) =
            named_group(group).ok_or(Error::Internal("not an RFC 7919 FFDHE group"))?;
        let key = DhKey::generate(p, &GENERATOR, private_bits)
            .ok_or(Error::Internal("FFDHE key generation failed"))?;
        Ok((
            p.to_vec(),
            GENERATOR.to_vec(),
            Box::new(FfdheKx { group, p, key }),
        ))
    }

    fn respond_explicit(
        &self,
        p: &[u8],
        g: &[u8],
        server_y: &[u8],
    ) -> Result<(Vec<u8>, SharedSecret), Error> {
        let p = strip_leading_zeros(p);
        let g = strip_leading_zeros(g);
        if p.last().is_none_or(|&last| last & 1 == 0) || compare(p, &[5]) == Ordering::Less {
            return Err(Error::IllegalParameter(
                "DHE prime p is not an odd number above 4",
            ));
        }
        if !in_range(g, p) {
            return Err(Error::IllegalParameter("DHE generator g is out of range"));
        }
        if !in_range(server_y, p) {
            return Err(Error::IllegalParameter(
                "DHE server public value is out of range",
            ));
        }
        let key = DhKey::generate(p, g, explicit_private_bits(p, g))
            .ok_or(Error::IllegalParameter("DHE parameters rejected"))?;
        let public = key.public_value().to_vec();
        let secret = key
            .compute_shared(server_y)
            .ok_or(Error::IllegalParameter("DHE server public value rejected"))?;
        Ok((public, premaster(&secret)))
    }
}

/// Our half of a named-group exchange (server side).
struct FfdheKx {
    group: NamedGroup,
    p: &'static [u8],
    key: DhKey,
}

impl ActiveKx for FfdheKx {
    fn group(&self) -> NamedGroup {
        self.group
    }

    fn public_share(&self) -> &[u8] {
        self.key.public_value()
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, Error> {
        let invalid = Error::InvalidKeyShare(self.group);
        if !in_range(peer_share, self.p) {
            return Err(invalid);
        }
        let secret = self.key.compute_shared(peer_share).ok_or(invalid)?;
        Ok(premaster(&secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_helpers() {
        assert_eq!(strip_leading_zeros(&[0, 0, 1, 0]), &[1, 0]);
        assert_eq!(strip_leading_zeros(&[0, 0]), &[] as &[u8]);
        assert_eq!(compare(&[0, 0, 5], &[5]), Ordering::Equal);
        assert_eq!(compare(&[1, 0], &[0xff]), Ordering::Greater);
        assert_eq!(compare(&[], &[0]), Ordering::Equal);
        // p = 0x0101 (257): p - 1 = 0x0100 borrows nothing; 2..=255 are in range.
        assert!(in_range(&[2], &[1, 1]));
        assert!(in_range(&[0, 0xff], &[1, 1]));
        assert!(!in_range(&[1, 0], &[1, 1]));
        assert!(!in_range(&[1], &[1, 1]));
        // A borrow across bytes: p = 0x0200 (not odd, but the arithmetic must hold).
        assert!(in_range(&[0x01, 0xfe], &[2, 0]));
        assert!(!in_range(&[0x01, 0xff], &[2, 0]));
    }

    #[test]
    fn primes_have_the_rfc_7919_shape() {
        for p in [&FFDHE2048_P[..], &FFDHE3072_P[..], &FFDHE4096_P[..]] {
            // The top and bottom 64 bits are all ones; then floor(2^{b-130} e)'s
            // leading digits (e = 2.b7e151628aed2a6a... in hex, shifted by 2 bits).
            assert!(p[..8].iter().all(|&b| b == 0xff));
            assert!(p[p.len() - 8..].iter().all(|&b| b == 0xff));
            assert_eq!(&p[8..16], &[0xad, 0xf8, 0x54, 0x58, 0xa2, 0xbb, 0x4a, 0x9a]);
        }
        assert_eq!(&FFDHE3072_P[376..384], &[0xff; 8]);
        assert_eq!(
            &FFDHE3072_P[368..376],
            &[0x25, 0xe4, 0x1d, 0x2b, 0x66, 0xc6, 0x2e, 0x37]
        );
    }

    #[test]
    fn explicit_named_primes_get_short_exponents() {
        assert_eq!(explicit_private_bits(&FFDHE2048_P, &[2]), 225);
        assert_eq!(explicit_private_bits(&FFDHE3072_P, &[2]), 275);
        assert_eq!(explicit_private_bits(&FFDHE4096_P, &[2]), 325);
        assert_eq!(explicit_private_bits(&FFDHE2048_P, &[5]), 0);
        assert_eq!(explicit_private_bits(&FFDHE2048_P[1..], &[2]), 0);
        assert_eq!(explicit_private_bits(&[23], &[5]), 0);
    }

    #[test]
    fn premaster_strips_leading_zeros() {
        assert_eq!(premaster(&[0, 0, 7, 0]).expose(), &[7, 0]);
        assert_eq!(premaster(&[9, 0]).expose(), &[9, 0]);
    }
}
