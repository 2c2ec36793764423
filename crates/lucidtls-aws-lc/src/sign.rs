//! Private keys for handshake signatures: RSA, ECDSA (P-256, P-384) and Ed25519.
//! RSA keys can also decrypt TLS 1.2 RSA key transport ([`SigningKey::rsa_key_transport`]).

use crate::key_transport::RsaDecrypter;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, RsaEncoding, RsaKeyPair,
};
use lucidtls::crypto::{RsaKeyTransport, SigningKey};
use lucidtls::enums::SignatureScheme;
use lucidtls::Error;
use rustls_pki_types::PrivateKeyDer;
use std::sync::Arc;

/// Schemes an RSA key offers: PSS first (TLS 1.3), PKCS#1 v1.5 for TLS 1.2.
/// (No `rsa_pkcs1_sha1`: aws-lc-rs has no SHA-1 PKCS#1 signing encoding.)
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];
const P256_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_NISTP256_SHA256];
const P384_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_NISTP384_SHA384];
const ED25519_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ED25519];

// DER contents of the object identifiers we look for in PKCS#8 and SEC1 keys.
/// rsaEncryption, 1.2.840.113549.1.1.1
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-RSASSA-PSS, 1.2.840.113549.1.1.10
const OID_RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
/// id-ecPublicKey, 1.2.840.10045.2.1
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 / secp256r1, 1.2.840.10045.3.1.7
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1, 1.3.132.0.34
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// secp521r1, 1.3.132.0.35
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
/// id-Ed25519, 1.3.101.112
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// id-Ed448, 1.3.101.113
const OID_ED448: &[u8] = &[0x2b, 0x65, 0x71];

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
/// `[0]` EXPLICIT, constructed: the parameters field of a SEC1 ECPrivateKey.
const TAG_CONTEXT_0: u8 = 0xa0;

fn bad(reason: impl Into<String>) -> Error {
    Error::BadKeyMaterial(reason.into())
}

/// Loads a private key for signing.
pub(crate) fn load(key: &PrivateKeyDer<'_>) -> Result<Arc<dyn SigningKey>, Error> {
    let key = match key {
        PrivateKeyDer::Pkcs8(k) => load_pkcs8(k.secret_pkcs8_der())?,
        PrivateKeyDer::Pkcs1(k) => {
            let der = k.secret_pkcs1_der();
            rsa(
                RsaKeyPair::from_der(der)
                    .map_err(|e| bad(format!("PKCS#1 RSA key rejected: {e}")))?,
                der,
            )?
        }
        PrivateKeyDer::Sec1(k) => load_sec1(k.secret_sec1_der())?,
        _ => return Err(bad("unsupported private key format")),
    };
    Ok(Arc::new(key))
}

fn load_pkcs8(der: &[u8]) -> Result<AwsSigningKey, Error> {
    let (algorithm, parameters) =
        pkcs8_algorithm(der).ok_or_else(|| bad("malformed PKCS#8 private key"))?;
    match algorithm {
        OID_RSA_ENCRYPTION => {
            let key = RsaKeyPair::from_pkcs8(der)
                .map_err(|e| bad(format!("PKCS#8 RSA key rejected: {e}")))?;
            let pkcs1 =
                pkcs8_private_key(der).ok_or_else(|| bad("malformed PKCS#8 private key"))?;
            rsa(key, pkcs1)
        }
        OID_RSASSA_PSS => Err(bad("RSASSA-PSS (id-RSASSA-PSS) keys are not supported")),
        OID_EC_PUBLIC_KEY => {
            let curve = read(parameters, TAG_OID)
                .map(|(oid, _)| oid)
                .ok_or_else(|| bad("PKCS#8 EC key without a named curve"))?;
            let alg = ecdsa_algorithm(curve)?;
            ecdsa(
                EcdsaKeyPair::from_pkcs8(alg, der)
                    .map_err(|e| bad(format!("PKCS#8 EC key rejected: {e}")))?,
            )
        }
        OID_ED25519 => {
            Ok(ed25519(Ed25519KeyPair::from_pkcs8(der).map_err(|e| {
                bad(format!("PKCS#8 Ed25519 key rejected: {e}"))
            })?))
        }
        OID_ED448 => Err(bad("Ed448 keys are not supported")),
        _ => Err(bad("unsupported PKCS#8 key algorithm")),
    }
}

