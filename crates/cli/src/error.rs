//! The application's error, as the command line names it: a message, a hint
//! saying what to do next, and an exit code that scripts can rely on.

pub use casefile_app::error::{Error as CliError, Exit, Result};
