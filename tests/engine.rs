//! The typesetting engine: bundled fonts embedded and subset, text back exactly, reproducible
//! bytes, unknown font families rejected, PNG previews.

mod common;

use std::sync::Arc;

use common::*;
use ducha::engine::fonts::Fonts;
use ducha::engine::{Datetime, Engine, Job, PdfFlavor};
use ducha::templates::Templates;

fn engine() -> Engine {
    let fonts = Arc::new(Fonts::load(&[]).expect("bundled fonts"));
    Engine::new(fonts, Templates::builtin().typst_files())
}

fn job(source: &str) -> Job {
    Job {
        name: "t.typ".into(),
        source: source.into(),
        timestamp: Datetime::from_ymd(2023, 7, 14).unwrap(),
        ident: "test".into(),
        flavor: PdfFlavor::Plain,
        files: vec![],
    }
}

const ALL_FACES: &str = r#"#set page(width: 160mm, height: 80mm, margin: 10mm)
#set text(size: 14pt, lang: "zh", region: "cn", cjk-latin-spacing: none)
#text(font: ("FandolSong", "Noto Serif CJK SC"))[宋体正文] \
#text(font: ("FandolHei", "Noto Sans CJK SC"))[黑体标题] \
#text(font: ("FandolFang R", "Noto Serif CJK SC"))[仿宋正文王堃] \
#text(font: ("FandolKai", "Noto Serif CJK SC"))[楷体批注] \
#text(font: ("FandolFang R", "Noto Serif CJK SC"))[Latin run 2023 ABC]
"#;

#[test]
fn all_faces_embedded_subset_and_text_exact() {
    let e = engine();
    let out = e.compile(&job(ALL_FACES)).unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
    let dir = temp_dir("engine-faces");
    let pdf = dir.join("faces.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();

    let fonts = pdffonts(&pdf);
    assert!(!fonts.is_empty());
    for (name, _, emb, sub) in &fonts {
        assert!(*emb, "{name} not embedded");
        assert!(*sub, "{name} not subset");
        assert!(name.contains('+'), "{name} has no subset tag");
    }
    let names: Vec<&str> = fonts.iter().map(|f| f.0.split('+').nth(1).unwrap_or("")).collect();
    for want in ["FandolSong", "FandolHei", "FandolFang", "FandolKai", "NotoSerifCJK"] {
        assert!(names.iter().any(|n| n.starts_with(want)), "{want} missing from {names:?}");
    }
    let text = pdftotext(&pdf, None);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(lines, ["宋体正文", "黑体标题", "仿宋正文王堃", "楷体批注", "Latin run 2023 ABC"]);
}

#[test]
fn same_input_same_bytes() {
    let e = engine();
    let a = e.compile(&job(ALL_FACES)).unwrap().pdf;
    ducha::engine::evict_cache();
    let b = engine().compile(&job(ALL_FACES)).unwrap().pdf;
    assert_eq!(a, b);
}

#[test]
fn unknown_font_family_is_an_error() {
    let e = engine();
    let err = e.compile(&job("#set text(font: \"FandolFang\")\n测试")).err().expect("must fail");
    let msg = err.diagnostics.render(&err.sources);
    assert!(msg.contains("unknown font family"), "{msg}");
    assert!(msg.contains("t.typ:1:"), "{msg}");
}

#[test]
fn typst_errors_are_located() {
    let e = engine();
    let err = e.compile(&job("第一行\n#let x = (1, 2)\n#x.at(5)\n")).err().expect("must fail");
    let msg = err.diagnostics.render(&err.sources);
    assert!(msg.contains("t.typ:3:"), "{msg}");
    assert!(msg.contains("#x.at(5)"), "{msg}");
}

#[test]
fn png_preview() {
    let e = engine();
    let out = e.compile(&job(ALL_FACES)).unwrap();
    // Decoded with the `png` crate: a real image of the page's size, with the text drawn on it.
    for (ppi, want_w, want_h) in
        [(72.0, 160.0 / 25.4 * 72.0, 80.0 / 25.4 * 72.0), (144.0, 160.0 / 25.4 * 144.0, 80.0 / 25.4 * 144.0)]
    {
        let bytes = ducha::engine::render_png(&out.document, 0, ppi).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&bytes)).read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut buf).expect("one frame");
        let (w, h) = (f64::from(info.width), f64::from(info.height));
        assert!(
            (w - want_w).abs() <= 1.0 && (h - want_h).abs() <= 1.0,
            "{ppi} ppi: {w}×{h}, want {want_w:.1}×{want_h:.1}"
        );
        let pixels = &buf[..info.buffer_size()];
        let channels = info.color_type.samples();
        let dark = pixels.chunks(channels).filter(|p| p[..3.min(channels)].iter().all(|&c| c < 100)).count();
        let total = pixels.len() / channels;
        // Text is there (dark pixels), on a white page (most pixels are not dark).
        assert!(dark > 200 && dark < total / 4, "{dark} dark of {total} pixels");
    }
    assert!(ducha::engine::render_png(&out.document, 1, 72.0).is_none(), "there is no page 2");
}

