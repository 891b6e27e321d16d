//! Domain types: the validated plan, office conventions and reports.
//!
//! These are built only by `data::validate` from the raw YAML structs and cannot be invalid: task
//! numbers are unique, every report names a known task and unit, dates parse, periods are real
//! quarters. Later stages (status, aggregate, render) take these types and never re-check.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::diag::Loc;

/// A calendar date (no time zone: the county's local date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (also `YYYY/MM/DD` and `YYYY年M月D日`); `None` when not a real date.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let parts: Vec<&str> = s.split(['-', '/', '年', '月', '日']).filter(|p| !p.is_empty()).collect();
        if parts.len() != 3 {
            return None;
        }
        let year: i32 = parts[0].trim().parse().ok()?;
        let month: u8 = parts[1].trim().parse().ok()?;
        let day: u8 = parts[2].trim().parse().ok()?;
        if !(1900..=9999).contains(&year) {
            return None;
        }
        Some(Date::from_time(time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?))
    }

    /// The same day as a `time::Date` (always valid: a `Date` is only made from a real date).
    fn to_time(self) -> time::Date {
        time::Month::try_from(self.month)
            .ok()
            .and_then(|m| time::Date::from_calendar_date(self.year, m, self.day).ok())
            .unwrap_or(time::Date::MIN)
    }

    fn from_time(d: time::Date) -> Date {
        Date { year: d.year(), month: u8::from(d.month()), day: d.day() }
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    pub fn days_since_epoch(self) -> i64 {
        // 2440588 is the Julian day number of 1970-01-01.
        i64::from(self.to_time().to_julian_day()) - 2_440_588
    }

    /// The date `days` days later (saturating at the calendar's ends, far beyond any plan year).
    pub fn add_days(self, days: i64) -> Date {
        Date::from_time(self.to_time().saturating_add(time::Duration::days(days)))
    }

    /// `2023年7月10日` (GB/T 9704: Arabic digits, no zero padding).
    pub fn chinese(self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }

    /// The last day of `month` in `year`.
    fn last_of_month(year: i32, month: u8) -> Date {
        let m = time::Month::try_from(month).unwrap_or(time::Month::December);
        Date { year, month, day: m.length(year) }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A reporting period: one quarter of a year (`2023Q2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    /// 1…4
    pub quarter: u8,
}

impl Period {
    /// Parses `2023Q2` (case-insensitive `q`).
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let (y, q) = s.split_once(['Q', 'q'])?;
        let year: i32 = y.parse().ok()?;
        let quarter: u8 = q.parse().ok()?;
        ((1900..=9999).contains(&year) && (1..=4).contains(&quarter)).then_some(Period { year, quarter })
    }

    /// 序时进度 checkpoint in percent: Q1 25, Q2 50, Q3 75, Q4 100.
    pub fn checkpoint(self) -> f64 {
        f64::from(self.quarter) * 25.0
    }

    /// First day of the quarter.
    pub fn start(self) -> Date {
        Date { year: self.year, month: (self.quarter - 1) * 3 + 1, day: 1 }
    }

    /// Last day of the quarter.
    pub fn end(self) -> Date {
        let month = self.quarter * 3;
        Date::last_of_month(self.year, month)
    }

    /// The previous quarter of the same year, if any.
    pub fn prev_in_year(self) -> Option<Period> {
        (self.quarter > 1).then(|| Period { year: self.year, quarter: self.quarter - 1 })
    }

    /// 一季度 / 上半年 / 前三季度 / 全年 — how notices name the period.
    pub fn chinese_span(self) -> &'static str {
        match self.quarter {
            1 => "一季度",
            2 => "上半年",
            3 => "前三季度",
            _ => "全年",
        }
    }

    /// 第一季度 … 第四季度.
    pub fn chinese_quarter(self) -> &'static str {
        ["第一季度", "第二季度", "第三季度", "第四季度"][usize::from(self.quarter - 1)]
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a target measures (指标类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// 数量 (家, 个, 项 …), cumulative
    Count,
    /// 金额/规模 (亿元, 万亩, 公里 …), cumulative
    Amount,
    /// 增长率: year-to-date growth against the target rate
    Growth,
    /// 水平/比率: the level reached against the target level
    Level,
    /// 下降率: year-to-date reduction against the target
    Reduction,
    /// 上限: must stay at or below
    Ceiling,
    /// A target-like phrase that could not be parsed; not assessed.
    Text,
}

impl TargetKind {
    /// Parses the YAML name.
    pub fn parse(s: &str) -> Option<TargetKind> {
        Some(match s {
            "count" => TargetKind::Count,
            "amount" => TargetKind::Amount,
            "growth" => TargetKind::Growth,
            "level" => TargetKind::Level,
            "reduction" => TargetKind::Reduction,
            "ceiling" => TargetKind::Ceiling,
            "text" => TargetKind::Text,
            _ => return None,
        })
    }

    /// All YAML names, for hints.
    pub const NAMES: &'static [&'static str] = &["count", "amount", "growth", "level", "reduction", "ceiling", "text"];
}

/// How the reported value compares with the target value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// 以上 / 不少于
    AtLeast,
    /// 以内 / 不超过
    AtMost,
    /// 达到
    Exactly,
    /// 左右
    About,
    /// 1-2 项
    Range,
}

impl Comparison {
    /// Parses the YAML name.
    pub fn parse(s: &str) -> Option<Comparison> {
        Some(match s {
            "at_least" => Comparison::AtLeast,
            "at_most" => Comparison::AtMost,
            "exactly" => Comparison::Exactly,
            "about" => Comparison::About,
            "range" => Comparison::Range,
            _ => return None,
        })
    }

    /// All YAML names, for hints.
    pub const NAMES: &'static [&'static str] = &["at_least", "at_most", "exactly", "about", "range"];
}

/// A numeric target (指标) of a task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// The phrase from the plan.
    pub text: String,
    pub kind: TargetKind,
    /// `None` only for `TargetKind::Text`.
    pub value: Option<f64>,
    pub value_max: Option<f64>,
    pub unit: String,
    pub comparison: Comparison,
    /// 基数 for level / reduction targets.
    pub baseline: Option<f64>,
}

impl Target {
    /// The value that counts as meeting the target: the lower end of a range.
    pub fn goal(&self) -> Option<f64> {
        self.value
    }
}

/// A key task (重点任务).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    /// Plan-wide number.
    pub number: u32,
    /// Section number (1 for 一、).
    pub section: u32,
    /// 短标题
    pub title: String,
    /// Full text.
    pub text: String,
    /// 牵头单位 (at least one unless the task is the plan's own organisation task).
    pub lead_units: Vec<String>,
    /// 参与单位
    pub participating_units: Vec<String>,
    pub targets: Vec<Target>,
    /// 形象进度 planned for Q1…Q4 (index 0…3), when the office set them.
    pub milestones: Option<[String; 4]>,
    /// 所需佐证材料: the named evidence slots the office asks for (docs/rules.md §21); empty:
    /// free attachments. Never a condition of any status.
    pub evidence: Vec<String>,
    /// Where the task is defined in plan.yaml.
    #[serde(skip)]
    pub loc: Loc,
}

/// A section (一、…) of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub number: u32,
    pub title: String,
    /// Task numbers in order.
    pub tasks: Vec<u32>,
}

/// The validated annual plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub title: String,
    pub doc_number: Option<String>,
    pub issuer: Option<String>,
    pub date: Option<Date>,
    pub year: i32,
    pub sections: Vec<Section>,
    /// All tasks, ordered by number.
    pub tasks: Vec<Task>,
}

impl Plan {
    /// The task with this number.
    pub fn task(&self, number: u32) -> Option<&Task> {
        self.tasks.binary_search_by_key(&number, |t| t.number).ok().map(|i| &self.tasks[i])
    }

    /// Every lead unit, in order of first appearance.
    pub fn lead_units(&self) -> Vec<&str> {
        let mut seen = Vec::<&str>::new();
        for t in &self.tasks {
            for u in &t.lead_units {
                if !seen.contains(&u.as_str()) {
                    seen.push(u);
                }
            }
        }
        seen
    }

    /// Every unit named anywhere (lead or participating), in order of first appearance.
    pub fn all_units(&self) -> Vec<&str> {
        let mut seen = Vec::<&str>::new();
        for t in &self.tasks {
            for u in t.lead_units.iter().chain(&t.participating_units) {
                if !seen.contains(&u.as_str()) {
                    seen.push(u);
                }
            }
        }
        seen
    }

    /// The section with this number.
    pub fn section(&self, number: u32) -> Option<&Section> {
        self.sections.iter().find(|s| s.number == number)
    }
}

/// Status thresholds in percentage points (docs/rules.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// gap ≤ tolerance → 序时推进 (default 0)
    pub tolerance: f64,
    /// tolerance < gap ≤ yellow_max → 滞后 (yellow); above → 严重滞后 (red). Default 30.
    pub yellow_max: f64,
    /// progress − checkpoint ≥ ahead_margin → 超序时 (default 10)
    pub ahead_margin: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { tolerance: 0.0, yellow_max: 30.0, ahead_margin: 10.0 }
    }
}

/// Escalation rules (docs/rules.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Escalation {
    /// A task lagging (滞后 or worse) this many consecutive quarters is escalated (default 2).
    pub lagging_quarters: u32,
    /// A unit late or missing this many times in the year is escalated (default 2).
    pub late_reports: u32,
}

impl Default for Escalation {
    fn default() -> Self {
        Escalation { lagging_quarters: 2, late_reports: 2 }
    }
}

/// The issuing office and its conventions (`office.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Office {
    pub county: String,
    /// 发文机关全称
    pub issuer_name: String,
    /// 发文机关标志
    pub issuer_mark: String,
    /// 机关代字
    pub issuer_short: String,
    /// 督查室
    pub supervision_office: String,
    pub briefing_name: String,
    pub leader_briefing_name: String,
    pub notice_numbers: BTreeMap<Period, u32>,
    pub briefing_numbers: BTreeMap<Period, u32>,
    pub order_numbers: BTreeMap<Period, u32>,
    pub issue_dates: BTreeMap<Period, Date>,
    pub recipients: String,
    pub cc: Vec<String>,
    pub briefing_report: Vec<String>,
    pub briefing_send: Vec<String>,
    pub briefing_issue: Vec<String>,
    pub leader_to: Vec<String>,
    pub copies: Option<u32>,
    pub report_deadline_days: u32,
    pub thresholds: Thresholds,
    pub escalation: Escalation,
    pub order_deadline_days: u32,
    pub note: Option<String>,
    /// 份号 (6 digits)
    pub copy_no: Option<String>,
    /// 密级和保密期限
    pub secret: Option<String>,
    /// 紧急程度
    pub urgency: Option<String>,
    pub archive: ArchiveConfig,
    /// 通报附件表 (the task table of the quarterly notice): orientation and cell limit.
    pub notice_table: NoticeTable,
    /// 办公地时区: the zone of the office clock (`clock::OfficeClock`).
    pub timezone: crate::clock::TimeZone,
    /// 督办闭环 settings: colour ladder, 临期, deadlines, working-day calendar (`orders:`).
    #[serde(skip)]
    pub orders: crate::orders::timing::OrdersConfig,
    /// 佐证材料 limits and counting rule (`evidence:`, docs/rules.md §21).
    pub evidence: crate::evidence::EvidenceConfig,
}

/// How the notice's 附件 task table is set (`notice_table:` in office.yaml).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NoticeTable {
    /// 横排 (landscape, the default) or 竖排 (portrait).
    pub orientation: Orientation,
    /// Longest 本期进展 cell, in characters (40–500, default 400; shared among several lead
    /// units): a longer narrative keeps its whole sentences up to its share and its full text
    /// goes to 附件2.
    pub progress_limit: usize,
}

impl Default for NoticeTable {
    fn default() -> Self {
        NoticeTable { orientation: Orientation::Landscape, progress_limit: 400 }
    }
}

/// Page orientation of a wide table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// 横排: the table turned a quarter turn on portrait A4 pages (GB/T 9704 §8).
    Landscape,
    /// 竖排: the table in the portrait type area.
    Portrait,
}

impl Orientation {
    /// The accepted spellings in office.yaml.
    pub const NAMES: &'static [&'static str] = &["landscape", "portrait", "横排", "竖排"];

    /// Parses `landscape`/`横排` or `portrait`/`竖排`.
    pub fn parse(s: &str) -> Option<Orientation> {
        match s.trim() {
            "landscape" | "横排" => Some(Orientation::Landscape),
            "portrait" | "竖排" => Some(Orientation::Portrait),
            _ => None,
        }
    }

    /// `landscape` / `portrait`, as the templates read it.
    pub fn id(self) -> &'static str {
        match self {
            Orientation::Landscape => "landscape",
            Orientation::Portrait => "portrait",
        }
    }
}

