//! `lucid demo`: conversations between a client and a server in one process, each
//! narrated step by step from both sides.
//!
//! By default five conversations run one after the other — TLS 1.3 full, TLS 1.3
//! resumed, TLS 1.2 ECDHE, TLS 1.2 RSA key transport, TLS 1.2 with a client
//! certificate — and `--only NAME` picks others (TLS 1.2 DHE, TLS 1.2 resumed, TLS 1.3
//! with a client certificate). Each is a titled section in which both lanes are shown
//! in the order things happen: `client → ClientHello` where the client sends it,
//! `server ← ClientHello` where the server takes it in.
//!
//! The two sans-IO connections pass records in memory, in one thread, flight by
//! flight: the narration comes out in the same order on every run (the golden-file
//! tests rely on that), and nothing depends on the network.

use crate::certs;
use crate::explain::{use_colour, wrap, Conversation, Lanes};
use crate::narrate::{negotiated_summary, Sink, Watcher};
use crate::options::{key_log, CliError, Tracing};
use crate::trace_json::{Clock, JsonLines};
use clap::{Args, ValueEnum};
use lucidtls::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use lucidtls::keys::KeyLog;
use lucidtls::suites::Policy;
use lucidtls::verify::{describe_certificate, RootStore};
use lucidtls::{
    CertifiedKey, ClientAuth, ClientConfig, Connection, Error, ServerConfig, ServerName, Side,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::PathBuf;
use std::sync::Arc;

/// `println!` that ignores a closed stdout (`lucid demo | head`): the narration is best
/// effort, and a reader who stopped reading is no error.
macro_rules! say {
    () => {
        say!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// The message the client sends and expects back.
const MESSAGE: &[u8] = b"hello from the lucid demo\n";

/// Arguments of `lucid demo`.
#[derive(Args, Debug, Default)]
pub struct DemoArgs {
    /// Run only this conversation; repeat for several. Without it: tls13,
    /// tls13-resumed, tls12-ecdhe, tls12-rsa, tls12-mtls.
    #[arg(long = "only", value_name = "NAME", value_enum)]
    pub only: Vec<Scenario>,

    /// Run every conversation, including those not run by default.
    #[arg(long, conflicts_with = "only")]
    pub all: bool,

    /// Narrate each step with its values and one sentence on what it is for (in colour
    /// on a terminal, unless NO_COLOR is set).
    #[arg(long)]
    pub explain: bool,

    /// Also write every step of both sides to FILE as JSON, one object per line (JSON
    /// Lines; the schema is in docs/trace.md); `conn` numbers the conversations. The
    /// file is created or truncated.
    #[arg(long = "trace-json", value_name = "FILE")]
    pub trace_json: Option<PathBuf>,

    /// Append the session secrets to FILE (NSS key log format, for Wireshark). Without
    /// it, the SSLKEYLOGFILE environment variable is honoured.
    #[arg(long = "keylog", value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

/// One conversation the demo can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// TLS 1.3 full handshake (ECDHE x25519, ECDSA certificate), echo, KeyUpdate.
    Tls13,
    /// TLS 1.3 resumed with a PSK from an earlier connection's NewSessionTicket.
    Tls13Resumed,
    /// TLS 1.3 with a client certificate (mutual TLS).
    Tls13Mtls,
    /// TLS 1.3 where the client's key share guess is wrong: HelloRetryRequest.
    Tls13Hrr,
    /// TLS 1.3 to a name the certificate does not carry: the client refuses it and
    /// says so with an alert.
    Tls13WrongName,
    /// TLS 1.2 with ECDHE key exchange and an ECDSA certificate.
    Tls12Ecdhe,
    /// TLS 1.2 with RSA key transport (policy compatible).
    Tls12Rsa,
    /// TLS 1.2 with finite-field DHE, RFC 7919 ffdhe2048 (policy compatible).
    Tls12Dhe,
    /// TLS 1.2 resumed with a session ticket from an earlier connection.
    Tls12Resumed,
    /// TLS 1.2 with a client certificate (mutual TLS).
    Tls12Mtls,
}

impl Scenario {
    /// The conversations run without `--only`.
    pub const DEFAULT: [Self; 5] = [
        Self::Tls13,
        Self::Tls13Resumed,
        Self::Tls12Ecdhe,
        Self::Tls12Rsa,
        Self::Tls12Mtls,
    ];

    /// Every conversation, in the order `--all` runs them.
    pub const ALL: [Self; 10] = [
        Self::Tls13,
        Self::Tls13Resumed,
        Self::Tls13Mtls,
        Self::Tls13Hrr,
        Self::Tls13WrongName,
        Self::Tls12Ecdhe,
        Self::Tls12Rsa,
        Self::Tls12Dhe,
        Self::Tls12Resumed,
        Self::Tls12Mtls,
    ];

    /// The name `--only` takes.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_string())
    }

    /// The section title.
    fn title(self) -> &'static str {
        match self {
            Self::Tls13 => "TLS 1.3, full handshake",
            Self::Tls13Resumed => "TLS 1.3, resumed with a pre-shared key",
            Self::Tls13Mtls => "TLS 1.3 with a client certificate (mutual TLS)",
            Self::Tls13Hrr => "TLS 1.3 with a HelloRetryRequest",
            Self::Tls13WrongName => "TLS 1.3 to the wrong name: refused",
            Self::Tls12Ecdhe => "TLS 1.2, ECDHE key exchange",
            Self::Tls12Rsa => "TLS 1.2, RSA key transport",
            Self::Tls12Dhe => "TLS 1.2, finite-field DHE key exchange",
            Self::Tls12Resumed => "TLS 1.2, resumed with a session ticket",
            Self::Tls12Mtls => "TLS 1.2 with a client certificate (mutual TLS)",
        }
    }

    /// What the section shows, in a sentence.
    fn summary(self) -> &'static str {
        match self {
            Self::Tls13 => {
                "The client offers TLS 1.3 only, with an x25519 key share; the server proves \
                 its identity with an ECDSA certificate. After the echo, the client updates \
                 its keys and asks the server to do the same."
            }
            Self::Tls13Resumed => {
                "A first connection (not shown) left the client a ticket; this one presents \
                 it as a pre-shared key, so the server sends no certificate."
            }
            Self::Tls13Mtls => {
                "The server asks for a client certificate and checks it against its own CA, \
                 as the client does with the server's."
            }
            Self::Tls13Hrr => {
                "The client sends a P-256 key share, but this server only accepts x25519: it \
                 asks for another share, and the client starts over with a second ClientHello."
            }
            Self::Tls13WrongName => {
                "The client asks for wrong.example, but the certificate names only localhost: \
                 the host name check fails, and the client ends the handshake with a fatal \
                 alert."
            }
            Self::Tls12Ecdhe => {
                "Both sides allow TLS 1.2 only; the server signs an ephemeral ECDHE key with \
                 its ECDSA certificate key."
            }
            Self::Tls12Rsa => {
                "The client offers only TLS_RSA_WITH_AES_128_GCM_SHA256 (policy compatible): \
                 it encrypts the pre-master secret to the server's RSA key, and there is no \
                 ServerKeyExchange."
            }
            Self::Tls12Dhe => {
                "The client offers only TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (policy \
                 compatible): the server signs an ephemeral Diffie-Hellman value in the \
                 RFC 7919 ffdhe2048 group with its RSA key."
            }
            Self::Tls12Resumed => {
                "A first connection (not shown) left the client a session ticket; this one \
                 presents it, and the abbreviated handshake skips certificates and key \
                 exchange."
            }
            Self::Tls12Mtls => {
                "Both sides allow TLS 1.2 only; the server asks for a client certificate and \
                 the client signs the handshake with its key (CertificateVerify)."
            }
        }
    }

    fn version(self) -> ProtocolVersion {
        match self {
            Self::Tls13
            | Self::Tls13Resumed
            | Self::Tls13Mtls
            | Self::Tls13Hrr
            | Self::Tls13WrongName => ProtocolVersion::Tls13,
            _ => ProtocolVersion::Tls12,
        }
    }

    /// The one suite the client offers, when the conversation is about it.
    fn suite(self) -> Option<CipherSuite> {
        match self {
            Self::Tls12Rsa => Some(CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256),
            Self::Tls12Dhe => Some(CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256),
            _ => None,
        }
    }

    fn rsa_server(self) -> bool {
        self.suite().is_some()
    }

    fn resumed(self) -> bool {
        matches!(self, Self::Tls13Resumed | Self::Tls12Resumed)
    }

    /// The name the client asks for and checks.
    fn server_name(self) -> &'static str {
        match self {
            Self::Tls13WrongName => "wrong.example",
            _ => "localhost",
        }
    }

    fn mutual(self) -> bool {
        matches!(self, Self::Tls13Mtls | Self::Tls12Mtls)
    }
}

