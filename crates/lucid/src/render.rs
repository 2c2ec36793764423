//! `lucid trace render FILE --html OUT`: draws a `--trace-json` trace as a ladder
//! diagram, one per connection, in a self-contained HTML page.
//!
//! The trace is read as plain JSON (docs/trace.md): fields this renderer does not know
//! are still shown, so a trace from a newer lucid renders too.

mod describe;
mod ladder;
mod model;

use crate::options::CliError;
use clap::{Args, Subcommand};
use model::{Event, Side};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Arguments of `lucid trace`.
#[derive(Args, Debug)]
pub struct TraceArgs {
    #[command(subcommand)]
    command: TraceCommand,
}

#[derive(Subcommand, Debug)]
enum TraceCommand {
    /// Draw a --trace-json file as a ladder diagram (client and server lanes, one arrow
    /// per message) in one self-contained HTML page that opens offline.
    Render(RenderArgs),
}

/// Arguments of `lucid trace render`.
#[derive(Args, Debug)]
struct RenderArgs {
    /// The JSON Lines trace written by --trace-json (connect, serve or demo).
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Write the HTML page to OUT (created or truncated).
    #[arg(long = "html", value_name = "OUT")]
    html: PathBuf,
}

/// Runs `lucid trace …`.
pub fn run(args: &TraceArgs) -> Result<(), CliError> {
    match &args.command {
        TraceCommand::Render(args) => render(args),
    }
}

fn render(args: &RenderArgs) -> Result<(), CliError> {
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| CliError::Failed(format!("reading {}: {e}", args.file.display())))?;
    let html = render_html(&text, &args.file.display().to_string())?;
    std::fs::write(&args.html, html)
        .map_err(|e| CliError::Failed(format!("writing {}: {e}", args.html.display())))?;
    println!("wrote {}", args.html.display());
    Ok(())
}

/// The HTML page for the trace `text`, read from `source` (named in the page and in
/// errors).
pub fn render_html(text: &str, source: &str) -> Result<String, CliError> {
    let events = parse(text, Path::new(source))?;
    if events.is_empty() {
        return Err(CliError::Failed(format!(
            "{source}: empty trace: no events (write one with --trace-json)"
        )));
    }
    Ok(ladder::page(source, &model::connections(events)))
}

/// Every event of the trace, in file order; blank lines are skipped.
fn parse(text: &str, source: &Path) -> Result<Vec<Event>, CliError> {
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let event = event(i + 1, line)
            .map_err(|why| CliError::Failed(format!("{}:{}: {why}", source.display(), i + 1)))?;
        events.push(event);
    }
    Ok(events)
}

/// One line: a JSON object with at least `event` and `side`; the other common keys
/// default when absent, so hand-written traces render.
fn event(line: usize, text: &str) -> Result<Event, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(mut fields) = value else {
        return Err("not a JSON object".into());
    };
    let name = match fields.remove("event") {
        Some(Value::String(name)) if !name.is_empty() => name,
        _ => return Err("no \"event\" name (a string)".into()),
    };
    let side = fields
        .remove("side")
        .as_ref()
        .and_then(Value::as_str)
        .and_then(Side::parse)
        .ok_or("\"side\" must be \"client\" or \"server\"")?;
    let number = |fields: &mut serde_json::Map<String, Value>, key: &str| match fields.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or(format!("\"{key}\" must be a non-negative integer")),
    };
    let seq = number(&mut fields, "seq")?.unwrap_or(line as u64);
    let t_us = number(&mut fields, "t_us")?;
    let conn = number(&mut fields, "conn")?.unwrap_or(0);
    let from = match fields.remove("from") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(Side::parse)
                .ok_or("\"from\" must be \"client\" or \"server\"")?,
        ),
    };
    Ok(Event {
        line,
        name,
        side,
        seq,
        t_us,
        conn,
        from,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        render_html(text, "t.jsonl")
            .unwrap_err()
            .message()
            .to_owned()
    }

    #[test]
    fn bad_lines_are_named() {
        let good =
            r#"{"event":"ClientHello","side":"client","seq":0,"t_us":0,"conn":0,"from":"client"}"#;
        assert!(error(&format!("{good}\n{{oops\n")).starts_with("t.jsonl:2: not valid JSON"));
        assert_eq!(error("[1,2]"), "t.jsonl:1: not a JSON object");
        assert!(error(r#"{"side":"client"}"#).contains(":1: no \"event\""));
        assert!(error(r#"{"event":"X","side":"middle"}"#).contains("\"side\" must be"));
        assert!(error(r#"{"event":"X","side":"client","seq":-1}"#).contains("\"seq\" must be"));
        assert!(error(r#"{"event":"X","side":"client","from":"both"}"#).contains("\"from\""));
        assert!(error("\n \n").contains("empty trace"));
    }

    #[test]
    fn bulk_application_data_is_one_arrow_per_direction() {
        let mut trace = String::new();
        let mut line = |seq: usize, from: &str, bytes: usize| {
            trace.push_str(&format!(
                r#"{{"event":"ApplicationData","side":"client","seq":{seq},"t_us":{seq},"conn":0,"from":"{from}","bytes":{bytes},"records":1}}"#
            ));
            trace.push('\n');
        };
        for i in 0..10 {
            line(2 * i, "client", 100);
            line(2 * i + 1, "server", 10);
        }
        line(20, "client", 7);
        let html = render_html(&trace, "t").unwrap();
        let arrows: Vec<&str> = html
            .match_indices(r#"<g class="msg""#)
            .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()])
            .collect();
        assert_eq!(arrows.len(), 2, "{arrows:?}");
        assert!(arrows[0].contains(r#"data-from="client" data-encrypted="false" data-events="11""#));
        assert!(arrows[1].contains(r#"data-from="server" data-encrypted="false" data-events="10""#));
        assert!(html.contains("1007 bytes in 11 records"));
        assert!(html.contains("100 bytes in 10 records"));
        assert!(html.contains("application data ×11"));
    }

    #[test]
    fn unknown_events_and_fields_are_shown() {
        let html = render_html(
            concat!(
                r#"{"event":"ClientHello","side":"client","seq":0,"from":"client","shiny":"new field"}"#,
                "\n",
                r#"{"event":"Teleport","side":"client","seq":1,"debug":"Teleport { x: 1 }"}"#,
                "\n",
                r#"{"event":"Wormhole","side":"client","seq":2,"from":"server"}"#,
            ),
            "t",
        )
        .unwrap();
        assert!(html.contains("shiny: new field"));
        assert!(html.contains(r#"data-event="Teleport""#));
        assert!(html.contains("debug: Teleport { x: 1 }"));
        assert!(html.contains(r#"<g class="msg" data-event="Wormhole" data-from="server""#));
    }
}
