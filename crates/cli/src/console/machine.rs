//! The call console as a pure state machine: keys and clock ticks in,
//! effects (entries to append, quit) out. The driver performs the effects and
//! feeds the new case state back with `refresh`.

use casefile_core::coach::Brief;
use casefile_core::coach::live::Tip;
use casefile_core::text::TimelineRow;
use casefile_core::*;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use uuid::Uuid;

use crate::dates::{Tense, parse_when_in};
use crate::specs::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Backspace,
    /// Ctrl-C: leave at once.
    Interrupt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Append(Vec<Draft>),
    /// Read the case again (to show or hide the numbers).
    Refresh,
    Quit,
}

/// A one-line question at the bottom of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Rep,
    Note,
    Reference,
    Promise,
    Offer,
    Escalate,
    Outcome,
}

impl Ask {
    pub fn label(self) -> &'static str {
        match self {
            Ask::Rep => "Rep: name, ext=..., dept=..., role=...",
            Ask::Note => "Note",
            Ask::Reference => "Case or ticket number",
            Ask::Promise => "Promise: what, by=..., due=...",
            Ask::Offer => "Offer: what, value=...",
            Ask::Escalate => "Asked to escalate to (e.g. a supervisor)",
            Ask::Outcome => "How did it end? (a few words)",
        }
    }
}

/// A single-key choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choose {
    /// An unfinished contact was found: resume it or end it.
    Resume,
    OfferAnswer(Uuid),
    EscalationOutcome(Uuid),
    Rating(Option<String>),
}

impl Choose {
    pub fn label(&self) -> &'static str {
        match self {
            Choose::Resume => "Contact still open: [Enter] resume it · [x] end it · [q] leave",
            Choose::OfferAnswer(_) => {
                "Offer: [n] accept, not in full · [f] accept in full · [d] decline · [Esc] later"
            }
            Choose::EscalationOutcome(_) => {
                "Escalation: [g] put through · [c] callback promised · [r] refused · [Esc] later"
            }
            Choose::Rating(_) => "Rate the contact: [1]-[5] (5 = fully helped) · [Enter] skip",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Asking(Ask, String),
    Choosing(Choose),
}

pub struct Settings {
    pub channel: Channel,
    pub direction: Direction,
    pub via: Option<String>,
    pub tz: TimeZone,
    pub currency: String,
    /// How numeric dates (11/05) are read.
    pub date_order: casefile_app::dates::DateOrder,
}

pub struct Machine {
    pub handle: u64,
    pub state: CaseState,
    pub rows: Vec<TimelineRow>,
    pub brief: Option<Brief>,
    pub tips: Vec<Tip>,
    pub mode: Mode,
    /// A line of feedback: what was saved, or what went wrong.
    pub message: Option<String>,
    pub now: Timestamp,
    pub settings: Settings,
    /// The numbers to read out are masked (they show during a contact
    /// unless masked with `m`).
    pub masked: bool,
}

/// The key help shown on screen; every key the console knows.
pub const KEYS: &str =
    "r:rep n:note c:ref# p:promise o:offer a:answer e:up h:hold f:upset m:mask x:end q:quit";

impl Machine {
    pub fn new(handle: u64, state: CaseState, settings: Settings, now: Timestamp) -> Machine {
        Machine {
            handle,
            state,
            rows: vec![],
            brief: None,
            tips: vec![],
            mode: Mode::Normal,
            message: None,
            now,
            settings,
            masked: false,
        }
    }

    /// The open contact, if any.
    pub fn contact(&self) -> Option<&state::Contact> {
        self.state.open_contact_now()
    }

    /// What to do when the console opens: resume an unfinished contact or start one.
    pub fn start(&mut self) -> Vec<Effect> {
        if let Some(c) = self.contact() {
            self.message = Some(format!(
                "Contact #{} from {} was not ended.",
                c.origin.seq,
                text::when(c.started(), &self.settings.tz)
            ));
            self.mode = Mode::Choosing(Choose::Resume);
            return vec![];
        }
        self.start_contact()
    }

    fn start_contact(&mut self) -> Vec<Effect> {
        let s = &self.settings;
        vec![Effect::Append(vec![Draft::new(
            self.now,
            Event::ContactStarted {
                channel: s.channel,
                direction: s.direction,
                via: s.via.clone(),
            },
        )])]
    }

