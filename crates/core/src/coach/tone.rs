//! A tone and completeness check for a draft email, chat message or letter.
//! The rules explain: every finding names its span, why it hurts, and what
//! to write instead. A learned model, where one is installed
//! ([`use_model`]), reads the message as a whole: how polite, and whether
//! it will hurt when no single phrase is to blame.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::event::FactKind;
use crate::state::CaseState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something missing or long: worth improving.
    Suggestion,
    /// Something that will make the reader less willing to help.
    Harmful,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToneFinding {
    pub kind: String,
    pub severity: Severity,
    /// Byte range in the draft.
    pub start: usize,
    pub end: usize,
    pub excerpt: String,
    pub why: String,
    pub instead: String,
    /// The sentence it stands in, written so it keeps what it says without
    /// what hurts; empty when the sentence is better left out. None where
    /// no rewrite keeps the content (an insult: say the effect instead).
    pub rewrite: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub what: String,
    pub why: String,
}

/// How a message reads, in a word: what a person wants to know first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reads {
    Polite,
    Neutral,
    WillHurt,
}

impl Reads {
    /// From the two measures: anything harmful will hurt; otherwise polite
    /// from a politeness of 0.6.
    pub fn of(hurt: bool, politeness: f64) -> Reads {
        if hurt {
            Reads::WillHurt
        } else if politeness >= 0.6 {
            Reads::Polite
        } else {
            Reads::Neutral
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Reads::Polite => "polite",
            Reads::Neutral => "neutral",
            Reads::WillHurt => "will hurt",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToneReport {
    /// Polite, neutral, or will hurt.
    pub reads: Reads,
    /// Whether something in it will make the reader less willing to help.
    pub hurt: bool,
    /// How polite it reads, 0 to 1 (higher is more polite), from the
    /// politeness strategies the rules know (see [`politeness`]).
    pub politeness: f64,
    pub words: usize,
    pub findings: Vec<ToneFinding>,
    pub missing: Vec<Missing>,
    /// What read the message as a whole: "minilm" (the learned model) or
    /// "rules" (no model, or it could not be read: see `model_problem`).
    #[serde(default = "rules_name")]
    pub model: String,
    /// Why the learned model did not answer, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_problem: Option<String>,
}

fn rules_name() -> String {
    "rules".into()
}

/// What a learned model makes of a whole message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// 0 to 1, higher is more polite.
    pub politeness: f64,
    /// How likely it is to put the reader on the defensive, 0 to 1.
    pub hurt: f64,
    /// Whether `hurt` is high enough to say so.
    pub hurts: bool,
}

/// A learned tone model, read once per process and shared by every face.
pub trait ToneModel: Send + Sync {
    /// Its name in reports.
    fn name(&self) -> &'static str;
    /// One reading per text, in order; an error says why the model cannot
    /// answer at all (missing or unreadable weights); None when it was
    /// switched off.
    fn read(&self, texts: &[&str]) -> Option<Result<Vec<Reading>, String>>;
}

static MODEL: OnceLock<&'static dyn ToneModel> = OnceLock::new();

/// Installs the model every later check uses (the first call wins).
pub fn use_model(model: &'static dyn ToneModel) {
    let _ = MODEL.set(model);
}

impl ToneReport {
    pub fn worst(&self) -> Option<Severity> {
        let missing = (!self.missing.is_empty()).then_some(Severity::Suggestion);
        self.findings.iter().map(|f| f.severity).max().max(missing)
    }

    pub fn is_clean(&self) -> bool {
        self.findings.is_empty() && self.missing.is_empty()
    }

    /// The findings, with those in a row that say the same thing (four
    /// regulators tagged into one sentence) together, to be told once.
    pub fn groups(&self) -> impl Iterator<Item = &[ToneFinding]> {
        self.findings.chunk_by(|a, b| {
            (&a.kind, &a.why, &a.instead, &a.rewrite) == (&b.kind, &b.why, &b.instead, &b.rewrite)
        })
    }
}

/// What kind of message the draft is; it sets how long is too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    Chat,
    Email,
    Letter,
}

impl DraftKind {
    fn word_limit(self) -> usize {
        match self {
            DraftKind::Chat => 120,
            DraftKind::Email => 350,
            DraftKind::Letter => 650,
        }
    }
}

struct Rule {
    kind: &'static str,
    phrases: &'static [&'static str],
    why: &'static str,
    instead: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        kind: "threat",
        phrases: &[
            "or else",
            "if you don't",
            "if you do not",
            "unless you",
            "i will sue",
            "i'll sue",
            "i am going to sue",
            "my lawyer",
            "my attorney",
            "legal action",
            "i'll report you",
            "i will report you",
            "you'll regret",
            "you will regret",
            "last chance",
            "final warning",
            "i'll go to the press",
            "i will go to the press",
            "i'll post about",
            "i will post about",
            "take my business elsewhere",
            "i'll cancel",
            "i will cancel everything",
            "you have been warned",
            "i know where",
            "watch your back",
            // Leaving, held over them.
            "lose a customer",
            "lose me as a customer",
            "lose my business",
            "done with y'all",
            "done with you",
            "won't renew",
            "will not renew",
            // A campaign against them.
            "boycott",
            "spread the word",
            "share to stop",
        ],
        why: "Threats put the reader on the defensive; reps are trained to meet them with the smallest answer that closes the contact.",
        instead: "Say what you need and ask for the path to it: \"What can we do to settle this by Friday?\" Keep the next step for later; you need not announce it.",
    },
    Rule {
        kind: "insult",
        phrases: &[
            "idiot",
            "idiots",
            "stupid",
            "incompetent",
            "moron",
            "morons",
            "useless",
            "pathetic",
            "ridiculous",
            "clown",
            "clowns",
            "liar",
            "liars",
            // A scam reported is not an insult; one laid at their door is.
            "you scammed",
            "you're scammers",
            "you are scammers",
            "bunch of scammers",
            "scam company",
            "this is a scam",
            "what a scam",
            "crooks",
            "thieves",
            "disgrace",
            "disgusting",
            "garbage service",
            "total garbage",
            "lame",
            "what a joke",
            "a real laugh",
            "should be ashamed",
            "csfail",
            "fraudulent company",
            "joke of a",
            "worst",
            "trash",
            "you suck",
            "sucks",
            "don't lie",
            "do not lie",
            "stop lying",
            "shady",
            "you stole",
            "you're stealing",
            "you are stealing",
        ],
        why: "Insults and swearing make the reader your opponent, and the one who reads it is rarely the one who caused the problem.",
        instead: "Describe the effect on you instead: \"This has cost me two days without internet and I'm frustrated.\"",
    },
    Rule {
        kind: PROFANITY,
        phrases: &[
            "damn", "crap", "shit", "bullshit", "fuck", "fucking", "bloody", "wtf", "bs",
            "the hell", "tf is", "wth", "stfu", "ffs",
        ],
        why: "Swearing at them or at what they sell makes the reader your opponent, and the one who reads it is rarely the one who caused the problem.",
        instead: "Describe the effect on you instead: \"This has cost me two days without internet and I'm frustrated.\"",
    },
    Rule {
        kind: "sarcasm",
        phrases: &[
            "way to go",
            "thanks for nothing",
            "oh great",
            "thanks a lot for nothing",
        ],
        why: "Mock praise reads as contempt: the reader hears the scorn, not the problem.",
        instead: "Say plainly what went wrong and what you want: \"The update stopped the app opening; please tell me how to get it working.\"",
    },
    Rule {
        kind: "condescension",
        phrases: &[
            "well actually",
            "you don't understand",
            "you do not understand",
            "obviously",
            "as i already said",
            "as i said before",
            "as i have said",
            "how hard is it",
            "it's not that hard",
            "it is not that hard",
            "any idiot",
            "clearly you",
            "let me explain",
            "for the last time",
            "do your job",
            "you should know",
            "i shouldn't have to",
            "read my previous",
        ],
        why: "Lecturing or talking down makes the reader feel they cannot help you, and then they won't.",
        instead: "Offer the information plainly and ask: \"Could we check the account history together?\"",
    },
    Rule {
        kind: "blame",
        phrases: &[
            "you people",
            "your fault",
            "you screwed",
            "you messed up",
            "you lied",
            "you always",
            "you never",
            "you guys always",
            "your company always",
            "you ruined",
            "you broke",
        ],
        why: "The person reading did not make the policy or the mistake; blaming them costs you an ally.",
        instead: "Separate the person from the company: \"I know this isn't your doing, and I'd be grateful for your help with it.\"",
    },
];