/// 归档 settings (DA/T 22-2015; docs/rules.md §14).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveConfig {
    /// 全宗号
    pub fonds: String,
    /// 机构（问题）代码
    pub org_code: String,
    /// 保管期限 per document kind id (notice, briefing, leader, order).
    pub retention: BTreeMap<String, Retention>,
}

impl ArchiveConfig {
    /// The retention period of a document kind (default: D30 for the notice, D10 otherwise).
    pub fn retention_of(&self, kind: &str) -> Retention {
        self.retention.get(kind).copied().unwrap_or(if kind == "notice" {
            Retention::Years30
        } else {
            Retention::Years10
        })
    }
}

/// 保管期限 (DA/T 22-2015): its code goes into the 档号 and the archive's file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Retention {
    /// `Y` 永久
    #[serde(rename = "Y")]
    Permanent,
    /// `D30` 定期30年
    #[serde(rename = "D30")]
    Years30,
    /// `D10` 定期10年
    #[serde(rename = "D10")]
    Years10,
}

impl Retention {
    /// `Y`, `D30` or `D10`.
    pub fn parse(code: &str) -> Option<Retention> {
        match code {
            "Y" => Some(Retention::Permanent),
            "D30" => Some(Retention::Years30),
            "D10" => Some(Retention::Years10),
            _ => None,
        }
    }

