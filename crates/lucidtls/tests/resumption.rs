//! Resumption, in memory: TLS 1.2 by session id and by ticket (RFC 5077), TLS 1.3 by
//! PSK (with and without HelloRetryRequest, psk_dhe_ke and psk_ke); what falls back
//! to a full handshake silently (another SNI or suite, a tampered, expired, reused or
//! retired ticket, an evicted or expired cache entry, no extended master secret) and
//! what aborts (a wrong binder: decrypt_error; a PSK index we did not offer:
//! illegal_parameter); the server cache's bound and lifetime; ticket key rotation;
//! saving and loading sessions; mutual TLS identities carried over; and rustls
//! interop both ways for TLS 1.3 and TLS 1.2.

mod common;

use common::pair::{handshake, localhost, pki, send, KeyKind, TestPki};
use common::peers::{
    drive_handshake, last_plain_alert, record, rustls_provider, send_over, split_records, EventLog,
    Lucid, Rustls,
};
use lucidtls::enums::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, ExtensionType, NamedGroup,
    ProtocolVersion,
};
use lucidtls::msgs::{ClientHello, Extension, HandshakeBody, ServerHello};
use lucidtls::session::{
    ClientSessionStore, InMemorySessionStore, ServerSessionCache, StoredSession, Ticketer,
    Tls12Session, Tls13Ticket,
};
use lucidtls::trace::ResumptionMechanism;
use lucidtls::{
    CertifiedKey, ClientAuth, ClientConfig, Connection, Error, ServerConfig, Side, TraceEvent,
};
use rustls_pki_types::{ServerName, UnixTime};
use std::cell::Cell;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

// ---------------------------------------------------------------------------------
// Clocks: per test thread, one for clients and one for servers.

const BASE: u64 = 1_750_000_000;

thread_local! {
    static CLIENT_NOW: Cell<u64> = const { Cell::new(BASE) };
    static SERVER_NOW: Cell<u64> = const { Cell::new(BASE) };
}

fn client_time() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(CLIENT_NOW.with(Cell::get)))
}

fn server_time() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(SERVER_NOW.with(Cell::get)))
}

fn advance_server(secs: u64) {
    SERVER_NOW.with(|c| c.set(c.get() + secs));
}

fn advance(secs: u64) {
    advance_server(secs);
    CLIENT_NOW.with(|c| c.set(c.get() + secs));
}

fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

// ---------------------------------------------------------------------------------
// Configurations

const TLS13: ProtocolVersion = ProtocolVersion::Tls13;
const TLS12: ProtocolVersion = ProtocolVersion::Tls12;

const ECDSA_AES128: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const ECDSA_AES256: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;

fn ecdsa() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| pki(KeyKind::EcdsaP256))
}

/// A client for `version` only, on the client clock, with its own session store.
fn client(version: ProtocolVersion) -> ClientConfig {
    let mut cc = ecdsa().client_config();
    cc.common.versions = vec![version];
    cc.common.time = client_time;
    cc
}

/// A default server (both versions, tickets, session cache) on the server clock.
fn server() -> ServerConfig {
    let mut sc = ecdsa().server_config();
    sc.common.time = server_time;
    sc
}

fn observed_client(version: ProtocolVersion) -> (ClientConfig, Arc<EventLog>) {
    let log = EventLog::new();
    let mut cc = client(version);
    cc.common.observer = Some(log.clone());
    (cc, log)
}

fn observed(mut sc: ServerConfig) -> (Arc<ServerConfig>, Arc<EventLog>) {
    let log = EventLog::new();
    sc.common.observer = Some(log.clone());
    (Arc::new(sc), log)
}

/// The store behind a client configuration (the default in-memory one).
fn store_of(cc: &ClientConfig) -> Arc<dyn ClientSessionStore> {
    cc.session_store.clone().expect("a session store")
}

// ---------------------------------------------------------------------------------
// Connections

/// A handshake to `name`, then data both ways (which also delivers TLS 1.3 tickets).
fn run_to(
    cc: &Arc<ClientConfig>,
    sc: &Arc<ServerConfig>,
    name: ServerName<'static>,
) -> (Connection, Connection) {
    let mut c = Connection::client(cc.clone(), name).unwrap();
    let mut s = Connection::server(sc.clone()).unwrap();
    handshake(&mut c, &mut s).expect("handshake");
    assert_eq!(send(&mut c, &mut s, b"ping"), b"ping");
    assert_eq!(send(&mut s, &mut c, b"pong"), b"pong");
    (c, s)
}

fn run(cc: &Arc<ClientConfig>, sc: &Arc<ServerConfig>) -> (Connection, Connection) {
    run_to(cc, sc, localhost())
}

/// Runs a connection and says whether both sides resumed (and that they agree).
fn resumed(cc: &Arc<ClientConfig>, sc: &Arc<ServerConfig>) -> bool {
    let (c, s) = run(cc, sc);
    assert_eq!(c.negotiated().resumed, s.negotiated().resumed);
    c.negotiated().resumed
}

type Outcome = (
    ProtocolVersion,
    ResumptionMechanism,
    bool,
    Option<&'static str>,
);

fn outcomes(events: &[TraceEvent]) -> Vec<Outcome> {
    events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Resumption {
                version,
                mechanism,
                accepted,
                reason,
            } => Some((*version, *mechanism, *accepted, *reason)),
            _ => None,
        })
        .collect()
}

/// The lifetimes of the NewSessionTickets in `events`.
fn tickets(events: &[TraceEvent]) -> Vec<u32> {
    events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::NewSessionTicket { lifetime, .. } => Some(*lifetime),
            _ => None,
        })
        .collect()
}

fn sent_certificate(events: &[TraceEvent], from: Side) -> bool {
    events
        .iter()
        .any(|e| matches!(e, TraceEvent::Certificate { from: f, .. } if *f == from))
}

