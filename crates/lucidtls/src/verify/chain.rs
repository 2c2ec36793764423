//! The chain check shared by server and client certificate verification: parse,
//! build a path to a trust anchor (webpki), and report each check in order.

use super::certinfo::{
    algorithm_id_text, describe_certificate, display_name, eku_name, format_utc, CertificateInfo,
};
use super::revocation::{self, Checked, Crl, RevocationDepth, RevocationPolicy};
use super::roots::RootStore;
use crate::crypto::CryptoProvider;
use crate::error::{CertificateCheck, Error};
use core::fmt;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::{Arc, OnceLock};
use webpki::{EndEntityCert, KeyUsage};

/// The outcome of one check on a peer's certificate chain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckReport {
    /// Which check.
    pub check: CertificateCheck,
    /// Whether it passed. A check that did not run is not a failure: `passed` is true
    /// and `checked` false.
    pub passed: bool,
    /// Whether the check ran. False for revocation without CRLs (or with CRLs that
    /// cover none of the chain); `detail` then starts with "not checked".
    pub checked: bool,
    /// What was checked against what, in words.
    pub detail: String,
}

impl CheckReport {
    /// The failed check an [`Error::Certificate`] stands for (for traces of a failed
    /// verification); `None` for any other error.
    pub fn from_error(error: &Error) -> Option<Self> {
        match error {
            Error::Certificate { check, detail } => Some(Self {
                check: *check,
                passed: false,
                checked: true,
                detail: detail.clone(),
            }),
            _ => None,
        }
    }

    fn pass(check: CertificateCheck, detail: String) -> Self {
        Self {
            check,
            passed: true,
            checked: true,
            detail,
        }
    }

    fn not_checked(check: CertificateCheck, detail: String) -> Self {
        Self {
            check,
            passed: true,
            checked: false,
            detail,
        }
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.checked {
            // A check that did not run reads as such, not as "ok".
            return write!(f, "{}: {}", self.check, self.detail);
        }
        let outcome = if self.passed { "ok" } else { "FAILED" };
        write!(f, "{}: {outcome}: {}", self.check, self.detail)
    }
}

/// Whose chain this is: decides the EKU and the wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Server,
    Client,
}

impl Role {
    fn usage(self) -> KeyUsage {
        match self {
            Self::Server => KeyUsage::server_auth(),
            Self::Client => KeyUsage::client_auth(),
        }
    }

    fn eku(self) -> &'static str {
        match self {
            Self::Server => "serverAuth",
            Self::Client => "clientAuth",
        }
    }

    fn peer(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Client => "client",
        }
    }
}

/// A chain that passed every check.
///
/// Its reports, and the description of its end-entity certificate, are written on
/// first use: a handshake that nobody observes does not pay for them (parsing names,
/// dates and extensions into text). They read the same whenever they are asked for.
#[derive(Clone, Debug)]
pub(crate) struct ChainOutcome {
    pub(crate) end_entity: CertificateDer<'static>,
    facts: ChainFacts,
    described: OnceLock<Described>,
}

/// What the reports are written from.
#[derive(Clone, Debug)]
struct ChainFacts {
    role: Role,
    /// How many intermediates the peer sent.
    sent_intermediates: usize,
    /// The intermediates of the path webpki built, in path order.
    path: Vec<CertificateDer<'static>>,
    /// The trust anchor's subject (the contents of the Name).
    anchor_subject: Vec<u8>,
    /// The name checked (servers).
    name: Option<ServerName<'static>>,
    /// The length of a stapled OCSP response.
    ocsp_len: Option<usize>,
    /// The store's CRLs (empty: revocation not checked) and how they were applied.
    crls: Vec<Arc<Crl>>,
    policy: RevocationPolicy,
    now: UnixTime,
}

/// The reports and the end-entity description, once written.
#[derive(Clone, Debug)]
struct Described {
    info: Option<CertificateInfo>,
    reports: Vec<CheckReport>,
}

