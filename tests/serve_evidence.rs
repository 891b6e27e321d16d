//! 佐证材料 through the real HTTP door of `ducha serve` (the binary, on a loopback port, with a
//! small `evidence:` block in office.yaml): hostile uploads are refused or neutralised — a
//! polyglot PDF that is also HTML, an SVG with a script, a zip bomb named .docx, `../` and NUL in
//! names, a 2 GB body (sent with and without a length, streamed by the client, refused while the
//! server's memory stays put), a file exactly at the limit and one byte over — the same file
//! twice is stored once, a unit fetching another unit's file by hash gets 403, the typed text of
//! the report survives a refused upload, downloads carry a safe name, the sniffed type and
//! nosniff, and the office's 采信 / 退回 reaches the unit's form.

mod serve_util;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use ducha::serve::http_client::{self, encode};
use ducha::serve::store::Role;
use serve_util::{bundled_copy, hidden, multipart, pdf, pdf_of_len, png, Part, BOUNDARY, PASSWORD};

const PERIOD: &str = "2023Q4";
/// The test's per-file limit (office.yaml `max_file_mb: 1`).
const MAX_FILE: usize = 1024 * 1024;

/// A running `ducha serve`; killed when dropped.
struct Server {
    child: Child,
    addr: String,
    root: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// A figure of /proc/<pid>/status in KiB (`VmRSS`, `VmHWM`).
    fn mem_kib(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

/// A copy of the bundled data with the given `evidence:` block, accounts for two units and the
/// office, and `ducha serve` on it.
fn start(name: &str, evidence_block: &str) -> Server {
    let (root, data) = bundled_copy(name);
    let office = data.join("office.yaml");
    let text = std::fs::read_to_string(&office).unwrap();
    std::fs::write(&office, format!("{text}\n{evidence_block}")).unwrap();
    let store = ducha::serve::store::Store::open(&data).unwrap();
    let hash = ducha::serve::auth::hash_password(PASSWORD);
    for (u, role, unit) in [
        ("县科技局", Role::Unit, Some("县科技局")),
        ("县发展改革局", Role::Unit, Some("县发展改革局")),
        ("office", Role::Office, None),
        ("leader", Role::Leader, None),
    ] {
        assert!(store.add_user(u, role, unit, &hash).unwrap());
        store.set_password(u, &hash, false).unwrap();
    }
    drop(store);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(["serve", "--data", "data", "--out", "out", "--addr", "127.0.0.1:0"])
        .current_dir(&root)
        .env_remove("DUCHA_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    let port = banner.rsplit(':').next().unwrap().trim_end_matches('/').to_string();
    // Keep reading its output so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr: format!("127.0.0.1:{port}"), root }
}

/// The test limits: 1 MB a file, 3 MB a report.
const SMALL: &str = "evidence:\n  max_file_mb: 1\n  max_report_mb: 3\n";

/// A cookie-keeping client over real HTTP.
struct Web {
    addr: String,
    cookies: Vec<(String, String)>,
}

impl Web {
    fn new(server: &Server) -> Web {
        Web { addr: server.addr.clone(), cookies: Vec::new() }
    }

    fn cookie(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&mut self, r: &http_client::Response) {
        for (k, v) in &r.headers {
            if k == "set-cookie" {
                let (name, value) = v.split(';').next().unwrap().split_once('=').unwrap();
                self.cookies.retain(|(n, _)| n != name);
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    fn raw(&mut self, method: &str, path: &str, ctype: &str, body: &[u8]) -> http_client::Response {
        let cookie = self.cookie();
        let r = http_client::request(&self.addr, method, path, &[("Cookie", &cookie), ("Content-Type", ctype)], body)
            .unwrap();
        self.keep_cookies(&r);
        r
    }

    fn get(&mut self, path: &str) -> http_client::Response {
        self.raw("GET", path, "text/plain", b"")
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> http_client::Response {
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        self.raw("POST", path, "application/x-www-form-urlencoded", body.join("&").as_bytes())
    }

    fn login(server: &Server, user: &str) -> Web {
        let mut w = Web::new(server);
        let csrf = hidden(&w.get("/login").text(), "csrf");
        let r = w.post("/login", &[("csrf", &csrf), ("username", user), ("password", PASSWORD)]);
        assert_eq!(r.status, 303, "login {user}: {}", r.text());
        w
    }

    /// The report form's fields as the browser would post them (every text field of the page,
    /// `csrf` first as in the page), plus `files`, posted to the upload route.
    fn upload(&mut self, extra: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> http_client::Response {
        let page = self.get(&format!("/report/{PERIOD}")).text();
        let mut fields: Vec<(String, String)> = http_client::form_fields(&page)
            .into_iter()
            .filter(|(k, _)| !k.starts_with("file_t") && !k.starts_with("replace_t") && k != "overwrite")
            .collect();
        for (k, v) in extra {
            fields.retain(|(n, _)| n != k);
            fields.push((k.to_string(), v.to_string()));
        }
        // The page's first form is the logout form; its csrf is the session's too.
        let mut parts: Vec<Part> = fields.iter().map(|(k, v)| (k.as_str(), None, v.as_bytes())).collect();
        for (field, name, bytes) in files {
            parts.push((field, Some(name), bytes));
        }
        let body = multipart(&parts);
        self.raw("POST", &format!("/evidence/{PERIOD}"), &format!("multipart/form-data; boundary={BOUNDARY}"), &body)
    }
}

/// The files stored under `evidence/objects/`.
fn objects(data: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(data.join("evidence").join("objects"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    ducha::serve::store::sha256_hex(bytes)
}

/// Sends `len` zero bytes as one file part (`file_t2`, `huge.pdf`) after the `csrf` field,
/// streamed ([`http_client::request_streamed`]: 64 KiB at a time, never held), with a
/// `Content-Length` or chunked; returns the status, the body and how many of the `len` bytes
/// went out before the server stopped reading.
fn stream_huge(server: &Server, web: &Web, csrf: &str, len: u64, chunked: bool) -> (u16, String, u64) {
    let head_part = multipart(&[("csrf", None, csrf.as_bytes())]);
    // The closing boundary line is dropped and a file part opened instead.
    let mut prefix = head_part[..head_part.len() - format!("--{BOUNDARY}--\r\n").len()].to_vec();
    prefix.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file_t2\"; filename=\"huge.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    let body = http_client::Streamed {
        prefix,
        len,
        fill: |_, _, buf| buf.fill(0),
        seed: 0,
        suffix: format!("\r\n--{BOUNDARY}--\r\n").into_bytes(),
        chunked,
    };
    let ctype = format!("multipart/form-data; boundary={BOUNDARY}");
    let cookie = web.cookie();
    let (r, sent) = http_client::request_streamed(
        &server.addr,
        "POST",
        &format!("/evidence/{PERIOD}"),
        &[("Cookie", &cookie), ("Content-Type", &ctype)],
        body,
    )
    .unwrap();
    (r.status, r.text(), sent)
}

/// A 2 GB body is refused without being buffered: with its `Content-Length` before a byte is
/// read, chunked (no length) as soon as it passes the report's bound; the server's resident memory
/// hardly moves. A body the server does read whole (60 MB under a raised limit) is streamed to
/// disk, not held either.
#[test]
fn two_gigabytes_are_refused_without_buffering() {
    let server = start("evidence-huge", SMALL);
    let mut unit = Web::login(&server, "县科技局");
    let csrf = hidden(&unit.get(&format!("/report/{PERIOD}")).text(), "csrf");
    let two_gb: u64 = 2 * 1024 * 1024 * 1024;
    let hwm_before = server.mem_kib("VmHWM");

    let (status, text, sent) = stream_huge(&server, &unit, &csrf, two_gb, false);
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("上传的内容太大"), "{text}");
    assert!(sent < 64 * 1024 * 1024, "the server stopped the body early ({sent} bytes went out)");

    let (status, text, sent) = stream_huge(&server, &unit, &csrf, two_gb, true);
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("上传的内容太大"), "{text}");
    assert!(sent < 64 * 1024 * 1024, "chunked: cut at the bound ({sent} bytes went out)");
    let grew = server.mem_kib("VmHWM").saturating_sub(hwm_before);
    assert!(grew < 32 * 1024, "peak memory grew by {grew} KiB while refusing 2 GB bodies");
    assert!(objects(&server.data()).is_empty(), "nothing stored");
    let tmp = server.data().join("evidence").join("tmp");
    assert_eq!(std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0), 0, "no temp file left behind");

    // Under a limit that lets 60 MB through, the body is read to the end — into a temp file.
    let office = server.data().join("office.yaml");
    let text = std::fs::read_to_string(&office)
        .unwrap()
        .replace(SMALL, "evidence:\n  max_file_mb: 64\n  max_report_mb: 100\n");
    std::fs::write(&office, text).unwrap();
    let hwm_before = server.mem_kib("VmHWM");
    let (status, text, sent) = stream_huge(&server, &unit, &csrf, 60 * 1024 * 1024, true);
    assert_eq!(sent, 60 * 1024 * 1024);
    // Zeros are no document: read whole, then refused by type, naming the file.
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("“huge.pdf”"), "{text}");
    let grew = server.mem_kib("VmHWM").saturating_sub(hwm_before);
    assert!(grew < 32 * 1024, "peak memory grew by {grew} KiB while streaming 60 MB");
    assert!(objects(&server.data()).is_empty());
    let _ = &mut unit;
}

/// A zip whose entry `word/document.xml` unpacks to 64 MB from a few tens of KB of deflate (a
/// "zip bomb" named .docx, ratio ≈ 1000:1); written with the `zip` crate.
fn zip_bomb() -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
        z.start_file("word/document.xml", opts).unwrap();
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..64 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// The hostile uploads, each refused with a Chinese message naming the file, or neutralised;
/// the typed text survives every refusal; the limit is exact to the byte; one object per content.
#[test]
fn hostile_uploads_are_refused_or_neutralised() {
    let server = start("evidence-hostile", SMALL);
    let data = server.data();
    let mut unit = Web::login(&server, "县科技局");
    let typed = "上传被拒后这段新写的进展不能丢";

    // A polyglot: a PDF header with an HTML page inside.
    let mut poly = pdf("poly");
    poly.splice(9..9, b"<html><body><script>alert(document.cookie)</script></body></html>\n".iter().copied());
    let r = unit.upload(&[("t2_progress", typed)], &[("file_t2", "报告.pdf", &poly)]);
    assert_eq!(r.status, 422, "{}", r.text());
    let page = r.text();
    assert!(page.contains("“报告.pdf”开头含有网页或脚本标记"), "{page}");
    assert!(page.contains(typed), "the typed text is on the page again");
    // … and kept as the draft: the form opened afresh shows it.
    assert!(unit.get(&format!("/report/{PERIOD}")).text().contains(typed), "the draft holds the typed text");

    // An SVG with a script, named .png.
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let r = unit.upload(&[], &[("file_t2", "照片.png", svg)]);
    assert_eq!(r.status, 422);
    assert!(r.text().contains("“照片.png”开头含有网页或脚本标记"), "{}", r.text());

    // A zip bomb named .docx: refused from its declared sizes, never unpacked.
    let bomb = zip_bomb();
    assert!(bomb.len() < MAX_FILE, "the bomb is small: {} bytes", bomb.len());
    let r = unit.upload(&[], &[("file_t2", "验收报告.docx", &bomb)]);
    assert_eq!(r.status, 422);
    assert!(r.text().contains("“验收报告.docx”是压缩结构异常的文件"), "{}", r.text());
    assert!(objects(&data).is_empty(), "nothing refused is stored");

    // Exactly at the limit: stored. One byte over: refused, naming the limit.
    let at = pdf_of_len(MAX_FILE);
    let r = unit.upload(&[], &[("file_t2", "恰好1MB.pdf", &at)]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("恰好1MB.pdf"));
    let over = pdf_of_len(MAX_FILE + 1);
    let r = unit.upload(&[], &[("file_t2", "超出1字节.pdf", &over)]);
    assert_eq!(r.status, 422);
    assert!(r.text().contains("“超出1字节.pdf”未上传：文件大小超过单个文件的上限 1 MB"), "{}", r.text());
    assert_eq!(objects(&data).len(), 1);

    // `../` in the name: stored under its hash, shown by its last part only.
    let small = pdf("evidence one");
    let r = unit.upload(&[], &[("file_t2", "../../../etc/passwd.pdf", &small)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(page.contains(">passwd.pdf<"), "{page}");
    assert!(!page.contains("../"), "no path shown");
    assert!(!root_has(&server.root, "passwd.pdf"), "no file by the sent name anywhere");
    let objs = objects(&data);
    assert_eq!(objs.len(), 2);
    assert!(objs.iter().any(|p| p.file_name().unwrap().to_string_lossy() == sha256(&small)), "{objs:?}");
    // The same bytes again (another name): stored once.
    let r = unit.upload(&[], &[("file_t2", "again.pdf", &small)]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(objects(&data).len(), 2, "the same content is one object");

    // NUL in a name (no browser sends one): the part's header is refused whole, nothing stored.
    let before = objects(&data).len();
    let r = unit.upload(&[], &[("file_t2", "a\0b.pdf", &pdf("nul"))]);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("上传没有完成") && r.text().contains("文件名"), "{}", r.text());
    assert_eq!(objects(&data).len(), before);
    // Backslash folders
    // and a bidi override (a name that reads `exe.pdf` backwards) are dropped; the cleaned name
    // gets a short hash so it cannot pass for another.
    let r = unit.upload(&[], &[("file_t2", "..\\..\\\u{202e}fdp.exe", &pdf("bidi"))]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains(">fdp-"), "{}", r.text());
    assert!(!r.text().contains('\u{202e}'));

    // The whole report over its 3 MB: refused by the core's report bound.
    let r = unit.upload(
        &[],
        &[("file_t2", "a.pdf", &pdf_of_len(MAX_FILE - 7)), ("file_t2", "b.pdf", &pdf_of_len(MAX_FILE - 9))],
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("3 MB"), "{}", r.text());
}

fn root_has(root: &Path, name: &str) -> bool {
    walkdir::WalkDir::new(root).into_iter().flatten().any(|e| e.file_name().to_string_lossy() == name)
}

/// Downloads: attachment with the name as RFC 5987 `filename*`, the sniffed type, nosniff; the
/// inline view of an image with `sandbox`; another unit's file by hash is 403, a leader's 403,
/// the office's 200. Review: 退回 needs a reason; the unit sees the decision and replaces the
/// file; the office's 采信 is shown.
#[test]
fn downloads_access_and_review() {
    let server = start("evidence-access", SMALL);
    let mut unit = Web::login(&server, "县科技局");
    let (photo, photo2) = (png(64, 48, 1), png(64, 48, 2));
    let png = &photo;
    let pdf_bytes = pdf("review");
    let r = unit.upload(&[], &[("file_t2", "现场照片.png", png), ("file_t2", "验收报告.pdf", &pdf_bytes)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let (png_sha, pdf_sha) = (sha256(png), sha256(&pdf_bytes));

    let r = unit.get(&format!("/evidence/file/{pdf_sha}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, pdf_bytes);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let cd = r.header("content-disposition").unwrap().to_string();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(cd.contains(&format!("filename*=UTF-8''{}", encode("验收报告.pdf"))), "{cd}");
    assert!(cd.contains("filename=\"____.pdf\""), "an ASCII fallback: {cd}");
    let r = unit.get(&format!("/evidence/view/{png_sha}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert!(r.header("content-security-policy").unwrap().contains("sandbox"));
    assert!(r.header("content-disposition").unwrap().starts_with("inline;"));

    // Another unit, by hash: 403; a leader: 403; the office: 200; an unknown hash: 404.
    let mut other = Web::login(&server, "县发展改革局");
    for path in [format!("/evidence/file/{pdf_sha}"), format!("/evidence/view/{png_sha}")] {
        let r = other.get(&path);
        assert_eq!(r.status, 403, "{path}");
        assert!(!r.body.windows(4).any(|w| w == b"%PDF"), "nothing of the file");
    }
    let mut leader = Web::login(&server, "leader");
    assert_eq!(leader.get(&format!("/evidence/file/{pdf_sha}")).status, 403);
    let mut office = Web::login(&server, "office");
    assert_eq!(office.get(&format!("/evidence/file/{pdf_sha}")).body, pdf_bytes);
    assert_eq!(office.get(&format!("/evidence/file/{}", sha256(b"unknown"))).status, 404);

    // The office's page for task 2: the report text, a thumbnail of the photo, the two files.
    let review = format!("/evidence/review/{PERIOD}/2");
    let page = office.get(&review).text();
    let shown = http_client::unescape(&page);
    assert!(shown.contains(&format!("<img class=\"thumb\" src=\"/evidence/view/{png_sha}\"")), "{page}");
    assert!(page.contains("验收报告.pdf") && page.contains("现场照片.png"));
    let csrf = hidden(&page, "csrf");
    // 退回 without a reason: refused, nothing recorded.
    let r = office.post(
        &review,
        &[("csrf", &csrf), ("unit", "县科技局"), ("sha256", &png_sha), ("decision", "退回"), ("reason", " ")],
    );
    assert_eq!(r.status, 422);
    assert!(r.text().contains("请填写退回理由"), "{}", r.text());
    let reason = "照片看不清现场，请重拍";
    let r = office.post(
        &review,
        &[("csrf", &csrf), ("unit", "县科技局"), ("sha256", &png_sha), ("decision", "退回"), ("reason", reason)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let r = office.post(
        &review,
        &[("csrf", &csrf), ("unit", "县科技局"), ("sha256", &pdf_sha), ("decision", "采信"), ("reason", "")],
    );
    assert_eq!(r.status, 303, "{}", r.text());

    // The unit sees both decisions and replaces the returned photo.
    let page = unit.get(&format!("/report/{PERIOD}")).text();
    assert!(page.contains(reason), "{page}");
    assert!(page.contains(&format!("name=\"replace_t2_{png_sha}\"")), "a replace control for the returned file");
    let new_png = &photo2;
    let field = format!("replace_t2_{png_sha}");
    let r = unit.upload(&[], &[(&field, "重拍.png", new_png)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(page.contains("重拍.png"));
    assert!(!page.contains(&format!("data-sha=\"{png_sha}\"")), "the returned file is replaced");
    // The replaced file is still the unit's to download (its history), and the office sees the new one.
    assert!(office.get(&review).text().contains("重拍.png"));
}

/// A PDF of exactly `len` bytes whose padding (a comment line after the header) is varied
/// printable bytes from a fixed seed, so a download with a chunk lost, repeated or reordered has
/// another SHA-256.
fn varied_pdf(len: usize) -> Vec<u8> {
    let mut out = pdf_of_len(len);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    // `pdf_of_len` writes `%PDF-1.4\n%xxxx…\n`: the x's are the padding.
    for b in out.iter_mut().skip(10).take_while(|b| **b == b'x') {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        *b = b'0' + ((x >> 33) % 75) as u8; // '0'..'z': no line break, no '<'
    }
    assert_eq!(out.len(), len);
    out
}

/// 县科技局 signed in, having uploaded a PDF of 20 MiB (the default limit) named `name` for task 2:
/// the session, the file's SHA-256 (checked to be in the store) and its length.
fn upload_20_mb(server: &Server, name: &str) -> (Web, String, usize) {
    let mut unit = Web::login(server, "县科技局");
    let len = 20 * 1024 * 1024;
    let big = varied_pdf(len);
    let sha = sha256(&big);
    let r = unit.upload(&[], &[("file_t2", name, &big)]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(objects(&server.data()).iter().any(|p| p.file_name().unwrap().to_string_lossy() == sha));
    (unit, sha, len)
}

/// A file at the default limit (20 MB) downloads byte-identical (its SHA-256 checked) with its
/// `Content-Length`, the sniffed type, `nosniff` and a safe attachment name, to its unit and to
/// the office — streamed from disk: the server's peak resident memory grows by far less than the
/// file while it is sent (before the fix it grew by at least the file's size: the bytes were read
/// whole into the response).
#[test]
fn large_downloads_stream_from_disk() {
    let server = start("evidence-download", "");
    let (mut unit, sha, len) = upload_20_mb(&server, "大文件\"; x.pdf");
    let mut office = Web::login(&server, "office");
    let mut other = Web::login(&server, "县发展改革局");
    let mut leader = Web::login(&server, "leader");
    let path = format!("/evidence/file/{sha}");
    // Warm up the server's buffers with a small download, then measure the big ones.
    assert_eq!(unit.get(&format!("/evidence/file/{}", sha256(b"none"))).status, 404);
    let hwm_before = server.mem_kib("VmHWM");
    for (who, web) in [("unit", &mut unit), ("office", &mut office)] {
        let r = web.get(&path);
        assert_eq!(r.status, 200, "{who}");
        assert_eq!(r.body.len(), len, "{who}");
        assert_eq!(sha256(&r.body), sha, "{who}: byte-identical");
        assert_eq!(r.header("content-length"), Some(len.to_string().as_str()), "{who}");
        assert_eq!(r.header("content-type"), Some("application/pdf"), "{who}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{who}");
        let cd = r.header("content-disposition").unwrap();
        assert!(cd.starts_with("attachment; filename=\""), "{who}: {cd}");
        let ascii = &cd["attachment; filename=\"".len()..cd.find("\"; filename*").unwrap()];
        assert!(!ascii.contains(['"', ';', '\\']) && ascii.ends_with(".pdf"), "{who}: {cd}");
    }
    let grew = server.mem_kib("VmHWM").saturating_sub(hwm_before);
    eprintln!("peak resident memory grew by {grew} KiB while sending a 20 MB file twice");
    assert!(grew < 8 * 1024, "peak memory grew by {grew} KiB while sending a 20 MB file twice");
    // The access rule holds for the streamed body too: nothing of it reaches another unit or a leader.
    for (who, web) in [("another unit", &mut other), ("leader", &mut leader)] {
        let r = web.get(&path);
        assert_eq!(r.status, 403, "{who}");
        assert!(r.body.len() < 64 * 1024 && !r.body.windows(5).any(|w| w == b"%PDF-"), "{who}");
    }
}

/// Clients that stop reading a download hold no thread of the server. 32 connections each read
/// only the head of a 20 MB download (more than the socket buffers take) and then stall. Once the
/// blocking pool's idle threads have ended (tokio ends them after 10 s idle), the server has
/// fewer than 16 threads more than before: the stalled downloads wait without a thread each
/// (before the fix, each held a blocking thread until its client read on or went away, so enough
/// stalled clients could use up the pool every request's file work runs on). Meanwhile another
/// download completes whole, and a stalled one, read at last, arrives whole.
#[test]
fn stalled_downloads_hold_no_thread() {
    use std::io::Read as _;
    let server = start("evidence-stall", "");
    let (mut unit, sha, len) = upload_20_mb(&server, "大文件.pdf");
    let path = format!("/evidence/file/{sha}");
    let cookie = unit.cookie();
    let before = server.mem_kib("Threads");
    let stalls = 32;
    let mut stalled = Vec::new();
    for i in 0..stalls {
        let mut s = std::net::TcpStream::connect(&server.addr).unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n", server.addr);
        s.write_all(request.as_bytes()).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 200"), "stalled download {i}: {head}");
        stalled.push(s);
    }
    std::thread::sleep(std::time::Duration::from_secs(13));
    let after = server.mem_kib("Threads");
    eprintln!("server threads: {before} before, {after} with {stalls} stalled downloads");
    assert!(after < before + 16, "{after} threads with {stalls} stalled downloads, {before} before");
    let r = unit.get(&path);
    assert_eq!((r.status, r.body.len()), (200, len));
    assert_eq!(sha256(&r.body), sha, "another client's download, byte-identical");
    let mut last = stalled.pop().unwrap();
    let mut rest = Vec::new();
    last.read_to_end(&mut rest).unwrap();
    assert_eq!(rest.len(), len, "a stalled download read at last");
    assert_eq!(sha256(&rest), sha, "a stalled download read at last, byte-identical");
}

/// The files `tests/evidence_files.py objstm` saves with PyMuPDF (object streams, compressed)
/// into `dir`, and the open action PyMuPDF reads back from each.
fn objstm_pdfs(dir: &Path) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/evidence_files.py");
    let out = Command::new("python3").arg(script).arg("objstm").arg(dir).output().unwrap();
    assert!(out.status.success(), "evidence_files.py objstm: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A PDF whose one extra object is a `FlateDecode` stream of `zeros` zero bytes, compressed at
/// the best level (≈ 1000:1): a compression bomb inside a PDF.
fn pdf_with_deflated_zeros(zeros: u64) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let mb = vec![0u8; 1024 * 1024];
    for _ in 0..zeros / mb.len() as u64 {
        z.write_all(&mb).unwrap();
    }
    let data = z.finish().unwrap();
    let body = pdf("bomb");
    let mut out = body[..9].to_vec();
    out.extend_from_slice(format!("9 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n", data.len()).as_bytes());
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    out.extend_from_slice(&body[9..]);
    out
}

/// Scripts hidden where a plain-text scan cannot see them are refused through the upload door:
/// a JavaScript open action and a launch action that live only inside a compressed object stream
/// (files saved by PyMuPDF, which reads the action back; no key of it is in the file's plain
/// bytes), and an action whose names are written with `#xx` escapes (`/Java#53cript`). A
/// compression bomb inside a PDF is refused from a bound, not inflated to the end. Clean
/// compressed PDFs pass: PyMuPDF's with object streams, and a notice ducha itself typeset.
#[test]
fn pdf_scripts_hidden_in_compressed_streams_are_refused() {
    let server = start("evidence-objstm", SMALL);
    let dir = server.root.join("made");
    let actions = objstm_pdfs(&dir);
    let mut unit = Web::login(&server, "县科技局");
    for (name, key, shown) in [("js", "/S/JavaScript", "打开即运行.pdf"), ("launch", "/S/Launch", "启动程序.pdf")]
    {
        let action = actions[name]["open_action"].as_str().unwrap_or_default();
        assert!(action.contains(key), "PyMuPDF reads the {name} action back: {action}");
        let bytes = std::fs::read(dir.join(format!("objstm_{name}.pdf"))).unwrap();
        assert!(contains(&bytes, b"/ObjStm"), "{name}: saved with an object stream");
        for plain in [&b"JavaScript"[..], b"/JS", b"Launch"] {
            assert!(!contains(&bytes, plain), "{name}: {} is in no plain byte", String::from_utf8_lossy(plain));
        }
        let r = unit.upload(&[], &[("file_t2", shown, &bytes)]);
        assert_eq!(r.status, 422, "{name}: {}", r.text());
        let page = http_client::unescape(&r.text());
        let words = format!("“{shown}”是含有脚本或启动动作（{}，藏在压缩的数据流中）的 PDF，不予接收", &key[2..]);
        assert!(page.contains(&words), "{name}: {page}");
    }
    assert!(objects(&server.data()).is_empty(), "nothing with a script is stored");

    // Names written with escapes, in plain text: `/S /JavaScript` and `/JS` as a viewer decodes them.
    let mut escaped = pdf("escaped");
    let catalog = b"<< /Type /Catalog /Pages 2 0 R";
    let at = escaped.windows(catalog.len()).position(|w| w == catalog).unwrap() + catalog.len();
    escaped.splice(at..at, b" /OpenAction << /S /Java#53cript /J#53 (app.alert\\(1\\)) >>".iter().copied());
    for plain in [&b"/JavaScript"[..], b"/JS ", b"/JS(", b"/JS<", b"/Launch"] {
        assert!(!contains(&escaped, plain), "the escaped names are not the plain keys");
    }
    let r = unit.upload(&[], &[("file_t2", "转义.pdf", &escaped)]);
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(http_client::unescape(&r.text()).contains("“转义.pdf”是含有脚本或启动动作（/JavaScript）的 PDF"));

    // 600 MB of zeros deflated into well under the 1 MB limit: refused at the inflation bound.
    let bomb = pdf_with_deflated_zeros(600 * 1024 * 1024);
    assert!(bomb.len() < MAX_FILE, "the bomb is small: {} bytes", bomb.len());
    let started = std::time::Instant::now();
    let r = unit.upload(&[], &[("file_t2", "扫描件.pdf", &bomb)]);
    eprintln!("a PDF inflating to 600 MB refused in {:.2} s", started.elapsed().as_secs_f64());
    assert_eq!(r.status, 422, "{}", r.text());
    let page = http_client::unescape(&r.text());
    assert!(page.contains("“扫描件.pdf”是压缩结构异常的文件（PDF 中的压缩数据解压后超过 512 MB）"), "{page}");
    assert!(objects(&server.data()).is_empty());

    // Clean compressed PDFs are accepted: PyMuPDF's with object streams, ducha's own notice.
    assert_eq!(actions["clean"]["open_action"], serde_json::Value::Null);
    let clean = std::fs::read(dir.join("objstm_clean.pdf")).unwrap();
    assert!(contains(&clean, b"/ObjStm"));
    let out = Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(["build", "--data", "data", "--out", "built", "--period", PERIOD, "--only", "notice"])
        .current_dir(&server.root)
        .env_remove("DUCHA_DATA")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let notice = walkdir::WalkDir::new(server.root.join("built"))
        .into_iter()
        .flatten()
        .find(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .expect("ducha built a notice");
    assert!(contains(&notice, b"/FlateDecode"), "the notice has compressed streams");
    assert!(notice.len() < MAX_FILE, "the notice fits the test limit: {} bytes", notice.len());
    let r = unit.upload(&[], &[("file_t2", "对象流.pdf", &clean), ("file_t2", "通报.pdf", &notice)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let stored: Vec<String> =
        objects(&server.data()).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(stored.contains(&sha256(&clean)) && stored.contains(&sha256(&notice)), "{stored:?}");
}
