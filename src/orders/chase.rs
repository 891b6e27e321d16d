//! 催办单: the numbered document of a 催办 (docs/rules.md §19 “催办单”).
//!
//! A 催办 is an event of an item's file (`action: chase`); its 催办单 number
//! (`催办〔2023〕2号`) is not stored but derived from the register: the 催办 events dated in a
//! year, in the order they happened (date, then time of day, then item number and place in the
//! file), numbered from 1. Events are appended in time order, so a new 催办 takes the next number
//! and the numbers already sent never change; [`renumbers`] names the one way to break that (a
//! 催办 recorded with a time earlier than an already numbered one), which `ducha orders chase`
//! refuses.
//!
//! The document says, as of the 催办 itself (the item replayed up to that event, [`Item::upto`]):
//! to whom (the 承办单位), which order (its number, task, issue date), the deadline in force
//! (and an extension, if one was granted), what the unit has not done yet, and how many working
//! days it is overdue (docs/rules.md §18), or how many are left.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::timing::{timing, OrdersConfig};
use super::{Action, Event, Item, Kind, Number, Phase, Register};
use crate::data::model::{Dataset, Date};
use crate::diag::{Diagnostic, Diagnostics, Loc, SourceMap};
use crate::engine::fonts::{Fonts, Role as FontRole};
use crate::engine::glyphs::TextItem;
use crate::engine::{Engine, Job, PdfFlavor};
use crate::pipeline::BuildError;
use crate::templates::Templates;

/// The folder under `out/<年度>/` the 催办单 of a year go to.
pub const DIR: &str = "催办单";

/// A 催办单 number: `催办〔2023〕2号`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChaseNumber {
    pub year: i32,
    pub seq: u32,
}

impl ChaseNumber {
    /// Reads `催办〔2023〕2号` (brackets typed any way, as [`Number::parse`]).
    pub fn parse(s: &str) -> Option<ChaseNumber> {
        let (year, seq) = super::year_and_seq(s.trim().strip_prefix("催办")?)?;
        Some(ChaseNumber { year, seq })
    }
}

impl std::fmt::Display for ChaseNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "催办〔{}〕{}号", self.year, self.seq)
    }
}

impl Serialize for ChaseNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One 催办 of the register with its number.
#[derive(Debug, Clone, Copy)]
pub struct Chase<'a> {
    pub number: ChaseNumber,
    pub item: &'a Item,
    /// The event's place in the item's file (0-based).
    pub index: usize,
    /// The how-many-th 催办 of this item (1-based).
    pub round: u32,
}

impl Chase<'_> {
    /// The 催办 event.
    pub fn event(&self) -> &Event {
        &self.item.events[self.index]
    }

    /// The file name of its PDF: `催办〔2023〕2号-县发展改革局.pdf` ([`crate::names::file_name`]).
    pub fn file_name(&self) -> String {
        format!("{}.pdf", crate::names::file_name(&format!("{}-{}", self.number, self.item.lead())))
    }
}

/// Where a 催办 stands in its year: date, time of day (a date without a time first), item, place
/// in the file.
type Key = (Date, Option<i64>, Number, usize);

/// The order in which a year's 催办 are numbered ([`Key`]).
fn key(item: &Item, index: usize, e: &Event) -> Key {
    (e.date, e.instant, item.number, index)
}

/// Every 催办 of the register, numbered per year of its date (docs/rules.md §19), in number order.
pub fn chases(register: &Register) -> Vec<Chase<'_>> {
    let mut all: Vec<(Chase, Key)> = Vec::new();
    for item in &register.items {
        let mut round = 0;
        for (index, e) in item.events.iter().enumerate() {
            if e.action == Action::Chase {
                round += 1;
                let number = ChaseNumber { year: e.date.year, seq: 0 };
                all.push((Chase { number, item, index, round }, key(item, index, e)));
            }
        }
    }
    all.sort_by_key(|a| a.1);
    let mut out: Vec<Chase> = Vec::with_capacity(all.len());
    for (mut c, _) in all {
        c.number.seq = out.iter().filter(|p| p.number.year == c.number.year).count() as u32 + 1;
        out.push(c);
    }
    out
}

/// The 催办 with this number.
pub fn find(register: &Register, number: ChaseNumber) -> Option<Chase<'_>> {
    chases(register).into_iter().find(|c| c.number == number)
}

