//! The item file (`data/orders/<year>/<db|xt>-NNN.yaml`): raw structs, their span mirror, and
//! validation into [`Item`]s with every problem located at file:line:column (docs/rules.md §19).
//!
//! The file is read by `data::load` (the only YAML reader) and written by [`super::store`] with
//! serde_yaml; `events` is the last key, so appending an event appends text and earlier bytes
//! never change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::timing::OrdersConfig;
use super::{apply, Action, CoordinationLevel, Event, Item, Kind, Number, OrderLevel, Register, Role};
use crate::data::load::{parse_yaml, source_from_bytes, Parsed};
use crate::data::model::{Date, Period, Plan};
use crate::data::spans::{locate, At, HasSpans, Item as SpanItem};
use crate::diag::{closest, Diagnostic, Diagnostics, Loc, SourceMap};

/// One item file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    /// `order` (督办事项) | `coordination` (需协调事项)
    pub kind: String,
    /// As printed: 督办〔2023〕3号
    pub number: String,
    /// 任务编号
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<u32>,
    /// The matter: the task's title, or the problem raised.
    pub title: String,
    /// 承办 first, then 协办.
    pub units: Vec<String>,
    /// The quarter whose build issued it (2023Q3).
    pub period: String,
    /// 督办级别 (`red` | `yellow`), or the level a 需协调事项 asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// 交办日期 (YYYY-MM-DD)
    pub issued: String,
    /// 办理时限 at issue (YYYY-MM-DD); extensions are events.
    pub deadline: String,
    /// The closed item a 回头看 follows up (its number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revisit_of: Option<String>,
    /// The history, oldest first; appended to, never rewritten.
    #[serde(default)]
    pub events: Vec<RawEvent>,
}

/// One event as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    /// `2023-10-16` or `2023-10-16T09:30:00+08:00`
    pub at: String,
    /// Who: a person of the office, or the unit.
    pub by: String,
    /// `office` | `unit` | `leader`
    pub role: String,
    /// `issue`, `acknowledge`, `reply`, … (docs/rules.md §19)
    pub action: String,
    /// Reason, 办理情况 or note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// 存在问题 (reply)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<String>,
    /// 下步措施 (reply)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_steps: Option<String>,
    /// 延期申请 / 同意延期: the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_deadline: Option<String>,
    /// 呈报: 牵头单位协调 | 分管县领导 | 县政府常务会议
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Attached files, relative to the data directory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

/// Positions in an item file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemSpans {
    pub kind: Option<At>,
    pub number: Option<At>,
    pub task: Option<At>,
    pub title: Option<At>,
    pub units: Vec<At>,
    pub period: Option<At>,
    pub level: Option<At>,
    pub issued: Option<At>,
    pub deadline: Option<At>,
    pub revisit_of: Option<At>,
    pub events: Vec<SpanItem<EventSpans>>,
}

/// Positions in one event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EventSpans {
    pub at: Option<At>,
    pub by: Option<At>,
    pub role: Option<At>,
    pub action: Option<At>,
    pub text: Option<At>,
    pub new_deadline: Option<At>,
    pub level: Option<At>,
    pub attachments: Vec<At>,
}

impl HasSpans for RawItem {
    type Spans = ItemSpans;
}

impl From<&Event> for RawEvent {
    fn from(e: &Event) -> RawEvent {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        RawEvent {
            at: e.at.clone(),
            by: e.by.clone(),
            role: e.role.id().into(),
            action: e.action.id().into(),
            text: opt(&e.text),
            problems: opt(&e.problems),
            next_steps: opt(&e.next_steps),
            new_deadline: e.new_deadline.map(|d| d.to_string()),
            level: e.level.map(|l| l.label().to_owned()),
            attachments: e.attachments.clone(),
        }
    }
}

