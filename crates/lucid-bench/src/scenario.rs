//! What is measured: the scenario list of issue 6.

/// The server certificate's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CertKind {
    EcdsaP256,
    Rsa2048,
}

/// The key-exchange group offered (and only that one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    X25519,
    X25519MlKem768,
}

/// The one cipher suite both sides enable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suite {
    Tls13Aes128Gcm,
    Tls13Aes256Gcm,
    Tls13Chacha20,
    Tls12EcdheEcdsaAes128Gcm,
    Tls12EcdheRsaAes128Gcm,
    Tls12RsaAes128Gcm,
    Tls12EcdheEcdsaAes128CbcSha256,
}

impl Suite {
    pub(crate) fn is_tls13(self) -> bool {
        matches!(
            self,
            Self::Tls13Aes128Gcm | Self::Tls13Aes256Gcm | Self::Tls13Chacha20
        )
    }
}

/// A connection set-up: suite (hence version), certificate and group.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Setup {
    pub suite: Suite,
    pub cert: CertKind,
    pub group: Group,
    /// lucid only: both sides have a trace observer (one that does nothing), so the
    /// row shows what tracing costs when it is on. The peers, which have no such
    /// thing, run their usual handshake.
    pub traced: bool,
}

impl Setup {
    pub(crate) const fn new(suite: Suite, cert: CertKind, group: Group) -> Self {
        Self {
            suite,
            cert,
            group,
            traced: false,
        }
    }

    /// The same set-up with a trace observer on both lucid sides.
    pub(crate) const fn traced(self) -> Self {
        Self {
            traced: true,
            ..self
        }
    }

    /// The set-up bulk and memory rows use: ECDSA P-256 certificate, X25519.
    pub(crate) const fn bulk(suite: Suite) -> Self {
        Self::new(suite, CertKind::EcdsaP256, Group::X25519)
    }
}

/// Which resumption mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resume {
    Tls12SessionId,
    Tls12Ticket,
    Tls13Psk,
}

impl Resume {
    /// The set-up of the connections (the certificate only matters for the first,
    /// full handshake).
    pub(crate) fn setup(self) -> Setup {
        match self {
            Self::Tls12SessionId | Self::Tls12Ticket => {
                Setup::bulk(Suite::Tls12EcdheEcdsaAes128Gcm)
            }
            Self::Tls13Psk => Setup::bulk(Suite::Tls13Aes128Gcm),
        }
    }
}

/// Which way the application data flows, seen from the measured side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    /// The client encrypts and writes; the timer covers the client only.
    Send,
    /// The server reads and decrypts; the timer covers the server only.
    Receive,
}

/// One measured thing.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scenario {
    Handshake(Setup),
    Resumed(Resume),
    Bulk(Suite, Dir),
    /// Gives two rows: client and server.
    Memory,
}

/// Application data per write in the bulk rows: 16 KiB, one full record.
pub(crate) const BULK_WRITE: usize = 16 * 1024;
/// Records per timed batch in the bulk rows (1 MiB).
pub(crate) const BULK_BATCH: usize = 64;

/// The scenarios in table order, with their names.
pub(crate) fn all() -> Vec<(&'static str, Scenario)> {
    use CertKind::*;
    use Group::*;
    use Suite::*;
    vec![
        (
            "handshake TLS1.3 X25519 ECDSA-P256",
            Scenario::Handshake(Setup::new(Tls13Aes128Gcm, EcdsaP256, X25519)),
        ),
        (
            "handshake TLS1.3 X25519 ECDSA-P256 traced",
            Scenario::Handshake(Setup::new(Tls13Aes128Gcm, EcdsaP256, X25519).traced()),
        ),
        (
            "handshake TLS1.3 X25519 RSA-2048",
            Scenario::Handshake(Setup::new(Tls13Aes128Gcm, Rsa2048, X25519)),
        ),
        (
            "handshake TLS1.3 X25519MLKEM768 ECDSA-P256",
            Scenario::Handshake(Setup::new(Tls13Aes128Gcm, EcdsaP256, X25519MlKem768)),
        ),
        (
            "handshake TLS1.2 ECDHE-ECDSA X25519 AES-128-GCM",
            Scenario::Handshake(Setup::new(Tls12EcdheEcdsaAes128Gcm, EcdsaP256, X25519)),
        ),
        (
            "handshake TLS1.2 ECDHE-RSA X25519 AES-128-GCM",
            Scenario::Handshake(Setup::new(Tls12EcdheRsaAes128Gcm, Rsa2048, X25519)),
        ),
        (
            "handshake TLS1.2 RSA-2048 key exchange AES-128-GCM",
            Scenario::Handshake(Setup::new(Tls12RsaAes128Gcm, Rsa2048, X25519)),
        ),
        (
            "resumed TLS1.2 session id",
            Scenario::Resumed(Resume::Tls12SessionId),
        ),
        (
            "resumed TLS1.2 ticket",
            Scenario::Resumed(Resume::Tls12Ticket),
        ),
        (
            "resumed TLS1.3 PSK X25519",
            Scenario::Resumed(Resume::Tls13Psk),
        ),
        (
            "bulk send TLS1.3 AES-128-GCM",
            Scenario::Bulk(Tls13Aes128Gcm, Dir::Send),
        ),
        (
            "bulk recv TLS1.3 AES-128-GCM",
            Scenario::Bulk(Tls13Aes128Gcm, Dir::Receive),
        ),
        (
            "bulk send TLS1.3 AES-256-GCM",
            Scenario::Bulk(Tls13Aes256Gcm, Dir::Send),
        ),
        (
            "bulk recv TLS1.3 AES-256-GCM",
            Scenario::Bulk(Tls13Aes256Gcm, Dir::Receive),
        ),
        (
            "bulk send TLS1.3 ChaCha20-Poly1305",
            Scenario::Bulk(Tls13Chacha20, Dir::Send),
        ),
        (
            "bulk recv TLS1.3 ChaCha20-Poly1305",
            Scenario::Bulk(Tls13Chacha20, Dir::Receive),
        ),
        (
            "bulk send TLS1.2 AES-128-GCM",
            Scenario::Bulk(Tls12EcdheEcdsaAes128Gcm, Dir::Send),
        ),
        (
            "bulk recv TLS1.2 AES-128-GCM",
            Scenario::Bulk(Tls12EcdheEcdsaAes128Gcm, Dir::Receive),
        ),
        (
            "bulk send TLS1.2 AES-128-CBC-SHA256",
            Scenario::Bulk(Tls12EcdheEcdsaAes128CbcSha256, Dir::Send),
        ),
        (
            "bulk recv TLS1.2 AES-128-CBC-SHA256",
            Scenario::Bulk(Tls12EcdheEcdsaAes128CbcSha256, Dir::Receive),
        ),
        ("memory", Scenario::Memory),
    ]
}

/// Names of the two memory rows.
pub(crate) const MEMORY_CLIENT: &str = "memory client, idle TLS1.3 connection";
/// See [`MEMORY_CLIENT`].
pub(crate) const MEMORY_SERVER: &str = "memory server, idle TLS1.3 connection";
