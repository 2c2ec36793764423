//! TLS 1.2 in the interop harness: every TLS 1.2 suite lucidtls implements, in each tool's
//! spelling, and the command lines and output parsers the TLS 1.2 matrix needs.
//!
//! Names per tool:
//! - IANA (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`): `lucid --cipher` and its `negotiated:` line;
//! - OpenSSL (`ECDHE-RSA-AES128-GCM-SHA256`): `-cipher`, and `Ciphersuite:`/`Cipher    :` in its
//!   output. On this machine (OpenSSL 3.0, Debian's default security level 2) every one of the
//!   27 suites works without `@SECLEVEL=0` (checked s_server against s_client);
//! - GnuTLS: a key exchange (`ECDHE-RSA`), a cipher (`AES-128-GCM`) and a MAC (`AEAD`, `SHA1`,
//!   `SHA256`, `SHA384`), which a priority string pins with `-KX-ALL:+...:-CIPHER-ALL:+...:
//!   -MAC-ALL:+...` (`NORMAL` alone leaves out the SHA-256/384 CBC MACs). GnuTLS 3.7.9 has all 27.
//!
//! The lucid command line (see `crates/lucid`): `--tls1.2` pins the version, `--policy
//! compatible` enables CBC, DHE and RSA key transport, `--require-ems` refuses a peer without
//! the extended master secret, `--verbose` prints the trace (ServerHello extensions, the
//! master-secret derivation) on stderr, `--keylog FILE` writes `CLIENT_RANDOM <cr> <master>`.

use std::process::Command;

use crate::lucid::{lucid_connect_base, lucid_serve_peer};
use crate::peers::{
    gnutls_cli_base, gnutls_serv_base, openssl_s_client_base, openssl_s_server_base,
};
use crate::pki::{pki, Leaf};
use crate::process::{Peer, Ready};

/// How a TLS 1.2 suite agrees on the pre-master secret, and what authenticates the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kx {
    /// ECDHE, signed with an ECDSA key.
    EcdheEcdsa,
    /// ECDHE, signed with an RSA key.
    EcdheRsa,
    /// Finite-field DHE, signed with an RSA key.
    DheRsa,
    /// RSA key transport (no forward secrecy).
    Rsa,
}

impl Kx {
    /// GnuTLS's key-exchange name (`+KX-...` in priority strings: `+ECDHE-RSA`).
    pub fn gnutls(self) -> &'static str {
        match self {
            Kx::EcdheEcdsa => "ECDHE-ECDSA",
            Kx::EcdheRsa => "ECDHE-RSA",
            Kx::DheRsa => "DHE-RSA",
            Kx::Rsa => "RSA",
        }
    }

    /// The server certificate this key exchange needs.
    pub fn leaf(self) -> Leaf {
        match self {
            Kx::EcdheEcdsa => Leaf::ServerEc,
            _ => Leaf::ServerRsa,
        }
    }

    /// How GnuTLS's description names the key exchange: `ECDHE-<curve>`, `DHE-<group>` or
    /// `RSA`; this is the part before the group.
    pub fn gnutls_description_prefix(self) -> &'static str {
        match self {
            Kx::EcdheEcdsa | Kx::EcdheRsa => "ECDHE-",
            Kx::DheRsa => "DHE-",
            Kx::Rsa => "RSA",
        }
    }
}

/// A TLS 1.2 cipher suite in the spelling of each tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Suite12 {
    /// The IANA name.
    pub iana: &'static str,
    /// OpenSSL's name.
    pub openssl: &'static str,
    /// Key exchange and authentication.
    pub kx: Kx,
    /// GnuTLS's cipher name (`AES-128-GCM`, `AES-256-CBC`, `CHACHA20-POLY1305`).
    pub gnutls_cipher: &'static str,
    /// GnuTLS's MAC name (`AEAD` for AEAD suites, else `SHA1`/`SHA256`/`SHA384`).
    pub gnutls_mac: &'static str,
}

impl Suite12 {
    /// A CBC suite (HMAC, where Encrypt-then-MAC applies).
    pub fn is_cbc(&self) -> bool {
        self.gnutls_mac != "AEAD"
    }

    /// Whether lucid's default `modern` policy enables it (ECDHE with an AEAD); the others
    /// need `--policy compatible`.
    pub fn is_modern(&self) -> bool {
        matches!(self.kx, Kx::EcdheEcdsa | Kx::EcdheRsa) && !self.is_cbc()
    }

