//! Shared harness for the lucidtls fuzz targets.
//!
//! Reproducibility is the point of everything here. A fuzzed connection must behave the
//! same way every time it sees the same bytes, so behind the provider boundary:
//!
//! - [`FuzzProvider`] delegates to `lucidtls_aws_lc`, but its `fill_random` is a seeded
//!   deterministic generator ([`DetRng`]), reset before every run ([`reset`]); the client
//!   and the server each have their own, so a side replayed alone draws exactly what it
//!   drew when the handshake was recorded with both sides in one process;
//! - its key-exchange groups (X25519 and P-256) take their private keys from that
//!   generator (`agreement::PrivateKey::from_private_key`), and its finite-field DH and
//!   RSA PKCS#1 v1.5 encryption are computed here with `num-bigint` from the same
//!   generator (AWS-LC would draw from its own RNG);
//! - RSA keys sign with PKCS#1 v1.5 only and the other keys are Ed25519, whose
//!   signatures are deterministic; certificates and keys are fixed PEM files under
//!   `fuzz/certs/` and the clock is pinned.
//!
//! So a recorded client byte stream replayed into a fresh server (or a recorded server
//! stream into a fresh client) completes the handshake byte for byte, and the fuzzer starts
//! from seeds that reach application data, not just the first message.
#![forbid(unsafe_code)]

use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey};
use lucidtls::config::{ClientAuth, ClientConfig, ServerConfig};
use lucidtls::crypto::hkdf_expand_label;
use lucidtls::crypto::{
    ActiveKx, Aead, CbcAlgorithm, CbcCipher, CryptoProvider, FfdheProvider, FfdheStart, Hash,
    KxGroup, RsaKeyTransport, Secret, SharedSecret, SigningKey,
};
use lucidtls::enums::ContentType;
use lucidtls::enums::{
    AeadAlgorithm, CipherSuite, HashAlgorithm, NamedGroup, ProtocolVersion, SignatureScheme,
};
use lucidtls::keys::tls12::KeyBlock;
use lucidtls::keys::KeyLog;
use lucidtls::msgs::{split_handshake, HandshakeBody, ServerHello};
use lucidtls::record::{
    HandshakeJoiner, RecordDeframer, RecordEncrypter, Tls12AeadEncrypter, Tls12AeadKind,
    Tls12CbcEncrypter, MAX_PLAINTEXT,
};
use lucidtls::record::{
    OpaqueRecord, RandomSource, RecordDecrypter, Tls12AeadDecrypter, Tls12CbcDecrypter,
};
use lucidtls::session::{InMemorySessionStore, ServerSessionCache, Ticketer};
use lucidtls::suites::{tls12_suite, tls13_suite, Bulk, Policy};
use lucidtls::trace::{Observer, TraceEvent};
use lucidtls::verify::RootStore;
use lucidtls::{CertifiedKey, Connection, Error};
use lucidtls_aws_lc::AWS_LC_PROVIDER;
use num_bigint::BigUint;
use rustls_pki_types::{
    CertificateDer, PrivateKeyDer, ServerName, SignatureVerificationAlgorithm, UnixTime,
};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// Fixed PKI.

/// The fuzz CA (Ed25519), the only trust anchor.
pub const CA_PEM: &[u8] = include_bytes!("../certs/ca.pem");
/// Server leaf for "localhost", Ed25519.
pub const SERVER_ED25519_PEM: &[u8] = include_bytes!("../certs/server-ed25519.pem");
/// Its key.
pub const SERVER_ED25519_KEY: &[u8] = include_bytes!("../certs/server-ed25519.key");
/// Server leaf for "localhost", RSA 2048.
pub const SERVER_RSA_PEM: &[u8] = include_bytes!("../certs/server-rsa.pem");
/// Its key.
pub const SERVER_RSA_KEY: &[u8] = include_bytes!("../certs/server-rsa.key");
/// Client leaf for mutual TLS, Ed25519.
pub const CLIENT_ED25519_PEM: &[u8] = include_bytes!("../certs/client-ed25519.pem");
/// Its key.
pub const CLIENT_ED25519_KEY: &[u8] = include_bytes!("../certs/client-ed25519.key");

/// The pinned clock: 2027-01-01T00:00:00Z (the certificates are valid for a century).
pub fn fixed_time() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_798_761_600))
}

/// Parses a PEM certificate file.
pub fn certs(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    lucidtls::pem::load_certs_pem(pem).expect("fixed certificate PEM")
}

/// Parses a PEM key file.
pub fn key(pem: &[u8]) -> PrivateKeyDer<'static> {
    lucidtls::pem::load_private_key_pem(pem).expect("fixed key PEM")
}

/// The root store holding only the fuzz CA.
pub fn roots() -> Arc<RootStore> {
    let mut roots = RootStore::empty();
    for c in certs(CA_PEM) {
        roots.add_der(&c).expect("fuzz CA");
    }
    Arc::new(roots)
}

/// The server name every fuzz client connects to.
pub fn server_name() -> ServerName<'static> {
    ServerName::try_from("localhost").expect("valid name")
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness.

/// A seeded deterministic generator (SplitMix64). Not cryptographic: it exists so that
/// crashes reproduce.
#[derive(Debug)]
pub struct DetRng {
    state: u64,
}

impl DetRng {
    /// A generator starting at `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fills `buf`.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

const CLIENT_SEED: u64 = 0x6c75_6369_6463_6c69; // "lucidcli"
const SERVER_SEED: u64 = 0x6c75_6369_6473_7276; // "lucidsrv"

static CLIENT_RNG: Mutex<DetRng> = Mutex::new(DetRng::new(CLIENT_SEED));
static SERVER_RNG: Mutex<DetRng> = Mutex::new(DetRng::new(SERVER_SEED));

/// Resets both generators to their seeds. Call before every run.
pub fn reset() {
    *lock(&CLIENT_RNG) = DetRng::new(CLIENT_SEED);
    *lock(&SERVER_RNG) = DetRng::new(SERVER_SEED);
}

fn lock(m: &'static Mutex<DetRng>) -> std::sync::MutexGuard<'static, DetRng> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn draw(rng: &'static Mutex<DetRng>, buf: &mut [u8]) {
    lock(rng).fill(buf);
}

// ---------------------------------------------------------------------------------------
// Key exchange with private keys from the generator.

/// An ECDH group whose private keys come from a [`DetRng`]. The peer-share checks are
/// those of `lucidtls_aws_lc::kx` (exact length, uncompressed points, no all-zero secret).
#[derive(Clone, Copy)]
pub struct DetEcdh {
    name: NamedGroup,
    alg: &'static agreement::Algorithm,
    share_len: usize,
    sec1: bool,
    rng: &'static Mutex<DetRng>,
}

impl core::fmt::Debug for DetEcdh {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DetEcdh({})", self.name)
    }
}

macro_rules! det_ecdh {
    ($id:ident, $name:ident, $alg:ident, $len:expr, $sec1:expr, $rng:ident) => {
        static $id: DetEcdh = DetEcdh {
            name: NamedGroup::$name,
            alg: &agreement::$alg,
            share_len: $len,
            sec1: $sec1,
            rng: &$rng,
        };
    };
}

det_ecdh!(CLIENT_X25519, X25519, X25519, 32, false, CLIENT_RNG);
det_ecdh!(CLIENT_P256, secp256r1, ECDH_P256, 65, true, CLIENT_RNG);
det_ecdh!(SERVER_X25519, X25519, X25519, 32, false, SERVER_RNG);
det_ecdh!(SERVER_P256, secp256r1, ECDH_P256, 65, true, SERVER_RNG);

static CLIENT_GROUPS: [&dyn KxGroup; 2] = [&CLIENT_X25519, &CLIENT_P256];
static SERVER_GROUPS: [&dyn KxGroup; 2] = [&SERVER_X25519, &SERVER_P256];

struct DetEcdhKx {
    group: DetEcdh,
    key: PrivateKey,
    public: Vec<u8>,
}

impl KxGroup for DetEcdh {
    fn name(&self) -> NamedGroup {
        self.name
    }

