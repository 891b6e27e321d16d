//! The 年度考核 rules (docs/rules.md §17): the optional `assessment.yaml` of the data directory,
//! its raw serde mirror (`deny_unknown_fields`, so a typo is a located error), its span mirror,
//! and validation into [`Rules`], which cannot be invalid.
//!
//! Every number is configurable: points per year-end status, per report event (迟报 / 未报送), per
//! order event (逾期办结 / 逾期未办结 / 退回), base and floor, the 等次 bands and the step-down
//! rule. There is deliberately no field for photos, file counts, leaders' 批示 or media coverage:
//! the 2024 rules against 形式主义 bar scoring them, so the schema has no place for them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::data::load::Parsed;
use crate::data::model::Status;
use crate::data::spans::{At, HasSpans, Item};
use crate::diag::{Diagnostic, Diagnostics, Loc};

/// The file name of the rules in the data directory.
pub const FILE: &str = "assessment.yaml";

/// `assessment.yaml` as written. Every key is optional; a missing one keeps its default.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssessment {
    /// 基础分 (default 100).
    pub base: Option<f64>,
    /// 最低分 (default 0).
    pub floor: Option<f64>,
    /// 年终状态每项的分值 (负数为扣分).
    pub status_points: Option<RawStatusPoints>,
    /// 报送：每次迟报、未报送的分值.
    pub reports: Option<RawReportPoints>,
    /// 督办通知单：逾期办结、逾期未办结、退回的分值.
    pub orders: Option<RawOrderPoints>,
    /// 等次：由高到低，每档的最低分.
    pub grades: Option<Vec<RawGrade>>,
    /// 最低一档的名称 (default 不合格).
    pub lowest: Option<String>,
    /// 有逾期未办结的督办事项时不得评为最高一档 (default true).
    pub step_down: Option<bool>,
}

/// Points per year-end status; the keys are the status labels of docs/rules.md §2.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStatusPoints {
    #[serde(rename = "已完成")]
    pub completed: Option<f64>,
    #[serde(rename = "超序时")]
    pub ahead: Option<f64>,
    #[serde(rename = "序时推进")]
    pub on_track: Option<f64>,
    #[serde(rename = "滞后")]
    pub behind: Option<f64>,
    #[serde(rename = "严重滞后")]
    pub seriously_behind: Option<f64>,
    #[serde(rename = "未启动")]
    pub not_started: Option<f64>,
    #[serde(rename = "未报送")]
    pub not_reported: Option<f64>,
    #[serde(rename = "其他")]
    pub other: Option<f64>,
}

/// Points per report event.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReportPoints {
    /// 迟报 (per required quarterly report).
    pub late: Option<f64>,
    /// 未报送.
    pub missing: Option<f64>,
}

/// Points per order event.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrderPoints {
    /// 逾期办结 (closed after the deadline).
    pub closed_late: Option<f64>,
    /// 逾期未办结 on the assessment date.
    pub open_overdue: Option<f64>,
    /// 每次退回.
    pub returned: Option<f64>,
}

/// One 等次 band.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    /// 等次名称, e.g. 优秀.
    pub name: String,
    /// 最低分 (inclusive).
    pub min: f64,
}

/// Positions in `assessment.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AssessmentSpans {
    pub base: Option<At>,
    pub floor: Option<At>,
    pub status_points: BTreeMap<String, At>,
    pub reports: BTreeMap<String, At>,
    pub orders: BTreeMap<String, At>,
    pub grades: Vec<Item<GradeSpans>>,
    pub lowest: Option<At>,
    pub step_down: Option<At>,
}

/// Positions in one `grades:` item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GradeSpans {
    pub name: Option<At>,
    pub min: Option<At>,
}

impl HasSpans for RawAssessment {
    type Spans = AssessmentSpans;
}

/// One 等次 band of valid rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub name: String,
    /// The lowest score of the band (inclusive).
    pub min: Decimal,
}

/// Validated rules: every number finite, report and order points never positive (so a late
/// report never raises a score, closing an order on time never lowers one), bands strictly
/// descending, grade names distinct and non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub base: Decimal,
    pub floor: Decimal,
    /// Points per year-end status, indexed by `Status as usize`.
    pub status_points: [Decimal; Status::COUNT],
    pub report_late: Decimal,
    pub report_missing: Decimal,
    pub order_closed_late: Decimal,
    pub order_open_overdue: Decimal,
    pub order_returned: Decimal,
    /// Highest band first.
    pub grades: Vec<Grade>,
    /// The band below the last of `grades`.
    pub lowest: String,
    pub step_down: bool,
    /// Where the rules came from: `assessment.yaml` as shown in messages, or `None` (defaults).
    pub source: Option<String>,
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or(Decimal::ZERO)
}

