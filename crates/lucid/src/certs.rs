//! Throwaway certificates for `demo` and for `serve` without `--cert`: a fresh CA and
//! an ECDSA P-256 leaf it signs. Nothing here is meant to last beyond one process.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::PathBuf;

/// A freshly generated CA and a leaf certificate signed by it.
pub struct Throwaway {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The CA certificate, DER.
    pub ca_der: CertificateDer<'static>,
    /// The chain the server sends: the leaf alone (the client holds the CA).
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key (PKCS#8).
    pub key: PrivateKeyDer<'static>,
}

/// Generates a CA ("lucid throwaway CA") and an ECDSA P-256 leaf for `names` (DNS
/// names or IP addresses; the first is also the leaf's common name).
pub fn generate(names: &[&str]) -> Result<Throwaway, String> {
    let err = |what: &str, e: rcgen::Error| format!("generating the {what}: {e}");

    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| err("CA key", e))?;
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name = DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "lucid throwaway CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| err("CA certificate", e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key =
        KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| err("leaf key", e))?;
    let sans: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut leaf_params = CertificateParams::new(sans).map_err(|e| err("leaf parameters", e))?;
    leaf_params.distinguished_name = DistinguishedName::new();
    if let Some(first) = names.first() {
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, *first);
    }
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &issuer)
        .map_err(|e| err("leaf certificate", e))?;

    Ok(Throwaway {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        chain: vec![leaf_cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    })
}

/// Writes `pem` to a new file in the temporary directory and returns its path.
pub fn write_temp_pem(pem: &str) -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let path = std::env::temp_dir().join(format!("lucid-ca-{}-{nanos:09}.pem", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::io::Write::write_all(&mut file, pem.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lucidtls::verify::describe_certificate;

    #[test]
    fn leaf_is_signed_by_the_ca_and_names_the_host() {
        let t = generate(&["localhost", "127.0.0.1"]).unwrap();
        let ca = describe_certificate(&t.ca_der).unwrap();
        assert!(ca.is_ca);
        assert_eq!(ca.subject, "CN=lucid throwaway CA");
        let leaf = describe_certificate(&t.chain[0]).unwrap();
        assert!(!leaf.is_ca);
        assert_eq!(leaf.subject, "CN=localhost");
        assert_eq!(leaf.issuer, ca.subject);
        assert_eq!(leaf.public_key, "ECDSA P-256");
        assert_eq!(leaf.dns_names().collect::<Vec<_>>(), ["localhost"]);
        assert_eq!(
            leaf.ip_addresses()
                .map(|ip| ip.to_string())
                .collect::<Vec<_>>(),
            ["127.0.0.1"]
        );
        assert!(t.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn temp_pem_round_trips() {
        let path = write_temp_pem("hello").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello");
        std::fs::remove_file(path).unwrap();
    }
}
