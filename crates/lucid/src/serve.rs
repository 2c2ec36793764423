//! `lucid serve`: a TLS echo server, or with `--http` a small HTTPS server that answers
//! every request with a page describing the connection.
//!
//! Each client is served on its own thread, at most `--max-concurrent` at a time (the
//! accept loop waits for a free slot), so scanners that open many connections at once
//! are served and one slow or silent client never holds up the others. A client that
//! fails only ends its own connection.

use crate::certs;
use crate::http::{self, ConnInfo};
use crate::narrate::negotiated_summary;
use crate::options::{io_reason, is_timeout, CliError, TlsOptions, Tracing};
use clap::{Args, ValueEnum};
use lucidtls::pem::{load_certs_pem_file, load_private_key_pem_file};
use lucidtls::verify::{describe_certificate, RootStore};
use lucidtls::{CertifiedKey, ClientAuth, Connection, Negotiated, ServerConfig, Side, Stream};
use std::io::{self, BufRead, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Whether the server asks clients for a certificate.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientAuthMode {
    /// Never ask.
    #[default]
    None,
    /// Ask; a client may decline, but a certificate it sends must verify.
    Optional,
    /// Ask, and refuse clients without a certificate that verifies.
    Required,
}

/// Arguments of `lucid serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:4433")]
    pub listen: SocketAddr,

    /// Certificate chain (PEM, leaf first). Without it a throwaway CA and leaf are made.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,

    /// Private key for --cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Exit after serving this many clients (default: serve forever).
    #[arg(long, value_name = "N")]
    pub max_clients: Option<u64>,

    /// Ask clients for a certificate (mutual TLS).
    #[arg(long, value_enum, value_name = "MODE", default_value_t = ClientAuthMode::None)]
    pub client_auth: ClientAuthMode,

    /// The certificate authorities client certificates must chain to (PEM); needed with
    /// --client-auth optional or required.
    #[arg(long, value_name = "PEM")]
    pub client_ca: Option<PathBuf>,

    /// Check client certificates against the certificate revocation lists in this PEM
    /// file ("X509 CRL" blocks); repeatable, needs --client-ca. A revoked client
    /// certificate is refused with alert certificate_revoked.
    #[arg(long = "crl", value_name = "PEM", requires = "client_ca")]
    pub crls: Vec<PathBuf>,

    /// Answer each client's HTTP/1.x request with an HTML page showing what was
    /// negotiated, instead of echoing. Offers ALPN http/1.1 unless --alpn is given.
    #[arg(long)]
    pub http: bool,

    /// Drop a client that has not completed its handshake (and, with --http, sent its
    /// request) within this time; also the limit for each write.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,

    /// Serve at most this many clients at the same time.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_concurrent: usize,

    /// Issue no session tickets: TLS 1.2 resumes by session id only (from the server's
    /// session cache), TLS 1.3 does not resume at all (its resumption needs tickets).
    #[arg(long)]
    pub no_tickets: bool,

    /// TLS 1.2: allow renegotiation (secure renegotiation, RFC 5746, only), started by
    /// a client (new ClientHello) or by us: in echo mode, a line consisting of exactly
    /// `R` on this server's stdin sends a HelloRequest on every open connection. Each
    /// completed renegotiation logs `client ADDR: renegotiated: yes (N)`. Without this
    /// option a client's renegotiation is declined (no_renegotiation warning).
    #[arg(long)]
    pub allow_renegotiation: bool,

    /// TLS settings.
    #[command(flatten)]
    pub tls: TlsOptions,
}

/// What every connection thread needs.
struct Context {
    /// The configuration each connection starts from; each gets a copy with its own
    /// observer (shared state such as session caches must sit behind an `Arc` in it).
    config: ServerConfig,
    tracing: Tracing,
    client_auth: ClientAuthMode,
    http: bool,
    timeout: Duration,
    /// Renegotiation requests from stdin (`--allow-renegotiation`, echo mode).
    renegotiation: Option<Arc<RenegotiationRequests>>,
}

/// Asks every open echo connection to renegotiate: stdin's reader bumps `generation`;
/// each connection compares it with the last one it acted on.
#[derive(Debug, Default)]
struct RenegotiationRequests {
    generation: AtomicU64,
    open: AtomicUsize,
}

/// Counts one open echo connection while alive.
struct OpenConnection<'a>(&'a RenegotiationRequests);

