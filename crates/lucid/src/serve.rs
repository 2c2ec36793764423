//! `lucid serve`: a TLS echo server, one client at a time.

use crate::certs;
use crate::narrate::{negotiated_summary, Watcher};
use crate::options::{io_reason, CliError, TlsOptions};
use clap::Args;
use lucidtls::pem::{load_certs_pem_file, load_private_key_pem_file};
use lucidtls::{CertifiedKey, Connection, ServerConfig, Side, Stream};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;

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

    /// TLS settings.
    #[command(flatten)]
    pub tls: TlsOptions,
}

/// Runs `lucid serve`.
pub fn run(args: &ServeArgs, verbose: bool) -> Result<(), CliError> {
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
    let watcher = args.tls.apply(&mut config.common, Side::Server, verbose)?;
    let config = Arc::new(config);

    let listener = TcpListener::bind(args.listen)
        .map_err(|e| CliError::Failed(format!("listening on {}: {e}", args.listen)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Failed(format!("socket: {e}")))?;
    eprintln!("listening on {local}");
    let _ = io::stderr().flush();

    let mut served = 0u64;
    while args.max_clients.is_none_or(|max| served < max) {
        let (tcp, peer) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) => {
                eprintln!("accept error: {e}");
                continue;
            }
        };
        served += 1;
        match serve_client(&config, &watcher, tcp, peer) {
            Ok(echoed) => eprintln!("client {peer}: closed, {echoed} bytes echoed"),
            Err(reason) => eprintln!("client error: {peer}: {reason}"),
        }
        let _ = io::stderr().flush();
    }
    Ok(())
}

/// Handshakes with one client and echoes until it closes; returns the bytes echoed.
fn serve_client(
    config: &Arc<ServerConfig>,
    watcher: &Watcher,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Result<u64, String> {
    // Small writes (one echoed line) should not wait for Nagle.
    tcp.set_nodelay(true).map_err(|e| format!("socket: {e}"))?;
    let conn = Connection::server(config.clone()).map_err(|e| e.to_string())?;
    let mut stream = Stream::new(conn, tcp);
    stream.handshake().map_err(|e| io_reason(&e))?;
    eprintln!(
        "client {peer}: negotiated {}",
        negotiated_summary(stream.conn().negotiated(), watcher.dh_bits())
    );
    let echoed = echo(&mut stream).map_err(|e| io_reason(&e))?;
    stream.close().map_err(|e| io_reason(&e))?;
    Ok(echoed)
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
