//! `lucid serve --http`: one HTTP/1.x request per connection, answered with a small,
//! self-contained HTML page that shows what the TLS handshake negotiated.
//!
//! This is what scanners (testssl.sh, sslyze) and browsers expect from a TLS server. The
//! request head is read up to its blank line, at most [`MAX_REQUEST_HEAD`] bytes and
//! within a deadline; GET and HEAD get `200 OK` with `Connection: close`, other methods
//! `405`, a malformed head `400`, an oversized one `431`. Then close_notify, and the
//! connection is closed.

use crate::options::{io_reason, is_timeout};
use lucidtls::Stream;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The largest request head accepted (request line and headers).
pub const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// After answering, how long we wait for the client to close before closing ourselves
/// (closing with unread input would reset the connection and could lose the answer).
const LINGER: Duration = Duration::from_secs(1);
/// The most bytes read (and dropped) while lingering.
const LINGER_BYTES: usize = 64 * 1024;

/// What the page shows about one connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnInfo {
    /// e.g. `TLSv1.3`
    pub version: String,
    /// IANA name of the suite.
    pub suite: String,
    /// The key-exchange group (`-` for RSA key transport).
    pub group: String,
    /// The ALPN protocol, if one was agreed.
    pub alpn: Option<String>,
    /// The server name the client asked for (SNI).
    pub server_name: Option<String>,
    /// `not requested`, `none` or `verified (<subject>)`.
    pub client_identity: String,
    /// Whether the connection resumed an earlier session.
    pub resumed: bool,
    /// The client's address.
    pub peer: Option<SocketAddr>,
}

/// A parsed request line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLine {
    /// e.g. `GET`
    pub method: String,
    /// e.g. `/index.html`
    pub target: String,
    /// e.g. `HTTP/1.1`
    pub version: String,
}

/// Where the request head ends (just after its blank line), if it is complete. Bare
/// `\n` line ends are accepted as well as `\r\n` (RFC 9112 §2.2).
pub fn head_end(buf: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for (i, &b) in buf.iter().enumerate() {
        if b == b'\n' {
            let line = buf.get(line_start..i).unwrap_or_default();
            if line.is_empty() || line == b"\r" {
                // An empty line before any request line is tolerated (RFC 9112 §2.2).
                if line_start > 0 && !only_blank_lines(buf.get(..line_start).unwrap_or_default()) {
                    return Some(i + 1);
                }
            }
            line_start = i + 1;
        }
    }
    None
}

fn only_blank_lines(buf: &[u8]) -> bool {
    buf.iter().all(|&b| b == b'\r' || b == b'\n')
}

