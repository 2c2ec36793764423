//! Mutual TLS in TLS 1.3 and TLS 1.2, in memory: the modes none / optional /
//! required, the client's choice of identity by issuer, the alerts for a missing
//! certificate, an unknown CA and a bad CertificateVerify, what the API and the trace
//! show, and interop with rustls in both directions.

mod common;

use common::ca::{Ca, Issued as ClientCert};
use common::pair::{connect, handshake, localhost, pki, send, transfer, KeyKind, TestPki};
use common::peers::{
    drive_handshake, send_over, Endpoint, EventLog, Failed, Lucid, PeerError, Rustls,
};
use lucidtls::enums::{AlertDescription, ProtocolVersion};
use lucidtls::verify::RootStore;
use lucidtls::{
    CertificateCheck, CertifiedKey, ClientAuth, ClientConfig, Connection, Error, ServerConfig,
    Side, TraceEvent,
};
use std::sync::Arc;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::Tls13, ProtocolVersion::Tls12];

/// What these tests need of a CA beyond [`common::ca::Ca`]: client certificates and
/// a shared store trusting it.
impl Ca {
    fn roots(&self) -> Arc<RootStore> {
        Arc::new(self.root_store())
    }

    fn issue(&self, cn: &str, kind: KeyKind) -> ClientCert {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params, kind)
    }

    fn identity(&self, cn: &str, kind: KeyKind) -> CertifiedKey {
        self.issue(cn, kind).certified_key()
    }
}

/// Client and server configurations for `version` (the client offers only it).
fn configs(server: &TestPki, version: ProtocolVersion) -> (ClientConfig, ServerConfig) {
    let mut client = server.client_config();
    client.common.versions = vec![version];
    (client, server.server_config())
}

/// Runs a handshake expected to fail on the server; returns the server's error and
/// what the client made of the alert.
fn failing(client: ClientConfig, server: ServerConfig) -> (Error, Error) {
    let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
    let mut s = Connection::server(Arc::new(server)).unwrap();
    let (side, server_error) = handshake(&mut c, &mut s).expect_err("handshake should fail");
    assert_eq!(side, "server", "{server_error}");
    let client_error = transfer(&mut s, &mut c).expect_err("the client should get an alert");
    (server_error, client_error)
}

fn exchange_data(c: &mut Connection, s: &mut Connection) {
    assert_eq!(send(c, s, b"ping from the client"), b"ping from the client");
    assert_eq!(send(s, c, b"pong from the server"), b"pong from the server");
}

#[test]
fn required_with_every_key_kind() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for version in VERSIONS {
        for kind in [
            KeyKind::EcdsaP256,
            KeyKind::EcdsaP384,
            KeyKind::Ed25519,
            KeyKind::Rsa2048,
        ] {
            let alice = ca.issue("alice", kind);
            let (mut client, mut server) = configs(&server_pki, version);
            client.client_identities = vec![alice.certified_key()];
            server.client_auth = ClientAuth::Required(ca.roots());
            let (mut c, mut s) = connect(client, server);
            let what = format!("{version} {kind:?}");
            let sn = s.negotiated();
            assert_eq!(sn.version, Some(version), "{what}");
            assert!(sn.client_auth_requested, "{what}");
            assert!(sn.client_identity_verified, "{what}");
            assert_eq!(sn.peer_certificates, alice.chain, "{what}");
            let cn = c.negotiated();
            assert!(cn.client_auth_requested, "{what}");
            assert_eq!(cn.client_identity_sent, Some(0), "{what}");
            assert!(!cn.client_identity_verified, "{what}");
            assert_eq!(cn.peer_certificates, server_pki.chain, "{what}");
            exchange_data(&mut c, &mut s);
        }
    }
}

