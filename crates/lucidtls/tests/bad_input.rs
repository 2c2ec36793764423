//! Hostile input: every case checks the error (variant and words), the alert it maps
//! to, and the alert actually queued on the wire — read in plaintext before keys,
//! and decrypted with the failing side's own secrets (from a key log) after.
//!
//! Both ends are pinned to TLS 1.3 (the expectations are RFC 8446's); TLS 1.2 input
//! gets its own tests with the TLS 1.2 code.

mod common;
use common::pair::*;
use common::peers::*;
use lucidtls::enums::{
    AlertDescription as A, AlertLevel, CipherSuite, ContentType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use lucidtls::msgs::{
    ClientHello, Extension, Extensions, Finished, HandshakeBody, KeyShareEntry, ServerHello,
};
use lucidtls::suites::Tls13Suite;
use lucidtls::verify::RootStore;
use lucidtls::{CertificateCheck, ClientConfig, Connection, Error, ServerConfig, ServerName};
use std::sync::Arc;

// ---------------------------------------------------------------------------------
// Harness

/// One end, remembering everything it sent, with its secrets logged.
struct End {
    conn: Connection,
    sent: Vec<u8>,
    log: Arc<SecretLog>,
    client: bool,
}

impl End {
    fn client_named(mut config: ClientConfig, name: &str) -> Self {
        config.common.versions = vec![ProtocolVersion::Tls13];
        let log = SecretLog::new();
        config.common.key_log = Some(log.clone());
        let name = ServerName::try_from(name.to_string()).unwrap();
        Self {
            conn: Connection::client(Arc::new(config), name).unwrap(),
            sent: Vec::new(),
            log,
            client: true,
        }
    }

    fn client(config: ClientConfig) -> Self {
        Self::client_named(config, "localhost")
    }

    fn server(mut config: ServerConfig) -> Self {
        config.common.versions = vec![ProtocolVersion::Tls13];
        let log = SecretLog::new();
        config.common.key_log = Some(log.clone());
        Self {
            conn: Connection::server(Arc::new(config)).unwrap(),
            sent: Vec::new(),
            log,
            client: false,
        }
    }

    /// Takes what the connection queued, remembering it.
    fn out(&mut self) -> Vec<u8> {
        let bytes = self.conn.take_tls();
        self.sent.extend_from_slice(&bytes);
        bytes
    }

    /// Feeds bytes that must be accepted.
    fn feed_ok(&mut self, bytes: &[u8]) {
        let mut offset = 0;
        while offset < bytes.len() {
            offset += self.conn.read_tls(&bytes[offset..]);
            if let Err(e) = self.conn.process_new_packets() {
                panic!("unexpected failure: {e} ({e:?})");
            }
        }
    }

    /// Feeds bytes that must be refused; returns the error after checking that it
    /// sticks and that nothing else can be done with the connection.
    fn feed_err(&mut self, bytes: &[u8]) -> Error {
        let mut offset = 0;
        loop {
            let n = self.conn.read_tls(&bytes[offset..]);
            offset += n;
            if let Err(e) = self.conn.process_new_packets() {
                assert_eq!(self.conn.error(), Some(&e));
                assert_eq!(self.conn.process_new_packets(), Err(e.clone()), "sticky");
                assert!(self.conn.write_plaintext(b"x").is_err());
                assert!(!self.conn.wants_read());
                return e;
            }
            assert!(offset < bytes.len(), "input was accepted without error");
            assert!(n > 0, "read_tls made no progress");
        }
    }

    fn suite(&self) -> Tls13Suite {
        suite_of(
            self.conn
                .negotiated()
                .cipher_suite
                .unwrap_or(CipherSuite::TLS13_AES_128_GCM_SHA256),
        )
    }

    /// Our sending secrets, in the order we use them.
    fn sending_secrets(&self) -> Vec<Vec<u8>> {
        let (hs, ap) = if self.client {
            ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0")
        } else {
            ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0")
        };
        let mut out: Vec<Vec<u8>> = self.log.get(hs).into_iter().collect();
        if let Some(mut s) = self.log.get(ap) {
            for _ in 0..4 {
                let next = next_secret(self.suite(), &s);
                out.push(s);
                s = next;
            }
        }
        out
    }
}

/// Runs a handshake between two `End`s.
fn handshake_ends(c: &mut End, s: &mut End) {
    for _ in 0..10 {
        let a = c.out();
        s.feed_ok(&a);
        let b = s.out();
        c.feed_ok(&b);
        if a.is_empty() && b.is_empty() {
            break;
        }
    }
    assert!(!c.conn.is_handshaking() && !s.conn.is_handshaking());
}

/// Feeds `bytes` to `end`, expects an error whose alert is `alert`, and checks that
/// the alert really went out (last record of everything `end` sent, decrypted if
/// need be). Returns the error for further checks.
fn expect_alert(end: &mut End, bytes: &[u8], alert: A) -> Error {
    let err = end.feed_err(bytes);
    assert_eq!(
        err.alert(),
        alert,
        "{err} ({err:?}) maps to the wrong alert"
    );
    assert!(err.sends_alert());
    let fresh = end.out();
    assert!(!fresh.is_empty(), "no alert queued for {err}");
    let secrets = end.sending_secrets();
    assert_eq!(
        last_alert(&end.sent, end.suite(), &secrets),
        Some((AlertLevel::Fatal, alert)),
        "alert on the wire for {err}"
    );
    assert!(end.out().is_empty(), "more output after the alert");
    err
}

/// Like [`expect_alert`], with the alert also required to be in plaintext.
fn expect_plain_alert(end: &mut End, bytes: &[u8], alert: A) -> Error {
    let err = expect_alert(end, bytes, alert);
    assert_eq!(
        last_plain_alert(&end.sent),
        Some((AlertLevel::Fatal, alert)),
        "expected an unprotected alert"
    );
    err
}

/// Like [`expect_alert`], with the alert also required to be protected.
fn expect_sealed_alert(end: &mut End, bytes: &[u8], alert: A) -> Error {
    let err = expect_alert(end, bytes, alert);
    let last = split_records(&end.sent).pop().unwrap();
    assert_eq!(last[0], 23, "expected a protected alert, got {last:?}");
    assert_eq!(last.len(), 5 + 2 + 1 + 16, "alert record size");
    err
}

fn ecdsa() -> TestPki {
    pki(KeyKind::EcdsaP256)
}

/// A fresh client's ClientHello handshake message (header included).
fn client_hello_message(pki: &TestPki) -> Vec<u8> {
    let mut c = End::client(pki.client_config());
    let rec = c.out();
    assert_eq!(split_records(&rec).len(), 1);
    rec[5..].to_vec()
}

fn hs_record(message: &[u8]) -> Vec<u8> {
    record(ContentType::Handshake, message)
}

fn with_header(typ: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap().to_be_bytes();
    let mut out = vec![typ, len[1], len[2], len[3]];
    out.extend_from_slice(body);
    out
}

/// Our ClientHello, decoded, edited by `edit`, re-encoded, and fed to a fresh server.
fn server_refuses_hello(pki: &TestPki, edit: impl FnOnce(&mut ClientHello), alert: A) -> Error {
    let msg = client_hello_message(pki);
    let mut ch = ClientHello::decode(&msg[4..]).unwrap();
    edit(&mut ch);
    let mut server = End::server(pki.server_config());
    expect_plain_alert(&mut server, &hs_record(&ch.encode()), alert)
}

// ---------------------------------------------------------------------------------
// ClientHello framing

#[test]
fn client_hello_roundtrips_through_the_codec() {
    // The editing tests below rely on decode+encode being exact.
    let pki = ecdsa();
    let msg = client_hello_message(&pki);
    let ch = ClientHello::decode(&msg[4..]).unwrap();
    assert_eq!(ch.encode(), msg);
    let mut server = End::server(pki.server_config());
    server.feed_ok(&hs_record(&msg));
    assert!(!server.out().is_empty(), "server answered");
}

/// Offset in a ClientHello body just after the compression methods (where the
/// optional extensions block starts).
fn end_of_compression(body: &[u8]) -> usize {
    let sid = usize::from(body[34]);
    let at_suites = 35 + sid;
    let suites = usize::from(u16::from_be_bytes([body[at_suites], body[at_suites + 1]]));
    let at_comp = at_suites + 2 + suites;
    at_comp + 1 + usize::from(body[at_comp])
}

#[test]
fn client_hello_cut_at_every_length_with_a_matching_length_field() {
    // The handshake length says "cut" and the record carries exactly that: a complete
    // message whose inner lengths point past its end.
    let pki = ecdsa();
    let msg = client_hello_message(&pki);
    let body = &msg[4..];
    let no_extensions = end_of_compression(body);
    for cut in 0..body.len() {
        let mut server = End::server(pki.server_config());
        let bytes = hs_record(&with_header(1, &body[..cut]));
        if cut == no_extensions {
            // A ClientHello that stops after compression is well formed: TLS 1.2 style.
            let err = expect_plain_alert(&mut server, &bytes, A::ProtocolVersion);
            assert_eq!(err, Error::NoCommonVersion, "cut {cut}");
        } else {
            let err = expect_plain_alert(&mut server, &bytes, A::DecodeError);
            assert!(matches!(err, Error::Decode { .. }), "cut {cut}: {err:?}");
            assert!(err.to_string().starts_with("malformed "), "{err}");
        }
    }
}

#[test]
fn client_hello_with_a_handshake_length_shorter_than_its_body() {
    // The record carries the whole body but the handshake header claims `cut`: the
    // message ends early and what follows is parsed as another message.
    let pki = ecdsa();
    let msg = client_hello_message(&pki);
    let body = &msg[4..];
    let no_extensions = end_of_compression(body);
    // (Cut just after the compression methods, the remainder starts with a "header"
    // claiming a huge message, refused before the first message is looked at; that
    // case is covered by the test above.)
    for cut in (0..body.len()).step_by(7).filter(|c| *c != no_extensions) {
        let mut bytes = with_header(1, &body[..cut]);
        bytes.extend_from_slice(&body[cut..]);
        let mut server = End::server(pki.server_config());
        expect_plain_alert(&mut server, &hs_record(&bytes), A::DecodeError);
    }
}

#[test]
fn client_hello_cut_at_every_length_waits_for_the_rest() {
    // With honest length fields a cut message or record is incomplete, not wrong: the
    // server waits, says nothing, and continues when the rest arrives.
    let pki = ecdsa();
    let msg = client_hello_message(&pki);
    let full = hs_record(&msg);
    for cut in (1..full.len()).step_by(5) {
        let mut server = End::server(pki.server_config());
        server.feed_ok(&full[..cut]);
        assert!(server.out().is_empty(), "cut {cut}: spoke too early");
        assert!(server.conn.has_partial_record(), "cut {cut}");
        server.feed_ok(&full[cut..]);
        assert!(!server.conn.has_partial_record());
        assert!(!server.out().is_empty(), "cut {cut}: no answer");
    }
    // The message split over two records, cut anywhere.
    for cut in (1..msg.len()).step_by(9) {
        let mut server = End::server(pki.server_config());
        server.feed_ok(&hs_record(&msg[..cut]));
        assert!(server.out().is_empty(), "cut {cut}: spoke too early");
        server.feed_ok(&hs_record(&msg[cut..]));
        assert!(!server.out().is_empty(), "cut {cut}: no answer");
    }
}

#[test]
fn handshake_message_interleaved_with_an_alert_is_refused() {
    // RFC 8446 §5.1: a handshake message split over records may not have other record
    // types between its pieces.
    let pki = ecdsa();
    let msg = client_hello_message(&pki);
    let mut bytes = hs_record(&msg[..40]);
    bytes.extend(record(ContentType::Alert, &[1, 90])); // warning user_canceled
    bytes.extend(hs_record(&msg[40..]));
    let mut server = End::server(pki.server_config());
    expect_plain_alert(&mut server, &bytes, A::UnexpectedMessage);
}

#[test]
fn empty_and_oversized_handshake_messages() {
    let pki = ecdsa();
    let mut server = End::server(pki.server_config());
    let err = expect_plain_alert(&mut server, &hs_record(&[]), A::DecodeError);
    assert!(err.to_string().contains("empty handshake record"), "{err}");

    // A ClientHello claiming 16 MiB: refused as soon as the header arrives.
    let mut server = End::server(pki.server_config());
    let err = expect_plain_alert(
        &mut server,
        &hs_record(&[1, 0xff, 0xff, 0xff]),
        A::DecodeError,
    );
    assert!(err.to_string().contains("too large"), "{err}");
}

// ---------------------------------------------------------------------------------
// Record layer

#[test]
fn oversized_plaintext_records() {
    let pki = ecdsa();
    // Length field 2^14 + 257: over even the protected limit; only the header is sent.
    for typ in [22u8, 21, 20, 23] {
        let mut server = End::server(pki.server_config());
        let len = (16384u16 + 257).to_be_bytes();
        let err = expect_plain_alert(&mut server, &[typ, 3, 3, len[0], len[1]], A::RecordOverflow);
        assert_eq!(
            err,
            Error::RecordOverflow {
                len: 16641,
                limit: 16640
            }
        );
        assert!(err.to_string().contains("too large"), "{err}");
    }
    // 2^14 + 1 bytes of plaintext: within the framing limit, over the plaintext limit.
    let mut server = End::server(pki.server_config());
    let err = expect_plain_alert(
        &mut server,
        &hs_record(&vec![0u8; 16385]),
        A::RecordOverflow,
    );
    assert_eq!(
        err,
        Error::RecordOverflow {
            len: 16385,
            limit: 16384
        }
    );
}

#[test]
fn bad_record_headers() {
    let pki = ecdsa();
    // Unknown and refused content types.
    for typ in [24u8, 0, 25, 99] {
        let mut server = End::server(pki.server_config());
        let err = expect_plain_alert(&mut server, &[typ, 3, 3, 0, 1, 0], A::UnexpectedMessage);
        assert!(matches!(err, Error::UnexpectedContentType(_)), "{err:?}");
    }
    // SSLv2-style first byte, and a major version that is not 3.
    let mut server = End::server(pki.server_config());
    let err = expect_plain_alert(&mut server, &[0x80, 0x2e, 1, 3, 1], A::DecodeError);
    assert!(err.to_string().contains("SSLv2"), "{err}");
    let mut server = End::server(pki.server_config());
    expect_plain_alert(&mut server, &[22, 2, 0, 0, 1, 1], A::DecodeError);
}

/// A connected client/server pair with their logs.
fn connected(pki: &TestPki) -> (End, End) {
    let mut c = End::client(pki.client_config());
    let mut s = End::server(pki.server_config());
    handshake_ends(&mut c, &mut s);
    (c, s)
}

/// Protects one record as the client would after the handshake (sequence `seq`).
fn client_record(c: &End, typ: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut enc = encrypter(c.suite(), &c.log.must("CLIENT_TRAFFIC_SECRET_0"));
    seal(&mut enc, typ, payload)
}

/// Seals an arbitrary inner plaintext (content, type and padding) with the AEAD,
/// bypassing the encrypter's limits.
fn raw_sealed_record(suite: Tls13Suite, secret: &[u8], seq: u64, inner: &[u8]) -> Vec<u8> {
    let (key, iv) = traffic_key(suite, secret);
    let mut nonce = iv;
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    let len = u16::try_from(inner.len() + 16).unwrap().to_be_bytes();
    let header = [23, 3, 3, len[0], len[1]];
    let mut buf = inner.to_vec();
    key.seal(&nonce, &header, &mut buf).unwrap();
    let mut out = header.to_vec();
    out.extend_from_slice(&buf);
    out
}

#[test]
fn control_injected_client_records_are_accepted() {
    // The injection machinery itself: a record we protect with the logged client
    // secret is read by the server like the client's own.
    let pki = ecdsa();
    let (c, mut s) = connected(&pki);
    s.feed_ok(&client_record(&c, ContentType::ApplicationData, b"hello"));
    let mut buf = [0u8; 16];
    assert_eq!(s.conn.read_plaintext(&mut buf), 5);
    assert_eq!(&buf[..5], b"hello");
    // The largest inner plaintext allowed, 2^14 + 1 bytes, passes.
    let mut inner = vec![7u8; 16384];
    inner.push(23);
    let (c, mut s) = connected(&pki);
    let secret = c.log.must("CLIENT_TRAFFIC_SECRET_0");
    s.feed_ok(&raw_sealed_record(c.suite(), &secret, 0, &inner));
    assert_eq!(s.conn.plaintext_available(), 16384);
}

#[test]
fn oversized_protected_records() {
    let pki = ecdsa();
    // Length field 2^14 + 257 after the handshake.
    let (_c, mut s) = connected(&pki);
    let len = (16384u16 + 257).to_be_bytes();
    let err = expect_sealed_alert(&mut s, &[23, 3, 3, len[0], len[1]], A::RecordOverflow);
    assert!(
        matches!(err, Error::RecordOverflow { len: 16641, .. }),
        "{err:?}"
    );

    // A correctly protected inner plaintext of 2^14 + 2 bytes.
    let (c, mut s) = connected(&pki);
    let mut inner = vec![7u8; 16384];
    inner.extend_from_slice(&[23, 0]);
    let secret = c.log.must("CLIENT_TRAFFIC_SECRET_0");
    let bytes = raw_sealed_record(c.suite(), &secret, 0, &inner);
    let err = expect_sealed_alert(&mut s, &bytes, A::RecordOverflow);
    assert_eq!(
        err,
        Error::RecordOverflow {
            len: 16386,
            limit: 16385
        }
    );
}

#[test]
fn garbled_protected_records_are_bad_record_mac() {
    let pki = ecdsa();
    // The client's own record is what we expect to protect ourselves.
    let (mut c, mut s) = connected(&pki);
    c.conn.write_plaintext(b"some application data").unwrap();
    let rec = c.out();
    assert_eq!(
        rec,
        client_record(&c, ContentType::ApplicationData, b"some application data")
    );
    s.feed_ok(&rec);
    // Flip a bit in every byte of the payload (nonce-derived ciphertext and tag) and in
    // the minor version, which is authenticated as additional data. (The type, major
    // version and length are checked before decryption; see bad_record_headers.)
    let mut positions: Vec<usize> = (5..rec.len()).collect();
    positions.push(2);
    for at in positions {
        let (c, mut s) = connected(&pki);
        let mut bytes = client_record(&c, ContentType::ApplicationData, b"some application data");
        bytes[at] ^= 0x01;
        let err = expect_sealed_alert(&mut s, &bytes, A::BadRecordMac);
        assert_eq!(err, Error::BadRecordMac, "flip at {at}");
        assert!(err.to_string().contains("bad_record_mac"));
    }
    // Too short to hold a tag.
    let (_c, mut s) = connected(&pki);
    expect_sealed_alert(&mut s, &[23, 3, 3, 0, 5, 1, 2, 3, 4, 5], A::BadRecordMac);
}

#[test]
fn garbled_server_flight_is_bad_record_mac() {
    let pki = ecdsa();
    let mut c = End::client(pki.client_config());
    let mut s = End::server(pki.server_config());
    let hello = c.out();
    s.feed_ok(&hello);
    let flight = s.out();
    let records = split_records(&flight);
    // ServerHello, change_cipher_spec, then the protected messages.
    assert_eq!(records[0][0], 22);
    assert_eq!(records[1], [20, 3, 3, 0, 1, 1]);
    let mut bytes = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let mut r = r.clone();
        if i == 3 {
            let mid = r.len() / 2;
            r[mid] ^= 0x80;
        }
        bytes.extend(r);
    }
    let err = expect_sealed_alert(&mut c, &bytes, A::BadRecordMac);
    assert_eq!(err, Error::BadRecordMac);
    // The server reads our alert with the client handshake key.
    let err = s.feed_err(&c.sent[hello.len()..]);
    assert_eq!(err, Error::AlertReceived(A::BadRecordMac));
}

