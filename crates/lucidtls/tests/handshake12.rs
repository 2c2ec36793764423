//! TLS 1.2 between our own client and server, in memory: every suite, with the key
//! kinds it authenticates with.

mod common;
use common::pair::*;
use lucidtls::enums::ProtocolVersion;
use lucidtls::suites::{Authentication, Policy, TLS12_SUITES};
use lucidtls::trace::{Observer, TraceEvent};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Events(Mutex<Vec<TraceEvent>>);

impl Observer for Events {
    fn on_event(&self, event: &TraceEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

#[test]
fn every_tls12_suite_both_ways() {
    let rsa = pki(KeyKind::Rsa2048);
    let ecdsa = pki(KeyKind::EcdsaP256);
    for suite in TLS12_SUITES {
        let pki = match suite.auth {
            Authentication::Rsa => &rsa,
            Authentication::Ecdsa => &ecdsa,
        };
        let mut cc = pki.client_config();
        cc.common.set_policy(Policy::Compatible);
        cc.common.versions = vec![ProtocolVersion::Tls12];
        cc.common.cipher_suites = vec![suite.suite];
        let events = Arc::new(Events::default());
        cc.common.observer = Some(events.clone());
        let mut sc = pki.server_config();
        sc.common.set_policy(Policy::Compatible);
        let (mut c, mut s) = connect(cc, sc);
        assert_eq!(
            c.negotiated().version,
            Some(ProtocolVersion::Tls12),
            "{}",
            suite.suite
        );
        assert_eq!(s.negotiated().cipher_suite, Some(suite.suite));
        assert_eq!(send(&mut c, &mut s, b"ping"), b"ping", "{}", suite.suite);
        let big = vec![0x5a; 40_000];
        assert_eq!(send(&mut s, &mut c, &big), big, "{}", suite.suite);
        let ems = events
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, TraceEvent::MasterSecret { extended: true }));
        assert!(ems, "{}: extended master secret not used", suite.suite);
    }
}

#[test]
fn tls13_capable_server_picks_tls12_for_a_tls12_client_with_sentinel_accepted_by_tls12_only_client()
{
    let pki = pki(KeyKind::EcdsaP256);
    let mut cc = pki.client_config();
    cc.common.versions = vec![ProtocolVersion::Tls12];
    let (mut c, mut s) = connect(cc, pki.server_config());
    assert_eq!(c.negotiated().version, Some(ProtocolVersion::Tls12));
    assert_eq!(send(&mut c, &mut s, b"x"), b"x");
}
