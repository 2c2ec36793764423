//! External processes: long-running servers ([`Peer`]) and bounded client runs ([`run`]).
//!
//! Servers are killed by PID when their [`Peer`] is dropped, also when a test panics, so no
//! server outlives its test. Clients always run under a timeout and are killed when it expires.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::net;

/// How long a server may take to start listening.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the runners poll a child process or a buffer.
const POLL: Duration = Duration::from_millis(5);

type Shared = Arc<Mutex<Vec<u8>>>;

fn snapshot(buffer: &Shared) -> Vec<u8> {
    buffer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

fn shared_len(buffer: &Shared) -> usize {
    buffer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .len()
}

fn shared_contains(buffer: &Shared, needle: &[u8]) -> bool {
    contains(
        &buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
        needle,
    )
}

/// True when `needle` occurs in `haystack` (an empty needle always does).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Copies everything `reader` yields into a shared buffer, on a thread.
fn capture(mut reader: impl Read + Send + 'static) -> (Shared, JoinHandle<()>) {
    let buffer: Shared = Arc::default();
    let sink = Arc::clone(&buffer);
    let handle = std::thread::spawn(move || {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => sink
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
    });
    (buffer, handle)
}

/// Renders a command line for messages, e.g. `openssl s_server -accept 127.0.0.1:4443 ...`.
pub fn command_line(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| {
            let text = part.to_string_lossy();
            if text.is_empty() || text.contains([' ', '\'', '"', '(', ')', '*']) {
                format!("'{}'", text.replace('\'', r"'\''"))
            } else {
                text.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Last `max` characters of `text`, marked when cut, for error messages.
pub fn tail(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().skip(count - max).collect();
        format!("[...{} chars cut...]{cut}", count - max)
    }
}

/// When a server counts as ready.
#[derive(Clone, Debug)]
pub enum Ready {
    /// The server process listens on its TCP port.
    Listening,
    /// The server listens on its port and has printed this text on stdout or stderr
    /// (e.g. `listening on` for `lucid serve`).
    ListeningAndPrinted(String),
}

/// A server process (openssl s_server, gnutls-serv, lucid serve) on a local port. Dropping it
/// kills the process by PID and reaps it.
pub struct Peer {
    name: String,
    command: String,
    child: Child,
    // Kept open so that servers which read their stdin (openssl s_server) never see EOF, and
    // so that tests can drive a program through it ([`Peer::send`]).
    stdin: Option<ChildStdin>,
    port: u16,
    stdout: Shared,
    stderr: Shared,
}

impl Peer {
    /// Starts a server. `make` builds its command line for a given port; the server is started
    /// on a fresh [`net::free_port`] and this waits (at most [`READY_TIMEOUT`]) until it is
    /// [`Ready`]. If the process exits before that (for example because another process took
    /// the port in between), it is retried twice on new ports; after that this panics with the
    /// server's output.
    pub fn spawn(name: &str, mut make: impl FnMut(u16) -> Command, ready: Ready) -> Peer {
        let mut last_failure = String::new();
        for _attempt in 0..3 {
            let port = net::free_port();
            let mut command = make(port);
            match Self::start(name, &mut command, port, &ready) {
                Ok(peer) => return peer,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("{name} did not start: {last_failure}");
    }

    /// Starts a program that does not listen (a client driven step by step through its stdin
    /// with [`Peer::send`]), with the same output capture and kill-on-drop as a server; its
    /// [`Peer::port`] is 0. Panics if the program cannot be started.
    pub fn spawn_client(name: &str, command: &mut Command) -> Peer {
        Self::launch(name, command, 0)
    }

    fn launch(name: &str, command: &mut Command, port: u16) -> Peer {
        let line = command_line(command);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({line}): {e}"));
        let stdin = child.stdin.take();
        let (stdout, _) = capture(child.stdout.take().expect("stdout is piped"));
        let (stderr, _) = capture(child.stderr.take().expect("stderr is piped"));
        Peer {
            name: name.to_string(),
            command: line,
            child,
            stdin,
            port,
            stdout,
            stderr,
        }
    }

    fn start(name: &str, command: &mut Command, port: u16, ready: &Ready) -> Result<Peer, String> {
        let mut peer = Self::launch(name, command, port);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = peer.child.try_wait() {
                return Err(format!(
                    "{} exited with {status} before it was ready\n{}",
                    peer.command,
                    peer.describe_output()
                ));
            }
            let is_ready = net::listening(peer.child.id(), port)
                && match ready {
                    Ready::Listening => true,
                    Ready::ListeningAndPrinted(text) => {
                        shared_contains(&peer.stdout, text.as_bytes())
                            || shared_contains(&peer.stderr, text.as_bytes())
                    }
                };
            if is_ready {
                return Ok(peer);
            }
            if Instant::now() > deadline {
                // Dropping `peer` kills it.
                return Err(format!(
                    "{} was not ready within {READY_TIMEOUT:?} ({ready:?})\n{}",
                    peer.command,
                    peer.describe_output()
                ));
            }
            std::thread::sleep(POLL);
        }
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The command line the server was started with.
    pub fn command_line(&self) -> &str {
        &self.command
    }

    /// What the server printed on stdout so far (lossy UTF-8).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&snapshot(&self.stdout)).into_owned()
    }

    /// What the server printed on stderr so far (lossy UTF-8).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&snapshot(&self.stderr)).into_owned()
    }

    /// Stdout followed by stderr, for searching either.
    pub fn output_text(&self) -> String {
        format!("{}\n{}", self.stdout_text(), self.stderr_text())
    }

    /// Waits up to `timeout` until the server has printed `text` (stdout or stderr); servers
    /// log a connection asynchronously, possibly after the client has finished.
    pub fn wait_for_output(&self, text: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if shared_contains(&self.stdout, text.as_bytes())
                || shared_contains(&self.stderr, text.as_bytes())
            {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Writes `text` to the program's stdin (e.g. a line `R`, which makes `openssl s_client`
    /// renegotiate). An error carries the program's output.
    pub fn send(&mut self, text: &str) -> Result<(), String> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(format!("stdin already closed\n{}", self.describe()));
        };
        let written = stdin
            .write_all(text.as_bytes())
            .and_then(|()| stdin.flush());
        written.map_err(|e| format!("writing to {}: {e}\n{}", self.name, self.describe()))
    }

    /// Closes the program's stdin (clients then close their connection).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits (at most [`READY_TIMEOUT`]) until stdout and stderr together contain `text` at
    /// least `count` times; an error carries the program's output.
    pub fn expect_output_count(&self, text: &str, count: usize) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        while self.output_text().matches(text).count() < count {
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not print {text:?} ({count}x)\n{}",
                    self.name,
                    self.describe()
                ));
            }
            std::thread::sleep(POLL);
        }
        Ok(())
    }

    /// [`Peer::expect_output_count`] for one occurrence.
    pub fn expect_output(&self, text: &str) -> Result<(), String> {
        self.expect_output_count(text, 1)
    }

    /// Waits (at most [`READY_TIMEOUT`]) until the program exits, and returns its status.
    pub fn wait_exit(&mut self) -> Result<ExitStatus, String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the capture threads take the last output.
                std::thread::sleep(Duration::from_millis(20));
                return Ok(status);
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not exit\n{}", self.name, self.describe()));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The program's name, port (for a server), command line and (the end of) its output,
    /// for failure messages.
    pub fn describe(&self) -> String {
        let what = if self.port == 0 {
            format!("program {}", self.name)
        } else {
            format!("server {} on port {}", self.name, self.port)
        };
        format!("{what}: {}\n{}", self.command, self.describe_output())
    }

    fn describe_output(&self) -> String {
        format!(
            "--- server stdout ---\n{}\n--- server stderr ---\n{}",
            tail(&self.stdout_text(), 3000),
            tail(&self.stderr_text(), 3000)
        )
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Kill by PID (SIGKILL) and reap; ignore "already exited".
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("name", &self.name)
            .field("pid", &self.child.id())
            .field("port", &self.port)
            .field("command", &self.command)
            .finish()
    }
}

