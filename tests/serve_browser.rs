//! `ducha serve` in a real headless Chromium, driven over WebDriver (chromedriver): the unit
//! 县科技局 logs in, types a non-number into 完成数值, sees the inline error, fixes it and
//! submits; the office logs in, sees the task's new status on the dashboard, builds, downloads
//! the notice, and the PDF's text (pdftotext) holds the new narrative.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them when missing).
//! With `DUCHA_SCREENSHOTS=DIR` it also saves the README's screenshots of the form and dashboard.

mod serve_util;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ducha::serve::http_client::{self, encode};
use serde_json::{json, Value};
use serve_util::*;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    addr: String,
    session: String,
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = http_client::request(&self.addr, "DELETE", &format!("/session/{}", self.session), &[], b"");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn call(addr: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let r = http_client::request(addr, method, path, &[("Content-Type", "application/json")], body.as_bytes())
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
    let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    assert!(r.status < 300, "WebDriver {method} {path}: {} {}", r.status, r.text());
    v["value"].clone()
}

impl Driver {
    fn start(profile: &std::path::Path) -> Driver {
        let port = free_port();
        // The page names no font file; give Chromium the repository's CJK fonts through
        // fontconfig so the screenshots show Chinese on a machine without system CJK fonts.
        let conf = profile.with_extension("fonts.conf");
        let fonts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        std::fs::write(
            &conf,
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\"><fontconfig>\
                 <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include><dir>{}</dir></fontconfig>",
                fonts.display()
            ),
        )
        .unwrap();
        let child = Command::new("chromedriver")
            .env("FONTCONFIG_FILE", &conf)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) must be installed: scripts/test installs it");
        let addr = format!("127.0.0.1:{port}");
        let t = Instant::now();
        while http_client::request(&addr, "GET", "/status", &[], b"").is_err() {
            assert!(t.elapsed() < Duration::from_secs(30), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN",
                         format!("--user-data-dir={}", profile.display())]
            },
            "timeouts": {"pageLoad": 600000, "script": 30000, "implicit": 0}
        }}});
        let v = call(&addr, "POST", "/session", Some(caps));
        let session = v["sessionId"].as_str().expect("session id").to_string();
        Driver { addr, session, child }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        call(&self.addr, method, &format!("/session/{}{path}", self.session), body)
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap().to_string()
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})));
        match v[0][ELEMENT].as_str() {
            Some(e) => e.to_string(),
            None => panic!("no element {css} ({v}) at {}:\n{}", self.url(), self.cmd("GET", "/source", None)),
        }
    }

    fn count(&self, css: &str) -> usize {
        self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})))
            .as_array()
            .map_or(0, Vec::len)
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/text"), None).as_str().unwrap_or("").to_string()
    }

    fn attr(&self, css: &str, name: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/property/{name}"), None).as_str().unwrap_or("").to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({ "text": text })));
    }

    /// Clicks a button that submits a form and waits for the next page to be there.
    fn click(&self, css: &str) {
        let old = self.find("html");
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
        let t = Instant::now();
        loop {
            let v = self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": "html"})));
            if v[0][ELEMENT].as_str().is_some_and(|now| now != old) {
                return;
            }
            assert!(t.elapsed() < Duration::from_secs(600), "no new page after clicking {css}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn cookie(&self, name: &str) -> String {
        self.cmd("GET", &format!("/cookie/{name}"), None)["value"].as_str().unwrap_or("").to_string()
    }

    fn screenshot(&self, path: &std::path::Path) {
        let b64 = self.cmd("GET", "/screenshot", None).as_str().unwrap().to_string();
        std::fs::write(path, base64_decode(&b64)).unwrap();
    }

    fn screenshot_of(&self, css: &str, path: &std::path::Path) {
        let e = self.find(css);
        let b64 = self.cmd("GET", &format!("/element/{e}/screenshot"), None).as_str().unwrap().to_string();
        std::fs::write(path, base64_decode(&b64)).unwrap();
    }

    /// Runs `script` in the page (WebDriver's own channel: the page's CSP forbids page scripts,
    /// not the browser's automation) and returns its value.
    fn eval(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({ "script": script, "args": [] })))
    }

    fn login(&self, base: &str, user: &str) {
        self.go(&format!("{base}/login"));
        self.type_into("#username", user);
        self.type_into("#password", PASSWORD);
        self.click("#login");
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| !matches!(c, b'=' | b'\n' | b'\r')).map(val).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, v)| acc | (*v as u32) << (18 - 6 * i));
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// The server on a loopback port, in its own runtime: (port, stop, its thread).
fn start_server(app: &Arc<ducha::serve::App>) -> (u16, tokio::sync::oneshot::Sender<()>, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_app: Arc<_> = app.clone();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            ducha::serve::serve_on(l, server_app, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    (port, stop_tx, server)
}

fn status_of_task(data: &std::path::Path, task: u32) -> String {
    let ds = ducha::data::check(data).dataset.expect("valid data");
    let year = ducha::status::evaluate_year(&ds, ducha::data::model::Period::parse("2023Q4").unwrap());
    year.last().unwrap().task(task).unwrap().label.to_string()
}

#[test]
fn unit_reports_office_builds_in_chromium() {
    let (app, root) = app("serve-browser");
    let data = root.join("data");
    let before = status_of_task(&data, 2);
    let (port, stop_tx, server) = start_server(&app);
    let base = format!("http://127.0.0.1:{port}");
    let shots = std::env::var_os("DUCHA_SCREENSHOTS").map(std::path::PathBuf::from);

    let browser = Driver::start(&root.join("chromium-profile"));
    // The unit.
    browser.login(&base, "县科技局");
    assert!(browser.url().ends_with("/report/2023Q4"), "{}", browser.url());
    let narrative = "网页端到端测试新增平台两家";
    browser.type_into("#t2_progress", narrative);
    browser.type_into("#t2_v1", "两家");
    browser.click("#submit");
    let err = browser.text("p.err[data-field=\"t2_v1\"]");
    if let Some(dir) = &shots {
        browser.screenshot_of("#task-2", &dir.join("form.png"));
    }
    assert!(err.contains("第 2 项任务第 1 个指标的完成数值 “两家” 不是有效数字"), "{err}");
    assert!(browser.text("#message").contains("未提交"));
    assert_eq!(browser.attr("#t2_v1", "value"), "两家", "what was typed stays");
    assert_eq!(browser.attr("#t2_progress", "value"), narrative);
    browser.type_into("#t2_v1", "2");
    browser.click("#submit");
    assert!(browser.url().ends_with("/report/2023Q4?done=1"), "{}", browser.url());
    assert!(browser.text("#message").contains("报告已提交"));
    assert_eq!(browser.count("p.err"), 0);
    let after = status_of_task(&data, 2);
    assert_ne!(after, before, "the new figure changes the status");
    browser.click("form[action=\"/logout\"] button");
    assert!(browser.url().ends_with("/login"));

    // The office.
    browser.login(&base, "office");
    browser.go(&format!("{base}/dashboard?period=2023Q4"));
    assert_eq!(browser.text("#row-2 .status"), after);
    if let Some(dir) = &shots {
        browser.screenshot(&dir.join("dashboard.png"));
    }
    browser.click("#build");
    assert!(browser.text("#message").contains("公文已生成"), "{}", browser.cmd("GET", "/source", None));
    let href = browser.attr("#doc-notice", "href");
    assert!(href.starts_with(&base), "{href}");
    // Download with the browser's own session (the HttpOnly cookie, read over WebDriver).
    let session = browser.cookie("ducha_session");
    let path = &href[base.len()..];
    let r = http_client::request(
        &format!("127.0.0.1:{port}"),
        "GET",
        path,
        &[("Cookie", &format!("ducha_session={session}"))],
        b"",
    )
    .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    let pdf = root.join("downloaded-notice.pdf");
    std::fs::write(&pdf, &r.body).unwrap();
    let out = Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&pdf).arg("-").output().expect("pdftotext");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    let text: String = String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect();
    assert!(text.contains(narrative), "the notice holds the new narrative");
    assert!(path.contains(&encode("季度进展情况通报.pdf")) || path.contains("季度进展情况通报.pdf"), "{path}");

    drop(browser);
    let _ = stop_tx.send(());
    server.join().unwrap();
}

