//! Client certificate verification (mutual TLS, the server's side).

use super::certinfo::CertificateInfo;
use super::chain::{verify_chain, ChainOutcome, CheckReport, Role};
use super::roots::RootStore;
use crate::crypto::CryptoProvider;
use crate::error::Error;
use rustls_pki_types::{CertificateDer, UnixTime};

/// Proof that a client's chain passed every check. Only [`verify_client_chain`]
/// builds one.
#[derive(Clone, Debug)]
pub struct VerifiedClientChain {
    outcome: ChainOutcome,
}

impl VerifiedClientChain {
    /// Each check that ran, in order (as for servers, without the name check).
    ///
    /// Written on the first call: a handshake that nobody observes need not ask, and
    /// then never pays for describing the certificates.
    pub fn reports(&self) -> &[CheckReport] {
        self.outcome.reports()
    }

    /// The client's end-entity certificate (whose key signs CertificateVerify).
    pub fn end_entity(&self) -> &CertificateDer<'static> {
        &self.outcome.end_entity
    }

    /// A readable summary of the end-entity certificate, if it could be summarised.
    pub fn info(&self) -> Option<&CertificateInfo> {
        self.outcome.info()
    }
}

/// Verifies a client's certificate `chain` (end-entity first) against `roots` at `now`
/// for TLS client authentication (clientAuth EKU, when the certificate restricts
/// usage), and against the CRLs of `roots` when it has any (as for servers). No name is
/// checked. An empty chain is [`crate::CertificateCheck::Missing`]
/// (alert certificate_required); whether that is acceptable is the caller's policy.
pub fn verify_client_chain(
    provider: &dyn CryptoProvider,
    roots: &RootStore,
    chain: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<VerifiedClientChain, Error> {
    let outcome = verify_chain(provider, roots, chain, Role::Client, None, None, now)?;
    Ok(VerifiedClientChain { outcome })
}
