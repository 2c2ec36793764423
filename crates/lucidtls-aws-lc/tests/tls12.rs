//! TLS 1.2 primitives: RSA key transport (implicit rejection), PKCS#1 v1.5
//! encryption, CBC record protection (MAC-then-encrypt and encrypt-then-MAC),
//! FFDHE, and the TLS 1.2 signature-verification mapping (including SHA-1).

use aws_lc_rs::cipher::{EncryptingKey, EncryptionContext, UnboundCipherKey, AES_128, AES_256};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use lucidtls::crypto::{CbcAlgorithm, CbcKey, CryptoProvider, FfdheProvider, SigningKey};
use lucidtls::enums::{NamedGroup, SignatureScheme};
use lucidtls::Error;
use lucidtls_aws_lc::AwsLcProvider;
use rcgen::PublicKeyData;
use rustls_pki_types::{alg_id, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;

const P: AwsLcProvider = AwsLcProvider;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    P.fill_random(&mut out).unwrap();
    out
}

// ---------------------------------------------------------------------------
// RSA key transport
// ---------------------------------------------------------------------------

/// An RSA-2048 key loaded through the provider, with its SPKI and PKCS#8 DER.
fn rsa_key() -> (Arc<dyn SigningKey>, Vec<u8>, Vec<u8>) {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let der = kp.serialize_der();
    let key = P
        .load_signing_key(&PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.clone())))
        .unwrap();
    (key, kp.subject_public_key_info(), der)
}

fn premaster(version: u16) -> [u8; 48] {
    let mut pms = random::<48>();
    pms[..2].copy_from_slice(&version.to_be_bytes());
    pms
}

#[test]
fn rsa_key_transport_round_trip_and_implicit_rejection() {
    let (key, spki, _) = rsa_key();
    let kt = key.rsa_key_transport().expect("RSA keys decrypt");
    let fallback = random::<48>();

    // A valid pre-master secret comes back.
    let pms = premaster(0x0303);
    let ct = P.rsa_encrypt_pkcs1(&spki, &pms).unwrap();
    assert_eq!(ct.len(), 256);
    let out = kt.decrypt_premaster(&ct, 0x0303, &fallback);
    assert_eq!(out.expose(), &pms[..]);
    // Encryption is randomised; the other ciphertext decrypts to the same secret.
    let ct2 = P.rsa_encrypt_pkcs1(&spki, &pms).unwrap();
    assert_ne!(ct, ct2);
    assert_eq!(
        kt.decrypt_premaster(&ct2, 0x0303, &fallback).expose(),
        &pms[..]
    );

    let rejected = |ct: &[u8], version: u16, what: &str| {
        let out = kt.decrypt_premaster(ct, version, &fallback);
        assert_eq!(out.len(), 48, "{what}");
        assert_eq!(out.expose(), &fallback[..], "{what} must give the fallback");
    };
    // The embedded version differs from the ClientHello's.
    rejected(&ct, 0x0302, "wrong version");
    rejected(
        &P.rsa_encrypt_pkcs1(&spki, &premaster(0x0301)).unwrap(),
        0x0303,
        "old version",
    );
    // Random ciphertexts (bad padding, or not below the modulus).
    for _ in 0..8 {
        rejected(&random::<256>(), 0x0303, "random ciphertext");
    }
    rejected(&[0u8; 256], 0x0303, "zero ciphertext");
    rejected(&[0xffu8; 256], 0x0303, "ciphertext above the modulus");
    // A PKCS#1-valid block whose message is not 48 bytes.
    rejected(
        &P.rsa_encrypt_pkcs1(&spki, &pms[..47]).unwrap(),
        0x0303,
        "47-byte message",
    );
    let mut long = pms.to_vec();
    long.push(0x42);
    rejected(
        &P.rsa_encrypt_pkcs1(&spki, &long).unwrap(),
        0x0303,
        "49-byte message",
    );
    rejected(
        &P.rsa_encrypt_pkcs1(&spki, &[]).unwrap(),
        0x0303,
        "empty message",
    );
    // Ciphertexts of the wrong length.
    rejected(&ct[..255], 0x0303, "truncated ciphertext");
    rejected(&ct[1..], 0x0303, "ciphertext missing its first byte");
    rejected(&[], 0x0303, "empty ciphertext");
    let mut longer = ct.clone();
    longer.push(0);
    rejected(&longer, 0x0303, "overlong ciphertext");
    let mut prefixed = vec![0u8];
    prefixed.extend_from_slice(&ct);
    rejected(&prefixed, 0x0303, "zero-prefixed ciphertext");
    // One flipped bit anywhere gives garbage, hence the fallback.
    for i in [0usize, 1, 100, 255] {
        let mut bad = ct.clone();
        bad[i] ^= 0x01;
        rejected(&bad, 0x0303, "bit flip");
    }

    // The key still works after all that.
    assert_eq!(
        kt.decrypt_premaster(&ct, 0x0303, &fallback).expose(),
        &pms[..]
    );
}

