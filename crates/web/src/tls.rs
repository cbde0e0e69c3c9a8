//! TLS for a server that other machines reach: a certificate and key given,
//! or a self-signed one made once and kept, whose fingerprint the terminal
//! prints so a phone can check what it is trusting.

use std::path::{Path, PathBuf};

use casefile_app::error::{Error, Exit, Result};
use sha2::{Digest, Sha256};

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Plain HTTP (loopback, or forced).
    Off,
    /// PEM files given.
    Files { cert: PathBuf, key: PathBuf },
    /// Made once and kept in this folder, then reused.
    SelfSigned { dir: PathBuf },
}

/// A certificate and key in PEM, ready to serve, with the certificate's fingerprint.
pub struct Loaded {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
    pub fingerprint: String,
    /// Where a new self-signed certificate was written, if one was made now.
    pub made: Option<PathBuf>,
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::invalid(format!(
            "the TLS {what} {} cannot be read: {e}",
            path.display()
        ))
        .hint("give PEM files with --tls-cert and --tls-key, or use --tls-self-signed")
    })
}

/// The certificate's SHA-256, as browsers show it (AB:CD:...).
pub fn fingerprint(cert_pem: &[u8]) -> Result<String> {
    let der = rustls_pemfile_first_cert(cert_pem)?;
    Ok(Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// The first certificate of a PEM file, as DER.
fn rustls_pemfile_first_cert(pem: &[u8]) -> Result<Vec<u8>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem)
        .next()
        .and_then(|c| c.ok())
        .map(|c| c.to_vec())
        .ok_or_else(|| {
            Error::invalid("the TLS certificate file holds no PEM certificate")
                .hint("it should begin with -----BEGIN CERTIFICATE-----")
        })
}

impl Tls {
    pub fn is_on(&self) -> bool {
        *self != Tls::Off
    }

    /// Reads the files, or makes (once) and reads the self-signed pair.
    /// `names` are the host names and addresses the certificate is for.
    pub fn load(&self, names: &[String]) -> Result<Option<Loaded>> {
        match self {
            Tls::Off => Ok(None),
            Tls::Files { cert, key } => {
                let (c, k) = (read(cert, "certificate")?, read(key, "key")?);
                let fingerprint = fingerprint(&c)?;
                Ok(Some(Loaded {
                    cert: c,
                    key: k,
                    fingerprint,
                    made: None,
                }))
            }
            Tls::SelfSigned { dir } => {
                let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
                let mut made = None;
                if !cert.exists() || !key.exists() {
                    let pair = rcgen::generate_simple_self_signed(names.to_vec()).map_err(|e| {
                        Error::new(
                            Exit::Internal,
                            format!("a certificate could not be made: {e}"),
                        )
                    })?;
                    std::fs::create_dir_all(dir).map_err(|e| {
                        Error::new(
                            Exit::Database,
                            format!("cannot create {}: {e}", dir.display()),
                        )
                    })?;
                    write_private(&key, pair.key_pair.serialize_pem().as_bytes())?;
                    std::fs::write(&cert, pair.cert.pem()).map_err(|e| {
                        Error::new(
                            Exit::Database,
                            format!("cannot write {}: {e}", cert.display()),
                        )
                    })?;
                    made = Some(dir.clone());
                }
                let (c, k) = (read(&cert, "certificate")?, read(&key, "key")?);
                let fingerprint = fingerprint(&c)?;
                Ok(Some(Loaded {
                    cert: c,
                    key: k,
                    fingerprint,
                    made,
                }))
            }
        }
    }
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| {
            Error::new(
                Exit::Database,
                format!("cannot write {}: {e}", path.display()),
            )
        })
}

/// A QR code of `text` for a terminal: two rows of modules per line, dark on light.
pub fn qr_for_terminal(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// A QR code of `text` as an SVG element, for a page.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let tls = Tls::SelfSigned {
            dir: dir.path().join("tls"),
        };
        let first = tls.load(&["localhost".into()]).unwrap().unwrap();
        assert!(first.made.is_some());
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        let again = tls.load(&["localhost".into()]).unwrap().unwrap();
        assert!(again.made.is_none(), "reused, so a phone's trust holds");
        assert_eq!(first.fingerprint, again.fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("tls/key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key is its owner's only");
        }
    }

    #[test]
    fn bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let e = Tls::Files {
            cert: junk.clone(),
            key: junk,
        }
        .load(&[])
        .err()
        .unwrap();
        assert!(
            e.message.contains("holds no PEM certificate"),
            "{}",
            e.message
        );
        let e = Tls::Files {
            cert: dir.path().join("missing.pem"),
            key: dir.path().join("missing.key"),
        }
        .load(&[])
        .err()
        .unwrap();
        assert!(
            e.message.contains("missing.pem cannot be read"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_link_becomes_a_qr_code() {
        let q = qr_for_terminal("https://192.168.1.20:8484/pair/abc").unwrap();
        assert!(q.lines().count() > 10 && q.contains('█'));
        assert!(qr_svg("x").unwrap().starts_with("<?xml") || qr_svg("x").unwrap().contains("<svg"));
    }
}
