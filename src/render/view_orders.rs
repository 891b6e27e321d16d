//! What the documents say about the 督办 register (docs/rules.md §19 “文书中的督办情况”): the
//! follow-up of the previous quarter's 督办事项 (the notice's paragraph and its annex
//! 督办情况一览表, the same counts in the 督查简报 and the 领导参阅) and the open 需协调事项 the
//! 领导参阅 lists by level. Everything is read from the register as it stood on the document's
//! date (`Register::as_of`), so a document says what `ducha orders list --as-of <that date>` says.

use serde::Serialize;

use super::{Block, Inputs};
use crate::data::model::{Date, Period};
use crate::orders::timing::{timing, Colour};
use crate::orders::{CoordinationLevel, FollowUp, Item, Kind, Phase};

/// One row of the annex 督办情况一览表 (kind `notice`, `orders_rows`).
#[derive(Debug, Clone, Serialize)]
pub struct OrderRow {
    /// 序号 (1, 2, …).
    pub no: String,
    /// 督办〔2023〕3号.
    pub number: String,
    /// 第18项　聚力攻坚能源项目.
    pub task: String,
    /// 承办单位, then `（协办：…）` on a line of its own.
    pub unit: String,
    /// The deadline in force (`2023年8月11日`), `（已延期）` on a second line after a granted
    /// extension.
    pub deadline: String,
    /// 办理情况: the state (`已办结`, `办理中` …), with `（逾期N个工作日）` for an overdue item
    /// and `（逾期办结）` for one closed after its deadline.
    pub state: String,
    /// 办结日期 (`2023年7月27日`; empty while open or after 中止).
    pub closed: String,
}

/// The previous quarter's 督办事项 as of this document's date: its figures and its items.
pub struct FollowUpFacts {
    /// The quarter whose orders are followed up.
    pub period: Period,
    /// The counts (`Register::follow_up`).
    pub figures: FollowUp,
    /// The items, as they stood that day, in register order.
    pub items: Vec<Item>,
    /// The date they are read against (the document's issue date).
    pub date: Date,
}

/// The previous quarter's 督办事项 as of the issue date. `None` in a year's first quarter, without
/// a register, or when the previous quarter issued no order.
pub fn follow_up_facts(inp: &Inputs) -> Option<FollowUpFacts> {
    let prev = inp.period().prev_in_year()?;
    let office = &inp.ds.office;
    let register = inp.register?;
    let date = office.issue_date(inp.period());
    let figures = register.follow_up(prev, date, &office.orders);
    if figures.issued == 0 {
        return None;
    }
    Some(FollowUpFacts { period: prev, figures, items: register.followed_up(prev, date), date })
}

/// “上期下发督办通知单N份，已办结M项，正在办理K项（其中逾期J项）”, with “，中止S项” when some were
/// stopped, and nothing after it (the callers end the sentence).
pub fn counts_sentence(f: &FollowUp) -> String {
    let mut s = format!("上期下发督办通知单{}份，已办结{}项，正在办理{}项", f.issued, f.closed, f.open);
    if f.open > 0 {
        s += &format!("（其中逾期{}项）", f.overdue);
    }
    if f.stopped > 0 {
        s += &format!("，中止{}项", f.stopped);
    }
    s
}

/// The units with overdue items, named after the counts (empty when none).
pub fn overdue_sentence(f: &FollowUp) -> String {
    if f.overdue_units.is_empty() {
        String::new()
    } else {
        format!("{}办理督办事项逾期，请抓紧办理并书面反馈。", f.overdue_units.join("、"))
    }
}

/// The notice's paragraph: the counts, the units with overdue items, and where the annex lists
/// the items (`annex`: its label, e.g. `附件3`).
pub fn notice_paragraph(f: &FollowUpFacts, annex: Option<&str>) -> Block {
    let see = annex.map(|a| format!("各项督办事项的办理情况见{a}。")).unwrap_or_default();
    Block::para(format!("{}。{}{see}", counts_sentence(&f.figures), overdue_sentence(&f.figures)))
}

/// The rows of 督办情况一览表: one per item of [`FollowUpFacts::items`].
pub fn annex_rows(inp: &Inputs, f: &FollowUpFacts) -> Vec<OrderRow> {
    let cfg = &inp.ds.office.orders;
    f.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let t = &item.track;
            let tm = timing(item, f.date, cfg);
            let mut state = t.phase.label().to_owned();
            if tm.overdue {
                state += &format!("\n（逾期{}个工作日）", tm.overdue_days);
            } else if tm.closed_late {
                state += "\n（逾期办结）";
            }
            let mut unit = item.lead().to_owned();
            if item.units.len() > 1 {
                unit += &format!("\n（协办：{}）", item.units[1..].join("、"));
            }
            let mut deadline = t.deadline.chinese();
            if t.extensions > 0 {
                deadline += "\n（已延期）";
            }
            OrderRow {
                no: (i + 1).to_string(),
                number: item.number.to_string(),
                task: match item.task {
                    Some(n) => format!("第{n}项　{}", item.title),
                    None => item.title.clone(),
                },
                unit,
                deadline,
                state,
                closed: if t.phase == Phase::Closed {
                    t.ended.map(|d| d.chinese()).unwrap_or_default()
                } else {
                    String::new()
                },
            }
        })
        .collect()
}

/// The 督查简报's and 领导参阅's paragraph: the counts, and the units with overdue items.
pub fn briefing_paragraph(f: &FollowUpFacts) -> Block {
    Block::para(format!("{}。{}", counts_sentence(&f.figures), overdue_sentence(&f.figures)))
}

