//! WordprocessingML building blocks: runs, paragraphs, tables and section properties, each an
//! [`El`] (text and attributes escaped by quick-xml's writer), and Markdown narratives as
//! paragraphs of runs.
//!
//! Lengths are twips (1/20 pt). The numbers come from `templates/lib/README.md` §L1:
//! pitch `P` = 28.95 pt, one grid character `CH` = 15.793 pt, tracking `TR` = −0.207 pt.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::engine::fonts::Role;
use crate::ofd::xml::El;

/// Line pitch `P` = 28.95 pt (22 lines in the type area), in twips.
pub const PITCH: i64 = 579;
/// One grid character `CH` = 16 pt + `TR` = 15.793 pt (28 in 156 mm), in twips.
pub const CH: i64 = 316;
/// Leading `L` = `P` − 16 pt = 12.95 pt, in twips.
pub const LEAD: i64 = 259;
/// Body tracking in twips: `TR` = −0.207 pt rounded away from zero (−0.25 pt), so 28 characters
/// of 16 pt fit the 156 mm line (28 × 15.75 pt ≤ 442.2 pt; −0.2 pt would need 442.4 pt).
pub const TRACKING: i64 = -5;
/// The character grid's pitch correction `TR` = −0.207 pt in 1/4096 pt (`w:charSpace`).
pub const CHAR_SPACE: i64 = -848;
/// Relationship ids of the odd and even page footers.
pub const FOOTER_ODD: &str = "rIdFooterOdd";
pub const FOOTER_EVEN: &str = "rIdFooterEven";

/// Points to twips.
pub fn twips_pt(pt: f64) -> i64 {
    (pt * 20.0).round() as i64
}