    /// The `lucid` arguments that pin this suite: `--tls1.2 --cipher NAME`, plus
    /// `--policy compatible` when the default policy does not enable it.
    pub fn lucid_args(&self) -> Vec<String> {
        let mut args = vec!["--tls1.2".to_string(), "--cipher".into(), self.iana.into()];
        if !self.is_modern() {
            args.extend(["--policy".to_string(), "compatible".into()]);
        }
        args
    }

    /// A GnuTLS priority string for TLS 1.2 with exactly this suite.
    pub fn gnutls_priority(&self) -> String {
        format!(
            "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+{}:-CIPHER-ALL:+{}:-MAC-ALL:+{}",
            self.kx.gnutls(),
            self.gnutls_cipher,
            self.gnutls_mac
        )
    }

    /// Looks a suite up by IANA name.
    pub fn from_iana(name: &str) -> Option<Suite12> {
        SUITES.iter().copied().find(|s| s.iana == name)
    }
}

macro_rules! suite {
    ($iana:literal, $openssl:literal, $kx:ident, $cipher:literal, $mac:literal) => {
        Suite12 {
            iana: $iana,
            openssl: $openssl,
            kx: Kx::$kx,
            gnutls_cipher: $cipher,
            gnutls_mac: $mac,
        }
    };
}

/// Every TLS 1.2 suite lucidtls implements (`lucidtls::suites::TLS12_SUITES`), in its order.
#[rustfmt::skip]
pub const SUITES: [Suite12; 27] = [
    suite!("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", EcdheEcdsa, "AES-128-GCM", "AEAD"),
    suite!("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", EcdheRsa, "AES-128-GCM", "AEAD"),
    suite!("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", EcdheEcdsa, "AES-256-GCM", "AEAD"),
    suite!("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", EcdheRsa, "AES-256-GCM", "AEAD"),
    suite!("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", EcdheEcdsa, "CHACHA20-POLY1305", "AEAD"),
    suite!("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", EcdheRsa, "CHACHA20-POLY1305", "AEAD"),
    suite!("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", EcdheEcdsa, "AES-128-CBC", "SHA256"),
    suite!("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", EcdheRsa, "AES-128-CBC", "SHA256"),
    suite!("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384", EcdheEcdsa, "AES-256-CBC", "SHA384"),
    suite!("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", EcdheRsa, "AES-256-CBC", "SHA384"),
    suite!("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", EcdheEcdsa, "AES-128-CBC", "SHA1"),
    suite!("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", EcdheRsa, "AES-128-CBC", "SHA1"),
    suite!("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", EcdheEcdsa, "AES-256-CBC", "SHA1"),
    suite!("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", EcdheRsa, "AES-256-CBC", "SHA1"),
    suite!("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", DheRsa, "AES-128-GCM", "AEAD"),
    suite!("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384", DheRsa, "AES-256-GCM", "AEAD"),
    suite!("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305", DheRsa, "CHACHA20-POLY1305", "AEAD"),
    suite!("TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256", DheRsa, "AES-128-CBC", "SHA256"),
    suite!("TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256", DheRsa, "AES-256-CBC", "SHA256"),
    suite!("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", DheRsa, "AES-128-CBC", "SHA1"),
    suite!("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", DheRsa, "AES-256-CBC", "SHA1"),
    suite!("TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", Rsa, "AES-128-GCM", "AEAD"),
    suite!("TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", Rsa, "AES-256-GCM", "AEAD"),
    suite!("TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", Rsa, "AES-128-CBC", "SHA256"),
    suite!("TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256", Rsa, "AES-256-CBC", "SHA256"),
    suite!("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", Rsa, "AES-128-CBC", "SHA1"),
    suite!("TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", Rsa, "AES-256-CBC", "SHA1"),
];

/// `openssl s_server -rev -tls1_2` with `leaf`'s certificate, `-cipher <cipher>` when given
/// (an OpenSSL cipher string), plus `extra`.
pub fn openssl_server12(leaf: Leaf, cipher: Option<&str>, extra: &[&str]) -> Peer {
    let files = pki().leaf(leaf);
    Peer::spawn(
        "openssl s_server",
        |port| {
            let mut command = openssl_s_server_base(port, &files.cert, &files.key);
            command.args(["-rev", "-tls1_2"]);
            if let Some(cipher) = cipher {
                command.args(["-cipher", cipher]);
            }
            command.args(extra);
            command
        },
        Ready::ListeningAndPrinted("ACCEPT".into()),
    )
}

