//! Markdown narratives to Typst markup, plain text and short summaries.
//!
//! [`to_typst`] turns CommonMark (with tables, strikethrough, task lists and
//! footnotes) into Typst markup built only from function calls —
//! `#strong[…]`, `#list(…)`, `#table(…)` and so on — never from Typst's
//! line-sensitive markup (`= `, `- `, `*…*`), and runs every piece of user
//! text through [`escape::markup`] and every URL or code span through
//! [`escape::string_literal`]. Whatever the Markdown contains, the result
//! therefore never evaluates user text as Typst code: `#read("/etc/passwd")`
//! in a narrative prints literally.
//!
//! Chinese text gets special care: a source line break next to a CJK
//! character is dropped instead of becoming a space (Typst 0.15 renders it as
//! a visible gap, typst issue #792).
//!
//! [`to_plain`] produces plain text for places like table cells (the
//! notice's table shortens it at a sentence or clause boundary, `render::view`).

use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::render::escape::{self, is_cjk, is_newline};

/// Markdown extensions ducha accepts. Math stays off: `$x$` prints literally
/// (a math formula would also need a math font, and `fonts/` has none). The .docx writer
/// (`docx::body::markdown`) parses with the same options.
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_FOOTNOTES
}

/// How many converter calls may nest (quotes in lists in tables …). Typst
/// stops at a show-rule depth of 64 (measured: 15 nested `#table`s or 16
/// `#quote`s compile, one more fails) and its parser at depth 256; the cap
/// leaves room for the template around the output. Deeper Markdown is still
/// converted, with the innermost wrappers left out.
const MAX_CALL_DEPTH: usize = 8;

/// Task list boxes; both are in GB2312, so FandolFang has them (☐/☑ are not,
/// and would be tofu or a PDF/A error).
pub(crate) const TASK_OPEN: &str = "□ ";
pub(crate) const TASK_DONE: &str = "■ ";

/// Converts Markdown to Typst markup made only of escaped text and function
/// calls.
///
/// | Markdown | Typst |
/// |---|---|
/// | text | [`escape::markup`] |
/// | `**a**`, `*a*`/`_a_`, `~~a~~` | `#strong[a]`, `#emph[a]`, `#strike[a]` |
/// | `[t](u)` (http, https, mailto only) | `#link("u")[t]`; other schemes: just `t` |
/// | `` `c` ``, fenced/indented code | `#raw("c")`, `#raw(block: true, lang: "l", "c")` |
/// | lists | `#list([…], …)`, `#enum(start: n, […], …)` (`tight: false` for loose lists) |
/// | `> q` | `#quote(block: true)[…]` |
/// | tables | `#table(columns: n, align: (…), table.header([…], …), […], …)` |
/// | `# h` (any level) | a paragraph `#strong[h]` (narrative sub-heading) |
/// | `---` | `#line(length: 100%)` |
/// | `[^n]` | `#footnote[…]` (each use repeats the note's text) |
/// | soft / hard break | nothing if a neighbour is CJK, else a space / `#linebreak()` |
/// | raw HTML | escaped literal text |
/// | image | its alt text only; files are never loaded |
///
/// Paragraphs and other blocks are separated by a blank line. When the
/// output ends with a function call, a `;` follows it: Typst consumes that
/// `;` silently, and it stops a template's next character (`(`, `[`,
/// `.ident`) from continuing the call.
///
/// ```
/// use ducha::markdown::to_typst;
/// assert_eq!(to_typst("**重点** #x"), "#strong[重点] \\#x");
/// assert_eq!(to_typst("第一行\n第二行"), "第一行第二行");
/// ```
#[must_use]
pub fn to_typst(md: &str) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(md, options()).collect();
    let footnotes = collect_footnotes(&events);
    let mut writer = Writer::new(&events, &footnotes, None);
    writer.run();
    let mut out = writer.finish();
    if ends_with_call(&out) {
        out.push(';');
    }
    out
}

