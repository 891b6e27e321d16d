//! The 督办 cycle in a real headless Chromium (WebDriver): the office registers 2023Q4's orders
//! (交办), 县发展改革局 finds its item on its report page, 签收 and 反馈; the office 退回 with a
//! reason; the unit replies again with a signed PDF attached (反馈附件), which the office sees in
//! the timeline with its download link and accepts (采信); the office 办结. At the end the item
//! file in `data/orders` is read back with PyYAML: every event, by whom, in order, with the texts
//! typed in the browser and the stored file the second reply names.
//!
//! A second test has the office and the unit in two browsers at once while readers keep loading
//! the register's pages: each sees the other's action on the next page it opens (the server's
//! one shared reading of the register waits for a reading that began after the request), and a
//! session ends after its idle time counted from the last page view, at most a minute early.
//!
//! Needs Debian's `chromium` and `chromium-driver` and python3-yaml (scripts/test installs them).

mod serve_util;

use std::process::Command;

use serve_util::browser::*;
use serve_util::*;

/// The app on the bundled data with the register of 2023 only (2023Q4's orders still to be
/// registered), the office clock (as DUCHA_NOW sets it) the day after 2023Q4's 印发日期.
fn app_before_2023q4_orders(name: &str) -> (std::sync::Arc<ducha::serve::App>, std::path::PathBuf) {
    let (app, root) = app(name);
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/orders/2023");
    let orders = root.join("data/orders");
    std::fs::create_dir_all(orders.join("2023")).unwrap();
    for f in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::copy(f.path(), orders.join("2023").join(f.file_name())).unwrap();
    }
    app.set_now(ducha::clock::parse_instant("2024-01-16T09:00:00", 8 * 3600).unwrap());
    (app, root)
}

/// 交办: the office (logged in in `b`) registers 2023Q4's orders on the items page.
fn register_2023q4(b: &Driver, base: &str) {
    b.go(&format!("{base}/items"));
    b.cmd(
        "POST",
        &format!("/element/{}/click", b.find("#issue-period option[value=\"2023Q4\"]")),
        Some(serde_json::json!({})),
    );
    b.click("#issue-button");
    assert!(b.text("#message").contains("已登记 2023Q4 的 2 项督办事项"), "{}", b.text("#message"));
}

