//! Certificate revocation lists (RFC 5280 §5): the CRLs a [`RootStore`] carries, the
//! policy for using them, and the words for each outcome.
//!
//! webpki decides (signature of the CRL by the certificate's issuer, cRLSign key usage,
//! nextUpdate, the serial lookup); this module only finds which CRL it consulted, to say
//! so in the report or the error.
//!
//! [`RootStore`]: super::RootStore

use super::certinfo::{describe_crl, format_utc, serial_and_issuer, serial_text, CrlSummary};
use crate::error::Error;
use rustls_pki_types::CertificateRevocationListDer;
use webpki::{
    CertRevocationList, ExpirationPolicy, OwnedCertRevocationList, RevocationCheckDepth,
    RevocationOptions, RevocationOptionsBuilder, RevocationReason, UnknownStatusPolicy,
};

/// One parsed certificate revocation list.
#[derive(Debug)]
pub struct Crl {
    list: CertRevocationList<'static>,
    summary: CrlSummary,
}

impl Crl {
    /// Parses a DER CRL. webpki refuses delta CRLs, indirect CRLs, CRLs without
    /// nextUpdate, and versions other than v2; its signature is checked only when it is
    /// used, against the key of the certificate's issuer.
    pub fn from_der(der: &CertificateRevocationListDer<'_>) -> Result<Self, Error> {
        let owned = OwnedCertRevocationList::from_der(der.as_ref())
            .map_err(|e| Error::BadKeyMaterial(format!("CRL cannot be used: {}", crl_text(&e))))?;
        let summary = describe_crl(der.as_ref())
            .map_err(|e| Error::BadKeyMaterial(format!("CRL cannot be read: {e}")))?;
        Ok(Self {
            list: owned.into(),
            summary,
        })
    }

    /// The issuer's Name, as text (e.g. `"CN=Example CA"`).
    pub fn issuer(&self) -> &str {
        &self.summary.issuer
    }

    /// thisUpdate, in Unix seconds.
    pub fn this_update(&self) -> i64 {
        self.summary.this_update
    }

    /// nextUpdate, in Unix seconds.
    pub fn next_update(&self) -> Option<i64> {
        self.summary.next_update
    }

    /// How many certificates it lists as revoked.
    pub fn entries(&self) -> usize {
        self.summary.entries
    }

    /// `CRL from <issuer> (thisUpdate …, nextUpdate …)`.
    pub(crate) fn describe(&self) -> String {
        let next = self
            .summary
            .next_update
            .map_or_else(|| "none".to_string(), format_utc);
        format!(
            "CRL from {} (thisUpdate {}, nextUpdate {next}, {} entr{})",
            self.summary.issuer,
            format_utc(self.summary.this_update),
            self.summary.entries,
            if self.summary.entries == 1 {
                "y"
            } else {
                "ies"
            }
        )
    }
}

/// Which certificates of a path have their revocation status checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationDepth {
    /// Only the end-entity certificate.
    EndEntity,
    /// The end-entity certificate and every intermediate (RFC 5280 §6.3 checks each
    /// certificate of the path). The default.
    #[default]
    Chain,
}

/// What to do with a certificate no configured CRL covers (no CRL from its issuer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownStatus {
    /// Accept it; the report names the certificates whose status stayed unknown, and
    /// says "not checked" when none of the path was covered. The default: RFC 5280
    /// leaves an undetermined status to local policy, and a CRL is usually configured
    /// for the issuing CA only, not for the root above the intermediate.
    #[default]
    Allow,
    /// Fail the chain (alert certificate_revoked, detail "status unknown").
    Deny,
}

/// What to do with a CRL whose nextUpdate has passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiredCrl {
    /// Fail the chain: a stale CRL cannot show revocations made since (RFC 5280
    /// §6.3.3 asks for a current CRL). The default.
    #[default]
    Reject,
    /// Use it anyway; the report says it is past its nextUpdate.
    Ignore,
}

/// How the CRLs of a [`RootStore`](super::RootStore) are applied. Without CRLs there is
/// nothing to apply and revocation is reported as not checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevocationPolicy {
    /// Which certificates are checked.
    pub depth: RevocationDepth,
    /// Certificates no CRL covers.
    pub unknown_status: UnknownStatus,
    /// CRLs past their nextUpdate.
    pub expired_crl: ExpiredCrl,
}

