//! Records seed corpora from real in-memory lucidtls ↔ lucidtls handshakes.
//!
//! Run from `fuzz/`: `cargo run --release --example make_corpus` (stable is fine). For
//! every harness scenario (TLS 1.3, HRR, mutual TLS, ChaCha20 + ALPN; TLS 1.2 ECDHE with
//! Ed25519 and RSA, DHE, RSA key transport with CBC and Encrypt-then-MAC, CBC
//! MAC-then-encrypt, mutual TLS, no tickets) it runs a handshake through the deterministic
//! provider, then application data both ways, a KeyUpdate (TLS 1.3) and close_notify, and
//! keeps the bytes each side sent; every TLS 1.2 scenario also once with a renegotiation
//! (RFC 5746) right after the handshake, started by the client and by the server. It then replays each recording into a fresh peer, as the
//! fuzz targets do, and fails unless the replay completes the handshake: the seeds are
//! only useful if they get past Finished.
//!
//! Seeds written (`seeds/TARGET/NAME`; `scripts/fuzz` passes them to libFuzzer after the
//! working corpus `corpus/TARGET`, which is not committed):
//! - `server/`: selector byte + the client's stream; `client/`: selector + the server's;
//! - `record/`: control byte + either stream;
//! - `messages/`: every plaintext handshake message seen, with the selector for its
//!   decoder and for the whole-message dispatcher, the hello extension blocks, and the
//!   TLS 1.3 messages that only travel encrypted, built from typed values;
//! - `verify/`: the fixed chains;
//! - `established/`: records for an established connection;
//! - `renegotiation/`: operation lists (see `lucidtls_fuzz::op`), each run and checked.
//!
//! Existing files of the same name are overwritten; nothing else is removed.

use lucidtls::enums::{HandshakeType, ProtocolVersion, SignatureScheme};
use lucidtls::msgs::{
    split_handshake, CertificateRequest13, CertificateVerify, ClientHello, EncryptedExtensions,
    Extension, Extensions, HandshakeBody, KeyUpdate, NewSessionTicket12, NewSessionTicket13,
    ServerHello,
};
use lucidtls::{Connection, Error};
use lucidtls_fuzz::{
    certs, established, feed, plaintext_messages, renegotiation_run, reset, scenarios,
    seal_records, server_name, tls12_scenarios, Role, CA_PEM, CLIENT_ED25519_PEM,
    SERVER_ED25519_PEM, SERVER_RSA_PEM,
};
use std::path::{Path, PathBuf};

/// Moves `from`'s pending bytes to `to`, appending them to `log`.
fn transfer(from: &mut Connection, to: &mut Connection, log: &mut Vec<u8>) -> Result<(), Error> {
    let bytes = from.take_tls();
    log.extend_from_slice(&bytes);
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let n = to.read_tls(rest);
        rest = &rest[n..];
        to.process_new_packets()?;
    }
    Ok(())
}

struct Recording {
    client_stream: Vec<u8>,
    server_stream: Vec<u8>,
    version: Option<ProtocolVersion>,
}

