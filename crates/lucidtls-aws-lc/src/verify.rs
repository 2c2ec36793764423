//! Signature verification: TLS signature schemes mapped to `rustls-webpki`'s
//! aws-lc-rs algorithms, plus the TLS 1.2 view (ECDSA schemes that name only the
//! hash) and the SHA-1 algorithms webpki does not provide (legacy policy only).

use aws_lc_rs::signature::{self as aws_sig, UnparsedPublicKey, VerificationAlgorithm};
use lucidtls::enums::SignatureScheme;
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm,
};
use webpki::aws_lc_rs as alg;

/// The algorithm for a handshake signature (CertificateVerify, ServerKeyExchange).
///
/// TLS 1.3 ECDSA schemes name both curve and hash, so the mapping is exact.
/// SHA-1 schemes, Ed448 and the `rsa_pss_pss_*` schemes are not offered.
pub(crate) fn for_scheme(
    scheme: SignatureScheme,
) -> Option<&'static dyn SignatureVerificationAlgorithm> {
    use SignatureScheme as S;
    Some(match scheme {
        S::ECDSA_NISTP256_SHA256 => alg::ECDSA_P256_SHA256,
        S::ECDSA_NISTP384_SHA384 => alg::ECDSA_P384_SHA384,
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
    alg::ECDSA_P256_SHA256,
    alg::ECDSA_P256_SHA384,
    alg::ECDSA_P256_SHA512,
    alg::ECDSA_P384_SHA256,
    alg::ECDSA_P384_SHA384,
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
        S::ECDSA_NISTP256_SHA256 => vec![alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
        S::ECDSA_NISTP384_SHA384 => vec![alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
        S::ECDSA_NISTP521_SHA512 => vec![alg::ECDSA_P521_SHA512],
        S::RSA_PKCS1_SHA1 => vec![RSA_PKCS1_SHA1],
        S::ECDSA_SHA1_Legacy => ECDSA_SHA1.to_vec(),
        other => for_scheme(other).into_iter().collect(),
    }
}

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
