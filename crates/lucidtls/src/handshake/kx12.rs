//! TLS 1.2 key agreement: ECDHE, DHE and RSA key transport behind one interface,
//! as in the classic description (and Go's `keyAgreement`). The handshake asks the
//! same questions of each: what goes in ServerKeyExchange, what goes in
//! ClientKeyExchange, and what the pre-master secret is.

use crate::crypto::{ActiveKx, CryptoProvider, Secret, SigningKey};
use crate::enums::{NamedGroup, ProtocolVersion};
use crate::error::Error;
use crate::msgs::{
    ClientKeyExchangeDhe, ClientKeyExchangeEcdhe, ClientKeyExchangeRsa, DheServerParams,
    EcdheServerParams, HandshakeBody,
};
use crate::suites::KeyExchange;
use crate::verify;
use rustls_pki_types::CertificateDer;

/// Smallest DH prime a client accepts (bits).
pub(crate) const MIN_DH_BITS: usize = 2048;

/// The server's half of a key agreement.
pub(crate) enum ServerKx {
    /// ECDHE: our ephemeral key and the params we sent.
    Ecdhe { kx: Box<dyn ActiveKx> },
    /// DHE: our ephemeral key.
    Dhe { kx: Box<dyn ActiveKx> },
    /// RSA key transport: nothing until the client's encrypted pre-master secret.
    Rsa,
}

impl ServerKx {
    /// Step: ServerKeyExchange parameters (none for RSA key transport). Returns the
    /// key agreement and the raw parameters to sign.
    pub fn start(
        provider: &dyn CryptoProvider,
        kind: KeyExchange,
        group: Option<NamedGroup>,
    ) -> Result<(Self, Option<Vec<u8>>), Error> {
        match kind {
            KeyExchange::Ecdhe => {
                let group = group.ok_or(Error::NoCommonGroup)?;
                let kx = provider
                    .kx_group(group)
                    .ok_or(Error::NoCommonGroup)?
                    .start()?;
                let mut params = Vec::new();
                EcdheServerParams::encode_parts(group, kx.public_share(), &mut params);
                Ok((Self::Ecdhe { kx }, Some(params)))
            }
            KeyExchange::Dhe => {
                let group = group.unwrap_or(NamedGroup::FFDHE2048);
                let ffdhe = provider
                    .ffdhe()
                    .ok_or(Error::Internal("provider lacks FFDHE"))?;
                let (p, g, kx) = ffdhe.start_named(group)?;
                let params = DheServerParams {
                    p,
                    g,
                    ys: kx.public_share().to_vec(),
                };
                Ok((Self::Dhe { kx }, Some(params.to_bytes())))
            }
            KeyExchange::Rsa => Ok((Self::Rsa, None)),
        }
    }

    /// Step: ClientKeyExchange → pre-master secret. For RSA the decryption never fails
    /// visibly: a bad ciphertext yields a random pre-master secret (RFC 5246 §7.4.7.1),
    /// so the handshake goes on to fail at Finished, like any other wrong key.
    pub fn finish(
        self,
        provider: &dyn CryptoProvider,
        key: &dyn SigningKey,
        client_version: u16,
        body: &[u8],
    ) -> Result<Secret, Error> {
        match self {
            Self::Ecdhe { kx } => kx.complete(ClientKeyExchangeEcdhe::decode_public(body)?),
            Self::Dhe { kx } => kx.complete(ClientKeyExchangeDhe::decode_yc(body)?),
            Self::Rsa => {
                let ckx = ClientKeyExchangeRsa::decode(body)?;
                let transport = key
                    .rsa_key_transport()
                    .ok_or(Error::Internal("RSA suite without an RSA key"))?;
                // The fallback is drawn before decryption, unconditionally, so both
                // outcomes cost the same.
                let mut fallback = [0u8; 48];
                provider.fill_random(&mut fallback)?;
                Ok(transport.decrypt_premaster(&ckx.encrypted_pms, client_version, &fallback))
            }
        }
    }
}

/// The client's half, once the ServerKeyExchange (if any) has been checked.
pub(crate) enum ClientKx {
    /// ECDHE: the server's group and point.
    Ecdhe(EcdheServerParams),
    /// DHE: the server's explicit parameters.
    Dhe(DheServerParams),
    /// RSA key transport.
    Rsa,
}

/// Bit length of a big-endian unsigned integer.
pub(crate) fn bit_length(n: &[u8]) -> usize {
    match n.iter().position(|b| *b != 0) {
        Some(i) => (n.len() - i - 1) * 8 + (8 - n[i].leading_zeros() as usize),
        None => 0,
    }
}

impl ClientKx {
    /// Checks DHE parameters for strength before using them.
    pub fn check_dhe(params: &DheServerParams) -> Result<(), Error> {
        if bit_length(&params.p) < MIN_DH_BITS {
            return Err(Error::InsufficientSecurity(
                "DH prime shorter than 2048 bits",
            ));
        }
        Ok(())
    }

    /// Step: ClientKeyExchange — our share, or the encrypted pre-master secret.
    /// Returns the message and the pre-master secret.
    pub fn finish(
        self,
        provider: &dyn CryptoProvider,
        server_cert: &CertificateDer<'_>,
    ) -> Result<(ClientKxMessage, Secret), Error> {
        match self {
            Self::Ecdhe(params) => {
                let group = provider
                    .kx_group(params.group)
                    .ok_or(Error::NoCommonGroup)?;
                let kx = group.start()?;
                let public = kx.public_share().to_vec();
                let pms = kx.complete(&params.public)?;
                Ok((
                    ClientKxMessage::Ecdhe(ClientKeyExchangeEcdhe { public }),
                    pms,
                ))
            }
            Self::Dhe(params) => {
                let ffdhe = provider
                    .ffdhe()
                    .ok_or(Error::Internal("provider lacks FFDHE"))?;
                let (yc, pms) = ffdhe.respond_explicit(&params.p, &params.g, &params.ys)?;
                Ok((ClientKxMessage::Dhe(ClientKeyExchangeDhe { yc }), pms))
            }
            Self::Rsa => {
                // The pre-master secret carries the version we offered (RFC 5246 §7.4.7.1).
                let mut pms = vec![0u8; 48];
                pms[..2].copy_from_slice(&ProtocolVersion::Tls12.to_wire().to_be_bytes());
                provider.fill_random(&mut pms[2..])?;
                let spki = verify::subject_public_key_info(server_cert)?;
                let encrypted_pms = provider.rsa_encrypt_pkcs1(&spki, &pms)?;
                Ok((
                    ClientKxMessage::Rsa(ClientKeyExchangeRsa { encrypted_pms }),
                    Secret::new(pms),
                ))
            }
        }
    }
}

/// The client's ClientKeyExchange, of the kind the key agreement needs.
pub(crate) enum ClientKxMessage {
    Ecdhe(ClientKeyExchangeEcdhe),
    Dhe(ClientKeyExchangeDhe),
    Rsa(ClientKeyExchangeRsa),
}

impl ClientKxMessage {
    /// Encodes the body (no header).
    pub fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::Ecdhe(m) => m.encode_body(out),
            Self::Dhe(m) => m.encode_body(out),
            Self::Rsa(m) => m.encode_body(out),
        }
    }
}
