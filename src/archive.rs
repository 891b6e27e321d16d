//! Archiving the official record (DA/T 22-2015; docs/rules.md §14).
//!
//! `archive` files each document of a period as PDF/A-3b with its sources attached inside the PDF
//! (plan.yaml, office.yaml, every report of the period, notice.md), the 档号 and 文号 in the XMP
//! metadata, into `archive/<year>/` (year = the year the document was issued), with a manifest
//! and a 归档文件目录 PDF. The archive is append-only: a document already filed with other content
//! is refused unless `revise` is set, which files a new revision and keeps the old one; filing
//! unchanged documents again changes nothing. Every file is written to a temporary name and
//! renamed, the manifest last, so an interrupted run leaves the previous archive valid.
//!
//! `verify` treats the archive as untrusted input: it recomputes every hash, reads each PDF with a
//! PDF parser (hayro-syntax) to check its 档号 and its attachments (by name and content) against
//! the manifest, checks that the 归档文件目录's machine-readable copy of the entries
//! ([`CATALOGUE_DATA`]) agrees with the manifest, and reports every missing, altered, unexpected
//! or out-of-folder file — never panicking and never reading outside the archive folder.
//!
//! File names in the manifest are relative to the manifest's own folder: each is a plain file
//! name of `archive/<year>/`, so the folder can be moved or copied and still verifies.
//!
//! 件号 are assigned per (year, 保管期限) without gaps, in filing order; a document keeps its 件号
//! across revisions. 档号 = `全宗号-WS·年度-保管期限-机构代码-件号`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data::model::Retention;
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
    retention: Retention,
    pdf: Vec<u8>,
    /// The OFD-A, when asked for.
    ofd: Option<Vec<u8>>,
    pages: usize,
    sources: Vec<FileRef>,
    /// The 件's own date when it is not the period's 印发日期 (a closed item: its 办结 date).
    date: Option<crate::data::model::Date>,
}

/// Files the period's documents into the archive, in four steps: collect the sources attached to
/// every document ([`attached_sources`]); render each document as PDF/A-3b with its 档号 and
/// sources ([`compile_candidates`]); compare each with the record, append-only ([`record`]);
/// write the files, the 归档文件目录 and the manifest last ([`write_archive`]).
pub fn archive(opts: &ArchiveOptions) -> Result<ArchiveReport, BuildError> {
    let mut build = opts.build.clone();
    build.flavor = PdfFlavor::A3b;
    let prepared = pipeline::prepare(&build)?;
    let Prepared { ds, period, rendered, fonts, engine, templates, warnings, sources, files, .. } = prepared;
    let date = ds.office.issue_date(period);
    let dir = opts.root.join(date.year.to_string());
    let mut manifest = read_manifest(&dir)
        .map_err(|e| failure(format!("无法读取归档清单：{e}")))?
        .unwrap_or(Manifest { year: date.year, entries: Vec::new(), catalogue: None });
    let attached = attached_sources(&files, period)?;
    let evidence = crate::evidence::archive::accepted_files(&build.data, &ds.evidence, period).map_err(failure)?;
    let filing = Filing { office: &ds.office, period, date };
    let mut sources = sources;
    let mut candidates =
        compile_candidates(&engine, &filing, &manifest, &rendered, (&attached, &evidence), opts, &mut sources)?;
    let items = ItemFiling { ds: &ds, data: &opts.build.data, rendered: &rendered, fonts, templates: &templates };
    let more = item_candidates(&engine, &filing, &manifest, &candidates, &items, (opts.stamp, opts.ofd))?;
    candidates.extend(more);
    let mut report = ArchiveReport { dir: dir.clone(), warnings, sources, ..Default::default() };
    let writes = record(&mut manifest, candidates, &filing, opts.revise, &mut report)?;
    if writes.is_empty() && manifest.catalogue.is_some() {
        return Ok(report);
    }
    let adding: u64 = writes.iter().map(|(_, b)| b.len() as u64).sum();
    crate::evidence::archive::check_size(&dir, adding, ds.office.evidence.archive_max).map_err(failure)?;
    write_archive(&dir, &engine, &mut manifest, writes, date)?;
    Ok(report)
}

/// What every document of one archive run is filed under.
struct Filing<'a> {
    office: &'a crate::data::model::Office,
    period: crate::data::model::Period,
    /// The 印发日期: the year folder, the PDF timestamp, the catalogue's date.
    date: crate::data::model::Date,
}

impl Filing<'_> {
    /// 档号 of a document with this retention and 件号.
    fn code(&self, retention: Retention, item: &str) -> String {
        let a = &self.office.archive;
        archival_code(&a.fonds, self.date.year, retention, &a.org_code, item)
    }
}

/// An archive run that failed before filing anything.
fn failure(msg: String) -> BuildError {
    BuildError { diagnostics: Diagnostics(vec![Diagnostic::error(msg)]), sources: Default::default() }
}

/// The sources attached to every document, sorted by their name inside the PDF: the plan, the
/// office conventions and the period's reports.
fn attached_sources(
    files: &[(String, PathBuf)],
    period: crate::data::model::Period,
) -> Result<Vec<(String, Vec<u8>)>, BuildError> {
    let period_dir = format!("/reports/{period}/");
    let mut attached: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, path) in files {
        // Names are relative to the working directory or absolute: `plan.yaml` when run in the
        // data folder itself.
        let slashed = format!("/{name}");
        let is_common = slashed.ends_with("/plan.yaml") || slashed.ends_with("/office.yaml");
        if is_common || slashed.contains(&period_dir) {
            let bytes = std::fs::read(path).map_err(|e| failure(format!("无法读取 {name}：{e}")))?;
            attached.push((attachment_name(name, period), bytes));
        }
    }
    attached.sort();
    Ok(attached)
}

