//! The JSON trace (`lucid connect --trace-json FILE`) tells the same story OpenSSL tells.
//!
//! `openssl s_server -trace` prints every handshake message it receives and sends, decoded
//! by OpenSSL itself: the ClientHello's random, cipher suites and compression methods, the
//! ServerHello's random, session id, suite and (TLS 1.3) key share group, the TLS 1.2
//! ServerKeyExchange curve, and the certificate it sends (text and PEM). Each case runs
//! `lucid connect --trace-json` against it, TLS 1.3 and TLS 1.2 ECDHE over several suites,
//! groups and key types, and holds every one of those values in our events to OpenSSL's.
//! The certificate's SHA-256 fingerprint and subject come from `openssl x509` run on the PEM
//! that s_server printed, so OpenSSL also computes the values we compare with.
//!
//! The other direction, `openssl s_client` against `lucid serve --trace-json`, holds the
//! server's events to what s_client reports: `Cipher is`, `Server Temp Key`, `Server public
//! key is … bit`, `subject=` and the fingerprint of the certificate it printed.
//!
//! ```text
//! cargo build --release -p lucid && cargo nextest run --release -p interop --test trace_openssl
//! ```

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use interop::peers::{openssl_rev, openssl_s_client_base, openssl_s_server_base};
use interop::pki::{pki, Leaf};
use interop::process::{Peer, Ready};
use interop::tls12::{lucid_connect12, lucid_server12, Suite12};
use interop::{ensure, run, run_cases, tools, Group, Hold, RunSpec};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// One handshake to check.
#[derive(Clone, Debug)]
struct Case {
    tls13: bool,
    /// The IANA suite name (lucid's `--cipher`, and what OpenSSL's trace prints).
    suite: &'static str,
    /// OpenSSL's TLS 1.2 cipher string (`-cipher`); unused for TLS 1.3 (`-ciphersuites`
    /// takes the IANA name).
    openssl_cipher: &'static str,
    group: Group,
    leaf: Leaf,
}

fn cases() -> Vec<Case> {
    let tls13 = |suite, group, leaf| Case {
        tls13: true,
        suite,
        openssl_cipher: "",
        group,
        leaf,
    };
    let tls12 = |suite, openssl_cipher, group, leaf| Case {
        tls13: false,
        suite,
        openssl_cipher,
        group,
        leaf,
    };
    vec![
        tls13("TLS_AES_128_GCM_SHA256", Group::X25519, Leaf::ServerEc),
        tls13(
            "TLS_CHACHA20_POLY1305_SHA256",
            Group::Secp384r1,
            Leaf::ServerRsa,
        ),
        tls13("TLS_AES_256_GCM_SHA384", Group::Secp256r1, Leaf::ServerEd),
        tls12(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            Group::X25519,
            Leaf::ServerEc,
        ),
        tls12(
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384",
            Group::Secp384r1,
            Leaf::ServerRsa,
        ),
        tls12(
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "ECDHE-RSA-CHACHA20-POLY1305",
            Group::Secp256r1,
            Leaf::ServerRsa,
        ),
    ]
}

impl Case {
    /// lucid's version flag for the case.
    fn lucid_version(&self) -> &'static str {
        if self.tls13 {
            "--tls1.3"
        } else {
            "--tls1.2"
        }
    }

    /// OpenSSL's version flag for the case.
    fn openssl_version(&self) -> &'static str {
        if self.tls13 {
            "-tls1_3"
        } else {
            "-tls1_2"
        }
    }

    /// Whether the client must also offer P-256: in TLS 1.2 an ECDSA certificate needs its
    /// curve among the client's groups (RFC 8422 §5.1, which OpenSSL enforces).
    fn needs_p256_too(&self) -> bool {
        !self.tls13 && self.leaf == Leaf::ServerEc && self.group != Group::Secp256r1
    }
}

fn label(case: &Case) -> String {
    format!(
        "{} {} {} {:?}",
        if case.tls13 { "TLSv1.3" } else { "TLSv1.2" },
        case.suite,
        case.group.iana(),
        case.leaf
    )
}

