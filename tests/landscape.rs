//! The notice's 附件 task table as a reader sees it: set 横排 as GB/T 9704-2012 §8 lays out a
//! landscape table (turned a quarter turn on portrait A4, its head at the left edge on odd and
//! even pages, page numbers where the portrait pages have them), every task once, progress cells
//! complete or shortened only at a sentence or clause boundary with the full text in 附件2, and
//! the 竖排 setting. Everything is measured in the PDFs built by the binary (tests/pdfdump.py,
//! PyMuPDF), never in the Typst source.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

/// The full-text marker a shortened 本期进展 cell ends with.
const MARKER: &str = "（全文见附件2）";

#[derive(Debug, Clone)]
struct Span {
    page: usize,
    text: String,
    font: String,
    size: f64,
    /// Writing direction of the span's line, PyMuPDF's `dir` (cos, sin), y pointing down.
    dir: (f64, f64),
    /// mm from the page's top-left corner.
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    baseline: f64,
}

impl Span {
    fn turned(&self) -> bool {
        self.dir.0.abs() < 0.01 && (self.dir.1 + 1.0).abs() < 0.01
    }
    fn upright(&self) -> bool {
        (self.dir.0 - 1.0).abs() < 0.01 && self.dir.1.abs() < 0.01
    }
    fn is_page_number(&self) -> bool {
        self.text.starts_with("— ") && self.text.ends_with(" —")
    }
    fn ymid(&self) -> f64 {
        (self.y0 + self.y1) / 2.0
    }
}

struct Pdf {
    pages: Vec<Value>,
    spans: Vec<Span>,
}

fn read(pdf: &Path) -> Pdf {
    let d: Value = pdfdump(pdf);
    let pages = d["pages"].as_array().unwrap().clone();
    let mut spans = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        for s in p["spans"].as_array().unwrap() {
            let b: Vec<f64> = s["bbox"].as_array().unwrap().iter().map(|v| mm(v.as_f64().unwrap())).collect();
            spans.push(Span {
                page: i + 1,
                text: s["text"].as_str().unwrap().to_owned(),
                font: s["font"].as_str().unwrap().to_owned(),
                size: s["size"].as_f64().unwrap(),
                dir: (s["dir"][0].as_f64().unwrap(), s["dir"][1].as_f64().unwrap()),
                x0: b[0],
                y0: b[1],
                x1: b[2],
                y1: b[3],
                baseline: mm(s["origin"][1].as_f64().unwrap()),
            });
        }
    }
    Pdf { pages, spans }
}

impl Pdf {
    /// Pages that carry turned (bottom-to-top) text: the 横排 pages.
    fn turned_pages(&self) -> Vec<usize> {
        let mut p: Vec<usize> = self.spans.iter().filter(|s| s.turned()).map(|s| s.page).collect();
        p.dedup();
        // The last 附件, 督办情况一览表 (docs/rules.md §19), is turned too: its head has 办理时限.
        p.retain(|&page| self.head(page, "办理时限").is_none());
        p
    }

    /// The head cell `title` (黑体) on `page`.
    fn head(&self, page: usize, title: &str) -> Option<&Span> {
        self.spans.iter().find(|s| s.page == page && s.text.trim() == title && s.font.starts_with("FandolHei"))
    }

