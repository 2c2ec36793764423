//! The client's opening, shared by both versions: the ClientHello, and the
//! ServerHello that decides whether TLS 1.3 or TLS 1.2 follows. Certificate
//! validation, which both versions perform the same way, lives here too.

use super::transcript::Transcript;
use super::{unexpected, HandshakeMessage, State};
use crate::config::{ClientConfig, ServerVerification};
use crate::conn::Common;
use crate::crypto::ActiveKx;
use crate::enums::{CipherSuite, HandshakeType, ProtocolVersion, PskKeyExchangeMode};
use crate::error::{CertificateCheck, Error};
use crate::msgs::server_hello::{DOWNGRADE_TLS11, DOWNGRADE_TLS12};
use crate::msgs::{ClientHello, Extension, Extensions, HandshakeBody, KeyShareEntry, ServerHello};
use crate::suites::{tls12_suite, tls13_suite, Bulk};
use crate::trace::{Side, TraceEvent};
use crate::verify::{self, VerifiedServerChain};
use rustls_pki_types::{CertificateDer, ServerName};
use std::sync::Arc;

/// What the client remembers between its hello and the server's answer.
pub(crate) struct HelloState {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
    pub(crate) random: [u8; 32],
    pub(crate) session_id: Vec<u8>,
    pub(crate) key_shares: Vec<Box<dyn ActiveKx>>,
    pub(crate) hello: ClientHello,
    pub(crate) hello_bytes: Vec<u8>,
}

/// Begins the handshake: sends the first ClientHello.
pub(crate) fn start(
    cx: &mut Common,
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
) -> Result<Box<dyn State>, Error> {
    let provider = &config.common.provider;
    let mut random = [0u8; 32];
    provider.fill_random(&mut random)?;
    // A non-empty legacy session id puts us in middlebox-compatibility mode (RFC 8446 D.4).
    let mut session_id = vec![0u8; 32];
    provider.fill_random(&mut session_id)?;
    let mut key_shares = Vec::new();
    for group in config.common.groups.iter().take(config.key_shares.max(1)) {
        let kx = provider
            .kx_group(*group)
            .ok_or(Error::Internal("configured group missing"))?;
        key_shares.push(kx.start()?);
    }
    cx.client_random = random;
    let mut state = HelloState {
        config,
        server_name,
        random,
        session_id,
        key_shares,
        hello: placeholder_hello(),
        hello_bytes: Vec::new(),
    };
    send_client_hello(cx, &mut state, None)?;
    Ok(Box::new(ExpectServerHello {
        hello: state,
        retried: None,
    }))
}

fn placeholder_hello() -> ClientHello {
    ClientHello {
        legacy_version: 0,
        random: [0; 32],
        session_id: Vec::new(),
        cipher_suites: Vec::new(),
        compression_methods: Vec::new(),
        extensions: Extensions::default(),
    }
}

/// Step 1: ClientHello — versions, random, suites, and the extensions that carry
/// our key shares and capabilities.
pub(crate) fn send_client_hello(
    cx: &mut Common,
    st: &mut HelloState,
    cookie: Option<Vec<u8>>,
) -> Result<(), Error> {
    let common = &st.config.common;
    let mut ext = Extensions::default();
    if st.config.enable_sni {
        if let ServerName::DnsName(name) = &st.server_name {
            ext.push(Extension::ServerName(Some(name.as_ref().to_string())));
        }
    }
    let tls13 = common.supports(ProtocolVersion::Tls13);
    let tls12 = common.supports(ProtocolVersion::Tls12);
    if tls13 {
        ext.push(Extension::SupportedVersionsOffer(common.versions.clone()));
    }
    ext.push(Extension::SupportedGroups(common.groups.clone()));
    ext.push(Extension::SignatureAlgorithms(
        common.signature_schemes.clone(),
    ));
    if tls13 {
        ext.push(Extension::KeyShareOffer(
            st.key_shares
                .iter()
                .map(|k| KeyShareEntry {
                    group: k.group(),
                    share: k.public_share().to_vec(),
                })
                .collect(),
        ));
        ext.push(Extension::PskKeyExchangeModes(vec![
            PskKeyExchangeMode::PskDheKe,
        ]));
    }
    if tls12 {
        // TLS 1.2 capabilities: uncompressed points only (RFC 8422 §5.1.2), the
        // extended master secret (RFC 7627), secure renegotiation (RFC 5746), and
        // Encrypt-then-MAC when a CBC suite is on offer (RFC 7366).
        ext.push(Extension::EcPointFormats(vec![0]));
        ext.push(Extension::ExtendedMasterSecret);
        ext.push(Extension::RenegotiationInfo(Vec::new()));
        let offers_cbc = common
            .cipher_suites
            .iter()
            .any(|s| tls12_suite(*s).is_some_and(|s| matches!(s.bulk, Bulk::Cbc(_))));
        if common.encrypt_then_mac && offers_cbc {
            ext.push(Extension::EncryptThenMac);
        }
    }
    if !common.alpn_protocols.is_empty() {
        ext.push(Extension::Alpn(common.alpn_protocols.clone()));
    }
    if let Some(cookie) = cookie {
        ext.push(Extension::Cookie(cookie));
    }
    let offered_suites = common
        .cipher_suites
        .iter()
        .copied()
        .filter(|s| (tls13 && tls13_suite(*s).is_some()) || (tls12 && tls12_suite(*s).is_some()))
        .collect();
    let hello = ClientHello {
        legacy_version: ProtocolVersion::Tls12.to_wire(),
        random: st.random,
        session_id: st.session_id.clone(),
        cipher_suites: offered_suites,
        compression_methods: vec![0],
        extensions: ext,
    };
    let bytes = hello.encode();
    cx.send_handshake(&bytes)?;
    cx.tracer.emit(|| TraceEvent::ClientHello {
        from: Side::Client,
        versions: common.versions.clone(),
        random: hello.random,
        session_id: hello.session_id.clone(),
        cipher_suites: hello.cipher_suites.clone(),
        extensions: hello.extensions.types(),
        server_name: hello.extensions.server_name().cloned().flatten(),
        key_shares: if tls13 {
            st.key_shares.iter().map(|k| k.group()).collect()
        } else {
            Vec::new()
        },
    });
    st.hello = hello;
    st.hello_bytes = bytes;
    Ok(())
}