/// Converts Markdown to plain text on one line: markup, HTML, footnotes and
/// image files are dropped (alt text and link text stay), whitespace is
/// collapsed, and lines of Chinese text are joined without spaces.
///
/// ```
/// use ducha::markdown::to_plain;
/// assert_eq!(to_plain("# 标题\n\n**加强**领导，\n落实责任。"), "标题 加强领导，落实责任。");
/// ```
#[must_use]
pub fn to_plain(md: &str) -> String {
    let mut plain = Plain::default();
    let mut skip_depth = 0usize;
    for event in Parser::new_ext(md, options()) {
        if skip_depth > 0 {
            match event {
                Event::Start(_) => skip_depth += 1,
                Event::End(_) => skip_depth -= 1,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::FootnoteDefinition(_)) => skip_depth = 1,
            Event::Start(tag) if is_block_tag(&tag) => plain.block_break(),
            Event::End(end) if is_block_end(end) => plain.block_break(),
            Event::Start(_) | Event::End(_) => {}
            Event::Text(t) | Event::Code(t) => plain.push(&t),
            Event::InlineMath(t) | Event::DisplayMath(t) => plain.push(&t),
            Event::SoftBreak | Event::HardBreak => plain.line_break(),
            Event::Rule => plain.block_break(),
            Event::Html(_) | Event::InlineHtml(_) | Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }
    plain.out
}

/// Whether a Typst string ends with a function call (an unescaped `]` or
/// `)`): escaped text only ever has `\]`/`\)`, with an odd number of
/// backslashes before the bracket.
fn ends_with_call(s: &str) -> bool {
    let Some(body) = s.strip_suffix([']', ')']) else {
        return false;
    };
    let backslashes = body.len() - body.trim_end_matches('\\').len();
    backslashes % 2 == 0
}

/// The events of each footnote definition, by label: `(start, end)` indices
/// of the events strictly inside the definition.
fn collect_footnotes<'e>(events: &'e [Event<'e>]) -> Vec<(&'e str, usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::FootnoteDefinition(label)) = &events[i] {
            let end = matching_end(events, i);
            found.push((label.as_ref(), i + 1, end));
            i = end;
        }
        i += 1;
    }
    found
}

/// The index of the `End` event matching the `Start` at `start` (or the last
/// index if the events are unbalanced).
fn matching_end(events: &[Event<'_>], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, event) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

/// Whether a tag starts a block (for plain-text joining).
fn is_block_tag(tag: &Tag<'_>) -> bool {
    !matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

/// Whether an end tag closes a block (for plain-text joining).
fn is_block_end(end: TagEnd) -> bool {
    !matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// Whether `c` is CJK punctuation (after which no space is needed between
/// blocks of plain text).
fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFE10..=0xFE1F | 0xFE30..=0xFE4F | 0xFF01..=0xFF0F
        | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
}

/// Builds the one-line plain text of [`to_plain`].
#[derive(Default)]
struct Plain {
    out: String,
    /// A pending separator: `None`, a space, a line break or a block break.
    pending: Option<Sep>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sep {
    Space,
    Line,
    Block,
}

impl Plain {
    fn separate(&mut self, sep: Sep) {
        if !self.out.is_empty() {
            self.pending = self.pending.max(Some(sep));
        }
    }

    fn line_break(&mut self) {
        self.separate(Sep::Line);
    }

    fn block_break(&mut self) {
        self.separate(Sep::Block);
    }

    fn push(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_whitespace() {
                let sep = if is_newline(c) { Sep::Line } else { Sep::Space };
                self.separate(sep);
                continue;
            }
            if let Some(sep) = self.pending.take() {
                let prev = self.out.chars().next_back();
                let space = match sep {
                    Sep::Space => true,
                    Sep::Line => !(prev.is_some_and(is_cjk) || is_cjk(c)),
                    Sep::Block => !(prev.is_some_and(is_cjk_punct) || is_cjk_punct(c)),
                };
                if space {
                    self.out.push(' ');
                }
            }
            self.out.push(c);
        }
    }
}

/// What came last in a block container, to choose the separator before the
/// next block.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    Inline,
    Block,
}

/// An open Markdown element being converted.
enum Kind {
    /// The document or a footnote body: holds blocks.
    Root,
    /// A list item: holds blocks, or inline text directly in a tight list.
    Item,
    /// A block quote: holds blocks.
    Quote,
    /// A paragraph: holds inline content.
    Paragraph,
    /// A heading: inline content, written as a bold paragraph.
    Heading,
    /// `#strong`, `#emph` or `#strike`.
    Styled(&'static str),
    /// A link; `None` if its scheme is not allowed.
    Link(Option<String>),
    /// Image alt text, or any other element written as its bare content.
    Transparent,
    /// A list: the converted items, `start` for ordered lists, and whether
    /// any item held paragraphs (a loose list).
    List { start: Option<u64>, items: Vec<String>, loose: bool },
    /// A table: alignments, header cells and body rows.
    Table { align: Vec<Alignment>, header: Vec<String>, rows: Vec<Vec<String>> },
    /// The table head (`head`) or a body row, with its converted cells.
    Row { head: bool, cells: Vec<String> },
    /// A table cell: inline content.
    Cell,
    /// A code block: language and verbatim text.
    Code { lang: Option<String> },
    /// An HTML block: verbatim text, written escaped.
    Html,
}

struct Frame {
    kind: Kind,
    buf: String,
    last: Last,
    /// Whether a paragraph was added (makes the enclosing list loose).
    had_paragraph: bool,
}

impl Frame {
    fn new(kind: Kind) -> Self {
        Frame { kind, buf: String::new(), last: Last::Nothing, had_paragraph: false }
    }

    /// Adds inline markup, starting a new paragraph if a block came last.
    fn push_inline(&mut self, s: &str) {
        if self.last == Last::Block {
            self.buf.push_str("\n\n");
        }
        self.buf.push_str(s);
        self.last = Last::Inline;
    }

    /// Adds a block: a blank line after a block, a single line break after
    /// inline text (a tight list item's text followed by a nested list).
    fn push_block(&mut self, s: &str) {
        match self.last {
            Last::Nothing => {}
            Last::Inline => self.buf.push('\n'),
            Last::Block => self.buf.push_str("\n\n"),
        }
        self.buf.push_str(s);
        self.last = Last::Block;
    }
}

/// Converts a slice of events to Typst markup.
struct Writer<'e> {
    events: &'e [Event<'e>],
    footnotes: &'e [(&'e str, usize, usize)],
    /// Inside a footnote body: the call depth of the `#footnote` around it.
    /// References there print literally, which also rules out footnotes that
    /// include each other.
    in_footnote: Option<usize>,
    stack: Vec<Frame>,
    /// How many frames in `stack` are calls ([`Kind::is_call`]), kept as a
    /// count so deep input stays linear.
    open_calls: usize,
    /// The last character of source text written, for soft-break joining.
    prev_char: Option<char>,
}

