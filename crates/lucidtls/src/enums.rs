//! Protocol code points (IANA registries), with their registered names.
//!
//! Every enum keeps an `Unknown(value)` variant so that parsing never fails on a
//! code point we do not recognise: RFC 8446 requires that unknown extensions,
//! groups, suites and schemes be ignored (this is what makes GREASE work).

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident : $repr:ty { $($(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        #[allow(non_camel_case_types)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A code point this implementation does not know.
            Unknown($repr),
        }

        impl $name {
            /// The code point as sent on the wire.
            pub const fn to_wire(self) -> $repr {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(v) => v,
                }
            }

            /// The enum value for a wire code point.
            pub const fn from_wire(v: $repr) -> Self {
                match v {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }

            /// The registered (IANA) name, or `None` for an unknown code point.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($text),)*
                    Self::Unknown(_) => None,
                }
            }

            /// Looks a value up by its registered name (ASCII case-insensitive).
            pub fn from_name(name: &str) -> Option<Self> {
                [$(Self::$variant,)*]
                    .into_iter()
                    .find(|v| v.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "unknown(0x{:04x})", self.to_wire()),
                }
            }
        }
    };
}

wire_enum! {
    /// Record-layer content types (RFC 8446 §5.1).
    ContentType: u8 {
        /// change_cipher_spec
        ChangeCipherSpec = 20 => "change_cipher_spec",
        /// alert
        Alert = 21 => "alert",
        /// handshake
        Handshake = 22 => "handshake",
        /// application_data
        ApplicationData = 23 => "application_data",
        /// heartbeat (RFC 6520), never supported
        Heartbeat = 24 => "heartbeat",
    }
}

wire_enum! {
    /// Protocol versions.
    ProtocolVersion: u16 {
        /// SSL 3.0 — refused by design.
        Ssl3 = 0x0300 => "SSLv3",
        /// TLS 1.0
        Tls10 = 0x0301 => "TLSv1.0",
        /// TLS 1.1
        Tls11 = 0x0302 => "TLSv1.1",
        /// TLS 1.2
        Tls12 = 0x0303 => "TLSv1.2",
        /// TLS 1.3
        Tls13 = 0x0304 => "TLSv1.3",
    }
}

wire_enum! {
    /// Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
    HandshakeType: u8 {
        /// hello_request (TLS 1.2)
        HelloRequest = 0 => "HelloRequest",
        /// client_hello
        ClientHello = 1 => "ClientHello",
        /// server_hello
        ServerHello = 2 => "ServerHello",
        /// new_session_ticket
        NewSessionTicket = 4 => "NewSessionTicket",
        /// end_of_early_data
        EndOfEarlyData = 5 => "EndOfEarlyData",
        /// encrypted_extensions
        EncryptedExtensions = 8 => "EncryptedExtensions",
        /// certificate
        Certificate = 11 => "Certificate",
        /// server_key_exchange (TLS 1.2)
        ServerKeyExchange = 12 => "ServerKeyExchange",
        /// certificate_request
        CertificateRequest = 13 => "CertificateRequest",
        /// server_hello_done (TLS 1.2)
        ServerHelloDone = 14 => "ServerHelloDone",
        /// certificate_verify
        CertificateVerify = 15 => "CertificateVerify",
        /// client_key_exchange (TLS 1.2)
        ClientKeyExchange = 16 => "ClientKeyExchange",
        /// finished
        Finished = 20 => "Finished",
        /// certificate_status (TLS 1.2, RFC 6066)
        CertificateStatus = 22 => "CertificateStatus",
        /// key_update
        KeyUpdate = 24 => "KeyUpdate",
        /// message_hash (synthetic, for HelloRetryRequest transcripts)
        MessageHash = 254 => "message_hash",
    }
}

wire_enum! {
    /// Alert levels.
    AlertLevel: u8 {
        /// warning
        Warning = 1 => "warning",
        /// fatal
        Fatal = 2 => "fatal",
    }
}

