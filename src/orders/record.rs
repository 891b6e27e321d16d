//! 督办事项办理记录: one item's whole cycle as a document (docs/rules.md §19 “归档”), the body
//! of the 件 `ducha archive` files for a closed item: the facts of the item (number, matter,
//! units, dates, outcome) and every event of its file in order, with the full text of each reply
//! (办理情况, 存在问题, 下步措施), reason and 催办 (with its 催办单 number).

use serde::Serialize;

use super::chase::Chase;
use super::timing::{timing, OrdersConfig};
use super::{Action, Item, Kind, Phase};

/// One row of the facts table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// One event as the record prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordEvent {
    /// 1-based, as a string.
    pub no: String,
    /// `2023-10-30 09:00:00` (as recorded, `T` as a space).
    pub at: String,
    /// The person or unit, with the role: `王红梅（督查室）`.
    pub by: String,
    /// 交办, 签收, 反馈 …
    pub action: String,
    /// Every text of the event, one per line (`存在问题：…`, `催办单：催办〔2023〕2号` …).
    pub text: String,
}

/// Everything the 办理记录 prints (`templates/record.typ.j2`; fields in templates/README.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordView {
    pub office: String,
    /// 督办事项办理记录 / 需协调事项办理记录.
    pub title: String,
    /// The item's number.
    pub number: String,
    pub facts: Vec<Fact>,
    pub events: Vec<RecordEvent>,
}

/// The record of `item` (its `chases` give the 催办单 numbers; `office` keeps the record;
/// `reviews` name the stored reply files and their review).
pub fn view(
    item: &Item,
    chases: &[Chase],
    office: &str,
    cfg: &OrdersConfig,
    reviews: &crate::evidence::Reviews,
) -> RecordView {
    let fact = |label: &str, value: String| Fact { label: label.to_owned(), value };
    let mut facts = vec![match item.task {
        Some(n) => fact("事项", format!("第{n}项　{}", item.title)),
        None => fact("事项", item.title.clone()),
    }];
    facts.push(fact("承办单位", item.lead().to_owned()));
    facts.push(fact("协办单位", if item.units.len() > 1 { item.units[1..].join("、") } else { "无".into() }));
    facts.push(fact("交办日期", item.issued.chinese()));
    let mut deadline = item.deadline.chinese();
    if item.track.deadline != item.deadline {
        deadline += &format!("（同意延期至{}）", item.track.deadline.chinese());
    }
    facts.push(fact("办理时限", deadline));
    if let Some(of) = item.revisit_of {
        facts.push(fact("回头看", format!("{of} 的回头看")));
    }
    let end = item.track.ended.map(|d| d.chinese()).unwrap_or_default();
    let outcome = match item.track.phase {
        Phase::Closed if timing(item, item.track.ended.unwrap_or(item.issued), cfg).closed_late => {
            format!("已办结（{end}，逾期办结）")
        }
        Phase::Closed => format!("已办结（{end}）"),
        Phase::Stopped => format!("已中止（{end}）"),
        p => p.label().to_owned(),
    };
    facts.push(fact("办理结果", outcome));
    let numbers: Vec<String> = chases.iter().map(|c| c.number.to_string()).collect();
    facts.push(fact(
        "催办",
        if numbers.is_empty() { "无".into() } else { format!("{}次（{}）", numbers.len(), numbers.join("、")) },
    ));
    let events = item
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut lines: Vec<String> = Vec::new();
            let label = if e.action == Action::Reply { "办理情况：" } else { "" };
            if !e.text.trim().is_empty() {
                lines.push(format!("{label}{}", e.text.trim()));
            }
            for (l, t) in [("存在问题：", &e.problems), ("下步措施：", &e.next_steps)] {
                if !t.trim().is_empty() {
                    lines.push(format!("{l}{}", t.trim()));
                }
            }
            if let Some(d) = e.new_deadline {
                let l = match e.action {
                    Action::RequestExtension => "申请延至",
                    Action::GrantExtension => "同意延至",
                    _ => "日期：",
                };
                lines.push(format!("{l}{}", d.chinese()));
            }
            if let Some(l) = e.level {
                lines.push(format!("层级：{}", l.label()));
            }
            if let Some(c) = chases.iter().find(|c| c.index == i) {
                lines.push(format!("催办单：{}", c.number));
            }
            // A reply's stored file by the name the unit gave it, with the office's review (§19).
            for f in &e.attachments {
                lines.push(format!("附件：{}", super::files::describe(reviews, item.number, f, i + 1)));
            }
            RecordEvent {
                no: (i + 1).to_string(),
                at: e.at.replacen('T', " ", 1),
                by: format!("{}（{}）", e.by, e.role.label()),
                action: e.action.label().to_owned(),
                text: lines.join("\n"),
            }
        })
        .collect();
    RecordView {
        office: office.to_owned(),
        title: match item.kind {
            Kind::Order => "督办事项办理记录".into(),
            Kind::Coordination => "需协调事项办理记录".into(),
        },
        number: item.number.to_string(),
        facts,
        events,
    }
}