#[test]
fn all_zero_inner_plaintext() {
    let pki = ecdsa();
    for len in [1usize, 2, 100] {
        let (c, mut s) = connected(&pki);
        let secret = c.log.must("CLIENT_TRAFFIC_SECRET_0");
        let bytes = raw_sealed_record(c.suite(), &secret, 0, &vec![0u8; len]);
        let err = expect_sealed_alert(&mut s, &bytes, A::UnexpectedMessage);
        assert!(err.to_string().contains("all-zero"), "{err}");
    }
}

#[test]
fn protected_records_with_forbidden_inner_types() {
    let pki = ecdsa();
    // change_cipher_spec (20) and unknown (99) inner types.
    for typ in [20u8, 99, 24] {
        let (c, mut s) = connected(&pki);
        let secret = c.log.must("CLIENT_TRAFFIC_SECRET_0");
        let bytes = raw_sealed_record(c.suite(), &secret, 0, &[1, typ]);
        let err = expect_sealed_alert(&mut s, &bytes, A::UnexpectedMessage);
        assert!(matches!(err, Error::UnexpectedContentType(_)), "{err:?}");
    }
}

// ---------------------------------------------------------------------------------
// Message order and change_cipher_spec

#[test]
fn wrong_first_message_to_the_server() {
    let pki = ecdsa();
    // Finished, ServerHello, KeyUpdate, and an unknown type instead of a ClientHello.
    for (typ, body) in [
        (20u8, vec![0u8; 32]),
        (2, vec![0u8; 40]),
        (24, vec![0]),
        (99, vec![1, 2, 3]),
    ] {
        let mut server = End::server(pki.server_config());
        let err = expect_plain_alert(
            &mut server,
            &hs_record(&with_header(typ, &body)),
            A::UnexpectedMessage,
        );
        assert!(err.to_string().contains("expected ClientHello"), "{err}");
    }
}

