//! `lucid bench`: lucidtls side by side with rustls 0.23 (aws-lc-rs provider) and
//! OpenSSL (the system libssl, through the `openssl` crate), client and server in
//! one process and one thread, over in-memory buffers, so that only TLS work is
//! measured.
//!
//! Rows (issue 6): full handshakes, resumed handshakes, bulk transfer (send and
//! receive timed separately, 16 KiB writes) with the raw AEAD speed of aws-lc-rs on
//! the same buffers as the limit, and memory per idle connection.
//!
//! ```no_run
//! let rows = lucid_bench::run(&lucid_bench::BenchOptions { quick: true, ..Default::default() });
//! print!("{}", lucid_bench::format_table(&rows));
//! ```
//!
//! # Memory rows and the global allocator
//! The memory rows need to know how many bytes the heap holds. Binaries install
//! the `stats_alloc` crate's counting wrapper of the system allocator (re-exported
//! here as [`StatsAlloc`] and [`INSTRUMENTED_SYSTEM`]) as their global allocator and
//! pass it as [`BenchOptions::alloc_counter`] (see `src/bin/lucid-bench.rs`); no
//! unchecked code on the binary's side:
//!
//! ```no_run
//! #[global_allocator]
//! static GLOBAL: &lucid_bench::StatsAlloc<std::alloc::System> = &lucid_bench::INSTRUMENTED_SYSTEM;
//!
//! fn main() {
//!     let opts = lucid_bench::BenchOptions { alloc_counter: Some(GLOBAL), ..Default::default() };
//!     print!("{}", lucid_bench::format_table(&lucid_bench::run(&opts)));
//! }
//! ```
//!
//! lucidtls and rustls are then counted exactly (live heap bytes). OpenSSL allocates
//! with `malloc`, which a Rust global allocator never sees: its figure is the growth
//! of the process's resident memory (RSS, from `/proc`) while the idle connections
//! are opened, which is coarser (whole pages, touched pages only). Without a counting
//! allocator every peer is measured that way, and a warning says so; off Linux the
//! memory rows are then "—".
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod lucid_peer;
mod measure;
mod openssl_peer;
mod pki;
mod raw;
mod rustls_peer;
mod scenario;
mod sys;

pub use sys::{AllocCounter, StatsAlloc, INSTRUMENTED_SYSTEM};

use measure::{Progress, Run};
use scenario::{Scenario, MEMORY_CLIENT, MEMORY_SERVER};
use std::fmt::Write as _;
use std::time::Duration;

/// What to run.
#[derive(Clone)]
pub struct BenchOptions {
    /// A short run (about 100 ms per measurement, fewer idle connections): a smoke
    /// test, figures are rough.
    pub quick: bool,
    /// The counting global allocator of the running binary, for the memory rows.
    pub alloc_counter: Option<&'static dyn AllocCounter>,
    /// Show the progress line on stderr.
    pub progress: bool,
    /// Run only scenarios whose name contains this (ASCII case-insensitive).
    pub filter: Option<String>,
    /// Idle connections per peer in the memory rows (default 10 000, 300 with `quick`).
    pub idle_connections: Option<usize>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            quick: false,
            alloc_counter: None,
            progress: true,
            filter: None,
            idle_connections: None,
        }
    }
}

impl core::fmt::Debug for BenchOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BenchOptions")
            .field("quick", &self.quick)
            .field("alloc_counter", &self.alloc_counter.is_some())
            .field("progress", &self.progress)
            .field("filter", &self.filter)
            .field("idle_connections", &self.idle_connections)
            .finish()
    }
}

/// What a row measures, which decides its targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Full handshakes per second.
    Handshake,
    /// Resumed handshakes per second.
    Resumed,
    /// Bulk transfer, MB/s (10^6 bytes of application data per second).
    Bulk,
    /// KiB per idle connection (lower is better).
    Memory,
}

