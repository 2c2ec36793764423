//! Mutual TLS, the parts both versions share: what the server lists in its
//! CertificateRequest and how it checks the client's chain and signature; which
//! identity the client presents.
//!
//! The server's verdict is a [`ClientIdentity`]: `Verified` can only be built by
//! [`ClientChain::verify_signature`], which itself needs a [`ClientChain`] that only
//! [`handle_client_certificate`] returns after the chain checks passed. Only a
//! `Verified` identity reaches [`Negotiated`] once the client's Finished verified.

use super::client::summarize_chain;
use crate::config::{CertifiedKey, ClientConfig, ServerConfig};
use crate::conn::{Common, Negotiated};
use crate::enums::{ProtocolVersion, SignatureScheme};
use crate::error::{CertificateCheck, Error};
use crate::msgs::certificate_request12::{ECDSA_SIGN, RSA_SIGN};
use crate::trace::{Side, TraceEvent};
use crate::verify::{self, SignatureVerified, VerifiedClientChain};
use rustls_pki_types::CertificateDer;

/// What the server knows about the client at the end of the handshake.
pub(crate) enum ClientIdentity {
    /// Not asked, or asked and declined (allowed under `ClientAuth::Optional`).
    Anonymous,
    /// A chain that verified, whose key signed the transcript.
    Verified(Box<VerifiedIdentity>),
    /// Resumption: the chain that verified (and signed) when the session began,
    /// carried in our own cache or in a ticket only we can open.
    Resumed(Vec<CertificateDer<'static>>),
}

/// The proofs behind [`ClientIdentity::Verified`].
pub(crate) struct VerifiedIdentity {
    chain: Vec<CertificateDer<'static>>,
    _chain: VerifiedClientChain,
    _signature: SignatureVerified,
}

impl ClientIdentity {
    /// Once the client's Finished verified: makes the identity visible through the API.
    pub(crate) fn publish(self, negotiated: &mut Negotiated) {
        let chain = match self {
            Self::Anonymous => return,
            Self::Verified(v) => v.chain,
            Self::Resumed(chain) if chain.is_empty() => return,
            Self::Resumed(chain) => chain,
        };
        negotiated.peer_certificates = chain;
        negotiated.client_identity_verified = true;
    }
}

/// A client chain that passed every certificate check and still has to prove its key.
pub(crate) struct ClientChain {
    chain: Vec<CertificateDer<'static>>,
    proof: VerifiedClientChain,
}

impl ClientChain {
    /// The client's CertificateVerify: `scheme` must be one we listed in the
    /// CertificateRequest; the signature is checked with the end-entity key over
    /// `signed` (TLS 1.3: the signed content; TLS 1.2: the handshake messages).
    /// A signature that does not verify is [`Error::BadSignature`] (decrypt_error).
    pub(crate) fn verify_signature(
        self,
        cx: &mut Common,
        config: &ServerConfig,
        version: ProtocolVersion,
        scheme: SignatureScheme,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<ClientIdentity, Error> {
        let result = if !config.common.signature_schemes.contains(&scheme) {
            Err(Error::IllegalParameter(
                "client signed with a scheme we did not list in CertificateRequest",
            ))
        } else {
            let provider = &*config.common.provider;
            let end_entity = self.proof.end_entity();
            match version {
                ProtocolVersion::Tls13 => {
                    verify::verify_tls13_signature(provider, end_entity, scheme, signed, signature)
                }
                _ => {
                    verify::verify_tls12_signature(provider, end_entity, scheme, signed, signature)
                }
            }
        };
        cx.tracer.emit(|| TraceEvent::CertificateVerify {
            from: Side::Client,
            scheme,
            verified: result.is_ok(),
        });
        Ok(ClientIdentity::Verified(Box::new(VerifiedIdentity {
            _signature: result?,
            chain: self.chain,
            _chain: self.proof,
        })))
    }
}

/// Most bytes of names a CertificateRequest carries: the list has a two-byte length.
const MAX_AUTHORITIES_LEN: usize = 60_000;

/// The DER names of the authorities the server accepts client certificates from
/// (CertificateRequest's certificate_authorities). A store too large to list is not
/// listed at all: a partial list would turn clients away whose authority was left
/// out, while no list lets them offer what they have.
pub(crate) fn acceptable_authorities(config: &ServerConfig) -> Vec<Vec<u8>> {
    let names = config
        .client_auth
        .roots()
        .map(|r| r.distinguished_names())
        .unwrap_or_default();
    let encoded: usize = names.iter().map(|n| 2 + n.len()).sum();
    if encoded > MAX_AUTHORITIES_LEN {
        return Vec::new();
    }
    names
}

/// Server: the client's Certificate. Empty is accepted unless a certificate is
/// required; otherwise the chain is checked against the client CAs, each check traced.
/// Returns the chain still waiting for its CertificateVerify, or `None` when empty.
pub(crate) fn handle_client_certificate(
    cx: &mut Common,
    config: &ServerConfig,
    version: ProtocolVersion,
    chain: Vec<CertificateDer<'static>>,
) -> Result<Option<ClientChain>, Error> {
    cx.tracer.emit(|| TraceEvent::Certificate {
        from: Side::Client,
        chain: summarize_chain(&chain),
        certificates: verify::certinfo::trace_chain(&chain, &*config.common.provider),
    });
    let roots = config.client_auth.roots().ok_or(Error::Internal(
        "client certificate without client authentication",
    ))?;
    if chain.is_empty() {
        let required = config.client_auth.is_required();
        cx.tracer.emit(|| TraceEvent::CertificateCheck {
            check: CertificateCheck::Missing,
            passed: !required,
            checked: true,
            detail: if required {
                "the client sent no certificate; one is required".into()
            } else {
                "the client sent no certificate; it is optional".into()
            },
        });
        return if required {
            Err(Error::ClientCertificateRequired(version))
        } else {
            Ok(None)
        };
    }
    let now = (config.common.time)();
    match verify::verify_client_chain(&*config.common.provider, roots, &chain, now) {
        Ok(proof) => {
            // Reports are written on demand: only when someone listens.
            if cx.tracer.is_observed() {
                for r in proof.reports() {
                    cx.tracer.emit(|| TraceEvent::CertificateCheck {
                        check: r.check,
                        passed: r.passed,
                        checked: r.checked,
                        detail: r.detail.clone(),
                    });
                }
            }
            Ok(Some(ClientChain { chain, proof }))
        }
        Err(e) => {
            if let Error::Certificate { check, detail } = &e {
                cx.tracer.emit(|| TraceEvent::CertificateCheck {
                    check: *check,
                    passed: false,
                    checked: true,
                    detail: detail.clone(),
                });
            }
            Err(e)
        }
    }
}

/// The identity the client presents, and the scheme it signs with.
pub(crate) struct ChosenIdentity<'a> {
    /// Index in `ClientConfig::client_identities`.
    pub index: usize,
    pub identity: &'a CertifiedKey,
    pub scheme: SignatureScheme,
}

/// Client: picks the identity to answer a CertificateRequest with. When the server
/// names `authorities`, only an identity whose chain was issued by one of them fits
/// (the issuer of any certificate in the chain, so both an intermediate and the root
/// above it count); when it names none, any identity fits. Among those, the first
/// whose key can sign with a scheme that `acceptable` allows and our configuration
/// enables wins. `None`: answer with an empty Certificate.
pub(crate) fn choose_client_identity<'a>(
    config: &'a ClientConfig,
    authorities: &[Vec<u8>],
    acceptable: impl Fn(SignatureScheme) -> bool,
) -> Option<ChosenIdentity<'a>> {
    config
        .client_identities
        .iter()
        .enumerate()
        .filter(|(_, id)| authorities.is_empty() || issued_by_any(&id.chain, authorities))
        .find_map(|(index, identity)| {
            let scheme = identity
                .key
                .schemes()
                .iter()
                .copied()
                .find(|s| acceptable(*s) && config.common.signature_schemes.contains(s))?;
            Some(ChosenIdentity {
                index,
                identity,
                scheme,
            })
        })
}

