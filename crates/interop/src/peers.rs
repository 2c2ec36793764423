//! OpenSSL and GnuTLS as peers: TLS 1.3 parameter names in each tool's spelling, command lines
//! (as verified in `/work/shared/PEERS.md`) and parsers for what the tools print.
//!
//! Conventions:
//! - Servers echo: `openssl s_server -rev` sends every line back reversed; `gnutls-serv --echo`
//!   sends back what it gets, but only text lines: it needs a newline at the end and stops at
//!   a NUL byte (see [`crate::payload::line_safe`]).
//! - Clients print only application data on stdout: `openssl s_client -brief` puts its summary
//!   on stderr, `gnutls-cli --logfile=/dev/stderr` likewise.
//! - Clients close the connection on stdin EOF (`s_client -no_ign_eof`), so tests keep stdin
//!   open until the echo arrived ([`crate::Hold`]).

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use crate::pki::{pki, Leaf};
use crate::process::{Peer, Ready};

/// A TLS 1.3 cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Suite {
    /// TLS_AES_128_GCM_SHA256 (0x1301)
    Aes128GcmSha256,
    /// TLS_AES_256_GCM_SHA384 (0x1302)
    Aes256GcmSha384,
    /// TLS_CHACHA20_POLY1305_SHA256 (0x1303)
    Chacha20Poly1305Sha256,
}

impl Suite {
    /// Every TLS 1.3 suite the matrix covers.
    pub const ALL: [Suite; 3] = [
        Suite::Aes128GcmSha256,
        Suite::Aes256GcmSha384,
        Suite::Chacha20Poly1305Sha256,
    ];

    /// The IANA name, which is also what OpenSSL and `lucid` use for TLS 1.3 suites.
    pub fn iana(self) -> &'static str {
        match self {
            Suite::Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            Suite::Aes256GcmSha384 => "TLS_AES_256_GCM_SHA384",
            Suite::Chacha20Poly1305Sha256 => "TLS_CHACHA20_POLY1305_SHA256",
        }
    }

    /// GnuTLS's cipher name, as in priority strings (`+AES-128-GCM`) and descriptions.
    pub fn gnutls(self) -> &'static str {
        match self {
            Suite::Aes128GcmSha256 => "AES-128-GCM",
            Suite::Aes256GcmSha384 => "AES-256-GCM",
            Suite::Chacha20Poly1305Sha256 => "CHACHA20-POLY1305",
        }
    }

    /// Parses an IANA name.
    pub fn from_iana(name: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|suite| suite.iana() == name)
    }
}

/// A key-exchange group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// X25519
    X25519,
    /// secp256r1 (NIST P-256)
    Secp256r1,
    /// secp384r1 (NIST P-384)
    Secp384r1,
}

impl Group {
    /// Every group the matrix covers.
    pub const ALL: [Group; 3] = [Group::X25519, Group::Secp256r1, Group::Secp384r1];

    /// The IANA name, used by `lucid --group` and its `negotiated:` line.
    pub fn iana(self) -> &'static str {
        match self {
            Group::X25519 => "x25519",
            Group::Secp256r1 => "secp256r1",
            Group::Secp384r1 => "secp384r1",
        }
    }

    /// OpenSSL's name for `-groups`.
    pub fn openssl(self) -> &'static str {
        match self {
            Group::X25519 => "X25519",
            Group::Secp256r1 => "P-256",
            Group::Secp384r1 => "P-384",
        }
    }

    /// The group as OpenSSL prints it in `Server Temp Key: ...` (`X25519`, `prime256v1`,
    /// `secp384r1`).
    pub fn openssl_temp_key(self) -> &'static str {
        match self {
            Group::X25519 => "X25519",
            Group::Secp256r1 => "prime256v1",
            Group::Secp384r1 => "secp384r1",
        }
    }

    /// GnuTLS's group name (`X25519`, `SECP256R1`, `SECP384R1`): `+GROUP-<name>` in priority
    /// strings, `ECDHE-<name>` in descriptions.
    pub fn gnutls(self) -> &'static str {
        match self {
            Group::X25519 => "X25519",
            Group::Secp256r1 => "SECP256R1",
            Group::Secp384r1 => "SECP384R1",
        }
    }
}

/// The server certificate kinds the matrix covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertKind {
    /// ECDSA P-256
    EcdsaP256,
    /// RSA-2048 (signs with RSA-PSS in TLS 1.3)
    Rsa2048,
    /// Ed25519
    Ed25519,
}

