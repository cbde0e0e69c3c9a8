//! Settings with one explicit precedence: built-in defaults, then the config
//! file (`config.toml` in casefile's config folder, or `CASEFILE_CONFIG`),
//! then the environment, then flags. Each later layer overrides only what it
//! sets; an error names the layer it came from, so it can be fixed there.

use std::path::{Path, PathBuf};

use casefile_core::Money;
use casefile_core::coach::Rates;
use serde::Deserialize;

/// One layer of settings: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// The journal's file.
    pub db: Option<PathBuf>,
    /// The name entries are written under.
    pub author: Option<String>,
    /// The currency amounts are in when they name none (three letters).
    pub currency: Option<String>,
    /// What an hour of your time is worth, e.g. `40` or `"40 EUR"`.
    pub hourly_value: Option<Amount>,
    /// What a minute of a representative's time costs the company.
    pub agent_minute: Option<Amount>,
    /// A folder of your own templates.
    pub templates: Option<PathBuf>,
    /// A PostgreSQL server's URL, used instead of the file (`postgres://...`).
    pub database: Option<String>,
    /// The workspace on that server (default `default`).
    pub workspace: Option<String>,
    /// How a numeric date like 11/05 is read: `day-first` (the default:
    /// 11 May) or `month-first` (November 5).
    pub date_order: Option<String>,
    /// Your own email addresses: a message from one of them is one you sent.
    pub addresses: Option<Vec<String>>,
    /// This device's signing key (by default `signing.key` beside the config file).
    pub signing_key: Option<PathBuf>,
}

/// An amount as a person writes it in a config file: a number or a text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    Whole(i64),
    Decimal(f64),
    Text(String),
}

impl Amount {
    fn text(&self) -> String {
        match self {
            Amount::Whole(n) => n.to_string(),
            Amount::Decimal(x) => format!("{x:.2}"),
            Amount::Text(t) => t.clone(),
        }
    }
}

/// Where a setting came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Environment,
    Flags,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("the config file {path} cannot be read: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{setting} ({source_name}) is not valid: {reason}")]
    Invalid {
        setting: String,
        source_name: String,
        reason: String,
    },
}

impl SettingsError {
    /// How to mend it, in words a person can act on.
    pub fn hint(&self) -> String {
        match self {
            SettingsError::File { path, .. } => format!(
                "fix or remove {}; it takes author, currency, hourly_value, agent_minute, date_order, db, database, workspace and templates, e.g. hourly_value = 40",
                path.display()
            ),
            SettingsError::Invalid { setting, .. } if setting.to_lowercase().contains("date_order") => {
                "give day-first (11/05 is 11 May, the default) or month-first (11/05 is November 5)".into()
            }
            SettingsError::Invalid { setting, .. } if setting.to_lowercase().contains("database") => {
                "give a URL like postgres://casefile@localhost/casefile, or unset it to keep the journal in a file".into()
            }
            SettingsError::Invalid { .. } => {
                "amounts are like 40 or \"40 EUR\"; a currency is three letters, e.g. EUR".into()
            }
        }
    }
}

/// The settings every face uses, resolved once.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub db: Option<PathBuf>,
    pub author: String,
    pub currency: String,
    pub rates: Rates,
    pub templates: Option<PathBuf>,
    /// A PostgreSQL URL: the journal lives there instead of in `db`.
    pub database: Option<String>,
    /// How numeric dates (11/05) are read.
    pub date_order: crate::dates::DateOrder,
    pub workspace: String,
    /// Your own email addresses, lower case.
    pub addresses: Vec<String>,
    /// Where this device's signing key is: CASEFILE_SIGNING_KEY, else beside
    /// the config file. None (settings made without an environment, as tests
    /// make them): nothing is signed.
    pub signing_key: Option<PathBuf>,
    /// The layers these were resolved from, lowest first.
    pub layers: Vec<(Source, Layer)>,
}

/// Where the config file is: `CASEFILE_CONFIG`, else `casefile/config.toml`
/// in the user's config folder.
pub fn config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("CASEFILE_CONFIG")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::config_dir().map(|d| d.join("casefile").join("config.toml")))
}

impl Layer {
    /// The layer a config file sets; none if the file does not exist.
    pub fn from_file(path: &Path) -> Result<Option<Layer>, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(SettingsError::File {
                    path: path.into(),
                    reason: e.to_string(),
                });
            }
        };
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| SettingsError::File {
                path: path.into(),
                reason: e.message().to_string()
                    + &e.span()
                        .map(|s| format!(" (line {})", text[..s.start].lines().count().max(1)))
                        .unwrap_or_default(),
            })
    }

    /// The layer the environment sets (`CASEFILE_DB`, `CASEFILE_USER`,
    /// `CASEFILE_CURRENCY`, `CASEFILE_HOURLY_VALUE`, `CASEFILE_AGENT_MINUTE`,
    /// `CASEFILE_TEMPLATES`); empty values count as unset.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Layer {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        Layer {
            db: get("CASEFILE_DB").map(PathBuf::from),
            author: get("CASEFILE_USER"),
            currency: get("CASEFILE_CURRENCY"),
            hourly_value: get("CASEFILE_HOURLY_VALUE").map(Amount::Text),
            agent_minute: get("CASEFILE_AGENT_MINUTE").map(Amount::Text),
            templates: get("CASEFILE_TEMPLATES").map(PathBuf::from),
            database: get("CASEFILE_DATABASE"),
            workspace: get("CASEFILE_WORKSPACE"),
            date_order: get("CASEFILE_DATE_ORDER"),
            addresses: get("CASEFILE_ADDRESSES")
                .map(|a| a.split(',').map(|x| x.trim().to_string()).collect()),
            signing_key: get("CASEFILE_SIGNING_KEY").map(PathBuf::from),
        }
    }
}

