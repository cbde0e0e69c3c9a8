//! Drawing the console: a header with the timers, the running log on the
//! left, the brief and the advice for this moment on the right, and the keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use casefile_core::text;

use super::machine::{KEYS, Machine, Mode};

fn clock(secs: i64) -> String {
    let s = secs.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// How many screen lines `s` takes when wrapped at `width`.
fn height(s: &str, width: u16) -> usize {
    let w = usize::from(width.max(1));
    let n = unicode_width::UnicodeWidthStr::width(s);
    n.div_ceil(w).max(1)
}

pub fn draw(f: &mut Frame, m: &Machine, color: bool) {
    let style = |c: Color| {
        if color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    };
    // The keys take a second row only where one is too narrow for them.
    let key_rows = if usize::from(f.area().width) >= unicode_width::UnicodeWidthStr::width(KEYS) {
        1
    } else {
        2
    };
    let [head, body, prompt, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(1),
        Constraint::Length(key_rows),
    ])
    .areas(f.area());
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);

    // Header: case, contact timer, hold timer.
    let mut spans = vec![Span::styled(
        format!(" Case {} · {} ", m.handle, m.state.title),
        Style::default().add_modifier(Modifier::REVERSED),
    )];
    match m.contact() {
        Some(c) => {
            spans.push(Span::raw(format!(
                " {} #{} {} ",
                text::contact_noun(c.channel),
                c.origin.seq,
                clock(m.now.duration_since(c.started()).as_secs())
            )));
            if let Some(h) = c.holds.last().filter(|h| h.end.is_none()) {
                spans.push(Span::styled(
                    format!(
                        " ON HOLD {} ",
                        clock(m.now.duration_since(h.start).as_secs())
                    ),
                    style(Color::Yellow).add_modifier(Modifier::BOLD),
                ));
            }
        }
        None => spans.push(Span::raw(" no contact open (s to start one) ")),
    }
    f.render_widget(Paragraph::new(Line::from(spans)), head);

    // The log of this contact, newest at the bottom.
    let inner_w = left.width.saturating_sub(2);
    let inner_h = usize::from(left.height.saturating_sub(2));
    let lines: Vec<String> = m
        .rows
        .iter()
        .map(|r| {
            format!(
                "{} #{} {}",
                text::clock(r.at, &m.settings.tz),
                r.seq,
                r.text
            )
        })
        .collect();
    let mut used = 0;
    let mut start = lines.len();
    while start > 0 && used + height(&lines[start - 1], inner_w) <= inner_h {
        used += height(&lines[start - 1], inner_w);
        start -= 1;
    }
    let log: Vec<Line> = lines[start..]
        .iter()
        .map(|l| Line::from(l.clone()))
        .collect();
    f.render_widget(
        Paragraph::new(log)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Log ")),
        left,
    );

    // The brief, with what to do now first.
    let mut b: Vec<Line> = Vec::new();
    let head_style = Style::default().add_modifier(Modifier::BOLD);
    if !m.tips.is_empty() {
        b.push(Line::styled("Now", head_style));
        // The words to say for the most pressing tip only, so the facts below stay in view.
        let mut said = false;
        for t in m.tips.iter().take(3) {
            b.push(Line::from(format!("• {}", t.title)));
            if let (Some(say), false) = (&t.say, said) {
                b.push(Line::styled(
                    format!("  \u{201c}{say}\u{201d}"),
                    style(Color::Cyan).add_modifier(Modifier::ITALIC),
                ));
                said = true;
            }
        }
    }
    if let Some(br) = &m.brief {
        if let Some(g) = &br.goal {
            b.push(Line::styled("Resolution", head_style));
            b.push(Line::from(g.resolution.clone()));
        }
        if !br.identifiers.is_empty() || !br.dates.is_empty() {
            b.push(Line::styled("Have ready", head_style));
            for i in br.identifiers.iter().chain(&br.dates) {
                b.push(Line::from(format!("{}: {}", i.label, i.value)));
            }
        }
        if !br.missing.is_empty() {
            b.push(Line::styled("Not written down yet", head_style));
            b.push(Line::from(br.missing.join("; ")));
        }
        let open: Vec<_> = br
            .promises
            .iter()
            .filter(|p| p.state == "open" || p.state == "overdue")
            .collect();
        if !open.is_empty() {
            b.push(Line::styled("Promises open", head_style));
            for p in open {
                b.push(Line::from(format!(
                    "#{} {}: {}{}",
                    p.seq,
                    p.by.as_deref().unwrap_or("they"),
                    p.what,
                    p.due
                        .as_ref()
                        .map(|d| format!(" (due {d})"))
                        .unwrap_or_default()
                )));
            }
        }
        if let Some(c) = br
            .last_contacts
            .iter()
            .rev()
            .find(|c| Some(c.seq) != m.contact().map(|x| x.origin.seq))
        {
            b.push(Line::styled("Last contact", head_style));
            b.push(Line::from(format!(
                "{} {}: {}",
                c.when,
                c.people.join(" "),
                c.outcome.clone().unwrap_or_default()
            )));
        }
    }
    f.render_widget(
        Paragraph::new(b)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Brief ")),
        right,
    );

    // The question being asked, or the last message.
    let line = match &m.mode {
        Mode::Asking(ask, buf) => Line::from(vec![
            Span::styled(format!("{}: ", ask.label()), head_style),
            Span::raw(format!("{buf}_")),
        ]),
        Mode::Choosing(c) => Line::styled(c.label(), head_style),
        Mode::Normal => Line::from(m.message.clone().unwrap_or_default()),
    };
    let line = match (&m.mode, &m.message) {
        (Mode::Asking(..), Some(msg)) if msg.starts_with("Not saved") || !msg.is_empty() => {
            Line::from(vec![
                Span::styled(format!("{msg} "), style(Color::Red)),
                Span::raw(line.to_string()),
            ])
        }
        _ => line,
    };
    f.render_widget(Paragraph::new(line), prompt);
    f.render_widget(
        Paragraph::new(Line::styled(
            KEYS,
            Style::default().add_modifier(Modifier::DIM),
        ))
        .wrap(Wrap { trim: true }),
        keys,
    );
}