    /// Takes the case's new state after an append (or at start).
    pub fn refresh(
        &mut self,
        state: CaseState,
        rows: Vec<TimelineRow>,
        brief: Brief,
        tips: Vec<Tip>,
    ) {
        self.state = state;
        self.rows = rows;
        self.brief = Some(brief);
        self.tips = tips;
    }

    pub fn tick(&mut self, now: Timestamp) {
        self.now = now;
    }

    pub fn failed(&mut self, why: String) {
        self.message = Some(format!("Not saved: {why}"));
    }

    pub fn handle(&mut self, key: Key) -> Vec<Effect> {
        if key == Key::Interrupt {
            return vec![Effect::Quit];
        }
        // Each key starts with a clean line; what it does may leave a new message.
        self.message = None;
        match self.mode.clone() {
            Mode::Normal => self.normal(key),
            Mode::Asking(ask, buf) => self.asking(ask, buf, key),
            Mode::Choosing(c) => self.choosing(c, key),
        }
    }

    fn ask(&mut self, ask: Ask) -> Vec<Effect> {
        if self.contact().is_none() && ask != Ask::Note {
            self.message = Some("No contact is open. Press s to start one.".into());
            return vec![];
        }
        self.mode = Mode::Asking(ask, String::new());
        vec![]
    }

    fn normal(&mut self, key: Key) -> Vec<Effect> {
        let Key::Char(c) = key else { return vec![] };
        match c {
            'r' => self.ask(Ask::Rep),
            'n' => self.ask(Ask::Note),
            'c' => self.ask(Ask::Reference),
            'p' => self.ask(Ask::Promise),
            'o' => self.ask(Ask::Offer),
            'e' => self.ask(Ask::Escalate),
            'x' => self.ask(Ask::Outcome),
            'a' => match self.state.live_offers().rev().find(|o| o.answer.is_none()) {
                Some(o) => {
                    self.mode = Mode::Choosing(Choose::OfferAnswer(o.origin.entry));
                    vec![]
                }
                None => {
                    self.message = Some("There is no offer waiting for an answer.".into());
                    vec![]
                }
            },
            'h' => match self.contact() {
                Some(ct) => {
                    let ev = if ct.on_hold() {
                        Event::HoldEnded {
                            contact: ct.origin.entry,
                        }
                    } else {
                        Event::HoldStarted {
                            contact: ct.origin.entry,
                        }
                    };
                    vec![Effect::Append(vec![Draft::new(self.now, ev)])]
                }
                None => {
                    self.message = Some("No contact is open.".into());
                    vec![]
                }
            },
            'f' => match self.contact() {
                Some(ct) => {
                    let ev = Event::FrustrationNoted {
                        contact: ct.origin.entry,
                    };
                    self.message =
                        Some("Noted that you are upset; the advice has words for a break.".into());
                    vec![Effect::Append(vec![Draft::new(self.now, ev)])]
                }
                None => {
                    self.message = Some("No contact is open.".into());
                    vec![]
                }
            },
            'm' => {
                self.masked = !self.masked;
                self.message = Some(if self.masked {
                    "Numbers hidden; m shows them again.".into()
                } else {
                    "Numbers shown to read out; m hides them.".into()
                });
                vec![Effect::Refresh]
            }
            's' if self.contact().is_none() => self.start_contact(),
            'q' => vec![Effect::Quit],
            _ => vec![],
        }
    }

    fn asking(&mut self, ask: Ask, mut buf: String, key: Key) -> Vec<Effect> {
        match key {
            Key::Esc => {
                self.mode = Mode::Normal;
                self.message = Some("Cancelled; nothing saved.".into());
                vec![]
            }
            Key::Backspace => {
                buf.pop();
                self.mode = Mode::Asking(ask, buf);
                vec![]
            }
            Key::Char(c) => {
                if !c.is_control() {
                    buf.push(c);
                }
                self.mode = Mode::Asking(ask, buf);
                vec![]
            }
            Key::Enter => {
                self.mode = Mode::Normal;
                match self.submit(ask, buf.trim()) {
                    Ok(effects) => effects,
                    Err(why) => {
                        // Keep what was typed so it can be fixed rather than retyped.
                        self.mode = Mode::Asking(ask, buf);
                        self.message = Some(why);
                        vec![]
                    }
                }
            }
            Key::Interrupt => vec![Effect::Quit],
        }
    }

