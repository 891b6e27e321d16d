//! 督办闭环: the register of 督办事项 and 需协调事项 and their cycle (docs/rules.md §19).
//!
//! Each item is one file `data/orders/<year>/<db|xt>-NNN.yaml` with its full event history,
//! append-only; its state is derived from the events by [`apply`], never stored beside them.
//! Who may do what is the table [`PERMISSIONS`] (role × action), in which state an action may be
//! taken the table [`TRANSITIONS`] (action × state → state); both are walked by the tests, and
//! [`apply`] is the one function that enforces them, for `ducha check` (reading the files), the
//! command line (`ducha orders`) and, later, the web workbench alike.
//!
//! - [`file`]: the file format (raw structs, span mirror) and its validation into [`Item`]s.
//! - [`store`]: creating items and appending events (atomic, under a lock, with a version check).
//! - [`timing`]: what the dates say today (临期, 逾期, 逾期办结) and the colour ladder.
//! - [`filter`]: which items a list shows (state, colour, unit, kind, period).
//! - [`json`]: the stable `--json` schema of `ducha orders list` / `show`.
//! - [`chase`]: 催办单 numbers (derived from the register) and the 催办单 PDF.
//! - [`record`]: 督办事项办理记录, the archived record of one item's cycle.
//! - [`remind`]: optional reminders through the office's own command (`orders.reminder`).

pub mod chase;
pub mod file;
pub mod files;
pub mod filter;
pub mod issue;
pub mod json;
pub mod record;
pub mod remind;
pub mod store;
pub mod timing;

use std::fmt;

use serde::Serialize;

use crate::data::model::{Date, Period};

/// Which of the two kinds of item (both share the cycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 督办事项: a 督办通知单 issued for a lagging task (`督办〔2023〕3号`, file `db-003.yaml`).
    Order,
    /// 需协调事项: a problem a unit raised in its report (`协调〔2023〕1号`, file `xt-001.yaml`).
    Coordination,
}

impl Kind {
    /// Both kinds.
    pub const ALL: [Kind; 2] = [Kind::Order, Kind::Coordination];

    /// The id in files and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Order => "order",
            Kind::Coordination => "coordination",
        }
    }

    /// 督办事项 / 需协调事项.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Order => "督办事项",
            Kind::Coordination => "需协调事项",
        }
    }

    /// The word of the printed number: 督办〔2023〕3号 / 协调〔2023〕1号.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Order => "督办",
            Kind::Coordination => "协调",
        }
    }

    /// The ASCII prefix of the file name: `db` / `xt`.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Order => "db",
            Kind::Coordination => "xt",
        }
    }

    /// From an id.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.id() == s.trim() || k.label() == s.trim() || k.word() == s.trim())
    }
}

/// An item's number: kind, year and sequence, printed `督办〔2023〕3号`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number {
    pub kind: Kind,
    pub year: i32,
    pub seq: u32,
}

impl Number {
    /// Reads `督办〔2023〕3号` (also with `[ ]`, `（ ）`, `( )` or `〔〕` typed any way) or the file
    /// form `2023/db-003`.
    pub fn parse(s: &str) -> Option<Number> {
        let s = s.trim().trim_end_matches(".yaml");
        if let Some((y, f)) = s.split_once('/') {
            let (prefix, n) = f.split_once('-')?;
            let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
            return Some(Number { kind, year: y.parse().ok()?, seq: n.parse().ok()? });
        }
        let kind = Kind::ALL.into_iter().find(|k| s.starts_with(k.word()))?;
        let (year, seq) = year_and_seq(&s[kind.word().len()..])?;
        Some(Number { kind, year, seq })
    }

    /// The file name inside `orders/<year>/`: `db-003.yaml` (ASCII, decided here, never from
    /// user text).
    pub fn file_name(self) -> String {
        format!("{}-{:03}.yaml", self.kind.prefix(), self.seq)
    }
}

