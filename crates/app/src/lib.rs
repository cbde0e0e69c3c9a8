//! casefile's application layer: what every face (the command line, the call
//! console, the web app) shares above the store. Settings are resolved here
//! once, so a case costs the same in every face; every write goes through one
//! path with one retry; the typed operations in [`ops`] turn what a person
//! gave (a form's fields, a command's flags) into drafts, with the same
//! checks and the same words for bad input whichever face it came from.

pub mod accounts;
pub mod calendar;
pub mod ctx;
pub mod dates;
pub mod error;
pub mod exhibits;
pub mod intel;
pub mod mail;
pub mod ops;
pub mod record;
pub mod report;
pub mod seal;
pub mod settings;
pub mod sync;
pub mod templates;
pub mod write;

pub use ctx::Ctx;
pub use error::{Error, Exit, Result};
pub use settings::{Amount, Layer, Settings, SettingsError, Source, config_path};
pub use write::{WriteError, append_case};
