//! Import and use of real CFPB complaints (testdata/cfpb, copied from shared/data), and every kind of
//! bad file.

use std::collections::HashMap;
use std::path::PathBuf;

use casefile_intel::*;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cfpb/complaints-sample.csv")
}

fn fresh() -> (tempfile::TempDir, Intel) {
    let dir = tempfile::tempdir().unwrap();
    let intel = Intel::open(&dir.path().join("intel.db")).unwrap();
    (dir, intel)
}

fn import_str(intel: &Intel, csv: &str) -> Result<ImportReport> {
    intel.import(csv.as_bytes(), &mut |_| {})
}

/// A file holding `csv` imported, closed, to be changed by hand.
fn imported(csv: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, intel) = fresh();
    import_str(&intel, csv).unwrap();
    drop(intel);
    let path = dir.path().join("intel.db");
    (dir, path)
}

/// Rows of the sample, read independently of the importer.
fn sample_rows() -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(sample()).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .map(str::to_string)
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

#[test]
fn the_real_sample_imports_whole_and_again_changes_nothing() {
    let (_d, intel) = fresh();
    let mut last_progress = 0;
    let file = std::fs::File::open(sample()).unwrap();
    let size = file.metadata().unwrap().len();
    let r = intel.import(file, &mut |n| last_progress = n).unwrap();
    let expected = sample_rows().len() as u64;
    assert_eq!(
        (r.rows, r.inserted, r.bad),
        (expected, expected, 0),
        "{r:?}"
    );
    assert_eq!(r.columns_used.len(), 18);
    assert!(r.columns_missing.is_empty() && r.columns_ignored.is_empty());
    assert_eq!(last_progress, size, "progress reaches the end of the file");
    assert_eq!(intel.count().unwrap(), expected);

    // A narrative with embedded newlines comes through intact.
    let rows = sample_rows();
    let with_newline = rows
        .iter()
        .find(|r| r["Consumer complaint narrative"].contains('\n'))
        .expect("a multi-line narrative");
    let id: i64 = with_newline["Complaint ID"].parse().unwrap();
    let got = intel
        .similar(&with_newline["Consumer complaint narrative"], None, 5)
        .unwrap();
    assert_eq!(got.matches[0].id, id, "a narrative finds itself first");

    let again = intel
        .import(std::fs::File::open(sample()).unwrap(), &mut |_| {})
        .unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, expected)
    );
    assert_eq!(intel.count().unwrap(), expected);
}

#[test]
fn a_newer_export_updates_in_place() {
    let (_d, intel) = fresh();
    import_str(&intel, "Complaint ID,Company,Company response to consumer\n1,Acme Bank,In progress\n2,Acme Bank,In progress\n").unwrap();
    let r = import_str(&intel, "Complaint ID,Company,Company response to consumer\n1,Acme Bank,Closed with monetary relief\n2,Acme Bank,In progress\n3,Acme Bank,Closed\n").unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (1, 1, 1));
    assert_eq!(intel.count().unwrap(), 3);
    let Lookup::Found(card) = intel.company(&["acme bank".into()]).unwrap() else {
        panic!()
    };
    assert_eq!(card.complaints, 3);
    // One of the two with a final answer; the one in progress is left out.
    assert_eq!((card.closed, card.monetary), (2, 1));
    assert!((card.monetary_relief - 50.0).abs() < 0.01);
}

#[test]
fn subsets_and_variants_of_the_export_are_read_by_header_name() {
    let (_d, intel) = fresh();
    // The API's snake_case names, in another order, with 1/0 and US dates.
    let csv = "company,complaint_id,date_received,timely,consumer_disputed,complaint_what_happened,extra_column\n\
               \"WELLS FARGO & COMPANY\",10,03/18/2020,1,0,\"My \"\"escrow\"\" was wrong\nfor months\",x\n\
               Wells Fargo & Company,11,2020-03-19T12:00:00-05:00,0,,,y\n";
    let r = import_str(&intel, csv).unwrap();
    assert_eq!((r.inserted, r.bad), (2, 0), "{r:?}");
    assert!(
        r.columns_used
            .contains(&"Consumer complaint narrative".to_string())
    );
    assert_eq!(r.columns_ignored, ["extra_column"]);
    assert!(r.columns_missing.contains(&"Product".to_string()));
    let Lookup::Found(card) = intel.company(&["wells fargo".into()]).unwrap() else {
        panic!()
    };
    assert_eq!(card.complaints, 2);
    assert_eq!(card.timely, Some(50.0));
    assert_eq!(card.disputed, Some(0.0), "one known, not disputed");
    assert_eq!(card.by_year, [(2020, 2)]);
    assert_eq!(parse_date("3/8/20").as_deref(), Some("2020-03-08"));
    assert_eq!(parse_flag("N/A"), Some(None));
    assert_eq!(parse_flag("maybe"), None);
}

