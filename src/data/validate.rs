//! Stage 2, validate: raw YAML structs → domain types that cannot be invalid.
//!
//! Every problem is collected (never the first only), each located at file:line:column with a
//! hint, in Chinese. Semantic errors are located with the span mirror of each file
//! ([`super::spans`], filled by the same YAML parser). Warnings
//! (未报送, late reports, claims the figures do not support, figures going backwards) do not stop
//! the pipeline.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::load::{Loaded, Parsed};
use super::model::*;
use super::raw::*;
use super::spans::{locate, At, EntrySpans, Item, OfficeSpans, ReportSpans, SectionSpans, TargetSpans, TaskSpans};
use crate::diag::{closest, Diagnostic, Diagnostics, Loc};

/// Validates everything loaded. Returns the dataset when there is no error; the diagnostics
/// (errors and warnings) in any case.
pub fn validate(loaded: &Loaded) -> (Option<Dataset>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut places = Places::default();
    let plan = loaded.plan.as_ref().and_then(|p| validate_plan(p, &mut places, &mut diags));
    let office = loaded.office.as_ref().and_then(|o| validate_office(o, &mut places, &mut diags));
    let reports = match &plan {
        Some(plan) => validate_reports(plan, &loaded.reports, &mut places, &mut diags),
        None => BTreeMap::new(),
    };
    if let Some(a) = &loaded.assessment {
        crate::assess::rules::validate(a, &mut diags);
    }
    for (dir, src) in &loaded.markdown {
        if Period::parse(dir).is_none() {
            diags.push(
                Diagnostic::warning(format!("Markdown 文件不在季度目录中，已忽略：{}", src.name))
                    .at(Loc::file(src.name.clone()))
                    .hint("放到 reports/2023Q2/ 这样的季度目录下"),
            );
        }
    }
    diags.sort();
    match (plan, office, diags.has_errors()) {
        (Some(plan), Some(office), false) => {
            (Some(Dataset { plan, office, reports, places, evidence: loaded.evidence.clone() }), diags)
        }
        _ => (None, diags),
    }
}

/// plan.yaml → Plan.
pub fn validate_plan(parsed: &Parsed<RawPlan>, places: &mut Places, diags: &mut Diagnostics) -> Option<Plan> {
    let raw = &parsed.value;
    let sp = &parsed.spans;
    let file = parsed.source.name.as_str();
    let errors_before = diags.error_count();

    let date = raw.date.as_deref().and_then(|d| {
        let parsed_date = Date::parse(d);
        if parsed_date.is_none() {
            let (loc, len) = locate(file, sp.date.as_ref(), None);
            diags.push(Diagnostic::error(format!("日期 “{d}” 无法识别")).at_span(loc, len).hint("日期写成 2023-06-12"));
        }
        parsed_date
    });
    let year = raw.year.or(date.map(|d| d.year)).unwrap_or_else(|| {
        diags.push(Diagnostic::error("计划缺少年度 `year`").at(Loc::new(file, 1, 1)).hint("在顶层加一行 `year: 2023`"));
        0
    });
    if raw.title.trim().is_empty() {
        let (loc, len) = locate(file, sp.title.as_ref(), None);
        diags.push(Diagnostic::error("计划名称 `title` 为空").at_span(loc, len).hint("填写计划的标题"));
    }
    places.put("plan.title", file, sp.title.as_ref());
    places.put("plan.doc_number", file, sp.doc_number.as_ref());

    let mut sections = Vec::new();
    let mut tasks: Vec<Task> = Vec::new();
    let mut seen_tasks: HashMap<u32, usize> = HashMap::new();
    let mut seen_sections = BTreeSet::new();
    let no_section = SectionSpans::default();
    let no_task = TaskSpans::default();
    for (si, section) in raw.sections.iter().enumerate() {
        let section_sp = sp.sections.get(si);
        let ssp = section_sp.map(|s| &s.fields).unwrap_or(&no_section);
        if !seen_sections.insert(section.number) {
            let (loc, len) = locate(file, ssp.number.as_ref(), section_sp.map(|s| &s.at));
            diags.push(
                Diagnostic::error(format!("章节编号 {} 重复", section.number))
                    .at_span(loc, len)
                    .hint("每个章节的 number 应唯一"),
            );
        }
        places.put(format!("section.{}.title", section.number), file, ssp.title.as_ref());
        let mut numbers = Vec::new();
        for (ti, t) in section.tasks.iter().enumerate() {
            let task_sp = ssp.tasks.get(ti);
            let tsp = task_sp.map(|t| &t.fields).unwrap_or(&no_task);
            let (loc, _) = locate(file, tsp.number.as_ref(), task_sp.map(|t| &t.at));
            let at = |key: Option<&At>| locate(file, key, task_sp.map(|t| &t.at));
            if seen_tasks.insert(t.number, loc.line).is_some() {
                diags.push(
                    Diagnostic::error(format!("任务编号 {} 重复", t.number))
                        .at_span(loc.clone(), t.number.to_string().len())
                        .hint("任务编号全文连续、唯一；修改编号或删除重复的任务"),
                );
                continue;
            }
            if t.title.trim().is_empty() || t.text.trim().is_empty() {
                let (key, span) =
                    if t.title.trim().is_empty() { ("title", tsp.title.as_ref()) } else { ("text", tsp.text.as_ref()) };
                let (l, len) = at(span);
                diags.push(
                    Diagnostic::error(format!("第 {} 项任务的 `{key}` 为空", t.number))
                        .at_span(l, len)
                        .hint("填写任务的短标题和全文"),
                );
            }
            let unit_spans = tsp.lead_units.iter().map(Some).chain(std::iter::repeat(None)).take(t.lead_units.len());
            let unit_spans = unit_spans.chain(
                tsp.participating_units
                    .iter()
                    .map(Some)
                    .chain(std::iter::repeat(None))
                    .take(t.participating_units.len()),
            );
            for (u, u_sp) in t.lead_units.iter().chain(&t.participating_units).zip(unit_spans) {
                let (l, len) = at(u_sp);
                if u.trim().is_empty() {
                    diags.push(
                        Diagnostic::error(format!("第 {} 项任务有空的单位名称", t.number)).at_span(l.clone(), len),
                    );
                }
                places.insert(format!("unit.{}", u.trim()), l);
            }
            places.put(format!("task.{}.title", t.number), file, tsp.title.as_ref());
            let targets = t
                .targets
                .iter()
                .enumerate()
                .filter_map(|(i, rt)| {
                    let target_sp = tsp.targets.get(i);
                    if let Some(x) = target_sp {
                        places.put(format!("task.{}.target.{i}", t.number), file, x.fields.text.as_ref());
                    }
                    validate_target(rt, t.number, i, file, target_sp, diags)
                })
                .collect();
            let milestones = t.milestones.as_ref().and_then(|m| {
                let keys = ["Q1", "Q2", "Q3", "Q4"];
                let unknown: Vec<&String> = m.keys().filter(|k| !keys.contains(&k.as_str())).collect();
                let missing: Vec<&str> = keys.iter().copied().filter(|k| !m.contains_key(*k)).collect();
                if !unknown.is_empty() || !missing.is_empty() {
                    let (l, len) = at(tsp.milestones.as_ref().map(|m| &m.at));
                    diags.push(
                        Diagnostic::error(format!("第 {} 项任务的形象进度节点 `milestones` 不完整", t.number))
                            .at_span(l, len)
                            .hint("milestones 须有且只有 Q1、Q2、Q3、Q4 四个节点"),
                    );
                    return None;
                }
                Some(keys.map(|k| m[k].clone()))
            });
            let evidence = crate::evidence::config::validate_slots(t.number, &t.evidence, &tsp.evidence, file, diags);
            numbers.push(t.number);
            tasks.push(Task {
                number: t.number,
                section: section.number,
                title: t.title.trim().to_owned(),
                text: t.text.trim().to_owned(),
                lead_units: t.lead_units.iter().map(|u| u.trim().to_owned()).collect(),
                participating_units: t.participating_units.iter().map(|u| u.trim().to_owned()).collect(),
                targets,
                milestones,
                evidence,
                loc,
            });
        }
        sections.push(Section { number: section.number, title: section.title.trim().to_owned(), tasks: numbers });
    }
    if tasks.is_empty() {
        diags.push(
            Diagnostic::error("计划中没有任何任务")
                .at(Loc::file(file))
                .hint("用 `ducha plan import` 从印发通知生成计划"),
        );
    }
    tasks.sort_by_key(|t| t.number);
    if diags.error_count() > errors_before {
        return None;
    }
    Some(Plan {
        title: raw.title.trim().to_owned(),
        doc_number: raw.doc_number.clone(),
        issuer: raw.issuer.clone(),
        date,
        year,
        sections,
        tasks,
    })
}

