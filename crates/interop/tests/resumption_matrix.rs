//! The resumption interop matrix: TLS 1.2 session ids, TLS 1.2 tickets (RFC 5077) and TLS 1.3
//! PSK resumption, with OpenSSL and GnuTLS, in both directions.
//!
//! lucid as the client, against `openssl s_server -rev` and `gnutls-serv --echo` (tickets off
//! with `-no_ticket` / `--noticket` for the session-id cases):
//! - `lucid connect --reconnect 2` prints `resumed: no`, `resumed: yes`, `resumed: yes`, its
//!   `--trace-json` shows each resumption accepted by the expected mechanism (`session_id`,
//!   `ticket`, `psk`), and the data sent on the last connection comes back;
//! - `lucid connect --sess-out FILE` (a file of mode 0600), then a second process with
//!   `--sess-in FILE`, resumes.
//!
//! lucid as the server (`lucid serve`, with `--no-tickets` for session ids), with the peers'
//! own resumption tools; the peer reports the session reused and lucid logs `resumed: yes`
//! with the expected mechanism in its trace:
//! - `openssl s_client -sess_out` then `-sess_in` (TLS 1.3, TLS 1.2 ticket, TLS 1.2 session id);
//! - `openssl s_client -reconnect -tls1_2` (five reconnects, all `Reused`), ticket and session id;
//! - `gnutls-cli -r` (TLS 1.2 with tickets, TLS 1.2 `--noticket`, TLS 1.3);
//! - and `lucid serve --no-tickets` in TLS 1.3 gives no ticket, so s_client's second connection is
//!   `New` (TLS 1.3 resumes only with tickets).
//!
//! OpenSSL 3.0's `-reconnect` never resumes TLS 1.3 (it reconnects before the tickets arrive),
//! hence `-sess_out/-sess_in` there.
//!
//! ```text
//! cargo build --release -p lucid && cargo nextest run --release -p interop --test resumption_matrix
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use interop::lucid::lucid_connect_base;
use interop::peers::{
    gnutls_cli_with, gnutls_serv_base, openssl_rev, openssl_s_client_base, openssl_s_server_base,
};
use interop::process::Peer;
use interop::tls12::lucid_server12;
use interop::{ensure, pki, run, run_cases, tools, Hold, Leaf, Ready, RunOutput, RunSpec, Version};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);
const LOG_WAIT: Duration = Duration::from_secs(5);
const THREADS: usize = 3;

/// What is resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// TLS 1.2, the server issues no tickets: resumption by session id.
    SessionId,
    /// TLS 1.2 with RFC 5077 tickets.
    Ticket,
    /// TLS 1.3 PSK from a NewSessionTicket.
    Tls13,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::SessionId, Mode::Ticket, Mode::Tls13];

    /// The protocol version the mode runs on.
    fn tls(self) -> Version {
        match self {
            Mode::SessionId | Mode::Ticket => Version::Tls12,
            Mode::Tls13 => Version::Tls13,
        }
    }

    fn version(self) -> &'static str {
        self.tls().name()
    }

    /// The `mechanism` of the `Resumption` trace event.
    fn mechanism(self) -> &'static str {
        match self {
            Mode::SessionId => "session_id",
            Mode::Ticket => "ticket",
            Mode::Tls13 => "psk",
        }
    }

    fn lucid(self) -> &'static str {
        self.tls().lucid()
    }

    fn openssl(self) -> &'static str {
        self.tls().openssl()
    }

    fn gnutls_priority(self) -> &'static str {
        self.tls().gnutls_priority()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    OpenSsl,
    GnuTls,
}

