//! The coach: the method put to work on a case. Pure functions of the state,
//! so every face (CLI, call console, web app) shows the same advice.

pub mod advice;
pub mod ask;
pub mod brief;
pub mod economics;
pub mod goal;
pub mod letters;
pub mod live;
pub mod politeness;
pub mod templates;
pub mod tone;

pub use advice::{Advice, Rung, Urgency, advise, current_rung, next_rung};
pub use brief::{Brief, brief};
pub use economics::{Economics, Rates, economics};
pub use goal::{GoalFinding, check_goal};
pub use templates::Templates;
pub use tone::{Purpose, ToneReport, check_draft};