fn validate_target(
    rt: &RawTarget,
    task: u32,
    i: usize,
    file: &str,
    sp: Option<&Item<TargetSpans>>,
    diags: &mut Diagnostics,
) -> Option<Target> {
    let locate = |key: &str| {
        let f = sp.map(|s| &s.fields);
        let at = match key {
            "kind" => f.and_then(|f| f.kind.as_ref()),
            "comparison" => f.and_then(|f| f.comparison.as_ref()),
            _ => f.and_then(|f| f.value.as_ref()),
        };
        locate(file, at, sp.map(|s| &s.at))
    };
    let kind = TargetKind::parse(&rt.kind);
    if kind.is_none() {
        let (l, len) = locate("kind");
        let mut d =
            Diagnostic::error(format!("第 {task} 项任务第 {} 个指标的类型 “{}” 无效", i + 1, rt.kind)).at_span(l, len);
        if let Some(best) = closest(&rt.kind, TargetKind::NAMES.iter().copied()) {
            d = d.hint(format!("是否应为 `{best}`？"));
        }
        diags.push(d.hint(format!("可用类型：{}", TargetKind::NAMES.join("、"))));
    }
    let comparison = Comparison::parse(&rt.comparison);
    if comparison.is_none() {
        let (l, len) = locate("comparison");
        let mut d =
            Diagnostic::error(format!("第 {task} 项任务第 {} 个指标的比较方式 “{}” 无效", i + 1, rt.comparison))
                .at_span(l, len);
        if let Some(best) = closest(&rt.comparison, Comparison::NAMES.iter().copied()) {
            d = d.hint(format!("是否应为 `{best}`？"));
        }
        diags.push(d.hint(format!("可用取值：{}", Comparison::NAMES.join("、"))));
    }
    let (kind, comparison) = (kind?, comparison?);
    if kind != TargetKind::Text && rt.value.is_none_or(|v| !v.is_finite()) {
        let (l, len) = locate("value");
        diags.push(
            Diagnostic::error(format!("第 {task} 项任务第 {} 个指标缺少目标值 `value`", i + 1))
                .at_span(l, len)
                .hint("填写数字目标值；确实无法量化的指标把 kind 改为 text"),
        );
        return None;
    }
    Some(Target {
        text: rt.text.clone(),
        kind,
        value: rt.value,
        value_max: rt.value_max,
        unit: rt.unit.clone(),
        comparison,
        baseline: rt.baseline,
    })
}

/// office.yaml → Office. Each part is checked by its own step: the required texts
/// ([`office_required`]), the per-period numbers and dates ([`office_periods`]), the thresholds
/// and escalation ([`office_thresholds`]), retention, 份号 and 紧急程度 ([`office_marks`]), the
/// notice table ([`office_notice_table`]) and the time zone ([`office_timezone`]); then the
/// printed fields' places are recorded ([`office_places`]).
pub fn validate_office(parsed: &Parsed<RawOffice>, places: &mut Places, diags: &mut Diagnostics) -> Option<Office> {
    let raw = &parsed.value;
    let sp = &parsed.spans;
    let file = parsed.source.name.as_str();
    let before = diags.error_count();
    office_required(raw, sp, file, diags);
    let OfficePeriods { notice_numbers, briefing_numbers, order_numbers, issue_dates } =
        office_periods(raw, sp, file, diags);
    let (thresholds, escalation) = office_thresholds(raw, sp, file, diags);
    office_marks(raw, sp, file, diags);
    let notice_table = office_notice_table(raw, sp, file, diags);
    let timezone = office_timezone(raw, sp, file, diags);
    let orders = validate_orders_config(&raw.orders, &sp.orders, file, diags);
    let evidence =
        crate::evidence::config::validate(&raw.evidence.clone().unwrap_or_default(), &sp.evidence, file, diags);
    office_places(sp, file, places);
    if diags.error_count() > before {
        return None;
    }
    Some(Office {
        county: raw.county.trim().to_owned(),
        issuer_name: raw.issuer.name.trim().to_owned(),
        issuer_mark: raw.issuer.mark.trim().to_owned(),
        issuer_short: raw.issuer.short.trim().to_owned(),
        supervision_office: raw.supervision_office.trim().to_owned(),
        briefing_name: raw.briefing_name.trim().to_owned(),
        leader_briefing_name: raw.leader_briefing_name.clone().unwrap_or_else(|| "领导参阅".into()),
        notice_numbers,
        briefing_numbers,
        order_numbers,
        issue_dates,
        recipients: raw.recipients.trim().to_owned(),
        cc: raw.cc.clone(),
        briefing_report: raw.briefing_to.report.clone(),
        briefing_send: raw.briefing_to.send.clone(),
        briefing_issue: raw.briefing_to.issue.clone(),
        leader_to: raw.leader_to.clone(),
        copies: raw.copies,
        report_deadline_days: raw.report_deadline_days.unwrap_or(5),
        thresholds,
        escalation,
        order_deadline_days: raw.order_deadline_days.unwrap_or(15),
        note: raw.note.clone(),
        copy_no: raw.copy_no.clone(),
        secret: raw.secret.clone().filter(|x| !x.trim().is_empty()),
        urgency: raw.urgency.clone().map(|x| x.trim().to_owned()),
        archive: ArchiveConfig {
            fonds: raw.archive.fonds.clone().unwrap_or_else(|| "J001".into()),
            org_code: raw.archive.org_code.clone().unwrap_or_else(|| "DCS".into()),
            retention: raw
                .archive
                .retention
                .iter()
                .filter_map(|(kind, code)| Some((kind.clone(), Retention::parse(code)?)))
                .collect(),
        },
        notice_table,
        timezone,
        orders,
        evidence,
    })
}

