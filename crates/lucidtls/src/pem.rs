//! Loading certificates, private keys and certificate revocation lists from PEM.
//!
//! Parsing is done by `rustls-pki-types` ([`PemObject`]); this module adds the policy
//! (at least one certificate, exactly one key) and error messages that say which
//! file and what was wrong. Key bytes never appear in an error.

use crate::error::Error;
use rustls_pki_types::pem::{self, PemObject, SectionKind};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use std::path::Path;

/// All `CERTIFICATE` blocks in `bytes`, in order (leaf first, for a chain file).
/// Other PEM blocks are ignored; no certificate at all is an error.
pub fn load_certs_pem(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    certs_from(bytes, "certificate PEM data")
}

/// The one private key in `bytes`: a `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY`
/// (PKCS#1) or `EC PRIVATE KEY` (SEC1) block. None, or more than one, is an error.
pub fn load_private_key_pem(bytes: &[u8]) -> Result<PrivateKeyDer<'static>, Error> {
    key_from(bytes, "private key PEM data")
}

/// [`load_certs_pem`] on the contents of the file at `path`.
pub fn load_certs_pem_file(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>, Error> {
    let path = path.as_ref();
    let bytes = read_file(path, "certificate")?;
    certs_from(&bytes, &format!("certificate file {}", path.display()))
}

/// [`load_private_key_pem`] on the contents of the file at `path`.
pub fn load_private_key_pem_file(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>, Error> {
    let path = path.as_ref();
    let bytes = read_file(path, "private key")?;
    key_from(&bytes, &format!("private key file {}", path.display()))
}

/// All `X509 CRL` blocks in `bytes`, in order. Other PEM blocks are ignored; no CRL
/// at all is an error. The CRLs are not parsed here (see
/// [`RootStore::add_crl_der`](crate::verify::RootStore::add_crl_der)).
pub fn load_crls_pem(bytes: &[u8]) -> Result<Vec<CertificateRevocationListDer<'static>>, Error> {
    crls_from(bytes, "CRL PEM data")
}

/// [`load_crls_pem`] on the contents of the file at `path`.
pub fn load_crls_pem_file(
    path: impl AsRef<Path>,
) -> Result<Vec<CertificateRevocationListDer<'static>>, Error> {
    let path = path.as_ref();
    let bytes = read_file(path, "CRL")?;
    crls_from(&bytes, &format!("CRL file {}", path.display()))
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| {
        Error::BadKeyMaterial(format!("cannot read {what} file {}: {e}", path.display()))
    })
}

fn certs_from(bytes: &[u8], source: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::BadKeyMaterial(format!("{source}: {}", pem_error(&e))))?;
    if certs.is_empty() {
        let hint = if contains(bytes, b"-----BEGIN ") {
            "no CERTIFICATE block (found other PEM blocks)"
        } else {
            "no CERTIFICATE block (is this PEM? DER files are not accepted here)"
        };
        return Err(Error::BadKeyMaterial(format!("{source}: {hint}")));
    }
    Ok(certs)
}

fn crls_from(
    bytes: &[u8],
    source: &str,
) -> Result<Vec<CertificateRevocationListDer<'static>>, Error> {
    let crls = CertificateRevocationListDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::BadKeyMaterial(format!("{source}: {}", pem_error(&e))))?;
    if crls.is_empty() {
        let hint = if contains(bytes, b"-----BEGIN ") {
            "no X509 CRL block (found other PEM blocks)"
        } else {
            "no X509 CRL block (is this PEM? convert DER with `openssl crl -inform DER -in crl.der -out crl.pem`)"
        };
        return Err(Error::BadKeyMaterial(format!("{source}: {hint}")));
    }
    Ok(crls)
}

fn key_from(bytes: &[u8], source: &str) -> Result<PrivateKeyDer<'static>, Error> {
    let mut keys = Vec::new();
    for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes) {
        let (kind, der) =
            section.map_err(|e| Error::BadKeyMaterial(format!("{source}: {}", pem_error(&e))))?;
        match kind {
            SectionKind::PrivateKey => keys.push(PrivateKeyDer::Pkcs8(der.into())),
            SectionKind::RsaPrivateKey => keys.push(PrivateKeyDer::Pkcs1(der.into())),
            SectionKind::EcPrivateKey => keys.push(PrivateKeyDer::Sec1(der.into())),
            _ => {}
        }
    }
    match keys.len() {
        1 => Ok(keys.remove(0)),
        0 => {
            let why = if contains(bytes, b"-----BEGIN ENCRYPTED PRIVATE KEY-----") {
                "the key is encrypted (ENCRYPTED PRIVATE KEY); decrypt it first, e.g. `openssl pkey -in key.pem -out plain.pem`"
            } else if contains(bytes, b"Proc-Type: 4,ENCRYPTED") {
                "the key is encrypted (Proc-Type: 4,ENCRYPTED); decrypt it first"
            } else {
                "no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block"
            };
            Err(Error::BadKeyMaterial(format!("{source}: {why}")))
        }
        n => Err(Error::BadKeyMaterial(format!(
            "{source}: {n} private keys found; expected exactly one"
        ))),
    }
}

