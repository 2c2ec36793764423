//! The interop matrix: `lucid connect` and `lucid serve` against OpenSSL and GnuTLS.
//!
//! Every TLS 1.3 suite x {x25519, secp256r1, secp384r1} x server certificate {ECDSA P-256,
//! RSA-2048, Ed25519}, in both directions with both peers, plus a 1 MiB echo each way, forced
//! HelloRetryRequests and certificate failures. The CLI contract is in `interop::lucid`.
//!
//! The tests drive the `lucid` binary of the same profile; `./scripts/test` builds it first:
//!
//! ```text
//! cargo build --release -p lucid && cargo test --release -p interop --test lucid_matrix
//! ```

use std::time::Duration;

use interop::lucid::{
    check_connect_report, lucid_connect, lucid_connect_raw, lucid_server, parse_error,
    parse_negotiated, LucidOptions,
};
use interop::peers::{
    check_gnutls_description, check_openssl_summary, count_client_hellos_received,
    count_client_hellos_sent, gnutls_client, gnutls_server, openssl_client, openssl_rev,
    openssl_server, parse_openssl_summary, ServerOptions,
};
use interop::{ensure, payload, run, run_cases, tools, CertKind, Group, Hold, RunSpec, Suite};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
const BIG_TIMEOUT: Duration = Duration::from_secs(60);
const THREADS: usize = 3;

fn all_cases() -> Vec<(Suite, Group)> {
    Suite::ALL
        .into_iter()
        .flat_map(|suite| Group::ALL.into_iter().map(move |group| (suite, group)))
        .collect()
}

fn label(cert: CertKind) -> impl Fn(&(Suite, Group)) -> String {
    move |(suite, group)| format!("{cert:?} {} {}", suite.iana(), group.iana())
}

/// Generates one `#[test]` per certificate kind for a matrix function.
macro_rules! per_cert {
    ($function:ident: $ecdsa:ident, $rsa:ident, $ed25519:ident) => {
        #[test]
        fn $ecdsa() {
            super::$function(interop::CertKind::EcdsaP256);
        }
        #[test]
        fn $rsa() {
            super::$function(interop::CertKind::Rsa2048);
        }
        #[test]
        fn $ed25519() {
            super::$function(interop::CertKind::Ed25519);
        }
    };
}

