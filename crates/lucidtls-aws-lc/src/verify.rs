//! Signature verification: TLS signature schemes mapped to `rustls-webpki`'s
//! aws-lc-rs algorithms, plus the TLS 1.2 view (ECDSA schemes that name only the
//! hash) and the SHA-1 algorithms webpki does not provide (legacy policy only).

use aws_lc_rs::signature::{self as aws_sig, UnparsedPublicKey, VerificationAlgorithm};
use lucidtls::enums::SignatureScheme;
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm,
};
use webpki::aws_lc_rs as alg;

use crate::ffi::{self, DigestCtx, EcCurve, HmacHash, MAX_HMAC_LEN};

/// The algorithm for a handshake signature (CertificateVerify, ServerKeyExchange).
///
/// TLS 1.3 ECDSA schemes name both curve and hash, so the mapping is exact.
/// SHA-1 schemes, Ed448 and the `rsa_pss_pss_*` schemes are not offered.
pub(crate) fn for_scheme(
    scheme: SignatureScheme,
) -> Option<&'static dyn SignatureVerificationAlgorithm> {
    use SignatureScheme as S;
    Some(match scheme {
        S::ECDSA_NISTP256_SHA256 => ECDSA_P256_SHA256,
        S::ECDSA_NISTP384_SHA384 => ECDSA_P384_SHA384,
        S::ECDSA_NISTP521_SHA512 => alg::ECDSA_P521_SHA512,
        S::ED25519 => alg::ED25519,
        S::RSA_PSS_RSAE_SHA256 => alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        S::RSA_PSS_RSAE_SHA384 => alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        S::RSA_PSS_RSAE_SHA512 => alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        S::RSA_PKCS1_SHA256 => alg::RSA_PKCS1_2048_8192_SHA256,
        S::RSA_PKCS1_SHA384 => alg::RSA_PKCS1_2048_8192_SHA384,
        S::RSA_PKCS1_SHA512 => alg::RSA_PKCS1_2048_8192_SHA512,
        _ => return None,
    })
}

/// Everything we accept in certificate chains: ECDSA on every curve/hash pairing,
/// Ed25519, RSA PKCS#1 v1.5 (including the absent-parameters encodings some CAs
/// emit) and RSA-PSS. SHA-1 is absent; ML-DSA is left out until a TLS scheme uses it.
pub(crate) static ALL: &[&dyn SignatureVerificationAlgorithm] = &[
    ECDSA_P256_SHA256,
    ECDSA_P256_SHA384,
    alg::ECDSA_P256_SHA512,
    ECDSA_P384_SHA256,
    ECDSA_P384_SHA384,
    alg::ECDSA_P384_SHA512,
    alg::ECDSA_P521_SHA256,
    alg::ECDSA_P521_SHA384,
    alg::ECDSA_P521_SHA512,
    alg::ED25519,
    alg::RSA_PKCS1_2048_8192_SHA256,
    alg::RSA_PKCS1_2048_8192_SHA384,
    alg::RSA_PKCS1_2048_8192_SHA512,
    alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
    alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
    alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    alg::RSA_PKCS1_3072_8192_SHA384,
    alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
];

/// The algorithms that may verify a TLS 1.2 signature with `scheme`.
///
/// In TLS 1.2 an ECDSA scheme names only the hash; the curve is the certificate's
/// (RFC 5246 §7.4.1.4.1), so each hash maps to several curves, the matching one
/// first. The caller picks the one whose `public_key_alg_id` matches the
/// certificate. SHA-1 schemes map to [`RSA_PKCS1_SHA1`] and [`ECDSA_SHA1`] (P-256
/// and P-521 only: aws-lc-rs has no P-384 + SHA-1 verifier). Everything else is
/// the TLS 1.3 mapping.
pub(crate) fn tls12_for_scheme(
    scheme: SignatureScheme,
) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    use SignatureScheme as S;
    match scheme {
        S::ECDSA_NISTP256_SHA256 => vec![ECDSA_P256_SHA256, ECDSA_P384_SHA256],
        S::ECDSA_NISTP384_SHA384 => vec![ECDSA_P384_SHA384, ECDSA_P256_SHA384],
        S::ECDSA_NISTP521_SHA512 => vec![alg::ECDSA_P521_SHA512],
        S::RSA_PKCS1_SHA1 => vec![RSA_PKCS1_SHA1],
        S::ECDSA_SHA1_Legacy => ECDSA_SHA1.to_vec(),
        other => for_scheme(other).into_iter().collect(),
    }
}