/// `openssl s_server -trace -rev`, pinned to the case's version, suite and group.
fn traced_openssl_server(case: &Case) -> Peer {
    let files = pki().leaf(case.leaf);
    Peer::spawn(
        "openssl s_server -trace",
        |port| {
            let mut command = openssl_s_server_base(port, &files.cert, &files.key);
            command
                .args(["-rev", "-trace", "-groups", case.group.openssl()])
                // One connection, then exit: s_server's stdout is a buffered pipe, and
                // exiting flushes the whole trace.
                .args(["-naccept", "1"])
                .arg(case.openssl_version());
            if case.tls13 {
                command.args(["-ciphersuites", case.suite]);
            } else {
                command.args(["-cipher", case.openssl_cipher]);
            }
            command
        },
        Ready::ListeningAndPrinted("ACCEPT".into()),
    )
}

#[test]
fn json_events_match_openssl_s_server_trace() {
    if !tools::require(&["openssl"], "json_events_match_openssl_s_server_trace") {
        return;
    }
    run_cases(&cases(), 2, label, check_case);
}

fn check_case(case: &Case) -> Result<(), String> {
    let server = traced_openssl_server(case);
    let json_path = pki().scratch_path(&format!(
        "trace-openssl-{}-{}.jsonl",
        case.suite,
        case.group.iana()
    ));
    let line = format!("trace me {}\n", case.suite);
    // lucid offers its default suites (so the ClientHello lists several, in order) and
    // the server picks the case's; the group is pinned on both sides (no
    // HelloRetryRequest).
    let expected = openssl_rev(&line);
    // P-256 goes after the pinned group where the certificate needs it.
    let mut groups = vec![case.group.iana()];
    if case.needs_p256_too() {
        groups.push(Group::Secp256r1.iana());
    }
    let mut args = vec![
        case.lucid_version().to_string(),
        "--trace-json".into(),
        json_path.display().to_string(),
    ];
    for group in groups {
        args.extend(["--group".into(), group.to_string()]);
    }
    let mut command = lucid_connect12(server.port(), &args);
    let out = run(
        &mut command,
        RunSpec::new(line)
            .hold(Hold::UntilStdoutContains(expected.clone().into_bytes()))
            .timeout(CLIENT_TIMEOUT),
    );
    let context = || format!("{}\n{}", out.describe(), server.describe());
    ensure(out.success() && out.stdout_text() == expected, || {
        format!("lucid connect failed or echo mismatch\n{}", context())
    })?;
    // s_server traces the whole handshake before it can echo, but its stdout is buffered
    // until it exits (after this one connection): wait until a message that follows every
    // one we look at has arrived.
    ensure(
        server.wait_for_output("Finished, Length=", Duration::from_secs(3)),
        || format!("s_server printed no trace\n{}", context()),
    )?;
    let trace = server.stdout_text();
    let openssl = OpensslTrace::parse(&trace, case.tls13)
        .map_err(|e| format!("parsing s_server -trace: {e}\n{}", context()))?;
    let (text, events) = read_json_trace(&json_path)?;
    compare(case, &openssl, &events).map_err(|e| format!("{e}\n--- trace ---\n{text}"))
}