/// The order of the server's handshake steps, as its trace tells them.
fn server_steps(events: &[TraceEvent]) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::ServerHello { .. } => Some("ServerHello"),
            TraceEvent::Certificate {
                from: Side::Server, ..
            } => Some("Certificate"),
            TraceEvent::ServerKeyExchange { .. } => Some("ServerKeyExchange"),
            TraceEvent::ServerHelloDone { .. } => Some("ServerHelloDone"),
            TraceEvent::NewSessionTicket { .. } => Some("NewSessionTicket"),
            TraceEvent::ChangeCipherSpec { from } => Some(match from {
                Side::Server => "ChangeCipherSpec(server)",
                Side::Client => "ChangeCipherSpec(client)",
            }),
            TraceEvent::Finished { from, .. } => Some(match from {
                Side::Server => "Finished(server)",
                Side::Client => "Finished(client)",
            }),
            _ => None,
        })
        .collect()
}

/// Flips one byte of `needle` where it occurs in `haystack` (a serialized session).
fn flip_inside(haystack: &[u8], needle: &[u8], offset: usize) -> Vec<u8> {
    let at = haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle in haystack");
    let mut out = haystack.to_vec();
    out[at + offset] ^= 0x01;
    out
}

// ---------------------------------------------------------------------------------
// TLS 1.2

#[test]
fn tls12_session_id_resumption() {
    let (cc, clog) = observed_client(TLS12);
    let cc = Arc::new(cc);
    let mut sc = server();
    sc.ticketer = None;
    let (sc, slog) = observed(sc);

    let (c1, s1) = run(&cc, &sc);
    assert!(!c1.negotiated().resumed && !s1.negotiated().resumed);
    let full = slog.take();
    assert!(outcomes(&full).is_empty(), "nothing offered the first time");
    assert!(tickets(&full).is_empty(), "tickets are off");
    let stored = store_of(&cc).get_tls12("localhost").expect("a session");
    assert_eq!(stored.session_id().len(), 32);
    assert!(stored.ticket().is_empty());
    assert!(stored.extended_master_secret());
    clog.take();

    for _ in 0..2 {
        let (c, s) = run(&cc, &sc);
        assert!(c.negotiated().resumed && s.negotiated().resumed);
        assert_eq!(c.negotiated().cipher_suite, c1.negotiated().cipher_suite);
        // The chain verified the first time is still reported.
        assert_eq!(
            c.negotiated().peer_certificates,
            c1.negotiated().peer_certificates
        );
        let expected = vec![(TLS12, ResumptionMechanism::SessionId, true, None)];
        let (sev, cev) = (slog.take(), clog.take());
        assert_eq!(outcomes(&sev), expected);
        assert_eq!(outcomes(&cev), expected);
        // The abbreviated handshake: the server's CCS and Finished come first.
        assert_eq!(
            server_steps(&sev),
            [
                "ServerHello",
                "ChangeCipherSpec(server)",
                "Finished(server)",
                "ChangeCipherSpec(client)",
                "Finished(client)",
            ]
        );
        assert!(!sent_certificate(&cev, Side::Server));
        // The ServerHello echoes the session id we offered.
        let echoed = sev.iter().find_map(|e| match e {
            TraceEvent::ServerHello { session_id, .. } => Some(session_id.clone()),
            _ => None,
        });
        assert_eq!(echoed.as_deref(), Some(stored.session_id()));
    }
}

#[test]
fn tls12_ticket_resumption() {
    let (cc, clog) = observed_client(TLS12);
    let cc = Arc::new(cc);
    let (sc, slog) = observed(server());

    let (c1, _) = run(&cc, &sc);
    let full = slog.take();
    assert_eq!(tickets(&full), [7200], "one ticket, default lifetime");
    assert_eq!(
        server_steps(&full),
        [
            "ServerHello",
            "Certificate",
            "ServerKeyExchange",
            "ServerHelloDone",
            "ChangeCipherSpec(client)",
            "Finished(client)",
            "NewSessionTicket",
            "ChangeCipherSpec(server)",
            "Finished(server)",
        ]
    );
    let stored = store_of(&cc).get_tls12("localhost").expect("a session");
    assert!(!stored.ticket().is_empty());
    assert!(
        stored.session_id().is_empty(),
        "RFC 5077 §3.4: no session id with a ticket"
    );
    assert_eq!(stored.lifetime(), Duration::from_secs(7200));
    clog.take();

    let (c2, s2) = run(&cc, &sc);
    assert!(c2.negotiated().resumed && s2.negotiated().resumed);
    assert_eq!(
        c2.negotiated().peer_certificates,
        c1.negotiated().peer_certificates
    );
    let (sev, cev) = (slog.take(), clog.take());
    let expected = vec![(TLS12, ResumptionMechanism::Ticket, true, None)];
    assert_eq!(outcomes(&sev), expected);
    assert_eq!(outcomes(&cev), expected);
    // A fresh ticket comes along with the abbreviated handshake.
    assert_eq!(
        server_steps(&sev),
        [
            "ServerHello",
            "NewSessionTicket",
            "ChangeCipherSpec(server)",
            "Finished(server)",
            "ChangeCipherSpec(client)",
            "Finished(client)",
        ]
    );
    let renewed = store_of(&cc).get_tls12("localhost").unwrap();
    assert_ne!(renewed.ticket(), stored.ticket());
    assert!(resumed(&cc, &sc), "the new ticket works too");
}

#[test]
fn tls12_without_extended_master_secret_is_not_resumable() {
    let cc = Arc::new(client(TLS12));
    let mut sc = server();
    sc.ticketer = None;
    let (sc, slog) = observed(sc);
    run(&cc, &sc);
    slog.take();

    // The same client offers its session again, but the hello lost the extended
    // master secret: RFC 7627 §5.3 — a full handshake, and no new session at all.
    let mut c = Connection::client(cc.clone(), localhost()).unwrap();
    let flight = c.take_tls();
    let mut ch = ClientHello::decode(&flight[9..]).unwrap();
    let offered_id = ch.session_id.clone();
    ch.extensions
        .0
        .retain(|e| e.typ() != ExtensionType::ExtendedMasterSecret);
    let mut s = Connection::server(sc.clone()).unwrap();
    s.read_tls(&record(ContentType::Handshake, &ch.encode()));
    s.process_new_packets().unwrap();
    let answer = s.take_tls();
    let sh = ServerHello::decode(&split_records(&answer)[0][9..]).unwrap();
    assert!(!s.negotiated().resumed);
    assert_ne!(sh.session_id, offered_id);
    assert!(sh.session_id.is_empty(), "a session without EMS gets no id");
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS12,
            ResumptionMechanism::SessionId,
            false,
            Some("resumption needs the extended master secret (RFC 7627 §5.3)")
        )]
    );
}

