//! TLS 1.2 secure renegotiation (RFC 5746): both directions, new keys each time,
//! application data interleaved with the new handshake and delivered in order, the
//! limit, refusals that leave the connection usable, and the renegotiation_info
//! checks (a man in the middle who holds the keys edits the hellos). Then against
//! the real OpenSSL binary, both as server and as client.

mod common;

use common::pair::localhost;
use common::peers::{opaque, record, split_records, EventLog};
use common::tls12::{body, ecdsa_pki, messages, typ, Keys12};
use lucidtls::enums::{
    AlertDescription as A, CipherSuite, ContentType, HandshakeType as H, ProtocolVersion,
};
use lucidtls::keys::KeyLog;
use lucidtls::msgs::{ClientHello, Extension, Finished, HandshakeBody, ServerHello};
use lucidtls::record::{PlainRecord, RecordDecrypter, RecordEncrypter};
use lucidtls::{
    CertifiedKey, ClientAuth, ClientConfig, Connection, Error, ServerConfig, Side, TraceEvent,
};
use std::sync::{Arc, Mutex};

// ---------------------------------------------------------------------------------
// Harness

/// Every line of a key log: label, client random, secret.
#[derive(Debug, Default)]
struct Lines(Mutex<Vec<LogLine>>);

/// Label, client random, secret.
type LogLine = (String, [u8; 32], Vec<u8>);

impl KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.into(), *client_random, secret.to_vec()));
    }
}

impl Lines {
    /// The CLIENT_RANDOM lines (TLS 1.2 master secrets), oldest first.
    fn masters(&self) -> Vec<([u8; 32], Vec<u8>)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(l, _, _)| l == "CLIENT_RANDOM")
            .map(|(_, r, s)| (*r, s.clone()))
            .collect()
    }
}

/// One end: its connection, key log, trace, and the application data it read.
struct End {
    conn: Connection,
    log: Arc<Lines>,
    events: Arc<EventLog>,
    read: Vec<u8>,
    /// What the application wrote, in order.
    wrote: Vec<u8>,
}

impl End {
    fn new(conn: Connection, log: Arc<Lines>, events: Arc<EventLog>) -> Self {
        Self {
            conn,
            log,
            events,
            read: Vec::new(),
            wrote: Vec::new(),
        }
    }

    fn write(&mut self, data: &[u8]) {
        assert_eq!(self.conn.write_plaintext(data).unwrap(), data.len());
        self.wrote.extend_from_slice(data);
    }

    /// Feeds TLS bytes and reads whatever application data they carried.
    fn feed(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let mut offset = 0;
        while offset < bytes.len() {
            offset += self.conn.read_tls(&bytes[offset..]);
            let result = self.conn.process_new_packets();
            let mut buf = vec![0u8; self.conn.plaintext_available()];
            let n = self.conn.read_plaintext(&mut buf);
            self.read.extend_from_slice(&buf[..n]);
            result?;
        }
        Ok(())
    }

    fn renegotiations(&self) -> u32 {
        self.conn.negotiated().renegotiations
    }
}

fn observed(mut cc: ClientConfig, mut sc: ServerConfig) -> (End, End) {
    let (cl, sl) = (Arc::new(Lines::default()), Arc::new(Lines::default()));
    let (ce, se) = (EventLog::new(), EventLog::new());
    cc.common.key_log = Some(cl.clone());
    cc.common.observer = Some(ce.clone());
    sc.common.key_log = Some(sl.clone());
    sc.common.observer = Some(se.clone());
    let c = Connection::client(Arc::new(cc), localhost()).unwrap();
    let s = Connection::server(Arc::new(sc)).unwrap();
    (End::new(c, cl, ce), End::new(s, sl, se))
}

/// A TLS 1.2-only client and a TLS 1.3/1.2 server, renegotiation allowed or not.
fn configs(client_allows: bool, server_allows: bool) -> (ClientConfig, ServerConfig) {
    let pki = ecdsa_pki();
    let mut cc = pki.client_config();
    cc.common.versions = vec![ProtocolVersion::Tls12];
    cc.common.allow_renegotiation = client_allows;
    let mut sc = pki.server_config();
    sc.common.allow_renegotiation = server_allows;
    (cc, sc)
}

/// Moves what `from` queued to `to`.
fn flow(from: &mut End, to: &mut End) -> Result<bool, Error> {
    let bytes = from.conn.take_tls();
    to.feed(&bytes)?;
    Ok(!bytes.is_empty())
}

/// Exchanges flights until neither side has anything to send; the side that failed.
fn settle(c: &mut End, s: &mut End) -> Result<(), (Side, Error)> {
    for _ in 0..20 {
        let a = flow(c, s).map_err(|e| (Side::Server, e))?;
        let b = flow(s, c).map_err(|e| (Side::Client, e))?;
        if !a && !b {
            return Ok(());
        }
    }
    panic!("no quiet after 20 round trips");
}

fn connected(cc: ClientConfig, sc: ServerConfig) -> (End, End) {
    let (mut c, mut s) = observed(cc, sc);
    settle(&mut c, &mut s).expect("handshake");
    assert!(!c.conn.is_handshaking() && !s.conn.is_handshaking());
    (c, s)
}

/// Both directions still carry data, byte for byte.
fn still_talks(c: &mut End, s: &mut End, tag: &str) {
    let (before_c, before_s) = (c.read.len(), s.read.len());
    c.write(format!("{tag}: client to server").as_bytes());
    s.write(format!("{tag}: server to client").as_bytes());
    settle(c, s).expect("traffic");
    assert_eq!(
        &s.read[before_s..],
        format!("{tag}: client to server").as_bytes()
    );
    assert_eq!(
        &c.read[before_c..],
        format!("{tag}: server to client").as_bytes()
    );
}