/// The office.yaml texts that must not be empty.
fn office_required(raw: &RawOffice, sp: &OfficeSpans, file: &str, diags: &mut Diagnostics) {
    let top = |at: Option<&At>| locate(file, at, None);
    for (key, value, at) in [
        ("county", &raw.county, &sp.county),
        ("name", &raw.issuer.name, &sp.issuer.name),
        ("mark", &raw.issuer.mark, &sp.issuer.mark),
        ("short", &raw.issuer.short, &sp.issuer.short),
        ("supervision_office", &raw.supervision_office, &sp.supervision_office),
        ("briefing_name", &raw.briefing_name, &sp.briefing_name),
        ("recipients", &raw.recipients, &sp.recipients),
    ] {
        if value.trim().is_empty() {
            let (l, len) = top(at.as_ref());
            diags.push(Diagnostic::error(format!("`{key}` 不能为空")).at_span(l, len).hint("填写该项内容"));
        }
    }
}

/// The per-period numbers (文号) and issue dates (印发日期) of office.yaml.
struct OfficePeriods {
    notice_numbers: BTreeMap<Period, u32>,
    briefing_numbers: BTreeMap<Period, u32>,
    order_numbers: BTreeMap<Period, u32>,
    issue_dates: BTreeMap<Period, Date>,
}

/// `notice_numbers`, `briefing_numbers`, `order_numbers` and `issue_dates`, keyed by period.
fn office_periods(raw: &RawOffice, sp: &OfficeSpans, file: &str, diags: &mut Diagnostics) -> OfficePeriods {
    let top = |at: Option<&At>| locate(file, at, None);
    let mut periods = |map: &BTreeMap<String, u32>, spans: &BTreeMap<String, At>, key: &str| -> BTreeMap<Period, u32> {
        let mut out = BTreeMap::new();
        for (k, v) in map {
            match Period::parse(k) {
                Some(p) => {
                    out.insert(p, *v);
                }
                None => {
                    let (l, len) = top(spans.get(k));
                    diags.push(
                        Diagnostic::error(format!("`{key}` 中的期间 “{k}” 无法识别"))
                            .at_span(l, len)
                            .hint("期间写成 2023Q1、2023Q2 这样的形式"),
                    );
                }
            }
        }
        out
    };
    let notice_numbers = periods(&raw.notice_numbers, &sp.notice_numbers, "notice_numbers");
    let briefing_numbers = periods(&raw.briefing_numbers, &sp.briefing_numbers, "briefing_numbers");
    let order_numbers = periods(&raw.order_numbers, &sp.order_numbers, "order_numbers");
    let mut issue_dates = BTreeMap::new();
    for (k, v) in &raw.issue_dates {
        match (Period::parse(k), Date::parse(v)) {
            (Some(p), Some(d)) => {
                issue_dates.insert(p, d);
            }
            _ => {
                let (l, len) = top(sp.issue_dates.get(k));
                diags.push(
                    Diagnostic::error(format!("印发日期 `issue_dates` 中 “{k}: {v}” 无法识别"))
                        .at_span(l, len)
                        .hint("写成 `2023Q1: 2023-04-14`"),
                );
            }
        }
    }
    OfficePeriods { notice_numbers, briefing_numbers, order_numbers, issue_dates }
}

/// The status thresholds (defaults where not set) and the escalation rule.
fn office_thresholds(
    raw: &RawOffice,
    sp: &OfficeSpans,
    file: &str,
    diags: &mut Diagnostics,
) -> (Thresholds, Escalation) {
    let top = |at: Option<&At>| locate(file, at, None);
    let d = Thresholds::default();
    let thresholds = Thresholds {
        tolerance: raw.thresholds.tolerance.unwrap_or(d.tolerance),
        yellow_max: raw.thresholds.yellow_max.unwrap_or(d.yellow_max),
        ahead_margin: raw.thresholds.ahead_margin.unwrap_or(d.ahead_margin),
    };
    if !(thresholds.tolerance >= 0.0 && thresholds.yellow_max > thresholds.tolerance && thresholds.ahead_margin >= 0.0)
    {
        let (l, len) = top(sp.thresholds.as_ref().map(|t| &t.at));
        diags.push(
            Diagnostic::error("状态阈值不合理")
                .at_span(l, len)
                .hint("应满足 0 ≤ tolerance < yellow_max，ahead_margin ≥ 0（单位：百分点）"),
        );
    }
    let e = Escalation::default();
    let escalation = Escalation {
        lagging_quarters: raw.escalation.lagging_quarters.unwrap_or(e.lagging_quarters).max(1),
        late_reports: raw.escalation.late_reports.unwrap_or(e.late_reports).max(1),
    };
    (thresholds, escalation)
}

