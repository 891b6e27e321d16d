//! 督办闭环 (docs/rules.md §18–§19): the role × state × action table, the command line's refusals,
//! 临期/逾期/colour over the 2023–2024 holiday calendars with an injected clock, located `check`
//! errors in item files, concurrent appends, and stable numbering across quarters.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use ducha::data::model::{Date, Period};
use ducha::orders::timing::{timing, Colour, OrdersConfig};
use ducha::orders::{apply, may, Action, Event, Item, ItemCx, Kind, Number, Phase, Register, Role, Track};

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn ev(at: &str, role: Role, by: &str, action: Action) -> Event {
    Event {
        at: at.into(),
        date: d(at),
        instant: None,
        by: by.into(),
        role,
        action,
        text: "理由或办理情况".into(),
        problems: String::new(),
        next_steps: String::new(),
        new_deadline: None,
        level: None,
        attachments: vec![],
    }
}

const UNIT: &str = "县科技局";
const OTHER: &str = "县工业和信息化局";

fn units() -> Vec<String> {
    vec![UNIT.to_owned(), "县财政局".to_owned()]
}

/// The events that bring an item to `phase` (issued 2023-10-13, deadline 2023-10-27).
fn path_to(phase: Phase) -> Vec<(Role, &'static str, Action)> {
    use Action::*;
    let o = (Role::Office, "督查室", Issue);
    let ack = (Role::Unit, UNIT, Acknowledge);
    let reply = (Role::Unit, UNIT, Reply);
    match phase {
        Phase::Issued => vec![o],
        Phase::Acknowledged => vec![o, ack],
        Phase::Replied => vec![o, ack, reply],
        Phase::Returned => vec![o, ack, reply, (Role::Office, "督查室", Return)],
        Phase::Closed => vec![o, ack, reply, (Role::Office, "督查室", Close)],
        Phase::Stopped => vec![o, (Role::Office, "督查室", Stop)],
        Phase::Referred => vec![o, (Role::Office, "督查室", Refer)],
    }
}

fn replay(kind: Kind, phase: Phase) -> (Track, Vec<Event>) {
    let units = units();
    let cx = ItemCx { kind, units: &units, issued: d("2023-10-13"), deadline: d("2023-10-27") };
    let mut track: Option<Track> = None;
    let mut events: Vec<Event> = Vec::new();
    for (role, by, action) in path_to(phase) {
        let mut e = ev("2023-10-16", role, by, action);
        e.level = Some(ducha::orders::CoordinationLevel::CountyLeader);
        let t = apply(cx, track.as_ref(), &e, events.last()).unwrap_or_else(|r| panic!("{phase:?}: {r}"));
        track = Some(t);
        events.push(e);
    }
    let track = track.unwrap();
    assert_eq!(track.phase, phase);
    (track, events)
}

/// The expected table, written from the issue's cycle (not from the code's tables): what each
/// role may do in each state of a 督办事项. 同意/不同意延期 are listed where the state allows them;
/// they also need a pending request (checked further below).
fn expected(role: Role, phase: Phase, kind: Kind) -> Vec<&'static str> {
    let mut v: Vec<&str> = match (role, phase) {
        (Role::Office, Phase::Issued) => vec!["chase", "stop", "grant_extension", "refuse_extension"],
        (Role::Office, Phase::Acknowledged) => vec!["chase", "stop", "grant_extension", "refuse_extension"],
        (Role::Office, Phase::Replied) => vec!["close", "return", "stop", "grant_extension", "refuse_extension"],
        (Role::Office, Phase::Returned) => vec!["chase", "stop", "grant_extension", "refuse_extension"],
        (Role::Office, Phase::Referred) => vec!["close", "stop"],
        (Role::Office, Phase::Closed) => vec!["revisit"],
        (Role::Unit, Phase::Issued) => vec!["acknowledge", "request_extension"],
        (Role::Unit, Phase::Acknowledged) => vec!["reply", "request_extension"],
        (Role::Unit, Phase::Returned) => vec!["reply", "request_extension"],
        _ => vec![],
    };
    if kind == Kind::Coordination && role == Role::Office {
        if matches!(phase, Phase::Issued | Phase::Acknowledged | Phase::Replied | Phase::Returned) {
            v.push("refer");
        }
        if phase == Phase::Issued {
            v.push("answer");
        }
    }
    v.sort();
    v
}