#[test]
fn rsa_key_transport_from_pkcs1_and_only_for_rsa() {
    let (_, spki, pkcs8) = rsa_key();
    // The same key as PKCS#1: the privateKey OCTET STRING inside the PKCS#8 document.
    let key = P
        .load_signing_key(&PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            pkcs8.clone(),
        )))
        .unwrap();
    let pkcs1 = pkcs1_from_pkcs8(&pkcs8);
    let key1 = P
        .load_signing_key(&PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(pkcs1)))
        .unwrap();
    let pms = premaster(0x0303);
    let ct = P.rsa_encrypt_pkcs1(&spki, &pms).unwrap();
    for k in [&key, &key1] {
        let out = k
            .rsa_key_transport()
            .unwrap()
            .decrypt_premaster(&ct, 0x0303, &[0; 48]);
        assert_eq!(out.expose(), &pms[..]);
    }

    for alg in [&rcgen::PKCS_ECDSA_P256_SHA256, &rcgen::PKCS_ED25519] {
        let kp = rcgen::KeyPair::generate_for(alg).unwrap();
        let key = P
            .load_signing_key(&PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                kp.serialize_der(),
            )))
            .unwrap();
        assert!(key.rsa_key_transport().is_none());
    }
}

/// PKCS#8 → the inner PKCS#1 key (test helper; short and long DER lengths only).
fn pkcs1_from_pkcs8(pkcs8: &[u8]) -> Vec<u8> {
    fn tlv(input: &[u8]) -> (&[u8], &[u8]) {
        let (len, header) = match input[1] {
            n if n < 0x80 => (usize::from(n), 2),
            0x81 => (usize::from(input[2]), 3),
            0x82 => ((usize::from(input[2]) << 8) | usize::from(input[3]), 4),
            _ => panic!("unexpected DER length"),
        };
        (&input[header..header + len], &input[header + len..])
    }
    let (info, _) = tlv(pkcs8);
    let (_version, rest) = tlv(info);
    let (_alg, rest) = tlv(rest);
    let (key, _) = tlv(rest);
    key.to_vec()
}

#[test]
fn rsa_encrypt_pkcs1_rejects_bad_input() {
    let (_, spki, _) = rsa_key();
    // 2048-bit modulus: at most 256 - 11 bytes of plaintext.
    assert!(P.rsa_encrypt_pkcs1(&spki, &[7u8; 245]).is_ok());
    assert!(P.rsa_encrypt_pkcs1(&spki, &[7u8; 246]).is_err());
    assert!(P
        .rsa_encrypt_pkcs1(&spki[..spki.len() - 1], &[0; 48])
        .is_err());
    assert!(P.rsa_encrypt_pkcs1(&[], &[0; 48]).is_err());
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    assert!(matches!(
        P.rsa_encrypt_pkcs1(&ec.subject_public_key_info(), &[0; 48]),
        Err(Error::BadKeyMaterial(_))
    ));
}

// ---------------------------------------------------------------------------
// CBC
// ---------------------------------------------------------------------------

const ALL_CBC: [CbcAlgorithm; 5] = [
    CbcAlgorithm::Aes128Sha1,
    CbcAlgorithm::Aes256Sha1,
    CbcAlgorithm::Aes128Sha256,
    CbcAlgorithm::Aes256Sha256,
    CbcAlgorithm::Aes256Sha384,
];

const IV: [u8; 16] = [
    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
];
/// seq_num 5, application_data, TLS 1.2.
const HEADER: [u8; 11] = [0, 0, 0, 0, 0, 0, 0, 5, 0x17, 0x03, 0x03];

struct Keys {
    enc: Vec<u8>,
    mac: Vec<u8>,
}

fn keys(alg: CbcAlgorithm) -> Keys {
    Keys {
        enc: (0..alg.enc_key_len()).map(|i| (i * 7 + 1) as u8).collect(),
        mac: (0..alg.mac_len()).map(|i| (i * 13 + 5) as u8).collect(),
    }
}

fn cbc_key(alg: CbcAlgorithm) -> Box<dyn CbcKey> {
    let cipher = P.cbc(alg).expect("CBC is provided");
    assert_eq!(cipher.algorithm(), alg);
    let k = keys(alg);
    cipher.key(&k.enc, &k.mac).unwrap()
}

fn hmac_alg(alg: CbcAlgorithm) -> hmac::Algorithm {
    match alg.mac_len() {
        20 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        32 => hmac::HMAC_SHA256,
        _ => hmac::HMAC_SHA384,
    }
}

