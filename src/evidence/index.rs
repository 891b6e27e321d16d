//! The evidence index: one small YAML file per report (`evidence/index/<期间>/<单位>.yaml`) and
//! per order item and replying unit (`evidence/index/orders/<年>/<事项>/<单位>.yaml`), listing its files with their
//! original (sanitised) name, uploader, time, size, type, sha256, the task or reply they belong
//! to, and the office's review (docs/rules.md §21). Written only by [`super::store`] (atomic
//! write under a lock); read here into [`super::Reviews`] with located errors like any data file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::sniff::FileKind;
use super::Reviews;
use crate::data::load::{parse_yaml, read_source};
use crate::data::model::Period;
use crate::data::spans::{At, HasSpans, Item};
use crate::diag::{Diagnostic, Diagnostics, Loc, SourceMap};

/// One index file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawIndex {
    /// 报送单位 (the owner of every file listed)
    pub unit: String,
    /// 期间 of a report's files (`2023Q3`)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// 事项编号 of an order item's reply files (`督办〔2023〕3号`)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(default)]
    pub files: Vec<RawRecord>,
}

/// One file in an index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawRecord {
    pub sha256: String,
    /// 原文件名（已清理）
    pub name: String,
    /// pdf | ofd | jpeg | png | docx | xlsx | wps | et
    #[serde(rename = "type")]
    pub kind: String,
    pub size: u64,
    /// 任务编号 (report files)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<u32>,
    /// 第几条办理记录 (order reply files, 1-based)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<u32>,
    /// 材料名目 from the plan's per-task list (验收报告 …)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    pub uploaded_by: String,
    /// office time, `YYYY-MM-DD HH:MM:SS`
    pub uploaded_at: String,
    /// 采信 | 退回
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// 退回理由 (required with 退回)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<String>,
    /// sha256 of the file this one replaced (a returned file)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// sha256 of the file that replaced this one
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// Positions in an index file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IndexSpans {
    pub unit: Option<At>,
    pub period: Option<At>,
    pub order: Option<At>,
    pub files: Vec<Item<RecordSpans>>,
}

/// Positions in one record of an index file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RecordSpans {
    pub sha256: Option<At>,
    #[serde(rename = "type")]
    pub kind: Option<At>,
    pub task: Option<At>,
    pub decision: Option<At>,
    pub reason: Option<At>,
}

impl HasSpans for RawIndex {
    type Spans = IndexSpans;
}

/// The office's decision on a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// 采信: the file proves what it should.
    #[serde(rename = "采信")]
    Accepted,
    /// 退回: returned with a reason; the unit may replace it.
    #[serde(rename = "退回")]
    Returned,
}

impl Decision {
    /// 采信 / 退回.
    pub fn label(self) -> &'static str {
        match self {
            Decision::Accepted => "采信",
            Decision::Returned => "退回",
        }
    }

    /// Reads 采信 / 退回.
    pub fn parse(s: &str) -> Option<Decision> {
        match s.trim() {
            "采信" => Some(Decision::Accepted),
            "退回" => Some(Decision::Returned),
            _ => None,
        }
    }
}

/// A review: decision, reason (required for 退回), reviewer, time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub decision: Decision,
    pub reason: Option<String>,
    pub by: String,
    /// office time, `YYYY-MM-DD HH:MM:SS`
    pub at: String,
}

/// What a file belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Owner {
    /// A task of a unit's quarterly report.
    Task { period: Period, unit: String, task: u32 },
    /// A reply (the `event`-th record, 1-based) of an order item, by the unit that replied.
    OrderReply { number: String, unit: String, event: u32 },
}

impl Owner {
    /// The unit that uploaded the files and may read them.
    pub fn unit(&self) -> &str {
        match self {
            Owner::Task { unit, .. } | Owner::OrderReply { unit, .. } => unit,
        }
    }

