//! A readable summary of an X.509 certificate, for traces and error messages.
//!
//! webpki validates certificates but does not expose names as text, so this module
//! carries a small DER reader for exactly the fields a trace wants: subject, issuer,
//! validity, public key, signature algorithm, subjectAltName, basicConstraints and
//! extendedKeyUsage. It **decides nothing**: the verdict on a certificate comes only
//! from [`crate::verify::verify_server_chain`] and friends.
//!
//! The reader is strict about structure (every length is bounds-checked, the
//! indefinite length form and multi-byte tags are rejected) and never panics;
//! malformed input gives [`Error::Certificate`] with [`CertificateCheck::Encoding`].

use crate::error::{CertificateCheck, Error};
use core::fmt;
use rustls_pki_types::CertificateDer;
use std::net::IpAddr;

/// A readable summary of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateInfo {
    /// X.509 version as written in the certificate (1, 2 or 3).
    pub version: u8,
    /// The serial number, lowercase hex, as encoded (sign byte included).
    pub serial: String,
    /// The subject, e.g. `"CN=localhost"` (RDNs in encoded order, comma separated).
    pub subject: String,
    /// The issuer, in the same format as `subject`.
    pub issuer: String,
    /// Start of the validity period, seconds since the Unix epoch (may be negative).
    pub not_before: i64,
    /// End of the validity period, seconds since the Unix epoch.
    pub not_after: i64,
    /// The public key, e.g. `"RSA 2048"`, `"ECDSA P-256"`, `"Ed25519"`.
    pub public_key: String,
    /// The public key's algorithm alone: `"RSA"`, `"RSA-PSS"`, `"ECDSA"`, `"Ed25519"`, …
    pub key_type: String,
    /// The key size in bits (RSA modulus, curve size; 256 for Ed25519, 456 for Ed448
    /// as OpenSSL counts them), when known.
    pub key_bits: Option<u32>,
    /// The named curve of an ECDSA key (`"P-256"`).
    pub key_curve: Option<String>,
    /// The algorithm the issuer signed with, e.g. `"ecdsa-with-SHA256"`.
    pub signature_algorithm: String,
    /// Entries of the subjectAltName extension, in order.
    pub subject_alt_names: Vec<SubjectAltName>,
    /// Extended key usages (e.g. `"serverAuth"`); empty when the extension is absent.
    pub extended_key_usage: Vec<String>,
    /// Whether basicConstraints says this is a CA certificate.
    pub is_ca: bool,
    /// Whether subject and issuer are byte-for-byte equal.
    pub self_issued: bool,
}

impl CertificateInfo {
    /// `not_before` as `"YYYY-MM-DD HH:MM:SS UTC"`.
    pub fn not_before_utc(&self) -> String {
        format_utc(self.not_before)
    }

    /// `not_after` as `"YYYY-MM-DD HH:MM:SS UTC"`.
    pub fn not_after_utc(&self) -> String {
        format_utc(self.not_after)
    }

    /// The DNS names among the subjectAltName entries.
    pub fn dns_names(&self) -> impl Iterator<Item = &str> {
        self.subject_alt_names.iter().filter_map(|n| match n {
            SubjectAltName::Dns(d) => Some(d.as_str()),
            _ => None,
        })
    }

    /// The IP addresses among the subjectAltName entries.
    pub fn ip_addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.subject_alt_names.iter().filter_map(|n| match n {
            SubjectAltName::Ip(ip) => Some(*ip),
            _ => None,
        })
    }
}

impl fmt::Display for CertificateInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "subject {}, issuer {}, valid {} .. {}, key {}, signed with {}",
            display_name(&self.subject),
            display_name(&self.issuer),
            self.not_before_utc(),
            self.not_after_utc(),
            self.public_key,
            self.signature_algorithm
        )?;
        if !self.subject_alt_names.is_empty() {
            f.write_str(", names ")?;
            for (i, san) in self.subject_alt_names.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{san}")?;
            }
        }
        if self.is_ca {
            f.write_str(", CA")?;
        }
        Ok(())
    }
}

/// One subjectAltName entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubjectAltName {
    /// dNSName
    Dns(String),
    /// iPAddress (4 or 16 bytes)
    Ip(IpAddr),
    /// rfc822Name (e-mail address)
    Email(String),
    /// uniformResourceIdentifier
    Uri(String),
    /// Any other kind of name, summarised (e.g. `"otherName"`, or a malformed iPAddress).
    Other(String),
}

impl fmt::Display for SubjectAltName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(d) => write!(f, "DNS:{d}"),
            Self::Ip(ip) => write!(f, "IP:{ip}"),
            Self::Email(e) => write!(f, "email:{e}"),
            Self::Uri(u) => write!(f, "URI:{u}"),
            Self::Other(o) => write!(f, "{o}"),
        }
    }
}

/// Summarises `cert` for traces. Malformed DER is
/// `Error::Certificate { check: Encoding, .. }`.
pub fn describe_certificate(cert: &CertificateDer<'_>) -> Result<CertificateInfo, Error> {
    parse_certificate(cert.as_ref()).map_err(|e| Error::Certificate {
        check: CertificateCheck::Encoding,
        detail: format!("malformed certificate: {e}"),
    })
}

/// Renders a DER-encoded X.501 `Name` (including its outer SEQUENCE, as carried in a
/// TLS `certificate_authorities` list) as text like `"O=Example, CN=Example CA"`.
pub fn describe_name(name_der: &[u8]) -> Result<String, Error> {
    let mut r = Reader::new(name_der);
    let inner = r.expect(SEQUENCE, "Name")?;
    r.finish("Name")
        .and_then(|()| name_to_string(inner))
        .map_err(|e| Error::Certificate {
            check: CertificateCheck::Encoding,
            detail: format!("malformed distinguished name: {e}"),
        })
}

