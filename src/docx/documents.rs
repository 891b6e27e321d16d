//! The four documents as WordprocessingML bodies, from the view models the PDF is made from
//! (`render::view`), laid out as `templates/lib/*.typ` lays them out (numbers from
//! `templates/lib/README.md` §L1–§L9). Fixed wording comes from [`Phrases`].
//!
//! Where the PDF positions an element absolutely (the 红头, the 报头), the draft uses paragraph
//! spacing that puts it about there; where the PDF anchors a block to the bottom of the last page
//! (版记, 报尾), the draft lets it follow the text: both are drafts to edit, the PDF is the record.

use super::body::{ems, markdown, twips_mm, twips_pt, Cell, Look, Para, Rgb, Section, Table, CH, LEAD, PITCH};
use super::{DocView, Phrases, RED, R_NS, W_NS};
use crate::engine::fonts::Role;
use crate::ofd::xml::El;
use crate::render::view::{
    Block, BlockKind, BriefingView, LeaderView, NoticeView, OrderRow, OrderView, RankRow, TaskRow,
};

/// A built `word/document.xml` and whether it has page-number footers.
pub struct Document {
    pub xml: El,
    pub numbered: bool,
}

/// The type area's width, 156 mm (§L1), in twips.
fn area() -> i64 {
    twips_mm(156.0)
}

/// The turned type area's width, 225 mm (§L6).
fn turned_area() -> i64 {
    twips_mm(225.0)
}

/// Builds the body of a document.
pub fn document(view: &DocView, ph: &Phrases) -> Document {
    let (items, last, numbered) = match view {
        DocView::Notice(v) => notice(v, ph),
        DocView::Briefing(v) => briefing(v, ph),
        DocView::Leader(v) => leader(v, ph),
        DocView::Order(v) => order(v, ph),
    };
    let mut body = El::named("w:body");
    for el in items {
        body.push(el);
    }
    body.push(last.el());
    let xml = El::named("w:document").attr("xmlns:w", W_NS).attr("xmlns:r", R_NS).child(body);
    Document { xml, numbered }
}

/// The paragraph that ends a section (1 pt high, so it adds nothing visible).
fn section_end(sect: &Section) -> El {
    Para::new().flush().line(20).section(sect.el()).el()
}

fn xbs(size: f64) -> Look {
    Look::role(Role::Xiaobiaosong).size(size).bold()
}

/// A title: pre-broken lines, 2号小标宋 centred, line pitch 22 pt + `L` (§L2).
fn title(lines: &[String], before: i64, after: i64) -> El {
    Para::new()
        .flush()
        .align("center")
        .line(twips_pt(22.0) + LEAD)
        .space(before, after)
        .run(&lines.join("\n"), &xbs(22.0))
        .el()
}

/// The body blocks: 一、 headings 黑体, （一） 楷体 (run in with their text or on their own line),
/// plain paragraphs, Markdown narratives (`_body.typ.j2`).
fn blocks(body: &[Block]) -> Vec<El> {
    let mut out = Vec::new();
    let (mut h1, mut h2) = (0u32, 0u32);
    for b in body {
        match b.kind {
            BlockKind::H1 => {
                h1 += 1;
                h2 = 0;
                let text = format!("{}、{}", crate::numerals::chinese(h1), b.title);
                out.push(Para::styled("Heading1").keep_next().run(&text, &Look::role(Role::Heiti)).el());
            }
            BlockKind::H2 | BlockKind::H2line => {
                h2 += 1;
                let head = format!("（{}）{}", crate::numerals::chinese(h2), b.title);
                if b.kind == BlockKind::H2 {
                    out.push(Para::new().run(&head, &Look::role(Role::Kaiti)).run(&b.text, &Look::default()).el());
                } else {
                    out.push(Para::styled("Heading2").keep_next().run(&head, &Look::role(Role::Kaiti)).el());
                }
            }
            BlockKind::Para => out.push(Para::new().run(&b.text, &Look::default()).el()),
            BlockKind::Md => out.extend(markdown(&b.text, &Look::default())),
        }
    }
    out
}

/// 署名 and 成文日期, unsealed (§L5): 空一行 below the text, the 署名's right end 2 characters
/// in, the date starting 2 characters right of the 署名's first character (a longer date 2
/// characters in, the 署名 moved left). Widths are estimated ([`ems`]).
fn signature(issuer: &str, date: &str, before: i64) -> Vec<El> {
    let ws = (ems(issuer) * CH as f64).round() as i64;
    let wd = (ems(date) * CH as f64).round() as i64;
    let (gap_s, gap_d) = if ws - wd >= 2 * CH { (2 * CH, ws - wd) } else { (4 * CH + wd - ws, 2 * CH) };
    vec![
        Para::new().align("right").indent(0, gap_s, 0).space(before, 0).keep_next().run(issuer, &Look::default()).el(),
        Para::new().align("right").indent(0, gap_d, 0).run(date, &Look::default()).el(),
    ]
}

