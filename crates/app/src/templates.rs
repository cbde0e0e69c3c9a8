//! The letter and script templates: the built-in ones with the user's own
//! from the templates folder of the settings, each checked as it loads.

use std::path::PathBuf;

use casefile_core::coach::Templates;

use crate::error::{Error, Result};

/// Where the user's own templates live: CASEFILE_TEMPLATES, or `templates/` in the config directory.
pub fn templates_dir() -> Option<PathBuf> {
    crate::ctx::settings(None).ok().and_then(|s| s.templates)
}

/// The built-in templates with the user's overrides, each checked as it loads.
pub fn load_templates() -> Result<Templates> {
    let mut t = Templates::builtin();
    let Some(dir) = templates_dir() else {
        return Ok(t);
    };
    for name in Templates::names() {
        let path = dir.join(name);
        if let Ok(source) = std::fs::read_to_string(&path) {
            t.set_override(name, source).map_err(|e| {
                Error::invalid(format!(
                    "your template {} does not work: {}",
                    path.display(),
                    e.message
                ))
                .hint("fix it, or remove the file to use the built-in one")
            })?;
        }
    }
    Ok(t)
}