/// A file in this process's PKI directory, unique per use; removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = pki().scratch_path(&format!("resumption-{n}-{name}"));
        let _ = std::fs::remove_file(&path);
        Scratch(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn arg(&self) -> String {
        self.0.display().to_string()
    }

    fn read(&self) -> String {
        std::fs::read_to_string(&self.0).unwrap_or_default()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The `Resumption` events of a `--trace-json` file as `(mechanism, accepted)`.
fn resumption_events(trace: &str) -> Vec<(String, bool)> {
    trace
        .lines()
        .filter(|line| line.contains("\"event\":\"Resumption\""))
        .map(|line| {
            let mechanism = line
                .split_once("\"mechanism\":\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(m, _)| m.to_string())
                .unwrap_or_default();
            (mechanism, line.contains("\"accepted\":true"))
        })
        .collect()
}

/// The values of lucid connect's `resumed: ` lines, in order.
fn resumed_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("resumed: "))
        .map(str::to_string)
        .collect()
}

/// The versions of lucid connect's `negotiated: ` lines, in order.
fn negotiated_versions(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("negotiated: "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------
// lucid connect -> openssl s_server / gnutls-serv
// ---------------------------------------------------------------------------------------

/// A peer server in `mode` that echoes (OpenSSL: each line reversed).
fn peer_server(tool: Tool, mode: Mode) -> Peer {
    let files = pki().leaf(Leaf::ServerEc);
    match tool {
        Tool::OpenSsl => Peer::spawn(
            "openssl s_server",
            |port| {
                let mut command = openssl_s_server_base(port, &files.cert, &files.key);
                command.args(["-rev", mode.openssl()]);
                if mode == Mode::SessionId {
                    command.arg("-no_ticket");
                }
                command
            },
            Ready::ListeningAndPrinted("ACCEPT".into()),
        ),
        Tool::GnuTls => Peer::spawn(
            "gnutls-serv",
            |port| {
                let mut command = gnutls_serv_base(port, &files.cert, &files.key);
                command
                    .arg("--disable-client-cert")
                    .arg(mode.gnutls_priority());
                if mode == Mode::SessionId {
                    command.arg("--noticket");
                }
                command
            },
            Ready::Listening,
        ),
    }
}

/// `lucid connect` to `port` in `mode` plus `args`. `--wait-ms` also bounds the wait for
/// TLS 1.3 tickets; they come at once from a local server, so the bound is only reached
/// after stdin has ended.
fn lucid_connect(port: u16, mode: Mode, args: &[String]) -> Command {
    let mut command = lucid_connect_base(port, &pki().ca_cert());
    command.args(["--wait-ms", "1000", mode.lucid()]).args(args);
    command
}

fn run_lucid(command: &mut Command, line: &str, expected: &str) -> RunOutput {
    run(
        command,
        RunSpec::new(line)
            .hold(Hold::UntilStdoutContains(expected.as_bytes().to_vec()))
            .timeout(CLIENT_TIMEOUT),
    )
}

fn check_lucid_client_case(case: &(Tool, Mode)) -> Result<(), String> {
    let (tool, mode) = *case;
    let server = peer_server(tool, mode);
    let line = format!("resume {} {tool:?} {mode:?}\n", mode.version());
    let expected = match tool {
        Tool::OpenSsl => openssl_rev(&line),
        Tool::GnuTls => line.clone(),
    };

    // One process, three connections.
    let trace = Scratch::new("client-trace.json");
    let args = [
        "--reconnect".into(),
        "2".into(),
        "--trace-json".into(),
        trace.arg(),
    ];
    let out = run_lucid(
        &mut lucid_connect(server.port(), mode, &args),
        &line,
        &expected,
    );
    let context = |out: &RunOutput| format!("{}\n{}", out.describe(), server.describe());
    let stderr = out.stderr_text();
    ensure(out.success() && out.stdout_text() == expected, || {
        format!("--reconnect 2 should echo the line\n{}", context(&out))
    })?;
    ensure(resumed_lines(&stderr) == ["no", "yes", "yes"], || {
        format!(
            "expected resumed: no, yes, yes; got {:?}\n{}",
            resumed_lines(&stderr),
            context(&out)
        )
    })?;
    ensure(negotiated_versions(&stderr) == [mode.version(); 3], || {
        format!("expected {} three times\n{}", mode.version(), context(&out))
    })?;
    let events = resumption_events(&trace.read());
    let wanted = vec![(mode.mechanism().to_string(), true); 2];
    ensure(events == wanted, || {
        format!(
            "trace Resumption events {events:?}, expected {wanted:?}\n{}",
            context(&out)
        )
    })?;

    // Two processes: --sess-out, then --sess-in.
    let session = Scratch::new("session.bin");
    let out = run_lucid(
        &mut lucid_connect(server.port(), mode, &["--sess-out".into(), session.arg()]),
        &line,
        &expected,
    );
    let stderr = out.stderr_text();
    ensure(
        out.success()
            && out.stdout_text() == expected
            && resumed_lines(&stderr) == ["no"]
            && stderr.contains(&format!("session saved to {}", session.arg())),
        || format!("--sess-out should save a session\n{}", context(&out)),
    )?;
    check_private(session.path())?;
    let out = run_lucid(
        &mut lucid_connect(server.port(), mode, &["--sess-in".into(), session.arg()]),
        &line,
        &expected,
    );
    ensure(
        out.success()
            && out.stdout_text() == expected
            && resumed_lines(&out.stderr_text()) == ["yes"],
        || format!("--sess-in should resume\n{}", context(&out)),
    )
}

/// The session file is readable by its owner only.
fn check_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions()
        .mode();
    ensure(mode & 0o777 == 0o600, || {
        format!(
            "{} has mode {:o}, expected 600",
            path.display(),
            mode & 0o777
        )
    })
}

/// lucid connect --reconnect / --sess-out / --sess-in -> openssl s_server and gnutls-serv:
/// TLS 1.2 session id, TLS 1.2 ticket, TLS 1.3.
#[test]
fn lucid_client_resumes_with_peer_servers() {
    if !tools::require(
        &["openssl", "gnutls-serv"],
        "lucid_client_resumes_with_peer_servers",
    ) {
        return;
    }
    let cases: Vec<(Tool, Mode)> = [Tool::OpenSsl, Tool::GnuTls]
        .into_iter()
        .flat_map(|tool| Mode::ALL.map(|mode| (tool, mode)))
        .collect();
    run_cases(
        &cases,
        THREADS,
        |(tool, mode)| format!("lucid connect -> {tool:?} server, {mode:?}"),
        check_lucid_client_case,
    );
}

// ---------------------------------------------------------------------------------------
// openssl s_client / gnutls-cli -> lucid serve
// ---------------------------------------------------------------------------------------

/// How the peer client resumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resumer {
    /// `openssl s_client -sess_out`, then a second `s_client -sess_in`.
    OpensslSessFiles,
    /// `openssl s_client -reconnect` (five reconnects).
    OpensslReconnect,
    /// `gnutls-cli -r` (`--noticket` for session ids).
    GnutlsResume,
}

#[derive(Clone, Copy, Debug)]
struct ServerCase {
    resumer: Resumer,
    mode: Mode,
    /// Whether resumption is expected (false: TLS 1.3 against `--no-tickets`).
    resumes: bool,
}

/// `lucid serve` for `mode`, with a JSON trace: `--no-tickets` for session ids (and for the
/// TLS 1.3 case that must not resume).
fn lucid_server(mode: Mode, tickets: bool, trace: &Scratch) -> Peer {
    let mut args = vec![
        mode.lucid().to_string(),
        "--trace-json".to_string(),
        trace.arg(),
    ];
    if !tickets {
        args.push("--no-tickets".into());
    }
    lucid_server12(Leaf::ServerEc, &args)
}

fn s_client(port: u16, mode: Mode) -> Command {
    let mut command = openssl_s_client_base(port, &pki().ca_cert());
    command.args(["-no_ign_eof", "-nocommands", mode.openssl()]);
    command
}

/// `New, TLSv1.3, ...` / `Reused, TLSv1.2, ...` lines of s_client, in order.
fn openssl_session_lines(stdout: &str, mode: Mode) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| {
            (line.starts_with("New, ") || line.starts_with("Reused, "))
                && line.contains(mode.version())
        })
        .map(|line| line.split(',').next().unwrap_or_default().to_string())
        .collect()
}