#[test]
fn role_state_action_table_is_the_cycle_of_the_issue() {
    let mut cells = 0;
    for kind in Kind::ALL {
        for phase in Phase::ALL {
            if phase == Phase::Referred && kind == Kind::Order {
                continue;
            }
            let (track, _) = replay(kind, phase);
            let units = units();
            let cx = ItemCx { kind, units: &units, issued: d("2023-10-13"), deadline: d("2023-10-27") };
            for role in Role::ALL {
                let by = if role == Role::Unit { UNIT } else { "张三" };
                let mut got: Vec<&str> = Action::ALL
                    .into_iter()
                    .filter(|a| may(cx, Some(&track), role, by, *a).is_ok())
                    .map(|a| a.id())
                    .collect();
                got.sort();
                assert_eq!(got, expected(role, phase, kind), "{kind:?} {phase:?} {role:?}");
                // A unit that is not an addressee may do nothing at all.
                for a in Action::ALL {
                    cells += 1;
                    if role == Role::Unit {
                        let r = may(cx, Some(&track), role, OTHER, a);
                        assert!(r.is_err(), "{OTHER} {a:?} on {phase:?}");
                    }
                }
            }
        }
    }
    assert_eq!(cells, 13 * 3 * 13, "13 (kind, state) pairs × 3 roles × 13 actions");
}

#[test]
fn refusals_say_what_is_allowed() {
    let (track, events) = replay(Kind::Order, Phase::Closed);
    let units = units();
    let cx = ItemCx { kind: Kind::Order, units: &units, issued: d("2023-10-13"), deadline: d("2023-10-27") };
    let e = ev("2023-10-20", Role::Office, "督查室", Action::Return);
    let msg = apply(cx, Some(&track), &e, events.last()).unwrap_err().to_string();
    assert_eq!(msg, "事项当前为“已办结”，不能退回；此时可以：回头看");
    let e = ev("2023-10-20", Role::Unit, OTHER, Action::Reply);
    let msg = apply(cx, Some(&track), &e, events.last()).unwrap_err().to_string();
    assert!(msg.contains("“县工业和信息化局”不是该事项的承办或协办单位"), "{msg}");
    let e = ev("2023-10-20", Role::Leader, "李四", Action::Close);
    let msg = apply(cx, Some(&track), &e, events.last()).unwrap_err().to_string();
    assert_eq!(msg, "县领导不能办结：只有督查室可以办结");
}

#[test]
fn extension_only_before_the_deadline_and_only_later() {
    let units = units();
    let cx = ItemCx { kind: Kind::Order, units: &units, issued: d("2023-10-13"), deadline: d("2023-10-27") };
    let (track, events) = replay(Kind::Order, Phase::Acknowledged);
    let ask = |at: &str, to: &str| {
        let mut e = ev(at, Role::Unit, UNIT, Action::RequestExtension);
        e.new_deadline = Some(d(to));
        apply(cx, Some(&track), &e, events.last())
    };
    // On the deadline's day still allowed; the day after refused.
    let t = ask("2023-10-27", "2023-11-10").expect("on the deadline");
    assert_eq!(t.pending_extension, Some(d("2023-11-10")));
    let late = ask("2023-10-28", "2023-11-10").unwrap_err().to_string();
    assert!(late.contains("办理时限 2023-10-27 已过"), "{late}");
    assert!(ask("2023-10-20", "2023-10-27").unwrap_err().to_string().contains("不晚于现行办理时限"));
    // Granted: the deadline moves; a second grant has nothing to grant.
    let mut req = ev("2023-10-20", Role::Unit, UNIT, Action::RequestExtension);
    req.new_deadline = Some(d("2023-11-10"));
    let t = apply(cx, Some(&track), &req, events.last()).unwrap();
    let grant = ev("2023-10-23", Role::Office, "督查室", Action::GrantExtension);
    let t2 = apply(cx, Some(&t), &grant, Some(&req)).unwrap();
    assert_eq!((t2.deadline, t2.pending_extension, t2.extensions), (d("2023-11-10"), None, 1));
    assert_eq!(apply(cx, Some(&t2), &grant, Some(&grant)).unwrap_err().to_string(), "没有待审批的延期申请");
    // A refusal needs a reason.
    let mut refuse = ev("2023-10-23", Role::Office, "督查室", Action::RefuseExtension);
    refuse.text = " ".into();
    assert!(apply(cx, Some(&t), &refuse, Some(&req)).unwrap_err().to_string().contains("须写明理由"));
}

