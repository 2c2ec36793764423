//! Turning trace events into readable lines.
//!
//! [`describe`] says what one event means, in the words of the handshake's classic
//! description; [`line`] adds who speaks and in which direction. Every command prints
//! events through here ([`Watcher`]); `--explain`'s step-by-step narration is in
//! [`crate::explain`].
//!
//! One event reads differently in the two versions: a ChangeCipherSpec is a real
//! protocol step in TLS 1.2 and a middlebox-compatibility no-op in TLS 1.3. Such
//! events take the version from the ServerHello seen before them ([`describe`]).

use crate::explain::Explainer;
use crate::trace_json::JsonTracer;
use lucidtls::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use lucidtls::msgs::server_hello::DOWNGRADE_TLS12;
use lucidtls::suites::{tls12_suite, KeyExchange};
use lucidtls::{Observer, Side, TraceEvent};
use std::io::Write;
use std::sync::Mutex;

/// One line describing `event` (without side or direction) on a connection whose
/// ServerHello chose `version` (`None` before the ServerHello).
pub fn describe(event: &TraceEvent, version: Option<ProtocolVersion>) -> String {
    match event {
        TraceEvent::ClientHello {
            versions,
            cipher_suites,
            extensions,
            server_name,
            key_shares,
            ..
        } => {
            let mut s = format!(
                "ClientHello: versions {}; suites {}",
                join(versions),
                join(cipher_suites)
            );
            // Key shares exist only in TLS 1.3.
            if versions.contains(&ProtocolVersion::Tls13) || !key_shares.is_empty() {
                s.push_str(&format!("; key share {}", or_none(key_shares)));
            }
            if let Some(name) = server_name {
                s.push_str(&format!("; server name {name}"));
            }
            s.push_str(&format!("; {} extensions", extensions.len()));
            s
        }
        TraceEvent::HelloRetryRequest { group, .. } => {
            format!("HelloRetryRequest: the server asks for a key share for {group}")
        }
        TraceEvent::ServerHello {
            version: ProtocolVersion::Tls12,
            random,
            cipher_suite,
            extensions,
            ..
        } => {
            let mut s = format!(
                "ServerHello: version TLSv1.2; suite {cipher_suite}; extensions {}",
                or_none(extensions)
            );
            if random.get(24..) == Some(&DOWNGRADE_TLS12[..]) {
                s.push_str("; downgrade sentinel set (the server also speaks TLS 1.3)");
            }
            s
        }
        TraceEvent::ServerHello {
            version,
            cipher_suite,
            group,
            ..
        } => format!(
            "ServerHello: version {version}; suite {cipher_suite}; key share {}",
            group_text(*group)
        ),
        TraceEvent::ServerKeyExchange {
            kx,
            group,
            dh_bits,
            scheme,
            verified,
            ..
        } => {
            let params = match (kx, group, dh_bits) {
                (KeyExchange::Dhe, Some(g), Some(bits)) => format!("DHE {g} ({bits}-bit prime)"),
                (KeyExchange::Dhe, None, Some(bits)) => format!("DHE {bits}-bit prime"),
                (kx, Some(g), _) => format!("{kx} {g}"),
                (kx, None, _) => kx.to_string(),
            };
            format!(
                "ServerKeyExchange: {params}, signed with {scheme}{}",
                if *verified { ", verified" } else { "" }
            )
        }
        TraceEvent::ServerHelloDone { .. } => "ServerHelloDone".to_string(),
        TraceEvent::ClientKeyExchange { kx, .. } => format!(
            "ClientKeyExchange: {}",
            match kx {
                KeyExchange::Rsa => "RSA key transport (encrypted pre-master secret)",
                KeyExchange::Ecdhe => "ECDHE (the client's ephemeral public key)",
                KeyExchange::Dhe => "DHE (the client's ephemeral public value)",
            }
        ),
        TraceEvent::MasterSecret { extended } => format!(
            "master secret derived from the pre-master secret ({})",
            if *extended {
                "extended master secret, RFC 7627"
            } else {
                "classic derivation from the randoms: no extended master secret"
            }
        ),
        TraceEvent::Renegotiation { accepted, .. } => format!(
            "renegotiation requested: {}",
            if *accepted {
                "accepted"
            } else {
                "refused (no_renegotiation warning)"
            }
        ),
        TraceEvent::KeyExchange { group } => {
            format!("key exchange: {group} shared secret computed, handshake secret derived")
        }
        TraceEvent::KeysDerived {
            name,
            key_len,
            iv_len,
        } => format!("keys derived: {name} (key {key_len} bytes, IV {iv_len} bytes)"),
        TraceEvent::ChangeCipherSpec { .. } => if version == Some(ProtocolVersion::Tls12) {
            "ChangeCipherSpec: the sender's records are encrypted from here on"
        } else {
            "ChangeCipherSpec (middlebox compatibility, ignored)"
        }
        .to_string(),
        TraceEvent::EncryptedExtensions {
            extensions, alpn, ..
        } => {
            let mut s = format!("EncryptedExtensions: {}", or_none(extensions));
            if let Some(p) = alpn {
                s.push_str(&format!("; ALPN {p}"));
            }
            s
        }
        TraceEvent::CertificateRequest { schemes, .. } => {
            format!("CertificateRequest: signature schemes {}", or_none(schemes))
        }
        TraceEvent::Certificate { chain, .. } => {
            if chain.is_empty() {
                "Certificate: empty".to_string()
            } else {
                format!("Certificate: {}", chain.join(" | "))
            }
        }
        TraceEvent::CertificateCheck {
            check,
            passed,
            checked,
            detail,
        } => {
            let outcome = match (*checked, *passed) {
                (true, true) => "passed",
                (true, false) => "FAILED",
                // Did not run: neither a pass nor a failure.
                (false, true) => "– not checked",
                (false, false) => "NOT CHECKED",
            };
            let detail = if *checked {
                detail.as_str()
            } else {
                detail.strip_prefix("not checked: ").unwrap_or(detail)
            };
            format!("certificate check, {check}: {outcome} ({detail})")
        }
        TraceEvent::CertificateVerify {
            scheme, verified, ..
        } => format!(
            "CertificateVerify: {scheme} signature{}",
            if *verified { ", verified" } else { "" }
        ),
        TraceEvent::Finished { verified, .. } => {
            format!("Finished{}", if *verified { ": verified" } else { "" })
        }
        TraceEvent::HandshakeComplete {
            version,
            cipher_suite,
            group,
            alpn,
        } => {
            let mut s = format!("handshake complete: {version} {cipher_suite}");
            if let Some(g) = group {
                s.push_str(&format!(" {g}"));
            }
            if let Some(p) = alpn {
                s.push_str(&format!(" ALPN {p}"));
            }
            s
        }
        TraceEvent::Resumption {
            version,
            mechanism,
            accepted,
            reason,
            ..
        } => {
            let mut s = format!(
                "resumption of a {version} session by {mechanism}: {}",
                if *accepted { "accepted" } else { "declined" }
            );
            if let Some(why) = reason {
                s.push_str(&format!(" ({why})"));
            }
            s
        }
        TraceEvent::NewSessionTicket { lifetime, .. } => {
            format!("NewSessionTicket: lifetime {lifetime} s")
        }
        TraceEvent::KeyUpdate {
            update_requested, ..
        } => format!(
            "KeyUpdate{}",
            if *update_requested {
                " (update requested)"
            } else {
                ""
            }
        ),
        TraceEvent::ApplicationData { bytes, .. } => format!("application data: {bytes} bytes"),
        TraceEvent::Alert {
            description, fatal, ..
        } => format!(
            "Alert: {description} ({})",
            if *fatal { "fatal" } else { "warning" }
        ),
        // Events added to the library later still print, if plainly.
        other => format!("{other:?}"),
    }
}

