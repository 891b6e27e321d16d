//! 督办事项 in the workbench (docs/rules.md §19): the web door of the cycle.
//!
//! The pages call the same library functions as `ducha orders`: the register is
//! [`orders::file::load_register`], every action is [`orders::store::append`] (which applies
//! [`orders::apply`] under the year's lock, with the version check of the events the person saw),
//! new items are [`orders::store::create`] of [`orders::issue::planned`] (登记本期督办事项),
//! [`orders::issue::accept`] (受理需协调事项) and [`orders::issue::revisit`] (回头看). What a
//! page offers is [`orders::allowed_actions`]; nothing here decides who may do what.
//!
//! - `GET /items`: a unit's own items; every item with filters for the office (with the forms
//!   that register the period's orders and accept the 需协调事项 of reports); read-only for
//!   leaders, red first, with the open 需协调事项 by level.
//! - `GET /items/<year>/<db-NNN>`: one item, its timeline and the forms of the actions the
//!   person's role may take now. A unit never sees another unit's items (403).
//! - `POST /items/<year>/<db-NNN>`: one action. A refusal (403), a form problem (422) or someone
//!   else's action first (409) shows the page again with the text kept; an expired session keeps
//!   it across the login as a draft ([`resume`]).
#![allow(clippy::result_large_err)]

use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{context, Value as V};

use super::evidence::{self, Received};
use super::pages::{self, audit, db_error, error, forbidden, internal, not_found_page, redirect, ser};
use super::store::{Role, Session};
use super::{App, Req};
use crate::data::model::{Dataset, Date, Period};
use crate::evidence::{Decision, Owner, Record as EvRecord, Store as EvStore, StoreError as EvStoreError};
use crate::orders::file::{load_register_memo, Cx, Memo};
use crate::orders::files::{ReplyError, ReviewError};
use crate::orders::filter::{Filter, StateFilter};
use crate::orders::issue::{Disposal, Raised};
use crate::orders::store::{self, StoreError};
use crate::orders::timing::{notes, timing, Colour};
use crate::orders::{self as o, Action, CoordinationLevel, Item, Kind, Number, Phase, Refusal, Register};

/// The fields of an action form (kept across errors and an expired session).
const FIELDS: [&str; 5] = ["text", "problems", "next_steps", "new_deadline", "level"];

fn role_of(r: Role) -> o::Role {
    match r {
        Role::Office => o::Role::Office,
        Role::Unit => o::Role::Unit,
        Role::Leader => o::Role::Leader,
    }
}

/// The item's address: `/items/2023/db-003`.
pub(super) fn href(n: Number) -> String {
    format!("/items/{}/{}", n.year, n.file_name().trim_end_matches(".yaml"))
}

/// The validated dataset, or the page saying the data have errors.
fn dataset<'r>(app: &App, req: &'r Req, s: &Session) -> Result<&'r Dataset, Response> {
    app.snapshot(req).dataset().map_err(|text| {
        app.page(
            "items.html",
            Some(s),
            StatusCode::SERVICE_UNAVAILABLE,
            context! { errors => super::words::web(text), items => Vec::<V>::new() },
        )
    })
}

/// The register as on disk now (read afresh: every write re-reads its file under the lock
/// anyway), and its problems in the web's words. Items with errors are left out, as for
/// `ducha orders list`'s checks.
///
/// One reading at a time, shared (issue 18: the dashboard's p99 while 40 units reply): a request
/// waits for the first reading that begins after it arrived — so the result holds every write
/// finished before the request, a unit's own reply among them — and every request waiting then
/// takes that one reading. Before, each request read every item file itself and many queued for
/// the cache in turn.
pub(super) fn register_of(app: &App, ds: &Dataset) -> Read {
    let cell = flight_of(&app.opts.data);
    let lock = || cell.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut flight = lock();
    let need = flight.started + 1;
    loop {
        if flight.landed >= need {
            if let Some(read) = &flight.result {
                return read.clone();
            }
        }
        if !flight.running {
            flight.running = true;
            flight.started += 1;
            let number = flight.started;
            drop(flight);
            // Whatever happens in the reading, the next request may start one.
            struct Landing<'a>(&'a FlightCell);
            impl Drop for Landing<'_> {
                fn drop(&mut self) {
                    self.0.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).running = false;
                    self.0.landed.notify_all();
                }
            }
            let landing = Landing(&cell);
            let read = read_register(app, ds, &cell.cache);
            flight = lock();
            flight.landed = number;
            flight.result = Some(read.clone());
            drop(flight);
            drop(landing);
            return read;
        }
        flight = cell.landed.wait(flight).unwrap_or_else(std::sync::PoisonError::into_inner);
    }
}

/// The readings of [`register_of`] of one data directory: how many began, the last that
/// finished and its result, whether one is under way.
#[derive(Default)]
struct Flight {
    started: u64,
    landed: u64,
    running: bool,
    result: Option<Read>,
}

/// A data directory's [`Flight`], the signal that a reading finished, and what the readings keep
/// (only one reading of a directory runs at a time, so its cache lock is never waited for).
#[derive(Default)]
struct FlightCell {
    state: std::sync::Mutex<Flight>,
    landed: std::sync::Condvar,
    cache: std::sync::Mutex<RegisterCache>,
}

/// The flight of `data` (one per data directory: tests run several servers in one process).
fn flight_of(data: &std::path::Path) -> std::sync::Arc<FlightCell> {
    static FLIGHTS: std::sync::Mutex<std::collections::BTreeMap<std::path::PathBuf, std::sync::Arc<FlightCell>>> =
        std::sync::Mutex::new(std::collections::BTreeMap::new());
    let mut all = FLIGHTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    all.entry(data.to_path_buf()).or_default().clone()
}

