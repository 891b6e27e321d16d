//! `ducha serve`: the office's web workbench and the departments' reporting desk.
//!
//! axum on tokio; every page is rendered on the server from the minijinja templates in
//! `src/serve/templates/` (autoescaped, compiled into the binary with the stylesheet), with no
//! JavaScript. The data stay plain files: every request looks at them afresh and sees any edit
//! made with the CLI before it (what was read and computed from them is kept while they are
//! unchanged: [`cache`]), a submitted report is written with
//! [`crate::fsutil::write_durable`] in the format of `ducha import`, and the rules are those of
//! `ducha check` ([`report::check`]). Accounts, sessions, drafts, revisions and the audit log live
//! in [`store::Store`].
//!
//! Safety: the role is checked on every route ([`App::guard`]); a unit's name comes from its
//! session, never from the URL; the only request parts that reach the file system are a period
//! (one of the plan year's four quarters) and a document name (matched against the names the
//! pipeline writes for the plan's units), joined with [`crate::names::join_inside`].
//!
//! 督办事项 (the register's cycle) have their pages in [`orders`]. The office also edits the
//! period's `notice.md` and archives the period ([`office`]); with a
//! certificate the server speaks HTTPS ([`tls`]) and its cookies are `Secure`.

mod assess;
pub mod auth;
mod cache;
mod chase;
pub mod evidence;
pub mod http_client;
mod md;
mod office;
pub use office::MAX_PREVIEWS;
mod orders;
mod pages;
mod remind;
pub mod report;
pub mod store;
pub mod tls;
mod words;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Form, Router};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::data::model::Period;
use store::{Role, Session, Store};

/// Largest request body accepted (a report with long narratives is a few tens of KiB).
pub const BODY_LIMIT: usize = 256 * 1024;
/// Session lifetime while unused: each request of the session moves its end this far ahead
/// (sliding expiry), up to [`SESSION_MAX_SECS`].
pub const SESSION_TTL_SECS: i64 = 8 * 3600;
/// Longest a session lives after login, however busy (the absolute cap; the cookie's lifetime).
pub const SESSION_MAX_SECS: i64 = 24 * 3600;
/// Content-Security-Policy: no script at all, nothing from elsewhere, no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                       frame-ancestors 'none'; base-uri 'none'";

/// Options of the server.
#[derive(Debug, Clone)]
pub struct Options {
    pub data: PathBuf,
    pub out: PathBuf,
    /// The archive root the office's “归档” files into (`ducha archive --archive`).
    pub archive: PathBuf,
    /// Cookies get `Secure` (set when serving HTTPS).
    pub secure: bool,
}

/// Shared state of the server.
pub struct App {
    pub opts: Options,
    pub store: Store,
    pub limiter: auth::RateLimiter,
    data: cache::DataCache,
    env: minijinja::Environment<'static>,
    /// One lock per data file written from the browser: a save's version check and write happen
    /// under its file's lock ([`App::file_lock`]); saves of different files run side by side.
    file_locks: Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>,
    /// Serialises builds.
    build_lock: Mutex<()>,
    /// Per period, the notice's page fingerprints as last laid out here (to preview only the
    /// pages a notice.md edit changed).
    notice_pages: Mutex<HashMap<Period, Vec<u64>>>,
    /// The office clock as the server started (`DUCHA_NOW` read once); each request reads it in
    /// the zone of the current office.yaml ([`App::clock`]).
    clock: std::sync::RwLock<crate::clock::OfficeClock>,
}

/// A request as the page functions see it.
pub struct Req {
    pub method: Method,
    /// Decoded path segments after the route's first one (`/report/2023Q4` → `["2023Q4"]`).
    pub args: Vec<String>,
    pub query: report::Fields,
    pub form: report::Fields,
    pub cookies: String,
    /// Client address (for rate limits and the audit log).
    pub addr: String,
    pub session: Option<Session>,
    session_id: Option<String>,
    /// The data directory as this request sees it, taken on first use ([`App::snapshot`]).
    snapshot: std::cell::OnceCell<Arc<cache::Snapshot>>,
}

impl Req {
    /// A query parameter (empty when missing).
    pub fn q(&self, key: &str) -> &str {
        self.query.get(key).map(String::as_str).unwrap_or("")
    }

    /// A form field (empty when missing).
    pub fn f(&self, key: &str) -> &str {
        self.form.get(key).map(String::as_str).unwrap_or("")
    }
}