#[test]
fn wrong_first_message_to_the_client() {
    let pki = ecdsa();
    let ch = client_hello_message(&pki);
    let mut client = End::client(pki.client_config());
    client.out();
    let err = expect_plain_alert(&mut client, &hs_record(&ch), A::UnexpectedMessage);
    assert!(err.to_string().contains("expected ServerHello"), "{err}");
}

#[test]
fn application_data_before_the_handshake() {
    let pki = ecdsa();
    let mut server = End::server(pki.server_config());
    let err = expect_plain_alert(
        &mut server,
        &record(ContentType::ApplicationData, b"GET / HTTP/1.1\r\n"),
        A::UnexpectedMessage,
    );
    assert_eq!(
        err,
        Error::UnexpectedContentType(ContentType::ApplicationData)
    );

    let mut client = End::client(pki.client_config());
    client.out();
    expect_plain_alert(
        &mut client,
        &record(ContentType::ApplicationData, b"HTTP/1.1 200 OK\r\n"),
        A::UnexpectedMessage,
    );
}

#[test]
fn change_cipher_spec_with_a_wrong_payload() {
    let pki = ecdsa();
    for payload in [vec![2u8], vec![1, 1], vec![0], vec![]] {
        // After the ClientHello, where a correct one would be dropped.
        let mut server = End::server(pki.server_config());
        let mut client = End::client(pki.client_config());
        server.feed_ok(&client.out());
        server.out();
        // The server already protects what it sends.
        let err = expect_sealed_alert(
            &mut server,
            &record(ContentType::ChangeCipherSpec, &payload),
            A::UnexpectedMessage,
        );
        assert!(err.to_string().contains("ChangeCipherSpec"), "{err}");
    }
    // A correct one in the same place is ignored.
    let mut server = End::server(pki.server_config());
    let mut client = End::client(pki.client_config());
    server.feed_ok(&client.out());
    server.feed_ok(&record(ContentType::ChangeCipherSpec, &[1]));
}