/// Records scenario `index` (resumed when `resume`); with `reneg`, a TLS 1.2 connection
/// renegotiates once, started by that side, between the application data and the close.
fn record(index: usize, resume: bool, reneg: Option<Role>) -> Recording {
    let sc = &scenarios()[index];
    reset();
    let (c, s) = sc.configs(resume);
    let mut client = Connection::client(c, server_name()).expect("client");
    let mut server = Connection::server(s).expect("server");
    let (mut cs, mut ss) = (Vec::new(), Vec::new());
    let mut pump = |client: &mut Connection, server: &mut Connection| {
        for _ in 0..10 {
            transfer(client, server, &mut cs)
                .unwrap_or_else(|e| panic!("{}: server: {e}", sc.name));
            transfer(server, client, &mut ss)
                .unwrap_or_else(|e| panic!("{}: client: {e}", sc.name));
            if !client.wants_write() && !server.wants_write() {
                break;
            }
        }
    };
    pump(&mut client, &mut server);
    assert!(
        !client.is_handshaking() && !server.is_handshaking(),
        "{}: handshake did not finish",
        sc.name
    );
    let version = client.negotiated().version;
    // A renegotiation comes before any application data: each side's CBC IVs come from
    // its generator, and a replay (which writes no data) must draw what the recording did.
    if reneg.is_none() {
        client
            .write_plaintext(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("client write");
        server
            .write_plaintext(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")
            .expect("server write");
        pump(&mut client, &mut server);
    }
    if version == Some(ProtocolVersion::Tls13) {
        client.update_keys(true).expect("key update");
        pump(&mut client, &mut server);
        client.write_plaintext(b"after key update").expect("write");
        pump(&mut client, &mut server);
    }
    if let Some(initiator) = reneg {
        let who = match initiator {
            Role::Client => &mut client,
            Role::Server => &mut server,
        };
        who.renegotiate()
            .unwrap_or_else(|e| panic!("{}: renegotiate: {e}", sc.name));
        pump(&mut client, &mut server);
        assert_eq!(
            (
                client.negotiated().renegotiations,
                server.negotiated().renegotiations
            ),
            (1, 1),
            "{}: renegotiation did not complete",
            sc.name
        );
        client
            .write_plaintext(b"after renegotiation")
            .expect("client write");
        server
            .write_plaintext(b"renegotiated")
            .expect("server write");
        pump(&mut client, &mut server);
    }
    client.send_close_notify();
    server.send_close_notify();
    pump(&mut client, &mut server);
    Recording {
        client_stream: cs,
        server_stream: ss,
        version,
    }
}

/// Replays `stream` into a fresh peer of scenario `index`; if the handshake completes,
/// the renegotiations the peer completed.
fn replays(index: usize, resume: bool, stream: &[u8], into_server: bool) -> Option<u32> {
    let sc = &scenarios()[index];
    reset();
    let (c, s) = sc.configs(resume);
    let mut conn = if into_server {
        Connection::server(s).expect("server")
    } else {
        let mut c = Connection::client(c, server_name()).expect("client");
        drop(c.take_tls());
        c
    };
    let result = feed(&mut conn, stream);
    if let Err(e) = &result {
        eprintln!(
            "  replay into the {} failed: {e}",
            if into_server { "server" } else { "client" }
        );
    }
    (result.is_ok() && !conn.is_handshaking()).then(|| conn.negotiated().renegotiations)
}

struct Writer {
    root: PathBuf,
    count: usize,
    seen: std::collections::HashSet<(String, Vec<u8>)>,
}

impl Writer {
    fn put(&mut self, target: &str, name: &str, selector: u8, body: &[u8]) {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).expect("corpus directory");
        let mut bytes = vec![selector];
        bytes.extend_from_slice(body);
        // Identical seeds (the same certificate message in several scenarios) once only.
        if !self.seen.insert((target.to_string(), bytes.clone())) {
            return;
        }
        std::fs::write(dir.join(name), bytes).expect("write seed");
        self.count += 1;
    }
}

/// The messages target's selector for a body decoder (see fuzz_targets/messages.rs).
fn decoder_selectors(typ: HandshakeType, tls13: bool) -> Vec<u8> {
    use HandshakeType as H;
    match typ {
        H::ClientHello => vec![0],
        H::ServerHello => vec![1],
        H::EncryptedExtensions => vec![2],
        H::Certificate => vec![if tls13 { 3 } else { 4 }],
        H::CertificateRequest => vec![if tls13 { 5 } else { 6 }],
        H::CertificateVerify => vec![7],
        H::Finished => vec![8],
        H::HelloRequest => vec![9],
        H::KeyUpdate => vec![10],
        H::NewSessionTicket => vec![if tls13 { 11 } else { 12 }],
        H::ServerHelloDone => vec![13],
        H::ClientKeyExchange => vec![14, 15, 16],
        H::ServerKeyExchange => vec![17, 18],
        _ => vec![],
    }
}

/// One record of the `established` target's input.
fn rec(out: &mut Vec<u8>, typ: u8, body: &[u8]) {
    out.push(typ);
    out.extend_from_slice(&u16::try_from(body.len()).expect("small").to_be_bytes());
    out.extend_from_slice(body);
}

/// Seeds for the `established` target, each checked: the benign ones must be accepted.
fn established_seeds(w: &mut Writer) -> usize {
    let mut failures = 0;
    for (i, sc) in scenarios().iter().enumerate() {
        let selector = u8::try_from(i).expect("few scenarios");
        for (flags, side, under_test) in
            [(0u8, "server", Role::Server), (1, "client", Role::Client)]
        {
            let est = established(selector, under_test);
            let tls13 = est.version == ProtocolVersion::Tls13;
            // Application data, then (TLS 1.3) a KeyUpdate asking for one back and data
            // under the new key, then close_notify.
            let mut benign = Vec::new();
            if tls13 {
                rec(&mut benign, 23, b"GET / HTTP/1.1\r\n\r\n\x17");
                rec(&mut benign, 23, &[24, 0, 0, 1, 1, 22]);
                rec(&mut benign, 23, b"after the update\x17\0\0\0");
                rec(&mut benign, 23, &[1, 0, 21]);
            } else {
                rec(&mut benign, 23, b"GET / HTTP/1.1\r\n\r\n");
                rec(&mut benign, 23, b"");
                rec(&mut benign, 21, &[1, 0]);
            }
            // Post-handshake handshake messages the peer may (or may not) send.
            let mut post = Vec::new();
            match (tls13, under_test) {
                (true, Role::Client) => {
                    let mut nst = NewSessionTicket13 {
                        lifetime: 7200,
                        age_add: 7,
                        nonce: vec![0],
                        ticket: vec![0xab; 32],
                        extensions: Extensions::default(),
                    }
                    .encode();
                    nst.push(22);
                    rec(&mut post, 23, &nst);
                }
                (true, Role::Server) => rec(&mut post, 23, &[24, 0, 0, 1, 0, 22]),
                (false, Role::Client) => rec(&mut post, 22, &[0, 0, 0, 0]),
                (false, Role::Server) => {
                    if let Some(hello) = plaintext_messages(&est_client_hello(i)).first() {
                        rec(&mut post, 22, hello);
                    }
                }
            }
            rec(&mut post, 0x80 | 20, &[1]);

            for (name, input, must_pass) in [("benign", &benign, true), ("post", &post, false)] {
                let mut bytes = vec![flags];
                bytes.extend_from_slice(input);
                w.put(
                    "established",
                    &format!("{}-{side}-{name}", sc.name),
                    selector,
                    &bytes,
                );
                if must_pass {
                    if let Err(e) = run_established(selector, under_test, input) {
                        eprintln!(
                            "{}: established {side} refused benign records: {e}",
                            sc.name
                        );
                        failures += 1;
                    }
                }
            }
        }
    }
    failures
}

/// The client's first flight of scenario `index` (for a renegotiating ClientHello).
fn est_client_hello(index: usize) -> Vec<u8> {
    established(u8::try_from(index).expect("few"), Role::Server)
        .prefix
        .clone()
}

/// What the `established` target does with `records`; the error, if any.
fn run_established(selector: u8, under_test: Role, records: &[u8]) -> Result<(), Error> {
    let est = established(selector, under_test);
    let sc = &scenarios()[usize::from(selector)];
    reset();
    let (c, s) = sc.configs(false);
    let mut conn = match under_test {
        Role::Server => Connection::server(s)?,
        Role::Client => {
            let mut c = Connection::client(c, server_name())?;
            drop(c.take_tls());
            c
        }
    };
    feed(&mut conn, &est.prefix)?;
    assert!(!conn.is_handshaking());
    let mut sealer = est.sealer();
    let wire = seal_records(&mut sealer, records);
    feed(&mut conn, &wire)?;
    if !conn.received_close_notify() {
        return Err(Error::Internal("close_notify not seen"));
    }
    Ok(())
}

/// Seeds for the `renegotiation` target (operation lists, see `lucidtls_fuzz::op`), each
/// run and checked: the renegotiations they ask for must complete.
fn renegotiation_seeds(w: &mut Writer) -> usize {
    use lucidtls_fuzz::op::*;
    let mut failures = 0;
    for (p, &i) in tls12_scenarios().iter().enumerate() {
        let sc = &scenarios()[i];
        let selector = u8::try_from(p).expect("few scenarios");
        for (flags, side) in [(0u8, "server"), (1, "client")] {
            let data = |a: u8, b: u8| {
                vec![
                    a,
                    PUMP,
                    PEER_WRITES,
                    40,
                    TEST_WRITES,
                    40,
                    PUMP,
                    b,
                    PUMP,
                    TEST_WRITES,
                    3,
                    PEER_CLOSES,
                    PUMP,
                ]
            };
            let mut seeds: Vec<(String, Vec<u8>, u32)> = vec![
                (
                    "peer-then-test".into(),
                    data(PEER_RENEGOTIATES, TEST_RENEGOTIATES),
                    2,
                ),
                (
                    "test-then-peer".into(),
                    data(TEST_RENEGOTIATES, PEER_RENEGOTIATES),
                    2,
                ),
                // Records split across reads in the middle of a renegotiation, and data
                // from both sides while it runs.
                (
                    "partial".into(),
                    vec![
                        PEER_RENEGOTIATES,
                        PARTIAL,
                        7,
                        PARTIAL,
                        60,
                        TO_PEER,
                        PEER_WRITES,
                        9,
                        TO_TEST,
                        TEST_WRITES,
                        9,
                        TO_PEER,
                        PARTIAL,
                        1,
                        PUMP,
                        PEER_CLOSES,
                        PUMP,
                    ],
                    1,
                ),
            ];
            if flags == 1 {
                // A HelloRequest of the middle's own, under the server's keys.
                seeds.push((
                    "injected-hello-request".into(),
                    vec![INJECT, 22, 4, 0, 0, 0, 0, PUMP, PEER_CLOSES, PUMP],
                    1,
                ));
            }
            for (name, ops, want) in seeds {
                let mut input = vec![selector, flags];
                input.extend_from_slice(&ops);
                w.put(
                    "renegotiation",
                    &format!("{}-{side}-{name}", sc.name),
                    input[0],
                    &input[1..],
                );
                let out = renegotiation_run(&input).expect("long enough");
                if out.test_renegotiations != want
                    || out.test_error.is_some()
                    || !out.test_saw_close
                {
                    eprintln!("{}: renegotiation seed {side}-{name}: {out:?}", sc.name);
                    failures += 1;
                }
            }
        }
    }
    failures
}

/// Selector of the whole-message dispatcher.
const WHOLE_MESSAGE: u8 = 28;

fn extension_block(exts: &Extensions) -> Vec<u8> {
    let mut out = Vec::new();
    exts.encode(&mut out);
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut w = Writer {
        root,
        count: 0,
        seen: Default::default(),
    };
    let mut failures = 0;
    let mut messages: Vec<(String, Vec<u8>, bool)> = Vec::new();

    // Every scenario fresh; resumption (selector high bit) for TLS 1.3 with tickets,
    // TLS 1.2 with tickets and TLS 1.2 with mutual TLS.
    let runs = (0..scenarios().len()).map(|i| (i, false)).chain([
        (0, true),
        (2, true),
        (4, true),
        (7, true),
        (9, true),
        (10, true),
    ]);
    // Every TLS 1.2 scenario renegotiates once, started by the client and by the server.
    let runs = runs
        .map(|(i, resume)| (i, resume, None))
        .chain(tls12_scenarios().iter().flat_map(|&i| {
            [
                (i, false, Some(Role::Client)),
                (i, false, Some(Role::Server)),
            ]
        }));
    for (i, resume, reneg) in runs {
        let sc = &scenarios()[i];
        let rec = record(i, resume, reneg);
        let selector = u8::try_from(i).expect("few scenarios") | if resume { 0x80 } else { 0 };
        let name = format!(
            "{}{}{}",
            sc.name,
            if resume { "-resumed" } else { "" },
            match reneg {
                None => "",
                Some(Role::Client) => "-reneg-by-client",
                Some(Role::Server) => "-reneg-by-server",
            }
        );
        let tls13 = rec.version == Some(ProtocolVersion::Tls13);
        println!(
            "{:>3} {:<30} {:?}: client sent {} bytes, server {}",
            selector,
            name,
            rec.version,
            rec.client_stream.len(),
            rec.server_stream.len()
        );
        for (stream, into_server) in [(&rec.client_stream, true), (&rec.server_stream, false)] {
            if reneg
                == Some(if into_server {
                    Role::Server
                } else {
                    Role::Client
                })
            {
                continue;
            }
            match replays(i, resume, stream, into_server) {
                None => {
                    eprintln!("{name}: replay did not complete the handshake");
                    failures += 1;
                }
                Some(n) if n != u32::from(reneg.is_some()) => {
                    eprintln!("{name}: replay completed {n} renegotiations");
                    failures += 1;
                }
                Some(_) => {}
            }
        }
        // A renegotiation started by the client replays into a server (the client target
        // makes no calls), one started by the server into a client.
        if reneg != Some(Role::Server) {
            w.put("server", &name, selector, &rec.client_stream);
        }
        if reneg != Some(Role::Client) {
            w.put("client", &name, selector, &rec.server_stream);
        }
        if resume || reneg.is_some() {
            continue;
        }
        // Record target: chunk-size and limit control bytes vary with the scenario.
        w.put(
            "record",
            &format!("{}-c", sc.name),
            selector.wrapping_mul(29),
            &rec.client_stream,
        );
        w.put(
            "record",
            &format!("{}-s", sc.name),
            selector.wrapping_mul(53) | 1,
            &rec.server_stream,
        );
        for (side, stream) in [("c", &rec.client_stream), ("s", &rec.server_stream)] {
            for (k, msg) in plaintext_messages(stream).into_iter().enumerate() {
                messages.push((format!("{}-{side}{k}", sc.name), msg, tls13));
            }
        }
    }

    failures += established_seeds(&mut w);
    failures += renegotiation_seeds(&mut w);

    // TLS 1.3 messages that never travel in plaintext, from typed values.
    let ext = |v: Vec<Extension>| Extensions(v);
    let typed: Vec<(&str, Vec<u8>)> = vec![
        (
            "ee",
            EncryptedExtensions {
                extensions: ext(vec![
                    Extension::Alpn(vec![b"h2".to_vec()]),
                    Extension::ServerName(None),
                    Extension::RecordSizeLimit(16385),
                ]),
            }
            .encode(),
        ),
        (
            "certreq13",
            CertificateRequest13 {
                context: vec![],
                extensions: ext(vec![
                    Extension::SignatureAlgorithms(vec![
                        SignatureScheme::ED25519,
                        SignatureScheme::ECDSA_NISTP256_SHA256,
                        SignatureScheme::RSA_PSS_RSAE_SHA256,
                    ]),
                    Extension::CertificateAuthorities(vec![vec![0x30, 0x03, 0x31, 0x01, 0x00]]),
                ]),
            }
            .encode(),
        ),
        (
            "certverify",
            CertificateVerify {
                scheme: SignatureScheme::ED25519,
                signature: vec![0x42; 64],
            }
            .encode(),
        ),
        (
            "keyupdate",
            KeyUpdate {
                update_requested: true,
            }
            .encode(),
        ),
        (
            "nst13",
            NewSessionTicket13 {
                lifetime: 7200,
                age_add: 0x0102_0304,
                nonce: vec![0],
                ticket: vec![0xaa; 48],
                extensions: ext(vec![Extension::EarlyData(Some(16384))]),
            }
            .encode(),
        ),
        (
            "nst12",
            NewSessionTicket12 {
                lifetime_hint: 300,
                ticket: vec![0xbb; 64],
            }
            .encode(),
        ),
    ];
    for (name, msg) in typed {
        messages.push((name.to_string(), msg, true));
    }

    for (name, msg, tls13) in &messages {
        let Ok((typ, body)) = split_handshake(msg) else {
            continue;
        };
        w.put("messages", &format!("{name}-whole"), WHOLE_MESSAGE, msg);
        for s in decoder_selectors(typ, *tls13) {
            w.put("messages", &format!("{name}-{s}"), s, body);
        }
        // The hello extension blocks, for Extensions::read.
        if typ == HandshakeType::ClientHello {
            if let Ok(ch) = ClientHello::decode(body) {
                w.put(
                    "messages",
                    &format!("{name}-ext"),
                    19,
                    &extension_block(&ch.extensions),
                );
            }
        }
        if typ == HandshakeType::ServerHello {
            if let Ok(sh) = ServerHello::decode(body) {
                let s = if sh.is_hello_retry_request() { 21 } else { 20 };
                w.put(
                    "messages",
                    &format!("{name}-ext"),
                    s,
                    &extension_block(&sh.extensions),
                );
            }
        }
    }
    // Alerts: close_notify, fatal handshake_failure.
    w.put("messages", "alert-close", 26, &[1, 0]);
    w.put("messages", "alert-fatal", 26, &[2, 40]);

    // Verify target: flags byte, then 2-byte-length-prefixed DER elements.
    let chain = |parts: &[&[u8]]| {
        let mut out = Vec::new();
        for p in parts {
            out.extend_from_slice(&u16::try_from(p.len()).expect("small").to_be_bytes());
            out.extend_from_slice(p);
        }
        out
    };
    let ed = certs(SERVER_ED25519_PEM).remove(0);
    let rsa = certs(SERVER_RSA_PEM).remove(0);
    let client = certs(CLIENT_ED25519_PEM).remove(0);
    let ca = certs(CA_PEM).remove(0);
    w.put("verify", "ed25519", 0, &chain(&[&ed]));
    w.put("verify", "rsa-ip", 1, &chain(&[&rsa]));
    w.put("verify", "ed25519-with-ca", 0, &chain(&[&ed, &ca]));
    w.put("verify", "rsa-wrong-name", 2, &chain(&[&rsa, &ca]));
    w.put("verify", "client-mtls", 8, &chain(&[&client]));
    w.put("verify", "ca-as-leaf", 0, &chain(&[&ca]));
    w.put(
        "verify",
        "ed25519-ocsp",
        4,
        &chain(&[&ed, &[0x30, 0x03, 0x0a, 0x01, 0x00]]),
    );

    println!("wrote {} seeds under {}", w.count, w.root.display());
    if failures > 0 {
        eprintln!("{failures} replays did not complete the handshake");
        std::process::exit(1);
    }
}
