//! Turning trace events into readable lines.
//!
//! [`describe`] says what one event means, in the words of the handshake's classic
//! description; [`line`] adds who speaks and in which direction. Every command prints
//! events through here, so richer narration only has to grow in this module.

use lucidtls::enums::{CipherSuite, NamedGroup};
use lucidtls::{Observer, Side, TraceEvent};
use std::io::Write;

/// One line describing `event` (without side or direction).
pub fn describe(event: &TraceEvent) -> String {
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
                "ClientHello: versions {}; suites {}; key share {}",
                join(versions),
                join(cipher_suites),
                or_none(key_shares)
            );
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
            version,
            cipher_suite,
            group,
            ..
        } => format!(
            "ServerHello: version {version}; suite {cipher_suite}; key share {}",
            group_text(*group)
        ),
        TraceEvent::KeyExchange { group } => {
            format!("key exchange: {group} shared secret computed, handshake secret derived")
        }
        TraceEvent::KeysDerived {
            name,
            key_len,
            iv_len,
        } => format!("keys derived: {name} (key {key_len} bytes, IV {iv_len} bytes)"),
        TraceEvent::ChangeCipherSpec { .. } => {
            "ChangeCipherSpec (middlebox compatibility, ignored)".to_string()
        }
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
            detail,
        } => format!(
            "certificate check, {check}: {} ({detail})",
            if *passed { "passed" } else { "FAILED" }
        ),
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
            let mut s = format!(
                "handshake complete: {version} {cipher_suite} {}",
                group_text(*group)
            );
            if let Some(p) = alpn {
                s.push_str(&format!(" ALPN {p}"));
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

/// Who sent the message an event is about; `None` for local steps (key derivation,
/// checks).
pub fn sender(event: &TraceEvent) -> Option<Side> {
    match event {
        TraceEvent::ClientHello { from, .. }
        | TraceEvent::HelloRetryRequest { from, .. }
        | TraceEvent::ServerHello { from, .. }
        | TraceEvent::ChangeCipherSpec { from }
        | TraceEvent::EncryptedExtensions { from, .. }
        | TraceEvent::CertificateRequest { from, .. }
        | TraceEvent::Certificate { from, .. }
        | TraceEvent::CertificateVerify { from, .. }
        | TraceEvent::Finished { from, .. }
        | TraceEvent::NewSessionTicket { from, .. }
        | TraceEvent::KeyUpdate { from, .. }
        | TraceEvent::ApplicationData { from, .. }
        | TraceEvent::Alert { from, .. } => Some(*from),
        _ => None,
    }
}

/// The full line for `event` as seen by `side`: `client → ClientHello: ...` for a
/// message it sent, `server ← ClientHello: ...` for one it received, and
/// `client · keys derived: ...` for a local step.
pub fn line(side: Side, event: &TraceEvent) -> String {
    let arrow = match sender(event) {
        Some(from) if from == side => "→",
        Some(_) => "←",
        None => "·",
    };
    format!("{side:<6} {arrow} {}", describe(event))
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
}

impl Printer {
    /// Prints events seen by `side` to `sink`.
    pub fn new(side: Side, sink: Sink) -> Self {
        Self { side, sink }
    }
}

impl Observer for Printer {
    fn on_event(&self, event: &TraceEvent) {
        let text = line(self.side, event);
        // Printing is best effort: a closed terminal must not break the connection.
        let _ = match self.sink {
            Sink::Stdout => writeln!(std::io::stdout().lock(), "{text}"),
            Sink::Stderr => writeln!(std::io::stderr().lock(), "{text}"),
        };
    }
}

fn join<T: core::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn or_none<T: core::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        join(items)
    }
}

fn group_text(group: Option<NamedGroup>) -> String {
    group.map_or_else(|| "none".to_string(), |g| g.to_string())
}

/// `version suite group` as printed in the `negotiated:` line.
pub fn negotiated_summary(negotiated: &lucidtls::Negotiated) -> String {
    let version = negotiated
        .version
        .map_or_else(|| "?".to_string(), |v| v.to_string());
    let suite = negotiated
        .cipher_suite
        .map_or_else(|| "?".to_string(), |s: CipherSuite| s.to_string());
    format!("{version} {suite} {}", group_text(negotiated.group))
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
        }
    }

    #[test]
    fn client_hello_reads_like_the_spec() {
        assert_eq!(
            describe(&client_hello()),
            "ClientHello: versions TLSv1.3; suites TLS_AES_128_GCM_SHA256, \
             TLS_CHACHA20_POLY1305_SHA256; key share x25519; server name localhost; 2 extensions"
        );
    }

    #[test]
    fn direction_depends_on_who_observes() {
        let ev = client_hello();
        assert!(line(Side::Client, &ev).starts_with("client → ClientHello"));
        assert!(line(Side::Server, &ev).starts_with("server ← ClientHello"));
        let local = TraceEvent::KeyExchange {
            group: NamedGroup::secp256r1,
        };
        assert_eq!(
            line(Side::Server, &local),
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
        assert_eq!(describe(&alert), "Alert: unknown_ca (fatal)");
        let fin = TraceEvent::Finished {
            from: Side::Server,
            verified: true,
        };
        assert_eq!(describe(&fin), "Finished: verified");
        assert_eq!(
            describe(&TraceEvent::Finished {
                from: Side::Client,
                verified: false
            }),
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
            negotiated_summary(&n),
            "TLSv1.3 TLS_AES_256_GCM_SHA384 secp384r1"
        );
    }
}