/// `2023-10-16` (that date) or a date and time (`2023-10-16T09:30:00+08:00`; without an offset,
/// office time) → (office date, instant when a time was given).
pub fn parse_at(s: &str, offset: i32) -> Option<(Date, Option<i64>)> {
    let s = s.trim();
    if s.len() == 10 {
        return Date::parse(s).filter(|d| d.to_string() == s).map(|d| (d, None));
    }
    let unix = crate::clock::parse_instant(s, offset)?;
    let date = Date { year: 1970, month: 1, day: 1 }.add_days((unix + i64::from(offset)).div_euclid(86_400));
    Some((date, Some(unix)))
}

/// `at` for an event taken now on the office clock, as the register writes it: office time with
/// its offset, to the second (`2023-10-20T15:00:00+08:00`).
pub fn at_now(clock: &crate::clock::OfficeClock) -> String {
    let s = clock.format(clock.now()).replace(' ', "T");
    let off = clock.zone().offset_secs / 60;
    format!("{s}{}{:02}:{:02}", if off < 0 { '-' } else { '+' }, off.abs() / 60, off.abs() % 60)
}

/// An event of `by` acting as `role` at `at` (as written; office time without an offset), with
/// no text yet; `None` when `at` cannot be read ([`parse_at`]).
pub fn event_at(at: &str, offset: i32, by: &str, role: Role, action: Action) -> Option<Event> {
    let (date, instant) = parse_at(at, offset)?;
    Some(Event {
        at: at.trim().to_owned(),
        date,
        instant,
        by: by.trim().to_owned(),
        role,
        action,
        text: String::new(),
        problems: String::new(),
        next_steps: String::new(),
        new_deadline: None,
        level: None,
        attachments: Vec::new(),
    })
}

/// What validating an item needs besides its file.
pub struct Cx<'a> {
    pub plan: &'a Plan,
    pub cfg: &'a OrdersConfig,
    /// Office time zone offset (seconds east of UTC).
    pub offset: i32,
}

/// Loads and validates every item under `dir/orders/` (`<year>/<db|xt>-NNN.yaml`), then the checks
/// across items (one order per task and period; 回头看 of a closed item). Returns the register of
/// the items without errors, every diagnostic, and the files' text for snippets.
pub fn load_register(dir: &Path, cx: &Cx) -> (Register, Diagnostics, SourceMap) {
    load_register_memo(dir, cx, &mut Memo::default())
}

/// What reading one item file gave: the bytes read, the item when valid, the file's own problems
/// and its text (for snippets).
#[derive(Debug, Clone)]
struct FileRead {
    bytes: Vec<u8>,
    item: Option<Item>,
    diags: Diagnostics,
    text: Option<String>,
}

/// Item files already read, each with the bytes it was read from, so that a reader who loads the
/// register again (the server, on every page) parses and validates only the files that changed.
/// Valid for one plan and one `office.yaml` (the [`Cx`]): start a new one when they change.
#[derive(Debug, Clone, Default)]
pub struct Memo {
    files: BTreeMap<std::path::PathBuf, FileRead>,
}

/// [`load_register`], reusing what `memo` holds for files whose bytes are unchanged and keeping
/// the rest in it. The checks across items run every time.
pub fn load_register_memo(dir: &Path, cx: &Cx, memo: &mut Memo) -> (Register, Diagnostics, SourceMap) {
    let mut seen = BTreeSet::new();
    let out = load_with_memo(dir, cx, memo, &mut seen);
    // Files no longer there leave the memo.
    memo.files.retain(|p, _| seen.contains(p));
    out
}

