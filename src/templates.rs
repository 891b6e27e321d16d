//! Templates: the defaults compiled into the binary, overridden file by file from a directory on
//! disk (`templates/` by default, `--templates DIR`).
//!
//! Two kinds of file: pure Typst library files (`lib/*.typ`, the layout, compilable alone) and thin
//! minijinja templates (`*.typ.j2`) that map a view model onto those library functions.
//!
//! An override that cannot be used is an error naming its path, never a quiet fall-back to the
//! built-in file (see [`Templates::load`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, Loc};

/// The default templates, embedded at build time.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("lib/phrases.typ", include_str!("../templates/lib/phrases.typ")),
    ("lib/gongwen.typ", include_str!("../templates/lib/gongwen.typ")),
    ("lib/notice.typ", include_str!("../templates/lib/notice.typ")),
    ("lib/briefing.typ", include_str!("../templates/lib/briefing.typ")),
    ("lib/order.typ", include_str!("../templates/lib/order.typ")),
    ("lib/chase.typ", include_str!("../templates/lib/chase.typ")),
    ("lib/record.typ", include_str!("../templates/lib/record.typ")),
    ("_body.typ.j2", include_str!("../templates/_body.typ.j2")),
    ("notice.typ.j2", include_str!("../templates/notice.typ.j2")),
    ("briefing.typ.j2", include_str!("../templates/briefing.typ.j2")),
    ("leader.typ.j2", include_str!("../templates/leader.typ.j2")),
    ("order.typ.j2", include_str!("../templates/order.typ.j2")),
    ("assess.typ.j2", include_str!("../templates/assess.typ.j2")),
    ("chase.typ.j2", include_str!("../templates/chase.typ.j2")),
    ("record.typ.j2", include_str!("../templates/record.typ.j2")),
];

/// The template set of a run.
#[derive(Debug, Clone)]
pub struct Templates {
    /// Relative path → (text, where it came from for messages).
    files: BTreeMap<String, (String, String)>,
}

impl Templates {
    /// The embedded defaults only (what `archive` uses unless `--templates` is given).
    pub fn builtin() -> Templates {
        let files = DEFAULTS
            .iter()
            .map(|(p, t)| ((*p).to_owned(), ((*t).to_owned(), format!("templates/{p}（内置）"))))
            .collect();
        Templates { files }
    }

    /// The override directory a build uses: `explicit` (`--templates`) when given, else
    /// `./templates` when it is a directory (`ducha build` and the web's 生成公文 alike).
    pub fn dir_for_build(explicit: Option<PathBuf>) -> Option<PathBuf> {
        explicit.or_else(|| Some(PathBuf::from("templates")).filter(|p| p.is_dir()))
    }

    /// The embedded defaults, with any same-named file under `dir` taking precedence.
    ///
    /// An override is never dropped silently: a directory that does not exist, and an override
    /// file that exists but cannot be read or is not UTF-8, are errors (every one of them, each
    /// naming its real path). A file the directory does not have keeps the built-in text.
    pub fn load(dir: Option<&Path>) -> Result<Templates, Diagnostics> {
        let mut t = Templates::builtin();
        let Some(dir) = dir else { return Ok(t) };
        if !dir.is_dir() {
            return Err(Diagnostics(vec![Diagnostic::error(format!("模板目录 {} 不存在或不是目录", dir.display()))
                .hint("检查 --templates 的路径；不给 --templates 时使用内置模板")]));
        }
        let mut errors = Diagnostics::default();
        for (p, _) in DEFAULTS {
            let path: PathBuf = dir.join(p);
            let shown = path.display().to_string();
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => {
                        t.files.insert((*p).to_owned(), (text, shown));
                    }
                    Err(e) => errors.push(
                        Diagnostic::error(format!(
                            "覆盖模板 {shown} 不是 UTF-8 文本（第 {} 个字节起无法解码）",
                            e.utf8_error().valid_up_to() + 1
                        ))
                        .at(Loc::file(shown.clone()))
                        .hint("用 UTF-8 编码另存该文件；不想覆盖内置模板时删除它"),
                    ),
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => errors.push(
                    Diagnostic::error(format!("无法读取覆盖模板 {shown}：{e}"))
                        .at(Loc::file(shown.clone()))
                        .hint("检查文件权限（或它是否是目录）；不想覆盖内置模板时删除它"),
                ),
            }
        }
        if errors.has_errors() {
            Err(errors)
        } else {
            Ok(t)
        }
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
