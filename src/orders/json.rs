//! The `--json` schema of `ducha orders list` / `show` (stable; documented in README
//! “督办闭环”): one object per item with its number, kind, task, units, dates, state, colour
//! and events, read against the office's today. A 催办 event carries its 催办单 number
//! (`chase_number`, derived from the register as [`super::chase`] numbers them), so the JSON
//! names the 催办单 the office sent.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::chase::{self, ChaseNumber};
use super::timing::{timing, OrdersConfig};
use super::{Item, Number, Register};
use crate::data::model::Date;

/// Version of the schema below; raised only when a field changes meaning or goes away.
pub const SCHEMA: u32 = 1;

/// The 催办单 numbers of a register's 催办 events, by item and place in the item's file.
type ChaseNumbers = HashMap<(Number, usize), ChaseNumber>;

/// Every 催办 of `register` with its 催办单 number ([`chase::chases`]).
fn chase_numbers(register: &Register) -> ChaseNumbers {
    chase::chases(register).into_iter().map(|c| ((c.item.number, c.index), c.number)).collect()
}

/// One item of `register` as JSON (its 催办 events numbered from the whole register).
pub fn item(item: &Item, register: &Register, today: Date, cfg: &OrdersConfig) -> Value {
    item_with(item, &chase_numbers(register), today, cfg)
}

/// One item as JSON, the 催办单 numbers already derived.
fn item_with(item: &Item, chases: &ChaseNumbers, today: Date, cfg: &OrdersConfig) -> Value {
    let t = &item.track;
    let tm = timing(item, today, cfg);
    let events: Vec<Value> = item
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({
                "at": e.at,
                "date": e.date.to_string(),
                "by": e.by,
                "role": e.role.id(),
                "action": e.action.id(),
                "action_label": e.action.label(),
                "text": e.text,
                "problems": e.problems,
                "next_steps": e.next_steps,
                "new_deadline": e.new_deadline.map(|d| d.to_string()),
                "level": e.level.map(|l| l.label()),
                "attachments": e.attachments,
                // `null` but on a 催办: `催办〔2023〕2号`.
                "chase_number": chases.get(&(item.number, i)).map(|n| n.to_string()),
            })
        })
        .collect();
    json!({
        "number": item.number.to_string(),
        "file": item.file,
        "kind": item.kind.id(),
        "kind_label": item.kind.label(),
        "task": item.task,
        "title": item.title,
        "units": item.units,
        "period": item.period.to_string(),
        "order_level": item.order_level.map(|l| l.id()),
        "coordination_level": item.coordination_level.map(|l| l.label()),
        "issued": item.issued.to_string(),
        "deadline_at_issue": item.deadline.to_string(),
        "deadline": t.deadline.to_string(),
        "state": t.phase.id(),
        "state_label": t.phase.label(),
        "open": t.phase.is_open(),
        "colour": tm.colour.id(),
        "colour_label": tm.colour.label(),
        "due_soon": tm.due_soon,
        "overdue": tm.overdue,
        "overdue_workdays": tm.overdue_days,
        "workdays_left": tm.days_left,
        "closed": (t.phase == super::Phase::Closed).then(|| t.ended.map(|d| d.to_string())).flatten(),
        "closed_late": tm.closed_late,
        "stopped": (t.phase == super::Phase::Stopped).then(|| t.ended.map(|d| d.to_string())).flatten(),
        "acknowledged": t.acknowledged.map(|d| d.to_string()),
        "replies": t.replies,
        "returns": t.returns,
        "chases": t.chases,
        "extensions": t.extensions,
        "pending_extension": t.pending_extension.map(|d| d.to_string()),
        "referred_to": t.referred_to.map(|l| l.label()),
        "revisit_of": item.revisit_of.map(|n| n.to_string()),
        "events": events,
    })
}

/// A list of items of `register` as JSON: `{schema, as_of, items: […]}`.
pub fn list<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    register: &Register,
    today: Date,
    cfg: &OrdersConfig,
) -> Value {
    let chases = chase_numbers(register);
    let items: Vec<Value> = items.into_iter().map(|i| item_with(i, &chases, today, cfg)).collect();
    json!({ "schema": SCHEMA, "as_of": today.to_string(), "items": items })
}
