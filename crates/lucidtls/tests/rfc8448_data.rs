//! Checks the RFC 8448 section 3 data file and its loader (tests/common/rfc8448.rs).
//! The cryptographic cross-check of the values is scripts/check_rfc8448.py.

mod common;

use common::rfc8448::Rfc8448;

/// Every name the brief asks for, with its length in bytes.
const EXPECTED: &[(&str, usize)] = &[
    ("client_x25519_private", 32),
    ("client_x25519_public", 32),
    ("client_random", 32),
    ("client_hello", 196),
    ("server_x25519_private", 32),
    ("server_x25519_public", 32),
    ("server_random", 32),
    ("server_hello", 90),
    ("early_secret", 32),
    ("derived_for_handshake", 32),
    ("ecdhe_shared_secret", 32),
    ("handshake_secret", 32),
    ("client_handshake_traffic_secret", 32),
    ("server_handshake_traffic_secret", 32),
    ("server_handshake_key", 16),
    ("server_handshake_iv", 12),
    ("client_handshake_key", 16),
    ("client_handshake_iv", 12),
    ("encrypted_extensions", 40),
    ("certificate", 445),
    ("certificate_verify", 136),
    ("server_finished_key", 32),
    ("server_finished", 36),
    ("derived_for_master", 32),
    ("master_secret", 32),
    ("client_application_traffic_secret_0", 32),
    ("server_application_traffic_secret_0", 32),
    ("exporter_master_secret", 32),
    ("server_application_key", 16),
    ("server_application_iv", 12),
    ("client_application_key", 16),
    ("client_application_iv", 12),
    ("client_finished_key", 32),
    ("client_finished", 36),
    ("resumption_master_secret", 32),
    ("server_handshake_record", 679),
    ("client_finished_record", 58),
    ("server_certificate_der", 432),
    ("rsa_modulus", 128),
];

#[test]
fn every_expected_value_is_present_with_its_length() {
    let v = Rfc8448::load();
    for &(name, len) in EXPECTED {
        assert_eq!(v.get(name).len(), len, "length of {name}");
    }
    assert_eq!(v.names().len(), 65, "value count: {:?}", v.names());
}

#[test]
fn handshake_messages_are_framed() {
    let v = Rfc8448::load();
    for (name, msg_type) in [
        ("client_hello", 1u8),
        ("server_hello", 2),
        ("new_session_ticket", 4),
        ("encrypted_extensions", 8),
        ("certificate", 11),
        ("certificate_verify", 15),
        ("server_finished", 20),
        ("client_finished", 20),
    ] {
        let msg = v.get(name);
        assert_eq!(msg[0], msg_type, "{name} type");
        let body_len = usize::from(msg[1]) << 16 | usize::from(msg[2]) << 8 | usize::from(msg[3]);
        assert_eq!(body_len, msg.len() - 4, "{name} length field");
    }
    assert_eq!(
        &v.get("server_finished")[4..],
        v.get("server_finished_verify_data")
    );
    assert_eq!(
        &v.get("client_finished")[4..],
        v.get("client_finished_verify_data")
    );
}

#[test]
fn randoms_and_records_match_the_messages() {
    let v = Rfc8448::load();
    assert_eq!(&v.get("client_hello")[6..38], v.get("client_random"));
    assert_eq!(&v.get("server_hello")[6..38], v.get("server_random"));
    // RFC 8448: the ClientHello random starts "cb 34 ec b1 e7 81 63 ba".
    assert_eq!(
        v.get("client_random")[..8],
        [0xcb, 0x34, 0xec, 0xb1, 0xe7, 0x81, 0x63, 0xba]
    );
    let ch_record = v.get("client_hello_record");
    assert_eq!(&ch_record[..5], &[0x16, 0x03, 0x01, 0x00, 0xc4]);
    assert_eq!(&ch_record[5..], v.get("client_hello"));
    // Protected records: opaque type application_data, legacy version 1.2, length matches.
    for name in [
        "server_handshake_record",
        "client_finished_record",
        "new_session_ticket_record",
        "client_application_data_record",
        "server_application_data_record",
        "client_alert_record",
        "server_alert_record",
    ] {
        let rec = v.get(name);
        assert_eq!(&rec[..3], &[0x17, 0x03, 0x03], "{name} header");
        assert_eq!(
            usize::from(rec[3]) << 8 | usize::from(rec[4]),
            rec.len() - 5,
            "{name} length"
        );
    }
    let mut flight = Vec::new();
    for name in [
        "encrypted_extensions",
        "certificate",
        "certificate_verify",
        "server_finished",
    ] {
        flight.extend_from_slice(v.get(name));
    }
    assert_eq!(flight, v.get("server_handshake_payload"));
}

#[test]
fn get_array_returns_fixed_size_values() {
    let v = Rfc8448::load();
    let key: [u8; 16] = v.get_array("server_handshake_key");
    assert_eq!(key[0], 0x3f);
    let iv: [u8; 12] = v.get_array("server_handshake_iv");
    assert_eq!(
        iv,
        [0x5d, 0x31, 0x3e, 0xb2, 0x67, 0x12, 0x76, 0xee, 0x13, 0x00, 0x0b, 0x30]
    );
    assert!(v.contains("master_secret"));
    assert!(!v.contains("no_such_value"));
}

#[test]
#[should_panic(expected = "no_such_value")]
fn get_panics_naming_a_missing_value() {
    Rfc8448::load().get("no_such_value");
}

#[test]
#[should_panic(expected = "server_handshake_iv\" is 12 bytes, expected 16")]
fn get_array_panics_on_wrong_length() {
    let _: [u8; 16] = Rfc8448::load().get_array("server_handshake_iv");
}

#[test]
fn parse_skips_comments_and_blank_lines() {
    let v = Rfc8448::parse("# comment\n\n  a = 00ff\nb=\n");
    assert_eq!(v.get("a"), &[0x00, 0xff]);
    assert_eq!(v.get("b"), &[] as &[u8]);
    assert_eq!(v.names(), vec!["a", "b"]);
}

#[test]
#[should_panic(expected = "odd number of hex digits")]
fn parse_rejects_odd_hex() {
    Rfc8448::parse("a = 0ff");
}

#[test]
#[should_panic(expected = "not a hex digit")]
fn parse_rejects_non_hex() {
    Rfc8448::parse("a = zz");
}

#[test]
#[should_panic(expected = "duplicate name a")]
fn parse_rejects_duplicates() {
    Rfc8448::parse("a = 00\na = 01");
}