#[test]
fn tls12_session_serialization_round_trip() {
    let cc = client(TLS12);
    let store = Arc::new(InMemorySessionStore::default());
    let mut cc = cc;
    cc.session_store = Some(store.clone());
    let cc = Arc::new(cc);
    let sc = Arc::new(server());
    run(&cc, &sc);

    // Save (what `--sess-out` does) ...
    let saved = store.export("localhost");
    assert_eq!(saved.len(), 1);
    let bytes = saved[0].to_bytes();
    let back = StoredSession::from_bytes(bytes.expose()).unwrap();
    assert_eq!(back, saved[0]);
    let StoredSession::Tls12(session) = &back else {
        panic!("a TLS 1.2 session")
    };
    assert_eq!(Tls12Session::from_bytes(bytes.expose()).unwrap(), *session);
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(StoredSession::from_bytes(&bytes.expose()[..cut]).is_err());
    }
    assert!(
        !format!("{back:?}").contains(&format!("{:?}", &bytes.expose()[20..30])),
        "Debug shows no secret bytes"
    );

    // ... and load it into another client (what `--sess-in` does).
    let mut fresh = client(TLS12);
    let fresh_store = Arc::new(InMemorySessionStore::default());
    fresh_store.insert(StoredSession::from_bytes(bytes.expose()).unwrap());
    fresh.session_store = Some(fresh_store);
    assert!(resumed(&Arc::new(fresh), &sc));
}

// ---------------------------------------------------------------------------------
// TLS 1.3

#[test]
fn tls13_psk_resumption() {
    let (cc, clog) = observed_client(TLS13);
    let cc = Arc::new(cc);
    let (sc, slog) = observed(server());

    let (c1, _) = run(&cc, &sc);
    let full = clog.take();
    assert_eq!(tickets(&full), [7200, 7200], "two tickets by default");
    assert!(sent_certificate(&full, Side::Server));
    slog.take();

    let (c2, s2) = run(&cc, &sc);
    assert!(c2.negotiated().resumed && s2.negotiated().resumed);
    assert_eq!(
        c2.negotiated().group,
        Some(NamedGroup::X25519),
        "psk_dhe_ke"
    );
    assert_eq!(
        c2.negotiated().peer_certificates,
        c1.negotiated().peer_certificates
    );
    let (sev, cev) = (slog.take(), clog.take());
    let expected = vec![(TLS13, ResumptionMechanism::Psk, true, None)];
    assert_eq!(outcomes(&sev), expected);
    assert_eq!(outcomes(&cev), expected);
    // No Certificate, CertificateVerify or CertificateRequest in a PSK handshake.
    assert!(!sent_certificate(&cev, Side::Server));
    assert!(!cev
        .iter()
        .any(|e| matches!(e, TraceEvent::CertificateVerify { .. })));
    // The ServerHello says which PSK it took; the resumed connection issues tickets too.
    assert!(sev.iter().any(|e| matches!(e,
        TraceEvent::ServerHello { extensions, .. } if extensions.contains(&ExtensionType::PreSharedKey))));
    assert_eq!(tickets(&cev), [7200, 7200]);
}

#[test]
fn tls13_each_ticket_is_offered_once() {
    let cc = Arc::new(client(TLS13));
    let mut sc = server();
    sc.tls13_tickets = 1;
    let sc = Arc::new(sc);
    run(&cc, &sc);
    let store = store_of(&cc);
    let ticket = store.take_tls13("localhost").expect("a ticket");
    assert!(store.take_tls13("localhost").is_none(), "one ticket sent");
    store.push_tls13("localhost", ticket);
    assert!(resumed(&cc, &sc));
    // That connection consumed the ticket and brought one new one.
    let next = store.take_tls13("localhost").expect("a new ticket");
    assert!(store.take_tls13("localhost").is_none());
    store.push_tls13("localhost", next);
    assert!(resumed(&cc, &sc));
    // No tickets: nothing to offer.
    let mut sc = server();
    sc.tls13_tickets = 0;
    let cc = Arc::new(client(TLS13));
    let sc = Arc::new(sc);
    run(&cc, &sc);
    assert!(store_of(&cc).take_tls13("localhost").is_none());
    assert!(!resumed(&cc, &sc));
}

/// A client whose first key share is P-384, to a server that takes only X25519:
/// every handshake goes through a HelloRetryRequest.
fn hrr_pair() -> (ClientConfig, ServerConfig) {
    let mut cc = client(TLS13);
    cc.common.groups = vec![NamedGroup::secp384r1, NamedGroup::X25519];
    let mut sc = server();
    sc.common.groups = vec![NamedGroup::X25519];
    (cc, sc)
}

#[test]
fn tls13_psk_resumption_with_hello_retry_request() {
    let (cc, sc) = hrr_pair();
    let (cc, clog) = {
        let log = EventLog::new();
        let mut cc = cc;
        cc.common.observer = Some(log.clone());
        (Arc::new(cc), log)
    };
    let sc = Arc::new(sc);
    let (c1, _) = run(&cc, &sc);
    assert!(c1.negotiated().hello_retry && !c1.negotiated().resumed);
    clog.take();

    // The binder of the second ClientHello covers message_hash(ClientHello1) and
    // the HelloRetryRequest; the server checks it against that transcript.
    let (c2, s2) = run(&cc, &sc);
    assert!(c2.negotiated().hello_retry && s2.negotiated().hello_retry);
    assert!(c2.negotiated().resumed && s2.negotiated().resumed);
    assert_eq!(
        outcomes(&clog.take()),
        [(TLS13, ResumptionMechanism::Psk, true, None)]
    );
}