    fn submit(&mut self, ask: Ask, text: &str) -> Result<Vec<Effect>, String> {
        let contact = self.contact().map(|c| c.origin.entry);
        let order = self.settings.date_order;
        let when = |s: Option<&str>,
                    now: Timestamp,
                    tz: &TimeZone,
                    tense: Tense|
         -> Result<Option<Timestamp>, String> {
            s.map(|s| parse_when_in(s, now, tz, tense, order).map_err(|e| e.message))
                .transpose()
        };
        if text.is_empty() && ask != Ask::Outcome {
            return Err("Type something first, or press Esc.".into());
        }
        let now = self.now;
        let tz = self.settings.tz.clone();
        let spec = |flag: &str, keys: &[&str]| Spec::parse(flag, text, keys).map_err(|e| e.message);
        let one = |ev: Event| Ok(vec![Effect::Append(vec![Draft::new(now, ev)])]);
        match ask {
            Ask::Rep => {
                let s = spec("rep", REP_KEYS)?;
                let get = |k: &str| s.get(k).map(str::to_string);
                let rep = Rep {
                    name: s.head.clone(),
                    ext: get("ext"),
                    email: get("email"),
                    department: get("dept"),
                    role: get("role"),
                    reports_to: get("reports-to"),
                };
                one(Event::RepJoined {
                    contact: contact.ok_or("no contact is open")?,
                    rep,
                })
            }
            Ask::Note => one(Event::NoteAdded {
                contact,
                text: text.to_string(),
            }),
            Ask::Reference => one(Event::ReferenceRecorded {
                contact,
                kind: RefKind::Case,
                value: text.to_string(),
            }),
            Ask::Promise => {
                let s = spec("promise", PROMISE_KEYS)?;
                let due = when(s.get("due"), now, &tz, Tense::Future)?;
                one(Event::PromiseMade {
                    contact,
                    by: s
                        .get("by")
                        .map(str::to_string)
                        .or_else(|| self.current_rep()),
                    what: s.head.clone(),
                    due,
                })
            }
            Ask::Offer => {
                let s = spec("offer", OFFER_KEYS)?;
                let value = s
                    .get("value")
                    .map(|v| Money::parse(v, &self.settings.currency))
                    .transpose()
                    .map_err(|e| e.to_string())?;
                let d = Draft::new(
                    now,
                    Event::OfferMade {
                        contact,
                        by: s
                            .get("by")
                            .map(str::to_string)
                            .or_else(|| self.current_rep()),
                        what: s.head.clone(),
                        value,
                    },
                );
                self.mode = Mode::Choosing(Choose::OfferAnswer(d.id));
                Ok(vec![Effect::Append(vec![d])])
            }
            Ask::Escalate => {
                let d = Draft::new(
                    now,
                    Event::EscalationRequested {
                        contact,
                        to: Some(text.to_string()),
                        reason: None,
                    },
                );
                self.mode = Mode::Choosing(Choose::EscalationOutcome(d.id));
                Ok(vec![Effect::Append(vec![d])])
            }
            Ask::Outcome => {
                self.mode =
                    Mode::Choosing(Choose::Rating((!text.is_empty()).then(|| text.to_string())));
                Ok(vec![])
            }
        }
    }

    fn current_rep(&self) -> Option<String> {
        self.contact()
            .and_then(|c| c.live_reps().last())
            .map(|r| r.rep.name.clone())
    }

