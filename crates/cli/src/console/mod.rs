//! `casefile call`: the live call console. A thin driver around the pure
//! state machine: it reads keys, appends each entry the moment it is made,
//! and redraws.

pub mod machine;
pub mod view;

use std::io::IsTerminal;
use std::time::Duration;

use casefile_core::coach;
use casefile_core::coach::live::in_call;
use casefile_core::coach::templates::{Addressing, case_context};
use casefile_core::{Channel, Direction, Draft, Event, text};
use jiff::Timestamp;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use uuid::Uuid;

use crate::cli::{CallArgs, ChannelArg};
use crate::ctx::Ctx;
use crate::error::{CliError, Result};
use machine::{Effect, Key, Machine, Settings};

/// Reads the case again and hands the machine what it shows.
pub fn refresh(ctx: &Ctx, m: &mut Machine, case: Uuid) -> Result<()> {
    let (rec, entries) = ctx.journal_of(case)?;
    let company = rec.company_state();
    // During a contact the numbers to read out show, unless masked with m.
    let reveal = ctx.reveal || (rec.state.open_contact_now().is_some() && !m.masked);
    let rows = text::timeline(&entries, &rec.state, &ctx.tz, reveal);
    // The log shows the open contact, or else the last one.
    let focus = rec
        .state
        .open_contact_now()
        .or_else(|| rec.state.live_contacts().last())
        .map(|c| c.origin.seq);
    let rows = rows
        .into_iter()
        .filter(|r| focus.is_some() && r.contact == focus)
        .collect();
    let rates = rec.rates.clone();
    let brief = coach::brief(&rec.state, company, &rates, m.now, &ctx.tz, reveal);
    let templates = casefile_app::templates::load_templates()?;
    let tips = match rec.state.open_contact_now() {
        Some(c) => {
            let cc = case_context(
                &rec.state,
                company,
                &rates,
                &Addressing::default(),
                m.now,
                &ctx.tz,
                reveal,
            );
            in_call(&rec.state, c.origin.entry, &cc, &templates, m.now)
        }
        None => vec![],
    };
    m.refresh(rec.state, rows, brief, tips);
    Ok(())
}

fn perform(ctx: &mut Ctx, m: &mut Machine, case: Uuid, effects: Vec<Effect>) -> Result<bool> {
    for e in effects {
        match e {
            Effect::Quit => return Ok(true),
            Effect::Refresh => refresh(ctx, m, case)?,
            Effect::Append(drafts) => {
                // The same write path as every command: another writer (the
                // web page on a phone) first is a retry, not a failure.
                let rec = casefile_store::CaseRecord {
                    handle: 0,
                    state: m.state.clone(),
                };
                let parts = Ctx::write_parts(&[]);
                let author = ctx.author.clone();
                let written =
                    casefile_app::append_case(&mut *ctx.store, &author, &rec, &parts, |_| {
                        Ok::<_, CliError>(drafts.clone())
                    })
                    .map_err(crate::ctx::write_error);
                match written {
                    Ok(written) => {
                        refresh(ctx, m, case)?;
                        if m.message.is_none() {
                            let nums: Vec<String> =
                                written.iter().map(|e| format!("#{}", e.seq)).collect();
                            m.message = Some(format!("Saved {}.", nums.join(", ")));
                        }
                    }
                    Err(err) => {
                        refresh(ctx, m, case)?;
                        m.failed(err.message);
                    }
                }
            }
        }
    }
    Ok(false)
}

/// The console without a terminal: the same machine, the same writes to the
/// journal and the same screen, driven by keys given as text and drawn on a
/// buffer. For tests of what a person sees, at a fixed clock.
pub struct Headless<'a> {
    ctx: &'a mut Ctx,
    m: Machine,
    case: Uuid,
}