#[test]
fn pdf_a3b_with_attachment() {
    let e = engine();
    let mut j = job("#set document(title: \"测试\")\n#set text(font: (\"FandolFang R\", \"Noto Serif CJK SC\"))\n正文\n#pdf.attach(\"/data/plan.yaml\", relationship: \"source\", mime-type: \"application/yaml\", description: \"计划\")\n");
    j.flavor = PdfFlavor::A3b;
    j.files = vec![("/data/plan.yaml".into(), "title: 测试\n".as_bytes().to_vec())];
    let out = e.compile(&j).unwrap_or_else(|e| panic!("{}", e.diagnostics.render(&e.sources)));
    let s = String::from_utf8_lossy(&out.pdf);
    assert!(s.contains("pdfaid:part>3<") || s.contains("pdfaid:part=\"3\""), "no PDF/A-3 XMP");
    // The attachment itself: exactly one, named data/plan.yaml (the path without its leading
    // `/`), byte-identical, read back by a PDF parser and by poppler's pdfdetach.
    let attached = ducha::archive::embedded_files(&out.pdf);
    assert_eq!(attached.len(), 1, "{:?}", attached.keys());
    assert_eq!(attached.get("data/plan.yaml").map(Vec::as_slice), Some("title: 测试\n".as_bytes()));
    let dir = temp_dir("engine-attach");
    let pdf = dir.join("a.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let list = tool_stdout(std::process::Command::new("pdfdetach").arg("-list").arg(&pdf));
    assert!(list.contains("1 embedded files") && list.contains("1: data/plan.yaml"), "{list}");
    let saved = dir.join("saved.yaml");
    let st = std::process::Command::new("pdfdetach").args(["-save", "1", "-o"]).arg(&saved).arg(&pdf).status().unwrap();
    assert!(st.success());
    assert_eq!(std::fs::read(&saved).unwrap(), "title: 测试\n".as_bytes());
}

/// The bytes of every document of a quarter do not depend on how many workers compile them, nor
/// on what typst's cache holds from an earlier run.
#[test]
fn bytes_do_not_depend_on_the_number_of_workers() {
    let checked = ducha::data::check(&root().join("data"));
    let ds = checked.dataset.expect("the bundled data is valid");
    let period = ds.latest_period().expect("a period");
    let year = ducha::status::evaluate_year(&ds, period);
    let summary = ducha::aggregate::summarize(&ds, &year);
    let templates = Templates::builtin();
    let rendered = ducha::pipeline::render_all(&ds, &year, &summary, &Default::default(), &templates, &[])
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
    let e = engine();
    let date = ds.office.issue_date(period);
    let run = |workers: usize| -> Vec<Vec<u8>> {
        let mut docs = rendered.clone();
        ducha::pipeline::compile_parallel(&e, &mut docs, date, PdfFlavor::Plain, workers, &|_, _| ())
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{:?}", e.diagnostics)).pdf)
            .collect()
    };
    let one = run(1);
    let two = run(2);
    ducha::engine::clear_cache();
    let three = run(3);
    assert_eq!(one.len(), rendered.len());
    assert!(one.len() >= 5, "{} documents", one.len());
    for (i, pdf) in one.iter().enumerate() {
        assert!(pdf.starts_with(b"%PDF-"), "document {i}");
        assert!(*pdf == two[i], "document {i}: one worker and two differ");
        assert!(*pdf == three[i], "document {i}: a cold cache and three workers differ");
    }
}

/// The notice's column fitting (`fit-task-columns` in templates/lib/notice.typ) measures lines
/// lazily, on the bound that a cluster is at most 4 em wide: 3 em for the widest glyph of a
/// bundled face plus 1/4 em of CJK–Latin spacing. The bundled faces must keep to it.
#[test]
fn no_bundled_glyph_is_wider_than_three_em() {
    let fonts = Fonts::load(&[]).expect("bundled fonts");
    assert!(fonts.paths.len() >= 10, "{:?}", fonts.paths);
    for (path, index) in &fonts.paths {
        let data = std::fs::read(path).expect("font file");
        let face = ttf_parser::Face::parse(&data, *index).expect("a font face");
        let advance = (0..face.number_of_glyphs())
            .filter_map(|g| face.glyph_hor_advance(ttf_parser::GlyphId(g)))
            .max()
            .unwrap_or(0);
        let widest = f64::from(advance) / f64::from(face.units_per_em());
        assert!(widest > 0.9 && widest <= 3.0, "{}#{index}: widest advance {widest} em", path.display());
    }
}

/// `fit-task-columns` measures a column's candidate lines as one text, each line ended by a
/// forced break, and takes its width for the widest line's (issue 22 §8). That holds when every
/// line is shaped as if it stood alone (up to float rounding: the same advances are summed in
/// another order, a difference of some 1e-14 pt, far below Typst's layout tolerance). Checked on every line of the bundled plan and reports
/// (split at line ends and at 、 as the columns split them) and on edge cases (spaces at either
/// end, full-width spaces, CJK punctuation, dashes, Latin runs), in the table's 仿宋 and 黑体, each
/// line once first, once in the middle and once last of three. The document prints how many
/// lines it compared, so a check that never ran cannot pass.
#[test]
fn a_text_of_lines_is_as_wide_as_its_widest_line() {
    fn strings(v: &serde_yaml::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_yaml::Value::String(s) => {
                for line in s.split('\n').flat_map(|l| l.split('、')) {
                    if !line.is_empty() && line.chars().count() <= 80 {
                        out.insert(line.to_owned());
                    }
                }
            }
            serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| strings(i, out)),
            serde_yaml::Value::Mapping(m) => m.values().for_each(|i| strings(i, out)),
            _ => {}
        }
    }
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut lines = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new(&data).sort_by_file_name() {
        let path = entry.unwrap().into_path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let value: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            strings(&value, &mut lines);
        }
    }
    assert!(lines.len() > 500, "{} lines", lines.len());
    for edge in [
        " 前有空格",
        "后有空格 ",
        " 两端 ",
        "　全角空格开头",
        "末尾全角空格　",
        "“引号”",
        "（括号）",
        "《书名》。",
        "，逗号开头",
        "。句号开头",
        "2023年1—3月",
        "——",
        "⸻",
        "…",
        "ABC汉字def",
        "100%",
        "序时75%",
        "a b  c",
        "tab\there",
        "１２３",
        "①②③",
        "≥90%",
        "https://example.com/a/b",
        "x",
    ] {
        lines.insert(edge.to_owned());
    }
    let literal: Vec<String> = lines.iter().map(|l| ducha::render::escape::string_literal(l)).collect();
    let source = format!(
        r#"#import "/lib/notice.typ": *
#import "/lib/gongwen.typ": fang, hei
#set page(width: 210mm, height: 297mm)
#let lines = ({},)
#context {{
  let n = lines.len()
  let bad = ()
  for f in (fang, hei) {{
    let w(s) = measure(text(font: f, size: table-size, tracking: 0pt, s)).width
    for i in range(n) {{
      let three = (lines.at(i), lines.at(calc.rem(i * 7 + 3, n)), lines.at(calc.rem(i + 1, n)))
      // (the widths are sums of advances taken in another order: equal up to rounding)
      if calc.abs((calc.max(..three.map(w)) - w(three.join("\n"))).pt()) > 1e-6 {{ bad.push(three) }}
    }}
  }}
  assert(bad.len() == 0, message: "one text is not as wide as its widest line: " + repr(bad.slice(0, calc.min(3, bad.len()))))
  [compared #n lines]
}}
"#,
        literal.join(", ")
    );
    let out = engine().compile(&job(&source)).unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
    let dir = temp_dir("engine-joined-lines");
    let pdf = dir.join("j.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let text = pdftotext(&pdf, None);
    assert!(text.contains(&format!("compared {} lines", lines.len())), "{text}");
}