/// Every document compiled for the archive (PDF/A-3b, and OFD-A when asked for), each with the
/// 件号 it is filed under: the one on record for a document filed before, else the next free one.
/// Errors of all documents are collected.
fn compile_candidates(
    engine: &Engine,
    filing: &Filing,
    manifest: &Manifest,
    rendered: &[pipeline::Rendered],
    (common, evidence): (&[Attachment], &[Attachment]),
    opts: &ArchiveOptions,
    source_map: &mut crate::diag::SourceMap,
) -> Result<Vec<Candidate>, BuildError> {
    let mut candidates = Vec::new();
    let mut errors = Diagnostics::default();
    for r in rendered {
        let own = with_evidence(r, common, evidence);
        let attached = own.as_slice();
        let refs: Vec<FileRef> =
            attached.iter().map(|(n, b)| FileRef { name: n.clone(), sha256: hex(&Sha256::digest(b)) }).collect();
        let retention = filing.office.archive.retention_of(r.kind.id());
        let key = format!("{}/{}", filing.period, r.stem);
        // The 档号 goes into the XMP metadata, so it must be known before compiling.
        let item = match manifest.entries.iter().find(|e| e.key == key) {
            Some(e) => e.item.clone(),
            None => next_item(manifest, retention, &candidates),
        };
        let job = Job {
            name: format!("{}.typ", r.stem),
            source: archive_source(filing, (&r.number, &r.source), retention, &item, attached, opts.stamp),
            timestamp: pipeline::timestamp(filing.date),
            ident: format!("ducha-archive/{key}"),
            flavor: PdfFlavor::A3b,
            files: attached.iter().map(|(n, b)| (format!("/{n}"), b.clone())).collect(),
        };
        let compiled = engine.compile(&job).and_then(|c| {
            if !opts.ofd {
                return Ok((c, None));
            }
            let copy = OfdCopy { title: &r.title, number: &r.number, date: filing.date, retention, item: &item };
            let ofd = ofd_copy(filing, &c.document, &copy, &job, attached, &r.stem)?;
            Ok((c, Some(ofd)))
        });
        match compiled {
            Ok((c, ofd)) => candidates.push(Candidate {
                ofd,
                key,
                item,
                title: r.title.clone(),
                doc_number: r.number.clone(),
                retention,
                pages: c.document.pages().len(),
                pdf: c.pdf,
                sources: refs.clone(),
                date: None,
            }),
            Err(e) => {
                errors.extend(e.diagnostics);
                source_map.extend(e.sources);
            }
        }
        crate::engine::evict_cache();
    }
    if errors.has_errors() {
        return Err(BuildError { diagnostics: errors, sources: std::mem::take(source_map) });
    }
    Ok(candidates)
}

/// What an OFD-A copy says of its document besides the pages: title, 文号, date, 保管期限, 件号.
struct OfdCopy<'a> {
    /// The PDF/A's title (`set document`), repeated in the OFD's `DocInfo`.
    title: &'a str,
    /// 文号 (期号, 事项编号).
    number: &'a str,
    /// The 件's date: the 印发日期, or a closed item's 办结 date.
    date: crate::data::model::Date,
    retention: Retention,
    /// 件号.
    item: &'a str,
}

/// The OFD-A copy of a document compiled for the archive (docs/ofd.md), with the same files
/// attached as its PDF/A and the archival description the PDF/A's keywords carry; `stem` names
/// the document in an error.
fn ofd_copy(
    filing: &Filing,
    document: &typst_layout::PagedDocument,
    copy: &OfdCopy,
    job: &Job,
    attached: &[Attachment],
    stem: &str,
) -> Result<Vec<u8>, crate::engine::CompileError> {
    let meta = crate::ofd::Meta {
        title: copy.title.to_owned(),
        author: filing.office.issuer_name.clone(),
        date: copy.date,
        number: copy.number.to_owned(),
        ident: job.ident.clone(),
        archival: true,
        attachments: attached.to_vec(),
        // The archival description, as the PDF/A's keywords and 归档章 carry it.
        custom: ofd_archival_data(filing, copy.retention, copy.item),
    };
    crate::ofd::write(document, &meta).map_err(|e| crate::engine::CompileError {
        diagnostics: Diagnostics(vec![Diagnostic::error(format!("{stem}：OFD 导出失败：{e}"))]),
        sources: Default::default(),
    })
}

/// What filing the register's items needs besides the period's documents.
struct ItemFiling<'a> {
    ds: &'a crate::data::model::Dataset,
    /// The data directory (the register, the attached files).
    data: &'a Path,
    /// The period's rendered documents (the 督办通知单 of each unit).
    rendered: &'a [pipeline::Rendered],
    fonts: std::sync::Arc<crate::engine::fonts::Fonts>,
    templates: &'a crate::templates::Templates,
}

