//! The TLS 1.2 key schedule (`lucidtls::keys::tls12`) over the default provider's HMAC.
//!
//! Oracles, none of them this code:
//! - the TLS 1.2 PRF vectors posted to the IETF TLS WG list (mail-archive/web/tls/current/
//!   msg03416.html; used by GnuTLS, BearSSL and others), recomputed with Python's hmac;
//! - AWS-LC's own TLS PRF (`aws_lc_rs::tls_prf`), for many lengths and inputs;
//! - values computed with Python's hmac/hashlib from the RFC 5246 / RFC 7627 definitions.
//!
//! End-to-end checks against OpenSSL's key log are in `tls12_record.rs`.

use lucidtls::crypto::{CryptoProvider, Hash, Secret};
use lucidtls::enums::HashAlgorithm;
use lucidtls::keys::tls12::{
    extended_master_secret, finished_verify_data, key_block, master_secret, prf, KeyBlock,
    CLIENT_FINISHED_LABEL, MASTER_SECRET_LEN, SERVER_FINISHED_LABEL,
};

fn provider() -> std::sync::Arc<dyn CryptoProvider> {
    lucidtls_aws_lc::provider()
}

fn sha(alg: HashAlgorithm) -> &'static dyn Hash {
    provider().hash(alg)
}

fn unhex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    s.chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect()
}

#[test]
fn prf_sha256_ietf_vector() {
    let out = prf(
        sha(HashAlgorithm::Sha256),
        &unhex("9bbe436ba940f017b17652849a71db35"),
        b"test label",
        &[&unhex("a0ba9f936cda311827a6f796ffd5198c")],
        100,
    );
    assert_eq!(
        out.expose(),
        unhex(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
             87347b66"
        )
    );
}

#[test]
fn prf_sha384_ietf_vector() {
    let out = prf(
        sha(HashAlgorithm::Sha384),
        &unhex("b80b733d6ceefcdc71566ea48e5567df"),
        b"test label",
        &[&unhex("cd665cf6a8447dd6ff8b27555edb7465")],
        148,
    );
    assert_eq!(
        out.expose(),
        unhex(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6
             91c8f3a26854308d5eaa3be85e0990703d73e56f"
        )
    );
}

#[test]
fn prf_agrees_with_aws_lc_tls_prf() {
    use aws_lc_rs::tls_prf;
    for (alg, theirs) in [
        (HashAlgorithm::Sha256, &tls_prf::P_SHA256),
        (HashAlgorithm::Sha384, &tls_prf::P_SHA384),
    ] {
        for (i, len) in [1usize, 12, 31, 32, 33, 47, 48, 49, 96, 104, 128, 200, 1000]
            .into_iter()
            .enumerate()
        {
            let secret: Vec<u8> = (0..(1 + 7 * i)).map(|j| (j * 31 + i) as u8).collect();
            let seed: Vec<u8> = (0..(64 - i)).map(|j| (j * 17 + 3) as u8).collect();
            let label = b"key expansion";
            let ours = prf(sha(alg), &secret, label, &[&seed[..10], &seed[10..]], len);
            let expect = tls_prf::Secret::new(theirs, &secret)
                .unwrap()
                .derive(label, &seed, len)
                .unwrap();
            assert_eq!(ours.expose(), expect.as_ref(), "{alg:?} len {len}");
        }
    }
}

// Inputs and expected values computed with Python's hmac/hashlib:
// pms = 01..30, client_random = 20..3f, server_random = 40..5f,
// session_hash = H("session hash"), handshake hash = H("transcript").
fn inputs() -> (Secret, [u8; 32], [u8; 32]) {
    let mut cr = [0u8; 32];
    let mut sr = [0u8; 32];
    for i in 0..32u8 {
        cr[usize::from(i)] = 0x20 + i;
        sr[usize::from(i)] = 0x40 + i;
    }
    (Secret::new((1..=48).collect()), cr, sr)
}

struct Expected {
    alg: HashAlgorithm,
    master: &'static str,
    extended: &'static str,
    key_block: &'static str,
    client_finished: &'static str,
    server_finished: &'static str,
}

const EXPECTED: [Expected; 2] = [
    Expected {
        alg: HashAlgorithm::Sha256,
        master: "a348a95d5cbf70b6e290c62a19bdcedb28db46c6a050bccde8bbe8a5dc843479
                 a575328134e85ef32bf00544d59e646c",
        extended: "6a2dfb14adb48f6ae978b2780ca365b7927179ef8ba4e68fb51a108c2f2e818f
                   0646f393d74a64dfa3ccbb24cf30811c",
        key_block: "3c704f25d8a5790f56eaf6e4d623a2ca46ca2256b82b9f62b4c14f8a068546d7
                    449fa61a1cc4f13701e5f182bc83705e06d34d56e5c19351f265c691d08870ec
                    e9880e20cb7ad4d42cdc3594e3f700a7a04ce743b9df517172201a05612d7635
                    18e849cf6520b0bdf42a6bf812b564fda3301008a779defe28a2fb49c958ccad",
        client_finished: "5117c1c4d956cfa084df39cd",
        server_finished: "09d0a823c7dfcda0c8a9223e",
    },
    Expected {
        alg: HashAlgorithm::Sha384,
        master: "b902a1b0301dfa3468e148bf135ff93f8eaf9c68d61fb32e25b730fb650e4d65
                 f9cc579e5c62f526e027e6a6f345c95e",
        extended: "34acad4b88234551ccdc5dc04fb2ff4c4892c510efe7c1cc26d9f6b6e5853847
                   2895a69ab424e33866527336c73d41e4",
        key_block: "c29a3445b4a926b6b3e7d16618f454197ff383adcccbbbe156d31e3fadd13ee7
                    5feffac9f664fb478f24b1c5dc6f488d3ca4eb121d5686cacd3bae614217433f
                    6f332ea69b19f66d71f10f5fc3e65847bd3962f3178f4cb20b5c68e2c697eade
                    0c8ac26bfc202c66f7e7c0a923ed882bdd38e0c43f143950c89e3b89e4b95b9b",
        client_finished: "b521a59d56242d46c152b52a",
        server_finished: "05949a37cf79b785d5432850",
    },
];

#[test]
fn schedule_matches_python() {
    let (pms, cr, sr) = inputs();
    for e in &EXPECTED {
        let h = sha(e.alg);
        let ms = master_secret(h, &pms, &cr, &sr);
        assert_eq!(ms.len(), MASTER_SECRET_LEN);
        assert_eq!(ms.expose(), unhex(e.master), "{:?} master", e.alg);

        let ems = extended_master_secret(h, &pms, h.hash(b"session hash").as_ref());
        assert_eq!(ems.expose(), unhex(e.extended), "{:?} extended", e.alg);

        let want = unhex(e.key_block);
        assert_eq!(
            key_block(h, &ms, &sr, &cr, want.len()).expose(),
            want,
            "{:?} key block",
            e.alg
        );
        let kb = KeyBlock::derive(h, &ms, &sr, &cr, 32, 16, 16);
        assert_eq!(kb.client_mac_key.expose(), &want[..32]);
        assert_eq!(kb.server_iv.expose(), &want[112..]);

        let th = h.hash(b"transcript");
        assert_eq!(
            finished_verify_data(h, &ms, CLIENT_FINISHED_LABEL, th.as_ref()).to_vec(),
            unhex(e.client_finished)
        );
        assert_eq!(
            finished_verify_data(h, &ms, SERVER_FINISHED_LABEL, th.as_ref()).to_vec(),
            unhex(e.server_finished)
        );
    }
}