#[test]
fn tls13_wrong_binder_after_hello_retry_request_is_decrypt_error() {
    let (cc, sc) = hrr_pair();
    let (cc, sc) = (Arc::new(cc), Arc::new(sc));
    run(&cc, &sc);
    let mut c = Connection::client(cc.clone(), localhost()).unwrap();
    let mut s = Connection::server(sc.clone()).unwrap();
    s.read_tls(&c.take_tls());
    s.process_new_packets().unwrap();
    c.read_tls(&s.take_tls());
    c.process_new_packets().unwrap();
    assert!(c.negotiated().hello_retry);
    // CCS, then the second ClientHello, whose last byte is its binder's.
    let mut flight = c.take_tls();
    let last = flight.len() - 1;
    flight[last] ^= 0x80;
    s.read_tls(&flight);
    assert_eq!(s.process_new_packets(), Err(Error::BadPskBinder));
    assert_eq!(
        last_plain_alert(&s.take_tls()),
        Some((AlertLevel::Fatal, AlertDescription::DecryptError))
    );
}

#[test]
fn tls13_psk_dropped_when_the_retry_names_another_hash() {
    // The ticket comes from a SHA-256 suite ...
    let mut cc = client(TLS13);
    cc.common.groups = vec![NamedGroup::secp384r1, NamedGroup::X25519];
    let cc = Arc::new(cc);
    let mut first = server();
    first.common.cipher_suites = vec![CipherSuite::TLS13_AES_128_GCM_SHA256];
    let ticketer = first.ticketer.clone();
    run(&cc, &Arc::new(first));
    // ... and the retry names a SHA-384 one: the second ClientHello leaves the PSK out.
    let mut second = server();
    second.ticketer = ticketer;
    second.common.cipher_suites = vec![CipherSuite::TLS13_AES_256_GCM_SHA384];
    second.common.groups = vec![NamedGroup::X25519];
    let (second, slog) = observed(second);
    let (c, s) = run(&cc, &second);
    assert!(c.negotiated().hello_retry && !c.negotiated().resumed && !s.negotiated().resumed);
    assert!(
        outcomes(&slog.take()).is_empty(),
        "no PSK reached the server"
    );
}

#[test]
fn tls13_wrong_binder_is_decrypt_error() {
    let cc = Arc::new(client(TLS13));
    let sc = Arc::new(server());
    run(&cc, &sc);
    let mut c = Connection::client(cc.clone(), localhost()).unwrap();
    let mut flight = c.take_tls();
    let recs = split_records(&flight);
    assert_eq!(recs.len(), 1, "the ClientHello, in one record");
    let ch = ClientHello::decode(&recs[0][9..]).unwrap();
    let offer = ch.psk_offer_last().expect("a PSK offer");
    assert_eq!(offer.binders.len(), 1);
    assert_eq!(offer.binders[0].len(), 32);
    // pre_shared_key is the last extension and the binders its last field: the last
    // byte of the ClientHello is the last byte of the binder. Nothing else changes.
    let last = flight.len() - 1;
    flight[last] ^= 0x01;
    let mut s = Connection::server(sc.clone()).unwrap();
    s.read_tls(&flight);
    let err = s.process_new_packets().unwrap_err();
    assert_eq!(err, Error::BadPskBinder);
    assert_eq!(err.alert(), AlertDescription::DecryptError);
    assert_eq!(
        last_plain_alert(&s.take_tls()),
        Some((AlertLevel::Fatal, AlertDescription::DecryptError))
    );
}

#[test]
fn tls13_client_refuses_a_psk_index_it_did_not_offer() {
    let cc = Arc::new(client(TLS13));
    let sc = Arc::new(server());
    run(&cc, &sc);
    let mut c = Connection::client(cc.clone(), localhost()).unwrap();
    let mut s = Connection::server(sc.clone()).unwrap();
    s.read_tls(&c.take_tls());
    s.process_new_packets().unwrap();
    let answer = s.take_tls();
    let first = &split_records(&answer)[0];
    let mut sh = ServerHello::decode(&first[9..]).unwrap();
    let psk = sh.extensions.0.last_mut().unwrap();
    assert_eq!(*psk, Extension::PreSharedKeySelected(0));
    *psk = Extension::PreSharedKeySelected(1);
    c.read_tls(&record(ContentType::Handshake, &sh.encode()));
    let err = c.process_new_packets().unwrap_err();
    assert!(matches!(err, Error::IllegalParameter(_)), "{err:?}");
    assert_eq!(err.alert(), AlertDescription::IllegalParameter);
}

#[test]
fn tls13_psk_ke_when_both_sides_allow_it() {
    let mut cc = client(TLS13);
    cc.psk_ke_allowed = true;
    let cc = Arc::new(cc);
    let mut sc = server();
    sc.psk_ke_allowed = true;
    let sc = Arc::new(sc);
    let (c1, _) = run(&cc, &sc);
    assert!(c1.negotiated().group.is_some());
    let (c2, s2) = run(&cc, &sc);
    assert!(c2.negotiated().resumed && s2.negotiated().resumed);
    assert_eq!(c2.negotiated().group, None, "psk_ke: no (EC)DHE");
    assert_eq!(s2.negotiated().group, None);
    // A server that does not allow it keeps psk_dhe_ke.
    let strict = Arc::new(server());
    run(&cc, &strict);
    let (c3, _) = run(&cc, &strict);
    assert!(c3.negotiated().resumed);
    assert!(c3.negotiated().group.is_some());
}

