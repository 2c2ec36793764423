//! Signing keys: loading every supported format, sign/verify round trips through
//! the provider's webpki verification algorithms, and rejection of unusable keys.

use lucidtls::crypto::{CryptoProvider, SigningKey};
use lucidtls::enums::SignatureScheme;
use lucidtls::Error;
use lucidtls_aws_lc::AwsLcProvider;
use rustls_pki_types::{
    alg_id, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
    SignatureVerificationAlgorithm,
};
use std::sync::Arc;

const P: AwsLcProvider = AwsLcProvider;
const MESSAGE: &[u8] = b"TLS 1.3, server CertificateVerify\x00 transcript hash goes here";

fn pkcs8(der: Vec<u8>) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der))
}

/// Reads one DER TLV with `tag`; returns (contents, rest). Test helper only.
fn der(input: &[u8], tag: u8) -> (&[u8], &[u8]) {
    assert_eq!(input[0], tag);
    let (len, header) = match input[1] {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(input[2]), 3),
        0x82 => (usize::from(input[2]) << 8 | usize::from(input[3]), 4),
        _ => panic!("unexpected DER length"),
    };
    (&input[header..header + len], &input[header + len..])
}

/// The privateKey OCTET STRING of a PKCS#8 document (PKCS#1 for RSA, SEC1 for EC).
fn pkcs8_inner(pkcs8: &[u8]) -> Vec<u8> {
    let (info, _) = der(pkcs8, 0x30);
    let (_version, rest) = der(info, 0x02);
    let (_alg, rest) = der(rest, 0x30);
    let (key, _) = der(rest, 0x04);
    key.to_vec()
}

/// Signs with every scheme the key offers and checks each through the matching
/// verification algorithm; a tampered signature or message must fail.
fn round_trip(key: &Arc<dyn SigningKey>, public_key: &[u8]) {
    assert!(!key.schemes().is_empty());
    for &scheme in key.schemes() {
        let alg = P
            .verification_algorithm(scheme)
            .expect("scheme is verifiable");
        let sig = key.sign(scheme, MESSAGE).expect("sign");
        assert!(
            alg.verify_signature(public_key, MESSAGE, &sig).is_ok(),
            "{scheme} signature does not verify"
        );
        let mut tampered = sig.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 0x01;
        assert!(
            alg.verify_signature(public_key, MESSAGE, &tampered)
                .is_err(),
            "{scheme}"
        );
        let mut tampered = sig.clone();
        tampered[sig.len() / 2] ^= 0x40;
        assert!(
            alg.verify_signature(public_key, MESSAGE, &tampered)
                .is_err(),
            "{scheme}"
        );
        assert!(alg
            .verify_signature(public_key, b"another message", &sig)
            .is_err());
        assert!(alg
            .verify_signature(public_key, MESSAGE, &sig[..sig.len() - 1])
            .is_err());
    }
    // Schemes the key does not have are refused, not silently mapped.
    let foreign = if key.schemes().contains(&SignatureScheme::ED25519) {
        SignatureScheme::ECDSA_NISTP256_SHA256
    } else {
        SignatureScheme::ED25519
    };
    assert!(key.sign(foreign, MESSAGE).is_err());
    assert!(key.sign(SignatureScheme::Unknown(0x1234), MESSAGE).is_err());
}

#[test]
fn ecdsa_p256_pkcs8_and_sec1() {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let key = P.load_signing_key(&pkcs8(kp.serialize_der())).unwrap();
    assert_eq!(key.schemes(), [SignatureScheme::ECDSA_NISTP256_SHA256]);
    assert_eq!(key.describe(), "ECDSA P-256");
    assert_eq!(format!("{key:?}"), "SigningKey(ECDSA P-256)");
    round_trip(&key, kp.public_key_raw());

    // ECDSA signatures are DER: SEQUENCE { r INTEGER, s INTEGER }.
    let sig = key
        .sign(SignatureScheme::ECDSA_NISTP256_SHA256, MESSAGE)
        .unwrap();
    assert_eq!(sig[0], 0x30);
    assert_eq!(usize::from(sig[1]), sig.len() - 2);

    // SEC1 without curve parameters (as embedded in PKCS#8).
    let sec1 = PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(pkcs8_inner(&kp.serialize_der())));
    let key = P.load_signing_key(&sec1).unwrap();
    assert_eq!(key.describe(), "ECDSA P-256");
    round_trip(&key, kp.public_key_raw());
}

