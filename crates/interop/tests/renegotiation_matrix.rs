//! TLS 1.2 renegotiation (RFC 5746 secure renegotiation) with OpenSSL, both ways, driven step by
//! step through the programs' stdin, with data before, during and after each renegotiation
//! compared byte for byte:
//!
//! - `openssl s_client` typing `R` against `lucid serve --allow-renegotiation` (twice): lucid
//!   logs `renegotiated: yes (1)`, `(2)`, and the echo is exact;
//! - a line `R` on `lucid serve --allow-renegotiation`'s stdin: a HelloRequest on every open
//!   connection (two `s_client`s), each renegotiates, and data typed meanwhile is echoed exactly;
//! - `lucid connect --allow-renegotiation` typing `R` against `openssl s_server
//!   -client_renegotiation`, then s_server's own `r` (HelloRequest; s_server sends data right
//!   after it, which reaches lucid in the middle of the renegotiation) and `R` (HelloRequest
//!   asking for a client certificate, which lucid does not have: it answers with an empty
//!   Certificate and s_server, which does not insist, goes on); lucid prints `renegotiated: yes
//!   (1)`..`(3)`, and both directions carry exactly the bytes sent;
//! - refusals: `lucid connect` without `--allow-renegotiation` answers s_server's HelloRequest
//!   with a no_renegotiation warning, and `lucid serve` without it answers s_client's new
//!   ClientHello the same way; OpenSSL then gives up on the connection ("no renegotiation": its
//!   own rule for a renegotiation it asked for and did not get), gnutls-cli -e sees the warning,
//!   retries and gives up; lucid serve goes on serving. The other way round the connection stays
//!   usable: `openssl s_server` without `-client_renegotiation` declines lucid's request, lucid
//!   prints `renegotiated: no (declined by the server)`, and data flows on.
//!
//! ```text
//! cargo build --release -p lucid && cargo nextest run --release -p interop --test renegotiation_matrix
//! ```

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use interop::lucid::lucid_bin;
use interop::net::{free_port, listening};
use interop::process::{command_line, tail};
use interop::{ensure, pki, tools, Leaf};

/// How long one step may take.
const STEP: Duration = Duration::from_secs(10);

type Shared = Arc<Mutex<Vec<u8>>>;

fn capture(mut reader: impl Read + Send + 'static) -> Shared {
    let buffer: Shared = Arc::default();
    let sink = Arc::clone(&buffer);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => sink
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
    });
    buffer
}