/// Retention periods (保管期限), 份号 and 紧急程度: checked, kept as written.
fn office_marks(raw: &RawOffice, sp: &OfficeSpans, file: &str, diags: &mut Diagnostics) {
    let top = |at: Option<&At>| locate(file, at, None);
    for (kind, code) in &raw.archive.retention {
        if !["notice", "briefing", "leader", "order"].contains(&kind.as_str()) || Retention::parse(code).is_none() {
            let (l, len) = top(sp.archive.retention.get(kind));
            diags.push(Diagnostic::error(format!("保管期限设置 “{kind}: {code}” 无效")).at_span(l, len).hint(
                "文种为 notice、briefing、leader、order；保管期限为 Y（永久）、D30（定期30年）、D10（定期10年）",
            ));
        }
    }
    if let Some(c) = &raw.copy_no {
        if c.len() != 6 || !c.chars().all(|d| d.is_ascii_digit()) {
            let (l, len) = top(sp.copy_no.as_ref());
            diags.push(
                Diagnostic::error(format!("份号 “{c}” 应为 6 位数字"))
                    .at_span(l, len)
                    .hint("例如 copy_no: \"000123\"（加引号）"),
            );
        }
    }
    if let Some(u) = &raw.urgency {
        if !["特急", "加急"].contains(&u.trim()) {
            let (l, len) = top(sp.urgency.as_ref());
            diags.push(
                Diagnostic::error(format!("紧急程度 “{u}” 无效"))
                    .at_span(l, len)
                    .hint("填写“特急”或“加急”，不紧急则删除该行"),
            );
        }
    }
}

/// The notice attachment table's orientation and progress-cell limit.
fn office_notice_table(raw: &RawOffice, sp: &OfficeSpans, file: &str, diags: &mut Diagnostics) -> NoticeTable {
    let top = |at: Option<&At>| locate(file, at, None);
    let mut notice_table = NoticeTable::default();
    if let Some(o) = &raw.notice_table.orientation {
        match Orientation::parse(o) {
            Some(o) => notice_table.orientation = o,
            None => {
                let (l, len) = top(sp.notice_table.orientation.as_ref());
                diags.push(
                    Diagnostic::error(format!("通报附件表的排版方向 `notice_table.orientation: {o}` 无效"))
                        .at_span(l, len)
                        .hint("填写 landscape（横排，默认）或 portrait（竖排）"),
                );
            }
        }
    }
    if let Some(n) = raw.notice_table.progress_limit {
        if !(40..=500).contains(&n) {
            let (l, len) = top(sp.notice_table.progress_limit.as_ref());
            diags.push(
                Diagnostic::error(format!("`notice_table.progress_limit: {n}` 超出范围"))
                    .at_span(l, len)
                    .hint("本期进展单元格的字数上限取 40 至 500（默认 400）：太小读不出进展，太大一行会超过一页"),
            );
        } else {
            notice_table.progress_limit = n;
        }
    }
    notice_table
}

/// The office's time zone (default Asia/Shanghai).
fn office_timezone(raw: &RawOffice, sp: &OfficeSpans, file: &str, diags: &mut Diagnostics) -> crate::clock::TimeZone {
    let top = |at: Option<&At>| locate(file, at, None);
    let mut timezone = crate::clock::TimeZone::default();
    if let Some(z) = &raw.timezone {
        match crate::clock::TimeZone::parse(z) {
            Some(z) => timezone = z,
            None => {
                let (l, len) = top(sp.timezone.as_ref());
                let names: Vec<&str> = crate::clock::TimeZone::known_names().collect();
                diags.push(Diagnostic::error(format!("办公地时区 `timezone: {z}` 无法识别")).at_span(l, len).hint(
                    format!("填写 {}，或 UTC+08:00 这样的固定时差；不填即北京时间 Asia/Shanghai", names.join("、")),
                ));
            }
        }
    }
    timezone
}

/// Where each printed office.yaml field is, for the glyph check.
fn office_places(sp: &OfficeSpans, file: &str, places: &mut Places) {
    for (key, at) in [
        ("county", &sp.county),
        ("issuer.name", &sp.issuer.name),
        ("issuer.mark", &sp.issuer.mark),
        ("issuer.short", &sp.issuer.short),
        ("supervision_office", &sp.supervision_office),
        ("briefing_name", &sp.briefing_name),
        ("leader_briefing_name", &sp.leader_briefing_name),
        ("recipients", &sp.recipients),
        ("note", &sp.note),
        ("copy_no", &sp.copy_no),
        ("secret", &sp.secret),
        ("urgency", &sp.urgency),
    ] {
        places.put(format!("office.{key}"), file, at.as_ref());
    }
    for (key, list) in [
        ("cc", &sp.cc),
        ("briefing_to.report", &sp.briefing_to.report),
        ("briefing_to.send", &sp.briefing_to.send),
        ("briefing_to.issue", &sp.briefing_to.issue),
        ("leader_to", &sp.leader_to),
    ] {
        for (i, at) in list.iter().enumerate() {
            places.put(format!("office.{key}.{i}"), file, Some(at));
        }
    }
    places.file("office", file);
}

/// `orders:` of office.yaml → the 督办 register's settings (docs/rules.md §18–§19): the colour
/// ladder's numbers and the office's own days off and working days over the official calendar.
fn validate_orders_config(
    raw: &RawOrders,
    sp: &super::spans::OrdersSpans,
    file: &str,
    diags: &mut Diagnostics,
) -> crate::orders::timing::OrdersConfig {
    let d = crate::orders::timing::OrdersConfig::default();
    let mut days = |list: &[String], spans: &[At], key: &str| -> Vec<Date> {
        let mut out = Vec::new();
        for (i, s) in list.iter().enumerate() {
            match Date::parse(s).filter(|x| x.to_string() == s.trim()) {
                Some(x) => out.push(x),
                None => {
                    let (l, len) = locate(file, spans.get(i), None);
                    diags.push(
                        Diagnostic::error(format!("`orders.{key}` 中的日期 “{s}” 无法识别"))
                            .at_span(l, len)
                            .hint("每行一个日期，写成 2025-01-02"),
                    );
                }
            }
        }
        out
    };
    let holidays = days(&raw.holidays, &sp.holidays, "holidays");
    let workdays = days(&raw.workdays, &sp.workdays, "workdays");
    for (key, value, at) in [
        ("deadline_workdays", raw.deadline_workdays, &sp.deadline_workdays),
        ("coordination_workdays", raw.coordination_workdays, &sp.coordination_workdays),
    ] {
        if value == Some(0) {
            let (l, len) = locate(file, at.as_ref(), None);
            diags.push(
                Diagnostic::error(format!("`orders.{key}: 0` 无效"))
                    .at_span(l, len)
                    .hint("办理时限至少 1 个工作日；不设此项则按默认"),
            );
        }
    }
    crate::orders::timing::OrdersConfig {
        due_soon_days: raw.due_soon_days.unwrap_or(d.due_soon_days),
        red_overdue_days: raw.red_overdue_days.unwrap_or(d.red_overdue_days),
        red_chases: raw.red_chases.unwrap_or(d.red_chases),
        deadline_workdays: raw.deadline_workdays.filter(|n| *n > 0),
        coordination_workdays: raw.coordination_workdays.filter(|n| *n > 0).unwrap_or(d.coordination_workdays),
        calendar: d.calendar.with_overrides(&holidays, &workdays),
    }
}

