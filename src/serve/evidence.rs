//! 佐证材料 through the web (docs/rules.md §21): a unit uploads files to the tasks of its report,
//! downloads its own, sees the office's decision and replaces a returned file; the office sees
//! each task's files beside the report text, with image thumbnails, and marks each 采信 or 退回
//! with a reason. The bytes, their type and the index are the library's ([`crate::evidence`]);
//! this module is the HTTP door.
//!
//! Uploads are streamed: the multipart body is read chunk by chunk into a temp file inside the
//! data directory (`evidence/tmp/`) while the SHA-256 and the size are counted, so memory holds
//! one chunk per upload whatever the body's size. A body whose `Content-Length` exceeds what a
//! report may hold is refused before a byte of it is read; a file passing the per-file limit
//! stops being written at once (the rest of the body is read and dropped, up to the report's
//! bound, so the browser gets the page with the typed text instead of a broken connection); a
//! body passing the report's bound is cut off there. The session and the CSRF token are checked
//! before any file byte reaches the disk: the form's hidden `csrf` field comes first.
//!
//! [`multipart_door`] is the one streaming door for a unit's multipart form: the report form's
//! uploads here, and a reply to an order item with its files ([`super::orders::reply_upload`]).
//!
//! The upload buttons sit inside the report form and post the whole form (`formenctype`
//! multipart), so the text typed so far is kept as the unit's draft, refused file or not
//! ([`super::pages::report_after_upload`]).
//!
//! Downloads are streamed from disk in 64 KiB chunks ([`FileBody`]), never read whole and holding
//! no thread while the client is slow to read, and carry
//! `Content-Length`, `Content-Disposition: attachment` with a safe name (RFC 5987 `filename*` for
//! Chinese), the type sniffed from the bytes and `nosniff`; the inline view (images and PDFs
//! only) adds `Content-Security-Policy: sandbox`. A unit opens only files in its own reports (by
//! hash: another unit's file is 403) and the reply files of its order items, a leader none, the
//! office all.
#![allow(clippy::result_large_err)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::pages::{self, error, forbidden};
use super::store::Role;
use super::{auth, App, Req};
use crate::data::model::{Period, Plan};
use crate::evidence::store::clean_name;
use crate::evidence::{Decision, EvidenceConfig, FileKind, Meta, Owner, Record, Store as EvStore, StoreError};

/// The form field of a new file for task N: `file_t<N>`.
pub const FILE_FIELD: &str = "file_t";
/// The form field of a replacement for a returned file: `replace_t<N>_<sha256>`.
pub const REPLACE_FIELD: &str = "replace_t";
/// Most files one upload may carry (a phone's “select all” should not become a hundred files).
pub const MAX_FILES_PER_UPLOAD: usize = 20;

// ---------------------------------------------------------------------------------------------
// Names

/// A `Content-Disposition` value: `attachment` (or `inline`) with an ASCII `filename` (every
/// other character `_`) and the real name as RFC 5987 `filename*=UTF-8''…` (percent-encoded
/// UTF-8), which browsers prefer. `name` is the index's cleaned name; it gets the extension of
/// the sniffed type when it does not end with it (the bytes decide what the file is).
pub fn disposition(kind: &str, name: &str, ext: &str) -> String {
    let name = clean_name(name);
    let name = if name.to_lowercase().ends_with(&format!(".{ext}")) { name } else { format!("{name}.{ext}") };
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';' | '%') || c == ' ' { c } else { '_' })
        .collect();
    let encoded = super::http_client::encode(&name);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A size as people read it: `1.5 MB`, `320 KB`, `12 字节`.
pub fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let mb = bytes as f64 / MB as f64;
        format!("{} MB", crate::numerals::shortest((mb * 10.0).floor() / 10.0))
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} 字节")
    }
}

// ---------------------------------------------------------------------------------------------
// Receiving an upload

/// Where a file field of the form sends its file.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A new file for task N (`file_t<N>`).
    New(u32),
    /// A replacement, for task N, of the returned file with this SHA-256 (`replace_t<N>_<sha>`).
    Replace(u32, String),
}

impl Target {
    /// The target a form field names, if it names one.
    pub fn of_field(name: &str) -> Option<Target> {
        if let Some(n) = name.strip_prefix(FILE_FIELD) {
            return n.parse().ok().filter(|_| n.bytes().all(|b| b.is_ascii_digit())).map(Target::New);
        }
        let rest = name.strip_prefix(REPLACE_FIELD)?;
        let (n, sha) = rest.split_once('_')?;
        let task = n.parse().ok().filter(|_| n.bytes().all(|b| b.is_ascii_digit()))?;
        crate::evidence::index::is_sha256(sha).then(|| Target::Replace(task, sha.to_string()))
    }