/// The full line for `event` as seen by `side`: `client → ClientHello: ...` for a
/// message it sent, `server ← ClientHello: ...` for one it received, and
/// `client · keys derived: ...` for a local step.
pub fn line(side: Side, event: &TraceEvent, version: Option<ProtocolVersion>) -> String {
    let arrow = match event.sender() {
        Some(from) if from == side => "→",
        Some(_) => "←",
        None => "·",
    };
    format!("{side:<6} {arrow} {}", describe(event, version))
}

/// Where an [`Printer`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    /// Standard output (the demo's narration).
    Stdout,
    /// Standard error (`--verbose`, which keeps stdout for application data).
    Stderr,
}

/// An observer that prints one line per event.
#[derive(Debug)]
pub struct Printer {
    side: Side,
    sink: Sink,
    /// The version of the current connection, from its ServerHello.
    version: Mutex<Option<ProtocolVersion>>,
}

impl Printer {
    /// Prints events seen by `side` to `sink`.
    pub fn new(side: Side, sink: Sink) -> Self {
        Self {
            side,
            sink,
            version: Mutex::new(None),
        }
    }
}

impl Printer {
    /// The line for `event`, keeping track of the connection's version.
    fn observe(&self, event: &TraceEvent) -> String {
        let mut version = self.version.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            // A new connection (serve handles one after another with one config).
            TraceEvent::ClientHello { .. } => *version = None,
            TraceEvent::ServerHello { version: v, .. } => *version = Some(*v),
            _ => {}
        }
        line(self.side, event, *version)
    }
}