/// One row of the 版记 / 报尾 (§L7): a label with the text hanging after it, a left and a right
/// part, or right-aligned text.
enum EndRow {
    Hang(String, String),
    Split(String, String),
    Right(String),
}

/// The 版记 / 报尾: 4号仿宋 rows one `P` high, 1 character in from both sides, between black
/// rules (0.35 mm first and last, 0.25 mm between; §L7).
fn end_block(rows: Vec<EndRow>) -> El {
    let size = 14.0;
    let ch = twips_pt(size);
    let look = Look::default().size(size);
    let n = rows.len();
    let cells = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            // The block stays on one page, as in the PDF: each row keeps with the next.
            let p = if i + 1 < n { Para::new().line(PITCH).keep_next() } else { Para::new().line(PITCH) };
            let p = match r {
                EndRow::Hang(label, text) => {
                    let w = (ems(&label) * ch as f64).round() as i64;
                    p.indent(ch + w, ch, -w).run(&label, &look).run(&text, &look)
                }
                EndRow::Split(left, right) => {
                    p.indent(ch, ch, 0).tab("right", area() - 2 * ch).run(&left, &look).tab_char().run(&right, &look)
                }
                EndRow::Right(text) => p.indent(ch, ch, 0).align("right").run(&text, &look),
            };
            (false, vec![Cell::new(vec![p.el()])])
        })
        .collect();
    // 0.35 mm ≈ 1 pt = 8 eighths, 0.25 mm ≈ 0.71 pt = 6 eighths.
    Table { widths: vec![area()], rows: cells, rules: Some((8, 6)), ..Table::default() }.el()
}

/// The top and bottom padding of a table cell whose lines are `1.3 × size` apart (exact): the
/// PDF's inset less half the 0.3 em leading, which Typst puts only between a cell's lines while
/// an exact line height carries it on every line (so one-line rows are as high as in the PDF).
fn cell_padding(inset_pt: f64, size: f64) -> i64 {
    twips_pt(inset_pt - 0.15 * size).max(0)
}

/// The colour of a light (`status-colors` in gongwen.typ).
fn light_color(light: &str) -> Rgb {
    match light {
        "green" => Rgb(0x1e, 0x8c, 0x3a),
        "yellow" => Rgb(0xf2, 0xb7, 0x05),
        "red" => Rgb(0xd4, 0x2a, 0x1e),
        _ => Rgb(0x8a, 0x8a, 0x8a),
    }
}

/// The marker of a status: a character of the shape gongwen.typ draws (`_status-table`), in
/// its light's colour, so the status stays readable in grayscale; and the status's own light.
fn marker(status: &str) -> (&'static str, &'static str) {
    match status {
        "completed" => ("●", "green"),
        "ahead" => ("▲", "green"),
        "on_track" => ("○", "green"),
        "behind" => ("◆", "yellow"),
        "seriously_behind" => ("■", "red"),
        "not_started" => ("□", "red"),
        "not_reported" => ("⊠", "red"),
        _ => ("◇", "yellow"),
    }
}

/// The marker glyphs [`marker`] uses: the PDF draws these shapes, so its text lacks them.
pub const MARKERS: &str = "●▲○◆■□⊠◇";

/// Marker + label of a status (`status-light`), the marker in `light` when given.
fn status_runs(p: Para, status: &str, light: &str, ph: &Phrases, look: &Look) -> Para {
    let (glyph, own) = marker(status);
    let color = light_color(if light.is_empty() { own } else { light });
    p.run(glyph, &look.clone().color(color)).run(&ph.status(status), look)
}

// ── 季度进展情况通报 ─────────────────────────────────────────────────────────────────────────

