//! The precedence of settings: built-in < config file < environment < flags.

use std::collections::HashMap;
use std::path::PathBuf;

use casefile_app::{Amount, Layer, Settings, SettingsError, Source};

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn config(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn built_in_defaults_when_nothing_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.toml").display().to_string();
    let s = Settings::load(&env_of(&[("CASEFILE_CONFIG", &missing)]), Layer::default()).unwrap();
    assert_eq!(s.author, "owner");
    assert_eq!(s.currency, "USD");
    assert_eq!(s.rates.hourly_value.cents, 2500);
    assert_eq!(s.rates.agent_minute.cents, 100);
    assert_eq!(s.db, None);
}

#[test]
fn each_layer_overrides_only_what_it_sets() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        &dir,
        "author = \"Ana\"\ncurrency = \"eur\"\nhourly_value = 40\nagent_minute = \"1.50\"\ndb = \"/data/file.db\"\n",
    );
    // The file alone.
    let s = Settings::load(&env_of(&[("CASEFILE_CONFIG", &path)]), Layer::default()).unwrap();
    assert_eq!(s.author, "Ana");
    assert_eq!(s.currency, "EUR");
    assert_eq!(
        (
            s.rates.hourly_value.cents,
            s.rates.hourly_value.currency.as_str()
        ),
        (4000, "EUR")
    );
    assert_eq!(s.rates.agent_minute.cents, 150);
    assert_eq!(s.db, Some(PathBuf::from("/data/file.db")));

    // The environment over the file, for what it names.
    let env = env_of(&[
        ("CASEFILE_CONFIG", &path),
        ("CASEFILE_HOURLY_VALUE", "55"),
        ("CASEFILE_USER", "Bo"),
        ("CASEFILE_AGENT_MINUTE", ""),
    ]);
    let s = Settings::load(&env, Layer::default()).unwrap();
    assert_eq!(s.author, "Bo");
    assert_eq!(s.rates.hourly_value.cents, 5500);
    assert_eq!(
        s.rates.agent_minute.cents, 150,
        "an empty variable is unset"
    );
    assert_eq!(s.currency, "EUR");

    // Flags over both.
    let flags = Layer {
        hourly_value: Some(Amount::Text("70 GBP".into())),
        db: Some("/tmp/other.db".into()),
        ..Layer::default()
    };
    let s = Settings::load(&env, flags).unwrap();
    assert_eq!(
        (
            s.rates.hourly_value.cents,
            s.rates.hourly_value.currency.as_str()
        ),
        (7000, "GBP")
    );
    assert_eq!(s.db, Some(PathBuf::from("/tmp/other.db")));
    assert_eq!(s.author, "Bo");

    // One command's flags on top of resolved settings, equal to the default or not.
    let again = s
        .with_flags(Layer {
            hourly_value: Some(Amount::Whole(25)),
            ..Layer::default()
        })
        .unwrap();
    assert_eq!(again.rates.hourly_value.cents, 2500);
    assert_eq!(again.rates.hourly_value.currency, "EUR");
    assert_eq!(again.rates.agent_minute.cents, 150);
}

#[test]
fn errors_name_the_layer_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let broken = config(&dir, "author = \"Ana\"\nhourly_value = [\n");
    match Settings::load(&env_of(&[("CASEFILE_CONFIG", &broken)]), Layer::default()) {
        Err(e @ SettingsError::File { .. }) => {
            assert!(e.to_string().contains("config.toml"), "{e}");
            assert!(e.hint().contains("hourly_value = 40"), "{}", e.hint());
        }
        other => panic!("a broken file is refused: {other:?}"),
    }
    let unknown = config(&dir, "hourly = 40\n");
    let e =
        Settings::load(&env_of(&[("CASEFILE_CONFIG", &unknown)]), Layer::default()).unwrap_err();
    assert!(e.to_string().contains("hourly"), "{e}");

    let path = config(&dir, "hourly_value = \"forty\"\n");
    let e = Settings::load(&env_of(&[("CASEFILE_CONFIG", &path)]), Layer::default()).unwrap_err();
    assert!(e.to_string().starts_with("hourly_value ("), "{e}");
    assert!(e.to_string().contains("config.toml"), "{e}");

    let e = Settings::load(
        &env_of(&[
            ("CASEFILE_CONFIG", "/nonexistent/x.toml"),
            ("CASEFILE_CURRENCY", "dollars"),
        ]),
        Layer::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("CASEFILE_CURRENCY (the environment)"),
        "{e}"
    );

    let e = Settings::resolve(&[(
        Source::Flags,
        Layer {
            agent_minute: Some(Amount::Text("-".into())),
            ..Layer::default()
        },
    )])
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("--agent-minute (the command line)"),
        "{e}"
    );
}