impl Default for Rules {
    /// The defaults of docs/rules.md §17.
    fn default() -> Rules {
        let mut status_points = [Decimal::ZERO; Status::COUNT];
        for (s, p) in [
            (Status::OnTrack, "-1"),
            (Status::Behind, "-2"),
            (Status::SeriouslyBehind, "-4"),
            (Status::NotStarted, "-5"),
            (Status::NotReported, "-5"),
        ] {
            status_points[s as usize] = dec(p);
        }
        Rules {
            base: dec("100"),
            floor: dec("0"),
            status_points,
            report_late: dec("-0.1"),
            report_missing: dec("-0.5"),
            order_closed_late: dec("-1"),
            order_open_overdue: dec("-2"),
            order_returned: dec("-0.5"),
            grades: vec![
                Grade { name: "优秀".into(), min: dec("95") },
                Grade { name: "良好".into(), min: dec("85") },
                Grade { name: "合格".into(), min: dec("70") },
            ],
            lowest: "不合格".into(),
            step_down: true,
            source: None,
        }
    }
}

impl Rules {
    /// The points of a year-end status.
    pub fn status(&self, s: Status) -> Decimal {
        self.status_points[s as usize]
    }

    /// The effective rules as an `assessment.yaml` with Chinese comments (`ducha assess
    /// --rules`): copied into the data directory it gives the same rules back.
    pub fn to_yaml(&self) -> String {
        let q = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        let mut out = String::new();
        match &self.source {
            Some(f) => out.push_str(&format!("# 年度考核规则（来自 {f}）\n")),
            None => out.push_str("# 年度考核规则（默认值；数据目录中没有 assessment.yaml）\n"),
        }
        out.push_str("# 规则说明见 docs/rules.md §17；各项均可省略，省略的取默认值。\n");
        out.push_str(&format!("base: {}        # 基础分\n", fmt(self.base)));
        out.push_str(&format!("floor: {}         # 最低分\n", fmt(self.floor)));
        out.push_str("status_points:    # 牵头任务年终状态（全年最后一期）每项的分值，负数为扣分\n");
        for s in Status::ALL {
            out.push_str(&format!("  {}: {}\n", s.label(), fmt(self.status(s))));
        }
        out.push_str("reports:          # 每份须报送的季度报告\n");
        out.push_str(&format!("  late: {}      # 迟报\n", fmt(self.report_late)));
        out.push_str(&format!("  missing: {}   # 未报送\n", fmt(self.report_missing)));
        out.push_str("orders:           # 发给本单位的督办通知单\n");
        out.push_str(&format!("  closed_late: {}    # 逾期办结，每件\n", fmt(self.order_closed_late)));
        out.push_str(&format!("  open_overdue: {}   # 考核日逾期未办结，每件\n", fmt(self.order_open_overdue)));
        out.push_str(&format!("  returned: {}     # 每次退回\n", fmt(self.order_returned)));
        out.push_str("grades:           # 等次，由高到低，min 为该档最低分（含）\n");
        for g in &self.grades {
            out.push_str(&format!("  - name: {}\n    min: {}\n", q(&g.name), fmt(g.min)));
        }
        out.push_str(&format!("lowest: {}     # 低于最后一档的等次\n", q(&self.lowest)));
        out.push_str(&format!(
            "step_down: {}  # 考核日有逾期未办结的督办事项时，不得评为最高一档（降一档）\n",
            self.step_down
        ));
        out
    }

    /// The band of a score, before any step-down: its index in `grades` (`grades.len()` is
    /// `lowest`).
    pub fn band(&self, score: Decimal) -> usize {
        self.grades.iter().position(|g| score >= g.min).unwrap_or(self.grades.len())
    }

    /// The name of band `i` (`grades.len()` and beyond: `lowest`).
    pub fn band_name(&self, i: usize) -> &str {
        self.grades.get(i).map(|g| g.name.as_str()).unwrap_or(&self.lowest)
    }
}

/// A number as the sheet prints it: no trailing zeros (`-0.5`, `100`, `96.5`).
pub fn fmt(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_zero() {
        "0".into()
    } else {
        n.to_string()
    }
}

