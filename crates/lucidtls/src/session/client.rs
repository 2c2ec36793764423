//! What a client keeps to resume: TLS 1.2 sessions and TLS 1.3 tickets, by server name.

use super::{
    put_alpn, put_chain, put_name, put_u64, read_alpn, read_bool, read_chain, read_name, read_u64,
    session_buffer, FORMAT_VERSION, MAX_TLS13_LIFETIME,
};
use crate::crypto::Secret;
use crate::enums::CipherSuite;
use crate::error::Error;
use crate::keys::tls12::MASTER_SECRET_LEN;
use crate::msgs::codec::{put_u16, put_u16_len, put_u32, put_u8_len, Reader};
use crate::suites::{tls12_suite, tls13_suite};
use rustls_pki_types::{CertificateDer, UnixTime};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const KIND_TLS12: u8 = 0x12;
const KIND_TLS13: u8 = 0x13;

/// How long a client keeps a TLS 1.2 session the server gave no lifetime for
/// (RFC 5246 §F.1.4 suggests at most 24 hours).
pub(crate) const DEFAULT_TLS12_LIFETIME: u32 = 24 * 3600;

/// A resumable TLS 1.2 session, as the client keeps it: the session id and/or
/// ticket the server gave, and the master secret. Only sessions that used the
/// extended master secret are kept (RFC 7627 §5.3).
#[derive(Clone, PartialEq, Eq)]
pub struct Tls12Session {
    pub(crate) server_name: String,
    pub(crate) session_id: Vec<u8>,
    pub(crate) ticket: Vec<u8>,
    pub(crate) master_secret: Secret,
    pub(crate) cipher_suite: CipherSuite,
    pub(crate) extended_master_secret: bool,
    pub(crate) encrypt_then_mac: bool,
    pub(crate) created: u64,
    pub(crate) lifetime: u32,
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
}

impl Tls12Session {
    /// The server name (or IP address) the session was made with.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// The session id the server assigned (empty when it gave a ticket instead).
    pub fn session_id(&self) -> &[u8] {
        &self.session_id
    }

    /// The RFC 5077 ticket (empty when the server gave none).
    pub fn ticket(&self) -> &[u8] {
        &self.ticket
    }

    /// The session's cipher suite; resumption uses it again.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.cipher_suite
    }

    /// Whether the extended master secret was used (always, for sessions we keep).
    pub fn extended_master_secret(&self) -> bool {
        self.extended_master_secret
    }

    /// Whether Encrypt-then-MAC was used; a resumption uses it again.
    pub fn encrypt_then_mac(&self) -> bool {
        self.encrypt_then_mac
    }

    /// When the session (or its latest ticket) was received.
    pub fn created(&self) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(self.created))
    }

    /// How long after [`Tls12Session::created`] the client still offers it.
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(u64::from(self.lifetime))
    }

    /// The server's certificate chain as verified in the full handshake.
    pub fn peer_certificates(&self) -> &[CertificateDer<'static>] {
        &self.peer_certificates
    }

    /// Whether the session is too old to offer at `now`.
    pub fn is_expired(&self, now: UnixTime) -> bool {
        now.as_secs() >= self.created.saturating_add(u64::from(self.lifetime))
    }

    /// Serializes the session (versioned format). The bytes hold the master secret.
    pub fn to_bytes(&self) -> Secret {
        let variable = self.server_name.len() + self.session_id.len() + self.ticket.len();
        let mut out = session_buffer(variable + self.master_secret.len(), &self.peer_certificates);
        out.extend_from_slice(&[FORMAT_VERSION, KIND_TLS12]);
        put_name(&mut out, Some(&self.server_name));
        put_u8_len(&mut out, |o| o.extend_from_slice(&self.session_id));
        put_u16_len(&mut out, |o| o.extend_from_slice(&self.ticket));
        put_u8_len(&mut out, |o| {
            o.extend_from_slice(self.master_secret.expose())
        });
        put_u16(&mut out, self.cipher_suite.to_wire());
        out.push(u8::from(self.extended_master_secret));
        out.push(u8::from(self.encrypt_then_mac));
        put_u64(&mut out, self.created);
        put_u32(&mut out, self.lifetime);
        put_chain(&mut out, &self.peer_certificates);
        Secret::new(out)
    }

    /// Reads what [`Tls12Session::to_bytes`] wrote; anything else (another format
    /// version, a TLS 1.3 ticket, trailing bytes, a suite that is not a TLS 1.2 suite,
    /// a master secret of the wrong size) is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes, "stored TLS 1.2 session");
        read_header(&mut r, KIND_TLS12)?;
        let session = Self::read(&mut r)?;
        r.finish()?;
        Ok(session)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let server_name = read_name(r)?.ok_or(Error::decode("stored session server name"))?;
        let session_id = r.bytes_u8()?.to_vec();
        if session_id.len() > 32 {
            return Err(Error::decode("stored session id"));
        }
        let ticket = r.bytes_u16()?.to_vec();
        let master_secret = r.bytes_u8()?;
        if master_secret.len() != MASTER_SECRET_LEN {
            return Err(Error::decode("stored master secret"));
        }
        let master_secret = Secret::from_slice(master_secret);
        let cipher_suite = CipherSuite::from_wire(r.u16()?);
        if tls12_suite(cipher_suite).is_none() {
            return Err(Error::decode("stored TLS 1.2 cipher suite"));
        }
        let extended_master_secret = read_bool(r)?;
        let encrypt_then_mac = read_bool(r)?;
        let created = read_u64(r)?;
        let lifetime = r.u32()?;
        let peer_certificates = read_chain(r)?;
        if session_id.is_empty() && ticket.is_empty() {
            return Err(Error::decode("stored session with neither id nor ticket"));
        }
        Ok(Self {
            server_name,
            session_id,
            ticket,
            master_secret,
            cipher_suite,
            extended_master_secret,
            encrypt_then_mac,
            created,
            lifetime,
            peer_certificates,
        })
    }
}