fn notice(v: &NoticeView, ph: &Phrases) -> (Vec<El>, Section, bool) {
    let mut out = Vec::new();
    // 版头 (§L3): 份号 仿宋, 密级 and 紧急程度 黑体, one grid line each, flush left.
    let heads: Vec<(&String, Role)> =
        [(&v.copy_no, Role::Fangsong), (&v.secret, Role::Heiti), (&v.urgency, Role::Heiti)]
            .into_iter()
            .filter_map(|(t, r)| t.as_ref().map(|t| (t, r)))
            .collect();
    for (t, role) in &heads {
        out.push(Para::new().flush().run(t, &Look::role(*role)).el());
    }
    // 发文机关标志: red 小标宋 36 pt, em top 35 mm below the type area's top, squeezed to 156 mm.
    let mark_size = 36.0;
    let width = ems(&v.mark) * mark_size;
    let mut mark = xbs(mark_size).color(RED);
    let area_pt = 156.0 * 72.0 / 25.4;
    if width > area_pt {
        mark.scale = Some((area_pt / width * 100.0).floor() as u32);
    }
    let before = (twips_mm(35.0) - heads.len() as i64 * PITCH).max(0);
    out.push(Para::new().flush().align("center").line(twips_pt(mark_size)).space(before, 0).run(&v.mark, &mark).el());
    // 发文字号 空二行 below the mark (`2P + L` between the em boxes: both lines are exactly their
    // font size high), the red rule (0.5 mm ≈ 11 eighths of a point) 4 mm below it.
    out.push(
        Para::new()
            .flush()
            .align("center")
            .line(twips_pt(16.0))
            .space(2 * PITCH + LEAD, 0)
            .rule_below("single", RED, 11, 11)
            .run(&v.number, &Look::default())
            .el(),
    );
    // 标题 空二行 below the rule, 主送 空一行 below the title.
    out.push(title(&v.title_lines, 2 * PITCH, PITCH));
    out.push(Para::new().flush().run(&v.recipients, &Look::default()).el());
    out.extend(blocks(&v.body));
    // 附件说明 (§L6): "附件：1.xxx", later items under "1.".
    let mut names = vec![v.table_name.clone()];
    if !v.full_texts.is_empty() {
        names.push(v.full_name.clone());
    }
    if !v.orders_rows.is_empty() {
        names.push(v.orders_name.clone());
    }
    let label = ph.get("attachment-note");
    let label_w = (ems(&label) * CH as f64).round() as i64;
    for (i, name) in names.iter().enumerate() {
        let num = if names.len() > 1 { format!("{}.", i + 1) } else { String::new() };
        let num_w = (ems(&num) * CH as f64).round() as i64;
        let left = 2 * CH + label_w + num_w;
        let p = Para::new().space(if i == 0 { PITCH } else { 0 }, 0).keep_next();
        let p = if i == 0 {
            p.indent(left, 0, -(label_w + num_w)).run(&format!("{label}{num}"), &Look::default())
        } else {
            p.indent(left, 0, -num_w).run(&num, &Look::default())
        };
        out.push(p.run(name, &Look::default()).el());
    }
    out.extend(signature(&v.issuer, &v.date, PITCH));
    if let Some(note) = &v.note {
        out.push(Para::new().run(note, &Look::default()).el());
    }

    // 附件 (§L6): each on a new page, "附件1" 黑体 flush left, the title centred 空一行 below.
    let several = !v.full_texts.is_empty();
    let attachment_label = |i: usize| {
        if names.len() > 1 {
            format!("{}{i}", ph.get("attachment"))
        } else {
            ph.get("attachment")
        }
    };
    let landscape = v.table_orientation != "portrait";
    out.push(section_end(&Section::portrait(true)));
    out.push(Para::new().flush().run(&attachment_label(1), &Look::role(Role::Heiti)).el());
    out.push(title(&v.table_title, PITCH - twips_pt(16.0), PITCH));
    out.push(task_table(&v.rows, if landscape { turned_area() } else { area() }, ph));
    if several {
        out.push(section_end(&if landscape { Section::landscape(true) } else { Section::portrait(true) }));
        out.push(Para::new().flush().run(&attachment_label(2), &Look::role(Role::Heiti)).el());
        out.push(title(&v.full_title, PITCH - twips_pt(16.0), PITCH));
        for f in &v.full_texts {
            let head = ph.fill("full-text-head", &[("no", &f.no), ("task", &f.task), ("unit", &f.unit)]);
            out.push(Para::new().keep_next().run(&head, &Look::role(Role::Heiti)).el());
            out.push(Para::new().run(&f.text, &Look::default()).el());
        }
    }
    // Whether the section still open is a 横排 one (the task table's, or the 督办情况一览表's).
    let mut open_landscape = landscape && !several;
    if !v.orders_rows.is_empty() {
        out.push(section_end(&if open_landscape { Section::landscape(true) } else { Section::portrait(true) }));
        out.push(Para::new().flush().run(&attachment_label(names.len()), &Look::role(Role::Heiti)).el());
        out.push(title(&v.orders_title, PITCH - twips_pt(16.0), PITCH));
        out.push(orders_table(&v.orders_rows, if landscape { turned_area() } else { area() }, ph));
        open_landscape = landscape;
    }
    // 版记 (§L7): follows the text in the draft, on a portrait page (after a 横排 table, a new one).
    if open_landscape {
        out.push(section_end(&Section::landscape(true)));
    }
    let last = Section::portrait(true);
    let mut rows = Vec::new();
    if !v.cc.is_empty() {
        let mut names = v.cc.join("，");
        if !names.ends_with('。') {
            names.push('。');
        }
        rows.push(EndRow::Hang(ph.get("cc-label"), names));
    }
    rows.push(EndRow::Split(v.printer.clone(), format!("{}{}", v.print_date, ph.get("printed"))));
    // (After a section break the spacer also carries the new page's style: LibreOffice ignores a
    // section that starts with a table.)
    out.push(Para::new().line(PITCH).keep_next().el());
    out.push(end_block(rows));
    (out, last, true)
}

