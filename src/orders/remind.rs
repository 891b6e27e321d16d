//! Optional reminders (docs/rules.md §19 “提醒”): `office.yaml` `orders.reminder` names a
//! command (a program and its arguments, run without a shell, e.g. the office's SMS or mail
//! gateway); `ducha orders remind` runs it once for each item that is 临期 or 逾期 today, or was
//! chased since the previous working day, with a JSON description on its standard input.
//!
//! At most once per item per working day: every reminder sent is a line of
//! `orders/<年度>/reminders.log` (plain text, appended to, never rewritten), and an item with a
//! line of today is not reminded again; a failed run is logged too, and tried again on the next
//! run. Nothing is sent on a day that is not a working day (docs/rules.md §18). Runs take the
//! year folder's lock, so two runs at once (the command line and the server's daily tick) send
//! each reminder once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use super::chase;
use super::timing::{timing, OrdersConfig};
use super::{Number, Register};
use crate::data::model::Date;

/// The log's file name inside `orders/<年度>/` (skipped by the register's loader).
pub const LOG: &str = "reminders.log";

/// `orders.reminder` of office.yaml: the command to run (no shell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// The program: a name found on `PATH`, or a path.
    pub program: String,
    pub args: Vec<String>,
}

/// Why an item is reminded about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 临期.
    DueSoon,
    /// 逾期.
    Overdue,
    /// 催办 (since the previous working day).
    Chased,
}

impl Reason {
    /// 临期 / 逾期 / 催办.
    pub fn label(self) -> &'static str {
        match self {
            Reason::DueSoon => "临期",
            Reason::Overdue => "逾期",
            Reason::Chased => "催办",
        }
    }
}

/// One reminder to send today.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub number: Number,
    pub reasons: Vec<Reason>,
    /// What goes to the command's standard input.
    pub json: serde_json::Value,
}

/// The reminders of `today` by the register as it stood that day, whatever was sent already
/// (none when `today` is not a working day): open items 临期 or 逾期, and items with a 催办 dated
/// after the previous working day up to today.
pub fn due(register: &Register, today: Date, cfg: &OrdersConfig) -> Vec<Due> {
    let cal = &cfg.calendar;
    if !cal.is_workday(today) {
        return Vec::new();
    }
    let mut prev = today.add_days(-1);
    while !cal.is_workday(prev) && prev > today.add_days(-60) {
        prev = prev.add_days(-1);
    }
    let register = register.as_of(today);
    let chases = chase::chases(&register);
    let mut out = Vec::new();
    for item in register.items.iter().filter(|i| i.track.phase.is_open()) {
        let t = timing(item, today, cfg);
        let mut reasons = Vec::new();
        if t.due_soon {
            reasons.push(Reason::DueSoon);
        }
        if t.overdue {
            reasons.push(Reason::Overdue);
        }
        let recent: Vec<String> = chases
            .iter()
            .filter(|c| c.item.number == item.number && c.event().date > prev)
            .map(|c| c.number.to_string())
            .collect();
        if !recent.is_empty() {
            reasons.push(Reason::Chased);
        }
        if reasons.is_empty() {
            continue;
        }
        let what = match item.task {
            Some(n) => format!("{}（第{n}项 {}）", item.number, item.title),
            None => format!("{}（{}）", item.number, item.title),
        };
        let state = if t.overdue {
            format!("已逾期{}个工作日", t.overdue_days)
        } else if let Some(d) = t.days_left {
            format!("距办理时限{}还有{d}个工作日", item.track.deadline.chinese())
        } else {
            String::new()
        };
        let chased = if recent.is_empty() { String::new() } else { format!("，已发{}", recent.join("、")) };
        let message = format!("{what}{state}{chased}，请{}抓紧办理并反馈。", item.lead());
        let json = serde_json::json!({
            "date": today.to_string(),
            "number": item.number,
            "reasons": reasons,
            "reason_labels": reasons.iter().map(|r| r.label()).collect::<Vec<_>>(),
            "chases": recent,
            "units": item.units,
            "message": message,
            "item": super::json::item(item, &register, today, cfg),
        });
        out.push(Due { number: item.number, reasons, json });
    }
    out
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Sent now: number and reasons.
    pub sent: Vec<(Number, Vec<Reason>)>,
    /// Already sent today (in the log).
    pub already: Vec<Number>,
    /// The command failed (number, why); logged, tried again on the next run.
    pub failed: Vec<(Number, String)>,
    /// `today` is not a working day: nothing sent.
    pub not_workday: bool,
    /// The log written to.
    pub log: PathBuf,
}

