//! The PostgreSQL engine against the conformance suite every engine passes,
//! on a real server: the one CASEFILE_TEST_DATABASE names (`.ci/postgres.sh`
//! starts a throwaway one). Each test works in a workspace of its own, so
//! they run side by side in one database, as tenants of a server would.
//! Without a server the tests skip, except under CI=true, where they fail.

use casefile_store::conformance::{Made, Tamper};
use casefile_store_postgres::PgStore;

fn url() -> Option<String> {
    match std::env::var("CASEFILE_TEST_DATABASE") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but CASEFILE_TEST_DATABASE is not set: start one with .ci/postgres.sh")
        }
        _ => None,
    }
}

/// Whether there is a server to test on (else each test passes at once, saying so).
fn available() -> bool {
    let there = url().is_some();
    if !there {
        eprintln!("skipped: no PostgreSQL (set CASEFILE_TEST_DATABASE, see .ci/postgres.sh)");
    }
    there
}

/// A fresh workspace on the test server.
fn workspace() -> PgStore {
    let url = url().expect("a test server");
    let name = format!("test-{}", uuid::Uuid::new_v4());
    PgStore::open(&url, &name).expect("the test database opens")
}

fn fresh() -> Made<PgStore> {
    (workspace(), Box::new(()))
}

/// Two connections on one workspace, as two server processes would have.
fn pair() -> (PgStore, PgStore, Box<dyn std::any::Any>) {
    let first = workspace();
    let mut second = PgStore::connect(&url().unwrap()).unwrap();
    second.set_workspace(first.workspace());
    (first, second, Box::new(()))
}

/// Tampering as someone with psql could.
fn tamper(s: &mut PgStore, t: Tamper) {
    use Tamper::*;
    let ws = s.workspace();
    let sql = match t {
        EntryText { stream, seq } => format!(
            "UPDATE entries SET event = replace(event, 'refund', 'rebate') WHERE workspace = '{ws}' AND stream = '{stream}' AND seq = {seq}"
        ),
        DropItem { case, seq } => format!(
            "DELETE FROM case_items WHERE workspace = '{ws}' AND case_id = '{case}' AND seq = {seq}"
        ),
        ListRow { case } => format!(
            "UPDATE cases SET title = 'Something else' WHERE workspace = '{ws}' AND id = '{case}'"
        ),
        DueLines { case } => {
            format!("DELETE FROM due_items WHERE workspace = '{ws}' AND case_id = '{case}'")
        }
        CompanyView { company } => format!(
            "UPDATE companies SET state = replace(state, 'Acme', 'Acne') WHERE workspace = '{ws}' AND id = '{company}'"
        ),
        DropStream { stream } => {
            format!("DELETE FROM streams WHERE workspace = '{ws}' AND id = '{stream}'")
        }
        SearchText { case, seq } => format!(
            "DELETE FROM entry_words WHERE workspace = '{ws}' AND stream = '{case}' AND seq = {seq}"
        ),
        DropSignature { stream } => format!(
            "DELETE FROM head_signatures WHERE workspace = '{ws}' AND stream = '{stream}'"
        ),
        ForgeSignature { stream } => format!(
            "UPDATE head_signatures SET hash = '{}' WHERE workspace = '{ws}' AND stream = '{stream}'",
            "f".repeat(64)
        ),
        CutTail { stream } => format!(
            "DELETE FROM entries WHERE workspace = '{ws}' AND stream = '{stream}'
               AND seq = (SELECT head_seq FROM streams WHERE workspace = '{ws}' AND id = '{stream}');
             UPDATE streams s SET head_seq = s.head_seq - 1,
               head_hash = (SELECT hash FROM entries e WHERE e.workspace = '{ws}' AND e.stream = '{stream}' AND e.seq = s.head_seq - 1)
             WHERE s.workspace = '{ws}' AND s.id = '{stream}';"
        ),
        HideWhole { stream } => format!(
            "DELETE FROM entries WHERE workspace = '{ws}' AND stream = '{stream}';
             DELETE FROM streams WHERE workspace = '{ws}' AND id = '{stream}';
             DELETE FROM head_signatures WHERE workspace = '{ws}' AND stream = '{stream}';"
        ),
    };
    s.execute_for_tests(&sql).unwrap();
}

casefile_store::conformance_tests!(fresh, pair, tamper; if available());

mod server {
    use super::*;
    use casefile_core::{Draft, Event};
    use casefile_store::{CaseFilter, Store, StoreError};
    use uuid::Uuid;

    fn t() -> jiff::Timestamp {
        "2026-11-03T14:00:00Z".parse().unwrap()
    }