impl ChainOutcome {
    /// Each check that ran, in order.
    pub(crate) fn reports(&self) -> &[CheckReport] {
        &self.described().reports
    }

    /// A readable summary of the end-entity certificate, if it could be summarised.
    pub(crate) fn info(&self) -> Option<&CertificateInfo> {
        self.described().info.as_ref()
    }

    fn described(&self) -> &Described {
        self.described
            .get_or_init(|| describe_outcome(&self.end_entity, &self.facts))
    }
}

/// Verifies `chain` (end-entity first) for `role`; for a server, also `name`.
///
/// The verdict is webpki's. On failure the end-entity certificate is described to
/// put the error into words; on success nothing is described until the reports are
/// asked for (see [`ChainOutcome`]).
pub(crate) fn verify_chain(
    provider: &dyn CryptoProvider,
    roots: &RootStore,
    chain: &[CertificateDer<'_>],
    role: Role,
    name: Option<&ServerName<'_>>,
    ocsp: Option<&[u8]>,
    now: UnixTime,
) -> Result<ChainOutcome, Error> {
    let Some((leaf_der, intermediates)) = chain.split_first() else {
        return Err(Error::Certificate {
            check: CertificateCheck::Missing,
            detail: format!("the {} sent no certificate", role.peer()),
        });
    };

    // 1. Encoding.
    let leaf = EndEntityCert::try_from(leaf_der).map_err(|e| Error::Certificate {
        check: CertificateCheck::Encoding,
        detail: format!(
            "the {} certificate cannot be parsed: {}",
            role.peer(),
            webpki_text(&e)
        ),
    })?;
    // Failures are put into words with the help of the (then described) leaf.
    let fail = |e: &webpki::Error| {
        let info = describe_certificate(leaf_der).ok();
        Context {
            role,
            roots,
            info: info.as_ref(),
            chain,
        }
        .error(e)
    };

    // 2-5 and 7. Path building: chain, signatures, validity and EKU of every
    // certificate, and revocation against the store's CRLs when it has any.
    let policy = roots.revocation_policy();
    let crl_lists = revocation::webpki_lists(roots.crl_list());
    let path = leaf
        .verify_for_usage(
            provider.all_verification_algorithms(),
            roots.anchors(),
            intermediates,
            now,
            role.usage(),
            policy.options(&crl_lists),
            None,
        )
        .map_err(|e| fail(&e))?;
    let path_intermediates: Vec<CertificateDer<'static>> = path
        .intermediate_certificates()
        .map(|c| c.der().into_owned())
        .collect();
    let anchor_subject = path.anchor().subject.as_ref().to_vec();

    // 6. Name (servers only).
    if let Some(name) = name {
        leaf.verify_is_valid_for_subject_name(name)
            .map_err(|e| fail(&e))?;
    }

    Ok(ChainOutcome {
        end_entity: leaf_der.clone().into_owned(),
        facts: ChainFacts {
            role,
            sent_intermediates: intermediates.len(),
            path: path_intermediates,
            anchor_subject,
            name: name.map(|n| n.to_owned()),
            ocsp_len: ocsp.map(<[u8]>::len),
            crls: roots.crl_list().to_vec(),
            policy,
            now,
        },
        described: OnceLock::new(),
    })
}

/// Writes the reports of a verified chain, in the order the checks ran.
fn describe_outcome(leaf_der: &CertificateDer<'static>, facts: &ChainFacts) -> Described {
    let role = facts.role;
    let mut reports = Vec::with_capacity(8);
    // The summary is for words only; webpki alone decided.
    let info = describe_certificate(leaf_der).ok();

    // 1. Encoding.
    reports.push(CheckReport::pass(
        CertificateCheck::Encoding,
        match &info {
            Some(i) => format!(
                "parsed {} certificate: subject {}, key {}; {} intermediate(s) sent",
                role.peer(),
                display_name(&i.subject),
                i.public_key,
                facts.sent_intermediates
            ),
            None => format!(
                "parsed {} certificate; {} intermediate(s) sent",
                role.peer(),
                facts.sent_intermediates
            ),
        },
    ));

    // 2-5. Path: chain, signatures, validity, key usage.
    let path_infos: Vec<Option<CertificateInfo>> = facts
        .path
        .iter()
        .map(|c| describe_certificate(c).ok())
        .collect();
    let anchor = super::certinfo::name_contents_to_string(&facts.anchor_subject);
    reports.push(CheckReport::pass(
        CertificateCheck::ChainToTrustAnchor,
        format!(
            "path of {} certificate(s) ends at trust anchor {}",
            1 + path_infos.len(),
            display_name(&anchor)
        ),
    ));

    let all_infos: Vec<&CertificateInfo> = info.iter().chain(path_infos.iter().flatten()).collect();
    let algs: Vec<&str> = all_infos
        .iter()
        .map(|i| i.signature_algorithm.as_str())
        .collect();
    reports.push(CheckReport::pass(
        CertificateCheck::SignatureAlgorithm,
        if algs.is_empty() {
            "every signature in the path verified".to_string()
        } else {
            format!("every signature in the path verified ({})", algs.join(", "))
        },
    ));

    let now_text = format_utc(unix_i64(facts.now));
    let n = 1 + path_infos.len();
    let (latest_start, earliest_end) = (
        all_infos.iter().map(|i| i.not_before).max(),
        all_infos.iter().map(|i| i.not_after).min(),
    );
    reports.push(CheckReport::pass(
        CertificateCheck::NotYetValid,
        match latest_start {
            Some(t) => format!(
                "all {n} certificate(s) valid since {} or earlier; now {now_text}",
                format_utc(t)
            ),
            None => format!("all {n} certificate(s) already valid at {now_text}"),
        },
    ));
    reports.push(CheckReport::pass(
        CertificateCheck::Expired,
        match earliest_end {
            Some(t) => format!(
                "all {n} certificate(s) valid until {} or later; now {now_text}",
                format_utc(t)
            ),
            None => format!("no certificate expired at {now_text}"),
        },
    ));

    reports.push(CheckReport::pass(
        CertificateCheck::KeyUsage,
        match &info {
            Some(i) if i.extended_key_usage.is_empty() => format!(
                "{} allowed: certificate has no extended key usage restriction",
                role.eku()
            ),
            Some(i) => format!(
                "{} allowed by extended key usage [{}]",
                role.eku(),
                i.extended_key_usage.join(", ")
            ),
            None => format!("{} allowed", role.eku()),
        },
    ));

    // 6. Name (servers only).
    if let Some(name) = &facts.name {
        reports.push(CheckReport::pass(
            CertificateCheck::Name,
            format!(
                "certificate is valid for {}{}",
                name.to_str(),
                names_suffix(info.as_ref(), " (names: ", ")")
            ),
        ));
    }

    // 7. Revocation (decided by webpki during path building; here only put into words).
    let (checked, mut detail) = if facts.crls.is_empty() {
        (false, "not checked: no CRLs configured".to_string())
    } else {
        let mut certs = vec![Checked {
            who: format!(
                "the {} certificate{}",
                role.peer(),
                info.as_ref()
                    .map(|i| format!(" {}", display_name(&i.subject)))
                    .unwrap_or_default()
            ),
            der: leaf_der.as_ref(),
        }];
        if facts.policy.depth == RevocationDepth::Chain {
            for (der, i) in facts.path.iter().zip(&path_infos) {
                certs.push(Checked {
                    who: intermediate_name(i.as_ref()),
                    der: der.as_ref(),
                });
            }
        }
        revocation::describe_accepted(&facts.crls, &facts.policy, &certs, unix_i64(facts.now))
    };
    if let Some(len) = facts.ocsp_len {
        detail.push_str(&format!(
            "; a stapled OCSP response ({len} bytes) was received but is not evaluated"
        ));
    }
    reports.push(if checked {
        CheckReport::pass(CertificateCheck::Revocation, detail)
    } else {
        CheckReport::not_checked(CertificateCheck::Revocation, detail)
    });

    Described { info, reports }
}

/// "intermediate CN=…" for reports.
fn intermediate_name(info: Option<&CertificateInfo>) -> String {
    match info {
        Some(i) => format!("intermediate {}", display_name(&i.subject)),
        None => "an intermediate".to_string(),
    }
}

/// The certificate's subjectAltNames between `open` and `close`, or nothing.
fn names_suffix(info: Option<&CertificateInfo>, open: &str, close: &str) -> String {
    match info {
        Some(i) if !i.subject_alt_names.is_empty() => {
            let names: Vec<String> = i.subject_alt_names.iter().map(|n| n.to_string()).collect();
            format!("{open}{}{close}", names.join(", "))
        }
        _ => String::new(),
    }
}

fn unix_i64(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

/// Facts for turning a webpki error into words.
struct Context<'a> {
    role: Role,
    roots: &'a RootStore,
    info: Option<&'a CertificateInfo>,
    /// The chain as sent, end entity first.
    chain: &'a [CertificateDer<'a>],
}

