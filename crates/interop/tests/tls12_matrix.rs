//! The TLS 1.2 interop matrix: `lucid connect` and `lucid serve` against OpenSSL and GnuTLS.
//!
//! Every TLS 1.2 suite lucidtls implements (27: ECDHE_ECDSA / ECDHE_RSA / DHE_RSA / RSA key
//! transport with AES-GCM, ChaCha20-Poly1305 and AES-CBC) in both directions with both peers.
//! Each case checks the suite both sides report, the extended master secret (RFC 7627) on both
//! sides, and Encrypt-then-MAC (RFC 7366) exactly on the CBC suites. Then: 1 MiB each way, the
//! RFC 8446 downgrade sentinel, TLS_FALLBACK_SCSV (RFC 7507) and the master secret compared
//! with OpenSSL's key log (known answer).
//!
//! Where each side shows what was negotiated:
//! - lucid: the `negotiated:` line (`lucid serve`: `client ADDR: negotiated ...`) and, with
//!   `--verbose`, the ServerHello extension list and the master-secret derivation;
//! - `openssl s_client` (full report): `Protocol`, `Cipher`, `Extended master secret: yes`;
//!   OpenSSL prints nothing about Encrypt-then-MAC, so lucid's trace shows it;
//! - `openssl s_server`: `Protocol version:` and `Ciphersuite:`;
//! - GnuTLS: `- Description: (TLS1.2-X.509)-(...)` and `- Options: extended master secret,
//!   safe renegotiation, EtM,`.
//!
//! ```text
//! cargo build --release -p lucid && cargo test --release -p interop --test tls12_matrix
//! ```

use std::time::Duration;

use interop::lucid::{parse_negotiated, Negotiated};
use interop::tls12::{
    check_gnutls12, gnutls_client12, gnutls_server12, lucid_connect12, lucid_server12,
    openssl_client12, openssl_server12, parse_client_random_lines, parse_openssl_session,
    parse_server_negotiated, parse_trace_server_hello_extensions, Kx, Suite12, SUITES,
    TRACE_EXTENDED_MASTER_SECRET,
};
use interop::{ensure, payload, pki, run, run_cases, tools, Hold, Leaf, RunSpec};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
const BIG_TIMEOUT: Duration = Duration::from_secs(60);
const LOG_WAIT: Duration = Duration::from_secs(3);
const THREADS: usize = 3;

fn label(suite: &Suite12) -> String {
    suite.iana.to_string()
}

/// lucid's arguments for one suite: pinned, EMS required (so a peer without it fails the
/// handshake), trace on stderr.
fn lucid_args(suite: &Suite12) -> Vec<String> {
    let mut args = suite.lucid_args();
    args.extend(["--require-ems".to_string(), "--verbose".into()]);
    args
}

fn ecdhe_rsa_aes128_gcm() -> Suite12 {
    Suite12::from_iana("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").expect("in the table")
}

/// Which side of the connection lucid is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LucidIs {
    Client,
    Server,
}

/// Checks lucid's `negotiated` words: TLS 1.2, the suite, and the group column — x25519 for
/// ECDHE (lucid's first choice, which both peers support), `-` for RSA key transport, and
/// for DHE the RFC 7919 group (`ffdhe2048`...) on the server, which picks it, or on the client
/// the prime size (`dh2048`) unless the library names the group.
fn check_negotiated(
    negotiated: Option<Negotiated>,
    suite: &Suite12,
    side: LucidIs,
) -> Result<(), String> {
    let n = negotiated.ok_or("no `negotiated` line from lucid")?;
    let group_ok = match suite.kx {
        Kx::EcdheEcdsa | Kx::EcdheRsa => n.group == "x25519",
        Kx::Rsa => n.group == "-",
        Kx::DheRsa => match side {
            LucidIs::Server => n.group.starts_with("ffdhe"),
            LucidIs::Client => n.group == "dh2048" || n.group == "ffdhe2048",
        },
    };
    ensure(
        n.version == "TLSv1.2" && n.suite == suite.iana && group_ok,
        || format!("lucid negotiated {n:?}; expected TLSv1.2 {}", suite.iana),
    )
}