/// Column widths of the task table from the data, by the rule of `fit-task-columns`
/// (notice.typ): 序号, 完成比例 and 状态 as wide as their widest cell, 牵头单位 and 任务 as their
/// longest entry up to 6 characters (5 when portrait), 年度目标 28–40 % of the rest, 本期进展 the
/// remainder. Text widths are estimated ([`ems`]); the widths sum exactly to `width`.
fn task_columns(rows: &[TaskRow], width: i64, ph: &Phrases) -> Vec<i64> {
    let size = 10.5;
    let tasks: Vec<&TaskRow> = rows.iter().filter(|r| r.section.is_none()).collect();
    let tw = |em: f64| (em * size * 20.0).round() as i64;
    let pad = twips_pt(7.0);
    let widest = |f: &dyn Fn(&TaskRow) -> Vec<String>, cap: f64| {
        tasks.iter().flat_map(|r| f(r)).map(|s| ems(&s)).fold(0.0, f64::max).min(cap)
    };
    let head = |key: &str| ph.get(key).split('\n').map(ems).fold(0.0, f64::max);
    let cap = if width > twips_mm(200.0) { 6.0 } else { 5.0 };
    let lines = |s: &str| s.split('\n').map(str::to_owned).collect::<Vec<_>>();
    let no = tw(head("col-no").max(widest(&|r| vec![r.no.clone()], f64::MAX))) + pad;
    let ratio = tw(head("col-ratio").max(widest(&|r| lines(&r.ratio), f64::MAX))) + pad;
    let status =
        tw(head("col-status").max(widest(&|r| vec![format!("{}{}", "●", ph.status(&r.status))], f64::MAX))) + pad;
    let lead = tw(head("col-lead").max(widest(&|r| r.lead.split('、').map(str::to_owned).collect(), cap))) + pad;
    let task = tw(head("col-task").max(widest(&|r| lines(&r.task), cap))) + pad;
    let rest = width - no - ratio - status - lead - task;
    let len = |f: &dyn Fn(&TaskRow) -> &str| tasks.iter().map(|r| f(r).chars().count()).sum::<usize>() as f64;
    let (tl, pl) = (len(&|r| &r.target), len(&|r| &r.progress));
    let share = if tl + pl == 0.0 { 0.4 } else { (tl / (tl + pl)).clamp(0.28, 0.4) };
    let target_limit = (rest as f64 * share - pad as f64) / (size * 20.0);
    let target = tw(widest(&|r| lines(&r.target), target_limit)) + pad;
    vec![no, task, lead, target, rest - target, ratio, status]
}

/// The 附件 task table (notice.typ `table-attachment`): 10.5 pt 仿宋, heads and 章节 rows 黑体,
/// the head row repeated on every page, rows never split, a status marker in its light's colour.
fn task_table(rows: &[TaskRow], width: i64, ph: &Phrases) -> El {
    let size = 10.5;
    let look = Look::default().size(size);
    let hei = Look::role(Role::Heiti).size(size);
    // Cell lines 1.3 em apart (leading 0.3 em, notice.typ `_cell-par`).
    let line = twips_pt(size * 1.3);
    let cell = |text: &str, align: &'static str, look: &Look| {
        Cell::new(vec![Para::new().flush().align(align).line(line).run(text, look).el()])
    };
    let heads = ["col-no", "col-task", "col-lead", "col-target", "col-progress", "col-ratio", "col-status"];
    let grey = |l: u8| Rgb(l, l, l);
    let mut table_rows =
        vec![(true, heads.iter().map(|k| cell(&ph.get(k), "center", &hei).fill(grey(230))).collect::<Vec<_>>())];
    for r in rows {
        if let Some(section) = &r.section {
            table_rows.push((false, vec![cell(section, "left", &hei).span(heads.len()).fill(grey(245))]));
            continue;
        }
        let status = if r.status.is_empty() {
            Cell::new(vec![Para::new().flush().line(line).el()])
        } else {
            Cell::new(vec![status_runs(Para::new().flush().line(line), &r.status, &r.light, ph, &look).el()])
        };
        table_rows.push((
            false,
            vec![
                cell(&r.no, "center", &look),
                cell(&r.task, "left", &look),
                cell(&r.lead, "center", &look),
                cell(&r.target, "left", &look),
                cell(&r.progress, "left", &look),
                cell(&r.ratio, "center", &look),
                status,
            ],
        ));
    }
    Table {
        widths: task_columns(rows, width, ph),
        rows: table_rows,
        border: Some(4),
        padding: (twips_pt(3.0), cell_padding(3.0, size)),
        ..Table::default()
    }
    .el()
}