#[test]
fn change_cipher_spec_before_the_client_hello() {
    // RFC 8446 §5: before the first ClientHello a change_cipher_spec is an unexpected
    // record type.
    let pki = ecdsa();
    let mut server = End::server(pki.server_config());
    expect_plain_alert(
        &mut server,
        &record(ContentType::ChangeCipherSpec, &[1]),
        A::UnexpectedMessage,
    );
}

#[test]
fn change_cipher_spec_after_the_handshake() {
    let pki = ecdsa();
    let (_c, mut s) = connected(&pki);
    expect_sealed_alert(
        &mut s,
        &record(ContentType::ChangeCipherSpec, &[1]),
        A::UnexpectedMessage,
    );
    let (mut c, _s) = connected(&pki);
    expect_sealed_alert(
        &mut c,
        &record(ContentType::ChangeCipherSpec, &[1]),
        A::UnexpectedMessage,
    );
}

#[test]
fn second_client_hello_after_the_handshake() {
    let pki = ecdsa();
    let ch = client_hello_message(&pki);
    // Protected, as a renegotiation attempt would be: the state machine refuses it.
    let (c, mut s) = connected(&pki);
    let err = expect_sealed_alert(
        &mut s,
        &client_record(&c, ContentType::Handshake, &ch),
        A::UnexpectedMessage,
    );
    assert!(err.to_string().contains("ClientHello"), "{err}");
    // In plaintext: the record layer refuses it.
    let (_c, mut s) = connected(&pki);
    let err = expect_sealed_alert(&mut s, &hs_record(&ch), A::UnexpectedMessage);
    assert_eq!(err, Error::UnexpectedContentType(ContentType::Handshake));
}

#[test]
fn second_client_hello_during_the_handshake() {
    let pki = ecdsa();
    let ch = client_hello_message(&pki);
    let mut client = End::client(pki.client_config());
    let mut server = End::server(pki.server_config());
    server.feed_ok(&client.out());
    server.out();
    // The server now reads protected records only.
    expect_sealed_alert(&mut server, &hs_record(&ch), A::UnexpectedMessage);
}

#[test]
fn post_handshake_messages_the_server_must_refuse() {
    let pki = ecdsa();
    // A NewSessionTicket from the client, and a Finished.
    let nst = with_header(4, &[0, 0, 0, 60, 0, 0, 0, 1, 0, 0, 1, 7, 0, 0]);
    for msg in [nst, with_header(20, &[0u8; 32])] {
        let (c, mut s) = connected(&pki);
        let bytes = client_record(&c, ContentType::Handshake, &msg);
        let err = expect_sealed_alert(&mut s, &bytes, A::UnexpectedMessage);
        assert!(err.to_string().contains("expected KeyUpdate"), "{err}");
    }
}

#[test]
fn key_update_with_a_bad_value() {
    let pki = ecdsa();
    for value in [2u8, 3, 255] {
        let (c, mut s) = connected(&pki);
        let bytes = client_record(&c, ContentType::Handshake, &with_header(24, &[value]));
        let err = expect_sealed_alert(&mut s, &bytes, A::IllegalParameter);
        assert_eq!(err, Error::IllegalParameter("KeyUpdate request value"));
    }
    // Empty or overlong KeyUpdate bodies are decode errors.
    for body in [vec![], vec![0u8, 0]] {
        let (c, mut s) = connected(&pki);
        let bytes = client_record(&c, ContentType::Handshake, &with_header(24, &body));
        expect_sealed_alert(&mut s, &bytes, A::DecodeError);
    }
    // Control: a well-formed KeyUpdate, and data under the next key, are accepted.
    let (c, mut s) = connected(&pki);
    s.feed_ok(&client_record(
        &c,
        ContentType::Handshake,
        &with_header(24, &[0]),
    ));
    let next = next_secret(c.suite(), &c.log.must("CLIENT_TRAFFIC_SECRET_0"));
    let mut enc = encrypter(c.suite(), &next);
    s.feed_ok(&seal(&mut enc, ContentType::ApplicationData, b"fresh key"));
    assert_eq!(s.conn.plaintext_available(), 9);
}

#[test]
fn key_change_not_on_a_record_boundary() {
    // RFC 8446 §5.1: a message after a KeyUpdate must start a new record (it is
    // protected under the next key).
    let pki = ecdsa();
    let (c, mut s) = connected(&pki);
    let mut two = with_header(24, &[0]);
    two.extend(with_header(24, &[0]));
    let err = expect_sealed_alert(
        &mut s,
        &client_record(&c, ContentType::Handshake, &two),
        A::UnexpectedMessage,
    );
    assert!(err.to_string().contains("key change"), "{err}");
    // The same after the server's Finished: the application keys take over there.
    let f = open_flight(&pki, pki.client_config());
    let mut m = f.messages.clone();
    m[3].extend(with_header(24, &[0]));
    let err = f.refused(&[m.concat()], A::UnexpectedMessage);
    assert!(err.to_string().contains("key change"), "{err}");
}

#[test]
fn key_update_flood_is_refused() {
    let pki = ecdsa();
    let (c, mut s) = connected(&pki);
    let suite = c.suite();
    let mut secret = c.log.must("CLIENT_TRAFFIC_SECRET_0");
    let mut bytes = Vec::new();
    for _ in 0..100 {
        let mut enc = encrypter(suite, &secret);
        bytes.extend(seal(
            &mut enc,
            ContentType::Handshake,
            &with_header(24, &[0]),
        ));
        secret = next_secret(suite, &secret);
    }
    let err = expect_sealed_alert(&mut s, &bytes, A::UnexpectedMessage);
    assert!(matches!(err, Error::PeerMisbehaving(_)), "{err:?}");
}

#[test]
fn alerts_received() {
    let pki = ecdsa();
    // A fatal alert ends the connection and is not answered.
    let mut server = End::server(pki.server_config());
    let err = server.feed_err(&record(ContentType::Alert, &[2, 40]));
    assert_eq!(err, Error::AlertReceived(A::HandshakeFailure));
    assert!(!err.sends_alert());
    assert!(server.out().is_empty());
    // Malformed alerts: wrong length, unknown level.
    let mut server = End::server(pki.server_config());
    expect_plain_alert(
        &mut server,
        &record(ContentType::Alert, &[2, 40, 0]),
        A::DecodeError,
    );
    let mut server = End::server(pki.server_config());
    expect_plain_alert(
        &mut server,
        &record(ContentType::Alert, &[2]),
        A::DecodeError,
    );
    let mut server = End::server(pki.server_config());
    expect_plain_alert(
        &mut server,
        &record(ContentType::Alert, &[7, 0]),
        A::IllegalParameter,
    );
}

// ---------------------------------------------------------------------------------
// ClientHello contents

#[test]
fn duplicate_extension_in_client_hello() {
    let pki = ecdsa();
    for dup in [0usize, 1, 3] {
        let err = server_refuses_hello(
            &pki,
            |ch| {
                let e = ch.extensions.0[dup].clone();
                ch.extensions.0.push(e);
            },
            A::IllegalParameter,
        );
        assert!(matches!(err, Error::DuplicateExtension(_)), "{err:?}");
        assert!(err.to_string().starts_with("duplicate extension"), "{err}");
    }
    // Also for an extension we do not know.
    let err = server_refuses_hello(
        &pki,
        |ch| {
            for _ in 0..2 {
                ch.extensions.0.push(Extension::Unknown {
                    typ: 0xfe0d,
                    body: vec![1],
                });
            }
        },
        A::IllegalParameter,
    );
    assert_eq!(err, Error::DuplicateExtension(0xfe0d));
}

