//! The `lucid` command-line tool as a peer: where its binary is, its command lines and the
//! lines it prints.
//!
//! The CLI contract these tests hold `lucid` to:
//!
//! ```text
//! lucid connect HOST:PORT [--servername NAME] [--cafile PEM] [--tls1.3] [--cipher IANA_NAME]...
//!                         [--group NAME]... [--alpn PROTO] [--no-verify]
//!     Sends stdin, prints what comes back on stdout. On stderr: one line
//!     `negotiated: <version> <suite> <group>` (e.g. `negotiated: TLSv1.3 TLS_AES_128_GCM_SHA256 x25519`)
//!     and one line `peer certificate: <subject>` (e.g. `peer certificate: CN=localhost`).
//!     On failure: non-zero exit and a one-line reason on stderr starting `error: `.
//!
//! lucid serve [--listen ADDR:PORT] [--cert PEM --key PEM] [--tls1.3] [--cipher ...] [--group ...]
//!     Echoes what each client sends; prints `listening on ADDR:PORT` on stderr when ready.
//! ```
//!
//! Group names are the IANA ones: `x25519`, `secp256r1`, `secp384r1`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::peers::{Group, Suite};
use crate::pki::{pki, Leaf};
use crate::process::{Peer, Ready};

/// The `lucid` binary: `$LUCID_BIN` if set, else `target/<profile>/lucid` next to the running
/// test executable (which lives in `target/<profile>/deps/`). Panics with instructions if it
/// does not exist: build it first with `cargo build -p lucid` for the same profile
/// (`cargo build --release -p lucid` for `--release` tests); `scripts/test` does this.
pub fn lucid_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("LUCID_BIN") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "LUCID_BIN={} does not exist or is not a file",
            path.display()
        );
        return path;
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    match find_next_to(&exe) {
        Some(path) => path,
        None => panic!(
            "the lucid binary was not found next to {} (looked in its parent directories for \
             `lucid`). Build it first for the same profile: `cargo build --release -p lucid` \
             (for `cargo test --release`) or `cargo build -p lucid`; ./scripts/test does this. \
             Or set LUCID_BIN=/path/to/lucid.",
            exe.display()
        ),
    }
}

/// Looks for `lucid` in the directories above `exe`, nearest first (`deps/..` is
/// `target/<profile>`), at most three levels up.
fn find_next_to(exe: &Path) -> Option<PathBuf> {
    exe.ancestors()
        .skip(1)
        .take(3)
        .map(|dir| dir.join(format!("lucid{}", std::env::consts::EXE_SUFFIX)))
        .find(|candidate| candidate.is_file())
}

/// Options for `lucid connect` / `lucid serve`.
#[derive(Clone, Debug, Default)]
pub struct LucidOptions {
    /// `--cipher` values, in order.
    pub suites: Vec<Suite>,
    /// `--group` values, in order.
    pub groups: Vec<Group>,
    /// Extra arguments appended as given.
    pub extra: Vec<String>,
}

impl LucidOptions {
    /// One suite and one group.
    pub fn pinned(suite: Suite, group: Group) -> Self {
        LucidOptions {
            suites: vec![suite],
            groups: vec![group],
            extra: Vec::new(),
        }
    }

    fn apply(&self, command: &mut Command) {
        for suite in &self.suites {
            command.args(["--cipher", suite.iana()]);
        }
        for group in &self.groups {
            command.args(["--group", group.iana()]);
        }
        command.args(&self.extra);
    }
}

/// `lucid connect 127.0.0.1:PORT --servername localhost --cafile <test CA> --tls1.3 ...`.
pub fn lucid_connect(port: u16, options: &LucidOptions) -> Command {
    let mut command = lucid_connect_base(port, &pki().ca_cert());
    command.arg("--tls1.3");
    options.apply(&mut command);
    command
}

/// `lucid connect 127.0.0.1:PORT --servername localhost --cafile CA`: a client that trusts
/// `ca` and checks the name `localhost`; callers add the version and the rest.
pub fn lucid_connect_base(port: u16, ca: &Path) -> Command {
    let mut command = Command::new(lucid_bin());
    command
        .arg("connect")
        .arg(format!("127.0.0.1:{port}"))
        .args(["--servername", "localhost"])
        .arg("--cafile")
        .arg(ca);
    command
}

/// `lucid serve --listen 127.0.0.1:PORT --cert CERT --key KEY`: what every `lucid serve`
/// command line here starts with; callers add the version and the rest. Start it with
/// [`Peer::spawn`] and [`Ready::ListeningAndPrinted`]`("listening on")`, or use
/// [`lucid_serve_peer`].
pub fn lucid_serve_base(port: u16, cert: &Path, key: &Path) -> Command {
    let mut command = Command::new(lucid_bin());
    command
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--cert")
        .arg(cert)
        .arg("--key")
        .arg(key);
    command
}