/// The report form on a phone (390×844) for the unit with the most tasks: a task index at the
/// top, after a refused submission the first error has the focus and is on screen, and the
/// submit button stays on screen wherever the page is scrolled.
#[test]
fn the_form_on_a_phone() {
    let (app, root) = app("serve-phone");
    let ds = ducha::data::check(&root.join("data")).dataset.unwrap();
    let units = ds.plan.lead_units();
    let unit = *units.iter().max_by_key(|u| ducha::serve::report::lead_tasks(&ds.plan, u).len()).unwrap();
    let tasks = ducha::serve::report::lead_tasks(&ds.plan, unit);
    assert!(tasks.len() >= 10, "{unit} leads {} tasks", tasks.len());
    let hash = ducha::serve::auth::hash_password(PASSWORD);
    app.store.add_user(unit, ducha::serve::store::Role::Unit, Some(unit), &hash).unwrap();
    app.store.set_password(unit, &hash, false).unwrap();
    let (port, stop_tx, server) = start_server(&app);
    let base = format!("http://127.0.0.1:{port}");

    let browser = Driver::start(&root.join("chromium-profile"));
    browser.cmd("POST", "/window/rect", Some(json!({"width": 390, "height": 844})));
    browser.login(&base, unit);
    assert!(browser.url().ends_with("/report/2023Q4"), "{}", browser.url());
    assert_eq!(browser.count("#task-index a"), tasks.len());
    let in_view = |css: &str| -> bool {
        let v = browser.eval(&format!(
            "const r = document.querySelector('{css}').getBoundingClientRect(); \
             return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;"
        ));
        v.as_bool().unwrap()
    };
    assert!(browser.eval("return window.innerWidth;").as_u64().unwrap() <= 420, "a phone-sized window");
    assert!(in_view("#submit"), "the submit button is on screen at the top of the form");
    // The index jumps to the last task; the buttons are still there.
    // The last task whose 进展情况 the prefilled form has.
    let id = browser.eval(
        "const t = [...document.querySelectorAll('textarea[id$=\"_progress\"]')].filter(x => x.value.trim()); \
         return t[t.length - 1].id;",
    );
    let last: u32 = id.as_str().unwrap().trim_start_matches('t').trim_end_matches("_progress").parse().unwrap();
    assert!(last >= tasks[tasks.len() - 3].number, "task {last} is near the end of the form");
    // (Brought to the middle of the screen first, as a thumb would: WebDriver otherwise aims at
    // the bottom edge, under the button bar.)
    let link = format!("#task-index a[href=\"#task-{last}\"]");
    browser.eval(&format!("document.querySelector('{link}').scrollIntoView({{block: 'center'}}); return 0;"));
    browser.cmd("POST", &format!("/element/{}/click", browser.find(&link)), Some(json!({})));
    assert!(browser.eval("return window.scrollY;").as_f64().unwrap() > 2000.0, "the index link scrolled down");
    assert!(in_view(&format!("#task-{last} h2")) && in_view("#submit"));

    // Empty the last task's 进展情况 and submit: the page comes back with that field focused and
    // on screen, however far down the page it is.
    browser.type_into(&format!("#t{last}_progress"), "");
    browser.eval("window.scrollTo(0, 0); return 0;");
    browser.click("#submit");
    assert!(browser.text("#message").contains("未提交"));
    assert!(browser.count("#errors li") >= 1);
    let focused = browser.eval("return document.activeElement.id;");
    assert_eq!(focused.as_str(), Some(format!("t{last}_progress").as_str()));
    assert!(browser.eval("return window.scrollY;").as_f64().unwrap() > 2000.0, "scrolled to the error");
    assert!(in_view(&format!("#t{last}_progress")), "the first error is on screen");
    assert!(in_view("#submit"), "and so is the submit button");
    if let Some(dir) = std::env::var_os("DUCHA_SCREENSHOTS").map(std::path::PathBuf::from) {
        browser.screenshot(&dir.join("form-phone.png"));
    }

    drop(browser);
    let _ = stop_tx.send(());
    server.join().unwrap();
}
