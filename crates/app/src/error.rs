//! One error type for every command: a message, a hint saying what to do
//! next, and an exit code that scripts can rely on.

use casefile_core::DomainError;
use casefile_store::StoreError;

/// Exit codes, documented in `casefile --help`. 2 is clap's, for a bad command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Something unexpected inside casefile or the database engine.
    Internal = 1,
    /// A case, company or entry that does not exist.
    NotFound = 3,
    /// Input that cannot be recorded: a bad date, an empty field, a broken file.
    Invalid = 4,
    /// The database is busy or changed under us; trying again may work.
    Busy = 5,
    /// `verify` found a problem.
    VerifyFailed = 6,
    /// The database file cannot be used by this casefile.
    Database = 7,
    /// `check` found only suggestions (something missing, too long).
    CheckSuggestions = 8,
    /// `check` found something that will hurt (threats, insults, shouting...).
    CheckHarmful = 9,
}

#[derive(Debug)]
pub struct Error {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(exit: Exit, message: impl Into<String>) -> Error {
        Error {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(Exit::Invalid, message)
    }

    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new(Exit::NotFound, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        let msg = e.to_string();
        match e {
            StoreError::NoSuchStream { .. } => Error::not_found(msg).hint("`casefile list` shows your cases"),
            StoreError::Conflict { .. } => Error::new(Exit::Busy, msg).hint("another casefile wrote to this case at the same moment; run the command again"),
            StoreError::Domain { err, .. } => Error::from(err),
            StoreError::Busy { .. } => Error::new(Exit::Busy, msg).hint("another casefile (a call console, the web app, a script) is writing; try again in a moment"),
            StoreError::NewerSchema { .. } => Error::new(Exit::Database, msg).hint("install a newer casefile; your file was not changed"),
            StoreError::NotCasefile(_) => Error::new(Exit::Database, msg).hint("point --db (or CASEFILE_DB) at a casefile database, or at a path where a new one can be made"),
            StoreError::CompanyExists { .. } => Error::invalid(msg).hint("use that company, or give this one another name; `casefile company list` shows them"),
            StoreError::Import(_) => Error::invalid(format!("import refused: {msg}")).hint("nothing was imported; check that the file is a whole, unedited `casefile export`"),
            StoreError::Corrupt(_) => Error::new(Exit::Database, msg).hint("run `casefile verify`; restore from your last `casefile export --reveal` if it fails"),
            StoreError::DiskFull => Error::new(Exit::Database, msg).hint("free some space on the disk that holds the database, then run the command again; every entry already recorded is safe"),
            StoreError::ReadOnly(_) => Error::new(Exit::Database, msg).hint("reading works as it is; to record, make the file and its folder writable for you (or copy the file somewhere that is) and run the command again"),
            StoreError::Engine(_) => Error::new(Exit::Internal, msg),
        }
    }
}

impl From<DomainError> for Error {
    fn from(e: DomainError) -> Error {
        let hint = match &e {
            DomainError::TooLong { .. } => {
                "for long documents use `casefile attach CASE FILE`, which records the file's hash"
            }
            DomainError::ControlChars { .. } => {
                "paste the text again without terminal escapes or control characters"
            }
            DomainError::ContactEnded(_) => {
                "start a new contact with `casefile contact start CASE`, or log it with `casefile log`"
            }
            DomainError::Missing { .. } => {
                "`casefile timeline CASE` shows every entry with its #number"
            }
            DomainError::AlreadyAnswered { .. } => {
                "to correct an answer, use `casefile amend CASE ENTRY --reason ...`"
            }
            _ => "nothing was recorded; correct the input and run the command again",
        };
        Error::invalid(e.to_string()).hint(hint)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(Exit::Internal, format!("input/output error: {e}"))
    }
}
