//! Exhibits: an attached file is kept whole beside the journal, once however
//! often it is attached; `verify` checks each copy against the fingerprint
//! the journal recorded; `bundle` gathers the printable record and every
//! exhibit, named by the entry that attached it, into one .zip.

mod common;

use std::io::Read;

use common::Env;

fn kept_dir(env: &Env) -> std::path::PathBuf {
    env.db.with_file_name("casefile.exhibits")
}

#[test]
fn attached_files_are_kept_checked_and_bundled() {
    let env = Env::new();
    env.open_router_case();
    let receipt = env.dir.path().join("receipt.pdf");
    std::fs::write(&receipt, b"%PDF-1.4 the receipt for order A-1001").unwrap();
    let photo = env.dir.path().join("router photo.jpg");
    std::fs::write(&photo, [0xffu8, 0xd8, 0xff, 0xe0, 1, 2, 3]).unwrap();
    let said = env.ok(&["attach", "1", receipt.to_str().unwrap()]);
    assert!(said.contains("A copy is kept"), "{said}");
    env.ok(&["attach", "1", receipt.to_str().unwrap()]);
    env.ok(&["attach", "1", photo.to_str().unwrap()]);
    // Two files kept for three attachments: the same content once.
    let kept: Vec<_> = std::fs::read_dir(kept_dir(&env)).unwrap().collect();
    assert_eq!(kept.len(), 2);
    let ok = env.ok(&["verify"]);
    assert!(
        ok.contains("3 exhibit(s) kept, each matching its fingerprint"),
        "{ok}"
    );

    // The bundle: the record, each exhibit by the entry that attached it, the index.
    let zip_path = env.dir.path().join("bundle.zip");
    let said = env.ok(&["bundle", "1", "--output", zip_path.to_str().unwrap()]);
    assert!(
        said.contains("the record of case 1 and 3 exhibit(s)"),
        "{said}"
    );
    let mut z = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = z.file_names().map(str::to_string).collect();
    assert_eq!(
        names,
        [
            "record.html",
            "exhibits/8-receipt.pdf",
            "exhibits/9-receipt.pdf",
            "exhibits/10-router photo.jpg",
            "exhibits/index.txt"
        ]
    );
    let mut pdf = Vec::new();
    z.by_name("exhibits/8-receipt.pdf")
        .unwrap()
        .read_to_end(&mut pdf)
        .unwrap();
    assert_eq!(pdf, b"%PDF-1.4 the receipt for order A-1001");
    let mut record = String::new();
    z.by_name("record.html")
        .unwrap()
        .read_to_string(&mut record)
        .unwrap();
    assert!(record.contains("Router refund") && record.contains("Attached receipt.pdf"));
    assert!(
        !record.contains("8812 4471 09"),
        "sensitive values stay masked"
    );

    // A kept copy changed: verify names it and fails; the bundle leaves it out.
    let photo_sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest([0xffu8, 0xd8, 0xff, 0xe0, 1, 2, 3]))
    };
    std::fs::write(kept_dir(&env).join(&photo_sha), b"something else").unwrap();
    let out = env.run(&["verify"]);
    assert_eq!(out.status.code(), Some(6));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("case 1, entry #10: the kept copy of router photo.jpg no longer matches"),
        "{said}"
    );
    let said = env.ok(&["bundle", "1", "--output", zip_path.to_str().unwrap()]);
    assert!(
        said.contains("Not included: router photo.jpg (#10)"),
        "{said}"
    );

    // A copy removed: said, not a failure (older files were never kept).
    std::fs::remove_file(kept_dir(&env).join(&photo_sha)).unwrap();
    let said = env.ok(&["verify"]);
    assert!(
        said.contains("Note: no copy of router photo.jpg (case 1, #10) is kept"),
        "{said}"
    );

    // The default name, in the current folder.
    let out = env
        .cmd(&["bundle", "1"])
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(env.dir.path().join("case-1.zip").exists());
}