    /// The index file of this owner under the data directory `dir`.
    pub fn index_path(&self, dir: &Path) -> PathBuf {
        let root = dir.join("evidence").join("index");
        match self {
            Owner::Task { period, unit, .. } => {
                root.join(period.to_string()).join(format!("{}.yaml", crate::names::file_name(unit)))
            }
            Owner::OrderReply { number, unit, .. } => {
                let year = number.split(['〔', '[', '（', '(']).nth(1).and_then(|r| r.get(..4)).unwrap_or("other");
                // One file per replying unit (承办 and 协办 units reply alike): an index has one unit.
                root.join("orders")
                    .join(crate::names::file_name(year))
                    .join(crate::names::file_name(number))
                    .join(format!("{}.yaml", crate::names::file_name(unit)))
            }
        }
    }
}

/// A stored file as the index lists it (validated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Lower-case hex; the object is `evidence/objects/<first two>/<sha256>`.
    pub sha256: String,
    /// The original name, sanitised (`names::file_name`); for display and download names only.
    pub name: String,
    pub kind: FileKind,
    pub size: u64,
    pub owner: Owner,
    /// 材料名目 (a slot of the plan's per-task list), when uploaded into one.
    pub slot: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub review: Option<Review>,
    /// The returned file this one replaced.
    pub replaces: Option<String>,
    /// The file that replaced this one (a replaced record no longer counts or shows as current).
    pub replaced_by: Option<String>,
}

impl Record {
    /// The task of a report file.
    pub fn task(&self) -> Option<u32> {
        match &self.owner {
            Owner::Task { task, .. } => Some(*task),
            Owner::OrderReply { .. } => None,
        }
    }

    /// Back to the form written in the index.
    pub fn to_raw(&self) -> RawRecord {
        let (task, event) = match &self.owner {
            Owner::Task { task, .. } => (Some(*task), None),
            Owner::OrderReply { event, .. } => (None, Some(*event)),
        };
        RawRecord {
            sha256: self.sha256.clone(),
            name: self.name.clone(),
            kind: self.kind.as_str().into(),
            size: self.size,
            task,
            event,
            slot: self.slot.clone(),
            uploaded_by: self.uploaded_by.clone(),
            uploaded_at: self.uploaded_at.clone(),
            decision: self.review.as_ref().map(|r| r.decision.label().into()),
            reason: self.review.as_ref().and_then(|r| r.reason.clone()),
            reviewed_by: self.review.as_ref().map(|r| r.by.clone()),
            reviewed_at: self.review.as_ref().map(|r| r.at.clone()),
            replaces: self.replaces.clone(),
            replaced_by: self.replaced_by.clone(),
        }
    }
}

/// True for 64 lower-case hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Reads and validates every index file under `dir/evidence/index/`; each problem is located.
/// `sources` gets each file's text for snippets.
pub fn load(
    dir: &Path,
    name_of: &dyn Fn(&Path) -> String,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Reviews {
    let mut reviews = Reviews::default();
    let root = dir.join("evidence").join("index");
    if !root.is_dir() {
        return reviews;
    }
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name().follow_links(false).into_iter().flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().is_file() || file_name.starts_with('.') || !file_name.ends_with(".yaml") {
            continue;
        }
        let path = entry.path();
        let name = name_of(path);
        let Some(source) = read_source(path, name, diags) else { continue };
        sources.insert(source.name.clone(), source.text.clone());
        let Some(parsed) = parse_yaml::<RawIndex>(source, diags) else { continue };
        validate_file(&parsed.value, &parsed.spans, &parsed.source.name, &mut reviews, diags);
    }
    reviews
}