pub(crate) struct ExpectServerHello {
    pub(crate) hello: HelloState,
    /// After a HelloRetryRequest: the transcript so far and the suite it named.
    pub(crate) retried: Option<(Transcript, CipherSuite)>,
}

impl State for ExpectServerHello {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::ServerHello {
            return Err(unexpected("ServerHello", &msg));
        }
        let sh = ServerHello::decode(msg.body())?;
        if sh.is_hello_retry_request() {
            return self.handle_hello_retry_request(cx, sh, &msg.bytes);
        }
        match negotiated_version(&self.hello, &sh)? {
            ProtocolVersion::Tls13 => self.handle_server_hello(cx, sh, &msg.bytes),
            _ => super::client12::handle_server_hello(cx, self.hello, sh, msg),
        }
    }
}

/// Which version the ServerHello chose, checked against what we offered; a TLS 1.2
/// answer from a server that could do TLS 1.3 must not carry the downgrade
/// sentinel (RFC 8446 §4.1.3).
fn negotiated_version(hello: &HelloState, sh: &ServerHello) -> Result<ProtocolVersion, Error> {
    let common = &hello.config.common;
    let version = match sh.extensions.supported_version_selected() {
        // RFC 8446 §4.2.1: supported_versions may only select TLS 1.3.
        Some(ProtocolVersion::Tls13) => ProtocolVersion::Tls13,
        Some(_) => {
            return Err(Error::IllegalParameter(
                "supported_versions selected a version other than TLS 1.3",
            ))
        }
        None => ProtocolVersion::from_wire(sh.legacy_version),
    };
    match version {
        ProtocolVersion::Tls13 if common.supports(ProtocolVersion::Tls13) => {}
        ProtocolVersion::Tls13 => {
            return Err(Error::IllegalParameter(
                "server chose TLS 1.3, which we did not offer",
            ))
        }
        ProtocolVersion::Tls12 if common.supports(ProtocolVersion::Tls12) => {
            if sh.extensions.supported_version_selected().is_some() {
                // RFC 8446 §4.2.1: supported_versions may only select TLS 1.3.
                return Err(Error::IllegalParameter(
                    "supported_versions selected TLS 1.2",
                ));
            }
            let tail = &sh.random[24..];
            if common.supports(ProtocolVersion::Tls13)
                && (tail == DOWNGRADE_TLS12 || tail == DOWNGRADE_TLS11)
            {
                return Err(Error::Downgrade);
            }
        }
        ProtocolVersion::Ssl3 => return Err(Error::VersionRefused(version)),
        _ => return Err(Error::NoCommonVersion),
    }
    Ok(version)
}

/// One-line summaries of a chain for the trace.
pub(crate) fn summarize_chain(chain: &[CertificateDer<'static>]) -> Vec<String> {
    chain
        .iter()
        .map(|c| match verify::describe_certificate(c) {
            Ok(i) => format!(
                "subject {}; issuer {}; valid {} to {}; key {}",
                i.subject,
                i.issuer,
                i.not_before_utc(),
                i.not_after_utc(),
                i.public_key
            ),
            Err(_) => format!("unparseable certificate ({} bytes)", c.as_ref().len()),
        })
        .collect()
}

/// Proof that the server's chain was checked, or that the user disabled checking.
/// It is only carried, never read: holding it is the point.
#[allow(dead_code)]
pub(crate) enum ServerIdentity {
    Verified(Box<VerifiedServerChain>),
    Unverified,
}

/// Step: certificate validation — chain, validity, usage, name — each check traced.
pub(crate) fn verify_server_certificate(
    cx: &mut Common,
    config: &ClientConfig,
    server_name: &ServerName<'static>,
    chain: &[CertificateDer<'static>],
) -> Result<ServerIdentity, Error> {
    let roots = match &config.verification {
        ServerVerification::Roots(r) => r,
        ServerVerification::DangerousDisabled => {
            cx.tracer.emit(|| TraceEvent::CertificateCheck {
                check: CertificateCheck::ChainToTrustAnchor,
                passed: false,
                detail: "verification disabled by configuration (--no-verify)".into(),
            });
            return Ok(ServerIdentity::Unverified);
        }
    };
    let now = (config.common.time)();
    let result = verify::verify_server_chain(
        &*config.common.provider,
        roots,
        chain,
        server_name,
        None,
        now,
    );
    match result {
        Ok(v) => {
            for r in v.reports() {
                cx.tracer.emit(|| TraceEvent::CertificateCheck {
                    check: r.check,
                    passed: r.passed,
                    detail: r.detail.clone(),
                });
            }
            Ok(ServerIdentity::Verified(Box::new(v)))
        }
        Err(e) => {
            if let Error::Certificate { check, detail } = &e {
                cx.tracer.emit(|| TraceEvent::CertificateCheck {
                    check: *check,
                    passed: false,
                    detail: detail.clone(),
                });
            }
            Err(e)
        }
    }
}