/// The 督办情况一览表 (notice.typ `orders-columns`): widths by the same rule on estimated text
/// widths ([`ems`]), 10.5 pt 仿宋, heads 黑体, `\n` a line break within a cell.
fn orders_table(rows: &[OrderRow], width: i64, ph: &Phrases) -> El {
    let size = 10.5;
    let look = Look::default().size(size);
    let hei = Look::role(Role::Heiti).size(size);
    let line = twips_pt(size * 1.3);
    let tw = |em: f64| (em * size * 20.0).round() as i64;
    let pad = twips_pt(7.0);
    let fields = |r: &OrderRow| -> [String; 7] {
        [
            r.no.clone(),
            r.number.clone(),
            r.task.clone(),
            r.unit.clone(),
            r.deadline.clone(),
            r.state.clone(),
            r.closed.clone(),
        ]
    };
    let heads = ["ol-no", "ol-number", "ol-task", "ol-unit", "ol-deadline", "ol-state", "ol-closed"];
    let mut widths: Vec<i64> = heads
        .iter()
        .enumerate()
        .map(|(c, key)| {
            let widest =
                rows.iter().flat_map(|r| fields(r)[c].split('\n').map(ems).collect::<Vec<_>>()).fold(0.0, f64::max);
            let widest = if c == 3 { widest.min(7.0) } else { widest };
            tw(ems(&ph.get(key)).max(widest)) + pad
        })
        .collect();
    let fixed: i64 = widths.iter().enumerate().filter(|(c, _)| *c != 2).map(|(_, w)| *w).sum();
    let least = tw(8.0) + pad;
    if width - fixed < least {
        let k = (width - least) as f64 / fixed as f64;
        for (c, w) in widths.iter_mut().enumerate() {
            if c != 2 {
                *w = (*w as f64 * k).floor() as i64;
            }
        }
    }
    let fixed: i64 = widths.iter().enumerate().filter(|(c, _)| *c != 2).map(|(_, w)| *w).sum();
    widths[2] = width - fixed;
    // (a run's `\n` is a line break)
    let cell = |text: &str, align: &'static str, look: &Look| {
        Cell::new(vec![Para::new().flush().align(align).line(line).run(text, look).el()])
    };
    let grey = |l: u8| Rgb(l, l, l);
    let mut table_rows =
        vec![(true, heads.iter().map(|k| cell(&ph.get(k), "center", &hei).fill(grey(230))).collect::<Vec<_>>())];
    for r in rows {
        let f = fields(r);
        table_rows.push((
            false,
            f.iter().enumerate().map(|(c, t)| cell(t, if c == 2 { "left" } else { "center" }, &look)).collect(),
        ));
    }
    Table {
        widths,
        rows: table_rows,
        border: Some(4),
        padding: (twips_pt(3.0), cell_padding(3.0, size)),
        ..Table::default()
    }
    .el()
}

// ── 督查简报, 领导参阅 ───────────────────────────────────────────────────────────────────────

/// The 报头 (§L9): optional `internal` line, red 小标宋 name (40 pt, letter-spaced 0.5 em up to
/// 4 characters, 0.25 em up to 6), 期号 centred, 编印单位 left and date right, the red 武文线.
fn masthead(name: &str, issue: u32, unit: &str, date: &str, internal: Option<String>, ph: &Phrases) -> Vec<El> {
    let mut out = Vec::new();
    let mut before = twips_mm(12.0);
    if let Some(i) = internal {
        out.push(Para::new().flush().run(&i, &Look::role(Role::Heiti)).el());
        before = (before - PITCH).max(0);
    }
    let size = 40.0;
    let n = name.chars().count();
    let tracking = if n <= 4 {
        0.5 * size
    } else if n <= 6 {
        0.25 * size
    } else {
        0.0
    };
    let mut look = xbs(size).color(RED).tracking(tracking);
    let area_pt = 156.0 * 72.0 / 25.4;
    let width = ems(name) * size + tracking * n as f64;
    if width > area_pt {
        look.scale = Some((area_pt / width * 100.0).floor() as u32);
    }
    out.push(Para::new().flush().align("center").line(twips_pt(size)).space(before, 0).run(name, &look).el());
    let issue = ph.fill("issue", &[("n", &issue.to_string())]);
    out.push(
        Para::new().flush().align("center").line(twips_pt(16.0)).space(LEAD, 0).run(&issue, &Look::default()).el(),
    );
    // Thick 1.5 pt over thin 0.75 pt: Word's thick–thin border, 18 eighths in all.
    out.push(
        Para::new()
            .flush()
            .line(twips_pt(16.0))
            .space(PITCH - twips_pt(16.0), 0)
            .tab("right", area())
            .rule_below("thickThinSmallGap", RED, 18, 11)
            .run(unit, &Look::default())
            .tab_char()
            .run(date, &Look::default())
            .el(),
    );
    out
}

/// 编者按 (briefing.typ `_editor-note`): "编者按：" 黑体, the note 楷体.
fn editor_note(note: &str, ph: &Phrases) -> El {
    Para::new().run(&ph.get("editor-note"), &Look::role(Role::Heiti)).run(note, &Look::role(Role::Kaiti)).el()
}