/// One reading: the files, compared with the last reading's; when they differ, only the item
/// files whose bytes differ are parsed and validated again.
fn read_register(app: &App, ds: &Dataset, cache: &std::sync::Mutex<RegisterCache>) -> Read {
    let key = register_key(&app.opts.data);
    let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let (Some(k), Some(last)) = (&key, &cache.last) {
        if &last.0 == k {
            return last.1.clone();
        }
    }
    // Changed: only the item files whose bytes differ are parsed and validated again, unless plan
    // or office changed (items are validated against them).
    let basis = key.as_ref().map(|k| k.iter().take(2).cloned().collect::<Vec<_>>());
    if basis.is_none() || cache.basis != basis {
        cache.memo = Memo::default();
        cache.basis = basis;
    }
    let cx = Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let (register, diags, sources) = load_register_memo(&app.opts.data, &cx, &mut cache.memo);
    let problems = diags.has_errors().then(|| super::words::web(&diags.render(&sources)));
    let read = (std::sync::Arc::new(register), problems);
    cache.last = key.map(|k| (k, read.clone()));
    read
}

/// What a register is read from: each file's path and bytes.
type RegisterKey = Vec<(std::path::PathBuf, Vec<u8>)>;

/// A register as read, with the web's rendering of its errors.
pub(super) type Read = (std::sync::Arc<Register>, Option<String>);

/// The server's reading of the register: the last result with the bytes it was read from (a
/// request reads the files, which are small, and reuses the result while none differs), and the
/// parsed item files for the plan and office they were validated against.
#[derive(Default)]
struct RegisterCache {
    last: Option<(RegisterKey, Read)>,
    basis: Option<RegisterKey>,
    memo: Memo,
}

/// plan.yaml and office.yaml (the register is validated against them, and come first) and every
/// item file under `orders/` (not the hidden lock files), with their bytes; `None` (read afresh)
/// when one cannot be read.
fn register_key(data: &std::path::Path) -> Option<RegisterKey> {
    let mut out = Vec::new();
    for p in [data.join("plan.yaml"), data.join("office.yaml")] {
        let bytes = std::fs::read(&p).ok()?;
        out.push((p, bytes));
    }
    for e in walkdir::WalkDir::new(data.join("orders")).sort_by_file_name().follow_links(false) {
        let e = e.ok()?;
        if e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.') {
            let bytes = std::fs::read(e.path()).ok()?;
            out.push((e.path().to_path_buf(), bytes));
        }
    }
    Some(out)
}

/// The unit of a unit session (items name units as the plan does).
fn own_unit(s: &Session) -> Option<&str> {
    (s.user.role == Role::Unit).then_some(s.user.unit.as_deref()).flatten()
}

/// Whether the session may see `item`: the office and leaders every item, a unit its own.
fn may_see(s: &Session, item: &Item) -> bool {
    match own_unit(s) {
        Some(u) => item.units.iter().any(|x| x == u),
        None => s.user.role != Role::Unit,
    }
}

/// One item as a list row.
fn row(item: &Item, today: Date, ds: &Dataset) -> V {
    let t = timing(item, today, &ds.office.orders);
    context! {
        number => item.number.to_string(), href => href(item.number), id => format!("{}-{}", item.number.year, item.number.file_name().trim_end_matches(".yaml")),
        kind => item.kind.label(), task => item.task, title => item.title.clone(), lead => item.lead().to_owned(),
        co_units => item.units.iter().skip(1).cloned().collect::<Vec<_>>().join("、"),
        period => item.period.to_string(), issued => item.issued.to_string(), deadline => item.track.deadline.to_string(),
        state => item.track.phase.id(), state_label => item.track.phase.label(), open => item.track.phase.is_open(),
        colour => t.colour.id(), colour_label => t.colour.label(), notes => notes(item, &t).join("，"),
        referred_to => item.track.referred_to.map(|l| l.label()),
    }
}

/// The open items of `unit` for its report page: a short list linking to each ([`href`]).
pub(super) fn open_items_of(app: &App, req: &Req, unit: &str) -> Vec<V> {
    let Ok(ds) = app.snapshot(req).dataset() else { return Vec::new() };
    let today = app.clock(req).today();
    let (register, _) = register_of(app, ds);
    register
        .items
        .iter()
        .filter(|i| i.track.phase.is_open() && i.units.iter().any(|u| u == unit))
        .map(|i| row(i, today, ds))
        .collect()
}

/// The dashboard's 临期 / 逾期 list (open items the dates flag, overdue first).
pub(super) fn due_items(ds: &Dataset, register: &Register, today: Date) -> Vec<V> {
    let cfg = &ds.office.orders;
    // Each item's timing once (the sort would otherwise work it out at every comparison).
    let mut v: Vec<(&Item, crate::orders::timing::Timing)> =
        register.items.iter().map(|i| (i, timing(i, today, cfg))).filter(|(_, t)| t.overdue || t.due_soon).collect();
    v.sort_by_key(|(i, t)| (!t.overdue, std::cmp::Reverse(t.colour), i.number));
    v.into_iter().map(|(i, _)| row(i, today, ds)).collect()
}

// ---------------------------------------------------------------------------------------------
// The list

