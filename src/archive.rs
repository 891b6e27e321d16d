//! Archiving the official record (DA/T 22-2015; supervision.md §12).
//!
//! `archive` files each document of a period as PDF/A-3b with its sources attached inside the PDF
//! (plan.yaml, office.yaml, every report of the period, notice.md), the 档号 and 文号 in the XMP
//! metadata, into `archive/<year>/` (year = the year the document was issued), with a manifest
//! and a 归档文件目录 PDF. The archive is append-only: a document already filed with other content
//! is refused unless `revise` is set, which files a new revision and keeps the old one; filing
//! unchanged documents again changes nothing. Every file is written to a temporary name and
//! renamed, the manifest last, so an interrupted run leaves the previous archive valid.
//!
//! `verify` recomputes every hash, checks each PDF's attachments against the manifest, and
//! reports every missing, altered or unexpected file.
//!
//! 件号 are assigned per (year, 保管期限) without gaps, in filing order; a document keeps its 件号
//! across revisions. 档号 = `全宗号-WS·年度-保管期限-机构代码-件号`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data::model::retention_label;
use crate::diag::{Diagnostic, Diagnostics};
use crate::engine::{Engine, Job, PdfFlavor};
use crate::pipeline::{self, hex, BuildError, BuildOptions, Prepared};
use crate::render::escape::string_literal;

/// The manifest file name inside `archive/<year>/`.
pub const MANIFEST: &str = "manifest.json";
/// The catalogue file name.
pub const CATALOGUE: &str = "归档文件目录.pdf";

/// `archive/<year>/manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub year: i32,
    pub entries: Vec<Entry>,
    /// The 归档文件目录 PDF: file and sha256.
    pub catalogue: Option<FileRef>,
}

/// One archived file (one revision of one 件).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Identity of the document across runs: `<period>/<stem>`.
    pub key: String,
    pub revision: u32,
    /// 件号, 4 digits.
    pub item: String,
    /// 档号
    pub archival_code: String,
    /// 文号 or 期号
    pub doc_number: String,
    pub title: String,
    /// 责任者
    pub issuer: String,
    /// 日期, `20240115`
    pub date: String,
    /// 保管期限 code (Y, D30, D10) and label.
    pub retention: String,
    pub retention_label: String,
    /// 全宗号
    pub fonds: String,
    /// 密级 (empty: 公开).
    pub classification: String,
    pub file: String,
    pub sha256: String,
    pub size: u64,
    pub pages: usize,
    /// Attached sources: name inside the PDF and sha256 of its bytes.
    pub sources: Vec<FileRef>,
    /// The OFD-A copy (`archive --format ofd`), with the same sources as OFD attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd: Option<OfdRef>,
}

/// An archived OFD-A file: name, sha256, size, and its attachments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfdRef {
    pub file: String,
    pub sha256: String,
    pub size: u64,
    pub sources: Vec<FileRef>,
}

/// A file name and its sha256.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileRef {
    pub name: String,
    pub sha256: String,
}

/// Options of an archive run.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    pub build: BuildOptions,
    /// The archive root (`archive/`).
    pub root: PathBuf,
    /// File changed documents as new revisions instead of refusing.
    pub revise: bool,
    /// Print the 归档章 box in the top margin of page 1.
    pub stamp: bool,
    /// Also file each document as OFD-A beside its PDF/A.
    pub ofd: bool,
}

/// What an archive run did.
#[derive(Debug, Clone, Default)]
pub struct ArchiveReport {
    pub dir: PathBuf,
    /// (file, 档号) newly filed.
    pub added: Vec<(String, String)>,
    /// (file, 档号) filed as a new revision.
    pub revised: Vec<(String, String)>,
    /// Files already filed with identical content.
    pub unchanged: Vec<String>,
    /// OFD-A files filed in this run.
    pub ofd: Vec<String>,
    pub warnings: Diagnostics,
    pub sources: crate::diag::SourceMap,
}

