//! Resumption: what each side keeps so that a later connection can skip the full
//! handshake.
//!
//! - Server: [`ServerSessionCache`], a bounded LRU cache of TLS 1.2 sessions by
//!   session id (and of the TLS 1.3 tickets already used, for single-use tickets);
//!   [`Ticketer`], the AEAD keys that seal session state into tickets (TLS 1.2
//!   RFC 5077 tickets, TLS 1.3 PSK identities), rotating on a schedule.
//! - Client: [`ClientSessionStore`] and its default [`InMemorySessionStore`], keyed
//!   by server name, holding [`Tls12Session`]s and [`Tls13Ticket`]s.
//!
//! Everything stored serializes with `to_bytes` / `from_bytes` (a versioned format,
//! decoded strictly), so a client can save a session to a file and resume from it in
//! another process. The bytes contain secrets: they are returned as [`Secret`].
//!
//! [`Secret`]: crate::crypto::Secret

mod cache;
mod client;
pub(crate) mod server;
mod ticketer;

pub use cache::ServerSessionCache;
pub use client::{
    ClientSessionStore, InMemorySessionStore, StoredSession, Tls12Session, Tls13Ticket,
};
pub use ticketer::Ticketer;

pub(crate) use client::DEFAULT_TLS12_LIFETIME;

use crate::error::Error;
use crate::msgs::codec::{put_u16_len, put_u24_len, put_u8_len, Reader};
use rustls_pki_types::CertificateDer;

/// The version of the serialized formats below. Anything else is refused.
const FORMAT_VERSION: u8 = 1;

/// Longest ticket either version can carry (`opaque ticket<1..2^16-1>`).
pub(crate) const MAX_TICKET_LEN: usize = 0xffff;

/// Longest TLS 1.3 ticket lifetime (RFC 8446 §4.6.1): seven days.
pub(crate) const MAX_TLS13_LIFETIME: u32 = 7 * 24 * 3600;

/// A buffer for a serialized session, big enough that writing never reallocates:
/// a reallocation would leave a copy of the secret in freed memory.
fn session_buffer(variable: usize, chain: &[CertificateDer<'static>]) -> Vec<u8> {
    let certs: usize = chain.iter().map(|c| 3 + c.as_ref().len()).sum();
    Vec::with_capacity(64 + variable + certs)
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn read_u64(r: &mut Reader<'_>) -> Result<u64, Error> {
    Ok(u64::from_be_bytes(r.array()?))
}

fn read_bool(r: &mut Reader<'_>) -> Result<bool, Error> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::decode("stored session flag")),
    }
}

/// A host name (or IP address literal): printable ASCII, non-empty when present.
fn put_name(out: &mut Vec<u8>, name: Option<&str>) {
    put_u16_len(out, |o| o.extend_from_slice(name.unwrap_or("").as_bytes()));
}

fn read_name(r: &mut Reader<'_>) -> Result<Option<String>, Error> {
    let bytes = r.bytes_u16()?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err(Error::decode("stored session server name"));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// An ALPN protocol; empty means none (protocol names are never empty).
fn put_alpn(out: &mut Vec<u8>, alpn: Option<&[u8]>) {
    put_u8_len(out, |o| o.extend_from_slice(alpn.unwrap_or(&[])));
}

fn read_alpn(r: &mut Reader<'_>) -> Result<Option<Vec<u8>>, Error> {
    let bytes = r.bytes_u8()?;
    Ok((!bytes.is_empty()).then(|| bytes.to_vec()))
}

fn put_chain(out: &mut Vec<u8>, chain: &[CertificateDer<'static>]) {
    put_u24_len(out, |o| {
        for cert in chain {
            put_u24_len(o, |o| o.extend_from_slice(cert.as_ref()));
        }
    });
}

fn read_chain(r: &mut Reader<'_>) -> Result<Vec<CertificateDer<'static>>, Error> {
    let mut list = r.sub_u24()?;
    let mut chain = Vec::new();
    while !list.is_empty() {
        let cert = list.bytes_u24()?;
        if cert.is_empty() {
            return Err(Error::decode("stored session certificate"));
        }
        chain.push(CertificateDer::from(cert.to_vec()));
    }
    Ok(chain)
}
