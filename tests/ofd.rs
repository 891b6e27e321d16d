//! OFD output (`ducha build --format pdf,ofd`), read back by two OFD readers not written for
//! ducha, both from PyPI (`tests/ofd_read.py`: `python3 -m pip install ofdkit easyofd`,
//! installed by scripts/test): ofdkit and easyofd.
//!
//! - Every OFD of the bundled quarter opens in both readers without error (ofdkit's own
//!   structure checks report no warning); each reader's page count equals the PDF's, and each
//!   page's text holds exactly the characters of the PDF's page (pdftotext), white space aside —
//!   compared as multisets, since the readers give text in object order and pdftotext in its own
//!   reading order (table columns).
//! - `DocInfo` as ofdkit reads it: title, author (发文机关), creation date = issue date, 文号.
//! - manifest.json lists each OFD with its own sha256; a rebuild gives byte-identical OFDs; the
//!   20-page notice's OFD is no larger than its PDF; pages are A4 in millimetres.
//! - Inside the package: every object id is unique and below `MaxUnitID`, every font file the
//!   resources name is present, and text objects carry `DeltaX` glyph positions.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ducha, pdftotext, root, squash, temp_dir, text};
use serde_json::Value;

fn build(out: &Path) -> Vec<PathBuf> {
    let o = ducha(&root(), &["build", "--format", "pdf,ofd", "--out", out.to_str().unwrap()]);
    let (so, se) = text(&o);
    assert!(o.status.success(), "build failed:\n{so}\n{se}");
    let dir = out.join("2023Q4");
    let mut ofds: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ofd"))
        .collect();
    ofds.sort();
    ofds
}

fn sorted_chars(s: &str) -> Vec<char> {
    let mut v: Vec<char> = squash(s).chars().collect();
    v.sort_unstable();
    v
}

fn zip_entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.insert(f.name().unwrap().to_string(), b);
    }
    out
}

#[test]
fn bundled_quarter_as_ofd_read_by_two_readers() {
    let out = temp_dir("ofd");
    let ofds = build(&out);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("2023Q4/manifest.json")).unwrap()).unwrap();
    let docs = manifest["documents"].as_array().unwrap();
    assert_eq!(ofds.len(), docs.len(), "one OFD per document");
    assert_eq!(ofds.len(), 5);

    // manifest: each OFD with its own sha256.
    for d in docs {
        let ofd = &d["ofd"];
        let name = Path::new(ofd["path"].as_str().unwrap()).file_name().unwrap().to_owned();
        let bytes = std::fs::read(out.join("2023Q4").join(&name)).unwrap();
        assert_eq!(
            ofd["sha256"].as_str().unwrap(),
            ducha::pipeline::hex(&sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&bytes)))
        );
        assert_ne!(ofd["sha256"], d["sha256"]);
    }

    // Both readers.
    let o =
        Command::new("python3").arg(root().join("tests/ofd_read.py")).args(&ofds).output().expect("python3 is needed");
    assert!(o.status.success(), "ofd_read.py failed: {}", String::from_utf8_lossy(&o.stderr));
    let read: Value = serde_json::from_slice(&o.stdout).unwrap();
    let office = std::fs::read_to_string(root().join("data/office.yaml")).unwrap();
    let mut pages_checked = 0;
    for ofd in &ofds {
        let pdf = ofd.with_extension("pdf");
        let entry = &read[ofd.to_str().unwrap()];
        let doc = docs
            .iter()
            .find(|d| d["ofd"]["path"].as_str().unwrap().ends_with(ofd.file_name().unwrap().to_str().unwrap()))
            .unwrap();
        let n = doc["pages"].as_u64().unwrap() as usize;
        for reader in ["ofdkit", "easyofd"] {
            // A duplex document may hold one blank verso before its last page (the 版记 falls on
            // an even page); its OFD page must then be blank too. Every other page has text.
            let mut blank = Vec::new();
            let r = &entry[reader];
            assert!(r.get("error").is_none(), "{reader} could not read {}: {}", ofd.display(), r["error"]);
            let pages = r["pages"].as_array().unwrap();
            assert_eq!(pages.len(), n, "{reader}: page count of {}", ofd.display());
            for (i, t) in pages.iter().enumerate() {
                let want = pdftotext(&pdf, Some(i + 1));
                let got = t.as_str().unwrap();
                if squash(&want).is_empty() {
                    blank.push(i + 1);
                } else {
                    assert!(squash(&want).chars().count() > 10, "page {} of {} has text", i + 1, pdf.display());
                }
                assert_eq!(
                    sorted_chars(got),
                    sorted_chars(&want),
                    "{reader}: text of page {} of {} differs from the PDF's:\nOFD: {got}\nPDF: {want}",
                    i + 1,
                    ofd.display()
                );
                pages_checked += 1;
            }
            assert!(
                blank.is_empty() || (blank.len() == 1 && blank[0] > 1 && blank[0] + 1 == n),
                "blank pages {blank:?} of {n} in {}: at most one, just before the last",
                pdf.display()
            );
        }
        let k = &entry["ofdkit"];
        assert_eq!(
            k["warnings"].as_array().unwrap().len(),
            0,
            "ofdkit warnings on {}: {}",
            ofd.display(),
            k["warnings"]
        );
        for s in k["sizes"].as_array().unwrap() {
            assert_eq!((s[0].as_f64().unwrap(), s[1].as_f64().unwrap()), (210.0, 297.0), "A4 in mm");
        }
        let info = &k["info"];
        assert_eq!(info["title"], doc["title"]);
        assert_eq!(info["creation_date"], "2024-01-15", "issue date of 2023Q4");
        let author = info["author"].as_str().unwrap();
        assert!(!author.is_empty() && office.contains(author), "author {author} is the office's issuer");
        assert!(!info["custom_data"]["文号"].as_str().unwrap_or("").is_empty(), "文号 in CustomDatas");
        assert!(entry["easyofd"]["paths"].as_array().unwrap().iter().any(|p| p.as_u64().unwrap() > 0), "paths drawn");
    }
    assert!(pages_checked >= 2 * 27, "{pages_checked} pages compared");

    // Size: the notice's OFD no larger than its PDF.
    let notice = out.join("2023Q4/季度进展情况通报");
    let (ofd_len, pdf_len) = (
        std::fs::metadata(notice.with_extension("ofd")).unwrap().len(),
        std::fs::metadata(notice.with_extension("pdf")).unwrap().len(),
    );
    assert!(ofd_len <= pdf_len, "notice OFD {ofd_len} B > PDF {pdf_len} B");

    // Reproducible: a second build gives the same bytes.
    let again = temp_dir("ofd-again");
    let ofds2 = build(&again);
    for (a, b) in ofds.iter().zip(&ofds2) {
        assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap(), "{} not byte-identical", a.display());
    }

    // Inside the packages.
    for ofd in &ofds {
        check_package(ofd);
    }
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&again);
}