#[test]
fn optional_with_and_without_a_certificate() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for version in VERSIONS {
        // With one: verified.
        let bob = ca.issue("bob", KeyKind::EcdsaP256);
        let (mut client, mut server) = configs(&server_pki, version);
        client.client_identities = vec![bob.certified_key()];
        server.client_auth = ClientAuth::Optional(ca.roots());
        let (mut c, mut s) = connect(client, server);
        assert!(s.negotiated().client_identity_verified, "{version}");
        assert_eq!(s.negotiated().peer_certificates, bob.chain, "{version}");
        exchange_data(&mut c, &mut s);

        // Without: asked, declined, accepted anonymous.
        let (client, mut server) = configs(&server_pki, version);
        server.client_auth = ClientAuth::Optional(ca.roots());
        let (mut c, mut s) = connect(client, server);
        let sn = s.negotiated();
        assert!(sn.client_auth_requested, "{version}");
        assert!(!sn.client_identity_verified, "{version}");
        assert!(sn.peer_certificates.is_empty(), "{version}");
        assert!(c.negotiated().client_auth_requested, "{version}");
        assert_eq!(c.negotiated().client_identity_sent, None, "{version}");
        exchange_data(&mut c, &mut s);
    }
}

#[test]
fn none_mode_never_asks() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for version in VERSIONS {
        let (mut client, server) = configs(&server_pki, version);
        client.client_identities = vec![ca.identity("carol", KeyKind::EcdsaP256)];
        assert!(
            matches!(server.client_auth, ClientAuth::None),
            "the default"
        );
        let (mut c, mut s) = connect(client, server);
        assert!(!s.negotiated().client_auth_requested, "{version}");
        assert!(!s.negotiated().client_identity_verified, "{version}");
        assert!(s.negotiated().peer_certificates.is_empty(), "{version}");
        assert!(!c.negotiated().client_auth_requested, "{version}");
        assert_eq!(c.negotiated().client_identity_sent, None, "{version}");
        exchange_data(&mut c, &mut s);
    }
}

#[test]
fn identity_is_chosen_by_issuer() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca_a = Ca::root("Client CA A");
    let ca_b = Ca::root("Client CA B");
    let from_a = ca_a.issue("dave (A)", KeyKind::EcdsaP256);
    let from_b = ca_b.issue("dave (B)", KeyKind::Rsa2048);
    for version in VERSIONS {
        for (trusted, index, chain) in [(&ca_a, 0, &from_a.chain), (&ca_b, 1, &from_b.chain)] {
            let (mut client, mut server) = configs(&server_pki, version);
            client.client_identities = vec![from_a.certified_key(), from_b.certified_key()];
            server.client_auth = ClientAuth::Required(trusted.roots());
            let (mut c, mut s) = connect(client, server);
            assert_eq!(
                c.negotiated().client_identity_sent,
                Some(index),
                "{version}"
            );
            assert!(s.negotiated().client_identity_verified, "{version}");
            assert_eq!(&s.negotiated().peer_certificates, chain, "{version}");
            exchange_data(&mut c, &mut s);
        }

        // A server trusting both: the first identity.
        let (mut client, mut server) = configs(&server_pki, version);
        client.client_identities = vec![from_b.certified_key(), from_a.certified_key()];
        let mut both = RootStore::empty();
        both.add_der(&ca_a.der).unwrap();
        both.add_der(&ca_b.der).unwrap();
        server.client_auth = ClientAuth::Required(Arc::new(both));
        let (_c, s) = connect(client, server);
        assert_eq!(s.negotiated().peer_certificates, from_b.chain, "{version}");

        // A server naming neither: an empty Certificate, accepted when optional.
        let ca_c = Ca::root("Client CA C");
        let (mut client, mut server) = configs(&server_pki, version);
        client.client_identities = vec![from_a.certified_key(), from_b.certified_key()];
        server.client_auth = ClientAuth::Optional(ca_c.roots());
        let (c, s) = connect(client, server);
        assert_eq!(c.negotiated().client_identity_sent, None, "{version}");
        assert!(!s.negotiated().client_identity_verified, "{version}");
    }
}

#[test]
fn identity_needs_a_scheme_the_server_accepts() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    let ed = ca.issue("heidi (Ed25519)", KeyKind::Ed25519);
    let p256 = ca.issue("heidi (P-256)", KeyKind::EcdsaP256);
    for version in VERSIONS {
        let (mut client, mut server) = configs(&server_pki, version);
        client.client_identities = vec![ed.certified_key(), p256.certified_key()];
        server.common.signature_schemes =
            vec![lucidtls::enums::SignatureScheme::ECDSA_NISTP256_SHA256];
        server.client_auth = ClientAuth::Required(ca.roots());
        let (_c, s) = connect(client, server);
        assert_eq!(s.negotiated().peer_certificates, p256.chain, "{version}");
    }
}

