//! The city-sized data set of `ducha-bench --scale K` (issue 22 §8) is real data: written by the
//! benchmark binary with `--write-data`, read back here as plain YAML (none of ducha's code), it
//! holds every bundled task K times, numbered 1…K·n through the plan, and every bundled report's
//! entries K times under those numbers; `ducha check` passes on it and `ducha build` makes a
//! notice whose 横排 附件 table has exactly one row per task (序号 read from the PDF with
//! PyMuPDF); at 8× the 领导参阅 keeps its two pages by merging the 约谈 suggestions by unit. Not
//! timed: the speed goals are the benchmark's, which prints its figures.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_yaml::Value;

const K: u64 = 3;

fn yaml(path: &Path) -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// (section title, task titles) in plan order.
fn sections(plan: &Value) -> Vec<(String, Vec<(u64, String)>)> {
    plan["sections"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| {
            let tasks = s["tasks"].as_sequence().unwrap().iter();
            let tasks = tasks.map(|t| (t["number"].as_u64().unwrap(), t["title"].as_str().unwrap().to_owned()));
            (s["title"].as_str().unwrap().to_owned(), tasks.collect())
        })
        .collect()
}

/// Report file (period/name) → the task numbers of its entries, in order.
fn report_tasks(data: &Path) -> BTreeMap<String, Vec<u64>> {
    let mut out = BTreeMap::new();
    for period in std::fs::read_dir(data.join("reports")).unwrap() {
        let period = period.unwrap().path();
        for f in std::fs::read_dir(&period).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|x| x == "yaml") {
                let r = yaml(&f);
                let tasks = r["entries"].as_sequence().unwrap().iter().map(|e| e["task"].as_u64().unwrap());
                let key = format!(
                    "{}/{}",
                    period.file_name().unwrap().to_string_lossy(),
                    f.file_name().unwrap().to_string_lossy()
                );
                out.insert(key, tasks.collect());
            }
        }
    }
    out
}

/// `ducha-bench <args> --write-data <tmp>/data`: the temporary folder and the data set in it.
fn write_data(prefix: &str, args: &[&str]) -> (std::path::PathBuf, std::path::PathBuf) {
    let tmp = temp_dir(prefix);
    let data = tmp.join("data");
    let out =
        Command::new(env!("CARGO_BIN_EXE_ducha-bench")).args(args).arg("--write-data").arg(&data).output().unwrap();
    assert!(out.status.success(), "ducha-bench --write-data: {}", String::from_utf8_lossy(&out.stderr));
    (tmp, data)
}

#[test]
fn the_scaled_data_set_validates_and_its_notice_has_a_row_per_task() {
    let (tmp, data) = write_data("scale", &["--scale", &K.to_string()]);

    // The plan: the same sections, each with its bundled tasks K times in a row, numbered on.
    let bundled = sections(&yaml(&root().join("data/plan.yaml")));
    let scaled = sections(&yaml(&data.join("plan.yaml")));
    assert_eq!(scaled.len(), bundled.len());
    let mut next = 1;
    // bundled number → its numbers in the scaled plan, one per copy.
    let mut copies: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for ((title, tasks), (scaled_title, scaled_tasks)) in bundled.iter().zip(&scaled) {
        assert_eq!(title, scaled_title);
        assert_eq!(scaled_tasks.len() as u64, K * tasks.len() as u64, "section {title}");
        for (i, (n, task_title)) in scaled_tasks.iter().enumerate() {
            assert_eq!(*n, next, "tasks are numbered on through the plan");
            next += 1;
            let (bundled_n, bundled_title) = &tasks[i % tasks.len()];
            assert_eq!(task_title, bundled_title);
            copies.entry(*bundled_n).or_default().push(*n);
        }
    }
    let total = next - 1;
    let bundled_total: u64 = bundled.iter().map(|(_, t)| t.len() as u64).sum();
    assert!(bundled_total > 80);
    assert_eq!(total, K * bundled_total);

    // Every report: its entries once per copy, under that copy's numbers.
    let before = report_tasks(&root().join("data"));
    let after = report_tasks(&data);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    for (file, tasks) in &before {
        let want: Vec<u64> =
            (0..K as usize).flat_map(|c| tasks.iter().map(move |t| (c, *t))).map(|(c, t)| copies[&t][c]).collect();
        assert_eq!(after[file], want, "{file}");
    }

    let check = ducha(&tmp, &["check", "--data", "data"]);
    assert!(check.status.success(), "check: {}", text(&check).1);
    let build = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--period", "2023Q4", "--only", "notice"]);
    assert!(build.status.success(), "build: {}", text(&build).1);

    // The 序号 column of the turned table: one row per task of the scaled plan.
    let pdf = pdfdump(&tmp.join("out/2023Q4/季度进展情况通报.pdf"));
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    let mut turned_pages = 0;
    for page in pdf["pages"].as_array().unwrap() {
        // Turned text reads bottom to top: PyMuPDF's line direction (0, -1).
        let spans: Vec<&serde_json::Value> = page["spans"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| {
                s["dir"][0].as_f64().unwrap().abs() < 0.01 && (s["dir"][1].as_f64().unwrap() + 1.0).abs() < 0.01
            })
            .collect();
        let y = |s: &serde_json::Value, i: usize| s["bbox"][i].as_f64().unwrap();
        let Some(head) = spans.iter().find(|s| s["text"].as_str().unwrap().trim() == "序号") else { continue };
        turned_pages += 1;
        for s in &spans {
            let mid = (y(s, 1) + y(s, 3)) / 2.0;
            if s["font"].as_str().unwrap().starts_with("FandolFang") && mid > y(head, 1) - 5.0 && mid < y(head, 3) + 5.0
            {
                let n: u64 = s["text"].as_str().unwrap().trim().parse().unwrap_or_else(|_| panic!("序号 cell {s}"));
                *seen.entry(n).or_default() += 1;
            }
        }
    }
    assert!(turned_pages as u64 > 2 * K, "{turned_pages} table pages");
    assert_eq!(seen.len() as u64, total, "rows: {seen:?}");
    assert!(seen.iter().enumerate().all(|(i, (n, count))| *n == i as u64 + 1 && *count == 1), "{seen:?}");
}