/// Upper-case words that are names, not shouting.
const ACRONYMS: &[&str] = &[
    "USA", "UK", "EU", "CEO", "CFO", "COO", "CTO", "VP", "ID", "SSN", "FCC", "CFPB", "FTC", "FCA",
    "ATM", "PIN", "TV", "OK", "URL", "PDF", "UPS", "DHL", "USPS", "DVD", "USB", "LLC", "INC",
    "LTD", "PLC", "VIN", "IBAN", "BIC", "SWIFT", "ISP", "DSL", "ADSL", "SIM", "IMEI", "APR", "RMA",
    "FAQ", "NA", "CC", "BCC", "PS", "AM", "PM", "ET", "PT", "CT", "MT", "GMT", "UTC", "EST", "PST",
    "IT", "HR", "ACH", "BBB", "RE", "FYI", "ASAP", "EUR", "USD", "GBP", "CAD", "AUD", "CHF", "JPY",
];

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'\''
}

/// Byte ranges where `phrase` occurs as whole words in `lower` (an ASCII-lowercased copy).
fn find_phrase(lower: &str, phrase: &str) -> Vec<(usize, usize)> {
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find(phrase) {
        let start = from + i;
        let end = start + phrase.len();
        let before_ok = start == 0 || !is_word_char(bytes[start - 1]);
        let after_ok = end >= bytes.len() || !is_word_char(bytes[end]);
        if before_ok && after_ok {
            out.push((start, end));
        }
        from = end.max(start + 1);
        while from < lower.len() && !lower.is_char_boundary(from) {
            from += 1;
        }
    }
    out
}

/// The text in ASCII lower case, with the typographic apostrophes phones and
/// word processors type (’) as plain ones, so that "I’ll sue" reads as
/// "I'll sue"; and where each of its bytes was in the text, when that moved.
struct Folded {
    lower: String,
    at: Option<Vec<usize>>,
}

impl Folded {
    fn new(text: &str) -> Folded {
        let curly = |c: char| matches!(c, '\u{2019}' | '\u{2018}' | '\u{02bc}');
        if !text.contains(curly) {
            return Folded {
                lower: text.to_ascii_lowercase(),
                at: None,
            };
        }
        let mut lower = String::with_capacity(text.len());
        let mut at = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            let c = if curly(c) {
                '\''
            } else {
                c.to_ascii_lowercase()
            };
            lower.push(c);
            at.extend(std::iter::repeat_n(i, c.len_utf8()));
        }
        at.push(text.len());
        Folded {
            lower,
            at: Some(at),
        }
    }

    /// A span of `lower` as a span of the text.
    fn span(&self, (s, e): (usize, usize)) -> (usize, usize) {
        match &self.at {
            Some(at) => (at[s], at[e]),
            None => (s, e),
        }
    }
}

/// Swear words with letters starred out ("f***", "sh*t", "a**hole"): the
/// reader still reads the word. A masked address ("me*****om") is longer.
fn censored(lower: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    for word in lower.split_inclusive(char::is_whitespace) {
        let core = word
            .trim_end()
            .trim_end_matches(|c: char| c.is_ascii_punctuation() && c != '*');
        let core = core.trim_start_matches(|c: char| c.is_ascii_punctuation() && c != '*');
        let start = at + word.find(core).unwrap_or(0);
        at += word.len();
        let lead = core.find('*').unwrap_or(0);
        let stars = core.bytes().filter(|&b| b == b'*').count();
        if (3..=8).contains(&core.len())
            && (1..=3).contains(&lead)
            && (1..=4).contains(&stars)
            && core.chars().all(|c| c.is_ascii_alphabetic() || c == '*')
        {
            out.push((start, start + core.len()));
        }
    }
    out
}

/// Parts of an @name that make it the police, a prosecutor, a regulator or
/// a consumer watchdog.
const AUTHORITIES: &[&str] = &[
    "fbi",
    "doj",
    "usatty",
    "attorneygeneral",
    "bbb",
    "ftc",
    "cfpb",
    "fcc",
    "police",
    "sheriff",
    "ofcom",
    "ombudsman",
    "tradingstandards",
];

/// Whether an @name holds one of [`AUTHORITIES`] as a part of its own
/// (its ends, an underscore, a digit or a capital mark the parts):
/// "FBIDallas", "MetPoliceUK", "bbb_us", but not "DojoApp".
fn names_authority(handle: &str) -> bool {
    let lower = handle.to_ascii_lowercase();
    let b = handle.as_bytes();
    let edge = |i: usize| {
        i == 0
            || i >= b.len()
            || b[i] == b'_'
            || b[i - 1] == b'_'
            || b[i].is_ascii_digit()
            || b[i].is_ascii_uppercase()
    };
    AUTHORITIES.iter().any(|a| {
        lower
            .match_indices(a)
            .any(|(i, _)| edge(i) && edge(i + a.len()))
    })
}

/// Authorities tagged into a message to the company: the rubric's "tagging
/// regulators into the complaint", which reads as a threat.
fn authorities_tagged(text: &str) -> Vec<ToneFinding> {
    let mut out = Vec::new();
    let mut at = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let start = at + word.find('@').unwrap_or(word.len());
        at += word.len();
        let Some(handle) = word.trim_end().split('@').nth(1) else {
            continue;
        };
        let handle = handle.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
        if names_authority(handle) {
            out.push(finding(
                text,
                "threat",
                Severity::Harmful,
                (start, start + 1 + handle.len()),
                "Tagging the police or a regulator into a message to the company reads as a threat; the person reading it turns to protecting the company.",
                "Write to the company alone. If they do not put it right, a complaint to the regulator is a step of its own, with your record behind it.",
            ));
        }
    }
    out
}

