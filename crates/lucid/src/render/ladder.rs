//! The page: one SVG ladder per connection, with its parameters and a legend, as one
//! self-contained HTML file (inline CSS and SVG; no script, no external resource).
//!
//! Every string that comes from the trace goes through [`esc`]: certificate subjects,
//! SNI and ALPN are chosen by the peer.

use super::describe::{self, Line, Tone};
use super::model::{Connection, Event, Item, Message, Side, Summary};
use std::fmt::Write;

/// Width of the drawing.
const WIDTH: f64 = 1240.0;
/// Where the lanes run.
const LANE_X: [f64; 2] = [400.0, 900.0];
/// Left edge of each side's note column.
const NOTE_X: [f64; 2] = [70.0, 912.0];
/// Width of a note column.
const NOTE_W: f64 = 318.0;
/// Height of a line of 11px text.
const LINE_H: f64 = 14.0;
/// Average width of a character of 11px text, rounded up, for wrapping by hand
/// (SVG text does not wrap).
const CHAR_W: f64 = 6.4;
/// Top of the first row, under the lane headers.
const TOP: f64 = 62.0;
/// At most this many detail lines under an arrow; the rest are in its tooltip.
const MAX_LINES: usize = 12;

/// Colour of plaintext arrows, encrypted arrows, and alerts.
const PLAIN: &str = "#2d3a4a";
const SEALED: &str = "#0b7a53";
const FATAL: &str = "#c0392b";

/// Escapes text for HTML and SVG content and attribute values; control characters
/// other than newline and tab (which XML forbids and a trace may carry) become U+FFFD.
pub fn esc(s: &str) -> String {
    crate::http::escape_markup(s, true)
}

/// Splits `text` into lines of at most `max` characters, at spaces where it can; at
/// most `limit` lines, the last one cut with "…" when the text is longer.
fn wrap(text: &str, max: usize, limit: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            if len == 0 && word.len() > max {
                // A word longer than a line: cut it.
                lines.push(word.drain(..max).collect());
            } else if len == 0 {
                current.extend(word.iter());
                len = word.len();
                break;
            } else if len + 1 + word.len() <= max {
                current.push(' ');
                current.extend(word.iter());
                len += 1 + word.len();
                break;
            } else {
                lines.push(std::mem::take(&mut current));
                len = 0;
            }
        }
    }
    if len > 0 || lines.is_empty() {
        lines.push(current);
    }
    if lines.len() > limit {
        lines.truncate(limit);
        let last = &mut lines[limit - 1];
        let keep: String = last.chars().take(max.saturating_sub(1)).collect();
        *last = keep + "…";
    }
    lines
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Plain => "d",
        Tone::Param => "d param",
        Tone::Good => "d good",
        Tone::Bad => "d bad",
        Tone::Muted => "d muted",
    }
}

/// Microseconds as milliseconds with three decimals.
fn ms(t_us: u64) -> String {
    format!("{}.{:03} ms", t_us / 1000, t_us % 1000)
}

/// Draws one connection's ladder.
fn ladder(c: &Connection) -> String {
    let mut body = String::new();
    let mut y = TOP;
    let mut i = 0;
    while i < c.items.len() {
        match &c.items[i] {
            Item::Message(m) => {
                let receiver_traced = c.traced[m.from.peer().index()];
                y = arrow(&mut body, m, receiver_traced, y);
                i += 1;
            }
            Item::Note(e) if e.name == "CertificateCheck" => {
                // Consecutive checks by one side share a box.
                let mut checks = vec![e];
                while let Some(Item::Note(next)) = c.items.get(i + checks.len()) {
                    if next.name != "CertificateCheck" || next.side != e.side {
                        break;
                    }
                    checks.push(next);
                }
                i += checks.len();
                let mut lines = Vec::new();
                for check in &checks {
                    lines.extend(describe::note(check).2);
                }
                let title = format!("certificate checks ({})", checks.len());
                y = note(&mut body, e, &title, Tone::Plain, &lines, y);
            }
            Item::Note(e) => {
                let (title, tone, lines) = describe::note(e);
                y = note(&mut body, e, &title, tone, &lines, y);
                i += 1;
            }
        }
    }
    let height = y + 24.0;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="TLS ladder diagram of connection {conn}">"#,
        conn = c.conn
    );
    for side in Side::BOTH {
        let x = LANE_X[side.index()];
        let traced = c.traced[side.index()];
        let sub = if traced {
            "traced".to_owned()
        } else {
            format!("not traced: seen from the {}", side.peer().name())
        };
        let _ = write!(
            svg,
            r#"<g class="lane" data-side="{name}" data-traced="{traced}"><line x1="{x}" y1="44" x2="{x}" y2="{bottom}" class="lane-line{dash}"/><rect x="{bx}" y="6" width="160" height="36" rx="6" class="lane-head{dash}"/><text x="{x}" y="22" class="lane-name">{name}</text><text x="{x}" y="36" class="lane-sub">{sub}</text></g>"#,
            name = side.name(),
            bottom = height - 8.0,
            dash = if traced { "" } else { " untraced" },
            bx = x - 80.0,
        );
    }
    svg.push_str(&body);
    svg.push_str("</svg>");
    svg
}

