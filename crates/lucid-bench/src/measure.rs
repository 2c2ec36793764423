//! Timing loops and the progress line.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How a measurement runs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Run {
    /// One warm-up operation, then operations until `per_round` of timed work.
    Timed {
        /// Timed work to accumulate.
        per_round: Duration,
    },
    /// Exactly this many operations, untimed (for profilers).
    Count(u64),
}

/// Runs `op` as `run` says and returns units per second (0 in `Count` mode).
///
/// `op` does one unit of work (a handshake, a batch of records) and returns how many
/// units it did and how long the part that counts took; set-up it does outside that
/// span (making ciphertext for a receive test, say) is not counted.
pub(crate) fn rate(
    run: Run,
    mut op: impl FnMut() -> Result<(u64, Duration), String>,
) -> Result<f64, String> {
    match run {
        Run::Count(n) => {
            for _ in 0..n {
                op()?;
            }
            Ok(0.0)
        }
        Run::Timed { per_round } => {
            op()?;
            let wall_limit = per_round * 5 + Duration::from_secs(1);
            let wall = Instant::now();
            let mut units = 0u64;
            let mut timed = Duration::ZERO;
            while timed < per_round && wall.elapsed() < wall_limit {
                let (n, t) = op()?;
                units += n;
                timed += t;
            }
            if timed.is_zero() {
                return Err("no time measured".into());
            }
            Ok(units as f64 / timed.as_secs_f64())
        }
    }
}

/// Times one call of `f`. Never inlined, so that profilers can count only the timed
/// work (`valgrind --tool=callgrind '--toggle-collect=*measure::timed*'`).
#[inline(never)]
pub(crate) fn timed<T>(f: impl FnOnce() -> Result<T, String>) -> Result<(T, Duration), String> {
    let start = Instant::now();
    let value = f()?;
    Ok((value, start.elapsed()))
}

/// The progress line on stderr: rewritten in place on a terminal, one line per step
/// otherwise.
pub(crate) struct Progress {
    enabled: bool,
    tty: bool,
    total: usize,
    done: usize,
    started: Instant,
    last_topic: String,
}

impl Progress {
    pub(crate) fn new(enabled: bool, total: usize) -> Self {
        Self {
            enabled,
            tty: std::io::stderr().is_terminal(),
            total,
            done: 0,
            started: Instant::now(),
            last_topic: String::new(),
        }
    }

    /// Announces the next step of `topic` (a scenario). Off a terminal, only a new
    /// topic prints a line, to keep logs short.
    pub(crate) fn step(&mut self, topic: &str, detail: &str) {
        self.done += 1;
        if !self.enabled || (!self.tty && topic == self.last_topic) {
            return;
        }
        topic.clone_into(&mut self.last_topic);
        let detail = if detail.is_empty() || !self.tty {
            String::new()
        } else {
            format!(" · {detail}")
        };
        let line = format!(
            "bench [{}/{}] {:>5.1}s  {topic}{detail}",
            self.done,
            self.total,
            self.started.elapsed().as_secs_f64(),
        );
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// A warning, on its own line.
    pub(crate) fn warn(&self, msg: &str) {
        let mut err = std::io::stderr().lock();
        if self.enabled && self.tty {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "warning: {msg}");
    }

    /// Clears the line at the end.
    pub(crate) fn finish(&self) {
        if !self.enabled {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(
            err,
            "bench: {} steps in {:.1}s",
            self.total,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Memory per idle connection: opens `n` client/server pairs with `connect` in two
/// passes and returns how much `probe` grew per kept connection, (client, server).
///
/// The first pass keeps the clients and drops each server right after its handshake;
/// the second keeps the servers and drops the clients. Each pass measures one side
/// alone, and what a dropped peer freed is reused by the next pair, so this works
/// both with a counting allocator (exact) and with resident memory, which freeing
/// does not shrink. A first pair, dropped before measuring, warms lazily built state
/// (caches, tables) up.
pub(crate) fn idle_memory<C, S>(
    n: usize,
    mut connect: impl FnMut() -> Result<(C, S), String>,
    probe: &dyn Fn() -> usize,
) -> Result<(f64, f64), String> {
    let n = n.max(1);
    drop(connect()?);
    let mut clients: Vec<Box<C>> = Vec::with_capacity(n);
    let mut servers: Vec<Box<S>> = Vec::with_capacity(n);
    let before = probe();
    for _ in 0..n {
        let (c, s) = connect()?;
        clients.push(Box::new(c));
        drop(s);
    }
    let with_clients = probe();
    for _ in 0..n {
        let (c, s) = connect()?;
        drop(c);
        servers.push(Box::new(s));
    }
    let with_both = probe();
    drop(servers);
    drop(clients);
    let per = |bytes: usize| bytes as f64 / n as f64;
    Ok((
        per(with_clients.saturating_sub(before)),
        per(with_both.saturating_sub(with_clients)),
    ))
}