/// Checks lucid's `--verbose` trace: the master secret came from the extended derivation,
/// the ServerHello carried extended_master_secret, and encrypt_then_mac exactly on CBC suites.
fn check_lucid_trace(stderr: &str, suite: &Suite12) -> Result<(), String> {
    ensure(stderr.contains(TRACE_EXTENDED_MASTER_SECRET), || {
        "lucid's trace does not show the extended master secret".into()
    })?;
    let extensions = parse_trace_server_hello_extensions(stderr)
        .ok_or("no TLS 1.2 ServerHello line in lucid's trace")?;
    ensure(
        extensions.iter().any(|e| e == "extended_master_secret"),
        || format!("ServerHello without extended_master_secret: {extensions:?}"),
    )?;
    let etm = extensions.iter().any(|e| e == "encrypt_then_mac");
    ensure(etm == suite.is_cbc(), || {
        format!(
            "ServerHello encrypt_then_mac is {etm} on a {} suite: {extensions:?}",
            if suite.is_cbc() { "CBC" } else { "AEAD" }
        )
    })
}

/// Checks `openssl s_client`'s full report: TLS 1.2, the suite, the extended master secret, a
/// verified chain.
fn check_openssl_session(stdout: &str, suite: &Suite12) -> Result<(), String> {
    let session = parse_openssl_session(stdout);
    ensure(
        session.protocol.as_deref() == Some("TLSv1.2")
            && session.cipher.as_deref() == Some(suite.openssl)
            && session.extended_master_secret == Some(true)
            && session.verify_return_code.as_deref() == Some("0 (ok)"),
        || {
            format!(
                "s_client reports {session:?}; expected TLSv1.2, {}, extended master secret, \
                 verify 0 (ok)",
                suite.openssl
            )
        },
    )
}

mod lucid_client {
    use super::*;

    /// lucid connect (pinned) -> openssl s_server -rev -tls1_2 -cipher <suite>.
    #[test]
    fn to_openssl_every_suite() {
        if !tools::require(&["openssl"], "tls12 to_openssl_every_suite") {
            return;
        }
        run_cases(&SUITES, THREADS, label, |suite| {
            let server = openssl_server12(suite.kx.leaf(), Some(suite.openssl), &[]);
            let line = format!("hello openssl from lucid {}\n", suite.iana);
            let expected = interop::peers::openssl_rev(&line);
            let out = run(
                &mut lucid_connect12(server.port(), &lucid_args(suite)),
                RunSpec::new(line)
                    .hold(Hold::UntilStdoutContains(expected.clone().into_bytes()))
                    .timeout(CLIENT_TIMEOUT),
            );
            let context = || format!("{}\n{}", out.describe(), server.describe());
            ensure(out.success(), || {
                format!("lucid connect failed\n{}", context())
            })?;
            ensure(out.stdout_text() == expected, || {
                format!("echo mismatch, expected {expected:?}\n{}", context())
            })?;
            let stderr = out.stderr_text();
            check_negotiated(parse_negotiated(&stderr), suite, LucidIs::Client)
                .and_then(|()| check_lucid_trace(&stderr, suite))
                .map_err(|e| format!("{e}\n{}", context()))?;
            ensure(
                server.wait_for_output(&format!("Ciphersuite: {}", suite.openssl), LOG_WAIT)
                    && server.output_text().contains("Protocol version: TLSv1.2"),
                || format!("s_server did not log TLSv1.2 / the suite\n{}", context()),
            )
        });
    }