impl CertKind {
    /// Every kind.
    pub const ALL: [CertKind; 3] = [CertKind::EcdsaP256, CertKind::Rsa2048, CertKind::Ed25519];

    /// The PKI leaf with this key type.
    pub fn leaf(self) -> Leaf {
        match self {
            CertKind::EcdsaP256 => Leaf::ServerEc,
            CertKind::Rsa2048 => Leaf::ServerRsa,
            CertKind::Ed25519 => Leaf::ServerEd,
        }
    }

    /// How GnuTLS names the signature in its description (prefix of the third field).
    pub fn gnutls_signature_prefix(self) -> &'static str {
        match self {
            CertKind::EcdsaP256 => "ECDSA-SECP256R1",
            CertKind::Rsa2048 => "RSA-PSS",
            CertKind::Ed25519 => "EdDSA-Ed25519",
        }
    }

    /// How `openssl s_client -brief` names the signature type (`Signature type: ...`; compared
    /// without regard to case).
    pub fn openssl_signature_type(self) -> &'static str {
        match self {
            CertKind::EcdsaP256 => "ECDSA",
            CertKind::Rsa2048 => "RSA-PSS",
            CertKind::Ed25519 => "ed25519",
        }
    }
}

/// A protocol version, for tests that run each case in TLS 1.3 and TLS 1.2, in each tool's
/// spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// TLS 1.3.
    Tls13,
    /// TLS 1.2.
    Tls12,
}

impl Version {
    /// Both versions, TLS 1.3 first.
    pub const ALL: [Version; 2] = [Version::Tls13, Version::Tls12];

    /// The name lucid and OpenSSL print (`TLSv1.3`).
    pub fn name(self) -> &'static str {
        match self {
            Version::Tls13 => "TLSv1.3",
            Version::Tls12 => "TLSv1.2",
        }
    }

    /// lucid's flag (`--tls1.3`).
    pub fn lucid(self) -> &'static str {
        match self {
            Version::Tls13 => "--tls1.3",
            Version::Tls12 => "--tls1.2",
        }
    }

    /// OpenSSL's flag (`-tls1_3`).
    pub fn openssl(self) -> &'static str {
        match self {
            Version::Tls13 => "-tls1_3",
            Version::Tls12 => "-tls1_2",
        }
    }

    /// A GnuTLS `--priority=` option allowing only this version.
    pub fn gnutls_priority(self) -> &'static str {
        match self {
            Version::Tls13 => "--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3",
            Version::Tls12 => "--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2",
        }
    }
}

/// Options for an OpenSSL or GnuTLS server.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// Restrict to this suite (`None`: the tool's TLS 1.3 defaults).
    pub suite: Option<Suite>,
    /// Restrict to this group.
    pub group: Option<Group>,
    /// Extra arguments appended to the command line (e.g. `-msg`).
    pub extra: Vec<String>,
}

impl ServerOptions {
    /// Pin one suite and one group.
    pub fn pinned(suite: Suite, group: Group) -> Self {
        ServerOptions {
            suite: Some(suite),
            group: Some(group),
            extra: Vec::new(),
        }
    }
}

/// `openssl s_server -rev -tls1_3` with `leaf`'s certificate, echoing each line reversed.
pub fn openssl_server(leaf: Leaf, options: &ServerOptions) -> Peer {
    let files = pki().leaf(leaf);
    Peer::spawn(
        "openssl s_server",
        |port| {
            let mut command = openssl_s_server_base(port, &files.cert, &files.key);
            command.args(["-rev", "-tls1_3"]);
            if let Some(suite) = options.suite {
                command.args(["-ciphersuites", suite.iana()]);
            }
            if let Some(group) = options.group {
                command.args(["-groups", group.openssl()]);
            }
            command.args(&options.extra);
            command
        },
        Ready::ListeningAndPrinted("ACCEPT".into()),
    )
}

/// A GnuTLS priority string for TLS 1.3 only, optionally pinned to one suite and one group.
pub fn gnutls_priority(suite: Option<Suite>, group: Option<Group>) -> String {
    let mut priority = String::from("NORMAL:-VERS-ALL:+VERS-TLS1.3");
    if let Some(suite) = suite {
        priority.push_str(&format!(":-CIPHER-ALL:+{}", suite.gnutls()));
    }
    if let Some(group) = group {
        priority.push_str(&format!(":-GROUP-ALL:+GROUP-{}", group.gnutls()));
    }
    priority
}