#[test]
fn unknown_extensions_in_client_hello_are_ignored() {
    let pki = ecdsa();
    let msg = client_hello_message(&pki);
    let mut ch = ClientHello::decode(&msg[4..]).unwrap();
    ch.extensions.0.insert(
        0,
        Extension::Unknown {
            typ: 0x0a0a, // GREASE
            body: vec![],
        },
    );
    let mut server = End::server(pki.server_config());
    server.feed_ok(&hs_record(&ch.encode()));
}

#[test]
fn client_hello_without_null_compression() {
    let pki = ecdsa();
    let err = server_refuses_hello(
        &pki,
        |ch| ch.compression_methods = vec![1],
        A::IllegalParameter,
    );
    assert_eq!(err, Error::CompressionRefused);
    assert!(
        err.to_string().contains("compression is refused by design"),
        "{err}"
    );
    // Null plus DEFLATE: TLS 1.3 allows exactly one method, null.
    let err = server_refuses_hello(
        &pki,
        |ch| ch.compression_methods = vec![1, 0],
        A::IllegalParameter,
    );
    assert!(err.to_string().contains("compression"), "{err}");
}

#[test]
fn tls12_only_client_hello_is_protocol_version() {
    let pki = ecdsa();
    let strip_versions = |ch: &mut ClientHello| {
        ch.extensions
            .0
            .retain(|e| !matches!(e, Extension::SupportedVersionsOffer(_)))
    };
    // No supported_versions: a TLS 1.2 ClientHello.
    let err = server_refuses_hello(&pki, strip_versions, A::ProtocolVersion);
    assert_eq!(err, Error::NoCommonVersion);
    assert!(err.to_string().contains("no protocol version in common"));
    // supported_versions with TLS 1.2 and 1.1 only.
    let err = server_refuses_hello(
        &pki,
        |ch| {
            for e in &mut ch.extensions.0 {
                if let Extension::SupportedVersionsOffer(v) = e {
                    *v = vec![ProtocolVersion::Tls12, ProtocolVersion::Tls11];
                }
            }
        },
        A::ProtocolVersion,
    );
    assert_eq!(err, Error::NoCommonVersion);
    // SSL 3.0: refused by design, with words that say so.
    let err = server_refuses_hello(
        &pki,
        |ch| {
            strip_versions(ch);
            ch.legacy_version = 0x0300;
        },
        A::ProtocolVersion,
    );
    assert_eq!(err, Error::VersionRefused(ProtocolVersion::Ssl3));
    assert!(err.to_string().contains("refused by design"), "{err}");
}

#[test]
fn client_hello_missing_or_bad_key_shares() {
    let pki = ecdsa();
    let err = server_refuses_hello(
        &pki,
        |ch| {
            ch.extensions
                .0
                .retain(|e| !matches!(e, Extension::SignatureAlgorithms(_)))
        },
        A::MissingExtension,
    );
    assert_eq!(err, Error::MissingExtension("signature_algorithms"));
    let err = server_refuses_hello(
        &pki,
        |ch| {
            ch.extensions
                .0
                .retain(|e| !matches!(e, Extension::KeyShareOffer(_)))
        },
        A::MissingExtension,
    );
    assert_eq!(err, Error::MissingExtension("key_share"));
    // Two shares for one group.
    let err = server_refuses_hello(
        &pki,
        |ch| {
            for e in &mut ch.extensions.0 {
                if let Extension::KeyShareOffer(v) = e {
                    let first = v[0].clone();
                    v.push(first);
                }
            }
        },
        A::IllegalParameter,
    );
    assert_eq!(err, Error::IllegalParameter("two key shares for one group"));
    // An x25519 share of the wrong length.
    let err = server_refuses_hello(
        &pki,
        |ch| {
            for e in &mut ch.extensions.0 {
                if let Extension::KeyShareOffer(v) = e {
                    v[0].share.pop();
                }
            }
        },
        A::IllegalParameter,
    );
    assert_eq!(err, Error::InvalidKeyShare(NamedGroup::X25519));
    // A P-256 share that is not on the curve.
    let mut config = pki.client_config();
    config.common.groups = vec![NamedGroup::secp256r1];
    let mut client = End::client(config);
    let rec = client.out();
    let mut ch = ClientHello::decode(&rec[9..]).unwrap();
    for e in &mut ch.extensions.0 {
        if let Extension::KeyShareOffer(v) = e {
            let last = v[0].share.len() - 1;
            v[0].share[last] ^= 1;
        }
    }
    let mut server = End::server(pki.server_config());
    let err = expect_plain_alert(&mut server, &hs_record(&ch.encode()), A::IllegalParameter);
    assert_eq!(err, Error::InvalidKeyShare(NamedGroup::secp256r1));
}

#[test]
fn client_hello_without_common_parameters() {
    let pki = ecdsa();
    let err = server_refuses_hello(
        &pki,
        |ch| ch.cipher_suites = vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
        A::HandshakeFailure,
    );
    assert_eq!(err, Error::NoCommonCipherSuite);
    let err = server_refuses_hello(
        &pki,
        |ch| {
            for e in &mut ch.extensions.0 {
                if let Extension::SignatureAlgorithms(v) = e {
                    *v = vec![SignatureScheme::ED25519];
                }
            }
        },
        A::HandshakeFailure,
    );
    assert_eq!(err, Error::NoCommonSignatureScheme);
}

// ---------------------------------------------------------------------------------
// ServerHello contents

/// A fresh client and the ServerHello record a real server answered it with; the
/// client is refused `edit`ed ServerHello.
fn client_refuses_server_hello(edit: impl FnOnce(&mut ServerHello), alert: A) -> Error {
    client_with_refuses_server_hello(|_| {}, edit, alert)
}

/// As [`client_refuses_server_hello`], with the client's configuration edited first.
fn client_with_refuses_server_hello(
    configure: impl FnOnce(&mut ClientConfig),
    edit: impl FnOnce(&mut ServerHello),
    alert: A,
) -> Error {
    let pki = ecdsa();
    let mut config = pki.client_config();
    configure(&mut config);
    let mut client = End::client(config);
    let mut server = End::server(pki.server_config());
    server.feed_ok(&client.out());
    let flight = server.out();
    let sh_rec = split_records(&flight).remove(0);
    let mut sh = ServerHello::decode(&sh_rec[9..]).unwrap();
    assert_eq!(sh.encode(), &sh_rec[5..], "ServerHello codec roundtrip");
    edit(&mut sh);
    expect_plain_alert(&mut client, &hs_record(&sh.encode()), alert)
}

#[test]
fn garbled_server_hello() {
    let err = client_refuses_server_hello(|sh| sh.legacy_version = 0x0302, A::IllegalParameter);
    assert!(err.to_string().contains("legacy_version"), "{err}");
    let err = client_refuses_server_hello(|sh| sh.session_id[0] ^= 1, A::IllegalParameter);
    assert!(err.to_string().contains("session id"), "{err}");
    let err = client_refuses_server_hello(|sh| sh.session_id.clear(), A::IllegalParameter);
    assert!(err.to_string().contains("session id"), "{err}");
    let err = client_refuses_server_hello(
        |sh| sh.cipher_suite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        A::IllegalParameter,
    );
    assert!(err.to_string().contains("did not offer"), "{err}");
    let err = client_refuses_server_hello(|sh| sh.compression_method = 1, A::IllegalParameter);
    assert!(err.to_string().contains("compression"), "{err}");
    // No supported_versions: a TLS 1.2 answer, which a TLS 1.3-only client refuses.
    let err = client_refuses_server_hello(
        |sh| {
            sh.extensions
                .0
                .retain(|e| !matches!(e, Extension::SupportedVersionSelected(_)))
        },
        A::ProtocolVersion,
    );
    assert_eq!(err, Error::NoCommonVersion);
}

