//! The office's document actions beyond the build: editing the period's `notice.md` in the
//! browser with previews of the pages the edit changed, and archiving the period as
//! `ducha archive` does.
//!
//! A notice edit is saved first (atomically; the text stays even when the notice then fails to
//! build), then only the notice is built ([`pipeline::build_with_previews`] with `only: notice`).
//! Which pages changed is decided by [`crate::engine::page_fingerprints`], compared with the
//! notice as last laid out by this server (the build route records it too; when there is none
//! yet, the notice is laid out once before the edit is saved). At most [`MAX_PREVIEWS`] changed
//! pages get a PNG, so the answer stays within the one-second goal.

// A page's early exit is the response itself (an error page or a redirect), built once per
// request: boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;

use super::pages::{audit, documents_page, internal, out_dir, period_arg, plan_of};
use super::store::{Role, Session};
use super::{auth, App, Req};
use crate::data::model::Period;
use crate::pipeline::{self, BuildOptions, Kind};

/// At most this many changed pages get a PNG preview per edit (about 30 ms each).
pub const MAX_PREVIEWS: usize = 6;

/// `<data>/reports/<period>/notice.md` (the period is one of the plan year's quarters).
fn notice_path(app: &App, period: Period) -> Result<PathBuf, Response> {
    let dir = app.opts.data.join("reports").join(period.to_string());
    crate::names::join_inside(&dir, "notice.md").map_err(internal)
}

/// The notice.md text (BOM removed) and its version (digest of the bytes; `none` when absent).
fn read_notice(path: &std::path::Path) -> (String, String) {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            (text.trim_start_matches('\u{feff}').to_string(), super::store::sha256_hex(&bytes))
        }
        Err(_) => (String::new(), "none".into()),
    }
}

/// The options of a notice-only build of `period` into the server's output folder.
fn notice_build(app: &App, period: Period) -> BuildOptions {
    BuildOptions {
        data: app.opts.data.clone(),
        period: Some(period),
        out: app.opts.out.clone(),
        only: vec![Kind::Notice],
        emit_typst: false,
        // The same overrides as 生成公文 and `ducha build` (so the preview shows what is built).
        templates: crate::templates::Templates::dir_for_build(None),
        font_paths: Vec::new(),
        flavor: crate::engine::PdfFlavor::Plain,
        png: Vec::new(),
        ofd: false,
        // The notice's .docx draft follows each saved edit, as its PDF does.
        docx: true,
    }
}

fn office_period(app: &App, req: &Req) -> Result<(Period, PathBuf), Response> {
    let plan = plan_of(app, req)?;
    let period = period_arg(&plan, req.args.first().map(String::as_str).unwrap_or(""))?;
    Ok((period, notice_path(app, period)?))
}

/// What the notice page shows besides the form.
#[derive(Default)]
struct Shown {
    message: Option<String>,
    bad: bool,
    errors: Option<String>,
    warnings: Option<String>,
    timing: Option<String>,
    previews: Vec<minijinja::Value>,
}

fn notice_page(
    app: &App,
    s: &Session,
    period: Period,
    text: &str,
    version: &str,
    shown: Shown,
    code: StatusCode,
) -> Response {
    let pdf = format!("{}.pdf", Kind::Notice.label());
    let pdf = out_dir(app, period)
        .ok()
        .and_then(|d| crate::names::join_inside(&d, &pdf).ok())
        .filter(|p| p.is_file())
        .map(|_| pdf);
    app.page(
        "notice.html",
        Some(s),
        code,
        context! {
            period => period.to_string(), text, version, sections => crate::render::view::SECTIONS.to_vec(), pdf,
            message => shown.message, message_kind => if shown.bad { "bad" } else { "ok" },
            errors => shown.errors, warnings => shown.warnings, timing => shown.timing, previews => shown.previews,
        },
    )
}

/// The office's session, the period of the URL and its notice.md path — or the page to send.
fn office_notice<'r>(app: &App, req: &'r Req) -> Result<(&'r Session, Period, PathBuf), Response> {
    let s = app.guard(req, &[Role::Office])?;
    let (period, path) = office_period(app, req)?;
    Ok((s, period, path))
}

