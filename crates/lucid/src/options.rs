//! Options shared by `connect` and `serve`, how they map onto a lucidtls
//! configuration, and the CLI's error type.

use crate::explain::{use_colour, Conversation, Explainer, Lanes};
use crate::narrate::{Narrator, Printer, Sink, Watcher};
use crate::trace_json::{Clock, JsonLines, JsonTracer};
use clap::Args;
use lucidtls::config::CommonConfig;
use lucidtls::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use lucidtls::keys::{KeyLog, KeyLogFile};
use lucidtls::suites::{
    refusal_reason, tls12_suite, tls13_suite, Policy, TLS12_SUITES, TLS13_SUITES,
};
use lucidtls::Side;
use std::io;
use std::path::{Path, PathBuf};
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
    #[arg(long = "tls1.3", conflicts_with = "tls12")]
    pub tls13: bool,

    /// Allow only TLS 1.2.
    #[arg(long = "tls1.2")]
    pub tls12: bool,

    /// Security policy: modern (TLS 1.3, TLS 1.2 ECDHE with AEAD), compatible (adds
    /// CBC, DHE and RSA key transport) or legacy (adds SHA-1 signatures) [default: modern].
    #[arg(long, value_name = "POLICY", value_parser = parse_policy)]
    pub policy: Option<Policy>,

    /// Enable this cipher suite (IANA name, TLS 1.3 or TLS 1.2); repeat for several, in
    /// preference order. A TLS 1.2 suite must be enabled by the chosen --policy.
    #[arg(long = "cipher", value_name = "IANA_NAME", value_parser = parse_cipher)]
    pub ciphers: Vec<CipherSuite>,

    /// Enable this key-exchange group (x25519, P-256, P-384, X25519MLKEM768, ...);
    /// repeat for several, in preference order.
    #[arg(long = "group", value_name = "NAME", value_parser = parse_group)]
    pub groups: Vec<NamedGroup>,

    /// Offer (client) or accept (server) this ALPN protocol; repeat for several.
    #[arg(long = "alpn", value_name = "PROTO")]
    pub alpn: Vec<String>,

    /// TLS 1.2: refuse peers without the extended master secret (RFC 7627).
    #[arg(long = "require-ems")]
    pub require_ems: bool,

    /// Append the session secrets to FILE (NSS key log format, for Wireshark): TLS 1.3
    /// traffic secrets, TLS 1.2 `CLIENT_RANDOM` master secrets.
    /// Without it, the SSLKEYLOGFILE environment variable is honoured.
    #[arg(long = "keylog", value_name = "FILE")]
    pub keylog: Option<PathBuf>,

    /// Write every handshake step to FILE as JSON, one object per line (JSON Lines; the
    /// schema is in docs/trace.md). The file is created or truncated.
    #[arg(long = "trace-json", value_name = "FILE")]
    pub trace_json: Option<PathBuf>,

    /// Narrate the handshake step by step on stderr: each step with its values and one
    /// sentence on what it is for (in colour on a terminal, unless NO_COLOR is set).
    /// Replaces --verbose's one line per step.
    #[arg(long)]
    pub explain: bool,
}

/// How each connection is observed: printed (`--verbose`), recorded (`--trace-json`),
/// and watched for the `negotiated:` line. One [`Watcher`] is made per connection, so
/// connections served at the same time keep separate state and sequence numbers.
#[derive(Clone, Debug)]
pub struct Tracing {
    side: Side,
    verbose: bool,
    json: Option<Arc<JsonLines>>,
    explain: Explain,
}

/// Whether and how `--explain` narrates.
#[derive(Clone, Debug)]
enum Explain {
    Off,
    /// Each connection is a conversation of its own, seen from one side.
    PerConnection,
    /// Part of a conversation seen from both sides (the demo).
    In(Arc<Conversation>),
}

impl Tracing {
    /// Observes `side` of connections; prints with `verbose`; records into `json`.
    pub fn new(side: Side, verbose: bool, json: Option<Arc<JsonLines>>) -> Self {
        Self {
            side,
            verbose,
            json,
            explain: Explain::Off,
        }
    }