#[test]
fn broken_rows_are_reported_by_line_and_the_rest_goes_in() {
    let (_d, intel) = fresh();
    let csv = "Complaint ID,Company,Date received,Timely response?\n\
               1,Acme,2020-01-01,Yes\n\
               2,Acme,2020-01-02,Yes,surplus\n\
               three,Acme,2020-01-03,Yes\n\
               4,Acme,the first of May,Yes\n\
               5,,2020-01-05,Yes\n\
               6,Acme,2020-01-06,perhaps\n\
               7,Acme,2020-01-07,No\n";
    let r = import_str(&intel, csv).unwrap();
    assert_eq!((r.rows, r.inserted, r.bad), (7, 2, 5), "{r:?}");
    let lines: Vec<u64> = r.bad_rows.iter().map(|b| b.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7]);
    assert!(
        r.bad_rows[0]
            .reason
            .contains("5 fields where the header has 4"),
        "{:?}",
        r.bad_rows[0]
    );
    assert!(r.bad_rows[1].reason.contains("'three' is not a number"));
    assert!(r.bad_rows[2].reason.contains("not a date"));
    assert!(r.bad_rows[3].reason.contains("names no company"));
    assert!(r.bad_rows[4].reason.contains("not yes or no"));
}

#[test]
fn empty_and_foreign_files_are_refused_with_reasons() {
    let (_d, intel) = fresh();
    assert!(matches!(import_str(&intel, ""), Err(IntelError::Empty)));
    let header_only = import_str(&intel, "Complaint ID,Company\n").unwrap();
    assert_eq!(header_only.rows, 0);
    match import_str(
        &intel,
        "{\"format\":\"casefile-journal\",\"version\":1}\n{\"id\":1}\n",
    ) {
        Err(IntelError::Foreign { what, hint }) => {
            assert_eq!(what, "a casefile journal export");
            assert!(hint.contains("casefile import"));
        }
        other => panic!("{other:?}"),
    }
    let binary: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
    assert!(intel.import(&binary[..], &mut |_| {}).is_err());
    match import_str(&intel, "Date received,Product\n2020-01-01,Mortgage\n") {
        Err(e @ IntelError::NotCfpb { .. }) => assert!(
            e.to_string().contains("'Company'") && e.to_string().contains("Date received"),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        intel.count().unwrap(),
        0,
        "nothing written by refused files"
    );
}

#[test]
fn a_name_that_begins_several_companies_asks_which() {
    let (_d, intel) = fresh();
    import_str(
        &intel,
        "Complaint ID,Company\n1,Acme Bank N.A.\n2,Acme Loans LLC\n3,Acme Loans LLC\n",
    )
    .unwrap();
    match intel.company(&["ACME".into()]).unwrap() {
        // Most complaints first.
        Lookup::Ambiguous { candidates } => {
            assert_eq!(candidates, ["Acme Loans LLC", "Acme Bank N.A."])
        }
        other => panic!("{other:?}"),
    }
    let Lookup::Found(card) = intel.company(&["acme loans".into()]).unwrap() else {
        panic!()
    };
    assert_eq!(card.complaints, 2);
}

#[test]
fn the_scorecard_matches_the_file() {
    let (_d, intel) = fresh();
    intel
        .import(std::fs::File::open(sample()).unwrap(), &mut |_| {})
        .unwrap();
    let rows = sample_rows();
    let theirs: Vec<_> = rows
        .iter()
        .filter(|r| r["Company"] == "WELLS FARGO & COMPANY")
        .collect();
    let relief = theirs
        .iter()
        .filter(|r| r["Company response to consumer"] == "Closed with monetary relief")
        .count();
    let Lookup::Found(card) = intel.company(&["Wells Fargo".into()]).unwrap() else {
        panic!("not found")
    };
    assert_eq!(card.company, "WELLS FARGO & COMPANY");
    assert_eq!(card.complaints, theirs.len() as u64);
    // Of the complaints with a final answer: "In progress" is not one.
    let closed = theirs
        .iter()
        .filter(|r| !["", "In progress"].contains(&r["Company response to consumer"].as_str()))
        .count();
    assert!(closed < theirs.len(), "the sample has one in progress");
    assert_eq!((card.closed, card.monetary), (closed as u64, relief as u64));
    assert!((card.monetary_relief - relief as f64 * 100.0 / closed as f64).abs() < 1e-9);
    // By year and by product, the counts add up to the whole.
    assert_eq!(
        card.years.iter().map(|y| y.complaints).sum::<u64>(),
        card.complaints
    );
    assert_eq!(
        card.years.iter().map(|y| y.monetary).sum::<u64>(),
        card.monetary
    );
    assert_eq!(
        card.by_product.iter().map(|l| l.closed).sum::<u64>(),
        card.closed
    );
    let managing = theirs
        .iter()
        .filter(|r| r["Issue"] == "Managing an account")
        .collect::<Vec<_>>();
    let line = card
        .by_issue
        .iter()
        .find(|l| l.name == "Managing an account")
        .unwrap();
    assert_eq!(line.complaints, managing.len() as u64);
    assert_eq!(
        line.monetary,
        managing
            .iter()
            .filter(|r| r["Company response to consumer"] == "Closed with monetary relief")
            .count() as u64
    );
    let timely = theirs
        .iter()
        .filter(|r| r["Timely response?"] == "Yes")
        .count();
    assert_eq!(card.timely_yes, timely as u64);
    let dates: Vec<&str> = theirs.iter().map(|r| r["Date received"].as_str()).collect();
    assert_eq!(card.first_received.as_deref(), dates.iter().min().copied());
    assert_eq!(card.last_received.as_deref(), dates.iter().max().copied());
    assert_eq!(
        card.by_year.iter().map(|y| y.1).sum::<u64>(),
        theirs.len() as u64
    );
    assert!(card.products[0].count >= card.products.last().unwrap().count);
    // Forgiving names: case, legal forms, the first words alone.
    for name in ["wells fargo & co", "WELLS FARGO, INC.", "Wells Fargo"] {
        assert!(
            matches!(intel.company(&[name.into()]).unwrap(), Lookup::Found(_)),
            "{name}"
        );
    }
    assert!(matches!(
        intel.company(&["Globex".into()]).unwrap(),
        Lookup::NotFound
    ));
    // Similar complaints at one company only.
    let at = intel
        .match_company(&["wells fargo".into()])
        .unwrap()
        .unwrap();
    let sim = intel
        .similar(
            "mortgage escrow payment was misapplied and late fees charged",
            Some(&at),
            5,
        )
        .unwrap();
    assert!(
        !sim.matches.is_empty()
            && sim
                .matches
                .iter()
                .all(|m| m.company == "WELLS FARGO & COMPANY")
    );
    assert!(sim.outcomes.iter().map(|o| o.count).sum::<u64>() >= sim.matches.len() as u64);
}

#[test]
fn a_version_1_database_upgrades_in_place() {
    let (_dir, path) = imported(
        "Complaint ID,Company,Consumer complaint narrative\n1,Acme Bank,The escrow was misapplied\n2,Acme Bank,Late fees charged twice\n",
    );
    // Take the file back to version 1: a text index without the company, no counts.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TRIGGER complaints_ai; DROP TRIGGER complaints_ad; DROP TRIGGER complaints_au; DROP TABLE complaint_vocab; DROP TABLE complaint_text;
             DROP TABLE company_stats;
             CREATE VIRTUAL TABLE complaint_text USING fts5(narrative, issue, product, content = 'complaints', content_rowid = 'id');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let intel = Intel::open(&path).unwrap();
    let Lookup::Found(card) = intel.company(&["acme bank".into()]).unwrap() else {
        panic!("not found after the upgrade")
    };
    assert_eq!(card.complaints, 2);
    let at = intel.match_company(&["acme".into()]).unwrap().unwrap();
    assert_eq!(
        intel
            .similar("escrow misapplied", Some(&at), 5)
            .unwrap()
            .matches[0]
            .id,
        1
    );
}

#[test]
fn a_version_2_database_keeps_its_total_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("intel.db");
    {
        let intel = Intel::open(&path).unwrap();
        import_str(
            &intel,
            "Complaint ID,Company,Date received\n1,Acme Bank,2019-03-02\n2,Acme Bank,2020-07-09\n3,Other Co,2018-01-01\n",
        )
        .unwrap();
        assert_eq!(intel.count().unwrap(), 3);
    }
    // Version 2 had no table of totals, and no days in its counts.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DROP TABLE totals; ALTER TABLE company_stats DROP COLUMN first; ALTER TABLE company_stats DROP COLUMN last;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    let intel = Intel::open(&path).unwrap();
    assert_eq!(intel.count().unwrap(), 3);
    let kept: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT complaints FROM totals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 3, "the upgrade fills the total from the counts");
    let Lookup::Found(card) = intel.company(&["acme bank".into()]).unwrap() else {
        panic!("not found after the upgrade")
    };
    assert_eq!(
        (
            card.first_received.as_deref(),
            card.last_received.as_deref()
        ),
        (Some("2019-03-02"), Some("2020-07-09")),
        "the company's first and last days come from its counts"
    );
    // A later import keeps it true.
    import_str(&intel, "Complaint ID,Company\n4,Acme Bank\n").unwrap();
    assert_eq!(intel.count().unwrap(), 4);
}