/// Millimetres to twips.
pub fn twips_mm(mm: f64) -> i64 {
    twips_pt(mm * 72.0 / 25.4)
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `RRGGBB`.
    pub fn hex(self) -> String {
        format!("{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

/// Black.
pub const BLACK: Rgb = Rgb(0, 0, 0);

/// How a run looks.
#[derive(Debug, Clone, Default)]
pub struct Look {
    /// The font role (none: the default 仿宋).
    pub role: Option<Role>,
    /// Size in pt (none: 16 pt).
    pub size: Option<f64>,
    pub bold: bool,
    pub strike: bool,
    pub color: Option<Rgb>,
    /// Background shading.
    pub shade: Option<Rgb>,
    /// Horizontal scale in per cent (the 发文机关标志 squeezed to the type area).
    pub scale: Option<u32>,
    /// Extra letter spacing in pt.
    pub tracking: Option<f64>,
}

impl Look {
    /// In a font role.
    pub fn role(role: Role) -> Look {
        Look { role: Some(role), ..Look::default() }
    }
    /// At a size.
    pub fn size(mut self, pt: f64) -> Look {
        self.size = Some(pt);
        self
    }
    /// Bold.
    pub fn bold(mut self) -> Look {
        self.bold = true;
        self
    }
    /// In a colour.
    pub fn color(mut self, c: Rgb) -> Look {
        self.color = Some(c);
        self
    }
    /// Shaded.
    pub fn shade(mut self, c: Rgb) -> Look {
        self.shade = Some(c);
        self
    }
    /// Letter-spaced.
    pub fn tracking(mut self, pt: f64) -> Look {
        self.tracking = Some(pt);
        self
    }

    fn rpr(&self) -> El {
        let mut el = El::named("w:rPr");
        if let Some(role) = self.role {
            el.push(super::run_fonts(role));
        }
        if self.bold {
            el.push(El::named("w:b"));
            el.push(El::named("w:bCs"));
        }
        if self.strike {
            el.push(El::named("w:strike"));
        }
        if let Some(c) = self.color {
            el.push(El::named("w:color").attr("w:val", c.hex()));
        }
        // The body's tracking (Normal style) is for 16 pt text only: other sizes set their own
        // or none, as the PDF's tables, titles and 版记 do.
        match (self.tracking, self.size) {
            (Some(t), _) => el.push(El::named("w:spacing").attr("w:val", twips_pt(t))),
            (None, Some(_)) => el.push(El::named("w:spacing").attr("w:val", 0)),
            (None, None) => {}
        }
        if let Some(s) = self.scale {
            el.push(El::named("w:w").attr("w:val", s));
        }
        if let Some(pt) = self.size {
            let half = (pt * 2.0).round() as i64;
            el.push(El::named("w:sz").attr("w:val", half));
            el.push(El::named("w:szCs").attr("w:val", half));
        }
        if let Some(c) = self.shade {
            el.push(El::named("w:shd").attr("w:val", "clear").attr("w:color", "auto").attr("w:fill", c.hex()));
        }
        el
    }
}

/// A run of text; `\n` becomes a line break.
pub fn run(text: &str, look: &Look) -> El {
    let mut r = El::named("w:r").child(look.rpr());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            r.push(El::named("w:br"));
        }
        if !line.is_empty() {
            r.push(El::named("w:t").attr("xml:space", "preserve").text(line));
        }
    }
    r
}

/// A paragraph under construction.
#[derive(Debug, Clone, Default)]
pub struct Para {
    style: Option<&'static str>,
    align: Option<&'static str>,
    /// (left, right, first line; negative = hanging), twips; none: the style's.
    indent: Option<(i64, i64, i64)>,
    before: i64,
    after: i64,
    /// Exact line height in twips (none: the pitch `P`).
    line: Option<i64>,
    /// Off the document grid (titles, tables, 版记: their own line heights).
    off_grid: bool,
    keep_next: bool,
    /// Bottom border: line style, colour, width in eighths of a point, distance in pt.
    border_bottom: Option<(&'static str, Rgb, i64, i64)>,
    page_break_before: bool,
    tabs: Vec<(&'static str, i64)>,
    sect: Option<El>,
    runs: Vec<El>,
}

impl Para {
    /// An empty body paragraph (the `Normal` style: 仿宋, 2 characters in).
    pub fn new() -> Para {
        Para::default()
    }
    /// A paragraph in a named style.
    pub fn styled(style: &'static str) -> Para {
        Para { style: Some(style), ..Para::default() }
    }
    /// Alignment: `left`, `center`, `right`, `both`.
    pub fn align(mut self, a: &'static str) -> Para {
        self.align = Some(a);
        self
    }
    /// No first-line indent.
    pub fn flush(self) -> Para {
        self.indent(0, 0, 0)
    }
    /// Indents in twips: left, right, first line (negative: hanging).
    pub fn indent(mut self, left: i64, right: i64, first: i64) -> Para {
        self.indent = Some((left, right, first));
        self
    }
    /// Space before and after, twips.
    pub fn space(mut self, before: i64, after: i64) -> Para {
        self.before = before;
        self.after = after;
        self
    }
    /// Exact line height in twips, off the grid.
    pub fn line(mut self, twips: i64) -> Para {
        self.line = Some(twips);
        self.off_grid = true;
        self
    }
    /// Keeps with the next paragraph.
    pub fn keep_next(mut self) -> Para {
        self.keep_next = true;
        self
    }
    /// A rule below the paragraph: `single`, or `thickThinSmallGap` (the 武文线).
    pub fn rule_below(mut self, style: &'static str, color: Rgb, eighths: i64, space_pt: i64) -> Para {
        self.border_bottom = Some((style, color, eighths, space_pt));
        self
    }
    /// Starts on a new page.
    pub fn new_page(mut self) -> Para {
        self.page_break_before = true;
        self
    }
    /// Adds a tab character.
    pub fn tab_char(mut self) -> Para {
        self.runs.push(El::named("w:r").child(El::named("w:tab")));
        self
    }
    /// A tab stop (`right`, `left`, `center`) at a position in twips.
    pub fn tab(mut self, kind: &'static str, pos: i64) -> Para {
        self.tabs.push((kind, pos));
        self
    }
    /// Ends a section with these properties.
    pub fn section(mut self, sect: El) -> Para {
        self.sect = Some(sect);
        self
    }
    /// Adds a run.
    pub fn run(mut self, text: &str, look: &Look) -> Para {
        self.runs.push(run(text, look));
        self
    }
    /// Adds a ready element (a run, a field, a break).
    pub fn push(mut self, el: El) -> Para {
        self.runs.push(el);
        self
    }

    /// The `w:p` element.
    pub fn el(self) -> El {
        let mut ppr = El::named("w:pPr");
        if let Some(s) = self.style {
            ppr.push(El::named("w:pStyle").attr("w:val", s));
        }
        if self.keep_next {
            ppr.push(El::named("w:keepNext"));
        }
        if self.page_break_before {
            ppr.push(El::named("w:pageBreakBefore"));
        }
        if let Some((style, c, sz, space)) = self.border_bottom {
            ppr.push(
                El::named("w:pBdr").child(
                    El::named("w:bottom")
                        .attr("w:val", style)
                        .attr("w:sz", sz)
                        .attr("w:space", space)
                        .attr("w:color", c.hex()),
                ),
            );
        }
        if !self.tabs.is_empty() {
            let mut tabs = El::named("w:tabs");
            for (k, pos) in &self.tabs {
                tabs.push(El::named("w:tab").attr("w:val", *k).attr("w:pos", pos));
            }
            ppr.push(tabs);
        }
        if self.off_grid {
            ppr.push(El::named("w:snapToGrid").attr("w:val", 0));
        }
        ppr.push(
            El::named("w:spacing")
                .attr("w:before", self.before)
                .attr("w:after", self.after)
                .attr("w:line", self.line.unwrap_or(PITCH))
                .attr("w:lineRule", "exact"),
        );
        if let Some((left, right, first)) = self.indent {
            let mut ind = El::named("w:ind").attr("w:left", left).attr("w:right", right);
            // Character-based indents of the style are switched off, or WPS keeps them.
            ind = ind.attr("w:firstLineChars", 0).attr("w:hangingChars", 0);
            ind = if first < 0 { ind.attr("w:hanging", -first) } else { ind.attr("w:firstLine", first) };
            ppr.push(ind);
        }
        if let Some(a) = self.align {
            ppr.push(El::named("w:jc").attr("w:val", a));
        }
        if let Some(s) = self.sect {
            ppr.push(s);
        }
        let mut p = El::named("w:p").child(ppr);
        for r in self.runs {
            p.push(r);
        }
        p
    }
}

/// Section properties: page size and margins in twips, grid, footers.
#[derive(Debug, Clone)]
pub struct Section {
    /// Landscape (the page 297 × 210 mm).
    pub landscape: bool,
    /// Margins top, right, bottom, left in mm.
    pub margins: (f64, f64, f64, f64),
    /// The 22 × 28 grid of §L1.
    pub grid: bool,
    /// Odd/even page number footers.
    pub numbered: bool,
}

impl Section {
    /// The portrait page of GB/T 9704 (§L1): A4, margins 37 / 26 / 35 / 28 mm, the grid.
    pub fn portrait(numbered: bool) -> Section {
        Section { landscape: false, margins: (37.0, 26.0, 35.0, 28.0), grid: true, numbered }
    }

    /// The 横排 page: the portrait type area turned a quarter (225 × 156 mm): the portrait
    /// page's left margin (订口) on top, its bottom on the left (§L6, notice.typ).
    pub fn landscape(numbered: bool) -> Section {
        Section { landscape: true, margins: (28.0, 37.0, 26.0, 35.0), grid: false, numbered }
    }

    /// The `w:sectPr` element.
    pub fn el(&self) -> El {
        let mut s = El::named("w:sectPr");
        if self.numbered {
            s.push(El::named("w:footerReference").attr("w:type", "default").attr("r:id", FOOTER_ODD));
            s.push(El::named("w:footerReference").attr("w:type", "even").attr("r:id", FOOTER_EVEN));
        }
        s.push(El::named("w:type").attr("w:val", "nextPage"));
        let (w, h) = (twips_mm(210.0), twips_mm(297.0));
        let mut size = El::named("w:pgSz");
        size = if self.landscape {
            size.attr("w:w", h).attr("w:h", w).attr("w:orient", "landscape")
        } else {
            size.attr("w:w", w).attr("w:h", h)
        };
        s.push(size);
        let (t, r, b, l) = self.margins;
        // The page number's dash centre lies 7 mm below the type area (y = 269 mm, §L8): 28 mm
        // above the page's bottom edge. The footer line is 14 pt exact, the dash about half of
        // it above the line's bottom, so the footer's bottom edge is 28 mm − 7 pt up.
        let footer = twips_mm(28.0) - twips_pt(7.0);
        s.push(
            El::named("w:pgMar")
                .attr("w:top", twips_mm(t))
                .attr("w:right", twips_mm(r))
                .attr("w:bottom", twips_mm(b))
                .attr("w:left", twips_mm(l))
                .attr("w:header", twips_mm(15.0))
                .attr("w:footer", footer)
                .attr("w:gutter", 0),
        );
        s.push(El::named("w:cols").attr("w:space", 0));
        if self.grid {
            s.push(
                El::named("w:docGrid")
                    .attr("w:type", "linesAndChars")
                    .attr("w:linePitch", PITCH)
                    .attr("w:charSpace", CHAR_SPACE),
            );
        } else {
            s.push(El::named("w:docGrid").attr("w:linePitch", PITCH));
        }
        s
    }
}

/// One table cell.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Grid columns spanned.
    pub span: usize,
    pub paras: Vec<El>,
    pub fill: Option<Rgb>,
}

impl Cell {
    /// A cell of one column.
    pub fn new(paras: Vec<El>) -> Cell {
        Cell { span: 1, paras, fill: None }
    }
    /// Spanning `n` columns.
    pub fn span(mut self, n: usize) -> Cell {
        self.span = n;
        self
    }
    /// Shaded.
    pub fn fill(mut self, c: Rgb) -> Cell {
        self.fill = Some(c);
        self
    }
}

/// A table: column widths in twips (the grid), rows of cells; `header` rows repeat on every page.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub widths: Vec<i64>,
    pub rows: Vec<(bool, Vec<Cell>)>,
    /// Rule width in eighths of a point (none: no borders).
    pub border: Option<i64>,
    /// Cell padding (left/right, top/bottom), twips.
    pub padding: (i64, i64),
    /// Row height at least, twips (per row index).
    pub heights: Vec<(usize, i64)>,
    /// Horizontal rules only, in eighths of a point: (first and last, between) — the 版记.
    pub rules: Option<(i64, i64)>,
}

impl Table {
    /// The `w:tbl` element: `tblW` = the sum of the grid, every `tcW` = the grid columns it spans.
    pub fn el(&self) -> El {
        let total: i64 = self.widths.iter().sum();
        let mut pr = El::named("w:tblPr")
            .child(El::named("w:tblW").attr("w:w", total).attr("w:type", "dxa"))
            .child(El::named("w:jc").attr("w:val", "center"));
        if let Some(sz) = self.border {
            let mut b = El::named("w:tblBorders");
            for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
                b.push(
                    El::named(format!("w:{side}"))
                        .attr("w:val", "single")
                        .attr("w:sz", sz)
                        .attr("w:space", 0)
                        .attr("w:color", BLACK.hex()),
                );
            }
            pr.push(b);
        }
        if let Some((outer, inner)) = self.rules {
            let line = |side: &str, sz: i64| {
                El::named(format!("w:{side}"))
                    .attr("w:val", "single")
                    .attr("w:sz", sz)
                    .attr("w:space", 0)
                    .attr("w:color", BLACK.hex())
            };
            let none = |side: &str| El::named(format!("w:{side}")).attr("w:val", "nil");
            pr.push(
                El::named("w:tblBorders")
                    .child(line("top", outer))
                    .child(none("left"))
                    .child(line("bottom", outer))
                    .child(none("right"))
                    .child(line("insideH", inner))
                    .child(none("insideV")),
            );
        }
        pr.push(El::named("w:tblLayout").attr("w:type", "fixed"));
        pr.push(
            El::named("w:tblCellMar")
                .child(El::named("w:top").attr("w:w", self.padding.1).attr("w:type", "dxa"))
                .child(El::named("w:left").attr("w:w", self.padding.0).attr("w:type", "dxa"))
                .child(El::named("w:bottom").attr("w:w", self.padding.1).attr("w:type", "dxa"))
                .child(El::named("w:right").attr("w:w", self.padding.0).attr("w:type", "dxa")),
        );
        pr.push(El::named("w:tblLook").attr("w:val", "0000"));
        let mut grid = El::named("w:tblGrid");
        for w in &self.widths {
            grid.push(El::named("w:gridCol").attr("w:w", w));
        }
        let mut tbl = El::named("w:tbl").child(pr).child(grid);
        for (i, (header, cells)) in self.rows.iter().enumerate() {
            let mut trpr = El::named("w:trPr").child(El::named("w:cantSplit"));
            if let Some((_, h)) = self.heights.iter().find(|(r, _)| *r == i) {
                trpr.push(El::named("w:trHeight").attr("w:val", h).attr("w:hRule", "atLeast"));
            }
            if *header {
                trpr.push(El::named("w:tblHeader"));
            }
            let mut tr = El::named("w:tr").child(trpr);
            let mut col = 0;
            for c in cells {
                let span = c.span.max(1);
                let w: i64 = self.widths.iter().skip(col).take(span).sum();
                col += span;
                let mut tcpr = El::named("w:tcPr").child(El::named("w:tcW").attr("w:w", w).attr("w:type", "dxa"));
                if span > 1 {
                    tcpr.push(El::named("w:gridSpan").attr("w:val", span));
                }
                if let Some(f) = c.fill {
                    tcpr.push(
                        El::named("w:shd").attr("w:val", "clear").attr("w:color", "auto").attr("w:fill", f.hex()),
                    );
                }
                tcpr.push(El::named("w:vAlign").attr("w:val", "center"));
                let mut tc = El::named("w:tc").child(tcpr);
                if c.paras.is_empty() {
                    // A cell needs a paragraph; a 1 pt one, so an empty cell adds no line height.
                    tc.push(Para::new().flush().line(20).el());
                }
                for p in &c.paras {
                    tc.push(p.clone());
                }
                tr.push(tc);
            }
            tbl.push(tr);
        }
        tbl
    }
}

