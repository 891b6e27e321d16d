//! View models: the typed, serialisable contract between the pipeline and the `*.typ.j2`
//! templates (listed field by field in `templates/README.md`).
//!
//! Everything a document says is decided here, from the validated data, the statuses and the
//! summary; templates only map these fields onto the layout functions of `templates/lib/*.typ`.
//! Generated sentences carry only counts and names (docs/rules.md §9); the office's own prose
//! comes from `reports/<period>/notice.md` (see [`Overrides`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::{EscalationItem, LaggingTask, Summary};
use crate::data::model::{Dataset, Date, Light, Period, Status, TargetKind};
use crate::markdown;
use crate::numerals;
use crate::render::title::{break_title, MAX_PER_LINE};
use crate::status::{fmt_num, PeriodStatus, TaskStatus};

/// The 督办 register in the documents (docs/rules.md §19).
#[path = "view_orders.rs"]
pub mod register;

pub use register::OrderRow;

/// What a [`Block`] is; the templates see the lower-case name (`_body.typ.j2`: `b.kind == "h1"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    /// 一、 heading.
    H1,
    /// （一） heading, run in with its `text`.
    H2,
    /// （一） heading on its own line.
    H2line,
    /// Plain text, escaped.
    Para,
    /// Markdown.
    Md,
}

/// One block of body text.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub kind: BlockKind,
    /// Heading text for `h1` / `h2`.
    pub title: String,
    /// Paragraph text (plain for `para` and `h2`, Markdown for `md`).
    pub text: String,
}

impl Block {
    fn h1(t: impl Into<String>) -> Block {
        Block { kind: BlockKind::H1, title: t.into(), text: String::new() }
    }
    fn h2(t: impl Into<String>, text: impl Into<String>) -> Block {
        Block { kind: BlockKind::H2, title: t.into(), text: text.into() }
    }
    fn h2line(t: impl Into<String>) -> Block {
        Block { kind: BlockKind::H2line, title: t.into(), text: String::new() }
    }
    fn para(text: impl Into<String>) -> Block {
        Block { kind: BlockKind::Para, title: String::new(), text: text.into() }
    }
    fn md(text: impl Into<String>) -> Block {
        Block { kind: BlockKind::Md, title: String::new(), text: text.into() }
    }
}

/// A row of the 附件 task table: either a section row or a task row.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    /// Section title for a group row (then the other fields are empty).
    pub section: Option<String>,
    pub no: String,
    pub task: String,
    pub lead: String,
    pub target: String,
    pub progress: String,
    pub ratio: String,
    /// Status id (`on_track` …) for the marker's shape and label.
    pub status: String,
    /// The task's light as judged (`green` / `yellow` / `red`; empty on a section row): a
    /// 未启动 task is yellow in its first three months and red after.
    pub light: String,
    pub label: String,
}

/// One unit's full 本期进展 for 附件2, when its 附件1 cell was shortened.
#[derive(Debug, Clone, Serialize)]
pub struct FullText {
    /// Task number (序号 of 附件1).
    pub no: String,
    pub task: String,
    pub unit: String,
    /// The whole narrative as plain text.
    pub text: String,
}

/// 季度进展情况通报 (kind `notice`).
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    /// 份号, 密级和保密期限, 紧急程度 (each optional).
    pub copy_no: Option<String>,
    pub secret: Option<String>,
    pub urgency: Option<String>,
    pub mark: String,
    pub number: String,
    pub title_lines: Vec<String>,
    pub title: String,
    pub recipients: String,
    pub body: Vec<Block>,
    pub table_title: Vec<String>,
    pub table_name: String,
    pub rows: Vec<TaskRow>,
    /// `landscape` (横排, GB/T 9704 §8) or `portrait` (竖排): `notice_table.orientation`.
    pub table_orientation: &'static str,
    /// 附件2 title lines and name: the full 本期进展 of the cells shortened in 附件1 (empty
    /// `full_texts` → no 附件2).
    pub full_title: Vec<String>,
    pub full_name: String,
    pub full_texts: Vec<FullText>,
    /// The annex 督办情况一览表 (docs/rules.md §19): title lines, name and rows; empty
    /// `orders_rows` → no such annex. It is the last 附件.
    pub orders_title: Vec<String>,
    pub orders_name: String,
    pub orders_rows: Vec<OrderRow>,
    pub issuer: String,
    pub date: String,
    pub note: Option<String>,
    pub cc: Vec<String>,
    pub printer: String,
    pub print_date: String,
}

/// 督查简报 (kind `briefing`).
#[derive(Debug, Clone, Serialize)]
pub struct BriefingView {
    pub name: String,
    pub issue: u32,
    pub unit: String,
    pub date: String,
    pub title_lines: Vec<String>,
    pub title: String,
    pub editor_note: String,
    pub body: Vec<Block>,
    pub report_to: String,
    pub send_to: String,
    pub issue_to: String,
    pub copies: Option<u32>,
}

/// One section's bar in the leader briefing chart.
#[derive(Debug, Clone, Serialize)]
pub struct ChartBar {
    pub title: String,
    /// Counts keyed by status id.
    pub counts: BTreeMap<&'static str, usize>,
}

/// One row of the unit ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub rank: usize,
    pub unit: String,
    pub total: usize,
    pub completed: usize,
    pub on_track: usize,
    pub behind: usize,
    pub seriously_behind: usize,
    pub score: String,
}

/// 领导参阅 (kind `leader`).
#[derive(Debug, Clone, Serialize)]
pub struct LeaderView {
    pub name: String,
    pub issue: u32,
    pub unit: String,
    pub date: String,
    pub title_lines: Vec<String>,
    pub title: String,
    pub sections: Vec<ChartBar>,
    pub ranking: Vec<RankRow>,
    pub ranking_title: String,
    pub body: Vec<Block>,
    pub report_to: String,
    pub copies: Option<u32>,
    /// The chart with tighter rows and less space around it (the last steps of
    /// [`LeaderFit::LADDER`]).
    pub compact_chart: bool,
}

/// One matter of a 督办通知单.
#[derive(Debug, Clone, Serialize)]
pub struct OrderItem {
    pub number: String,
    /// `red` or `yellow`.
    pub level: &'static str,
    pub task_no: String,
    pub task_title: String,
    pub target: String,
    pub source: String,
    pub reported: String,
    pub ratio: String,
    pub schedule: String,
    pub gap: String,
    pub status: String,
    /// The task's light as judged (`green` / `yellow` / `red`).
    pub light: String,
    pub problems: String,
    pub requirements: Vec<String>,
    pub co_units: Vec<String>,
    /// 联系人 and phone of the unit's report.
    pub contact: String,
}

