//! ServerKeyExchange (RFC 5246 §7.4.3; ECDHE: RFC 8422 §5.4, RFC 4492 §5.4).
//!
//! The body's layout depends on the negotiated key exchange, which the message itself
//! does not name, so there is one typed codec per kind ([`EcdheServerParams`],
//! [`DheServerParams`]) and [`ServerKeyExchange`] decodes with the one the handshake
//! asks for. The signature covers the parameters exactly as they were sent, so decoding
//! also returns their raw bytes; [`tls12_ske_signed_content`] lays out what was signed.

use super::codec::{put_u16, put_u16_len, put_u8_len, Reader};
use crate::enums::{HandshakeType, NamedGroup, SignatureScheme};
use crate::error::Error;

/// `ECCurveType.named_curve` (RFC 8422 §5.4), the only curve type we accept.
pub const NAMED_CURVE: u8 = 3;

/// `ServerECDHParams` (RFC 8422 §5.4): a named curve and the server's ephemeral point.
///
/// The curve type is always `named_curve` ([`NAMED_CURVE`]); the explicit-curve types
/// RFC 8422 deprecated, and any other value, are [`Error::IllegalParameter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdheServerParams {
    /// The group (curve) of the share.
    pub group: NamedGroup,
    /// The server's public share (`ECPoint point<1..2^8-1>`), as it goes on the wire.
    pub public: Vec<u8>,
}

impl EcdheServerParams {
    /// Reads the parameters, leaving the reader after them.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        if r.u8()? != NAMED_CURVE {
            return Err(Error::IllegalParameter(
                "ServerKeyExchange curve type is not named_curve",
            ));
        }
        let group = NamedGroup::from_wire(r.u16()?);
        let public = r.bytes_u8()?;
        if public.is_empty() {
            return Err(Error::decode("ServerKeyExchange ECDH public value"));
        }
        Ok(Self {
            group,
            public: public.to_vec(),
        })
    }

    /// Appends the encoded parameters to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        Self::encode_parts(self.group, &self.public, out);
    }

    /// Appends the encoded parameters for `group` and `public` to `out`, straight
    /// from where they lie.
    pub fn encode_parts(group: NamedGroup, public: &[u8], out: &mut Vec<u8>) {
        out.push(NAMED_CURVE);
        put_u16(out, group.to_wire());
        put_u8_len(out, |o| o.extend_from_slice(public));
    }

    /// The encoded parameters, as they are signed and sent.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// `ServerDHParams` (RFC 5246 §7.4.3): explicit finite-field parameters and the
/// server's public value, each a big-endian integer `<1..2^16-1>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DheServerParams {
    /// The prime modulus.
    pub p: Vec<u8>,
    /// The generator.
    pub g: Vec<u8>,
    /// The server's public value g^X mod p.
    pub ys: Vec<u8>,
}

impl DheServerParams {
    /// Reads the parameters, leaving the reader after them.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut field = |what| {
            let v = r.bytes_u16()?;
            if v.is_empty() {
                return Err(Error::decode(what));
            }
            Ok(v.to_vec())
        };
        let p = field("ServerKeyExchange dh_p")?;
        let g = field("ServerKeyExchange dh_g")?;
        let ys = field("ServerKeyExchange dh_Ys")?;
        Ok(Self { p, g, ys })
    }

    /// Appends the encoded parameters to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        for v in [&self.p, &self.g, &self.ys] {
            put_u16_len(out, |o| o.extend_from_slice(v));
        }
    }

    /// The encoded parameters, as they are signed and sent.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// `DigitallySigned` (RFC 5246 §4.7): a signature scheme and the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitallySigned {
    /// The scheme (TLS 1.2 `SignatureAndHashAlgorithm`, same code points).
    pub scheme: SignatureScheme,
    /// The signature bytes (never empty).
    pub signature: Vec<u8>,
}

/// A [`DigitallySigned`] read in place: the signature is lent from the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigitallySignedRef<'a> {
    /// The scheme (TLS 1.2 `SignatureAndHashAlgorithm`, same code points).
    pub scheme: SignatureScheme,
    /// The signature bytes (never empty).
    pub signature: &'a [u8],
}

impl<'a> DigitallySignedRef<'a> {
    /// Reads a scheme and a non-empty signature.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let scheme = SignatureScheme::from_wire(r.u16()?);
        let signature = r.bytes_u16()?;
        if signature.is_empty() {
            return Err(Error::decode("ServerKeyExchange signature"));
        }
        Ok(Self { scheme, signature })
    }
}

impl DigitallySigned {
    /// Reads a scheme and a non-empty signature.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let signed = DigitallySignedRef::read(r)?;
        Ok(Self {
            scheme: signed.scheme,
            signature: signed.signature.to_vec(),
        })
    }

    /// Appends the encoded scheme and signature to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.scheme.to_wire());
        put_u16_len(out, |o| o.extend_from_slice(&self.signature));
    }
}