/// Structure checks the readers do not make: unique ids below MaxUnitID, font files present,
/// glyph positions on text, tag references pointing at objects of their page.
fn check_package(ofd: &Path) {
    let files = zip_entries(ofd);
    let s = |name: &str| {
        String::from_utf8(files.get(name).unwrap_or_else(|| panic!("{name} in {}", ofd.display())).clone()).unwrap()
    };
    let root_xml = s("OFD.xml");
    assert!(root_xml.contains("DocType=\"OFD\""), "{root_xml}");
    let document = s("Doc_0/Document.xml");
    let max: u64 = between(&document, "<ofd:MaxUnitID>", "</ofd:MaxUnitID>").parse().unwrap();
    let mut ids = HashSet::new();
    let mut page_objects: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut textless = Vec::new();
    for (name, data) in &files {
        if !name.ends_with(".xml") {
            continue;
        }
        let x = String::from_utf8(data.clone()).unwrap();
        for part in x.split(" ID=\"").skip(1) {
            let id = part.split('"').next().unwrap().to_owned();
            if let Ok(n) = id.parse::<u64>() {
                assert!(n < max, "id {n} ≥ MaxUnitID {max} in {name}");
                assert!(ids.insert(id.clone()), "id {id} used twice ({name}, {})", ofd.display());
                if name.ends_with("Content.xml") {
                    page_objects.entry(name.clone()).or_default().insert(id);
                }
            }
        }
        if name.ends_with("Content.xml") && !x.contains("<ofd:TextObject") {
            // The blank verso before a duplex document's last page (checked against the PDF above).
            textless.push(name.clone());
        } else if name.ends_with("Content.xml") {
            assert!(x.contains("DeltaX=\""), "{name}: text with glyph positions");
            if name.ends_with("Page_0/Content.xml") {
                // The first page has the red rule under the 版头 (or the briefing's rules).
                assert!(x.contains("<ofd:PathObject") && x.contains("StrokeColor"), "{name}: paths");
            }
        }
    }
    assert!(textless.len() <= 1, "pages without text in {}: {textless:?}", ofd.display());
    let public = s("Doc_0/PublicRes.xml");
    let fonts: Vec<&str> = public.split("<ofd:FontFile>").skip(1).map(|p| p.split('<').next().unwrap()).collect();
    assert!(!fonts.is_empty());
    for f in fonts {
        let data = files.get(&format!("Doc_0/Res/{f}")).unwrap_or_else(|| panic!("font {f} in {}", ofd.display()));
        let face = ttf_parser::Face::parse(data, 0).expect("embedded font parses");
        assert!(face.number_of_glyphs() > 1 && face.number_of_glyphs() < 5000, "{f} is a subset");
    }
    // Custom tags: each ObjectRef names an object drawn on the page it names.
    let name = ofd.file_name().unwrap().to_string_lossy().into_owned();
    let expected: &[&str] = if name.starts_with("季度进展情况通报") {
        &[
            "发文机关标志",
            "发文字号",
            "标题",
            "主送机关",
            "附件说明",
            "发文机关署名",
            "成文日期",
            "抄送机关",
            "印发机关和印发日期",
        ]
    } else if name.starts_with("督办通知单") {
        &["发文机关署名", "成文日期"]
    } else {
        // 简报 and 领导参阅 are not 文件 and have none of these elements.
        return;
    };
    let tags = s("Doc_0/Tags/GongWen.xml");
    assert!(s("Doc_0/Tags/CustomTags.xml").contains("GongWen.xml"));
    let page_files: BTreeMap<String, String> = document
        .split("<ofd:Page ID=\"")
        .skip(1)
        .map(|p| {
            let id = p.split('"').next().unwrap().to_owned();
            (id, format!("Doc_0/{}", between(p, "BaseLoc=\"", "\"")))
        })
        .collect();
    let mut refs = 0;
    for r in tags.split("<ofd:ObjectRef PageRef=\"").skip(1) {
        let page = r.split('"').next().unwrap();
        let obj = between(r, ">", "<");
        let file = &page_files[page];
        assert!(page_objects[file].contains(obj), "tag points at object {obj} not on page {page}");
        refs += 1;
    }
    assert!(refs > 0);
    for e in expected {
        assert!(tags.contains(&format!("<gw:{e}>")), "{name}: {e} tagged\n{tags}");
    }
}