/// Reads (and removes) a `--trace-json` file: its text and its events, one per line.
fn read_json_trace(path: &Path) -> Result<(String, Vec<Json>), String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let _ = std::fs::remove_file(path);
    let events = text
        .lines()
        .map(|l| Json::parse(l).map_err(|e| format!("bad JSON line {l:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((text, events))
}

/// `Ok` when our value equals OpenSSL's; otherwise an error naming `what` and both.
fn same_as_openssl<A: PartialEq<B> + Debug, B: Debug>(
    what: &str,
    ours: A,
    theirs: B,
) -> Result<(), String> {
    ensure(ours == theirs, || {
        format!("{what}: ours {ours:?}, OpenSSL's {theirs:?}")
    })
}

/// Holds the JSON events to what OpenSSL printed.
fn compare(case: &Case, openssl: &OpensslTrace, events: &[Json]) -> Result<(), String> {
    let find = |name: &str, from: Option<&str>| {
        events
            .iter()
            .find(|e| e.str("event") == Some(name) && from.is_none_or(|f| e.str("from") == Some(f)))
            .ok_or_else(|| format!("no {name} event"))
    };
    let check = |what: &str, ours: Option<&str>, theirs: &str| {
        ensure(ours == Some(theirs), || {
            format!("{what}: our trace says {ours:?}, OpenSSL says {theirs:?}")
        })
    };
    let group = group_name(openssl.group)
        .ok_or_else(|| format!("OpenSSL chose unknown group {}", openssl.group))?;
    let version = if case.tls13 { "TLSv1.3" } else { "TLSv1.2" };

    // ClientHello, as OpenSSL received it.
    let ch = find("ClientHello", Some("client"))?;
    check(
        "ClientHello.random",
        ch.str("random"),
        &openssl.client_random,
    )?;
    let ours: Vec<String> = ch
        .array("cipher_suites")
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    ensure(ours.len() == openssl.client_suites.len(), || {
        format!(
            "ClientHello.cipher_suites: ours {ours:?}, OpenSSL's {:?}",
            openssl.client_suites
        )
    })?;
    for (our, (code, name)) in ours.iter().zip(&openssl.client_suites) {
        let same = our == name || *our == format!("unknown(0x{code:04x})");
        ensure(same, || {
            format!("ClientHello.cipher_suites: {our} where OpenSSL saw {name} (0x{code:04x})")
        })?;
    }
    let compression: Vec<u64> = ch
        .array("compression_methods")
        .iter()
        .filter_map(Json::as_u64)
        .collect();
    same_as_openssl(
        "ClientHello.compression_methods",
        &compression,
        &openssl.client_compression,
    )?;

    // ServerHello, as OpenSSL sent it.
    let sh = find("ServerHello", Some("server"))?;
    check("ServerHello.version", sh.str("version"), version)?;
    check(
        "ServerHello.random",
        sh.str("random"),
        &openssl.server_random,
    )?;
    check(
        "ServerHello.session_id",
        sh.str("session_id"),
        &openssl.server_session_id,
    )?;
    check(
        "ServerHello.cipher_suite",
        sh.str("cipher_suite"),
        &openssl.server_suite,
    )?;
    check(
        "ServerHello.cipher_suite (pinned)",
        sh.str("cipher_suite"),
        case.suite,
    )?;
    ensure(
        sh.get("compression_method").and_then(Json::as_u64) == Some(openssl.server_compression),
        || {
            format!(
                "ServerHello.compression_method differs from OpenSSL's {}",
                openssl.server_compression
            )
        },
    )?;
    if case.tls13 {
        check("ServerHello.group", sh.str("group"), group)?;
        check(
            "KeyExchange.group",
            find("KeyExchange", None)?.str("group"),
            group,
        )?;
    } else {
        let ske = find("ServerKeyExchange", Some("server"))?;
        check("ServerKeyExchange.group", ske.str("group"), group)?;
        check("ServerKeyExchange.kx", ske.str("kx"), "ECDHE")?;
        ensure(ske.get("verified") == Some(&Json::Bool(true)), || {
            "ServerKeyExchange not verified".into()
        })?;
    }
    let done = find("HandshakeComplete", None)?;
    check("HandshakeComplete.version", done.str("version"), version)?;
    check(
        "HandshakeComplete.cipher_suite",
        done.str("cipher_suite"),
        &openssl.server_suite,
    )?;
    check("HandshakeComplete.group", done.str("group"), group)?;

    // The certificate OpenSSL sent.
    let cert = find("Certificate", Some("server"))?;
    let leaf = cert
        .array("certificates")
        .first()
        .cloned()
        .ok_or("Certificate event without certificates")?;
    check(
        "certificate fingerprint_sha256",
        leaf.str("fingerprint_sha256"),
        &openssl.cert_fingerprint,
    )?;
    check(
        "certificate subject",
        leaf.str("subject"),
        &openssl.cert_subject,
    )?;
    check(
        "certificate issuer",
        leaf.str("issuer"),
        &openssl.cert_issuer,
    )?;
    // We print the DER integer (a sign byte 00 included), OpenSSL the number.
    check(
        "certificate serial",
        leaf.str("serial").map(|s| s.trim_start_matches('0')),
        openssl.cert_serial.trim_start_matches('0'),
    )?;
    check(
        "certificate key_type",
        leaf.str("key_type"),
        &openssl.cert_key_type,
    )?;
    same_as_openssl(
        "certificate key_bits",
        leaf.get("key_bits").and_then(Json::as_u64),
        openssl.cert_key_bits,
    )?;
    let sans: Vec<&str> = leaf
        .array("subject_alt_names")
        .iter()
        .filter_map(Json::as_str)
        .collect();
    same_as_openssl("certificate subject_alt_names", &sans, &openssl.cert_sans)?;
    Ok(())
}

/// The other direction: `openssl s_client` against `lucid serve --trace-json`. The server's
/// events must name the suite (`Cipher is …`), the group (`Server Temp Key: …`), the key
/// size (`Server public key is … bit`) and the certificate (`subject=`, and the fingerprint
/// of the PEM `-showcerts` printed) that s_client reports.
#[test]
fn server_json_events_match_openssl_s_client_report() {
    if !tools::require(
        &["openssl"],
        "server_json_events_match_openssl_s_client_report",
    ) {
        return;
    }
    run_cases(&cases(), 2, label, check_server_case);
}

fn check_server_case(case: &Case) -> Result<(), String> {
    let json_path = pki().scratch_path(&format!(
        "trace-s-client-{}-{}.jsonl",
        case.suite,
        case.group.iana()
    ));
    let server = lucid_server12(
        case.leaf,
        &[
            case.lucid_version().to_string(),
            "--cipher".into(),
            case.suite.into(),
            "--group".into(),
            case.group.iana().into(),
            "--max-clients".into(),
            "1".into(),
            "--trace-json".into(),
            json_path.display().to_string(),
        ],
    );
    // s_client offers the case's group, and P-256 too where the certificate needs it.
    let mut groups = case.group.openssl().to_string();
    if case.needs_p256_too() {
        groups.push_str(":P-256");
    }
    let mut command = openssl_s_client_base(server.port(), &pki().ca_cert());
    command
        .args(["-showcerts", "-no_ign_eof", "-nocommands"])
        .args(["-groups", &groups])
        .arg(case.openssl_version());
    let line = format!("trace me too {}\n", case.suite);
    let out = run(&mut command, RunSpec::echo(&line).timeout(CLIENT_TIMEOUT));
    let context = || format!("{}\n{}", out.describe(), server.describe());
    let report = out.stdout_text();
    // TLS 1.3 tickets may be reported after the echo: the line is somewhere in stdout.
    ensure(report.contains(&line), || {
        format!("s_client got no echo\n{}", context())
    })?;
    let value = |prefix: &str| {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .map(str::trim)
            .ok_or_else(|| format!("s_client printed no {prefix:?}\n{}", context()))
    };
    // `New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256`; TLS 1.2 suites in OpenSSL's names.
    let (their_version, their_cipher) = value("New, ")?
        .split_once(", Cipher is ")
        .ok_or_else(|| format!("odd cipher line\n{}", context()))?;
    let their_suite = if case.tls13 {
        their_cipher.to_string()
    } else {
        Suite12::from_iana(case.suite)
            .filter(|s| s.openssl == their_cipher)
            .map(|s| s.iana.to_string())
            .ok_or_else(|| format!("s_client negotiated {their_cipher}, not {}", case.suite))?
    };
    // `X25519, 253 bits` or `ECDH, prime256v1, 256 bits`.
    let temp_key = value("Server Temp Key:")?;
    let their_group = match temp_key.split(',').map(str::trim).collect::<Vec<_>>()[..] {
        ["ECDH", "prime256v1", ..] => "secp256r1",
        ["ECDH", "secp384r1", ..] => "secp384r1",
        ["ECDH", "secp521r1", ..] => "secp521r1",
        ["X25519", ..] => "x25519",
        _ => return Err(format!("unexpected temp key {temp_key:?}")),
    };
    let their_bits: u64 = value("Server public key is")?
        .trim_end_matches(" bit")
        .parse()
        .map_err(|e| format!("public key size: {e}"))?;
    let pem: Vec<&str> = report
        .lines()
        .skip_while(|l| l.trim() != "-----BEGIN CERTIFICATE-----")
        .take_while(|l| l.trim() != "-----END CERTIFICATE-----")
        .collect();
    let x509 = openssl_x509(&format!("{}\n-----END CERTIFICATE-----\n", pem.join("\n")))?;
    let x509_field = |prefix: &str| {
        x509.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_string())
            .ok_or_else(|| format!("openssl x509 printed no {prefix:?}"))
    };
    let fingerprint = x509_field("sha256 Fingerprint=")?
        .replace(':', "")
        .to_ascii_lowercase();
    // `subject=CN = localhost` in s_client's own (one-line) form.
    let their_subject = value("subject=")?.replace(" = ", "=");

    // The server wrote every handshake event before it could echo the line.
    let (text, events) = read_json_trace(&json_path)?;
    let find = |name: &str| {
        events
            .iter()
            .find(|e| e.str("event") == Some(name) && e.str("side") == Some("server"))
            .ok_or_else(|| format!("no {name} event in\n{text}"))
    };
    let check = |what: &str, ours: Option<&str>, theirs: &str| {
        ensure(ours == Some(theirs), || {
            format!("{what}: our trace says {ours:?}, s_client says {theirs:?}\n{text}")
        })
    };
    let done = find("HandshakeComplete")?;
    check(
        "HandshakeComplete.version",
        done.str("version"),
        their_version,
    )?;
    check(
        "HandshakeComplete.cipher_suite",
        done.str("cipher_suite"),
        &their_suite,
    )?;
    check("HandshakeComplete.group", done.str("group"), their_group)?;
    check(
        "ServerHello.cipher_suite",
        find("ServerHello")?.str("cipher_suite"),
        &their_suite,
    )?;
    if !case.tls13 {
        check(
            "ServerKeyExchange.group",
            find("ServerKeyExchange")?.str("group"),
            their_group,
        )?;
    }
    let leaf = find("Certificate")?
        .array("certificates")
        .first()
        .cloned()
        .ok_or("Certificate event without certificates")?;
    check(
        "certificate fingerprint_sha256",
        leaf.str("fingerprint_sha256"),
        &fingerprint,
    )?;
    check("certificate subject", leaf.str("subject"), &their_subject)?;
    ensure(
        leaf.get("key_bits").and_then(Json::as_u64) == Some(their_bits),
        || {
            format!(
                "certificate key_bits: ours {:?}, s_client says {their_bits}",
                leaf.get("key_bits")
            )
        },
    )
}

/// IANA group names as lucid writes them, by code point.
fn group_name(code: u16) -> Option<&'static str> {
    Some(match code {
        23 => "secp256r1",
        24 => "secp384r1",
        25 => "secp521r1",
        29 => "x25519",
        30 => "x448",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// What `openssl s_server -trace` printed.

/// The values read from s_server's trace (and from `openssl x509` on its certificate).
#[derive(Debug, Default)]
struct OpensslTrace {
    client_random: String,
    client_suites: Vec<(u16, String)>,
    client_compression: Vec<u64>,
    server_random: String,
    server_session_id: String,
    server_suite: String,
    server_compression: u64,
    /// The key exchange group code: the TLS 1.3 ServerHello key share, or the TLS 1.2
    /// ServerKeyExchange curve.
    group: u16,
    cert_fingerprint: String,
    cert_subject: String,
    cert_issuer: String,
    cert_serial: String,
    cert_key_type: String,
    cert_key_bits: Option<u64>,
    cert_sans: Vec<String>,
}

/// One decoded handshake message from the trace: its name and its lines.
struct Message<'a> {
    sent: bool,
    name: &'a str,
    lines: Vec<&'a str>,
}

/// Splits s_server's trace into handshake messages. A record starts with `Sent Record` or
/// `Received Record`; a message inside it with a line `    <Name>, Length=N`.
fn messages(trace: &str) -> Vec<Message<'_>> {
    let mut out: Vec<Message<'_>> = Vec::new();
    let mut sent = false;
    for line in trace.lines() {
        if line.starts_with("Sent Record") {
            sent = true;
            continue;
        }
        if line.starts_with("Received Record") {
            sent = false;
            continue;
        }
        let trimmed = line.trim();
        if let Some((name, _)) = trimmed.split_once(", Length=") {
            if line.starts_with("    ") && !name.contains(' ') {
                out.push(Message {
                    sent,
                    name,
                    lines: Vec::new(),
                });
                continue;
            }
        }
        if let Some(message) = out.last_mut() {
            message.lines.push(line);
        }
    }
    out
}

/// `random_bytes (len=28): C4A4…` → `c4a4…`; `gmt_unix_time=0x78E83BA2` → `78e83ba2`.
fn value_after<'a>(lines: &[&'a str], prefix: &str) -> Option<&'a str> {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .map(str::trim)
}

