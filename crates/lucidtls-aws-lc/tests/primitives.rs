//! Known-answer and behaviour tests for hashes, HMAC, HKDF, AEADs and the RNG.

use lucidtls::crypto::{hkdf_expand, hkdf_extract, CryptoProvider};
use lucidtls::enums::{AeadAlgorithm, HashAlgorithm};
use lucidtls::Error;
use lucidtls_aws_lc::AwsLcProvider;

const P: AwsLcProvider = AwsLcProvider;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

// FIPS 180-2 Appendix B.1 / D.1: the digests of "abc".
const SHA256_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SHA384_ABC: &str = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
                          8086072ba1e7cc2358baeca134c825a7";

#[test]
fn sha256_and_sha384_known_answers() {
    let sha256 = P.hash(HashAlgorithm::Sha256);
    let sha384 = P.hash(HashAlgorithm::Sha384);
    assert_eq!(sha256.algorithm(), HashAlgorithm::Sha256);
    assert_eq!(sha384.algorithm(), HashAlgorithm::Sha384);
    assert_eq!(sha256.hash(b"abc").as_ref(), hex(SHA256_ABC));
    assert_eq!(sha384.hash(b"abc").as_ref(), hex(SHA384_ABC));
}

#[test]
fn running_hash_current_does_not_consume_and_fork_is_independent() {
    for (alg, abc) in [
        (HashAlgorithm::Sha256, SHA256_ABC),
        (HashAlgorithm::Sha384, SHA384_ABC),
    ] {
        let hash = P.hash(alg);
        let mut ctx = hash.start();
        ctx.update(b"a");
        let after_a = ctx.current();
        assert_eq!(after_a, hash.hash(b"a"));
        // Asking again gives the same answer: current() left the state alone.
        assert_eq!(ctx.current(), after_a);

        let mut fork = ctx.fork();
        ctx.update(b"bc");
        assert_eq!(ctx.current().as_ref(), hex(abc));
        // The fork did not see "bc".
        assert_eq!(fork.current(), after_a);
        fork.update(b"xy");
        assert_eq!(fork.current(), hash.hash(b"axy"));
        assert_eq!(ctx.current().as_ref(), hex(abc));
    }
}

#[test]
fn hmac_rfc4231_test_case_2() {
    // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
    let expected256 = hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    let expected384 = hex(
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
         8e2240ca5e69e2c78b3239ecfab21649",
    );
    let sha256 = P.hash(HashAlgorithm::Sha256);
    let sha384 = P.hash(HashAlgorithm::Sha384);
    let data: &[u8] = b"what do ya want for nothing?";
    assert_eq!(sha256.hmac(b"Jefe", &[data]).as_ref(), expected256);
    assert_eq!(sha384.hmac(b"Jefe", &[data]).as_ref(), expected384);
    // Split into parts (including an empty one): same MAC as the concatenation.
    let parts: [&[u8]; 4] = [b"what do", b"", b" ya want for", b" nothing?"];
    assert_eq!(sha256.hmac(b"Jefe", &parts).as_ref(), expected256);
    assert_eq!(sha384.hmac(b"Jefe", &parts).as_ref(), expected384);
    assert_ne!(sha256.hmac(b"Jeff", &parts).as_ref(), expected256);
}

#[test]
fn hkdf_rfc5869_test_case_1() {
    // RFC 5869 Appendix A.1.
    let sha256 = P.hash(HashAlgorithm::Sha256);
    let ikm = [0x0bu8; 22];
    let salt = hex("000102030405060708090a0b0c");
    let info = hex("f0f1f2f3f4f5f6f7f8f9");
    let prk = hkdf_extract(sha256, &salt, &ikm);
    assert_eq!(
        prk.expose(),
        hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
    );
    let okm = hkdf_expand(sha256, prk.expose(), &[&info], 42);
    assert_eq!(
        okm.expose(),
        hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    );
    // The info may arrive in pieces.
    let okm_parts = hkdf_expand(sha256, prk.expose(), &[&info[..3], &info[3..]], 42);
    assert_eq!(okm_parts, okm);
}

const ALL_AEADS: [AeadAlgorithm; 3] = [
    AeadAlgorithm::Aes128Gcm,
    AeadAlgorithm::Aes256Gcm,
    AeadAlgorithm::ChaCha20Poly1305,
];