impl<'a> OpenConnection<'a> {
    fn new(requests: &'a RenegotiationRequests) -> Self {
        requests.open.fetch_add(1, Ordering::SeqCst);
        Self(requests)
    }
}

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads this server's stdin on a thread: each line `R` asks every open connection to
/// renegotiate. Ends at EOF (a server started with stdin closed never renegotiates).
fn spawn_command_reader(requests: Arc<RenegotiationRequests>) {
    std::thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if line.trim_end_matches('\r') == "R" {
                requests.generation.fetch_add(1, Ordering::SeqCst);
                eprintln!(
                    "renegotiation requested on {} open connection(s)",
                    requests.open.load(Ordering::SeqCst)
                );
            } else if !line.trim().is_empty() {
                eprintln!("stdin: only a line `R` (renegotiate) is understood");
            }
            let _ = io::stderr().flush();
        }
    });
}

/// Runs `lucid serve`.
pub fn run(args: &ServeArgs, verbose: bool) -> Result<(), CliError> {
    let client_auth = client_auth(args)?;
    let provider = lucidtls_aws_lc::provider();
    let (chain, key) = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => (load_certs_pem_file(cert)?, load_private_key_pem_file(key)?),
        _ => {
            let t = certs::generate(&["localhost", "127.0.0.1"]).map_err(CliError::Failed)?;
            let path = certs::write_temp_pem(&t.ca_pem)
                .map_err(|e| CliError::Failed(format!("writing the CA certificate: {e}")))?;
            eprintln!("CA certificate written to {}", path.display());
            (t.chain, t.key)
        }
    };
    let certified = CertifiedKey::new(&*provider, chain, &key)?;
    let mut config = ServerConfig::new(provider, certified);
    config.client_auth = client_auth;
    if args.no_tickets {
        config.ticketer = None;
    }
    config.common.allow_renegotiation = args.allow_renegotiation;
    let mut tls = args.tls.clone();
    if args.http && tls.alpn.is_empty() {
        tls.alpn = vec!["http/1.1".to_string()];
    }
    let tracing = tls.apply(&mut config.common, Side::Server, verbose)?;
    let renegotiation = (args.allow_renegotiation && !args.http).then(|| {
        let requests = Arc::new(RenegotiationRequests::default());
        spawn_command_reader(requests.clone());
        requests
    });
    let context = Arc::new(Context {
        config,
        tracing,
        client_auth: args.client_auth,
        http: args.http,
        timeout: Duration::from_millis(args.timeout_ms.max(1)),
        renegotiation,
    });

    let listener = TcpListener::bind(args.listen)
        .map_err(|e| CliError::Failed(format!("listening on {}: {e}", args.listen)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Failed(format!("socket: {e}")))?;
    eprintln!("listening on {local}");
    let _ = io::stderr().flush();

    let slots = Slots::new(args.max_concurrent.max(1));
    let mut served = 0u64;
    while args.max_clients.is_none_or(|max| served < max) {
        let slot = slots.acquire();
        let (tcp, peer) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) => {
                eprintln!("accept error: {e}");
                // Out of file descriptors, say: do not spin.
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let number = served;
        served += 1;
        let context = context.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("client-{number}"))
            .spawn(move || {
                let _slot = slot;
                match serve_client(&context, tcp, peer, number) {
                    Ok(outcome) => eprintln!("client {peer}: {outcome}"),
                    Err(reason) => eprintln!("client error: {peer}: {reason}"),
                }
                let _ = io::stderr().flush();
            });
        // On failure the closure is dropped: the slot is freed and the socket closed.
        if let Err(e) = spawned {
            eprintln!("client error: {peer}: cannot start a thread: {e}");
        }
    }
    slots.wait_idle();
    Ok(())
}

/// The `--client-auth` / `--client-ca` pair as the library's setting.
fn client_auth(args: &ServeArgs) -> Result<ClientAuth, CliError> {
    match (args.client_auth, &args.client_ca) {
        (ClientAuthMode::None, None) => Ok(ClientAuth::None),
        (ClientAuthMode::None, Some(_)) => Err(CliError::Usage(
            "--client-ca needs --client-auth optional or --client-auth required".into(),
        )),
        (mode, None) => Err(CliError::Usage(format!(
            "--client-auth {} needs --client-ca PEM (the CAs client certificates must chain to)",
            if mode == ClientAuthMode::Optional {
                "optional"
            } else {
                "required"
            }
        ))),
        (mode, Some(path)) => {
            let mut roots = RootStore::from_pem_file(path)?;
            for crl in &args.crls {
                roots.add_crls_pem_file(crl)?;
            }
            let roots = Arc::new(roots);
            Ok(if mode == ClientAuthMode::Required {
                ClientAuth::Required(roots)
            } else {
                ClientAuth::Optional(roots)
            })
        }
    }
}

