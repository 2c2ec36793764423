//! Randomized mutation of real TLS 1.3 byte streams (a deterministic xorshift PRNG,
//! no fuzzing dependency). Every case checks that the connection:
//!
//! - does not panic (a panic fails the test; the case's seed and input are printed);
//! - returns from `process_new_packets` after a bounded number of calls, each
//!   `read_tls` call taking bytes or the connection failing (no livelock);
//! - on failure queues exactly one alert as its last record — the alert the error maps
//!   to, decrypted when keys are known — unless the error is one that sends none;
//!   and then stays failed and silent.
//!
//! Shallow cases mutate recorded streams and feed them to fresh connections (most
//! fail early: the keys no longer match). Deep cases open the protected records with
//! logged secrets, mutate the plaintext handshake or post-handshake messages, and
//! protect them again, so the mutations reach the message parsers and the state
//! machines of a connection whose keys do match.
//!
//! Case counts are tuned to stay well under 20 s in release and 60 s in debug builds;
//! `LUCIDTLS_MUTATION_SCALE=<n>` multiplies them (e.g. for a long soak).

mod common;
use common::pair::*;
use common::peers::*;
use lucidtls::enums::{AlertDescription, AlertLevel, CipherSuite, ContentType, NamedGroup};
use lucidtls::msgs::{ClientHello, HandshakeBody, ServerHello};
use lucidtls::record::RecordDecrypter;
use lucidtls::suites::Tls13Suite;
use lucidtls::{ClientConfig, Connection, Error, ServerConfig};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Case counts: (release, debug), times the scale from the environment.
fn cases(release: usize, debug: usize) -> usize {
    let scale = std::env::var("LUCIDTLS_MUTATION_SCALE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1);
    scale
        * if cfg!(debug_assertions) {
            debug
        } else {
            release
        }
}

/// No single case may take this long (a crude hang detector).
const CASE_LIMIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------
// The checked feed

/// What feeding produced.
struct Fed {
    result: Result<(), Error>,
    /// Everything the connection queued while being fed (answers, then any alert).
    output: Vec<u8>,
}

/// Feeds `input` to `conn` in random chunks, checking the invariants above (except
/// the alert contents, which need keys: see [`check_alert`]).
fn feed_checked(conn: &mut Connection, input: &[u8], rng: &mut XorShift) -> Fed {
    let mut output = Vec::new();
    let mut offset = 0;
    let mut calls = 0usize;
    while offset < input.len() {
        let chunk = match rng.below(4) {
            0 => input.len() - offset,
            1 => rng.range(1, 8),
            _ => rng.range(1, 600),
        };
        let end = (offset + chunk).min(input.len());
        while offset < end {
            let n = conn.read_tls(&input[offset..end]);
            offset += n;
            calls += 1;
            let r = conn.process_new_packets();
            output.extend(conn.take_tls());
            if let Err(e) = r {
                after_failure(conn, &e);
                return Fed {
                    result: Err(e),
                    output,
                };
            }
            assert!(n > 0, "read_tls took nothing and processing did not fail");
        }
    }
    assert!(
        calls <= input.len() + 1,
        "{calls} calls for {} bytes",
        input.len()
    );
    // Nothing left over that a further call would turn into an error.
    let r = conn.process_new_packets();
    output.extend(conn.take_tls());
    if let Err(e) = &r {
        after_failure(conn, e);
    }
    Fed { result: r, output }
}

/// A failed connection stays failed, and quiet.
fn after_failure(conn: &mut Connection, e: &Error) {
    assert_eq!(conn.error(), Some(e));
    assert_eq!(conn.process_new_packets().as_ref(), Err(e));
    assert!(conn.write_plaintext(b"data").is_err());
    assert!(conn.update_keys(true).is_err());
    conn.send_close_notify();
    assert!(conn.take_tls().is_empty(), "output after failure");
    conn.read_tls(&[22, 3, 3, 0, 1, 1]);
    assert_eq!(conn.process_new_packets().as_ref(), Err(e));
}

/// Checks that `fed.output` ends in the alert for its error. `keys` are the failing
/// side's sending secrets; without them a protected alert is only checked for size.
fn check_alert(fed: &Fed, suite: Option<Tls13Suite>, keys: &[Vec<u8>], everything_sent: &[u8]) {
    let Err(e) = &fed.result else { return };
    let records = split_records(&fed.output);
    if !e.sends_alert() {
        if let Some(last) = records.last() {
            assert_ne!(last[0], 21, "{e:?} sends no alert, but one was queued");
        }
        return;
    }
    let last = records
        .last()
        .unwrap_or_else(|| panic!("no alert queued for {e:?}"));
    match last[0] {
        21 => assert_eq!(
            last.as_slice(),
            [21, 3, 3, 0, 2, 2, e.alert().to_wire()],
            "plaintext alert for {e:?}"
        ),
        23 => {
            assert_eq!(last.len(), 5 + 2 + 1 + 16, "protected alert size for {e:?}");
            if let (Some(suite), false) = (suite, keys.is_empty()) {
                assert_eq!(
                    last_alert(everything_sent, suite, keys),
                    Some((AlertLevel::Fatal, e.alert())),
                    "protected alert for {e:?}"
                );
            }
        }
        other => panic!("last record has type {other} after {e:?}"),
    }
}

/// Error tallies, printed at the end of each test (`--nocapture` to see them).
#[derive(Default)]
struct Tally(BTreeMap<String, usize>);

impl Tally {
    fn add(&mut self, r: &Result<(), Error>) {
        let key = match r {
            Ok(()) => "ok".to_string(),
            Err(e) => {
                let d = format!("{e:?}");
                let cut = d.find(['(', ' ', '{']).unwrap_or(d.len());
                if e.sends_alert() {
                    format!("{} -> {}", &d[..cut], e.alert())
                } else {
                    format!("{} (no alert)", &d[..cut])
                }
            }
        };
        *self.0.entry(key).or_default() += 1;
    }

    fn print(&self, name: &str, started: Instant) {
        let total: usize = self.0.values().sum();
        println!("{name}: {total} cases in {:?}", started.elapsed());
        for (k, v) in &self.0 {
            println!("  {v:6}  {k}");
        }
    }
}

/// Runs `case(seed)` for `n` seeds, reporting the seed of any panic.
fn run_cases(name: &str, n: usize, mut case: impl FnMut(u64) -> Result<(), Error>) {
    let started = Instant::now();
    let mut tally = Tally::default();
    for i in 0..n {
        let seed = 0x5eed_0000 + i as u64;
        let t = Instant::now();
        let r = catch_unwind(AssertUnwindSafe(|| case(seed)));
        match r {
            Ok(r) => tally.add(&r),
            Err(p) => {
                eprintln!("{name}: case {i} (seed {seed:#x}) panicked");
                std::panic::resume_unwind(p);
            }
        }
        assert!(
            t.elapsed() < CASE_LIMIT,
            "{name}: case {i} (seed {seed:#x}) took {:?}",
            t.elapsed()
        );
    }
    tally.print(name, started);
}

// ---------------------------------------------------------------------------------
// Mutations

const INTERESTING_U16: [u16; 12] = [0, 1, 2, 3, 4, 16, 255, 256, 16384, 16385, 16640, 16641];
const INTERESTING_U8: [u8; 8] = [0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 20];

/// One random byte-level or record-level mutation of a TLS byte stream.
fn mutate_stream(rng: &mut XorShift, v: &mut Vec<u8>) {
    if v.is_empty() {
        v.extend(rng.bytes_in(1, 16));
        return;
    }
    let pos = rng.below(v.len());
    match rng.below(14) {
        0 | 1 => v[pos] ^= 1 << rng.below(8),
        2 => v[pos] = rng.byte(),
        3 => v[pos] = INTERESTING_U8[rng.below(INTERESTING_U8.len())],
        4 => {
            let n = rng.range(1, 16);
            let bytes = rng.bytes(n);
            v.splice(pos..pos, bytes);
        }
        5 => {
            let end = (pos + rng.range(1, 32)).min(v.len());
            v.drain(pos..end);
        }
        6 => v.truncate(pos),
        _ => mutate_records(rng, v),
    }
}

/// Record-aware mutations: length fields, splitting, duplicating, dropping, swapping.
fn mutate_records(rng: &mut XorShift, v: &mut Vec<u8>) {
    let mut recs = split_records(v);
    if recs.is_empty() {
        return;
    }
    let i = rng.below(recs.len());
    match rng.below(7) {
        0 if recs[i].len() >= 5 => {
            // A new length field.
            let len = if rng.chance(2) {
                INTERESTING_U16[rng.below(INTERESTING_U16.len())]
            } else {
                let real = recs[i].len() as i64 - 5;
                (real + rng.range(0, 8) as i64 - 4).clamp(0, 0xffff) as u16
            };
            recs[i][3..5].copy_from_slice(&len.to_be_bytes());
        }
        1 if recs[i].len() > 6 => {
            // Split the record's payload in two records of the same type.
            let r = recs.remove(i);
            let at = 5 + rng.range(1, r.len() - 6);
            let (a, b) = (&r[5..at], &r[at..]);
            let typ = ContentType::from_wire(r[0]);
            recs.insert(i, record(typ, b));
            recs.insert(i, record(typ, a));
        }
        2 => {
            let r = recs[i].clone();
            recs.insert(i, r);
        }
        3 if recs.len() > 1 => {
            recs.remove(i);
        }
        4 if i + 1 < recs.len() => recs.swap(i, i + 1),
        5 if recs[i].len() >= 9 && recs[i][0] == 22 => {
            // A plaintext handshake record: a new handshake length or type.
            if rng.chance(2) {
                let len = rng.below(1 << 17) as u32;
                recs[i][6..9].copy_from_slice(&len.to_be_bytes()[1..]);
            } else {
                recs[i][5] = INTERESTING_U8[rng.below(INTERESTING_U8.len())];
            }
        }
        _ => {
            // Insert a small record of some type.
            let typ = [20u8, 21, 22, 23, 24][rng.below(5)];
            let len = rng.below(4);
            let payload = rng.bytes(len);
            recs.insert(i, record(ContentType::from_wire(typ), &payload));
        }
    }
    *v = recs.concat();
}

/// One to four stream mutations.
fn mutated(rng: &mut XorShift, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..rng.range(1, 4) {
        mutate_stream(rng, &mut v);
    }
    v
}

// ---------------------------------------------------------------------------------
// Recorded streams

struct Recording {
    client_config: Arc<ClientConfig>,
    server_config: Arc<ServerConfig>,
    /// Everything the client sent: ClientHello; CCS and Finished; data, KeyUpdate,
    /// data, close_notify.
    client_stream: Vec<u8>,
    /// Everything the server sent: its flight; data; KeyUpdate answer; data.
    server_stream: Vec<u8>,
}

/// Records a session; with `retry`, the server asks for another key share first.
fn record_session(retry: bool) -> Recording {
    let pki = pki(KeyKind::EcdsaP256);
    let mut cc = pki.client_config();
    let mut sc = pki.server_config();
    if retry {
        cc.common.groups = vec![NamedGroup::X25519, NamedGroup::secp384r1];
        sc.common.groups = vec![NamedGroup::secp384r1];
    }
    let client_config = Arc::new(cc);
    let server_config = Arc::new(sc);
    let mut c = Connection::client(client_config.clone(), localhost()).unwrap();
    let mut s = Connection::server(server_config.clone()).unwrap();
    let (mut cs, mut ss) = (Vec::new(), Vec::new());
    let mut step = |c: &mut Connection, s: &mut Connection| {
        let a = c.take_tls();
        cs.extend_from_slice(&a);
        s.read_tls(&a);
        s.process_new_packets().unwrap();
        let b = s.take_tls();
        ss.extend_from_slice(&b);
        c.read_tls(&b);
        c.process_new_packets().unwrap();
    };
    for _ in 0..3 {
        step(&mut c, &mut s);
    }
    assert!(!c.is_handshaking() && !s.is_handshaking());
    assert_eq!(c.negotiated().hello_retry, retry);
    c.write_plaintext(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    s.write_plaintext(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
    step(&mut c, &mut s);
    c.update_keys(true).unwrap();
    c.write_plaintext(b"after the update").unwrap();
    step(&mut c, &mut s);
    s.write_plaintext(b"server after the update").unwrap();
    c.send_close_notify();
    step(&mut c, &mut s);
    Recording {
        client_config,
        server_config,
        client_stream: cs,
        server_stream: ss,
    }
}

#[test]
fn recorded_session_replays_cleanly_into_fresh_peers_as_expected() {
    // The baseline the shallow cases mutate: a fresh server answers the recorded
    // ClientHello and then cannot open the recorded Finished (its keys differ); the
    // same holds whatever the chunking or record boundaries of the plaintext part.
    let rec = record_session(false);
    let mut rng = XorShift::new(1);
    for i in 0..50 {
        let mut input = rec.client_stream.clone();
        if i > 0 {
            // Re-split the (plaintext) ClientHello record at a random point.
            let mut recs = split_records(&input);
            let r = recs.remove(0);
            let at = 5 + rng.range(1, r.len() - 6);
            recs.insert(0, record(ContentType::Handshake, &r[at..]));
            recs.insert(0, record(ContentType::Handshake, &r[5..at]));
            input = recs.concat();
        }
        let mut s = Connection::server(rec.server_config.clone()).unwrap();
        let fed = feed_checked(&mut s, &input, &mut rng);
        assert_eq!(fed.result, Err(Error::BadRecordMac), "case {i}");
        check_alert(&fed, None, &[], &[]);
    }
}

// ---------------------------------------------------------------------------------
// Shallow: mutated recorded streams into fresh connections

#[test]
fn mutated_client_stream_into_fresh_servers() {
    let recs = [record_session(false), record_session(true)];
    run_cases("client stream -> server", cases(30_000, 20_000), |seed| {
        let mut rng = XorShift::new(seed);
        let rec = &recs[rng.below(2)];
        let input = mutated(&mut rng, &rec.client_stream);
        let mut s = Connection::server(rec.server_config.clone()).unwrap();
        let fed = feed_checked(&mut s, &input, &mut rng);
        check_alert(&fed, None, &[], &[]);
        fed.result
    });
}

/// A fresh client, its ClientHello discarded, and the recorded server stream with the
/// session id echo of each ServerHello (and HelloRetryRequest) patched to match it
/// (else every case would stop at that check).
fn fresh_client_and_server_stream(rec: &Recording) -> (Connection, Vec<u8>) {
    let mut c = Connection::client(rec.client_config.clone(), localhost()).unwrap();
    let hello = c.take_tls();
    let ch = ClientHello::decode(&hello[9..]).unwrap();
    let mut recs = split_records(&rec.server_stream);
    for r in recs.iter_mut().filter(|r| r[0] == 22 && r[5] == 2) {
        let mut sh = ServerHello::decode(&r[9..]).unwrap();
        sh.session_id = ch.session_id.clone();
        *r = record(ContentType::Handshake, &sh.encode());
    }
    (c, recs.concat())
}

#[test]
fn mutated_server_stream_into_fresh_clients() {
    let recs = [record_session(false), record_session(true)];
    // Unmutated: the keys differ, so the first protected record fails.
    for rec in &recs {
        let (mut c, stream) = fresh_client_and_server_stream(rec);
        let fed = feed_checked(&mut c, &stream, &mut XorShift::new(7));
        assert_eq!(fed.result, Err(Error::BadRecordMac));
    }
    run_cases("server stream -> client", cases(30_000, 20_000), |seed| {
        let mut rng = XorShift::new(seed);
        let rec = &recs[rng.below(2)];
        let (mut c, stream) = fresh_client_and_server_stream(rec);
        let input = mutated(&mut rng, &stream);
        let fed = feed_checked(&mut c, &input, &mut rng);
        check_alert(&fed, None, &[], &[]);
        fed.result
    });
}

#[test]
fn random_bytes_into_fresh_connections() {
    let rec = record_session(false);
    run_cases("random bytes", cases(30_000, 20_000), |seed| {
        let mut rng = XorShift::new(seed);
        let len = rng.below(3000);
        let mut input = rng.bytes(len);
        // Half the time, something that frames like records.
        if rng.chance(2) {
            input.clear();
            while input.len() < len {
                let typ = [20u8, 21, 22, 23][rng.below(4)];
                let n = rng.below(300);
                let mut r = record(ContentType::from_wire(typ), &rng.bytes(n));
                if rng.chance(8) {
                    r[3] = rng.byte();
                }
                input.extend(r);
            }
        }
        let fed = if rng.chance(2) {
            let mut s = Connection::server(rec.server_config.clone()).unwrap();
            feed_checked(&mut s, &input, &mut rng)
        } else {
            let mut c = Connection::client(rec.client_config.clone(), localhost()).unwrap();
            c.take_tls();
            feed_checked(&mut c, &input, &mut rng)
        };
        check_alert(&fed, None, &[], &[]);
        fed.result
    });
}

// ---------------------------------------------------------------------------------
// Deep: plaintext mutations, protected again with the right keys

/// One random mutation of a sequence of handshake messages (header included).
fn mutate_messages(rng: &mut XorShift, msgs: &mut Vec<Vec<u8>>) {
    if msgs.is_empty() {
        msgs.push(vec![rng.byte(), 0, 0, 0]);
        return;
    }
    let i = rng.below(msgs.len());
    match rng.below(10) {
        0 => {
            msgs.remove(i);
        }
        1 => {
            let m = msgs[i].clone();
            msgs.insert(rng.below(msgs.len() + 1), m);
        }
        2 if msgs.len() > 1 => {
            let j = rng.below(msgs.len());
            msgs.swap(i, j);
        }
        3 if !msgs[i].is_empty() => {
            msgs[i][0] = [1u8, 2, 4, 5, 8, 11, 13, 15, 20, 24, 254][rng.below(11)]
        }
        4 if msgs[i].len() >= 4 => {
            // A handshake length off by a little, or a lot.
            let real = msgs[i].len() as i64 - 4;
            let len = if rng.chance(2) {
                (real + rng.range(0, 6) as i64 - 3).max(0) as u32
            } else {
                rng.below(1 << 24) as u32
            };
            msgs[i][1..4].copy_from_slice(&len.to_be_bytes()[1..]);
        }
        _ => {
            // Byte-level damage inside one message body, then a fixed-up length
            // half the time, so the message parser (not the framing) meets it.
            let mut m = msgs[i].clone();
            for _ in 0..rng.range(1, 3) {
                mutate_bytes(rng, &mut m);
            }
            if m.len() >= 4 && rng.chance(2) {
                let len = (m.len() - 4) as u32;
                m[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
            }
            msgs[i] = m;
        }
    }
}

/// Plain byte mutations (no record structure).
fn mutate_bytes(rng: &mut XorShift, m: &mut Vec<u8>) {
    if m.is_empty() {
        m.push(rng.byte());
        return;
    }
    let pos = rng.below(m.len());
    match rng.below(7) {
        0 | 1 => m[pos] ^= 1 << rng.below(8),
        2 => m[pos] = INTERESTING_U8[rng.below(INTERESTING_U8.len())],
        3 => {
            let n = rng.range(1, 8);
            let bytes = rng.bytes(n);
            m.splice(pos..pos, bytes);
        }
        4 => {
            let end = (pos + rng.range(1, 16)).min(m.len());
            m.drain(pos..end);
        }
        5 => m.truncate(pos.max(1)),
        _ => m[pos] = rng.byte(),
    }
}

/// Cuts `payload` into record payloads at random points (never empty pieces).
fn fragment(rng: &mut XorShift, payload: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        let n = match rng.below(3) {
            0 => rest.len(),
            1 => rng.range(1, 16),
            _ => rng.range(1, 2000),
        }
        .min(rest.len())
        .min(16384);
        out.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    out
}

/// A fresh client, the server's first flight for it, and that flight opened.
struct OpenFlight {
    client: Connection,
    client_log: Arc<SecretLog>,
    /// ServerHello and change_cipher_spec records.
    clear: Vec<u8>,
    /// The protected handshake messages.
    messages: Vec<Vec<u8>>,
    suite: Tls13Suite,
    secret: Vec<u8>,
    client_sent: Vec<u8>,
}

fn open_flight(pki: &TestPki, suite: CipherSuite) -> OpenFlight {
    let client_log = SecretLog::new();
    let mut cc = pki.client_config();
    cc.common.cipher_suites = vec![suite];
    cc.common.key_log = Some(client_log.clone());
    let server_log = SecretLog::new();
    let mut sc = pki.server_config();
    sc.common.key_log = Some(server_log.clone());
    let mut client = Connection::client(Arc::new(cc), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(sc)).unwrap();
    let client_sent = client.take_tls();
    server.read_tls(&client_sent);
    server.process_new_packets().unwrap();
    let flight = server.take_tls();
    let suite = suite_of(suite);
    let secret = server_log.must("SERVER_HANDSHAKE_TRAFFIC_SECRET");
    let mut dec = decrypter(suite, &secret);
    let (mut clear, mut payload) = (Vec::new(), Vec::new());
    for r in split_records(&flight) {
        if r[0] == 23 {
            payload.extend(dec.decrypt(opaque(&r)).unwrap().payload);
        } else {
            clear.extend(r);
        }
    }
    OpenFlight {
        client,
        client_log,
        clear,
        messages: split_messages(&payload),
        suite,
        secret,
        client_sent,
    }
}

#[test]
fn mutated_server_flight_reprotected_into_its_client() {
    let pkis = [pki(KeyKind::EcdsaP256), pki(KeyKind::Ed25519)];
    let mut completed = 0usize;
    run_cases(
        "server flight (re-protected) -> client",
        cases(15_000, 6_000),
        |seed| {
            let mut rng = XorShift::new(seed);
            let pki = &pkis[rng.below(2)];
            let suite = ALL_SUITES[rng.below(3)];
            let mut f = open_flight(pki, suite);
            let original = f.messages.concat();
            let mut msgs = f.messages.clone();
            for _ in 0..rng.range(1, 3) {
                mutate_messages(&mut rng, &mut msgs);
            }
            let payload = msgs.concat();
            // Protect it again in random pieces, sometimes with extra records between.
            let mut enc = encrypter(f.suite, &f.secret);
            let mut input = f.clear.clone();
            for piece in fragment(&mut rng, &payload) {
                input.extend(seal(&mut enc, ContentType::Handshake, &piece));
                match rng.below(12) {
                    0 => input.extend(record(ContentType::ChangeCipherSpec, &[1])),
                    1 => input.extend(seal(&mut enc, ContentType::ApplicationData, b"")),
                    2 => input.extend(seal(&mut enc, ContentType::Alert, &[1, 90])),
                    _ => {}
                }
            }
            let fed = feed_checked(&mut f.client, &input, &mut rng);
            f.client_sent.extend_from_slice(&fed.output);
            let keys: Vec<Vec<u8>> = ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"]
                .iter()
                .filter_map(|l| f.client_log.get(l))
                .collect();
            check_alert(&fed, Some(f.suite), &keys, &f.client_sent);
            if fed.result.is_ok() && !f.client.is_handshaking() {
                // Finished covers the transcript: only the genuine messages complete.
                assert!(
                    payload == original,
                    "a changed server flight completed the handshake"
                );
                completed += 1;
            }
            fed.result
        },
    );
    println!("  ({completed} completed with the genuine flight)");
}

/// A connected pair with both key logs, for post-handshake injection.
struct Connected {
    client: Connection,
    server: Connection,
    client_log: Arc<SecretLog>,
    server_log: Arc<SecretLog>,
    suite: Tls13Suite,
    client_sent: Vec<u8>,
    server_sent: Vec<u8>,
}

fn connected(pki: &TestPki, suite: CipherSuite) -> Connected {
    let client_log = SecretLog::new();
    let server_log = SecretLog::new();
    let mut cc = pki.client_config();
    cc.common.cipher_suites = vec![suite];
    cc.common.key_log = Some(client_log.clone());
    let mut sc = pki.server_config();
    sc.common.key_log = Some(server_log.clone());
    let mut client = Connection::client(Arc::new(cc), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(sc)).unwrap();
    let (mut client_sent, mut server_sent) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let a = client.take_tls();
        client_sent.extend_from_slice(&a);
        server.read_tls(&a);
        server.process_new_packets().unwrap();
        let b = server.take_tls();
        server_sent.extend_from_slice(&b);
        client.read_tls(&b);
        client.process_new_packets().unwrap();
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    Connected {
        client,
        server,
        client_log,
        server_log,
        suite: suite_of(suite),
        client_sent,
        server_sent,
    }
}

/// One post-handshake record's inner content, before protection.
struct Unit {
    typ: ContentType,
    payload: Vec<u8>,
}

/// A random post-handshake unit from `sender_is_server`'s side.
fn random_unit(rng: &mut XorShift, sender_is_server: bool) -> Unit {
    let hs = |typ: u8, body: &[u8]| {
        let len = (body.len() as u32).to_be_bytes();
        let mut m = vec![typ, len[1], len[2], len[3]];
        m.extend_from_slice(body);
        m
    };
    let (typ, payload) = match rng.below(12) {
        0..=3 => {
            let n = rng.range(1, 300);
            (ContentType::ApplicationData, rng.bytes(n))
        }
        4 => (ContentType::ApplicationData, Vec::new()),
        5 | 6 => (ContentType::Handshake, hs(24, &[rng.below(2) as u8])),
        7 if sender_is_server => {
            // NewSessionTicket: lifetime, age_add, nonce, ticket, extensions.
            let mut body = 3600u32.to_be_bytes().to_vec();
            body.extend(rng.bytes(4));
            body.extend([1, rng.byte()]);
            let ticket = rng.bytes_in(1, 64);
            body.extend((ticket.len() as u16).to_be_bytes());
            body.extend(ticket);
            body.extend([0, 0]);
            (ContentType::Handshake, hs(4, &body))
        }
        8 => (ContentType::Alert, vec![1, 90]),
        9 => (
            ContentType::Alert,
            vec![
                [1u8, 2][rng.below(2)],
                [0u8, 10, 20, 40, 90, 255][rng.below(6)],
            ],
        ),
        10 => {
            let typ = [1u8, 2, 8, 11, 15, 20, 24, 99][rng.below(8)];
            let n = rng.below(40);
            (ContentType::Handshake, hs(typ, &rng.bytes(n)))
        }
        _ => (ContentType::Handshake, hs(24, &[0])),
    };
    Unit { typ, payload }
}

#[test]
fn mutated_post_handshake_records_reprotected() {
    let pki = pki(KeyKind::EcdsaP256);
    run_cases(
        "post-handshake (re-protected)",
        cases(12_000, 5_000),
        |seed| {
            let mut rng = XorShift::new(seed);
            let suite = ALL_SUITES[rng.below(3)];
            let mut k = connected(&pki, suite);
            let to_server = rng.chance(2);
            let (label, victim_label) = if to_server {
                ("CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0")
            } else {
                ("SERVER_TRAFFIC_SECRET_0", "CLIENT_TRAFFIC_SECRET_0")
            };
            let (sender_log, victim_log) = if to_server {
                (&k.client_log, &k.server_log)
            } else {
                (&k.server_log, &k.client_log)
            };
            let mut secret = sender_log.must(label);
            let mut enc = encrypter(k.suite, &secret);
            let mut units: Vec<Unit> = (0..rng.range(1, 12))
                .map(|_| random_unit(&mut rng, !to_server))
                .collect();
            // Damage some of them.
            for _ in 0..rng.below(3) {
                let i = rng.below(units.len());
                mutate_bytes(&mut rng, &mut units[i].payload);
            }
            let mut input = Vec::new();
            let mut expected_data = Vec::new();
            for u in &units {
                if u.payload.len() > 16384 {
                    continue;
                }
                input.extend(seal(&mut enc, u.typ, &u.payload));
                if u.typ == ContentType::ApplicationData {
                    expected_data.extend_from_slice(&u.payload);
                }
                // A well-formed KeyUpdate switches our key after its record.
                if u.typ == ContentType::Handshake
                    && u.payload.len() == 5
                    && u.payload[..4] == [24, 0, 0, 1]
                    && u.payload[4] < 2
                {
                    secret = next_secret(k.suite, &secret);
                    enc = encrypter(k.suite, &secret);
                }
                if rng.chance(20) {
                    let at = rng.below(input.len());
                    input[at] ^= 1;
                }
            }
            let (victim, victim_sent) = if to_server {
                (&mut k.server, &mut k.server_sent)
            } else {
                (&mut k.client, &mut k.client_sent)
            };
            let fed = feed_checked(victim, &input, &mut rng);
            victim_sent.extend_from_slice(&fed.output);
            let hs_label = if to_server {
                "SERVER_HANDSHAKE_TRAFFIC_SECRET"
            } else {
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
            };
            let mut keys = vec![victim_log.must(hs_label)];
            let mut s = victim_log.must(victim_label);
            for _ in 0..40 {
                let next = next_secret(k.suite, &s);
                keys.push(s);
                s = next;
            }
            check_alert(&fed, Some(k.suite), &keys, victim_sent);
            if fed.result.is_ok() {
                // Everything was accepted: exactly the application data arrived.
                let mut got = vec![0u8; victim.plaintext_available()];
                let n = victim.read_plaintext(&mut got);
                got.truncate(n);
                // (A damaged length field can leave the tail in a partial record, and a
                // close_notify ends the data early.)
                if victim.received_close_notify() || victim.has_partial_record() {
                    assert!(expected_data.starts_with(&got), "application data differs");
                } else {
                    assert!(got == expected_data, "application data differs");
                }
            }
            fed.result
        },
    );
}

#[test]
fn alerts_of_every_kind_are_decoded_or_refused() {
    // Each of the 256 descriptions at each of four levels, before and after the
    // handshake: no panic, fatal ones end the connection without an answer.
    let pki = pki(KeyKind::EcdsaP256);
    let mut rng = XorShift::new(99);
    for level in [0u8, 1, 2, 3] {
        for desc in 0..=255u8 {
            let mut s = Connection::server(Arc::new(pki.server_config())).unwrap();
            let fed = feed_checked(
                &mut s,
                &record(ContentType::Alert, &[level, desc]),
                &mut rng,
            );
            if matches!(level, 1 | 2) && desc == AlertDescription::CloseNotify.to_wire() {
                // Before the handshake, close_notify ends the attempt: answered in kind
                // (RFC 8446 §6.1), and reported as the peer's alert.
                assert_eq!(
                    fed.result,
                    Err(Error::AlertReceived(AlertDescription::CloseNotify))
                );
                assert!(s.received_close_notify());
                let records = split_records(&fed.output);
                assert_eq!(
                    records.last().map(Vec::as_slice),
                    Some(&[21, 3, 3, 0, 2, 1, 0][..])
                );
                continue;
            }
            check_alert(&fed, None, &[], &[]);
            match (level, AlertDescription::from_wire(desc)) {
                (1 | 2, AlertDescription::UserCanceled) => assert!(fed.result.is_ok()),
                (1 | 2, d) => assert_eq!(fed.result, Err(Error::AlertReceived(d))),
                _ => assert!(fed.result.is_err()),
            }
        }
    }
}