fn between<'a>(s: &'a str, a: &str, b: &str) -> &'a str {
    s.split(a).nth(1).and_then(|r| r.split(b).next()).unwrap_or("")
}

/// `ducha archive --format pdf,ofd`: OFD-A beside each PDF/A, the sources attached byte for byte,
/// catalogued in the archive manifest; ofdkit opens them; `archive verify` passes, and catches an
/// altered attachment inside an OFD.
#[test]
fn archive_files_ofd_a_with_sources_attached() {
    let tmp = temp_dir("ofd-archive");
    let ar = tmp.join("archive");
    let o = ducha(&root(), &["archive", "--format", "pdf,ofd", "--archive", ar.to_str().unwrap()]);
    let (so, se) = text(&o);
    assert!(o.status.success(), "archive failed:\n{so}\n{se}");
    let year = ar.join("2024");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(year.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5);

    // The sources: plan.yaml, office.yaml and every 2023Q4 report, as the data dir holds them.
    let mut data: Vec<Vec<u8>> = vec![
        std::fs::read(root().join("data/plan.yaml")).unwrap(),
        std::fs::read(root().join("data/office.yaml")).unwrap(),
    ];
    for e in std::fs::read_dir(root().join("data/reports/2023Q4")).unwrap() {
        data.push(std::fs::read(e.unwrap().path()).unwrap());
    }
    data.sort();
    let mut ofds = Vec::new();
    for e in entries {
        let o = &e["ofd"];
        let file = year.join(o["file"].as_str().unwrap());
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(
            o["sha256"].as_str().unwrap(),
            ducha::pipeline::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes))
        );
        let files = zip_entries(&file);
        assert!(String::from_utf8_lossy(&files["OFD.xml"]).contains("DocType=\"OFD-A\""));
        let mut attached: Vec<Vec<u8>> = files
            .iter()
            .filter(|(n, _)| n.starts_with("Doc_0/Attachs/") && !n.ends_with("Attachments.xml"))
            .map(|(_, b)| b.clone())
            .collect();
        attached.sort();
        assert_eq!(attached, data, "{}: attachments are the sources, byte for byte", file.display());
        let list = String::from_utf8_lossy(&files["Doc_0/Attachs/Attachments.xml"]).into_owned();
        assert!(list.contains("Name=\"plan.yaml\"") && list.contains("Name=\"2023Q4-县科技局.yaml\""), "{list}");
        assert_eq!(o["sources"].as_array().unwrap().len(), data.len());
        ofds.push(file);
    }

    // ofdkit opens the OFD-A files too.
    let o = Command::new("python3").arg(root().join("tests/ofd_read.py")).args(&ofds).output().unwrap();
    assert!(o.status.success());
    let read: Value = serde_json::from_slice(&o.stdout).unwrap();
    for f in &ofds {
        let k = &read[f.to_str().unwrap()]["ofdkit"];
        assert!(k.get("error").is_none(), "{}: {}", f.display(), k["error"]);
        assert!(!k["pages"].as_array().unwrap().is_empty());
    }

    let v = ducha(&root(), &["archive", "verify", ar.to_str().unwrap()]);
    assert!(v.status.success(), "verify: {:?}", text(&v));

    // Alter one attachment inside one OFD: verify names the file and the attachment.
    let victim = &ofds[0];
    let files = zip_entries(victim);
    let mut w = zip::ZipWriter::new(std::fs::File::create(victim).unwrap());
    for (name, bytes) in &files {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        let mut b = bytes.clone();
        if name == "Doc_0/Attachs/attach_0.yaml" {
            b.extend_from_slice(b"# changed\n");
        }
        std::io::Write::write_all(&mut w, &b).unwrap();
    }
    w.finish().unwrap();
    let v = ducha(&root(), &["archive", "verify", ar.to_str().unwrap()]);
    let (_, err) = text(&v);
    assert_eq!(v.status.code(), Some(1));
    assert!(err.contains("内容已被改动") && err.contains("缺失或与清单不符"), "{err}");
    assert!(err.contains(victim.file_name().unwrap().to_str().unwrap()), "{err}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Every page of every OFD of the bundled quarter rendered by a third reader, ofd.js (npm
/// `ofd.js` 0.2.6, JavaScript, in headless Chromium; installed by scripts/test into
/// `<target>/ofdjs/`), matches the PDF's page rendered by PyMuPDF at 96 ppi: pixel similarity
/// ≥ 0.97 with a one-pixel anti-aliasing tolerance, and the GB/T 9704 red present where the PDF
/// has it (red mark, red rules). ofd.js draws text with the fonts the OFD names, found through a
/// fontconfig holding only the project's fonts/.
#[test]
fn ofd_pages_render_like_the_pdf() {
    let target = Path::new(env!("CARGO_BIN_EXE_ducha")).parent().unwrap().parent().unwrap().to_path_buf();
    let ofd_js = target.join("ofdjs/ofd.js");
    assert!(
        ofd_js.is_file(),
        "{} missing: run scripts/test (it fetches the npm package ofd.js@0.2.6 there)",
        ofd_js.display()
    );
    let out = temp_dir("ofd-render");
    let ofds = build(&out);
    let o = Command::new("python3")
        .arg(root().join("tests/ofd_render.py"))
        .arg(&ofd_js)
        .arg(root().join("fonts"))
        .args(&ofds)
        .output()
        .expect("python3 is needed");
    assert!(o.status.success(), "ofd_render.py failed: {}", String::from_utf8_lossy(&o.stderr));
    let res: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut pages: u64 = 0;
    let mut worst = (1.0f64, String::new());
    for ofd in &ofds {
        let name = ofd.file_name().unwrap().to_string_lossy().into_owned();
        for p in res[ofd.to_str().unwrap()].as_array().unwrap() {
            let sim = p["similarity"].as_f64().unwrap();
            let page = p["page"].as_u64().unwrap();
            println!(
                "{name} p{page}: similarity {sim:.4}, ink {:.3}, red {} / {}",
                p["ink_similarity"], p["red_ofd"], p["red_pdf"]
            );
            if sim < worst.0 {
                worst = (sim, format!("{name} p{page}"));
            }
            assert!(sim >= 0.97, "{name} page {page}: similarity {sim:.4} < 0.97");
            let (red_pdf, red_ofd) = (p["red_pdf"].as_f64().unwrap(), p["red_ofd"].as_f64().unwrap());
            if red_pdf > 500.0 {
                assert!(
                    red_ofd >= 0.5 * red_pdf,
                    "{name} page {page}: red {red_ofd} px in the OFD, {red_pdf} in the PDF"
                );
            }
            pages += 1;
        }
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("2023Q4/manifest.json")).unwrap()).unwrap();
    let expected: u64 = manifest["documents"].as_array().unwrap().iter().map(|d| d["pages"].as_u64().unwrap()).sum();
    assert!(expected >= 27, "the bundled quarter has at least 27 pages, the manifest says {expected}");
    assert_eq!(pages, expected, "every page of every document rendered");
    println!("worst page: {} ({:.4})", worst.1, worst.0);
    let _ = std::fs::remove_dir_all(&out);
}