/// 督办通知单 for one unit (kind `order`): one page per matter.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub office: String,
    pub unit: String,
    pub items: Vec<OrderItem>,
    pub deadline: String,
    pub feedback: String,
    pub issuer: String,
    pub date: String,
    pub title: String,
}

/// Prose the office supplies in `reports/<period>/notice.md`: one `#`/`##` heading per section;
/// a heading `X` replaces section X's generated prose, `X（补充）` appends to it.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    replace: BTreeMap<String, String>,
    append: BTreeMap<String, String>,
}

/// The section names a `notice.md` may use.
pub const SECTIONS: &[&str] = &["导语", "总体情况", "主要进展", "存在问题", "督办事项", "下步工作要求", "结语"];

impl Overrides {
    /// Parses `notice.md`. Unknown headings are returned as warnings (text, line).
    pub fn parse(md: &str) -> (Overrides, Vec<(String, usize)>) {
        let mut o = Overrides::default();
        let mut unknown = Vec::new();
        let mut current: Option<(String, bool)> = None;
        let mut buf = String::new();
        let flush = |cur: &Option<(String, bool)>, buf: &mut String, o: &mut Overrides| {
            if let Some((name, append)) = cur {
                let text = buf.trim().to_owned();
                if *append {
                    o.append.insert(name.clone(), text);
                } else {
                    o.replace.insert(name.clone(), text);
                }
            }
            buf.clear();
        };
        for (i, line) in md.lines().enumerate() {
            let t = line.trim_start();
            if let Some(h) = t.strip_prefix("## ").or_else(|| t.strip_prefix("# ")) {
                flush(&current, &mut buf, &mut o);
                let h = h.trim();
                let (name, append) = match h.strip_suffix("（补充）") {
                    Some(n) => (n.trim().to_owned(), true),
                    None => (h.to_owned(), false),
                };
                if SECTIONS.contains(&name.as_str()) {
                    current = Some((name, append));
                } else {
                    unknown.push((h.to_owned(), i + 1));
                    current = None;
                }
            } else {
                buf.push_str(line);
                buf.push('\n');
            }
        }
        flush(&current, &mut buf, &mut o);
        (o, unknown)
    }

    /// The blocks of a section: the override replacing `generated`, or `generated` plus any
    /// appended Markdown.
    fn section(&self, name: &str, generated: Vec<Block>) -> Vec<Block> {
        let mut out = match self.replace.get(name) {
            Some(md) => vec![Block::md(md.clone())],
            None => generated,
        };
        if let Some(md) = self.append.get(name) {
            out.push(Block::md(md.clone()));
        }
        out
    }
}

/// Everything the view builders read.
pub struct Inputs<'a> {
    pub ds: &'a Dataset,
    /// Statuses Q1..period (the last is the current one).
    pub year: &'a [PeriodStatus],
    pub summary: &'a Summary,
    pub overrides: &'a Overrides,
    /// The 督办 register (`data/orders/`): the numbers and deadlines of registered orders.
    pub register: Option<&'a crate::orders::Register>,
}

impl Inputs<'_> {
    fn period(&self) -> Period {
        self.summary.period
    }
    fn current(&self) -> &PeriodStatus {
        self.year.last().expect("at least one period")
    }
    fn issue_date(&self) -> String {
        self.ds.office.issue_date(self.period()).chinese()
    }
    fn count(&self, s: Status) -> usize {
        self.summary.by_status[s]
    }
    fn share(&self, s: Status) -> f64 {
        self.summary.shares[s]
    }
    /// "已完成 12 项（13.8%）、…" for the statuses with a non-zero count.
    fn counts_sentence(&self) -> String {
        Status::ALL
            .iter()
            .filter(|s| self.count(**s) > 0)
            .map(|s| format!("{}{}项，占{}%", s.label(), self.count(*s), fmt_share(self.share(*s))))
            .collect::<Vec<_>>()
            .join("；")
    }
    fn plan_title(&self) -> String {
        compact(&self.ds.plan.title)
    }
}

fn fmt_share(x: f64) -> String {
    format!("{x:.1}")
}