    /// The y extent (mm) of the column whose head is `head`: between the table rules nearest to
    /// the head on either side (turned, the column rules are horizontal lines of the page).
    fn column_bounds(&self, head: &Span) -> (f64, f64) {
        let rules: Vec<f64> = self.pages[head.page - 1]["drawings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| {
                let r: Vec<f64> = d["rect"].as_array()?.iter().map(|v| mm(v.as_f64().unwrap())).collect();
                ((r[3] - r[1]).abs() < 0.3 && r[2] - r[0] > 2.0).then_some((r[1] + r[3]) / 2.0)
            })
            .collect();
        let mid = head.ymid();
        let below = rules.iter().copied().filter(|y| *y < mid).fold(f64::MIN, f64::max);
        let above = rules.iter().copied().filter(|y| *y > mid).fold(f64::MAX, f64::min);
        assert!(below > 0.0 && above < 300.0, "no rules around {head:?}");
        (below, above)
    }

    /// The text of a column of the turned table, in reading order (rows from the left edge of
    /// the page, lines of a cell left to right, text bottom to top), white space removed.
    fn turned_column(&self, title: &str) -> String {
        let mut cells: Vec<&Span> = Vec::new();
        for page in self.turned_pages() {
            let head = self.head(page, title).unwrap_or_else(|| panic!("page {page}: no head {title}"));
            let (lo, hi) = self.column_bounds(head);
            cells.extend(
                self.spans
                    .iter()
                    .filter(|s| s.page == page && s.turned() && s.x0 > head.x1 && s.ymid() > lo && s.ymid() < hi),
            );
        }
        cells.sort_by(|a, b| {
            (a.page, (a.x0 * 2.0).round() as i64)
                .cmp(&(b.page, (b.x0 * 2.0).round() as i64))
                .then(b.y1.total_cmp(&a.y1))
        });
        squash(&cells.iter().map(|s| s.text.as_str()).collect::<String>())
    }
}

fn build(name: &str, office_extra: Option<&str>) -> PathBuf {
    let tmp = temp_dir(name);
    copy_dir(&root().join("data"), &tmp.join("data"));
    if let Some(extra) = office_extra {
        let office = tmp.join("data/office.yaml");
        let mut s = std::fs::read_to_string(&office).unwrap();
        s.push_str(extra);
        std::fs::write(&office, s).unwrap();
    }
    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--period", "2023Q4", "--only", "notice"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "build failed:\n{stdout}\n{stderr}");
    let dir = tmp.join("out/2023Q4");
    let m: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let d = m["documents"].as_array().unwrap().iter().find(|d| d["kind"] == "notice").expect("notice");
    dir.join(Path::new(d["path"].as_str().unwrap()).file_name().unwrap())
}

/// The bundled 2023Q4 notice, default settings (横排).
fn landscape() -> &'static (PathBuf, Pdf) {
    static CELL: OnceLock<(PathBuf, Pdf)> = OnceLock::new();
    CELL.get_or_init(|| {
        let pdf = build("landscape", None);
        let d = read(&pdf);
        (pdf, d)
    })
}

/// Task numbers of the bundled plan.
fn plan_tasks() -> Vec<u64> {
    let plan: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("data/plan.yaml")).unwrap()).unwrap();
    let mut n = Vec::new();
    for s in plan["sections"].as_sequence().unwrap() {
        for t in s["tasks"].as_sequence().unwrap() {
            n.push(t["number"].as_u64().unwrap());
        }
    }
    n
}

/// (task, unit) → the 本期进展 narrative of each lead unit in the bundled 2023Q4 reports, as
/// plain text without white space (Markdown emphasis removed); narratives holding a Markdown
/// table are left out (the table cell shows them converted).
fn lead_narratives() -> BTreeMap<(u64, String), String> {
    let plan: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("data/plan.yaml")).unwrap()).unwrap();
    let mut leads: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for s in plan["sections"].as_sequence().unwrap() {
        for t in s["tasks"].as_sequence().unwrap() {
            let units = t["lead_units"].as_sequence().unwrap().iter().map(|u| u.as_str().unwrap().to_owned());
            leads.insert(t["number"].as_u64().unwrap(), units.collect());
        }
    }
    let mut out = BTreeMap::new();
    for f in std::fs::read_dir(root().join("data/reports/2023Q4")).unwrap() {
        let path = f.unwrap().path();
        // Report files only: a `<单位>.files/` folder holds a report's evidence (docs/rules.md §21).
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let r: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let unit = r["unit"].as_str().unwrap().to_owned();
        for e in r["entries"].as_sequence().into_iter().flatten() {
            let task = e["task"].as_u64().unwrap();
            let Some(p) = e["progress"].as_str() else { continue };
            if p.contains('|') || !leads.get(&task).is_some_and(|l| l.contains(&unit)) {
                continue;
            }
            out.insert((task, unit.clone()), squash(&p.replace("**", "")));
        }
    }
    out
}