fn load_with_memo(
    dir: &Path,
    cx: &Cx,
    memo: &mut Memo,
    seen: &mut BTreeSet<std::path::PathBuf>,
) -> (Register, Diagnostics, SourceMap) {
    let mut diags = Diagnostics::default();
    let mut sources = SourceMap::default();
    let mut register = Register::default();
    let root = dir.join("orders");
    if !root.is_dir() {
        return (register, diags, sources);
    }
    let display_root = dir.parent().filter(|p| !p.as_os_str().is_empty());
    let name_of = |p: &Path| -> String {
        let rel = display_root.and_then(|r| p.strip_prefix(r).ok()).unwrap_or(p);
        rel.to_string_lossy().replace('\\', "/")
    };
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name().follow_links(false) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diags.push(Diagnostic::error(format!("无法读取目录：{e}")));
                continue;
            }
        };
        let file_name = entry.file_name().to_string_lossy().into_owned();
        // The reminders' log lives beside the items (docs/rules.md §19 “提醒”).
        if !entry.file_type().is_file() || file_name.starts_with('.') || file_name == super::remind::LOG {
            continue;
        }
        let path = entry.path();
        let name = name_of(path);
        let year_dir = path
            .strip_prefix(&root)
            .ok()
            .and_then(|r| r.parent())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !file_name.ends_with(".yaml") {
            diags.push(
                Diagnostic::warning(format!("督办登记目录中的文件 {name} 不是事项文件，已忽略"))
                    .at(Loc::file(name))
                    .hint("事项文件由 ducha orders 写入，名为 orders/<年度>/db-001.yaml、xt-001.yaml；附件放在别处"),
            );
            continue;
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                diags.push(Diagnostic::error(format!("无法读取文件：{e}")).at(Loc::file(name)));
                continue;
            }
        };
        seen.insert(path.to_path_buf());
        let read = match memo.files.get(path).filter(|r| r.bytes == bytes) {
            Some(r) => r,
            None => {
                let mut file_diags = Diagnostics::default();
                let source = source_from_bytes(path, name, &bytes, &mut file_diags);
                let text = source.as_ref().map(|s| s.text.clone());
                let item = source
                    .and_then(|source| parse_yaml::<RawItem>(source, &mut file_diags))
                    .and_then(|parsed| validate_item(&parsed, &year_dir, &file_name, cx, &mut file_diags));
                let read = FileRead { bytes, item, diags: file_diags, text };
                memo.files.insert(path.to_path_buf(), read);
                &memo.files[path]
            }
        };
        if let Some(text) = &read.text {
            sources.insert(name_of(path), text.clone());
        }
        diags.0.extend(read.diags.0.iter().cloned());
        if let Some(item) = &read.item {
            register.items.push(item.clone());
        }
    }
    across_items(&register, &mut diags);
    register.items.sort_by_key(|i| i.number);
    diags.sort();
    (register, diags, sources)
}

/// Checks that need several items: one 督办事项 per task and period (a later one must be a 回头看),
/// and a 回头看 follows a closed item that exists.
fn across_items(register: &Register, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(Period, u32), &Item> = BTreeMap::new();
    for item in &register.items {
        let at = Loc::new(item.file.clone(), 1, 1);
        if let Some(of) = item.revisit_of {
            match register.get(of) {
                Some(old) if old.track.phase == super::Phase::Closed => {}
                Some(_) => diags.push(
                    Diagnostic::error(format!("{} 是 {of} 的“回头看”，但 {of} 尚未办结", item.number))
                        .at(at)
                        .hint("“回头看”只对已办结的事项开展"),
                ),
                None => diags.push(
                    Diagnostic::error(format!("{} 的 revisit_of 指向不存在的事项 {of}", item.number))
                        .at(at)
                        .hint("写成已办结事项的编号，如 督办〔2023〕3号"),
                ),
            }
            continue;
        }
        if let (Kind::Order, Some(task)) = (item.kind, item.task) {
            if let Some(first) = seen.insert((item.period, task), item) {
                diags.push(
                    Diagnostic::error(format!(
                        "{} 与 {} 都是 {} 第 {task} 项任务的督办事项",
                        item.number, first.number, item.period
                    ))
                    .at(at)
                    .hint("每期每项任务只下发一份督办通知单；跟踪已办结事项请用“回头看”（revisit_of）"),
                );
            }
        }
    }
}

