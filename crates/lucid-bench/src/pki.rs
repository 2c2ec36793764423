//! Certificates, made once per run with rcgen, outside every timed loop.

use crate::scenario::CertKind;
use rustls_pki_types::CertificateDer;

/// A CA and a leaf for "localhost" signed by it.
pub(crate) struct Identity {
    /// The CA certificate (the client's only trust anchor).
    pub ca: CertificateDer<'static>,
    /// The leaf (the server sends only the leaf).
    pub leaf: CertificateDer<'static>,
    /// The leaf's key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
}

/// One identity per server key kind; the CA is ECDSA P-256 for both.
pub(crate) struct Pki {
    ecdsa: Identity,
    rsa: Identity,
}

impl Pki {
    pub(crate) fn generate() -> Result<Self, String> {
        Ok(Self {
            ecdsa: identity(CertKind::EcdsaP256)?,
            rsa: identity(CertKind::Rsa2048)?,
        })
    }

    pub(crate) fn get(&self, kind: CertKind) -> &Identity {
        match kind {
            CertKind::EcdsaP256 => &self.ecdsa,
            CertKind::Rsa2048 => &self.rsa,
        }
    }
}

/// The host name in the leaf, sent as SNI and checked by every client.
pub(crate) const HOST: &str = "localhost";

fn err(e: rcgen::Error) -> String {
    format!("rcgen: {e}")
}

fn identity(kind: CertKind) -> Result<Identity, String> {
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "lucid-bench CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let leaf_key = match kind {
        CertKind::EcdsaP256 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        CertKind::Rsa2048 => {
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        }
    }
    .map_err(err)?;
    let mut params = rcgen::CertificateParams::new(vec![HOST.to_string()]).map_err(err)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, HOST);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = params.signed_by(&leaf_key, &issuer).map_err(err)?;
    Ok(Identity {
        ca: ca.der().clone(),
        leaf: leaf.der().clone(),
        key_pkcs8: leaf_key.serialize_der(),
    })
}
