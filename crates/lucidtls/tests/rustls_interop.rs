//! TLS 1.3 interoperability with rustls 0.23 (aws-lc-rs provider), in memory, both
//! directions: every suite × group × server key, HelloRetryRequest, ALPN, bulk data,
//! KeyUpdate and close_notify.

mod common;
use common::pair::*;
use common::peers::*;
use lucidtls::enums::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};
use lucidtls::{Connection, Error, Side};
use std::sync::Arc;

const KINDS: [KeyKind; 3] = [KeyKind::EcdsaP256, KeyKind::Rsa2048, KeyKind::Ed25519];

fn lucid_client(config: lucidtls::ClientConfig) -> Lucid {
    Lucid::new(Connection::client(Arc::new(config), localhost()).unwrap())
}

fn lucid_server(config: lucidtls::ServerConfig) -> Lucid {
    Lucid::new(Connection::server(Arc::new(config)).unwrap())
}

fn rustls_suite_code(r: &Rustls) -> u16 {
    u16::from(r.conn.negotiated_cipher_suite().expect("suite").suite())
}

fn rustls_group_code(r: &Rustls) -> u16 {
    u16::from(
        r.conn
            .negotiated_key_exchange_group()
            .expect("group")
            .name(),
    )
}

/// Both ends agree on version, suite and group, and data flows both ways.
fn check_agreement(lucid: &mut Lucid, rustls: &mut Rustls, suite: CipherSuite, group: NamedGroup) {
    let n = lucid.conn.negotiated().clone();
    assert_eq!(n.version, Some(ProtocolVersion::Tls13));
    assert_eq!(n.cipher_suite, Some(suite));
    assert_eq!(n.group, Some(group));
    assert_eq!(
        rustls.conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    assert_eq!(rustls_suite_code(rustls), suite.to_wire(), "rustls suite");
    assert_eq!(rustls_group_code(rustls), group.to_wire(), "rustls group");
    let ping = format!("ping {suite} {group}");
    assert_eq!(send_over(lucid, rustls, ping.as_bytes()), ping.as_bytes());
    assert_eq!(send_over(rustls, lucid, b"pong"), b"pong");
}

#[test]
fn lucid_client_to_rustls_server_every_suite_group_and_key() {
    for kind in KINDS {
        let pki = pki(kind);
        for suite in ALL_SUITES {
            for group in ALL_GROUPS {
                let mut cc = pki.client_config();
                cc.common.cipher_suites = vec![suite];
                cc.common.groups = vec![group];
                let mut client = lucid_client(cc);
                let mut server = Rustls::new(rustls_server(&pki, rustls_provider(&[], &[]), &[]));
                drive_handshake(&mut client, &mut server)
                    .unwrap_or_else(|e| panic!("{kind:?} {suite} {group}: {e:?}"));
                assert!(
                    !client.conn.negotiated().hello_retry,
                    "{kind:?} {suite} {group}"
                );
                assert_eq!(client.conn.negotiated().peer_certificates, pki.chain);
                check_agreement(&mut client, &mut server, suite, group);
            }
        }
    }
}

#[test]
fn rustls_client_to_lucid_server_every_suite_group_and_key() {
    for kind in KINDS {
        let pki = pki(kind);
        for suite in ALL_SUITES {
            for group in ALL_GROUPS {
                let mut sc = pki.server_config();
                sc.common.groups = ALL_GROUPS.to_vec();
                let mut server = lucid_server(sc);
                let mut client = Rustls::new(rustls_client(
                    &pki,
                    rustls_provider(&[suite], &[group]),
                    &[],
                ));
                drive_handshake(&mut client, &mut server)
                    .unwrap_or_else(|e| panic!("{kind:?} {suite} {group}: {e:?}"));
                assert!(
                    !server.conn.negotiated().hello_retry,
                    "{kind:?} {suite} {group}"
                );
                assert_eq!(
                    server.conn.negotiated().server_name.as_deref(),
                    Some("localhost")
                );
                check_agreement(&mut server, &mut client, suite, group);
            }
        }
    }
}

#[test]
fn rustls_server_defaults_pick_our_first_share() {
    // Our default ClientHello (x25519 share first) against rustls defaults: no retry.
    let pki = pki(KeyKind::EcdsaP256);
    let mut client = lucid_client(pki.client_config());
    let mut server = Rustls::new(rustls_server(&pki, rustls_provider(&[], &[]), &[]));
    drive_handshake(&mut client, &mut server).unwrap();
    assert!(!client.conn.negotiated().hello_retry);
    assert_eq!(client.conn.negotiated().group, Some(NamedGroup::X25519));
    // rustls picks the suite by its own preference order; both ends must agree on it.
    let suite = client.conn.negotiated().cipher_suite.unwrap();
    assert_eq!(rustls_suite_code(&server), suite.to_wire());
}

#[test]
fn hello_retry_request_from_rustls_server() {
    let pki = pki(KeyKind::EcdsaP256);
    for suite in ALL_SUITES {
        let mut cc = pki.client_config();
        // First (and only) share: x25519; the server takes only secp384r1.
        cc.common.groups = vec![NamedGroup::X25519, NamedGroup::secp384r1];
        cc.common.cipher_suites = vec![suite];
        cc.key_shares = 1;
        let events = EventLog::new();
        cc.common.observer = Some(events.clone());
        let mut client = lucid_client(cc);
        let mut server = Rustls::new(rustls_server(
            &pki,
            rustls_provider(&[], &[NamedGroup::secp384r1]),
            &[],
        ));
        drive_handshake(&mut client, &mut server).unwrap_or_else(|e| panic!("{suite}: {e:?}"));
        assert!(client.conn.negotiated().hello_retry, "{suite}");
        let hrr: Vec<_> = events
            .take()
            .into_iter()
            .filter(|e| matches!(e, lucidtls::TraceEvent::HelloRetryRequest { .. }))
            .collect();
        assert_eq!(
            hrr,
            vec![lucidtls::TraceEvent::HelloRetryRequest {
                from: Side::Server,
                group: NamedGroup::secp384r1
            }]
        );
        check_agreement(&mut client, &mut server, suite, NamedGroup::secp384r1);
    }
}

#[test]
fn hello_retry_request_to_rustls_client() {
    let pki = pki(KeyKind::EcdsaP256);
    // (rustls client groups, lucid server groups, expected group)
    let cases: [(&[NamedGroup], &[NamedGroup], NamedGroup); 3] = [
        // rustls sends an x25519 share only; we want P-256.
        (
            &[NamedGroup::X25519, NamedGroup::secp256r1],
            &[NamedGroup::secp256r1],
            NamedGroup::secp256r1,
        ),
        // rustls sends X25519MLKEM768 and x25519 shares; we want P-384.
        (
            &[
                NamedGroup::X25519MLKEM768,
                NamedGroup::X25519,
                NamedGroup::secp384r1,
            ],
            &[NamedGroup::secp384r1],
            NamedGroup::secp384r1,
        ),
        // rustls sends x25519; we want the hybrid.
        (
            &[NamedGroup::X25519, NamedGroup::X25519MLKEM768],
            &[NamedGroup::X25519MLKEM768],
            NamedGroup::X25519MLKEM768,
        ),
    ];
    for suite in ALL_SUITES {
        for (theirs, ours, expect) in cases {
            let mut sc = pki.server_config();
            sc.common.groups = ours.to_vec();
            let mut server = lucid_server(sc);
            let mut client =
                Rustls::new(rustls_client(&pki, rustls_provider(&[suite], theirs), &[]));
            drive_handshake(&mut client, &mut server)
                .unwrap_or_else(|e| panic!("{suite} {expect}: {e:?}"));
            assert!(server.conn.negotiated().hello_retry, "{suite} {expect}");
            check_agreement(&mut server, &mut client, suite, expect);
        }
    }
}

#[test]
fn alpn_both_directions() {
    let pki = pki(KeyKind::EcdsaP256);

    // We offer h2 then http/1.1; rustls serves only http/1.1.
    let mut cc = pki.client_config();
    cc.common.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut client = lucid_client(cc);
    let mut server = Rustls::new(rustls_server(
        &pki,
        rustls_provider(&[], &[]),
        &[b"http/1.1"],
    ));
    drive_handshake(&mut client, &mut server).unwrap();
    assert_eq!(
        client.conn.negotiated().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
    assert_eq!(server.conn.alpn_protocol(), Some(&b"http/1.1"[..]));

    // rustls offers h2 then http/1.1; we prefer http/1.1 (server order).
    let mut sc = pki.server_config();
    sc.common.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let mut server = lucid_server(sc);
    let mut client = Rustls::new(rustls_client(
        &pki,
        rustls_provider(&[], &[]),
        &[b"h2", b"http/1.1"],
    ));
    drive_handshake(&mut client, &mut server).unwrap();
    assert_eq!(
        server.conn.negotiated().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
    assert_eq!(client.conn.alpn_protocol(), Some(&b"http/1.1"[..]));

    // No ALPN offered by us: rustls's server list does not matter.
    let mut client = lucid_client(pki.client_config());
    let mut server = Rustls::new(rustls_server(&pki, rustls_provider(&[], &[]), &[b"h2"]));
    drive_handshake(&mut client, &mut server).unwrap();
    assert_eq!(client.conn.negotiated().alpn, None);
    assert_eq!(server.conn.alpn_protocol(), None);
}

#[test]
fn alpn_without_overlap_fails_with_no_application_protocol() {
    let pki = pki(KeyKind::EcdsaP256);

    // Our server refuses rustls's protocols.
    let mut sc = pki.server_config();
    sc.common.alpn_protocols = vec![b"spdy/1".to_vec()];
    let mut server = lucid_server(sc);
    let mut client = Rustls::new(rustls_client(&pki, rustls_provider(&[], &[]), &[b"h2"]));
    match pump(&mut client, &mut server) {
        Err(Failed::B(PeerError::Lucid(Error::NoApplicationProtocol))) => {}
        other => panic!("expected NoApplicationProtocol, got {other:?}"),
    }
    let alert = server.take_tls();
    assert_eq!(
        last_plain_alert(&alert).map(|a| a.1),
        Some(AlertDescription::NoApplicationProtocol)
    );
    match client.feed(&alert) {
        Err(PeerError::Rustls(rustls::Error::AlertReceived(
            rustls::AlertDescription::NoApplicationProtocol,
        ))) => {}
        other => panic!("rustls should see no_application_protocol, got {other:?}"),
    }

    // rustls's server refuses ours.
    let mut cc = pki.client_config();
    cc.common.alpn_protocols = vec![b"h2".to_vec()];
    let mut client = lucid_client(cc);
    let mut server = Rustls::new(rustls_server(
        &pki,
        rustls_provider(&[], &[]),
        &[b"http/1.1"],
    ));
    match pump(&mut client, &mut server) {
        Err(Failed::B(PeerError::Rustls(rustls::Error::NoApplicationProtocol))) => {}
        other => panic!("expected rustls to refuse, got {other:?}"),
    }
    match client.feed(&server.take_tls()) {
        Err(PeerError::Lucid(Error::AlertReceived(AlertDescription::NoApplicationProtocol))) => {}
        other => panic!("expected the peer's no_application_protocol, got {other:?}"),
    }
    // We never answer an alert with an alert. (rustls sent its ServerHello before it
    // failed, so our middlebox-compatibility change_cipher_spec may be there.)
    let rest = client.take_tls();
    assert!(
        split_records(&rest)
            .iter()
            .all(|r| r == &[20, 3, 3, 0, 1, 1]),
        "{rest:?}"
    );
}

/// Moves 1 MiB each way between a lucid endpoint and a rustls one.
fn bulk(lucid: &mut Lucid, rustls: &mut Rustls, seed: u64) {
    let mut rng = XorShift::new(seed);
    let up = rng.bytes(1 << 20);
    let down = rng.bytes(1 << 20);
    let got = send_over(lucid, rustls, &up);
    assert_eq!(got.len(), up.len());
    assert!(got == up, "lucid -> rustls: 1 MiB differs");
    let got = send_over(rustls, lucid, &down);
    assert_eq!(got.len(), down.len());
    assert!(got == down, "rustls -> lucid: 1 MiB differs");
    // Both at once, in uneven pieces.
    let mut sent_up = Vec::new();
    let mut sent_down = Vec::new();
    let mut got_up = Vec::new();
    let mut got_down = Vec::new();
    for i in 0..64 {
        let (la, lb) = (rng.range(1, 40_000), rng.range(1, 40_000));
        let (a, b) = (rng.bytes(la), rng.bytes(lb));
        lucid.send(&a);
        rustls.send(&b);
        sent_up.extend_from_slice(&a);
        sent_down.extend_from_slice(&b);
        if i % 3 == 0 {
            pump(lucid, rustls).unwrap();
            got_up.extend(rustls.take_received());
            got_down.extend(lucid.take_received());
        }
    }
    pump(lucid, rustls).unwrap();
    got_up.extend(rustls.take_received());
    got_down.extend(lucid.take_received());
    assert!(got_up == sent_up, "interleaved lucid -> rustls differs");
    assert!(got_down == sent_down, "interleaved rustls -> lucid differs");
}

#[test]
fn one_mebibyte_each_way_lucid_client() {
    let pki = pki(KeyKind::EcdsaP256);
    for suite in ALL_SUITES {
        let mut cc = pki.client_config();
        cc.common.cipher_suites = vec![suite];
        let mut client = lucid_client(cc);
        let mut server = Rustls::new(rustls_server(&pki, rustls_provider(&[], &[]), &[]));
        drive_handshake(&mut client, &mut server).unwrap();
        bulk(&mut client, &mut server, 1 + u64::from(suite.to_wire()));
    }
}

#[test]
fn one_mebibyte_each_way_lucid_server() {
    let pki = pki(KeyKind::EcdsaP256);
    for suite in ALL_SUITES {
        let mut server = lucid_server(pki.server_config());
        let mut client = Rustls::new(rustls_client(&pki, rustls_provider(&[suite], &[]), &[]));
        drive_handshake(&mut client, &mut server).unwrap();
        bulk(&mut server, &mut client, 2 + u64::from(suite.to_wire()));
    }
}

/// KeyUpdates started by each side, with data before, between and after.
fn key_updates(lucid: &mut Lucid, rustls: &mut Rustls, events: &EventLog, me: Side) {
    let peer = me.peer();
    events.take();
    assert_eq!(send_over(lucid, rustls, b"before"), b"before");
    assert_eq!(send_over(rustls, lucid, b"before too"), b"before too");

    for round in 0..3 {
        // Ours, asking rustls to update too.
        lucid.conn.update_keys(true).unwrap();
        let msg = format!("after our update {round}");
        assert_eq!(send_over(lucid, rustls, msg.as_bytes()), msg.as_bytes());
        // rustls answered with its own KeyUpdate, which we installed.
        let msg = format!("rustls after our update {round}");
        assert_eq!(send_over(rustls, lucid, msg.as_bytes()), msg.as_bytes());
        assert_eq!(events.key_updates(), vec![(me, true), (peer, false)]);

        // rustls's, which asks us to update.
        rustls.conn.refresh_traffic_keys().unwrap();
        let msg = format!("after rustls update {round}");
        assert_eq!(send_over(rustls, lucid, msg.as_bytes()), msg.as_bytes());
        let msg = format!("ours after rustls update {round}");
        assert_eq!(send_over(lucid, rustls, msg.as_bytes()), msg.as_bytes());
        assert_eq!(events.key_updates(), vec![(peer, true), (me, false)]);

        // Ours, not asking.
        lucid.conn.update_keys(false).unwrap();
        assert_eq!(send_over(lucid, rustls, b"quiet update"), b"quiet update");
        assert_eq!(send_over(rustls, lucid, b"no answer"), b"no answer");
        assert_eq!(events.key_updates(), vec![(me, false)]);
    }
}

#[test]
fn key_update_both_ways_lucid_client() {
    let pki = pki(KeyKind::EcdsaP256);
    for suite in ALL_SUITES {
        let mut cc = pki.client_config();
        cc.common.cipher_suites = vec![suite];
        let events = EventLog::new();
        cc.common.observer = Some(events.clone());
        let mut client = lucid_client(cc);
        let mut server = Rustls::new(rustls_server(&pki, rustls_provider(&[], &[]), &[]));
        drive_handshake(&mut client, &mut server).unwrap();
        key_updates(&mut client, &mut server, &events, Side::Client);
    }
}

#[test]
fn key_update_both_ways_lucid_server() {
    let pki = pki(KeyKind::EcdsaP256);
    for suite in ALL_SUITES {
        let mut sc = pki.server_config();
        let events = EventLog::new();
        sc.common.observer = Some(events.clone());
        let mut server = lucid_server(sc);
        let mut client = Rustls::new(rustls_client(&pki, rustls_provider(&[suite], &[]), &[]));
        drive_handshake(&mut client, &mut server).unwrap();
        key_updates(&mut server, &mut client, &events, Side::Server);
    }
}

#[test]
fn key_update_before_handshake_is_refused() {
    let pki = pki(KeyKind::EcdsaP256);
    let mut client = Connection::client(Arc::new(pki.client_config()), localhost()).unwrap();
    assert!(matches!(client.update_keys(true), Err(Error::Config(_))));
}

/// close_notify from lucid reaches rustls after the data sent before it, and back.
fn close_from_lucid(lucid: &mut Lucid, rustls: &mut Rustls) {
    lucid.send(b"last words");
    lucid.conn.send_close_notify();
    assert!(matches!(
        lucid.conn.write_plaintext(b"too late"),
        Err(Error::ConnectionClosed)
    ));
    pump(lucid, rustls).unwrap();
    assert_eq!(rustls.take_received(), b"last words");
    assert!(rustls.peer_closed(), "rustls did not see close_notify");
    // rustls may still send; then it closes too.
    assert_eq!(send_over(rustls, lucid, b"reply"), b"reply");
    rustls.conn.send_close_notify();
    pump(lucid, rustls).unwrap();
    assert!(lucid.conn.received_close_notify());
    assert!(!lucid.conn.wants_read());
}

fn close_from_rustls(lucid: &mut Lucid, rustls: &mut Rustls) {
    rustls.send(b"goodbye");
    rustls.conn.send_close_notify();
    pump(lucid, rustls).unwrap();
    assert_eq!(lucid.take_received(), b"goodbye");
    assert!(lucid.conn.received_close_notify());
    assert!(lucid.conn.error().is_none());
    // We can still answer, then close.
    assert_eq!(send_over(lucid, rustls, b"ack"), b"ack");
    lucid.conn.send_close_notify();
    pump(lucid, rustls).unwrap();
    assert!(rustls.peer_closed());
}

#[test]
fn close_notify_both_ways() {
    let pki = pki(KeyKind::EcdsaP256);
    for lucid_closes_first in [true, false] {
        // lucid client, rustls server.
        let mut client = lucid_client(pki.client_config());
        let mut server = Rustls::new(rustls_server(&pki, rustls_provider(&[], &[]), &[]));
        drive_handshake(&mut client, &mut server).unwrap();
        if lucid_closes_first {
            close_from_lucid(&mut client, &mut server);
        } else {
            close_from_rustls(&mut client, &mut server);
        }
        // rustls client, lucid server.
        let mut server = lucid_server(pki.server_config());
        let mut client = Rustls::new(rustls_client(&pki, rustls_provider(&[], &[]), &[]));
        drive_handshake(&mut client, &mut server).unwrap();
        if lucid_closes_first {
            close_from_lucid(&mut server, &mut client);
        } else {
            close_from_rustls(&mut server, &mut client);
        }
    }
}

#[test]
fn rustls_rejects_our_server_for_an_unknown_ca() {
    // Sanity check of the harness in the failing direction: rustls trusts another CA.
    let ours = pki(KeyKind::EcdsaP256);
    let other = pki(KeyKind::EcdsaP256);
    let mut server = lucid_server(ours.server_config());
    let mut client = Rustls::new(rustls_client(&other, rustls_provider(&[], &[]), &[]));
    // Both CAs have the same name, so webpki finds "the" issuer and its signature fails:
    // rustls reports BadSignature and sends decrypt_error; with another name it would be
    // UnknownIssuer and unknown_ca.
    let expected = match pump(&mut client, &mut server) {
        Err(Failed::A(PeerError::Rustls(rustls::Error::InvalidCertificate(e)))) => match e {
            rustls::CertificateError::BadSignature => AlertDescription::DecryptError,
            rustls::CertificateError::UnknownIssuer => AlertDescription::UnknownCa,
            other => panic!("unexpected certificate error {other:?}"),
        },
        other => panic!("expected rustls to refuse the certificate, got {other:?}"),
    };
    let alert = client.take_tls();
    assert!(!alert.is_empty(), "rustls sends an (encrypted) alert");
    match server.feed(&alert) {
        Err(PeerError::Lucid(Error::AlertReceived(a))) => assert_eq!(a, expected),
        other => panic!("expected {expected} from rustls, got {other:?}"),
    }
    assert!(
        server.take_tls().is_empty(),
        "no alert in answer to an alert"
    );
}
