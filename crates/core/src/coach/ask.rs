//! What the person asks for, as they typed it, said back in sentences that
//! read right whichever way they typed it: a thing ("a full refund of $129"),
//! an act ("restore service", "refund the duplicate charge") or a sentence of
//! their own ("I want my money back").

use crate::coach::brief::continue_with;

/// The resolution, read for how it can be said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// A noun phrase: "a full refund of $129 within 10 days".
    Thing(String),
    /// A verb phrase, something for them to do: "restore service".
    Act(String),
    /// A sentence of its own: "I want my money back".
    Said(String),
}

/// Verbs a resolution typed as an instruction starts with.
const ACTS: &[&str] = &[
    "activate",
    "adjust",
    "apply",
    "approve",
    "cancel",
    "change",
    "close",
    "compensate",
    "confirm",
    "correct",
    "credit",
    "deliver",
    "delete",
    "exchange",
    "fix",
    "give",
    "honor",
    "honour",
    "install",
    "issue",
    "move",
    "pay",
    "port",
    "process",
    "reactivate",
    "reconnect",
    "refund",
    "reimburse",
    "reinstate",
    "release",
    "remove",
    "repair",
    "replace",
    "reset",
    "resolve",
    "restore",
    "return",
    "reverse",
    "schedule",
    "send",
    "ship",
    "stop",
    "switch",
    "transfer",
    "unblock",
    "unfreeze",
    "unlock",
    "update",
    "upgrade",
    "void",
    "waive",
];

/// Words after which a first word like "refund" is a noun ("refund of $129").
const AFTER_A_NOUN: &[&str] = &[
    "of", "for", "to", "within", "by", "in", "on", "at", "before", "after", "and", "or", "plus",
];

/// Words that start a sentence of the person's own.
const SAYING: &[&str] = &[
    "i", "i'd", "i'm", "i've", "i'll", "we", "we'd", "we're", "please", "they", "you", "my",
];

/// Reads a resolution as typed.
pub fn read(resolution: &str) -> Ask {
    let text = continue_with(resolution)
        .trim()
        .trim_end_matches(['.', '!'])
        .to_string();
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase()
        })
        .collect();
    let first = words.first().map(String::as_str).unwrap_or("");
    let second = words.get(1).map(String::as_str).unwrap_or("");
    // "My money back" is a thing to get; "my service was cut off, restore it" is said.
    let has_verb = words.iter().skip(1).any(|w| {
        matches!(
            w.as_str(),
            "am" | "is"
                | "are"
                | "was"
                | "were"
                | "be"
                | "want"
                | "need"
                | "would"
                | "will"
                | "should"
                | "expect"
                | "like"
                | "ask"
                | "asking"
        )
    });
    if SAYING.contains(&first) && (first != "my" || has_verb) {
        return Ask::Said(sentence(&text));
    }
    if ACTS.contains(&first) && !AFTER_A_NOUN.contains(&second) && !second.is_empty() {
        return Ask::Act(text);
    }
    Ask::Thing(text)
}

/// First letter up, a full stop at the end.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    let mut out: String = c
        .next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

impl Ask {
    /// What comes after "I'm hoping you can", or a sentence of its own.
    pub fn hoping(&self) -> String {
        match self {
            Ask::Thing(t) => format!("I'm hoping you can help me get {t}."),
            Ask::Act(a) => format!("I'm hoping you can {a}."),
            Ask::Said(s) => s.clone(),
        }
    }

    /// "…, and I'm hoping you can …": the ask joined to a sentence before it.
    pub fn and_hoping(&self) -> String {
        match self {
            Ask::Thing(t) => format!("and I'm hoping you can help me get {t}"),
            Ask::Act(a) => format!("and I'm hoping you can {a}"),
            Ask::Said(s) => format!("and {}", lower_first(s.trim_end_matches('.'))),
        }
    }