impl<'e> Writer<'e> {
    fn new(events: &'e [Event<'e>], footnotes: &'e [(&'e str, usize, usize)], in_footnote: Option<usize>) -> Self {
        Writer { events, footnotes, in_footnote, stack: vec![Frame::new(Kind::Root)], open_calls: 0, prev_char: None }
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.events.len() {
            if let Event::Start(Tag::FootnoteDefinition(_)) = &self.events[i] {
                // Definitions are written where they are referenced.
                i = matching_end(self.events, i) + 1;
                continue;
            }
            self.event(i);
            i += 1;
        }
    }

    /// Closes any frames left open and returns the document markup.
    fn finish(mut self) -> String {
        while self.stack.len() > 1 {
            self.end();
        }
        self.stack.pop().map(|f| f.buf).unwrap_or_default()
    }

    fn top(&mut self) -> &mut Frame {
        if self.stack.is_empty() {
            self.stack.push(Frame::new(Kind::Root));
        }
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    /// Writes escaped source text as inline content.
    fn text(&mut self, s: &str) {
        if let Some(c) = s.chars().next_back() {
            self.prev_char = Some(c);
        }
        let escaped = escape::markup(s);
        self.top().push_inline(&escaped);
    }

    fn event(&mut self, i: usize) {
        match &self.events[i] {
            Event::Start(tag) => self.start(tag),
            Event::End(_) => self.end(),
            Event::Text(t) => match self.top().kind {
                // Verbatim text is collected as is and escaped when closed.
                Kind::Code { .. } | Kind::Html => self.top().buf.push_str(t),
                _ => self.text(t),
            },
            Event::Code(t) => {
                if let Some(c) = t.chars().next_back() {
                    self.prev_char = Some(c);
                }
                let call = format!("#raw({})", escape::string_literal(t));
                self.top().push_inline(&call);
            }
            Event::InlineMath(t) => self.text(&format!("${t}$")),
            Event::DisplayMath(t) => self.text(&format!("$${t}$$")),
            Event::Html(t) => match self.top().kind {
                Kind::Html => self.top().buf.push_str(t),
                _ => self.text(t),
            },
            Event::InlineHtml(t) => self.text(t),
            Event::FootnoteReference(label) => self.footnote(label),
            Event::SoftBreak => {
                let next = self.next_char(i + 1);
                let joins = self.prev_char.is_some_and(is_cjk) || next.is_some_and(is_cjk);
                if !joins {
                    self.top().push_inline(" ");
                }
            }
            Event::HardBreak => self.top().push_inline("#linebreak()"),
            Event::Rule => self.top().push_block("#line(length: 100%)"),
            Event::TaskListMarker(done) => {
                let mark = if *done { TASK_DONE } else { TASK_OPEN };
                self.top().push_inline(mark);
            }
        }
    }

    /// The first character of source text at or after event `i`, looking
    /// through inline tags, for soft-break joining.
    fn next_char(&self, i: usize) -> Option<char> {
        for event in self.events.get(i..).unwrap_or_default() {
            match event {
                Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) => {
                    if let Some(c) = t.chars().next() {
                        return Some(c);
                    }
                }
                Event::Start(tag) if !is_block_tag(tag) => {}
                Event::End(end) if !is_block_end(*end) => {}
                _ => return None,
            }
        }
        None
    }

    fn footnote(&mut self, label: &str) {
        let found = self.footnotes.iter().find(|(l, _, _)| *l == label);
        match found {
            Some(&(_, start, end)) if self.in_footnote.is_none() && self.call_depth() < MAX_CALL_DEPTH => {
                let body_events = self.events.get(start..end).unwrap_or_default();
                let depth = self.call_depth() + 1;
                let mut inner = Writer::new(body_events, self.footnotes, Some(depth));
                inner.run();
                let body = inner.finish();
                self.top().push_inline(&format!("#footnote[{body}]"));
            }
            _ => self.text(&format!("[^{label}]")),
        }
    }

    fn start(&mut self, tag: &Tag<'_>) {
        let kind = match tag {
            Tag::Paragraph => Kind::Paragraph,
            Tag::Heading { .. } => Kind::Heading,
            Tag::BlockQuote(_) => Kind::Quote,
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().map(str::to_owned),
                    CodeBlockKind::Indented => None,
                };
                Kind::Code { lang }
            }
            Tag::HtmlBlock => Kind::Html,
            Tag::List(start) => Kind::List { start: *start, items: Vec::new(), loose: false },
            Tag::Item => Kind::Item,
            Tag::Table(align) => Kind::Table { align: align.clone(), header: Vec::new(), rows: Vec::new() },
            Tag::TableHead => Kind::Row { head: true, cells: Vec::new() },
            Tag::TableRow => Kind::Row { head: false, cells: Vec::new() },
            Tag::TableCell => Kind::Cell,
            Tag::Emphasis => Kind::Styled("emph"),
            Tag::Strong => Kind::Styled("strong"),
            Tag::Strikethrough => Kind::Styled("strike"),
            Tag::Link { link_type, dest_url, .. } => {
                let url = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.to_string(),
                };
                Kind::Link(allowed_url(&url).then_some(url))
            }
            // Alt text only: ducha never loads files named in narratives.
            Tag::Image { .. } => Kind::Transparent,
            // Not enabled; written as their bare content should they appear.
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Superscript
            | Tag::Subscript
            | Tag::MetadataBlock(_) => Kind::Transparent,
        };
        if kind.is_call() {
            self.open_calls += 1;
        }
        self.stack.push(Frame::new(kind));
    }

    /// How many converter calls enclose the innermost open frame.
    fn call_depth(&self) -> usize {
        self.in_footnote.unwrap_or(0) + self.open_calls
    }

    fn end(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if frame.kind.is_call() {
            self.open_calls = self.open_calls.saturating_sub(1);
        }
        if frame.kind.is_call() && self.call_depth() >= MAX_CALL_DEPTH {
            self.flatten(frame);
            return;
        }
        let Frame { kind, buf, had_paragraph, .. } = frame;
        match kind {
            Kind::Root => {}
            Kind::Paragraph => {
                let parent = self.top();
                parent.push_block(&buf);
                parent.had_paragraph = true;
            }
            Kind::Heading => {
                let parent = self.top();
                parent.push_block(&format!("#strong[{buf}]"));
                parent.had_paragraph = true;
            }
            Kind::Quote => self.top().push_block(&format!("#quote(block: true)[{buf}]")),
            Kind::Item => {
                if let Kind::List { items, loose, .. } = &mut self.top().kind {
                    items.push(buf);
                    *loose |= had_paragraph;
                }
            }
            Kind::List { start, items, loose } => {
                let mut args = Vec::new();
                if let Some(n) = start {
                    args.push(format!("start: {n}"));
                }
                if loose {
                    args.push("tight: false".to_owned());
                }
                args.extend(items.iter().map(|item| format!("[{item}]")));
                let func = if start.is_some() { "enum" } else { "list" };
                self.top().push_block(&format!("#{func}({})", args.join(", ")));
            }
            Kind::Table { align, header, rows, .. } => {
                self.top().push_block(&table(&align, header, rows));
            }
            Kind::Row { head, cells } => {
                if let Kind::Table { header, rows, .. } = &mut self.top().kind {
                    if head {
                        *header = cells;
                    } else {
                        rows.push(cells);
                    }
                }
            }
            Kind::Cell => {
                if let Kind::Row { cells, .. } = &mut self.top().kind {
                    cells.push(buf);
                }
            }
            Kind::Styled(func) => {
                self.top().push_inline(&format!("#{func}[{buf}]"));
            }
            Kind::Link(Some(url)) => {
                let url = escape::string_literal(&url);
                let call = if buf.is_empty() { format!("#link({url})") } else { format!("#link({url})[{buf}]") };
                self.top().push_inline(&call);
            }
            Kind::Link(None) | Kind::Transparent => {
                if !buf.is_empty() {
                    self.top().push_inline(&buf);
                }
            }
            Kind::Code { lang } => {
                let code = buf.strip_suffix('\n').unwrap_or(&buf);
                let lang = match lang {
                    Some(l) => format!("lang: {}, ", escape::string_literal(&l)),
                    None => String::new(),
                };
                let call = format!("#raw(block: true, {lang}{})", escape::string_literal(code));
                self.top().push_block(&call);
            }
            Kind::Html => {
                let text = escape::markup(buf.trim_end());
                if !text.is_empty() {
                    self.top().push_block(&text);
                }
            }
        }
    }
}