/// One line of the table. `None` where a peer lacks the scenario (or failed: the
/// reason went to stderr).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The scenario; resumed handshakes have "resumed" in the name.
    pub scenario: String,
    /// What the row measures.
    pub kind: Kind,
    /// "hs/s", "MB/s" or "KiB/conn".
    pub unit: &'static str,
    /// lucidtls.
    pub lucid: Option<f64>,
    /// rustls with aws-lc-rs.
    pub rustls: Option<f64>,
    /// OpenSSL.
    pub openssl: Option<f64>,
    /// Bulk rows: aws-lc-rs raw seal (send) or open (receive) speed on the same buffers.
    pub limit: Option<f64>,
    /// A footnote on how a figure was obtained or why one is missing; the table
    /// prints it under the rows, marked on the row (the JSON leaves it out).
    pub note: Option<&'static str>,
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// One target of issue 6 and whether this row meets it (`None`: a figure is missing).
#[derive(Clone, Debug, PartialEq)]
pub struct TargetCheck {
    /// The target, e.g. "≥1.3× OpenSSL".
    pub target: &'static str,
    /// Whether it holds.
    pub holds: Option<bool>,
}

impl Row {
    /// lucid / rustls.
    pub fn vs_rustls(&self) -> Option<f64> {
        ratio(self.lucid, self.rustls)
    }

    /// lucid / OpenSSL.
    pub fn vs_openssl(&self) -> Option<f64> {
        ratio(self.lucid, self.openssl)
    }

    /// lucid / raw AEAD (bulk rows).
    pub fn vs_limit(&self) -> Option<f64> {
        ratio(self.lucid, self.limit)
    }

    /// The targets of issue 6 for this row.
    pub fn targets(&self) -> Vec<TargetCheck> {
        let at_least = |r: Option<f64>, x: f64| r.map(|r| r >= x);
        if self.note == Some(TRACED_NOTE) {
            // Not a scenario of the issue: it shows what tracing costs.
            return Vec::new();
        }
        match self.kind {
            Kind::Handshake => vec![
                TargetCheck {
                    target: "≥1.0× rustls",
                    holds: at_least(self.vs_rustls(), 1.0),
                },
                TargetCheck {
                    target: "≥1.3× OpenSSL",
                    holds: at_least(self.vs_openssl(), 1.3),
                },
            ],
            Kind::Resumed => vec![TargetCheck {
                target: "≥1.1× rustls",
                holds: at_least(self.vs_rustls(), 1.1),
            }],
            Kind::Bulk => vec![
                TargetCheck {
                    target: "≥0.95× raw AEAD",
                    holds: at_least(self.vs_limit(), 0.95),
                },
                TargetCheck {
                    target: "≥1.0× rustls",
                    holds: at_least(self.vs_rustls(), 1.0),
                },
            ],
            Kind::Memory => vec![TargetCheck {
                target: "≤ rustls",
                holds: self.vs_rustls().map(|r| r <= 1.0),
            }],
        }
    }

    /// "ok", "miss: …" (the targets missed), or "—" when nothing can be checked.
    pub fn target_summary(&self) -> String {
        let checks = self.targets();
        let missed: Vec<&str> = checks
            .iter()
            .filter(|c| c.holds == Some(false))
            .map(|c| c.target)
            .collect();
        if !missed.is_empty() {
            format!("miss {}", missed.join(", "))
        } else if checks.iter().any(|c| c.holds == Some(true)) {
            "ok".into()
        } else {
            "—".into()
        }
    }
}

/// The peers of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    Lucid,
    Rustls,
    OpenSsl,
    Limit,
    /// lucid's copying calls (profiling only: `--drive lucid-copying`).
    LucidCopying,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Self::Lucid => "lucid",
            Self::Rustls => "rustls",
            Self::OpenSsl => "openssl",
            Self::Limit => "raw-aead",
            Self::LucidCopying => "lucid-copying",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Self::Lucid,
            Self::Rustls,
            Self::OpenSsl,
            Self::Limit,
            Self::LucidCopying,
        ]
        .into_iter()
        .find(|p| p.name().eq_ignore_ascii_case(name))
    }
}