    /// lucid connect (pinned) -> gnutls-serv --echo with a priority string for exactly the suite.
    #[test]
    fn to_gnutls_every_suite() {
        if !tools::require(&["gnutls-serv"], "tls12 to_gnutls_every_suite") {
            return;
        }
        run_cases(&SUITES, THREADS, label, |suite| {
            let server = gnutls_server12(suite.kx.leaf(), &suite.gnutls_priority());
            let line = format!("hello gnutls from lucid {}\n", suite.iana);
            let out = run(
                &mut lucid_connect12(server.port(), &lucid_args(suite)),
                RunSpec::new(line.clone())
                    .hold(Hold::UntilStdoutContains(line.clone().into_bytes()))
                    .timeout(CLIENT_TIMEOUT),
            );
            let context = || format!("{}\n{}", out.describe(), server.describe());
            ensure(out.success(), || {
                format!("lucid connect failed\n{}", context())
            })?;
            ensure(out.stdout_text() == line, || {
                format!("echo mismatch, expected {line:?}\n{}", context())
            })?;
            let stderr = out.stderr_text();
            check_negotiated(parse_negotiated(&stderr), suite, LucidIs::Client)
                .and_then(|()| check_lucid_trace(&stderr, suite))
                .map_err(|e| format!("{e}\n{}", context()))?;
            ensure(server.wait_for_output("- Options:", LOG_WAIT), || {
                format!("gnutls-serv did not log the session\n{}", context())
            })?;
            check_gnutls12(&server.stdout_text(), suite)
                .map_err(|e| format!("gnutls-serv: {e}\n{}", context()))
        });
    }