/// 督办闭环 (docs/rules.md §19 “归档”): each item of the period that is closed (办结 or 中止) as
/// one 件. Its PDF/A-3b is the 办理记录 (`templates/record.typ.j2`: the facts and every event with
/// its full text), with attached: the item file itself (the record of every reply, `orders-…
/// .yaml`), the 督办通知单 of its unit as `ducha build` makes it, each 催办单 as `ducha orders
/// chase-pdf` makes it, and the files its events name ([`item_files`]). The manifest lists each
/// attachment with its sha256, so `verify` checks every part. The entry is dated with the 办结
/// (中止) date; its key is `orders/<year>/<db|xt>-NNN`, so a later run finds it unchanged. With
/// `ofd` (`archive --format ofd`, as for the period's documents) the 件 has its OFD-A copy too
/// ([`ofd_copy`]), the same files attached.
fn item_candidates(
    engine: &Engine,
    filing: &Filing,
    manifest: &Manifest,
    pending: &[Candidate],
    f: &ItemFiling,
    (with_stamp, ofd): (bool, bool),
) -> Result<Vec<Candidate>, BuildError> {
    let ds = f.ds;
    let cx = crate::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let (register, diags, sources) = crate::orders::file::load_register(f.data, &cx);
    if diags.has_errors() {
        return Err(BuildError { diagnostics: diags, sources });
    }
    let closed: Vec<&crate::orders::Item> =
        register.items.iter().filter(|i| i.period == filing.period && !i.track.phase.is_open()).collect();
    if closed.is_empty() {
        return Ok(Vec::new());
    }
    let chases: Vec<crate::orders::chase::Chase> = crate::orders::chase::chases(&register)
        .into_iter()
        .filter(|c| closed.iter().any(|i| i.number == c.item.number))
        .collect();
    let (chase_pdfs, _) = crate::orders::chase::render(ds, &chases, f.fonts.clone(), f.templates)?;
    let one = |d: Diagnostic| BuildError { diagnostics: Diagnostics(vec![d]), sources: Default::default() };
    let env = crate::render::environment(f.templates).map_err(one)?;
    let retention = ds.office.archive.retention_of("order");
    let mut out: Vec<Candidate> = Vec::new();
    for item in closed {
        let number = item.number;
        let mut attached = vec![(
            format!("orders-{}-{}", number.year, number.file_name()),
            std::fs::read(crate::orders::store::path_of(f.data, number))
                .map_err(|e| failure(format!("无法读取 {}：{e}", item.file)))?,
        )];
        let shown = number.to_string();
        if let Some(r) =
            f.rendered.iter().find(|r| r.kind == pipeline::Kind::Order && r.number.split('、').any(|n| n == shown))
        {
            let job = Job {
                name: format!("{}.typ", r.stem),
                source: r.source.clone(),
                timestamp: pipeline::timestamp(filing.date),
                ident: r.ident.clone(),
                flavor: PdfFlavor::Plain,
                files: vec![],
            };
            let pdf =
                engine.compile(&job).map_err(|e| BuildError { diagnostics: e.diagnostics, sources: e.sources })?;
            attached.push((format!("{}.pdf", r.stem), pdf.pdf));
        }
        let own: Vec<&crate::orders::chase::Chase> = chases.iter().filter(|c| c.item.number == number).collect();
        for c in &own {
            if let Some(p) = chase_pdfs.iter().find(|p| p.number == c.number) {
                attached.push((p.file_name.clone(), p.pdf.clone()));
            }
        }
        attached.extend(item_files(f.data, item, &ds.evidence)?);
        attached.sort();
        let own: Vec<crate::orders::chase::Chase> = own.into_iter().copied().collect();
        let view =
            crate::orders::record::view(item, &own, &ds.office.supervision_office, &ds.office.orders, &ds.evidence);
        let body = crate::render::render(&env, f.templates, "record.typ.j2", &view).map_err(one)?;
        let key = format!("orders/{}/{}", number.year, number.file_name().trim_end_matches(".yaml"));
        let no = match manifest.entries.iter().find(|e| e.key == key) {
            Some(e) => e.item.clone(),
            // Free after the period's documents and the items before it in this run.
            None => next_item(manifest, retention, pending).max(next_item(manifest, retention, &out)),
        };
        let date = item.track.ended.unwrap_or(item.issued);
        let job = Job {
            name: "record.typ".into(),
            source: archive_source(filing, (&shown, &body), retention, &no, &attached, with_stamp),
            timestamp: pipeline::timestamp(date),
            ident: format!("ducha-archive/{key}"),
            flavor: PdfFlavor::A3b,
            files: attached.iter().map(|(n, b)| (format!("/{n}"), b.clone())).collect(),
        };
        let as_error = |e: crate::engine::CompileError| BuildError { diagnostics: e.diagnostics, sources: e.sources };
        let c = engine.compile(&job).map_err(as_error)?;
        let ofd = if ofd {
            // The PDF/A's title, as record.typ sets it.
            let title = format!("{} {shown}", view.title);
            let copy = OfdCopy { title: &title, number: &shown, date, retention, item: &no };
            Some(ofd_copy(filing, &c.document, &copy, &job, &attached, &key).map_err(as_error)?)
        } else {
            None
        };
        out.push(Candidate {
            key,
            item: no,
            title: format!("{}（{}，{}）", view.title, shown, item.lead()),
            doc_number: shown,
            retention,
            ofd,
            pages: c.document.pages().len(),
            pdf: c.pdf,
            sources: attached
                .iter()
                .map(|(n, b)| FileRef { name: n.clone(), sha256: hex(&Sha256::digest(b)) })
                .collect(),
            date: Some(date),
        });
        crate::engine::evict_cache();
    }
    Ok(out)
}

/// The files an item's events attach (`attachments:`, relative to the data directory), named
/// inside the 件 `附件-<event>-<file name>`: a reply's stored files (反馈附件) under the name the
/// unit gave them, hash-checked, those the office returned left out
/// ([`crate::orders::files::archived`], docs/rules.md §19 “归档”). Each is hashed in the manifest.
fn item_files(
    data: &Path,
    item: &crate::orders::Item,
    reviews: &crate::evidence::Reviews,
) -> Result<Vec<(String, Vec<u8>)>, BuildError> {
    crate::orders::files::archived(data, item, reviews).map_err(failure)
}

/// A file attached to an archived document: its name inside the PDF and its bytes.
type Attachment = (String, Vec<u8>);

/// The files attached to one document: the period's sources, and for the 通报 (the record the
/// reports belong to) also the accepted 佐证材料 (docs/rules.md §21), sorted by name.
fn with_evidence(
    r: &pipeline::Rendered,
    common: &[(String, Vec<u8>)],
    evidence: &[(String, Vec<u8>)],
) -> Vec<(String, Vec<u8>)> {
    let mut all = common.to_vec();
    if r.kind == pipeline::Kind::Notice {
        all.extend(evidence.iter().cloned());
        all.sort();
    }
    all
}

/// The document's Typst source for the archive: `set document` with the 档号, 文号 and 保管期限 as
/// keywords, the 归档章 when asked for, the rendered source, and one `pdf.attach` per source file.
fn archive_source(
    filing: &Filing,
    (number, body): (&str, &str),
    retention: Retention,
    item: &str,
    attached: &[(String, Vec<u8>)],
    with_stamp: bool,
) -> String {
    let office = filing.office;
    let mut source = format!(
        "#set document(author: {}, keywords: ({}, {}, {}))\n",
        string_literal(&office.issuer_name),
        string_literal(&filing.code(retention, item)),
        string_literal(number),
        string_literal(&format!("保管期限：{}", retention.label())),
    );
    if with_stamp {
        source.push_str(&stamp(&office.archive.fonds, filing.date.year, retention, &office.archive.org_code, item));
    }
    source.push_str(body);
    source.push('\n');
    for (name, _) in attached {
        source.push_str(&format!(
            "#pdf.attach({}, relationship: \"source\", mime-type: {}, description: {})\n",
            string_literal(&format!("/{name}")),
            string_literal(crate::evidence::archive::mime_of(name).unwrap_or_else(|| mime_type(name))),
            string_literal(&format!("归档源文件 {name}")),
        ));
    }
    source
}