/// Runs `lucid demo`.
pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let scenarios: Vec<Scenario> = if args.all {
        Scenario::ALL.to_vec()
    } else if args.only.is_empty() {
        Scenario::DEFAULT.to_vec()
    } else {
        let mut picked = Vec::new();
        for s in &args.only {
            if !picked.contains(s) {
                picked.push(*s);
            }
        }
        picked
    };
    let pki = Pki::generate(scenarios.iter().any(|s| s.rsa_server()))?;
    say!("generated a throwaway CA and an ECDSA P-256 certificate for localhost");
    say!(
        "generated a second CA (CN={CA_NAME}) issuing {}an ECDSA P-256 client certificate",
        if pki.rsa.is_some() {
            "an RSA 2048 certificate for localhost and "
        } else {
            ""
        }
    );
    for line in wrap(
        "client and server run in this process and pass their records in memory; each \
         conversation shows both lanes in order (→ sent, ← received, · done locally)",
        100,
    ) {
        say!("{line}");
    }
    let json = Tracing::open_json(args.trace_json.as_deref())?;
    // The secrets are logged once, by the client.
    let key_log = key_log(args.keylog.as_deref())?;

    let total = scenarios.len();
    for (i, scenario) in scenarios.iter().enumerate() {
        say!();
        let heading = format!(
            "══ {}/{total}  {} · {} ",
            i + 1,
            scenario.name(),
            scenario.title()
        );
        let rule = "═".repeat(100usize.saturating_sub(heading.chars().count()));
        if use_colour(Sink::Stdout) {
            say!("\x1b[1m{heading}{rule}\x1b[0m");
        } else {
            say!("{heading}{rule}");
        }
        for line in wrap(scenario.summary(), 100) {
            say!("{line}");
        }
        let observe = Observe {
            conn: i as u64,
            explain: args.explain,
            json: json.clone(),
        };
        run_scenario(*scenario, &pki, &observe, key_log.clone()).map_err(|e| match e {
            CliError::Failed(m) => CliError::Failed(format!("{}: {m}", scenario.name())),
            other => other,
        })?;
    }
    say!();
    say!(
        "demo complete: {total} conversation{}",
        if total == 1 { "" } else { "s" }
    );
    Ok(())
}

