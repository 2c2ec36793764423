//! Key exchange: agreement for every group and rejection of bad shares.

use lucidtls::crypto::{CryptoProvider, KxGroup};
use lucidtls::enums::{AlertDescription, NamedGroup};
use lucidtls::Error;
use lucidtls_aws_lc::{kx, AwsLcProvider};

const P: AwsLcProvider = AwsLcProvider;

/// (group, client share length, server share length, secret length)
const SHAPES: [(NamedGroup, usize, usize, usize); 4] = [
    (NamedGroup::X25519, 32, 32, 32),
    (NamedGroup::secp256r1, 65, 65, 32),
    (NamedGroup::secp384r1, 97, 97, 48),
    (NamedGroup::X25519MLKEM768, 1184 + 32, 1088 + 32, 64),
];

fn group(name: NamedGroup) -> &'static dyn KxGroup {
    P.kx_group(name).expect("group is provided")
}

#[test]
fn default_order() {
    let names: Vec<NamedGroup> = P.kx_groups().iter().map(|g| g.name()).collect();
    assert_eq!(
        names,
        [
            NamedGroup::X25519,
            NamedGroup::secp256r1,
            NamedGroup::secp384r1,
            NamedGroup::X25519MLKEM768
        ]
    );
    assert_eq!(NamedGroup::X25519MLKEM768.to_wire(), 0x11ec);
    assert!(P.kx_group(NamedGroup::secp521r1).is_none());
}

#[test]
fn client_and_server_agree_in_every_group() {
    for (name, client_len, server_len, secret_len) in SHAPES {
        let g = group(name);
        assert_eq!(g.name(), name);
        let client = g.start().unwrap();
        assert_eq!(client.group(), name);
        assert_eq!(
            client.public_share().len(),
            client_len,
            "{name} client share"
        );
        if matches!(name, NamedGroup::secp256r1 | NamedGroup::secp384r1) {
            assert_eq!(client.public_share()[0], 0x04, "uncompressed point");
        }

        let (server_share, server_secret) = g.respond(client.public_share()).unwrap();
        assert_eq!(server_share.len(), server_len, "{name} server share");
        assert_eq!(server_secret.len(), secret_len, "{name} secret");

        let client_secret = client.complete(&server_share).unwrap();
        assert_eq!(client_secret, server_secret, "{name}: both sides agree");

        // A second exchange gives a different secret.
        let client2 = g.start().unwrap();
        assert_ne!(client2.public_share(), &server_share[..]);
        let (share2, secret2) = g.respond(client2.public_share()).unwrap();
        assert_ne!(secret2, server_secret);
        assert_eq!(client2.complete(&share2).unwrap(), secret2);
    }
}

#[test]
fn hybrid_secret_is_mlkem_then_x25519() {
    // Swapping the server's X25519 half for another X25519 key must leave the
    // first 32 bytes (the ML-KEM secret) alone and change the last 32 (X25519),
    // which must then equal a plain X25519 exchange with that other key.
    let g = group(NamedGroup::X25519MLKEM768);
    let client = g.start().unwrap();
    let (share, secret) = g.respond(client.public_share()).unwrap();
    assert_eq!(secret.len(), 64);
    let mut other = share.clone();
    let x_other = kx::X25519.start().unwrap();
    other[1088..].copy_from_slice(x_other.public_share());
    let client_x25519_public = client.public_share()[1184..].to_vec();
    let client_secret = client.complete(&other).unwrap();
    assert_eq!(
        &client_secret.expose()[..32],
        &secret.expose()[..32],
        "ML-KEM half"
    );
    assert_ne!(
        &client_secret.expose()[32..],
        &secret.expose()[32..],
        "X25519 half"
    );
    let plain = x_other.complete(&client_x25519_public).unwrap();
    assert_eq!(&client_secret.expose()[32..], plain.expose());
}

fn assert_invalid(name: NamedGroup, result: Result<impl Sized, Error>) {
    match result {
        Err(e) => {
            assert_eq!(e, Error::InvalidKeyShare(name));
            assert_eq!(e.alert(), AlertDescription::IllegalParameter);
        }
        Ok(_) => panic!("{name}: bad share accepted"),
    }
}

