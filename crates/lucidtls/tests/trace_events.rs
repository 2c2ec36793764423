//! What the trace events carry, in memory, TLS 1.3 and TLS 1.2: compression methods,
//! the certificate chain field by field (fingerprint checked against an independent
//! SHA-256), the CertificateRequest's authorities and certificate types, ticket counts,
//! application data records, close_notify; the same events as structured `tracing`
//! fields (also with no observer registered); and never a secret of the key log, neither
//! in the events nor in the `tracing` output.

mod common;

use common::pair::{handshake, localhost, pki, transfer, KeyKind, TestPki};
use common::peers::EventLog;
use lucidtls::enums::{AlertDescription, ProtocolVersion};
use lucidtls::keys::KeyLog;
use lucidtls::trace::CertificateInfo;
use lucidtls::{
    CertifiedKey, ClientAuth, ClientConfig, Connection, ServerConfig, Side, TraceEvent,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

/// Keeps every secret the connection logs.
#[derive(Debug, Default)]
struct Secrets(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), secret.to_vec()));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

struct Run {
    client: Vec<TraceEvent>,
    server: Vec<TraceEvent>,
}

/// A handshake with both sides observed, then `payload` from the client, then the
/// client's close_notify.
fn observe(
    mut client: ClientConfig,
    mut server: ServerConfig,
    payload: &[u8],
    key_log: Option<Arc<Secrets>>,
) -> Run {
    let (client_events, server_events) = (EventLog::new(), EventLog::new());
    client.common.observer = Some(client_events.clone());
    server.common.observer = Some(server_events.clone());
    if let Some(log) = key_log {
        client.common.key_log = Some(log.clone());
        server.common.key_log = Some(log);
    }
    let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
    let mut s = Connection::server(Arc::new(server)).unwrap();
    handshake(&mut c, &mut s).expect("handshake");
    c.write_plaintext(payload).unwrap();
    transfer(&mut c, &mut s).unwrap();
    let mut buf = vec![0u8; payload.len()];
    assert_eq!(s.read_plaintext(&mut buf), payload.len());
    c.send_close_notify();
    transfer(&mut c, &mut s).unwrap();
    Run {
        client: client_events.all(),
        server: server_events.all(),
    }
}

fn configs(pki: &TestPki, version: ProtocolVersion) -> (ClientConfig, ServerConfig) {
    let mut client = pki.client_config();
    client.common.versions = vec![version];
    (client, pki.server_config())
}

