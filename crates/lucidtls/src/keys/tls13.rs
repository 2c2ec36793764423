//! The TLS 1.3 key schedule (RFC 8446 §7.1), as a ladder of types:
//! [`EarlySecret`] → [`HandshakeSecret`] → [`MasterSecret`]. Each stage can only be
//! built from the one before, so the order of the RFC is enforced by the compiler.

use crate::crypto::{
    hkdf_expand_label, hkdf_extract, sign_lists, Digest, Hash, HmacKey, Secret, SharedSecret,
};
use crate::enums::AeadAlgorithm;

/// Derive-Secret(secret, label, transcript_hash) (RFC 8446 §7.1).
pub fn derive_secret(
    hash: &dyn Hash,
    secret: &Secret,
    label: &[u8],
    transcript: &Digest,
) -> Secret {
    let len = hash.algorithm().output_len();
    hkdf_expand_label(hash, secret.expose(), label, transcript.as_ref(), len)
}

/// What the schedule computes the same way in every handshake, for one hash
/// implementation: Hash(""), the PSK-less early secret HKDF-Extract(0, 0) and its
/// "derived" salt, and the two HMAC keys every handshake starts an extraction with
/// (all zeros, the early secret's salt; the "derived" salt, the handshake secret's
/// without a PSK), prepared once so that no handshake pays for keying them. Public
/// values, not secrets.
struct Constants {
    hash: &'static dyn Hash,
    empty: Digest,
    early: Secret,
    /// HMAC keyed with Hash.length zeros.
    zeros_key: Box<dyn HmacKey>,
    /// HMAC keyed with Derive-Secret(early, "derived", "").
    salt_key: Box<dyn HmacKey>,
}

/// The [`Constants`] for `hash`, computed on first use and kept for the process: a
/// few HMACs and a hash less per handshake, and nothing copied to use them. Kept per
/// hash implementation (the same `&'static` object), so a provider is only ever given
/// its own results. The cache is bounded; past it (more providers than anyone runs)
/// the values are computed each time and returned owned.
fn constants(hash: &'static dyn Hash) -> Consts {
    /// Bounded: providers are few; more than this are computed every time.
    const MAX_CACHED: usize = 8;
    static CACHE: std::sync::Mutex<Vec<&'static Constants>> = std::sync::Mutex::new(Vec::new());
    if let Ok(cache) = CACHE.lock() {
        if let Some(c) = cache.iter().find(|c| core::ptr::eq(c.hash, hash)) {
            return Consts::Shared(c);
        }
    }
    let zeros = [0u8; crate::crypto::MAX_HASH_LEN];
    let zeros = zeros
        .get(..hash.algorithm().output_len())
        .unwrap_or_default();
    let zeros_key = hash.hmac_key(zeros);
    let early = Secret::from_slice(zeros_key.sign(&[zeros]).as_ref());
    let empty = hash.hash(&[]);
    let salt = derive_secret(hash, &early, b"derived", &empty);
    let salt_key = hash.hmac_key(salt.expose());
    let c = Constants {
        hash,
        empty,
        early,
        zeros_key,
        salt_key,
    };
    match CACHE.lock() {
        Ok(mut cache) if cache.len() < MAX_CACHED => {
            if let Some(cached) = cache.iter().find(|k| core::ptr::eq(k.hash, hash)) {
                return Consts::Shared(cached);
            }
            // Kept for the life of the process, as the cache is: at most MAX_CACHED.
            let kept: &'static Constants = Box::leak(Box::new(c));
            cache.push(kept);
            Consts::Shared(kept)
        }
        _ => Consts::Owned(Box::new(c)),
    }
}

/// [`Constants`] as [`constants`] gives them: the process's shared copy, or computed
/// for one use when the cache is full. Either way read through `Deref`.
enum Consts {
    Shared(&'static Constants),
    Owned(Box<Constants>),
}

impl std::ops::Deref for Consts {
    type Target = Constants;