/// The year and sequence of a number after its word: `〔2024〕3号` (brackets typed any way).
pub(crate) fn year_and_seq(rest: &str) -> Option<(i32, u32)> {
    let digits: Vec<String> =
        rest.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(String::from).collect();
    let tail = rest.trim_end_matches('号');
    if digits.len() != 2 || !tail.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = digits[0].parse().ok()?;
    let seq: u32 = digits[1].parse().ok()?;
    ((1900..=9999).contains(&year) && seq > 0).then_some((year, seq))
}

impl Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}〔{}〕{}号", self.kind.word(), self.year, self.seq)
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 督查室.
    Office,
    /// 承办或协办单位 (its own items only: it must be an addressee).
    Unit,
    /// 县领导 (read-only).
    Leader,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Office, Role::Unit, Role::Leader];

    /// The id in files and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Unit => "unit",
            Role::Leader => "leader",
        }
    }

    /// 督查室 / 承办单位 / 县领导.
    pub fn label(self) -> &'static str {
        match self {
            Role::Office => "督查室",
            Role::Unit => "承办单位",
            Role::Leader => "县领导",
        }
    }

    /// From an id or label.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == s.trim() || r.label() == s.trim())
    }
}

/// What someone does to an item (the events of its file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 交办: the office issues the item (the first event, only).
    Issue,
    /// 签收: the unit acknowledges.
    Acknowledge,
    /// 反馈: the unit replies (办理情况, 存在问题, 下步措施), possibly several times.
    Reply,
    /// 办结: the office reviews the reply and closes the item (销号).
    Close,
    /// 退回: the office returns the reply, with a reason; the same deadline stands.
    Return,
    /// 延期申请: the unit asks for a later deadline, with a reason, before the deadline passes.
    RequestExtension,
    /// 同意延期: the office grants the extension.
    GrantExtension,
    /// 不同意延期: the office refuses it, with a reason.
    RefuseExtension,
    /// 催办: the office chases (a numbered 催办单).
    Chase,
    /// 中止: the office stops the item, with a reason.
    Stop,
    /// 回头看: after 办结, the office opens a new linked item (this one is unchanged).
    Revisit,
    /// 呈报: the office refers a 需协调事项 to a leader level.
    Refer,
    /// 答复: the office answers a 需协调事项 directly (it is closed at once).
    Answer,
}

impl Action {
    /// Every action, in the order tables list them.
    pub const ALL: [Action; 13] = [
        Action::Issue,
        Action::Acknowledge,
        Action::Reply,
        Action::Close,
        Action::Return,
        Action::RequestExtension,
        Action::GrantExtension,
        Action::RefuseExtension,
        Action::Chase,
        Action::Stop,
        Action::Revisit,
        Action::Refer,
        Action::Answer,
    ];

    /// The id in files and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Action::Issue => "issue",
            Action::Acknowledge => "acknowledge",
            Action::Reply => "reply",
            Action::Close => "close",
            Action::Return => "return",
            Action::RequestExtension => "request_extension",
            Action::GrantExtension => "grant_extension",
            Action::RefuseExtension => "refuse_extension",
            Action::Chase => "chase",
            Action::Stop => "stop",
            Action::Revisit => "revisit",
            Action::Refer => "refer",
            Action::Answer => "answer",
        }
    }

    /// The name offices use: 交办, 签收, 反馈 …
    pub fn label(self) -> &'static str {
        match self {
            Action::Issue => "交办",
            Action::Acknowledge => "签收",
            Action::Reply => "反馈",
            Action::Close => "办结",
            Action::Return => "退回",
            Action::RequestExtension => "延期申请",
            Action::GrantExtension => "同意延期",
            Action::RefuseExtension => "不同意延期",
            Action::Chase => "催办",
            Action::Stop => "中止",
            Action::Revisit => "回头看",
            Action::Refer => "呈报",
            Action::Answer => "答复",
        }
    }

    /// From an id or its Chinese name.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.id() == s.trim() || a.label() == s.trim())
    }

    /// 呈报 and 答复 concern 需协调事项 only.
    pub fn coordination_only(self) -> bool {
        matches!(self, Action::Refer | Action::Answer)
    }

    /// Whether the action needs a reason / text (`text`).
    pub fn needs_text(self) -> bool {
        matches!(
            self,
            Action::Reply
                | Action::Return
                | Action::RequestExtension
                | Action::RefuseExtension
                | Action::Stop
                | Action::Answer
        )
    }
}