/// `GET /items?state=&colour=&unit=&kind=&period=`.
pub fn list(app: &App, req: &Req) -> Response {
    let s = match app.guard(req, &[Role::Unit, Role::Office, Role::Leader]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    list_page(app, req, s, None, StatusCode::OK)
}

fn list_page(app: &App, req: &Req, s: &Session, message: Option<(String, bool)>, code: StatusCode) -> Response {
    let ds = match dataset(app, req, s) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let today = app.clock(req).today();
    let (register, problems) = register_of(app, ds);
    let plan = &ds.plan;
    let filter = Filter {
        period: Period::parse(req.q("period")).filter(|p| p.year == plan.year),
        unit: match own_unit(s) {
            Some(u) => Some(u.to_owned()),
            None => Some(req.q("unit").trim().to_owned()).filter(|u| plan.all_units().contains(&u.as_str())),
        },
        state: StateFilter::parse(req.q("state")),
        colour: Colour::parse(req.q("colour")).filter(|c| *c != Colour::None || req.q("colour") == "none"),
        kind: Kind::parse(req.q("kind")),
    };
    if s.user.role == Role::Unit && own_unit(s).is_none() {
        return forbidden();
    }
    let cfg = &ds.office.orders;
    let mut items: Vec<&Item> = register.items.iter().filter(|i| filter.matches(i, today, cfg)).collect();
    if s.user.role == Role::Leader {
        // Leaders read the red ones first.
        items.sort_by_key(|i| (std::cmp::Reverse(timing(i, today, cfg).colour), i.number));
    }
    let rows: Vec<V> = items.iter().map(|i| row(i, today, ds)).collect();
    // The open 需协调事项 by the level they are with (呈报) or asked for, red first.
    let levels: Vec<V> = CoordinationLevel::ALL
        .iter()
        .rev()
        .map(|l| {
            let mut v: Vec<&Item> = register
                .items
                .iter()
                .filter(|i| i.kind == Kind::Coordination && i.track.phase.is_open())
                .filter(|i| i.track.referred_to.or(i.coordination_level) == Some(*l))
                .filter(|i| may_see(s, i))
                .collect();
            v.sort_by_key(|i| (std::cmp::Reverse(timing(i, today, cfg).colour), i.number));
            context! { label => l.label(), items => v.iter().map(|i| row(i, today, ds)).collect::<Vec<_>>() }
        })
        .collect();
    let office = s.user.role == Role::Office;
    // The office's forms: the period's orders to register, the reports' 需协调事项 to accept.
    let (planned, raised) = if office {
        let planned: Vec<V> = (1..=4)
            .map(|q| Period { year: plan.year, quarter: q })
            .filter(|p| ds.reports.contains_key(p))
            .map(|p| {
                let n = o::issue::planned(ds, p, &register).len();
                context! { period => p.to_string(), label => format!("{}年{}", p.year, p.chinese_quarter()), n }
            })
            .collect();
        let raised: Vec<V> = o::issue::raised(ds, &register)
            .iter()
            .filter(|r| r.accepted.is_none())
            .map(|r| {
                context! { key => raised_key(r), period => r.period.to_string(), unit => r.unit.clone(), task => r.task,
                text => r.text.clone(), level => r.level.label() }
            })
            .collect();
        (planned, raised)
    } else {
        (Vec::new(), Vec::new())
    };
    let (message, bad) = message.unzip();
    let bad = bad.unwrap_or(false);
    app.page(
        "items.html",
        Some(s),
        code,
        context! {
            items => rows, today => today.to_string(), problems, levels, planned, raised, message, message_kind => if bad { "bad" } else { "ok" },
            office, leader => s.user.role == Role::Leader, unit => own_unit(s),
            units => ser(plan.all_units()), coordination_levels => CoordinationLevel::ALL.iter().map(|l| l.label()).collect::<Vec<_>>(),
            states => StateFilter::all().into_iter().map(|f| context! { id => f.id(), label => f.label() }).collect::<Vec<_>>(),
            colours => [Colour::Red, Colour::Yellow, Colour::Blue].iter().map(|c| context! { id => c.id(), label => c.label() }).collect::<Vec<_>>(),
            kinds => Kind::ALL.iter().map(|k| context! { id => k.id(), label => k.label() }).collect::<Vec<_>>(),
            periods => (1..=4).map(|q| Period { year: plan.year, quarter: q }.to_string()).collect::<Vec<_>>(),
            filter => context! { state => req.q("state"), colour => req.q("colour"), unit => req.q("unit"), kind => req.q("kind"), period => req.q("period") },
        },
    )
}

/// How a form names a raised 需协调事项: `2023Q3|县发展改革局|18|1`.
fn raised_key(r: &Raised) -> String {
    format!("{}|{}|{}|{}", r.period, r.unit, r.task, r.index)
}

/// `POST /items/issue` (field `period`): registers the period's orders, as `ducha orders issue`.
pub fn issue(app: &App, req: &Req) -> Response {
    let s = match app.guard(req, &[Role::Office]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let ds = match dataset(app, req, s) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(period) = Period::parse(req.f("period")).filter(|p| p.year == ds.plan.year) else {
        return list_page(app, req, s, Some(("请选择要登记的期间。".into(), true)), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let (register, _) = register_of(app, ds);
    let planned = o::issue::planned(ds, period, &register);
    if planned.is_empty() {
        let msg = format!("{period} 没有需要登记的督办事项（已全部登记）。");
        return list_page(app, req, s, Some((msg, false)), StatusCode::OK);
    }
    match store::create(&app.opts.data, &cx(ds), &planned) {
        Ok(items) => {
            let numbers: Vec<String> = items.iter().map(|i| i.number.to_string()).collect();
            if let Err(r) =
                audit(app, req, &s.user.username, "登记督办事项", &format!("{period} {}", numbers.join("、")))
            {
                return r;
            }
            let msg = format!("已登记 {period} 的 {} 项督办事项：{}。", items.len(), numbers.join("、"));
            list_page(app, req, s, Some((msg, false)), StatusCode::OK)
        }
        Err(e) => write_failed(e),
    }
}

/// `POST /items/accept` (fields `key`, `how` = assign | refer | answer, `to`, `level`, `text`,
/// `deadline`): accepts a 需协调事项 of a report, as `ducha orders accept`.
pub fn accept(app: &App, req: &Req) -> Response {
    let s = match app.guard(req, &[Role::Office]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let ds = match dataset(app, req, s) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let (register, _) = register_of(app, ds);
    let all = o::issue::raised(ds, &register);
    let Some(raised) = all.iter().find(|r| raised_key(r) == req.f("key")) else {
        return list_page(
            app,
            req,
            s,
            Some(("找不到这条需协调事项：单位的报告可能已经修改，请在下方列表中重新选择。".into(), true)),
            StatusCode::NOT_FOUND,
        );
    };
    let again = |msg: String, code| list_page(app, req, s, Some((format!("未受理：{msg}"), true)), code);
    let how = match req.f("how") {
        "assign" => Disposal::Assign(
            req.f("to")
                .split([',', '，', '、', ' '])
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(String::from)
                .collect(),
        ),
        "refer" => match CoordinationLevel::parse(req.f("level")) {
            Some(l) => Disposal::Refer(l),
            None => {
                return again(
                    "呈报请选择层级：牵头单位协调、分管县领导或县政府常务会议。".into(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
        },
        "answer" => Disposal::Answer(req.f("text").to_owned()),
        _ => return again("请选择受理方式：交办、呈报或直接答复。".into(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let deadline = match date_field(req.f("deadline"), "办理时限") {
        Ok(d) => d,
        Err(m) => return again(m, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let Some(ev) = event_now(app, req, ds, s, Action::Issue) else { return internal("event time") };
    let new = match o::issue::accept(ds, &register, raised, how, &ev, deadline) {
        Ok(n) => n,
        Err(e) => return again(e.to_string(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    match store::create(&app.opts.data, &cx(ds), &[new]) {
        Ok(items) => {
            let Some(item) = items.first() else { return internal("no item created") };
            let detail = format!(
                "{} {}（{} {} 第{}项）",
                item.number,
                item.track.phase.label(),
                raised.unit,
                raised.period,
                raised.task
            );
            if let Err(r) = audit(app, req, &s.user.username, "受理需协调事项", &detail) {
                return r;
            }
            redirect(&format!("{}?done=accept", href(item.number)))
        }
        Err(e) => write_failed(e),
    }
}

fn cx(ds: &Dataset) -> Cx<'_> {
    Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs }
}

/// The event of this session's person now: the unit for a unit account, else the account name.
fn event_now(app: &App, req: &Req, ds: &Dataset, s: &Session, action: Action) -> Option<o::Event> {
    let at = o::file::at_now(&app.clock(req));
    let by = own_unit(s).unwrap_or(s.user.username.as_str());
    o::file::event_at(&at, ds.office.timezone.offset_secs, by, role_of(s.user.role), action)
}

/// An optional date field (`2024-01-15`); the message names the field.
fn date_field(v: &str, label: &str) -> Result<Option<Date>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    Date::parse(v).map(Some).ok_or_else(|| format!("{label}“{v}”无法识别，请写成 2024-01-15 这样的日期。"))
}

/// A write that failed for a reason other than the cycle's rules: a server error saying nothing
/// was changed.
fn write_failed(e: StoreError) -> Response {
    eprintln!("ducha serve：督办登记簿写入失败：{}", crate::diag::causes(&e));
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "登记簿未能写入",
        "服务器未能写入督办登记簿，本次操作没有保存。请稍后重试；如仍出错请联系督查室检查服务器（磁盘空间、文件权限）。",
    )
}

// ---------------------------------------------------------------------------------------------
// One item

/// The item of the path (`/items/2023/db-003`), when the session may see it: 404 for none,
/// 403 for another unit's.
fn item_of<'a>(register: &'a Register, req: &Req, s: &Session) -> Result<&'a Item, Response> {
    // `/items/<year>/<db-NNN>` and its `/reply` and `/files` doors.
    let (Some(y), Some(f), 2 | 3) = (req.args.first(), req.args.get(1), req.args.len()) else {
        return Err(not_found_page());
    };
    let number = Number::parse(&format!("{y}/{f}")).filter(|n| href(*n) == format!("/items/{y}/{f}"));
    let item = number.and_then(|n| register.get(n)).ok_or_else(not_found_page)?;
    if !may_see(s, item) {
        return Err(forbidden());
    }
    Ok(item)
}

/// What a form of one action asks for.
fn form_of(action: Action, item: &Item) -> V {
    let pending = item.track.pending_extension.map(|d| d.to_string());
    let (text_label, required, date_label) = match action {
        Action::Acknowledge => ("备注（可不填）", false, None),
        Action::Reply => ("办理情况", true, None),
        Action::Close => ("审核意见（可不填）", false, None),
        Action::Return => ("退回理由", true, None),
        Action::RequestExtension => ("申请理由", true, Some("申请延至")),
        Action::GrantExtension => ("说明（可不填）", false, Some("同意延至（不填则按申请日期）")),
        Action::RefuseExtension => ("不同意的理由", true, None),
        Action::Chase => ("催办事由（可不填）", false, None),
        Action::Stop => ("中止理由", true, None),
        Action::Revisit => ("回头看要求（可不填）", false, Some("新事项办理时限（不填则按督办通知单时限）")),
        Action::Refer => ("说明（可不填）", false, None),
        Action::Answer => ("答复内容", true, None),
        Action::Issue => ("", false, None),
    };
    let hint = match action {
        Action::RequestExtension => Some(format!("须在办理时限 {} 前申请。", item.track.deadline)),
        Action::GrantExtension | Action::RefuseExtension => pending.map(|d| format!("单位申请延至 {d}。")),
        Action::Revisit => Some("回头看另行交办一个关联的新事项，本事项不变。".to_string()),
        Action::Close if item.kind == Kind::Coordination && item.track.phase == Phase::Referred => {
            Some("领导协调有结果后办结。".to_string())
        }
        _ => None,
    };
    context! {
        id => action.id(), label => action.label(), text_label, required, date_label, hint,
        reply => action == Action::Reply, level => action == Action::Refer,
        danger => matches!(action, Action::Return | Action::Stop | Action::RefuseExtension),
    }
}

/// The actions the session may take on `item` now: [`o::allowed_actions`] of its role and the
/// item's state, those that need (or exclude) a pending extension request as the track says,
/// and an extension request only while the deadline has not passed.
fn actions(s: &Session, item: &Item, today: Date) -> Vec<Action> {
    if !may_see(s, item) {
        return Vec::new();
    }
    o::allowed_actions(role_of(s.user.role), item.track.phase, item.kind)
        .into_iter()
        .filter(|a| match a {
            Action::GrantExtension | Action::RefuseExtension => item.track.pending_extension.is_some(),
            Action::RequestExtension => item.track.pending_extension.is_none() && today <= item.track.deadline,
            _ => true,
        })
        .collect()
}

/// A form's text to show again: the action it was for and its fields.
struct Kept {
    action: String,
    fields: std::collections::BTreeMap<String, String>,
}

#[allow(clippy::too_many_arguments)]
fn item_page(
    app: &App,
    req: &Req,
    s: &Session,
    ds: &Dataset,
    register: &Register,
    item: &Item,
    kept: Option<Kept>,
    message: Option<(String, bool)>,
    code: StatusCode,
) -> Response {
    let today = app.clock(req).today();
    let t = timing(item, today, &ds.office.orders);
    let records = reply_records(app, item);
    let events: Vec<V> = item
        .events
        .iter()
        .enumerate()
        .map(|(k, e)| {
            context! {
                n => k + 1, at => e.at.replace('T', " "), by => e.by.clone(), role => e.role.label(), action => e.action.id(),
                action_label => e.action.label(), text => e.text.clone(), problems => e.problems.clone(),
                next_steps => e.next_steps.clone(), new_deadline => e.new_deadline.map(|d| d.to_string()),
                level => e.level.map(|l| l.label()),
                files => e.attachments.iter().map(|a| attachment_view(a, k + 1, &records)).collect::<Vec<_>>(),
            }
        })
        .collect();
    // This unit's returned reply files, replaced with its next reply.
    let returned: Vec<evidence::FileView> = records
        .iter()
        .filter(|r| Some(r.owner.unit()) == own_unit(s) && r.replaced_by.is_none())
        .filter(|r| r.review.as_ref().is_some_and(|v| v.decision == Decision::Returned))
        .map(|r| evidence::view_of(r, 0))
        .collect();
    let allowed = actions(s, item, today);
    let forms: Vec<V> = allowed.iter().map(|a| form_of(*a, item)).collect();
    // Text typed for an action the item no longer allows (someone acted first): shown to copy.
    let orphan = kept.as_ref().is_some_and(|k| !allowed.iter().any(|a| a.id() == k.action));
    let revisits: Vec<V> = register
        .items
        .iter()
        .filter(|i| i.revisit_of == Some(item.number))
        .map(|i| context! { number => i.number.to_string(), href => href(i.number) })
        .collect();
    let late_note = (s.user.role == Role::Unit
        && item.track.phase.is_open()
        && today > item.track.deadline
        && o::allowed_actions(o::Role::Unit, item.track.phase, item.kind).contains(&Action::RequestExtension))
    .then(|| format!("办理时限 {} 已过，不能再申请延期；请尽快办理并反馈。", item.track.deadline));
    let (kept_action, kept_fields) = match kept {
        Some(k) => (k.action, k.fields),
        None => (String::new(), Default::default()),
    };
    let (message, bad) = message.unzip();
    let bad = bad.unwrap_or(false);
    app.page(
        "item.html",
        Some(s),
        code,
        context! {
            item => row(item, today, ds), events, forms, revisits, late_note, today => today.to_string(),
            units => item.units.clone(), issued => item.issued.to_string(), deadline_at_issue => item.deadline.to_string(),
            overdue => t.overdue, pending => item.track.pending_extension.map(|d| d.to_string()),
            revisit_of => item.revisit_of.map(|n| context! { number => n.to_string(), href => href(n) }),
            order_level => item.order_level.map(|l| if l == o::OrderLevel::Red { "红色督办" } else { "黄色督办" }),
            coordination_level => item.coordination_level.map(|l| l.label()),
            seen => item.events.len(), kept_action, kept => kept_fields, orphan, message, message_kind => if bad { "bad" } else { "ok" },
            levels => CoordinationLevel::ALL.iter().map(|l| l.label()).collect::<Vec<_>>(),
            office => s.user.role == Role::Office, unit_role => s.user.role == Role::Unit,
            may_download => s.user.role != Role::Leader, returned => ser(returned), upload => upload_hints(app, req),
            zone => pages::zone_label(&app.clock(req)),
        },
    )
}

/// What the reply form says of files: the accepted types and the per-file limit.
fn upload_hints(app: &App, req: &Req) -> V {
    let cfg = app.snapshot(req).office().map(|o| o.evidence).unwrap_or_default();
    context! {
        field => REPLY_FILE_FIELD, accept => evidence::ACCEPT, kinds => "PDF、OFD、JPEG、PNG、DOCX、XLSX、WPS/ET 文件",
        max_file => evidence::size_text(cfg.max_file),
    }
}

/// The key of a person's draft of an item form (kept across an expired session): the drafts
/// table's (unit, period) pair holds (`@` + account, `事项 2023/db-003`), apart from reports.
fn draft_key(username: &str, n: Number) -> (String, String) {
    (format!("@{username}"), format!("事项 {}/{}", n.year, n.file_name().trim_end_matches(".yaml")))
}

/// An item page's common start: the session (one of `roles`), the dataset and the register.
fn opened<'r>(
    app: &App,
    req: &'r Req,
    roles: &[Role],
) -> Result<(&'r Session, &'r Dataset, std::sync::Arc<Register>), Response> {
    let s = app.guard(req, roles)?;
    let ds = dataset(app, req, s)?;
    let (register, _) = register_of(app, ds);
    Ok((s, ds, register))
}

/// `GET /items/<year>/<db-NNN>`.
pub fn item(app: &App, req: &Req) -> Response {
    let (s, ds, register) = match opened(app, req, &[Role::Unit, Role::Office, Role::Leader]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let item = match item_of(&register, req, s) {
        Ok(i) => i,
        Err(r) => return r,
    };
    // Text typed before a session expired, saved at the login ([`resume`]).
    let (du, dp) = draft_key(&s.user.username, item.number);
    let draft = match app.store.draft(&du, &dp) {
        Ok(d) => d.filter(|d| !d.0.is_empty()),
        Err(e) => return db_error(e, None),
    };
    let kept = draft.and_then(|(json, _)| {
        let mut fields: std::collections::BTreeMap<String, String> = serde_json::from_str(&json).ok()?;
        Some(Kept { action: fields.remove("@action").unwrap_or_default(), fields })
    });
    let message = match (&kept, Action::parse(req.q("done"))) {
        (Some(_), _) => Some(("登录过期前填写的内容已保留在下方表单中，尚未提交；请核对后提交。".to_string(), false)),
        (None, Some(Action::Revisit)) => Some((format!("已交办 {}。", item.number), false)),
        (None, Some(a)) => Some((format!("{}：{}已记录。", item.number, a.label()), false)),
        (None, None) if req.q("done") == "accept" => Some((format!("已受理为 {}。", item.number), false)),
        _ => None,
    };
    item_page(app, req, s, ds, &register, item, kept, message, StatusCode::OK)
}

/// The posted fields of an action form.
fn posted(req: &Req) -> std::collections::BTreeMap<String, String> {
    FIELDS.iter().map(|k| (k.to_string(), req.f(k).to_string())).filter(|(_, v)| !v.is_empty()).collect()
}

/// Refusals that are about what was typed (422), not about who acts or when (403).
fn form_problem(r: &Refusal) -> bool {
    matches!(r, Refusal::NoText { .. } | Refusal::NoNewDeadline | Refusal::NoLevel | Refusal::ExtensionNotLater { .. })
}

/// A refusal in the web's words: the file format's field names go.
fn web_words(s: &str) -> String {
    s.replace("（text）", "")
        .replace("（new_deadline）", "")
        .replace("（level）", "")
        .replace("（ducha orders revisit）", "")
}

/// May `unit` read the stored file `sha256` as a unit of an order item one of whose events
/// attaches it (反馈附件: the item's 承办 and 协办 units alike)?
pub(super) fn unit_may_read_reply(app: &App, req: &Req, unit: &str, sha256: &str) -> bool {
    let Ok(ds) = app.snapshot(req).dataset() else { return false };
    let (register, _) = register_of(app, ds);
    let r = o::files::reference(sha256);
    register
        .items
        .iter()
        .filter(|i| i.units.iter().any(|u| u == unit))
        .any(|i| i.events.iter().any(|e| e.attachments.contains(&r)))
}

/// Every reply file record of `item` (each unit's index; history included).
fn reply_records(app: &App, item: &Item) -> Vec<EvRecord> {
    let store = EvStore::new(&app.opts.data);
    let mut out = Vec::new();
    for unit in &item.units {
        let owner = Owner::OrderReply { number: item.number.to_string(), unit: unit.clone(), event: 0 };
        match store.list(&owner) {
            Ok(list) => out.extend(list),
            Err(e) => eprintln!("ducha serve：读取 {} 的反馈附件索引出错：{}", item.number, crate::diag::causes(&e)),
        }
    }
    out
}

/// An event's attached file as the timeline shows it: a stored file with its name, type, size
/// and the office's review; any other by its file name only.
fn attachment_view(rel: &str, event: usize, records: &[EvRecord]) -> V {
    let Some(sha) = o::files::sha_of(rel) else {
        return context! { stored => false, name => rel.rsplit('/').next().unwrap_or(rel).to_owned() };
    };
    match o::files::record_of(records, sha, event) {
        Some(r) => context! {
            stored => true, unit => r.owner.unit().to_owned(), replaced => r.replaced_by.is_some(),
            ..ser(evidence::view_of(r, 0))
        },
        None => context! { stored => false, name => format!("{}（不在佐证材料索引中）", &sha[..12]) },
    }
}

/// `POST /items/<year>/<db-NNN>/files` (fields `unit`, `sha256`, `decision` 采信 | 退回,
/// `reason`, required with 退回): the office's review of one reply file (docs/rules.md §21).
pub fn review_file(app: &App, req: &Req) -> Response {
    let (s, ds, register) = match opened(app, req, &[Role::Office]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let item = match item_of(&register, req, s) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let bad = |msg: String| {
        item_page(app, req, s, ds, &register, item, None, Some((msg, true)), StatusCode::UNPROCESSABLE_ENTITY)
    };
    let unit = req.f("unit");
    let Some(decision) = Decision::parse(req.f("decision")) else {
        return bad("请选择“采信”或“退回”。".into());
    };
    let reason = Some(req.f("reason")).filter(|r| !r.trim().is_empty());
    let sha = req.f("sha256");
    let clock = app.clock(req);
    match crate::orders::files::review(&app.opts.data, item, unit, sha, decision, reason, &s.user.username, &clock) {
        Err(ReviewError::NotAUnit { .. }) => bad("所选单位不是本事项的承办或协办单位，请刷新页面后重试。".into()),
        Ok(rec) => {
            let detail = format!("{} {unit} 反馈附件 {} {}", item.number, rec.name, decision.label());
            if let Err(r) = audit(app, req, &s.user.username, "审核反馈附件", &detail) {
                return r;
            }
            redirect(&format!("{}#file-{sha}", href(item.number)))
        }
        Err(ReviewError::Store(EvStoreError::ReasonRequired)) => {
            bad("未保存：请填写退回理由，说明附件哪里不符合要求、应补充什么；单位随下一次反馈替换该附件。".into())
        }
        Err(ReviewError::Store(e @ (EvStoreError::Unknown(_) | EvStoreError::Replaced(_)))) => {
            bad(format!("未保存：{e}"))
        }
        Err(e) => internal(crate::diag::causes(&e)),
    }
}

/// `POST /items/<year>/<db-NNN>` (fields `action`, `seen`, `text`, `problems`, `next_steps`,
/// `new_deadline`, `level`).
pub fn act(app: &App, req: &Req) -> Response {
    act_with(app, req, None)
}

/// The field of a reply's new files (the reply form's “附件”): `file_t0`, the evidence upload's
/// field of “task 0”, so the one streaming reader [`evidence::receive`] takes it; a returned
/// file's replacement is `replace_t0_<sha256>`.
pub const REPLY_FILE_FIELD: &str = "file_t0";

/// `POST /items/<year>/<db-NNN>/reply`: the reply form posted as multipart with its files
/// (反馈附件, docs/rules.md §19), read by [`evidence::multipart_door`] (session first, bounded
/// and streamed to the store's temp folder), then recorded as [`act`] records a reply, through
/// [`o::files::reply`]. A refused file (type, size) records nothing and shows the form again
/// with the text kept (422); so does a conflict (409).
pub async fn reply_upload(
    axum::extract::State(app): axum::extract::State<std::sync::Arc<App>>,
    req: axum::extract::Request,
) -> Response {
    evidence::multipart_door(app, req, |app, req, got| act_with(app, req, Some(got)), Some(expired)).await
}

/// [`act`], and for a reply posted with files ([`reply_upload`]) its files.
fn act_with(app: &App, req: &Req, got: Option<Received>) -> Response {
    if req.session.is_none() {
        return expired(app, req);
    }
    let (s, ds, register) = match opened(app, req, &[Role::Unit, Role::Office]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let item = match item_of(&register, req, s) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let number = item.number;
    let fields = posted(req);
    let kept = || Some(Kept { action: req.f("action").to_string(), fields: fields.clone() });
    let again =
        |msg: String, code: StatusCode| item_page(app, req, s, ds, &register, item, kept(), Some((msg, true)), code);
    let Some(action) = Action::parse(req.f("action")).filter(|a| *a != Action::Issue) else {
        return again(format!("{number}：无法识别的操作，请使用页面上的按钮。"), StatusCode::BAD_REQUEST);
    };
    let Ok(seen) = req.f("seen").parse::<usize>() else {
        return again(format!("{number}：表单不完整，请刷新页面后重新填写。"), StatusCode::BAD_REQUEST);
    };
    let Some(mut ev) = event_now(app, req, ds, s, action) else { return internal("event time") };
    ev.text = req.f("text").trim().to_string();
    if action == Action::Reply {
        ev.problems = req.f("problems").trim().to_string();
        ev.next_steps = req.f("next_steps").trim().to_string();
    }
    ev.new_deadline = match date_field(req.f("new_deadline"), "日期") {
        Ok(d) => d,
        Err(m) => return again(format!("未保存：{number}：{m}"), StatusCode::UNPROCESSABLE_ENTITY),
    };
    if action == Action::Refer {
        ev.level = CoordinationLevel::parse(req.f("level"));
    }
    if let Some(got) = got {
        if action != Action::Reply {
            return again(format!("{number}：只有反馈可以附带文件，请使用页面上的按钮。"), StatusCode::BAD_REQUEST);
        }
        if !got.refused.is_empty() {
            let msg = format!(
                "未保存：{number}：{}。反馈没有记录，您填写的内容仍在下方；请重新选择文件后再提交。",
                got.refused.join("；")
            );
            return again(msg, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let uploads: Vec<o::files::Upload> = got
            .files
            .iter()
            .map(|f| o::files::Upload {
                temp: f.temp.path().to_path_buf(),
                sha256: f.sha256.clone(),
                size: f.size,
                name: f.name.clone(),
                replaces: match &f.target {
                    evidence::Target::Replace(_, old) => Some(old.clone()),
                    evidence::Target::New(_) => None,
                },
            })
            .collect();
        let cfg = app.snapshot(req).office().map(|o| o.evidence).unwrap_or_default();
        let result = match o::files::reply(&app.opts.data, &cx(ds), number, seen, &ev, uploads, &cfg, &app.clock(req)) {
            Ok((_, records)) => Ok(records),
            Err(ReplyError::Register(e)) => Err(e),
            Err(ReplyError::Files(list)) => {
                let msg = format!(
                    "未保存：{number}：{}。反馈没有记录，您填写的内容仍在下方；请换用符合要求的文件后再提交。",
                    list.join("；")
                );
                return again(msg, StatusCode::UNPROCESSABLE_ENTITY);
            }
            Err(ReplyError::Store(e)) => return internal(crate::diag::causes(&e)),
        };
        // The temp files (moved into the store, or deleted) are dropped only now.
        drop(got);
        let files = match &result {
            Ok(r) if !r.is_empty() => {
                let names: Vec<String> = r.iter().map(|r| format!("{} sha256={}", r.name, r.sha256)).collect();
                format!("，附件 {}", names.join("、"))
            }
            _ => String::new(),
        };
        return outcome(app, req, (s, ds, &register, item), action, result.map(|_| None), &files);
    }
    let result = if action == Action::Revisit {
        // The new item's deadline and its 交办 text (the revisit event itself is not recorded).
        let (deadline, text) = (ev.new_deadline.take(), Some(std::mem::take(&mut ev.text)));
        match o::issue::revisit(&ds.office, item, &ev, deadline, text) {
            Ok(new) => store::create(&app.opts.data, &cx(ds), &[new]).map(|v| v.into_iter().next()),
            Err(refusal) => Err(StoreError::Refused { number, phase: item.track.phase.label(), refusal }),
        }
    } else {
        store::append(&app.opts.data, &cx(ds), number, seen, &ev).map(|_| None)
    };
    outcome(app, req, (s, ds, &register, item), action, result, "")
}

/// The page after an action was tried: on success the draft is cleared, the action audited
/// (`files` adds what was attached) and the item shown again (a 回头看: the new item); a
/// refusal, a conflict (409, the item as it is now) or a form problem shows the page with the
/// typed text kept.
fn outcome(
    app: &App,
    req: &Req,
    (s, ds, register, item): (&Session, &Dataset, &Register, &Item),
    action: Action,
    result: Result<Option<Item>, StoreError>,
    files: &str,
) -> Response {
    let number = item.number;
    let fields = posted(req);
    let kept = || Some(Kept { action: req.f("action").to_string(), fields: fields.clone() });
    let again =
        |msg: String, code: StatusCode| item_page(app, req, s, ds, register, item, kept(), Some((msg, true)), code);
    match result {
        Ok(new) => {
            let (du, dp) = draft_key(&s.user.username, number);
            if let Err(e) = app.store.clear_draft(&du, &dp) {
                return db_error(e, Some("操作已记录"));
            }
            let detail = match &new {
                Some(n) => format!("{number} 回头看 → {}", n.number),
                None => format!("{number} {}{files}", action.label()),
            };
            if let Err(r) = audit(app, req, &s.user.username, "办理督办事项", &detail) {
                return r;
            }
            match new {
                Some(n) => redirect(&format!("{}?done=revisit", href(n.number))),
                None => redirect(&format!("{}?done={}", href(number), action.id())),
            }
        }
        Err(StoreError::Refused { refusal, .. }) => {
            let code = if form_problem(&refusal) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::FORBIDDEN };
            let msg = format!(
                "未保存：{number}（当前状态：{}）：{}。您填写的内容仍在下方。",
                item.track.phase.label(),
                web_words(&refusal.to_string())
            );
            again(msg, code)
        }
        Err(StoreError::Stale { seen, now, .. }) => {
            // Show the item as it is now, with what the person typed still in the form.
            let (register, _) = register_of(app, ds);
            let Some(fresh) = register.get(number) else { return not_found_page() };
            let msg = format!(
                "未保存：{number} 在您打开之后已被他人办理（您看到 {seen} 条记录，现有 {now} 条，新的记录见下方“办理记录”）。\
                 您填写的内容仍在下方表单中；请核对最新情况后，确需办理再提交。"
            );
            item_page(app, req, s, ds, &register, fresh, kept(), Some((msg, true)), StatusCode::CONFLICT)
        }
        Err(StoreError::Unknown(..)) => not_found_page(),
        Err(e) => write_failed(e),
    }
}

/// An item POST whose session has ended: the login page with the typed text carried along;
/// after logging in it is kept as a draft of the form and the item page opens ([`resume`]).
fn expired(app: &App, req: &Req) -> Response {
    let (Some(y), Some(f)) = (req.args.first(), req.args.get(1)) else { return not_found_page() };
    let Some(n) = Number::parse(&format!("{y}/{f}")) else { return not_found_page() };
    let mut carry: Vec<(String, String)> =
        posted(req).into_iter().map(|(k, v)| (format!("{}{k}", pages::KEEP), v)).collect();
    carry.push((format!("{}@action", pages::KEEP), req.f("action").to_string()));
    carry.push(("resume".into(), href(n)));
    pages::login_page(
        app,
        StatusCode::UNAUTHORIZED,
        Some(&format!("登录已过期，请重新登录。您刚才为 {n} 填写的内容没有丢失：登录后会保留在表单中，核对后再提交。")),
        "",
        &carry,
    )
}

/// After a login from [`expired`]'s page: the carried text saved as the person's draft of the
/// item form; where to go. `None` when `to` is not an item's address.
pub(super) fn resume(app: &App, req: &Req, user: &super::store::User, to: &str) -> Option<String> {
    let rest = to.strip_prefix("/items/")?;
    let n = Number::parse(rest).filter(|n| href(*n) == to)?;
    let fields: std::collections::BTreeMap<String, String> = req
        .form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(pages::KEEP)?.to_string(), v.clone())))
        .filter(|(k, _)| FIELDS.contains(&k.as_str()) || k == "@action")
        .collect();
    if fields.iter().any(|(k, v)| k != "@action" && !v.trim().is_empty()) {
        let (du, dp) = draft_key(&user.username, n);
        let json = serde_json::to_string(&fields).ok()?;
        app.store.save_draft(&du, &dp, &json, &user.username).ok()?;
        app.store.audit(&user.username, &req.addr, "保存草稿", &format!("{n}（登录过期后保留）")).ok()?;
    }
    Some(href(n))
}