    fn start(&self) -> Result<Box<dyn ActiveKx>, Error> {
        // A P-256 scalar of 32 random bytes is out of range with probability ~2^-32;
        // draw again then.
        for _ in 0..8 {
            let mut bytes = [0u8; 32];
            draw(self.rng, &mut bytes);
            let Ok(key) = PrivateKey::from_private_key(self.alg, &bytes) else {
                continue;
            };
            let public = key
                .compute_public_key()
                .map_err(|_| Error::Internal("fuzz kx: public key"))?
                .as_ref()
                .to_vec();
            return Ok(Box::new(DetEcdhKx {
                group: *self,
                key,
                public,
            }));
        }
        Err(Error::Internal("fuzz kx: no valid private key drawn"))
    }
}

impl ActiveKx for DetEcdhKx {
    fn group(&self) -> NamedGroup {
        self.group.name
    }

    fn public_share(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, Error> {
        let g = &self.group;
        let invalid = Error::InvalidKeyShare(g.name);
        if peer_share.len() != g.share_len || (g.sec1 && peer_share.first() != Some(&0x04)) {
            return Err(invalid);
        }
        let peer = UnparsedPublicKey::new(g.alg, peer_share);
        agreement::agree(&self.key, peer, invalid.clone(), |secret| {
            if secret.iter().all(|b| *b == 0) {
                Err(invalid.clone())
            } else {
                Ok(Secret::from_slice(secret))
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// Finite-field DH with num-bigint (private exponents from the generator).

/// Largest DH prime the harness computes with. AWS-LC has its own limit; this one only
/// keeps a fuzz run from spending minutes in one exponentiation.
const MAX_DH_BITS: u64 = 8192;

/// Deterministic FFDHE: the RFC 7919 parameters come from AWS-LC, the arithmetic and the
/// range checks (`1 < y < p - 1`, as in `lucidtls_aws_lc`) are done here.
#[derive(Debug)]
pub struct DetFfdhe {
    rng: &'static Mutex<DetRng>,
}

static CLIENT_FFDHE: DetFfdhe = DetFfdhe { rng: &CLIENT_RNG };
static SERVER_FFDHE: DetFfdhe = DetFfdhe { rng: &SERVER_RNG };

fn in_range(y: &BigUint, p: &BigUint) -> bool {
    let one = BigUint::from(1u8);
    *y > one && *y < p - &one
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

impl DetFfdhe {
    fn exponent(&self) -> BigUint {
        let mut x = [0u8; 32];
        draw(self.rng, &mut x);
        x[0] |= 0x80;
        BigUint::from_bytes_be(&x)
    }
}

struct DetFfdheKx {
    group: NamedGroup,
    p: BigUint,
    x: BigUint,
    public: Vec<u8>,
}

impl ActiveKx for DetFfdheKx {
    fn group(&self) -> NamedGroup {
        self.group
    }

    fn public_share(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, Error> {
        let y = BigUint::from_bytes_be(peer_share);
        if !in_range(&y, &self.p) {
            return Err(Error::InvalidKeyShare(self.group));
        }
        let z = y.modpow(&self.x, &self.p).to_bytes_be();
        Ok(Secret::from_slice(strip_zeros(&z)))
    }
}

impl FfdheProvider for DetFfdhe {
    fn start_named(&self, group: NamedGroup) -> Result<FfdheStart, Error> {
        let inner = AWS_LC_PROVIDER
            .ffdhe()
            .ok_or(Error::Internal("AWS-LC provider lacks FFDHE"))?;
        let (p_bytes, g_bytes, _) = inner.start_named(group)?;
        let p = BigUint::from_bytes_be(&p_bytes);
        let g = BigUint::from_bytes_be(&g_bytes);
        let x = self.exponent();
        let y = g.modpow(&x, &p).to_bytes_be();
        let mut public = vec![0u8; p_bytes.len().saturating_sub(y.len())];
        public.extend_from_slice(&y);
        let kx = DetFfdheKx {
            group,
            p,
            x,
            public,
        };
        Ok((p_bytes, g_bytes, Box::new(kx)))
    }

    fn respond_explicit(
        &self,
        p: &[u8],
        g: &[u8],
        server_y: &[u8],
    ) -> Result<(Vec<u8>, SharedSecret), Error> {
        let p = BigUint::from_bytes_be(p);
        let g = BigUint::from_bytes_be(g);
        let ys = BigUint::from_bytes_be(server_y);
        if !p.bit(0) || p < BigUint::from(5u8) {
            return Err(Error::IllegalParameter(
                "DHE prime p is not an odd number above 4",
            ));
        }
        if p.bits() > MAX_DH_BITS {
            return Err(Error::IllegalParameter("fuzz harness: DH prime too large"));
        }
        if !in_range(&g, &p) {
            return Err(Error::IllegalParameter("DHE generator g is out of range"));
        }
        if !in_range(&ys, &p) {
            return Err(Error::IllegalParameter(
                "DHE server public value is out of range",
            ));
        }
        let x = self.exponent();
        let yc = g.modpow(&x, &p).to_bytes_be();
        let z = ys.modpow(&x, &p).to_bytes_be();
        Ok((yc, Secret::from_slice(strip_zeros(&z))))
    }
}

// ---------------------------------------------------------------------------------------
// RSA: PKCS#1 v1.5 signatures only (deterministic), deterministic PKCS#1 encryption.

/// An RSA key restricted to PKCS#1 v1.5 signature schemes (PSS draws a random salt).
#[derive(Debug)]
struct Pkcs1Only {
    inner: Arc<dyn SigningKey>,
    schemes: Vec<SignatureScheme>,
}

impl SigningKey for Pkcs1Only {
    fn schemes(&self) -> &[SignatureScheme] {
        &self.schemes
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.inner.sign(scheme, message)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn rsa_key_transport(&self) -> Option<&dyn RsaKeyTransport> {
        self.inner.rsa_key_transport()
    }
}

fn is_pkcs1(s: SignatureScheme) -> bool {
    matches!(
        s,
        SignatureScheme::RSA_PKCS1_SHA1
            | SignatureScheme::RSA_PKCS1_SHA256
            | SignatureScheme::RSA_PKCS1_SHA384
            | SignatureScheme::RSA_PKCS1_SHA512
    )
}

/// One DER TLV: returns (tag, contents) and advances `input`.
fn der_next<'a>(input: &mut &'a [u8]) -> Option<(u8, &'a [u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len0, mut rest) = rest.split_first()?;
    let len = if len0 < 0x80 {
        usize::from(len0)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (len_bytes, r) = rest.split_at_checked(n)?;
        rest = r;
        len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let (body, r) = rest.split_at_checked(len)?;
    *input = r;
    Some((tag, body))
}

/// (n, e) from an RSA SubjectPublicKeyInfo.
fn rsa_public(spki: &[u8]) -> Option<(BigUint, BigUint)> {
    let mut outer = spki;
    let (0x30, mut seq) = der_next(&mut outer)? else {
        return None;
    };
    let (0x30, _alg) = der_next(&mut seq)? else {
        return None;
    };
    let (0x03, bits) = der_next(&mut seq)? else {
        return None;
    };
    let (&0, mut key) = bits.split_first()? else {
        return None;
    };
    let (0x30, mut fields) = der_next(&mut key)? else {
        return None;
    };
    let (0x02, n) = der_next(&mut fields)? else {
        return None;
    };
    let (0x02, e) = der_next(&mut fields)? else {
        return None;
    };
    Some((BigUint::from_bytes_be(n), BigUint::from_bytes_be(e)))
}

// ---------------------------------------------------------------------------------------
// The provider.

/// Which side a [`FuzzProvider`] serves: each has its own generator and groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The client's provider.
    Client,
    /// The server's provider.
    Server,
}

/// AWS-LC behind a deterministic front: see the crate documentation.
#[derive(Debug)]
pub struct FuzzProvider {
    role: Role,
}

impl FuzzProvider {
    /// The provider for `role`, as a trait object.
    pub fn shared(role: Role) -> Arc<dyn CryptoProvider> {
        Arc::new(Self { role })
    }

    fn rng(&self) -> &'static Mutex<DetRng> {
        match self.role {
            Role::Client => &CLIENT_RNG,
            Role::Server => &SERVER_RNG,
        }
    }
}

impl CryptoProvider for FuzzProvider {
    fn name(&self) -> &'static str {
        "aws-lc-rs (deterministic fuzz front)"
    }

    fn hash(&self, alg: HashAlgorithm) -> &'static dyn Hash {
        AWS_LC_PROVIDER.hash(alg)
    }

    fn aead(&self, alg: AeadAlgorithm) -> &'static dyn Aead {
        AWS_LC_PROVIDER.aead(alg)
    }

    fn kx_groups(&self) -> &[&'static dyn KxGroup] {
        match self.role {
            Role::Client => &CLIENT_GROUPS,
            Role::Server => &SERVER_GROUPS,
        }
    }

    fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
        draw(self.rng(), buf);
        Ok(())
    }

    fn load_signing_key(&self, key: &PrivateKeyDer<'_>) -> Result<Arc<dyn SigningKey>, Error> {
        let inner = AWS_LC_PROVIDER.load_signing_key(key)?;
        let pkcs1: Vec<SignatureScheme> = inner
            .schemes()
            .iter()
            .copied()
            .filter(|s| is_pkcs1(*s))
            .collect();
        if pkcs1.is_empty() {
            Ok(inner)
        } else {
            Ok(Arc::new(Pkcs1Only {
                inner,
                schemes: pkcs1,
            }))
        }
    }

    fn verification_algorithm(
        &self,
        scheme: SignatureScheme,
    ) -> Option<&'static dyn SignatureVerificationAlgorithm> {
        AWS_LC_PROVIDER.verification_algorithm(scheme)
    }

    fn all_verification_algorithms(
        &self,
    ) -> &'static [&'static dyn SignatureVerificationAlgorithm] {
        AWS_LC_PROVIDER.all_verification_algorithms()
    }

    fn tls12_verification_algorithms(
        &self,
        scheme: SignatureScheme,
    ) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
        AWS_LC_PROVIDER.tls12_verification_algorithms(scheme)
    }

