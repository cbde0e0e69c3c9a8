//! Email import: .eml files and an mbox archive (in tests/data/mail, written
//! for these tests as mail programs write them: quoted-printable, multipart,
//! HTML only, ISO-8859-1, an attachment, and two broken messages). Each
//! message becomes an email contact, a reply finds its thread's case, a
//! second import adds nothing, a broken message is named and the rest go in.

mod common;

use common::Env;

fn data(name: &str) -> String {
    format!("{}/tests/data/mail/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn mail(env: &Env, args: &[&str]) -> std::process::Output {
    let mut a = vec!["mail", "import"];
    a.extend_from_slice(args);
    env.cmd(&a)
        .env("CASEFILE_ADDRESSES", "alex@example.org")
        .output()
        .unwrap()
}

#[test]
fn messages_become_contacts_in_their_threads_case_once() {
    let env = Env::new();
    env.open_router_case();
    // What I sent: outbound, to the company's address.
    let out = mail(&env, &[&data("my-complaint.eml"), "--case", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Their reply names no case: its In-Reply-To finds it.
    let out = mail(&env, &[&data("refund-reply.eml")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    insta::assert_snapshot!("mail_reply_import", said);
    assert!(
        said.contains("`casefile ref 1 CAS-88120` records it"),
        "{said}"
    );

    let show = env.json(&["show", "1"]);
    let contacts = show["state"]["contacts"].as_array().unwrap();
    let emails: Vec<_> = contacts
        .iter()
        .filter(|c| c["channel"] == "email")
        .collect();
    assert_eq!(emails.len(), 2, "{show}");
    assert_eq!(emails[0]["direction"], "outbound");
    assert_eq!(emails[0]["via"], "support@acme-broadband.example");
    assert_eq!(emails[1]["direction"], "inbound");
    assert_eq!(emails[1]["reps"][0]["rep"]["name"], "Dana Reyes");
    assert_eq!(
        emails[1]["email"]["in_reply_to"], "complaint-1@example.org",
        "{show}"
    );
    // The quoted-printable body, decoded, is in search.
    let hits = env.ok(&["search", "factory", "reset"]);
    assert!(hits.contains("#"), "{hits}");
    // Sent at 09:15 in New York's -05:00: the contact is at that instant.
    let tl = env.json(&["timeline", "1"]);
    let started = tl
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "email_recorded")
        .unwrap();
    assert_eq!(started["at"], "2026-11-02T14:15:00Z", "{started}");

    // Again: nothing added.
    let before = env.journal();
    let out = mail(&env, &[&data("refund-reply.eml")]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported before"));
    assert_eq!(env.journal(), before);
    env.ok(&["verify"]);
}

#[test]
fn an_archive_goes_in_but_for_the_messages_that_cannot_be_read() {
    let env = Env::new();
    env.open_router_case();
    let out = mail(&env, &[&data("acme.mbox"), "--case", "1"]);
    assert_eq!(out.status.code(), Some(4), "some were refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "Message 5 (\"A message with no date\") was not imported: it has no Date header"
        ),
        "{err}"
    );
    assert!(
        err.contains("Message 6 was not imported: it is empty"),
        "{err}"
    );
    assert!(
        err.contains("2 of the messages were not imported (the others were)"),
        "{err}"
    );

    let tl = env.ok(&["timeline", "1"]);
    // Multipart: the plain part. HTML only: text, its blocks apart.
    assert!(
        tl.contains("Your ticket #5521907 is being reviewed"),
        "{tl}"
    );
    assert!(
        tl.contains("Refund issued We have issued a credit of $40.00"),
        "{tl}"
    );
    // ISO-8859-1, body and encoded subject, decoded.
    assert!(tl.contains("Reçu and the refund"), "{tl}");
    assert!(tl.contains("Café receipts"), "{tl}");
    // The attachment by its fingerprint.
    let want = std::fs::read_to_string(data("receipt.pdf.sha256")).unwrap();
    let show = env.json(&["show", "1"]);
    let attachments = show["state"]["attachments"].as_array().unwrap();
    assert_eq!(attachments[0]["name"], "receipt.pdf");
    assert_eq!(attachments[0]["sha256"], want.trim());
    // Mine went out, theirs came in.
    let dirs: Vec<_> = show["state"]["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["direction"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(dirs, ["inbound", "inbound", "outbound", "outbound"]);

    // As JSON: what went in, what was refused and why.
    let out = env
        .cmd(&[
            "--json",
            "mail",
            "import",
            &data("acme.mbox"),
            "--case",
            "1",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"].as_array().unwrap().len(), 0);
    assert_eq!(report["already"].as_array().unwrap().len(), 4);
    assert_eq!(report["refused"][0]["position"], 5);

    // Without a case, a message that answers nothing is refused by name.
    let env2 = Env::new();
    env2.open_router_case();
    let out = mail(&env2, &[&data("my-complaint.eml")]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --case N"));
    let (code, err) = env2.fails(&["mail", "import", "/no/such.eml", "--case", "1"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("cannot read /no/such.eml"), "{err}");
}