    /// The code: `Y`, `D30`, `D10`.
    pub fn code(self) -> &'static str {
        match self {
            Retention::Permanent => "Y",
            Retention::Years30 => "D30",
            Retention::Years10 => "D10",
        }
    }

    /// 永久 / 定期30年 / 定期10年.
    pub fn label(self) -> &'static str {
        match self {
            Retention::Permanent => "永久",
            Retention::Years30 => "定期30年",
            Retention::Years10 => "定期10年",
        }
    }
}

impl Office {
    /// 报送截止日 for a period: the N-th day after the quarter ends.
    pub fn deadline(&self, period: Period) -> Date {
        period.end().add_days(i64::from(self.report_deadline_days))
    }

    /// 印发日期 for a period: configured, else 10 days after the quarter.
    pub fn issue_date(&self, period: Period) -> Date {
        self.issue_dates.get(&period).copied().unwrap_or_else(|| period.end().add_days(10))
    }
}

/// Status categories (docs/rules.md §2; labels as the documents print them).
///
/// Declared in the order of badness, so the derived `Ord` is it (docs/rules.md §2, used for "worst
/// of", "better than" and comparing claims; `min` is the better, `max` the worse): 已完成 < 超序时
/// < 序时推进 < 其他 < 滞后 < 严重滞后 < 未启动 < 未报送. Documents list them in another order,
/// [`Status::ALL`]; `status as usize` indexes per-status arrays (`aggregate::PerStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已完成
    Completed,
    /// 超序时
    Ahead,
    /// 序时推进
    OnTrack,
    /// 其他 (指标调整)
    Other,
    /// 滞后
    Behind,
    /// 严重滞后
    SeriouslyBehind,
    /// 未启动
    NotStarted,
    /// 未报送
    NotReported,
}