/// `gnutls-serv --echo` (TLS 1.3 only) with `leaf`'s certificate, no client certificate asked.
pub fn gnutls_server(leaf: Leaf, options: &ServerOptions) -> Peer {
    let files = pki().leaf(leaf);
    let priority = gnutls_priority(options.suite, options.group);
    Peer::spawn(
        "gnutls-serv",
        |port| {
            let mut command = gnutls_serv_base(port, &files.cert, &files.key);
            command
                .arg("--disable-client-cert")
                .arg(format!("--priority={priority}"))
                .args(&options.extra);
            command
        },
        Ready::Listening,
    )
}

/// `openssl s_client -tls1_3` to `127.0.0.1:port` for `localhost`, verifying the chain against
/// the test CA and the host name, printing only data on stdout and a `-brief` summary on stderr.
/// Pins `suite`/`group` when given.
pub fn openssl_client(port: u16, suite: Option<Suite>, group: Option<Group>) -> Command {
    let mut command = openssl_s_client_base(port, &pki().ca_cert());
    command.args(["-tls1_3", "-brief", "-no_ign_eof", "-nocommands"]);
    if let Some(suite) = suite {
        command.args(["-ciphersuites", suite.iana()]);
    }
    if let Some(group) = group {
        command.args(["-groups", group.openssl()]);
    }
    command
}

/// `gnutls-cli` to `localhost:port` (TLS 1.3 only), trusting the test CA, with its messages on
/// stderr (`--logfile=/dev/stderr`) so stdout carries only data. Pins `suite`/`group` when given.
pub fn gnutls_client(port: u16, suite: Option<Suite>, group: Option<Group>) -> Command {
    gnutls_cli_base(port, &gnutls_priority(suite, group))
}

/// `gnutls-cli --logfile=/dev/stderr --x509cafile <test CA> --port PORT --priority=PRIORITY
/// localhost`: messages on stderr so stdout carries only data. Options that must come before
/// the host name (`-e`, `-r`, `--noticket`) go in `priority`'s place via [`gnutls_cli_with`].
pub fn gnutls_cli_base(port: u16, priority: &str) -> Command {
    gnutls_cli_with(port, &[&format!("--priority={priority}")])
}

/// `gnutls-cli --logfile=/dev/stderr --x509cafile <test CA> --port PORT ARGS... localhost`.
pub fn gnutls_cli_with<S: AsRef<OsStr>>(port: u16, args: &[S]) -> Command {
    let mut command = Command::new("gnutls-cli");
    command
        .arg("--logfile=/dev/stderr")
        .arg("--x509cafile")
        .arg(pki().ca_cert())
        .arg("--port")
        .arg(port.to_string())
        .args(args)
        .arg("localhost");
    command
}

/// `openssl s_server -accept 127.0.0.1:PORT -cert CERT -key KEY`: what every s_server command
/// line in these tests starts with; callers add the version, the mode (`-rev`, `-www`) and the
/// rest.
pub fn openssl_s_server_base(port: u16, cert: &Path, key: &Path) -> Command {
    let mut command = Command::new("openssl");
    command
        .arg("s_server")
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key);
    command
}

/// `gnutls-serv --echo --port PORT --x509certfile CERT --x509keyfile KEY`: the start of every
/// gnutls-serv command line here; callers add the priority and client-certificate options.
pub fn gnutls_serv_base(port: u16, cert: &Path, key: &Path) -> Command {
    let mut command = Command::new("gnutls-serv");
    command
        .arg("--echo")
        .arg("--port")
        .arg(port.to_string())
        .arg("--x509certfile")
        .arg(cert)
        .arg("--x509keyfile")
        .arg(key);
    command
}

/// `openssl s_client -connect 127.0.0.1:PORT -servername localhost -verify_hostname localhost
/// -CAfile CA -verify_return_error`: a client that verifies the chain against `ca` and the
/// name `localhost` and fails on any verification error; callers add the version and output
/// options.
pub fn openssl_s_client_base(port: u16, ca: &Path) -> Command {
    let mut command = Command::new("openssl");
    command
        .arg("s_client")
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .args(["-servername", "localhost", "-verify_hostname", "localhost"])
        .arg("-CAfile")
        .arg(ca)
        .arg("-verify_return_error");
    command
}