#[test]
fn tls13_ticket_serialization_round_trip() {
    let store = Arc::new(InMemorySessionStore::default());
    let mut cc = client(TLS13);
    cc.session_store = Some(store.clone());
    let sc = Arc::new(server());
    run(&Arc::new(cc), &sc);
    let saved = store.export("localhost");
    assert_eq!(saved.len(), 2);
    let StoredSession::Tls13(ticket) = saved.last().unwrap() else {
        panic!("a TLS 1.3 ticket")
    };
    assert_eq!(ticket.cipher_suite(), CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(ticket.lifetime(), Duration::from_secs(7200));
    assert!(!ticket.peer_certificates().is_empty());
    let bytes = ticket.to_bytes();
    assert_eq!(Tls13Ticket::from_bytes(bytes.expose()).unwrap(), *ticket);
    assert!(Tls12Session::from_bytes(bytes.expose()).is_err());
    let mut long = bytes.expose().to_vec();
    long.push(0);
    assert!(StoredSession::from_bytes(&long).is_err());

    let fresh_store = Arc::new(InMemorySessionStore::default());
    fresh_store.insert(StoredSession::from_bytes(bytes.expose()).unwrap());
    let mut fresh = client(TLS13);
    fresh.session_store = Some(fresh_store);
    assert!(resumed(&Arc::new(fresh), &sc));
}

// ---------------------------------------------------------------------------------
// Silent fallbacks

/// A store that files every session under one name: it offers a session made with
/// one server name to another (which a correct store never does).
#[derive(Debug, Default)]
struct OneNameStore(InMemorySessionStore);

impl ClientSessionStore for OneNameStore {
    fn put_tls12(&self, _: &str, session: Tls12Session) {
        self.0.put_tls12("any", session)
    }
    fn get_tls12(&self, _: &str) -> Option<Tls12Session> {
        self.0.get_tls12("any")
    }
    fn remove_tls12(&self, _: &str) {
        self.0.remove_tls12("any")
    }
    fn push_tls13(&self, _: &str, ticket: Tls13Ticket) {
        self.0.push_tls13("any", ticket)
    }
    fn take_tls13(&self, _: &str) -> Option<Tls13Ticket> {
        self.0.take_tls13("any")
    }
}

#[test]
fn another_server_name_means_a_full_handshake() {
    let ip = ServerName::try_from("127.0.0.1").unwrap();
    let cases: [(ProtocolVersion, bool, ResumptionMechanism, &str); 3] = [
        (
            TLS13,
            true,
            ResumptionMechanism::Psk,
            "the ticket was issued for another server name",
        ),
        (
            TLS12,
            true,
            ResumptionMechanism::Ticket,
            "the session was for another server name",
        ),
        (
            TLS12,
            false,
            ResumptionMechanism::SessionId,
            "the session was for another server name",
        ),
    ];
    for (version, tickets_on, mechanism, reason) in cases {
        let mut cc = client(version);
        cc.session_store = Some(Arc::new(OneNameStore::default()));
        let cc = Arc::new(cc);
        let mut sc = server();
        if !tickets_on {
            sc.ticketer = None;
        }
        let (sc, slog) = observed(sc);
        // SNI "localhost" the first time; no SNI (an IP address) the second.
        run(&cc, &sc);
        slog.take();
        let (c, s) = run_to(&cc, &sc, ip.clone());
        assert!(
            !c.negotiated().resumed && !s.negotiated().resumed,
            "{version}"
        );
        assert_eq!(
            outcomes(&slog.take()),
            [(version, mechanism, false, Some(reason))],
            "{version}"
        );
        // The session from that connection resumes with the same (absent) name.
        let (c, s) = run_to(&cc, &sc, ip.clone());
        assert!(
            c.negotiated().resumed && s.negotiated().resumed,
            "{version}"
        );
    }
}

#[test]
fn another_suite_means_a_full_handshake() {
    // TLS 1.2: the session's suite is no longer enabled on the server.
    let mut cc = client(TLS12);
    cc.common.cipher_suites = vec![ECDSA_AES128, ECDSA_AES256];
    let cc = Arc::new(cc);
    let mut first = server();
    first.common.cipher_suites = vec![ECDSA_AES128];
    let (ticketer, cache) = (first.ticketer.clone(), first.session_cache.clone());
    run(&cc, &Arc::new(first));
    let mut second = server();
    second.common.cipher_suites = vec![ECDSA_AES256];
    second.ticketer = ticketer;
    second.session_cache = cache;
    let (second, slog) = observed(second);
    let (c, s) = run(&cc, &second);
    assert!(!c.negotiated().resumed && !s.negotiated().resumed);
    assert_eq!(c.negotiated().cipher_suite, Some(ECDSA_AES256));
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS12,
            ResumptionMechanism::Ticket,
            false,
            Some("the session's cipher suite is not offered or not enabled")
        )]
    );

    // TLS 1.3: a ticket from a SHA-256 suite, a server now choosing a SHA-384 one.
    let cc = Arc::new(client(TLS13));
    let mut first = server();
    first.common.cipher_suites = vec![CipherSuite::TLS13_AES_128_GCM_SHA256];
    let ticketer = first.ticketer.clone();
    run(&cc, &Arc::new(first));
    let mut other_hash = server();
    other_hash.common.cipher_suites = vec![CipherSuite::TLS13_AES_256_GCM_SHA384];
    other_hash.ticketer = ticketer.clone();
    other_hash.tls13_tickets = 0; // keep the client's second SHA-256 ticket the newest
    let (other_hash, slog) = observed(other_hash);
    let (c, _) = run(&cc, &other_hash);
    assert!(!c.negotiated().resumed);
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS13,
            ResumptionMechanism::Psk,
            false,
            Some("the ticket's hash differs from the chosen suite's")
        )]
    );
    // A different suite with the same hash is fine in TLS 1.3.
    let mut same_hash = server();
    same_hash.common.cipher_suites = vec![CipherSuite::TLS13_CHACHA20_POLY1305_SHA256];
    same_hash.ticketer = ticketer;
    let (c, s) = run(&cc, &Arc::new(same_hash));
    assert!(c.negotiated().resumed && s.negotiated().resumed);
    assert_eq!(
        c.negotiated().cipher_suite,
        Some(CipherSuite::TLS13_CHACHA20_POLY1305_SHA256)
    );
}