fn load_sec1(der: &[u8]) -> Result<AwsSigningKey, Error> {
    let alg = match sec1_curve(der) {
        Some(Sec1Curve::Named(oid)) => ecdsa_algorithm(oid)?,
        // No parameters: the private scalar's length tells P-256 from P-384.
        Some(Sec1Curve::ScalarLen(32)) => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        Some(Sec1Curve::ScalarLen(48)) => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        Some(Sec1Curve::ScalarLen(_)) => {
            return Err(bad("SEC1 EC key on an unsupported curve"));
        }
        None => return Err(bad("malformed SEC1 EC private key")),
    };
    ecdsa(
        EcdsaKeyPair::from_private_key_der(alg, der)
            .map_err(|e| bad(format!("SEC1 EC key rejected: {e}")))?,
    )
}

fn ecdsa_algorithm(curve: &[u8]) -> Result<&'static EcdsaSigningAlgorithm, Error> {
    match curve {
        OID_P256 => Ok(&signature::ECDSA_P256_SHA256_ASN1_SIGNING),
        OID_P384 => Ok(&signature::ECDSA_P384_SHA384_ASN1_SIGNING),
        OID_P521 => Err(bad("ECDSA P-521 keys are not supported")),
        _ => Err(bad("EC key on an unsupported curve")),
    }
}

/// An RSA key, from aws-lc-rs's parse (for signing) and the same key's PKCS#1 DER
/// (parsed again by AWS-LC for key-transport decryption).
fn rsa(key: RsaKeyPair, pkcs1_der: &[u8]) -> Result<AwsSigningKey, Error> {
    let bits = key.public_modulus_len() * 8;
    let decrypter = RsaDecrypter::from_pkcs1_der(pkcs1_der)
        .ok_or_else(|| bad("RSA key rejected for key-transport decryption"))?;
    Ok(AwsSigningKey {
        inner: Inner::Rsa(key, decrypter),
        schemes: RSA_SCHEMES,
        description: format!("RSA {bits}"),
    })
}

fn ecdsa(key: EcdsaKeyPair) -> Result<AwsSigningKey, Error> {
    let alg = key.algorithm();
    let (schemes, description) = if alg == &signature::ECDSA_P256_SHA256_ASN1_SIGNING {
        (P256_SCHEMES, "ECDSA P-256")
    } else if alg == &signature::ECDSA_P384_SHA384_ASN1_SIGNING {
        (P384_SCHEMES, "ECDSA P-384")
    } else {
        return Err(bad("EC key on an unsupported curve"));
    };
    Ok(AwsSigningKey {
        inner: Inner::Ecdsa(key),
        schemes,
        description: description.to_string(),
    })
}

fn ed25519(key: Ed25519KeyPair) -> AwsSigningKey {
    AwsSigningKey {
        inner: Inner::Ed25519(key),
        schemes: ED25519_SCHEMES,
        description: "Ed25519".to_string(),
    }
}

enum Inner {
    Rsa(RsaKeyPair, RsaDecrypter),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A loaded private key. `Debug` shows only the description, never key material.
struct AwsSigningKey {
    inner: Inner,
    schemes: &'static [SignatureScheme],
    description: String,
}

impl core::fmt::Debug for AwsSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SigningKey({})", self.description)
    }
}

fn rsa_encoding(scheme: SignatureScheme) -> Option<&'static dyn RsaEncoding> {
    Some(match scheme {
        SignatureScheme::RSA_PSS_RSAE_SHA256 => &signature::RSA_PSS_SHA256,
        SignatureScheme::RSA_PSS_RSAE_SHA384 => &signature::RSA_PSS_SHA384,
        SignatureScheme::RSA_PSS_RSAE_SHA512 => &signature::RSA_PSS_SHA512,
        SignatureScheme::RSA_PKCS1_SHA256 => &signature::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384 => &signature::RSA_PKCS1_SHA384,
        SignatureScheme::RSA_PKCS1_SHA512 => &signature::RSA_PKCS1_SHA512,
        _ => return None,
    })
}