/// Where an item is in its cycle (the one state enum; the rest of [`Track`] are counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 已交办, waiting for 签收.
    Issued,
    /// 办理中 (签收 done, no reply waiting for review).
    Acknowledged,
    /// 已反馈, waiting for the office's review.
    Replied,
    /// 已退回, waiting for a new reply (same deadline).
    Returned,
    /// 已呈报 (需协调事项 with a leader level).
    Referred,
    /// 已办结 (销号).
    Closed,
    /// 已中止.
    Stopped,
}

impl Phase {
    /// Every state.
    pub const ALL: [Phase; 7] = [
        Phase::Issued,
        Phase::Acknowledged,
        Phase::Replied,
        Phase::Returned,
        Phase::Referred,
        Phase::Closed,
        Phase::Stopped,
    ];

    /// The id in JSON and `--state`.
    pub fn id(self) -> &'static str {
        match self {
            Phase::Issued => "issued",
            Phase::Acknowledged => "acknowledged",
            Phase::Replied => "replied",
            Phase::Returned => "returned",
            Phase::Referred => "referred",
            Phase::Closed => "closed",
            Phase::Stopped => "stopped",
        }
    }

    /// 待签收, 办理中 …
    pub fn label(self) -> &'static str {
        match self {
            Phase::Issued => "待签收",
            Phase::Acknowledged => "办理中",
            Phase::Replied => "待审核",
            Phase::Returned => "已退回",
            Phase::Referred => "已呈报",
            Phase::Closed => "已办结",
            Phase::Stopped => "已中止",
        }
    }

    /// From an id or label.
    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.id() == s.trim() || p.label() == s.trim())
    }

    /// Still being handled (neither 办结 nor 中止).
    pub fn is_open(self) -> bool {
        !matches!(self, Phase::Closed | Phase::Stopped)
    }
}

/// Who may take which action (docs/rules.md §19): the table the tests walk. Leaders take none.
pub const PERMISSIONS: &[(Action, Role)] = &[
    (Action::Issue, Role::Office),
    (Action::Acknowledge, Role::Unit),
    (Action::Reply, Role::Unit),
    (Action::Close, Role::Office),
    (Action::Return, Role::Office),
    (Action::RequestExtension, Role::Unit),
    (Action::GrantExtension, Role::Office),
    (Action::RefuseExtension, Role::Office),
    (Action::Chase, Role::Office),
    (Action::Stop, Role::Office),
    (Action::Revisit, Role::Office),
    (Action::Refer, Role::Office),
    (Action::Answer, Role::Office),
];

const OPEN_BEFORE_REVIEW: &[Phase] = &[Phase::Issued, Phase::Acknowledged, Phase::Returned];
const HANDLED: &[Phase] = &[Phase::Issued, Phase::Acknowledged, Phase::Replied, Phase::Returned];

/// In which states an action may be taken, and the state it leads to (`None`: the state stays).
/// `Issue` is the first event only (no state before it).
pub const TRANSITIONS: &[(Action, &[Phase], Option<Phase>)] = &[
    (Action::Issue, &[], Some(Phase::Issued)),
    (Action::Acknowledge, &[Phase::Issued], Some(Phase::Acknowledged)),
    (Action::Reply, &[Phase::Acknowledged, Phase::Returned], Some(Phase::Replied)),
    (Action::Close, &[Phase::Replied, Phase::Referred], Some(Phase::Closed)),
    (Action::Return, &[Phase::Replied], Some(Phase::Returned)),
    (Action::RequestExtension, OPEN_BEFORE_REVIEW, None),
    (Action::GrantExtension, HANDLED, None),
    (Action::RefuseExtension, HANDLED, None),
    (Action::Chase, OPEN_BEFORE_REVIEW, None),
    (
        Action::Stop,
        &[Phase::Issued, Phase::Acknowledged, Phase::Replied, Phase::Returned, Phase::Referred],
        Some(Phase::Stopped),
    ),
    (Action::Revisit, &[Phase::Closed], None),
    (Action::Refer, HANDLED, Some(Phase::Referred)),
    (Action::Answer, &[Phase::Issued], Some(Phase::Closed)),
];