/// One file → an [`Item`], or `None` with every problem in `diags`.
pub fn validate_item(
    parsed: &Parsed<RawItem>,
    year_dir: &str,
    file_name: &str,
    cx: &Cx,
    diags: &mut Diagnostics,
) -> Option<Item> {
    let raw = &parsed.value;
    let sp = &parsed.spans;
    let file = parsed.source.name.as_str();
    let before = diags.error_count();
    let top = |at: Option<&At>| locate(file, at, None);
    let mut err = |at: Option<&At>, msg: String, hint: &str| {
        let (l, len) = top(at);
        let d = Diagnostic::error(msg).at_span(l, len);
        diags.push(if hint.is_empty() { d } else { d.hint(hint) });
    };

    let kind = Kind::parse(&raw.kind);
    if kind.is_none() {
        err(
            sp.kind.as_ref(),
            format!("事项类别 `kind: {}` 无效", raw.kind),
            "填写 order（督办事项）或 coordination（需协调事项）",
        );
    }
    let number = Number::parse(&raw.number);
    match (number, kind) {
        (None, _) => err(
            sp.number.as_ref(),
            format!("编号 “{}” 无法识别", raw.number),
            "写成 督办〔2023〕3号 或 协调〔2023〕1号",
        ),
        (Some(n), Some(k)) if n.kind != k => err(
            sp.number.as_ref(),
            format!("编号 {n} 与类别 {} 不符", k.id()),
            "督办事项编号为“督办〔年〕N号”，需协调事项为“协调〔年〕N号”",
        ),
        (Some(n), _) if n.file_name() != file_name || n.year.to_string() != year_dir => err(
            sp.number.as_ref(),
            format!("编号 {n} 应存放在 orders/{}/{}，实际为 orders/{year_dir}/{file_name}", n.year, n.file_name()),
            "文件名由编号决定，请勿改名或移动事项文件",
        ),
        _ => {}
    }
    let period = Period::parse(&raw.period);
    match period {
        None => err(sp.period.as_ref(), format!("期间 “{}” 无法识别", raw.period), "写成 2023Q3 这样的形式"),
        Some(p) if p.year != cx.plan.year => {
            err(sp.period.as_ref(), format!("期间 {p} 不在计划年度 {} 内", cx.plan.year), "")
        }
        _ => {}
    }
    match raw.task {
        Some(t) if cx.plan.task(t).is_none() => {
            err(sp.task.as_ref(), format!("任务编号 {t} 不存在"), "核对计划中的任务编号")
        }
        None if kind == Some(Kind::Order) => {
            err(None, "督办事项缺少任务编号 `task`".into(), "在顶层加一行 `task: 任务编号`")
        }
        _ => {}
    }
    if raw.title.trim().is_empty() {
        err(sp.title.as_ref(), "事项内容 `title` 为空".into(), "填写督办的任务或需协调的问题");
    }
    let all_units = cx.plan.all_units();
    if raw.units.is_empty() {
        err(None, "事项没有承办单位 `units`".into(), "units 的第一项是承办单位，其后为协办单位");
    }
    for (i, u) in raw.units.iter().enumerate() {
        if !all_units.contains(&u.trim()) {
            let (l, len) = top(sp.units.get(i));
            let mut d = Diagnostic::error(format!("计划中没有单位 “{u}”")).at_span(l, len);
            if let Some(best) = closest(u, all_units.iter().copied()) {
                d = d.hint(format!("是否应为 “{best}”？"));
            }
            diags.push(d);
        }
    }
    let (mut order_level, mut coordination_level) = (None, None);
    if let Some(l) = &raw.level {
        match kind {
            Some(Kind::Order) => {
                order_level = OrderLevel::parse(l);
                if order_level.is_none() {
                    let (loc, len) = top(sp.level.as_ref());
                    diags.push(
                        Diagnostic::error(format!("督办级别 “{l}” 无效"))
                            .at_span(loc, len)
                            .hint("填写 red（红色督办）或 yellow（黄色督办）"),
                    );
                }
            }
            Some(Kind::Coordination) => {
                coordination_level = CoordinationLevel::parse(l);
                if coordination_level.is_none() {
                    let (loc, len) = top(sp.level.as_ref());
                    diags.push(level_error(l, loc, len));
                }
            }
            None => {}
        }
    }
    let date = |s: &str, at: Option<&At>, what: &str, diags: &mut Diagnostics| {
        let d = Date::parse(s).filter(|d| d.to_string() == s.trim());
        if d.is_none() {
            let (l, len) = top(at);
            diags.push(Diagnostic::error(format!("{what} “{s}” 无法识别")).at_span(l, len).hint("日期写成 2023-10-13"));
        }
        d
    };
    let issued = date(&raw.issued, sp.issued.as_ref(), "交办日期", diags);
    let deadline = date(&raw.deadline, sp.deadline.as_ref(), "办理时限", diags);
    if let (Some(i), Some(d)) = (issued, deadline) {
        if d < i {
            let (l, len) = top(sp.deadline.as_ref());
            diags.push(Diagnostic::error(format!("办理时限 {d} 早于交办日期 {i}")).at_span(l, len));
        }
    }
    let revisit_of = raw.revisit_of.as_deref().and_then(|r| {
        let n = Number::parse(r);
        if n.is_none() {
            let (l, len) = top(sp.revisit_of.as_ref());
            diags.push(
                Diagnostic::error(format!("revisit_of “{r}” 不是事项编号"))
                    .at_span(l, len)
                    .hint("写成 督办〔2023〕3号"),
            );
        }
        n
    });

    // The events: each read, then applied in order; the first refused one ends the replay (what
    // follows it would be judged against a state that never was).
    let mut events = Vec::new();
    let no_spans = EventSpans::default();
    for (i, e) in raw.events.iter().enumerate() {
        let item_sp = sp.events.get(i);
        let esp = item_sp.map(|x| &x.fields).unwrap_or(&no_spans);
        let at = |key: Option<&At>| locate(file, key, item_sp.map(|x| &x.at));
        if let Some(ev) = read_event(e, i, esp, &at, cx.offset, diags) {
            events.push((ev, at(esp.action.as_ref())));
        }
    }
    if raw.events.is_empty() {
        diags.push(
            Diagnostic::error("事项没有任何记录（events）")
                .at(Loc::new(file, 1, 1))
                .hint("第一条记录是交办：`- {at: 2023-10-13, by: 督查室, role: office, action: issue}`"),
        );
    }
    let mut years: BTreeSet<i32> = issued.iter().chain(deadline.iter()).map(|d| d.year).collect();
    years.extend(events.iter().map(|(e, _)| e.date.year));
    years.extend(events.iter().filter_map(|(e, _)| e.new_deadline.map(|d| d.year)));
    for y in years {
        if !cx.cfg.calendar.has_official(y) {
            diags.push(
                Diagnostic::warning(format!("{y} 年没有内置的法定节假日安排，工作日按周一至周五计算"))
                    .at(Loc::new(file, 1, 1))
                    .hint("在 office.yaml 的 orders.holidays / orders.workdays 中写明当年的放假和调休日期"),
            );
        }
    }
    if diags.error_count() > before || events.len() != raw.events.len() {
        return None;
    }
    let (kind, number, period, issued, deadline) = (kind?, number?, period?, issued?, deadline?);
    let units: Vec<String> = raw.units.iter().map(|u| u.trim().to_owned()).collect();
    let icx = super::ItemCx { kind, units: &units, issued, deadline };
    let mut track = None;
    for (i, (ev, (loc, len))) in events.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| &events[j].0);
        match apply(icx, track.as_ref(), ev, prev) {
            Ok(t) => track = Some(t),
            Err(r) => {
                let state = track.as_ref().map(|t: &super::Track| t.phase.label()).unwrap_or("未交办");
                diags.push(
                    Diagnostic::error(format!("第 {} 条记录（{}）不符合办理流程：{r}", i + 1, ev.action.label()))
                        .at_span(loc.clone(), *len)
                        .hint(format!("此前事项状态为“{state}”；流程和权限见 docs/rules.md §19")),
                );
                return None;
            }
        }
    }
    Some(Item {
        number,
        kind,
        task: raw.task,
        title: raw.title.trim().to_owned(),
        units,
        period,
        order_level,
        coordination_level,
        issued,
        deadline,
        revisit_of,
        events: events.into_iter().map(|(e, _)| e).collect(),
        track: track?,
        file: file.to_owned(),
    })
}