/// One measurement of `scenario` for `peer`: a rate in the scenario's base unit
/// (handshakes/s, bytes/s). `None`: the peer lacks the scenario.
fn measure(
    pki: &pki::Pki,
    scenario: Scenario,
    peer: Peer,
    run: Run,
) -> Result<Option<f64>, String> {
    match (scenario, peer) {
        (Scenario::Handshake(s), Peer::Lucid) => lucid_peer::handshakes(pki, s, run),
        (Scenario::Handshake(s), Peer::Rustls) => rustls_peer::handshakes(pki, s, run),
        (Scenario::Handshake(s), Peer::OpenSsl) => openssl_peer::handshakes(pki, s, run),
        (Scenario::Resumed(r), Peer::Lucid) => lucid_peer::resumed(pki, r, run),
        (Scenario::Resumed(r), Peer::Rustls) => rustls_peer::resumed(pki, r, run),
        (Scenario::Resumed(r), Peer::OpenSsl) => openssl_peer::resumed(pki, r, run),
        (Scenario::Bulk(s, d), Peer::Lucid) => lucid_peer::bulk(pki, s, d, run),
        (Scenario::Bulk(s, d), Peer::Rustls) => rustls_peer::bulk(pki, s, d, run),
        (Scenario::Bulk(s, d), Peer::OpenSsl) => openssl_peer::bulk(pki, s, d, run),
        (Scenario::Bulk(s, d), Peer::Limit) => raw::bulk(s, d, run).map(Some),
        (Scenario::Bulk(s, d), Peer::LucidCopying) => lucid_peer::bulk_copying(pki, s, d, run),
        (_, Peer::LucidCopying) => Ok(None),
        (Scenario::Handshake(_) | Scenario::Resumed(_) | Scenario::Memory, Peer::Limit) => Ok(None),
        (Scenario::Memory, _) => Err("memory is measured by memory()".into()),
    }
}

/// Footnote of the traced handshake row, which no target applies to.
const TRACED_NOTE: &str = "traced: lucid with a trace observer (one that ignores the \
     events) on both sides, to show what tracing costs when on; rustls and OpenSSL have no \
     tracing and run their usual handshake. Not a target row: the row above is lucid's \
     default, untraced";

/// Footnote of the memory rows when lucid and rustls are counted by the allocator.
const MEMORY_NOTE: &str = "memory: lucid and rustls: live heap bytes (counting global \
     allocator); OpenSSL allocates with malloc, which that allocator never sees: its figure \
     is the growth of resident memory (RSS) while the idle connections open: whole pages, \
     touched pages only, approximate";

/// Footnote of the memory rows when no counting allocator is installed.
const MEMORY_RSS_NOTE: &str = "memory: no counting global allocator: every figure is the \
     growth of resident memory (RSS) while the idle connections open: whole pages, touched \
     pages only, approximate";

/// Memory per idle connection (client, server), in bytes: lucid and rustls by the
/// counting allocator when there is one, everything else by resident memory.
fn memory(
    pki: &pki::Pki,
    peer: Peer,
    n: usize,
    counter: Option<&'static dyn AllocCounter>,
) -> Result<Option<(f64, f64)>, String> {
    let rss = || sys::resident_bytes().unwrap_or(0);
    let counted = move || counter.map_or_else(rss, |c| c.live_bytes());
    if sys::resident_bytes().is_none() && (counter.is_none() || peer == Peer::OpenSsl) {
        return Ok(None);
    }
    match peer {
        Peer::Lucid => lucid_peer::memory(pki, n, &counted),
        Peer::Rustls => rustls_peer::memory(pki, n, &counted),
        // OpenSSL allocates with malloc, which only resident memory sees.
        Peer::OpenSsl => openssl_peer::memory(pki, n, &rss),
        Peer::Limit | Peer::LucidCopying => Ok(None),
    }
}