/// A document ready to be filed.
struct Candidate {
    key: String,
    /// 件号: the filed one for a known document, else the next free one.
    item: String,
    title: String,
    doc_number: String,
    retention: String,
    pdf: Vec<u8>,
    /// The OFD-A, when asked for.
    ofd: Option<Vec<u8>>,
    pages: usize,
    sources: Vec<FileRef>,
}

/// Files the period's documents into the archive.
pub fn archive(opts: &ArchiveOptions) -> Result<ArchiveReport, BuildError> {
    let mut build = opts.build.clone();
    build.flavor = PdfFlavor::A3b;
    let prepared = pipeline::prepare(&build)?;
    let Prepared { ds, period, rendered, fonts, templates, warnings, sources: source_map, files, .. } = prepared;
    let date = ds.office.issue_date(period);
    let year = date.year;
    let dir = opts.root.join(year.to_string());
    let err = |msg: String| BuildError {
        diagnostics: Diagnostics(vec![Diagnostic::error(msg)]),
        sources: Default::default(),
    };

    let mut manifest = read_manifest(&dir).map_err(|e| err(format!("无法读取归档清单：{e}")))?.unwrap_or(Manifest {
        year,
        entries: Vec::new(),
        catalogue: None,
    });

    // Sources attached to every document: the plan, the office conventions, the period's reports.
    let period_dir = format!("/reports/{period}/");
    let mut attached: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, path) in &files {
        let is_common = name.ends_with("/plan.yaml") || name.ends_with("/office.yaml") || name == "plan.yaml";
        if is_common || name.contains(&period_dir) {
            let bytes = std::fs::read(path).map_err(|e| err(format!("无法读取 {name}：{e}")))?;
            attached.push((attachment_name(name, period), bytes));
        }
    }
    attached.sort();
    let refs: Vec<FileRef> =
        attached.iter().map(|(n, b)| FileRef { name: n.clone(), sha256: hex(&Sha256::digest(b)) }).collect();

    let engine = Engine::new(fonts, &templates);
    let office = &ds.office;
    let mut candidates = Vec::new();
    let mut errors = Diagnostics::default();
    let mut source_map = source_map;
    for r in &rendered {
        let retention = office.archive.retention_of(r.kind.id()).to_owned();
        let key = format!("{period}/{}", r.stem);
        // The 档号 goes into the XMP metadata, so it must be known before compiling.
        let existing = manifest.entries.iter().find(|e| e.key == key);
        let item = match existing {
            Some(e) => e.item.clone(),
            None => next_item(&manifest, &retention, &candidates),
        };
        let code = archival_code(&office.archive.fonds, year, &retention, &office.archive.org_code, &item);
        let mut source = format!(
            "#set document(author: {}, keywords: ({}, {}, {}))\n",
            string_literal(&office.issuer_name),
            string_literal(&code),
            string_literal(&r.number),
            string_literal(&format!("保管期限：{}", retention_label(&retention))),
        );
        if opts.stamp {
            source.push_str(&stamp(&office.archive.fonds, year, &retention, &office.archive.org_code, &item));
        }
        source.push_str(&r.source);
        source.push('\n');
        for (name, _) in &attached {
            source.push_str(&format!(
                "#pdf.attach({}, relationship: \"source\", mime-type: {}, description: {})\n",
                string_literal(&format!("/{name}")),
                string_literal(if name.ends_with(".md") { "text/markdown" } else { "application/yaml" }),
                string_literal(&format!("归档源文件 {name}")),
            ));
        }
        let job = Job {
            name: format!("{}.typ", r.stem),
            source,
            date,
            ident: format!("ducha-archive/{key}"),
            flavor: PdfFlavor::A3b,
            files: attached.iter().map(|(n, b)| (format!("/{n}"), b.clone())).collect(),
        };
        let compiled = engine.compile(&job).and_then(|c| {
            if !opts.ofd {
                return Ok((c, None));
            }
            let meta = crate::ofd::Meta {
                title: r.title.clone(),
                author: office.issuer_name.clone(),
                date,
                number: r.number.clone(),
                ident: job.ident.clone(),
                archival: true,
                attachments: attached.clone(),
            };
            match crate::ofd::write(&c.document, &meta) {
                Ok(ofd) => Ok((c, Some(ofd))),
                Err(e) => Err(crate::engine::CompileError {
                    diagnostics: Diagnostics(vec![Diagnostic::error(format!("{}：OFD 导出失败：{e}", r.stem))]),
                    sources: Default::default(),
                }),
            }
        });
        match compiled {
            Ok((c, ofd)) => candidates.push(Candidate {
                ofd,
                key,
                item: item.clone(),
                title: r.title.clone(),
                doc_number: r.number.clone(),
                retention: retention.clone(),
                pages: c.document.pages().len(),
                pdf: c.pdf,
                sources: refs.clone(),
            }),
            Err(e) => {
                errors.extend(e.diagnostics);
                source_map.extend(e.sources);
            }
        }
        crate::engine::evict_cache();
    }
    if errors.has_errors() {
        return Err(BuildError { diagnostics: errors, sources: source_map });
    }

    // Decide, for every candidate, before writing anything: append-only.
    let mut report = ArchiveReport { dir: dir.clone(), warnings, sources: source_map, ..Default::default() };
    let mut refused = Diagnostics::default();
    let mut writes: Vec<(String, Vec<u8>)> = Vec::new();
    for c in candidates {
        let (key, item) = (c.key.clone(), c.item.clone());
        let sha = hex(&Sha256::digest(&c.pdf));
        let latest = manifest.entries.iter().filter(|e| e.key == key).max_by_key(|e| e.revision).cloned();
        let ofd_sha = c.ofd.as_ref().map(|o| hex(&Sha256::digest(o)));
        let revision = match &latest {
            // Unchanged: the same PDF, and the same OFD when one is filed now.
            Some(e)
                if e.sha256 == sha && (ofd_sha.is_none() || e.ofd.as_ref().map(|o| &o.sha256) == ofd_sha.as_ref()) =>
            {
                report.unchanged.push(e.file.clone());
                continue;
            }
            Some(e) if !opts.revise => {
                refused.push(refusal(e, &c, &sha));
                continue;
            }
            Some(e) => e.revision + 1,
            None => 1,
        };
        let item = latest.as_ref().map(|e| e.item.clone()).unwrap_or(item);
        let code = archival_code(&office.archive.fonds, year, &c.retention, &office.archive.org_code, &item);
        let file = file_name(&c.retention, &item, &c.title, revision);
        let entry = Entry {
            key: key.clone(),
            revision,
            item,
            archival_code: code.clone(),
            doc_number: c.doc_number,
            title: c.title,
            issuer: office.issuer_name.clone(),
            date: format!("{}{:02}{:02}", date.year, date.month, date.day),
            retention_label: retention_label(&c.retention).to_owned(),
            retention: c.retention,
            fonds: office.archive.fonds.clone(),
            classification: String::new(),
            file: file.clone(),
            sha256: sha,
            size: c.pdf.len() as u64,
            pages: c.pages,
            ofd: match (&c.ofd, &ofd_sha) {
                (Some(o), Some(h)) => Some(OfdRef {
                    file: file.replace(".pdf", ".ofd"),
                    sha256: h.clone(),
                    size: o.len() as u64,
                    sources: c.sources.clone(),
                }),
                _ => None,
            },
            sources: c.sources,
        };
        if revision == 1 {
            report.added.push((file.clone(), code));
        } else {
            report.revised.push((file.clone(), code));
        }
        if let (Some(o), Some(r)) = (c.ofd, &entry.ofd) {
            report.ofd.push(r.file.clone());
            writes.push((r.file.clone(), o));
        }
        manifest.entries.push(entry);
        writes.push((file, c.pdf));
    }
    if refused.has_errors() {
        return Err(BuildError { diagnostics: refused, sources: Default::default() });
    }
    if writes.is_empty() && manifest.catalogue.is_some() {
        return Ok(report);
    }
    manifest.entries.sort_by(|a, b| (&a.retention, &a.item, a.revision).cmp(&(&b.retention, &b.item, b.revision)));

    // The 归档文件目录, regenerated from the manifest (deterministic, so unchanged when nothing is).
    let catalogue = catalogue_pdf(&engine, &manifest, date)
        .map_err(|e| BuildError { diagnostics: e.diagnostics, sources: e.sources })?;
    manifest.catalogue = Some(FileRef { name: CATALOGUE.into(), sha256: hex(&Sha256::digest(&catalogue)) });
    writes.push((CATALOGUE.into(), catalogue));

    let io = |e: anyhow::Error| err(format!("写入归档失败：{e:#}"));
    for (name, bytes) in &writes {
        crate::fsutil::write_atomic(&dir.join(name), bytes).map_err(io)?;
    }
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| err(e.to_string()))? + "\n";
    // Last: until the manifest is renamed into place the previous archive stays valid.
    crate::fsutil::write_atomic(&dir.join(MANIFEST), json.as_bytes()).map_err(io)?;
    Ok(report)
}

