//! `--explain`: the handshake narrated step by step, each step with its real values
//! and one sentence saying what it is for.
//!
//! [`step`] turns one trace event, seen by one side, into a [`Step`] (a title, the
//! values, the explanation); [`render`] lays a step out for a terminal, in colour or
//! plain. [`Explainer`] is the observer that does both as events arrive. Explanations
//! depend on what the event alone does not say — the version and key exchange the
//! ServerHello chose, whether the session was resumed — which [`Context`] follows.
//!
//! Secrets never reach this module: trace events carry none (keys are named with their
//! sizes only). Randoms and session ids are public, and are shown abbreviated.

use crate::narrate::{join, or_none, Sink};
use crate::trace_json::hex;
use lucidtls::enums::ProtocolVersion;
use lucidtls::msgs::server_hello::DOWNGRADE_TLS12;
use lucidtls::suites::{tls12_suite, KeyExchange};
use lucidtls::trace::{certificate_type_name, CertificateInfo, ResumptionMechanism};
use lucidtls::verify::format_utc;
use lucidtls::{CertificateCheck, Observer, Side, TraceEvent};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// Which way a step went, as seen by the side that observed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A message this side sent (`→`).
    Sent,
    /// A message this side received (`←`).
    Received,
    /// Something this side did by itself: a check, a key derivation (`·`).
    Local,
}

impl Direction {
    /// The arrow printed between side and title.
    pub fn arrow(self) -> &'static str {
        match self {
            Self::Sent => "→",
            Self::Received => "←",
            Self::Local => "·",
        }
    }
}

/// One narrated step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The side that observed it.
    pub side: Side,
    /// Sent, received or local.
    pub direction: Direction,
    /// The step's name: the message (`ServerKeyExchange`) or what happened
    /// (`certificate check: host name`).
    pub title: String,
    /// A short outcome after the title (`verified`, `passed`, `accepted`), if any.
    pub outcome: Option<Outcome>,
    /// The values, as (label, value) pairs, in the order they are printed.
    pub fields: Vec<(&'static str, String)>,
    /// One sentence: what the step is for.
    pub why: String,
}