/// Words with how many complaints hold each.
type Counts = Vec<(String, i64)>;

/// Each word's count of complaints as kept, and as the text index tells it.
fn word_counts(path: &std::path::Path) -> (Counts, Counts) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let read = |sql: &str| -> Counts {
        let mut st = conn.prepare(sql).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    (
        read("SELECT term, complaints FROM word_counts ORDER BY term"),
        read("SELECT term, doc FROM complaint_vocab ORDER BY term"),
    )
}

#[test]
fn each_words_count_of_complaints_follows_every_import() {
    let (dir, intel) = fresh();
    let path = dir.path().join("intel.db");
    // The first import into an empty file takes the bulk path, later ones go row by row.
    import_str(&intel, "Complaint ID,Company,Consumer complaint narrative\n1,Acme Bank,The escrow was misapplied\n2,Acme Bank,Late fees charged twice\n").unwrap();
    let (kept, index) = word_counts(&path);
    assert_eq!(kept, index);
    assert!(kept.contains(&("escrow".into(), 1)), "{kept:?}");
    // A new complaint with the word, and a changed one that loses it.
    import_str(&intel, "Complaint ID,Company,Consumer complaint narrative\n1,Acme Bank,The payment was misapplied\n3,Acme Bank,Escrow shortage again\n4,Acme Bank,My escrow account\n").unwrap();
    let (kept, index) = word_counts(&path);
    assert_eq!(kept, index);
    assert!(kept.contains(&("escrow".into(), 2)), "{kept:?}");
    assert!(kept.contains(&("payment".into(), 1)), "{kept:?}");
    // The search picks its rarest words by these counts.
    let at = intel.match_company(&["acme".into()]).unwrap().unwrap();
    let sim = intel.similar("payment escrow", Some(&at), 5).unwrap();
    assert_eq!(sim.words, ["payment", "escrow"]);
    assert_eq!(sim.matches[0].id, 1);
}

