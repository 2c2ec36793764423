//! `lucid connect`: a TLS client that copies stdin to the server and the server's
//! replies to stdout.

use crate::options::{io_reason, is_timeout, CliError, TlsOptions};
use clap::Args;
use lucidtls::crypto::Secret;
use lucidtls::enums::ProtocolVersion;
use lucidtls::pem::{load_certs_pem_file, load_private_key_pem_file};
use lucidtls::session::{
    ClientSessionStore, InMemorySessionStore, StoredSession, Tls12Session, Tls13Ticket,
};
use lucidtls::verify::{describe_certificate, RootStore};
use lucidtls::{
    CertifiedKey, ClientConfig, Connection, Error, Negotiated, ServerName, ServerVerification,
    Side, Stream,
};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Arguments of `lucid connect`.
#[derive(Args, Debug)]
pub struct ConnectArgs {
    /// The server, as HOST:PORT ([IPv6]:PORT for an IPv6 address).
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// The name to send (SNI) and to check the certificate against; defaults to HOST.
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,

    /// Trust exactly the certificates in this PEM file (default: the Mozilla roots).
    #[arg(long, value_name = "PEM")]
    pub cafile: Option<PathBuf>,

    /// Trust the operating system's certificate store (honours SSL_CERT_FILE and
    /// SSL_CERT_DIR) instead of the Mozilla roots compiled in.
    #[arg(long, conflicts_with_all = ["cafile", "no_verify"])]
    pub native_roots: bool,

    /// Client certificate chain for mutual TLS (PEM, leaf first), sent when the server
    /// asks for one and accepts its issuer.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,

    /// Private key for --cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Do not verify the server's certificate at all (testing only: anyone can
    /// impersonate the server).
    #[arg(long)]
    pub no_verify: bool,

    /// Check the server's chain against the certificate revocation lists in this PEM
    /// file ("X509 CRL" blocks); repeatable. A revoked certificate fails the handshake
    /// (alert certificate_revoked); without --crl revocation is not checked.
    #[arg(long = "crl", value_name = "PEM", conflicts_with = "no_verify")]
    pub crls: Vec<PathBuf>,

    /// After stdin ends, wait this long for more data from the server before closing.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub wait_ms: u64,

    /// Give up connecting or handshaking after this long.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,

    /// After the first connection, connect N more times with the same session store,
    /// printing `resumed: yes|no` for each. Only the last connection carries stdin; the
    /// earlier ones handshake, collect the server's session or tickets and close (TLS
    /// 1.3 tickets come after the handshake: each waits up to --wait-ms for one).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub reconnect: u32,

    /// When the (last) connection ends, save its session to FILE for a later --sess-in:
    /// the newest TLS 1.3 ticket (waiting up to --wait-ms for one), else the TLS 1.2
    /// session. The file is in lucidtls's own versioned binary format (not OpenSSL's
    /// PEM) and holds the resumption secret: it is written with mode 0600.
    #[arg(long, value_name = "FILE")]
    pub sess_out: Option<PathBuf>,

    /// Offer the session saved in FILE by --sess-out (if it was made for the same
    /// server name). A file that cannot be read or decoded is reported and ignored:
    /// the handshake is then a full one.
    #[arg(long, value_name = "FILE")]
    pub sess_in: Option<PathBuf>,

    /// TLS 1.2: allow renegotiation (secure renegotiation, RFC 5746, only), started by
    /// the server (HelloRequest) or by us: a stdin line consisting of exactly `R`
    /// renegotiates instead of being sent. Each completed one prints `renegotiated: yes
    /// (N)`. Without this option a server's HelloRequest is declined with a
    /// no_renegotiation warning; the connection goes on unless the server ends it
    /// (OpenSSL does).
    #[arg(long)]
    pub allow_renegotiation: bool,

    /// TLS settings.
    #[command(flatten)]
    pub tls: TlsOptions,
}

/// Chunk size for stdin and for TLS reads.
const CHUNK: usize = 16 * 1024;
/// How long one read waits when there is nothing to send.
const IDLE_POLL: Duration = Duration::from_millis(50);
/// How long one read waits when data is waiting to be sent.
const BUSY_POLL: Duration = Duration::from_millis(1);
/// How long one write may block before we go back to reading (avoids deadlock when
/// both sides send more than the socket buffers hold).
const WRITE_POLL: Duration = Duration::from_millis(20);

