//! `lucid bench`: lucidtls side by side with rustls and OpenSSL (crate lucid-bench).

use crate::options::CliError;

/// Counts heap bytes for the memory rows; the crate's counting wrapper of the system
/// allocator, installed as this binary's global allocator in main.rs.
pub type Counter = &'static lucid_bench::StatsAlloc<std::alloc::System>;

/// Options of `lucid bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// A short run (a few seconds in all): a smoke test; figures are rough.
    #[arg(long)]
    quick: bool,
    /// Print an array of JSON rows instead of the table.
    #[arg(long)]
    json: bool,
    /// Run only scenarios whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
}

/// Runs the benchmark and prints the table (or JSON) to stdout.
pub fn run(args: &BenchArgs, counter: Counter) -> Result<(), CliError> {
    let opts = lucid_bench::BenchOptions {
        quick: args.quick,
        alloc_counter: Some(counter),
        filter: args.filter.clone(),
        ..Default::default()
    };
    let rows = lucid_bench::run(&opts);
    if args.json {
        println!("{}", lucid_bench::format_json(&rows));
    } else {
        print!("{}", lucid_bench::format_table(&rows));
    }
    Ok(())
}