/// The 报尾 rows (briefing.typ `report-tail`).
fn report_tail(
    report_to: &str,
    send_to: Option<&str>,
    issue_to: Option<&str>,
    copies: Option<u32>,
    ph: &Phrases,
) -> El {
    let mut rows = vec![EndRow::Hang(ph.get("report-to"), report_to.to_owned())];
    if let Some(s) = send_to {
        rows.push(EndRow::Hang(ph.get("send-to"), s.to_owned()));
    }
    if let Some(s) = issue_to {
        rows.push(EndRow::Hang(ph.get("issue-to"), s.to_owned()));
    }
    if let Some(n) = copies {
        rows.push(EndRow::Right(ph.fill("copies", &[("n", &n.to_string())])));
    }
    end_block(rows)
}

fn briefing(v: &BriefingView, ph: &Phrases) -> (Vec<El>, Section, bool) {
    let mut out = masthead(&v.name, v.issue, &v.unit, &v.date, None, ph);
    out.push(title(&v.title_lines, 2 * PITCH, PITCH));
    out.push(editor_note(&v.editor_note, ph));
    out.extend(blocks(&v.body));
    out.push(Para::new().line(PITCH).keep_next().el());
    out.push(report_tail(&v.report_to, Some(&v.send_to), Some(&v.issue_to), v.copies, ph));
    (out, Section::portrait(true), true)
}

/// The chart's fills (briefing.typ `status-fills`, their base colours; the PDF adds patterns).
fn chart_fill(id: &str) -> (Rgb, Rgb) {
    let white = Rgb(255, 255, 255);
    let black = Rgb(0, 0, 0);
    match id {
        "completed" => (Rgb(0x1b, 0x5e, 0x20), white),
        "ahead" => (Rgb(0xc8, 0xe6, 0xc9), black),
        "on_track" => (Rgb(0x81, 0xc7, 0x84), black),
        "behind" => (Rgb(0xfd, 0xd8, 0x35), black),
        "seriously_behind" => (Rgb(0xc6, 0x28, 0x28), white),
        "not_started" => (white, black),
        "not_reported" => (Rgb(0xbd, 0xbd, 0xbd), black),
        _ => (Rgb(0xee, 0xee, 0xee), black),
    }
}

/// Status ids in chart order (briefing.typ `status-order`).
const STATUS_ORDER: [&str; 8] =
    ["completed", "ahead", "on_track", "behind", "seriously_behind", "not_started", "not_reported", "other"];

/// The status chart (briefing.typ `status-chart`) as a table: per section its title, one shaded
/// cell per status with tasks (as wide as its count), the total; then the legend.
fn chart(v: &LeaderView, ph: &Phrases) -> Vec<El> {
    let size = 10.5;
    let look = Look::default().size(size);
    let totals: Vec<usize> = v.sections.iter().map(|s| s.counts.values().sum()).collect();
    let maxt = totals.iter().copied().max().unwrap_or(1).max(1);
    // label 52 mm (leader.typ.j2 `label-width`) and total 10 mm, each with its 2 mm gutter.
    let label_w = twips_mm(54.0);
    let total_w = twips_mm(12.0);
    let bar = area() - label_w - total_w;
    let unit = bar / maxt as i64;
    let mut widths = vec![label_w];
    widths.extend(std::iter::repeat_n(unit, maxt));
    widths.push(area() - label_w - unit * maxt as i64);
    let line = twips_pt(size * 1.3);
    // The chart stays in one piece, as in the PDF: every row keeps with the next.
    let para = |text: &str, align: &'static str, look: &Look| {
        Para::new().flush().align(align).line(line).keep_next().run(text, look).el()
    };
    let mut rows = Vec::new();
    for (s, total) in v.sections.iter().zip(&totals) {
        let mut cells = vec![Cell::new(vec![para(&s.title, "right", &look)])];
        for id in STATUS_ORDER {
            let n = s.counts.get(id).copied().unwrap_or(0);
            if n > 0 {
                let (fill, ink) = chart_fill(id);
                let look = Look::default().size(9.0).color(ink);
                cells.push(Cell::new(vec![para(&n.to_string(), "center", &look)]).span(n).fill(fill));
            }
        }
        if *total < maxt {
            cells.push(Cell::new(vec![]).span(maxt - total));
        }
        cells.push(Cell::new(vec![para(&total.to_string(), "left", &look)]));
        rows.push((false, cells));
    }
    let mut out = vec![Para::new()
        .flush()
        .align("center")
        .space(PITCH, 0)
        .keep_next()
        .run(&ph.get("chart-title"), &Look::role(Role::Heiti).size(14.0))
        .el()];
    out.push(Table { widths, rows, padding: (0, twips_pt(1.0)), ..Table::default() }.el());
    // Legend: four to a line, a swatch (a shaded space) before each label.
    for group in STATUS_ORDER.chunks(4) {
        let mut p = Para::new().flush().line(line).space(twips_pt(size * 0.6), 0);
        for (i, k) in group.iter().enumerate() {
            p = p.tab("left", area() / 4 * (i as i64 + 1));
            let (fill, _) = chart_fill(k);
            p = p.run("\u{3000}", &look.clone().shade(fill)).run(" ", &look).run(&ph.status(k), &look).tab_char();
        }
        out.push(p.el());
    }
    out
}