    /// With `explain`, narrates each connection step by step (`--explain`) instead of
    /// one line per event.
    pub fn explained(mut self, explain: bool) -> Self {
        self.explain = if explain {
            Explain::PerConnection
        } else {
            Explain::Off
        };
        self
    }

    /// Narrates step by step as one side of `conversation`, which the other side's
    /// observer shares (`lucid demo --explain`).
    pub fn explained_in(mut self, conversation: Arc<Conversation>) -> Self {
        self.explain = Explain::In(conversation);
        self
    }

    /// Opens `path` (if given) for `--trace-json`.
    pub fn open_json(path: Option<&Path>) -> Result<Option<Arc<JsonLines>>, CliError> {
        path.map(|path| {
            JsonLines::create(path).map(Arc::new).map_err(|e| {
                CliError::Failed(format!("creating trace file {}: {e}", path.display()))
            })
        })
        .transpose()
    }

    /// The observer for connection number `conn`, timed by `clock`; `--verbose` lines
    /// and `--explain` steps go to `sink`.
    pub fn watcher(&self, conn: u64, clock: Clock, sink: Sink) -> Arc<Watcher> {
        let printer = match &self.explain {
            Explain::In(conversation) => Some(Narrator::Explain(Explainer::new(
                self.side,
                conversation.clone(),
            ))),
            Explain::PerConnection => Some(Narrator::Explain(Explainer::new(
                self.side,
                // A server narrates its connections at the same time: each step says
                // which one it belongs to.
                Conversation::tagged(
                    sink,
                    use_colour(sink),
                    Lanes::One,
                    (self.side == Side::Server).then(|| format!("#{conn}")),
                ),
            ))),
            Explain::Off => self
                .verbose
                .then(|| Narrator::Lines(Printer::new(self.side, sink))),
        };
        let json = self
            .json
            .as_ref()
            .map(|j| JsonTracer::new(j.clone(), self.side, conn, clock));
        Arc::new(Watcher::new(printer, json))
    }

    /// Makes the observer for connection number `conn` (with a clock of its own),
    /// installs it in `common` and returns it.
    pub fn install(&self, common: &mut CommonConfig, conn: u64) -> Arc<Watcher> {
        let watcher = self.watcher(conn, Clock::new(), Sink::Stderr);
        common.observer = Some(watcher.clone());
        watcher
    }
}

/// The key log: `--keylog FILE` if given, else `$SSLKEYLOGFILE` if set, else none.
pub fn key_log(path: Option<&Path>) -> Result<Option<Arc<dyn KeyLog>>, CliError> {
    match path {
        Some(path) => {
            let log = KeyLogFile::open(path).map_err(|e| {
                CliError::Failed(format!("opening key log {}: {e}", path.display()))
            })?;
            eprintln!("note: writing TLS secrets to {}", path.display());
            Ok(Some(Arc::new(log)))
        }
        None => Ok(KeyLogFile::from_env().map(|log| {
            eprintln!("note: writing TLS secrets to $SSLKEYLOGFILE");
            Arc::new(log) as Arc<dyn KeyLog>
        })),
    }
}

