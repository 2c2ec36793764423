//! TLS 1.2 tools for the hostile-input and side-channel tests:
//!
//! - [`End12`]: one lucidtls connection that remembers every byte it sent and
//!   received, with its master secret in a key log;
//! - [`Keys12`]: the TLS 1.2 key schedule computed from outside the library (from
//!   the key log, or from a pre-master secret the test chose), giving record
//!   protection for either direction and Finished values;
//! - flight surgery: [`messages`] / [`flight`] to take a plaintext flight apart
//!   into handshake messages and put it back, [`resign_ske`] to re-sign edited
//!   ServerKeyExchange parameters with the server's own key;
//! - shared test PKIs ([`rsa_pki`], [`ecdsa_pki`]), generated once per test binary.
#![allow(dead_code)]

use super::pair::{pki, KeyKind, TestPki};
use super::peers::{opaque, record, split_messages, split_records, SecretLog};
use lucidtls::crypto::{CryptoProvider, Secret, SigningKey};
use lucidtls::enums::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, HandshakeType, ProtocolVersion,
    SignatureScheme,
};
use lucidtls::keys::tls12::{self as ks, KeyBlock};
use lucidtls::msgs::{
    tls12_ske_signed_content, ClientHello, Extension, HandshakeBody, ServerHello, ServerKeyExchange,
};
use lucidtls::record::{
    PlainRecord, RecordDecrypter, RecordEncrypter, Tls12AeadDecrypter, Tls12AeadEncrypter,
    Tls12AeadKind, Tls12CbcDecrypter, Tls12CbcEncrypter,
};
use lucidtls::suites::{tls12_suite, Bulk, Policy, Tls12Suite};
use lucidtls::{ClientConfig, Connection, Error, ServerConfig, Side};
use std::sync::{Arc, OnceLock};

// ---------------------------------------------------------------------------------
// PKIs and configurations

/// An RSA-2048 PKI shared by every test of the binary (RSA key generation is slow).
pub fn rsa_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| pki(KeyKind::Rsa2048))
}

/// An ECDSA P-256 PKI shared by every test of the binary.
pub fn ecdsa_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| pki(KeyKind::EcdsaP256))
}

/// A TLS 1.2-only client under the `compatible` policy, offering exactly `suites`
/// (the policy's suites when empty).
pub fn client12(pki: &TestPki, suites: &[CipherSuite]) -> ClientConfig {
    let mut cc = pki.client_config();
    cc.common.set_policy(Policy::Compatible);
    cc.common.versions = vec![ProtocolVersion::Tls12];
    // The hostile-input tests take the full handshake apart: no session tickets.
    cc.resumption = false;
    if !suites.is_empty() {
        cc.common.cipher_suites = suites.to_vec();
    }
    cc
}

/// A server (TLS 1.3 and 1.2) under the `compatible` policy.
pub fn server12(pki: &TestPki) -> ServerConfig {
    let mut sc = pki.server_config();
    sc.common.set_policy(Policy::Compatible);
    sc
}

/// The server's signing key, loaded from the PKI (to re-sign edited parameters).
pub fn signing_key(pki: &TestPki) -> Arc<dyn SigningKey> {
    lucidtls_aws_lc::provider()
        .load_signing_key(&pki.key)
        .expect("load signing key")
}

// ---------------------------------------------------------------------------------
// Flights and messages

/// A handshake message with its 4-byte header.
pub fn with_header(typ: HandshakeType, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap().to_be_bytes();
    let mut out = vec![typ.to_wire(), len[1], len[2], len[3]];
    out.extend_from_slice(body);
    out
}

/// The body of a whole handshake message.
pub fn body(message: &[u8]) -> &[u8] {
    &message[4..]
}

/// The type of a whole handshake message.
pub fn typ(message: &[u8]) -> HandshakeType {
    HandshakeType::from_wire(message[0])
}

/// The handshake messages carried by the plaintext handshake records of `stream`,
/// up to its first change_cipher_spec.
pub fn messages(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut joined = Vec::new();
    for rec in split_records(stream) {
        match ContentType::from_wire(rec[0]) {
            ContentType::Handshake => joined.extend_from_slice(&rec[5..]),
            ContentType::ChangeCipherSpec => break,
            _ => {}
        }
    }
    split_messages(&joined)
}