#[test]
fn ecdsa_p384_pkcs8_and_sec1_with_parameters() {
    use aws_lc_rs::encoding::{AsDer, EcPrivateKeyRfc5915Der};
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P384_SHA384_ASN1_SIGNING};

    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let key = P.load_signing_key(&pkcs8(kp.serialize_der())).unwrap();
    assert_eq!(key.schemes(), [SignatureScheme::ECDSA_NISTP384_SHA384]);
    assert_eq!(key.describe(), "ECDSA P-384");
    round_trip(&key, kp.public_key_raw());

    // An RFC 5915 ECPrivateKey that names its curve.
    let aws = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    let sec1: EcPrivateKeyRfc5915Der<'_> = aws.private_key().as_der().unwrap();
    let key = P
        .load_signing_key(&PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(
            sec1.as_ref().to_vec(),
        )))
        .unwrap();
    assert_eq!(key.describe(), "ECDSA P-384");
    round_trip(&key, aws.public_key().as_ref());
}

#[test]
fn ed25519_pkcs8() {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let key = P.load_signing_key(&pkcs8(kp.serialize_der())).unwrap();
    assert_eq!(key.schemes(), [SignatureScheme::ED25519]);
    assert_eq!(key.describe(), "Ed25519");
    round_trip(&key, kp.public_key_raw());
    // Ed25519 is deterministic.
    assert_eq!(
        key.sign(SignatureScheme::ED25519, MESSAGE).unwrap(),
        key.sign(SignatureScheme::ED25519, MESSAGE).unwrap()
    );
}

#[test]
fn rsa_pkcs8_and_pkcs1() {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let key = P.load_signing_key(&pkcs8(kp.serialize_der())).unwrap();
    assert_eq!(
        key.schemes(),
        [
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            SignatureScheme::RSA_PSS_RSAE_SHA384,
            SignatureScheme::RSA_PSS_RSAE_SHA512,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
        ]
    );
    assert_eq!(key.describe(), "RSA 2048");
    round_trip(&key, kp.public_key_raw());

    // PSS is randomised; PKCS#1 v1.5 is not. A PSS signature is not a PKCS#1 one.
    let pss1 = key
        .sign(SignatureScheme::RSA_PSS_RSAE_SHA256, MESSAGE)
        .unwrap();
    let pss2 = key
        .sign(SignatureScheme::RSA_PSS_RSAE_SHA256, MESSAGE)
        .unwrap();
    assert_eq!(pss1.len(), 256);
    assert_ne!(pss1, pss2);
    let pkcs1_alg = P
        .verification_algorithm(SignatureScheme::RSA_PKCS1_SHA256)
        .unwrap();
    assert!(pkcs1_alg
        .verify_signature(kp.public_key_raw(), MESSAGE, &pss1)
        .is_err());
    let sha384_pss = P
        .verification_algorithm(SignatureScheme::RSA_PSS_RSAE_SHA384)
        .unwrap();
    assert!(sha384_pss
        .verify_signature(kp.public_key_raw(), MESSAGE, &pss1)
        .is_err());

    // The same key as PKCS#1 RSAPrivateKey.
    let pkcs1 = pkcs8_inner(&kp.serialize_der());
    let key = P
        .load_signing_key(&PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(pkcs1)))
        .unwrap();
    assert_eq!(key.describe(), "RSA 2048");
    round_trip(&key, kp.public_key_raw());
}

fn assert_bad_key(key: &PrivateKeyDer<'_>, mention: &str) {
    match P.load_signing_key(key) {
        Err(Error::BadKeyMaterial(why)) => {
            assert!(why.contains(mention), "{why:?} should mention {mention:?}")
        }
        Err(other) => panic!("wrong error {other:?}"),
        Ok(k) => panic!("unusable key accepted: {k:?}"),
    }
}

