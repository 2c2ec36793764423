//! A certificate authority made with rcgen, for tests that need several CAs, chosen
//! serials, intermediates or CRLs ([`super::pair::pki`] makes one CA with one leaf).
#![allow(dead_code)]

use super::pair::{ca_params, keypair, KeyKind};
use lucidtls::verify::RootStore;
use lucidtls::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA certificate and what it takes to issue certificates (and CRLs) under it.
pub struct Ca {
    pub der: CertificateDer<'static>,
    pub issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

/// A certificate chain issued by a [`Ca`] (leaf only) and its key, as DER.
pub struct Issued {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Issued {
    /// The chain and key loaded for a configuration.
    pub fn certified_key(&self) -> CertifiedKey {
        let provider = lucidtls_aws_lc::provider();
        CertifiedKey::new(&*provider, self.chain.clone(), &self.key).unwrap()
    }
}

impl Ca {
    /// A self-signed root CA named `cn` with a P-256 key.
    pub fn root(cn: &str) -> Self {
        let key = keypair(KeyKind::EcdsaP256);
        let params = ca_params(cn);
        let cert = params.self_signed(&key).unwrap();
        Self {
            der: cert.der().clone(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// An intermediate CA named `cn` with a P-256 key, issued by `self` with `serial`.
    pub fn intermediate(&self, cn: &str, serial: u64) -> Self {
        let key = keypair(KeyKind::EcdsaP256);
        let mut params = ca_params(cn);
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Self {
            der: cert.der().clone(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// A certificate with `params` for a new `kind` key, signed by this CA.
    pub fn sign(&self, params: rcgen::CertificateParams, kind: KeyKind) -> Issued {
        let key = keypair(kind);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Issued {
            chain: vec![cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }

    /// A store trusting only this CA.
    pub fn root_store(&self) -> RootStore {
        let mut roots = RootStore::empty();
        roots.add_der(&self.der).unwrap();
        roots
    }
}
