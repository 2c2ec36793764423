//! Golden-file tests of `--explain`: each conversation of `lucid demo` is narrated,
//! normalised (randoms, session ids, dates, ticket sizes change from run to run) and
//! compared with `tests/golden/<name>.txt`. A mismatch prints a diff; to accept a
//! deliberate change, regenerate with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo nextest run --release -p lucid --test narration_golden
//! ```
//!
//! and review the files' diff. So that a regenerated golden file cannot silently lose a
//! step, each conversation also lists the steps that must appear, in order.
//!
//! Also here: no secret from the key log appears in any narration or trace, and
//! `--explain` on `connect` and `serve`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::{Server, LUCID};

/// Runs `lucid` with `args` (stdout piped, so never coloured).
fn lucid(args: &[&str]) -> Output {
    let out = Command::new(LUCID)
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::null())
        .output()
        .expect("run lucid");
    assert!(
        out.status.success(),
        "lucid {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Replaces what differs between runs with placeholders: abbreviated hex values
/// (`3fa1c2d4…0e9b7c21` → `<hex>…<hex>`), dates and times, ticket sizes (a ticket
/// seals a certificate whose signature length varies).
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let mut words: Vec<String> = Vec::new();
        let ticket_size = trimmed.starts_with("ticket size ");
        for word in trimmed.split(' ') {
            words.push(normalise_word(word, ticket_size));
        }
        out.push_str(indent);
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

fn normalise_word(word: &str, ticket_size: bool) -> String {
    let is_hex = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit());
    if let Some((a, b)) = word.split_once('…') {
        if is_hex(a) && is_hex(b) {
            return "<hex>…<hex>".into();
        }
    }
    let shape = |s: &str, pattern: &str| {
        s.len() == pattern.len()
            && s.chars().zip(pattern.chars()).all(|(c, p)| match p {
                'd' => c.is_ascii_digit(),
                other => c == other,
            })
    };
    // Punctuation around a date (`(1975-01-01`) stays.
    let core = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if shape(core, "dddd-dd-dd") {
        return word.replace(core, "<date>");
    }
    if shape(core, "dd:dd:dd") {
        return word.replace(core, "<time>");
    }
    if ticket_size && !core.is_empty() && core.chars().all(|c| c.is_ascii_digit()) {
        return word.replace(core, "<n>");
    }
    word.to_string()
}

/// The step lines of a narration (`client → ClientHello`, `server · certificate check:
/// host name  ✓ passed`), without their numbers.
fn steps(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            // `lucid serve` tags each step with its connection: `#1  [3] server ← …`.
            let t = l.trim_start();
            let t = match t.strip_prefix('#') {
                Some(tagged) => tagged.split_once(' ')?.1.trim_start(),
                None => t,
            };
            let rest = t.strip_prefix('[')?;
            let (number, step) = rest.split_once("] ")?;
            number.parse::<u32>().ok()?;
            Some(step.trim_end().to_string())
        })
        .collect()
}

/// Asserts that `wanted` appear among `got`, in this order.
fn assert_in_order(name: &str, got: &[String], wanted: &[&str]) {
    let mut next = 0;
    for step in got {
        if wanted.get(next).is_some_and(|w| step == w) {
            next += 1;
        }
    }
    assert_eq!(
        next,
        wanted.len(),
        "{name}: step {:?} missing or out of order; steps were:\n{}",
        wanted.get(next),
        got.join("\n")
    );
}

/// A line diff (longest common subsequence), `-` for expected, `+` for actual, with
/// two lines of context around each change.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lines: Vec<(char, &str)> = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            lines.push(('-', a[i]));
            i += 1;
        } else {
            lines.push(('+', b[j]));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].0 != ' ').collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= 2);
    let mut out = String::new();
    let mut skipped = false;
    for (k, (tag, line)) in lines.iter().enumerate() {
        if near(k) {
            out.push_str(&format!("{tag} {line}\n"));
            skipped = false;
        } else if !skipped {
            out.push_str("  …\n");
            skipped = true;
        }
    }
    out
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"))
}