#[test]
fn hello_retry_then_client_authentication() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    let ivan = ca.issue("ivan", KeyKind::EcdsaP256);
    let (mut client, mut server) = configs(&server_pki, ProtocolVersion::Tls13);
    client.client_identities = vec![ivan.certified_key()];
    // The client guesses X25519; the server only takes P-384.
    server.common.groups = vec![lucidtls::enums::NamedGroup::secp384r1];
    server.client_auth = ClientAuth::Required(ca.roots());
    let (mut c, mut s) = connect(client, server);
    assert!(s.negotiated().hello_retry);
    assert!(s.negotiated().client_identity_verified);
    assert_eq!(s.negotiated().peer_certificates, ivan.chain);
    exchange_data(&mut c, &mut s);
}

#[test]
fn too_many_authorities_to_list() {
    // A store whose names do not fit in a CertificateRequest is not listed; the
    // client then offers its first identity, which still has to verify.
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    let judy = ca.issue("judy", KeyKind::EcdsaP256);
    let mut roots = RootStore::empty();
    roots.add_der(&ca.der).unwrap();
    roots.add_anchor(rustls_pki_types::TrustAnchor {
        subject: vec![0x31; 70_000].into(),
        subject_public_key_info: vec![0x30, 0].into(),
        name_constraints: None,
    });
    let roots = Arc::new(roots);
    for version in VERSIONS {
        let (mut client, mut server) = configs(&server_pki, version);
        client.client_identities = vec![judy.certified_key()];
        server.client_auth = ClientAuth::Required(roots.clone());
        let (c, s) = connect(client, server);
        assert_eq!(c.negotiated().client_identity_sent, Some(0), "{version}");
        assert_eq!(s.negotiated().peer_certificates, judy.chain, "{version}");
    }
}

#[test]
fn required_without_a_certificate_is_refused() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for (version, alert) in [
        (
            ProtocolVersion::Tls13,
            AlertDescription::CertificateRequired,
        ),
        (ProtocolVersion::Tls12, AlertDescription::HandshakeFailure),
    ] {
        // No identity at all, or only one the server's CA did not issue.
        for identities in [
            vec![],
            vec![Ca::root("Other CA").identity("eve", KeyKind::EcdsaP256)],
        ] {
            let (mut client, mut server) = configs(&server_pki, version);
            client.client_identities = identities;
            server.client_auth = ClientAuth::Required(ca.roots());
            let (server_error, client_error) = failing(client, server);
            assert_eq!(
                server_error,
                Error::ClientCertificateRequired(version),
                "{version}"
            );
            assert_eq!(server_error.alert(), alert, "{version}");
            assert_eq!(client_error, Error::AlertReceived(alert), "{version}");
        }
    }
}

#[test]
fn client_certificate_from_an_unknown_ca() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let trusted = Ca::root("lucidtls client CA");
    // Same name as the trusted CA, different key: the client picks its identity for
    // the name, and the chain then fails to verify.
    let impostor = Ca::root("lucidtls client CA");
    for version in VERSIONS {
        for mode in [
            ClientAuth::Required(trusted.roots()),
            ClientAuth::Optional(trusted.roots()),
        ] {
            let (mut client, mut server) = configs(&server_pki, version);
            client.client_identities = vec![impostor.identity("mallory", KeyKind::EcdsaP256)];
            server.client_auth = mode;
            let (server_error, client_error) = failing(client, server);
            assert!(
                matches!(
                    server_error,
                    Error::Certificate {
                        check: CertificateCheck::ChainToTrustAnchor,
                        ..
                    }
                ),
                "{version}: {server_error}"
            );
            assert_eq!(server_error.alert(), AlertDescription::UnknownCa);
            assert_eq!(
                client_error,
                Error::AlertReceived(AlertDescription::UnknownCa),
                "{version}"
            );
        }
    }
}

#[test]
fn bad_client_certificate_verify() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for version in VERSIONS {
        for kind in [KeyKind::EcdsaP256, KeyKind::Rsa2048] {
            // The chain of one key, the private key of another of the same kind: the
            // chain verifies, the signature does not.
            let real = ca.issue("frank", kind);
            let other = ca.identity("frank's twin", kind);
            let mismatched = CertifiedKey {
                chain: real.chain.clone(),
                key: other.key,
            };
            let (mut client, mut server) = configs(&server_pki, version);
            client.client_identities = vec![mismatched];
            server.client_auth = ClientAuth::Required(ca.roots());
            let (server_error, client_error) = failing(client, server);
            assert_eq!(server_error, Error::BadSignature, "{version} {kind:?}");
            assert_eq!(server_error.alert(), AlertDescription::DecryptError);
            assert_eq!(
                client_error,
                Error::AlertReceived(AlertDescription::DecryptError),
                "{version} {kind:?}"
            );
        }
    }
}