/// Renders the *contents* of a `Name` (without the outer SEQUENCE header, the form
/// webpki keeps in `TrustAnchor::subject`). Falls back to a hex dump when malformed.
pub(crate) fn name_contents_to_string(contents: &[u8]) -> String {
    match name_to_string(contents) {
        Ok(s) => s,
        Err(_) => format!("#{}", hex(contents)),
    }
}

/// An empty name shows as `<empty>`.
pub(crate) fn display_name(name: &str) -> &str {
    if name.is_empty() {
        "<empty>"
    } else {
        name
    }
}

/// Formats seconds since the Unix epoch as `"YYYY-MM-DD HH:MM:SS UTC"`.
pub fn format_utc(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// `cert` field by field for a trace event, with its SHA-256 fingerprint computed by
/// `sha256`. Never fails: a certificate that does not parse is reported with
/// `parse_error` set (the checks that follow reject it).
pub fn trace_certificate(
    cert: &CertificateDer<'_>,
    sha256: &dyn crate::crypto::Hash,
) -> crate::trace::CertificateInfo {
    let der = cert.as_ref();
    let mut out = crate::trace::CertificateInfo {
        fingerprint_sha256: hex(sha256.hash(der).as_ref()),
        der_len: der.len(),
        ..Default::default()
    };
    match parse_certificate(der) {
        Ok(info) => {
            out.subject_alt_names = info
                .subject_alt_names
                .iter()
                .map(|n| n.to_string())
                .collect();
            out.subject = info.subject;
            out.issuer = info.issuer;
            out.serial = info.serial;
            out.not_before = info.not_before;
            out.not_after = info.not_after;
            out.key_type = info.key_type;
            out.key_bits = info.key_bits;
            out.curve = info.key_curve;
            out.signature_algorithm = info.signature_algorithm;
            out.is_ca = info.is_ca;
        }
        Err(e) => out.parse_error = Some(e.0),
    }
    out
}

/// Every certificate of `chain`, in order, as [`trace_certificate`] describes it, with
/// the provider's SHA-256.
pub fn trace_chain(
    chain: &[CertificateDer<'_>],
    provider: &dyn crate::crypto::CryptoProvider,
) -> Vec<crate::trace::CertificateInfo> {
    let sha256 = provider.hash(crate::enums::HashAlgorithm::Sha256);
    chain.iter().map(|c| trace_certificate(c, sha256)).collect()
}

/// DER distinguished names (a CertificateRequest's authorities) as text; one that
/// does not parse shows as `#` and its hex.
pub fn trace_names(names: &[Vec<u8>]) -> Vec<String> {
    names
        .iter()
        .map(|n| describe_name(n).unwrap_or_else(|_| format!("#{}", hex(n))))
        .collect()
}

// ---------------------------------------------------------------------------
// Minimal DER reader.

/// What went wrong, for the error detail.
type ParseResult<T> = Result<T, ParseError>;

#[derive(Debug)]
struct ParseError(String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::Certificate {
            check: CertificateCheck::Encoding,
            detail: e.0,
        }
    }
}

fn bad<T>(what: &str) -> ParseResult<T> {
    Err(ParseError(what.to_string()))
}

const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const UTF8_STRING: u8 = 0x0c;
const PRINTABLE_STRING: u8 = 0x13;
const TELETEX_STRING: u8 = 0x14;
const IA5_STRING: u8 = 0x16;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const VISIBLE_STRING: u8 = 0x1a;
const UNIVERSAL_STRING: u8 = 0x1c;
const BMP_STRING: u8 = 0x1e;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const CONTEXT_0_CONSTRUCTED: u8 = 0xa0;
const CONTEXT_1_PRIMITIVE: u8 = 0x81;
const CONTEXT_2_PRIMITIVE: u8 = 0x82;
const CONTEXT_3_CONSTRUCTED: u8 = 0xa3;

/// Nesting is shallow in the fields we read; this only guards runaway input.
const MAX_ITEMS: usize = 4096;

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads one TLV, returning (tag, value).
    fn read_any(&mut self, what: &str) -> ParseResult<(u8, &'a [u8])> {
        let (&tag, after_tag) = match self.rest.split_first() {
            Some(x) => x,
            None => return bad(&format!("{what}: truncated (no tag)")),
        };
        if tag & 0x1f == 0x1f {
            return bad(&format!("{what}: multi-byte tags are not supported"));
        }
        let (&first, mut after_len) = match after_tag.split_first() {
            Some(x) => x,
            None => return bad(&format!("{what}: truncated (no length)")),
        };
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 {
                return bad(&format!("{what}: indefinite length is not DER"));
            }
            if n > 4 {
                return bad(&format!("{what}: length too large"));
            }
            let (len_bytes, rest) = match after_len.split_at_checked(n) {
                Some(x) => x,
                None => return bad(&format!("{what}: truncated length")),
            };
            after_len = rest;
            len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        let (value, rest) = match after_len.split_at_checked(len) {
            Some(x) => x,
            None => return bad(&format!("{what}: length {len} runs past the end")),
        };
        self.rest = rest;
        Ok((tag, value))
    }

    fn expect(&mut self, tag: u8, what: &str) -> ParseResult<&'a [u8]> {
        let (got, value) = self.read_any(what)?;
        if got != tag {
            return bad(&format!(
                "{what}: expected tag 0x{tag:02x}, found 0x{got:02x}"
            ));
        }
        Ok(value)
    }

    /// Reads the element if the next tag is `tag`.
    fn optional(&mut self, tag: u8, what: &str) -> ParseResult<Option<&'a [u8]>> {
        if self.peek_tag() == Some(tag) {
            self.expect(tag, what).map(Some)
        } else {
            Ok(None)
        }
    }

    fn finish(&self, what: &str) -> ParseResult<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            bad(&format!("{what}: {} trailing bytes", self.rest.len()))
        }
    }
}