wire_enum! {
    /// Alert descriptions (RFC 8446 §6, RFC 5246 §7.2).
    AlertDescription: u8 {
        /// close_notify
        CloseNotify = 0 => "close_notify",
        /// unexpected_message
        UnexpectedMessage = 10 => "unexpected_message",
        /// bad_record_mac
        BadRecordMac = 20 => "bad_record_mac",
        /// record_overflow
        RecordOverflow = 22 => "record_overflow",
        /// decompression_failure (TLS 1.2 only)
        DecompressionFailure = 30 => "decompression_failure",
        /// handshake_failure
        HandshakeFailure = 40 => "handshake_failure",
        /// bad_certificate
        BadCertificate = 42 => "bad_certificate",
        /// unsupported_certificate
        UnsupportedCertificate = 43 => "unsupported_certificate",
        /// certificate_revoked
        CertificateRevoked = 44 => "certificate_revoked",
        /// certificate_expired
        CertificateExpired = 45 => "certificate_expired",
        /// certificate_unknown
        CertificateUnknown = 46 => "certificate_unknown",
        /// illegal_parameter
        IllegalParameter = 47 => "illegal_parameter",
        /// unknown_ca
        UnknownCa = 48 => "unknown_ca",
        /// access_denied
        AccessDenied = 49 => "access_denied",
        /// decode_error
        DecodeError = 50 => "decode_error",
        /// decrypt_error
        DecryptError = 51 => "decrypt_error",
        /// protocol_version
        ProtocolVersion = 70 => "protocol_version",
        /// insufficient_security
        InsufficientSecurity = 71 => "insufficient_security",
        /// internal_error
        InternalError = 80 => "internal_error",
        /// inappropriate_fallback
        InappropriateFallback = 86 => "inappropriate_fallback",
        /// user_canceled
        UserCanceled = 90 => "user_canceled",
        /// no_renegotiation (TLS 1.2)
        NoRenegotiation = 100 => "no_renegotiation",
        /// missing_extension
        MissingExtension = 109 => "missing_extension",
        /// unsupported_extension
        UnsupportedExtension = 110 => "unsupported_extension",
        /// unrecognized_name
        UnrecognizedName = 112 => "unrecognized_name",
        /// bad_certificate_status_response
        BadCertificateStatusResponse = 113 => "bad_certificate_status_response",
        /// unknown_psk_identity
        UnknownPskIdentity = 115 => "unknown_psk_identity",
        /// certificate_required
        CertificateRequired = 116 => "certificate_required",
        /// no_application_protocol
        NoApplicationProtocol = 120 => "no_application_protocol",
    }
}

wire_enum! {
    /// Cipher suites, by IANA name.
    CipherSuite: u16 {
        /// TLS 1.3: AES-128-GCM with SHA-256
        TLS13_AES_128_GCM_SHA256 = 0x1301 => "TLS_AES_128_GCM_SHA256",
        /// TLS 1.3: AES-256-GCM with SHA-384
        TLS13_AES_256_GCM_SHA384 = 0x1302 => "TLS_AES_256_GCM_SHA384",
        /// TLS 1.3: ChaCha20-Poly1305 with SHA-256
        TLS13_CHACHA20_POLY1305_SHA256 = 0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        /// Signalling value: the client supports secure renegotiation (RFC 5746).
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        /// Signalling value: this is a fallback connection (RFC 7507).
        TLS_FALLBACK_SCSV = 0x5600 => "TLS_FALLBACK_SCSV",
        /// TLS 1.2 ECDHE_ECDSA AES-128-GCM
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        /// TLS 1.2 ECDHE_ECDSA AES-256-GCM
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        /// TLS 1.2 ECDHE_RSA AES-128-GCM
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        /// TLS 1.2 ECDHE_RSA AES-256-GCM
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        /// TLS 1.2 ECDHE_RSA ChaCha20-Poly1305
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        /// TLS 1.2 ECDHE_ECDSA ChaCha20-Poly1305
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        /// TLS 1.2 DHE_RSA ChaCha20-Poly1305
        TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        /// TLS 1.2 ECDHE_ECDSA AES-128-CBC-SHA
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        /// TLS 1.2 ECDHE_ECDSA AES-256-CBC-SHA
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        /// TLS 1.2 ECDHE_RSA AES-128-CBC-SHA
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        /// TLS 1.2 ECDHE_RSA AES-256-CBC-SHA
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA = 0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        /// TLS 1.2 ECDHE_ECDSA AES-128-CBC-SHA256
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 = 0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        /// TLS 1.2 ECDHE_ECDSA AES-256-CBC-SHA384
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 = 0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        /// TLS 1.2 ECDHE_RSA AES-128-CBC-SHA256
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 = 0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        /// TLS 1.2 ECDHE_RSA AES-256-CBC-SHA384
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 = 0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        /// TLS 1.2 DHE_RSA AES-128-GCM
        TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 = 0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        /// TLS 1.2 DHE_RSA AES-256-GCM
        TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 = 0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        /// TLS 1.2 DHE_RSA AES-128-CBC-SHA
        TLS_DHE_RSA_WITH_AES_128_CBC_SHA = 0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        /// TLS 1.2 DHE_RSA AES-256-CBC-SHA
        TLS_DHE_RSA_WITH_AES_256_CBC_SHA = 0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        /// TLS 1.2 DHE_RSA AES-128-CBC-SHA256
        TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 = 0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        /// TLS 1.2 DHE_RSA AES-256-CBC-SHA256
        TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 = 0x006b => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        /// TLS 1.2 RSA key transport AES-128-GCM
        TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        /// TLS 1.2 RSA key transport AES-256-GCM
        TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        /// TLS 1.2 RSA key transport AES-128-CBC-SHA
        TLS_RSA_WITH_AES_128_CBC_SHA = 0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        /// TLS 1.2 RSA key transport AES-256-CBC-SHA
        TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        /// TLS 1.2 RSA key transport AES-128-CBC-SHA256
        TLS_RSA_WITH_AES_128_CBC_SHA256 = 0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        /// TLS 1.2 RSA key transport AES-256-CBC-SHA256
        TLS_RSA_WITH_AES_256_CBC_SHA256 = 0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
    }
}

