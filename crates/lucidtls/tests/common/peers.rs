//! Peers and tools for the interop, hostile-input and mutation tests:
//!
//! - rustls 0.23 configurations (aws-lc-rs provider) matching a [`TestPki`];
//! - [`Endpoint`]: one face for a lucidtls [`Connection`] and a rustls connection,
//!   and [`pump`] / [`drive_handshake`] to move bytes between any two of them;
//! - [`SecretLog`]: a key log that keeps the secrets, so a test can protect and
//!   unprotect records itself ([`encrypter`], [`decrypter`], [`decrypt_stream`]);
//! - record helpers ([`split_records`], [`record`], [`split_messages`]);
//! - [`XorShift`], a small deterministic PRNG (no new dependencies).
#![allow(dead_code)]

use super::pair::TestPki;
use lucidtls::crypto::hkdf_expand_label;
use lucidtls::enums::{AlertDescription, AlertLevel, CipherSuite, ContentType, NamedGroup};
use lucidtls::keys::KeyLog;
use lucidtls::record::{
    OpaqueRecord, PlainRecord, RecordDecrypter, RecordEncrypter, Tls13Decrypter, Tls13Encrypter,
};
use lucidtls::suites::{tls13_suite, Tls13Suite};
use lucidtls::Connection;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

// ---------------------------------------------------------------------------------
// PRNG

/// xorshift64*: deterministic, good enough to pick mutations.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        // Avoid the all-zero state and decorrelate nearby seeds.
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform-ish in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }

    /// Between `lo` and `hi` (inclusive) random bytes.
    pub fn bytes_in(&mut self, lo: usize, hi: usize) -> Vec<u8> {
        let n = self.range(lo, hi);
        self.bytes(n)
    }
}

// ---------------------------------------------------------------------------------
// rustls

pub const ALL_SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
];

pub const ALL_GROUPS: [NamedGroup; 4] = [
    NamedGroup::X25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
    NamedGroup::X25519MLKEM768,
];

pub fn rustls_suite(s: CipherSuite) -> rustls::SupportedCipherSuite {
    use rustls::crypto::aws_lc_rs::cipher_suite as cs;
    match s {
        CipherSuite::TLS13_AES_128_GCM_SHA256 => cs::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_AES_256_GCM_SHA384 => cs::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => cs::TLS13_CHACHA20_POLY1305_SHA256,
        other => panic!("no rustls TLS 1.3 suite for {other}"),
    }
}

pub fn rustls_group(g: NamedGroup) -> &'static dyn rustls::crypto::SupportedKxGroup {
    use rustls::crypto::aws_lc_rs::kx_group as kx;
    match g {
        NamedGroup::X25519 => kx::X25519,
        NamedGroup::secp256r1 => kx::SECP256R1,
        NamedGroup::secp384r1 => kx::SECP384R1,
        NamedGroup::X25519MLKEM768 => kx::X25519MLKEM768,
        other => panic!("no rustls group for {other}"),
    }
}

/// The aws-lc-rs provider limited to `suites` and `groups` (in that order); an
/// empty list keeps rustls's defaults.
pub fn rustls_provider(
    suites: &[CipherSuite],
    groups: &[NamedGroup],
) -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    if !suites.is_empty() {
        p.cipher_suites = suites.iter().map(|s| rustls_suite(*s)).collect();
    }
    if !groups.is_empty() {
        p.kx_groups = groups.iter().map(|g| rustls_group(*g)).collect();
    }
    Arc::new(p)
}

/// A rustls TLS 1.3 client trusting `pki`'s CA, connecting to "localhost".
pub fn rustls_client(
    pki: &TestPki,
    provider: Arc<rustls::crypto::CryptoProvider>,
    alpn: &[&[u8]],
) -> rustls::ClientConnection {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    conn.set_buffer_limit(None);
    conn
}

/// A rustls TLS 1.3 server with `pki`'s leaf.
pub fn rustls_server(
    pki: &TestPki,
    provider: Arc<rustls::crypto::CryptoProvider>,
    alpn: &[&[u8]],
) -> rustls::ServerConnection {
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let mut conn = rustls::ServerConnection::new(Arc::new(config)).unwrap();
    conn.set_buffer_limit(None);
    conn
}

// ---------------------------------------------------------------------------------
// Endpoints and the pump