/// Parses the first non-empty line of `head`: `METHOD SP TARGET SP HTTP/1.x`.
pub fn parse_request_line(head: &[u8]) -> Option<RequestLine> {
    let text = std::str::from_utf8(head).ok()?;
    let line = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .find(|l| !l.is_empty())?;
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let visible = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    let known_version = version == "HTTP/1.1" || version == "HTTP/1.0";
    if parts.next().is_some() || !token(method) || !visible(target) || !known_version {
        return None;
    }
    Some(RequestLine {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
    })
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped for HTML text and attribute values; control
/// characters become U+FFFD.
pub fn escape_html(s: &str) -> String {
    escape_markup(s, false)
}

/// `s` escaped for HTML or SVG text and attribute values: `&`, `<`, `>`, `"` and `'` become
/// entities, and control characters (which XML forbids and a trace may carry) become U+FFFD,
/// except newline and tab when `keep_newline_tab` holds (multi-line tooltips).
pub fn escape_markup(s: &str, keep_newline_tab: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' if keep_newline_tab => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `s`, with `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// The HTML page for a connection (and the request it answers).
pub fn page(info: &ConnInfo, request: &RequestLine) -> String {
    let rows = [
        ("Protocol version", info.version.clone()),
        ("Cipher suite", info.suite.clone()),
        ("Key exchange group", info.group.clone()),
        (
            "ALPN protocol",
            info.alpn.clone().unwrap_or_else(|| "none".into()),
        ),
        (
            "Server name (SNI)",
            info.server_name.clone().unwrap_or_else(|| "none".into()),
        ),
        ("Client certificate", info.client_identity.clone()),
        (
            "Session",
            if info.resumed {
                "resumed (abbreviated handshake)".into()
            } else {
                "new (full handshake)".into()
            },
        ),
        (
            "Your address",
            info.peer
                .map_or_else(|| "unknown".into(), |p| p.to_string()),
        ),
        (
            "Request",
            clip(
                &format!("{} {} {}", request.method, request.target, request.version),
                300,
            ),
        ),
    ];
    let mut table = String::new();
    for (name, value) in rows {
        let _ = writeln!(
            table,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape_html(name),
            escape_html(&value)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>lucid: {version} connection</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; \
         padding: 0 1rem; color: #1d1d1f; }}\n\
         table {{ border-collapse: collapse; width: 100%; }}\n\
         th, td {{ text-align: left; padding: .45rem .7rem; border-bottom: 1px solid #ddd; \
         vertical-align: top; }}\n\
         th {{ width: 13rem; font-weight: 600; }}\n\
         td {{ font-family: ui-monospace, monospace; word-break: break-all; }}\n\
         footer {{ margin-top: 1.5rem; color: #666; font-size: .9rem; }}\n\
         </style>\n</head>\n<body>\n<h1>Hello over {version}</h1>\n\
         <p>This page was served by <code>lucid serve --http</code>. Here is what the TLS \
         handshake of this connection negotiated:</p>\n\
         <table>\n{table}</table>\n\
         <footer>lucidtls: every step of the handshake visible.</footer>\n</body>\n</html>\n",
        version = escape_html(&info.version),
    )
}

/// A complete response: status line, headers (`Content-Length` counts `body`, also for
/// HEAD, whose body is left out), then the body.
pub fn response(
    status: u16,
    reason: &str,
    extra: &[(&str, &str)],
    body: &str,
    head: bool,
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    let _ = write!(
        out,
        "Content-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\nCache-Control: no-store\r\nServer: lucid\r\n",
        body.len()
    );
    for (name, value) in extra {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !head {
        bytes.extend_from_slice(body.as_bytes());
    }
    bytes
}

fn error_body(status: u16, reason: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>\n"
    )
}

/// What became of the request head.
enum Head {
    /// The head, up to and including its blank line.
    Complete(Vec<u8>),
    /// The client closed (close_notify) before sending a whole head.
    Closed(usize),
    /// The head grew beyond [`MAX_REQUEST_HEAD`].
    TooLarge,
}

/// Reads the request head; everything must arrive before `deadline`.
fn read_head(stream: &mut Stream<TcpStream>, deadline: Instant) -> Result<Head, String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match head_end(&head) {
            Some(end) if end <= MAX_REQUEST_HEAD => {
                head.truncate(end);
                return Ok(Head::Complete(head));
            }
            Some(_) => return Ok(Head::TooLarge),
            None if head.len() >= MAX_REQUEST_HEAD => return Ok(Head::TooLarge),
            None => {}
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no complete request within the timeout ({} bytes received)",
                head.len()
            ));
        }
        stream
            .transport()
            .set_read_timeout(Some(left))
            .map_err(|e| format!("socket: {e}"))?;
        match stream.read(&mut buf) {
            Ok(0) => return Ok(Head::Closed(head.len())),
            Ok(n) => head.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if is_timeout(&e) => {
                return Err(format!(
                    "no complete request within the timeout ({} bytes received)",
                    head.len()
                ))
            }
            Err(e) => return Err(io_reason(&e)),
        }
    }
}

/// Serves one request on an established connection within `timeout`; returns what to
/// log about it.
pub fn serve(
    stream: &mut Stream<TcpStream>,
    info: &ConnInfo,
    timeout: Duration,
) -> Result<String, String> {
    let (answer, summary) = match read_head(stream, Instant::now() + timeout)? {
        Head::Closed(0) => return Ok("closed without a request".into()),
        Head::Closed(n) => {
            return Err(format!(
                "closed after {n} bytes of an incomplete request head"
            ))
        }
        Head::TooLarge => {
            let reason = "Request Header Fields Too Large";
            (
                response(431, reason, &[], &error_body(431, reason), false),
                format!("request head over {MAX_REQUEST_HEAD} bytes: 431"),
            )
        }
        Head::Complete(head) => match parse_request_line(&head) {
            None => (
                response(
                    400,
                    "Bad Request",
                    &[],
                    &error_body(400, "Bad Request"),
                    false,
                ),
                "malformed request: 400".to_string(),
            ),
            Some(request) => {
                let shown = format!(
                    "{:?}",
                    clip(&format!("{} {}", request.method, request.target), 200)
                );
                match request.method.as_str() {
                    "GET" | "HEAD" => {
                        let body = page(info, &request);
                        (
                            response(200, "OK", &[], &body, request.method == "HEAD"),
                            format!("{shown}: 200, {} bytes", body.len()),
                        )
                    }
                    _ => {
                        let reason = "Method Not Allowed";
                        (
                            response(
                                405,
                                reason,
                                &[("Allow", "GET, HEAD")],
                                &error_body(405, reason),
                                false,
                            ),
                            format!("{shown}: 405"),
                        )
                    }
                }
            }
        },
    };
    stream.write_all(&answer).map_err(|e| io_reason(&e))?;
    stream.close().map_err(|e| io_reason(&e))?;
    linger(stream.transport());
    Ok(summary)
}

/// Half-closes and reads (and drops) what the client still sends, until it closes, for
/// at most [`LINGER`]: closing a socket with unread input sends a reset, which can make
/// the client lose the answer it has not read yet.
fn linger(tcp: &TcpStream) {
    let _ = tcp.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut buf = [0u8; 4096];
    let mut total = 0;
    let mut reader = tcp;
    while total < LINGER_BYTES {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || reader.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_of_the_head() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.1\nHost: x\n\n"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
        assert_eq!(head_end(b""), None);
        // Leading empty lines are skipped, not taken for the end.
        assert_eq!(head_end(b"\r\n\r\n"), None);
        assert_eq!(head_end(b"\r\nGET / HTTP/1.0\r\n\r\n"), Some(20));
    }

    #[test]
    fn request_lines() {
        assert_eq!(
            parse_request_line(b"GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(RequestLine {
                method: "GET".into(),
                target: "/a?b=c".into(),
                version: "HTTP/1.1".into()
            })
        );
        assert!(parse_request_line(b"\r\nHEAD / HTTP/1.0\r\n\r\n").is_some());
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET / HTTP/2\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 x\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET /\x01 HTTP/1.1\r\n\r\n",
            b"\xff / HTTP/1.1\r\n\r\n",
            b"",
        ] {
            assert_eq!(parse_request_line(bad), None, "{bad:?}");
        }
    }

    fn info() -> ConnInfo {
        ConnInfo {
            version: "TLSv1.3".into(),
            suite: "TLS_AES_128_GCM_SHA256".into(),
            group: "x25519".into(),
            alpn: Some("http/1.1".into()),
            server_name: Some("<script>alert(1)</script>".into()),
            client_identity: "verified (CN=a&b)".into(),
            resumed: true,
            peer: "127.0.0.1:5000".parse().ok(),
        }
    }

    #[test]
    fn page_shows_the_connection_and_escapes() {
        let request = parse_request_line(b"GET /\"><x> HTTP/1.1\r\n\r\n").unwrap();
        let html = page(&info(), &request);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<td>TLSv1.3</td>"));
        assert!(html.contains("<td>TLS_AES_128_GCM_SHA256</td>"));
        assert!(html.contains("<td>x25519</td>"));
        assert!(html.contains("<td>http/1.1</td>"));
        assert!(html.contains("<td>verified (CN=a&amp;b)</td>"));
        assert!(html.contains("<td>resumed (abbreviated handshake)</td>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("GET /&quot;&gt;&lt;x&gt; HTTP/1.1"));
        assert!(html.trim_end().ends_with("</html>"));
    }

    #[test]
    fn responses_count_their_body() {
        let r = String::from_utf8(response(200, "OK", &[], "héllo", false)).unwrap();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(r.contains("\r\nContent-Length: 6\r\n"), "{r}");
        assert!(r.contains("\r\nConnection: close\r\n"));
        assert!(r.ends_with("\r\n\r\nhéllo"));
        let h = String::from_utf8(response(
            405,
            "Method Not Allowed",
            &[("Allow", "GET, HEAD")],
            "abc",
            true,
        ))
        .unwrap();
        assert!(h.contains("\r\nContent-Length: 3\r\n") && h.contains("\r\nAllow: GET, HEAD\r\n"));
        assert!(h.ends_with("\r\n\r\n"), "HEAD has no body: {h}");
    }
}
