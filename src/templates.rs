//! Templates: the defaults compiled into the binary, overridden file by file from a directory on
//! disk (`templates/` by default, `--templates DIR`).
//!
//! Two kinds of file: pure Typst library files (`lib/*.typ`, the layout, compilable alone) and thin
//! minijinja templates (`*.typ.j2`) that map a view model onto those library functions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The default templates, embedded at build time.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("lib/gongwen.typ", include_str!("../templates/lib/gongwen.typ")),
    ("lib/notice.typ", include_str!("../templates/lib/notice.typ")),
    ("lib/briefing.typ", include_str!("../templates/lib/briefing.typ")),
    ("lib/order.typ", include_str!("../templates/lib/order.typ")),
    ("_body.typ.j2", include_str!("../templates/_body.typ.j2")),
    ("notice.typ.j2", include_str!("../templates/notice.typ.j2")),
    ("briefing.typ.j2", include_str!("../templates/briefing.typ.j2")),
    ("leader.typ.j2", include_str!("../templates/leader.typ.j2")),
    ("order.typ.j2", include_str!("../templates/order.typ.j2")),
];

/// The template set of a run.
#[derive(Debug, Clone)]
pub struct Templates {
    /// Relative path → (text, where it came from for messages).
    files: BTreeMap<String, (String, String)>,
}

impl Templates {
    /// The embedded defaults, with any same-named file under `dir` taking precedence.
    pub fn load(dir: Option<&Path>) -> Templates {
        let mut files: BTreeMap<String, (String, String)> = DEFAULTS
            .iter()
            .map(|(p, t)| ((*p).to_owned(), ((*t).to_owned(), format!("templates/{p}（内置）"))))
            .collect();
        if let Some(dir) = dir {
            for (p, _) in DEFAULTS {
                let path: PathBuf = dir.join(p);
                if let Ok(text) = std::fs::read_to_string(&path) {
                    files.insert((*p).to_owned(), (text, path.display().to_string()));
                }
            }
        }
        Templates { files }
    }

    /// The text of a template.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(|(t, _)| t.as_str())
    }

    /// Every Typst library file: (relative path, text, origin).
    pub fn typst_files(&self) -> impl Iterator<Item = (&str, &str, String)> {
        self.files.iter().filter(|(p, _)| p.ends_with(".typ")).map(|(p, (t, o))| (p.as_str(), t.as_str(), o.clone()))
    }

    /// Every file: (relative path, text).
    pub fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, (t, _))| (p.as_str(), t.as_str()))
    }
}