/// The MIME type of an attached file, by its name.
fn mime_type(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "md" => "text/markdown",
        "yaml" | "yml" => "application/yaml",
        "pdf" => "application/pdf",
        "ofd" => "application/ofd",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// The archival description written into an OFD-A's `DocInfo/CustomDatas` (the items of the
/// 归档章 and the 档号, as the manifest names them).
fn ofd_archival_data(filing: &Filing, retention: Retention, item: &str) -> Vec<(String, String)> {
    let a = &filing.office.archive;
    [
        ("档号", filing.code(retention, item)),
        ("全宗号", a.fonds.clone()),
        ("年度", filing.date.year.to_string()),
        ("保管期限", retention.label().to_owned()),
        ("机构（问题）代号", a.org_code.clone()),
        ("件号", item.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Compares every candidate with the record before anything is written (append-only): unchanged
/// ones are skipped, changed ones refused unless `revise` (then filed as the next revision), new
/// ones filed as revision 1. Adds the new entries to `manifest` and returns the files to write.
fn record(
    manifest: &mut Manifest,
    candidates: Vec<Candidate>,
    filing: &Filing,
    revise: bool,
    report: &mut ArchiveReport,
) -> Result<Vec<(String, Vec<u8>)>, BuildError> {
    let mut refused = Diagnostics::default();
    let mut writes: Vec<(String, Vec<u8>)> = Vec::new();
    for c in candidates {
        let sha = hex(&Sha256::digest(&c.pdf));
        let latest = manifest.entries.iter().filter(|e| e.key == c.key).max_by_key(|e| e.revision).cloned();
        let ofd_sha = c.ofd.as_ref().map(|o| hex(&Sha256::digest(o)));
        let revision = match &latest {
            // Unchanged: the same PDF, and the same OFD when one is filed now.
            Some(e)
                if e.sha256 == sha && (ofd_sha.is_none() || e.ofd.as_ref().map(|o| &o.sha256) == ofd_sha.as_ref()) =>
            {
                report.unchanged.push(e.file.clone());
                continue;
            }
            Some(e) if !revise => {
                refused.push(refusal(e, &c, &sha));
                continue;
            }
            Some(e) => e.revision + 1,
            None => 1,
        };
        let item = latest.as_ref().map(|e| e.item.clone()).unwrap_or_else(|| c.item.clone());
        let (entry, pdf, ofd) = new_entry(c, filing, item, revision, sha, ofd_sha);
        if revision == 1 {
            report.added.push((entry.file.clone(), entry.archival_code.clone()));
        } else {
            report.revised.push((entry.file.clone(), entry.archival_code.clone()));
        }
        if let (Some(o), Some(r)) = (ofd, &entry.ofd) {
            report.ofd.push(r.file.clone());
            writes.push((r.file.clone(), o));
        }
        writes.push((entry.file.clone(), pdf));
        manifest.entries.push(entry);
    }
    if refused.has_errors() {
        return Err(BuildError { diagnostics: refused, sources: Default::default() });
    }
    Ok(writes)
}

/// The manifest entry of a candidate filed as `revision` under 件号 `item`, with its PDF and OFD.
fn new_entry(
    c: Candidate,
    filing: &Filing,
    item: String,
    revision: u32,
    sha: String,
    ofd_sha: Option<String>,
) -> (Entry, Vec<u8>, Option<Vec<u8>>) {
    let office = filing.office;
    let date = c.date.unwrap_or(filing.date);
    let file = file_name(c.retention, &item, &c.title, revision);
    let entry = Entry {
        key: c.key,
        revision,
        archival_code: filing.code(c.retention, &item),
        item,
        doc_number: c.doc_number,
        title: c.title,
        issuer: office.issuer_name.clone(),
        date: format!("{}{:02}{:02}", date.year, date.month, date.day),
        retention_label: c.retention.label().to_owned(),
        retention: c.retention.code().to_owned(),
        fonds: office.archive.fonds.clone(),
        classification: String::new(),
        file: file.clone(),
        sha256: sha,
        size: c.pdf.len() as u64,
        pages: c.pages,
        ofd: match (&c.ofd, ofd_sha) {
            (Some(o), Some(h)) => Some(OfdRef {
                file: file.replace(".pdf", ".ofd"),
                sha256: h,
                size: o.len() as u64,
                sources: c.sources.clone(),
            }),
            _ => None,
        },
        sources: c.sources,
    };
    (entry, c.pdf, c.ofd)
}

/// Writes the new files, the 归档文件目录 regenerated from the manifest (deterministic, so unchanged
/// when nothing is) and, last, the manifest: until it is renamed into place the previous archive
/// stays valid. Every file goes to a temporary name first.
fn write_archive(
    dir: &Path,
    engine: &Engine,
    manifest: &mut Manifest,
    mut writes: Vec<(String, Vec<u8>)>,
    date: crate::data::model::Date,
) -> Result<(), BuildError> {
    manifest.entries.sort_by(|a, b| (&a.retention, &a.item, a.revision).cmp(&(&b.retention, &b.item, b.revision)));
    let catalogue = catalogue_pdf(engine, manifest, date)
        .map_err(|e| BuildError { diagnostics: e.diagnostics, sources: e.sources })?;
    manifest.catalogue = Some(FileRef { name: CATALOGUE.into(), sha256: hex(&Sha256::digest(&catalogue)) });
    writes.push((CATALOGUE.into(), catalogue));
    let io = |e: crate::fsutil::WriteError| failure(format!("写入归档失败：{}", crate::diag::causes(&e)));
    for (name, bytes) in &writes {
        let path = crate::names::join_inside(dir, name).map_err(|e| failure(format!("写入归档失败：{e}")))?;
        crate::fsutil::write_durable(&path, bytes).map_err(io)?;
    }
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| failure(e.to_string()))? + "\n";
    crate::fsutil::write_durable(&dir.join(MANIFEST), json.as_bytes()).map_err(io)?;
    Ok(())
}

/// The name a data file has inside the PDF: `plan.yaml`, `office.yaml`, `2023Q4-县科技局.yaml`.
fn attachment_name(name: &str, period: crate::data::model::Period) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    if format!("/{name}").contains("/reports/") {
        format!("{period}-{base}")
    } else {
        base.to_owned()
    }
}

/// The next free 件号 for a retention class, counting documents filed earlier and in this run.
fn next_item(manifest: &Manifest, retention: Retention, pending: &[Candidate]) -> String {
    let filed =
        manifest.entries.iter().filter(|e| e.retention == retention.code()).map(|e| e.item.parse::<u32>().unwrap_or(0));
    let new = pending.iter().filter(|c| c.retention == retention).map(|c| c.item.parse::<u32>().unwrap_or(0));
    format!("{:04}", filed.chain(new).max().unwrap_or(0) + 1)
}

/// The 归档章 (45 × 16 mm, 6 cells: 全宗号 年度 件号 / 机构 保管期限 页数) in the top blank space of
/// page 1, right-aligned with the type area, as a page background so the layout is untouched.
fn stamp(fonds: &str, year: i32, retention: Retention, org: &str, item: &str) -> String {
    // The stamp's cell is narrow: 永久 / 30年 / 10年.
    let short = retention.label().trim_start_matches("定期");
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
pub fn archival_code(fonds: &str, year: i32, retention: Retention, org: &str, item: &str) -> String {
    format!("{fonds}-WS·{year}-{}-{org}-{item}", retention.code())
}

/// `D30-0001-关于…的通报.pdf`, `D30-0001-关于…的通报-修订2.pdf` (件号 count per 保管期限); the
/// title becomes a file name through the one rule of [`crate::names::file_name`].
fn file_name(retention: Retention, item: &str, title: &str, revision: u32) -> String {
    let safe = crate::names::file_name(title);
    let retention = retention.code();
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
    d = d.hint(format!("sha256：已归档 {}… / 本次 {}…", short(&old.sha256), short(sha)));
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

/// An archive manifest that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Reads `dir/manifest.json` if present.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, ManifestError> {
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
    // The catalogue carries the entries it lists, machine-readable, so `verify` can check that the
    // catalogue and the manifest agree.
    let data = serde_json::to_vec_pretty(&CatalogueData { year: manifest.year, entries: manifest.entries.clone() })
        .expect("the manifest serializes");
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
#pdf.attach({path}, relationship: "data", mime-type: "application/json", description: {description})
"#,
        title = string_literal(&format!("{}年归档文件目录", manifest.year)),
        path = string_literal(&format!("/{CATALOGUE_DATA}")),
        description = string_literal("归档文件目录（机读，与 manifest.json 的条目一致）"),
    );
    let job = Job {
        name: "归档文件目录.typ".into(),
        source,
        timestamp: pipeline::timestamp(date),
        ident: format!("ducha-archive/{}/catalogue", manifest.year),
        flavor: PdfFlavor::A3b,
        files: vec![(format!("/{CATALOGUE_DATA}"), data)],
    };
    engine.compile(&job).map(|c| c.pdf)
}

// ---------------------------------------------------------------------------------------------
// verify: the archive is untrusted input

/// One problem found by `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: the archive folder and, inside it, the file concerned (as the manifest names it,
    /// control characters escaped).
    pub file: String,
    /// What is wrong, in Chinese.
    pub message: String,
}

/// Checks `dir` (one year) or every year under `dir` (an archive root) and returns every problem
/// found; an empty list means the archive is intact.
///
/// Everything read is untrusted: the manifest may be truncated, not JSON, miss fields or carry
/// odd hashes and names; files may be missing, extra, replaced or symbolic links. None of it
/// panics, and nothing outside the archive folder is ever read: file names from the manifest are
/// accepted only as plain names of this folder ([`crate::names::join_inside`]), and symbolic links
/// are reported, not followed.
pub fn verify(dir: &Path) -> Vec<Problem> {
    let at = |file: &Path, message: String| Problem { file: file.display().to_string(), message };
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return vec![at(dir, "不是目录".into())],
        Err(e) => return vec![at(dir, format!("无法读取归档目录：{e}"))],
    }
    if dir.join(MANIFEST).exists() {
        return verify_year(dir);
    }
    let mut years: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().filter(|e| e.file_type().is_ok_and(|t| t.is_dir())).map(|e| e.path()).collect(),
        Err(e) => return vec![at(dir, format!("无法读取归档目录：{e}"))],
    };
    years.sort();
    if years.is_empty() {
        return vec![at(dir, format!("目录中没有归档（找不到 {MANIFEST}）"))];
    }
    let mut out = Vec::new();
    for y in years {
        if y.join(MANIFEST).exists() {
            out.extend(verify_year(&y));
        } else {
            out.push(at(&y, format!("目录中没有 {MANIFEST}")));
        }
    }
    out
}