fn count(events: &[TraceEvent], pred: impl Fn(&TraceEvent) -> bool) -> usize {
    events.iter().filter(|e| pred(e)).count()
}

fn renegotiation_events(events: &[TraceEvent]) -> Vec<(Side, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Renegotiation { from, accepted } => Some((*from, *accepted)),
            _ => None,
        })
        .collect()
}

fn no_renegotiation_warnings(events: &[TraceEvent], from: Side) -> usize {
    count(
        events,
        |e| matches!(e, TraceEvent::Alert { from: f, description: A::NoRenegotiation, fatal: false } if *f == from),
    )
}

fn is_cannot(r: Result<(), Error>) -> bool {
    matches!(r, Err(Error::CannotRenegotiate(_)))
}

// ---------------------------------------------------------------------------------
// Renegotiations that succeed

/// One renegotiation started by `initiator`, with both applications writing a chunk
/// before every flight, from before the request until after the end.
fn renegotiate_with_interleaved_data(initiator: Side) {
    let (mut c, mut s) = connected(configs(true, true).0, configs(true, true).1);
    c.events.take();
    s.events.take();
    c.write(b"c-before;");
    s.write(b"s-before;");
    match initiator {
        Side::Client => c.conn.renegotiate().unwrap(),
        Side::Server => s.conn.renegotiate().unwrap(),
    }
    let requester = match initiator {
        Side::Client => &c.conn,
        Side::Server => &s.conn,
    };
    assert!(requester.is_renegotiating());
    assert!(!requester.is_handshaking(), "traffic goes on");
    for round in 0..8 {
        c.write(format!("c{round};").as_bytes());
        flow(&mut c, &mut s).unwrap();
        s.write(format!("s{round};").as_bytes());
        flow(&mut s, &mut c).unwrap();
    }
    assert!(!c.conn.is_renegotiating() && !s.conn.is_renegotiating());
    c.write(b"c-after");
    s.write(b"s-after");
    settle(&mut c, &mut s).unwrap();
    assert_eq!(s.read, c.wrote, "client to server, in order, nothing lost");
    assert_eq!(c.read, s.wrote, "server to client, in order, nothing lost");
    assert_eq!((c.renegotiations(), s.renegotiations()), (1, 1));

    // A new master secret under a new client random, the same on both sides.
    let masters = c.log.masters();
    assert_eq!(masters.len(), 2);
    assert_ne!(masters[0].0, masters[1].0, "fresh client random");
    assert_ne!(masters[0].1, masters[1].1, "fresh master secret");
    assert_eq!(s.log.masters(), masters);

    let (ce, se) = (c.events.take(), s.events.take());
    assert_eq!(renegotiation_events(&ce), vec![(initiator, true)]);
    assert_eq!(renegotiation_events(&se), vec![(initiator, true)]);
    for events in [&ce, &se] {
        assert_eq!(
            count(events, |e| matches!(e, TraceEvent::ClientHello { .. })),
            1
        );
        assert_eq!(
            count(events, |e| matches!(e, TraceEvent::Finished { .. })),
            2
        );
        assert_eq!(
            count(events, |e| matches!(
                e,
                TraceEvent::HandshakeComplete { .. }
            )),
            1
        );
    }
    assert_eq!(
        c.conn.negotiated().version,
        Some(ProtocolVersion::Tls12),
        "still TLS 1.2"
    );
    still_talks(&mut c, &mut s, "afterwards");
}

#[test]
fn client_initiated_renegotiation_with_interleaved_data() {
    renegotiate_with_interleaved_data(Side::Client);
}

#[test]
fn server_initiated_renegotiation_with_interleaved_data() {
    renegotiate_with_interleaved_data(Side::Server);
}

