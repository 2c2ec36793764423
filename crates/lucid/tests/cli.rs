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
        &[
            "connect",
            "127.0.0.1:1",
            "--cipher",
            "TLS_RSA_WITH_RC4_128_SHA",
        ],
        b"",
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TLS_AES_128_GCM_SHA256"), "{stderr}");

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