/// The ranking table (briefing.typ `rank-table`; 10.5 pt as leader.typ.j2 passes).
fn rank_table(rows: &[RankRow], ph: &Phrases) -> El {
    let size = 10.5;
    let look = Look::default().size(size);
    let hei = Look::role(Role::Heiti).size(size);
    let keys = ["rank", "unit", "total", "completed", "on-track", "behind", "seriously-behind", "score"];
    // rank-columns: 11, 1fr, 15, 15, 19, 13, 19, 15 mm.
    let fixed = [11.0, 0.0, 15.0, 15.0, 19.0, 13.0, 19.0, 15.0].map(twips_mm);
    let mut widths = fixed.to_vec();
    widths[1] = area() - fixed.iter().sum::<i64>();
    let line = twips_pt(size * 1.3);
    let cell = |text: &str, align: &'static str, look: &Look| {
        Cell::new(vec![Para::new().flush().align(align).line(line).run(text, look).el()])
    };
    let grey = Rgb(230, 230, 230);
    let mut out =
        vec![(true, keys.iter().map(|k| cell(&ph.get(&format!("rank-{k}")), "center", &hei).fill(grey)).collect())];
    for r in rows {
        let n = |x: usize| x.to_string();
        out.push((
            false,
            vec![
                cell(&n(r.rank), "center", &look),
                cell(&r.unit, "left", &look),
                cell(&n(r.total), "center", &look),
                cell(&n(r.completed), "center", &look),
                cell(&n(r.on_track), "center", &look),
                cell(&n(r.behind), "center", &look),
                cell(&n(r.seriously_behind), "center", &look),
                cell(&r.score, "center", &look),
            ],
        ));
    }
    Table { widths, rows: out, border: Some(4), padding: (twips_pt(2.0), cell_padding(3.0, size)), ..Table::default() }
        .el()
}

fn leader(v: &LeaderView, ph: &Phrases) -> (Vec<El>, Section, bool) {
    let mut out = masthead(&v.name, v.issue, &v.unit, &v.date, Some(ph.get("internal")), ph);
    out.push(title(&v.title_lines, 2 * PITCH, PITCH));
    out.extend(blocks(&v.body));
    if !v.sections.is_empty() {
        out.extend(chart(v, ph));
    }
    if !v.ranking.is_empty() {
        out.push(
            Para::new()
                .flush()
                .align("center")
                .space(PITCH, 0)
                .keep_next()
                .run(&v.ranking_title, &Look::role(Role::Heiti).size(14.0))
                .el(),
        );
        out.push(rank_table(&v.ranking, ph));
    }
    out.push(Para::new().line(PITCH).keep_next().el());
    out.push(report_tail(&v.report_to, None, None, v.copies, ph));
    (out, Section::portrait(true), true)
}

// ── 督办通知单 ───────────────────────────────────────────────────────────────────────────────

/// The 督办级别 tag colours (order.typ `_levels`): fill and ink.
fn level(level: &str) -> (&'static str, Rgb, Rgb) {
    match level {
        "red" => ("level-red", Rgb(0xd4, 0x2a, 0x1e), Rgb(255, 255, 255)),
        "yellow" => ("level-yellow", Rgb(0xf2, 0xb7, 0x05), Rgb(0, 0, 0)),
        _ => ("level-blue", Rgb(0x1f, 0x5f, 0xbf), Rgb(255, 255, 255)),
    }
}

