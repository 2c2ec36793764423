//! In-memory client/server pairs for tests: a fresh CA and leaf from rcgen, and a
//! pump that moves bytes between two sans-IO connections.
#![allow(dead_code)]

use lucidtls::verify::RootStore;
use lucidtls::{CertifiedKey, ClientConfig, Connection, Error, ServerConfig};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::sync::Arc;

/// The kind of server key.
#[derive(Clone, Copy, Debug)]
pub enum KeyKind {
    EcdsaP256,
    EcdsaP384,
    Rsa2048,
    Ed25519,
}

/// A CA, and a leaf for "localhost" and 127.0.0.1 signed by it.
pub struct TestPki {
    pub ca_der: CertificateDer<'static>,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

/// A new key of `kind`.
pub fn keypair(kind: KeyKind) -> rcgen::KeyPair {
    match kind {
        KeyKind::EcdsaP256 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        KeyKind::EcdsaP384 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
        KeyKind::Ed25519 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519),
        KeyKind::Rsa2048 => {
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        }
    }
    .expect("key generation")
}

/// The parameters of a CA certificate named `cn`: CA without a path length limit, key
/// usages keyCertSign and cRLSign.
pub fn ca_params(cn: &str) -> rcgen::CertificateParams {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    params
}

/// The parameters of a leaf named `cn` for "localhost" and 127.0.0.1, usable by servers
/// and clients.
pub fn localhost_params(cn: &str) -> rcgen::CertificateParams {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params
}

/// Builds a PKI whose leaf has `kind` keys; `tweak` may edit the leaf's parameters.
pub fn pki_with(kind: KeyKind, tweak: impl FnOnce(&mut rcgen::CertificateParams)) -> TestPki {
    let ca_key = keypair(KeyKind::EcdsaP256);
    let ca_params = ca_params("lucidtls test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let leaf_key = keypair(kind);
    let mut params = localhost_params("localhost");
    tweak(&mut params);
    let leaf = params.signed_by(&leaf_key, &issuer).unwrap();
    TestPki {
        ca_der: ca.der().clone(),
        chain: vec![leaf.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// A PKI with a default leaf.
pub fn pki(kind: KeyKind) -> TestPki {
    pki_with(kind, |_| {})
}

impl TestPki {
    pub fn roots(&self) -> Arc<RootStore> {
        let mut roots = RootStore::empty();
        roots.add_der(&self.ca_der).unwrap();
        Arc::new(roots)
    }

    pub fn client_config(&self) -> ClientConfig {
        ClientConfig::with_roots(lucidtls_aws_lc::provider(), self.roots())
    }

    pub fn server_config(&self) -> ServerConfig {
        let provider = lucidtls_aws_lc::provider();
        let ck = CertifiedKey::new(&*provider, self.chain.clone(), &self.key).unwrap();
        ServerConfig::new(provider, ck)
    }
}

pub fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

/// Moves all pending bytes from `from` to `to` and processes them.
pub fn transfer(from: &mut Connection, to: &mut Connection) -> Result<usize, Error> {
    let bytes = from.take_tls();
    let mut offset = 0;
    while offset < bytes.len() {
        let n = to.read_tls(&bytes[offset..]);
        offset += n;
        to.process_new_packets()?;
    }
    Ok(bytes.len())
}

/// Runs the handshake to completion (or the first error, with the side that failed).
pub fn handshake(
    client: &mut Connection,
    server: &mut Connection,
) -> Result<(), (&'static str, Error)> {
    for _ in 0..20 {
        transfer(client, server).map_err(|e| ("server", e))?;
        transfer(server, client).map_err(|e| ("client", e))?;
        if !client.is_handshaking()
            && !server.is_handshaking()
            && !client.wants_write()
            && !server.wants_write()
        {
            return Ok(());
        }
    }
    panic!("handshake did not finish in 20 round trips");
}

pub fn connect(
    client_config: ClientConfig,
    server_config: ServerConfig,
) -> (Connection, Connection) {
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config)).unwrap();
    handshake(&mut client, &mut server).expect("handshake");
    (client, server)
}

/// Sends `data` from `a` to `b` and returns what `b` read.
pub fn send(a: &mut Connection, b: &mut Connection, data: &[u8]) -> Vec<u8> {
    a.write_plaintext(data).unwrap();
    transfer(a, b).unwrap();
    let mut out = vec![0u8; b.plaintext_available()];
    let n = b.read_plaintext(&mut out);
    out.truncate(n);
    out
}