impl core::fmt::Debug for Tls12Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tls12Session")
            .field("server_name", &self.server_name)
            .field("session_id_len", &self.session_id.len())
            .field("ticket_len", &self.ticket.len())
            .field("master_secret", &self.master_secret)
            .field("cipher_suite", &self.cipher_suite)
            .field("extended_master_secret", &self.extended_master_secret)
            .field("created", &self.created)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// A TLS 1.3 ticket, as the client keeps it: the opaque ticket, the PSK it stands
/// for (derived from the resumption master secret and the ticket nonce), and what
/// the NewSessionTicket said about it. Each ticket is offered once (RFC 8446 C.4).
#[derive(Clone, PartialEq, Eq)]
pub struct Tls13Ticket {
    pub(crate) server_name: String,
    pub(crate) ticket: Vec<u8>,
    pub(crate) psk: Secret,
    pub(crate) cipher_suite: CipherSuite,
    pub(crate) age_add: u32,
    pub(crate) lifetime: u32,
    pub(crate) received: u64,
    pub(crate) max_early_data: u32,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
}

impl Tls13Ticket {
    /// The server name (or IP address) the ticket was received from.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// The opaque ticket: the PSK identity offered in pre_shared_key.
    pub fn ticket(&self) -> &[u8] {
        &self.ticket
    }