    fn open_case(s: &mut PgStore, title: &str) -> Uuid {
        let id = Uuid::now_v7();
        s.append(
            id,
            0,
            "owner",
            vec![
                Draft::new(
                    t(),
                    Event::CaseOpened {
                        title: title.into(),
                        company: None,
                    },
                ),
                Draft::new(
                    t(),
                    Event::FollowUpPlanned {
                        what: "chase the refund".into(),
                        due: t(),
                    },
                ),
            ],
        )
        .unwrap();
        id
    }

    /// Citus distributes a table by a column only if every primary key and
    /// unique constraint includes it: each table but the small reference
    /// tables must be keyed first by the workspace.
    #[test]
    fn every_key_starts_with_the_workspace_as_citus_requires() {
        if !available() {
            return;
        }
        let s = workspace();
        drop(s);
        let mut c = postgres::Client::connect(&url().unwrap(), postgres::NoTls).unwrap();
        let reference = [
            "casefile_schema",
            "workspaces",
            "accounts",
            "sessions",
            "pairings",
        ];
        let rows = c
            .query(
                "SELECT tc.table_name::text, tc.constraint_name::text, tc.constraint_type::text,
                        array_agg(k.column_name::text ORDER BY k.ordinal_position)
                 FROM information_schema.table_constraints tc
                 JOIN information_schema.key_column_usage k
                   ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
                 WHERE tc.table_schema = current_schema() AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
                 GROUP BY 1, 2, 3",
                &[],
            )
            .unwrap();
        let mut tables = std::collections::BTreeSet::new();
        for r in &rows {
            let (table, name, kind, cols): (String, String, String, Vec<String>) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            if reference.contains(&table.as_str()) {
                continue;
            }
            tables.insert(table.clone());
            assert!(
                cols.contains(&"workspace".to_string()),
                "{table}.{name} ({kind} {cols:?}) does not include the workspace"
            );
            if kind == "PRIMARY KEY" {
                assert_eq!(cols[0], "workspace", "{table}'s primary key starts with it");
            }
        }
        for t in [
            "streams",
            "entries",
            "cases",
            "case_items",
            "companies",
            "due_items",
        ] {
            assert!(tables.contains(t), "{t} was checked");
        }
        // And every table that is not a reference table has a workspace column.
        let without: Vec<String> = c
            .query(
                "SELECT table_name::text FROM information_schema.tables t WHERE table_schema = current_schema()
                 AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = t.table_schema
                   AND c.table_name = t.table_name AND c.column_name = 'workspace')",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .filter(|t: &String| !reference.contains(&t.as_str()))
            .collect();
        assert!(without.is_empty(), "tables with no workspace: {without:?}");
    }

    /// Two workspaces in one database see nothing of each other: not by id,
    /// number, search, due list, company or verify.
    #[test]
    fn workspaces_see_nothing_of_each_other() {
        if !available() {
            return;
        }
        let mut a = workspace();
        let mut b = workspace();
        let case = open_case(&mut a, "Refund for the broken router");
        let acme = Uuid::now_v7();
        a.append(
            acme,
            0,
            "owner",
            vec![Draft::new(
                t(),
                Event::CompanyCreated {
                    name: "Acme".into(),
                },
            )],
        )
        .unwrap();
        assert!(matches!(b.case(case), Err(StoreError::NoSuchStream { .. })));
        assert!(matches!(
            b.company(acme),
            Err(StoreError::NoSuchStream { .. })
        ));
        assert_eq!(b.case_by_handle(1).unwrap(), None);
        assert!(b.search("router", 10).unwrap().is_empty());
        assert!(
            b.due(t() + jiff::SignedDuration::from_hours(1), None, None)
                .unwrap()
                .is_empty()
        );
        assert!(b.list_cases(&CaseFilter::default()).unwrap().is_empty());
        assert_eq!(b.company_by_name("acme").unwrap(), None);
        assert!(b.read_stream(case).unwrap().is_empty());
        assert!(b.streams().unwrap().is_empty());
        // B's first case is its own number 1, and B's own Acme is allowed.
        let mine = open_case(&mut b, "Mine");
        assert_eq!(b.case(mine).unwrap().handle, 1);
        b.append(
            Uuid::now_v7(),
            0,
            "owner",
            vec![Draft::new(
                t(),
                Event::CompanyCreated {
                    name: "Acme".into(),
                },
            )],
        )
        .unwrap();
        // Writing to A's case from B is refused, and A's case is untouched.
        assert!(
            b.append(
                case,
                2,
                "intruder",
                vec![Draft::new(
                    t(),
                    Event::NoteAdded {
                        contact: None,
                        text: "x".into()
                    }
                )]
            )
            .is_err()
        );
        assert_eq!(a.read_stream(case).unwrap().len(), 2);
        assert!(a.verify().unwrap().is_empty());
        assert!(b.verify().unwrap().is_empty());
    }