/// A page function: runs on a blocking thread (it reads files and the database).
type Page = fn(&App, &Req) -> Response;

fn pairs(v: Vec<(String, String)>) -> report::Fields {
    // The first value of a repeated name wins; no form here repeats a name.
    let mut m = report::Fields::new();
    for (k, val) in v {
        m.entry(k).or_insert(val);
    }
    m
}

/// Percent-decodes one path segment.
fn decode(seg: &str) -> String {
    let b = seg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn dispatch(app: Arc<App>, req: Request, page: Page) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let cookies = req.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let addr = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into());
    let args: Vec<String> = uri.path().split('/').filter(|s| !s.is_empty()).skip(1).map(decode).collect();
    let query =
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri).map(|q| pairs(q.0)).unwrap_or_default();
    let form = if method == Method::POST {
        match Form::<Vec<(String, String)>>::from_request(req, &()).await {
            Ok(Form(v)) => pairs(v),
            Err(rejection) => return pages::rejected(rejection.status()),
        }
    } else {
        report::Fields::new()
    };
    let task = tokio::task::spawn_blocking(move || {
        let session_id = auth::cookie(&cookies, auth::SESSION_COOKIE).map(String::from);
        // A database failure is a server error, not “no session” (which would send a logged-in
        // user to the login page, where the password would then seem wrong).
        let session = match session_id.as_deref().map(|id| app.store.session(id)).transpose() {
            Ok(s) => s.flatten(),
            Err(e) => return pages::db_error(e, None),
        };
        let r = Req { method, args, query, form, cookies, addr, session, session_id, snapshot: Default::default() };
        page(&app, &r)
    });
    task.await.unwrap_or_else(|_| pages::error(StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误", "请稍后重试。"))
}

/// Wraps a page function as an axum handler.
fn h(
    page: Page,
) -> impl Fn(State<Arc<App>>, Request) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>
       + Clone
       + Send
       + Sync
       + 'static {
    move |State(app): State<Arc<App>>, req: Request| Box::pin(dispatch(app, req, page))
}

impl App {
    /// Opens the state database and prepares the templates.
    pub fn new(opts: Options) -> anyhow::Result<App> {
        let store = Store::open(&opts.data)?;
        let mut env = minijinja::Environment::new();
        for (name, text) in TEMPLATES {
            env.add_template(name, text)?;
        }
        // What units typed in Markdown, as HTML (escaped inside: [`md::html`]).
        env.add_filter("md", |s: String| minijinja::Value::from_safe_string(md::html(&s)));
        let data = cache::DataCache::default();
        let zone = data.snapshot(&opts.data).office().map(|o| o.timezone.clone()).unwrap_or_default();
        let clock = crate::clock::OfficeClock::new(&zone)?;
        store.follow(&clock);
        Ok(App {
            clock: std::sync::RwLock::new(clock),
            opts,
            store,
            limiter: auth::RateLimiter::new(auth::Limits::STANDARD),
            data,
            env,
            file_locks: Mutex::new(HashMap::new()),
            build_lock: Mutex::new(()),
            notice_pages: Mutex::new(HashMap::new()),
        })
    }

    /// The office clock (办公时钟, docs/rules.md §15) in the zone of the office.yaml this request
    /// sees: every date and time a page shows or a rule uses.
    pub fn clock(&self, req: &Req) -> crate::clock::OfficeClock {
        let base = self.clock.read().unwrap_or_else(|e| e.into_inner()).clone();
        match self.snapshot(req).office() {
            Some(o) => base.in_zone(&o.timezone),
            None => base,
        }
    }

    /// Sets the server's clock (and its store's) to start at `unix` seconds, as `DUCHA_NOW` does
    /// at start (tests: a time before 08:00 in Beijing, a session left idle).
    pub fn set_now(&self, unix: i64) {
        let mut c = self.clock.write().unwrap_or_else(|e| e.into_inner());
        *c = crate::clock::OfficeClock::starting_at(c.zone(), unix);
        self.store.follow(&c);
    }