    fn cbc(&self, alg: CbcAlgorithm) -> Option<&'static dyn CbcCipher> {
        AWS_LC_PROVIDER.cbc(alg)
    }

    fn ffdhe(&self) -> Option<&'static dyn FfdheProvider> {
        Some(match self.role {
            Role::Client => &CLIENT_FFDHE,
            Role::Server => &SERVER_FFDHE,
        })
    }

    fn rsa_encrypt_pkcs1(&self, spki: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let (n, e) = rsa_public(spki)
            .ok_or_else(|| Error::BadKeyMaterial("fuzz harness: not an RSA SPKI".into()))?;
        let k = n.to_bytes_be().len();
        if k < 64 || plaintext.len() + 11 > k {
            return Err(Error::Internal("RSA PKCS#1 plaintext too long for the key"));
        }
        // EM = 0x00 || 0x02 || PS (non-zero) || 0x00 || M   (RFC 8017 §7.2.1)
        let mut em = vec![0u8, 2];
        let mut ps = vec![0u8; k - 3 - plaintext.len()];
        self.fill_random(&mut ps)?;
        em.extend(ps.iter().map(|b| if *b == 0 { 0x5a } else { *b }));
        em.push(0);
        em.extend_from_slice(plaintext);
        let c = BigUint::from_bytes_be(&em).modpow(&e, &n).to_bytes_be();
        let mut out = vec![0u8; k - c.len()];
        out.extend_from_slice(&c);
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------
// Trace sink: renders every event, so the trace code runs on fuzzed values too.

/// An observer that formats every event and drops the text.
#[derive(Debug)]
pub struct TraceSink;

impl Observer for TraceSink {
    fn on_event(&self, event: &TraceEvent) {
        std::hint::black_box(format!("{event:?}"));
    }
}

// ---------------------------------------------------------------------------------------
// Scenarios: the handshakes recorded as seeds, and the configurations the targets use.

/// A handshake shape: one client and one server configuration that negotiate it.
pub struct Scenario {
    /// Short name (used for seed file names).
    pub name: &'static str,
    /// The client's configuration.
    pub client: Arc<ClientConfig>,
    /// The server's configuration.
    pub server: Arc<ServerConfig>,
}

fn client_base(policy: Policy) -> ClientConfig {
    let mut c = ClientConfig::with_roots(FuzzProvider::shared(Role::Client), roots());
    c.common.set_policy(policy);
    c.common.groups = vec![NamedGroup::X25519, NamedGroup::secp256r1];
    c.common.time = fixed_time;
    c.common.observer = Some(Arc::new(TraceSink));
    // Renegotiation does not change the initial handshake's bytes, so the recorded
    // streams stay valid and can go on into a renegotiation.
    c.common.allow_renegotiation = true;
    c
}

fn server_base(policy: Policy, rsa: bool) -> ServerConfig {
    let provider = FuzzProvider::shared(Role::Server);
    let (chain, k) = if rsa {
        (certs(SERVER_RSA_PEM), key(SERVER_RSA_KEY))
    } else {
        (certs(SERVER_ED25519_PEM), key(SERVER_ED25519_KEY))
    };
    let ck = CertifiedKey::new(&*provider, chain, &k).expect("fixed server key");
    let mut s = ServerConfig::new(provider, ck);
    s.common.set_policy(policy);
    s.common.groups = vec![NamedGroup::X25519, NamedGroup::secp256r1];
    s.common.time = fixed_time;
    s.common.observer = Some(Arc::new(TraceSink));
    s.common.allow_renegotiation = true;
    s
}

fn client_identity(c: &mut ClientConfig) {
    let provider = c.common.provider.clone();
    let ck = CertifiedKey::new(
        &*provider,
        certs(CLIENT_ED25519_PEM),
        &key(CLIENT_ED25519_KEY),
    )
    .expect("fixed client key");
    c.client_identities = vec![ck];
}

fn tls12_only(c: &mut lucidtls::config::CommonConfig) {
    c.versions = vec![ProtocolVersion::Tls12];
}

fn build_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    let mut add = |name, c: ClientConfig, s: ServerConfig| {
        out.push(Scenario {
            name,
            client: Arc::new(c),
            server: Arc::new(s),
        })
    };

    // 0: TLS 1.3, X25519, Ed25519 server. The server accepts TLS 1.2 and every policy
    // suite too, so a fuzzed client can reach all of it.
    add(
        "tls13",
        client_base(Policy::Modern),
        server_base(Policy::Legacy, false),
    );

    // 1: TLS 1.3 with HelloRetryRequest: the client guesses X25519, the server wants P-256.
    let mut s = server_base(Policy::Modern, false);
    s.common.groups = vec![NamedGroup::secp256r1];
    add("tls13-hrr", client_base(Policy::Modern), s);

    // 2: TLS 1.3 mutual TLS (required).
    let mut c = client_base(Policy::Modern);
    client_identity(&mut c);
    let mut s = server_base(Policy::Modern, false);
    s.client_auth = ClientAuth::Required(roots());
    add("tls13-mtls", c, s);

    // 3: TLS 1.3 ChaCha20-Poly1305 with ALPN, client auth optional and declined.
    let mut c = client_base(Policy::Modern);
    c.common.cipher_suites = vec![CipherSuite::TLS13_CHACHA20_POLY1305_SHA256];
    c.common.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    c.common.groups = vec![NamedGroup::secp256r1, NamedGroup::X25519];
    let mut s = server_base(Policy::Modern, false);
    s.common.alpn_protocols = vec![b"http/1.1".to_vec()];
    s.client_auth = ClientAuth::Optional(roots());
    add("tls13-chacha-alpn", c, s);

    // 4: TLS 1.2 ECDHE_ECDSA (Ed25519) AES-GCM, EMS.
    let mut c = client_base(Policy::Modern);
    tls12_only(&mut c.common);
    add("tls12-ecdhe-ed25519", c, server_base(Policy::Legacy, false));

    // 5: TLS 1.2 ECDHE_RSA AES-GCM.
    let mut c = client_base(Policy::Modern);
    tls12_only(&mut c.common);
    add("tls12-ecdhe-rsa", c, server_base(Policy::Legacy, true));

    // 6: TLS 1.2 DHE_RSA (ffdhe2048) AES-GCM.
    let mut c = client_base(Policy::Compatible);
    tls12_only(&mut c.common);
    c.common.cipher_suites = vec![CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256];
    add("tls12-dhe-rsa", c, server_base(Policy::Legacy, true));

    // 7: TLS 1.2 RSA key transport, AES-CBC-SHA with Encrypt-then-MAC.
    let mut c = client_base(Policy::Compatible);
    tls12_only(&mut c.common);
    c.common.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA];
    add("tls12-rsa-cbc-etm", c, server_base(Policy::Legacy, true));

    // 8: TLS 1.2 ECDHE_RSA AES-CBC-SHA256, MAC-then-encrypt (no EtM).
    let mut c = client_base(Policy::Compatible);
    tls12_only(&mut c.common);
    c.common.cipher_suites = vec![CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384];
    c.common.encrypt_then_mac = false;
    let mut s = server_base(Policy::Legacy, true);
    s.common.encrypt_then_mac = false;
    add("tls12-ecdhe-cbc-mte", c, s);

    // 9: TLS 1.2 mutual TLS (required), ECDHE_ECDSA ChaCha20.
    let mut c = client_base(Policy::Modern);
    tls12_only(&mut c.common);
    c.common.cipher_suites = vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256];
    client_identity(&mut c);
    let mut s = server_base(Policy::Legacy, false);
    s.client_auth = ClientAuth::Required(roots());
    add("tls12-mtls", c, s);

    // 10: TLS 1.2 without tickets (the server has no ticketer), so that a primed
    // connection resumes by session id from the server's cache.
    let mut c = client_base(Policy::Modern);
    tls12_only(&mut c.common);
    let mut s = server_base(Policy::Legacy, false);
    s.ticketer = None;
    add("tls12-session-id", c, s);

    out
}