/// The 催办 of one item, oldest first.
pub fn of_item(register: &Register, number: Number) -> Vec<Chase<'_>> {
    chases(register).into_iter().filter(|c| c.item.number == number).collect()
}

/// The already numbered 催办 whose number `event` (a 催办 about to be appended to `item`) would
/// change: the first of its year that sorts after it. `None` when it takes the next number.
pub fn renumbers(register: &Register, item: Number, event: &Event) -> Option<ChaseNumber> {
    let index = register.get(item).map_or(0, |i| i.events.len());
    let new: Key = (event.date, event.instant, item, index);
    chases(register)
        .into_iter()
        .filter(|c| c.number.year == event.date.year)
        .find(|c| key(c.item, c.index, c.event()) > new)
        .map(|c| c.number)
}

/// Everything the 催办单 prints (`templates/chase.typ.j2`; fields in templates/README.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChaseView {
    /// 督查室: the red head and the 署名.
    pub office: String,
    /// `催办〔2023〕2号`.
    pub number: String,
    /// The item's how-many-th 催办: `2`.
    pub round: String,
    /// 主送: the 承办单位.
    pub unit: String,
    /// Generated body paragraphs (docs/rules.md §19).
    pub paragraphs: Vec<String>,
    /// 催办意见: the office's words in the event (may be empty).
    pub opinion: String,
    /// 署名.
    pub issuer: String,
    /// 成文日期: the 催办 date, `2023年10月30日`.
    pub date: String,
    /// Working days overdue on the 催办 date (0 when not overdue); for tests and JSON.
    pub overdue_days: u32,
    /// The deadline in force on the 催办 date.
    pub deadline: Date,
}

/// The 催办单 of `chase` (docs/rules.md §19): the item as it stood right after the 催办.
pub fn view(ds: &Dataset, chase: &Chase) -> ChaseView {
    let cfg: &OrdersConfig = &ds.office.orders;
    let e = chase.event();
    let item = chase.item.upto(chase.index + 1).unwrap_or_else(|| chase.item.clone());
    let t = timing(&item, e.date, cfg);
    let office = ds.office.supervision_office.clone();
    let deadline = item.track.deadline;
    let co = if item.units.len() > 1 {
        format!("（协办单位：{}）", item.units[1..].join("、"))
    } else {
        String::new()
    };
    let what = match (item.kind, item.task) {
        (Kind::Order, Some(n)) => format!("督办第{n}项任务“{}”", item.title),
        (Kind::Order, None) => format!("督办“{}”", item.title),
        (Kind::Coordination, _) => format!("交办需协调事项“{}”", item.title),
    };
    let doc = match item.kind {
        Kind::Order => "督办通知单",
        Kind::Coordination => "交办单",
    };
    let extended = if deadline != item.deadline {
        format!("（经申请，已同意延期至{}）", deadline.chinese())
    } else {
        String::new()
    };
    let first = format!(
        "{}，{office}向你单位下发{doc}（{}）{co}，{what}，要求于{}前书面反馈办理情况{extended}。",
        item.issued.chinese(),
        item.number,
        item.deadline.chinese(),
    );
    let state = match item.track.phase {
        Phase::Issued => "你单位尚未签收".to_owned(),
        Phase::Returned => {
            let back = item.events.iter().rev().find(|x| x.action == Action::Return).map(|x| x.date);
            match back {
                Some(d) => format!("你单位反馈的办理情况已于{}退回，尚未重新反馈", d.chinese()),
                None => "你单位反馈的办理情况已退回，尚未重新反馈".to_owned(),
            }
        }
        _ => "你单位已签收，尚未反馈办理情况".to_owned(),
    };
    let when = if t.overdue {
        format!("已逾期{}个工作日", t.overdue_days)
    } else {
        match t.days_left {
            Some(0) | None => "今天为办理时限".to_owned(),
            Some(n) => format!("距办理时限还有{n}个工作日"),
        }
    };
    let second = format!("截至{}，{state}，{when}。现予第{}次催办。", e.date.chinese(), chase.round);
    let third = format!(
        "请你单位接此单后抓紧办理，经主要负责同志签字、加盖公章后书面反馈{office}。逾期未办结的事项将在下期通报中点名。"
    );
    ChaseView {
        issuer: office.clone(),
        office,
        number: chase.number.to_string(),
        round: chase.round.to_string(),
        unit: item.lead().to_owned(),
        paragraphs: vec![first, second, third],
        opinion: e.text.trim().to_owned(),
        date: e.date.chinese(),
        overdue_days: t.overdue_days,
        deadline,
    }
}