/// How the narrated connection of one conversation is observed.
struct Observe {
    conn: u64,
    explain: bool,
    json: Option<Arc<JsonLines>>,
}

impl Observe {
    /// The client's and the server's observers, sharing one clock and (with
    /// `--explain`) one step counter.
    fn watchers(&self) -> (Arc<Watcher>, Arc<Watcher>) {
        let clock = Clock::new();
        let mut client = Tracing::new(Side::Client, true, self.json.clone());
        let mut server = Tracing::new(Side::Server, true, self.json.clone());
        if self.explain {
            let conversation =
                Conversation::new(Sink::Stdout, use_colour(Sink::Stdout), Lanes::Both);
            client = client.explained_in(conversation.clone());
            server = server.explained_in(conversation);
        }
        (
            client.watcher(self.conn, clock.clone(), Sink::Stdout),
            server.watcher(self.conn, clock, Sink::Stdout),
        )
    }
}

fn run_scenario(
    scenario: Scenario,
    pki: &Pki,
    observe: &Observe,
    key_log: Option<Arc<dyn KeyLog>>,
) -> Result<(), CliError> {
    let (mut client_config, mut server_config) = configs(scenario, pki)?;
    client_config.common.key_log = key_log;

    if scenario.resumed() {
        // The first connection leaves a session in the client's store and the
        // server's ticket keys; clones of the configs share both.
        let mut client = Connection::client(
            Arc::new(client_config.clone()),
            name(scenario.server_name())?,
        )?;
        let mut server = Connection::server(Arc::new(server_config.clone()))?;
        handshake(&mut client, &mut server)?;
        exchange(&mut client, &mut server, false, false)?;
    }

    let (client_watcher, server_watcher) = observe.watchers();
    client_config.common.observer = Some(client_watcher.clone());
    server_config.common.observer = Some(server_watcher);
    let mut client = Connection::client(Arc::new(client_config), name(scenario.server_name())?)?;
    let mut server = Connection::server(Arc::new(server_config))?;
    if scenario == Scenario::Tls13WrongName {
        let result = handshake(&mut client, &mut server);
        return match (result, client.error()) {
            (Err(_), Some(why)) => {
                say!("the client refused the connection, as it must: {why}");
                Ok(())
            }
            (Err(e), None) => Err(e),
            (Ok(()), _) => Err(CliError::Failed(
                "the client accepted a certificate for the wrong name".into(),
            )),
        };
    }
    handshake(&mut client, &mut server)?;

    let negotiated = client.negotiated();
    say!(
        "negotiated: {}",
        negotiated_summary(negotiated, client_watcher.dh_bits())
    );
    if let Some(info) = negotiated
        .peer_certificates
        .first()
        .and_then(|c| describe_certificate(c).ok())
    {
        say!(
            "peer certificate: {}{}",
            info.subject,
            if negotiated.resumed {
                " (from the resumed session)"
            } else {
                ""
            }
        );
    }
    if scenario.mutual() {
        let verified = server.negotiated().client_identity_verified;
        let subject = server
            .negotiated()
            .peer_certificates
            .first()
            .and_then(|c| describe_certificate(c).ok())
            .map(|i| i.subject);
        match (verified, subject) {
            (true, Some(s)) => say!("server verified the client certificate: {s}"),
            _ => return Err(CliError::Failed("the client was not authenticated".into())),
        }
    }
    if scenario.resumed() != negotiated.resumed {
        return Err(CliError::Failed(format!(
            "expected the session {}to be resumed",
            if scenario.resumed() { "" } else { "not " }
        )));
    }
    exchange(
        &mut client,
        &mut server,
        scenario.version() == ProtocolVersion::Tls13 && !scenario.resumed() && !scenario.mutual(),
        true,
    )?;
    Ok(())
}

