//! Pictures as SVG, drawn by hand from the state: the dispute over time and
//! the organisation as the cases revealed it. All text is escaped.

use casefile_core::{CaseState, OrgMap, PromiseState, text};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Text made safe inside markup (an element or a quoted attribute).
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Contacts as bars (holds darker), promises (kept, broken, open) and offers as
/// marks along time, and the customer's cumulative time as a line.
pub fn dispute(s: &CaseState, now: Timestamp, tz: &TimeZone) -> String {
    let (w, h, left, right) = (720.0_f64, 220.0_f64, 40.0_f64, 700.0_f64);
    let start = s.opened.unwrap_or(now);
    let end = now.max(s.last_at.unwrap_or(now));
    let span = (end.as_second() - start.as_second()).max(3600) as f64;
    let x =
        |t: Timestamp| left + (t.as_second() - start.as_second()) as f64 / span * (right - left);
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">\n<title>{}</title>\n",
        esc(&format!("The dispute over time: {}", s.title)),
        esc(&format!(
            "{} from {} to {}",
            s.title,
            text::when(start, tz),
            text::when(end, tz)
        ))
    );
    o.push_str(&format!(
        "<line x1=\"{left}\" y1=\"120\" x2=\"{right}\" y2=\"120\" stroke=\"#555\"/>\n"
    ));
    o.push_str(&format!(
        "<text x=\"{left}\" y=\"140\" font-size=\"11\">{}</text>\n",
        esc(&text::when(start, tz))
    ));
    o.push_str(&format!(
        "<text x=\"{right}\" y=\"140\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
        esc(&text::when(end, tz))
    ));
    for c in s.live_contacts() {
        let (a, b) = (
            x(c.started()),
            x(c.ended.unwrap_or(now)).max(x(c.started()) + 3.0),
        );
        o.push_str(&format!(
            "<rect x=\"{a:.1}\" y=\"100\" width=\"{:.1}\" height=\"20\" fill=\"#2b6cb0\"><title>{}</title></rect>\n",
            b - a,
            esc(&format!("#{} {} {} ({}), {} rep(s)", c.origin.seq, text::contact_noun(c.channel), text::when(c.started(), tz), text::duration(c.duration(now)), c.live_reps().count()))
        ));
        for hold in &c.holds {
            let (ha, hb) = (x(hold.start), x(hold.end.unwrap_or(now)));
            o.push_str(&format!(
                "<rect x=\"{ha:.1}\" y=\"100\" width=\"{:.1}\" height=\"20\" fill=\"#1a365d\"/>\n",
                (hb - ha).max(1.0)
            ));
        }
    }
    for p in s.live_promises() {
        let (fill, label) = match p.state {
            PromiseState::Kept => ("#2f855a", "kept"),
            PromiseState::Broken => ("#c53030", "broken"),
            PromiseState::Open => ("#718096", "open"),
        };
        let px = x(p.origin.at);
        o.push_str(&format!(
            "<circle cx=\"{px:.1}\" cy=\"80\" r=\"6\" fill=\"{fill}\"><title>{}</title></circle>\n",
            esc(&format!("#{} promise ({label}): {}", p.origin.seq, p.what))
        ));
    }
    for off in s.live_offers() {
        let ox = x(off.origin.at);
        o.push_str(&format!(
            "<path d=\"M{ox:.1},52 l6,8 l-6,8 l-6,-8 z\" fill=\"#b7791f\"><title>{}</title></path>\n",
            esc(&format!("#{} offer: {} ({})", off.origin.seq, off.what, off.answer.map_or("not answered", text::offer_answer)))
        ));
    }
    // The customer's time, adding up contact by contact.
    let mut total = 0i64;
    let mut pts = vec![format!("{left},200")];
    let mut contacts: Vec<_> = s.live_contacts().collect();
    contacts.sort_by_key(|c| c.started());
    let max_minutes = contacts
        .iter()
        .map(|c| c.duration(now).as_mins())
        .sum::<i64>()
        .max(1) as f64;
    for c in &contacts {
        total += c.duration(now).as_mins();
        pts.push(format!(
            "{:.1},{:.1}",
            x(c.ended.unwrap_or(now)),
            200.0 - (total as f64 / max_minutes) * 50.0
        ));
    }
    o.push_str(&format!(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#2b6cb0\" stroke-width=\"2\"/>\n",
        pts.join(" ")
    ));
    o.push_str(&format!(
        "<text x=\"{left}\" y=\"215\" font-size=\"11\">{}</text>\n",
        esc(&format!(
            "time on contacts: {}",
            text::duration(jiff::SignedDuration::from_mins(total))
        ))
    ));
    o.push_str("<text x=\"40\" y=\"20\" font-size=\"11\">bars: contacts (dark: on hold) · circles: promises (green kept, red broken, grey open) · diamonds: offers</text>\n");
    o.push_str("</svg>\n");
    o
}

