//! `--trace-json FILE`: every trace event as one JSON object per line (JSON Lines).
//!
//! The schema is written down in `docs/trace.md`; the field names are stable. The encoder
//! is written here (no serde): [`event_json`] turns one event into one line, [`Object`]
//! builds it, [`quote`] escapes strings.
//!
//! Every object starts with the same four keys, then `conn`, then the event's own fields
//! in snake_case:
//!
//! ```json
//! {"event":"Finished","side":"client","seq":14,"t_us":2380,"conn":0,"from":"server","verified":true}
//! ```
//!
//! Secrets never appear: the library's trace events carry none (keys are named with their
//! sizes only); randoms and session ids are public values sent in the clear.

use lucidtls::enums::ProtocolVersion;
use lucidtls::trace::{certificate_type_name, CertificateInfo};
use lucidtls::{Side, TraceEvent};
use std::fmt::{Display, Write as _};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// The file the events of every connection of one command go to, one line each.
#[derive(Debug)]
pub struct JsonLines {
    path: PathBuf,
    file: Mutex<File>,
    /// Set after the first failed write, so the warning is printed once.
    failed: AtomicBool,
}

impl JsonLines {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        Ok(Self {
            path: path.to_path_buf(),
            file: Mutex::new(File::create(path)?),
            failed: AtomicBool::new(false),
        })
    }

    /// Appends `line` and a newline, in one write so that lines from connections served
    /// at the same time never interleave. Tracing is best effort: a failed write warns
    /// once and never breaks the connection.
    fn write_line(&self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let result = self
            .file
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .write_all(&bytes);
        if let Err(e) = result {
            if !self.failed.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "warning: writing trace events to {}: {e}",
                    self.path.display()
                );
            }
        }
    }
}

/// The clock of one connection: it starts at the connection's first event, so that
/// `t_us` is 0 for the first ClientHello and measures the handshake itself (not the TCP
/// connect, nor one-time library set-up). Both sides of one connection can share one
/// clock (`lucid demo`).
#[derive(Clone, Debug, Default)]
pub struct Clock(Arc<OnceLock<Instant>>);

impl Clock {
    /// A clock that starts at its first reading.
    pub fn new() -> Self {
        Self::default()
    }

    /// Microseconds since the first reading (0 for the first).
    pub fn micros(&self) -> u128 {
        let now = Instant::now();
        now.saturating_duration_since(*self.0.get_or_init(|| now))
            .as_micros()
    }
}

/// Records the events of one connection, seen from one side, into a [`JsonLines`] file.
#[derive(Debug)]
pub struct JsonTracer {
    sink: Arc<JsonLines>,
    side: Side,
    conn: u64,
    seq: AtomicU64,
    clock: Clock,
}

impl JsonTracer {
    /// A tracer for connection number `conn` as seen by `side`; `t_us` is read from `clock`.
    pub fn new(sink: Arc<JsonLines>, side: Side, conn: u64, clock: Clock) -> Self {
        Self {
            sink,
            side,
            conn,
            seq: AtomicU64::new(0),
            clock,
        }
    }

    /// Writes one line for `event`.
    pub fn record(&self, event: &TraceEvent) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let t_us = self.clock.micros();
        let header = Header {
            side: self.side,
            seq,
            t_us,
            conn: self.conn,
        };
        self.sink.write_line(&event_json(event, &header));
    }
}

/// The keys every object starts with.
#[derive(Clone, Copy, Debug)]
pub struct Header {
    /// The side that observed the event (whose trace it is).
    pub side: Side,
    /// The event's index among this side's events of this connection, from 0.
    pub seq: u64,
    /// Microseconds since the connection's first event.
    pub t_us: u128,
    /// The connection's number within this run of the command, from 0.
    pub conn: u64,
}