/// Why an endpoint failed to take bytes.
#[derive(Debug)]
pub enum PeerError {
    Lucid(lucidtls::Error),
    Rustls(rustls::Error),
    Io(std::io::Error),
}

impl std::fmt::Display for PeerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Lucid(e) => write!(f, "lucidtls: {e}"),
            Self::Rustls(e) => write!(f, "rustls: {e}"),
            Self::Io(e) => write!(f, "io: {e}"),
        }
    }
}

/// One end of an in-memory connection, whatever the implementation.
pub trait Endpoint {
    /// Takes `data` from the peer and processes it; received plaintext is kept.
    fn feed(&mut self, data: &[u8]) -> Result<(), PeerError>;
    /// Every TLS byte waiting to be sent.
    fn take_tls(&mut self) -> Vec<u8>;
    fn handshaking(&self) -> bool;
    /// Queues application data.
    fn send(&mut self, data: &[u8]);
    /// Takes the application data received so far.
    fn take_received(&mut self) -> Vec<u8>;
    /// Whether the peer's close_notify arrived.
    fn peer_closed(&self) -> bool;
}

pub struct Lucid {
    pub conn: Connection,
    pub received: Vec<u8>,
}

impl Lucid {
    pub fn new(conn: Connection) -> Self {
        Self {
            conn,
            received: Vec::new(),
        }
    }
}

impl Endpoint for Lucid {
    fn feed(&mut self, data: &[u8]) -> Result<(), PeerError> {
        let mut offset = 0;
        while offset < data.len() {
            offset += self.conn.read_tls(&data[offset..]);
            self.conn.process_new_packets().map_err(PeerError::Lucid)?;
            let mut buf = vec![0u8; self.conn.plaintext_available()];
            let n = self.conn.read_plaintext(&mut buf);
            self.received.extend_from_slice(&buf[..n]);
        }
        Ok(())
    }

    fn take_tls(&mut self) -> Vec<u8> {
        self.conn.take_tls()
    }

    fn handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    fn send(&mut self, data: &[u8]) {
        assert_eq!(self.conn.write_plaintext(data).unwrap(), data.len());
    }

    fn take_received(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.received)
    }

    fn peer_closed(&self) -> bool {
        self.conn.received_close_notify()
    }
}

pub struct Rustls {
    pub conn: rustls::Connection,
    pub received: Vec<u8>,
    pub closed: bool,
}

impl Rustls {
    pub fn new(conn: impl Into<rustls::Connection>) -> Self {
        Self {
            conn: conn.into(),
            received: Vec::new(),
            closed: false,
        }
    }

    fn drain_plaintext(&mut self) -> Result<(), PeerError> {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match self.conn.reader().read(&mut buf) {
                Ok(0) => {
                    self.closed = true;
                    return Ok(());
                }
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(PeerError::Io(e)),
            }
        }
    }
}

impl Endpoint for Rustls {
    fn feed(&mut self, data: &[u8]) -> Result<(), PeerError> {
        let mut rest = data;
        while !rest.is_empty() {
            let n = self.conn.read_tls(&mut rest).map_err(PeerError::Io)?;
            self.conn.process_new_packets().map_err(PeerError::Rustls)?;
            self.drain_plaintext()?;
            if n == 0 {
                break; // close_notify seen: rustls reads no more
            }
        }
        Ok(())
    }

    fn take_tls(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while self.conn.wants_write() {
            self.conn.write_tls(&mut out).unwrap();
        }
        out
    }

    fn handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    fn send(&mut self, data: &[u8]) {
        self.conn.writer().write_all(data).unwrap();
    }

    fn take_received(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.received)
    }

    fn peer_closed(&self) -> bool {
        self.closed
    }
}

/// Which side of a pump failed.
#[derive(Debug)]
pub enum Failed {
    A(PeerError),
    B(PeerError),
}

/// Moves bytes both ways until neither side has anything to send. Returns the
/// number of flights moved.
pub fn pump(a: &mut dyn Endpoint, b: &mut dyn Endpoint) -> Result<usize, Failed> {
    let mut flights = 0;
    for _ in 0..64 {
        let ab = a.take_tls();
        let ba = b.take_tls();
        if ab.is_empty() && ba.is_empty() {
            return Ok(flights);
        }
        if !ab.is_empty() {
            flights += 1;
            b.feed(&ab).map_err(Failed::B)?;
        }
        if !ba.is_empty() {
            flights += 1;
            a.feed(&ba).map_err(Failed::A)?;
        }
    }
    panic!("pump did not settle in 64 rounds");
}