// ---------------------------------------------------------------------------
// Certificate structure (RFC 5280 §4.1).

/// The certificate's SubjectPublicKeyInfo, DER-encoded (for RSA key transport).
pub fn subject_public_key_info(cert: &CertificateDer<'_>) -> Result<Vec<u8>, Error> {
    let mut outer = Reader::new(cert.as_ref());
    let mut cert = Reader::new(outer.expect(SEQUENCE, "Certificate")?);
    let mut tbs = Reader::new(cert.expect(SEQUENCE, "TBSCertificate")?);
    tbs.optional(CONTEXT_0_CONSTRUCTED, "version")?;
    for what in ["serialNumber", "signature", "issuer", "validity", "subject"] {
        tbs.read_any(what)?;
    }
    let spki = tbs.expect(SEQUENCE, "subjectPublicKeyInfo")?;
    Ok(der_sequence(spki))
}

/// The certificate's issuer Name, DER-encoded, as CertificateRequest lists CA names.
pub fn issuer_name_der(cert: &CertificateDer<'_>) -> Result<Vec<u8>, Error> {
    let mut outer = Reader::new(cert.as_ref());
    let mut cert = Reader::new(outer.expect(SEQUENCE, "Certificate")?);
    let mut tbs = Reader::new(cert.expect(SEQUENCE, "TBSCertificate")?);
    tbs.optional(CONTEXT_0_CONSTRUCTED, "version")?;
    tbs.read_any("serialNumber")?;
    tbs.read_any("signature")?;
    Ok(der_sequence(tbs.expect(SEQUENCE, "issuer")?))
}

/// The certificate's serial number (the INTEGER's content octets, as CRLs list it) and
/// its issuer Name's contents (without the SEQUENCE header, as webpki compares names).
pub(crate) fn serial_and_issuer(cert: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let mut outer = Reader::new(cert);
    let mut cert = Reader::new(outer.expect(SEQUENCE, "Certificate")?);
    let mut tbs = Reader::new(cert.expect(SEQUENCE, "TBSCertificate")?);
    tbs.optional(CONTEXT_0_CONSTRUCTED, "version")?;
    let serial = tbs.expect(INTEGER, "serialNumber")?.to_vec();
    tbs.read_any("signature")?;
    let issuer = tbs.expect(SEQUENCE, "issuer")?.to_vec();
    Ok((serial, issuer))
}

/// What a certificate revocation list says about itself (RFC 5280 §5.1), for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrlSummary {
    /// The issuer's Name, as text.
    pub issuer: String,
    /// thisUpdate, Unix seconds.
    pub this_update: i64,
    /// nextUpdate, Unix seconds (webpki refuses CRLs without one).
    pub next_update: Option<i64>,
    /// How many certificates it lists as revoked.
    pub entries: usize,
}

/// Reads the issuer, dates and entry count of a DER CRL.
pub(crate) fn describe_crl(der: &[u8]) -> Result<CrlSummary, Error> {
    let mut outer = Reader::new(der);
    let mut list = Reader::new(outer.expect(SEQUENCE, "CertificateList")?);
    outer.finish("CertificateList")?;
    let mut tbs = Reader::new(list.expect(SEQUENCE, "TBSCertList")?);
    tbs.optional(INTEGER, "version")?;
    tbs.expect(SEQUENCE, "signature")?;
    let issuer = name_to_string(tbs.expect(SEQUENCE, "issuer")?)?;
    let (tag, value) = tbs.read_any("thisUpdate")?;
    let this_update = parse_time(tag, value, "thisUpdate")?;
    let next_update = match tbs.peek_tag() {
        Some(UTC_TIME | GENERALIZED_TIME) => {
            let (tag, value) = tbs.read_any("nextUpdate")?;
            Some(parse_time(tag, value, "nextUpdate")?)
        }
        _ => None,
    };
    let mut entries = 0;
    if let Some(revoked) = tbs.optional(SEQUENCE, "revokedCertificates")? {
        let mut r = Reader::new(revoked);
        while !r.is_empty() {
            r.expect(SEQUENCE, "revokedCertificate")?;
            entries += 1;
            if entries > 1_000_000 {
                return bad("revokedCertificates: too many entries").map_err(Into::into);
            }
        }
    }
    Ok(CrlSummary {
        issuer,
        this_update,
        next_update,
        entries,
    })
}