fn invalid(setting: &str, source: &Source, reason: String) -> SettingsError {
    let (setting, source_name) = match source {
        Source::File(p) => (setting.to_string(), p.display().to_string()),
        Source::Environment => (
            format!("CASEFILE_{}", setting.to_uppercase())
                .replace("CASEFILE_AUTHOR", "CASEFILE_USER"),
            "the environment".to_string(),
        ),
        Source::Flags => (
            format!("--{}", setting.replace('_', "-")),
            "the command line".into(),
        ),
    };
    SettingsError::Invalid {
        setting,
        source_name,
        reason,
    }
}

impl Settings {
    /// Resolves the layers, lowest first: each sets only what it names.
    pub fn resolve(layers: &[(Source, Layer)]) -> Result<Settings, SettingsError> {
        let mut db = None;
        let mut database = None;
        let mut workspace = "default".to_string();
        let mut date_order = crate::dates::DateOrder::default();
        let mut addresses: Vec<String> = Vec::new();
        let mut signing_key: Option<PathBuf> = None;
        let mut author = "owner".to_string();
        let mut currency = "USD".to_string();
        let mut templates = dirs::config_dir().map(|d| d.join("casefile").join("templates"));
        for (source, l) in layers {
            if let Some(c) = &l.currency {
                let c = c.trim();
                if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                    return Err(invalid(
                        "currency",
                        source,
                        format!("{c:?} is not a three-letter currency code"),
                    ));
                }
                currency = c.to_ascii_uppercase();
            }
        }
        let mut rates = Rates::default_for(&currency);
        for (source, l) in layers {
            if let Some(p) = &l.db {
                db = Some(p.clone());
            }
            if let Some(a) = l.author.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                author = a.to_string();
            }
            if let Some(t) = &l.templates {
                templates = Some(t.clone());
            }
            if let Some(u) = l
                .database
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                if !(u.starts_with("postgres://") || u.starts_with("postgresql://")) {
                    return Err(invalid(
                        "database",
                        source,
                        "a database is a PostgreSQL URL, postgres://USER:PASSWORD@HOST:PORT/NAME (a SQLite file is given with db)".into(),
                    ));
                }
                database = Some(u.to_string());
            }
            if let Some(w) = l
                .workspace
                .as_deref()
                .map(str::trim)
                .filter(|w| !w.is_empty())
            {
                workspace = w.to_string();
            }
            let money = |name: &str, a: &Amount| {
                Money::parse(&a.text(), &currency).map_err(|e| invalid(name, source, e.to_string()))
            };
            if let Some(k) = &l.signing_key {
                signing_key = Some(k.clone());
            }
            if let Some(list) = &l.addresses {
                addresses = list
                    .iter()
                    .map(|a| a.trim().to_lowercase())
                    .filter(|a| !a.is_empty())
                    .collect();
                if let Some(bad) = addresses.iter().find(|a| !a.contains('@')) {
                    return Err(invalid(
                        "addresses",
                        source,
                        format!("{bad:?} is not an email address"),
                    ));
                }
            }
            if let Some(o) = &l.date_order {
                date_order = o
                    .parse()
                    .map_err(|why| invalid("date_order", source, why))?;
            }
            if let Some(a) = &l.hourly_value {
                rates.hourly_value = money("hourly_value", a)?;
            }
            if let Some(a) = &l.agent_minute {
                rates.agent_minute = money("agent_minute", a)?;
            }
        }
        Ok(Settings {
            db,
            database,
            date_order,
            workspace,
            addresses,
            signing_key,
            author,
            currency,
            rates,
            templates,
            layers: layers.to_vec(),
        })
    }

    /// The settings for this process: the config file, the environment, then
    /// the flags given.
    pub fn load(
        env: &dyn Fn(&str) -> Option<String>,
        flags: Layer,
    ) -> Result<Settings, SettingsError> {
        let mut layers = Vec::new();
        if let Some(path) = config_path(env) {
            // The key lives beside the config file unless something says otherwise.
            let beside = Some(path.with_file_name("signing.key"));
            let mut l = Layer::from_file(&path)?.unwrap_or_default();
            if l.signing_key.is_none() {
                l.signing_key = beside;
            }
            layers.push((Source::File(path), l));
        }
        layers.push((Source::Environment, Layer::from_env(env)));
        layers.push((Source::Flags, flags));
        Settings::resolve(&layers)
    }

    /// The same settings with one command's flags on top (`--hourly`, ...).
    pub fn with_flags(&self, flags: Layer) -> Result<Settings, SettingsError> {
        let mut layers = self.layers.clone();
        layers.push((Source::Flags, flags));
        Settings::resolve(&layers)
    }
}
