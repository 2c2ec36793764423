//! The certificate-verification wrapper: `verify_server_chain` and `verify_client_chain`
//! on fuzzed DER chains against the fixed fuzz CA, and the certificate describers
//! (`describe_certificate`, `describe_name`, `subject_public_key_info`,
//! `issuer_name_der`, `format_utc`).
//!
//! Input: a flags byte (server name; whether the last element is a stapled OCSP
//! response), then the chain as elements each prefixed by a 2-byte big-endian length
//! (the last element may be short). Oracle: no panic; a chain that verifies has, as its
//! end entity, one of the fixed leaves the CA issued (anything else would be a forged
//! certificate accepted).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lucidtls::verify::{
    describe_certificate, describe_name, format_utc, issuer_name_der, subject_public_key_info,
    verify_client_chain, verify_server_chain,
};
use lucidtls_fuzz::{certs, fixed_time, roots, FuzzProvider, Role};
use lucidtls_fuzz::{CLIENT_ED25519_PEM, SERVER_ED25519_PEM, SERVER_RSA_PEM};
use rustls_pki_types::{CertificateDer, ServerName};
use std::sync::OnceLock;

struct Fixed {
    roots: std::sync::Arc<lucidtls::verify::RootStore>,
    provider: std::sync::Arc<dyn lucidtls::crypto::CryptoProvider>,
    server_leaves: Vec<CertificateDer<'static>>,
    client_leaves: Vec<CertificateDer<'static>>,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| Fixed {
        roots: roots(),
        provider: FuzzProvider::shared(Role::Client),
        server_leaves: [SERVER_ED25519_PEM, SERVER_RSA_PEM]
            .iter()
            .flat_map(|p| certs(p))
            .collect(),
        client_leaves: certs(CLIENT_ED25519_PEM),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let mut parts: Vec<&[u8]> = Vec::new();
    while let [h, l, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*h, *l])).min(tail.len());
        parts.push(&tail[..len]);
        rest = &tail[len..];
        if parts.len() >= 8 {
            break;
        }
    }
    let ocsp = if flags & 4 != 0 && parts.len() > 1 {
        parts.pop()
    } else {
        None
    };
    let chain: Vec<CertificateDer<'_>> = parts.iter().map(|p| CertificateDer::from(*p)).collect();
    let name = match flags & 3 {
        0 => ServerName::try_from("localhost"),
        1 => ServerName::try_from("127.0.0.1"),
        2 => ServerName::try_from("example.com"),
        _ => ServerName::try_from("::1"),
    }
    .expect("valid name");
    let f = fixed();

    for cert in &chain {
        if let Ok(info) = describe_certificate(cert) {
            std::hint::black_box((
                info.not_before_utc(),
                info.not_after_utc(),
                info.dns_names().count(),
                info.ip_addresses().count(),
                format!("{info:?}"),
            ));
            for san in &info.subject_alt_names {
                std::hint::black_box(san.to_string());
            }
        }
        let _ = subject_public_key_info(cert);
        if let Ok(issuer) = issuer_name_der(cert) {
            let _ = describe_name(&issuer);
        }
        let _ = describe_name(cert.as_ref());
    }
    if let Some(p) = parts.first() {
        if p.len() >= 8 {
            let secs = i64::from_be_bytes(p[..8].try_into().expect("8 bytes"));
            std::hint::black_box(format_utc(secs));
        }
    }

    match verify_server_chain(&*f.provider, &f.roots, &chain, &name, ocsp, fixed_time()) {
        Ok(verified) => {
            assert!(
                f.server_leaves.contains(verified.end_entity()),
                "a server chain verified with an end entity the CA never issued: {:02x?}",
                verified.end_entity().as_ref()
            );
            std::hint::black_box(format!("{:?}", verified.reports()));
        }
        Err(e) => {
            std::hint::black_box(format!("{e} {e:?}"));
        }
    }
    if flags & 8 != 0 {
        if let Ok(verified) = verify_client_chain(&*f.provider, &f.roots, &chain, fixed_time()) {
            let ee = verified.end_entity();
            assert!(
                f.client_leaves.contains(ee) || f.server_leaves.contains(ee),
                "a client chain verified with an end entity the CA never issued: {:02x?}",
                ee.as_ref()
            );
        }
    }
});
