//! `ducha plan import`: turn a published key-task notice (重点工作任务通知), as plain text copied
//! from a government site or a PDF, into plan data ([`RawPlan`]) plus a unit register.
//!
//! The importer is a pure function of its input ([`import_notice`]): no I/O, no panics, and
//! every doubt becomes an [`ImportWarning`] with the 1-based input line, never a silent drop of a
//! target-like phrase. It reads, in order:
//!
//! 1. the notice header: 发文机关标志 (`…文件`), 发文字号 (`莘政办发〔2023〕13号`), the notice title,
//!    主送 (the line ending in `：`), the signature and 成文日期, `（此件公开发布）`, then the plan
//!    title and its preamble;
//! 2. the body: sections `一、…` (Chinese numerals up to 99) and tasks `1.` / `1．` / `1、` (with or
//!    without a space), numbered across sections (a restart per section is renumbered with a
//!    warning); a task's lines are joined, blank page-break lines included, with no space between
//!    CJK characters and one space between two ASCII words;
//! 3. the trailer (`抄送：…`, the 印发 line), whose names become `cc`.
//!
//! Per task it extracts the units, the short title (first sentence) and the numeric targets,
//! each with the phrase it came from. Units are read from the last bracketed group that opens
//! with a label (`（…）`, `(…)`, `[…]`, `【…】`, before or after the final `。`), else from an
//! unlabelled group that ends the task and reads as a unit list, else from label lines after
//! the last sentence (`牵头单位:…` / `责任单位:…` with no brackets). Inside, it reads:
//!
//! - labels `…单位` or `…部门`: 牵头/牵头责任/主要责任/主责/主办 → lead; 参与/配合/协办/协同/
//!   协助/协作/其他责任 → participating; 责任 → lead, or participating when a 牵头 label names
//!   the lead in the same list;
//! - the role after the units: `A牵头，B、C配合`, `A负责`, `A、B分别负责`, `由A牵头负责`;
//! - the work shared out: `…按职责分工负责`, `…按职责抓好落实`, `…等单位按职责分工负责` →
//!   participating beside a lead, lead when nobody else leads;
//! - `排名第一位为牵头单位，下同` in a list, or `列第一位的…为牵头单位` once in the notice: in an
//!   unlabelled list the first unit leads and the others participate;
//! - lists split on `、，；/` and on `及`/`和` after a complete name (`各有关部门及各县区政府`,
//!   never `县发展和改革局`), with `等`, `等部门`, `等14部门` dropped.
//!
//! A clause that names no role (`年内持续推进`) or an item that is no unit name (`2024年底前完成`)
//! is left out of the unit lists; it stays in the task text and becomes a warning on its line.
//! [`to_json`] and [`to_yaml`] render the result; the YAML round-trips through
//! [`crate::data::raw::RawPlan`].

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::{json, Value};

use crate::data::raw::{RawPlan, RawSection, RawTarget, RawTask};
use crate::numerals;

/// What [`import_notice`] produces: the plan, the unit register and the warnings.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ImportResult {
    /// The plan as it will be written to `plan.yaml`.
    pub plan: RawPlan,
    /// Every unit named in a unit parenthesis, once, in order of first appearance.
    pub units: Vec<UnitEntry>,
    /// Everything the importer was unsure about, in input order.
    pub warnings: Vec<ImportWarning>,
}

/// One unit of the register (单位名册) with the tasks it leads and joins.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct UnitEntry {
    /// The name exactly as written in the notice.
    pub name: String,
    /// Numbers of the tasks it leads (牵头/责任单位), ascending.
    pub leads: Vec<u32>,
    /// Numbers of the tasks it joins (参与/配合/协办单位), ascending.
    pub joins: Vec<u32>,
}

/// A doubt raised while importing, in Chinese, for the office to check by hand.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ImportWarning {
    /// 1-based line in the input.
    pub line: usize,
    /// The plan-wide task number, when the warning concerns one task.
    pub task: Option<u32>,
    /// What is wrong and what was done about it (Chinese).
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/// Import a published notice. Never panics; whatever cannot be read cleanly is reported in
/// [`ImportResult::warnings`].
pub fn import_notice(text: &str) -> ImportResult {
    let lines = split_lines(text);
    let mut warnings = Vec::new();
    let mut plan = RawPlan::default();

    let body_start = find_body_start(&lines);
    let header_end = body_start.unwrap_or(lines.len());
    let header = parse_header(&lines[..header_end], &mut plan, &mut warnings);

    let mut sections = Vec::new();
    if let Some(start) = body_start {
        let trailer_start = find_trailer_start(&lines, start, header.issuer_lines()).unwrap_or(lines.len());
        sections = parse_body(&lines[start..trailer_start], &mut warnings);
        plan.cc = parse_cc(&lines[trailer_start..]);
    } else {
        warnings.push(ImportWarning {
            line: lines.first().map_or(1, |l| l.no),
            task: None,
            message: "未识别到任何部分标题（一、…）或任务编号（1. …），计划为空".into(),
        });
    }
    if plan.title.is_empty() {
        warnings.push(ImportWarning {
            line: 1,
            task: None,
            message: "未找到计划标题，请在 plan.yaml 中手工填写 title".into(),
        });
    }

    let task_lines: HashMap<u32, usize> =
        sections.iter().flat_map(|s| s.tasks.iter().map(|t| (t.number, t.line))).collect();
    // A notice may say once that the first unit of each list leads (列第一位的为牵头单位).
    let mut rules =
        UnitRules { first_is_lead: lines[..header_end].iter().any(|l| FIRST_IS_LEAD_NOTICE_RE.is_match(&l.text)) };
    plan.sections = sections.into_iter().map(|s| build_section(s, &mut rules, &mut warnings)).collect();
    let units = build_register(&plan, &task_lines, &mut warnings);
    // Stable order: by line, then by the order in which they were raised.
    warnings.sort_by_key(|w| w.line);
    ImportResult { plan, units, warnings }
}

// ---------------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------------

/// One input line, trimmed, with its 1-based number.
#[derive(Debug, Clone)]
struct Line {
    no: usize,
    text: String,
}

fn split_lines(text: &str) -> Vec<Line> {
    // A file with only `\r` line ends (old Mac exports) still has lines.
    let owned;
    let text = if !text.contains('\n') && text.contains('\r') {
        owned = text.replace('\r', "\n");
        owned.as_str()
    } else {
        text
    };
    text.split('\n')
        .enumerate()
        .map(|(i, l)| {
            // BOM and zero-width characters are invisible copy artefacts, never content.
            let cleaned: String =
                l.chars().filter(|c| !matches!(c, '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}')).collect();
            Line { no: i + 1, text: cleaned.trim().to_string() }
        })
        .collect()
}

static PAGE_NUMBER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[-—－–─]+\s*[0-9０-９]{1,4}\s*[-—－–─]+|第\s*[0-9]{1,4}\s*页(?:\s*[，,/]?\s*共\s*[0-9]{1,4}\s*页)?)$",
    )
    .expect("page number regex")
});

/// Page numbers (`— 3 —`) and rules (`———`) that PDF text carries between pages.
fn is_page_furniture(t: &str) -> bool {
    if PAGE_NUMBER_RE.is_match(t) {
        return true;
    }
    t.chars().count() >= 3 && t.chars().all(|c| "-—─━_＿=－–·".contains(c))
}

// ---------------------------------------------------------------------------------------------
// Numerals, dates
// ---------------------------------------------------------------------------------------------

static DATE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{4}|[〇零○Ｏ一二三四五六七八九]{4})\s*年\s*([0-9]{1,2}|[一二三四五六七八九十]{1,2})\s*月\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*日",
    )
    .expect("date regex")
});

/// `2023 年 6 月 12 日` (or `二〇二三年六月十二日`) at the start of `t` → `2023-06-12`, and the
/// rest of the line.
fn parse_date_prefix(t: &str) -> Option<(String, &str)> {
    let caps = DATE_RE.captures(t)?;
    let y = numerals::parse_year(&caps[1])?;
    let m = numerals::parse(&caps[2])?;
    let d = numerals::parse(&caps[3])?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let rest = &t[caps.get(0)?.end()..];
    Some((format!("{y:04}-{m:02}-{d:02}"), rest))
}

fn is_date_line(t: &str) -> bool {
    parse_date_prefix(t).is_some_and(|(_, rest)| rest.trim().is_empty())
}

fn is_printed_line(t: &str) -> bool {
    // `莘县人民政府办公室 2023年6月12日印发`
    t.ends_with("印发") && t.char_indices().any(|(i, _)| parse_date_prefix(&t[i..]).is_some())
}

// ---------------------------------------------------------------------------------------------
// Joining
// ---------------------------------------------------------------------------------------------

fn is_cjk_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// Text joined from source lines, with the char offset at which each line starts.
struct Joined {
    text: String,
    /// (char offset in `text`, source line number), ascending.
    starts: Vec<(usize, usize)>,
}

impl Joined {
    fn line_at(&self, char_offset: usize) -> usize {
        let idx = self.starts.partition_point(|&(off, _)| off <= char_offset);
        self.starts.get(idx.saturating_sub(1)).map_or(0, |&(_, line)| line)
    }
}

/// Joins the pieces of a paragraph broken over lines (blank page-break lines are simply
/// absent from `segs`): no space between CJK characters, one space between two ASCII words.
fn join_segments<'a>(segs: impl IntoIterator<Item = (usize, &'a str)>) -> Joined {
    let mut text = String::new();
    let mut chars = 0usize;
    let mut starts = Vec::new();
    for (line, seg) in segs {
        if seg.is_empty() {
            continue;
        }
        let first = seg.chars().next().unwrap_or(' ');
        if let Some(last) = text.chars().next_back() {
            // Only a break between two ASCII words was a space in the source; a break next to a
            // Chinese character is the typesetter's, not the author's.
            if (last.is_ascii_alphanumeric() || ",;:.!?)%".contains(last)) && first.is_ascii_alphanumeric() {
                text.push(' ');
                chars += 1;
            }
        }
        starts.push((chars, line));
        text.push_str(seg);
        chars += seg.chars().count();
    }
    Joined { text, starts }
}

/// Titles typeset over several lines come out of a PDF as `绿色低碳 高质量发展`: drop whitespace
/// between two non-ASCII characters, keep it next to ASCII (`2023 年`).
fn squeeze_title(s: &str) -> String {
    let c: Vec<char> = s.trim().chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_whitespace() {
            let mut j = i;
            while j < c.len() && c[j].is_whitespace() {
                j += 1;
            }
            let before = out.chars().next_back();
            let after = c.get(j).copied();
            let cjk_both = matches!((before, after), (Some(b), Some(a)) if !b.is_ascii() && !a.is_ascii());
            if !cjk_both {
                out.push(' ');
            }
            i = j;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Structure: body start, sections, tasks, trailer
// ---------------------------------------------------------------------------------------------

static SECTION_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]{1,3})\s*、\s*(.*)$").expect("section regex"));
static TASK_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9０-９]{1,3})\s*([.．、])\s*(.*)$").expect("task regex"));
static SUBHEADING_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[（(][一二三四五六七八九十]{1,3}[）)]").expect("subheading regex"));

/// `一、深入实施创新驱动发展战略` → (1, title). A heading is short and is not a sentence.
fn section_heading(t: &str) -> Option<(u32, String)> {
    let caps = SECTION_RE.captures(t)?;
    let n = numerals::parse(&caps[1])?;
    let title = caps[2].trim();
    let len = title.chars().count();
    // A heading may end in `，` when it wraps onto the next line; a sentence or a list
    // (`一、二、三产业…`) is not a heading.
    if title.is_empty() || len > 40 || title.contains('。') || title.ends_with(['；', ';', '、']) {
        return None;
    }
    Some((n, title.to_string()))
}

/// `12. 培育…` / `12．` / `12、` / `12.培育…` → (12, rest). `10.5 公里` is not a task.
fn task_start(t: &str) -> Option<(u32, String)> {
    let caps = TASK_RE.captures(t)?;
    let digits: String = caps[1].chars().map(ascii_digit).collect();
    let n: u32 = digits.parse().ok()?;
    let rest = caps[3].trim();
    // `10.5 公里` on a continuation line: a digit right after the dot is a decimal.
    let sep_end = caps.get(2).map_or(0, |m| m.end());
    if caps[2].ne("、") && t[sep_end..].starts_with(is_digit) {
        return None;
    }
    if n == 0 {
        return None;
    }
    Some((n, rest.to_string()))
}

