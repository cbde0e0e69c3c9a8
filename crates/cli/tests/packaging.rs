//! The Debian package's files: what packaging/assets.sh makes (a man page
//! per command, the completions) is every file the package metadata in
//! Cargo.toml names, so `bash packaging/deb.sh` cannot build a package with
//! a page or a completion missing. (The .deb itself needs cargo-deb; the
//! script installs it.)

use assert_cmd::cargo::cargo_bin;

#[test]
fn the_package_names_exactly_the_files_the_script_makes() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let manifest: toml::Value =
        toml::from_str(include_str!("../Cargo.toml")).expect("Cargo.toml parses");
    let assets = manifest["package"]["metadata"]["deb"]["assets"]
        .as_array()
        .expect("package.metadata.deb.assets");
    let dir = tempfile::tempdir().unwrap();
    let made = dir.path().join("packaging");
    let out = std::process::Command::new("bash")
        .arg(format!("{root}/packaging/assets.sh"))
        .arg(&made)
        .arg(cargo_bin("casefile"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut checked = 0;
    for a in assets {
        let source = a[0].as_str().unwrap();
        let Some(rest) = source.strip_prefix("target/release/packaging/") else {
            assert_eq!(
                source, "target/release/casefile",
                "the binary, or a made file"
            );
            continue;
        };
        let (folder, pattern) = rest.rsplit_once('/').unwrap();
        let found: Vec<_> = std::fs::read_dir(made.join(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| match pattern.split_once('*') {
                Some((pre, post)) => name.starts_with(pre) && name.ends_with(post),
                None => name == pattern,
            })
            .collect();
        assert!(
            !found.is_empty(),
            "{source} matches nothing the script made"
        );
        if folder == "man" {
            // One page per command and subcommand, and the main page.
            assert!(found.len() > 60, "{found:?}");
            assert!(found.iter().any(|f| f == "casefile.1.gz"));
            assert!(
                found.iter().any(|f| f == "casefile-mail-import.1.gz"),
                "{found:?}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 4, "man pages and three shells' completions");
    let bash = std::fs::read_to_string(made.join("completions/casefile")).unwrap();
    assert!(bash.contains("calendar") && bash.contains("bundle"));
}

/// build.rs links the program at a fixed address on Linux (its start then
/// rewrites no pointer tables), unless the build asked to keep it
/// position-independent.
#[cfg(target_os = "linux")]
#[test]
fn the_program_is_linked_as_build_rs_says() {
    let bin = std::fs::read(cargo_bin("casefile")).unwrap();
    assert_eq!(&bin[..4], b"\x7fELF", "an ELF file");
    // e_type: 2 is an executable at a fixed address, 3 a position-independent one.
    let e_type = u16::from_le_bytes([bin[16], bin[17]]);
    let keep_pie = option_env!("CASEFILE_PIE").is_some_and(|v| !v.is_empty() && v != "0");
    assert_eq!(e_type, if keep_pie { 3 } else { 2 }, "ELF type");
    // Whatever the link, the program starts and answers.
    let out = std::process::Command::new(cargo_bin("casefile"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("casefile "));
}