/// ECDSA on P-256 or P-384 with SHA-256 or SHA-384, verified through
/// [`ffi::ecdsa_verify_digest`]: the same checks as `rustls-webpki`'s aws-lc-rs
/// algorithms of the same names (which it replaces for these four pairings), without
/// the `EVP` objects each verification would otherwise build.
#[derive(Debug)]
struct Ecdsa {
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
    curve: EcCurve,
    hash: HmacHash,
}

impl SignatureVerificationAlgorithm for Ecdsa {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        // As webpki does: only the SEC1 encodings RFC 5480 §2.2 allows.
        if !matches!(public_key.first(), Some(0x02..=0x04)) {
            return Err(InvalidSignature);
        }
        let mut digest = DigestCtx::new(self.hash);
        digest.update(message);
        let mut out = [0u8; MAX_HMAC_LEN];
        let len = digest.current(&mut out);
        let digest = out.get(..len).ok_or(InvalidSignature)?;
        match ffi::ecdsa_verify_digest(self.curve, public_key, digest, signature) {
            true => Ok(()),
            false => Err(InvalidSignature),
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }

    fn fips(&self) -> bool {
        aws_lc_rs::try_fips_mode().is_ok()
    }
}

/// ECDSA, P-256 key, SHA-256.
static ECDSA_P256_SHA256: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    public_key_alg_id: alg_id::ECDSA_P256,
    signature_alg_id: alg_id::ECDSA_SHA256,
    curve: EcCurve::P256,
    hash: HmacHash::Sha256,
};

/// ECDSA, P-256 key, SHA-384.
static ECDSA_P256_SHA384: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    public_key_alg_id: alg_id::ECDSA_P256,
    signature_alg_id: alg_id::ECDSA_SHA384,
    curve: EcCurve::P256,
    hash: HmacHash::Sha384,
};

/// ECDSA, P-384 key, SHA-256.
static ECDSA_P384_SHA256: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    public_key_alg_id: alg_id::ECDSA_P384,
    signature_alg_id: alg_id::ECDSA_SHA256,
    curve: EcCurve::P384,
    hash: HmacHash::Sha256,
};

/// ECDSA, P-384 key, SHA-384.
static ECDSA_P384_SHA384: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    public_key_alg_id: alg_id::ECDSA_P384,
    signature_alg_id: alg_id::ECDSA_SHA384,
    curve: EcCurve::P384,
    hash: HmacHash::Sha384,
};

/// A SHA-1 signature algorithm (webpki 0.103 has none), over an aws-lc-rs verifier.
#[derive(Debug)]
struct LegacySha1 {
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
    verifier: &'static dyn VerificationAlgorithm,
    ec: bool,
}

impl SignatureVerificationAlgorithm for LegacySha1 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        // As webpki does for EC keys: only the SEC1 encodings RFC 5480 §2.2 allows.
        if self.ec && !matches!(public_key.first(), Some(0x02..=0x04)) {
            return Err(InvalidSignature);
        }
        UnparsedPublicKey::new(self.verifier, public_key)
            .verify(message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }

    fn fips(&self) -> bool {
        false
    }
}

/// `sha1WithRSAEncryption` (1.2.840.113549.1.1.5) with NULL parameters, the contents
/// of the AlgorithmIdentifier SEQUENCE.
const SHA1_WITH_RSA: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
]);
/// `ecdsa-with-SHA1` (1.2.840.10045.4.1), no parameters.
const ECDSA_WITH_SHA1: AlgorithmIdentifier =
    AlgorithmIdentifier::from_slice(&[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01]);

/// RSA PKCS#1 v1.5 with SHA-1, 2048-8192-bit keys (`rsa_pkcs1_sha1`; legacy only).
pub static RSA_PKCS1_SHA1: &dyn SignatureVerificationAlgorithm = &LegacySha1 {
    public_key_alg_id: alg_id::RSA_ENCRYPTION,
    signature_alg_id: SHA1_WITH_RSA,
    verifier: &aws_sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
    ec: false,
};