/// Validates a parsed `assessment.yaml` into [`Rules`], reporting every problem at its place.
/// `None` when there was an error.
pub fn validate(parsed: &Parsed<RawAssessment>, diags: &mut Diagnostics) -> Option<Rules> {
    let raw = &parsed.value;
    let sp = &parsed.spans;
    let file = parsed.source.name.as_str();
    let before = diags.error_count();
    let at = |a: Option<&At>| match a {
        Some(a) => a.loc(file),
        None => (Loc::file(file), 1),
    };
    let mut rules = Rules { source: Some(file.to_owned()), ..Rules::default() };

    // A number: finite, at most 6 decimal places (exact arithmetic), within ±1000.
    let number = |v: f64, what: &str, a: Option<&At>, diags: &mut Diagnostics| -> Option<Decimal> {
        let d = crate::status::exact(v);
        if !v.is_finite() || v.abs() > 1000.0 || d.scale() > 6 {
            let (l, len) = at(a);
            diags.push(
                Diagnostic::error(format!("{what}的分值 {v} 无效"))
                    .at_span(l, len)
                    .hint("写一个 −1000 到 1000 之间的数，最多六位小数，例如 -0.5"),
            );
            return None;
        }
        Some(d)
    };
    if let Some(v) = raw.base {
        rules.base = number(v, "基础分 `base` ", sp.base.as_ref(), diags).unwrap_or(rules.base);
    }
    if let Some(v) = raw.floor {
        rules.floor = number(v, "最低分 `floor` ", sp.floor.as_ref(), diags).unwrap_or(rules.floor);
    }
    if rules.floor > rules.base {
        let (l, len) = at(sp.floor.as_ref().or(sp.base.as_ref()));
        diags.push(
            Diagnostic::error(format!("最低分 {} 高于基础分 {}", fmt(rules.floor), fmt(rules.base)))
                .at_span(l, len)
                .hint("floor 应不高于 base（默认 base: 100，floor: 0）"),
        );
    }
    if let Some(sp_points) = &raw.status_points {
        let p = sp_points;
        for (s, v) in [
            (Status::Completed, p.completed),
            (Status::Ahead, p.ahead),
            (Status::OnTrack, p.on_track),
            (Status::Behind, p.behind),
            (Status::SeriouslyBehind, p.seriously_behind),
            (Status::NotStarted, p.not_started),
            (Status::NotReported, p.not_reported),
            (Status::Other, p.other),
        ] {
            if let Some(v) = v {
                let a = sp.status_points.get(s.label());
                if let Some(d) = number(v, &format!("状态“{}”", s.label()), a, diags) {
                    rules.status_points[s as usize] = d;
                }
            }
        }
    }
    // Report and order events can only cost points: otherwise a late report could raise a score.
    let mut penalty = |v: Option<f64>, key: &str, what: &str, spans: &BTreeMap<String, At>, slot: &mut Decimal| {
        let Some(v) = v else { return };
        let a = spans.get(key);
        let Some(d) = number(v, what, a, diags) else { return };
        if d > Decimal::ZERO {
            let (l, len) = at(a);
            diags.push(
                Diagnostic::error(format!("{what}的分值应为 0 或负数（扣分），实际为 {v}"))
                    .at_span(l, len)
                    .hint(format!("写成 `{key}: -{v}`；不扣分写 0")),
            );
            return;
        }
        *slot = d;
    };
    if let Some(r) = &raw.reports {
        penalty(r.late, "late", "迟报", &sp.reports, &mut rules.report_late);
        penalty(r.missing, "missing", "未报送", &sp.reports, &mut rules.report_missing);
    }
    if let Some(o) = &raw.orders {
        penalty(o.closed_late, "closed_late", "督办事项逾期办结", &sp.orders, &mut rules.order_closed_late);
        penalty(o.open_overdue, "open_overdue", "督办事项逾期未办结", &sp.orders, &mut rules.order_open_overdue);
        penalty(o.returned, "returned", "督办事项退回", &sp.orders, &mut rules.order_returned);
    }
    if let Some(grades) = &raw.grades {
        if grades.is_empty() {
            let (l, len) = at(None);
            diags.push(
                Diagnostic::error("等次 `grades` 为空")
                    .at_span(l, len)
                    .hint("至少写一档，例如 `- name: 优秀` / `  min: 95`；或删除 grades 使用默认等次"),
            );
        }
        let mut out: Vec<Grade> = Vec::new();
        for (i, g) in grades.iter().enumerate() {
            let item = sp.grades.get(i);
            let name_at = item.and_then(|x| x.fields.name.as_ref()).or(item.map(|x| &x.at));
            let min_at = item.and_then(|x| x.fields.min.as_ref()).or(item.map(|x| &x.at));
            let name = g.name.trim();
            if name.is_empty() {
                let (l, len) = at(name_at);
                diags.push(
                    Diagnostic::error(format!("第 {} 档等次的名称为空", i + 1))
                        .at_span(l, len)
                        .hint("填写等次名称，如 优秀"),
                );
            } else if out.iter().any(|o| o.name == name) {
                let (l, len) = at(name_at);
                diags.push(Diagnostic::error(format!("等次 “{name}” 重复")).at_span(l, len).hint("每档等次名称应不同"));
            }
            let Some(min) = number(g.min, &format!("等次“{name}”最低分"), min_at, diags) else { continue };
            if let Some(prev) = out.last() {
                if min >= prev.min {
                    let (l, len) = at(min_at);
                    diags.push(
                        Diagnostic::error(format!(
                            "等次顺序不对：“{name}”的最低分 {} 不低于上一档“{}”的 {}",
                            fmt(min),
                            prev.name,
                            fmt(prev.min)
                        ))
                        .at_span(l, len)
                        .hint("grades 由高到低排列，每档的 min 应低于上一档，如 优秀 95、良好 85、合格 70"),
                    );
                }
            }
            out.push(Grade { name: name.to_owned(), min });
        }
        rules.grades = out;
    }
    if let Some(lowest) = &raw.lowest {
        let name = lowest.trim();
        let (l, len) = at(sp.lowest.as_ref());
        if name.is_empty() {
            diags.push(Diagnostic::error("最低一档 `lowest` 的名称为空").at_span(l, len).hint("填写名称，如 不合格"));
        } else if rules.grades.iter().any(|g| g.name == name) {
            diags.push(
                Diagnostic::error(format!("最低一档 “{name}” 与 grades 中的等次重名"))
                    .at_span(l, len)
                    .hint("lowest 是低于最后一档的等次，应另起名称"),
            );
        }
        rules.lowest = name.to_owned();
    }
    if let Some(b) = raw.step_down {
        rules.step_down = b;
    }
    (diags.error_count() == before).then_some(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load::{parse_yaml, SourceFile};

    fn parse(text: &str) -> (Option<Rules>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let source =
            SourceFile { name: "data/assessment.yaml".into(), path: "assessment.yaml".into(), text: text.into() };
        let rules = parse_yaml::<RawAssessment>(source, &mut diags).and_then(|p| validate(&p, &mut diags));
        (rules, diags)
    }

    #[test]
    fn printed_defaults_read_back_as_the_defaults() {
        let (rules, diags) = parse(&Rules::default().to_yaml());
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(rules.unwrap(), Rules { source: Some("data/assessment.yaml".into()), ..Rules::default() });
    }

    #[test]
    fn a_file_of_other_numbers_reads_back_through_to_yaml() {
        let (rules, diags) = parse(
            "base: 90\nstatus_points:\n  已完成: 2\n  滞后: -3.5\nreports:\n  late: -0.25\ngrades:\n  - {name: 好, min: 80}\n  - {name: 中, min: 60}\nlowest: 差\nstep_down: false\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let r = rules.unwrap();
        assert_eq!(fmt(r.status(Status::Behind)), "-3.5");
        assert_eq!(fmt(r.status(Status::OnTrack)), "-1", "unset keys keep their default");
        assert_eq!(r.band(dec("79.9")), 1);
        assert_eq!(r.band_name(2), "差");
        let (again, d) = parse(&r.to_yaml());
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(again.unwrap(), r);
    }

    #[test]
    fn bands_out_of_order_positive_penalties_and_non_numbers_are_located() {
        let (rules, diags) =
            parse("grades:\n  - name: 优秀\n    min: 80\n  - name: 良好\n    min: 85\nreports:\n  late: 0.1\n");
        assert!(rules.is_none());
        let msgs: Vec<String> = diags.0.iter().map(|d| format!("{} @ {:?}", d.message, d.loc)).collect();
        assert!(msgs.iter().any(|m| m.contains("等次顺序不对") && m.contains("line: 5, column: 10")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("迟报的分值应为 0 或负数") && m.contains("line: 7")), "{msgs:?}");
        let (_, diags) = parse("status_points:\n  滞后: 两分\n");
        assert!(diags.0[0].message.contains("应为数字"), "{diags:?}");
        assert_eq!(diags.0[0].loc.as_ref().map(|l| (l.line, l.column)), Some((2, 7)), "columns count characters");
        let (_, diags) = parse("photos: 1\n");
        assert!(diags.0[0].message.contains("未知字段 `photos`"), "{diags:?}");
        let (_, diags) = parse("status_points:\n  批示: 1\n");
        assert!(diags.0[0].message.contains("未知字段 `批示`"), "{diags:?}");
    }
}
