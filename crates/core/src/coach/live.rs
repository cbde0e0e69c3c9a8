//! Advice for the moment, during a contact: what to say now.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::coach::letters::script;
use crate::coach::templates::{CaseContext, Templates};
use crate::state::{CaseState, PromiseState};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tip {
    /// What to do, in a few words.
    pub title: String,
    /// Words to say, filled from the case.
    pub say: Option<String>,
    /// The script those words come from (`casefile script CASE KIND`).
    pub script: Option<String>,
}

fn say(kind: &str, ctx: &CaseContext, templates: &Templates) -> Option<String> {
    script(kind, ctx, templates)
        .ok()
        .map(|s| s.trim().to_string())
}

/// Tips for the open contact `contact`, most pressing first, at `now`. `ctx`
/// should be built while the contact is open, so its `rep` is whoever is on
/// the line. What applies only to the person on the line (start over, the
/// plea) is here and nowhere else: it ends with the contact.
pub fn in_call(
    s: &CaseState,
    contact: Uuid,
    ctx: &CaseContext,
    templates: &Templates,
    now: Timestamp,
) -> Vec<Tip> {
    let Some(c) = s.contact(contact) else {
        return vec![];
    };
    let tip = |title: String, kind: Option<&str>| {
        let say = kind.and_then(|k| say(k, ctx, templates));
        Tip {
            title,
            script: kind.filter(|_| say.is_some()).map(str::to_string),
            say,
        }
    };
    let mut tips = Vec::new();
    let reps: Vec<_> = c.live_reps().collect();
    let rep = reps.last().map(|r| r.rep.name.clone());
    let here = |who: Option<Uuid>| who == Some(contact);
    // What this contact recorded after the person on the line joined.
    let joined = reps.last().map_or(0, |r| r.origin.seq);
    let since_joined = s
        .live_references()
        .filter(|r| here(r.contact))
        .any(|r| r.origin.seq > joined)
        || s.live_promises()
            .any(|p| here(p.contact) && p.origin.seq > joined)
        || s.live_offers()
            .any(|o| here(o.contact) && o.origin.seq > joined)
        || s.escalations
            .iter()
            .any(|e| !e.origin.retracted && here(e.contact) && e.origin.seq > joined)
        || s.notes
            .iter()
            .any(|n| !n.origin.retracted && here(n.contact) && n.origin.seq > joined);
    let minutes = c.duration(now).as_secs() / 60;
    let transfers = c.transfers();
    if c.on_hold() {
        tips.push(tip(
            "On hold: stay on the line; have the identifiers and dates ready.".into(),
            None,
        ));
    }
    // A new person: the story starts over with them, by name.
    if let Some(name) = &rep
        && !since_joined
    {
        if transfers >= 2 {
            tips.push(tip(
                format!("Passed along {transfers} times. Start over with {name}, say the problem again, and ask for their help."),
                Some("plea"),
            ));
        } else if reps.len() >= 2 {
            tips.push(tip(
                format!("{name} is new to this: start over, with what this call has given so far."),
                Some("restart"),
            ));
        } else {
            tips.push(tip(
                format!("Use {name}'s name, and open with who you are to them."),
                Some("greeting"),
            ));
        }
    }
    // Going up: the next step needs a name, a direct line and who they report to.
    if let Some(e) = s
        .escalations
        .iter()
        .rev()
        .find(|e| !e.origin.retracted && here(e.contact) && e.outcome.is_none())
    {
        tips.push(tip(
            format!(
                "You asked for {}: before the transfer, get their name, a direct line and who they report to.",
                e.to.as_deref().unwrap_or("someone who can do more")
            ),
            Some("collect"),
        ));
    }
    let unanswered = s
        .live_offers()
        .rev()
        .find(|o| here(o.contact) && o.answer.is_none());
    if let Some(o) = unanswered {
        tips.push(tip(
            format!("An offer is on the table ({}). Unless it is all you want, accept it only not as full resolution.", o.what),
            Some("accept"),
        ));
    }
    if s.live_promises()
        .any(|p| here(p.contact) && p.state == PromiseState::Open)
    {
        tips.push(tip(
            "A promise was made: get a direct number, a time for the callback and the case number."
                .into(),
            Some("callback"),
        ));
    }
    if !s.live_references().any(|r| here(r.contact)) {
        tips.push(tip(
            "No case number yet for this contact: ask for one.".into(),
            None,
        ));
    }
    // They cannot give what you ask, and nothing is offered: ask what they can do.
    let refused = s.escalations.iter().any(|e| {
        !e.origin.retracted
            && here(e.contact)
            && e.outcome == Some(crate::EscalationOutcome::Refused)
    });
    let offered = s.live_offers().any(|o| here(o.contact));
    if rep.is_some() && !offered && (refused || minutes >= 20) {
        tips.push(tip(
            "Nothing offered yet: ask what they can do to put it right.".into(),
            Some("offer"),
        ));
    }
    // A rep citing a policy: ask the reason, and who can make an exception.
    if s.notes.iter().any(|n| {
        !n.origin.retracted && here(n.contact) && n.preview.to_lowercase().contains("policy")
    }) {
        tips.push(tip(
            "A policy came up: ask the reason behind it, and who can make an exception.".into(),
            Some("policy"),
        ));
    }
    // Signs it is wearing on you both; marked by the person, it comes first.
    let frustrated = c.frustrated.is_some();
    if frustrated || minutes >= 45 || transfers >= 3 {
        let at = if frustrated {
            usize::from(c.on_hold())
        } else {
            tips.len()
        };
        tips.insert(at, tip(
            format!(
                "{}: it is fine to take a break and come back to it, with where you got to noted.",
                if frustrated {
                    "You marked that you are frustrated".to_string()
                } else if transfers >= 3 {
                    format!("Passed along {transfers} times")
                } else {
                    format!("{minutes} minutes on this contact")
                }
            ),
            Some("pause"),
        ));
    }
    if frustrated || minutes >= 30 || transfers >= 2 || refused {
        tips.push(tip(
            "If it is getting heated, say it is the situation you are upset at, not them.".into(),
            Some("calm"),
        ));
    }
    if rep.is_some() && unanswered.is_none() {
        tips.push(tip(
            "If this person cannot help, thank them and ask for someone who can.".into(),
            Some("escalate"),
        ));
    }
    if rep.is_none() {
        tips.push(tip(
            "When someone answers, ask for their name and extension, then open with who you are to them.".into(),
            Some("greeting"),
        ));
    }
    tips
}