#[test]
fn tampered_tickets_mean_a_full_handshake() {
    // TLS 1.3: one byte of the ticket (the PSK identity) flipped; the binder is right
    // for the PSK the client holds, but the server cannot open the ticket.
    let store = Arc::new(InMemorySessionStore::default());
    let mut cc = client(TLS13);
    cc.session_store = Some(store.clone());
    let cc = Arc::new(cc);
    let (sc, slog) = observed(server());
    run(&cc, &sc);
    slog.take();
    let mut held = Vec::new();
    while let Some(t) = store.take_tls13("localhost") {
        held.push(t);
    }
    assert_eq!(held.len(), 2);
    for t in held {
        let bytes = t.to_bytes();
        let tampered = flip_inside(bytes.expose(), t.ticket(), 40);
        store.insert(StoredSession::from_bytes(&tampered).unwrap());
    }
    let (c, s) = run(&cc, &sc);
    assert!(!c.negotiated().resumed && !s.negotiated().resumed);
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS13,
            ResumptionMechanism::Psk,
            false,
            Some("no ticket of ours")
        )]
    );

    // TLS 1.2: the same with an RFC 5077 ticket.
    let store = Arc::new(InMemorySessionStore::default());
    let mut cc = client(TLS12);
    cc.session_store = Some(store.clone());
    let cc = Arc::new(cc);
    run(&cc, &sc);
    slog.take();
    let session = store.get_tls12("localhost").unwrap();
    let bytes = session.to_bytes();
    store.insert(
        StoredSession::from_bytes(&flip_inside(bytes.expose(), session.ticket(), 40)).unwrap(),
    );
    let (c, s) = run(&cc, &sc);
    assert!(!c.negotiated().resumed && !s.negotiated().resumed);
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS12,
            ResumptionMechanism::Ticket,
            false,
            Some("the ticket is not one of ours, or its key has retired")
        )]
    );
    assert!(
        resumed(&cc, &sc),
        "the full handshake brought a good ticket"
    );
}

#[test]
fn expired_tickets_mean_a_full_handshake() {
    // TLS 1.3: only the server's clock moves past the lifetime, so the client still
    // offers the ticket; the server refuses it.
    let cc = Arc::new(client(TLS13));
    let (sc, slog) = observed(server());
    run(&cc, &sc);
    advance_server(7200);
    slog.take();
    assert!(!resumed(&cc, &sc));
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS13,
            ResumptionMechanism::Psk,
            false,
            Some("the ticket has expired")
        )]
    );

    // TLS 1.2 ticket: the same.
    let cc = Arc::new(client(TLS12));
    run(&cc, &sc);
    advance_server(7200);
    slog.take();
    assert!(!resumed(&cc, &sc));
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS12,
            ResumptionMechanism::Ticket,
            false,
            Some("the session has expired")
        )]
    );

    // Both clocks past the lifetime: the client does not even offer it.
    let (cc, clog) = observed_client(TLS13);
    let cc = Arc::new(cc);
    run(&cc, &sc);
    advance(7201);
    clog.take();
    assert!(!resumed(&cc, &sc));
    assert!(outcomes(&clog.take()).is_empty());
}

#[test]
fn a_ticket_age_far_from_ours_means_a_full_handshake() {
    let cc = Arc::new(client(TLS13));
    let (sc, slog) = observed(server());
    run(&cc, &sc);
    // Within the tolerance: resumed.
    advance_server(5);
    assert!(resumed(&cc, &sc));
    // The server's clock runs a minute ahead of the client's.
    advance_server(60);
    slog.take();
    assert!(!resumed(&cc, &sc));
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS13,
            ResumptionMechanism::Psk,
            false,
            Some("the client's ticket age is far from ours")
        )]
    );
}

#[test]
fn single_use_tickets() {
    for single_use in [false, true] {
        let mut sc = server();
        sc.single_use_tickets = single_use;
        let (sc, slog) = observed(sc);
        let store = Arc::new(InMemorySessionStore::default());
        let mut cc = client(TLS13);
        cc.session_store = Some(store.clone());
        let cc = Arc::new(cc);
        run(&cc, &sc);
        let saved = store.export("localhost").pop().unwrap().to_bytes();
        let offer_saved = || {
            while store.take_tls13("localhost").is_some() {}
            store.insert(StoredSession::from_bytes(saved.expose()).unwrap());
        };
        offer_saved();
        assert!(resumed(&cc, &sc));
        offer_saved();
        slog.take();
        assert_eq!(resumed(&cc, &sc), !single_use, "single use: {single_use}");
        if single_use {
            assert_eq!(
                outcomes(&slog.take()),
                [(
                    TLS13,
                    ResumptionMechanism::Psk,
                    false,
                    Some("the ticket was already used")
                )]
            );
        }
    }
    // Single-use tickets need a cache to remember them in.
    let mut sc = server();
    sc.single_use_tickets = true;
    sc.session_cache = None;
    assert!(matches!(
        Connection::server(Arc::new(sc)),
        Err(Error::Config(_))
    ));
}

#[test]
fn ticket_key_rotation() {
    let provider = lucidtls_aws_lc::provider();
    // The ticketer alone: keys rotate every 100 s and open tickets for two periods.
    let ticketer = Ticketer::with_schedule(
        provider.clone(),
        Duration::from_secs(100),
        Duration::from_secs(1000),
    )
    .unwrap();
    let a = ticketer.encrypt(b"state A", at(BASE)).unwrap();
    assert_eq!(
        ticketer.decrypt(&a, at(BASE + 50)).unwrap().expose(),
        b"state A"
    );
    let b = ticketer.encrypt(b"state B", at(BASE + 120)).unwrap();
    assert_ne!(a[..16], b[..16], "a new key, with a new name");
    assert!(
        ticketer.decrypt(&a, at(BASE + 150)).is_some(),
        "previous key"
    );
    assert!(
        ticketer.decrypt(&b, at(BASE + 150)).is_some(),
        "current key"
    );
    assert!(
        ticketer.decrypt(&a, at(BASE + 200)).is_none(),
        "two periods: retired"
    );
    let c = ticketer.encrypt(b"state C", at(BASE + 230)).unwrap();
    assert!(
        ticketer.decrypt(&a, at(BASE + 230)).is_none(),
        "older: gone"
    );
    assert!(ticketer.decrypt(&b, at(BASE + 230)).is_some());
    assert!(ticketer.decrypt(&c, at(BASE + 230)).is_some());
    let mut bad = c.clone();
    bad[30] ^= 1;
    assert!(ticketer.decrypt(&bad, at(BASE + 230)).is_none(), "tampered");
    assert!(
        ticketer.decrypt(&c[..40], at(BASE + 230)).is_none(),
        "truncated"
    );
    assert!(
        Ticketer::with_schedule(provider.clone(), Duration::ZERO, Duration::from_secs(1)).is_err()
    );
    assert!(Ticketer::with_schedule(
        provider.clone(),
        Duration::from_secs(1),
        Duration::from_secs(8 * 24 * 3600)
    )
    .is_err());

    // Through handshakes: a ticket from key A still resumes after the server moved on
    // to key B, and no longer once key C came.
    let mut sc = server();
    sc.ticketer = Some(Arc::new(
        Ticketer::with_schedule(
            provider,
            Duration::from_secs(100),
            Duration::from_secs(1000),
        )
        .unwrap(),
    ));
    let (sc, slog) = observed(sc);
    let store = Arc::new(InMemorySessionStore::default());
    let mut cc = client(TLS13);
    cc.session_store = Some(store.clone());
    run(&Arc::new(cc), &sc);
    let saved: Vec<_> = store
        .export("localhost")
        .iter()
        .map(|s| s.to_bytes())
        .collect();
    let with_ticket = |bytes: &lucidtls::crypto::Secret| {
        let store = Arc::new(InMemorySessionStore::default());
        store.insert(StoredSession::from_bytes(bytes.expose()).unwrap());
        let mut cc = client(TLS13);
        cc.session_store = Some(store);
        Arc::new(cc)
    };
    advance(120);
    run(&Arc::new(client(TLS13)), &sc); // another client: the server now seals with B
    advance(30);
    assert!(
        resumed(&with_ticket(&saved[0]), &sc),
        "A is the previous key"
    );
    advance(100); // 250 s: C is current, A retired
    run(&Arc::new(client(TLS13)), &sc);
    slog.take();
    assert!(!resumed(&with_ticket(&saved[1]), &sc));
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS13,
            ResumptionMechanism::Psk,
            false,
            Some("no ticket of ours")
        )]
    );
}