    /// After a partial offer: what is still wanted.
    pub fn still(&self) -> String {
        match self {
            Ask::Thing(t) => format!("I'm still looking for {t}."),
            Ask::Act(a) => format!("I still need you to {a}."),
            Ask::Said(s) => format!("What I asked for still stands: {}", lower_first(s)),
        }
    }

    /// To a person asked for their help.
    pub fn help(&self) -> String {
        match self {
            Ask::Thing(t) => format!("I could really use your help to get {t}."),
            Ask::Act(a) => format!("I could really use your help to {a}."),
            Ask::Said(s) => format!("I could really use your help. {s}"),
        }
    }

    /// Before asking to go higher: what has not happened yet.
    pub fn not_yet(&self) -> String {
        match self {
            Ask::Thing(t) => format!("I still don't have {t}, though."),
            Ask::Act(a) => format!("I still need someone to {a}, though."),
            Ask::Said(s) => format!(
                "What I asked for hasn't happened yet, though: {}",
                lower_first(s)
            ),
        }
    }

    /// In a letter to the company, after "What I am asking for is".
    pub fn asking_for(&self) -> String {
        match self {
            Ask::Thing(t) => t.clone(),
            Ask::Act(a) => format!("that you {a}"),
            Ask::Said(s) => format!("this: {}", lower_first(s.trim_end_matches('.'))),
        }
    }

    /// In a letter about the company to someone else (a regulator).
    pub fn asking_them(&self) -> String {
        match self {
            Ask::Thing(t) => t.clone(),
            Ask::Act(a) => format!("that they {a}"),
            Ask::Said(s) => s.trim_end_matches('.').to_string(),
        }
    }
}

/// Money asked for, part of it agreed in offers accepted not as full
/// resolution: what is left is what the words ask for next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remainder {
    pub want: crate::Money,
    pub agreed: crate::Money,
    pub left: crate::Money,
}

/// The remainder of a case's money, when its resolution names an amount and
/// offers in that currency were accepted for part of it.
pub fn remainder(s: &crate::CaseState) -> Option<Remainder> {
    let want = crate::coach::goal::amount_in(&s.goal()?.goal.resolution, "USD")?;
    let agreed: i64 = s
        .live_offers()
        .filter(|o| o.answer == Some(crate::OfferAnswer::AcceptedNotFull))
        .filter_map(|o| o.value.as_ref())
        .filter(|v| v.currency == want.currency)
        .map(|v| v.cents)
        .sum();
    (agreed > 0 && agreed < want.cents).then(|| Remainder {
        agreed: crate::Money {
            cents: agreed,
            currency: want.currency.clone(),
        },
        left: crate::Money {
            cents: want.cents - agreed,
            currency: want.currency.clone(),
        },
        want,
    })
}

impl Remainder {
    pub fn hoping(&self) -> String {
        format!(
            "{} of the {} has been agreed; I'm hoping you can help me get the remaining {}.",
            self.agreed, self.want, self.left
        )
    }
    pub fn and_hoping(&self) -> String {
        format!(
            "and I'm hoping you can help me get the remaining {} ({} of the {} has been agreed)",
            self.left, self.agreed, self.want
        )
    }
    pub fn still(&self) -> String {
        format!(
            "I'm still looking for the remaining {}: {} of the {} has been agreed so far.",
            self.left, self.agreed, self.want
        )
    }
    pub fn help(&self) -> String {
        format!(
            "I could really use your help to get the remaining {}.",
            self.left
        )
    }
    pub fn not_yet(&self) -> String {
        format!("The remaining {} is still outstanding, though.", self.left)
    }
    pub fn asking_for(&self) -> String {
        format!(
            "the remaining {} (I asked for {}, and {} has been agreed)",
            self.left, self.want, self.agreed
        )
    }
}