/// The hello random: `gmt_unix_time` and `random_bytes`, as one lowercase hex string.
fn hello_random(lines: &[&str]) -> Result<String, String> {
    let time = value_after(lines, "gmt_unix_time=0x").ok_or("no gmt_unix_time")?;
    let rest = value_after(lines, "random_bytes (len=28):").ok_or("no random_bytes")?;
    Ok(format!("{time}{rest}").to_ascii_lowercase())
}

/// The code in `… (29)` at the end of a line.
fn trailing_code(text: &str) -> Option<u16> {
    text.trim()
        .strip_suffix(')')?
        .rsplit_once('(')?
        .1
        .parse()
        .ok()
}

impl OpensslTrace {
    fn parse(trace: &str, tls13: bool) -> Result<Self, String> {
        let messages = messages(trace);
        let message = |sent: bool, name: &str| {
            messages
                .iter()
                .find(|m| m.sent == sent && m.name == name)
                .ok_or_else(|| format!("no {} {name}", if sent { "sent" } else { "received" }))
        };
        let mut out = OpensslTrace::default();

        let ch = message(false, "ClientHello")?;
        out.client_random = hello_random(&ch.lines)?;
        let mut section = "";
        for line in &ch.lines {
            let trimmed = line.trim();
            if let Some(name) = trimmed.split_once(" (len=").map(|(n, _)| n) {
                if name == "cipher_suites" || name == "compression_methods" {
                    section = if name == "cipher_suites" {
                        "suites"
                    } else {
                        "compression"
                    };
                    continue;
                }
            }
            match section {
                // `{0xC0, 0x2C} TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`
                "suites" => match trimmed.strip_prefix('{').and_then(|r| r.split_once('}')) {
                    Some((code, name)) => {
                        let bytes: Vec<u16> = code
                            .split(',')
                            .filter_map(|b| {
                                u16::from_str_radix(b.trim().trim_start_matches("0x"), 16).ok()
                            })
                            .collect();
                        let [hi, lo] = bytes[..] else {
                            return Err(format!("bad cipher suite line {trimmed:?}"));
                        };
                        out.client_suites
                            .push(((hi << 8) | lo, name.trim().to_string()));
                    }
                    None => section = "",
                },
                // `No Compression (0x00)`
                "compression" => match trimmed.rsplit_once("(0x") {
                    Some((_, code)) => out.client_compression.push(
                        u64::from_str_radix(code.trim_end_matches(')'), 16)
                            .map_err(|e| format!("compression {trimmed:?}: {e}"))?,
                    ),
                    None => section = "",
                },
                _ => {}
            }
        }

        let sh = message(true, "ServerHello")?;
        out.server_random = hello_random(&sh.lines)?;
        out.server_session_id = sh
            .lines
            .iter()
            .find_map(|l| l.trim().strip_prefix("session_id (len="))
            .and_then(|r| r.split_once("):"))
            .map(|(_, hex)| hex.trim().to_ascii_lowercase())
            .ok_or("no ServerHello session_id")?;
        out.server_suite = value_after(&sh.lines, "cipher_suite {")
            .and_then(|r| r.split_once('}'))
            .map(|(_, name)| name.trim().to_string())
            .ok_or("no ServerHello cipher_suite")?;
        out.server_compression = value_after(&sh.lines, "compression_method:")
            .and_then(|r| r.rsplit_once("(0x"))
            .and_then(|(_, c)| u64::from_str_radix(c.trim_end_matches(')'), 16).ok())
            .ok_or("no ServerHello compression_method")?;
        out.group = if tls13 {
            value_after(&sh.lines, "NamedGroup:")
                .and_then(trailing_code)
                .ok_or("no key share group in the ServerHello")?
        } else {
            let ske = message(true, "ServerKeyExchange")?;
            value_after(&ske.lines, "named_curve:")
                .and_then(trailing_code)
                .ok_or("no named_curve in the ServerKeyExchange")?
        };

        let cert = message(true, "Certificate")?;
        let pem: Vec<&str> = cert
            .lines
            .iter()
            .map(|l| l.trim())
            .skip_while(|l| *l != "-----BEGIN CERTIFICATE-----")
            .take_while(|l| *l != "-----END CERTIFICATE-----")
            .collect();
        if pem.is_empty() {
            return Err("no PEM certificate in the sent Certificate".into());
        }
        let pem = format!("{}\n-----END CERTIFICATE-----\n", pem.join("\n"));
        let x509 = openssl_x509(&pem)?;
        let field = |prefix: &str| {
            x509.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .map(|v| v.trim().to_string())
                .ok_or_else(|| format!("openssl x509 printed no {prefix:?}:\n{x509}"))
        };
        out.cert_fingerprint = field("sha256 Fingerprint=")?
            .replace(':', "")
            .to_ascii_lowercase();
        out.cert_subject = rfc2253_to_ours(&field("subject=")?);
        out.cert_issuer = rfc2253_to_ours(&field("issuer=")?);
        out.cert_serial = field("serial=")?.to_ascii_lowercase();
        // The "Subject Public Key Info" block of the text form.
        let algorithm = value_after(&cert.lines, "Public Key Algorithm:")
            .ok_or("no Public Key Algorithm in the certificate text")?;
        out.cert_key_type = match algorithm {
            "id-ecPublicKey" => "ECDSA",
            "rsaEncryption" => "RSA",
            "ED25519" => "Ed25519",
            other => return Err(format!("unexpected key algorithm {other}")),
        }
        .to_string();
        // `Public-Key: (256 bit)`, `Public-Key: (2048 bit)`; Ed25519 prints no size, and
        // lucid counts it as 256 (the size of the key).
        out.cert_key_bits = match cert
            .lines
            .iter()
            .find_map(|l| l.trim().strip_prefix("Public-Key: ("))
        {
            Some(bits) => Some(
                bits.trim_end_matches(" bit)")
                    .parse()
                    .map_err(|e| format!("key size {bits:?}: {e}"))?,
            ),
            None if out.cert_key_type == "Ed25519" => Some(256),
            None => None,
        };
        // `DNS:localhost, IP Address:127.0.0.1` on the line after the extension's name.
        let san_line = cert
            .lines
            .iter()
            .skip_while(|l| !l.contains("X509v3 Subject Alternative Name"))
            .nth(1)
            .ok_or("no subjectAltName in the certificate text")?;
        out.cert_sans = san_line
            .split(',')
            .map(|s| s.trim().replace("IP Address:", "IP:"))
            .collect();
        Ok(out)
    }
}