/// A signed ServerKeyExchange: encoded parameters followed by a `DigitallySigned`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyExchange {
    /// The parameters exactly as sent (and signed), from
    /// [`EcdheServerParams::to_bytes`] or [`DheServerParams::to_bytes`].
    pub params_bytes: Vec<u8>,
    /// The signature scheme.
    pub scheme: SignatureScheme,
    /// The signature over [`tls12_ske_signed_content`].
    pub signature: Vec<u8>,
}

impl ServerKeyExchange {
    /// The message type.
    pub const TYPE: HandshakeType = HandshakeType::ServerKeyExchange;

    /// Decodes an ECDHE ServerKeyExchange body: the parameters, their raw bytes (what
    /// the signature covers) and the signature. Trailing bytes are a decode error.
    pub fn decode_ecdhe(
        body: &[u8],
    ) -> Result<(EcdheServerParams, Vec<u8>, DigitallySigned), Error> {
        Self::owned(Self::decode_ecdhe_in_place(body)?)
    }

    /// Decodes a DHE ServerKeyExchange body: the parameters, their raw bytes (what the
    /// signature covers) and the signature. Trailing bytes are a decode error.
    pub fn decode_dhe(body: &[u8]) -> Result<(DheServerParams, Vec<u8>, DigitallySigned), Error> {
        Self::owned(Self::decode_dhe_in_place(body)?)
    }

    /// As [`ServerKeyExchange::decode_ecdhe`], with the raw parameters and the
    /// signature lent from `body`.
    pub fn decode_ecdhe_in_place(
        body: &[u8],
    ) -> Result<(EcdheServerParams, &[u8], DigitallySignedRef<'_>), Error> {
        Self::decode_with(body, EcdheServerParams::read)
    }

    /// As [`ServerKeyExchange::decode_dhe`], with the raw parameters and the
    /// signature lent from `body`.
    pub fn decode_dhe_in_place(
        body: &[u8],
    ) -> Result<(DheServerParams, &[u8], DigitallySignedRef<'_>), Error> {
        Self::decode_with(body, DheServerParams::read)
    }

    fn owned<P>(
        (params, raw, signed): (P, &[u8], DigitallySignedRef<'_>),
    ) -> Result<(P, Vec<u8>, DigitallySigned), Error> {
        let signed = DigitallySigned {
            scheme: signed.scheme,
            signature: signed.signature.to_vec(),
        };
        Ok((params, raw.to_vec(), signed))
    }

    fn decode_with<'a, P>(
        body: &'a [u8],
        read: impl FnOnce(&mut Reader<'a>) -> Result<P, Error>,
    ) -> Result<(P, &'a [u8], DigitallySignedRef<'a>), Error> {
        let mut r = Reader::new(body, "ServerKeyExchange");
        let params = read(&mut r)?;
        let rest = r.rest();
        let params_len = body.len() - rest.len();
        let params_bytes = body
            .get(..params_len)
            .ok_or(Error::decode("ServerKeyExchange"))?;
        let mut r = Reader::new(rest, "ServerKeyExchange");
        let signed = DigitallySignedRef::read(&mut r)?;
        r.finish()?;
        Ok((params, params_bytes, signed))
    }

    /// The scheme and signature as a [`DigitallySigned`].
    pub fn signed(&self) -> DigitallySigned {
        DigitallySigned {
            scheme: self.scheme,
            signature: self.signature.clone(),
        }
    }

    /// Encodes the body (no header).
    pub fn encode_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.params_bytes);
        put_u16(out, self.scheme.to_wire());
        put_u16_len(out, |o| o.extend_from_slice(&self.signature));
    }

    /// Encodes the whole message with its handshake header.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        super::handshake::encode_handshake(Self::TYPE, &mut out, |o| self.encode_body(o));
        out
    }
}