/// ECDSA P-256 with SHA-1 (`ecdsa_sha1`; legacy only).
pub static ECDSA_P256_SHA1: &dyn SignatureVerificationAlgorithm = &LegacySha1 {
    public_key_alg_id: alg_id::ECDSA_P256,
    signature_alg_id: ECDSA_WITH_SHA1,
    verifier: &aws_sig::ECDSA_P256_SHA1_ASN1,
    ec: true,
};

/// ECDSA P-521 with SHA-1 (`ecdsa_sha1`; legacy only).
pub static ECDSA_P521_SHA1: &dyn SignatureVerificationAlgorithm = &LegacySha1 {
    public_key_alg_id: alg_id::ECDSA_P521,
    signature_alg_id: ECDSA_WITH_SHA1,
    verifier: &aws_sig::ECDSA_P521_SHA1_ASN1,
    ec: true,
};

/// The ECDSA SHA-1 algorithms, by curve.
static ECDSA_SHA1: [&dyn SignatureVerificationAlgorithm; 2] = [ECDSA_P256_SHA1, ECDSA_P521_SHA1];

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair};

    /// Ours next to webpki's, pairing by pairing: the same identifiers, and the same
    /// answer for good and bad inputs.
    #[test]
    fn ecdsa_matches_webpki() {
        let rng = SystemRandom::new();
        // (ours, webpki's, a signing algorithm on the key's curve, whether its
        // signatures use the pairing's hash). aws-lc-rs signs only the matching
        // pairings; the crossed ones are compared on what they must refuse.
        let p256 = &aws_sig::ECDSA_P256_SHA256_ASN1_SIGNING;
        let p384 = &aws_sig::ECDSA_P384_SHA384_ASN1_SIGNING;
        let pairs = [
            (ECDSA_P256_SHA256, alg::ECDSA_P256_SHA256, p256, true),
            (ECDSA_P256_SHA384, alg::ECDSA_P256_SHA384, p256, false),
            (ECDSA_P384_SHA256, alg::ECDSA_P384_SHA256, p384, false),
            (ECDSA_P384_SHA384, alg::ECDSA_P384_SHA384, p384, true),
        ];
        for (ours, theirs, signing, matching) in pairs {
            assert_eq!(ours.public_key_alg_id(), theirs.public_key_alg_id());
            assert_eq!(ours.signature_alg_id(), theirs.signature_alg_id());
            assert_eq!(ours.fips(), theirs.fips());
            let key = EcdsaKeyPair::generate(signing).unwrap();
            let public = key.public_key().as_ref().to_vec();
            let message = b"signed content".to_vec();
            let good = key.sign(&rng, &message).unwrap().as_ref().to_vec();
            let mut flipped = good.clone();
            flipped[8] ^= 0x40;
            let mut spki_like = public.clone();
            spki_like[0] = 0x30;
            let other = EcdsaKeyPair::generate(signing).unwrap();
            let cases: [(&[u8], &[u8], &[u8]); 7] = [
                (&public, &message, &good),
                (&public, b"other content", &good),
                (&public, &message, &flipped),
                (&public, &message, &good[..good.len() - 1]),
                (other.public_key().as_ref(), &message, &good),
                (&spki_like, &message, &good),
                (&[], &message, &good),
            ];
            for (i, (k, m, s)) in cases.into_iter().enumerate() {
                assert_eq!(
                    ours.verify_signature(k, m, s).is_ok(),
                    theirs.verify_signature(k, m, s).is_ok(),
                    "{:?} case {i}",
                    ours.signature_alg_id()
                );
            }
            assert_eq!(
                ours.verify_signature(&public, &message, &good).is_ok(),
                matching
            );
        }
        // The scheme mappings hand out ours.
        let p256 = for_scheme(SignatureScheme::ECDSA_NISTP256_SHA256).unwrap();
        assert!(core::ptr::addr_eq(p256, ECDSA_P256_SHA256));
        assert_eq!(
            tls12_for_scheme(SignatureScheme::ECDSA_NISTP384_SHA384).len(),
            2
        );
    }
}
