//! What the `lucid` end-to-end tests share (`mod common;` in a test file): a `lucid serve`
//! on a free port, and running `lucid` with bytes on stdin.
// Each test binary uses only part of the helpers.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The `lucid` binary under test.
pub const LUCID: &str = env!("CARGO_BIN_EXE_lucid");

/// A running `lucid serve` on 127.0.0.1 with its generated demo CA; killed on drop if it
/// has not exited, and its CA file removed.
pub struct Server {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// The CA certificate it wrote (the trust anchor for clients).
    pub ca: PathBuf,
    stderr: Option<BufReader<ChildStderr>>,
    head: String,
}

impl Server {
    /// Starts `lucid serve --listen 127.0.0.1:0` plus `extra` (without `SSLKEYLOGFILE`)
    /// and reads its stderr until it names its CA file and port.
    pub fn start(extra: &[&str]) -> Self {
        let mut child = Command::new(LUCID)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("SSLKEYLOGFILE")
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

    /// The CA file's path as a string, for `--cafile`.
    pub fn ca_arg(&self) -> String {
        self.ca.to_str().unwrap().to_string()
    }

    /// Waits (bounded) for the server to exit; returns its status and all of its stderr.
    pub fn finish(mut self) -> (std::process::ExitStatus, String) {
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

/// Runs `lucid` with `args` (without `SSLKEYLOGFILE`), feeding `input` on stdin.
pub fn lucid(args: &[&str], input: &[u8]) -> Output {
    lucid_env(args, input, &[])
}

/// Runs `lucid` with `args` and these environment variables (and no other
/// `SSLKEYLOGFILE`), feeding `input` on stdin.
pub fn lucid_env(args: &[&str], input: &[u8], env: &[(&str, &OsStr)]) -> Output {
    let mut command = Command::new(LUCID);
    command
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("spawn lucid");
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

/// Output bytes as (lossy) UTF-8.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