/// Draws the arrow of `m` at `y`; returns the y of the next row.
fn arrow(out: &mut String, m: &Message, receiver_traced: bool, y: f64) -> f64 {
    let from = m.from.index();
    let (x1, x2) = (LANE_X[from], LANE_X[m.from.peer().index()]);
    let fatal = m.name == "Alert" && m.get("fatal").and_then(|v| v.as_bool()) == Some(true);
    let colour = if fatal {
        FATAL
    } else if m.encrypted {
        SEALED
    } else {
        PLAIN
    };
    // A label the trace made up (an unknown event name) must not run off the page.
    let full_label = describe::label(m);
    let label = wrap(&full_label, 60, 1).remove(0);
    let details = describe::details(m, receiver_traced);
    let mid = (LANE_X[0] + LANE_X[1]) / 2.0;
    let line_y = y + 24.0;
    let seq = |side: Side| m.seq(side).map_or(String::new(), |s| s.to_string());

    let lines: Vec<String> = m
        .sent
        .iter()
        .chain(m.received.iter())
        .map(|e| e.line.to_string())
        .collect();
    let where_ = format!("(trace line {})", lines.join(", "));
    let tooltip: Vec<&str> = std::iter::once(full_label.as_str())
        .chain(details.iter().map(|l| l.text.as_str()))
        .chain(std::iter::once(where_.as_str()))
        .collect();
    let _ = write!(
        out,
        r#"<g class="msg" data-event="{event}" data-from="{from_name}" data-encrypted="{enc}" data-events="{events}" data-bytes="{bytes}" data-client-seq="{cseq}" data-server-seq="{sseq}"><title>{title}</title>"#,
        event = esc(&m.name),
        from_name = m.from.name(),
        enc = m.encrypted,
        events = m.events,
        bytes = m.bytes,
        cseq = seq(Side::Client),
        sseq = seq(Side::Server),
        title = esc(&tooltip.join("\n")),
    );
    if let Some(t) = m.anchor().t_us {
        let _ = write!(
            out,
            r#"<text x="8" y="{ty}" class="time">{t}</text>"#,
            ty = line_y + 4.0,
            t = ms(t)
        );
    }
    // The shaft stops at the arrowhead's base.
    let dir = if x2 > x1 { 1.0 } else { -1.0 };
    let tip = x2 - dir * 2.0;
    let base = tip - dir * 11.0;
    let _ = write!(
        out,
        r#"<line x1="{x1}" y1="{line_y}" x2="{base}" y2="{line_y}" stroke="{colour}" stroke-width="2"{dash}/><polygon points="{tip},{line_y} {base},{a} {base},{b}" fill="{colour}"/>"#,
        x1 = x1 + dir * 2.0,
        dash = if m.encrypted {
            r#" stroke-dasharray="8 4""#
        } else {
            ""
        },
        a = line_y - 5.0,
        b = line_y + 5.0,
    );
    let label_w = label.chars().count() as f64 * 8.4;
    let _ = write!(
        out,
        r#"<text x="{mid}" y="{ly}" class="label" fill="{colour}">{text}</text>"#,
        ly = line_y - 7.0,
        text = esc(&label),
    );
    if m.encrypted {
        lock(out, mid - label_w / 2.0 - 16.0, line_y - 19.0);
    }
    let max = ((LANE_X[1] - LANE_X[0] - 24.0) / CHAR_W) as usize;
    let mut ly = line_y + 16.0;
    let mut drawn = 0;
    for line in &details {
        for text in wrap(&line.text, max, 3) {
            if drawn == MAX_LINES {
                break;
            }
            detail(out, line, &text, true, mid, ly, "middle");
            ly += LINE_H;
            drawn += 1;
        }
    }
    out.push_str("</g>");
    ly - 4.0
}

