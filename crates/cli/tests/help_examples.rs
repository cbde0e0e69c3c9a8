//! Every verb's help shows an example, and every example is a command line
//! casefile accepts: a person copies them.

use casefile::cli::Cli;
use clap::{CommandFactory, Parser};

/// Splits an example line as a shell would, for the quoting the examples use;
/// a trailing `# comment` or `> redirect` is not part of the command.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut started = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (None, '#' | '>') if !started => break,
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            (None, c) => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
}

fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    let subs: Vec<_> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .collect();
    if subs.is_empty() {
        let help = cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        out.push((path, help));
        return;
    }
    for s in subs {
        let mut p = path.clone();
        p.push(s.get_name().to_string());
        leaves(s, p, out);
    }
}

#[test]
fn every_verb_has_an_example_that_parses() {
    let mut all = Vec::new();
    // Built, so every subcommand's arguments and nested verbs are there.
    let mut cli = Cli::command();
    cli.build();
    leaves(&cli, vec![], &mut all);
    assert!(all.len() > 40, "{} verbs", all.len());
    let mut missing = Vec::new();
    for (path, help) in &all {
        let examples: Vec<&str> = help
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("casefile "))
            .collect();
        let mine: Vec<&&str> = examples
            .iter()
            .filter(|l| words(l)[1..].starts_with(path))
            .collect();
        if mine.is_empty() {
            missing.push(path.join(" "));
        }
        for line in examples {
            // A line ending in `\` goes on: the examples here fit one line.
            if line.ends_with('\\') {
                continue;
            }
            let w = words(line);
            if let Err(e) = Cli::try_parse_from(&w) {
                panic!("the example `{line}` does not parse: {e}");
            }
        }
    }
    assert!(missing.is_empty(), "verbs without an example: {missing:?}");
}

#[test]
fn the_splitter_reads_quotes_comments_and_redirects() {
    assert_eq!(
        words(r#"casefile note 1 "say \"hi\"" # a comment"#),
        ["casefile", "note", "1", "say \"hi\""]
    );
    assert_eq!(words("casefile man > casefile.1"), ["casefile", "man"]);
    assert_eq!(
        words("casefile expense 1 \"120 EUR\" \"a technician's visit\""),
        [
            "casefile",
            "expense",
            "1",
            "120 EUR",
            "a technician's visit"
        ]
    );
}

#[test]
fn the_whole_command_line_holds_together() {
    // Subcommands' arguments are made when one runs (`cli::Lazy`); this
    // makes them all and runs clap's own checks on every one.
    Cli::command().debug_assert();
}

#[test]
fn completions_offer_the_nested_verbs_of_help_too() {
    let out = assert_cmd::Command::cargo_bin("casefile")
        .unwrap()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    for nested in [
        "casefile__subcmd__help__subcmd__company__subcmd__add",
        "casefile__subcmd__contact__subcmd__start",
    ] {
        assert!(script.contains(nested), "missing {nested}");
    }
}