/// The notice's pagination measures the 序号, 完成比例 and 状态 cells of fitted columns once per
/// line count and once per status instead of once per row (issue 22 §8). The heights of every
/// row, and so the pages, must be what measuring every cell gives: rows where such a cell is the
/// tallest (a short task with a three-line ratio, a status light), long texts, empty cells, 章节
/// rows. The document prints the row count and the heights' total, so a
/// check that never ran cannot pass.
#[test]
fn fitted_columns_paginate_as_if_every_cell_were_measured() {
    let source = r#"#import "/lib/notice.typ": *
#set page(width: 210mm, height: 297mm)
#let statuses = ("completed", "on_track", "lagging", "not_started", "other")
#let rows = ((section: "一、章节"),)
#for i in range(90) {
  let ratio = if calc.rem(i, 3) == 0 { "1\n2\n3" } else if calc.rem(i, 3) == 1 { "80%\n序时75%" } else { "" }
  rows.push((
    no: str(i + 1),
    task: if calc.rem(i, 4) == 0 { "短" } else { "推进重点项目建设" * (1 + calc.rem(i, 3)) },
    lead: "县发展改革局",
    target: if calc.rem(i, 5) == 0 { "" } else { "完成投资" + str(i) + "亿元" * calc.rem(i, 7) },
    progress: "进展情况" * calc.rem(i * 7, 23),
    ratio: ratio,
    status: statuses.at(calc.rem(i, 5)),
    light: if calc.rem(i, 2) == 0 { "red" } else { "" },
  ))
  if i == 40 { rows.push((section: "二、另一章节")) }
}
#context {
  let cols = fit-task-columns(rows, turned-width)
  let fitted = _paginate(rows, cols, table-size, turned-width, turned-height, 0pt, fitted: true)
  let every = _paginate(rows, cols, table-size, turned-width, turned-height, 0pt, fitted: false)
  assert(fitted.heights == every.heights, message: "heights differ")
  assert(fitted.pages == every.pages, message: "pages differ")
  assert(fitted.pages.len() >= 3, message: "too few pages")
  assert(task-table-pages(rows) == task-table-pages(rows, columns: cols), message: "public pages differ")
  [rows #rows.len() heights #calc.round(fitted.heights.sum().pt()) pages #fitted.pages.len()]
}
"#;
    let e = engine();
    let out = e.compile(&job(source)).unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
    let dir = temp_dir("engine-paginate");
    let pdf = dir.join("p.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let text = pdftotext(&pdf, None);
    assert!(text.contains("rows 92 heights"), "{text}");
    let pages: usize = text.split("pages").nth(1).and_then(|t| t.trim().parse().ok()).unwrap_or(0);
    assert!(pages >= 3, "{text}");
}

/// The readers the tests check PDFs with fail loudly on a file they cannot read (issue #22 §7:
/// `pdffonts`' exit status was ignored, so a broken PDF gave no rows and every “all fonts
/// embedded” loop passed).
#[test]
#[should_panic(expected = "pdffonts")]
fn pdffonts_on_a_broken_pdf_fails_the_test() {
    let dir = temp_dir("engine-broken");
    let pdf = dir.join("broken.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\nnot really a PDF\n").unwrap();
    let _ = pdffonts(&pdf);
}