impl<'a> Headless<'a> {
    /// Opens case `case` at `ctx.now`, starting a contact on `channel` unless
    /// one is open (as `casefile call` does).
    pub fn open(ctx: &'a mut Ctx, case: &str, channel: Channel) -> Result<Headless<'a>> {
        let rec = ctx.case(case)?;
        let settings = Settings {
            channel,
            direction: Direction::Outbound,
            via: None,
            tz: ctx.tz.clone(),
            currency: ctx.currency.clone(),
            date_order: ctx.settings.date_order,
        };
        let id = rec.state.id;
        let mut m = Machine::new(rec.handle, rec.state, settings, ctx.now);
        refresh(ctx, &mut m, id)?;
        let fx = m.start();
        perform(ctx, &mut m, id, fx)?;
        Ok(Headless { ctx, m, case: id })
    }

    /// Types `keys`: `\n` is Enter, `\u{1b}` Esc, `\u{8}` Backspace.
    pub fn keys(&mut self, keys: &str) -> Result<()> {
        for c in keys.chars() {
            let key = match c {
                '\n' => Key::Enter,
                '\u{1b}' => Key::Esc,
                '\u{8}' => Key::Backspace,
                c => Key::Char(c),
            };
            let fx = self.m.handle(key);
            perform(self.ctx, &mut self.m, self.case, fx)?;
        }
        Ok(())
    }

    /// Moves the clock on (the machine's and the journal's writes).
    pub fn at(&mut self, now: Timestamp) -> Result<()> {
        self.ctx.now = now;
        self.m.tick(now);
        refresh(self.ctx, &mut self.m, self.case)
    }

    pub fn machine(&self) -> &Machine {
        &self.m
    }

    /// The screen as text, `width` by `height`, without colour.
    pub fn screen(&self, width: u16, height: u16) -> Result<String> {
        let backend = ratatui::backend::TestBackend::new(width, height);
        let mut term = ratatui::Terminal::new(backend)
            .map_err(|e| CliError::invalid(format!("cannot draw: {e}")))?;
        term.draw(|f| view::draw(f, &self.m, false))
            .map_err(|e| CliError::invalid(format!("cannot draw: {e}")))?;
        let buf = term.backend().buffer();
        let mut out = String::new();
        for y in 0..height {
            let line: String = (0..width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        Ok(out)
    }
}

fn key_of(code: KeyCode, mods: KeyModifiers) -> Option<Key> {
    Some(match code {
        KeyCode::Char('c') if mods.contains(KeyModifiers::CONTROL) => Key::Interrupt,
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        _ => return None,
    })
}

pub fn run(ctx: &mut Ctx, a: CallArgs) -> Result<()> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(CliError::invalid("the call console needs a terminal").hint("log a contact with `casefile log`, or step by step with `casefile contact start|rep|end`"));
    }
    let case =
        match (&a.case, &a.new) {
            (Some(c), None) => ctx.case(c)?.state.id,
            (None, Some(title)) => {
                let company = a
                    .company
                    .as_deref()
                    .map(|c| casefile_app::ops::company_id(ctx, c).map(|(id, _)| id))
                    .transpose()?;
                let id = Uuid::now_v7();
                ctx.store.append(
                    id,
                    0,
                    &ctx.author,
                    vec![Draft::new(
                        ctx.now,
                        Event::CaseOpened {
                            title: title.clone(),
                            company,
                        },
                    )],
                )?;
                id
            }
            _ => return Err(
                CliError::invalid("name a case, or open a new one with --new TITLE").hint(
                    "casefile call 3   or   casefile call --new \"Router refund\" --company Acme",
                ),
            ),
        };
    let rec = ctx.store.case(case)?;
    let settings = Settings {
        channel: match a.channel {
            ChannelArg::Phone => Channel::Phone,
            ChannelArg::Chat => Channel::Chat,
            ChannelArg::Email => Channel::Email,
            ChannelArg::Letter => Channel::Letter,
            ChannelArg::InPerson => Channel::InPerson,
            ChannelArg::Social => Channel::Social,
            ChannelArg::Web => Channel::Web,
            ChannelArg::Other => Channel::Other,
        },
        direction: if a.inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        via: a.via.clone(),
        tz: ctx.tz.clone(),
        currency: ctx.currency.clone(),
        date_order: ctx.settings.date_order,
    };
    let mut m = Machine::new(rec.handle, rec.state, settings, Timestamp::now());
    refresh(ctx, &mut m, case)?;
    let fx = m.start();
    if perform(ctx, &mut m, case, fx)? {
        return Ok(());
    }
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut terminal = ratatui::try_init()
        .map_err(|e| CliError::invalid(format!("cannot take over the terminal: {e}")))?;
    let result = (|| -> Result<()> {
        loop {
            m.tick(Timestamp::now());
            terminal.draw(|f| view::draw(f, &m, color))?;
            // A quarter second keeps the timers live without busy-waiting.
            if !event::poll(Duration::from_millis(250))? {
                continue;
            }
            match event::read()? {
                TermEvent::Key(k) if k.kind == KeyEventKind::Press => {
                    if let Some(key) = key_of(k.code, k.modifiers) {
                        m.tick(Timestamp::now());
                        let fx = m.handle(key);
                        if perform(ctx, &mut m, case, fx)? {
                            return Ok(());
                        }
                    }
                }
                // The next draw fits the new size.
                _ => {}
            }
        }
    })();
    ratatui::restore();
    result?;
    let open = m.contact().map(|c| c.origin.seq);
    match open {
        Some(seq) => println!(
            "Case {}: contact #{seq} is still open; `casefile call {}` resumes it.",
            m.handle, m.handle
        ),
        None => println!(
            "Case {}: saved. `casefile show {}` has the whole case.",
            m.handle, m.handle
        ),
    }
    Ok(())
}
