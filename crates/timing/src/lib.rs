//! dudect-style timing leakage tests for lucidtls's secret-dependent TLS 1.2 paths.
//!
//! The method is that of dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant
//! time?", DATE 2017): measure one operation many times on inputs of two classes, choosing the
//! class of each measurement at random so that drift, frequency scaling and other processes
//! affect both classes alike; then compare the two timing distributions with Welch's t-test,
//! on the raw data and on copies cropped at several percentiles (cropping removes the long
//! upper tail that interrupts and preemption add, which would otherwise hide a small shift).
//! A |t| above 4.5 is dudect's threshold for "the timing depends on the class"; below it, no
//! difference was detectable with this many measurements.
//!
//! This crate holds the statistics ([`Welch`], [`analyse`]) and the record builders
//! ([`cbc_record`]); `src/main.rs` runs the experiments (see `scripts/timing`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use aws_lc_rs::cipher::{EncryptingKey, EncryptionContext, UnboundCipherKey, AES_128, AES_256};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use lucidtls::crypto::CbcAlgorithm;

/// dudect's threshold: a |t| at or above this means the classes are distinguishable.
pub const T_THRESHOLD: f64 = 4.5;

/// Running mean and variance (Welford) of one class.
#[derive(Clone, Copy, Debug, Default)]
pub struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.n;
        self.m2 += delta * (x - self.mean);
    }

    /// The number of values.
    pub fn count(&self) -> u64 {
        self.n as u64
    }

    /// The mean (0 without values).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The sample variance (0 with fewer than two values).
    pub fn variance(&self) -> f64 {
        if self.n < 2.0 {
            0.0
        } else {
            self.m2 / (self.n - 1.0)
        }
    }
}

/// Welch's t-test between two classes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Welch {
    /// Class 0.
    pub a: Moments,
    /// Class 1.
    pub b: Moments,
}

impl Welch {
    /// Adds one measurement of class `class` (0 or 1; anything else counts as 1).
    pub fn push(&mut self, class: u8, x: f64) {
        if class == 0 {
            self.a.push(x);
        } else {
            self.b.push(x);
        }
    }

    /// The standard error of the difference of the means, `sqrt(var_a / n_a + var_b / n_b)`:
    /// a difference of [`T_THRESHOLD`] times this would have been detected.
    pub fn standard_error(&self) -> f64 {
        if self.a.n < 2.0 || self.b.n < 2.0 {
            return f64::INFINITY;
        }
        (self.a.variance() / self.a.n + self.b.variance() / self.b.n).sqrt()
    }

    /// Welch's t statistic, `(mean_a - mean_b) / sqrt(var_a / n_a + var_b / n_b)`; 0 when
    /// either class has fewer than two values or both variances are zero.
    pub fn t(&self) -> f64 {
        if self.a.n < 2.0 || self.b.n < 2.0 {
            return 0.0;
        }
        let se = (self.a.variance() / self.a.n + self.b.variance() / self.b.n).sqrt();
        if se == 0.0 {
            0.0
        } else {
            (self.a.mean - self.b.mean) / se
        }
    }
}

/// One timed operation: its class and its duration in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// 0 or 1.
    pub class: u8,
    /// Duration in nanoseconds.
    pub ns: u64,
}

/// The t-test on the samples below one cropping threshold.
#[derive(Clone, Copy, Debug)]
pub struct Crop {
    /// The percentile of the pooled distribution used as the threshold (100 = no cropping).
    pub percentile: f64,
    /// The threshold in nanoseconds (samples at or below it are kept).
    pub threshold_ns: u64,
    /// The test over the kept samples.
    pub test: Welch,
}

/// The result of [`analyse`].
#[derive(Clone, Debug)]
pub struct Analysis {
    /// One test per cropping percentile, the uncropped one first.
    pub crops: Vec<Crop>,
}

impl Analysis {
    /// The test with the largest |t| (dudect reports this one).
    pub fn worst(&self) -> Option<&Crop> {
        self.crops
            .iter()
            .max_by(|x, y| x.test.t().abs().total_cmp(&y.test.t().abs()))
    }

    /// The largest |t| over all crops.
    pub fn max_abs_t(&self) -> f64 {
        self.worst().map_or(0.0, |c| c.test.t().abs())
    }

    /// The smallest difference of means that the most sensitive crop would have flagged:
    /// [`T_THRESHOLD`] times its standard error, in nanoseconds.
    pub fn resolution_ns(&self) -> f64 {
        self.crops
            .iter()
            .map(|c| T_THRESHOLD * c.test.standard_error())
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether no difference was detected (max |t| below [`T_THRESHOLD`]).
    pub fn no_detectable_difference(&self) -> bool {
        self.max_abs_t() < T_THRESHOLD
    }
}

/// The cropping percentiles: none, then the ones dudect's exponential schedule spreads over
/// the upper tail, rounded to a readable set.
pub const PERCENTILES: [f64; 8] = [100.0, 99.9, 99.0, 95.0, 90.0, 80.0, 70.0, 50.0];

/// The value at percentile `p` (0..=100) of sorted `values` (nearest rank); 0 when empty.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, sorted.len()) - 1)
        .copied()
        .unwrap_or(0)
}