    /// The suite of the connection that issued it; resumption needs a suite with the
    /// same hash.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.cipher_suite
    }

    /// The ticket lifetime the server announced.
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(u64::from(self.lifetime))
    }

    /// When the ticket was received.
    pub fn received(&self) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(self.received))
    }

    /// The early_data limit the server announced (kept, not used: no 0-RTT).
    pub fn max_early_data(&self) -> u32 {
        self.max_early_data
    }

    /// The ALPN protocol of the connection that issued it.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.alpn.as_deref()
    }

    /// The server's certificate chain as verified when the session began.
    pub fn peer_certificates(&self) -> &[CertificateDer<'static>] {
        &self.peer_certificates
    }

    /// Whether the ticket's lifetime is over at `now`.
    pub fn is_expired(&self, now: UnixTime) -> bool {
        now.as_secs() >= self.received.saturating_add(u64::from(self.lifetime))
    }

    /// The obfuscated ticket age for a ClientHello at `now` (RFC 8446 §4.2.11.1):
    /// milliseconds since the ticket arrived, plus age_add, modulo 2^32.
    pub fn obfuscated_age(&self, now: UnixTime) -> u32 {
        let age_ms = now
            .as_secs()
            .saturating_sub(self.received)
            .saturating_mul(1000);
        (age_ms as u32).wrapping_add(self.age_add)
    }

    /// Serializes the ticket (versioned format). The bytes hold the PSK.
    pub fn to_bytes(&self) -> Secret {
        let variable = self.server_name.len()
            + self.ticket.len()
            + self.psk.len()
            + self.alpn.as_ref().map_or(0, Vec::len);
        let mut out = session_buffer(variable, &self.peer_certificates);
        out.extend_from_slice(&[FORMAT_VERSION, KIND_TLS13]);
        put_name(&mut out, Some(&self.server_name));
        put_u16_len(&mut out, |o| o.extend_from_slice(&self.ticket));
        put_u8_len(&mut out, |o| o.extend_from_slice(self.psk.expose()));
        put_u16(&mut out, self.cipher_suite.to_wire());
        put_u32(&mut out, self.age_add);
        put_u32(&mut out, self.lifetime);
        put_u64(&mut out, self.received);
        put_u32(&mut out, self.max_early_data);
        put_alpn(&mut out, self.alpn.as_deref());
        put_chain(&mut out, &self.peer_certificates);
        Secret::new(out)
    }

    /// Reads what [`Tls13Ticket::to_bytes`] wrote; anything else (another format
    /// version, a TLS 1.2 session, trailing bytes, a suite that is not a TLS 1.3
    /// suite, a PSK whose size is not the suite's hash size, an empty ticket, a
    /// lifetime over seven days) is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes, "stored TLS 1.3 ticket");
        read_header(&mut r, KIND_TLS13)?;
        let ticket = Self::read(&mut r)?;
        r.finish()?;
        Ok(ticket)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let server_name = read_name(r)?.ok_or(Error::decode("stored ticket server name"))?;
        let ticket = r.bytes_u16()?.to_vec();
        if ticket.is_empty() {
            return Err(Error::decode("stored ticket"));
        }
        let psk = Secret::from_slice(r.bytes_u8()?);
        let cipher_suite = CipherSuite::from_wire(r.u16()?);
        let suite =
            tls13_suite(cipher_suite).ok_or(Error::decode("stored TLS 1.3 cipher suite"))?;
        if psk.len() != suite.hash.output_len() {
            return Err(Error::decode("stored PSK"));
        }
        let age_add = r.u32()?;
        let lifetime = r.u32()?;
        if lifetime > MAX_TLS13_LIFETIME {
            return Err(Error::decode("stored ticket lifetime"));
        }
        let received = read_u64(r)?;
        let max_early_data = r.u32()?;
        let alpn = read_alpn(r)?;
        let peer_certificates = read_chain(r)?;
        Ok(Self {
            server_name,
            ticket,
            psk,
            cipher_suite,
            age_add,
            lifetime,
            received,
            max_early_data,
            alpn,
            peer_certificates,
        })
    }
}

impl core::fmt::Debug for Tls13Ticket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tls13Ticket")
            .field("server_name", &self.server_name)
            .field("ticket_len", &self.ticket.len())
            .field("psk", &self.psk)
            .field("cipher_suite", &self.cipher_suite)
            .field("lifetime", &self.lifetime)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

fn read_header(r: &mut Reader<'_>, kind: u8) -> Result<(), Error> {
    if r.u8()? != FORMAT_VERSION {
        return Err(Error::decode("stored session format version"));
    }
    if r.u8()? != kind {
        return Err(Error::decode("stored session kind"));
    }
    Ok(())
}

/// Either kind of stored session, for saving and loading without knowing which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredSession {
    /// A TLS 1.2 session.
    Tls12(Tls12Session),
    /// A TLS 1.3 ticket.
    Tls13(Tls13Ticket),
}

impl StoredSession {
    /// The server name it belongs to.
    pub fn server_name(&self) -> &str {
        match self {
            Self::Tls12(s) => s.server_name(),
            Self::Tls13(t) => t.server_name(),
        }
    }

