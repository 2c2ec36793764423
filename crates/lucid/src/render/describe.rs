//! The words of the ladder: an arrow's label and detail lines, a note's lines. Plain
//! text only; escaping is the drawing's job.

use super::model::{Event, Message, Side};
use serde_json::Value;

/// How a line is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Ordinary detail.
    Plain,
    /// A negotiated parameter (version, suite, group, scheme, ALPN).
    Param,
    /// A check that passed, a signature or Finished verified.
    Good,
    /// A check that failed, a fatal alert.
    Bad,
    /// Less important detail; a check that did not run.
    Muted,
}

/// One line of text with its colour, and for certificate checks which one.
#[derive(Clone, Debug)]
pub struct Line {
    /// The text.
    pub text: String,
    /// Its colour.
    pub tone: Tone,
    /// For a certificate check: its name, whether it passed, whether it ran.
    pub check: Option<(String, bool, bool)>,
}

impl Line {
    fn new(tone: Tone, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tone,
            check: None,
        }
    }
}

/// The arrow's label: the message name, or what the message says for data and alerts.
pub fn label(m: &Message) -> String {
    match m.name.as_str() {
        "ApplicationData" if m.events > 1 => format!("application data ×{}", m.events),
        "ApplicationData" => "application data".into(),
        "Alert" => format!("Alert: {}", m.str("description").unwrap_or("?")),
        _ => m.name.clone(),
    }
}

/// The lines under an arrow: the message's values, then any field this renderer does
/// not know yet. `receiver_traced`: whether the trace has the receiver's view.
pub fn details(m: &Message, receiver_traced: bool) -> Vec<Line> {
    let mut out = Vec::new();
    let known: &[&str] = match m.name.as_str() {
        "ClientHello" => {
            client_hello(m, &mut out);
            &[
                "versions",
                "random",
                "session_id",
                "cipher_suites",
                "extensions",
                "server_name",
                "key_shares",
                "compression_methods",
                "alpn",
            ]
        }
        "HelloRetryRequest" => {
            if let Some(group) = m.str("group") {
                out.push(Line::new(
                    Tone::Param,
                    format!("asks for a key share in {group}"),
                ));
            }
            &["group"]
        }
        "ServerHello" => {
            server_hello(m, &mut out);
            &[
                "version",
                "random",
                "session_id",
                "cipher_suite",
                "group",
                "extensions",
                "downgrade_sentinel",
                "compression_method",
            ]
        }
        "EncryptedExtensions" => {
            match m.str("alpn") {
                Some(alpn) => out.push(Line::new(Tone::Param, format!("ALPN {alpn}"))),
                None => out.push(Line::new(Tone::Muted, "no ALPN")),
            }
            list_line(&mut out, m, "extensions", "extensions");
            &["extensions", "alpn"]
        }
        "CertificateRequest" => {
            list_line(&mut out, m, "schemes", "accepts");
            if let Some(types) = m.get("certificate_types").and_then(Value::as_array) {
                if !types.is_empty() {
                    let names: Vec<String> = types.iter().map(certificate_type).collect();
                    out.push(Line::new(
                        Tone::Plain,
                        format!("certificate types {}", names.join(", ")),
                    ));
                }
            }
            match m.get("ca_names").and_then(Value::as_array) {
                Some(names) if !names.is_empty() => {
                    let names: Vec<String> = names.iter().map(compact).collect();
                    out.push(Line::new(
                        Tone::Plain,
                        format!("CA names: {}", names.join(" | ")),
                    ));
                }
                Some(_) => out.push(Line::new(Tone::Muted, "CA names: none (any trusted CA)")),
                None => {}
            }
            &["schemes", "certificate_types", "ca_names"]
        }
        "Certificate" => {
            certificate(m, &mut out);
            &["chain", "certificates"]
        }
        "CertificateVerify" => {
            if let Some(scheme) = m.str("scheme") {
                out.push(Line::new(Tone::Param, format!("signature {scheme}")));
            }
            verified_line(m, &mut out, "signature");
            &["scheme", "verified"]
        }
        "ServerKeyExchange" => {
            let kx = m.str("kx").unwrap_or("?");
            let params = match (m.str("group"), m.u64("dh_bits")) {
                (Some(group), _) => format!("{kx} {group}"),
                (None, Some(bits)) => format!("{kx} {bits}-bit prime"),
                (None, None) => kx.to_owned(),
            };
            out.push(Line::new(Tone::Param, params));
            if let Some(scheme) = m.str("scheme") {
                out.push(Line::new(Tone::Param, format!("signed with {scheme}")));
            }
            verified_line(m, &mut out, "signature");
            &["kx", "group", "dh_bits", "scheme", "verified"]
        }
        "ClientKeyExchange" => {
            let text = match m.str("kx") {
                Some("RSA") => "RSA-encrypted pre-master secret".to_owned(),
                Some(kx) => format!("{kx} public value"),
                None => "key exchange".to_owned(),
            };
            out.push(Line::new(Tone::Param, text));
            &["kx"]
        }
        "Finished" => {
            verified_line(m, &mut out, "Finished");
            &["verified"]
        }
        "NewSessionTicket" => {
            let mut parts = Vec::new();
            if let Some(lifetime) = m.u64("lifetime") {
                parts.push(format!("lifetime {lifetime} s"));
            }
            if let Some(len) = m.u64("ticket_len") {
                parts.push(format!("ticket {len} bytes"));
            }
            if let (Some(i), Some(n)) = (m.u64("index"), m.u64("count")) {
                parts.push(format!("{i} of {n}"));
            }
            if !parts.is_empty() {
                out.push(Line::new(Tone::Plain, parts.join(" · ")));
            }
            &["lifetime", "ticket_len", "index", "count"]
        }
        "KeyUpdate" => {
            let text = match m.get("update_requested").and_then(Value::as_bool) {
                Some(true) => "update requested in return",
                _ => "no update requested",
            };
            out.push(Line::new(Tone::Plain, text));
            &["update_requested"]
        }
        "ApplicationData" => {
            let records = if m.records == 1 { "record" } else { "records" };
            out.push(Line::new(
                Tone::Plain,
                format!("{} bytes in {} {records}", m.bytes, m.records),
            ));
            &["bytes", "records"]
        }
        "Alert" => {
            let (tone, text) = match m.get("fatal").and_then(Value::as_bool) {
                Some(true) => (Tone::Bad, "fatal"),
                _ if m.str("description") == Some("close_notify") => (Tone::Muted, "orderly close"),
                _ => (Tone::Plain, "warning"),
            };
            out.push(Line::new(tone, text));
            &["description", "fatal"]
        }
        "ChangeCipherSpec" | "ServerHelloDone" => &[],
        _ => &[],
    };
    if m.received.is_none() && receiver_traced && m.name != "ApplicationData" {
        out.push(Line::new(
            Tone::Muted,
            format!("not in the {}'s trace", m.from.peer().name()),
        ));
    }
    for name in m.field_names() {
        if !known.contains(&name) {
            if let Some(value) = m.get(name) {
                out.push(Line::new(
                    Tone::Muted,
                    format!("{name}: {}", compact(value)),
                ));
            }
        }
    }
    out
}

