//! `casefile assign`, `list --mine` and `due --mine`: who a case is for and
//! the helper working it.

mod common;

use common::Env;

#[test]
fn a_helper_lists_their_own_cases_and_what_is_due() {
    let env = Env::new();
    env.ok(&["open", "Gas bill", "--at", "2026-11-01 09:00"]);
    env.ok(&["open", "Phone plan", "--at", "2026-11-02 09:00"]);
    env.ok(&[
        "followup",
        "1",
        "chase the gas refund",
        "--due",
        "in 2 days",
    ]);
    env.ok(&[
        "followup",
        "2",
        "chase the phone credit",
        "--due",
        "in 2 days",
    ]);
    let out = env.ok(&[
        "assign",
        "1",
        "--helper",
        "Ana@Clinic.org",
        "--client",
        "Mrs Jones",
    ]);
    assert!(out.contains("recorded #3 (case assigned)"), "{out}");
    env.ok(&["assign", "2", "--helper", "bo@clinic.org"]);
    let ana = |args: &[&str]| {
        let mut c = env.cmd(args);
        c.env("CASEFILE_USER", "ana@clinic.org");
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let mine = ana(&["list", "--mine"]);
    assert!(
        mine.contains("Gas bill") && !mine.contains("Phone plan"),
        "{mine}"
    );
    let due = ana(&["due", "--mine"]);
    assert!(
        due.contains("chase the gas refund") && !due.contains("phone"),
        "{due}"
    );
    let theirs = env.json(&["list", "--helper", "bo@clinic.org"]);
    assert_eq!(theirs[0]["title"], "Phone plan");
    assert_eq!(theirs[0]["helper"], "bo@clinic.org");
    let show = env.json(&["show", "1"]);
    assert_eq!(show["state"]["client"], "Mrs Jones");
    assert_eq!(
        show["state"]["helper"], "ana@clinic.org",
        "emails are kept in lower case"
    );
    let timeline = env.ok(&["timeline", "1"]);
    assert!(
        timeline.contains("Worked by ana@clinic.org; for Mrs Jones"),
        "{timeline}"
    );
    // Unassigned, then nothing to change.
    env.ok(&["assign", "1", "--unassign"]);
    assert!(!ana(&["list", "--mine"]).contains("Gas bill"));
    assert_eq!(
        env.json(&["show", "1"])["state"]["client"],
        "Mrs Jones",
        "the client stays"
    );
    let (code, err) = env.fails(&["assign", "1", "--unassign"]);
    assert_eq!(code, 4);
    assert!(err.contains("nothing to change"), "{err}");
}
