//! A client (TLS 1.3 and 1.2) driven by fuzzed server bytes.
//!
//! Input: a selector byte choosing one of the harness scenarios' client configurations
//! (with the high bit set, after a full handshake has left a session to resume), then
//! the server's whole byte stream. The client's own ClientHello and later flights
//! are discarded. Randomness and key shares are deterministic (see the harness crate), so
//! recorded server streams complete the handshake (certificate, signature and Finished
//! all verify) and crashes reproduce.
//!
//! Oracles: no panic or stall; once the handshake completes, the version, suite, group
//! and ALPN protocol are ones the client offered, and the server's chain is recorded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lucidtls::Connection;
use lucidtls_fuzz::{feed, finish, reset, resumes, scenario, server_name};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let sc = scenario(selector);
    reset();
    // A fresh session store, or one primed by a full handshake (the client then offers
    // the ticket or session id it holds).
    let (config, _) = sc.configs(resumes(selector));
    let mut conn = Connection::client(config, server_name()).expect("fixed client configuration");
    let result = feed(&mut conn, input);
    if result.is_ok() && !conn.is_handshaking() {
        let cfg = &sc.client.common;
        let n = conn.negotiated();
        let version = n.version.expect("a finished handshake has a version");
        assert!(
            cfg.versions.contains(&version),
            "version {version:?} not offered"
        );
        let suite = n.cipher_suite.expect("a finished handshake has a suite");
        assert!(
            cfg.cipher_suites.contains(&suite),
            "suite {suite:?} not offered"
        );
        if let Some(group) = n.group {
            assert!(
                cfg.groups.contains(&group) || group.to_wire() >> 8 == 1,
                "group {group:?} not offered"
            );
        }
        if let Some(alpn) = &n.alpn {
            assert!(
                cfg.alpn_protocols.contains(alpn),
                "ALPN {alpn:?} not offered"
            );
        }
        assert!(
            !n.peer_certificates.is_empty(),
            "handshake finished without the server's certificate"
        );
    }
    finish(&mut conn);
});