impl Observer for Printer {
    fn on_event(&self, event: &TraceEvent) {
        let text = self.observe(event);
        // Printing is best effort: a closed terminal must not break the connection.
        let _ = match self.sink {
            Sink::Stdout => writeln!(std::io::stdout().lock(), "{text}"),
            Sink::Stderr => writeln!(std::io::stderr().lock(), "{text}"),
        };
    }
}

/// `a, b, c`: the items' `Display` forms, comma-separated.
pub(crate) fn join<T: core::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// [`join`], or `none` for no items.
pub(crate) fn or_none<T: core::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        join(items)
    }
}

fn group_text(group: Option<NamedGroup>) -> String {
    group.map_or_else(|| "none".to_string(), |g| g.to_string())
}

/// How a [`Watcher`] prints the events it sees.
#[derive(Debug)]
pub enum Narrator {
    /// One line per event (`--verbose`, the demo without `--explain`).
    Lines(Printer),
    /// Each event as a step with its values and what it is for (`--explain`).
    Explain(Explainer),
}

impl Observer for Narrator {
    fn on_event(&self, event: &TraceEvent) {
        match self {
            Self::Lines(p) => p.on_event(event),
            Self::Explain(e) => e.on_event(event),
        }
    }
}

/// The observer of one connection. It remembers what the `negotiated:` line needs from
/// the trace and the connection state does not hold: the size of a DH prime the server
/// sent without naming its group. With a [`Narrator`] it also prints every event
/// (`--verbose`, `--explain`), with a [`JsonTracer`] it records every event
/// (`--trace-json`).
#[derive(Debug)]
pub struct Watcher {
    printer: Option<Narrator>,
    json: Option<JsonTracer>,
    dh_bits: Mutex<Option<usize>>,
}

impl Watcher {
    /// Watches, prints through `printer` and records through `json` if given.
    pub fn new(printer: Option<Narrator>, json: Option<JsonTracer>) -> Self {
        Self {
            printer,
            json,
            dh_bits: Mutex::new(None),
        }
    }