/// Reference HMAC, computed independently of the provider.
fn reference_mac(alg: CbcAlgorithm, parts: &[&[u8]]) -> Vec<u8> {
    let key = hmac::Key::new(hmac_alg(alg), &keys(alg).mac);
    let data: Vec<u8> = parts.concat();
    hmac::sign(&key, &data).as_ref().to_vec()
}

/// Reference AES-CBC encryption without padding (input: whole blocks).
fn reference_cbc(alg: CbcAlgorithm, iv: &[u8; 16], mut data: Vec<u8>) -> Vec<u8> {
    let aes = if alg.enc_key_len() == 16 {
        &AES_128
    } else {
        &AES_256
    };
    let key = EncryptingKey::cbc(UnboundCipherKey::new(aes, &keys(alg).enc).unwrap()).unwrap();
    key.less_safe_encrypt(&mut data, EncryptionContext::Iv128(FixedLength::from(iv)))
        .unwrap();
    data
}

/// `n + 1` bytes of value `n`.
fn padding(n: u8) -> Vec<u8> {
    vec![n; usize::from(n) + 1]
}

/// Shortest TLS padding after `len` bytes.
fn min_padding(len: usize) -> Vec<u8> {
    padding((15 - len % 16) as u8)
}

/// MAC-then-encrypt by hand: CBC(plaintext || HMAC(header || len || plaintext) || pad).
fn reference_mte(alg: CbcAlgorithm, plaintext: &[u8], pad: Vec<u8>) -> Vec<u8> {
    let len = (plaintext.len() as u16).to_be_bytes();
    let mac = reference_mac(alg, &[&HEADER, &len, plaintext]);
    reference_cbc(alg, &IV, [plaintext, &mac, &pad].concat())
}

/// Encrypt-then-MAC by hand: CBC(plaintext || pad) || HMAC(header || len || IV || ct).
fn reference_etm(alg: CbcAlgorithm, plaintext: &[u8], pad: Vec<u8>) -> Vec<u8> {
    let ct = reference_cbc(alg, &IV, [plaintext, &pad].concat());
    let len = ((16 + ct.len()) as u16).to_be_bytes();
    let mac = reference_mac(alg, &[&HEADER, &len, &IV, &ct]);
    [ct, mac].concat()
}

const LENGTHS: [usize; 8] = [0, 1, 15, 16, 17, 47, 1000, 16384];

#[test]
fn cbc_mac_then_encrypt_matches_reference_and_round_trips() {
    for alg in ALL_CBC {
        let key = cbc_key(alg);
        for len in LENGTHS {
            let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut out = b"hdr".to_vec();
            key.seal_mac_then_encrypt(&IV, &HEADER, &plaintext, &mut out)
                .unwrap();
            assert_eq!(&out[..3], b"hdr", "seal appends");
            let sealed = out[3..].to_vec();
            let expected = reference_mte(alg, &plaintext, min_padding(len + alg.mac_len()));
            assert_eq!(sealed, expected, "{alg:?} MtE, {len} bytes");

            let mut buf = sealed.clone();
            let n = key.open_mac_then_encrypt(&IV, &HEADER, &mut buf).unwrap();
            assert_eq!(&buf[..n], &plaintext[..], "{alg:?} MtE open, {len} bytes");
        }
    }
}

#[test]
fn cbc_mac_then_encrypt_accepts_long_padding_and_rejects_bad_padding() {
    for alg in ALL_CBC {
        let key = cbc_key(alg);
        let plaintext = b"attack at dawn";
        let total = plaintext.len() + alg.mac_len();
        let minimal = 15 - total % 16;
        // Non-minimal but valid padding (up to 255 is allowed): accepted.
        for extra in [16usize, 32, 240] {
            let n = (minimal + extra) as u8;
            let mut record = reference_mte(alg, plaintext, padding(n));
            let len = key
                .open_mac_then_encrypt(&IV, &HEADER, &mut record)
                .unwrap();
            assert_eq!(&record[..len], plaintext, "{alg:?} padding {n}");
        }
        // Padding bytes that disagree with the length byte, with a correct MAC.
        let mut pad = padding(minimal as u8 + 16);
        pad[3] ^= 0x01;
        let mut record = reference_mte(alg, plaintext, pad);
        assert_eq!(
            key.open_mac_then_encrypt(&IV, &HEADER, &mut record),
            Err(Error::BadRecordMac),
            "{alg:?} inconsistent padding"
        );
        // A length byte that claims more padding than there is room for.
        let mut record = reference_cbc(
            alg,
            &IV,
            [&plaintext[..], &vec![0xffu8; 16 * 4 - plaintext.len()]].concat(),
        );
        assert_eq!(
            key.open_mac_then_encrypt(&IV, &HEADER, &mut record),
            Err(Error::BadRecordMac),
            "{alg:?} oversized padding"
        );
    }
}

