//! Wire codecs: one module per message. Parsing and encoding only, no decisions, no crypto.

pub mod alert;
pub mod certificate;
pub mod certificate12;
pub mod certificate_request;
pub mod certificate_request12;
pub mod certificate_verify;
pub mod client_hello;
pub mod client_key_exchange;
pub mod codec;
pub mod encrypted_extensions;
pub mod extensions;
pub mod finished;
pub mod handshake;
pub mod hello_request;
pub mod key_update;
pub mod new_session_ticket;
pub mod new_session_ticket12;
pub mod server_hello;
pub mod server_hello_done;
pub mod server_key_exchange;
pub mod wire_list;

pub use alert::Alert;
pub use certificate::{Certificate13, CertificateEntry};
pub use certificate12::Certificate12;
pub use certificate_request::CertificateRequest13;
pub use certificate_request12::CertificateRequest12;
pub use certificate_verify::{CertificateVerify, CertificateVerifyRef};
pub use client_hello::{ClientHello, ClientHelloRef, OfferedHello};
pub use client_key_exchange::{ClientKeyExchangeDhe, ClientKeyExchangeEcdhe, ClientKeyExchangeRsa};
pub use encrypted_extensions::EncryptedExtensions;
pub use extensions::{
    ExtContext, Extension, ExtensionRef, Extensions, ExtensionsRef, ExtensionsWriter,
    KeyShareEntry, KeyShareRef, PskIdentity, PskIdentityRef, PskOffer, PskOfferRef,
};
pub use finished::Finished;
pub use handshake::{encode_handshake, split_handshake, HandshakeBody};
pub use hello_request::HelloRequest;
pub use key_update::KeyUpdate;
pub use new_session_ticket::NewSessionTicket13;
pub use new_session_ticket12::NewSessionTicket12;
pub use server_hello::{ServerHello, ServerHelloRef, HELLO_RETRY_REQUEST_RANDOM};
pub use server_hello_done::ServerHelloDone;
pub use server_key_exchange::{
    tls12_ske_signed_content, DheServerParams, DigitallySigned, DigitallySignedRef,
    EcdheServerParams, ServerKeyExchange,
};
pub use wire_list::WireList;