/// Starts `lucid serve` with `cert`/`key` plus `args` on a free port and waits until it
/// listens and has printed `listening on`.
pub fn lucid_serve_peer<S: AsRef<OsStr>>(cert: &Path, key: &Path, args: &[S]) -> Peer {
    Peer::spawn(
        "lucid serve",
        |port| {
            let mut command = lucid_serve_base(port, cert, key);
            command.args(args);
            command
        },
        Ready::ListeningAndPrinted("listening on".into()),
    )
}

/// `lucid connect 127.0.0.1:PORT --tls1.3` plus exactly `args` (for negative tests that choose
/// their own trust and name options).
pub fn lucid_connect_raw(port: u16, args: &[&str]) -> Command {
    let mut command = Command::new(lucid_bin());
    command
        .arg("connect")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--tls1.3")
        .args(args);
    command
}

/// Starts `lucid serve --listen 127.0.0.1:PORT --cert ... --key ... --tls1.3 ...` and waits
/// until it listens and has printed `listening on`.
pub fn lucid_server(leaf: Leaf, options: &LucidOptions) -> Peer {
    let files = pki().leaf(leaf);
    Peer::spawn(
        "lucid serve",
        |port| {
            let mut command = lucid_serve_base(port, &files.cert, &files.key);
            command.arg("--tls1.3");
            options.apply(&mut command);
            command
        },
        Ready::ListeningAndPrinted("listening on".into()),
    )
}

/// The `negotiated: <version> <suite> <group>` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// e.g. `TLSv1.3`
    pub version: String,
    /// e.g. `TLS_AES_128_GCM_SHA256`
    pub suite: String,
    /// e.g. `x25519`
    pub group: String,
}

/// Finds and parses the `negotiated:` line in `lucid connect`'s stderr.
pub fn parse_negotiated(stderr: &str) -> Option<Negotiated> {
    let rest = stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("negotiated:"))?;
    let mut words = rest.split_whitespace();
    Some(Negotiated {
        version: words.next()?.to_string(),
        suite: words.next()?.to_string(),
        group: words.next()?.to_string(),
    })
}

/// The subject from the `peer certificate: <subject>` line.
pub fn parse_peer_certificate(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("peer certificate:"))
        .map(|subject| subject.trim().to_string())
}

/// The first `error: ...` line (without the prefix).
pub fn parse_error(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("error:"))
        .map(|reason| reason.trim().to_string())
}

/// Checks `lucid connect`'s stderr for `negotiated: TLSv1.3 <suite> <group>` and a peer
/// certificate line naming `CN=localhost`.
pub fn check_connect_report(stderr: &str, suite: Suite, group: Group) -> Result<(), String> {
    let expected = Negotiated {
        version: "TLSv1.3".into(),
        suite: suite.iana().into(),
        group: group.iana().into(),
    };
    match parse_negotiated(stderr) {
        Some(negotiated) if negotiated == expected => {}
        Some(other) => return Err(format!("lucid negotiated {other:?}, expected {expected:?}")),
        None => return Err("no `negotiated:` line on lucid's stderr".into()),
    }
    match parse_peer_certificate(stderr) {
        Some(subject) if subject.replace(' ', "").contains("CN=localhost") => Ok(()),
        Some(subject) => Err(format!(
            "lucid reports peer certificate `{subject}`, expected CN=localhost"
        )),
        None => Err("no `peer certificate:` line on lucid's stderr".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_report_lines() {
        let stderr = "some log\nnegotiated: TLSv1.3 TLS_AES_128_GCM_SHA256 x25519\npeer certificate: CN=localhost\n";
        assert_eq!(
            parse_negotiated(stderr),
            Some(Negotiated {
                version: "TLSv1.3".into(),
                suite: "TLS_AES_128_GCM_SHA256".into(),
                group: "x25519".into()
            })
        );
        assert_eq!(
            parse_peer_certificate(stderr).as_deref(),
            Some("CN=localhost")
        );
        assert!(check_connect_report(stderr, Suite::Aes128GcmSha256, Group::X25519).is_ok());
        assert!(check_connect_report(stderr, Suite::Aes128GcmSha256, Group::Secp256r1).is_err());
        assert_eq!(parse_negotiated("negotiated: TLSv1.3\n"), None);
        assert_eq!(
            parse_error("error: certificate expired\n").as_deref(),
            Some("certificate expired")
        );
    }

    #[test]
    fn finds_binary_in_parent_dirs() {
        let dir = std::env::temp_dir().join(format!("lucid-bin-test-{}", std::process::id()));
        let deps = dir.join("deps");
        std::fs::create_dir_all(&deps).unwrap();
        let exe = deps.join("some-test");
        assert_eq!(find_next_to(&exe), None);
        std::fs::write(dir.join("lucid"), b"").unwrap();
        assert_eq!(find_next_to(&exe), Some(dir.join("lucid")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