fn client_hello(m: &Message, out: &mut Vec<Line>) {
    if let Some(versions) = strings(m.get("versions")) {
        out.push(Line::new(
            Tone::Param,
            format!("offers {}", versions.join(", ")),
        ));
    }
    if let Some(suites) = strings(m.get("cipher_suites")) {
        out.push(Line::new(
            Tone::Plain,
            format!("{} cipher suites: {}", suites.len(), suites.join(", ")),
        ));
    }
    let mut parts = Vec::new();
    if let Some(name) = m.str("server_name") {
        parts.push(format!("SNI {name}"));
    }
    if let Some(shares) = strings(m.get("key_shares")) {
        if !shares.is_empty() {
            parts.push(format!("key share {}", shares.join(", ")));
        }
    }
    if let Some(alpn) = strings(m.get("alpn")) {
        if !alpn.is_empty() {
            parts.push(format!("ALPN {}", alpn.join(", ")));
        }
    }
    if !parts.is_empty() {
        out.push(Line::new(Tone::Plain, parts.join(" · ")));
    }
    if let Some(methods) = m.get("compression_methods").and_then(Value::as_array) {
        let names: Vec<String> = methods.iter().map(compression).collect();
        out.push(Line::new(
            Tone::Muted,
            format!("compression {}", names.join(", ")),
        ));
    }
    list_line(out, m, "extensions", "extensions");
    hex_line(out, m);
}

fn server_hello(m: &Message, out: &mut Vec<Line>) {
    let chosen: Vec<&str> = [m.str("version"), m.str("cipher_suite"), m.str("group")]
        .into_iter()
        .flatten()
        .collect();
    if !chosen.is_empty() {
        out.push(Line::new(Tone::Param, chosen.join(" · ")));
    }
    if m.get("downgrade_sentinel").and_then(Value::as_bool) == Some(true) {
        out.push(Line::new(
            Tone::Plain,
            "downgrade sentinel in the random (server can do TLS 1.3)",
        ));
    }
    if let Some(method) = m.get("compression_method") {
        out.push(Line::new(
            Tone::Muted,
            format!("compression {}", compression(method)),
        ));
    }
    list_line(out, m, "extensions", "extensions");
    hex_line(out, m);
}