impl RevocationPolicy {
    /// The webpki options for `crls`; `None` when there are none (no checking).
    pub(crate) fn options<'a>(
        &self,
        crls: &'a [&'a CertRevocationList<'a>],
    ) -> Option<RevocationOptions<'a>> {
        let builder = RevocationOptionsBuilder::new(crls).ok()?;
        Some(
            builder
                .with_depth(match self.depth {
                    RevocationDepth::EndEntity => RevocationCheckDepth::EndEntity,
                    RevocationDepth::Chain => RevocationCheckDepth::Chain,
                })
                .with_status_policy(match self.unknown_status {
                    UnknownStatus::Allow => UnknownStatusPolicy::Allow,
                    UnknownStatus::Deny => UnknownStatusPolicy::Deny,
                })
                .with_expiration_policy(match self.expired_crl {
                    ExpiredCrl::Reject => ExpirationPolicy::Enforce,
                    ExpiredCrl::Ignore => ExpirationPolicy::Ignore,
                })
                .build(),
        )
    }
}

/// The webpki view of each CRL, as `RevocationOptionsBuilder` wants them.
pub(crate) fn webpki_lists(crls: &[std::sync::Arc<Crl>]) -> Vec<&CertRevocationList<'static>> {
    crls.iter().map(|c| &c.list).collect()
}

/// The first CRL from the issuer of `cert`, as webpki picks it (issuer Name equality;
/// indirect CRLs are not supported).
fn crl_for<'a>(crls: &'a [std::sync::Arc<Crl>], issuer: &[u8]) -> Option<&'a Crl> {
    crls.iter()
        .map(|c| &**c)
        .find(|c| c.list.issuer() == issuer)
}

/// One certificate whose status the revocation check looked at.
pub(crate) struct Checked<'a> {
    /// "the server certificate CN=…", "intermediate CN=…".
    pub who: String,
    /// DER certificate.
    pub der: &'a [u8],
}