/// The counter, if it really is the global allocator (it sees a 64 KiB allocation).
fn working_counter(
    counter: Option<&'static dyn AllocCounter>,
) -> Option<&'static dyn AllocCounter> {
    let c = counter?;
    let before = c.live_bytes();
    let probe = std::hint::black_box(vec![1u8; 64 * 1024]);
    let during = c.live_bytes();
    drop(probe);
    (during >= before + 64 * 1024).then_some(c)
}

fn peers_for(scenario: Scenario) -> &'static [Peer] {
    match scenario {
        Scenario::Bulk(..) => &[Peer::Lucid, Peer::Rustls, Peer::OpenSsl, Peer::Limit],
        _ => &[Peer::Lucid, Peer::Rustls, Peer::OpenSsl],
    }
}

fn unit_of(scenario: Scenario) -> (Kind, &'static str, f64) {
    match scenario {
        Scenario::Handshake(_) => (Kind::Handshake, "hs/s", 1.0),
        Scenario::Resumed(_) => (Kind::Resumed, "hs/s", 1.0),
        Scenario::Bulk(..) => (Kind::Bulk, "MB/s", 1e-6),
        Scenario::Memory => (Kind::Memory, "KiB/conn", 1.0 / 1024.0),
    }
}

fn selected(name: &str, filter: &Option<String>) -> bool {
    filter.as_ref().is_none_or(|f| {
        let extra = if name == "memory" {
            format!("{MEMORY_CLIENT} {MEMORY_SERVER}")
        } else {
            String::new()
        };
        let hay = format!("{name} {extra}").to_ascii_lowercase();
        hay.contains(&f.to_ascii_lowercase())
    })
}

