//! TLS 1.2 side channels, as unit tests.
//!
//! **RSA key transport (Bleichenbacher).** The test plays the client at the message
//! level against a real lucidtls server (TLS_RSA_WITH_AES_128_GCM_SHA256): it builds
//! its own ClientKeyExchange — correct, or with bad padding, a wrong version, a
//! 47/49-byte secret, a ciphertext of the wrong length or not below the modulus —
//! derives keys from the secret it *meant* to send, and sends ChangeCipherSpec and
//! an encrypted Finished. The server must take every ciphertext, and the
//! ChangeCipherSpec, without a word, and fail only on the Finished record — the same
//! way for every defect. An attacker who does not know the pre-master secret cannot
//! encrypt a Finished the server can open, so what every defective ciphertext must
//! look like is exactly what a well-formed one with an unknown secret looks like:
//! bad_record_mac on the Finished record. (Only a client that *knows* the secret
//! reaches the verify_data comparison, and gets decrypt_error; that case carries no
//! information about padding and is checked separately.) For the block-shaped
//! defects, the Finished is keyed from the last 48 bytes of the block — the secret a
//! server would use if it skipped that check — so a missing check shows up as a
//! completed handshake.
//!
//! **CBC (Lucky13 / padding oracle).** On a real CBC session, with MAC-then-encrypt
//! and with Encrypt-then-MAC, the test re-encrypts the client's application record
//! with raw AES-CBC and HMAC (aws-lc-rs), once with bad padding under a correct MAC,
//! once with correct padding under a bad MAC: both must be bad_record_mac, alike.

mod common;
use aws_lc_rs::cipher::{EncryptingKey, EncryptionContext, UnboundCipherKey, AES_128};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use common::peers::{record, split_records, EventLog, XorShift};
use common::tls12::*;
use lucidtls::crypto::CryptoProvider;
use lucidtls::enums::{AlertDescription as A, AlertLevel, CipherSuite, ContentType, HandshakeType};
use lucidtls::msgs::{ClientKeyExchangeRsa, Extension, Finished, HandshakeBody};
use lucidtls::{Error, Side, TraceEvent};

// ---------------------------------------------------------------------------------
// Raw RSA, test only: m^e mod n on little-endian u32 limbs, by double-and-add.
// Slow and not constant time; it only builds ciphertexts for the tests.

/// One DER element: (tag, contents, rest).
fn der(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = input[0];
    let (len, header) = match input[1] {
        l if l < 0x80 => (usize::from(l), 2),
        l => {
            let n = usize::from(l & 0x7f);
            let len = input[2..2 + n]
                .iter()
                .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
            (len, 2 + n)
        }
    };
    (tag, &input[header..header + len], &input[header + len..])
}

/// An RSA public key.
struct RsaPublic {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl RsaPublic {
    /// From a DER SubjectPublicKeyInfo holding an RSAPublicKey.
    fn from_spki(spki: &[u8]) -> Self {
        let (t, spki, _) = der(spki);
        assert_eq!(t, 0x30);
        let (t, _algorithm, rest) = der(spki);
        assert_eq!(t, 0x30);
        let (t, bits, _) = der(rest);
        assert_eq!((t, bits[0]), (0x03, 0));
        let (t, key, _) = der(&bits[1..]);
        assert_eq!(t, 0x30);
        let (t, n, rest) = der(key);
        assert_eq!(t, 0x02);
        let (t, e, _) = der(rest);
        assert_eq!(t, 0x02);
        let strip = |v: &[u8]| v[v.iter().position(|b| *b != 0).unwrap()..].to_vec();
        Self {
            n: strip(n),
            e: strip(e),
        }
    }

    /// The modulus length in bytes (k).
    fn k(&self) -> usize {
        self.n.len()
    }