/// Randoms and session ids are public but long: the first bytes say enough.
fn hex_line(out: &mut Vec<Line>, m: &Message) {
    let short = |hex: &str| {
        if hex.is_empty() {
            "(empty)".to_owned()
        } else if hex.len() > 16 {
            format!("{}…", head(hex, 16))
        } else {
            hex.to_owned()
        }
    };
    let mut parts = Vec::new();
    if let Some(random) = m.str("random") {
        parts.push(format!("random {}", short(random)));
    }
    if let Some(id) = m.str("session_id") {
        parts.push(format!("session id {}", short(id)));
    }
    if !parts.is_empty() {
        out.push(Line::new(Tone::Muted, parts.join(" · ")));
    }
}

/// The first `n` characters of `s`.
fn head(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(at, _)| &s[..at])
}

fn certificate(m: &Message, out: &mut Vec<Line>) {
    let structured = m.get("certificates").and_then(Value::as_array);
    let chain = strings(m.get("chain")).unwrap_or_default();
    match structured {
        Some(certs) if !certs.is_empty() => {
            for (i, cert) in certs.iter().enumerate() {
                certificate_info(i, cert, out);
            }
        }
        _ if !chain.is_empty() => {
            for (i, summary) in chain.iter().enumerate() {
                out.push(Line::new(Tone::Plain, format!("[{i}] {summary}")));
            }
        }
        _ => out.push(Line::new(Tone::Muted, "empty: no certificate")),
    }
}

/// One certificate from its field-by-field form.
fn certificate_info(i: usize, cert: &Value, out: &mut Vec<Line>) {
    let field = |k: &str| cert.get(k).filter(|v| !v.is_null());
    let text = |k: &str| field(k).map(compact);
    if let Some(error) = text("parse_error") {
        out.push(Line::new(Tone::Bad, format!("[{i}] unparsable: {error}")));
        return;
    }
    let subject = text("subject").unwrap_or_else(|| "?".into());
    let issuer = text("issuer").unwrap_or_else(|| "?".into());
    let ca = if field("is_ca").and_then(Value::as_bool) == Some(true) {
        " (CA)"
    } else {
        ""
    };
    out.push(Line::new(
        Tone::Plain,
        format!("[{i}] {subject}{ca} ← issued by {issuer}"),
    ));
    let mut parts = Vec::new();
    let key = match (text("key_type"), text("curve"), field("key_bits")) {
        (Some(t), Some(curve), _) => Some(format!("{t} {curve}")),
        (Some(t), None, Some(bits)) => Some(format!("{t} {} bits", compact(bits))),
        (Some(t), None, None) => Some(t),
        _ => None,
    };
    if let Some(key) = key {
        parts.push(format!("key {key}"));
    }
    if let (Some(from), Some(to)) = (field("not_before"), field("not_after")) {
        parts.push(format!("valid {} to {}", when(from), when(to)));
    }
    if !parts.is_empty() {
        out.push(Line::new(Tone::Muted, format!("    {}", parts.join(" · "))));
    }
    if let Some(names) = strings(field("subject_alt_names")) {
        if !names.is_empty() {
            out.push(Line::new(
                Tone::Muted,
                format!("    SAN {}", names.join(", ")),
            ));
        }
    }
    let mut parts = Vec::new();
    if let Some(alg) = text("signature_algorithm") {
        parts.push(format!("signed {alg}"));
    }
    if let Some(fp) = text("fingerprint_sha256") {
        parts.push(format!("SHA-256 {}…", head(&fp, 16)));
    }
    if !parts.is_empty() {
        out.push(Line::new(Tone::Muted, format!("    {}", parts.join(" · "))));
    }
}

/// A validity bound: seconds since the epoch as a UTC date, or the text as given.
fn when(v: &Value) -> String {
    match v.as_i64() {
        Some(secs) => {
            let days = secs.div_euclid(86_400);
            let (y, m, d) = civil_from_days(days);
            format!("{y:04}-{m:02}-{d:02}")
        }
        None => compact(v),
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// "verified by the server" when the receiver's view says so; nothing when only the
/// sender's view is traced (it cannot know).
fn verified_line(m: &Message, out: &mut Vec<Line>, what: &str) {
    let Some(received) = &m.received else {
        return;
    };
    let by = m.from.peer().name();
    match received.bool("verified") {
        Some(true) => out.push(Line::new(Tone::Good, format!("✓ {what} verified by {by}"))),
        Some(false) => out.push(Line::new(
            Tone::Bad,
            format!("✗ {what} NOT verified by {by}"),
        )),
        None => {}
    }
}

fn list_line(out: &mut Vec<Line>, m: &Message, key: &str, what: &str) {
    if let Some(items) = strings(m.get(key)) {
        if !items.is_empty() {
            out.push(Line::new(
                Tone::Muted,
                format!("{what} {}", items.join(", ")),
            ));
        }
    }
}

/// A JSON array as text items (non-strings in their compact form).
fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().map(compact).collect())
}