/// Reports → per-period lists, with semantic checks against the plan. Each file
/// ([`validate_report`]): its header ([`report_period`], [`report_unit`], [`report_submitted`]),
/// then each entry ([`entry_task`], [`validate_entry`]); a file with an error is left out. Then
/// the checks across quarters ([`cross_period_checks`]).
pub fn validate_reports<'a>(
    plan: &Plan,
    raw: impl IntoIterator<Item = &'a (String, Arc<Parsed<RawReport>>)>,
    places: &mut Places,
    diags: &mut Diagnostics,
) -> BTreeMap<Period, Vec<Report>> {
    let lead_units = plan.lead_units();
    let mut out: BTreeMap<Period, Vec<Report>> = BTreeMap::new();
    // (period, unit, task) → file that first reported it, to catch duplicates across files.
    let mut seen: HashMap<(Period, String, u32), String> = HashMap::new();
    for (dir, parsed) in raw {
        if let Some(report) = validate_report(plan, &lead_units, dir, parsed, &mut seen, places, diags) {
            out.entry(report.period).or_default().push(report);
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| (&a.unit, &a.file).cmp(&(&b.unit, &b.file)));
    }
    cross_period_checks(plan, &out, diags);
    out
}

/// The diagnostics that [`validate`] would give for the file of `report` (in the period folder
/// `dir`) if it took the place of the loaded file at the same path (or were added), read after
/// every other file (so a task reported twice is pointed out in this file), computed from `plan` —
/// the plan [`validate_plan`] makes of the loaded plan.yaml — and the unit's other reports alone.
///
/// That is enough because every rule that looks at more than one report file compares reports of
/// one unit (the `unit` field, trimmed): the duplicate check of [`entry_task`] is keyed by (period,
/// unit, task) and [`cross_period_checks`] pairs a unit's reports of consecutive quarters; every
/// other check of a report reads only that report and the plan. A new rule across units must widen
/// [`same_unit`]; the tests compare this with [`validate`] for every report of the bundled data
/// and of cases built to trip the cross-file rules. `ducha serve` checks a report form this way
/// instead of running every rule over every file.
pub fn validate_one(plan: &Plan, loaded: &Loaded, dir: &str, report: Parsed<RawReport>) -> Diagnostics {
    let unit = report.value.unit.trim().to_owned();
    let path = report.source.path.clone();
    let file = report.source.name.clone();
    let mut reports: Vec<(String, Arc<Parsed<RawReport>>)> =
        same_unit(&loaded.reports, &unit).filter(|(_, p)| p.source.path != path).cloned().collect();
    reports.push((dir.to_owned(), Arc::new(report)));
    let mut diags = Diagnostics::default();
    validate_reports(plan, &reports, &mut Places::default(), &mut diags);
    diags.0.retain(|d| d.loc.as_ref().is_some_and(|l| l.file == file));
    diags.sort();
    diags
}

/// The loaded reports of `unit` (their `unit` field, trimmed): the reports whose checks can see a
/// report of that unit, and that its checks can see ([`validate_one`]).
pub fn same_unit<'a>(
    reports: &'a [(String, Arc<Parsed<RawReport>>)],
    unit: &'a str,
) -> impl Iterator<Item = &'a (String, Arc<Parsed<RawReport>>)> {
    reports.iter().filter(move |(_, p)| p.value.unit.trim() == unit)
}

/// What the checks of one report file share.
struct ReportCx<'a> {
    plan: &'a Plan,
    lead_units: &'a [&'a str],
    file: &'a str,
    /// The `unit` field, trimmed (possibly empty or unknown: that is reported once, by the header).
    unit: &'a str,
    period: Option<Period>,
}

/// Where the keys of one report entry are, for messages.
struct EntryAt<'a> {
    file: &'a str,
    item: Option<&'a Item<EntrySpans>>,
    fields: &'a EntrySpans,
}

impl EntryAt<'_> {
    /// A key of this entry, else the entry's `-`.
    fn at(&self, key: Option<&At>) -> (Loc, usize) {
        locate(self.file, key, self.item.map(|x| &x.at))
    }
}

/// One report file; `None` when it has an error.
fn validate_report(
    plan: &Plan,
    lead_units: &[&str],
    dir: &str,
    parsed: &Parsed<RawReport>,
    seen: &mut HashMap<(Period, String, u32), String>,
    places: &mut Places,
    diags: &mut Diagnostics,
) -> Option<Report> {
    let r = &parsed.value;
    let file = parsed.source.name.as_str();
    let sp = &parsed.spans;
    let before = diags.error_count();
    let period = report_period(plan, dir, r, file, sp, diags);
    let unit = r.unit.trim();
    report_unit(plan, lead_units, unit, file, sp, diags);
    let submitted = report_submitted(r, period, file, sp, diags);
    for (key, at) in
        [("contact", &sp.contact), ("phone", &sp.phone), ("reviewed_by", &sp.reviewed_by), ("submitted", &sp.submitted)]
    {
        places.put(format!("report.{file}.{key}"), file, at.as_ref());
    }
    let cx = ReportCx { plan, lead_units, file, unit, period };
    let no_entry = EntrySpans::default();
    let mut entries = Vec::new();
    let mut in_file = HashMap::new();
    for (k, e) in r.entries.iter().enumerate() {
        let item = sp.entries.get(k);
        let at = EntryAt { file, item, fields: item.map(|x| &x.fields).unwrap_or(&no_entry) };
        for (key, a) in [
            ("progress", &at.fields.progress),
            ("problems", &at.fields.problems),
            ("next_steps", &at.fields.next_steps),
            ("adjustment", &at.fields.adjustment),
        ] {
            places.put(format!("entry.{file}.{k}.{key}"), file, a.as_ref());
        }
        if let Some(task) = entry_task(&cx, e, &at, &mut in_file, seen, diags) {
            entries.push(validate_entry(&cx, task, e, &at, diags));
        }
    }
    if diags.error_count() > before {
        return None;
    }
    Some(Report {
        unit: unit.to_owned(),
        period: period?,
        submitted: submitted?,
        contact: r.contact.clone(),
        phone: r.phone.clone(),
        reviewed_by: r.reviewed_by.clone(),
        entries,
        file: file.to_owned(),
    })
}