/// Runs `lucid connect`.
pub fn run(args: &ConnectArgs, verbose: bool) -> Result<(), CliError> {
    let (host, port) = split_host_port(&args.target)?;
    let name = args.servername.clone().unwrap_or_else(|| host.clone());
    let server_name = ServerName::try_from(name.clone())
        .map_err(|_| CliError::Usage(format!("invalid server name {name:?}")))?;

    let provider = lucidtls_aws_lc::provider();
    let mut config = if let Some(path) = &args.cafile {
        let roots = RootStore::from_pem_file(path)?;
        ClientConfig::with_roots(provider.clone(), Arc::new(roots))
    } else if args.native_roots {
        let (roots, report) = RootStore::native()?;
        eprintln!(
            "note: trusting {} certificates from the operating system's store{}",
            report.loaded,
            if report.skipped.is_empty() && report.errors.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} unusable, {} read errors)",
                    report.skipped.len(),
                    report.errors.len()
                )
            }
        );
        ClientConfig::with_roots(provider.clone(), Arc::new(roots))
    } else {
        ClientConfig::new(provider.clone())
    };
    if !args.crls.is_empty() {
        if let ServerVerification::Roots(roots) = &mut config.verification {
            let mut with_crls = RootStore::clone(roots);
            for path in &args.crls {
                with_crls.add_crls_pem_file(path)?;
            }
            *roots = Arc::new(with_crls);
        }
    }
    if args.no_verify {
        eprintln!("warning: --no-verify: the server's certificate is not checked");
        config.verification = ServerVerification::DangerousDisabled;
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let identity = CertifiedKey::new(
            &*provider,
            load_certs_pem_file(cert)?,
            &load_private_key_pem_file(key)?,
        )?;
        config.client_identities.push(identity);
    }
    let have_identity = !config.client_identities.is_empty();
    let tracing = args.tls.apply(&mut config.common, Side::Client, verbose)?;
    config.common.allow_renegotiation = args.allow_renegotiation;
    // Our own store (the library's in-memory one underneath), so we can tell when the
    // server's session or tickets have arrived, and save one to a file.
    let store = Arc::new(WatchedStore::default());
    config.session_store = Some(store.clone());
    let store_name = server_name.to_str().into_owned();
    if let Some(path) = &args.sess_in {
        load_session(path, &store_name, &store);
    }

    let timeout = Duration::from_millis(args.timeout_ms.max(1));
    let wait = Duration::from_millis(args.wait_ms);
    for number in 0..=args.reconnect {
        let last = number == args.reconnect;
        if number > 0 {
            eprintln!("reconnecting ({number} of {})", args.reconnect);
        }
        let received = store.received();
        let mut stream = connect_once(ConnectOnce {
            config: &config,
            tracing: &tracing,
            number,
            host: &host,
            port,
            server_name: server_name.clone(),
            timeout,
            have_identity,
        })?;
        let output = &mut io::stdout().lock();
        // TLS 1.3 tickets come after the handshake: wait for one when there is a use
        // for it (the next connection, or the session file).
        let tls13 = stream.conn().negotiated().version == Some(ProtocolVersion::Tls13);
        if tls13 && (!last || args.sess_out.is_some()) {
            wait_for_tickets(&mut stream, &store, received, wait, output)
                .map_err(|e| with_hint(e, stream.conn(), have_identity))?;
        }
        if last {
            let stdin = spawn_stdin_reader(args.allow_renegotiation);
            pump(&mut stream, &stdin, output, wait)
                .map_err(|e| with_hint(e, stream.conn(), have_identity))?;
        } else {
            close(&mut stream)?;
        }
    }
    if let Some(path) = &args.sess_out {
        save_session(path, &store_name, &store)?;
    }
    Ok(())
}

/// What one connection needs.
struct ConnectOnce<'a> {
    config: &'a ClientConfig,
    tracing: &'a crate::options::Tracing,
    number: u32,
    host: &'a str,
    port: u16,
    server_name: ServerName<'static>,
    timeout: Duration,
    have_identity: bool,
}