/// "I want…" stays; "Please…" becomes "please…" inside a sentence.
fn lower_first(s: &str) -> String {
    let first = s.split_whitespace().next().unwrap_or("");
    if first == "I" || first.starts_with("I'") {
        return s.to_string();
    }
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// How a contact on a channel opens: the thanks, and how the person says
/// why they are there ("I'm calling", "I'm writing").
pub fn channel_words(channel: Option<crate::Channel>) -> (&'static str, &'static str) {
    use crate::Channel;
    match channel {
        Some(Channel::Chat) => ("thanks for chatting with me", "I'm getting in touch"),
        Some(Channel::Email | Channel::Letter | Channel::Web) => {
            ("thank you for reading this", "I'm writing")
        }
        Some(Channel::InPerson) => ("thank you for seeing me", "I'm here"),
        Some(Channel::Social) => ("thanks for getting back to me", "I'm getting in touch"),
        Some(Channel::Phone | Channel::Other) | None => {
            ("thanks for taking my call", "I'm calling")
        }
    }
}

/// Words that make what follows them a clause with a verb of its own.
const FINITE: &[&str] = &[
    "is", "was", "are", "were", "has", "have", "had", "does", "did", "do", "keeps", "kept",
    "can't", "cannot", "won't", "isn't", "wasn't", "aren't", "weren't", "doesn't", "didn't",
    "don't", "hasn't", "haven't", "hadn't", "will", "would", "should", "could", "can", "got",
    "broke", "sent", "went", "came", "took", "gave", "lost", "left", "says", "said", "told",
    "won't", "keeps", "charges", "fails", "stops", "refuses", "refused",
];

/// Words a sentence with its own subject starts with.
const SUBJECTS: &[&str] = &[
    "i", "i'm", "i've", "i'd", "we", "we're", "we've", "they", "they're", "it", "it's", "he",
    "she", "you", "there", "there's",
];

const DETERMINERS: &[&str] = &[
    "the", "my", "our", "a", "an", "your", "this", "that", "his", "her", "their", "its", "these",
    "those",
];

/// Whether a problem was typed as a sentence ("the router stopped working")
/// rather than a fragment ("router broken", "double charged", "no internet
/// since Tuesday"), which cannot follow "because".
pub fn is_clause(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .replace('’', "'")
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let Some(first) = words.first() else {
        return false;
    };
    // Two sentences or more are the person's own words.
    if text.trim().trim_end_matches(['.', '!', '?']).contains(". ") {
        return true;
    }
    if SUBJECTS.contains(&first.as_str()) {
        return true;
    }
    if words.iter().skip(1).any(|w| FINITE.contains(&w.as_str())) {
        return true;
    }
    // "The router stopped working": a past tense after its subject. Right
    // after a determiner it is an adjective ("my damaged package").
    DETERMINERS.contains(&first.as_str())
        && words
            .iter()
            .enumerate()
            .skip(2)
            .any(|(i, w)| w.ends_with("ed") && !DETERMINERS.contains(&words[i - 1].as_str()))
}

/// The problem said three ways: the words that lead into it, the problem
/// after them, and the problem as a sentence of its own (no final stop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemWords {
    pub intro: String,
    pub after_intro: String,
    pub sentence: String,
}

