//! What the memory rows read: live heap bytes from a counting global allocator
//! (`stats_alloc`), and the process's resident memory from `/proc`.
//!
//! No unchecked code here: the allocator wrapper is the `stats_alloc` crate's, and the
//! resident memory comes from reading a text file.

use std::alloc::GlobalAlloc;

pub use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

/// Tells how many bytes the process has allocated and not yet freed.
///
/// The benchmark's memory rows read it before and after opening idle connections.
/// Implemented for [`StatsAlloc`] (the `stats_alloc` crate's counting wrapper, which
/// this crate re-exports): a binary installs it as its global allocator and passes
/// it as [`crate::BenchOptions::alloc_counter`]:
///
/// ```no_run
/// #[global_allocator]
/// static GLOBAL: &lucid_bench::StatsAlloc<std::alloc::System> = &lucid_bench::INSTRUMENTED_SYSTEM;
///
/// fn main() {
///     let opts = lucid_bench::BenchOptions { alloc_counter: Some(GLOBAL), ..Default::default() };
///     let rows = lucid_bench::run(&opts);
/// }
/// ```
///
/// Any other global allocator that counts can implement it too.
pub trait AllocCounter: Sync {
    /// Bytes allocated through the global allocator and not yet freed.
    fn live_bytes(&self) -> usize;
}

impl<T: GlobalAlloc + Sync> AllocCounter for StatsAlloc<T> {
    fn live_bytes(&self) -> usize {
        // `stats_alloc` books a growing `realloc` as allocated bytes and a shrinking
        // one as deallocated bytes, so the difference is what is live.
        let stats = self.stats();
        stats
            .bytes_allocated
            .saturating_sub(stats.bytes_deallocated)
    }
}

/// The process's resident memory in bytes: `Rss` of `/proc/self/smaps_rollup`
/// (counted exactly, page by page), else `VmRSS` of `/proc/self/status` (which the
/// kernel may update lazily). `None` where neither exists (not Linux).
///
/// It sees every allocator (OpenSSL's `malloc` included), but only in whole pages
/// and only pages that were touched; memory freed earlier and reused does not grow it.
pub(crate) fn resident_bytes() -> Option<usize> {
    field_kib("/proc/self/smaps_rollup", "Rss:")
        .or_else(|| field_kib("/proc/self/status", "VmRSS:"))
        .map(|kib| kib.saturating_mul(1024))
}

/// The value of a `Name:   1234 kB` line of a `/proc` file.
fn field_kib(path: &str, name: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_kib(&text, name)
}

fn parse_kib(text: &str, name: &str) -> Option<usize> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let mut words = line.get(name.len()..)?.split_whitespace();
    let value = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_lines() {
        let text = "55d0-55e0 ---p 00000000 00:00 0   [rollup]\nRss:              123456 kB\nPss:     1 kB\n";
        assert_eq!(parse_kib(text, "Rss:"), Some(123_456));
        assert_eq!(parse_kib(text, "Pss:"), Some(1));
        assert_eq!(parse_kib(text, "Swap:"), None);
        assert_eq!(parse_kib("Rss: 12 pages\n", "Rss:"), None);
        assert_eq!(parse_kib("Rss: many kB\n", "Rss:"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn resident_memory_grows_with_touched_pages() {
        let before = resident_bytes().expect("Linux has /proc/self/smaps_rollup or status");
        let block = std::hint::black_box(vec![1u8; 32 << 20]);
        let during = resident_bytes().unwrap();
        assert!(
            during >= before + (24 << 20),
            "32 MiB touched, RSS {before} -> {during}"
        );
        drop(block);
    }
}