fn find_body_start(lines: &[Line]) -> Option<usize> {
    lines
        .iter()
        .position(|l| matches!(section_heading(&l.text), Some((1, _))))
        .or_else(|| lines.iter().position(|l| matches!(task_start(&l.text), Some((1, ref r)) if !r.is_empty())))
}

static CC_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(抄送|抄报|分送|发送)\s*[：:]\s*(.*)$").expect("cc regex"));

fn is_trailer_line(t: &str, issuer_lines: &[String]) -> bool {
    CC_RE.is_match(t)
        || NOTE_RE.is_match(t)
        || is_printed_line(t)
        || is_date_line(t)
        || issuer_lines.iter().any(|i| i == t)
}

fn find_trailer_start(lines: &[Line], body_start: usize, issuer_lines: Vec<String>) -> Option<usize> {
    (body_start + 1..lines.len()).find(|&i| is_trailer_line(&lines[i].text, &issuer_lines))
}

/// `抄送：县委有关部门，人大常委会办公室，…。` (possibly over several lines) → names.
fn parse_cc(trailer: &[Line]) -> Vec<String> {
    let Some(pos) = trailer.iter().position(|l| CC_RE.is_match(&l.text)) else {
        return Vec::new();
    };
    let first = CC_RE.captures(&trailer[pos].text).map(|c| c[2].to_string()).unwrap_or_default();
    let mut segs = vec![(trailer[pos].no, first)];
    for l in &trailer[pos + 1..] {
        if l.text.is_empty() {
            continue;
        }
        if is_printed_line(&l.text) || is_date_line(&l.text) || CC_RE.is_match(&l.text) {
            break;
        }
        // A continuation of the list ends with a separator or the final 。; the signature does not.
        let prev = segs.last().map(|(_, s)| s.trim_end().to_string()).unwrap_or_default();
        if prev.ends_with(['。', '.']) || !(prev.ends_with(['，', ',', '、', '；', ';'])) {
            break;
        }
        segs.push((l.no, l.text.clone()));
    }
    let joined = join_segments(segs.iter().map(|(n, s)| (*n, s.as_str())));
    split_units(&joined.text).into_iter().map(|u| clean_unit(&u)).filter(|u| !u.is_empty()).collect()
}

#[derive(Debug)]
struct TaskDraft {
    number: u32,
    line: usize,
    segs: Vec<(usize, String)>,
}

#[derive(Debug)]
struct SectionDraft {
    number: u32,
    title: String,
    tasks: Vec<TaskDraft>,
    /// The heading may wrap onto the next line until the first task or paragraph.
    title_open: bool,
}

fn parse_body(lines: &[Line], warnings: &mut Vec<ImportWarning>) -> Vec<SectionDraft> {
    let mut sections: Vec<SectionDraft> = Vec::new();
    let mut last_section = 0u32;
    let mut last_source = 0u32; // number as printed in the source
    let mut last_number = 0u32; // plan-wide number assigned
    let mut per_section = false;

    for line in lines {
        let t = line.text.as_str();
        if t.is_empty() || is_page_furniture(t) {
            continue;
        }
        if let Some((n, title)) = section_heading(t) {
            if n > last_section {
                if n != last_section + 1 {
                    warnings.push(ImportWarning {
                        line: line.no,
                        task: None,
                        message: format!("部分编号不连续：第 {last_section} 部分之后是第 {n} 部分"),
                    });
                }
                sections.push(SectionDraft {
                    number: n,
                    title: squeeze_title(&title),
                    tasks: Vec::new(),
                    title_open: true,
                });
                last_section = n;
                continue;
            }
        }
        if let Some((n, rest)) = task_start(t) {
            let fresh_section = sections.last().is_some_and(|s| s.tasks.is_empty());
            let starts_cjk = rest.chars().next().is_some_and(|c| is_cjk_ideograph(c) || "“《".contains(c));
            let accepted = if n == last_source + 1 {
                true
            } else if n == 1 && fresh_section && last_source > 0 {
                if !per_section {
                    warnings.push(ImportWarning {
                        line: line.no,
                        task: None,
                        message: "各部分的任务分别从 1 编号，已按全文连续重新编号".into(),
                    });
                }
                per_section = true;
                true
            } else if n > last_source + 1 && n <= last_source + 3 && starts_cjk {
                warnings.push(ImportWarning {
                    line: line.no,
                    task: None,
                    message: format!("任务编号从 {last_source} 跳到 {n}，可能缺少任务，请核对原文"),
                });
                true
            } else {
                false
            };
            if accepted {
                let number = if per_section { last_number + 1 } else { n.max(last_number + 1) };
                if sections.is_empty() {
                    warnings.push(ImportWarning {
                        line: line.no,
                        task: None,
                        message: "第一项任务之前没有部分标题（一、…），已归入无标题的第 1 部分".into(),
                    });
                    sections.push(SectionDraft {
                        number: 1,
                        title: String::new(),
                        tasks: Vec::new(),
                        title_open: false,
                    });
                    last_section = 1;
                }
                if let Some(section) = sections.last_mut() {
                    section.title_open = false;
                    section.tasks.push(TaskDraft { number, line: line.no, segs: vec![(line.no, rest)] });
                }
                last_source = n;
                last_number = number;
                continue;
            }
        }
        let Some(section) = sections.last_mut() else {
            continue;
        };
        let is_subheading = SUBHEADING_RE.is_match(t) && t.chars().count() <= 30 && !t.contains(['。', '；']);
        let subheading_warning = |task: Option<u32>| ImportWarning {
            line: line.no,
            task,
            message: format!("小标题“{t}”不是任务，计划格式中无此层级，未保留"),
        };
        if let Some(task) = section.tasks.last_mut() {
            let previous_done = task.segs.last().is_some_and(|(_, s)| s.ends_with(['。', '）', ')']));
            if is_subheading && previous_done {
                warnings.push(subheading_warning(Some(task.number)));
                continue;
            }
            task.segs.push((line.no, t.to_string()));
        } else if is_subheading {
            section.title_open = false;
            warnings.push(subheading_warning(None));
        } else if section.title_open && t.chars().count() <= 30 && !t.contains(['。', '；', '：', ':']) {
            // A long heading wrapped onto a second line.
            section.title = squeeze_title(&format!("{}{}", section.title, t));
        } else {
            section.title_open = false;
            warnings.push(ImportWarning {
                line: line.no,
                task: None,
                message: format!(
                    "第 {} 部分标题之后、第一项任务之前的文字未归入任何任务：“{}”",
                    section.number,
                    preview(t)
                ),
            });
        }
    }
    sections
}

fn preview(t: &str) -> String {
    let mut s: String = t.chars().take(30).collect();
    if t.chars().count() > 30 {
        s.push('…');
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------

static DOC_NUMBER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([^\s〔\[［(（]{1,16}\s*[〔\[［(（]\s*[0-9]{4}\s*[〕\]］)）]\s*[0-9]{1,4}\s*号)")
        .expect("doc number regex")
});
static NOTE_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[（(]\s*此件.{1,12}[）)]$").expect("note regex"));
static ATTACHMENT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^附件\s*[0-9]*\s*[：:]?$").expect("attachment regex"));
static YEAR_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"([0-9]{4})\s*年").expect("year regex"));

/// What the header told us that the rest of the parse needs.
#[derive(Debug, Default)]
struct HeaderInfo {
    mark: Option<String>,
    issuer: Option<String>,
}

impl HeaderInfo {
    /// Lines that, met again after the tasks, start the trailer (the signature block).
    fn issuer_lines(&self) -> Vec<String> {
        self.mark.iter().chain(self.issuer.iter()).cloned().collect()
    }
}

fn parse_header(lines: &[Line], plan: &mut RawPlan, warnings: &mut Vec<ImportWarning>) -> HeaderInfo {
    let mut info = HeaderInfo::default();
    let h: Vec<&Line> = lines.iter().filter(|l| !l.text.is_empty() && !is_page_furniture(&l.text)).collect();
    if h.is_empty() {
        return info;
    }

    // 发文机关标志: `莘县人民政府办公室文件` as the first line.
    let mut cursor = 0usize;
    if let Some(first) = h.first() {
        let t = first.text.trim_end_matches("文件").trim_end();
        if first.text.ends_with("文件") && !t.is_empty() && first.text.chars().count() <= 30 {
            info.mark = Some(first.text.clone());
            info.issuer = Some(t.to_string());
            cursor = 1;
        }
    }

    let doc_idx = h.iter().take(8).position(|l| DOC_NUMBER_RE.is_match(&l.text));
    if let Some(i) = doc_idx {
        if let Some(c) = DOC_NUMBER_RE.captures(&h[i].text) {
            plan.doc_number = Some(c[1].split_whitespace().collect::<String>());
        }
        cursor = cursor.max(i + 1);
    }

    let date_idx = h.iter().position(|l| is_date_line(&l.text));
    let recipients_idx = h
        .iter()
        .enumerate()
        .skip(cursor)
        .take_while(|(i, _)| date_idx.is_none_or(|d| *i < d))
        .find(|(i, l)| {
            // 主送 belongs to a notice: only after a mark, a document number or a `…通知` line,
            // so a plan-only text whose preamble ends in `如下：` keeps its preamble.
            let notice_before = cursor > 0 || h[..*i].iter().any(|p| p.text.contains("通知"));
            notice_before
                && l.text.ends_with(['：', ':'])
                && !l.text.contains('。')
                && l.text.chars().count() <= 150
                && !ATTACHMENT_RE.is_match(&l.text)
                && !CC_RE.is_match(&l.text)
        })
        .map(|(i, _)| i);

    // The notice title: between the document number and 主送; without 主送, a `关于…的通知` line.
    let title_range = match recipients_idx {
        Some(r) if r > cursor => Some(cursor..r),
        _ => h
            .iter()
            .enumerate()
            .skip(cursor)
            .take_while(|(i, _)| date_idx.is_none_or(|d| *i < d))
            .find(|(_, l)| l.text.contains("关于") && l.text.ends_with(['知', '见', '案', '定', '报', '函']))
            .map(|(i, _)| i..i + 1),
    };
    if let Some(range) = title_range.clone() {
        let joined = join_segments(h[range].iter().map(|l| (l.no, l.text.as_str())));
        let title = squeeze_title(&joined.text);
        if !title.is_empty() {
            plan.notice_title = Some(title);
        }
    }
    if let Some(r) = recipients_idx {
        let t = h[r].text.trim_end_matches(['：', ':']).trim();
        plan.recipients = Some(t.to_string());
    }

    if let Some(d) = date_idx {
        if let Some((iso, _)) = parse_date_prefix(&h[d].text) {
            plan.date = Some(iso);
        }
        // The signature right above the date names the issuer when there is no mark.
        if d > 0 && info.issuer.is_none() {
            let sig = &h[d - 1].text;
            if !sig.ends_with(['。', '：', ':', '，']) && sig.chars().count() <= 30 {
                info.issuer = Some(sig.clone());
            }
        }
    }
    plan.issuer = info.issuer.clone();

    // Where the plan itself starts: after the date, else after the notice paragraph, else after
    // the notice title.
    let mut plan_start = match (date_idx, recipients_idx, title_range) {
        (Some(d), _, _) => d + 1,
        (None, Some(r), _) => {
            // Skip the notice paragraph(s) and the signature.
            let mut i = r + 1;
            while i < h.len() && (h[i].text.ends_with(['。', '：']) || Some(&h[i].text) == info.issuer.as_ref()) {
                i += 1;
            }
            i
        }
        (None, None, Some(range)) => range.end,
        (None, None, None) => cursor,
    };
    while plan_start < h.len() && (NOTE_RE.is_match(&h[plan_start].text) || ATTACHMENT_RE.is_match(&h[plan_start].text))
    {
        plan_start += 1;
    }

    // Plan title: leading short lines that are not sentences; the rest is the preamble.
    let rest = &h[plan_start.min(h.len())..];
    let title_lines = rest
        .iter()
        .take(3)
        .take_while(|l| {
            l.text.chars().count() <= 60
                && !l.text.contains(['。', '；'])
                && !l.text.ends_with(['，', ',', '：', ':', '、'])
        })
        .count();
    let title = join_segments(rest[..title_lines].iter().map(|l| (l.no, l.text.as_str())));
    plan.title = squeeze_title(&title.text);
    if plan.title.is_empty() {
        // Fall back on the notice title: 关于印发《X》的通知 → X.
        if let Some(nt) = &plan.notice_title {
            if let Some(p) = nt.find("关于印发") {
                let x = nt[p + "关于印发".len()..].trim_end_matches("的通知").trim_matches(['《', '》']).to_string();
                plan.title = x;
            }
        }
    }
    let preamble = join_segments(rest[title_lines..].iter().map(|l| (l.no, l.text.as_str())));
    if !preamble.text.is_empty() {
        plan.preamble = Some(preamble.text);
    }

    plan.year = [Some(&plan.title), plan.notice_title.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|t| YEAR_RE.captures(t).and_then(|c| c[1].parse().ok()))
        .or_else(|| plan.date.as_ref().and_then(|d| d.get(..4)?.parse().ok()));

    if date_idx.is_none()
        && h.iter().any(|l| {
            l.text.contains("年") && l.text.contains("月") && l.text.ends_with('日') && l.text.chars().count() <= 20
        })
    {
        warnings.push(ImportWarning {
            line: h.iter().find(|l| l.text.ends_with('日')).map_or(1, |l| l.no),
            task: None,
            message: "成文日期无法解析，date 留空".into(),
        });
    }
    info
}