fn finding(
    text: &str,
    kind: &str,
    severity: Severity,
    (start, end): (usize, usize),
    why: &str,
    instead: &str,
) -> ToneFinding {
    ToneFinding {
        kind: kind.into(),
        severity,
        start,
        end,
        excerpt: text[start..end].to_string(),
        why: why.into(),
        instead: instead.into(),
        rewrite: None,
    }
}

/// Capitals and runs of marks, as the rubric of the labelled messages reads
/// them: a whole sentence in capitals, or marks piled on a demand or on
/// "you", is shouting; one emphasised phrase, an urgent "HELP PLEASE", or
/// marks after a plea are loud but not aimed, so they are suggestions.
fn shouting(text: &str) -> Vec<ToneFinding> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    // Runs of two or more upper-case words of three letters or more.
    // start, end, words, words of four letters or more, words that plead
    let mut run: Option<(usize, usize, usize, usize, usize)> = None;
    let flush = |run: &mut Option<(usize, usize, usize, usize, usize)>,
                 out: &mut Vec<ToneFinding>| {
        if let Some((s, e, n, long, plea)) = run.take()
            && n >= 2
            && long >= 1
        {
            let aimed = plea < n && (n >= 3 || mostly_capitals(text, s));
            out.push(if aimed {
                finding(
                    text,
                    "shouting",
                    Severity::Harmful,
                    (s, e),
                    "Capitals read as shouting; the reader hears anger, not urgency.",
                    "Write it in sentence case and let the facts carry the weight.",
                )
            } else {
                finding(
                    text,
                    "shouting",
                    Severity::Suggestion,
                    (s, e),
                    "Capitals read louder than you may mean.",
                    "Sentence case reads as calm; the facts show how urgent it is.",
                )
            });
        }
    };
    let mut idx = 0;
    for word in text.split_inclusive(|c: char| c.is_whitespace()) {
        let w = word.trim_end();
        let core = w.trim_matches(|c: char| !c.is_alphanumeric());
        let offset = idx + w.find(core).unwrap_or(0);
        let letters: Vec<char> = core.chars().filter(|c| c.is_alphabetic()).collect();
        // A redaction mask (XXXX) is not a word anyone shouted.
        let mask = letters.iter().all(|c| *c == 'X');
        let caps = letters.len() >= 3
            && letters.iter().all(|c| c.is_uppercase())
            && !core.chars().any(|c| c.is_ascii_digit())
            && !mask
            && !ACRONYMS.contains(&core);
        if caps {
            // Codes (an airport, a product) are three letters; a run is
            // shouting once it holds a longer word.
            let long = usize::from(letters.len() >= 4);
            let plea = usize::from(PLEAS.contains(&core));
            run = Some(match run {
                Some((s, _, n, l, p)) => (s, offset + core.len(), n + 1, l + long, p + plea),
                None => (offset, offset + core.len(), 1, long, plea),
            });
        } else if !core.is_empty() {
            flush(&mut run, &mut out);
        }
        idx += word.len();
    }
    flush(&mut run, &mut out);
    // Runs of exclamation or question marks.
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'!' || b[i] == b'?' {
            let s = i;
            while i < b.len() && (b[i] == b'!' || b[i] == b'?') {
                i += 1;
            }
            // Two marks are emphasis; three or more read as shouting when
            // they end a demand or speak to the reader. Marks mixing ? and !
            // ("?!?!") are exasperation, whoever is asked; question marks
            // alone, when the question demands to know why.
            if i - s >= 3 {
                let marks = &text[s..i];
                let questions = !marks.contains('!');
                let aimed = if questions {
                    asks_why(sentence_before(&lower, s))
                } else {
                    marks.contains('?') || demands_or_speaks_to(&lower, s)
                };
                let (loud, calm) = if questions {
                    (
                        "A string of question marks reads as shouting.",
                        "One question mark is enough; ask it plainly.",
                    )
                } else {
                    (
                        "Strings of exclamation marks read as shouting.",
                        "One full stop is enough; state the impact in words.",
                    )
                };
                out.push(if aimed {
                    finding(text, "shouting", Severity::Harmful, (s, i), loud, calm)
                } else {
                    finding(
                        text,
                        "shouting",
                        Severity::Suggestion,
                        (s, i),
                        "Strings of marks read louder than you may mean.",
                        "One mark is enough; say how urgent it is in words.",
                    )
                });
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Capitalised words that ask for help rather than shout at anyone.
const PLEAS: &[&str] = &["HELP", "PLEASE", "URGENT", "SOS"];

/// Verbs that open an order ("Fix it", "Update your software").
const ORDERS: &[&str] = &[
    "fix",
    "update",
    "stop",
    "give",
    "refund",
    "cancel",
    "answer",
    "respond",
    "reply",
    "call",
    "send",
    "get",
    "make",
    "change",
    "sort",
    "return",
    "restore",
    "reset",
    "remove",
    "explain",
    "tell",
    "pay",
    "bring",
    "let",
    "resolve",
    "deliver",
    "ship",
    "open",
    "unlock",
    "reinstate",
];

/// Whether at least half the words (not @tags or links) of the sentence
/// holding byte `at` are in capitals (acronyms too: "I NEED THE ISP REFUND").
fn mostly_capitals(text: &str, at: usize) -> bool {
    let (s, e) = sentence_at(text, at);
    let words: Vec<&str> = text[s..e]
        .split_whitespace()
        .filter(|w| !w.starts_with('@') && !w.starts_with("http"))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let loud = words
        .iter()
        .filter(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic());
            letters.clone().count() >= 2 && letters.clone().all(char::is_uppercase)
        })
        .count();
    2 * loud >= words.len()
}

/// Whether the sentence that ends at byte `at` of `lower` is an order
/// (opens with a verb such as "fix", no "please") or speaks to the reader.
fn demands_or_speaks_to(lower: &str, at: usize) -> bool {
    let sentence = sentence_before(lower, at);
    let words = words_of(sentence);
    let pleads = words
        .iter()
        .any(|w| matches!(*w, "please" | "pls" | "plz" | "kindly"));
    let order = words
        .iter()
        .find(|w| !matches!(**w, "just" | "now" | "so" | "then" | "and"))
        .is_some_and(|w| ORDERS.contains(w));
    (order && !pleads) || speaks_to_reader(sentence)
}

/// The sentence of `lower` that ends at byte `at`.
fn sentence_before(lower: &str, at: usize) -> &str {
    let start = sentences(&lower[..at]).last().map_or(0, |&(s, _)| s);
    &lower[start..at]
}