fn check_lucid_server_case(case: &ServerCase) -> Result<(), String> {
    let tickets = case.mode != Mode::SessionId && case.resumes;
    let trace = Scratch::new("server-trace.json");
    let server = lucid_server(case.mode, tickets, &trace);
    let line = format!("resume {:?} {:?}\n", case.resumer, case.mode);
    let outputs = match case.resumer {
        Resumer::OpensslSessFiles => {
            let session = Scratch::new("openssl-session.pem");
            let mut first = s_client(server.port(), case.mode);
            first.arg("-sess_out").arg(session.path());
            let mut second = s_client(server.port(), case.mode);
            second.arg("-sess_in").arg(session.path());
            let spec = || RunSpec::echo(&line).timeout(CLIENT_TIMEOUT);
            let first = run(&mut first, spec());
            if !case.resumes {
                // No ticket, nothing to resume: s_client has no session to save.
                ensure(!session.path().exists(), || {
                    format!(
                        "s_client saved a session although lucid sent no ticket\n{}\n{}",
                        first.describe(),
                        server.describe()
                    )
                })?;
                vec![first]
            } else {
                vec![first, run(&mut second, spec())]
            }
        }
        Resumer::OpensslReconnect => {
            let mut command = s_client(server.port(), case.mode);
            command.arg("-reconnect");
            vec![run(&mut command, RunSpec::new("").timeout(CLIENT_TIMEOUT))]
        }
        Resumer::GnutlsResume => {
            let mut args = vec![case.mode.gnutls_priority(), "-r"];
            if case.mode == Mode::SessionId {
                args.push("--noticket");
            }
            if case.mode == Mode::Tls13 {
                // Reconnect only once the ticket is in.
                args.push("--waitresumption");
            }
            let mut command = gnutls_cli_with(server.port(), &args);
            vec![run(
                &mut command,
                RunSpec::echo(&line).timeout(CLIENT_TIMEOUT),
            )]
        }
    };
    let context = || {
        let clients: Vec<String> = outputs.iter().map(RunOutput::describe).collect();
        format!("{}\n{}", clients.join("\n"), server.describe())
    };
    for out in &outputs {
        ensure(out.success(), || format!("a client failed\n{}", context()))?;
    }
    let expected_connections = match case.resumer {
        Resumer::OpensslSessFiles => outputs.len(),
        Resumer::GnutlsResume => 2,
        Resumer::OpensslReconnect => 6,
    };
    match case.resumer {
        Resumer::OpensslSessFiles | Resumer::OpensslReconnect => {
            let stdout: String = outputs.iter().map(RunOutput::stdout_text).collect();
            let seen = openssl_session_lines(&stdout, case.mode);
            let reused = if case.resumes { "Reused" } else { "New" };
            let mut wanted = vec!["New".to_string()];
            wanted.resize(expected_connections, reused.to_string());
            ensure(seen == wanted, || {
                format!(
                    "s_client reported {seen:?}, expected {wanted:?}\n{}",
                    context()
                )
            })?;
            if case.resumer == Resumer::OpensslSessFiles {
                ensure(
                    outputs.iter().all(|o| o.stdout_text().contains(&line)),
                    || format!("the line was not echoed\n{}", context()),
                )?;
            }
        }
        Resumer::GnutlsResume => {
            let all = format!("{}{}", outputs[0].stdout_text(), outputs[0].stderr_text());
            ensure(all.contains("*** This is a resumed session"), || {
                format!("gnutls-cli did not resume\n{}", context())
            })?;
            ensure(outputs[0].stdout_text().contains(&line), || {
                format!("the line was not echoed\n{}", context())
            })?;
        }
    }
    // lucid's side: one log line per connection, and the trace names the mechanism.
    let resumed_logs = |server: &Peer| server.stderr_text().matches(": resumed: yes").count();
    let logged = |server: &Peer| server.stderr_text().matches(": resumed: ").count();
    let deadline = std::time::Instant::now() + LOG_WAIT;
    while logged(&server) < expected_connections && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let want_resumed = if case.resumes {
        expected_connections - 1
    } else {
        0
    };
    ensure(
        logged(&server) == expected_connections && resumed_logs(&server) == want_resumed,
        || {
            format!(
                "lucid should log {expected_connections} connections, {want_resumed} resumed\n{}",
                context()
            )
        },
    )?;
    let events = resumption_events(&trace.read());
    let accepted: Vec<&(String, bool)> = events.iter().filter(|(_, ok)| *ok).collect();
    ensure(
        accepted.len() == want_resumed && accepted.iter().all(|(m, _)| m == case.mode.mechanism()),
        || {
            format!(
                "lucid's trace shows {events:?}; expected {want_resumed} accepted by {}\n{}",
                case.mode.mechanism(),
                context()
            )
        },
    )
}

