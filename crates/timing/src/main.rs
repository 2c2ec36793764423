//! `lucid-timing`: dudect-style timing tests (see the crate docs and `scripts/timing`).
//!
//! ```text
//! lucid-timing [--rsa-samples N] [--cbc-samples N] [--control-samples N] [--seed S]
//!              [--only rsa|cbc|control]
//! ```
//!
//! Experiments, each two classes measured in random interleaving:
//! - `rsa`: `RsaKeyTransport::decrypt_premaster` (the server's ClientKeyExchange step) on
//!   ciphertexts of well-formed PKCS#1 v1.5 blocks vs ciphertexts of malformed ones (wrong
//!   block type, no zero separator, a zero inside the padding, a 47-byte secret, a wrong
//!   version), all under one 2048-bit key;
//! - `cbc`: `CbcKey::open_mac_then_encrypt` on records with a bad MAC vs records with bad
//!   padding (an inconsistent padding byte, a padding length of 255, a padding length
//!   reaching into the MAC), for every CBC algorithm;
//! - `control`: a deliberately variable-time comparison (early-exit slice equality, differing
//!   at the first vs the last of 256 bytes), to show the harness detects a difference of a
//!   few nanoseconds.
//!
//! Exit status: 0 when no experiment (other than the control) shows |t| >= 4.5, else 1.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::time::Instant;

use lucid_timing::{analyse, cbc_record, Analysis, CbcDefect, Rng, Sample, T_THRESHOLD};
use lucidtls::crypto::{CbcAlgorithm, RsaKeyTransport};
use openssl::rsa::{Padding, Rsa};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer};

/// Distinct inputs per class (each measurement picks one at random).
const POOL: usize = 256;
/// Measurements run and discarded before each experiment (caches, frequency).
const WARMUP: usize = 2_000;