    /// The task the file is for.
    pub fn task(&self) -> u32 {
        match self {
            Target::New(t) | Target::Replace(t, _) => *t,
        }
    }
}

/// A temp file that is removed when dropped (the store moves it away or deletes it; an upload
/// cut short leaves nothing behind either).
pub struct Temp {
    path: PathBuf,
}

impl Temp {
    /// Creates a new, empty temp file with a random name in `dir` (created when missing).
    fn create(dir: &Path) -> std::io::Result<(Temp, std::fs::File)> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("upload-{}", auth::token()));
        let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
        Ok((Temp { path }, file))
    }

    /// Where the temp file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A file received whole, within the per-file limit.
pub struct Incoming {
    pub target: Target,
    /// The name the browser sent, made safe to show ([`clean_name`]).
    pub name: String,
    pub temp: Temp,
    pub sha256: String,
    pub size: u64,
}

/// What an upload's body held.
#[derive(Default)]
pub struct Received {
    /// The text fields (the report form's typed text, `csrf`, `version`).
    pub fields: Vec<(String, String)>,
    pub files: Vec<Incoming>,
    /// Files refused while streaming (too large, empty, too many), each a message naming it.
    pub refused: Vec<String>,
}

/// The bounds of one upload, from `office.yaml`'s `evidence:` block.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Largest file (bytes).
    pub max_file: u64,
    /// Largest whole body (bytes): what a report may hold plus room for the form's text.
    pub max_body: u64,
}

/// Reads the multipart body: text fields into memory (at most [`super::BODY_LIMIT`] in all),
/// each file into a temp file in `tmp` while hashing it. `csrf` is the session's token: a file
/// part before a matching `csrf` field is refused (nothing is written for a forged form).
pub async fn receive(mp: &mut Multipart, csrf: &str, tmp: &Path, bounds: Bounds) -> Result<Received, Response> {
    let mut got = Received::default();
    let mut body: u64 = 0;
    let mut text: usize = 0;
    let mut csrf_ok = false;
    let too_big = |b: Bounds| {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "上传的内容太大",
            &format!(
                "一次上传的文件合计不能超过 {}。请分几次上传，或把文件压缩、拆分后再上传；按浏览器的“后退”可回到刚才填写的页面。",
                size_text(b.max_body.saturating_sub(super::BODY_LIMIT as u64))
            ),
        )
    };
    let broken = || {
        error(
            StatusCode::BAD_REQUEST,
            "上传没有完成",
            "连接中断，或上传的内容格式有误（例如文件名含有控制字符）。请检查文件名，重新选择文件后再上传；按浏览器的“后退”可回到刚才填写的页面。",
        )
    };
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(broken()),
        };
        let name = field.name().unwrap_or("").to_string();
        let Some(sent_name) = field.file_name().map(String::from) else {
            // A text field.
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
                body += chunk.len() as u64;
                text += chunk.len();
                if text > super::BODY_LIMIT {
                    return Err(pages::rejected(StatusCode::PAYLOAD_TOO_LARGE));
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8_lossy(&value).into_owned();
            if name == "csrf" {
                csrf_ok = auth::same(&value, csrf);
            }
            got.fields.push((name, value));
            continue;
        };
        if !csrf_ok {
            return Err(error(StatusCode::FORBIDDEN, "表单已失效", "请返回上一页刷新后重新上传。"));
        }
        let shown = clean_name(&sent_name);
        let target = Target::of_field(&name);
        // A file input left empty still sends a part with an empty name and no bytes.
        let wanted = target.is_some() && !(sent_name.is_empty());
        let too_many = got.files.len() >= MAX_FILES_PER_UPLOAD;
        let mut sink = if wanted && !too_many {
            let (temp, file) = Temp::create(tmp).map_err(pages::internal)?;
            Some((temp, std::io::BufWriter::with_capacity(64 * 1024, file), Sha256::new()))
        } else {
            None
        };
        let mut size: u64 = 0;
        let mut over = false;
        while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
            body += chunk.len() as u64;
            if body > bounds.max_body {
                return Err(too_big(bounds));
            }
            size += chunk.len() as u64;
            if size > bounds.max_file {
                // Stop writing at once; the rest of this part is read and dropped.
                over = true;
                sink = None;
                continue;
            }
            if let Some((_, w, h)) = sink.as_mut() {
                h.update(&chunk);
                w.write_all(&chunk).map_err(pages::internal)?;
            }
        }
        if !wanted {
            continue;
        }
        let Some(target) = target else { continue };
        if too_many {
            got.refused.push(format!("“{shown}”未上传：一次最多上传 {MAX_FILES_PER_UPLOAD} 个文件，请分几次上传"));
        } else if over {
            got.refused.push(format!(
                "“{shown}”未上传：文件大小超过单个文件的上限 {}（{}），请压缩或拆分后再上传",
                size_text(bounds.max_file),
                size_text(size)
            ));
        } else if size == 0 {
            got.refused.push(format!("“{shown}”未上传：这是一个空文件（0 字节），请重新选择文件"));
        } else if let Some((temp, w, h)) = sink {
            let file = w.into_inner().map_err(|e| pages::internal(e.error()))?;
            file.sync_all().map_err(pages::internal)?;
            let sha256 = format!("{:x}", h.finalize());
            got.files.push(Incoming { target, name: shown, temp, sha256, size });
        }
    }
    Ok(got)
}

