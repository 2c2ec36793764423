//! End-to-end tests of the `lucid` binary: demo, serve + connect, and failures.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const LUCID: &str = env!("CARGO_BIN_EXE_lucid");

/// A running `lucid serve`, killed on drop if it has not exited.
struct Server {
    child: Child,
    port: u16,
    ca: PathBuf,
    stderr: Option<BufReader<ChildStderr>>,
    head: String,
}

impl Server {
    fn start(extra: &[&str]) -> Self {
        let mut child = Command::new(LUCID)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lucid serve");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut head = String::new();
        let (mut port, mut ca) = (None, None);
        while port.is_none() {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                let _ = child.kill();
                panic!("lucid serve exited early: {head}");
            }
            head.push_str(&line);
            if let Some(path) = line.trim().strip_prefix("CA certificate written to ") {
                ca = Some(PathBuf::from(path));
            }
            if let Some(addr) = line.trim().strip_prefix("listening on ") {
                port = Some(addr.rsplit_once(':').unwrap().1.parse().unwrap());
            }
        }
        Self {
            child,
            port: port.unwrap(),
            ca: ca.expect("CA path printed before 'listening on'"),
            stderr: Some(stderr),
            head,
        }
    }

    /// Waits (bounded) for the server to exit; returns its status and the rest of stderr.
    fn finish(mut self) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "lucid serve did not exit");
            thread::sleep(Duration::from_millis(20));
        };
        let mut rest = std::mem::take(&mut self.head);
        self.stderr
            .take()
            .unwrap()
            .read_to_string(&mut rest)
            .unwrap();
        (status, rest)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.ca);
    }
}

/// Runs `lucid` with `args`, feeding `input` on stdin.
fn lucid(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(LUCID)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lucid");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Feed stdin from a thread: the output pipes must be drained at the same time.
    let feeder = thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

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
