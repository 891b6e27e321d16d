//! The reminder tick of `ducha serve` (docs/rules.md §19 “提醒”, `src/serve/remind.rs`): the real
//! server on a loopback port, on a copy of the bundled data and register, with an office.yaml
//! whose `orders.reminder` names a small script that appends its standard input (one JSON line)
//! to a file, and the office clock injected as `DUCHA_NOW` would set it.
//!
//! Each start of the server looks at once (then every ten minutes): the command runs once for each
//! item that is 临期 or 逾期 that day or was chased since the previous working day — the set
//! `tests/orders_oracle.py reminders DATE` computes from the files alone — and each is a line
//! of `orders/<年度>/reminders.log`. A restart the same day sends nothing again (only an item
//! that became due meanwhile); the next working day the items still due are reminded again.

mod common;
mod serve_util;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ducha::serve::{App, Options};
use serde_json::Value;
use serve_util::browser::start_server;

/// The reminders the oracle says are due on `day`: (number, reasons), sorted.
fn expected(data: &Path, day: &str) -> Vec<(String, Value)> {
    let o = Command::new("python3")
        .arg(common::root().join("tests/orders_oracle.py"))
        .arg(common::root())
        .arg(data)
        .args(["reminders", day])
        .output()
        .unwrap();
    assert!(o.status.success(), "orders_oracle.py: {}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut out: Vec<(String, Value)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["number"].as_str().unwrap().to_owned(), r["reasons"].clone()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// What the script received, one JSON object per run of the command (a line still being
/// written, without its newline yet, is not counted).
fn received(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON line: {l}: {e}")))
        .collect()
}

/// (date, number) of each message, for a failure's message.
fn brief(all: &[Value]) -> Vec<(String, String)> {
    all.iter().map(|m| (m["date"].to_string(), m["number"].to_string())).collect()
}

/// Starts the server on `data` with the office clock at `at` (office time), waits until the
/// script has received `want` messages in all (or 60 s), gives the tick a moment to send
/// anything more, stops the server; returns what was received.
fn serve_until(root: &Path, data: &Path, at: &str, got: &Path, want: usize) -> Vec<Value> {
    let opts =
        Options { data: data.to_path_buf(), out: root.join("out"), archive: root.join("archive"), secure: false };
    let app = Arc::new(App::new(opts).unwrap());
    app.set_now(ducha::clock::parse_instant(at, 8 * 3600).unwrap());
    let (port, stop, server) = start_server(&app);
    // The server answers while the tick runs.
    let started = Instant::now();
    while received(got).len() < want && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let page = ducha::serve::http_client::request(&format!("127.0.0.1:{port}"), "GET", "/login", &[], b"").unwrap();
    assert_eq!(page.status, 200, "the server answers beside its tick");
    // Anything sent twice would come in the same run: wait a little longer.
    std::thread::sleep(Duration::from_millis(1500));
    let _ = stop.send(());
    server.join().unwrap();
    received(got)
}

fn ducha(root: &Path, args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(args)
        .current_dir(root)
        .env_remove("DUCHA_DATA")
        .output()
        .unwrap();
    assert!(o.status.success(), "ducha {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// The log's lines of `day` (without the header): (number, reasons, result, time).
fn log_lines(data: &Path, day: &str) -> Vec<Vec<String>> {
    let log = std::fs::read_to_string(data.join("orders").join(&day[..4]).join("reminders.log")).unwrap_or_default();
    log.lines().filter(|l| l.starts_with(day)).map(|l| l.split('\t').map(str::to_owned).collect::<Vec<_>>()).collect()
}

/// Checks that the messages of `day` are exactly the oracle's reminders, once each, and that each
/// is a line of the log with the same reasons, 已发送, at one of the injected office `times`.
fn check_day(data: &Path, all: &[Value], day: &str, times: &[&str]) {
    let want = expected(data, day);
    assert!(!want.is_empty(), "the bundled register has reminders on {day}");
    let mut got: Vec<(String, Value)> = all
        .iter()
        .filter(|m| m["date"] == day)
        .map(|m| (m["number"].as_str().unwrap().to_owned(), m["reasons"].clone()))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want, "{day}: the command ran once per item due, and only for those");
    let labels = |r: &Value| -> String {
        let l: Vec<&str> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|x| match x.as_str().unwrap() {
                "due_soon" => "临期",
                "overdue" => "逾期",
                "chased" => "催办",
                other => panic!("unknown reason {other}"),
            })
            .collect();
        l.join("、")
    };
    let mut logged: Vec<(String, String)> = log_lines(data, day)
        .iter()
        .map(|f| {
            assert_eq!(f.len(), 6, "{f:?}");
            assert_eq!(f[4], "已发送", "{f:?}");
            assert!(times.iter().any(|t| f[5] == format!("{day} {t}")), "the office time of the tick: {f:?}");
            (f[1].clone(), f[2].clone())
        })
        .collect();
    logged.sort();
    let want_logged: Vec<(String, String)> = want.iter().map(|(n, r)| (n.clone(), labels(r))).collect();
    assert_eq!(logged, want_logged, "{day}: one log line per reminder sent");
}

#[test]
fn serve_reminds_once_per_item_per_working_day_across_restarts() {
    let (root, data) = serve_util::bundled_copy("serve-remind");
    // The bundled register beside the copied plan, office and reports.
    common::copy_dir(&common::root().join("data/orders"), &data.join("orders"));
    let (got, _) = common::recording_reminder(&root, &data);

    // 2024-01-25 (Thu), 10:00 office time: the items 临期 that day.
    let day = "2024-01-25";
    let first = expected(&data, day).len();
    let all = serve_until(&root, &data, "2024-01-25T10:00:00", &got, first);
    assert_eq!(all.len(), first, "{:?}", brief(&all));
    check_day(&data, &all, day, &["10:00:00"]);
    for m in &all {
        // What the command reads: the item as `ducha orders show --json` gives it.
        assert_eq!(m["item"]["number"], m["number"]);
        assert!(m["message"].as_str().unwrap().contains(m["units"][0].as_str().unwrap()), "{m}");
    }

    // Meanwhile the office issues a 回头看 due on 2024-01-29: 临期 today as well.
    ducha(
        &root,
        &[
            "orders",
            "revisit",
            "督办〔2023〕6号",
            "--data",
            "data",
            "--at",
            "2024-01-25T11:00:00",
            "--to",
            "2024-01-29",
        ],
    );
    let now_due = expected(&data, day);
    assert_eq!(now_due.len(), first + 1, "the new item is due: {now_due:?}");
    // A restart the same day: only the new item is reminded; the others not a second time.
    let all = serve_until(&root, &data, "2024-01-25T15:30:00", &got, first + 1);
    assert_eq!(all.len(), first + 1, "{:?}", brief(&all));
    // Both runs together: each item due that day once, the new one from the second run.
    check_day(&data, &all, day, &["10:00:00", "15:30:00"]);
    let (new, _) = now_due.iter().find(|(n, _)| !all[..first].iter().any(|m| m["number"] == n.as_str())).unwrap();
    assert_eq!(all[first]["number"], new.as_str());
    let log = log_lines(&data, day);
    assert_eq!(log.last().unwrap()[1], *new);
    assert_eq!(log.last().unwrap()[5], format!("{day} 15:30:00"), "{log:?}");

    // 2024-02-05 (Mon), a later working day: the items due then, reminded again.
    let before = all.len();
    let later = expected(&data, "2024-02-05").len();
    let all = serve_until(&root, &data, "2024-02-05T09:10:00", &got, before + later);
    assert_eq!(all.len(), before + later, "{:?}", brief(&all));
    check_day(&data, &all, "2024-02-05", &["09:10:00"]);
    // The day before stays as it was.
    assert_eq!(log_lines(&data, day).len(), first + 1);
}
