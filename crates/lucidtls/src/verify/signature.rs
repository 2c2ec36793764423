//! Handshake signatures: TLS 1.3 CertificateVerify and TLS 1.2 ServerKeyExchange /
//! CertificateVerify, checked against the peer's end-entity certificate.

use crate::crypto::CryptoProvider;
use crate::enums::SignatureScheme;
use crate::error::{CertificateCheck, Error};
use rustls_pki_types::CertificateDer;
use webpki::EndEntityCert;

/// Proof that a handshake signature verified. Only the functions of this module
/// build one; the handshake requires it before deriving traffic keys.
#[derive(Debug)]
pub struct SignatureVerified {
    scheme: SignatureScheme,
}

impl SignatureVerified {
    /// The scheme the signature was made with.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

const SERVER_CONTEXT: &[u8] = b"TLS 1.3, server CertificateVerify";
const CLIENT_CONTEXT: &[u8] = b"TLS 1.3, client CertificateVerify";

/// The content a TLS 1.3 CertificateVerify signs (RFC 8446 §4.4.3): 64 spaces, the
/// context string for `server` or client, a zero byte, then the transcript hash.
pub fn tls13_signed_content(server: bool, transcript_hash: &[u8]) -> Vec<u8> {
    let context = if server {
        SERVER_CONTEXT
    } else {
        CLIENT_CONTEXT
    };
    let mut out = Vec::with_capacity(64 + context.len() + 1 + transcript_hash.len());
    out.extend_from_slice(&[0x20; 64]);
    out.extend_from_slice(context);
    out.push(0);
    out.extend_from_slice(transcript_hash);
    out
}

/// Verifies a TLS 1.3 CertificateVerify signature over `message` (normally
/// [`tls13_signed_content`]). Schemes TLS 1.3 forbids (PKCS#1 v1.5, SHA-1) are
/// [`Error::IllegalParameter`], as is a scheme the provider does not know or one that
/// does not match the certificate's key; a signature that does not verify is
/// [`Error::BadSignature`].
pub fn verify_tls13_signature(
    provider: &dyn CryptoProvider,
    end_entity: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureVerified, Error> {
    if !scheme.allowed_in_tls13() {
        return Err(Error::IllegalParameter(
            "signature scheme not allowed in TLS 1.3 (PKCS#1 v1.5 or SHA-1)",
        ));
    }
    verify_signature(provider, end_entity, scheme, message, signature)
}

/// Verifies `signature` over `message` with the key in `end_entity`, for `scheme`,
/// without TLS 1.3's restrictions (TLS 1.2 uses this). Errors as for
/// [`verify_tls13_signature`].
pub fn verify_signature(
    provider: &dyn CryptoProvider,
    end_entity: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureVerified, Error> {
    let alg = provider
        .verification_algorithm(scheme)
        .ok_or(Error::IllegalParameter(
            "signature scheme not supported by the provider",
        ))?;
    verify_with(&[alg], end_entity, scheme, message, signature)
}

/// Verifies a TLS 1.2 signature (ServerKeyExchange, CertificateVerify). There an
/// ECDSA scheme names only the hash, so every curve the provider pairs with that
/// hash is tried against the certificate's key.
pub fn verify_tls12_signature(
    provider: &dyn CryptoProvider,
    end_entity: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureVerified, Error> {
    let algs = provider.tls12_verification_algorithms(scheme);
    if algs.is_empty() {
        return Err(Error::IllegalParameter(
            "signature scheme not supported by the provider",
        ));
    }
    verify_with(&algs, end_entity, scheme, message, signature)
}

fn verify_with(
    algs: &[&dyn rustls_pki_types::SignatureVerificationAlgorithm],
    end_entity: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureVerified, Error> {
    let cert = EndEntityCert::try_from(end_entity).map_err(|e| Error::Certificate {
        check: CertificateCheck::Encoding,
        detail: format!(
            "the peer certificate cannot be parsed: {}",
            super::chain::webpki_text(&e)
        ),
    })?;
    // The first algorithm whose key type fits decides; the others do not apply.
    #[allow(deprecated)]
    let mut result = Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKey);
    for alg in algs {
        #[allow(deprecated)]
        match cert.verify_signature(*alg, message, signature) {
            Err(
                webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
                | webpki::Error::UnsupportedSignatureAlgorithmForPublicKey,
            ) => continue,
            other => {
                result = other;
                break;
            }
        }
    }
    match result {
        Ok(()) => Ok(SignatureVerified { scheme }),
        Err(webpki::Error::InvalidSignatureForPublicKey) => Err(Error::BadSignature),
        #[allow(deprecated)]
        Err(
            webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
            | webpki::Error::UnsupportedSignatureAlgorithmForPublicKey,
        ) => Err(Error::IllegalParameter(
            "signature scheme does not match the certificate's key",
        )),
        Err(_) => Err(Error::BadSignature),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_content_layout() {
        // RFC 8446 §4.4.3 example shape: 64 × 0x20, context, 0x00, hash.
        let hash = [0xab; 32];
        let c = tls13_signed_content(true, &hash);
        assert_eq!(c.len(), 64 + 33 + 1 + 32);
        assert!(c[..64].iter().all(|&b| b == 0x20));
        assert_eq!(&c[64..97], b"TLS 1.3, server CertificateVerify");
        assert_eq!(c[97], 0);
        assert_eq!(&c[98..], &hash);
        let c = tls13_signed_content(false, &hash);
        assert_eq!(&c[64..97], b"TLS 1.3, client CertificateVerify");
        assert_ne!(tls13_signed_content(true, &hash), c);
    }
}