fn item(events: Vec<Event>, track: Track) -> Item {
    Item {
        number: Number { kind: Kind::Order, year: 2023, seq: 1 },
        kind: Kind::Order,
        task: Some(1),
        title: "t".into(),
        units: units(),
        period: Period { year: 2023, quarter: 3 },
        order_level: None,
        coordination_level: None,
        issued: d("2023-10-13"),
        deadline: d("2023-10-27"),
        revisit_of: None,
        events,
        track,
        file: String::new(),
    }
}

/// 临期 / 逾期 / colour against today, across the 2023 National Day holiday and 2024's Spring
/// Festival (expected dates counted by hand on the official calendars).
#[test]
fn due_soon_overdue_and_colours_over_the_holiday_calendars() {
    let cfg = OrdersConfig::default();
    let (mut track, events) = replay(Kind::Order, Phase::Acknowledged);
    // Deadline Friday 2023-09-28 (the day before the 中秋国庆 break 09-29…10-06).
    track.deadline = d("2023-09-28");
    let it = item(events.clone(), track.clone());
    let at = |today: &str| timing(&it, d(today), &cfg);
    // 3 working days before: 09-25 (Mon) → 26, 27, 28 left = 3 → 临期 (蓝).
    assert_eq!((at("2023-09-25").due_soon, at("2023-09-25").colour), (true, Colour::Blue));
    assert_eq!((at("2023-09-22").due_soon, at("2023-09-22").colour), (false, Colour::None));
    // Due today without a reply: 黄.
    assert_eq!(at("2023-09-28").colour, Colour::Yellow);
    // 10-06 is still the holiday: overdue, 0 working days; 10-07 (Saturday, 调休上班) is the first.
    assert_eq!((at("2023-10-06").overdue, at("2023-10-06").overdue_days), (true, 0));
    assert_eq!(at("2023-10-07").overdue_days, 1);
    // 10-07, 10-08 (make-up days), 10-09…10-11 → 5 working days: still 黄; 10-12 → 6: 红.
    assert_eq!((at("2023-10-11").overdue_days, at("2023-10-11").colour), (5, Colour::Yellow));
    assert_eq!((at("2023-10-12").overdue_days, at("2023-10-12").colour), (6, Colour::Red));

    // 2024: deadline 2024-02-08 (Thursday); 02-09 is a Friday, then 春节 02-10…17, 02-18 worked.
    track.deadline = d("2024-02-08");
    let it = item(events.clone(), track.clone());
    let at = |today: &str| timing(&it, d(today), &cfg);
    assert_eq!(at("2024-02-17").overdue_days, 1, "only 02-09 counts");
    assert_eq!(at("2024-02-18").overdue_days, 2, "the Sunday make-up day counts");
    assert_eq!(at("2024-02-22").overdue_days, 6);
    assert_eq!(at("2024-02-22").colour, Colour::Red);
    // 临期 over the break: on 02-07 one working day (02-08) is left.
    assert_eq!(at("2024-02-07").days_left, Some(1));

    // Chased twice → 红 even before the deadline; returned once → 黄.
    let mut chased = track.clone();
    chased.chases = 2;
    assert_eq!(timing(&item(events.clone(), chased), d("2024-01-02"), &cfg).colour, Colour::Red);
    let mut returned = track.clone();
    returned.returns = 1;
    assert_eq!(timing(&item(events.clone(), returned), d("2024-01-02"), &cfg).colour, Colour::Yellow);
    // Closed after the deadline: 逾期办结, no colour.
    let mut closed = track.clone();
    closed.phase = Phase::Closed;
    closed.ended = Some(d("2024-02-19"));
    let t = timing(&item(events, closed), d("2024-03-01"), &cfg);
    assert_eq!((t.closed_late, t.overdue, t.colour), (true, false, Colour::None));
}

// ---- files and the command line ----

