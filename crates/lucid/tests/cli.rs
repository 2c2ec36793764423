//! End-to-end tests of the `lucid` binary: demo, serve + connect, and failures.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{lucid, lucid_env, text, Server, LUCID};

#[test]
fn demo_narrates_a_handshake() {
    let out = lucid(&["demo"], b"");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let has = |prefix: &str| stdout.lines().any(|l| l.starts_with(prefix));
    assert!(
        has("client → ClientHello: versions TLSv1.3; suites "),
        "{stdout}"
    );
    assert!(has("server ← ClientHello"), "{stdout}");
    assert!(has("server → ServerHello: version TLSv1.3"), "{stdout}");
    assert!(has("client ← ServerHello"), "{stdout}");
    assert!(
        has("client ← Certificate: subject CN=localhost"),
        "{stdout}"
    );
    assert!(has("client ← Finished: verified"), "{stdout}");
    assert!(has("server ← Finished: verified"), "{stdout}");
    assert!(has("negotiated: TLSv1.3 "), "{stdout}");
    assert!(
        has("client received: \"hello from the lucid demo\""),
        "{stdout}"
    );
    assert!(stdout.contains("demo complete"), "{stdout}");
}

#[test]
fn serve_and_connect_round_trip() {
    let server = Server::start(&["--max-clients", "1"]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid(
        &["connect", &target, "--cafile", &ca, "--wait-ms", "300"],
        b"hello, lucid\n",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(text(&out.stdout), "hello, lucid\n");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("negotiated: TLSv1.3 TLS_AES_128_GCM_SHA256 x25519")),
        "{stderr}"
    );
    assert!(
        stderr.contains("peer certificate: CN=localhost"),
        "{stderr}"
    );
    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert!(log.contains("13 bytes echoed"), "{log}");
}

