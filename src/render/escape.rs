//! Escaping user text for generated Typst source.
//!
//! ducha builds Typst source from templates, so every piece of user data that
//! lands in that source must be made inert. Two positions matter:
//!
//! * **Markup** ([`markup`]): text between markup constructs, e.g. a name in a
//!   paragraph or a cell. The escaper is context-free: it backslashes every
//!   ASCII punctuation character (Typst reads `\` before any non-space
//!   character as that character), so the result is plain text after any
//!   prefix — line start, `= `, `#strong[x]`, `#let a = 1` and a newline alike.
//! * **Code** ([`string_literal`], [`value_literal`] and the helpers beside
//!   it): values in argument positions such as
//!   `#set document(title: "…")` or `#raw("…")`.
//!
//! The rules follow the typst-syntax 0.15 lexer (`lexer.rs`: a backslash before any
//! non-space character is an escape).

use std::fmt::Write as _;

/// Escapes `s` so that Typst markup shows it literally as text.
///
/// * Every ASCII punctuation character gets a backslash (`#` → `\#`,
///   `[` → `\[`, `.` → `\.`, …); letters, digits and non-ASCII characters
///   are never escaped.
/// * `\r\n` and a lone `\r` count as one line break.
/// * Line breaks (also VT, FF, NEL, U+2028, U+2029, which Typst treats as
///   newlines) and tabs become spaces, so user text can never produce a
///   paragraph break.
/// * A run of whitespace containing a line break between two CJK characters
///   is dropped entirely: Typst 0.15 renders a source line break inside
///   Chinese text as a visible space.
///
/// ```
/// use ducha::render::escape::markup;
/// assert_eq!(markup("#read(\"x\")"), "\\#read\\(\\\"x\\\"\\)");
/// assert_eq!(markup("第一行\n第二行"), "第一行第二行");
/// assert_eq!(markup("one\ntwo"), "one two");
/// ```
#[must_use]
pub fn markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    // The last non-whitespace character written, for the CJK line-break rule.
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if is_markup_space(c) {
            // Collect the whole whitespace run, then decide how to write it.
            let mut run = String::new();
            let mut has_newline = false;
            let mut cur = c;
            loop {
                match cur {
                    '\r' => {
                        // `\r\n` is one line break; a lone `\r` is one too.
                        if chars.peek() == Some(&'\n') {
                            chars.next();
                        }
                        has_newline = true;
                        run.push(' ');
                    }
                    c if is_newline(c) => {
                        has_newline = true;
                        run.push(' ');
                    }
                    _ => run.push(' '),
                }
                match chars.peek() {
                    Some(&n) if is_markup_space(n) => {
                        cur = n;
                        chars.next();
                    }
                    _ => break,
                }
            }
            let next = chars.peek().copied();
            let joins_cjk = has_newline && prev.is_some_and(is_cjk) && next.is_some_and(is_cjk);
            if !joins_cjk {
                out.push_str(&run);
            }
            continue;
        }
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Returns `s` as a quoted Typst string literal, e.g. `say "hi"` →
/// `"say \"hi\""`.
///
/// Escapes `\` `"` and newline, carriage return and tab as `\n` `\r` `\t`;
/// other control characters and the Unicode line separators (NEL, U+2028,
/// U+2029) become `\u{…}` so the literal always stays on one source line.
/// Everything else, CJK included, is kept as is.
///
/// ```
/// use ducha::render::escape::string_literal;
/// assert_eq!(string_literal("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
/// ```
#[must_use]
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The Typst literal for a boolean: `true` or `false`.
///
/// Needed because minijinja prints `True`/`False`, which Typst code reads as
/// unknown variables.
#[must_use]
pub fn bool_literal(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// The Typst `none` literal (minijinja would print `None`).
pub const NONE_LITERAL: &str = "none";

/// The Typst literal for an integer, e.g. `-3`.
///
/// `i64::MIN` is written as an expression because Typst lexes the sign
/// separately and `9223372036854775808` does not fit an `int`.
#[must_use]
pub fn int_literal(i: i64) -> String {
    if i == i64::MIN {
        format!("({} - 1)", i64::MIN + 1)
    } else {
        i.to_string()
    }
}

/// The Typst literal for a float, always of type `float`.
///
/// Finite values are written in positional notation, never with an exponent,
/// and always with a decimal point (`2.0`, `-0.5`, `0.0001`), using the
/// shortest digits that read back as the same `f64`. NaN and the infinities,
/// which have no literal, become `float.nan`, `float.inf` and `-float.inf`.
#[must_use]
pub fn float_literal(f: f64) -> String {
    if f.is_nan() {
        return "float.nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "float.inf" } else { "-float.inf" }.to_owned();
    }
    // Rust's `Display` for f64 is positional and round-trips.
    let mut s = f.to_string();
    if !s.contains('.') {
        s.push_str(".0");
    }
    s
}

/// The Typst literal for a number from data, for the template filter `num`:
/// an `int` literal when `f` is a whole number that `f64` holds exactly
/// (|f| < 2^53, so `3.0` → `3`, usable as `columns: 3`), else
/// [`float_literal`] (`2.5`, `1e300` positional, `float.nan`).
///
/// ```
/// use ducha::render::escape::number_literal;
/// assert_eq!(number_literal(3.0), "3");
/// assert_eq!(number_literal(-0.0), "0");
/// assert_eq!(number_literal(2.5), "2.5");
/// ```
#[must_use]
pub fn number_literal(f: f64) -> String {
    crate::numerals::whole(f).map_or_else(|| float_literal(f), int_literal)
}

/// A scalar value to be written as a Typst code literal by [`value_literal`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal<'a> {
    /// `none`.
    None,
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal (see [`float_literal`]).
    Float(f64),
    /// A string literal (see [`string_literal`]).
    Str(&'a str),
}

/// Writes a scalar as Typst code, for template positions such as
/// `#set document(title: …)` or `#if …`.
///
/// ```
/// use ducha::render::escape::{value_literal, Literal};
/// assert_eq!(value_literal(Literal::Bool(true)), "true");
/// assert_eq!(value_literal(Literal::None), "none");
/// assert_eq!(value_literal(Literal::Float(1e21)), "1000000000000000000000.0");
/// assert_eq!(value_literal(Literal::Str("x")), "\"x\"");
/// ```
#[must_use]
pub fn value_literal(v: Literal<'_>) -> String {
    match v {
        Literal::None => NONE_LITERAL.to_owned(),
        Literal::Bool(b) => bool_literal(b).to_owned(),
        Literal::Int(i) => int_literal(i),
        Literal::Float(f) => float_literal(f),
        Literal::Str(s) => string_literal(s),
    }
}

/// Whether `c` is a CJK character for line-joining purposes: Han ideographs
/// (all extensions), kana, bopomofo, CJK symbols and punctuation (`。`, `、`,
/// `「`…), fullwidth forms (`，`, `：`, `（`…) and related blocks.
///
/// Hangul is not included: Korean separates words with spaces.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(
        c as u32,
        0x2E80..=0x2FDF     // CJK radicals supplement, Kangxi radicals
            | 0x2FF0..=0x2FFF // ideographic description characters
            | 0x3000..=0x303F // CJK symbols and punctuation
            | 0x3040..=0x30FF // hiragana, katakana
            | 0x3100..=0x312F // bopomofo
            | 0x3190..=0x31FF // kanbun, bopomofo ext., CJK strokes, katakana ext.
            | 0x3200..=0x33FF // enclosed CJK, CJK compatibility
            | 0x3400..=0x4DBF // extension A
            | 0x4E00..=0x9FFF // unified ideographs
            | 0xF900..=0xFAFF // compatibility ideographs
            | 0xFE10..=0xFE1F // vertical forms
            | 0xFE30..=0xFE4F // CJK compatibility forms
            | 0xFF00..=0xFFEF // halfwidth and fullwidth forms
            | 0x20000..=0x3FFFF // extensions B–J, compatibility supplement
    )
}