#[test]
fn numeric_dates_are_read_in_the_order_set() {
    use casefile_app::dates::{DateOrder, Tense, parse_when_in};
    let dir = tempfile::tempdir().unwrap();
    let path = config(&dir, "date_order = \"month-first\"\n");
    let from_file =
        Settings::load(&env_of(&[("CASEFILE_CONFIG", &path)]), Layer::default()).unwrap();
    assert_eq!(from_file.date_order, DateOrder::MonthFirst);
    let overridden = Settings::load(
        &env_of(&[
            ("CASEFILE_CONFIG", &path),
            ("CASEFILE_DATE_ORDER", "day-first"),
        ]),
        Layer::default(),
    )
    .unwrap();
    assert_eq!(overridden.date_order, DateOrder::DayFirst);
    let missing = dir.path().join("none.toml").display().to_string();
    let default =
        Settings::load(&env_of(&[("CASEFILE_CONFIG", &missing)]), Layer::default()).unwrap();
    assert_eq!(
        default.date_order,
        DateOrder::DayFirst,
        "the documented default"
    );
    let err = Settings::load(
        &env_of(&[
            ("CASEFILE_CONFIG", &missing),
            ("CASEFILE_DATE_ORDER", "ymd"),
        ]),
        Layer::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("CASEFILE_DATE_ORDER") && err.hint().contains("month-first"),
        "{err}"
    );

    let tz = jiff::tz::TimeZone::UTC;
    let now: jiff::Timestamp = "2026-12-01T12:00:00Z".parse().unwrap();
    let day = |s: &str, o| {
        parse_when_in(s, now, &tz, Tense::Past, o)
            .unwrap()
            .to_zoned(tz.clone())
            .date()
            .to_string()
    };
    assert_eq!(day("11/05/2026", DateOrder::DayFirst), "2026-05-11");
    assert_eq!(day("11/05/2026", DateOrder::MonthFirst), "2026-11-05");
    assert_eq!(day("2026-11-05", DateOrder::DayFirst), "2026-11-05");
    assert!(parse_when_in("10/31/2026", now, &tz, Tense::Past, DateOrder::DayFirst).is_err());
}

/// The signing key lives beside the config file the settings came from,
/// unless CASEFILE_SIGNING_KEY or `signing_key` says where; settings made
/// without any environment (as tests make them) name none and sign nothing,
/// so no test writes into the user's own config folder.
#[test]
fn the_signing_key_follows_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("casefile.toml").display().to_string();
    let s = Settings::load(&env_of(&[("CASEFILE_CONFIG", &cfg)]), Layer::default()).unwrap();
    assert_eq!(s.signing_key, Some(dir.path().join("signing.key")));
    let flags = Layer {
        hourly_value: Some(Amount::Text("40".into())),
        ..Layer::default()
    };
    assert_eq!(
        s.with_flags(flags).unwrap().signing_key,
        Some(dir.path().join("signing.key")),
        "a command's flags keep it"
    );
    let own = dir.path().join("elsewhere.key").display().to_string();
    let s = Settings::load(
        &env_of(&[("CASEFILE_CONFIG", &cfg), ("CASEFILE_SIGNING_KEY", &own)]),
        Layer::default(),
    )
    .unwrap();
    assert_eq!(s.signing_key, Some(PathBuf::from(&own)));
    assert_eq!(Settings::resolve(&[]).unwrap().signing_key, None);
}
