//! What both TLS 1.3 sides share: turning a traffic secret into record protection.

use crate::conn::Common;
use crate::crypto::CryptoProvider;
use crate::error::Error;
use crate::keys::tls13::TrafficSecret;
use crate::record::{Tls13Decrypter, Tls13Encrypter};
use crate::suites::Tls13Suite;
use crate::trace::TraceEvent;
use std::sync::Arc;

/// Installs the receiving key derived from `secret`.
pub(crate) fn install_decrypter(
    cx: &mut Common,
    provider: &Arc<dyn CryptoProvider>,
    suite: Tls13Suite,
    secret: &TrafficSecret,
    name: &'static str,
) -> Result<(), Error> {
    let keys = secret.keys(suite.aead);
    let key = provider.aead(suite.aead).key(keys.key.expose())?;
    cx.set_decrypter(Box::new(Tls13Decrypter::new(key, keys.iv)))?;
    cx.tracer.emit(|| TraceEvent::KeysDerived {
        name,
        key_len: keys.key.len(),
        iv_len: 12,
    });
    Ok(())
}

/// Installs the sending key derived from `secret`.
pub(crate) fn install_encrypter(
    cx: &mut Common,
    provider: &Arc<dyn CryptoProvider>,
    suite: Tls13Suite,
    secret: &TrafficSecret,
    name: &'static str,
) -> Result<(), Error> {
    let keys = secret.keys(suite.aead);
    let key = provider.aead(suite.aead).key(keys.key.expose())?;
    cx.set_encrypter(Box::new(Tls13Encrypter::new(key, keys.iv)));
    cx.tracer.emit(|| TraceEvent::KeysDerived {
        name,
        key_len: keys.key.len(),
        iv_len: 12,
    });
    Ok(())
}
