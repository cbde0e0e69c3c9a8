//! Advice is written once, for every face, naming the commands that act on
//! it. The web says the same in its own terms: each command becomes a link
//! to the page or form that does it, and no Markdown marks are shown.

use minijinja::Value;

use crate::svg::esc as escape;

/// Where a command's work is done on the web, and the words for the link.
fn link_for(command: &str, case: u64) -> Option<(String, &'static str)> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let page = |p: &str| format!("/cases/{case}{p}");
    Some(match words.as_slice() {
        ["casefile", "letter", "CASE", kind] => (page(&format!("/letter/{kind}")), "a draft"),
        ["casefile", "script", "CASE", kind] => {
            (page(&format!("/script/{kind}")), "the words to use")
        }
        ["casefile", "timeline", "CASE", ..] => (page("/record"), "the record"),
        ["casefile", "brief", "CASE"] => (page("/call"), "the brief"),
        ["casefile", "contact", "end", "CASE"] => {
            (page("/call"), "the End button on the call page")
        }
        ["casefile", "goal"] => (page("#add-h"), "the form below"),
        ["casefile", "goal", ..] => (page("#add-h"), "the goal form below (say why)"),
        ["casefile", "broken" | "kept", "CASE", _] => (page("#add-h"), "the form below"),
        ["casefile", "done", "CASE", _] => (page("#add-h"), "mark it done below"),
        ["casefile", "fact", "CASE", ..] => (page("#add-h"), "the fact form below"),
        ["casefile", "lesson", "CASE", ..] => (page("#add-h"), "the lesson form below"),
        _ => return None,
    })
}

/// Sentences whose shape changes once the command is a link.
const PHRASES: &[(&str, &str)] = &[
    ("` drafts it.", "`: here is {link}."),
    ("` drafts the complaint.", "`: here is {link}."),
    ("` gives the record to print.", "`: {link}, ready to print."),
];

/// Advice text as safe HTML for a case's pages.
pub fn advice(text: &str, case: u64) -> Value {
    Value::from_safe_string(advice_html(text, case))
}

pub fn advice_html(text: &str, case: u64) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else {
            break;
        };
        let command = &rest[open + 1..open + 1 + len];
        let mut after = &rest[open + 2 + len..];
        out.push_str(&emphasis(&escape(&rest[..open])));
        match link_for(command, case) {
            Some((href, words)) => {
                let link = format!("<a href=\"{}\">{words}</a>", escape(&href));
                // "`…` drafts it." reads "…: here is a draft."
                let tail = PHRASES.iter().find_map(|(from, to)| {
                    from.strip_prefix('`')
                        .and_then(|f| after.strip_prefix(f).map(|a| (a, to)))
                });
                match tail {
                    Some((a, to)) => {
                        trim_joiner(&mut out);
                        out.push_str(&to[1..].replace("{link}", &link));
                        after = a;
                    }
                    None => out.push_str(&link),
                }
            }
            None => out.push_str(&escape(command)),
        }
        rest = after;
    }
    out.push_str(&emphasis(&escape(rest)));
    out
}

/// "Write to them. `x` drafts it." becomes "Write to them: here is a draft.";
/// the full stop before the command gives way to the colon.
fn trim_joiner(out: &mut String) {
    let trimmed = out.trim_end().trim_end_matches('.').len();
    out.truncate(trimmed);
}

/// `*word*` shown as emphasis, not as stars; a star inside a word ("2*3")
/// is left alone.
fn emphasis(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    let mut before: Option<char> = None;
    while let Some(i) = rest.find('*') {
        let prev = rest[..i].chars().next_back().or(before);
        let starts = prev.is_none_or(|c| c.is_whitespace() || c == '(');
        let inner = &rest[i + 1..];
        let close = inner.find('*').filter(|&j| {
            let word = &inner[..j];
            let next = inner[j + 1..].chars().next();
            j > 0
                && !word.starts_with(' ')
                && !word.ends_with(' ')
                && next.is_none_or(|c| !c.is_alphanumeric())
        });
        match close {
            Some(j) if starts => {
                out.push_str(&rest[..i]);
                out.push_str("<em>");
                out.push_str(&inner[..j]);
                out.push_str("</em>");
                before = Some('*');
                rest = &inner[j + 1..];
            }
            _ => {
                out.push_str(&rest[..=i]);
                before = Some('*');
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::advice_html;

    #[test]
    fn commands_become_links_in_sentences_that_still_read() {
        assert_eq!(
            advice_html(
                "Write to the executive office with your log. `casefile letter CASE executive` drafts it.",
                7
            ),
            "Write to the executive office with your log: here is <a href=\"/cases/7/letter/executive\">a draft</a>."
        );
        assert_eq!(
            advice_html(
                "Start over with the new person, by name, and ask for *their* help: `casefile script CASE plea`.",
                3
            ),
            "Start over with the new person, by name, and ask for <em>their</em> help: <a href=\"/cases/3/script/plea\">the words to use</a>."
        );
        assert_eq!(
            advice_html(
                "Consider small claims court. `casefile timeline CASE --format html` gives the record to print.",
                2
            ),
            "Consider small claims court: <a href=\"/cases/2/record\">the record</a>, ready to print."
        );
        assert_eq!(
            advice_html("Do it, then `casefile done CASE 12`.", 2),
            "Do it, then <a href=\"/cases/2#add-h\">mark it done below</a>."
        );
    }

    #[test]
    fn what_the_user_wrote_stays_text() {
        let html = advice_html("Ask for <b>Dana</b> & co: `rm -rf` 2*3*4", 1);
        assert_eq!(
            html,
            "Ask for &lt;b&gt;Dana&lt;/b&gt; &amp; co: rm -rf 2*3*4"
        );
    }
}
