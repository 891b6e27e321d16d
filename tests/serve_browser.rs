//! `ducha serve` in a real headless Chromium, driven over WebDriver (chromedriver): the unit
//! 县科技局 logs in, types a non-number into 完成数值, sees the inline error, fixes it and
//! submits; the office logs in, sees the task's new status on the dashboard, builds, downloads
//! the notice, and the PDF's text (pdftotext) holds the new narrative.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them when missing).
//! With `DUCHA_SCREENSHOTS=DIR` it also saves the README's screenshots of the form and dashboard.

mod serve_util;

use std::process::Command;

use ducha::serve::http_client::{self, encode};
use serde_json::json;
use serve_util::browser::{start_server, Driver};
use serve_util::*;

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
