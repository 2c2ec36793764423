//! The mutual-TLS interop matrix: client certificates in TLS 1.3 and TLS 1.2, in both
//! directions, with OpenSSL and GnuTLS.
//!
//! lucid as the server (`lucid serve --client-auth required|optional --client-ca ca.pem`),
//! with `openssl s_client -cert/-key` and `gnutls-cli --x509certfile/--x509keyfile` as clients:
//! - a client certificate from the test CA is verified (lucid logs `client identity: verified
//!   (CN=test client)`) and data flows;
//! - required mode, no certificate: the peer client reports the alert lucid sent —
//!   certificate_required (116) in TLS 1.3, handshake_failure (40) in TLS 1.2;
//! - a certificate from an unknown CA (`Leaf::UntrustedClient`): unknown_ca (48), in required
//!   and in optional mode (a certificate that is sent must verify);
//! - optional mode, no certificate: the connection works (`client identity: none`).
//!
//! lucid as the client (`lucid connect --cert client.pem --key client.key`), with
//! `openssl s_server -Verify 1 -CAfile ca.pem` and `gnutls-serv --require-client-cert
//! --verify-client-cert --x509cafile ca.pem` as servers:
//! - with the test CA's client certificate the server verifies it (`Verification: OK`, `The
//!   certificate is trusted`) and data flows; lucid prints `client certificate: sent`;
//! - without one, the server refuses: OpenSSL with certificate_required (TLS 1.3) /
//!   handshake_failure (TLS 1.2); GnuTLS with certificate_required (TLS 1.3) / decode_error
//!   (TLS 1.2 — GnuTLS's own choice, it sends the same to OpenSSL and GnuTLS clients);
//! - with a certificate from the untrusted CA, lucid sends none (both servers name their
//!   acceptable CAs and the issuer does not match), prints `client certificate: requested,
//!   none sent`, and the server refuses as above; lucid's error says why.
//!
//! ```text
//! cargo build --release -p lucid && cargo test --release -p interop --test mtls_matrix
//! ```

use std::ffi::OsString;
use std::process::Command;
use std::time::Duration;

use interop::lucid::parse_error;
use interop::peers::{
    gnutls_cli_with, gnutls_serv_base, openssl_rev, openssl_s_client_base, openssl_s_server_base,
};
use interop::process::Peer;
use interop::tls12::{lucid_connect12, lucid_server12};
use interop::{ensure, pki, run, run_cases, tools, Hold, Leaf, Ready, RunOutput, RunSpec, Version};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
const LOG_WAIT: Duration = Duration::from_secs(5);
const THREADS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    OpenSsl,
    GnuTls,
}

/// Which client certificate the client has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Identity {
    /// `client.pem`, issued by the test CA the server trusts.
    Trusted,
    /// None at all.
    Missing,
    /// `client-untrusted.pem`, issued by a CA nobody trusts.
    Untrusted,
}

impl Identity {
    fn leaf(self) -> Option<Leaf> {
        match self {
            Identity::Trusted => Some(Leaf::Client),
            Identity::Missing => None,
            Identity::Untrusted => Some(Leaf::UntrustedClient),
        }
    }
}

/// `lucid serve --client-auth` modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Required,
    Optional,
}