/// The words of a lower-cased sentence, @names left out.
fn words_of(sentence: &str) -> Vec<&str> {
    sentence
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '@' || c == '_'))
        .filter(|w| !w.is_empty() && !w.starts_with('@'))
        .collect()
}

/// Whether a lower-cased question asks why ("why is", "how come").
fn asks_why(sentence: &str) -> bool {
    matches!(
        words_of(sentence).as_slice(),
        ["why", ..] | ["how", "come", ..]
    )
}

fn contains_any(lower: &str, words: &[&str]) -> bool {
    words.iter().any(|w| !find_phrase(lower, w).is_empty())
}

fn has_date(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    const MONTHS: &[&str] = &[
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if contains_any(&lower, MONTHS)
        || contains_any(
            &lower,
            &[
                "yesterday",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                "last week",
            ],
        )
    {
        return true;
    }
    // 2026-11-03, 11/03/2026, 3.11.2026
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .any(|t| {
            let parts: Vec<&str> = t.trim_end_matches('.').split(['-', '/', '.']).collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
        })
}

/// Checks a draft. With a case, completeness is judged against its own facts.
/// What the draft is for; a thank-you needs no resolution or troubleshooting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Asks the company to do something.
    Request,
    /// Thanks or commends someone.
    Thanks,
}

pub fn check_draft(
    text: &str,
    kind: DraftKind,
    purpose: Purpose,
    case: Option<&CaseState>,
) -> ToneReport {
    check_drafts(&[(text, kind)], purpose, case)
        .pop()
        .expect("one report per draft")
}

/// Checks several drafts at once: the model reads them together, which is
/// faster than one at a time.
pub fn check_drafts(
    drafts: &[(&str, DraftKind)],
    purpose: Purpose,
    case: Option<&CaseState>,
) -> Vec<ToneReport> {
    let texts: Vec<&str> = drafts.iter().map(|d| d.0).collect();
    let (readings, name, problem) = match MODEL.get() {
        Some(m) => match m.read(&texts) {
            Some(Ok(r)) => (r.into_iter().map(Some).collect(), m.name(), None),
            Some(Err(e)) => (vec![None; texts.len()], "rules", Some(e)),
            None => (vec![None; texts.len()], "rules", None),
        },
        None => (vec![None; texts.len()], "rules", None),
    };
    drafts
        .iter()
        .zip(readings)
        .map(|(&(text, kind), reading)| {
            let mut r = check_by_rules(text, kind, purpose, case, reading);
            r.model = name.to_string();
            r.model_problem = problem.clone();
            r
        })
        .collect()
}

fn check_by_rules(
    text: &str,
    kind: DraftKind,
    purpose: Purpose,
    case: Option<&CaseState>,
    reading: Option<Reading>,
) -> ToneReport {
    let request = purpose == Purpose::Request;
    let folded = Folded::new(text);
    let lower = folded.lower.as_str();
    let quoted = quoted_ranges(text);
    let in_quotes = |(s, e): (usize, usize)| quoted.iter().any(|&(qs, qe)| s >= qs && e <= qe);
    let mut findings = Vec::new();
    // Spans here are of `lower`; `folded.span` takes them back to the text.
    let found = |rule: &Rule, span: (usize, usize), findings: &mut Vec<ToneFinding>| {
        // Words quoted (what someone else said or wrote) are not the writer's.
        if in_quotes(folded.span(span)) {
            return;
        }
        // Swearing aimed elsewhere (at hackers, at gougers, at oneself)
        // does not turn the reader against you; it still makes the message
        // read hotter.
        let severity = if rule.kind == PROFANITY && !aimed_at_reader(lower, span) {
            Severity::Suggestion
        } else {
            Severity::Harmful
        };
        let (why, instead) = match severity {
            Severity::Suggestion => (
                "Swearing, even at something other than them, makes the message read hotter than you may mean.",
                "Leave it out; the facts carry the weight.",
            ),
            Severity::Harmful => (rule.why, rule.instead),
        };
        findings.push(finding(
            text,
            rule.kind,
            severity,
            folded.span(span),
            why,
            instead,
        ));
    };
    for rule in RULES {
        for phrase in rule.phrases {
            for span in find_phrase(lower, phrase) {
                // "if you don't mind" asks a favour.
                let polite = POLITE_AFTER
                    .iter()
                    .any(|(p, after)| p == phrase && lower[span.1..].starts_with(after));
                if !polite {
                    found(rule, span, &mut findings);
                }
            }
        }
    }
    let swearing = RULES
        .iter()
        .find(|r| r.kind == PROFANITY)
        .expect("a profanity rule");
    for span in censored(lower) {
        found(swearing, span, &mut findings);
    }
    findings.extend(
        shouting(text)
            .into_iter()
            .chain(authorities_tagged(text))
            .filter(|f| !in_quotes((f.start, f.end))),
    );
    let words = text.split_whitespace().count();
    if words > kind.word_limit() {
        findings.push(ToneFinding {
            kind: "too_long".into(),
            severity: Severity::Suggestion,
            start: 0,
            end: text.len(),
            excerpt: format!("{words} words"),
            why: format!("At {words} words this is long for its purpose (about {} is plenty); long messages get skimmed and the ask gets lost.", kind.word_limit()),
            rewrite: None,
            instead: "Keep the problem, the key dates and numbers, what you tried and the resolution you want; move the history to an attachment or timeline.".into(),
        });
    }
    findings.sort_by_key(|f| (f.start, f.end));
    findings.dedup_by(|a, b| a.start == b.start && a.end == b.end);
    rewrite_sentences(text, &mut findings);

    let mut missing = Vec::new();
    // Completeness is for a message that must stand on its own (an email,
    // a letter); a chat message is one turn of a conversation.
    let complete = kind != DraftKind::Chat;
    let mut need = |ok: bool, what: &str, why: &str| {
        if complete && !ok {
            missing.push(Missing {
                what: what.into(),
                why: why.into(),
            });
        }
    };
    // A letter opens with a date and an address; the salutation comes a few lines in.
    let opening: String = lower
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("\n");
    need(
        contains_any(
            &opening,
            &[
                "hi",
                "hello",
                "dear",
                "good morning",
                "good afternoon",
                "good evening",
                "hey",
                "greetings",
                "to whom it may concern",
            ],
        ),
        "a greeting",
        "Open with a greeting, by name where you have one.",
    );
    need(
        contains_any(lower, &["thank", "thanks", "appreciate", "grateful"]),
        "thanks",
        "A word of thanks costs nothing and makes the reader want to help.",
    );
    let asks = [
        "i would like",
        "i'd like",
        "i am asking",
        "i'm asking",
        "i ask",
        "please",
        "could you",
        "can you",
        "would you",
        "i request",
        "requesting",
        "i want",
        "i need",
        "i'm hoping",
        "i am hoping",
    ];
    need(
        !request || contains_any(lower, &asks),
        "the resolution you are asking for",
        "Say exactly what you want them to do, how much and by when.",
    );
    need(
        has_date(text),
        "dates",
        "Give the dates: when you bought it, when the problem began, when you called.",
    );
    need(
        !request
            || contains_any(
                lower,
                &[
                    "tried",
                    "reset",
                    "restarted",
                    "rebooted",
                    "already",
                    "replaced the",
                    "checked",
                    "followed",
                ],
            ),
        "what you already tried",
        "Say what you already tried, so they don't ask you to do it again.",
    );
    match case {
        Some(s) => {
            let ids: Vec<String> = s
                .live_facts()
                .filter(|f| f.fact.kind == FactKind::Identifier)
                .map(|f| f.fact.value.clone())
                .chain(s.live_references().map(|r| r.value.clone()))
                .collect();
            let has_id = ids.iter().any(|v| {
                let v = v.to_ascii_lowercase();
                let tail: String = v
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<Vec<_>>()
                    .iter()
                    .rev()
                    .take(4)
                    .rev()
                    .collect();
                lower.contains(&v) || (tail.len() == 4 && lower.contains(&tail))
            });
            need(
                has_id || ids.is_empty(),
                "an identifier",
                "Include the account, order or case number so they can find you at once.",
            );
            if let Some(g) = s.goal() {
                let key: Vec<String> = g
                    .goal
                    .problem
                    .split_whitespace()
                    .filter(|w| w.len() >= 5)
                    .map(|w| {
                        w.to_ascii_lowercase()
                            .trim_matches(|c: char| !c.is_alphanumeric())
                            .to_string()
                    })
                    .collect();
                let hits = key.iter().filter(|k| lower.contains(k.as_str())).count();
                need(
                    !request || key.is_empty() || hits * 3 >= key.len(),
                    "the problem",
                    "State the problem in a sentence: the thing, what it does wrong, since when.",
                );
            }
        }
        None => {
            let has_id = text.split_whitespace().any(|t| {
                let t = t.trim_matches(|c: char| !c.is_alphanumeric());
                t.chars().filter(|c| c.is_ascii_digit()).count() >= 4
                    && !(t.len() == 4 && t.starts_with(['1', '2']))
            });
            need(
                has_id,
                "an identifier",
                "Include the account, order or case number so they can find you at once.",
            );
        }
    }
    if let Some(r) = reading.filter(|r| r.hurts)
        && !findings.iter().any(|f| f.severity == Severity::Harmful)
    {
        findings.push(whole_message(text, r.hurt));
    }
    let hurt = findings.iter().any(|f| f.severity == Severity::Harmful);
    let politeness = politeness(text, &findings, reading);
    ToneReport {
        reads: Reads::of(hurt, politeness),
        hurt,
        politeness,
        words,
        findings,
        missing,
        model: rules_name(),
        model_problem: None,
    }
}