impl Scenario {
    /// The client configuration with a fresh (empty) session store, so that one run
    /// does not resume a session a previous run left behind.
    pub fn fresh_client(&self) -> Arc<ClientConfig> {
        let mut c = (*self.client).clone();
        if c.session_store.is_some() {
            c.session_store = Some(Arc::new(InMemorySessionStore::default()));
        }
        Arc::new(c)
    }

    /// The server configuration with a fresh session cache and ticketer (its keys are
    /// drawn from the deterministic generator on first use).
    pub fn fresh_server(&self) -> Arc<ServerConfig> {
        let mut s = (*self.server).clone();
        if let Some(cache) = &s.session_cache {
            s.session_cache = Some(Arc::new(ServerSessionCache::new(
                cache.capacity(),
                cache.lifetime(),
            )));
        }
        if s.ticketer.is_some() {
            s.ticketer = Some(Arc::new(Ticketer::new(s.common.provider.clone())));
        }
        Arc::new(s)
    }

    /// Fresh configurations that have completed one full handshake together (tickets and
    /// session ids delivered and stored), so that the next connection made with them
    /// resumes. Deterministic after [`reset`].
    pub fn primed(&self) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
        let (c, s) = (self.fresh_client(), self.fresh_server());
        let mut client = Connection::client(c.clone(), server_name()).expect("client config");
        let mut server = Connection::server(s.clone()).expect("server config");
        let mut sink = Vec::new();
        for _ in 0..10 {
            pass(&mut client, &mut server, &mut sink, false).expect("priming handshake");
            pass(&mut server, &mut client, &mut sink, false).expect("priming handshake");
            if !client.wants_write() && !server.wants_write() && !client.is_handshaking() {
                break;
            }
        }
        assert!(
            !client.is_handshaking() && !server.is_handshaking(),
            "{}: priming",
            self.name
        );
        (c, s)
    }

    /// The configurations a run starts from: fresh, or primed when `resume`.
    pub fn configs(&self, resume: bool) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
        if resume {
            self.primed()
        } else {
            (self.fresh_client(), self.fresh_server())
        }
    }
}

/// Every scenario, built once per process.
pub fn scenarios() -> &'static [Scenario] {
    static ALL: OnceLock<Vec<Scenario>> = OnceLock::new();
    ALL.get_or_init(build_scenarios)
}

/// The scenario a fuzz input's first byte selects (its low seven bits; the high bit
/// asks the client and server targets for a resumed connection).
pub fn scenario(selector: u8) -> &'static Scenario {
    let all = scenarios();
    &all[usize::from(selector & 0x7f) % all.len()]
}

/// Whether a selector byte asks for a resumed connection.
pub fn resumes(selector: u8) -> bool {
    selector & 0x80 != 0
}

// ---------------------------------------------------------------------------------------
// Driving a connection with peer bytes.

/// Feeds `input` to `conn` as the peer's byte stream, processing as it goes and
/// discarding what `conn` sends. Stops at the first error (which stays on `conn`).
///
/// Panics if the connection stalls: a buffer that takes no bytes while processing
/// succeeds would hang a real peer.
pub fn feed(conn: &mut Connection, mut input: &[u8]) -> Result<(), Error> {
    let mut plain = [0u8; 4096];
    drop(conn.take_tls());
    while !input.is_empty() {
        let n = conn.read_tls(input);
        input = &input[n..];
        let result = conn.process_new_packets();
        drop(conn.take_tls());
        while conn.read_plaintext(&mut plain) > 0 {}
        result?;
        assert!(
            n > 0,
            "connection stalled: read_tls took no bytes and processing succeeded"
        );
    }
    Ok(())
}

