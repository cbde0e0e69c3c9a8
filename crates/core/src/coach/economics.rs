//! What the dispute is costing: the customer's time and money, and a rough
//! figure for what it is costing the company. Every assumption is stated.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::state::CaseState;
use crate::text;

/// The figures the estimate rests on; each can be changed by the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    /// What an hour of the customer's time is worth to them.
    pub hourly_value: Money,
    /// What one minute of a representative's time costs the company, all in.
    pub agent_minute: Money,
}

impl Rates {
    /// $25 an hour for the customer; $1.00 a minute for a staffed contact
    /// (wages, overheads, systems), a common rough figure for call centres.
    pub fn default_for(currency: &str) -> Rates {
        Rates {
            hourly_value: Money {
                cents: 2500,
                currency: currency.into(),
            },
            agent_minute: Money {
                cents: 100,
                currency: currency.into(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCost {
    pub seq: u64,
    pub at: Timestamp,
    pub minutes: i64,
    pub hold_minutes: i64,
    pub reps: usize,
    /// Staffed minutes (not on hold) times the agent rate.
    pub company_cost: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Economics {
    pub rates: Rates,
    pub contacts: Vec<ContactCost>,
    pub contact_time: SignedDuration,
    pub hold_time: SignedDuration,
    pub off_contact_time: SignedDuration,
    pub total_time: SignedDuration,
    /// The customer's time at their hourly value.
    pub time_value: Money,
    pub expenses: Vec<Money>,
    /// Time value plus expenses in the rate's currency (other currencies listed apart).
    pub customer_total: Money,
    pub company_total: Money,
    /// Something the customer can say, calmly, on the next contact.
    pub sentence: String,
}

fn minutes(d: SignedDuration) -> i64 {
    d.as_secs().max(0) / 60
}

fn scale(rate: &Money, numerator: i64, denominator: i64) -> Money {
    Money {
        cents: (rate.cents * numerator + denominator / 2) / denominator,
        currency: rate.currency.clone(),
    }
}

pub fn economics(s: &CaseState, rates: &Rates, now: Timestamp) -> Economics {
    let c = s.costs(now);
    let contacts: Vec<ContactCost> = s
        .live_contacts()
        .map(|ct| {
            let total = minutes(ct.duration(now));
            let hold = minutes(ct.hold_time(now));
            ContactCost {
                seq: ct.origin.seq,
                at: ct.started(),
                minutes: total,
                hold_minutes: hold,
                reps: ct.live_reps().count(),
                company_cost: scale(&rates.agent_minute, (total - hold).max(0), 1),
            }
        })
        .collect();
    let total_time = c.contact_time + c.off_contact_time;
    let time_value = scale(&rates.hourly_value, minutes(total_time), 60);
    let same: i64 = c
        .expenses
        .iter()
        .filter(|m| m.currency == rates.hourly_value.currency)
        .map(|m| m.cents)
        .sum();
    let customer_total = Money {
        cents: time_value.cents + same,
        currency: time_value.currency.clone(),
    };
    let company_total = Money {
        cents: contacts.iter().map(|x| x.company_cost.cents).sum(),
        currency: rates.agent_minute.currency.clone(),
    };
    let sentence = if contacts.is_empty() {
        "Nothing has been spent on contacts yet.".to_string()
    } else {
        // The company's side in its own terms, said as a problem you share.
        let escalations = s.escalations.iter().filter(|e| !e.origin.retracted).count();
        let staff = text::duration_words(SignedDuration::from_mins(
            contacts.iter().map(|x| x.minutes - x.hold_minutes).sum(),
        ));
        format!(
            "Between us, this has now taken {} contact{}{}: about {staff} of your team's time, roughly {company_total} at what a staffed minute usually costs, and {} of my own. I'd like to save us both any more of that by settling it today. {}",
            contacts.len(),
            if contacts.len() == 1 { "" } else { "s" },
            match escalations {
                0 => String::new(),
                1 => " and an escalation".to_string(),
                n => format!(" and {n} escalations"),
            },
            text::duration_words(total_time),
            crate::coach::templates::AskWords::for_case(s).hoping,
        )
    };
    Economics {
        rates: rates.clone(),
        contacts,
        contact_time: c.contact_time,
        hold_time: c.hold_time,
        off_contact_time: c.off_contact_time,
        total_time,
        time_value,
        expenses: c.expenses,
        customer_total,
        company_total,
        sentence,
    }
}
