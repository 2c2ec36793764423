//! `lucid trace render`: traces made by the binary itself (demo; serve + connect, each
//! side alone and both together) drawn as ladders, checked arrow by arrow against the
//! trace; hostile strings escaped; bad input refused; and the page loaded in headless
//! Chromium by scripts/screenshot.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use common::{text, Server, LUCID};

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lucid-render-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(LUCID)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run lucid")
}

/// Renders `trace`, insisting on success; returns the page.
fn render(trace: &Path) -> String {
    let out_path = trace.with_extension("html");
    let out = run(&[
        "trace",
        "render",
        trace.to_str().unwrap(),
        "--html",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "render failed: {}", text(&out.stderr));
    std::fs::read_to_string(out_path).unwrap()
}

/// The trace's lines, parsed.
fn events(trace: &Path) -> Vec<Value> {
    std::fs::read_to_string(trace)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("the trace is JSON"))
        .collect()
}

/// One arrow of the page, from its data attributes.
#[derive(Debug, Clone)]
struct Arrow {
    event: String,
    from: String,
    encrypted: bool,
    events: usize,
    bytes: u64,
    seq: [Option<u64>; 2],
}

/// The value of attribute `name` in the tag `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let start = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
    &tag[start..start + tag[start..].find('"').unwrap()]
}

/// Each connection's section of the page, by `conn` number.
fn sections(html: &str) -> BTreeMap<u64, &str> {
    let mut out = BTreeMap::new();
    let mut rest = html;
    while let Some(at) = rest.find("<section class=\"conn\"") {
        let tail = &rest[at..];
        let end = tail.find("</section>").expect("section closed");
        let section = &tail[..end];
        let conn = attr(section, "data-conn").parse().unwrap();
        out.insert(conn, section);
        rest = &tail[end..];
    }
    out
}

/// The arrows of a section, top to bottom.
fn arrows(section: &str) -> Vec<Arrow> {
    let seq = |v: &str| (!v.is_empty()).then(|| v.parse().unwrap());
    section
        .match_indices("<g class=\"msg\"")
        .map(|(at, _)| {
            let tag = &section[at..at + section[at..].find('>').unwrap()];
            Arrow {
                event: attr(tag, "data-event").to_owned(),
                from: attr(tag, "data-from").to_owned(),
                encrypted: attr(tag, "data-encrypted") == "true",
                events: attr(tag, "data-events").parse().unwrap(),
                bytes: attr(tag, "data-bytes").parse().unwrap(),
                seq: [
                    seq(attr(tag, "data-client-seq")),
                    seq(attr(tag, "data-server-seq")),
                ],
            }
        })
        .collect()
}

fn side_index(side: &str) -> usize {
    match side {
        "client" => 0,
        "server" => 1,
        other => panic!("side {other}"),
    }
}

/// Whether an event is a message on the wire (an arrow).
fn is_message(e: &Value) -> bool {
    e["from"].is_string() && e["event"] != "Renegotiation"
}