/// What `openssl s_client -brief` reports on stderr.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpensslSummary {
    /// `Protocol version: TLSv1.3`
    pub protocol: Option<String>,
    /// `Ciphersuite: TLS_AES_128_GCM_SHA256`
    pub cipher: Option<String>,
    /// The group from `Server Temp Key: X25519, 253 bits` / `ECDH, prime256v1, 256 bits`.
    pub temp_key_group: Option<String>,
    /// `Signature type: ECDSA`
    pub signature_type: Option<String>,
    /// `Peer certificate: CN = localhost`
    pub peer_certificate: Option<String>,
    /// `Verification: OK`
    pub verification: Option<String>,
}

/// Parses `openssl s_client -brief` (and `s_server`) summary lines.
pub fn parse_openssl_summary(text: &str) -> OpensslSummary {
    let mut summary = OpensslSummary::default();
    for line in text.lines() {
        let line = line.trim();
        let value = |prefix: &str| line.strip_prefix(prefix).map(|v| v.trim().to_string());
        if let Some(v) = value("Protocol version:") {
            summary.protocol = Some(v);
        } else if let Some(v) = value("Ciphersuite:") {
            summary.cipher = Some(v);
        } else if let Some(v) = value("Server Temp Key:") {
            // "X25519, 253 bits" or "ECDH, secp384r1, 384 bits"
            let parts: Vec<&str> = v.split(',').map(str::trim).collect();
            summary.temp_key_group = match parts.as_slice() {
                ["ECDH", group, ..] => Some(group.to_string()),
                [group, ..] => Some(group.to_string()),
                [] => None,
            };
        } else if let Some(v) = value("Signature type:") {
            summary.signature_type = Some(v);
        } else if let Some(v) = value("Peer certificate:") {
            summary.peer_certificate = Some(v);
        } else if let Some(v) = value("Verification:") {
            summary.verification = Some(v);
        }
    }
    summary
}

/// GnuTLS's `- Description: (TLS1.3-X.509)-(ECDHE-X25519)-(ECDSA-SECP256R1-SHA256)-(AES-256-GCM)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GnutlsDescription {
    /// `TLS1.3-X.509`
    pub version: String,
    /// `ECDHE-X25519`
    pub key_exchange: String,
    /// `ECDSA-SECP256R1-SHA256`, `RSA-PSS-RSAE-SHA256`, `EdDSA-Ed25519`
    pub signature: String,
    /// `AES-256-GCM`
    pub cipher: String,
}

/// Finds and parses the (first) `- Description:` line in GnuTLS output.
pub fn parse_gnutls_description(text: &str) -> Option<GnutlsDescription> {
    let line = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("- Description:"))?
        .trim();
    let inner = line.strip_prefix('(')?.strip_suffix(')')?;
    let fields: Vec<&str> = inner.split(")-(").collect();
    match fields.as_slice() {
        [version, key_exchange, signature, cipher] => Some(GnutlsDescription {
            version: version.to_string(),
            key_exchange: key_exchange.to_string(),
            signature: signature.to_string(),
            cipher: cipher.to_string(),
        }),
        _ => None,
    }
}

/// Checks a GnuTLS description against the expected TLS 1.3 parameters; `Err` says what differs.
pub fn check_gnutls_description(
    text: &str,
    suite: Suite,
    group: Group,
    cert: CertKind,
) -> Result<(), String> {
    let description =
        parse_gnutls_description(text).ok_or("no '- Description:' line in GnuTLS output")?;
    let expected_kx = format!("ECDHE-{}", group.gnutls());
    if description.version != "TLS1.3-X.509"
        || description.key_exchange != expected_kx
        || description.cipher != suite.gnutls()
        || !description
            .signature
            .starts_with(cert.gnutls_signature_prefix())
    {
        return Err(format!(
            "GnuTLS negotiated {description:?}; expected TLS1.3-X.509, {expected_kx}, {}*, {}",
            cert.gnutls_signature_prefix(),
            suite.gnutls()
        ));
    }
    Ok(())
}

/// Checks an `openssl s_client -brief` summary against the expected TLS 1.3 parameters.
pub fn check_openssl_summary(
    text: &str,
    suite: Suite,
    group: Group,
    cert: CertKind,
) -> Result<(), String> {
    let summary = parse_openssl_summary(text);
    let ok = summary.protocol.as_deref() == Some("TLSv1.3")
        && summary.cipher.as_deref() == Some(suite.iana())
        && summary.temp_key_group.as_deref() == Some(group.openssl_temp_key())
        && summary
            .signature_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(cert.openssl_signature_type()))
        && summary.verification.as_deref() == Some("OK");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "OpenSSL reports {summary:?}; expected TLSv1.3, {}, {}, {}, verification OK",
            suite.iana(),
            group.openssl_temp_key(),
            cert.openssl_signature_type()
        ))
    }
}