/// What the `client identity:` line (and the HTTP page) says about a client.
pub fn client_identity(n: &Negotiated, mode: ClientAuthMode) -> String {
    if mode == ClientAuthMode::None {
        return "not requested".into();
    }
    if !n.client_identity_verified {
        return "none".into();
    }
    let subject = n
        .peer_certificates
        .first()
        .and_then(|c| describe_certificate(c).ok())
        .map_or_else(|| "subject unreadable".to_string(), |info| info.subject);
    format!("verified ({subject})")
}

/// Handshakes with one client, then echoes or answers its HTTP request; returns what to
/// log when the connection ends.
fn serve_client(
    context: &Context,
    tcp: TcpStream,
    peer: SocketAddr,
    number: u64,
) -> Result<String, String> {
    let socket = |r: io::Result<()>| r.map_err(|e| format!("socket: {e}"));
    // Small writes (one echoed line) should not wait for Nagle.
    socket(tcp.set_nodelay(true))?;
    socket(tcp.set_read_timeout(Some(context.timeout)))?;
    socket(tcp.set_write_timeout(Some(context.timeout)))?;

    let mut config = context.config.clone();
    let watcher = context.tracing.install(&mut config.common, number);
    let conn = Connection::server(Arc::new(config)).map_err(|e| e.to_string())?;
    let mut stream = Stream::new(conn, tcp);
    if let Err(e) = stream.handshake() {
        return Err(if is_timeout(&e) {
            format!(
                "handshake not completed within {} ms",
                context.timeout.as_millis()
            )
        } else {
            io_reason(&e)
        });
    }
    let n = stream.conn().negotiated();
    let summary = negotiated_summary(n, watcher.dh_bits());
    eprintln!("client {peer}: negotiated {summary}");
    eprintln!(
        "client {peer}: resumed: {}",
        if n.resumed { "yes" } else { "no" }
    );
    let identity = client_identity(n, context.client_auth);
    if context.client_auth != ClientAuthMode::None {
        eprintln!("client {peer}: client identity: {identity}");
    }

    if context.http {
        let mut words = summary.split(' ').map(str::to_string);
        let info = ConnInfo {
            version: words.next().unwrap_or_default(),
            suite: words.next().unwrap_or_default(),
            group: words.next().unwrap_or_default(),
            alpn: n
                .alpn
                .as_ref()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            server_name: n.server_name.clone(),
            client_identity: identity,
            resumed: n.resumed,
            peer: Some(peer),
        };
        return http::serve(&mut stream, &info, context.timeout);
    }
    // Echo mode is interactive: once the handshake is done, a client may stay quiet.
    let echoed = match &context.renegotiation {
        Some(requests) => echo_renegotiating(&mut stream, requests, peer),
        None => {
            socket(stream.transport().set_read_timeout(None))?;
            echo(&mut stream)
        }
    }
    .map_err(|e| io_reason(&e))?;
    stream.close().map_err(|e| io_reason(&e))?;
    Ok(format!("closed, {echoed} bytes echoed"))
}

/// Writes back everything read until the peer's close_notify; returns the byte count.
pub fn echo<T: Read + Write>(stream: &mut Stream<T>) -> io::Result<u64> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(buf.get(..n).unwrap_or_default())?;
        total += n as u64;
    }
}

/// How often an echo connection that may renegotiate looks for a request from stdin.
const RENEGOTIATION_POLL: Duration = Duration::from_millis(50);
/// The longest an echo is held back while a renegotiation runs (a client may ignore a
/// HelloRequest: then the echo goes out after this).
const RENEGOTIATION_HOLD: Duration = Duration::from_secs(2);
/// The most echo data held back during one renegotiation; a client sending more
/// before finishing the handshake is dropped.
const MAX_HELD: usize = 1 << 20;

