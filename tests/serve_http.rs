//! `ducha serve` over HTTP (requests sent through the router): the authorization matrix, login,
//! sessions and CSRF, limits, escaping, security headers, the report form's validation and
//! submission, stale saves, CLI edits, paths, the audit log, build and download, revisions,
//! notice.md editing with page previews, archiving; and once over real HTTPS (rustls).

mod serve_util;

use axum::http::StatusCode;
use serve_util::*;

const PERIOD: &str = "2023Q4";

fn report_file(root: &std::path::Path, unit: &str) -> std::path::PathBuf {
    root.join("data/reports").join(PERIOD).join(format!("{unit}.yaml"))
}

/// Every route × every role: allowed roles get their page, the others 403 with nothing of the
/// page in the body; without a session a GET goes to the login page and a POST is refused.
#[tokio::test]
async fn authorization_matrix() {
    let (app, root) = app("serve-matrix");
    // Documents to download must exist for the allowed cases: put stand-ins where a build writes.
    let out = root.join("out").join(PERIOD);
    std::fs::create_dir_all(&out).unwrap();
    for f in [
        "季度进展情况通报.pdf",
        "领导参阅.pdf",
        "督办通知单-县科技局.pdf",
        "领导参阅-p1.png",
        "季度进展情况通报-p3.png",
        "季度进展情况通报.docx",
        "领导参阅.docx",
    ] {
        std::fs::write(out.join(f), b"%PDF-1.7 stand-in").unwrap();
    }
    let notice_docx = format!("/out/{PERIOD}/{}", enc("季度进展情况通报.docx"));
    let leader_docx = format!("/out/{PERIOD}/{}", enc("领导参阅.docx"));
    let notice = format!("/out/{PERIOD}/{}", enc("季度进展情况通报.pdf"));
    let leader_pdf = format!("/out/{PERIOD}/{}", enc("领导参阅.pdf"));
    let order = format!("/out/{PERIOD}/{}", enc("督办通知单-县科技局.pdf"));
    let leader_png = format!("/out/{PERIOD}/{}", enc("领导参阅-p1.png"));
    let notice_png = format!("/out/{PERIOD}/{}", enc("季度进展情况通报-p3.png"));
    let report = format!("/report/{PERIOD}");
    // 佐证材料: a photo of 县科技局's task 2, stored as an upload would store it.
    let photo = store_evidence(&root.join("data"), PERIOD, "县科技局", 2, "现场照片.png", &png(8, 8, 1));
    let (upload, review) = (format!("/evidence/{PERIOD}"), format!("/evidence/review/{PERIOD}/2"));
    let build = format!("/build/{PERIOD}");
    let notice_md = format!("/notice/{PERIOD}");
    let archive = format!("/archive/{PERIOD}");
    // The bundled 督办 register; 督办〔2023〕3号 is 县发展改革局's (not the unit logged in here).
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/orders/2023");
    std::fs::create_dir_all(root.join("data/orders/2023")).unwrap();
    for f in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::copy(f.path(), root.join("data/orders/2023").join(f.file_name())).unwrap();
    }
    let item = "/items/2023/db-003".to_string();
    // (method, uri, roles allowed: unit, office, leader)
    let cases: Vec<(&str, String, [bool; 3])> = vec![
        ("GET", report.clone(), [true, false, false]),
        ("POST", report.clone(), [true, false, false]),
        ("GET", "/dashboard".into(), [false, true, true]),
        ("GET", format!("/dashboard?period={PERIOD}&status=behind"), [false, true, true]),
        ("GET", "/task/2".into(), [false, true, true]),
        ("GET", build.clone(), [false, true, false]),
        // Office's POST /build is exercised (it really builds) in `build_and_download`.
        ("POST", build.clone(), [false, false, false]),
        ("GET", notice_md.clone(), [false, true, false]),
        // The office's POST (with a wrong version) is refused as stale: 409, nothing built.
        ("POST", notice_md.clone(), [false, true, false]),
        // Office's POST /archive really archives: `archive_from_the_browser`.
        ("POST", archive.clone(), [false, false, false]),
        ("GET", notice.clone(), [false, true, false]),
        ("GET", notice_png.clone(), [false, true, false]),
        ("GET", order.clone(), [false, true, false]),
        ("GET", leader_pdf.clone(), [false, true, true]),
        ("GET", leader_png.clone(), [false, true, true]),
        ("GET", "/assess".into(), [false, true, true]),
        ("GET", "/assess/mine".into(), [true, false, false]),
        // The .docx drafts are for the office's 核稿 only, the leader's included.
        ("GET", notice_docx.clone(), [false, true, false]),
        ("GET", leader_docx.clone(), [false, true, false]),
        ("GET", "/items".into(), [true, true, true]),
        // A unit may open its own items only (tests/serve_orders.rs); this one is another unit's.
        ("GET", item.clone(), [false, true, true]),
        ("POST", item.clone(), [false, false, false]),
        // The office's POSTs really act: tests/serve_orders.rs.
        ("POST", "/items/issue".into(), [false, false, false]),
        ("POST", "/items/accept".into(), [false, false, false]),
        // A 催办单 of 县发展改革局's item: the office and that unit only (`chase_pdf_*`).
        ("GET", "/chase/2023/2".into(), [false, true, false]),
        // The unit's multipart upload and the office's decision are exercised in serve_evidence.rs.
        ("POST", upload.clone(), [false, false, false]),
        ("GET", format!("/evidence/file/{photo}"), [true, true, false]),
        ("GET", format!("/evidence/view/{photo}"), [true, true, false]),
        ("GET", review.clone(), [false, true, false]),
        ("POST", review.clone(), [false, false, false]),
    ];
    copy_register(&root);
    // The routes the server declares are all covered here.
    for (m, pattern, _) in ducha::serve::ROUTES {
        let prefix = pattern.split('{').next().unwrap();
        assert!(cases.iter().any(|(cm, uri, _)| cm == m && uri.starts_with(prefix)), "{m} {pattern} not in the matrix");
    }
    for (role_index, user) in ["县科技局", "office", "leader"].into_iter().enumerate() {
        let mut c = logged_in(&app, user).await;
        let csrf = c.csrf("/password").await;
        for (method, uri, allowed) in &cases {
            if *method == "POST"
                && (uri == &build || uri == &archive || uri == &review || uri.starts_with("/items"))
                && user == "office"
            {
                continue;
            }
            if *method == "POST" && uri == &upload && user == "县科技局" {
                continue;
            }
            let allowed = allowed[role_index];
            let r = if *method == "POST" {
                c.send("POST", uri, &[("csrf", &csrf), ("action", "save"), ("version", "x")]).await
            } else {
                c.get(uri).await
            };
            if allowed {
                assert!(
                    r.status.is_success() || r.status == StatusCode::CONFLICT,
                    "{user} {method} {uri}: {} {}",
                    r.status,
                    r.text()
                );
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{user} {method} {uri}");
                let body = r.text();
                for leak in ["加强创新平台建设", "孙晓燕", "stand-in", "%PDF", "csrf", "notice.md", "归档"]
                {
                    assert!(!body.contains(leak), "{user} {method} {uri} leaks {leak}");
                }
            }
        }
    }
    // Without a session.
    let mut anon = Client::new(&app);
    for (method, uri, _) in &cases {
        let r = anon.send(method, uri, &[("action", "save")]).await;
        if *method == "GET" {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "anon GET {uri}");
            assert_eq!(r.location(), "/login");
        } else if uri == &report || uri == &item {
            // A report POST without a live session keeps what was typed for after the login.
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "anon POST {uri}");
            assert!(r.text().contains("登录已过期"), "{}", r.text());
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "anon POST {uri}");
        }
        assert!(!r.text().contains("加强创新平台建设"));
    }
}