/// The model's finding when no phrase is to blame: the whole message.
fn whole_message(text: &str, hurt: f64) -> ToneFinding {
    let trimmed = text.trim_end();
    ToneFinding {
        kind: "tone".into(),
        severity: Severity::Harmful,
        start: 0,
        end: trimmed.len(),
        excerpt: trimmed.chars().take(80).collect(),
        why: format!(
            "Read as a whole it is likely to put the reader on the defensive \
             (the tone model's reading, {:.2} of 1), though no one phrase is to blame: \
             sarcasm, blame and scorn often read this way.",
            hurt
        ),
        instead: "Say what happened, what it cost you and what you want, in plain even words."
            .into(),
        rewrite: None,
    }
}

/// Sentence openers that talk down, and what keeps their meaning ("" to
/// drop the opener).
const OPENERS: &[(&str, &str)] = &[
    ("well actually", ""),
    ("obviously", ""),
    ("clearly", ""),
    ("as i already said", "As I mentioned"),
    ("as i said before", "As I mentioned"),
    ("as i have said", "As I mentioned"),
    ("for the last time", ""),
];

/// Threats that are a whole sentence: left out, the sentence loses nothing
/// the reader needs.
const WHOLE_THREATS: &[&str] = &[
    "i will sue",
    "i'll sue",
    "i am going to sue",
    "you'll regret",
    "you will regret",
    "you have been warned",
    "last chance",
    "final warning",
    "i know where",
    "watch your back",
];

/// Byte ranges of the sentences of `text`: up to and including a run of
/// `.`, `!` or `?`, or a line break.
const PROFANITY: &str = "profanity";

/// Whether the sentence holding `span` speaks to the reader ("you", "your",
/// "y'all") or tags them (@acme): swearing there is aimed at them or at
/// what they sell.
/// A short outburst ("Tf is that!") is about the sentence before it.
fn aimed_at_reader(lower: &str, span: (usize, usize)) -> bool {
    let (start, end) = sentence_at(lower, span.0);
    let at_reader = |sentence: &str| {
        sentence
            .split_whitespace()
            .any(|w| w.starts_with('@') && w.len() > 1)
            || speaks_to_reader(sentence)
    };
    let sentence = &lower[start..end];
    at_reader(sentence)
        || (sentence.split_whitespace().count() <= 4
            && start > 0
            && at_reader(&lower[sentence_at(lower, start - 1).0..start]))
}

/// Whether `lower` (lower-cased) says "you", "your", "y'all" and the like.
fn speaks_to_reader(lower: &str) -> bool {
    lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '\u{2019}'))
        .any(|w| {
            matches!(
                w.trim_matches(|c| c == '\'' || c == '\u{2019}'),
                "you" | "your" | "you're" | "yours" | "y'all" | "y\u{2019}all" | "u" | "ur" | "ya"
            )
        })
}

/// The byte range of the sentence of `text` holding byte `at`.
fn sentence_at(text: &str, at: usize) -> (usize, usize) {
    sentences(text)
        .into_iter()
        .find(|&(s, e)| s <= at && at < e)
        .unwrap_or((0, text.len()))
}

fn sentences(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let (mut out, mut start, mut i) = (Vec::new(), 0, 0);
    while i < b.len() {
        if matches!(b[i], b'.' | b'!' | b'?' | b'\n') {
            while i < b.len() && matches!(b[i], b'.' | b'!' | b'?') {
                i += 1;
            }
            if i < b.len() && b[i] == b'\n' {
                i += 1;
            }
            // A full stop inside a number or an address is not an end.
            if i < b.len() && !b[i].is_ascii_whitespace() && b[i - 1] == b'.' {
                continue;
            }
            out.push((start, i));
            start = i;
        } else {
            i += 1;
        }
    }
    if start < b.len() {
        out.push((start, b.len()));
    }
    out
}

