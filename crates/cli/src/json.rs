//! The JSON every command prints under `--json` (docs/json.md): one object
//! that starts with its version.

use crate::error::{CliError, Result};

/// The version of every `--json` shape (docs/json.md): a field changing
/// meaning or going away bumps it; new fields may come without.
pub const JSON_VERSION: u64 = 1;

#[derive(serde::Serialize)]
struct Fields<'a, T: serde::Serialize> {
    version: u64,
    #[serde(flatten)]
    fields: &'a T,
}

#[derive(serde::Serialize)]
struct Items<'a, T: serde::Serialize> {
    version: u64,
    items: &'a T,
}

/// Prints `v` as the JSON every command gives: an object that starts with
/// `"version"`, its fields after (a list goes under `"items"`).
pub fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", versioned_json(v)?);
    Ok(())
}

pub fn versioned_json(v: &impl serde::Serialize) -> Result<String> {
    let bad = |e: serde_json::Error| CliError::new(crate::error::Exit::Internal, e.to_string());
    let is_object = serde_json::to_value(v).map_err(bad)?.is_object();
    if is_object {
        serde_json::to_string_pretty(&Fields {
            version: JSON_VERSION,
            fields: v,
        })
    } else {
        serde_json::to_string_pretty(&Items {
            version: JSON_VERSION,
            items: v,
        })
    }
    .map_err(bad)
}