/// Connects, handshakes and prints the summary lines.
fn connect_once(c: ConnectOnce<'_>) -> Result<Stream<TcpStream>, CliError> {
    let tcp = connect_tcp(c.host, c.port, c.timeout)?;
    let setup = |r: io::Result<()>| r.map_err(|e| CliError::Failed(format!("socket: {e}")));
    setup(tcp.set_nodelay(true))?;
    setup(tcp.set_read_timeout(Some(c.timeout)))?;
    setup(tcp.set_write_timeout(Some(c.timeout)))?;

    // The connection (and the trace clock) starts once TCP is up: the ClientHello is
    // queued at once. Each connection gets its own observer; the clone shares the
    // session store (an `Arc`).
    let mut config = c.config.clone();
    let watcher = c.tracing.install(&mut config.common, u64::from(c.number));
    let conn = Connection::client(Arc::new(config), c.server_name)?;
    let mut stream = Stream::new(conn, tcp);
    if let Err(e) = stream.handshake() {
        return Err(with_hint(
            CliError::Failed(if is_timeout(&e) {
                format!("handshake timed out after {} ms", c.timeout.as_millis())
            } else {
                io_reason(&e)
            }),
            stream.conn(),
            c.have_identity,
        ));
    }
    print_summary(stream.conn(), watcher.dh_bits());
    Ok(stream)
}

/// A session store that counts what the server gave us (TLS 1.2 sessions, TLS 1.3
/// tickets), over the library's in-memory store.
#[derive(Debug, Default)]
struct WatchedStore {
    inner: InMemorySessionStore,
    received: AtomicU64,
}

impl WatchedStore {
    /// How many sessions and tickets have been stored so far.
    fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }
}

impl ClientSessionStore for WatchedStore {
    fn put_tls12(&self, server_name: &str, session: Tls12Session) {
        self.inner.put_tls12(server_name, session);
        self.received.fetch_add(1, Ordering::SeqCst);
    }

    fn get_tls12(&self, server_name: &str) -> Option<Tls12Session> {
        self.inner.get_tls12(server_name)
    }

    fn remove_tls12(&self, server_name: &str) {
        self.inner.remove_tls12(server_name);
    }

    fn push_tls13(&self, server_name: &str, ticket: Tls13Ticket) {
        self.inner.push_tls13(server_name, ticket);
        self.received.fetch_add(1, Ordering::SeqCst);
    }

    fn take_tls13(&self, server_name: &str) -> Option<Tls13Ticket> {
        self.inner.take_tls13(server_name)
    }
}

/// The largest session file we read: a session holds the server's certificate chain.
const MAX_SESSION_FILE: u64 = 1 << 20;

/// `--sess-in`: puts the saved session in the store. Problems are reported and the
/// session ignored, so the connection goes on with a full handshake.
fn load_session(path: &Path, store_name: &str, store: &WatchedStore) {
    let ignore = |why: String| {
        eprintln!("warning: --sess-in {}: {why}; not resuming", path.display());
    };
    let bytes = match read_secret_file(path) {
        Ok(bytes) => bytes,
        Err(e) => return ignore(e.to_string()),
    };
    let session = match StoredSession::from_bytes(bytes.expose()) {
        Ok(session) => session,
        Err(e) => return ignore(format!("not a lucid session file ({e})")),
    };
    if session.server_name() != store_name {
        return ignore(format!(
            "the session is for {:?}, not {store_name:?}",
            session.server_name()
        ));
    }
    store.inner.insert(session);
}

/// Reads a whole (small) file into a [`Secret`], sized up front so that no copy of the
/// bytes is left behind in reallocated memory.
fn read_secret_file(path: &Path) -> io::Result<Secret> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > MAX_SESSION_FILE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {MAX_SESSION_FILE} bytes"),
        ));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0) + 1);
    file.take(MAX_SESSION_FILE).read_to_end(&mut buf)?;
    Ok(Secret::new(buf))
}