/// The name a data file has inside the PDF: `plan.yaml`, `office.yaml`, `2023Q4-县科技局.yaml`.
fn attachment_name(name: &str, period: crate::data::model::Period) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    if name.contains("/reports/") {
        format!("{period}-{base}")
    } else {
        base.to_owned()
    }
}

/// The next free 件号 for a retention class, counting documents filed earlier and in this run.
fn next_item(manifest: &Manifest, retention: &str, pending: &[Candidate]) -> String {
    let filed =
        manifest.entries.iter().filter(|e| e.retention == retention).map(|e| e.item.parse::<u32>().unwrap_or(0));
    let new = pending.iter().filter(|c| c.retention == retention).map(|c| c.item.parse::<u32>().unwrap_or(0));
    format!("{:04}", filed.chain(new).max().unwrap_or(0) + 1)
}

/// The 归档章 (45 × 16 mm, 6 cells: 全宗号 年度 件号 / 机构 保管期限 页数) in the top blank space of
/// page 1, right-aligned with the type area, as a page background so the layout is untouched.
fn stamp(fonds: &str, year: i32, retention: &str, org: &str, item: &str) -> String {
    // The stamp's cell is narrow: 永久 / 30年 / 10年.
    let short = retention_label(retention).trim_start_matches("定期");
    let cells = [fonds.to_owned(), year.to_string(), item.to_owned(), org.to_owned(), short.to_owned()]
        .iter()
        .map(|c| format!("[{}]", crate::render::escape::markup(c)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "#set page(background: context if here().page() == 1 {{ place(top + right, dx: -26mm, dy: 12mm, \
         text(font: (\"FandolFang R\", \"Noto Serif CJK SC\"), size: 8pt, tracking: 0pt, table(columns: (15mm,) * 3, \
         rows: (8mm,) * 2, align: center + horizon, inset: 1pt, stroke: 0.6pt + rgb(80%, 10%, 10%), {cells}, []))) }})\n"
    )
}

/// 档号: `J001-WS·2024-D30-DCS-0001`.
pub fn archival_code(fonds: &str, year: i32, retention: &str, org: &str, item: &str) -> String {
    format!("{fonds}-WS·{year}-{retention}-{org}-{item}")
}

/// `D30-0001-关于…的通报.pdf`, `D30-0001-关于…的通报-修订2.pdf` (件号 count per 保管期限).
fn file_name(retention: &str, item: &str, title: &str, revision: u32) -> String {
    let safe: String = title.chars().map(|c| if "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect();
    if revision > 1 {
        format!("{retention}-{item}-{safe}-修订{revision}.pdf")
    } else {
        format!("{retention}-{item}-{safe}.pdf")
    }
}

/// The refusal of a changed document, showing what differs.
fn refusal(old: &Entry, new: &Candidate, sha: &str) -> Diagnostic {
    let mut d = Diagnostic::error(format!(
        "归档是只增不改的：{}（{}）已归档，内容与本次生成的不同",
        old.file, old.archival_code
    ));
    d = d.hint(format!("sha256：已归档 {} / 本次 {}", &old.sha256[..16], &sha[..16]));
    if old.pages != new.pages {
        d = d.hint(format!("页数：已归档 {} / 本次 {}", old.pages, new.pages));
    }
    let old_src: BTreeMap<&str, &str> = old.sources.iter().map(|f| (f.name.as_str(), f.sha256.as_str())).collect();
    let new_src: BTreeMap<&str, &str> = new.sources.iter().map(|f| (f.name.as_str(), f.sha256.as_str())).collect();
    let names: BTreeSet<&str> = old_src.keys().chain(new_src.keys()).copied().collect();
    for n in names {
        match (old_src.get(n), new_src.get(n)) {
            (Some(a), Some(b)) if a != b => d = d.hint(format!("源文件 {n} 已修改")),
            (Some(_), None) => d = d.hint(format!("源文件 {n} 已不存在")),
            (None, Some(_)) => d = d.hint(format!("新增源文件 {n}")),
            _ => {}
        }
    }
    d.hint("确需归档新版本时加 --revise：作为新修订版归档，旧版本保留")
}

/// Reads `dir/manifest.json` if present.
pub fn read_manifest(dir: &Path) -> anyhow::Result<Option<Manifest>> {
    let path = dir.join(MANIFEST);
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(serde_json::from_str(&std::fs::read_to_string(&path)?)?))
}

/// The 归档文件目录 as a PDF/A-3b table.
fn catalogue_pdf(
    engine: &Engine,
    manifest: &Manifest,
    date: crate::data::model::Date,
) -> Result<Vec<u8>, crate::engine::CompileError> {
    let mut rows = String::new();
    for e in &manifest.entries {
        let note = if e.revision > 1 { format!("第{}次修订", e.revision - 1) } else { String::new() };
        for cell in [
            e.item.clone(),
            e.archival_code.clone(),
            e.doc_number.clone(),
            e.issuer.clone(),
            e.title.clone(),
            e.date.clone(),
            e.pages.to_string(),
            if e.classification.is_empty() { "—".into() } else { e.classification.clone() },
            format!("{}{}", e.retention_label, if note.is_empty() { String::new() } else { format!("；{note}") }),
        ] {
            rows.push_str(&format!("  text({}),\n", string_literal(&cell)));
        }
    }
    let source = format!(
        r#"#import "lib/gongwen.typ": *
#set document(title: {title})
#set page(paper: "a4", flipped: true, margin: (x: 20mm, y: 20mm), footer: context align(center, text(font: song, size: 10pt)[— #counter(page).display() —]))
#set text(font: fang, size: 10.5pt, lang: "zh", region: "cn", cjk-latin-spacing: none)
#align(center, text(font: xbs, weight: xbs-weight, size: 22pt, {title}))
#v(6mm)
#table(
  columns: (12mm, 50mm, 40mm, 36mm, 1fr, 20mm, 12mm, 12mm, 26mm),
  align: (center + horizon, left + horizon, left + horizon, left + horizon, left + horizon, center + horizon, center + horizon, center + horizon, left + horizon),
  stroke: 0.5pt,
  table.header(..("件号", "档号", "文号", "责任者", "题名", "日期", "页数", "密级", "备注").map(h => text(font: hei, h))),
{rows})
"#,
        title = string_literal(&format!("{}年归档文件目录", manifest.year)),
    );
    let job = Job {
        name: "归档文件目录.typ".into(),
        source,
        date,
        ident: format!("ducha-archive/{}/catalogue", manifest.year),
        flavor: PdfFlavor::A3b,
        files: Vec::new(),
    };
    engine.compile(&job).map(|c| c.pdf)
}