/// Removes the spaces PDF copy-paste leaves between CJK characters and digits (`2023 年`).
pub fn compact(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied().unwrap_or(' ');
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            if !prev.is_ascii_alphabetic() || !next.is_ascii_alphabetic() {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

fn task_label(t: &TaskStatus) -> String {
    format!("第{}项“{}”", t.task, t.title)
}

fn units(t: &TaskStatus) -> String {
    if t.lead_units.is_empty() {
        "（未明确牵头单位）".into()
    } else {
        t.lead_units.join("、")
    }
}

fn ratio(t: &TaskStatus) -> String {
    match t.progress {
        Some(p) => format!("{}%\n序时{}%", fmt_num(p), fmt_num(t.checkpoint)),
        None => "—".into(),
    }
}

fn target_text(ds: &Dataset, t: &TaskStatus, period: Period) -> String {
    let Some(task) = ds.plan.task(t.task) else { return String::new() };
    if !task.targets.is_empty() {
        return task
            .targets
            .iter()
            .filter(|x| x.kind != TargetKind::Text || task.targets.len() == 1)
            .map(|x| compact(&x.text))
            .collect::<Vec<_>>()
            .join("；");
    }
    match &task.milestones {
        Some(m) => format!("{}：{}", period.chinese_quarter(), m[usize::from(period.quarter) - 1]),
        None => "（定性任务）".into(),
    }
}

/// The marker ending a shortened 本期进展 cell: where the reader finds the rest.
pub const SEE_FULL_TEXT: &str = "（全文见附件2）";

/// Shortens `text` for a table cell of at most `limit` characters, only at a boundary, never
/// inside a word or a number. The rule (stated in templates/lib/README.md):
/// 1. the whole text when it has at most `limit` characters;
/// 2. else its leading whole sentences (ending 。！？, with closing quotes) within `limit`;
/// 3. else (the first sentence alone is longer) its leading whole clauses ending ；, then ，;
/// 4. else the whole first sentence, however long.
///
/// Returns the kept text and whether anything was left out.
pub fn shorten_at_boundary(text: &str, limit: usize) -> (String, bool) {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.len() <= limit {
        return (chars.into_iter().collect(), false);
    }
    // End (exclusive) of the last boundary of a kind at or before `limit`, after `from`.
    let last_end = |marks: &[char], upto: usize| -> Option<usize> {
        let mut found = None;
        let mut i = 0;
        while i < upto.min(chars.len()) {
            if marks.contains(&chars[i]) {
                let mut end = i + 1;
                while end < chars.len() && is_closing(chars[end]) {
                    end += 1;
                }
                if end <= upto {
                    found = Some(end);
                }
                i = end;
            } else {
                i += 1;
            }
        }
        found
    };
    const SENTENCE: &[char] = &['。', '！', '？'];
    let cut = last_end(SENTENCE, limit)
        .or_else(|| last_end(&['；'], limit))
        .or_else(|| last_end(&['，'], limit))
        .or_else(|| last_end(SENTENCE, chars.len()))
        .unwrap_or(chars.len());
    let kept: String = chars[..cut].iter().collect();
    let kept = kept.trim_end_matches(['，', '；']).to_owned();
    let left_out = cut < chars.len();
    (kept, left_out)
}

/// Closing punctuation that stays with the sentence before it.
fn is_closing(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '》' | '】' | '〉' | '"')
}

/// The 本期进展 cell of a task: every lead unit's narrative in full (prefixed with the unit's
/// name when several reported), each shortened by [`shorten_at_boundary`] past its share of the
/// limit (the limit divided among the units, at least 40 characters each) and then ending in
/// [`SEE_FULL_TEXT`]; the full text goes into `full` for 附件2.
fn progress_cell(t: &TaskStatus, limit: usize, full: &mut Vec<FullText>) -> String {
    let leads: Vec<_> = t.narratives.iter().filter(|n| n.lead).collect();
    if leads.is_empty() {
        return if t.status == Status::NotReported { "未报送".into() } else { String::new() };
    }
    // Several lead units share the cell's limit (at least 40 characters each), so a row stays
    // well below a page: 500 characters are about 22 lines of the 本期进展 column.
    let each = (limit / leads.len()).max(40);
    let mut parts = Vec::new();
    for n in &leads {
        let plain = compact(&markdown::to_plain(&n.progress));
        let (kept, cut) = shorten_at_boundary(&plain, each);
        let mut cell = if leads.len() > 1 { format!("{}：{kept}", n.unit) } else { kept };
        if cut {
            cell.push_str(SEE_FULL_TEXT);
            full.push(FullText { no: t.task.to_string(), task: t.title.clone(), unit: n.unit.clone(), text: plain });
        }
        parts.push(cell);
    }
    parts.join("\n")
}

/// The 本期进展 of a task for the 督办通知单: the first unit's narrative, shortened at a boundary
/// (the whole text is in the notice's 附件1).
fn progress_text(t: &TaskStatus, max: usize) -> String {
    match t.narratives.first() {
        Some(n) => shorten_at_boundary(&compact(&markdown::to_plain(&n.progress)), max).0,
        None if t.status == Status::NotReported => "未报送".into(),
        None => String::new(),
    }
}

/// The 附件 table rows, grouped by section, and the full texts of the shortened cells.
fn task_rows(inp: &Inputs) -> (Vec<TaskRow>, Vec<FullText>) {
    let cur = inp.current();
    let limit = inp.ds.office.notice_table.progress_limit;
    let mut rows = Vec::new();
    let mut full = Vec::new();
    for (i, section) in inp.ds.plan.sections.iter().enumerate() {
        rows.push(TaskRow {
            section: Some(format!("{}、{}", numerals::chinese(i as u32 + 1), compact(&section.title))),
            no: String::new(),
            task: String::new(),
            lead: String::new(),
            target: String::new(),
            progress: String::new(),
            ratio: String::new(),
            status: String::new(),
            light: String::new(),
            label: String::new(),
        });
        for n in &section.tasks {
            let Some(t) = cur.task(*n) else { continue };
            rows.push(TaskRow {
                section: None,
                no: n.to_string(),
                task: t.title.clone(),
                lead: t.lead_units.join("、"),
                target: target_text(inp.ds, t, inp.period()),
                progress: progress_cell(t, limit, &mut full),
                ratio: ratio(t),
                status: t.status.id().into(),
                light: t.light.id().into(),
                label: t.label.into(),
            });
        }
    }
    (rows, full)
}

/// The lagging tasks by unit (docs/rules.md §9), in plan order: all lead units named, grouped by
/// the first one's plan order; each task with its title, status and gap, or `brief` its number
/// only (“由县发展改革局负责的第130、140项”).
fn lagging_by_unit(inp: &Inputs, brief: bool) -> Vec<String> {
    let order: Vec<&str> = inp.ds.plan.lead_units();
    let mut by_unit: BTreeMap<(usize, String), Vec<&LaggingTask>> = BTreeMap::new();
    for l in &inp.summary.lagging {
        if !brief && inp.current().task(l.task).is_none() {
            continue;
        }
        let key = l.units.first().and_then(|f| order.iter().position(|u| u == f)).unwrap_or(usize::MAX);
        by_unit.entry((key, l.units.join("、"))).or_default().push(l);
    }
    let full = |l: &LaggingTask| {
        let t = inp.current().task(l.task)?;
        let gap = l.gap_points.map(|g| format!("，低于序时进度{}个百分点", fmt_num(g))).unwrap_or_default();
        Some(format!("{}（{}{gap}）", task_label(t), t.label))
    };
    by_unit
        .into_iter()
        .map(|((_, unit), tasks)| {
            let tasks = if brief {
                task_numbers(tasks.iter().map(|l| l.task), true)
            } else {
                tasks.into_iter().filter_map(full).collect::<Vec<_>>().join("、")
            };
            format!("由{unit}负责的{tasks}")
        })
        .collect()
}

/// Builds the quarterly notice: its 文号 ([`notice_number`]), then the body section by section
/// ([`notice_intro`], [`notice_overall`], [`notice_progress`], [`notice_problems`],
/// [`notice_orders`], [`notice_closing`]), each replaceable from notice.md, then the 附件 tables.
pub fn notice(inp: &Inputs) -> NoticeView {
    let office = &inp.ds.office;
    let p = inp.period();
    let title = format!("关于{}{}落实情况的通报", inp.plan_title(), p.chinese_span());
    let number = notice_number(inp);
    let (rows, full_texts) = task_rows(inp);
    // The previous quarter's orders: a paragraph under 督办事项 and the last 附件.
    let follow = register::follow_up_facts(inp);
    let annex = follow.as_ref().map(|_| format!("附件{}", 2 + usize::from(!full_texts.is_empty())));
    let mut body = Vec::new();
    notice_intro(inp, &mut body);
    notice_overall(inp, &mut body);
    notice_progress(inp, &mut body);
    notice_problems(inp, &mut body);
    notice_orders(inp, &mut body, follow.as_ref().map(|f| register::notice_paragraph(f, annex.as_deref())));
    notice_closing(inp, &mut body);

    let table_name = format!("{}年{}重点工作任务进展情况表", p.year, p.chinese_span());
    let full_name = format!("附件1未全文列出的{}进展情况", p.chinese_span());
    let orders_name = match &follow {
        Some(f) => format!("{}年{}督办情况一览表", f.period.year, f.period.chinese_quarter()),
        None => String::new(),
    };
    let orders_rows = follow.as_ref().map(|f| register::annex_rows(inp, f)).unwrap_or_default();
    NoticeView {
        copy_no: office.copy_no.clone(),
        secret: office.secret.clone(),
        urgency: office.urgency.clone(),
        mark: office.issuer_mark.clone(),
        number,
        title_lines: break_title(&title, MAX_PER_LINE),
        title,
        recipients: ensure_suffix(&office.recipients, "："),
        body,
        table_title: break_title(&table_name, MAX_PER_LINE),
        table_name,
        rows,
        table_orientation: office.notice_table.orientation.id(),
        full_title: break_title(&full_name, MAX_PER_LINE),
        full_name,
        full_texts,
        orders_title: break_title(&orders_name, MAX_PER_LINE),
        orders_name,
        orders_rows,
        issuer: office.issuer_name.clone(),
        date: inp.issue_date(),
        note: office.note.clone(),
        cc: office.cc.clone(),
        printer: office.issuer_name.clone(),
        print_date: inp.issue_date(),
    }
}

/// The notice's 发文字号, numbered by the year it is issued.
fn notice_number(inp: &Inputs) -> String {
    let office = &inp.ds.office;
    let p = inp.period();
    match office.notice_numbers.get(&p) {
        // Documents are numbered by the year they are issued (Q4's notice goes out in January).
        Some(n) => format!("{}〔{}〕{}号", office.issuer_short, office.issue_date(p).year, n),
        None => format!("{}〔{}〕号", office.issuer_short, office.issue_date(p).year),
    }
}

/// 导语: what was supervised, and how.
fn notice_intro(inp: &Inputs, body: &mut Vec<Block>) {
    let ds = inp.ds;
    let office = &ds.office;
    let p = inp.period();
    let s = inp.summary;
    let basis = match &ds.plan.doc_number {
        Some(d) => format!("《{}》（{}）", inp.plan_title(), d),
        None => format!("《{}》", inp.plan_title()),
    };
    body.extend(inp.overrides.section(
        "导语",
        vec![Block::para(format!(
            "为推动{basis}各项任务落地见效，{}对全县{}项重点工作任务{}推进情况开展了跟踪督查，采取查阅资料、电话核查、现场核实等方式，对各牵头单位报送的进展情况逐项进行了核实。现将有关情况通报如下。",
            office.supervision_office,
            s.tasks,
            p.chinese_span()
        ))],
    ));
}

/// 总体情况: the counts by status and the change from the previous quarter.
fn notice_overall(inp: &Inputs, body: &mut Vec<Block>) {
    let p = inp.period();
    let s = inp.summary;
    body.push(Block::h1("总体情况"));
    let good = inp.count(Status::Completed) + inp.count(Status::Ahead) + inp.count(Status::OnTrack);
    let mut overall = vec![Block::para(format!(
        "截至{}，{}项重点工作任务中，{}。{}",
        p.end().chinese(),
        s.tasks,
        inp.counts_sentence(),
        if good * 2 >= s.tasks {
            "各牵头单位高度重视，明确责任，稳步推进，多数任务达到序时进度要求。"
        } else {
            "部分牵头单位推进力度不够，任务整体进度不及预期。"
        }
    ))];
    if let Some(prev) = s.change.previous {
        let d = &s.change.by_status;
        let parts: Vec<String> = Status::ALL
            .iter()
            .filter_map(|st| {
                let v = d[*st];
                (v != 0).then(|| format!("{}{}{}项", st.label(), if v > 0 { "增加" } else { "减少" }, v.abs()))
            })
            .collect();
        if !parts.is_empty() {
            overall.push(Block::para(format!("与{}相比，{}。", prev.chinese_span(), parts.join("，"))));
        }
    }
    body.extend(inp.overrides.section("总体情况", overall));
}

/// 主要进展: up to two completed or ahead tasks per section, in the units' words.
fn notice_progress(inp: &Inputs, body: &mut Vec<Block>) {
    let ds = inp.ds;
    body.push(Block::h1("主要进展"));
    let mut progress = Vec::new();
    for section in &ds.plan.sections {
        let mut items = Vec::new();
        for n in &section.tasks {
            let Some(t) = inp.current().task(*n) else { continue };
            if !matches!(t.status, Status::Completed | Status::Ahead) || items.len() >= 2 {
                continue;
            }
            if let Some(nar) = t.narratives.first() {
                // Cut only at a sentence or clause boundary; the whole text is in 附件1.
                let (kept, _) = shorten_at_boundary(&compact(&markdown::to_plain(&nar.progress)), 50);
                items.push(format!("{}{}", nar.unit, strip_period(&kept)));
            }
        }
        if items.is_empty() {
            continue;
        }
        progress.push(Block::h2(compact(&section.title), format!("{}。", items.join("；"))));
    }
    if progress.is_empty() {
        progress.push(Block::para("各项任务按计划推进。"));
    }
    body.extend(inp.overrides.section("主要进展", progress));
}

/// 存在问题: the lagging tasks by unit, missing and late reports, self-assessments that do not
/// match the figures.
fn notice_problems(inp: &Inputs, body: &mut Vec<Block>) {
    let p = inp.period();
    let s = inp.summary;
    body.push(Block::h1("存在问题"));
    let mut problems = Vec::new();
    let lag = lagging_by_unit(inp, false);
    if lag.is_empty() {
        problems.push(Block::para("督查中未发现进度滞后的任务。"));
    } else {
        problems.push(Block::para(format!(
            "督查中发现，部分任务推进缓慢，未达到序时进度要求：{}。相关单位存在重视程度不够高、责任压实不到位、推进不够有力等问题。",
            lag.join("；")
        )));
    }
    let mut report_issues = Vec::new();
    if !s.missing_reports.is_empty() {
        report_issues.push(format!("{}未按要求报送{}进展情况", s.missing_reports.join("、"), p.chinese_span()));
    }
    if !s.late_reports.is_empty() {
        let late: Vec<String> = s.late_reports.iter().map(|l| format!("{}（迟报{}天）", l.unit, l.days_late)).collect();
        report_issues.push(format!("{}未在规定时限内报送", late.join("、")));
    }
    if !report_issues.is_empty() {
        problems.push(Block::para(format!("此外，{}。", report_issues.join("；"))));
    }
    if !s.claim_mismatches.is_empty() {
        let list: Vec<String> = s.claim_mismatches.iter().map(|(n, _)| format!("第{n}项")).collect();
        problems.push(Block::para(format!(
            "经核实，{}任务的单位自评进度与实际完成数值不符，本通报以核实结果为准，请相关单位如实报送。",
            list.join("、")
        )));
    }
    body.extend(inp.overrides.section("存在问题", problems));
}

/// 督办事项 (only when there is something to say); `follow_up`: the paragraph on the previous
/// quarter's orders, first.
fn notice_orders(inp: &Inputs, body: &mut Vec<Block>, follow_up: Option<Block>) {
    let office = &inp.ds.office;
    let s = inp.summary;
    // 督办事项 says exactly what the 督办通知单 of this period cover (the same `order_tasks`), and
    // names the units escalated for their reports without claiming an order for them.
    let ordered = order_tasks(inp);
    let mut paragraphs = Vec::new();
    if !ordered.is_empty() {
        let items = ordered_items(inp, &ordered);
        let mut to: Vec<&str> = Vec::new();
        for t in &ordered {
            if !to.contains(&t.lead_units[0].as_str()) {
                to.push(&t.lead_units[0]);
            }
        }
        paragraphs.push(Block::para(format!(
            "{}。对上述任务，{}已向{}下发督办通知单，实行挂号督办，请相关单位按要求限期整改并书面反馈。",
            items.join("；"),
            office.supervision_office,
            to.join("、")
        )));
    }
    let units = escalated_unit_items(s);
    if !units.is_empty() {
        paragraphs.push(Block::para(format!("{}，请上述单位明确专人负责，今后按时报送进展情况。", units.join("；"))));
    }
    if let Some(b) = follow_up {
        paragraphs.insert(0, b);
    }
    if !paragraphs.is_empty() {
        body.push(Block::h1("督办事项"));
        body.extend(inp.overrides.section("督办事项", paragraphs));
    }
}

/// 下步工作要求 and 结语.
fn notice_closing(inp: &Inputs, body: &mut Vec<Block>) {
    let office = &inp.ds.office;
    body.push(Block::h1("下步工作要求"));
    body.extend(inp.overrides.section(
        "下步工作要求",
        vec![Block::para(
            "一是锚定目标狠抓落实。各牵头单位要对照年度目标任务，倒排时间节点，细化推进措施，确保各项任务按序时推进。二是聚焦短板精准施策。进度滞后的单位要深入分析原因，主要领导亲自抓、分管领导具体抓，制定整改措施，尽快追赶进度。三是压实责任严格报送。各单位要按时、如实报送进展情况，用数据说话，佐证材料齐全，杜绝以文字代替数据。",
        )],
    ));
    body.extend(inp.overrides.section(
        "结语",
        vec![Block::para(format!(
            "{}将持续跟踪督查，适时开展“回头看”，对进度滞后的任务实行三色预警督办，直至办结销号。",
            office.supervision_office
        ))],
    ));
}

fn strip_period(s: &str) -> String {
    s.trim_end_matches(['。', '；', '，']).to_owned()
}

fn ensure_suffix(s: &str, suffix: &str) -> String {
    let t = s.trim().trim_end_matches([':', '：', '。']);
    format!("{t}{suffix}")
}

fn join_list(v: &[String]) -> String {
    if v.is_empty() {
        String::new()
    } else {
        ensure_suffix(&v.join("，"), "。")
    }
}

/// How much of the 督查简报 is printed: one step of its ladder (docs/rules.md §19), longest first;
/// the pipeline keeps the first within three pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BriefingFit {
    /// How many units' accounts are quoted in full under 好的做法.
    pub good_practices: usize,
    /// 存在问题 names the lagging tasks by number only, by unit, and leaves each task's reported
    /// problem to the notice: the last resort, for a city's plan where dozens lag.
    pub brief_problems: bool,
}