/// The revocation report of a chain webpki accepted: what each CRL said, in order.
/// Returns (checked, detail): `checked` is false when no CRL covered any certificate.
pub(crate) fn describe_accepted(
    crls: &[std::sync::Arc<Crl>],
    policy: &RevocationPolicy,
    certs: &[Checked<'_>],
    now: i64,
) -> (bool, String) {
    let mut parts = Vec::with_capacity(certs.len());
    let mut covered = 0;
    for c in certs {
        let Ok((serial, issuer)) = serial_and_issuer(c.der) else {
            parts.push(format!("{}: could not be read for the report", c.who));
            continue;
        };
        let serial_txt = serial_text(&serial);
        match crl_for(crls, &issuer) {
            Some(crl) => match crl.list.find_serial(&serial) {
                // webpki accepted the chain, so it judged this CRL out of scope (an
                // issuing distribution point that does not cover the certificate).
                Ok(Some(_)) | Err(_) => parts.push(format!(
                    "{} (serial {serial_txt}): status unknown, the {} does not cover it \
                     (issuing distribution point)",
                    c.who,
                    crl.describe()
                )),
                Ok(None) => {
                    covered += 1;
                    let stale = match crl.summary.next_update {
                        Some(t) if t < now => "; the CRL is past its nextUpdate, used by policy",
                        _ => "",
                    };
                    parts.push(format!(
                        "{} (serial {serial_txt}) not revoked per the {}{stale}",
                        c.who,
                        crl.describe()
                    ));
                }
            },
            None => parts.push(format!(
                "{} (serial {serial_txt}): no CRL from its issuer, status unknown \
                 (allowed by policy)",
                c.who
            )),
        }
    }
    if covered == 0 {
        let scope = match policy.depth {
            RevocationDepth::EndEntity => "the end-entity certificate",
            RevocationDepth::Chain => "any certificate in the path",
        };
        return (
            false,
            format!(
                "not checked: none of the {} configured CRL(s) covers {scope}; unknown status \
                 is allowed by policy [{}]",
                crls.len(),
                parts.join("; ")
            ),
        );
    }
    (true, parts.join("; "))
}

/// Puts a webpki revocation failure into words, naming the certificate and the CRL.
pub(crate) fn describe_failure(
    e: &webpki::Error,
    crls: &[std::sync::Arc<Crl>],
    certs: &[Checked<'_>],
) -> String {
    use webpki::Error as W;
    // (who, serial, issuer) of each certificate that could be read.
    let parsed: Vec<(&str, Vec<u8>, Vec<u8>)> = certs
        .iter()
        .filter_map(|c| {
            serial_and_issuer(c.der)
                .ok()
                .map(|(s, i)| (c.who.as_str(), s, i))
        })
        .collect();
    match e {
        W::CertRevoked => {
            for (who, serial, issuer) in &parsed {
                let Some(crl) = crl_for(crls, issuer) else {
                    continue;
                };
                if let Ok(Some(entry)) = crl.list.find_serial(serial) {
                    let at = i64::try_from(entry.revocation_date.as_secs()).unwrap_or(i64::MAX);
                    let reason = match entry.reason_code {
                        Some(r) => format!("reason {}", reason_name(r)),
                        None => "no reason given".to_string(),
                    };
                    return format!(
                        "{who} (serial {}) is revoked: listed in the {} as revoked at {}, {reason}",
                        serial_text(serial),
                        crl.describe(),
                        format_utc(at)
                    );
                }
            }
            "a certificate in the chain is revoked".to_string()
        }
        W::UnknownRevocationStatus => {
            for (who, serial, issuer) in &parsed {
                if crl_for(crls, issuer).is_none() {
                    return format!(
                        "{who} (serial {}): none of the {} configured CRL(s) is from its issuer, \
                         and the policy requires a known status",
                        serial_text(serial),
                        crls.len()
                    );
                }
            }
            "revocation status unknown, and the policy requires a known status".to_string()
        }
        W::CrlExpired { time, next_update } => {
            let next = i64::try_from(next_update.as_secs()).unwrap_or(i64::MAX);
            let now = i64::try_from(time.as_secs()).unwrap_or(i64::MAX);
            let which = crls
                .iter()
                .find(|c| c.summary.next_update == Some(next))
                .map_or_else(|| "a CRL".to_string(), |c| format!("the {}", c.describe()));
            format!(
                "{which} expired at its nextUpdate {}; now {}: a stale CRL cannot show later \
                 revocations (expired CRLs are rejected by policy)",
                format_utc(next),
                format_utc(now)
            )
        }
        W::InvalidCrlSignatureForPublicKey => {
            let which = parsed
                .iter()
                .find_map(|(_, _, issuer)| crl_for(crls, issuer))
                .map_or_else(|| "a CRL".to_string(), |c| format!("the {}", c.describe()));
            format!(
                "{which} is rejected: its signature does not verify with the issuer's key \
                 (it was not signed by the CA that issued the certificate)"
            )
        }
        W::IssuerNotCrlSigner => {
            "a CRL is rejected: its issuer's key usage does not include cRLSign".to_string()
        }
        other => format!("a CRL cannot be used: {}", crl_text(other)),
    }
}

/// The RFC 5280 §5.3.1 name of a reason code.
fn reason_name(r: RevocationReason) -> &'static str {
    match r {
        RevocationReason::Unspecified => "unspecified",
        RevocationReason::KeyCompromise => "keyCompromise",
        RevocationReason::CaCompromise => "cACompromise",
        RevocationReason::AffiliationChanged => "affiliationChanged",
        RevocationReason::Superseded => "superseded",
        RevocationReason::CessationOfOperation => "cessationOfOperation",
        RevocationReason::CertificateHold => "certificateHold",
        RevocationReason::RemoveFromCrl => "removeFromCRL",
        RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        RevocationReason::AaCompromise => "aACompromise",
    }
}

/// webpki's CRL errors in words.
#[allow(deprecated)] // the context-less variants still exist and must be mapped
fn crl_text(e: &webpki::Error) -> String {
    use webpki::Error as W;
    match e {
        W::UnsupportedCrlVersion => "only v2 CRLs are supported".to_string(),
        W::UnsupportedDeltaCrl => "delta CRLs are not supported".to_string(),
        W::UnsupportedIndirectCrl => "indirect CRLs are not supported".to_string(),
        W::UnsupportedRevocationReason => "unsupported revocation reason code".to_string(),
        W::UnsupportedRevocationReasonsPartitioning => {
            "CRLs partitioned by reason are not supported".to_string()
        }
        W::UnsupportedCrlIssuingDistributionPoint => {
            "unsupported issuing distribution point".to_string()
        }
        W::InvalidCrlNumber => "invalid CRL number".to_string(),
        W::UnsupportedCrlSignatureAlgorithm
        | W::UnsupportedCrlSignatureAlgorithmContext(_)
        | W::UnsupportedCrlSignatureAlgorithmForPublicKey
        | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            "the CRL's signature algorithm is not supported".to_string()
        }
        W::BadDer => "invalid DER (a CRL must be DER; PEM is read by the pem module)".to_string(),
        W::BadDerTime => "invalid time encoding".to_string(),
        W::MalformedExtensions => "malformed CRL extensions".to_string(),
        W::UnsupportedCriticalExtension => "unsupported critical CRL extension".to_string(),
        W::TrailingData(what) => format!("trailing data after {what:?}"),
        other => format!("{other:?}"),
    }
}
