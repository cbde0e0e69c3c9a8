//! Exhibits: the files attached to cases, kept whole beside the journal
//! (named by their SHA-256, so one file attached twice is kept once), checked
//! against the fingerprint the journal recorded, and gathered with the
//! printable record into one bundle for a regulator or a court.

use std::io::Write;
use std::path::{Path, PathBuf};

use casefile_core::Event;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ctx::Ctx;
use crate::error::{Error, Exit, Result};

/// Where a journal's exhibits are kept: CASEFILE_EXHIBITS, else a folder
/// beside the journal named after it (`casefile.exhibits`).
pub fn dir(journal: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("CASEFILE_EXHIBITS").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let parent = journal.parent().unwrap_or(Path::new(""));
    let stem = journal
        .file_stem()
        .map_or_else(|| "casefile".into(), |s| s.to_string_lossy().into_owned());
    parent.join(format!("{stem}.exhibits"))
}

fn cannot(path: &Path, e: std::io::Error) -> Error {
    Error::new(
        Exit::Database,
        format!("cannot keep the file in {}: {e}", path.display()),
    )
    .hint("check that the folder can be written (CASEFILE_EXHIBITS moves it); nothing was recorded")
}

/// Keeps `bytes` in `dir` under their SHA-256 (written aside, made durable,
/// then renamed: never half a file), unless a file with that content is kept
/// already. Returns the fingerprint.
pub fn keep(dir: &Path, bytes: &[u8]) -> Result<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    let path = dir.join(&sha);
    if std::fs::read(&path).is_ok_and(|kept| Sha256::digest(&kept)[..] == Sha256::digest(bytes)[..])
    {
        return Ok(sha);
    }
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    let tmp = dir.join(format!(".{sha}.{}", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(cannot(dir, e));
    }
    Ok(sha)
}

/// One attachment the journal records, and what is kept of it.
#[derive(Debug, Clone, Serialize)]
pub struct Exhibit {
    pub case: u64,
    /// The entry that records it: the record cites it by this number.
    pub seq: u64,
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
    pub state: Kept,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kept {
    /// The file is kept and matches its fingerprint.
    Whole,
    /// No file is kept (attached before casefile kept files, or removed).
    Missing,
    /// The kept file no longer matches the fingerprint the journal holds.
    Altered,
}

/// Every exhibit of `case` (all cases when None), checked against the files kept.
pub fn check(ctx: &Ctx, case: Option<u64>) -> Result<Vec<Exhibit>> {
    let dir = dir(&ctx.db_path);
    let mut out = Vec::new();
    for info in ctx.store.streams()? {
        if info.kind != casefile_core::StreamKind::Case || case.is_some_and(|c| c != info.handle) {
            continue;
        }
        for e in ctx.store.read_stream(info.id)? {
            if let Event::AttachmentAdded {
                name,
                sha256,
                bytes,
            } = &e.event
            {
                let state = match std::fs::read(dir.join(sha256)) {
                    Err(_) => Kept::Missing,
                    Ok(b) if hex::encode(Sha256::digest(&b)) == *sha256 => Kept::Whole,
                    Ok(_) => Kept::Altered,
                };
                out.push(Exhibit {
                    case: info.handle,
                    seq: e.seq,
                    name: name.clone(),
                    sha256: sha256.clone(),
                    bytes: *bytes,
                    state,
                });
            }
        }
    }
    Ok(out)
}

/// The bundle of case `case`: its record as a page that prints, and its exhibits.
pub fn bundle_case(ctx: &Ctx, case: &str) -> Result<(u64, Vec<u8>, Vec<Exhibit>)> {
    let (rec, entries) = ctx.case_file_with_entries(case)?;
    let md = crate::record::markdown(ctx, &rec, &entries);
    let html = casefile_core::coach::templates::print_html(
        &format!("Case record: {}", rec.state.title),
        &md,
    );
    let exhibits = check(ctx, Some(rec.handle))?;
    let zip = bundle(&html, "record.html", &exhibits, &dir(&ctx.db_path))?;
    Ok((rec.handle, zip, exhibits))
}

/// A file name that is safe in any archive and on any system.
fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim().trim_start_matches('.').to_string();
    if s.is_empty() { "file".into() } else { s }
}

/// The case's bundle: the printable record, every exhibit kept (named by the
/// entry number the record cites, `32-receipt.pdf`), and an index of them
/// with their fingerprints, as one .zip. An exhibit not kept, or altered, is
/// named in the index and left out.
pub fn bundle(
    record_html: &str,
    record_name: &str,
    exhibits: &[Exhibit],
    dir: &Path,
) -> Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let zerr = |e: zip::result::ZipError| {
        Error::new(Exit::Internal, format!("the bundle cannot be made: {e}"))
    };
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file(record_name, opts).map_err(zerr)?;
    z.write_all(record_html.as_bytes())?;
    let mut index = String::from(
        "Exhibits: each file is named by the entry of the record that attached it.\nEach line: file, size, SHA-256, and whether the file is included.\n\n",
    );
    for x in exhibits {
        let file = format!("exhibits/{}-{}", x.seq, safe(&x.name));
        let note = match x.state {
            Kept::Whole => "included",
            Kept::Missing => "NOT INCLUDED: no copy was kept (attach the file again to keep it)",
            Kept::Altered => "NOT INCLUDED: the kept copy no longer matches its fingerprint",
        };
        index.push_str(&format!(
            "#{} {}  {} bytes  sha256 {}  {note}\n",
            x.seq, x.name, x.bytes, x.sha256
        ));
        if x.state == Kept::Whole {
            let bytes = std::fs::read(dir.join(&x.sha256))?;
            z.start_file(file, opts).map_err(zerr)?;
            z.write_all(&bytes)?;
        }
    }
    z.start_file("exhibits/index.txt", opts).map_err(zerr)?;
    z.write_all(index.as_bytes())?;
    Ok(z.finish().map_err(zerr)?.into_inner())
}