#[test]
fn a_version_3_database_gets_its_word_counts_in_the_upgrade() {
    let (_dir, path) = imported(
        "Complaint ID,Company,Consumer complaint narrative\n1,Acme Bank,The escrow was misapplied\n2,Acme Bank,Escrow and late fees charged twice\n",
    );
    // Version 3 kept no counts of words.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("DROP TABLE word_counts; PRAGMA user_version = 3;")
        .unwrap();
    let intel = Intel::open(&path).unwrap();
    let (kept, index) = word_counts(&path);
    assert_eq!(kept, index);
    assert!(kept.contains(&("escrow".into(), 2)), "{kept:?}");
    let at = intel.match_company(&["acme".into()]).unwrap().unwrap();
    let sim = intel.similar("misapplied escrow", Some(&at), 5).unwrap();
    assert_eq!(sim.words, ["misapplied", "escrow"], "the rarer word first");
    assert_eq!(sim.matches[0].id, 1);
}

#[test]
fn the_schema_is_versioned_and_a_newer_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("intel.db");
    drop(Intel::open(&path).unwrap());
    let version = |p: &std::path::Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        version(&path),
        LATEST,
        "a new file is at the latest version"
    );
    drop(Intel::open(&path).unwrap());
    assert_eq!(version(&path), LATEST, "opening again changes nothing");

    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(&format!("PRAGMA user_version = {};", LATEST + 1))
        .unwrap();
    match Intel::open(&path) {
        Err(e @ IntelError::Newer { .. }) => {
            assert!(e.to_string().contains("newer casefile"), "{e}")
        }
        Err(e) => panic!("refused for the wrong reason: {e}"),
        Ok(_) => panic!("a newer file is refused"),
    }
    assert_eq!(version(&path), LATEST + 1, "and not touched");
}

/// The text index agrees with the rows (SQLite's own check of an FTS5 index).
fn index_is_sound(dir: &tempfile::TempDir) {
    let conn = rusqlite::Connection::open(dir.path().join("intel.db")).unwrap();
    conn.execute_batch(
        "INSERT INTO complaint_text (complaint_text) VALUES ('integrity-check'); PRAGMA integrity_check;",
    )
    .expect("the text index matches the complaints");
}

#[test]
fn an_export_without_complaint_ids_is_keyed_by_content() {
    let (d, intel) = fresh();
    // Eleven columns, no Complaint ID, no issue, no narrative, 1/0 booleans.
    let csv = "Date received,Product,Sub-product,Company,State,ZIP code,Submitted via,Date sent to company,Company response to consumer,Timely response?,Consumer disputed?\n\
               2019-05-01,Mortgage,Conventional,Acme Bank,CA,90210,Web,2019-05-02,Closed with explanation,1,0\n\
               2019-05-03,Mortgage,FHA,Acme Bank,NY,10001,Phone,2019-05-03,Closed with monetary relief,0,\n";
    let r = import_str(&intel, csv).unwrap();
    assert!(r.derived_ids, "{r:?}");
    assert_eq!((r.inserted, r.bad), (2, 0), "{r:?}");
    let again = import_str(&intel, csv).unwrap();
    assert_eq!((again.inserted, again.unchanged), (0, 2), "{again:?}");
    assert_eq!(intel.count().unwrap(), 2);
    let Lookup::Found(card) = intel.company(&["acme bank".into()]).unwrap() else {
        panic!()
    };
    assert_eq!(card.timely, Some(50.0));
    index_is_sound(&d);
}

#[test]
fn a_repeated_id_in_a_first_import_keeps_the_database_sound() {
    let (d, intel) = fresh();
    let csv = "Complaint ID,Company,Date received,Issue\n\
               7,Acme,2020-01-01,Late fee\n\
               7,Acme,2020-01-01,Incorrect information on your report\n\
               7,Other Corp,2021-06-01,Something else\n\
               8,Acme,2020-01-02,Late fee\n";
    let r = import_str(&intel, csv).unwrap();
    // The same complaint twice: the later row updates it. Another company
    // under the same ID: reported by line, the stored one kept.
    assert_eq!((r.inserted, r.updated, r.clashes), (2, 1, 1), "{r:?}");
    let clash = &r.bad_rows[0];
    assert_eq!(clash.line, 4);
    assert!(
        clash.reason.contains("Complaint ID 7") && clash.reason.contains("Acme"),
        "{clash:?}"
    );
    index_is_sound(&d);
    let found = intel
        .similar("incorrect information report", None, 5)
        .unwrap();
    assert_eq!(found.matches.len(), 1, "{found:?}");
    // Later, a row with another date under a stored ID is a clash too.
    let r = import_str(
        &intel,
        "Complaint ID,Company,Date received\n8,Acme,2022-02-02\n",
    )
    .unwrap();
    assert_eq!((r.updated, r.clashes), (0, 1), "{r:?}");
    index_is_sound(&d);
}