impl BriefingFit {
    /// The ladder, longest first.
    pub const LADDER: [BriefingFit; 4] = [
        BriefingFit { good_practices: 2, brief_problems: false },
        BriefingFit { good_practices: 1, brief_problems: false },
        BriefingFit { good_practices: 0, brief_problems: false },
        BriefingFit { good_practices: 0, brief_problems: true },
    ];
}

/// Builds the supervision briefing, as much of it as `fit` says ([`BriefingFit`]).
pub fn briefing(inp: &Inputs, fit: BriefingFit) -> BriefingView {
    let good_practices = fit.good_practices;
    let ds = inp.ds;
    let office = &ds.office;
    let p = inp.period();
    let s = inp.summary;
    let title = format!("{}重点工作任务推进情况督查", p.chinese_span());
    let mut body = vec![Block::para(format!(
        "截至{}，全县{}项重点工作任务中，{}。",
        p.end().chinese(),
        s.tasks,
        inp.counts_sentence()
    ))];
    body.push(Block::h1("好的做法"));
    // The units' own accounts of the quarter's best results, quoted in full (Markdown).
    let mut good = 0;
    for t in inp.current().tasks.iter().filter(|t| matches!(t.status, Status::Completed | Status::Ahead)) {
        if good >= good_practices {
            break;
        }
        let Some(n) = t.narratives.first().filter(|n| n.progress.chars().count() >= 20) else { continue };
        if t.completed_in.is_some_and(|c| c < p) {
            continue; // completed earlier: not news this quarter
        }
        body.push(Block::h2line(format!("{}：{}", n.unit, t.title)));
        body.push(Block::md(n.progress.clone()));
        good += 1;
    }
    if good == 0 {
        body.push(Block::para("各单位按计划推进各项任务。"));
    }
    body.push(Block::h1("存在问题"));
    let lag = lagging_by_unit(inp, fit.brief_problems);
    body.push(Block::para(if lag.is_empty() {
        "本期未发现进度滞后的任务。".to_string()
    } else if fit.brief_problems {
        format!("{}，进展滞后，各项任务的滞后原因详见本期通报。", lag.join("；"))
    } else {
        format!("{}，进展滞后。", lag.join("；"))
    }));
    for l in inp.summary.lagging.iter().filter(|_| !fit.brief_problems) {
        let Some(t) = inp.current().task(l.task) else { continue };
        if let Some((unit, problems)) = t.narratives.iter().find_map(|n| n.problems.as_ref().map(|p| (&n.unit, p))) {
            body.push(Block::para(format!("第{}项：{unit}反映，{}", t.task, markdown::to_plain(problems))));
        }
    }
    if !s.missing_reports.is_empty() || !s.late_reports.is_empty() {
        let mut parts = Vec::new();
        if !s.missing_reports.is_empty() {
            parts.push(format!("{}未报送进展情况", s.missing_reports.join("、")));
        }
        if !s.late_reports.is_empty() {
            parts.push(format!("{}迟报", s.late_reports.iter().map(|l| l.unit.clone()).collect::<Vec<_>>().join("、")));
        }
        body.push(Block::para(format!("{}。", parts.join("；"))));
    }
    // The previous quarter's orders: the notice's counts (docs/rules.md §19).
    if let Some(f) = register::follow_up_facts(inp) {
        body.push(Block::h1("督办落实情况"));
        body.push(register::briefing_paragraph(&f));
    }
    body.push(Block::h1("工作要求"));
    body.push(Block::para(
        "请进度滞后的单位认真分析原因，制定整改措施，限期追赶进度；未按时报送的单位要严格落实报送制度。县政府督查室将持续跟踪问效。",
    ));
    BriefingView {
        name: office.briefing_name.clone(),
        issue: office.briefing_numbers.get(&p).copied().unwrap_or(u32::from(p.quarter)),
        unit: office.supervision_office.clone(),
        date: inp.issue_date(),
        title_lines: break_title(&title, MAX_PER_LINE),
        title,
        editor_note: format!(
            "{}，{}对全县重点工作任务推进情况进行了督查。现将有关情况予以通报，请各责任单位对照问题抓好整改落实。",
            p.chinese_span(),
            office.supervision_office
        ),
        body,
        report_to: join_list(&office.briefing_report),
        send_to: join_list(&office.briefing_send),
        issue_to: join_list(&office.briefing_issue),
        copies: office.copies,
    }
}