/// The session behind a request's cookie, looked up before its body is read, and the office's
/// `evidence:` settings.
async fn session_of(
    app: &Arc<App>,
    cookies: &str,
) -> Result<(Option<super::store::Session>, EvidenceConfig), Response> {
    let id = auth::cookie(cookies, auth::SESSION_COOKIE).map(String::from);
    let app = app.clone();
    let look = move || {
        let cfg = app.data.snapshot(&app.opts.data).office().map(|o| o.evidence).unwrap_or_default();
        id.map(|id| app.store.session(&id)).transpose().map(|s| (s.flatten(), cfg))
    };
    match tokio::task::spawn_blocking(look).await {
        Ok(Ok(x)) => Ok(x),
        Ok(Err(e)) => Err(pages::db_error(e, None)),
        Err(e) => Err(pages::internal(e)),
    }
}

/// `POST /evidence/<period>`: the report form posted as multipart by one of its upload buttons.
/// Checked in this order, each before reading more: a unit's session (else 403 / 登录已过期, the
/// body unread), the `Content-Length` against the bound, the CSRF field, each file's size while
/// it streams; then [`upload_page`] stores the files and shows the form again.
pub async fn upload(State(app): State<Arc<App>>, req: Request) -> Response {
    multipart_door(app, req, upload_page, None).await
}

/// What a multipart door does with a received body (in a blocking task): the request with the
/// body's text fields as its form, and the files.
pub(super) type Then = fn(&App, &Req, Received) -> Response;

/// What a multipart door shows when the session has ended: the request with the body's text
/// fields (every file part read and dropped), e.g. the login page carrying the typed text.
pub(super) type Expired = fn(&App, &Req) -> Response;

/// A multipart form posted by a unit with files (the report form's uploads, a reply to an order
/// item): the session looked up before the body is read (403 unless a unit's; an expired one
/// gets `expired` with the typed text when given, else 登录已过期), the `Content-Length` against
/// the bound, then [`receive`] and `then`. Path segments after the first are the request's args.
pub(super) async fn multipart_door(app: Arc<App>, req: Request, then: Then, expired: Option<Expired>) -> Response {
    let cookies = req.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let addr = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into());
    let uri = req.uri().clone();
    let (session, cfg) = match session_of(&app, &cookies).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let session_id = auth::cookie(&cookies, auth::SESSION_COOKIE).map(String::from);
    let Some(session) = session else {
        return match (&session_id, expired) {
            (Some(_), Some(expired)) => expired_with_text(app, req, session_id, cfg, expired).await,
            (Some(_), None) => pages::expired(),
            (None, _) => forbidden(),
        };
    };
    if session.user.role != Role::Unit || session.user.must_change {
        return forbidden();
    }
    let bounds = bounds_of(&cfg);
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > bounds.max_body) {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "上传的内容太大",
            &format!(
                "一次上传的文件合计不能超过 {}，单个文件不能超过 {}。请分几次上传，或把文件压缩、拆分后再上传。",
                size_text(bounds.max_body.saturating_sub(super::BODY_LIMIT as u64)),
                size_text(bounds.max_file)
            ),
        );
    }
    let mut mp = match Multipart::from_request(req, &()).await {
        Ok(m) => m,
        Err(rejection) => return pages::rejected(rejection.status()),
    };
    let tmp = match EvStore::new(&app.opts.data).temp_dir() {
        Ok(t) => t,
        Err(e) => return pages::internal(e),
    };
    let received = match receive(&mut mp, &session.csrf, &tmp, bounds).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let args: Vec<String> = uri.path().split('/').filter(|s| !s.is_empty()).skip(1).map(super::decode).collect();
    let query = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| super::pairs(q.0))
        .unwrap_or_default();
    let task = tokio::task::spawn_blocking(move || {
        let form = super::pairs(received.fields.clone());
        let r = Req {
            method: Method::POST,
            args,
            query,
            form,
            cookies,
            addr,
            session: Some(session),
            session_id,
            snapshot: Default::default(),
        };
        then(&app, &r, received)
    });
    task.await.unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误", "请稍后重试。"))
}

