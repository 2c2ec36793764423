//! What both TLS 1.2 sides share: the master secret, the key block turned into
//! record protection, and Finished values (RFC 5246 §7.4.9, §8.1; RFC 7627).

use crate::conn::Common;
use crate::crypto::{CryptoProvider, HmacKey, Secret};
use crate::error::Error;
use crate::keys::tls12::{self, KeyBlock};
use crate::record::{
    RecordDecrypter, RecordEncrypter, Tls12AeadDecrypter, Tls12AeadEncrypter, Tls12AeadKind,
    Tls12CbcDecrypter, Tls12CbcEncrypter,
};
use crate::suites::{Bulk, Tls12Suite};
use crate::trace::{Side, TraceEvent};
use std::sync::{Arc, OnceLock};

/// The agreed session: suite, randoms and master secret.
pub(crate) struct Session12 {
    pub provider: Arc<dyn CryptoProvider>,
    pub suite: Tls12Suite,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub master_secret: Secret,
    pub encrypt_then_mac: bool,
    /// Derived once, on first use, for both directions.
    key_block: OnceLock<KeyBlock>,
    /// The master secret as an HMAC key, prepared once for the key block and both
    /// Finished values.
    master_key: OnceLock<Box<dyn HmacKey>>,
}

impl Session12 {
    /// pre-master secret → master secret: the extended form (RFC 7627) binds it to the
    /// transcript through ClientKeyExchange; the classic one only to the randoms.
    pub fn derive(
        cx: &mut Common,
        provider: Arc<dyn CryptoProvider>,
        suite: Tls12Suite,
        randoms: ([u8; 32], [u8; 32]),
        pre_master_secret: &Secret,
        session_hash: Option<&[u8]>,
        encrypt_then_mac: bool,
    ) -> Self {
        let (client_random, server_random) = randoms;
        let hash = provider.hash(suite.prf);
        let master_secret = match session_hash {
            Some(h) => tls12::extended_master_secret(hash, pre_master_secret, h),
            None => tls12::master_secret(hash, pre_master_secret, &client_random, &server_random),
        };
        cx.log_secret("CLIENT_RANDOM", master_secret.expose());
        let extended = session_hash.is_some();
        cx.tracer.emit(|| TraceEvent::MasterSecret { extended });
        Self {
            provider,
            suite,
            client_random,
            server_random,
            master_secret,
            encrypt_then_mac,
            key_block: OnceLock::new(),
            master_key: OnceLock::new(),
        }
    }

    /// Resumption (abbreviated handshake): the session's master secret again, with
    /// this connection's randoms for the key block (RFC 5246 §7.3).
    pub fn resume(
        cx: &mut Common,
        provider: Arc<dyn CryptoProvider>,
        suite: Tls12Suite,
        randoms: ([u8; 32], [u8; 32]),
        master_secret: Secret,
        encrypt_then_mac: bool,
    ) -> Self {
        let (client_random, server_random) = randoms;
        cx.log_secret("CLIENT_RANDOM", master_secret.expose());
        Self {
            provider,
            suite,
            client_random,
            server_random,
            master_secret,
            encrypt_then_mac,
            key_block: OnceLock::new(),
            master_key: OnceLock::new(),
        }
    }

    fn master_key(&self) -> &dyn HmacKey {
        &**self.master_key.get_or_init(|| {
            self.provider
                .hash(self.suite.prf)
                .hmac_key(self.master_secret.expose())
        })
    }

    fn key_block(&self) -> KeyBlock {
        let (mac, enc, iv) = match self.suite.bulk {
            Bulk::Aead(alg) => (
                0,
                alg.key_len(),
                Tls12AeadKind::for_algorithm(alg).fixed_iv_len(),
            ),
            Bulk::Cbc(alg) => (alg.mac_len(), alg.enc_key_len(), 0),
        };
        KeyBlock::derive_with_key(
            self.master_key(),
            &self.server_random,
            &self.client_random,
            mac,
            enc,
            iv,
        )
    }

    /// The key block's keys for what `writer` sends: (MAC key, key, IV).
    fn keys_of(&self, writer: Side) -> (&Secret, &Secret, &Secret) {
        let kb = self.key_block.get_or_init(|| self.key_block());
        match writer {
            Side::Client => (&kb.client_mac_key, &kb.client_key, &kb.client_iv),
            Side::Server => (&kb.server_mac_key, &kb.server_key, &kb.server_iv),
        }
    }

    /// After our ChangeCipherSpec: protect what we send.
    pub fn install_encrypter(&self, cx: &mut Common) -> Result<(), Error> {
        let (mac_key, key, iv) = self.keys_of(cx.side);
        let enc: Box<dyn RecordEncrypter> = match self.suite.bulk {
            Bulk::Aead(alg) => Box::new(Tls12AeadEncrypter::new(
                self.provider.aead(alg).key(key.expose())?,
                iv.expose(),
                Tls12AeadKind::for_algorithm(alg),
            )?),
            Bulk::Cbc(alg) => Box::new(Tls12CbcEncrypter::new(
                self.cbc_key(alg, key, mac_key)?,
                alg,
                self.encrypt_then_mac,
                self.provider.clone(),
            )),
        };
        cx.set_encrypter(enc);
        self.trace_keys(cx, cx.side);
        Ok(())
    }

    /// After the peer's ChangeCipherSpec: remove its protection.
    pub fn install_decrypter(&self, cx: &mut Common) -> Result<(), Error> {
        let peer = cx.side.peer();
        let (mac_key, key, iv) = self.keys_of(peer);
        let dec: Box<dyn RecordDecrypter> = match self.suite.bulk {
            Bulk::Aead(alg) => Box::new(Tls12AeadDecrypter::new(
                self.provider.aead(alg).key(key.expose())?,
                iv.expose(),
                Tls12AeadKind::for_algorithm(alg),
            )?),
            Bulk::Cbc(alg) => Box::new(Tls12CbcDecrypter::new(
                self.cbc_key(alg, key, mac_key)?,
                alg,
                self.encrypt_then_mac,
            )),
        };
        cx.set_decrypter(dec)?;
        self.trace_keys(cx, peer);
        Ok(())
    }

    fn cbc_key(
        &self,
        alg: crate::crypto::CbcAlgorithm,
        key: &Secret,
        mac_key: &Secret,
    ) -> Result<Box<dyn crate::crypto::CbcKey>, Error> {
        let cbc = self
            .provider
            .cbc(alg)
            .ok_or(Error::Internal("provider lacks CBC"))?;
        cbc.key(key.expose(), mac_key.expose())
    }

    fn trace_keys(&self, cx: &Common, writer: Side) {
        let (key_len, iv_len) = match self.suite.bulk {
            Bulk::Aead(alg) => (
                alg.key_len(),
                Tls12AeadKind::for_algorithm(alg).fixed_iv_len(),
            ),
            Bulk::Cbc(alg) => (alg.enc_key_len(), 16),
        };
        let name = match writer {
            Side::Client => "client write (key block)",
            Side::Server => "server write (key block)",
        };
        cx.tracer.emit(|| TraceEvent::KeysDerived {
            name,
            key_len,
            iv_len,
        });
    }

    /// Finished verify_data for `sender` over the transcript hash.
    pub fn verify_data(&self, sender: Side, handshake_hash: &[u8]) -> [u8; 12] {
        let label = match sender {
            Side::Client => tls12::CLIENT_FINISHED_LABEL,
            Side::Server => tls12::SERVER_FINISHED_LABEL,
        };
        tls12::finished_verify_data_with_key(self.master_key(), label, handshake_hash)
    }
}