/// A name from the manifest as shown in a message: control characters escaped, at most 120
/// characters.
fn shown(name: &str) -> String {
    let escaped: String = name
        .chars()
        .flat_map(|c| if c.is_control() { c.escape_debug().collect::<Vec<_>>() } else { vec![c] })
        .collect();
    if escaped.chars().count() > 120 {
        format!("{}…", escaped.chars().take(120).collect::<String>())
    } else {
        escaped
    }
}

/// The attached files of an archival OFD (`Doc_0/Attachs/*` but the list), after checking that
/// it is a zip declaring `DocType="OFD-A"`. Entries are read with a size cap: the file is
/// untrusted input.
pub fn ofd_attachments(ofd: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use std::io::Read;
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

/// True for a SHA-256 as the manifest writes it: 64 lower-case hexadecimal digits.
fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The first 16 characters of a hash, for messages (never slices a string by bytes).
fn short(s: &str) -> String {
    shown(&s.chars().take(16).collect::<String>())
}

/// Problems of one year's folder.
struct YearCheck<'a> {
    dir: &'a Path,
    problems: Vec<Problem>,
}

impl YearCheck<'_> {
    fn push(&mut self, file: &str, message: impl Into<String>) {
        let file = if file.is_empty() {
            self.dir.display().to_string()
        } else {
            format!("{}/{}", self.dir.display(), shown(file))
        };
        self.problems.push(Problem { file, message: message.into() });
    }

    /// Reads a file the manifest names, after checking the name is a plain name of this folder
    /// and the file is a regular file (not a link); reports and returns `None` otherwise.
    fn read(&mut self, name: &str) -> Option<Vec<u8>> {
        let path = match crate::names::join_inside(self.dir, name) {
            Ok(p) => p,
            Err(_) => {
                self.push(name, "清单中的文件名不是本目录内的普通文件名（含路径分隔符、“..”、绝对路径或以 “.” 开头），未读取；清单已被改动");
                return None;
            }
        };
        match std::fs::symlink_metadata(&path) {
            Err(_) => {
                self.push(name, "文件缺失");
                None
            }
            Ok(m) if m.file_type().is_symlink() => {
                self.push(name, "是符号链接，未读取（归档中只应有普通文件）");
                None
            }
            Ok(m) if !m.is_file() => {
                self.push(name, "不是普通文件");
                None
            }
            Ok(_) => match std::fs::read(&path) {
                Ok(b) => Some(b),
                Err(e) => {
                    self.push(name, format!("无法读取：{e}"));
                    None
                }
            },
        }
    }

    /// Reads a file an entry lists and checks it against the entry's hash and size. A hash that is
    /// not a SHA-256 as the manifest writes it is reported (the file is still looked at, so a
    /// missing file is named too) and gives `None`.
    fn read_listed(&mut self, name: &str, sha: &str, size: u64) -> Option<Vec<u8>> {
        if !is_sha256(sha) {
            self.push(name, format!("清单中的 sha256 “{}” 不是 64 位小写十六进制；清单已被改动", shown(sha)));
            self.read(name);
            return None;
        }
        let bytes = self.read_checked(name, sha)?;
        if bytes.len() as u64 != size {
            self.push(name, format!("大小应为 {} 字节，实际 {}", size, bytes.len()));
        }
        Some(bytes)
    }

    /// Reads `name` and compares its SHA-256 with the manifest's; returns the bytes when read.
    fn read_checked(&mut self, name: &str, sha: &str) -> Option<Vec<u8>> {
        let bytes = self.read(name)?;
        let got = hex(&Sha256::digest(&bytes));
        if got != sha {
            self.push(name, format!("内容已被改动（sha256 应为 {}…，实际 {}…）", short(sha), short(&got)));
        }
        Some(bytes)
    }
}