/// After the peer's bytes: exercises the sending side of an established connection.
pub fn finish(conn: &mut Connection) {
    if conn.error().is_none() && !conn.is_handshaking() {
        let _ = conn.write_plaintext(b"fuzz says hello");
        if conn.negotiated().version == Some(ProtocolVersion::Tls13) {
            let _ = conn.update_keys(true);
        }
        conn.send_close_notify();
    }
    drop(conn.take_tls());
}

// ---------------------------------------------------------------------------------------
// Established connections: a replayed handshake, then records the fuzzer writes in
// plaintext and the harness protects with the peer's real traffic keys.

/// One key log line: label, client random, secret.
type KeyLogLine = (String, [u8; 32], Vec<u8>);

/// Collects what the key log is given.
#[derive(Debug, Default)]
struct Capture(Mutex<Vec<KeyLogLine>>);

impl KeyLog for Capture {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push((
            label.to_string(),
            *client_random,
            secret.to_vec(),
        ));
    }
}

/// How the peer's records are protected once the handshake is over.
#[derive(Clone, Debug)]
enum PeerKeys {
    Tls13 {
        hash: HashAlgorithm,
        aead: AeadAlgorithm,
        secret: Vec<u8>,
    },
    Tls12 {
        bulk: Bulk,
        etm: bool,
        enc_key: Vec<u8>,
        mac_key: Vec<u8>,
        iv: Vec<u8>,
    },
}

/// A recorded handshake that leaves the connection under test established, and the
/// keys its peer writes with afterwards.
#[derive(Debug)]
pub struct Established {
    /// The peer's bytes up to the end of the handshake.
    pub prefix: Vec<u8>,
    /// The negotiated version.
    pub version: ProtocolVersion,
    keys: PeerKeys,
    peer: Role,
}

/// Plaintext handshake messages at the front of `stream` (until the first record that is
/// not a handshake record).
pub fn plaintext_messages(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut deframer = RecordDeframer::new();
    let mut joiner = HandshakeJoiner::new();
    let mut out = Vec::new();
    let mut rest = stream;
    'outer: while !rest.is_empty() {
        let n = deframer.push(rest);
        rest = &rest[n..];
        while let Ok(Some(rec)) = deframer.pop() {
            if rec.typ != ContentType::Handshake || joiner.push(&rec.payload).is_err() {
                break 'outer;
            }
            while let Ok(Some((_, msg))) = joiner.pop() {
                out.push(msg);
            }
        }
        if n == 0 {
            break;
        }
    }
    out
}

fn pass(
    from: &mut Connection,
    to: &mut Connection,
    log: &mut Vec<u8>,
    record: bool,
) -> Result<(), Error> {
    let bytes = from.take_tls();
    if record {
        log.extend_from_slice(&bytes);
    }
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let n = to.read_tls(rest);
        rest = &rest[n..];
        to.process_new_packets()?;
    }
    Ok(())
}

fn build_established(index: usize, under_test: Role) -> Established {
    let sc = &scenarios()[index];
    let capture = Arc::new(Capture::default());
    reset();
    let (c, s) = sc.configs(false);
    let mut client_config = (*c).clone();
    client_config.common.key_log = Some(capture.clone());
    let mut client =
        Connection::client(Arc::new(client_config), server_name()).expect("client config");
    let mut server = Connection::server(s).expect("server config");
    let (mut cs, mut ss) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let record = server.is_handshaking();
        pass(&mut client, &mut server, &mut cs, record).expect("recorded handshake (server)");
        let record = client.is_handshaking();
        pass(&mut server, &mut client, &mut ss, record).expect("recorded handshake (client)");
        if !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    let n = client.negotiated();
    let version = n.version.expect("version");
    let suite = n.cipher_suite.expect("suite");
    let secrets = capture.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let find = |label: &str| {
        secrets
            .iter()
            .find(|(l, _, _)| l == label)
            .cloned()
            .unwrap_or_else(|| panic!("{}: no {label} in the key log", sc.name))
    };
    let peer = match under_test {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    };
    let keys = if version == ProtocolVersion::Tls13 {
        let s = tls13_suite(suite).expect("TLS 1.3 suite");
        let label = match peer {
            Role::Client => "CLIENT_TRAFFIC_SECRET_0",
            Role::Server => "SERVER_TRAFFIC_SECRET_0",
        };
        PeerKeys::Tls13 {
            hash: s.hash,
            aead: s.aead,
            secret: find(label).2,
        }
    } else {
        let (_, client_random, master) = find("CLIENT_RANDOM");
        let hello = plaintext_messages(&ss)
            .into_iter()
            .find(|m| m.first() == Some(&2))
            .expect("ServerHello");
        let (_, body) = split_handshake(&hello).expect("ServerHello header");
        let server_random = ServerHello::decode(body).expect("ServerHello").random;
        tls12_keys(
            suite,
            sc.client.common.encrypt_then_mac && sc.server.common.encrypt_then_mac,
            &master,
            &client_random,
            &server_random,
            peer,
        )
        .expect("TLS 1.2 suite")
    };
    Established {
        prefix: match under_test {
            Role::Server => cs,
            Role::Client => ss,
        },
        version,
        keys,
        peer,
    }
}

/// The established connection for scenario `selector` with `under_test` as the side
/// being fuzzed, built once per process.
pub fn established(selector: u8, under_test: Role) -> &'static Established {
    static ALL: OnceLock<Vec<Established>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let mut v = Vec::new();
        for i in 0..scenarios().len() {
            v.push(build_established(i, Role::Server));
            v.push(build_established(i, Role::Client));
        }
        v
    });
    let i = usize::from(selector & 0x7f) % scenarios().len();
    &all[2 * i + usize::from(under_test == Role::Client)]
}

/// Protects records as the peer would.
pub enum Sealer {
    /// TLS 1.3: the fuzzer writes the whole inner plaintext (content, type byte, padding).
    Tls13 {
        /// Hash of the suite (for KeyUpdate).
        hash: HashAlgorithm,
        /// AEAD of the suite.
        aead: AeadAlgorithm,
        /// The current traffic secret.
        secret: Vec<u8>,
        /// Its key.
        key: Box<dyn lucidtls::crypto::AeadKey>,
        /// Its IV.
        iv: [u8; 12],
        /// The next sequence number.
        seq: u64,
    },
    /// TLS 1.2: the library's own encrypter, already past the peer's Finished.
    Tls12(Box<dyn RecordEncrypter>),
}

fn tls13_key(
    hash: HashAlgorithm,
    aead: AeadAlgorithm,
    secret: &[u8],
) -> (Box<dyn lucidtls::crypto::AeadKey>, [u8; 12]) {
    let h = AWS_LC_PROVIDER.hash(hash);
    let k = hkdf_expand_label(h, secret, b"key", b"", aead.key_len());
    let iv = hkdf_expand_label(h, secret, b"iv", b"", 12);
    let key = AWS_LC_PROVIDER
        .aead(aead)
        .key(k.expose())
        .expect("AEAD key");
    let mut iv_bytes = [0u8; 12];
    iv_bytes.copy_from_slice(iv.expose());
    (key, iv_bytes)
}