    fn choosing(&mut self, choice: Choose, key: Key) -> Vec<Effect> {
        let now = self.now;
        let back = |m: &mut Machine| m.mode = Mode::Normal;
        match (choice, key) {
            (Choose::Resume, Key::Enter) => {
                back(self);
                self.message = Some("Resumed.".into());
                vec![]
            }
            (Choose::Resume, Key::Char('x')) => {
                self.mode = Mode::Asking(Ask::Outcome, String::new());
                vec![]
            }
            (Choose::Resume, Key::Char('q')) => vec![Effect::Quit],
            (Choose::OfferAnswer(offer), Key::Char(c @ ('n' | 'f' | 'd'))) => {
                back(self);
                let answer = match c {
                    'n' => OfferAnswer::AcceptedNotFull,
                    'f' => OfferAnswer::AcceptedFull,
                    _ => OfferAnswer::Declined,
                };
                vec![Effect::Append(vec![Draft::new(
                    now,
                    Event::OfferAnswered {
                        offer,
                        answer,
                        note: None,
                    },
                )])]
            }
            (Choose::EscalationOutcome(escalation), Key::Char(c @ ('g' | 'c' | 'r'))) => {
                back(self);
                let outcome = match c {
                    'g' => EscalationOutcome::Granted,
                    'c' => EscalationOutcome::CallbackPromised,
                    _ => EscalationOutcome::Refused,
                };
                vec![Effect::Append(vec![Draft::new(
                    now,
                    Event::EscalationAnswered {
                        escalation,
                        outcome,
                        note: None,
                    },
                )])]
            }
            (Choose::Rating(outcome), Key::Char(c @ '1'..='5')) => {
                self.end(outcome, Some(c as u8 - b'0'))
            }
            (Choose::Rating(outcome), Key::Enter) => self.end(outcome, None),
            (
                Choose::OfferAnswer(_) | Choose::EscalationOutcome(_) | Choose::Rating(_),
                Key::Esc,
            ) => {
                back(self);
                vec![]
            }
            _ => vec![],
        }
    }