/// People met, grouped in columns by department, with arrows for transfers.
pub fn org(map: &OrgMap) -> String {
    let mut columns: Vec<String> = map.departments.clone();
    if map.people.iter().any(|p| p.department.is_none()) {
        columns.push("(department not given)".into());
    }
    let col_of = |d: &Option<String>| {
        columns
            .iter()
            .position(|c| Some(c) == d.as_ref())
            .unwrap_or(columns.len().saturating_sub(1))
    };
    let (cw, rh) = (190.0_f64, 56.0_f64);
    let mut rows_in: Vec<usize> = vec![0; columns.len().max(1)];
    let mut pos = Vec::new();
    for p in &map.people {
        let c = col_of(&p.department);
        pos.push((
            p.name.to_lowercase(),
            10.0 + c as f64 * cw,
            50.0 + rows_in[c] as f64 * rh,
        ));
        rows_in[c] += 1;
    }
    let w = 20.0 + columns.len().max(1) as f64 * cw;
    let h = 70.0 + rows_in.iter().copied().max().unwrap_or(1) as f64 * rh;
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"People met and who transferred to whom\">\n"
    );
    o.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#c05621\"/></marker></defs>\n");
    for (i, c) in columns.iter().enumerate() {
        o.push_str(&format!(
            "<text x=\"{:.0}\" y=\"30\" font-size=\"13\" font-weight=\"bold\">{}</text>\n",
            10.0 + i as f64 * cw,
            esc(c)
        ));
    }
    for (p, (_, px, py)) in map.people.iter().zip(&pos) {
        let detail: Vec<String> = [p.ext.as_ref().map(|e| format!("ext {e}")), p.role.clone()]
            .into_iter()
            .flatten()
            .collect();
        o.push_str(&format!(
            "<g><rect x=\"{px:.0}\" y=\"{py:.0}\" width=\"170\" height=\"40\" rx=\"6\" fill=\"#edf2f7\" stroke=\"#4a5568\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{}</text><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"10\" fill=\"#4a5568\">{}</text></g>\n",
            px + 8.0, py + 17.0, esc(&p.name), px + 8.0, py + 32.0, esc(&detail.join(", "))
        ));
    }
    let at = |name: &str| {
        pos.iter()
            .find(|(n, _, _)| *n == name.to_lowercase())
            .map(|(_, x, y)| (*x, *y))
    };
    for t in &map.transfers {
        if let (Some((x1, y1)), Some((x2, y2))) = (at(&t.from), at(&t.to)) {
            o.push_str(&format!(
                "<line x1=\"{:.0}\" y1=\"{:.0}\" x2=\"{:.0}\" y2=\"{:.0}\" stroke=\"#c05621\" stroke-width=\"{}\" marker-end=\"url(#arrow)\"><title>{}</title></line>\n",
                x1 + 170.0, y1 + 20.0, x2, y2 + 20.0, 1 + t.count.min(4), esc(&format!("{} transferred to {} ({}×)", t.from, t.to, t.count))
            ));
        }
    }
    // Who reports to whom, where a rep said: dashed lines up to the supervisor.
    for p in &map.people {
        if let Some(boss) = &p.reports_to
            && let (Some((x1, y1)), Some((x2, y2))) = (at(&p.name), at(boss))
        {
            o.push_str(&format!(
                "<line x1=\"{:.0}\" y1=\"{:.0}\" x2=\"{:.0}\" y2=\"{:.0}\" stroke=\"#2b6cb0\" stroke-dasharray=\"4 3\"><title>{}</title></line>\n",
                x1 + 85.0, y1, x2 + 85.0, y2 + 40.0, esc(&format!("{} reports to {}", p.name, boss))
            ));
        }
    }
    o.push_str("</svg>\n");
    o
}