impl Writer<'_> {
    /// Writes a frame's content without its call, past [`MAX_CALL_DEPTH`].
    fn flatten(&mut self, frame: Frame) {
        let Frame { kind, buf, .. } = frame;
        let parent = self.top();
        match kind {
            Kind::List { items, .. } => {
                for item in items.iter().filter(|i| !i.is_empty()) {
                    parent.push_block(item);
                }
            }
            Kind::Table { header, rows, .. } => {
                for row in std::iter::once(header).chain(rows) {
                    let cells: Vec<String> = row.into_iter().filter(|c| !c.is_empty()).collect();
                    if !cells.is_empty() {
                        parent.push_block(&cells.join(" "));
                    }
                }
            }
            Kind::Quote if !buf.is_empty() => parent.push_block(&buf),
            Kind::Heading if !buf.is_empty() => {
                parent.push_block(&buf);
                parent.had_paragraph = true;
            }
            _ if !buf.is_empty() => parent.push_inline(&buf),
            _ => {}
        }
    }
}

impl Kind {
    /// Whether this element is written as a function call wrapping content.
    fn is_call(&self) -> bool {
        matches!(
            self,
            Kind::Quote
                | Kind::Heading
                | Kind::Styled(_)
                | Kind::Link(Some(_))
                | Kind::List { .. }
                | Kind::Table { .. }
        )
    }
}

