//! casefile's application layer: what every face (the command line, the call
//! console, the web app) shares above the store. Settings are resolved here
//! once, so a case costs the same in every face; and every write goes through
//! [`append_case`], so every face retries the same way when another writer
//! got there first.

pub mod settings;
pub mod write;

pub use settings::{Amount, Layer, Settings, SettingsError, Source, config_path};
pub use write::{WriteError, Writer, append_case, write_case};