/// Each harmful finding gets its sentence rewritten, when every harmful
/// thing in that sentence has a rewrite that keeps what it says: shouting
/// in sentence case, a run of marks as one, "or else" and an opener that
/// talks down left out, a sentence that is only a threat left out whole.
fn rewrite_sentences(text: &str, findings: &mut [ToneFinding]) {
    for (s, e) in sentences(text) {
        let here: Vec<usize> = (0..findings.len())
            .filter(|&i| {
                let f = &findings[i];
                f.severity == Severity::Harmful && f.start >= s && f.end <= e
            })
            .collect();
        if here.is_empty() {
            continue;
        }
        let sentence = &text[s..e];
        let lower = sentence.to_ascii_lowercase();
        let body = lower.trim_start();
        let lead = lower.len() - body.len();
        if here.iter().all(|&i| findings[i].kind == "threat")
            && WHOLE_THREATS
                .iter()
                .any(|t| Folded::new(body).lower.starts_with(t))
        {
            for &i in &here {
                findings[i].rewrite = Some(String::new());
            }
            continue;
        }
        // Pieces to replace, as byte ranges of the sentence.
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        let (mut all, mut calm) = (true, false);
        // A sentence rewritten anyway loses its loud marks and capitals too.
        let loud = (0..findings.len()).filter(|&i| {
            let f = &findings[i];
            f.severity == Severity::Suggestion && f.kind == "shouting" && f.start >= s && f.end <= e
        });
        for i in here.iter().copied().chain(loud) {
            let f = &findings[i];
            let (fs, fe) = (f.start - s, f.end - s);
            match f.kind.as_str() {
                "shouting" if f.excerpt.bytes().all(|c| c == b'!' || c == b'?') => {
                    let mark = if f.excerpt.contains('?') { "?" } else { "." };
                    edits.push((fs, fe, mark.to_string()));
                }
                "shouting" => calm = true,
                // An authority tagged in: the message without the tag.
                "threat" if f.excerpt.starts_with('@') => {
                    let to = fe + sentence[fe..].len() - sentence[fe..].trim_start().len();
                    edits.push((fs, to, String::new()));
                }
                "threat" if f.excerpt.eq_ignore_ascii_case("or else") => {
                    let from = sentence[..fs].trim_end_matches([' ', ',']).len();
                    edits.push((from, fe, String::new()));
                }
                "condescension" => match OPENERS
                    .iter()
                    .find(|(o, _)| fs == lead && lower[fs..].starts_with(o) && fe - fs == o.len())
                {
                    Some((_, keep)) => {
                        let mut to = fe;
                        while to < sentence.len() && matches!(sentence.as_bytes()[to], b',' | b' ')
                        {
                            to += 1;
                        }
                        let keep = if keep.is_empty() {
                            String::new()
                        } else {
                            format!("{keep}, ")
                        };
                        edits.push((fs, to, keep));
                    }
                    None => all = false,
                },
                _ => all = false,
            }
        }
        if !all {
            continue;
        }
        edits.sort_by_key(|x| x.0);
        let mut out = String::with_capacity(sentence.len());
        let mut at = 0;
        for (from, to, with) in edits {
            if from < at {
                continue;
            }
            out.push_str(&sentence[at..from]);
            out.push_str(&with);
            at = to;
        }
        out.push_str(&sentence[at..]);
        if calm {
            out = calm_capitals(&out);
        }
        let out = sentence_case(out.trim());
        for &i in &here {
            findings[i].rewrite = Some(out.clone());
        }
    }
}

/// Words written in capitals, in lower case (acronyms and "I" kept).
fn calm_capitals(s: &str) -> String {
    s.split_inclusive(' ')
        .map(|w| {
            let core = w.trim_matches(|c: char| !c.is_alphanumeric());
            let letters = core.chars().filter(|c| c.is_alphabetic()).count();
            if letters >= 2 && core.chars().all(|c| !c.is_lowercase()) && !ACRONYMS.contains(&core)
            {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect()
}

/// The first letter in upper case, the rest as it is.
fn sentence_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Phrases that are not what they seem when these words follow.
const POLITE_AFTER: &[(&str, &str)] = &[("if you don't", " mind"), ("if you do not", " mind")];

/// Byte ranges of quoted text: lines that start with `>` (a reply's quote)
/// and text between double quotes, straight or curly.
fn quoted_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('>') {
            out.push((at, at + line.len()));
        }
        at += line.len();
    }
    let mut open: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match (c, open) {
            ('"' | '\u{201c}', None) => open = Some(i),
            ('"' | '\u{201d}', Some(s)) => {
                out.push((s, i + c.len_utf8()));
                open = None;
            }
            _ => {}
        }
    }
    out
}

/// How polite a message reads, 0 to 1: the learned model's reading where
/// there is one, else the word model's score (`coach::politeness`), held at
/// 0.2 or below when something will hurt. Without either, [`rules_politeness`].
pub fn politeness(text: &str, findings: &[ToneFinding], reading: Option<Reading>) -> f64 {
    let harmful = findings.iter().any(|f| f.severity == Severity::Harmful);
    match reading
        .map(|r| r.politeness)
        .or_else(|| super::politeness::score(text))
    {
        Some(p) => {
            let p = if harmful { p.min(0.2) } else { p };
            (p * 1000.0).round() / 1000.0
        }
        None => rules_politeness(text, findings),
    }
}

