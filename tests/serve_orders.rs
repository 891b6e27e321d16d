//! 督办事项 in `ducha serve` over HTTP (requests through the router): the table of role × state
//! × action (allowed, or refused with 403 and nothing written), what each person sees (a unit
//! only its own items), the office's filters and the leader's order, registering a period's
//! orders and accepting a 需协调事项 from the web, two people acting on the same item (the
//! second refused with the text kept), an expired session (the text kept across the login), the
//! dashboard's 临期/逾期 list and the unit's open items on its report page.
//!
//! The expected results are written out by hand from docs/rules.md §19 (who may do what in which
//! state), not computed with the library's tables.

mod serve_util;

use axum::http::StatusCode;
use ducha::serve::App;
use serve_util::*;
use std::path::{Path, PathBuf};

/// Sets the server's office clock (as `DUCHA_NOW` does at start) to `at`, office time.
fn set_clock(app: &App, at: &str) {
    app.set_now(ducha::clock::parse_instant(at, 8 * 3600).unwrap());
}

/// Copies the bundled register (`data/orders`) into the test's data folder.
fn copy_register(root: &Path) {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/orders");
    for e in walkdir::WalkDir::new(&src) {
        let e = e.unwrap();
        let dest = root.join("data/orders").join(e.path().strip_prefix(&src).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn add_unit(app: &App, unit: &str) {
    let hash = ducha::serve::auth::hash_password(PASSWORD);
    app.store.add_user(unit, ducha::serve::store::Role::Unit, Some(unit), &hash).unwrap();
    app.store.set_password(unit, &hash, false).unwrap();
}

fn add_office(app: &App, name: &str) {
    let hash = ducha::serve::auth::hash_password(PASSWORD);
    app.store.add_user(name, ducha::serve::store::Role::Office, None, &hash).unwrap();
    app.store.set_password(name, &hash, false).unwrap();
}

/// An item file of 县发展改革局 (task 18, 2023Q4, issued 2024-01-15) with `events` after the
/// 交办 and the deadline `deadline`.
fn item_yaml(deadline: &str, events: &str) -> String {
    format!(
        "kind: order\nnumber: 督办〔2024〕1号\ntask: 18\ntitle: 聚力攻坚能源项目\nunits:\n- 县发展改革局\nperiod: 2023Q4\n\
         level: red\nissued: 2024-01-15\ndeadline: {deadline}\nevents:\n\
         - at: 2024-01-15\n  by: 莘县人民政府督查室\n  role: office\n  action: issue\n  text: 下发督办通知单\n{events}"
    )
}

const ACK: &str = "- at: 2024-01-16T09:00:00\n  by: 县发展改革局\n  role: unit\n  action: acknowledge\n";
const REPLY: &str = "- at: 2024-01-17T09:00:00\n  by: 县发展改革局\n  role: unit\n  action: reply\n  text: 已推进\n";
const RETURN: &str = "- at: 2024-01-18T09:00:00\n  by: 王红梅\n  role: office\n  action: return\n  text: 措施不具体\n";
const CLOSE: &str = "- at: 2024-01-18T09:00:00\n  by: 王红梅\n  role: office\n  action: close\n";
const STOP: &str = "- at: 2024-01-16T09:00:00\n  by: 王红梅\n  role: office\n  action: stop\n  text: 任务调整\n";
const ASK: &str = "- at: 2024-01-17T09:00:00\n  by: 县发展改革局\n  role: unit\n  action: request_extension\n  \
                   text: 需等待审批\n  new_deadline: 2024-02-29\n";

/// Every action a form can post (交办 is not one).
const ACTIONS: [&str; 12] = [
    "acknowledge",
    "reply",
    "close",
    "return",
    "request_extension",
    "grant_extension",
    "refuse_extension",
    "chase",
    "stop",
    "revisit",
    "refer",
    "answer",
];

/// The table: (state, deadline, events after 交办, what 县发展改革局 may do, what the office may
/// do), by docs/rules.md §19. Today is 2024-01-22.
/// A row of the table: state, deadline, events after 交办, the unit's actions, the office's.
type Row = (&'static str, &'static str, String, Vec<&'static str>, Vec<&'static str>);

fn states() -> Vec<Row> {
    vec![
        ("待签收", "2024-01-29", String::new(), vec!["acknowledge", "request_extension"], vec!["chase", "stop"]),
        ("办理中", "2024-01-29", ACK.into(), vec!["reply", "request_extension"], vec!["chase", "stop"]),
        ("待审核", "2024-01-29", format!("{ACK}{REPLY}"), vec![], vec!["close", "return", "stop"]),
        (
            "已退回",
            "2024-01-29",
            format!("{ACK}{REPLY}{RETURN}"),
            vec!["reply", "request_extension"],
            vec!["chase", "stop"],
        ),
        ("已办结", "2024-01-29", format!("{ACK}{REPLY}{CLOSE}"), vec![], vec!["revisit"]),
        ("已中止", "2024-01-29", STOP.into(), vec![], vec![]),
        // A request waiting for the office: no second request; the office decides.
        (
            "办理中（延期待批）",
            "2024-01-29",
            format!("{ACK}{ASK}"),
            vec!["reply"],
            vec!["grant_extension", "refuse_extension", "chase", "stop"],
        ),
        // The deadline (2024-01-19) has passed: no extension request any more.
        ("办理中（已逾期）", "2024-01-19", ACK.into(), vec!["reply"], vec!["chase", "stop"]),
    ]
}

fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    v.sort();
    v
}

/// Role × state × action: an allowed action is recorded (303 to the item, the file grows by one
/// event, or a 回头看 makes a new item); every other one is refused with 403 and no file changes.
/// The item page offers exactly the allowed actions. Leaders and another unit take none.
#[tokio::test]
async fn role_state_action_table() {
    let (app, root) = app("orders-table");
    set_clock(&app, "2024-01-22T10:00:00");
    let dir = root.join("data/orders/2024");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("db-001.yaml");
    let mut clients = Vec::new();
    for user in ["县发展改革局", "office", "leader", "县科技局"] {
        let mut c = logged_in(&app, user).await;
        let csrf = c.csrf("/password").await;
        clients.push((user, c, csrf));
    }
    let mut checked = 0;
    for (state, deadline, events, unit_may, office_may) in states() {
        let text = item_yaml(deadline, &events);
        std::fs::write(&file, &text).unwrap();
        let seen = (1 + events.matches("- at:").count()).to_string();
        for (user, c, csrf) in clients.iter_mut() {
            let allowed: &[&str] = match *user {
                "县发展改革局" => &unit_may,
                "office" => &office_may,
                _ => &[],
            };
            // The page: the item's state, and a form for exactly the allowed actions.
            std::fs::write(&file, &text).unwrap();
            let page = c.get("/items/2024/db-001").await;
            if *user == "县科技局" {
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{user} sees another unit's item");
                assert!(!page.text().contains("聚力攻坚能源项目"));
            } else {
                assert_eq!(page.status, StatusCode::OK, "{user} {state}");
                let body = page.text();
                assert!(body.contains("督办〔2024〕1号"), "{body}");
                for a in ACTIONS {
                    assert_eq!(
                        body.contains(&format!("id=\"form-{a}\"")),
                        allowed.contains(&a),
                        "{user} {state}: form of {a}"
                    );
                }
            }
            for action in ACTIONS {
                std::fs::write(&file, &text).unwrap();
                let before = files_in(&dir);
                let r = c
                    .send(
                        "POST",
                        "/items/2024/db-001",
                        &[
                            ("csrf", csrf),
                            ("action", action),
                            ("seen", &seen),
                            ("text", "表格测试内容"),
                            ("problems", "无"),
                            ("next_steps", "继续推进"),
                            ("new_deadline", if action == "request_extension" { "2024-02-29" } else { "" }),
                            ("level", "分管县领导"),
                        ],
                    )
                    .await;
                let after = files_in(&dir);
                if allowed.contains(&action) {
                    assert_eq!(r.status, StatusCode::SEE_OTHER, "{user} {state} {action}: {}", r.text());
                    if action == "revisit" {
                        assert_eq!(after.len(), before.len() + 1, "a 回头看 is a new item");
                        assert_eq!(std::fs::read(&file).unwrap(), text.as_bytes(), "the closed item is unchanged");
                        assert!(r.location().starts_with("/items/2024/db-002"), "{}", r.location());
                        std::fs::remove_file(dir.join("db-002.yaml")).unwrap();
                    } else {
                        let now = std::fs::read_to_string(&file).unwrap();
                        assert!(now.starts_with(&text), "appended, never rewritten");
                        assert!(now[text.len()..].contains(&format!("action: {action}")), "{now}");
                        assert_eq!(r.location(), format!("/items/2024/db-001?done={action}"));
                    }
                } else {
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{user} {state} {action}: {}", r.text());
                    assert_eq!(after, before, "{user} {state} {action}: nothing written");
                    if *user == "县发展改革局" || *user == "office" {
                        let body = r.text();
                        assert!(body.contains("未保存：督办〔2024〕1号"), "{user} {state} {action}: {body}");
                        assert!(body.contains("表格测试内容"), "the text typed is kept");
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 8 * 4 * ACTIONS.len());
    // The refusal says why in the web's words: an extension after the deadline.
    std::fs::write(&file, item_yaml("2024-01-19", ACK)).unwrap();
    let (_, unit, csrf) = &mut clients[0];
    let r = unit
        .send(
            "POST",
            "/items/2024/db-001",
            &[
                ("csrf", csrf),
                ("action", "request_extension"),
                ("seen", "2"),
                ("text", "需等待审批"),
                ("new_deadline", "2024-02-29"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("办理时限 2024-01-19 已过"), "{}", r.text());
    // A required reason left empty: 422, nothing written, no field name of the file format.
    std::fs::write(&file, item_yaml("2024-01-29", &format!("{ACK}{REPLY}"))).unwrap();
    let (_, office, csrf) = &mut clients[1];
    let r = office.send("POST", "/items/2024/db-001", &[("csrf", csrf), ("action", "return"), ("seen", "3")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("退回须写明理由或内容"), "{}", r.text());
    assert!(!r.text().contains("（text）"));
    assert_eq!(read(&file), item_yaml("2024-01-29", &format!("{ACK}{REPLY}")));
}

/// Two people act on the same item from pages opened at the same version: the first is recorded,
/// the second refused (409) with a message naming the item, the text still in its form, and the
/// page showing what the other did; the file holds the first action only.
#[tokio::test]
async fn the_second_of_two_stale_forms_is_refused_and_keeps_its_text() {
    let (app, root) = app("orders-conflict");
    set_clock(&app, "2024-01-22T10:00:00");
    add_office(&app, "office2");
    let dir = root.join("data/orders/2024");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("db-001.yaml");
    let text = item_yaml("2024-01-29", &format!("{ACK}{REPLY}"));
    std::fs::write(&file, &text).unwrap();
    let mut a = logged_in(&app, "office").await;
    let mut b = logged_in(&app, "office2").await;
    let page_a = a.get("/items/2024/db-001").await.text();
    let page_b = b.get("/items/2024/db-001").await.text();
    let (csrf_a, seen_a) = (hidden(&page_a, "csrf"), hidden(&page_a, "seen"));
    let (csrf_b, seen_b) = (hidden(&page_b, "csrf"), hidden(&page_b, "seen"));
    assert_eq!(seen_a, "3");
    let r = a
        .send(
            "POST",
            "/items/2024/db-001",
            &[("csrf", &csrf_a), ("action", "close"), ("seen", &seen_a), ("text", "同意办结")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let reason = "下步措施没有时间节点，请补充后重新反馈";
    let r = b
        .send(
            "POST",
            "/items/2024/db-001",
            &[("csrf", &csrf_b), ("action", "return"), ("seen", &seen_b), ("text", reason)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let body = r.text();
    assert!(body.contains("未保存：督办〔2024〕1号 在您打开之后已被他人办理"), "{body}");
    assert!(body.contains(&format!(">{reason}</textarea>")), "the reason is kept in the form: {body}");
    assert!(body.contains("同意办结") && body.contains("已办结"), "the page shows the other's action");
    let now = read(&file);
    assert_eq!(now.matches("action: close").count(), 1);
    assert!(!now.contains("action: return") && !now.contains(reason), "{now}");
    // Two units' people (the same unit, two sessions) replying at once: the same.
    std::fs::write(&file, item_yaml("2024-01-29", ACK)).unwrap();
    let mut u1 = logged_in(&app, "县发展改革局").await;
    let mut u2 = logged_in(&app, "县发展改革局").await;
    let p1 = u1.get("/items/2024/db-001").await.text();
    let p2 = u2.get("/items/2024/db-001").await.text();
    let (c1, s1, c2, s2) = (hidden(&p1, "csrf"), hidden(&p1, "seen"), hidden(&p2, "csrf"), hidden(&p2, "seen"));
    let r1 = u1.send("POST", "/items/2024/db-001", &reply_form(&c1, &s1, "第一份反馈")).await;
    let r2 = u2.send("POST", "/items/2024/db-001", &reply_form(&c2, &s2, "第二份反馈")).await;
    assert_eq!(r1.status, StatusCode::SEE_OTHER);
    assert_eq!(r2.status, StatusCode::CONFLICT);
    assert!(r2.text().contains("未保存：督办〔2024〕1号"));
    assert!(r2.text().contains(">第二份反馈</textarea>") && r2.text().contains(">用地手续</textarea>"));
    let now = read(&file);
    assert!(now.contains("第一份反馈") && !now.contains("第二份反馈"));
}

/// A 反馈 form's fields.
fn reply_form<'a>(csrf: &'a str, seen: &'a str, text: &'a str) -> [(&'a str, &'a str); 5] {
    [("csrf", csrf), ("action", "reply"), ("seen", seen), ("text", text), ("problems", "用地手续")]
}

/// A POST whose session has ended: the login page keeps the text; after logging in the item
/// page shows it in its form, not yet recorded; submitting records it and clears the draft.
#[tokio::test]
async fn an_expired_session_keeps_the_text() {
    let (app, root) = app("orders-expired");
    set_clock(&app, "2024-01-22T10:00:00");
    let dir = root.join("data/orders/2024");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("db-001.yaml");
    std::fs::write(&file, item_yaml("2024-01-29", ACK)).unwrap();
    let mut c = logged_in(&app, "县发展改革局").await;
    let page = c.get("/items/2024/db-001").await.text();
    let csrf = hidden(&page, "csrf");
    c.cookies.insert("ducha_session".into(), "ended-session".into());
    let progress = "风电项目升压站土建已完成七成";
    let r = c
        .send(
            "POST",
            "/items/2024/db-001",
            &[("csrf", &csrf), ("action", "reply"), ("seen", "2"), ("text", progress), ("next_steps", "月底完工")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let login = r.text();
    assert!(login.contains("登录已过期") && login.contains("督办〔2024〕1号"), "{login}");
    assert_eq!(read(&file), item_yaml("2024-01-29", ACK), "nothing recorded");
    // Log in again with what the page carries.
    let mut form: Vec<(String, String)> =
        extract_inputs(&login).into_iter().filter(|(k, _)| k != "username" && k != "password").collect();
    form.push(("username".into(), "县发展改革局".into()));
    form.push(("password".into(), PASSWORD.into()));
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = c.send("POST", "/login", &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/items/2024/db-001");
    let page = c.get("/items/2024/db-001").await.text();
    assert!(page.contains("登录过期前填写的内容已保留"), "{page}");
    assert!(page.contains(&format!(">{progress}</textarea>")) && page.contains(">月底完工</textarea>"));
    let r = c
        .send(
            "POST",
            "/items/2024/db-001",
            &[("csrf", &hidden(&page, "csrf")), ("action", "reply"), ("seen", "2"), ("text", progress)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(read(&file).contains(progress));
    let page = c.get("/items/2024/db-001").await.text();
    assert!(!page.contains("登录过期前填写的内容已保留"), "the draft is cleared");
}

/// What each person sees of the bundled register on 2024-02-20: a unit only its own items (on
/// its 事项 page and its report page), the office every item with filters, leaders the red ones
/// first and the open 需协调事项 by level; the dashboard's 临期/逾期 list.
#[tokio::test]
async fn who_sees_what() {
    let (app, root) = app("orders-lists");
    copy_register(&root);
    // 督办〔2024〕2号 (县住房城乡建设局, returned and chased, deadline 2024-01-29) is overdue by then,
    // across the Spring Festival; 协调〔2024〕1号 is with the 县政府常务会议.
    set_clock(&app, "2024-02-20T10:00:00");
    add_unit(&app, "县住房城乡建设局");
    let mut unit = logged_in(&app, "县住房城乡建设局").await;
    let list = unit.get("/items").await.text();
    for own in ["督办〔2023〕7号", "督办〔2024〕2号"] {
        assert!(list.contains(own), "{own} in {list}");
    }
    for other in ["督办〔2023〕3号", "督办〔2024〕1号", "协调〔2024〕1号"] {
        assert!(!list.contains(other), "{other} is another unit's");
    }
    // A unit filter in the URL changes nothing.
    let list = unit.get(&format!("/items?unit={}", enc("县发展改革局"))).await.text();
    assert!(!list.contains("督办〔2024〕1号"));
    assert_eq!(unit.get("/items/2024/db-001").await.status, StatusCode::FORBIDDEN);
    let report = unit.get("/report/2023Q4").await.text();
    let open = report.split("id=\"open-items\"").nth(1).expect("open items on the report page");
    let open = ducha::serve::http_client::unescape(open.split("</section>").next().unwrap());
    assert!(open.contains("督办〔2024〕2号") && open.contains("/items/2024/db-002"), "{open}");
    assert!(!open.contains("督办〔2023〕7号"), "closed items are not listed there");

    let mut office = logged_in(&app, "office").await;
    let rows = |html: &str| -> Vec<String> {
        html.split("<tr id=\"item-").skip(1).map(|r| r.split('"').next().unwrap().to_string()).collect()
    };
    let all = office.get("/items").await.text();
    assert_eq!(rows(&all).len(), 12, "every item of the register");
    assert_eq!(rows(&office.get("/items?state=overdue").await.text()), ["2024-db-002"]);
    assert_eq!(rows(&office.get("/items?colour=red").await.text()), ["2024-db-002"]);
    assert_eq!(rows(&office.get("/items?state=referred").await.text()), ["2024-xt-001"]);
    let coordination = rows(&office.get("/items?kind=coordination").await.text());
    assert_eq!(coordination, ["2023-xt-001", "2023-xt-002", "2024-xt-001"]);
    let unit_rows = rows(&office.get(&format!("/items?unit={}", enc("县农业农村局"))).await.text());
    assert_eq!(unit_rows, ["2023-db-004", "2023-db-008", "2023-db-009", "2023-xt-002"]);
    // The timeline: who did what, when, with the text.
    let item = office.get("/items/2023/db-004").await.text();
    assert!(item.contains("退回") && item.contains("催办") && item.contains("王红梅"), "{item}");
    let dash = office.get("/dashboard?period=2023Q4").await.text();
    let due = dash.split("id=\"due-items\"").nth(1).expect("due list").split("</section>").next().unwrap();
    assert!(due.contains("督办〔2024〕2号") && due.contains("逾期"), "{due}");

    let mut leader = logged_in(&app, "leader").await;
    let list = leader.get("/items").await.text();
    assert_eq!(rows(&list).first().map(String::as_str), Some("2024-db-002"), "red first");
    assert!(!list.contains("action=\"/items/issue\""), "leaders only read");
    let levels = list.split("id=\"levels\"").nth(1).unwrap();
    let meeting = levels.split("<h3>县政府常务会议</h3>").nth(1).unwrap().split("<h3>").next().unwrap();
    assert!(meeting.contains("协调〔2024〕1号"), "{meeting}");
    let page = leader.get("/items/2024/db-002").await.text();
    assert!(!page.contains("class=\"card action\""), "no action for leaders");
}

/// The office registers a period's orders from the web (as `ducha orders issue`: the files equal
/// the bundled ones written by the command line) and accepts a 需协调事项 of a report.
#[tokio::test]
async fn office_registers_orders_and_accepts_raised_matters() {
    let (app, root) = app("orders-issue");
    copy_register(&root);
    let orders = root.join("data/orders");
    std::fs::remove_dir_all(orders.join("2024")).unwrap();
    std::fs::remove_file(orders.join("2023/xt-002.yaml")).unwrap();
    set_clock(&app, "2024-01-16T10:00:00");
    let mut office = logged_in(&app, "office").await;
    let page = office.get("/items").await.text();
    assert!(page.contains("待登记 2 项"), "{page}");
    let csrf = hidden(&page, "csrf");
    let r = office.send("POST", "/items/issue", &[("csrf", &csrf), ("period", "2023Q4")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("已登记 2023Q4 的 2 项督办事项：督办〔2024〕1号、督办〔2024〕2号"), "{}", r.text());
    let bundled = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/orders/2024");
    for f in ["db-001.yaml", "db-002.yaml"] {
        let made = read(&orders.join("2024").join(f));
        let theirs = read(&bundled.join(f));
        // Up to the end of the 交办 event: the bundled file continues with later events.
        let end =
            theirs.find("\n- at:").map(|i| theirs[i + 1..].find("\n- at:").map_or(theirs.len(), |j| i + 1 + j + 1));
        assert_eq!(made, theirs[..end.unwrap()], "{f}");
    }
    let r = office.send("POST", "/items/issue", &[("csrf", &csrf), ("period", "2023Q4")]).await;
    assert!(r.text().contains("没有需要登记的督办事项"), "registering twice adds nothing");
    assert_eq!(files_in(&orders.join("2024")).len(), 2);

    // The 需协调事项 of 县农业农村局's 2023Q3 report (task 45), 交办 to two units.
    let page = office.get("/items").await.text();
    let key = "2023Q3|县农业农村局|45|1";
    assert!(page.contains(&format!("value=\"{key}\"")), "{page}");
    let r = office
        .send(
            "POST",
            "/items/accept",
            &[("csrf", &csrf), ("key", key), ("how", "assign"), ("to", "县发展改革局、县农业农村局"), ("deadline", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/items/2024/xt-001?done=accept");
    let made = read(&orders.join("2024/xt-001.yaml"));
    assert!(made.contains("kind: coordination") && made.contains("- 县发展改革局\n- 县农业农村局\n"), "{made}");
    assert!(made.contains("title: 高标准农田项目区内 3 处灌溉机井需电力配套接入"), "{made}");
    // 10 working days after 2024-01-16.
    assert!(made.contains("deadline: 2024-01-30"), "{made}");
    let r = office.send("POST", "/items/accept", &[("csrf", &csrf), ("key", key), ("how", "assign")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "accepted once");
    assert!(r.text().contains("未受理：该需协调事项已受理为 协调〔2024〕1号（待签收）"), "{}", r.text());
    assert!(!r.text().contains(&format!("value=\"{key}\"")), "no longer offered");
    assert_eq!(files_in(&orders.join("2024")).len(), 3);
    // A unit cannot register or accept.
    let mut unit = logged_in(&app, "县发展改革局").await;
    let ucsrf = unit.csrf("/password").await;
    assert_eq!(
        unit.send("POST", "/items/issue", &[("csrf", &ucsrf), ("period", "2023Q4")]).await.status,
        StatusCode::FORBIDDEN
    );
}

// ---------------------------------------------------------------------------------------------
// 反馈附件: files on a reply (docs/rules.md §19 “反馈附件”, §21)

/// A form's owned fields as the client sends them.
fn send(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// An item of 县发展改革局 with 县科技局 as 协办, signed for (办理中), in a data folder whose
/// `evidence:` block allows 1 MB a file; the item file's path.
fn item_with_co_unit(root: &Path) -> PathBuf {
    let office = root.join("data/office.yaml");
    let text = read(&office);
    std::fs::write(&office, format!("{text}\nevidence:\n  max_file_mb: 1\n  max_report_mb: 3\n")).unwrap();
    let dir = root.join("data/orders/2024");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("db-001.yaml");
    let yaml = item_yaml("2024-01-29", ACK).replace("units:\n- 县发展改革局\n", "units:\n- 县发展改革局\n- 县科技局\n");
    std::fs::write(&file, yaml).unwrap();
    file
}

/// The reply form's text fields as the page has them, with `text` typed, then `files`
/// (field, file name, bytes), as a browser posts the multipart form.
async fn post_reply(c: &mut Client, text: &str, files: &[(&str, &str, &[u8])]) -> Resp {
    let page = c.get("/items/2024/db-001").await.text().replace("&#x2f;", "/");
    assert!(
        page.contains("action=\"/items/2024/db-001/reply\"") && page.contains("enctype=\"multipart/form-data\""),
        "the reply form posts its files: {page}"
    );
    let (csrf, seen) = (hidden(&page, "csrf"), hidden(&page, "seen"));
    let mut parts: Vec<Part> = vec![
        ("csrf", None, csrf.as_bytes()),
        ("action", None, b"reply"),
        ("seen", None, seen.as_bytes()),
        ("text", None, text.as_bytes()),
        ("problems", None, "用地审批周期长".as_bytes()),
        ("next_steps", None, "2 月底前取得批复".as_bytes()),
    ];
    for (field, name, bytes) in files {
        parts.push((field, Some(name), bytes));
    }
    c.send_multipart("/items/2024/db-001/reply", &parts).await
}

/// A reply's multipart fields as posted by a form opened earlier: `csrf`, `seen`, `text` and one
/// file `a.pdf`.
fn one_file<'a>(csrf: &'a str, seen: &'a str, text: &'a str, file: &'a [u8]) -> Vec<Part<'a>> {
    vec![
        ("csrf", None, csrf.as_bytes()),
        ("action", None, b"reply"),
        ("seen", None, seen.as_bytes()),
        ("text", None, text.as_bytes()),
        ("file_t0", Some("a.pdf"), file),
    ]
}

fn sha256_hex(b: &[u8]) -> String {
    ducha::serve::store::sha256_hex(b)
}

/// The files under `evidence/` of the data folder (objects and indexes), for “nothing stored”.
fn evidence_files(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root.join("data/evidence"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && !e.path().starts_with(root.join("data/evidence/tmp")))
        .filter(|e| e.file_name() != ".lock")
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// A unit replies with a PDF and a photo: the event names both stored objects, the index lists
/// them for that reply; the office and both units of the item download them, another unit and
/// a leader get 403 (and the leader's page has no link); the office returns one (a reason is
/// required) and accepts the other; after the office returns the item, the unit's next reply
/// replaces the returned file, and the timeline shows every state.
#[tokio::test]
async fn reply_files_are_stored_shown_reviewed_and_replaced() {
    let (app, root) = app("order-files");
    set_clock(&app, "2024-01-22T10:00:00");
    add_unit(&app, "县交通运输局");
    let file = item_with_co_unit(&root);
    let signed = pdf("Signed reply 2024-01-22");
    let photo = png(40, 30, 9);
    let mut unit = logged_in(&app, "县发展改革局").await;
    let text = "升压站土建已完成，首批风机进场";
    let r = post_reply(&mut unit, text, &[("file_t0", "反馈件（盖章）.pdf", &signed), ("file_t0", "现场.png", &photo)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (pdf_sha, png_sha) = (sha256_hex(&signed), sha256_hex(&photo));
    let yaml = read(&file);
    assert!(yaml.contains(text), "{yaml}");
    for sha in [&pdf_sha, &png_sha] {
        let rel = format!("evidence/objects/{}/{sha}", &sha[..2]);
        assert!(yaml.contains(&format!("  - {rel}\n")), "the reply names {rel}: {yaml}");
        assert!(root.join("data").join(&rel).is_file());
    }
    let index = read(&root.join("data/evidence/index/orders/2024/督办〔2024〕1号/县发展改革局.yaml"));
    assert_eq!(index.matches("event: 3").count(), 2, "{index}");
    assert!(index.contains("反馈件（盖章）.pdf") && index.contains("order: 督办〔2024〕1号"), "{index}");

    // Who may download.
    let link = format!("/evidence/file/{pdf_sha}");
    let mut office = logged_in(&app, "office").await;
    let page = office.get("/items/2024/db-001").await.text().replace("&#x2f;", "/");
    assert!(page.contains(&format!("href=\"{link}\"")) && page.contains("待督查室审核"), "{page}");
    assert!(page.contains(&format!("id=\"review-{pdf_sha}\"")), "the office reviews from the item page");
    let got = office.get(&link).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, signed);
    assert!(got.header("content-disposition").starts_with("attachment;"), "{}", got.header("content-disposition"));
    let mut co = logged_in(&app, "县科技局").await;
    assert_eq!(co.get(&link).await.status, StatusCode::OK, "the 协办 unit reads the item's files");
    assert!(co.get("/items/2024/db-001").await.text().replace("&#x2f;", "/").contains(&format!("href=\"{link}\"")));
    let mut other = logged_in(&app, "县交通运输局").await;
    assert_eq!(other.get(&link).await.status, StatusCode::FORBIDDEN);
    assert_eq!(other.get("/items/2024/db-001").await.status, StatusCode::FORBIDDEN);
    let mut leader = logged_in(&app, "leader").await;
    assert_eq!(leader.get(&link).await.status, StatusCode::FORBIDDEN);
    let page = leader.get("/items/2024/db-001").await.text().replace("&#x2f;", "/");
    assert!(page.contains("反馈件（盖章）.pdf") && !page.contains("/evidence/file/"), "leaders see names only: {page}");

    // The office's review: 退回 needs a reason; units may not review.
    let csrf = office.csrf("/items/2024/db-001").await;
    let review = |decision: &'static str, sha: &str, reason: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("sha256".to_string(), sha.to_string()),
            ("unit".to_string(), "县发展改革局".to_string()),
            ("decision".to_string(), decision.to_string()),
            ("reason".to_string(), reason.to_string()),
        ]
    };
    let r = office.send("POST", "/items/2024/db-001/files", &send(&review("退回", &pdf_sha, " "))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("请填写退回理由"), "{}", r.text());
    let ucsrf = unit.csrf("/items/2024/db-001").await;
    let mut as_unit = review("采信", &pdf_sha, "");
    as_unit[0].1 = ucsrf;
    assert_eq!(unit.send("POST", "/items/2024/db-001/files", &send(&as_unit)).await.status, StatusCode::FORBIDDEN);
    let why = "反馈件未加盖单位公章，请盖章后重新上传";
    let r = office.send("POST", "/items/2024/db-001/files", &send(&review("退回", &pdf_sha, why))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = office.send("POST", "/items/2024/db-001/files", &send(&review("采信", &png_sha, ""))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = unit.get("/items/2024/db-001").await.text().replace("&#x2f;", "/");
    assert!(page.contains(&format!("id=\"file-{pdf_sha}\" class=\"file returned\"")) && page.contains(why), "{page}");
    assert!(page.contains(&format!("id=\"file-{png_sha}\" class=\"file accepted\"")), "{page}");

    // The office returns the reply; the unit's next reply replaces the returned file.
    let r = office
        .send("POST", "/items/2024/db-001", &[("csrf", &csrf), ("action", "return"), ("seen", "3"), ("text", why)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = unit.get("/items/2024/db-001").await.text().replace("&#x2f;", "/");
    let field = format!("replace_t0_{pdf_sha}");
    assert!(page.contains(&format!("name=\"{field}\"")), "the returned file is offered for replacement: {page}");
    let stamped = pdf("Signed and stamped reply 2024-01-23");
    // Only a returned file can be replaced: asking to replace the accepted photo records nothing
    // and takes back the file stored with it.
    let accepted = format!("replace_t0_{png_sha}");
    let r = post_reply(
        &mut unit,
        "替换照片",
        &[("file_t0", "新增.pdf", &stamped), (accepted.as_str(), "新照片.png", &photo)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("未被退回，不能替换") && r.text().contains(">替换照片</textarea>"), "{}", r.text());
    let index = read(&root.join("data/evidence/index/orders/2024/督办〔2024〕1号/县发展改革局.yaml"));
    assert!(!index.contains(&sha256_hex(&stamped)) && !index.contains("event: 5"), "withdrawn: {index}");
    assert!(!read(&file).contains("替换照片"));
    let r = post_reply(&mut unit, "已盖章重新上传", &[(field.as_str(), "反馈件（已盖章）.pdf", &stamped)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let new_sha = sha256_hex(&stamped);
    let index = read(&root.join("data/evidence/index/orders/2024/督办〔2024〕1号/县发展改革局.yaml"));
    assert!(index.contains(&format!("replaced_by: {new_sha}")) && index.contains(&format!("replaces: {pdf_sha}")));
    assert!(index.contains("event: 5"), "{index}");
    let page = office.get("/items/2024/db-001").await.text().replace("&#x2f;", "/");
    assert!(page.contains("已由单位替换"), "{page}");
    assert!(page.contains(&format!("id=\"file-{new_sha}\" class=\"file pending\"")), "{page}");
    // `ducha check` agrees with what the web wrote.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(["check", "--data"])
        .arg(root.join("data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A refused file (HTML named .pdf, a file over the limit) and a conflict (someone replied
/// first) record nothing, store nothing, and show the form again with every typed field kept;
/// a reply without files still works (files are optional); an ended session keeps the text.
#[tokio::test]
async fn refused_reply_files_and_conflicts_keep_the_text() {
    let (app, root) = app("order-files-refused");
    set_clock(&app, "2024-01-22T10:00:00");
    let file = item_with_co_unit(&root);
    let before = read(&file);
    let mut unit = logged_in(&app, "县发展改革局").await;
    let text = "升压站土建完成七成 <b>加粗</b>";
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let r = post_reply(&mut unit, text, &[("file_t0", "反馈件.pdf", &html)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let body = r.text();
    assert!(body.contains("未保存：督办〔2024〕1号") && body.contains("反馈件.pdf"), "{body}");
    assert!(body.contains(">升压站土建完成七成 &lt;b&gt;加粗&lt;&#x2f;b&gt;</textarea>"), "the text is kept: {body}");
    assert!(body.contains(">用地审批周期长</textarea>") && body.contains(">2 月底前取得批复</textarea>"));
    let big = pdf_of_len(1024 * 1024 + 1);
    let r = post_reply(&mut unit, text, &[("file_t0", "大文件.pdf", &big)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("大文件.pdf") && r.text().contains("超过单个文件的上限"), "{}", r.text());
    assert!(r.text().contains(">用地审批周期长</textarea>"));
    // One good file and one refused: neither is kept.
    let good = pdf("good");
    let r = post_reply(&mut unit, text, &[("file_t0", "好.pdf", &good), ("file_t0", "坏.pdf", &html)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(read(&file), before, "nothing recorded");
    let index = root.join("data/evidence/index/orders/2024/督办〔2024〕1号/县发展改革局.yaml");
    assert!(!index.exists() || !read(&index).contains("sha256:"), "nothing listed");
    assert!(!read(&file).contains("attachments"));

    // Someone else (the 协办 unit) replies first: 409, the text kept, nothing stored.
    let mut co = logged_in(&app, "县科技局").await;
    let stale_page = unit.get("/items/2024/db-001").await.text().replace("&#x2f;", "/");
    let csrf = co.csrf("/items/2024/db-001").await;
    let r = co.send("POST", "/items/2024/db-001", &reply_form(&csrf, "2", "协办单位先反馈")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "a reply without files: {}", r.text());
    let stale_csrf = hidden(&stale_page, "csrf");
    let r = unit.send_multipart("/items/2024/db-001/reply", &one_file(&stale_csrf, "2", "迟到的反馈", &good)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains(">迟到的反馈</textarea>") && r.text().contains("协办单位先反馈"), "{}", r.text());
    assert!(!read(&file).contains("迟到的反馈"));
    assert!(evidence_files(&root).is_empty(), "nothing stored: {:?}", evidence_files(&root));

    // An ended session: the login page carries the text (the files are dropped).
    unit.cookies.insert("ducha_session".into(), "ended-session".into());
    let r =
        unit.send_multipart("/items/2024/db-001/reply", &one_file("whatever", "3", "登录过期前写的反馈", &good)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    assert!(r.text().contains("登录过期前写的反馈") && r.text().contains("督办〔2024〕1号"), "{}", r.text());
    assert!(evidence_files(&root).is_empty());
}
