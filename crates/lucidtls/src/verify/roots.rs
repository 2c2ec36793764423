//! Trust anchors: the roots a certificate chain must lead to, and the certificate
//! revocation lists that go with them.

use super::certinfo::name_contents_to_string;
use super::revocation::{Crl, RevocationPolicy};
use crate::error::Error;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, TrustAnchor};
use std::path::Path;
use std::sync::Arc;

/// A set of trust anchors (owned), built from the Mozilla set, the OS store or PEM files,
/// with optional certificate revocation lists and the policy for using them.
///
/// The CRLs live here, next to the anchors, because both are the relying party's trust
/// material: a client's store checks servers, a server's client-auth store checks
/// client certificates. With no CRL, revocation is reported as not checked.
#[derive(Clone, Default)]
pub struct RootStore {
    anchors: Vec<TrustAnchor<'static>>,
    crls: Vec<Arc<Crl>>,
    revocation: RevocationPolicy,
}

/// What [`RootStore::native`] found in the operating system's store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NativeRootsReport {
    /// Certificates accepted as trust anchors.
    pub loaded: usize,
    /// Certificates the OS returned that could not be used, with the reason.
    pub skipped: Vec<String>,
    /// Errors reading the store (files, directories, platform APIs).
    pub errors: Vec<String>,
}

impl RootStore {
    /// No trust anchors: every chain fails until some are added.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Mozilla's root program, compiled in (webpki-roots).
    pub fn webpki_roots() -> Self {
        Self {
            anchors: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            ..Self::default()
        }
    }

    /// The operating system's trust store (rustls-native-certs; honours `SSL_CERT_FILE`
    /// and `SSL_CERT_DIR`). Unusable certificates and read errors are listed in the
    /// report; it is an error only if no anchor at all could be loaded.
    pub fn native() -> Result<(Self, NativeRootsReport), Error> {
        let result = rustls_native_certs::load_native_certs();
        let mut store = Self::empty();
        let mut report = NativeRootsReport {
            errors: result.errors.iter().map(|e| e.to_string()).collect(),
            ..NativeRootsReport::default()
        };
        for (i, cert) in result.certs.iter().enumerate() {
            match store.add_der(cert) {
                Ok(()) => report.loaded += 1,
                Err(e) => report.skipped.push(format!("certificate #{i}: {e}")),
            }
        }
        if store.is_empty() {
            let mut why = format!(
                "no trust anchors could be loaded from the OS store ({} certificates found",
                result.certs.len()
            );
            if let Some(first) = report.errors.first() {
                why.push_str(&format!("; first error: {first}"));
            }
            why.push(')');
            return Err(Error::Config(why));
        }
        Ok((store, report))
    }

