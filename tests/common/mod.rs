//! Shared test harness: temporary directories, fixture copies, running the binary, reading PDFs
//! with poppler-utils.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty temporary directory unique to this test (`ducha-test-<name>-<random>`, created
/// by `tempfile`); kept after the test, so a failure can be looked at.
pub fn temp_dir(name: &str) -> PathBuf {
    tempfile::Builder::new().prefix(&format!("ducha-test-{name}-")).tempdir().unwrap().keep()
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Runs the ducha binary with `args` in `cwd`.
pub fn ducha(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DUCHA_DATA")
        .output()
        .expect("run ducha")
}

/// stdout and stderr as strings.
pub fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// Compares `actual` with the file `expected`; with `DUCHA_BLESS=1` (exactly that variable and
/// value, so nothing inherited from the environment re-blesses by accident) rewrites it instead.
pub fn assert_snapshot(expected: &Path, actual: &str) {
    if std::env::var("DUCHA_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected)
        .unwrap_or_else(|_| panic!("missing snapshot {}; run with DUCHA_BLESS=1 to create it", expected.display()));
    assert_eq!(actual, want, "snapshot {} differs (DUCHA_BLESS=1 to update after review)", expected.display());
}

/// `pdftotext -layout` of a PDF (whole document or one page).
pub fn pdftotext(pdf: &Path, page: Option<usize>) -> String {
    let mut cmd = Command::new("pdftotext");
    if let Some(p) = page {
        cmd.args(["-f", &p.to_string(), "-l", &p.to_string()]);
    }
    tool_stdout(cmd.arg(pdf).arg("-"))
}

/// Text with all white space removed (pdftotext puts spaces between CJK and Latin runs).
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The standard output of a reading tool that must succeed: a failed run (a file the tool
/// cannot read, a missing tool) fails the test instead of giving empty output to check against.
pub fn tool_stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?} could not run (scripts/test installs it): {e}"));
    assert!(out.status.success(), "{cmd:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `pdffonts` rows: (name, type, emb, sub). The tool must succeed and print its table header.
pub fn pdffonts(pdf: &Path) -> Vec<(String, String, bool, bool)> {
    let s = tool_stdout(Command::new("pdffonts").arg(pdf));
    assert!(s.starts_with("name "), "pdffonts printed no table for {}:\n{s}", pdf.display());
    s.lines()
        .skip(2)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            if cols.len() < 7 {
                return None;
            }
            // name type [type2] encoding emb sub uni object ID
            let n = cols.len();
            Some((cols[0].to_owned(), cols[1].to_owned(), cols[n - 5] == "yes", cols[n - 4] == "yes"))
        })
        .collect()
}

/// One word box from `pdftotext -bbox-layout`: page (1-based), text, xMin, yMin, xMax, yMax in pt.
#[derive(Debug, Clone)]
pub struct Word {
    pub page: usize,
    pub text: String,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

/// Every word of a PDF with its box (points from the page's top-left).
pub fn words(pdf: &Path) -> Vec<Word> {
    let s = tool_stdout(Command::new("pdftotext").args(["-bbox-layout"]).arg(pdf).arg("-"));
    let mut page = 0;
    let mut words = Vec::new();
    for line in s.lines() {
        let l = line.trim();
        if l.starts_with("<page ") {
            page += 1;
        } else if l.starts_with("<word ") {
            let attr = |name: &str| -> f64 {
                let key = format!("{name}=\"");
                let start = l.find(&key).unwrap() + key.len();
                l[start..].split('"').next().unwrap().parse().unwrap()
            };
            let text = l.split('>').nth(1).unwrap_or("").split('<').next().unwrap_or("");
            words.push(Word {
                page,
                text: unescape(text),
                x0: attr("xMin"),
                y0: attr("yMin"),
                x1: attr("xMax"),
                y1: attr("yMax"),
            });
        }
    }
    words
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Millimetres from points.
pub fn mm(pt: f64) -> f64 {
    pt * 25.4 / 72.0
}

/// PyMuPDF's view of a PDF (`tests/pdfdump.py`): pages with their size, text spans and drawings.
pub fn pdfdump(pdf: &Path) -> serde_json::Value {
    let out = Command::new("python3")
        .arg(root().join("tests/pdfdump.py"))
        .arg(pdf)
        .output()
        .expect("python3 with PyMuPDF (scripts/test installs it)");
    assert!(out.status.success(), "pdfdump failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The files of a zip package (an OFD, a .docx), by name.
pub fn zip_entries(path: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.insert(f.name().unwrap().to_string(), b);
    }
    out
}

/// Sets `orders.reminder` in `data`'s office.yaml (docs/rules.md §19 “提醒”) to a python script
/// (written to `root/record.py`) that appends its standard input, one JSON line per run, to
/// `root/received.jsonl`. Returns that file and office.yaml as it was.
pub fn recording_reminder(root: &Path, data: &Path) -> (PathBuf, String) {
    let script = root.join("record.py");
    std::fs::write(
        &script,
        "import sys\nwith open(sys.argv[1], 'a', encoding='utf-8') as f:\n    f.write(sys.stdin.read().strip() + '\\n')\n",
    )
    .unwrap();
    let got = root.join("received.jsonl");
    let office = std::fs::read_to_string(data.join("office.yaml")).unwrap();
    let line = "  workdays: []               # 本地增加的调休上班日\n";
    assert!(office.contains(line), "office.yaml's orders: section changed");
    let with = office.replace(
        line,
        &format!(
            "{line}  reminder:\n    program: python3\n    args: [{:?}, {:?}]\n",
            script.display().to_string(),
            got.display().to_string()
        ),
    );
    std::fs::write(data.join("office.yaml"), with).unwrap();
    (got, office)
}