/// The manifest as far as it could be read.
struct Parsed {
    /// The complete entries (and year and catalogue when readable).
    manifest: Manifest,
    /// False when anything was missing or mistyped (reported already).
    complete: bool,
    /// File names of the entries that could not be read, so they do not count as extra files.
    broken_files: Vec<String>,
}

/// The manifest read as untrusted JSON: every missing or mistyped field is a problem; the
/// entries that are complete are still checked. `None` only when it is not a JSON object at all.
fn parse_manifest(text: &str, c: &mut YearCheck<'_>) -> Option<Parsed> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            c.push(MANIFEST, format!("不是有效的 JSON（第 {} 行第 {} 列）：清单已损坏或被截断", e.line(), e.column()));
            return None;
        }
    };
    let Some(obj) = value.as_object() else {
        c.push(MANIFEST, "应为 JSON 对象（含 year、entries、catalogue）");
        return None;
    };
    let mut ok = true;
    let year = match obj.get("year").and_then(serde_json::Value::as_i64).and_then(|y| i32::try_from(y).ok()) {
        Some(y) => y,
        None => {
            c.push(MANIFEST, "缺少字段 “year” 或它不是整数年份");
            ok = false;
            0
        }
    };
    let entries = match obj.get("entries").and_then(serde_json::Value::as_array) {
        Some(a) => a.as_slice(),
        None => {
            c.push(MANIFEST, "缺少字段 “entries” 或它不是数组");
            ok = false;
            &[]
        }
    };
    let mut out = Vec::new();
    let mut broken_files = Vec::new();
    for (i, v) in entries.iter().enumerate() {
        let which =
            format!("第 {} 条（{}）", i + 1, v.get("file").and_then(|f| f.as_str()).map(shown).unwrap_or_default());
        match entry_problems(v) {
            Ok(e) => out.push(e),
            Err(missing) => {
                ok = false;
                broken_files.extend(v.get("file").and_then(|f| f.as_str()).map(str::to_owned));
                // Its OFD-A copy is not “extra” either.
                broken_files.extend(v.pointer("/ofd/file").and_then(|f| f.as_str()).map(str::to_owned));
                for m in missing {
                    c.push(MANIFEST, format!("{which}{m}"));
                }
            }
        }
    }
    let catalogue = match obj.get("catalogue") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => match serde_json::from_value::<FileRef>(v.clone()) {
            Ok(f) => Some(f),
            Err(_) => {
                c.push(MANIFEST, "字段 “catalogue” 应为 {\"name\": 文件名, \"sha256\": 哈希}");
                ok = false;
                None
            }
        },
    };
    Some(Parsed { manifest: Manifest { year, entries: out, catalogue }, complete: ok, broken_files })
}