/// The configurations of `scenario`'s client and server.
fn configs(scenario: Scenario, pki: &Pki) -> Result<(ClientConfig, ServerConfig), CliError> {
    let provider = lucidtls_aws_lc::provider();
    let identity = match (scenario.rsa_server(), &pki.rsa) {
        (true, Some(rsa)) => rsa,
        _ => &pki.ecdsa,
    };
    let certified = CertifiedKey::new(&*provider, identity.chain.clone(), &identity.key)?;
    let mut server = ServerConfig::new(provider.clone(), certified);
    let mut roots = RootStore::empty();
    for ca in &pki.roots {
        roots.add_der(ca)?;
    }
    let mut client = ClientConfig::with_roots(provider.clone(), Arc::new(roots));

    for common in [&mut client.common, &mut server.common] {
        if let Some(suite) = scenario.suite() {
            common.set_policy(Policy::Compatible);
            common.cipher_suites = vec![suite];
        }
        common.versions = vec![scenario.version()];
    }
    if scenario == Scenario::Tls13Hrr {
        client.common.groups = vec![NamedGroup::secp256r1, NamedGroup::X25519];
        client.key_shares = 1;
        server.common.groups = vec![NamedGroup::X25519];
    }
    if scenario.mutual() {
        let mut client_roots = RootStore::empty();
        client_roots.add_der(&pki.client_ca)?;
        server.client_auth = ClientAuth::Required(Arc::new(client_roots));
        client.client_identities.push(CertifiedKey::new(
            &*provider,
            pki.client.chain.clone(),
            &pki.client.key,
        )?);
    }
    Ok((client, server))
}