#[test]
fn cbc_mac_then_encrypt_rejects_tampering_and_truncation() {
    for alg in ALL_CBC {
        let key = cbc_key(alg);
        let mut sealed = Vec::new();
        key.seal_mac_then_encrypt(&IV, &HEADER, &[0x61; 40], &mut sealed)
            .unwrap();
        let bad = |mut record: Vec<u8>, iv: &[u8; 16], header: &[u8; 11], what: &str| {
            assert_eq!(
                key.open_mac_then_encrypt(iv, header, &mut record),
                Err(Error::BadRecordMac),
                "{alg:?}: {what}"
            );
        };
        for i in [0usize, 17, sealed.len() - 17, sealed.len() - 1] {
            let mut t = sealed.clone();
            t[i] ^= 0x20;
            bad(t, &IV, &HEADER, "flipped bit");
        }
        let mut other_seq = HEADER;
        other_seq[7] = 6;
        bad(sealed.clone(), &IV, &other_seq, "wrong sequence number");
        let mut other_type = HEADER;
        other_type[8] = 0x16;
        bad(sealed.clone(), &IV, &other_type, "wrong content type");
        let mut other_iv = IV;
        other_iv[0] ^= 1;
        bad(sealed.clone(), &other_iv, &HEADER, "wrong IV");
        bad(
            sealed[..sealed.len() - 16].to_vec(),
            &IV,
            &HEADER,
            "last block dropped",
        );
        bad(
            sealed[..sealed.len() - 1].to_vec(),
            &IV,
            &HEADER,
            "not whole blocks",
        );
        bad(sealed[16..].to_vec(), &IV, &HEADER, "first block dropped");
        bad(Vec::new(), &IV, &HEADER, "empty");
        bad(vec![0u8; 16], &IV, &HEADER, "one block");
        // Another key (same algorithm).
        let k = keys(alg);
        let mut mac = k.mac.clone();
        mac[0] ^= 1;
        let other = P.cbc(alg).unwrap().key(&k.enc, &mac).unwrap();
        let mut t = sealed.clone();
        assert_eq!(
            other.open_mac_then_encrypt(&IV, &HEADER, &mut t),
            Err(Error::BadRecordMac)
        );
        // After all the failures, the genuine record still opens.
        let mut good = sealed.clone();
        assert_eq!(key.open_mac_then_encrypt(&IV, &HEADER, &mut good), Ok(40));
    }
}

#[test]
fn cbc_encrypt_then_mac_matches_reference_and_round_trips() {
    for alg in ALL_CBC {
        let key = cbc_key(alg);
        for len in LENGTHS {
            let plaintext: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let mut out = b"hdr".to_vec();
            key.seal_encrypt_then_mac(&IV, &HEADER, &plaintext, &mut out)
                .unwrap();
            assert_eq!(&out[..3], b"hdr");
            let sealed = out[3..].to_vec();
            assert_eq!(
                sealed,
                reference_etm(alg, &plaintext, min_padding(len)),
                "{alg:?} EtM, {len} bytes"
            );
            let mut buf = sealed.clone();
            let n = key.open_encrypt_then_mac(&IV, &HEADER, &mut buf).unwrap();
            assert_eq!(&buf[..n], &plaintext[..], "{alg:?} EtM open, {len} bytes");
        }
    }
}

#[test]
fn cbc_encrypt_then_mac_rejects_bad_mac_padding_and_truncation() {
    for alg in ALL_CBC {
        let key = cbc_key(alg);
        let mac_len = alg.mac_len();
        let mut sealed = Vec::new();
        key.seal_encrypt_then_mac(&IV, &HEADER, b"hello, world", &mut sealed)
            .unwrap();
        let bad = |mut record: Vec<u8>, iv: &[u8; 16], header: &[u8; 11], what: &str| {
            assert_eq!(
                key.open_encrypt_then_mac(iv, header, &mut record),
                Err(Error::BadRecordMac),
                "{alg:?}: {what}"
            );
        };
        let mut t = sealed.clone();
        *t.last_mut().unwrap() ^= 1;
        bad(t, &IV, &HEADER, "MAC bit flipped");
        let mut t = sealed.clone();
        t[0] ^= 1;
        bad(t, &IV, &HEADER, "ciphertext bit flipped");
        let mut other_iv = IV;
        other_iv[15] ^= 1;
        bad(sealed.clone(), &other_iv, &HEADER, "IV is under the MAC");
        let mut other_seq = HEADER;
        other_seq[0] = 1;
        bad(sealed.clone(), &IV, &other_seq, "wrong sequence number");
        bad(
            sealed[..sealed.len() - 1].to_vec(),
            &IV,
            &HEADER,
            "MAC truncated",
        );
        bad(sealed[..mac_len].to_vec(), &IV, &HEADER, "MAC only");
        bad(
            sealed[..mac_len + 15].to_vec(),
            &IV,
            &HEADER,
            "partial block",
        );
        bad(Vec::new(), &IV, &HEADER, "empty");

        // Authentic records with bad padding inside: still BadRecordMac.
        let inconsistent = {
            let mut pad = padding(19);
            pad[0] = 18;
            pad
        };
        for (what, body) in [
            (
                "inconsistent padding",
                [&b"0123456789ab"[..], &inconsistent].concat(),
            ),
            ("padding longer than the record", vec![0x40u8; 32]),
        ] {
            bad(reference_etm(alg, &body, Vec::new()), &IV, &HEADER, what);
        }
        // Long but valid padding is accepted.
        let mut long = reference_etm(alg, b"0123456789ab", padding(19));
        let n = key.open_encrypt_then_mac(&IV, &HEADER, &mut long).unwrap();
        assert_eq!(&long[..n], b"0123456789ab");
    }
}