/// Runs a handshake between a client `a` and a server `b` to completion.
pub fn drive_handshake(a: &mut dyn Endpoint, b: &mut dyn Endpoint) -> Result<(), Failed> {
    pump(a, b)?;
    assert!(!a.handshaking(), "client still handshaking after pump");
    assert!(!b.handshaking(), "server still handshaking after pump");
    Ok(())
}

/// Sends `data` from `from` to `to` and returns what `to` received.
pub fn send_over(from: &mut dyn Endpoint, to: &mut dyn Endpoint, data: &[u8]) -> Vec<u8> {
    from.send(data);
    pump(from, to).unwrap_or_else(|e| panic!("send_over failed: {e:?}"));
    to.take_received()
}

// ---------------------------------------------------------------------------------
// Secrets and record protection

/// One key-log line: label, client random, secret.
type LogEntry = (String, [u8; 32], Vec<u8>);

/// A key log that keeps every secret in memory (tests only).
#[derive(Debug, Default)]
pub struct SecretLog {
    entries: Mutex<Vec<LogEntry>>,
}

impl KeyLog for SecretLog {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.entries
            .lock()
            .unwrap()
            .push((label.to_string(), *client_random, secret.to_vec()));
    }
}

impl SecretLog {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The most recent secret logged under `label`.
    pub fn get(&self, label: &str) -> Option<Vec<u8>> {
        self.entries
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(l, _, _)| l == label)
            .map(|(_, _, s)| s.clone())
    }

    /// The secret logged under `label`, panicking if absent.
    pub fn must(&self, label: &str) -> Vec<u8> {
        self.get(label)
            .unwrap_or_else(|| panic!("no {label} in the key log"))
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap().clear();
    }
}

pub fn suite_of(s: CipherSuite) -> Tls13Suite {
    tls13_suite(s).expect("a TLS 1.3 suite")
}

/// The record key and IV for a traffic secret (RFC 8446 §7.3), from the public API.
pub fn traffic_key(
    suite: Tls13Suite,
    secret: &[u8],
) -> (Box<dyn lucidtls::crypto::AeadKey>, [u8; 12]) {
    let provider = lucidtls_aws_lc::provider();
    let hash = provider.hash(suite.hash);
    let key = hkdf_expand_label(hash, secret, b"key", &[], suite.aead.key_len());
    let iv_bytes = hkdf_expand_label(hash, secret, b"iv", &[], 12);
    let mut iv = [0u8; 12];
    iv.copy_from_slice(iv_bytes.expose());
    (provider.aead(suite.aead).key(key.expose()).unwrap(), iv)
}

/// The next traffic secret after a KeyUpdate (RFC 8446 §7.2).
pub fn next_secret(suite: Tls13Suite, secret: &[u8]) -> Vec<u8> {
    let provider = lucidtls_aws_lc::provider();
    let hash = provider.hash(suite.hash);
    let len = hash.algorithm().output_len();
    hkdf_expand_label(hash, secret, b"traffic upd", &[], len)
        .expose()
        .to_vec()
}

pub fn encrypter(suite: Tls13Suite, secret: &[u8]) -> Tls13Encrypter {
    let (key, iv) = traffic_key(suite, secret);
    Tls13Encrypter::new(key, iv)
}

pub fn decrypter(suite: Tls13Suite, secret: &[u8]) -> Tls13Decrypter {
    let (key, iv) = traffic_key(suite, secret);
    Tls13Decrypter::new(key, iv)
}

/// Protects one record of inner type `typ`.
pub fn seal(enc: &mut Tls13Encrypter, typ: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    enc.encrypt(typ, payload, &mut out).unwrap();
    out
}

/// A plaintext record.
pub fn record(typ: ContentType, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).unwrap().to_be_bytes();
    let mut out = vec![typ.to_wire(), 3, 3, len[0], len[1]];
    out.extend_from_slice(payload);
    out
}

/// Whole records of a stream, header included; a trailing partial record is
/// returned as the last element.
pub fn split_records(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = match bytes {
            [_, _, _, l0, l1, ..] => 5 + usize::from(u16::from_be_bytes([*l0, *l1])),
            _ => bytes.len(),
        };
        let take = len.min(bytes.len());
        out.push(bytes[..take].to_vec());
        bytes = &bytes[take..];
    }
    out
}