/// One parsed index file → its records in `reviews`.
pub fn validate_file(raw: &RawIndex, sp: &IndexSpans, file: &str, reviews: &mut Reviews, diags: &mut Diagnostics) {
    let at = |a: &Option<At>| a.as_ref().map_or_else(|| (Loc::file(file), 1), |a| a.loc(file));
    let period = match (&raw.period, &raw.order) {
        (Some(p), None) => match Period::parse(p) {
            Some(p) => Some(p),
            None => {
                let (loc, len) = at(&sp.period);
                diags.push(
                    Diagnostic::error(format!("佐证材料索引中的期间 “{p}” 无法识别"))
                        .at_span(loc, len)
                        .hint("应写成 2023Q3 这样的形式"),
                );
                return;
            }
        },
        (None, Some(_)) => None,
        _ => {
            diags.push(
                Diagnostic::error("佐证材料索引应写明 period（报告期间）或 order（督办事项编号）之一")
                    .at(Loc::file(file))
                    .hint("索引由 ducha 写入；请从备份恢复此文件"),
            );
            return;
        }
    };
    let mut out = Vec::new();
    for (i, r) in raw.files.iter().enumerate() {
        let s = sp.files.get(i).map(|x| &x.fields);
        let item_at = sp.files.get(i).map_or_else(|| Loc::file(file), |x| x.at.loc(file).0);
        let field =
            |f: Option<&Option<At>>| f.and_then(|a| a.as_ref()).map_or_else(|| (item_at.clone(), 1), |a| a.loc(file));
        let mut bad = |msg: String, loc: (Loc, usize)| {
            diags.push(Diagnostic::error(msg).at_span(loc.0, loc.1).hint("索引由 ducha 写入；请从备份恢复此文件"))
        };
        if !is_sha256(&r.sha256) {
            bad(
                format!("佐证材料“{}”的 sha256 “{}” 不是 64 位小写十六进制数", r.name, r.sha256),
                field(s.map(|s| &s.sha256)),
            );
            continue;
        }
        let Some(kind) = FileKind::parse(&r.kind) else {
            bad(format!("佐证材料“{}”的类型 “{}” 无法识别", r.name, r.kind), field(s.map(|s| &s.kind)));
            continue;
        };
        let owner = match (period, r.task, r.event, &raw.order) {
            (Some(period), Some(task), None, _) => Owner::Task { period, unit: raw.unit.clone(), task },
            (None, None, Some(event), Some(number)) => {
                Owner::OrderReply { number: number.clone(), unit: raw.unit.clone(), event }
            }
            _ => {
                bad(
                    format!(
                        "佐证材料“{}”应写明 task（报告文件）或 event（督办回复文件）之一，与索引的种类相符",
                        r.name
                    ),
                    (item_at.clone(), 1),
                );
                continue;
            }
        };
        let review = match r.decision.as_deref() {
            None => None,
            Some(d) => match Decision::parse(d) {
                None => {
                    bad(
                        format!("佐证材料“{}”的审核结论 “{d}” 无法识别，应为 采信 或 退回", r.name),
                        field(s.map(|s| &s.decision)),
                    );
                    continue;
                }
                Some(Decision::Returned) if r.reason.as_deref().is_none_or(|x| x.trim().is_empty()) => {
                    bad(format!("佐证材料“{}”被退回，但没有写明退回理由", r.name), field(s.map(|s| &s.decision)));
                    continue;
                }
                Some(decision) => Some(Review {
                    decision,
                    reason: r.reason.clone(),
                    by: r.reviewed_by.clone().unwrap_or_default(),
                    at: r.reviewed_at.clone().unwrap_or_default(),
                }),
            },
        };
        out.push(Record {
            sha256: r.sha256.clone(),
            name: r.name.clone(),
            kind,
            size: r.size,
            owner,
            slot: r.slot.clone(),
            uploaded_by: r.uploaded_by.clone(),
            uploaded_at: r.uploaded_at.clone(),
            review,
            replaces: r.replaces.clone(),
            replaced_by: r.replaced_by.clone(),
        });
    }
    match (period, &raw.order) {
        (Some(p), _) => reviews.reports.entry((p, raw.unit.clone())).or_default().extend(out),
        (None, Some(n)) => reviews.orders.entry(n.clone()).or_default().extend(out),
        (None, None) => {}
    }
}