    /// Serializes it; [`StoredSession::from_bytes`] reads either kind back.
    pub fn to_bytes(&self) -> Secret {
        match self {
            Self::Tls12(s) => s.to_bytes(),
            Self::Tls13(t) => t.to_bytes(),
        }
    }

    /// Reads a TLS 1.2 session or a TLS 1.3 ticket, strictly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        match bytes.get(1) {
            Some(&KIND_TLS12) => Tls12Session::from_bytes(bytes).map(Self::Tls12),
            Some(&KIND_TLS13) => Tls13Ticket::from_bytes(bytes).map(Self::Tls13),
            _ => Err(Error::decode("stored session kind")),
        }
    }
}

/// Where a client keeps sessions between connections, keyed by server name (the
/// DNS name, or the IP address as text). Implementations must be thread-safe: one
/// store serves every connection made with a [`ClientConfig`](crate::ClientConfig).
///
/// The library trusts the store to return only what was stored under the name
/// asked for.
pub trait ClientSessionStore: Send + Sync + core::fmt::Debug {
    /// Remembers the TLS 1.2 session for `server_name`, replacing any earlier one.
    fn put_tls12(&self, server_name: &str, session: Tls12Session);
    /// The TLS 1.2 session for `server_name`; it stays stored (TLS 1.2 sessions may
    /// be resumed more than once).
    fn get_tls12(&self, server_name: &str) -> Option<Tls12Session>;
    /// Forgets the TLS 1.2 session for `server_name`.
    fn remove_tls12(&self, server_name: &str);
    /// Adds a TLS 1.3 ticket for `server_name`.
    fn push_tls13(&self, server_name: &str, ticket: Tls13Ticket);
    /// Removes and returns the newest TLS 1.3 ticket for `server_name`: a ticket is
    /// offered once (RFC 8446 Appendix C.4).
    fn take_tls13(&self, server_name: &str) -> Option<Tls13Ticket>;

    /// Adds a stored session under the server name it carries (loading a saved one).
    fn insert(&self, session: StoredSession) {
        match session {
            StoredSession::Tls12(s) => {
                let name = s.server_name.clone();
                self.put_tls12(&name, s);
            }
            StoredSession::Tls13(t) => {
                let name = t.server_name.clone();
                self.push_tls13(&name, t);
            }
        }
    }
}

/// The default store: in memory, at most `max_servers` server names (least recently
/// used forgotten first), each with one TLS 1.2 session and up to
/// [`InMemorySessionStore::TICKETS_PER_SERVER`] TLS 1.3 tickets (oldest dropped).
pub struct InMemorySessionStore {
    max_servers: usize,
    inner: Mutex<StoreInner>,
}

#[derive(Default)]
struct StoreInner {
    servers: HashMap<String, ServerEntry>,
    tick: u64,
}

#[derive(Default)]
struct ServerEntry {
    tls12: Option<Tls12Session>,
    tls13: VecDeque<Tls13Ticket>,
    last_used: u64,
}

impl InMemorySessionStore {
    /// Default number of server names kept.
    pub const DEFAULT_SERVERS: usize = 256;

    /// TLS 1.3 tickets kept per server (a server sends two per connection by default).
    pub const TICKETS_PER_SERVER: usize = 8;

    /// A store for at most `max_servers` server names (0 keeps nothing).
    pub fn new(max_servers: usize) -> Self {
        Self {
            max_servers,
            inner: Mutex::new(StoreInner::default()),
        }
    }

