//! Helpers for the `ducha serve` tests: a copy of the bundled data with known accounts, and a
//! cookie-keeping client that sends requests through the router (`tower::ServiceExt::oneshot`).
#![allow(dead_code)]

pub mod browser;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ducha::serve::store::Role;
use ducha::serve::{auth, App, Options};
use tower::ServiceExt;

/// The password every test account gets.
pub const PASSWORD: &str = "test-password-1";

/// A fresh copy of the bundled data (plan, office, reports) in a temp dir; returns (root, data).
pub fn bundled_copy(name: &str) -> (PathBuf, PathBuf) {
    let root = tempfile::Builder::new().prefix(&format!("ducha-test-{name}-")).tempdir().unwrap().keep();
    let data = root.join("data");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    std::fs::create_dir_all(&data).unwrap();
    for f in ["plan.yaml", "office.yaml"] {
        std::fs::copy(src.join(f), data.join(f)).unwrap();
    }
    for entry in walkdir::WalkDir::new(src.join("reports")) {
        let entry = entry.unwrap();
        let dest = data.join(entry.path().strip_prefix(&src).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    (root, data)
}

/// The app on a copy of the bundled data with accounts: `县科技局` and `县发展改革局` (units),
/// `office`, `leader` (all with [`PASSWORD`], already changed), and `new` (an office account still
/// on its initial password [`PASSWORD`]).
pub fn app(name: &str) -> (Arc<App>, PathBuf) {
    app_with(name, false)
}

/// [`app`], with `secure` cookies (as when serving HTTPS) when asked. The archive root is
/// `<root>/archive`.
pub fn app_with(name: &str, secure: bool) -> (Arc<App>, PathBuf) {
    let (root, data) = bundled_copy(name);
    let opts = Options { data: data.clone(), out: root.join("out"), archive: root.join("archive"), secure };
    let app = App::new(opts).unwrap();
    let hash = auth::hash_password(PASSWORD);
    for (u, role, unit) in [
        ("县科技局", Role::Unit, Some("县科技局")),
        ("县发展改革局", Role::Unit, Some("县发展改革局")),
        ("office", Role::Office, None),
        ("leader", Role::Leader, None),
        ("new", Role::Office, None),
    ] {
        assert!(app.store.add_user(u, role, unit, &hash).unwrap());
        if u != "new" {
            app.store.set_password(u, &hash, false).unwrap();
        }
    }
    (Arc::new(app), root)
}

/// A response, its body as text.
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
    pub fn location(&self) -> String {
        self.header("location")
    }
}

/// One part of a multipart body: name, file name (a file part) and bytes.
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// The boundary of [`multipart`] bodies.
pub const BOUNDARY: &str = "----ducha-test-boundary-7d9a";

/// A `multipart/form-data` body of `parts` (boundary [`BOUNDARY`]), fields in the given order.
pub fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, file, bytes) in parts {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file {
            Some(f) => {
                b.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"").as_bytes());
                b.extend_from_slice(f.as_bytes());
                b.extend_from_slice(b"\"\r\nContent-Type: application/octet-stream\r\n\r\n");
            }
            None => b.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// A browser stand-in: keeps cookies, talks to the router directly.
pub struct Client {
    pub app: Arc<App>,
    pub cookies: BTreeMap<String, String>,
    pub addr: SocketAddr,
}

/// Percent-encodes a form value or path segment.
pub fn enc(s: &str) -> String {
    ducha::serve::http_client::encode(s)
}

/// The value of hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key).unwrap_or_else(|| panic!("no hidden {name} in page:\n{html}")) + key.len();
    html[start..].split('"').next().unwrap().to_string()
}

impl Client {
    pub fn new(app: &Arc<App>) -> Client {
        Client { app: app.clone(), cookies: BTreeMap::new(), addr: "127.0.0.1:50000".parse().unwrap() }
    }

    pub fn from_addr(app: &Arc<App>, addr: &str) -> Client {
        Client { app: app.clone(), cookies: BTreeMap::new(), addr: addr.parse().unwrap() }
    }

    pub async fn send(&mut self, method: &str, uri: &str, form: &[(&str, &str)]) -> Resp {
        let body: String = form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        self.send_raw(method, uri, body.into_bytes()).await
    }

    pub async fn send_raw(&mut self, method: &str, uri: &str, body: Vec<u8>) -> Resp {
        self.send_typed(method, uri, "application/x-www-form-urlencoded", body).await
    }

