//! Raw serde structs that mirror the YAML files one to one (`docs/data-format.md`).
//!
//! No logic lives here: every struct denies unknown fields so a typo is an error, optional keys
//! are `Option`, and validation (`data::validate`) turns these into domain types that cannot be
//! invalid. The same structs serialise the plan written by `ducha plan import`, so field order
//! here is the key order users see in `plan.yaml`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `plan.yaml`: the annual plan of key tasks (年度重点工作任务).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    /// 计划名称
    pub title: String,
    /// 印发计划的文号, e.g. 莘政办发〔2023〕13号
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_number: Option<String>,
    /// 发文机关
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// 印发通知的标题
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_title: Option<String>,
    /// 成文日期 (YYYY-MM-DD)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// 主送
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<String>,
    /// 计划年度
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// 前言
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preamble: Option<String>,
    /// 抄送
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// 一、二、… sections in order.
    #[serde(default)]
    pub sections: Vec<RawSection>,
}

/// One numbered section (一、…) of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    /// 1 for 一、
    pub number: u32,
    pub title: String,
    #[serde(default)]
    pub tasks: Vec<RawTask>,
}

/// One numbered key task (重点任务).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTask {
    /// Plan-wide number (numbering continues across sections).
    pub number: u32,
    /// 短标题: the task's first sentence.
    pub title: String,
    /// Full text as published, line breaks removed.
    pub text: String,
    /// 牵头单位 (also 责任单位)
    #[serde(default)]
    pub lead_units: Vec<String>,
    /// 参与单位 (also 配合单位, 协办单位)
    #[serde(default)]
    pub participating_units: Vec<String>,
    /// Numeric targets found in the text.
    #[serde(default)]
    pub targets: Vec<RawTarget>,
    /// 形象进度 planned per quarter (hand-added), keys `Q1`…`Q4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<BTreeMap<String, String>>,
    /// 所需佐证材料 (hand-added, optional): named slots such as 验收报告, 批复文件 (docs/rules.md §21).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// A numeric target (指标) of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    /// The phrase it came from, e.g. `新增省级以上创新平台 1 家以上`.
    pub text: String,
    /// count | amount | growth | level | reduction | ceiling | text
    pub kind: String,
    /// Target value; `None` for `kind: text`.
    pub value: Option<f64>,
    /// Upper end of a range (`1-2 项`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<f64>,
    /// 计量单位: 家, 个, %, 亿元, …
    pub unit: String,
    /// at_least | at_most | exactly | about | range
    pub comparison: String,
    /// 基数 (hand-added) for level / reduction targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
}

/// `office.yaml`: the issuing office and its conventions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawOffice {
    /// 县名
    pub county: String,
    pub issuer: RawIssuer,
    /// 督查室 (编印单位)
    pub supervision_office: String,
    /// 简报名称, e.g. 督查通报
    pub briefing_name: String,
    /// 领导参阅 name
    #[serde(default)]
    pub leader_briefing_name: Option<String>,
    /// 通报文号序号 per period: `2023Q1: 21` → 莘政办字〔2023〕21号
    #[serde(default)]
    pub notice_numbers: BTreeMap<String, u32>,
    /// 简报期号 per period (counted per year)
    #[serde(default)]
    pub briefing_numbers: BTreeMap<String, u32>,
    /// 督办通知单 first number per period
    #[serde(default)]
    pub order_numbers: BTreeMap<String, u32>,
    /// 印发日期 per period (YYYY-MM-DD): 成文日期 and PDF timestamp
    #[serde(default)]
    pub issue_dates: BTreeMap<String, String>,
    /// 主送
    pub recipients: String,
    /// 抄送
    #[serde(default)]
    pub cc: Vec<String>,
    /// 简报 报 / 送 / 发
    #[serde(default)]
    pub briefing_to: RawBriefingTo,
    /// 领导参阅 报送范围
    #[serde(default)]
    pub leader_to: Vec<String>,
    /// 印数（共印N份）
    #[serde(default)]
    pub copies: Option<u32>,
    /// 报送截止: the N-th calendar day after the quarter ends
    #[serde(default)]
    pub report_deadline_days: Option<u32>,
    #[serde(default)]
    pub thresholds: RawThresholds,
    #[serde(default)]
    pub escalation: RawEscalation,
    /// 督办通知单 办理时限 in days
    #[serde(default)]
    pub order_deadline_days: Option<u32>,
    /// 附注, e.g. （此件公开发布）
    #[serde(default)]
    pub note: Option<String>,
    /// 份号 of the notice (6 digits), when copies are numbered.
    #[serde(default)]
    pub copy_no: Option<String>,
    /// 密级和保密期限, e.g. 秘密★1年 (GB/T 9704 §7.2.2).
    #[serde(default)]
    pub secret: Option<String>,
    /// 紧急程度: 特急 / 加急.
    #[serde(default)]
    pub urgency: Option<String>,
    /// 归档 (DA/T 22-2015) settings.
    #[serde(default)]
    pub archive: RawArchive,
    /// 通报附件表 settings.
    #[serde(default)]
    pub notice_table: RawNoticeTable,
    /// 办公地时区 (default `Asia/Shanghai`): decides every date a rule or a user sees.
    #[serde(default)]
    pub timezone: Option<String>,
    /// 督办闭环 settings (docs/rules.md §18–§19).
    #[serde(default)]
    pub orders: RawOrders,
    /// 佐证材料 limits and counting rule (docs/rules.md §21).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::evidence::config::RawEvidence>,
}