    fn deref(&self) -> &Constants {
        match self {
            Self::Shared(c) => c,
            Self::Owned(c) => c,
        }
    }
}

/// Hash("") for `hash`, from [`constants`].
fn empty_hash(hash: &'static dyn Hash) -> Digest {
    constants(hash).empty
}

/// HKDF-Extract(0, psk): the early secret with a PSK, with the zeros key from
/// [`constants`].
fn extract_psk(hash: &'static dyn Hash, psk: &[u8]) -> Secret {
    Secret::from_slice(constants(hash).zeros_key.sign(&[psk]).as_ref())
}

/// A secret that feeds several expansions, with its HMAC key prepared once
/// ([`Hash::hmac_key`]): the handshake secret gives both handshake traffic secrets and
/// the master secret's salt, the master secret both application traffic secrets and
/// the exporter and resumption secrets.
struct KeyedSecret {
    hash: &'static dyn Hash,
    secret: Secret,
    key: Box<dyn HmacKey>,
}

impl KeyedSecret {
    fn new(hash: &'static dyn Hash, secret: Secret) -> Self {
        let key = hash.hmac_key(secret.expose());
        Self { hash, secret, key }
    }

    /// HKDF-Expand-Label(secret, label, context, len) with the prepared key.
    fn expand_label(&self, label: &[u8], context: &[u8], len: usize) -> Secret {
        expand_label_with(self.hash, &self.secret, &*self.key, label, context, len)
    }