#[test]
fn wrong_length_shares_are_rejected() {
    for (name, client_len, server_len, _) in SHAPES {
        let g = group(name);
        let good_client = g.start().unwrap();
        let client_share = good_client.public_share().to_vec();
        let (server_share, _) = g.respond(&client_share).unwrap();

        for bad in [
            Vec::new(),
            client_share[..client_len - 1].to_vec(),
            [&client_share[..], &[0]].concat(),
        ] {
            assert_invalid(name, g.respond(&bad));
        }
        for bad in [
            Vec::new(),
            server_share[..server_len - 1].to_vec(),
            [&server_share[..], &[0]].concat(),
        ] {
            assert_invalid(name, g.start().unwrap().complete(&bad));
        }
    }
}

#[test]
fn off_curve_and_non_uncompressed_points_are_rejected() {
    for (name, len) in [(NamedGroup::secp256r1, 65), (NamedGroup::secp384r1, 97)] {
        let g = group(name);
        // 0x04 || X || Y with X = Y = 1...1: not a point on the curve.
        let mut off_curve = vec![0x01u8; len];
        off_curve[0] = 0x04;
        assert_invalid(name, g.respond(&off_curve));
        assert_invalid(name, g.start().unwrap().complete(&off_curve));

        // The point at infinity / all zeros.
        let mut zero = vec![0u8; len];
        zero[0] = 0x04;
        assert_invalid(name, g.respond(&zero));

        // A valid point with a compressed-form prefix, and a compressed point.
        let valid = g.start().unwrap().public_share().to_vec();
        let mut wrong_prefix = valid.clone();
        wrong_prefix[0] = 0x02;
        assert_invalid(name, g.respond(&wrong_prefix));
        let compressed_len = 1 + (len - 1) / 2;
        let mut compressed = valid[..compressed_len].to_vec();
        compressed[0] = 0x02 | (valid[len - 1] & 1);
        assert_invalid(name, g.respond(&compressed));
        // The valid point itself is fine.
        assert!(g.respond(&valid).is_ok());
    }
}

#[test]
fn x25519_low_order_points_are_rejected() {
    let g = group(NamedGroup::X25519);
    let zero = [0u8; 32];
    let mut one = [0u8; 32];
    one[0] = 1;
    for point in [zero, one] {
        assert_invalid(NamedGroup::X25519, g.respond(&point));
        assert_invalid(NamedGroup::X25519, g.start().unwrap().complete(&point));
    }

    // The same inside the hybrid: an all-zero X25519 half.
    let h = group(NamedGroup::X25519MLKEM768);
    let client = h.start().unwrap();
    let mut share = client.public_share().to_vec();
    share[1184..].fill(0);
    assert_invalid(NamedGroup::X25519MLKEM768, h.respond(&share));
    let (server_share, _) = h.respond(client.public_share()).unwrap();
    let mut bad = server_share.clone();
    bad[1088..].fill(0);
    assert_invalid(NamedGroup::X25519MLKEM768, client.complete(&bad));
}

#[test]
fn mlkem_encapsulation_key_with_out_of_range_coefficients_is_rejected() {
    // FIPS 203 §7.2 input check: every 12-bit coefficient must be below q = 3329.
    // 0xff bytes decode to 4095.
    let h = group(NamedGroup::X25519MLKEM768);
    let client = h.start().unwrap();
    let mut share = client.public_share().to_vec();
    share[..3].fill(0xff);
    assert_invalid(NamedGroup::X25519MLKEM768, h.respond(&share));
}

#[test]
fn mlkem_ciphertext_tampering_changes_the_secret() {
    // ML-KEM decapsulation uses implicit rejection: a modified ciphertext yields
    // a pseudo-random secret rather than an error, so the handshake fails later
    // at Finished. It must never give the server's secret.
    let h = group(NamedGroup::X25519MLKEM768);
    let client = h.start().unwrap();
    let (mut share, secret) = h.respond(client.public_share()).unwrap();
    share[0] ^= 1;
    if let Ok(client_secret) = client.complete(&share) {
        assert_ne!(client_secret, secret);
    }
}