/// Whether `role` may take `action` at all ([`PERMISSIONS`]).
pub fn permitted(role: Role, action: Action) -> bool {
    PERMISSIONS.iter().any(|(a, r)| *a == action && *r == role)
}

/// The states `action` may be taken in and where it leads ([`TRANSITIONS`]).
pub fn transition(action: Action) -> (&'static [Phase], Option<Phase>) {
    TRANSITIONS.iter().find(|(a, _, _)| *a == action).map(|(_, from, to)| (*from, *to)).unwrap_or((&[], None))
}

/// What `role` may do to an item in `phase` (for messages and pages), by the two tables.
pub fn allowed_actions(role: Role, phase: Phase, kind: Kind) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| permitted(role, *a) && transition(*a).0.contains(&phase))
        .filter(|a| !a.coordination_only() || kind == Kind::Coordination)
        .collect()
}

/// 需协调事项: the level a unit says it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordinationLevel {
    /// 牵头单位协调
    LeadUnit,
    /// 分管县领导
    CountyLeader,
    /// 县政府常务会议
    ExecutiveMeeting,
}

impl CoordinationLevel {
    /// Every level, lowest first.
    pub const ALL: [CoordinationLevel; 3] =
        [CoordinationLevel::LeadUnit, CoordinationLevel::CountyLeader, CoordinationLevel::ExecutiveMeeting];

    /// The name as units write it.
    pub fn label(self) -> &'static str {
        match self {
            CoordinationLevel::LeadUnit => "牵头单位协调",
            CoordinationLevel::CountyLeader => "分管县领导",
            CoordinationLevel::ExecutiveMeeting => "县政府常务会议",
        }
    }

    /// From the label (or the snake_case id).
    pub fn parse(s: &str) -> Option<CoordinationLevel> {
        let s = s.trim();
        CoordinationLevel::ALL.into_iter().find(|l| {
            l.label() == s || serde_json::to_value(l).ok().and_then(|v| v.as_str().map(|x| x == s)).unwrap_or(false)
        })
    }
}

/// A 需协调事项 as a report raises it (`coordination:` of a report entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coordination {
    pub text: String,
    pub level: CoordinationLevel,
}

/// 督办级别 of a 督办事项 at issue (docs/rules.md §13): 红色督办 / 黄色督办.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderLevel {
    Red,
    Yellow,
}

impl OrderLevel {
    /// `red` / `yellow`.
    pub fn id(self) -> &'static str {
        match self {
            OrderLevel::Red => "red",
            OrderLevel::Yellow => "yellow",
        }
    }

    /// From `red` / `yellow` / 红色 / 黄色.
    pub fn parse(s: &str) -> Option<OrderLevel> {
        match s.trim() {
            "red" | "红" | "红色" | "红色督办" => Some(OrderLevel::Red),
            "yellow" | "黄" | "黄色" | "黄色督办" => Some(OrderLevel::Yellow),
            _ => None,
        }
    }
}

/// One event of an item's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When, as written (`2023-10-13` or `2023-10-16T09:30:00+08:00`).
    pub at: String,
    /// The office's date of `at`.
    #[serde(skip)]
    pub date: Date,
    /// Seconds since the epoch when `at` has a time of day.
    #[serde(skip)]
    pub instant: Option<i64>,
    /// The person (office, leader) or the unit (unit role).
    pub by: String,
    pub role: Role,
    pub action: Action,
    /// The reason, or 办理情况 of a reply, or the note of any other action.
    pub text: String,
    /// 存在问题 (reply).
    pub problems: String,
    /// 下步措施 (reply).
    pub next_steps: String,
    /// The requested or granted deadline (延期申请 / 同意延期), or the deadline of a 回头看.
    pub new_deadline: Option<Date>,
    /// 呈报 level (需协调事项).
    pub level: Option<CoordinationLevel>,
    /// Attached files (paths relative to the data directory).
    pub attachments: Vec<String>,
}

