//! Wireshark, given our key log, decrypts our sessions.
//!
//! Each case captures a loopback session with `tshark -i lo` while `lucid` (one side or both)
//! writes its NSS key log (`--keylog FILE`), then asks tshark to read the capture with that
//! key log (`-o tls.keylog_file:FILE`). The case passes when tshark shows, decrypted, the
//! distinctive line the client sent and the server's answer, and the encrypted Finished
//! messages; and when the same capture read *without* the key log shows neither (so it is
//! our key log, and nothing else, that opens it). TLS 1.3 (AES-128-GCM and the SHA-384 suite
//! AES-256-GCM) and TLS 1.2 ECDHE with AES-GCM; the key log comes from the lucid client or
//! from the lucid server, and one case has `openssl s_server` as the other end.
//!
//! Needs root (or capture rights) and `tshark` (`apt-get install -y tshark`). Outside CI a
//! missing tshark skips with a message; under `CI=true` it fails.
//!
//! ```text
//! cargo build --release -p lucid && cargo nextest run --release -p interop --test keylog_tshark
//! ```

use std::fs::File;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use interop::net::free_port;
use interop::peers::openssl_rev;
use interop::pki::{pki, Leaf};
use interop::process::Peer;
use interop::tls12::{lucid_connect12, lucid_server12, openssl_server12};
use interop::{ensure, run, run_cases, tools, Hold, RunSpec};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
const CAPTURE_START_TIMEOUT: Duration = Duration::from_secs(15);

/// Which program writes the key log tshark gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyLogFrom {
    /// `lucid connect --keylog`.
    LucidClient,
    /// `lucid serve --keylog`.
    LucidServer,
}

/// The server end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Server {
    /// `lucid serve` (echoes).
    Lucid,
    /// `openssl s_server -rev` (answers each line reversed).
    Openssl,
}

#[derive(Clone, Debug)]
struct Case {
    tls13: bool,
    suite: &'static str,
    /// OpenSSL's name for a TLS 1.2 suite (`-cipher`), for [`Server::Openssl`].
    openssl_cipher: &'static str,
    leaf: Leaf,
    server: Server,
    key_log: KeyLogFrom,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            tls13: true,
            suite: "TLS_AES_128_GCM_SHA256",
            openssl_cipher: "",
            leaf: Leaf::ServerEc,
            server: Server::Lucid,
            key_log: KeyLogFrom::LucidClient,
        },
        Case {
            tls13: true,
            suite: "TLS_AES_256_GCM_SHA384",
            openssl_cipher: "",
            leaf: Leaf::ServerRsa,
            server: Server::Lucid,
            key_log: KeyLogFrom::LucidServer,
        },
        Case {
            tls13: false,
            suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            openssl_cipher: "ECDHE-ECDSA-AES128-GCM-SHA256",
            leaf: Leaf::ServerEc,
            server: Server::Openssl,
            key_log: KeyLogFrom::LucidClient,
        },
        Case {
            tls13: false,
            suite: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            openssl_cipher: "",
            leaf: Leaf::ServerRsa,
            server: Server::Lucid,
            key_log: KeyLogFrom::LucidServer,
        },
    ]
}

fn label(case: &Case) -> String {
    format!(
        "{} {} server={:?} keylog={:?}",
        if case.tls13 { "TLSv1.3" } else { "TLSv1.2" },
        case.suite,
        case.server,
        case.key_log
    )
}

#[test]
fn tshark_decrypts_our_sessions_with_our_key_log() {
    if !tools::require(
        &["tshark", "openssl"],
        "tshark_decrypts_our_sessions_with_our_key_log",
    ) {
        return;
    }
    run_cases(&cases(), 2, label, check_case);
}

fn version_flag(case: &Case) -> String {
    if case.tls13 { "--tls1.3" } else { "--tls1.2" }.to_string()
}

fn start_server(case: &Case, key_log: &Path) -> Peer {
    match case.server {
        Server::Lucid => {
            let mut args = vec![version_flag(case), "--cipher".into(), case.suite.into()];
            if case.key_log == KeyLogFrom::LucidServer {
                args.push("--keylog".into());
                args.push(key_log.display().to_string());
            }
            lucid_server12(case.leaf, &args)
        }
        Server::Openssl => {
            assert!(!case.tls13, "the openssl case is a TLS 1.2 one");
            openssl_server12(case.leaf, Some(case.openssl_cipher), &[])
        }
    }
}