/// Counts the ClientHello messages an OpenSSL server received, from `openssl s_server -msg`
/// output; 2 means the server sent a HelloRetryRequest.
pub fn count_client_hellos_received(s_server_msg_output: &str) -> usize {
    count_messages(s_server_msg_output, "<<<", "ClientHello")
}

/// Counts the ClientHello messages an OpenSSL client sent, from `openssl s_client -msg`
/// output; 2 means the server answered the first with a HelloRetryRequest.
pub fn count_client_hellos_sent(s_client_msg_output: &str) -> usize {
    count_messages(s_client_msg_output, ">>>", "ClientHello")
}

fn count_messages(msg_output: &str, direction: &str, message: &str) -> usize {
    msg_output
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with(direction) && line.ends_with(message))
        .count()
}

/// What `openssl s_server -rev` sends back for one line: the line reversed, newline kept at the
/// end.
pub fn openssl_rev(line: &str) -> String {
    let body = line.strip_suffix('\n').unwrap_or(line);
    let mut reversed: String = body.chars().rev().collect();
    reversed.push('\n');
    reversed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_openssl_brief() {
        let text = "CONNECTION ESTABLISHED\nProtocol version: TLSv1.3\nCiphersuite: TLS_AES_256_GCM_SHA384\n\
            Peer certificate: CN = localhost\nHash used: SHA256\nSignature type: ECDSA\nVerification: OK\n\
            Server Temp Key: ECDH, secp384r1, 384 bits\nDONE\n";
        let summary = parse_openssl_summary(text);
        assert_eq!(summary.protocol.as_deref(), Some("TLSv1.3"));
        assert_eq!(summary.cipher.as_deref(), Some("TLS_AES_256_GCM_SHA384"));
        assert_eq!(summary.temp_key_group.as_deref(), Some("secp384r1"));
        assert_eq!(summary.peer_certificate.as_deref(), Some("CN = localhost"));
        assert!(check_openssl_summary(
            text,
            Suite::Aes256GcmSha384,
            Group::Secp384r1,
            CertKind::EcdsaP256
        )
        .is_ok());
        assert!(check_openssl_summary(
            text,
            Suite::Aes128GcmSha256,
            Group::Secp384r1,
            CertKind::EcdsaP256
        )
        .is_err());
        let x = parse_openssl_summary("Server Temp Key: X25519, 253 bits\n");
        assert_eq!(x.temp_key_group.as_deref(), Some("X25519"));
    }

    #[test]
    fn parses_gnutls_description() {
        let text = "- Status: The certificate is trusted. \n\
            - Description: (TLS1.3-X.509)-(ECDHE-SECP384R1)-(ECDSA-SECP256R1-SHA256)-(CHACHA20-POLY1305)\n";
        let d = parse_gnutls_description(text).unwrap();
        assert_eq!(d.key_exchange, "ECDHE-SECP384R1");
        assert_eq!(d.cipher, "CHACHA20-POLY1305");
        assert!(check_gnutls_description(
            text,
            Suite::Chacha20Poly1305Sha256,
            Group::Secp384r1,
            CertKind::EcdsaP256
        )
        .is_ok());
        assert!(check_gnutls_description(
            text,
            Suite::Chacha20Poly1305Sha256,
            Group::X25519,
            CertKind::EcdsaP256
        )
        .is_err());
        assert!(parse_gnutls_description("- Description: garbage").is_none());
    }

    #[test]
    fn priority_strings() {
        assert_eq!(gnutls_priority(None, None), "NORMAL:-VERS-ALL:+VERS-TLS1.3");
        assert_eq!(
            gnutls_priority(Some(Suite::Aes128GcmSha256), Some(Group::Secp256r1)),
            "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:-GROUP-ALL:+GROUP-SECP256R1"
        );
    }

    #[test]
    fn counts_hellos() {
        let text = "<<< TLS 1.3, Handshake [length 0182], ClientHello\n>>> TLS 1.3, Handshake [length 0058], ServerHello\n\
            <<< TLS 1.3, Handshake [length 017e], ClientHello\n";
        assert_eq!(count_client_hellos_received(text), 2);
        assert_eq!(count_client_hellos_sent(text), 0);
        assert_eq!(openssl_rev("hello lucid\n"), "dicul olleh\n");
    }
}