    /// The raw RSA public operation on a k-byte block below the modulus.
    fn raw(&self, em: &[u8]) -> Vec<u8> {
        assert_eq!(em.len(), self.k());
        let limbs = self.k().div_ceil(4);
        let m = to_limbs(&self.n, limbs);
        let base = to_limbs(em, limbs);
        assert!(!ge(&base, &m), "block not below the modulus");
        let mut r = vec![0u32; limbs];
        r[0] = 1;
        for byte in &self.e {
            for bit in (0..8).rev() {
                r = mul_mod(&r, &r, &m);
                if byte >> bit & 1 == 1 {
                    r = mul_mod(&r, &base, &m);
                }
            }
        }
        from_limbs(&r, self.k())
    }
}

fn to_limbs(bytes: &[u8], limbs: usize) -> Vec<u32> {
    let mut out = vec![0u32; limbs];
    for (i, b) in bytes.iter().rev().enumerate() {
        out[i / 4] |= u32::from(*b) << (8 * (i % 4));
    }
    out
}

fn from_limbs(limbs: &[u32], len: usize) -> Vec<u8> {
    (0..len)
        .rev()
        .map(|i| (limbs[i / 4] >> (8 * (i % 4))) as u8)
        .collect()
}

fn ge(a: &[u32], b: &[u32]) -> bool {
    for i in (0..a.len()).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// a -= b, modulo 2^(32·len).
fn sub_in_place(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0u64;
    for (x, y) in a.iter_mut().zip(b) {
        let d = u64::from(*x)
            .wrapping_sub(u64::from(*y))
            .wrapping_sub(borrow);
        *x = d as u32;
        borrow = (d >> 63) & 1;
    }
}

/// a = (a + b) mod m, for a, b < m.
fn add_mod(a: &mut [u32], b: &[u32], m: &[u32]) {
    let mut carry = 0u64;
    for (x, y) in a.iter_mut().zip(b) {
        let s = u64::from(*x) + u64::from(*y) + carry;
        *x = s as u32;
        carry = s >> 32;
    }
    if carry == 1 || ge(a, m) {
        sub_in_place(a, m);
    }
}

/// (a · b) mod m, for a, b < m.
fn mul_mod(a: &[u32], b: &[u32], m: &[u32]) -> Vec<u32> {
    let mut r = vec![0u32; m.len()];
    for i in (0..b.len() * 32).rev() {
        let twice = r.clone();
        add_mod(&mut r, &twice, m);
        if b[i / 32] >> (i % 32) & 1 == 1 {
            add_mod(&mut r, a, m);
        }
    }
    r
}

#[test]
fn raw_rsa_helper_agrees_with_aws_lc() {
    // The arithmetic against u128 on a 64-bit modulus. (That raw encryption of a
    // well-formed block really is RSA for the server's key is shown by the provider
    // decrypting it to its message, in the decrypt_premaster test and the handshake.)
    let m = vec![0xffff_fffb_u32, 0xffff_ffff]; // 2^64 - 5, prime
    let a = vec![0x1234_5678, 0x9abc_def0];
    let b = vec![0x0fed_cba9, 0x8765_4321];
    let r = mul_mod(&a, &b, &m);
    let (a64, b64, m64) = (
        0x9abc_def0_1234_5678_u128,
        0x8765_4321_0fed_cba9_u128,
        0xffff_ffff_ffff_fffb_u128,
    );
    let expect = (a64 % m64) * (b64 % m64) % m64;
    assert_eq!(u128::from(r[0]) | u128::from(r[1]) << 32, expect);
}

// ---------------------------------------------------------------------------------
// PKCS#1 v1.5 blocks

const TLS12: [u8; 2] = [3, 3];

/// `00 02 || PS (non-zero) || 00 || message`, k bytes.
fn type2_block(k: usize, message: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut em = vec![0x00, 0x02];
    while em.len() < k - message.len() - 1 {
        em.push(rng.byte().max(1));
    }
    em.push(0);
    em.extend_from_slice(message);
    assert_eq!(em.len(), k);
    em
}

/// A 48-byte pre-master secret starting with `version`.
fn premaster(version: [u8; 2], rng: &mut XorShift) -> Vec<u8> {
    let mut pms = version.to_vec();
    pms.extend(rng.bytes(46));
    pms
}

/// One way to build the ClientKeyExchange ciphertext.
struct Case {
    name: &'static str,
    ciphertext: Vec<u8>,
    /// The secret the client keys its Finished from.
    client_pms: Vec<u8>,
    /// Whether the server must decrypt exactly `client_pms`.
    valid: bool,
}

/// Every case: the valid one first, then one per defect.
fn cases(key: &RsaPublic, provider: &dyn CryptoProvider, spki: &[u8]) -> Vec<Case> {
    let k = key.k();
    let mut rng = XorShift::new(0x5eed_1234);
    let mut out = Vec::new();
    // A block-shaped case: the Finished is keyed from the block's last 48 bytes.
    let mut block = |name, em: Vec<u8>, valid| {
        let client_pms = em[k - 48..].to_vec();
        out.push(Case {
            name,
            ciphertext: key.raw(&em),
            client_pms,
            valid,
        });
    };
    let good = type2_block(k, &premaster(TLS12, &mut rng), &mut rng);
    block("valid (raw RSA)", good.clone(), true);

    let mut em = good.clone();
    em[1] = 0x01;
    block("block type 1", em, false);
    let mut em = good.clone();
    em[1] = 0x00;
    block("block type 0", em, false);
    let mut em = good.clone();
    em[0] = 0x01;
    block("first byte not zero", em, false);
    let mut em = good.clone();
    em[2 + 5] = 0; // a zero inside the first 8 padding bytes
    block("zero within the first 8 padding bytes", em, false);
    let mut em = good.clone();
    em[k - 60] = 0; // a zero later in the padding: the message would be 59 bytes
    block("separator too early (59-byte message)", em, false);
    let mut em = good.clone();
    em[k - 49] = 0x5a;
    block("no zero separator", em, false);
    for version in [[3, 2], [3, 4], [2, 0], [0, 0], [3, 1]] {
        let em = type2_block(k, &premaster(version, &mut rng), &mut rng);
        block("wrong version", em, false);
    }
    let mut pms47 = TLS12.to_vec();
    pms47.extend(rng.bytes(45));
    block("47-byte secret", type2_block(k, &pms47, &mut rng), false);
    let mut pms49 = TLS12.to_vec();
    pms49.extend(rng.bytes(47));
    block("49-byte secret", type2_block(k, &pms49, &mut rng), false);
    let mut pms49 = vec![0x00];
    pms49.extend(premaster(TLS12, &mut rng));
    block(
        "49-byte secret ending in a well-formed one",
        type2_block(k, &pms49, &mut rng),
        false,
    );

    // Ciphertexts that are not RSA ciphertexts for this key at all.
    let pms = premaster(TLS12, &mut rng);
    let real = provider.rsa_encrypt_pkcs1(spki, &pms).unwrap();
    assert_eq!(real.len(), k);
    out.push(Case {
        name: "valid (aws-lc-rs PKCS#1 encryption)",
        ciphertext: real.clone(),
        client_pms: pms.clone(),
        valid: true,
    });
    let mut garbage = |name, ciphertext: Vec<u8>| {
        out.push(Case {
            name,
            ciphertext,
            client_pms: pms.clone(),
            valid: false,
        });
    };
    garbage("ciphertext one byte short", real[1..].to_vec());
    garbage("ciphertext one byte long (leading zero)", {
        let mut c = vec![0];
        c.extend_from_slice(&real);
        c
    });
    garbage("ciphertext one byte long (trailing byte)", {
        let mut c = real.clone();
        c.push(0x42);
        c
    });
    garbage("ciphertext of 48 bytes", real[..48].to_vec());
    garbage("ciphertext equal to the modulus", key.n.clone());
    garbage("ciphertext above the modulus", vec![0xff; k]);
    garbage("ciphertext all zero", vec![0; k]);
    garbage("valid ciphertext with a bit flipped", {
        let mut c = real.clone();
        c[k / 2] ^= 0x10;
        c
    });
    out
}

fn rsa_material() -> (RsaPublic, Vec<u8>) {
    let cert = &rsa_pki().chain[0];
    let spki = lucidtls::verify::subject_public_key_info(cert).unwrap();
    (RsaPublic::from_spki(&spki), spki)
}

#[test]
fn decrypt_premaster_returns_the_secret_only_for_a_well_formed_block() {
    let provider = lucidtls_aws_lc::provider();
    let (key, spki) = rsa_material();
    assert_eq!(key.k(), 256);
    let signing = signing_key(rsa_pki());
    let transport = signing.rsa_key_transport().expect("an RSA key decrypts");
    let fallbacks = [[0xa5u8; 48], [0x3cu8; 48]];
    let all = cases(&key, &*provider, &spki);
    assert!(all.len() > 20);
    for case in &all {
        for fallback in &fallbacks {
            let got = transport.decrypt_premaster(&case.ciphertext, 0x0303, fallback);
            assert_eq!(got.len(), 48, "{}", case.name);
            if case.valid {
                assert_eq!(got.expose(), &case.client_pms[..], "{}", case.name);
            } else {
                assert_eq!(
                    got.expose(),
                    &fallback[..],
                    "{}: not the fallback",
                    case.name
                );
            }
        }
    }
    // The version checked is the one the client offered, not a fixed 0x0303.
    let valid = &all[0];
    let got = transport.decrypt_premaster(&valid.ciphertext, 0x0302, &fallbacks[0]);
    assert_eq!(got.expose(), &fallbacks[0][..]);
    // An empty ciphertext, too, yields the fallback (the codec refuses it anyway).
    let got = transport.decrypt_premaster(&[], 0x0303, &fallbacks[1]);
    assert_eq!(got.expose(), &fallbacks[1][..]);
}

// ---------------------------------------------------------------------------------
// RSA key transport against a real server

const RSA_SUITE: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256;

/// How the client's Finished is made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fin {
    /// Keyed and computed correctly from the client's secret.
    Correct,
    /// Correct keys, one verify_data byte flipped.
    WrongVerifyData,
    /// Keyed from a secret unrelated to the ciphertext (the attacker's position).
    UnknownSecret,
}

/// What the server did with one ClientKeyExchange attempt.
struct Outcome {
    /// The result of the Finished record (CKX and CCS must pass silently).
    result: Result<(), Error>,
    /// What the server sent in answer to the Finished.
    answer: Vec<u8>,
    /// Trace events from the ClientKeyExchange on.
    events: Vec<TraceEvent>,
    server: End12,
    keys: Keys12,
    /// The transcript hash after the client's Finished.
    transcript: lucidtls::crypto::Digest,
}

fn attempt(ciphertext: &[u8], client_pms: &[u8], fin: Fin) -> Outcome {
    let pki = rsa_pki();
    let provider = lucidtls_aws_lc::provider();
    let mut sc = server12(pki);
    let events = EventLog::new();
    sc.common.observer = Some(events.clone());
    let mut server = End12::server(sc);
    // A real lucidtls ClientHello offering only the RSA suite.
    let mut client = End12::client(client12(pki, &[RSA_SUITE]));
    let hello = client.out();
    server.feed_ok(&hello);
    let flight = server.out();
    let msgs = messages(&flight);
    let types: Vec<HandshakeType> = msgs.iter().map(|m| typ(m)).collect();
    assert_eq!(
        types,
        [
            HandshakeType::ServerHello,
            HandshakeType::Certificate,
            HandshakeType::ServerHelloDone
        ]
    );
    let ch = client_hello_in(&hello);
    let sh = server_hello_in(&flight);
    assert_eq!(sh.cipher_suite, RSA_SUITE);
    let ems = sh
        .extensions
        .0
        .iter()
        .any(|e| matches!(e, Extension::ExtendedMasterSecret));
    assert!(ems, "lucidtls negotiates the extended master secret");

    let suite = lucidtls::suites::tls12_suite(RSA_SUITE).unwrap();
    let mut transcript = provider.hash(suite.prf).start();
    for m in messages(&hello).iter().chain(&msgs) {
        transcript.update(m);
    }
    let ckx = ClientKeyExchangeRsa {
        encrypted_pms: ciphertext.to_vec(),
    }
    .encode();
    transcript.update(&ckx);
    let session_hash = transcript.current();
    let keys = Keys12::from_premaster(
        RSA_SUITE,
        client_pms,
        Some(session_hash.as_ref()),
        ch.random,
        sh.random,
    );
    let mut verify_data = keys.verify_data(Side::Client, transcript.current().as_ref());
    if fin == Fin::WrongVerifyData {
        verify_data[5] ^= 0x01;
    }
    let finished = Finished {
        verify_data: verify_data.to_vec(),
    }
    .encode();
    transcript.update(&finished);
    let sealing_keys = match fin {
        Fin::UnknownSecret => {
            let mut other = client_pms.to_vec();
            other[47] ^= 0x01;
            Keys12::from_premaster(
                RSA_SUITE,
                &other,
                Some(session_hash.as_ref()),
                ch.random,
                sh.random,
            )
        }
        _ => Keys12::from_premaster(
            RSA_SUITE,
            client_pms,
            Some(session_hash.as_ref()),
            ch.random,
            sh.random,
        ),
    };

    events.take();
    // The ClientKeyExchange and the ChangeCipherSpec pass without a word...
    server.feed_ok(&hs_record(&ckx));
    assert!(
        server.out().is_empty(),
        "server answered the ClientKeyExchange"
    );
    server.feed_ok(&ccs_record());
    assert!(
        server.out().is_empty(),
        "server answered the ChangeCipherSpec"
    );
    // ...and only the Finished record decides.
    let sealed = sealing_keys.seal(Side::Client, 0, ContentType::Handshake, &finished);
    let result = server.feed(&sealed);
    let answer = server.out();
    Outcome {
        result,
        answer,
        events: events.take(),
        server,
        keys,
        transcript: transcript.current(),
    }
}

#[test]
fn rsa_valid_client_key_exchange_completes() {
    let provider = lucidtls_aws_lc::provider();
    let (key, spki) = rsa_material();
    for case in cases(&key, &*provider, &spki).iter().filter(|c| c.valid) {
        let mut o = attempt(&case.ciphertext, &case.client_pms, Fin::Correct);
        assert_eq!(o.result, Ok(()), "{}", case.name);
        assert!(!o.server.conn.is_handshaking(), "{}", case.name);
        // The server's ChangeCipherSpec and Finished, which we can open and check.
        let recs = split_records(&o.answer);
        assert_eq!(recs.len(), 2, "{}", case.name);
        assert_eq!(recs[0], record(ContentType::ChangeCipherSpec, &[1]));
        let opened = o.keys.open_stream(&o.answer, Side::Server);
        assert_eq!(opened.len(), 2);
        let expected = Finished {
            verify_data: o
                .keys
                .verify_data(Side::Server, o.transcript.as_ref())
                .to_vec(),
        }
        .encode();
        assert_eq!(opened[1].typ, ContentType::Handshake);
        assert_eq!(
            opened[1].payload, expected,
            "{}: server Finished",
            case.name
        );
        // Application data both ways.
        let data = o
            .keys
            .seal(Side::Client, 1, ContentType::ApplicationData, b"ping");
        o.server.feed_ok(&data);
        assert_eq!(read_all(&mut o.server), b"ping");
        o.server.conn.write_plaintext(b"pong").unwrap();
        let back = o.server.out();
        let mut dec = o.keys.decrypter(Side::Server);
        let fin = split_records(&o.answer)[1].clone();
        dec.decrypt(common::peers::opaque(&fin)).unwrap();
        let pong = dec.decrypt(common::peers::opaque(&back)).unwrap();
        assert_eq!(pong.payload, b"pong");
        assert!(o.events.contains(&TraceEvent::Finished {
            from: Side::Client,
            verified: true
        }));
    }
}

#[test]
fn rsa_known_secret_with_a_wrong_finished_is_decrypt_error() {
    let provider = lucidtls_aws_lc::provider();
    let (key, spki) = rsa_material();
    let all = cases(&key, &*provider, &spki);
    let o = attempt(&all[0].ciphertext, &all[0].client_pms, Fin::WrongVerifyData);
    assert_eq!(o.result, Err(Error::BadFinished));
    assert_eq!(Error::BadFinished.alert(), A::DecryptError);
    assert_eq!(
        o.answer,
        record(ContentType::Alert, &[2, A::DecryptError.to_wire()])
    );
    assert!(o.events.contains(&TraceEvent::Finished {
        from: Side::Client,
        verified: false
    }));
}

/// Every defective ciphertext, and a well-formed one whose secret the client does
/// not know, end the same way: accepted ClientKeyExchange and ChangeCipherSpec, then
/// bad_record_mac on the Finished record, with identical trace and identical bytes
/// on the wire.
#[test]
fn rsa_defective_ciphertexts_are_indistinguishable_until_finished() {
    let provider = lucidtls_aws_lc::provider();
    let (key, spki) = rsa_material();
    let all = cases(&key, &*provider, &spki);

    // The reference: valid padding and version, secret unknown to the sender.
    let reference = attempt(&all[0].ciphertext, &all[0].client_pms, Fin::UnknownSecret);
    let expected_err = Error::BadRecordMac;
    assert_eq!(reference.result, Err(expected_err.clone()));
    assert_eq!(expected_err.alert(), A::BadRecordMac);
    let alert = record(ContentType::Alert, &[2, A::BadRecordMac.to_wire()]);
    assert_eq!(reference.answer, alert);
    assert!(
        !reference
            .events
            .iter()
            .any(|e| matches!(e, TraceEvent::Finished { .. })),
        "the Finished must not even be parsed"
    );

    let mut checked = 0;
    for case in all.iter().filter(|c| !c.valid) {
        // Keyed from what a server skipping this check would have decrypted: the
        // handshake would then complete, and this fails.
        let o = attempt(&case.ciphertext, &case.client_pms, Fin::Correct);
        assert_eq!(o.result, reference.result, "{}", case.name);
        assert_eq!(o.answer, reference.answer, "{}: alert bytes", case.name);
        assert_eq!(o.events, reference.events, "{}: trace", case.name);
        assert_eq!(
            o.server.conn.error(),
            Some(&expected_err),
            "{}: sticky error",
            case.name
        );
        // The defect made no difference to how the Finished record was keyed
        // either: a second attempt with the reference's unknown-secret Finished
        // fails identically.
        let o2 = attempt(&case.ciphertext, &case.client_pms, Fin::UnknownSecret);
        assert_eq!(o2.result, reference.result, "{}", case.name);
        assert_eq!(o2.answer, reference.answer, "{}", case.name);
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} defects checked");
}

/// The fallback secret is fresh randomness (RFC 5246 §7.4.7.1), not a constant a
/// client could guess: a Finished keyed from an obvious guess never opens.
#[test]
fn rsa_fallback_is_not_a_guessable_constant() {
    let provider = lucidtls_aws_lc::provider();
    let (key, spki) = rsa_material();
    let all = cases(&key, &*provider, &spki);
    let bad = all.iter().find(|c| c.name == "block type 1").unwrap();
    for guess in [[0u8; 48], [0xffu8; 48]] {
        let o = attempt(&bad.ciphertext, &guess, Fin::Correct);
        assert_eq!(o.result, Err(Error::BadRecordMac));
    }
    let mut guess = [0u8; 48];
    guess[..2].copy_from_slice(&TLS12);
    let o = attempt(&bad.ciphertext, &guess, Fin::Correct);
    assert_eq!(o.result, Err(Error::BadRecordMac));
}

// ---------------------------------------------------------------------------------
// CBC: padding and MAC failures alike

const CBC_SUITE: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256;

/// What to do to a hand-made CBC record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Defect {
    /// Nothing: a correct record (control).
    None,
    /// Correct, with 32 more bytes of (valid) padding than needed (control).
    LongPadding,
    /// One padding byte (the first) differs from the length byte; MAC correct.
    Padding,
    /// The padding length byte claims more bytes than the record holds; MAC correct
    /// over the real content.
    PaddingTooLong,
    /// Padding correct; one MAC byte flipped.
    Mac,
    /// A bit flipped in the explicit IV: content garbled, padding intact.
    IvBit,
}