impl SigningKey for AwsSigningKey {
    fn schemes(&self) -> &[SignatureScheme] {
        self.schemes
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        if !self.schemes.contains(&scheme) {
            return Err(Error::Internal("signature scheme not offered by this key"));
        }
        let failed = |_| Error::Internal("signing failed");
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(key, _) => {
                let encoding =
                    rsa_encoding(scheme).ok_or(Error::Internal("not an RSA signature scheme"))?;
                let mut signature = vec![0u8; key.public_modulus_len()];
                key.sign(encoding, &rng, message, &mut signature)
                    .map_err(failed)?;
                Ok(signature)
            }
            Inner::Ecdsa(key) => Ok(key.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
            Inner::Ed25519(key) => Ok(key.try_sign(message).map_err(failed)?.as_ref().to_vec()),
        }
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn rsa_key_transport(&self) -> Option<&dyn RsaKeyTransport> {
        match &self.inner {
            Inner::Rsa(_, decrypter) => Some(decrypter),
            _ => None,
        }
    }
}

// --- A minimal DER reader, only to find the key algorithm before parsing. ---

/// Reads one TLV with tag `tag` from the front of `input`: (contents, rest).
fn read(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&len0, rest) = rest.split_first()?;
    let (len, rest) = if len0 < 0x80 {
        (usize::from(len0), rest)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = rest.get(..n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest.get(n..)?)
    };
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// PKCS#8 `PrivateKeyInfo`: the algorithm OID and the raw parameters that follow it.
fn pkcs8_algorithm(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (info, _) = read(der, TAG_SEQUENCE)?;
    let (_version, info) = read(info, TAG_INTEGER)?;
    let (algorithm_id, _) = read(info, TAG_SEQUENCE)?;
    read(algorithm_id, TAG_OID)
}

/// PKCS#8 `PrivateKeyInfo`: the contents of the `privateKey` OCTET STRING (for an
/// RSA key, the PKCS#1 `RSAPrivateKey`).
pub(crate) fn pkcs8_private_key(der: &[u8]) -> Option<&[u8]> {
    let (info, _) = read(der, TAG_SEQUENCE)?;
    let (_version, info) = read(info, TAG_INTEGER)?;
    let (_algorithm_id, info) = read(info, TAG_SEQUENCE)?;
    read(info, TAG_OCTET_STRING).map(|(key, _)| key)
}

enum Sec1Curve<'a> {
    /// The `[0]` parameters named this curve.
    Named(&'a [u8]),
    /// No parameters; the private key has this many bytes.
    ScalarLen(usize),
}

/// SEC1 `ECPrivateKey`: the named curve, or failing that the scalar length.
fn sec1_curve(der: &[u8]) -> Option<Sec1Curve<'_>> {
    let (key, _) = read(der, TAG_SEQUENCE)?;
    let (_version, key) = read(key, TAG_INTEGER)?;
    let (scalar, rest) = read(key, TAG_OCTET_STRING)?;
    match read(rest, TAG_CONTEXT_0) {
        Some((params, _)) => read(params, TAG_OID).map(|(oid, _)| Sec1Curve::Named(oid)),
        None => Some(Sec1Curve::ScalarLen(scalar.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_reader_rejects_truncation_and_wrong_tags() {
        assert_eq!(
            read(&[0x30, 0x02, 0x01, 0x02], TAG_SEQUENCE),
            Some((&[1u8, 2][..], &[][..]))
        );
        assert_eq!(read(&[0x30, 0x03, 0x01, 0x02], TAG_SEQUENCE), None);
        assert_eq!(read(&[0x02, 0x01, 0x00], TAG_SEQUENCE), None);
        assert_eq!(read(&[0x30, 0x81], TAG_SEQUENCE), None);
        assert_eq!(read(&[0x30, 0x80], TAG_SEQUENCE), None);
        assert_eq!(read(&[0x30, 0x85, 1, 1, 1, 1, 1], TAG_SEQUENCE), None);
        let long = [&[0x04u8, 0x81, 0x03][..], &[7, 8, 9, 10]].concat();
        assert_eq!(
            read(&long, TAG_OCTET_STRING),
            Some((&[7u8, 8, 9][..], &[10u8][..]))
        );
        assert!(pkcs8_algorithm(&[]).is_none());
        assert!(pkcs8_private_key(&[]).is_none());
        // version 0, AlgorithmIdentifier { NULL }, privateKey "ab".
        let info = [
            0x30, 0x0b, 0x02, 0x01, 0x00, 0x30, 0x02, 0x05, 0x00, 0x04, 0x02, b'a', b'b',
        ];
        assert_eq!(pkcs8_private_key(&info), Some(&b"ab"[..]));
        assert!(pkcs8_private_key(&info[..info.len() - 1]).is_none());
        assert!(sec1_curve(&[0x30, 0x00]).is_none());
    }
}