/// `s` as a JSON string literal, quotes included (RFC 8259 §7): `"` and `\` escaped,
/// control characters as `\n`, `\t`... or `\u00XX`. Everything else is copied (Rust
/// strings are valid UTF-8, so the output is too).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// `ChainToTrustAnchor` → `chain_to_trust_anchor`: a stable identifier from a Rust
/// variant name (its `Debug` form, for unit variants).
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON object under construction, keys in insertion order.
#[derive(Debug)]
pub struct Object {
    buf: String,
    empty: bool,
}

impl Default for Object {
    fn default() -> Self {
        Self::new()
    }
}

impl Object {
    /// `{`
    pub fn new() -> Self {
        Self {
            buf: String::from("{"),
            empty: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.buf.push(',');
        }
        self.empty = false;
        self.buf.push_str(&quote(key));
        self.buf.push(':');
    }

    /// `"key":"value"`
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        self.buf.push_str(&quote(value));
        self
    }

    /// `"key":"<value as Display>"` (enums: their registry name).
    pub fn name(&mut self, key: &str, value: impl Display) -> &mut Self {
        self.string(key, &value.to_string())
    }

    /// `"key":<number>`
    pub fn number(&mut self, key: &str, value: impl Into<u128>) -> &mut Self {
        self.key(key);
        let _ = write!(self.buf, "{}", value.into());
        self
    }

    /// `"key":true|false`
    pub fn boolean(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key);
        self.buf.push_str(if value { "true" } else { "false" });
        self
    }

    /// `"key":"<lowercase hex>"`
    pub fn bytes(&mut self, key: &str, value: &[u8]) -> &mut Self {
        self.string(key, &hex(value))
    }

    /// `"key":["a","b"]`, each item by its `Display` form.
    pub fn names<T: Display>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = T>,
    ) -> &mut Self {
        self.array(key, items, |buf, item| {
            buf.push_str(&quote(&item.to_string()))
        })
    }

    /// `"key":"<value>"`, or `"key":null` for `None`.
    pub fn opt_name(&mut self, key: &str, value: Option<impl Display>) -> &mut Self {
        match value {
            Some(v) => self.name(key, v),
            None => self.null(key),
        }
    }

    /// `"key":<number>`, or `"key":null` for `None`.
    pub fn opt_number(&mut self, key: &str, value: Option<impl Into<u128>>) -> &mut Self {
        match value {
            Some(v) => self.number(key, v),
            None => self.null(key),
        }
    }

    /// `"key":[1,2]`
    pub fn numbers<T: Into<u128>>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = T>,
    ) -> &mut Self {
        self.array(key, items, |buf, item| {
            let _ = write!(buf, "{}", item.into());
        })
    }

    /// `"key":[{…},{…}]`: each item a finished [`Object`].
    pub fn objects(&mut self, key: &str, items: impl IntoIterator<Item = String>) -> &mut Self {
        self.array(key, items, |buf, item| buf.push_str(&item))
    }

    /// `"key":[…]`, each item written by `write_item`; the brackets and commas are done here.
    fn array<T>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = T>,
        mut write_item: impl FnMut(&mut String, T),
    ) -> &mut Self {
        self.key(key);
        self.buf.push('[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            write_item(&mut self.buf, item);
        }
        self.buf.push(']');
        self
    }

    /// `"key":null`
    pub fn null(&mut self, key: &str) -> &mut Self {
        self.key(key);
        self.buf.push_str("null");
        self
    }

    /// `}`: the finished object.
    pub fn finish(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

/// Seconds since the Unix epoch as an RFC 3339 UTC time, `"2026-11-23T12:05:30Z"`.
pub fn rfc3339(unix_seconds: i64) -> String {
    // format_utc gives "YYYY-MM-DD HH:MM:SS UTC".
    let text = lucidtls::verify::format_utc(unix_seconds);
    let text = text.strip_suffix(" UTC").unwrap_or(&text);
    format!("{}Z", text.replacen(' ', "T", 1))
}

/// One certificate of a `Certificate` event as an object (see `docs/trace.md`).
pub fn certificate_json(c: &CertificateInfo) -> String {
    let mut o = Object::new();
    o.string("subject", &c.subject)
        .string("issuer", &c.issuer)
        .string("serial", &c.serial)
        .string("not_before", &rfc3339(c.not_before))
        .string("not_after", &rfc3339(c.not_after))
        .names("subject_alt_names", &c.subject_alt_names)
        .string("key_type", &c.key_type)
        .opt_number("key_bits", c.key_bits)
        .opt_name("curve", c.curve.as_deref())
        .string("signature_algorithm", &c.signature_algorithm)
        .string("fingerprint_sha256", &c.fingerprint_sha256)
        .boolean("is_ca", c.is_ca)
        .number("der_len", usize_u128(c.der_len))
        .opt_name("parse_error", c.parse_error.as_deref());
    o.finish()
}

/// The registry-style name of a TLS 1.2 key exchange: `ECDHE`, `DHE` or `RSA`.
fn kx_name(kx: lucidtls::suites::KeyExchange) -> String {
    format!("{kx:?}").to_ascii_uppercase()
}

fn usize_u128(n: usize) -> u128 {
    // usize is at most 64 bits on every supported target.
    u128::try_from(n).unwrap_or(u128::MAX)
}

/// One event as one JSON object (no newline). See `docs/trace.md`.
pub fn event_json(event: &TraceEvent, header: &Header) -> String {
    let mut o = Object::new();
    o.string("event", event.name())
        .name("side", header.side)
        .number("seq", header.seq)
        .number("t_us", header.t_us)
        .number("conn", header.conn);
    // Every field of every variant is listed: `..` only keeps this compiling while the
    // library grows; the `every_field_is_encoded` test catches a field left out.
    match event {
        TraceEvent::ClientHello {
            from,
            versions,
            random,
            session_id,
            cipher_suites,
            extensions,
            server_name,
            key_shares,
            compression_methods,
            ..
        } => {
            o.name("from", from)
                .names("versions", versions)
                .bytes("random", random)
                .bytes("session_id", session_id)
                .names("cipher_suites", cipher_suites)
                .names("extensions", extensions)
                .opt_name("server_name", server_name.as_deref())
                .names("key_shares", key_shares)
                .numbers("compression_methods", compression_methods.iter().copied());
        }
        TraceEvent::HelloRetryRequest { from, group, .. } => {
            o.name("from", from).name("group", group);
        }
        TraceEvent::ServerHello {
            from,
            version,
            random,
            session_id,
            cipher_suite,
            group,
            extensions,
            compression_method,
            ..
        } => {
            o.name("from", from)
                .name("version", version)
                .bytes("random", random)
                .bytes("session_id", session_id)
                .name("cipher_suite", cipher_suite)
                .opt_name("group", *group)
                .names("extensions", extensions)
                .number("compression_method", *compression_method);
            // The RFC 8446 §4.1.3 downgrade sentinel, decoded for readers of the trace.
            if *version == ProtocolVersion::Tls12 {
                let sentinel =
                    random.get(24..) == Some(&lucidtls::msgs::server_hello::DOWNGRADE_TLS12[..]);
                o.boolean("downgrade_sentinel", sentinel);
            }
        }
        TraceEvent::KeyExchange { group, .. } => {
            o.name("group", group);
        }
        TraceEvent::KeysDerived {
            name,
            key_len,
            iv_len,
            ..
        } => {
            o.string("name", name)
                .number("key_len", usize_u128(*key_len))
                .number("iv_len", usize_u128(*iv_len));
        }
        TraceEvent::ChangeCipherSpec { from, .. } => {
            o.name("from", from);
        }
        TraceEvent::EncryptedExtensions {
            from,
            extensions,
            alpn,
            ..
        } => {
            o.name("from", from)
                .names("extensions", extensions)
                .opt_name("alpn", alpn.as_deref());
        }
        TraceEvent::CertificateRequest {
            from,
            schemes,
            certificate_types,
            ca_names,
            ..
        } => {
            o.name("from", from)
                .names("schemes", schemes)
                .names(
                    "certificate_types",
                    certificate_types.iter().map(|t| certificate_type_name(*t)),
                )
                .names("ca_names", ca_names);
        }
        TraceEvent::Certificate {
            from,
            chain,
            certificates,
            ..
        } => {
            o.name("from", from)
                .names("chain", chain)
                .objects("certificates", certificates.iter().map(certificate_json));
        }
        TraceEvent::CertificateCheck {
            check,
            passed,
            checked,
            detail,
        } => {
            o.string("check", &snake_case(&format!("{check:?}")))
                .boolean("passed", *passed)
                .boolean("checked", *checked)
                .string("detail", detail);
        }
        TraceEvent::CertificateVerify {
            from,
            scheme,
            verified,
            ..
        } => {
            o.name("from", from)
                .name("scheme", scheme)
                .boolean("verified", *verified);
        }
        TraceEvent::Finished { from, verified, .. } => {
            o.name("from", from).boolean("verified", *verified);
        }
        TraceEvent::HandshakeComplete {
            version,
            cipher_suite,
            group,
            alpn,
            ..
        } => {
            o.name("version", version)
                .name("cipher_suite", cipher_suite)
                .opt_name("group", *group)
                .opt_name("alpn", alpn.as_deref());
        }
        TraceEvent::ServerKeyExchange {
            from,
            kx,
            group,
            dh_bits,
            scheme,
            verified,
            ..
        } => {
            o.name("from", from)
                .string("kx", &kx_name(*kx))
                .opt_name("group", *group)
                .opt_number("dh_bits", dh_bits.map(usize_u128))
                .name("scheme", scheme)
                .boolean("verified", *verified);
        }
        TraceEvent::ServerHelloDone { from, .. } => {
            o.name("from", from);
        }
        TraceEvent::ClientKeyExchange { from, kx, .. } => {
            o.name("from", from).string("kx", &kx_name(*kx));
        }
        TraceEvent::MasterSecret { extended, .. } => {
            o.boolean("extended", *extended);
        }
        TraceEvent::HelloRequest { from, ignored, .. } => {
            o.name("from", from).boolean("ignored", *ignored);
        }
        TraceEvent::Renegotiation { from, accepted, .. } => {
            o.name("from", from).boolean("accepted", *accepted);
        }
        TraceEvent::Resumption {
            version,
            mechanism,
            accepted,
            reason,
            ..
        } => {
            o.name("version", version)
                .string("mechanism", &snake_case(&format!("{mechanism:?}")))
                .boolean("accepted", *accepted)
                .opt_name("reason", *reason);
        }
        TraceEvent::NewSessionTicket {
            from,
            lifetime,
            ticket_len,
            index,
            count,
            ..
        } => {
            o.name("from", from)
                .number("lifetime", *lifetime)
                .number("ticket_len", usize_u128(*ticket_len))
                .opt_number("index", *index)
                .opt_number("count", *count);
        }
        TraceEvent::KeyUpdate {
            from,
            update_requested,
            ..
        } => {
            o.name("from", from)
                .boolean("update_requested", *update_requested);
        }
        TraceEvent::ApplicationData {
            from,
            bytes,
            records,
            ..
        } => {
            o.name("from", from)
                .number("bytes", usize_u128(*bytes))
                .number("records", usize_u128(*records));
        }
        TraceEvent::Alert {
            from,
            description,
            fatal,
            ..
        } => {
            o.name("from", from)
                .name("description", description)
                .boolean("fatal", *fatal);
        }
        // An event added to the library after this encoder: its name and its Debug form,
        // until it gets fields of its own here (and in docs/trace.md).
        other => {
            o.string("debug", &format!("{other:?}"));
        }
    }
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lucidtls::enums::{
        AlertDescription, CipherSuite, ExtensionType, NamedGroup, SignatureScheme,
    };
    use lucidtls::suites::KeyExchange;
    use lucidtls::trace::ResumptionMechanism;
    use lucidtls::CertificateCheck;

    const HEADER: Header = Header {
        side: Side::Client,
        seq: 3,
        t_us: 1234,
        conn: 0,
    };

    fn sample_certificate() -> CertificateInfo {
        let mut c = CertificateInfo::default();
        c.subject = "CN=localhost".into();
        c.issuer = "CN=Test CA".into();
        c.serial = "01f3".into();
        c.not_before = 1_709_164_800;
        c.not_after = 4_102_444_800;
        c.subject_alt_names = vec!["DNS:localhost".into(), "IP:127.0.0.1".into()];
        c.key_type = "ECDSA".into();
        c.key_bits = Some(256);
        c.curve = Some("P-256".into());
        c.signature_algorithm = "ecdsa-with-SHA256".into();
        c.fingerprint_sha256 = "ab".repeat(32);
        c.is_ca = false;
        c.der_len = 412;
        c
    }

    /// One sample of every variant, each field set. Building them needs every field, so a
    /// field added to the library breaks this until the sample (and the encoder) know it.
    fn samples() -> Vec<TraceEvent> {
        vec![
            TraceEvent::ClientHello {
                from: Side::Client,
                versions: vec![ProtocolVersion::Tls13, ProtocolVersion::Tls12],
                random: [0xab; 32],
                session_id: vec![1, 2, 3],
                cipher_suites: vec![
                    CipherSuite::TLS13_AES_128_GCM_SHA256,
                    CipherSuite::Unknown(0x0a0a),
                ],
                extensions: vec![ExtensionType::ServerName, ExtensionType::KeyShare],
                server_name: Some("local\"host\n".into()),
                key_shares: vec![NamedGroup::X25519],
                compression_methods: vec![0],
            },
            TraceEvent::HelloRetryRequest {
                from: Side::Server,
                group: NamedGroup::secp384r1,
            },
            TraceEvent::ServerHello {
                from: Side::Server,
                version: ProtocolVersion::Tls12,
                random: [0; 32],
                session_id: vec![],
                cipher_suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                group: None,
                extensions: vec![ExtensionType::ExtendedMasterSecret],
                compression_method: 0,
            },
            TraceEvent::KeyExchange {
                group: NamedGroup::X25519,
            },
            TraceEvent::KeysDerived {
                name: "client handshake traffic",
                key_len: 16,
                iv_len: 12,
            },
            TraceEvent::ChangeCipherSpec { from: Side::Client },
            TraceEvent::EncryptedExtensions {
                from: Side::Server,
                extensions: vec![],
                alpn: Some("h2".into()),
            },
            TraceEvent::CertificateRequest {
                from: Side::Server,
                schemes: vec![SignatureScheme::ED25519],
                certificate_types: vec![1, 64, 99],
                ca_names: vec!["CN=Client CA, O=Example".into()],
            },
            TraceEvent::Certificate {
                from: Side::Server,
                chain: vec!["subject CN=localhost".into()],
                certificates: vec![sample_certificate()],
            },
            TraceEvent::CertificateCheck {
                check: CertificateCheck::ChainToTrustAnchor,
                passed: true,
                checked: true,
                detail: "CN=CA".into(),
            },
            TraceEvent::CertificateVerify {
                from: Side::Server,
                scheme: SignatureScheme::ECDSA_NISTP256_SHA256,
                verified: true,
            },
            TraceEvent::Finished {
                from: Side::Server,
                verified: true,
            },
            TraceEvent::HandshakeComplete {
                version: ProtocolVersion::Tls13,
                cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
                group: Some(NamedGroup::X25519),
                alpn: None,
            },
            TraceEvent::ServerKeyExchange {
                from: Side::Server,
                kx: KeyExchange::Dhe,
                group: None,
                dh_bits: Some(2048),
                scheme: SignatureScheme::RSA_PSS_RSAE_SHA256,
                verified: false,
            },
            TraceEvent::ServerHelloDone { from: Side::Server },
            TraceEvent::ClientKeyExchange {
                from: Side::Client,
                kx: KeyExchange::Rsa,
            },
            TraceEvent::MasterSecret { extended: true },
            TraceEvent::Renegotiation {
                from: Side::Client,
                accepted: false,
            },
            TraceEvent::Resumption {
                version: ProtocolVersion::Tls12,
                mechanism: ResumptionMechanism::SessionId,
                accepted: false,
                reason: Some("unknown session id"),
            },
            TraceEvent::NewSessionTicket {
                from: Side::Server,
                lifetime: 7200,
                ticket_len: 180,
                index: Some(2),
                count: None,
            },
            TraceEvent::KeyUpdate {
                from: Side::Client,
                update_requested: true,
            },
            TraceEvent::ApplicationData {
                from: Side::Client,
                bytes: 20_000,
                records: 2,
            },
            TraceEvent::Alert {
                from: Side::Server,
                description: AlertDescription::CloseNotify,
                fatal: false,
            },
            // Appended, so that the indices above stay put.
            TraceEvent::HelloRequest {
                from: Side::Server,
                ignored: true,
            },
        ]
    }

    /// The top-level field names of an event, from its pretty `Debug` form (fields sit
    /// at an indent of exactly four spaces).
    fn debug_fields(event: &TraceEvent) -> Vec<String> {
        format!("{event:#?}")
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("    ")?;
                if rest.starts_with(' ') {
                    return None;
                }
                rest.split_once(':').map(|(k, _)| k.to_string())
            })
            .collect()
    }

    #[test]
    fn every_field_is_encoded() {
        for event in samples() {
            let json = event_json(&event, &HEADER);
            let name = event.name();
            assert!(
                json.starts_with(&format!(
                    "{{\"event\":\"{name}\",\"side\":\"client\",\"seq\":3,\"t_us\":1234,\"conn\":0"
                )),
                "{json}"
            );
            assert!(
                !json.contains("\"debug\""),
                "{name} has no encoding: {json}"
            );
            for field in debug_fields(&event) {
                assert!(
                    json.contains(&format!("\"{field}\":")),
                    "{name}.{field} missing from {json}"
                );
            }
        }
    }

    #[test]
    fn client_hello_encoding() {
        let json = event_json(&samples()[0], &HEADER);
        assert_eq!(
            json,
            format!(
                "{{\"event\":\"ClientHello\",\"side\":\"client\",\"seq\":3,\"t_us\":1234,\
                 \"conn\":0,\"from\":\"client\",\"versions\":[\"TLSv1.3\",\"TLSv1.2\"],\
                 \"random\":\"{}\",\"session_id\":\"010203\",\
                 \"cipher_suites\":[\"TLS_AES_128_GCM_SHA256\",\"unknown(0x0a0a)\"],\
                 \"extensions\":[\"server_name\",\"key_share\"],\
                 \"server_name\":\"local\\\"host\\n\",\"key_shares\":[\"x25519\"],\
                 \"compression_methods\":[0]}}",
                "ab".repeat(32)
            )
        );
    }

    #[test]
    fn options_enums_and_numbers() {
        let all = samples();
        let json = |i: usize| event_json(&all[i], &HEADER);
        // TLS 1.2 ServerHello: no group, the sentinel decoded.
        assert!(json(2).contains("\"group\":null"), "{}", json(2));
        assert!(json(2).contains("\"session_id\":\"\""), "{}", json(2));
        assert!(
            json(2).ends_with("\"downgrade_sentinel\":false}"),
            "{}",
            json(2)
        );
        assert!(json(9).contains("\"check\":\"chain_to_trust_anchor\""));
        assert!(json(13).contains("\"kx\":\"DHE\",\"group\":null,\"dh_bits\":2048"));
        assert!(json(15).contains("\"kx\":\"RSA\""));
        assert!(json(12).ends_with("\"group\":\"x25519\",\"alpn\":null}"));
        assert!(json(22).contains("\"description\":\"close_notify\",\"fatal\":false"));
        assert!(json(18).ends_with(
            "\"version\":\"TLSv1.2\",\"mechanism\":\"session_id\",\"accepted\":false,\
             \"reason\":\"unknown session id\"}"
        ));
        assert!(json(4).contains("\"name\":\"client handshake traffic\",\"key_len\":16"));
        assert!(json(2).contains("\"compression_method\":0,"), "{}", json(2));
        assert!(json(7).ends_with(
            "\"schemes\":[\"ed25519\"],\"certificate_types\":[\"rsa_sign\",\"ecdsa_sign\",\
             \"unknown(99)\"],\"ca_names\":[\"CN=Client CA, O=Example\"]}"
        ));
        assert!(
            json(19).ends_with("\"lifetime\":7200,\"ticket_len\":180,\"index\":2,\"count\":null}")
        );
        assert!(json(21).ends_with("\"bytes\":20000,\"records\":2}"));
        assert_eq!(
            json(23),
            "{\"event\":\"HelloRequest\",\"side\":\"client\",\"seq\":3,\"t_us\":1234,\
             \"conn\":0,\"from\":\"server\",\"ignored\":true}"
        );
    }

    #[test]
    fn certificates_are_objects() {
        let json = event_json(&samples()[8], &HEADER);
        assert!(
            json.ends_with(&format!(
                "\"chain\":[\"subject CN=localhost\"],\"certificates\":[{{\
                 \"subject\":\"CN=localhost\",\"issuer\":\"CN=Test CA\",\"serial\":\"01f3\",\
                 \"not_before\":\"2024-02-29T00:00:00Z\",\"not_after\":\"2100-01-01T00:00:00Z\",\
                 \"subject_alt_names\":[\"DNS:localhost\",\"IP:127.0.0.1\"],\
                 \"key_type\":\"ECDSA\",\"key_bits\":256,\"curve\":\"P-256\",\
                 \"signature_algorithm\":\"ecdsa-with-SHA256\",\"fingerprint_sha256\":\"{}\",\
                 \"is_ca\":false,\"der_len\":412,\"parse_error\":null}}]}}",
                "ab".repeat(32)
            )),
            "{json}"
        );
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        // Every field of the library's CertificateInfo is written.
        let object = certificate_json(&sample_certificate());
        let debug = format!("{:#?}", sample_certificate());
        for line in debug.lines() {
            let Some(field) = line
                .strip_prefix("    ")
                .filter(|l| !l.starts_with(' '))
                .and_then(|l| l.split_once(':'))
            else {
                continue;
            };
            assert!(
                object.contains(&format!("\"{}\":", field.0)),
                "{} missing from {object}",
                field.0
            );
        }
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(quote("\u{1}\u{1f}"), r#""\u0001\u001f""#);
        assert_eq!(quote("é ✓"), "\"é ✓\"");
        assert_eq!(hex(&[0, 0xff, 0x10]), "00ff10");
        assert_eq!(snake_case("ChainToTrustAnchor"), "chain_to_trust_anchor");
        assert_eq!(snake_case("Name"), "name");
    }

    #[test]
    fn lines_go_to_the_file() {
        let path = std::env::temp_dir().join(format!(
            "lucid-trace-json-unit-{}.jsonl",
            std::process::id()
        ));
        let sink = Arc::new(JsonLines::create(&path).unwrap());
        let tracer = JsonTracer::new(sink, Side::Server, 7, Clock::new());
        tracer.record(&TraceEvent::MasterSecret { extended: false });
        std::thread::sleep(std::time::Duration::from_millis(2));
        tracer.record(&TraceEvent::ServerHelloDone { from: Side::Server });
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        // The clock starts at the first event.
        assert!(lines[0]
            .starts_with("{\"event\":\"MasterSecret\",\"side\":\"server\",\"seq\":0,\"t_us\":0,"));
        assert!(lines[0].ends_with(",\"conn\":7,\"extended\":false}"));
        let t1: u128 = lines[1]
            .strip_prefix("{\"event\":\"ServerHelloDone\",\"side\":\"server\",\"seq\":1,\"t_us\":")
            .and_then(|rest| rest.split(',').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("{}", lines[1]));
        assert!(t1 >= 2000, "{t1}");
    }
}