/// `gnutls-serv --echo` with `leaf`'s certificate and the given priority string.
pub fn gnutls_server12(leaf: Leaf, priority: &str) -> Peer {
    let files = pki().leaf(leaf);
    Peer::spawn(
        "gnutls-serv",
        |port| {
            let mut command = gnutls_serv_base(port, &files.cert, &files.key);
            command
                .arg("--disable-client-cert")
                .arg(format!("--priority={priority}"));
            command
        },
        Ready::Listening,
    )
}

/// `openssl s_client -tls1_2` to `127.0.0.1:port` for `localhost`, verifying against the test
/// CA. Without `-brief` it prints its full report on stdout before the data — the only form
/// that shows `Extended master secret: yes` and `Master-Key:` — so callers look for the echo at
/// the end of stdout. Pins `cipher` (an OpenSSL cipher string) when given.
pub fn openssl_client12(port: u16, cipher: Option<&str>) -> Command {
    let mut command = openssl_s_client_base(port, &pki().ca_cert());
    command.args(["-tls1_2", "-no_ign_eof", "-nocommands"]);
    if let Some(cipher) = cipher {
        command.args(["-cipher", cipher]);
    }
    command
}

/// `gnutls-cli` to `localhost:port` with `priority`, trusting the test CA, messages on stderr.
pub fn gnutls_client12(port: u16, priority: &str) -> Command {
    gnutls_cli_base(port, priority)
}

/// `lucid connect 127.0.0.1:PORT --servername localhost --cafile <test CA> --wait-ms 100` plus
/// `args` (no version pinned: pass `--tls1.2` or use [`Suite12::lucid_args`]).
pub fn lucid_connect12(port: u16, args: &[String]) -> Command {
    let mut command = lucid_connect_base(port, &pki().ca_cert());
    command.args(["--wait-ms", "100"]).args(args);
    command
}

/// Starts `lucid serve --listen 127.0.0.1:PORT --cert ... --key ...` plus `args` (no version
/// pinned) and waits until it prints `listening on`.
pub fn lucid_server12(leaf: Leaf, args: &[String]) -> Peer {
    let files = pki().leaf(leaf);
    lucid_serve_peer(&files.cert, &files.key, args)
}

/// The `negotiated` words of `lucid serve`'s `client ADDR: negotiated <version> <suite>
/// <group>` line (the first client's).
pub fn parse_server_negotiated(stderr: &str) -> Option<crate::lucid::Negotiated> {
    let rest = stderr
        .lines()
        .find_map(|line| line.split_once(": negotiated ").map(|(_, rest)| rest))?;
    let mut words = rest.split_whitespace();
    Some(crate::lucid::Negotiated {
        version: words.next()?.to_string(),
        suite: words.next()?.to_string(),
        group: words.next()?.to_string(),
    })
}

/// The extensions of the ServerHello in lucid's `--verbose` trace (`... ServerHello: version
/// TLSv1.2; suite ...; extensions a, b, c`), or `None` if there is no TLS 1.2 ServerHello line.
pub fn parse_trace_server_hello_extensions(stderr: &str) -> Option<Vec<String>> {
    let line = stderr
        .lines()
        .find(|line| line.contains("ServerHello: version TLSv1.2;"))?;
    let list = line.split_once("; extensions ")?.1;
    let list = list.split(';').next().unwrap_or_default();
    Some(list.split(',').map(|e| e.trim().to_string()).collect())
}

/// The line of lucid's `--verbose` trace saying the master secret came from the extended
/// derivation (RFC 7627).
pub const TRACE_EXTENDED_MASTER_SECRET: &str =
    "master secret derived from the pre-master secret (extended master secret, RFC 7627)";

