//! What the server remembers of a session: in its cache (TLS 1.2, by session id) or
//! sealed in a ticket (TLS 1.2 RFC 5077 tickets, TLS 1.3 PSK identities).

use super::{
    put_alpn, put_chain, put_name, put_u64, read_alpn, read_chain, read_name, read_u64,
    session_buffer, FORMAT_VERSION,
};
use crate::crypto::Secret;
use crate::enums::{CipherSuite, ProtocolVersion};
use crate::error::Error;
use crate::keys::tls12::MASTER_SECRET_LEN;
use crate::msgs::codec::{put_u16, put_u32, put_u8_len, Reader};
use crate::suites::{tls12_suite, tls13_suite};
use rustls_pki_types::CertificateDer;

const KIND_SERVER: u8 = 0x53; // 'S'

const FLAG_EMS: u8 = 1;
const FLAG_ETM: u8 = 2;

/// Cache key prefixes: TLS 1.2 sessions and used TLS 1.3 tickets share one cache.
pub(crate) const CACHE_SESSION_ID: u8 = 1;
pub(crate) const CACHE_USED_TICKET: u8 = 2;

/// A cache key: a kind byte, then the id.
pub(crate) fn cache_key(kind: u8, id: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + id.len());
    key.push(kind);
    key.extend_from_slice(id);
    key
}

/// The server's record of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServerSession {
    /// TLS 1.2 or TLS 1.3: a ticket of one version is never accepted by the other.
    pub version: ProtocolVersion,
    pub cipher_suite: CipherSuite,
    /// TLS 1.2: the master secret. TLS 1.3: the resumption PSK.
    pub secret: Secret,
    /// TLS 1.2: the extended master secret was used (always, for sessions we keep).
    pub extended_master_secret: bool,
    /// TLS 1.2: Encrypt-then-MAC was used.
    pub encrypt_then_mac: bool,
    /// Unix seconds when the session began (TLS 1.3: when the ticket was issued).
    pub created: u64,
    /// Seconds the session (ticket) stays valid after `created`.
    pub lifetime: u32,
    /// TLS 1.3: the ticket's age_add.
    pub age_add: u32,
    /// The SNI the session began with; resumption requires the same.
    pub server_name: Option<String>,
    /// The ALPN protocol of the original connection.
    pub alpn: Option<Vec<u8>>,
    /// The client's verified certificate chain (mutual TLS), empty when none.
    pub client_chain: Vec<CertificateDer<'static>>,
}