#[test]
fn turned_pages_are_portrait_a4_with_the_head_at_the_left_on_odd_and_even_pages() {
    let (_, d) = landscape();
    for (i, p) in d.pages.iter().enumerate() {
        assert!((p["width"].as_f64().unwrap() - 595.28).abs() < 0.5, "page {} width", i + 1);
        assert!((p["height"].as_f64().unwrap() - 841.89).abs() < 0.5, "page {} height", i + 1);
        assert_eq!(p["rotation"].as_i64(), Some(0), "page {}: the paper stays portrait, no /Rotate", i + 1);
    }
    let turned = d.turned_pages();
    assert!(turned.len() >= 3, "横排 pages: {turned:?}");
    assert!(turned.iter().any(|p| p % 2 == 1) && turned.iter().any(|p| p % 2 == 0), "{turned:?}");
    for w in turned.windows(2) {
        assert_eq!(w[1], w[0] + 1, "横排 pages are consecutive: {turned:?}");
    }
    for &page in &turned {
        // Every glyph but the page number reads bottom to top: the table's head is at the left
        // edge of the page, which is the 订口 on an odd page and the 切口 on an even page.
        for s in d.spans.iter().filter(|s| s.page == page && !s.text.trim().is_empty()) {
            if s.is_page_number() {
                assert!(s.upright(), "page {page}: page number turned: {s:?}");
            } else {
                assert!(s.turned(), "page {page}: text not turned: {s:?}");
            }
        }
        // The head row is repeated on every page and lies left of every row; its columns run
        // from the bottom of the page (序号) to the top (状态).
        let no = d.head(page, "序号").unwrap_or_else(|| panic!("page {page}: head 序号 missing"));
        let status = d.head(page, "状态").unwrap_or_else(|| panic!("page {page}: head 状态 missing"));
        assert!(
            no.ymid() > status.ymid() + 100.0,
            "page {page}: 序号 {no:?} should be near the bottom, 状态 {status:?}"
        );
        let first_row = d
            .spans
            .iter()
            .filter(|s| s.page == page && s.font.starts_with("FandolFang") && !s.is_page_number())
            .map(|s| s.x0)
            .fold(f64::MAX, f64::min);
        assert!(no.x1 < first_row, "page {page}: head at {} is not left of the rows at {first_row}", no.x1);
    }
}

#[test]
fn page_numbers_of_turned_pages_sit_where_portrait_pages_have_them() {
    let (_, d) = landscape();
    let turned = d.turned_pages();
    for &page in &turned {
        let pn = d
            .spans
            .iter()
            .find(|s| s.page == page && s.text == format!("— {page} —"))
            .unwrap_or_else(|| panic!("page {page}: no page number"));
        assert!(pn.font.starts_with("FandolSong") && (pn.size - 14.0).abs() < 0.1, "{pn:?}");
        assert!(pn.upright(), "{pn:?}");
        assert!((pn.baseline - 270.48).abs() < 1.0, "page {page} number baseline {}", pn.baseline);
        if page % 2 == 1 {
            assert!((pn.x1 - 179.06).abs() < 1.0, "odd page {page} number ends at {}", pn.x1);
        } else {
            assert!((pn.x0 - 32.94).abs() < 1.0, "even page {page} number starts at {}", pn.x0);
        }
    }
}