    fn end(&mut self, outcome: Option<String>, rating: Option<u8>) -> Vec<Effect> {
        self.mode = Mode::Normal;
        let Some(c) = self.contact() else {
            return vec![];
        };
        let contact = c.origin.entry;
        let mut drafts = Vec::new();
        if c.on_hold() {
            drafts.push(Draft::new(self.now, Event::HoldEnded { contact }));
        }
        drafts.push(Draft::new(
            self.now,
            Event::ContactEnded {
                contact,
                outcome,
                rating,
            },
        ));
        self.message = Some("Contact ended. Press s to start another, q to leave.".into());
        vec![Effect::Append(drafts)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        format!("2026-11-10T{s}:00Z").parse().unwrap()
    }

    /// A machine on a freshly opened case, with the effects applied as the driver would.
    struct Rig {
        m: Machine,
        entries: Vec<Entry>,
        /// How many times the machine asked for the case to be read again.
        refreshed: usize,
    }

    impl Rig {
        fn new() -> Rig {
            let case = Uuid::now_v7();
            let entries = seal_all(
                case,
                "owner",
                vec![Draft::new(
                    t("09:00"),
                    Event::CaseOpened {
                        title: "Router".into(),
                        company: None,
                    },
                )],
                t("09:00"),
            );
            let state = CaseState::fold(&entries).unwrap();
            let settings = Settings {
                channel: Channel::Phone,
                direction: Direction::Outbound,
                via: None,
                tz: TimeZone::UTC,
                currency: "USD".into(),
                date_order: Default::default(),
            };
            let mut rig = Rig {
                m: Machine::new(1, state, settings, t("10:00")),
                entries,
                refreshed: 0,
            };
            let fx = rig.m.start();
            rig.apply(fx);
            rig
        }

        fn apply(&mut self, effects: Vec<Effect>) -> bool {
            let mut quit = false;
            for e in effects {
                match e {
                    Effect::Append(drafts) => {
                        let mut all: Vec<Draft> = self
                            .entries
                            .iter()
                            .map(|e| Draft {
                                id: e.id,
                                at: e.at,
                                event: e.event.clone(),
                            })
                            .collect();
                        all.extend(drafts);
                        self.entries = seal_all(self.entries[0].stream, "owner", all, t("09:00"));
                        let state = CaseState::fold(&self.entries)
                            .expect("the machine only makes valid entries");
                        self.m.state = state;
                    }
                    Effect::Refresh => self.refreshed += 1,
                    Effect::Quit => quit = true,
                }
            }
            quit
        }

        fn keys(&mut self, s: &str) -> bool {
            let mut quit = false;
            for c in s.chars() {
                let k = match c {
                    '\n' => Key::Enter,
                    '\u{1b}' => Key::Esc,
                    '\u{8}' => Key::Backspace,
                    c => Key::Char(c),
                };
                let fx = self.m.handle(k);
                quit |= self.apply(fx);
            }
            quit
        }
    }

    #[test]
    fn a_call_with_two_transfers_a_reference_a_promise_and_an_offer() {
        let mut r = Rig::new();
        assert!(r.m.contact().is_some(), "a contact starts on open");
        r.keys("rDana Reyes, ext=4471, dept=Billing\n");
        r.keys("rMarcus Lee, role=supervisor\n");
        r.keys("rPriya\n");
        r.keys("cCAS-88120\n");
        r.m.tick(t("10:20"));
        r.keys("pcall me back, due=in 2 days\n");
        r.keys("oa $25 credit, value=25\n");
        assert!(matches!(r.m.mode, Mode::Choosing(Choose::OfferAnswer(_))));
        r.keys("n");
        r.keys("h");
        assert!(r.m.contact().unwrap().on_hold());
        r.keys("h");
        r.keys("xcredit only\n4");
        let s = &r.m.state;
        let c = &s.contacts[0];
        assert_eq!(c.transfers(), 2);
        assert_eq!(c.reps[0].rep.ext.as_deref(), Some("4471"));
        assert_eq!(s.references[0].value, "CAS-88120");
        assert_eq!(
            s.promises[0].by.as_deref(),
            Some("Priya"),
            "the rep on the line made it"
        );
        assert_eq!(
            s.promises[0].due,
            Some("2026-11-12T10:20:00Z".parse().unwrap())
        );
        assert_eq!(s.offers[0].answer, Some(OfferAnswer::AcceptedNotFull));
        assert_eq!(
            (c.outcome.as_deref(), c.rating),
            (Some("credit only"), Some(4))
        );
        assert!(!c.is_open());
    }

    #[test]
    fn bad_input_keeps_the_text_and_esc_saves_nothing() {
        let mut r = Rig::new();
        let before = r.entries.len();
        r.keys("pcall back, due=whenever\n");
        assert!(
            matches!(&r.m.mode, Mode::Asking(Ask::Promise, b) if b == "call back, due=whenever")
        );
        assert!(r.m.message.as_deref().unwrap().contains("not a date"));
        r.keys("\u{1b}");
        assert_eq!(r.m.mode, Mode::Normal);
        r.keys("r\n");
        assert!(r.m.message.as_deref().unwrap().contains("Type something"));
        r.keys("\u{1b}nhello\u{8}\u{8}p\n");
        assert_eq!(r.m.state.notes[0].preview, "help");
        assert_eq!(r.entries.len(), before + 1);
    }

    #[test]
    fn everything_on_screen_fits_eighty_columns() {
        use unicode_width::UnicodeWidthStr;
        // On two rows at most, where the terminal is narrower than the list.
        assert!(KEYS.width() <= 160);
        assert!(KEYS.split(' ').all(|k| k.width() <= 12));
        for c in [
            Choose::Resume,
            Choose::OfferAnswer(Uuid::nil()),
            Choose::EscalationOutcome(Uuid::nil()),
            Choose::Rating(None),
        ] {
            assert!(c.label().width() <= 80, "{}", c.label());
        }
        for a in [
            Ask::Rep,
            Ask::Note,
            Ask::Reference,
            Ask::Promise,
            Ask::Offer,
            Ask::Escalate,
            Ask::Outcome,
        ] {
            assert!(a.label().width() <= 50, "{}", a.label());
        }
    }

    #[test]
    fn an_unfinished_contact_is_offered_for_resuming() {
        let mut r = Rig::new();
        r.keys("rDana\n");
        // The console is reopened on the same case.
        let state = r.m.state.clone();
        let settings = Settings {
            channel: Channel::Phone,
            direction: Direction::Outbound,
            via: None,
            tz: TimeZone::UTC,
            currency: "USD".into(),
            date_order: Default::default(),
        };
        r.m = Machine::new(1, state, settings, t("11:00"));
        assert!(r.m.start().is_empty());
        assert_eq!(r.m.mode, Mode::Choosing(Choose::Resume));
        r.keys("x\n\n");
        assert!(r.m.contact().is_none());
        assert_eq!(r.m.state.contacts.len(), 1);
        r.keys("s");
        assert_eq!(r.m.state.contacts.len(), 2, "s starts another");
        assert!(r.keys("q"));
    }

    #[test]
    fn m_masks_and_shows_the_numbers_again() {
        let mut rig = Rig::new();
        assert!(!rig.m.masked);
        rig.keys("m");
        assert!(rig.m.masked && rig.refreshed == 1);
        assert!(rig.m.message.as_deref().unwrap().contains("Numbers hidden"));
        rig.keys("m");
        assert!(!rig.m.masked && rig.refreshed == 2);
    }
}
