//! The pages: one function per route, each checking the session, the role and (on POST) the
//! CSRF token first through [`App::guard`].
//!
//! The helpers a page starts with return `Result<_, Response>`: the error is the page to send
//! (login redirect, 403, 404), returned once per request, so it is not boxed.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::{context, Value as V};
use serde::Serialize;

use super::report::{self, FieldProblem, Fields};
use super::store::{Role, Session};
use super::{auth, App, Req};
use crate::data::model::{Period, Plan, Status};
use crate::pipeline::{self, Kind};

// ---------------------------------------------------------------------------------------------
// Responses

/// Any serializable value as a template value.
pub(super) fn ser<T: Serialize>(x: T) -> V {
    V::from(minijinja::value::Serde(x))
}

pub(super) fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A 303 redirect.
pub(super) fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// An error page (no template context: nothing about the session is shown).
pub fn error(status: StatusCode, heading: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{0}</title><link rel=\"stylesheet\" \
         href=\"/static/style.css\"></head><body><main><section class=\"card narrow\"><h1>{0}</h1><p>{1}</p>\
         <p><a href=\"/\">返回首页</a></p></section></main></body></html>",
        escape(heading),
        escape(text)
    );
    html(status, body)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#x27;")
}

pub(super) fn forbidden() -> Response {
    error(StatusCode::FORBIDDEN, "无权访问", "您的账户没有访问此页面或执行此操作的权限。")
}

/// A POST whose session has ended (it carried a session cookie the store no longer knows).
pub(super) fn expired() -> Response {
    error(StatusCode::UNAUTHORIZED, "登录已过期", "请重新登录后再操作；长时间未操作时登录会自动失效。")
}

/// A request body the server would not read (the form extractor's rejection): too large, or not
/// a form.
pub(super) fn rejected(status: StatusCode) -> Response {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        error(
            status,
            "提交的内容太多",
            &format!(
                "一次提交的内容不能超过 {} KB。请把过长的文字精简（大段材料可作为附件报督查室，只在“佐证材料”中写明名称），再重新提交；                 按浏览器的“后退”可回到刚才填写的页面。",
                super::BODY_LIMIT / 1024
            ),
        )
    } else {
        error(status, "无法读取提交的内容", "请使用页面上的表单和按钮提交。")
    }
}

pub(super) fn not_found_page() -> Response {
    error(StatusCode::NOT_FOUND, "找不到页面", "地址有误，或所指的期间、文件不存在。")
}

/// Fallback for unknown routes.
pub fn not_found(_app: &App, _req: &Req) -> Response {
    not_found_page()
}

/// A failure of the state database: logged with its causes, shown as a server error. `done`
/// says what had already happened (a report written before its revision could be recorded), so
/// nobody repeats it.
pub(super) fn db_error(e: super::store::StoreError, done: Option<&str>) -> Response {
    eprintln!("ducha serve：数据库错误：{}", crate::diag::causes(&e));
    let text = match done {
        Some(done) => format!(
            "{done}，但服务器的数据库记录没有写成，请不要重复操作，并联系督查室检查服务器（磁盘空间、文件权限）。"
        ),
        None => {
            "服务器无法读写账户数据库，请稍后重试；如仍出错请联系督查室检查服务器（磁盘空间、文件权限）。".to_string()
        }
    };
    error(StatusCode::INTERNAL_SERVER_ERROR, "服务器数据库出错", &text)
}

/// Appends to the audit log ([`super::store::Store::audit`]); a failure is a server error
/// ([`db_error`]).
pub(super) fn audit(app: &App, req: &Req, who: &str, action: &str, detail: &str) -> Result<(), Response> {
    app.store.audit(who, &req.addr, action, detail).map_err(|e| db_error(e, Some("操作已完成")))
}

pub(super) fn internal(e: impl std::fmt::Display) -> Response {
    eprintln!("ducha serve：内部错误：{e}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误", "请稍后重试；如仍出错请联系督查室。")
}

impl App {
    /// The session of a request allowed for `roles`, else the response to send: a redirect to
    /// the login page (GET without a session), to the password page (initial password still in
    /// use), or 403. POSTs must carry the session's CSRF token.
    pub(super) fn guard<'r>(&self, req: &'r Req, roles: &[Role]) -> Result<&'r Session, Response> {
        let Some(s) = &req.session else {
            return Err(if req.method == Method::GET {
                redirect("/login")
            } else if req.session_id.is_some() {
                expired()
            } else {
                forbidden()
            });
        };
        if req.method == Method::POST && !auth::same(req.f("csrf"), &s.csrf) {
            return Err(error(StatusCode::FORBIDDEN, "表单已失效", "请返回上一页刷新后重新提交。"));
        }
        if s.user.must_change {
            return Err(if req.method == Method::GET { redirect("/password") } else { forbidden() });
        }
        if !roles.contains(&s.user.role) {
            return Err(forbidden());
        }
        Ok(s)
    }

    pub(super) fn page(
        &self,
        name: &str,
        s: Option<&Session>,
        status: StatusCode,
        extra: minijinja::Value,
    ) -> Response {
        let base = context! {
            user => s.map(|s| context! { username => s.user.username.clone(), role => s.user.role.id(),
                unit => s.user.unit.clone(), must_change => s.user.must_change }),
            role_label => s.map(|s| s.user.role.label()),
            csrf => s.map(|s| s.csrf.clone()),
        };
        match self.render(name, context! { ..extra, ..base }) {
            Ok(body) => html(status, body),
            Err(e) => internal(format!("{e:#}")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Data

/// The validated plan (reports are not needed for a form).
pub(super) fn plan_of(app: &App, req: &Req) -> Result<Arc<Plan>, Response> {
    app.snapshot(req).plan().map_err(|text| {
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>计划有错误</title>\
             <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main><section class=\"card\">\
             <h1>计划文件有错误，请督查室先改正</h1><pre class=\"diag\">{}</pre></section></main></body></html>",
            escape(&super::words::web(text))
        );
        html(StatusCode::SERVICE_UNAVAILABLE, body)
    })
}

/// A period from the URL: one of the plan year's quarters, else 404.
pub(super) fn period_arg(plan: &Plan, s: &str) -> Result<Period, Response> {
    Period::parse(s).filter(|p| p.year == plan.year && p.to_string() == s).ok_or_else(not_found_page)
}

/// The period named by the first path segment (`/build/2023Q2`).
fn path_period(plan: &Plan, req: &Req) -> Result<Period, Response> {
    period_arg(plan, req.args.first().map(String::as_str).unwrap_or(""))
}

/// The session allowed for `roles` ([`App::guard`]) and the validated plan: where every page
/// that needs the plan starts.
fn session_plan<'r>(app: &App, req: &'r Req, roles: &[Role]) -> Result<(&'r Session, Arc<Plan>), Response> {
    let s = app.guard(req, roles)?;
    Ok((s, plan_of(app, req)?))
}

/// [`session_plan`] and the period of the path ([`path_period`]).
fn session_plan_period<'r>(
    app: &App,
    req: &'r Req,
    roles: &[Role],
) -> Result<(&'r Session, Arc<Plan>, Period), Response> {
    let (s, plan) = session_plan(app, req, roles)?;
    let period = path_period(&plan, req)?;
    Ok((s, plan, period))
}