/// Width of `s` in em of its size: CJK and other wide characters 1, the rest ½ (the bundled
/// faces' digits and Latin letters are about half an em). An estimate for column widths and the
/// 署名's position, where the PDF measures the laid-out glyphs.
pub fn ems(s: &str) -> f64 {
    s.chars().map(|c| if (c as u32) < 0x2E80 && c != '—' { 0.5 } else { 1.0 }).sum()
}

/// Markdown narrative → body paragraphs: `**strong**` bold, `*emph*` 楷体, `~~strike~~`,
/// lists with "•" / "1." markers, headings as bold paragraphs, tables as rows of text; a line
/// break next to a Chinese character joins the lines (as `markdown::to_typst` does).
pub fn markdown(md: &str, base: &Look) -> Vec<El> {
    let mut out = Vec::new();
    let mut para: Option<Para> = None;
    let mut look = base.clone();
    let mut strong = 0;
    let mut emph = 0;
    let mut strike = 0;
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut pending_break: Option<bool> = None;
    let mut last_char: Option<char> = None;
    let mut skip = 0usize;
    let flush = |para: &mut Option<Para>, out: &mut Vec<El>| {
        if let Some(p) = para.take() {
            out.push(p.el());
        }
    };
    let refresh = |look: &mut Look, strong: i32, emph: i32, strike: i32| {
        *look = base.clone();
        look.bold = base.bold || strong > 0;
        look.strike = strike > 0;
        if emph > 0 {
            look.role = Some(Role::Kaiti);
        }
    };
    let parser = Parser::new_ext(md, crate::markdown::options());
    for event in parser {
        if skip > 0 {
            match event {
                Event::Start(_) => skip += 1,
                Event::End(_) => skip -= 1,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::FootnoteDefinition(_)) => skip = 1,
            Event::Start(Tag::Paragraph) | Event::Start(Tag::Heading { .. }) | Event::Start(Tag::CodeBlock(_)) => {
                if para.is_none() {
                    para = Some(Para::new());
                }
                if matches!(event, Event::Start(Tag::Heading { .. })) {
                    strong += 1;
                    refresh(&mut look, strong, emph, strike);
                }
            }
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::CodeBlock) => flush(&mut para, &mut out),
            Event::End(TagEnd::Heading(_)) => {
                strong -= 1;
                refresh(&mut look, strong, emph, strike);
                flush(&mut para, &mut out);
            }
            Event::Start(Tag::List(start)) => {
                flush(&mut para, &mut out);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut para, &mut out);
                let marker = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "•".to_owned(),
                };
                let depth = lists.len() as i64;
                para = Some(Para::new().indent(depth * 2 * CH, 0, 0).run(&format!("{marker} "), base));
                last_char = Some(' ');
            }
            Event::End(TagEnd::Item) => flush(&mut para, &mut out),
            Event::Start(Tag::TableCell) => {
                if let Some(p) = para.take() {
                    para = Some(p.run(" ", base));
                }
            }
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => flush(&mut para, &mut out),
            Event::Start(Tag::Strong) => {
                strong += 1;
                refresh(&mut look, strong, emph, strike);
            }
            Event::End(TagEnd::Strong) => {
                strong -= 1;
                refresh(&mut look, strong, emph, strike);
            }
            Event::Start(Tag::Emphasis) => {
                emph += 1;
                refresh(&mut look, strong, emph, strike);
            }
            Event::End(TagEnd::Emphasis) => {
                emph -= 1;
                refresh(&mut look, strong, emph, strike);
            }
            Event::Start(Tag::Strikethrough) => {
                strike += 1;
                refresh(&mut look, strong, emph, strike);
            }
            Event::End(TagEnd::Strikethrough) => {
                strike -= 1;
                refresh(&mut look, strong, emph, strike);
            }
            Event::Text(t)
            | Event::Code(t)
            | Event::Html(t)
            | Event::InlineHtml(t)
            | Event::InlineMath(t)
            | Event::DisplayMath(t) => {
                let mut text = String::new();
                if let Some(hard) = pending_break.take() {
                    let cjk = |c: Option<char>| c.is_some_and(crate::render::escape::is_cjk);
                    if !(cjk(last_char) || cjk(t.chars().next())) {
                        text.push(if hard { '\n' } else { ' ' });
                    }
                }
                text.push_str(&t);
                let p = para.take().unwrap_or_default();
                para = Some(p.run(&text, &look));
                last_char = t.chars().last().or(last_char);
            }
            Event::SoftBreak => pending_break = Some(false),
            Event::HardBreak => pending_break = Some(true),
            Event::TaskListMarker(done) => {
                let p = para.take().unwrap_or_default();
                let mark = if done { crate::markdown::TASK_DONE } else { crate::markdown::TASK_OPEN };
                para = Some(p.run(mark, base));
            }
            Event::Rule => flush(&mut para, &mut out),
            Event::Start(_) | Event::End(_) | Event::FootnoteReference(_) => {}
        }
    }
    flush(&mut para, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(els: &[El]) -> String {
        els.iter().map(|e| String::from_utf8(e.to_document()).unwrap()).collect()
    }

    #[test]
    fn markdown_bold_becomes_a_bold_run_and_text_is_escaped() {
        let s = xml(&markdown("**重点** <a>&\n第二行", &Look::default()));
        assert!(s.contains("<w:b/>"), "{s}");
        assert!(s.contains(">&lt;a&gt;<") && s.contains(">&amp;<"), "{s}");
        assert!(!s.contains("<a>"), "{s}");
        // The line break next to a Chinese character joins the lines without a space.
        assert!(s.contains(r#"&amp;</w:t></w:r><w:r><w:rPr/><w:t xml:space="preserve">第二行"#), "{s}");
    }

    #[test]
    fn table_widths_agree() {
        let t = Table {
            widths: vec![100, 200, 300],
            rows: vec![(true, vec![Cell::new(vec![]).span(2), Cell::new(vec![])])],
            border: Some(4),
            ..Table::default()
        };
        let s = String::from_utf8(t.el().to_document()).unwrap();
        assert!(s.contains(r#"<w:tblW w:w="600""#), "{s}");
        assert!(s.contains(r#"<w:tcW w:w="300" w:type="dxa"/><w:gridSpan w:val="2"/>"#), "{s}");
    }
}