/// lucid connect (pinned) -> openssl s_server -rev (pinned).
fn lucid_client_openssl_server(cert: CertKind) {
    if !tools::require(&["openssl"], "lucid_client_openssl_server") {
        return;
    }
    run_cases(&all_cases(), THREADS, label(cert), |&(suite, group)| {
        let server = openssl_server(cert.leaf(), &ServerOptions::pinned(suite, group));
        let line = format!("hello from lucid {} {}\n", suite.iana(), group.iana());
        let expected = openssl_rev(&line);
        let out = run(
            &mut lucid_connect(server.port(), &LucidOptions::pinned(suite, group)),
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
        check_connect_report(&out.stderr_text(), suite, group)
            .map_err(|e| format!("{e}\n{}", context()))?;
        ensure(
            server.wait_for_output(
                &format!("Ciphersuite: {}", suite.iana()),
                Duration::from_secs(2),
            ),
            || format!("s_server did not log the suite\n{}", context()),
        )
    });
}

/// lucid connect (pinned) -> gnutls-serv --echo (pinned).
fn lucid_client_gnutls_server(cert: CertKind) {
    if !tools::require(&["gnutls-serv"], "lucid_client_gnutls_server") {
        return;
    }
    run_cases(&all_cases(), THREADS, label(cert), |&(suite, group)| {
        let server = gnutls_server(cert.leaf(), &ServerOptions::pinned(suite, group));
        let line = format!("hello from lucid {} {}\n", suite.iana(), group.iana());
        let out = run(
            &mut lucid_connect(server.port(), &LucidOptions::pinned(suite, group)),
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
        check_connect_report(&out.stderr_text(), suite, group)
            .map_err(|e| format!("{e}\n{}", context()))?;
        ensure(
            server.wait_for_output("- Description:", Duration::from_secs(2)),
            || format!("gnutls-serv did not log the connection\n{}", context()),
        )?;
        check_gnutls_description(&server.stdout_text(), suite, group, cert)
            .map_err(|e| format!("server side: {e}\n{}", context()))
    });
}

/// openssl s_client (pinned) -> lucid serve (pinned).
fn openssl_client_lucid_server(cert: CertKind) {
    if !tools::require(&["openssl"], "openssl_client_lucid_server") {
        return;
    }
    run_cases(&all_cases(), THREADS, label(cert), |&(suite, group)| {
        let server = lucid_server(cert.leaf(), &LucidOptions::pinned(suite, group));
        let line = format!(
            "hello lucid from openssl {} {}\n",
            suite.iana(),
            group.iana()
        );
        let out = run(
            &mut openssl_client(server.port(), Some(suite), Some(group)),
            RunSpec::new(line.clone())
                .hold(Hold::UntilStdoutContains(line.clone().into_bytes()))
                .timeout(CLIENT_TIMEOUT),
        );
        let context = || format!("{}\n{}", out.describe(), server.describe());
        ensure(out.success(), || format!("s_client failed\n{}", context()))?;
        ensure(out.stdout_text() == line, || {
            format!("echo mismatch, expected {line:?}\n{}", context())
        })?;
        check_openssl_summary(&out.stderr_text(), suite, group, cert)
            .map_err(|e| format!("{e}\n{}", context()))
    });
}

/// gnutls-cli (pinned) -> lucid serve (pinned).
fn gnutls_client_lucid_server(cert: CertKind) {
    if !tools::require(&["gnutls-cli"], "gnutls_client_lucid_server") {
        return;
    }
    run_cases(&all_cases(), THREADS, label(cert), |&(suite, group)| {
        let server = lucid_server(cert.leaf(), &LucidOptions::pinned(suite, group));
        let line = format!(
            "hello lucid from gnutls {} {}\n",
            suite.iana(),
            group.iana()
        );
        let out = run(
            &mut gnutls_client(server.port(), Some(suite), Some(group)),
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
        check_gnutls_description(&out.stderr_text(), suite, group, cert)
            .map_err(|e| format!("{e}\n{}", context()))
    });
}

mod lucid_client {
    use super::*;

    per_cert!(lucid_client_openssl_server: to_openssl_ecdsa, to_openssl_rsa, to_openssl_ed25519);
    per_cert!(lucid_client_gnutls_server: to_gnutls_ecdsa, to_gnutls_rsa, to_gnutls_ed25519);

    /// No pinning on either side: lucid's default offer must agree with both peers' defaults
    /// on some TLS 1.3 suite and group.
    #[test]
    fn defaults_agree_with_openssl_and_gnutls() {
        if !tools::require(&["openssl", "gnutls-serv"], "defaults_agree") {
            return;
        }
        let peers = ["openssl", "gnutls"];
        run_cases(
            &peers,
            2,
            |peer| peer.to_string(),
            |&peer| {
                let server = match peer {
                    "openssl" => openssl_server(CertKind::EcdsaP256.leaf(), &Default::default()),
                    _ => gnutls_server(CertKind::EcdsaP256.leaf(), &Default::default()),
                };
                let line = "defaults\n".to_string();
                let expected = if peer == "openssl" {
                    openssl_rev(&line)
                } else {
                    line.clone()
                };
                let out = run(
                    &mut lucid_connect(server.port(), &LucidOptions::default()),
                    RunSpec::new(line)
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
                let negotiated = parse_negotiated(&out.stderr_text())
                    .ok_or_else(|| format!("no negotiated line\n{}", context()))?;
                ensure(
                    negotiated.version == "TLSv1.3"
                        && Suite::from_iana(&negotiated.suite).is_some(),
                    || format!("unexpected {negotiated:?}\n{}", context()),
                )
            },
        );
    }

    /// 1 MiB of random bytes through lucid connect -> gnutls-serv --echo, compared by SHA-256.
    /// The bytes avoid NUL/CR and come in lines, which gnutls-serv's echo needs
    /// (`payload::line_safe`).
    #[test]
    fn one_mib_to_gnutls_server() {
        if !tools::require(&["gnutls-serv"], "one_mib_to_gnutls_server") {
            return;
        }
        let server = gnutls_server(CertKind::EcdsaP256.leaf(), &ServerOptions::default());
        let sent = payload::line_safe(1 << 20, 1000);
        let out = run(
            &mut lucid_connect(server.port(), &LucidOptions::default()),
            RunSpec::new(sent.clone())
                .hold(Hold::UntilStdoutLen(sent.len()))
                .timeout(BIG_TIMEOUT),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        if let Err(e) = payload::compare(&sent, &out.stdout) {
            panic!("{e}\n{}", out.describe());
        }
    }

    /// s_server takes only P-384; lucid offers x25519 first (key share) and secp384r1 second,
    /// so the server must send a HelloRetryRequest and lucid must retry with secp384r1.
    /// Assumes lucid sends a key share for its first group only.
    #[test]
    fn hello_retry_request_from_openssl() {
        if !tools::require(&["openssl"], "hello_retry_request_from_openssl") {
            return;
        }
        let server = openssl_server(
            CertKind::EcdsaP256.leaf(),
            &ServerOptions {
                group: Some(Group::Secp384r1),
                extra: vec!["-msg".into()],
                ..ServerOptions::default()
            },
        );
        let options = LucidOptions {
            groups: vec![Group::X25519, Group::Secp384r1],
            ..LucidOptions::default()
        };
        let line = "retry\n";
        let out = run(
            &mut lucid_connect(server.port(), &options),
            RunSpec::new(line)
                .hold(Hold::UntilStdoutContains(openssl_rev(line).into_bytes()))
                .timeout(CLIENT_TIMEOUT),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        assert_eq!(out.stdout_text(), openssl_rev(line));
        let negotiated = parse_negotiated(&out.stderr_text()).expect("negotiated line");
        assert_eq!(negotiated.group, "secp384r1", "{}", out.describe());
        assert!(server.wait_for_output("CONNECTION CLOSED", Duration::from_secs(2)));
        assert_eq!(
            count_client_hellos_received(&server.stdout_text()),
            2,
            "expected a HelloRetryRequest (two ClientHellos)\n{}",
            server.describe()
        );
    }

    /// The same against gnutls-serv restricted to SECP384R1.
    #[test]
    fn hello_retry_request_from_gnutls() {
        if !tools::require(&["gnutls-serv"], "hello_retry_request_from_gnutls") {
            return;
        }
        let server = gnutls_server(
            CertKind::Rsa2048.leaf(),
            &ServerOptions {
                group: Some(Group::Secp384r1),
                ..ServerOptions::default()
            },
        );
        let options = LucidOptions {
            groups: vec![Group::X25519, Group::Secp384r1],
            ..LucidOptions::default()
        };
        let line = "retry\n";
        let out = run(
            &mut lucid_connect(server.port(), &options),
            RunSpec::new(line)
                .hold(Hold::UntilStdoutContains(line.as_bytes().to_vec()))
                .timeout(CLIENT_TIMEOUT),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        assert_eq!(out.stdout_text(), line);
        let negotiated = parse_negotiated(&out.stderr_text()).expect("negotiated line");
        assert_eq!(negotiated.group, "secp384r1", "{}", out.describe());
    }
}

mod lucid_server {
    use super::*;

    per_cert!(openssl_client_lucid_server: from_openssl_ecdsa, from_openssl_rsa, from_openssl_ed25519);
    per_cert!(gnutls_client_lucid_server: from_gnutls_ecdsa, from_gnutls_rsa, from_gnutls_ed25519);

    /// 1 MiB of random bytes (all 256 values) through openssl s_client -> lucid serve,
    /// compared by SHA-256.
    #[test]
    fn one_mib_from_openssl_client() {
        if !tools::require(&["openssl"], "one_mib_from_openssl_client") {
            return;
        }
        let server = lucid_server(CertKind::EcdsaP256.leaf(), &LucidOptions::default());
        let sent = payload::random_bytes(1 << 20);
        let out = run(
            &mut openssl_client(server.port(), None, None),
            RunSpec::new(sent.clone())
                .hold(Hold::UntilStdoutLen(sent.len()))
                .timeout(BIG_TIMEOUT),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        if let Err(e) = payload::compare(&sent, &out.stdout) {
            panic!("{e}\n{}", out.describe());
        }
    }

    /// lucid serve takes only secp384r1; s_client's first key share is X25519, so lucid must
    /// send a HelloRetryRequest (s_client -msg shows two ClientHellos).
    #[test]
    fn hello_retry_request_to_openssl() {
        if !tools::require(&["openssl"], "hello_retry_request_to_openssl") {
            return;
        }
        let server = lucid_server(
            CertKind::EcdsaP256.leaf(),
            &LucidOptions {
                groups: vec![Group::Secp384r1],
                ..LucidOptions::default()
            },
        );
        let mut client = openssl_client(server.port(), None, None);
        client.args(["-groups", "X25519:P-384", "-msg", "-msgfile", "/dev/stderr"]);
        let out = run(
            &mut client,
            RunSpec::new("retry\n")
                .hold(Hold::UntilStdoutContains(b"retry\n".to_vec()))
                .timeout(CLIENT_TIMEOUT),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        let stderr = out.stderr_text();
        assert_eq!(count_client_hellos_sent(&stderr), 2, "{}", out.describe());
        assert_eq!(
            parse_openssl_summary(&stderr).temp_key_group.as_deref(),
            Some("secp384r1")
        );
    }
}

mod negative {
    use super::*;
    use interop::Leaf;

    /// Runs lucid connect with `args` against s_server with `leaf`; lucid must exit non-zero
    /// (not time out), print an `error: ` line, and that line (lower-cased) must contain one of
    /// `needles`. No application data may come back.
    fn expect_lucid_failure(leaf: Leaf, args: &[&str], needles: &[&str]) {
        if !tools::require(&["openssl"], "negative") {
            return;
        }
        let server = openssl_server(leaf, &ServerOptions::default());
        let out = run(
            &mut lucid_connect_raw(server.port(), args),
            RunSpec::new("must not arrive\n").timeout(CLIENT_TIMEOUT),
        );
        let context = format!("{}\n{}", out.describe(), server.describe());
        assert!(out.failed_cleanly(), "expected a non-zero exit\n{context}");
        let reason = parse_error(&out.stderr_text())
            .unwrap_or_else(|| panic!("no `error: ` line on stderr\n{context}"))
            .to_lowercase();
        assert!(
            needles.iter().any(|needle| reason.contains(needle)),
            "error `{reason}` mentions none of {needles:?}\n{context}"
        );
        assert!(
            !out.stdout_text().contains("evirra ton tsum"),
            "data was exchanged\n{context}"
        );
    }

    fn ca() -> String {
        interop::pki().ca_cert().display().to_string()
    }

    /// No --cafile: the test CA is not among the default roots.
    #[test]
    fn unknown_ca() {
        expect_lucid_failure(
            Leaf::ServerEc,
            &["--servername", "localhost"],
            &["unknown", "trust anchor"],
        );
    }

    /// The certificate is for localhost; we ask for wrong.example.
    #[test]
    fn wrong_host_name_requested() {
        expect_lucid_failure(
            Leaf::ServerEc,
            &["--servername", "wrong.example", "--cafile", &ca()],
            &[
                "host name",
                "hostname",
                "not valid for name",
                "name mismatch",
            ],
        );
    }

    /// The certificate is for wrong.example; we ask for localhost.
    #[test]
    fn wrong_host_name_presented() {
        expect_lucid_failure(
            Leaf::WrongName,
            &["--servername", "localhost", "--cafile", &ca()],
            &[
                "host name",
                "hostname",
                "not valid for name",
                "name mismatch",
            ],
        );
    }

    /// The certificate expired on 2021-01-01.
    #[test]
    fn expired_certificate() {
        expect_lucid_failure(
            Leaf::Expired,
            &["--servername", "localhost", "--cafile", &ca()],
            &["expired"],
        );
    }
}
