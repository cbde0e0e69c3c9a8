//! Links the `casefile` program as a position-dependent executable on Linux.
//!
//! Every command is a short process, and a position-independent one spends
//! about a third of its start (0.8 ms of 2.2 ms here, 250 of 420 page faults)
//! in the loader rewriting a megabyte of pointer tables (the crates' Unicode,
//! HTML-entity and charset tables) before `main` runs. Linked at a fixed
//! address those pointers are final in the file and nothing is rewritten.
//! The cost is that the program's own code loads at the same address each
//! run (the libraries, heap and stack are still placed at random), as every
//! Go program on Linux is built by default. A build for a server others can
//! reach may keep full address randomisation: `CASEFILE_PIE=1 cargo build
//! --release`. BENCHMARKS.md has the figures.
fn main() {
    println!("cargo:rerun-if-env-changed=CASEFILE_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let keep_pie = std::env::var("CASEFILE_PIE").is_ok_and(|v| !v.is_empty() && v != "0");
    if linux && !keep_pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