/// `openssl x509 -noout -fingerprint -sha256 -subject -issuer -serial -nameopt RFC2253` on
/// `pem`: what OpenSSL computes from the certificate it sent.
fn openssl_x509(pem: &str) -> Result<String, String> {
    let mut child = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-subject",
            "-issuer",
            "-serial",
            "-nameopt",
            "RFC2253",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("openssl x509: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(pem.as_bytes())
        .map_err(|e| format!("openssl x509 stdin: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("openssl x509: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl x509 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// RFC 2253 lists RDNs last-first (`CN=localhost,O=Example`); lucid writes them in encoded
/// order with `, ` between (`O=Example, CN=localhost`).
fn rfc2253_to_ours(name: &str) -> String {
    let mut rdns: Vec<&str> = name.split(',').map(str::trim).collect();
    rdns.reverse();
    rdns.join(", ")
}

// ---------------------------------------------------------------------------
// A small JSON reader (the harness has no dependencies on purpose).

#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(BTreeMap<String, Json>),
}

impl Json {
    fn parse(text: &str) -> Result<Json, String> {
        let mut p = Parser {
            bytes: text.as_bytes(),
            pos: 0,
        };
        let value = p.value(0)?;
        p.skip_ws();
        if p.pos != p.bytes.len() {
            return Err(format!("trailing data at {}", p.pos));
        }
        Ok(value)
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(map) => map.get(key),
            _ => None,
        }
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Json::as_str)
    }

    fn array(&self, key: &str) -> &[Json] {
        match self.get(key) {
            Some(Json::Array(items)) => items,
            _ => &[],
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Some(*n as u64),
            _ => None,
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at {}", byte as char, self.pos))
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, String> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(format!("bad literal at {}", self.pos))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 32 {
            return Err("nested too deep".into());
        }
        self.skip_ws();
        match self.peek().ok_or("unexpected end")? {
            b'{' => {
                let mut map = BTreeMap::new();
                self.items(b'}', "object", |p| {
                    p.skip_ws();
                    let key = p.string()?;
                    p.expect(b':')?;
                    map.insert(key, p.value(depth + 1)?);
                    Ok(())
                })?;
                Ok(Json::Object(map))
            }
            b'[' => {
                let mut items = Vec::new();
                self.items(b']', "array", |p| {
                    items.push(p.value(depth + 1)?);
                    Ok(())
                })?;
                Ok(Json::Array(items))
            }
            b'"' => self.string().map(Json::String),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|b| {
                    b == b'-'
                        || b == b'+'
                        || b == b'.'
                        || b == b'e'
                        || b == b'E'
                        || b.is_ascii_digit()
                }) {
                    self.pos += 1;
                }
                std::str::from_utf8(&self.bytes[start..self.pos])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .map(Json::Number)
                    .ok_or_else(|| format!("bad number at {start}"))
            }
        }
    }

    /// Reads the members of an object or the elements of an array, from its opening byte to
    /// `close`, calling `item` for each; the commas and the empty case are handled here.
    fn items(
        &mut self,
        close: u8,
        what: &str,
        mut item: impl FnMut(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(byte) if byte == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(format!("bad {what} at {}", self.pos)),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if self.peek() != Some(b'"') {
            return Err(format!("expected a string at {}", self.pos));
        }
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let byte = self.peek().ok_or("unterminated string")?;
            self.pos += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let escaped = self.peek().ok_or("unterminated escape")?;
                    self.pos += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = self
                                .bytes
                                .get(self.pos..self.pos + 4)
                                .and_then(|h| std::str::from_utf8(h).ok())
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .ok_or("bad \\u escape")?;
                            self.pos += 4;
                            char::from_u32(hex).unwrap_or('\u{fffd}')
                        }
                        _ => return Err("bad escape".into()),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).map_err(|e| e.to_string())
    }
}

#[test]
fn json_reader_reads_what_the_encoder_writes() {
    let v = Json::parse(r#"{"a":[1,2.5,-3],"b":"x\"\u00e9\n","c":null,"d":true,"e":{}}"#).unwrap();
    assert_eq!(v.array("a").len(), 3);
    assert_eq!(v.array("a")[0].as_u64(), Some(1));
    assert_eq!(v.str("b"), Some("x\"é\n"));
    assert_eq!(v.get("c"), Some(&Json::Null));
    assert_eq!(v.get("d"), Some(&Json::Bool(true)));
    assert!(Json::parse("{\"a\":1,}").is_err());
    assert!(Json::parse("[1 2]").is_err());
    assert!(Json::parse("\"abc").is_err());
}