/// `--distinct` (issue 22 §8: a real plan never repeats a task word for word): the same plan, but
/// every copy after the first titled `<title>（第N组）`; the data set still validates.
#[test]
fn distinct_copies_are_titled_apart() {
    let (tmp, data) = write_data("scale-distinct", &["--scale", "2", "--distinct"]);
    let bundled = sections(&yaml(&root().join("data/plan.yaml")));
    let scaled = sections(&yaml(&data.join("plan.yaml")));
    let mut titles = std::collections::BTreeSet::new();
    for ((_, tasks), (_, scaled_tasks)) in bundled.iter().zip(&scaled) {
        assert_eq!(scaled_tasks.len(), 2 * tasks.len());
        for (i, (_, title)) in scaled_tasks.iter().enumerate() {
            let (_, bundled_title) = &tasks[i % tasks.len()];
            let want = if i < tasks.len() { bundled_title.clone() } else { format!("{bundled_title}（第2组）") };
            assert_eq!(title, &want);
            titles.insert(title.clone());
        }
    }
    let count: usize = scaled.iter().map(|(_, t)| t.len()).sum();
    assert_eq!(titles.len(), count, "every task titled apart");
    let check = ducha(&tmp, &["check", "--data", "data"]);
    assert!(check.status.success(), "check: {}", text(&check).1);
}

/// Bundled task number → its numbers in a scaled plan, one per copy (the plans' sections in
/// order; a copy's tasks follow the bundled section's order).
fn copies_of(bundled: &Path, scaled: &Path) -> BTreeMap<u64, Vec<u64>> {
    let mut copies: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for ((_, tasks), (_, scaled_tasks)) in sections(&yaml(bundled)).iter().zip(&sections(&yaml(scaled))) {
        for (i, (n, _)) in scaled_tasks.iter().enumerate() {
            copies.entry(tasks[i % tasks.len()].0).or_default().push(*n);
        }
    }
    copies
}

/// A document's text as one line, read with pdftotext, its page numbers (“— N —”) left out so
/// that a sentence running onto the next page reads whole.
fn running_text(pdf: &Path) -> String {
    let page_number = regex::Regex::new(r"^\s*—\s*\d+\s*—\s*$").unwrap();
    let text = pdftotext(pdf, None);
    squash(&text.lines().filter(|l| !page_number.is_match(l)).collect::<Vec<_>>().concat())
}

