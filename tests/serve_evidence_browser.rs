//! 佐证材料 in a real headless Chromium (WebDriver), under `evidence: rule: accepted`: the unit
//! 县科技局 uploads a PDF and a photo to a task whose figures are met, from its report form (the
//! text it typed stays); the office opens the task's files, sees the photo's thumbnail, returns
//! the photo with a reason; the unit sees the reason and replaces the photo; the office accepts
//! both. The task is not 已完成 while its evidence is unreviewed or returned and becomes 已完成
//! once accepted — on the office's page, in the library's statuses and in the built notice.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them when missing).

mod serve_util;

use std::path::Path;
use std::process::Command;

use ducha::data::model::Period;
use serve_util::browser::{start_server, Driver};
use serve_util::*;

const PERIOD: &str = "2023Q4";

/// (status label, evidence missing) of `task` in the Q4 statuses of the data as `ducha check`
/// reads it.
fn status_of(data: &Path, task: u32) -> (String, bool) {
    let ds = ducha::data::check(data).dataset.expect("valid data");
    let year = ducha::status::evaluate_year(&ds, Period::parse(PERIOD).unwrap());
    let t = year.last().unwrap().task(task).unwrap();
    (t.label.to_string(), t.evidence_missing)
}

/// The notice of Q4 built by the library (as `ducha build --only notice`), as text (pdftotext).
fn notice_text(root: &Path, tag: &str) -> String {
    let out = root.join(format!("out-{tag}"));
    let opts = ducha::pipeline::BuildOptions {
        data: root.join("data"),
        period: Period::parse(PERIOD),
        out: out.clone(),
        only: vec![ducha::pipeline::Kind::Notice],
        emit_typst: false,
        templates: ducha::templates::Templates::dir_for_build(None),
        font_paths: Vec::new(),
        flavor: ducha::engine::PdfFlavor::Plain,
        png: Vec::new(),
        ofd: false,
        docx: false,
    };
    ducha::pipeline::build(&opts).unwrap_or_else(|e| panic!("build: {}", e.diagnostics.render(&e.sources)));
    let pdf = out.join(PERIOD).join("季度进展情况通报.pdf");
    let o =
        Command::new("pdftotext").args(["-enc", "UTF-8", "-layout"]).arg(&pdf).arg("-").output().expect("pdftotext");
    assert!(o.status.success(), "pdftotext: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn upload_return_replace_accept_in_chromium() {
    let (app, root) = app("evidence-browser");
    let data = root.join("data");
    let office_yaml = data.join("office.yaml");
    let text = read(&office_yaml);
    std::fs::write(&office_yaml, format!("{text}\nevidence:\n  rule: accepted\n")).unwrap();
    // A task 县科技局 alone leads whose figures are met this quarter but whose evidence (names
    // typed in the report, no file) does not count under `accepted`.
    let ds = ducha::data::check(&data).dataset.expect("valid data");
    let task = ducha::serve::report::lead_tasks(&ds.plan, "县科技局")
        .into_iter()
        .filter(|t| t.lead_units.len() == 1)
        .map(|t| t.number)
        .find(|n| status_of(&data, *n).1)
        .expect("a task of 县科技局 met but without counted evidence");
    let (before, _) = status_of(&data, task);
    assert_ne!(before, "已完成");
    let notice_before = notice_text(&root, "before");

    let files = root.join("upload");
    std::fs::create_dir_all(&files).unwrap();
    let (pdf_path, photo, photo2) =
        (files.join("验收报告.pdf"), files.join("现场照片.png"), files.join("现场照片-重拍.png"));
    std::fs::write(&pdf_path, pdf("acceptance")).unwrap();
    std::fs::write(&photo, png(320, 240, 3)).unwrap();
    std::fs::write(&photo2, png(320, 240, 4)).unwrap();
    let photo_sha = ducha::serve::store::sha256_hex(&std::fs::read(&photo).unwrap());

    let (port, stop_tx, server) = start_server(&app);
    let base = format!("http://127.0.0.1:{port}");
    let browser = Driver::start(&root.join("chromium-profile"));
    let logout = |b: &Driver| b.click("form[action=\"/logout\"] button");
    // The form's sticky button bar covers the bottom of the screen: bring a button to the middle
    // first, as a thumb would.
    let click_centered = |b: &Driver, css: &str| {
        b.eval(&format!("document.querySelector('{css}').scrollIntoView({{block: 'center'}}); return 0;"));
        b.click(css);
    };

    // The unit types, chooses a PDF and a photo, uploads.
    browser.login(&base, "县科技局");
    assert!(browser.url().ends_with(&format!("/report/{PERIOD}")), "{}", browser.url());
    let capture = browser.eval(&format!("return document.querySelector('#photo_t{task}').getAttribute('capture');"));
    assert_eq!(capture.as_str(), Some("environment"), "the phone's camera is offered");
    let typed = "浏览器测试：已完成验收，材料见附件";
    browser.type_into(&format!("#t{task}_progress"), typed);
    browser.choose_file(&format!("#file_t{task}"), &pdf_path);
    browser.choose_file(&format!("#photo_t{task}"), &photo);
    click_centered(&browser, &format!("#upload_t{task}"));
    let msg = browser.text("#message");
    assert!(msg.contains("已上传 2 份佐证材料"), "{msg}");
    assert_eq!(browser.attr(&format!("#t{task}_progress"), "value"), typed, "the typed text stays");
    assert_eq!(browser.count(&format!("#t{task}_files li.file")), 2);
    assert_eq!(status_of(&data, task).0, before, "not reviewed: no change under `accepted`");
    logout(&browser);

    // The office: the task's files beside the report, the photo as a thumbnail; returns it.
    browser.login(&base, "office");
    browser.go(&format!("{base}/task/{task}?period={PERIOD}"));
    browser.click(&format!("a[href=\"/evidence/review/{PERIOD}/{task}\"]"));
    let shown = browser.eval("const i = document.querySelector('img.thumb'); return i.complete ? i.naturalWidth : -1;");
    assert_eq!(shown.as_i64(), Some(320), "the thumbnail is the photo, loaded");
    // Beside the files: the submitted report's text (the unit's typing is only a draft).
    let beside = browser.text(".narrative .progress");
    assert!(!beside.trim().is_empty() && !beside.contains(typed), "{beside}");
    let li = format!("li[data-sha=\"{photo_sha}\"]");
    let reason = "照片看不清验收现场，请补拍";
    browser.type_into(&format!("{li} input[name=\"reason\"]"), reason);
    browser.click(&format!("{li} button.return"));
    assert!(browser.text(&format!("{li} .decision")).contains("已退回"));
    logout(&browser);

    // The unit sees the reason and replaces the photo.
    browser.login(&base, "县科技局");
    assert!(browser.text(&format!("{li} .reason")).contains(reason));
    browser.choose_file(&format!("#replace_{photo_sha}"), &photo2);
    click_centered(&browser, &format!("#upload_t{task}"));
    assert!(browser.text("#message").contains("已上传 1 份佐证材料"), "{}", browser.text("#message"));
    assert_eq!(browser.count(&format!("#t{task}_files li.file")), 2);
    assert_eq!(browser.count(&li), 0, "the returned photo is replaced");
    logout(&browser);

    // The office accepts both; the task is 已完成.
    browser.login(&base, "office");
    browser.go(&format!("{base}/evidence/review/{PERIOD}/{task}"));
    while browser.count("li.file.pending button.accept") > 0 {
        browser.click("li.file.pending button.accept");
    }
    assert_eq!(browser.count("li.file.accepted"), 2);
    assert!(browser.text("#task-status").contains("已完成"), "{}", browser.text("#task-status"));
    drop(browser);
    let _ = stop_tx.send(());
    server.join().unwrap();

    let (after, missing) = status_of(&data, task);
    assert_eq!((after.as_str(), missing), ("已完成", false));
    let notice_after = notice_text(&root, "after");
    assert_ne!(notice_before, notice_after, "the notice changes with the status");
}