/// The outcome of a step that checks something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Checked and fine (`verified`, `passed`, `accepted`).
    Good(&'static str),
    /// Checked and refused (`failed`, `declined`).
    Bad(&'static str),
    /// Not checked at all (`not checked`): neither a pass nor a failure.
    Neutral(&'static str),
}

/// What the explanation of a step depends on beyond the event itself, followed from
/// the events of one connection as one side sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The version the ServerHello chose.
    pub version: Option<ProtocolVersion>,
    /// TLS 1.2: the chosen suite's key exchange.
    pub kx: Option<KeyExchange>,
    /// Whether the server agreed to resume a session.
    pub resumed: bool,
    /// A HelloRetryRequest asked for another ClientHello.
    pub retry_requested: bool,
    /// This is the second ClientHello, after a HelloRetryRequest.
    pub second_hello: bool,
}

impl Context {
    /// Takes in what `event` tells about the connection.
    pub fn observe(&mut self, event: &TraceEvent) {
        match event {
            // A ClientHello (re)starts negotiation; after a HelloRetryRequest nothing
            // was chosen yet either.
            TraceEvent::ClientHello { .. } => {
                *self = Self {
                    second_hello: self.retry_requested,
                    ..Self::default()
                }
            }
            TraceEvent::HelloRetryRequest { .. } => self.retry_requested = true,
            TraceEvent::ServerHello {
                version,
                cipher_suite,
                ..
            } => {
                self.version = Some(*version);
                self.kx = tls12_suite(*cipher_suite).map(|s| s.kx);
            }
            TraceEvent::Resumption { accepted, .. } => self.resumed = *accepted,
            _ => {}
        }
    }

    fn tls12(&self) -> bool {
        self.version == Some(ProtocolVersion::Tls12)
    }
}

/// The step `event` is, as seen by `side` on a connection in state `cx` (taken in
/// before this event: see [`Context::observe`]).
pub fn step(side: Side, event: &TraceEvent, cx: &Context) -> Step {
    let direction = match event.sender() {
        Some(from) if from == side => Direction::Sent,
        Some(_) => Direction::Received,
        None => Direction::Local,
    };
    let mut s = Step {
        side,
        direction,
        title: String::new(),
        outcome: None,
        fields: Vec::new(),
        why: String::new(),
    };
    match event {
        TraceEvent::ClientHello { .. } => client_hello(&mut s, event, cx),
        TraceEvent::HelloRetryRequest { group, .. } => {
            s.title = "HelloRetryRequest".into();
            s.fields.push(("group wanted", group.to_string()));
            s.why = "The client's key share is for a group the server does not accept, so \
                     the server names the group it wants and the client sends a new \
                     ClientHello with a share for it, at the cost of one round trip."
                .into();
        }
        TraceEvent::ServerHello { .. } => server_hello(&mut s, event, cx),
        TraceEvent::EncryptedExtensions {
            extensions, alpn, ..
        } => {
            s.title = "EncryptedExtensions".into();
            s.fields.push(("extensions", or_none(extensions)));
            if let Some(p) = alpn {
                s.fields.push(("ALPN", p.clone()));
            }
            s.why = "The server answers the client's remaining extensions (server name, \
                     ALPN, …) under the handshake keys, so an eavesdropper cannot read them."
                .into();
        }
        TraceEvent::CertificateRequest {
            schemes,
            certificate_types,
            ca_names,
            ..
        } => {
            s.title = "CertificateRequest".into();
            if !certificate_types.is_empty() {
                let types: Vec<String> = certificate_types
                    .iter()
                    .map(|t| certificate_type_name(*t))
                    .collect();
                s.fields.push(("certificate types", join(&types)));
            }
            s.fields.push(("signature schemes", or_none(schemes)));
            s.fields.push((
                "authorities",
                if ca_names.is_empty() {
                    "any (none named)".to_string()
                } else {
                    ca_names.join("; ")
                },
            ));
            s.why = "The server asks the client to prove its identity with a certificate \
                     (mutual TLS), naming the signature schemes and certificate authorities \
                     it accepts."
                .into();
        }
        TraceEvent::Certificate { .. } => certificate(&mut s, event, cx),
        TraceEvent::CertificateCheck { .. } => certificate_check(&mut s, event),
        TraceEvent::CertificateVerify { .. } => certificate_verify(&mut s, event, cx),
        TraceEvent::ServerKeyExchange { .. } => server_key_exchange(&mut s, event),
        TraceEvent::ServerHelloDone { .. } => {
            s.title = "ServerHelloDone".into();
            s.why = "The server has sent its whole first flight; it is now the client's \
                     turn to answer."
                .into();
        }
        TraceEvent::ClientKeyExchange { kx, .. } => client_key_exchange(&mut s, *kx),
        TraceEvent::MasterSecret { extended } => master_secret(&mut s, *extended),
        TraceEvent::KeyExchange { group } => {
            s.title = "key exchange".into();
            s.fields.push(("group", group.to_string()));
            s.fields
                .push(("result", "shared secret → handshake secret".into()));
            s.why = "Each side combines its own private key share with the other's public \
                     share into the same shared secret, which an eavesdropper who saw both \
                     public shares cannot compute; the key schedule turns it into the \
                     handshake secret."
                .into();
        }
        TraceEvent::KeysDerived {
            name,
            key_len,
            iv_len,
        } => keys_derived(&mut s, name, *key_len, *iv_len),
        TraceEvent::ChangeCipherSpec { .. } => {
            s.title = "ChangeCipherSpec".into();
            s.why = if cx.tls12() {
                "The sender switches to the keys just derived: every record it sends after \
                 this one is encrypted and authenticated."
            } else {
                "A dummy message that makes TLS 1.3 look like a resumed TLS 1.2 handshake \
                 to middleboxes; it changes nothing and is ignored."
            }
            .into();
        }
        TraceEvent::Finished { .. } => finished(&mut s, event, cx),
        TraceEvent::HandshakeComplete {
            version,
            cipher_suite,
            group,
            alpn,
        } => {
            s.title = "handshake complete".into();
            s.fields.push(("version", version.to_string()));
            s.fields.push(("cipher suite", cipher_suite.to_string()));
            if let Some(g) = group {
                s.fields.push(("group", g.to_string()));
            }
            if let Some(p) = alpn {
                s.fields.push(("ALPN", p.clone()));
            }
            s.why = "Both Finished messages checked out, so both sides agree on every \
                     parameter and key: application data can now flow."
                .into();
        }
        TraceEvent::Resumption { .. } => resumption(&mut s, event),
        TraceEvent::NewSessionTicket {
            lifetime,
            ticket_len,
            index,
            count,
            ..
        } => {
            s.title = "NewSessionTicket".into();
            if let (Some(i), Some(n)) = (index, count) {
                s.fields.push(("ticket", format!("{i} of {n}")));
            }
            s.fields.push(("lifetime", format!("{lifetime} s")));
            s.fields
                .push(("ticket size", format!("{ticket_len} bytes")));
            s.why = if cx.tls12() {
                "The server seals this session's state into a ticket only it can decrypt \
                 and gives it to the client, which can present it later to resume without \
                 the server keeping a cache entry."
            } else {
                "The server gives the client a ticket for a pre-shared key derived from \
                 this session's resumption secret, so a later connection can skip the \
                 certificate and signature."
            }
            .into();
        }
        TraceEvent::KeyUpdate {
            update_requested, ..
        } => {
            s.title = "KeyUpdate".into();
            s.fields.push((
                "update requested",
                if *update_requested { "yes" } else { "no" }.into(),
            ));
            s.why = if *update_requested {
                "The sender moves to a new traffic key derived from the current one, \
                 limiting how much data any one key protects, and asks the peer to do the \
                 same."
            } else {
                "The sender moves to a new traffic key derived from the current one, \
                 limiting how much data any one key protects."
            }
            .into();
        }
        TraceEvent::ApplicationData { bytes, records, .. } => {
            s.title = "application data".into();
            s.fields.push((
                "plaintext",
                format!(
                    "{bytes} bytes in {records} record{}",
                    if *records == 1 { "" } else { "s" }
                ),
            ));
            s.why = "The application's bytes, encrypted and authenticated with the traffic \
                     keys: an eavesdropper sees only their length."
                .into();
        }
        TraceEvent::Alert { .. } => alert(&mut s, event),
        TraceEvent::Renegotiation { accepted, .. } => {
            s.title = "renegotiation".into();
            s.outcome = Some(if *accepted {
                Outcome::Good("accepted")
            } else {
                Outcome::Bad("refused")
            });
            s.why = "A request for a new handshake on an established connection; refused \
                     unless enabled, since renegotiation has a history of attacks."
                .into();
        }
        other => {
            // Events the library adds later still show, if without an explanation.
            let debug = format!("{other:?}");
            s.title = debug
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap_or("event")
                .to_string();
            s.fields.push(("event", debug));
            s.why = "A step this version of lucid does not explain yet.".into();
        }
    }
    s
}

fn client_hello(s: &mut Step, event: &TraceEvent, cx: &Context) {
    let TraceEvent::ClientHello {
        versions,
        random,
        session_id,
        cipher_suites,
        extensions,
        server_name,
        key_shares,
        compression_methods,
        ..
    } = event
    else {
        return;
    };
    s.title = "ClientHello".into();
    s.fields.push(("versions", join(versions)));
    s.fields.push(("random", abbreviate(random)));
    s.fields.push(("session id", abbreviate(session_id)));
    s.fields.push(("cipher suites", join(cipher_suites)));
    let methods: Vec<String> = compression_methods
        .iter()
        .map(|m| compression(*m))
        .collect();
    s.fields.push(("compression", or_none(&methods)));
    if !key_shares.is_empty() {
        s.fields.push(("key shares", join(key_shares)));
    }
    if let Some(name) = server_name {
        s.fields.push(("server name", name.clone()));
    }
    s.fields.push(("extensions", or_none(extensions)));
    // TLS 1.3 offers a session in the open; a TLS 1.2 ticket or session id looks the
    // same whether it holds a session or not, so the Resumption step tells instead.
    if extensions.contains(&lucidtls::enums::ExtensionType::PreSharedKey) {
        s.fields.push((
            "resumption offered",
            "a pre-shared key from an earlier session's ticket".into(),
        ));
    }
    s.why = if cx.second_hello {
        "The client starts over with a key share for the group the server asked for; the \
         rest of its offer is unchanged."
    } else if versions.contains(&ProtocolVersion::Tls13) {
        "The client opens the handshake with what it supports — versions, cipher suites, \
         extensions — a fresh random, and a key share for the group it guesses the server \
         will pick, so the keys can be agreed in one round trip."
    } else {
        "The client opens the handshake with what it supports — versions, cipher suites, \
         extensions — and a fresh random that makes this handshake's keys unique."
    }
    .into();
}

fn server_hello(s: &mut Step, event: &TraceEvent, cx: &Context) {
    let TraceEvent::ServerHello {
        version,
        random,
        session_id,
        cipher_suite,
        group,
        extensions,
        compression_method,
        ..
    } = event
    else {
        return;
    };
    s.title = "ServerHello".into();
    s.fields.push(("version", version.to_string()));
    s.fields.push(("random", abbreviate(random)));
    s.fields.push(("session id", abbreviate(session_id)));
    s.fields.push(("cipher suite", cipher_suite.to_string()));
    s.fields
        .push(("compression", compression(*compression_method)));
    match (group, version) {
        (Some(g), ProtocolVersion::Tls13) => s.fields.push(("key share", g.to_string())),
        // TLS 1.2 has no key share here: the group travels in the ServerKeyExchange.
        (Some(g), _) => s
            .fields
            .push(("group", format!("{g} (for the ServerKeyExchange)"))),
        (None, _) => {}
    }
    s.fields.push(("extensions", or_none(extensions)));
    if random.get(24..) == Some(&DOWNGRADE_TLS12[..]) {
        s.fields.push((
            "downgrade sentinel",
            "set: the server also speaks TLS 1.3, so a TLS 1.3 client must refuse this".into(),
        ));
    }
    s.why = if cx.resumed && *version == ProtocolVersion::Tls13 {
        "The server accepts the client's pre-shared key and answers with its own random and \
         key share, so this connection's keys are fresh even though the session is not."
    } else if cx.resumed {
        "The server agrees to resume: it echoes the client's session id and the session's \
         cipher suite, and its fresh random makes this connection's keys differ from the \
         last one's."
    } else if *version == ProtocolVersion::Tls13 {
        "The server picks the version, cipher suite and group from the client's offer and \
         sends its own random and key share; from here on both sides can compute the \
         handshake keys, so everything after this message is encrypted."
    } else {
        "The server picks the version and cipher suite from the client's offer and sends \
         its own random and a session id; both randoms go into every key derived later."
    }
    .into();
}

fn certificate(s: &mut Step, event: &TraceEvent, cx: &Context) {
    let TraceEvent::Certificate {
        from, certificates, ..
    } = event
    else {
        return;
    };
    s.title = "Certificate".into();
    if certificates.is_empty() {
        s.fields.push(("chain", "empty".into()));
    }
    for (i, cert) in certificates.iter().enumerate() {
        if certificates.len() > 1 {
            s.fields.push((
                "certificate",
                format!(
                    "{} of {}{}",
                    i + 1,
                    certificates.len(),
                    if i == 0 { " (end entity)" } else { "" }
                ),
            ));
        }
        certificate_fields(s, cert);
    }
    s.why = match (from, certificates.is_empty()) {
        (Side::Client, true) => {
            "The client has no certificate the server would accept and says so with an \
             empty chain; the server decides whether to go on."
        }
        (Side::Client, false) => {
            "The client sends its certificate chain, as the server asked, so the server can \
             check who it is talking to."
        }
        (Side::Server, _) if cx.kx == Some(KeyExchange::Rsa) => {
            "The server sends its certificate chain, binding its name to an RSA public key \
             through a certificate authority's signature; the client will encrypt the \
             pre-master secret to that key."
        }
        (Side::Server, _) => {
            "The server sends its certificate chain, which binds its name to its public key \
             through a certificate authority's signature."
        }
    }
    .into();
}

/// The fields of one certificate: who it names, who vouches for it, for how long, for
/// which names, and its key.
fn certificate_fields(s: &mut Step, cert: &CertificateInfo) {
    if let Some(e) = &cert.parse_error {
        s.fields.push(("unreadable", e.clone()));
        return;
    }
    s.fields.push(("subject", cert.subject.clone()));
    s.fields.push(("issuer", cert.issuer.clone()));
    s.fields.push((
        "valid",
        format!(
            "{} to {}",
            format_utc(cert.not_before),
            format_utc(cert.not_after)
        ),
    ));
    if !cert.subject_alt_names.is_empty() {
        s.fields
            .push(("names (SAN)", cert.subject_alt_names.join(", ")));
    }
    let mut key = cert.key_type.clone();
    match (&cert.curve, cert.key_bits) {
        (Some(curve), _) => key.push_str(&format!(" {curve}")),
        (None, Some(bits)) => key.push_str(&format!(" {bits} bits")),
        (None, None) => {}
    }
    s.fields.push(("public key", key));
    s.fields
        .push(("signed with", cert.signature_algorithm.clone()));
    if cert.is_ca {
        s.fields.push(("CA", "yes (may issue certificates)".into()));
    }
}

fn certificate_check(s: &mut Step, event: &TraceEvent) {
    let TraceEvent::CertificateCheck {
        check,
        passed,
        checked,
        detail,
    } = event
    else {
        return;
    };
    s.title = format!("certificate check: {check}");
    s.outcome = Some(match (*checked, *passed) {
        (true, true) => Outcome::Good("passed"),
        (true, false) => Outcome::Bad("failed"),
        // A check that did not run is not a tick; switched-off verification stays red.
        (false, true) => Outcome::Neutral("not checked"),
        (false, false) => Outcome::Bad("not checked"),
    });
    s.fields.push(("detail", detail.clone()));
    s.why = match check {
        CertificateCheck::Encoding => {
            "The certificate must be well-formed X.509 before anything in it can be read, \
             let alone trusted."
        }
        CertificateCheck::ChainToTrustAnchor => {
            "Each certificate must be signed by the next one up, ending at a certificate \
             authority trusted here; otherwise anyone could have made it."
        }
        CertificateCheck::SignatureAlgorithm => {
            "Every signature along the chain must use an algorithm still considered secure, \
             so that no link can be forged."
        }
        CertificateCheck::NotYetValid => {
            "A certificate must not be used before its notBefore date."
        }
        CertificateCheck::Expired => {
            "After its notAfter date a certificate is no longer vouched for by its issuer, \
             and may no longer be tracked for revocation."
        }
        CertificateCheck::KeyUsage => {
            "The certificate's key usage must allow this purpose (authenticating a TLS \
             server or client), so a certificate issued for something else cannot stand in."
        }
        CertificateCheck::Name => {
            "The certificate must name the host the client asked for: a valid certificate \
             for another site proves nothing about this one."
        }
        CertificateCheck::Revocation => {
            "The issuer may have withdrawn the certificate before it expired (after a key \
             leaked, say); a CRL or a stapled OCSP response tells."
        }
        CertificateCheck::Missing => {
            "A certificate is required here, and without one the peer cannot be \
             authenticated."
        }
        _ => "A further condition of certificate path validation.",
    }
    .into();
}

fn certificate_verify(s: &mut Step, event: &TraceEvent, cx: &Context) {
    let TraceEvent::CertificateVerify {
        from,
        scheme,
        verified,
        ..
    } = event
    else {
        return;
    };
    s.title = "CertificateVerify".into();
    s.fields.push(("signature scheme", scheme.to_string()));
    if *verified {
        s.outcome = Some(Outcome::Good("verified"));
    }
    s.why = match (from, cx.tls12()) {
        (Side::Server, _) => {
            "The server signs the handshake transcript with its certificate's private key, \
             proving it holds that key and that both sides saw the same messages."
        }
        (Side::Client, true) => {
            "The client signs the handshake messages so far with its certificate's private \
             key, proving it owns the certificate it sent."
        }
        (Side::Client, false) => {
            "The client signs the handshake transcript with its certificate's private key, \
             proving it owns the certificate it sent."
        }
    }
    .into();
}

fn server_key_exchange(s: &mut Step, event: &TraceEvent) {
    let TraceEvent::ServerKeyExchange {
        kx,
        group,
        dh_bits,
        scheme,
        verified,
        ..
    } = event
    else {
        return;
    };
    s.title = "ServerKeyExchange".into();
    s.fields.push(("key exchange", kx.to_string()));
    if let Some(g) = group {
        s.fields.push(("group", g.to_string()));
    }
    if let Some(bits) = dh_bits {
        s.fields.push(("prime", format!("{bits} bits")));
    }
    s.fields.push(("signature scheme", scheme.to_string()));
    if *verified {
        s.outcome = Some(Outcome::Good("signature verified"));
    }
    s.why = match kx {
        KeyExchange::Dhe => {
            "The server sends its ephemeral Diffie-Hellman group and public value, signed \
             with its certificate key together with both randoms, so the client knows they \
             were not tampered with."
        }
        _ => {
            "The server signs its ephemeral ECDHE public key (with both randoms) with its \
             certificate key, so the client knows the key exchange was not tampered with."
        }
    }
    .into();
}

fn client_key_exchange(s: &mut Step, kx: KeyExchange) {
    s.title = "ClientKeyExchange".into();
    s.fields.push(("key exchange", kx.to_string()));
    let (what, why) = match kx {
        KeyExchange::Rsa => (
            "48-byte pre-master secret, encrypted to the server's RSA key",
            "The client encrypts a random pre-master secret to the public key in the \
             server's certificate, so only the holder of its private key can read it (no \
             forward secrecy: that key, stolen later, decrypts this session).",
        ),
        KeyExchange::Ecdhe => (
            "the client's ephemeral ECDHE public key",
            "The client sends its ephemeral ECDHE public key; each side then computes the \
             same pre-master secret, which never crosses the wire.",
        ),
        KeyExchange::Dhe => (
            "the client's ephemeral Diffie-Hellman public value",
            "The client sends its ephemeral Diffie-Hellman public value; each side then \
             computes the same pre-master secret, which never crosses the wire.",
        ),
    };
    s.fields.push(("carries", what.into()));
    s.why = why.into();
}

fn master_secret(s: &mut Step, extended: bool) {
    s.title = "master secret".into();
    s.fields.push((
        "derivation",
        if extended {
            "pre-master secret → master secret (extended, RFC 7627)".into()
        } else {
            "pre-master secret → master secret (not extended)".into()
        },
    ));
    s.why = if extended {
        "The PRF turns the pre-master secret and a hash of the handshake so far into the \
         48-byte master secret, tying the session to this exact handshake."
    } else {
        "The PRF turns the pre-master secret and both randoms into the 48-byte master \
         secret (without the extended master secret, a man in the middle can give two \
         connections the same one)."
    }
    .into();
}

fn keys_derived(s: &mut Step, name: &str, key_len: usize, iv_len: usize) {
    s.title = format!("keys derived: {name}");
    s.fields.push(("key", format!("{key_len} bytes")));
    s.fields.push(("IV", format!("{iv_len} bytes")));
    s.why = if name.contains("updated") {
        "The next traffic key, derived from the current traffic secret after a KeyUpdate; \
         the old key is discarded, so it cannot decrypt anything sent from now on."
    } else if name.contains("key block") {
        "The key block, expanded from the master secret and both randoms, gives each \
         direction its own keys, so the two directions never share one."
    } else if name.contains("handshake") {
        "A key and IV from the handshake secret, one per direction, protect the rest of \
         the handshake (certificate, signature, Finished) from eavesdroppers."
    } else {
        "A key and IV from the master secret, one per direction, protect application data; \
         they are independent of the handshake keys."
    }
    .into();
}

fn finished(s: &mut Step, event: &TraceEvent, cx: &Context) {
    let TraceEvent::Finished { verified, .. } = event else {
        return;
    };
    s.title = "Finished".into();
    if *verified {
        s.outcome = Some(Outcome::Good("verified"));
    }
    s.why = if cx.tls12() {
        "A MAC over every handshake message, keyed with the master secret: it proves both \
         sides saw the same messages and hold the same keys, so tampering shows."
    } else {
        "A MAC over the handshake transcript, keyed from the handshake secret: it proves \
         both sides saw the same messages and hold the same keys, so tampering shows."
    }
    .into();
}

fn resumption(s: &mut Step, event: &TraceEvent) {
    let TraceEvent::Resumption {
        version,
        mechanism,
        accepted,
        reason,
        ..
    } = event
    else {
        return;
    };
    s.title = format!("resumption by {mechanism}");
    s.outcome = Some(if *accepted {
        Outcome::Good("accepted")
    } else {
        Outcome::Bad("declined")
    });
    s.fields.push(("session version", version.to_string()));
    if let Some(why) = reason {
        s.fields.push(("reason", (*why).to_string()));
    }
    s.why = match (accepted, mechanism) {
        (false, _) => "The offered session cannot be resumed, so a full handshake follows instead.",
        (true, ResumptionMechanism::Psk) => {
            "The pre-shared key from an earlier session's ticket authenticates the server, \
             so no certificate or signature is sent; a fresh key exchange still keeps \
             forward secrecy."
        }
        (true, ResumptionMechanism::Ticket) => {
            "The server decrypts the client's ticket and resumes the session inside it: \
             both sides reuse its master secret and skip certificates and key exchange."
        }
        (true, _) => {
            "The server found the session id in its cache and resumes that session: both \
             sides reuse its master secret and skip certificates and key exchange."
        }
    }
    .into();
}

fn alert(s: &mut Step, event: &TraceEvent) {
    let TraceEvent::Alert {
        description, fatal, ..
    } = event
    else {
        return;
    };
    use lucidtls::enums::AlertDescription;
    let close = *description == AlertDescription::CloseNotify;
    s.title = if close {
        "close_notify".to_string()
    } else {
        format!("Alert: {description}")
    };
    s.fields
        .push(("level", if *fatal { "fatal" } else { "warning" }.into()));
    s.why = if close {
        "The sender will send nothing more; an explicit close lets the peer tell a complete \
         conversation from one an attacker cut short."
    } else if *fatal {
        "The sender found a problem it cannot continue with and closes the connection; the \
         description names the problem."
    } else {
        "A warning: the sender reports a condition but the connection may go on."
    }
    .into();
}

/// The name of a compression method: only null is ever used (compression leaks
/// secrets, CRIME).
fn compression(method: u8) -> String {
    match method {
        0 => "null".to_string(),
        1 => "DEFLATE (refused)".to_string(),
        other => format!("method {other} (refused)"),
    }
}

/// `3fa1c2d4…0e9b7c21 (32 bytes)`: the first and last four bytes of a public value.
pub fn abbreviate(bytes: &[u8]) -> String {
    match bytes.len() {
        0 => "empty".to_string(),
        n if n <= 8 => format!("{} ({n} bytes)", hex(bytes)),
        n => format!("{}…{} ({n} bytes)", hex(&bytes[..4]), hex(&bytes[n - 4..])),
    }
}

/// Whether to print ANSI colours on `sink`: when it is a terminal, unless `NO_COLOR`
/// is set (<https://no-color.org>) or `TERM` is `dumb`.
pub fn use_colour(sink: Sink) -> bool {
    let tty = match sink {
        Sink::Stdout => std::io::stdout().is_terminal(),
        Sink::Stderr => std::io::stderr().is_terminal(),
    };
    colour_wanted(
        tty,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

/// The decision behind [`use_colour`], from its inputs.
fn colour_wanted(
    tty: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    tty && !no_color && term.is_none_or(|t| t != "dumb")
}

/// ANSI styling, or none.
#[derive(Clone, Copy, Debug)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn dim(self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn why(self, t: &str) -> String {
        self.wrap("2;3", t)
    }
    fn side(self, side: Side, t: &str) -> String {
        self.wrap(
            match side {
                Side::Client => "36",
                Side::Server => "35",
            },
            t,
        )
    }
    fn outcome(self, o: &Outcome) -> String {
        match o {
            Outcome::Good(t) => self.wrap("32", &format!("✓ {t}")),
            Outcome::Bad(t) => self.wrap("1;31", &format!("✗ {t}")),
            Outcome::Neutral(t) => self.wrap("2", &format!("– {t}")),
        }
    }
}

/// Width values and explanations are wrapped to.
const WIDTH: usize = 100;
/// Indentation of a step's values and explanation.
const INDENT: usize = 7;
/// Width of the label column.
const LABEL: usize = 20;

/// How [`render`] lays a step out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// ANSI colours.
    pub colour: bool,
    /// Only the title line (a message already shown in full by its sender).
    pub compact: bool,
    /// Leave the explanation out (already given earlier in the conversation).
    pub without_why: bool,
}