impl Status {
    /// How many statuses there are.
    pub const COUNT: usize = 8;

    /// Every status, in the order documents list them.
    pub const ALL: [Status; Status::COUNT] = [
        Status::Completed,
        Status::Ahead,
        Status::OnTrack,
        Status::Behind,
        Status::SeriouslyBehind,
        Status::NotStarted,
        Status::NotReported,
        Status::Other,
    ];

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Status::Completed => "已完成",
            Status::Ahead => "超序时",
            Status::OnTrack => "序时推进",
            Status::Behind => "滞后",
            Status::SeriouslyBehind => "严重滞后",
            Status::NotStarted => "未启动",
            Status::NotReported => "未报送",
            Status::Other => "其他",
        }
    }

    /// Parses a Chinese label, a common synonym or a status id (docs/rules.md §2).
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        Status::ALL.into_iter().find(|st| st.id() == s).or_else(|| STATUS_WORDS.iter().find(|w| w.0 == s).map(|w| w.1))
    }

    /// Traffic light.
    pub fn light(self) -> Light {
        match self {
            Status::Completed | Status::Ahead | Status::OnTrack => Light::Green,
            Status::Behind | Status::NotStarted | Status::Other => Light::Yellow,
            Status::SeriouslyBehind | Status::NotReported => Light::Red,
        }
    }

    /// Stable machine id (`on_track`).
    pub fn id(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::Ahead => "ahead",
            Status::OnTrack => "on_track",
            Status::Behind => "behind",
            Status::SeriouslyBehind => "seriously_behind",
            Status::NotStarted => "not_started",
            Status::NotReported => "not_reported",
            Status::Other => "other",
        }
    }
}