impl TlsOptions {
    /// Applies these options to `common`. Returns how connections are to be observed
    /// ([`Tracing::install`] puts one connection's observer in place); with `verbose`
    /// every trace event is printed to stderr.
    pub fn apply(
        &self,
        common: &mut CommonConfig,
        side: Side,
        verbose: bool,
    ) -> Result<Tracing, CliError> {
        let policy = self.policy.unwrap_or(Policy::Modern);
        common.set_policy(policy);
        if self.tls13 {
            common.versions = vec![ProtocolVersion::Tls13];
        } else if self.tls12 {
            common.versions = vec![ProtocolVersion::Tls12];
        }
        if !self.ciphers.is_empty() {
            let suites = dedup(&self.ciphers);
            for suite in &suites {
                if let Some(s) = tls12_suite(*suite) {
                    if s.policy > policy {
                        let name = suite.to_string();
                        return Err(CliError::Usage(refusal_reason(&name).unwrap_or_else(
                            || format!("{name} is disabled by the {policy} policy"),
                        )));
                    }
                }
            }
            // Only the versions the named suites can serve: naming TLS 1.2 suites alone
            // means TLS 1.2 (offering TLS 1.3 without a suite for it would fail).
            let has13 = suites.iter().any(|s| tls13_suite(*s).is_some());
            let has12 = suites.iter().any(|s| tls12_suite(*s).is_some());
            let before = common.versions.clone();
            common.versions.retain(|v| match v {
                ProtocolVersion::Tls13 => has13,
                ProtocolVersion::Tls12 => has12,
                _ => true,
            });
            if common.versions.is_empty() {
                return Err(CliError::Usage(format!(
                    "none of the --cipher suites can be used with {}",
                    before
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            common.cipher_suites = suites;
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
        common.require_extended_master_secret = self.require_ems;
        common.key_log = key_log(self.keylog.as_deref())?;
        common
            .validate()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let json = Tracing::open_json(self.trace_json.as_deref())?;
        Ok(Tracing::new(side, verbose, json).explained(self.explain))
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

/// The cipher suites `--cipher` accepts: every TLS 1.3 and TLS 1.2 suite we implement.
pub fn valid_cipher_names() -> Vec<String> {
    TLS13_SUITES
        .iter()
        .map(|s| s.suite)
        .chain(TLS12_SUITES.iter().map(|s| s.suite))
        .map(|s| s.to_string())
        .collect()
}

/// Parses an IANA cipher suite name that lucidtls implements. Names refused by design
/// (RC4, 3DES, NULL, export, anonymous, DSS...) get the reason.
pub fn parse_cipher(name: &str) -> Result<CipherSuite, String> {
    if let Some(suite) = CipherSuite::from_name(name)
        .filter(|s| tls13_suite(*s).is_some() || tls12_suite(*s).is_some())
    {
        return Ok(suite);
    }
    match refusal_reason(name) {
        Some(reason) => Err(reason),
        None => Err(format!(
            "unknown or unsupported cipher suite; valid names: {}",
            valid_cipher_names().join(", ")
        )),
    }
}

/// The groups `--group` accepts: those the provider implements.
pub fn valid_group_names() -> Vec<String> {
    lucidtls_aws_lc::provider()
        .kx_groups()
        .iter()
        .map(|g| g.name().to_string())
        .collect()
}

/// Parses a policy name: modern, compatible or legacy.
pub fn parse_policy(name: &str) -> Result<Policy, String> {
    Policy::from_name(&name.to_ascii_lowercase())
        .ok_or_else(|| "valid policies: modern, compatible, legacy".to_string())
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
        // TLS 1.2 names parse; whether the policy allows them is checked in apply().
        assert_eq!(
            parse_cipher("TLS_RSA_WITH_AES_128_GCM_SHA256"),
            Ok(CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256)
        );
        let err = parse_cipher("TLS_RSA_WITH_RC4_128_SHA").unwrap_err();
        assert!(err.contains("refused by design: RC4"), "{err}");
        for name in [
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "TLS_RSA_WITH_NULL_SHA256",
            "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
            "TLS_DH_anon_WITH_AES_128_CBC_SHA",
            "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
        ] {
            let err = parse_cipher(name).unwrap_err();
            assert!(err.contains("refused by design"), "{name}: {err}");
        }
        let err = parse_cipher("TLS_NO_SUCH_SUITE").unwrap_err();
        assert!(err.contains("TLS_AES_128_GCM_SHA256"), "{err}");
        assert!(
            err.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            "{err}"
        );
    }

    fn client_config() -> lucidtls::ClientConfig {
        lucidtls::ClientConfig::with_roots(
            lucidtls_aws_lc::provider(),
            Arc::new(lucidtls::verify::RootStore::empty()),
        )
    }

    #[test]
    fn policy_gates_tls12_suites() {
        let opts = TlsOptions {
            ciphers: vec![CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA],
            ..Default::default()
        };
        let err = opts
            .apply(&mut client_config().common, Side::Client, false)
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.message(),
            "TLS_RSA_WITH_AES_128_CBC_SHA is disabled by the modern policy; \
             --policy compatible enables it"
        );

        let opts = TlsOptions {
            policy: Some(Policy::Compatible),
            ..opts
        };
        let mut cfg = client_config();
        opts.apply(&mut cfg.common, Side::Client, false).unwrap();
        assert_eq!(
            cfg.common.cipher_suites,
            [CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA]
        );
        // Only TLS 1.2 suites named: only TLS 1.2 offered.
        assert_eq!(cfg.common.versions, [ProtocolVersion::Tls12]);
        assert_eq!(cfg.common.policy, Policy::Compatible);
    }

    #[test]
    fn versions_policy_and_ems() {
        let mut cfg = client_config();
        let opts = TlsOptions {
            tls12: true,
            require_ems: true,
            policy: Some(Policy::Compatible),
            ..Default::default()
        };
        opts.apply(&mut cfg.common, Side::Client, false).unwrap();
        assert_eq!(cfg.common.versions, [ProtocolVersion::Tls12]);
        assert!(cfg.common.require_extended_master_secret);
        assert!(cfg
            .common
            .cipher_suites
            .contains(&CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256));

        // The default policy is modern: no CBC.
        let mut cfg = client_config();
        TlsOptions::default()
            .apply(&mut cfg.common, Side::Client, false)
            .unwrap();
        assert_eq!(
            cfg.common.versions,
            [ProtocolVersion::Tls13, ProtocolVersion::Tls12]
        );
        assert!(!cfg.common.require_extended_master_secret);
        assert!(!cfg
            .common
            .cipher_suites
            .contains(&CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA));

        // --tls1.3 with only TLS 1.2 suites leaves nothing to negotiate.
        let opts = TlsOptions {
            tls13: true,
            ciphers: vec![CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
            ..Default::default()
        };
        let err = opts
            .apply(&mut client_config().common, Side::Client, false)
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.message().contains("TLSv1.3"), "{}", err.message());
        assert_eq!(parse_policy("Legacy"), Ok(Policy::Legacy));
        assert!(parse_policy("paranoid").is_err());
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
        let mut cfg = client_config();
        let tracing = opts.apply(&mut cfg.common, Side::Client, false).unwrap();
        assert_eq!(
            cfg.common.cipher_suites,
            [CipherSuite::TLS13_AES_256_GCM_SHA384]
        );
        assert_eq!(
            cfg.common.groups,
            [NamedGroup::secp384r1, NamedGroup::X25519]
        );
        assert_eq!(cfg.common.alpn_protocols, [b"h2".to_vec()]);
        // A watcher is installed per connection (it feeds the `negotiated:` line).
        assert!(cfg.common.observer.is_none());
        tracing.install(&mut cfg.common, 0);
        assert!(cfg.common.observer.is_some());
    }

    #[test]
    fn trace_json_file_is_created_and_reported_when_impossible() {
        let path =
            std::env::temp_dir().join(format!("lucid-options-trace-{}.jsonl", std::process::id()));
        std::fs::write(&path, "old contents\n").unwrap();
        let opts = TlsOptions {
            trace_json: Some(path.clone()),
            ..Default::default()
        };
        opts.apply(&mut client_config().common, Side::Client, false)
            .unwrap();
        // Created or truncated: a new trace never continues an old one.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        std::fs::remove_file(&path).unwrap();

        let opts = TlsOptions {
            trace_json: Some(std::env::temp_dir().join("no-such-dir-lucid/x.jsonl")),
            ..Default::default()
        };
        let err = opts
            .apply(&mut client_config().common, Side::Client, false)
            .unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.message().starts_with("creating trace file "),
            "{}",
            err.message()
        );
    }
}