/// Runs the benchmark and returns the table's rows (progress on stderr).
///
/// Certificates are made once (rcgen) before any timing. Each figure is the best of
/// several short rounds (one with `quick`); rounds alternate between peers, each
/// round starting with the next one, so that a noisy moment or the order does not
/// favour one of them.
pub fn run(opts: &BenchOptions) -> Vec<Row> {
    let (per_round, rounds) = if opts.quick {
        (Duration::from_millis(100), 1)
    } else {
        (Duration::from_millis(200), 10)
    };
    let idle = opts
        .idle_connections
        .unwrap_or(if opts.quick { 300 } else { 10_000 })
        .max(1);
    let scenarios: Vec<_> = scenario::all()
        .into_iter()
        .filter(|(name, _)| selected(name, &opts.filter))
        .collect();
    let steps: usize = scenarios
        .iter()
        .map(|(_, s)| match s {
            Scenario::Memory => 3,
            _ => peers_for(*s).len() * rounds,
        })
        .sum();
    let mut progress = Progress::new(opts.progress, steps + 1);
    progress.step("making certificates (rcgen)", "");
    let pki = match pki::Pki::generate() {
        Ok(p) => p,
        Err(e) => {
            progress.warn(&format!("cannot make certificates: {e}"));
            return Vec::new();
        }
    };
    let counter = working_counter(opts.alloc_counter);
    if counter.is_none() && scenarios.iter().any(|(_, s)| matches!(s, Scenario::Memory)) {
        progress.warn(
            "no counting global allocator: memory rows use resident memory (RSS) for every peer",
        );
    }
    let run = Run::Timed { per_round };
    let mut rows = Vec::new();
    for (name, scenario) in scenarios {
        let (kind, unit, scale) = unit_of(scenario);
        if let Scenario::Memory = scenario {
            let mut client = Row {
                scenario: MEMORY_CLIENT.into(),
                kind,
                unit,
                lucid: None,
                rustls: None,
                openssl: None,
                limit: None,
                note: Some(if counter.is_some() {
                    MEMORY_NOTE
                } else {
                    MEMORY_RSS_NOTE
                }),
            };
            let mut server = Row {
                scenario: MEMORY_SERVER.into(),
                ..client.clone()
            };
            // OpenSSL first: resident memory cannot see through heap memory that
            // earlier peers freed, and lucid and rustls are counted exactly anyway.
            for peer in [Peer::OpenSsl, Peer::Lucid, Peer::Rustls] {
                progress.step(&format!("memory, {idle} idle connections"), peer.name());
                let figures = memory(&pki, peer, idle, counter).unwrap_or_else(|e| {
                    progress.warn(&format!("memory · {}: {e}", peer.name()));
                    None
                });
                let (c, s) = match figures {
                    Some((c, s)) => (Some(c * scale), Some(s * scale)),
                    None => (None, None),
                };
                match peer {
                    Peer::Lucid => (client.lucid, server.lucid) = (c, s),
                    Peer::Rustls => (client.rustls, server.rustls) = (c, s),
                    _ => (client.openssl, server.openssl) = (c, s),
                }
            }
            rows.push(client);
            rows.push(server);
            continue;
        }
        let peers = peers_for(scenario);
        let mut best: Vec<Option<f64>> = vec![None; peers.len()];
        let mut absent = vec![false; peers.len()];
        for round in 0..rounds {
            // Each round starts with the next peer, so none always runs first.
            for k in 0..peers.len() {
                let i = (k + round) % peers.len();
                let Some(&peer) = peers.get(i) else { continue };
                progress.step(name, &format!("{} (round {})", peer.name(), round + 1));
                if absent[i] {
                    continue;
                }
                match measure(&pki, scenario, peer, run) {
                    Ok(Some(v)) => {
                        let v = v * scale;
                        best[i] = Some(best[i].map_or(v, |b: f64| b.max(v)));
                    }
                    Ok(None) => absent[i] = true,
                    Err(e) => {
                        progress.warn(&format!("{name} · {}: {e}", peer.name()));
                        absent[i] = true;
                    }
                }
            }
        }
        let get = |p: Peer| {
            peers
                .iter()
                .position(|&q| q == p)
                .and_then(|i| best.get(i).copied().flatten())
        };
        rows.push(Row {
            scenario: name.to_string(),
            kind,
            unit,
            lucid: get(Peer::Lucid),
            rustls: get(Peer::Rustls),
            openssl: get(Peer::OpenSsl),
            limit: get(Peer::Limit),
            note: match scenario {
                Scenario::Resumed(_) => Some(openssl_peer::RESUMED_NOTE),
                Scenario::Handshake(s) if s.traced => Some(TRACED_NOTE),
                _ => None,
            },
        });
    }
    progress.finish();
    rows
}

/// Runs one scenario for one peer `iterations` times, untimed, with no output: a
/// driver for profilers (`valgrind --tool=callgrind`). `peer` is "lucid", "rustls",
/// "openssl" or "raw-aead"; `scenario` a scenario name as printed in the table, or
/// a part of one that matches exactly one. For the memory rows, `iterations` is the
/// number of idle connections.
pub fn drive(peer: &str, scenario: &str, iterations: u64) -> Result<(), String> {
    let peer = Peer::from_name(peer).ok_or_else(|| format!("unknown peer {peer:?}"))?;
    let needle = scenario.to_ascii_lowercase();
    let all = scenario::all();
    let matches: Vec<_> = all
        .iter()
        .filter(|(name, _)| selected(name, &Some(needle.clone())))
        .collect();
    let (_, scenario) = match matches.as_slice() {
        [one] => **one,
        [] => return Err(format!("no scenario matches {needle:?}")),
        many => {
            if let Some(exact) = many.iter().find(|(n, _)| n.eq_ignore_ascii_case(&needle)) {
                **exact
            } else {
                let names: Vec<_> = many.iter().map(|(n, _)| *n).collect();
                return Err(format!("{needle:?} matches several: {names:?}"));
            }
        }
    };
    let pki = pki::Pki::generate()?;
    if let Scenario::Memory = scenario {
        let n = usize::try_from(iterations).map_err(|e| e.to_string())?;
        return memory(&pki, peer, n, None).map(|_| ());
    }
    match measure(&pki, scenario, peer, Run::Count(iterations))? {
        Some(_) => Ok(()),
        None => Err(format!("{} lacks this scenario", peer.name())),
    }
}

