//! Email into the journal: a .eml file or an mbox archive, each message a
//! contact on the email channel (who, when, which way, the body as a note in
//! search, attachments by their fingerprint), placed in the case its thread
//! is in. Importing again adds nothing: a message is known by its Message-ID.
//! A message that cannot be read is named with why; the others go in.

use std::collections::HashMap;

use casefile_core::{Channel, Direction, Draft, Event, Rep};
use jiff::Timestamp;
use mail_parser::{Address, MessageParser, MimeHeaders};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ctx::Ctx;
use crate::error::{Error, Result};

/// One message, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message_id: String,
    /// In-Reply-To first, then References, newest first: where its thread is.
    pub replies_to: Vec<String>,
    pub subject: Option<String>,
    pub from: Option<(Option<String>, String)>,
    pub to: Vec<(Option<String>, String)>,
    pub date: Timestamp,
    pub body: String,
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub imported: Vec<Imported>,
    /// Message-IDs already in the journal: nothing was added for them.
    pub already: Vec<String>,
    /// Messages that were not imported, each with why.
    pub refused: Vec<Refused>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub message_id: String,
    pub case: u64,
    pub subject: Option<String>,
    pub first_entry: u64,
    pub last_entry: u64,
    /// Case, ticket and reference numbers the message mentions, to record.
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// Its place in the file, from 1.
    pub position: usize,
    pub subject: Option<String>,
    pub why: String,
}

/// The messages in `bytes`: an mbox archive (lines starting "From " between
/// messages) or one message.
pub fn split(bytes: &[u8]) -> Vec<Vec<u8>> {
    if !bytes.starts_with(b"From ") {
        return vec![bytes.to_vec()];
    }
    mail_parser::mailbox::mbox::MessageIterator::new(bytes)
        .filter_map(|m| m.ok())
        .map(|m| m.unwrap_contents())
        .collect()
}

fn addresses(a: Option<&Address<'_>>) -> Vec<(Option<String>, String)> {
    let Some(a) = a else { return vec![] };
    a.iter()
        .filter_map(|x| {
            let email = x.address()?.trim().to_string();
            let name = x
                .name()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty() && n != &email);
            (!email.is_empty()).then_some((name, email))
        })
        .collect()
}

fn ids(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match v {
        mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => vec![],
    }
}

/// Reads one message; the error says what is wrong with it.
pub fn read(raw: &[u8]) -> std::result::Result<Message, String> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err("it is empty".into());
    }
    let m = MessageParser::default()
        .parse(raw)
        .ok_or("it is not an email message (no headers could be read)")?;
    if m.headers().is_empty() {
        return Err("it has no headers: it is not an email message".into());
    }
    let date = m.date().ok_or(
        "it has no Date header (or one that cannot be read), so it cannot be placed in time",
    )?;
    let date = Timestamp::from_second(date.to_timestamp())
        .map_err(|_| "its Date is outside the years casefile records".to_string())?;
    // Without a Message-ID, the message's own bytes name it: importing the
    // same file again still adds nothing.
    let message_id = m
        .message_id()
        .map(str::to_string)
        .unwrap_or_else(|| format!("sha256-{}@casefile", hex::encode(Sha256::digest(raw))));
    let mut replies_to = ids(m.in_reply_to());
    let mut refs = ids(m.references());
    refs.reverse();
    replies_to.extend(refs);
    // An HTML-only message: its blocks become lines before the tags go, so
    // a heading and the paragraph after it do not run together.
    let html_only = m.text_part(0).is_some_and(|p| p.is_text_html());
    let body = match (html_only, m.body_html(0)) {
        (true, Some(html)) => {
            let mut h = html.to_string();
            for tag in [
                "</p>", "</div>", "</li>", "</tr>", "</h1>", "</h2>", "</h3>", "<br",
            ] {
                h = h.replace(tag, &format!("\n{tag}"));
            }
            mail_parser::decoders::html::html_to_text(&h)
        }
        _ => m.body_text(0).map(|b| b.to_string()).unwrap_or_default(),
    }
    .trim()
    .to_string();
    let attachments = m
        .attachments()
        .map(|a| {
            let name = a
                .attachment_name()
                .map(str::to_string)
                .unwrap_or_else(|| "attachment".into());
            (name, a.contents().to_vec())
        })
        .collect();
    Ok(Message {
        message_id,
        replies_to,
        subject: m
            .subject()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        from: addresses(m.from()).into_iter().next(),
        to: addresses(m.to()),
        date,
        body,
        attachments,
    })
}

