//! Server certificate verification (the client's side of step 7).

use super::certinfo::CertificateInfo;
use super::chain::{verify_chain, ChainOutcome, CheckReport, Role};
use super::roots::RootStore;
use crate::crypto::CryptoProvider;
use crate::error::Error;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// Proof that a server's chain passed every check. Only [`verify_server_chain`]
/// builds one; the handshake requires it before it trusts the server.
#[derive(Clone, Debug)]
pub struct VerifiedServerChain {
    server_name: ServerName<'static>,
    outcome: ChainOutcome,
}

impl VerifiedServerChain {
    /// Each check that ran, in order: encoding, chain to trust anchor, signature
    /// algorithms, validity (not yet valid, expired), key usage, host name, revocation.
    ///
    /// Written on the first call: a handshake that nobody observes need not ask, and
    /// then never pays for describing the certificates.
    pub fn reports(&self) -> &[CheckReport] {
        self.outcome.reports()
    }

    /// The server's end-entity certificate (whose key signs CertificateVerify or
    /// ServerKeyExchange).
    pub fn end_entity(&self) -> &CertificateDer<'static> {
        &self.outcome.end_entity
    }

    /// The name the certificate was verified for.
    pub fn server_name(&self) -> &ServerName<'static> {
        &self.server_name
    }

    /// A readable summary of the end-entity certificate, if it could be summarised.
    pub fn info(&self) -> Option<&CertificateInfo> {
        self.outcome.info()
    }
}

/// Verifies a server's certificate `chain` (end-entity first, then intermediates in any
/// order) against `roots` for `server_name` at time `now`, with the provider's
/// signature algorithms.
///
/// Revocation is checked against the CRLs of `roots`, as its
/// [`RevocationPolicy`](super::RevocationPolicy) says; without CRLs the revocation
/// report is "not checked" (`checked` false). `ocsp` is a stapled OCSP response, if the
/// server sent one; it is not evaluated (the revocation report says so). Every failure
/// is [`Error::Certificate`] naming the check (a revoked certificate, an expired or
/// unverifiable CRL: [`crate::CertificateCheck::Revocation`]); an empty chain is
/// [`crate::CertificateCheck::Missing`].
pub fn verify_server_chain(
    provider: &dyn CryptoProvider,
    roots: &RootStore,
    chain: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    ocsp: Option<&[u8]>,
    now: UnixTime,
) -> Result<VerifiedServerChain, Error> {
    let outcome = verify_chain(
        provider,
        roots,
        chain,
        Role::Server,
        Some(server_name),
        ocsp,
        now,
    )?;
    Ok(VerifiedServerChain {
        server_name: server_name.to_owned(),
        outcome,
    })
}
