//! The documents as a reader sees them: the bundled data built by the binary (from a temporary
//! working directory), then the PDFs read back with PyMuPDF (tests/pdfdump.py) and poppler.
//! Geometry is measured from the PDFs, never from the Typst source.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

/// Builds a period of the bundled data once per test binary: (out dir of the period, manifest).
fn built(period: &str) -> &'static (PathBuf, Value) {
    static Q4: OnceLock<(PathBuf, Value)> = OnceLock::new();
    static Q2: OnceLock<(PathBuf, Value)> = OnceLock::new();
    let cell = if period == "2023Q4" { &Q4 } else { &Q2 };
    cell.get_or_init(|| build_into(&format!("docs-{period}"), &root().join("data"), period))
}

/// Runs `ducha build` with cwd in a fresh temp dir (the working directory must not matter).
fn build_into(name: &str, data: &Path, period: &str) -> (PathBuf, Value) {
    let tmp = temp_dir(name);
    let out = ducha(&tmp, &["build", "--data", data.to_str().unwrap(), "--out", "out", "--period", period]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "build failed:\n{stdout}\n{stderr}");
    let dir = tmp.join("out").join(period);
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    (dir, manifest)
}

fn doc_path(dir: &Path, manifest: &Value, kind: &str) -> PathBuf {
    let d = manifest["documents"].as_array().unwrap().iter().find(|d| d["kind"] == kind).expect(kind);
    dir.join(Path::new(d["path"].as_str().unwrap()).file_name().unwrap())
}

/// PyMuPDF's view of a PDF.
fn dump(pdf: &Path) -> Value {
    pdfdump(pdf)
}

#[derive(Debug, Clone)]
struct Span {
    page: usize,
    text: String,
    font: String,
    size: f64,
    color: Vec<f64>,
    /// mm
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    baseline: f64,
}

fn spans(d: &Value) -> Vec<Span> {
    let mut out = Vec::new();
    for (i, p) in d["pages"].as_array().unwrap().iter().enumerate() {
        for s in p["spans"].as_array().unwrap() {
            let b: Vec<f64> = s["bbox"].as_array().unwrap().iter().map(|v| mm(v.as_f64().unwrap())).collect();
            out.push(Span {
                page: i + 1,
                text: s["text"].as_str().unwrap().to_owned(),
                font: s["font"].as_str().unwrap().to_owned(),
                size: s["size"].as_f64().unwrap(),
                color: s["color"]
                    .as_array()
                    .map(|c| c.iter().map(|v| v.as_f64().unwrap()).collect())
                    .unwrap_or_default(),
                x0: b[0],
                y0: b[1],
                x1: b[2],
                y1: b[3],
                baseline: mm(s["origin"][1].as_f64().unwrap()),
            });
        }
    }
    out
}

fn is_red(c: &[f64]) -> bool {
    c.len() == 3 && c[0] > 0.8 && c[1] < 0.5 && c[2] < 0.5
}