/// Runs the t-test on `samples` at each of [`PERCENTILES`] (thresholds taken from the pooled
/// distribution of both classes, so that cropping cannot itself favour one class).
pub fn analyse(samples: &[Sample]) -> Analysis {
    let mut sorted: Vec<u64> = samples.iter().map(|s| s.ns).collect();
    sorted.sort_unstable();
    let crops = PERCENTILES
        .iter()
        .map(|&p| {
            let threshold_ns = if p >= 100.0 {
                u64::MAX
            } else {
                percentile(&sorted, p)
            };
            let mut test = Welch::default();
            for s in samples.iter().filter(|s| s.ns <= threshold_ns) {
                test.push(s.class, s.ns as f64);
            }
            Crop {
                percentile: p,
                threshold_ns,
                test,
            }
        })
        .collect();
    Analysis { crops }
}

/// A small, fast, seeded generator (xorshift64*) for choosing classes and inputs: the
/// choices need to be unpredictable to the code under test, not cryptographic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded from the system's randomness (the seed is printed for reruns).
    pub fn from_os() -> (Self, u64) {
        let mut seed = [0u8; 8];
        // Fall back to the clock: only the choice of inputs depends on it.
        if aws_lc_rs::rand::fill(&mut seed).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64);
            seed = nanos.to_le_bytes();
        }
        let seed = u64::from_le_bytes(seed) | 1;
        (Self(seed), seed)
    }

    /// A generator with this seed (0 is replaced by 1).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or_default());
        }
    }
}

/// How to spoil a MAC-then-encrypt CBC record (RFC 5246 §6.2.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CbcDefect {
    /// None: the record opens.
    None,
    /// Correct padding, the MAC's first byte flipped.
    BadMac,
    /// Correct MAC, one padding byte (not the length byte) different from the others.
    PaddingByte,
    /// Correct MAC, padding length byte 255: longer than the record.
    PaddingTooLong,
    /// Correct MAC, padding length byte `v` with 16 <= v < record length: the bytes before it
    /// are MAC and plaintext, so the padding is inconsistent (and a careless implementation
    /// would MAC a shorter message).
    PaddingIntoMac(u8),
}