#[test]
fn trace_shows_client_authentication() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for version in VERSIONS {
        let (mut client, mut server) = configs(&server_pki, version);
        client.client_identities = vec![ca.identity("grace", KeyKind::EcdsaP256)];
        server.client_auth = ClientAuth::Required(ca.roots());
        let (client_events, server_events) = (EventLog::new(), EventLog::new());
        client.common.observer = Some(client_events.clone());
        server.common.observer = Some(server_events.clone());
        let _ = connect(client, server);
        let client_events = client_events.take();
        let server_events = server_events.take();
        for events in [&client_events, &server_events] {
            assert!(
                events.iter().any(|e| matches!(
                    e,
                    TraceEvent::CertificateRequest { from: Side::Server, schemes, .. } if !schemes.is_empty()
                )),
                "{version}: {events:#?}"
            );
            assert!(
                events.iter().any(|e| matches!(
                    e,
                    TraceEvent::Certificate { from: Side::Client, chain, .. }
                        if chain.len() == 1 && chain[0].contains("CN=grace")
                )),
                "{version}: {events:#?}"
            );
        }
        assert!(client_events.iter().any(|e| matches!(
            e,
            TraceEvent::CertificateVerify {
                from: Side::Client,
                verified: false,
                ..
            }
        )));
        assert!(server_events.iter().any(|e| matches!(
            e,
            TraceEvent::CertificateVerify {
                from: Side::Client,
                verified: true,
                ..
            }
        )));
        // The server checked the client's chain, and every check passed.
        let checks: Vec<_> = server_events
            .iter()
            .filter_map(|e| match e {
                TraceEvent::CertificateCheck { check, passed, .. } => Some((*check, *passed)),
                _ => None,
            })
            .collect();
        assert!(
            checks.contains(&(CertificateCheck::ChainToTrustAnchor, true)),
            "{version}: {checks:?}"
        );
        assert!(checks.iter().all(|(_, passed)| *passed), "{checks:?}");
        // In TLS 1.2 the client's CertificateVerify follows its ClientKeyExchange.
        if version == ProtocolVersion::Tls12 {
            let position =
                |want: fn(&TraceEvent) -> bool| client_events.iter().position(want).unwrap();
            let ckx = position(|e| matches!(e, TraceEvent::ClientKeyExchange { .. }));
            let cv = position(|e| {
                matches!(
                    e,
                    TraceEvent::CertificateVerify {
                        from: Side::Client,
                        ..
                    }
                )
            });
            let cert = position(|e| {
                matches!(
                    e,
                    TraceEvent::Certificate {
                        from: Side::Client,
                        ..
                    }
                )
            });
            assert!(cert < ckx && ckx < cv, "{client_events:#?}");
        }
    }
}

#[test]
fn missing_certificate_is_traced() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for required in [false, true] {
        let (client, mut server) = configs(&server_pki, ProtocolVersion::Tls13);
        server.client_auth = if required {
            ClientAuth::Required(ca.roots())
        } else {
            ClientAuth::Optional(ca.roots())
        };
        let events = EventLog::new();
        server.common.observer = Some(events.clone());
        let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
        let mut s = Connection::server(Arc::new(server)).unwrap();
        assert_eq!(handshake(&mut c, &mut s).is_ok(), !required);
        assert!(events.take().iter().any(|e| matches!(
            e,
            TraceEvent::CertificateCheck { check: CertificateCheck::Missing, passed, .. } if *passed != required
        )));
    }
}

// ---------------------------------------------------------------------------------
// Interop with rustls, both directions

fn rustls_version(v: ProtocolVersion) -> &'static rustls::SupportedProtocolVersion {
    match v {
        ProtocolVersion::Tls13 => &rustls::version::TLS13,
        _ => &rustls::version::TLS12,
    }
}

