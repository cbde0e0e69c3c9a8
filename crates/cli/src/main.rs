//! The `casefile` binary: parse the command line, run it, map errors to exit codes.

mod cli;
mod commands;
mod ctx;
mod dates;
mod error;
mod input;
mod render;
mod specs;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    if let Err(e) = commands::run(cli) {
        // An empty message is an outcome already reported (the tone check's exit code).
        if !e.message.is_empty() {
            eprintln!("error: {}", e.message);
            if let Some(h) = &e.hint {
                eprintln!("  hint: {h}");
            }
        }
        std::process::exit(e.exit as i32);
    }
}