    /// 1 MiB through lucid connect -> gnutls-serv --echo (TLS 1.2 ECDHE-RSA AES-128-GCM), both
    /// ways, compared by SHA-256. The bytes are random except that NUL/CR/LF are replaced and a
    /// newline ends every 1000 bytes, which gnutls-serv's line echo needs
    /// (`payload::line_safe`); fully random bytes go through lucid serve below.
    #[test]
    fn one_mib_each_way_with_gnutls() {
        if !tools::require(&["gnutls-serv"], "tls12 one_mib_each_way_with_gnutls") {
            return;
        }
        let suite = ecdhe_rsa_aes128_gcm();
        let server = gnutls_server12(suite.kx.leaf(), &suite.gnutls_priority());
        let sent = payload::line_safe(1 << 20, 1000);
        let out = run(
            &mut lucid_connect12(server.port(), &suite.lucid_args()),
            RunSpec::new(sent.clone())
                .hold(Hold::UntilStdoutLen(sent.len()))
                .timeout(BIG_TIMEOUT),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        if let Err(e) = payload::compare(&sent, &out.stdout) {
            panic!("{e}\n{}", out.describe());
        }
        assert!(check_negotiated(
            parse_negotiated(&out.stderr_text()),
            &suite,
            LucidIs::Client
        )
        .is_ok());
    }

    /// A TLS 1.3-capable lucid client (default versions) against TLS 1.2-only servers: they
    /// do not set the RFC 8446 downgrade sentinel (they cannot do TLS 1.3), so lucid must
    /// accept TLS 1.2 — the sentinel check must not fire on an honest 1.2 server.
    #[test]
    fn tls13_capable_client_accepts_tls12_only_servers() {
        if !tools::require(
            &["openssl", "gnutls-serv"],
            "tls12 downgrade sentinel client",
        ) {
            return;
        }
        let peers = ["openssl", "gnutls"];
        run_cases(
            &peers,
            2,
            |p| p.to_string(),
            |&peer| {
                let (server, expected) = if peer == "openssl" {
                    let server = openssl_server12(Leaf::ServerRsa, None, &[]);
                    (server, interop::peers::openssl_rev("downgrade\n"))
                } else {
                    let server = gnutls_server12(Leaf::ServerRsa, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
                    (server, "downgrade\n".to_string())
                };
                let out = run(
                    &mut lucid_connect12(server.port(), &["--verbose".to_string()]),
                    RunSpec::new("downgrade\n")
                        .hold(Hold::UntilStdoutContains(expected.clone().into_bytes()))
                        .timeout(CLIENT_TIMEOUT),
                );
                let context = || format!("{}\n{}", out.describe(), server.describe());
                ensure(out.success(), || {
                    format!("lucid connect failed\n{}", context())
                })?;
                ensure(out.stdout_text() == expected, || {
                    format!("echo mismatch\n{}", context())
                })?;
                let stderr = out.stderr_text();
                ensure(
                    stderr.contains("ClientHello: versions TLSv1.3, TLSv1.2;"),
                    || format!("lucid did not offer TLS 1.3 and 1.2\n{}", context()),
                )?;
                let negotiated = parse_negotiated(&stderr)
                    .ok_or_else(|| format!("no negotiated line\n{}", context()))?;
                ensure(negotiated.version == "TLSv1.2", || {
                    format!("expected TLSv1.2, got {negotiated:?}\n{}", context())
                })?;
                ensure(!stderr.contains("downgrade sentinel set"), || {
                    format!("a 1.2-only server set the sentinel?\n{}", context())
                })
            },
        );
    }
}

mod lucid_server {
    use super::*;

    /// openssl s_client -tls1_2 -cipher <suite> -> lucid serve (pinned).
    #[test]
    fn from_openssl_every_suite() {
        if !tools::require(&["openssl"], "tls12 from_openssl_every_suite") {
            return;
        }
        run_cases(&SUITES, THREADS, label, |suite| {
            let server = lucid_server12(suite.kx.leaf(), &lucid_args(suite));
            let line = format!("hello lucid from openssl {}\n", suite.iana);
            let out = run(
                &mut openssl_client12(server.port(), Some(suite.openssl)),
                RunSpec::new(line.clone())
                    .hold(Hold::UntilStdoutContains(line.clone().into_bytes()))
                    .timeout(CLIENT_TIMEOUT),
            );
            let context = || format!("{}\n{}", out.describe(), server.describe());
            ensure(out.success(), || format!("s_client failed\n{}", context()))?;
            let stdout = out.stdout_text();
            // The full report comes first, then the echo.
            ensure(stdout.ends_with(&format!("---\n{line}")), || {
                format!("echo missing at the end of stdout\n{}", context())
            })?;
            check_openssl_session(&stdout, suite).map_err(|e| format!("{e}\n{}", context()))?;
            ensure(server.wait_for_output(": negotiated ", LOG_WAIT), || {
                format!("lucid serve did not report the session\n{}", context())
            })?;
            let stderr = server.stderr_text();
            check_negotiated(parse_server_negotiated(&stderr), suite, LucidIs::Server)
                .and_then(|()| check_lucid_trace(&stderr, suite))
                .map_err(|e| format!("{e}\n{}", context()))
        });
    }

    /// gnutls-cli with a priority string for exactly the suite -> lucid serve (pinned).
    #[test]
    fn from_gnutls_every_suite() {
        if !tools::require(&["gnutls-cli"], "tls12 from_gnutls_every_suite") {
            return;
        }
        run_cases(&SUITES, THREADS, label, |suite| {
            let server = lucid_server12(suite.kx.leaf(), &lucid_args(suite));
            let line = format!("hello lucid from gnutls {}\n", suite.iana);
            let out = run(
                &mut gnutls_client12(server.port(), &suite.gnutls_priority()),
                RunSpec::new(line.clone())
                    .hold(Hold::UntilStdoutContains(line.clone().into_bytes()))
                    .timeout(CLIENT_TIMEOUT),
            );
            let context = || format!("{}\n{}", out.describe(), server.describe());
            ensure(out.success(), || {
                format!("gnutls-cli failed\n{}", context())
            })?;
            ensure(out.stdout_text() == line, || {
                format!("echo mismatch, expected {line:?}\n{}", context())
            })?;
            check_gnutls12(&out.stderr_text(), suite)
                .map_err(|e| format!("gnutls-cli: {e}\n{}", context()))?;
            ensure(server.wait_for_output(": negotiated ", LOG_WAIT), || {
                format!("lucid serve did not report the session\n{}", context())
            })?;
            let stderr = server.stderr_text();
            check_negotiated(parse_server_negotiated(&stderr), suite, LucidIs::Server)
                .and_then(|()| check_lucid_trace(&stderr, suite))
                .map_err(|e| format!("{e}\n{}", context()))
        });
    }

    /// 1 MiB of random bytes (all 256 values) through openssl s_client -> lucid serve (TLS 1.2
    /// ECDHE-RSA AES-128-GCM) and back, compared by SHA-256.
    #[test]
    fn one_mib_each_way_with_openssl() {
        if !tools::require(&["openssl"], "tls12 one_mib_each_way_with_openssl") {
            return;
        }
        let suite = ecdhe_rsa_aes128_gcm();
        let server = lucid_server12(suite.kx.leaf(), &suite.lucid_args());
        let sent = payload::random_bytes(1 << 20);
        let mut client = openssl_client12(server.port(), Some(suite.openssl));
        // -brief: the report goes to stderr, stdout carries only the data.
        client.arg("-brief");
        let out = run(
            &mut client,
            RunSpec::new(sent.clone())
                .hold(Hold::UntilStdoutLen(sent.len()))
                .timeout(BIG_TIMEOUT),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        if let Err(e) = payload::compare(&sent, &out.stdout) {
            panic!("{e}\n{}", out.describe());
        }
        let brief = interop::peers::parse_openssl_summary(&out.stderr_text());
        assert_eq!(brief.protocol.as_deref(), Some("TLSv1.2"));
        assert_eq!(brief.cipher.as_deref(), Some(suite.openssl));
    }

    /// A TLS 1.3-capable lucid serve (default versions) with `openssl s_client -tls1_2`: TLS 1.2
    /// works, and lucid's ServerHello carries the downgrade sentinel (it could have done 1.3),
    /// which a 1.2-only client ignores.
    #[test]
    fn tls13_capable_server_serves_tls12_clients() {
        if !tools::require(&["openssl"], "tls12 downgrade sentinel server") {
            return;
        }
        let server = lucid_server12(Leaf::ServerRsa, &["--verbose".to_string()]);
        let out = run(
            &mut openssl_client12(server.port(), None),
            RunSpec::new("sentinel\n")
                .hold(Hold::UntilStdoutContains(b"---\nsentinel\n".to_vec()))
                .timeout(CLIENT_TIMEOUT),
        );
        let context = format!("{}\n{}", out.describe(), server.describe());
        assert!(out.success(), "{context}");
        let session = parse_openssl_session(&out.stdout_text());
        assert_eq!(session.protocol.as_deref(), Some("TLSv1.2"), "{context}");
        assert_eq!(session.extended_master_secret, Some(true), "{context}");
        assert!(
            server.wait_for_output(": negotiated TLSv1.2 ", LOG_WAIT),
            "{context}"
        );
        assert!(
            server
                .stderr_text()
                .lines()
                .any(|l| l.contains("server → ServerHello: version TLSv1.2;")
                    && l.ends_with("downgrade sentinel set (the server also speaks TLS 1.3)")),
            "lucid's ServerHello should carry the sentinel\n{context}"
        );
    }

    /// RFC 7507: `openssl s_client -tls1_2 -fallback_scsv` says "this is a fallback retry";
    /// a lucid serve that speaks TLS 1.3 must refuse with inappropriate_fallback. The same
    /// client against a TLS 1.2-only lucid serve is no fallback and must succeed.
    #[test]
    fn fallback_scsv() {
        if !tools::require(&["openssl"], "tls12 fallback_scsv") {
            return;
        }
        let cases = [("tls13-capable", false), ("tls12-only", true)];
        run_cases(
            &cases,
            2,
            |c| c.0.to_string(),
            |&(name, tls12_only)| {
                let args: Vec<String> = if tls12_only {
                    vec!["--tls1.2".into()]
                } else {
                    Vec::new()
                };
                let server = lucid_server12(Leaf::ServerRsa, &args);
                let mut client = openssl_client12(server.port(), None);
                client.arg("-fallback_scsv");
                let out = run(
                    &mut client,
                    RunSpec::new("fallback\n")
                        .hold(Hold::UntilStdoutContains(b"---\nfallback\n".to_vec()))
                        .timeout(CLIENT_TIMEOUT),
                );
                let context = || format!("{name}\n{}\n{}", out.describe(), server.describe());
                if tls12_only {
                    return ensure(out.success(), || {
                        format!("a 1.2-only server must accept the SCSV\n{}", context())
                    });
                }
                ensure(out.failed_cleanly(), || {
                    format!("s_client should have failed\n{}", context())
                })?;
                ensure(out.stderr_text().contains("inappropriate fallback"), || {
                    format!("s_client did not get inappropriate_fallback\n{}", context())
                })?;
                ensure(!out.stdout_text().contains("---\nfallback\n"), || {
                    format!("data was exchanged\n{}", context())
                })?;
                ensure(
                    server.wait_for_output("client error: ", LOG_WAIT)
                        && server.stderr_text().contains("version fallback"),
                    || format!("lucid serve did not report the fallback\n{}", context()),
                )
            },
        );
    }
}

/// Known answer: the master secret lucid writes to its key log equals the one OpenSSL writes
/// for the same client random (lucid as client with s_server -keylogfile, lucid as server
/// with s_client -keylogfile), for ECDHE, DHE and RSA key transport.
#[test]
fn master_secret_matches_openssl_keylog() {
    if !tools::require(&["openssl"], "tls12 master_secret_matches_openssl_keylog") {
        return;
    }
    let names = [
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
    ];
    let cases: Vec<(Suite12, LucidIs)> = names
        .iter()
        .flat_map(|n| {
            let s = Suite12::from_iana(n).expect("in the table");
            [(s, LucidIs::Client), (s, LucidIs::Server)]
        })
        .collect();
    let case_label = |(s, side): &(Suite12, LucidIs)| {
        format!(
            "{} lucid as {}",
            s.iana,
            if *side == LucidIs::Client {
                "client"
            } else {
                "server"
            }
        )
    };
    run_cases(&cases, THREADS, case_label, |&(suite, side)| {
        let lucid_log = pki().scratch_path("lucid.keylog");
        let openssl_log = pki().scratch_path("openssl.keylog");
        let mut args = suite.lucid_args();
        args.extend(["--keylog".to_string(), lucid_log.display().to_string()]);
        let (out, server_text) = match side {
            LucidIs::Client => {
                let log = openssl_log.display().to_string();
                let server =
                    openssl_server12(suite.kx.leaf(), Some(suite.openssl), &["-keylogfile", &log]);
                let expected = interop::peers::openssl_rev("known answer\n");
                let out = run(
                    &mut lucid_connect12(server.port(), &args),
                    RunSpec::new("known answer\n")
                        .hold(Hold::UntilStdoutContains(expected.into_bytes()))
                        .timeout(CLIENT_TIMEOUT),
                );
                (out, server.describe())
            }
            LucidIs::Server => {
                let server = lucid_server12(suite.kx.leaf(), &args);
                let mut client = openssl_client12(server.port(), Some(suite.openssl));
                client.arg("-keylogfile").arg(&openssl_log);
                let out = run(
                    &mut client,
                    RunSpec::new("known answer\n")
                        .hold(Hold::UntilStdoutContains(b"---\nknown answer\n".to_vec()))
                        .timeout(CLIENT_TIMEOUT),
                );
                // The server writes its key log during the handshake; wait for its report.
                server.wait_for_output(": negotiated ", LOG_WAIT);
                (out, server.describe())
            }
        };
        let context = || format!("{}\n{server_text}", out.describe());
        ensure(out.success(), || {
            format!("connection failed\n{}", context())
        })?;
        let read = |path: &std::path::Path| std::fs::read_to_string(path).unwrap_or_default();
        let ours = parse_client_random_lines(&read(&lucid_log));
        let theirs = parse_client_random_lines(&read(&openssl_log));
        let [(random, secret)] = ours.as_slice() else {
            return Err(format!(
                "expected one CLIENT_RANDOM line from lucid, got {ours:?}\n{}",
                context()
            ));
        };
        ensure(secret.len() == 96, || {
            format!("a TLS 1.2 master secret has 48 bytes: {secret}")
        })?;
        match theirs.iter().find(|(r, _)| r == random) {
            Some((_, s)) if s == secret => Ok(()),
            Some((_, s)) => Err(format!(
                "master secrets differ for client random {random}: lucid {secret}, OpenSSL {s}"
            )),
            None => Err(format!(
                "OpenSSL logged no CLIENT_RANDOM {random}: {theirs:?}\n{}",
                context()
            )),
        }
    });
}

/// The suite table here must list exactly the TLS 1.2 suites of lucidtls (read from its
/// source, since this crate does not depend on the library), so a new suite cannot be left
/// out of the matrix.
#[test]
fn matrix_covers_every_library_suite() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../lucidtls/src/suites.rs");
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut library: Vec<String> = source
        .split("tls12!(")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            name.starts_with("TLS_").then_some(name)
        })
        .collect();
    library.sort();
    let mut ours: Vec<String> = SUITES.iter().map(|s| s.iana.to_string()).collect();
    ours.sort();
    assert_eq!(library.len(), 27, "{library:?}");
    assert_eq!(ours, library);
}