/// `--sess-out`: saves the newest session for this server, readable by its owner only.
fn save_session(path: &Path, store_name: &str, store: &WatchedStore) -> Result<(), CliError> {
    let Some(session) = store.inner.export(store_name).pop() else {
        eprintln!(
            "warning: --sess-out {}: the server gave no resumable session (no ticket, no \
             session id, or no extended master secret); nothing saved",
            path.display()
        );
        return Ok(());
    };
    let bytes = session.to_bytes();
    write_private_file(path, bytes.expose())
        .map_err(|e| CliError::Failed(format!("writing {}: {e}", path.display())))?;
    eprintln!(
        "session saved to {} ({})",
        path.display(),
        match session {
            StoredSession::Tls12(_) => "TLS 1.2 session",
            StoredSession::Tls13(_) => "TLS 1.3 ticket",
        }
    );
    Ok(())
}

/// Writes `data` to `path` with mode 0600 (also when the file existed with another mode).
fn write_private_file(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        write_all_to(file, data)
    }
    #[cfg(not(unix))]
    write_all_to(options.open(path)?, data)
}

fn write_all_to(mut file: std::fs::File, data: &[u8]) -> io::Result<()> {
    file.write_all(data)?;
    file.sync_all()
}

/// TLS 1.3: reads until the server's NewSessionTicket(s) arrived (the store counts more
/// than `before`) and the server has gone quiet, or `limit` has passed. Data that arrives
/// meanwhile goes to `output`.
fn wait_for_tickets(
    stream: &mut Stream<TcpStream>,
    store: &WatchedStore,
    before: u64,
    limit: Duration,
    output: &mut dyn Write,
) -> Result<(), CliError> {
    let sock = |r: io::Result<()>| r.map_err(|e| CliError::Failed(format!("socket: {e}")));
    sock(stream.transport().set_read_timeout(Some(IDLE_POLL)))?;
    let deadline = Instant::now() + limit;
    let mut buf = vec![0u8; CHUNK];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => write_output(output, buf.get(..n).unwrap_or_default())?,
            // Quiet for a moment: done once a ticket is in (a server sends its tickets
            // together), or when out of time.
            Err(e) if is_timeout(&e) => {
                if store.received() > before || Instant::now() >= deadline {
                    return Ok(());
                }
            }
            Err(e) => return Err(CliError::Failed(io_reason(&e))),
        }
    }
}

/// Ends a connection that carried no data: close_notify, bounded.
fn close(stream: &mut Stream<TcpStream>) -> Result<(), CliError> {
    let sock = |r: io::Result<()>| r.map_err(|e| CliError::Failed(format!("socket: {e}")));
    sock(
        stream
            .transport()
            .set_write_timeout(Some(Duration::from_secs(5))),
    )?;
    if stream.conn().received_close_notify() {
        return Ok(());
    }
    stream
        .close()
        .map_err(|e| CliError::Failed(format!("sending close_notify: {}", io_reason(&e))))
}

fn write_output(output: &mut dyn Write, data: &[u8]) -> Result<(), CliError> {
    output
        .write_all(data)
        .and_then(|()| output.flush())
        .map_err(|e| CliError::Failed(format!("writing output: {e}")))
}

/// What the `client certificate:` line says: whether the server asked for one and
/// whether we sent one.
pub fn client_certificate_status(n: &Negotiated) -> &'static str {
    match (n.client_auth_requested, n.client_identity_sent) {
        (false, _) => "not requested",
        (true, None) => "requested, none sent",
        (true, Some(_)) => "sent",
    }
}

/// Adds a hint to a failure that mutual TLS explains: the server wanted a client
/// certificate we did not send, or refused the one we sent. `have_identity`: whether
/// `--cert` was given.
fn with_hint(error: CliError, conn: &Connection, have_identity: bool) -> CliError {
    match (client_auth_hint(conn, have_identity), error) {
        (Some(hint), CliError::Failed(message)) => CliError::Failed(format!("{message}: {hint}")),
        (_, other) => other,
    }
}

