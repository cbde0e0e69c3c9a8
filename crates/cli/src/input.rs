//! Long text from an argument, standard input, or the user's editor.

use std::io::{IsTerminal, Read};

use crate::error::{CliError, Exit, Result};

/// Largest text casefile reads from stdin or an editor before refusing.
const READ_LIMIT: u64 = 16 << 20;

/// `Some("-")` or no text on a pipe reads stdin; no text on a terminal opens `$EDITOR`.
pub fn text_arg(arg: Option<String>, what: &str) -> Result<String> {
    match arg.as_deref() {
        Some("-") => read_stdin(),
        Some(_) => Ok(arg.unwrap_or_default()),
        None if std::io::stdin().is_terminal() => editor(what),
        None => read_stdin(),
    }
}

pub fn read_stdin() -> Result<String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(READ_LIMIT + 1)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > READ_LIMIT {
        return Err(
            CliError::invalid("the text on standard input is over 16 MB")
                .hint("attach large documents with `casefile attach CASE FILE`"),
        );
    }
    String::from_utf8(buf).map_err(|_| {
        CliError::invalid("the text on standard input is not UTF-8")
            .hint("convert it with `iconv -t UTF-8`")
    })
}

fn editor(what: &str) -> Result<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .map_err(|_| {
            CliError::invalid(format!("no {what} was given")).hint(format!(
                "give the {what} as an argument, pipe it in, or set $EDITOR"
            ))
        })?;
    let file = std::env::temp_dir().join(format!("casefile-{}.txt", std::process::id()));
    std::fs::write(
        &file,
        format!("\n# Write the {what} above. Lines starting with # are dropped.\n"),
    )?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&file)
        .status();
    let text = std::fs::read_to_string(&file);
    let _ = std::fs::remove_file(&file);
    match status {
        Ok(s) if s.success() => {}
        _ => {
            return Err(CliError::new(
                Exit::Invalid,
                format!("the editor ({editor}) did not finish cleanly; nothing was recorded"),
            ));
        }
    }
    let text: Vec<&str> = text
        .as_deref()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect();
    Ok(text.join("\n").trim().to_string())
}