/// [`multipart_door`] without a session: the text fields of the body (at most
/// [`super::BODY_LIMIT`]; file parts are read and dropped, the whole body bounded as an upload),
/// handed to `expired`.
async fn expired_with_text(
    app: Arc<App>,
    req: Request,
    session_id: Option<String>,
    cfg: EvidenceConfig,
    expired: Expired,
) -> Response {
    let cookies = req.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let uri = req.uri().clone();
    let bounds = bounds_of(&cfg);
    let mut mp = match Multipart::from_request(req, &()).await {
        Ok(m) => m,
        Err(rejection) => return pages::rejected(rejection.status()),
    };
    let mut fields = Vec::new();
    let (mut body, mut text) = (0u64, 0usize);
    while let Ok(Some(mut field)) = mp.next_field().await {
        let is_file = field.file_name().is_some();
        let name = field.name().unwrap_or("").to_string();
        let mut value = Vec::new();
        while let Ok(Some(chunk)) = field.chunk().await {
            body += chunk.len() as u64;
            if body > bounds.max_body {
                return pages::expired();
            }
            if !is_file {
                text += chunk.len();
                if text > super::BODY_LIMIT {
                    return pages::expired();
                }
                value.extend_from_slice(&chunk);
            }
        }
        if !is_file {
            fields.push((name, String::from_utf8_lossy(&value).into_owned()));
        }
    }
    let args: Vec<String> = uri.path().split('/').filter(|s| !s.is_empty()).skip(1).map(super::decode).collect();
    let task = tokio::task::spawn_blocking(move || {
        let r = Req {
            method: Method::POST,
            args,
            query: Default::default(),
            form: super::pairs(fields),
            cookies,
            addr: String::new(),
            session: None,
            session_id,
            snapshot: Default::default(),
        };
        expired(&app, &r)
    });
    task.await.unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误", "请稍后重试。"))
}

// ---------------------------------------------------------------------------------------------
// Storing, listing

/// The office's `evidence:` settings as this request sees office.yaml (the defaults while it
/// cannot be read).
fn config(app: &App, req: &Req) -> EvidenceConfig {
    app.snapshot(req).office().map(|o| o.evidence).unwrap_or_default()
}

/// An upload's bounds from the settings: a file as `max_file`; a body as a report's whole
/// `max_report` plus the form's text ([`super::BODY_LIMIT`]).
pub fn bounds_of(cfg: &EvidenceConfig) -> Bounds {
    Bounds { max_file: cfg.max_file, max_body: cfg.max_report.saturating_add(super::BODY_LIMIT as u64) }
}

/// The store of the server's data directory.
fn store(app: &App) -> EvStore {
    EvStore::new(&app.opts.data)
}

/// The owner of a task's files in a unit's report.
fn owner(period: Period, unit: &str, task: u32) -> Owner {
    Owner::Task { period, unit: unit.to_string(), task }
}