#[test]
fn server_cache_is_bounded_and_expires() {
    let mut sc = server();
    sc.ticketer = None;
    sc.session_cache = Some(Arc::new(ServerSessionCache::new(
        1,
        Duration::from_secs(60),
    )));
    let sc = Arc::new(sc);
    let (a, b) = (Arc::new(client(TLS12)), Arc::new(client(TLS12)));
    run(&a, &sc);
    run(&b, &sc); // evicts a's session: the cache holds one
    assert_eq!(sc.session_cache.as_ref().unwrap().len(), 1);
    assert!(!resumed(&a, &sc), "evicted");
    // That full handshake evicted b's in turn; b's next one restores it.
    assert!(!resumed(&b, &sc));
    assert!(resumed(&b, &sc));
    advance(59);
    assert!(resumed(&b, &sc), "within the lifetime");
    advance(1);
    assert!(!resumed(&b, &sc), "expired after 60 s");
    assert!(resumed(&b, &sc));
    // No cache at all: no session id, nothing to resume.
    let mut sc = server();
    sc.ticketer = None;
    sc.session_cache = None;
    let sc = Arc::new(sc);
    let cc = Arc::new(client(TLS12));
    run(&cc, &sc);
    assert!(store_of(&cc).get_tls12("localhost").is_none());
    assert!(!resumed(&cc, &sc));
}

#[test]
fn resumption_can_be_turned_off() {
    let sc = Arc::new(server());
    for version in [TLS13, TLS12] {
        let mut cc = client(version);
        cc.resumption = false;
        let cc = Arc::new(cc);
        run(&cc, &sc);
        assert!(!resumed(&cc, &sc), "{version}");
        let mut cc = client(version);
        cc.session_store = None;
        let cc = Arc::new(cc);
        run(&cc, &sc);
        assert!(!resumed(&cc, &sc), "{version}");
    }
    // --no-tickets: TLS 1.3 cannot resume, TLS 1.2 still can by session id.
    let mut sc = server();
    sc.ticketer = None;
    let sc = Arc::new(sc);
    for (version, expected) in [(TLS13, false), (TLS12, true)] {
        let cc = Arc::new(client(version));
        run(&cc, &sc);
        assert_eq!(resumed(&cc, &sc), expected, "{version}");
    }
}

#[test]
fn client_identity_survives_resumption() {
    let provider = lucidtls_aws_lc::provider();
    let pki = ecdsa();
    let identity = CertifiedKey::new(&*provider, pki.chain.clone(), &pki.key).unwrap();
    for version in [TLS13, TLS12] {
        let mut cc = client(version);
        cc.client_identities = vec![identity.clone()];
        let cc = Arc::new(cc);
        let mut sc = server();
        sc.client_auth = ClientAuth::Required(pki.roots());
        let sc = Arc::new(sc);
        let (_, s1) = run(&cc, &sc);
        assert!(s1.negotiated().client_identity_verified);
        let (c2, s2) = run(&cc, &sc);
        assert!(
            c2.negotiated().resumed && s2.negotiated().resumed,
            "{version}"
        );
        assert!(s2.negotiated().client_identity_verified, "{version}");
        assert_eq!(s2.negotiated().peer_certificates, pki.chain, "{version}");
        assert!(
            !s2.negotiated().client_auth_requested,
            "no CertificateRequest"
        );
    }
    // A session without a client identity does not resume where one is required.
    let mut open = server();
    open.client_auth = ClientAuth::Optional(pki.roots());
    let ticketer = open.ticketer.clone();
    let cc = Arc::new(client(TLS13));
    run(&cc, &Arc::new(open));
    let mut strict = server();
    strict.client_auth = ClientAuth::Required(pki.roots());
    strict.ticketer = ticketer;
    let (strict, slog) = observed(strict);
    let mut c = Connection::client(cc, localhost()).unwrap();
    let mut s = Connection::server(strict).unwrap();
    let err = handshake(&mut c, &mut s).unwrap_err();
    assert_eq!(err.1, Error::ClientCertificateRequired(TLS13));
    assert_eq!(
        outcomes(&slog.take()),
        [(
            TLS13,
            ResumptionMechanism::Psk,
            false,
            Some("a client certificate is required and the ticket's session had none")
        )]
    );
}

