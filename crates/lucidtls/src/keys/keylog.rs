//! The NSS key log (SSLKEYLOGFILE format): the only place secrets may be written,
//! and only when the user explicitly enables it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// Receives secrets for debugging tools such as Wireshark.
pub trait KeyLog: Send + Sync + core::fmt::Debug {
    /// Records `secret` under `label` (e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET`) for the
    /// connection identified by `client_random`.
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]);
}

/// Appends NSS key-log lines to a file.
#[derive(Debug)]
pub struct KeyLogFile {
    file: Mutex<File>,
}

impl KeyLogFile {
    /// Opens (appending, creating) the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// Opens the file named by `SSLKEYLOGFILE`, if that variable is set.
    pub fn from_env() -> Option<Self> {
        let path = std::env::var_os("SSLKEYLOGFILE")?;
        Self::open(path).ok()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
        if let Ok(mut f) = self.file.lock() {
            // A key log is a debugging aid: failing to write it must not fail the connection.
            let _ = f.write_all(line.as_bytes());
        }
    }
}