/// Each message in its own plaintext handshake record.
pub fn flight(messages: &[Vec<u8>]) -> Vec<u8> {
    messages
        .iter()
        .flat_map(|m| record(ContentType::Handshake, m))
        .collect()
}

/// A plaintext handshake record holding `message`.
pub fn hs_record(message: &[u8]) -> Vec<u8> {
    record(ContentType::Handshake, message)
}

/// The unprotected ChangeCipherSpec record.
pub fn ccs_record() -> Vec<u8> {
    record(ContentType::ChangeCipherSpec, &[1])
}

/// Index of the first message of type `t`.
pub fn position(messages: &[Vec<u8>], t: HandshakeType) -> usize {
    messages
        .iter()
        .position(|m| typ(m) == t)
        .unwrap_or_else(|| panic!("no {t} in the flight"))
}

/// The ClientHello in a client's stream.
pub fn client_hello_in(stream: &[u8]) -> ClientHello {
    let msgs = messages(stream);
    let ch = msgs
        .iter()
        .find(|m| typ(m) == HandshakeType::ClientHello)
        .expect("a ClientHello");
    ClientHello::decode(body(ch)).expect("ClientHello decodes")
}

/// The ServerHello in a server's stream.
pub fn server_hello_in(stream: &[u8]) -> ServerHello {
    let msgs = messages(stream);
    let sh = msgs
        .iter()
        .find(|m| typ(m) == HandshakeType::ServerHello)
        .expect("a ServerHello");
    ServerHello::decode(body(sh)).expect("ServerHello decodes")
}

/// A ServerKeyExchange over `params` (already encoded), signed with `key` and
/// `scheme` over both randoms, as a whole message.
pub fn resign_ske(
    key: &dyn SigningKey,
    scheme: SignatureScheme,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    params: Vec<u8>,
) -> Vec<u8> {
    let content = tls12_ske_signed_content(client_random, server_random, &params);
    let signature = key.sign(scheme, &content).expect("sign");
    ServerKeyExchange {
        params_bytes: params,
        scheme,
        signature,
    }
    .encode()
}

// ---------------------------------------------------------------------------------
// Keys

/// The TLS 1.2 key schedule of one session, computed by the test.
pub struct Keys12 {
    pub suite: Tls12Suite,
    pub master: Secret,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub encrypt_then_mac: bool,
}

impl Keys12 {
    /// From a master secret.
    pub fn new(
        suite: CipherSuite,
        master: &[u8],
        client_random: [u8; 32],
        server_random: [u8; 32],
        encrypt_then_mac: bool,
    ) -> Self {
        Self {
            suite: tls12_suite(suite).expect("a TLS 1.2 suite"),
            master: Secret::from_slice(master),
            client_random,
            server_random,
            encrypt_then_mac,
        }
    }

    /// From a pre-master secret: the extended master secret over `session_hash`
    /// (RFC 7627) when given, else the classic one over the randoms.
    pub fn from_premaster(
        suite: CipherSuite,
        pre_master_secret: &[u8],
        session_hash: Option<&[u8]>,
        client_random: [u8; 32],
        server_random: [u8; 32],
    ) -> Self {
        let s = tls12_suite(suite).expect("a TLS 1.2 suite");
        let hash = lucidtls_aws_lc::provider().hash(s.prf);
        let pms = Secret::from_slice(pre_master_secret);
        let master = match session_hash {
            Some(h) => ks::extended_master_secret(hash, &pms, h),
            None => ks::master_secret(hash, &pms, &client_random, &server_random),
        };
        Self::new(suite, master.expose(), client_random, server_random, false)
    }

    fn provider() -> Arc<dyn CryptoProvider> {
        lucidtls_aws_lc::provider()
    }