/// How much of the 领导参阅 is printed: one step of its fitting ladder (docs/rules.md §19 “领导参阅的
/// 篇幅”). The pipeline lays the steps out longest first and keeps the first within two pages.
/// The register's lines (the 督办 counts, the open 需协调事项 by level) are what a leader reads
/// first: every step keeps the counts, and all but the last two the 需协调事项 item by item; the
/// ranking and the red-light tasks give way before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaderFit {
    /// Units listed from the top and from the bottom of the ranking when there are more than
    /// `2 × ranking`.
    pub ranking: usize,
    /// Red-light tasks listed one by one (`None`: all); the rest as “等N项红灯任务” (with none
    /// listed: their task numbers only).
    pub red: Option<usize>,
    /// The open 需协调事项 item by item (`false`: counted by level, the last resort).
    pub coordination_items: bool,
    /// The status chart with tighter rows and less space around it.
    pub compact_chart: bool,
    /// The 约谈 suggestions of tasks lagging as long with the same lead units in one sentence
    /// (“第130、140项连续3个季度滞后，建议约谈县发展改革局主要负责人”) instead of one each, and
    /// lists of task numbers written short (第130、140项, not 第130项、第140项): the last resort,
    /// for a city's plan where dozens lag.
    pub merge_lagging: bool,
}