/// One problem found by `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub message: String,
}

/// Checks `dir` (one year) or every year under `dir` (an archive root).
pub fn verify(dir: &Path) -> anyhow::Result<Vec<Problem>> {
    if dir.join(MANIFEST).exists() {
        return verify_year(dir);
    }
    let mut out = Vec::new();
    let mut years: Vec<PathBuf> = std::fs::read_dir(dir)?.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    years.sort();
    if years.is_empty() {
        anyhow::bail!("{} 中没有归档（找不到 {MANIFEST}）", dir.display());
    }
    for y in years {
        if y.join(MANIFEST).exists() {
            out.extend(verify_year(&y)?);
        } else {
            out.push(Problem { file: y.display().to_string(), message: format!("目录中没有 {MANIFEST}") });
        }
    }
    Ok(out)
}

fn verify_year(dir: &Path) -> anyhow::Result<Vec<Problem>> {
    let manifest = read_manifest(dir)?.unwrap_or_default();
    let mut problems = Vec::new();
    let mut expected: BTreeSet<String> = [MANIFEST.to_string()].into();
    let mut check_file = |name: &str, sha: &str, problems: &mut Vec<Problem>| -> Option<Vec<u8>> {
        expected.insert(name.to_owned());
        match std::fs::read(dir.join(name)) {
            Err(_) => {
                problems.push(Problem { file: name.into(), message: "文件缺失".into() });
                None
            }
            Ok(bytes) => {
                let got = hex(&Sha256::digest(&bytes));
                if got != sha {
                    problems.push(Problem {
                        file: name.into(),
                        message: format!("内容已被改动（sha256 应为 {}…，实际 {}…）", &sha[..16], &got[..16]),
                    });
                }
                Some(bytes)
            }
        }
    };
    for e in &manifest.entries {
        let Some(bytes) = check_file(&e.file, &e.sha256, &mut problems) else { continue };
        if bytes.len() as u64 != e.size {
            problems.push(Problem {
                file: e.file.clone(),
                message: format!("大小应为 {} 字节，实际 {}", e.size, bytes.len()),
            });
        }
        let embedded: BTreeSet<String> = embedded_files(&bytes).iter().map(|b| hex(&Sha256::digest(b))).collect();
        let listed: BTreeSet<String> = e.sources.iter().map(|f| f.sha256.clone()).collect();
        for f in &e.sources {
            if !embedded.contains(&f.sha256) {
                problems.push(Problem {
                    file: e.file.clone(), message: format!("附件 {} 缺失或与清单不符", f.name)
                });
            }
        }
        for extra in embedded.difference(&listed) {
            problems.push(Problem {
                file: e.file.clone(),
                message: format!("含有清单之外的附件（sha256 {}…）", &extra[..16]),
            });
        }
    }
    for o in manifest.entries.iter().filter_map(|e| e.ofd.as_ref()) {
        let Some(bytes) = check_file(&o.file, &o.sha256, &mut problems) else { continue };
        if bytes.len() as u64 != o.size {
            problems.push(Problem {
                file: o.file.clone(),
                message: format!("大小应为 {} 字节，实际 {}", o.size, bytes.len()),
            });
        }
        match ofd_attachments(&bytes) {
            Err(msg) => problems.push(Problem { file: o.file.clone(), message: msg }),
            Ok(embedded) => {
                let embedded: BTreeSet<String> = embedded.iter().map(|b| hex(&Sha256::digest(b))).collect();
                let listed: BTreeSet<String> = o.sources.iter().map(|f| f.sha256.clone()).collect();
                for f in &o.sources {
                    if !embedded.contains(&f.sha256) {
                        problems.push(Problem {
                            file: o.file.clone(),
                            message: format!("附件 {} 缺失或与清单不符", f.name),
                        });
                    }
                }
                for extra in embedded.difference(&listed) {
                    problems.push(Problem {
                        file: o.file.clone(),
                        message: format!("含有清单之外的附件（sha256 {}…）", &extra[..16]),
                    });
                }
            }
        }
    }
    if let Some(c) = &manifest.catalogue {
        check_file(&c.name, &c.sha256, &mut problems);
    }
    let mut present: Vec<String> =
        std::fs::read_dir(dir)?.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    present.sort();
    for name in present {
        if !expected.contains(&name) {
            problems.push(Problem { file: name, message: "清单中没有这个文件（多余文件）".into() });
        }
    }
    for p in &mut problems {
        p.file = dir.join(&p.file).display().to_string();
    }
    Ok(problems)
}

