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

use std::time::{Duration, Instant};

use interop::lucid::{lucid_connect_base, lucid_serve_peer};
use interop::peers::{gnutls_cli_with, openssl_s_client_base, openssl_s_server_base};
use interop::process::READY_TIMEOUT as STEP;
use interop::{ensure, pki, tools, Leaf, Peer, Ready};

fn both(a: &Peer, b: &Peer) -> String {
    format!("{}\n{}", a.describe(), b.describe())
}

/// Waits until `peer` has printed `text`; a failure also shows `other`'s output.
fn expect_seen(peer: &Peer, text: &str, other: &Peer) -> Result<(), String> {
    peer.expect_output(text)
        .map_err(|e| format!("{e}\n{}", other.describe()))
}

/// `from` types `text`, and `to` (its peer) prints it.
fn pass(from: &mut Peer, to: &Peer, text: &str) -> Result<(), String> {
    from.send(text)?;
    expect_seen(to, text, from)
}

/// `lucid serve --tls1.2` (plus `args`) with the ECDSA leaf.
fn lucid_server(args: &[&str]) -> Peer {
    let files = pki().leaf(Leaf::ServerEc);
    let args: Vec<&str> = std::iter::once("--tls1.2")
        .chain(args.iter().copied())
        .collect();
    lucid_serve_peer(&files.cert, &files.key, &args)
}

/// `openssl s_server -tls1_2` (plus `args`) in its default mode: what the client sends goes
/// to its stdout, its stdin goes to the client, and stdin lines `r` / `R` renegotiate.
fn openssl_server(args: &[&str]) -> Peer {
    let files = pki().leaf(Leaf::ServerEc);
    Peer::spawn(
        "openssl s_server",
        |port| {
            let mut command = openssl_s_server_base(port, &files.cert, &files.key);
            command.arg("-tls1_2").args(args);
            command
        },
        Ready::ListeningAndPrinted("ACCEPT".into()),
    )
}

/// `openssl s_client -tls1_2 -quiet -no_ign_eof`: only data on stdout, and a stdin line `R`
/// renegotiates.
fn openssl_client(port: u16) -> Peer {
    let mut command = openssl_s_client_base(port, &pki().ca_cert());
    command.args(["-tls1_2", "-quiet", "-no_ign_eof"]);
    Peer::spawn_client("openssl s_client", &mut command)
}

/// `lucid connect --tls1.2` to `port` plus `args`.
fn lucid_client(port: u16, args: &[&str]) -> Peer {
    let mut command = lucid_connect_base(port, &pki().ca_cert());
    command.args(["--tls1.2", "--wait-ms", "200"]).args(args);
    Peer::spawn_client("lucid connect", &mut command)
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
    let mut client = openssl_client(server.port());
    let ctx = |c: &Peer| both(c, &server);
    let mut expected = String::new();
    let mut step = |client: &mut Peer, line: &str| -> Result<(), String> {
        client.send(line)?;
        expected.push_str(line);
        let wanted = expected.clone();
        let deadline = Instant::now() + STEP;
        while client.stdout_text() != wanted {
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
        client.expect_output_count("RENEGOTIATING", n)?;
        // Typed while the renegotiation runs (s_client sends it once it has finished).
        step(&mut client, &format!("during renegotiation {n}\n"))?;
        expect_seen(&server, &format!("renegotiated: yes ({n})"), &client)?;
        step(&mut client, &format!("after renegotiation {n}\n"))?;
    }
    client.close_stdin();
    let status = client.wait_exit()?;
    ensure(status.success(), || {
        format!("s_client failed\n{}", ctx(&client))
    })?;
    let sent = client.stdout_text().len();
    expect_seen(&server, &format!("closed, {sent} bytes echoed"), &client)?;
    ensure(!server.stderr_text().contains("client error"), || {
        format!("lucid logged an error\n{}", ctx(&client))
    })
}

#[test]
fn lucid_server_stdin_renegotiates_every_open_connection() -> Result<(), String> {
    if !require_openssl("lucid_server_stdin_renegotiates_every_open_connection") {
        return Ok(());
    }
    let mut server = lucid_server(&["--allow-renegotiation"]);
    let mut clients = [openssl_client(server.port()), openssl_client(server.port())];
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(&format!("client {i} before\n"))?;
        client.expect_output(&format!("client {i} before\n"))?;
    }
    // One line `R` on lucid serve's stdin: a HelloRequest on each connection.
    server.send("R\n")?;
    server.expect_output("renegotiation requested on 2 open connection(s)")?;
    server.expect_output_count("HelloRequest sent", 2)?;
    // Sent while lucid's renegotiations run: echoed once they are done.
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(&format!("client {i} during\n"))?;
    }
    server.expect_output_count("renegotiated: yes (1)", 2)?;
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(&format!("client {i} after\n"))?;
        client.expect_output(&format!("client {i} after\n"))?;
        client.close_stdin();
        let status = client.wait_exit()?;
        let wanted = format!("client {i} before\nclient {i} during\nclient {i} after\n");
        ensure(status.success() && client.stdout_text() == wanted, || {
            format!("expected exactly {wanted:?}\n{}", both(client, &server))
        })?;
    }
    ensure(!server.stderr_text().contains("client error"), || {
        format!("lucid logged an error\n{}", server.describe())
    })
}