#[test]
fn aead_round_trip_and_tamper_rejection() {
    for alg in ALL_AEADS {
        let aead = P.aead(alg);
        assert_eq!(aead.algorithm(), alg);
        let key_bytes: Vec<u8> = (0..alg.key_len() as u8).collect();
        let key = aead.key(&key_bytes).expect("key");
        let nonce = [7u8; 12];
        let aad = b"record header";
        let plaintext = b"hello, lucidtls".to_vec();

        let mut buf = plaintext.clone();
        key.seal(&nonce, aad, &mut buf).expect("seal");
        assert_eq!(buf.len(), plaintext.len() + alg.tag_len());
        assert_ne!(
            &buf[..plaintext.len()],
            &plaintext[..],
            "{alg:?} did not encrypt"
        );

        let mut opened = buf.clone();
        let n = key.open(&nonce, aad, &mut opened).expect("open");
        assert_eq!(&opened[..n], &plaintext[..]);

        // Flip one bit in the tag, in the ciphertext; change the AAD or nonce.
        let mut bad_tag = buf.clone();
        *bad_tag.last_mut().unwrap() ^= 1;
        assert_eq!(
            key.open(&nonce, aad, &mut bad_tag),
            Err(Error::BadRecordMac)
        );
        let mut bad_ct = buf.clone();
        bad_ct[0] ^= 0x80;
        assert_eq!(key.open(&nonce, aad, &mut bad_ct), Err(Error::BadRecordMac));
        let mut copy = buf.clone();
        assert_eq!(
            key.open(&nonce, b"record headeR", &mut copy),
            Err(Error::BadRecordMac)
        );
        let mut copy = buf.clone();
        assert_eq!(
            key.open(&[8u8; 12], aad, &mut copy),
            Err(Error::BadRecordMac)
        );
        // Shorter than a tag.
        let mut short = buf[..alg.tag_len() - 1].to_vec();
        assert_eq!(key.open(&nonce, aad, &mut short), Err(Error::BadRecordMac));
        // Another key.
        let other = aead.key(&vec![0xaa; alg.key_len()]).unwrap();
        let mut copy = buf.clone();
        assert_eq!(other.open(&nonce, aad, &mut copy), Err(Error::BadRecordMac));

        // Empty plaintext: just a tag, which still authenticates.
        let mut empty = Vec::new();
        key.seal(&nonce, aad, &mut empty).unwrap();
        assert_eq!(empty.len(), alg.tag_len());
        assert_eq!(key.open(&nonce, aad, &mut empty), Ok(0));

        // Wrong key length is refused rather than panicking.
        assert!(aead.key(&key_bytes[1..]).is_err());
    }
}

fn check_aead_vector(
    alg: AeadAlgorithm,
    key: &str,
    nonce: &str,
    aad: &str,
    pt: &[u8],
    ct_tag: &str,
) {
    let key = P.aead(alg).key(&hex(key)).unwrap();
    let nonce: [u8; 12] = hex(nonce).try_into().unwrap();
    let aad = hex(aad);
    let mut buf = pt.to_vec();
    key.seal(&nonce, &aad, &mut buf).unwrap();
    assert_eq!(buf, hex(ct_tag), "{alg:?} seal");
    let n = key.open(&nonce, &aad, &mut buf).unwrap();
    assert_eq!(&buf[..n], pt, "{alg:?} open");
}

#[test]
fn aes_gcm_known_answers() {
    // "The Galois/Counter Mode of Operation (GCM)", McGrew & Viega (the NIST submission),
    // test cases 4 (AES-128) and 16 (AES-256).
    let pt = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    check_aead_vector(
        AeadAlgorithm::Aes128Gcm,
        "feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        &pt,
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
         21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091\
         5bc94fbc3221a5db94fae95ae7121a47",
    );
    check_aead_vector(
        AeadAlgorithm::Aes256Gcm,
        "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        &pt,
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
         8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662\
         76fc6ece0f4e1768cddf8853bb2d551b",
    );
}

#[test]
fn chacha20_poly1305_rfc8439_2_8_2() {
    // RFC 8439 §2.8.2.
    check_aead_vector(
        AeadAlgorithm::ChaCha20Poly1305,
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        "070000004041424344454647",
        "50515253c0c1c2c3c4c5c6c7",
        b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for \
          the future, sunscreen would be it.",
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6\
         3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
         92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
         3ff4def08e4b7a9de576d26586cec64b6116\
         1ae10b594f09e26a7e902ecbd0600691",
    );
}

#[test]
fn fill_random_fills() {
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    P.fill_random(&mut a).unwrap();
    P.fill_random(&mut b).unwrap();
    assert_ne!(a, [0u8; 32]);
    assert_ne!(a, b);
    P.fill_random(&mut []).unwrap();
}

#[test]
fn provider_basics() {
    let p = lucidtls_aws_lc::provider();
    assert_eq!(p.name(), "aws-lc-rs");
    assert_eq!(
        p.hash(HashAlgorithm::Sha384).hash(b"abc").as_ref(),
        hex(SHA384_ABC)
    );
}