/// [`echo`], and also: start a renegotiation (HelloRequest) when stdin asks for one, and
/// log each renegotiation that completes (started by either side). Reads poll, so that
/// a quiet client does not hold up a request. While a renegotiation runs the echo is
/// held back (OpenSSL clients take application data in the middle of one only until
/// the ServerHello) and sent, in order, under the new keys.
fn echo_renegotiating(
    stream: &mut Stream<TcpStream>,
    requests: &RenegotiationRequests,
    peer: SocketAddr,
) -> io::Result<u64> {
    let _open = OpenConnection::new(requests);
    stream
        .transport()
        .set_read_timeout(Some(RENEGOTIATION_POLL))?;
    let mut acted_on = requests.generation.load(Ordering::SeqCst);
    let mut reported = stream.conn().negotiated().renegotiations;
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0u64;
    let mut held = Vec::new();
    let mut holding_since: Option<std::time::Instant> = None;
    loop {
        let wanted = requests.generation.load(Ordering::SeqCst);
        if wanted != acted_on {
            acted_on = wanted;
            match stream.conn_mut().renegotiate() {
                Ok(()) => eprintln!("client {peer}: HelloRequest sent"),
                Err(e) => eprintln!("client {peer}: renegotiation not started: {e}"),
            }
            stream.flush_tls()?;
        }
        let read = stream.read(&mut buf);
        let n = stream.conn().negotiated();
        if n.renegotiations > reported && !stream.conn().is_renegotiating() {
            reported = n.renegotiations;
            eprintln!("client {peer}: renegotiated: yes ({reported})");
            eprintln!("client {peer}: negotiated {}", negotiated_summary(n, None));
        }
        let eof = match read {
            Ok(0) => true,
            Ok(len) => {
                held.extend_from_slice(buf.get(..len).unwrap_or_default());
                total += len as u64;
                false
            }
            Err(e) if is_timeout(&e) => false,
            Err(e) => return Err(e),
        };
        let hold = stream.conn().is_renegotiating()
            && holding_since
                .get_or_insert_with(std::time::Instant::now)
                .elapsed()
                < RENEGOTIATION_HOLD;
        if !stream.conn().is_renegotiating() {
            holding_since = None;
        }
        if !held.is_empty() && (!hold || eof) {
            stream
                .conn_mut()
                .write_plaintext(&held)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            held.clear();
            stream.flush_tls()?;
        }
        if held.len() > MAX_HELD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the client sent more than 1 MiB in the middle of a renegotiation",
            ));
        }
        if eof {
            return Ok(total);
        }
    }
}

/// A counting semaphore for connection threads.
struct Slots {
    active: Mutex<usize>,
    changed: Condvar,
    max: usize,
}

/// One taken slot, given back when dropped (also when its thread panics).
struct Slot(Arc<Slots>);

impl Slots {
    fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            active: Mutex::new(0),
            changed: Condvar::new(),
            max,
        })
    }

    /// Waits for a free slot and takes it.
    fn acquire(self: &Arc<Self>) -> Slot {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        while *active >= self.max {
            active = self.changed.wait(active).unwrap_or_else(|p| p.into_inner());
        }
        *active += 1;
        Slot(self.clone())
    }

    /// Waits until every slot is free (every connection thread has finished).
    fn wait_idle(&self) {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        while *active > 0 {
            active = self.changed.wait(active).unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut active = self.0.active.lock().unwrap_or_else(|p| p.into_inner());
        *active = active.saturating_sub(1);
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_bound_and_release() {
        let slots = Slots::new(2);
        let a = slots.acquire();
        let b = slots.acquire();
        assert_eq!(*slots.active.lock().unwrap(), 2);
        let waiter = {
            let slots = slots.clone();
            std::thread::spawn(move || {
                let _c = slots.acquire();
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished(), "a third slot was handed out");
        drop(a);
        waiter.join().unwrap();
        drop(b);
        slots.wait_idle();
        assert_eq!(*slots.active.lock().unwrap(), 0);
    }

    #[test]
    fn identity_text() {
        let mut n = Negotiated::default();
        assert_eq!(client_identity(&n, ClientAuthMode::None), "not requested");
        assert_eq!(client_identity(&n, ClientAuthMode::Optional), "none");
        n.client_identity_verified = true;
        let t = certs::generate(&["client.example"]).unwrap();
        n.peer_certificates = t.chain;
        assert_eq!(
            client_identity(&n, ClientAuthMode::Required),
            "verified (CN=client.example)"
        );
    }
}