/// The Chinese words for a status that reports and the layout library accept: each label and
/// the synonyms offices use. `templates/lib/gongwen.typ` (`_status-synonyms`) holds the same list;
/// a unit test keeps the two equal.
pub const STATUS_WORDS: &[(&str, Status)] = &[
    ("已完成", Status::Completed),
    ("已办结", Status::Completed),
    ("基本完成", Status::Completed),
    ("提前完成", Status::Completed),
    ("已完成和提前完成", Status::Completed),
    ("超序时", Status::Ahead),
    ("超进度", Status::Ahead),
    ("超序时进度", Status::Ahead),
    ("序时推进", Status::OnTrack),
    ("达进度", Status::OnTrack),
    ("按序时", Status::OnTrack),
    ("达序时", Status::OnTrack),
    ("正常推进", Status::OnTrack),
    ("有序推进", Status::OnTrack),
    ("滞后", Status::Behind),
    ("欠进度", Status::Behind),
    ("慢序时", Status::Behind),
    ("未达序时", Status::Behind),
    ("滞后序时", Status::Behind),
    ("进度滞后", Status::Behind),
    ("推进缓慢", Status::Behind),
    ("严重滞后", Status::SeriouslyBehind),
    ("未启动", Status::NotStarted),
    ("暂未开启", Status::NotStarted),
    ("尚未启动", Status::NotStarted),
    ("未开工", Status::NotStarted),
    ("未报送", Status::NotReported),
    ("其他", Status::Other),
    ("其它", Status::Other),
    ("其它类", Status::Other),
    ("其他类", Status::Other),
    ("指标调整", Status::Other),
];

#[cfg(test)]
mod status_words_tests {
    use super::*;

    /// Calendar arithmetic: real dates only, leap years, month ends, day counts.
    #[test]
    fn dates() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2023-13-01"), None);
        assert_eq!(Date::parse("1899-12-31"), None);
        assert_eq!(d("2024年2月29日"), Date { year: 2024, month: 2, day: 29 });
        assert_eq!(d("2024/2/9"), Date { year: 2024, month: 2, day: 9 });
        assert_eq!(d("1970-01-01").days_since_epoch(), 0);
        assert_eq!(d("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(d("2024-02-28").add_days(1), d("2024-02-29"));
        assert_eq!(d("2023-12-31").add_days(1), d("2024-01-01"));
        assert_eq!(d("2024-01-05").add_days(-5), d("2023-12-31"));
        assert_eq!(d("2024-01-09").days_since_epoch() - d("2024-01-05").days_since_epoch(), 4);
        assert_eq!(Date::last_of_month(2024, 2), d("2024-02-29"));
        assert_eq!(Date::last_of_month(2023, 2), d("2023-02-28"));
        assert_eq!(d("2023-07-10").chinese(), "2023年7月10日");
    }

    /// The Typst library's `_status-synonyms` dictionary and [`STATUS_WORDS`] are the same list.
    #[test]
    fn typst_synonyms_equal_the_rust_list() {
        let lib = include_str!("../../templates/lib/gongwen.typ");
        let open = "#let _status-synonyms = (";
        let start = lib.find(open).expect("_status-synonyms in gongwen.typ") + open.len();
        let body = &lib[start..start + lib[start..].find("\n)").unwrap()];
        let mut typst: Vec<(String, String)> = body
            .split(',')
            .filter_map(|pair| {
                let (k, v) = pair.split_once(':')?;
                Some((k.trim().trim_matches('"').to_owned(), v.trim().trim_matches('"').to_owned()))
            })
            .filter(|(k, _)| !k.is_empty())
            .collect();
        typst.sort();
        let mut rust: Vec<(String, String)> =
            STATUS_WORDS.iter().map(|(w, s)| (w.to_string(), s.id().to_owned())).collect();
        rust.sort();
        assert_eq!(typst, rust);
        for (w, s) in STATUS_WORDS {
            assert_eq!(Status::parse(w), Some(*s));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.id()), Some(s));
            assert_eq!(Status::parse(s.label()), Some(s));
        }
        assert_eq!(Status::parse("进展顺利"), None);
    }
}