/// Checks a rendered trace against the trace, connection by connection:
/// - every message event of every traced view is drawn by exactly one arrow, and the
///   arrows of what each side sent are in that side's order, from the right lane;
/// - with both views, each arrow joins the sender's event to the receiver's;
/// - encrypted marks follow the version's rule;
/// - every certificate check is annotated with its outcome;
/// - the negotiated version and suite are in the parameters.
///
/// Returns the number of connections and of arrows checked.
fn check_page(trace: &Path, html: &str) -> (usize, usize) {
    let events = events(trace);
    let sections = sections(html);
    let mut by_conn: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for e in &events {
        by_conn
            .entry(e["conn"].as_u64().unwrap())
            .or_default()
            .push(e);
    }
    assert_eq!(
        sections.keys().collect::<Vec<_>>(),
        by_conn.keys().collect::<Vec<_>>(),
        "one section per connection"
    );
    let mut total = 0;
    for (conn, events) in &by_conn {
        let section = sections[conn];
        let arrows = arrows(section);
        assert!(!arrows.is_empty(), "connection {conn} has arrows");
        total += arrows.len();
        let traced: Vec<bool> = ["client", "server"]
            .iter()
            .map(|s| events.iter().any(|e| e["side"] == *s))
            .collect();
        for (i, side) in ["client", "server"].iter().enumerate() {
            assert!(
                section.contains(&format!(
                    "data-side=\"{side}\" data-traced=\"{}\"",
                    traced[i]
                )),
                "lane {side} marked traced={}",
                traced[i]
            );
            if !traced[i] {
                continue;
            }
            let mut view: Vec<&&Value> = events.iter().filter(|e| e["side"] == *side).collect();
            view.sort_by_key(|e| e["seq"].as_u64().unwrap());
            // Application data may be folded (a write received as several records; a
            // bulk run drawn as one arrow per direction): those are checked by bytes.
            let data = |e: &Value| e["event"] == "ApplicationData";
            for from in ["client", "server"] {
                let sent: u64 = view
                    .iter()
                    .filter(|e| data(e) && e["from"] == from)
                    .map(|e| e["bytes"].as_u64().unwrap())
                    .sum();
                let drawn: u64 = arrows
                    .iter()
                    .filter(|a| a.event == "ApplicationData" && a.from == from)
                    .map(|a| a.bytes)
                    .sum();
                assert_eq!(drawn, sent, "connection {conn}: {side} saw {from}'s bytes");
            }
            let messages: Vec<&&Value> = view
                .iter()
                .copied()
                .filter(|e| is_message(e) && !data(e))
                .collect();
            // Every other message event of this view is on exactly one arrow, under its
            // name and sender.
            let mut drawn: Vec<(u64, &Arrow)> = arrows
                .iter()
                .filter(|a| a.event != "ApplicationData")
                .filter_map(|a| a.seq[i].map(|s| (s, a)))
                .collect();
            drawn.sort_by_key(|(s, _)| *s);
            assert_eq!(
                drawn.len(),
                messages.len(),
                "connection {conn}: {side}'s {} messages, arrows {drawn:?}",
                messages.len()
            );
            for (e, (seq, arrow)) in messages.iter().zip(&drawn) {
                assert_eq!(e["seq"].as_u64().unwrap(), *seq);
                assert_eq!(e["event"], arrow.event.as_str(), "seq {seq}");
                assert_eq!(e["from"], arrow.from.as_str(), "seq {seq}");
                assert_eq!(arrow.events, 1);
            }
            // What this side sent is drawn in the order it sent it.
            let sent: Vec<u64> = arrows
                .iter()
                .filter(|a| a.from == *side)
                .filter_map(|a| a.seq[i])
                .collect();
            assert!(
                sent.windows(2).all(|w| w[0] < w[1]),
                "{side}'s sends in order: {sent:?}"
            );
            if !traced[1 - i] {
                // One view only: the whole ladder is in its order.
                let all: Vec<u64> = arrows.iter().map(|a| a.seq[i].unwrap()).collect();
                assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
            }
        }
        if traced.iter().all(|t| *t) {
            // Each arrow joins the sender's event to the receiver's; only a closing
            // alert may go unread (its receiver had already hung up).
            for a in &arrows {
                assert!(
                    a.seq[0].is_some() && a.seq[1].is_some() || a.event == "Alert",
                    "connection {conn}: {a:?} joins both views"
                );
            }
            let joined = arrows.iter().filter(|a| a.seq.iter().all(Option::is_some));
            assert!(joined.count() + 2 >= arrows.len());
        }
        check_encryption(*conn, events, &arrows);

        let checks: Vec<&&Value> = events
            .iter()
            .filter(|e| e["event"] == "CertificateCheck")
            .collect();
        let annotated: Vec<(&str, &str)> = section
            .match_indices(" data-check=\"")
            .map(|(at, _)| {
                let tag = &section[at..at + section[at..].find('>').unwrap()];
                (attr(tag, "data-check"), attr(tag, "data-passed"))
            })
            .collect();
        let expected: Vec<(&str, String)> = checks
            .iter()
            .map(|e| {
                (
                    e["check"].as_str().unwrap(),
                    e["passed"].as_bool().unwrap().to_string(),
                )
            })
            .collect();
        let mut expected: Vec<(&str, &str)> =
            expected.iter().map(|(c, p)| (*c, p.as_str())).collect();
        let mut annotated = annotated;
        expected.sort_unstable();
        annotated.sort_unstable();
        assert_eq!(annotated, expected, "connection {conn}: checks annotated");

        if let Some(done) = events.iter().find(|e| e["event"] == "HandshakeComplete") {
            let params = &section[..section.find("<svg").unwrap()];
            for key in ["version", "cipher_suite"] {
                let value = done[key].as_str().unwrap();
                assert!(params.contains(value), "connection {conn}: {value} shown");
            }
        }
    }
    (by_conn.len(), total)
}