#[test]
fn traces_carry_no_secrets() {
    // The Resumption and NewSessionTicket events are all the trace says about
    // sessions: no PSK, and no ticket bytes.
    let (cc, clog) = observed_client(TLS13);
    let cc = Arc::new(cc);
    let (sc, slog) = observed(server());
    run(&cc, &sc);
    run(&cc, &sc);
    let ticket = store_of(&cc).take_tls13("localhost").unwrap();
    // Serialized: version, kind, name (2 + 9), ticket (2 + n), PSK (1 + 32), ...
    let bytes = ticket.to_bytes();
    let psk_at = 2 + 2 + "localhost".len() + 2 + ticket.ticket().len() + 1;
    let psk = &bytes.expose()[psk_at..psk_at + 32];
    let shown = format!("{:?} {:?}", clog.take(), slog.take());
    assert!(shown.contains("Resumption") && shown.contains("NewSessionTicket"));
    for secret in [psk, ticket.ticket()] {
        for window in secret.chunks_exact(6) {
            let needle = format!("{window:?}");
            let needle = needle.trim_matches(|c| c == '[' || c == ']');
            assert!(!shown.contains(needle), "{needle} in the trace");
        }
    }
    assert!(format!("{ticket:?}").contains("redacted"));
}

// ---------------------------------------------------------------------------------
// rustls interop

fn rustls_server_config(
    version: &'static rustls::SupportedProtocolVersion,
    tickets: bool,
) -> Arc<rustls::ServerConfig> {
    let pki = ecdsa();
    let mut config = rustls::ServerConfig::builder_with_provider(rustls_provider(&[], &[]))
        .with_protocol_versions(&[version])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    if tickets {
        config.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().unwrap();
    }
    Arc::new(config)
}

fn rustls_client_config(
    version: &'static rustls::SupportedProtocolVersion,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ecdsa().ca_der.clone()).unwrap();
    Arc::new(
        rustls::ClientConfig::builder_with_provider(rustls_provider(&[], &[]))
            .with_protocol_versions(&[version])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn rustls_resumed(conn: &rustls::Connection) -> bool {
    conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
}

/// lucidtls client, rustls server: twice; returns whether each side resumed the second time.
fn lucid_to_rustls(cc: &Arc<ClientConfig>, rsc: &Arc<rustls::ServerConfig>) -> Vec<(bool, bool)> {
    (0..2)
        .map(|_| {
            let mut c = Lucid::new(Connection::client(cc.clone(), localhost()).unwrap());
            let mut s = Rustls::new(rustls::ServerConnection::new(rsc.clone()).unwrap());
            drive_handshake(&mut c, &mut s).unwrap();
            assert_eq!(send_over(&mut c, &mut s, b"hello"), b"hello");
            assert_eq!(send_over(&mut s, &mut c, b"world"), b"world");
            (c.conn.negotiated().resumed, rustls_resumed(&s.conn))
        })
        .collect()
}

fn rustls_to_lucid(rcc: &Arc<rustls::ClientConfig>, sc: &Arc<ServerConfig>) -> Vec<(bool, bool)> {
    (0..2)
        .map(|_| {
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            let mut c = Rustls::new(rustls::ClientConnection::new(rcc.clone(), name).unwrap());
            let mut s = Lucid::new(Connection::server(sc.clone()).unwrap());
            drive_handshake(&mut c, &mut s).unwrap();
            assert_eq!(send_over(&mut c, &mut s, b"hello"), b"hello");
            assert_eq!(send_over(&mut s, &mut c, b"world"), b"world");
            (rustls_resumed(&c.conn), s.conn.negotiated().resumed)
        })
        .collect()
}

fn interop_client(version: ProtocolVersion) -> Arc<ClientConfig> {
    let mut cc = ecdsa().client_config();
    cc.common.versions = vec![version];
    Arc::new(cc)
}

fn interop_server(tickets: bool) -> Arc<ServerConfig> {
    let mut sc = ecdsa().server_config();
    if !tickets {
        sc.ticketer = None;
    }
    Arc::new(sc)
}

const FULL_THEN_RESUMED: [(bool, bool); 2] = [(false, false), (true, true)];

#[test]
fn rustls_interop_tls13() {
    let v = &rustls::version::TLS13;
    // rustls server: stateful tickets (its default), then stateless ones.
    for tickets in [false, true] {
        let got = lucid_to_rustls(&interop_client(TLS13), &rustls_server_config(v, tickets));
        assert_eq!(got, FULL_THEN_RESUMED, "rustls server, tickets {tickets}");
    }
    let got = rustls_to_lucid(&rustls_client_config(v), &interop_server(true));
    assert_eq!(got, FULL_THEN_RESUMED, "rustls client");
}

#[test]
fn rustls_interop_tls13_with_hello_retry_request() {
    // rustls guesses X25519; a lucidtls server that takes only P-256 asks again.
    let mut sc = ecdsa().server_config();
    sc.common.groups = vec![NamedGroup::secp256r1];
    let got = rustls_to_lucid(
        &rustls_client_config(&rustls::version::TLS13),
        &Arc::new(sc),
    );
    assert_eq!(got, FULL_THEN_RESUMED);
    // And the other way: our P-384 guess, a rustls server that takes only X25519.
    let mut cc = ecdsa().client_config();
    cc.common.versions = vec![TLS13];
    cc.common.groups = vec![NamedGroup::secp384r1, NamedGroup::X25519];
    let pki = ecdsa();
    let rsc =
        rustls::ServerConfig::builder_with_provider(rustls_provider(&[], &[NamedGroup::X25519]))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(pki.chain.clone(), pki.key.clone_key())
            .unwrap();
    let got = lucid_to_rustls(&Arc::new(cc), &Arc::new(rsc));
    assert_eq!(got, FULL_THEN_RESUMED);
}

#[test]
fn rustls_interop_tls12() {
    let v = &rustls::version::TLS12;
    // rustls server by session id (its default), then with tickets.
    for tickets in [false, true] {
        let got = lucid_to_rustls(&interop_client(TLS12), &rustls_server_config(v, tickets));
        assert_eq!(got, FULL_THEN_RESUMED, "rustls server, tickets {tickets}");
    }
    // rustls client to our server by session id, then by ticket.
    for tickets in [false, true] {
        let got = rustls_to_lucid(&rustls_client_config(v), &interop_server(tickets));
        assert_eq!(got, FULL_THEN_RESUMED, "lucidtls server, tickets {tickets}");
    }
}