/// The report's period: a quarter of the plan year, the same as its directory's.
fn report_period(
    plan: &Plan,
    dir: &str,
    r: &RawReport,
    file: &str,
    sp: &ReportSpans,
    diags: &mut Diagnostics,
) -> Option<Period> {
    let dir_period = Period::parse(dir);
    if dir_period.is_none() {
        diags.push(
            Diagnostic::error(format!("报告所在目录 “{dir}” 不是季度名"))
                .at(Loc::file(file))
                .hint("报告应放在 reports/2023Q1/ 这样的目录中"),
        );
    }
    let period = Period::parse(&r.period);
    let (l, len) = locate(file, sp.period.as_ref(), None);
    match (period, dir_period) {
        (None, _) => diags.push(
            Diagnostic::error(format!("期间 “{}” 无法识别", r.period)).at_span(l, len).hint("写成 2023Q2 这样的形式"),
        ),
        (Some(p), Some(d)) if p != d => diags.push(
            Diagnostic::error(format!("报告写明期间为 {p}，但放在了 {d} 目录中"))
                .at_span(l, len)
                .hint(format!("把 period 改为 {d}，或把文件移到 reports/{p}/")),
        ),
        (Some(p), _) if p.year != plan.year => diags.push(
            Diagnostic::error(format!("期间 {p} 不在计划年度 {} 内", plan.year))
                .at_span(l, len)
                .hint(format!("本计划只跟踪 {} 年的 Q1–Q4", plan.year)),
        ),
        _ => {}
    }
    period
}

/// The reporting unit must lead some task (only lead units report).
fn report_unit(plan: &Plan, lead_units: &[&str], unit: &str, file: &str, sp: &ReportSpans, diags: &mut Diagnostics) {
    let (unit_loc, unit_len) = locate(file, sp.unit.as_ref(), None);
    if unit.is_empty() {
        diags.push(
            Diagnostic::error("报送单位 `unit` 为空").at_span(unit_loc, unit_len).hint("填写计划中的牵头单位名称"),
        );
    } else if !lead_units.contains(&unit) {
        let mut d = if plan.all_units().contains(&unit) {
            Diagnostic::error(format!("“{unit}” 不是任何任务的牵头单位，只有牵头单位报送进展"))
        } else {
            Diagnostic::error(format!("计划中没有单位 “{unit}”"))
        };
        d = d.at_span(unit_loc, unit_len);
        if let Some(best) = closest(unit, lead_units.iter().copied()) {
            d = d.hint(format!("是否应为 “{best}”？"));
        } else {
            d = d.hint("单位名称须与计划中的牵头单位完全一致");
        }
        diags.push(d);
    }
}

/// The 报送日期: a date within the period's reporting window (迟报 is decided with the figures,
/// `aggregate::reporting_warnings`: a unit with several files is late only when its earliest one is).
fn report_submitted(
    r: &RawReport,
    period: Option<Period>,
    file: &str,
    sp: &ReportSpans,
    diags: &mut Diagnostics,
) -> Option<Date> {
    let submitted = Date::parse(&r.submitted);
    let (sub_loc, sub_len) = locate(file, sp.submitted.as_ref(), None);
    match (submitted, period) {
        (None, _) => diags.push(
            Diagnostic::error(format!("报送日期 “{}” 无法识别", r.submitted))
                .at_span(sub_loc, sub_len)
                .hint("日期写成 2023-07-04"),
        ),
        (Some(d), Some(p)) if d < p.start() || d > p.end().add_days(90) => {
            diags.push(
                Diagnostic::error(format!("报送日期 {d} 不在 {p} 的报送时段内"))
                    .at_span(sub_loc, sub_len)
                    .hint(format!("{p} 的报告应在 {} 至 {} 之间报送；检查年份和月份", p.start(), p.end().add_days(90))),
            )
        }
        _ => {}
    }
    submitted
}

/// The entry's task: it must exist and appear once in the file (else the entry is dropped); the
/// same unit reporting it in another file of the period, or a unit that does not lead it, is an
/// error too.
fn entry_task<'p>(
    cx: &ReportCx<'p>,
    e: &RawEntry,
    at: &EntryAt,
    in_file: &mut HashMap<u32, usize>,
    seen: &mut HashMap<(Period, String, u32), String>,
    diags: &mut Diagnostics,
) -> Option<&'p Task> {
    let (task_loc, task_len) = at.at(at.fields.task.as_ref());
    let Some(task) = cx.plan.task(e.task) else {
        let max = cx.plan.tasks.last().map(|t| t.number).unwrap_or(0);
        diags.push(
            Diagnostic::error(format!("任务编号 {} 不存在", e.task))
                .at_span(task_loc, task_len)
                .hint(format!("计划中的任务编号为 1–{max}；核对通知中的任务序号")),
        );
        return None;
    };
    if let Some(first) = in_file.insert(e.task, task_loc.line) {
        diags.push(
            Diagnostic::error(format!("第 {} 项任务在本报告中重复填报", e.task))
                .at_span(task_loc, task_len)
                .hint(format!("第 {first} 行已填报该任务；合并两处内容，删除其中一条")),
        );
        return None;
    }
    let unit = cx.unit;
    if let Some(p) = cx.period {
        if let Some(other) = seen.insert((p, unit.to_owned(), e.task), cx.file.to_owned()) {
            if other != cx.file {
                diags.push(
                    Diagnostic::error(format!("{unit} 在 {p} 对第 {} 项任务重复报送（另见 {other}）", e.task))
                        .at_span(task_loc.clone(), task_len)
                        .hint("同一单位同一季度每项任务只报送一次"),
                );
            }
        }
    }
    if !unit.is_empty() && cx.lead_units.contains(&unit) && !task.lead_units.iter().any(|u| u == unit) {
        diags.push(
            Diagnostic::error(format!("{unit} 不是第 {} 项任务（{}）的牵头单位", e.task, task.title))
                .at_span(task_loc, task_len)
                .hint(if task.lead_units.is_empty() {
                    "该任务没有牵头单位，不需报送".to_string()
                } else {
                    format!("该任务的牵头单位为：{}；核对任务编号", task.lead_units.join("、"))
                }),
        );
    }
    Some(task)
}