/// A client able to do TLS 1.3 that ended up on TLS 1.2 renegotiates on TLS 1.2:
/// it offers TLS 1.2 alone, and the version does not change.
#[test]
fn renegotiation_keeps_tls12_for_a_tls13_capable_client() {
    let (mut cc, mut sc) = configs(true, true);
    cc.common.versions = vec![ProtocolVersion::Tls13, ProtocolVersion::Tls12];
    sc.common.versions = vec![ProtocolVersion::Tls12];
    let (mut c, mut s) = connected(cc, sc);
    c.events.take();
    c.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    assert_eq!(c.renegotiations(), 1);
    let hello = c
        .events
        .take()
        .into_iter()
        .find_map(|e| match e {
            TraceEvent::ClientHello {
                versions,
                extensions,
                cipher_suites,
                ..
            } => Some((versions, extensions, cipher_suites)),
            _ => None,
        })
        .expect("a second ClientHello");
    assert_eq!(hello.0, vec![ProtocolVersion::Tls12]);
    assert!(!hello
        .1
        .contains(&lucidtls::enums::ExtensionType::SupportedVersions));
    assert!(!hello
        .2
        .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
    still_talks(&mut c, &mut s, "after");
}

/// The classic use: the new handshake authenticates the client again.
#[test]
fn renegotiation_with_a_client_certificate() {
    let pki = ecdsa_pki();
    let (mut cc, mut sc) = configs(true, true);
    let provider = lucidtls_aws_lc::provider();
    cc.client_identities =
        vec![CertifiedKey::new(&*provider, pki.chain.clone(), &pki.key).unwrap()];
    sc.client_auth = ClientAuth::Required(pki.roots());
    let (mut c, mut s) = connected(cc, sc);
    assert!(s.conn.negotiated().client_identity_verified);
    s.events.take();
    s.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    assert_eq!(s.renegotiations(), 1);
    assert!(s.conn.negotiated().client_identity_verified);
    assert_eq!(s.conn.negotiated().peer_certificates, pki.chain);
    assert!(c.conn.negotiated().client_auth_requested);
    let events = s.events.take();
    assert_eq!(
        count(&events, |e| matches!(
            e,
            TraceEvent::CertificateVerify { verified: true, .. }
        )),
        1,
        "the client proved its key again"
    );
    still_talks(&mut c, &mut s, "after");
}

// ---------------------------------------------------------------------------------
// Limits and refusals

#[test]
fn renegotiations_up_to_the_limit_then_the_client_refuses() {
    let (mut cc, mut sc) = configs(true, true);
    cc.common.max_renegotiations = 2;
    sc.common.max_renegotiations = 5;
    let (mut c, mut s) = connected(cc, sc);
    c.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    s.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    assert_eq!((c.renegotiations(), s.renegotiations()), (2, 2));
    assert_eq!(c.log.masters().len(), 3);
    assert!(is_cannot(c.conn.renegotiate()), "client's limit");
    // The server may ask; the client declines with a warning and both go on.
    c.events.take();
    s.events.take();
    s.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    assert!(!s.conn.is_renegotiating());
    let (ce, se) = (c.events.take(), s.events.take());
    assert_eq!(renegotiation_events(&ce), vec![(Side::Server, false)]);
    assert_eq!(renegotiation_events(&se), vec![(Side::Server, false)]);
    assert_eq!(no_renegotiation_warnings(&ce, Side::Client), 1);
    assert_eq!((c.renegotiations(), s.renegotiations()), (2, 2));
    still_talks(&mut c, &mut s, "declined");
}

#[test]
fn renegotiations_up_to_the_limit_then_the_server_refuses() {
    let (mut cc, mut sc) = configs(true, true);
    cc.common.max_renegotiations = 5;
    sc.common.max_renegotiations = 1;
    let (mut c, mut s) = connected(cc, sc);
    c.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    assert!(is_cannot(s.conn.renegotiate()), "server's limit");
    c.events.take();
    c.write(b"in flight");
    c.conn.renegotiate().unwrap();
    assert!(c.conn.is_renegotiating());
    settle(&mut c, &mut s).unwrap();
    assert!(!c.conn.is_renegotiating(), "the refusal ends it");
    assert!(c.conn.error().is_none() && s.conn.error().is_none());
    let ce = c.events.take();
    assert_eq!(renegotiation_events(&ce), vec![(Side::Client, false)]);
    assert_eq!((c.renegotiations(), s.renegotiations()), (1, 1));
    assert_eq!(s.read, b"in flight");
    still_talks(&mut c, &mut s, "declined");
    // Declined, the client may ask again (and is declined again).
    c.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    assert_eq!(s.renegotiations(), 1);
    still_talks(&mut c, &mut s, "declined twice");
}

#[test]
fn disabled_by_default_refused_with_a_warning_and_the_connection_goes_on() {
    let pki = ecdsa_pki();
    let mut cc = pki.client_config();
    cc.common.versions = vec![ProtocolVersion::Tls12];
    let sc = pki.server_config();
    assert!(!cc.common.allow_renegotiation && !sc.common.allow_renegotiation);
    assert_eq!(cc.common.max_renegotiations, 3);
    let (mut c, mut s) = connected(cc, sc);
    assert!(is_cannot(c.conn.renegotiate()));
    assert!(is_cannot(s.conn.renegotiate()));
    still_talks(&mut c, &mut s, "both off");

    // The server asks a client that does not allow it.
    let (mut c, mut s) = connected(configs(false, true).0, configs(false, true).1);
    s.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    assert_eq!(no_renegotiation_warnings(&c.events.take(), Side::Client), 1);
    assert!(!s.conn.is_renegotiating());
    still_talks(&mut c, &mut s, "client off");

    // The client asks a server that does not allow it.
    let (mut c, mut s) = connected(configs(true, false).0, configs(true, false).1);
    c.conn.renegotiate().unwrap();
    settle(&mut c, &mut s).unwrap();
    assert_eq!(no_renegotiation_warnings(&s.events.take(), Side::Server), 1);
    assert!(!c.conn.is_renegotiating());
    assert_eq!(c.renegotiations(), 0);
    still_talks(&mut c, &mut s, "server off");
}

#[test]
fn renegotiate_refuses_tls13_and_a_running_handshake() {
    let pki = ecdsa_pki();
    let mut cc = pki.client_config();
    cc.common.allow_renegotiation = true;
    let mut sc = pki.server_config();
    sc.common.allow_renegotiation = true;
    let (mut c, mut s) = observed(cc, sc);
    assert!(is_cannot(c.conn.renegotiate()), "before the handshake");
    settle(&mut c, &mut s).unwrap();
    assert_eq!(c.conn.negotiated().version, Some(ProtocolVersion::Tls13));
    let err = c.conn.renegotiate().unwrap_err();
    assert!(err.to_string().contains("only in TLS 1.2"), "{err}");
    assert!(is_cannot(s.conn.renegotiate()));
    still_talks(&mut c, &mut s, "TLS 1.3");
    // A second request while one runs.
    let (mut c, mut s) = connected(configs(true, true).0, configs(true, true).1);
    c.conn.renegotiate().unwrap();
    assert!(is_cannot(c.conn.renegotiate()));
    flow(&mut c, &mut s).unwrap();
    assert!(is_cannot(s.conn.renegotiate()), "the server is in it too");
    settle(&mut c, &mut s).unwrap();
    assert_eq!(c.renegotiations(), 1);
}

// ---------------------------------------------------------------------------------
// A man in the middle who holds the keys (from the key log)

/// One direction of the path. Plaintext records pass as they are until the
/// writer's ChangeCipherSpec; after it each record is opened with the writer's
/// keys, may be edited, and is sealed again; records can be added.
struct Leg {
    writer: Side,
    open: Option<Box<dyn RecordDecrypter>>,
    seal: Option<Box<dyn RecordEncrypter>>,
}

/// What the middle does with one record.
type Edit<'a> = &'a mut dyn FnMut(&mut PlainRecord);

impl Leg {
    fn new(writer: Side) -> Self {
        Self {
            writer,
            open: None,
            seal: None,
        }
    }

    fn pass(&mut self, bytes: &[u8], keys: &dyn Fn() -> Keys12, edit: Edit) -> Vec<u8> {
        let mut out = Vec::new();
        for rec in split_records(bytes) {
            let op = opaque(&rec);
            match (self.open.as_mut(), self.seal.as_mut()) {
                (Some(open), Some(seal)) => {
                    let mut plain = open.decrypt(op).expect("the middle opens it");
                    edit(&mut plain);
                    seal.encrypt(plain.typ, &plain.payload, &mut out).unwrap();
                }
                _ => {
                    let mut plain = PlainRecord {
                        typ: op.typ,
                        payload: op.payload,
                    };
                    if plain.typ == ContentType::ChangeCipherSpec {
                        let k = keys();
                        self.open = Some(k.decrypter(self.writer));
                        self.seal = Some(k.encrypter(self.writer));
                    } else {
                        edit(&mut plain);
                    }
                    out.extend(record(plain.typ, &plain.payload));
                }
            }
        }
        out
    }

    /// A record of the middle's own, protected as the writer's next one.
    fn inject(&mut self, typ: ContentType, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.seal
            .as_mut()
            .expect("keys")
            .encrypt(typ, payload, &mut out)
            .unwrap();
        out
    }
}

/// A client and a server with the middle between them.
struct Middle {
    c: End,
    s: End,
    up: Leg,
    down: Leg,
    /// Every byte each side sent, as it sent it.
    client_sent: Vec<u8>,
    server_sent: Vec<u8>,
}

impl Middle {
    fn new(cc: ClientConfig, sc: ServerConfig) -> Self {
        let (c, s) = observed(cc, sc);
        Self {
            c,
            s,
            up: Leg::new(Side::Client),
            down: Leg::new(Side::Server),
            client_sent: Vec::new(),
            server_sent: Vec::new(),
        }
    }

    fn client_to_server(&mut self, edit: Edit) -> Result<bool, Error> {
        let bytes = self.c.conn.take_tls();
        self.client_sent.extend_from_slice(&bytes);
        let keys = self.keys_fn();
        let out = self.up.pass(&bytes, &keys, edit);
        self.s.feed(&out)?;
        Ok(!bytes.is_empty())
    }

    fn server_to_client(&mut self, edit: Edit) -> Result<bool, Error> {
        let bytes = self.s.conn.take_tls();
        self.server_sent.extend_from_slice(&bytes);
        let keys = self.keys_fn();
        let out = self.down.pass(&bytes, &keys, edit);
        self.c.feed(&out)?;
        Ok(!bytes.is_empty())
    }

    fn keys_fn(&self) -> impl Fn() -> Keys12 {
        let client_sent = self.client_sent.clone();
        let server_sent = self.server_sent.clone();
        let log = self.c.log.clone();
        move || {
            let ch = ClientHello::decode(body(&messages(&client_sent)[0])).unwrap();
            let sh = ServerHello::decode(body(&messages(&server_sent)[0])).unwrap();
            Keys12::new(
                sh.cipher_suite,
                &log.masters()[0].1,
                ch.random,
                sh.random,
                false,
            )
        }
    }

    /// Both ways until quiet, editing nothing.
    fn settle(&mut self) -> Result<(), (Side, Error)> {
        for _ in 0..20 {
            let a = self
                .client_to_server(&mut |_| {})
                .map_err(|e| (Side::Server, e))?;
            let b = self
                .server_to_client(&mut |_| {})
                .map_err(|e| (Side::Client, e))?;
            if !a && !b {
                return Ok(());
            }
        }
        panic!("no quiet");
    }
}

/// The handshake message a record carries, if it is exactly one of type `t`.
fn message_of(rec: &PlainRecord, t: H) -> bool {
    rec.typ == ContentType::Handshake && !rec.payload.is_empty() && typ(&rec.payload) == t
}

/// Edits the renegotiation ClientHello passing through.
fn edit_hello(edit: impl Fn(&mut ClientHello)) -> impl FnMut(&mut PlainRecord) {
    move |rec: &mut PlainRecord| {
        if message_of(rec, H::ClientHello) {
            let mut ch = ClientHello::decode(body(&rec.payload)).unwrap();
            edit(&mut ch);
            rec.payload = ch.encode();
        }
    }
}

fn set_ri(exts: &mut Vec<Extension>, value: Option<Vec<u8>>) {
    exts.retain(|e| !matches!(e, Extension::RenegotiationInfo(_)));
    if let Some(v) = value {
        exts.push(Extension::RenegotiationInfo(v));
    }
}

/// A connected pair with the middle in place, renegotiation allowed on both sides.
fn middle_connected() -> Middle {
    let (cc, sc) = configs(true, true);
    let mut m = Middle::new(cc, sc);
    m.settle().expect("handshake through the middle");
    assert_eq!(m.c.conn.negotiated().version, Some(ProtocolVersion::Tls12));
    m
}

/// The client renegotiates; its ClientHello is edited on the way; the server must
/// fail with `alert`.
fn tampered_client_hello(edit: impl Fn(&mut ClientHello), alert: A) -> Error {
    let mut m = middle_connected();
    m.c.conn.renegotiate().unwrap();
    let err = m
        .client_to_server(&mut edit_hello(edit))
        .expect_err("the server refuses the edited hello");
    assert_eq!(err.alert(), alert, "{err}");
    assert_eq!(m.s.conn.error(), Some(&err));
    // The fatal alert goes out under the current keys.
    let out = m.s.conn.take_tls();
    let mut alert_seen = None;
    m.down.pass(&out, &|| unreachable!(), &mut |rec| {
        if rec.typ == ContentType::Alert {
            alert_seen = Some(rec.payload.clone());
        }
    });
    assert_eq!(alert_seen, Some(vec![2, alert.to_wire()]));
    err
}

#[test]
fn renegotiation_client_hello_with_wrong_verify_data_is_handshake_failure() {
    let err = tampered_client_hello(
        |ch| {
            let mut ri = ch.extensions.renegotiation_info().unwrap().clone();
            assert_eq!(ri.len(), 12, "the client's last Finished value");
            ri[5] ^= 1;
            set_ri(&mut ch.extensions.0, Some(ri));
        },
        A::HandshakeFailure,
    );
    assert!(matches!(err, Error::HandshakeFailure(_)), "{err:?}");
}

#[test]
fn renegotiation_client_hello_with_empty_or_missing_info_is_handshake_failure() {
    tampered_client_hello(
        |ch| set_ri(&mut ch.extensions.0, Some(Vec::new())),
        A::HandshakeFailure,
    );
    tampered_client_hello(|ch| set_ri(&mut ch.extensions.0, None), A::HandshakeFailure);
}

#[test]
fn renegotiation_client_hello_with_the_scsv_is_handshake_failure() {
    tampered_client_hello(
        |ch| {
            ch.cipher_suites
                .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
        },
        A::HandshakeFailure,
    );
}

#[test]
fn renegotiation_client_hello_changing_the_version_is_protocol_version() {
    tampered_client_hello(
        |ch| {
            ch.extensions.push(Extension::SupportedVersionsOffer(vec![
                ProtocolVersion::Tls13,
            ]))
        },
        A::ProtocolVersion,
    );
    tampered_client_hello(
        |ch| ch.legacy_version = ProtocolVersion::Tls11.to_wire(),
        A::ProtocolVersion,
    );
}

#[test]
fn client_hello_during_a_renegotiation_is_unexpected_message() {
    let mut m = middle_connected();
    m.c.conn.renegotiate().unwrap();
    let mut hello = None;
    m.client_to_server(&mut |rec| {
        if message_of(rec, H::ClientHello) {
            hello = Some(rec.payload.clone());
        }
    })
    .unwrap();
    // The same hello again, before the server's flight is answered.
    let again = m.up.inject(ContentType::Handshake, &hello.unwrap());
    let err = m.s.feed(&again).unwrap_err();
    assert_eq!(err.alert(), A::UnexpectedMessage, "{err}");
}

/// RFC 5246 §7.4.9: the Finished comes right after the ChangeCipherSpec; application
/// data in between (protected with the new keys, so that it opens) is refused.
#[test]
fn application_data_between_change_cipher_spec_and_finished_is_unexpected_message() {
    let mut m = middle_connected();
    m.c.conn.renegotiate().unwrap();
    let mut hello = None;
    m.client_to_server(&mut |rec| {
        if message_of(rec, H::ClientHello) {
            hello = Some(ClientHello::decode(body(&rec.payload)).unwrap());
        }
    })
    .unwrap();
    let mut server_hello = None;
    m.server_to_client(&mut |rec| {
        if message_of(rec, H::ServerHello) {
            server_hello = Some(ServerHello::decode(body(&rec.payload)).unwrap());
        }
    })
    .unwrap();
    let (ch, sh) = (hello.unwrap(), server_hello.unwrap());
    // ClientKeyExchange and ChangeCipherSpec (under the old keys) go through; the
    // Finished is held back.
    let recs = split_records(&m.c.conn.take_tls());
    assert_eq!(recs.len(), 3);
    let keys = m.keys_fn();
    let part = m.up.pass(&recs[..2].concat(), &keys, &mut |_| {});
    m.s.feed(&part).unwrap();
    let masters = m.c.log.masters();
    let new = Keys12::new(sh.cipher_suite, &masters[1].1, ch.random, sh.random, false);
    let finished = new.decrypter(Side::Client).decrypt(opaque(&recs[2]));
    assert!(finished.is_ok(), "the test holds the new keys");
    let early = new.seal(Side::Client, 0, ContentType::ApplicationData, b"too early");
    let err = m.s.feed(&early).unwrap_err();
    assert_eq!(err.alert(), A::UnexpectedMessage, "{err}");
}

/// Edits the ServerHello of the renegotiation on its way to the client, which must
/// fail with handshake_failure.
fn tampered_server_hello(initiator: Side, value: impl Fn(Vec<u8>) -> Option<Vec<u8>>) {
    let mut m = middle_connected();
    match initiator {
        Side::Client => m.c.conn.renegotiate().unwrap(),
        Side::Server => {
            m.s.conn.renegotiate().unwrap();
            m.server_to_client(&mut |_| {}).unwrap();
        }
    }
    m.client_to_server(&mut |_| {}).unwrap();
    let err = m
        .server_to_client(&mut |rec| {
            if message_of(rec, H::ServerHello) {
                let mut sh = ServerHello::decode(body(&rec.payload)).unwrap();
                let ri = sh
                    .extensions
                    .0
                    .iter()
                    .find_map(|e| match e {
                        Extension::RenegotiationInfo(v) => Some(v.clone()),
                        _ => None,
                    })
                    .expect("the server sent renegotiation_info");
                assert_eq!(ri.len(), 24, "client then server verify_data");
                set_ri(&mut sh.extensions.0, value(ri));
                rec.payload = sh.encode();
            }
        })
        .expect_err("the client refuses the edited ServerHello");
    assert!(matches!(err, Error::HandshakeFailure(_)), "{err:?}");
    assert_eq!(err.alert(), A::HandshakeFailure);
    assert_eq!(m.c.conn.error(), Some(&err));
}

#[test]
fn server_hello_with_wrong_renegotiation_info_is_handshake_failure() {
    // Either half wrong, or the halves swapped.
    tampered_server_hello(Side::Client, |mut ri| {
        ri[3] ^= 0x80;
        Some(ri)
    });
    tampered_server_hello(Side::Server, |mut ri| {
        ri[20] ^= 1;
        Some(ri)
    });
    tampered_server_hello(Side::Client, |ri| Some([&ri[12..], &ri[..12]].concat()));
    tampered_server_hello(Side::Client, |ri| Some(ri[..12].to_vec()));
}

#[test]
fn server_hello_without_renegotiation_info_is_handshake_failure() {
    tampered_server_hello(Side::Client, |_| None);
    tampered_server_hello(Side::Client, |_| Some(Vec::new()));
}

/// A first handshake in which neither side saw renegotiation_info: the middle
/// strips it from the ClientHello (with the extended master secret, so that both
/// sides derive one master secret from the same randoms and shares), and mends
/// both Finished messages for the transcript each side holds.
fn connected_without_secure_renegotiation() -> Middle {
    let (mut cc, sc) = configs(true, true);
    cc.resumption = false;
    let mut m = Middle::new(cc, sc);
    let mut edited = Vec::new();
    m.client_to_server(&mut |rec| {
        if message_of(rec, H::ClientHello) {
            let mut ch = ClientHello::decode(body(&rec.payload)).unwrap();
            ch.extensions.0.retain(|e| {
                !matches!(
                    e,
                    Extension::RenegotiationInfo(_) | Extension::ExtendedMasterSecret
                )
            });
            assert!(!ch
                .cipher_suites
                .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
            rec.payload = ch.encode();
            edited = rec.payload.clone();
        }
    })
    .unwrap();
    m.server_to_client(&mut |_| {}).unwrap();
    let original = messages(&m.client_sent).remove(0);
    let server_flight = messages(&m.server_sent).concat();
    let sha256 = |parts: &[&[u8]]| -> Vec<u8> {
        let hash = lucidtls_aws_lc::provider().hash(lucidtls::enums::HashAlgorithm::Sha256);
        hash.hash(&parts.concat()).as_ref().to_vec()
    };
    let keys = m.keys_fn();
    let (mut cke, mut client_finished) = (Vec::new(), Vec::new());
    m.client_to_server(&mut |rec| {
        if message_of(rec, H::ClientKeyExchange) {
            cke = rec.payload.clone();
        }
        if message_of(rec, H::Finished) {
            client_finished = rec.payload.clone();
            let h = sha256(&[&edited, &server_flight, &cke]);
            let verify_data = keys().verify_data(Side::Client, &h).to_vec();
            rec.payload = Finished { verify_data }.encode();
        }
    })
    .unwrap();
    m.server_to_client(&mut |rec| {
        if message_of(rec, H::Finished) {
            let h = sha256(&[&original, &server_flight, &cke, &client_finished]);
            let verify_data = keys().verify_data(Side::Server, &h).to_vec();
            rec.payload = Finished { verify_data }.encode();
        }
    })
    .unwrap();
    assert!(!m.c.conn.is_handshaking() && !m.s.conn.is_handshaking());
    m
}

#[test]
fn peer_without_secure_renegotiation_is_refused_both_ways() {
    let mut m = connected_without_secure_renegotiation();
    for (end, tag) in [(&mut m.c, "client"), (&mut m.s, "server")] {
        let err = end.conn.renegotiate().unwrap_err();
        assert!(
            matches!(&err, Error::CannotRenegotiate(why) if why.contains("RFC 5746")),
            "{tag}: {err:?}"
        );
    }
    m.c.events.take();
    m.s.events.take();

    // The server's HelloRequest: the client declines.
    let hr = m.down.inject(
        ContentType::Handshake,
        &lucidtls::msgs::HelloRequest.encode(),
    );
    m.c.feed(&hr).unwrap();
    // A renegotiating ClientHello: the server declines.
    let mut hello = None;
    let (mut cc, _) = configs(true, true);
    cc.resumption = false;
    let mut probe = Connection::client(Arc::new(cc), localhost()).unwrap();
    for m in messages(&probe.take_tls()) {
        if typ(&m) == H::ClientHello {
            let mut ch = ClientHello::decode(body(&m)).unwrap();
            set_ri(&mut ch.extensions.0, Some(vec![7; 12]));
            hello = Some(ch.encode());
        }
    }
    let ch = m.up.inject(ContentType::Handshake, &hello.unwrap());
    m.s.feed(&ch).unwrap();
    m.settle().unwrap();
    let (ce, se) = (m.c.events.take(), m.s.events.take());
    assert_eq!(no_renegotiation_warnings(&ce, Side::Client), 1);
    assert_eq!(no_renegotiation_warnings(&se, Side::Server), 1);
    assert_eq!(renegotiation_events(&ce), vec![(Side::Server, false)]);
    assert_eq!(renegotiation_events(&se), vec![(Side::Client, false)]);

    // Both go on, through the middle.
    m.c.write(b"still here");
    m.s.write(b"me too");
    m.settle().unwrap();
    assert_eq!(m.s.read, b"still here");
    assert_eq!(m.c.read, b"me too");
    assert_eq!(m.c.conn.negotiated().renegotiations, 0);
}

// ---------------------------------------------------------------------------------
// Against OpenSSL (the openssl binary; a missing binary fails the test)

mod openssl {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, ChildStdin, Command, Stdio};
    use std::time::{Duration, Instant};

    const TIMEOUT: Duration = Duration::from_secs(10);

    fn base64(data: &[u8]) -> String {
        const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn pem(label: &str, der: &[u8]) -> String {
        let b64 = base64(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    /// A directory removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The test PKI as files: (directory, chain, key, CA).
    fn pki_files(tag: &str) -> (TempDir, String, String, String) {
        let pki = ecdsa_pki();
        let dir = std::env::temp_dir().join(format!("lucid-reneg-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p.to_string_lossy().into_owned()
        };
        let chain = write("chain.pem", pem("CERTIFICATE", pki.chain[0].as_ref()));
        let key = write("key.pem", pem("PRIVATE KEY", pki.key.secret_der()));
        let ca = write("ca.pem", pem("CERTIFICATE", pki.ca_der.as_ref()));
        (TempDir(dir), chain, key, ca)
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// A child process, killed (by its PID) when dropped.
    struct Peer {
        child: Child,
        stdin: Option<ChildStdin>,
        out: Arc<Mutex<Vec<u8>>>,
    }

    impl Peer {
        fn spawn(args: &[&str]) -> Self {
            let mut child = Command::new("openssl")
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the openssl binary must be installed");
            let out = Arc::new(Mutex::new(Vec::new()));
            for mut pipe in [
                Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
                Box::new(child.stderr.take().unwrap()),
            ] {
                let sink = out.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = pipe.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        sink.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                });
            }
            let stdin = child.stdin.take();
            Self { child, stdin, out }
        }

        fn output(&self) -> String {
            String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
        }

        fn wait_for(&self, needle: &str) {
            let start = Instant::now();
            while !self.output().contains(needle) {
                assert!(
                    start.elapsed() < TIMEOUT,
                    "openssl never printed {needle:?}:\n{}",
                    self.output()
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }

        fn type_line(&mut self, line: &str) {
            let stdin = self.stdin.as_mut().unwrap();
            stdin.write_all(line.as_bytes()).unwrap();
            stdin.flush().unwrap();
        }
    }

    impl Drop for Peer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn connect_when_ready(port: u16) -> TcpStream {
        let start = Instant::now();
        loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => return s,
                Err(_) if start.elapsed() < TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => panic!("openssl s_server did not start: {e}"),
            }
        }
    }

    /// A lucidtls end on a socket.
    struct Net {
        sock: TcpStream,
        end: End,
    }

    impl Net {
        fn new(sock: TcpStream, end: End) -> Self {
            sock.set_read_timeout(Some(Duration::from_millis(20)))
                .unwrap();
            Self { sock, end }
        }

        /// Sends what is queued, reads what arrives, until `done` holds.
        fn until(&mut self, what: &str, done: impl Fn(&End) -> bool) {
            let start = Instant::now();
            loop {
                let out = self.end.conn.take_tls();
                self.sock.write_all(&out).unwrap();
                if done(&self.end) {
                    return;
                }
                assert!(start.elapsed() < TIMEOUT, "timed out waiting for {what}");
                let mut buf = [0u8; 16 * 1024];
                match self.sock.read(&mut buf) {
                    Ok(0) => panic!("peer closed while waiting for {what}"),
                    Ok(n) => self.end.feed(&buf[..n]).unwrap(),
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(e) => panic!("{e}"),
                }
            }
        }

        /// Writes a line and waits for OpenSSL's -rev answer (the line reversed).
        fn echo(&mut self, line: &str) {
            let want: String = line.chars().rev().collect();
            self.end.write(format!("{line}\n").as_bytes());
            let before = self.end.read.len();
            self.until(&format!("echo of {line}"), |e| {
                String::from_utf8_lossy(&e.read[before..]).contains(&want)
            });
        }
    }

    #[test]
    fn lucid_client_renegotiates_with_openssl_server() {
        let (_dir, chain, key, _) = pki_files("server-ok");
        let port = free_port().to_string();
        let _peer = Peer::spawn(&[
            "s_server",
            "-accept",
            &port,
            "-cert",
            &chain,
            "-key",
            &key,
            "-tls1_2",
            "-rev",
            "-client_renegotiation",
        ]);
        let sock = connect_when_ready(port.parse().unwrap());
        let (cc, _) = configs(true, true);
        let (c, _) = observed(cc, ecdsa_pki().server_config());
        let mut net = Net::new(sock, c);
        net.until("the handshake", |e| !e.conn.is_handshaking());
        net.echo("before");
        for round in 1..=2 {
            net.end.conn.renegotiate().unwrap();
            net.until("the renegotiation", |e| !e.conn.is_renegotiating());
            assert!(net.end.conn.error().is_none());
            assert_eq!(net.end.renegotiations(), round);
            net.echo(&format!("after {round}"));
        }
        let masters = net.end.log.masters();
        assert_eq!(masters.len(), 3);
        assert!(masters[0].1 != masters[1].1 && masters[1].1 != masters[2].1);
        let events = net.end.events.take();
        assert_eq!(
            renegotiation_events(&events),
            vec![(Side::Client, true), (Side::Client, true)]
        );
    }

    #[test]
    fn openssl_server_declines_client_renegotiation_by_default() {
        let (_dir, chain, key, _) = pki_files("server-no");
        let port = free_port().to_string();
        let _peer = Peer::spawn(&[
            "s_server", "-accept", &port, "-cert", &chain, "-key", &key, "-tls1_2", "-rev",
        ]);
        let sock = connect_when_ready(port.parse().unwrap());
        let (cc, _) = configs(true, true);
        let (c, _) = observed(cc, ecdsa_pki().server_config());
        let mut net = Net::new(sock, c);
        net.until("the handshake", |e| !e.conn.is_handshaking());
        net.echo("before");
        net.end.events.take();
        net.end.conn.renegotiate().unwrap();
        net.until("the refusal", |e| !e.conn.is_renegotiating());
        assert!(net.end.conn.error().is_none());
        assert_eq!(net.end.renegotiations(), 0);
        assert_eq!(
            renegotiation_events(&net.end.events.take()),
            vec![(Side::Client, false)]
        );
        net.echo("still here");
    }

    /// The lucidtls server of one connection on its own thread: echoes every byte
    /// back, and renegotiates once (HelloRequest) on receiving "renegotiate".
    /// What the server thread reports: renegotiations completed, the error that
    /// ended the connection (if any), and the application data it read.
    type ServerReport = (u32, Option<Error>, Vec<u8>);

    fn lucid_server() -> (u16, std::thread::JoinHandle<ServerReport>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let (sock, _) = listener.accept().unwrap();
            let (_, mut sc) = configs(true, true);
            sc.common.versions = vec![ProtocolVersion::Tls12];
            let (_, s) = observed(ecdsa_pki().client_config(), sc);
            let mut net = Net::new(sock, s);
            let start = Instant::now();
            let mut echoed = 0;
            let mut asked = false;
            loop {
                let out = net.end.conn.take_tls();
                if net.sock.write_all(&out).is_err() || start.elapsed() > TIMEOUT {
                    break;
                }
                let mut buf = [0u8; 16 * 1024];
                match net.sock.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if net.end.feed(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => break,
                }
                let fresh = net.end.read[echoed..].to_vec();
                echoed = net.end.read.len();
                if !fresh.is_empty() {
                    net.end.conn.write_plaintext(&fresh).unwrap();
                }
                if !asked && String::from_utf8_lossy(&net.end.read).contains("renegotiate") {
                    asked = true;
                    net.end.conn.renegotiate().unwrap();
                }
                if net.end.conn.received_close_notify() {
                    net.end.conn.send_close_notify();
                    let _ = net.sock.write_all(&net.end.conn.take_tls());
                    break;
                }
            }
            let error = net.end.conn.error().cloned();
            (net.end.renegotiations(), error, net.end.read)
        });
        (port, handle)
    }

    fn s_client(port: u16, ca: &str) -> Peer {
        let connect = format!("127.0.0.1:{port}");
        Peer::spawn(&[
            "s_client",
            "-connect",
            &connect,
            "-servername",
            "localhost",
            "-CAfile",
            ca,
            "-verify_return_error",
            "-tls1_2",
        ])
    }

    #[test]
    fn openssl_client_renegotiates_with_lucid_server() {
        let (_dir, _, _, ca) = pki_files("client-r");
        let (port, server) = lucid_server();
        let mut client = s_client(port, &ca);
        client.type_line("hello\n");
        client.wait_for("hello\n");
        client.type_line("R\n");
        client.wait_for("RENEGOTIATING");
        client.type_line("again\n");
        client.wait_for("again\n");
        client.stdin = None;
        let (renegotiations, error, read) = server.join().unwrap();
        assert_eq!(error, None, "{}", client.output());
        assert_eq!(renegotiations, 1, "{}", client.output());
        assert_eq!(read, b"hello\nagain\n");
    }

    #[test]
    fn lucid_server_renegotiates_openssl_client() {
        let (_dir, _, _, ca) = pki_files("client-hr");
        let (port, server) = lucid_server();
        let mut client = s_client(port, &ca);
        client.type_line("renegotiate\n");
        client.wait_for("renegotiate\n");
        // s_client answers the HelloRequest on its own; then data flows again.
        std::thread::sleep(Duration::from_millis(200));
        client.type_line("again\n");
        client.wait_for("again\n");
        client.stdin = None;
        let (renegotiations, error, read) = server.join().unwrap();
        assert_eq!(error, None, "{}", client.output());
        assert_eq!(renegotiations, 1, "{}", client.output());
        assert_eq!(read, b"renegotiate\nagain\n");
    }
}