fn client_auth_hint(conn: &Connection, have_identity: bool) -> Option<&'static str> {
    use lucidtls::enums::AlertDescription as A;
    let n = conn.negotiated();
    let Some(Error::AlertReceived(alert)) = conn.error() else {
        return None;
    };
    if n.client_identity_sent.is_some() {
        return matches!(
            alert,
            A::UnknownCa
                | A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateExpired
                | A::CertificateRevoked
                | A::CertificateUnknown
                | A::AccessDenied
                | A::DecryptError
        )
        .then_some("the server did not accept our client certificate");
    }
    if !n.client_auth_requested {
        return None;
    }
    // Asked, and we sent none. certificate_required (TLS 1.3) and handshake_failure
    // (TLS 1.2, which has no better alert) say why; other servers pick other alerts
    // (GnuTLS sends decode_error in TLS 1.2).
    let certain = matches!(alert, A::CertificateRequired | A::HandshakeFailure);
    Some(match (certain, have_identity) {
        (true, false) => {
            "the server requires a client certificate (give one with --cert and --key)"
        }
        (true, true) => {
            "the server requires a client certificate, and ours (--cert) was not issued by \
             any certificate authority the server accepts"
        }
        (false, false) => {
            "the server asked for a client certificate and none was sent: it probably \
             requires one (give one with --cert and --key)"
        }
        (false, true) => {
            "the server asked for a client certificate and ours (--cert) was not issued by \
             any certificate authority it accepts, so none was sent: it probably requires one"
        }
    })
}

/// Splits `HOST:PORT` (or `[V6]:PORT`).
pub fn split_host_port(target: &str) -> Result<(String, u16), CliError> {
    let bad = || CliError::Usage(format!("expected HOST:PORT, got {target:?}"));
    let (host, port) = target.rsplit_once(':').ok_or_else(bad)?;
    let host = match host.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']').ok_or_else(bad)?,
        None if host.contains(':') => return Err(bad()),
        None => host,
    };
    if host.is_empty() {
        return Err(bad());
    }
    let port = port.parse::<u16>().map_err(|_| bad())?;
    Ok((host.to_string(), port))
}

fn connect_tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, CliError> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| CliError::Failed(format!("resolving {host}: {e}")))?
        .collect();
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(tcp) => return Ok(tcp),
            Err(e) => last = Some(format!("connecting to {addr}: {e}")),
        }
    }
    Err(CliError::Failed(
        last.unwrap_or_else(|| format!("{host} has no address")),
    ))
}

fn print_summary(conn: &Connection, dh_bits: Option<usize>) {
    let n = conn.negotiated();
    eprintln!(
        "negotiated: {}",
        crate::narrate::negotiated_summary(n, dh_bits)
    );
    if let Some(alpn) = &n.alpn {
        eprintln!("alpn: {}", String::from_utf8_lossy(alpn));
    }
    if let Some(cert) = n.peer_certificates.first() {
        match describe_certificate(cert) {
            Ok(info) => eprintln!("peer certificate: {}", info.subject),
            Err(e) => eprintln!("peer certificate: ({e})"),
        }
    }
    eprintln!("client certificate: {}", client_certificate_status(n));
    eprintln!("resumed: {}", if n.resumed { "yes" } else { "no" });
}

/// One piece of stdin.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    /// Bytes to send.
    Data(Vec<u8>),
    /// A line consisting of exactly `R`, with stdin commands on: renegotiate.
    Renegotiate,
}

/// Reads stdin on its own thread; the channel closes at EOF. The channel is bounded,
/// so a slow server slows the reading down instead of filling memory. With `commands`
/// stdin is cut at line ends, so that a line `R` can be recognised.
fn spawn_stdin_reader(commands: bool) -> Receiver<Input> {
    let (tx, rx) = mpsc::sync_channel::<Input>(4);
    std::thread::spawn(move || {
        let stdin = io::stdin().lock();
        let read = if commands {
            read_commands(stdin, |item| tx.send(item).is_ok())
        } else {
            read_chunks(stdin, |item| tx.send(item).is_ok())
        };
        if let Err(e) = read {
            eprintln!("warning: reading stdin: {e}; treating it as the end of input");
        }
    });
    rx
}

/// Passes `reader` on in chunks as they come, until EOF or until `send` refuses.
fn read_chunks(mut reader: impl Read, mut send: impl FnMut(Input) -> bool) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                if !send(Input::Data(buf.get(..n).unwrap_or_default().to_vec())) {
                    return Ok(());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Passes `reader` on line by line (long lines in pieces of at most [`CHUNK`] bytes);
/// a whole line `R` (`R\n` or `R\r\n`) becomes [`Input::Renegotiate`].
fn read_commands(reader: impl Read, mut send: impl FnMut(Input) -> bool) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(CHUNK, reader);
    let mut at_line_start = true;
    loop {
        let mut piece = Vec::new();
        if (&mut reader)
            .take(CHUNK as u64)
            .read_until(b'\n', &mut piece)?
            == 0
        {
            return Ok(());
        }
        let whole_line = at_line_start && piece.ends_with(b"\n");
        at_line_start = piece.ends_with(b"\n");
        let item = if whole_line && matches!(piece.as_slice(), b"R\n" | b"R\r\n") {
            Input::Renegotiate
        } else {
            Input::Data(piece)
        };
        if !send(item) {
            return Ok(());
        }
    }
}

