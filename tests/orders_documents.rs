//! What the documents say of the 督办 register (docs/rules.md §19): the next quarter's notice
//! paragraph and its annex 督办情况一览表, the same counts in the 督查简报 and the 领导参阅, the
//! 领导参阅's open 需协调事项 by level (red first), and the 工作台账's sheet 督办.
//!
//! Every expected value comes from `tests/orders_oracle.py`, which recomputes the register from
//! the item files, the reports, office.yaml and the calendar file on its own (not ducha's code),
//! and is checked against `ducha orders list --json` as well; the documents are read back with
//! pdftotext and PyMuPDF (tests/pdfdump.py), the ledger with openpyxl (tests/xlsx_read.py).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

/// tests/orders_oracle.py on a data directory.
fn oracle(data: &Path, what: &str, arg: &str) -> Value {
    let out = tool_stdout(
        Command::new("python3").arg(root().join("tests/orders_oracle.py")).arg(root()).arg(data).args([what, arg]),
    );
    serde_json::from_str(&out).unwrap()
}

/// `ducha orders list --json` with extra arguments.
fn list_json(data: &Path, args: &[&str]) -> Value {
    let tmp = temp_dir("orders-list");
    let mut all = vec!["orders", "list", "--data", data.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let out = ducha(&tmp, &all);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "orders list failed: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// Builds a period of `data` (cwd a fresh temp dir): the period's out dir and its manifest.
fn build(name: &str, data: &Path, period: &str) -> (PathBuf, Value) {
    let tmp = temp_dir(name);
    let out = ducha(&tmp, &["build", "--data", data.to_str().unwrap(), "--out", "out", "--period", period]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "build failed:\n{stdout}\n{stderr}");
    let dir = tmp.join("out").join(period);
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    (dir, manifest)
}

/// The bundled data built once per period and test binary.
fn bundled(period: &str) -> &'static (PathBuf, Value) {
    static Q3: OnceLock<(PathBuf, Value)> = OnceLock::new();
    static Q4: OnceLock<(PathBuf, Value)> = OnceLock::new();
    let cell = if period == "2023Q3" { &Q3 } else { &Q4 };
    cell.get_or_init(|| build(&format!("orders-docs-{period}"), &root().join("data"), period))
}

fn doc(built: &(PathBuf, Value), kind: &str) -> PathBuf {
    let (dir, manifest) = built;
    let d = manifest["documents"].as_array().unwrap().iter().find(|d| d["kind"] == kind).expect(kind);
    dir.join(Path::new(d["path"].as_str().unwrap()).file_name().unwrap())
}

/// A document's text, white space removed, without its page numbers (— N —), which pdftotext
/// puts inside a paragraph that runs on to the next page.
fn text_of(pdf: &Path) -> String {
    let pages = pdfdump(pdf)["page_count"].as_u64().unwrap() as usize;
    (1..=pages).map(|p| squash(&pdftotext(pdf, Some(p))).replace(&format!("—{p}—"), "")).collect()
}

/// `2023-07-28` → `2023年7月28日`.
fn chinese(date: &str) -> String {
    let p: Vec<u32> = date.split('-').map(|x| x.parse().unwrap()).collect();
    format!("{}年{}月{}日", p[0], p[1], p[2])
}

/// The counts sentence as docs/rules.md §19 words it, from the oracle's figures.
fn counts(f: &Value) -> String {
    let n = |k: &str| f[k].as_u64().unwrap();
    let mut s = format!("上期下发督办通知单{}份，已办结{}项，正在办理{}项", n("issued"), n("closed"), n("open"));
    if n("open") > 0 {
        s += &format!("（其中逾期{}项）", n("overdue"));
    }
    if n("stopped") > 0 {
        s += &format!("，中止{}项", n("stopped"));
    }
    s
}

fn overdue_units(f: &Value) -> String {
    let units: Vec<&str> = f["overdue_units"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    if units.is_empty() {
        String::new()
    } else {
        format!("{}办理督办事项逾期", units.join("、"))
    }
}

/// The annex row the oracle's item should print: 序号, 编号, 督办事项, 承办单位, 办理时限,
/// 办理情况, 办结日期 (white space removed).
fn expected_row(i: usize, it: &Value) -> Vec<String> {
    let s = |k: &str| it[k].as_str().unwrap_or("").to_owned();
    let units: Vec<&str> = it["units"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    let mut unit = units[0].to_owned();
    if units.len() > 1 {
        unit += &format!("（协办：{}）", units[1..].join("、"));
    }
    let mut deadline = chinese(&s("deadline"));
    if it["extended"].as_bool().unwrap() {
        deadline += "（已延期）";
    }
    let mut state = s("state_label");
    if it["open"].as_bool().unwrap() && it["overdue"].as_bool().unwrap() {
        state += &format!("（逾期{}个工作日）", it["overdue_workdays"]);
    } else if it["closed_late"].as_bool().unwrap() {
        state += "（逾期办结）";
    }
    let closed = it["closed"].as_str().map(chinese).unwrap_or_default();
    let task = match it["task"].as_u64() {
        Some(n) => format!("第{n}项{}", s("title")),
        None => s("title"),
    };
    [(i + 1).to_string(), s("number"), task, unit, deadline, state, closed].iter().map(|x| squash(x)).collect()
}

/// A table read back from one PDF page: the rules (lines) PyMuPDF finds give the row and column
/// bands, each span goes to the cell its centre lies in. Works for a 横排 (turned) table, whose
/// text reads upwards, as for an upright one. Returns the rows (head first) of cell texts, white
/// space removed.
fn table_on(page: &Value) -> Vec<Vec<String>> {
    let h = page["height"].as_f64().unwrap();
    let spans = page["spans"].as_array().unwrap();
    let turned =
        spans.iter().any(|s| s["text"].as_str().unwrap().contains("编号") && s["dir"][1].as_f64().unwrap() < -0.5);
    // (u: along the text, v: across it) of a point
    let uv = |x: f64, y: f64| if turned { (h - y, x) } else { (x, y) };
    let mut rows_at = Vec::new();
    let mut cols_at = Vec::new();
    for d in page["drawings"].as_array().unwrap() {
        let r: Vec<f64> = d["rect"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let (w, ht) = (r[2] - r[0], r[3] - r[1]);
        let (a, b) = (uv(r[0], r[1]), uv(r[2], r[3]));
        // a rule across the text direction separates columns, one along it rows
        let (across, along) = if turned {
            (ht < 1.0 && w > 5.0, w < 1.0 && ht > 20.0)
        } else {
            (w < 1.0 && ht > 5.0, ht < 1.0 && w > 20.0)
        };
        if across {
            cols_at.push(((a.0 + b.0) / 2.0 * 2.0).round() / 2.0);
        }
        if along {
            rows_at.push(((a.1 + b.1) / 2.0 * 2.0).round() / 2.0);
        }
    }
    for v in [&mut rows_at, &mut cols_at] {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v.dedup_by(|a, b| (*a - *b).abs() < 1.5);
    }
    assert!(rows_at.len() >= 3 && cols_at.len() >= 8, "table rules: rows {rows_at:?}, columns {cols_at:?}");
    let band = |at: &[f64], x: f64| at.windows(2).position(|w| w[0] < x && x < w[1]);
    let mut cells: Vec<Vec<Vec<(f64, f64, String)>>> = vec![vec![Vec::new(); cols_at.len() - 1]; rows_at.len() - 1];
    // Character by character: PyMuPDF joins the texts of neighbouring cells on one baseline into
    // one span.
    for ch in spans.iter().flat_map(|s| s["chars"].as_array().expect("pdfdump --chars").iter()) {
        let b: Vec<f64> = ch["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let (u, v) = uv((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        // the baseline places a character on its line (bboxes differ between faces)
        let (_, line) = uv(ch["origin"][0].as_f64().unwrap(), ch["origin"][1].as_f64().unwrap());
        if let (Some(r), Some(c)) = (band(&rows_at, v), band(&cols_at, u)) {
            cells[r][c].push((line, u, ch["c"].as_str().unwrap().to_owned()));
        }
    }
    cells
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|mut cell| {
                    // lines top to bottom (baselines within 2 pt are one line), each read along
                    cell.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
                    let mut lines: Vec<Vec<(f64, String)>> = Vec::new();
                    let mut last = f64::NEG_INFINITY;
                    for (line, u, t) in cell {
                        if line - last > 2.0 {
                            lines.push(Vec::new());
                            last = line;
                        }
                        lines.last_mut().unwrap().push((u, t));
                    }
                    let mut text = String::new();
                    for mut l in lines {
                        l.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
                        text.extend(l.into_iter().map(|x| x.1));
                    }
                    squash(&text)
                })
                .collect()
        })
        .collect()
}

/// The notice of `period`: its follow-up paragraph and annex equal the oracle and the JSON.
fn check_notice(period: &str, prev: &str) {
    let data = root().join("data");
    let f = oracle(&data, "followup", period);
    assert!(f.is_object(), "the bundled register has orders of {prev}");
    let date = f["date"].as_str().unwrap();

    // The oracle agrees with `ducha orders list --json` of that date.
    let json = list_json(&data, &["--as-of", date, "--period", prev, "--kind", "order"]);
    let listed: Vec<&Value> = json["items"].as_array().unwrap().iter().filter(|i| i["revisit_of"].is_null()).collect();
    let items = f["items"].as_array().unwrap();
    assert_eq!(listed.len(), items.len(), "{prev}: items");
    for (j, o) in listed.iter().zip(items) {
        for key in ["number", "deadline", "state", "closed", "overdue", "overdue_workdays", "closed_late", "open"] {
            assert_eq!(j[key], o[key], "{} {key}: ducha orders list vs oracle", o["number"]);
        }
    }
    let count = |p: &dyn Fn(&&Value) -> bool| listed.iter().filter(|i| p(i)).count() as u64;
    assert_eq!(f["closed"].as_u64().unwrap(), count(&|i| i["state"] == "closed"));
    assert_eq!(f["open"].as_u64().unwrap(), count(&|i| i["open"] == true));
    assert_eq!(f["overdue"].as_u64().unwrap(), count(&|i| i["open"] == true && i["overdue"] == true));

    let built = bundled(period);
    let pdf = doc(built, "notice");
    let all = squash(&pdftotext(&pdf, None));
    // The paragraph, pointing at the annex by its label.
    let dump: Value = serde_json::from_str(&tool_stdout(
        Command::new("python3").arg(root().join("tests/pdfdump.py")).arg(&pdf).arg("--chars"),
    ))
    .unwrap();
    let pages = dump["pages"].as_array().unwrap();
    let annex_page = pages
        .iter()
        .position(|p| {
            let t: String = p["spans"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
            squash(&t).contains("督办情况一览表") && t.contains("编号")
        })
        .expect("an annex page with 督办情况一览表");
    let label = pages[annex_page]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().trim().to_owned())
        .find(|t| t.starts_with("附件") && t.len() <= "附件99".len())
        .expect("附件 label on the annex page");
    let sentence = format!("{}。{}", counts(&f), overdue_units(&f));
    let see = format!("各项督办事项的办理情况见{label}。");
    assert!(all.contains(&see), "{period}: the notice lacks “{see}”");
    assert!(all.contains(&squash(&sentence)), "{period}: the notice lacks “{sentence}”");
    // The annex is the last 附件, listed last in the 附件说明.
    let n: usize = label.trim_start_matches("附件").parse().expect("numbered 附件 label");
    let (y, q) = (prev[..4].to_owned(), &prev[5..]);
    let name = format!("{y}年第{}季度督办情况一览表", ["一", "二", "三", "四"][q.parse::<usize>().unwrap() - 1]);
    assert!(all.contains(&format!("{n}.{name}")), "{period}: 附件说明 lacks {n}.{name}");
    assert!(!all.contains(&format!("附件{}", n + 1)), "{period}: no 附件 after the annex");

    let table = table_on(&pages[annex_page]);
    assert_eq!(
        table[0],
        ["序号", "编号", "督办事项", "承办单位", "办理时限", "办理情况", "办结日期"],
        "{period}: head"
    );
    let want: Vec<Vec<String>> = items.iter().enumerate().map(|(i, it)| expected_row(i, it)).collect();
    assert_eq!(&table[1..], &want[..], "{period}: the annex rows");
    // The figures of the annex are the paragraph's.
    let closed = table[1..].iter().filter(|r| r[5].starts_with("已办结")).count() as u64;
    assert_eq!(closed, f["closed"].as_u64().unwrap());
    assert_eq!(table.len() - 1, f["issued"].as_u64().unwrap() as usize);
}

#[test]
fn q3_notice_paragraph_and_annex_equal_the_register() {
    // Q2's orders as of 2023-10-13: one still open and overdue (returned, chased).
    check_notice("2023Q3", "2023Q2");
}

#[test]
fn q4_notice_paragraph_and_annex_equal_the_register() {
    // Q3's orders as of 2024-01-15: all closed, some late.
    check_notice("2023Q4", "2023Q3");
}

#[test]
fn briefing_and_leader_carry_the_same_figures() {
    let data = root().join("data");
    for period in ["2023Q3", "2023Q4"] {
        let f = oracle(&data, "followup", period);
        let want = squash(&format!("{}。{}", counts(&f), overdue_units(&f)));
        let built = bundled(period);
        for kind in ["briefing", "leader"] {
            // Every variant of the 领导参阅 keeps the register's lines (docs/rules.md §19).
            let t = text_of(&doc(built, kind));
            assert!(t.contains(&want), "{period} {kind} lacks “{want}”:\n{t}");
            if kind == "briefing" {
                assert!(t.contains("督办落实情况"), "{period} {kind}: heading");
            }
        }
        // The bundled quarters fit with the 需协调事项 listed one by one.
        check_leader_coordination(&data, built, period);
        check_leader_red_tasks(built, period);
        assert!(pdfdump(&doc(built, "leader"))["page_count"].as_u64().unwrap() <= 2, "{period}");
    }
    // A first quarter has no previous quarter: no paragraph.
    assert!(oracle(&data, "followup", "2023Q1").is_null());
}

/// The 领导参阅's open 需协调事项: the oracle's groups, in its order (levels highest first, red
/// first within a level), after the section's lead-in.
fn check_leader_coordination(data: &Path, built: &(PathBuf, Value), period: &str) -> usize {
    let groups = oracle(data, "coordination", period);
    let t = text_of(&doc(built, "leader"));
    let Some(start) = t.find("各单位提出、尚未办结的需协调事项") else {
        assert!(groups.as_array().unwrap().is_empty(), "{period}: leader lacks the 需协调事项: {t}");
        return 0;
    };
    let mut at = start;
    let mut n = 0;
    let quarter = ["第一季度", "第二季度", "第三季度", "第四季度"];
    for g in groups.as_array().unwrap() {
        let level = g["level"].as_str().unwrap();
        at += t[at..].find(level).unwrap_or_else(|| panic!("{period}: level {level} after {at}: {t}"));
        for it in g["items"].as_array().unwrap() {
            let needle = match it["number"].as_str() {
                Some(number) => number.to_owned(),
                None => {
                    let p = it["period"].as_str().unwrap();
                    let q: usize = p[5..].parse().unwrap();
                    format!("{}{}报告提出（第{}项，待受理）", it["unit"].as_str().unwrap(), quarter[q - 1], it["task"])
                }
            };
            let found = t[at..].find(&needle).unwrap_or_else(|| panic!("{period}: {needle} in order after {at}: {t}"));
            at += found + needle.len();
            n += 1;
        }
    }
    n
}

/// The 领导参阅's red-light tasks: the red ones of `ducha stats --json` (`lagging`, light red), in
/// that order — all of them, or the first few and then “等N项红灯任务” with N all of them, or
/// (the shortest) only their number and task numbers.
fn check_leader_red_tasks(built: &(PathBuf, Value), period: &str) {
    let tmp = temp_dir("orders-leader-stats");
    let out = ducha(&tmp, &["stats", "--data", root().join("data").to_str().unwrap(), "--period", period, "--json"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let stats: Value = serde_json::from_str(&text(&out).0).unwrap();
    let red: Vec<u64> = stats["lagging"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["light"] == "red")
        .map(|l| l["task"].as_u64().unwrap())
        .collect();
    let t = text_of(&doc(built, "leader"));
    let start = t.find("红灯任务").unwrap_or_else(|| panic!("{period}: no 红灯任务 heading: {t}"));
    let end = t[start..].find("需领导协调的事项").map(|e| start + e).unwrap_or_else(|| panic!("{period}: {t}"));
    let section = &t[start..end];
    if red.is_empty() {
        assert!(section.contains("本期无红灯任务"), "{period}: {section}");
        return;
    }
    let numbers: Vec<String> = red.iter().map(|n| format!("第{n}项")).collect();
    let all = format!("本期红灯任务{}项（{}），详见本期通报。", red.len(), numbers.join("、"));
    if section.contains(&all) {
        return;
    }
    // Listed one by one, in order; the ones left out only counted.
    let mut at = 0;
    let mut listed = 0;
    for n in &numbers {
        match section[at..].find(&format!("{n}“")) {
            Some(i) => {
                at += i + n.len();
                listed += 1;
            }
            None => break,
        }
    }
    assert!(listed > 0, "{period}: no red task listed: {section}");
    if listed < red.len() {
        assert!(section.contains(&format!("等{}项红灯任务，详见本期通报", red.len())), "{period}: {section}");
    }
}

const XT_OPEN: &str = "kind: coordination
number: 协调〔2023〕3号
task: 27
title: 镇级国土空间规划报批需明确审查程序，请县政府常务会议研究。
units:
- 县自然资源和规划局
period: 2023Q3
level: 县政府常务会议
issued: 2023-12-20
deadline: 2024-02-28
events:
- at: 2023-12-20
  by: 王红梅
  role: office
  action: issue
  text: 受理
- at: 2023-12-21
  by: 县自然资源和规划局
  role: unit
  action: acknowledge
";

const XT_RED: &str = "kind: coordination
number: 协调〔2023〕4号
task: 45
title: 高标准农田项目区电力配套资金缺口，请县政府常务会议研究解决。
units:
- 县农业农村局
period: 2023Q3
level: 县政府常务会议
issued: 2023-12-01
deadline: 2023-12-15
events:
- at: 2023-12-01
  by: 王红梅
  role: office
  action: issue
  text: 受理
- at: 2023-12-04
  by: 县农业农村局
  role: unit
  action: acknowledge
- at: 2023-12-18
  by: 王红梅
  role: office
  action: chase
  text: 请尽快办理。
- at: 2023-12-27
  by: 王红梅
  role: office
  action: chase
  text: 再次催办。
";

#[test]
fn leader_lists_open_coordination_by_level_red_first_and_still_fits() {
    // Two open 需协调事项 added at 县政府常务会议: 协调〔2023〕3号 (no colour) and 4号 (chased
    // twice and overdue: red), beside the 待受理 one of the Q4 reports.
    let tmp = temp_dir("orders-leader-red");
    let data = tmp.join("data");
    copy_dir(&root().join("data"), &data);
    std::fs::write(data.join("orders/2023/xt-003.yaml"), XT_OPEN).unwrap();
    std::fs::write(data.join("orders/2023/xt-004.yaml"), XT_RED).unwrap();
    let groups = oracle(&data, "coordination", "2023Q4");
    let top = &groups[0];
    assert_eq!(top["level"], "县政府常务会议");
    assert_eq!(top["items"][0]["number"], "协调〔2023〕4号", "the red one first: {groups}");
    assert_eq!(top["items"][0]["colour"], "red");
    assert_eq!(top["items"][1]["number"], "协调〔2023〕3号");
    // ducha's own list says the same of these two on that date.
    let json = list_json(&data, &["--as-of", "2024-01-15", "--kind", "coordination", "--state", "open"]);
    let colours: Vec<(String, String)> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["number"].as_str().unwrap().to_owned(), i["colour"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        colours,
        [("协调〔2023〕3号".to_owned(), "none".to_owned()), ("协调〔2023〕4号".to_owned(), "red".to_owned())]
    );
    let built = build("orders-leader-red-build", &data, "2023Q4");
    // Listed in the oracle's order (the ranking and the red-light tasks give way first).
    assert_eq!(check_leader_coordination(&data, &built, "2023Q4"), 3);
    // The layout rules still hold with the longer section: the 领导参阅 on at most two pages, the
    // 督查简报 on at most three (their shorter variants take over when needed).
    for (kind, max) in [("leader", 2), ("briefing", 3)] {
        let pages = pdfdump(&doc(&built, kind))["page_count"].as_u64().unwrap();
        assert!(pages <= max, "{kind}: {pages} pages");
    }
}

/// The sixth step of the 领导参阅's ladder (docs/rules.md §19 “领导参阅的篇幅”): 2023Q3 with
/// three more open 需协调事项 (one red) does not fit with them listed one by one, so they are
/// counted by level — the oracle's levels, highest first, and its counts — and the 督办 counts
/// of the opening paragraph are still there, on two pages.
#[test]
fn leader_counts_coordination_by_level_when_nothing_else_fits() {
    let tmp = temp_dir("orders-leader-last");
    let data = tmp.join("data");
    copy_dir(&root().join("data"), &data);
    // Visible on 2023Q3's issue date (2023-10-13): issued before it.
    let with = |s: &str, pairs: &[(&str, &str)]| pairs.iter().fold(s.to_owned(), |s, (a, b)| s.replace(a, b));
    let open =
        with(XT_OPEN, &[("2023-12-20", "2023-10-09"), ("2023-12-21", "2023-10-10"), ("2024-02-28", "2023-11-30")]);
    let red = with(
        XT_RED,
        &[
            ("2023-12-01", "2023-09-01"),
            ("2023-12-04", "2023-09-04"),
            ("2023-12-15", "2023-09-15"),
            ("2023-12-18", "2023-09-18"),
            ("2023-12-27", "2023-09-27"),
        ],
    );
    let third = with(
        &open,
        &[
            ("协调〔2023〕3号", "协调〔2023〕5号"),
            ("task: 27", "task: 18"),
            ("县自然资源和规划局", "县发展改革局"),
            ("level: 县政府常务会议", "level: 分管县领导"),
        ],
    );
    std::fs::write(data.join("orders/2023/xt-003.yaml"), open).unwrap();
    std::fs::write(data.join("orders/2023/xt-004.yaml"), red).unwrap();
    std::fs::write(data.join("orders/2023/xt-005.yaml"), third).unwrap();
    let groups = oracle(&data, "coordination", "2023Q3");
    let counted: Vec<String> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{}{}项", g["level"].as_str().unwrap(), g["items"].as_array().unwrap().len()))
        .collect();
    assert!(counted.len() >= 2, "{groups}");
    let built = build("orders-leader-last-build", &data, "2023Q3");
    let t = text_of(&doc(&built, "leader"));
    let want = format!("各单位提出、尚未办结的需协调事项：{}。", counted.join("、"));
    assert!(t.contains(&want), "“{want}” not in\n{t}");
    let f = oracle(&data, "followup", "2023Q3");
    let figures = squash(&format!("{}。{}", counts(&f), overdue_units(&f)));
    assert!(t.contains(&figures), "“{figures}” not in\n{t}");
    assert!(pdfdump(&doc(&built, "leader"))["page_count"].as_u64().unwrap() <= 2);
}

#[test]
fn ledger_orders_sheet_equals_the_json_and_the_oracle() {
    let data = root().join("data");
    // 2024-02-20: 督办〔2024〕2号 returned, chased and 13 working days overdue across the Spring
    // Festival; the rest closed or referred.
    let date = "2024-02-20";
    let tmp = temp_dir("orders-ledger");
    let out = ducha(&tmp, &["ledger", "--data", data.to_str().unwrap(), "--out", "a.xlsx", "--as-of", date]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = ducha(&tmp, &["ledger", "--data", data.to_str().unwrap(), "--out", "b.xlsx", "--as-of", date]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(std::fs::read(tmp.join("a.xlsx")).unwrap(), std::fs::read(tmp.join("b.xlsx")).unwrap(), "rebuild");

    let dump: Value = serde_json::from_str(&tool_stdout(
        Command::new("python3").arg(root().join("tests/xlsx_read.py")).arg("dump").arg(tmp.join("a.xlsx")),
    ))
    .unwrap();
    let sheet = dump["sheets"].as_array().unwrap().iter().find(|s| s["name"] == "督办").expect("sheet 督办");
    let cells = &sheet["cells"];
    let cell = |col: char, row: usize| -> Value {
        let v = &cells[format!("{col}{row}")]["v"];
        match v.as_str() {
            // dates as openpyxl reads them: 2023-07-14T00:00:00
            Some(s) if s.len() == 19 && s.ends_with("T00:00:00") => Value::from(&s[..10]),
            _ => v.clone(),
        }
    };
    let heads: Vec<Value> = "ABCDEFGHIJKLMNOP".chars().map(|c| cell(c, 3)).collect();
    assert_eq!(
        heads,
        [
            "编号",
            "类别",
            "任务编号",
            "事项",
            "承办单位",
            "协办单位",
            "期间",
            "交办日期",
            "办理时限（现行）",
            "状态",
            "颜色",
            "逾期（工作日）",
            "办结日期",
            "中止日期",
            "催办次数",
            "退回次数"
        ]
        .map(Value::from)
    );
    let json = list_json(&data, &["--as-of", date]);
    let items = json["items"].as_array().unwrap();
    let theirs = oracle(&data, "items", date);
    let theirs = theirs.as_array().unwrap();
    assert_eq!(items.len(), theirs.len());
    let mut red = 0;
    for (k, j) in items.iter().enumerate() {
        let o = theirs.iter().find(|o| o["number"] == j["number"]).expect("the oracle has the item");
        let r = 4 + k;
        let units: Vec<&str> = j["units"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
        let row: Vec<Value> = "ABCDEFGHIJKLMNOP".chars().map(|c| cell(c, r)).collect();
        let num = |v: &Value| Value::from(v.as_u64().unwrap() as f64);
        let or_null = |v: &Value| if v.is_null() { Value::Null } else { v.clone() };
        let want = vec![
            j["number"].clone(),
            j["kind_label"].clone(),
            if j["task"].is_null() { Value::Null } else { num(&j["task"]) },
            j["title"].clone(),
            Value::from(units[0]),
            if units.len() > 1 { Value::from(units[1..].join("、")) } else { Value::Null },
            j["period"].clone(),
            j["issued"].clone(),
            j["deadline"].clone(),
            j["state_label"].clone(),
            j["colour_label"].clone(),
            num(&j["overdue_workdays"]),
            or_null(&j["closed"]),
            or_null(&j["stopped"]),
            num(&j["chases"]),
            num(&j["returns"]),
        ];
        // openpyxl gives whole numbers as int; compare as f64
        let norm = |v: Vec<Value>| -> Vec<Value> {
            v.into_iter().map(|x| if let Some(f) = x.as_f64() { Value::from(f) } else { x }).collect()
        };
        assert_eq!(norm(row), norm(want), "row {r} ({})", j["number"]);
        // …and the independent reading of the files.
        for key in [
            "number",
            "kind",
            "issued",
            "deadline",
            "state",
            "colour",
            "overdue_workdays",
            "closed",
            "stopped",
            "chases",
            "returns",
        ] {
            assert_eq!(j[key], o[key], "{} {key}: JSON vs oracle", j["number"]);
        }
        if j["colour"] == "red" {
            red += 1;
            let fill = &cells[format!("K{r}")]["fill"];
            assert_eq!(fill, "FFC7CE", "red fill of the colour cell");
        }
    }
    assert!(red >= 1, "the date was chosen to have a red item");
}

#[test]
fn rebuilds_are_byte_identical() {
    let data = root().join("data");
    let a = bundled("2023Q3");
    let b = build("orders-docs-again", &data, "2023Q3");
    for kind in ["notice", "briefing", "leader"] {
        assert_eq!(std::fs::read(doc(a, kind)).unwrap(), std::fs::read(doc(&b, kind)).unwrap(), "{kind}");
    }
}

/// U+20000 (CJK Extension B): in none of the bundled fonts.
const TOFU: char = '𠀀';

#[test]
fn missing_glyphs_in_the_register_are_located_in_their_files() {
    let tmp = temp_dir("orders-glyphs");
    let data = tmp.join("县域数据");
    copy_dir(&root().join("data"), &data);
    let order = data.join("orders/2023/db-004.yaml");
    let t = std::fs::read_to_string(&order)
        .unwrap()
        .replace("title: 实施高标准农田提升工程", "title: 实施高标准农田𠀀提升工程");
    std::fs::write(&order, &t).unwrap();
    let report = data.join("reports/2023Q3/县农业农村局.yaml");
    let r = std::fs::read_to_string(&report).unwrap().replacen("text: ", &format!("text: {TOFU}"), 1);
    std::fs::write(&report, &r).unwrap();
    let out = ducha(&tmp, &["build", "--data", data.to_str().unwrap(), "--out", "out", "--period", "2023Q3"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!tmp.join("out").exists(), "nothing written");
    for (file, text) in [("县域数据/orders/2023/db-004.yaml", &t), ("县域数据/reports/2023Q3/县农业农村局.yaml", &r)]
    {
        let (i, line) = text.lines().enumerate().find(|(_, l)| l.contains(TOFU)).unwrap();
        let col = line.chars().position(|c| c == TOFU).unwrap() + 1;
        let at = format!("--> {file}:{}:{col}", i + 1);
        assert!(stderr.contains(&at), "missing {at}:\n{stderr}");
    }
    assert_eq!(stderr.matches("U+20000").count(), 2, "one error per place:\n{stderr}");
}