/// A CBC application-data record from `writer` at `seq`, built from raw AES-CBC and
/// HMAC-SHA256 with the session's keys.
fn craft(keys: &Keys12, writer: Side, seq: u64, plaintext: &[u8], defect: Defect) -> Vec<u8> {
    let (mac_key, enc_key, _) = keys.write_keys(writer);
    let mac_key = hmac::Key::new(hmac::HMAC_SHA256, mac_key.expose());
    let mut header = seq.to_be_bytes().to_vec();
    header.extend_from_slice(&[ContentType::ApplicationData.to_wire(), 3, 3]);
    let iv: [u8; 16] = XorShift::new(seq ^ 0x1717).bytes(16).try_into().unwrap();

    // Content before padding, and then the padding.
    let mut data = plaintext.to_vec();
    if !keys.encrypt_then_mac {
        let mut ctx = hmac::Context::with_key(&mac_key);
        ctx.update(&header);
        ctx.update(&(plaintext.len() as u16).to_be_bytes());
        ctx.update(plaintext);
        let mut tag = ctx.sign().as_ref().to_vec();
        if defect == Defect::Mac {
            tag[7] ^= 0x01;
        }
        data.extend_from_slice(&tag);
    }
    let mut pad = 15 - data.len() % 16;
    if defect == Defect::LongPadding {
        pad += 32;
    }
    assert!(pad >= 1, "choose a length that needs padding");
    let mut padding = vec![pad as u8; pad + 1];
    match defect {
        Defect::Padding => padding[0] ^= 0x01,
        Defect::PaddingTooLong => *padding.last_mut().unwrap() = 0xf0,
        _ => {}
    }
    data.extend_from_slice(&padding);
    assert_eq!(data.len() % 16, 0);

    let key =
        EncryptingKey::cbc(UnboundCipherKey::new(&AES_128, enc_key.expose()).unwrap()).unwrap();
    key.less_safe_encrypt(&mut data, EncryptionContext::Iv128(FixedLength::from(&iv)))
        .unwrap();
    let mut payload = iv.to_vec();
    payload.extend_from_slice(&data);
    if keys.encrypt_then_mac {
        let mut ctx = hmac::Context::with_key(&mac_key);
        ctx.update(&header);
        ctx.update(&(payload.len() as u16).to_be_bytes());
        ctx.update(&payload);
        let mut tag = ctx.sign().as_ref().to_vec();
        if defect == Defect::Mac {
            tag[7] ^= 0x01;
        }
        payload.extend_from_slice(&tag);
    }
    if defect == Defect::IvBit {
        payload[3] ^= 0x20;
    }
    record(ContentType::ApplicationData, &payload)
}