impl Established {
    /// A fresh sealer for the peer's direction.
    pub fn sealer(&self) -> Sealer {
        match &self.keys {
            PeerKeys::Tls13 { hash, aead, secret } => {
                let (key, iv) = tls13_key(*hash, *aead, secret);
                Sealer::Tls13 {
                    hash: *hash,
                    aead: *aead,
                    secret: secret.clone(),
                    key,
                    iv,
                    seq: 0,
                }
            }
            keys @ PeerKeys::Tls12 { .. } => {
                let provider = FuzzProvider::shared(self.peer);
                let mut enc = tls12_encrypter(
                    keys,
                    Box::new(move |buf: &mut [u8]| provider.fill_random(buf)),
                );
                // The peer's Finished used sequence number 0.
                let mut sink = Vec::new();
                enc.encrypt(ContentType::Handshake, &[0; 16], &mut sink)
                    .expect("skip Finished");
                Sealer::Tls12(enc)
            }
        }
    }
}

impl Sealer {
    /// Appends one protected record. For TLS 1.3 `body` is the inner plaintext and `typ`
    /// is ignored; for TLS 1.2 `body` is the content of type `typ`. A KeyUpdate at the
    /// front of a TLS 1.3 record moves the sealer to the next secret, as the peer would.
    pub fn seal(&mut self, typ: u8, body: &[u8], out: &mut Vec<u8>) {
        match self {
            Self::Tls13 {
                hash,
                aead,
                secret,
                key,
                iv,
                seq,
            } => {
                let tag = aead.tag_len();
                let body = &body[..body.len().min(usize::from(u16::MAX) - tag)];
                let len = u16::try_from(body.len() + tag).expect("bounded");
                let [l0, l1] = len.to_be_bytes();
                let header = [23, 3, 3, l0, l1];
                let mut nonce = *iv;
                for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
                    *n ^= s;
                }
                let mut buf = body.to_vec();
                key.seal(&nonce, &header, &mut buf).expect("seal");
                out.extend_from_slice(&header);
                out.extend_from_slice(&buf);
                *seq += 1;
                if body.starts_with(&[24, 0, 0, 1]) {
                    let h = AWS_LC_PROVIDER.hash(*hash);
                    let len = h.hash(b"").as_ref().len();
                    *secret = hkdf_expand_label(h, secret, b"traffic upd", b"", len)
                        .expose()
                        .to_vec();
                    (*key, *iv) = tls13_key(*hash, *aead, secret);
                    *seq = 0;
                }
            }
            Self::Tls12(enc) => {
                let body = &body[..body.len().min(MAX_PLAINTEXT)];
                let _ = enc.encrypt(ContentType::from_wire(typ), body, out);
            }
        }
    }
}

/// Turns the fuzzer's record list into wire bytes: each record is `typ`, a 2-byte length
/// and that many bytes (fewer at the end). A `typ` with the high bit set is sent as a
/// plaintext record of type `typ & 0x7f`; any other is protected by `sealer`.
pub fn seal_records(sealer: &mut Sealer, mut input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let [typ, l0, l1, rest @ ..] = input {
        let len = usize::from(u16::from_be_bytes([*l0, *l1])).min(rest.len());
        let (body, tail) = rest.split_at(len);
        if typ & 0x80 != 0 {
            out.push(typ & 0x7f);
            out.extend_from_slice(&[3, 3]);
            out.extend_from_slice(&u16::try_from(len).expect("bounded").to_be_bytes());
            out.extend_from_slice(body);
        } else {
            sealer.seal(*typ, body, &mut out);
        }
        input = tail;
    }
    out
}

/// The TLS 1.2 record keys `writer` uses after a handshake with these values, or `None`
/// for a suite that is not a TLS 1.2 one.
fn tls12_keys(
    suite: CipherSuite,
    etm: bool,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    writer: Role,
) -> Option<PeerKeys> {
    let s = tls12_suite(suite)?;
    let (mac_len, enc_len, iv_len) = match s.bulk {
        Bulk::Aead(alg) => (
            0,
            alg.key_len(),
            Tls12AeadKind::for_algorithm(alg).fixed_iv_len(),
        ),
        Bulk::Cbc(alg) => (alg.mac_len(), alg.enc_key_len(), 0),
    };
    let block = KeyBlock::derive(
        AWS_LC_PROVIDER.hash(s.prf),
        &Secret::new(master.to_vec()),
        server_random,
        client_random,
        mac_len,
        enc_len,
        iv_len,
    );
    let (enc_key, mac_key, iv) = match writer {
        Role::Client => (block.client_key, block.client_mac_key, block.client_iv),
        Role::Server => (block.server_key, block.server_mac_key, block.server_iv),
    };
    Some(PeerKeys::Tls12 {
        bulk: s.bulk,
        // EtM only changes CBC records.
        etm: etm && matches!(s.bulk, Bulk::Cbc(_)),
        enc_key: enc_key.expose().to_vec(),
        mac_key: mac_key.expose().to_vec(),
        iv: iv.expose().to_vec(),
    })
}

/// The library's own TLS 1.2 encrypter for `keys` (CBC IVs from `random`).
fn tls12_encrypter(keys: &PeerKeys, random: RandomSource) -> Box<dyn RecordEncrypter> {
    let PeerKeys::Tls12 {
        bulk,
        etm,
        enc_key,
        mac_key,
        iv,
    } = keys
    else {
        panic!("TLS 1.2 keys expected");
    };
    match bulk {
        Bulk::Aead(alg) => Box::new(
            Tls12AeadEncrypter::new(
                AWS_LC_PROVIDER.aead(*alg).key(enc_key).expect("AEAD key"),
                iv,
                Tls12AeadKind::for_algorithm(*alg),
            )
            .expect("TLS 1.2 AEAD"),
        ),
        Bulk::Cbc(alg) => {
            let cbc = AWS_LC_PROVIDER.cbc(*alg).expect("CBC");
            Box::new(Tls12CbcEncrypter::with_random_source(
                cbc.key(enc_key, mac_key).expect("CBC key"),
                *alg,
                *etm,
                random,
            ))
        }
    }
}