pub fn opaque(rec: &[u8]) -> OpaqueRecord {
    OpaqueRecord {
        typ: ContentType::from_wire(rec[0]),
        version: u16::from_be_bytes([rec[1], rec[2]]),
        payload: rec[5..].to_vec(),
    }
}

/// Whole handshake messages (header included) of a concatenation of handshake
/// payloads; a trailing partial message is returned last.
pub fn split_messages(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = match bytes {
            [_, a, b, c, ..] => {
                4 + (usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c))
            }
            _ => bytes.len(),
        };
        let take = len.min(bytes.len());
        out.push(bytes[..take].to_vec());
        bytes = &bytes[take..];
    }
    out
}

/// Unprotects one side's whole output stream. Plaintext records (before keys, and
/// every change_cipher_spec) pass as they are; each application_data record is
/// opened with the current secret of `secrets`, moving on to the next one (at
/// sequence 0) when the current one no longer opens it. Returns the records in
/// order; stops at the first record no secret opens.
pub fn decrypt_stream(bytes: &[u8], suite: Tls13Suite, secrets: &[Vec<u8>]) -> Vec<PlainRecord> {
    let mut out = Vec::new();
    let mut candidates = secrets.iter();
    let mut current: Option<Tls13Decrypter> = None;
    let mut keyed = false;
    for rec in split_records(bytes) {
        if rec.len() < 5 {
            break;
        }
        let op = opaque(&rec);
        if op.typ != ContentType::ApplicationData || (!keyed && secrets.is_empty()) {
            out.push(PlainRecord {
                typ: op.typ,
                payload: op.payload,
            });
            continue;
        }
        keyed = true;
        let mut opened = None;
        loop {
            if let Some(d) = current.as_mut() {
                if let Ok(p) = d.decrypt(op.clone()) {
                    opened = Some(p);
                    break;
                }
            }
            match candidates.next() {
                Some(s) => current = Some(decrypter(suite, s)),
                None => break,
            }
        }
        match opened {
            Some(p) => out.push(p),
            None => break,
        }
    }
    out
}

/// The last alert in an unprotected stream (the final record must be an alert).
pub fn last_plain_alert(bytes: &[u8]) -> Option<(AlertLevel, AlertDescription)> {
    let recs = split_records(bytes);
    let last = recs.last()?;
    match last.as_slice() {
        [21, 3, 3, 0, 2, level, desc] => Some((
            AlertLevel::from_wire(*level),
            AlertDescription::from_wire(*desc),
        )),
        _ => None,
    }
}

/// The alert carried by the last record of `stream`, whether plaintext or protected
/// under one of `secrets`.
pub fn last_alert(
    stream: &[u8],
    suite: Tls13Suite,
    secrets: &[Vec<u8>],
) -> Option<(AlertLevel, AlertDescription)> {
    let total = split_records(stream).len();
    let plain = decrypt_stream(stream, suite, secrets);
    if plain.len() != total {
        return None;
    }
    let last = plain.last()?;
    match (last.typ, last.payload.as_slice()) {
        (ContentType::Alert, [level, desc]) => Some((
            AlertLevel::from_wire(*level),
            AlertDescription::from_wire(*desc),
        )),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------
// Trace recording

/// Keeps every trace event of a connection.
#[derive(Default)]
pub struct EventLog {
    events: Mutex<Vec<lucidtls::TraceEvent>>,
}

impl lucidtls::Observer for EventLog {
    fn on_event(&self, event: &lucidtls::TraceEvent) {
        self.events.lock().unwrap().push(event.clone());
    }
}

impl EventLog {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The events so far, leaving them in the log.
    pub fn all(&self) -> Vec<lucidtls::TraceEvent> {
        self.events.lock().unwrap().clone()
    }

    /// The events so far, emptying the log.
    pub fn take(&self) -> Vec<lucidtls::TraceEvent> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }

    /// The KeyUpdate events so far, as (from, update_requested), leaving the others.
    pub fn key_updates(&self) -> Vec<(lucidtls::Side, bool)> {
        self.take()
            .into_iter()
            .filter_map(|e| match e {
                lucidtls::TraceEvent::KeyUpdate {
                    from,
                    update_requested,
                } => Some((from, update_requested)),
                _ => None,
            })
            .collect()
    }
}