/// Serial number content octets as colon-separated lowercase hex (`01:a2:…`).
pub(crate) fn serial_text(serial: &[u8]) -> String {
    let parts: Vec<String> = serial.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// `contents` wrapped in a DER SEQUENCE header (definite, minimal length).
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(SEQUENCE);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

fn parse_certificate(der: &[u8]) -> ParseResult<CertificateInfo> {
    let mut outer = Reader::new(der);
    let cert = outer.expect(SEQUENCE, "Certificate")?;
    outer.finish("Certificate")?;

    let mut cert = Reader::new(cert);
    let tbs = cert.expect(SEQUENCE, "TBSCertificate")?;
    let sig_alg = cert.expect(SEQUENCE, "signatureAlgorithm")?;
    cert.expect(BIT_STRING, "signatureValue")?;
    cert.finish("Certificate")?;

    let mut tbs = Reader::new(tbs);
    let version = match tbs.optional(CONTEXT_0_CONSTRUCTED, "version")? {
        None => 1,
        Some(v) => {
            let mut v = Reader::new(v);
            let int = v.expect(INTEGER, "version")?;
            v.finish("version")?;
            match int {
                [0] => 1,
                [1] => 2,
                [2] => 3,
                _ => return bad("version: not 1, 2 or 3"),
            }
        }
    };
    let serial = tbs.expect(INTEGER, "serialNumber")?;
    if serial.is_empty() {
        return bad("serialNumber: empty");
    }
    tbs.expect(SEQUENCE, "signature")?;
    let issuer_raw = tbs.expect(SEQUENCE, "issuer")?;
    let validity = tbs.expect(SEQUENCE, "validity")?;
    let subject_raw = tbs.expect(SEQUENCE, "subject")?;
    let spki = tbs.expect(SEQUENCE, "subjectPublicKeyInfo")?;
    // issuerUniqueID [1] and subjectUniqueID [2] (IMPLICIT BIT STRING) may appear in v2/v3.
    tbs.optional(CONTEXT_1_PRIMITIVE, "issuerUniqueID")?;
    tbs.optional(CONTEXT_2_PRIMITIVE, "subjectUniqueID")?;
    let extensions = tbs.optional(CONTEXT_3_CONSTRUCTED, "extensions")?;
    tbs.finish("TBSCertificate")?;

    let (not_before, not_after) = parse_validity(validity)?;
    let key = describe_spki(spki)?;

    let mut info = CertificateInfo {
        version,
        serial: hex(serial),
        subject: name_to_string(subject_raw)?,
        issuer: name_to_string(issuer_raw)?,
        not_before,
        not_after,
        public_key: key.text,
        key_type: key.kind,
        key_bits: key.bits,
        key_curve: key.curve,
        signature_algorithm: describe_sig_alg(sig_alg)?,
        subject_alt_names: Vec::new(),
        extended_key_usage: Vec::new(),
        is_ca: false,
        self_issued: issuer_raw == subject_raw,
    };
    if let Some(ext) = extensions {
        parse_extensions(ext, &mut info)?;
    }
    Ok(info)
}

fn parse_validity(validity: &[u8]) -> ParseResult<(i64, i64)> {
    let mut r = Reader::new(validity);
    let (t1, v1) = r.read_any("notBefore")?;
    let (t2, v2) = r.read_any("notAfter")?;
    r.finish("validity")?;
    Ok((
        parse_time(t1, v1, "notBefore")?,
        parse_time(t2, v2, "notAfter")?,
    ))
}

fn parse_time(tag: u8, value: &[u8], what: &str) -> ParseResult<i64> {
    let (year, rest) = match tag {
        UTC_TIME => {
            // YYMMDDHHMMSSZ; RFC 5280: YY >= 50 means 19YY.
            if value.len() != 13 {
                return bad(&format!("{what}: UTCTime must be YYMMDDHHMMSSZ"));
            }
            let yy = digits(value, 0, 2).ok_or_else(|| ParseError(format!("{what}: bad year")))?;
            let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
            (year, value.get(2..).unwrap_or_default())
        }
        GENERALIZED_TIME => {
            if value.len() != 15 {
                return bad(&format!("{what}: GeneralizedTime must be YYYYMMDDHHMMSSZ"));
            }
            let year =
                digits(value, 0, 4).ok_or_else(|| ParseError(format!("{what}: bad year")))?;
            (year, value.get(4..).unwrap_or_default())
        }
        _ => return bad(&format!("{what}: not a UTCTime or GeneralizedTime")),
    };
    let field = |start: usize| {
        digits(rest, start, 2).ok_or_else(|| ParseError(format!("{what}: bad digits")))
    };
    let (month, day, hour, minute, second) =
        (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    if rest.get(10) != Some(&b'Z') {
        return bad(&format!("{what}: time must end in Z"));
    }
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return bad(&format!("{what}: date or time out of range"));
    }
    let days = days_from_civil(i64::from(year), month, day);
    Ok(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// Parses `len` ASCII digits at `start`.
fn digits(data: &[u8], start: usize, len: usize) -> Option<u32> {
    let slice = data.get(start..start.checked_add(len)?)?;
    slice.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn is_leap(year: u32) -> bool {
    // `rem_euclid` rather than `%`: keeps clippy's is_multiple_of hint (Rust 1.87+) quiet
    // while the workspace targets 1.85.
    (year.rem_euclid(4) == 0 && year.rem_euclid(100) != 0) || year.rem_euclid(400) == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

// ---------------------------------------------------------------------------
// Names.

fn name_to_string(contents: &[u8]) -> ParseResult<String> {
    let mut out = String::new();
    let mut rdns = Reader::new(contents);
    let mut count = 0usize;
    while !rdns.is_empty() {
        let rdn = rdns.expect(SET, "RelativeDistinguishedName")?;
        if !out.is_empty() {
            out.push_str(", ");
        }
        let mut atvs = Reader::new(rdn);
        let mut first = true;
        while !atvs.is_empty() {
            count += 1;
            if count > MAX_ITEMS {
                return bad("Name: too many attributes");
            }
            let atv = atvs.expect(SEQUENCE, "AttributeTypeAndValue")?;
            let mut atv = Reader::new(atv);
            let oid = atv.expect(OID, "attribute type")?;
            let (tag, value) = atv.read_any("attribute value")?;
            atv.finish("AttributeTypeAndValue")?;
            if !first {
                out.push('+');
            }
            first = false;
            let oid_text = oid_to_string(oid)?;
            out.push_str(attribute_name(&oid_text).unwrap_or(&oid_text));
            out.push('=');
            match decode_string(tag, value) {
                Some(s) => push_escaped(&mut out, &s),
                None => {
                    out.push('#');
                    out.push_str(&hex(value));
                }
            }
        }
    }
    Ok(out)
}

fn attribute_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.42" => "GN",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        _ => return None,
    })
}

/// Decodes the ASN.1 string types that appear in names; `None` for anything else.
fn decode_string(tag: u8, value: &[u8]) -> Option<String> {
    match tag {
        UTF8_STRING => core::str::from_utf8(value).ok().map(str::to_string),
        PRINTABLE_STRING | IA5_STRING | VISIBLE_STRING => value
            .is_ascii()
            .then(|| value.iter().map(|&b| char::from(b)).collect()),
        // T.61 in theory; in practice Latin-1.
        TELETEX_STRING => Some(value.iter().map(|&b| char::from(b)).collect()),
        BMP_STRING => {
            if !value.chunks_exact(2).remainder().is_empty() {
                return None;
            }
            let units = value
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        UNIVERSAL_STRING => {
            if !value.chunks_exact(4).remainder().is_empty() {
                return None;
            }
            value
                .chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

/// Escapes characters that would make the one-line form ambiguous, and any control
/// characters (so a hostile name cannot forge trace lines).
fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            ',' | '+' | '\\' | '"' | '<' | '>' | ';' | '=' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
}

/// Makes a peer-supplied IA5 name printable (control or non-ASCII bytes escaped).
fn printable_ascii(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value {
        if b.is_ascii_graphic() || b == b' ' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Object identifiers and algorithms.

fn oid_to_string(oid: &[u8]) -> ParseResult<String> {
    if oid.is_empty() {
        return bad("OID: empty");
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut in_arc = false;
    for &b in oid {
        if !in_arc && b == 0x80 {
            return bad("OID: non-minimal arc encoding");
        }
        if acc > (u64::MAX >> 7) {
            return bad("OID: arc too large");
        }
        acc = (acc << 7) | u64::from(b & 0x7f);
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(acc);
            acc = 0;
        }
    }
    if in_arc {
        return bad("OID: truncated arc");
    }
    let mut out = String::new();
    for (i, arc) in arcs.iter().enumerate() {
        if i == 0 {
            let (a, b) = match *arc {
                x if x < 40 => (0, x),
                x if x < 80 => (1, x - 40),
                x => (2, x - 80),
            };
            out.push_str(&format!("{a}.{b}"));
        } else {
            out.push_str(&format!(".{arc}"));
        }
    }
    Ok(out)
}

/// A readable name for a signature algorithm OID, if known.
pub(crate) fn signature_algorithm_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44",
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65",
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87",
        _ => return None,
    })
}

/// A readable name for an extended key usage OID, if known.
pub(crate) fn eku_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        "2.5.29.37.0" => "anyExtendedKeyUsage",
        _ => return None,
    })
}

/// Names the algorithm in an AlgorithmIdentifier's *contents* (OID plus parameters, the
/// form webpki reports in its errors), e.g. `"ecdsa-with-SHA256"` or `"ECDSA P-384 key"`.
pub(crate) fn algorithm_id_text(contents: &[u8]) -> String {
    let Ok((oid, params)) = algorithm_identifier(contents) else {
        return format!("#{}", hex(contents));
    };
    if let Some(name) = signature_algorithm_name(&oid) {
        return name.to_string();
    }
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => "RSA key".to_string(),
        "1.2.840.10045.2.1" => match params.and_then(|(t, c)| (t == OID).then_some(c)) {
            Some(curve) => match oid_to_string(curve).as_deref() {
                Ok("1.2.840.10045.3.1.7") => "ECDSA P-256 key".to_string(),
                Ok("1.3.132.0.34") => "ECDSA P-384 key".to_string(),
                Ok("1.3.132.0.35") => "ECDSA P-521 key".to_string(),
                Ok(other) => format!("EC key (curve {other})"),
                Err(_) => "EC key".to_string(),
            },
            None => "EC key (explicit curve parameters)".to_string(),
        },
        _ => oid,
    }
}