/// `orders:` in office.yaml: the 督办 register's colour ladder, deadlines and local calendar days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawOrders {
    /// 临期: within this many working days of the deadline (default 3).
    pub due_soon_days: Option<u32>,
    /// 红: overdue by more than this many working days (default 5).
    pub red_overdue_days: Option<u32>,
    /// 红: chased this many times (default 2).
    pub red_chases: Option<u32>,
    /// 督办通知单 办理时限 in working days (instead of `order_deadline_days` calendar days).
    pub deadline_workdays: Option<u32>,
    /// 需协调事项 交办 deadline in working days (default 10).
    pub coordination_workdays: Option<u32>,
    /// Extra days off (YYYY-MM-DD), overriding the official calendar.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Extra working days (调休上班, YYYY-MM-DD), overriding the official calendar.
    #[serde(default)]
    pub workdays: Vec<String>,
}

/// `notice_table:` in office.yaml: how the notice's 附件 task table is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawNoticeTable {
    /// `landscape` (横排, default) | `portrait` (竖排).
    pub orientation: Option<String>,
    /// Longest 本期进展 cell in characters (default 400; 40–500).
    pub progress_limit: Option<usize>,
}

/// `archive:` in office.yaml: the 归档章 fields that do not come from the documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawArchive {
    /// 全宗号, assigned by the archive (e.g. J001).
    pub fonds: Option<String>,
    /// 机构（问题）代码 (e.g. DCS for 督查室).
    pub org_code: Option<String>,
    /// 保管期限 per document kind: Y (永久) | D30 (定期30年) | D10 (定期10年).
    #[serde(default)]
    pub retention: BTreeMap<String, String>,
}

/// 发文机关
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawIssuer {
    /// 全称
    pub name: String,
    /// 发文机关标志 (红头)
    pub mark: String,
    /// 机关代字
    pub short: String,
}

/// 简报 报 / 送 / 发 lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawBriefingTo {
    #[serde(default)]
    pub report: Vec<String>,
    #[serde(default)]
    pub send: Vec<String>,
    #[serde(default)]
    pub issue: Vec<String>,
}

/// Status thresholds in percentage points (docs/rules.md §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawThresholds {
    pub tolerance: Option<f64>,
    pub yellow_max: Option<f64>,
    pub ahead_margin: Option<f64>,
}

/// Escalation rules (docs/rules.md §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawEscalation {
    /// Consecutive lagging quarters before a task is escalated.
    pub lagging_quarters: Option<u32>,
    /// Late or missing reports before a unit is escalated.
    pub late_reports: Option<u32>,
}

/// `reports/<period>/<unit>.yaml`: one unit's quarterly report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// 报送单位
    pub unit: String,
    /// e.g. 2023Q2
    pub period: String,
    /// 报送日期 (YYYY-MM-DD)
    pub submitted: String,
    /// 联系人
    #[serde(default)]
    pub contact: Option<String>,
    /// 联系电话
    #[serde(default)]
    pub phone: Option<String>,
    /// 审核领导
    #[serde(default)]
    pub reviewed_by: Option<String>,
    #[serde(default)]
    pub entries: Vec<RawEntry>,
}

/// One task's progress in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    /// 任务编号
    pub task: u32,
    /// 单位自评 status claim (Chinese label)
    #[serde(default)]
    pub claim: Option<String>,
    /// 进展情况 (Markdown)
    pub progress: String,
    /// 完成数值 per target
    #[serde(default)]
    pub values: Vec<RawValue>,
    /// 已达到的计划形象进度 (Q1…Q4)
    #[serde(default)]
    pub milestone: Option<String>,
    /// 自报形象进度百分比
    #[serde(default)]
    pub percent: Option<f64>,
    /// 指标调整说明
    #[serde(default)]
    pub adjustment: Option<String>,
    /// 存在问题
    #[serde(default)]
    pub problems: Option<String>,
    /// 下步打算
    #[serde(default)]
    pub next_steps: Option<String>,
    /// 佐证材料
    #[serde(default)]
    pub evidence: Vec<String>,
    /// 需协调事项: problems the unit cannot solve alone, with the level it needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coordination: Vec<RawCoordination>,
}

/// One 需协调事项 of a report entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawCoordination {
    /// The problem and what is asked.
    pub text: String,
    /// 牵头单位协调 | 分管县领导 | 县政府常务会议
    pub level: String,
}

/// 完成数值 for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawValue {
    /// 1-based index into the task's `targets`.
    pub target: u32,
    pub value: f64,
}