/// How long a client's stdin stays open after all stdin bytes were written. Many clients
/// (`openssl s_client`, `gnutls-cli`, `lucid connect`) close the connection on stdin EOF, so a
/// test that wants the echo keeps stdin open until the echo has arrived.
#[derive(Clone, Debug)]
pub enum Hold {
    /// Close stdin right after writing.
    Close,
    /// Keep stdin open until stdout contains these bytes (or the timeout, or the client exits).
    UntilStdoutContains(Vec<u8>),
    /// Keep stdin open until stdout holds at least this many bytes.
    UntilStdoutLen(usize),
    /// Keep stdin open for this long.
    For(Duration),
}

/// What to feed a client and how long to let it run.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// Bytes written to the client's stdin.
    pub stdin: Vec<u8>,
    /// When to close stdin after writing it.
    pub hold: Hold,
    /// The client is killed after this long.
    pub timeout: Duration,
}

impl RunSpec {
    /// Feed `stdin`, close it at once, time out after 20 s.
    pub fn new(stdin: impl Into<Vec<u8>>) -> Self {
        RunSpec {
            stdin: stdin.into(),
            hold: Hold::Close,
            timeout: Duration::from_secs(20),
        }
    }

    /// Feed `line` and keep stdin open until it comes back on stdout (an echo server; most
    /// clients close the connection on stdin EOF), time out after 20 s.
    pub fn echo(line: &str) -> Self {
        RunSpec::new(line).hold(Hold::UntilStdoutContains(line.as_bytes().to_vec()))
    }