/// One TLV: (tag, value).
type Tlv<'a> = (u8, &'a [u8]);

/// Reads an AlgorithmIdentifier's contents: (OID text, parameters TLV if any).
fn algorithm_identifier(contents: &[u8]) -> ParseResult<(String, Option<Tlv<'_>>)> {
    let mut r = Reader::new(contents);
    let oid = oid_to_string(r.expect(OID, "algorithm")?)?;
    let params = if r.is_empty() {
        None
    } else {
        Some(r.read_any("algorithm parameters")?)
    };
    r.finish("AlgorithmIdentifier")?;
    Ok((oid, params))
}

fn describe_sig_alg(contents: &[u8]) -> ParseResult<String> {
    let (oid, _) = algorithm_identifier(contents)?;
    Ok(signature_algorithm_name(&oid).map_or(oid, str::to_string))
}

/// A public key, described.
struct KeyDescription {
    /// `"RSA 2048"`, `"ECDSA P-256"`, …
    text: String,
    /// `"RSA"`, `"ECDSA"`, …
    kind: String,
    bits: Option<u32>,
    curve: Option<String>,
}

impl KeyDescription {
    fn new(kind: &str, bits: Option<u32>, curve: Option<&str>, text: String) -> Self {
        Self {
            text,
            kind: kind.to_string(),
            bits,
            curve: curve.map(str::to_string),
        }
    }

    /// A key type whose text is its name and whose size is fixed.
    fn named(kind: &str, bits: Option<u32>) -> Self {
        Self::new(kind, bits, None, kind.to_string())
    }
}