/// One entry of a known task: progress text, claim, figures, milestone, percentage.
fn validate_entry(cx: &ReportCx, task: &Task, e: &RawEntry, at: &EntryAt, diags: &mut Diagnostics) -> Entry {
    if e.progress.trim().is_empty() {
        let (l, len) = at.at(at.fields.progress.as_ref());
        diags.push(
            Diagnostic::error(format!("第 {} 项任务的进展情况 `progress` 为空", e.task))
                .at_span(l, len)
                .hint("用数据说明本季度的进展；尚未启动的也要写明原因"),
        );
    }
    let claim = entry_claim(e, at, diags);
    let values = entry_values(task, e, at, diags);
    let milestone = entry_milestone(e, at, diags);
    if let Some(pc) = e.percent {
        if !(0.0..=100.0).contains(&pc) {
            let (l, len) = at.at(at.fields.percent.as_ref());
            diags.push(Diagnostic::error(format!("形象进度百分比 {pc} 超出 0–100")).at_span(l, len));
        }
    }
    if claim == Some(Status::Completed) {
        warn_completed_short(cx.unit, task, e, &values, at, diags);
    }
    Entry {
        task: e.task,
        claim,
        progress: e.progress.clone(),
        values,
        milestone,
        percent: e.percent,
        adjustment: e.adjustment.clone().filter(|a| !a.trim().is_empty()),
        problems: e.problems.clone().filter(|a| !a.trim().is_empty()),
        next_steps: e.next_steps.clone().filter(|a| !a.trim().is_empty()),
        evidence: e.evidence.clone(),
        coordination: entry_coordination(e, at, diags),
        loc: at.at(at.fields.task.as_ref()).0,
    }
}

/// 需协调事项 of an entry: a text and one of the three levels (docs/rules.md §19).
fn entry_coordination(e: &RawEntry, at: &EntryAt, diags: &mut Diagnostics) -> Vec<crate::orders::Coordination> {
    use crate::orders::CoordinationLevel;
    let mut out = Vec::new();
    for (i, c) in e.coordination.iter().enumerate() {
        let item = at.fields.coordination.get(i);
        let here = |key: Option<&At>| locate(at.file, key, item.map(|x| &x.at).or(at.item.map(|x| &x.at)));
        if c.text.trim().is_empty() {
            let (l, len) = here(item.and_then(|x| x.fields.text.as_ref()));
            diags.push(
                Diagnostic::error(format!("第 {} 项任务的需协调事项 `text` 为空", e.task))
                    .at_span(l, len)
                    .hint("写明需要协调解决的问题和具体请求"),
            );
            continue;
        }
        match CoordinationLevel::parse(&c.level) {
            Some(level) => out.push(crate::orders::Coordination { text: c.text.trim().to_owned(), level }),
            None => {
                let (l, len) = here(item.and_then(|x| x.fields.level.as_ref()));
                let names: Vec<&str> = CoordinationLevel::ALL.iter().map(|l| l.label()).collect();
                let mut d = Diagnostic::error(format!("第 {} 项任务需协调事项的层级 “{}” 无效", e.task, c.level))
                    .at_span(l, len);
                if let Some(best) = closest(&c.level, names.iter().copied()) {
                    d = d.hint(format!("是否应为 “{best}”？"));
                }
                diags.push(d.hint(format!("可选：{}", names.join("、"))));
            }
        }
    }
    out
}

/// The unit's own status (自评), one of the labels or their synonyms.
fn entry_claim(e: &RawEntry, at: &EntryAt, diags: &mut Diagnostics) -> Option<Status> {
    let c = e.claim.as_deref()?;
    let s = Status::parse(c);
    if s.is_none() {
        let (l, len) = at.at(at.fields.claim.as_ref());
        let labels: Vec<&str> = Status::ALL.iter().map(|s| s.label()).collect();
        let mut d = Diagnostic::error(format!("单位自评 “{c}” 不是有效的状态")).at_span(l, len);
        if let Some(best) = closest(c, labels.iter().copied()) {
            d = d.hint(format!("是否应为 “{best}”？"));
        }
        diags.push(d.hint(format!("可选：{}", labels.join("、"))));
    }
    s
}

/// The figures (完成数值) as (target index, value): an existing target, a finite number, not
/// negative for a cumulative count or amount, one per target.
fn entry_values(task: &Task, e: &RawEntry, at: &EntryAt, diags: &mut Diagnostics) -> Vec<(usize, f64)> {
    let mut values = Vec::new();
    for (vi, v) in e.values.iter().enumerate() {
        let n = task.targets.len() as u32;
        let value_sp = at.fields.values.get(vi);
        let at_value = |key: Option<&At>| locate(at.file, key, value_sp.map(|x| &x.at).or(at.item.map(|x| &x.at)));
        let target_at = value_sp.and_then(|x| x.fields.target.as_ref());
        let value_at = value_sp.and_then(|x| x.fields.value.as_ref());
        let cumulative = v.target >= 1
            && task
                .targets
                .get((v.target - 1) as usize)
                .is_some_and(|t| matches!(t.kind, TargetKind::Count | TargetKind::Amount));
        if v.target == 0 || v.target > n {
            let (l, len) = at_value(target_at);
            diags.push(
                Diagnostic::error(format!("第 {} 项任务没有第 {} 个指标", e.task, v.target)).at_span(l, len).hint(
                    if n == 0 {
                        "该任务没有数值指标，删除 values，用 progress 或 milestone 说明进展".to_string()
                    } else {
                        format!("该任务共有 {n} 个指标，target 取 1–{n}")
                    },
                ),
            );
        } else if !v.value.is_finite() {
            let (l, len) = at_value(value_at);
            diags.push(Diagnostic::error("完成数值不是有效数字").at_span(l, len));
        } else if cumulative && v.value < 0.0 {
            let (l, len) = at_value(value_at);
            diags.push(
                Diagnostic::error(format!(
                    "第 {} 项任务第 {} 个指标的累计完成数值 {} 为负数",
                    e.task,
                    v.target,
                    fmt_num(v.value)
                ))
                .at_span(l, len)
                .hint("填写年初至今累计完成的数量（0 或正数）；尚未开展的填 0"),
            );
        } else if values.iter().any(|(i, _)| *i == (v.target - 1) as usize) {
            let (l, len) = at_value(target_at);
            diags.push(
                Diagnostic::error(format!("第 {} 项任务第 {} 个指标的数值重复填写", e.task, v.target))
                    .at_span(l, len)
                    .hint("每个指标只填一个累计数值"),
            );
        } else {
            values.push(((v.target - 1) as usize, v.value));
        }
    }
    values
}

/// The planned milestone reached (形象进度节点), `Q1` … `Q4`.
fn entry_milestone(e: &RawEntry, at: &EntryAt, diags: &mut Diagnostics) -> Option<u8> {
    let m = e.milestone.as_deref()?;
    let q = match m.trim() {
        "Q1" | "q1" => Some(1),
        "Q2" | "q2" => Some(2),
        "Q3" | "q3" => Some(3),
        "Q4" | "q4" => Some(4),
        _ => None,
    };
    if q.is_none() {
        let (l, len) = at.at(at.fields.milestone.as_ref());
        diags.push(
            Diagnostic::error(format!("形象进度节点 “{m}” 无法识别"))
                .at_span(l, len)
                .hint("填写已达到的计划节点 Q1、Q2、Q3 或 Q4；未达到任何节点则删除该行"),
        );
    }
    q
}