/// An entry of the manifest, or what is missing or mistyped in it.
fn entry_problems(v: &serde_json::Value) -> Result<Entry, Vec<String>> {
    let Some(obj) = v.as_object() else { return Err(vec!["应为 JSON 对象".into()]) };
    let mut missing = Vec::new();
    for key in [
        "key",
        "item",
        "archival_code",
        "doc_number",
        "title",
        "issuer",
        "date",
        "retention",
        "retention_label",
        "fonds",
        "classification",
        "file",
        "sha256",
    ] {
        if !obj.get(key).is_some_and(serde_json::Value::is_string) {
            missing.push(format!("缺少字段 “{key}” 或它不是字符串"));
        }
    }
    for key in ["revision", "size", "pages"] {
        if !obj.get(key).is_some_and(serde_json::Value::is_u64) {
            missing.push(format!("缺少字段 “{key}” 或它不是非负整数"));
        }
    }
    let sources_ok = obj.get("sources").and_then(serde_json::Value::as_array).is_some_and(|a| {
        a.iter().all(|f| {
            f.get("name").is_some_and(serde_json::Value::is_string)
                && f.get("sha256").is_some_and(serde_json::Value::is_string)
        })
    });
    if !sources_ok {
        missing.push("缺少字段 “sources” 或它不是 [{\"name\", \"sha256\"}] 数组".into());
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    serde_json::from_value(v.clone()).map_err(|e| vec![format!("无法读取：{e}")])
}

fn verify_year(dir: &Path) -> Vec<Problem> {
    let mut c = YearCheck { dir, problems: Vec::new() };
    let mut expected: BTreeSet<String> = [MANIFEST.to_string()].into();
    let manifest = c.read(MANIFEST).and_then(|bytes| match String::from_utf8(bytes) {
        Ok(text) => parse_manifest(&text, &mut c),
        Err(_) => {
            c.push(MANIFEST, "不是 UTF-8 文本：清单已损坏");
            None
        }
    });
    let Some(Parsed { manifest, complete, broken_files }) = manifest else {
        // Without a readable manifest nothing can be checked against it.
        return c.problems;
    };
    expected.extend(broken_files);

    let mut seen_files = BTreeSet::new();
    let mut seen_keys = BTreeSet::new();
    for e in &manifest.entries {
        expected.insert(e.file.clone());
        if !seen_files.insert(e.file.clone()) {
            c.push(&e.file, "清单中重复列出同一个文件");
        }
        if !seen_keys.insert((e.key.clone(), e.revision)) {
            c.push(&e.file, format!("清单中 {}（第 {} 版）重复", shown(&e.key), e.revision));
        }
        let Some(bytes) = c.read_listed(&e.file, &e.sha256, e.size) else { continue };
        check_pdf(&mut c, e, &bytes);
        if let Some(o) = &e.ofd {
            expected.insert(o.file.clone());
            check_ofd(&mut c, o);
        }
    }

    match &manifest.catalogue {
        None => c.push(MANIFEST, format!("清单中没有 {CATALOGUE}")),
        Some(f) if f.name != CATALOGUE => {
            c.push(MANIFEST, format!("归档文件目录的文件名应为 {CATALOGUE}，清单中为 “{}”", shown(&f.name)))
        }
        Some(f) if !is_sha256(&f.sha256) => {
            expected.insert(f.name.clone());
            c.push(&f.name, format!("清单中的 sha256 “{}” 不是 64 位小写十六进制；清单已被改动", shown(&f.sha256)));
        }
        Some(f) => {
            expected.insert(f.name.clone());
            if let Some(bytes) = c.read_checked(&f.name, &f.sha256) {
                // Compared with the catalogue only when every entry could be read (the problems
                // of an incomplete manifest are reported above).
                if complete {
                    check_catalogue(&mut c, &manifest, &bytes);
                }
            }
        }
    }

    let mut present: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(e) => {
            c.push("", format!("无法列出目录：{e}"));
            Vec::new()
        }
    };
    present.sort();
    for name in present {
        if !expected.contains(&name) {
            c.push(&name, "清单中没有这个文件（多余文件）");
        }
    }
    c.problems
}

/// Checks an archived PDF with a PDF parser: readable, carries its 档号, and its attachments are
/// exactly the sources the manifest lists (by name and by content).
fn check_pdf(c: &mut YearCheck<'_>, e: &Entry, bytes: &[u8]) {
    let Some(pdf) = read_pdf(bytes) else {
        c.push(&e.file, "不是可读的 PDF（已损坏或被替换）");
        return;
    };
    if !pdf.keywords.contains(&e.archival_code) {
        c.push(&e.file, format!("PDF 的元数据中没有本件的档号 {}（可能被换成了另一份 PDF）", shown(&e.archival_code)));
    }
    let listed: BTreeMap<&str, &str> = e.sources.iter().map(|f| (f.name.as_str(), f.sha256.as_str())).collect();
    for (name, sha) in &listed {
        match pdf.attachments.get(*name) {
            None => c.push(&e.file, format!("缺少附件 {}", shown(name))),
            Some(data) if hex(&Sha256::digest(data)) != *sha => {
                c.push(&e.file, format!("附件 {} 与清单不符（内容被改动或换成了别的文件）", shown(name)))
            }
            Some(_) => {}
        }
    }
    for name in pdf.attachments.keys() {
        if !listed.contains_key(name.as_str()) {
            c.push(&e.file, format!("含有清单之外的附件 {}", shown(name)));
        }
    }
}

/// Checks an archived OFD-A copy: its hash and size, that it is an OFD-A package, and that its
/// attachments are exactly the sources the manifest lists (by content).
fn check_ofd(c: &mut YearCheck<'_>, o: &OfdRef) {
    let Some(bytes) = c.read_listed(&o.file, &o.sha256, o.size) else { return };
    match ofd_attachments(&bytes) {
        Err(msg) => c.push(&o.file, msg),
        Ok(embedded) => {
            let embedded: BTreeSet<String> = embedded.iter().map(|b| hex(&Sha256::digest(b))).collect();
            let listed: BTreeSet<&str> = o.sources.iter().map(|f| f.sha256.as_str()).collect();
            for f in &o.sources {
                if !embedded.contains(&f.sha256) {
                    c.push(&o.file, format!("附件 {} 缺失或与清单不符", shown(&f.name)));
                }
            }
            for extra in embedded.iter().filter(|h| !listed.contains(h.as_str())) {
                c.push(&o.file, format!("含有清单之外的附件（sha256 {}…）", short(extra)));
            }
        }
    }
}

/// The name of the machine-readable catalogue attached to the 归档文件目录 PDF: the year and the
/// entries, exactly as the manifest has them when the catalogue is made.
pub const CATALOGUE_DATA: &str = "归档文件目录.json";