fn text_of(buffer: &Shared) -> String {
    String::from_utf8_lossy(&buffer.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

/// A program driven through its stdin, step by step; killed (by PID) when dropped.
struct Driven {
    name: String,
    command: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Shared,
    stderr: Shared,
    port: u16,
}

impl Driven {
    fn spawn(name: &str, command: &mut Command) -> Driven {
        let line = command_line(command);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({line}): {e}"));
        let stdin = child.stdin.take();
        let stdout = capture(child.stdout.take().expect("piped"));
        let stderr = capture(child.stderr.take().expect("piped"));
        Driven {
            name: name.to_string(),
            command: line,
            child,
            stdin,
            stdout,
            stderr,
            port: 0,
        }
    }

    /// Starts a server made by `make(port)` on a free port and waits until it listens and
    /// has printed `ready`.
    fn server(name: &str, ready: &str, make: impl Fn(u16) -> Command) -> Driven {
        let port = free_port();
        let mut server = Driven::spawn(name, &mut make(port));
        server.port = port;
        let deadline = Instant::now() + STEP;
        while !(listening(server.child.id(), port) && server.output().contains(ready)) {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("{name} exited with {status}\n{}", server.describe());
            }
            assert!(
                Instant::now() < deadline,
                "{name} not ready\n{}",
                server.describe()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        server
    }

    fn send(&mut self, bytes: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("stdin already closed")?;
        stdin
            .write_all(bytes.as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("writing to {}: {e}\n{}", self.name, self.describe()))
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    fn stdout(&self) -> String {
        text_of(&self.stdout)
    }

    fn stderr(&self) -> String {
        text_of(&self.stderr)
    }

    fn output(&self) -> String {
        format!("{}\n{}", self.stdout(), self.stderr())
    }

    /// Waits until stdout or stderr contains `needle` `count` times.
    fn wait_for_n(&self, needle: &str, count: usize) -> Result<(), String> {
        let deadline = Instant::now() + STEP;
        while self.output().matches(needle).count() < count {
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not print {needle:?} ({count}x)\n{}",
                    self.name,
                    self.describe()
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    fn wait_for(&self, needle: &str) -> Result<(), String> {
        self.wait_for_n(needle, 1)
    }

    fn wait_exit(&mut self) -> Result<ExitStatus, String> {
        let deadline = Instant::now() + STEP;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the capture threads take the last output.
                std::thread::sleep(Duration::from_millis(20));
                return Ok(status);
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not exit\n{}", self.name, self.describe()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn describe(&self) -> String {
        format!(
            "{}: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.name,
            self.command,
            tail(&self.stdout(), 3000),
            tail(&self.stderr(), 3000)
        )
    }
}

impl Drop for Driven {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn both(a: &Driven, b: &Driven) -> String {
    format!("{}\n{}", a.describe(), b.describe())
}

/// `lucid serve --tls1.2` (plus `args`) with the ECDSA leaf.
fn lucid_server(args: &[&str]) -> Driven {
    let files = pki().leaf(Leaf::ServerEc);
    Driven::server("lucid serve", "listening on", |port| {
        let mut command = Command::new(lucid_bin());
        command
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--cert")
            .arg(&files.cert)
            .arg("--key")
            .arg(&files.key)
            .arg("--tls1.2")
            .args(args);
        command
    })
}

/// `openssl s_server -tls1_2` (plus `args`) in its default mode: what the client sends goes
/// to its stdout, its stdin goes to the client, and stdin lines `r` / `R` renegotiate.
fn openssl_server(args: &[&str]) -> Driven {
    let files = pki().leaf(Leaf::ServerEc);
    Driven::server("openssl s_server", "ACCEPT", |port| {
        let mut command = Command::new("openssl");
        command
            .arg("s_server")
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&files.cert)
            .arg("-key")
            .arg(&files.key)
            .arg("-tls1_2")
            .args(args);
        command
    })
}

/// `openssl s_client -tls1_2 -quiet -no_ign_eof`: only data on stdout, and a stdin line `R`
/// renegotiates.
fn openssl_client(port: u16) -> Driven {
    let mut command = Command::new("openssl");
    command
        .arg("s_client")
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .args(["-servername", "localhost", "-verify_hostname", "localhost"])
        .arg("-CAfile")
        .arg(pki().ca_cert())
        .args(["-verify_return_error", "-tls1_2", "-quiet", "-no_ign_eof"]);
    Driven::spawn("openssl s_client", &mut command)
}

/// `lucid connect --tls1.2` to `port` plus `args`.
fn lucid_client(port: u16, args: &[&str]) -> Driven {
    let mut command = Command::new(lucid_bin());
    command
        .arg("connect")
        .arg(format!("127.0.0.1:{port}"))
        .args(["--servername", "localhost", "--tls1.2", "--wait-ms", "200"])
        .arg("--cafile")
        .arg(pki().ca_cert())
        .args(args);
    Driven::spawn("lucid connect", &mut command)
}

/// Checks that `text` holds `parts` in this order, each exactly.
fn in_order(text: &str, parts: &[&str]) -> bool {
    let mut rest = text;
    parts.iter().all(|part| match rest.find(part) {
        Some(at) => {
            rest = &rest[at + part.len()..];
            true
        }
        None => false,
    })
}

fn require_openssl(test: &str) -> bool {
    tools::require(&["openssl"], test)
}

#[test]
fn openssl_client_renegotiates_with_lucid_server() -> Result<(), String> {
    if !require_openssl("openssl_client_renegotiates_with_lucid_server") {
        return Ok(());
    }
    let server = lucid_server(&["--allow-renegotiation"]);
    let mut client = openssl_client(server.port);
    let ctx = |c: &Driven| both(c, &server);
    let mut expected = String::new();
    let mut step = |client: &mut Driven, line: &str| -> Result<(), String> {
        client.send(line)?;
        expected.push_str(line);
        let wanted = expected.clone();
        let deadline = Instant::now() + STEP;
        while client.stdout() != wanted {
            ensure(Instant::now() < deadline, || {
                format!("expected the echo {wanted:?}\n{}", ctx(client))
            })?;
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    };
    step(&mut client, "before the first renegotiation\n")?;
    for n in 1..=2 {
        // s_client takes a line `R` only when it is the whole read, so each goes alone.
        client.send("R\n")?;
        client.wait_for_n("RENEGOTIATING", n)?;
        // Typed while the renegotiation runs (s_client sends it once it has finished).
        step(&mut client, &format!("during renegotiation {n}\n"))?;
        server
            .wait_for(&format!("renegotiated: yes ({n})"))
            .map_err(|e| format!("{e}\n{}", client.describe()))?;
        step(&mut client, &format!("after renegotiation {n}\n"))?;
    }
    client.close_stdin();
    let status = client.wait_exit()?;
    ensure(status.success(), || {
        format!("s_client failed\n{}", ctx(&client))
    })?;
    let sent = client.stdout().len();
    server
        .wait_for(&format!("closed, {sent} bytes echoed"))
        .map_err(|e| format!("{e}\n{}", client.describe()))?;
    ensure(!server.stderr().contains("client error"), || {
        format!("lucid logged an error\n{}", ctx(&client))
    })
}

#[test]
fn lucid_server_stdin_renegotiates_every_open_connection() -> Result<(), String> {
    if !require_openssl("lucid_server_stdin_renegotiates_every_open_connection") {
        return Ok(());
    }
    let mut server = lucid_server(&["--allow-renegotiation"]);
    let mut clients = [openssl_client(server.port), openssl_client(server.port)];
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(&format!("client {i} before\n"))?;
        client.wait_for(&format!("client {i} before\n"))?;
    }
    // One line `R` on lucid serve's stdin: a HelloRequest on each connection.
    server.send("R\n")?;
    server.wait_for("renegotiation requested on 2 open connection(s)")?;
    server.wait_for_n("HelloRequest sent", 2)?;
    // Sent while lucid's renegotiations run: echoed once they are done.
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(&format!("client {i} during\n"))?;
    }
    server.wait_for_n("renegotiated: yes (1)", 2)?;
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(&format!("client {i} after\n"))?;
        client.wait_for(&format!("client {i} after\n"))?;
        client.close_stdin();
        let status = client.wait_exit()?;
        let wanted = format!("client {i} before\nclient {i} during\nclient {i} after\n");
        ensure(status.success() && client.stdout() == wanted, || {
            format!("expected exactly {wanted:?}\n{}", both(client, &server))
        })?;
    }
    ensure(!server.stderr().contains("client error"), || {
        format!("lucid logged an error\n{}", server.describe())
    })
}

#[test]
fn lucid_client_renegotiates_with_openssl_server() -> Result<(), String> {
    if !require_openssl("lucid_client_renegotiates_with_openssl_server") {
        return Ok(());
    }
    let mut server = openssl_server(&["-client_renegotiation"]);
    let mut client = lucid_client(server.port, &["--allow-renegotiation"]);
    let ctx = |c: &Driven, s: &Driven| both(c, s);
    client.wait_for("negotiated: TLSv1.2")?;

    // Data both ways before.
    client.send("before\n")?;
    server
        .wait_for("before\n")
        .map_err(|e| format!("{e}\n{}", client.describe()))?;
    server.send("pong before\n")?;
    client.wait_for("pong before\n")?;

    // 1. lucid asks (a line `R`); what is typed right after goes out under the new keys.
    client.send("R\nduring ours\n")?;
    client.wait_for("renegotiated: yes (1)")?;
    server
        .wait_for("during ours\n")
        .map_err(|e| format!("{e}\n{}", client.describe()))?;

    // 2. s_server asks (HelloRequest) and sends data at once: it reaches lucid in the middle
    // of the renegotiation.
    server.send("r\n")?;
    server.wait_for("SSL_do_handshake -> 1")?;
    server.send("pong during theirs\n")?;
    client.wait_for("renegotiated: yes (2)")?;
    client.wait_for("pong during theirs\n")?;

    // 3. s_server asks for a client certificate; lucid has none and sends an empty one.
    server.send("R\n")?;
    server.wait_for_n("SSL_do_handshake -> 1", 2)?;
    client.wait_for("renegotiated: yes (3)")?;

    // Data both ways after.
    client.send("after\n")?;
    server
        .wait_for("after\n")
        .map_err(|e| format!("{e}\n{}", client.describe()))?;
    server.send("pong after\n")?;
    client.wait_for("pong after\n")?;
    client.close_stdin();
    let status = client.wait_exit()?;
    ensure(status.success(), || {
        format!("lucid connect failed\n{}", ctx(&client, &server))
    })?;
    ensure(
        client.stdout() == "pong before\npong during theirs\npong after\n",
        || format!("lucid's output differs\n{}", ctx(&client, &server)),
    )?;
    ensure(
        in_order(&server.stdout(), &["before\n", "during ours\n", "after\n"]),
        || format!("s_server's output differs\n{}", ctx(&client, &server)),
    )?;
    ensure(!server.output().contains("ERROR"), || {
        format!("s_server reported an error\n{}", ctx(&client, &server))
    })
}

#[test]
fn lucid_client_without_the_option_refuses_the_server() -> Result<(), String> {
    if !require_openssl("lucid_client_without_the_option_refuses_the_server") {
        return Ok(());
    }
    let mut server = openssl_server(&[]);
    let mut client = lucid_client(server.port, &[]);
    client.wait_for("negotiated: TLSv1.2")?;
    client.send("before\n")?;
    server
        .wait_for("before\n")
        .map_err(|e| format!("{e}\n{}", client.describe()))?;
    server.send("r\n")?;
    // OpenSSL treats the refusal of a renegotiation it asked for as fatal.
    server
        .wait_for("no renegotiation")
        .map_err(|e| format!("{e}\n{}", client.describe()))?;
    let status = client.wait_exit()?;
    let stderr = client.stderr();
    ensure(!stderr.contains("renegotiated: yes"), || {
        format!(
            "lucid renegotiated without --allow-renegotiation\n{}",
            both(&client, &server)
        )
    })?;
    // lucid's error names what the server did about the refusal.
    ensure(
        !status.success() && stderr.contains("error: peer sent fatal alert handshake_failure"),
        || {
            format!(
                "lucid should report the server's alert\n{}",
                both(&client, &server)
            )
        },
    )
}

#[test]
fn lucid_server_without_the_option_refuses_and_keeps_serving() -> Result<(), String> {
    if !require_openssl("lucid_server_without_the_option_refuses_and_keeps_serving") {
        return Ok(());
    }
    let server = lucid_server(&[]);
    let mut client = openssl_client(server.port);
    client.send("before\n")?;
    client.wait_for("before\n")?;
    client.send("R\n")?;
    let status = client.wait_exit()?;
    ensure(
        !status.success() && client.stderr().contains("no renegotiation"),
        || {
            format!(
                "s_client should give up with `no renegotiation`\n{}",
                both(&client, &server)
            )
        },
    )?;
    if tools::require(&["gnutls-cli"], "renegotiation refusal with gnutls-cli") {
        // GnuTLS sees each refusal as the warning it is, but gnutls-cli -e tries again
        // until GnuTLS gives up (after 16 warnings): lucid refuses every attempt.
        let mut gnutls = Command::new("gnutls-cli");
        gnutls
            .arg("--x509cafile")
            .arg(pki().ca_cert())
            .arg("--port")
            .arg(server.port.to_string())
            .arg("--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2")
            .arg("-e")
            .arg("localhost");
        let mut gnutls = Driven::spawn("gnutls-cli", &mut gnutls);
        gnutls.wait_for("ReHandshake has failed")?;
        ensure(
            gnutls
                .output()
                .contains("Received alert [100]: No renegotiation is allowed"),
            || {
                format!(
                    "gnutls-cli should see no_renegotiation\n{}",
                    both(&gnutls, &server)
                )
            },
        )?;
        gnutls.close_stdin();
        gnutls.wait_exit()?;
    }
    // The server goes on: another client is served.
    let mut second = openssl_client(server.port);
    second.send("second client\n")?;
    second.wait_for("second client\n")?;
    second.close_stdin();
    ensure(second.wait_exit()?.success(), || {
        format!("the second client failed\n{}", both(&second, &server))
    })?;
    ensure(!server.stderr().contains("renegotiated: yes"), || {
        format!(
            "lucid renegotiated without --allow-renegotiation\n{}",
            server.describe()
        )
    })
}

#[test]
fn openssl_server_declines_and_the_connection_stays_usable() -> Result<(), String> {
    if !require_openssl("openssl_server_declines_and_the_connection_stays_usable") {
        return Ok(());
    }
    // OpenSSL 3.0's s_server refuses client-initiated renegotiation by default.
    let mut server = openssl_server(&[]);
    let mut client = lucid_client(server.port, &["--allow-renegotiation"]);
    client.wait_for("negotiated: TLSv1.2")?;
    client.send("before\n")?;
    server
        .wait_for("before\n")
        .map_err(|e| format!("{e}\n{}", client.describe()))?;
    client.send("R\n")?;
    client.wait_for("renegotiated: no (declined by the server)")?;
    client.send("after\n")?;
    server
        .wait_for("after\n")
        .map_err(|e| format!("{e}\n{}", client.describe()))?;
    server.send("pong after\n")?;
    client.wait_for("pong after\n")?;
    client.close_stdin();
    let status = client.wait_exit()?;
    ensure(
        status.success() && client.stdout() == "pong after\n",
        || format!("the connection should go on\n{}", both(&client, &server)),
    )?;
    ensure(in_order(&server.stdout(), &["before\n", "after\n"]), || {
        format!("s_server's output differs\n{}", both(&client, &server))
    })
}