/// Stores the received files of the unit's report (each for one of its own lead tasks), then shows
/// the form again with what was stored and what was refused, the typed text kept as the draft.
pub fn upload_page(app: &App, req: &Req, got: Received) -> Response {
    let (s, plan, unit, period, _) = match pages::unit_report(app, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let cfg = config(app, req);
    let clock = app.clock(req);
    let ev = store(app);
    let own: Vec<u32> = super::report::lead_tasks(&plan, unit).iter().map(|t| t.number).collect();
    let mut refused = got.refused;
    let mut stored = Vec::new();
    for f in got.files {
        let task = f.target.task();
        if !own.contains(&task) {
            refused.push(format!("“{}”未上传：第 {task} 项任务不是本单位牵头的任务", f.name));
            continue;
        }
        let meta = Meta {
            name: f.name.clone(),
            owner: owner(period, unit, task),
            uploaded_by: s.user.username.clone(),
            slot: None,
        };
        let result = match &f.target {
            Target::New(_) => ev.put(f.temp.path(), &f.sha256, f.size, &meta, &cfg, &clock),
            Target::Replace(_, old) => ev.replace(f.temp.path(), &f.sha256, f.size, &meta, old, &cfg, &clock),
        };
        match result {
            Ok(rec) => {
                let what = match &f.target {
                    Target::New(_) => "上传佐证材料",
                    Target::Replace(..) => "替换佐证材料",
                };
                let detail = format!("{unit} {period} 第{task}项 {} sha256={}", rec.name, rec.sha256);
                if let Err(r) = pages::audit(app, req, &s.user.username, what, &detail) {
                    return r;
                }
                stored.push(format!("第{task}项“{}”", rec.name));
            }
            Err(e) => {
                if matches!(e, StoreError::Io(_) | StoreError::Lock { .. } | StoreError::Write(_) | StoreError::Yaml(_))
                {
                    eprintln!("ducha serve：佐证材料保存失败：{}", crate::diag::causes(&e));
                }
                refused.push(match e {
                    StoreError::Refused(_) | StoreError::TooLarge { .. } | StoreError::ReportFull { .. } => {
                        format!("{e}（未上传）")
                    }
                    other => format!("“{}”未上传：{other}", f.name),
                });
            }
        }
    }
    let mut note = String::new();
    if !stored.is_empty() {
        note.push_str(&format!("已上传 {} 份佐证材料：{}。", stored.len(), stored.join("、")));
    }
    if !refused.is_empty() {
        note.push_str(&format!("有 {} 个文件未上传：{}。", refused.len(), refused.join("；")));
    }
    if stored.is_empty() && refused.is_empty() {
        note.push_str("没有选择文件：请先在“选择文件”或“拍照上传”中选好文件，再点“上传所选文件”。");
    }
    pages::report_after_upload(app, req, &note, !refused.is_empty() || stored.is_empty())
}

/// One file as the pages show it.
#[derive(serde::Serialize)]
pub(super) struct FileView {
    sha256: String,
    name: String,
    kind: &'static str,
    size: String,
    task: u32,
    /// `accepted`, `returned` or `pending` (a CSS class and the test's hook).
    decision: &'static str,
    decision_label: String,
    reason: String,
    href: String,
    /// The inline view (images and PDFs).
    view: Option<String>,
    /// An image: shown as a thumbnail.
    thumb: bool,
    uploaded: String,
}

/// The page's view of a record (`task`: its task, 0 for an order reply's file).
pub(super) fn view_of(r: &Record, task: u32) -> FileView {
    let (decision, decision_label, reason) = match &r.review {
        Some(v) if v.decision == Decision::Accepted => {
            ("accepted", format!("已采信（{} {}）", v.by, v.at), v.reason.clone().unwrap_or_default())
        }
        Some(v) => ("returned", format!("已退回（{} {}）", v.by, v.at), v.reason.clone().unwrap_or_default()),
        None => ("pending", "待督查室审核".to_string(), String::new()),
    };
    let inline = r.kind.is_image() || r.kind == FileKind::Pdf;
    FileView {
        sha256: r.sha256.clone(),
        name: r.name.clone(),
        kind: r.kind.label(),
        size: size_text(r.size),
        task,
        decision,
        decision_label,
        reason,
        href: format!("/evidence/file/{}", r.sha256),
        view: inline.then(|| format!("/evidence/view/{}", r.sha256)),
        thumb: r.kind.is_image(),
        uploaded: format!("{} {}", r.uploaded_by, r.uploaded_at),
    }
}

/// The current (not replaced) files of a unit's report by task.
fn current_files(app: &App, period: Period, unit: &str) -> Result<Vec<(u32, Record)>, StoreError> {
    let records = store(app).list(&owner(period, unit, 0))?;
    Ok(records.into_iter().filter(|r| r.replaced_by.is_none()).filter_map(|r| Some((r.task()?, r))).collect())
}

/// What the report form shows of the evidence: each task's files (`files["t2"]`), the accepted
/// types and the limits.
pub fn report_files(app: &App, req: &Req, unit: &str, period: Period) -> minijinja::Value {
    let cfg = config(app, req);
    let mut files: std::collections::BTreeMap<String, Vec<FileView>> = Default::default();
    match current_files(app, period, unit) {
        Ok(list) => {
            for (task, r) in list {
                files.entry(format!("t{task}")).or_default().push(view_of(&r, task));
            }
        }
        Err(e) => eprintln!("ducha serve：读取佐证材料索引出错：{}", crate::diag::causes(&e)),
    }
    // The plan's named materials per task (所需佐证材料), shown as a hint: optional, never counted.
    let mut slots: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    if let Ok(plan) = app.snapshot(req).plan() {
        for t in super::report::lead_tasks(&plan, unit).into_iter().filter(|t| !t.evidence.is_empty()) {
            slots.insert(format!("t{}", t.number), t.evidence.clone());
        }
    }
    minijinja::context! {
        files => pages::ser(files),
        slots,
        accept => ACCEPT,
        kinds => "PDF、OFD、JPEG、PNG、DOCX、XLSX、WPS/ET 文件",
        max_file => size_text(cfg.max_file),
        max_report => size_text(cfg.max_report),
    }
}

/// The `accept` list of the file inputs (a hint for the picker; the bytes decide).
pub const ACCEPT: &str = ".pdf,.ofd,.jpg,.jpeg,.png,.docx,.xlsx,.wps,.et,application/pdf,image/jpeg,image/png";

// ---------------------------------------------------------------------------------------------
// Downloads

/// `GET /evidence/file/<sha256>`: the file as an attachment.
pub fn download(app: &App, req: &Req) -> Response {
    file_response(app, req, false)
}

/// `GET /evidence/view/<sha256>`: an image or PDF shown in the browser (thumbnails, “查看”),
/// sandboxed.
pub fn view(app: &App, req: &Req) -> Response {
    file_response(app, req, true)
}

fn file_response(app: &App, req: &Req, inline: bool) -> Response {
    let s = match app.guard(req, &[Role::Unit, Role::Office]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let sha = req.args.get(1).map(String::as_str).unwrap_or("");
    if req.args.len() != 2 || !crate::evidence::index::is_sha256(sha) {
        return pages::not_found_page();
    }
    let (reviews, _, _) = store(app).load_all();
    let Some(found) = reviews.find(sha) else { return pages::not_found_page() };
    // A unit: only what its own reports list, under its own name for the file.
    let record = if s.user.role == Role::Unit {
        let unit = s.user.unit.as_deref().unwrap_or("");
        // Its own files, and those its order items' replies attach (承办 and 协办 read alike).
        if !reviews.unit_may_read(unit, sha) && !super::orders::unit_may_read_reply(app, req, unit, sha) {
            return forbidden();
        }
        let mut own = reviews.reports.values().chain(reviews.orders.values()).flatten();
        own.rfind(|r| r.owner.unit() == unit && r.sha256 == sha).unwrap_or(found)
    } else {
        found
    };
    if inline && !(record.kind.is_image() || record.kind == FileKind::Pdf) {
        return error(StatusCode::NOT_FOUND, "不能在浏览器中查看", "这类文件请下载后用相应软件打开。");
    }
    let Some(path) = store(app).object_path(sha) else { return pages::not_found_page() };
    let (file, len) = match std::fs::File::open(&path).and_then(|f| f.metadata().map(|m| (f, m.len()))) {
        Ok(x) => x,
        Err(e) => return pages::internal(format!("{}: {e}", path.display())),
    };
    let mut r = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, record.kind.mime().to_string()),
            (
                header::CONTENT_DISPOSITION,
                disposition(if inline { "inline" } else { "attachment" }, &record.name, record.kind.extension()),
            ),
            (header::CONTENT_LENGTH, len.to_string()),
            // Content-addressed: the bytes of a hash never change.
            (header::CACHE_CONTROL, "private, max-age=86400".to_string()),
        ],
        axum::body::Body::new(FileBody::open(file, len)),
    )
        .into_response();
    if inline {
        // Whatever the bytes might also be, they run nothing and reach nothing of this site.
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static("sandbox"));
    }
    r
}

