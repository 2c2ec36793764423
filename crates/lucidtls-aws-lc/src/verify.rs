//! Signature verification: TLS signature schemes mapped to `rustls-webpki`'s
//! aws-lc-rs algorithms.

use lucidtls::enums::SignatureScheme;
use rustls_pki_types::SignatureVerificationAlgorithm;
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