fn check_case(case: &Case) -> Result<(), String> {
    let stem = format!(
        "keylog-{}-{:?}",
        case.suite.to_ascii_lowercase(),
        case.key_log
    );
    let key_log = pki().scratch_path(&format!("{stem}.keys"));
    let pcap = pki().scratch_path(&format!("{stem}.pcapng"));
    let trace_json = pki().scratch_path(&format!("{stem}.jsonl"));
    let server = start_server(case, &key_log);
    let port = server.port();
    let capture = Capture::start(
        port,
        &pcap,
        &pki().scratch_path(&format!("{stem}.tshark.err")),
    )?;

    // A line no handshake byte could contain by chance, different for every case.
    let probe = format!("lucid keylog probe {} {}\n", case.suite, std::process::id());
    let answer = match case.server {
        Server::Lucid => probe.clone(),
        Server::Openssl => openssl_rev(&probe),
    };
    let mut args = vec![
        version_flag(case),
        "--cipher".into(),
        case.suite.into(),
        "--verbose".into(),
        "--trace-json".into(),
        trace_json.display().to_string(),
    ];
    if case.key_log == KeyLogFrom::LucidClient {
        args.push("--keylog".into());
        args.push(key_log.display().to_string());
    }
    let mut command = lucid_connect12(port, &args);
    let out = run(
        &mut command,
        RunSpec::new(probe.clone())
            .hold(Hold::UntilStdoutContains(answer.clone().into_bytes()))
            .timeout(CLIENT_TIMEOUT),
    );
    // The server writes its key log before it answers; stop the capture once the client
    // has closed (its close_notify is the last packet we care about).
    let capture_log = capture.stop()?;
    let context = || {
        format!(
            "{}\n{}\n--- tshark capture stderr ---\n{capture_log}",
            out.describe(),
            server.describe()
        )
    };
    ensure(out.success() && out.stdout_text() == answer, || {
        format!("lucid connect failed or wrong answer\n{}", context())
    })?;

    let keys = std::fs::read_to_string(&key_log).map_err(|e| {
        format!(
            "reading the key log {}: {e}\n{}",
            key_log.display(),
            context()
        )
    })?;
    let labels: &[&str] = if case.tls13 {
        &[
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_TRAFFIC_SECRET_0",
        ]
    } else {
        &["CLIENT_RANDOM"]
    };
    for label in labels {
        ensure(
            keys.lines().any(|l| l.starts_with(&format!("{label} "))),
            || format!("the key log has no {label} line:\n{keys}"),
        )?;
    }

    // The secrets tshark needed never reach the trace (JSON or the --verbose lines), and
    // the trace counts the application data tshark decrypted.
    let trace = std::fs::read_to_string(&trace_json)
        .map_err(|e| format!("reading {}: {e}", trace_json.display()))?;
    for line in keys.lines() {
        let secret = line.split_whitespace().nth(2).unwrap_or_default();
        ensure(secret.len() >= 32, || format!("bad key log line {line:?}"))?;
        ensure(
            !trace
                .to_ascii_lowercase()
                .contains(&secret.to_ascii_lowercase())
                && !out
                    .stderr_text()
                    .to_ascii_lowercase()
                    .contains(&secret.to_ascii_lowercase()),
            || format!("a key log secret appears in the trace:\n{line}\n{trace}"),
        )?;
    }
    let sent = "\"event\":\"ApplicationData\",\"side\":\"client\",";
    ensure(
        trace.lines().any(|l| {
            l.contains(sent)
                && l.contains("\"from\":\"client\"")
                && l.ends_with(&format!("\"bytes\":{},\"records\":1}}", probe.len()))
        }),
        || format!("the trace does not count the client's line as one record:\n{trace}"),
    )?;

    let probe_hex = hex(probe.as_bytes());
    let answer_hex = hex(answer.as_bytes());
    let decrypted = read_capture(&pcap, port, Some(&key_log))?;
    let from_client = decrypted.data_from(|src| src != port);
    let from_server = decrypted.data_from(|src| src == port);
    let report = || {
        format!(
            "--- tshark with the key log ---\n{}\n--- key log ---\n{keys}\n{}",
            decrypted.text,
            context()
        )
    };
    ensure(from_client.contains(&probe_hex), || {
        format!(
            "tshark did not decrypt the client's line {probe:?}\n{}",
            report()
        )
    })?;
    ensure(from_server.contains(&answer_hex), || {
        format!(
            "tshark did not decrypt the server's answer {answer:?}\n{}",
            report()
        )
    })?;
    // Finished is encrypted in both versions: seeing it from both sides means tshark
    // decrypted the handshake too (TLS 1.3: with the handshake traffic secrets).
    for (side, from_side) in [("client", false), ("server", true)] {
        ensure(
            decrypted
                .rows
                .iter()
                .any(|r| (r.src_port == port) == from_side && r.handshake_types.contains(&20)),
            || {
                format!(
                    "tshark shows no decrypted Finished from the {side}\n{}",
                    report()
                )
            },
        )?;
    }

    // The control: without the key log the same capture shows no plaintext.
    let sealed = read_capture(&pcap, port, None)?;
    ensure(
        !sealed.text.contains(&probe_hex) && !sealed.text.contains(&answer_hex),
        || format!("plaintext visible without the key log:\n{}", sealed.text),
    )?;
    ensure(
        sealed.rows.iter().any(|r| r.content_types.contains(&23)),
        || {
            format!(
                "the capture holds no application data records:\n{}",
                sealed.text
            )
        },
    )?;
    for path in [&key_log, &pcap, &trace_json] {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Lowercase hex, as tshark prints `data.data`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A running `tshark -i lo` capture into a file.
struct Capture {
    child: Child,
    stderr_path: PathBuf,
}

impl Capture {
    /// Starts capturing `tcp port PORT` on the loopback interface into `pcap` and returns
    /// once packets are being written: a UDP probe to a port the filter also matches must
    /// show up in the file (tshark's "Capturing on" comes a little before the capture is
    /// live, and packets reach the file only when tshark flushes).
    fn start(port: u16, pcap: &Path, stderr_path: &Path) -> Result<Capture, String> {
        let probe_port = free_port();
        let filter = format!("tcp port {port} or udp port {probe_port}");
        let stderr = File::create(stderr_path).map_err(|e| format!("{e}"))?;
        let child = Command::new("tshark")
            .args(["-i", "lo", "-f", &filter, "-w"])
            .arg(pcap)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start tshark: {e}"))?;
        let mut capture = Capture {
            child,
            stderr_path: stderr_path.to_path_buf(),
        };
        let marker = format!("lucid-capture-probe-{probe_port}");
        let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("udp bind: {e}"))?;
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = capture.child.try_wait() {
                return Err(format!(
                    "tshark exited ({status}) before capturing (is capture on lo allowed?):\n{}",
                    capture.stderr()
                ));
            }
            if started.elapsed() > CAPTURE_START_TIMEOUT {
                let log = capture.stderr();
                drop(capture);
                return Err(format!(
                    "tshark did not start capturing within {CAPTURE_START_TIMEOUT:?}:\n{log}"
                ));
            }
            let _ = socket.send_to(marker.as_bytes(), ("127.0.0.1", probe_port));
            std::thread::sleep(Duration::from_millis(50));
            let written = std::fs::read(pcap).unwrap_or_default();
            if written
                .windows(marker.len())
                .any(|w| w == marker.as_bytes())
            {
                return Ok(capture);
            }
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Stops the capture with SIGINT, as Ctrl-C would (tshark then writes out what it
    /// holds and exits), and waits for it. Returns tshark's stderr.
    fn stop(mut self) -> Result<String, String> {
        // Let the last packets (close_notify, FIN) reach the capture.
        std::thread::sleep(Duration::from_millis(300));
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Ok(self.stderr());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "tshark did not stop on SIGINT within 10 s:\n{}",
            self.stderr()
        ))
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        // Only reached with tshark still running on an error path (stop() waited for it
        // otherwise): kill it by PID and reap it.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One TLS-carrying frame as tshark dissected it.
#[derive(Debug)]
struct Row {
    src_port: u16,
    /// Record content types (`tls.record.content_type`, and for TLS 1.3 records left
    /// encrypted `tls.record.opaque_type`).
    content_types: Vec<u32>,
    handshake_types: Vec<u32>,
    /// `data.data`: the decrypted application data (hex), when tshark could decrypt it.
    data: String,
}

struct Dissection {
    text: String,
    rows: Vec<Row>,
}

impl Dissection {
    /// The application data of every frame whose source port satisfies `pick`, joined.
    fn data_from(&self, pick: impl Fn(u16) -> bool) -> String {
        self.rows
            .iter()
            .filter(|r| pick(r.src_port))
            .map(|r| r.data.replace(',', ""))
            .collect::<Vec<_>>()
            .join("")
    }
}

/// `tshark -r PCAP -d tcp.port==PORT,tls [-o tls.keylog_file:KEYS] -Y tls -T fields ...`.
fn read_capture(pcap: &Path, port: u16, key_log: Option<&Path>) -> Result<Dissection, String> {
    let mut command = Command::new("tshark");
    command
        .arg("-r")
        .arg(pcap)
        .args(["-d", &format!("tcp.port=={port},tls")]);
    match key_log {
        Some(path) => command.args(["-o", &format!("tls.keylog_file:{}", path.display())]),
        // Make sure no keylog from a user preference file sneaks in.
        None => command.args(["-o", "tls.keylog_file:"]),
    };
    command.args([
        "-Y",
        "tls",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "tcp.srcport",
        "-e",
        "tls.record.content_type",
        "-e",
        "tls.handshake.type",
        "-e",
        "data.data",
        // What TLS 1.3 calls the outer content type of a record tshark did not decrypt.
        "-e",
        "tls.record.opaque_type",
    ]);
    let out = command
        .output()
        .map_err(|e| format!("cannot run tshark -r: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "tshark -r failed ({}):\n{}\n{text}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let numbers = |field: &str| -> Vec<u32> {
        field
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect()
    };
    let rows = text
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('|').collect();
            Some(Row {
                src_port: fields.first()?.trim().parse().ok()?,
                content_types: [fields.get(1), fields.get(4)]
                    .into_iter()
                    .flat_map(|f| numbers(f.copied().unwrap_or("")))
                    .collect(),
                handshake_types: numbers(fields.get(2).copied().unwrap_or("")),
                data: fields.get(3).copied().unwrap_or("").trim().to_string(),
            })
        })
        .collect();
    Ok(Dissection { text, rows })
}