#[test]
fn unusable_keys_are_rejected() {
    assert_bad_key(&pkcs8(vec![]), "malformed");
    assert_bad_key(&pkcs8(vec![0x30, 0x03, 0x02, 0x01]), "malformed");
    assert_bad_key(&pkcs8(b"not a key at all".to_vec()), "malformed");
    assert_bad_key(
        &PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(vec![0x30, 0x00])),
        "RSA",
    );
    assert_bad_key(
        &PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(vec![0x30, 0x00])),
        "SEC1",
    );

    // P-521 is not offered.
    let p521 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    assert_bad_key(&pkcs8(p521.serialize_der()), "P-521");

    // Ed448 and RSASSA-PSS keys, by algorithm identifier (the key bytes are never reached).
    let mut ed448 = vec![
        0x30, 0x47, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71,
    ];
    ed448.extend_from_slice(&[0x04, 0x3b, 0x04, 0x39]);
    ed448.extend_from_slice(&[0x11; 57]);
    assert_bad_key(&pkcs8(ed448), "Ed448");
    let pss = vec![
        0x30, 0x12, 0x02, 0x01, 0x00, 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
        0x01, 0x01, 0x0a, 0x04, 0x00,
    ];
    assert_bad_key(&pkcs8(pss), "RSASSA-PSS");

    // An Ed25519 key with a corrupted body, and a truncated RSA key.
    let ed = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519)
        .unwrap()
        .serialize_der();
    assert_bad_key(&pkcs8(ed[..ed.len() - 4].to_vec()), "malformed");
    let rsa = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
        .unwrap()
        .serialize_der();
    assert_bad_key(&pkcs8(rsa[..rsa.len() - 1].to_vec()), "malformed");
    let mut rsa_bad = rsa.clone();
    let mid = rsa_bad.len() / 2;
    rsa_bad[mid] ^= 0xff;
    assert!(P.load_signing_key(&pkcs8(rsa_bad)).is_err());
}

#[test]
fn verification_algorithm_mapping() {
    type Ids = (
        rustls_pki_types::AlgorithmIdentifier,
        rustls_pki_types::AlgorithmIdentifier,
    );
    fn ids(a: &dyn SignatureVerificationAlgorithm) -> Ids {
        (a.public_key_alg_id(), a.signature_alg_id())
    }
    let expect = [
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            alg_id::ECDSA_P256,
            alg_id::ECDSA_SHA256,
        ),
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            alg_id::ECDSA_P384,
            alg_id::ECDSA_SHA384,
        ),
        (SignatureScheme::ED25519, alg_id::ED25519, alg_id::ED25519),
        (
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PSS_SHA256,
        ),
        (
            SignatureScheme::RSA_PSS_RSAE_SHA384,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PSS_SHA384,
        ),
        (
            SignatureScheme::RSA_PSS_RSAE_SHA512,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PSS_SHA512,
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PKCS1_SHA256,
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PKCS1_SHA384,
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PKCS1_SHA512,
        ),
    ];
    for (scheme, pk, sig) in expect {
        let alg = P.verification_algorithm(scheme).unwrap();
        assert_eq!(ids(alg), (pk, sig), "{scheme}");
    }
    for scheme in [
        SignatureScheme::RSA_PKCS1_SHA1,
        SignatureScheme::ECDSA_SHA1_Legacy,
        SignatureScheme::ED448,
        SignatureScheme::RSA_PSS_PSS_SHA256,
        SignatureScheme::Unknown(0x0a0a),
    ] {
        assert!(P.verification_algorithm(scheme).is_none(), "{scheme}");
    }

    let all: Vec<Ids> = P
        .all_verification_algorithms()
        .iter()
        .map(|a| ids(*a))
        .collect();
    for wanted in [
        (alg_id::ECDSA_P256, alg_id::ECDSA_SHA256),
        (alg_id::ECDSA_P256, alg_id::ECDSA_SHA384),
        (alg_id::ECDSA_P384, alg_id::ECDSA_SHA256),
        (alg_id::ECDSA_P384, alg_id::ECDSA_SHA384),
        (alg_id::ED25519, alg_id::ED25519),
        (alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA256),
        (alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA384),
        (alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA512),
        (alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA256),
        (alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA384),
        (alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA512),
    ] {
        assert!(all.contains(&wanted), "missing {wanted:?}");
    }
    // Every handshake algorithm is also acceptable in chains.
    for (scheme, pk, sig) in expect {
        assert!(all.contains(&(pk, sig)), "{scheme} not in the chain list");
    }
}