/// Runs conversation `name` with `--explain`, checks its steps, and compares the
/// normalised narration with the golden file (or rewrites it with UPDATE_GOLDEN=1).
fn check(name: &str, wanted: &[&str]) {
    let out = lucid(&["demo", "--only", name, "--explain"]);
    let text = String::from_utf8(out.stdout).expect("UTF-8 narration");
    assert!(!text.contains('\x1b'), "colour on a pipe:\n{text}");
    let normalised = normalise(&text);
    assert_in_order(name, &steps(&normalised), wanted);
    // Every step is explained the first time it appears.
    assert!(normalised.contains("why: "), "{normalised}");

    let path = golden_path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &normalised).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with UPDATE_GOLDEN=1 cargo nextest run --release -p lucid \
             --test narration_golden",
            path.display()
        )
    });
    if expected != normalised {
        panic!(
            "the narration of {name} differs from {} (- golden, + now):\n{}\n\
             If the change is intended, regenerate with\n  UPDATE_GOLDEN=1 cargo nextest run \
             --release -p lucid --test narration_golden\nand review the diff of tests/golden/.",
            path.display(),
            diff(&expected, &normalised)
        );
    }
}

/// The client's checks of the server certificate, in the order they run.
const SERVER_CHECKS: [&str; 4] = [
    "client · certificate check: chain to a trust anchor  ✓ passed",
    "client · certificate check: validity period (not after)  ✓ passed",
    "client · certificate check: key usage  ✓ passed",
    "client · certificate check: host name  ✓ passed",
];

/// The echo and the closing, common to every conversation.
const ECHO_AND_CLOSE: [&str; 8] = [
    "client → application data",
    "server ← application data",
    "server → application data",
    "client ← application data",
    "client → close_notify",
    "server ← close_notify",
    "server → close_notify",
    "client ← close_notify",
];