fn periods(plan: &Plan) -> Vec<String> {
    (1..=4).map(|q| Period { year: plan.year, quarter: q }.to_string()).collect()
}

/// The period to open by default: `ducha build`'s ([`pipeline::default_period`]) when the data
/// are valid; while they are not (a unit must still be able to report), the latest quarter with a
/// report folder, else Q1.
fn default_period(app: &App, req: &Req, plan: &Plan) -> Period {
    if let Some(p) = app.snapshot(req).dataset().ok().and_then(pipeline::default_period) {
        return p;
    }
    let dir = app.opts.data.join("reports");
    (1..=4u8)
        .rev()
        .map(|q| Period { year: plan.year, quarter: q })
        .find(|p| dir.join(p.to_string()).is_dir())
        .unwrap_or(Period { year: plan.year, quarter: 1 })
}

// ---------------------------------------------------------------------------------------------
// Login, logout, password

/// `GET /`: where each role starts.
pub fn home(app: &App, req: &Req) -> Response {
    let s = match app.guard(req, &[Role::Unit, Role::Office, Role::Leader]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match s.user.role {
        Role::Unit => match plan_of(app, req) {
            Ok(plan) => redirect(&format!("/report/{}", default_period(app, req, &plan))),
            Err(r) => r,
        },
        _ => redirect("/dashboard"),
    }
}

/// The login page; `carry` are hidden fields posted along with the login (a form's text kept
/// across an expired session, [`expired_report`]).
pub(super) fn login_page(
    app: &App,
    status: StatusCode,
    message: Option<&str>,
    username: &str,
    carry: &[(String, String)],
) -> Response {
    let token = auth::token();
    let mut r = app.page(
        "login.html",
        None,
        status,
        context! { login_csrf => token.clone(), message => message, message_kind => "bad", username => username,
        carry => carry.iter().map(|(k, v)| context! { name => k, value => v }).collect::<Vec<_>>() },
    );
    let cookie = auth::set_cookie(auth::LOGIN_COOKIE, &token, 3600, app.opts.secure);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// `GET /login`.
pub fn login_form(app: &App, req: &Req) -> Response {
    if req.session.is_some() {
        return redirect("/");
    }
    login_page(app, StatusCode::OK, None, "", &[])
}

fn session_cookie(app: &App, id: &str, ttl: i64) -> HeaderValue {
    HeaderValue::from_str(&auth::set_cookie(auth::SESSION_COOKIE, id, ttl, app.opts.secure))
        .unwrap_or(HeaderValue::from_static(""))
}

fn start_session(app: &App, username: &str, to: &str) -> Response {
    let id = auth::token();
    if let Err(e) = app.store.create_session(&id, username, &auth::token(), super::SESSION_TTL_SECS) {
        return db_error(e, None);
    }
    let mut r = redirect(to);
    // The cookie lives as long as the session may (the store ends an idle one sooner).
    r.headers_mut().append(header::SET_COOKIE, session_cookie(app, &id, super::SESSION_MAX_SECS));
    r
}

/// `POST /login` (fields `username`, `password`, `csrf`). Failures are counted per account and
/// address ([`auth::RateLimiter`], docs/rules.md §16): a pair that failed too often is told how
/// long to wait, and the audit log gets a bounded number of failure rows with the name cut short.
pub fn login(app: &App, req: &Req) -> Response {
    let expected = auth::cookie(&req.cookies, auth::LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !auth::same(req.f("csrf"), expected) {
        return error(StatusCode::FORBIDDEN, "表单已失效", "请重新打开登录页面再登录。");
    }
    let username = req.f("username").trim();
    let logged = auth::short_name(username);
    if let Err(wait) = app.limiter.check(username, &req.addr) {
        if app.limiter.audit_refusal(&req.addr) {
            if let Err(e) = app.store.audit(&logged, &req.addr, "登录受限", "失败次数过多") {
                return db_error(e, None);
            }
        }
        let msg = format!("这个账户从您这里登录失败次数过多，{}。", auth::wait_message(wait));
        return login_page(app, StatusCode::TOO_MANY_REQUESTS, Some(&msg), username, &carried(req));
    }
    let user = match app.store.user(username) {
        Ok(u) => u,
        Err(e) => return db_error(e, None),
    };
    let hash = user.as_ref().map(|u| u.hash.as_str()).unwrap_or(auth::dummy_hash());
    let ok = auth::verify_password(req.f("password"), hash) && user.as_ref().is_some_and(|u| !u.disabled);
    let known = user.is_some();
    match user.filter(|_| ok) {
        Some(u) => {
            app.limiter.succeeded(username, &req.addr);
            // No session without its audit row.
            if let Err(e) = app.store.audit(&u.username, &req.addr, "登录", "") {
                return db_error(e, None);
            }
            let to = if u.must_change { None } else { resume_after_login(app, req, &u) };
            start_session(app, &u.username, to.as_deref().unwrap_or(if u.must_change { "/password" } else { "/" }))
        }
        None => {
            if app.limiter.failed(username, &req.addr, known) {
                if let Err(e) = app.store.audit(&logged, &req.addr, "登录失败", "") {
                    return db_error(e, None);
                }
            }
            login_page(app, StatusCode::UNAUTHORIZED, Some("用户名或密码错误。"), username, &carried(req))
        }
    }
}

/// The fields a login form carried ([`expired_report`]), to carry again when the login fails.
fn carried(req: &Req) -> Vec<(String, String)> {
    req.form
        .iter()
        .filter(|(k, _)| k.starts_with(KEEP) || *k == "resume")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `POST /logout`.
pub fn logout(app: &App, req: &Req) -> Response {
    let Some(s) = &req.session else { return redirect("/login") };
    if !auth::same(req.f("csrf"), &s.csrf) {
        return forbidden();
    }
    if let Some(id) = &req.session_id {
        if let Err(e) = app.store.delete_session(id) {
            return db_error(e, None);
        }
    }
    if let Err(r) = audit(app, req, &s.user.username, "退出", "") {
        return r;
    }
    let mut r = redirect("/login");
    r.headers_mut().append(header::SET_COOKIE, session_cookie(app, "", 0));
    r
}

/// `GET /password`.
pub fn password_form(app: &App, req: &Req) -> Response {
    let Some(s) = &req.session else { return redirect("/login") };
    app.page("password.html", Some(s), StatusCode::OK, context! { min_chars => auth::MIN_PASSWORD_CHARS })
}

/// `POST /password` (fields `password`, `new_password`, `confirm`).
pub fn password(app: &App, req: &Req) -> Response {
    let Some(s) = &req.session else { return forbidden() };
    if !auth::same(req.f("csrf"), &s.csrf) {
        return forbidden();
    }
    let again = |msg: &str| {
        app.page(
            "password.html",
            Some(s),
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { min_chars => auth::MIN_PASSWORD_CHARS, message => msg, message_kind => "bad" },
        )
    };
    let (old, new) = (req.f("password"), req.f("new_password"));
    if let Err(wait) = app.limiter.check(&s.user.username, &req.addr) {
        return again(&format!("当前密码输错次数过多，{}。", auth::wait_message(wait)));
    }
    if !auth::verify_password(old, &s.user.hash) {
        app.limiter.failed(&s.user.username, &req.addr, true);
        return again("当前密码不正确。");
    }
    if let Err(problem) = auth::check_new_password(new, &s.user.username) {
        return again(&problem);
    }
    if new != req.f("confirm") {
        return again("两次输入的新密码不一致。");
    }
    if new == old {
        return again("新密码不能与当前密码相同。");
    }
    if let Err(e) = app.store.set_password(&s.user.username, &auth::hash_password(new), false) {
        return db_error(e, None);
    }
    if let Err(r) = audit(app, req, &s.user.username, "修改密码", "") {
        return r;
    }
    // Changing the password ended every session of the account: start a fresh one.
    start_session(app, &s.user.username, "/")
}

// ---------------------------------------------------------------------------------------------
// The unit's report

#[derive(Serialize)]
struct TaskView {
    number: u32,
    title: String,
    text: String,
    targets: Vec<TargetView>,
    milestones: Option<Vec<String>>,
    /// The task's other lead units (an 指标调整说明 here turns the task to 其他 for them too).
    partners: Vec<String>,
}

#[derive(Serialize)]
struct TargetView {
    index: usize,
    text: String,
}

/// The first 16 hex digits of the SHA-256 of the report file (`none` when there is none): what a
/// form and a draft remember of the file they started from.
fn file_digest(path: &std::path::Path) -> String {
    let file = std::fs::read(path).map(|b| super::store::sha256_hex(&b)).unwrap_or_else(|_| "none".into());
    file[..16.min(file.len())].to_string()
}

/// The version a form was opened at: the report file's digest and the draft's revision. A save
/// carrying another version is stale. A database failure is a server error (never revision 0,
/// which could let a stale save through).
fn version(app: &App, path: &std::path::Path, unit: &str, period: Period) -> Result<String, Response> {
    let draft = app.store.draft(unit, &period.to_string()).map_err(|e| db_error(e, None))?;
    let rev = draft.map(|d| d.1).unwrap_or(0);
    Ok(format!("{}-{rev}", file_digest(path)))
}

/// The key under which a draft keeps the digest of the file it was typed over (not a form field:
/// posted fields are filtered to the form's names).
const DRAFT_BASE: &str = "@base";

/// A saved draft: its fields, the file digest it was typed over (`None` for drafts saved before
/// drafts remembered it) and its revision.
struct Draft {
    fields: Fields,
    base: Option<String>,
    rev: i64,
}

/// The unit's draft of `period`, if any; a database failure is a server error.
fn stored_draft(app: &App, unit: &str, period: Period) -> Result<Option<Draft>, Response> {
    let draft = app.store.draft(unit, &period.to_string()).map_err(|e| db_error(e, None))?;
    Ok(draft.filter(|d| !d.0.is_empty()).and_then(|(json, rev)| {
        let mut fields = serde_json::from_str::<Fields>(&json).ok()?;
        let base = fields.remove(DRAFT_BASE);
        Some(Draft { fields, base, rev })
    }))
}

fn save_draft(app: &App, unit: &str, period: Period, fields: &Fields, base: &str, who: &str) -> Result<(), Response> {
    let mut f = fields.clone();
    f.insert(DRAFT_BASE.into(), base.to_string());
    let json = serde_json::to_string(&f).unwrap_or_default();
    app.store.save_draft(unit, &period.to_string(), &json, who).map_err(|e| db_error(e, None))
}

/// The raw report of `unit` in `period` as the CLI reads it, if any.
fn raw_report(app: &App, req: &Req, unit: &str, period: Period) -> Option<crate::data::raw::RawReport> {
    app.snapshot(req)
        .loaded()
        .reports
        .iter()
        .find(|(dir, p)| *dir == period.to_string() && p.value.unit.trim() == unit)
        .map(|(_, p)| p.value.clone())
}

/// A newer version than the one a form started from, shown beside the form so the unit sees both
/// before choosing.
struct Conflict {
    /// What the other version is (“报告文件中的现行版本”).
    what: &'static str,
    differences: Vec<report::Difference>,
    /// The version to post to keep this form's text over the other (`overwrite`).
    current: String,
}

struct FormState<'a> {
    fields: &'a Fields,
    problems: &'a [FieldProblem],
    message: Option<String>,
    bad: bool,
    version: String,
    conflict: Option<Conflict>,
}

/// How the pages name the office's time zone: 北京时间 for UTC+8, else the zone's name.
pub(super) fn zone_label(clock: &crate::clock::OfficeClock) -> String {
    if clock.zone().offset_secs == 8 * 3600 {
        "北京时间".into()
    } else {
        format!("{}时间", clock.zone().name)
    }
}

/// The report form of `unit` (a unit account's page: the session is the one [`App::guard`] let in).
fn report_page(
    app: &App,
    req: &Req,
    plan: &Plan,
    unit: &str,
    period: Period,
    st: FormState,
    code: StatusCode,
) -> Response {
    let tasks: Vec<TaskView> = report::lead_tasks(plan, unit)
        .into_iter()
        .map(|t| TaskView {
            number: t.number,
            title: t.title.clone(),
            text: t.text.clone(),
            targets: t
                .targets
                .iter()
                .enumerate()
                .map(|(i, g)| TargetView { index: i + 1, text: g.text.clone() })
                .collect(),
            milestones: t.milestones.as_ref().map(|m| m.to_vec()),
            partners: t.lead_units.iter().filter(|u| *u != unit).cloned().collect(),
        })
        .collect();
    let mut by_field: std::collections::BTreeMap<&str, Vec<&FieldProblem>> = Default::default();
    for p in st.problems {
        by_field.entry(p.field.as_str()).or_default().push(p);
    }
    // The errors in form order, each linking to its field: the first one gets the focus (the
    // browser scrolls to it; no script), the list sits at the top.
    let order = field_order(&tasks);
    let mut errors: Vec<&FieldProblem> = st.problems.iter().filter(|p| p.error).collect();
    errors.sort_by_key(|p| order.iter().position(|f| *f == p.field).unwrap_or(usize::MAX));
    let error_list: Vec<_> = errors
        .iter()
        .map(|p| {
            // A task-level problem (`t3`) links to the task's section.
            let task = p.field.strip_prefix('t').filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            let (anchor, label) = match task {
                Some(n) => (format!("task-{n}"), format!("第{n}项")),
                None => (p.field.clone(), report::field_label(&p.field)),
            };
            context! { field => anchor, label, message => p.message.clone() }
        })
        .collect();
    let first_error = errors.iter().map(|p| p.field.clone()).find(|f| order.contains(f));
    let snap = app.snapshot(req);
    let deadline = snap.office().map(|o| o.deadline(period).to_string()).unwrap_or_default();
    let clock = app.clock(req);
    let revisions: Vec<_> = match app.store.revisions(unit, &period.to_string()) {
        Ok(r) => r,
        Err(e) => return db_error(e, None),
    }
    .into_iter()
    .map(|r| context! { at => clock.format(r.unix), who => r.who, sha256 => r.sha256 })
    .collect();
    // Whether this quarter's report is in: the file on disk decides, as for `ducha check`.
    let status_line = match raw_report(app, req, unit, period) {
        Some(r) => format!("本季度报告已报送（报送日期 {}）", r.submitted),
        None => "本季度报告尚未报送".to_string(),
    };
    let conflict = st.conflict.map(|c| {
        context! { what => c.what, differences => ser(&c.differences), current => c.current }
    });
    app.page(
        "report.html",
        req.session.as_ref(),
        code,
        context! {
            unit, period => period.to_string(), period_label => format!("{}年{}", period.year, period.chinese_quarter()),
            periods => periods(plan), deadline, tasks => ser(&tasks), claims => report::claims(), fields => st.fields, problems => ser(&by_field),
            version => st.version, message => st.message, message_kind => if st.bad { "bad" } else { "ok" },
            revisions, zone => zone_label(&clock), status_line, errors => error_list, first_error, conflict,
            open_items => super::orders::open_items_of(app, req, unit),
            evidence => super::evidence::report_files(app, req, unit, period),
        },
    )
}

/// The form's field names in page order (for the error list and the first error's focus).
fn field_order(tasks: &[TaskView]) -> Vec<String> {
    let mut v: Vec<String> = ["submitted", "contact", "phone", "reviewed_by"].map(String::from).to_vec();
    for t in tasks {
        let n = t.number;
        v.push(format!("t{n}_progress"));
        v.extend(t.targets.iter().map(|g| format!("t{n}_v{}", g.index)));
        if t.milestones.is_some() {
            v.push(format!("t{n}_milestone"));
        }
        for k in ["percent", "claim", "problems", "next_steps", "evidence", "adjustment"] {
            v.push(format!("t{n}_{k}"));
        }
    }
    v
}

/// The unit of a unit session, checked against the plan.
fn unit_of<'a>(s: &'a Session, plan: &Plan) -> Result<&'a str, Response> {
    match s.user.unit.as_deref() {
        Some(u) if plan.lead_units().contains(&u) => Ok(u),
        _ => Err(error(StatusCode::FORBIDDEN, "账户单位有误", "您的账户所属单位不是计划中的牵头单位，请联系督查室。")),
    }
}

/// What both report routes start from: the unit account's session (CSRF checked on POST), the
/// plan, the account's unit, the period named in the path and the unit's report file.
pub(super) fn unit_report<'r>(
    app: &App,
    req: &'r Req,
) -> Result<(&'r Session, Arc<Plan>, &'r str, Period, PathBuf), Response> {
    let s = app.guard(req, &[Role::Unit])?;
    let plan = plan_of(app, req)?;
    let unit = unit_of(s, &plan)?;
    let period = path_period(&plan, req)?;
    let path = report::report_path(&app.opts.data, period, unit).map_err(internal)?;
    Ok((s, plan, unit, period, path))
}