/// What a full (not `-brief`) `openssl s_client` report says about a TLS 1.2 session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpensslSession {
    /// `Protocol  : TLSv1.2`
    pub protocol: Option<String>,
    /// `Cipher    : ECDHE-RSA-AES128-GCM-SHA256` (OpenSSL's name)
    pub cipher: Option<String>,
    /// `Extended master secret: yes`
    pub extended_master_secret: Option<bool>,
    /// `Master-Key: <hex>` (upper-case hex as printed)
    pub master_key: Option<String>,
    /// `Verify return code: 0 (ok)`
    pub verify_return_code: Option<String>,
}

/// Parses the `SSL-Session:` block of `openssl s_client`'s full report.
pub fn parse_openssl_session(text: &str) -> OpensslSession {
    let mut session = OpensslSession::default();
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match key.trim() {
            "Protocol" => session.protocol = Some(value),
            "Cipher" => session.cipher = Some(value),
            "Extended master secret" => session.extended_master_secret = Some(value == "yes"),
            "Master-Key" => session.master_key = Some(value),
            "Verify return code" => session.verify_return_code = Some(value),
            _ => {}
        }
    }
    session
}

/// GnuTLS's `- Options: extended master secret, safe renegotiation, EtM,` as a list.
pub fn parse_gnutls_options(text: &str) -> Option<Vec<String>> {
    let line = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("- Options:"))?;
    Some(
        line.split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// The fields of a TLS 1.2 `- Description:` line: `(TLS1.2-X.509)-(ECDHE-SECP256R1)-
/// (ECDSA-SHA256)-(AES-128-CBC)-(SHA1)` gives five; RSA key transport has no signature field,
/// AEAD suites no MAC field.
pub fn parse_gnutls_description_fields(text: &str) -> Option<Vec<String>> {
    let line = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("- Description:"))?
        .trim();
    let inner = line.strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.split(")-(").map(str::to_string).collect())
}

/// Checks GnuTLS's output for `suite` over TLS 1.2 with the extended master secret, and for
/// Encrypt-then-MAC exactly when the suite is CBC. `Err` says what differs.
pub fn check_gnutls12(text: &str, suite: &Suite12) -> Result<(), String> {
    let fields =
        parse_gnutls_description_fields(text).ok_or("no '- Description:' line in GnuTLS output")?;
    let version_ok = fields.first().map(String::as_str) == Some("TLS1.2-X.509");
    let kx_ok = fields.get(1).is_some_and(|kx| {
        let prefix = suite.kx.gnutls_description_prefix();
        if suite.kx == Kx::Rsa {
            kx == prefix
        } else {
            kx.starts_with(prefix)
        }
    });
    // The cipher follows the optional signature field; the MAC closes CBC descriptions.
    let (cipher, mac) = if suite.is_cbc() {
        (fields.iter().rev().nth(1), fields.last())
    } else {
        (fields.last(), None)
    };
    let cipher_ok = cipher.map(String::as_str) == Some(suite.gnutls_cipher);
    let mac_ok = !suite.is_cbc() || mac.map(String::as_str) == Some(suite.gnutls_mac);
    if !(version_ok && kx_ok && cipher_ok && mac_ok) {
        return Err(format!(
            "GnuTLS negotiated {fields:?}; expected TLS1.2-X.509, {}*, {}, {}",
            suite.kx.gnutls_description_prefix(),
            suite.gnutls_cipher,
            suite.gnutls_mac
        ));
    }
    let options = parse_gnutls_options(text).ok_or("no '- Options:' line in GnuTLS output")?;
    if !options.iter().any(|o| o == "extended master secret") {
        return Err(format!(
            "GnuTLS did not negotiate the extended master secret: {options:?}"
        ));
    }
    let etm = options.iter().any(|o| o == "EtM");
    if etm != suite.is_cbc() {
        return Err(format!(
            "GnuTLS Encrypt-then-MAC is {etm} on a {} suite: {options:?}",
            if suite.is_cbc() { "CBC" } else { "AEAD" }
        ));
    }
    Ok(())
}