fn with(parts: &[&[&'static str]]) -> Vec<&'static str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

#[test]
fn tls13_full_handshake() {
    let steps = with(&[
        &[
            "client → ClientHello",
            "server ← ClientHello",
            "server → ServerHello",
            "server · key exchange",
            "server · keys derived: server handshake traffic",
            "server · keys derived: client handshake traffic",
            "server → EncryptedExtensions",
            "server → Certificate",
            "server → CertificateVerify",
            "server → Finished",
            "server · keys derived: server application traffic",
            "client ← ServerHello",
            "client · key exchange",
            "client · keys derived: server handshake traffic",
            "client · keys derived: client handshake traffic",
            "client ← EncryptedExtensions",
            "client ← Certificate",
        ],
        &SERVER_CHECKS,
        &[
            "client ← CertificateVerify  ✓ verified",
            "client ← Finished  ✓ verified",
            "client · keys derived: server application traffic",
            "client → Finished",
            "client · keys derived: client application traffic",
            "client · handshake complete",
            "server ← Finished  ✓ verified",
            "server → NewSessionTicket",
            "server → NewSessionTicket",
            "server · handshake complete",
            "client ← NewSessionTicket",
            "client ← NewSessionTicket",
        ],
        &ECHO_AND_CLOSE[..4],
        &[
            "client → KeyUpdate",
            "server ← KeyUpdate",
            "server → KeyUpdate",
            "client ← KeyUpdate",
        ],
        &ECHO_AND_CLOSE[4..],
    ]);
    check("tls13", &steps);
}

#[test]
fn tls13_resumed_with_a_psk() {
    let steps = with(&[
        &[
            "client → ClientHello",
            "server ← ClientHello",
            "server · resumption by psk  ✓ accepted",
            "server → ServerHello",
            "server · key exchange",
            "server → EncryptedExtensions",
            "server → Finished",
            "client · resumption by psk  ✓ accepted",
            "client ← ServerHello",
            "client · key exchange",
            "client ← EncryptedExtensions",
            "client ← Finished  ✓ verified",
            "client → Finished",
            "client · handshake complete",
            "server ← Finished  ✓ verified",
            "server → NewSessionTicket",
            "server · handshake complete",
        ],
        &ECHO_AND_CLOSE,
    ]);
    check("tls13-resumed", &steps);
    // No certificate in a resumed handshake.
    let text = std::fs::read_to_string(golden_path("tls13-resumed")).unwrap();
    assert!(!steps_of(&text).iter().any(|s| s.contains("Certificate")));
}

fn steps_of(text: &str) -> Vec<String> {
    steps(text)
}

/// The TLS 1.2 full handshake up to the client's checks, for a suite with a
/// ServerKeyExchange.
const TLS12_SERVER_FLIGHT: [&str; 7] = [
    "client → ClientHello",
    "server ← ClientHello",
    "server → ServerHello",
    "server → Certificate",
    "server → ServerKeyExchange",
    "server → ServerHelloDone",
    "client ← ServerHello",
];

/// From the client's Finished to the end of the TLS 1.2 handshake.
const TLS12_FINISH: [&str; 14] = [
    "client → Finished",
    "server ← ClientKeyExchange",
    "server · master secret",
    "server ← ChangeCipherSpec",
    "server · keys derived: client write (key block)",
    "server ← Finished  ✓ verified",
    "server → NewSessionTicket",
    "server → ChangeCipherSpec",
    "server · keys derived: server write (key block)",
    "server → Finished",
    "server · handshake complete",
    "client ← NewSessionTicket",
    "client ← Finished  ✓ verified",
    "client · handshake complete",
];

fn tls12_with_server_key_exchange(name: &str) {
    let steps = with(&[
        &TLS12_SERVER_FLIGHT,
        &["client ← Certificate"],
        &SERVER_CHECKS,
        &[
            "client ← ServerKeyExchange  ✓ signature verified",
            "client ← ServerHelloDone",
            "client → ClientKeyExchange",
            "client · master secret",
            "client → ChangeCipherSpec",
            "client · keys derived: client write (key block)",
        ],
        &TLS12_FINISH,
        &ECHO_AND_CLOSE,
    ]);
    check(name, &steps);
}

#[test]
fn tls12_ecdhe() {
    tls12_with_server_key_exchange("tls12-ecdhe");
}

#[test]
fn tls12_dhe() {
    tls12_with_server_key_exchange("tls12-dhe");
    let text = std::fs::read_to_string(golden_path("tls12-dhe")).unwrap();
    assert!(text.contains("ffdhe2048"), "{text}");
}

#[test]
fn tls12_rsa_key_transport() {
    let steps = with(&[
        &[
            "client → ClientHello",
            "server ← ClientHello",
            "server → ServerHello",
            "server → Certificate",
            "server → ServerHelloDone",
            "client ← ServerHello",
            "client ← Certificate",
        ],
        &SERVER_CHECKS,
        &[
            "client ← ServerHelloDone",
            "client → ClientKeyExchange",
            "client · master secret",
            "client → ChangeCipherSpec",
            "client · keys derived: client write (key block)",
        ],
        &TLS12_FINISH,
        &ECHO_AND_CLOSE,
    ]);
    check("tls12-rsa", &steps);
    let text = std::fs::read_to_string(golden_path("tls12-rsa")).unwrap();
    assert!(!steps_of(&text)
        .iter()
        .any(|s| s.contains("ServerKeyExchange")));
    assert!(text.contains("RSA key transport"), "{text}");
}

#[test]
fn tls12_resumed_with_a_ticket() {
    let steps = with(&[
        &[
            "client → ClientHello",
            "server ← ClientHello",
            "server · resumption by ticket  ✓ accepted",
            "server → ServerHello",
            "server → NewSessionTicket",
            "server → ChangeCipherSpec",
            "server → Finished",
            "client · resumption by ticket  ✓ accepted",
            "client ← ServerHello",
            "client ← Finished  ✓ verified",
            "client → ChangeCipherSpec",
            "client → Finished",
            "client · handshake complete",
            "server ← Finished  ✓ verified",
            "server · handshake complete",
        ],
        &ECHO_AND_CLOSE,
    ]);
    check("tls12-resumed", &steps);
    let text = std::fs::read_to_string(golden_path("tls12-resumed")).unwrap();
    for absent in ["Certificate", "KeyExchange", "master secret"] {
        assert!(
            !steps_of(&text).iter().any(|s| s.contains(absent)),
            "{absent}"
        );
    }
}

/// The server's checks of the client certificate (no host name for a client).
const CLIENT_CHECKS: [&str; 3] = [
    "server · certificate check: chain to a trust anchor  ✓ passed",
    "server · certificate check: validity period (not after)  ✓ passed",
    "server · certificate check: key usage  ✓ passed",
];

#[test]
fn tls12_mutual_tls() {
    let steps = with(&[
        &TLS12_SERVER_FLIGHT[..5],
        &["server → CertificateRequest", "server → ServerHelloDone"],
        &["client ← ServerHello", "client ← Certificate"],
        &SERVER_CHECKS,
        &[
            "client ← ServerKeyExchange  ✓ signature verified",
            "client ← CertificateRequest",
            "client ← ServerHelloDone",
            "client → Certificate",
            "client → ClientKeyExchange",
            "client → CertificateVerify",
            "client · master secret",
            "client → ChangeCipherSpec",
            "client → Finished",
            "server ← Certificate",
        ],
        &CLIENT_CHECKS,
        &[
            "server ← ClientKeyExchange",
            "server ← CertificateVerify  ✓ verified",
            "server ← Finished  ✓ verified",
            "server → Finished",
            "server · handshake complete",
            "client ← Finished  ✓ verified",
            "client · handshake complete",
        ],
        &ECHO_AND_CLOSE,
    ]);
    check("tls12-mtls", &steps);
}

#[test]
fn tls13_mutual_tls() {
    let steps = with(&[
        &[
            "client → ClientHello",
            "server ← ClientHello",
            "server → ServerHello",
            "server → EncryptedExtensions",
            "server → CertificateRequest",
            "server → Certificate",
            "server → CertificateVerify",
            "server → Finished",
            "client ← ServerHello",
            "client ← CertificateRequest",
            "client ← Certificate",
        ],
        &SERVER_CHECKS,
        &[
            "client ← CertificateVerify  ✓ verified",
            "client ← Finished  ✓ verified",
            "client → Certificate",
            "client → CertificateVerify",
            "client → Finished",
            "client · handshake complete",
            "server ← Certificate",
        ],
        &CLIENT_CHECKS,
        &[
            "server ← CertificateVerify  ✓ verified",
            "server ← Finished  ✓ verified",
            "server · handshake complete",
        ],
        &ECHO_AND_CLOSE,
    ]);
    check("tls13-mtls", &steps);
}

#[test]
fn tls13_hello_retry_request() {
    let steps = [
        "client → ClientHello",
        "server ← ClientHello",
        "server → HelloRetryRequest",
        "client ← HelloRetryRequest",
        "client → ClientHello",
        "server ← ClientHello",
        "server → ServerHello",
        "client ← ServerHello",
        "client ← Finished  ✓ verified",
        "client · handshake complete",
        "server · handshake complete",
    ];
    check("tls13-hrr", &steps);
    let text = std::fs::read_to_string(golden_path("tls13-hrr")).unwrap();
    assert!(text.contains("group wanted        x25519"), "{text}");
    assert!(text.contains("key shares          secp256r1"), "{text}");
}

#[test]
fn tls13_wrong_name_ends_in_an_alert() {
    let steps = [
        "client → ClientHello",
        "server → ServerHello",
        "server → Certificate",
        "client ← Certificate",
        "client · certificate check: host name  ✗ failed",
        "client → Alert: bad_certificate",
        "server ← Alert: bad_certificate",
    ];
    check("tls13-wrong-name", &steps);
    let text = std::fs::read_to_string(golden_path("tls13-wrong-name")).unwrap();
    assert!(!steps_of(&text)
        .iter()
        .any(|s| s.contains("handshake complete")));
    assert!(text.contains("the client refused the connection, as it must"));
}

/// A temporary file, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!("lucid-golden-{}-{name}", std::process::id())))
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The secrets of a key log: the last field of each line (the second is the public
/// client random).
fn secrets(keylog: &str) -> Vec<String> {
    keylog
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().nth(2))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Asserts that no secret, nor the halves an abbreviation would show, is in `text`.
fn assert_no_secret(what: &str, text: &str, secrets: &[String]) {
    let text = text.to_ascii_lowercase();
    for secret in secrets {
        assert!(secret.len() >= 32, "short secret {secret}");
        let head = format!("{}…", &secret[..8]);
        let tail = format!("…{}", &secret[secret.len() - 8..]);
        for needle in [secret.as_str(), &secret[..32], &head, &tail] {
            assert!(
                !text.contains(needle),
                "{what} contains the secret {secret} ({needle})"
            );
        }
    }
}

#[test]
fn no_secret_from_the_key_log_in_any_narration() {
    let keylog = TempFile::new("keylog.txt");
    let trace = TempFile::new("trace.jsonl");
    let explained = lucid(&[
        "demo",
        "--all",
        "--explain",
        "--keylog",
        keylog.path(),
        "--trace-json",
        trace.path(),
    ]);
    let log = std::fs::read_to_string(&keylog.0).unwrap();
    let found = secrets(&log);
    // Every conversation logs secrets: TLS 1.3 traffic secrets, TLS 1.2 master secrets.
    assert!(
        log.lines().any(|l| l.starts_with("CLIENT_RANDOM ")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.starts_with("SERVER_HANDSHAKE_TRAFFIC_SECRET ")),
        "{log}"
    );
    assert!(found.len() >= 8, "{log}");
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(text.contains("why: "), "{text}");
    assert_no_secret("the --explain narration", &text, &found);
    assert_no_secret(
        "stderr",
        &String::from_utf8_lossy(&explained.stderr),
        &found,
    );
    assert_no_secret(
        "the JSON trace",
        &std::fs::read_to_string(&trace.0).unwrap(),
        &found,
    );

    // The one-line narration of a new run, against that run's secrets.
    let keylog = TempFile::new("keylog2.txt");
    let lines = lucid(&["demo", "--all", "--keylog", keylog.path()]);
    let found = secrets(&std::fs::read_to_string(&keylog.0).unwrap());
    assert!(found.len() >= 8);
    assert_no_secret(
        "the demo narration",
        &String::from_utf8_lossy(&lines.stdout),
        &found,
    );
}

#[test]
fn only_runs_the_named_conversations_and_all_runs_every_one() {
    let out = lucid(&["demo", "--only", "tls12-ecdhe", "--only", "tls13"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("══ ")).collect();
    assert_eq!(headings.len(), 2, "{text}");
    assert!(headings[0].starts_with("══ 1/2  tls12-ecdhe · "), "{text}");
    assert!(headings[1].starts_with("══ 2/2  tls13 · "), "{text}");
    assert!(text.contains("demo complete: 2 conversations"), "{text}");
    // Without --explain: one line per event, both lanes.
    assert!(
        text.lines()
            .any(|l| l.starts_with("client ← ServerKeyExchange: ECDHE x25519")),
        "{text}"
    );
    assert!(!text.contains("why: "), "{text}");

    let out = Command::new(LUCID)
        .args(["demo", "--only", "no-such-thing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tls12-rsa"));
}

/// `lucid serve --explain` and `lucid connect --explain`: each narrates its own side,
/// every message with its values.
#[test]
fn connect_and_serve_explain_their_side() {
    let server = Server::start(&["--max-clients", "1", "--explain"]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca_arg();
    let out = common::lucid(
        &[
            "connect",
            &target,
            "--servername",
            "localhost",
            "--cafile",
            &ca,
            "--explain",
            "--wait-ms",
            "300",
        ],
        b"explain me\n",
    );
    let client_text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{client_text}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "explain me\n");

    // The server serves one client, then exits; dropping it removes the CA file.
    let (_, server_text) = server.finish();

    let client_steps = steps(&client_text);
    assert_in_order(
        "connect",
        &client_steps,
        &[
            "client → ClientHello",
            "client ← ServerHello",
            "client · key exchange",
            "client ← EncryptedExtensions",
            "client ← Certificate",
            "client · certificate check: host name  ✓ passed",
            "client ← CertificateVerify  ✓ verified",
            "client ← Finished  ✓ verified",
            "client → Finished",
            "client · handshake complete",
            "client → application data",
            "client ← application data",
            "client → close_notify",
        ],
    );
    // One side only: a received message shows its values and its explanation.
    let after_server_hello = client_text
        .split_once("client ← ServerHello")
        .map(|(_, rest)| rest)
        .unwrap();
    let block: Vec<&str> = after_server_hello.lines().skip(1).take(8).collect();
    assert!(
        block
            .iter()
            .any(|l| l.trim_start().starts_with("cipher suite")),
        "{block:?}"
    );
    assert!(
        block.iter().any(|l| l.trim_start().starts_with("why: ")),
        "{block:?}"
    );
    assert!(
        client_text.contains("subject             CN=localhost"),
        "{client_text}"
    );
    assert!(!client_text.contains('\x1b'), "colour on a pipe");

    assert_in_order(
        "serve",
        &steps(&server_text),
        &[
            "server ← ClientHello",
            "server → ServerHello",
            "server → Certificate",
            "server → CertificateVerify",
            "server → Finished",
            "server ← Finished  ✓ verified",
            "server → NewSessionTicket",
            "server ← application data",
            "server → application data",
        ],
    );
    // The server tags each step with the connection's number (as in --trace-json).
    assert!(
        server_text
            .lines()
            .any(|l| l.starts_with("#0  [1] server ← ClientHello")),
        "{server_text}"
    );
    let after_hello = server_text.split_once("server ← ClientHello").unwrap().1;
    assert!(
        after_hello
            .lines()
            .nth(1)
            .is_some_and(|l| l.trim_start().starts_with("versions")),
        "{server_text}"
    );
}

#[test]
fn normalisation_hides_only_what_varies() {
    let text = [
        "       random              0a1b2c3d…4e5f6a7b (32 bytes)",
        "       valid               1975-01-01 00:00:00 UTC to 4096-01-01 00:00:00 UTC",
        "       ticket size         187 bytes",
        "       key                 16 bytes",
        " [12] client · certificate check: validity period (not after)  ✓ passed",
    ];
    let want = [
        "       random              <hex>…<hex> (32 bytes)",
        "       valid               <date> <time> UTC to <date> <time> UTC",
        "       ticket size         <n> bytes",
        "       key                 16 bytes",
        " [12] client · certificate check: validity period (not after)  ✓ passed",
    ];
    assert_eq!(normalise(&text.join("\n")), want.join("\n") + "\n");
    assert_eq!(
        steps(&want.join("\n")),
        ["client · certificate check: validity period (not after)  ✓ passed"]
    );
}