/// The form fields of the report file of `unit` in `period` (empty when there is none).
fn file_fields(app: &App, req: &Req, unit: &str, period: Period) -> Fields {
    let today = app.clock(req).today();
    raw_report(app, req, unit, period).map(|r| report::fields_of(Some(&r), true, today)).unwrap_or_default()
}

/// `GET /report/<period>`: the logged-in unit's own report. A draft typed over an older file is
/// shown with the file's newer text beside it.
pub fn report_form(app: &App, req: &Req) -> Response {
    let (_, plan, unit, period, path) = match unit_report(app, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let file = file_digest(&path);
    let mut v = match version(app, &path, unit, period) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut conflict = None;
    let draft = match stored_draft(app, unit, period) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let (fields, problems, message, bad) = match draft {
        Some(d) => {
            let (raw, pre) = report::read_fields(&plan, unit, period, &d.fields);
            let checked = report::check(app.snapshot(req).loaded(), &plan, &raw, &path, pre);
            match d.base.filter(|b| *b != file) {
                Some(base) => {
                    // The form stays at the draft's version: submitting it as it is meets the
                    // conflict check, which asks to choose.
                    v = format!("{base}-{}", d.rev);
                    let theirs = file_fields(app, req, unit, period);
                    conflict = Some(Conflict {
                        what: "报告文件中的现行版本",
                        differences: report::differences(&plan, unit, &theirs, &d.fields),
                        current: match version(app, &path, unit, period) {
                            Ok(v) => v,
                            Err(r) => return r,
                        },
                    });
                    let msg =
                        "注意：草稿保存之后，本季度的报告文件已被修改（督查室导入、改动了文件，或已从别处提交）。\
                               下方表单是您的草稿，“与现行版本不同之处”列出两者的差别；请选择放弃草稿改用现行版本，\
                               或核对后勾选“用我的内容覆盖现行版本”再提交。";
                    (d.fields, checked.problems, Some(msg.to_string()), true)
                }
                None => (d.fields, checked.problems, Some("以下是尚未提交的草稿。".to_string()), false),
            }
        }
        None => {
            let today = app.clock(req).today();
            let own = raw_report(app, req, unit, period);
            // Else the latest earlier report of the year (not only the previous quarter's).
            let earlier = if own.is_none() {
                (1..period.quarter)
                    .rev()
                    .map(|q| Period { year: period.year, quarter: q })
                    .find_map(|p| raw_report(app, req, unit, p).map(|r| (p, r)))
            } else {
                None
            };
            let f = report::fields_of(own.as_ref().or(earlier.as_ref().map(|e| &e.1)), own.is_some(), today);
            // “已提交” only right after this unit's own submission, and only while the file is
            // still the text it submitted.
            let just_submitted = req.q("done") == "1"
                && app
                    .store
                    .revisions(unit, &period.to_string())
                    .ok()
                    .and_then(|r| r.into_iter().next())
                    .is_some_and(|r| std::fs::read(&path).is_ok_and(|b| super::store::sha256_hex(&b) == r.sha256));
            let msg = if just_submitted {
                Some("报告已提交。".to_string())
            } else if let Some((p, _)) = &earlier {
                Some(format!("已按{}年{}的报告预填，请逐项更新。", p.year, p.chinese_quarter()))
            } else {
                None
            };
            (f, Vec::new(), msg, false)
        }
    };
    report_page(
        app,
        req,
        &plan,
        unit,
        period,
        FormState { fields: &fields, problems: &problems, message, bad, version: v, conflict },
        StatusCode::OK,
    )
}

/// The posted fields that belong to the report form.
fn form_fields(req: &Req) -> Fields {
    req.form
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "submitted" | "contact" | "phone" | "reviewed_by") || k.starts_with('t'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `POST /report/<period>`: `action=save` keeps a draft, `action=submit` writes the YAML when
/// there is no error, `action=discard` drops the draft. A form opened at another version is
/// refused (409) with the typed text kept and the newer version's differences shown, unless the
/// unit ticked `overwrite` for exactly the version now current. A POST whose session has ended
/// goes to the login page with the typed text carried along ([`expired_report`]).
pub fn report_save(app: &App, req: &Req) -> Response {
    if req.session.is_none() {
        return expired_report(app, req);
    }
    save_report(app, req, req.f("action"), None)
}

/// The report form after an upload of evidence files ([`super::evidence`]): the text posted with
/// the files kept as the unit's draft as “保存草稿” keeps it (same version check), unless it is
/// the report file's text unchanged; `note` (what was stored or refused) heads the message.
pub(super) fn report_after_upload(app: &App, req: &Req, note: &str, bad: bool) -> Response {
    if req.form.contains_key("version") {
        return save_report(app, req, "save", Some((note, bad)));
    }
    // Files posted without the form's text (not from the page): the form as it stands.
    let (_, plan, unit, period, path) = match unit_report(app, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fields = file_fields(app, req, unit, period);
    let v = match version(app, &path, unit, period) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let st =
        FormState { fields: &fields, problems: &[], message: Some(note.to_string()), bad, version: v, conflict: None };
    report_page(app, req, &plan, unit, period, st, if bad { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK })
}

/// [`report_save`] for `action`, with an upload's `note` ([`report_after_upload`]).
fn save_report(app: &App, req: &Req, action: &str, note: Option<(&str, bool)>) -> Response {
    let (s, plan, unit, period, path) = match unit_report(app, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let who = s.user.username.as_str();
    let ps = period.to_string();
    if action == "discard" {
        if let Err(e) = app.store.clear_draft(unit, &ps) {
            return db_error(e, None);
        }
        if let Err(r) = audit(app, req, who, "放弃草稿", &format!("{unit} {ps}")) {
            return r;
        }
        return redirect(&format!("/report/{ps}"));
    }
    let fields = form_fields(req);
    let (mut raw, pre) = report::read_fields(&plan, unit, period, &fields);
    // The form has no place for 需协调事项 yet: those the file raised stay in it.
    if let Some(old) = raw_report(app, req, unit, period) {
        crate::orders::keep_coordination(&mut raw, &crate::orders::raised_in_raw(&old));
    }
    let checked = report::check(app.snapshot(req).loaded(), &plan, &raw, &path, pre);

    let lock = app.file_lock(&path);
    let _lock = lock.lock().unwrap_or_else(|e| e.into_inner());
    let current = match version(app, &path, unit, period) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let show = |msg: String, bad: bool, code: StatusCode, v: String, conflict: Option<Conflict>| {
        let (msg, bad, code) = match note {
            Some((n, nb)) => (
                format!("{n}{msg}"),
                bad || nb,
                if nb && code == StatusCode::OK { StatusCode::UNPROCESSABLE_ENTITY } else { code },
            ),
            None => (msg, bad, code),
        };
        report_page(
            app,
            req,
            &plan,
            unit,
            period,
            FormState { fields: &fields, problems: &checked.problems, message: Some(msg), bad, version: v, conflict },
            code,
        )
    };
    if !auth::same(req.f("version"), &current) && !auth::same(req.f("overwrite"), &current) {
        // Show what the newer version says: a draft saved elsewhere, else the file.
        let (what, theirs) = match stored_draft(app, unit, period) {
            Ok(Some(d)) => ("另一处保存的草稿", d.fields),
            Ok(None) => ("报告文件中的现行版本", file_fields(app, req, unit, period)),
            Err(r) => return r,
        };
        let conflict = Conflict { what, differences: report::differences(&plan, unit, &theirs, &fields), current };
        return show(
            "未保存：这份报告在您打开之后已被修改（他人保存或提交，或督查室更新了文件）。您填写的内容仍在下方，\
             “与现行版本不同之处”列出两者的差别；请核对后选择：放弃您的内容改用现行版本，或勾选“用我的内容覆盖现行版本”再保存或提交。"
                .into(),
            true,
            StatusCode::CONFLICT,
            req.f("version").to_string(),
            Some(conflict),
        );
    }
    match action {
        // An upload over an unchanged form leaves no draft behind.
        "save"
            if note.is_some()
                && report::differences(&plan, unit, &file_fields(app, req, unit, period), &fields).is_empty()
                && matches!(stored_draft(app, unit, period), Ok(None)) =>
        {
            show(String::new(), false, StatusCode::OK, current, None)
        }
        "save" => {
            if let Err(r) = save_draft(app, unit, period, &fields, &file_digest(&path), who) {
                return r;
            }
            if let Err(r) = audit(app, req, who, "保存草稿", &format!("{unit} {ps}")) {
                return r;
            }
            let v = match version(app, &path, unit, period) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let n = checked.problems.iter().filter(|p| p.error).count();
            let msg = if n == 0 {
                "草稿已保存。".to_string()
            } else {
                format!("草稿已保存；还有 {n} 处错误，改正后才能提交。")
            };
            show(msg, n > 0, StatusCode::OK, v, None)
        }
        "submit" => {
            let Some(yaml) = checked.yaml.as_ref().filter(|_| checked.ok()) else {
                let n = checked.problems.iter().filter(|p| p.error).count();
                return show(
                    format!("未提交：有 {n} 处错误，请按标出的提示改正后再提交。"),
                    true,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    current,
                    None,
                );
            };
            if let Err(e) = crate::fsutil::write_durable(&path, yaml.as_bytes()) {
                return internal(crate::diag::causes(&e));
            }
            // The file is written: a database failure now must say so, or the unit would submit again.
            let recorded = app.store.add_revision(unit, &ps, yaml, who).and_then(|()| app.store.clear_draft(unit, &ps));
            if let Err(e) = recorded {
                return db_error(e, Some("报告已提交（文件已写入）"));
            }
            let detail = format!("{unit} {ps} sha256={}", super::store::sha256_hex(yaml.as_bytes()));
            if let Err(r) = audit(app, req, who, "提交报告", &detail) {
                return r;
            }
            redirect(&format!("/report/{ps}?done=1"))
        }
        _ => error(StatusCode::BAD_REQUEST, "无法识别的操作", "请使用页面上的“保存草稿”或“提交报告”按钮。"),
    }
}

/// A report POST whose session has ended (expired, or logged out elsewhere): the login page,
/// saying so, with every typed field carried in hidden inputs; after logging in as the unit the
/// text is kept as a draft and the form opens again ([`resume_after_login`]).
fn expired_report(app: &App, req: &Req) -> Response {
    let Some(p) = req.args.first().filter(|p| Period::parse(p).is_some_and(|x| x.to_string() == **p)) else {
        return not_found_page();
    };
    let mut carry: Vec<(String, String)> =
        form_fields(req).into_iter().map(|(k, v)| (format!("{KEEP}{k}"), v)).collect();
    carry.push(("resume".into(), format!("/report/{p}")));
    carry.push((format!("{KEEP}@version"), req.f("version").to_string()));
    login_page(
        app,
        StatusCode::UNAUTHORIZED,
        Some("登录已过期，请重新登录。您刚才填写的内容没有丢失：登录后会保存为草稿，可继续填写和提交。"),
        "",
        &carry,
    )
}

/// Prefix of the hidden login fields that carry a form's text across an expired session.
pub(super) const KEEP: &str = "keep.";

/// After a login from [`expired_report`]'s page: the carried text saved as the unit's draft
/// (typed over the file version its form was opened at, so a newer file is flagged when the form
/// opens), and where to go. `None` when the login carried nothing for this account.
fn resume_after_login(app: &App, req: &Req, user: &super::store::User) -> Option<String> {
    let to = req.f("resume");
    if to.starts_with("/items/") {
        return super::orders::resume(app, req, user, to);
    }
    let p = to.strip_prefix("/report/")?;
    let unit = user.unit.as_deref().filter(|_| user.role == Role::Unit)?;
    let plan = plan_of(app, req).ok()?;
    let period = period_arg(&plan, p).ok()?;
    let fields: Fields = req
        .form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(KEEP)?.to_string(), v.clone())))
        .filter(|(k, _)| matches!(k.as_str(), "submitted" | "contact" | "phone" | "reviewed_by") || k.starts_with('t'))
        .collect();
    if !fields.is_empty() {
        let base = req.f(&format!("{KEEP}@version")).split('-').next().unwrap_or("").to_string();
        let path = report::report_path(&app.opts.data, period, unit).ok()?;
        let base = if base.is_empty() { file_digest(&path) } else { base };
        save_draft(app, unit, period, &fields, &base, &user.username).ok()?;
        app.store.audit(&user.username, &req.addr, "保存草稿", &format!("{unit} {period}（登录过期后保留）")).ok()?;
    }
    Some(format!("/report/{period}"))
}

// ---------------------------------------------------------------------------------------------
// Dashboard and task page

/// `GET /dashboard?period=P&section=&unit=&status=`.
pub fn dashboard(app: &App, req: &Req) -> Response {
    let (s, plan) = match session_plan(app, req, &[Role::Office, Role::Leader]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let period = if req.q("period").is_empty() {
        default_period(app, req, &plan)
    } else {
        match period_arg(&plan, req.q("period")) {
            Ok(p) => p,
            Err(r) => return r,
        }
    };
    let base = context! {
        period => period.to_string(), period_label => format!("{}年{}", period.year, period.chinese_quarter()),
        periods => periods(&plan), role => s.user.role.id(),
    };
    let snap = app.snapshot(req);
    let (ds, year) = match (snap.dataset(), snap.year(period)) {
        (Ok(ds), Some(year)) => (ds, year),
        (Err(text), _) => {
            return app.page(
                "dashboard.html",
                Some(s),
                StatusCode::OK,
                context! { errors => super::words::web(text), ..base },
            )
        }
        (Ok(_), None) => return internal("no year status"),
    };
    let summary = &year.summary;
    let Some(ps) = year.statuses.last() else { return internal("no period status") };
    let (f_section, f_unit, f_status) = (req.q("section"), req.q("unit"), req.q("status"));
    let rows: Vec<_> = ps
        .tasks
        .iter()
        .filter(|t| f_section.is_empty() || t.section.to_string() == f_section)
        .filter(|t| f_unit.is_empty() || t.lead_units.iter().any(|u| u == f_unit))
        .filter(|t| f_status.is_empty() || t.status.id() == f_status)
        .map(|t| {
            context! { task => t.task, title => t.title.clone(), units => t.lead_units.join("、"), label => t.label,
            light => t.light.id(), light_label => t.light.label(), reason => t.reason.clone() }
        })
        .collect();
    // Each status counted by the light the rules gave each task (as `stats --json` and the
    // documents colour them: an early 未启动 is yellow, a late one red), not by the status alone.
    let mut counts = Vec::new();
    for st in Status::ALL {
        for light in
            [crate::data::model::Light::Green, crate::data::model::Light::Yellow, crate::data::model::Light::Red]
        {
            let n = ps.tasks.iter().filter(|t| t.status == st && t.light == light).count();
            if n > 0 {
                counts.push(context! { label => st.label(), light => light.id(), light_label => light.label(), n });
            }
        }
    }
    let deadline = ds.office.deadline(period);
    let today = app.clock(req).today();
    let missing: Vec<_> = summary
        .missing_reports
        .iter()
        .map(|u| context! { unit => u, days => (today.days_since_epoch() - deadline.days_since_epoch()).max(0) })
        .collect();
    let late: Vec<_> = summary
        .late_reports
        .iter()
        .map(|l| context! { unit => l.unit.clone(), submitted => l.submitted.to_string(), deadline => l.deadline.to_string(), days_late => l.days_late })
        .collect();
    // 督办事项 as the notice lists them (the same rule picks the tasks that get a 督办通知单).
    let overrides = crate::render::view::Overrides::default();
    let (register, _) = super::orders::register_of(app, ds);
    let inputs = crate::render::view::Inputs {
        ds,
        year: &year.statuses,
        summary,
        overrides: &overrides,
        register: Some(&*register),
    };
    let escalations = crate::render::view::supervision_items(&inputs);
    // 督办事项 the dates flag today (临期, 逾期), from the register.
    let due_items = super::orders::due_items(ds, &register, today);
    let statuses: Vec<_> = Status::ALL.iter().map(|st| context! { id => st.id(), label => st.label() }).collect();
    let sections: Vec<_> =
        plan.sections.iter().map(|x| context! { number => x.number, title => x.title.clone() }).collect();
    // The leader's document: the 领导参阅 and its first-page preview, once built.
    let leader_file = |name: String| {
        out_dir(app, period)
            .ok()
            .and_then(|d| crate::names::join_inside(&d, &name).ok())
            .filter(|p| p.is_file())
            .map(|_| name)
    };
    let leader_pdf = leader_file(format!("{}.pdf", Kind::Leader.label()));
    let leader_preview = leader_file(format!("{}-p1.png", Kind::Leader.label()));
    app.page(
        "dashboard.html",
        Some(s),
        StatusCode::OK,
        context! {
            leader_pdf, leader_preview, rows, counts, missing, late, escalations, due_items, statuses, sections, deadline => deadline.to_string(),
            units => ser(plan.lead_units()), mismatches => ser(&summary.claim_mismatches),
            filter => context! { section => f_section, unit => f_unit, status => f_status },
            ..base
        },
    )
}

/// `GET /task/<number>?period=P`: one task over the quarters up to P.
pub fn task(app: &App, req: &Req) -> Response {
    let (s, plan) = match session_plan(app, req, &[Role::Office, Role::Leader]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(t) = req.args.first().and_then(|n| n.parse::<u32>().ok()).and_then(|n| plan.task(n)) else {
        return not_found_page();
    };
    let period = if req.q("period").is_empty() {
        Period { year: plan.year, quarter: 4 }
    } else {
        match period_arg(&plan, req.q("period")) {
            Ok(p) => p,
            Err(r) => return r,
        }
    };
    let snap = app.snapshot(req);
    let year = match (snap.dataset(), snap.year(period)) {
        (Ok(_), Some(year)) => year,
        (Err(text), _) => return error(StatusCode::OK, "数据有错误", &super::words::web(text)),
        (Ok(_), None) => return internal("no year status"),
    };
    // Who submitted the lead units' reports from the browser, and when (every revision kept), in
    // office time.
    let clock = app.clock(req);
    let submissions = |p: Period| -> Result<Vec<minijinja::Value>, super::store::StoreError> {
        let mut out = Vec::new();
        for u in &t.lead_units {
            for r in app.store.revisions(u, &p.to_string())? {
                out.push(context! { unit => u.clone(), at => clock.format(r.unix), who => r.who, sha => r.sha256[..12.min(r.sha256.len())].to_string() });
            }
        }
        Ok(out)
    };
    let mut quarters = Vec::new();
    for (p, ts) in year.statuses.iter().filter_map(|ps| ps.task(t.number).map(|ts| (ps.period, ts))) {
        let revisions = match submissions(p) {
            Ok(r) => r,
            Err(e) => return db_error(e, None),
        };
        quarters.push(context! { period => p.to_string(), label => ts.label, light => ts.light.id(), reason => ts.reason.clone(),
            revisions,
            narratives => ts.narratives.iter().map(|n| context! { unit => n.unit.clone(), progress => n.progress.clone(),
                problems => n.problems.clone(), next_steps => n.next_steps.clone() }).collect::<Vec<_>>() });
    }
    app.page(
        "task.html",
        Some(s),
        StatusCode::OK,
        context! { task => context! { number => t.number, title => t.title.clone(), text => t.text.clone(), lead_units => t.lead_units.clone() },
            quarters, period => period.to_string(), zone => zone_label(&clock) },
    )
}

// ---------------------------------------------------------------------------------------------
// Documents

/// The file names the pipeline writes for `period` that a request may name: the three documents,
/// their first-page previews, and one 督办通知单 per unit of the plan; each document's .docx
/// draft beside its PDF.
pub(super) fn known_files(plan: &Plan) -> Vec<String> {
    let mut v = Vec::new();
    for k in [Kind::Notice, Kind::Briefing, Kind::Leader] {
        v.push(format!("{}.pdf", k.label()));
        v.push(format!("{}.docx", k.label()));
        v.push(format!("{}-p1.png", k.label()));
    }
    for u in plan.all_units() {
        for stem in [u.to_string(), crate::names::file_name(u)] {
            v.push(format!("{}-{stem}.pdf", Kind::Order.label()));
            v.push(format!("{}-{stem}.docx", Kind::Order.label()));
        }
    }
    v.dedup();
    v
}

/// A page preview the pipeline writes (`季度进展情况通报-p7.png`): its kind and page, for the
/// three documents that have previews; page numbers as the pipeline writes them (1–999, no
/// leading zero).
pub(super) fn page_png(name: &str) -> Option<(Kind, usize)> {
    [Kind::Notice, Kind::Briefing, Kind::Leader].into_iter().find_map(|k| {
        let n = name.strip_prefix(k.label())?.strip_prefix("-p")?.strip_suffix(".png")?;
        let page: usize = n.parse().ok().filter(|p| (1..=999).contains(p))?;
        (page.to_string() == n).then_some((k, page))
    })
}

/// True when a leader may open `name`: the 领导参阅 and its previews.
fn leader_may_open(name: &str) -> bool {
    name == format!("{}.pdf", Kind::Leader.label()) || matches!(page_png(name), Some((Kind::Leader, _)))
}

pub(super) fn out_dir(app: &App, period: Period) -> Result<PathBuf, Response> {
    crate::names::join_inside(&app.opts.out, &period.to_string()).map_err(internal)
}

pub(super) fn documents_page(
    app: &App,
    s: &Session,
    plan: &Plan,
    period: Period,
    extra: minijinja::Value,
    code: StatusCode,
) -> Response {
    let dir = match out_dir(app, period) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let files = known_files(plan);
    let mut documents = Vec::new();
    let mut previews = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let Ok(path) = crate::names::join_inside(&dir, f) else { continue };
        if !path.is_file() {
            continue;
        }
        if f.ends_with(".png") {
            previews.push(f.clone());
        } else if let Some(stem) = f.strip_suffix(".pdf") {
            let id = Kind::ALL
                .iter()
                .find(|k| *f == format!("{}.pdf", k.label()))
                .map(|k| k.id().to_string())
                .unwrap_or(format!("order-{i}"));
            // The .docx draft beside the PDF, offered to the office (only the office sees this page).
            let docx = format!("{stem}.docx");
            let draft = crate::names::join_inside(&dir, &docx).is_ok_and(|p| p.is_file()).then_some(docx);
            documents.push(context! { file => f, id, draft });
        }
    }
    app.page("build.html", Some(s), code, context! { period => period.to_string(), documents, previews, ..extra })
}

/// `GET /build/<period>`: the period's documents and previews, with the build button.
pub fn build_page(app: &App, req: &Req) -> Response {
    let (s, plan) = match session_plan(app, req, &[Role::Office]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match path_period(&plan, req) {
        Ok(p) => documents_page(app, s, &plan, p, context! {}, StatusCode::OK),
        Err(r) => r,
    }
}

/// `POST /build/<period>`: runs the pipeline of `ducha build` with first-page previews.
pub fn build(app: &App, req: &Req) -> Response {
    let (s, plan, period) = match session_plan_period(app, req, &[Role::Office]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let _lock = app.build_lock.lock().unwrap_or_else(|e| e.into_inner());
    let opts = pipeline::BuildOptions {
        data: app.opts.data.clone(),
        period: Some(period),
        out: app.opts.out.clone(),
        only: Vec::new(),
        emit_typst: false,
        templates: crate::templates::Templates::dir_for_build(None),
        font_paths: Vec::new(),
        flavor: crate::engine::PdfFlavor::Plain,
        png: vec![(Kind::Notice, 1), (Kind::Briefing, 1), (Kind::Leader, 1)],
        ofd: false,
        // The office downloads the .docx drafts for 核稿 and 签发.
        docx: true,
    };
    let t = std::time::Instant::now();
    let mut notice_pages = None;
    let result = pipeline::build_with_previews(&opts, &mut |kind, doc| {
        if kind == Kind::Notice {
            notice_pages = Some(crate::engine::page_fingerprints(doc));
        }
        pipeline::fixed_pages(&opts.png, kind, doc.pages().len())
    });
    if let (Ok(_), Some(fp)) = (&result, notice_pages) {
        app.remember_notice_pages(period, fp);
    }
    match result {
        Ok(rep) => {
            if let Err(r) =
                audit(app, req, &s.user.username, "生成公文", &format!("{period} {} 份", rep.documents.len()))
            {
                return r;
            }
            let warnings = super::words::web(&rep.warnings.render(&rep.sources));
            let timing = format!("已生成 {} 份公文，用时 {:.1} 秒。", rep.documents.len(), t.elapsed().as_secs_f64());
            documents_page(
                app,
                s,
                &plan,
                period,
                context! { warnings, timing, message => "公文已生成。" },
                StatusCode::OK,
            )
        }
        Err(e) => {
            let detail = format!("{period} {} 处错误", e.diagnostics.error_count());
            if let Err(r) = audit(app, req, &s.user.username, "生成公文失败", &detail) {
                return r;
            }
            let errors = super::words::web(&e.diagnostics.render(&e.sources));
            documents_page(
                app,
                s,
                &plan,
                period,
                context! { errors, message => "生成失败。", message_kind => "bad" },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// `GET /out/<period>/<file>`: a document or preview. The leader may open the 领导参阅 (and its
/// previews) only.
pub fn download(app: &App, req: &Req) -> Response {
    let (s, plan, period) = match session_plan_period(app, req, &[Role::Office, Role::Leader]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let name = req.args.get(1).map(String::as_str).unwrap_or("");
    if req.args.len() != 2 || !(known_files(&plan).iter().any(|f| f == name) || page_png(name).is_some()) {
        return not_found_page();
    }
    if s.user.role == Role::Leader && !leader_may_open(name) {
        return forbidden();
    }
    let dir = match out_dir(app, period) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Ok(path) = crate::names::join_inside(&dir, name) else { return not_found_page() };
    let Ok(bytes) = std::fs::read(&path) else {
        return error(StatusCode::NOT_FOUND, "文件尚未生成", "请督查室先生成本期公文。");
    };
    let ctype = if name.ends_with(".png") {
        "image/png"
    } else if name.ends_with(".docx") {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    } else {
        "application/pdf"
    };
    // A draft is saved to be edited; PDFs and previews open in the browser.
    let disposition = if name.ends_with(".docx") { "attachment" } else { "inline" };
    file_response(name, ctype, disposition, bytes)
}

/// A file as the answer: its type, and its name (percent-encoded UTF-8) for saving.
pub(super) fn file_response(name: &str, ctype: &str, disposition: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename*=UTF-8''{encoded}")),
        ],
        bytes,
    )
        .into_response()
}