/// How polite a message reads, 0 to 1, from the strategies people use to
/// soften a request (thanks, a greeting, "could you", an apology, hedging)
/// and those that sharpen it (a bare "why", opening with "you", anything
/// the rules find harmful). The fallback that explains itself.
pub fn rules_politeness(text: &str, findings: &[ToneFinding]) -> f64 {
    let lower = text.to_ascii_lowercase();
    let has = |words: &[&str]| contains_any(&lower, words);
    let mut score = 0.0;
    let strategies: &[(&[&str], f64)] = &[
        (
            &[
                "thank",
                "thanks",
                "thank you",
                "appreciate",
                "appreciated",
                "grateful",
            ],
            1.0,
        ),
        (&["please"], 0.4),
        (
            &[
                "could you",
                "would you",
                "would it be possible",
                "could we",
                "would you mind",
                "might you",
            ],
            0.8,
        ),
        (
            &[
                "hi",
                "hello",
                "dear",
                "good morning",
                "good afternoon",
                "good evening",
            ],
            0.4,
        ),
        (
            &[
                "sorry",
                "apologies",
                "apologize",
                "apologise",
                "excuse me",
                "pardon",
            ],
            0.6,
        ),
        (
            &[
                "i think",
                "i believe",
                "perhaps",
                "maybe",
                "possibly",
                "i wonder",
                "it seems",
                "i suppose",
            ],
            0.4,
        ),
        (
            &[
                "great",
                "nice",
                "excellent",
                "helpful",
                "kind",
                "wonderful",
                "good work",
                "well done",
            ],
            0.5,
        ),
        (&["by the way", "btw"], -0.3),
        (
            &[
                "why did",
                "why is",
                "why are",
                "why do",
                "why does",
                "why would",
                "why not",
                "how come",
            ],
            -0.6,
        ),
        (
            &[
                "you need to",
                "you must",
                "you should",
                "you have to",
                "do it",
            ],
            -0.6,
        ),
    ];
    for (words, weight) in strategies {
        if has(words) {
            score += weight;
        }
    }
    let first = lower.split_whitespace().next().unwrap_or("");
    if matches!(first, "you" | "your" | "why" | "what" | "so") {
        score -= 0.5;
    }
    let harmful = findings
        .iter()
        .filter(|f| f.severity == Severity::Harmful)
        .count();
    score -= 1.5 * harmful.min(3) as f64;
    let p = 1.0 / (1.0 + (-(score - 0.3)).exp());
    (p * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(r: &ToneReport) -> Vec<&str> {
        r.findings.iter().map(|f| f.kind.as_str()).collect()
    }

    #[test]
    fn each_kind_of_harm_is_found_with_its_span() {
        let t = "Listen, you people are INCOMPETENT IDIOTS!!! Well actually I told you twice. Refund me or else I will sue.";
        let r = check_draft(t, DraftKind::Email, Purpose::Request, None);
        let k = kinds(&r);
        for expected in ["blame", "shouting", "insult", "condescension", "threat"] {
            assert!(k.contains(&expected), "{expected} missing from {k:?}");
        }
        let or_else = r.findings.iter().find(|f| f.excerpt == "or else").unwrap();
        assert_eq!(&t[or_else.start..or_else.end], "or else");
        assert!(r.findings.iter().any(|f| f.excerpt == "INCOMPETENT IDIOTS"));
        assert!(r.findings.iter().any(|f| f.excerpt == "!!!"));
        assert_eq!(r.worst(), Some(Severity::Harmful));
    }

    #[test]
    fn swearing_hurts_when_aimed_at_the_reader_and_only_colours_it_otherwise() {
        let severity = |t: &str| {
            let r = check_draft(t, DraftKind::Chat, Purpose::Request, None);
            r.findings
                .iter()
                .find(|f| f.kind == "profanity")
                .map(|f| f.severity)
        };
        for aimed in [
            "Why the hell are you renewing without asking?",
            "Your app is shit.",
            "my airpods broke and i'm ready to flip the fuck out @Apple",
        ] {
            assert_eq!(severity(aimed), Some(Severity::Harmful), "{aimed}");
        }
        for elsewhere in [
            "I'm going to fucking puke. The review was banned.",
            "Hackers keep trying to log in to my account, wtf.",
        ] {
            assert_eq!(
                severity(elsewhere),
                Some(Severity::Suggestion),
                "{elsewhere}"
            );
            let r = check_draft(elsewhere, DraftKind::Chat, Purpose::Request, None);
            assert!(!r.hurt, "{elsewhere}");
        }
    }

    #[test]
    fn mock_praise_and_contempt_named_by_the_rubric_hurt() {
        for (t, kind) in [
            ("Closed again with no notice. Way to go Chase.", "sarcasm"),
            ("Thanks for nothing.", "sarcasm"),
            ("Your security check is lame.", "insult"),
            ("Greetings, fraudulent company!", "insult"),
            ("Your support is a real laugh.", "insult"),
        ] {
            let r = check_draft(t, DraftKind::Chat, Purpose::Request, None);
            assert!(r.hurt && kinds(&r).contains(&kind), "{t}: {:?}", kinds(&r));
        }
        // Reporting fraud by someone else is not an insult.
        let r = check_draft(
            "There are fraudulent charges on my card from a shop I never used.",
            DraftKind::Chat,
            Purpose::Request,
            None,
        );
        assert!(!r.hurt, "{:?}", kinds(&r));
    }

    #[test]
    fn words_inside_other_words_and_acronyms_do_not_count() {
        let t = "Hello Dana, thank you. On 2026-11-03 I called about account 88124471; the ISP router (model X200) was reset already. I would like a refund of $129 via ACH please. Classy service.";
        let r = check_draft(t, DraftKind::Email, Purpose::Request, None);
        assert!(r.is_clean(), "{r:#?}");
    }

    #[test]
    fn missing_parts_are_listed_and_length_is_judged_by_kind() {
        let r = check_draft(
            "the router is broken",
            DraftKind::Email,
            Purpose::Request,
            None,
        );
        let m: Vec<&str> = r.missing.iter().map(|m| m.what.as_str()).collect();
        assert_eq!(
            m,
            [
                "a greeting",
                "thanks",
                "the resolution you are asking for",
                "dates",
                "what you already tried",
                "an identifier"
            ]
        );
        assert_eq!(r.worst(), Some(Severity::Suggestion));
        let long = format!("Hello, thanks. {}", "word ".repeat(200));
        assert!(
            kinds(&check_draft(&long, DraftKind::Chat, Purpose::Request, None))
                .contains(&"too_long")
        );
        assert!(
            !kinds(&check_draft(
                &long,
                DraftKind::Letter,
                Purpose::Request,
                None
            ))
            .contains(&"too_long")
        );
    }

    #[test]
    fn loud_is_shouting_when_it_is_aimed() {
        let severities = |t: &str| -> Vec<Severity> {
            check_draft(t, DraftKind::Chat, Purpose::Request, None)
                .findings
                .into_iter()
                .filter(|f| f.kind == "shouting")
                .map(|f| f.severity)
                .collect()
        };
        // Whole sentences in capitals, marks piled on an order or on "you".
        assert_eq!(severities("@Spotify FIX THIS BRUH"), [Severity::Harmful]);
        assert_eq!(
            severities("FIX. THE. APP. IMMEDIATELY."),
            [Severity::Harmful]
        );
        assert_eq!(severities("WHY ARE YOU THE WORST?"), [Severity::Harmful]);
        assert_eq!(severities("Update your software!!!!"), [Severity::Harmful]);
        assert_eq!(severities("Fix it!!!"), [Severity::Harmful]);
        assert_eq!(
            severities("Why is my printer refusing refilled cartridges?!?!"),
            [Severity::Harmful]
        );
        assert_eq!(
            severities("Cannot believe y'all haven't caught that yet!!!"),
            [Severity::Harmful]
        );
        // An urgent plea, one emphasised phrase, marks after a plea or a fact.
        assert_eq!(
            severities("I can't log in. HELP PLEASE!"),
            [Severity::Suggestion]
        );
        assert_eq!(
            severities("The app has crashed EIGHT TIMES while I was loading the project."),
            [Severity::Suggestion]
        );
        assert_eq!(
            severities("Please do help me out urgently !!! Really urgent"),
            [Severity::Suggestion]
        );
        assert_eq!(
            severities("I bought a key and I can't play !!!"),
            [Severity::Suggestion]
        );
        assert!(!check_draft("HELP PLEASE!", DraftKind::Chat, Purpose::Request, None).hurt);
    }

    #[test]
    fn a_sentence_is_rewritten_when_its_content_can_be_kept() {
        let rewrite = |t: &str| -> Vec<Option<String>> {
            check_draft(t, DraftKind::Chat, Purpose::Request, None)
                .findings
                .into_iter()
                .filter(|f| f.severity == Severity::Harmful)
                .map(|f| f.rewrite)
                .collect()
        };
        assert_eq!(
            rewrite("PLEASE FIX THIS NOW"),
            [Some("Please fix this now".into())]
        );
        assert_eq!(rewrite("Answer me!!!"), [Some("Answer me.".into())]);
        assert_eq!(
            rewrite("Refund the $129 by Friday, or else. Thanks."),
            [Some("Refund the $129 by Friday.".into())]
        );
        // The marks after a fact are a suggestion, calmed with the sentence.
        assert_eq!(
            rewrite("Well actually, the bill says 3.5 GB!!!"),
            [Some("The bill says 3.5 GB.".into())]
        );
        assert_eq!(
            rewrite("As I already said, the router is dead."),
            [Some("As I mentioned, the router is dead.".into())]
        );
        assert_eq!(
            rewrite("The router is dead. I will sue."),
            [Some(String::new())],
            "a sentence that is only a threat is left out"
        );
        // An insult's content cannot be kept: no rewrite, for it or its sentence.
        assert_eq!(
            rewrite("You are idiots. CALL ME BACK TODAY"),
            [None, Some("Call me back today".into())]
        );
        assert_eq!(
            rewrite("I NEED THE ISP REFUND by Monday"),
            [Some("I need the ISP refund by Monday".into())],
            "acronyms and I stay"
        );
    }

    #[test]
    fn a_chat_message_is_not_judged_for_completeness() {
        let r = check_draft(
            "the router is broken",
            DraftKind::Chat,
            Purpose::Request,
            None,
        );
        assert!(r.is_clean(), "{r:#?}");
        assert!(!r.hurt);
    }

    #[test]
    fn the_measured_false_alarms_pass_and_the_missed_harms_are_found() {
        let fine = [
            "Could you check this for me, if you don't mind?",
            "My flight JFK LAX was cancelled, booking ref QX7.",
            "On XX/XX/XXXX I called XXXX XXXX about the charge.",
            "Thanks so much!!",
            "I want to report a scam: someone is texting your customers pretending to be you.",
            "The agent said \"that is a stupid question\" and hung up.",
            "> You idiots never answer\nI quoted my neighbour's email above; could you help him?",
        ];
        for t in fine {
            let r = check_draft(t, DraftKind::Chat, Purpose::Request, None);
            assert!(!r.hurt, "{t}: {:?}", kinds(&r));
        }
        let hurt = [
            "Worst service ever.",
            "This app is trash.",
            "You suck.",
            "Don't lie to us.",
            "I know where your head office is.",
            "PLEASE FIX THIS NOW",
            "Answer me!!!",
            "This is a scam and you know it.",
        ];
        for t in hurt {
            let r = check_draft(t, DraftKind::Chat, Purpose::Request, None);
            assert!(r.hurt, "{t}");
        }
    }

    #[test]
    fn typographic_apostrophes_read_as_plain_ones() {
        // What a phone types: "I’ll", not "I'll".
        let r = check_draft(
            "I’ll sue you. Don’t lie to me.",
            DraftKind::Chat,
            Purpose::Request,
            None,
        );
        let found: Vec<(&str, &str)> = r
            .findings
            .iter()
            .map(|f| (f.kind.as_str(), f.excerpt.as_str()))
            .collect();
        assert_eq!(found, [("threat", "I’ll sue"), ("insult", "Don’t lie")]);
        assert_eq!(r.findings[0].rewrite.as_deref(), Some(""));
        let favour = check_draft(
            "Could you check it, if you don’t mind?",
            DraftKind::Chat,
            Purpose::Request,
            None,
        );
        assert!(!favour.hurt, "{:?}", kinds(&favour));
    }

    #[test]
    fn leverage_starred_swearing_and_piled_questions_are_found() {
        let harmful = |t: &str| -> Vec<(String, String)> {
            check_draft(t, DraftKind::Chat, Purpose::Request, None)
                .findings
                .into_iter()
                .filter(|f| f.severity == Severity::Harmful)
                .map(|f| (f.kind, f.excerpt))
                .collect()
        };
        let one = |kind: &str, excerpt: &str| vec![(kind.to_string(), excerpt.to_string())];
        assert_eq!(
            harmful("@FBIDallas @AcmeHelp my refund is late."),
            one("threat", "@FBIDallas")
        );
        let tagged = check_draft(
            "@AcmeHelp @FTC @bbb_us my refund is late.",
            DraftKind::Chat,
            Purpose::Request,
            None,
        );
        let rewrites: Vec<_> = tagged
            .findings
            .iter()
            .map(|f| f.rewrite.as_deref())
            .collect();
        assert_eq!(rewrites, [Some("@AcmeHelp my refund is late."); 2]);
        assert_eq!(
            harmful("Charged twice again, bout done with y’all"),
            one("threat", "done with y’all")
        );
        assert_eq!(
            harmful("It's easy to lose a customer."),
            one("threat", "lose a customer")
        );
        assert_eq!(
            harmful("Your f***ing app lost my photos."),
            one("profanity", "f***ing")
        );
        assert_eq!(
            harmful("Why did you charge me twice???"),
            one("shouting", "???")
        );
        assert_eq!(
            harmful("Your help line hangs up on me. Tf is that!"),
            one("profanity", "Tf is")
        );
        assert_eq!(
            harmful("@MetPoliceUK @bbb_us @Acme it was stolen."),
            [
                ("threat".to_string(), "@MetPoliceUK".to_string()),
                ("threat".to_string(), "@bbb_us".to_string())
            ]
        );
        for fine in [
            "@AcmeHelp my refund is late.",
            "@DojoSupport @Hobbbit my app crashed.",
            "I'm done with your form; what next?",
            "Write to me*********om or to A* grades.",
            "Can you help with this page???",
            "Some hacker keeps trying to get in. Wtf.",
        ] {
            assert_eq!(harmful(fine), [], "{fine}");
        }
    }

    #[test]
    fn politeness_rises_with_softeners_and_falls_with_harm() {
        let score = |t: &str| check_draft(t, DraftKind::Chat, Purpose::Request, None).politeness;
        let polite = score("Hi Dana, thanks for your help. Could you please check the refund?");
        let plain = score("Check the refund.");
        let rude = score("Why is the refund not done? You people are useless.");
        assert!(polite > 0.7 && polite <= 1.0, "{polite}");
        assert!(plain > rude && plain < polite, "{plain}");
        assert!((0.0..0.2).contains(&rude), "{rude}");
        let reads = |t: &str| check_draft(t, DraftKind::Chat, Purpose::Request, None).reads;
        assert_eq!(
            reads("Hi Dana, thanks for your help. Could you please check the refund?"),
            Reads::Polite
        );
        assert_eq!(reads("Check the refund."), Reads::Neutral);
        assert_eq!(reads("You people are useless."), Reads::WillHurt);
    }

    #[test]
    fn non_ascii_text_keeps_valid_spans() {
        let t = "Grüße! Das ist STUPID und LÄCHERLICH!! 日本語 or else";
        let r = check_draft(t, DraftKind::Email, Purpose::Request, None);
        for f in &r.findings {
            assert_eq!(&t[f.start..f.end], f.excerpt);
        }
        assert!(kinds(&r).contains(&"threat"));
    }
}