/// The library's own TLS 1.2 decrypter for `keys`.
fn tls12_decrypter(keys: &PeerKeys) -> Box<dyn RecordDecrypter> {
    let PeerKeys::Tls12 {
        bulk,
        etm,
        enc_key,
        mac_key,
        iv,
    } = keys
    else {
        panic!("TLS 1.2 keys expected");
    };
    match bulk {
        Bulk::Aead(alg) => Box::new(
            Tls12AeadDecrypter::new(
                AWS_LC_PROVIDER.aead(*alg).key(enc_key).expect("AEAD key"),
                iv,
                Tls12AeadKind::for_algorithm(*alg),
            )
            .expect("TLS 1.2 AEAD"),
        ),
        Bulk::Cbc(alg) => {
            let cbc = AWS_LC_PROVIDER.cbc(*alg).expect("CBC");
            Box::new(Tls12CbcDecrypter::new(
                cbc.key(enc_key, mac_key).expect("CBC key"),
                *alg,
                *etm,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Renegotiation: two real TLS 1.2 endpoints with a harness in the middle that follows
// every key change (it reads the key log and the hellos), so that the fuzzer can drive
// both sides through renegotiations and inject records, protected under the keys in
// force, into the stream the side under test reads.

/// The scenarios that negotiate TLS 1.2 (the renegotiation target picks among them).
pub fn tls12_scenarios() -> &'static [usize] {
    static ALL: OnceLock<Vec<usize>> = OnceLock::new();
    ALL.get_or_init(|| {
        scenarios()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.client.common.versions == [ProtocolVersion::Tls12])
            .map(|(i, _)| i)
            .collect()
    })
}

/// What the middle has seen of the handshake in progress, from the hellos in either
/// direction (the initial handshake in plaintext, renegotiations decrypted).
#[derive(Debug, Default)]
struct HelloTracker {
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: Option<CipherSuite>,
    etm: bool,
}

impl HelloTracker {
    fn observe(&mut self, msg: &[u8]) {
        let Ok((typ, body)) = split_handshake(msg) else {
            return;
        };
        match typ {
            lucidtls::enums::HandshakeType::ClientHello => {
                if let Ok(ch) = lucidtls::msgs::ClientHello::decode(body) {
                    self.client_random = ch.random;
                }
            }
            lucidtls::enums::HandshakeType::ServerHello => {
                if let Ok(sh) = ServerHello::decode(body) {
                    self.server_random = sh.random;
                    self.suite = Some(sh.cipher_suite);
                    self.etm = sh
                        .extensions
                        .has(lucidtls::enums::ExtensionType::EncryptThenMac);
                }
            }
            _ => {}
        }
    }

    /// The keys `writer` switches to at its ChangeCipherSpec: the master secret is the
    /// last one logged for the current client random.
    fn keys(&self, capture: &Capture, writer: Role) -> Option<PeerKeys> {
        let log = capture.0.lock().unwrap_or_else(|e| e.into_inner());
        let (_, _, master) = log
            .iter()
            .rev()
            .find(|(l, r, _)| l == "CLIENT_RANDOM" && *r == self.client_random)?;
        tls12_keys(
            self.suite?,
            self.etm,
            master,
            &self.client_random,
            &self.server_random,
            writer,
        )
    }
}

/// One direction through the middle: records are deframed and opened with the writer's
/// keys; in the direction towards the side under test they are protected again by the
/// harness (which may add records of its own), in the other they pass unchanged.
struct Tap {
    writer: Role,
    reseal: bool,
    deframer: RecordDeframer,
    joiner: HandshakeJoiner,
    /// Keys in force; `None` before the first ChangeCipherSpec (plaintext).
    keys: Option<(Box<dyn RecordDecrypter>, Box<dyn RecordEncrypter>)>,
    /// The middle lost track (a record it could not open): bytes pass as they are.
    lost: bool,
    /// CBC IVs of resealed records.
    rng: Arc<Mutex<DetRng>>,
}

fn raw_record(typ: ContentType, version: u16, payload: &[u8], out: &mut Vec<u8>) {
    out.push(typ.to_wire());
    out.extend_from_slice(&version.to_be_bytes());
    let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload[..usize::from(len)]);
}

impl Tap {
    fn new(writer: Role, reseal: bool, seed: u64) -> Self {
        Self {
            writer,
            reseal,
            deframer: RecordDeframer::new(),
            joiner: HandshakeJoiner::new(),
            keys: None,
            lost: false,
            rng: Arc::new(Mutex::new(DetRng::new(seed))),
        }
    }

    /// Passes the writer's `bytes`; returns what the reader gets.
    fn pass(&mut self, bytes: &[u8], tracker: &mut HelloTracker, capture: &Capture) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.reseal || self.lost {
            out.extend_from_slice(bytes);
        }
        if self.lost {
            return out;
        }
        let mut rest = bytes;
        loop {
            let n = self.deframer.push(rest);
            rest = &rest[n..];
            loop {
                match self.deframer.pop() {
                    Ok(Some(rec)) => self.record(rec, tracker, capture, &mut out),
                    Ok(None) => break,
                    Err(_) => {
                        self.lost = true;
                        return out;
                    }
                }
                if self.lost {
                    // Whatever the writer sent after the record the middle could not
                    // open goes through as it is.
                    if self.reseal {
                        out.extend_from_slice(rest);
                    }
                    return out;
                }
            }
            if rest.is_empty() || n == 0 {
                return out;
            }
        }
    }

    fn record(
        &mut self,
        rec: OpaqueRecord,
        tracker: &mut HelloTracker,
        capture: &Capture,
        out: &mut Vec<u8>,
    ) {
        let (typ, payload) = match &mut self.keys {
            None => (rec.typ, rec.payload.clone()),
            Some((open, _)) => match open.decrypt(rec.clone()) {
                Ok(plain) => (plain.typ, plain.payload),
                Err(_) => {
                    self.lost = true;
                    if self.reseal {
                        raw_record(rec.typ, rec.version, &rec.payload, out);
                    }
                    return;
                }
            },
        };
        if self.reseal {
            match &mut self.keys {
                None => raw_record(rec.typ, rec.version, &rec.payload, out),
                Some((_, seal)) => {
                    let _ = seal.encrypt(typ, &payload, out);
                }
            }
        }
        match typ {
            ContentType::Handshake => {
                if self.joiner.push(&payload).is_err() {
                    return;
                }
                while let Ok(Some((_, msg))) = self.joiner.pop() {
                    tracker.observe(&msg);
                }
            }
            ContentType::ChangeCipherSpec => match tracker.keys(capture, self.writer) {
                Some(keys) => {
                    let rng = self.rng.clone();
                    let random: RandomSource = Box::new(move |buf: &mut [u8]| {
                        rng.lock().unwrap_or_else(|e| e.into_inner()).fill(buf);
                        Ok(())
                    });
                    self.keys = Some((tls12_decrypter(&keys), tls12_encrypter(&keys, random)));
                }
                None => self.lost = true,
            },
            _ => {}
        }
    }

    /// A record of the harness's own, protected under the keys in force (or, with the
    /// high bit of `typ` set, a plaintext record of type `typ & 0x7f`).
    fn inject(&mut self, typ: u8, body: &[u8], out: &mut Vec<u8>) {
        let body = &body[..body.len().min(MAX_PLAINTEXT)];
        match &mut self.keys {
            Some((_, seal)) if typ & 0x80 == 0 && !self.lost => {
                let _ = seal.encrypt(ContentType::from_wire(typ), body, out);
            }
            _ => raw_record(ContentType::from_wire(typ & 0x7f), 0x0303, body, out),
        }
    }
}

/// Feeds `bytes` to `conn` (keeping what it sends for later). Panics on a stall, as
/// [`feed`] does.
fn push_bytes(conn: &mut Connection, mut bytes: &[u8]) -> Result<(), Error> {
    let mut plain = [0u8; 4096];
    while !bytes.is_empty() {
        let n = conn.read_tls(bytes);
        bytes = &bytes[n..];
        let result = conn.process_new_packets();
        while conn.read_plaintext(&mut plain) > 0 {}
        result?;
        assert!(
            n > 0,
            "connection stalled: read_tls took no bytes and processing succeeded"
        );
    }
    Ok(())
}

/// What a renegotiation run ended with.
#[derive(Debug)]
pub struct RenegOutcome {
    /// Renegotiations the side under test completed.
    pub test_renegotiations: u32,
    /// Renegotiations its peer completed.
    pub peer_renegotiations: u32,
    /// The error the side under test stopped with.
    pub test_error: Option<Error>,
    /// Whether the side under test saw the peer's close_notify.
    pub test_saw_close: bool,
}

/// Two real endpoints of a TLS 1.2 scenario, with renegotiation enabled, and the middle.
struct RenegPair {
    test: Connection,
    peer: Connection,
    to_test: Tap,
    from_test: Tap,
    tracker: HelloTracker,
    capture: Arc<Capture>,
    /// Bytes for the side under test not delivered yet.
    pending: Vec<u8>,
    peer_failed: bool,
}

impl RenegPair {
    /// Moves the peer's output through the middle into `pending`.
    fn collect(&mut self) {
        let bytes = self.peer.take_tls();
        let out = self.to_test.pass(&bytes, &mut self.tracker, &self.capture);
        self.pending.extend_from_slice(&out);
    }

    /// Delivers up to `limit` pending bytes to the side under test.
    fn deliver_to_test(&mut self, limit: usize) -> Result<(), Error> {
        self.collect();
        let n = limit.min(self.pending.len());
        let bytes: Vec<u8> = self.pending.drain(..n).collect();
        push_bytes(&mut self.test, &bytes)
    }

    /// Delivers what the side under test sent to the peer.
    fn deliver_to_peer(&mut self) {
        let bytes = self.test.take_tls();
        let out = self
            .from_test
            .pass(&bytes, &mut self.tracker, &self.capture);
        if !self.peer_failed && push_bytes(&mut self.peer, &out).is_err() {
            self.peer_failed = true;
        }
    }

    fn pump(&mut self) -> Result<(), Error> {
        for _ in 0..12 {
            self.deliver_to_test(usize::MAX)?;
            self.deliver_to_peer();
            if !self.peer.wants_write() && !self.test.wants_write() && self.pending.is_empty() {
                break;
            }
        }
        Ok(())
    }
}

/// Operations of a renegotiation input (the op byte modulo their number).
pub mod op {
    /// The peer starts a renegotiation (`Connection::renegotiate`).
    pub const PEER_RENEGOTIATES: u8 = 0;
    /// The side under test starts one.
    pub const TEST_RENEGOTIATES: u8 = 1;
    /// Everything the peer sent reaches the side under test.
    pub const TO_TEST: u8 = 2;
    /// Everything the side under test sent reaches the peer.
    pub const TO_PEER: u8 = 3;
    /// Both ways until both are quiet.
    pub const PUMP: u8 = 4;
    /// Then `typ`, a one-byte length and the body: a record the middle protects under
    /// the peer's keys in force and queues for the side under test.
    pub const INJECT: u8 = 5;
    /// Then a length byte: the peer writes that much application data.
    pub const PEER_WRITES: u8 = 6;
    /// Then a length byte: the side under test writes that much.
    pub const TEST_WRITES: u8 = 7;
    /// What the peer sent is dropped (the middle still follows its keys).
    pub const DROP: u8 = 8;
    /// Then a length byte: only that many pending bytes reach the side under test.
    pub const PARTIAL: u8 = 9;
    /// The peer sends close_notify.
    pub const PEER_CLOSES: u8 = 10;
    /// The side under test sends close_notify.
    pub const TEST_CLOSES: u8 = 11;
    /// How many operations there are.
    pub const COUNT: u8 = 12;
}

/// Runs one renegotiation input: a selector byte (among [`tls12_scenarios`]), a flags
/// byte (bit 0: the client is under test, else the server; bit 1: the side under test
/// refuses renegotiation; bits 2-3: 3 minus its `max_renegotiations`), then operations
/// (see [`op`]). The initial handshake runs through the middle unfuzzed. `None` for an
/// input too short to choose a scenario.
pub fn renegotiation_run(data: &[u8]) -> Option<RenegOutcome> {
    let [selector, flags, ops @ ..] = data else {
        return None;
    };
    let mut ops: &[u8] = ops;
    let list = tls12_scenarios();
    let sc = &scenarios()[list[usize::from(*selector) % list.len()]];
    let under_test = if flags & 1 == 0 {
        Role::Server
    } else {
        Role::Client
    };
    reset();
    let capture = Arc::new(Capture::default());
    let (c, s) = sc.configs(false);
    let mut c = (*c).clone();
    let mut s = (*s).clone();
    for (common, role) in [(&mut c.common, Role::Client), (&mut s.common, Role::Server)] {
        common.key_log = Some(capture.clone());
        if role == under_test {
            common.allow_renegotiation = flags & 2 == 0;
            common.max_renegotiations = 3 - u32::from((flags >> 2) & 3);
        }
    }
    let max = match under_test {
        Role::Client if c.common.allow_renegotiation => c.common.max_renegotiations,
        Role::Server if s.common.allow_renegotiation => s.common.max_renegotiations,
        _ => 0,
    };
    let client = Connection::client(Arc::new(c), server_name()).expect("client configuration");
    let server = Connection::server(Arc::new(s)).expect("server configuration");
    let peer_role = match under_test {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    };
    let (test, peer) = match under_test {
        Role::Server => (server, client),
        Role::Client => (client, server),
    };
    let mut pair = RenegPair {
        test,
        peer,
        to_test: Tap::new(peer_role, true, 0x6d69_6464_6c65_0001),
        from_test: Tap::new(under_test, false, 0x6d69_6464_6c65_0002),
        tracker: HelloTracker::default(),
        capture,
        pending: Vec::new(),
        peer_failed: false,
    };
    // The client speaks first.
    if under_test == Role::Client {
        pair.deliver_to_peer();
    }
    pair.pump().expect("the initial handshake completes");
    assert!(
        !pair.test.is_handshaking() && !pair.peer.is_handshaking(),
        "{}: the initial handshake completes",
        sc.name
    );

    let mut result = Ok(());
    let length = |ops: &mut &[u8]| -> usize {
        match ops.split_first() {
            Some((&n, rest)) => {
                *ops = rest;
                usize::from(n)
            }
            None => 0,
        }
    };
    while let Some((&byte, rest)) = ops.split_first() {
        ops = rest;
        result = match byte % op::COUNT {
            op::PEER_RENEGOTIATES => {
                let _ = pair.peer.renegotiate();
                Ok(())
            }
            op::TEST_RENEGOTIATES => {
                let _ = pair.test.renegotiate();
                Ok(())
            }
            op::TO_TEST => pair.deliver_to_test(usize::MAX),
            op::TO_PEER => {
                pair.deliver_to_peer();
                Ok(())
            }
            op::PUMP => pair.pump(),
            op::INJECT => {
                let typ = u8::try_from(length(&mut ops)).unwrap_or(0);
                let len = length(&mut ops).min(ops.len());
                let (body, rest) = ops.split_at(len);
                ops = rest;
                pair.collect();
                let mut out = Vec::new();
                pair.to_test.inject(typ, body, &mut out);
                pair.pending.extend_from_slice(&out);
                Ok(())
            }
            op::PEER_WRITES => {
                let n = length(&mut ops);
                let _ = pair.peer.write_plaintext(&vec![b'p'; n]);
                Ok(())
            }
            op::TEST_WRITES => {
                let n = length(&mut ops);
                let _ = pair.test.write_plaintext(&vec![b't'; n]);
                Ok(())
            }
            op::DROP => {
                pair.collect();
                pair.pending.clear();
                Ok(())
            }
            op::PARTIAL => {
                let n = length(&mut ops);
                pair.deliver_to_test(n)
            }
            op::PEER_CLOSES => {
                pair.peer.send_close_notify();
                Ok(())
            }
            _ => {
                pair.test.send_close_notify();
                Ok(())
            }
        };
        if result.is_err() {
            break;
        }
    }
    let n = pair.test.negotiated();
    assert!(
        n.renegotiations <= max,
        "{} renegotiations completed, at most {max} allowed",
        n.renegotiations
    );
    assert_eq!(n.version, Some(ProtocolVersion::Tls12));
    let outcome = RenegOutcome {
        test_renegotiations: n.renegotiations,
        peer_renegotiations: pair.peer.negotiated().renegotiations,
        test_error: result.err(),
        test_saw_close: pair.test.received_close_notify(),
    };
    finish(&mut pair.test);
    Some(outcome)
}