impl LeaderFit {
    /// The ladder, longest first.
    pub const LADDER: [LeaderFit; 7] = [
        LeaderFit { ranking: 3, red: None, coordination_items: true, compact_chart: false, merge_lagging: false },
        LeaderFit { ranking: 2, red: None, coordination_items: true, compact_chart: false, merge_lagging: false },
        LeaderFit { ranking: 2, red: Some(3), coordination_items: true, compact_chart: false, merge_lagging: false },
        LeaderFit { ranking: 1, red: Some(0), coordination_items: true, compact_chart: false, merge_lagging: false },
        LeaderFit { ranking: 1, red: Some(0), coordination_items: true, compact_chart: true, merge_lagging: false },
        LeaderFit { ranking: 1, red: Some(0), coordination_items: false, compact_chart: true, merge_lagging: false },
        LeaderFit { ranking: 1, red: Some(0), coordination_items: false, compact_chart: true, merge_lagging: true },
    ];
}

/// The 领导参阅's red-light tasks (one clause each: verdict and gap; the reasons are in the
/// notice): `red` of them listed (`None`: all), the rest as “等N项红灯任务，详见本期通报”; with
/// none listed, how many and their task numbers.
fn leader_red_tasks(inp: &Inputs, red: Option<usize>, short_numbers: bool) -> String {
    let tasks: Vec<&TaskStatus> = inp.current().tasks.iter().filter(|t| t.light == Light::Red).collect();
    if tasks.is_empty() {
        return "本期无红灯任务。".into();
    }
    let n = tasks.len();
    let listed = red.unwrap_or(n).min(n);
    if listed == 0 {
        let numbers = task_numbers(tasks.iter().map(|t| t.task), short_numbers);
        return format!("本期红灯任务{n}项（{numbers}），详见本期通报。");
    }
    let items: Vec<String> = tasks[..listed]
        .iter()
        .map(|t| {
            let gap = t
                .gap_points
                .filter(|g| *g > 0.0)
                .map(|g| format!("，低于序时{}个百分点", fmt_num(g)))
                .unwrap_or_default();
            format!("{}（{}）{}{gap}", task_label(t), units(t), t.label)
        })
        .collect();
    if listed < n {
        format!("{}等{n}项红灯任务，详见本期通报。", items.join("；"))
    } else {
        format!("{}。", items.join("；"))
    }
}