fn fmt_value(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "—".into(),
        Some(v) if unit == "KiB/conn" => format!("{v:.1}"),
        Some(v) if v < 100.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.0}"),
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{r:.2}×"))
}

/// The table: absolute figures, then lucid/rustls, lucid/OpenSSL, lucid/raw AEAD,
/// and which targets of issue 6 the row meets (memory: lower is better). Rows with a
/// [`Row::note`] get a marker such as `[1]` after the scenario, and the notes follow
/// the table.
pub fn format_table(rows: &[Row]) -> String {
    let mut notes: Vec<&'static str> = Vec::new();
    let mut marker = |note: Option<&'static str>| match note {
        None => String::new(),
        Some(n) => {
            let k = notes.iter().position(|&m| m == n).unwrap_or_else(|| {
                notes.push(n);
                notes.len() - 1
            });
            format!(" [{}]", k + 1)
        }
    };
    let header = [
        "scenario",
        "unit",
        "lucid",
        "rustls",
        "OpenSSL",
        "raw AEAD",
        "lucid/rustls",
        "lucid/OpenSSL",
        "lucid/raw",
        "targets",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                format!("{}{}", r.scenario, marker(r.note)),
                r.unit.to_string(),
                fmt_value(r.lucid, r.unit),
                fmt_value(r.rustls, r.unit),
                fmt_value(r.openssl, r.unit),
                fmt_value(r.limit, r.unit),
                fmt_ratio(r.vs_rustls()),
                fmt_ratio(r.vs_openssl()),
                fmt_ratio(r.vs_limit()),
                r.target_summary(),
            ]
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|row| row.get(i).map_or(0, |c| c.chars().count()))
            .chain(std::iter::once(header[i].chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let mut out = String::new();
    let mut line = |row: &[&str]| {
        let mut s = String::new();
        for (i, cell) in row.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let pad = w.saturating_sub(cell.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            // Text columns left-aligned, figures right-aligned; no trailing spaces.
            if i < 2 {
                s.push_str(cell);
                if i + 1 < row.len() {
                    s.push_str(&" ".repeat(pad));
                }
            } else if i + 1 == row.len() {
                s.push_str(cell);
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            }
        }
        let _ = writeln!(out, "{}", s.trim_end());
    };
    line(&header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&rule.iter().map(String::as_str).collect::<Vec<_>>());
    for row in &cells {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    for (k, note) in notes.iter().enumerate() {
        let _ = writeln!(out, "[{}] {note}.", k + 1);
    }
    out
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => {
            let rounded = (v * 1000.0).round() / 1000.0;
            format!("{rounded}")
        }
        _ => "null".into(),
    }
}

/// The rows as a JSON array of `{"scenario","unit","lucid","rustls","openssl","limit"}`
/// (null where a figure is missing), one row per line.
pub fn format_json(rows: &[Row]) -> String {
    let mut out = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            out,
            "  {{\"scenario\": {}, \"unit\": {}, \"lucid\": {}, \"rustls\": {}, \"openssl\": {}, \"limit\": {}}}",
            json_string(&r.scenario),
            json_string(r.unit),
            json_number(r.lucid),
            json_number(r.rustls),
            json_number(r.openssl),
            json_number(r.limit),
        );
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: Kind, lucid: Option<f64>, rustls: Option<f64>, openssl: Option<f64>) -> Row {
        Row {
            scenario: "x \"quoted\"".into(),
            kind,
            unit: "hs/s",
            lucid,
            rustls,
            openssl,
            limit: None,
            note: None,
        }
    }

    #[test]
    fn handshake_targets() {
        let r = row(Kind::Handshake, Some(130.0), Some(100.0), Some(100.0));
        assert_eq!(r.target_summary(), "ok");
        let r = row(Kind::Handshake, Some(120.0), Some(100.0), Some(100.0));
        assert_eq!(r.target_summary(), "miss ≥1.3× OpenSSL");
        let r = row(Kind::Handshake, Some(90.0), Some(100.0), None);
        assert_eq!(r.target_summary(), "miss ≥1.0× rustls");
        let r = row(Kind::Handshake, None, Some(100.0), Some(1.0));
        assert_eq!(r.target_summary(), "—");
    }

    #[test]
    fn memory_target_is_lower_is_better() {
        let mut r = row(Kind::Memory, Some(2.0), Some(6.0), Some(50.0));
        assert_eq!(r.target_summary(), "ok");
        r.lucid = Some(7.0);
        assert_eq!(r.target_summary(), "miss ≤ rustls");
    }

    #[test]
    fn bulk_targets_use_the_limit() {
        let mut r = row(Kind::Bulk, Some(96.0), Some(90.0), None);
        r.limit = Some(100.0);
        assert_eq!(r.target_summary(), "ok");
        r.limit = Some(200.0);
        assert_eq!(r.target_summary(), "miss ≥0.95× raw AEAD");
        assert_eq!(r.vs_limit(), Some(0.48));
    }

    #[test]
    fn json_escapes_and_writes_null() {
        let rows = vec![row(Kind::Resumed, None, Some(1.23456), Some(f64::NAN))];
        let json = format_json(&rows);
        assert_eq!(
            json,
            "[\n  {\"scenario\": \"x \\\"quoted\\\"\", \"unit\": \"hs/s\", \"lucid\": null, \
             \"rustls\": 1.235, \"openssl\": null, \"limit\": null}\n]\n"
        );
        assert_eq!(format_json(&[]), "[\n]\n");
    }

    #[test]
    fn table_aligns_and_marks_missing_figures() {
        let rows = vec![
            row(Kind::Handshake, Some(2000.0), Some(1000.0), None),
            row(Kind::Handshake, None, Some(5.0), Some(6.0)),
        ];
        let table = format_table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert!(lines[2].contains("2.00×"), "{table}");
        assert!(lines[3].contains('—'), "{table}");
        // The figure columns line up: "lucid" ends where its figures end.
        let end = |line: &str, needle: &str| line.find(needle).map(|i| i + needle.len());
        let header_end = end(lines[0], "lucid").unwrap();
        assert_eq!(end(lines[2], "2000"), Some(header_end), "{table}");
    }

    #[test]
    fn notes_are_marked_and_listed_once() {
        let mut a = row(Kind::Resumed, None, Some(5.0), None);
        a.note = Some("why OpenSSL is missing");
        let b = Row {
            scenario: "second".into(),
            ..a.clone()
        };
        let mut c = row(Kind::Memory, Some(1.0), Some(2.0), Some(3.0));
        c.note = Some("how memory is measured");
        let table = format_table(&[a, b, c.clone(), row(Kind::Handshake, None, None, None)]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2 + 4 + 2, "{table}");
        assert!(lines[2].starts_with("x \"quoted\" [1]"), "{table}");
        assert!(lines[3].starts_with("second [1]"), "{table}");
        assert!(lines[4].starts_with("x \"quoted\" [2]"), "{table}");
        assert!(!lines[5].contains('['), "{table}");
        assert_eq!(lines[6], "[1] why OpenSSL is missing.");
        assert_eq!(lines[7], "[2] how memory is measured.");
        // The JSON has no notes.
        assert!(!format_json(&[c]).contains("note"), "{table}");
    }

    #[test]
    fn filter_matches_memory_row_names() {
        assert!(selected("memory", &Some("server".into())));
        assert!(selected(
            "bulk send TLS1.3 AES-128-GCM",
            &Some("AES-128".into())
        ));
        assert!(!selected(
            "bulk send TLS1.3 AES-128-GCM",
            &Some("chacha".into())
        ));
        assert!(selected("anything", &None));
    }
}