/// A CBC session; returns the pair, the keys, and the client's real application
/// record (opened with the test's keys) with its sequence number.
fn cbc_session(etm: bool) -> (End12, End12, Keys12, Vec<u8>, u64) {
    let pki = rsa_pki();
    let mut cc = client12(pki, &[CBC_SUITE]);
    cc.common.encrypt_then_mac = etm;
    let mut sc = server12(pki);
    sc.common.encrypt_then_mac = etm;
    let (mut c, s) = connected(cc, sc);
    assert_eq!(c.conn.negotiated().cipher_suite, Some(CBC_SUITE));
    let keys = c.keys();
    assert_eq!(keys.encrypt_then_mac, etm, "Encrypt-then-MAC negotiation");
    // A real record from the client: 26 bytes, so that MAC-then-encrypt needs 6
    // bytes of padding and Encrypt-then-MAC 6 as well.
    let seq = c.protected_sent();
    c.conn
        .write_plaintext(b"attack at dawn, bring tea.")
        .unwrap();
    let real = c.out();
    assert_eq!(split_records(&real).len(), 1);
    let opened = keys.open_stream(&c.sent, Side::Client);
    let last = opened.last().unwrap();
    assert_eq!(last.typ, ContentType::ApplicationData);
    assert_eq!(last.payload, b"attack at dawn, bring tea.");
    let plaintext = last.payload.clone();
    (c, s, keys, plaintext, seq)
}