#[test]
fn lucid_client_renegotiates_with_openssl_server() -> Result<(), String> {
    if !require_openssl("lucid_client_renegotiates_with_openssl_server") {
        return Ok(());
    }
    let mut server = openssl_server(&["-client_renegotiation"]);
    let mut client = lucid_client(server.port(), &["--allow-renegotiation"]);
    let ctx = |c: &Peer, s: &Peer| both(c, s);
    client.expect_output("negotiated: TLSv1.2")?;

    // Data both ways before.
    pass(&mut client, &server, "before\n")?;
    pass(&mut server, &client, "pong before\n")?;

    // 1. lucid asks (a line `R`); what is typed right after goes out under the new keys.
    client.send("R\nduring ours\n")?;
    client.expect_output("renegotiated: yes (1)")?;
    expect_seen(&server, "during ours\n", &client)?;

    // 2. s_server asks (HelloRequest) and sends data at once: it reaches lucid in the middle
    // of the renegotiation.
    server.send("r\n")?;
    server.expect_output("SSL_do_handshake -> 1")?;
    server.send("pong during theirs\n")?;
    client.expect_output("renegotiated: yes (2)")?;
    client.expect_output("pong during theirs\n")?;

    // 3. s_server asks for a client certificate; lucid has none and sends an empty one.
    server.send("R\n")?;
    server.expect_output_count("SSL_do_handshake -> 1", 2)?;
    client.expect_output("renegotiated: yes (3)")?;

    // Data both ways after.
    pass(&mut client, &server, "after\n")?;
    pass(&mut server, &client, "pong after\n")?;
    client.close_stdin();
    let status = client.wait_exit()?;
    ensure(status.success(), || {
        format!("lucid connect failed\n{}", ctx(&client, &server))
    })?;
    ensure(
        client.stdout_text() == "pong before\npong during theirs\npong after\n",
        || format!("lucid's output differs\n{}", ctx(&client, &server)),
    )?;
    ensure(
        in_order(
            &server.stdout_text(),
            &["before\n", "during ours\n", "after\n"],
        ),
        || format!("s_server's output differs\n{}", ctx(&client, &server)),
    )?;
    ensure(!server.output_text().contains("ERROR"), || {
        format!("s_server reported an error\n{}", ctx(&client, &server))
    })
}

#[test]
fn lucid_client_without_the_option_refuses_the_server() -> Result<(), String> {
    if !require_openssl("lucid_client_without_the_option_refuses_the_server") {
        return Ok(());
    }
    let mut server = openssl_server(&[]);
    let mut client = lucid_client(server.port(), &[]);
    client.expect_output("negotiated: TLSv1.2")?;
    pass(&mut client, &server, "before\n")?;
    server.send("r\n")?;
    // OpenSSL treats the refusal of a renegotiation it asked for as fatal.
    expect_seen(&server, "no renegotiation", &client)?;
    let status = client.wait_exit()?;
    let stderr = client.stderr_text();
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
    let mut client = openssl_client(server.port());
    client.send("before\n")?;
    client.expect_output("before\n")?;
    client.send("R\n")?;
    let status = client.wait_exit()?;
    ensure(
        !status.success() && client.stderr_text().contains("no renegotiation"),
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
        let mut gnutls = gnutls_cli_with(
            server.port(),
            &["--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2", "-e"],
        );
        let mut gnutls = Peer::spawn_client("gnutls-cli", &mut gnutls);
        gnutls.expect_output("ReHandshake has failed")?;
        ensure(
            gnutls
                .output_text()
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
    let mut second = openssl_client(server.port());
    second.send("second client\n")?;
    second.expect_output("second client\n")?;
    second.close_stdin();
    ensure(second.wait_exit()?.success(), || {
        format!("the second client failed\n{}", both(&second, &server))
    })?;
    ensure(!server.stderr_text().contains("renegotiated: yes"), || {
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
    let mut client = lucid_client(server.port(), &["--allow-renegotiation"]);
    client.expect_output("negotiated: TLSv1.2")?;
    pass(&mut client, &server, "before\n")?;
    client.send("R\n")?;
    client.expect_output("renegotiated: no (declined by the server)")?;
    pass(&mut client, &server, "after\n")?;
    pass(&mut server, &client, "pong after\n")?;
    client.close_stdin();
    let status = client.wait_exit()?;
    ensure(
        status.success() && client.stdout_text() == "pong after\n",
        || format!("the connection should go on\n{}", both(&client, &server)),
    )?;
    ensure(
        in_order(&server.stdout_text(), &["before\n", "after\n"]),
        || format!("s_server's output differs\n{}", both(&client, &server)),
    )
}