struct Options {
    rsa_samples: usize,
    cbc_samples: usize,
    control_samples: usize,
    seed: Option<u64>,
    only: Option<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        rsa_samples: 60_000,
        cbc_samples: 1_000_000,
        control_samples: 400_000,
        seed: None,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--rsa-samples" => options.rsa_samples = number(&value(&arg)?)?,
            "--cbc-samples" => options.cbc_samples = number(&value(&arg)?)?,
            "--control-samples" => options.control_samples = number(&value(&arg)?)?,
            "--seed" => options.seed = Some(number(&value(&arg)?)? as u64),
            "--only" => options.only = Some(value(&arg)?),
            "-h" | "--help" => {
                println!(
                    "usage: lucid-timing [--rsa-samples N] [--cbc-samples N] \
                     [--control-samples N] [--seed S] [--only rsa|cbc|control]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

fn number(text: &str) -> Result<usize, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("not a number: {text}"))
}

/// Times `op(state)` `samples` times. Before each, untimed, `prepare(state, class, index)`
/// copies the input of a class chosen at random (index among `POOL`) into `state`, so that
/// the timed code sees the same buffers whatever the class: only the bytes differ.
fn measure<S>(
    rng: &mut Rng,
    samples: usize,
    state: &mut S,
    mut prepare: impl FnMut(&mut S, u8, usize),
    mut op: impl FnMut(&mut S),
) -> Vec<Sample> {
    let mut out = Vec::with_capacity(samples);
    for i in 0..WARMUP + samples {
        let class = (rng.next_u64() & 1) as u8;
        let index = rng.below(POOL);
        prepare(state, class, index);
        let start = Instant::now();
        op(state);
        let ns = start.elapsed().as_nanos() as u64;
        if i >= WARMUP {
            out.push(Sample { class, ns });
        }
    }
    out
}

/// One line of the report.
fn report(name: &str, classes: (&str, &str), analysis: &Analysis) -> bool {
    let Some(worst) = analysis.worst() else {
        println!("{name}: no samples");
        return true;
    };
    let full = &analysis.crops[0].test;
    let t = worst.test.t();
    let verdict = if t.abs() < T_THRESHOLD {
        "no detectable difference"
    } else {
        "DIFFERENCE DETECTED"
    };
    println!(
        "| {name} | {} vs {} | {} / {} | {:.0} / {:.0} ns | {:+.2} (p{}) | {:.1} ns | {verdict} |",
        classes.0,
        classes.1,
        full.a.count(),
        full.b.count(),
        worst.test.a.mean(),
        worst.test.b.mean(),
        t,
        worst.percentile,
        analysis.resolution_ns(),
    );
    for crop in &analysis.crops {
        eprintln!(
            "    {name}: crop p{:<5} (<= {:>10} ns): n = {:>7} / {:>7}, means {:>10.1} / {:>10.1} ns, t = {:+.3}",
            crop.percentile,
            if crop.threshold_ns == u64::MAX {
                "inf".to_string()
            } else {
                crop.threshold_ns.to_string()
            },
            crop.test.a.count(),
            crop.test.b.count(),
            crop.test.a.mean(),
            crop.test.b.mean(),
            crop.test.t()
        );
    }
    t.abs() < T_THRESHOLD
}

/// A PKCS#1 v1.5 type-2 block of `k` bytes around `message`, or with a defect.
fn rsa_block(rng: &mut Rng, k: usize, defect: usize) -> Vec<u8> {
    let mut pms = [0u8; 48];
    rng.fill(&mut pms);
    pms[0] = 3;
    pms[1] = 3;
    let nonzero = |rng: &mut Rng, n: usize| -> Vec<u8> {
        (0..n).map(|_| (rng.next_u64() % 255) as u8 + 1).collect()
    };
    let mut block = vec![0x00, 0x02];
    block.extend(nonzero(rng, k - 3 - 48));
    block.push(0x00);
    block.extend_from_slice(&pms);
    match defect {
        0 => {}
        1 => block[1] = 0x01,      // wrong block type
        2 => block[k - 49] = 0x17, // no zero separator before the secret
        3 => block[6] = 0x00,      // a zero 4 bytes into the padding (< 8 bytes)
        4 => {
            // a 47-byte secret: the separator one byte later
            block[k - 49] = 0x5a;
            block[k - 48] = 0x00;
        }
        _ => block[k - 47] = 0x02, // version 3.2 instead of 3.3
    }
    block
}

fn rsa_experiment(rng: &mut Rng, samples: usize) -> Result<bool, String> {
    let rsa = Rsa::generate(2048).map_err(|e| format!("RSA key generation: {e}"))?;
    let der = rsa
        .private_key_to_der()
        .map_err(|e| format!("RSA key encoding: {e}"))?;
    let provider = lucidtls_aws_lc::provider();
    let key = provider
        .load_signing_key(&PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der)))
        .map_err(|e| format!("loading the RSA key: {e}"))?;
    let transport: &dyn RsaKeyTransport = key
        .rsa_key_transport()
        .ok_or("the provider's RSA key has no key transport")?;
    let k = rsa.size() as usize;
    let encrypt = |block: &[u8]| -> Result<Vec<u8>, String> {
        let mut out = vec![0u8; k];
        rsa.public_encrypt(block, &mut out, Padding::NONE)
            .map_err(|e| format!("raw RSA: {e}"))?;
        Ok(out)
    };
    let mut pools: [Vec<(Vec<u8>, Vec<u8>)>; 2] = [Vec::new(), Vec::new()];
    for i in 0..POOL {
        let good = rsa_block(rng, k, 0);
        pools[0].push((encrypt(&good)?, good[k - 48..].to_vec()));
        let bad = rsa_block(rng, k, 1 + i % 5);
        pools[1].push((encrypt(&bad)?, Vec::new()));
    }
    // Check the classes do what they claim: the secret for a good block, the fallback else.
    let fallback = [0xA5u8; 48];
    for (class, pool) in pools.iter().enumerate() {
        for (ciphertext, secret) in pool {
            let got = transport.decrypt_premaster(ciphertext, 0x0303, &fallback);
            let expected: &[u8] = if class == 0 { secret } else { &fallback };
            if got.expose() != expected {
                return Err(format!(
                    "class {class}: decrypt_premaster returned the wrong secret"
                ));
            }
        }
    }
    eprintln!("rsa: {samples} measurements of decrypt_premaster (2048-bit key)...");
    let started = Instant::now();
    let mut ciphertext = vec![0u8; k];
    let samples = measure(
        rng,
        samples,
        &mut ciphertext,
        |ciphertext, class, index| ciphertext.copy_from_slice(&pools[usize::from(class)][index].0),
        |ciphertext| {
            black_box(transport.decrypt_premaster(black_box(ciphertext), 0x0303, &fallback));
        },
    );
    eprintln!("rsa: done in {:.1?}", started.elapsed());
    Ok(report(
        "RSA ClientKeyExchange (`decrypt_premaster`)",
        ("valid padding", "invalid padding"),
        &analyse(&samples),
    ))
}