/// Traffic light (红黄绿灯).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
}

impl Light {
    /// `green` / `yellow` / `red`: the key of `status-colors` in the Typst library.
    pub fn id(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
        }
    }

    /// 绿灯 / 黄灯 / 红灯
    pub fn label(self) -> &'static str {
        match self {
            Light::Green => "绿灯",
            Light::Yellow => "黄灯",
            Light::Red => "红灯",
        }
    }
}

/// One unit's quarterly report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub unit: String,
    pub period: Period,
    /// 报送日期
    pub submitted: Date,
    pub contact: Option<String>,
    pub phone: Option<String>,
    pub reviewed_by: Option<String>,
    pub entries: Vec<Entry>,
    /// Data-dir-relative path of the file, for messages.
    pub file: String,
}

/// One task's progress in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub task: u32,
    /// 单位自评
    pub claim: Option<Status>,
    /// 进展情况 (Markdown)
    pub progress: String,
    /// 完成数值: (0-based target index, value)
    pub values: Vec<(usize, f64)>,
    /// Highest planned milestone reached: 1…4 (Q1…Q4).
    pub milestone: Option<u8>,
    /// 自报形象进度 %
    pub percent: Option<f64>,
    /// 指标调整说明
    pub adjustment: Option<String>,
    pub problems: Option<String>,
    pub next_steps: Option<String>,
    pub evidence: Vec<String>,
    /// 需协调事项 raised in this entry.
    pub coordination: Vec<crate::orders::Coordination>,
    /// Where the entry starts in its file.
    #[serde(skip)]
    pub loc: Loc,
}

impl Entry {
    /// The reported value for target `index` (0-based).
    pub fn value(&self, index: usize) -> Option<f64> {
        self.values.iter().find(|(i, _)| *i == index).map(|(_, v)| *v)
    }
}

/// Everything ducha knows after validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dataset {
    pub plan: Plan,
    pub office: Office,
    /// Reports per period, each list sorted by unit then file.
    pub reports: BTreeMap<Period, Vec<Report>>,
    /// Where the printed text came from, for messages about it (the glyph check).
    #[serde(skip)]
    pub places: Places,
    /// The evidence index: stored files and the office's reviews (docs/rules.md §21).
    #[serde(skip)]
    pub evidence: crate::evidence::Reviews,
}

/// The file, line and column of printed values, keyed by what they are: `plan.title`,
/// `plan.doc_number`, `section.<n>.title`, `task.<n>.title`, `task.<n>.target.<i>`, `unit.<name>`
/// (its first mention in the plan), `office.<field>` and `office.<list>.<i>` (e.g. `office.note`,
/// `office.cc.0`, `office.briefing_to.report.1`), `report.<file>.<contact|phone|reviewed_by>`,
/// `entry.<file>.<i>.<progress|problems|next_steps|adjustment>`; `file.office` is the name of
/// office.yaml as shown in messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Places {
    map: BTreeMap<String, Loc>,
}

impl Places {
    /// Records where `key` is (the first record wins).
    pub fn insert(&mut self, key: impl Into<String>, loc: Loc) {
        self.map.entry(key.into()).or_insert(loc);
    }

    /// Records the position of a value when the parser gave one.
    pub fn put(&mut self, key: impl Into<String>, file: &str, at: Option<&crate::data::spans::At>) {
        if let Some(at) = at {
            self.insert(key, at.loc(file).0);
        }
    }

    /// Records the name of a data file (`office`, …) as shown in messages.
    pub fn file(&mut self, what: &str, file: &str) {
        self.insert(format!("file.{what}"), Loc::file(file));
    }

    /// Where `key` is.
    pub fn get(&self, key: &str) -> Option<&Loc> {
        self.map.get(key)
    }
}

impl Dataset {
    /// Periods that have at least one report.
    pub fn periods(&self) -> Vec<Period> {
        self.reports.iter().filter(|(_, r)| !r.is_empty()).map(|(p, _)| *p).collect()
    }

    /// The latest period with reports.
    pub fn latest_period(&self) -> Option<Period> {
        self.periods().last().copied()
    }

    /// The reports of a period (empty if none).
    pub fn reports_for(&self, period: Period) -> &[Report] {
        self.reports.get(&period).map(Vec::as_slice).unwrap_or(&[])
    }
}