/// A description of a PEM error that cannot leak key material.
fn pem_error(e: &pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { .. } => "a PEM block has no END line".to_string(),
        pem::Error::IllegalSectionStart { .. } => "malformed PEM BEGIN line".to_string(),
        pem::Error::Base64Decode(_) => "invalid base64 inside a PEM block".to_string(),
        pem::Error::Io(io) => format!("I/O error: {io}"),
        pem::Error::NoItemsFound => "no PEM blocks found".to_string(),
        pem::Error::SectionTooLarge => "PEM block too large".to_string(),
        _ => "malformed PEM".to_string(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf() -> (String, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key)
    }

    fn pem_block(label: &str, der: &[u8]) -> String {
        // Re-armour DER under another label, using pki-types' own decoder as the check.
        const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut b64 = String::new();
        for chunk in der.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    b64.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    b64.push('=');
                }
            }
        }
        let mut out = format!("-----BEGIN {label}-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(core::str::from_utf8(line).unwrap());
            out.push('\n');
        }
        out.push_str(&format!("-----END {label}-----\n"));
        out
    }

    #[test]
    fn loads_chain_in_order() {
        let (a, _) = leaf();
        let (b, _) = leaf();
        let both = format!("junk before\n{a}\n{b}");
        let certs = load_certs_pem(both.as_bytes()).unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0], load_certs_pem(a.as_bytes()).unwrap()[0]);
        assert_eq!(certs[1], load_certs_pem(b.as_bytes()).unwrap()[0]);
    }

    #[test]
    fn no_certificate_is_an_error() {
        let (_, key) = leaf();
        let err = load_certs_pem(key.serialize_pem().as_bytes()).unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("no CERTIFICATE")),
            "{err}"
        );
        assert!(load_certs_pem(b"").is_err());
        let err = load_certs_pem(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
            .unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("base64")),
            "{err}"
        );
        let err = load_certs_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("END")),
            "{err}"
        );
    }

    #[test]
    fn loads_crl_blocks_and_names_what_is_missing() {
        let (cert, _) = leaf();
        let crl = pem_block("X509 CRL", &[0x30, 0x00]);
        let both = format!("{cert}{crl}{crl}");
        let crls = load_crls_pem(both.as_bytes()).unwrap();
        assert_eq!(crls.len(), 2);
        assert_eq!(crls[0].as_ref(), [0x30, 0x00]);
        let err = load_crls_pem(cert.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("no X509 CRL block (found other")),
            "{err}"
        );
        let err = load_crls_pem(b"\x30\x00").unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("is this PEM?")),
            "{err}"
        );
    }

    #[test]
    fn loads_pkcs8_pkcs1_and_sec1_keys() {
        let (cert, key) = leaf();
        // PKCS#8 (rcgen's format), next to a certificate.
        let both = format!("{cert}{}", key.serialize_pem());
        let loaded = load_private_key_pem(both.as_bytes()).unwrap();
        assert!(matches!(loaded, PrivateKeyDer::Pkcs8(_)));
        assert_eq!(loaded.secret_der(), key.serialized_der());

        // The labels decide the variant; the bytes are passed through untouched.
        let pkcs1 = pem_block("RSA PRIVATE KEY", &[0x30, 0x03, 0x02, 0x01, 0x00]);
        let loaded = load_private_key_pem(pkcs1.as_bytes()).unwrap();
        assert!(matches!(loaded, PrivateKeyDer::Pkcs1(_)));
        assert_eq!(loaded.secret_der(), [0x30, 0x03, 0x02, 0x01, 0x00]);

        let sec1 = pem_block("EC PRIVATE KEY", &[0x30, 0x03, 0x02, 0x01, 0x01]);
        let loaded = load_private_key_pem(sec1.as_bytes()).unwrap();
        assert!(matches!(loaded, PrivateKeyDer::Sec1(_)));
    }

    #[test]
    fn key_errors_are_specific() {
        let (cert, key) = leaf();
        let err = load_private_key_pem(cert.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("no PRIVATE KEY")),
            "{err}"
        );

        let two = format!("{}{}", key.serialize_pem(), key.serialize_pem());
        let err = load_private_key_pem(two.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("2 private keys")),
            "{err}"
        );

        let enc = pem_block("ENCRYPTED PRIVATE KEY", &[0x30, 0x00]);
        let err = load_private_key_pem(enc.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("encrypted")),
            "{err}"
        );

        // A corrupted key block: the message must not echo any of its content.
        let bad = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET!\n-----END PRIVATE KEY-----\n";
        let err = load_private_key_pem(bad.as_bytes()).unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    #[test]
    fn files() {
        let (cert, key) = leaf();
        let dir = std::env::temp_dir().join(format!("lucidtls-pem-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cert_path = dir.join("cert.pem");
        let key_path = dir.join("key.pem");
        std::fs::write(&cert_path, &cert).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();

        assert_eq!(load_certs_pem_file(&cert_path).unwrap().len(), 1);
        assert!(load_private_key_pem_file(&key_path).is_ok());
        // The error names the file.
        let err = load_private_key_pem_file(&cert_path).unwrap_err();
        assert!(err.to_string().contains("cert.pem"), "{err}");
        let err = load_certs_pem_file(dir.join("missing.pem")).unwrap_err();
        assert!(
            matches!(&err, Error::BadKeyMaterial(m) if m.contains("missing.pem") && m.contains("cannot read")),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
