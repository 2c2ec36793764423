//! Options shared by `connect` and `serve`, how they map onto a lucidtls
//! configuration, and the CLI's error type.

use crate::narrate::{Printer, Sink};
use clap::Args;
use lucidtls::config::CommonConfig;
use lucidtls::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use lucidtls::keys::KeyLogFile;
use lucidtls::suites::TLS13_SUITES;
use lucidtls::Side;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a command failed, and so which exit status it gets.
#[derive(Debug)]
pub enum CliError {
    /// The command line was wrong (exit status 2, like clap's own errors).
    Usage(String),
    /// The command ran and failed (exit status 1).
    Failed(String),
}

impl CliError {
    /// The process exit status.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) => 2,
            Self::Failed(_) => 1,
        }
    }

    /// The message printed after `error: `.
    pub fn message(&self) -> &str {
        match self {
            Self::Usage(m) | Self::Failed(m) => m,
        }
    }
}

impl From<lucidtls::Error> for CliError {
    fn from(e: lucidtls::Error) -> Self {
        Self::Failed(e.to_string())
    }
}

/// The reason an I/O operation failed: the lucidtls error inside it when there is one
/// (its text is written for users), else the I/O error itself.
pub fn io_reason(e: &io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<lucidtls::Error>())
    {
        Some(tls) => tls.to_string(),
        None => e.to_string(),
    }
}

/// Whether `e` only means "nothing happened before the timeout".
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// TLS settings common to `connect` and `serve`.
#[derive(Args, Debug, Clone, Default)]
pub struct TlsOptions {
    /// Allow only TLS 1.3.
    #[arg(long = "tls1.3")]
    pub tls13: bool,

    /// Enable this cipher suite (IANA name); repeat for several, in preference order.
    #[arg(long = "cipher", value_name = "IANA_NAME", value_parser = parse_cipher)]
    pub ciphers: Vec<CipherSuite>,

    /// Enable this key-exchange group (x25519, P-256, P-384, X25519MLKEM768, ...);
    /// repeat for several, in preference order.
    #[arg(long = "group", value_name = "NAME", value_parser = parse_group)]
    pub groups: Vec<NamedGroup>,

    /// Offer (client) or accept (server) this ALPN protocol; repeat for several.
    #[arg(long = "alpn", value_name = "PROTO")]
    pub alpn: Vec<String>,

    /// Append the session secrets to FILE (NSS key log format, for Wireshark).
    /// Without it, the SSLKEYLOGFILE environment variable is honoured.
    #[arg(long = "keylog", value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

impl TlsOptions {
    /// Applies these options to `common`; with `verbose`, trace events go to stderr.
    pub fn apply(
        &self,
        common: &mut CommonConfig,
        side: Side,
        verbose: bool,
    ) -> Result<(), CliError> {
        if self.tls13 {
            common.versions = vec![ProtocolVersion::Tls13];
        }
        if !self.ciphers.is_empty() {
            common.cipher_suites = dedup(&self.ciphers);
        }
        if !self.groups.is_empty() {
            common.groups = dedup(&self.groups);
        }
        for proto in &self.alpn {
            if proto.is_empty() || proto.len() > 255 {
                return Err(CliError::Usage(format!(
                    "ALPN protocol {proto:?} must be 1 to 255 bytes long"
                )));
            }
        }
        common.alpn_protocols = self.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        if verbose {
            common.observer = Some(Arc::new(Printer::new(side, Sink::Stderr)));
        }
        common.key_log = match &self.keylog {
            Some(path) => {
                let log = KeyLogFile::open(path).map_err(|e| {
                    CliError::Failed(format!("opening key log {}: {e}", path.display()))
                })?;
                eprintln!("note: writing TLS secrets to {}", path.display());
                Some(Arc::new(log))
            }
            None => KeyLogFile::from_env().map(|log| {
                eprintln!("note: writing TLS secrets to $SSLKEYLOGFILE");
                Arc::new(log) as Arc<dyn lucidtls::keys::KeyLog>
            }),
        };
        common
            .validate()
            .map_err(|e| CliError::Usage(e.to_string()))
    }
}

fn dedup<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(item) {
            out.push(*item);
        }
    }
    out
}

