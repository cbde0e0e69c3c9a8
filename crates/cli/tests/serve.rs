//! `casefile serve` as a person starts it: where it may listen, TLS with a
//! self-signed certificate (its fingerprint printed, reused next time), the
//! Secure cookie over HTTPS, and the warning when plain HTTP is forced.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin;
use common::{Kill, free_port};
use sha2::{Digest, Sha256};

/// Starts `casefile serve` with `args` and reads what it prints before serving.
fn serve(db: &std::path::Path, args: &[&str], lines: usize) -> (Kill, Vec<String>) {
    let mut child = Command::new(cargo_bin("casefile"))
        .arg("serve")
        .args(args)
        .env("CASEFILE_DB", db)
        .env("CASEFILE_WEB_KEY", "serve-test-key-0123456789")
        .env("CASEFILE_CONFIG", "/nonexistent/config.toml")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut got = Vec::new();
    for _ in 0..lines {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        got.push(l.trim_end().to_string());
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (Kill(child), got)
}

#[test]
fn another_address_needs_tls_unless_plain_http_is_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(cargo_bin("casefile"))
        .args([
            "serve",
            "--bind",
            "0.0.0.0",
            "--port",
            &free_port().to_string(),
        ])
        .env("CASEFILE_DB", dir.path().join("c.db"))
        .env("CASEFILE_CONFIG", "/nonexistent/config.toml")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("over plain HTTP") && err.contains("--tls-self-signed"),
        "{err}"
    );

    let port = free_port().to_string();
    let mut child = Command::new(cargo_bin("casefile"))
        .args([
            "serve",
            "--bind",
            "0.0.0.0",
            "--allow-plain-http",
            "--port",
            &port,
        ])
        .env("CASEFILE_DB", dir.path().join("c.db"))
        .env("CASEFILE_CONFIG", "/nonexistent/config.toml")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let mut warning = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut warning)
        .unwrap();
    let _server = Kill(child);
    assert!(
        warning.starts_with("warning: serving plain HTTP"),
        "{warning}"
    );
    assert!(
        first.starts_with("casefile is serving at http://") && !first.contains("0.0.0.0"),
        "an address another device can open: {first}"
    );
}

#[test]
fn tls_with_a_self_signed_certificate_made_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let port = free_port().to_string();
    let (server, lines) = serve(&db, &["--tls-self-signed", "--port", &port], 5);
    assert_eq!(
        lines[0],
        format!("casefile is serving at https://127.0.0.1:{port}/pair/serve-test-key-0123456789")
    );
    assert_eq!(
        lines[2],
        format!(
            "Made a self-signed certificate in {}.",
            dir.path().join("tls").display()
        )
    );
    let printed = lines[3]
        .strip_prefix("Certificate fingerprint (SHA-256): ")
        .unwrap()
        .to_string();
    // The fingerprint is the certificate's own.
    let pem = std::fs::read_to_string(dir.path().join("tls/cert.pem")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let fp = Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(printed, fp);

    // Over HTTPS, checked against that certificate, the link lets a browser in
    // with a cookie marked Secure.
    let curl = std::path::Path::new("/usr/bin/curl");
    if curl.exists() {
        let mut got = String::new();
        for _ in 0..50 {
            let out = Command::new(curl)
                .args(["-s", "-o", "/dev/null", "-D", "-", "--cacert"])
                .arg(dir.path().join("tls/cert.pem"))
                .arg(format!(
                    "https://localhost:{port}/pair/serve-test-key-0123456789"
                ))
                .output()
                .unwrap();
            got = String::from_utf8_lossy(&out.stdout).into_owned();
            if !got.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let lower = got.to_lowercase();
        assert!(
            lower.starts_with("http/1.1 303") || lower.starts_with("http/2 303"),
            "{got}"
        );
        assert!(
            lower.contains("set-cookie: casefile_session=") && lower.contains("; secure"),
            "{got}"
        );
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "curl is needed in CI"
        );
    }
    drop(server);

    // Restarted, the same certificate: a phone's trust holds.
    let port = free_port().to_string();
    let (_server, lines) = serve(&db, &["--tls-self-signed", "--port", &port], 4);
    assert!(
        !lines.iter().any(|l| l.starts_with("Made a self-signed")),
        "{lines:?}"
    );
    assert_eq!(
        lines[2],
        format!("Certificate fingerprint (SHA-256): {printed}")
    );
}

#[test]
fn a_certificate_that_cannot_be_used_is_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "not a certificate").unwrap();
    let out = Command::new(cargo_bin("casefile"))
        .args(["serve", "--port", &free_port().to_string(), "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&cert)
        .env("CASEFILE_DB", dir.path().join("c.db"))
        .env("CASEFILE_CONFIG", "/nonexistent/config.toml")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("holds no PEM certificate"), "{err}");
    assert!(out.stdout.is_empty(), "nothing said to be served");
}