wire_enum! {
    /// Named groups for key exchange (RFC 8446 §4.2.7, RFC 7919, draft-ietf-tls-ecdhe-mlkem).
    NamedGroup: u16 {
        /// NIST P-256
        secp256r1 = 0x0017 => "secp256r1",
        /// NIST P-384
        secp384r1 = 0x0018 => "secp384r1",
        /// NIST P-521
        secp521r1 = 0x0019 => "secp521r1",
        /// Curve25519
        X25519 = 0x001d => "x25519",
        /// Curve448
        X448 = 0x001e => "x448",
        /// RFC 7919 2048-bit finite field group
        FFDHE2048 = 0x0100 => "ffdhe2048",
        /// RFC 7919 3072-bit finite field group
        FFDHE3072 = 0x0101 => "ffdhe3072",
        /// RFC 7919 4096-bit finite field group
        FFDHE4096 = 0x0102 => "ffdhe4096",
        /// Hybrid X25519 + ML-KEM-768
        X25519MLKEM768 = 0x11ec => "X25519MLKEM768",
    }
}

impl NamedGroup {
    /// Parses a group by IANA name or a common alias (`P-256`, `prime256v1`, …).
    pub fn from_user_name(name: &str) -> Option<Self> {
        let alias = match name.to_ascii_lowercase().as_str() {
            "p-256" | "p256" | "prime256v1" => Some(Self::secp256r1),
            "p-384" | "p384" => Some(Self::secp384r1),
            "p-521" | "p521" => Some(Self::secp521r1),
            "x25519mlkem768" | "mlkem768x25519" => Some(Self::X25519MLKEM768),
            _ => None,
        };
        alias.or_else(|| Self::from_name(name))
    }
}

wire_enum! {
    /// Signature schemes (RFC 8446 §4.2.3).
    SignatureScheme: u16 {
        /// RSASSA-PKCS1-v1_5 with SHA-1 (legacy policy only)
        RSA_PKCS1_SHA1 = 0x0201 => "rsa_pkcs1_sha1",
        /// ECDSA with SHA-1 (legacy policy only)
        ECDSA_SHA1_Legacy = 0x0203 => "ecdsa_sha1",
        /// RSASSA-PKCS1-v1_5 with SHA-256
        RSA_PKCS1_SHA256 = 0x0401 => "rsa_pkcs1_sha256",
        /// RSASSA-PKCS1-v1_5 with SHA-384
        RSA_PKCS1_SHA384 = 0x0501 => "rsa_pkcs1_sha384",
        /// RSASSA-PKCS1-v1_5 with SHA-512
        RSA_PKCS1_SHA512 = 0x0601 => "rsa_pkcs1_sha512",
        /// ECDSA P-256 with SHA-256
        ECDSA_NISTP256_SHA256 = 0x0403 => "ecdsa_secp256r1_sha256",
        /// ECDSA P-384 with SHA-384
        ECDSA_NISTP384_SHA384 = 0x0503 => "ecdsa_secp384r1_sha384",
        /// ECDSA P-521 with SHA-512
        ECDSA_NISTP521_SHA512 = 0x0603 => "ecdsa_secp521r1_sha512",
        /// RSASSA-PSS (rsaEncryption key) with SHA-256
        RSA_PSS_RSAE_SHA256 = 0x0804 => "rsa_pss_rsae_sha256",
        /// RSASSA-PSS (rsaEncryption key) with SHA-384
        RSA_PSS_RSAE_SHA384 = 0x0805 => "rsa_pss_rsae_sha384",
        /// RSASSA-PSS (rsaEncryption key) with SHA-512
        RSA_PSS_RSAE_SHA512 = 0x0806 => "rsa_pss_rsae_sha512",
        /// EdDSA over Curve25519
        ED25519 = 0x0807 => "ed25519",
        /// EdDSA over Curve448
        ED448 = 0x0808 => "ed448",
        /// RSASSA-PSS (PSS key) with SHA-256
        RSA_PSS_PSS_SHA256 = 0x0809 => "rsa_pss_pss_sha256",
        /// RSASSA-PSS (PSS key) with SHA-384
        RSA_PSS_PSS_SHA384 = 0x080a => "rsa_pss_pss_sha384",
        /// RSASSA-PSS (PSS key) with SHA-512
        RSA_PSS_PSS_SHA512 = 0x080b => "rsa_pss_pss_sha512",
    }
}