#[test]
fn server_hello_selecting_tls12_in_supported_versions() {
    // RFC 8446 §4.2.1: a ServerHello whose supported_versions names a version before
    // TLS 1.3 is illegal_parameter, whatever versions the client offered.
    let err = client_refuses_server_hello(
        |sh| {
            for e in &mut sh.extensions.0 {
                if let Extension::SupportedVersionSelected(v) = e {
                    *v = ProtocolVersion::Tls12;
                }
            }
        },
        A::IllegalParameter,
    );
    assert!(err.to_string().contains("version"), "{err}");
    // Likewise a version we never offered.
    let err = client_refuses_server_hello(
        |sh| {
            for e in &mut sh.extensions.0 {
                if let Extension::SupportedVersionSelected(v) = e {
                    *v = ProtocolVersion::Unknown(0x0305);
                }
            }
        },
        A::IllegalParameter,
    );
    assert!(err.to_string().contains("version"), "{err}");
}

#[test]
fn server_hello_key_share_problems() {
    let err = client_refuses_server_hello(
        |sh| {
            sh.extensions
                .0
                .retain(|e| !matches!(e, Extension::KeyShareEntry(_)))
        },
        A::MissingExtension,
    );
    assert!(err.to_string().contains("key_share"), "{err}");
    let err = client_refuses_server_hello(
        |sh| {
            for e in &mut sh.extensions.0 {
                if let Extension::KeyShareEntry(k) = e {
                    k.group = NamedGroup::secp256r1;
                }
            }
        },
        A::IllegalParameter,
    );
    assert!(err.to_string().contains("did not send"), "{err}");
    let err = client_refuses_server_hello(
        |sh| {
            for e in &mut sh.extensions.0 {
                if let Extension::KeyShareEntry(k) = e {
                    k.share.truncate(31);
                }
            }
        },
        A::IllegalParameter,
    );
    assert_eq!(err, Error::InvalidKeyShare(NamedGroup::X25519));
    // The all-zero x25519 point gives an all-zero shared secret (RFC 7748 §6.1).
    let err = client_refuses_server_hello(
        |sh| {
            for e in &mut sh.extensions.0 {
                if let Extension::KeyShareEntry(k) = e {
                    k.share = vec![0; 32];
                }
            }
        },
        A::IllegalParameter,
    );
    assert_eq!(err, Error::InvalidKeyShare(NamedGroup::X25519));
}