#[test]
fn issue_acknowledge_reply_return_reply_close_in_chromium() {
    let (app, root) = app_before_2023q4_orders("orders-browser");
    let orders = root.join("data/orders");
    let (port, stop_tx, server) = start_server(&app);
    let base = format!("http://127.0.0.1:{port}");
    let b = Driver::start(&root.join("chromium-profile"));
    let item = format!("{base}/items/2024/db-001");
    let logout = |b: &Driver| {
        b.click("form[action=\"/logout\"] button");
        assert!(b.url().ends_with("/login"));
    };

    // 交办: the office registers the period's orders.
    b.login(&base, "office");
    register_2023q4(&b, &base);
    logout(&b);

    // 签收 and 反馈 by the unit, from its report page.
    b.login(&base, "县发展改革局");
    assert!(b.text("#open-items").contains("督办〔2024〕1号"), "{}", b.text("#open-items"));
    b.click("#open-items a[href=\"/items/2024/db-001\"]");
    assert_eq!(b.text("#state"), "待签收");
    b.click("#do-acknowledge");
    assert!(b.text("#message").contains("督办〔2024〕1号：签收已记录"));
    assert_eq!(b.text("#state"), "办理中");
    let first = "已召开能源项目推进会，明确升压站土建节点";
    b.type_into("#reply-text", first);
    b.type_into("#reply-problems", "风电项目用地手续办理周期较长");
    b.type_into("#reply-next-steps", "对接自然资源部门并联审批");
    b.click("#do-reply");
    assert_eq!(b.text("#state"), "待审核");
    logout(&b);

    // 退回 by the office: the reason is required.
    b.login(&base, "office");
    b.go(&item);
    assert!(b.text("#timeline").contains(first));
    b.click("#do-return");
    assert!(b.text("#message").contains("退回须写明理由"), "{}", b.text("#message"));
    assert_eq!(b.text("#state"), "待审核", "nothing recorded");
    let reason = "措施缺少完成时限，请补充后重新反馈";
    b.type_into("#return-text", reason);
    b.click("#do-return");
    assert_eq!(b.text("#state"), "已退回");
    logout(&b);

    // The unit replies again (same deadline).
    b.login(&base, "县发展改革局");
    b.go(&item);
    assert!(b.text("#timeline").contains(reason));
    let second = "升压站土建 3 月底前完成，首批风机 6 月底前并网";
    b.type_into("#reply-text", second);
    // Larger than one chunk of a download (64 KiB), so the browser's download below is streamed.
    let signed = pdf_of_len(200 * 1024);
    let sha = ducha::serve::store::sha256_hex(&signed);
    let path = root.join("反馈件（盖章）.pdf");
    std::fs::write(&path, &signed).unwrap();
    b.choose_file("#reply-files", &path);
    b.click("#do-reply");
    assert_eq!(b.text("#state"), "待审核");
    assert!(b.text(&format!("#file-{sha}")).contains("反馈件（盖章）.pdf"), "{}", b.text("#timeline"));
    logout(&b);

    // The office sees the file in the timeline, with its link, and accepts it; then 办结.
    b.login(&base, "office");
    b.go(&item);
    let shown = b.text(&format!("#file-{sha}"));
    assert!(shown.contains("反馈件（盖章）.pdf") && shown.contains("待督查室审核"), "{shown}");
    assert!(b.attr(&format!("#file-{sha} a.download"), "href").ends_with(&format!("/evidence/file/{sha}")));
    // The link downloads the file whole in the browser (several chunks of the streamed body),
    // under the name the unit gave it.
    b.click_only(&format!("#file-{sha} a.download"));
    assert_eq!(b.downloaded("反馈件（盖章）.pdf"), signed, "the download in Chromium");
    b.click(&format!("#accept-{sha}"));
    assert!(b.text(&format!("#file-{sha}")).contains("已采信"), "{}", b.text("#timeline"));
    b.type_into("#close-text", "时间节点明确，予以办结");
    b.click("#do-close");
    assert_eq!(b.text("#state"), "已办结");
    assert_eq!(b.count("#timeline > ol > li"), 6);
    drop(b);
    let _ = stop_tx.send(());
    server.join().unwrap();

    // The file, read back with PyYAML.
    let file = orders.join("2024/db-001.yaml");
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, yaml, json; d = yaml.safe_load(open(sys.argv[1], encoding='utf-8')); \
             print(json.dumps(d, ensure_ascii=False, default=str))",
        ])
        .arg(&file)
        .output()
        .expect("python3");
    assert!(out.status.success(), "PyYAML: {}", String::from_utf8_lossy(&out.stderr));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["number"], "督办〔2024〕1号");
    assert_eq!(d["units"], serde_json::json!(["县发展改革局"]));
    let events = d["events"].as_array().unwrap();
    let seq: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["role"].as_str().unwrap(), e["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seq,
        [
            ("issue", "office", "莘县人民政府督查室"),
            ("acknowledge", "unit", "县发展改革局"),
            ("reply", "unit", "县发展改革局"),
            ("return", "office", "office"),
            ("reply", "unit", "县发展改革局"),
            ("close", "office", "office"),
        ]
    );
    assert_eq!(events[2]["text"], first);
    assert_eq!(events[2]["problems"], "风电项目用地手续办理周期较长");
    assert_eq!(events[2]["next_steps"], "对接自然资源部门并联审批");
    assert_eq!(events[3]["text"], reason);
    assert_eq!(events[4]["text"], second);
    assert_eq!(events[4]["attachments"], serde_json::json!([format!("evidence/objects/{}/{sha}", &sha[..2])]));
    assert_eq!(std::fs::read(root.join("data/evidence/objects").join(&sha[..2]).join(&sha)).unwrap(), signed);
    for e in &events[1..] {
        let at = e["at"].as_str().unwrap();
        // PyYAML reads a timestamp as a datetime (printed `2024-01-16 09:00:03+08:00`).
        assert!(at.starts_with("2024-01-16") && at.ends_with("+08:00"), "office time: {at}");
    }
    // The command line reads the same file.
    let exe = env!("CARGO_BIN_EXE_ducha");
    let show = Command::new(exe)
        .args(["orders", "show", "督办〔2024〕1号", "--data"])
        .arg(root.join("data"))
        .env("DUCHA_NOW", "2024-01-16T18:00:00")
        .output()
        .unwrap();
    assert!(show.status.success(), "{}", String::from_utf8_lossy(&show.stderr));
    assert!(String::from_utf8_lossy(&show.stdout).contains("状态：已办结"));
}