/// Bytes read from disk per chunk of a download.
pub const DOWNLOAD_CHUNK: usize = 64 * 1024;
/// Chunks read ahead of the client (so a download holds at most this many + 1 chunks in memory).
const DOWNLOAD_AHEAD: usize = 4;

/// A stored file as a response body, streamed: an async task reads it in chunks of
/// [`DOWNLOAD_CHUNK`], each read on the blocking pool, and hands them over through a channel of
/// [`DOWNLOAD_AHEAD`], so a 20 MB file never sits in memory whole, and a client that stops
/// reading stops the reader (the channel fills; a closed connection drops the receiver and ends
/// the task). While it waits for the client the task holds no thread: a blocking thread is taken
/// only for the read of one chunk, so clients that stall (a phone on a weak signal, or many at
/// once) cannot use up the pool every other request's file work runs on. Exactly `len` bytes are
/// sent (the `Content-Length`); a file that turns out shorter ends the body with an error, which
/// closes the connection rather than sending a short file as if whole.
struct FileBody {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<axum::body::Bytes>>,
    remaining: u64,
}

/// Reads the next chunk of at most `want` bytes from `file` on the blocking pool and returns
/// the file with it (an early end of file is an error: the length was promised).
async fn read_chunk(
    mut file: std::fs::File,
    want: usize,
) -> (Option<std::fs::File>, std::io::Result<axum::body::Bytes>) {
    let read = tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let mut buf = vec![0u8; want];
        loop {
            return match file.read(&mut buf) {
                Ok(0) => (Some(file), Err(std::io::ErrorKind::UnexpectedEof.into())),
                Ok(n) => {
                    buf.truncate(n);
                    (Some(file), Ok(axum::body::Bytes::from(buf)))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => (Some(file), Err(e)),
            };
        }
    });
    // A read that panicked (or a runtime shutting down) ends the body with an error.
    read.await.unwrap_or_else(|e| (None, Err(std::io::Error::other(e))))
}