    /// The data directory as on disk when the request first asked ([`cache::DataCache`]): one look
    /// at the disk per request, and every part of a page sees the same files.
    fn snapshot<'r>(&self, req: &'r Req) -> &'r cache::Snapshot {
        req.snapshot.get_or_init(|| self.data.snapshot(&self.opts.data))
    }

    /// The lock of the data file at `path`, held from a save's version check to its write (the
    /// files are few: one per unit and quarter, and the quarters' notice.md).
    fn file_lock(&self, path: &std::path::Path) -> Arc<Mutex<()>> {
        self.file_locks.lock().unwrap_or_else(|e| e.into_inner()).entry(path.to_path_buf()).or_default().clone()
    }

    /// The notice's page fingerprints of `period` as last laid out by this server.
    fn notice_pages(&self, period: Period) -> Option<Vec<u64>> {
        self.notice_pages.lock().unwrap_or_else(|e| e.into_inner()).get(&period).cloned()
    }

    fn remember_notice_pages(&self, period: Period, pages: Vec<u64>) {
        self.notice_pages.lock().unwrap_or_else(|e| e.into_inner()).insert(period, pages);
    }

    /// Renders a template (autoescaped: the names end in `.html`).
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

const TEMPLATES: [(&str, &str); 13] = [
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("password.html", include_str!("templates/password.html")),
    ("error.html", include_str!("templates/error.html")),
    ("report.html", include_str!("templates/report.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("task.html", include_str!("templates/task.html")),
    ("build.html", include_str!("templates/build.html")),
    ("notice.html", include_str!("templates/notice.html")),
    ("assess.html", include_str!("templates/assess.html")),
    ("items.html", include_str!("templates/items.html")),
    ("item.html", include_str!("templates/item.html")),
    ("evidence.html", include_str!("templates/evidence.html")),
];

/// The stylesheet, served from the binary.
pub const STYLE: &str = include_str!("templates/style.css");

/// Every route with the roles allowed on it (the authorization matrix the tests walk).
pub const ROUTES: &[(&str, &str, &[Role])] = &[
    ("GET", "/report/{period}", &[Role::Unit]),
    ("POST", "/report/{period}", &[Role::Unit]),
    ("GET", "/dashboard", &[Role::Office, Role::Leader]),
    ("GET", "/task/{number}", &[Role::Office, Role::Leader]),
    ("GET", "/build/{period}", &[Role::Office]),
    ("POST", "/build/{period}", &[Role::Office]),
    ("GET", "/notice/{period}", &[Role::Office]),
    ("POST", "/notice/{period}", &[Role::Office]),
    ("POST", "/archive/{period}", &[Role::Office]),
    ("GET", "/out/{period}/{file}", &[Role::Office, Role::Leader]),
    ("GET", "/assess", &[Role::Office, Role::Leader]),
    ("GET", "/assess/mine", &[Role::Unit]),
    ("GET", "/items", &[Role::Unit, Role::Office, Role::Leader]),
    ("POST", "/items/issue", &[Role::Office]),
    ("POST", "/items/accept", &[Role::Office]),
    ("GET", "/items/{year}/{file}", &[Role::Unit, Role::Office, Role::Leader]),
    ("POST", "/items/{year}/{file}", &[Role::Unit, Role::Office]),
    ("POST", "/items/{year}/{file}/reply", &[Role::Unit]),
    ("POST", "/items/{year}/{file}/files", &[Role::Office]),
    ("GET", "/chase/{year}/{seq}", &[Role::Office, Role::Unit]),
    ("POST", "/evidence/{period}", &[Role::Unit]),
    ("GET", "/evidence/file/{sha256}", &[Role::Unit, Role::Office]),
    ("GET", "/evidence/view/{sha256}", &[Role::Unit, Role::Office]),
    ("GET", "/evidence/review/{period}/{task}", &[Role::Office]),
    ("POST", "/evidence/review/{period}/{task}", &[Role::Office]),
];

/// Strict-Transport-Security sent over HTTPS: one year.
pub const HSTS: &str = "max-age=31536000";

/// The router with every route and the security layers (with HSTS when serving HTTPS).
pub fn router(app: Arc<App>) -> Router {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    let r = Router::new()
        .route("/", get(h(pages::home)))
        .route("/static/style.css", get(style))
        .route("/login", get(h(pages::login_form)).post(h(pages::login)))
        .route("/logout", post(h(pages::logout)))
        .route("/password", get(h(pages::password_form)).post(h(pages::password)))
        .route("/report/{period}", get(h(pages::report_form)).post(h(pages::report_save)))
        .route("/dashboard", get(h(pages::dashboard)))
        .route("/task/{number}", get(h(pages::task)))
        .route("/build/{period}", get(h(pages::build_page)).post(h(pages::build)))
        .route("/notice/{period}", get(h(office::notice_form)).post(h(office::notice_save)))
        .route("/archive/{period}", post(h(office::archive)))
        .route("/out/{period}/{file}", get(h(pages::download)))
        .route("/assess", get(h(assess::sheet)))
        .route("/assess/mine", get(h(assess::mine)))
        .route("/items", get(h(orders::list)))
        .route("/items/issue", post(h(orders::issue)))
        .route("/items/accept", post(h(orders::accept)))
        .route("/items/{year}/{file}", get(h(orders::item)).post(h(orders::act)))
        // A reply with files (反馈附件) streams like an evidence upload.
        .route("/items/{year}/{file}/reply", post(orders::reply_upload).layer(DefaultBodyLimit::disable()))
        .route("/items/{year}/{file}/files", post(h(orders::review_file)))
        .route("/chase/{year}/{seq}", get(h(chase::pdf)))
        // Uploads stream to disk with their own bounds (office.yaml `evidence:`), not the form limit.
        .route("/evidence/{period}", post(evidence::upload).layer(DefaultBodyLimit::disable()))
        .route("/evidence/file/{sha256}", get(h(evidence::download)))
        .route("/evidence/view/{sha256}", get(h(evidence::view)))
        .route("/evidence/review/{period}/{task}", get(h(evidence::review_page)).post(h(evidence::review)))
        .fallback(h(pages::not_found))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    // HSTS only over HTTPS: a browser that has seen it will not fall back to plain HTTP.
    let hsts = app.opts.secure.then_some((header::STRICT_TRANSPORT_SECURITY, HSTS));
    let mut r = r.with_state(app);
    for (name, value) in headers.into_iter().chain(hsts) {
        r = r.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    r
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// Reads and checks the data directory on a blocking thread as the server starts, so the first
/// pages do not each wait for every file to be parsed. It is only a head start: every request
/// still compares the files on disk with what was read ([`cache::DataCache`]).
fn warm_up(app: &Arc<App>) {
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let _ = app.data.snapshot(&app.opts.data).dataset();
    });
}

/// Serves the router on an already bound listener until `shutdown` completes; requests in
/// flight then finish (graceful).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    warm_up(&app);
    remind::start(&app);
    axum::serve(listener, router(app).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// [`serve_on`] over HTTPS: every connection completes a TLS handshake with `tls` first.
pub async fn serve_tls_on(
    listener: tokio::net::TcpListener,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // `tap_io` only to have axum hand the peer address to `ConnectInfo<SocketAddr>`.
    let listener = tls::TlsListener::new(listener, tls)?.tap_io(|_| {});
    warm_up(&app);
    remind::start(&app);
    axum::serve(listener, router(app).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Ctrl-C or (on Unix) SIGTERM, whichever comes first. The SIGTERM handler is installed here;
/// Ctrl-C's when the future is first polled.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Serves until Ctrl-C or SIGTERM (over HTTPS when `tls` is given): in-flight requests finish,
/// then the server stops.
///
/// This and [`App::new`] are the server's edge (tokio, the listener, TLS set-up, axum,
/// minijinja's template compilation): they keep `anyhow`, like `cmd/`; the library parts below
/// them (`store`, `report`) return typed errors.
pub fn serve(
    opts: Options,
    addr: SocketAddr,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
) -> anyhow::Result<()> {
    let app = Arc::new(App::new(opts)?);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("无法监听 {addr}：{e}（端口被占用？用 --addr 换一个）"))?;
        let local = listener.local_addr()?;
        // Take over Ctrl-C and SIGTERM (what `kill` and service managers send) before saying
        // where to browse: `ctrl_c()` installs its handler when first polled, and a signal before
        // that would kill the process mid-request.
        let mut ctrl_c = Box::pin(stop_signal()?);
        tokio::select! {
            biased;
            _ = &mut ctrl_c => return anyhow::Ok(()),
            _ = std::future::ready(()) => {}
        }
        let host = if local.ip().is_unspecified() { "本机IP地址".to_string() } else { local.ip().to_string() };
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("ducha serve：请在浏览器中打开 {scheme}://{host}:{}/", local.port());
        if local.ip().is_loopback() {
            println!("只有本机可以访问；要让局域网访问，用 --addr 0.0.0.0:{}", local.port());
        }
        println!("按 Ctrl-C 停止。");
        let stop = async move {
            let _ = ctrl_c.await;
            println!("正在停止：等待处理中的请求完成……");
        };
        match tls {
            Some(tls) => serve_tls_on(listener, tls, app, stop).await?,
            None => serve_on(listener, app, stop).await?,
        }
        anyhow::Ok(())
    })
}