/// What a TLS 1.2 ServerKeyExchange signature covers (RFC 5246 §7.4.3, RFC 8422 §5.4):
/// `ClientHello.random || ServerHello.random || params`.
pub fn tls12_ske_signed_content(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    params: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + params.len());
    out.extend_from_slice(client_random);
    out.extend_from_slice(server_random);
    out.extend_from_slice(params);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::handshake::split_handshake;

    fn ecdhe() -> (EcdheServerParams, DigitallySigned) {
        (
            EcdheServerParams {
                group: NamedGroup::X25519,
                public: (1..=32).collect(),
            },
            DigitallySigned {
                scheme: SignatureScheme::ECDSA_NISTP256_SHA256,
                signature: vec![0x30; 70],
            },
        )
    }

    fn dhe() -> (DheServerParams, DigitallySigned) {
        (
            DheServerParams {
                p: vec![0xff; 256],
                g: vec![2],
                ys: vec![0x5a; 255],
            },
            DigitallySigned {
                scheme: SignatureScheme::RSA_PSS_RSAE_SHA256,
                signature: vec![7; 256],
            },
        )
    }

    fn build(params_bytes: Vec<u8>, signed: &DigitallySigned) -> ServerKeyExchange {
        ServerKeyExchange {
            params_bytes,
            scheme: signed.scheme,
            signature: signed.signature.clone(),
        }
    }

    /// Every strict prefix and any extension of `body` fails to decode with `decode`.
    fn assert_strict<T: core::fmt::Debug>(body: &[u8], decode: impl Fn(&[u8]) -> Result<T, Error>) {
        assert!(decode(body).is_ok());
        for n in 0..body.len() {
            assert!(decode(&body[..n]).is_err(), "prefix {n}");
        }
        let mut long = body.to_vec();
        long.push(0);
        assert!(decode(&long).is_err(), "trailing byte");
    }

    #[test]
    fn ecdhe_round_trip() {
        let (params, signed) = ecdhe();
        let raw = params.to_bytes();
        assert_eq!(&raw[..4], &[3, 0x00, 0x1d, 32]);
        assert_eq!(raw.len(), 4 + 32);
        let msg = build(raw.clone(), &signed);
        let whole = msg.encode();
        let (typ, body) = split_handshake(&whole).unwrap();
        assert_eq!(typ, HandshakeType::ServerKeyExchange);
        assert_eq!(&body[36..40], &[0x04, 0x03, 0, 70]);
        let (p2, raw2, s2) = ServerKeyExchange::decode_ecdhe(body).unwrap();
        assert_eq!((p2, &raw2, &s2), (params, &raw, &signed));
        assert_eq!(s2, msg.signed());
        assert_strict(body, ServerKeyExchange::decode_ecdhe);
    }

    #[test]
    fn dhe_round_trip() {
        let (params, signed) = dhe();
        let raw = params.to_bytes();
        assert_eq!(raw.len(), 2 + 256 + 2 + 1 + 2 + 255);
        assert_eq!(&raw[258..261], &[0, 1, 2]);
        let msg = build(raw.clone(), &signed);
        let mut body = Vec::new();
        msg.encode_body(&mut body);
        let (p2, raw2, s2) = ServerKeyExchange::decode_dhe(&body).unwrap();
        assert_eq!((p2, raw2, s2), (params, raw, signed));
        assert_strict(&body, ServerKeyExchange::decode_dhe);
    }

    #[test]
    fn curve_type_must_be_named_curve() {
        let (params, signed) = ecdhe();
        let mut body = Vec::new();
        build(params.to_bytes(), &signed).encode_body(&mut body);
        for bad in [0u8, 1, 2, 4, 255] {
            body[0] = bad;
            let err = ServerKeyExchange::decode_ecdhe(&body).unwrap_err();
            assert!(matches!(err, Error::IllegalParameter(_)), "{bad}: {err:?}");
            assert_eq!(err.alert().to_wire(), 47);
        }
    }

    #[test]
    fn empty_fields_are_rejected() {
        // Empty ECDH point.
        let body = [3, 0, 23, 0, 4, 3, 0, 1, 9];
        assert_eq!(
            ServerKeyExchange::decode_ecdhe(&body),
            Err(Error::decode("ServerKeyExchange ECDH public value"))
        );
        // Empty signature.
        let body = [3, 0, 23, 1, 4, 4, 3, 0, 0];
        assert_eq!(
            ServerKeyExchange::decode_ecdhe(&body),
            Err(Error::decode("ServerKeyExchange signature"))
        );
        // Empty g.
        let body = [0, 1, 23, 0, 0, 0, 1, 5, 4, 1, 0, 1, 1];
        assert_eq!(
            ServerKeyExchange::decode_dhe(&body),
            Err(Error::decode("ServerKeyExchange dh_g"))
        );
        // The same with g present decodes.
        let body = [0, 1, 23, 0, 1, 2, 0, 1, 5, 4, 1, 0, 1, 1];
        let (p, raw, s) = ServerKeyExchange::decode_dhe(&body).unwrap();
        assert_eq!((p.p, p.g, p.ys), (vec![23], vec![2], vec![5]));
        assert_eq!(raw, &body[..9]);
        assert_eq!(s.scheme, SignatureScheme::RSA_PKCS1_SHA256);
    }

    #[test]
    fn unknown_scheme_and_group_are_kept() {
        let body = [3, 0xfe, 0xfe, 1, 4, 0xab, 0xcd, 0, 1, 1];
        let (p, _, s) = ServerKeyExchange::decode_ecdhe(&body).unwrap();
        assert_eq!(p.group, NamedGroup::Unknown(0xfefe));
        assert_eq!(s.scheme, SignatureScheme::Unknown(0xabcd));
    }

    #[test]
    fn signed_content_layout() {
        let c = [1u8; 32];
        let s = [2u8; 32];
        let out = tls12_ske_signed_content(&c, &s, &[9, 8, 7]);
        assert_eq!(out.len(), 67);
        assert_eq!(&out[..32], &c);
        assert_eq!(&out[32..64], &s);
        assert_eq!(&out[64..], &[9, 8, 7]);
    }
}
