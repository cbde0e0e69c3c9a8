//! The `casefile` command line and the live call console. `main.rs` only
//! calls [`main`]; everything else is here so benchmarks and tests can reach it.

pub mod cli;
pub mod commands;
pub mod console;
pub mod ctx;
pub mod dates;
pub mod error;
pub mod input;
pub mod json;
pub mod render;
pub mod specs;

/// Parses the command line, runs it, and exits with the error's code on failure.
pub fn main() {
    let cli = parse_args();
    if !matches!(cli.command, cli::Command::Serve(cli::Lazy(_))) {
        quiet_on_closed_pipe();
    }
    let json = cli.json;
    // Read only when a check first runs: other commands never load it.
    casefile_tone::install();
    if let Err(e) = commands::run(cli) {
        // An empty message is an outcome already reported (the tone check's exit code).
        if e.message.is_empty() {
            // Reported already.
        } else if json {
            // A script asked for JSON: the error is JSON too, on standard error.
            let err = serde_json::json!({
                "message": e.message, "hint": e.hint, "exit": e.exit as i32,
            });
            eprintln!("{{\"version\":{},\"error\":{err}}}", json::JSON_VERSION);
        } else {
            eprintln!("error: {}", e.message);
            if let Some(h) = &e.hint {
                eprintln!("  hint: {h}");
            }
        }
        std::process::exit(e.exit as i32);
    }
}

/// The command line read as clap's `Cli::parse` reads it, except that the
/// description of every command and flag it was read against is left for
/// the exit to free: dropping it piece by piece cost each short command
/// about as much as parsing its arguments.
fn parse_args() -> cli::Cli {
    use clap::{CommandFactory, FromArgMatches};
    let mut cmd = cli::Cli::command();
    let parsed = cmd
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|mut m| cli::Cli::from_arg_matches_mut(&mut m).map_err(|e| e.format(&mut cmd)));
    match parsed {
        Ok(cli) => {
            std::mem::forget(cmd);
            cli
        }
        Err(e) => e.exit(),
    }
}

/// Output piped into `head` or a pager that quits ends the process quietly, as
/// it does for other command-line tools, instead of a panic on the next write.
/// The server keeps Rust's default: a closed socket is an error it handles.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
