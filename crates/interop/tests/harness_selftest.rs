//! Harness self-tests: OpenSSL and GnuTLS against each other, no lucid involved.
//!
//! They prove that the harness itself works — the PKI, the port and process handling, the echo
//! conventions, the output parsers, the HelloRetryRequest detection and the negative leaves —
//! so that when a lucid interop test fails, the failure is lucid's. They are cheap and stay.
//!
//! Run: `cargo test -p interop harness_selftest`.

mod harness_selftest {
    use std::time::Duration;

    use interop::payload;
    use interop::peers::{
        check_gnutls_description, check_openssl_summary, count_client_hellos_received,
        count_client_hellos_sent, gnutls_client, gnutls_server, openssl_client, openssl_rev,
        openssl_server, parse_gnutls_description, parse_openssl_summary, ServerOptions,
    };
    use interop::process::contains;
    use interop::{
        ensure, pki, run, run_cases, tools, CertKind, Group, Hold, Leaf, RunSpec, Suite,
    };

    const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
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

    /// gnutls-cli (pinned) -> openssl s_server -rev (pinned), every suite x group for `cert`.
    fn openssl_server_gnutls_client(cert: CertKind) {
        if !tools::require(&["openssl", "gnutls-cli"], "openssl_server_gnutls_client") {
            return;
        }
        run_cases(&all_cases(), THREADS, label(cert), |&(suite, group)| {
            let server = openssl_server(cert.leaf(), &ServerOptions::pinned(suite, group));
            let line = format!("hello {} {}\n", suite.iana(), group.iana());
            let expected = openssl_rev(&line);
            let out = run(
                &mut gnutls_client(server.port(), Some(suite), Some(group)),
                RunSpec::new(line.clone())
                    .hold(Hold::UntilStdoutContains(expected.clone().into_bytes()))
                    .timeout(CLIENT_TIMEOUT),
            );
            let context = || format!("{}\n{}", out.describe(), server.describe());
            ensure(out.success(), || {
                format!("gnutls-cli failed\n{}", context())
            })?;
            ensure(out.stdout_text() == expected, || {
                format!("echo mismatch, expected {expected:?}\n{}", context())
            })?;
            check_gnutls_description(&out.stderr_text(), suite, group, cert)
                .map_err(|e| format!("{e}\n{}", context()))?;
            // The server's view agrees on the suite.
            ensure(
                server.wait_for_output(
                    &format!("Ciphersuite: {}", suite.iana()),
                    Duration::from_secs(2),
                ),
                || format!("s_server did not log the suite\n{}", context()),
            )
        });
    }

    /// openssl s_client (pinned) -> gnutls-serv --echo (pinned), every suite x group for `cert`.
    fn gnutls_server_openssl_client(cert: CertKind) {
        if !tools::require(&["openssl", "gnutls-serv"], "gnutls_server_openssl_client") {
            return;
        }
        run_cases(&all_cases(), THREADS, label(cert), |&(suite, group)| {
            let server = gnutls_server(cert.leaf(), &ServerOptions::pinned(suite, group));
            let line = format!("hello {} {}\n", suite.iana(), group.iana());
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
                .map_err(|e| format!("{e}\n{}", context()))?;
            // gnutls-serv logs the connection with the same parameters.
            ensure(
                server.wait_for_output("- Description:", Duration::from_secs(2)),
                || format!("gnutls-serv did not log the connection\n{}", context()),
            )?;
            check_gnutls_description(&server.stdout_text(), suite, group, cert)
                .map_err(|e| format!("server side: {e}\n{}", context()))
        });
    }

    #[test]
    fn openssl_server_gnutls_client_ecdsa() {
        openssl_server_gnutls_client(CertKind::EcdsaP256);
    }

    #[test]
    fn openssl_server_gnutls_client_rsa() {
        openssl_server_gnutls_client(CertKind::Rsa2048);
    }