/// Case, ticket and reference numbers a text mentions: a word like "case",
/// "ticket" or "reference" followed by a code with a digit in it, or a code
/// such as CAS-88120.
pub fn references(text: &str) -> Vec<String> {
    const LEADS: &[&str] = &[
        "case",
        "ticket",
        "reference",
        "ref",
        "complaint",
        "claim",
        "incident",
        "request",
        "order",
    ];
    const FILLER: &[&str] = &["number", "no", "#", "id", "is", ":", "nr", "num"];
    let words: Vec<&str> = text.split_whitespace().collect();
    let clean = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
            .to_string()
    };
    let code = |w: &str| {
        w.len() >= 4
            && w.chars().any(|c| c.is_ascii_digit())
            && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let mut out: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let lower = clean(w).to_lowercase();
        let c = clean(w);
        // CAS-88120: letters, a dash, digits.
        let dashed = c.split_once('-').is_some_and(|(a, b)| {
            (2..=6).contains(&a.len())
                && a.chars().all(|x| x.is_ascii_uppercase())
                && b.len() >= 3
                && b.chars().all(|x| x.is_ascii_digit())
        });
        if dashed {
            out.push(c.clone());
            continue;
        }
        if LEADS.contains(&lower.as_str()) {
            for next in words.iter().skip(i + 1).take(3) {
                let n = clean(next);
                if FILLER.contains(&n.to_lowercase().as_str()) || n.is_empty() {
                    continue;
                }
                if code(&n) {
                    out.push(n);
                }
                break;
            }
        }
    }
    out.dedup();
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert(r.clone()));
    out
}

fn said(who: &(Option<String>, String)) -> String {
    match &who.0 {
        Some(n) => format!("{n} <{}>", who.1),
        None => who.1.clone(),
    }
}

/// The entries that record `m` in a case, as one contact: started, the
/// message, the person on the company's side, the body as a note, its
/// attachments' fingerprints, ended. `me` are the user's own addresses.
pub fn drafts(m: &Message, me: &[String]) -> Vec<Draft> {
    let mine = |a: &str| me.iter().any(|x| x.eq_ignore_ascii_case(a));
    let outbound = m.from.as_ref().is_some_and(|f| mine(&f.1));
    let other = if outbound {
        m.to.iter().find(|t| !mine(&t.1)).cloned()
    } else {
        m.from.clone()
    };
    let at = m.date;
    let contact = Draft::new(
        at,
        Event::ContactStarted {
            channel: Channel::Email,
            direction: if outbound {
                Direction::Outbound
            } else {
                Direction::Inbound
            },
            via: other.as_ref().map(|o| o.1.clone()),
        },
    );
    let cid = contact.id;
    let mut out = vec![
        contact,
        Draft::new(
            at,
            Event::EmailRecorded {
                contact: cid,
                message_id: m.message_id.clone(),
                in_reply_to: m.replies_to.first().cloned(),
                subject: m.subject.clone(),
                from: m.from.as_ref().map(said),
                to: m.to.iter().map(said).collect(),
            },
        ),
    ];
    if let Some((name, email)) = &other {
        out.push(Draft::new(
            at,
            Event::RepJoined {
                contact: cid,
                rep: Rep {
                    name: name.clone().unwrap_or_else(|| email.clone()),
                    ext: None,
                    email: Some(email.clone()),
                    department: None,
                    role: None,
                    reports_to: None,
                },
            },
        ));
    }
    let mut text = match &m.subject {
        Some(s) => format!("{s}\n\n{}", m.body),
        None => m.body.clone(),
    };
    let limit = casefile_core::state::MAX_TEXT - 200;
    if text.len() > limit {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let rest = text.len() - cut;
        text.truncate(cut);
        text.push_str(&format!(
            "\n[{rest} more bytes of this message are in the original file]"
        ));
    }
    if !text.trim().is_empty() {
        out.push(Draft::new(
            at,
            Event::NoteAdded {
                contact: Some(cid),
                text,
            },
        ));
    }
    for (name, bytes) in &m.attachments {
        out.push(Draft::new(
            at,
            Event::AttachmentAdded {
                name: name.clone(),
                sha256: hex::encode(Sha256::digest(bytes)),
                bytes: bytes.len() as u64,
            },
        ));
    }
    out.push(Draft::new(
        at,
        Event::ContactEnded {
            contact: cid,
            outcome: None,
            rating: None,
        },
    ));
    out
}

