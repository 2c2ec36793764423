//! `lucid-bench [--quick] [--json]`: the benchmark of `lucid bench`, standalone.
//!
//! `lucid-bench --drive PEER SCENARIO N` runs one scenario N times untimed, for
//! profilers (e.g. `valgrind --tool=callgrind`).

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: &lucid_bench::StatsAlloc<std::alloc::System> = &lucid_bench::INSTRUMENTED_SYSTEM;

const USAGE: &str = "usage: lucid-bench [--quick] [--json] [--filter TEXT]
       lucid-bench --drive PEER SCENARIO ITERATIONS   (PEER: lucid, rustls, openssl, raw-aead)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = lucid_bench::BenchOptions {
        alloc_counter: Some(GLOBAL),
        ..Default::default()
    };
    let mut json = false;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--quick" => opts.quick = true,
            "--json" => json = true,
            "--filter" => {
                i += 1;
                opts.filter = args.get(i).cloned();
            }
            "--drive" => {
                let (Some(peer), Some(scenario), Some(n)) =
                    (args.get(i + 1), args.get(i + 2), args.get(i + 3))
                else {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                };
                let Ok(n) = n.parse::<u64>() else {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                };
                return match lucid_bench::drive(peer, scenario, n) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::FAILURE
                    }
                };
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
        i += 1;
    }
    let rows = lucid_bench::run(&opts);
    if json {
        print!("{}", lucid_bench::format_json(&rows));
    } else {
        print!("{}", lucid_bench::format_table(&rows));
    }
    if rows.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