/// The decoded contents of every `/Type /EmbeddedFile` stream of a PDF (krilla writes them as
/// top-level objects with a direct `/Length`, Flate-compressed or plain).
pub fn embedded_files(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    // Names may follow each other without spaces (`/Type/EmbeddedFile`).
    let needle = b"/EmbeddedFile";
    let mut from = 0;
    while let Some(pos) = find(&pdf[from..], needle).map(|p| p + from) {
        from = pos + needle.len();
        // The dictionary runs from the object's "obj" to "stream".
        let start = rfind(&pdf[..pos], b"obj").unwrap_or(0);
        let Some(stream_kw) = find(&pdf[pos..], b"stream").map(|p| p + pos) else { break };
        let dict = &pdf[start..stream_kw];
        if find(dict, b"/Type").is_none() {
            continue; // `/EmbeddedFile` as a key of a file specification's /EF, not a stream
        }
        let Some(len) = dict_int(dict, b"/Length") else { continue };
        let mut data_start = stream_kw + b"stream".len();
        if pdf.get(data_start) == Some(&b'\r') {
            data_start += 1;
        }
        if pdf.get(data_start) == Some(&b'\n') {
            data_start += 1;
        }
        let Some(raw) = pdf.get(data_start..data_start + len) else { continue };
        if find(dict, b"/FlateDecode").is_some() {
            let mut buf = Vec::new();
            if flate2::read::ZlibDecoder::new(raw).read_to_end(&mut buf).is_ok() {
                out.push(buf);
            }
        } else {
            out.push(raw.to_vec());
        }
        from = data_start + len;
    }
    out
}

