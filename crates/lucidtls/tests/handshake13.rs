//! TLS 1.3 between our own client and server, in memory.

mod common;
use common::pair::*;
use lucidtls::enums::{CipherSuite, NamedGroup, ProtocolVersion};

#[test]
fn full_handshake_and_data_every_key_kind() {
    for kind in [
        KeyKind::EcdsaP256,
        KeyKind::EcdsaP384,
        KeyKind::Rsa2048,
        KeyKind::Ed25519,
    ] {
        let pki = pki(kind);
        let (mut c, mut s) = connect(pki.client_config(), pki.server_config());
        assert_eq!(c.negotiated().version, Some(ProtocolVersion::Tls13));
        assert_eq!(
            c.negotiated().cipher_suite,
            Some(CipherSuite::TLS13_AES_128_GCM_SHA256)
        );
        assert_eq!(c.negotiated().group, Some(NamedGroup::X25519));
        assert_eq!(send(&mut c, &mut s, b"ping"), b"ping", "{kind:?}");
        assert_eq!(send(&mut s, &mut c, b"pong"), b"pong", "{kind:?}");
    }
}