/// Builds one document of `period` from `data` into `tmp/<out>` and checks it came out within
/// `max` pages without a length warning; returns the PDF's path.
fn build_within(tmp: &Path, data: &str, out: &str, period: &str, only: &str, max: u64) -> std::path::PathBuf {
    let run = ducha(tmp, &["build", "--data", data, "--out", out, "--period", period, "--only", only]);
    let (_, stderr) = text(&run);
    assert!(run.status.success(), "{period} {only}: {stderr}");
    assert!(!stderr.contains("篇幅"), "{period} {only}: {stderr}");
    let name = if only == "leader" { "领导参阅.pdf" } else { "督查简报.pdf" };
    let pdf = tmp.join(out).join(period).join(name);
    let pages = pdfdump(&pdf)["page_count"].as_u64().unwrap();
    assert!((1..=max).contains(&pages), "{period}: {pages} pages");
    pdf
}

/// The 约谈 suggestions of a 领导参阅 (“一是第130、140项连续3个季度滞后，建议约谈县发展改革局主要
/// 负责人”, or 第130项、第140项): (task numbers, quarters lagging, units), in order, read from
/// the document's `running_text`.
fn lagging_clauses(pdf: &Path) -> Vec<(Vec<u64>, u64, String)> {
    let text = running_text(pdf);
    let section = &text[text.find("二、需领导协调的事项").unwrap_or_else(|| panic!("no 需领导协调的事项 in {text}"))..];
    let clause = regex::Regex::new(
        r"[一二三四五六七八九十]+是(第[0-9、项第]+项)连续([0-9]+)个季度滞后，建议约谈(.+?)主要负责人。",
    )
    .unwrap();
    let number = regex::Regex::new(r"[0-9]+").unwrap();
    clause
        .captures_iter(section)
        .map(|c| {
            let tasks = number.find_iter(&c[1]).map(|m| m.as_str().parse().unwrap()).collect();
            (tasks, c[2].parse().unwrap(), c[3].to_owned())
        })
        .collect()
}

/// A city's 领导参阅 (issue 22 §8) stays within its two pages (docs/rules.md §19 “领导参阅的篇幅”):
/// at 8× the quarters with red-light and lagging tasks (24 of them in 2023Q3) were 3–4 pages even
/// in the shortest step of the ladder; the last step now merges the 约谈 suggestions by unit.
/// Read back from the PDFs: 2023Q2, Q3 and Q4 on at most two pages without a length warning, and
/// 2023Q3's suggestions are the bundled 2023Q3's (one task each there, read from its PDF), every
/// task K times under its copies' numbers, merged by (quarters, units) in the order each group
/// first appears, its tasks in plan order.
#[test]
fn a_city_leader_briefing_merges_lagging_tasks_by_unit_and_keeps_two_pages() {
    let k = 8;
    let (tmp, data) = write_data("scale-leader", &["--scale", &k.to_string()]);
    let copies = copies_of(&root().join("data/plan.yaml"), &data.join("plan.yaml"));
    let bundled = root().join("data");
    let one = lagging_clauses(&build_within(&tmp, bundled.to_str().unwrap(), "one", "2023Q3", "leader", 2));
    assert!(one.len() >= 3 && one.iter().all(|(tasks, _, _)| tasks.len() == 1), "bundled 2023Q3: {one:?}");
    for period in ["2023Q2", "2023Q3", "2023Q4"] {
        build_within(&tmp, "data", "out", period, "leader", 2);
    }
    let mut tasks: Vec<(u64, u64, String)> = one
        .iter()
        .flat_map(|(t, quarters, units)| copies[&t[0]].iter().map(move |n| (*n, *quarters, units.clone())))
        .collect();
    tasks.sort();
    assert_eq!(tasks.len(), k * one.len());
    let mut want: Vec<(Vec<u64>, u64, String)> = Vec::new();
    for (n, quarters, units) in tasks {
        match want.iter_mut().find(|(_, q, u)| *q == quarters && *u == units) {
            Some((group, _, _)) => group.push(n),
            None => want.push((vec![n], quarters, units)),
        }
    }
    let eight = lagging_clauses(&tmp.join("out/2023Q3/领导参阅.pdf"));
    assert_eq!(eight, want);
    assert!(eight.len() < one.len() * k, "merged: {} sentences", eight.len());
    let all = squash(&pdftotext(&tmp.join("out/2023Q3/领导参阅.pdf"), None));
    assert!(all.contains("多次迟报或未报，建议通报批评"), "{all}");
}