#[test]
fn cbc_hand_made_records_are_accepted_when_correct() {
    for etm in [false, true] {
        for defect in [Defect::None, Defect::LongPadding] {
            let (_c, mut s, keys, plaintext, seq) = cbc_session(etm);
            let rec = craft(&keys, Side::Client, seq, &plaintext, defect);
            s.feed_ok(&rec);
            assert_eq!(read_all(&mut s), plaintext, "etm {etm}, {defect:?}");
        }
    }
}

#[test]
fn cbc_bad_padding_and_bad_mac_fail_alike() {
    for etm in [false, true] {
        type Seen = (Defect, Error, Option<(AlertLevel, A)>, usize);
        let mut seen: Vec<Seen> = Vec::new();
        for defect in [
            Defect::Padding,
            Defect::PaddingTooLong,
            Defect::Mac,
            Defect::IvBit,
        ] {
            let (_c, mut s, keys, plaintext, seq) = cbc_session(etm);
            let rec = craft(&keys, Side::Client, seq, &plaintext, defect);
            let err = s.expect_alert(&rec, A::BadRecordMac);
            assert_eq!(err, Error::BadRecordMac, "etm {etm}, {defect:?}");
            assert!(s.last_sent_protected(), "the alert is protected");
            let alert_len = split_records(&s.sent).last().unwrap().len();
            seen.push((defect, err, s.last_alert(), alert_len));
        }
        let first = &seen[0];
        for other in &seen[1..] {
            assert_eq!(
                (&other.1, &other.2, other.3),
                (&first.1, &first.2, first.3),
                "etm {etm}: {:?} differs from {:?}",
                other.0,
                first.0
            );
        }
    }
}

/// Same as above, but the defective record replaces the client's own record in a
/// running session, and the server's state afterwards is checked: the connection is
/// dead, and nothing was delivered.
#[test]
fn cbc_failure_delivers_nothing_and_ends_the_connection() {
    for etm in [false, true] {
        for defect in [Defect::Padding, Defect::Mac] {
            let (mut c, mut s, keys, plaintext, seq) = cbc_session(etm);
            let rec = craft(&keys, Side::Client, seq, &plaintext, defect);
            s.expect_alert(&rec, A::BadRecordMac);
            assert_eq!(s.conn.plaintext_available(), 0);
            // The client learns of it as a fatal bad_record_mac.
            let alert = split_records(&s.sent).pop().unwrap();
            let err = c.feed_err(&alert);
            assert_eq!(err, Error::AlertReceived(A::BadRecordMac), "etm {etm}");
        }
    }
}