/// Whether a link target may become a `#link`: web and mail only, so a
/// narrative cannot point readers at local files or scripts.
fn allowed_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    ["http://", "https://", "mailto:"].iter().any(|p| lower.starts_with(p))
}

/// Builds `#table(…)`; rows are padded or cut to the header's width.
fn table(align: &[Alignment], header: Vec<String>, rows: Vec<Vec<String>>) -> String {
    let columns = align.len().max(header.len()).max(1);
    let aligns: Vec<&str> = (0..columns)
        .map(|i| match align.get(i) {
            Some(Alignment::Left) => "left",
            Some(Alignment::Center) => "center",
            Some(Alignment::Right) => "right",
            Some(Alignment::None) | None => "auto",
        })
        .collect();
    // A one-element Typst array needs a trailing comma.
    let align_array = if columns == 1 { format!("({},)", aligns[0]) } else { format!("({})", aligns.join(", ")) };
    let cells = |row: Vec<String>| -> Vec<String> {
        let mut row: Vec<String> = row.into_iter().take(columns).map(|c| format!("[{c}]")).collect();
        row.resize(columns, "[]".to_owned());
        row
    };
    let mut args = vec![format!("columns: {columns}"), format!("align: {align_array}")];
    args.push(format!("table.header({})", cells(header).join(", ")));
    for row in rows {
        args.extend(cells(row));
    }
    format!("#table({})", args.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use typst::syntax::{SyntaxKind, SyntaxNode};

    /// The functions the converter calls.
    const CALLS: &[&str] = &[
        "strong",
        "emph",
        "strike",
        "link",
        "raw",
        "list",
        "enum",
        "quote",
        "table",
        "table.header",
        "linebreak",
        "line",
        "footnote",
    ];

    /// Every identifier the converter writes: callees, argument names and
    /// alignment values. User text never becomes an identifier.
    const IDENTS: &[&str] = &[
        "strong",
        "emph",
        "strike",
        "link",
        "raw",
        "list",
        "enum",
        "quote",
        "table",
        "header",
        "linebreak",
        "line",
        "footnote",
        "block",
        "lang",
        "start",
        "tight",
        "columns",
        "align",
        "left",
        "center",
        "right",
        "length",
    ];

    /// Node kinds that would mean Typst reads user text as something other
    /// than text.
    const FORBIDDEN: &[SyntaxKind] = &[
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
        SyntaxKind::CodeBlock,
        SyntaxKind::LetBinding,
        SyntaxKind::SetRule,
        SyntaxKind::ShowRule,
        SyntaxKind::Contextual,
        SyntaxKind::Conditional,
        SyntaxKind::WhileLoop,
        SyntaxKind::ForLoop,
        SyntaxKind::ModuleImport,
        SyntaxKind::ModuleInclude,
        SyntaxKind::Closure,
        SyntaxKind::Binary,
        SyntaxKind::Unary,
        SyntaxKind::Dict,
        SyntaxKind::Spread,
        SyntaxKind::Error,
    ];

    const PROBES: &[&str] = &[
        "#read(\"/etc/passwd\")",
        "#panic(\"x\")",
        "$x$",
        "<a>",
        "@b",
        "a\\b",
        "//",
        "/* */",
        "[x]",
        "{{ x }}",
        "{% x %}",
        "= heading",
        "- list",
        "1. enum",
        "http://x",
        "#let a = 1; #a",
        "x.y(z)[w]",
        "~ -- ... 'q' \"qq\"",
    ];

    /// Checks that `out` parses cleanly and only calls converter functions;
    /// returns the problems found.
    fn problems(out: &str) -> Vec<String> {
        let root = typst::syntax::parse(out);
        let mut found = Vec::new();
        if root.diagnosis().errors {
            let (errors, _) = root.errors_and_warnings();
            found.push(format!("syntax errors: {errors:?}"));
        }
        walk(&root, &mut found);
        found
    }

    fn walk(node: &SyntaxNode, found: &mut Vec<String>) {
        let kind = node.kind();
        if FORBIDDEN.contains(&kind) {
            found.push(format!("{kind:?}: {:?}", node.full_text()));
        }
        match kind {
            SyntaxKind::FuncCall => {
                let callee = node.children().next().map(|c| c.full_text());
                if !callee.as_ref().is_some_and(|c| CALLS.contains(&c.as_str())) {
                    found.push(format!("call to {callee:?}"));
                }
            }
            SyntaxKind::Ident if !IDENTS.contains(&node.leaf_text().as_str()) => {
                found.push(format!("identifier {:?}", node.leaf_text()));
            }
            SyntaxKind::FieldAccess if node.full_text() != "table.header" => {
                found.push(format!("field access {:?}", node.full_text()));
            }
            _ => {}
        }
        for child in node.children() {
            walk(child, found);
        }
    }

    /// The text a reader sees: decoded Text/Escape/Space leaves (string
    /// literals excluded), whitespace collapsed.
    fn visible_text(out: &str) -> String {
        fn collect(node: &SyntaxNode, text: &mut String) {
            match node.kind() {
                SyntaxKind::Escape => text.push_str(&node.leaf_text()[1..]),
                SyntaxKind::Text => text.push_str(node.leaf_text()),
                SyntaxKind::Space | SyntaxKind::Parbreak => text.push(' '),
                _ => {}
            }
            for child in node.children() {
                collect(child, text);
            }
        }
        let mut text = String::new();
        collect(&typst::syntax::parse(out), &mut text);
        collapse(&text)
    }

    fn collapse(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn assert_clean(out: &str) {
        let found = problems(out);
        assert!(found.is_empty(), "{out}\n{found:?}");
    }

    #[test]
    fn inline_styles() {
        assert_eq!(to_typst("**a** *c* _d_ ~~e~~"), "#strong[a] #emph[c] #emph[d] #strike[e];");
        assert_eq!(to_typst("***x***"), "#emph[#strong[x]];");
        assert_eq!(to_typst("a*b*c"), "a#emph[b]c");
    }

    #[test]
    fn links() {
        assert_eq!(to_typst("[t](https://x.org/a_b?c=\"d\")"), "#link(\"https://x.org/a_b?c=\\\"d\\\"\")[t];");
        assert_eq!(to_typst("[t](HTTP://x)"), "#link(\"HTTP://x\")[t];");
        assert_eq!(to_typst("<mailto:a@b.cn>"), "#link(\"mailto:a@b.cn\")[mailto\\:a\\@b\\.cn];");
        assert_eq!(to_typst("<a@b.cn>"), "#link(\"mailto:a@b.cn\")[a\\@b\\.cn];");
        assert_eq!(to_typst("[t](javascript:alert(1))"), "t");
        assert_eq!(to_typst("[t](/etc/passwd)"), "t");
        assert_eq!(to_typst("[t](file:///etc/passwd)"), "t");
        assert_eq!(to_typst("[](https://x)"), "#link(\"https://x\");");
        assert_eq!(to_typst("[*t*](https://x) y"), "#link(\"https://x\")[#emph[t]] y");
    }

    #[test]
    fn code() {
        assert_eq!(to_typst("`a \"b\" \\c`"), "#raw(\"a \\\"b\\\" \\\\c\");");
        assert_eq!(to_typst("```rust extra\nfn f() {}\n\n```"), "#raw(block: true, lang: \"rust\", \"fn f() {}\\n\");");
        assert_eq!(to_typst("    indented\n    code"), "#raw(block: true, \"indented\\ncode\");");
        assert_eq!(to_typst("```\n#x\n```"), "#raw(block: true, \"#x\");");
    }

    #[test]
    fn lists() {
        assert_eq!(to_typst("- a\n- b"), "#list([a], [b]);");
        assert_eq!(to_typst("- a\n\n- b"), "#list(tight: false, [a], [b]);");
        assert_eq!(to_typst("1. a\n2. b"), "#enum(start: 1, [a], [b]);");
        assert_eq!(to_typst("0. a"), "#enum(start: 0, [a]);");
        assert_eq!(to_typst("7) a"), "#enum(start: 7, [a]);");
        assert_eq!(to_typst("- a\n  - b\n- c"), "#list([a\n#list([b])], [c]);");
        assert_eq!(to_typst("- [x] a\n- [ ] b"), "#list([■ a], [□ b]);");
        assert_eq!(to_typst("- p1\n\n  p2\n- q"), "#list(tight: false, [p1\n\np2], [q]);");
    }

    #[test]
    fn blocks() {
        assert_eq!(to_typst("p1\n\np2"), "p1\n\np2");
        assert_eq!(to_typst("> q1\n>\n> q2"), "#quote(block: true)[q1\n\nq2];");
        assert_eq!(to_typst("# H1\n\n### H3\ntext"), "#strong[H1]\n\n#strong[H3]\n\ntext");
        assert_eq!(to_typst("Setext\n===\n"), "#strong[Setext];");
        assert_eq!(to_typst("a\n\n---\n\nb"), "a\n\n#line(length: 100%)\n\nb");
        assert_eq!(to_typst(""), "");
        assert_eq!(to_typst("  \n\n "), "");
    }

    #[test]
    fn tables() {
        assert_eq!(
            to_typst("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 |\n| x | y | z | extra |"),
            "#table(columns: 3, align: (left, center, right), table.header([a], [b], [c]), \
             [1], [2], [], [x], [y], [z]);"
        );
        assert_eq!(
            to_typst("| a |\n|---|\n| *1* |"),
            "#table(columns: 1, align: (auto,), table.header([a]), [#emph[1]]);"
        );
    }

    #[test]
    fn breaks() {
        // A CJK paragraph broken over two source lines has no space.
        assert_eq!(to_typst("第一行\n第二行"), "第一行第二行");
        assert_eq!(to_typst("结束。\n下一句"), "结束。下一句");
        assert_eq!(to_typst("中文\nEnglish"), "中文English");
        assert_eq!(to_typst("English\n中文"), "English中文");
        assert_eq!(to_typst("**加粗**\n*强调*"), "#strong[加粗]#emph[强调];");
        assert_eq!(to_typst("one\ntwo"), "one two");
        assert_eq!(to_typst("one  \ntwo"), "one#linebreak()two");
        assert_eq!(to_typst("one\\\ntwo"), "one#linebreak()two");
        assert!(!to_typst("很长的中文段落，\n分成了\n三行。").contains(' '));
    }

    #[test]
    fn html_and_images() {
        assert_eq!(to_typst("a <b>x</b>"), "a \\<b\\>x\\<\\/b\\>");
        assert_eq!(to_typst("<div>\n#x\n</div>"), "\\<div\\> \\#x \\<\\/div\\>");
        assert_eq!(to_typst("![图 *1*](/etc/passwd \"t\")"), "图 #emph[1];");
        assert_eq!(to_typst("![](x.png)"), "");
    }

    #[test]
    fn footnotes() {
        assert_eq!(to_typst("a[^n] b[^n]\n\n[^n]: note *x*"), "a#footnote[note #emph[x]] b#footnote[note #emph[x]];");
        // Undefined references and self-references print literally.
        assert_eq!(to_typst("a[^zz]"), "a\\[\\^zz\\]");
        assert_eq!(to_typst("a[^s]\n\n[^s]: see[^s]"), "a#footnote[see\\[\\^s\\]];");
    }

    #[test]
    fn math_is_literal() {
        assert_eq!(to_typst("$x^2$ and $$y$$"), "\\$x\\^2\\$ and \\$\\$y\\$\\$");
    }

    #[test]
    fn trailing_call_is_terminated() {
        // The `;` keeps a template's `(…)`, `[…]` or `.x` from continuing the call.
        for md in ["**a**", "`c`", "[t](https://x)", "- a", "a  \n"] {
            let out = to_typst(md);
            for tail in ["(1)", "[2]", ".x", ";"] {
                assert_clean(&format!("{out}{tail}"));
                assert!(visible_text(&format!("{out}{tail}")).ends_with(tail), "{out}{tail}");
            }
        }
        assert!(!to_typst("a\\]").ends_with(';'));
        // Markdown `a\\` is `a\`, escaped as `a\\`: no call at the end.
        assert_eq!(to_typst("a\\\\"), "a\\\\");
    }

    #[test]
    fn probes_print_literally() {
        let contexts: &[(&str, &str)] = &[
            ("Text {} more", "Text {} more"),
            ("中文{}中文", "中文{}中文"),
            ("- item {}", "item {}"),
            ("1. item {}\n2. b", "item {}"),
            ("> quote {}", "quote {}"),
            ("| h |\n|---|\n| {} |", "{}"),
            ("| {} |\n|---|\n| x |", "{}"),
            ("*emph {}*", "emph {}"),
            ("**strong {}**", "strong {}"),
            ("~~gone {}~~", "gone {}"),
            ("[link {}](https://x)", "link {}"),
            ("# heading {}", "heading {}"),
            ("a[^1]\n\n[^1]: note {}", "note {}"),
            ("line  \nnext {}", "next {}"),
            ("![alt {}](img.png)", "alt {}"),
        ];
        for (template, shown) in contexts {
            for probe in PROBES {
                // Emphasis delimiters inside emphasis are Markdown, not
                // injection; leave those pairs out.
                if template.starts_with(['*', '~']) && probe.contains(['*', '~']) {
                    continue;
                }
                let md = template.replace("{}", probe);
                let out = to_typst(&md);
                assert_clean(&out);
                let want = collapse(&shown.replace("{}", probe));
                let got = visible_text(&out);
                assert!(got.contains(&want), "{md:?} -> {out:?} shows {got:?}");
            }
        }
    }

    #[test]
    fn every_construct_parses_cleanly() {
        let md = "# 标题\n\n今年以来，**认真**落实，\n扎实推进。*c* _d_ ~~e~~ [l](https://x) `c`\n\n\
                  - a\n  - b\n- [x] c\n\n3. x\n\n> q\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n\
                  ```rust\nfn f() {}\n```\n\n<div>\n</div>\n\n![i](p.png)\n\nf[^1]\n\n[^1]: n\n\n---\n";
        assert_clean(&to_typst(md));
    }

    #[test]
    fn deep_nesting_stays_within_parser_limits() {
        let cases = [
            format!("{} #x", ">".repeat(300)),
            (0..150).map(|i| format!("{}- x #y\n", "  ".repeat(i))).collect(),
            format!("{}x{}", "*_".repeat(200), "_*".repeat(200)),
            format!("{}x{}", "[".repeat(100), "](https://x)".repeat(100)),
            (0..60).map(|i| format!("{}> - # h{i}\n", "  ".repeat(i))).collect(),
            format!("{}a[^1]\n\n[^1]: {}n", "> ".repeat(40), "> ".repeat(40)),
            format!("{}\n\n| a | b |\n|---|---|\n| **1** | 2 |", "> ".repeat(40)),
        ];
        for md in &cases {
            let out = to_typst(md);
            assert_clean(&out);
            // Still embeddable a few levels deep in a template.
            let wrapped = format!("{}{out}{}", "#block[#box[".repeat(10), "]]".repeat(10));
            assert!(!typst::syntax::parse(&wrapped).diagnosis().errors, "{md:?}");
        }
        assert!(visible_text(&to_typst(&cases[0])).contains("#x"));
    }

    #[test]
    fn plain_text() {
        assert_eq!(to_plain("**加强**领导，\n落实责任。"), "加强领导，落实责任。");
        assert_eq!(to_plain("one\ntwo   three"), "one two three");
        assert_eq!(to_plain("# 标题\n\n正文。"), "标题 正文。");
        assert_eq!(to_plain("第一段。\n\n第二段。"), "第一段。第二段。");
        assert_eq!(to_plain("- a\n- b"), "a b");
        assert_eq!(to_plain("[链接](https://x) `code` ![图](p.png)"), "链接 code 图");
        assert_eq!(to_plain("a<br>b <span>c</span>"), "ab c");
        assert_eq!(to_plain("x[^1]\n\n[^1]: note"), "x");
        assert_eq!(to_plain("| a | b |\n|---|---|\n| 1 | 2 |"), "a b 1 2");
        assert_eq!(to_plain("  \n "), "");
    }

    /// Markdown-ish fragments, hostile Typst and arbitrary characters.
    fn markdownish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            proptest::sample::select(PROBES).prop_map(str::to_owned),
            proptest::sample::select(vec![
                "*",
                "**",
                "_",
                "~~",
                "`",
                "```",
                "\n",
                "\n\n",
                "  \n",
                "- ",
                "1. ",
                "3) ",
                "> ",
                "# ",
                "| a | b |\n|---|:-:|\n",
                "| 1 |",
                "|",
                "[",
                "](",
                ")",
                "](https://x)",
                "![",
                "<b>",
                "</b>",
                "<div>\n",
                "[^1]",
                "[^1]: ",
                "    ",
                "\t",
                "---\n",
                "- [x] ",
                "\\",
                "中文",
                "。",
                "，",
                "a",
                " ",
                "#",
                "$",
                "(",
                ".x",
                "[2]",
            ])
            .prop_map(str::to_owned),
            any::<char>().prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn output_always_parses_cleanly(md in markdownish()) {
            let out = to_typst(&md);
            let found = problems(&out);
            prop_assert!(found.is_empty(), "{:?} -> {:?}: {:?}", md, out, found);
            let _ = to_plain(&md);
        }

        #[test]
        fn arbitrary_input_never_panics(md in any::<String>()) {
            let out = to_typst(&md);
            let found = problems(&out);
            prop_assert!(found.is_empty(), "{:?} -> {:?}: {:?}", md, out, found);
            let _ = to_plain(&md);
        }
    }
}