/// Imports the messages in `bytes`: each into the case its thread is in,
/// else into `case`; each message all or nothing. `progress` hears the
/// messages done and the total.
pub fn import(
    ctx: &mut Ctx,
    bytes: &[u8],
    case: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    let target = case.map(|c| ctx.case(c)).transpose()?;
    // Every message already in the journal, and its case.
    let mut known: HashMap<String, u64> = HashMap::new();
    for row in ctx
        .store
        .list_cases(&casefile_store::CaseFilter::default())?
    {
        let rec = ctx.store.case(row.id)?;
        for c in &rec.state.contacts {
            if let Some(e) = &c.email {
                known.insert(e.message_id.clone(), row.handle);
            }
        }
    }
    let mut report = Report::default();
    let mut read: Vec<(usize, Message)> = Vec::new();
    for (i, raw) in split(bytes).iter().enumerate() {
        match self::read(raw) {
            Ok(m) => read.push((i + 1, m)),
            Err(why) => report.refused.push(Refused {
                position: i + 1,
                subject: MessageParser::default()
                    .parse(raw)
                    .and_then(|m| m.subject().map(str::to_string)),
                why,
            }),
        }
    }
    if read.is_empty() && report.refused.is_empty() {
        return Err(Error::invalid("the file holds no email messages")
            .hint("give a .eml file or an mbox archive (as a mail program exports it)"));
    }
    // Oldest first, so a reply finds the message it answers already in.
    read.sort_by_key(|(_, m)| m.date);
    let total = read.len() as u64;
    for (done, (position, m)) in read.into_iter().enumerate() {
        progress(done as u64, total);
        if known.contains_key(&m.message_id) {
            report.already.push(m.message_id.clone());
            continue;
        }
        let thread = m.replies_to.iter().find_map(|id| known.get(id)).copied();
        let handle = match (thread, &target) {
            (Some(h), _) => h,
            (None, Some(t)) => t.handle,
            (None, None) => {
                report.refused.push(Refused {
                    position,
                    subject: m.subject.clone(),
                    why: "it answers no message already imported, and no case was named: give --case N".into(),
                });
                continue;
            }
        };
        let rec = ctx.case(&handle.to_string())?;
        // Attachments are kept before the journal names them.
        let dir = crate::exhibits::dir(&ctx.db_path);
        if let Err(e) = m
            .attachments
            .iter()
            .try_for_each(|(_, b)| crate::exhibits::keep(&dir, b).map(|_| ()))
        {
            report.refused.push(Refused {
                position,
                subject: m.subject.clone(),
                why: e.message,
            });
            continue;
        }
        let me = ctx.settings.addresses.clone();
        let drafts = drafts(&m, &me);
        match ctx.append_case(&rec, &[], |_| Ok(drafts.clone())) {
            Ok(written) => {
                known.insert(m.message_id.clone(), handle);
                let text = format!("{} {}", m.subject.as_deref().unwrap_or_default(), m.body);
                report.imported.push(Imported {
                    message_id: m.message_id.clone(),
                    case: handle,
                    subject: m.subject.clone(),
                    first_entry: written.first().map_or(0, |e| e.seq),
                    last_entry: written.last().map_or(0, |e| e.seq),
                    // What the case already holds is not news.
                    references: references(&text)
                        .into_iter()
                        .filter(|r| {
                            !rec.state.live_references().any(|x| &x.value == r)
                                && !rec
                                    .state
                                    .live_facts()
                                    .any(|f| f.fact.value.contains(r.as_str()))
                        })
                        .collect(),
                });
            }
            Err(e) => report.refused.push(Refused {
                position,
                subject: m.subject.clone(),
                why: match &e.hint {
                    Some(h) => format!("{} ({h})", e.message),
                    None => e.message.clone(),
                },
            }),
        }
    }
    progress(total, total);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_numbers_are_found_in_words_people_write() {
        assert_eq!(
            references("Your case number is CAS-88120. Ticket #4471923 was closed; ref: ab12cd."),
            ["CAS-88120", "4471923", "ab12cd"]
        );
        assert_eq!(
            references("In reference to complaint no. 2026-1193, see order A-1001"),
            ["2026-1193", "A-1001"]
        );
        assert!(references("Thank you for your case, we value you").is_empty());
    }
}
