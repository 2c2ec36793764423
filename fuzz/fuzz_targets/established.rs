//! An established connection, client or server, TLS 1.3 or 1.2, receiving fuzzed records
//! protected with the peer's real traffic keys: post-handshake messages (KeyUpdate,
//! NewSessionTicket, HelloRequest, renegotiating ClientHello), alerts, application data,
//! TLS 1.3 inner plaintext (content type and padding) and plaintext records out of place.
//!
//! Input: a scenario selector byte, a flags byte (bit 0: fuzz the client, else the
//! server; bit 1: renegotiation off, else on as in every harness scenario), then records as `typ`, a 2-byte length, the bytes. The harness first replays
//! the scenario's recorded handshake (deterministic, see the harness crate) so that the
//! connection is established, then protects each record as the peer would: for TLS 1.3
//! the bytes are the whole inner plaintext, sealed with the peer's application traffic
//! key (a KeyUpdate at the front of a record moves to the next key, as a real peer does);
//! for TLS 1.2 they are content of type `typ`, protected by the library's own encrypter
//! with the peer's key block. A `typ` with the high bit set goes out as a plaintext
//! record of type `typ & 0x7f`.
//!
//! Oracles: no panic, stall or runaway allocation; the recorded handshake always
//! completes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lucidtls::Connection;
use lucidtls_fuzz::{established, feed, finish, reset, scenario, seal_records, server_name, Role};

fuzz_target!(|data: &[u8]| {
    let [selector, flags, records @ ..] = data else {
        return;
    };
    let under_test = if flags & 1 == 0 {
        Role::Server
    } else {
        Role::Client
    };
    let est = established(*selector, under_test);
    let sc = scenario(*selector);
    reset();
    let (mut client_config, mut server_config) = sc.configs(false);
    if flags & 2 != 0 {
        // The refusal path: HelloRequest or ClientHello get a no_renegotiation warning.
        let mut c = (*client_config).clone();
        c.common.allow_renegotiation = false;
        client_config = std::sync::Arc::new(c);
        let mut s = (*server_config).clone();
        s.common.allow_renegotiation = false;
        server_config = std::sync::Arc::new(s);
    }
    let mut conn = match under_test {
        Role::Server => Connection::server(server_config).expect("server configuration"),
        Role::Client => {
            let mut c =
                Connection::client(client_config, server_name()).expect("client configuration");
            drop(c.take_tls());
            c
        }
    };
    feed(&mut conn, &est.prefix).expect("the recorded handshake replays");
    assert!(!conn.is_handshaking(), "the recorded handshake completes");
    let mut sealer = est.sealer();
    let wire = seal_records(&mut sealer, records);
    let _ = feed(&mut conn, &wire);
    finish(&mut conn);
});