    /// The key block.
    pub fn key_block(&self) -> KeyBlock {
        let (mac, enc, iv) = match self.suite.bulk {
            Bulk::Aead(alg) => (
                0,
                alg.key_len(),
                Tls12AeadKind::for_algorithm(alg).fixed_iv_len(),
            ),
            Bulk::Cbc(alg) => (alg.mac_len(), alg.enc_key_len(), 0),
        };
        KeyBlock::derive(
            Self::provider().hash(self.suite.prf),
            &self.master,
            &self.server_random,
            &self.client_random,
            mac,
            enc,
            iv,
        )
    }

    /// (MAC key, encryption key, fixed IV) of what `writer` sends.
    pub fn write_keys(&self, writer: Side) -> (Secret, Secret, Secret) {
        let kb = self.key_block();
        match writer {
            Side::Client => (kb.client_mac_key, kb.client_key, kb.client_iv),
            Side::Server => (kb.server_mac_key, kb.server_key, kb.server_iv),
        }
    }

    /// Protection for records `writer` sends, starting at sequence number 0.
    pub fn encrypter(&self, writer: Side) -> Box<dyn RecordEncrypter> {
        let p = Self::provider();
        let (mac, key, iv) = self.write_keys(writer);
        match self.suite.bulk {
            Bulk::Aead(alg) => Box::new(
                Tls12AeadEncrypter::new(
                    p.aead(alg).key(key.expose()).unwrap(),
                    iv.expose(),
                    Tls12AeadKind::for_algorithm(alg),
                )
                .unwrap(),
            ),
            Bulk::Cbc(alg) => Box::new(Tls12CbcEncrypter::new(
                p.cbc(alg).unwrap().key(key.expose(), mac.expose()).unwrap(),
                alg,
                self.encrypt_then_mac,
                p.clone(),
            )),
        }
    }

    /// Protection for records `writer` sends, at sequence number `seq`.
    pub fn encrypter_at(&self, writer: Side, seq: u64) -> Box<dyn RecordEncrypter> {
        let mut enc = self.encrypter(writer);
        let mut sink = Vec::new();
        for _ in 0..seq {
            enc.encrypt(ContentType::ApplicationData, b"", &mut sink)
                .unwrap();
        }
        assert_eq!(enc.sequence(), seq);
        enc
    }

    /// One protected record from `writer` at sequence number `seq`.
    pub fn seal(&self, writer: Side, seq: u64, typ: ContentType, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.encrypter_at(writer, seq)
            .encrypt(typ, payload, &mut out)
            .unwrap();
        out
    }

    /// Unprotection for records `writer` sends, starting at sequence number 0.
    pub fn decrypter(&self, writer: Side) -> Box<dyn RecordDecrypter> {
        let p = Self::provider();
        let (mac, key, iv) = self.write_keys(writer);
        match self.suite.bulk {
            Bulk::Aead(alg) => Box::new(
                Tls12AeadDecrypter::new(
                    p.aead(alg).key(key.expose()).unwrap(),
                    iv.expose(),
                    Tls12AeadKind::for_algorithm(alg),
                )
                .unwrap(),
            ),
            Bulk::Cbc(alg) => Box::new(Tls12CbcDecrypter::new(
                p.cbc(alg).unwrap().key(key.expose(), mac.expose()).unwrap(),
                alg,
                self.encrypt_then_mac,
            )),
        }
    }

    /// The Finished verify_data `sender` sends over `handshake_hash`.
    pub fn verify_data(&self, sender: Side, handshake_hash: &[u8]) -> [u8; 12] {
        let label = match sender {
            Side::Client => ks::CLIENT_FINISHED_LABEL,
            Side::Server => ks::SERVER_FINISHED_LABEL,
        };
        ks::finished_verify_data(
            Self::provider().hash(self.suite.prf),
            &self.master,
            label,
            handshake_hash,
        )
    }

    /// Every record `writer` sent in `stream`: plaintext up to and including its
    /// ChangeCipherSpec, opened with `writer`'s keys after it. Stops at the first
    /// record that does not open.
    pub fn open_stream(&self, stream: &[u8], writer: Side) -> Vec<PlainRecord> {
        open_stream(stream, Some(self), writer)
    }
}