impl Context<'_> {
    fn error(&self, e: &webpki::Error) -> Error {
        let (check, detail) = self.classify(e);
        Error::Certificate { check, detail }
    }

    #[allow(deprecated)] // the context-less variants still exist and must be mapped
    fn classify(&self, e: &webpki::Error) -> (CertificateCheck, String) {
        use webpki::Error as W;
        use CertificateCheck as C;
        let peer = self.role.peer();
        let leaf_subject = self.info.map(|i| display_name(&i.subject).to_string());
        let which = |t: Option<i64>, field: fn(&CertificateInfo) -> i64| match (self.info, t) {
            (Some(i), Some(t)) if field(i) == t => {
                format!("the {peer} certificate ({})", display_name(&i.subject))
            }
            _ => "a certificate in the chain".to_string(),
        };
        match e {
            W::UnknownIssuer => {
                let mut d = match self.info {
                    Some(i) if i.self_issued => format!(
                        "the {peer} certificate is self-signed ({}) and is not a trusted root",
                        display_name(&i.subject)
                    ),
                    Some(i) => format!(
                        "no path from the {peer} certificate (issuer {}) to a trusted root",
                        display_name(&i.issuer)
                    ),
                    None => format!("no path from the {peer} certificate to a trusted root"),
                };
                d.push_str(&format!(
                    "; {} intermediate(s) sent, {} trust anchor(s) configured",
                    self.chain.len().saturating_sub(1),
                    self.roots.len()
                ));
                (C::ChainToTrustAnchor, d)
            }
            W::CertExpired { time, not_after } => {
                let t = unix_i64(*not_after);
                (
                    C::Expired,
                    format!(
                        "{} expired at {}; now {}",
                        which(Some(t), |i| i.not_after),
                        format_utc(t),
                        format_utc(unix_i64(*time))
                    ),
                )
            }
            W::CertNotValidYet { time, not_before } => {
                let t = unix_i64(*not_before);
                (
                    C::NotYetValid,
                    format!(
                        "{} is not valid before {}; now {}",
                        which(Some(t), |i| i.not_before),
                        format_utc(t),
                        format_utc(unix_i64(*time))
                    ),
                )
            }
            W::CertNotValidForName(ctx) => {
                let expected = ctx.expected.to_str();
                let names = names_suffix(self.info, "", "");
                let d = if !names.is_empty() {
                    format!("expected {expected}, but the certificate is valid for {names}")
                } else if !ctx.presented.is_empty() {
                    format!(
                        "expected {expected}, but the certificate names {}",
                        ctx.presented.join(", ")
                    )
                } else {
                    format!(
                        "expected {expected}, but the certificate has no DNS or IP subjectAltName \
                         (the subject CN is not used)"
                    )
                };
                (C::Name, d)
            }
            W::UnsupportedNameType => (C::Name, "unsupported kind of server name".to_string()),
            W::MalformedDnsIdentifier => (
                C::Name,
                "a DNS name in the certificate or the expected name is malformed".to_string(),
            ),
            W::RequiredEkuNotFoundContext(ctx) => {
                let present: Vec<String> = ctx
                    .present
                    .iter()
                    .map(|arcs| {
                        let dotted = arcs
                            .iter()
                            .map(|a| a.to_string())
                            .collect::<Vec<_>>()
                            .join(".");
                        eku_name(&dotted).map_or(dotted, str::to_string)
                    })
                    .collect();
                (
                    C::KeyUsage,
                    format!(
                        "extended key usage [{}] does not allow {} (TLS {} authentication)",
                        present.join(", "),
                        self.role.eku(),
                        peer
                    ),
                )
            }
            W::RequiredEkuNotFound => (
                C::KeyUsage,
                format!("extended key usage does not allow {}", self.role.eku()),
            ),
            W::EmptyEkuExtension => (
                C::KeyUsage,
                "the extended key usage extension is present but empty".to_string(),
            ),
            W::CaUsedAsEndEntity => (
                C::KeyUsage,
                format!(
                    "a CA certificate{} was presented as the {peer} certificate",
                    leaf_subject.map(|s| format!(" ({s})")).unwrap_or_default()
                ),
            ),
            W::EndEntityUsedAsCa => (
                C::ChainToTrustAnchor,
                "a certificate that is not a CA was used as an issuer".to_string(),
            ),
            W::PathLenConstraintViolated => (
                C::ChainToTrustAnchor,
                "an issuer's path length constraint is exceeded".to_string(),
            ),
            W::MalformedNameConstraint | W::InvalidNetworkMaskConstraint => (
                C::ChainToTrustAnchor,
                format!(
                    "an issuer's name constraints are malformed: {}",
                    webpki_text(e)
                ),
            ),
            W::NameConstraintViolation => (
                C::ChainToTrustAnchor,
                "the certificate violates an issuer's name constraints".to_string(),
            ),
            W::InvalidSignatureForPublicKey => (
                C::ChainToTrustAnchor,
                "a signature in the chain does not verify".to_string(),
            ),
            W::SignatureAlgorithmMismatch => (
                C::Encoding,
                "the certificate's inner and outer signature algorithms differ".to_string(),
            ),
            W::CertDistrusted => (
                C::ChainToTrustAnchor,
                "the chain uses an explicitly distrusted key".to_string(),
            ),
            W::MaximumPathDepthExceeded
            | W::MaximumSignatureChecksExceeded
            | W::MaximumPathBuildCallsExceeded
            | W::MaximumNameConstraintComparisonsExceeded => (
                C::ChainToTrustAnchor,
                format!("path building gave up: {}", webpki_text(e)),
            ),
            W::UnsupportedSignatureAlgorithmContext(ctx) => (
                C::SignatureAlgorithm,
                format!(
                    "signature algorithm {} is not accepted",
                    algorithm_id_text(&ctx.signature_algorithm_id)
                ),
            ),
            W::UnsupportedSignatureAlgorithmForPublicKeyContext(ctx) => (
                C::SignatureAlgorithm,
                format!(
                    "signature algorithm {} cannot be used with key type {}",
                    algorithm_id_text(&ctx.signature_algorithm_id),
                    algorithm_id_text(&ctx.public_key_algorithm_id)
                ),
            ),
            W::UnsupportedSignatureAlgorithm | W::UnsupportedSignatureAlgorithmForPublicKey => (
                C::SignatureAlgorithm,
                "unsupported signature algorithm".to_string(),
            ),
            W::BadDer
            | W::BadDerTime
            | W::TrailingData(_)
            | W::UnsupportedCertVersion
            | W::MalformedExtensions
            | W::ExtensionValueInvalid
            | W::InvalidSerialNumber
            | W::InvalidCertValidity
            | W::UnsupportedCriticalExtension => (
                C::Encoding,
                format!(
                    "a certificate in the chain is malformed: {}",
                    webpki_text(e)
                ),
            ),
            W::CertRevoked
            | W::UnknownRevocationStatus
            | W::CrlExpired { .. }
            | W::InvalidCrlSignatureForPublicKey
            | W::IssuerNotCrlSigner
            | W::UnsupportedCrlSignatureAlgorithm
            | W::UnsupportedCrlSignatureAlgorithmContext(_)
            | W::UnsupportedCrlSignatureAlgorithmForPublicKey
            | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_)
            | W::UnsupportedCrlVersion
            | W::UnsupportedDeltaCrl
            | W::UnsupportedIndirectCrl
            | W::UnsupportedRevocationReason
            | W::UnsupportedRevocationReasonsPartitioning
            | W::UnsupportedCrlIssuingDistributionPoint
            | W::InvalidCrlNumber => (C::Revocation, self.revocation_detail(e)),
            other => (C::Other, webpki_text(other)),
        }
    }
}