#[test]
fn unknown_extension_in_server_hello() {
    // RFC 8446 §4.2: an extension the client did not offer (here one nobody knows) is
    // unsupported_extension.
    let err = client_refuses_server_hello(
        |sh| {
            sh.extensions.0.push(Extension::Unknown {
                typ: 0xfe00,
                body: vec![1, 2],
            })
        },
        A::UnsupportedExtension,
    );
    assert_eq!(err, Error::UnsupportedExtension(0xfe00));
    // So is an ALPN answer we did not ask for.
    let err = client_refuses_server_hello(
        |sh| sh.extensions.0.push(Extension::Alpn(vec![b"h2".to_vec()])),
        A::UnsupportedExtension,
    );
    assert_eq!(err, Error::UnsupportedExtension(16));
    // A known extension that no ServerHello may carry is illegal_parameter (§4.2).
    let err = client_refuses_server_hello(
        |sh| {
            sh.extensions.0.push(Extension::SignatureAlgorithms(vec![
                SignatureScheme::ED25519,
            ]))
        },
        A::IllegalParameter,
    );
    assert!(
        matches!(err, Error::ExtensionNotAllowed { typ: 13, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("not allowed in ServerHello"),
        "{err}"
    );
    // A duplicate one too.
    let err = client_refuses_server_hello(
        |sh| {
            let first = sh.extensions.0[0].clone();
            sh.extensions.0.push(first);
        },
        A::IllegalParameter,
    );
    assert!(matches!(err, Error::DuplicateExtension(_)), "{err:?}");
}

#[test]
fn offered_extension_in_the_wrong_tls13_message() {
    // RFC 8446 §4.2: "If an implementation receives an extension which it recognizes
    // and which is not specified for the message in which it appears, it MUST abort
    // the handshake with an illegal_parameter alert." ALPN belongs in
    // EncryptedExtensions in TLS 1.3; here we offered it, so it is no surprise reply.
    let err = client_with_refuses_server_hello(
        |c| c.common.alpn_protocols = vec![b"h2".to_vec()],
        |sh| sh.extensions.0.push(Extension::Alpn(vec![b"h2".to_vec()])),
        A::IllegalParameter,
    );
    assert!(err.to_string().contains("ServerHello"), "{err}");
}

#[test]
fn truncated_server_hello() {
    let pki = ecdsa();
    let mut probe_client = End::client(pki.client_config());
    let mut probe_server = End::server(pki.server_config());
    probe_server.feed_ok(&probe_client.out());
    let sh_rec = split_records(&probe_server.out()).remove(0);
    let sh_len = sh_rec.len() - 9;
    // Where the optional extensions block starts: a ServerHello ending there is a
    // well-formed TLS 1.2 answer.
    let no_extensions = 35 + usize::from(sh_rec[9 + 34]) + 3;
    for cut in 0..sh_len {
        let mut client = End::client(pki.client_config());
        let mut server = End::server(pki.server_config());
        server.feed_ok(&client.out());
        let sh_rec = split_records(&server.out()).remove(0);
        let bytes = hs_record(&with_header(2, &sh_rec[9..9 + cut]));
        if cut == no_extensions {
            let err = expect_plain_alert(&mut client, &bytes, A::ProtocolVersion);
            assert_eq!(err, Error::NoCommonVersion);
        } else {
            let err = expect_plain_alert(&mut client, &bytes, A::DecodeError);
            assert!(matches!(err, Error::Decode { .. }), "cut {cut}: {err:?}");
        }
    }
}

#[test]
fn hello_retry_request_problems() {
    let pki = ecdsa();
    // The client's x25519 share does not suit a P-384-only server.
    let retry_pair = || {
        let mut cc = pki.client_config();
        cc.common.groups = vec![NamedGroup::X25519, NamedGroup::secp384r1];
        let mut sc = pki.server_config();
        sc.common.groups = vec![NamedGroup::secp384r1];
        let mut client = End::client(cc);
        let mut server = End::server(sc);
        server.feed_ok(&client.out());
        let hrr = split_records(&server.out()).remove(0);
        assert!(ServerHello::decode(&hrr[9..])
            .unwrap()
            .is_hello_retry_request());
        (client, hrr)
    };
    // A second HelloRetryRequest.
    let (mut client, hrr) = retry_pair();
    client.feed_ok(&hrr);
    let err = expect_alert(&mut client, &hrr, A::UnexpectedMessage);
    assert!(
        err.to_string().contains("second HelloRetryRequest"),
        "{err}"
    );
    // One naming a group we did not offer, or one we already sent a share for.
    for (group, words) in [
        (NamedGroup::secp256r1, "did not offer"),
        (NamedGroup::X25519, "already sent"),
    ] {
        let (mut client, hrr) = retry_pair();
        let mut msg = ServerHello::decode(&hrr[9..]).unwrap();
        for e in &mut msg.extensions.0 {
            if let Extension::KeyShareRetry(g) = e {
                *g = group;
            }
        }
        let err = expect_plain_alert(&mut client, &hs_record(&msg.encode()), A::IllegalParameter);
        assert!(err.to_string().contains(words), "{err}");
    }
    // One that would not change anything.
    let (mut client, hrr) = retry_pair();
    let mut msg = ServerHello::decode(&hrr[9..]).unwrap();
    msg.extensions
        .0
        .retain(|e| !matches!(e, Extension::KeyShareRetry(_)));
    let err = expect_plain_alert(&mut client, &hs_record(&msg.encode()), A::IllegalParameter);
    assert!(err.to_string().contains("would not change"), "{err}");
}

#[test]
fn second_client_hello_that_differs_from_the_first() {
    // RFC 8446 §4.1.2: after a HelloRetryRequest only key_share, cookie and padding may
    // change.
    let pki = ecdsa();
    let edits: [fn(&mut ClientHello); 3] = [
        |ch| ch.random[0] ^= 1,
        |ch| ch.cipher_suites.reverse(),
        |ch| {
            ch.extensions
                .0
                .retain(|e| !matches!(e, Extension::ServerName(_)))
        },
    ];
    for edit in edits {
        let mut cc = pki.client_config();
        cc.common.groups = vec![NamedGroup::X25519, NamedGroup::secp384r1];
        let mut sc = pki.server_config();
        sc.common.groups = vec![NamedGroup::secp384r1];
        let mut client = End::client(cc);
        let mut server = End::server(sc);
        server.feed_ok(&client.out());
        client.feed_ok(&server.out());
        // The client's answer: change_cipher_spec, then the second ClientHello.
        let mut recs = split_records(&client.out());
        assert_eq!(recs[0], [20, 3, 3, 0, 1, 1]);
        let mut ch2 = ClientHello::decode(&recs[1][9..]).unwrap();
        edit(&mut ch2);
        recs[1] = hs_record(&ch2.encode());
        let err = expect_plain_alert(&mut server, &recs.concat(), A::IllegalParameter);
        assert!(err.to_string().contains("differs from the first"), "{err}");
    }
}

#[test]
fn second_client_hello_that_ignores_the_retry() {
    // After a HelloRetryRequest for P-384, the client sends its x25519 hello again.
    let pki = ecdsa();
    let mut cc = pki.client_config();
    cc.common.groups = vec![NamedGroup::X25519, NamedGroup::secp384r1];
    let mut sc = pki.server_config();
    sc.common.groups = vec![NamedGroup::secp384r1];
    let mut client = End::client(cc);
    let mut server = End::server(sc);
    let first = client.out();
    server.feed_ok(&first);
    server.out();
    let err = expect_plain_alert(&mut server, &first, A::IllegalParameter);
    assert!(
        err.to_string().contains("lacks the requested key share"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------
// The server's protected flight, opened and re-sealed with logged secrets

/// A real server flight for a fresh client, opened with the server's logged secret.
struct Flight {
    client: End,
    server: End,
    /// ServerHello and change_cipher_spec records, as sent.
    clear: Vec<u8>,
    /// The protected handshake messages, header included.
    messages: Vec<Vec<u8>>,
    suite: Tls13Suite,
    secret: Vec<u8>,
}

fn open_flight(pki: &TestPki, client_config: ClientConfig) -> Flight {
    let mut client = End::client(client_config);
    let mut server = End::server(pki.server_config());
    server.feed_ok(&client.out());
    let flight = server.out();
    let suite = server.suite();
    let secret = server.log.must("SERVER_HANDSHAKE_TRAFFIC_SECRET");
    let mut dec = decrypter(suite, &secret);
    let mut clear = Vec::new();
    let mut payload = Vec::new();
    for rec in split_records(&flight) {
        if rec[0] == 23 {
            use lucidtls::record::RecordDecrypter;
            let plain = dec.decrypt(opaque(&rec)).unwrap();
            assert_eq!(plain.typ, ContentType::Handshake);
            payload.extend(plain.payload);
        } else {
            clear.extend(rec);
        }
    }
    let messages = split_messages(&payload);
    let types: Vec<u8> = messages.iter().map(|m| m[0]).collect();
    assert_eq!(
        types,
        [8, 11, 15, 20],
        "EncryptedExtensions, Certificate, CertificateVerify, Finished"
    );
    Flight {
        client,
        server,
        clear,
        messages,
        suite,
        secret,
    }
}

impl Flight {
    /// The flight with `messages` protected again, one record each.
    fn seal(&self, messages: &[Vec<u8>]) -> Vec<u8> {
        let mut enc = encrypter(self.suite, &self.secret);
        let mut out = self.clear.clone();
        for m in messages {
            out.extend(seal(&mut enc, ContentType::Handshake, m));
        }
        out
    }

    /// Feeds the re-sealed, edited flight to the client and expects `alert`.
    fn refused(mut self, messages: &[Vec<u8>], alert: A) -> Error {
        let bytes = self.seal(messages);
        let err = expect_sealed_alert(&mut self.client, &bytes, alert);
        // The server reads the alert with the client handshake secret.
        let sent = self.client.sent.clone();
        let hello_len = split_records(&sent)[0].len();
        let got = self.server.feed_err(&sent[hello_len..]);
        assert_eq!(got, Error::AlertReceived(alert));
        err
    }
}

#[test]
fn control_resealed_flight_completes_the_handshake() {
    for suite in ALL_SUITES {
        let pki = ecdsa();
        let mut cc = pki.client_config();
        cc.common.cipher_suites = vec![suite];
        let mut f = open_flight(&pki, cc);
        let bytes = f.seal(&f.messages);
        f.client.feed_ok(&bytes);
        // The same messages in one record, or cut across records, are fine too.
        assert!(!f.client.conn.is_handshaking());
        let finished = f.client.out();
        f.server.feed_ok(&finished);
        assert!(!f.server.conn.is_handshaking());
        let pki = ecdsa();
        let mut f = open_flight(&pki, pki.client_config());
        let all: Vec<u8> = f.messages.concat();
        let pieces = vec![
            all[..10].to_vec(),
            all[10..all.len() - 3].to_vec(),
            all[all.len() - 3..].to_vec(),
        ];
        let bytes = f.seal(&pieces);
        f.client.feed_ok(&bytes);
        assert!(!f.client.conn.is_handshaking());
    }
}

#[test]
fn bad_server_finished_is_decrypt_error() {
    for (byte, bit) in [(4usize, 0x01u8), (20, 0x80), (35, 0x10)] {
        let pki = ecdsa();
        let f = open_flight(&pki, pki.client_config());
        let mut m = f.messages.clone();
        m[3][byte] ^= bit;
        let err = f.refused(&m, A::DecryptError);
        assert_eq!(err, Error::BadFinished);
        assert!(err.to_string().contains("Finished did not verify"), "{err}");
    }
    // A Finished of the wrong length does not verify either.
    let pki = ecdsa();
    let f = open_flight(&pki, pki.client_config());
    let mut m = f.messages.clone();
    m[3] = with_header(20, &m[3][4..35]);
    assert_eq!(f.refused(&m, A::DecryptError), Error::BadFinished);
}

#[test]
fn bad_client_finished_is_decrypt_error() {
    let pki = ecdsa();
    let mut c = End::client(pki.client_config());
    let mut s = End::server(pki.server_config());
    s.feed_ok(&c.out());
    c.feed_ok(&s.out());
    let second = c.out();
    let suite = c.suite();
    let secret = c.log.must("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let mut dec = decrypter(suite, &secret);
    let mut enc = encrypter(suite, &secret);
    let mut bytes = Vec::new();
    for rec in split_records(&second) {
        if rec[0] == 23 {
            use lucidtls::record::RecordDecrypter;
            let mut plain = dec.decrypt(opaque(&rec)).unwrap();
            assert_eq!(plain.payload[0], 20, "client Finished");
            plain.payload[10] ^= 0x04;
            let fin = Finished::decode(&plain.payload[4..]).unwrap();
            assert_eq!(fin.verify_data.len(), 32);
            bytes.extend(seal(&mut enc, ContentType::Handshake, &plain.payload));
        } else {
            bytes.extend(rec);
        }
    }
    let err = expect_sealed_alert(&mut s, &bytes, A::DecryptError);
    assert_eq!(err, Error::BadFinished);
    // Our alert reaches the client (protected with the server's application key).
    let err = c.feed_err(&s.sent[s.sent.len() - 24..]);
    assert_eq!(err, Error::AlertReceived(A::DecryptError));
}

#[test]
fn bad_certificate_verify_signature_is_decrypt_error() {
    for kind in [KeyKind::EcdsaP256, KeyKind::Ed25519, KeyKind::Rsa2048] {
        let pki = pki(kind);
        let f = open_flight(&pki, pki.client_config());
        let mut m = f.messages.clone();
        let last = m[2].len() - 1;
        m[2][last] ^= 0x01;
        let err = f.refused(&m, A::DecryptError);
        assert_eq!(err, Error::BadSignature, "{kind:?}");
        assert!(
            err.to_string().contains("signature did not verify"),
            "{err}"
        );
    }
}

#[test]
fn certificate_verify_with_a_scheme_we_did_not_offer() {
    let pki = ecdsa();
    let f = open_flight(&pki, pki.client_config());
    let mut m = f.messages.clone();
    // rsa_pkcs1_sha1 (0x0201): never offered, and forbidden in TLS 1.3.
    m[2][4] = 0x02;
    m[2][5] = 0x01;
    let err = f.refused(&m, A::IllegalParameter);
    assert!(matches!(err, Error::IllegalParameter(_)), "{err:?}");
}

#[test]
fn server_flight_in_the_wrong_order() {
    let pki = ecdsa();
    // (messages by index into [EE, Certificate, CertificateVerify, Finished], expected)
    let cases: [(&[usize], &str); 5] = [
        (&[1, 2, 3], "expected EncryptedExtensions"),
        (&[0, 2, 3], "expected Certificate"),
        (&[0, 1, 3], "expected CertificateVerify"),
        (&[0, 1, 0, 2, 3], "expected CertificateVerify"),
        (&[0, 0, 1, 2, 3], "expected Certificate"),
    ];
    for (order, words) in cases {
        let f = open_flight(&pki, pki.client_config());
        let m: Vec<Vec<u8>> = order.iter().map(|i| f.messages[*i].clone()).collect();
        let err = f.refused(&m, A::UnexpectedMessage);
        assert!(err.to_string().contains(words), "{order:?}: {err}");
    }
    // A KeyUpdate in the middle of the handshake.
    let f = open_flight(&pki, pki.client_config());
    let mut m = f.messages.clone();
    m.insert(1, with_header(24, &[0]));
    f.refused(&m, A::UnexpectedMessage);
}

#[test]
fn encrypted_extensions_problems() {
    let pki = ecdsa();
    // An ALPN answer we never asked for, and an unknown extension.
    let cases: [(Extension, A); 3] = [
        (Extension::Alpn(vec![b"h2".to_vec()]), A::IllegalParameter),
        (
            Extension::Unknown {
                typ: 0xfe01,
                body: vec![],
            },
            A::UnsupportedExtension,
        ),
        (
            Extension::KeyShareEntry(KeyShareEntry {
                group: NamedGroup::X25519,
                share: vec![9; 32],
            }),
            A::IllegalParameter,
        ),
    ];
    for (ext, alert) in cases {
        let f = open_flight(&pki, pki.client_config());
        let mut m = f.messages.clone();
        let mut exts = Extensions::default();
        exts.0.push(ext);
        let mut body = Vec::new();
        exts.encode(&mut body);
        m[0] = with_header(8, &body);
        f.refused(&m, alert);
    }
}

#[test]
fn empty_server_certificate_is_decode_error() {
    let pki = ecdsa();
    let f = open_flight(&pki, pki.client_config());
    let mut m = f.messages.clone();
    m[1] = with_header(11, &[0, 0, 0, 0]);
    let err = f.refused(&m, A::DecodeError);
    assert!(
        err.to_string().contains("empty server Certificate"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------
// Certificate checks

fn other_ca_roots() -> Arc<RootStore> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "some other CA");
    let ca = p.self_signed(&key).unwrap();
    let mut roots = RootStore::empty();
    roots.add_der(ca.der()).unwrap();
    Arc::new(roots)
}

/// The client refuses the server's certificate with `check`; the alert goes out
/// protected and the server reads it.
fn certificate_refused(
    server_pki: &TestPki,
    client_config: ClientConfig,
    name: &str,
    check: CertificateCheck,
    alert: A,
) -> Error {
    let mut client = End::client_named(client_config, name);
    let mut server = End::server(server_pki.server_config());
    server.feed_ok(&client.out());
    let flight = server.out();
    let err = expect_sealed_alert(&mut client, &flight, alert);
    match &err {
        Error::Certificate { check: c, .. } => assert_eq!(*c, check, "{err}"),
        other => panic!("expected a certificate error, got {other:?}"),
    }
    let hello_len = split_records(&client.sent)[0].len();
    let got = server.feed_err(&client.sent[hello_len..]);
    assert_eq!(got, Error::AlertReceived(alert));
    err
}

#[test]
fn unknown_ca() {
    let pki = ecdsa();
    // A CA with another name: no issuer found.
    let config = ClientConfig::with_roots(lucidtls_aws_lc::provider(), other_ca_roots());
    let err = certificate_refused(
        &pki,
        config,
        "localhost",
        CertificateCheck::ChainToTrustAnchor,
        A::UnknownCa,
    );
    assert!(err.to_string().contains("chain to a trust anchor"), "{err}");
    // A CA with the same name but another key: the issuer's signature fails.
    let impostor = ecdsa();
    let err = certificate_refused(
        &pki,
        impostor.client_config(),
        "localhost",
        CertificateCheck::ChainToTrustAnchor,
        A::UnknownCa,
    );
    assert!(err.to_string().contains("chain to a trust anchor"), "{err}");
}

#[test]
fn wrong_host_name() {
    let pki = ecdsa();
    let err = certificate_refused(
        &pki,
        pki.client_config(),
        "example.com",
        CertificateCheck::Name,
        A::BadCertificate,
    );
    assert!(err.to_string().contains("host name"), "{err}");
    assert!(err.to_string().contains("example.com"), "{err}");
    // An IP address the certificate does not name.
    let err = certificate_refused(
        &pki,
        pki.client_config(),
        "127.0.0.2",
        CertificateCheck::Name,
        A::BadCertificate,
    );
    assert!(err.to_string().contains("127.0.0.2"), "{err}");
}

#[test]
fn expired_and_not_yet_valid_certificates() {
    let expired = pki_with(KeyKind::EcdsaP256, |p| {
        p.not_before = rcgen::date_time_ymd(2000, 1, 1);
        p.not_after = rcgen::date_time_ymd(2001, 1, 1);
    });
    let err = certificate_refused(
        &expired,
        expired.client_config(),
        "localhost",
        CertificateCheck::Expired,
        A::CertificateExpired,
    );
    assert!(err.to_string().contains("expired"), "{err}");

    let future = pki_with(KeyKind::Ed25519, |p| {
        p.not_before = rcgen::date_time_ymd(2090, 1, 1);
        p.not_after = rcgen::date_time_ymd(2091, 1, 1);
    });
    let err = certificate_refused(
        &future,
        future.client_config(),
        "localhost",
        CertificateCheck::NotYetValid,
        A::CertificateExpired,
    );
    assert!(err.to_string().contains("not valid before"), "{err}");
}

#[test]
fn certificate_for_the_wrong_purpose() {
    // A leaf allowed only for client authentication.
    let pki = pki_with(KeyKind::EcdsaP256, |p| {
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    });
    certificate_refused(
        &pki,
        pki.client_config(),
        "localhost",
        CertificateCheck::KeyUsage,
        A::BadCertificate,
    );
}