    /// How many server names have something stored.
    pub fn len(&self) -> usize {
        self.lock().servers.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies of everything stored for `server_name` (the TLS 1.2 session first, then
    /// the TLS 1.3 tickets oldest first), without removing anything: for saving to a
    /// file. The last element is the one to save when saving one: the newest ticket,
    /// else the TLS 1.2 session. TLS 1.3 tickets arrive after the handshake, with the
    /// first records the server sends; read from the connection before exporting.
    pub fn export(&self, server_name: &str) -> Vec<StoredSession> {
        let inner = self.lock();
        let Some(entry) = inner.servers.get(server_name) else {
            return Vec::new();
        };
        entry
            .tls12
            .iter()
            .cloned()
            .map(StoredSession::Tls12)
            .chain(entry.tls13.iter().cloned().map(StoredSession::Tls13))
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, StoreInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry for `server_name`, made (evicting the least recently used server
    /// when full) if needed, and marked as used.
    fn with_entry<T>(&self, server_name: &str, f: impl FnOnce(&mut ServerEntry) -> T) -> Option<T> {
        if self.max_servers == 0 {
            return None;
        }
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if !inner.servers.contains_key(server_name) {
            while inner.servers.len() >= self.max_servers {
                let oldest = inner
                    .servers
                    .iter()
                    .min_by_key(|(_, e)| e.last_used)
                    .map(|(k, _)| k.clone())?;
                inner.servers.remove(&oldest);
            }
            inner
                .servers
                .insert(server_name.to_string(), ServerEntry::default());
        }
        let entry = inner.servers.get_mut(server_name)?;
        entry.last_used = tick;
        let out = f(entry);
        if entry.tls12.is_none() && entry.tls13.is_empty() {
            inner.servers.remove(server_name);
        }
        Some(out)
    }

    fn with_existing<T>(
        &self,
        server_name: &str,
        f: impl FnOnce(&mut ServerEntry) -> T,
    ) -> Option<T> {
        if !self.lock().servers.contains_key(server_name) {
            return None;
        }
        self.with_entry(server_name, f)
    }
}

impl Default for InMemorySessionStore {
    fn default() -> Self {
        Self::new(Self::DEFAULT_SERVERS)
    }
}

impl ClientSessionStore for InMemorySessionStore {
    fn put_tls12(&self, server_name: &str, session: Tls12Session) {
        self.with_entry(server_name, |e| e.tls12 = Some(session));
    }

    fn get_tls12(&self, server_name: &str) -> Option<Tls12Session> {
        self.with_existing(server_name, |e| e.tls12.clone())
            .flatten()
    }

    fn remove_tls12(&self, server_name: &str) {
        self.with_existing(server_name, |e| e.tls12 = None);
    }

    fn push_tls13(&self, server_name: &str, ticket: Tls13Ticket) {
        self.with_entry(server_name, |e| {
            if e.tls13.len() >= Self::TICKETS_PER_SERVER {
                e.tls13.pop_front();
            }
            e.tls13.push_back(ticket);
        });
    }

    fn take_tls13(&self, server_name: &str) -> Option<Tls13Ticket> {
        self.with_existing(server_name, |e| e.tls13.pop_back())
            .flatten()
    }
}

impl core::fmt::Debug for InMemorySessionStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InMemorySessionStore")
            .field("max_servers", &self.max_servers)
            .field("servers", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session12(name: &str) -> Tls12Session {
        Tls12Session {
            server_name: name.into(),
            session_id: vec![7; 32],
            ticket: vec![1, 2, 3],
            master_secret: Secret::new(vec![0x42; 48]),
            cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            extended_master_secret: true,
            encrypt_then_mac: false,
            created: 1_700_000_000,
            lifetime: 7200,
            peer_certificates: vec![CertificateDer::from(vec![0x30, 0x03, 1, 2, 3])],
        }
    }

    fn ticket13(name: &str, n: u8) -> Tls13Ticket {
        Tls13Ticket {
            server_name: name.into(),
            ticket: vec![n; 40],
            psk: Secret::new(vec![n; 32]),
            cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
            age_add: 0xdead_beef,
            lifetime: 7200,
            received: 1_700_000_000,
            max_early_data: 0,
            alpn: Some(b"h2".to_vec()),
            peer_certificates: Vec::new(),
        }
    }

    #[test]
    fn tls12_round_trip_and_strictness() {
        let s = session12("example.com");
        let bytes = s.to_bytes();
        assert_eq!(Tls12Session::from_bytes(bytes.expose()).unwrap(), s);
        assert_eq!(
            StoredSession::from_bytes(bytes.expose()).unwrap(),
            StoredSession::Tls12(s.clone())
        );
        let b = bytes.expose();
        for n in 0..b.len() {
            assert!(Tls12Session::from_bytes(&b[..n]).is_err(), "prefix {n}");
        }
        let mut long = b.to_vec();
        long.push(0);
        assert!(Tls12Session::from_bytes(&long).is_err());
        let mut other_version = b.to_vec();
        other_version[0] = 2;
        assert!(Tls12Session::from_bytes(&other_version).is_err());
        assert!(Tls13Ticket::from_bytes(b).is_err(), "kind is checked");
        let mut bad = s.clone();
        bad.cipher_suite = CipherSuite::TLS13_AES_128_GCM_SHA256;
        assert!(Tls12Session::from_bytes(bad.to_bytes().expose()).is_err());
        let mut bad = s;
        bad.master_secret = Secret::new(vec![1; 47]);
        assert!(Tls12Session::from_bytes(bad.to_bytes().expose()).is_err());
    }

    #[test]
    fn tls13_round_trip_and_strictness() {
        let t = ticket13("example.com", 5);
        let bytes = t.to_bytes();
        assert_eq!(Tls13Ticket::from_bytes(bytes.expose()).unwrap(), t);
        let b = bytes.expose();
        for n in 0..b.len() {
            assert!(Tls13Ticket::from_bytes(&b[..n]).is_err(), "prefix {n}");
        }
        let mut bad = t.clone();
        bad.psk = Secret::new(vec![1; 48]);
        assert!(
            Tls13Ticket::from_bytes(bad.to_bytes().expose()).is_err(),
            "PSK size must match the suite's hash"
        );
        let mut bad = t.clone();
        bad.lifetime = MAX_TLS13_LIFETIME + 1;
        assert!(Tls13Ticket::from_bytes(bad.to_bytes().expose()).is_err());
        let mut bad = t;
        bad.server_name = "bad name".into();
        assert!(Tls13Ticket::from_bytes(bad.to_bytes().expose()).is_err());
    }

    #[test]
    fn obfuscated_age_wraps() {
        let t = ticket13("a", 1);
        let later = UnixTime::since_unix_epoch(Duration::from_secs(1_700_000_003));
        assert_eq!(t.obfuscated_age(later), 0xdead_beef_u32.wrapping_add(3000));
        assert!(!t.is_expired(later));
        let much_later = UnixTime::since_unix_epoch(Duration::from_secs(1_700_007_200));
        assert!(t.is_expired(much_later));
    }

    #[test]
    fn store_takes_newest_ticket_and_bounds_tickets() {
        let store = InMemorySessionStore::new(4);
        for n in 0..10 {
            store.push_tls13("a", ticket13("a", n));
        }
        assert_eq!(
            store.export("a").len(),
            InMemorySessionStore::TICKETS_PER_SERVER
        );
        assert_eq!(store.take_tls13("a").unwrap().ticket, vec![9; 40]);
        assert_eq!(store.take_tls13("a").unwrap().ticket, vec![8; 40]);
        assert!(store.take_tls13("b").is_none());
    }

    #[test]
    fn store_keeps_tls12_sessions_and_evicts_least_recent_server() {
        let store = InMemorySessionStore::new(2);
        store.put_tls12("a", session12("a"));
        store.put_tls12("b", session12("b"));
        assert!(store.get_tls12("a").is_some(), "kept after a get");
        assert!(store.get_tls12("a").is_some());
        store.put_tls12("c", session12("c"));
        assert_eq!(store.len(), 2);
        assert!(store.get_tls12("b").is_none(), "b was least recently used");
        assert!(store.get_tls12("c").is_some());
        store.remove_tls12("c");
        assert!(store.get_tls12("c").is_none());
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn insert_uses_the_stored_name() {
        let store = InMemorySessionStore::default();
        store.insert(StoredSession::Tls13(ticket13("x.example", 1)));
        assert!(store.take_tls13("x.example").is_some());
        assert!(store.is_empty());
    }

    #[test]
    fn debug_redacts_secrets() {
        let shown = format!("{:?} {:?}", session12("a"), ticket13("a", 0x42));
        assert!(shown.contains("redacted"), "{shown}");
        assert!(!shown.contains("66, 66"), "{shown}");
    }
}
