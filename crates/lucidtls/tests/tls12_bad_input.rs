//! TLS 1.2 hostile input: each malformed or misplaced message gets the RFC's alert,
//! never a panic. Every case checks the error (variant), the alert it maps to, and
//! the alert actually sent — in plaintext before our ChangeCipherSpec, decrypted with
//! the failing side's own keys (from its key log) after it.
//!
//! Flights are taken apart into handshake messages and edited; edited
//! ServerKeyExchange parameters are re-signed with the server's key, so that the
//! check under test, not the signature, is what fails.

mod common;
use common::peers::{split_records, EventLog};
use common::tls12::*;
use lucidtls::crypto::SigningKey;
use lucidtls::enums::{
    AlertDescription as A, AlertLevel, CipherSuite, ContentType, HandshakeType as H, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use lucidtls::msgs::server_hello::{DOWNGRADE_TLS11, DOWNGRADE_TLS12};
use lucidtls::msgs::{
    ClientHello, DheServerParams, EcdheServerParams, Extension, Extensions, Finished,
    HandshakeBody, HelloRequest, ServerHello, ServerKeyExchange,
};
use lucidtls::{ClientConfig, Error, ServerConfig, Side, TraceEvent};

const ECDSA_GCM: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const RSA_GCM: CipherSuite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
const DHE_GCM: CipherSuite = CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256;
const RSA_KT: CipherSuite = CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256;

// ---------------------------------------------------------------------------------
// Harness

/// A client whose ClientHello the server answered; the server's first flight is
/// held back, as messages, for the test to edit.
struct Start {
    cc: ClientConfig,
    c: End12,
    s: End12,
    flight: Vec<Vec<u8>>,
}

fn start(cc: ClientConfig, sc: ServerConfig) -> Start {
    let mut c = End12::client(cc.clone());
    let mut s = End12::server(sc);
    let hello = c.out();
    s.feed_ok(&hello);
    let flight = messages(&s.out());
    Start { cc, c, s, flight }
}

impl Start {
    /// A fresh client of the same configuration that has sent its ClientHello: the
    /// server's flight fits it up to the ServerKeyExchange signature.
    fn fresh_client(&self) -> End12 {
        let mut c = End12::client(self.cc.clone());
        c.out();
        c
    }

    fn randoms(&self) -> ([u8; 32], [u8; 32]) {
        (self.c.client_hello().random, self.s.server_hello().random)
    }

    /// The flight with message `i` replaced.
    fn with(&self, i: usize, message: Vec<u8>) -> Vec<u8> {
        let mut msgs = self.flight.clone();
        msgs[i] = message;
        flight(&msgs)
    }

    /// The flight with the message of type `t` replaced.
    fn replacing(&self, t: H, message: Vec<u8>) -> Vec<u8> {
        self.with(position(&self.flight, t), message)
    }

    /// Gives the real flight to the client; returns the client's answer as records
    /// (ClientKeyExchange, ChangeCipherSpec, Finished).
    fn client_answer(&mut self) -> Vec<Vec<u8>> {
        let bytes = flight(&self.flight);
        self.c.feed_ok(&bytes);
        let answer = split_records(&self.c.out());
        assert_eq!(answer.len(), 3);
        answer
    }

    /// The ServerKeyExchange with its ECDHE parameters edited and re-signed.
    fn ecdhe_ske(
        &self,
        key: &dyn SigningKey,
        edit: impl FnOnce(&mut EcdheServerParams),
    ) -> Vec<u8> {
        let ske = &self.flight[position(&self.flight, H::ServerKeyExchange)];
        let (mut params, _, signed) = ServerKeyExchange::decode_ecdhe(body(ske)).unwrap();
        edit(&mut params);
        let (cr, sr) = self.randoms();
        resign_ske(key, signed.scheme, &cr, &sr, params.to_bytes())
    }

    /// The ServerKeyExchange with its DHE parameters edited and re-signed.
    fn dhe_ske(&self, key: &dyn SigningKey, edit: impl FnOnce(&mut DheServerParams)) -> Vec<u8> {
        let ske = &self.flight[position(&self.flight, H::ServerKeyExchange)];
        let (mut params, _, signed) = ServerKeyExchange::decode_dhe(body(ske)).unwrap();
        edit(&mut params);
        let (cr, sr) = self.randoms();
        resign_ske(key, signed.scheme, &cr, &sr, params.to_bytes())
    }
}

fn ecdsa_start() -> Start {
    start(client12(ecdsa_pki(), &[ECDSA_GCM]), server12(ecdsa_pki()))
}

fn rsa_start(suite: CipherSuite) -> Start {
    start(client12(rsa_pki(), &[suite]), server12(rsa_pki()))
}

fn is_decode(e: &Error) -> bool {
    matches!(e, Error::Decode { .. })
}

fn is_unexpected(e: &Error) -> bool {
    matches!(
        e,
        Error::UnexpectedMessage { .. } | Error::UnexpectedContentType(_)
    )
}

/// A fresh lucidtls ClientHello message (header included) for `cc`.
fn client_hello_message(cc: ClientConfig) -> Vec<u8> {
    let mut c = End12::client(cc);
    messages(&c.out()).remove(0)
}

fn edit_client_hello(message: &[u8], edit: impl FnOnce(&mut ClientHello)) -> Vec<u8> {
    let mut ch = ClientHello::decode(body(message)).unwrap();
    edit(&mut ch);
    ch.encode()
}

// ---------------------------------------------------------------------------------
// Malformed messages

#[test]
fn server_key_exchange_truncated_at_every_length_is_decode_error() {
    let st = ecdsa_start();
    let i = position(&st.flight, H::ServerKeyExchange);
    let full = body(&st.flight[i]).to_vec();
    assert!(full.len() > 100);
    for n in 0..full.len() {
        let mut c = st.fresh_client();
        let err = c.expect_alert(
            &st.with(i, with_header(H::ServerKeyExchange, &full[..n])),
            A::DecodeError,
        );
        assert!(is_decode(&err), "prefix {n}: {err:?}");
    }
}

#[test]
fn server_key_exchange_oversized_is_decode_error() {
    let st = ecdsa_start();
    let i = position(&st.flight, H::ServerKeyExchange);
    // A trailing byte after the signature.
    let mut long = body(&st.flight[i]).to_vec();
    long.push(0);
    let mut c = st.fresh_client();
    let err = c.expect_alert(
        &st.with(i, with_header(H::ServerKeyExchange, &long)),
        A::DecodeError,
    );
    assert!(is_decode(&err), "{err:?}");
    // A message larger than we accept at all: refused from its header alone.
    let mut huge = vec![H::ServerKeyExchange.to_wire(), 0x01, 0x00, 0x01];
    huge.extend_from_slice(&[0u8; 64]);
    let mut msgs = st.flight.clone();
    msgs.truncate(i);
    let mut bytes = flight(&msgs);
    bytes.extend_from_slice(&hs_record(&huge));
    let mut c = st.fresh_client();
    let err = c.expect_alert(&bytes, A::DecodeError);
    assert!(is_decode(&err), "{err:?}");
    // An ECDH point whose length byte claims more than the message holds.
    let mut lying = body(&st.flight[i]).to_vec();
    lying[3] = 0xff;
    let mut c = st.fresh_client();
    let err = c.expect_alert(
        &st.with(i, with_header(H::ServerKeyExchange, &lying)),
        A::DecodeError,
    );
    assert!(is_decode(&err), "{err:?}");
}

/// Every message of the server's first flight cut short at every length: a decode
/// error, never a panic — except a ServerHello cut right before its extensions,
/// which is a valid ServerHello without extensions.
#[test]
fn every_server_message_truncated_never_panics() {
    let types = {
        let st = ecdsa_start();
        st.flight.iter().map(|m| typ(m)).collect::<Vec<_>>()
    };
    let mut accepted = Vec::new();
    for (i, t) in types.into_iter().enumerate() {
        let len = body(&ecdsa_start().flight[i]).len();
        for n in 0..len {
            // The original client each time, so that the ServerKeyExchange
            // signature (over its random) stays valid.
            let mut st = ecdsa_start();
            let full = body(&st.flight[i]).to_vec();
            if n >= full.len() {
                continue; // ECDSA signatures vary in length by a byte or two
            }
            let bytes = st.with(i, with_header(t, &full[..n]));
            match st.c.feed(&bytes) {
                Err(e) => {
                    assert!(is_decode(&e), "{t} cut to {n}: {e:?}");
                    st.c.out();
                    assert_eq!(
                        st.c.last_alert(),
                        Some((AlertLevel::Fatal, A::DecodeError)),
                        "{t} cut to {n}"
                    );
                }
                Ok(()) => accepted.push((t, n)),
            }
        }
    }
    // 2 + 32 + 1 + 32 + 2 + 1: everything up to the extensions block.
    assert_eq!(accepted, [(H::ServerHello, 70)]);
}

#[test]
fn server_hello_done_with_a_body_is_decode_error() {
    for b in [&[0u8][..], &[0, 0, 0], &[1; 40]] {
        let mut st = ecdsa_start();
        let bytes = st.replacing(H::ServerHelloDone, with_header(H::ServerHelloDone, b));
        let err = st.c.expect_alert(&bytes, A::DecodeError);
        assert!(is_decode(&err), "{err:?}");
    }
}

#[test]
fn client_key_exchange_truncated_is_decode_error() {
    // ECDHE: a point length byte larger than what follows; an empty body; a
    // zero-length point; a trailing byte.
    let bodies: [&[u8]; 4] = [&[65, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9], &[], &[0], &[1, 4, 0]];
    for b in bodies {
        let mut st = ecdsa_start();
        st.client_answer();
        let ckx = hs_record(&with_header(H::ClientKeyExchange, b));
        let err = st.s.expect_alert(&ckx, A::DecodeError);
        assert!(is_decode(&err), "{b:?}: {err:?}");
    }
    // Each real ClientKeyExchange body cut short, for ECDHE, DHE and RSA.
    for suite in [RSA_GCM, DHE_GCM, RSA_KT] {
        let mut st = rsa_start(suite);
        let answer = st.client_answer();
        let real = answer[0][5..].to_vec();
        assert_eq!(typ(&real), H::ClientKeyExchange);
        for n in [0, 1, 2, body(&real).len() / 2, body(&real).len() - 1] {
            let mut st = rsa_start(suite);
            st.client_answer();
            let ckx = hs_record(&with_header(H::ClientKeyExchange, &body(&real)[..n]));
            let err = st.s.expect_alert(&ckx, A::DecodeError);
            assert!(is_decode(&err), "{suite} cut to {n}: {err:?}");
        }
    }
}

// ---------------------------------------------------------------------------------
// Messages out of order

#[test]
fn server_messages_out_of_order_are_unexpected_message() {
    let types: Vec<H> = ecdsa_start().flight.iter().map(|m| typ(m)).collect();
    let at = |t| types.iter().position(|x| *x == t).unwrap();
    let (sh, cert, ske, shd) = (
        at(H::ServerHello),
        at(H::Certificate),
        at(H::ServerKeyExchange),
        at(H::ServerHelloDone),
    );
    let orders: [(&str, Vec<usize>); 5] = [
        (
            "ServerHelloDone before Certificate",
            vec![sh, shd, cert, ske],
        ),
        (
            "ServerKeyExchange before Certificate",
            vec![sh, ske, cert, shd],
        ),
        ("no ServerKeyExchange in ECDHE", vec![sh, cert, shd]),
        ("Certificate before ServerHello", vec![cert, sh, ske, shd]),
        ("ServerKeyExchange twice", vec![sh, cert, ske, ske, shd]),
    ];
    for (name, order) in orders {
        let mut st = ecdsa_start();
        let msgs: Vec<Vec<u8>> = order.iter().map(|i| st.flight[*i].clone()).collect();
        let err = st.c.expect_alert(&flight(&msgs), A::UnexpectedMessage);
        assert!(is_unexpected(&err), "{name}: {err:?}");
    }
}

#[test]
fn server_key_exchange_in_rsa_key_transport_is_unexpected_message() {
    // Borrow an ECDHE ServerKeyExchange from another RSA-certificate server.
    let other = rsa_start(RSA_GCM);
    let ske = other.flight[position(&other.flight, H::ServerKeyExchange)].clone();
    let st = rsa_start(RSA_KT);
    assert!(!st.flight.iter().any(|m| typ(m) == H::ServerKeyExchange));
    let shd = position(&st.flight, H::ServerHelloDone);
    let mut msgs = st.flight.clone();
    msgs.insert(shd, ske);
    let mut c = st.fresh_client();
    let err = c.expect_alert(&flight(&msgs), A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");
}

#[test]
fn finished_before_change_cipher_spec_is_unexpected_message() {
    // To the server: ClientKeyExchange, then a (plaintext) Finished with no CCS.
    let mut st = ecdsa_start();
    let answer = st.client_answer();
    st.s.feed_ok(&answer[0]);
    let fin = Finished {
        verify_data: vec![0; 12],
    }
    .encode();
    let err = st.s.expect_alert(&hs_record(&fin), A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");

    // The client's real protected Finished without the CCS in front: the server
    // reads it as plaintext, a handshake message of some type, never a Finished it
    // accepts.
    let mut st = ecdsa_start();
    let answer = st.client_answer();
    st.s.feed_ok(&answer[0]);
    let err = st.s.feed_err(&answer[2]);
    assert!(err.sends_alert(), "{err:?}");

    // To the client: a plaintext Finished where the server's CCS belongs.
    let mut st = ecdsa_start();
    st.client_answer();
    let err = st.c.expect_alert(&hs_record(&fin), A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");
}

#[test]
fn application_data_before_finished_is_unexpected_message() {
    // Client → server: a correctly protected application record in place of the
    // Finished. It decrypts; it is refused for what it is.
    let mut st = ecdsa_start();
    let answer = st.client_answer();
    st.s.feed_ok(&answer[0]);
    st.s.feed_ok(&answer[1]);
    let keys = st.c.keys();
    let early = keys.seal(Side::Client, 0, ContentType::ApplicationData, b"early");
    let err = st.s.expect_alert(&early, A::UnexpectedMessage);
    assert_eq!(
        err,
        Error::UnexpectedContentType(ContentType::ApplicationData)
    );

    // Server → client: the same in place of the server's Finished.
    let mut st = ecdsa_start();
    let answer = st.client_answer();
    st.s.feed_ok(&answer.concat());
    let server_answer = split_records(&st.s.out());
    assert_eq!(server_answer.len(), 2);
    let keys = st.s.keys();
    let early = keys.seal(Side::Server, 0, ContentType::ApplicationData, b"early");
    st.c.feed_ok(&server_answer[0]);
    let err = st.c.expect_alert(&early, A::UnexpectedMessage);
    assert_eq!(
        err,
        Error::UnexpectedContentType(ContentType::ApplicationData)
    );
    assert!(
        st.c.last_sent_protected(),
        "the client's alert is protected"
    );

    // Plaintext application data in the middle of the handshake.
    let mut st = ecdsa_start();
    let app = common::peers::record(ContentType::ApplicationData, b"early");
    let err = st.c.expect_alert(&app, A::UnexpectedMessage);
    assert_eq!(
        err,
        Error::UnexpectedContentType(ContentType::ApplicationData)
    );
}

// ---------------------------------------------------------------------------------
// ChangeCipherSpec where none belongs

#[test]
fn unexpected_change_cipher_spec_is_unexpected_message() {
    // To the client, right after the ServerHello.
    let st = ecdsa_start();
    let mut bytes = hs_record(&st.flight[0]);
    bytes.extend_from_slice(&ccs_record());
    let mut c = st.fresh_client();
    let err = c.expect_alert(&bytes, A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");

    // To the client, between ServerKeyExchange and ServerHelloDone.
    let mut st = ecdsa_start();
    let shd = position(&st.flight, H::ServerHelloDone);
    let mut bytes = flight(&st.flight[..shd]);
    bytes.extend_from_slice(&ccs_record());
    let err = st.c.expect_alert(&bytes, A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");

    // To the client, twice.
    let mut st = ecdsa_start();
    st.client_answer();
    let mut twice = ccs_record();
    twice.extend_from_slice(&ccs_record());
    let err = st.c.expect_alert(&twice, A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");

    // To the server, before the ClientKeyExchange.
    let mut st = ecdsa_start();
    st.client_answer();
    let err = st.s.expect_alert(&ccs_record(), A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");

    // To the server, twice.
    let mut st = ecdsa_start();
    let answer = st.client_answer();
    st.s.feed_ok(&answer[0]);
    st.s.feed_ok(&answer[1]);
    let err = st.s.expect_alert(&ccs_record(), A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");

    // To the server, inside a handshake message: half a Finished header, then the
    // CCS (a key change must fall on a message boundary).
    let mut st = ecdsa_start();
    let answer = st.client_answer();
    st.s.feed_ok(&answer[0]);
    st.s.feed_ok(&hs_record(&[H::Finished.to_wire(), 0]));
    let err = st.s.expect_alert(&ccs_record(), A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");

    // After the handshake, either way.
    let (mut c, mut s) = connected(client12(ecdsa_pki(), &[ECDSA_GCM]), server12(ecdsa_pki()));
    let err = s.expect_alert(&ccs_record(), A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");
    assert!(s.last_sent_protected());
    let err = c.expect_alert(&ccs_record(), A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");
}

#[test]
fn malformed_change_cipher_spec_is_refused() {
    for payload in [&[2u8][..], &[1, 1], &[0]] {
        let mut st = ecdsa_start();
        st.client_answer();
        let bad = common::peers::record(ContentType::ChangeCipherSpec, payload);
        let err = st.c.expect_alert(&bad, A::DecodeError);
        assert!(is_decode(&err), "{payload:?}: {err:?}");
    }
}

// ---------------------------------------------------------------------------------
// Key exchange values

/// secp256r1 points that are not on the curve, or not points at all.
fn bad_p256_points() -> Vec<(&'static str, Vec<u8>)> {
    let mut off_curve = vec![0x04];
    off_curve.extend_from_slice(&[0x01; 64]);
    let mut zero = vec![0x04];
    zero.extend_from_slice(&[0x00; 64]);
    let mut compressed = vec![0x02];
    compressed.extend_from_slice(&[0x6b; 32]);
    let mut hybrid = vec![0x06];
    hybrid.extend_from_slice(&[0x01; 64]);
    vec![
        ("off the curve", off_curve),
        ("(0, 0)", zero),
        ("compressed", compressed),
        ("hybrid form byte", hybrid),
        ("point at infinity", vec![0x00]),
        ("too short", vec![0x04; 64]),
    ]
}

fn p256_only(mut cc: ClientConfig) -> ClientConfig {
    cc.common.groups = vec![NamedGroup::secp256r1];
    cc
}

#[test]
fn client_share_off_the_curve_is_illegal_parameter() {
    for (name, point) in bad_p256_points() {
        let mut st = start(
            p256_only(client12(ecdsa_pki(), &[ECDSA_GCM])),
            server12(ecdsa_pki()),
        );
        st.client_answer();
        let mut b = vec![point.len() as u8];
        b.extend_from_slice(&point);
        let ckx = hs_record(&with_header(H::ClientKeyExchange, &b));
        let err = st.s.expect_alert(&ckx, A::IllegalParameter);
        assert_eq!(err, Error::InvalidKeyShare(NamedGroup::secp256r1), "{name}");
    }
    // X25519: the all-zero (small-order) point and a short one.
    for (name, point) in [("zero", vec![0u8; 32]), ("short", vec![9u8; 31])] {
        let mut st = ecdsa_start();
        st.client_answer();
        let mut b = vec![point.len() as u8];
        b.extend_from_slice(&point);
        let ckx = hs_record(&with_header(H::ClientKeyExchange, &b));
        let err = st.s.expect_alert(&ckx, A::IllegalParameter);
        assert_eq!(err, Error::InvalidKeyShare(NamedGroup::X25519), "{name}");
    }
}

#[test]
fn server_share_off_the_curve_is_illegal_parameter() {
    let key = signing_key(ecdsa_pki());
    // Control: re-signing the unedited parameters changes nothing.
    let mut st = start(
        p256_only(client12(ecdsa_pki(), &[ECDSA_GCM])),
        server12(ecdsa_pki()),
    );
    let ske = st.ecdhe_ske(&*key, |_| {});
    let bytes = st.replacing(H::ServerKeyExchange, ske);
    st.c.feed_ok(&bytes);
    assert_eq!(split_records(&st.c.out()).len(), 3);

    for (name, point) in bad_p256_points() {
        let mut st = start(
            p256_only(client12(ecdsa_pki(), &[ECDSA_GCM])),
            server12(ecdsa_pki()),
        );
        let ske = st.ecdhe_ske(&*key, |p| p.public = point.clone());
        let bytes = st.replacing(H::ServerKeyExchange, ske);
        let err = st.c.expect_alert(&bytes, A::IllegalParameter);
        assert_eq!(err, Error::InvalidKeyShare(NamedGroup::secp256r1), "{name}");
    }
    let mut st = ecdsa_start();
    let ske = st.ecdhe_ske(&*key, |p| p.public = vec![0; 32]);
    let bytes = st.replacing(H::ServerKeyExchange, ske);
    let err = st.c.expect_alert(&bytes, A::IllegalParameter);
    assert_eq!(err, Error::InvalidKeyShare(NamedGroup::X25519));
}

#[test]
fn server_curve_we_did_not_offer_is_illegal_parameter() {
    let key = signing_key(ecdsa_pki());
    let mut st = start(
        p256_only(client12(ecdsa_pki(), &[ECDSA_GCM])),
        server12(ecdsa_pki()),
    );
    let ske = st.ecdhe_ske(&*key, |p| p.group = NamedGroup::secp384r1);
    let bytes = st.replacing(H::ServerKeyExchange, ske);
    let err = st.c.expect_alert(&bytes, A::IllegalParameter);
    assert!(matches!(err, Error::IllegalParameter(_)), "{err:?}");
}

fn minus_one(n: &[u8]) -> Vec<u8> {
    let mut out = n.to_vec();
    for b in out.iter_mut().rev() {
        let (v, borrow) = b.overflowing_sub(1);
        *b = v;
        if !borrow {
            break;
        }
    }
    out
}

fn plus_one(n: &[u8]) -> Vec<u8> {
    let mut out = n.to_vec();
    for b in out.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            return out;
        }
    }
    out.insert(0, 1);
    out
}

#[test]
fn dhe_server_value_out_of_range_is_illegal_parameter() {
    let key = signing_key(rsa_pki());
    // Control: the unedited, re-signed parameters are accepted.
    let mut st = rsa_start(DHE_GCM);
    let ske = st.dhe_ske(&*key, |_| {});
    let bytes = st.replacing(H::ServerKeyExchange, ske);
    st.c.feed_ok(&bytes);
    assert_eq!(split_records(&st.c.out()).len(), 3);

    let st = rsa_start(DHE_GCM);
    let ske = &st.flight[position(&st.flight, H::ServerKeyExchange)];
    let p = ServerKeyExchange::decode_dhe(body(ske)).unwrap().0.p;
    assert_eq!(p.len(), 256, "ffdhe2048");
    let values: [(&str, Vec<u8>); 7] = [
        ("0", vec![0]),
        ("1", vec![1]),
        ("1 with leading zeros", vec![0, 0, 0, 1]),
        ("p - 1", minus_one(&p)),
        ("p", p.clone()),
        ("p + 1", plus_one(&p)),
        ("2^2048 - 1", vec![0xff; 256]),
    ];
    for (name, y) in values {
        let mut st = rsa_start(DHE_GCM);
        let ske = st.dhe_ske(&*key, |d| d.ys = y.clone());
        let bytes = st.replacing(H::ServerKeyExchange, ske);
        let err = st.c.expect_alert(&bytes, A::IllegalParameter);
        assert!(
            matches!(err, Error::IllegalParameter(_)),
            "Ys = {name}: {err:?}"
        );
    }
    // A generator out of range is refused the same way.
    for g in [vec![0u8], vec![1], minus_one(&p)] {
        let mut st = rsa_start(DHE_GCM);
        let ske = st.dhe_ske(&*key, |d| d.g = g.clone());
        let bytes = st.replacing(H::ServerKeyExchange, ske);
        let err = st.c.expect_alert(&bytes, A::IllegalParameter);
        assert!(matches!(err, Error::IllegalParameter(_)), "g: {err:?}");
    }
}

/// RFC 2409 §6.2, the 1024-bit MODP group ("Oakley group 2").
const MODP1024_P: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1\
    29024E088A67CC74020BBEA63B139B22514A08798E3404DD\
    EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245\
    E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
    EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381\
    FFFFFFFFFFFFFFFF";

fn unhex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    s.chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect()
}

#[test]
fn dhe_prime_under_2048_bits_is_insufficient_security() {
    let key = signing_key(rsa_pki());
    let modp1024 = unhex(MODP1024_P);
    assert_eq!(modp1024.len(), 128);
    let st = rsa_start(DHE_GCM);
    let ske = &st.flight[position(&st.flight, H::ServerKeyExchange)];
    let ffdhe2048 = ServerKeyExchange::decode_dhe(body(ske)).unwrap().0.p;
    // ffdhe2048 with its top bit cleared: 2047 bits (and a leading zero byte kept).
    let mut p2047 = ffdhe2048.clone();
    p2047[0] &= 0x7f;
    let mut padded = vec![0u8; 130];
    padded[2..].copy_from_slice(&modp1024);
    for (name, p) in [
        ("1024-bit MODP", modp1024.clone()),
        ("2047 bits", p2047),
        ("1024 bits padded with zeros", padded),
    ] {
        let mut st = rsa_start(DHE_GCM);
        let ske = st.dhe_ske(&*key, |d| {
            d.p = p.clone();
            d.ys = vec![2; p.len() - 1];
        });
        let bytes = st.replacing(H::ServerKeyExchange, ske);
        let err = st.c.expect_alert(&bytes, A::InsufficientSecurity);
        assert!(
            matches!(err, Error::InsufficientSecurity(_)),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn dhe_client_value_out_of_range_is_illegal_parameter() {
    let st = rsa_start(DHE_GCM);
    let ske = &st.flight[position(&st.flight, H::ServerKeyExchange)];
    let p = ServerKeyExchange::decode_dhe(body(ske)).unwrap().0.p;
    for (name, y) in [
        ("0", vec![0u8]),
        ("1", vec![1]),
        ("p - 1", minus_one(&p)),
        ("p", p.clone()),
    ] {
        let mut st = rsa_start(DHE_GCM);
        st.client_answer();
        let mut b = (y.len() as u16).to_be_bytes().to_vec();
        b.extend_from_slice(&y);
        let ckx = hs_record(&with_header(H::ClientKeyExchange, &b));
        let err = st.s.expect_alert(&ckx, A::IllegalParameter);
        assert_eq!(
            err,
            Error::InvalidKeyShare(NamedGroup::FFDHE2048),
            "Yc = {name}"
        );
    }
}

// ---------------------------------------------------------------------------------
// ServerKeyExchange signatures

#[test]
fn bad_server_key_exchange_signature_is_decrypt_error() {
    // One flipped byte — in the signature, or in the signed point — with the
    // client that really sent the ClientHello, so that nothing else is wrong.
    type Pick = fn(usize) -> usize;
    let cases: [(&str, Pick); 5] = [
        ("last signature byte", |len| len - 1),
        ("middle of the signature", |len| len - 30),
        ("first byte of the point", |_| 4),
        ("inside the point", |_| 20),
        ("the point's length byte", |_| 3),
    ];
    for (name, at) in cases {
        let mut st = ecdsa_start();
        let i = position(&st.flight, H::ServerKeyExchange);
        let mut b = body(&st.flight[i]).to_vec();
        let at = at(b.len());
        b[at] ^= 0x01;
        let bytes = st.with(i, with_header(H::ServerKeyExchange, &b));
        match st.c.feed_err(&bytes) {
            // A changed length byte can make the message undecodable first.
            e if at == 3 => assert!(is_decode(&e) || e == Error::BadSignature, "{e:?}"),
            e => {
                assert_eq!(e, Error::BadSignature, "{name}");
                st.c.out();
                assert_eq!(
                    st.c.last_alert(),
                    Some((AlertLevel::Fatal, A::DecryptError))
                );
            }
        }
    }
    // A correct signature for another ClientHello (a replayed ServerKeyExchange).
    let st = ecdsa_start();
    let i = position(&st.flight, H::ServerKeyExchange);
    let mut c = st.fresh_client();
    let err = c.expect_alert(&flight(&st.flight), A::DecryptError);
    assert_eq!(err, Error::BadSignature);
    // Signed over the randoms in the wrong order.
    let key = signing_key(ecdsa_pki());
    let mut st = ecdsa_start();
    let (cr, sr) = st.randoms();
    let (params, _, signed) = ServerKeyExchange::decode_ecdhe(body(&st.flight[i])).unwrap();
    let ske = resign_ske(&*key, signed.scheme, &sr, &cr, params.to_bytes());
    let bytes = st.with(i, ske);
    let err = st.c.expect_alert(&bytes, A::DecryptError);
    assert_eq!(err, Error::BadSignature);
    // Control: the same, in the right order, is accepted.
    let mut st = ecdsa_start();
    let (cr, sr) = st.randoms();
    let ske = resign_ske(&*key, signed.scheme, &cr, &sr, params.to_bytes());
    let bytes = st.with(i, ske);
    st.c.feed_ok(&bytes);
}

#[test]
fn server_key_exchange_signed_with_a_scheme_not_offered_is_illegal_parameter() {
    let key = signing_key(rsa_pki());
    // The client offers only RSA-PSS-SHA256; the server signs with PKCS#1 SHA-256 (a
    // valid signature, just not one we allowed).
    let mut cc = client12(rsa_pki(), &[RSA_GCM]);
    cc.common.signature_schemes = vec![SignatureScheme::RSA_PSS_RSAE_SHA256];
    let mut st = start(cc, server12(rsa_pki()));
    let i = position(&st.flight, H::ServerKeyExchange);
    let (params, _, signed) = ServerKeyExchange::decode_ecdhe(body(&st.flight[i])).unwrap();
    assert_eq!(signed.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
    let (cr, sr) = st.randoms();
    let ske = resign_ske(
        &*key,
        SignatureScheme::RSA_PKCS1_SHA256,
        &cr,
        &sr,
        params.to_bytes(),
    );
    let bytes = st.with(i, ske);
    let err = st.c.expect_alert(&bytes, A::IllegalParameter);
    assert!(matches!(err, Error::IllegalParameter(_)), "{err:?}");

    // Schemes the client never accepts for this suite, over the right randoms. The
    // signature bytes are a PKCS#1 SHA-256 signature (the provider cannot make
    // SHA-1 ones); the scheme is refused before any verification.
    for scheme in [
        // Not offered under the compatible policy.
        SignatureScheme::RSA_PKCS1_SHA1,
        // Offered, but an ECDSA scheme cannot sign for an RSA suite.
        SignatureScheme::ECDSA_NISTP256_SHA256,
        // Unknown to us (ed448).
        SignatureScheme::Unknown(0x0808),
    ] {
        let mut st = rsa_start(RSA_GCM);
        let (params, _, _) = ServerKeyExchange::decode_ecdhe(body(&st.flight[i])).unwrap();
        let (cr, sr) = st.randoms();
        let content = lucidtls::msgs::tls12_ske_signed_content(&cr, &sr, &params.to_bytes());
        let signature = key
            .sign(SignatureScheme::RSA_PKCS1_SHA256, &content)
            .unwrap();
        let ske = ServerKeyExchange {
            params_bytes: params.to_bytes(),
            scheme,
            signature,
        }
        .encode();
        let bytes = st.with(i, ske);
        let err = st.c.expect_alert(&bytes, A::IllegalParameter);
        assert!(
            matches!(err, Error::IllegalParameter(_)),
            "{scheme:?}: {err:?}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Compression, downgrade, fallback

#[test]
fn client_hello_without_null_compression_is_refused_by_design() {
    let tls12_hello = client_hello_message(client12(ecdsa_pki(), &[ECDSA_GCM]));
    let tls13_hello = client_hello_message(ecdsa_pki().client_config());
    for (name, hello) in [("TLS 1.2", &tls12_hello), ("TLS 1.3", &tls13_hello)] {
        for methods in [vec![1u8], vec![1, 64], vec![0x40]] {
            let mut s = End12::server(server12(ecdsa_pki()));
            let ch = edit_client_hello(hello, |ch| ch.compression_methods = methods.clone());
            let err = s.expect_alert(&hs_record(&ch), A::IllegalParameter);
            assert_eq!(err, Error::CompressionRefused, "{name} {methods:?}");
            let text = err.to_string();
            assert!(text.contains("compression is refused by design"), "{text}");
            assert!(text.contains("CRIME"), "{text}");
        }
    }
    // Null offered among others: TLS 1.2 goes on with null compression...
    let mut s = End12::server(server12(ecdsa_pki()));
    let ch = edit_client_hello(&tls12_hello, |ch| ch.compression_methods = vec![1, 0]);
    s.feed_ok(&hs_record(&ch));
    s.out();
    assert_eq!(s.server_hello().compression_method, 0);
    // ...but TLS 1.3 allows exactly one method, null (RFC 8446 §4.1.2).
    let mut s = End12::server(server12(ecdsa_pki()));
    let ch = edit_client_hello(&tls13_hello, |ch| ch.compression_methods = vec![1, 0]);
    let err = s.expect_alert(&hs_record(&ch), A::IllegalParameter);
    assert!(matches!(err, Error::IllegalParameter(_)), "{err:?}");

    // A ServerHello choosing compression.
    let st = ecdsa_start();
    let mut sh = ServerHello::decode(body(&st.flight[0])).unwrap();
    sh.compression_method = 1;
    let mut c = st.fresh_client();
    let err = c.expect_alert(&st.with(0, sh.encode()), A::IllegalParameter);
    assert_eq!(err, Error::CompressionRefused);
}

/// A TLS 1.2 ServerHello answering `hello`, with `tail` as the last 8 random bytes.
fn forged_server_hello(hello: &ClientHello, tail: [u8; 8]) -> Vec<u8> {
    let mut random = [0x42u8; 32];
    random[24..].copy_from_slice(&tail);
    assert!(hello.cipher_suites.contains(&ECDSA_GCM));
    let mut ext = Extensions::default();
    ext.push(Extension::RenegotiationInfo(Vec::new()));
    ext.push(Extension::ExtendedMasterSecret);
    ext.push(Extension::EcPointFormats(vec![0]));
    ServerHello {
        legacy_version: ProtocolVersion::Tls12.to_wire(),
        random,
        session_id: hello.session_id.clone(),
        cipher_suite: ECDSA_GCM,
        compression_method: 0,
        extensions: ext,
    }
    .encode()
}

#[test]
fn forged_downgrade_sentinel_is_illegal_parameter() {
    for tail in [DOWNGRADE_TLS12, DOWNGRADE_TLS11] {
        let mut c = End12::client(ecdsa_pki().client_config());
        c.out();
        let sh = forged_server_hello(&c.client_hello(), tail);
        let err = c.expect_alert(&hs_record(&sh), A::IllegalParameter);
        assert_eq!(err, Error::Downgrade);
    }
    // Control: the same ServerHello without the sentinel is accepted (the client
    // then waits for the Certificate)...
    let mut c = End12::client(ecdsa_pki().client_config());
    c.out();
    let sh = forged_server_hello(&c.client_hello(), *b"ordinary");
    c.feed_ok(&hs_record(&sh));
    assert_eq!(c.conn.negotiated().version, Some(ProtocolVersion::Tls12));
    // ...and a TLS 1.2-only client does not look for the sentinel.
    let mut c = End12::client(client12(ecdsa_pki(), &[ECDSA_GCM]));
    c.out();
    let sh = forged_server_hello(&c.client_hello(), DOWNGRADE_TLS12);
    c.feed_ok(&hs_record(&sh));
    // A TLS 1.3-capable server does set it for a TLS 1.2-only client.
    let st = ecdsa_start();
    assert_eq!(st.s.server_hello().random[24..], DOWNGRADE_TLS12);
}

#[test]
fn fallback_scsv_to_a_tls13_server_is_inappropriate_fallback() {
    let hello = client_hello_message(client12(ecdsa_pki(), &[ECDSA_GCM]));
    let with_scsv = edit_client_hello(&hello, |ch| {
        ch.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV)
    });
    let mut s = End12::server(server12(ecdsa_pki()));
    let err = s.expect_alert(&hs_record(&with_scsv), A::InappropriateFallback);
    assert_eq!(err, Error::InappropriateFallback);

    // A TLS 1.2-only server has nothing better to offer: it goes on.
    let mut sc = server12(ecdsa_pki());
    sc.common.versions = vec![ProtocolVersion::Tls12];
    let mut s = End12::server(sc);
    s.feed_ok(&hs_record(&with_scsv));
    assert!(!s.out().is_empty());
    // A TLS 1.3 ClientHello with the SCSV gets TLS 1.3: no fallback happened.
    let hello13 = client_hello_message(ecdsa_pki().client_config());
    let with_scsv = edit_client_hello(&hello13, |ch| {
        ch.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV)
    });
    let mut s = End12::server(server12(ecdsa_pki()));
    s.feed_ok(&hs_record(&with_scsv));
    assert_eq!(s.conn.negotiated().version, Some(ProtocolVersion::Tls13));
}

// ---------------------------------------------------------------------------------
// Renegotiation

fn connected_ecdsa(observer: Option<std::sync::Arc<EventLog>>) -> (End12, End12) {
    let mut cc = client12(ecdsa_pki(), &[ECDSA_GCM]);
    if let Some(o) = observer {
        cc.common.observer = Some(o);
    }
    connected(cc, server12(ecdsa_pki()))
}

#[test]
fn hello_request_after_handshake_gets_a_no_renegotiation_warning() {
    let events = EventLog::new();
    let (mut c, mut s) = connected_ecdsa(Some(events.clone()));
    assert_eq!(send12(&mut s, &mut c, b"one"), b"one");
    // The server's next record becomes a HelloRequest, at the same sequence number.
    s.conn.write_plaintext(b"two").unwrap();
    s.out();
    let seq = s.protected_sent() - 1;
    let hr = s.keys().seal(
        Side::Server,
        seq,
        ContentType::Handshake,
        &HelloRequest.encode(),
    );
    events.take();
    c.feed_ok(&hr);
    let answer = c.out();
    assert_eq!(split_records(&answer).len(), 1, "one warning, nothing else");
    let last = c.sent_records().pop().unwrap();
    assert_eq!(
        alert_of(&last),
        Some((AlertLevel::Warning, A::NoRenegotiation))
    );
    assert!(events.take().contains(&TraceEvent::Renegotiation {
        from: Side::Server,
        accepted: false
    }));
    // The server takes the warning in stride; both directions still work.
    s.feed_ok(&answer);
    assert!(s.conn.error().is_none());
    assert_eq!(send12(&mut s, &mut c, b"three"), b"three");
    assert_eq!(send12(&mut c, &mut s, b"four"), b"four");
}

#[test]
fn client_hello_after_handshake_gets_a_no_renegotiation_warning() {
    let (mut c, mut s) = connected_ecdsa(None);
    let hello = client_hello_message(client12(ecdsa_pki(), &[ECDSA_GCM]));
    c.conn.write_plaintext(b"one").unwrap();
    c.out();
    let seq = c.protected_sent() - 1;
    let rec = c
        .keys()
        .seal(Side::Client, seq, ContentType::Handshake, &hello);
    s.feed_ok(&rec);
    let answer = s.out();
    assert_eq!(split_records(&answer).len(), 1, "one warning, nothing else");
    let last = s.sent_records().pop().unwrap();
    assert_eq!(
        alert_of(&last),
        Some((AlertLevel::Warning, A::NoRenegotiation))
    );
    c.feed_ok(&answer);
    assert!(c.conn.error().is_none());
    assert_eq!(send12(&mut c, &mut s, b"two"), b"two");
    assert_eq!(send12(&mut s, &mut c, b"three"), b"three");
}

#[test]
fn renegotiation_floods_are_cut_off() {
    let (mut c, s) = connected_ecdsa(None);
    let keys = s.keys();
    let mut enc = keys.encrypter_at(Side::Server, s.protected_sent());
    let mut one = |n: usize| {
        let mut bytes = Vec::new();
        for _ in 0..n {
            enc.encrypt(ContentType::Handshake, &HelloRequest.encode(), &mut bytes)
                .unwrap();
        }
        bytes
    };
    let first = one(64);
    c.feed_ok(&first);
    assert_eq!(split_records(&c.out()).len(), 64);
    let err = c.expect_alert(&one(1), A::UnexpectedMessage);
    assert!(matches!(err, Error::PeerMisbehaving(_)), "{err:?}");
}

#[test]
fn misdirected_renegotiation_messages_are_unexpected_message() {
    // A HelloRequest with a body.
    let (mut c, s) = connected_ecdsa(None);
    let rec = s.keys().seal(
        Side::Server,
        s.protected_sent(),
        ContentType::Handshake,
        &with_header(H::HelloRequest, &[0]),
    );
    let err = c.expect_alert(&rec, A::DecodeError);
    assert!(is_decode(&err), "{err:?}");
    // A HelloRequest sent to the server.
    let (c, mut s) = connected_ecdsa(None);
    let rec = c.keys().seal(
        Side::Client,
        c.protected_sent(),
        ContentType::Handshake,
        &HelloRequest.encode(),
    );
    let err = s.expect_alert(&rec, A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");
    // A ClientHello sent to the client.
    let (mut c, s) = connected_ecdsa(None);
    let hello = client_hello_message(client12(ecdsa_pki(), &[ECDSA_GCM]));
    let rec = s.keys().seal(
        Side::Server,
        s.protected_sent(),
        ContentType::Handshake,
        &hello,
    );
    let err = c.expect_alert(&rec, A::UnexpectedMessage);
    assert!(is_unexpected(&err), "{err:?}");
}

/// RFC 5246 §7.4.1.1: "This message will be ignored by the client if the client is
/// currently negotiating a session."
#[test]
fn hello_request_during_the_handshake_is_ignored() {
    let st = ecdsa_start();
    let mut msgs = st.flight.clone();
    msgs.insert(2, HelloRequest.encode());
    let mut c = st.fresh_client();
    c.feed(&flight(&msgs[..2])).unwrap();
    let result = c.feed(&flight(&msgs[2..3]));
    assert_eq!(result, Ok(()), "HelloRequest mid-handshake");
}