fn compression(v: &Value) -> String {
    match v.as_u64() {
        Some(0) => "null".into(),
        Some(1) => "DEFLATE".into(),
        Some(n) => format!("unknown({n})"),
        None => compact(v),
    }
}

fn certificate_type(v: &Value) -> String {
    match v.as_u64() {
        Some(1) => "rsa_sign".into(),
        Some(2) => "dss_sign".into(),
        Some(64) => "ecdsa_sign".into(),
        Some(n) => format!("unknown({n})"),
        None => compact(v),
    }
}

/// A value as short text: strings bare, lists comma-separated, objects as `k=v`.
pub fn compact(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(compact).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}={}", compact(v)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// A local step: its title, its tone, and its lines.
pub fn note(e: &Event) -> (String, Tone, Vec<Line>) {
    let mut lines = Vec::new();
    let (title, tone, known): (String, Tone, &[&str]) = match e.name.as_str() {
        "KeyExchange" => (
            format!("key exchange {}", e.str("group").unwrap_or("?")),
            Tone::Param,
            {
                lines.push(Line::new(
                    Tone::Muted,
                    "shared secret computed → handshake secret",
                ));
                &["group"]
            },
        ),
        "KeysDerived" => {
            let sizes = match (e.u64("key_len"), e.u64("iv_len")) {
                (Some(k), Some(iv)) => format!("{k}-byte key, {iv}-byte IV"),
                _ => String::new(),
            };
            if !sizes.is_empty() {
                lines.push(Line::new(Tone::Muted, sizes));
            }
            (
                format!("keys derived: {}", e.str("name").unwrap_or("?")),
                Tone::Plain,
                &["name", "key_len", "iv_len"],
            )
        }
        "MasterSecret" => {
            let how = match e.bool("extended") {
                Some(true) => "extended master secret (RFC 7627)",
                Some(false) => "classic derivation (no EMS)",
                None => "",
            };
            if !how.is_empty() {
                lines.push(Line::new(Tone::Muted, how));
            }
            (
                "pre-master secret → master secret".into(),
                Tone::Plain,
                &["extended"],
            )
        }
        "CertificateCheck" => {
            let passed = e.bool("passed") == Some(true);
            let detail = e.str("detail").unwrap_or("");
            // Traces written before `checked` existed said so only in the detail.
            let checked = e
                .bool("checked")
                .unwrap_or_else(|| !detail.starts_with("not checked"));
            let check = e.str("check").unwrap_or("?").to_owned();
            let (tone, mark) = match (checked, passed) {
                (true, true) => (Tone::Good, "✓"),
                (false, true) => (Tone::Muted, "–"),
                (_, false) => (Tone::Bad, "✗"),
            };
            let mut line = Line::new(tone, format!("{mark} {check}: {detail}"));
            line.check = Some((check, passed, checked));
            lines.push(line);
            (
                "certificate check".into(),
                Tone::Plain,
                &["check", "passed", "checked", "detail"],
            )
        }
        "HandshakeComplete" => {
            let chosen: Vec<String> = ["version", "cipher_suite", "group"]
                .iter()
                .filter_map(|k| e.str(k).map(str::to_owned))
                .chain(e.str("alpn").map(|a| format!("ALPN {a}")))
                .collect();
            lines.push(Line::new(Tone::Param, chosen.join(" · ")));
            (
                "handshake complete".into(),
                Tone::Good,
                &["version", "cipher_suite", "group", "alpn"],
            )
        }
        "Resumption" => {
            let accepted = e.bool("accepted") == Some(true);
            if let Some(reason) = e.str("reason") {
                lines.push(Line::new(Tone::Muted, reason));
            }
            (
                format!(
                    "resumption ({}, {}): {}",
                    e.str("mechanism").unwrap_or("?"),
                    e.str("version").unwrap_or("?"),
                    if accepted { "accepted" } else { "declined" }
                ),
                if accepted { Tone::Good } else { Tone::Plain },
                &["version", "mechanism", "accepted", "reason"],
            )
        }
        "Renegotiation" => {
            let accepted = e.bool("accepted") == Some(true);
            (
                format!(
                    "renegotiation asked by {}: {}",
                    e.from.map_or("?", Side::name),
                    if accepted { "accepted" } else { "refused" }
                ),
                Tone::Plain,
                &["accepted"],
            )
        }
        other => (other.to_owned(), Tone::Plain, &[]),
    };
    for (name, value) in &e.fields {
        if !known.contains(&name.as_str()) && !value.is_null() {
            lines.push(Line::new(
                Tone::Muted,
                format!("{name}: {}", compact(value)),
            ));
        }
    }
    (title, tone, lines)
}