#[test]
fn a_narrower_export_never_erases_what_a_fuller_one_brought() {
    let (d, intel) = fresh();
    let full = "Complaint ID,Company,Date received,Issue,Consumer complaint narrative,Company response to consumer\n\
                1,Acme,2020-01-01,Late fee,They charged me twice for the same month,In progress\n";
    import_str(&intel, full).unwrap();
    let narrow = "Complaint ID,Company,Date received,Company response to consumer\n\
                  1,Acme,2020-01-01,Closed with monetary relief\n";
    let r = import_str(&intel, narrow).unwrap();
    assert_eq!(r.updated, 1, "{r:?}");
    let Lookup::Found(card) = intel.company(&["acme".into()]).unwrap() else {
        panic!()
    };
    assert_eq!(card.with_narrative, 1, "the narrative stays");
    assert_eq!(card.issues[0].name, "Late fee");
    assert_eq!(card.responses[0].name, "Closed with monetary relief");
    index_is_sound(&d);
    assert_eq!(
        intel
            .similar("charged twice", None, 5)
            .unwrap()
            .matches
            .len(),
        1
    );
}

#[test]
fn a_file_cut_mid_row_is_reported_and_its_last_row_left_out() {
    let (_d, intel) = fresh();
    let csv = "Complaint ID,Company,Date received,Issue\n\
               1,Acme,2020-01-01,Late fee\n\
               2,Acme,2020-01-02,\"Incorrect inform";
    let r = import_str(&intel, csv).unwrap();
    assert_eq!(r.cut_short, Some(3), "{r:?}");
    assert_eq!((r.inserted, intel.count().unwrap()), (1, 1));
    // A short row in the middle is a bad row, not a cut file.
    let r = import_str(
        &intel,
        "Complaint ID,Company,Date received,Issue\n3,Acme\n4,Acme,2020-01-04,Late fee\n",
    )
    .unwrap();
    assert_eq!((r.cut_short, r.bad, r.inserted), (None, 1, 1), "{r:?}");
}