/// TLS 1.3: everything after ServerHello is encrypted but ChangeCipherSpec; TLS 1.2:
/// each direction after its sender's ChangeCipherSpec.
fn check_encryption(conn: u64, events: &[&Value], arrows: &[Arrow]) {
    let version = events
        .iter()
        .find(|e| e["event"] == "ServerHello")
        .and_then(|e| e["version"].as_str())
        .unwrap_or("");
    let mut after_sh = false;
    let mut after_ccs = [false; 2];
    for a in arrows {
        let from = side_index(&a.from);
        let expected = match version {
            "TLSv1.3" => after_sh && a.event != "ChangeCipherSpec",
            _ => after_ccs[from] && a.event != "ChangeCipherSpec",
        };
        assert_eq!(
            a.encrypted, expected,
            "connection {conn} ({version}): {} from {} encrypted",
            a.event, a.from
        );
        after_sh |= a.event == "ServerHello";
        after_ccs[from] |= a.event == "ChangeCipherSpec";
    }
    let named = |name: &'static str| arrows.iter().filter(move |a| a.event == name);
    assert!(named("ClientHello").all(|a| !a.encrypted || version == "TLSv1.2"));
    assert!(
        named("Finished").all(|a| a.encrypted),
        "Finished is encrypted"
    );
    if version == "TLSv1.3" {
        assert!(named("Certificate").all(|a| a.encrypted));
        assert!(named("EncryptedExtensions").all(|a| a.encrypted));
    }
    if version == "TLSv1.2" {
        assert!(named("Certificate").all(|a| !a.encrypted));
        assert!(named("ServerKeyExchange").all(|a| !a.encrypted));
        assert!(named("ClientKeyExchange").all(|a| !a.encrypted));
    }
}