/// A unit sees and writes only its own report: the URL has no unit, and a posted `unit` field
/// changes nothing; another unit's report file is never touched.
#[tokio::test]
async fn unit_only_ever_reaches_its_own_report() {
    let (app, root) = app("serve-own");
    let mut c = logged_in(&app, "县发展改革局").await;
    let page = c.get(&format!("/report/{PERIOD}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("县发展改革局"));
    assert!(!page.text().contains("加强实验室布局提升"), "a task of 县科技局 shown to 县发展改革局");
    let before = read(&report_file(&root, "县科技局"));
    let csrf = hidden(&page.text(), "csrf");
    let version = hidden(&page.text(), "version");
    let r = c
        .send(
            "POST",
            &format!("/report/{PERIOD}"),
            &[("csrf", &csrf), ("version", &version), ("action", "submit"), ("unit", "县科技局"), ("t1_progress", "x")],
        )
        .await;
    assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(read(&report_file(&root, "县科技局")), before);
    // Paths with a unit in them are simply not routes.
    for uri in [format!("/report/{PERIOD}/县科技局"), format!("/report/{}", enc("../reports/2023Q4/县科技局"))]
    {
        let r = c.get(&uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

/// Only the plan year's four quarters and the pipeline's own file names reach the file system.
#[tokio::test]
async fn request_paths_never_leave_their_folders() {
    let (app, root) = app("serve-paths");
    std::fs::create_dir_all(root.join("out/2023Q4")).unwrap();
    std::fs::write(root.join("out/secret.pdf"), b"secret").unwrap();
    let mut c = logged_in(&app, "office").await;
    for uri in [
        "/out/2023Q4/..%2Fsecret.pdf",
        "/out/..%2F..%2Fdata/plan.yaml",
        "/out/2023Q4/%2E%2E/secret.pdf",
        "/out/2023Q4/plan.yaml",
        "/out/2022Q4/%E9%A2%86%E5%AF%BC%E5%8F%82%E9%98%85.pdf",
        "/out/2023Q5/x.pdf",
        "/build/2024Q1",
        "/build/..",
        "/dashboard?period=..%2F..",
        "/task/999",
        "/notice/..",
        "/notice/2024Q1",
        "/notice/2023Q4%2F..%2F..%2Fplan.yaml",
        "/out/2023Q4/%E5%AD%A3%E5%BA%A6%E8%BF%9B%E5%B1%95%E6%83%85%E5%86%B5%E9%80%9A%E6%8A%A5-p01.png",
        "/out/2023Q4/%E5%AD%A3%E5%BA%A6%E8%BF%9B%E5%B1%95%E6%83%85%E5%86%B5%E9%80%9A%E6%8A%A5-p0.png",
        "/out/2023Q4/%E5%AD%A3%E5%BA%A6%E8%BF%9B%E5%B1%95%E6%83%85%E5%86%B5%E9%80%9A%E6%8A%A5-p1000.png",
    ] {
        let r = c.get(uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}: {}", r.text());
        assert!(!r.text().contains("secret"));
    }
    let mut u = logged_in(&app, "县科技局").await;
    for uri in ["/report/2022Q4", "/report/2023q4", "/report/..", "/report/2023Q4%2F..%2F..%2Fplan"] {
        assert_eq!(u.get(uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

/// Login: wrong passwords are refused, the session cookie is random, HttpOnly and
/// SameSite=Strict, and it expires.
#[tokio::test]
async fn login_sessions_and_rate_limits() {
    let (app, _root) = app("serve-login");
    let mut c = Client::new(&app);
    let r = c.login("office", "wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("用户名或密码错误"));
    assert!(!c.cookies.contains_key("ducha_session"));
    // Unknown account: the same answer.
    let r = c.login("nobody", "wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let r = c.login("office", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.header("set-cookie");
    assert!(cookie.starts_with("ducha_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "no TLS, no Secure");
    let first = c.cookies["ducha_session"].clone();
    assert_eq!(first.len(), 64);
    let mut c2 = logged_in(&app, "office").await;
    assert_ne!(c2.cookies["ducha_session"], first, "session ids are random");
    assert_eq!(c2.get("/dashboard").await.status, StatusCode::OK);

    // Expiry: a session past its time is gone.
    app.store.execute_raw("UPDATE sessions SET expires = 0").unwrap();
    let r = c2.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");

    // Throttling (per account and address, tests/serve_accounts.rs): another address logs in.
    let mut e = Client::from_addr(&app, "10.0.0.4:1");
    assert_eq!(e.login("县科技局", PASSWORD).await.status, StatusCode::SEE_OTHER);

    // Disabled accounts cannot log in; logout ends the session.
    app.store.set_disabled("县发展改革局", true).unwrap();
    assert_eq!(Client::new(&app).login("县发展改革局", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let csrf = e.csrf("/password").await;
    let r = e.send("POST", "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(e.get(&format!("/report/{PERIOD}")).await.location(), "/login");
}

/// First login with an initial password: every page leads to the password form until a new one
/// is set (fields `password`, `new_password`, `confirm`).
#[tokio::test]
async fn first_login_forces_a_new_password() {
    let (app, _root) = app("serve-first");
    let mut c = Client::new(&app);
    let r = c.login("new", PASSWORD).await;
    assert_eq!(r.location(), "/password");
    assert_eq!(c.get("/dashboard").await.location(), "/password");
    let csrf = c.csrf("/password").await;
    let r = c.send("POST", "/build/2023Q4", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (old, new, confirm, msg) in [
        ("wrong", "new-password-9", "new-password-9", "当前密码不正确"),
        (PASSWORD, "short", "short", "至少要 8 个字符"),
        (PASSWORD, "new-password-9", "new-password-8", "不一致"),
        (PASSWORD, PASSWORD, PASSWORD, "不能与当前密码相同"),
    ] {
        let r = c
            .send(
                "POST",
                "/password",
                &[("csrf", &csrf), ("password", old), ("new_password", new), ("confirm", confirm)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains(msg), "{msg}");
    }
    let r = c
        .send(
            "POST",
            "/password",
            &[
                ("csrf", &csrf),
                ("password", PASSWORD),
                ("new_password", "new-password-9"),
                ("confirm", "new-password-9"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
    let u = app.store.user("new").unwrap().unwrap();
    assert!(!u.must_change);
    assert!(u.hash.starts_with("$argon2id$") && !u.hash.contains("new-password-9"));
    // The old password no longer works; the new one does.
    assert_eq!(Client::new(&app).login("new", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(Client::new(&app).login("new", "new-password-9").await.status, StatusCode::SEE_OTHER);
}

/// Every POST needs the CSRF token: login (cookie + field), logout, report, build, notice,
/// archive.
#[tokio::test]
async fn csrf_tokens_on_every_post() {
    let (app, root) = app("serve-csrf");
    let mut anon = Client::new(&app);
    let r = anon.send("POST", "/login", &[("username", "office"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "login without token");
    let mut c = logged_in(&app, "县科技局").await;
    let page = c.get(&format!("/report/{PERIOD}")).await;
    let version = hidden(&page.text(), "version");
    let before = read(&report_file(&root, "县科技局"));
    for token in ["", "0000", &"a".repeat(64)] {
        let r = c
            .send("POST", &format!("/report/{PERIOD}"), &[("csrf", token), ("version", &version), ("action", "submit")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "token {token:?}");
        assert_eq!(c.send("POST", "/logout", &[("csrf", token)]).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(read(&report_file(&root, "县科技局")), before);
    let mut o = logged_in(&app, "office").await;
    assert_eq!(o.send("POST", "/build/2023Q4", &[]).await.status, StatusCode::FORBIDDEN);
    let notice = o.get("/notice/2023Q4").await.text();
    let r = o
        .send(
            "POST",
            "/notice/2023Q4",
            &[("csrf", "0000"), ("version", &hidden(&notice, "version")), ("text", "## 结语\nx\n")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(o.send("POST", "/archive/2023Q4", &[("revise", "1")]).await.status, StatusCode::FORBIDDEN);
    assert!(!root.join("out/2023Q4").exists(), "nothing built");
    assert!(!root.join("data/reports/2023Q4/notice.md").exists(), "nothing saved");
    assert!(!root.join("archive").exists(), "nothing archived");
}

/// Oversized bodies are refused; every response has the security headers.
#[tokio::test]
async fn body_limit_and_security_headers() {
    let (app, _root) = app("serve-headers");
    let mut c = logged_in(&app, "县科技局").await;
    let big = format!("csrf=x&t1_progress={}", "a".repeat(ducha::serve::BODY_LIMIT + 1));
    let r = c.send_raw("POST", &format!("/report/{PERIOD}"), big.into_bytes()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    for uri in ["/login", "/report/2023Q4", "/dashboard", "/nowhere", "/static/style.css"] {
        let r = c.get(uri).await;
        assert_eq!(r.header("x-frame-options"), "DENY", "{uri}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{uri}");
        let csp = r.header("content-security-policy");
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("script-src"), "no script allowed at all: {csp}");
        assert_eq!(r.header("strict-transport-security"), "", "no HSTS over plain HTTP");
        if r.header("content-type").starts_with("text/html") {
            assert!(!r.text().contains("<script"), "{uri} has a script");
        }
    }
}

/// The form: a non-number in 完成数值 is shown next to the field with the rule's Chinese message
/// and blocks the submission; fixed, the report is written in the `ducha import` format, `check`
/// accepts the data, and user text containing markup shows literally everywhere.
#[tokio::test]
async fn report_validation_submission_and_escaping() {
    let (app, root) = app("serve-report");
    let file = report_file(&root, "县科技局");
    let before = read(&file);
    let mut c = logged_in(&app, "县科技局").await;
    let page = c.get(&format!("/report/{PERIOD}")).await;
    let html = page.text();
    assert!(html.contains("加强创新平台建设") && html.contains("孙晓燕"), "prefilled from the file");
    assert!(html.contains("name=\"t2_v1\"") && html.contains("value=\"6\""));
    let csrf = hidden(&html, "csrf");
    let version = hidden(&html, "version");
    let narrative = "<script>alert(1)</script> 全年新增市级创新平台 2 家 & 更多";
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("version", &version), ("action", "submit")];
    // Keep every other field as the page had it: re-send the prefilled values.
    let prefilled = extract_inputs(&html);
    for (k, v) in &prefilled {
        if !matches!(k.as_str(), "csrf" | "version" | "t2_v1" | "t2_progress" | "t2_claim") {
            form.push((k, v));
        }
    }
    let mut bad = form.clone();
    bad.push(("t2_v1", "六家"));
    bad.push(("t2_progress", narrative));
    bad.push(("t2_claim", "已完成"));
    let r = c.send("POST", &format!("/report/{PERIOD}"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("data-field=\"t2_v1\">错误：第 2 项任务第 1 个指标的完成数值 “六家” 不是有效数字"), "{text}");
    assert!(text.contains("未提交"));
    assert!(text.contains("&lt;script&gt;alert(1)&lt;") && !text.contains("<script>"), "escaped in the form");
    assert!(text.contains("value=\"六家\""), "typed text kept");
    assert_eq!(read(&file), before, "nothing written");

    // A rule of `ducha check` (progress empty) also shows at its field.
    let mut empty = form.clone();
    empty.push(("t2_v1", "2"));
    empty.push(("t2_progress", ""));
    empty.push(("t2_claim", "很好"));
    let r = c.send("POST", &format!("/report/{PERIOD}"), &empty).await;
    let text = r.text();
    assert!(text.contains("data-field=\"t2_claim\">错误：单位自评 “很好” 不是有效的状态"), "{text}");
    assert_eq!(read(&file), before);

    let mut good = form.clone();
    good.push(("t2_v1", "2"));
    good.push(("t2_progress", narrative));
    good.push(("t2_claim", "已完成"));
    let r = c.send("POST", &format!("/report/{PERIOD}"), &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let written = read(&file);
    let raw: ducha::data::raw::RawReport = serde_yaml::from_str(&written).unwrap();
    let entry = raw.entries.iter().find(|e| e.task == 2).unwrap();
    assert_eq!(entry.values[0].value, 2.0);
    assert_eq!(entry.progress, format!("{narrative}\n"));
    // The very text `ducha import` writes for this report.
    let checked = ducha::data::check(&root.join("data"));
    assert!(!checked.diagnostics.has_errors(), "{}", checked.diagnostics.render(&checked.sources));
    let ds = checked.dataset.unwrap();
    assert_eq!(written, ducha::excel::import::report_yaml(&raw, &ds.plan, "网页填报").unwrap());
    // Other entries unchanged.
    let old: ducha::data::raw::RawReport = serde_yaml::from_str(&before).unwrap();
    assert_eq!(raw.entries.len(), old.entries.len());
    for (a, b) in raw.entries.iter().zip(&old.entries).filter(|(a, _)| a.task != 2) {
        assert_eq!(a, b);
    }
    // The office sees the new figure's status and the narrative, escaped.
    let mut o = logged_in(&app, "office").await;
    let d = o.get(&format!("/dashboard?period={PERIOD}")).await.text();
    let row = d.split("id=\"row-2\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("严重滞后") || row.contains("滞后"), "{row}");
    let t = o.get("/task/2?period=2023Q4").await.text();
    assert!(t.contains("&lt;script&gt;alert(1)&lt;") && !t.contains("<script>"));
    // Revisions and audit.
    assert_eq!(app.store.revisions("县科技局", PERIOD).unwrap().len(), 1);
    let log = app.store.audit_log().unwrap();
    assert!(log.iter().any(|e| e.1 == "县科技局" && e.3 == "提交报告"));
}

/// Two people with the same form open: the second save is refused with a clear message and the
/// first one's report stays; an edit made with the CLI is seen by the next request and makes an
/// open form stale too. Drafts keep the typed text.
#[tokio::test]
async fn stale_saves_are_refused_and_cli_edits_seen() {
    let (app, root) = app("serve-stale");
    let file = report_file(&root, "县科技局");
    let mut a = logged_in(&app, "县科技局").await;
    let mut b = logged_in(&app, "县科技局").await;
    let pa = a.get(&format!("/report/{PERIOD}")).await.text();
    let pb = b.get(&format!("/report/{PERIOD}")).await.text();
    let (va, vb) = (hidden(&pa, "version"), hidden(&pb, "version"));
    assert_eq!(va, vb);
    let ra = a
        .send(
            "POST",
            &format!("/report/{PERIOD}"),
            &[("csrf", &hidden(&pa, "csrf")), ("version", &va), ("action", "save"), ("t1_progress", "甲的草稿")],
        )
        .await;
    assert_eq!(ra.status, StatusCode::OK);
    assert!(ra.text().contains("草稿已保存"));
    let rb = b
        .send(
            "POST",
            &format!("/report/{PERIOD}"),
            &[("csrf", &hidden(&pb, "csrf")), ("version", &vb), ("action", "save"), ("t1_progress", "乙的草稿")],
        )
        .await;
    assert_eq!(rb.status, StatusCode::CONFLICT);
    assert!(rb.text().contains("未保存：这份报告在您打开之后已被修改"));
    assert!(rb.text().contains("乙的草稿"), "the typed text is kept on the page");
    let draft = app.store.draft("县科技局", PERIOD).unwrap().unwrap();
    assert!(draft.0.contains("甲的草稿") && !draft.0.contains("乙的草稿"));
    // The draft is what the form shows next time.
    assert!(a.get(&format!("/report/{PERIOD}")).await.text().contains("甲的草稿"));

    // A CLI edit (here: the file rewritten by hand) makes the open form stale …
    let pa = a.get(&format!("/report/{PERIOD}")).await.text();
    let text = read(&file).replace("孙晓燕", "王立新");
    std::fs::write(&file, &text).unwrap();
    let r = a
        .send(
            "POST",
            &format!("/report/{PERIOD}"),
            &[("csrf", &hidden(&pa, "csrf")), ("version", &hidden(&pa, "version")), ("action", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(read(&file), text, "the CLI's edit stays");
    // … and the office's dashboard reads it on the next request.
    app.store.clear_draft("县科技局", PERIOD).unwrap();
    assert!(a.get(&format!("/report/{PERIOD}")).await.text().contains("王立新"));
    std::fs::write(&file, "unit: [broken").unwrap();
    let mut o = logged_in(&app, "office").await;
    let d = o.get(&format!("/dashboard?period={PERIOD}")).await.text();
    assert!(d.contains("数据有错误") && d.contains("县科技局.yaml"), "{d}");
}

/// The audit log records logins and submissions and refuses UPDATE and DELETE; no secret in it.
#[tokio::test]
async fn audit_log_is_append_only() {
    let (app, root) = app("serve-audit");
    let mut c = Client::new(&app);
    c.login("office", "wrong-secret").await;
    let _ = logged_in(&app, "office").await;
    let log = app.store.audit_log().unwrap();
    assert!(log.iter().any(|e| e.1 == "office" && e.3 == "登录失败"));
    assert!(log.iter().any(|e| e.1 == "office" && e.3 == "登录"));
    assert!(app.store.execute_raw("DELETE FROM audit").is_err());
    assert!(app.store.execute_raw("UPDATE audit SET who = 'x'").is_err());
    assert_eq!(app.store.audit_log().unwrap().len(), log.len());
    // No password, hash or session id in the database's audit or anywhere as plain text.
    let db = std::fs::read(root.join("data/.ducha-serve/state.sqlite3")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains("wrong-secret") && !db.contains(PASSWORD));
    assert!(!db.contains(c.cookies.get("ducha_session").map(String::as_str).unwrap_or("none-none")));
    // The state folder keeps itself out of git.
    assert_eq!(read(&root.join("data/.ducha-serve/.gitignore")).lines().last(), Some("*"));
}

/// The office builds a period from the browser (the same pipeline as `ducha build`), sees the
/// previews, downloads the PDFs; the leader gets the 领导参阅 only.
#[tokio::test]
async fn build_and_download() {
    let (app, root) = app("serve-build");
    let mut o = logged_in(&app, "office").await;
    let page = o.get("/dashboard?period=2023Q4").await.text();
    let csrf = hidden(&page, "csrf");
    let r = o.send("POST", "/build/2023Q4", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("公文已生成"));
    for f in ["季度进展情况通报.pdf", "督查简报.pdf", "领导参阅.pdf", "季度进展情况通报-p1.png"]
    {
        assert!(html.contains(f), "{f} listed");
        assert!(root.join("out/2023Q4").join(f).is_file(), "{f} written");
    }
    let pdf = o.get(&format!("/out/2023Q4/{}", enc("季度进展情况通报.pdf"))).await;
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF"));
    assert_eq!(pdf.body, std::fs::read(root.join("out/2023Q4/季度进展情况通报.pdf")).unwrap());
    let png = o.get(&format!("/out/2023Q4/{}", enc("季度进展情况通报-p1.png"))).await;
    assert_eq!(png.header("content-type"), "image/png");
    // The office is offered each document's .docx draft beside its PDF, and downloads it.
    assert!(html.contains("id=\"docx-notice\"") && html.contains("季度进展情况通报.docx"), "{html}");
    let docx = o.get(&format!("/out/2023Q4/{}", enc("季度进展情况通报.docx"))).await;
    assert_eq!(docx.status, StatusCode::OK);
    assert_eq!(docx.header("content-type"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assert!(docx.header("content-disposition").starts_with("attachment;"));
    assert_eq!(docx.body, std::fs::read(root.join("out/2023Q4/季度进展情况通报.docx")).unwrap());
    assert!(docx.body.starts_with(b"PK"), "a zip package");
    let mut l = logged_in(&app, "leader").await;
    let r = l.get(&format!("/out/2023Q4/{}", enc("领导参阅.pdf"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(b"%PDF"));
    // The leader's dashboard links the 领导参阅 and shows its first page; the notice is not theirs.
    let d = l.get("/dashboard?period=2023Q4").await.text();
    assert!(d.contains("id=\"doc-leader\"") && d.contains("领导参阅-p1.png"), "{d}");
    assert!(!d.contains("季度进展情况通报") && !d.contains("action=\"/build"), "{d}");
    let r = l.get(&format!("/out/2023Q4/{}", enc("领导参阅-p1.png"))).await;
    assert_eq!(r.header("content-type"), "image/png");
    assert!(!d.contains(".docx"), "no drafts for the leader: {d}");
    for f in
        ["季度进展情况通报.pdf", "季度进展情况通报-p1.png", "督查简报.pdf", "领导参阅.docx", "季度进展情况通报.docx"]
    {
        assert_eq!(l.get(&format!("/out/2023Q4/{}", enc(f))).await.status, StatusCode::FORBIDDEN, "{f}");
    }
    // A notice edit rebuilds the notice only; the manifest still lists the other documents,
    // each with the sha256 of its file.
    let page = o.get("/notice/2023Q4").await.text();
    let r = o
        .send(
            "POST",
            "/notice/2023Q4",
            &[("csrf", &csrf), ("version", &hidden(&page, "version")), ("text", "## 结语（补充）\n补充一句。\n")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let manifest: serde_json::Value = serde_json::from_str(&read(&root.join("out/2023Q4/manifest.json"))).unwrap();
    let docs = manifest["documents"].as_array().unwrap();
    for f in ["季度进展情况通报.pdf", "督查简报.pdf", "领导参阅.pdf"] {
        let d = docs.iter().find(|d| d["path"] == f).unwrap_or_else(|| panic!("{f} dropped from {manifest}"));
        let bytes = std::fs::read(root.join("out/2023Q4").join(f)).unwrap();
        assert_eq!(d["sha256"], ducha::serve::store::sha256_hex(&bytes), "{f}");
    }
    assert_eq!(docs[0]["kind"], "notice", "documents in kind order");
    // The notice's draft was rebuilt with the edit: listed with the sha256 of the file now there.
    let draft = std::fs::read(root.join("out/2023Q4/季度进展情况通报.docx")).unwrap();
    assert_eq!(docs[0]["docx"]["sha256"], ducha::serve::store::sha256_hex(&draft));
    assert!(app.store.audit_log().unwrap().iter().any(|e| e.3 == "生成公文"));
    // A data error stops the build with `ducha check`'s message and leaves the PDFs as they were.
    let before = std::fs::read(root.join("out/2023Q4/季度进展情况通报.pdf")).unwrap();
    std::fs::write(
        root.join("data/reports/2023Q4/县科技局.yaml"),
        "unit: 县科技局\nperiod: 2023Q4\nsubmitted: 2024-01-02\nentries:\n  - task: 88\n    progress: x\n",
    )
    .unwrap();
    let r = o.send("POST", "/build/2023Q4", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("任务编号 88 不存在") && r.text().contains("县科技局.yaml:5:"), "{}", r.text());
    assert_eq!(std::fs::read(root.join("out/2023Q4/季度进展情况通报.pdf")).unwrap(), before);
}

/// The text of a PDF (pdftotext), whitespace removed.
fn pdf_text(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed");
    assert!(out.status.success(), "pdftotext {}", path.display());
    String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect()
}

/// The `src` of every preview image on a page.
fn preview_links(html: &str) -> Vec<String> {
    html.split("<img src=\"").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect()
}

/// Posts notice.md text from the notice page's form (its CSRF token and version).
async fn post_notice(c: &mut Client, page: &str, text: &str) -> Resp {
    let (csrf, version) = (hidden(page, "csrf"), hidden(page, "version"));
    c.send("POST", &format!("/notice/{PERIOD}"), &[("csrf", &csrf), ("version", &version), ("text", text)]).await
}

/// The office edits notice.md in the browser: the text is saved as typed (LF line ends), only
/// the notice is built, the page shows PNG previews of the pages that changed (fetchable PNGs)
/// and the time taken; the PDF carries the new text. A second, same-width edit changes one page
/// only. An unknown heading is shown as `ducha check` words it, `<script>` stays literal in the
/// text box, a stale form is refused, a character without a glyph fails the build with its
/// location while the text stays saved. Units and leaders get 403.
#[tokio::test]
async fn office_edits_the_notice_and_sees_the_changed_pages() {
    let (app, root) = app("serve-notice");
    let md = root.join("data/reports/2023Q4/notice.md");
    let pdf = root.join("out/2023Q4/季度进展情况通报.pdf");
    for user in ["县科技局", "leader"] {
        let mut c = logged_in(&app, user).await;
        let csrf = c.csrf("/password").await;
        assert_eq!(c.get(&format!("/notice/{PERIOD}")).await.status, StatusCode::FORBIDDEN, "{user}");
        let r =
            c.send("POST", &format!("/notice/{PERIOD}"), &[("csrf", &csrf), ("version", "none"), ("text", "x")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        assert!(!md.exists(), "{user} wrote notice.md");
    }

    let mut o = logged_in(&app, "office").await;
    let page = o.get(&format!("/notice/{PERIOD}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<textarea name=\"text\"") && html.contains("（补充）") && html.contains("下步工作要求"));
    let marker = "网页修改标记甲";
    let text = format!("## 结语（补充）\r\n{marker}。请各单位对照通报逐项整改。\r\n");
    let r = post_notice(&mut o, &html, &text).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert_eq!(read(&md), text.replace("\r\n", "\n"), "saved as typed, LF line ends");
    assert!(html.contains("从保存到新预览用时") && html.contains("目标 1 秒内"), "{html}");
    let links = preview_links(&html);
    assert!(!links.is_empty() && links.len() <= ducha::serve::MAX_PREVIEWS, "{links:?}");
    for l in &links {
        assert!(l.starts_with("/out/2023Q4/季度进展情况通报-p") && l.ends_with(".png"), "{l}");
        let png = o.get(&l.split('/').map(enc).collect::<Vec<_>>().join("/").replace("%2F", "/")).await;
        assert_eq!(png.status, StatusCode::OK, "{l}");
        assert_eq!(png.header("content-type"), "image/png");
        assert!(png.body.starts_with(b"\x89PNG\r\n\x1a\n"), "{l} is a PNG");
    }
    assert!(pdf_text(&pdf).contains(marker), "the built notice carries the edit");
    assert!(!root.join("out/2023Q4/督查简报.pdf").exists(), "only the notice is built");
    assert!(app.store.audit_log().unwrap().iter().any(|e| e.1 == "office" && e.3 == "修改通报文字"));

    // The same edit with one character swapped for one of the same width: one page changes.
    let r = post_notice(&mut o, &html, &text.replace('甲', "乙")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("其中 1 页有变化"), "{html}");
    let links = preview_links(&html);
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(pdf_text(&pdf).contains("网页修改标记乙"));

    // An unknown heading: saved, built, and the warning shown as `ducha check` words it; the
    // markup in the text shows literally in the text box.
    let odd = "## <script>alert(1)</script>\n这段文字被忽略。\n\n## 结语（补充）\n网页修改标记丙。\n";
    let r = post_notice(&mut o, &html, odd).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(!html.contains("<script>"), "escaped everywhere");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;\n这段文字被忽略")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\n这段文字被忽略"),
        "{html}"
    );
    assert!(html.contains("不对应通报的任何部分，已忽略") && html.contains("notice.md:1:1"), "{html}");

    // A stale form (opened before the last save) is refused; the file keeps the newer text.
    let stale = o.get(&format!("/notice/{PERIOD}")).await.text();
    std::fs::write(&md, "## 结语（补充）\n命令行修改。\n").unwrap();
    let r = post_notice(&mut o, &stale, "## 结语（补充）\n过时的表单。\n").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("未保存：notice.md 在您打开之后已被修改") && r.text().contains("过时的表单"));
    assert_eq!(read(&md), "## 结语（补充）\n命令行修改。\n");

    // A character no bundled font has: the text is saved, the notice is not rebuilt, and the
    // error names notice.md with its line.
    let before = std::fs::read(&pdf).unwrap();
    let page = o.get(&format!("/notice/{PERIOD}")).await.text();
    let r = post_notice(&mut o, &page, "## 结语（补充）\n生僻字𠀀。\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("notice.md 已保存，但通报未能生成") && html.contains("notice.md:2:"), "{html}");
    assert!(read(&md).contains('𠀀'), "the text stays saved");
    assert_eq!(std::fs::read(&pdf).unwrap(), before, "the earlier notice stays");
}

/// The office archives the period from the documents page with the library function of
/// `ducha archive`: the archive verifies, a second run changes nothing, a changed source is
/// refused as `ducha archive` refuses it (nothing written) and filed as a revision when asked.
#[tokio::test]
async fn archive_from_the_browser() {
    let (app, root) = app("serve-archive");
    let mut o = logged_in(&app, "office").await;
    let page = o.get(&format!("/build/{PERIOD}")).await.text();
    assert!(page.contains(&format!("action=\"/archive/{PERIOD}\"")), "the archive button");
    let csrf = hidden(&page, "csrf");
    let r = o.send("POST", &format!("/archive/{PERIOD}"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("已归档") && html.contains("档号") && html.contains("归档校验通过"), "{html}");
    let manifests: Vec<_> = walkdir::WalkDir::new(root.join("archive"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "manifest.json")
        .map(|e| e.path().to_path_buf())
        .collect();
    assert_eq!(manifests.len(), 1, "{manifests:?}");
    let dir = manifests[0].parent().unwrap().to_path_buf();
    assert!(ducha::archive::verify(&dir).is_empty(), "{:?}", ducha::archive::verify(&dir));
    let filed = std::fs::read(&manifests[0]).unwrap();

    let r = o.send("POST", &format!("/archive/{PERIOD}"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("个文件已在归档中且内容未变") && !r.text().contains("已归档 "), "{}", r.text());
    assert_eq!(std::fs::read(&manifests[0]).unwrap(), filed, "unchanged");

    // A source changes: refused without `revise`, nothing written; filed as revision 2 with it.
    std::fs::write(root.join("data/reports/2023Q4/notice.md"), "## 结语（补充）\n归档后的修改。\n").unwrap();
    let r = o.send("POST", &format!("/archive/{PERIOD}"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // In the page's words: the box to tick, not the CLI flag.
    let t = r.text();
    assert!(
        t.contains("归档未作任何改动") && t.contains("勾选“内容有变化时作为修订版归档”") && !t.contains("--revise"),
        "{t}"
    );
    assert_eq!(std::fs::read(&manifests[0]).unwrap(), filed);
    let r = o.send("POST", &format!("/archive/{PERIOD}"), &[("csrf", &csrf), ("revise", "1")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("已归档修订版") && r.text().contains("归档校验通过"), "{}", r.text());
    assert!(ducha::archive::verify(&dir).is_empty());
    let log = app.store.audit_log().unwrap();
    assert_eq!(log.iter().filter(|e| e.3 == "归档").count(), 3);
    assert!(log.iter().any(|e| e.3 == "归档未完成"));
}

/// Every submission is kept with who and when: the unit sees its own revisions on its report
/// page, never another unit's; the office sees them on the task page.
#[tokio::test]
async fn revisions_are_shown_to_their_unit_only() {
    let (app, _root) = app("serve-revisions");
    let mut a = logged_in(&app, "县科技局").await;
    for _ in 0..2 {
        let page = a.get(&format!("/report/{PERIOD}")).await.text();
        let mut form: Vec<(String, String)> = extract_inputs(&page);
        form.retain(|(k, _)| k != "action");
        form.push(("action".into(), "submit".into()));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = a.send("POST", &format!("/report/{PERIOD}"), &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    let revs = app.store.revisions("县科技局", PERIOD).unwrap();
    assert_eq!(revs.len(), 2);
    let own = a.get(&format!("/report/{PERIOD}")).await.text();
    assert!(own.contains("已提交的版本"));
    // Times in office time (the bundled office.yaml: Beijing, docs/rules.md §15).
    let beijing = ducha::clock::OfficeClock::starting_at(&ducha::clock::TimeZone::default(), 0);
    for r in &revs {
        assert!(
            own.contains(&format!("{}（北京时间）· 县科技局 · {}", beijing.format(r.unix), &r.sha256[..12])),
            "{own}"
        );
    }
    let mut b = logged_in(&app, "县发展改革局").await;
    for p in ["2023Q1", "2023Q2", "2023Q3", PERIOD] {
        let other = b.get(&format!("/report/{p}")).await.text();
        assert!(!other.contains("已提交的版本"), "{p}");
        for r in &revs {
            assert!(!other.contains(&r.sha256[..12]), "{p} shows 县科技局's revision");
        }
    }
    let mut o = logged_in(&app, "office").await;
    let task = o.get(&format!("/task/2?period={PERIOD}")).await.text();
    assert!(
        task.contains(&format!("网页提交记录：县科技局 {}（北京时间，县科技局）", beijing.format(revs[0].unix))),
        "{task}"
    );
}

/// HTTPS: `ducha serve --tls-cert --tls-key` with a self-signed certificate made here. A rustls
/// client that trusts it gets the login page and logs in; both cookies carry `Secure`; a client
/// that does not trust it and a plain-HTTP request get nothing. Unusable PEM files are Chinese
/// errors naming the file.
#[test]
fn https_with_secure_cookies() {
    use std::sync::Arc;
    use tokio_rustls::rustls;

    let (app, root) = app_with("serve-tls", true);
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (root.join("cert.pem"), root.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();

    let bad = root.join("not-a-cert.pem");
    std::fs::write(&bad, "这不是证书\n").unwrap();
    let e = ducha::serve::tls::config(&bad, &key).unwrap_err().to_string();
    assert!(e.contains("证书文件") && e.contains("not-a-cert.pem") && e.contains("没有 PEM 格式的证书"), "{e}");
    let e = ducha::serve::tls::config(&cert, &root.join("missing-key.pem")).unwrap_err().to_string();
    assert!(e.contains("私钥文件") && e.contains("missing-key.pem") && e.contains("无法读取"), "{e}");
    let e = ducha::serve::tls::config(&cert, &cert).unwrap_err().to_string();
    assert!(e.contains("私钥文件") && e.contains("cert.pem") && e.contains("没有 PEM 格式的私钥"), "{e}");
    let other = root.join("other-key.pem");
    std::fs::write(&other, rcgen::KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let e = ducha::serve::tls::config(&cert, &other).unwrap_err().to_string();
    assert!(e.contains("cert.pem") && e.contains("other-key.pem") && e.contains("不能一起使用"), "{e}");
    let tls = ducha::serve::tls::config(&cert, &key).unwrap();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_app = app.clone();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            ducha::serve::serve_tls_on(l, tls, server_app, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        })
    });

    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = |trusted: bool| {
        let mut roots = rustls::RootCertStore::empty();
        if trusted {
            roots.add(ck.cert.der().clone()).unwrap();
        }
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    };
    let send = |config: Arc<rustls::ClientConfig>, method: &str, path: &str, headers: &[(&str, &str)], body: &str| {
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(config, name).unwrap();
        let tcp = std::net::TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
        ducha::serve::http_client::request_on(
            rustls::StreamOwned::new(conn, tcp),
            "localhost",
            method,
            path,
            headers,
            body.as_bytes(),
        )
    };
    let cookie_of = |r: &ducha::serve::http_client::Response, name: &str| {
        r.headers
            .iter()
            .find(|(k, v)| k == "set-cookie" && v.starts_with(&format!("{name}=")))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} cookie: {:?}", r.headers))
    };
    let trusted = client(true);
    let page = send(trusted.clone(), "GET", "/login", &[], "").unwrap();
    assert_eq!(page.status, 200);
    assert!(page.text().contains("name=\"username\"") && page.text().contains("登录"));
    let login_cookie = cookie_of(&page, "ducha_login");
    assert!(login_cookie.ends_with("; Secure") && login_cookie.contains("HttpOnly"), "{login_cookie}");
    let csrf = hidden(&page.text(), "csrf");
    let body = format!("csrf={}&username=office&password={}", enc(&csrf), enc(PASSWORD));
    let cookie = login_cookie.split(';').next().unwrap().to_string();
    let r = send(
        trusted.clone(),
        "POST",
        "/login",
        &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    )
    .unwrap();
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("strict-transport-security"), Some(ducha::serve::HSTS), "HSTS over HTTPS");
    let session = cookie_of(&r, "ducha_session");
    for attr in ["HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(session.contains(attr), "{session}");
    }
    let session = session.split(';').next().unwrap().to_string();
    let d = send(trusted, "GET", "/dashboard?period=2023Q4", &[("Cookie", &session)], "").unwrap();
    assert_eq!(d.status, 200);
    assert!(d.text().contains("重点工作任务总览"));
    assert!(send(client(false), "GET", "/login", &[], "").is_err(), "an untrusted certificate is refused");
    let plain = ducha::serve::http_client::request(&addr.to_string(), "GET", "/login", &[], b"");
    assert!(plain.is_err() || plain.is_ok_and(|r| r.status != 200), "no plain HTTP on the HTTPS port");

    let _ = stop_tx.send(());
    server.join().unwrap();
}

/// The bundled 督办 register into the test app's data (the 催办单 route reads it).
fn copy_register(root: &std::path::Path) {
    let src = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/orders");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let dest = root.join("data/orders").join(entry.path().strip_prefix(&src).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// `GET /chase/<年>/<号>`: the 催办单 PDF for the office and for the unit the item is addressed to
/// (the same bytes as `ducha orders chase-pdf`); another unit gets 403 whether or not the number
/// exists, a leader 403; a number that does not exist is 404 for the office.
#[tokio::test]
async fn chase_pdf_for_the_office_and_the_addressed_unit() {
    let (app, root) = app("serve-chase");
    copy_register(&root);
    let mut office = logged_in(&app, "office").await;
    let r = office.get("/chase/2023/2").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.body.starts_with(b"%PDF"));
    assert_eq!(r.header("content-type"), "application/pdf");
    assert!(
        r.header("content-disposition").contains(&enc("催办〔2023〕2号-县发展改革局.pdf")),
        "{}",
        r.header("content-disposition")
    );
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(["orders", "chase-pdf", "--data"])
        .arg(root.join("data"))
        .arg("--out")
        .arg(root.join("cli"))
        .arg("催办〔2023〕2号")
        .env_remove("DUCHA_DATA")
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    assert!(r.body == std::fs::read(root.join("cli/2023/催办单/催办〔2023〕2号-县发展改革局.pdf")).unwrap());
    assert_eq!(office.get("/chase/2023/99").await.status, StatusCode::NOT_FOUND);
    assert_eq!(office.get("/chase/2023/x").await.status, StatusCode::NOT_FOUND);
    let mut unit = logged_in(&app, "县发展改革局").await;
    let r = unit.get("/chase/2023/3").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.body.starts_with(b"%PDF"));
    // 催办〔2023〕1号 is 县农业农村局's; 99 does not exist: the same answer.
    for uri in ["/chase/2023/1", "/chase/2023/99"] {
        let r = unit.get(uri).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(!r.text().contains("县农业农村局"));
    }
    let mut other = logged_in(&app, "县科技局").await;
    assert_eq!(other.get("/chase/2023/2").await.status, StatusCode::FORBIDDEN);
    let mut leader = logged_in(&app, "leader").await;
    assert_eq!(leader.get("/chase/2023/2").await.status, StatusCode::FORBIDDEN);
}