impl SignatureScheme {
    /// Whether TLS 1.3 allows this scheme in CertificateVerify (RFC 8446 §4.2.3:
    /// no PKCS#1 v1.5, no SHA-1).
    pub fn allowed_in_tls13(self) -> bool {
        !matches!(
            self,
            Self::RSA_PKCS1_SHA1
                | Self::ECDSA_SHA1_Legacy
                | Self::RSA_PKCS1_SHA256
                | Self::RSA_PKCS1_SHA384
                | Self::RSA_PKCS1_SHA512
                | Self::Unknown(_)
        )
    }
}

wire_enum! {
    /// Extension types (IANA "TLS ExtensionType Values").
    ExtensionType: u16 {
        /// server_name (RFC 6066)
        ServerName = 0 => "server_name",
        /// status_request (RFC 6066)
        StatusRequest = 5 => "status_request",
        /// supported_groups (RFC 8422, RFC 7919)
        SupportedGroups = 10 => "supported_groups",
        /// ec_point_formats (RFC 8422)
        EcPointFormats = 11 => "ec_point_formats",
        /// signature_algorithms (RFC 8446)
        SignatureAlgorithms = 13 => "signature_algorithms",
        /// application_layer_protocol_negotiation (RFC 7301)
        Alpn = 16 => "application_layer_protocol_negotiation",
        /// signed_certificate_timestamp (RFC 6962)
        SignedCertificateTimestamp = 18 => "signed_certificate_timestamp",
        /// padding (RFC 7685)
        Padding = 21 => "padding",
        /// encrypt_then_mac (RFC 7366)
        EncryptThenMac = 22 => "encrypt_then_mac",
        /// extended_master_secret (RFC 7627)
        ExtendedMasterSecret = 23 => "extended_master_secret",
        /// compress_certificate (RFC 8879)
        CompressCertificate = 27 => "compress_certificate",
        /// record_size_limit (RFC 8449)
        RecordSizeLimit = 28 => "record_size_limit",
        /// session_ticket (RFC 5077)
        SessionTicket = 35 => "session_ticket",
        /// pre_shared_key (RFC 8446)
        PreSharedKey = 41 => "pre_shared_key",
        /// early_data (RFC 8446)
        EarlyData = 42 => "early_data",
        /// supported_versions (RFC 8446)
        SupportedVersions = 43 => "supported_versions",
        /// cookie (RFC 8446)
        Cookie = 44 => "cookie",
        /// psk_key_exchange_modes (RFC 8446)
        PskKeyExchangeModes = 45 => "psk_key_exchange_modes",
        /// certificate_authorities (RFC 8446)
        CertificateAuthorities = 47 => "certificate_authorities",
        /// post_handshake_auth (RFC 8446)
        PostHandshakeAuth = 49 => "post_handshake_auth",
        /// signature_algorithms_cert (RFC 8446)
        SignatureAlgorithmsCert = 50 => "signature_algorithms_cert",
        /// key_share (RFC 8446)
        KeyShare = 51 => "key_share",
        /// renegotiation_info (RFC 5746)
        RenegotiationInfo = 0xff01 => "renegotiation_info",
    }
}

wire_enum! {
    /// PSK key exchange modes (RFC 8446 §4.2.9).
    PskKeyExchangeMode: u8 {
        /// PSK-only key establishment
        PskKe = 0 => "psk_ke",
        /// PSK with (EC)DHE key establishment
        PskDheKe = 1 => "psk_dhe_ke",
    }
}

/// The hash functions TLS uses for transcripts, HKDF and the PRF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256
    Sha256,
    /// SHA-384
    Sha384,
}

impl HashAlgorithm {
    /// The digest size in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }
}

/// The AEAD algorithms used for record protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// AES-128 in GCM mode
    Aes128Gcm,
    /// AES-256 in GCM mode
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439)
    ChaCha20Poly1305,
}

impl AeadAlgorithm {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// Authentication tag length in bytes.
    pub const fn tag_len(self) -> usize {
        16
    }
}
