//! The session every command runs in (the application's), and how the
//! command line reports what a write recorded.

pub use casefile_app::ctx::*;
use casefile_core::Entry;

/// Prints what a write recorded.
pub trait Report {
    fn report(&self, handle: u64, entries: &[Entry]);
}

impl Report for Ctx {
    fn report(&self, handle: u64, entries: &[Entry]) {
        if self.quiet {
            return;
        }
        if self.json {
            let list: Vec<_> = entries
                .iter()
                .map(|e| serde_json::json!({"seq": e.seq, "id": e.id, "kind": e.event.kind()}))
                .collect();
            let _ = crate::json::print_json(&serde_json::json!({"case": handle, "entries": list}));
        } else {
            let nums: Vec<String> = entries.iter().map(|e| format!("#{}", e.seq)).collect();
            let what = entries
                .first()
                .map(|e| e.event.kind().replace('_', " "))
                .unwrap_or_default();
            if entries.len() == 1 {
                println!("Case {handle}: recorded {} ({what}).", nums.join(""));
            } else {
                println!(
                    "Case {handle}: recorded {} entries, {}–{}.",
                    entries.len(),
                    nums[0],
                    nums[nums.len() - 1]
                );
            }
        }
    }
}
