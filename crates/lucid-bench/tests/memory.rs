//! The memory rows, alone in their own test binary: the counting allocator counts
//! every thread's allocations, so no other test may run beside this one.

use lucid_bench::{run, BenchOptions, Kind};

#[global_allocator]
static GLOBAL: &lucid_bench::StatsAlloc<std::alloc::System> = &lucid_bench::INSTRUMENTED_SYSTEM;

#[test]
fn memory_rows_count_client_and_server() {
    let rows = run(&BenchOptions {
        quick: true,
        alloc_counter: Some(GLOBAL),
        progress: false,
        filter: Some("memory".into()),
        idle_connections: Some(200),
    });
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].scenario.contains("client"));
    assert!(rows[1].scenario.contains("server"));
    for r in &rows {
        assert_eq!(r.kind, Kind::Memory);
        assert_eq!(r.unit, "KiB/conn");
        // Every idle connection holds at least its keys: well above 100 bytes.
        for v in [r.lucid, r.rustls, r.openssl] {
            assert!(v.is_some_and(|v| v > 0.1), "{r:?}");
        }
    }
}