impl Mode {
    fn arg(self) -> &'static str {
        match self {
            Mode::Required => "required",
            Mode::Optional => "optional",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Case {
    tool: Tool,
    version: Version,
    identity: Identity,
    mode: Mode,
}

/// `lucid serve <- openssl s_client, TLSv1.3, untrusted client certificate, required`.
fn server_label(case: &Case) -> String {
    format!(
        "lucid serve <- {}, {}, {:?} client certificate, {:?} mode",
        tool_name(case.tool, Side::Client),
        case.version.name(),
        case.identity,
        case.mode
    )
}

/// `lucid connect -> gnutls-serv, TLSv1.2, missing client certificate`.
fn client_label(case: &Case) -> String {
    format!(
        "lucid connect -> {}, {}, {:?} client certificate",
        tool_name(case.tool, Side::Server),
        case.version.name(),
        case.identity
    )
}

#[derive(Clone, Copy)]
enum Side {
    Client,
    Server,
}

fn tool_name(tool: Tool, side: Side) -> &'static str {
    match (tool, side) {
        (Tool::OpenSsl, Side::Client) => "openssl s_client",
        (Tool::OpenSsl, Side::Server) => "openssl s_server",
        (Tool::GnuTls, Side::Client) => "gnutls-cli",
        (Tool::GnuTls, Side::Server) => "gnutls-serv",
    }
}

fn present(tools: &[&str], test: &str) -> bool {
    tools::require(tools, test)
}

/// The alert number a peer client should report, or `None` when the connection works.
fn expected_alert_from_lucid(case: &Case) -> Option<u8> {
    match (case.identity, case.mode, case.version) {
        (Identity::Trusted, _, _) | (Identity::Missing, Mode::Optional, _) => None,
        (Identity::Missing, Mode::Required, Version::Tls13) => Some(116),
        (Identity::Missing, Mode::Required, Version::Tls12) => Some(40),
        (Identity::Untrusted, _, _) => Some(48),
    }
}

/// The peer client's command line against lucid on `port`.
fn peer_client(case: &Case, port: u16) -> Command {
    let pki = pki();
    let mut command;
    match case.tool {
        Tool::OpenSsl => {
            command = openssl_s_client_base(port, &pki.ca_cert());
            command.args([
                "-brief",
                "-no_ign_eof",
                "-nocommands",
                case.version.openssl(),
            ]);
            if let Some(leaf) = case.identity.leaf() {
                let files = pki.leaf(leaf);
                command
                    .arg("-cert")
                    .arg(files.cert)
                    .arg("-key")
                    .arg(files.key);
            }
        }
        Tool::GnuTls => {
            let mut args = vec![OsString::from(case.version.gnutls_priority())];
            if let Some(leaf) = case.identity.leaf() {
                let files = pki.leaf(leaf);
                args.extend([
                    "--x509certfile".into(),
                    files.cert.into(),
                    "--x509keyfile".into(),
                    files.key.into(),
                ]);
            }
            command = gnutls_cli_with(port, &args);
        }
    }
    command
}

/// How the peer client prints a received alert: OpenSSL `SSL alert number 116`, GnuTLS
/// `Received alert [116]`.
fn alert_text(tool: Tool, alert: u8) -> String {
    match tool {
        Tool::OpenSsl => format!("SSL alert number {alert}"),
        Tool::GnuTls => format!("Received alert [{alert}]"),
    }
}

fn check_lucid_server_case(case: &Case) -> Result<(), String> {
    let args: Vec<String> = [
        case.version.lucid(),
        "--client-auth",
        case.mode.arg(),
        "--client-ca",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([pki().ca_cert().display().to_string()])
    .collect();
    let server = lucid_server12(Leaf::ServerEc, &args);
    let line = format!("mutual {} {:?}\n", case.version.name(), case.tool);
    let out = run(
        &mut peer_client(case, server.port()),
        RunSpec::new(line.clone())
            .hold(Hold::UntilStdoutContains(line.clone().into_bytes()))
            .timeout(CLIENT_TIMEOUT),
    );
    let context = || format!("{}\n{}", out.describe(), server.describe());
    let stderr = out.stderr_text();
    match expected_alert_from_lucid(case) {
        None => {
            ensure(out.success() && out.stdout_text().contains(&line), || {
                format!("the connection should work\n{}", context())
            })?;
            let identity = if case.identity == Identity::Trusted {
                "client identity: verified (CN=test client)"
            } else {
                "client identity: none"
            };
            ensure(server.wait_for_output(identity, LOG_WAIT), || {
                format!("lucid did not log `{identity}`\n{}", context())
            })?;
            let negotiated = format!(": negotiated {} ", case.version.name());
            ensure(server.wait_for_output(&negotiated, LOG_WAIT), || {
                format!(
                    "lucid did not negotiate {}\n{}",
                    case.version.name(),
                    context()
                )
            })
        }
        Some(alert) => {
            let shown = alert_text(case.tool, alert);
            ensure(out.failed_cleanly() && stderr.contains(&shown), || {
                format!("the peer should fail reporting `{shown}`\n{}", context())
            })?;
            ensure(!out.stdout_text().contains(&line), || {
                format!("data flowed although the client was refused\n{}", context())
            })?;
            let log = match case.identity {
                Identity::Missing => format!(
                    "client sent no certificate, but this server requires one ({})",
                    case.version.name()
                ),
                _ => "chain to a trust anchor: no path from the client certificate \
                      (issuer CN=lucid interop untrusted CA)"
                    .to_string(),
            };
            ensure(server.wait_for_output(&log, LOG_WAIT), || {
                format!("lucid did not log `{log}`\n{}", context())
            })
        }
    }
}

/// lucid serve --client-auth ... <- openssl s_client / gnutls-cli, TLS 1.3 and 1.2, with a
/// trusted certificate, none, and one from an unknown CA.
#[test]
fn lucid_server_with_peer_clients() {
    let mut tool_list = vec![Tool::OpenSsl];
    if present(
        &["gnutls-cli"],
        "mtls lucid_server_with_peer_clients (GnuTLS part)",
    ) {
        tool_list.push(Tool::GnuTls);
    }
    if !present(&["openssl"], "mtls lucid_server_with_peer_clients") {
        return;
    }
    let mut cases = Vec::new();
    for &tool in &tool_list {
        for version in Version::ALL {
            for (mode, identity) in [
                (Mode::Required, Identity::Trusted),
                (Mode::Required, Identity::Missing),
                (Mode::Required, Identity::Untrusted),
                (Mode::Optional, Identity::Missing),
                (Mode::Optional, Identity::Untrusted),
            ] {
                cases.push(Case {
                    tool,
                    version,
                    identity,
                    mode,
                });
            }
        }
    }
    run_cases(&cases, THREADS, server_label, check_lucid_server_case);
}

/// A peer server that requires a client certificate from the test CA and echoes
/// (`openssl s_server -rev` reverses each line).
fn peer_server(tool: Tool, version: Version) -> Peer {
    let pki = pki();
    let files = pki.leaf(Leaf::ServerEc);
    match tool {
        Tool::OpenSsl => Peer::spawn(
            "openssl s_server",
            |port| {
                let mut command = openssl_s_server_base(port, &files.cert, &files.key);
                command
                    .args(["-Verify", "1", "-CAfile"])
                    .arg(pki.ca_cert())
                    .arg("-rev")
                    .arg(version.openssl());
                command
            },
            Ready::ListeningAndPrinted("ACCEPT".into()),
        ),
        Tool::GnuTls => Peer::spawn(
            "gnutls-serv",
            |port| {
                let mut command = gnutls_serv_base(port, &files.cert, &files.key);
                command
                    .arg("--x509cafile")
                    .arg(pki.ca_cert())
                    .args(["--require-client-cert", "--verify-client-cert"])
                    .arg(version.gnutls_priority());
                command
            },
            Ready::Listening,
        ),
    }
}

/// The alert lucid should report when `tool` refuses a client without a certificate.
fn expected_alert_from_peer(tool: Tool, version: Version) -> &'static str {
    match (tool, version) {
        (_, Version::Tls13) => "certificate_required",
        (Tool::OpenSsl, Version::Tls12) => "handshake_failure",
        // GnuTLS's choice for "no certificate" in TLS 1.2 (also towards its own client).
        (Tool::GnuTls, Version::Tls12) => "decode_error",
    }
}

fn check_lucid_client_case(case: &Case) -> Result<(), String> {
    let server = peer_server(case.tool, case.version);
    let line = format!("mutual {} to {:?}\n", case.version.name(), case.tool);
    let expected = match case.tool {
        Tool::OpenSsl => openssl_rev(&line),
        Tool::GnuTls => line.clone(),
    };
    let mut args = vec![case.version.lucid().to_string()];
    if let Some(leaf) = case.identity.leaf() {
        let files = pki().leaf(leaf);
        args.extend([
            "--cert".to_string(),
            files.cert.display().to_string(),
            "--key".to_string(),
            files.key.display().to_string(),
        ]);
    }
    let out: RunOutput = run(
        &mut lucid_connect12(server.port(), &args),
        RunSpec::new(line.clone())
            .hold(Hold::UntilStdoutContains(expected.clone().into_bytes()))
            .timeout(CLIENT_TIMEOUT),
    );
    let context = || format!("{}\n{}", out.describe(), server.describe());
    let stderr = out.stderr_text();
    if case.identity == Identity::Trusted {
        ensure(
            out.success() && out.stdout_text().contains(&expected),
            || format!("the connection should work\n{}", context()),
        )?;
        ensure(
            stderr.lines().any(|l| l == "client certificate: sent"),
            || {
                format!(
                    "lucid did not report sending its certificate\n{}",
                    context()
                )
            },
        )?;
        let verified = match case.tool {
            Tool::OpenSsl => "Verification: OK",
            Tool::GnuTls => "The certificate is trusted",
        };
        let subject = match case.tool {
            Tool::OpenSsl => "Peer certificate: CN = test client",
            Tool::GnuTls => "Subject: CN=test client",
        };
        for text in [verified, subject] {
            ensure(server.wait_for_output(text, LOG_WAIT), || {
                format!("the server did not print `{text}`\n{}", context())
            })?;
        }
        return Ok(());
    }
    let alert = expected_alert_from_peer(case.tool, case.version);
    let error = parse_error(&stderr).unwrap_or_default();
    ensure(
        out.failed_cleanly() && error.starts_with(&format!("peer sent fatal alert {alert}")),
        || format!("lucid should fail with alert {alert}\n{}", context()),
    )?;
    let hint = match case.identity {
        Identity::Untrusted => "ours (--cert) was not issued by any certificate authority",
        _ => "give one with --cert and --key",
    };
    ensure(error.contains(hint), || {
        format!(
            "lucid's error lacks the hint `{hint}`: {error}\n{}",
            context()
        )
    })?;
    ensure(!out.stdout_text().contains(&expected), || {
        format!("data flowed although the server refused\n{}", context())
    })?;
    // In TLS 1.3 the client finishes before the server decides: lucid says what it sent.
    if case.version == Version::Tls13 {
        ensure(
            stderr
                .lines()
                .any(|l| l == "client certificate: requested, none sent"),
            || format!("lucid did not report `requested, none sent`\n{}", context()),
        )?;
    }
    let refusal = match (case.tool, case.version) {
        (Tool::OpenSsl, _) => "peer did not return a certificate",
        (Tool::GnuTls, Version::Tls13) => "Certificate is required",
        (Tool::GnuTls, Version::Tls12) => "No certificate was found",
    };
    ensure(server.wait_for_output(refusal, LOG_WAIT), || {
        format!("the server did not print `{refusal}`\n{}", context())
    })
}

/// lucid connect --cert/--key -> openssl s_server -Verify 1 / gnutls-serv
/// --require-client-cert, TLS 1.3 and 1.2, with a trusted certificate, none, and one from an
/// unknown CA.
#[test]
fn lucid_client_with_peer_servers() {
    let mut tool_list = vec![Tool::OpenSsl];
    if present(
        &["gnutls-serv"],
        "mtls lucid_client_with_peer_servers (GnuTLS part)",
    ) {
        tool_list.push(Tool::GnuTls);
    }
    if !present(&["openssl"], "mtls lucid_client_with_peer_servers") {
        return;
    }
    let mut cases = Vec::new();
    for &tool in &tool_list {
        for version in Version::ALL {
            for identity in [Identity::Trusted, Identity::Missing, Identity::Untrusted] {
                cases.push(Case {
                    tool,
                    version,
                    identity,
                    mode: Mode::Required,
                });
            }
        }
    }
    run_cases(&cases, THREADS, client_label, check_lucid_client_case);
}