/// Draws a padlock whose top-left corner is at (x, y).
fn lock(out: &mut String, x: f64, y: f64) {
    let _ = write!(
        out,
        r#"<g class="lock"><path d="M{a} {b} v-2.5 a3.5 3.5 0 0 1 7 0 v2.5" fill="none" stroke="{SEALED}" stroke-width="1.8"/><rect x="{x}" y="{b}" width="11" height="8" rx="1.5" fill="{SEALED}"/></g>"#,
        a = x + 2.0,
        b = y + 5.0,
    );
}

/// One line of text; the `first` line of a certificate check carries its name and
/// outcome.
fn detail(out: &mut String, line: &Line, text: &str, first: bool, x: f64, y: f64, anchor: &str) {
    let check = match &line.check {
        Some((name, passed, checked)) if first => format!(
            r#" data-check="{}" data-passed="{passed}" data-checked="{checked}""#,
            esc(name)
        ),
        _ => String::new(),
    };
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" class="{class}" text-anchor="{anchor}"{check}>{text}</text>"#,
        class = tone_class(line.tone),
        text = esc(text),
    );
}

/// Draws a note box on `e`'s side; returns the y of the next row.
fn note(out: &mut String, e: &Event, title: &str, tone: Tone, lines: &[Line], y: f64) -> f64 {
    let side = e.side.index();
    let x = NOTE_X[side];
    let max = ((NOTE_W - 16.0) / CHAR_W) as usize;
    // Several checks share a box: two lines each keep it short (the tooltip has all).
    let per_line = if lines.len() > 1 { 2 } else { 3 };
    let wrapped: Vec<(&Line, String, bool)> = lines
        .iter()
        .flat_map(|l| {
            wrap(&l.text, max, per_line)
                .into_iter()
                .enumerate()
                .map(move |(i, t)| (l, t, i == 0))
        })
        .collect();
    let title_lines = wrap(title, max, 2);
    let box_h = 8.0 + (title_lines.len() + wrapped.len()) as f64 * LINE_H;
    let where_ = format!("(trace line {})", e.line);
    let tooltip: Vec<&str> = std::iter::once(title)
        .chain(lines.iter().map(|l| l.text.as_str()))
        .chain(std::iter::once(where_.as_str()))
        .collect();
    let _ = write!(
        out,
        r#"<g class="note" data-side="{side_name}" data-event="{event}"><title>{tip}</title>"#,
        side_name = e.side.name(),
        event = esc(&e.name),
        tip = esc(&tooltip.join("\n")),
    );
    if let Some(t) = e.t_us {
        let _ = write!(
            out,
            r#"<text x="8" y="{ty}" class="time">{t}</text>"#,
            ty = y + 16.0,
            t = ms(t)
        );
    }
    // A tick joins the box to its lane.
    let (edge, lane) = if side == 0 {
        (x + NOTE_W, LANE_X[0])
    } else {
        (x, LANE_X[1])
    };
    let _ = write!(
        out,
        r#"<line x1="{edge}" y1="{ty}" x2="{lane}" y2="{ty}" class="tick"/><rect x="{x}" y="{ry}" width="{NOTE_W}" height="{box_h}" rx="4" class="note-box"/>"#,
        ty = y + 12.0,
        ry = y + 2.0,
    );
    let mut ly = y + 15.0;
    for t in &title_lines {
        let _ = write!(
            out,
            r#"<text x="{tx}" y="{ly}" class="note-title {class}">{text}</text>"#,
            tx = x + 8.0,
            class = tone_class(tone),
            text = esc(t),
        );
        ly += LINE_H;
    }
    for (line, text, first) in &wrapped {
        detail(out, line, text, *first, x + 8.0, ly, "start");
        ly += LINE_H;
    }
    out.push_str("</g>");
    y + box_h + 10.0
}