/// As [`Keys12::open_stream`], failing (stopping) at the first protected record if
/// `keys` is `None`.
fn open_stream(stream: &[u8], keys: Option<&Keys12>, writer: Side) -> Vec<PlainRecord> {
    let mut out = Vec::new();
    let mut dec: Option<Box<dyn RecordDecrypter>> = None;
    for rec in split_records(stream) {
        if rec.len() < 5 {
            break;
        }
        let op = opaque(&rec);
        match dec.as_mut() {
            None => {
                let is_ccs = op.typ == ContentType::ChangeCipherSpec;
                out.push(PlainRecord {
                    typ: op.typ,
                    payload: op.payload,
                });
                if is_ccs {
                    match keys {
                        Some(k) => dec = Some(k.decrypter(writer)),
                        None => break,
                    }
                }
            }
            Some(d) => match d.decrypt(op) {
                Ok(p) => out.push(p),
                Err(_) => break,
            },
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// One end

/// One lucidtls end, remembering every byte both ways, its master secret logged.
pub struct End12 {
    pub conn: Connection,
    pub sent: Vec<u8>,
    pub received: Vec<u8>,
    pub log: Arc<SecretLog>,
    pub side: Side,
}

impl End12 {
    pub fn client(mut config: ClientConfig) -> Self {
        let log = SecretLog::new();
        config.common.key_log = Some(log.clone());
        Self {
            conn: Connection::client(Arc::new(config), super::pair::localhost()).unwrap(),
            sent: Vec::new(),
            received: Vec::new(),
            log,
            side: Side::Client,
        }
    }

    pub fn server(mut config: ServerConfig) -> Self {
        let log = SecretLog::new();
        config.common.key_log = Some(log.clone());
        Self {
            conn: Connection::server(Arc::new(config)).unwrap(),
            sent: Vec::new(),
            received: Vec::new(),
            log,
            side: Side::Server,
        }
    }

    /// Takes what the connection queued, remembering it.
    pub fn out(&mut self) -> Vec<u8> {
        let bytes = self.conn.take_tls();
        self.sent.extend_from_slice(&bytes);
        bytes
    }

    /// Feeds bytes and processes them; the first error, if any.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.received.extend_from_slice(bytes);
        let mut offset = 0;
        while offset < bytes.len() {
            let n = self.conn.read_tls(&bytes[offset..]);
            offset += n;
            self.conn.process_new_packets()?;
            assert!(n > 0 || offset == bytes.len(), "read_tls made no progress");
        }
        Ok(())
    }

    /// Feeds bytes that must be accepted.
    pub fn feed_ok(&mut self, bytes: &[u8]) {
        if let Err(e) = self.feed(bytes) {
            panic!("{} refused input: {e} ({e:?})", self.side);
        }
    }

    /// Feeds bytes that must be refused; returns the error after checking that it
    /// sticks and that the connection is finished.
    pub fn feed_err(&mut self, bytes: &[u8]) -> Error {
        let err = match self.feed(bytes) {
            Ok(()) => panic!("{}: input was accepted without error", self.side),
            Err(e) => e,
        };
        assert_eq!(self.conn.error(), Some(&err));
        assert_eq!(self.conn.process_new_packets(), Err(err.clone()), "sticky");
        assert!(self.conn.write_plaintext(b"x").is_err());
        assert!(!self.conn.wants_read());
        err
    }

    /// The client's and the server's streams, as seen from here.
    fn streams(&self) -> (&[u8], &[u8]) {
        match self.side {
            Side::Client => (&self.sent, &self.received),
            Side::Server => (&self.received, &self.sent),
        }
    }

    pub fn client_hello(&self) -> ClientHello {
        client_hello_in(self.streams().0)
    }

    pub fn server_hello(&self) -> ServerHello {
        server_hello_in(self.streams().1)
    }

    /// The session's keys: the master secret from our key log, randoms and suite
    /// from the hellos, Encrypt-then-MAC from the ServerHello.
    pub fn keys(&self) -> Keys12 {
        let ch = self.client_hello();
        let sh = self.server_hello();
        let suite = tls12_suite(sh.cipher_suite).expect("a TLS 1.2 suite");
        let etm = matches!(suite.bulk, Bulk::Cbc(_))
            && sh
                .extensions
                .0
                .iter()
                .any(|e| matches!(e, Extension::EncryptThenMac));
        Keys12::new(
            sh.cipher_suite,
            &self.log.must("CLIENT_RANDOM"),
            ch.random,
            sh.random,
            etm,
        )
    }

    /// How many protected records we sent (after our ChangeCipherSpec): the
    /// sequence number of the next one.
    pub fn protected_sent(&self) -> u64 {
        protected_count(&self.sent)
    }

    /// How many protected records we received: the peer's next sequence number.
    pub fn protected_received(&self) -> u64 {
        protected_count(&self.received)
    }

    /// Everything we sent, protection removed.
    pub fn sent_records(&self) -> Vec<PlainRecord> {
        let keys = self.log.get("CLIENT_RANDOM").map(|_| self.keys());
        open_stream(&self.sent, keys.as_ref(), self.side)
    }

    /// The last record we sent, if it is an alert (opened if need be).
    pub fn last_alert(&self) -> Option<(AlertLevel, AlertDescription)> {
        let total = split_records(&self.sent).len();
        let recs = self.sent_records();
        if recs.len() != total {
            return None;
        }
        alert_of(recs.last()?)
    }

    /// Whether the last record we sent is protected (after our ChangeCipherSpec).
    pub fn last_sent_protected(&self) -> bool {
        let recs = split_records(&self.sent);
        let ccs = recs.iter().position(|r| r[0] == 20);
        ccs.is_some_and(|i| i + 1 < recs.len())
    }

    /// Feeds `bytes`, expects an error that maps to `alert`, and checks that exactly
    /// that fatal alert went out, as the last record we sent.
    pub fn expect_alert(&mut self, bytes: &[u8], alert: AlertDescription) -> Error {
        let err = self.feed_err(bytes);
        assert_eq!(
            err.alert(),
            alert,
            "{err} ({err:?}) maps to the wrong alert"
        );
        assert!(err.sends_alert(), "{err:?}");
        let fresh = self.out();
        assert!(!fresh.is_empty(), "no alert queued for {err}");
        assert_eq!(
            self.last_alert(),
            Some((AlertLevel::Fatal, alert)),
            "alert on the wire for {err}"
        );
        assert!(self.out().is_empty(), "more output after the alert");
        err
    }
}

/// The number of records after the first ChangeCipherSpec of `stream`.
pub fn protected_count(stream: &[u8]) -> u64 {
    let recs = split_records(stream);
    match recs.iter().position(|r| r[0] == 20) {
        Some(i) => (recs.len() - i - 1) as u64,
        None => 0,
    }
}

/// The alert a record carries, if it is one.
pub fn alert_of(rec: &PlainRecord) -> Option<(AlertLevel, AlertDescription)> {
    match (rec.typ, rec.payload.as_slice()) {
        (ContentType::Alert, [level, desc]) => Some((
            AlertLevel::from_wire(*level),
            AlertDescription::from_wire(*desc),
        )),
        _ => None,
    }
}

/// Runs a handshake between two ends to completion.
pub fn handshake12(c: &mut End12, s: &mut End12) {
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
    assert_eq!(c.conn.negotiated().version, Some(ProtocolVersion::Tls12));
}

/// A connected TLS 1.2 pair.
pub fn connected(cc: ClientConfig, sc: ServerConfig) -> (End12, End12) {
    let mut c = End12::client(cc);
    let mut s = End12::server(sc);
    handshake12(&mut c, &mut s);
    (c, s)
}

/// Sends `data` from `a` to `b` through real records; returns what `b` read.
pub fn send12(a: &mut End12, b: &mut End12, data: &[u8]) -> Vec<u8> {
    a.conn.write_plaintext(data).unwrap();
    let bytes = a.out();
    b.feed_ok(&bytes);
    read_all(b)
}

/// Takes every plaintext byte `end` has received.
pub fn read_all(end: &mut End12) -> Vec<u8> {
    let mut buf = vec![0u8; end.conn.plaintext_available()];
    let n = end.conn.read_plaintext(&mut buf);
    buf.truncate(n);
    buf
}