/// Typst's markup whitespace: space, tab and its newline characters.
fn is_markup_space(c: char) -> bool {
    c == ' ' || c == '\t' || is_newline(c)
}

/// The characters Typst treats as newlines (typst-syntax `is_newline`).
pub(crate) fn is_newline(c: char) -> bool {
    matches!(c, '\n' | '\x0B' | '\x0C' | '\r' | '\u{0085}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use typst::syntax::{SyntaxKind, SyntaxNode};

    /// Node kinds that would mean user text turned into something other than
    /// text.
    const FORBIDDEN: &[SyntaxKind] = &[
        SyntaxKind::FuncCall,
        SyntaxKind::Hash,
        SyntaxKind::Code,
        SyntaxKind::CodeBlock,
        SyntaxKind::ContentBlock,
        SyntaxKind::Equation,
        SyntaxKind::Math,
        SyntaxKind::Label,
        SyntaxKind::Ref,
        SyntaxKind::Raw,
        SyntaxKind::Heading,
        SyntaxKind::ListItem,
        SyntaxKind::EnumItem,
        SyntaxKind::TermItem,
        SyntaxKind::Strong,
        SyntaxKind::Emph,
        SyntaxKind::Link,
        SyntaxKind::LineComment,
        SyntaxKind::BlockComment,
        SyntaxKind::SmartQuote,
        SyntaxKind::Shorthand,
        SyntaxKind::Linebreak,
        SyntaxKind::Parbreak,
        SyntaxKind::Error,
    ];

    const HOSTILE: &[&str] = &[
        "#read(\"/etc/passwd\")",
        "#panic(\"x\")",
        "$x$",
        "<a>",
        "@b",
        "a\\b",
        "//",
        "/* */",
        "*/",
        "[x]",
        "{{ x }}",
        "{% x %}",
        "= heading",
        "- list",
        "+ item",
        "/ term: x",
        "1. enum",
        "http://x",
        "https://example.com/a_b*c",
        "`raw`",
        "```rust\nfn main() {}\n```",
        "~ -- --- ... -? -1",
        "'quoted' \"double\"",
        "*strong* _emph_",
        "\\u{41}",
        "\\",
        "a\\",
        "#let x = 1; #x",
        "#{ 1 + 1 }",
        "#import \"/x.typ\": *",
        "x;y",
        ".field(1)[2]",
        "第一行\n第二行",
        "a\n\nb",
        "a\r\n\r\nb",
        "a\u{2028}\u{2029}b",
        "tab\there",
        "#!shebang",
    ];

    const PREFIXES: &[&str] = &[
        "",
        "#strong[x]",
        "#emph[y]",
        "#linebreak()",
        "#raw(\"z\")",
        "\n",
        "= ",
        "- ",
        "#let a = 1\n",
        "text ",
        "中文",
    ];

    /// Collects the problems in `node`: forbidden kinds, plus anything that is
    /// not plain text under the `Markup` root.
    fn check(node: &SyntaxNode, depth: usize, problems: &mut Vec<String>) {
        if FORBIDDEN.contains(&node.kind()) {
            problems.push(format!("{:?} {:?}", node.kind(), node.full_text()));
        }
        if depth == 1 && !matches!(node.kind(), SyntaxKind::Text | SyntaxKind::Escape | SyntaxKind::Space) {
            problems.push(format!("top-level {:?}", node.kind()));
        }
        for child in node.children() {
            check(child, depth + 1, problems);
        }
    }

    /// Decodes the Text/Escape/Space leaves of a markup tree into a string.
    fn decode(root: &SyntaxNode) -> String {
        let mut out = String::new();
        for child in root.children() {
            let text = child.leaf_text();
            match child.kind() {
                SyntaxKind::Escape => out.push_str(&text[1..]),
                _ => out.push_str(text),
            }
        }
        out
    }

    /// What [`markup`] promises the reader sees: the input with line breaks
    /// and tabs as spaces, and line breaks between CJK characters removed.
    fn expected(s: &str) -> String {
        let s = s.replace("\r\n", "\n");
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            if is_markup_space(chars[i]) {
                let start = i;
                while i < chars.len() && is_markup_space(chars[i]) {
                    i += 1;
                }
                let run = &chars[start..i];
                let newline = run.iter().any(|&c| is_newline(c));
                let before = start.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i).copied();
                if !(newline && before.is_some_and(is_cjk) && after.is_some_and(is_cjk)) {
                    out.extend(run.iter().map(|_| ' '));
                }
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    }

    /// Counts the forbidden nodes in a tree.
    fn forbidden_counts(node: &SyntaxNode, counts: &mut Vec<(SyntaxKind, usize)>) {
        if FORBIDDEN.contains(&node.kind()) {
            match counts.iter_mut().find(|(k, _)| *k == node.kind()) {
                Some((_, n)) => *n += 1,
                None => counts.push((node.kind(), 1)),
            }
        }
        for child in node.children() {
            forbidden_counts(child, counts);
        }
    }

    /// Concatenates the decoded Text/Escape/Space leaves of a whole tree.
    fn decode_deep(node: &SyntaxNode, out: &mut String) {
        match node.kind() {
            SyntaxKind::Escape => out.push_str(&node.leaf_text()[1..]),
            SyntaxKind::Text | SyntaxKind::Space => out.push_str(node.leaf_text()),
            _ => {}
        }
        for child in node.children() {
            decode_deep(child, out);
        }
    }

    /// Parses `markup(s)` alone and after `prefix`; returns the problems found
    /// and the decoded text of the escaped part.
    fn probe(prefix: &str, s: &str) -> (Vec<String>, String) {
        let escaped = markup(s);
        let mut problems = Vec::new();

        // Alone: only Text/Escape/Space directly under the Markup root.
        let alone = typst::syntax::parse(&escaped);
        check(&alone, 0, &mut problems);
        let decoded = decode(&alone);

        // After a prefix: nothing beyond what the prefix itself produces, no
        // errors, and the text still reads back at the end.
        let source = format!("{prefix}{escaped}");
        let whole = typst::syntax::parse(&source);
        if whole.diagnosis().errors {
            problems.push(format!("erroneous: {source:?}"));
        }
        let mut before = Vec::new();
        forbidden_counts(&typst::syntax::parse(prefix), &mut before);
        let mut after = Vec::new();
        forbidden_counts(&whole, &mut after);
        before.sort_by_key(|(k, _)| format!("{k:?}"));
        after.sort_by_key(|(k, _)| format!("{k:?}"));
        if before != after {
            problems.push(format!("{source:?}: {before:?} -> {after:?}"));
        }
        let mut text = String::new();
        decode_deep(&whole, &mut text);
        if !text.ends_with(&decoded) {
            problems.push(format!("{source:?} reads as {text:?}"));
        }
        (problems, decoded)
    }

    #[test]
    fn escapes_punctuation_only() {
        assert_eq!(markup("abc 123 中文"), "abc 123 中文");
        assert_eq!(markup("#[]$*_"), "\\#\\[\\]\\$\\*\\_");
        assert_eq!(markup("a.b"), "a\\.b");
        assert_eq!(markup("ÄéÑ—“”…"), "ÄéÑ—“”…");
    }

    #[test]
    fn whitespace_rules() {
        assert_eq!(markup("a\r\nb"), "a b");
        assert_eq!(markup("a\rb"), "a b");
        assert_eq!(markup("a\n\nb"), "a  b");
        assert_eq!(markup("a\tb"), "a b");
        assert_eq!(markup("中\n文"), "中文");
        assert_eq!(markup("中。\r\n  「文」"), "中。「文」");
        assert_eq!(markup("中\nA"), "中 A");
        assert_eq!(markup("中 文"), "中 文");
        assert_eq!(markup("\n中"), " 中");
        assert_eq!(markup(""), "");
    }

    #[test]
    fn hostile_strings_stay_text() {
        for prefix in PREFIXES {
            for s in HOSTILE {
                let (problems, decoded) = probe(prefix, s);
                assert!(problems.is_empty(), "{prefix:?} + {s:?}: {problems:?}");
                assert_eq!(decoded, expected(s), "{s:?}");
            }
        }
    }

    #[test]
    fn string_literals() {
        assert_eq!(string_literal(""), "\"\"");
        assert_eq!(string_literal("中文"), "\"中文\"");
        assert_eq!(string_literal("a\tb\r\n"), "\"a\\tb\\r\\n\"");
        assert_eq!(string_literal("\u{0}\u{2028}"), "\"\\u{0}\\u{2028}\"");
        for s in HOSTILE {
            let lit = string_literal(s);
            let code = typst::syntax::parse_code(&lit);
            assert!(!code.diagnosis().errors, "{lit}");
            let strs: Vec<_> = code.children().filter(|n| n.kind() == SyntaxKind::Str).collect();
            assert_eq!(strs.len(), 1, "{lit}");
            assert_eq!(decode_str(strs[0].leaf_text()), *s);
        }
    }

    /// Decodes a Typst string literal the way typst-syntax's `Str::get` does.
    fn decode_str(lit: &str) -> String {
        let inner = &lit[1..lit.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('u') => {
                    let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    let hex = rest.trim_start_matches('{');
                    let code = u32::from_str_radix(hex, 16).expect("hex");
                    out.push(char::from_u32(code).expect("char"));
                }
                other => panic!("unexpected escape {other:?}"),
            }
        }
        out
    }

    #[test]
    fn value_literals() {
        assert_eq!(bool_literal(false), "false");
        assert_eq!(value_literal(Literal::Bool(true)), "true");
        assert_eq!(value_literal(Literal::None), "none");
        assert_eq!(value_literal(Literal::Int(-42)), "-42");
        assert_eq!(float_literal(2.0), "2.0");
        assert_eq!(float_literal(-0.5), "-0.5");
        assert_eq!(float_literal(-0.0), "-0.0");
        assert_eq!(float_literal(1e-7), "0.0000001");
        assert_eq!(float_literal(1.5e300).len(), 303);
        assert_eq!(float_literal(f64::NAN), "float.nan");
        assert_eq!(number_literal(42.0), "42");
        assert_eq!(number_literal(-7.0), "-7");
        assert_eq!(number_literal(0.1), "0.1");
        assert_eq!(number_literal(9_007_199_254_740_992.0), "9007199254740992.0");
        assert_eq!(number_literal(f64::INFINITY), "float.inf");
        assert_eq!(float_literal(f64::NEG_INFINITY), "-float.inf");
        for lit in [
            int_literal(i64::MIN),
            int_literal(i64::MAX),
            float_literal(1e300),
            float_literal(f64::MIN_POSITIVE),
            float_literal(f64::INFINITY),
            number_literal(-12.0),
            number_literal(1e-300),
        ] {
            let code = typst::syntax::parse_code(&lit);
            assert!(!code.diagnosis().errors, "{lit}");
        }
    }

    /// Hostile fragments mixed with arbitrary characters.
    fn hostile_string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            proptest::sample::select(HOSTILE).prop_map(str::to_owned),
            proptest::sample::select(vec![
                "#", "[", "]", "(", ")", "{", "}", "$", "*", "_", "`", "<", ">", "@", "=", "-", "+", "/", "\\", "'",
                "\"", "~", ".", ":", ";", ",", "h", "ttp", "://", "1", "12.", " ", "\n", "\r", "\t", "\u{2028}", "中",
                "。", "u{41}", "a",
            ])
            .prop_map(str::to_owned),
            any::<char>().prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn escaped_text_is_only_text(
            s in hostile_string(),
            prefix in proptest::sample::select(PREFIXES),
        ) {
            let (problems, decoded) = probe(prefix, &s);
            prop_assert!(problems.is_empty(), "{:?} + {:?}: {:?}", prefix, s, problems);
            prop_assert_eq!(decoded, expected(&s));
        }

        #[test]
        fn arbitrary_strings_are_only_text(s in any::<String>()) {
            let (problems, decoded) = probe("", &s);
            prop_assert!(problems.is_empty(), "{:?}: {:?}", s, problems);
            prop_assert_eq!(decoded, expected(&s));
        }

        #[test]
        fn number_literals_read_back(f in any::<f64>()) {
            let lit = number_literal(f);
            let code = typst::syntax::parse_code(&lit);
            prop_assert!(!code.diagnosis().errors, "{}", lit);
            if f.is_finite() {
                let back: f64 = lit.parse().map_err(|e| TestCaseError::fail(format!("{lit}: {e}")))?;
                prop_assert!(back == f, "{} -> {}", f, lit);
            }
        }

        #[test]
        fn string_literal_round_trips(s in any::<String>()) {
            let lit = string_literal(&s);
            let code = typst::syntax::parse_code(&lit);
            prop_assert!(!code.diagnosis().errors);
            prop_assert_eq!(code.children().len(), 1);
            prop_assert_eq!(decode_str(&lit), s);
        }
    }
}