    /// Reads every certificate in the PEM file at `path` as a trust anchor.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let certs = crate::pem::load_certs_pem_file(path)?;
        let mut store = Self::empty();
        store.add_all(&certs, &format!("CA file {}", path.display()))?;
        Ok(store)
    }

    /// Adds every certificate in `pem` as a trust anchor; returns how many were added.
    /// Fails (adding nothing) if there is none or any one cannot be parsed.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize, Error> {
        let certs = crate::pem::load_certs_pem(pem)?;
        self.add_all(&certs, "CA PEM data")
    }

    /// Adds one DER certificate as a trust anchor. The certificate is trusted as given:
    /// its validity, signature and CA flag are not checked (RFC 5280 §6.1.1).
    pub fn add_der(&mut self, cert: &CertificateDer<'_>) -> Result<(), Error> {
        let anchor = webpki::anchor_from_trusted_cert(cert).map_err(|e| {
            Error::BadKeyMaterial(format!("certificate cannot be a trust anchor: {e:?}"))
        })?;
        self.anchors.push(anchor.to_owned());
        Ok(())
    }

    /// Adds an already-built trust anchor.
    pub fn add_anchor(&mut self, anchor: TrustAnchor<'static>) {
        self.anchors.push(anchor);
    }

    fn add_all(&mut self, certs: &[CertificateDer<'_>], source: &str) -> Result<usize, Error> {
        let mut new = Vec::with_capacity(certs.len());
        for (i, cert) in certs.iter().enumerate() {
            let anchor = webpki::anchor_from_trusted_cert(cert).map_err(|e| {
                Error::BadKeyMaterial(format!(
                    "{source}: certificate #{} cannot be a trust anchor: {e:?}",
                    i + 1
                ))
            })?;
            new.push(anchor.to_owned());
        }
        self.anchors.extend(new);
        Ok(certs.len())
    }

    /// Adds one DER certificate revocation list, used for every chain verified against
    /// this store. Fails if webpki cannot use it (see [`Crl::from_der`]); its signature is
    /// checked when it is used, against the key of the issuer of the certificate it covers.
    pub fn add_crl_der(&mut self, crl: &CertificateRevocationListDer<'_>) -> Result<(), Error> {
        self.crls.push(Arc::new(Crl::from_der(crl)?));
        Ok(())
    }

    /// Adds every `X509 CRL` block in `pem`; returns how many were added. Fails (adding
    /// nothing) if there is none or any one cannot be used.
    pub fn add_crls_pem(&mut self, pem: &[u8]) -> Result<usize, Error> {
        let crls = crate::pem::load_crls_pem(pem)?;
        self.add_all_crls(&crls, "CRL PEM data")
    }

    /// [`add_crls_pem`](Self::add_crls_pem) on the file at `path`.
    pub fn add_crls_pem_file(&mut self, path: impl AsRef<Path>) -> Result<usize, Error> {
        let path = path.as_ref();
        let crls = crate::pem::load_crls_pem_file(path)?;
        self.add_all_crls(&crls, &format!("CRL file {}", path.display()))
    }

    fn add_all_crls(
        &mut self,
        crls: &[CertificateRevocationListDer<'_>],
        source: &str,
    ) -> Result<usize, Error> {
        let mut new = Vec::with_capacity(crls.len());
        for (i, der) in crls.iter().enumerate() {
            let crl = Crl::from_der(der).map_err(|e| match e {
                Error::BadKeyMaterial(m) => {
                    Error::BadKeyMaterial(format!("{source}: CRL #{}: {m}", i + 1))
                }
                other => other,
            })?;
            new.push(Arc::new(crl));
        }
        self.crls.extend(new);
        Ok(crls.len())
    }

    /// The certificate revocation lists, in the order they were added.
    pub fn crls(&self) -> impl Iterator<Item = &Crl> + '_ {
        self.crls.iter().map(|c| &**c)
    }

    pub(crate) fn crl_list(&self) -> &[Arc<Crl>] {
        &self.crls
    }

    /// How the CRLs are applied (depth, unknown status, expired CRLs).
    pub fn revocation_policy(&self) -> RevocationPolicy {
        self.revocation
    }

    /// Sets how the CRLs are applied.
    pub fn set_revocation_policy(&mut self, policy: RevocationPolicy) {
        self.revocation = policy;
    }

    /// Number of trust anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether there are no trust anchors.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The anchors, as webpki wants them.
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// Each anchor's subject as text (e.g. `"C=US, O=Let's Encrypt, CN=R3"`).
    pub fn subjects(&self) -> impl Iterator<Item = String> + '_ {
        self.anchors
            .iter()
            .map(|a| name_contents_to_string(a.subject.as_ref()))
    }

    /// Each anchor's subject as a DER `Name` (with its SEQUENCE header): the
    /// `DistinguishedName` entries a server lists in CertificateRequest's
    /// `certificate_authorities`.
    pub fn distinguished_names(&self) -> Vec<Vec<u8>> {
        self.anchors
            .iter()
            .map(|a| wrap_sequence(a.subject.as_ref()))
            .collect()
    }
}

impl core::fmt::Debug for RootStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "RootStore({} anchors", self.anchors.len())?;
        if !self.crls.is_empty() {
            write!(f, ", {} CRLs", self.crls.len())?;
        }
        f.write_str(")")
    }
}

/// DER SEQUENCE header + `contents`.
fn wrap_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(0x30);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::certinfo::describe_name;

    fn ca_pem(cn: &str) -> String {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn builds_from_pem_and_names_anchors() {
        let mut store = RootStore::empty();
        assert!(store.is_empty());
        let two = format!("{}{}", ca_pem("Root One"), ca_pem("Root Two"));
        assert_eq!(store.add_pem(two.as_bytes()).unwrap(), 2);
        assert_eq!(store.len(), 2);
        assert_eq!(
            store.subjects().collect::<Vec<_>>(),
            ["CN=Root One", "CN=Root Two"]
        );
        let dns = store.distinguished_names();
        assert_eq!(describe_name(&dns[1]).unwrap(), "CN=Root Two");
        assert_eq!(format!("{store:?}"), "RootStore(2 anchors)");
    }

    #[test]
    fn rejects_garbage_atomically() {
        let mut store = RootStore::empty();
        let garbage = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
        let pem = format!("{}{garbage}", ca_pem("Good"));
        let err = store.add_pem(pem.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("#2")),
            "{err}"
        );
        assert!(
            store.is_empty(),
            "nothing is added when one certificate is bad"
        );
        assert!(store.add_pem(b"not pem").is_err());
    }

    #[test]
    fn mozilla_set_is_present() {
        let store = RootStore::webpki_roots();
        assert!(store.len() > 100, "{}", store.len());
        // Every subject renders as text, and ISRG Root X1 is among them.
        let subjects: Vec<String> = store.subjects().collect();
        assert!(subjects.iter().all(|s| !s.starts_with('#')));
        assert!(
            subjects.iter().any(|s| s.contains("CN=ISRG Root X1")),
            "{subjects:?}"
        );
        // The re-wrapped DER names parse.
        for dn in store.distinguished_names() {
            describe_name(&dn).unwrap();
        }
    }

    #[test]
    fn long_sequence_header() {
        let long = vec![0u8; 300];
        let wrapped = wrap_sequence(&long);
        assert_eq!(&wrapped[..4], &[0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(wrapped.len(), 304);
    }
}
