//! Certificate revocation with CRLs, in memory: a revoked server certificate and a
//! revoked client certificate end the handshake with alert certificate_revoked on the
//! wire; an unrevoked one passes with a report naming the CRL; expired CRLs, CRLs
//! signed by the wrong key, CRLs from another issuer and revoked intermediates; and
//! "not checked" without CRLs.

mod common;

use common::ca::{Ca, Issued as Leaf};
use common::pair::{handshake, localhost, localhost_params, transfer, KeyKind};
use common::peers::EventLog;
use lucidtls::enums::{AlertDescription, ProtocolVersion};
use lucidtls::verify::{
    verify_server_chain, ExpiredCrl, RevocationDepth, RevocationPolicy, RootStore, UnknownStatus,
};
use lucidtls::{
    CertificateCheck, ClientAuth, ClientConfig, Connection, Error, ServerConfig, TraceEvent,
};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use std::sync::Arc;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::Tls13, ProtocolVersion::Tls12];
const CA_NAME: &str = "lucidtls revocation CA";

/// One revoked entry: serial, reason.
type Revoked = (u64, Option<rcgen::RevocationReason>);

/// What revocation tests need of a CA beyond [`common::ca::Ca`]: leaves with chosen
/// serials, CRLs and a store holding them.
impl Ca {
    /// A leaf for localhost with `serial`.
    fn leaf(&self, cn: &str, serial: u64) -> Leaf {
        let mut params = localhost_params(cn);
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        self.sign(params, KeyKind::EcdsaP256)
    }

    /// A CRL valid from 2020 to 2099 listing `revoked`.
    fn crl(&self, revoked: &[Revoked]) -> rcgen::CertificateRevocationList {
        self.crl_dated(revoked, (2020, 1, 1), (2099, 1, 1))
    }