/// The cipher suites `--cipher` accepts.
pub fn valid_cipher_names() -> Vec<String> {
    TLS13_SUITES.iter().map(|s| s.suite.to_string()).collect()
}

/// The groups `--group` accepts: those the provider implements.
pub fn valid_group_names() -> Vec<String> {
    lucidtls_aws_lc::provider()
        .kx_groups()
        .iter()
        .map(|g| g.name().to_string())
        .collect()
}

/// Parses an IANA cipher suite name that lucidtls implements.
pub fn parse_cipher(name: &str) -> Result<CipherSuite, String> {
    CipherSuite::from_name(name)
        .filter(|s| TLS13_SUITES.iter().any(|t| t.suite == *s))
        .ok_or_else(|| {
            format!(
                "unknown or unsupported cipher suite; valid names: {}",
                valid_cipher_names().join(", ")
            )
        })
}

/// Parses a group name (IANA or alias such as P-256) that the provider implements.
pub fn parse_group(name: &str) -> Result<NamedGroup, String> {
    NamedGroup::from_user_name(name)
        .filter(|g| lucidtls_aws_lc::provider().kx_group(*g).is_some())
        .ok_or_else(|| {
            format!(
                "unknown or unsupported group; valid names: {} (aliases: P-256, P-384)",
                valid_group_names().join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_names() {
        assert_eq!(
            parse_cipher("tls_chacha20_poly1305_sha256"),
            Ok(CipherSuite::TLS13_CHACHA20_POLY1305_SHA256)
        );
        let err = parse_cipher("TLS_RSA_WITH_RC4_128_SHA").unwrap_err();
        assert!(err.contains("TLS_AES_128_GCM_SHA256"), "{err}");
        // Known to the registry but not implemented (TLS 1.2 RSA key transport).
        assert!(parse_cipher("TLS_RSA_WITH_AES_128_GCM_SHA256").is_err());
    }

    #[test]
    fn group_names() {
        assert_eq!(parse_group("P-256"), Ok(NamedGroup::secp256r1));
        assert_eq!(parse_group("x25519"), Ok(NamedGroup::X25519));
        assert_eq!(
            parse_group("X25519MLKEM768"),
            Ok(NamedGroup::X25519MLKEM768)
        );
        let err = parse_group("ffdhe1024").unwrap_err();
        assert!(err.contains("x25519"), "{err}");
    }

    #[test]
    fn io_reason_unwraps_tls_errors() {
        let e: io::Error = lucidtls::Error::BadFinished.into();
        assert_eq!(io_reason(&e), "peer's Finished did not verify");
        let plain = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(io_reason(&plain), "refused");
    }

    #[test]
    fn options_apply_in_order_without_duplicates() {
        let opts = TlsOptions {
            ciphers: vec![
                CipherSuite::TLS13_AES_256_GCM_SHA384,
                CipherSuite::TLS13_AES_256_GCM_SHA384,
            ],
            groups: vec![NamedGroup::secp384r1, NamedGroup::X25519],
            alpn: vec!["h2".into()],
            ..Default::default()
        };
        let mut cfg = lucidtls::ClientConfig::with_roots(
            lucidtls_aws_lc::provider(),
            Arc::new(lucidtls::verify::RootStore::empty()),
        );
        opts.apply(&mut cfg.common, Side::Client, false).unwrap();
        assert_eq!(
            cfg.common.cipher_suites,
            [CipherSuite::TLS13_AES_256_GCM_SHA384]
        );
        assert_eq!(
            cfg.common.groups,
            [NamedGroup::secp384r1, NamedGroup::X25519]
        );
        assert_eq!(cfg.common.alpn_protocols, [b"h2".to_vec()]);
        assert!(cfg.common.observer.is_none());
    }
}