/// The `CLIENT_RANDOM <client random> <master secret>` lines of an NSS key log, lower-cased.
pub fn parse_client_random_lines(keylog: &str) -> Vec<(String, String)> {
    keylog
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some("CLIENT_RANDOM"), Some(random), Some(secret), None) => {
                    Some((random.to_ascii_lowercase(), secret.to_ascii_lowercase()))
                }
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        assert_eq!(SUITES.len(), 27);
        let mut names: Vec<&str> = SUITES.iter().map(|s| s.iana).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 27, "duplicate IANA names");
        for s in SUITES {
            assert!(s.iana.starts_with("TLS_"), "{}", s.iana);
            assert_eq!(s.iana.contains("_CBC_"), s.is_cbc(), "{}", s.iana);
            assert_eq!(
                s.iana.contains("ECDSA"),
                s.kx == Kx::EcdheEcdsa,
                "{}",
                s.iana
            );
            let modern = s.iana.starts_with("TLS_ECDHE_") && !s.is_cbc();
            assert_eq!(s.is_modern(), modern, "{}", s.iana);
        }
        assert_eq!(SUITES.iter().filter(|s| s.is_modern()).count(), 6);
        let s = Suite12::from_iana("TLS_RSA_WITH_AES_128_CBC_SHA256").unwrap();
        assert_eq!(
            s.gnutls_priority(),
            "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA256"
        );
        assert_eq!(
            s.lucid_args(),
            [
                "--tls1.2",
                "--cipher",
                "TLS_RSA_WITH_AES_128_CBC_SHA256",
                "--policy",
                "compatible"
            ]
        );
    }

    #[test]
    fn parses_gnutls_tls12_reports() {
        let cbc = Suite12::from_iana("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA").unwrap();
        let text =
            "- Description: (TLS1.2-X.509)-(ECDHE-SECP256R1)-(ECDSA-SHA256)-(AES-128-CBC)-(SHA1)\n\
            - Options: extended master secret, safe renegotiation, EtM,\n";
        assert_eq!(check_gnutls12(text, &cbc), Ok(()));
        let no_etm = text.replace(" EtM,", "");
        assert!(check_gnutls12(&no_etm, &cbc)
            .unwrap_err()
            .contains("Encrypt-then-MAC"));
        let no_ems = text.replace("extended master secret, ", "");
        assert!(check_gnutls12(&no_ems, &cbc).is_err());

        let rsa = Suite12::from_iana("TLS_RSA_WITH_AES_128_GCM_SHA256").unwrap();
        let text = "- Description: (TLS1.2-X.509)-(RSA)-(AES-128-GCM)\n\
            - Options: extended master secret, safe renegotiation,\n";
        assert_eq!(check_gnutls12(text, &rsa), Ok(()));
        let other = Suite12::from_iana("TLS_RSA_WITH_AES_256_GCM_SHA384").unwrap();
        assert!(check_gnutls12(text, &other).is_err());
        let dhe = Suite12::from_iana("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256").unwrap();
        assert!(check_gnutls12(text, &dhe).is_err());
    }

    #[test]
    fn parses_openssl_session_and_keylogs() {
        let text = "SSL-Session:\n    Protocol  : TLSv1.2\n    Cipher    : AES128-SHA\n\
            \x20   Master-Key: 06AD39\n    Verify return code: 0 (ok)\n    Extended master secret: yes\n---\nolleh\n";
        let s = parse_openssl_session(text);
        assert_eq!(s.protocol.as_deref(), Some("TLSv1.2"));
        assert_eq!(s.cipher.as_deref(), Some("AES128-SHA"));
        assert_eq!(s.master_key.as_deref(), Some("06AD39"));
        assert_eq!(s.extended_master_secret, Some(true));
        assert_eq!(s.verify_return_code.as_deref(), Some("0 (ok)"));
        let log =
            "# comment\nCLIENT_RANDOM AABB 0102\nCLIENT_TRAFFIC_SECRET_0 aa bb\nCLIENT_RANDOM x\n";
        assert_eq!(
            parse_client_random_lines(log),
            [("aabb".to_string(), "0102".to_string())]
        );
    }

    #[test]
    fn parses_lucid_lines() {
        let stderr = "listening on 127.0.0.1:1\nclient 127.0.0.1:5: negotiated TLSv1.2 TLS_RSA_WITH_AES_128_GCM_SHA256 -\n\
            server → ServerHello: version TLSv1.2; suite X; extensions renegotiation_info, encrypt_then_mac; downgrade sentinel set\n";
        let n = parse_server_negotiated(stderr).unwrap();
        assert_eq!(n.version, "TLSv1.2");
        assert_eq!(n.group, "-");
        assert_eq!(
            parse_trace_server_hello_extensions(stderr).unwrap(),
            ["renegotiation_info", "encrypt_then_mac"]
        );
    }
}