/// The table of negotiated parameters above a ladder.
fn parameters(c: &Connection) -> String {
    let s: &Summary = &c.summary;
    let mut rows: Vec<(&str, String, &str)> = Vec::new();
    let mut row = |k: &'static str, v: Option<String>, class: &'static str| {
        if let Some(v) = v {
            rows.push((k, v, class));
        }
    };
    row("version", s.version.clone(), "param");
    row("cipher suite", s.cipher_suite.clone(), "param");
    let kx = match (&s.kx, &s.group) {
        (Some(kx), Some(g)) => Some(format!("{kx} {g}")),
        (Some(kx), None) => Some(kx.clone()),
        (None, Some(g)) => Some(g.clone()),
        (None, None) => None,
    };
    row("key exchange", kx, "param");
    row("server signature", s.server_scheme.clone(), "param");
    row("client signature", s.client_scheme.clone(), "param");
    row(
        "ALPN",
        Some(s.alpn.clone().unwrap_or_else(|| "none".into())),
        "param",
    );
    row("SNI", s.server_name.clone(), "");
    row(
        "master secret",
        s.extended_master_secret.map(|e| {
            if e {
                "extended (RFC 7627)".to_owned()
            } else {
                "classic (no EMS)".to_owned()
            }
        }),
        "",
    );
    row("resumption", s.resumption.clone(), "");
    let (pass, fail, unchecked) = s.checks;
    if pass + fail + unchecked > 0 {
        let mut text = format!("{pass} passed, {fail} failed");
        if unchecked > 0 {
            text.push_str(&format!(", {unchecked} not checked"));
        }
        row(
            "certificate checks",
            Some(text),
            if fail > 0 { "bad" } else { "good" },
        );
    }
    row(
        "application data",
        Some(format!(
            "client → server {} bytes · server → client {} bytes",
            s.app_bytes[0], s.app_bytes[1]
        )),
        "",
    );
    let outcome = match (&s.fatal_alert, s.complete) {
        (Some((from, what)), _) => (
            format!("failed: {} sent fatal alert {what}", from.name()),
            "bad",
        ),
        (None, true) => ("handshake complete".to_owned(), "good"),
        (None, false) => ("handshake not complete in this trace".to_owned(), "bad"),
    };
    row("outcome", Some(outcome.0), outcome.1);
    let views: Vec<&str> = Side::BOTH
        .iter()
        .filter(|s| c.traced[s.index()])
        .map(|s| s.name())
        .collect();
    row("views traced", Some(views.join(" + ")), "");

    let mut html = String::from(r#"<table class="params">"#);
    for (k, v, class) in rows {
        let _ = write!(
            html,
            r#"<tr><th>{k}</th><td class="{class}">{v}</td></tr>"#,
            v = esc(&v)
        );
    }
    html.push_str("</table>");
    html
}

/// The legend: what the marks mean.
fn legend() -> String {
    let mut svg = String::from(
        r#"<svg class="legend" xmlns="http://www.w3.org/2000/svg" width="1240" height="58" viewBox="0 0 1240 58" role="img" aria-label="legend">"#,
    );
    let arrow = |svg: &mut String, x: f64, y: f64, colour: &str, dashed: bool| {
        let _ = write!(
            svg,
            r#"<line x1="{x}" y1="{y}" x2="{e}" y2="{y}" stroke="{colour}" stroke-width="2"{d}/><polygon points="{t},{y} {e},{a} {e},{b}" fill="{colour}"/>"#,
            e = x + 50.0,
            t = x + 61.0,
            a = y - 5.0,
            b = y + 5.0,
            d = if dashed {
                r#" stroke-dasharray="8 4""#
            } else {
                ""
            },
        );
    };
    arrow(&mut svg, 10.0, 18.0, PLAIN, false);
    svg.push_str(r#"<text x="80" y="22" class="d">plaintext message</text>"#);
    arrow(&mut svg, 250.0, 18.0, SEALED, true);
    lock(&mut svg, 316.0, 8.0);
    svg.push_str(r#"<text x="334" y="22" class="d">encrypted (TLS 1.3: after ServerHello; TLS 1.2: after the sender's ChangeCipherSpec)</text>"#);
    arrow(&mut svg, 10.0, 44.0, FATAL, false);
    svg.push_str(r#"<text x="80" y="48" class="d">fatal alert</text>"#);
    let _ = write!(
        svg,
        r#"<rect x="250" y="34" width="60" height="18" rx="4" class="note-box"/><text x="320" y="48" class="d">step on one side (keys derived, master secret, checks)</text><text x="660" y="48" class="d good">✓ check passed / verified</text><text x="840" y="48" class="d bad">✗ check failed</text><text x="960" y="48" class="d param">negotiated parameter</text><text x="1110" y="48" class="d muted">– not checked</text>"#
    );
    svg.push_str("</svg>");
    svg
}

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 16px 24px; color: #1d2733; background: #fff; }
h1 { font-size: 22px; margin: 4px 0; }
h2 { font-size: 17px; margin: 28px 0 8px; border-top: 1px solid #d5dbe2; padding-top: 14px; }
p.src { color: #5b6b7c; margin: 2px 0 10px; font-size: 13px; }
table.params { border-collapse: collapse; font-size: 13px; margin: 0 0 10px; }
table.params th { text-align: left; font-weight: normal; color: #5b6b7c; padding: 2px 14px 2px 0; }
table.params td { padding: 2px 0; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
.label { font-size: 13px; font-weight: bold; text-anchor: middle; }
.d { font-size: 11px; fill: #1d2733; }
.param { fill: #1a4f8b; color: #1a4f8b; font-weight: bold; }
.good { fill: #1e7b34; color: #1e7b34; }
.bad { fill: #c0392b; color: #c0392b; font-weight: bold; }
.muted { fill: #66788a; }
.time { font-size: 10px; fill: #8a97a5; }
.lane-line { stroke: #9aa7b4; stroke-width: 2; }
.lane-line.untraced, .lane-head.untraced { stroke-dasharray: 3 4; }
.lane-head { fill: #eef2f6; stroke: #9aa7b4; }
.lane-name { font-size: 14px; font-weight: bold; text-anchor: middle; }
.lane-sub { font-size: 10px; fill: #5b6b7c; text-anchor: middle; }
.note-box { fill: #fdf6e3; stroke: #d9c48c; }
.note-title { font-size: 11px; font-weight: bold; }
.tick { stroke: #d9c48c; stroke-width: 1.5; }
"#;

/// SHA-256 of the style sheet: the page's Content-Security-Policy allows that one
/// style element and nothing else (no script, no fetch), so even markup that got past
/// [`esc`] could not run or load anything.
fn style_sha256() -> Vec<u8> {
    use lucidtls::enums::HashAlgorithm;
    let provider = lucidtls_aws_lc::provider();
    provider
        .hash(HashAlgorithm::Sha256)
        .hash(STYLE.as_bytes())
        .as_ref()
        .to_vec()
}

/// Standard base64 with padding (RFC 4648 §4), as CSP hash sources are written.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The whole page for the trace read from `source`.
pub fn page(source: &str, connections: &[Connection]) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-{style_hash}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TLS ladder: {src}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>TLS handshake ladder</h1>
<p class="src">{n} connection(s) from trace <code>{src}</code>, rendered by <code>lucid trace render</code>. Hover an arrow or a note for its full text.</p>
{legend}
"#,
        src = esc(source),
        style_hash = base64(&style_sha256()),
        n = connections.len(),
        legend = legend(),
    );
    for c in connections {
        let s = &c.summary;
        let headline: Vec<&str> = [
            s.version.as_deref(),
            s.cipher_suite.as_deref(),
            s.group.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let _ = write!(
            html,
            "<section class=\"conn\" data-conn=\"{conn}\">\n<h2>Connection {conn}{sep}{head}</h2>\n{params}\n{svg}\n</section>\n",
            conn = c.conn,
            sep = if headline.is_empty() { "" } else { " — " },
            head = esc(&headline.join(" · ")),
            params = parameters(c),
            svg = ladder(c),
        );
    }
    html.push_str("</body>\n</html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_neutralises_markup_and_controls() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(esc("a\u{0}b\u{1b}c\n"), "a\u{fffd}b\u{fffd}c\n");
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn the_policy_names_the_style_sheet_hash() {
        let page = page("t", &[]);
        let hash = base64(&style_sha256());
        assert_eq!(hash.len(), 44);
        assert!(page.contains(&format!("style-src 'sha256-{hash}'")));
        assert!(page.contains(&format!("<style>{STYLE}</style>")));
    }

    #[test]
    fn wrap_breaks_at_spaces_cuts_long_words_and_truncates() {
        assert_eq!(wrap("aaa bbb ccc", 7, 5), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4, 5), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("aa bb cc dd", 2, 2), vec!["aa", "b…"]);
        assert_eq!(wrap("", 5, 2), vec![""]);
        for line in wrap(&"word ".repeat(100), 30, 100) {
            assert!(line.chars().count() <= 30, "{line}");
        }
    }
}