    #[test]
    fn openssl_server_gnutls_client_ed25519() {
        openssl_server_gnutls_client(CertKind::Ed25519);
    }

    #[test]
    fn gnutls_server_openssl_client_ecdsa() {
        gnutls_server_openssl_client(CertKind::EcdsaP256);
    }

    #[test]
    fn gnutls_server_openssl_client_rsa() {
        gnutls_server_openssl_client(CertKind::Rsa2048);
    }

    #[test]
    fn gnutls_server_openssl_client_ed25519() {
        gnutls_server_openssl_client(CertKind::Ed25519);
    }

    /// 1 MiB (line-safe random bytes) through openssl s_client -> gnutls-serv --echo, compared
    /// by SHA-256: the big-payload path of the runner (stdin writer, hold, stdout capture).
    #[test]
    fn one_mib_openssl_client_gnutls_server() {
        if !tools::require(
            &["openssl", "gnutls-serv"],
            "one_mib_openssl_client_gnutls_server",
        ) {
            return;
        }
        let server = gnutls_server(Leaf::ServerEc, &ServerOptions::default());
        let sent = payload::line_safe(1 << 20, 1000);
        let out = run(
            &mut openssl_client(server.port(), None, None),
            RunSpec::new(sent.clone())
                .hold(Hold::UntilStdoutLen(sent.len()))
                .timeout(Duration::from_secs(30)),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        if let Err(e) = payload::compare(&sent, &out.stdout) {
            panic!("{e}\n{}", out.describe());
        }
        eprintln!(
            "1 MiB echoed in {:.2?}, sha256 {}",
            out.elapsed,
            payload::sha256_hex(&out.stdout)
        );
    }

    /// gnutls-cli sends key shares for its first groups (secp256r1, x25519); s_server accepts
    /// only P-384, so it must answer with a HelloRetryRequest: two ClientHellos in `-msg`.
    #[test]
    fn hello_retry_request_is_detected_server_side() {
        if !tools::require(
            &["openssl", "gnutls-cli"],
            "hello_retry_request_server_side",
        ) {
            return;
        }
        let options = ServerOptions {
            group: Some(Group::Secp384r1),
            extra: vec!["-msg".into()],
            ..ServerOptions::default()
        };
        let server = openssl_server(Leaf::ServerEc, &options);
        let out = run(
            &mut gnutls_client(server.port(), None, None),
            RunSpec::new("hrr\n")
                .hold(Hold::UntilStdoutContains(b"rrh\n".to_vec()))
                .timeout(CLIENT_TIMEOUT),
        );
        assert!(out.success(), "{}\n{}", out.describe(), server.describe());
        let description = parse_gnutls_description(&out.stderr_text()).expect("description");
        assert_eq!(description.key_exchange, "ECDHE-SECP384R1");
        assert!(server.wait_for_output("CONNECTION CLOSED", Duration::from_secs(2)));
        assert_eq!(
            count_client_hellos_received(&server.stdout_text()),
            2,
            "{}",
            server.describe()
        );
    }

    /// The same from the client side: s_client's first key share is X25519, gnutls-serv takes
    /// only SECP384R1; `s_client -msg` shows two ClientHellos sent.
    #[test]
    fn hello_retry_request_is_detected_client_side() {
        if !tools::require(
            &["openssl", "gnutls-serv"],
            "hello_retry_request_client_side",
        ) {
            return;
        }
        let server = gnutls_server(
            Leaf::ServerEc,
            &ServerOptions {
                group: Some(Group::Secp384r1),
                ..ServerOptions::default()
            },
        );
        let mut client = openssl_client(server.port(), None, None);
        client.args(["-groups", "X25519:P-384", "-msg", "-msgfile", "/dev/stderr"]);
        let out = run(
            &mut client,
            RunSpec::new("hrr\n")
                .hold(Hold::UntilStdoutContains(b"hrr\n".to_vec()))
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

    /// A negative case with reference clients: the client must fail (cleanly, no timeout) and
    /// its output must contain one of `needles`.
    fn expect_failure(out: &interop::RunOutput, needles: &[&str]) -> Result<(), String> {
        ensure(out.failed_cleanly(), || {
            format!("expected a clean failure\n{}", out.describe())
        })?;
        let text = format!("{}{}", out.stdout_text(), out.stderr_text()).to_lowercase();
        ensure(needles.iter().any(|n| text.contains(n)), || {
            format!("output mentions none of {needles:?}\n{}", out.describe())
        })
    }

    /// The negative leaves are wrong in exactly the intended way for OpenSSL and GnuTLS
    /// clients: unknown CA, expired, wrong host name. (lucid must fail the same way.)
    #[test]
    fn negative_leaves_fail_with_reference_clients() {
        if !tools::require(&["openssl", "gnutls-cli"], "negative_leaves") {
            return;
        }
        let cases: Vec<(&str, Leaf)> = vec![
            ("unknown CA", Leaf::ServerEc),
            ("expired", Leaf::Expired),
            ("wrong name", Leaf::WrongName),
        ];
        run_cases(
            &cases,
            THREADS,
            |(name, _)| name.to_string(),
            |&(name, leaf)| {
                let server = openssl_server(leaf, &ServerOptions::default());
                let ca = pki().ca_cert();
                let mut s_client = openssl_client(server.port(), None, None);
                let mut gnutls = gnutls_client(server.port(), None, None);
                if name == "unknown CA" {
                    // Same commands, but trusting only an empty system-like store.
                    let empty = pki().scratch_path("empty-ca.pem");
                    std::fs::write(&empty, pki_other_ca()).map_err(|e| e.to_string())?;
                    s_client = rebuild_with_ca(&s_client, &ca, &empty);
                    gnutls = rebuild_with_ca(&gnutls, &ca, &empty);
                }
                let spec = RunSpec::new("x\n").timeout(CLIENT_TIMEOUT);
                let (s_needles, g_needles): (&[&str], &[&str]) = match name {
                    "unknown CA" => (&["unable to get local issuer"], &["not trusted"]),
                    "expired" => (&["certificate has expired"], &["expired"]),
                    _ => (&["hostname mismatch"], &["does not match"]),
                };
                let out = run(&mut s_client, spec.clone());
                expect_failure(&out, s_needles).map_err(|e| format!("s_client: {e}"))?;
                ensure(!contains(&out.stdout, b"x\n"), || {
                    "data went through".into()
                })?;
                let out = run(&mut gnutls, spec);
                expect_failure(&out, g_needles).map_err(|e| format!("gnutls-cli: {e}"))
            },
        );
    }

    /// A second, unrelated self-signed CA in PEM (generated once), to stand for "a trust store
    /// that does not contain our CA".
    fn pki_other_ca() -> Vec<u8> {
        static OTHER: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        OTHER
            .get_or_init(|| {
                let dir = pki().scratch_path("other-ca");
                std::fs::create_dir_all(&dir).unwrap();
                let out = std::process::Command::new("openssl")
                    .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
                    .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "30"])
                    .args(["-subj", "/CN=some other CA", "-keyout"])
                    .arg(dir.join("other.key"))
                    .arg("-out")
                    .arg(dir.join("other.pem"))
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{out:?}");
                std::fs::read(dir.join("other.pem")).unwrap()
            })
            .clone()
    }

    /// Copies `command`, replacing the argument `from` by `to`.
    fn rebuild_with_ca(
        command: &std::process::Command,
        from: &std::path::Path,
        to: &std::path::Path,
    ) -> std::process::Command {
        let mut copy = std::process::Command::new(command.get_program());
        for arg in command.get_args() {
            if arg == from.as_os_str() {
                copy.arg(to);
            } else {
                copy.arg(arg);
            }
        }
        copy
    }
}