impl FileBody {
    fn open(file: std::fs::File, len: u64) -> FileBody {
        let (tx, rx) = tokio::sync::mpsc::channel(DOWNLOAD_AHEAD);
        tokio::spawn(async move {
            let mut file = Some(file);
            let mut left = len;
            while let (Some(f), true) = (file.take(), left > 0) {
                let (f, chunk) = read_chunk(f, DOWNLOAD_CHUNK.min(usize::try_from(left).unwrap_or(usize::MAX))).await;
                file = f;
                if let Ok(bytes) = &chunk {
                    left = left.saturating_sub(bytes.len() as u64);
                }
                let failed = chunk.is_err();
                // A send fails when the client went away: stop reading.
                if tx.send(chunk).await.is_err() || failed {
                    break;
                }
            }
        });
        FileBody { rx, remaining: len }
    }
}

impl http_body::Body for FileBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.remaining == 0 {
            return std::task::Poll::Ready(None);
        }
        self.rx.poll_recv(cx).map(|chunk| match chunk {
            Some(Ok(bytes)) => {
                self.remaining = self.remaining.saturating_sub(bytes.len() as u64);
                Some(Ok(http_body::Frame::data(bytes)))
            }
            Some(Err(e)) => Some(Err(e)),
            None => Some(Err(std::io::ErrorKind::UnexpectedEof.into())),
        })
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

// ---------------------------------------------------------------------------------------------
// The office's review

/// The office's session, the plan, and the period and task number of
/// `/evidence/review/<period>/<task>` (404 unless a quarter of the plan year and a task of the plan).
fn office_review<'r>(app: &App, req: &'r Req) -> Result<(&'r super::store::Session, Arc<Plan>, Period, u32), Response> {
    let s = app.guard(req, &[Role::Office])?;
    let plan = pages::plan_of(app, req)?;
    if req.args.len() != 3 {
        return Err(pages::not_found_page());
    }
    let period = pages::period_arg(&plan, &req.args[1])?;
    let task = req.args[2].parse::<u32>().ok().filter(|n| plan.task(*n).is_some()).ok_or_else(pages::not_found_page)?;
    Ok((s, plan, period, task))
}

/// `GET /evidence/review/<period>/<task>`: each lead unit's report text for the task beside its
/// files (thumbnails for images, PDFs to open), each with 采信 / 退回 and a reason.
pub fn review_page(app: &App, req: &Req) -> Response {
    review_with(app, req, None, StatusCode::OK)
}

