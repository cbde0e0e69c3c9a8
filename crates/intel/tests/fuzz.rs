//! Arbitrary and damaged CSV never panics the importer, and whatever it
//! accepts it reports row by row. (cargo fuzz needs a nightly toolchain this
//! project does not have; proptest stands in. More: PROPTEST_CASES=100000.)

use casefile_intel::Intel;
use proptest::prelude::*;

const HEADER: &str =
    "Complaint ID,Company,Date received,Timely response?,Consumer complaint narrative\n";

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        let intel = Intel::open(&dir.path().join("i.db")).unwrap();
        let _ = intel.import(&bytes[..], &mut |_| {});
    }

    #[test]
    fn damaged_rows_are_counted_and_the_rest_imported(rows in prop::collection::vec("[0-9A-Za-z,\"\\n /:-]{0,60}", 0..30)) {
        let dir = tempfile::tempdir().unwrap();
        let intel = Intel::open(&dir.path().join("i.db")).unwrap();
        let mut csv = HEADER.to_string();
        for r in &rows {
            csv.push_str(r);
            csv.push('\n');
        }
        if let Ok(report) = intel.import(csv.as_bytes(), &mut |_| {}) {
            prop_assert_eq!(report.rows, report.inserted + report.updated + report.unchanged + report.bad);
            prop_assert!(intel.count().unwrap() <= report.inserted + report.updated + report.unchanged);
            prop_assert!(report.bad_rows.iter().all(|b| b.line >= 2));
        }
    }
}
