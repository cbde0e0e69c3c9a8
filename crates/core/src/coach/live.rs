//! Advice for the moment, during a contact: what to say now.

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
}

fn say(kind: &str, ctx: &CaseContext, templates: &Templates) -> Option<String> {
    script(kind, ctx, templates)
        .ok()
        .map(|s| s.trim().to_string())
}

/// Tips for the open contact `contact`, most pressing first. `ctx` should be
/// built while the contact is open, so its `rep` is whoever is on the line.
pub fn in_call(s: &CaseState, contact: Uuid, ctx: &CaseContext, templates: &Templates) -> Vec<Tip> {
    let Some(c) = s.contact(contact) else {
        return vec![];
    };
    let mut tips = Vec::new();
    let rep = c.live_reps().last().map(|r| r.rep.name.clone());
    if c.on_hold() {
        tips.push(Tip {
            title: "On hold: stay on the line; have the identifiers and dates ready.".into(),
            say: None,
        });
    }
    let unanswered = s
        .live_offers()
        .rev()
        .find(|o| o.contact == Some(contact) && o.answer.is_none());
    if let Some(o) = unanswered {
        tips.push(Tip {
            title: format!("An offer is on the table ({}). Unless it is all you want, accept it only not as full resolution.", o.what),
            say: say("accept", ctx, templates),
        });
    }
    if s.live_promises()
        .any(|p| p.contact == Some(contact) && p.state == PromiseState::Open)
    {
        tips.push(Tip { title: "A promise was made: get a direct number, a time for the callback and the case number.".into(), say: say("callback", ctx, templates) });
    }
    let transfers = c.transfers();
    match &rep {
        Some(name) if transfers >= 2 => tips.push(Tip {
            title: format!(
                "Passed along {transfers} times. Start over with {name}, and ask for their help."
            ),
            say: say("plea", ctx, templates),
        }),
        Some(name) => tips.push(Tip {
            title: format!("Use {name}'s name."),
            say: say("greeting", ctx, templates),
        }),
        None => tips.push(Tip {
            title: "When someone answers, ask for their name and extension.".into(),
            say: say("greeting", ctx, templates),
        }),
    }
    if !s.live_references().any(|r| r.contact == Some(contact)) {
        tips.push(Tip {
            title: "No case number yet for this contact: ask for one.".into(),
            say: None,
        });
    }
    if rep.is_some() && unanswered.is_none() {
        tips.push(Tip {
            title: "If this person cannot help, thank them and ask for someone who can.".into(),
            say: say("escalate", ctx, templates),
        });
    }
    tips
}