/// What the events say so far: the state and the figures derived with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Track {
    pub phase: Phase,
    /// The deadline in force (the deadline at issue, moved by granted extensions).
    pub deadline: Date,
    /// A requested extension not yet decided.
    pub pending_extension: Option<Date>,
    pub acknowledged: Option<Date>,
    pub replies: u32,
    pub returns: u32,
    pub chases: u32,
    pub extensions: u32,
    /// The 呈报 level, once referred.
    pub referred_to: Option<CoordinationLevel>,
    /// The date of 办结 / 中止.
    pub ended: Option<Date>,
}

/// What [`apply`] needs to know of the item besides its state.
#[derive(Debug, Clone, Copy)]
pub struct ItemCx<'a> {
    pub kind: Kind,
    /// 承办 first, then 协办.
    pub units: &'a [String],
    pub issued: Date,
    /// The deadline at issue.
    pub deadline: Date,
}

/// Why an action is refused (Chinese, naming what is allowed instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{role}不能{action}：{}", who_may(.action))]
    Role { role: &'static str, action: &'static str },
    #[error("“{unit}”不是该事项的承办或协办单位（{units}），不能办理其他单位的事项")]
    NotAddressee { unit: String, units: String },
    #[error("事项当前为“{phase}”，不能{action}；{}", allowed_text(.allowed))]
    State { phase: &'static str, action: &'static str, allowed: Vec<&'static str> },
    #[error("第一条记录必须是交办（issue）")]
    FirstNotIssue,
    #[error("事项已交办，不能再次交办")]
    IssuedTwice,
    #[error("{action}须写明理由或内容（text）")]
    NoText { action: &'static str },
    #[error("延期申请须写明申请延至的日期（new_deadline）")]
    NoNewDeadline,
    #[error("办理时限 {deadline} 已过（申请日期 {at}），不能再申请延期；请尽快办理并反馈")]
    ExtensionLate { deadline: Date, at: Date },
    #[error("申请延至的 {asked} 不晚于现行办理时限 {deadline}")]
    ExtensionNotLater { asked: Date, deadline: Date },
    #[error("已有待审批的延期申请（延至 {0}），请等督查室答复")]
    ExtensionPending(Date),
    #[error("没有待审批的延期申请")]
    NoExtension,
    #[error("只有需协调事项可以{action}")]
    CoordinationOnly { action: &'static str },
    #[error("呈报须写明层级（level）：牵头单位协调、分管县领导或县政府常务会议")]
    NoLevel,
    #[error("记录时间 {at} 早于交办日期 {issued}")]
    BeforeIssue { at: Date, issued: Date },
    #[error("记录时间 {at} 早于上一条记录（{prev}）；记录须按时间先后排列")]
    OutOfOrder { at: String, prev: String },
    #[error("“回头看”不改动原事项，另行交办一个关联的新事项（ducha orders revisit）")]
    RevisitInPlace,
}

fn who_may(action: &'static str) -> String {
    let roles: Vec<&str> = Action::ALL
        .iter()
        .filter(|a| a.label() == action)
        .flat_map(|a| Role::ALL.into_iter().filter(move |r| permitted(*r, *a)))
        .map(Role::label)
        .collect();
    if roles.is_empty() {
        "任何人都不能".into()
    } else {
        format!("只有{}可以{action}", roles.join("、"))
    }
}

fn allowed_text(allowed: &[&str]) -> String {
    if allowed.is_empty() {
        "此时不能做任何操作".into()
    } else {
        format!("此时可以：{}", allowed.join("、"))
    }
}

/// Whether `role` (acting as `by`) may take `action` on an item in state `track` (`None` before
/// the first event), by the tables alone: the role may take the action ([`PERMISSIONS`]); a unit
/// is an addressee; the action is allowed in this state ([`TRANSITIONS`]) and for this kind.
pub fn may(cx: ItemCx, track: Option<&Track>, role: Role, by: &str, action: Action) -> Result<(), Refusal> {
    if !permitted(role, action) {
        return Err(Refusal::Role { role: role.label(), action: action.label() });
    }
    if role == Role::Unit && !cx.units.iter().any(|u| u == by.trim()) {
        return Err(Refusal::NotAddressee { unit: by.trim().to_owned(), units: cx.units.join("、") });
    }
    let Some(track) = track else {
        return if action == Action::Issue { Ok(()) } else { Err(Refusal::FirstNotIssue) };
    };
    if action == Action::Issue {
        return Err(Refusal::IssuedTwice);
    }
    if action.coordination_only() && cx.kind != Kind::Coordination {
        return Err(Refusal::CoordinationOnly { action: action.label() });
    }
    if !transition(action).0.contains(&track.phase) {
        return Err(Refusal::State {
            phase: track.phase.label(),
            action: action.label(),
            allowed: allowed_actions(role, track.phase, cx.kind)
                .into_iter()
                // Name only what would be accepted now: deciding on an extension needs a request.
                .filter(|a| match a {
                    Action::GrantExtension | Action::RefuseExtension => track.pending_extension.is_some(),
                    Action::RequestExtension => track.pending_extension.is_none(),
                    _ => true,
                })
                .map(Action::label)
                .collect(),
        });
    }
    Ok(())
}

/// The one rule of the cycle: `event` applied to the item in state `track` (`None` before the
/// first event; `prev` is the event before it). Returns the new state, or why the event is
/// refused: [`may`] (the tables), then the event's place in time (not before issue, not before
/// the previous event), then the action's own conditions (reason, dates, pending request).
pub fn apply(cx: ItemCx, track: Option<&Track>, event: &Event, prev: Option<&Event>) -> Result<Track, Refusal> {
    let action = event.action;
    may(cx, track, event.role, &event.by, action)?;
    let Some(track) = track else {
        return Ok(Track {
            phase: Phase::Issued,
            deadline: cx.deadline,
            pending_extension: None,
            acknowledged: None,
            replies: 0,
            returns: 0,
            chases: 0,
            extensions: 0,
            referred_to: None,
            ended: None,
        });
    };
    if event.date < cx.issued {
        return Err(Refusal::BeforeIssue { at: event.date, issued: cx.issued });
    }
    if let Some(prev) = prev {
        let earlier = event.date < prev.date
            || (event.date == prev.date && matches!((event.instant, prev.instant), (Some(a), Some(b)) if a < b));
        if earlier {
            return Err(Refusal::OutOfOrder { at: event.at.clone(), prev: prev.at.clone() });
        }
    }
    let to = transition(action).1;
    if action.needs_text() && event.text.trim().is_empty() {
        return Err(Refusal::NoText { action: action.label() });
    }
    let mut next = track.clone();
    if let Some(p) = to {
        next.phase = p;
    }
    match action {
        Action::Acknowledge => next.acknowledged = Some(event.date),
        Action::Reply => next.replies += 1,
        Action::Return => next.returns += 1,
        Action::Chase => next.chases += 1,
        Action::Close | Action::Stop | Action::Answer => next.ended = Some(event.date),
        Action::RequestExtension => {
            let asked = event.new_deadline.ok_or(Refusal::NoNewDeadline)?;
            if let Some(p) = track.pending_extension {
                return Err(Refusal::ExtensionPending(p));
            }
            if event.date > track.deadline {
                return Err(Refusal::ExtensionLate { deadline: track.deadline, at: event.date });
            }
            if asked <= track.deadline {
                return Err(Refusal::ExtensionNotLater { asked, deadline: track.deadline });
            }
            next.pending_extension = Some(asked);
        }
        Action::GrantExtension => {
            let asked = track.pending_extension.ok_or(Refusal::NoExtension)?;
            // The office may grant a date of its own (not earlier than the deadline in force).
            next.deadline = event.new_deadline.unwrap_or(asked).max(track.deadline);
            next.pending_extension = None;
            next.extensions += 1;
        }
        Action::RefuseExtension => {
            track.pending_extension.ok_or(Refusal::NoExtension)?;
            next.pending_extension = None;
        }
        Action::Refer => next.referred_to = Some(event.level.ok_or(Refusal::NoLevel)?),
        Action::Revisit => return Err(Refusal::RevisitInPlace),
        Action::Issue => {}
    }
    Ok(next)
}

/// A validated item of the register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub number: Number,
    pub kind: Kind,
    /// 任务编号 (督办事项; the task a 需协调事项 was raised under).
    pub task: Option<u32>,
    /// The matter: the task's title, or the problem raised.
    pub title: String,
    /// 承办 first, then 协办.
    pub units: Vec<String>,
    /// The quarter whose build issued it (the report period for a 需协调事项).
    pub period: Period,
    /// 督办级别 at issue (督办事项).
    pub order_level: Option<OrderLevel>,
    /// The level the unit asked for (需协调事项).
    pub coordination_level: Option<CoordinationLevel>,
    pub issued: Date,
    /// The deadline at issue.
    pub deadline: Date,
    /// The item a 回头看 follows up.
    pub revisit_of: Option<Number>,
    pub events: Vec<Event>,
    /// The state the events lead to.
    pub track: Track,
    /// The file as named in messages (`data/orders/2023/db-003.yaml`).
    #[serde(skip)]
    pub file: String,
}

impl Item {
    /// What [`apply`] needs of this item.
    pub fn cx(&self) -> ItemCx<'_> {
        ItemCx { kind: self.kind, units: &self.units, issued: self.issued, deadline: self.deadline }
    }

    /// Applies `event` to this item's current state (nothing is written).
    pub fn check(&self, event: &Event) -> Result<Track, Refusal> {
        apply(self.cx(), Some(&self.track), event, self.events.last())
    }

    /// The item as it stood at the end of `date`: its events up to that day replayed (`None` when
    /// it was issued later). Documents and `--as-of` read the register this way, so what they
    /// say of a past date does not change as events are appended.
    pub fn as_of(&self, date: Date) -> Option<Item> {
        if self.issued > date {
            return None;
        }
        self.replay(self.events.iter().take_while(|e| e.date <= date).cloned().collect())
    }

    /// The item as it stood right after its first `n` events (`None` when `n` is 0): what a
    /// document made at that event says (the 催办单 of a 催办, whatever followed it that day).
    pub fn upto(&self, n: usize) -> Option<Item> {
        self.replay(self.events.iter().take(n).cloned().collect())
    }

    fn replay(&self, events: Vec<Event>) -> Option<Item> {
        let mut track: Option<Track> = None;
        for (i, e) in events.iter().enumerate() {
            // The events were applied in order when the file was read; they apply again.
            track = Some(apply(self.cx(), track.as_ref(), e, i.checked_sub(1).map(|j| &events[j])).ok()?);
        }
        Some(Item { events, track: track?, ..self.clone() })
    }

    /// The 承办单位.
    pub fn lead(&self) -> &str {
        self.units.first().map(String::as_str).unwrap_or("")
    }
}