#[test]
fn options_reach_the_handshake_and_verbose_traces() {
    let server = Server::start(&["--max-clients", "1", "--alpn", "echo"]);
    let target = format!("localhost:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid(
        &[
            "connect",
            &target,
            "--cafile",
            &ca,
            "--tls1.3",
            "--cipher",
            "TLS_CHACHA20_POLY1305_SHA256",
            "--group",
            "P-384",
            "--alpn",
            "echo",
            "--verbose",
            "--wait-ms",
            "200",
        ],
        b"x",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(out.stdout, b"x");
    assert!(
        stderr.contains("negotiated: TLSv1.3 TLS_CHACHA20_POLY1305_SHA256 secp384r1"),
        "{stderr}"
    );
    assert!(stderr.contains("alpn: echo"), "{stderr}");
    assert!(stderr.contains("client → ClientHello"), "{stderr}");
    assert!(stderr.contains("client ← Finished: verified"), "{stderr}");
    let (status, _) = server.finish();
    assert!(status.success());
}

#[test]
fn a_mebibyte_each_way_does_not_deadlock() {
    let server = Server::start(&["--max-clients", "1"]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let data: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let out = lucid(
        &["connect", &target, "--cafile", &ca, "--wait-ms", "500"],
        &data,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(out.stdout.len(), data.len());
    assert!(out.stdout == data, "echo differs");
    let (status, log) = server.finish();
    assert!(status.success());
    assert!(log.contains("1048576 bytes echoed"), "{log}");
}

#[test]
fn untrusted_server_fails_and_the_server_survives() {
    let server = Server::start(&["--max-clients", "2"]);
    let target = format!("127.0.0.1:{}", server.port);
    // Without --cafile the Mozilla roots are used: the throwaway CA is not among them.
    let out = lucid(&["connect", &target], b"never sent\n");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    let err_line = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {stderr}"));
    assert!(err_line.contains("trust anchor"), "{err_line}");
    assert!(!stderr.contains("negotiated:"), "{stderr}");

    // The failed client did not take the server down.
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid(
        &["connect", &target, "--cafile", &ca, "--wait-ms", "200"],
        b"still here\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(out.stdout, b"still here\n");
    let (status, log) = server.finish();
    assert!(status.success());
    assert!(
        log.contains("client error: ") && log.contains("unknown_ca"),
        "{log}"
    );
}

#[test]
fn no_verify_connects_to_an_untrusted_server() {
    let server = Server::start(&["--max-clients", "1"]);
    let target = format!("127.0.0.1:{}", server.port);
    let out = lucid(
        &["connect", &target, "--no-verify", "--wait-ms", "200"],
        b"ok\n",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(out.stdout, b"ok\n");
    assert!(stderr.contains("warning: --no-verify"), "{stderr}");
    let _ = server.finish();
}

#[test]
fn unknown_names_are_usage_errors() {
    let out = lucid(
        &["connect", "127.0.0.1:1", "--cipher", "TLS_NO_SUCH_SUITE"],
        b"",
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TLS_AES_128_GCM_SHA256"), "{stderr}");
    assert!(
        stderr.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        "{stderr}"
    );

    let out = lucid(&["serve", "--group", "P-999"], b"");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("x25519"), "{stderr}");

    let out = lucid(&["connect", "no-port-here"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: expected HOST:PORT"));
}

#[test]
fn connection_refused_is_a_clean_error() {
    // Bind and drop a listener to find a port that is (very likely) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = lucid(&["connect", &format!("127.0.0.1:{port}")], b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: connecting to 127.0.0.1:"),
        "{stderr}"
    );
}

/// Runs `lucid connect 127.0.0.1:1 <args>`: for usage errors, found before connecting.
fn usage_error(args: &[&str]) -> String {
    let mut all = vec!["connect", "127.0.0.1:1"];
    all.extend_from_slice(args);
    let out = lucid(&all, b"");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty());
    stderr
}

#[test]
fn tls12_suites_outside_the_policy_are_refused_with_the_reason() {
    // Implemented, but only under --policy compatible.
    for name in [
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    ] {
        let stderr = usage_error(&["--cipher", name]);
        assert!(
            stderr.contains(&format!(
                "error: {name} is disabled by the modern policy; --policy compatible enables it"
            )),
            "{stderr}"
        );
        // The same with an explicit --policy modern.
        let stderr = usage_error(&["--policy", "modern", "--cipher", name]);
        assert!(
            stderr.contains("--policy compatible enables it"),
            "{stderr}"
        );
    }
    // Refused by design, whatever the policy.
    for (name, why) in [
        ("TLS_RSA_WITH_RC4_128_SHA", "RC4 is broken"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "Sweet32"),
        ("TLS_RSA_WITH_NULL_SHA256", "do not encrypt"),
        ("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "DES keys"),
        ("TLS_ECDHE_RSA_EXPORT_WITH_AES_128_CBC_SHA", "export suites"),
        ("TLS_DH_anon_WITH_AES_128_GCM_SHA256", "do not authenticate"),
        ("TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", "DSA"),
    ] {
        let stderr = usage_error(&["--policy", "legacy", "--cipher", name]);
        assert!(
            stderr.contains(&format!("{name} is refused by design: ")) && stderr.contains(why),
            "{name}: {stderr}"
        );
    }
    let stderr = usage_error(&["--policy", "paranoid"]);
    assert!(stderr.contains("modern, compatible, legacy"), "{stderr}");
    // One version at a time, and suites that fit it.
    let stderr = usage_error(&["--tls1.2", "--tls1.3"]);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    let stderr = usage_error(&[
        "--tls1.3",
        "--cipher",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    ]);
    assert!(
        stderr.contains("none of the --cipher suites can be used with TLSv1.3"),
        "{stderr}"
    );
    let stderr = usage_error(&["--tls1.2", "--cipher", "TLS_AES_128_GCM_SHA256"]);
    assert!(stderr.contains("TLSv1.2"), "{stderr}");
}

#[test]
fn tls12_cbc_under_compatible_with_trace_and_keylog() {
    let server = Server::start(&["--max-clients", "1", "--policy", "compatible"]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let keylog = std::env::temp_dir().join(format!("lucid-cli-keylog-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&keylog);
    let out = lucid(
        &[
            "connect",
            &target,
            "--cafile",
            &ca,
            "--tls1.2",
            "--policy",
            "compatible",
            "--cipher",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "--require-ems",
            "--keylog",
            keylog.to_str().unwrap(),
            "--verbose",
            "--wait-ms",
            "200",
        ],
        b"cbc\n",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(out.stdout, b"cbc\n");
    let has = |line: &str| stderr.lines().any(|l| l == line);
    assert!(
        has("negotiated: TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 x25519"),
        "{stderr}"
    );
    // Only TLS 1.2 offered: no key share (a TLS 1.3 thing) in the narration.
    let client_hello = stderr
        .lines()
        .find(|l| l.starts_with("client → ClientHello: "))
        .unwrap_or_else(|| panic!("no ClientHello line: {stderr}"));
    assert!(
        client_hello.starts_with(
            "client → ClientHello: versions TLSv1.2; suites TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256; "
        ) && !client_hello.contains("key share"),
        "{client_hello}"
    );
    // The server could do TLS 1.3, so its TLS 1.2 ServerHello carries the sentinel; EtM is
    // negotiated because the suite is CBC.
    let server_hello = stderr
        .lines()
        .find(|l| l.starts_with("client ← ServerHello: version TLSv1.2;"))
        .unwrap_or_else(|| panic!("no ServerHello line: {stderr}"));
    assert!(
        server_hello.contains("extended_master_secret"),
        "{server_hello}"
    );
    assert!(server_hello.contains("encrypt_then_mac"), "{server_hello}");
    assert!(
        server_hello.ends_with("; downgrade sentinel set (the server also speaks TLS 1.3)"),
        "{server_hello}"
    );
    assert!(
        has("client ← ServerKeyExchange: ECDHE x25519, signed with ecdsa_secp256r1_sha256, verified"),
        "{stderr}"
    );
    assert!(has("client ← ServerHelloDone"), "{stderr}");
    assert!(
        has("client → ClientKeyExchange: ECDHE (the client's ephemeral public key)"),
        "{stderr}"
    );
    assert!(
        has("client · master secret derived from the pre-master secret \
             (extended master secret, RFC 7627)"),
        "{stderr}"
    );
    assert!(
        has("client ← ChangeCipherSpec: the sender's records are encrypted from here on"),
        "{stderr}"
    );
    assert!(has("client ← Finished: verified"), "{stderr}");

    // One CLIENT_RANDOM line: 32-byte random, 48-byte master secret.
    let log = std::fs::read_to_string(&keylog).unwrap();
    let _ = std::fs::remove_file(&keylog);
    let lines: Vec<Vec<&str>> = log
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert_eq!(lines[0][0], "CLIENT_RANDOM", "{log}");
    assert_eq!(lines[0][1].len(), 64, "{log}");
    assert_eq!(lines[0][2].len(), 96, "{log}");
    assert!(
        !stderr.contains(lines[0][2]),
        "the secret leaked into the trace"
    );

    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert!(
        log.contains("negotiated TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 x25519"),
        "{log}"
    );
}

#[test]
fn tls12_modern_default_picks_ecdhe_aead() {
    let server = Server::start(&["--max-clients", "1"]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid(
        &[
            "connect",
            &target,
            "--cafile",
            &ca,
            "--tls1.2",
            "--wait-ms",
            "200",
        ],
        b"modern\n",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(out.stdout, b"modern\n");
    assert!(
        stderr
            .lines()
            .any(|l| l == "negotiated: TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 x25519"),
        "{stderr}"
    );
    let _ = server.finish();

    // A TLS 1.2-only server refuses a CBC suite that its (modern) policy does not enable.
    let server = Server::start(&["--max-clients", "1", "--tls1.2"]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid(
        &[
            "connect",
            &target,
            "--cafile",
            &ca,
            "--policy",
            "compatible",
            "--cipher",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("negotiated:"));
    let (_, log) = server.finish();
    assert!(log.contains("client error: "), "{log}");
}

/// An RSA certificate (rcgen, self-signed) in two temporary PEM files, removed on drop.
struct RsaFiles {
    cert: PathBuf,
    key: PathBuf,
}

impl RsaFiles {
    fn new() -> Self {
        use rcgen::{CertificateParams, KeyPair, RsaKeySize, PKCS_RSA_SHA256};
        let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let dir = std::env::temp_dir();
        let id = std::process::id();
        let files = Self {
            cert: dir.join(format!("lucid-cli-rsa-{id}.pem")),
            key: dir.join(format!("lucid-cli-rsa-{id}.key")),
        };
        std::fs::write(&files.cert, cert.pem()).unwrap();
        std::fs::write(&files.key, key.serialize_pem()).unwrap();
        files
    }
}

impl Drop for RsaFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.cert);
        let _ = std::fs::remove_file(&self.key);
    }
}

#[test]
fn tls12_rsa_key_transport_has_no_group() {
    let files = RsaFiles::new();
    let (cert, key) = (files.cert.to_str().unwrap(), files.key.to_str().unwrap());
    // serve with --cert prints no CA line; read stderr up to "listening on" by hand.
    let mut child = Command::new(LUCID)
        .args(["serve", "--listen", "127.0.0.1:0", "--max-clients", "1"])
        .args(["--cert", cert, "--key", key, "--policy", "compatible"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.rsplit_once(':'))
        .map(|(_, p)| p.to_string())
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("unexpected first line: {line}")
        });
    let out = lucid(
        &[
            "connect",
            &format!("127.0.0.1:{port}"),
            "--no-verify",
            "--policy",
            "compatible",
            "--cipher",
            "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "--verbose",
            "--wait-ms",
            "200",
        ],
        b"rsa\n",
    );
    let text_err = text(&out.stderr);
    let mut rest = String::new();
    let _ = stderr.read_to_string(&mut rest);
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.status.success(), "{text_err}\n{rest}");
    assert_eq!(out.stdout, b"rsa\n");
    assert!(
        text_err
            .lines()
            .any(|l| l == "negotiated: TLSv1.2 TLS_RSA_WITH_AES_256_GCM_SHA384 -"),
        "{text_err}"
    );
    assert!(
        text_err.contains(
            "client → ClientKeyExchange: RSA key transport (encrypted pre-master secret)"
        ),
        "{text_err}"
    );
    assert!(!text_err.contains("ServerKeyExchange"), "{text_err}");
    assert!(
        rest.contains("negotiated TLSv1.2 TLS_RSA_WITH_AES_256_GCM_SHA384 -"),
        "{rest}"
    );
}

/// A unique path in the temp dir for this test process; removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("lucid-cli-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    fn read(&self) -> String {
        std::fs::read_to_string(&self.0).unwrap_or_default()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Client certificates for mutual TLS (rcgen, ECDSA P-256): a client CA and a leaf it
/// signs (`CN=test client`), and a second CA the server does not trust with its own leaf
/// (`CN=stranger`).
struct ClientPki {
    ca: TempFile,
    cert: TempFile,
    key: TempFile,
    stranger_cert: TempFile,
    stranger_key: TempFile,
}

impl ClientPki {
    fn new() -> Self {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType,
            ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
            PKCS_ECDSA_P256_SHA256,
        };
        fn ca(name: &str) -> (rcgen::Certificate, Issuer<'static, KeyPair>) {
            let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
            let mut params = CertificateParams::default();
            params.distinguished_name = DistinguishedName::new();
            params.distinguished_name.push(DnType::CommonName, name);
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            let cert = params.self_signed(&key).unwrap();
            (cert, Issuer::new(params, key))
        }
        fn leaf(name: &str, issuer: &Issuer<'static, KeyPair>) -> (String, String) {
            let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.distinguished_name = DistinguishedName::new();
            params.distinguished_name.push(DnType::CommonName, name);
            params.is_ca = IsCa::ExplicitNoCa;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            let cert = params.signed_by(&key, issuer).unwrap();
            (cert.pem(), key.serialize_pem())
        }
        let (ca_cert, issuer) = ca("lucid test client CA");
        let (_, stranger_issuer) = ca("untrusted client CA");
        let (cert, key) = leaf("test client", &issuer);
        let (stranger_cert, stranger_key) = leaf("stranger", &stranger_issuer);
        let pki = Self {
            ca: TempFile::new("client-ca.pem"),
            cert: TempFile::new("client.pem"),
            key: TempFile::new("client.key"),
            stranger_cert: TempFile::new("stranger.pem"),
            stranger_key: TempFile::new("stranger.key"),
        };
        for (file, text) in [
            (&pki.ca, ca_cert.pem()),
            (&pki.cert, cert),
            (&pki.key, key),
            (&pki.stranger_cert, stranger_cert),
            (&pki.stranger_key, stranger_key),
        ] {
            std::fs::write(&file.0, text).unwrap();
        }
        pki
    }
}

fn error_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {stderr}"))
}

#[test]
fn mutual_tls_required_in_both_versions() {
    let pki = ClientPki::new();
    let server = Server::start(&[
        "--max-clients",
        "5",
        "--client-auth",
        "required",
        "--client-ca",
        pki.ca.path(),
    ]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    for version in ["--tls1.3", "--tls1.2"] {
        let out = lucid(
            &[
                "connect",
                &target,
                "--cafile",
                &ca,
                version,
                "--cert",
                pki.cert.path(),
                "--key",
                pki.key.path(),
                "--wait-ms",
                "200",
            ],
            b"with a certificate\n",
        );
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{version}: {stderr}");
        assert_eq!(out.stdout, b"with a certificate\n");
        assert!(
            stderr.lines().any(|l| l == "client certificate: sent"),
            "{version}: {stderr}"
        );
    }

    // Without a certificate: TLS 1.3 completes the client's side of the handshake, then
    // the server's certificate_required alert arrives; TLS 1.2 fails in the handshake.
    let out = lucid(&["connect", &target, "--cafile", &ca, "--tls1.3"], b"");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == "client certificate: requested, none sent"),
        "{stderr}"
    );
    assert_eq!(
        error_line(&stderr),
        "error: peer sent fatal alert certificate_required: the server requires a client \
         certificate (give one with --cert and --key)"
    );
    let out = lucid(&["connect", &target, "--cafile", &ca, "--tls1.2"], b"");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let err = error_line(&stderr);
    assert!(
        err.starts_with("error: peer sent fatal alert handshake_failure: ")
            && err.contains("--cert and --key"),
        "{err}"
    );
    assert!(!stderr.contains("negotiated:"), "{stderr}");

    // A certificate from a CA the server does not name is not sent at all.
    let out = lucid(
        &[
            "connect",
            &target,
            "--cafile",
            &ca,
            "--tls1.3",
            "--cert",
            pki.stranger_cert.path(),
            "--key",
            pki.stranger_key.path(),
        ],
        b"",
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == "client certificate: requested, none sent"),
        "{stderr}"
    );
    assert!(
        error_line(&stderr).contains("certificate_required")
            && error_line(&stderr).contains("not issued by any certificate authority"),
        "{stderr}"
    );

    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert_eq!(
        log.matches("client identity: verified (CN=test client)")
            .count(),
        2,
        "{log}"
    );
    assert!(
        log.contains("client sent no certificate, but this server requires one (TLSv1.3)"),
        "{log}"
    );
    assert!(
        log.contains("client sent no certificate, but this server requires one (TLSv1.2)"),
        "{log}"
    );
}

#[test]
fn mutual_tls_optional_and_not_requested() {
    let pki = ClientPki::new();
    let server = Server::start(&[
        "--max-clients",
        "2",
        "--client-auth",
        "optional",
        "--client-ca",
        pki.ca.path(),
    ]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid(
        &["connect", &target, "--cafile", &ca, "--wait-ms", "200"],
        b"anonymous\n",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(out.stdout, b"anonymous\n");
    assert!(
        stderr
            .lines()
            .any(|l| l == "client certificate: requested, none sent"),
        "{stderr}"
    );
    let out = lucid(
        &[
            "connect",
            &target,
            "--cafile",
            &ca,
            "--tls1.2",
            "--cert",
            pki.cert.path(),
            "--key",
            pki.key.path(),
            "--wait-ms",
            "200",
        ],
        b"named\n",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.lines().any(|l| l == "client certificate: sent"),
        "{stderr}"
    );
    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert!(log.contains(": client identity: none\n"), "{log}");
    assert!(
        log.contains(": client identity: verified (CN=test client)\n"),
        "{log}"
    );

    // A server that does not ask: the client says so, and its certificate stays home.
    let server = Server::start(&["--max-clients", "1"]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid(
        &[
            "connect",
            &target,
            "--cafile",
            &ca,
            "--cert",
            pki.cert.path(),
            "--key",
            pki.key.path(),
            "--wait-ms",
            "100",
        ],
        b"x",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == "client certificate: not requested"),
        "{stderr}"
    );
    let (_, log) = server.finish();
    assert!(!log.contains("client identity"), "{log}");
}

#[test]
fn mutual_tls_and_trust_options_are_checked() {
    let pki = ClientPki::new();
    // --cert without --key and the reverse: clap's usage error.
    let stderr = usage_error(&["--cert", pki.cert.path()]);
    assert!(stderr.contains("--key"), "{stderr}");
    let stderr = usage_error(&["--key", pki.key.path()]);
    assert!(stderr.contains("--cert"), "{stderr}");
    let stderr = usage_error(&["--native-roots", "--cafile", pki.ca.path()]);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    // A key that does not match the certificate is a clean failure.
    let out = lucid(
        &[
            "connect",
            "127.0.0.1:1",
            "--cert",
            pki.cert.path(),
            "--key",
            pki.stranger_key.path(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).starts_with("error: "));

    for (args, expected) in [
        (
            vec!["--client-auth", "required"],
            "--client-auth required needs --client-ca PEM",
        ),
        (
            vec!["--client-auth", "optional"],
            "--client-auth optional needs --client-ca PEM",
        ),
        (
            vec!["--client-ca", pki.ca.path()],
            "--client-ca needs --client-auth optional or --client-auth required",
        ),
        (vec!["--client-auth", "sometimes"], "possible values"),
    ] {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(&args);
        let out = lucid(&all, b"");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("listening on"), "{stderr}");
    }
}

#[test]
fn native_roots_honour_ssl_cert_file() {
    let server = Server::start(&["--max-clients", "1"]);
    let target = format!("localhost:{}", server.port);
    let out = lucid_env(
        &["connect", &target, "--native-roots", "--wait-ms", "100"],
        b"os store\n",
        &[
            ("SSL_CERT_FILE", server.ca.as_os_str()),
            ("SSL_CERT_DIR", std::ffi::OsStr::new("/nonexistent-lucid")),
        ],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(out.stdout, b"os store\n");
    assert!(
        stderr.contains("note: trusting 1 certificates from the operating system's store"),
        "{stderr}"
    );
    let _ = server.finish();
}

/// A TLS client built on lucidtls itself: sends `request`, returns what the connection
/// negotiated and everything the server sent up to its close_notify.
fn https_request(
    port: u16,
    ca: &std::path::Path,
    version: lucidtls::enums::ProtocolVersion,
    request: &[u8],
) -> (lucidtls::Negotiated, Vec<u8>) {
    use lucidtls::verify::RootStore;
    use lucidtls::{ClientConfig, Connection, ServerName, Stream};
    use std::sync::Arc;
    let roots = RootStore::from_pem_file(ca).unwrap();
    let mut config = ClientConfig::with_roots(lucidtls_aws_lc::provider(), Arc::new(roots));
    config.common.versions = vec![version];
    config.common.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let name = ServerName::try_from("localhost").unwrap();
    let conn = Connection::client(Arc::new(config), name).unwrap();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut stream = Stream::new(conn, tcp);
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    // read_to_end succeeds only at a close_notify (a bare EOF is an error).
    stream
        .read_to_end(&mut answer)
        .unwrap_or_else(|e| panic!("reading the answer: {e} (got {answer:?})"));
    (stream.conn().negotiated().clone(), answer)
}

/// Splits an HTTP response into status line, headers and body; checks Content-Length.
fn split_response(answer: &[u8]) -> (String, Vec<(String, String)>, String) {
    let text = String::from_utf8(answer.to_vec()).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a blank line");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_string();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(": ").expect("header line");
            (k.to_ascii_lowercase(), v.to_string())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .expect("Content-Length")
        .1
        .parse()
        .unwrap();
    assert_eq!(length, body.len(), "Content-Length is wrong: {text}");
    (status, headers, body.to_string())
}

#[test]
fn serve_http_answers_clients_and_survives_bad_ones() {
    use lucidtls::enums::ProtocolVersion;
    let server = Server::start(&["--http", "--max-clients", "6", "--timeout-ms", "1500"]);
    let port = server.port;
    // Two clients that never speak and one that sends garbage: with a thread per client
    // they hold up nobody, and the timeout ends the silent ones.
    let silent: Vec<std::net::TcpStream> = (0..2)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let mut garbage = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    garbage
        .write_all(&[0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3])
        .unwrap();
    garbage.write_all(b"not TLS at all\r\n\r\n").unwrap();

    let started = Instant::now();
    let (negotiated, answer) = https_request(
        port,
        &server.ca,
        ProtocolVersion::Tls13,
        b"GET /status?x=<y> HTTP/1.1\r\nHost: localhost\r\nUser-Agent: cli-test\r\n\r\n",
    );
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "the good client waited for the silent ones: {:?}",
        started.elapsed()
    );
    assert_eq!(negotiated.alpn.as_deref(), Some(&b"http/1.1"[..]));
    let (status, headers, body) = split_response(&answer);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(headers.contains(&("connection".into(), "close".into())));
    assert!(headers.contains(&("content-type".into(), "text/html; charset=utf-8".into())));
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
    assert!(body.trim_end().ends_with("</html>"), "{body}");
    for shown in [
        "<td>TLSv1.3</td>",
        "<td>TLS_AES_128_GCM_SHA256</td>",
        "<td>x25519</td>",
        "<td>http/1.1</td>",
        "<td>localhost</td>",
        "<td>not requested</td>",
        "GET /status?x=&lt;y&gt; HTTP/1.1",
    ] {
        assert!(body.contains(shown), "{shown} missing: {body}");
    }

    // TLS 1.2, HEAD: the same headers, no body.
    let (_, answer) = https_request(
        port,
        &server.ca,
        ProtocolVersion::Tls12,
        b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    let text = String::from_utf8(answer).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "HEAD got a body: {text}");
    assert!(text.contains("\r\nContent-Length: "), "{text}");

    // Not GET or HEAD: 405 with Allow.
    let (_, answer) = https_request(
        port,
        &server.ca,
        ProtocolVersion::Tls13,
        b"DELETE / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    let (status, headers, _) = split_response(&answer);
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    assert!(headers.contains(&("allow".into(), "GET, HEAD".into())));

    drop(garbage);
    let (status, log) = server.finish();
    drop(silent);
    assert!(status.success(), "{log}");
    assert_eq!(
        log.matches("handshake not completed within 1500 ms")
            .count(),
        2,
        "{log}"
    );
    assert!(log.contains("\"GET /status?x=<y>\": 200, "), "{log}");
    assert!(log.contains("\"HEAD /\": 200, "), "{log}");
    assert!(log.contains("\"DELETE /\": 405"), "{log}");
    assert_eq!(log.matches("client error: ").count(), 3, "{log}");
}

#[test]
fn serve_http_answers_openssl_s_client() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("SKIPPED: openssl not installed");
        return;
    }
    let server = Server::start(&["--http", "--max-clients", "1"]);
    let mut child = Command::new("openssl")
        .args(["s_client", "-quiet", "-servername", "localhost"])
        .args(["-connect", &format!("127.0.0.1:{}", server.port)])
        .arg("-CAfile")
        .arg(&server.ca)
        .args(["-verify_return_error", "-alpn", "http/1.1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Keep stdin open: the server's close_notify must be what ends s_client.
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    let (status, headers, body) = split_response(&out.stdout);
    assert_eq!(status, "HTTP/1.1 200 OK", "{}", text(&out.stderr));
    assert!(headers.contains(&("connection".into(), "close".into())));
    assert!(body.contains("<td>TLSv1.3</td>"), "{body}");
    assert!(body.contains("<td>http/1.1</td>"), "{body}");
    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert!(log.contains("\"GET /\": 200, "), "{log}");
}

/// Checks that every line of a `--trace-json` file is one JSON object (with python3 when
/// it is installed, else structurally) and returns the lines.
fn json_lines(file: &TempFile) -> Vec<String> {
    let contents = file.read();
    let lines: Vec<String> = contents.lines().map(str::to_string).collect();
    assert!(!lines.is_empty(), "empty trace file");
    assert!(contents.ends_with('\n'));
    for line in &lines {
        assert!(
            line.starts_with("{\"event\":\"") && line.ends_with('}'),
            "not a JSON object: {line}"
        );
        for key in ["\"side\":", "\"seq\":", "\"t_us\":", "\"conn\":"] {
            assert!(line.contains(key), "{key} missing: {line}");
        }
    }
    let python = Command::new("python3")
        .arg("-c")
        .arg(
            "import json,sys\n\
             objs=[json.loads(l) for l in open(sys.argv[1])]\n\
             assert all(isinstance(o, dict) for o in objs)\n\
             keys={'event','side','seq','t_us','conn'}\n\
             assert all(keys <= o.keys() for o in objs), 'missing keys'\n\
             seqs={}\n\
             for o in objs:\n\
             \x20   k=(o['conn'], o['side']); seqs.setdefault(k, []).append((o['seq'], o['t_us']))\n\
             for v in seqs.values():\n\
             \x20   assert [s for s, _ in v] == list(range(len(v))), v\n\
             \x20   assert all(a[1] <= b[1] for a, b in zip(v, v[1:])), v\n\
             print(len(objs))",
        )
        .arg(&file.0)
        .output();
    match python {
        Ok(out) => assert!(
            out.status.success(),
            "python3 rejected {}: {}{}",
            file.path(),
            text(&out.stderr),
            contents
        ),
        Err(_) => eprintln!("python3 not found: structural JSON checks only"),
    }
    lines
}

fn event_of(line: &str) -> &str {
    line.strip_prefix("{\"event\":\"")
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
}

/// Asserts that `wanted` occur in `lines` in this order (other events may sit between).
fn assert_in_order(lines: &[String], wanted: &[&str]) {
    let events: Vec<&str> = lines.iter().map(|l| event_of(l)).collect();
    let mut next = 0;
    for event in &events {
        if wanted.get(next) == Some(event) {
            next += 1;
        }
    }
    assert_eq!(
        next,
        wanted.len(),
        "expected {wanted:?} in order, got {events:?}"
    );
}

#[test]
fn trace_json_has_every_step_and_no_secret() {
    for (version, steps) in [
        (
            "--tls1.3",
            &[
                "ClientHello",
                "ServerHello",
                "KeyExchange",
                "EncryptedExtensions",
                "Certificate",
                "CertificateVerify",
                "Finished",
                "Finished",
                "HandshakeComplete",
            ][..],
        ),
        (
            "--tls1.2",
            &[
                "ClientHello",
                "ServerHello",
                "Certificate",
                "ServerKeyExchange",
                "ServerHelloDone",
                "ClientKeyExchange",
                "MasterSecret",
                "ChangeCipherSpec",
                "Finished",
                "ChangeCipherSpec",
                "Finished",
                "HandshakeComplete",
            ][..],
        ),
    ] {
        let client_json = TempFile::new("client.jsonl");
        let server_json = TempFile::new("server.jsonl");
        let keylog = TempFile::new("keys.txt");
        let server = Server::start(&["--max-clients", "1", "--trace-json", server_json.path()]);
        let target = format!("127.0.0.1:{}", server.port);
        let ca = server.ca.to_str().unwrap().to_string();
        let out = lucid(
            &[
                "connect",
                &target,
                "--cafile",
                &ca,
                version,
                "--trace-json",
                client_json.path(),
                "--keylog",
                keylog.path(),
                "--wait-ms",
                "200",
            ],
            b"traced\n",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let (status, log) = server.finish();
        assert!(status.success(), "{log}");

        let client = json_lines(&client_json);
        let server = json_lines(&server_json);
        assert_in_order(&client, steps);
        assert_in_order(&server, steps);
        assert!(client.iter().all(|l| l.contains("\"side\":\"client\"")));
        assert!(server.iter().all(|l| l.contains("\"side\":\"server\"")));
        // The clock starts at the first event.
        for (lines, side) in [(&client, "client"), (&server, "server")] {
            let start = format!(
                "{{\"event\":\"ClientHello\",\"side\":\"{side}\",\"seq\":0,\"t_us\":0,\"conn\":0,"
            );
            assert!(lines[0].starts_with(&start), "{}", lines[0]);
        }
        let expected_version = if version == "--tls1.3" {
            "TLSv1.3"
        } else {
            "TLSv1.2"
        };
        assert!(
            client
                .iter()
                .any(|l| l.starts_with("{\"event\":\"HandshakeComplete\"")
                    && l.contains(&format!("\"version\":\"{expected_version}\""))),
            "{client:?}"
        );
        // The application data, both ways, is counted (never shown).
        assert!(client
            .iter()
            .any(|l| event_of(l) == "ApplicationData"
                && l.contains("\"from\":\"client\",\"bytes\":7")));
        assert!(!client.iter().any(|l| l.contains("traced")));

        // The key log is the same connection's (same client random) and none of its
        // secrets is in either trace.
        let keys = keylog.read();
        let entries: Vec<Vec<&str>> = keys.lines().map(|l| l.split(' ').collect()).collect();
        assert!(
            entries.len() >= if version == "--tls1.3" { 4 } else { 1 },
            "{keys}"
        );
        for entry in &entries {
            assert_eq!(entry.len(), 3, "{keys}");
            let random = format!("\"random\":\"{}\"", entry[1]);
            assert!(client[0].contains(&random), "{} vs {}", client[0], entry[1]);
            assert!(server[0].contains(&random), "{} vs {}", server[0], entry[1]);
            assert!(entry[2].len() >= 64, "{keys}");
            for line in client.iter().chain(&server) {
                assert!(
                    !line.contains(entry[2]),
                    "secret {} ({}) leaked into the trace: {line}",
                    entry[0],
                    version
                );
            }
        }
    }
}

#[test]
fn sslkeylogfile_is_honoured_without_keylog() {
    let keylog = TempFile::new("env-keys.txt");
    let server = Server::start(&["--max-clients", "1"]);
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid_env(
        &["connect", &target, "--cafile", &ca, "--wait-ms", "100"],
        b"k",
        &[("SSLKEYLOGFILE", keylog.0.as_os_str())],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("note: writing TLS secrets to $SSLKEYLOGFILE"),
        "{stderr}"
    );
    let keys = keylog.read();
    assert!(
        keys.lines()
            .any(|l| l.starts_with("CLIENT_HANDSHAKE_TRAFFIC_SECRET ")),
        "{keys}"
    );
    assert!(
        keys.lines()
            .any(|l| l.starts_with("SERVER_TRAFFIC_SECRET_0 ")),
        "{keys}"
    );
    let _ = server.finish();
}

#[test]
fn demo_writes_both_sides_to_one_trace() {
    let trace = TempFile::new("demo.jsonl");
    let out = lucid(&["demo", "--trace-json", trace.path()], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("demo complete"));
    let lines = json_lines(&trace);
    let client: Vec<String> = lines
        .iter()
        .filter(|l| l.contains("\"side\":\"client\""))
        .cloned()
        .collect();
    let server: Vec<String> = lines
        .iter()
        .filter(|l| l.contains("\"side\":\"server\""))
        .cloned()
        .collect();
    assert_eq!(client.len() + server.len(), lines.len());
    let steps = [
        "ClientHello",
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
        "Finished",
    ];
    assert_in_order(&client, &steps);
    assert_in_order(&server, &steps);
}

/// The values of `lucid connect`'s `resumed: ` lines, in order.
fn resumed_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("resumed: "))
        .collect()
}

/// `lucid connect` to `server` (trusting its CA) with `extra`, sending `input`.
fn connect_to(server: &Server, extra: &[&str], input: &[u8]) -> Output {
    let target = format!("localhost:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let mut args = vec!["connect", &target, "--cafile", &ca, "--wait-ms", "300"];
    args.extend_from_slice(extra);
    lucid(&args, input)
}

/// Where the opaque ticket sits in a saved session (the versioned format of
/// `lucidtls::session`: version, kind, u16-length server name, then for a TLS 1.3 ticket
/// the u16-length ticket, for a TLS 1.2 session a u8-length session id and then the
/// u16-length ticket).
fn ticket_range(session: &[u8]) -> std::ops::Range<usize> {
    let u16_at = |i: usize| usize::from(u16::from_be_bytes([session[i], session[i + 1]]));
    let mut at = 2;
    at += 2 + u16_at(at);
    if session[1] == 0x12 {
        at += 1 + usize::from(session[at]);
    }
    let len = u16_at(at);
    at + 2..at + 2 + len
}

#[test]
fn session_files_resume_and_bad_ones_fall_back_to_a_full_handshake() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start(&["--max-clients", "10"]);
    for version in ["--tls1.3", "--tls1.2"] {
        let session = TempFile::new("session.bin");
        // Saved (owner-only), then resumed from by a second process.
        let out = connect_to(&server, &[version, "--sess-out", session.path()], b"one\n");
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(text(&out.stdout), "one\n");
        assert_eq!(resumed_lines(&stderr), ["no"], "{stderr}");
        let kind = if version == "--tls1.3" {
            "TLS 1.3 ticket"
        } else {
            "TLS 1.2 session"
        };
        assert!(
            stderr.contains(&format!("session saved to {} ({kind})", session.path())),
            "{stderr}"
        );
        let meta = std::fs::metadata(&session.0).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let saved = std::fs::read(&session.0).unwrap();
        // The saved chain lets the resumed connection still name the server.
        let out = connect_to(&server, &[version, "--sess-in", session.path()], b"two\n");
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(text(&out.stdout), "two\n");
        assert_eq!(resumed_lines(&stderr), ["yes"], "{stderr}");
        assert!(
            stderr.contains("peer certificate: CN=localhost"),
            "{stderr}"
        );

        // A ticket changed in transit (or on disk): the server cannot open it and does a
        // full handshake.
        let mut tampered = saved.clone();
        let range = ticket_range(&saved);
        assert!(range.len() > 16, "no ticket in the saved session");
        tampered[range.start + range.len() / 2] ^= 0x40;
        let bad = TempFile::new("tampered.bin");
        std::fs::write(&bad.0, &tampered).unwrap();
        let out = connect_to(&server, &[version, "--sess-in", bad.path()], b"three\n");
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(text(&out.stdout), "three\n");
        assert_eq!(resumed_lines(&stderr), ["no"], "{stderr}");

        // A file that is not a session at all (a broken header): ignored with a warning.
        let mut garbage = saved.clone();
        garbage[0] ^= 0xff;
        std::fs::write(&bad.0, &garbage).unwrap();
        let out = connect_to(&server, &[version, "--sess-in", bad.path()], b"four\n");
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(text(&out.stdout), "four\n");
        assert!(
            stderr.contains(&format!(
                "warning: --sess-in {}: not a lucid session file",
                bad.path()
            )),
            "{stderr}"
        );
        assert_eq!(resumed_lines(&stderr), ["no"], "{stderr}");
    }
    // A session saved for another name is not offered to this one.
    let session = TempFile::new("other-name.bin");
    let out = connect_to(&server, &["--sess-out", session.path()], b"x");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let target = format!("127.0.0.1:{}", server.port);
    let ca = server.ca.to_str().unwrap().to_string();
    let out = lucid(
        &[
            "connect",
            &target,
            "--cafile",
            &ca,
            "--wait-ms",
            "100",
            "--sess-in",
            session.path(),
        ],
        b"y",
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("the session is for \"localhost\", not \"127.0.0.1\""),
        "{stderr}"
    );
    assert_eq!(resumed_lines(&stderr), ["no"], "{stderr}");
    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert_eq!(log.matches(": resumed: yes").count(), 2, "{log}");
}

/// Server options, client version, the `resumed:` lines expected, and the mechanism the
/// trace should name for each resumption.
type ReconnectCase = (
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
);

#[test]
fn reconnect_resumes_by_ticket_session_id_and_psk() {
    let cases: [ReconnectCase; 4] = [
        (&[], "--tls1.2", &["no", "yes", "yes"], Some("ticket")),
        (
            &["--no-tickets"],
            "--tls1.2",
            &["no", "yes", "yes"],
            Some("session_id"),
        ),
        (&[], "--tls1.3", &["no", "yes", "yes"], Some("psk")),
        // TLS 1.3 resumes only with tickets.
        (&["--no-tickets"], "--tls1.3", &["no", "no", "no"], None),
    ];
    for (server_args, version, expected, mechanism) in cases {
        let mut args = vec!["--max-clients", "3"];
        args.extend_from_slice(server_args);
        let server = Server::start(&args);
        let trace = TempFile::new("reconnect.jsonl");
        let started = Instant::now();
        let out = connect_to(
            &server,
            &[version, "--reconnect", "2", "--trace-json", trace.path()],
            b"again\n",
        );
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(text(&out.stdout), "again\n", "{stderr}");
        assert_eq!(
            resumed_lines(&stderr),
            expected,
            "{server_args:?} {version}: {stderr}"
        );
        assert!(stderr.contains("reconnecting (2 of 2)"), "{stderr}");
        // The wait for TLS 1.3 tickets that never come is bounded by --wait-ms.
        assert!(started.elapsed() < Duration::from_secs(5), "{stderr}");
        let accepted: Vec<String> = json_lines(&trace)
            .into_iter()
            .filter(|l| l.contains("\"event\":\"Resumption\"") && l.contains("\"accepted\":true"))
            .collect();
        match mechanism {
            Some(m) => {
                assert_eq!(accepted.len(), 2, "{accepted:?}");
                let wanted = format!("\"mechanism\":\"{m}\"");
                assert!(accepted.iter().all(|l| l.contains(&wanted)), "{accepted:?}");
            }
            None => assert!(accepted.is_empty(), "{accepted:?}"),
        }
        let (status, log) = server.finish();
        assert!(status.success(), "{log}");
        let resumed = expected.iter().filter(|r| **r == "yes").count();
        assert_eq!(log.matches(": resumed: yes").count(), resumed, "{log}");
        assert!(log.contains("6 bytes echoed"), "{log}");
    }
}

/// Runs `lucid connect` with `client_args` and `input` against a fresh one-client
/// `lucid serve` with `server_args`; checks that it succeeds, echoes exactly `echoed`
/// and says each of `said` on stderr. Returns the server (to finish) and that stderr.
fn connect_once(
    server_args: &[&str],
    client_args: &[&str],
    input: &[u8],
    echoed: &str,
    said: &[&str],
) -> (Server, String) {
    let mut args = vec!["--max-clients", "1"];
    args.extend_from_slice(server_args);
    let server = Server::start(&args);
    let out = connect_to(&server, client_args, input);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(text(&out.stdout), echoed, "{stderr}");
    for line in said {
        assert!(stderr.contains(line), "{stderr}");
    }
    (server, stderr)
}

#[test]
fn stdin_r_renegotiates_when_allowed_and_is_data_otherwise() {
    // Both sides allow it: two renegotiations, the data around them echoed exactly.
    let (server, _) = connect_once(
        &["--allow-renegotiation"],
        &["--tls1.2", "--allow-renegotiation"],
        b"one\nR\ntwo\nR\nthree\n",
        "one\ntwo\nthree\n",
        &["renegotiated: yes (1)", "renegotiated: yes (2)"],
    );
    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert!(log.contains(": renegotiated: yes (2)"), "{log}");
    assert!(log.contains("closed, 14 bytes echoed"), "{log}");

    // The server does not allow it: declined with no_renegotiation, the connection goes on.
    let (server, _) = connect_once(
        &[],
        &["--tls1.2", "--allow-renegotiation"],
        b"one\nR\ntwo\n",
        "one\ntwo\n",
        &["renegotiated: no (declined by the server)"],
    );
    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert!(!log.contains("renegotiated"), "{log}");

    // TLS 1.3 has no renegotiation: said so, and the connection goes on.
    connect_once(
        &["--allow-renegotiation"],
        &["--tls1.3", "--allow-renegotiation"],
        b"one\nR\ntwo\n",
        "one\ntwo\n",
        &["renegotiation not started: cannot renegotiate"],
    );

    // Without --allow-renegotiation a line `R` is data like any other.
    let (_server, stderr) = connect_once(
        &["--allow-renegotiation"],
        &["--tls1.2"],
        b"one\nR\ntwo\n",
        "one\nR\ntwo\n",
        &[],
    );
    assert!(!stderr.contains("renegotiat"), "{stderr}");
}
