//! A headless Chromium driven over WebDriver (chromedriver), and the server on a loopback port,
//! for the browser tests (`serve_browser.rs`, `serve_orders_browser.rs`).
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ducha::serve::http_client;
use serde_json::{json, Value};

use super::PASSWORD;

pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    pub addr: String,
    pub session: String,
    /// Where the browser saves what it downloads (beside the profile).
    pub downloads: std::path::PathBuf,
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = http_client::request(&self.addr, "DELETE", &format!("/session/{}", self.session), &[], b"");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn call(addr: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let r = http_client::request(addr, method, path, &[("Content-Type", "application/json")], body.as_bytes())
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
    let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    assert!(r.status < 300, "WebDriver {method} {path}: {} {}", r.status, r.text());
    v["value"].clone()
}

impl Driver {
    pub fn start(profile: &std::path::Path) -> Driver {
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
        let downloads = profile.with_extension("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "prefs": {"download.default_directory": downloads.display().to_string(),
                          "download.prompt_for_download": false},
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN",
                         format!("--user-data-dir={}", profile.display())]
            },
            "timeouts": {"pageLoad": 600000, "script": 30000, "implicit": 0}
        }}});
        let v = call(&addr, "POST", "/session", Some(caps));
        let session = v["sessionId"].as_str().expect("session id").to_string();
        Driver { addr, session, downloads, child }
    }

    pub fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        call(&self.addr, method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap().to_string()
    }

    pub fn find(&self, css: &str) -> String {
        let v = self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})));
        match v[0][ELEMENT].as_str() {
            Some(e) => e.to_string(),
            None => panic!("no element {css} ({v}) at {}:\n{}", self.url(), self.cmd("GET", "/source", None)),
        }
    }

    pub fn count(&self, css: &str) -> usize {
        self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})))
            .as_array()
            .map_or(0, Vec::len)
    }

    pub fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/text"), None).as_str().unwrap_or("").to_string()
    }

    pub fn attr(&self, css: &str, name: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/property/{name}"), None).as_str().unwrap_or("").to_string()
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({ "text": text })));
    }

    /// Puts a file into an `<input type="file">` (WebDriver sends its path).
    pub fn choose_file(&self, css: &str, path: &std::path::Path) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({ "text": path.display().to_string() })));
    }

    /// Clicks an element and returns at once (a download link: no next page comes).
    pub fn click_only(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    /// Clicks a button that submits a form and waits for the next page to be there.
    pub fn click(&self, css: &str) {
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

    pub fn cookie(&self, name: &str) -> String {
        self.cmd("GET", &format!("/cookie/{name}"), None)["value"].as_str().unwrap_or("").to_string()
    }

    pub fn screenshot(&self, path: &std::path::Path) {
        let b64 = self.cmd("GET", "/screenshot", None).as_str().unwrap().to_string();
        std::fs::write(path, base64_decode(&b64)).unwrap();
    }

    pub fn screenshot_of(&self, css: &str, path: &std::path::Path) {
        let e = self.find(css);
        let b64 = self.cmd("GET", &format!("/element/{e}/screenshot"), None).as_str().unwrap().to_string();
        std::fs::write(path, base64_decode(&b64)).unwrap();
    }

    /// Runs `script` in the page (WebDriver's own channel: the page's CSP forbids page scripts,
    /// not the browser's automation) and returns its value.
    pub fn eval(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({ "script": script, "args": [] })))
    }

    /// The file named `name` the browser downloaded, once it is complete (Chromium writes
    /// `<name>.crdownload` and renames it at the end); panics after 30 s.
    pub fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.downloads.join(name);
        let partial = self.downloads.join(format!("{name}.crdownload"));
        let t = Instant::now();
        loop {
            if path.exists() && !partial.exists() {
                return std::fs::read(&path).unwrap();
            }
            let seen: Vec<_> = std::fs::read_dir(&self.downloads).unwrap().flatten().map(|e| e.file_name()).collect();
            assert!(t.elapsed() < Duration::from_secs(30), "no download {name}; the folder has {seen:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn login(&self, base: &str, user: &str) {
        self.go(&format!("{base}/login"));
        self.type_into("#username", user);
        self.type_into("#password", PASSWORD);
        self.click("#login");
    }
}

pub fn base64_decode(s: &str) -> Vec<u8> {
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
pub fn start_server(
    app: &Arc<ducha::serve::App>,
) -> (u16, tokio::sync::oneshot::Sender<()>, std::thread::JoinHandle<()>) {
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