#[test]
fn lucid_client_to_rustls_server_requiring_a_certificate() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for version in VERSIONS {
        for kind in [KeyKind::EcdsaP256, KeyKind::Rsa2048, KeyKind::Ed25519] {
            let alice = ca.issue("alice", kind);
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.der.clone()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider.clone(),
            )
            .build()
            .unwrap();
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_protocol_versions(&[rustls_version(version)])
                .unwrap()
                .with_client_cert_verifier(verifier)
                .with_single_cert(server_pki.chain.clone(), server_pki.key.clone_key())
                .unwrap();
            let mut server = Rustls::new(rustls::ServerConnection::new(Arc::new(config)).unwrap());

            let (mut client_config, _) = configs(&server_pki, version);
            client_config.client_identities = vec![alice.certified_key()];
            let mut client =
                Lucid::new(Connection::client(Arc::new(client_config), localhost()).unwrap());
            drive_handshake(&mut client, &mut server)
                .unwrap_or_else(|e| panic!("{version} {kind:?}: {e:?}"));
            assert_eq!(client.conn.negotiated().client_identity_sent, Some(0));
            assert_eq!(
                server.conn.peer_certificates().map(|c| c.to_vec()),
                Some(alice.chain.clone()),
                "{version} {kind:?}"
            );
            assert_eq!(send_over(&mut client, &mut server, b"hello"), b"hello");
            assert_eq!(send_over(&mut server, &mut client, b"world"), b"world");
        }
    }
}

#[test]
fn rustls_client_to_lucid_server() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for version in VERSIONS {
        for kind in [KeyKind::EcdsaP256, KeyKind::Rsa2048, KeyKind::Ed25519] {
            let alice = ca.issue("alice", kind);
            let mut roots = rustls::RootCertStore::empty();
            roots.add(server_pki.ca_der.clone()).unwrap();
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(&[rustls_version(version)])
                .unwrap()
                .with_root_certificates(roots)
                .with_client_auth_cert(alice.chain.clone(), alice.key.clone_key())
                .unwrap();
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            let mut client =
                Rustls::new(rustls::ClientConnection::new(Arc::new(config), name).unwrap());

            let mut server_config = server_pki.server_config();
            server_config.client_auth = ClientAuth::Required(ca.roots());
            let mut server = Lucid::new(Connection::server(Arc::new(server_config)).unwrap());
            drive_handshake(&mut client, &mut server)
                .unwrap_or_else(|e| panic!("{version} {kind:?}: {e:?}"));
            let n = server.conn.negotiated();
            assert_eq!(n.version, Some(version));
            assert!(n.client_identity_verified, "{version} {kind:?}");
            assert_eq!(n.peer_certificates, alice.chain, "{version} {kind:?}");
            assert_eq!(send_over(&mut client, &mut server, b"hello"), b"hello");
            assert_eq!(send_over(&mut server, &mut client, b"world"), b"world");
        }
    }
}

#[test]
fn rustls_client_without_a_certificate_is_refused() {
    let server_pki = pki(KeyKind::EcdsaP256);
    let ca = Ca::root("lucidtls client CA");
    for (version, alert) in [
        (
            ProtocolVersion::Tls13,
            AlertDescription::CertificateRequired,
        ),
        (ProtocolVersion::Tls12, AlertDescription::HandshakeFailure),
    ] {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(server_pki.ca_der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[rustls_version(version)])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut client =
            Rustls::new(rustls::ClientConnection::new(Arc::new(config), name).unwrap());
        let mut server_config = server_pki.server_config();
        server_config.client_auth = ClientAuth::Required(ca.roots());
        let mut server = Lucid::new(Connection::server(Arc::new(server_config)).unwrap());
        let err = drive_handshake(&mut client, &mut server).expect_err("must fail");
        let Failed::B(PeerError::Lucid(e)) = err else {
            panic!("{version}: expected the lucid server to fail, got {err:?}");
        };
        assert_eq!(e, Error::ClientCertificateRequired(version));
        assert_eq!(e.alert(), alert);
        // The client is told why.
        let alert_bytes = server.conn.take_tls();
        let told = client.feed(&alert_bytes);
        assert!(
            matches!(
                told,
                Err(PeerError::Rustls(rustls::Error::AlertReceived(a))) if u8::from(a) == alert.to_wire()
            ),
            "{version}: {told:?}"
        );
    }
}
