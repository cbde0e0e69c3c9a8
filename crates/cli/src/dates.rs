//! Dates as a person types them; the parser is the application's, shared by
//! every face.

pub use casefile_app::dates::*;
