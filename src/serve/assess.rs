//! The 年度考核 pages of the workbench (docs/rules.md §17): `/assess` shows the office and the
//! leaders the 考核得分汇总表 with every unit's 扣分明细; `/assess/mine` shows a unit its own score
//! and 扣分明细 only (no other unit's name, score or rank). The figures are those of `ducha
//! assess` on the same data: [`crate::assess::score::score`] over the snapshot's dataset, the
//! year's statuses, the 督办 register's orders and the rules of `assessment.yaml`.
// A page's early answer is a whole `Response`, as in `pages.rs`: boxing it would only add noise.
#![allow(clippy::result_large_err)]

use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;

use super::pages::{error, internal, plan_of};
use super::store::Role;
use super::{App, Req};
use crate::assess::rules::fmt;
use crate::assess::score::{Assessment, UnitScore};
use crate::assess::view;
use crate::data::model::Date;

/// The assessment of the snapshot's data as of `?as_of=` (else the office's today), or the page
/// to answer instead.
fn assessment(app: &App, req: &Req) -> Result<Assessment, Response> {
    let snap = app.snapshot(req);
    let ds = snap.dataset().map_err(|text| error(StatusCode::OK, "数据有错误", text))?;
    let rules = crate::assess::rules_of(snap.loaded())
        .map_err(|d| error(StatusCode::OK, "考核规则有错误", &d.render(&snap.loaded().sources)))?;
    let Some(last) = crate::excel::ledger::evaluated(ds, ds.plan.year) else {
        return Err(error(StatusCode::OK, "还不能考核", "本年度还没有任何季度报告。"));
    };
    let as_of = match req.q("as_of") {
        "" => crate::clock::OfficeClock::new(&ds.office.timezone).map_err(|e| internal(e.0))?.today(),
        s => Date::parse(s)
            .ok_or_else(|| error(StatusCode::BAD_REQUEST, "考核日期无法识别", "考核日期应写成 2024-01-15。"))?,
    };
    let year = snap.year(last).ok_or_else(|| internal("no year status"))?;
    // The register is read afresh: the workbench appends to it between two snapshots.
    let register = crate::assess::register_of(&app.opts.data, ds)
        .map_err(|e| error(StatusCode::OK, "督办事项登记有错误", &e.diagnostics.render(&e.sources)))?;
    let orders = crate::assess::order_facts(&register, ds.plan.year, as_of);
    Ok(crate::assess::score::score(ds, &year.statuses, &orders, &rules, as_of))
}

/// One unit's 扣分明细 for the template.
fn detail(u: &UnitScore) -> minijinja::Value {
    context! {
        unit => u.unit.clone(), score => fmt(u.score), plus => fmt(u.plus), minus => fmt(u.minus),
        grade => u.grade.clone(), note => u.note.clone(),
        lines => u.lines.iter().map(|l| context! { points => fmt(l.points), source => l.source.describe() }).collect::<Vec<_>>(),
    }
}

/// `GET /assess`: the sheet and every unit's 扣分明细 (office, leaders).
pub fn sheet(app: &App, req: &Req) -> Response {
    let s = match app.guard(req, &[Role::Office, Role::Leader]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let a = match plan_of(app, req).and_then(|_| assessment(app, req)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let rows = view::sheet_rows(&a);
    app.page(
        "assess.html",
        Some(s),
        StatusCode::OK,
        context! {
            year => a.year, period => a.period.to_string(), as_of => a.as_of.to_string(),
            heads => view::HEADS.to_vec(), rows => rows.iter().map(|r| r.cells().map(str::to_owned).to_vec()).collect::<Vec<_>>(),
            details => a.units.iter().map(detail).collect::<Vec<_>>(), mine => false,
        },
    )
}

/// `GET /assess/mine`: the unit's own score and 扣分明细 (unit accounts).
pub fn mine(app: &App, req: &Req) -> Response {
    let s = match app.guard(req, &[Role::Unit]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let plan = match plan_of(app, req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(unit) = s.user.unit.as_deref().filter(|u| plan.lead_units().contains(u)) else {
        return error(StatusCode::FORBIDDEN, "账户单位有误", "您的账户所属单位不是计划中的牵头单位，请联系督查室。");
    };
    let a = match assessment(app, req) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(u) = a.units.iter().find(|u| u.unit == unit) else { return internal("unit not scored") };
    app.page(
        "assess.html",
        Some(s),
        StatusCode::OK,
        context! { year => a.year, period => a.period.to_string(), as_of => a.as_of.to_string(), details => vec![detail(u)], mine => true },
    )
}