/// Builds the one-to-two-page leader briefing, as much of it as `fit` says ([`LeaderFit`]).
pub fn leader(inp: &Inputs, fit: LeaderFit) -> LeaderView {
    let shown = fit.ranking;
    let ds = inp.ds;
    let office = &ds.office;
    let p = inp.period();
    let s = inp.summary;
    let sections = s
        .sections
        .iter()
        .map(|sec| ChartBar {
            title: short_title(&compact(&sec.title), 10),
            counts: Status::ALL.iter().map(|st| (st.id(), sec.by_status[*st])).collect(),
        })
        .collect();
    let ranking: Vec<RankRow> = s
        .units
        .iter()
        .map(|u| {
            let c = |st: Status| u.by_status[st];
            RankRow {
                rank: u.rank,
                unit: u.name.clone(),
                total: u.tasks,
                completed: c(Status::Completed),
                on_track: c(Status::OnTrack) + c(Status::Ahead),
                behind: c(Status::Behind),
                seriously_behind: c(Status::SeriouslyBehind),
                score: format!("{:.1}%", u.good_rate),
            }
        })
        .collect();
    // One to two pages: with many units only the first and last `shown` are listed.
    let (ranking, ranking_title) = if ranking.len() > 2 * shown {
        let n = ranking.len();
        let mut r = ranking[..shown].to_vec();
        r.extend_from_slice(&ranking[n - shown..]);
        (r, format!("责任单位推进情况排名（共{n}个单位，列前{shown}名和后{shown}名）"))
    } else {
        (ranking, "责任单位推进情况排名".to_string())
    };
    // The previous quarter's orders in the notice's words, in the opening paragraph (a heading of
    // its own would push the 领导参阅 past two pages; docs/rules.md §19), in every variant.
    let orders = register::follow_up_facts(inp)
        .map(|f| format!("{}。{}", register::counts_sentence(&f.figures), register::overdue_sentence(&f.figures)))
        .unwrap_or_default();
    let mut body = vec![Block::para(format!(
        "截至{}，{}项重点工作任务中，{}。{orders}",
        p.end().chinese(),
        s.tasks,
        inp.counts_sentence()
    ))];
    body.push(Block::h1("红灯任务"));
    body.push(Block::para(leader_red_tasks(inp, fit.red, fit.merge_lagging)));
    body.push(Block::h1("需领导协调的事项"));
    let mut decisions = lagging_decisions(&s.escalations, fit.merge_lagging);
    let late = s.escalated_units();
    if !late.is_empty() {
        decisions.push(format!("{}多次迟报或未报，建议通报批评", late.join("、")));
    }
    let numbered: Vec<String> =
        decisions.iter().enumerate().map(|(i, d)| format!("{}是{d}。", numerals::chinese(i as u32 + 1))).collect();
    // The open 需协调事项 by level, red first (docs/rules.md §19); counted by level only in the
    // last resort of the ladder.
    let (coordination, counts) = if fit.coordination_items {
        (register::coordination_blocks(inp), None)
    } else {
        (Vec::new(), register::coordination_counts(inp))
    };
    let nothing = numbered.is_empty() && coordination.is_empty() && counts.is_none();
    if !numbered.is_empty() {
        body.push(Block::para(numbered.concat()));
    }
    if !coordination.is_empty() {
        body.push(Block::para("各单位提出、尚未办结的需协调事项："));
        body.extend(coordination);
    }
    if let Some(c) = counts {
        body.push(Block::para(format!("各单位提出、尚未办结的需协调事项：{c}。")));
    }
    if nothing {
        body.push(Block::para("本期暂无需要领导协调的事项。"));
    }
    let title = format!("{}重点工作任务推进情况及有关建议", p.chinese_span());
    LeaderView {
        name: office.leader_briefing_name.clone(),
        issue: office.briefing_numbers.get(&p).copied().unwrap_or(u32::from(p.quarter)),
        unit: office.supervision_office.clone(),
        date: inp.issue_date(),
        title_lines: break_title(&title, MAX_PER_LINE),
        title,
        sections,
        ranking,
        ranking_title,
        body,
        report_to: if office.leader_to.is_empty() {
            "县委、县政府领导同志。".into()
        } else {
            join_list(&office.leader_to)
        },
        copies: office.copies,
        compact_chart: fit.compact_chart,
    }
}

/// The 约谈 suggestions of the 领导参阅, in plan order: one per lagging task, or with `merge` one
/// per (lead units, quarters lagging), its tasks listed in plan order, where the group's first
/// task stood.
fn lagging_decisions(escalations: &[EscalationItem], merge: bool) -> Vec<String> {
    // (units, quarters) → the task numbers, in order of first appearance.
    let mut groups: Vec<((String, usize), Vec<u32>)> = Vec::new();
    for e in escalations {
        let EscalationItem::Task { task, units, quarters, .. } = e else { continue };
        let key = (units.join("、"), quarters.len());
        match groups.iter_mut().find(|(k, _)| merge && *k == key) {
            Some((_, tasks)) => tasks.push(*task),
            None => groups.push((key, vec![*task])),
        }
    }
    groups
        .into_iter()
        .map(|((units, quarters), tasks)| {
            let tasks = task_numbers(tasks.into_iter(), merge);
            format!("{tasks}连续{quarters}个季度滞后，建议约谈{units}主要负责人")
        })
        .collect()
}

/// Task numbers as a list: 第18项、第45项, or `short` 第18、45项.
fn task_numbers(tasks: impl Iterator<Item = u32>, short: bool) -> String {
    if short {
        format!("第{}项", tasks.map(|t| t.to_string()).collect::<Vec<_>>().join("、"))
    } else {
        tasks.map(|t| format!("第{t}项")).collect::<Vec<_>>().join("、")
    }
}

fn short_title(s: &str, max: usize) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() <= max {
        s.to_owned()
    } else {
        c[..max].iter().collect::<String>() + "…"
    }
}

/// The tasks that get a 督办通知单 this period, in plan order: red-light tasks (严重滞后, and 未启动
/// past its first three months; a 未报送 task is chased as a missing report, not by an order) and
/// tasks lagging for `escalation.lagging_quarters` quarters in a row. Tasks without a lead unit
/// have no one to address and are left out. The orders and the notice's 督办事项 both use this.
fn order_tasks<'a>(inp: &'a Inputs<'_>) -> Vec<&'a crate::status::TaskStatus> {
    let escalated = inp.summary.escalated_tasks();
    inp.current()
        .tasks
        .iter()
        .filter(|t| !t.lead_units.is_empty())
        .filter(|t| (t.light == Light::Red && t.status != Status::NotReported) || escalated.contains(&t.task))
        .collect()
}

/// One 督办事项 line per task of [`order_tasks`]: `第12项“…”（县科技局）已连续2个季度滞后`.
fn ordered_items(inp: &Inputs, ordered: &[&crate::status::TaskStatus]) -> Vec<String> {
    ordered
        .iter()
        .map(|t| {
            let why = match lagging_streak(inp.summary, t.task) {
                Some(k) => format!("已连续{k}个季度滞后"),
                None if t.status == Status::NotStarted => "逾期尚未启动".to_owned(),
                None => format!("进展{}", t.status.label()),
            };
            format!("第{}项“{}”（{}）{why}", t.task, t.title, t.lead_units.join("、"))
        })
        .collect()
}

/// One 督办事项 line per unit escalated for late or missing reports.
fn escalated_unit_items(s: &crate::aggregate::Summary) -> Vec<String> {
    s.escalations
        .iter()
        .filter_map(|e| match e {
            EscalationItem::Unit { unit, count, .. } => Some(format!("{unit}年内{count}次迟报或未报送")),
            EscalationItem::Task { .. } => None,
        })
        .collect()
}

/// The notice's 督办事项, item by item: the tasks that get a 督办通知单 this period
/// ([`order_tasks`]), then the units escalated for their reports. The web dashboard lists these,
/// so it cannot disagree with the notice or the orders.
pub fn supervision_items(inp: &Inputs) -> Vec<String> {
    let mut v = ordered_items(inp, &order_tasks(inp));
    v.extend(escalated_unit_items(inp.summary));
    v
}

