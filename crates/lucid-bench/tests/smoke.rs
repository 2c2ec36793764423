//! Smoke tests: a few scenarios, briefly, checking that each peer produces a figure
//! where it should and "—" (None) where it lacks the scenario. No thresholds.

use lucid_bench::{format_json, format_table, run, BenchOptions, Kind, Row};

#[global_allocator]
static GLOBAL: &lucid_bench::StatsAlloc<std::alloc::System> = &lucid_bench::INSTRUMENTED_SYSTEM;

fn quick(filter: &str) -> Vec<Row> {
    run(&BenchOptions {
        quick: true,
        alloc_counter: Some(GLOBAL),
        progress: false,
        filter: Some(filter.into()),
        idle_connections: Some(40),
    })
}

fn positive(v: Option<f64>) -> bool {
    v.is_some_and(|v| v.is_finite() && v > 0.0)
}

#[test]
fn tls13_handshake_row_has_all_three_peers() {
    // The plain row and the one with a trace observer on lucid's sides.
    let rows = quick("handshake TLS1.3 X25519 ECDSA-P256");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1].scenario,
        "handshake TLS1.3 X25519 ECDSA-P256 traced"
    );
    for r in &rows {
        assert_eq!(r.kind, Kind::Handshake);
        assert_eq!(r.unit, "hs/s");
        assert!(positive(r.lucid), "{r:?}");
        assert!(positive(r.rustls), "{r:?}");
        assert!(positive(r.openssl), "{r:?}");
        assert_eq!(r.limit, None);
    }
}

#[test]
fn rsa_key_exchange_is_absent_from_rustls() {
    let rows = quick("RSA-2048 key exchange");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(positive(rows[0].lucid), "{rows:?}");
    assert_eq!(rows[0].rustls, None);
    assert!(positive(rows[0].openssl), "{rows:?}");
}

#[test]
fn resumed_rows_resume_on_rustls_and_explain_openssl() {
    // The peers check that the handshake really was resumed and fail otherwise.
    let rows = quick("resumed");
    assert_eq!(rows.len(), 3, "{rows:?}");
    for r in &rows {
        assert!(r.scenario.contains("resumed"));
        assert_eq!(r.kind, Kind::Resumed);
        assert!(positive(r.lucid), "{r:?}");
        assert!(positive(r.rustls), "{r:?}");
        // Resuming with OpenSSL needs the unchecked `SSL_set_session`: "—", with a note.
        assert_eq!(r.openssl, None, "{r:?}");
        assert!(r.note.is_some_and(|n| n.contains("unchecked")), "{r:?}");
    }
    let table = format_table(&rows);
    assert!(table.contains("resumed TLS1.3 PSK X25519 [1]"), "{table}");
    assert!(table.contains("\n[1] OpenSSL"), "{table}");
}

#[test]
fn bulk_rows_have_a_limit_and_cbc_lacks_rustls() {
    let rows = quick("bulk recv TLS1.2");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let gcm = &rows[0];
    assert!(gcm.scenario.contains("AES-128-GCM"));
    assert_eq!(gcm.unit, "MB/s");
    for v in [gcm.lucid, gcm.rustls, gcm.openssl, gcm.limit] {
        assert!(positive(v), "{gcm:?}");
    }
    let cbc = &rows[1];
    assert!(cbc.scenario.contains("CBC"));
    assert_eq!(cbc.rustls, None);
    for v in [cbc.lucid, cbc.openssl, cbc.limit] {
        assert!(positive(v), "{cbc:?}");
    }
}

#[test]
fn printers_show_every_row() {
    let rows = quick("bulk send TLS1.3 AES-128-GCM");
    let table = format_table(&rows);
    assert!(table.contains("bulk send TLS1.3 AES-128-GCM"), "{table}");
    assert!(table.contains("lucid/rustls"), "{table}");
    let json = format_json(&rows);
    assert!(json.starts_with('['), "{json}");
    assert!(
        json.contains("\"scenario\": \"bulk send TLS1.3 AES-128-GCM\""),
        "{json}"
    );
    assert!(json.contains("\"unit\": \"MB/s\""), "{json}");
    assert!(!json.contains("null"), "every peer has this row: {json}");
}

#[test]
fn drive_runs_a_named_scenario_and_rejects_unknown_ones() {
    lucid_bench::drive("lucid", "handshake TLS1.3 X25519 ECDSA-P256", 3).unwrap();
    lucid_bench::drive("rustls", "bulk send TLS1.3 AES-128-GCM", 2).unwrap();
    assert!(lucid_bench::drive("lucid", "no such scenario", 1).is_err());
    assert!(lucid_bench::drive("nobody", "handshake", 1).is_err());
    // Several match and none exactly.
    assert!(lucid_bench::drive("lucid", "handshake", 1).is_err());
    // rustls lacks RSA key exchange.
    assert!(lucid_bench::drive("rustls", "RSA-2048 key exchange", 1).is_err());
}