    /// Derive-Secret(secret, label, transcript_hash) with the prepared key.
    fn derive_secret(&self, label: &[u8], transcript: &Digest) -> Secret {
        let len = self.hash.algorithm().output_len();
        self.expand_label(label, transcript.as_ref(), len)
    }
}

/// HKDF-Expand-Label with `key`, the HMAC key prepared from `secret`. Every expansion
/// of the TLS 1.3 key schedule fits one output block, T(1) = HMAC(secret, info ||
/// 0x01); a longer one goes the general way.
fn expand_label_with(
    hash: &dyn Hash,
    secret: &Secret,
    key: &dyn HmacKey,
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Secret {
    const PREFIX: &[u8] = b"tls13 ";
    let (Ok(length), Ok(label_len), Ok(context_len)) = (
        u16::try_from(len),
        u8::try_from(PREFIX.len() + label.len()),
        u8::try_from(context.len()),
    ) else {
        return hkdf_expand_label(hash, secret.expose(), label, context, len);
    };
    if len > hash.algorithm().output_len() {
        return hkdf_expand_label(hash, secret.expose(), label, context, len);
    }
    let info: [&[u8]; 7] = [
        &length.to_be_bytes(),
        &[label_len],
        PREFIX,
        label,
        &[context_len],
        context,
        &[1],
    ];
    let block = sign_lists(key, &[&info]);
    Secret::from_slice(block.as_ref().get(..len).unwrap_or_default())
}

/// The 12-byte record IV, HKDF-Expand-Label(secret, "iv", "", 12) with `key` prepared
/// from the traffic secret: straight from the one HMAC block into the array.
fn expand_iv(key: &dyn HmacKey) -> [u8; 12] {
    const LABEL: &[u8] = b"tls13 iv";
    let info: [&[u8]; 5] = [
        &12u16.to_be_bytes(),
        &[LABEL.len() as u8],
        LABEL,
        &[0],
        &[1],
    ];
    let block = sign_lists(key, &[&info]);
    let mut iv = [0u8; 12];
    if let Some(bytes) = block.as_ref().get(..12) {
        iv.copy_from_slice(bytes);
    }
    iv
}

/// The first stage: HKDF-Extract(0, PSK or zeros).
pub struct EarlySecret {
    hash: &'static dyn Hash,
    value: EarlyValue,
}

/// Where an [`EarlySecret`]'s value lives.
enum EarlyValue {
    /// No PSK: the constants (early secret, its "derived" salt as a prepared key).
    NoPsk(Consts),
    /// A PSK's early secret, keyed once for the binder key and the "derived" salt.
    Psk(KeyedSecret),
}

impl EarlySecret {
    /// Starts the schedule, with a resumption PSK or none.
    pub fn new(hash: &'static dyn Hash, psk: Option<&[u8]>) -> Self {
        let value = match psk {
            None => EarlyValue::NoPsk(constants(hash)),
            Some(psk) => EarlyValue::Psk(KeyedSecret::new(hash, extract_psk(hash, psk))),
        };
        Self { hash, value }
    }

    /// The raw early secret (known-answer tests only need this).
    pub fn secret(&self) -> &Secret {
        match &self.value {
            EarlyValue::NoPsk(c) => &c.early,
            EarlyValue::Psk(k) => &k.secret,
        }
    }

    /// The binder key for resumption ("res binder").
    pub fn resumption_binder_key(&self) -> Secret {
        let empty = empty_hash(self.hash);
        match &self.value {
            EarlyValue::Psk(k) => k.derive_secret(b"res binder", &empty),
            _ => derive_secret(self.hash, self.secret(), b"res binder", &empty),
        }
    }

    /// A PSK binder (RFC 8446 §4.2.11.2): HMAC(finished_key(binder_key), hash), where
    /// `hash` is the transcript hash through the ClientHello truncated before its binders.
    pub fn resumption_binder(&self, truncated_hello_hash: &Digest) -> Digest {
        let binder_key = self.resumption_binder_key();
        let len = self.hash.algorithm().output_len();
        let finished_key = hkdf_expand_label(self.hash, binder_key.expose(), b"finished", &[], len);
        self.hash
            .hmac(finished_key.expose(), &[truncated_hello_hash.as_ref()])
    }

    /// Mixes in the (EC)DHE shared secret: the handshake secret.
    pub fn into_handshake(self, shared: &SharedSecret) -> HandshakeSecret {
        let secret = match &self.value {
            // HKDF-Extract(salt, shared) with the salt keyed once per process.
            EarlyValue::NoPsk(c) => {
                Secret::from_slice(c.salt_key.sign(&[shared.expose()]).as_ref())
            }
            EarlyValue::Psk(k) => {
                let salt = k.derive_secret(b"derived", &empty_hash(self.hash));
                hkdf_extract(self.hash, salt.expose(), shared.expose())
            }
        };
        HandshakeSecret(KeyedSecret::new(self.hash, secret))
    }

    /// For a PSK-only handshake: no (EC)DHE input (zeros).
    pub fn into_handshake_without_dhe(self) -> HandshakeSecret {
        let zeros = [0u8; crate::crypto::MAX_HASH_LEN];
        let len = self.hash.algorithm().output_len();
        self.into_handshake(&Secret::from_slice(zeros.get(..len).unwrap_or_default()))
    }
}

/// The second stage, after (EC)DHE. Its HMAC key is prepared once for the three
/// secrets derived from it.
pub struct HandshakeSecret(KeyedSecret);

impl HandshakeSecret {
    /// The raw handshake secret (known-answer tests).
    pub fn secret(&self) -> &Secret {
        &self.0.secret
    }

    /// client_handshake_traffic_secret, from the hash of ClientHello..ServerHello.
    pub fn client_traffic(&self, hello_hash: &Digest) -> TrafficSecret {
        TrafficSecret::keyed(
            self.0.hash,
            self.0.derive_secret(b"c hs traffic", hello_hash),
        )
    }

    /// server_handshake_traffic_secret, from the hash of ClientHello..ServerHello.
    pub fn server_traffic(&self, hello_hash: &Digest) -> TrafficSecret {
        TrafficSecret::keyed(
            self.0.hash,
            self.0.derive_secret(b"s hs traffic", hello_hash),
        )
    }

    /// The master secret: HKDF-Extract(Derive-Secret(hs, "derived", ""), 0).
    pub fn into_master(self) -> MasterSecret {
        let hash = self.0.hash;
        let salt = self.0.derive_secret(b"derived", &empty_hash(hash));
        let zeros = [0u8; crate::crypto::MAX_HASH_LEN];
        let len = hash.algorithm().output_len();
        MasterSecret(KeyedSecret::new(
            hash,
            hkdf_extract(hash, salt.expose(), zeros.get(..len).unwrap_or_default()),
        ))
    }
}

/// The last stage: application traffic, exporter and resumption secrets. Its HMAC key
/// is prepared once for all of them.
pub struct MasterSecret(KeyedSecret);

impl MasterSecret {
    /// The raw master secret (known-answer tests).
    pub fn secret(&self) -> &Secret {
        &self.0.secret
    }

    /// client_application_traffic_secret_0, from the hash through server Finished.
    pub fn client_traffic(&self, hash_through_server_finished: &Digest) -> TrafficSecret {
        TrafficSecret::plain(
            self.0.hash,
            self.0
                .derive_secret(b"c ap traffic", hash_through_server_finished),
        )
    }

    /// server_application_traffic_secret_0, from the hash through server Finished.
    pub fn server_traffic(&self, hash_through_server_finished: &Digest) -> TrafficSecret {
        TrafficSecret::plain(
            self.0.hash,
            self.0
                .derive_secret(b"s ap traffic", hash_through_server_finished),
        )
    }

    /// exporter_master_secret, from the hash through server Finished.
    pub fn exporter(&self, hash_through_server_finished: &Digest) -> Secret {
        self.0
            .derive_secret(b"exp master", hash_through_server_finished)
    }

    /// resumption_master_secret, from the hash through client Finished.
    pub fn resumption(&self, hash_through_client_finished: &Digest) -> Secret {
        self.0
            .derive_secret(b"res master", hash_through_client_finished)
    }
}

/// The PSK a NewSessionTicket stands for (RFC 8446 §4.6.1):
/// HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length).
pub fn resumption_psk(hash: &dyn Hash, resumption_master_secret: &Secret, nonce: &[u8]) -> Secret {
    let len = hash.algorithm().output_len();
    hkdf_expand_label(
        hash,
        resumption_master_secret.expose(),
        b"resumption",
        nonce,
        len,
    )
}

/// A traffic secret (handshake or application) of one direction.
pub struct TrafficSecret(Traffic);

/// How a [`TrafficSecret`] is held.
enum Traffic {
    /// A handshake traffic secret, keyed once ([`Hash::hmac_key`]) for the record key,
    /// the IV and the Finished key; dropped with the handshake.
    Keyed(KeyedSecret),
    /// An application traffic secret, kept for the connection's life (for KeyUpdate):
    /// the secret alone, so that an open connection holds no HMAC context; keyed
    /// for the moment it is used.
    Plain {
        hash: &'static dyn Hash,
        secret: Secret,
    },
}

/// The key and IV of one direction.
pub struct TrafficKeys {
    /// The AEAD key.
    pub key: Secret,
    /// The static IV, XORed with the sequence number for each record.
    pub iv: [u8; 12],
}

impl TrafficSecret {
    /// A handshake traffic secret (see [`Traffic::Keyed`]).
    fn keyed(hash: &'static dyn Hash, secret: Secret) -> Self {
        Self(Traffic::Keyed(KeyedSecret::new(hash, secret)))
    }

    /// An application traffic secret (see [`Traffic::Plain`]).
    fn plain(hash: &'static dyn Hash, secret: Secret) -> Self {
        Self(Traffic::Plain { hash, secret })
    }

    fn hash(&self) -> &'static dyn Hash {
        match &self.0 {
            Traffic::Keyed(k) => k.hash,
            Traffic::Plain { hash, .. } => *hash,
        }
    }

    /// The secret bytes, for the key log only.
    pub fn secret(&self) -> &Secret {
        match &self.0 {
            Traffic::Keyed(k) => &k.secret,
            Traffic::Plain { secret, .. } => secret,
        }
    }

    /// The record key and IV (RFC 8446 §7.3), with the secret keyed once for both.
    pub fn keys(&self, aead: AeadAlgorithm) -> TrafficKeys {
        let (hash, secret) = (self.hash(), self.secret());
        let derive = |hmac: &dyn HmacKey| {
            let key = expand_label_with(hash, secret, hmac, b"key", &[], aead.key_len());
            TrafficKeys {
                key,
                iv: expand_iv(hmac),
            }
        };
        match &self.0 {
            Traffic::Keyed(k) => derive(&*k.key),
            Traffic::Plain { .. } => derive(&*hash.hmac_key(secret.expose())),
        }
    }

    /// finished_key = HKDF-Expand-Label(secret, "finished", "", Hash.length).
    pub fn finished_key(&self) -> Secret {
        let len = self.hash().algorithm().output_len();
        match &self.0 {
            Traffic::Keyed(k) => k.expand_label(b"finished", &[], len),
            Traffic::Plain { hash, secret } => {
                hkdf_expand_label(*hash, secret.expose(), b"finished", &[], len)
            }
        }
    }

    /// Finished verify_data = HMAC(finished_key, transcript hash) (RFC 8446 §4.4.4).
    pub fn finished_verify_data(&self, transcript: &Digest) -> Digest {
        self.hash()
            .hmac(self.finished_key().expose(), &[transcript.as_ref()])
    }

    /// The next generation after a KeyUpdate ("traffic upd", RFC 8446 §7.2).
    pub fn next(&self) -> Self {
        let hash = self.hash();
        let len = hash.algorithm().output_len();
        let next = match &self.0 {
            Traffic::Keyed(k) => k.expand_label(b"traffic upd", &[], len),
            Traffic::Plain { secret, .. } => {
                hkdf_expand_label(hash, secret.expose(), b"traffic upd", &[], len)
            }
        };
        Self::plain(hash, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HashContext;
    use crate::enums::HashAlgorithm;

    /// TEST ONLY, NOT A HASH: a keyed checksum standing in for a provider's hash, so
    /// that two "providers" give different results for the same algorithm.
    #[derive(Debug)]
    struct Toy(u8);

    struct ToyContext(u8, Vec<u8>);

    impl HashContext for ToyContext {
        fn update(&mut self, data: &[u8]) {
            self.1.extend_from_slice(data);
        }
        fn current(&self) -> Digest {
            let mut out = [self.0; 32];
            for (i, b) in self.1.iter().enumerate() {
                out[i % 32] = out[i % 32].rotate_left(3) ^ b;
            }
            Digest::new(&out)
        }
        fn fork(&self) -> Box<dyn HashContext> {
            Box::new(ToyContext(self.0, self.1.clone()))
        }
    }

    impl Hash for Toy {
        fn algorithm(&self) -> HashAlgorithm {
            HashAlgorithm::Sha256
        }
        fn start(&self) -> Box<dyn HashContext> {
            Box::new(ToyContext(self.0, Vec::new()))
        }
        fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Digest {
            let mut ctx = self.start();
            ctx.update(key);
            for p in parts {
                ctx.update(p);
            }
            ctx.current()
        }
    }

    static A: Toy = Toy(1);
    static B: Toy = Toy(2);

    /// The early secret and the handshake secret for `psk` and `shared`, the RFC's
    /// way: every HMAC keyed from scratch, nothing cached.
    fn fresh(hash: &'static dyn Hash, psk: Option<&[u8]>, shared: &[u8]) -> (Secret, Secret) {
        let zeros = [0u8; 32];
        let early = hkdf_extract(hash, &zeros, psk.unwrap_or(&zeros));
        let salt = derive_secret(hash, &early, b"derived", &hash.hash(&[]));
        let handshake = hkdf_extract(hash, salt.expose(), shared);
        (early, handshake)
    }

    #[test]
    fn cached_constants_are_per_hash_and_match_the_schedule() {
        for _ in 0..2 {
            for hash in [&A as &'static dyn Hash, &B] {
                for psk in [None, Some(&[7u8; 32][..])] {
                    let (early, handshake) = fresh(hash, psk, &[3; 32]);
                    let e = EarlySecret::new(hash, psk);
                    assert!(e.secret() == &early);
                    let h = e.into_handshake(&Secret::from_slice(&[3; 32]));
                    assert!(h.secret() == &handshake);
                    assert_eq!(empty_hash(hash), hash.hash(&[]));
                }
                // PSK-only: zeros for the (EC)DHE input.
                let (_, handshake) = fresh(hash, Some(&[7; 32]), &[0; 32]);
                let h = EarlySecret::new(hash, Some(&[7; 32])).into_handshake_without_dhe();
                assert!(h.secret() == &handshake);
            }
        }
        assert!(
            fresh(&A, None, &[]).0 != fresh(&B, None, &[]).0,
            "the toy hashes differ"
        );
        assert!(fresh(&A, None, &[]).0 != fresh(&A, Some(&[7; 32]), &[]).0);
        // Past the cache's bound the values are computed, and the same.
        for _ in 0..10 {
            let c = match constants(&A) {
                Consts::Shared(c) => c,
                Consts::Owned(_) => panic!("A is cached"),
            };
            assert!(c.early == fresh(&A, None, &[]).0);
        }
    }

    #[test]
    fn traffic_secret_derivations_match_hkdf_expand_label() {
        let secret = Secret::new((0..32).collect());
        let transcript = Digest::new(&[5; 32]);
        for traffic in [
            TrafficSecret::keyed(&A, secret.clone()),
            TrafficSecret::plain(&A, secret.clone()),
        ] {
            assert!(traffic.secret() == &secret);
            let keys = traffic.keys(AeadAlgorithm::Aes128Gcm);
            assert!(keys.key == hkdf_expand_label(&A, secret.expose(), b"key", &[], 16));
            let iv = hkdf_expand_label(&A, secret.expose(), b"iv", &[], 12);
            assert_eq!(&keys.iv[..], iv.expose());
            let finished = hkdf_expand_label(&A, secret.expose(), b"finished", &[], 32);
            assert!(traffic.finished_key() == finished);
            assert_eq!(
                traffic.finished_verify_data(&transcript),
                A.hmac(finished.expose(), &[transcript.as_ref()])
            );
            let next = hkdf_expand_label(&A, secret.expose(), b"traffic upd", &[], 32);
            assert!(traffic.next().secret() == &next);
            let after = hkdf_expand_label(&A, next.expose(), b"traffic upd", &[], 32);
            assert!(traffic.next().next().secret() == &after);
        }
        // A binder from the keyed PSK early secret, the RFC's way.
        let psk = [9u8; 32];
        let early = EarlySecret::new(&A, Some(&psk));
        let (early_secret, _) = fresh(&A, Some(&psk), &[]);
        let binder_key = derive_secret(&A, &early_secret, b"res binder", &A.hash(&[]));
        assert!(early.resumption_binder_key() == binder_key);
        let binder_finished = hkdf_expand_label(&A, binder_key.expose(), b"finished", &[], 32);
        assert_eq!(
            early.resumption_binder(&transcript),
            A.hmac(binder_finished.expose(), &[transcript.as_ref()])
        );
    }

    #[test]
    fn keyed_expansion_matches_hkdf_expand_label() {
        let secret = Secret::new((0..32).collect());
        let keyed = KeyedSecret::new(&A, secret.clone());
        for (label, context, len) in [
            (&b"key"[..], &b""[..], 16),
            (b"iv", b"", 12),
            (b"c hs traffic", &[9; 32], 32),
            (b"long", b"", 40), // longer than one block: the general way
        ] {
            assert!(
                keyed.expand_label(label, context, len)
                    == hkdf_expand_label(&A, secret.expose(), label, context, len)
            );
        }
    }
}