    fn crl_dated(
        &self,
        revoked: &[Revoked],
        this_update: (i32, u8, u8),
        next_update: (i32, u8, u8),
    ) -> rcgen::CertificateRevocationList {
        let params = rcgen::CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(this_update.0, this_update.1, this_update.2),
            next_update: rcgen::date_time_ymd(next_update.0, next_update.1, next_update.2),
            crl_number: rcgen::SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|(serial, reason)| rcgen::RevokedCertParams {
                    serial_number: rcgen::SerialNumber::from(*serial),
                    revocation_time: rcgen::date_time_ymd(2024, 3, 15),
                    reason_code: *reason,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        params.signed_by(&self.issuer).unwrap()
    }

    /// A store trusting this CA, with `crls`.
    fn roots_with(&self, crls: &[&rcgen::CertificateRevocationList]) -> RootStore {
        let mut roots = self.root_store();
        for crl in crls {
            roots.add_crl_der(crl.der()).unwrap();
        }
        roots
    }
}

impl EventLog {
    /// The revocation check events: (passed, checked, detail).
    fn revocation(&self) -> Vec<(bool, bool, String)> {
        self.all()
            .iter()
            .filter_map(|e| match e {
                TraceEvent::CertificateCheck {
                    check: CertificateCheck::Revocation,
                    passed,
                    checked,
                    detail,
                } => Some((*passed, *checked, detail.clone())),
                _ => None,
            })
            .collect()
    }
}

fn client_config(roots: RootStore, version: ProtocolVersion) -> ClientConfig {
    let mut config = ClientConfig::with_roots(lucidtls_aws_lc::provider(), Arc::new(roots));
    config.common.versions = vec![version];
    config
}

fn server_config(leaf: &Leaf) -> ServerConfig {
    ServerConfig::new(lucidtls_aws_lc::provider(), leaf.certified_key())
}

/// Runs a handshake that must fail on `failing_side`; returns its error and what the
/// other side made of the alert it sent.
fn fails_on(
    failing_side: &str,
    client: ClientConfig,
    server: ServerConfig,
) -> (Error, Result<usize, Error>) {
    let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
    let mut s = Connection::server(Arc::new(server)).unwrap();
    let (side, error) = handshake(&mut c, &mut s).expect_err("the handshake must fail");
    assert_eq!(side, failing_side, "{error}");
    let peer = if side == "client" {
        transfer(&mut c, &mut s)
    } else {
        transfer(&mut s, &mut c)
    };
    (error, peer)
}

fn revocation_detail(e: &Error) -> &str {
    match e {
        Error::Certificate {
            check: CertificateCheck::Revocation,
            detail,
        } => detail,
        other => panic!("expected a revocation failure, got {other:?}"),
    }
}

#[test]
fn revoked_server_certificate_is_refused_with_certificate_revoked() {
    let ca = Ca::root(CA_NAME);
    let leaf = ca.leaf("localhost", 0x1001);
    let crl = ca.crl(&[
        (0x0999, None),
        (0x1001, Some(rcgen::RevocationReason::KeyCompromise)),
    ]);
    for version in VERSIONS {
        let client = client_config(ca.roots_with(&[&crl]), version);
        let (error, server_saw) = fails_on("client", client, server_config(&leaf));
        let detail = revocation_detail(&error);
        assert!(
            detail.starts_with("the server certificate CN=localhost (serial 10:01) is revoked"),
            "{version}: {detail}"
        );
        assert!(
            detail.contains(&format!("CRL from CN={CA_NAME} (thisUpdate 2020-01-01")),
            "{detail}"
        );
        assert!(detail.contains("nextUpdate 2099-01-01"), "{detail}");
        assert!(detail.contains("revoked at 2024-03-15"), "{detail}");
        assert!(detail.contains("reason keyCompromise"), "{detail}");
        assert_eq!(error.alert(), AlertDescription::CertificateRevoked);
        assert_eq!(
            server_saw.unwrap_err(),
            Error::AlertReceived(AlertDescription::CertificateRevoked),
            "{version}: the alert goes on the wire"
        );
    }
}

#[test]
fn revoked_client_certificate_is_refused_with_certificate_revoked() {
    let server_ca = Ca::root("lucidtls server CA");
    let server_leaf = server_ca.leaf("localhost", 7);
    let client_ca = Ca::root("lucidtls client CA");
    let revoked = client_ca.leaf("mallory", 0x42);
    let good = client_ca.leaf("grace", 0x43);
    let crl = client_ca.crl(&[(0x42, Some(rcgen::RevocationReason::AffiliationChanged))]);
    for version in VERSIONS {
        let mut client = client_config(server_ca.roots_with(&[]), version);
        client.client_identities = vec![revoked.certified_key()];
        let mut server = server_config(&server_leaf);
        server.client_auth = ClientAuth::Required(Arc::new(client_ca.roots_with(&[&crl])));
        let (error, client_saw) = fails_on("server", client, server);
        let detail = revocation_detail(&error);
        assert!(
            detail.starts_with("the client certificate CN=mallory (serial 42) is revoked"),
            "{version}: {detail}"
        );
        assert!(detail.contains("reason affiliationChanged"), "{detail}");
        assert_eq!(
            client_saw.unwrap_err(),
            Error::AlertReceived(AlertDescription::CertificateRevoked),
            "{version}"
        );

        // The same server accepts a client certificate the CRL does not list.
        let mut client = client_config(server_ca.roots_with(&[]), version);
        client.client_identities = vec![good.certified_key()];
        let mut server = server_config(&server_leaf);
        server.client_auth = ClientAuth::Required(Arc::new(client_ca.roots_with(&[&crl])));
        let events = EventLog::new();
        server.common.observer = Some(events.clone());
        let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
        let mut s = Connection::server(Arc::new(server)).unwrap();
        handshake(&mut c, &mut s).expect("an unrevoked client certificate is accepted");
        let reports = events.revocation();
        assert_eq!(reports.len(), 1, "{reports:?}");
        let (passed, checked, detail) = &reports[0];
        assert!(*passed && *checked, "{detail}");
        assert!(
            detail.starts_with("the client certificate CN=grace (serial 43) not revoked per the CRL from CN=lucidtls client CA"),
            "{detail}"
        );
    }
}

#[test]
fn unrevoked_server_certificate_passes_and_the_report_names_the_crl() {
    let ca = Ca::root(CA_NAME);
    let leaf = ca.leaf("localhost", 0x2002);
    let crl = ca.crl(&[(0x2001, Some(rcgen::RevocationReason::Superseded))]);
    for version in VERSIONS {
        let mut client = client_config(ca.roots_with(&[&crl]), version);
        let events = EventLog::new();
        client.common.observer = Some(events.clone());
        let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
        let mut s = Connection::server(Arc::new(server_config(&leaf))).unwrap();
        handshake(&mut c, &mut s).expect("not revoked: the handshake completes");
        let reports = events.revocation();
        assert_eq!(reports.len(), 1, "{reports:?}");
        let (passed, checked, detail) = &reports[0];
        assert!(*passed, "{detail}");
        assert!(
            *checked,
            "with a CRL from the issuer the check ran: {detail}"
        );
        assert_eq!(
            detail,
            &format!(
                "the server certificate CN=localhost (serial 20:02) not revoked per the CRL from \
                 CN={CA_NAME} (thisUpdate 2020-01-01 00:00:00 UTC, nextUpdate 2099-01-01 00:00:00 \
                 UTC, 1 entry)"
            )
        );
    }
}

#[test]
fn without_crls_revocation_is_not_checked_rather_than_passed() {
    let ca = Ca::root(CA_NAME);
    let leaf = ca.leaf("localhost", 3);
    for version in VERSIONS {
        let mut client = client_config(ca.roots_with(&[]), version);
        let events = EventLog::new();
        client.common.observer = Some(events.clone());
        let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
        let mut s = Connection::server(Arc::new(server_config(&leaf))).unwrap();
        handshake(&mut c, &mut s).unwrap();
        let reports = events.revocation();
        assert_eq!(
            reports,
            vec![(true, false, "not checked: no CRLs configured".to_string())],
            "{version}"
        );
    }
    // The library report says the same, and prints as not checked.
    let v = verify(&ca.roots_with(&[]), &ca.leaf("localhost", 4).chain).unwrap();
    let report = v.reports().last().unwrap().clone();
    assert_eq!(report.check, CertificateCheck::Revocation);
    assert!(report.passed && !report.checked);
    assert_eq!(
        report.to_string(),
        "revocation: not checked: no CRLs configured"
    );
    // Every other check ran.
    assert!(v.reports().iter().rev().skip(1).all(|r| r.checked));
}

fn verify(
    roots: &RootStore,
    chain: &[CertificateDer<'static>],
) -> Result<lucidtls::verify::VerifiedServerChain, Error> {
    verify_server_chain(
        &*lucidtls_aws_lc::provider(),
        roots,
        chain,
        &localhost(),
        None,
        UnixTime::now(),
    )
}

#[test]
fn expired_crl_is_rejected_unless_the_policy_ignores_it() {
    let ca = Ca::root(CA_NAME);
    let leaf = ca.leaf("localhost", 5);
    let stale = ca.crl_dated(&[(6, None)], (2020, 1, 1), (2021, 1, 1));
    let mut roots = ca.roots_with(&[&stale]);
    let error = verify(&roots, &leaf.chain).unwrap_err();
    let detail = revocation_detail(&error);
    assert!(
        detail.starts_with(&format!(
            "the CRL from CN={CA_NAME} (thisUpdate 2020-01-01 00:00:00 UTC, nextUpdate \
             2021-01-01 00:00:00 UTC, 1 entry) expired at its nextUpdate 2021-01-01"
        )),
        "{detail}"
    );
    assert!(detail.contains("rejected by policy"), "{detail}");

    // On the wire (TLS 1.3): the client refuses the server.
    let client = client_config(roots.clone(), ProtocolVersion::Tls13);
    let (error, _) = fails_on("client", client, server_config(&leaf));
    assert!(revocation_detail(&error).contains("expired at its nextUpdate"));

    // Ignored by policy: accepted, and the report says the CRL is stale.
    let mut policy = RevocationPolicy::default();
    policy.expired_crl = ExpiredCrl::Ignore;
    roots.set_revocation_policy(policy);
    let v = verify(&roots, &leaf.chain).unwrap();
    let report = v.reports().last().unwrap();
    assert!(report.checked && report.passed, "{report}");
    assert!(
        report
            .detail
            .ends_with("; the CRL is past its nextUpdate, used by policy"),
        "{report}"
    );
    // A stale CRL still revokes.
    let revoked = ca.leaf("localhost", 6);
    let detail = revocation_detail(&verify(&roots, &revoked.chain).unwrap_err()).to_string();
    assert!(detail.contains("is revoked"), "{detail}");
}

#[test]
fn crl_signed_by_the_wrong_key_is_rejected_not_ignored() {
    let ca = Ca::root(CA_NAME);
    // Same name, different key: the CRL claims to be from our CA.
    let impostor = Ca::root(CA_NAME);
    let leaf = ca.leaf("localhost", 8);
    let forged = impostor.crl(&[]);
    let roots = ca.roots_with(&[&forged]);
    let error = verify(&roots, &leaf.chain).unwrap_err();
    let detail = revocation_detail(&error);
    assert!(
        detail.starts_with(&format!("the CRL from CN={CA_NAME} (thisUpdate 2020-01-01")),
        "{detail}"
    );
    assert!(
        detail.contains("is rejected: its signature does not verify with the issuer's key"),
        "{detail}"
    );
    let client = client_config(roots, ProtocolVersion::Tls12);
    let (error, _) = fails_on("client", client, server_config(&leaf));
    assert!(revocation_detail(&error).contains("signature does not verify"));
}

#[test]
fn crl_from_another_issuer_leaves_the_status_unknown() {
    let ca = Ca::root(CA_NAME);
    let other = Ca::root("some other CA");
    let leaf = ca.leaf("localhost", 9);
    let unrelated = other.crl(&[(9, None)]);
    let mut roots = ca.roots_with(&[&unrelated]);

    // Default policy: allowed, and reported as not checked.
    let v = verify(&roots, &leaf.chain).unwrap();
    let report = v.reports().last().unwrap();
    assert!(report.passed && !report.checked, "{report}");
    assert!(
        report.detail.starts_with(
            "not checked: none of the 1 configured CRL(s) covers any certificate in the path"
        ),
        "{report}"
    );
    assert!(report.detail.contains("no CRL from its issuer"), "{report}");

    // Deny: the unknown status fails the chain.
    let mut policy = RevocationPolicy::default();
    policy.unknown_status = UnknownStatus::Deny;
    roots.set_revocation_policy(policy);
    let error = verify(&roots, &leaf.chain).unwrap_err();
    let detail = revocation_detail(&error);
    assert!(
        detail.starts_with("the server certificate CN=localhost (serial 09): none of the 1 configured CRL(s) is from its issuer"),
        "{detail}"
    );
}

#[test]
fn revoked_intermediate_fails_the_chain_at_chain_depth() {
    let root = Ca::root("lucidtls root");
    let intermediate = root.intermediate("lucidtls intermediate", 0x77);
    let leaf = intermediate.leaf("localhost", 0x10);
    let mut chain = leaf.chain.clone();
    chain.push(intermediate.der.clone());
    let root_crl = root.crl(&[(0x77, Some(rcgen::RevocationReason::CaCompromise))]);
    let intermediate_crl = intermediate.crl(&[]);
    let mut roots = root.roots_with(&[&root_crl, &intermediate_crl]);

    let error = verify(&roots, &chain).unwrap_err();
    let detail = revocation_detail(&error);
    assert!(
        detail.starts_with("intermediate CN=lucidtls intermediate (serial 77) is revoked: listed in the CRL from CN=lucidtls root"),
        "{detail}"
    );
    assert!(detail.contains("reason cACompromise"), "{detail}");

    // End-entity depth: only the leaf is looked up, and it is not revoked.
    let mut policy = RevocationPolicy::default();
    policy.depth = RevocationDepth::EndEntity;
    roots.set_revocation_policy(policy);
    let v = verify(&roots, &chain).unwrap();
    let report = v.reports().last().unwrap();
    assert!(report.checked && report.passed, "{report}");
    assert!(
        report.detail.starts_with(
            "the server certificate CN=localhost (serial 10) not revoked per the CRL from CN=lucidtls intermediate"
        ),
        "{report}"
    );
    assert!(!report.detail.contains("intermediate CN="), "{report}");

    // Chain depth with an unrevoked intermediate: both certificates are reported.
    let clean = root.crl(&[]);
    let roots = root.roots_with(&[&clean, &intermediate_crl]);
    let v = verify(&roots, &chain).unwrap();
    let detail = &v.reports().last().unwrap().detail;
    assert!(
        detail.contains(
            "CN=localhost (serial 10) not revoked per the CRL from CN=lucidtls intermediate"
        ),
        "{detail}"
    );
    assert!(
        detail.contains("; intermediate CN=lucidtls intermediate (serial 77) not revoked per the CRL from CN=lucidtls root"),
        "{detail}"
    );
}

#[test]
fn crls_load_from_pem_and_bad_ones_are_refused_at_load_time() {
    let ca = Ca::root(CA_NAME);
    let crl = ca.crl(&[(1, None), (2, None)]);
    let mut roots = RootStore::empty();
    let pem = format!("{}{}", crl.pem().unwrap(), ca.crl(&[]).pem().unwrap());
    assert_eq!(roots.add_crls_pem(pem.as_bytes()).unwrap(), 2);
    let loaded: Vec<_> = roots.crls().collect();
    assert_eq!(loaded[0].issuer(), format!("CN={CA_NAME}"));
    assert_eq!(loaded[0].entries(), 2);
    assert_eq!(loaded[1].entries(), 0);
    assert_eq!(loaded[0].this_update(), 1_577_836_800); // 2020-01-01
    assert_eq!(loaded[0].next_update(), Some(4_070_908_800)); // 2099-01-01
    assert_eq!(format!("{roots:?}"), "RootStore(0 anchors, 2 CRLs)");

    // Not a CRL: refused when loaded, naming which block, and nothing is added.
    let garbage = "-----BEGIN X509 CRL-----\nMAMCAQA=\n-----END X509 CRL-----\n";
    let mut roots = RootStore::empty();
    let err = roots
        .add_crls_pem(format!("{}{garbage}", crl.pem().unwrap()).as_bytes())
        .unwrap_err();
    assert!(
        matches!(&err, Error::BadKeyMaterial(m) if m.starts_with("CRL PEM data: CRL #2: CRL cannot be used")),
        "{err}"
    );
    assert_eq!(roots.crls().count(), 0);
    let err = RootStore::empty()
        .add_crl_der(&CertificateRevocationListDer::from(vec![0x30, 0x00]))
        .unwrap_err();
    assert!(matches!(err, Error::BadKeyMaterial(_)), "{err}");
}
