//! Keypress-to-redraw time of the call console, against one frame at 60 Hz.
//!
//! Two figures: a typed character (state machine + a full redraw), and an
//! Enter that records an entry (machine + durable SQLite append + re-reading
//! the case + brief and tips + redraw). Renders into an 80x24 in-memory
//! terminal so only casefile's own work is timed.
//!
//! cargo run --release -p casefile --example console_bench -- [ENTRIES_IN_CASE]

use std::time::Instant;

use casefile::console::machine::{Key, Machine, Settings};
use casefile::console::{refresh, view};
use casefile::ctx::Ctx;
use casefile_core::{Channel, Direction, Draft, Event};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

const FRAME_MS: f64 = 1000.0 / 60.0;

fn main() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ctx = Ctx::open(Some(dir.path().join("bench.db")), false, false).expect("store");
    let case = Uuid::now_v7();
    let mut drafts = vec![Draft::new(
        ctx.now,
        Event::CaseOpened {
            title: "Router refund".into(),
            company: None,
        },
    )];
    for i in 0..size {
        drafts.push(Draft::new(ctx.now, Event::NoteAdded { contact: None, text: format!("Earlier note {i}: the rep said the refund is with the billing team and will take five to seven days.") }));
    }
    ctx.store.append(case, 0, "owner", drafts).expect("seed");
    let rec = ctx.store.case(case).expect("case");
    let settings = Settings {
        channel: Channel::Phone,
        direction: Direction::Outbound,
        via: None,
        tz: ctx.tz.clone(),
        currency: "USD".into(),
        date_order: ctx.settings.date_order,
    };
    let mut m = Machine::new(rec.handle, rec.state, settings, Timestamp::now());
    refresh(&ctx, &mut m, case).expect("refresh");
    for fx in m.start() {
        if let casefile::console::machine::Effect::Append(d) = fx {
            ctx.store
                .append(case, m.state.seq(), "owner", d)
                .expect("start");
        }
    }
    refresh(&ctx, &mut m, case).expect("refresh");
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");

    // A typed character: handle + redraw.
    let keys = 2000;
    m.handle(Key::Char('n'));
    let t0 = Instant::now();
    for i in 0..keys {
        m.handle(Key::Char(if i % 2 == 0 { 'a' } else { 'b' }));
        term.draw(|f| view::draw(f, &m, true)).expect("draw");
    }
    let typed_ms = t0.elapsed().as_secs_f64() * 1000.0 / keys as f64;
    m.handle(Key::Esc);

    // An Enter that saves a note: handle + append + refresh + redraw.
    let saves = 200;
    let t0 = Instant::now();
    for i in 0..saves {
        m.handle(Key::Char('n'));
        for c in format!("note {i}").chars() {
            m.handle(Key::Char(c));
        }
        for fx in m.handle(Key::Enter) {
            if let casefile::console::machine::Effect::Append(d) = fx {
                ctx.store
                    .append(case, m.state.seq(), "owner", d)
                    .expect("append");
                refresh(&ctx, &mut m, case).expect("refresh");
            }
        }
        term.draw(|f| view::draw(f, &m, true)).expect("draw");
    }
    let saved_ms = t0.elapsed().as_secs_f64() * 1000.0 / saves as f64;

    for (figure, ms) in [
        (
            format!("console: typed key to redraw ({size}-entry case)"),
            typed_ms,
        ),
        (
            format!("console: Enter to saved and redrawn ({size}-entry case)"),
            saved_ms,
        ),
    ] {
        println!(
            "{}",
            serde_json::json!({"figure": figure, "value": ms, "unit": "ms", "anchor": "one frame at 60 Hz", "anchor_value": FRAME_MS, "ratio": ms / FRAME_MS})
        );
    }
}