#[test]
fn gzip_and_tab_separated_exports_are_read_other_kinds_named() {
    use std::io::Write;
    let (_d, intel) = fresh();
    let csv = "Complaint ID,Company,Date received\n1,Acme,2020-01-01\n2,Acme,2020-01-02\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let r = intel.import(&gz[..], &mut |_| {}).unwrap();
    assert_eq!(
        (r.inserted, r.format.clone()),
        (2, vec!["gzip".to_string(), "csv".to_string()])
    );
    let tsv = "Complaint ID\tCompany\tDate received\n3\tAcme, Inc.\t2020-01-03\n";
    let r = import_str(&intel, tsv).unwrap();
    assert_eq!(
        (r.inserted, r.format.clone()),
        (1, vec!["tsv".to_string()]),
        "{r:?}"
    );
    for (bytes, what) in [
        (&b"[{\"complaint_id\": 1}]"[..], "JSON"),
        (
            &b"{\"format\":\"casefile-journal\",\"version\":1}\n"[..],
            "casefile journal",
        ),
        (&b"PK\x03\x04\x14\x00\x00\x00"[..], "zip archive"),
        (&b"%PDF-1.7\n"[..], "PDF"),
    ] {
        match intel.import(bytes, &mut |_| {}) {
            Err(e @ IntelError::Foreign { .. }) => assert!(e.to_string().contains(what), "{e}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    assert_eq!(intel.count().unwrap(), 3);
}

#[test]
fn names_people_say_find_the_company_best_supported() {
    let (_d, intel) = fresh();
    intel
        .import(std::fs::File::open(sample()).unwrap(), &mut |_| {})
        .unwrap();
    let found = |name: &str| match intel.company(&[name.to_string()]).unwrap() {
        Lookup::Found(card) => card,
        other => panic!("{name}: {other:?}"),
    };
    for (said, filed) in [
        ("citi", "CITIBANK, N.A."),
        ("chase", "JPMORGAN CHASE & CO."),
        ("JP Morgan", "JPMORGAN CHASE & CO."),
        ("BofA", "BANK OF AMERICA, NATIONAL ASSOCIATION"),
        ("american express", "AMERICAN EXPRESS COMPANY"),
        ("experian", "Experian Information Solutions Inc."),
        ("ocwen", "Ocwen Financial Corporation"),
    ] {
        assert_eq!(found(said).company, filed, "{said}");
    }
    // The others it could have meant are named.
    let citi = found("citi");
    assert!(
        citi.others
            .iter()
            .any(|o| o.name == "CITIZENS FINANCIAL GROUP, INC." && o.complaints == 16),
        "{:?}",
        citi.others
    );
}

#[test]
fn a_company_is_one_across_the_exports_eras() {
    let (_d, intel) = fresh();
    let csv = "Complaint ID,Company,Date received,Product\n\
               1,EXPERIAN,2015-01-01,Credit reporting\n\
               2,EXPERIAN,2016-01-01,Credit reporting\n\
               3,Experian Information Solutions Inc.,2019-01-01,\"Credit reporting, credit repair services, or other personal consumer reports\"\n\
               4,Citi,2019-01-01,Credit card\n\
               5,\"CITIBANK, N.A.\",2019-01-02,Bank account or service\n\
               6,\"CITIBANK, N.A.\",2019-01-03,Checking or savings account\n\
               7,\"CITIBANK, N.A.\",2019-01-04,Checking or savings account\n\
               8,\"CITIBANK, N.A.\",2019-01-05,Checking or savings account\n\
               9,\"CITIBANK, N.A.\",2019-01-06,Checking or savings account\n\
               10,\"CITIBANK, N.A.\",2019-01-07,Checking or savings account\n\
               11,\"CITIBANK, N.A.\",2019-01-08,Checking or savings account\n\
               12,\"CITIBANK, N.A.\",2019-01-09,Checking or savings account\n\
               13,\"CITIBANK, N.A.\",2019-01-10,Checking or savings account\n\
               14,\"CITIBANK, N.A.\",2019-01-11,Checking or savings account\n";
    import_str(&intel, csv).unwrap();
    let Lookup::Found(experian) = intel.company(&["experian".into()]).unwrap() else {
        panic!()
    };
    assert_eq!(experian.complaints, 3, "both names, one company");
    // Product names from before 2017 count with their successors.
    assert_eq!(experian.products.len(), 1, "{:?}", experian.products);
    assert_eq!(experian.products[0].count, 3);
    // An exact name with a tenth of another match's complaints gives way.
    let Lookup::Found(citi) = intel.company(&["citi".into()]).unwrap() else {
        panic!()
    };
    assert_eq!(
        (citi.company.as_str(), citi.complaints),
        ("CITIBANK, N.A.", 10)
    );
    assert_eq!(citi.products[0].name, "Checking or savings account");
    assert_eq!(citi.products[0].count, 10);
    assert!(
        citi.others.iter().any(|o| o.name == "Citi"),
        "{:?}",
        citi.others
    );
    assert_eq!(
        product_now("Bank account or service"),
        "Checking or savings account"
    );
}

/// Reads `bytes`, then stops the import the way a kill would (mid-batch,
/// with nothing after it run), or with a read error when `fails`.
struct StopsAfter {
    bytes: std::io::Cursor<Vec<u8>>,
    at: u64,
    fails: bool,
}

impl std::io::Read for StopsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.bytes.position() >= self.at {
            if self.fails {
                return Err(std::io::Error::other("the disk went away"));
            }
            panic!("stopped");
        }
        let room = (self.at - self.bytes.position()) as usize;
        let n = room.min(buf.len());
        std::io::Read::read(&mut self.bytes, &mut buf[..n])
    }
}

/// `n` complaints at Acme Bank, one in a thousand about a misapplied escrow.
/// How many of Acme Bank's complaints a search for "escrow" finds (up to 50).
fn acme_escrow(intel: &Intel) -> usize {
    let at = intel.match_company(&["acme".into()]).unwrap().unwrap();
    intel
        .similar("escrow", Some(&at), 50)
        .unwrap()
        .matches
        .len()
}

fn acme_rows(n: u32) -> String {
    let mut csv = String::from("Complaint ID,Company,Consumer complaint narrative\n");
    for i in 1..=n {
        let words = if i % 1000 == 5 {
            "escrow misapplied"
        } else {
            "late fees"
        };
        csv.push_str(&format!("{i},Acme Bank,My {words} number {i}\n"));
    }
    csv
}

#[test]
fn a_first_import_stopped_midway_is_finished_by_the_next() {
    let (dir, intel) = fresh();
    let csv = acme_rows(30_000);
    // Stopped after the first batch of rows was written, before the index was built.
    let stop = csv.find("\n25000,").unwrap() as u64;
    let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        intel.import(
            StopsAfter {
                bytes: std::io::Cursor::new(csv.clone().into_bytes()),
                at: stop,
                fails: false,
            },
            &mut |_| {},
        )
    }));
    assert!(stopped.is_err(), "the import was stopped");
    drop(intel);
    let path = dir.path().join("intel.db");
    let intel = Intel::open(&path).unwrap();
    assert!(intel.unfinished().unwrap(), "the stop is known");
    let stored: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))
        .unwrap();
    assert!(stored > 19_000, "the first batch was kept: {stored}");

    // The same export again: the rows kept are matched, the rest added, the index built.
    let r = import_str(&intel, &csv).unwrap();
    assert_eq!(r.inserted + r.unchanged, 30_000);
    assert_eq!(r.unchanged as i64, stored);
    assert!(!intel.unfinished().unwrap());
    assert_eq!(intel.count().unwrap(), 30_000);
    index_is_sound(&dir);
    let (kept, index) = word_counts(&path);
    assert_eq!(kept, index);
    assert!(kept.contains(&("escrow".into(), 30)), "{kept:?}");
    let at = intel.match_company(&["acme".into()]).unwrap().unwrap();
    let sim = intel.similar("escrow misapplied", Some(&at), 50).unwrap();
    assert_eq!(
        sim.matches.len(),
        30,
        "the rows from before the stop are searchable too"
    );
    // And later imports index row by row again.
    import_str(
        &intel,
        "Complaint ID,Company,Consumer complaint narrative\n40001,Acme Bank,escrow once more\n",
    )
    .unwrap();
    assert_eq!(acme_escrow(&intel), 31);
    index_is_sound(&dir);
}