    /// Sets how long stdin stays open.
    pub fn hold(mut self, hold: Hold) -> Self {
        self.hold = hold;
        self
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The result of [`run`].
#[derive(Debug)]
pub struct RunOutput {
    /// The command line that ran.
    pub command: String,
    /// Exit status; `None` if the client was killed on timeout.
    pub status: Option<ExitStatus>,
    /// Whether the timeout expired.
    pub timed_out: bool,
    /// Everything the client wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything the client wrote to stderr.
    pub stderr: Vec<u8>,
    /// Wall-clock time the client ran.
    pub elapsed: Duration,
}

impl RunOutput {
    /// Exited on its own with status 0.
    pub fn success(&self) -> bool {
        !self.timed_out && self.status.is_some_and(|status| status.success())
    }

    /// Exited on its own with a non-zero status (a clean failure, not a timeout or a signal).
    pub fn failed_cleanly(&self) -> bool {
        !self.timed_out
            && self
                .status
                .is_some_and(|status| status.code().is_some_and(|c| c != 0))
    }

    /// Stdout as lossy UTF-8.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as lossy UTF-8.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Command, status and (the ends of) both outputs, for failure messages.
    pub fn describe(&self) -> String {
        let status = match (self.timed_out, self.status) {
            (true, _) => format!("killed after timeout ({:.1?})", self.elapsed),
            (false, Some(status)) => format!("{status} after {:.1?}", self.elapsed),
            (false, None) => "no exit status".to_string(),
        };
        format!(
            "client: {}\nstatus: {status}\n--- client stdout ({} bytes) ---\n{}\n--- client stderr ---\n{}",
            self.command,
            self.stdout.len(),
            tail(&self.stdout_text(), 2000),
            tail(&self.stderr_text(), 3000)
        )
    }
}

/// Runs a client: writes `spec.stdin` to it, keeps stdin open as `spec.hold` says, collects
/// stdout and stderr, and kills it (by PID) if it is still running after `spec.timeout`.
/// Panics only if the program cannot be started at all.
pub fn run(command: &mut Command, spec: RunSpec) -> RunOutput {
    let line = command_line(command);
    let started = Instant::now();
    let deadline = started + spec.timeout;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start client ({line}): {e}"));
    let (stdout, stdout_reader) = capture(child.stdout.take().expect("stdout is piped"));
    let (stderr, stderr_reader) = capture(child.stderr.take().expect("stderr is piped"));
    let exited = Arc::new(AtomicBool::new(false));

    let writer = {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let stdout = Arc::clone(&stdout);
        let exited = Arc::clone(&exited);
        let RunSpec {
            stdin: bytes, hold, ..
        } = spec;
        std::thread::spawn(move || {
            // Errors (EPIPE when the client exits early) just end the writing.
            let _ = stdin.write_all(&bytes).and_then(|()| stdin.flush());
            let hold_started = Instant::now();
            loop {
                let release = match &hold {
                    Hold::Close => true,
                    Hold::UntilStdoutContains(needle) => shared_contains(&stdout, needle),
                    Hold::UntilStdoutLen(len) => shared_len(&stdout) >= *len,
                    Hold::For(duration) => hold_started.elapsed() >= *duration,
                };
                if release || exited.load(Ordering::SeqCst) {
                    break;
                }
                std::thread::sleep(POLL);
            }
            drop(stdin);
        })
    };

    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() > deadline => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(_) => {
                let _ = child.kill();
                break child.wait().ok();
            }
        }
    };
    let elapsed = started.elapsed();
    exited.store(true, Ordering::SeqCst);
    let _ = writer.join();
    // The readers end when the pipes close; a grandchild holding them open must not hang us.
    let reader_deadline = Instant::now() + Duration::from_secs(2);
    while !(stdout_reader.is_finished() && stderr_reader.is_finished())
        && Instant::now() < reader_deadline
    {
        std::thread::sleep(POLL);
    }
    RunOutput {
        command: line,
        status: if timed_out { None } else { status },
        timed_out,
        stdout: snapshot(&stdout),
        stderr: snapshot(&stderr),
        elapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_collects_output_and_status() {
        let out = run(
            Command::new("sh").args(["-c", "cat; echo err >&2; exit 3"]),
            RunSpec::new("hello"),
        );
        assert_eq!(out.stdout, b"hello");
        assert_eq!(out.stderr_text(), "err\n");
        assert!(!out.success());
        assert!(out.failed_cleanly());
        assert_eq!(out.status.and_then(|s| s.code()), Some(3));
    }

    #[test]
    fn run_kills_on_timeout() {
        let started = Instant::now();
        let out = run(
            Command::new("sleep").arg("30"),
            RunSpec::new("").timeout(Duration::from_millis(300)),
        );
        assert!(out.timed_out);
        assert!(!out.success());
        assert!(!out.failed_cleanly());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn hold_keeps_stdin_open() {
        // The script answers the first line, then waits for EOF: stdin must stay open until
        // the answer is seen, and for the given time with Hold::For.
        let script = "read line; echo got-$line; cat >/dev/null; echo eof";
        let out = run(
            Command::new("sh").args(["-c", script]),
            RunSpec::new("hello\n")
                .hold(Hold::UntilStdoutContains(b"got-hello".to_vec()))
                .timeout(Duration::from_secs(5)),
        );
        assert!(out.success(), "{}", out.describe());
        assert_eq!(out.stdout_text(), "got-hello\neof\n");

        let out = run(
            Command::new("sh").args(["-c", script]),
            RunSpec::new("hi\n")
                .hold(Hold::For(Duration::from_millis(300)))
                .timeout(Duration::from_secs(5)),
        );
        assert!(out.success(), "{}", out.describe());
        assert!(out.elapsed >= Duration::from_millis(300));
        assert_eq!(out.stdout_text(), "got-hi\neof\n");

        let out = run(
            Command::new("sh").args(["-c", script]),
            RunSpec::new("x\n")
                .hold(Hold::UntilStdoutLen(1000))
                .timeout(Duration::from_millis(400)),
        );
        assert!(
            out.timed_out,
            "stdin was closed too early: {}",
            out.describe()
        );
    }

    #[test]
    fn large_stdin_does_not_deadlock() {
        let data = vec![b'x'; 4 << 20];
        let out = run(&mut Command::new("cat"), RunSpec::new(data.clone()));
        assert!(out.success(), "{}", out.describe());
        assert_eq!(out.stdout.len(), data.len());
    }

    #[test]
    fn peer_is_ready_and_killed_on_drop() {
        // python3 is not guaranteed; use openssl s_server as a generic listening process.
        if crate::tools::find_program("openssl").is_none() {
            return;
        }
        let pki = crate::pki();
        let leaf = pki.leaf(crate::Leaf::ServerEc);
        let peer = Peer::spawn(
            "s_server",
            |port| {
                let mut c = Command::new("openssl");
                c.arg("s_server")
                    .arg("-accept")
                    .arg(format!("127.0.0.1:{port}"))
                    .arg("-cert")
                    .arg(&leaf.cert)
                    .arg("-key")
                    .arg(&leaf.key);
                c
            },
            Ready::ListeningAndPrinted("ACCEPT".into()),
        );
        let pid = peer.pid();
        assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
        drop(peer);
        // Reaped, so the /proc entry is gone.
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }

    #[test]
    fn contains_works() {
        assert!(contains(b"abcdef", b"cde"));
        assert!(!contains(b"abcdef", b"ced"));
        assert!(contains(b"abc", b""));
        assert!(!contains(b"ab", b"abc"));
    }

    #[test]
    fn tail_cuts_long_text() {
        assert_eq!(tail("short", 10), "short");
        assert!(tail(&"x".repeat(50), 10).ends_with(&"x".repeat(10)));
        assert!(tail(&"x".repeat(50), 10).starts_with("[...40 chars cut...]"));
    }
}