/// An open 需协调事项 for the 领导参阅.
struct Open {
    level: CoordinationLevel,
    colour: Colour,
    text: String,
}

/// The 领导参阅's open 需协调事项 (docs/rules.md §19), grouped by level, highest first (县政府常务会议,
/// 分管县领导, 牵头单位协调), one run-in heading per level with items; within a level red items
/// first, then yellow, blue and the rest, each in register order; each item by its number, task,
/// 承办单位 (unless 呈报), state, 逾期 and colour — the matter itself is in `ducha orders show`
/// (the 领导参阅 must stay within two pages). Open = accepted into the
/// register and neither 办结 nor 中止 on the issue date (level: the one it was 呈报 to, else the
/// one the unit asked for), or raised in a report of this year up to this quarter and not yet
/// accepted that day (待受理, at the level asked for). Empty when there is none.
pub fn coordination_blocks(inp: &Inputs) -> Vec<Block> {
    open_coordination(inp)
        .into_iter()
        // (the layout numbers run-in headings （一）（二）…)
        .map(|(level, items)| Block::h2(level.label(), format!("{}。", items.join("；"))))
        .collect()
}

/// The shortest form, for a 领导参阅 that would otherwise run past two pages: how many open
/// 需协调事项 each level has (“县政府常务会议1项、分管县领导2项”), `None` when there is none.
pub fn coordination_counts(inp: &Inputs) -> Option<String> {
    let levels = open_coordination(inp);
    (!levels.is_empty()).then(|| {
        levels.iter().map(|(l, items)| format!("{}{}项", l.label(), items.len())).collect::<Vec<_>>().join("、")
    })
}

/// The open 需协调事项 by level (highest first), as [`coordination_blocks`] words each.
fn open_coordination(inp: &Inputs) -> Vec<(CoordinationLevel, Vec<String>)> {
    let office = &inp.ds.office;
    let date = office.issue_date(inp.period());
    let empty = crate::orders::Register::default();
    let register = inp.register.unwrap_or(&empty).as_of(date);
    let mut open = Vec::new();
    for item in register.items.iter().filter(|i| i.kind == Kind::Coordination && i.track.phase.is_open()) {
        let Some(level) = item.track.referred_to.or(item.coordination_level) else { continue };
        let tm = timing(item, date, &office.orders);
        let mut notes: Vec<String> = item.task.map(|n| format!("第{n}项")).into_iter().collect();
        if item.track.phase != Phase::Referred {
            notes.push(format!("承办单位{}", item.lead()));
        }
        notes.push(item.track.phase.label().to_owned());
        if tm.overdue {
            notes.push(format!("逾期{}个工作日", tm.overdue_days));
        }
        if tm.colour != Colour::None {
            notes.push(format!("{}色", tm.colour.label()));
        }
        open.push(Open { level, colour: tm.colour, text: format!("{}（{}）", item.number, notes.join("，")) });
    }
    // Raised in a report and not accepted by that day: the same match as `ducha orders accept`.
    let p = inp.period();
    for (period, reports) in inp.ds.reports.iter().filter(|(q, _)| q.year == p.year && **q <= p) {
        for r in reports {
            for e in &r.entries {
                for c in &e.coordination {
                    let accepted = register.items.iter().any(|i| {
                        i.kind == Kind::Coordination
                            && i.period == *period
                            && i.task == Some(e.task)
                            && i.title == c.text
                            && i.revisit_of.is_none()
                    });
                    if !accepted {
                        open.push(Open {
                            level: c.level,
                            colour: Colour::None,
                            text: format!("{}{}报告提出（第{}项，待受理）", r.unit, period.chinese_quarter(), e.task),
                        });
                    }
                }
            }
        }
    }
    // Stable sort: register order (then report order) within a colour.
    open.sort_by_key(|o| std::cmp::Reverse(o.colour));
    CoordinationLevel::ALL
        .iter()
        .rev()
        .map(|level| (*level, open.iter().filter(|o| o.level == *level).map(|o| o.text.clone()).collect::<Vec<_>>()))
        .filter(|(_, items)| !items.is_empty())
        .collect()
}

/// The register's text this period's documents may print (docs/rules.md §19), for the glyph
/// check: the title and units of every item of the plan year's quarters up to `period`, and the
/// 需协调事项 the reports of those quarters raise, each found from the start of its own file.
pub fn glyph_items<'a>(
    register: &'a crate::orders::Register,
    ds: &'a crate::data::model::Dataset,
    period: Period,
) -> Vec<crate::engine::glyphs::TextItem<'a>> {
    use crate::diag::Loc;
    use crate::engine::fonts::Role;
    use crate::engine::glyphs::TextItem;
    let mut items = Vec::new();
    let mut push = |text: &'a str, file: &str, what: String| {
        items.push(TextItem { text, role: Role::Fangsong, origin: Loc::new(file.to_owned(), 1, 1), what });
    };
    for item in register.items.iter().filter(|i| i.period.year == period.year && i.period <= period) {
        push(&item.title, &item.file, format!("{} 的事项内容（title）", item.number));
        for u in &item.units {
            push(u, &item.file, format!("{} 的单位（units）", item.number));
        }
    }
    for (p, reports) in ds.reports.iter().filter(|(q, _)| q.year == period.year && **q <= period) {
        for r in reports {
            for e in &r.entries {
                for c in &e.coordination {
                    push(&c.text, &r.file, format!("{} {p} 报告第 {} 项的需协调事项（coordination）", r.unit, e.task));
                }
            }
        }
    }
    items
}