// ---------------------------------------------------------------------------------------------
// Tasks: unit parenthesis, title, targets
// ---------------------------------------------------------------------------------------------

fn build_section(s: SectionDraft, rules: &mut UnitRules, warnings: &mut Vec<ImportWarning>) -> RawSection {
    RawSection {
        number: s.number,
        title: s.title,
        tasks: s.tasks.into_iter().map(|t| build_task(t, rules, warnings)).collect(),
    }
}

fn build_task(d: TaskDraft, rules: &mut UnitRules, warnings: &mut Vec<ImportWarning>) -> RawTask {
    let joined = join_segments(d.segs.iter().map(|(n, s)| (*n, s.as_str())));
    let chars: Vec<char> = joined.text.chars().collect();
    let warn = |warnings: &mut Vec<ImportWarning>, offset: usize, message: String| {
        warnings.push(ImportWarning { line: joined.line_at(offset).max(d.line), task: Some(d.number), message });
    };

    let mut lead = Vec::new();
    let mut participating = Vec::new();
    // The body is the text without the unit parenthesis: what titles and targets are read from.
    let mut body: Vec<char> = chars.clone();
    let line_starts: Vec<usize> = joined.starts.iter().map(|&(offset, _)| offset).collect();
    if let Some(span) = find_unit_span(&chars, &line_starts, rules) {
        let content: String = chars[span.content.clone()].iter().collect();
        let inner_starts: Vec<usize> = line_starts.iter().filter_map(|&o| o.checked_sub(span.content.start)).collect();
        let units = parse_unit_content(&content, &inner_starts, rules);
        lead = units.lead;
        participating = units.participating;
        for (offset, problem) in units.problems {
            warn(warnings, span.content.start + offset, problem);
        }
        if !span.closed {
            warn(warnings, span.start, "单位括号没有闭合，已读到任务末尾".into());
        }
        let after: String = chars[span.end..].iter().collect();
        if !after.trim_matches(|c: char| c.is_whitespace() || "。.；;".contains(c)).is_empty() {
            warn(warnings, span.end, format!("单位括号之后还有文字“{}”，请核对", preview(after.trim())));
        }
        body = chars[..span.start].iter().chain(chars[span.end..].iter()).copied().collect();
    }
    if lead.is_empty() {
        let msg = if participating.is_empty() {
            "未写明牵头单位".to_string()
        } else {
            "只写明了参与单位，未写明牵头单位".to_string()
        };
        warn(warnings, 0, format!("第 {} 项任务{msg}", d.number));
    }

    let title = short_title(&body);
    if title.is_empty() {
        warn(warnings, 0, format!("第 {} 项任务没有文字", d.number));
    }
    let targets = extract_targets(&body)
        .into_iter()
        .map(|found| {
            if let Some(reason) = &found.problem {
                warn(
                    warnings,
                    found.offset,
                    format!(
                        "第 {} 项任务中“{}”像是数值目标，但{reason}，已按文字目标（kind: text）保留，请手工核对",
                        d.number, found.target.text
                    ),
                );
            }
            found.target
        })
        .collect();

    RawTask {
        number: d.number,
        title,
        text: joined.text.clone(),
        lead_units: lead,
        participating_units: participating,
        targets,
        milestones: None,
        evidence: Vec::new(),
    }
}

/// The task's first sentence, up to the first `。` or `；`.
fn short_title(body: &[char]) -> String {
    let end = body.iter().position(|c| "。；;！？!?".contains(*c)).unwrap_or(body.len());
    let title: String = body[..end].iter().collect();
    let title = title.trim();
    if title.is_empty() {
        // A task that opens with punctuation: fall back on the whole body.
        let all: String = body.iter().collect();
        return all.trim().trim_matches(|c: char| "。；;".contains(c)).trim().to_string();
    }
    title.to_string()
}

#[derive(Debug, Clone)]
struct UnitSpan {
    /// Char range of the whole span (parenthesis included).
    start: usize,
    end: usize,
    /// Char range of the content.
    content: std::ops::Range<usize>,
    closed: bool,
}

/// What a label or a clause says a unit does in a task (分工).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// 牵头 / 主责 / 主办, `…牵头`, `…负责`.
    Lead,
    /// 参与 / 配合 / 协办 / 协同 / 协助, `…配合`.
    Join,
    /// `责任单位` / `责任部门`: the lead, unless a 牵头 label in the same list names the lead,
    /// in which case 责任单位 are the units that carry the work out beside it.
    Responsible,
    /// `…按职责分工负责`, `…按职责抓好落实`: the work shared out among the units named;
    /// they lead when no one else does, otherwise they participate.
    Share,
}

/// What unit reading carries from one task to the next.
#[derive(Debug, Default)]
struct UnitRules {
    /// A note `排名第一位为牵头单位，下同` was met: from then on an unlabelled unit list at the
    /// end of a task reads its first unit as the lead and the others as participating.
    first_is_lead: bool,
}

/// A unit list read from a task, with problems at char offsets inside the content.
#[derive(Debug, Default)]
struct UnitParse {
    lead: Vec<String>,
    participating: Vec<String>,
    problems: Vec<(usize, String)>,
}

/// Label words before `单位` / `部门`, longest first so `牵头责任` wins over `牵头`.
const LABEL_WORDS: &str =
    "牵头责任|主要责任|协同责任|其他责任|配合责任|牵头|责任|主责|主办|参与|配合|协办|协同|协助|协作";

static LABEL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?:({LABEL_WORDS})(?:单位|部门)\s*([：:])?|(牵头|责任|参与|配合|协办)\s*[：:])"))
        .expect("label regex")
});
static LABEL_START_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^\s*(?:(?:{LABEL_WORDS})(?:单位|部门)\s*[：:]?|(?:牵头|责任|参与|配合|协办)\s*[：:])"))
        .expect("label start regex")
});
/// `…按职责分工负责`, `…按照职责分工抓好落实`, `…分工负责`, `…按职责分别负责`: how the work is
/// shared out.
static SHARE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(?:按照?|根据|依据?)(?:各自)?(?:职责|职能)(?:分工)?|分工)(?:分别|各自)?(?:负责|抓好落实|做好落实|抓落实|落实|推进|组织实施|实施|配合)$",
    )
    .expect("share regex")
});
/// `排名第一位为牵头单位`, `列第一位的为牵头单位`: the first unit of an unlabelled list leads.
static FIRST_IS_LEAD_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:排名|排在|排序|列|名列)?第一(?:位|个)?的?(?:单位|部门)?(?:为|是)牵头(?:单位|部门)?$")
        .expect("first-is-lead regex")
});
/// A deadline or a manner of work, never a unit: `2023年底前完成`, `年内持续推进`.
static NOT_A_UNIT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9０-９]+\s*(?:年|月)|年底|年内|月底|底前|前完成|持续推进|长期坚持|按季度")
        .expect("not-a-unit regex")
});

static COUNTED_REST_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"等\s*[0-9０-９一二三四五六七八九十]+\s*个?(?:有关|相关)?(?:部门|单位)$").expect("counted-rest regex")
});
/// The same rule stated once in the notice: `列第一位的责任单位为牵头单位`.
static FIRST_IS_LEAD_NOTICE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:排名|排在|排序|列|名列)第一(?:位|个)的?(?:责任)?(?:单位|部门)?(?:为|是)牵头")
        .expect("first-is-lead notice regex")
});

const LEAD_SUFFIXES: &[&str] =
    &["牵头负责", "牵头抓总", "牵头落实", "牵头", "负总责", "分别负责", "共同负责", "具体负责", "主责", "负责"];
const JOIN_SUFFIXES: &[&str] =
    &["积极配合", "配合落实", "协助配合", "共同参与", "配合", "参与", "协办", "协助", "协同"];
/// How unit names end; used to split `A及B` / `A和B` and to recognise a bare list of units.
const UNIT_ENDINGS: &[&str] = &[
    "局", "委", "办", "部", "部门", "单位", "政府", "中心", "院", "会", "队", "所", "站", "行", "公司", "集团", "室",
    "处", "厅", "署", "社", "馆", "团", "园", "区", "镇", "乡", "街道", "）", ")", "联", "协",
];