/// A copy of the minimal data set with item files; returns (temp root, data dir).
fn data_with(items: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let tmp = temp_dir("orders");
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    for (name, text) in items {
        let path = data.join("orders").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (tmp, data)
}

const HEAD: &str = "kind: order
number: 督办〔2023〕1号
task: 1
title: 培育高新技术企业
units: [县科技局, 县财政局]
period: 2023Q1
level: red
issued: 2023-04-14
deadline: 2023-04-28
events:
- at: 2023-04-14
  by: 测试县人民政府督查室
  role: office
  action: issue
";

fn events_to(phase: Phase) -> String {
    let ack = "- at: 2023-04-17T09:30:00+08:00\n  by: 县科技局\n  role: unit\n  action: acknowledge\n";
    let reply = "- at: 2023-04-20\n  by: 县财政局\n  role: unit\n  action: reply\n  text: 已制定方案\n";
    let office = |a: &str| format!("- at: 2023-04-21\n  by: 王五\n  role: office\n  action: {a}\n  text: 理由\n");
    match phase {
        Phase::Issued => String::new(),
        Phase::Acknowledged => ack.into(),
        Phase::Replied => format!("{ack}{reply}"),
        Phase::Returned => format!("{ack}{reply}{}", office("return")),
        Phase::Closed => format!("{ack}{reply}{}", office("close")),
        Phase::Stopped => office("stop"),
        Phase::Referred => unreachable!(),
    }
}

fn run(tmp: &Path, args: &[&str]) -> (i32, String, String) {
    let o = ducha(tmp, args);
    let (out, err) = text(&o);
    (o.status.code().unwrap_or(-1), out, err)
}

/// The command line refuses with exit 1 exactly what the table refuses, for every role, state and
/// action of a 督办事项 (and a unit acting on another unit's item), and writes nothing then.
#[test]
fn command_line_walks_the_table() {
    let cmds: [(&str, Action); 12] = [
        ("ack", Action::Acknowledge),
        ("reply", Action::Reply),
        ("close", Action::Close),
        ("return", Action::Return),
        ("extend", Action::RequestExtension),
        ("grant", Action::GrantExtension),
        ("refuse", Action::RefuseExtension),
        ("chase", Action::Chase),
        ("stop", Action::Stop),
        ("revisit", Action::Revisit),
        ("refer", Action::Refer),
        ("answer", Action::Answer),
    ];
    let mut runs = 0;
    for phase in [Phase::Issued, Phase::Acknowledged, Phase::Replied, Phase::Returned, Phase::Closed, Phase::Stopped] {
        let file = format!("{HEAD}{}", events_to(phase));
        for (role, by) in [("office", "王五"), ("unit", UNIT), ("unit", OTHER), ("leader", "李四")] {
            for (cmd, action) in cmds {
                let (tmp, data) = data_with(&[("2023/db-001.yaml", &file)]);
                let before = std::fs::read(data.join("orders/2023/db-001.yaml")).unwrap();
                let args = [
                    "orders",
                    cmd,
                    "督办〔2023〕1号",
                    "--data",
                    "data",
                    "--role",
                    role,
                    "--by",
                    by,
                    "--at",
                    "2023-04-24",
                    "--text",
                    "理由",
                    "--to",
                    "2023-05-12",
                    "--level",
                    "分管县领导",
                ];
                let (code, out, err) = run(&tmp, &args);
                let r = Role::parse(role).unwrap();
                let allowed = by != OTHER
                    && expected(r, phase, Kind::Order).contains(&action.id())
                    && !matches!(action, Action::GrantExtension | Action::RefuseExtension);
                assert_eq!(code, if allowed { 0 } else { 1 }, "{phase:?} {role} {by} {cmd}: {out}{err}");
                let after = std::fs::read(data.join("orders/2023/db-001.yaml")).unwrap();
                if allowed && action != Action::Revisit {
                    assert!(after.starts_with(&before) && after.len() > before.len(), "appended, nothing rewritten");
                } else {
                    assert_eq!(after, before, "{phase:?} {role} {cmd}: refused actions write nothing");
                }
                if !allowed {
                    assert!(
                        err.starts_with("错误: 督办〔2023〕1号（当前状态：") && err.contains(phase.label()),
                        "{err}"
                    );
                }
                if allowed && action == Action::Revisit {
                    assert!(data.join("orders/2023/db-002.yaml").is_file(), "a new linked item");
                    let (c, _, e) = run(&tmp, &["check", "--data", "data"]);
                    assert_eq!(c, 0, "{e}");
                }
                runs += 1;
                let _ = std::fs::remove_dir_all(tmp);
            }
        }
    }
    assert_eq!(runs, 6 * 4 * 12);
}

#[test]
fn a_whole_cycle_from_the_command_line_with_extension_and_json() {
    let (tmp, _) = data_with(&[("2023/db-001.yaml", HEAD)]);
    let n = "督办〔2023〕1号";
    let steps: Vec<Vec<&str>> = vec![
        vec!["ack", n, "--role", "unit", "--by", UNIT, "--at", "2023-04-17T09:00:00"],
        vec![
            "extend",
            n,
            "--role",
            "unit",
            "--by",
            UNIT,
            "--at",
            "2023-04-26",
            "--to",
            "2023-05-12",
            "--text",
            "需等省厅批复",
        ],
        vec!["grant", n, "--at", "2023-04-27", "--by", "王五"],
        vec![
            "reply",
            n,
            "--role",
            "unit",
            "--by",
            UNIT,
            "--at",
            "2023-05-08",
            "--text",
            "已完成",
            "--problems",
            "无",
            "--next-steps",
            "巩固",
        ],
        vec!["return", n, "--at", "2023-05-09", "--text", "缺少佐证材料"],
        vec!["reply", n, "--role", "unit", "--by", UNIT, "--at", "2023-05-10", "--text", "补充了佐证材料"],
        vec!["close", n, "--at", "2023-05-11"],
    ];
    for s in &steps {
        let mut args = vec!["orders"];
        args.extend(s.iter().copied());
        args.extend(["--data", "data"]);
        let (code, out, err) = run(&tmp, &args);
        assert_eq!(code, 0, "{s:?}: {out}{err}");
    }
    let (code, out, err) = run(&tmp, &["orders", "show", n, "--data", "data", "--json", "--as-of", "2023-06-01"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["state"], "closed");
    assert_eq!(v["deadline"], "2023-05-12");
    assert_eq!(v["deadline_at_issue"], "2023-04-28");
    assert_eq!(v["closed"], "2023-05-11");
    assert_eq!(v["closed_late"], false);
    assert_eq!(v["returns"], 1);
    assert_eq!(v["replies"], 2);
    let actions: Vec<&str> = v["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["issue", "acknowledge", "request_extension", "grant_extension", "reply", "return", "reply", "close"]
    );
    assert_eq!(v["events"][4]["problems"], "无");
    // After 办结 nothing changes.
    let (code, _, err) = run(&tmp, &["orders", "chase", n, "--data", "data"]);
    assert_eq!(code, 1);
    assert!(err.contains("已办结") && err.contains("此时可以：回头看"), "{err}");
    // The list filters agree with show.
    let (_, out, _) =
        run(&tmp, &["orders", "list", "--data", "data", "--json", "--state", "closed", "--unit", "县财政局"]);
    let l: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    let (_, out, _) = run(&tmp, &["orders", "list", "--data", "data", "--json", "--state", "open"]);
    let l: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(l["items"].as_array().unwrap().len(), 0);
    let (code, out, err) = run(&tmp, &["check", "--data", "data"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// `DUCHA_NOW` is the office's today for `list`: an item due 2023-04-28 is 临期 on 04-25 and
/// red-overdue six working days after (04-29…05-03 is the 劳动节 break, 04-23 and 05-06 worked).
#[test]
fn injected_clock_decides_due_soon_and_overdue() {
    let (tmp, _) = data_with(&[("2023/db-001.yaml", HEAD)]);
    let at = |now: &str| -> serde_json::Value {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_ducha"))
            .args(["orders", "list", "--data", "data", "--json"])
            .current_dir(&tmp)
            .env("DUCHA_NOW", now)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["items"][0].clone()
    };
    let v = at("2023-04-25T08:00:00");
    assert_eq!(
        (v["due_soon"].as_bool(), v["workdays_left"].as_u64(), v["colour"].as_str()),
        (Some(true), Some(3), Some("blue"))
    );
    // 04-28 deadline; after it 05-04, 05-05, 05-06 (Saturday, worked), 05-08, 05-09 = 5 → yellow.
    let v = at("2023-05-09T10:00:00+08:00");
    assert_eq!((v["overdue_workdays"].as_u64(), v["colour"].as_str()), (Some(5), Some("yellow")));
    // 2023-05-09T23:30Z is already 05-10 in Beijing: 6 → red.
    let v = at("2023-05-09T23:30:00Z");
    assert_eq!((v["overdue_workdays"].as_u64(), v["colour"].as_str()), (Some(6), Some("red")));
}

/// Located errors of `ducha check` in item files (snapshots beside the fixture's cases).
#[test]
fn check_locates_errors_in_item_files() {
    let cases: [(&str, String, &[&str]); 5] = [
        (
            "unknown_action",
            HEAD.replace("action: issue", "action: isue"),
            &["操作 “isue” 无效", ":14:11", "是否应为 `issue`"],
        ),
        (
            "event_before_issue",
            format!("{HEAD}- at: 2023-04-10\n  by: 县科技局\n  role: unit\n  action: acknowledge\n"),
            &["早于交办日期 2023-04-14", ":18:11"],
        ),
        (
            "illegal_transition",
            format!("{HEAD}- at: 2023-04-20\n  by: 王五\n  role: office\n  action: close\n"),
            &["事项当前为“待签收”，不能办结", "此时可以：催办、中止", ":18:11"],
        ),
        (
            "not_addressee",
            format!("{HEAD}- at: 2023-04-20\n  by: 县工业和信息化局\n  role: unit\n  action: acknowledge\n"),
            &["“县工业和信息化局”不是该事项的承办或协办单位", ":18:11"],
        ),
        ("unknown_unit", HEAD.replace("县财政局]", "县财务局]"), &["计划中没有单位 “县财务局”", ":5:15", "县财政局"]),
    ];
    for (case, text, needles) in cases {
        let (tmp, _) = data_with(&[("2023/db-001.yaml", &text)]);
        let (code, _, err) = run(&tmp, &["check", "--data", "data"]);
        assert_eq!(code, 1, "{case}: {err}");
        assert!(err.contains("data/orders/2023/db-001.yaml"), "{case}: {err}");
        for n in needles {
            assert!(err.contains(n), "{case}: lacks {n:?}\n{err}");
        }
        assert_snapshot(&root().join(format!("tests/fixtures/orders/{case}.stderr")), &err);
        let _ = std::fs::remove_dir_all(tmp);
    }
}

/// Two people act on the same item at once: one is recorded, the other refused; the file stays
/// valid and holds exactly one of the two events.
#[test]
fn concurrent_appends_refuse_the_second() {
    let (tmp, data) = data_with(&[("2023/db-001.yaml", HEAD)]);
    let checked = ducha::data::check(&data);
    let ds = checked.dataset.expect("valid data");
    for round in 0..20 {
        let file = data.join("orders/2023/db-001.yaml");
        std::fs::write(&file, format!("{HEAD}{}", events_to(Phase::Acknowledged))).unwrap();
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = ["2023-04-20", "2023-04-21"]
                .into_iter()
                .map(|at| {
                    let (ds, data) = (&ds, &data);
                    s.spawn(move || {
                        let cx = ducha::orders::file::Cx {
                            plan: &ds.plan,
                            cfg: &ds.office.orders,
                            offset: ds.office.timezone.offset_secs,
                        };
                        let mut e = ev(at, Role::Unit, UNIT, Action::Reply);
                        e.text = format!("{at} 的反馈");
                        let number = Number { kind: Kind::Order, year: 2023, seq: 1 };
                        ducha::orders::store::append(data, &cx, number, 2, &e)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "round {round}: {results:?}");
        let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap().to_string();
        assert!(refused.contains("已被他人更新") && refused.contains("请刷新后重试"), "{refused}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.matches("action: reply").count(), 1, "round {round}");
        let (code, _, err) = run(&tmp, &["check", "--data", "data"]);
        assert_eq!(code, 0, "{err}");
    }
}

/// The server's memo of parsed item files gives what a fresh read gives after every kind of
/// change: an event appended, a file broken, a file removed, a file added, one edited to the same
/// size; and two appends to different items at the same moment (each under its item's own lock)
/// are both recorded.
#[test]
fn the_memo_reads_what_a_fresh_read_reads() {
    let second = HEAD.replace("督办〔2023〕1号", "督办〔2023〕2号").replace("task: 1", "task: 2");
    let (_tmp, data) = data_with(&[("2023/db-001.yaml", HEAD), ("2023/db-002.yaml", &second)]);
    let ds = ducha::data::check(&data).dataset.expect("valid data");
    let cx = ducha::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let mut memo = ducha::orders::file::Memo::default();
    let same = |memo: &mut ducha::orders::file::Memo, what: &str| {
        let (a, da, sa) = ducha::orders::file::load_register_memo(&data, &cx, memo);
        let (b, db, sb) = ducha::orders::file::load_register(&data, &cx);
        assert_eq!(a, b, "{what}: register");
        assert_eq!(da.render(&sa), db.render(&sb), "{what}: problems");
        a
    };
    assert_eq!(same(&mut memo, "first read").items.len(), 2);
    // Two units reply to two items at the same moment: both recorded.
    std::thread::scope(|s| {
        for seq in [1, 2] {
            let (cx, data) = (&cx, &data);
            s.spawn(move || {
                let mut e = ev("2023-04-20", Role::Unit, UNIT, Action::Acknowledge);
                e.text = String::new();
                let number = Number { kind: Kind::Order, year: 2023, seq };
                ducha::orders::store::append(data, cx, number, 1, &e).expect("append");
            });
        }
    });
    let r = same(&mut memo, "after two appends");
    assert!(
        r.items.iter().all(|i| i.events.len() == 2),
        "{:?}",
        r.items.iter().map(|i| i.events.len()).collect::<Vec<_>>()
    );
    let file = data.join("orders/2023/db-002.yaml");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, good.replace("action: acknowledge", "action: acknowledgd")).unwrap();
    let r = same(&mut memo, "a broken file");
    assert_eq!(r.items.len(), 1);
    std::fs::write(&file, good.replace("培育", "扶持")).unwrap();
    let r = same(&mut memo, "an edit of the same size");
    assert_eq!(r.items[1].title, "扶持高新技术企业");
    std::fs::remove_file(&file).unwrap();
    assert_eq!(same(&mut memo, "a removed file").items.len(), 1);
    std::fs::write(&file, &good).unwrap();
    assert_eq!(same(&mut memo, "the file back").items.len(), 2);
}

/// Numbers come from the register: each quarter continues the year's sequence, a rebuild or a
/// second `issue` never renumbers, and `build` prints the registered number.
#[test]
fn numbering_continues_across_quarters_and_never_repeats() {
    let tmp = temp_dir("orders-numbering");
    let data = tmp.join("data");
    copy_dir(&root().join("data"), &data);
    let _ = std::fs::remove_dir_all(data.join("orders"));
    let mut all: Vec<String> = Vec::new();
    let mut last_2023 = 0;
    for q in 1..=4 {
        let p = format!("2023Q{q}");
        let (code, out, err) = run(&tmp, &["orders", "issue", "--period", &p, "--data", "data"]);
        assert_eq!(code, 0, "{p}: {err}");
        assert!(out.contains("已登记"), "{p} registers orders: {out}");
        let (code, again, _) = run(&tmp, &["orders", "issue", "--period", &p, "--data", "data"]);
        assert_eq!(code, 0);
        assert!(again.contains("没有需要登记的督办事项"), "{again}");
        let (_, json, _) = run(&tmp, &["orders", "list", "--period", &p, "--data", "data", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let numbers: Vec<String> =
            v["items"].as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_owned()).collect();
        for n in &numbers {
            assert!(!all.contains(n), "{n} given twice");
            let num = Number::parse(n).unwrap();
            if num.year == 2023 {
                // 2023Q1 has no order; the year's first (2023Q2) starts at office.yaml's
                // `order_numbers: {2023Q2: 3}`, every later one continues the register.
                let want = if last_2023 == 0 { 3 } else { last_2023 + 1 };
                assert_eq!(num.seq, want, "{p}: {n} continues the year's sequence");
                last_2023 = num.seq;
            }
        }
        all.extend(numbers);
    }
    assert!(all.len() >= 8, "{all:?}");
    // Q3 and Q4 never share a number, and a period's numbers are the register's.
    let q3: Vec<&String> = all.iter().filter(|n| n.starts_with("督办〔2023〕")).collect();
    assert!(q3.len() >= 7, "{q3:?}");
    let _ = Register::default();
    let _ = std::fs::remove_dir_all(tmp);
}

/// With Q4 issued in the same year and no `order_numbers`, Q3's and Q4's orders still never share
/// a number; `build` warns about an unregistered order with the number `issue` then gives it, and
/// prints the registered numbers, byte-identically on a rebuild.
#[test]
fn q3_and_q4_in_one_year_never_share_a_number_and_build_prints_the_register() {
    let tmp = temp_dir("orders-q4");
    let data = tmp.join("data");
    copy_dir(&root().join("data"), &data);
    let _ = std::fs::remove_dir_all(data.join("orders"));
    let office = std::fs::read_to_string(data.join("office.yaml")).unwrap();
    let start = office.find("order_numbers:").unwrap();
    let end = start + office[start..].find("\n\n").unwrap();
    let office = format!("{}{}", &office[..start], &office[end..]).replace("2023Q4: 2024-01-15", "2023Q4: 2023-12-29");
    std::fs::write(data.join("office.yaml"), office).unwrap();
    for p in ["2023Q1", "2023Q2", "2023Q3"] {
        let (code, _, err) = run(&tmp, &["orders", "issue", "--period", p, "--data", "data"]);
        assert_eq!(code, 0, "{err}");
    }
    let numbers = |p: &str| -> Vec<String> {
        let (_, json, _) = run(&tmp, &["orders", "list", "--period", p, "--data", "data", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["items"].as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_owned()).collect()
    };
    let before_q4: Vec<String> = ["2023Q2", "2023Q3"].iter().flat_map(|p| numbers(p)).collect();
    let want: Vec<String> = (1..=before_q4.len()).map(|n| format!("督办〔2023〕{n}号")).collect();
    assert_eq!(before_q4, want, "one sequence from 1 across the year's quarters");

    // Q4 not registered yet: the build warns, with the next free numbers.
    let (code, _, err) =
        run(&tmp, &["build", "--period", "2023Q4", "--only", "order", "--data", "data", "--out", "out0"]);
    assert_eq!(code, 0, "{err}");
    let next = before_q4.len() + 1;
    assert!(err.contains(&format!("尚未登记，暂编为 督办〔2023〕{next}号")), "{err}");
    assert!(err.contains("ducha orders issue --period 2023Q4"), "{err}");
    let (code, _, err) = run(&tmp, &["orders", "issue", "--period", "2023Q4", "--data", "data"]);
    assert_eq!(code, 0, "{err}");
    let q4 = numbers("2023Q4");
    assert!(!q4.is_empty());
    assert_eq!(q4[0], format!("督办〔2023〕{next}号"), "issue gives the number the build announced");
    assert!(q4.iter().all(|n| !before_q4.contains(n)), "{q4:?} vs {before_q4:?}");

    // Registered: printed as registered, no warning, the same bytes twice.
    let mut pdfs = Vec::new();
    for out in ["out1", "out2"] {
        let (code, _, err) =
            run(&tmp, &["build", "--period", "2023Q4", "--only", "order", "--data", "data", "--out", out]);
        assert_eq!(code, 0, "{err}");
        assert!(!err.contains("尚未登记"), "{err}");
        let dir = tmp.join(out).join("2023Q4");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        files.sort();
        pdfs.push(files.iter().map(|f| std::fs::read(f).unwrap()).collect::<Vec<_>>());
        let text: String = files.iter().map(|f| squash(&pdftotext(f, None))).collect();
        for n in &q4 {
            assert!(text.contains(n.as_str()), "{n} printed");
        }
    }
    assert_eq!(pdfs[0], pdfs[1], "rebuilds are byte-identical");
    let _ = std::fs::remove_dir_all(tmp);
}

/// The next quarter's notice says what became of the previous quarter's orders, and its figures
/// are those of `ducha orders list --period <previous> --as-of <notice date> --json`.
#[test]
fn next_notice_paragraph_equals_the_register() {
    let tmp = temp_dir("orders-notice");
    let data = tmp.join("data");
    copy_dir(&root().join("data"), &data);
    let (code, json, err) = run(
        &tmp,
        &[
            "orders",
            "list",
            "--period",
            "2023Q2",
            "--kind",
            "order",
            "--as-of",
            "2023-10-13",
            "--data",
            "data",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items: Vec<&serde_json::Value> =
        v["items"].as_array().unwrap().iter().filter(|i| i["revisit_of"].is_null()).collect();
    let count = |f: &dyn Fn(&serde_json::Value) -> bool| items.iter().filter(|i| f(i)).count();
    let closed = count(&|i| i["state"] == "closed");
    let open = count(&|i| i["open"] == true);
    let overdue = count(&|i| i["overdue"] == true);
    assert!(open > 0 && overdue > 0, "the bundled register has an overdue Q2 order on the Q3 notice's date");
    let mut units: Vec<&str> = Vec::new();
    for i in items.iter().filter(|i| i["overdue"] == true) {
        let u = i["units"][0].as_str().unwrap();
        if !units.contains(&u) {
            units.push(u);
        }
    }
    let want = format!(
        "上期下发督办通知单{}份，已办结{closed}项，正在办理{open}项（其中逾期{overdue}项）。{}办理督办事项逾期",
        items.len(),
        units.join("、")
    );
    let (code, _, err) =
        run(&tmp, &["build", "--period", "2023Q3", "--only", "notice", "--data", "data", "--out", "out"]);
    assert_eq!(code, 0, "{err}");
    let text = squash(&pdftotext(&tmp.join("out/2023Q3/季度进展情况通报.pdf"), None));
    assert!(text.contains(&want), "{want} not in the notice");
    let _ = std::fs::remove_dir_all(tmp);
}