/// A document that no step of its ladder brings within its pages is still written, with a
/// warning that says how long it came out and what was already left out (an override template
/// that adds three pages to every step of the 领导参阅).
#[test]
fn a_leader_briefing_too_long_in_every_step_is_written_with_a_warning() {
    let tmp = temp_dir("leader-too-long");
    let over = tmp.join("over");
    std::fs::create_dir_all(&over).unwrap();
    let default = std::fs::read_to_string(root().join("templates/leader.typ.j2")).unwrap();
    let longer = default.replace(
        "{% include \"_body.typ.j2\" %}",
        "{% include \"_body.typ.j2\" %}\n#pagebreak()#pagebreak()#pagebreak()加长。",
    );
    assert_ne!(longer, default);
    std::fs::write(over.join("leader.typ.j2"), longer).unwrap();
    let data = root().join("data");
    let out = ducha(
        &tmp,
        &[
            "build",
            "--data",
            data.to_str().unwrap(),
            "--out",
            "out",
            "--period",
            "2023Q3",
            "--only",
            "leader",
            "--templates",
            "over",
        ],
    );
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "a warning, not an error: {stderr}");
    let pages = pdfdump(&tmp.join("out/2023Q3/领导参阅.pdf"))["page_count"].as_u64().unwrap();
    assert!(pages > 2, "{pages} pages");
    let want = format!("警告: 领导参阅排出 {pages} 页，超过 2 页的篇幅（已是最短的一稿：");
    assert!(stderr.contains(&want), "“{want}” not in\n{stderr}");
    assert!(stderr.contains("约谈建议按单位合并") && stderr.contains("Word 草稿"), "{stderr}");
}

/// 存在问题 of a 督查简报 read from its `running_text`: (units, task numbers) per “由…负责的…” group, in
/// order. `brief`: the tasks are written by number only (第130、140项); else each as
/// 第N项“title”（…）, whose numbers are read before the title's quote.
fn lagging_groups(pdf: &Path, brief: bool) -> Vec<(String, Vec<u64>)> {
    let text = running_text(pdf);
    let start = text.find("二、存在问题").unwrap_or_else(|| panic!("no 存在问题 in {text}"));
    let end = start + text[start..].find("进展滞后").unwrap_or_else(|| panic!("no 进展滞后 in {text}"));
    let group = regex::Regex::new(r"由([^由]+?)负责的(.+?)(?:；|，$)").unwrap();
    let number = regex::Regex::new(if brief { r"([0-9]+)" } else { r"第([0-9]+)项“" }).unwrap();
    let problems = &text[start..end];
    group
        .captures_iter(problems)
        .map(|c| (c[1].to_owned(), number.captures_iter(&c[2]).map(|n| n[1].parse().unwrap()).collect()))
        .collect()
}

/// A city's 督查简报 stays within its three pages: at 8× every quarter's lagging tasks (40 in
/// 2023Q4) with their titles and reported problems ran to 8 pages; the last step of its ladder
/// names them by number only, by unit, and points to the notice for the reasons. Read back from
/// the PDFs: 2023Q1–Q4 on at most three pages without a length warning, and each quarter's groups
/// are the bundled quarter's (read from its PDF, in full there), every task K times under its
/// copies' numbers, in plan order.
#[test]
fn a_city_briefing_names_lagging_tasks_by_number_and_keeps_three_pages() {
    let k = 8;
    let (tmp, data) = write_data("scale-briefing", &["--scale", &k.to_string()]);
    let copies = copies_of(&root().join("data/plan.yaml"), &data.join("plan.yaml"));
    let bundled = root().join("data");
    for period in ["2023Q1", "2023Q2", "2023Q3", "2023Q4"] {
        let one = lagging_groups(&build_within(&tmp, bundled.to_str().unwrap(), "one", period, "briefing", 3), false);
        let pdf = build_within(&tmp, "data", "out", period, "briefing", 3);
        let want: Vec<(String, Vec<u64>)> = one
            .iter()
            .map(|(units, tasks)| {
                let mut all: Vec<u64> = tasks.iter().flat_map(|t| copies[t].clone()).collect();
                all.sort();
                (units.clone(), all)
            })
            .collect();
        assert!(!want.is_empty(), "{period}: the bundled briefing names lagging tasks");
        assert_eq!(lagging_groups(&pdf, true), want, "{period}");
        let all = squash(&pdftotext(&pdf, None));
        assert!(all.contains("各项任务的滞后原因详见本期通报"), "{period}: {all}");
    }
}