fn label_role(word: &str) -> Role {
    match word {
        "牵头" | "牵头责任" | "主要责任" | "主责" | "主办" => Role::Lead,
        "责任" => Role::Responsible,
        _ => Role::Join,
    }
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Unit labels in `content` as (char start, char end, role). A label counts at the start, after
/// a separator or at a line start; the full form with a colon (`责任单位：`) counts anywhere,
/// since lines joined without a separator glue it to the unit before (`区发改局责任单位：`).
fn find_labels(content: &str, line_starts: &[usize]) -> Vec<(usize, usize, Role)> {
    LABEL_RE
        .captures_iter(content)
        .filter_map(|cap| {
            let m = cap.get(0)?;
            let start = char_len(&content[..m.start()]);
            let before = content[..m.start()].chars().next_back();
            let separated = before.is_none_or(|b| b.is_whitespace() || "，,；;、。（(［[【".contains(b));
            let full_with_colon = cap.get(1).is_some() && cap.get(2).is_some();
            if !(separated || full_with_colon || line_starts.contains(&start)) {
                return None;
            }
            let word = cap.get(1).or_else(|| cap.get(3))?.as_str();
            Some((start, start + char_len(m.as_str()), label_role(word)))
        })
        .collect()
}

/// Bracket depth change of `ch`: parentheses, square brackets and angle brackets all nest
/// (`各县（市、区）`, `县发改局（粮食局）`, `各县<市、区>人民政府`).
fn depth_delta(ch: char) -> i32 {
    match ch {
        '（' | '(' | '〔' | '［' | '[' | '【' | '<' | '〈' => 1,
        '）' | ')' | '〕' | '］' | ']' | '】' | '>' | '〉' => -1,
        _ => 0,
    }
}

/// Split `s` at depth 0 on any of `seps`, keeping each piece's char offset.
fn split_at_depth0(s: &str, seps: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_start = 0usize;
    let mut depth = 0i32;
    for (i, ch) in s.chars().enumerate() {
        depth = (depth + depth_delta(ch)).max(0);
        if depth == 0 && depth_delta(ch) == 0 && seps.contains(ch) {
            out.push((cur_start, std::mem::take(&mut cur)));
            cur_start = i + 1;
        } else {
            cur.push(ch);
        }
    }
    out.push((cur_start, cur));
    out
}

/// Split a unit list on `、，,；;／/`, outside nested brackets.
fn split_units(s: &str) -> Vec<String> {
    split_at_depth0(s, "、，,；;／/").into_iter().map(|(_, u)| u).collect()
}

fn ends_like_unit(s: &str) -> bool {
    let s = s.trim_end();
    UNIT_ENDINGS.iter().any(|e| s.ends_with(e))
}

/// Split `A及B` / `A以及B` / `A和B` when A already ends like a unit name, so
/// `市级各有关部门及各县市区政府` is two units but `县发展和改革局` stays one.
fn split_conjunctions(offset: usize, item: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = item.chars().collect();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut depth = 0i32;
    let mut i = 0usize;
    while i < chars.len() {
        depth = (depth + depth_delta(chars[i])).max(0);
        let conj = if depth > 0 {
            0
        } else if chars[i] == '以' && chars.get(i + 1) == Some(&'及') {
            2
        } else if chars[i] == '及' || chars[i] == '和' {
            1
        } else {
            0
        };
        if conj > 0 {
            let before: String = chars[start..i].iter().collect();
            let after_len = chars.len() - (i + conj);
            if char_len(before.trim()) >= 2 && after_len >= 2 && ends_like_unit(&before) {
                out.push((offset + start, before));
                start = i + conj;
                i += conj;
                continue;
            }
        }
        i += 1;
    }
    out.push((offset + start, chars[start..].iter().collect()));
    out
}

/// Trim a unit name and strip a trailing 等 / 等部门 / 等有关单位.
fn clean_unit(u: &str) -> String {
    let mut u = u.trim().trim_matches(|c: char| c.is_whitespace() || "。.，,、；;：:".contains(c)).to_string();
    // `…、科技部等14部门`, `…等三个单位`: a count of the units, not part of a name.
    if let Some(m) = COUNTED_REST_RE.find(&u) {
        if m.start() > 0 {
            u.truncate(m.start());
        }
    }
    for suffix in [
        "等有关部门和单位",
        "等相关部门和单位",
        "等有关单位和部门",
        "等有关部门",
        "等相关部门",
        "等有关单位",
        "等相关单位",
        "等部门",
        "等单位",
        "等",
    ] {
        if let Some(stripped) = u.strip_suffix(suffix) {
            if !stripped.trim().is_empty() {
                u = stripped.trim().to_string();
                break;
            }
        }
    }
    u
}

/// Why `name` cannot be a unit name, if it cannot.
fn implausible_unit(name: &str) -> Option<&'static str> {
    if name.contains(['：', ':', '。', '？', '！']) {
        Some("含有标点或标签")
    } else if NOT_A_UNIT_RE.is_match(name) {
        Some("像是时限或工作要求")
    } else if char_len(name) > 30 {
        Some("过长，可能未正确拆分")
    } else {
        None
    }
}

/// The role a clause ends with (`县发改局牵头`, `各乡镇（街道）按职责抓好落实`) and the unit
/// list before it.
fn clause_role(clause: &str) -> Option<(Role, String)> {
    let c = clause.trim().trim_end_matches(['。', '.', ' ']).trim();
    let c = c.strip_prefix('由').unwrap_or(c);
    if let Some(m) = SHARE_RE.find(c) {
        return Some((Role::Share, c[..m.start()].to_string()));
    }
    if let Some(u) = LEAD_SUFFIXES.iter().find_map(|s| c.strip_suffix(s)) {
        return Some((Role::Lead, u.to_string()));
    }
    JOIN_SUFFIXES.iter().find_map(|s| c.strip_suffix(s)).map(|u| (Role::Join, u.to_string()))
}

fn is_first_is_lead_note(clause: &str) -> bool {
    FIRST_IS_LEAD_RE.is_match(clause.trim())
}

fn is_same_below_note(clause: &str) -> bool {
    matches!(clause.trim(), "下同" | "以下同" | "后同")
}

/// The items of one unit list (`A、B等`), each with its char offset.
fn list_items(offset: usize, list: &str) -> Vec<(usize, String)> {
    split_at_depth0(list, "、／/").into_iter().flat_map(|(o, item)| split_conjunctions(offset + o, &item)).collect()
}

/// Read the units of a unit parenthesis or label block:
/// `牵头单位：A、B，参与单位：C`, `A牵头，B、C配合`, `A负责`, `A牵头，各乡镇按职责分工负责`,
/// `牵头部门：A；责任部门：B`, `A，B，C，排名第一位为牵头单位`. What is not a unit stays in the
/// task text and becomes a problem.
fn parse_unit_content(content: &str, line_starts: &[usize], rules: &mut UnitRules) -> UnitParse {
    let mut out = UnitParse::default();
    let labels = find_labels(content, line_starts);
    let total = char_len(content);

    // Segments: the text before the first label (unlabelled), then one per label.
    let mut segments: Vec<(usize, usize, Option<Role>)> = Vec::new();
    let first_label = labels.first().map_or(total, |l| l.0);
    if first_label > 0 {
        segments.push((0, first_label, None));
    }
    for (k, &(_, end, role)) in labels.iter().enumerate() {
        let stop = labels.get(k + 1).map_or(total, |l| l.0);
        segments.push((end, stop, Some(role)));
    }
    let chars: Vec<char> = content.chars().collect();
    let text_of = |a: usize, b: usize| chars[a.min(b)..b].iter().collect::<String>();

    // Clauses of every segment, and the notes among them.
    let mut clauses: Vec<(usize, String, Option<Role>)> = Vec::new();
    let mut first_is_lead = rules.first_is_lead;
    for &(a, b, role) in &segments {
        let seg = text_of(a, b);
        if role.is_some() && seg.trim_matches(|c: char| c.is_whitespace() || "，,；;、。".contains(c)).is_empty() {
            out.problems.push((a, "单位标签之后没有单位名称".into()));
            continue;
        }
        for (o, clause) in split_at_depth0(&seg, "，,；;") {
            if clause.trim().trim_end_matches('。').trim().is_empty() {
                continue;
            }
            if is_first_is_lead_note(&clause) {
                first_is_lead = true;
            } else if is_same_below_note(&clause) {
                rules.first_is_lead = true;
            } else {
                clauses.push((a + o, clause, role));
            }
        }
    }
    if content.contains("下同") && first_is_lead {
        rules.first_is_lead = true;
    }

    // Units with their roles, in order of appearance.
    let mut entries: Vec<(Role, usize, String)> = Vec::new();
    let mut ordered_seen = false;
    for (offset, clause, seg_role) in &clauses {
        let (role, list, list_offset) = match clause_role(clause) {
            Some((role, list)) => (Some(role), list, *offset + char_len(clause) - char_len(clause.trim_start())),
            None => (*seg_role, clause.clone(), *offset),
        };
        let list = list.strip_prefix('由').map(str::to_string).unwrap_or(list);
        let role = match role {
            Some(r) => r,
            None if first_is_lead => {
                for (o, item) in list_items(list_offset, &list) {
                    let r = if ordered_seen { Role::Join } else { Role::Lead };
                    ordered_seen = true;
                    entries.push((r, o, item));
                }
                continue;
            }
            None => {
                out.problems.push((
                    *offset,
                    format!(
                        "单位说明中的“{}”读不出单位和分工（牵头、配合或负责），未列入单位，原文保留",
                        preview(clause.trim())
                    ),
                ));
                continue;
            }
        };
        let items = list_items(list_offset, &list);
        if items.iter().all(|(_, i)| clean_unit(i).is_empty()) {
            out.problems.push((*offset, format!("“{}”写明了分工但没有单位名称", preview(clause.trim()))));
            continue;
        }
        for (o, item) in items {
            entries.push((role, o, item));
        }
    }

    // 责任单位 beside a 牵头单位 label participates; 按职责分工负责 beside a lead participates.
    let lead_label = labels.iter().any(|l| l.2 == Role::Lead);
    let resolve = |r: Role| match r {
        Role::Responsible if lead_label => Role::Join,
        Role::Responsible => Role::Lead,
        r => r,
    };
    let has_lead = entries.iter().any(|(r, _, _)| resolve(*r) == Role::Lead);
    for (role, offset, item) in entries {
        let name = clean_unit(&item);
        if name.is_empty() {
            continue;
        }
        if let Some(why) = implausible_unit(&name) {
            out.problems.push((offset, format!("“{}”不像单位名称（{why}），未列入单位，原文保留", preview(&name))));
            continue;
        }
        let lead = match resolve(role) {
            Role::Lead => true,
            Role::Share => !has_lead,
            _ => false,
        };
        let list = if lead { &mut out.lead } else { &mut out.participating };
        if !list.contains(&name) {
            list.push(name);
        }
    }
    if labels.is_empty() && out.lead.is_empty() && out.participating.is_empty() && out.problems.is_empty() {
        out.problems.push((0, format!("单位括号“{}”中没有可识别的单位标签", preview(content))));
    }
    out
}

/// Parenthesised groups of `c`, round `（…）` and square `[…]`/`【…】` kept apart; an unclosed
/// group runs to the end.
fn bracket_groups(c: &[char]) -> Vec<UnitSpan> {
    let mut stack: Vec<(usize, bool)> = Vec::new();
    let mut groups: Vec<UnitSpan> = Vec::new();
    for (i, ch) in c.iter().enumerate() {
        let (open, round) = match ch {
            '（' | '(' => (true, true),
            '［' | '[' | '【' => (true, false),
            '）' | ')' => (false, true),
            '］' | ']' | '】' => (false, false),
            _ => continue,
        };
        if open {
            stack.push((i, round));
        } else if stack.last().is_some_and(|&(_, r)| r == round) {
            if let Some((start, _)) = stack.pop() {
                groups.push(UnitSpan { start, end: i + 1, content: start + 1..i, closed: true });
            }
        }
    }
    for &(open, _) in &stack {
        groups.push(UnitSpan { start: open, end: c.len(), content: open + 1..c.len(), closed: false });
    }
    groups
}

/// Whether an unlabelled group at the end of a task is a unit list: its first clause names a
/// role (`县发改局牵头`, `县教体局负责`, `…按职责分工负责`), it states the first-is-lead rule,
/// or that rule is in force and every item ends like a unit name.
fn is_unit_list(content: &str, rules: &UnitRules) -> bool {
    let clauses = split_at_depth0(content, "，,；;");
    if clauses.iter().any(|(_, c)| is_first_is_lead_note(c)) {
        return true;
    }
    let first = clauses.first().map(|(_, c)| c.as_str()).unwrap_or("");
    if let Some((_, list)) = clause_role(first) {
        let items = list_items(0, &list);
        return items.iter().any(|(_, i)| !clean_unit(i).is_empty())
            && items.iter().all(|(_, i)| implausible_unit(&clean_unit(i)).is_none());
    }
    rules.first_is_lead
        && clauses.iter().all(|(_, c)| {
            let items = list_items(0, c);
            !items.is_empty() && items.iter().all(|(_, i)| ends_like_unit(&clean_unit(i)))
        })
}

/// The unit span of a task: the last bracketed group (at any depth, so `各镇（街道）` inside it
/// is fine) whose content opens with a unit label; else an unlabelled group at the very end that
/// reads as a unit list (`（县科技局牵头，…配合）`); else label lines after the last sentence
/// (`牵头单位：…` / `责任单位：…`, no brackets). `line_starts` are the char offsets at which
/// source lines start.
fn find_unit_span(c: &[char], line_starts: &[usize], rules: &UnitRules) -> Option<UnitSpan> {
    let groups = bracket_groups(c);
    let content_of = |g: &UnitSpan| c[g.content.clone()].iter().collect::<String>();
    let labelled = groups
        .iter()
        .filter(|g| LABEL_START_RE.is_match(&content_of(g)))
        .max_by_key(|g| (g.end, std::cmp::Reverse(g.start)));
    if let Some(g) = labelled {
        return Some(g.clone());
    }
    // Unlabelled form, only as the very last thing in the task.
    let tail_end = c.iter().rposition(|ch| !(ch.is_whitespace() || "。.；;".contains(*ch))).map_or(0, |p| p + 1);
    if let Some(g) = groups.iter().find(|g| g.closed && g.end == tail_end) {
        if is_unit_list(&content_of(g), rules) {
            return Some(g.clone());
        }
    }
    bare_label_span(c, line_starts)
}