/// What the 归档文件目录 PDF carries as [`CATALOGUE_DATA`].
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct CatalogueData {
    year: i32,
    entries: Vec<Entry>,
}

/// Checks that the 归档文件目录 lists exactly the manifest's entries.
fn check_catalogue(c: &mut YearCheck<'_>, manifest: &Manifest, bytes: &[u8]) {
    let Some(pdf) = read_pdf(bytes) else {
        c.push(CATALOGUE, "不是可读的 PDF（已损坏或被替换）");
        return;
    };
    let Some(data) = pdf.attachments.get(CATALOGUE_DATA) else {
        c.push(CATALOGUE, format!("缺少附件 {CATALOGUE_DATA}，无法与清单核对"));
        return;
    };
    let Ok(listed) = serde_json::from_slice::<CatalogueData>(data) else {
        c.push(CATALOGUE, format!("附件 {CATALOGUE_DATA} 无法读取"));
        return;
    };
    if listed.year != manifest.year {
        c.push(CATALOGUE, format!("目录的年度为 {}，清单为 {}", listed.year, manifest.year));
    }
    let by_file: BTreeMap<&str, &Entry> = listed.entries.iter().map(|e| (e.file.as_str(), e)).collect();
    let in_manifest: BTreeSet<&str> = manifest.entries.iter().map(|e| e.file.as_str()).collect();
    for e in &manifest.entries {
        match by_file.get(e.file.as_str()) {
            None => c.push(CATALOGUE, format!("目录中没有清单所列的 {}", shown(&e.file))),
            Some(l) if *l != e => {
                c.push(CATALOGUE, format!("目录与清单对 {} 的著录不一致（档号、题名、哈希等）", shown(&e.file)))
            }
            Some(_) => {}
        }
    }
    for l in &listed.entries {
        if !in_manifest.contains(l.file.as_str()) {
            c.push(CATALOGUE, format!("目录列有清单中没有的 {}", shown(&l.file)));
        }
    }
}

/// What `verify` reads out of a PDF.
struct PdfFacts {
    /// The document information dictionary's /Keywords (where the 档号 and 文号 are).
    keywords: String,
    /// Embedded files: name → decoded bytes.
    attachments: BTreeMap<String, Vec<u8>>,
}

/// Parses a PDF with hayro-syntax and reads its keywords and embedded files (the catalogue's
/// /Names /EmbeddedFiles name tree and the /AF associated files of PDF/A-3). `None` when it is not
/// a PDF the parser can read.
fn read_pdf(bytes: &[u8]) -> Option<PdfFacts> {
    use hayro_syntax::object::{Array, Dict};
    // The parser is written for damaged files; a bug in it is still reported as an unreadable PDF
    // rather than taking `verify` down.
    let data = bytes.to_vec();
    std::panic::catch_unwind(move || {
        let pdf = hayro_syntax::Pdf::new(data).ok()?;
        let keywords = pdf.metadata().keywords.as_deref().map(text_string).unwrap_or_default();
        let root: Dict<'_> = pdf.xref().get(pdf.xref().root_id())?;
        let mut attachments = BTreeMap::new();
        if let Some(tree) = root.get::<Dict<'_>>("Names").and_then(|n| n.get::<Dict<'_>>("EmbeddedFiles")) {
            name_tree(&tree, 0, &mut attachments);
        }
        if let Some(af) = root.get::<Array<'_>>("AF") {
            for spec in af.iter::<Dict<'_>>().take(10_000) {
                if let Some((name, data)) = file_spec(&spec, None) {
                    attachments.entry(name).or_insert(data);
                }
            }
        }
        Some(PdfFacts { keywords, attachments })
    })
    .ok()
    .flatten()
}

/// Walks a name tree of file specifications (depth-limited against cycles).
fn name_tree(node: &hayro_syntax::object::Dict<'_>, depth: usize, out: &mut BTreeMap<String, Vec<u8>>) {
    use hayro_syntax::object::{Array, Dict, Object};
    if depth > 32 || out.len() > 10_000 {
        return;
    }
    if let Some(names) = node.get::<Array<'_>>("Names") {
        let mut key: Option<String> = None;
        for item in names.iter::<Object<'_>>() {
            match (key.take(), item) {
                (None, Object::String(s)) => key = Some(text_string(s.as_bytes())),
                (Some(k), Object::Dict(spec)) => {
                    if let Some((name, data)) = file_spec(&spec, Some(k)) {
                        out.insert(name, data);
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(kids) = node.get::<Array<'_>>("Kids") {
        for kid in kids.iter::<Dict<'_>>().take(10_000) {
            name_tree(&kid, depth + 1, out);
        }
    }
}

/// (file name, decoded bytes) of a file specification with an embedded file stream.
fn file_spec(spec: &hayro_syntax::object::Dict<'_>, key: Option<String>) -> Option<(String, Vec<u8>)> {
    use hayro_syntax::object::{Dict, Stream, String as PdfString};
    let name = spec
        .get::<PdfString<'_>>("UF")
        .or_else(|| spec.get::<PdfString<'_>>("F"))
        .map(|s| text_string(s.as_bytes()))
        .or(key)?;
    let ef = spec.get::<Dict<'_>>("EF")?;
    let stream = ef.get::<Stream<'_>>("F").or_else(|| ef.get::<Stream<'_>>("UF"))?;
    let data = stream.decoded().ok()?.into_owned();
    // Typst writes the path given to `pdf.attach` without its leading `/`.
    let name = name.trim_start_matches('/').to_owned();
    Some((name, data))
}

/// A PDF text string: UTF-16BE with a byte-order mark, UTF-8 with one, else PDFDocEncoding
/// (read as Latin-1, exact for the ASCII that matters here).
fn text_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = b.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

/// The decoded contents of every embedded file of a PDF, by name (read with a PDF parser; empty
/// when the PDF cannot be read).
pub fn embedded_files(pdf: &[u8]) -> BTreeMap<String, Vec<u8>> {
    read_pdf(pdf).map(|f| f.attachments).unwrap_or_default()
}
