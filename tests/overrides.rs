//! The office's own prose (`reports/<period>/notice.md`) and the emitted Typst sources.

mod common;

use common::*;

#[test]
fn notice_md_replaces_and_appends_sections() {
    let tmp = temp_dir("override");
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    std::fs::write(
        data.join("reports/2023Q1/notice.md"),
        "## 下步工作要求\n\n一是**压实责任**抓落实。二是*聚焦短板*补弱项。\n\n## 结语（补充）\n\n请各单位于4月20日前报送整改清单 #1。\n\n## 不存在的部分\n\n忽略。\n",
    )
    .unwrap();
    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--only", "notice"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("“不存在的部分” 不对应通报的任何部分"), "{stderr}");
    let notice = squash(&pdftotext(&tmp.join("out/2023Q1/季度进展情况通报.pdf"), None));
    assert!(notice.contains("一是压实责任抓落实。二是聚焦短板补弱项。"), "{notice}");
    assert!(!notice.contains("锚定目标狠抓落实"), "the generated requirements must be replaced");
    assert!(notice.contains("持续跟踪督查"), "the generated closing stays");
    assert!(notice.contains("请各单位于4月20日前报送整改清单#1。"), "the appended text");
}

#[test]
fn emitted_sources_compile_without_ducha() {
    let tmp = temp_dir("emit");
    let out = ducha(
        &tmp,
        &["build", "--data", root().join("tests/fixtures/minimal").to_str().unwrap(), "--out", "out", "--emit-typst"],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let dir = tmp.join("out/2023Q1");
    assert!(dir.join("lib/gongwen.typ").is_file() && dir.join("lib/notice.typ").is_file());
    // An independent Typst 0.15 (the PyPI `typst` package, installed by scripts/test) compiles
    // the emitted source with only the bundled fonts and gives the same page count.
    let script = "import sys, typst\nb = typst.compile(sys.argv[1], font_paths=[sys.argv[2]], ignore_system_fonts=True)\nsys.stdout.buffer.write(b)\n";
    let res = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir.join("季度进展情况通报.typ"))
        .arg(root().join("fonts"))
        .output()
        .expect("python3");
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let standalone = dir.join("standalone.pdf");
    std::fs::write(&standalone, &res.stdout).unwrap();
    let pages = |p: &std::path::Path| pdftotext(p, None).matches('\u{c}').count();
    assert_eq!(pages(&standalone), pages(&dir.join("季度进展情况通报.pdf")));
    assert_eq!(
        squash(&pdftotext(&standalone, Some(1))),
        squash(&pdftotext(&dir.join("季度进展情况通报.pdf"), Some(1)))
    );
}