#[test]
fn a_file_that_cannot_be_read_on_leaves_what_came_before_searchable() {
    let (dir, intel) = fresh();
    let csv = acme_rows(25_000);
    let at = csv.find("\n24000,").unwrap() as u64 + 1;
    let read = StopsAfter {
        bytes: std::io::Cursor::new(csv.into_bytes()),
        at,
        fails: true,
    };
    match intel.import(read, &mut |_| {}) {
        Err(IntelError::NotCsv(e)) => assert!(e.contains("the disk went away"), "{e}"),
        other => panic!("a read error is reported: {other:?}"),
    }
    // Importing the same broken file again would stop at the same place:
    // the rows before it are finished now, not left for a next import.
    assert!(!intel.unfinished().unwrap());
    assert_eq!(intel.count().unwrap(), 23_999);
    index_is_sound(&dir);
    assert_eq!(acme_escrow(&intel), 24);
}

#[test]
fn an_import_while_another_writes_is_told_so() {
    let (dir, intel) = fresh();
    import_str(&intel, "Complaint ID,Company\n1,Acme Bank\n").unwrap();
    let other = rusqlite::Connection::open(dir.path().join("intel.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    match import_str(&intel, "Complaint ID,Company\n2,Acme Bank\n") {
        Err(e @ IntelError::Busy) => assert!(e.to_string().contains("another import"), "{e}"),
        other => panic!("a locked file is named as such: {other:?}"),
    }
    other.execute_batch("ROLLBACK").unwrap();
    import_str(&intel, "Complaint ID,Company\n2,Acme Bank\n").unwrap();
    assert_eq!(intel.count().unwrap(), 2);
}

/// Rows of `sql` on the file at `path`, sorted, as text.
fn rows_of(path: &std::path::Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    let n = st.column_count();
    let mut rows: Vec<String> = st
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(|v| v.join("|"))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    rows.sort();
    rows
}

#[test]
fn a_first_import_indexes_and_counts_beside_the_load_as_row_by_row_would() {
    // A first import into an empty file: its text index is built on a
    // second thread and its counts folded as the rows pass.
    let (dir, intel) = fresh();
    let beside = dir.path().join("intel.db");
    intel
        .import(std::fs::File::open(sample()).unwrap(), &mut |_| {})
        .unwrap();
    assert!(!intel.unfinished().unwrap());
    assert!(
        rows_of(
            &beside,
            "SELECT v FROM complaint_text_config WHERE k = 'hashsize'"
        )
        .is_empty(),
        "built beside the load (a rebuild in place sets the index's hash size)"
    );
    index_is_sound(&dir);
    let (kept, index) = word_counts(&beside);
    assert_eq!(kept, index);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("text-build")),
        "the scratch index is gone: {names:?}"
    );
    assert_eq!(
        rows_of(&beside, "PRAGMA journal_mode"),
        ["Text(\"wal\")"],
        "the file is back in WAL mode"
    );
    // The counts are the ones the table groups to.
    assert_eq!(
        rows_of(
            &beside,
            "SELECT company_norm, company, product, issue, response, year, timely, disputed, narrative, n, first, last FROM company_stats"
        ),
        rows_of(
            &beside,
            "SELECT company_norm, company, product, issue, response, CAST(substr(received, 1, 4) AS INTEGER), timely, disputed, narrative IS NOT NULL, count(*), min(received), max(received) FROM complaints GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
        ),
    );
    assert_eq!(
        rows_of(&beside, "SELECT complaints FROM totals"),
        rows_of(&beside, "SELECT count(*) FROM complaints")
    );

    // The same file into one that holds a complaint already goes row by
    // row through the triggers: the index is the same, word by word and
    // column by column (the first complaint's words aside).
    let (other, intel) = fresh();
    import_str(&intel, "Complaint ID,Company\n999999999,Qqzx Wvvb\n").unwrap();
    intel
        .import(std::fs::File::open(sample()).unwrap(), &mut |_| {})
        .unwrap();
    let by_row = other.path().join("intel.db");
    let vocab =
        "SELECT term, col, doc, cnt FROM complaint_vocab_col WHERE term NOT IN ('qqzx', 'wvvb')";
    for path in [&beside, &by_row] {
        rusqlite::Connection::open(path)
            .unwrap()
            .execute_batch(
                "CREATE VIRTUAL TABLE complaint_vocab_col USING fts5vocab(complaint_text, 'col');",
            )
            .unwrap();
    }
    let words = rows_of(&beside, vocab);
    assert!(words.len() > 1000, "{}", words.len());
    assert_eq!(words, rows_of(&by_row, vocab));
    assert_eq!(
        rows_of(&beside, "SELECT id, sz FROM complaint_text_docsize"),
        rows_of(
            &by_row,
            "SELECT id, sz FROM complaint_text_docsize WHERE id != 999999999"
        )
    );
}

#[test]
fn what_an_older_file_or_a_stopped_import_left_goes_at_the_next_import() {
    let (_dir, path) = imported("Complaint ID,Company\n1,Acme Bank\n");
    let indexes = |path: &std::path::Path| {
        rows_of(
            path,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints'",
        )
    };
    assert!(indexes(&path).is_empty(), "a new file has none");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE INDEX complaints_by_company ON complaints (company_norm, product);")
        .unwrap();
    // And a scratch index left by a first import that was stopped goes too.
    let stale = path.with_file_name("intel.db.text-build");
    std::fs::write(&stale, b"left by a killed import").unwrap();
    let intel = Intel::open(&path).unwrap();
    import_str(&intel, "Complaint ID,Company\n2,Acme Bank\n").unwrap();
    assert!(indexes(&path).is_empty(), "{:?}", indexes(&path));
    assert!(!stale.exists());
    assert_eq!(intel.count().unwrap(), 2);
}

