//! Session tickets: the server's state sealed under its own AEAD key (RFC 5077 §4's
//! recommended construction, with AES-256-GCM in place of AES-CBC + HMAC).
//!
//! A ticket is `key_name (16) || nonce (12) || AES-256-GCM(state)`, the key name
//! also authenticated as associated data. Keys rotate on a schedule: a key encrypts
//! for one period after it is created and decrypts for two, so the key before the
//! current one is still accepted for one period and anything older is refused.

use crate::crypto::{AeadKey, CryptoProvider, Secret};
use crate::enums::AeadAlgorithm;
use crate::error::Error;
use rustls_pki_types::UnixTime;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

const NAME_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// One ticket key.
struct TicketKey {
    name: [u8; NAME_LEN],
    key: Box<dyn AeadKey>,
    /// Unix seconds when it became the current key.
    created: u64,
}

/// The current key and the one before it.
struct Keys {
    current: TicketKey,
    previous: Option<TicketKey>,
}

/// Seals and opens session tickets, rotating its keys on a schedule. Shared (through
/// `Arc`) by every connection of a [`ServerConfig`](crate::ServerConfig); thread-safe.
///
/// Keys are made on first use, from the provider's random generator, and never
/// leave the process: tickets from another process (or from before a restart) do not
/// open, and the handshake falls back to a full one.
pub struct Ticketer {
    provider: Arc<dyn CryptoProvider>,
    rotation: Duration,
    lifetime: Duration,
    keys: Mutex<Option<Keys>>,
}

impl Ticketer {
    /// Default key rotation period: two hours.
    pub const DEFAULT_ROTATION: Duration = Duration::from_secs(2 * 3600);

    /// Default ticket lifetime: two hours. Not longer than the rotation period, so a
    /// ticket never outlives the key that can open it.
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(2 * 3600);

    /// A ticketer with the default schedule.
    pub fn new(provider: Arc<dyn CryptoProvider>) -> Self {
        Self {
            provider,
            rotation: Self::DEFAULT_ROTATION,
            lifetime: Self::DEFAULT_LIFETIME,
            keys: Mutex::new(None),
        }
    }

    /// A ticketer whose keys rotate every `rotation` and whose tickets live for
    /// `lifetime`. Both must be at least a second; the lifetime at most seven days
    /// (RFC 8446 §4.6.1). A lifetime longer than the rotation period is allowed, but
    /// such tickets stop opening two periods after their key was made.
    pub fn with_schedule(
        provider: Arc<dyn CryptoProvider>,
        rotation: Duration,
        lifetime: Duration,
    ) -> Result<Self, Error> {
        if rotation.as_secs() == 0 || lifetime.as_secs() == 0 {
            return Err(Error::Config(
                "ticket rotation and lifetime must be at least a second".into(),
            ));
        }
        if lifetime.as_secs() > u64::from(super::MAX_TLS13_LIFETIME) {
            return Err(Error::Config(
                "ticket lifetime over seven days (RFC 8446 §4.6.1)".into(),
            ));
        }
        Ok(Self {
            rotation,
            lifetime,
            ..Self::new(provider)
        })
    }

    /// How often the encryption key changes.
    pub fn rotation(&self) -> Duration {
        self.rotation
    }

    /// How long a ticket is valid (also the lifetime announced to clients).
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The lifetime in whole seconds, as a NewSessionTicket carries it.
    pub(crate) fn lifetime_secs(&self) -> u32 {
        u32::try_from(self.lifetime.as_secs()).unwrap_or(super::MAX_TLS13_LIFETIME)
    }

    fn lock(&self) -> MutexGuard<'_, Option<Keys>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn new_key(&self, now: u64) -> Result<TicketKey, Error> {
        let mut name = [0u8; NAME_LEN];
        self.provider.fill_random(&mut name)?;
        let mut material = zeroize::Zeroizing::new(vec![0u8; AeadAlgorithm::Aes256Gcm.key_len()]);
        self.provider.fill_random(&mut material)?;
        let key = self
            .provider
            .aead(AeadAlgorithm::Aes256Gcm)
            .key(&material)?;
        Ok(TicketKey {
            name,
            key,
            created: now,
        })
    }

    /// Whether `key` still opens tickets at `now`: for two periods after it was made.
    fn accepts(&self, key: &TicketKey, now: u64) -> bool {
        now < key
            .created
            .saturating_add(self.rotation.as_secs().saturating_mul(2))
    }

    /// Seals `plaintext` under the current key, rotating first when its period is over.
    pub fn encrypt(&self, plaintext: &[u8], now: UnixTime) -> Result<Vec<u8>, Error> {
        let now = now.as_secs();
        let mut guard = self.lock();
        let due = match &*guard {
            None => true,
            Some(k) => now >= k.current.created.saturating_add(self.rotation.as_secs()),
        };
        if due {
            let fresh = self.new_key(now)?;
            *guard = Some(match guard.take() {
                None => Keys {
                    current: fresh,
                    previous: None,
                },
                Some(old) => Keys {
                    previous: Some(old.current).filter(|k| self.accepts(k, now)),
                    current: fresh,
                },
            });
        }
        let keys = guard.as_ref().ok_or(Error::Internal("no ticket key"))?;
        let mut nonce = [0u8; NONCE_LEN];
        self.provider.fill_random(&mut nonce)?;
        let mut out = Vec::with_capacity(NAME_LEN + NONCE_LEN + plaintext.len() + TAG_LEN);
        out.extend_from_slice(&keys.current.name);
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        keys.current
            .key
            .seal(&nonce, &keys.current.name, &mut body)?;
        out.extend_from_slice(&body);
        if out.len() > super::MAX_TICKET_LEN {
            return Err(Error::Internal("session state too large for a ticket"));
        }
        Ok(out)
    }

    /// Opens a ticket: `None` when its key name is unknown, its key has retired, or
    /// it does not authenticate. Never an error: a bad ticket means a full handshake.
    pub fn decrypt(&self, ticket: &[u8], now: UnixTime) -> Option<Secret> {
        let now = now.as_secs();
        let name = ticket.get(..NAME_LEN)?;
        let nonce: [u8; NONCE_LEN] = ticket
            .get(NAME_LEN..NAME_LEN + NONCE_LEN)?
            .try_into()
            .ok()?;
        let sealed = ticket.get(NAME_LEN + NONCE_LEN..)?;
        if sealed.len() < TAG_LEN {
            return None;
        }
        let guard = self.lock();
        let keys = guard.as_ref()?;
        let key = [Some(&keys.current), keys.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.name == name)?;
        if !self.accepts(key, now) {
            return None;
        }
        let mut buf = sealed.to_vec();
        let len = key.key.open(&nonce, &key.name, &mut buf).ok()?;
        buf.truncate(len);
        Some(Secret::new(buf))
    }

    /// A ticket's identity for single-use bookkeeping: its key name and nonce, unique
    /// per ticket. `None` for something too short to be one of ours.
    pub(crate) fn ticket_id(ticket: &[u8]) -> Option<&[u8]> {
        ticket.get(..NAME_LEN + NONCE_LEN)
    }
}

impl core::fmt::Debug for Ticketer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ticketer")
            .field("rotation", &self.rotation)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}