/// The paragraph on the previous quarter's 督办事项, from the register as of this notice's date
/// (docs/rules.md §19): “上期下发督办通知单N份，已办结M项，正在办理K项（其中逾期J项）”, naming the
/// units with overdue items. `None` in a year's first quarter, without a register, or when the
/// previous quarter issued no order. (The notice adds where its annex lists the items.)
pub fn orders_follow_up(inp: &Inputs) -> Option<Block> {
    register::follow_up_facts(inp).map(|f| register::briefing_paragraph(&f))
}

/// The task numbers that get a 督办通知单 this period ([`order_tasks`]), for numbering them from
/// the register.
pub fn order_task_numbers(inp: &Inputs) -> Vec<u32> {
    order_tasks(inp).iter().map(|t| t.task).collect()
}

/// How many quarters in a row the task has lagged, when that put it on the escalation list.
fn lagging_streak(s: &crate::aggregate::Summary, task: u32) -> Option<usize> {
    s.escalations.iter().find_map(|e| match e {
        EscalationItem::Task { task: n, quarters, .. } if *n == task => Some(quarters.len()),
        _ => None,
    })
}

/// Builds the 督办通知单: one view per lead unit, one matter per task of [`order_tasks`].
pub fn orders(inp: &Inputs) -> Vec<OrderView> {
    let ds = inp.ds;
    let office = &ds.office;
    let p = inp.period();
    let tasks = order_tasks(inp);
    let empty = crate::orders::Register::default();
    let register = inp.register.unwrap_or(&empty);
    let numbers =
        crate::orders::issue::numbering(register, office, p, &tasks.iter().map(|t| t.task).collect::<Vec<_>>());
    let mut by_unit: Vec<(String, Vec<OrderItem>, Date)> = Vec::new();
    for (t, n) in tasks.into_iter().zip(&numbers) {
        let unit = &t.lead_units[0];
        let red = t.light == Light::Red;
        let task = ds.plan.task(t.task);
        let reported = t
            .targets
            .iter()
            .map(|ts| match ts.reported {
                Some(v) => format!("{}：{}{}", compact(&ts.text), fmt_num(v), ts.unit),
                None => format!("{}：未填报", compact(&ts.text)),
            })
            .collect::<Vec<_>>();
        let reported = if reported.is_empty() { progress_text(t, 80) } else { reported.join("；") };
        let problems = t.narratives.first().and_then(|n| n.problems.clone()).unwrap_or_default();
        let item = OrderItem {
            number: n.number.to_string(),
            level: if red { "red" } else { "yellow" },
            task_no: t.task.to_string(),
            task_title: t.title.clone(),
            target: target_text(ds, t, p),
            source: match &ds.plan.doc_number {
                Some(d) => format!("《{}》（{}）", compact(&ds.plan.title), d),
                None => format!("《{}》", compact(&ds.plan.title)),
            },
            reported,
            ratio: t.progress.map(|v| format!("{}%", fmt_num(v))).unwrap_or_else(|| "—".into()),
            schedule: format!("{}%", fmt_num(t.checkpoint)),
            gap: t.gap_points.map(|g| format!("{}个百分点", fmt_num(g))).unwrap_or_else(|| "—".into()),
            status: t.status.id().into(),
            light: t.light.id().into(),
            problems: markdown::to_plain(&problems),
            requirements: vec![
                "深入分析滞后原因，制定追赶进度的具体措施，明确责任人和时间节点。".into(),
                format!("主要负责同志要亲自研究部署，确保{}前追赶至序时进度。", next_quarter_end(p)),
                "整改情况经单位主要负责同志审签后按期反馈。".into(),
            ],
            // The first lead unit 承办; the other lead units and the participating units 协办, so
            // no lead unit of an escalated task goes unnamed.
            co_units: t.lead_units[1..]
                .iter()
                .cloned()
                .chain(task.map(|t| t.participating_units.clone()).unwrap_or_default())
                .collect(),
            contact: ds
                .reports_for(p)
                .iter()
                .find(|r| &r.unit == unit)
                .map(|r| {
                    let name = r.contact.clone().unwrap_or_default();
                    let phone = r.phone.clone().map(|x| format!("　联系电话：{x}")).unwrap_or_default();
                    format!("单位联系人：{name}{phone}")
                })
                .unwrap_or_default(),
        };
        match by_unit.iter_mut().find(|(u, _, _)| u == unit) {
            Some((_, items, _)) => items.push(item),
            None => by_unit.push((unit.clone(), vec![item], n.deadline)),
        }
    }
    let date = ds.office.issue_date(p);
    by_unit
        .into_iter()
        .map(|(unit, items, deadline)| OrderView {
            office: office.supervision_office.clone(),
            title: format!("{unit}督办通知单"),
            unit,
            items,
            deadline: format!("{}前书面反馈整改方案", deadline.chinese()),
            feedback: format!(
                "整改情况经主要负责同志签字、加盖公章后报{}，电子版同步报送。",
                office.supervision_office
            ),
            issuer: office.supervision_office.clone(),
            date: date.chinese(),
        })
        .collect()
}

fn next_quarter_end(p: Period) -> String {
    if p.quarter < 4 {
        Period { year: p.year, quarter: p.quarter + 1 }.end().chinese()
    } else {
        format!("{}年3月31日", p.year + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_whole() {
        assert_eq!(shorten_at_boundary("完成 6.8 万千瓦。", 40), ("完成 6.8 万千瓦。".to_owned(), false));
    }

    #[test]
    fn long_text_keeps_whole_sentences() {
        let t = "全年新增装机6.8万千瓦，完成年度目标的68%。王奉镇风电项目完成3.5万千瓦并网。储能电站完成备案。";
        let (kept, cut) = shorten_at_boundary(t, 45);
        assert!(cut);
        assert_eq!(kept, "全年新增装机6.8万千瓦，完成年度目标的68%。王奉镇风电项目完成3.5万千瓦并网。");
        let (kept, _) = shorten_at_boundary(t, 30);
        assert_eq!(kept, "全年新增装机6.8万千瓦，完成年度目标的68%。");
    }

    #[test]
    fn a_long_first_sentence_is_cut_at_a_clause_never_in_a_number() {
        let t =
            "全年新增市级工程研究中心2家，全县新增市级创新平台6家、省级以上1家；完成年度目标12345.6万元，超额完成。";
        let (kept, cut) = shorten_at_boundary(t, 40);
        assert!(cut);
        assert_eq!(kept, "全年新增市级工程研究中心2家，全县新增市级创新平台6家、省级以上1家");
        let (kept, _) = shorten_at_boundary(t, 10);
        assert_eq!(kept, t, "no boundary within the limit: the first sentence whole");
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        let t = "完成“两高”项目监管。”后续工作。再一句话很长很长很长。";
        let (kept, _) = shorten_at_boundary(t, 12);
        assert_eq!(kept, "完成“两高”项目监管。”");
    }
}