/// `GET /notice/<period>`: the period's notice.md in a text box.
pub fn notice_form(app: &App, req: &Req) -> Response {
    let (s, period, path) = match office_notice(app, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (text, version) = read_notice(&path);
    notice_page(app, s, period, &text, &version, Shown::default(), StatusCode::OK)
}

/// `POST /notice/<period>` (fields `text`, `version`): saves notice.md, builds the notice and
/// shows the pages that changed.
pub fn notice_save(app: &App, req: &Req) -> Response {
    let started = Instant::now();
    let (s, period, path) = match office_notice(app, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Browsers send CRLF line ends from a text box; the data files use LF.
    let mut text = req.f("text").replace("\r\n", "\n");
    if !text.trim().is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let who = s.user.username.as_str();
    let opts = notice_build(app, period);

    let lock = app.file_lock(&path);
    let write = lock.lock().unwrap_or_else(|e| e.into_inner());
    let (_, current) = read_notice(&path);
    if !auth::same(req.f("version"), &current) {
        let shown = Shown {
            message: Some(
                "未保存：notice.md 在您打开之后已被修改（他人保存，或用命令行改过）。您填写的内容仍在下方；\
                 请核对后再保存，这将覆盖新的版本。"
                    .into(),
            ),
            bad: true,
            ..Default::default()
        };
        return notice_page(app, s, period, &text, &current, shown, StatusCode::CONFLICT);
    }
    let _build = app.build_lock.lock().unwrap_or_else(|e| e.into_inner());
    // The pages as they are before the edit, when this server has not laid the notice out yet.
    if app.notice_pages(period).is_none() {
        let mut before = None;
        let _ = pipeline::layout(&opts, &mut |kind, doc| {
            if kind == Kind::Notice {
                before = Some(crate::engine::page_fingerprints(doc));
            }
        });
        if let Some(fp) = before {
            app.remember_notice_pages(period, fp);
        }
    }
    let saved = if text.trim().is_empty() {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("无法删除 {}：{e}", path.display())),
            _ => Ok(()),
        }
    } else {
        crate::fsutil::write_durable(&path, text.as_bytes()).map_err(|e| crate::diag::causes(&e))
    };
    if let Err(e) = saved {
        return internal(e);
    }
    let (_, version) = read_notice(&path);
    if let Err(r) = audit(app, req, who, "修改通报文字", &format!("{period} notice.md sha256={version}")) {
        return r;
    }
    drop(write);

    let before = app.notice_pages(period);
    let mut after = None;
    let mut changed = Vec::new();
    let result = pipeline::build_with_previews(&opts, &mut |kind, doc| {
        if kind != Kind::Notice {
            return Vec::new();
        }
        let fp = crate::engine::page_fingerprints(doc);
        changed = (1..=fp.len()).filter(|&p| before.as_ref().and_then(|b| b.get(p - 1)) != Some(&fp[p - 1])).collect();
        after = Some(fp);
        changed.iter().copied().take(MAX_PREVIEWS).collect()
    });
    let took = started.elapsed().as_secs_f64();
    match result {
        Ok(rep) => {
            if let Some(fp) = after {
                app.remember_notice_pages(period, fp);
            }
            let pages = rep.documents.first().map(|d| d.pages).unwrap_or(0);
            let previews: Vec<_> = rep
                .previews
                .iter()
                .filter_map(|f| super::pages::page_png(f).map(|(_, page)| context! { file => f, page }))
                .collect();
            let message = match changed.len() {
                0 => format!("已保存。通报共 {pages} 页，没有页面发生变化。"),
                n if n > MAX_PREVIEWS => format!(
                    "已保存。通报共 {pages} 页，其中 {n} 页有变化（多为其后各页随之移动），下面是前 {MAX_PREVIEWS} 页；其余请打开 PDF 查看。"
                ),
                n => format!("已保存。通报共 {pages} 页，其中 {n} 页有变化，见下面的预览。"),
            };
            let warnings = (!rep.warnings.is_empty()).then(|| super::words::web(&rep.warnings.render(&rep.sources)));
            let shown = Shown {
                message: Some(message),
                warnings,
                timing: Some(format!("从保存到新预览用时 {:.2} 秒（目标 1 秒内）。", took)),
                previews,
                ..Default::default()
            };
            notice_page(app, s, period, &text, &version, shown, StatusCode::OK)
        }
        Err(e) => {
            let detail = format!("{period} {} 处错误", e.diagnostics.error_count());
            if let Err(r) = audit(app, req, who, "生成通报失败", &detail) {
                return r;
            }
            let shown = Shown {
                message: Some("notice.md 已保存，但通报未能生成；之前生成的通报保持不变。".into()),
                bad: true,
                errors: Some(super::words::web(&e.diagnostics.render(&e.sources))),
                timing: Some(format!("用时 {took:.2} 秒。")),
                ..Default::default()
            };
            notice_page(app, s, period, &text, &version, shown, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// `POST /archive/<period>` (field `revise=1` to file changed documents as new revisions): files
/// the period into the archive folder with [`crate::archive::archive`], then verifies it.
pub fn archive(app: &App, req: &Req) -> Response {
    let s = match app.guard(req, &[Role::Office]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let plan = match plan_of(app, req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let period = match period_arg(&plan, req.args.first().map(String::as_str).unwrap_or("")) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let revise = req.f("revise") == "1";
    // As `ducha archive`: PDF/A-3b, the built-in templates (the record never depends on the
    // working directory), the sources attached.
    let opts = crate::archive::ArchiveOptions {
        build: BuildOptions {
            flavor: crate::engine::PdfFlavor::A3b,
            only: Vec::new(),
            templates: None,
            docx: false,
            ..notice_build(app, period)
        },
        root: app.opts.archive.clone(),
        revise,
        stamp: false,
        ofd: false,
    };
    let _build = app.build_lock.lock().unwrap_or_else(|e| e.into_inner());
    match crate::archive::archive(&opts) {
        Ok(r) => {
            let detail = format!(
                "{period} 新归档 {}，修订 {}，未变 {}{}",
                r.added.len(),
                r.revised.len(),
                r.unchanged.len(),
                if revise { "（修订模式）" } else { "" }
            );
            if let Err(r) = audit(app, req, &s.user.username, "归档", &detail) {
                return r;
            }
            let problems: Vec<String> = crate::archive::verify(&r.dir)
                .iter()
                .map(|p| format!("错误: {}\n  位置：{}", super::words::web(&p.message), p.file))
                .collect();
            let pair = |v: &[(String, String)]| -> Vec<minijinja::Value> {
                v.iter().map(|(file, code)| context! { file, code }).collect()
            };
            let archive = context! {
                added => pair(&r.added), revised => pair(&r.revised), unchanged => r.unchanged.clone(),
                dir => r.dir.display().to_string(), problems => problems.join("\n"),
            };
            let warnings = (!r.warnings.is_empty()).then(|| super::words::web(&r.warnings.render(&r.sources)));
            let message = if problems.is_empty() {
                "归档完成。"
            } else {
                "归档完成，但校验发现问题（见下）。"
            };
            documents_page(
                app,
                s,
                &plan,
                period,
                context! { archive, warnings, message, message_kind => if problems.is_empty() { "ok" } else { "bad" } },
                StatusCode::OK,
            )
        }
        Err(e) => {
            let detail = format!("{period} {} 处错误", e.diagnostics.error_count());
            if let Err(r) = audit(app, req, &s.user.username, "归档未完成", &detail) {
                return r;
            }
            let mut archive_errors = super::words::web(&e.diagnostics.render(&e.sources));
            archive_errors.push_str("归档未作任何改动。");
            documents_page(
                app,
                s,
                &plan,
                period,
                context! { archive_errors, message => "归档未完成。", message_kind => "bad" },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