/// What became of a period's 督办事项 by a date ([`Register::follow_up`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    /// 下发督办通知单 (one per matter).
    pub issued: usize,
    /// 已办结.
    pub closed: usize,
    /// 正在办理 (not closed or stopped).
    pub open: usize,
    /// 其中逾期.
    pub overdue: usize,
    /// 已中止.
    pub stopped: usize,
    /// 承办单位 of the overdue ones, in register order.
    pub overdue_units: Vec<String>,
}

/// Every item of a data directory, by number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Register {
    pub items: Vec<Item>,
}

impl Register {
    /// The item with this number.
    pub fn get(&self, n: Number) -> Option<&Item> {
        self.items.iter().find(|i| i.number == n)
    }

    /// The 督办事项 registered for `task` in `period` (its first one, not a 回头看).
    pub fn order_for(&self, period: Period, task: u32) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.kind == Kind::Order && i.period == period && i.task == Some(task) && i.revisit_of.is_none())
    }

    /// The register as it stood at the end of `date` ([`Item::as_of`]).
    pub fn as_of(&self, date: Date) -> Register {
        Register { items: self.items.iter().filter_map(|i| i.as_of(date)).collect() }
    }

    /// What happened to `period`'s 督办事项 (not 回头看) by the end of `date` (docs/rules.md §19):
    /// the figures of the next quarter's notice.
    pub fn follow_up(&self, period: Period, date: Date, cfg: &timing::OrdersConfig) -> FollowUp {
        let mut f = FollowUp::default();
        for item in &self.followed_up(period, date) {
            f.issued += 1;
            match item.track.phase {
                Phase::Closed => f.closed += 1,
                Phase::Stopped => f.stopped += 1,
                _ => {
                    f.open += 1;
                    if timing::timing(item, date, cfg).overdue {
                        f.overdue += 1;
                        if !f.overdue_units.iter().any(|u| u == item.lead()) {
                            f.overdue_units.push(item.lead().to_owned());
                        }
                    }
                }
            }
        }
        f
    }

    /// `period`'s 督办事项 (not 回头看) as they stood at the end of `date`, in register order: the
    /// items [`Register::follow_up`] counts and the notice's 督办情况一览表 lists.
    pub fn followed_up(&self, period: Period, date: Date) -> Vec<Item> {
        self.items
            .iter()
            .filter(|i| i.kind == Kind::Order && i.period == period && i.revisit_of.is_none())
            .filter_map(|i| i.as_of(date))
            .collect()
    }

    /// The highest sequence number of `kind` in `year` (0 when none).
    pub fn last_seq(&self, kind: Kind, year: i32) -> u32 {
        self.items.iter().filter(|i| i.kind == kind && i.number.year == year).map(|i| i.number.seq).max().unwrap_or(0)
    }
}