#[test]
fn table_stays_in_the_turned_type_area_in_gbt9704_fonts() {
    let (_, d) = landscape();
    let turned = d.turned_pages();
    let mut span_y = (f64::MAX, 0.0f64);
    for s in d.spans.iter().filter(|s| turned.contains(&s.page) && !s.is_page_number()) {
        if s.text.trim().is_empty() {
            continue;
        }
        // The turned type area is the portrait one: x 28–184, y 37–262 mm (±1 mm).
        assert!(s.x0 >= 27.0 && s.x1 <= 185.0 && s.y0 >= 36.0 && s.y1 <= 263.0, "outside the type area: {s:?}");
        span_y = (span_y.0.min(s.y0), span_y.1.max(s.y1));
        if s.font.starts_with("FandolFang") {
            assert!((s.size - 10.5).abs() < 0.05, "table text is 10.5 pt 仿宋: {s:?}");
        } else if s.font.starts_with("FandolHei") {
            // heads and 章节 rows 10.5 pt, the 附件 label 16 pt
            assert!((s.size - 10.5).abs() < 0.05 || (s.size - 16.0).abs() < 0.05, "{s:?}");
        } else {
            // the 小标宋 stand-in title, fallback glyphs and the status markers' text
            assert!(s.font.starts_with("Noto") || s.font.starts_with("Fandol"), "foreign font {s:?}");
        }
    }
    // The turned frame is 225 mm long: the table spans (nearly) the page's height of type area.
    assert!(span_y.1 - span_y.0 > 215.0, "table text spans y {span_y:?}");
    let first = turned[0];
    let label = d.spans.iter().find(|s| s.page == first && s.text.starts_with("附件")).expect("附件 label");
    assert!(label.font.starts_with("FandolHei") && label.turned(), "{label:?}");
    // "附件" on grid line 1 of the turned frame: at its top (the left edge), at its left (bottom).
    assert!(label.x0 < 33.0 && label.y1 > 255.0, "附件 label at {label:?}");
}

#[test]
fn every_task_row_is_present_once() {
    let (_, d) = landscape();
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for page in d.turned_pages() {
        let head = d.head(page, "序号").unwrap();
        for s in d.spans.iter().filter(|s| {
            s.page == page
                && s.turned()
                && s.font.starts_with("FandolFang")
                && s.ymid() > head.y0 - 2.0
                && s.ymid() < head.y1 + 2.0
        }) {
            let n: u64 = s.text.trim().parse().unwrap_or_else(|_| panic!("序号 cell {s:?}"));
            *seen.entry(n).or_default() += 1;
        }
    }
    let want = plan_tasks();
    assert!(want.len() > 50);
    for n in &want {
        assert_eq!(seen.get(n), Some(&1), "task {n} rows: {:?}", seen.get(n));
    }
    assert_eq!(seen.len(), want.len(), "rows for tasks not in the plan: {seen:?}");
}

#[test]
fn progress_cells_are_complete() {
    let (pdf, d) = landscape();
    let all = squash(&pdftotext(pdf, None));
    assert!(!all.contains("……") && !all.contains('…'), "a cut ending in …… is left in the notice");
    assert!(!all.contains(MARKER), "no cell of the bundled data is longer than the default limit");
    let column = d.turned_column("本期进展");
    let narratives = lead_narratives();
    assert!(narratives.len() > 80);
    for ((task, unit), text) in &narratives {
        assert!(column.contains(text.as_str()), "task {task} ({unit}): progress not complete in the table:\n{text}");
    }
}