/// Gives its bytes up to `at`, then waits for a word on `go` before the rest.
struct Gate {
    bytes: std::io::Cursor<Vec<u8>>,
    at: u64,
    reached: Option<std::sync::mpsc::Sender<()>>,
    go: std::sync::mpsc::Receiver<()>,
}

impl std::io::Read for Gate {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let pos = self.bytes.position();
        if pos == self.at
            && let Some(reached) = self.reached.take()
        {
            reached.send(()).unwrap();
            self.go.recv().unwrap();
        }
        let room = if pos < self.at {
            ((self.at - pos) as usize).min(buf.len())
        } else {
            buf.len()
        };
        self.bytes.read(&mut buf[..room])
    }
}

#[test]
fn a_second_import_while_a_first_loads_is_refused_and_the_first_finishes_whole() {
    const ONE_MORE: &str =
        "Complaint ID,Company,Consumer complaint narrative\n90001,Acme Bank,escrow\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("intel.db");
    let csv = acme_rows(30_000);
    // The first import waits early in its file: it has begun (its text index
    // is under way) but holds no lock of SQLite's, so only its own stops a
    // second import.
    let at = csv.find("\n3,").unwrap() as u64 + 1;
    let (reached, wait) = std::sync::mpsc::channel();
    let (go, went) = std::sync::mpsc::channel();
    let first = {
        let path = path.clone();
        let gate = Gate {
            bytes: std::io::Cursor::new(csv.clone().into_bytes()),
            at,
            reached: Some(reached),
            go: went,
        };
        std::thread::spawn(move || Intel::open(&path).unwrap().import(gate, &mut |_| {}))
    };
    wait.recv().unwrap();
    let second = Intel::open(&path).unwrap();
    match import_str(&second, ONE_MORE) {
        Err(e @ IntelError::Busy) => assert!(e.to_string().contains("another import"), "{e}"),
        other => panic!("the second import is refused: {other:?}"),
    }
    go.send(()).unwrap();
    let report = first.join().unwrap().unwrap();
    assert_eq!(report.inserted, 30_000);
    assert_eq!(second.count().unwrap(), 30_000);
    index_is_sound(&dir);
    assert_eq!(acme_escrow(&second), 30);
    // Once it is done, the next import goes in.
    import_str(&second, ONE_MORE).unwrap();
    assert_eq!(second.count().unwrap(), 30_001);
    index_is_sound(&dir);
}

/// Whether `company_stats` holds each company's counts together, in the
/// order of its name, and what it holds (sorted, to compare).
fn stats_layout(path: &std::path::Path) -> (bool, Vec<String>) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut st = conn
        .prepare("SELECT company_norm, quote(product), quote(issue), quote(year), n FROM company_stats ORDER BY rowid")
        .unwrap();
    let rows: Vec<(String, String)> = st
        .query_map([], |r| {
            let norm: String = r.get(0)?;
            let rest = format!(
                "{norm}|{}|{}|{}|{}",
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?
            );
            Ok((norm, rest))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let in_order = rows.windows(2).all(|w| w[0].0 <= w[1].0);
    let mut all: Vec<String> = rows.into_iter().map(|r| r.1).collect();
    all.sort();
    (in_order, all)
}

/// The real sample imported into a new file, closed.
fn sample_imported() -> (tempfile::TempDir, PathBuf) {
    let (dir, intel) = fresh();
    intel
        .import(std::fs::File::open(sample()).unwrap(), &mut |_| {})
        .unwrap();
    drop(intel);
    let path = dir.path().join("intel.db");
    (dir, path)
}

/// A scorecard reads a company's counts from one run of pages: a first
/// import writes them in the order of the company's name.
#[test]
fn the_counts_by_company_are_kept_in_the_order_of_its_name() {
    let (_dir, path) = sample_imported();
    let (in_order, rows) = stats_layout(&path);
    assert!(
        in_order,
        "company_stats is not in the order of company_norm"
    );
    assert!(rows.len() > 100, "{}", rows.len());
}

#[test]
fn a_version_4_database_gets_its_counts_in_order_in_the_upgrade() {
    let (_dir, path) = sample_imported();
    let (_, before) = stats_layout(&path);
    // Version 4's first import wrote the counts in no order.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TEMP TABLE s AS SELECT * FROM company_stats ORDER BY company_norm DESC;
             DELETE FROM company_stats; INSERT INTO company_stats SELECT * FROM s;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    assert!(!stats_layout(&path).0);
    let intel = Intel::open(&path).unwrap();
    let (in_order, after) = stats_layout(&path);
    assert!(in_order, "the upgrade puts the counts in order");
    assert_eq!(after, before, "and keeps every one");
    assert!(matches!(
        intel.company(&["wells fargo".into()]).unwrap(),
        Lookup::Found(_)
    ));
}