/// The 需协调事项 a report raises, by task, as the report file writes them.
pub type RaisedByTask = std::collections::BTreeMap<u32, Vec<crate::data::raw::RawCoordination>>;

/// The 需协调事项 raised in a validated report, by task.
pub fn raised_in(report: &crate::data::model::Report) -> RaisedByTask {
    report
        .entries
        .iter()
        .filter(|e| !e.coordination.is_empty())
        .map(|e| {
            let raw = e
                .coordination
                .iter()
                .map(|c| crate::data::raw::RawCoordination { text: c.text.clone(), level: c.level.label().to_owned() })
                .collect();
            (e.task, raw)
        })
        .collect()
}

/// The 需协调事项 raised in a report file as read, by task.
pub fn raised_in_raw(report: &crate::data::raw::RawReport) -> RaisedByTask {
    report.entries.iter().filter(|e| !e.coordination.is_empty()).map(|e| (e.task, e.coordination.clone())).collect()
}

/// Keeps the 需协调事项 an earlier version of a report raised (docs/rules.md §19): the web form
/// and the Excel form have no place for them yet, so a report submitted again through either
/// would otherwise drop them from the record. Each entry of `new` that raises none takes those
/// its task had in `old`.
pub fn keep_coordination(new: &mut crate::data::raw::RawReport, old: &RaisedByTask) {
    for e in &mut new.entries {
        if e.coordination.is_empty() {
            if let Some(c) = old.get(&e.task) {
                e.coordination = c.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back() {
        for s in
            ["督办〔2024〕3号", "督办[2024]3号", "督办（2024）3号", "督办(2024)3号", "2024/db-003", "2024/db-003.yaml"]
        {
            assert_eq!(Number::parse(s), Some(Number { kind: Kind::Order, year: 2024, seq: 3 }), "{s}");
        }
        let n = Number { kind: Kind::Coordination, year: 2023, seq: 12 };
        assert_eq!(Number::parse(&n.to_string()), Some(n));
        assert_eq!(n.file_name(), "xt-012.yaml");
        for bad in ["督办〔2024〕号", "督办2024", "催办〔2024〕3号", "", "督办〔2024〕0号"] {
            assert_eq!(Number::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_action_has_one_transition_and_someone_or_no_one_allowed() {
        for a in Action::ALL {
            assert_eq!(TRANSITIONS.iter().filter(|(x, _, _)| *x == a).count(), 1, "{a:?}");
            assert_eq!(Action::parse(a.id()), Some(a));
            assert_eq!(Action::parse(a.label()), Some(a));
        }
        assert!(Role::ALL.iter().all(|r| *r != Role::Leader || Action::ALL.iter().all(|a| !permitted(*r, *a))));
    }
}
