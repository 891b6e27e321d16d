//! The 督办 cycle in a real headless Chromium (WebDriver): the office registers 2023Q4's orders
//! (交办), 县发展改革局 finds its item on its report page, 签收 and 反馈; the office 退回 with a
//! reason; the unit replies again with a signed PDF attached (反馈附件), which the office sees in
//! the timeline with its download link and accepts (采信); the office 办结. At the end the item
//! file in `data/orders` is read back with PyYAML: every event, by whom, in order, with the texts
//! typed in the browser and the stored file the second reply names.
//!
//! Needs Debian's `chromium` and `chromium-driver` and python3-yaml (scripts/test installs them).

mod serve_util;

use std::process::Command;

use serve_util::browser::*;
use serve_util::*;

#[test]
fn issue_acknowledge_reply_return_reply_close_in_chromium() {
    let (app, root) = app("orders-browser");
    // The bundled register without 2024's items: 2023Q4's orders are still to be registered.
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/orders/2023");
    let orders = root.join("data/orders");
    std::fs::create_dir_all(orders.join("2023")).unwrap();
    for f in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::copy(f.path(), orders.join("2023").join(f.file_name())).unwrap();
    }
    // The office clock (as DUCHA_NOW sets it): the day after 2023Q4's 印发日期.
    app.set_now(ducha::clock::parse_instant("2024-01-16T09:00:00", 8 * 3600).unwrap());
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
    b.go(&format!("{base}/items"));
    b.cmd(
        "POST",
        &format!("/element/{}/click", b.find("#issue-period option[value=\"2023Q4\"]")),
        Some(serde_json::json!({})),
    );
    b.click("#issue-button");
    assert!(b.text("#message").contains("已登记 2023Q4 的 2 项督办事项"), "{}", b.text("#message"));
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
    let signed = pdf("Signed and stamped reply");
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