fn order(v: &OrderView, ph: &Phrases) -> (Vec<El>, Section, bool) {
    let mut out = Vec::new();
    let size = 12.0; // order.typ.j2 passes `size: 12pt`
    let look = Look::default().size(size);
    let hei = Look::role(Role::Heiti).size(size);
    let line = twips_pt(size * 1.3);
    let para = |text: &str, look: &Look| Para::new().flush().line(line).run(text, look).el();
    for (i, it) in v.items.iter().enumerate() {
        // Office head: red 小标宋 22 pt (tracking 0.08 em), "督办通知单" 32 pt (0.35 em), red rule.
        let mut head = Para::new().flush().align("center").line(twips_pt(22.0 * 1.3));
        if i > 0 {
            head = head.new_page();
        }
        out.push(head.run(&v.office, &xbs(22.0).color(RED).tracking(22.0 * 0.08)).el());
        out.push(
            Para::new()
                .flush()
                .align("center")
                .line(twips_pt(32.0 * 1.3))
                .space(twips_mm(1.0), 0)
                .rule_below("single", RED, 11, 7)
                .run(&ph.get("order-title"), &xbs(32.0).color(RED).tracking(32.0 * 0.35))
                .el(),
        );
        let (key, fill, ink) = level(it.level);
        out.push(
            Para::new()
                .flush()
                .line(PITCH)
                .space(twips_mm(2.5), twips_mm(2.5))
                .tab("right", area())
                .run(&ph.get("level-label"), &Look::role(Role::Heiti))
                .run(&ph.get(key), &Look::role(Role::Heiti).color(ink).shade(fill).tracking(1.6))
                .tab_char()
                .run(&it.number, &Look::default())
                .el(),
        );
        let label =
            |key: &str| Cell::new(vec![Para::new().flush().align("center").line(line).run(&ph.get(key), &hei).el()]);
        let wide = |paras: Vec<El>| Cell::new(paras).span(3);
        let task = format!(
            "{} {}\n{}{}\n{}{}",
            ph.fill("order-task-no", &[("no", &it.task_no)]),
            it.task_title,
            ph.get("order-target"),
            it.target,
            ph.get("order-source"),
            it.source
        );
        let mut progress =
            Para::new().flush().line(line).run(&format!("{}{}\n", ph.get("order-reported"), it.reported), &look).run(
                &format!(
                    "{}{}；{}{}；{}{}\n{}",
                    ph.get("order-ratio"),
                    it.ratio,
                    ph.get("order-schedule"),
                    it.schedule,
                    ph.get("order-gap"),
                    it.gap,
                    ph.get("order-status")
                ),
                &look,
            );
        progress = status_runs(progress, &it.status, &it.light, ph, &look);
        progress = progress.run(&format!("\n{}{}", ph.get("order-problems"), it.problems), &look);
        let requirements: Vec<String> =
            it.requirements.iter().enumerate().map(|(i, r)| format!("{}.{r}", i + 1)).collect();
        let co = if it.co_units.is_empty() { ph.get("order-none") } else { it.co_units.join("、") };
        let feedback =
            if it.contact.is_empty() { v.feedback.clone() } else { format!("{}\n{}", v.feedback, it.contact) };
        let spaced = |s: String, gap: &str| s.chars().map(String::from).collect::<Vec<_>>().join(gap);
        let rows = vec![
            (false, vec![label("order-lead"), wide(vec![para(&v.unit, &look)])]),
            (false, vec![label("order-co"), wide(vec![para(&co, &look)])]),
            (false, vec![label("order-task"), wide(vec![para(&task, &look)])]),
            (false, vec![label("order-progress"), wide(vec![progress.el()])]),
            (false, vec![label("order-requirements"), wide(vec![para(&requirements.join("\n"), &look)])]),
            (false, vec![label("order-deadline"), wide(vec![para(&v.deadline, &look)])]),
            (false, vec![label("order-feedback"), wide(vec![para(&feedback, &look)])]),
            (
                false,
                vec![Cell::new(vec![Para::new()
                    .flush()
                    .align("center")
                    .line(line)
                    .run(&ph.get("order-unit-fills"), &hei.clone().tracking(size * 0.2))
                    .el()])
                .span(4)
                .fill(Rgb(235, 235, 235))],
            ),
            (false, vec![label("order-result"), wide(vec![])]),
            (
                false,
                vec![
                    label("order-signed"),
                    Cell::new(vec![]),
                    Cell::new(vec![Para::new()
                        .flush()
                        .align("center")
                        .line(line)
                        .run(&spaced(ph.get("order-date"), "\u{3000}"), &hei)
                        .el()]),
                    Cell::new(vec![Para::new()
                        .flush()
                        .align("right")
                        .line(line)
                        .run(&spaced(ph.get("order-ymd"), "\u{3000}\u{3000}"), &look)
                        .el()]),
                ],
            ),
        ];
        // Columns 29 mm / rest / 22 mm / 40 mm (order.typ), 0.6 pt rules; the 办理结果 cell
        // 14 mm high (order.typ.j2 `result-height`).
        let fixed = [29.0, 0.0, 22.0, 40.0].map(twips_mm);
        let mut widths = fixed.to_vec();
        widths[1] = area() - fixed.iter().sum::<i64>();
        out.push(
            Table {
                widths,
                rows,
                border: Some(5),
                padding: (twips_pt(5.0), cell_padding(3.6, size)),
                heights: vec![(8, twips_mm(14.0))],
                ..Table::default()
            }
            .el(),
        );
        // 2 L above the 署名 (order.typ); an exact line already carries one L above its text.
        out.extend(signature(&v.issuer, &v.date, LEAD));
    }
    // No page number on the 督办通知单 (§L8).
    (out, Section::portrait(false), false)
}