/// `actor` types `text` into `input` and presses `button` on the item page: its page shows
/// `state`, and `other`'s next view of the item (at `item`) shows it too, with the text in the
/// timeline.
fn act_and_other_sees(
    actor: &Driver,
    (input, text, button): (&str, &str, &str),
    state: &str,
    other: &Driver,
    item: &str,
) {
    actor.type_into(input, text);
    actor.click(button);
    assert_eq!(actor.text("#state"), state);
    other.go(item);
    assert_eq!(other.text("#state"), state, "the other's item page at once");
    assert!(other.text("#timeline").contains(text), "{}", other.text("#timeline"));
}

/// `GET path` on the server at `port` with the session cookie `session`: the status code.
fn status_of(port: u16, path: &str, session: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ducha_session={session}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    String::from_utf8_lossy(&head[9..12]).parse().unwrap()
}

#[test]
fn each_sees_the_other_at_once_and_idle_sessions_end_on_time() {
    let (app, root) = app_before_2023q4_orders("orders-browser-two");
    let (port, stop_tx, server) = start_server(&app);
    let base = format!("http://127.0.0.1:{port}");
    let item = format!("{base}/items/2024/db-001");
    let row = "#items tr:has(a[href=\"/items/2024/db-001\"]) td.status";

    let office = Driver::start(&root.join("chromium-office"));
    office.login(&base, "office");
    register_2023q4(&office, &base);

    // Readers keep loading the office's list and dashboard meanwhile.
    let session = office.cookie("ducha_session");
    assert!(!session.is_empty());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|i| {
            let (stop, session) = (stop.clone(), session.clone());
            std::thread::spawn(move || {
                let path = if i % 2 == 0 { "/items" } else { "/dashboard" };
                let mut codes = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    codes.push(status_of(port, path, &session));
                }
                codes
            })
        })
        .collect();

    let unit = Driver::start(&root.join("chromium-unit"));
    unit.login(&base, "县发展改革局");
    unit.go(&item);
    unit.click("#do-acknowledge");
    assert_eq!(unit.text("#state"), "办理中");
    office.go(&format!("{base}/items"));
    assert!(office.text(row).contains("办理中"), "the office's list at once: {}", office.text(row));
    let reply = "已召开推进会，升压站土建 3 月底前完成";
    act_and_other_sees(&unit, ("#reply-text", reply, "#do-reply"), "待审核", &office, &item);
    act_and_other_sees(&office, ("#return-text", "请补充并网时间", "#do-return"), "已退回", &unit, &item);
    unit.go(&base);
    assert!(unit.text("#open-items").contains("督办〔2024〕1号"), "{}", unit.text("#open-items"));

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let codes: Vec<u16> = readers.into_iter().flat_map(|r| r.join().unwrap()).collect();
    assert!(codes.len() >= 8, "the readers ran: {} requests", codes.len());
    let other: Vec<&u16> = codes.iter().filter(|c| **c != 200).collect();
    assert!(
        other.is_empty(),
        "every reader's page answered: {} of {} not 200: {:?}",
        other.len(),
        codes.len(),
        &other[..other.len().min(5)]
    );

    // Idle time counts from the last page view, its end written at most a minute late: two hours
    // on, a view; 100 s later another; idle for the idle time less 61 s after it: still signed
    // in (had that view not moved the end, the session would be gone); idle a moment past the
    // idle time after the last view: signed out.
    let ttl = ducha::serve::SESSION_TTL_SECS;
    let view = |after: i64| {
        app.set_now(app.store.now() + after);
        unit.go(&item);
    };
    view(2 * 3600);
    assert_eq!(unit.text("#state"), "已退回");
    view(100);
    assert_eq!(unit.text("#state"), "已退回");
    view(ttl - 61);
    assert!(!unit.url().contains("/login"), "still signed in: {}", unit.url());
    assert_eq!(unit.text("#state"), "已退回");
    view(ttl + 5);
    assert!(unit.url().contains("/login"), "signed out after the idle time: {}", unit.url());

    drop(unit);
    drop(office);
    let _ = stop_tx.send(());
    server.join().unwrap();
}
