//! The TLS 1.3 key schedule (RFC 8446 §7.1), as a ladder of types:
//! [`EarlySecret`] → [`HandshakeSecret`] → [`MasterSecret`]. Each stage can only be
//! built from the one before, so the order of the RFC is enforced by the compiler.

use crate::crypto::{hkdf_expand_label, hkdf_extract, Digest, Hash, Secret, SharedSecret};
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

fn derived(hash: &dyn Hash, secret: &Secret) -> Secret {
    let empty = hash.hash(&[]);
    derive_secret(hash, secret, b"derived", &empty)
}

/// The first stage: HKDF-Extract(0, PSK or zeros).
pub struct EarlySecret {
    hash: &'static dyn Hash,
    secret: Secret,
}

impl EarlySecret {
    /// Starts the schedule, with a resumption PSK or none.
    pub fn new(hash: &'static dyn Hash, psk: Option<&[u8]>) -> Self {
        let zeros = [0u8; crate::crypto::MAX_HASH_LEN];
        let len = hash.algorithm().output_len();
        let ikm = psk.unwrap_or(&zeros[..len]);
        Self {
            hash,
            secret: hkdf_extract(hash, &zeros[..len], ikm),
        }
    }

    /// The raw early secret (known-answer tests only need this).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The binder key for resumption ("res binder").
    pub fn resumption_binder_key(&self) -> Secret {
        derive_secret(self.hash, &self.secret, b"res binder", &self.hash.hash(&[]))
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
        let salt = derived(self.hash, &self.secret);
        HandshakeSecret {
            hash: self.hash,
            secret: hkdf_extract(self.hash, salt.expose(), shared.expose()),
        }
    }

    /// For a PSK-only handshake: no (EC)DHE input (zeros).
    pub fn into_handshake_without_dhe(self) -> HandshakeSecret {
        let zeros = Secret::new(vec![0; self.hash.algorithm().output_len()]);
        self.into_handshake(&zeros)
    }
}

/// The second stage, after (EC)DHE.
pub struct HandshakeSecret {
    hash: &'static dyn Hash,
    secret: Secret,
}

impl HandshakeSecret {
    /// The raw handshake secret (known-answer tests).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// client_handshake_traffic_secret, from the hash of ClientHello..ServerHello.
    pub fn client_traffic(&self, hello_hash: &Digest) -> TrafficSecret {
        TrafficSecret::new(
            self.hash,
            derive_secret(self.hash, &self.secret, b"c hs traffic", hello_hash),
        )
    }

    /// server_handshake_traffic_secret, from the hash of ClientHello..ServerHello.
    pub fn server_traffic(&self, hello_hash: &Digest) -> TrafficSecret {
        TrafficSecret::new(
            self.hash,
            derive_secret(self.hash, &self.secret, b"s hs traffic", hello_hash),
        )
    }

    /// The master secret: HKDF-Extract(Derive-Secret(hs, "derived", ""), 0).
    pub fn into_master(self) -> MasterSecret {
        let salt = derived(self.hash, &self.secret);
        let zeros = [0u8; crate::crypto::MAX_HASH_LEN];
        let len = self.hash.algorithm().output_len();
        MasterSecret {
            hash: self.hash,
            secret: hkdf_extract(self.hash, salt.expose(), &zeros[..len]),
        }
    }
}

/// The last stage: application traffic, exporter and resumption secrets.
pub struct MasterSecret {
    hash: &'static dyn Hash,
    secret: Secret,
}

impl MasterSecret {
    /// The raw master secret (known-answer tests).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// client_application_traffic_secret_0, from the hash through server Finished.
    pub fn client_traffic(&self, hash_through_server_finished: &Digest) -> TrafficSecret {
        TrafficSecret::new(
            self.hash,
            derive_secret(
                self.hash,
                &self.secret,
                b"c ap traffic",
                hash_through_server_finished,
            ),
        )
    }

    /// server_application_traffic_secret_0, from the hash through server Finished.
    pub fn server_traffic(&self, hash_through_server_finished: &Digest) -> TrafficSecret {
        TrafficSecret::new(
            self.hash,
            derive_secret(
                self.hash,
                &self.secret,
                b"s ap traffic",
                hash_through_server_finished,
            ),
        )
    }

    /// exporter_master_secret, from the hash through server Finished.
    pub fn exporter(&self, hash_through_server_finished: &Digest) -> Secret {
        derive_secret(
            self.hash,
            &self.secret,
            b"exp master",
            hash_through_server_finished,
        )
    }

    /// resumption_master_secret, from the hash through client Finished.
    pub fn resumption(&self, hash_through_client_finished: &Digest) -> Secret {
        derive_secret(
            self.hash,
            &self.secret,
            b"res master",
            hash_through_client_finished,
        )
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
pub struct TrafficSecret {
    hash: &'static dyn Hash,
    secret: Secret,
}

/// The key and IV of one direction.
pub struct TrafficKeys {
    /// The AEAD key.
    pub key: Secret,
    /// The static IV, XORed with the sequence number for each record.
    pub iv: [u8; 12],
}

impl TrafficSecret {
    fn new(hash: &'static dyn Hash, secret: Secret) -> Self {
        Self { hash, secret }
    }

    /// The secret bytes, for the key log only.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The record key and IV (RFC 8446 §7.3).
    pub fn keys(&self, aead: AeadAlgorithm) -> TrafficKeys {
        let key = hkdf_expand_label(self.hash, self.secret.expose(), b"key", &[], aead.key_len());
        let iv_bytes = hkdf_expand_label(self.hash, self.secret.expose(), b"iv", &[], 12);
        let mut iv = [0u8; 12];
        iv.copy_from_slice(iv_bytes.expose());
        TrafficKeys { key, iv }
    }

    /// finished_key = HKDF-Expand-Label(secret, "finished", "", Hash.length).
    pub fn finished_key(&self) -> Secret {
        let len = self.hash.algorithm().output_len();
        hkdf_expand_label(self.hash, self.secret.expose(), b"finished", &[], len)
    }

    /// Finished verify_data = HMAC(finished_key, transcript hash) (RFC 8446 §4.4.4).
    pub fn finished_verify_data(&self, transcript: &Digest) -> Digest {
        self.hash
            .hmac(self.finished_key().expose(), &[transcript.as_ref()])
    }

    /// The next generation after a KeyUpdate ("traffic upd", RFC 8446 §7.2).
    pub fn next(&self) -> Self {
        let len = self.hash.algorithm().output_len();
        Self::new(
            self.hash,
            hkdf_expand_label(self.hash, self.secret.expose(), b"traffic upd", &[], len),
        )
    }
}