/// A warning when a unit claims 已完成 but its counts and amounts fall short of their targets.
fn warn_completed_short(
    unit: &str,
    task: &Task,
    e: &RawEntry,
    values: &[(usize, f64)],
    at: &EntryAt,
    diags: &mut Diagnostics,
) {
    let short: Vec<String> = task
        .targets
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.kind, TargetKind::Count | TargetKind::Amount) && t.value.is_some())
        .filter_map(|(i, t)| {
            let got = values.iter().find(|(j, _)| *j == i).map(|(_, v)| *v);
            let target = fmt_num(t.value.unwrap_or(0.0));
            // A figure not given (or not readable as one) is said so, never shown as a reported 0.
            (got.unwrap_or(0.0) < t.value.unwrap_or(0.0)).then(|| match got {
                Some(g) => format!("{}（目标 {target} {}，报送 {}）", t.text, t.unit, fmt_num(g)),
                None => format!("{}（目标 {target} {}，未填报完成数值）", t.text, t.unit),
            })
        })
        .collect();
    if !short.is_empty() {
        let (l, len) = at.at(at.fields.claim.as_ref());
        diags.push(
            Diagnostic::warning(format!(
                "{unit} 自评第 {} 项任务“已完成”，但数值未达目标：{}",
                e.task,
                short.join("；")
            ))
            .at_span(l, len)
            .hint("核实完成数值；通报以计算结果为准"),
        );
    }
}

/// Warnings that need several reports: cumulative figures going backwards. (未报送 and 迟报 are
/// decided with the figures, in `aggregate::reporting_warnings`.)
fn cross_period_checks(plan: &Plan, reports: &BTreeMap<Period, Vec<Report>>, diags: &mut Diagnostics) {
    for (period, list) in reports {
        let Some(prev) = period.prev_in_year() else { continue };
        let Some(prev_list) = reports.get(&prev) else { continue };
        for r in list {
            let Some(pr) = prev_list.iter().find(|p| p.unit == r.unit) else { continue };
            for e in &r.entries {
                let (Some(pe), Some(task)) = (pr.entries.iter().find(|x| x.task == e.task), plan.task(e.task)) else {
                    continue;
                };
                for (i, v) in &e.values {
                    let cumulative =
                        task.targets.get(*i).is_some_and(|t| matches!(t.kind, TargetKind::Count | TargetKind::Amount));
                    if let Some(before) = pe.value(*i) {
                        if cumulative && *v < before {
                            diags.push(
                                Diagnostic::warning(format!(
                                    "{} 第 {} 项任务第 {} 个指标的累计数值从 {prev} 的 {} 降到 {period} 的 {}",
                                    r.unit,
                                    e.task,
                                    i + 1,
                                    fmt_num(before),
                                    fmt_num(*v)
                                ))
                                .at(e.loc.clone())
                                .hint("累计数值不应减少；核实是否填成了当季数"),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A number in a message: at most three decimals, no trailing `.0`.
pub fn fmt_num(v: f64) -> String {
    crate::numerals::figure(v, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load::{load, parse_yaml, SourceFile};

    /// What the web form has always checked a report against: the whole directory with the
    /// report in its file's place, read after every other file, and the rules run over everything.
    fn whole(loaded: &Loaded, dir: &str, report: &Parsed<RawReport>) -> Diagnostics {
        let mut all = loaded.clone();
        all.reports.retain(|(_, p)| p.source.path != report.source.path);
        all.reports.push((dir.to_owned(), Arc::new(report.clone())));
        let (_, mut diags) = validate(&all);
        diags.0.retain(|d| d.loc.as_ref().is_some_and(|l| l.file == report.source.name));
        diags
    }

    fn report(loaded: &Loaded, dir: &str, name: &str, text: String) -> (String, Arc<Parsed<RawReport>>) {
        let root = loaded.plan.as_ref().unwrap().source.path.parent().unwrap().to_path_buf();
        let source = SourceFile {
            name: format!("data/reports/{dir}/{name}"),
            path: root.join("reports").join(dir).join(name),
            text,
        };
        (dir.to_owned(), Arc::new(parse_yaml(source, &mut Diagnostics::default()).expect("parses")))
    }

    fn text_of(loaded: &Loaded, dir: &str, unit: &str) -> String {
        let (_, p) = loaded.reports.iter().find(|(d, p)| d == dir && p.value.unit == unit).unwrap();
        p.source.text.clone()
    }

    /// `validate_one` gives every report of the bundled data, and of files added to trip each rule
    /// that looks at several files, the diagnostics of validating the whole directory.
    #[test]
    fn one_report_against_its_unit_equals_the_whole_directory() {
        let (mut loaded, _) = load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
        let q3 = text_of(&loaded, "2023Q3", "县科技局");
        let q4 = text_of(&loaded, "2023Q4", "县科技局");
        let other = text_of(&loaded, "2023Q4", "县交警大队");
        let zeroed = regex::Regex::new(r"value: [0-9.]+").unwrap().replace_all(&q4, "value: 0").into_owned();
        assert_ne!(zeroed, q4);
        let extra = [
            // The same unit's tasks twice in a quarter, across files.
            report(&loaded, "2023Q4", "县科技局-补充.yaml", q4.clone()),
            report(&loaded, "2023Q3", "补报.yaml", q3.replace("unit: 县科技局", "unit: ' 县科技局 '")),
            // Cumulative figures going down from Q3.
            report(&loaded, "2023Q4", "县科技局-更正.yaml", zeroed),
            // Another unit's tasks under this unit's name.
            report(&loaded, "2023Q4", "交警-误填.yaml", other.replace("unit: 县交警大队", "unit: 县科技局")),
        ];
        loaded.reports.extend(extra);
        let plan = validate_plan(loaded.plan.as_ref().unwrap(), &mut Places::default(), &mut Diagnostics::default())
            .expect("the bundled plan is valid");
        let mut compared = 0;
        let mut with_problems = 0;
        for (dir, p) in &loaded.reports {
            let expected = whole(&loaded, dir, p);
            assert_eq!(validate_one(&plan, &loaded, dir, (**p).clone()), expected, "{}", p.source.name);
            compared += 1;
            with_problems += usize::from(!expected.is_empty());
        }
        assert!(compared > 130 && with_problems >= 6, "{compared} reports, {with_problems} with diagnostics");
    }
}
