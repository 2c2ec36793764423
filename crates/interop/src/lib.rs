//! Interoperability harness for lucidtls.
//!
//! The tests in `crates/interop/tests/` drive real, independent TLS implementations — the
//! `openssl` binary (`s_server`, `s_client`) and GnuTLS (`gnutls-serv`, `gnutls-cli`) — against
//! each other and against the `lucid` command-line tool. This library holds what they share:
//!
//! - [`pki`]: a test PKI (CA plus RSA, ECDSA P-256 and Ed25519 server leaves, a client leaf, an
//!   expired leaf and a leaf for the wrong host name), generated once per test process with the
//!   `openssl` binary into a temporary directory;
//! - [`net`]: a free-port picker and a check that a given process listens on a port;
//! - [`process`]: [`Peer`], a server process (or a client driven step by step through its
//!   stdin, [`Peer::spawn_client`]) that is killed (by PID) when dropped, and [`run`], a
//!   client runner with stdin bytes and a timeout;
//! - [`peers`]: command lines and output parsers for OpenSSL and GnuTLS (the `*_base`
//!   builders are the start every test's command line shares), and the parameter names
//!   ([`Suite`], [`Group`], [`CertKind`], [`Version`]) in each tool's spelling;
//! - [`lucid`]: where the `lucid` binary is, its command lines and output parsers;
//! - [`tls12`]: the TLS 1.2 suites in each tool's spelling, TLS 1.2 command lines and parsers;
//! - [`tools`]: whether a peer binary is installed, and the skip-or-fail rule under CI;
//! - [`payload`]: test payloads and a small SHA-256 to compare them.
//!
//! Requirements: `openssl` must be on `PATH`; `gnutls-cli`/`gnutls-serv` should be
//! (`apt-get install gnutls-bin`). Outside CI a missing GnuTLS skips the tests that need it with
//! a message; under `CI=true` it fails them. Tests that drive `lucid` need the binary built first
//! for the same profile: `cargo build --release -p lucid` (which `scripts/test` does), or set
//! `LUCID_BIN` to its path.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod lucid;
pub mod net;
pub mod payload;
pub mod peers;
pub mod pki;
pub mod process;
pub mod tls12;
pub mod tools;

pub use peers::{CertKind, Group, Suite, Version};
pub use pki::{pki, Leaf, Pki};
pub use process::{run, Hold, Peer, Ready, RunOutput, RunSpec};

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `check` for every case on up to `threads` worker threads and panics once at the end,
/// listing every case that failed (so one run shows the whole picture, not just the first
/// failure). `label` names a case in the report.
pub fn run_cases<C: Sync>(
    cases: &[C],
    threads: usize,
    label: impl Fn(&C) -> String + Sync,
    check: impl Fn(&C) -> Result<(), String> + Sync,
) {
    let next = AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, cases.len().max(1)) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(index) else { break };
                let case_started = std::time::Instant::now();
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case)))
                        .unwrap_or_else(|panic| Err(panic_message(&panic)));
                let name = label(case);
                match outcome {
                    Ok(()) => eprintln!("ok   {name} ({:.2?})", case_started.elapsed()),
                    Err(why) => {
                        eprintln!("FAIL {name}: {why}");
                        failures
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .push(format!("{name}: {why}"));
                    }
                }
            });
        }
    });
    let failures = failures
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    eprintln!(
        "{} case(s), {} failed, {:.2?}",
        cases.len(),
        failures.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {} case(s) failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n---\n")
    );
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        format!("panicked: {text}")
    } else if let Some(text) = panic.downcast_ref::<String>() {
        format!("panicked: {text}")
    } else {
        "panicked".to_string()
    }
}

/// Returns `Err` with `what` and the given context unless `condition` holds: a small helper so
/// case checks can use `?` instead of panicking.
pub fn ensure(condition: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(what())
    }
}
