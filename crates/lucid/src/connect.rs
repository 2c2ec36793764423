//! `lucid connect`: a TLS client that copies stdin to the server and the server's
//! replies to stdout.

use crate::options::{io_reason, is_timeout, CliError, TlsOptions};
use clap::Args;
use lucidtls::pem::{load_certs_pem_file, load_private_key_pem_file};
use lucidtls::verify::{describe_certificate, RootStore};
use lucidtls::{
    CertifiedKey, ClientConfig, Connection, Error, Negotiated, ServerName, ServerVerification,
    Side, Stream,
};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
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

    /// After stdin ends, wait this long for more data from the server before closing.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub wait_ms: u64,

    /// Give up connecting or handshaking after this long.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,

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

    let timeout = Duration::from_millis(args.timeout_ms.max(1));
    let tcp = connect_tcp(&host, port, timeout)?;
    let setup = |r: io::Result<()>| r.map_err(|e| CliError::Failed(format!("socket: {e}")));
    setup(tcp.set_nodelay(true))?;
    setup(tcp.set_read_timeout(Some(timeout)))?;
    setup(tcp.set_write_timeout(Some(timeout)))?;

    // The connection (and the trace clock) starts once TCP is up: the ClientHello is
    // queued at once.
    let watcher = tracing.install(&mut config.common, 0);
    let conn = Connection::client(Arc::new(config), server_name)?;
    let mut stream = Stream::new(conn, tcp);
    if let Err(e) = stream.handshake() {
        return Err(with_hint(
            CliError::Failed(if is_timeout(&e) {
                format!("handshake timed out after {} ms", timeout.as_millis())
            } else {
                io_reason(&e)
            }),
            stream.conn(),
            have_identity,
        ));
    }
    print_summary(stream.conn(), watcher.dh_bits());

    let stdin = spawn_stdin_reader();
    pump(
        &mut stream,
        &stdin,
        &mut io::stdout().lock(),
        Duration::from_millis(args.wait_ms),
    )
    .map_err(|e| with_hint(e, stream.conn(), have_identity))
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
}

/// Reads stdin on its own thread; the channel closes at EOF. The channel is bounded,
/// so a slow server slows the reading down instead of filling memory.
fn spawn_stdin_reader() -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(4);
    std::thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        let mut buf = vec![0u8; CHUNK];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.send(buf.get(..n).unwrap_or_default().to_vec()).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    eprintln!("warning: reading stdin: {e}; treating it as the end of input");
                    break;
                }
            }
        }
    });
    rx
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
    input: &Receiver<Vec<u8>>,
    output: &mut dyn Write,
    wait: Duration,
) -> Result<(), CliError> {
    let sock = |r: io::Result<()>| r.map_err(|e| CliError::Failed(format!("socket: {e}")));
    sock(stream.transport().set_write_timeout(Some(WRITE_POLL)))?;
    let mut input_open = true;
    let mut quiet_since = Instant::now();
    let mut buf = vec![0u8; CHUNK];
    let mut poll = None;
    let peer_closed = loop {
        // 1. Take more input only when everything before it has gone out.
        let mut took_input = false;
        if input_open && !stream.conn().wants_write() {
            match input.try_recv() {
                Ok(data) => {
                    stream.conn_mut().write_plaintext(&data)?;
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
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => {
                let data = buf.get(..n).unwrap_or_default();
                output
                    .write_all(data)
                    .and_then(|()| output.flush())
                    .map_err(|e| CliError::Failed(format!("writing output: {e}")))?;
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