/// Why a run could not work at all.
#[derive(Debug, thiserror::Error)]
pub enum RemindError {
    #[error(transparent)]
    Lock(#[from] super::store::StoreError),
    #[error("无法读写提醒记录 {}：{source}", path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The log of `year` under the data directory `dir`.
pub fn log_path(dir: &Path, year: i32) -> PathBuf {
    dir.join("orders").join(year.to_string()).join(LOG)
}

/// Sends today's reminders with `reminder` (see the module docs); `now` is written in each log
/// line (the office's time of the run).
pub fn run(
    dir: &Path,
    register: &Register,
    today: Date,
    now: &str,
    cfg: &OrdersConfig,
    reminder: &Reminder,
) -> Result<Report, RemindError> {
    let log = log_path(dir, today.year);
    let mut report = Report { log: log.clone(), ..Default::default() };
    if !cfg.calendar.is_workday(today) {
        report.not_workday = true;
        return Ok(report);
    }
    let _lock = super::store::lock_year(dir, today.year)?;
    let io = |source| RemindError::Log { path: log.clone(), source };
    let text = match std::fs::read_to_string(&log) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let day = today.to_string();
    let sent_today = |n: &Number| {
        let n = n.to_string();
        text.lines().any(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            f.len() >= 5 && f[0] == day && f[1] == n && f[4] == SENT
        })
    };
    let mut lines = String::new();
    for d in due(register, today, cfg) {
        if sent_today(&d.number) {
            report.already.push(d.number);
            continue;
        }
        let outcome = send(reminder, &d.json);
        let labels: Vec<&str> = d.reasons.iter().map(|r| r.label()).collect();
        let unit = d.json["units"][0].as_str().unwrap_or("").replace(['\t', '\n', '\r'], " ");
        let status = match &outcome {
            Ok(()) => SENT.to_owned(),
            Err(e) => format!("发送失败：{}", e.replace(['\t', '\n', '\r'], " ")),
        };
        lines.push_str(&format!("{day}\t{}\t{}\t{unit}\t{status}\t{now}\n", d.number, labels.join("、")));
        match outcome {
            Ok(()) => report.sent.push((d.number, d.reasons)),
            Err(e) => report.failed.push((d.number, e)),
        }
    }
    if !lines.is_empty() {
        if let Some(parent) = log.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // Appended, never rewritten: the log is a record of what was sent.
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&log).map_err(io)?;
        if text.is_empty() {
            f.write_all(HEADER.as_bytes()).map_err(io)?;
        }
        f.write_all(lines.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    Ok(report)
}

/// The status of a reminder sent.
const SENT: &str = "已发送";

/// The first lines of a new log.
const HEADER: &str =
    "# 督办提醒记录（ducha orders remind 写入，只增不改）：日期\t编号\t原因\t承办单位\t结果\t发送时间\n";

/// Runs the command with `json` on its standard input; `Err` with why it failed.
fn send(reminder: &Reminder, json: &serde_json::Value) -> Result<(), String> {
    let mut child = Command::new(&reminder.program)
        .args(&reminder.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("无法运行 {}：{e}", reminder.program))?;
    let body = serde_json::to_string(json).unwrap_or_default() + "\n";
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is its own business; its exit status counts.
        let _ = stdin.write_all(body.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| format!("{} 运行出错：{e}", reminder.program))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(format!("{} 退出状态 {}：{}", reminder.program, out.status, err.trim()))
    }
}