fn level_error(l: &str, loc: Loc, len: usize) -> Diagnostic {
    let names: Vec<&str> = CoordinationLevel::ALL.iter().map(|l| l.label()).collect();
    let mut d = Diagnostic::error(format!("协调层级 “{l}” 无效")).at_span(loc, len);
    if let Some(best) = closest(l, names.iter().copied()) {
        d = d.hint(format!("是否应为 “{best}”？"));
    }
    d.hint(format!("可选：{}", names.join("、")))
}

/// One raw event → an [`Event`] (each field checked; problems into `diags`).
fn read_event(
    e: &RawEvent,
    i: usize,
    sp: &EventSpans,
    at: &dyn Fn(Option<&At>) -> (Loc, usize),
    offset: i32,
    diags: &mut Diagnostics,
) -> Option<Event> {
    let n = i + 1;
    let before = diags.error_count();
    let when = parse_at(&e.at, offset);
    if when.is_none() {
        let (l, len) = at(sp.at.as_ref());
        diags.push(
            Diagnostic::error(format!("第 {n} 条记录的时间 “{}” 无法识别", e.at))
                .at_span(l, len)
                .hint("写成 2023-10-16 或 2023-10-16T09:30:00+08:00"),
        );
    }
    let role = Role::parse(&e.role);
    if role.is_none() {
        let (l, len) = at(sp.role.as_ref());
        diags.push(
            Diagnostic::error(format!("第 {n} 条记录的角色 “{}” 无效", e.role))
                .at_span(l, len)
                .hint("可选：office（督查室）、unit（承办单位）、leader（县领导）"),
        );
    }
    let action = Action::parse(&e.action);
    if action.is_none() {
        let (l, len) = at(sp.action.as_ref());
        let ids: Vec<String> = Action::ALL.iter().map(|a| format!("{}（{}）", a.id(), a.label())).collect();
        let mut d = Diagnostic::error(format!("第 {n} 条记录的操作 “{}” 无效", e.action)).at_span(l, len);
        if let Some(best) = closest(&e.action, Action::ALL.iter().map(|a| a.id())) {
            d = d.hint(format!("是否应为 `{best}`？"));
        }
        diags.push(d.hint(format!("可选：{}", ids.join("、"))));
    }
    if e.by.trim().is_empty() {
        let (l, len) = at(sp.by.as_ref());
        diags.push(Diagnostic::error(format!("第 {n} 条记录没有写明办理人（by）")).at_span(l, len));
    }
    let new_deadline = e.new_deadline.as_deref().and_then(|s| {
        let d = Date::parse(s).filter(|d| d.to_string() == s.trim());
        if d.is_none() {
            let (l, len) = at(sp.new_deadline.as_ref());
            diags.push(
                Diagnostic::error(format!("第 {n} 条记录的日期 new_deadline “{s}” 无法识别"))
                    .at_span(l, len)
                    .hint("日期写成 2023-11-10"),
            );
        }
        d
    });
    let level = e.level.as_deref().and_then(|l| {
        let v = CoordinationLevel::parse(l);
        if v.is_none() {
            let (loc, len) = at(sp.level.as_ref());
            diags.push(level_error(l, loc, len));
        }
        v
    });
    for (k, a) in e.attachments.iter().enumerate() {
        if crate::names::join_relative_inside(Path::new("."), a).is_err() {
            let (l, len) = at(sp.attachments.get(k));
            diags.push(
                Diagnostic::error(format!("第 {n} 条记录的附件路径 “{a}” 无效"))
                    .at_span(l, len)
                    .hint("附件写成数据目录内的相对路径，如 orders/2023/附件/db-003-反馈.pdf"),
            );
        }
    }
    if diags.error_count() > before {
        return None;
    }
    let (date, instant) = when?;
    Some(Event {
        at: e.at.trim().to_owned(),
        date,
        instant,
        by: e.by.trim().to_owned(),
        role: role?,
        action: action?,
        text: e.text.clone().unwrap_or_default(),
        problems: e.problems.clone().unwrap_or_default(),
        next_steps: e.next_steps.clone().unwrap_or_default(),
        new_deadline,
        level,
        attachments: e.attachments.clone(),
    })
}