/// One rendered 催办单.
pub struct ChasePdf {
    pub number: ChaseNumber,
    /// [`Chase::file_name`].
    pub file_name: String,
    pub pdf: Vec<u8>,
    /// The Typst source it was compiled from.
    pub typst: String,
}

/// Renders the 催办单 of `chases` (one PDF each, through `templates/chase.typ.j2`). Each PDF's
/// timestamp is its 催办 date and its ident the number: the same register gives the same bytes.
/// Every printed text of the register is checked for glyphs first (a missing one is an error
/// naming the item file). Returns the PDFs and the warnings (glyph fallbacks, Typst).
pub fn render(
    ds: &Dataset,
    chases: &[Chase],
    fonts: Arc<Fonts>,
    templates: &Templates,
) -> Result<(Vec<ChasePdf>, Diagnostics), BuildError> {
    let one = |d: Diagnostic| BuildError { diagnostics: Diagnostics(vec![d]), sources: SourceMap::default() };
    let views: Vec<ChaseView> = chases.iter().map(|c| view(ds, c)).collect();
    let mut sources = SourceMap::default();
    for c in chases {
        if let Ok(text) = std::fs::read_to_string(&c.item.file) {
            sources.insert(c.item.file.clone(), text);
        }
    }
    let texts: Vec<(String, &Chase, FontRole)> = chases
        .iter()
        .zip(&views)
        .flat_map(|(c, v)| {
            let body =
                v.paragraphs.iter().chain([&v.opinion, &v.unit]).map(move |t| (t.clone(), c, FontRole::Fangsong));
            body.chain([(v.office.clone(), c, FontRole::Xiaobiaosong)])
        })
        .collect();
    let glyphs = crate::engine::glyphs::check(
        &fonts,
        texts.iter().map(|(text, c, role)| TextItem {
            text,
            role: *role,
            origin: Loc::new(c.item.file.clone(), 1, 1),
            what: format!("{} 的催办单", c.item.number),
        }),
        &sources,
    );
    if glyphs.has_errors() {
        return Err(BuildError { diagnostics: glyphs, sources });
    }
    let mut warnings = glyphs;
    let env = crate::render::environment(templates).map_err(one)?;
    let engine = Engine::new(fonts, templates.typst_files());
    let mut out = Vec::with_capacity(chases.len());
    for (c, v) in chases.iter().zip(&views) {
        let typst = crate::render::render(&env, templates, "chase.typ.j2", v).map_err(one)?;
        let job = Job {
            name: "chase.typ".into(),
            source: typst.clone(),
            timestamp: crate::pipeline::timestamp(c.event().date),
            ident: format!("ducha/催办/{}/{}", c.number.year, c.number.seq),
            flavor: PdfFlavor::Plain,
            files: vec![],
        };
        let compiled =
            engine.compile(&job).map_err(|e| BuildError { diagnostics: e.diagnostics, sources: e.sources })?;
        warnings.extend(compiled.warnings);
        out.push(ChasePdf { number: c.number, file_name: c.file_name(), pdf: compiled.pdf, typst });
    }
    Ok((out, warnings))
}

/// The folder of a year's 催办单: `<out>/<year>/催办单/`.
pub fn folder(out: &Path, year: i32) -> PathBuf {
    out.join(year.to_string()).join(DIR)
}

/// Writes each PDF into `folder(out, year)` of its number (atomically); returns the paths.
pub fn write(out: &Path, pdfs: &[ChasePdf]) -> Result<Vec<PathBuf>, crate::fsutil::OutputError> {
    let mut paths = Vec::new();
    for p in pdfs {
        let path = crate::names::join_inside(&folder(out, p.number.year), &p.file_name)?;
        crate::fsutil::write_atomic(&path, &p.pdf)?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back() {
        for s in ["催办〔2024〕3号", "催办[2024]3号", "催办（2024）3号"] {
            assert_eq!(ChaseNumber::parse(s), Some(ChaseNumber { year: 2024, seq: 3 }), "{s}");
        }
        assert_eq!(ChaseNumber { year: 2023, seq: 12 }.to_string(), "催办〔2023〕12号");
        for bad in ["督办〔2024〕3号", "催办〔2024〕号", "催办〔2024〕0号", ""] {
            assert_eq!(ChaseNumber::parse(bad), None, "{bad}");
        }
    }
}
