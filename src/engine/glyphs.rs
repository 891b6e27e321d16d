//! No silent tofu: every character of user-supplied text is looked up in the font stack of the
//! element it prints in, before compiling.
//!
//! A character no bundled font has is an error naming the character, its code point and where it
//! came from; a character that falls back from the role's own face (FandolFang, FandolKai …) to
//! the Noto fallback is a warning (the glyph is drawn, but in a visibly different style).

use std::collections::{BTreeMap, HashMap};

use super::fonts::{Fonts, Role};
use crate::diag::{Diagnostic, Diagnostics, Loc, SourceMap};

/// A piece of user text and where it will print.
#[derive(Debug, Clone)]
pub struct TextItem<'a> {
    pub text: &'a str,
    /// The font role it prints in.
    pub role: Role,
    /// Where the text comes from (the start of its entry; the exact character is searched from here).
    pub origin: Loc,
    /// What the text is, for messages: `第 12 项任务的进展情况`.
    pub what: String,
}

/// Checks every item; returns errors for missing glyphs and one warning per origin file for
/// fallbacks.
pub fn check<'a>(fonts: &Fonts, items: impl IntoIterator<Item = TextItem<'a>>, sources: &SourceMap) -> Diagnostics {
    let mut out = Diagnostics::default();
    let mut cache = Resolved::default();
    // (file, role name, role) → chars falling back, with the first place each was seen (ordered by
    // the name, as the warnings are listed).
    let mut fallbacks: BTreeMap<(String, &'static str, Role), BTreeMap<char, Loc>> = BTreeMap::new();
    let mut reported_missing: HashMap<(Loc, char), ()> = HashMap::new();
    for item in items {
        let stack = item.role.stack();
        for c in item.text.chars() {
            if c.is_whitespace() || c.is_control() || c == '\u{feff}' {
                continue;
            }
            let resolved = cache.get(item.role, c, || fonts.resolve(stack, c));
            match resolved {
                Some(0) => {}
                Some(_) => {
                    fallbacks
                        .entry((item.origin.file.clone(), item.role.name(), item.role))
                        .or_default()
                        .entry(c)
                        .or_insert_with(|| locate_char(sources, &item.origin, c));
                }
                None => {
                    // Once per place: the same text checked in two roles, or a character repeated
                    // in one narrative, is one error; the same character in two fields is two.
                    let loc = locate_char(sources, &item.origin, c);
                    if reported_missing.insert((loc.clone(), c), ()).is_some() {
                        continue;
                    }
                    out.push(
                        Diagnostic::error(format!(
                            "字符 “{c}”（U+{:04X}）在随附字体中都没有字形，排版后会成为空白方框（{}）",
                            c as u32, item.what
                        ))
                        .at(loc)
                        .hint("改用常用字或同音规范字，或用 --font-path 加入含该字的字体"),
                    );
                }
            }
        }
    }
    for ((file, name, role), chars) in fallbacks {
        let list: Vec<String> = chars.keys().map(|c| format!("{c}（U+{:04X}）", *c as u32)).collect();
        let first = chars.values().next().cloned().unwrap_or_else(|| Loc::file(file.clone()));
        let face = role.stack()[0];
        out.push(
            Diagnostic::warning(format!(
                "{face}（{name}）缺少以下字符，将以思源宋体/黑体代替显示：{}",
                list.join("、")
            ))
            .at(first)
            .hint("这些字会与周围字体略有不同；如需统一，用 --font-path 加入更全的字体"),
        );
    }
    out
}

/// Which family of its role's stack draws each character ([`Fonts::resolve`]), looked up once per
/// role and character. A city's plan prints about a million characters from a few thousand
/// distinct ones, so the lookups of the Basic Multilingual Plane sit in a flat table (one byte
/// each) rather than a hash map (issue 22 §8).
#[derive(Default)]
struct Resolved {
    /// Per role, `BMP` bytes: 0 not looked up yet, 1 no font, 2 + k the k-th family.
    bmp: HashMap<Role, Vec<u8>>,
    other: HashMap<(Role, char), Option<usize>>,
}

const BMP: usize = 0x1_0000;

impl Resolved {
    fn get(&mut self, role: Role, c: char, resolve: impl FnOnce() -> Option<usize>) -> Option<usize> {
        let code = c as usize;
        if code >= BMP {
            return *self.other.entry((role, c)).or_insert_with(resolve);
        }
        let table = self.bmp.entry(role).or_insert_with(|| vec![0; BMP]);
        match table[code] {
            0 => {
                let found = resolve();
                // A stack is a handful of families; one that is not (k ≥ 254) is simply not kept.
                if let Some(byte) = found.map_or(Some(1), |k| u8::try_from(k + 2).ok()) {
                    table[code] = byte;
                }
                found
            }
            1 => None,
            byte => Some(usize::from(byte) - 2),
        }
    }
}

/// Finds the first occurrence of `c` at or after `origin` (its line and column) in its file,
/// wrapping to the start of the file; the origin itself when the file or the character is not
/// found.
fn locate_char(sources: &SourceMap, origin: &Loc, c: char) -> Loc {
    let Some(text) = sources.get(&origin.file) else { return origin.clone() };
    let start_line = origin.line.max(1);
    let start_col = if origin.line == 0 { 1 } else { origin.column.max(1) };
    let lines: Vec<&str> = text.lines().collect();
    let at = |i: usize, skip: usize| {
        lines[i]
            .chars()
            .enumerate()
            .skip(skip)
            .find(|(_, x)| *x == c)
            .map(|(col, _)| Loc::new(origin.file.clone(), i + 1, col + 1))
    };
    let first = (start_line - 1 < lines.len()).then(|| at(start_line - 1, start_col - 1)).flatten();
    first
        .or_else(|| (start_line..lines.len()).find_map(|i| at(i, 0)))
        .or_else(|| (0..lines.len().min(start_line)).find_map(|i| at(i, 0)))
        .unwrap_or_else(|| origin.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_what_the_lookup_gives() {
        let mut r = Resolved::default();
        let mut calls = 0;
        for (c, want) in [('甲', Some(0)), ('𠀀', Some(1)), ('\u{e000}', None), ('甲', Some(0)), ('𠀀', Some(1))]
        {
            let got = r.get(Role::Fangsong, c, || {
                calls += 1;
                want
            });
            assert_eq!(got, want, "{c}");
        }
        // Each character looked up once; a second role looks up again.
        assert_eq!(calls, 3);
        assert_eq!(r.get(Role::Heiti, '甲', || Some(2)), Some(2));
        assert_eq!(r.get(Role::Heiti, '\u{e000}', || None), None);
        assert_eq!(r.get(Role::Heiti, '\u{e000}', || Some(9)), None);
    }

    #[test]
    fn locate_char_starts_at_the_origin_column() {
        let mut s = SourceMap::default();
        s.insert("o.yaml", "note: 甲乙\nsecret: 乙丙\n");
        // 乙 appears on line 1 too; the origin (line 2, column 9) finds the one in `secret`.
        assert_eq!(locate_char(&s, &Loc::new("o.yaml", 2, 9), '乙'), Loc::new("o.yaml", 2, 9));
        assert_eq!(locate_char(&s, &Loc::new("o.yaml", 2, 9), '丙'), Loc::new("o.yaml", 2, 10));
        // Not after the origin: wraps to the start.
        assert_eq!(locate_char(&s, &Loc::new("o.yaml", 2, 9), '甲'), Loc::new("o.yaml", 1, 7));
        assert_eq!(locate_char(&s, &Loc::new("x.yaml", 2, 9), '甲'), Loc::new("x.yaml", 2, 9));
    }
}