impl Context<'_> {
    /// A revocation failure in words: which certificate, which CRL, what it said.
    fn revocation_detail(&self, e: &webpki::Error) -> String {
        let peer = self.role.peer();
        let mut certs = Vec::with_capacity(self.chain.len());
        for (i, der) in self.chain.iter().enumerate() {
            let who = if i == 0 {
                match self.info {
                    Some(info) => format!("the {peer} certificate {}", display_name(&info.subject)),
                    None => format!("the {peer} certificate"),
                }
            } else {
                intermediate_name(describe_certificate(der).ok().as_ref())
            };
            certs.push(Checked {
                who,
                der: der.as_ref(),
            });
        }
        revocation::describe_failure(e, self.roots.crl_list(), &certs)
    }
}

/// webpki's errors print as their Debug form; this turns the common ones into words.
pub(crate) fn webpki_text(e: &webpki::Error) -> String {
    use webpki::Error as W;
    match e {
        W::BadDer => "invalid DER".to_string(),
        W::BadDerTime => "invalid time encoding".to_string(),
        W::TrailingData(what) => format!("trailing data after {what:?}"),
        W::UnsupportedCertVersion => "not an X.509 v3 certificate".to_string(),
        W::MalformedExtensions => "malformed extensions".to_string(),
        W::ExtensionValueInvalid => "invalid extension value".to_string(),
        W::InvalidSerialNumber => "invalid serial number".to_string(),
        W::InvalidCertValidity => "notAfter is before notBefore".to_string(),
        W::UnsupportedCriticalExtension => "unsupported critical extension".to_string(),
        W::MaximumPathDepthExceeded => "chain too long".to_string(),
        W::MaximumSignatureChecksExceeded => "too many signature checks".to_string(),
        W::MaximumPathBuildCallsExceeded => "too many path candidates".to_string(),
        W::MaximumNameConstraintComparisonsExceeded => {
            "too many name constraint comparisons".to_string()
        }
        W::UnknownRevocationStatus => "revocation status unknown".to_string(),
        W::SignatureAlgorithmMismatch => "inner and outer signature algorithms differ".to_string(),
        W::MalformedNameConstraint => "malformed name constraint".to_string(),
        W::InvalidNetworkMaskConstraint => "invalid IP address name constraint".to_string(),
        W::CrlExpired { next_update, .. } => {
            format!(
                "CRL expired (nextUpdate {})",
                format_utc(unix_i64(*next_update))
            )
        }
        other => format!("{other:?}"),
    }
}
