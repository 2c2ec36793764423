//! A server (TLS 1.3 and 1.2) driven by fuzzed client bytes.
//!
//! Input: a selector byte choosing one of the harness scenarios' server configurations
//! (Ed25519 or RSA certificate, policies modern to legacy, HRR-forcing groups, client
//! authentication none/optional/required, ALPN; with the high bit set, after one full
//! handshake has issued tickets and cached a session, so that resumption is reachable:
//! TLS 1.3 PSK, TLS 1.2 tickets, and TLS 1.2 session ids where the server has no ticketer;
//! TLS 1.2 renegotiation is on, and seeds include a client-started one),
//! then the client's whole byte stream.
//! Everything random behind the provider is deterministic (see the harness crate), so
//! recorded client streams complete the handshake and crashes reproduce.
//!
//! Oracles: no panic or stall; once the handshake completes, what was negotiated is
//! something the server enabled, and a server that requires client certificates has a
//! verified client identity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lucidtls::Connection;
use lucidtls_fuzz::{feed, finish, reset, resumes, scenario};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let sc = scenario(selector);
    reset();
    // Fresh session state, or state primed by one full handshake (the fuzzed client may
    // then resume with the ticket or session id it was given).
    let (_, config) = sc.configs(resumes(selector));
    let mut conn = Connection::server(config).expect("fixed server configuration");
    let result = feed(&mut conn, input);
    if result.is_ok() && !conn.is_handshaking() {
        let cfg = &sc.server.common;
        let n = conn.negotiated();
        let version = n.version.expect("a finished handshake has a version");
        assert!(
            cfg.versions.contains(&version),
            "version {version:?} not enabled"
        );
        let suite = n.cipher_suite.expect("a finished handshake has a suite");
        assert!(
            cfg.cipher_suites.contains(&suite),
            "suite {suite:?} not enabled"
        );
        if let Some(group) = n.group {
            assert!(
                cfg.groups.contains(&group) || group.to_wire() >> 8 == 1,
                "group {group:?} not enabled"
            );
        }
        if let Some(alpn) = &n.alpn {
            assert!(
                cfg.alpn_protocols.contains(alpn),
                "ALPN {alpn:?} not offered"
            );
        }
        if sc.server.client_auth.is_required() {
            assert!(
                n.client_identity_verified && !n.peer_certificates.is_empty(),
                "client authentication is required but no identity was verified"
            );
        }
    }
    finish(&mut conn);
});