/// Renegotiations on one connection: starting one on request, and a line for each
/// that completes (by either side).
struct Renegotiations {
    reported: u32,
    /// One we started is under way.
    ours: bool,
}

impl Renegotiations {
    fn new(conn: &Connection) -> Self {
        Self {
            reported: conn.negotiated().renegotiations,
            ours: false,
        }
    }

    /// A line `R` was typed: start a renegotiation (a new ClientHello). When the
    /// connection cannot (TLS 1.3, not allowed, one already running), say why and go on.
    fn start(&mut self, conn: &mut Connection) {
        match conn.renegotiate() {
            Ok(()) => {
                self.ours = true;
                eprintln!("renegotiating");
            }
            Err(e) => eprintln!("renegotiation not started: {e}"),
        }
    }

    /// Prints `renegotiated: yes (N)` and the new parameters when one has completed, and
    /// `renegotiated: no (declined by the server)` when the server refused ours.
    fn report(&mut self, conn: &Connection) {
        let n = conn.negotiated();
        if n.renegotiations > self.reported && !conn.is_renegotiating() {
            self.reported = n.renegotiations;
            self.ours = false;
            eprintln!("renegotiated: yes ({})", self.reported);
            eprintln!(
                "negotiated: {}",
                crate::narrate::negotiated_summary(n, None)
            );
        } else if self.ours && !conn.is_renegotiating() && conn.error().is_none() {
            self.ours = false;
            eprintln!("renegotiated: no (declined by the server)");
        }
    }
}

/// Copies `input` to the connection and the connection to `output` until the server
/// closes, or until input has ended and the server has been quiet for `wait`; then
/// sends close_notify.
///
/// One thread does both directions: reads use a short socket timeout, writes too, so
/// neither side can block the other (a timed-out read keeps partial records in the
/// deframer; a timed-out write keeps the unsent bytes in the connection).
pub fn pump(
    stream: &mut Stream<TcpStream>,
    input: &Receiver<Input>,
    output: &mut dyn Write,
    wait: Duration,
) -> Result<(), CliError> {
    let sock = |r: io::Result<()>| r.map_err(|e| CliError::Failed(format!("socket: {e}")));
    sock(stream.transport().set_write_timeout(Some(WRITE_POLL)))?;
    let mut input_open = true;
    let mut quiet_since = Instant::now();
    let mut buf = vec![0u8; CHUNK];
    let mut poll = None;
    let mut renegotiations = Renegotiations::new(stream.conn());
    let peer_closed = loop {
        // 1. Take more input only when everything before it has gone out, and not during
        // a renegotiation: OpenSSL takes application data in the middle of one only
        // until the ServerHello, so what is typed meanwhile waits for the new keys.
        let mut took_input = false;
        if input_open && !stream.conn().wants_write() && !stream.conn().is_renegotiating() {
            match input.try_recv() {
                Ok(Input::Data(data)) => {
                    stream.conn_mut().write_plaintext(&data)?;
                    took_input = true;
                }
                Ok(Input::Renegotiate) => {
                    renegotiations.start(stream.conn_mut());
                    took_input = true;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    input_open = false;
                    quiet_since = Instant::now();
                }
            }
        }
        // 2. Send what we can.
        match stream.flush_tls() {
            Ok(()) => {}
            Err(e) if is_timeout(&e) => {}
            Err(e) => return Err(CliError::Failed(write_failure(stream, &e, output))),
        }
        // 3. Receive what has arrived, waiting only briefly when there is work to do.
        let busy = took_input || stream.conn().wants_write();
        let want = if busy { BUSY_POLL } else { IDLE_POLL };
        if poll != Some(want) {
            sock(stream.transport().set_read_timeout(Some(want)))?;
            poll = Some(want);
        }
        let read = stream.read(&mut buf);
        renegotiations.report(stream.conn());
        match read {
            Ok(0) => break true,
            Ok(n) => {
                write_output(output, buf.get(..n).unwrap_or_default())?;
                quiet_since = Instant::now();
            }
            Err(e) if is_timeout(&e) => {}
            Err(e) => return Err(CliError::Failed(io_reason(&e))),
        }
        // 4. Input done, everything sent, and the server has gone quiet: finish.
        if !input_open && !stream.conn().wants_write() && quiet_since.elapsed() >= wait {
            break false;
        }
    };
    // Close: block (bounded) until close_notify is out.
    sock(
        stream
            .transport()
            .set_write_timeout(Some(Duration::from_secs(5))),
    )?;
    match stream.close() {
        Ok(()) => Ok(()),
        // The server already closed: our close_notify has nowhere to go, which is fine.
        Err(_) if peer_closed => Ok(()),
        Err(e) => Err(CliError::Failed(format!(
            "sending close_notify: {}",
            io_reason(&e)
        ))),
    }
}