/// The MAC length, AES key length and AES algorithm of `alg`.
fn cbc_params(alg: CbcAlgorithm) -> (&'static aws_lc_rs::cipher::Algorithm, hmac::Algorithm) {
    match alg {
        CbcAlgorithm::Aes128Sha1 => (&AES_128, hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
        CbcAlgorithm::Aes256Sha1 => (&AES_256, hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
        CbcAlgorithm::Aes128Sha256 => (&AES_128, hmac::HMAC_SHA256),
        CbcAlgorithm::Aes256Sha256 => (&AES_256, hmac::HMAC_SHA256),
        CbcAlgorithm::Aes256Sha384 => (&AES_256, hmac::HMAC_SHA384),
    }
}

/// Builds a MAC-then-encrypt CBC record by hand, with raw AES-CBC and HMAC (independent of
/// the code under test): `CBC(iv, plaintext || MAC(header || len || plaintext) || padding)`,
/// with `defect` applied to the MAC or the padding. `plaintext.len() + mac_len` must be a
/// multiple of 16, so the padding is one full block of sixteen 0x0f bytes. Returns the
/// ciphertext (without the IV).
pub fn cbc_record(
    alg: CbcAlgorithm,
    enc_key: &[u8],
    mac_key: &[u8],
    iv: &[u8; 16],
    header: &[u8; 11],
    plaintext: &[u8],
    defect: CbcDefect,
) -> Result<Vec<u8>, String> {
    let (aes, mac_alg) = cbc_params(alg);
    if (plaintext.len() + alg.mac_len()) % 16 != 0 {
        return Err("plaintext + MAC must be whole blocks".into());
    }
    let len = u16::try_from(plaintext.len()).map_err(|_| "plaintext too long".to_string())?;
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(mac_alg, mac_key));
    ctx.update(header);
    ctx.update(&len.to_be_bytes());
    ctx.update(plaintext);
    let tag = ctx.sign();
    let mut record = plaintext.to_vec();
    record.extend_from_slice(tag.as_ref());
    let mac_end = record.len();
    record.extend_from_slice(&[15u8; 16]);
    let last = record.len() - 1;
    match defect {
        CbcDefect::None => {}
        CbcDefect::BadMac => record[plaintext.len()] ^= 0x01,
        CbcDefect::PaddingByte => record[mac_end + 3] ^= 0x01,
        CbcDefect::PaddingTooLong => record[last] = 255,
        CbcDefect::PaddingIntoMac(v) => {
            if v < 16 || usize::from(v) > last {
                return Err(format!("padding length {v} out of range"));
            }
            record[last] = v;
        }
    }
    let key = EncryptingKey::cbc(
        UnboundCipherKey::new(aes, enc_key).map_err(|_| "bad AES key length".to_string())?,
    )
    .map_err(|_| "AES-CBC key setup failed".to_string())?;
    key.less_safe_encrypt(&mut record, EncryptionContext::Iv128(FixedLength::from(iv)))
        .map_err(|_| "AES-CBC encryption failed".to_string())?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_t_matches_a_hand_computation() {
        // a = [1, 2, 3, 4] (mean 2.5, var 5/3), b = [2, 4, 6, 8] (mean 5, var 20/3):
        // t = -2.5 / sqrt(5/12 + 20/12) = -2.5 / sqrt(25/12) = -1.7320508...
        let mut w = Welch::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            w.push(0, x);
        }
        for x in [2.0, 4.0, 6.0, 8.0] {
            w.push(1, x);
        }
        assert!((w.a.variance() - 5.0 / 3.0).abs() < 1e-12);
        assert!((w.standard_error() - (25.0f64 / 12.0).sqrt()).abs() < 1e-12);
        assert!((w.t() + 3f64.sqrt()).abs() < 1e-9, "t = {}", w.t());
        // Symmetric.
        let swapped = Welch { a: w.b, b: w.a };
        assert!((swapped.t() - 3f64.sqrt()).abs() < 1e-9);
        // Degenerate inputs do not divide by zero.
        assert_eq!(Welch::default().t(), 0.0);
    }

    #[test]
    fn analysis_finds_a_shift_and_not_noise() {
        let mut rng = Rng::new(7);
        // Same distribution for both classes: no detection.
        let same: Vec<Sample> = (0..20_000)
            .map(|_| Sample {
                class: (rng.next_u64() & 1) as u8,
                ns: 1000 + (rng.next_u64() % 100),
            })
            .collect();
        let a = analyse(&same);
        assert_eq!(a.crops.len(), PERCENTILES.len());
        assert!(a.no_detectable_difference(), "max |t| {}", a.max_abs_t());
        // Class 1 is 5 ns slower, with occasional huge outliers in both classes (as
        // preemption adds) that drown the uncropped test: cropping still finds the shift.
        let shifted: Vec<Sample> = (0..20_000)
            .map(|i| {
                let class = (rng.next_u64() & 1) as u8;
                let outlier = if i % 50 == 0 { 1_000_000 } else { 0 };
                Sample {
                    class,
                    ns: 1000 + (rng.next_u64() % 100) + 5 * u64::from(class) + outlier,
                }
            })
            .collect();
        let b = analyse(&shifted);
        assert!(
            b.crops[0].test.t().abs() < T_THRESHOLD,
            "uncropped t {}",
            b.crops[0].test.t()
        );
        assert!(!b.no_detectable_difference(), "max |t| {}", b.max_abs_t());
        let worst = b.worst().unwrap();
        assert!(worst.percentile < 100.0);
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&v, 0.0), 1);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    #[test]
    fn hand_built_records_open_only_without_defect() {
        let provider = lucidtls_aws_lc::provider();
        for alg in [
            CbcAlgorithm::Aes128Sha1,
            CbcAlgorithm::Aes128Sha256,
            CbcAlgorithm::Aes256Sha256,
            CbcAlgorithm::Aes256Sha384,
        ] {
            let cipher = provider.cbc(alg).expect("provider has CBC");
            let enc_key = vec![0x11; alg.enc_key_len()];
            let mac_key = vec![0x22; alg.mac_len()];
            let key = cipher.key(&enc_key, &mac_key).unwrap();
            let iv = [0x33; 16];
            let header = [0, 0, 0, 0, 0, 0, 0, 1, 23, 3, 3];
            let plaintext = vec![0x44; 128 - alg.mac_len()];
            let mut sealed = Vec::new();
            key.seal_mac_then_encrypt(&iv, &header, &plaintext, &mut sealed)
                .unwrap();
            let build = |defect| {
                cbc_record(alg, &enc_key, &mac_key, &iv, &header, &plaintext, defect).unwrap()
            };
            // The hand-built record is exactly what the provider seals.
            assert_eq!(build(CbcDefect::None), sealed, "{alg:?}");
            let mut good = build(CbcDefect::None);
            assert_eq!(
                key.open_mac_then_encrypt(&iv, &header, &mut good).unwrap(),
                plaintext.len()
            );
            for defect in [
                CbcDefect::BadMac,
                CbcDefect::PaddingByte,
                CbcDefect::PaddingTooLong,
                CbcDefect::PaddingIntoMac(40),
            ] {
                let mut bad = build(defect);
                assert!(
                    key.open_mac_then_encrypt(&iv, &header, &mut bad).is_err(),
                    "{alg:?} {defect:?} opened"
                );
            }
        }
    }
}
