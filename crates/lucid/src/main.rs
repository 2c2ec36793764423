//! `lucid`: the lucidtls command-line tool.
//!
//! - `lucid demo` — client/server conversations in one process, every step narrated;
//! - `lucid connect HOST:PORT` — a TLS client between stdin/stdout and a server;
//! - `lucid serve` — a TLS echo server, or with `--http` a small HTTPS server;
//! - `lucid bench` — speed and memory side by side with rustls and OpenSSL;
//! - `lucid trace render FILE --html OUT` — a `--trace-json` trace as a ladder diagram.
//!
//! The CLI only configures and drives the library; all protocol logic lives in lucidtls.
#![forbid(unsafe_code)]

mod bench;
mod certs;
mod connect;
mod demo;
mod explain;
mod http;
mod narrate;
mod options;
mod render;
mod serve;
mod trace_json;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: bench::Counter = &lucid_bench::INSTRUMENTED_SYSTEM;

/// The lucidtls command-line tool.
#[derive(Parser, Debug)]
#[command(name = "lucid", version, about)]
struct Cli {
    /// Print every handshake step (trace event) to stderr.
    #[arg(long, short, global = true)]
    verbose: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run client/server conversations in one process (TLS 1.3 full and resumed, TLS 1.2
    /// ECDHE, RSA, DHE, mutual TLS) and narrate every step (--explain: and why).
    Demo(demo::DemoArgs),
    /// Connect to a TLS server; copy stdin to it and its replies to stdout.
    Connect(connect::ConnectArgs),
    /// Run a TLS echo server (with --http: an HTTPS server describing each connection).
    Serve(serve::ServeArgs),
    /// Benchmark lucidtls against rustls and OpenSSL (handshakes, bulk, memory).
    Bench(bench::BenchArgs),
    /// Work with --trace-json files: `lucid trace render FILE --html OUT` draws a ladder diagram.
    Trace(render::TraceArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        // The demo narrates every step anyway; --verbose adds nothing.
        Command::Demo(args) => demo::run(args),
        Command::Connect(args) => connect::run(args, cli.verbose),
        Command::Serve(args) => serve::run(args, cli.verbose),
        Command::Bench(args) => bench::run(args, GLOBAL),
        Command::Trace(args) => render::run(args),
    };
    let _ = std::io::stdout().flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message());
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