#[test]
fn a_shortened_cell_ends_at_a_boundary_and_attachment_two_holds_the_full_text() {
    let pdf = build("landscape-limit", Some("\nnotice_table:\n  progress_limit: 40\n"));
    let d = read(&pdf);
    let text = squash(&pdftotext(&pdf, None));
    assert!(!text.contains('…'), "no …… cut");
    let column = d.turned_column("本期进展");
    let turned = d.turned_pages();
    let after: String = d
        .spans
        .iter()
        .filter(|s| s.page > *turned.last().unwrap() && !s.is_page_number())
        .map(|s| s.text.as_str())
        .collect::<String>();
    let after = squash(&after);
    assert!(after.contains("附件2"), "附件2 follows the table");
    let mut shortened = 0;
    for ((task, unit), full) in lead_narratives() {
        let chars: Vec<char> = full.chars().collect();
        // several lead units share the limit, each keeping at least 40 characters
        if chars.len() <= 40 {
            assert!(column.contains(&full), "task {task} ({unit}) short text whole");
            continue;
        }
        // The cell holds a prefix of the narrative ending at a boundary, then the marker.
        let Some(at) = column.find(&chars[..8].iter().collect::<String>()) else {
            panic!("task {task} ({unit}): cell missing")
        };
        let rest = &column[at..];
        if rest.starts_with(&full) && !rest[full.len()..].starts_with(MARKER) {
            // a single sentence with no clause boundary within the limit stays whole (rule 4)
            continue;
        }
        let end = rest.find(MARKER).unwrap_or_else(|| panic!("task {task} ({unit}): neither whole nor marked"));
        let kept: Vec<char> = rest[..end].chars().collect();
        assert!(
            full.starts_with(&rest[..end]),
            "task {task} ({unit}): cell is not a prefix:\n{}\n{full}",
            &rest[..end]
        );
        let last = *kept.last().unwrap();
        let next = chars[kept.len()];
        assert!(
            "。！？；，”’）".contains(next) || "。！？”’）".contains(last),
            "task {task} ({unit}): cut between {last:?} and {next:?}: {}",
            &rest[..end]
        );
        assert!(!(last.is_ascii_alphanumeric() && (next.is_ascii_alphanumeric() || next == '.')), "cut in a number");
        assert!(after.contains(&full), "task {task} ({unit}): 附件2 lacks the full text");
        shortened += 1;
    }
    assert!(shortened >= 20, "only {shortened} cells shortened at limit 40");
}

#[test]
fn portrait_stays_available() {
    let pdf = build("landscape-portrait", Some("\nnotice_table:\n  orientation: portrait\n"));
    let d = read(&pdf);
    assert!(d.turned_pages().is_empty(), "竖排: no turned text");
    let heads: Vec<usize> =
        d.spans.iter().filter(|s| s.text.trim() == "序号" && s.font.starts_with("FandolHei")).map(|s| s.page).collect();
    assert!(heads.len() >= 2, "head repeated on each table page: {heads:?}");
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for &page in &heads {
        let head = d.head(page, "序号").unwrap();
        for s in d.spans.iter().filter(|s| {
            s.page == page
                && s.font.starts_with("FandolFang")
                && s.x0 > head.x0 - 3.0
                && s.x1 < head.x1 + 3.0
                && s.y0 > head.y1
        }) {
            if let Ok(n) = s.text.trim().parse::<u64>() {
                *seen.entry(n).or_default() += 1;
            }
        }
    }
    for n in plan_tasks() {
        assert_eq!(seen.get(&n), Some(&1), "task {n}");
    }
}

#[test]
fn a_wrong_setting_is_reported_with_its_line() {
    for (extra, want) in [
        ("\nnotice_table:\n  orientation: sideways\n", "sideways"),
        ("\nnotice_table:\n  orient: portrait\n", "orient"),
        ("\nnotice_table:\n  progress_limit: 5\n", "progress_limit"),
        ("\nnotice_table:\n  progress_limit: 800\n", "progress_limit"),
    ] {
        let tmp = temp_dir("landscape-bad");
        copy_dir(&root().join("data"), &tmp.join("data"));
        let office = tmp.join("data/office.yaml");
        let lines = std::fs::read_to_string(&office).unwrap().lines().count();
        let mut s = std::fs::read_to_string(&office).unwrap();
        s.push_str(extra);
        std::fs::write(&office, s).unwrap();
        let out = ducha(&tmp, &["check", "--data", "data"]);
        let (stdout, stderr) = text(&out);
        let all = format!("{stdout}{stderr}");
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(all.contains("office.yaml:"), "{all}");
        assert!(all.contains(want), "{all}");
        // the line of the setting (the appended block starts after the file's last line)
        assert!((lines + 1..lines + 4).any(|l| all.contains(&format!("office.yaml:{l}:"))), "no line number:\n{all}");
    }
}