fn describe_spki(spki: &[u8]) -> ParseResult<KeyDescription> {
    let mut r = Reader::new(spki);
    let alg = r.expect(SEQUENCE, "SubjectPublicKeyInfo algorithm")?;
    let key = r.expect(BIT_STRING, "subjectPublicKey")?;
    r.finish("SubjectPublicKeyInfo")?;
    let (oid, params) = algorithm_identifier(alg)?;
    let key_bits = match key.split_first() {
        Some((0, bits)) => bits,
        _ => return bad("subjectPublicKey: bit string with unused bits"),
    };
    let rsa = |kind: &str| -> ParseResult<KeyDescription> {
        let bits = rsa_modulus_bits(key_bits)?;
        Ok(KeyDescription::new(
            kind,
            u32::try_from(bits).ok(),
            None,
            format!("{kind} {bits}"),
        ))
    };
    Ok(match oid.as_str() {
        "1.2.840.113549.1.1.1" => rsa("RSA")?,
        "1.2.840.113549.1.1.10" => rsa("RSA-PSS")?,
        "1.2.840.10045.2.1" => {
            let curve = match params {
                Some((OID, c)) => oid_to_string(c)?,
                _ => return bad("EC public key: missing named curve"),
            };
            let named = |name: &str, bits| {
                KeyDescription::new("ECDSA", Some(bits), Some(name), format!("ECDSA {name}"))
            };
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => named("P-256", 256),
                "1.3.132.0.34" => named("P-384", 384),
                "1.3.132.0.35" => named("P-521", 521),
                other => {
                    KeyDescription::new("ECDSA", None, Some(other), format!("EC (curve {other})"))
                }
            }
        }
        "1.3.101.112" => KeyDescription::named("Ed25519", Some(256)),
        "1.3.101.113" => KeyDescription::named("Ed448", Some(456)),
        "1.3.101.110" => KeyDescription::named("X25519", Some(253)),
        "1.2.840.10040.4.1" => KeyDescription::named("DSA", None),
        "2.16.840.1.101.3.4.3.17" => KeyDescription::named("ML-DSA-44", None),
        "2.16.840.1.101.3.4.3.18" => KeyDescription::named("ML-DSA-65", None),
        "2.16.840.1.101.3.4.3.19" => KeyDescription::named("ML-DSA-87", None),
        other => KeyDescription::new(other, None, None, format!("unknown key algorithm {other}")),
    })
}

/// Bit length of the modulus in an RSAPublicKey.
fn rsa_modulus_bits(key: &[u8]) -> ParseResult<usize> {
    let mut r = Reader::new(key);
    let seq = r.expect(SEQUENCE, "RSAPublicKey")?;
    r.finish("RSAPublicKey")?;
    let mut r = Reader::new(seq);
    let n = r.expect(INTEGER, "RSA modulus")?;
    r.expect(INTEGER, "RSA exponent")?;
    r.finish("RSAPublicKey")?;
    let significant = match n.iter().position(|&b| b != 0) {
        Some(i) => n.get(i..).unwrap_or_default(),
        None => return bad("RSA modulus: zero"),
    };
    let top = significant.first().copied().unwrap_or(0);
    Ok((significant.len() - 1) * 8 + (8 - top.leading_zeros() as usize))
}

// ---------------------------------------------------------------------------
// Extensions.

fn parse_extensions(explicit: &[u8], info: &mut CertificateInfo) -> ParseResult<()> {
    let mut r = Reader::new(explicit);
    let list = r.expect(SEQUENCE, "Extensions")?;
    r.finish("extensions")?;
    let mut list = Reader::new(list);
    let mut count = 0usize;
    while !list.is_empty() {
        count += 1;
        if count > MAX_ITEMS {
            return bad("Extensions: too many");
        }
        let ext = list.expect(SEQUENCE, "Extension")?;
        let mut ext = Reader::new(ext);
        let oid = oid_to_string(ext.expect(OID, "extnID")?)?;
        ext.optional(BOOLEAN, "critical")?;
        let value = ext.expect(OCTET_STRING, "extnValue")?;
        ext.finish("Extension")?;
        match oid.as_str() {
            "2.5.29.17" => info.subject_alt_names = parse_general_names(value)?,
            "2.5.29.19" => info.is_ca = parse_basic_constraints(value)?,
            "2.5.29.37" => info.extended_key_usage = parse_eku(value)?,
            _ => {}
        }
    }
    Ok(())
}

fn parse_general_names(value: &[u8]) -> ParseResult<Vec<SubjectAltName>> {
    let mut r = Reader::new(value);
    let seq = r.expect(SEQUENCE, "GeneralNames")?;
    r.finish("subjectAltName")?;
    let mut names = Reader::new(seq);
    let mut out = Vec::new();
    while !names.is_empty() {
        if out.len() >= MAX_ITEMS {
            return bad("subjectAltName: too many names");
        }
        let (tag, v) = names.read_any("GeneralName")?;
        out.push(match tag {
            0x82 => SubjectAltName::Dns(printable_ascii(v)),
            0x87 => match v.len() {
                4 => {
                    let mut a = [0u8; 4];
                    a.copy_from_slice(v);
                    SubjectAltName::Ip(IpAddr::from(a))
                }
                16 => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(v);
                    SubjectAltName::Ip(IpAddr::from(a))
                }
                n => SubjectAltName::Other(format!("IP:<{n} bytes>")),
            },
            0x81 => SubjectAltName::Email(printable_ascii(v)),
            0x86 => SubjectAltName::Uri(printable_ascii(v)),
            0xa0 => SubjectAltName::Other("otherName".to_string()),
            0xa4 => SubjectAltName::Other(match Reader::new(v).expect(SEQUENCE, "directoryName") {
                Ok(n) => format!("dirName:{}", name_contents_to_string(n)),
                Err(_) => "dirName".to_string(),
            }),
            0x88 => SubjectAltName::Other("registeredID".to_string()),
            t => SubjectAltName::Other(format!("GeneralName[tag 0x{t:02x}]")),
        });
    }
    Ok(out)
}

fn parse_basic_constraints(value: &[u8]) -> ParseResult<bool> {
    let mut r = Reader::new(value);
    let seq = r.expect(SEQUENCE, "BasicConstraints")?;
    r.finish("basicConstraints")?;
    let mut seq = Reader::new(seq);
    Ok(match seq.optional(BOOLEAN, "cA")? {
        Some([b]) => *b != 0,
        Some(_) => return bad("cA: BOOLEAN must be one byte"),
        None => false,
    })
}