fn name(name: &'static str) -> Result<ServerName<'static>, CliError> {
    ServerName::try_from(name).map_err(|_| CliError::Failed("invalid server name".into()))
}

/// Moves what `from` has to send to `to`, which processes it. On failure, the alert
/// the failing side queued is delivered too, so that both lanes show it.
fn transfer(from: &mut Connection, to: &mut Connection) -> Result<bool, Error> {
    let bytes = from.take_tls();
    let mut offset = 0;
    while offset < bytes.len() {
        offset += to.read_tls(&bytes[offset..]);
        if let Err(e) = to.process_new_packets() {
            let alert = to.take_tls();
            let mut at = 0;
            while at < alert.len() {
                at += from.read_tls(&alert[at..]);
                let _ = from.process_new_packets();
            }
            return Err(e);
        }
    }
    Ok(!bytes.is_empty())
}

/// Passes flights back and forth until neither side has anything to send.
fn pump(client: &mut Connection, server: &mut Connection) -> Result<(), CliError> {
    let failed = |who: &str, e: Error| CliError::Failed(format!("{who} failed: {e}"));
    for _ in 0..32 {
        let sent = transfer(client, server).map_err(|e| failed("server", e))?;
        let answered = transfer(server, client).map_err(|e| failed("client", e))?;
        if !sent && !answered {
            return Ok(());
        }
    }
    Err(CliError::Failed(
        "the conversation did not settle in 32 flights".into(),
    ))
}

fn handshake(client: &mut Connection, server: &mut Connection) -> Result<(), CliError> {
    pump(client, server)?;
    if client.is_handshaking() || server.is_handshaking() {
        return Err(CliError::Failed("the handshake did not complete".into()));
    }
    Ok(())
}

/// The client sends [`MESSAGE`], the server echoes it, (with `key_update`) the client
/// updates its keys and asks the server to, and both close with close_notify. With
/// `narrated`, says what the application sends and receives.
fn exchange(
    client: &mut Connection,
    server: &mut Connection,
    key_update: bool,
    narrated: bool,
) -> Result<(), CliError> {
    let say = |line: String| {
        if narrated {
            say!("{line}");
        }
    };
    say(format!(
        "client sends: {:?}",
        String::from_utf8_lossy(MESSAGE).trim_end()
    ));
    client.write_plaintext(MESSAGE)?;
    pump(client, server)?;
    let mut got = vec![0u8; server.plaintext_available()];
    let n = server.read_plaintext(&mut got);
    got.truncate(n);
    server.write_plaintext(&got)?;
    pump(client, server)?;
    let mut back = vec![0u8; client.plaintext_available()];
    let n = client.read_plaintext(&mut back);
    back.truncate(n);
    say(format!(
        "client received: {:?}",
        String::from_utf8_lossy(&back).trim_end()
    ));
    if back != MESSAGE {
        return Err(CliError::Failed(
            "the echo differs from what was sent".into(),
        ));
    }
    if key_update {
        client.update_keys(true)?;
        pump(client, server)?;
    }
    client.send_close_notify();
    pump(client, server)?;
    if !server.received_close_notify() {
        return Err(CliError::Failed("the server saw no close_notify".into()));
    }
    server.send_close_notify();
    pump(client, server)?;
    if !client.received_close_notify() {
        return Err(CliError::Failed("the client saw no close_notify".into()));
    }
    say(format!(
        "server echoed {n} bytes; both sides closed with close_notify"
    ));
    Ok(())
}

/// The common name of the demo's second CA.
const CA_NAME: &str = "lucid demo CA";

/// A certificate chain and its key.
struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// The demo's certificates: the throwaway CA and ECDSA certificate for localhost that
/// `lucid serve` also uses ([`certs::generate`]), and a second CA issuing an RSA
/// certificate for localhost (for the RSA and DHE suites) and a client certificate for
/// mutual TLS. The client trusts both CAs; a server asking for client certificates
/// trusts the second. rcgen's default validity (1975 to 4096) keeps them valid on any
/// clock.
struct Pki {
    roots: Vec<CertificateDer<'static>>,
    client_ca: CertificateDer<'static>,
    ecdsa: Identity,
    rsa: Option<Identity>,
    client: Identity,
}

impl Pki {
    fn generate(with_rsa: bool) -> Result<Self, CliError> {
        let throwaway = certs::generate(&["localhost"]).map_err(CliError::Failed)?;
        let err = |what: &str, e: rcgen::Error| {
            CliError::Failed(format!("generating the demo {what}: {e}"))
        };
        let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| err("CA", e))?;
        let mut ca = CertificateParams::default();
        ca.distinguished_name.push(DnType::CommonName, CA_NAME);
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).map_err(|e| err("CA", e))?;
        let issuer = Issuer::new(ca, ca_key);

        let leaf = |name: &str,
                    sans: Vec<String>,
                    purpose: ExtendedKeyUsagePurpose,
                    key: KeyPair|
         -> Result<Identity, CliError> {
            let mut params = CertificateParams::new(sans).map_err(|e| err(name, e))?;
            params.distinguished_name.push(DnType::CommonName, name);
            params.is_ca = IsCa::ExplicitNoCa;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            if key.algorithm() == &PKCS_RSA_SHA256 {
                // RSA key transport encrypts the pre-master secret to this key.
                params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
            }
            params.extended_key_usages = vec![purpose];
            let cert = params.signed_by(&key, &issuer).map_err(|e| err(name, e))?;
            Ok(Identity {
                chain: vec![cert.der().clone()],
                key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            })
        };
        let rsa = if with_rsa {
            let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .map_err(|e| err("RSA key", e))?;
            Some(leaf(
                "localhost",
                vec!["localhost".to_string()],
                ExtendedKeyUsagePurpose::ServerAuth,
                key,
            )?)
        } else {
            None
        };
        let client = leaf(
            "lucid demo client",
            Vec::new(),
            ExtendedKeyUsagePurpose::ClientAuth,
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| err("client key", e))?,
        )?;
        let client_ca = ca_cert.der().clone();
        Ok(Self {
            roots: vec![throwaway.ca_der, client_ca.clone()],
            client_ca,
            ecdsa: Identity {
                chain: throwaway.chain,
                key: throwaway.key,
            },
            rsa,
            client,
        })
    }
}