impl ServerSession {
    /// Whether the session is over at `now` (Unix seconds).
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.created.saturating_add(u64::from(self.lifetime))
    }

    /// Unix seconds when it expires.
    pub fn expires(&self) -> u64 {
        self.created.saturating_add(u64::from(self.lifetime))
    }

    pub fn to_bytes(&self) -> Secret {
        let variable = self.secret.len()
            + self.server_name.as_ref().map_or(0, String::len)
            + self.alpn.as_ref().map_or(0, Vec::len);
        let mut out = session_buffer(variable, &self.client_chain);
        out.extend_from_slice(&[FORMAT_VERSION, KIND_SERVER]);
        put_u16(&mut out, self.version.to_wire());
        put_u16(&mut out, self.cipher_suite.to_wire());
        put_u8_len(&mut out, |o| o.extend_from_slice(self.secret.expose()));
        let mut flags = 0;
        if self.extended_master_secret {
            flags |= FLAG_EMS;
        }
        if self.encrypt_then_mac {
            flags |= FLAG_ETM;
        }
        out.push(flags);
        put_u64(&mut out, self.created);
        put_u32(&mut out, self.lifetime);
        put_u32(&mut out, self.age_add);
        put_name(&mut out, self.server_name.as_deref());
        put_alpn(&mut out, self.alpn.as_deref());
        put_chain(&mut out, &self.client_chain);
        Secret::new(out)
    }

    /// Strict decoding; `Err` for anything we did not write (another format, the
    /// wrong secret size for the suite, unknown flags, trailing bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes, "server session state");
        if r.u8()? != FORMAT_VERSION || r.u8()? != KIND_SERVER {
            return Err(Error::decode("server session state header"));
        }
        let version = ProtocolVersion::from_wire(r.u16()?);
        let cipher_suite = CipherSuite::from_wire(r.u16()?);
        let secret_len = match version {
            ProtocolVersion::Tls12 if tls12_suite(cipher_suite).is_some() => MASTER_SECRET_LEN,
            ProtocolVersion::Tls13 => tls13_suite(cipher_suite)
                .ok_or(Error::decode("server session suite"))?
                .hash
                .output_len(),
            _ => return Err(Error::decode("server session version")),
        };
        let secret = r.bytes_u8()?;
        if secret.len() != secret_len {
            return Err(Error::decode("server session secret"));
        }
        let secret = Secret::from_slice(secret);
        let flags = r.u8()?;
        if flags & !(FLAG_EMS | FLAG_ETM) != 0 {
            return Err(Error::decode("server session flags"));
        }
        let created = read_u64(&mut r)?;
        let lifetime = r.u32()?;
        let age_add = r.u32()?;
        let server_name = read_name(&mut r)?;
        let alpn = read_alpn(&mut r)?;
        let client_chain = read_chain(&mut r)?;
        r.finish()?;
        Ok(Self {
            version,
            cipher_suite,
            secret,
            extended_master_secret: flags & FLAG_EMS != 0,
            encrypt_then_mac: flags & FLAG_ETM != 0,
            created,
            lifetime,
            age_add,
            server_name,
            alpn,
            client_chain,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(version: ProtocolVersion) -> ServerSession {
        let (suite, len) = match version {
            ProtocolVersion::Tls12 => (CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 48),
            _ => (CipherSuite::TLS13_AES_256_GCM_SHA384, 48),
        };
        ServerSession {
            version,
            cipher_suite: suite,
            secret: Secret::new(vec![0x11; len]),
            extended_master_secret: true,
            encrypt_then_mac: false,
            created: 1_700_000_000,
            lifetime: 3600,
            age_add: 99,
            server_name: Some("localhost".into()),
            alpn: None,
            client_chain: vec![CertificateDer::from(vec![0x30, 0])],
        }
    }

    #[test]
    fn round_trip_both_versions() {
        for v in [ProtocolVersion::Tls12, ProtocolVersion::Tls13] {
            let s = sample(v);
            let bytes = s.to_bytes();
            assert_eq!(ServerSession::from_bytes(bytes.expose()).unwrap(), s);
            let b = bytes.expose();
            for n in 0..b.len() {
                assert!(
                    ServerSession::from_bytes(&b[..n]).is_err(),
                    "{v} prefix {n}"
                );
            }
            let mut long = b.to_vec();
            long.push(0);
            assert!(ServerSession::from_bytes(&long).is_err());
        }
    }

    #[test]
    fn version_and_suite_must_agree() {
        let mut s = sample(ProtocolVersion::Tls12);
        s.cipher_suite = CipherSuite::TLS13_AES_128_GCM_SHA256;
        assert!(ServerSession::from_bytes(s.to_bytes().expose()).is_err());
        let mut s = sample(ProtocolVersion::Tls13);
        s.secret = Secret::new(vec![0; 32]);
        assert!(ServerSession::from_bytes(s.to_bytes().expose()).is_err());
        let mut s = sample(ProtocolVersion::Tls12);
        s.version = ProtocolVersion::Tls11;
        assert!(ServerSession::from_bytes(s.to_bytes().expose()).is_err());
    }

    #[test]
    fn expiry() {
        let s = sample(ProtocolVersion::Tls13);
        assert!(!s.is_expired(1_700_003_599));
        assert!(s.is_expired(1_700_003_600));
        assert_eq!(cache_key(CACHE_SESSION_ID, &[9, 9]), vec![1, 9, 9]);
    }
}