fn parse_eku(value: &[u8]) -> ParseResult<Vec<String>> {
    let mut r = Reader::new(value);
    let seq = r.expect(SEQUENCE, "ExtKeyUsageSyntax")?;
    r.finish("extendedKeyUsage")?;
    let mut seq = Reader::new(seq);
    let mut out = Vec::new();
    while !seq.is_empty() {
        if out.len() >= MAX_ITEMS {
            return bad("extendedKeyUsage: too many");
        }
        let oid = oid_to_string(seq.expect(OID, "KeyPurposeId")?)?;
        out.push(eku_name(&oid).map_or(oid, str::to_string));
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_headers() {
        assert_eq!(der_sequence(&[]), [0x30, 0]);
        assert_eq!(der_sequence(&[5; 0x7f])[..2], [0x30, 0x7f]);
        assert_eq!(der_sequence(&[5; 0x80])[..3], [0x30, 0x81, 0x80]);
        let long = der_sequence(&[5; 300]);
        assert_eq!(long[..4], [0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(long.len(), 304);
    }
    use rcgen::{
        date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
        KeyPair, SanType,
    };

    fn cert_with(params: &CertificateParams, alg: &'static rcgen::SignatureAlgorithm) -> Vec<u8> {
        let key = KeyPair::generate_for(alg).unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn describes_rcgen_leaf() {
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Lucid, Inc.");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.not_before = date_time_ymd(2024, 2, 29);
        params.not_after = date_time_ymd(2051, 1, 1);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let der = cert_with(&params, &rcgen::PKCS_ECDSA_P256_SHA256);
        let info = describe_certificate(&CertificateDer::from(der)).unwrap();

        assert_eq!(info.version, 3);
        assert_eq!(info.subject, "O=Lucid\\, Inc., CN=localhost");
        assert_eq!(info.issuer, info.subject);
        assert!(info.self_issued);
        assert_eq!(info.not_before, 1_709_164_800); // 2024-02-29T00:00:00Z
        assert_eq!(info.not_before_utc(), "2024-02-29 00:00:00 UTC");
        // 2051 is past 2049, so it must be a GeneralizedTime; check it decoded.
        assert_eq!(info.not_after_utc(), "2051-01-01 00:00:00 UTC");
        assert_eq!(info.public_key, "ECDSA P-256");
        assert_eq!(info.signature_algorithm, "ecdsa-with-SHA256");
        assert_eq!(info.dns_names().collect::<Vec<_>>(), ["localhost"]);
        assert_eq!(
            info.ip_addresses().collect::<Vec<_>>(),
            [IpAddr::from([127, 0, 0, 1])]
        );
        assert_eq!(info.extended_key_usage, ["serverAuth"]);
        assert!(!info.is_ca);
        let line = info.to_string();
        assert!(line.contains("DNS:localhost IP:127.0.0.1"), "{line}");
    }

    #[test]
    fn key_types_and_ca_flag() {
        let mut params = CertificateParams::new(vec!["ca.test".to_string()]).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let info = describe_certificate(&cert_with(&params, &rcgen::PKCS_ED25519).into()).unwrap();
        assert_eq!(info.public_key, "Ed25519");
        assert_eq!(info.signature_algorithm, "Ed25519");
        assert!(info.is_ca);

        let info = describe_certificate(&cert_with(&params, &rcgen::PKCS_ECDSA_P384_SHA384).into())
            .unwrap();
        assert_eq!(info.public_key, "ECDSA P-384");
        assert_eq!(info.signature_algorithm, "ecdsa-with-SHA384");

        let key =
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        let info = describe_certificate(&der.into()).unwrap();
        assert_eq!(info.public_key, "RSA 2048");
        assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
        assert_eq!(
            (info.key_type.as_str(), info.key_bits, info.key_curve),
            ("RSA", Some(2048), None)
        );
    }

    #[test]
    fn key_type_size_and_curve_apart() {
        let params = CertificateParams::new(vec!["k.test".to_string()]).unwrap();
        for (alg, kind, bits, curve) in [
            (&rcgen::PKCS_ECDSA_P256_SHA256, "ECDSA", 256, Some("P-256")),
            (&rcgen::PKCS_ECDSA_P384_SHA384, "ECDSA", 384, Some("P-384")),
            (&rcgen::PKCS_ED25519, "Ed25519", 256, None),
        ] {
            let info = describe_certificate(&cert_with(&params, alg).into()).unwrap();
            assert_eq!(info.key_type, kind);
            assert_eq!(info.key_bits, Some(bits));
            assert_eq!(info.key_curve.as_deref(), curve);
        }
    }

    /// A stand-in for SHA-256 that "digests" to the input's first 32 bytes: the unit
    /// test checks what trace_certificate does with the digest (the real SHA-256 is
    /// checked against OpenSSL's fingerprint in the interop tests).
    #[derive(Debug)]
    struct FirstBytes;

    struct Buffer(Vec<u8>);

    impl crate::crypto::HashContext for Buffer {
        fn update(&mut self, data: &[u8]) {
            self.0.extend_from_slice(data);
        }
        fn current(&self) -> crate::crypto::Digest {
            crate::crypto::Digest::new(&self.0[..self.0.len().min(32)])
        }
        fn fork(&self) -> Box<dyn crate::crypto::HashContext> {
            Box::new(Buffer(self.0.clone()))
        }
    }

    impl crate::crypto::Hash for FirstBytes {
        fn algorithm(&self) -> crate::enums::HashAlgorithm {
            crate::enums::HashAlgorithm::Sha256
        }
        fn start(&self) -> Box<dyn crate::crypto::HashContext> {
            Box::new(Buffer(Vec::new()))
        }
        fn hmac(&self, _key: &[u8], _parts: &[&[u8]]) -> crate::crypto::Digest {
            crate::crypto::Digest::new(&[])
        }
    }

    #[test]
    fn trace_certificate_fields_and_fingerprint() {
        let sha256 = &FirstBytes;
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let der = cert_with(&params, &rcgen::PKCS_ECDSA_P256_SHA256);
        let t = trace_certificate(&CertificateDer::from(der.clone()), sha256);
        assert_eq!(t.fingerprint_sha256, hex(&der[..32]));
        assert_eq!(t.der_len, der.len());
        assert_eq!(t.subject, "CN=localhost");
        assert_eq!(t.issuer, "CN=localhost");
        assert_eq!(t.subject_alt_names, ["DNS:localhost", "IP:127.0.0.1"]);
        assert_eq!(
            (t.key_type.as_str(), t.key_bits, t.curve.as_deref()),
            ("ECDSA", Some(256), Some("P-256"))
        );
        assert_eq!(t.signature_algorithm, "ecdsa-with-SHA256");
        assert_eq!(t.parse_error, None);

        // Garbage still gets a fingerprint and a reason, never a panic.
        let t = trace_certificate(&CertificateDer::from(vec![0x30, 0x03, 1, 2]), sha256);
        assert_eq!(t.fingerprint_sha256, "30030102");
        assert!(t.parse_error.is_some());
        assert!(t.subject.is_empty());

        assert_eq!(trace_names(&[vec![0x30, 0x00], vec![0xff]]), ["", "#ff"]);
    }

    #[test]
    fn ipv6_and_email_sans() {
        let mut params = CertificateParams::new(vec!["::1".to_string()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::Rfc822Name("a@b.test".try_into().unwrap()));
        let info = describe_certificate(&cert_with(&params, &rcgen::PKCS_ECDSA_P256_SHA256).into())
            .unwrap();
        assert_eq!(
            info.subject_alt_names,
            [
                SubjectAltName::Ip("::1".parse().unwrap()),
                SubjectAltName::Email("a@b.test".to_string())
            ]
        );
    }

    #[test]
    fn malformed_input_is_an_encoding_error_never_a_panic() {
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let good = cert_with(&params, &rcgen::PKCS_ECDSA_P256_SHA256);
        // Every truncation fails cleanly.
        for len in 0..good.len() {
            let err = describe_certificate(&CertificateDer::from(&good[..len])).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Certificate {
                        check: CertificateCheck::Encoding,
                        ..
                    }
                ),
                "{len}: {err:?}"
            );
        }
        // Every single-byte corruption either parses or fails cleanly (no panic).
        for i in 0..good.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] ^= flip;
                let _ = describe_certificate(&CertificateDer::from(bad));
            }
        }
        // Trailing garbage is rejected.
        let mut long = good.clone();
        long.push(0);
        assert!(describe_certificate(&CertificateDer::from(long)).is_err());
        // Indefinite length and oversized lengths are rejected.
        for input in [
            &[0x30, 0x80, 0, 0][..],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert!(describe_certificate(&CertificateDer::from(input)).is_err());
        }
    }

    #[test]
    fn times() {
        assert_eq!(parse_time(UTC_TIME, b"700101000000Z", "t").unwrap(), 0);
        assert_eq!(
            parse_time(UTC_TIME, b"491231235959Z", "t").unwrap(),
            2_524_607_999
        );
        assert_eq!(
            parse_time(UTC_TIME, b"500101000000Z", "t").unwrap(),
            -631_152_000
        );
        assert_eq!(
            parse_time(GENERALIZED_TIME, b"99991231235959Z", "t").unwrap(),
            253_402_300_799
        );
        assert_eq!(format_utc(253_402_300_799), "9999-12-31 23:59:59 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59:59 UTC");
        for bad in [
            &b"230230000000Z"[..], // 30 February
            b"231301000000Z",      // month 13
            b"230101240000Z",      // hour 24
            b"2301010000000",      // no Z
            b"23010100000Z",       // short
            b"2301010000+0Z",      // non-digit
        ] {
            assert!(parse_time(UTC_TIME, bad, "t").is_err(), "{bad:?}");
        }
        assert!(parse_time(GENERALIZED_TIME, b"20240229000000Z", "t").is_ok());
        assert!(parse_time(GENERALIZED_TIME, b"21000229000000Z", "t").is_err());
    }

    #[test]
    fn oids() {
        assert_eq!(
            oid_to_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]).unwrap(),
            "1.2.840.113549.1.1.11"
        );
        assert_eq!(oid_to_string(&[0x55, 0x04, 0x03]).unwrap(), "2.5.4.3");
        assert_eq!(oid_to_string(&[0x88, 0x37, 0x01]).unwrap(), "2.999.1");
        assert!(oid_to_string(&[0x55, 0x84]).is_err()); // truncated
        assert!(oid_to_string(&[0x55, 0x80, 0x01]).is_err()); // non-minimal
        assert!(oid_to_string(&[0xff; 12]).is_err()); // overflow
        assert!(oid_to_string(&[]).is_err());
    }

    #[test]
    fn names_escape_and_decode() {
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, BMPString "é,\n" } } }
        let name = [
            0x30, 0x11, 0x31, 0x0f, 0x30, 0x0d, 0x06, 0x03, 0x55, 0x04, 0x03, 0x1e, 0x06, 0x00,
            0xe9, 0x00, 0x2c, 0x00, 0x0a,
        ];
        assert_eq!(describe_name(&name).unwrap(), "CN=é\\,\\x0a");
        // Unknown attribute with a non-string value: dotted OID and hex.
        let name = [
            0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x02, 0x01, 0x05,
        ];
        assert_eq!(describe_name(&name).unwrap(), "1.2.3.4=#05");
        assert!(describe_name(&name[..name.len() - 1]).is_err());
        assert_eq!(describe_name(&[0x30, 0x00]).unwrap(), "");
    }
}