/// Whether some certificate of `chain` names one of `authorities` as its issuer.
fn issued_by_any(chain: &[CertificateDer<'static>], authorities: &[Vec<u8>]) -> bool {
    chain
        .iter()
        .filter_map(|cert| crate::verify::issuer_name_der(cert).ok())
        .any(|issuer| authorities.contains(&issuer))
}

/// TLS 1.2: the ClientCertificateType a signature scheme's key needs (RFC 5246
/// §7.4.4; RFC 8422 §5.5, where ecdsa_sign also covers EdDSA).
pub(crate) fn certificate_type(scheme: SignatureScheme) -> Option<u8> {
    use SignatureScheme as S;
    match scheme {
        S::RSA_PKCS1_SHA1
        | S::RSA_PKCS1_SHA256
        | S::RSA_PKCS1_SHA384
        | S::RSA_PKCS1_SHA512
        | S::RSA_PSS_RSAE_SHA256
        | S::RSA_PSS_RSAE_SHA384
        | S::RSA_PSS_RSAE_SHA512 => Some(RSA_SIGN),
        S::ECDSA_SHA1_Legacy
        | S::ECDSA_NISTP256_SHA256
        | S::ECDSA_NISTP384_SHA384
        | S::ECDSA_NISTP521_SHA512
        | S::ED25519 => Some(ECDSA_SIGN),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_types() {
        assert_eq!(
            certificate_type(SignatureScheme::RSA_PSS_RSAE_SHA256),
            Some(RSA_SIGN)
        );
        assert_eq!(certificate_type(SignatureScheme::ED25519), Some(ECDSA_SIGN));
        assert_eq!(
            certificate_type(SignatureScheme::ECDSA_NISTP384_SHA384),
            Some(ECDSA_SIGN)
        );
        assert_eq!(certificate_type(SignatureScheme::Unknown(0x0102)), None);
    }
}