    /// The DH prime size of the latest ServerKeyExchange, if it was DHE.
    pub fn dh_bits(&self) -> Option<usize> {
        *self.dh_bits.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Observer for Watcher {
    fn on_event(&self, event: &TraceEvent) {
        match event {
            TraceEvent::ClientHello { .. } => {
                *self.dh_bits.lock().unwrap_or_else(|p| p.into_inner()) = None;
            }
            TraceEvent::ServerKeyExchange { dh_bits, .. } => {
                *self.dh_bits.lock().unwrap_or_else(|p| p.into_inner()) = *dh_bits;
            }
            _ => {}
        }
        if let Some(json) = &self.json {
            json.record(event);
        }
        if let Some(printer) = &self.printer {
            printer.on_event(event);
        }
    }
}

/// `version suite group` as printed in the `negotiated:` line. The group column is
/// `-` for TLS 1.2 RSA key transport (no key exchange group); for DHE it names the
/// RFC 7919 group, or `dh<bits>` when the server sent a prime without naming it
/// (`dh_bits`, from a [`Watcher`]).
pub fn negotiated_summary(negotiated: &lucidtls::Negotiated, dh_bits: Option<usize>) -> String {
    let version = negotiated
        .version
        .map_or_else(|| "?".to_string(), |v| v.to_string());
    let suite = negotiated
        .cipher_suite
        .map_or_else(|| "?".to_string(), |s: CipherSuite| s.to_string());
    let kx = negotiated.cipher_suite.and_then(tls12_suite).map(|s| s.kx);
    let group = match (negotiated.group, kx, dh_bits) {
        (Some(g), _, _) => g.to_string(),
        (None, Some(KeyExchange::Dhe), Some(bits)) => format!("dh{bits}"),
        (None, _, _) => "-".to_string(),
    };
    format!("{version} {suite} {group}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use lucidtls::enums::{AlertDescription, ExtensionType, ProtocolVersion};

    fn client_hello() -> TraceEvent {
        TraceEvent::ClientHello {
            from: Side::Client,
            versions: vec![ProtocolVersion::Tls13],
            random: [7; 32],
            session_id: vec![1; 32],
            cipher_suites: vec![
                CipherSuite::TLS13_AES_128_GCM_SHA256,
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            ],
            extensions: vec![ExtensionType::ServerName, ExtensionType::KeyShare],
            server_name: Some("localhost".into()),
            key_shares: vec![NamedGroup::X25519],
            compression_methods: vec![0],
        }
    }

    #[test]
    fn client_hello_reads_like_the_spec() {
        assert_eq!(
            describe(&client_hello(), None),
            "ClientHello: versions TLSv1.3; suites TLS_AES_128_GCM_SHA256, \
             TLS_CHACHA20_POLY1305_SHA256; key share x25519; server name localhost; 2 extensions"
        );
    }

    #[test]
    fn direction_depends_on_who_observes() {
        let ev = client_hello();
        assert!(line(Side::Client, &ev, None).starts_with("client → ClientHello"));
        assert!(line(Side::Server, &ev, None).starts_with("server ← ClientHello"));
        let local = TraceEvent::KeyExchange {
            group: NamedGroup::secp256r1,
        };
        assert_eq!(
            line(Side::Server, &local, None),
            "server · key exchange: secp256r1 shared secret computed, handshake secret derived"
        );
    }

    #[test]
    fn alerts_and_finished() {
        let alert = TraceEvent::Alert {
            from: Side::Server,
            description: AlertDescription::UnknownCa,
            fatal: true,
        };
        assert_eq!(describe(&alert, None), "Alert: unknown_ca (fatal)");
        let fin = TraceEvent::Finished {
            from: Side::Server,
            verified: true,
        };
        assert_eq!(describe(&fin, None), "Finished: verified");
        assert_eq!(
            describe(
                &TraceEvent::Finished {
                    from: Side::Client,
                    verified: false
                },
                None
            ),
            "Finished"
        );
    }

    #[test]
    fn summary_of_negotiation() {
        let n = lucidtls::Negotiated {
            version: Some(ProtocolVersion::Tls13),
            cipher_suite: Some(CipherSuite::TLS13_AES_256_GCM_SHA384),
            group: Some(NamedGroup::secp384r1),
            ..Default::default()
        };
        assert_eq!(
            negotiated_summary(&n, None),
            "TLSv1.3 TLS_AES_256_GCM_SHA384 secp384r1"
        );
        let tls12 = |suite, group| lucidtls::Negotiated {
            version: Some(ProtocolVersion::Tls12),
            cipher_suite: Some(suite),
            group,
            ..Default::default()
        };
        assert_eq!(
            negotiated_summary(
                &tls12(
                    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                    Some(NamedGroup::X25519)
                ),
                None
            ),
            "TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 x25519"
        );
        // RSA key transport has no group.
        assert_eq!(
            negotiated_summary(
                &tls12(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA, None),
                Some(2048)
            ),
            "TLSv1.2 TLS_RSA_WITH_AES_128_CBC_SHA -"
        );
        // DHE: the named group (server), else the prime size the client saw.
        let dhe = CipherSuite::TLS_DHE_RSA_WITH_AES_256_GCM_SHA384;
        assert_eq!(
            negotiated_summary(&tls12(dhe, Some(NamedGroup::FFDHE2048)), None),
            "TLSv1.2 TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 ffdhe2048"
        );
        assert_eq!(
            negotiated_summary(&tls12(dhe, None), Some(3072)),
            "TLSv1.2 TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 dh3072"
        );
    }

    #[test]
    fn tls12_steps_read_like_the_spec() {
        use lucidtls::enums::SignatureScheme;
        let ske = TraceEvent::ServerKeyExchange {
            from: Side::Server,
            kx: KeyExchange::Ecdhe,
            group: Some(NamedGroup::X25519),
            dh_bits: None,
            scheme: SignatureScheme::RSA_PSS_RSAE_SHA256,
            verified: true,
        };
        assert_eq!(
            line(Side::Client, &ske, Some(ProtocolVersion::Tls12)),
            "client ← ServerKeyExchange: ECDHE x25519, signed with rsa_pss_rsae_sha256, verified"
        );
        let dhe = TraceEvent::ServerKeyExchange {
            from: Side::Server,
            kx: KeyExchange::Dhe,
            group: None,
            dh_bits: Some(2048),
            scheme: SignatureScheme::RSA_PKCS1_SHA256,
            verified: false,
        };
        assert_eq!(
            line(Side::Server, &dhe, None),
            "server → ServerKeyExchange: DHE 2048-bit prime, signed with rsa_pkcs1_sha256"
        );
        assert_eq!(
            line(
                Side::Server,
                &TraceEvent::ClientKeyExchange {
                    from: Side::Client,
                    kx: KeyExchange::Rsa
                },
                None
            ),
            "server ← ClientKeyExchange: RSA key transport (encrypted pre-master secret)"
        );
        assert_eq!(
            line(
                Side::Client,
                &TraceEvent::MasterSecret { extended: true },
                None
            ),
            "client · master secret derived from the pre-master secret \
             (extended master secret, RFC 7627)"
        );
        assert!(
            describe(&TraceEvent::MasterSecret { extended: false }, None)
                .contains("no extended master secret")
        );
        assert_eq!(
            line(
                Side::Client,
                &TraceEvent::ServerHelloDone { from: Side::Server },
                None
            ),
            "client ← ServerHelloDone"
        );
        assert_eq!(
            describe(
                &TraceEvent::Renegotiation {
                    from: Side::Client,
                    accepted: false
                },
                None
            ),
            "renegotiation requested: refused (no_renegotiation warning)"
        );
    }

    #[test]
    fn tls12_server_hello_lists_extensions_and_the_sentinel() {
        let mut random = [9u8; 32];
        let hello = |random| TraceEvent::ServerHello {
            from: Side::Server,
            version: ProtocolVersion::Tls12,
            random,
            session_id: vec![],
            cipher_suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
            group: None,
            extensions: vec![
                ExtensionType::ExtendedMasterSecret,
                ExtensionType::EncryptThenMac,
            ],
            compression_method: 0,
        };
        assert_eq!(
            describe(&hello(random), None),
            "ServerHello: version TLSv1.2; suite TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256; \
             extensions extended_master_secret, encrypt_then_mac"
        );
        random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        assert!(describe(&hello(random), None)
            .ends_with("; downgrade sentinel set (the server also speaks TLS 1.3)"));
    }

    #[test]
    fn change_cipher_spec_depends_on_the_version() {
        let ccs = TraceEvent::ChangeCipherSpec { from: Side::Client };
        assert!(describe(&ccs, Some(ProtocolVersion::Tls13)).contains("middlebox"));
        assert!(describe(&ccs, Some(ProtocolVersion::Tls12)).contains("encrypted from here on"));
        // The printer learns the version from the ServerHello.
        let printer = Printer::new(Side::Client, Sink::Stderr);
        assert_eq!(*printer.version.lock().unwrap(), None);
        printer.observe(&TraceEvent::ServerHello {
            from: Side::Server,
            version: ProtocolVersion::Tls12,
            random: [0; 32],
            session_id: vec![],
            cipher_suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            group: None,
            extensions: vec![],
            compression_method: 0,
        });
        assert_eq!(
            *printer.version.lock().unwrap(),
            Some(ProtocolVersion::Tls12)
        );
        let line = printer.observe(&client_hello());
        assert!(line.starts_with("client → ClientHello"), "{line}");
        assert_eq!(*printer.version.lock().unwrap(), None);
    }

    #[test]
    fn watcher_remembers_the_dh_prime_size() {
        let watcher = Watcher::new(None, None);
        assert_eq!(watcher.dh_bits(), None);
        watcher.on_event(&TraceEvent::ServerKeyExchange {
            from: Side::Server,
            kx: KeyExchange::Dhe,
            group: None,
            dh_bits: Some(3072),
            scheme: lucidtls::enums::SignatureScheme::RSA_PSS_RSAE_SHA256,
            verified: true,
        });
        assert_eq!(watcher.dh_bits(), Some(3072));
        watcher.on_event(&client_hello());
        assert_eq!(watcher.dh_bits(), None);
    }
}