/// How `problem` is said after `lead` ("I'm calling"): "because" before a
/// sentence, "about a problem:" before a fragment.
pub fn problem_words(problem: &str, lead: &str) -> ProblemWords {
    let text = continue_with(problem)
        .trim()
        .trim_end_matches(['.', '!'])
        .to_string();
    let upper = {
        let mut c = text.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    if is_clause(&text) {
        ProblemWords {
            intro: format!("{lead} because"),
            after_intro: text,
            sentence: upper,
        }
    } else {
        ProblemWords {
            intro: format!("{lead} about a problem:"),
            sentence: format!("The problem, in short: {text}"),
            after_intro: text,
        }
    }
}

/// "My account number is", "My VIN is", "My email is": how a label is said
/// before its value. A bare word like "Member" names the number, not the person.
pub fn id_phrase(label: &str) -> String {
    let label = label.trim();
    let shouted = label.chars().any(char::is_alphabetic)
        && label
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
    let said = if shouted && !label.contains(' ') {
        label.to_string()
    } else {
        label.to_lowercase()
    };
    let last = said.split_whitespace().last().unwrap_or("").to_lowercase();
    const WHOLE: &[&str] = &[
        "number",
        "no",
        "no.",
        "#",
        "id",
        "code",
        "reference",
        "ref",
        "email",
        "address",
        "name",
        "pin",
        "vin",
        "imei",
        "iban",
        "plate",
        "username",
        "handle",
        "phone",
    ];
    if shouted || WHOLE.contains(&last.as_str()) {
        format!("My {said} is")
    } else {
        format!("My {said} number is")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_typed_as_a_fragment_is_not_put_after_because() {
        for clause in [
            "The router stopped working on Oct 31",
            "my refund never arrived",
            "I was charged twice",
            "Internet has been down for 3 days",
            "The package arrived damaged. The box was crushed.",
            "it keeps dropping the connection",
        ] {
            assert!(is_clause(clause), "{clause}");
            let w = problem_words(clause, "I'm calling");
            assert_eq!(w.intro, "I'm calling because", "{clause}");
        }
        for fragment in [
            "broken",
            "router broken",
            "double charged",
            "no internet since Tuesday",
            "billing error",
            "my damaged package",
            "package never delivered",
            "",
        ] {
            assert!(!is_clause(fragment), "{fragment}");
        }
        let w = problem_words("Router broken.", "I'm writing");
        assert_eq!(
            (
                w.intro.as_str(),
                w.after_intro.as_str(),
                w.sentence.as_str()
            ),
            (
                "I'm writing about a problem:",
                "router broken",
                "The problem, in short: router broken"
            )
        );
    }

    #[test]
    fn a_resolution_is_read_as_typed() {
        assert_eq!(read("restore service"), Ask::Act("restore service".into()));
        assert_eq!(
            read("Refund the duplicate charge."),
            Ask::Act("refund the duplicate charge".into())
        );
        assert_eq!(
            read("refund of $129 within 10 days"),
            Ask::Thing("refund of $129 within 10 days".into())
        );
        assert_eq!(
            read("A full refund of $129"),
            Ask::Thing("a full refund of $129".into())
        );
        assert_eq!(read("my money back"), Ask::Thing("my money back".into()));
        assert_eq!(
            read("I want my money back"),
            Ask::Said("I want my money back.".into())
        );
        assert_eq!(
            read("please reconnect me by Friday"),
            Ask::Said("Please reconnect me by Friday.".into())
        );
    }

    #[test]
    fn every_form_reads_as_english() {
        let act = read("restore service");
        assert_eq!(act.hoping(), "I'm hoping you can restore service.");
        assert_eq!(act.still(), "I still need you to restore service.");
        assert_eq!(act.asking_for(), "that you restore service");
        assert_eq!(act.asking_them(), "that they restore service");
        let said = read("I want my money back");
        assert_eq!(said.hoping(), "I want my money back.");
        assert_eq!(said.and_hoping(), "and I want my money back");
        assert_eq!(
            said.still(),
            "What I asked for still stands: I want my money back."
        );
        let thing = read("A full refund of $129");
        assert_eq!(
            thing.help(),
            "I could really use your help to get a full refund of $129."
        );
    }

    #[test]
    fn labels_are_said_as_numbers() {
        assert_eq!(id_phrase("Member"), "My member number is");
        assert_eq!(id_phrase("Account"), "My account number is");
        assert_eq!(id_phrase("Account number"), "My account number is");
        assert_eq!(id_phrase("VIN"), "My VIN is");
        assert_eq!(id_phrase("Email"), "My email is");
        assert_eq!(id_phrase("Order #"), "My order # is");
    }
}