/// The text of step number `number`, ending in a newline:
///
/// ```text
///  [3] server → ServerHello
///        version           TLSv1.3
///        …
///        why: The server picks the version, …
/// ```
pub fn render(number: usize, step: &Step, layout: Layout) -> String {
    let paint = Paint(layout.colour);
    let mut out = format!(
        "{} {} {} {}",
        paint.dim(&format!("{:>4}", format!("[{number}]"))),
        paint.side(step.side, &format!("{:<6}", step.side)),
        step.direction.arrow(),
        paint.bold(&step.title)
    );
    if let Some(o) = &step.outcome {
        out.push_str(&format!("  {}", paint.outcome(o)));
    }
    out.push('\n');
    if layout.compact {
        return out;
    }
    let pad = " ".repeat(INDENT);
    for (label, value) in &step.fields {
        let lines = wrap(value, WIDTH - INDENT - LABEL);
        for (i, line) in lines.iter().enumerate() {
            let label = if i == 0 { *label } else { "" };
            out.push_str(&format!(
                "{pad}{}{line}\n",
                paint.dim(&format!("{label:<LABEL$}"))
            ));
        }
    }
    if !layout.without_why && !step.why.is_empty() {
        for (i, line) in wrap(&step.why, WIDTH - INDENT - 5).iter().enumerate() {
            let lead = if i == 0 { "why: " } else { "     " };
            out.push_str(&format!("{pad}{}\n", paint.why(&format!("{lead}{line}"))));
        }
    }
    out
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word
/// gets a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !line.is_empty() && !fits {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Whether a conversation is seen from one side (`connect`, `serve`) or from both
/// (`demo`). With both, a message is shown in full where it is sent and in one line
/// where it is received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lanes {
    /// One side.
    One,
    /// Both sides, in one process.
    Both,
}