fn review_with(app: &App, req: &Req, message: Option<(&str, bool)>, code: StatusCode) -> Response {
    let (s, plan, period, n) = match office_review(app, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(task) = plan.task(n) else { return pages::not_found_page() };
    let loaded = app.snapshot(req).loaded();
    let mut units = Vec::new();
    for u in &task.lead_units {
        let entry = loaded
            .reports
            .iter()
            .find(|(dir, p)| *dir == period.to_string() && p.value.unit.trim() == u.as_str())
            .and_then(|(_, p)| p.value.entries.iter().find(|e| e.task == task.number).cloned());
        let all = match store(app).list(&owner(period, u, task.number)) {
            Ok(list) => list,
            Err(e) => return pages::internal(crate::diag::causes(&e)),
        };
        let mine = |r: &&Record| r.task() == Some(task.number);
        let files: Vec<FileView> =
            all.iter().filter(mine).filter(|r| r.replaced_by.is_none()).map(|r| view_of(r, task.number)).collect();
        let history: Vec<FileView> =
            all.iter().filter(mine).filter(|r| r.replaced_by.is_some()).map(|r| view_of(r, task.number)).collect();
        units.push(minijinja::context! {
            unit => u,
            reported => entry.is_some(),
            progress => entry.as_ref().map(|e| e.progress.clone()).unwrap_or_default(),
            claim => entry.as_ref().and_then(|e| e.claim.clone()).unwrap_or_default(),
            listed => entry.as_ref().map(|e| e.evidence.clone()).unwrap_or_default(),
            files => pages::ser(files),
            history => pages::ser(history),
        });
    }
    let status = app.snapshot(req).year(period).and_then(|y| {
        y.statuses.last().and_then(|ps| ps.task(task.number)).map(|t| (t.label.to_string(), t.reason.clone()))
    });
    let cfg = config(app, req);
    let (message, bad) = message.unwrap_or(("", false));
    app.page(
        "evidence.html",
        Some(s),
        code,
        minijinja::context! {
            period => period.to_string(), period_label => format!("{}年{}", period.year, period.chinese_quarter()),
            task => minijinja::context! { number => task.number, title => task.title.clone() },
            units, status => status.as_ref().map(|s| s.0.clone()), reason => status.map(|s| s.1),
            rule => cfg.rule.as_str(),
            message => (!message.is_empty()).then_some(message), message_kind => if bad { "bad" } else { "ok" },
        },
    )
}

/// `POST /evidence/review/<period>/<task>` (fields `unit`, `sha256`, `decision` 采信 | 退回,
/// `reason`, required with 退回): records the office's decision.
pub fn review(app: &App, req: &Req) -> Response {
    let (s, plan, period, n) = match office_review(app, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(task) = plan.task(n) else { return pages::not_found_page() };
    let unit = req.f("unit");
    if !task.lead_units.iter().any(|u| u == unit) {
        return review_with(
            app,
            req,
            Some(("所选单位不是这项任务的牵头单位，请刷新页面后重试。", true)),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let Some(decision) = Decision::parse(req.f("decision")) else {
        return review_with(app, req, Some(("请选择“采信”或“退回”。", true)), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let reason = Some(req.f("reason")).filter(|r| !r.trim().is_empty());
    let sha = req.f("sha256");
    match store(app).review(&owner(period, unit, task.number), sha, decision, reason, &s.user.username, &app.clock(req))
    {
        Ok(rec) => {
            let detail = format!("{unit} {period} 第{}项 {} {}", task.number, rec.name, decision.label());
            if let Err(r) = pages::audit(app, req, &s.user.username, "审核佐证材料", &detail) {
                return r;
            }
            pages::redirect(&format!("/evidence/review/{period}/{}#f-{sha}", task.number))
        }
        Err(StoreError::ReasonRequired) => review_with(
            app,
            req,
            Some(("未保存：请填写退回理由，说明材料哪里不符合要求、应补充什么，单位据此替换材料。", true)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e @ (StoreError::Unknown(_) | StoreError::Replaced(_))) => {
            review_with(app, req, Some((&format!("未保存：{e}"), true)), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => pages::internal(crate::diag::causes(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_their_targets() {
        let sha = "ab".repeat(32);
        assert_eq!(Target::of_field("file_t12"), Some(Target::New(12)));
        assert_eq!(Target::of_field(&format!("replace_t3_{sha}")), Some(Target::Replace(3, sha.clone())));
        for bad in ["file_t", "file_t1a", "file_t+1", "t1_progress", "replace_t3_../x", &format!("replace_t_{sha}")] {
            assert_eq!(Target::of_field(bad), None, "{bad}");
        }
        assert_eq!(Target::of_field(&format!("replace_t3_{}", sha.to_uppercase())), None);
    }

    #[test]
    fn dispositions_are_safe_and_keep_the_type() {
        let d = disposition("attachment", "验收报告.pdf", "pdf");
        assert_eq!(d, "attachment; filename=\"____.pdf\"; filename*=UTF-8''%E9%AA%8C%E6%94%B6%E6%8A%A5%E5%91%8A.pdf");
        // A name that is not the sniffed type gets its extension; quotes and separators never pass.
        let d = disposition("inline", "a\";b.html", "png");
        assert!(d.starts_with("inline; filename=\"a__b"), "{d}");
        assert!(d.ends_with(".png"), "{d}");
        let ascii = &d["inline; filename=\"".len()..d.find("\"; filename*").unwrap()];
        assert!(!ascii.contains(['"', ';', '\\']), "{d}");
        assert!(!d[..d.find("filename*").unwrap()].contains('\u{ff02}'));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(20 * 1024 * 1024), "20 MB");
        assert_eq!(size_text(1536 * 1024), "1.5 MB");
        assert_eq!(size_text(2048), "2 KB");
        assert_eq!(size_text(12), "12 字节");
    }
}
