//! `lucid demo`: a client and a server in one process, over loopback, with every
//! handshake step printed as it happens.

use crate::certs;
use crate::narrate::{negotiated_summary, Sink};
use crate::options::{io_reason, key_log, CliError, Tracing};
use crate::serve::echo;
use crate::trace_json::Clock;
use clap::Args;
use lucidtls::enums::ProtocolVersion;
use lucidtls::verify::{describe_certificate, RootStore};
use lucidtls::{CertifiedKey, ClientConfig, Connection, ServerConfig, ServerName, Side, Stream};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The message the client sends and expects back.
const MESSAGE: &[u8] = b"hello from the lucid demo\n";
/// Neither side waits longer than this for the other.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Arguments of `lucid demo`.
#[derive(Args, Debug, Default)]
pub struct DemoArgs {
    /// Also write every step of both sides to FILE as JSON, one object per line (JSON
    /// Lines; the schema is in docs/trace.md). The file is created or truncated.
    #[arg(long = "trace-json", value_name = "FILE")]
    pub trace_json: Option<PathBuf>,

    /// Append the session secrets to FILE (NSS key log format, for Wireshark). Without
    /// it, the SSLKEYLOGFILE environment variable is honoured.
    #[arg(long = "keylog", value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

/// Runs `lucid demo`.
pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let provider = lucidtls_aws_lc::provider();
    let pki = certs::generate(&["localhost"]).map_err(CliError::Failed)?;
    println!("generated a throwaway CA and an ECDSA P-256 certificate for localhost");

    // Both sides narrate on stdout and, with --trace-json, record into one file on one
    // clock, so that their events can be laid side by side.
    let json = Tracing::open_json(args.trace_json.as_deref())?;
    let clock = Clock::new();
    let server_tracing = Tracing::new(Side::Server, true, json.clone());
    let client_tracing = Tracing::new(Side::Client, true, json);

    let certified = CertifiedKey::new(&*provider, pki.chain, &pki.key)?;
    let mut server_config = ServerConfig::new(provider.clone(), certified);
    server_config.common.versions = vec![ProtocolVersion::Tls13];
    server_config.common.observer = Some(server_tracing.watcher(0, clock.clone(), Sink::Stdout));

    let mut roots = RootStore::empty();
    roots.add_der(&pki.ca_der)?;
    let mut client_config = ClientConfig::with_roots(provider, Arc::new(roots));
    client_config.common.versions = vec![ProtocolVersion::Tls13];
    client_config.common.observer = Some(client_tracing.watcher(0, clock, Sink::Stdout));
    // The secrets are logged once, by the client.
    client_config.common.key_log = key_log(args.keylog.as_deref())?;

    let failed = |what: &str, e: std::io::Error| CliError::Failed(format!("{what}: {e}"));
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| failed("listening", e))?;
    let addr = listener.local_addr().map_err(|e| failed("listening", e))?;
    println!("server listening on {addr}");

    let server_config = Arc::new(server_config);
    let server = std::thread::spawn(move || -> Result<u64, String> {
        let (tcp, _) = listener.accept().map_err(|e| format!("accept: {e}"))?;
        tcp.set_read_timeout(Some(TIMEOUT))
            .map_err(|e| format!("socket: {e}"))?;
        let conn = Connection::server(server_config).map_err(|e| e.to_string())?;
        let mut stream = Stream::new(conn, tcp);
        stream.handshake().map_err(|e| io_reason(&e))?;
        let echoed = echo(&mut stream).map_err(|e| io_reason(&e))?;
        stream.close().map_err(|e| io_reason(&e))?;
        Ok(echoed)
    });

    let client_result = run_client(Arc::new(client_config), addr);
    let server_result = server
        .join()
        .map_err(|_| CliError::Failed("the server thread panicked".into()))?;
    let echoed = match (client_result, server_result) {
        (Err(e), _) => return Err(e),
        (Ok(()), Err(e)) => return Err(CliError::Failed(format!("server: {e}"))),
        (Ok(()), Ok(n)) => n,
    };
    println!("server echoed {echoed} bytes; both sides closed with close_notify");
    println!("demo complete");
    Ok(())
}

fn run_client(config: Arc<ClientConfig>, addr: std::net::SocketAddr) -> Result<(), CliError> {
    let failed = |e: std::io::Error| CliError::Failed(io_reason(&e));
    let name = ServerName::try_from("localhost")
        .map_err(|_| CliError::Failed("invalid server name".into()))?;
    let conn = Connection::client(config, name.to_owned())?;
    let tcp = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(failed)?;
    tcp.set_read_timeout(Some(TIMEOUT)).map_err(failed)?;
    let mut stream = Stream::new(conn, tcp);
    stream.handshake().map_err(failed)?;

    let negotiated = stream.conn().negotiated();
    println!("negotiated: {}", negotiated_summary(negotiated, None));
    if let Some(info) = negotiated
        .peer_certificates
        .first()
        .and_then(|c| describe_certificate(c).ok())
    {
        println!("peer certificate: {}", info.subject);
    }

    println!(
        "client sends: {:?}",
        String::from_utf8_lossy(MESSAGE).trim_end()
    );
    stream.write_all(MESSAGE).map_err(failed)?;
    let mut back = vec![0u8; MESSAGE.len()];
    stream.read_exact(&mut back).map_err(failed)?;
    println!(
        "client received: {:?}",
        String::from_utf8_lossy(&back).trim_end()
    );
    if back != MESSAGE {
        return Err(CliError::Failed(
            "the echo differs from what was sent".into(),
        ));
    }
    stream.close().map_err(failed)?;
    // Wait for the server's close_notify so both halves end cleanly.
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).map_err(failed)?;
    if !rest.is_empty() {
        return Err(CliError::Failed(format!(
            "{} unexpected bytes after the echo",
            rest.len()
        )));
    }
    Ok(())
}