fn cbc_experiment(rng: &mut Rng, alg: CbcAlgorithm, samples: usize) -> Result<bool, String> {
    let provider = lucidtls_aws_lc::provider();
    let cipher = provider.cbc(alg).ok_or("the provider has no CBC")?;
    let mut enc_key = vec![0u8; alg.enc_key_len()];
    let mut mac_key = vec![0u8; alg.mac_len()];
    rng.fill(&mut enc_key);
    rng.fill(&mut mac_key);
    let key = cipher
        .key(&enc_key, &mac_key)
        .map_err(|e| format!("CBC key: {e}"))?;
    let header = [0, 0, 0, 0, 0, 0, 0, 7, 23, 3, 3];
    // 128 bytes of plaintext + MAC, then a full block of padding: 9 blocks.
    let plaintext_len = 128 - alg.mac_len();
    let mut pools: [Vec<([u8; 16], Vec<u8>)>; 2] = [Vec::new(), Vec::new()];
    for i in 0..POOL {
        for (class, pool) in pools.iter_mut().enumerate() {
            let mut iv = [0u8; 16];
            rng.fill(&mut iv);
            let mut plaintext = vec![0u8; plaintext_len];
            rng.fill(&mut plaintext);
            let defect = if class == 0 {
                CbcDefect::BadMac
            } else {
                match i % 3 {
                    0 => CbcDefect::PaddingByte,
                    1 => CbcDefect::PaddingTooLong,
                    _ => CbcDefect::PaddingIntoMac(16 + (rng.next_u64() % 128) as u8),
                }
            };
            let record = cbc_record(alg, &enc_key, &mac_key, &iv, &header, &plaintext, defect)?;
            let mut check = record.clone();
            if key.open_mac_then_encrypt(&iv, &header, &mut check).is_ok() {
                return Err(format!("{alg:?} {defect:?}: the record opened"));
            }
            pool.push((iv, record));
        }
    }
    let mut state = ([0u8; 16], vec![0u8; pools[0][0].1.len()]);
    let pools = &pools;
    eprintln!("cbc {alg:?}: {samples} measurements of open_mac_then_encrypt...");
    let started = Instant::now();
    let samples = measure(
        rng,
        samples,
        &mut state,
        |(iv, record), class, index| {
            let (pool_iv, pool_record) = &pools[usize::from(class)][index];
            iv.copy_from_slice(pool_iv);
            record.copy_from_slice(pool_record);
        },
        |(iv, record)| {
            let _ = black_box(key.open_mac_then_encrypt(iv, &header, black_box(record)));
        },
    );
    eprintln!("cbc {alg:?}: done in {:.1?}", started.elapsed());
    Ok(report(
        &format!("CBC record, {alg:?} (`open_mac_then_encrypt`)"),
        ("bad MAC", "bad padding"),
        &analyse(&samples),
    ))
}

fn control_experiment(rng: &mut Rng, samples: usize) -> bool {
    let reference = vec![0x5Au8; 256];
    let mut differ_first = reference.clone();
    differ_first[0] ^= 1;
    let mut differ_last = reference.clone();
    differ_last[255] ^= 1;
    let inputs = [differ_first, differ_last];
    eprintln!("control: {samples} measurements of an early-exit comparison...");
    let mut input = vec![0u8; 256];
    let samples = measure(
        rng,
        samples,
        &mut input,
        |input, class, _| input.copy_from_slice(&inputs[usize::from(class)]),
        |input| {
            black_box(black_box(&*input) == black_box(&reference));
        },
    );
    let detected = !report(
        "control: early-exit `==` (leaky on purpose)",
        ("differs at byte 0", "differs at byte 255"),
        &analyse(&samples),
    );
    if !detected {
        eprintln!(
            "warning: the control's known difference was not detected; the machine is too \
             noisy for these sample counts"
        );
    }
    detected
}

fn main() {
    let options = match parse_args() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let (mut rng, seed) = match options.seed {
        Some(seed) => (Rng::new(seed), seed),
        None => Rng::from_os(),
    };
    let wants = |name: &str| options.only.as_deref().is_none_or(|only| only == name);
    println!(
        "lucid-timing: dudect-style Welch t-test, classes interleaved at random, seed {seed}, \
         threshold |t| < {T_THRESHOLD}"
    );
    println!();
    println!(
        "| operation | classes | samples | means (worst crop) | max t (crop) | would detect | verdict |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut ok = true;
    let mut run = |result: Result<bool, String>| match result {
        Ok(passed) => ok &= passed,
        Err(e) => {
            eprintln!("error: {e}");
            ok = false;
        }
    };
    if wants("control") {
        control_experiment(&mut rng, options.control_samples);
    }
    if wants("rsa") {
        run(rsa_experiment(&mut rng, options.rsa_samples));
    }
    if wants("cbc") {
        for alg in [
            CbcAlgorithm::Aes128Sha1,
            CbcAlgorithm::Aes256Sha1,
            CbcAlgorithm::Aes128Sha256,
            CbcAlgorithm::Aes256Sha256,
            CbcAlgorithm::Aes256Sha384,
        ] {
            run(cbc_experiment(&mut rng, alg, options.cbc_samples));
        }
    }
    std::process::exit(if ok { 0 } else { 1 });
}