/// The state one conversation's explainers share: where to print, the step counter,
/// and which explanations were already given (each is given once per conversation).
#[derive(Debug)]
pub struct Conversation {
    sink: Sink,
    colour: bool,
    lanes: Lanes,
    tag: Option<String>,
    state: Mutex<Said>,
}

#[derive(Debug, Default)]
struct Said {
    steps: usize,
    explanations: HashSet<String>,
}

impl Conversation {
    /// A conversation printed to `sink`, with colour if `colour`.
    pub fn new(sink: Sink, colour: bool, lanes: Lanes) -> Arc<Self> {
        Self::tagged(sink, colour, lanes, None)
    }

    /// A conversation whose step lines start with `tag` (`#3`), which tells apart the
    /// connections `lucid serve` handles at the same time.
    pub fn tagged(sink: Sink, colour: bool, lanes: Lanes, tag: Option<String>) -> Arc<Self> {
        Arc::new(Self {
            sink,
            colour,
            lanes,
            tag,
            state: Mutex::new(Said::default()),
        })
    }

    /// The text for `step`, numbered, keeping count.
    fn text(&self, step: &Step) -> String {
        let mut said = self.state.lock().unwrap_or_else(|p| p.into_inner());
        said.steps += 1;
        // A received message's values were shown by its sender; what the receiver adds
        // is the check it did (its outcome), and an explanation only if that is new.
        let compact = self.lanes == Lanes::Both && step.direction == Direction::Received;
        let without_why = !said.explanations.insert(step.why.clone());
        let layout = Layout {
            colour: self.colour,
            compact: compact && without_why,
            without_why,
        };
        let text = render(said.steps, step, layout);
        match &self.tag {
            Some(tag) => format!("{tag} {text}"),
            None => text,
        }
    }
}

