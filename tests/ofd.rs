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
//! - Inside the package: every object id is unique, `MaxUnitID` is the largest id, every font file
//!   the resources name is present, and text objects carry `DeltaX` glyph positions.
//! - `DocInfo` title and author are the PDF's (PyMuPDF reads the PDF's metadata).
//! - Every XML part of every OFD (and of the archive's OFD-A copies) is valid against the
//!   GB/T 33190 XSDs as the crates.io package xsd-parser 1.5.2 ships them (lxml; scripts/test
//!   unpacks them into `<target>/ofdxsd/`), and every embedded font opens in fontTools with the
//!   tables a reader needs and loads in Chromium (`FontFace`), as `tests/ofd_check.py` checks.
//! - Bold (text the PDF fills and strokes) and the CMYK red are written as the PDF has them, and
//!   the 公文 custom tags cover every object of the notice once.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ducha, pdfdump, pdftotext, root, squash, temp_dir, text, zip_entries};
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

/// The target directory (where scripts/test puts ofd.js and the XSDs).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_ducha")).parent().unwrap().parent().unwrap().to_path_buf()
}

/// `tests/ofd_check.py CMD ARGS… FILES…` (exit status checked), its JSON.
fn ofd_check(cmd: &str, args: &[&Path], files: &[PathBuf]) -> Value {
    let o = Command::new("python3")
        .arg(root().join("tests/ofd_check.py"))
        .arg(cmd)
        .args(args)
        .args(files)
        .output()
        .expect("python3 is needed");
    assert!(o.status.success(), "ofd_check.py {cmd} failed: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Validates every XML part of `ofds` against the GB/T 33190 XSDs; returns the parts checked.
fn assert_schema_valid(ofds: &[PathBuf]) -> usize {
    let xsd = target_dir().join("ofdxsd");
    assert!(
        xsd.join("OFD.xsd").is_file(),
        "{} missing: run scripts/test (it unpacks the XSDs of the crates.io package xsd-parser 1.5.2 there)",
        xsd.display()
    );
    let res = ofd_check("schema", &[&xsd], ofds);
    let mut checked = 0;
    for ofd in ofds {
        let parts = res[ofd.to_str().unwrap()].as_object().unwrap();
        for (part, r) in parts {
            let errors = r["errors"].as_array().unwrap();
            assert!(errors.is_empty(), "{} {part} ({}): {errors:?}", ofd.display(), r["schema"]);
            if !r["schema"].is_null() {
                checked += 1;
            }
        }
        for must in ["OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml", "Doc_0/Pages/Page_0/Content.xml"] {
            assert!(!parts[must]["schema"].is_null(), "{}: {must} validated", ofd.display());
        }
    }
    checked
}

fn sorted_chars(s: &str) -> Vec<char> {
    let mut v: Vec<char> = squash(s).chars().collect();
    v.sort_unstable();
    v
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
        // Title and author as the PDF's own metadata has them (the author where the PDF names
        // one: the built documents leave it to the OFD's 发文机关, the archive's name it).
        let pdf_meta = &pdfdump(&pdf)["metadata"];
        assert_eq!(info["title"], pdf_meta["title"], "{}: DocInfo title is the PDF's", ofd.display());
        if pdf_meta["author"] != "" {
            assert_eq!(info["author"], pdf_meta["author"], "{}: DocInfo author is the PDF's", ofd.display());
        }
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
    let mut largest = 0;
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
                assert!(n <= max, "id {n} > MaxUnitID {max} in {name}");
                largest = largest.max(n);
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
    // GB/T 33190 (CommonData): MaxUnitID is the largest id in the document.
    assert_eq!(largest, max, "MaxUnitID of {} is the largest id", ofd.display());
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
    // The five documents carry an OFD-A, and so does each closed 督办 item's 件 (docs/rules.md
    // §19, its attachments checked in tests/orders_docs.rs).
    let all = manifest["entries"].as_array().unwrap();
    assert!(all.iter().all(|e| !e["ofd"].is_null()), "every 件 has its OFD-A");
    let entries: Vec<&Value> = all.iter().filter(|e| !e["key"].as_str().unwrap().starts_with("orders/")).collect();
    assert_eq!(entries.len(), 5);

    // The sources: plan.yaml, office.yaml and every 2023Q4 report, as the data dir holds them.
    let mut data: Vec<Vec<u8>> = vec![
        std::fs::read(root().join("data/plan.yaml")).unwrap(),
        std::fs::read(root().join("data/office.yaml")).unwrap(),
    ];
    for e in std::fs::read_dir(root().join("data/reports/2023Q4")).unwrap() {
        let path = e.unwrap().path();
        if path.is_file() {
            data.push(std::fs::read(path).unwrap());
        }
    }
    data.sort();
    // Accepted 佐证材料 ride along with the notice (docs/rules.md §21): the stored files.
    let evidence: Vec<Vec<u8>> = walkdir::WalkDir::new(root().join("data/evidence/objects"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    let mut ofds = Vec::new();
    for &e in &entries {
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
        let mut rest = attached.clone();
        for d in &data {
            let i = rest.iter().position(|a| a == d);
            assert!(i.is_some(), "{}: a source file is not attached byte for byte", file.display());
            rest.remove(i.unwrap());
        }
        assert!(
            rest.iter().all(|r| evidence.contains(r)),
            "{}: attachments are the sources and evidence",
            file.display()
        );
        let list = String::from_utf8_lossy(&files["Doc_0/Attachs/Attachments.xml"]).into_owned();
        assert!(list.contains("Name=\"plan.yaml\"") && list.contains("Name=\"2023Q4-县科技局.yaml\""), "{list}");
        assert_eq!(o["sources"].as_array().unwrap().len(), attached.len());
        ofds.push(file);
    }

    // ofdkit opens the OFD-A files too, and reads in their DocInfo the archival description the
    // PDF/A carries: the 档号 and 保管期限 of its keywords (PyMuPDF), the manifest's 全宗号.
    let o = Command::new("python3").arg(root().join("tests/ofd_read.py")).args(&ofds).output().unwrap();
    assert!(o.status.success());
    let read: Value = serde_json::from_slice(&o.stdout).unwrap();
    for (f, e) in ofds.iter().zip(entries.iter().copied()) {
        let k = &read[f.to_str().unwrap()]["ofdkit"];
        assert!(k.get("error").is_none(), "{}: {}", f.display(), k["error"]);
        assert!(!k["pages"].as_array().unwrap().is_empty());
        let custom = &k["info"]["custom_data"];
        let pdf_meta = pdfdump(&year.join(e["file"].as_str().unwrap()))["metadata"].clone();
        assert_eq!(k["info"]["title"], pdf_meta["title"], "{}: DocInfo title is the PDF/A's", f.display());
        assert_eq!(k["info"]["author"], pdf_meta["author"], "{}: DocInfo author is the PDF/A's", f.display());
        let keywords = pdf_meta["keywords"].as_str().unwrap().to_owned();
        let code = custom["档号"].as_str().unwrap_or_else(|| panic!("{}: 档号 in {custom}", f.display()));
        assert_eq!(code, e["archival_code"], "{}: 档号", f.display());
        assert!(keywords.contains(code), "{}: the PDF/A's keywords {keywords} hold the 档号 {code}", f.display());
        let retention = custom["保管期限"].as_str().unwrap();
        assert!(keywords.contains(&format!("保管期限：{retention}")), "{}: 保管期限 {retention}", f.display());
        assert_eq!(custom["全宗号"], e["fonds"], "{}: 全宗号", f.display());
        assert_eq!(custom["件号"], e["item"], "{}: 件号", f.display());
    }
    // Every XML part of the OFD-A copies (Attachments.xml with its xs:ID and xs:dateTime
    // attributes among them) valid against the GB/T 33190 XSDs.
    assert_schema_valid(&ofds);

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
/// ≥ 0.97 with a one-pixel anti-aliasing tolerance; the red mark and red rules drawn where the
/// PDF has them (ofd.js ignores the OFD's CMYK colour space, so their colour is checked in the
/// OFD itself); bold text as dark as the PDF's (at least 80 % of its dark pixels, where regular
/// text gives about half); the charts' hatched and dotted fills drawn as the PDF draws them
/// (colour match ≥ 0.9 inside them, where a solid fill gives about 0.7). ofd.js draws text with
/// the fonts the OFD names, found through a fontconfig holding only the project's fonts/.
#[test]
fn ofd_pages_render_like_the_pdf() {
    let ofd_js = target_dir().join("ofdjs/ofd.js");
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
    let (mut bold_pages, mut tiled_pages) = (0, 0);
    let mut worst = (1.0f64, String::new());
    for ofd in &ofds {
        let name = ofd.file_name().unwrap().to_string_lossy().into_owned();
        for p in res[ofd.to_str().unwrap()].as_array().unwrap() {
            let sim = p["similarity"].as_f64().unwrap();
            let page = p["page"].as_u64().unwrap();
            println!(
                "{name} p{page}: similarity {sim:.4}, ink {:.3}, red drawn {} / {}, bold {} / {}, hatched {:.3} ({} px)",
                p["ink_similarity"], p["red_inked"], p["red_pdf"], p["bold_ofd"], p["bold_pdf"], p["tiled"], p["tiled_px"]
            );
            if sim < worst.0 {
                worst = (sim, format!("{name} p{page}"));
            }
            assert!(sim >= 0.97, "{name} page {page}: similarity {sim:.4} < 0.97");
            let (red_pdf, red_inked) = (p["red_pdf"].as_f64().unwrap(), p["red_inked"].as_f64().unwrap());
            if red_pdf > 500.0 {
                assert!(
                    red_inked >= 0.9 * red_pdf,
                    "{name} page {page}: {red_inked} of the PDF's {red_pdf} red px drawn in the OFD"
                );
            }
            let (bold_pdf, bold_ofd) = (p["bold_pdf"].as_f64().unwrap(), p["bold_ofd"].as_f64().unwrap());
            if bold_pdf > 100.0 {
                bold_pages += 1;
                assert!(bold_ofd >= 0.8 * bold_pdf, "{name} page {page}: bold text {bold_ofd} dark px, PDF {bold_pdf}");
            }
            if p["tiled_px"].as_u64().unwrap() > 0 {
                tiled_pages += 1;
                let tiled = p["tiled"].as_f64().unwrap();
                assert!(tiled >= 0.9, "{name} page {page}: hatched fills match {tiled:.3} < 0.9");
            }
            pages += 1;
        }
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("2023Q4/manifest.json")).unwrap()).unwrap();
    let expected: u64 = manifest["documents"].as_array().unwrap().iter().map(|d| d["pages"].as_u64().unwrap()).sum();
    assert!(expected >= 27, "the bundled quarter has at least 27 pages, the manifest says {expected}");
    assert_eq!(pages, expected, "every page of every document rendered");
    assert!(bold_pages >= 1 && tiled_pages >= 1, "bold text on {bold_pages} pages, hatched fills on {tiled_pages}");
    println!("worst page: {} ({:.4})", worst.1, worst.0);
    let _ = std::fs::remove_dir_all(&out);
}

/// Every XML part of every OFD of the bundled quarter is valid against the GB/T 33190 XSDs, and
/// every embedded font is one a reader can load: fontTools opens it with the tables a reader
/// needs (OS/2, name, post, hhea/hmtx, cmap, head, maxp), its cmap maps every character drawn
/// with it, and Chromium's font sanitiser accepts it (`FontFace.load()` gives "loaded").
#[test]
fn ofd_parts_follow_the_schema_and_fonts_load() {
    let out = temp_dir("ofd-schema");
    let ofds = build(&out);
    let parts = assert_schema_valid(&ofds);
    assert!(parts >= 5 * 4, "{parts} parts validated");

    let fonts = ofd_check("fonts", &[], &ofds);
    let face = ofd_check("fontface", &[], &ofds);
    let mut n = 0;
    for ofd in &ofds {
        let key = ofd.to_str().unwrap();
        let list = fonts[key].as_array().unwrap();
        assert!(!list.is_empty(), "{}: fonts embedded", ofd.display());
        for f in list {
            assert!(f.get("error").is_none(), "{} {}: fontTools: {}", ofd.display(), f["file"], f["error"]);
            assert_eq!(f["missing"].as_array().unwrap().len(), 0, "{} {}: tables missing", ofd.display(), f["file"]);
            assert_eq!(f["unmapped"].as_array().unwrap().len(), 0, "{} {}: unmapped", ofd.display(), f["file"]);
            assert!(f["mapped_chars"].as_u64().unwrap() > 0, "{} {}: draws text", ofd.display(), f["file"]);
        }
        let loaded = face[key].as_array().unwrap_or_else(|| panic!("{}: {}", ofd.display(), face[key]));
        assert_eq!(loaded.len(), list.len(), "{}: every font given to Chromium", ofd.display());
        for f in loaded {
            assert_eq!(f["status"], "loaded", "{} {}: Chromium FontFace: {}", ofd.display(), f["file"], f["error"]);
            n += 1;
        }
    }
    println!("{parts} XML parts valid, {n} embedded fonts loaded");
    let _ = std::fs::remove_dir_all(&out);
}

/// The OFD draws what the PDF draws: text the PDF fills and strokes (the templates' bold) is a
/// stroked `TextObject` (Stroke, LineWidth = the PDF's stroke width, Weight 700) with the same
/// characters on the same page; every CMYK colour the PDF's pages set (the 红头 red) is a colour
/// of the OFD's CMYK colour space with the same components on that page. And the 公文 custom
/// tags of the notice: 版头, 主体 and 版记 hold their elements, the 版头's and 版记's own objects
/// are their rules, 抄送机关 and 印发机关和印发日期 hold text only, the 正文 and both 附件 are
/// tagged, and every object of the notice belongs to exactly one element.
#[test]
fn ofd_draws_bold_and_cmyk_as_the_pdf_and_tags_every_object() {
    let out = temp_dir("ofd-draw");
    let ofds = build(&out);
    let draw = ofd_check("draw", &[], &ofds);
    let (mut bold_pages, mut cmyk_pages) = (0, 0);
    for ofd in &ofds {
        let d = &draw[ofd.to_str().unwrap()];
        let (o, p) = (d["ofd"].as_array().unwrap(), d["pdf"].as_array().unwrap());
        assert_eq!(o.len(), p.len());
        for (i, (o, p)) in o.iter().zip(p).enumerate() {
            let page = format!("{} page {}", ofd.display(), i + 1);
            assert_eq!(
                sorted_chars(o["stroked"].as_str().unwrap()),
                sorted_chars(p["stroked"].as_str().unwrap()),
                "{page}: stroked (bold) text"
            );
            if !p["stroked"].as_str().unwrap().trim().is_empty() {
                bold_pages += 1;
                assert_eq!(o["line_widths"], p["stroke_widths"], "{page}: stroke width of bold text (mm)");
                assert_eq!(o["weights"], serde_json::json!(["700"]), "{page}: bold text has Weight 700");
            }
            assert_eq!(o["cmyk"], p["cmyk"], "{page}: CMYK colours");
            assert_eq!(o["unknown_spaces"].as_array().unwrap().len(), 0, "{page}: colour spaces exist");
            if !p["cmyk"].as_array().unwrap().is_empty() {
                cmyk_pages += 1;
            }
        }
    }
    assert!(bold_pages >= 1, "the bundled quarter has bold text (briefing)");
    assert!(cmyk_pages >= 3, "the red of the notice, briefing and leader pages is CMYK ({cmyk_pages} pages)");

    let notice: Vec<PathBuf> = ofds
        .iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("季度进展情况通报"))
        .cloned()
        .collect();
    let tags = &ofd_check("tags", &[], &notice)[notice[0].to_str().unwrap()];
    assert_eq!(tags["uncovered"], serde_json::json!([]), "every object of the notice is tagged");
    assert_eq!(tags["twice"], serde_json::json!([]), "no object in two elements");
    assert_eq!(tags["dangling"], serde_json::json!([]), "every reference names an object of its page");
    let tree = &tags["tree"];
    let parts: Vec<&str> =
        tree["children"].as_array().unwrap().iter().map(|c| c["element"].as_str().unwrap()).collect();
    let page_numbers = parts.iter().filter(|p| **p == "页码").count();
    assert_eq!(&parts[..3], &["版头", "主体", "版记"], "{parts:?}");
    assert!(parts[3..].iter().all(|p| *p == "页码") && page_numbers >= 10, "{parts:?}");
    let part = |name: &str| tree["children"].as_array().unwrap().iter().find(|c| c["element"] == name).unwrap().clone();
    let names = |p: &Value| -> Vec<String> {
        p["children"].as_array().unwrap().iter().map(|c| c["element"].as_str().unwrap().to_owned()).collect()
    };
    let (head, body, end) = (part("版头"), part("主体"), part("版记"));
    assert_eq!(names(&head), ["发文机关标志", "发文字号"]);
    let body_names = names(&body);
    assert_eq!(body_names[..7], ["标题", "主送机关", "正文", "附件说明", "发文机关署名", "成文日期", "附注"]);
    assert!(body_names.len() > 7 && body_names[7..].iter().all(|n| n == "附件"), "{body_names:?}");
    assert_eq!(names(&end), ["抄送机关", "印发机关和印发日期"]);
    // The parts' own objects: the red rule under the 版头, the rules of the 版记.
    for (p, n) in [(&head, 1), (&end, 2)] {
        let own = p["refs"].as_array().unwrap();
        assert!(own.len() >= n && own.iter().all(|r| r["kind"] == "PathObject"), "{}: {own:?}", p["element"]);
    }
    for e in end["children"].as_array().unwrap() {
        assert!(e["refs"].as_array().unwrap().iter().all(|r| r["kind"] == "TextObject"), "{}: text only", e["element"]);
    }
    let child = |p: &Value, name: &str| -> Vec<Value> {
        p["children"].as_array().unwrap().iter().filter(|c| c["element"] == name).cloned().collect()
    };
    // The 正文 spans pages and holds the body's text; each 附件 holds its tables' lines.
    let body_text = &child(&body, "正文")[0]["refs"];
    let body_pages: HashSet<&str> = body_text.as_array().unwrap().iter().map(|r| r["page"].as_str().unwrap()).collect();
    assert!(body_pages.len() >= 2, "正文 over {} pages", body_pages.len());
    let notice_pdf = notice[0].with_extension("pdf");
    let first = squash(&pdftotext(&notice_pdf, Some(1)));
    let body_first: String =
        body_text.as_array().unwrap().iter().take(5).map(|r| r["text"].as_str().unwrap().to_owned()).collect();
    assert!(!squash(&body_first).is_empty() && first.contains(&squash(&body_first)), "{body_first} on page 1");
    let attachments = child(&body, "附件");
    for a in &attachments {
        let refs = a["refs"].as_array().unwrap();
        assert!(refs.iter().any(|r| r["text"].as_str().unwrap_or("").starts_with("附件")), "附件 with its 附件N label");
    }
    let table_lines = attachments[0]["refs"].as_array().unwrap().iter().filter(|r| r["kind"] == "PathObject").count();
    assert!(table_lines > 100, "附件1 holds its table's lines ({table_lines})");
    let _ = std::fs::remove_dir_all(&out);
}