#[test]
fn cbc_key_lengths_are_checked() {
    for alg in ALL_CBC {
        let cipher = P.cbc(alg).unwrap();
        let k = keys(alg);
        assert!(cipher.key(&k.enc[1..], &k.mac).is_err());
        assert!(cipher.key(&k.enc, &k.mac[1..]).is_err());
        if alg.enc_key_len() != alg.mac_len() {
            assert!(cipher.key(&k.mac, &k.enc).is_err(), "{alg:?} swapped");
        }
    }
}

#[test]
fn cbc_keys_are_shareable_across_threads() {
    let key: Arc<dyn CbcKey> = Arc::from(cbc_key(CbcAlgorithm::Aes128Sha256));
    let handles: Vec<_> = (0..4u8)
        .map(|t| {
            let key = key.clone();
            std::thread::spawn(move || {
                for i in 0..200u16 {
                    let plaintext = vec![t; usize::from(i)];
                    let mut buf = Vec::new();
                    key.seal_mac_then_encrypt(&IV, &HEADER, &plaintext, &mut buf)
                        .unwrap();
                    let n = key.open_mac_then_encrypt(&IV, &HEADER, &mut buf).unwrap();
                    assert_eq!(&buf[..n], &plaintext[..]);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

// ---------------------------------------------------------------------------
// FFDHE
// ---------------------------------------------------------------------------

const NAMED: [(NamedGroup, usize); 3] = [
    (NamedGroup::FFDHE2048, 256),
    (NamedGroup::FFDHE3072, 384),
    (NamedGroup::FFDHE4096, 512),
];

fn ffdhe() -> &'static dyn FfdheProvider {
    P.ffdhe().expect("FFDHE is provided")
}

/// `v - 1` for a big-endian `v` that does not end in a zero byte.
fn minus_one(v: &[u8]) -> Vec<u8> {
    let mut out = v.to_vec();
    *out.last_mut().unwrap() -= 1;
    out
}

#[test]
fn ffdhe_named_groups_agree_with_explicit_clients() {
    for (group, len) in NAMED {
        let (p, g, server) = ffdhe().start_named(group).unwrap();
        assert_eq!(p.len(), len);
        assert_eq!(p[0], 0xff, "{group}: top bits set");
        assert_eq!(g, [2]);
        assert_eq!(server.group(), group);
        assert_eq!(server.public_share().len(), len, "padded to p");

        let (client_y, client_secret) = ffdhe()
            .respond_explicit(&p, &g, server.public_share())
            .unwrap();
        assert_eq!(client_y.len(), len);
        assert_ne!(client_y, server.public_share());
        assert!(client_secret.len() <= len && client_secret.len() > len - 8);
        assert_ne!(client_secret.expose()[0], 0, "leading zeros stripped");

        let server_secret = server.complete(&client_y).unwrap();
        assert_eq!(server_secret, client_secret, "{group}: both sides agree");

        // Explicit encodings with leading zeros are the same integers.
        let (_, _, server) = ffdhe().start_named(group).unwrap();
        let padded = |v: &[u8]| [&[0u8, 0][..], v].concat();
        let (client_y, client_secret) = ffdhe()
            .respond_explicit(&padded(&p), &padded(&g), &padded(server.public_share()))
            .unwrap();
        assert_eq!(server.complete(&padded(&client_y)).unwrap(), client_secret);
    }
    assert!(ffdhe().start_named(NamedGroup::secp256r1).is_err());
    assert!(ffdhe().start_named(NamedGroup::Unknown(0x0103)).is_err());
}

#[test]
fn ffdhe_rejects_out_of_range_public_values() {
    for (group, len) in NAMED {
        let (p, g, _) = ffdhe().start_named(group).unwrap();
        let mut above_p = p.clone();
        above_p.insert(0, 1);
        let bad_values: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "empty"),
            (vec![0], "0"),
            (vec![0; len], "padded 0"),
            (vec![1], "1"),
            ([vec![0; len - 1], vec![1]].concat(), "padded 1"),
            (minus_one(&p), "p-1"),
            (p.clone(), "p"),
            ([p.clone(), vec![0]].concat(), "p*256"),
            (above_p, "p + 2^(8*len)"),
            (vec![0xff; len], "2^(8*len) - 1"),
        ];
        for (y, what) in &bad_values {
            let (_, _, server) = ffdhe().start_named(group).unwrap();
            assert_eq!(
                server.complete(y),
                Err(Error::InvalidKeyShare(group)),
                "{group}: client Y = {what}"
            );
            assert!(
                matches!(
                    ffdhe().respond_explicit(&p, &g, y),
                    Err(Error::IllegalParameter(_))
                ),
                "{group}: server Y = {what}"
            );
        }
        // The edges just inside the range are fine: 2 and p-2.
        let (_, _, server) = ffdhe().start_named(group).unwrap();
        assert!(server.complete(&[2]).is_ok());
        assert!(ffdhe()
            .respond_explicit(&p, &g, &minus_one(&minus_one(&p)))
            .is_ok());
    }
}

#[test]
fn ffdhe_explicit_parameters_are_checked() {
    let (p, g, server) = ffdhe().start_named(NamedGroup::FFDHE2048).unwrap();
    let y = server.public_share().to_vec();
    let illegal = |p: &[u8], g: &[u8], what: &str| {
        assert!(
            matches!(
                ffdhe().respond_explicit(p, g, &y),
                Err(Error::IllegalParameter(_))
            ),
            "{what}"
        );
    };
    illegal(&p, &[], "g empty");
    illegal(&p, &[0], "g = 0");
    illegal(&p, &[1], "g = 1");
    illegal(&p, &minus_one(&p), "g = p-1");
    illegal(&p, &p, "g = p");
    illegal(&minus_one(&p), &g, "p even");
    illegal(&[], &g, "p empty");
    illegal(&[0, 0], &g, "p zero");
    illegal(&[3], &[2], "p tiny");
}

/// `base^exp mod m` for m < 2^64.
fn modpow(mut base: u128, mut exp: u64, m: u128) -> u128 {
    let mut acc = 1u128;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc * base % m;
        }
        base = base * base % m;
        exp >>= 1;
    }
    acc
}

fn be(v: u128) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

#[test]
fn ffdhe_explicit_group_known_answer() {
    // A small explicit group we can check by hand: p = 2^61 - 1 (prime), g = 3, and a
    // "server" whose private exponent we know.
    let p: u128 = (1 << 61) - 1;
    let g: u128 = 3;
    let x: u64 = 0x1234_5678_9abc_def1;
    let server_y = modpow(g, x, p);
    for _ in 0..32 {
        let (client_y, secret) = ffdhe()
            .respond_explicit(&be(p), &be(g), &be(server_y))
            .unwrap();
        assert_eq!(client_y.len(), 8, "padded to p's length");
        let yc = u128::from(u64::from_be_bytes(client_y.try_into().unwrap()));
        assert!(yc > 1 && yc < p - 1);
        // The client's secret is server_y^c = client_y^x, minimal big-endian.
        assert_eq!(secret.expose(), &be(modpow(yc, x, p))[..]);
    }
}

// ---------------------------------------------------------------------------
// TLS 1.2 signature verification
// ---------------------------------------------------------------------------

/// (public key alg id, signature alg id) of each algorithm, to compare lists.
fn ids(scheme: SignatureScheme) -> Vec<(Vec<u8>, Vec<u8>)> {
    P.tls12_verification_algorithms(scheme)
        .iter()
        .map(|a| {
            (
                a.public_key_alg_id().as_ref().to_vec(),
                a.signature_alg_id().as_ref().to_vec(),
            )
        })
        .collect()
}

fn id_pair(
    key: rustls_pki_types::AlgorithmIdentifier,
    sig: rustls_pki_types::AlgorithmIdentifier,
) -> (Vec<u8>, Vec<u8>) {
    (key.as_ref().to_vec(), sig.as_ref().to_vec())
}

#[test]
fn tls12_ecdsa_schemes_name_the_hash_not_the_curve() {
    assert_eq!(
        ids(SignatureScheme::ECDSA_NISTP256_SHA256),
        [
            id_pair(alg_id::ECDSA_P256, alg_id::ECDSA_SHA256),
            id_pair(alg_id::ECDSA_P384, alg_id::ECDSA_SHA256),
        ]
    );
    assert_eq!(
        ids(SignatureScheme::ECDSA_NISTP384_SHA384),
        [
            id_pair(alg_id::ECDSA_P384, alg_id::ECDSA_SHA384),
            id_pair(alg_id::ECDSA_P256, alg_id::ECDSA_SHA384),
        ]
    );
    assert_eq!(
        ids(SignatureScheme::ECDSA_NISTP521_SHA512),
        [id_pair(alg_id::ECDSA_P521, alg_id::ECDSA_SHA512)]
    );
    // Other schemes: the TLS 1.3 mapping.
    for scheme in [
        SignatureScheme::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PSS_RSAE_SHA384,
        SignatureScheme::ED25519,
    ] {
        let one = P.verification_algorithm(scheme).unwrap();
        assert_eq!(
            ids(scheme),
            [id_pair(one.public_key_alg_id(), one.signature_alg_id())]
        );
    }
    assert!(P
        .tls12_verification_algorithms(SignatureScheme::Unknown(0x0101))
        .is_empty());
    assert!(P
        .tls12_verification_algorithms(SignatureScheme::ED448)
        .is_empty());
}

// Signatures made with OpenSSL 3.0 (`openssl dgst -sha1 -sign key.pem msg`)
// over the message below; public keys are the subjectPublicKey bits of the SPKI.
const SHA1_MESSAGE: &[u8] = b"lucidtls legacy SHA-1 ServerKeyExchange";
const EC_P256_PUBLIC: &str = "04384ba7f1f5f5312c62bb8953da03ea6bca149b277e7511456549972db7124187\
    cc5ae392c61b0da7e762a13700dd3c1f94c944666212264b1fc9cdd0a0dd5018";
const EC_P256_SHA1_SIG: &str = "304402203ae5b55cb8d8752b820454148184ab86b8ca30cf67e9b3f95bb4501082\
    053ff002202f2505ad1b44ca66da7d98c9f67a7aca011353a29b1d830b4c916052a58ccb1f";
/// The same P-256 key and message, `openssl dgst -sha384 -sign`.
const EC_P256_SHA384_SIG: &str =
    "3046022100ff993ae001a140bf07be49b7c5b9a2edeb370423704e042ded57f4e1\
    eb9056d5022100ead310a14c0b429f36af20c0678915417c652e25411d73568c7999c974630fc2";
const RSA_PUBLIC: &str = "3082010a028201010093ef3ee2fad2cca0c1e8022876ac145649aec668ce50a0d048\
    9116ba90a309deae07d8038085669c5548caf30f0fe500eac58ed578dfa7a440d5e6ec1afaa65cc3153c83fbb3\
    a21f01ce6b4795160c42deb6951e9143d5bf5500b8471de12c53c7911b3ebf7deaa18ade14d4cb6ed01d456d96\
    acaa48c96814915b06ef1f2040d5849395b10d80c07ec4c5975b0acb9691ac1e98d10783253098caaed7411b88\
    caba5a892801e1ce4d6ee91506cea2ab6208db424e528e90cfeeb4f04b82700e5dbf4d7eb62e0c0e932201d012\
    a1631edf11e2437da51dcfc75adda538661f7273d706c8864b485a20c7c2c8c20dcc128e42bd7c771705d40207\
    de43d36f33070203010001";
const RSA_SHA1_SIG: &str = "1a4fba9a90bf3967f3b58368bd95456e50b348103a40a278d9b19490314df784cc\
    aedaa64c1605516bf2a915a1ac3bfe809d6a7d7f54d655ad55faa735fbe6e92822b068fde13f52a04d6969f70b\
    6ab534a52e302142a08acdd3871f9d51a9517e81d2b3ce01205c57e4aaa041991bfb63e149c52c8590603ac373\
    2ba809827fa8c930fad759ac9d3302a97519e77de54f158d822a67d5e23e21eb51e0278b9bdf983fbb4694eacc\
    9b93f29c2ab05df72a5089021c086d43a61480346be86fba833ffea837f13d24b4ad85c99d13f0c4888db19c0e\
    9a8e66f47deacea72c8942724ef87ce7170431c3e8173c91f6cbbc3dac47fbf293451ce3fefcdbf3a62d00";

/// Verifies through whichever listed algorithm matches `key_alg`.
fn verify_tls12(
    scheme: SignatureScheme,
    key_alg: rustls_pki_types::AlgorithmIdentifier,
    public: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> bool {
    P.tls12_verification_algorithms(scheme)
        .iter()
        .filter(|a| a.public_key_alg_id() == key_alg)
        .any(|a| a.verify_signature(public, msg, sig).is_ok())
}

#[test]
fn tls12_sha1_signatures_verify() {
    use SignatureScheme as S;
    let rsa = hex(RSA_PUBLIC);
    let rsa_sig = hex(RSA_SHA1_SIG);
    assert!(verify_tls12(
        S::RSA_PKCS1_SHA1,
        alg_id::RSA_ENCRYPTION,
        &rsa,
        SHA1_MESSAGE,
        &rsa_sig
    ));
    let mut bad = rsa_sig.clone();
    bad[10] ^= 1;
    assert!(!verify_tls12(
        S::RSA_PKCS1_SHA1,
        alg_id::RSA_ENCRYPTION,
        &rsa,
        SHA1_MESSAGE,
        &bad
    ));
    assert!(!verify_tls12(
        S::RSA_PKCS1_SHA1,
        alg_id::RSA_ENCRYPTION,
        &rsa,
        b"other",
        &rsa_sig
    ));
    // The same signature is not a SHA-256 one.
    assert!(!verify_tls12(
        S::RSA_PKCS1_SHA256,
        alg_id::RSA_ENCRYPTION,
        &rsa,
        SHA1_MESSAGE,
        &rsa_sig
    ));

    let ec = hex(EC_P256_PUBLIC);
    let ec_sig = hex(EC_P256_SHA1_SIG);
    assert!(verify_tls12(
        S::ECDSA_SHA1_Legacy,
        alg_id::ECDSA_P256,
        &ec,
        SHA1_MESSAGE,
        &ec_sig
    ));
    let mut bad = ec_sig.clone();
    bad[20] ^= 1;
    assert!(!verify_tls12(
        S::ECDSA_SHA1_Legacy,
        alg_id::ECDSA_P256,
        &ec,
        SHA1_MESSAGE,
        &bad
    ));
    assert!(!verify_tls12(
        S::ECDSA_SHA1_Legacy,
        alg_id::ECDSA_P256,
        &ec,
        b"other",
        &ec_sig
    ));
    assert!(!verify_tls12(
        S::ECDSA_NISTP256_SHA256,
        alg_id::ECDSA_P256,
        &ec,
        SHA1_MESSAGE,
        &ec_sig
    ));
    // An EC key with a bad SEC1 prefix byte is refused before parsing.
    let mut bad_key = ec.clone();
    bad_key[0] = 0x05;
    assert!(!verify_tls12(
        S::ECDSA_SHA1_Legacy,
        alg_id::ECDSA_P256,
        &bad_key,
        SHA1_MESSAGE,
        &ec_sig
    ));

    // A P-256 key signing with SHA-384, legal in TLS 1.2 under ecdsa_secp384r1_sha384:
    // verified by the second algorithm of that scheme's list.
    let ec_sha384 = hex(EC_P256_SHA384_SIG);
    assert!(verify_tls12(
        S::ECDSA_NISTP384_SHA384,
        alg_id::ECDSA_P256,
        &ec,
        SHA1_MESSAGE,
        &ec_sha384
    ));
    assert!(!verify_tls12(
        S::ECDSA_NISTP384_SHA384,
        alg_id::ECDSA_P256,
        &ec,
        b"other",
        &ec_sha384
    ));
    assert!(P
        .verification_algorithm(S::ECDSA_NISTP384_SHA384)
        .unwrap()
        .verify_signature(&ec, SHA1_MESSAGE, &ec_sha384)
        .is_err());

    // Identifiers: sha1WithRSAEncryption (NULL params) and ecdsa-with-SHA1.
    assert_eq!(
        ids(S::RSA_PKCS1_SHA1),
        [(
            alg_id::RSA_ENCRYPTION.as_ref().to_vec(),
            hex("06092a864886f70d0101050500")
        )]
    );
    assert_eq!(
        ids(S::ECDSA_SHA1_Legacy),
        [
            (
                alg_id::ECDSA_P256.as_ref().to_vec(),
                hex("06072a8648ce3d0401")
            ),
            (
                alg_id::ECDSA_P521.as_ref().to_vec(),
                hex("06072a8648ce3d0401")
            ),
        ]
    );
    // SHA-1 stays out of certificate chains and of the TLS 1.3 mapping.
    assert!(P.verification_algorithm(S::RSA_PKCS1_SHA1).is_none());
    assert!(P.verification_algorithm(S::ECDSA_SHA1_Legacy).is_none());
    assert!(P
        .all_verification_algorithms()
        .iter()
        .all(|a| a.signature_alg_id().as_ref() != hex("06092a864886f70d0101050500")));
    // The statics are exported for callers that build legacy policies.
    assert!(lucidtls_aws_lc::RSA_PKCS1_SHA1
        .verify_signature(&rsa, SHA1_MESSAGE, &rsa_sig)
        .is_ok());
    assert!(lucidtls_aws_lc::ECDSA_P256_SHA1
        .verify_signature(&ec, SHA1_MESSAGE, &ec_sig)
        .is_ok());
    assert!(lucidtls_aws_lc::ECDSA_P521_SHA1
        .verify_signature(&ec, SHA1_MESSAGE, &ec_sig)
        .is_err());
}