/// The observer behind `--explain`: one per side of a connection.
#[derive(Debug)]
pub struct Explainer {
    side: Side,
    conversation: Arc<Conversation>,
    context: Mutex<Context>,
}

impl Explainer {
    /// Explains what `side` sees, as part of `conversation`.
    pub fn new(side: Side, conversation: Arc<Conversation>) -> Self {
        Self {
            side,
            conversation,
            context: Mutex::new(Context::default()),
        }
    }

    /// The text for `event`, keeping track of the connection's state.
    pub fn text(&self, event: &TraceEvent) -> String {
        let mut cx = self.context.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(event, TraceEvent::ClientHello { .. }) {
            cx.observe(event);
        }
        let step = step(self.side, event, &cx);
        cx.observe(event);
        self.conversation.text(&step)
    }
}

impl Observer for Explainer {
    fn on_event(&self, event: &TraceEvent) {
        let text = self.text(event);
        // One write per step, so steps of connections served at the same time do not
        // interleave; printing is best effort and never breaks the connection.
        let _ = match self.conversation.sink {
            Sink::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
            Sink::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lucidtls::enums::{CipherSuite, ExtensionType, NamedGroup, SignatureScheme};
    use std::ffi::OsStr;

    fn server_hello(version: ProtocolVersion, suite: CipherSuite) -> TraceEvent {
        TraceEvent::ServerHello {
            from: Side::Server,
            version,
            random: [0xab; 32],
            session_id: vec![],
            cipher_suite: suite,
            group: Some(NamedGroup::X25519),
            extensions: vec![ExtensionType::KeyShare],
            compression_method: 0,
        }
    }

    fn context_after(events: &[TraceEvent]) -> Context {
        let mut cx = Context::default();
        for e in events {
            cx.observe(e);
        }
        cx
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour_wanted(true, None, Some(OsStr::new("xterm"))));
        assert!(!colour_wanted(false, None, Some(OsStr::new("xterm"))));
        assert!(!colour_wanted(true, Some(OsStr::new("1")), None));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(colour_wanted(true, Some(OsStr::new("")), None));
        assert!(!colour_wanted(true, None, Some(OsStr::new("dumb"))));
    }

    #[test]
    fn public_values_are_abbreviated() {
        let random: Vec<u8> = (0..32).collect();
        assert_eq!(abbreviate(&random), "00010203…1c1d1e1f (32 bytes)");
        assert_eq!(abbreviate(&[]), "empty");
        assert_eq!(abbreviate(&[1, 2]), "0102 (2 bytes)");
    }

    #[test]
    fn explanations_follow_version_and_key_exchange() {
        let ccs = TraceEvent::ChangeCipherSpec { from: Side::Client };
        let tls13 = context_after(&[server_hello(
            ProtocolVersion::Tls13,
            CipherSuite::TLS13_AES_128_GCM_SHA256,
        )]);
        assert!(step(Side::Client, &ccs, &tls13).why.contains("middleboxes"));
        let rsa = context_after(&[server_hello(
            ProtocolVersion::Tls12,
            CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
        )]);
        assert_eq!(rsa.kx, Some(KeyExchange::Rsa));
        assert!(step(Side::Client, &ccs, &rsa).why.contains("switches"));

        let cke = |kx| TraceEvent::ClientKeyExchange {
            from: Side::Client,
            kx,
        };
        let s = step(Side::Server, &cke(KeyExchange::Rsa), &rsa);
        assert_eq!(s.direction, Direction::Received);
        assert!(s.why.contains("no forward secrecy"), "{}", s.why);
        assert!(step(Side::Client, &cke(KeyExchange::Ecdhe), &rsa)
            .why
            .contains("never crosses the wire"));

        let ms = |extended| step(Side::Client, &TraceEvent::MasterSecret { extended }, &rsa);
        assert_eq!(
            ms(true).fields,
            [(
                "derivation",
                "pre-master secret → master secret (extended, RFC 7627)".to_string()
            )]
        );
        assert!(ms(false).fields[0].1.contains("not extended"));

        // A new ClientHello forgets the last connection.
        let hello = TraceEvent::ClientHello {
            from: Side::Client,
            versions: vec![ProtocolVersion::Tls12],
            random: [1; 32],
            session_id: vec![],
            cipher_suites: vec![],
            extensions: vec![],
            server_name: None,
            key_shares: vec![],
            compression_methods: vec![0],
        };
        let mut cx = rsa;
        cx.observe(&hello);
        assert_eq!(cx, Context::default());
    }

    #[test]
    fn server_key_exchange_names_group_and_signature() {
        let ske = TraceEvent::ServerKeyExchange {
            from: Side::Server,
            kx: KeyExchange::Ecdhe,
            group: Some(NamedGroup::X25519),
            dh_bits: None,
            scheme: SignatureScheme::ECDSA_NISTP256_SHA256,
            verified: true,
        };
        let s = step(Side::Client, &ske, &Context::default());
        assert_eq!(s.title, "ServerKeyExchange");
        assert_eq!(s.outcome, Some(Outcome::Good("signature verified")));
        assert!(s.fields.contains(&("group", "x25519".to_string())));
        assert!(s
            .why
            .starts_with("The server signs its ephemeral ECDHE public key"));
    }

    #[test]
    fn failed_checks_and_fatal_alerts_stand_out() {
        let check = TraceEvent::CertificateCheck {
            check: CertificateCheck::Name,
            passed: false,
            checked: true,
            detail: "certificate is not valid for example.com".into(),
        };
        let s = step(Side::Client, &check, &Context::default());
        assert_eq!(s.title, "certificate check: host name");
        assert_eq!(s.outcome, Some(Outcome::Bad("failed")));
        let plain = render(3, &s, Layout::default());
        assert!(
            plain.starts_with(" [3] client · certificate check: host name  ✗ failed\n"),
            "{plain}"
        );
        let coloured = render(
            3,
            &s,
            Layout {
                colour: true,
                ..Layout::default()
            },
        );
        assert!(coloured.contains("\x1b[1;31m✗ failed\x1b[0m"), "{coloured}");
        assert!(!plain.contains('\x1b'));

        let alert = TraceEvent::Alert {
            from: Side::Client,
            description: lucidtls::enums::AlertDescription::BadCertificate,
            fatal: true,
        };
        let s = step(Side::Client, &alert, &Context::default());
        assert_eq!(s.title, "Alert: bad_certificate");
        assert!(s.why.contains("closes the connection"));
    }

    #[test]
    fn a_check_that_did_not_run_is_not_a_tick() {
        let check = TraceEvent::CertificateCheck {
            check: CertificateCheck::Revocation,
            passed: true,
            checked: false,
            detail: "not checked: no CRLs configured".into(),
        };
        let s = step(Side::Client, &check, &Context::default());
        assert_eq!(s.outcome, Some(Outcome::Neutral("not checked")));
        let plain = render(7, &s, Layout::default());
        assert!(
            plain.starts_with(" [7] client · certificate check: revocation  – not checked\n"),
            "{plain}"
        );
        assert!(!plain.contains('✓'), "{plain}");

        let disabled = TraceEvent::CertificateCheck {
            check: CertificateCheck::ChainToTrustAnchor,
            passed: false,
            checked: false,
            detail: "verification disabled by configuration (--no-verify)".into(),
        };
        let s = step(Side::Client, &disabled, &Context::default());
        assert_eq!(s.outcome, Some(Outcome::Bad("not checked")));
    }

    #[test]
    fn layout_wraps_values_and_explanation() {
        let s = Step {
            side: Side::Server,
            direction: Direction::Sent,
            title: "Example".into(),
            outcome: None,
            fields: vec![("list", ["word"; 40].join(", "))],
            why: "One sentence that is long enough to need a second line when it is wrapped \
                  at the width used for explanations in this module."
                .into(),
        };
        let text = render(12, &s, Layout::default());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "[12] server → Example");
        assert!(lines[1].starts_with("       list                word, word,"));
        assert!(lines[2].starts_with("                           word,"));
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{text}");
        let why = lines.iter().position(|l| l.contains("why: ")).unwrap();
        assert!(lines[why + 1].starts_with("            "), "{text}");
        let compact = render(
            12,
            &s,
            Layout {
                compact: true,
                ..Layout::default()
            },
        );
        assert_eq!(compact, "[12] server → Example\n");
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("a b c", 3), ["a b", "c"]);
    }

    #[test]
    fn both_lanes_show_a_received_message_in_one_line_and_explain_once() {
        let conversation = Conversation::new(Sink::Stdout, false, Lanes::Both);
        let client = Explainer::new(Side::Client, conversation.clone());
        let server = Explainer::new(Side::Server, conversation);
        let fin = |verified| TraceEvent::Finished {
            from: Side::Server,
            verified,
        };
        let sent = server.text(&fin(false));
        assert!(sent.starts_with(" [1] server → Finished\n"), "{sent}");
        assert!(sent.contains("why: "), "{sent}");
        let received = client.text(&fin(true));
        assert_eq!(received, " [2] client ← Finished  ✓ verified\n");

        // One side alone: the receiver shows everything.
        let alone = Explainer::new(
            Side::Client,
            Conversation::new(Sink::Stderr, false, Lanes::One),
        );
        let text = alone.text(&server_hello(
            ProtocolVersion::Tls13,
            CipherSuite::TLS13_AES_128_GCM_SHA256,
        ));
        assert!(text.starts_with(" [1] client ← ServerHello\n"), "{text}");
        assert!(text.contains("cipher suite        TLS_AES_128_GCM_SHA256"));
        assert!(text.contains("random              abababab…abababab (32 bytes)"));
        assert!(text.contains("everything after this message is encrypted"));
    }
}