/// `…。牵头单位：区发改局` / `责任单位：…` with no brackets, at the end of the task.
fn bare_label_span(c: &[char], line_starts: &[usize]) -> Option<UnitSpan> {
    let s: String = c.iter().collect();
    // Labels outside brackets, with a colon (a bare label without one is ordinary text).
    let mut depth_at = Vec::with_capacity(c.len());
    let mut depth = 0i32;
    for ch in c {
        depth_at.push(depth);
        depth = (depth + depth_delta(*ch)).max(0);
    }
    let labels: Vec<(usize, usize)> = find_labels(&s, line_starts)
        .into_iter()
        .filter(|&(a, b, _)| depth_at.get(a) == Some(&0) && matches!(c.get(b.saturating_sub(1)), Some('：' | ':')))
        .map(|(a, b, _)| (a, b))
        .collect();
    let last = labels.last()?;
    // Nothing but the unit list after the last label.
    let rest: String = c[last.1..].iter().collect();
    if rest.trim_end_matches(|ch: char| ch.is_whitespace() || "。.；;".contains(ch)).contains('。') {
        return None;
    }
    // Walk back over labels separated only by unit lists.
    let mut first = *last;
    for prev in labels.iter().rev().skip(1) {
        let between: String = c[prev.1..first.0].iter().collect();
        if between.trim_end_matches(|ch: char| ch.is_whitespace() || "。.；;，,".contains(ch)).contains('。') {
            break;
        }
        first = *prev;
    }
    let before = first.0.checked_sub(1).and_then(|i| c.get(i));
    let starts_clean =
        before.is_none_or(|b| b.is_whitespace() || "。；;".contains(*b)) || line_starts.contains(&first.0);
    starts_clean.then_some(UnitSpan { start: first.0, end: c.len(), content: first.0..c.len(), closed: true })
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn ascii_digit(c: char) -> char {
    if ('０'..='９').contains(&c) {
        char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or('0')
    } else {
        c
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum UnitClass {
    Count,
    Amount,
    Percent,
    Points,
    Times,
}

const COUNT_UNITS: &[&str] = &[
    "家次", "人次", "户次", "场次", "批次", "架次", "车次", "班次", "个", "家", "项", "人", "户", "场", "所", "座",
    "处", "台", "条", "件", "批", "名", "只", "头", "套", "辆", "张", "间", "次", "篇", "支", "栋", "幢", "株", "棵",
    "盏", "架", "艘", "种", "位", "轮", "宗", "例", "床",
];
const AMOUNT_UNITS: &[&str] = &[
    "元",
    "美元",
    "千瓦时",
    "兆瓦时",
    "千瓦",
    "兆瓦",
    "吉瓦",
    "亩",
    "公顷",
    "平方公里",
    "平方米",
    "立方米",
    "公里",
    "千米",
    "米",
    "吨标准煤",
    "吨",
    "公斤",
    "千克",
    "斤",
    "标箱",
];
const MULTIPLIERS: &[&str] = &["万亿", "千万", "百万", "十万", "万", "亿", "千", "百", ""];

/// Characters after a number that make it a date, an ordinal or a name, never a target.
const NOT_A_UNIT: &str = "年月日号时点分秒周天岁届代版级星强楼层线路期部后前";

fn starts_with_at(b: &[char], at: usize, s: &str) -> bool {
    (at..).zip(s.chars()).all(|(i, ch)| b.get(i) == Some(&ch))
}

/// Every unit a target may carry, longest first so `万千瓦` wins over `千瓦` and `家次` over `家`.
static UNITS: LazyLock<Vec<(Vec<char>, String, UnitClass)>> = LazyLock::new(|| {
    let mut units: Vec<(Vec<char>, String, UnitClass)> = vec![
        ("个百分点".chars().collect(), "个百分点".into(), UnitClass::Points),
        ("百分点".chars().collect(), "百分点".into(), UnitClass::Points),
        (vec!['%'], "%".into(), UnitClass::Percent),
        (vec!['％'], "%".into(), UnitClass::Percent),
        (vec!['倍'], "倍".into(), UnitClass::Times),
    ];
    for m in MULTIPLIERS {
        for (list, class) in [(COUNT_UNITS, UnitClass::Count), (AMOUNT_UNITS, UnitClass::Amount)] {
            for base in list.iter() {
                let unit = format!("{m}{base}");
                if !units.iter().any(|(_, u, _)| *u == unit) {
                    units.push((unit.chars().collect(), unit, class));
                }
            }
        }
    }
    // Stable sort: among equal lengths the percent forms listed first stay first.
    units.sort_by_key(|(c, _, _)| std::cmp::Reverse(c.len()));
    units
});

/// The unit at `k`: (unit text, class, end index).
fn match_unit(b: &[char], k: usize) -> Option<(String, UnitClass, usize)> {
    let rest = b.get(k..)?;
    UNITS
        .iter()
        .find(|(chars, _, _)| rest.starts_with(chars))
        .map(|(chars, unit, class)| (unit.clone(), *class, k + chars.len()))
}

fn skip_ws(b: &[char], mut k: usize) -> usize {
    while k < b.len() && b[k].is_whitespace() {
        k += 1;
    }
    k
}

/// A number at `i`: digits, `1,200`-style groups, one decimal part. Returns (value, end).
fn parse_number(b: &[char], i: usize) -> Option<(f64, usize)> {
    let mut s = String::new();
    let mut j = i;
    while j < b.len() && is_digit(b[j]) {
        s.push(ascii_digit(b[j]));
        j += 1;
    }
    while j + 3 < b.len()
        && b[j] == ','
        && b[j + 1..j + 4].iter().all(|c| c.is_ascii_digit())
        && !b.get(j + 4).is_some_and(|c| is_digit(*c))
    {
        s.extend(&b[j + 1..j + 4]);
        j += 4;
    }
    if j + 1 < b.len() && (b[j] == '.' || b[j] == '．') && is_digit(b[j + 1]) {
        s.push('.');
        j += 1;
        while j < b.len() && is_digit(b[j]) {
            s.push(ascii_digit(b[j]));
            j += 1;
        }
    }
    if s.is_empty() || s.len() > 15 {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some((v, j))
}

/// Positions inside “…”, 《…》, 〔…〕 and the like: names and document numbers, not targets
/// (“人才新政 35 条”, “八抓20项”).
fn quoted_mask(b: &[char]) -> Vec<bool> {
    const PAIRS: &[(char, char)] = &[
        ('“', '”'),
        ('《', '》'),
        ('‘', '’'),
        ('「', '」'),
        ('『', '』'),
        ('〔', '〕'),
        ('〈', '〉'),
        ('［', '］'),
        ('[', ']'),
        ('"', '"'),
    ];
    let mut mask = vec![false; b.len()];
    let mut i = 0;
    while i < b.len() {
        if let Some(&(_, close)) = PAIRS.iter().find(|(o, _)| *o == b[i]) {
            let limit = (i + 80).min(b.len());
            if let Some(j) = (i + 1..limit).find(|&j| b[j] == close) {
                mask[i..=j].iter_mut().for_each(|m| *m = true);
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    mask
}

/// One numeric match before its phrase is cut.
#[derive(Debug, Clone)]
struct RawMatch {
    num_start: usize,
    end: usize,
    /// A noun follows (`实施 15 个老旧小区改造`): the phrase runs on to the end of the clause.
    extend: bool,
    value: Option<f64>,
    value_max: Option<f64>,
    unit: String,
    class: Option<UnitClass>,
    after_cmp: Option<&'static str>,
    approx_more: bool,
    problem: Option<String>,
}

/// A target with where it was found and why it could not be parsed, if so.
#[derive(Debug, Clone)]
struct FoundTarget {
    target: RawTarget,
    offset: usize,
    problem: Option<String>,
}

const CLAUSE_DELIMS: &str = "，。；;！？!?：:,（(）)";
const TARGET_VERBS: &[&str] = &[
    "达到",
    "达",
    "增长",
    "下降",
    "降低",
    "减少",
    "控制在",
    "不少于",
    "不低于",
    "不超过",
    "超过",
    "突破",
    "新增",
    "完成",
    "实现",
    "提高到",
    "提升到",
    "保持在",
    "稳定在",
    "累计",
    "新建",
    "建成",
    "培育",
    "引进",
    "创建",
];

/// Whether the text between `lo` and `i` ends (before whitespace) with one of `words`.
fn prefix_ends_with(b: &[char], lo: usize, i: usize, words: &[&str]) -> bool {
    let prefix: String = b[lo..i].iter().collect();
    let prefix = prefix.trim_end();
    words.iter().any(|w| prefix.ends_with(w))
}

fn find_matches(b: &[char], mask: &[bool]) -> Vec<RawMatch> {
    let mut out: Vec<RawMatch> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is_digit(b[i]) || mask[i] {
            i += 1;
            continue;
        }
        let prev = if i > 0 { Some(b[i - 1]) } else { None };
        let Some((v, mut j)) = parse_number(b, i) else {
            while i < b.len() && (is_digit(b[i]) || b[i] == '.') {
                i += 1;
            }
            continue;
        };
        // Part of an identifier (VOCs2, v1.2), an ordinal (第3), or a document number.
        let glued_before = prev.is_some_and(|p| p.is_ascii_alphanumeric() || "._第-－—~～".contains(p));
        // 5G, 4K, 3D: a name, not a quantity.
        let glued_after = b.get(j).is_some_and(|c| c.is_ascii_alphabetic());
        if glued_before || glued_after {
            i = j.max(i + 1);
            while i < b.len() && (b[i].is_ascii_alphanumeric() || is_digit(b[i])) {
                i += 1;
            }
            continue;
        }
        let mut m = RawMatch {
            num_start: i,
            end: j,
            extend: false,
            value: Some(v),
            value_max: None,
            unit: String::new(),
            class: None,
            after_cmp: None,
            approx_more: false,
            problem: None,
        };
        // Range: 1-2 项, 1～2 项, 1至2项.
        let k = skip_ws(b, j);
        if k < b.len() && "-－—–~～至到".contains(b[k]) {
            let k2 = skip_ws(b, k + 1);
            if k2 < b.len() && is_digit(b[k2]) {
                if let Some((v2, j2)) = parse_number(b, k2) {
                    m.value_max = Some(v2);
                    j = j2;
                }
            }
        }
        let mut k = skip_ws(b, j);
        if k < b.len() && (b[k] == '多' || b[k] == '余') {
            m.approx_more = true;
            k += 1;
        }
        match match_unit(b, k) {
            Some((unit, class, k2)) => {
                m.unit = unit;
                m.class = Some(class);
                let k3 = skip_ws(b, k2);
                let mut end = k2;
                for (w, cmp) in [
                    ("及以上", "at_least"),
                    ("以上", "at_least"),
                    ("及以下", "at_most"),
                    ("以下", "at_most"),
                    ("以内", "at_most"),
                    ("之内", "at_most"),
                    ("左右", "about"),
                    ("上下", "about"),
                ] {
                    if starts_with_at(b, k3, w) {
                        m.after_cmp = Some(cmp);
                        end = k3 + w.chars().count();
                        break;
                    }
                }
                m.end = end;
                let follow = b.get(end).copied();
                let noun_follows = follow.is_some_and(|c| is_cjk_ideograph(c) || "“《‘".contains(c));
                if noun_follows {
                    let keep = match class {
                        UnitClass::Count => true,
                        UnitClass::Percent => follow == Some('的'),
                        _ => false,
                    };
                    if !keep {
                        // `投资 500 万元以上技术改造项目`, `30万千瓦以下煤电机组`: a qualifier.
                        i = end;
                        continue;
                    }
                    m.extend = true;
                }
                i = end;
                out.push(m);
            }
            None => {
                i = j.max(i + 1);
                if b.get(k).is_some_and(|c| NOT_A_UNIT.contains(*c)) || b.get(k).is_none() {
                    continue;
                }
                // Target-like: an unknown unit then 以上/以下/以内/左右, or a target verb before.
                let mut unit_end = k;
                while unit_end < b.len() && unit_end - k < 3 && is_cjk_ideograph(b[unit_end]) {
                    let rest_cmp = ["以上", "以下", "以内", "左右"].iter().any(|w| starts_with_at(b, unit_end, w));
                    if rest_cmp {
                        break;
                    }
                    unit_end += 1;
                }
                let cmp = [("以上", "at_least"), ("以下", "at_most"), ("以内", "at_most"), ("左右", "about")]
                    .iter()
                    .find(|(w, _)| starts_with_at(b, unit_end, w))
                    .map(|(w, c)| (*c, unit_end + w.chars().count()));
                let lo = out.last().map_or(0, |p| p.end);
                let verb = prefix_ends_with(b, lo.min(m.num_start), m.num_start, TARGET_VERBS);
                if let Some((c, end)) = cmp.filter(|_| unit_end > k) {
                    m.unit = b[k..unit_end].iter().collect();
                    m.after_cmp = Some(c);
                    m.end = end;
                    m.problem = Some(format!("计量单位“{}”无法识别", m.unit));
                } else if verb {
                    // Keep whatever unit-like words follow in the phrase (`45 微克/立方米`).
                    m.end = j;
                    m.extend = true;
                    m.problem = Some("没有可识别的计量单位".into());
                } else {
                    continue;
                }
                m.value = None;
                m.value_max = None;
                i = m.end.max(i);
                out.push(m);
            }
        }
    }
    out
}

fn last_keyword(prefix: &str, words: &[&str]) -> Option<(usize, usize)> {
    words.iter().filter_map(|w| prefix.rfind(w).map(|p| (p + w.len(), w.len()))).max()
}

/// Kind of a percent-like target from the closest keyword before the number.
fn percent_kind(prefix: &str) -> Option<&'static str> {
    const LEVEL: &[&str] = &[
        "达到",
        "达",
        "比重",
        "占比",
        "比例",
        "率",
        "保持在",
        "稳定在",
        "不低于",
        "不少于",
        "超过",
        "高于",
        "覆盖",
        "提高到",
        "提升到",
        "提高至",
        "提升至",
        "增加到",
        "增长到",
        "上升到",
        "上升至",
    ];
    const GROWTH: &[&str] = &["增长", "增速", "提高", "提升", "增加", "上升", "增幅"];
    const REDUCTION: &[&str] = &["下降", "降低", "减少", "压减", "削减", "降幅"];
    const CEILING: &[&str] = &["控制在", "不超过", "不高于", "降至", "降到", "下降到", "下降至", "降低到", "降低至"];
    [("level", LEVEL), ("growth", GROWTH), ("reduction", REDUCTION), ("ceiling", CEILING)]
        .into_iter()
        .filter_map(|(kind, words)| last_keyword(prefix, words).map(|k| (k, kind)))
        .max_by_key(|(k, _)| *k)
        .map(|(_, kind)| kind)
}

fn extract_targets(b: &[char]) -> Vec<FoundTarget> {
    let mask = quoted_mask(b);
    let matches = find_matches(b, &mask);
    let mut out = Vec::new();
    let mut lower = 0usize; // where the previous phrase ended
    for (idx, m) in matches.iter().enumerate() {
        let i = m.num_start;
        let lower_here = lower.min(i);
        // Clause start: after the last delimiter, or after the previous target.
        let mut start = i;
        while start > lower_here && !CLAUSE_DELIMS.contains(b[start - 1]) {
            start -= 1;
        }
        let keyword_start = start;
        // `新型研发机构等市级创新平台 5 家以上`: the subject is what follows the enumeration.
        if let Some(p) = (start..i).rev().find(|&p| b[p] == '等' && !mask[p]) {
            let tail = b[p + 1..i].iter().filter(|c| !c.is_whitespace()).count();
            if tail >= 4 {
                start = p + 1;
            }
        }
        while start < i && (b[start].is_whitespace() || "、，,".contains(b[start])) {
            start += 1;
        }
        let mut end = m.end;
        if m.extend {
            let next = matches.get(idx + 1).map_or(b.len(), |n| n.num_start);
            while end < b.len() && end < next && !CLAUSE_DELIMS.contains(b[end]) {
                end += 1;
            }
            while end > m.end && (b[end - 1].is_whitespace() || b[end - 1] == '、') {
                end -= 1;
            }
        }
        lower = end;
        let phrase: String = b[start..end].iter().collect::<String>().trim().to_string();
        let prefix: String = b[keyword_start..i].iter().collect();
        // Comparison words just before the number (`不低于县域内 20%`).
        let near: String = {
            let chars: Vec<char> = prefix.chars().filter(|c| !c.is_whitespace()).collect();
            chars[chars.len().saturating_sub(6)..].iter().collect()
        };
        let before_cmp =
            if ["不少于", "不低于", "超过", "至少", "突破", "高于", "多于", "大于"].iter().any(|w| near.contains(w))
            {
                Some("at_least")
            } else if ["不超过", "不高于", "低于", "少于", "小于", "控制在"].iter().any(|w| near.contains(w))
            {
                Some("at_most")
            } else if near.ends_with('约') || near.ends_with("大约") {
                Some("about")
            } else {
                None
            };
        let comparison = if m.value_max.is_some() {
            "range"
        } else {
            m.after_cmp.or(before_cmp).or(m.approx_more.then_some("at_least")).unwrap_or("exactly")
        };
        let mut problem = m.problem.clone();
        let kind: &str = match m.class {
            None => "text",
            Some(UnitClass::Count) | Some(UnitClass::Amount) => {
                let base = if m.class == Some(UnitClass::Count) { "count" } else { "amount" };
                let trimmed = prefix.trim_end();
                if trimmed.ends_with("控制在") {
                    "ceiling"
                } else if ["下降", "降低", "减少", "压减", "削减"].iter().any(|w| trimmed.ends_with(w)) {
                    "reduction"
                } else {
                    base
                }
            }
            Some(_) => match percent_kind(&prefix) {
                Some(k) => k,
                None => {
                    problem = Some("看不出是增长、下降还是达到的比例".into());
                    "text"
                }
            },
        };
        let (value, value_max) = if kind == "text" { (None, None) } else { (m.value, m.value_max) };
        let comparison = if kind == "ceiling" && comparison == "exactly" { "at_most" } else { comparison };
        out.push(FoundTarget {
            target: RawTarget {
                text: phrase,
                kind: kind.to_string(),
                value,
                value_max,
                unit: m.unit.clone(),
                comparison: comparison.to_string(),
                baseline: None,
            },
            offset: i,
            problem,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Register
// ---------------------------------------------------------------------------------------------

fn build_register(
    plan: &RawPlan,
    task_lines: &HashMap<u32, usize>,
    warnings: &mut Vec<ImportWarning>,
) -> Vec<UnitEntry> {
    let mut units: Vec<UnitEntry> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut first_task: Vec<u32> = Vec::new();
    for task in plan.sections.iter().flat_map(|s| &s.tasks) {
        for (names, is_lead) in [(&task.lead_units, true), (&task.participating_units, false)] {
            for name in names {
                let i = *index.entry(name.clone()).or_insert_with(|| {
                    units.push(UnitEntry { name: name.clone(), ..Default::default() });
                    first_task.push(task.number);
                    units.len() - 1
                });
                let list = if is_lead { &mut units[i].leads } else { &mut units[i].joins };
                if list.last() != Some(&task.number) {
                    list.push(task.number);
                }
            }
        }
    }
    // Near-duplicates such as 县教育体育局 / 县教育和体育局 are usually one unit written two ways.
    for a in 0..units.len() {
        for b in a + 1..units.len() {
            let (x, y) = (&units[a].name, &units[b].name);
            // Collective names (各有关部门 / 市级各有关部门) differ by scope, not by spelling.
            let collective = |n: &str| n.starts_with('各') || n.contains("有关") || n.contains("相关");
            if near_duplicate(x, y) && !collective(x) && !collective(y) {
                let task = first_task.get(b).copied();
                warnings.push(ImportWarning {
                    line: task.and_then(|t| task_lines.get(&t).copied()).unwrap_or(1),
                    task,
                    message: format!("单位名称“{x}”与“{y}”相近，请核对是否为同一单位"),
                });
            }
        }
    }
    units
}

/// One name is the other with one or two characters inserted (县发展改革局 / 县发展和改革局).
fn near_duplicate(x: &str, y: &str) -> bool {
    let (short, long): (Vec<char>, Vec<char>) = if x.chars().count() <= y.chars().count() {
        (x.chars().collect(), y.chars().collect())
    } else {
        (y.chars().collect(), x.chars().collect())
    };
    let diff = long.len() - short.len();
    if short.len() < 4 || diff == 0 || diff > 2 {
        return false;
    }
    // Subsequence test.
    let mut it = long.iter();
    short.iter().all(|c| it.any(|d| d == c))
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// `ducha plan import --json` ([`to_json`]): every plan field present (absent ones as `null`, `cc`
/// even when empty), in `RawPlan` order, then the register and the warnings.
#[derive(Serialize)]
struct PlanJson<'a> {
    title: &'a str,
    doc_number: &'a Option<String>,
    issuer: &'a Option<String>,
    notice_title: &'a Option<String>,
    date: &'a Option<String>,
    recipients: &'a Option<String>,
    year: Option<i32>,
    preamble: &'a Option<String>,
    cc: &'a [String],
    sections: Vec<SectionJson<'a>>,
    units: &'a [UnitEntry],
    warnings: &'a [ImportWarning],
}

#[derive(Serialize)]
struct SectionJson<'a> {
    number: u32,
    title: &'a str,
    tasks: Vec<TaskJson<'a>>,
}

/// A task as `RawTask`, plus the number of its section.
#[derive(Serialize)]
struct TaskJson<'a> {
    number: u32,
    section: u32,
    title: &'a str,
    text: &'a str,
    lead_units: &'a [String],
    participating_units: &'a [String],
    targets: Vec<TargetJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    milestones: Option<&'a BTreeMap<String, String>>,
}

/// A target as `RawTarget`, `value_max` present even when absent, numbers integral when whole.
#[derive(Serialize)]
struct TargetJson<'a> {
    text: &'a str,
    kind: &'a str,
    #[serde(serialize_with = "integral")]
    value: Option<f64>,
    #[serde(serialize_with = "integral")]
    value_max: Option<f64>,
    unit: &'a str,
    comparison: &'a str,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "integral")]
    baseline: Option<f64>,
}

impl<'a> From<&'a RawTarget> for TargetJson<'a> {
    fn from(g: &'a RawTarget) -> Self {
        TargetJson {
            text: &g.text,
            kind: &g.kind,
            value: g.value,
            value_max: g.value_max,
            unit: &g.unit,
            comparison: &g.comparison,
            baseline: g.baseline,
        }
    }
}

/// A whole number as an integer (`5`, not `5.0`), anything else as it is.
fn integral<S: serde::Serializer>(v: &Option<f64>, ser: S) -> Result<S::Ok, S::Error> {
    match v {
        None => ser.serialize_none(),
        Some(x) => match numerals::whole(*x) {
            Some(i) => ser.serialize_i64(i),
            None => ser.serialize_f64(*x),
        },
    }
}

/// The plan, the register and the warnings as JSON with a stable shape (`--json`): plan fields in
/// `RawPlan` order (absent ones as `null`), each task also carrying its `section` number, integral
/// values printed without a fraction.
pub fn to_json(result: &ImportResult) -> Value {
    let p = &result.plan;
    let sections = p
        .sections
        .iter()
        .map(|s| SectionJson {
            number: s.number,
            title: &s.title,
            tasks: s
                .tasks
                .iter()
                .map(|t| TaskJson {
                    number: t.number,
                    section: s.number,
                    title: &t.title,
                    text: &t.text,
                    lead_units: &t.lead_units,
                    participating_units: &t.participating_units,
                    targets: t.targets.iter().map(TargetJson::from).collect(),
                    milestones: t.milestones.as_ref(),
                })
                .collect(),
        })
        .collect();
    json!(PlanJson {
        title: &p.title,
        doc_number: &p.doc_number,
        issuer: &p.issuer,
        notice_title: &p.notice_title,
        date: &p.date,
        recipients: &p.recipients,
        year: p.year,
        preamble: &p.preamble,
        cc: &p.cc,
        sections,
        units: &result.units,
        warnings: &result.warnings,
    })
}

fn integral_numbers(v: &mut serde_yaml::Value) {
    match v {
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_f64().filter(|_| n.is_f64()).and_then(numerals::whole) {
                *v = serde_yaml::Value::Number(i.into());
            }
        }
        serde_yaml::Value::Sequence(s) => s.iter_mut().for_each(integral_numbers),
        serde_yaml::Value::Mapping(m) => m.iter_mut().for_each(|(_, v)| integral_numbers(v)),
        serde_yaml::Value::Tagged(t) => integral_numbers(&mut t.value),
        _ => {}
    }
}

fn comment_safe(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// `plan.yaml` text: a header comment, the plan in `RawPlan` field order (Chinese unescaped,
/// `value: 15` not `15.0`), then the unit register and the import warnings as comments.
/// `serde_yaml::from_str::<RawPlan>(&to_yaml(r))` gives back `r.plan`.
pub fn to_yaml(result: &ImportResult) -> String {
    let mut out = String::new();
    out.push_str("# 由 ducha plan import 生成，可手工编辑。\n");
    out.push_str("# milestones（季度形象进度）与 baseline（基数）为手工补充字段；重新导入会覆盖本文件。\n");
    // Going through a Value lets integral floats print as integers without touching strings;
    // the mapping keeps the struct's field order.
    let body = serde_yaml::to_value(&result.plan).map(|mut v| {
        integral_numbers(&mut v);
        serde_yaml::to_string(&v)
    });
    match body {
        Ok(Ok(s)) => out.push_str(&s),
        Ok(Err(e)) | Err(e) => out.push_str(&format!("# 序列化失败：{}\n", comment_safe(&e.to_string()))),
    }
    if !result.units.is_empty() {
        out.push('\n');
        out.push_str(&format!(
            "# 单位名册（共 {} 个单位；牵头 = 牵头/责任单位，参与 = 参与/配合/协办单位）\n",
            result.units.len()
        ));
        let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join("、");
        for u in &result.units {
            let mut line = format!("# {}：", comment_safe(&u.name));
            if !u.leads.is_empty() {
                line.push_str(&format!("牵头 {}", list(&u.leads)));
            }
            if !u.joins.is_empty() {
                if !u.leads.is_empty() {
                    line.push('；');
                }
                line.push_str(&format!("参与 {}", list(&u.joins)));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    if !result.warnings.is_empty() {
        out.push('\n');
        out.push_str(&format!("# 导入提示（共 {} 条，请核对）\n", result.warnings.len()));
        for w in &result.warnings {
            out.push_str(&format!("# 第 {} 行：{}\n", w.line, comment_safe(&w.message)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(s: &str) -> Vec<RawTarget> {
        let b: Vec<char> = s.chars().collect();
        extract_targets(&b).into_iter().map(|f| f.target).collect()
    }

    /// (phrase, kind, value, value_max, unit, comparison) of the only target in `s`.
    fn one(s: &str) -> (String, String, Option<f64>, Option<f64>, String, String) {
        let t = targets(s);
        assert_eq!(t.len(), 1, "{s}: {t:#?}");
        let t = &t[0];
        (t.text.clone(), t.kind.clone(), t.value, t.value_max, t.unit.clone(), t.comparison.clone())
    }

    fn tuple(
        text: &str,
        kind: &str,
        value: Option<f64>,
        max: Option<f64>,
        unit: &str,
        cmp: &str,
    ) -> (String, String, Option<f64>, Option<f64>, String, String) {
        (text.into(), kind.into(), value, max, unit.into(), cmp.into())
    }

    #[test]
    fn dates_in_arabic_and_chinese_numerals() {
        assert_eq!(parse_date_prefix("2023 年 6 月 12 日").map(|d| d.0), Some("2023-06-12".into()));
        assert_eq!(parse_date_prefix("二〇二三年六月十二日").map(|d| d.0), Some("2023-06-12".into()));
        assert_eq!(parse_date_prefix("2023年12月31日印发").map(|d| d.0), Some("2023-12-31".into()));
        assert!(parse_date_prefix("2023年13月1日").is_none());
        assert!(is_date_line("2023 年 6 月 12 日"));
        assert!(!is_date_line("2023 年 6 月底前完成"));
        assert!(is_printed_line("莘县人民政府办公室 2023年6月12日印发"));
    }

    #[test]
    fn task_numbers_in_every_style() {
        assert_eq!(task_start("1. 加强实验室布局提升。"), Some((1, "加强实验室布局提升。".into())));
        assert_eq!(task_start("12．加强"), Some((12, "加强".into())));
        assert_eq!(task_start("3、加强"), Some((3, "加强".into())));
        assert_eq!(task_start("2.加强"), Some((2, "加强".into())));
        assert_eq!(task_start("１０．加强"), Some((10, "加强".into())));
        assert_eq!(task_start("10.5 公里。"), None);
        assert_eq!(task_start("1. 5G 网络建设"), Some((1, "5G 网络建设".into())));
        assert_eq!(task_start("0. x"), None);
        assert_eq!(task_start("加强 1. x"), None);
    }

    #[test]
    fn section_headings_and_non_headings() {
        assert_eq!(section_heading("十一、切实抓好组织实施"), Some((11, "切实抓好组织实施".into())));
        assert_eq!(section_heading("一、深入实施创新驱动发展战略"), Some((1, "深入实施创新驱动发展战略".into())));
        assert_eq!(section_heading("二十三、其他"), Some((23, "其他".into())));
        assert_eq!(section_heading("一、二、三产业融合发展。"), None);
        assert_eq!(section_heading("一、"), None);
    }

    #[test]
    fn joins_cjk_without_space_and_ascii_words_with_one() {
        let j = join_segments([(1, "以省重点实验室重组为契机，布局"), (3, "建设市级重点实验室")]);
        assert_eq!(j.text, "以省重点实验室重组为契机，布局建设市级重点实验室");
        let j = join_segments([(1, "推进企业开展"), (3, "DCMM 评估认证")]);
        assert_eq!(j.text, "推进企业开展DCMM 评估认证");
        let j = join_segments([(1, "支持 5G"), (2, "RedCap 应用")]);
        assert_eq!(j.text, "支持 5G RedCap 应用");
        assert_eq!(j.line_at(0), 1);
        assert_eq!(j.line_at(8), 2);
    }

    #[test]
    fn titles_lose_line_break_spaces_between_chinese_only() {
        assert_eq!(
            squeeze_title("莘县深化新旧动能转换推动绿色低碳 高质量发展 2023 年重点工作任务"),
            "莘县深化新旧动能转换推动绿色低碳高质量发展 2023 年重点工作任务"
        );
        assert_eq!(squeeze_title("  a  b "), "a b");
    }

    /// (lead, participating, problems) of a unit content.
    fn units(content: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
        let u = parse_unit_content(content, &[], &mut UnitRules::default());
        (u.lead, u.participating, u.problems.into_iter().map(|p| p.1).collect())
    }

    fn span(s: &str) -> Option<UnitSpan> {
        let c: Vec<char> = s.chars().collect();
        find_unit_span(&c, &[0], &UnitRules::default())
    }

    #[test]
    fn unit_content_labels_and_separators() {
        let (l, p, w) = units("牵头单位：县科技局、县财政局，参与单位：县地方金融监管局");
        assert_eq!((l, p), (vec!["县科技局".to_string(), "县财政局".into()], vec!["县地方金融监管局".to_string()]));
        assert!(w.is_empty());
        let (l, p, _) = units("责任单位:县科技局,配合单位:县财政局,县税务局等部门");
        assert_eq!((l, p), (vec!["县科技局".to_string()], vec!["县财政局".to_string(), "县税务局".into()]));
        let (l, p, _) = units("牵头单位：县民政局、各镇（街道）；协办单位：县财政局等");
        assert_eq!((l, p), (vec!["县民政局".to_string(), "各镇（街道）".into()], vec!["县财政局".to_string()]));
        let (l, p, _) = units("县应急管理局牵头，县财政局、县发展改革局配合");
        assert_eq!((l, p), (vec!["县应急管理局".to_string()], vec!["县财政局".to_string(), "县发展改革局".into()]));
        let (l, _, w) = units("牵头单位：");
        assert!(l.is_empty() && !w.is_empty());
    }

    #[test]
    fn unit_roles_after_the_name_and_shared_out_work() {
        // 责任单位 beside 牵头单位 participates; alone it leads.
        let (l, p, w) = units("牵头单位：县政府园区发展服务中心；责任单位：新材料产业园、食品产业园等");
        assert_eq!(
            (l, p),
            (vec!["县政府园区发展服务中心".to_string()], vec!["新材料产业园".to_string(), "食品产业园".into()])
        );
        assert!(w.is_empty(), "{w:?}");
        // A share-out clause participates beside a lead and leads alone.
        let (l, p, _) = units("县发改局牵头，各有关部门按职责分工负责");
        assert_eq!((l, p), (vec!["县发改局".to_string()], vec!["各有关部门".to_string()]));
        let (l, p, _) = units("县财政局、县税务局等单位按职责分工负责");
        assert_eq!((l, p), (vec!["县财政局".to_string(), "县税务局".into()], vec![]));
        let (l, p, _) = units("县商务局牵头，各乡镇（街道）按职责抓好落实");
        assert_eq!((l, p), (vec!["县商务局".to_string()], vec!["各乡镇（街道）".to_string()]));
        // `A及B` after a name that ends like a unit; `发展和改革局` stays whole.
        let (l, p, _) = units("县发展和改革局牵头，县级各有关部门及各镇政府按职责分工负责");
        assert_eq!((l, p), (vec!["县发展和改革局".to_string()], vec!["县级各有关部门".to_string(), "各镇政府".into()]));
        // A clause that names no role is a problem, not a unit.
        let (l, p, w) = units("国务院各部门分别负责，年内持续推进");
        assert_eq!((l, p), (vec!["国务院各部门".to_string()], vec![]));
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("年内持续推进"), "{w:?}");
        // 牵头责任单位 / 协同责任单位 (the words a notice uses for the two roles), 由…牵头负责.
        let (l, p, w) = units("牵头责任单位：县教育局；协同责任单位：县财政局、县人社局");
        assert_eq!((l, p), (vec!["县教育局".to_string()], vec!["县财政局".to_string(), "县人社局".into()]));
        assert!(w.is_empty(), "{w:?}");
        let (l, p, _) = units("由县卫健局牵头负责，县医保局配合");
        assert_eq!((l, p), (vec!["县卫健局".to_string()], vec!["县医保局".to_string()]));
        // A deadline inside a labelled list is not a unit.
        let (l, _, w) = units("牵头单位：县发改局，2023年底前完成");
        assert_eq!(l, ["县发改局"]);
        assert!(w[0].contains("2023年底前完成"), "{w:?}");
    }

    #[test]
    fn first_listed_unit_leads_when_the_note_says_so() {
        let mut rules = UnitRules::default();
        let u =
            parse_unit_content("市教育局，市委农办，各县<市、区>人民政府，排名第一位为牵头单位，下同", &[], &mut rules);
        assert_eq!(u.lead, ["市教育局"]);
        assert_eq!(u.participating, ["市委农办", "各县<市、区>人民政府"]);
        assert!(rules.first_is_lead);
        let c: Vec<char> = "建立联席会议制度。（市教育局，市财政局）".chars().collect();
        assert!(find_unit_span(&c, &[0], &rules).is_some());
        assert!(find_unit_span(&c, &[0], &UnitRules::default()).is_none());
        let u = parse_unit_content("市教育局，市财政局", &[], &mut rules);
        assert_eq!((u.lead, u.participating), (vec!["市教育局".to_string()], vec!["市财政局".to_string()]));
    }

    #[test]
    fn unit_span_is_the_labelled_parenthesis_not_any_parenthesis() {
        assert!(span("各镇（街道）发挥主体作用。").is_none());
        assert!(span("深化改革（含“一网通办”）。").is_none());
        let s = "落实《意见》（国发〔2022〕18号）要求（牵头单位：县民政局、各镇（街道））。";
        let c: Vec<char> = s.chars().collect();
        let g = span(s).unwrap();
        let content: String = c[g.content.clone()].iter().collect();
        assert_eq!(content, "牵头单位：县民政局、各镇（街道）");
        assert_eq!(c[g.end..].iter().collect::<String>(), "。");
        let s = "提高低保标准。牵头单位：县民政局";
        let c: Vec<char> = s.chars().collect();
        assert_eq!(c[span(s).unwrap().content].iter().collect::<String>(), "牵头单位：县民政局");
        assert!(!span("建设储备库（牵头单位：县应急管理局").unwrap().closed);
        // Square brackets, for a list whose names carry parentheses.
        let s = "增长11%。[牵头单位：县发改局（粮食局）；责任单位：各镇人民政府]";
        let c: Vec<char> = s.chars().collect();
        assert_eq!(
            c[span(s).unwrap().content].iter().collect::<String>(),
            "牵头单位：县发改局（粮食局）；责任单位：各镇人民政府"
        );
        // Label lines glued by joining: the span starts at the first label.
        let s = "增长6.2%左右。牵头单位:区发改局责任单位:立山经济开发区";
        let c: Vec<char> = s.chars().collect();
        assert_eq!(c[span(s).unwrap().content].iter().collect::<String>(), "牵头单位:区发改局责任单位:立山经济开发区");
        // A label in the middle of the text, followed by more sentences, is not a unit span.
        assert!(span("明确牵头单位：县民政局。推进救助。").is_none());
    }

    #[test]
    fn targets_of_every_kind() {
        assert_eq!(
            one("新增省级以上创新平台 1 家以上。"),
            tuple("新增省级以上创新平台 1 家以上", "count", Some(1.0), None, "家", "at_least")
        );
        assert_eq!(
            one("开展知识产权重点企业帮扶行动，专利授权量增长 12% 以上。"),
            tuple("专利授权量增长 12% 以上", "growth", Some(12.0), None, "%", "at_least")
        );
        assert_eq!(
            one("实施县级水土流失综合治理工程，全县水土保持率达到 94.906%。"),
            tuple("全县水土保持率达到 94.906%", "level", Some(94.906), None, "%", "exactly")
        );
        assert_eq!(
            one("加快 5G 和千兆光网建设，力争新建成开通 5G 基站 300 个。"),
            tuple("力争新建成开通 5G 基站 300 个", "count", Some(300.0), None, "个", "exactly")
        );
        assert_eq!(
            one("实施科技攻关项目 1-2 项，"),
            tuple("实施科技攻关项目 1-2 项", "count", Some(1.0), Some(2.0), "项", "range")
        );
        assert_eq!(
            one("新增新能源装机容量10万千瓦。"),
            tuple("新增新能源装机容量10万千瓦", "amount", Some(10.0), None, "万千瓦", "exactly")
        );
        assert_eq!(
            one("单位 GDP 能耗下降 3%。"),
            tuple("单位 GDP 能耗下降 3%", "reduction", Some(3.0), None, "%", "exactly")
        );
        assert_eq!(
            one("城镇调查失业率控制在 5.5% 以内。"),
            tuple("城镇调查失业率控制在 5.5% 以内", "ceiling", Some(5.5), None, "%", "at_most")
        );
        assert_eq!(
            one("引黄用水总量控制在 3 亿立方米。"),
            tuple("引黄用水总量控制在 3 亿立方米", "ceiling", Some(3.0), None, "亿立方米", "at_most")
        );
        assert_eq!(
            one("新增就业 3000 人左右，"),
            tuple("新增就业 3000 人左右", "count", Some(3000.0), None, "人", "about")
        );
        assert_eq!(
            one("新增耕地不少于 2,000 亩。"),
            tuple("新增耕地不少于 2,000 亩", "amount", Some(2000.0), None, "亩", "at_least")
        );
        assert_eq!(
            one("城镇化率提高 1.5 个百分点。"),
            tuple("城镇化率提高 1.5 个百分点", "growth", Some(1.5), None, "个百分点", "exactly")
        );
        assert_eq!(
            one("确保改造不低于县域内 20%的农村公办幼儿园。"),
            tuple("确保改造不低于县域内 20%的农村公办幼儿园", "level", Some(20.0), None, "%", "at_least")
        );
        assert_eq!(
            one("布局建设技术创新中心、新型研发机构等市级创新平台 5 家以上。"),
            tuple("市级创新平台 5 家以上", "count", Some(5.0), None, "家", "at_least")
        );
    }

    #[test]
    fn several_targets_in_one_clause_split_at_the_enumeration() {
        let t = targets("引进省级以上人才 2 人、海外人才 8 人、高校毕业生 2400 人。");
        let texts: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["引进省级以上人才 2 人", "海外人才 8 人", "高校毕业生 2400 人"]);
        assert!(t.iter().all(|t| t.kind == "count" && t.comparison == "exactly"));
    }

    #[test]
    fn numbers_that_are_not_targets() {
        for s in [
            "推行“人才新政 35 条”，注重团队引才。",
            "制定 2023 年度工作要点。",
            "2023 年 6 月底前完成。",
            "为深入贯彻党的二十大精神。",
            "落实《意见》（国发〔2022〕18号）。",
            "加快 5G 和千兆光网建设。",
            "落实安全生产“八抓20项”创新举措。",
            "有序推进30万千瓦以下煤电机组关停并转工作。",
            "实施焦村沟等 200-3000 平方公里中小河流治理。",
            "推动一批世界 500 强、央企落户。",
            "加快郑济高铁莘县牵引站220千伏送出工程建设。",
            "完成《规划(2021-2035年)》编制。",
            "第 3 届博览会。",
            "实施 VOCs2 协同减排。",
        ] {
            assert!(targets(s).is_empty(), "{s}: {:#?}", targets(s));
        }
    }

    #[test]
    fn target_like_phrases_that_cannot_be_parsed_are_kept_as_text() {
        let t = one("引进项目资金 3 亿美金以上。");
        assert_eq!(t, tuple("引进项目资金 3 亿美金以上", "text", None, None, "亿美金", "at_least"));
        let t = one("PM2.5 平均浓度控制在 45 微克/立方米。");
        assert_eq!(t.0, "PM2.5 平均浓度控制在 45 微克/立方米");
        assert_eq!((t.1.as_str(), t.2), ("text", None));
        let t = one("重点项目投资比上年 8%。");
        assert_eq!((t.1.as_str(), t.2, t.4.as_str()), ("text", None, "%"));
    }

    #[test]
    fn short_title_is_the_first_sentence() {
        let c: Vec<char> = "大力发展绿色建筑。大力发展绿色建筑。推广二星级绿色建筑。".chars().collect();
        assert_eq!(short_title(&c), "大力发展绿色建筑");
        let c: Vec<char> = "省级试点通过验收;推进智慧社区".chars().collect();
        assert_eq!(short_title(&c), "省级试点通过验收");
        let c: Vec<char> = "积极谋划实施商业储能电站项目".chars().collect();
        assert_eq!(short_title(&c), "积极谋划实施商业储能电站项目");
    }

    #[test]
    fn near_duplicate_names_are_insertions_not_substitutions() {
        assert!(near_duplicate("县教育体育局", "县教育和体育局"));
        assert!(near_duplicate("县发展和改革局", "县发展改革局"));
        assert!(!near_duplicate("县财政局", "县民政局"));
        assert!(!near_duplicate("县科技局", "县科技局"));
    }

    #[test]
    fn a_whole_small_notice() {
        let text = "XX县人民政府办公室文件\n\nXX政办发〔2024〕1号\n\nXX县人民政府办公室\n关于印发XX县 2024 年重点工作任务的通知\n\n各镇人民政府：\n\n现印发给你们。\n\nXX县人民政府办公室\n\n2024 年 1 月 5 日\n\n（此件公开发布）\n\nXX县 2024 年重点工作任务\n\n为推动发展，制定如下任务。\n\n一、创新\n\n1. 建平台。新增平台 2 家。（牵头单位：县科技局）\n\n抄送：县委办公室。\n\nXX县人民政府办公室 2024年1月5日印发\n";
        let r = import_notice(text);
        let p = &r.plan;
        assert_eq!(p.title, "XX县 2024 年重点工作任务");
        assert_eq!(p.doc_number.as_deref(), Some("XX政办发〔2024〕1号"));
        assert_eq!(p.issuer.as_deref(), Some("XX县人民政府办公室"));
        assert_eq!(p.notice_title.as_deref(), Some("XX县人民政府办公室关于印发XX县 2024 年重点工作任务的通知"));
        assert_eq!(p.recipients.as_deref(), Some("各镇人民政府"));
        assert_eq!(p.date.as_deref(), Some("2024-01-05"));
        assert_eq!(p.year, Some(2024));
        assert_eq!(p.preamble.as_deref(), Some("为推动发展，制定如下任务。"));
        assert_eq!(p.cc, ["县委办公室"]);
        assert_eq!(p.sections.len(), 1);
        assert_eq!(p.sections[0].tasks[0].lead_units, ["县科技局"]);
        assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
        assert_eq!(r.units, [UnitEntry { name: "县科技局".into(), leads: vec![1], joins: vec![] }]);
    }

    #[test]
    fn a_plan_without_notice_keeps_a_preamble_ending_in_a_colon() {
        let text = "XX县 2024 年重点工作任务\n\n为推动高质量发展，现提出如下任务：\n\n一、创新\n\n1. 建平台。（牵头单位：县科技局）\n";
        let r = import_notice(text);
        assert_eq!(r.plan.title, "XX县 2024 年重点工作任务");
        assert_eq!(r.plan.recipients, None);
        assert_eq!(r.plan.notice_title, None);
        assert_eq!(r.plan.preamble.as_deref(), Some("为推动高质量发展，现提出如下任务："));
        assert_eq!(r.plan.sections[0].tasks.len(), 1);
    }

    #[test]
    fn a_note_after_the_tasks_is_not_task_text() {
        let r = import_notice("一、创新\n\n1. 建平台。（牵头单位：县科技局）\n\n（此件公开发布）\n");
        assert_eq!(r.plan.sections[0].tasks[0].text, "建平台。（牵头单位：县科技局）");
    }

    #[test]
    fn empty_and_garbage_inputs_give_warnings_not_panics() {
        for text in
            ["", "\n\n", "\u{feff}", "1.", "一、", "（牵头单位：", "1. （", "1. 1-", "一、a\n1. 5 家以上（牵头单位：）"]
        {
            let r = import_notice(text);
            let _ = to_yaml(&r);
            let _ = to_json(&r);
        }
        assert!(!import_notice("").warnings.is_empty());
    }

    #[test]
    fn yaml_prints_integral_values_without_fraction_and_round_trips() {
        let mut r = import_notice("一、创新\n1. 建平台。新增平台 15 家，覆盖率达到 94.906%。（牵头单位：县科技局）\n");
        // Strings YAML would misread must come back as strings.
        r.plan.cc =
            ["yes", "15", "- x", "a: b", "#c", "", "null", "~", " lead", "2023-06-12", "'q'", "\"d\"", "多行\n文本"]
                .map(String::from)
                .to_vec();
        r.plan.sections[0].tasks[0].targets[0].baseline = Some(3.0);
        let y = to_yaml(&r);
        assert!(y.contains("value: 15\n"), "{y}");
        assert!(y.contains("value: 94.906\n"), "{y}");
        assert!(y.contains("baseline: 3\n"), "{y}");
        assert!(!y.contains("\\u"), "{y}");
        assert!(y.starts_with("# 由 ducha plan import 生成"));
        assert!(y.contains("# 县科技局：牵头 1\n"), "{y}");
        let back: RawPlan = serde_yaml::from_str(&y).unwrap();
        assert_eq!(back, r.plan);
    }

    #[test]
    fn json_prints_integral_values_as_integers() {
        let r = import_notice("一、创新\n1. 建平台。新增平台 15 家，覆盖率达到 94.906%。（牵头单位：县科技局）\n");
        let j = to_json(&r);
        let t = &j["sections"][0]["tasks"][0];
        assert_eq!(t["section"], 1);
        assert!(t["targets"][0]["value"].is_i64());
        assert_eq!(t["targets"][0]["value"], 15);
        assert_eq!(t["targets"][1]["value"], 94.906);
        assert!(t["targets"][0]["value_max"].is_null());
        let s = serde_json::to_string(&j).unwrap();
        assert!(s.contains("\"value\":15,"), "{s}");
    }
}
