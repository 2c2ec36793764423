//! Wire codecs: one module per message. Parsing and encoding only, no decisions, no crypto.

pub mod alert;
pub mod certificate;
pub mod certificate_request;
pub mod certificate_verify;
pub mod client_hello;
pub mod codec;
pub mod encrypted_extensions;
pub mod extensions;
pub mod finished;
pub mod handshake;
pub mod key_update;
pub mod new_session_ticket;
pub mod server_hello;

pub use alert::Alert;
pub use certificate::{Certificate13, CertificateEntry};
pub use certificate_request::CertificateRequest13;
pub use certificate_verify::CertificateVerify;
pub use client_hello::ClientHello;
pub use encrypted_extensions::EncryptedExtensions;
pub use extensions::{ExtContext, Extension, Extensions, KeyShareEntry, PskIdentity, PskOffer};
pub use finished::Finished;
pub use handshake::{encode_handshake, split_handshake, HandshakeBody};
pub use key_update::KeyUpdate;
pub use new_session_ticket::NewSessionTicket13;
pub use server_hello::{ServerHello, HELLO_RETRY_REQUEST_RANDOM};
