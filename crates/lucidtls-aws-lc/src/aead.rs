//! Record-protection AEADs: AES-GCM and ChaCha20-Poly1305, in place.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use lucidtls::crypto::{Aead, AeadKey, AEAD_TAG_LEN};
use lucidtls::enums::AeadAlgorithm;
use lucidtls::Error;

/// One AEAD algorithm.
#[derive(Debug)]
pub(crate) struct AwsAead {
    alg: AeadAlgorithm,
    aws: &'static aead::Algorithm,
}

pub(crate) static AES_128_GCM: AwsAead = AwsAead {
    alg: AeadAlgorithm::Aes128Gcm,
    aws: &aead::AES_128_GCM,
};

pub(crate) static AES_256_GCM: AwsAead = AwsAead {
    alg: AeadAlgorithm::Aes256Gcm,
    aws: &aead::AES_256_GCM,
};

pub(crate) static CHACHA20_POLY1305: AwsAead = AwsAead {
    alg: AeadAlgorithm::ChaCha20Poly1305,
    aws: &aead::CHACHA20_POLY1305,
};

/// The implementation for `alg`.
pub(crate) fn for_algorithm(alg: AeadAlgorithm) -> &'static dyn Aead {
    match alg {
        AeadAlgorithm::Aes128Gcm => &AES_128_GCM,
        AeadAlgorithm::Aes256Gcm => &AES_256_GCM,
        AeadAlgorithm::ChaCha20Poly1305 => &CHACHA20_POLY1305,
    }
}

impl Aead for AwsAead {
    fn algorithm(&self) -> AeadAlgorithm {
        self.alg
    }

    fn key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, Error> {
        if key.len() != self.alg.key_len() {
            return Err(Error::Internal("AEAD key has the wrong length"));
        }
        let unbound = UnboundKey::new(self.aws, key)
            .map_err(|_| Error::Internal("AEAD key rejected by aws-lc-rs"))?;
        Ok(Box::new(Key(LessSafeKey::new(unbound))))
    }
}

/// A keyed AEAD. The nonce is the per-record nonce built by the record layer, so it
/// is unique per key as `LessSafeKey` requires.
struct Key(LessSafeKey);

impl AeadKey for Key {
    fn seal(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut Vec<u8>) -> Result<(), Error> {
        let tag = self
            .0
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                buf.as_mut_slice(),
            )
            .map_err(|_| Error::Internal("AEAD seal failed"))?;
        buf.extend_from_slice(tag.as_ref());
        Ok(())
    }

    fn open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> Result<usize, Error> {
        self.0
            .open_in_place(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), buf)
            .map(|plaintext| plaintext.len())
            .map_err(|_| Error::BadRecordMac)
    }

    fn seal_in_place_append_tag(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut Vec<u8>,
        start: usize,
    ) -> Result<(), Error> {
        let tail = buf.get_mut(start..).ok_or(Error::Internal(
            "AEAD seal starts past the end of the buffer",
        ))?;
        let tag = self
            .0
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), tail)
            .map_err(|_| Error::Internal("AEAD seal failed"))?;
        buf.extend_from_slice(tag.as_ref());
        Ok(())
    }

    /// Out of place: AWS-LC reads `plaintext` where it is and writes the ciphertext
    /// straight into `out`; the trailer (TLS 1.3 content type and padding) is its
    /// scatter `extra_in`, sealed into the same call ahead of the tag.
    fn seal_into(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        plaintext: &[u8],
        trailer: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        if out.len() != plaintext.len() + trailer.len() + AEAD_TAG_LEN {
            return Err(Error::Internal(
                "AEAD seal_into output has the wrong length",
            ));
        }
        let (ciphertext, extra_and_tag) = out.split_at_mut(plaintext.len());
        self.0
            .seal_out_of_place_scatter(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                plaintext,
                ciphertext,
                trailer,
                extra_and_tag,
            )
            .map_err(|_| Error::Internal("AEAD seal failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_after_a_prefix_matches_seal_and_opens() {
        let nonce = [7u8; 12];
        let aad = [23, 3, 3, 0, 42];
        for aead in [&AES_128_GCM, &AES_256_GCM, &CHACHA20_POLY1305] {
            let key = aead.key(&vec![0x42; aead.alg.key_len()]).unwrap();
            let plaintext: Vec<u8> = (0..100u8).collect();
            let mut whole = plaintext.clone();
            key.seal(&nonce, &aad, &mut whole).unwrap();

            let mut buf = b"header".to_vec();
            buf.extend_from_slice(&plaintext);
            key.seal_in_place_append_tag(&nonce, &aad, &mut buf, 6)
                .unwrap();
            assert_eq!(&buf[..6], b"header", "{:?}", aead.alg);
            assert_eq!(&buf[6..], &whole[..], "{:?}", aead.alg);

            let n = key.open(&nonce, &aad, &mut buf[6..]).unwrap();
            assert_eq!(&buf[6..6 + n], &plaintext[..]);
            assert!(key
                .seal_in_place_append_tag(&nonce, &aad, &mut buf, 500)
                .is_err());
        }
    }

    /// A key that only implements the required methods, so the provided `seal_into`
    /// (copy, then seal in place) runs: the reference for the scatter override.
    struct DefaultsOnly(Box<dyn AeadKey>);

    impl AeadKey for DefaultsOnly {
        fn seal(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut Vec<u8>) -> Result<(), Error> {
            self.0.seal(nonce, aad, buf)
        }
        fn open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> Result<usize, Error> {
            self.0.open(nonce, aad, buf)
        }
    }

    #[test]
    fn seal_into_matches_sealing_the_concatenation() {
        let nonce = [9u8; 12];
        let aad = [23, 3, 3, 0x40, 0x11];
        for aead in [&AES_128_GCM, &AES_256_GCM, &CHACHA20_POLY1305] {
            let key_bytes = vec![0x24; aead.alg.key_len()];
            let key = aead.key(&key_bytes).unwrap();
            let reference = DefaultsOnly(aead.key(&key_bytes).unwrap());
            for (len, trailer) in [
                (0usize, &[23u8][..]),
                (1, &[][..]),
                (100, &[22, 0, 0, 0][..]),
                (16384, &[23][..]),
            ] {
                let plaintext: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let mut whole = plaintext.clone();
                whole.extend_from_slice(trailer);
                key.seal(&nonce, &aad, &mut whole).unwrap();

                let mut out = vec![0xee; len + trailer.len() + AEAD_TAG_LEN];
                key.seal_into(&nonce, &aad, &plaintext, trailer, &mut out)
                    .unwrap();
                assert_eq!(out, whole, "{:?} {len}", aead.alg);
                let mut by_default = vec![0; out.len()];
                reference
                    .seal_into(&nonce, &aad, &plaintext, trailer, &mut by_default)
                    .unwrap();
                assert_eq!(by_default, whole, "{:?} {len} (default)", aead.alg);

                let n = key.open(&nonce, &aad, &mut out).unwrap();
                assert_eq!(&out[..len], &plaintext[..]);
                assert_eq!(&out[len..n], trailer);

                // A wrong output length is refused before anything is written.
                let mut short = vec![0xee; len + trailer.len() + AEAD_TAG_LEN - 1];
                assert!(key
                    .seal_into(&nonce, &aad, &plaintext, trailer, &mut short)
                    .is_err());
                assert!(reference
                    .seal_into(&nonce, &aad, &plaintext, trailer, &mut short)
                    .is_err());
            }
        }
    }
}