/// Why a write failed. A server that refuses us (TLS 1.3: after our Finished, say for a
/// missing client certificate) sends an alert and closes; our next write then fails with
/// a broken pipe or a reset while the alert still waits in the receive buffer. Reading
/// it (briefly) gives the real reason; data that arrived before it still goes to `output`.
fn write_failure(stream: &mut Stream<TcpStream>, e: &io::Error, output: &mut dyn Write) -> String {
    let original = io_reason(e);
    if stream.conn().error().is_some()
        || stream
            .transport()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .is_err()
    {
        return original;
    }
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            // Data sent before the refusal: deliver it, and read on towards the alert.
            Ok(n) if n > 0 => {
                let data = buf.get(..n).unwrap_or_default();
                if output
                    .write_all(data)
                    .and_then(|()| output.flush())
                    .is_err()
                {
                    return original;
                }
            }
            Err(read) if matches!(stream.conn().error(), Some(Error::AlertReceived(_))) => {
                return io_reason(&read)
            }
            _ => return original,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(input: &[u8]) -> Vec<Input> {
        let mut items = Vec::new();
        read_commands(input, |item| {
            items.push(item);
            true
        })
        .unwrap();
        items
    }

    #[test]
    fn only_a_whole_line_r_renegotiates() {
        let data = |s: &str| Input::Data(s.as_bytes().to_vec());
        assert_eq!(
            commands(b"a\nR\nb\nR\r\nRR\n R\nR"),
            vec![
                data("a\n"),
                Input::Renegotiate,
                data("b\n"),
                Input::Renegotiate,
                data("RR\n"),
                data(" R\n"),
                // No line end: not a whole line.
                data("R"),
            ]
        );
        // A long line comes in pieces; an `R\n` piece that ends it is not a line `R`.
        let mut long = vec![b'x'; CHUNK];
        long.extend_from_slice(b"R\nR\n");
        let items = commands(&long);
        assert_eq!(items.len(), 3);
        assert_eq!(items.get(1), Some(&data("R\n")));
        assert_eq!(items.get(2), Some(&Input::Renegotiate));
        // The receiver went away: reading stops.
        let mut seen = 0;
        read_commands(&b"a\nb\nc\n"[..], |_| {
            seen += 1;
            false
        })
        .unwrap();
        assert_eq!(seen, 1);
    }

    #[test]
    fn private_file_is_owner_only_even_when_it_existed() {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::temp_dir().join(format!("lucid-sess-{}", std::process::id()));
        std::fs::write(&path, b"old contents, longer than the new").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private_file(&path, b"new").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(read_secret_file(&path).unwrap().expose(), b"new");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn host_port_forms() {
        assert_eq!(
            split_host_port("example.com:443").unwrap(),
            ("example.com".to_string(), 443)
        );
        assert_eq!(
            split_host_port("[::1]:4433").unwrap(),
            ("::1".to_string(), 4433)
        );
        for bad in [
            "example.com",
            ":443",
            "host:x",
            "::1:443",
            "[::1:443",
            "h:70000",
        ] {
            assert!(
                matches!(split_host_port(bad), Err(CliError::Usage(_))),
                "{bad}"
            );
        }
    }
}