    /// Eight servers creating the same company at once make one company.
    #[test]
    fn racing_writers_make_one_company() {
        if !available() {
            return;
        }
        let first = workspace();
        let ws = first.workspace();
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let url = url().unwrap();
                std::thread::spawn(move || {
                    let mut s = PgStore::connect(&url).unwrap();
                    s.set_workspace(ws);
                    s.append(
                        Uuid::now_v7(),
                        0,
                        "owner",
                        vec![Draft::new(
                            t(),
                            Event::CompanyCreated {
                                name: "Globex".into(),
                            },
                        )],
                    )
                })
            })
            .collect();
        let made = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(Result::is_ok)
            .count();
        assert_eq!(made, 1);
        assert_eq!(first.companies().unwrap().len(), 1);
    }

    /// A URL that does not connect says where it tried, without the password.
    #[test]
    fn a_database_that_does_not_connect_is_named_without_its_password() {
        let err = match PgStore::open("postgres://ana:s3cret@127.0.0.1:1/nowhere", "x") {
            Err(e) => e.to_string(),
            Ok(_) => panic!("port 1 has no server"),
        };
        assert!(
            err.contains("cannot connect to postgres://ana@127.0.0.1:1/nowhere"),
            "{err}"
        );
        assert!(!err.contains("s3cret"), "{err}");
        let err = PgStore::open("not a url at all", "x")
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("postgres://USER:PASSWORD@HOST:PORT/DATABASE"),
            "{err}"
        );
    }

    /// A database written by a newer casefile is refused, and left as it was.
    #[test]
    fn a_newer_schema_is_refused() {
        if !available() {
            return;
        }
        let base = url().unwrap();
        let name = format!("casefile_newer_{}", Uuid::new_v4().simple());
        let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let other = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        drop(PgStore::open(&other, "default").unwrap());
        let mut c = postgres::Client::connect(&other, postgres::NoTls).unwrap();
        c.batch_execute("UPDATE casefile_schema SET version = version + 1")
            .unwrap();
        match PgStore::open(&other, "default") {
            Err(StoreError::NewerSchema { found, known }) => assert_eq!(found, known + 1),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a newer schema opened"),
        }
        let v: i32 = c
            .query_one("SELECT version FROM casefile_schema", &[])
            .unwrap()
            .get(0);
        assert_eq!(v as i64, casefile_store_postgres::LATEST_SCHEMA + 1);
        drop(c);
        admin
            .batch_execute(&format!("DROP DATABASE {name}"))
            .unwrap();
    }

    /// A server that takes no writes (a replica, or one in recovery) is
    /// named as read-only, not as a database error; reads go on.
    #[test]
    fn a_read_only_server_is_named() {
        if !available() {
            return;
        }
        let mut s = workspace();
        s.execute_for_tests("SET default_transaction_read_only = on")
            .unwrap();
        let err = s
            .append(
                Uuid::now_v7(),
                0,
                "owner",
                vec![Draft::new(
                    "2026-11-01T09:00:00Z".parse().unwrap(),
                    Event::CaseOpened {
                        title: "Refund".into(),
                        company: None,
                    },
                )],
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly(_)), "{err:?}");
        assert!(err.to_string().contains("read-only"), "{err}");
        assert!(s.list_cases(&CaseFilter::default()).unwrap().is_empty());
    }
}

/// Devices (SQLite files, as people's laptops hold) syncing through a
/// workspace on the server.
#[test]
fn devices_converge_through_a_server() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let device = |name: &str| {
        casefile_store_sqlite::SqliteStore::open(&dir.path().join(format!("{name}.db"))).unwrap()
    };
    let mut moved = 0;
    for seed in 0..4 {
        let mut server = workspace();
        let (mut a, mut b) = (device(&format!("a{seed}")), device(&format!("b{seed}")));
        let r = casefile_store::conformance::devices_converge_through_a_server(
            &mut server,
            &mut [&mut a, &mut b],
            seed,
        );
        assert!(r.pulled > 0 && r.pushed > 0, "seed {seed}: {r:?}");
        moved += r.moved;
    }
    assert!(moved > 0);
}

#[test]
fn a_server_refuses_an_altered_entry() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut device = casefile_store_sqlite::SqliteStore::open(&dir.path().join("d.db")).unwrap();
    let mut server = workspace();
    casefile_store::conformance::a_server_refuses_an_altered_entry(&mut server, &mut device);
}

#[test]
fn a_journal_from_before_series_grows_and_syncs() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let open = |n: &str| casefile_store_sqlite::SqliteStore::open(&dir.path().join(n)).unwrap();
    let (mut device, mut other) = (open("d.db"), open("o.db"));
    let mut server = workspace();
    casefile_store::conformance::a_journal_from_before_series_grows_and_syncs(
        &mut server,
        &mut device,
        &mut other,
    );
}