/// The attached files of an archival OFD (`Doc_0/Attachs/*` but the list), after checking that
/// it is a zip declaring `DocType="OFD-A"`. Entries are read with a size cap: the file is
/// untrusted input.
pub fn ofd_attachments(ofd: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    const CAP: u64 = 256 << 20;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(ofd)).map_err(|e| format!("不是有效的 OFD 文件（{e}）"))?;
    let mut out = Vec::new();
    let mut doc_type_ok = false;
    for i in 0..z.len() {
        let f = z.by_index(i).map_err(|e| format!("OFD 包损坏（{e}）"))?;
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let wanted =
            name == "OFD.xml" || (name.starts_with("Doc_0/Attachs/") && name != "Doc_0/Attachs/Attachments.xml");
        if !wanted {
            continue;
        }
        let mut buf = Vec::new();
        f.take(CAP).read_to_end(&mut buf).map_err(|e| format!("OFD 包损坏（{name}：{e}）"))?;
        if name == "OFD.xml" {
            doc_type_ok = String::from_utf8_lossy(&buf).contains("DocType=\"OFD-A\"");
        } else {
            out.push(buf);
        }
    }
    if !doc_type_ok {
        return Err("不是 OFD-A 存档文件（OFD.xml 中 DocType 应为 OFD-A）".into());
    }
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn dict_int(dict: &[u8], key: &[u8]) -> Option<usize> {
    let p = find(dict, key)? + key.len();
    let digits: Vec<u8> = dict[p..].iter().copied().skip_while(|b| *b == b' ').take_while(u8::is_ascii_digit).collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}