#[test]
fn demo_trace_draws_one_arrow_per_message_in_order() {
    let dir = Scratch::new("demo");
    let trace = dir.path("demo.jsonl");
    let out = run(&["demo", "--trace-json", trace.to_str().unwrap()]);
    assert!(out.status.success(), "demo: {}", text(&out.stderr));
    let html = render(&trace);
    let (connections, drawn) = check_page(&trace, &html);
    assert!(connections >= 1 && drawn >= 10, "{connections} {drawn}");
    // Both views are in the demo's trace: every arrow joins the two, so there are as
    // many arrows as messages in either view (when no application data is folded).
    let all = events(&trace);
    let client_messages = all
        .iter()
        .filter(|e| e["side"] == "client" && is_message(e))
        .count();
    if arrows(&html).iter().all(|a| a.events == 1) {
        assert_eq!(drawn, client_messages);
    }
    for needle in [
        "<!DOCTYPE html>",
        "Content-Security-Policy",
        "class=\"legend\"",
        "key exchange",
        "keys derived: client handshake traffic",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    // Self-contained: nothing is fetched, nothing runs.
    for banned in [
        "<script", "<link", "src=", "http://", "https://", "@import", "url(",
    ] {
        let hits: Vec<_> = html.match_indices(banned).collect();
        let allowed =
            banned == "http://" && html.matches("http://www.w3.org/2000/svg").count() == hits.len();
        assert!(hits.is_empty() || allowed, "{banned} in the page");
    }
}

/// A `lucid serve` for one client in `version`, writing its trace to `trace`.
fn trace_server(trace: &Path, version: &str) -> Server {
    Server::start(&[
        "--max-clients",
        "1",
        version,
        "--trace-json",
        trace.to_str().unwrap(),
    ])
}

#[test]
fn connect_and_serve_traces_draw_from_either_side_and_both() {
    for version in ["--tls1.2", "--tls1.3"] {
        let dir = Scratch::new("pair");
        let (client, server_trace) = (dir.path("client.jsonl"), dir.path("server.jsonl"));
        let server = trace_server(&server_trace, version);
        let target = format!("127.0.0.1:{}", server.port);
        let mut connect = Command::new(LUCID)
            .args(["connect", &target, "--cafile", server.ca.to_str().unwrap()])
            .args([version, "--wait-ms", "200", "--alpn", "h2", "--trace-json"])
            .arg(&client)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        // 64 KiB and more: several records each way, drawn as one arrow per direction.
        let mut input = vec![b'x'; 70_000];
        input.push(b'\n');
        connect.stdin.take().unwrap().write_all(&input).unwrap();
        let out = connect.wait_with_output().unwrap();
        assert!(out.status.success(), "connect: {}", text(&out.stderr));
        // Waits for the server to exit (it serves one client).
        let _ = server.finish();

        let both = dir.path("both.jsonl");
        let mut joined = std::fs::read(&client).unwrap();
        joined.extend(std::fs::read(&server_trace).unwrap());
        std::fs::write(&both, joined).unwrap();
        for trace in [&client, &server_trace, &both] {
            let html = render(trace);
            let (connections, arrows) = check_page(trace, &html);
            assert_eq!(connections, 1, "{version} {}", trace.display());
            assert!(arrows >= 8, "{version}: {arrows} arrows");
            assert!(
                html.contains("70001 bytes in"),
                "the transfer's total is shown"
            );
            let name = if version == "--tls1.2" {
                "TLSv1.2"
            } else {
                "TLSv1.3"
            };
            assert!(html.contains(name));
        }
    }
}

#[test]
fn strings_from_the_trace_are_escaped() {
    let dir = Scratch::new("escape");
    let trace = dir.path("evil.jsonl");
    let lines = [
        r#"{"event":"ClientHello","side":"client","seq":0,"t_us":0,"conn":0,"from":"client","versions":["TLSv1.3"],"cipher_suites":["TLS_AES_128_GCM_SHA256"],"extensions":[],"server_name":"\"><script>alert('sni')</script>","key_shares":["x25519"]}"#,
        r#"{"event":"ServerHello","side":"client","seq":1,"t_us":5,"conn":0,"from":"server","version":"TLSv1.3","cipher_suite":"TLS_AES_128_GCM_SHA256","group":"x25519","extensions":[]}"#,
        r#"{"event":"EncryptedExtensions","side":"client","seq":2,"t_us":6,"conn":0,"from":"server","extensions":[],"alpn":"</text><script>alert('alpn')</script>"}"#,
        r#"{"event":"Certificate","side":"client","seq":3,"t_us":7,"conn":0,"from":"server","chain":["subject CN=<script>alert(1)</script>; issuer CN=x"],"certificates":[{"subject":"CN=<img src=x onerror=alert(2)>","issuer":"CN=</title><script>alert(3)</script>","subject_alt_names":["DNS:<svg onload=alert(4)>"],"not_before":"<b>","not_after":0}]}"#,
        r#"{"event":"CertificateCheck","side":"client","seq":4,"t_us":8,"conn":0,"check":"name<iframe>","passed":false,"detail":"certificate is not valid for <script>alert(5)</script> & friends"}"#,
        r#"{"event":"<script>alert(6)</script>","side":"client","seq":5,"t_us":9,"conn":0,"from":"server","<style>":"</style><script>alert(7)</script>"}"#,
        r#"{"event":"Alert","side":"client","seq":6,"t_us":10,"conn":0,"from":"client","description":"bad_certificate\"><script>","fatal":true}"#,
    ];
    std::fs::write(&trace, lines.join("\n")).unwrap();
    let html = render(&trace);
    let lower = html.to_lowercase();
    for banned in [
        "<script",
        "<img",
        "<iframe",
        "<svg onload",
        "<b>",
        "</title><script",
    ] {
        assert!(!lower.contains(banned), "{banned} reached the page");
    }
    assert!(html.contains("&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;alert(5)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;alert(6)&lt;/script&gt;"));
    assert!(html.contains("CN=&lt;img src=x onerror=alert(2)&gt;"));
    assert!(html.contains("&lt;/text&gt;&lt;script&gt;alert(&#39;alpn&#39;)"));
    assert!(html.contains("&amp; friends"));
    // Every tag in the page is one the renderer writes.
    let allowed = [
        "!doctype", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "code",
        "section", "table", "tr", "th", "td", "svg", "g", "line", "polygon", "rect", "text",
        "path",
    ];
    for (at, _) in html.match_indices('<') {
        let name: String = html[at + 1..]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect::<String>()
            .to_lowercase();
        assert!(allowed.contains(&name.as_str()), "tag <{name}> in the page");
    }
    // The hostile check is still annotated, as failed.
    assert!(html.contains(r#"data-check="name&lt;iframe&gt;" data-passed="false""#));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = Scratch::new("bad");
    let out_path = dir.path("out.html");
    let out_arg = out_path.to_str().unwrap();
    let fails = |trace: &Path, expected: &str| {
        let out = run(&[
            "trace",
            "render",
            trace.to_str().unwrap(),
            "--html",
            out_arg,
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(expected), "{expected:?} in {stderr:?}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out_path.exists(), "no page written on error");
    };
    fails(&dir.path("missing.jsonl"), "missing.jsonl");

    let good =
        r#"{"event":"ClientHello","side":"client","seq":0,"t_us":0,"conn":0,"from":"client"}"#;
    let malformed = dir.path("malformed.jsonl");
    std::fs::write(
        &malformed,
        format!("{good}\n\n{{\"event\": \"ServerHello\",\n"),
    )
    .unwrap();
    fails(&malformed, "malformed.jsonl:3: not valid JSON");

    let empty = dir.path("empty.jsonl");
    std::fs::write(&empty, "\n  \n").unwrap();
    fails(&empty, "empty trace");

    let not_object = dir.path("array.jsonl");
    std::fs::write(&not_object, format!("{good}\n[1, 2]\n")).unwrap();
    fails(&not_object, "array.jsonl:2: not a JSON object");

    let no_side = dir.path("noside.jsonl");
    std::fs::write(&no_side, r#"{"event":"ClientHello","seq":0}"#).unwrap();
    fails(&no_side, "noside.jsonl:1: \"side\" must be");

    // Without --html: a usage error from clap.
    let out = run(&["trace", "render", malformed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--html"));
}

#[test]
fn screenshot_script_loads_the_page_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = Scratch::new("shot");
    let script = |args: &[&str]| {
        Command::new("bash")
            .arg(root.join("scripts/screenshot"))
            .args(args)
            .env("LUCID", LUCID)
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/screenshot")
    };
    let png = dir.path("ladder.png");
    let out = script(&["--out", png.to_str().unwrap()]);
    if out.status.code() == Some(3) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs Chromium: {}",
            text(&out.stderr)
        );
        eprintln!("skipped: no Chromium ({})", text(&out.stderr).trim());
        return;
    }
    assert!(
        out.status.success(),
        "scripts/screenshot: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(bytes.len() > 20_000, "{} bytes", bytes.len());

    // A hostile trace loads just as cleanly: had any markup got through, the page's
    // Content-Security-Policy would have refused it and the console would say so.
    let evil = dir.path("evil.jsonl");
    std::fs::write(
        &evil,
        concat!(
            r#"{"event":"ClientHello","side":"server","seq":0,"t_us":0,"conn":0,"from":"client","server_name":"<script>console.error('x')</script><img src=http://127.0.0.1:9/x>"}"#,
            "\n",
            r#"{"event":"Certificate","side":"server","seq":1,"t_us":1,"conn":0,"from":"server","chain":["<link rel=stylesheet href=http://127.0.0.1:9/y.css>"]}"#,
        ),
    )
    .unwrap();
    let png = dir.path("evil.png");
    let out = script(&[evil.to_str().unwrap(), "--out", png.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "scripts/screenshot on a hostile trace: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