    /// A `multipart/form-data` POST of `parts` ([`multipart`]).
    pub async fn send_multipart(&mut self, uri: &str, parts: &[Part<'_>]) -> Resp {
        let ctype = format!("multipart/form-data; boundary={BOUNDARY}");
        self.send_typed("POST", uri, &ctype, multipart(parts)).await
    }

    /// A request with the given content type for a POST body.
    pub async fn send_typed(&mut self, method: &str, uri: &str, ctype: &str, body: Vec<u8>) -> Resp {
        let cookie: String = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut req = Request::builder().method(method).uri(uri);
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        if method == "POST" {
            req = req.header("content-type", ctype);
        }
        let mut req = req.body(Body::from(body)).unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(self.addr));
        let res = ducha::serve::router(self.app.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if v.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
        Resp { status, headers, body }
    }

    pub async fn get(&mut self, uri: &str) -> Resp {
        self.send("GET", uri, &[]).await
    }

    /// Logs in through the form; returns the POST's response.
    pub async fn login(&mut self, user: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        let csrf = hidden(&page.text(), "csrf");
        self.send("POST", "/login", &[("csrf", &csrf), ("username", user), ("password", password)]).await
    }

    /// The CSRF token of the current session (read from a page that has one).
    pub async fn csrf(&mut self, page_uri: &str) -> String {
        hidden(&self.get(page_uri).await.text(), "csrf")
    }
}

/// A logged-in client.
pub async fn logged_in(app: &Arc<App>, user: &str) -> Client {
    let mut c = Client::new(app);
    let r = c.login(user, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "login of {user}: {}", r.text());
    c
}

/// Reads a file as text.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// All `<input>` and `<textarea>` values and selected options of a page, by name.
pub fn extract_inputs(html: &str) -> Vec<(String, String)> {
    let unescape = ducha::serve::http_client::unescape;
    let mut out = Vec::new();
    for part in html.split("<input").skip(1) {
        let tag = part.split('>').next().unwrap();
        let attr = |a: &str| tag.split(&format!("{a}=\"")).nth(1).map(|s| s.split('"').next().unwrap().to_string());
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            out.push((n, unescape(&v)));
        }
    }
    for part in html.split("<textarea").skip(1) {
        let name = part.split("name=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let body = part.split_once('>').unwrap().1.split("</textarea>").next().unwrap();
        out.push((name, unescape(body)));
    }
    for part in html.split("<select").skip(1) {
        let name = part.split("name=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let body = part.split("</select>").next().unwrap();
        if let Some(sel) = body.split("<option").find(|o| o.contains(" selected")) {
            let v = sel.split("value=\"").nth(1).map(|s| s.split('"').next().unwrap().to_string());
            let v = v.unwrap_or_else(|| sel.split_once('>').unwrap().1.split("</option>").next().unwrap().to_string());
            out.push((name, unescape(&v)));
        }
    }
    out
}

/// A small one-page PDF (made by hand: header, one page, xref, trailer).
pub fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objs.len() + 1).as_bytes(),
    );
    out
}

/// A PDF of exactly `len` bytes: [`pdf`] with a comment line after the header (readers skip it;
/// the cross-reference offsets it moves are repaired by readers, and the type is read from the
/// header).
pub fn pdf_of_len(len: usize) -> Vec<u8> {
    let body = pdf("padded");
    let pad = len.checked_sub(body.len() + 2).expect("a length above the plain PDF's");
    let mut out = body[..9].to_vec();
    out.push(b'%');
    out.extend(std::iter::repeat_n(b'x', pad));
    out.push(b'\n');
    out.extend_from_slice(&body[9..]);
    assert_eq!(out.len(), len);
    out
}

/// A small PNG of `w`×`h` pixels whose colours depend on `seed` (written with the `png` crate).
pub fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let pixels: Vec<u8> =
            (0..w * h).flat_map(|i| [(i % 251) as u8 ^ seed, (i / w) as u8, seed.wrapping_mul(7)]).collect();
        wr.write_image_data(&pixels).unwrap();
    }
    out
}

/// Stores `bytes` as 佐证材料 of `unit`'s report for `task` in `period` through the library (as an
/// upload would, default limits); returns its SHA-256.
pub fn store_evidence(data: &Path, period: &str, unit: &str, task: u32, name: &str, bytes: &[u8]) -> String {
    use ducha::evidence::{EvidenceConfig, Meta, Owner, Store};
    let store = Store::new(data);
    let temp = store.temp_dir().unwrap().join(format!("test-{}", auth::token()));
    std::fs::write(&temp, bytes).unwrap();
    let sha = ducha::serve::store::sha256_hex(bytes);
    let owner = Owner::Task { period: ducha::data::model::Period::parse(period).unwrap(), unit: unit.into(), task };
    let meta = Meta { name: name.into(), owner, uploaded_by: unit.into(), slot: None };
    let zone = ducha::clock::TimeZone { name: "Asia/Shanghai".into(), offset_secs: 8 * 3600 };
    let clock = ducha::clock::OfficeClock::starting_at(&zone, 1_700_000_000);
    store.put(&temp, &sha, bytes.len() as u64, &meta, &EvidenceConfig::default(), &clock).unwrap().sha256
}