fn certificates(events: &[TraceEvent], sender: Side) -> Vec<CertificateInfo> {
    events
        .iter()
        .find_map(|e| match e {
            TraceEvent::Certificate {
                from, certificates, ..
            } if *from == sender => Some(certificates.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Certificate from the {sender}: {events:#?}"))
}

fn sha256(data: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref())
}

#[test]
fn hellos_carry_compression_methods() {
    let pki = pki(KeyKind::EcdsaP256);
    for version in [ProtocolVersion::Tls13, ProtocolVersion::Tls12] {
        let (client, server) = configs(&pki, version);
        let run = observe(client, server, b"x", None);
        for events in [&run.client, &run.server] {
            assert!(
                events.iter().any(|e| matches!(
                    e,
                    TraceEvent::ClientHello { compression_methods, .. } if compression_methods == &[0]
                )),
                "{version}: {events:#?}"
            );
            assert!(
                events.iter().any(|e| matches!(
                    e,
                    TraceEvent::ServerHello { compression_method: 0, version: v, .. } if *v == version
                )),
                "{version}: {events:#?}"
            );
        }
    }
}

#[test]
fn certificate_chain_is_structured() {
    for (kind, key_type, bits, curve) in [
        (KeyKind::EcdsaP256, "ECDSA", Some(256), Some("P-256")),
        (KeyKind::EcdsaP384, "ECDSA", Some(384), Some("P-384")),
        (KeyKind::Rsa2048, "RSA", Some(2048), None),
        (KeyKind::Ed25519, "Ed25519", Some(256), None),
    ] {
        let pki = pki(kind);
        for version in [ProtocolVersion::Tls13, ProtocolVersion::Tls12] {
            let (client, server) = configs(&pki, version);
            let run = observe(client, server, b"x", None);
            // The client received it, the server sent it: both describe the same chain.
            for events in [&run.client, &run.server] {
                let chain = certificates(events, Side::Server);
                assert_eq!(chain.len(), 1, "{kind:?} {version}");
                let leaf = &chain[0];
                assert_eq!(leaf.parse_error, None);
                assert_eq!(leaf.subject, "CN=localhost");
                assert_eq!(leaf.issuer, "CN=lucidtls test CA");
                assert_eq!(
                    leaf.subject_alt_names,
                    ["DNS:localhost", "IP:127.0.0.1"],
                    "{kind:?}"
                );
                assert_eq!(leaf.key_type, key_type, "{kind:?}");
                assert_eq!(leaf.key_bits, bits, "{kind:?}");
                assert_eq!(leaf.curve.as_deref(), curve, "{kind:?}");
                assert_eq!(leaf.fingerprint_sha256, sha256(&pki.chain[0]));
                assert_eq!(leaf.der_len, pki.chain[0].len());
                assert!(!leaf.is_ca);
                assert!(!leaf.serial.is_empty());
                assert!(leaf.not_before < leaf.not_after);
                assert!(!leaf.signature_algorithm.is_empty());
            }
        }
    }
}

#[test]
fn certificate_request_names_authorities_and_types() {
    let pki = pki(KeyKind::EcdsaP256);
    let provider = lucidtls_aws_lc::provider();
    for version in [ProtocolVersion::Tls13, ProtocolVersion::Tls12] {
        let (mut client, mut server) = configs(&pki, version);
        // The leaf carries clientAuth too, so it serves as the client's identity.
        client.client_identities =
            vec![CertifiedKey::new(&*provider, pki.chain.clone(), &pki.key).unwrap()];
        server.client_auth = ClientAuth::Required(pki.roots());
        let run = observe(client, server, b"x", None);
        for events in [&run.client, &run.server] {
            let (types, names) = events
                .iter()
                .find_map(|e| match e {
                    TraceEvent::CertificateRequest {
                        certificate_types,
                        ca_names,
                        ..
                    } => Some((certificate_types.clone(), ca_names.clone())),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{version}: no CertificateRequest {events:#?}"));
            assert_eq!(names, ["CN=lucidtls test CA"], "{version}");
            let expected: &[u8] = if version == ProtocolVersion::Tls12 {
                &[1, 64] // rsa_sign, ecdsa_sign
            } else {
                &[] // TLS 1.3 has no certificate types
            };
            assert_eq!(types, expected, "{version}");
            // And the client's chain, described on both sides.
            let chain = certificates(events, Side::Client);
            assert_eq!(chain[0].fingerprint_sha256, sha256(&pki.chain[0]));
        }
    }
    assert_eq!(lucidtls::trace::certificate_type_name(64), "ecdsa_sign");
    assert_eq!(lucidtls::trace::certificate_type_name(7), "unknown(7)");
}

#[test]
fn tickets_are_numbered() {
    let pki = pki(KeyKind::EcdsaP256);
    let (client, server) = configs(&pki, ProtocolVersion::Tls13);
    assert_eq!(server.tls13_tickets, 2);
    let run = observe(client, server, b"x", None);
    let tickets = |events: &[TraceEvent]| -> Vec<(Option<u32>, Option<u32>, usize)> {
        events
            .iter()
            .filter_map(|e| match e {
                TraceEvent::NewSessionTicket {
                    index,
                    count,
                    ticket_len,
                    ..
                } => Some((*index, *count, *ticket_len)),
                _ => None,
            })
            .collect()
    };
    let sent = tickets(&run.server);
    let received = tickets(&run.client);
    assert_eq!(
        sent.iter().map(|t| (t.0, t.1)).collect::<Vec<_>>(),
        [(Some(1), Some(2)), (Some(2), Some(2))]
    );
    assert_eq!(
        received.iter().map(|t| (t.0, t.1)).collect::<Vec<_>>(),
        [(Some(1), None), (Some(2), None)]
    );
    assert!(sent.iter().all(|t| t.2 > 0));
    assert_eq!(
        sent.iter().map(|t| t.2).collect::<Vec<_>>(),
        received.iter().map(|t| t.2).collect::<Vec<_>>()
    );

    // TLS 1.2: one ticket, inside the handshake.
    let (client, server) = configs(&pki, ProtocolVersion::Tls12);
    let run = observe(client, server, b"x", None);
    assert_eq!(
        tickets(&run.server)
            .iter()
            .map(|t| (t.0, t.1))
            .collect::<Vec<_>>(),
        [(Some(1), Some(1))]
    );
    assert_eq!(tickets(&run.client).len(), 1);
}

#[test]
fn application_data_records_and_close_notify() {
    let pki = pki(KeyKind::EcdsaP256);
    // Three records at the 2^14 limit: 16384 + 16384 + 7232.
    let payload = vec![0x5a; 40_000];
    for version in [ProtocolVersion::Tls13, ProtocolVersion::Tls12] {
        let (client, server) = configs(&pki, version);
        let run = observe(client, server, &payload, None);
        let data = |events: &[TraceEvent]| -> Vec<(usize, usize)> {
            events
                .iter()
                .filter_map(|e| match e {
                    TraceEvent::ApplicationData {
                        from: Side::Client,
                        bytes,
                        records,
                    } => Some((*bytes, *records)),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(data(&run.client), [(40_000, 3)], "{version}");
        assert_eq!(
            data(&run.server),
            [(16_384, 1), (16_384, 1), (7_232, 1)],
            "{version}"
        );
        for (events, who) in [(&run.client, "client"), (&run.server, "server")] {
            assert!(
                matches!(
                    events.last(),
                    Some(TraceEvent::Alert {
                        from: Side::Client,
                        description: AlertDescription::CloseNotify,
                        fatal: false,
                    })
                ),
                "{version}: the {who}'s last event is not the client's close_notify: {events:#?}"
            );
        }
    }
}

#[test]
fn names_and_senders() {
    let pki = pki(KeyKind::EcdsaP256);
    let (client, server) = configs(&pki, ProtocolVersion::Tls12);
    let run = observe(client, server, b"x", None);
    for event in run.client.iter().chain(&run.server) {
        let debug = format!("{event:?}");
        assert!(debug.starts_with(event.name()), "{debug}");
        let has_from = debug.contains("from: ");
        assert_eq!(event.sender().is_some(), has_from, "{debug}");
    }
}

// ---------------------------------------------------------------------------
// tracing

/// A `tracing` subscriber that keeps every event of target `lucidtls::trace` as a map
/// of field name to value.
#[derive(Default)]
struct Recorder(Mutex<Vec<BTreeMap<String, String>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == "lucidtls::trace"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut map = BTreeMap::new();
        event.record(&mut Fields(&mut map));
        self.0.lock().unwrap().push(map);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn events_go_to_tracing_as_fields_even_without_an_observer_and_hold_no_secret() {
    let pki = pki(KeyKind::EcdsaP256);
    for version in [ProtocolVersion::Tls13, ProtocolVersion::Tls12] {
        let recorder = Arc::new(Recorder::default());
        let secrets = Arc::new(Secrets::default());
        let (mut client, server) = configs(&pki, version);
        client.common.key_log = Some(secrets.clone());
        let dispatch = tracing::Dispatch::new(recorder.clone());
        tracing::dispatcher::with_default(&dispatch, || {
            // No observer: the events reach tracing alone.
            let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
            let mut s = Connection::server(Arc::new(server)).unwrap();
            handshake(&mut c, &mut s).expect("handshake");
            c.write_plaintext(b"hello").unwrap();
            transfer(&mut c, &mut s).unwrap();
            c.send_close_notify();
            transfer(&mut c, &mut s).unwrap();
        });
        let records = recorder.0.lock().unwrap().clone();
        let step = |name: &str| {
            records
                .iter()
                .filter(|r| r.get("step").map(String::as_str) == Some(name))
                .collect::<Vec<_>>()
        };
        let server_hello = step("ServerHello");
        assert_eq!(server_hello.len(), 2, "{version}: {records:#?}");
        for fields in &server_hello {
            assert_eq!(fields["from"], "server");
            assert_eq!(fields["version"], version.to_string());
            assert!(fields["cipher_suite"].starts_with("TLS_"), "{fields:?}");
            assert_eq!(fields["random"].len(), 64);
        }
        let certificate = &step("Certificate")[0];
        assert_eq!(certificate["subject"], "CN=localhost");
        assert_eq!(certificate["fingerprint_sha256"], sha256(&pki.chain[0]));
        assert!(step("KeysDerived")
            .iter()
            .all(|f| f.contains_key("name") && f.contains_key("key_len")));
        assert!(step("Alert")
            .iter()
            .any(|f| f["description"] == "close_notify" && f["from"] == "client"));
        assert!(step("ApplicationData")
            .iter()
            .any(|f| f["bytes"] == "5" && f["records"] == "1"));

        // No secret of the key log in any field.
        let secrets = secrets.0.lock().unwrap().clone();
        assert!(!secrets.is_empty());
        let all = format!("{records:?}").to_ascii_lowercase();
        for (label, secret) in &secrets {
            assert!(
                !all.contains(&hex(secret)),
                "{version}: {label} appears in the tracing output"
            );
        }
    }
}

#[test]
fn observed_events_hold_no_secret() {
    let pki = pki(KeyKind::EcdsaP256);
    for version in [ProtocolVersion::Tls13, ProtocolVersion::Tls12] {
        let secrets = Arc::new(Secrets::default());
        let (client, server) = configs(&pki, version);
        let run = observe(client, server, b"secret-free", Some(secrets.clone()));
        let text = format!("{:?}{:?}", run.client, run.server).to_ascii_lowercase();
        // Byte arrays show in Debug as decimal lists; check that form as well as hex.
        let decimal = |b: &[u8]| {
            b.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let secrets = secrets.0.lock().unwrap().clone();
        assert!(secrets.len() >= 2, "{version}");
        for (label, secret) in &secrets {
            assert!(!text.contains(&hex(secret)), "{version}: {label}");
            assert!(!text.contains(&decimal(secret)), "{version}: {label}");
        }
    }
}

#[test]
fn hello_request_is_traced() {
    let pki = pki(KeyKind::EcdsaP256);
    for client_allows in [true, false] {
        let (mut client, mut server) = configs(&pki, ProtocolVersion::Tls12);
        client.common.allow_renegotiation = client_allows;
        server.common.allow_renegotiation = true;
        let (client_events, server_events) = (EventLog::new(), EventLog::new());
        client.common.observer = Some(client_events.clone());
        server.common.observer = Some(server_events.clone());
        let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
        let mut s = Connection::server(Arc::new(server)).unwrap();
        handshake(&mut c, &mut s).expect("handshake");
        let before = client_events.all().len();
        s.renegotiate().unwrap();
        handshake(&mut c, &mut s).expect("renegotiation");
        assert!(
            server_events.all().iter().any(|e| matches!(
                e,
                TraceEvent::HelloRequest {
                    from: Side::Server,
                    ignored: false
                }
            )),
            "{:#?}",
            server_events.all()
        );
        let after = client_events.all()[before..].to_vec();
        assert!(
            matches!(
                &after[..2],
                [
                    TraceEvent::HelloRequest {
                        from: Side::Server,
                        ignored: false
                    },
                    TraceEvent::Renegotiation {
                        from: Side::Server,
                        accepted,
                    },
                ] if *accepted == client_allows
            ),
            "client allows: {client_allows}: {after:#?}"
        );
        // Accepted, a whole new handshake follows, opened by a ClientHello.
        assert_eq!(
            after
                .iter()
                .any(|e| matches!(e, TraceEvent::ClientHello { .. })),
            client_allows,
            "{after:#?}"
        );
    }
}

#[test]
fn hello_request_during_the_handshake_is_ignored_and_traced() {
    let pki = pki(KeyKind::EcdsaP256);
    let (mut client, server) = configs(&pki, ProtocolVersion::Tls12);
    let events = EventLog::new();
    client.common.observer = Some(events.clone());
    let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
    let mut s = Connection::server(Arc::new(server)).unwrap();
    transfer(&mut c, &mut s).unwrap(); // ClientHello
    transfer(&mut s, &mut c).unwrap(); // ServerHello … ServerHelloDone
    assert!(c.is_handshaking());
    // A plaintext HelloRequest (type 0, empty body) before the server's Finished.
    let record = [22, 3, 3, 0, 4, 0, 0, 0, 0];
    assert_eq!(c.read_tls(&record), record.len());
    c.process_new_packets().unwrap();
    assert!(
        matches!(
            events.all().last(),
            Some(TraceEvent::HelloRequest {
                from: Side::Server,
                ignored: true
            })
        ),
        "{:#?}",
        events.all()
    );
    handshake(&mut c, &mut s).expect("the handshake goes on");
    assert!(!events
        .all()
        .iter()
        .any(|e| matches!(e, TraceEvent::Renegotiation { .. })));
}