fn near(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn all_text(pdf: &Path) -> String {
    squash(&pdftotext(pdf, None))
}

#[test]
fn manifest_matches_files() {
    let (dir, m) = built("2023Q4");
    assert_eq!(m["period"], "2023Q4");
    let docs = m["documents"].as_array().unwrap();
    for kind in ["notice", "briefing", "leader", "order"] {
        assert!(docs.iter().any(|d| d["kind"] == kind), "no {kind} in {m}");
    }
    for d in docs {
        let path = dir.join(Path::new(d["path"].as_str().unwrap()).file_name().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        let sha = ducha::pipeline::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        assert_eq!(d["sha256"].as_str().unwrap(), sha, "{}", path.display());
        let pages = dump(&path)["page_count"].as_u64().unwrap();
        assert_eq!(d["pages"].as_u64().unwrap(), pages, "{}", path.display());
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let (_, a) = built("2023Q4");
    let (_, b) = build_into("docs-repro", &root().join("data"), "2023Q4");
    let shas = |m: &Value| -> Vec<(String, String)> {
        m["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["path"].as_str().unwrap().to_owned(), d["sha256"].as_str().unwrap().to_owned()))
            .collect()
    };
    assert_eq!(shas(a), shas(&b));
}

#[test]
fn every_font_is_bundled_embedded_and_subset() {
    let (dir, m) = built("2023Q4");
    for d in m["documents"].as_array().unwrap() {
        let path = dir.join(Path::new(d["path"].as_str().unwrap()).file_name().unwrap());
        for (name, _, emb, sub) in pdffonts(&path) {
            assert!(emb && sub, "{name} in {} not embedded+subset", path.display());
            let base = name.split('+').nth(1).unwrap_or(&name);
            assert!(base.starts_with("Fandol") || base.starts_with("NotoS"), "foreign font {base}");
        }
    }
}

#[test]
fn notice_page_and_grid() {
    let (dir, m) = built("2023Q4");
    let pdf = doc_path(dir, m, "notice");
    let d = dump(&pdf);
    for p in d["pages"].as_array().unwrap() {
        assert!(near(p["width"].as_f64().unwrap(), 595.28, 0.5) && near(p["height"].as_f64().unwrap(), 841.89, 0.5));
    }
    let s = spans(&d);
    let attach_page = s
        .iter()
        .find(|x| (x.text == "附件" || x.text == "附件1") && x.font.starts_with("FandolHei"))
        .expect("附件 label")
        .page;
    // Full body pages: every page strictly between page 1 and the attachment whose last line is
    // at the bottom of the grid.
    let mut full_pages = 0;
    for page in 2..attach_page {
        let body: Vec<&Span> = s.iter().filter(|x| x.page == page && near(x.size, 16.0, 0.1)).collect();
        let mut baselines: Vec<f64> = body.iter().map(|x| x.baseline).collect();
        baselines.sort_by(f64::total_cmp);
        baselines.dedup_by(|a, b| (*a - *b).abs() < 0.5);
        if baselines.last().is_none_or(|l| !near(*l, 256.44, 1.0)) {
            continue; // the last body page (closing block) is not full
        }
        full_pages += 1;
        assert_eq!(baselines.len(), 22, "page {page}: {baselines:?}");
        assert!(near(baselines[0], 41.97, 1.0), "page {page} first baseline {}", baselines[0]);
        for w in baselines.windows(2) {
            assert!(near(w[1] - w[0], 10.213, 0.05), "page {page} pitch {}", w[1] - w[0]);
        }
        for x in &body {
            assert!(x.x0 >= 27.0 && x.y0 >= 36.0 && x.y1 <= 263.0, "outside type area: {x:?}");
            // Right edge 184 mm ± 1; only line-final CJK punctuation (its nominal box, compressed
            // to half width in print) or a trailing space may reach 186.9 mm (templates/lib/README.md §L11).
            let last = x.text.trim_end().chars().last().unwrap_or(' ');
            let hangs = x.text.ends_with(' ') || "，。、；：？！）》”’…".contains(last);
            assert!(x.x1 <= 185.0 || (hangs && x.x1 <= 186.9), "past the right edge: {x:?}");
            assert!(x.font.starts_with("Fandol"), "body font {x:?}");
        }
        // 28 characters on full lines of Han characters only.
        let mut lines: std::collections::BTreeMap<i64, Vec<&&Span>> = Default::default();
        for x in &body {
            lines.entry((x.baseline * 10.0).round() as i64).or_default().push(x);
        }
        for spans in lines.values() {
            let text: String = spans.iter().map(|x| x.text.as_str()).collect();
            let x0 = spans.iter().map(|x| x.x0).fold(f64::MAX, f64::min);
            let x1 = spans.iter().map(|x| x.x1).fold(0.0, f64::max);
            let han = text.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            if han && near(x0, 28.0, 0.3) && near(x1, 184.07, 0.3) {
                assert_eq!(text.chars().count(), 28, "{text}");
            }
        }
        // Paragraph first lines are indented two characters.
        let indented: Vec<f64> = body
            .iter()
            .filter(|x| x.font.starts_with("FandolFang") && x.x0 > 30.0 && x.x0 < 45.0)
            .map(|x| x.x0)
            .collect();
        for x in indented {
            assert!(near(x, 39.14, 0.5) || x < 39.0, "indent {x}");
        }
    }
    assert!(full_pages >= 2, "expected several full body pages, got {full_pages}");
}

#[test]
fn notice_head_title_headings_and_numbers() {
    let (dir, m) = built("2023Q4");
    let pdf = doc_path(dir, m, "notice");
    let d = dump(&pdf);
    let s = spans(&d);
    // 发文机关标志: red, em top at 72 mm, centred.
    let mark = s.iter().find(|x| x.page == 1 && x.text.contains("莘县人民政府办公室文件")).expect("mark");
    assert!(is_red(&mark.color), "mark colour {:?}", mark.color);
    assert!(near(mark.y0, 72.0, 1.0), "mark top {}", mark.y0);
    assert!(near((mark.x0 + mark.x1) / 2.0, 106.0, 1.0) && mark.x1 - mark.x0 <= 156.5);
    // 发文字号 and the red rule 4 mm below it.
    let number = s.iter().find(|x| x.page == 1 && x.text.contains("〔2024〕")).expect("文号");
    assert!(number.text.contains('〔') && number.text.contains('〕'));
    assert!(near((number.x0 + number.x1) / 2.0, 106.0, 1.0));
    let page1 = &d["pages"][0]["drawings"];
    let rule = page1
        .as_array()
        .unwrap()
        .iter()
        .find(|dr| {
            dr["color"].as_array().is_some_and(|c| is_red(&c.iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>()))
        })
        .expect("red rule");
    let r: Vec<f64> = rule["rect"].as_array().unwrap().iter().map(|v| mm(v.as_f64().unwrap())).collect();
    assert!(near(r[0], 28.0, 0.5) && near(r[2], 184.0, 0.5), "rule x {r:?}");
    assert!(near(r[1], number.y1 + 4.0, 1.0), "rule y {} vs 文号 bottom {}", r[1], number.y1);
    // Title: 22 pt, centred, at most 20 characters a line.
    let title: Vec<&Span> = s.iter().filter(|x| x.page == 1 && near(x.size, 22.0, 0.1)).collect();
    assert!(!title.is_empty());
    for t in &title {
        assert!(near((t.x0 + t.x1) / 2.0, 106.0, 1.0), "title not centred: {t:?}");
        assert!(t.text.chars().count() <= 20, "{}", t.text);
    }
    // Headings: 一、 in FandolHei, （一） in FandolKai.
    assert!(s.iter().any(|x| x.text.starts_with("一、") && x.font.starts_with("FandolHei")));
    assert!(s.iter().any(|x| x.text.starts_with("（一）") && x.font.starts_with("FandolKai")));
    // Page numbers: — N — in 4号 Song, odd right / even left, dash centre at 269 mm.
    let pages = d["page_count"].as_u64().unwrap() as usize;
    let mut numbered = 0;
    for n in 1..=pages {
        let Some(pn) = s.iter().find(|x| x.page == n && x.text == format!("— {n} —")) else { continue };
        numbered += 1;
        assert!(pn.font.starts_with("FandolSong") && near(pn.size, 14.0, 0.1));
        assert!(near(pn.baseline, 270.48, 1.0), "page number baseline {}", pn.baseline);
        if n % 2 == 1 {
            assert!(near(pn.x1, 179.06, 1.0), "odd page {n} number ends at {}", pn.x1);
        } else {
            assert!(near(pn.x0, 32.94, 1.0), "even page {n} number starts at {}", pn.x0);
        }
    }
    assert!(numbered >= pages - 2, "{numbered} of {pages} pages numbered");
    // 版记 on the last page: last thick rule on the bottom edge of the type area (262 mm).
    let last = &d["pages"][pages - 1]["drawings"];
    let ys: Vec<(f64, f64)> = last
        .as_array()
        .unwrap()
        .iter()
        .map(|dr| (mm(dr["rect"][1].as_f64().unwrap()), dr["width"].as_f64().unwrap_or(0.0)))
        .collect();
    assert!(ys.iter().any(|(y, w)| near(*y, 262.0, 0.5) && near(*w, 0.99, 0.05)), "版记 rules {ys:?}");
    let last_text: String = s.iter().filter(|x| x.page == pages).map(|x| x.text.as_str()).collect();
    assert!(last_text.contains("抄送：") && last_text.contains("印发"), "{last_text}");
    assert!(!all_text(&pdf).contains("此页无正文"));
}

#[test]
fn documents_carry_the_stats_figures() {
    let (dir, m) = built("2023Q4");
    let tmp = temp_dir("docs-stats");
    let out = ducha(&tmp, &["stats", "--data", root().join("data").to_str().unwrap(), "--period", "2023Q4", "--json"]);
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notice = all_text(&doc_path(dir, m, "notice"));
    let leader = all_text(&doc_path(dir, m, "leader"));
    let briefing = all_text(&doc_path(dir, m, "briefing"));
    let total = stats["tasks"].as_u64().unwrap();
    for (label, n) in stats["by_status"].as_object().unwrap() {
        let n = n.as_u64().unwrap();
        if n == 0 {
            continue;
        }
        let share = stats["shares"][label].as_f64().unwrap();
        let phrase = format!("{label}{n}项，占{share:.1}%");
        for (name, text) in [("notice", &notice), ("leader", &leader), ("briefing", &briefing)] {
            assert!(text.contains(&phrase), "{name} lacks {phrase}");
        }
    }
    assert!(notice.contains(&format!("{total}项重点工作任务")));
    for l in stats["lagging"].as_array().unwrap() {
        let title = squash(l["title"].as_str().unwrap());
        assert!(notice.contains(&title), "notice lacks lagging task {title}");
        for u in l["units"].as_array().unwrap() {
            assert!(notice.contains(u.as_str().unwrap()), "notice lacks unit {u}");
        }
    }
    for u in stats["missing_reports"].as_array().unwrap() {
        assert!(notice.contains(u.as_str().unwrap()), "notice lacks missing unit {u}");
    }
}

#[test]
fn nothing_from_another_period() {
    let (dir, m) = built("2023Q2");
    let notice = all_text(&doc_path(dir, m, "notice"));
    assert!(notice.contains("截至2023年6月30日"));
    assert!(notice.contains("上半年"));
    for other in ["截至2023年3月31日", "截至2023年9月30日", "截至2023年12月31日", "前三季度落实情况"]
    {
        assert!(!notice.contains(other), "2023Q2 notice mentions {other}");
    }
    // The Q2 narratives feed the attachment, not Q3's: task 34 was completed in Q2.
    let (dir4, m4) = built("2023Q4");
    assert_ne!(all_text(&doc_path(dir, m, "notice")), all_text(&doc_path(dir4, m4, "notice")));
}

#[test]
fn leader_briefing_is_one_or_two_pages_with_chart() {
    let (dir, m) = built("2023Q4");
    let pdf = doc_path(dir, m, "leader");
    let d = dump(&pdf);
    let pages = d["page_count"].as_u64().unwrap();
    assert!((1..=2).contains(&pages), "{pages} pages");
    let text = all_text(&pdf);
    assert!(text.contains("各板块重点任务进展情况") && text.contains("责任单位推进情况排名"));
    // The bar chart is drawn: filled rectangles.
    let filled = d["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["drawings"].as_array().unwrap())
        .filter(|x| !x["fill"].is_null())
        .count();
    assert!(filled > 20, "{filled} filled shapes");
}

#[test]
fn leader_briefing_fits_two_pages_in_every_quarter() {
    let tmp = temp_dir("docs-leader-all");
    for period in ["2023Q1", "2023Q2", "2023Q3", "2023Q4"] {
        let data = root().join("data");
        let out = ducha(
            &tmp,
            &["build", "--data", data.to_str().unwrap(), "--out", "out", "--period", period, "--only", "leader"],
        );
        assert!(out.status.success(), "{}", text(&out).1);
        let pdf = tmp.join("out").join(period).join("领导参阅.pdf");
        let d = dump(&pdf);
        let pages = d["page_count"].as_u64().unwrap() as usize;
        assert!((1..=2).contains(&pages), "{period}: {pages} pages");
        // The 报尾 shares its page with text: the last page has more than the 报/共印 rows.
        let last: Vec<Span> = spans(&d).into_iter().filter(|s| s.page == pages && !s.text.starts_with('—')).collect();
        assert!(
            last.iter().any(|s| near(s.size, 16.0, 0.1) || s.text.contains("名次")),
            "{period}: last page has no text"
        );
    }
}

#[test]
fn copy_number_secrecy_and_urgency_on_grid_lines_one_to_three() {
    let tmp = temp_dir("docs-head-marks");
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    let office = std::fs::read_to_string(data.join("office.yaml")).unwrap();
    std::fs::write(data.join("office.yaml"), format!("{office}copy_no: \"000123\"\nsecret: 秘密★1年\nurgency: 加急\n"))
        .unwrap();
    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--only", "notice"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let s = spans(&dump(&tmp.join("out/2023Q1/季度进展情况通报.pdf")));
    let find = |t: &str| s.iter().find(|x| x.page == 1 && x.text.contains(t)).unwrap_or_else(|| panic!("{t}")).clone();
    let (copy, secret, urgency) = (find("000123"), find("秘密"), find("加急"));
    for (span, baseline) in [(&copy, 41.97), (&secret, 52.18), (&urgency, 62.40)] {
        assert!(near(span.baseline, baseline, 1.0), "{span:?}");
        assert!(near(span.x0, 28.0, 0.5), "flush left: {span:?}");
    }
    assert!(secret.font.starts_with("FandolHei") && urgency.font.starts_with("FandolHei"));
    let mark = find("测试县人民政府办公室文件");
    assert!(near(mark.y0, 72.0, 1.0), "the mark stays at 72 mm: {}", mark.y0);
}

/// The status markers in the notice's table are coloured by the light each task was judged to
/// have, as the README's status rules give it — not by a fixed colour per status. In 2023Q2 the
/// bundled plan (成文 June 2023) is less than three months old, so its two 未启动 tasks are yellow
/// (drawn as open squares), and its three 其他 tasks are yellow (open diamonds); nothing is grey.
#[test]
fn status_markers_carry_the_judged_light() {
    let (dir, manifest) = built("2023Q2");
    let stats: Value = {
        let out = ducha(&root(), &["stats", "--data", "data", "--period", "2023Q2", "--json"]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let yellow_not_started = stats["lagging"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status_id"] == "not_started" && t["light"] == "yellow")
        .count();
    assert_eq!(yellow_not_started, 2, "the bundled 2023Q2 has two early 未启动 tasks (yellow)");
    let others = stats["by_status"]["其他"].as_u64().unwrap() as usize;
    assert_eq!(others, 3);

    let d = dump(&doc_path(dir, manifest, "notice"));
    let near = |c: &Value, rgb: [f64; 3]| {
        c.as_array().is_some_and(|c| c.iter().zip(rgb).all(|(a, b)| (a.as_f64().unwrap() - b).abs() < 0.02))
    };
    let (yellow, red, grey, white) = (
        [0xf2 as f64 / 255.0, 0xb7 as f64 / 255.0, 0x05 as f64 / 255.0],
        [0xd4 as f64 / 255.0, 0x2a as f64 / 255.0, 0x1e as f64 / 255.0],
        [0x8a as f64 / 255.0; 3],
        [1.0; 3],
    );
    let drawings: Vec<&Value> =
        d["pages"].as_array().unwrap().iter().flat_map(|p| p["drawings"].as_array().unwrap()).collect();
    // An outlined marker: white inside, stroked in its light. At 10.5 pt the marker box is
    // 0.75 em = 7.9 pt: the open diamond (其他) fills it, the open square (未启动) is 0.84 of it.
    // (The table is turned, so PyMuPDF reports both as four-line paths.)
    let outlined = |rgb: [f64; 3], side: std::ops::Range<f64>| {
        drawings
            .iter()
            .filter(|x| near(&x["fill"], white) && near(&x["color"], rgb))
            .filter(|x| {
                let r: Vec<f64> = x["rect"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
                let (w, h) = (r[2] - r[0], r[3] - r[1]);
                (w - h).abs() < 0.3 && side.contains(&w)
            })
            .count()
    };
    let (square, diamond) = (6.0..7.2, 7.4..8.4);
    assert_eq!(
        outlined(yellow, square.clone()),
        yellow_not_started,
        "未启动 in its first three months: yellow open square"
    );
    assert_eq!(outlined(red, square), 0, "no 未启动 task is red yet in 2023Q2");
    assert_eq!(outlined(yellow, diamond), others, "其他: yellow open diamond");
    let greys = drawings.iter().filter(|x| near(&x["color"], grey) || near(&x["fill"], grey)).count();
    assert_eq!(greys, 0, "no status is drawn grey");
}

/// Each red or escalated task of the period has its 督办通知单 at its first lead unit, and that
/// order names every lead unit of the task (the others as 协办单位) — in 2023Q2 task 71 is led by
/// 县文化和旅游局 and 县商务投资促进局.
#[test]
fn orders_go_to_the_first_lead_unit_and_name_every_lead_unit() {
    let (dir, manifest) = built("2023Q2");
    let out = ducha(&root(), &["stats", "--data", "data", "--period", "2023Q2", "--json"]);
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut tasks: Vec<(u64, Vec<String>)> = Vec::new();
    let units = |v: &Value| v.as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect::<Vec<_>>();
    for t in stats["lagging"].as_array().unwrap() {
        if t["light"] == "red" && t["status_id"] != "not_reported" {
            tasks.push((t["task"].as_u64().unwrap(), units(&t["units"])));
        }
    }
    for e in stats["escalations"].as_array().unwrap().iter().filter(|e| e["kind"] == "task") {
        tasks.push((e["task"].as_u64().unwrap(), units(&e["units"])));
    }
    assert!(tasks.iter().any(|(_, u)| u.len() > 1), "a task with two lead units is escalated: {tasks:?}");
    let orders: Vec<&Value> =
        manifest["documents"].as_array().unwrap().iter().filter(|d| d["kind"] == "order").collect();
    for (task, leads) in &tasks {
        let file = dir.join(format!("督办通知单-{}.pdf", leads[0]));
        assert!(file.is_file(), "order of task {task} at {}", file.display());
        assert!(orders.iter().any(|d| d["path"].as_str().unwrap().ends_with(&format!("督办通知单-{}.pdf", leads[0]))));
        let text = squash(&pdftotext(&file, None));
        assert!(text.contains(&format!("第{task}项")) || text.contains(&task.to_string()), "task {task} in its order");
        for u in leads {
            assert!(text.contains(u.as_str()), "{u} named in the order of task {task}:\n{text}");
        }
    }
    // The notice's 督办事项 lists exactly these tasks and says to whom the orders went; a unit
    // escalated for its reports is named there without a claim of an order.
    let notice = squash(&pdftotext(&doc_path(dir, manifest, "notice"), None));
    let from = notice.find("督办事项").expect("督办事项 in the notice");
    let section = &notice[from..notice[from..].find("下步工作要求").map_or(notice.len(), |i| from + i)];
    let (tasks_part, units_part) = section.split_once("下发督办通知单").expect("下发督办通知单");
    for (task, leads) in &tasks {
        assert!(tasks_part.contains(&format!("第{task}项")), "task {task} in 督办事项: {section}");
        assert!(tasks_part.contains(&format!("已向{}", leads[0])) || tasks_part.contains(&format!("、{}", leads[0])));
    }
    for e in stats["escalations"].as_array().unwrap().iter().filter(|e| e["kind"] == "unit") {
        let unit = e["unit"].as_str().unwrap();
        assert!(units_part.contains(&format!("{unit}年内")), "{unit} named for its reports: {section}");
        assert!(!units_part.contains("督办通知单"), "no order claimed for report escalations: {section}");
    }
}