/// openssl s_client -sess_out/-sess_in and -reconnect, gnutls-cli -r (with and without
/// --noticket) -> lucid serve (with and without --no-tickets).
#[test]
fn peer_clients_resume_with_lucid_server() {
    if !tools::require(
        &["openssl", "gnutls-cli"],
        "peer_clients_resume_with_lucid_server",
    ) {
        return;
    }
    let case = |resumer, mode| ServerCase {
        resumer,
        mode,
        resumes: true,
    };
    let cases = vec![
        case(Resumer::OpensslSessFiles, Mode::Tls13),
        case(Resumer::OpensslSessFiles, Mode::Ticket),
        case(Resumer::OpensslSessFiles, Mode::SessionId),
        case(Resumer::OpensslReconnect, Mode::Ticket),
        case(Resumer::OpensslReconnect, Mode::SessionId),
        case(Resumer::GnutlsResume, Mode::Ticket),
        case(Resumer::GnutlsResume, Mode::SessionId),
        case(Resumer::GnutlsResume, Mode::Tls13),
        ServerCase {
            resumer: Resumer::OpensslSessFiles,
            mode: Mode::Tls13,
            resumes: false,
        },
    ];
    run_cases(
        &cases,
        THREADS,
        |c| {
            format!(
                "{:?} -> lucid serve, {:?}{}",
                c.resumer,
                c.mode,
                if c.resumes { "" } else { ", --no-tickets" }
            )
        },
        check_lucid_server_case,
    );
}
