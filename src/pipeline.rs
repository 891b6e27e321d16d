//! The build pipeline: data dir → documents in `out/<period>/` + `manifest.json`.
//!
//! Stages, each its own function with a typed input and output so tests can enter anywhere:
//! [`crate::data::check`] (load + validate) → [`glyph_check`] → [`crate::status::evaluate_year`]
//! → [`crate::aggregate::summarize`] → [`views`] → [`render_all`] (minijinja) → [`compile_all`]
//! (typst) → [`write_outputs`]. No printing happens here: the CLI prints the [`BuildReport`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::aggregate::{self, Summary};
use crate::data::model::{Dataset, Period};
use crate::diag::{Diagnostic, Diagnostics, Loc, SourceMap};
use crate::engine::fonts::Fonts;
use crate::engine::fonts::Role;
use crate::engine::glyphs::{self, TextItem};
use crate::engine::{Engine, Job, PdfFlavor};
use crate::render::view::{self, Inputs, Overrides};
use crate::status::{self, PeriodStatus};
use crate::templates::Templates;
use typst_layout::PagedDocument;

/// Document kinds; `ducha build --only` / `--png` parse the [`Kind::id`] names through the derived
/// `clap::ValueEnum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 季度进展情况通报
    Notice,
    /// 督查简报
    Briefing,
    /// 领导参阅
    Leader,
    /// 督办通知单
    Order,
}

impl Kind {
    /// All kinds in build order.
    pub const ALL: [Kind; 4] = [Kind::Notice, Kind::Briefing, Kind::Leader, Kind::Order];

    /// Machine id.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Notice => "notice",
            Kind::Briefing => "briefing",
            Kind::Leader => "leader",
            Kind::Order => "order",
        }
    }

    /// Chinese name (also the file name stem).
    pub fn label(self) -> &'static str {
        match self {
            Kind::Notice => "季度进展情况通报",
            Kind::Briefing => "督查简报",
            Kind::Leader => "领导参阅",
            Kind::Order => "督办通知单",
        }
    }
}

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub data: PathBuf,
    pub period: Option<Period>,
    pub out: PathBuf,
    /// Kinds to build (all when empty).
    pub only: Vec<Kind>,
    /// Also write the generated Typst sources and library files.
    pub emit_typst: bool,
    /// Template override directory.
    pub templates: Option<PathBuf>,
    /// Extra font directories.
    pub font_paths: Vec<PathBuf>,
    pub flavor: PdfFlavor,
    /// PNG previews to write: (kind, 1-based page; 0 = last page).
    pub png: Vec<(Kind, usize)>,
    /// Also write each document as OFD (`--format pdf,ofd`).
    pub ofd: bool,
    /// Also write each document as an editable .docx draft (`--format pdf,docx`).
    pub docx: bool,
}

/// One rendered (not yet compiled) document.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub kind: Kind,
    pub title: String,
    /// File stem, e.g. `季度进展情况通报` or `督办通知单-县科技局` (unit names pass through
    /// [`crate::names::file_name`]).
    pub stem: String,
    pub source: String,
    /// 文号 or 期号 printed on the document (for the archive's catalogue).
    pub number: String,
    /// PDF ident (stable per document).
    pub ident: String,
    /// Page limit of the kind (领导参阅: 2), and shorter sources to fall back on, in order, when
    /// the document comes out longer.
    pub max_pages: Option<usize>,
    pub shorter: Vec<String>,
    /// The OFD package and the time it took, when asked for (filled by [`compile_all`]).
    pub ofd: Option<(Vec<u8>, Duration)>,
    /// The view models of the source and of each shorter variant, in that order (the .docx is
    /// made from the one whose source was kept), and which one that is.
    pub views: Vec<crate::docx::DocView>,
    pub variant: usize,
    /// The .docx draft, when asked for (filled by [`docx_all`]).
    pub docx: Option<Vec<u8>>,
}

/// One finished document.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentOut {
    pub kind: Kind,
    /// The file's name, relative to the folder the manifest lies in (`季度进展情况通报.pdf`), so
    /// the manifest stays valid wherever the folder is moved.
    pub path: String,
    pub title: String,
    pub pages: usize,
    pub sha256: String,
    #[serde(skip)]
    pub bytes: usize,
    /// The OFD written beside the PDF, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ofd: Option<FileOut>,
    /// The .docx draft written beside the PDF, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docx: Option<FileOut>,
}

/// A further file of a document (its OFD or .docx).
#[derive(Debug, Clone, Serialize)]
pub struct FileOut {
    /// Path like [`DocumentOut::path`].
    pub path: String,
    pub sha256: String,
    #[serde(skip)]
    pub bytes: usize,
}

/// The outcome of a build.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub period: Period,
    pub dir: PathBuf,
    pub documents: Vec<DocumentOut>,
    /// (stage, time) in order.
    pub timings: Vec<(&'static str, Duration)>,
    /// Warnings (data, glyph fallbacks, typst).
    pub warnings: Diagnostics,
    pub sources: SourceMap,
    /// The PNG previews written (file names in [`BuildReport::dir`]), in document and page order.
    pub previews: Vec<String>,
}

/// Chooses the PNG previews of one compiled document: given its kind and the laid-out document,
/// the 1-based page numbers to render. [`build`] picks the fixed pages of [`BuildOptions::png`];
/// `ducha serve` picks the pages an edit changed ([`crate::engine::page_fingerprints`]).
pub type PreviewPages<'a> = dyn FnMut(Kind, &typst_layout::PagedDocument) -> Vec<usize> + 'a;

/// The pages of `png` for a document of `kind` with `pages` pages (0 = the last page).
pub fn fixed_pages(png: &[(Kind, usize)], kind: Kind, pages: usize) -> Vec<usize> {
    png.iter().filter(|(k, _)| *k == kind).map(|(_, p)| if *p == 0 { pages } else { *p }).collect()
}

/// A failed build: every error found, with the sources to show them.
#[derive(Debug)]
pub struct BuildError {
    pub diagnostics: Diagnostics,
    pub sources: SourceMap,
}

impl BuildError {
    fn one(d: Diagnostic) -> BuildError {
        BuildError { diagnostics: Diagnostics(vec![d]), sources: SourceMap::default() }
    }
}

/// Everything up to compiling: the validated data, the period's statuses and the rendered
/// Typst sources (shared by `build` and `archive`).
pub struct Prepared {
    pub ds: Dataset,
    pub period: Period,
    pub rendered: Vec<Rendered>,
    pub fonts: Arc<Fonts>,
    /// The engine the documents compile with (its fonts and the template library).
    pub engine: Engine,
    pub templates: Templates,
    pub warnings: Diagnostics,
    pub sources: SourceMap,
    /// The data files read (data-dir-relative name, path), for attaching to archived PDFs.
    pub files: Vec<(String, PathBuf)>,
    pub timings: Vec<(&'static str, Duration)>,
}

/// Stages load → validate → glyph check → status → aggregate → render.
pub fn prepare(opts: &BuildOptions) -> Result<Prepared, BuildError> {
    let mut timings = Vec::new();
    let t = Instant::now();
    let (loaded, load_diags) = crate::data::load::load(&opts.data);
    // The fonts are indexed, and the faces every document prints in loaded, on a thread of their
    // own while the data is validated: neither needs the other until the glyph check. Not while
    // the data is read, which keeps every core busy parsing (issue 22 §8); validation runs on one.
    // The engine (Typst's standard library and the template library parsed) is set up there too.
    let font_paths = opts.font_paths.clone();
    let templates = Templates::load(opts.templates.as_deref());
    let library: Option<Vec<(String, String, String)>> = templates
        .as_ref()
        .ok()
        .map(|t| t.typst_files().map(|(path, text, origin)| (path.to_owned(), text.to_owned(), origin)).collect());
    let fonts_job = std::thread::spawn(move || {
        let fonts = Fonts::load(&font_paths).map(Arc::new)?;
        let warm = fonts.clone();
        std::thread::spawn(move || warm.warm());
        let engine = library
            .map(|files| Engine::new(fonts.clone(), files.iter().map(|(p, t, o)| (p.as_str(), t.as_str(), o.clone()))));
        Ok::<_, String>((fonts, engine))
    });
    // The parsed files are freed on a thread of their own: a city's reports take milliseconds to
    // free, which the build need not wait for (issue 22 §8).
    let parsed = (loaded.plan.clone(), loaded.office.clone(), loaded.reports.clone());
    let checked = crate::data::check_loaded(loaded, load_diags);
    std::thread::spawn(move || drop(parsed));
    let files = checked.files.clone();
    let mut sources = checked.sources;
    let mut warnings = checked.diagnostics;
    let known = checked.year;
    let Some(ds) = checked.dataset else {
        return Err(BuildError { diagnostics: warnings, sources });
    };
    let period = match opts.period.or_else(|| default_period(&ds)) {
        Some(p) => p,
        None => {
            return Err(BuildError::one(
                Diagnostic::error("数据中没有任何季度报告")
                    .hint("用 --period 指定期间，或先放入 reports/<期间>/ 下的报告"),
            ))
        }
    };
    if period.year != ds.plan.year {
        return Err(BuildError::one(Diagnostic::error(format!("期间 {period} 不在计划年度 {} 内", ds.plan.year))));
    }
    crate::data::retain_period(&mut warnings, &ds, period);
    let register = load_register(&opts.data, &ds, &mut warnings, &mut sources)?;
    let (overrides, unknown) = overrides_for(&checked.markdown, period);
    for (h, line, file) in unknown {
        warnings.push(
            Diagnostic::warning(format!("notice.md 中的标题 “{h}” 不对应通报的任何部分，已忽略"))
                .at(Loc::new(file, line, 1))
                .hint(format!("可用标题：{}（加“（补充）”表示追加）", view::SECTIONS.join("、"))),
        );
    }
    timings.push(("加载校验", t.elapsed()));

    let t = Instant::now();
    // The check evaluated the year up to its latest period for the 未报送 / 迟报 warnings.
    let year = status::year_from(known, &ds, period);
    let summary = aggregate::summarize(&ds, &year);
    timings.push(("状态统计", t.elapsed()));
    let t = Instant::now();
    let mut order_warnings = Diagnostics::default();
    let want = |k: Kind| opts.only.is_empty() || opts.only.contains(&k);
    if want(Kind::Order) {
        let inp =
            view::Inputs { ds: &ds, year: &year, summary: &summary, overrides: &overrides, register: Some(&register) };
        let numbers = crate::orders::issue::numbering(&register, &ds.office, period, &view::order_task_numbers(&inp));
        order_warnings.extend(crate::orders::issue::unregistered_warnings(&numbers, period));
    }

    // Two sides until compiling (issue 22 §8). This thread renders the notice, the longest
    // document and the first compiled; beside it, once the font index is ready, the engine is set
    // up, every printed character checked against the fonts and the other documents rendered.
    // The glyph check's problems still come first.
    let notice_md = notice_md_for(&checked.markdown, period);
    let others: Vec<Kind> = [Kind::Briefing, Kind::Leader, Kind::Order].into_iter().filter(|k| want(*k)).collect();
    let render = |only: &[Kind]| -> Result<Vec<Rendered>, BuildError> {
        let Ok(templates) = &templates else { return Ok(Vec::new()) };
        if only.is_empty() {
            return Ok(Vec::new());
        }
        render_all_with(&ds, &year, &summary, &overrides, Some(&register), templates, only)
    };
    let (side, notice) = std::thread::scope(|scope| {
        let side = scope.spawn(|| {
            let t = Instant::now();
            let job = fonts_job.join().unwrap_or_else(|_| Err("字体索引失败（内部错误）".to_string()));
            let (fonts, engine) = match job {
                Ok((fonts, engine)) => (Ok(fonts), engine),
                Err(e) => (Err(e), None),
            };
            let waited = t.elapsed();
            let t = Instant::now();
            let glyph = fonts.as_ref().ok().map(|f| {
                let mut glyph = glyph_check(f, &ds, period, notice_md, &sources);
                glyph.extend(glyphs::check(f, view::register::glyph_items(&register, &ds, period), &sources));
                glyph
            });
            let glyph_time = t.elapsed();
            let r = render(&others);
            (fonts, engine, glyph, waited, glyph_time, r)
        });
        let notice = render(if want(Kind::Notice) { &[Kind::Notice] } else { &[] });
        (side.join(), notice)
    });
    let Ok((fonts, engine, glyph, waited, glyph_time, rest)) = side else {
        return Err(BuildError::one(Diagnostic::error("字形检查失败（内部错误）")));
    };
    let fonts = fonts.map_err(|e| BuildError::one(Diagnostic::error(e)))?;
    timings.push(("字体索引", waited));
    let glyph = glyph.unwrap_or_default();
    let glyph_errors = glyph.has_errors();
    warnings.extend(glyph);
    if glyph_errors {
        warnings.sort();
        return Err(BuildError { diagnostics: warnings, sources });
    }
    timings.push(("字形检查", glyph_time));
    let templates = templates.map_err(|diagnostics| BuildError { diagnostics, sources: SourceMap::default() })?;
    let rendered = match (notice, rest) {
        (Ok(mut notice), Ok(rest)) => {
            notice.extend(rest);
            notice
        }
        (Err(mut a), Err(b)) => {
            a.diagnostics.extend(b.diagnostics);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let engine = engine.unwrap_or_else(|| Engine::new(fonts.clone(), templates.typst_files()));
    warnings.extend(order_warnings);
    timings.push(("模板渲染", t.elapsed()));
    Ok(Prepared { ds, period, rendered, fonts, engine, templates, warnings, sources, files, timings })
}

/// Loads the 督办 register (`data/orders/`, docs/rules.md §19): its warnings join `warnings`; an
/// error stops the build like any data error.
fn load_register(
    dir: &Path,
    ds: &Dataset,
    warnings: &mut Diagnostics,
    sources: &mut SourceMap,
) -> Result<crate::orders::Register, BuildError> {
    let cx = crate::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let (register, diags, more) = crate::orders::file::load_register(dir, &cx);
    sources.extend(more);
    warnings.extend(diags);
    if warnings.has_errors() {
        warnings.sort();
        return Err(BuildError { diagnostics: warnings.clone(), sources: sources.clone() });
    }
    Ok(register)
}

/// Runs the whole pipeline.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_with_previews(opts, &mut |kind, doc| fixed_pages(&opts.png, kind, doc.pages().len()))
}

/// Stages up to compiling, writing nothing: `see` is shown each laid-out document (so a caller
/// can fingerprint the pages as they are before an edit).
pub fn layout(opts: &BuildOptions, see: &mut dyn FnMut(Kind, &typst_layout::PagedDocument)) -> Result<(), BuildError> {
    let Prepared { ds, period, mut rendered, engine, mut sources, .. } = prepare(opts)?;
    let date = ds.office.issue_date(period);
    compile_all(
        &engine,
        &mut rendered,
        date,
        opts.flavor,
        &mut |kind, doc| {
            see(kind, doc);
            Vec::new()
        },
        None,
        &mut sources,
    )?;
    Ok(())
}

/// [`build`], with the PNG previews chosen by `pick` (instead of [`BuildOptions::png`]) once each
/// document is laid out. With [`BuildOptions::only`], the manifest keeps the other documents it
/// listed whose files are still there unchanged.
pub fn build_with_previews(opts: &BuildOptions, pick: &mut PreviewPages<'_>) -> Result<BuildReport, BuildError> {
    let Prepared { ds, period, mut rendered, engine, templates, mut warnings, mut sources, mut timings, .. } =
        prepare(opts)?;

    let t = Instant::now();
    let date = ds.office.issue_date(period);
    let ofd_author = opts.ofd.then(|| ds.office.issuer_name.clone());
    let (compiled, pngs) =
        compile_all(&engine, &mut rendered, date, opts.flavor, pick, ofd_author.as_deref(), &mut sources)?;
    for (_, c) in &compiled {
        warnings.extend(c.1.clone());
    }
    timings.push(("排版导出", t.elapsed()));
    if opts.ofd {
        timings.push(("其中 OFD", rendered.iter().filter_map(|r| r.ofd.as_ref()).map(|o| o.1).sum()));
    }
    if opts.docx {
        let t = Instant::now();
        docx_all(&mut rendered, &templates, &ds.office.issuer_name, date).map_err(BuildError::one)?;
        timings.push(("DOCX", t.elapsed()));
    }

    let t = Instant::now();
    let dir = opts.out.join(period.to_string());
    let emit = opts.emit_typst.then_some(&templates);
    let documents = write_outputs(&dir, period, &rendered, &compiled, emit, !opts.only.is_empty())
        .map_err(|e| BuildError::one(Diagnostic::error(format!("写入输出失败：{}", crate::diag::causes(&e)))))?;
    for (name, png) in &pngs {
        let path = crate::names::join_inside(&dir, name)
            .map_err(|e| BuildError::one(Diagnostic::error(format!("写入预览图失败：{e}"))))?;
        crate::fsutil::write_atomic(&path, png)
            .map_err(|e| BuildError::one(Diagnostic::error(format!("写入预览图失败：{}", crate::diag::causes(&e)))))?;
    }
    let previews = pngs.into_iter().map(|(name, _)| name).collect();
    timings.push(("写入文件", t.elapsed()));
    warnings.sort();
    Ok(BuildReport { period, dir, documents, timings, warnings, sources, previews })
}

/// The Chinese name of a printed office.yaml field, for messages.
fn office_label(key: &str) -> &'static str {
    match key {
        "county" => "县名",
        "issuer.name" => "发文机关",
        "issuer.mark" => "发文机关标志",
        "issuer.short" => "机关代字",
        "supervision_office" => "督查室名称",
        "briefing_name" => "简报名称",
        "leader_briefing_name" => "领导参阅名称",
        "recipients" => "主送",
        "cc" => "抄送",
        "briefing_to.report" => "简报报送（报）",
        "briefing_to.send" => "简报报送（送）",
        "briefing_to.issue" => "简报报送（发）",
        "leader_to" => "领导参阅报送范围",
        "note" => "附注",
        "copy_no" => "份号",
        "secret" => "密级",
        "urgency" => "紧急程度",
        _ => "字段",
    }
}

/// The period a build (and the web's dashboard and report form) opens when none is named: the
/// latest quarter with reports.
pub fn default_period(ds: &crate::data::model::Dataset) -> Option<Period> {
    ds.latest_period()
}

/// The period's `notice.md`, if there is one.
pub fn notice_md_for(
    md: &[(String, crate::data::load::SourceFile)],
    period: Period,
) -> Option<&crate::data::load::SourceFile> {
    md.iter()
        .find(|(dir, src)| Period::parse(dir) == Some(period) && src.path.file_name().is_some_and(|n| n == "notice.md"))
        .map(|(_, src)| src)
}

pub fn overrides_for(
    md: &[(String, crate::data::load::SourceFile)],
    period: Period,
) -> (Overrides, Vec<(String, usize, String)>) {
    for (dir, src) in md {
        if Period::parse(dir) == Some(period) && src.path.file_name().is_some_and(|n| n == "notice.md") {
            let (o, unknown) = Overrides::parse(&src.text);
            return (o, unknown.into_iter().map(|(h, l)| (h, l, src.name.clone())).collect());
        }
    }
    (Overrides::default(), Vec::new())
}

/// Stage: every character of printed user text checked against the fonts of the element it
/// prints in: the plan's title, 文号, section and task titles, targets and unit names; every
/// printed field of office.yaml; this period's reports (narratives, contact, phone, reviewer) and
/// its `notice.md`. Each item starts at the exact value in its own file (`Dataset::places`), so a
/// missing glyph is reported at its file:line:column under whatever `--data` is.
pub fn glyph_check<'a>(
    fonts: &Fonts,
    ds: &'a Dataset,
    period: Period,
    notice_md: Option<&'a crate::data::load::SourceFile>,
    sources: &SourceMap,
) -> Diagnostics {
    let places = &ds.places;
    let plan_file = ds.plan.tasks.first().map(|t| t.loc.file.clone()).unwrap_or_default();
    let office_file = places.get("file.office").map(|l| l.file.clone()).unwrap_or_default();
    let place = |key: String, fallback: &Loc| places.get(&key).cloned().unwrap_or_else(|| fallback.clone());
    let plan_start = Loc::new(plan_file.clone(), 1, 1);
    let office_start = Loc::new(office_file, 1, 1);
    let mut items: Vec<TextItem<'a>> = Vec::new();
    fn push<'a>(items: &mut Vec<TextItem<'a>>, text: &'a str, roles: &[Role], origin: Loc, what: String) {
        for role in roles {
            items.push(TextItem { text, role: *role, origin: origin.clone(), what: what.clone() });
        }
    }

    let title_loc = place("plan.title".into(), &plan_start);
    push(&mut items, &ds.plan.title, &[Role::Xiaobiaosong, Role::Fangsong], title_loc, "计划名称 title".into());
    if let Some(d) = &ds.plan.doc_number {
        push(
            &mut items,
            d,
            &[Role::Fangsong],
            place("plan.doc_number".into(), &plan_start),
            "计划文号 doc_number".into(),
        );
    }
    for s in &ds.plan.sections {
        let loc = place(format!("section.{}.title", s.number), &plan_start);
        push(&mut items, &s.title, &[Role::Kaiti], loc, format!("第 {} 章节标题", s.number));
    }
    let mut units_seen = std::collections::BTreeSet::new();
    for t in &ds.plan.tasks {
        let what = format!("第 {} 项任务", t.number);
        push(&mut items, &t.title, &[Role::Fangsong], place(format!("task.{}.title", t.number), &t.loc), what.clone());
        for u in t.lead_units.iter().chain(&t.participating_units) {
            if units_seen.insert(u.as_str()) {
                push(&mut items, u, &[Role::Fangsong], place(format!("unit.{u}"), &t.loc), format!("单位名称 “{u}”"));
            }
        }
        for (i, x) in t.targets.iter().enumerate() {
            push(
                &mut items,
                &x.text,
                &[Role::Fangsong],
                place(format!("task.{}.target.{i}", t.number), &t.loc),
                what.clone(),
            );
        }
    }
    // Only the reports that this period's documents print (its own; earlier quarters'
    // narratives are not printed).
    for r in ds.reports_for(period) {
        for (k, e) in r.entries.iter().enumerate() {
            let what = format!("{} 第 {} 项任务的报告", r.unit, e.task);
            for (key, text) in [
                ("progress", Some(&e.progress)),
                ("problems", e.problems.as_ref()),
                ("next_steps", e.next_steps.as_ref()),
                ("adjustment", e.adjustment.as_ref()),
            ] {
                if let Some(text) = text {
                    push(
                        &mut items,
                        text,
                        &[Role::Fangsong],
                        place(format!("entry.{}.{k}.{key}", r.file), &e.loc),
                        what.clone(),
                    );
                }
            }
        }
        let start = Loc::new(r.file.clone(), 1, 1);
        for (key, text) in
            [("contact", r.contact.as_ref()), ("phone", r.phone.as_ref()), ("reviewed_by", r.reviewed_by.as_ref())]
        {
            if let Some(text) = text {
                let loc = place(format!("report.{}.{key}", r.file), &start);
                let label = match key {
                    "contact" => "联系人",
                    "phone" => "联系电话",
                    _ => "审核领导",
                };
                push(&mut items, text, &[Role::Fangsong], loc, format!("{} 报告的{label}（{key}）", r.unit));
            }
        }
    }
    let o = &ds.office;
    let office = |items: &mut Vec<TextItem<'a>>, key: &str, text: &'a str, roles: &[Role]| {
        let base = key.rsplit_once('.').filter(|(_, i)| i.parse::<usize>().is_ok()).map_or(key, |(b, _)| b);
        let what = format!("office.yaml 的{}（{base}）", office_label(base));
        push(items, text, roles, place(format!("office.{key}"), &office_start), what);
    };
    office(&mut items, "issuer.mark", &o.issuer_mark, &[Role::Xiaobiaosong]);
    office(&mut items, "briefing_name", &o.briefing_name, &[Role::Xiaobiaosong]);
    office(&mut items, "leader_briefing_name", &o.leader_briefing_name, &[Role::Xiaobiaosong]);
    for (key, text) in [
        ("county", &o.county),
        ("issuer.name", &o.issuer_name),
        ("issuer.short", &o.issuer_short),
        ("supervision_office", &o.supervision_office),
        ("recipients", &o.recipients),
    ] {
        office(&mut items, key, text, &[Role::Fangsong]);
    }
    for (key, text) in [("note", &o.note), ("copy_no", &o.copy_no)] {
        if let Some(text) = text {
            office(&mut items, key, text, &[Role::Fangsong]);
        }
    }
    for (key, text) in [("secret", &o.secret), ("urgency", &o.urgency)] {
        if let Some(text) = text {
            office(&mut items, key, text, &[Role::Heiti]);
        }
    }
    for (key, list) in [
        ("cc", &o.cc),
        ("briefing_to.report", &o.briefing_report),
        ("briefing_to.send", &o.briefing_send),
        ("briefing_to.issue", &o.briefing_issue),
        ("leader_to", &o.leader_to),
    ] {
        for (i, text) in list.iter().enumerate() {
            office(&mut items, &format!("{key}.{i}"), text, &[Role::Fangsong]);
        }
    }
    if let Some(md) = notice_md {
        push(&mut items, &md.text, &[Role::Fangsong], Loc::new(md.name.clone(), 1, 1), "notice.md".into());
    }
    glyphs::check(fonts, items, sources)
}

/// Stage: view models → Typst sources, without the 督办 register (orders numbered from
/// `office.yaml` `order_numbers`).
pub fn render_all(
    ds: &Dataset,
    year: &[PeriodStatus],
    summary: &Summary,
    overrides: &Overrides,
    templates: &Templates,
    only: &[Kind],
) -> Result<Vec<Rendered>, BuildError> {
    render_all_with(ds, year, summary, overrides, None, templates, only)
}

/// Stage: view models → Typst sources; registered orders print the register's numbers and
/// deadlines (docs/rules.md §19).
pub fn render_all_with(
    ds: &Dataset,
    year: &[PeriodStatus],
    summary: &Summary,
    overrides: &Overrides,
    register: Option<&crate::orders::Register>,
    templates: &Templates,
    only: &[Kind],
) -> Result<Vec<Rendered>, BuildError> {
    let env = crate::render::environment(templates).map_err(BuildError::one)?;
    let inp = Inputs { ds, year, summary, overrides, register };
    let want = |k: Kind| only.is_empty() || only.contains(&k);
    let p = summary.period;
    let mut out = Vec::new();
    let mut errors = Diagnostics::default();
    let mut push = |kind: Kind,
                    stem: String,
                    title: String,
                    number: String,
                    res: Result<String, Diagnostic>,
                    (max_pages, shorter): (Option<usize>, Vec<String>),
                    views: Vec<crate::docx::DocView>| match res {
        Ok(source) => out.push(Rendered {
            kind,
            ident: format!("ducha/{p}/{stem}"),
            stem,
            title,
            source,
            number,
            max_pages,
            shorter,
            ofd: None,
            views,
            variant: 0,
            docx: None,
        }),
        Err(d) => errors.push(d),
    };
    if want(Kind::Notice) {
        let v = view::notice(&inp);
        let source = crate::render::render(&env, templates, "notice.typ.j2", &v);
        push(
            Kind::Notice,
            Kind::Notice.label().into(),
            v.title.clone(),
            v.number.clone(),
            source,
            (None, Vec::new()),
            vec![crate::docx::DocView::Notice(Box::new(v))],
        );
    }
    if want(Kind::Briefing) {
        let v = view::briefing(&inp, view::BriefingFit::LADDER[0]);
        // Shorter variants (fewer quoted accounts, then the lagging tasks by number only) for a
        // briefing that would run past three pages.
        let mut views = vec![crate::docx::DocView::Briefing(Box::new(v.clone()))];
        let mut shorter = Vec::new();
        for fit in &view::BriefingFit::LADDER[1..] {
            let w = view::briefing(&inp, *fit);
            if let Ok(source) = crate::render::render(&env, templates, "briefing.typ.j2", &w) {
                shorter.push(source);
                views.push(crate::docx::DocView::Briefing(Box::new(w)));
            }
        }
        push(
            Kind::Briefing,
            Kind::Briefing.label().into(),
            v.title.clone(),
            format!("{}第{}期", v.name, v.issue),
            crate::render::render(&env, templates, "briefing.typ.j2", &v),
            (Some(3), shorter),
            views,
        );
    }
    if want(Kind::Leader) {
        let v = view::leader(&inp, view::LeaderFit::LADDER[0]);
        // Fallbacks with a shorter ranking and fewer red-light tasks (the register's lines stay),
        // tried by `compile_all` if the briefing runs past two pages (its 报尾 must share the last
        // page with text).
        let mut views = vec![crate::docx::DocView::Leader(Box::new(v.clone()))];
        let mut shorter = Vec::new();
        for fit in &view::LeaderFit::LADDER[1..] {
            let w = view::leader(&inp, *fit);
            if let Ok(source) = crate::render::render(&env, templates, "leader.typ.j2", &w) {
                shorter.push(source);
                views.push(crate::docx::DocView::Leader(Box::new(w)));
            }
        }
        push(
            Kind::Leader,
            Kind::Leader.label().into(),
            v.title.clone(),
            format!("{}第{}期", v.name, v.issue),
            crate::render::render(&env, templates, "leader.typ.j2", &v),
            (Some(2), shorter),
            views,
        );
    }
    if want(Kind::Order) {
        for v in view::orders(&inp) {
            // The unit name is user text: it becomes a file name only through the one rule.
            let stem = format!("{}-{}", Kind::Order.label(), crate::names::file_name(&v.unit));
            let source = crate::render::render(&env, templates, "order.typ.j2", &v);
            push(
                Kind::Order,
                stem,
                v.title.clone(),
                v.items.iter().map(|i| i.number.as_str()).collect::<Vec<_>>().join("、"),
                source,
                (None, Vec::new()),
                vec![crate::docx::DocView::Order(Box::new(v))],
            );
        }
    }
    if errors.has_errors() {
        return Err(BuildError { diagnostics: errors, sources: SourceMap::default() });
    }
    Ok(out)
}

/// What [`compile_all`] returns: per document (page count, (PDF bytes, warnings)), in the order of
/// the rendered documents, and the PNG previews (file name, bytes).
pub type CompiledAll = (Vec<(usize, (Vec<u8>, Diagnostics))>, Vec<(String, Vec<u8>)>);

/// Stage: Typst sources → documents and PDFs, on up to one worker per core; each OFD package is
/// written on a thread of its own as soon as its document is laid out, and the PNG previews are
/// rendered once all are compiled. The longest document (the notice, first in `rendered`) starts
/// first, and the others compile beside it: on two cores that hides everything but the notice.
/// The cache typst memoises into is shared by the workers and evicted once at the end, not
/// between documents: an eviction while another document is mid-layout would drop the entries
/// its next iteration needs. The output does not depend on the number of workers (tests).
pub fn compile_all(
    engine: &Engine,
    rendered: &mut [Rendered],
    date: crate::data::model::Date,
    flavor: PdfFlavor,
    png: &mut PreviewPages<'_>,
    ofd_author: Option<&str>,
    sources: &mut SourceMap,
) -> Result<CompiledAll, BuildError> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, rendered.len().max(1));
    let mut out = Vec::new();
    let mut pngs = Vec::new();
    let mut errors = Diagnostics::default();
    std::thread::scope(|scope| {
        // Each OFD is written on a thread of its own as soon as its document is laid out, while
        // the worker exports the PDF and goes on to the next document.
        let laid_out = |r: &Rendered, document: &Arc<PagedDocument>| {
            let author = ofd_author?;
            let meta = crate::ofd::Meta {
                title: r.title.clone(),
                author: author.to_owned(),
                date,
                number: r.number.clone(),
                ident: r.ident.clone(),
                archival: false,
                attachments: Vec::new(),
                custom: Vec::new(),
            };
            let document = document.clone();
            Some(scope.spawn(move || {
                let t = Instant::now();
                (crate::ofd::write(&document, &meta), t.elapsed())
            }))
        };
        let compiled = compile_parallel(engine, rendered, date, flavor, workers, &laid_out);
        // Typst's cache is trimmed beside the rest of the build (writing the files), not before it.
        std::thread::spawn(crate::engine::evict_cache);
        for (r, result) in rendered.iter_mut().zip(compiled) {
            match result {
                Ok(done) => {
                    let n = done.document.pages().len();
                    for page in png(r.kind, &done.document) {
                        if let Some(bytes) = crate::engine::render_png(&done.document, page.saturating_sub(1), 96.0) {
                            pngs.push((format!("{}-p{page}.png", r.stem), bytes));
                        }
                    }
                    match done.extra.map(|handle| handle.join()) {
                        None => {}
                        Some(Ok((Ok(bytes), time))) => r.ofd = Some((bytes, time)),
                        Some(Ok((Err(e), _))) => {
                            errors.push(Diagnostic::error(format!("{}：OFD 导出失败：{e}", r.stem)))
                        }
                        Some(Err(_)) => errors.push(Diagnostic::error(format!("{}：OFD 导出失败（内部错误）", r.stem))),
                    }
                    out.push((n, (done.pdf, done.warnings)));
                }
                Err(e) => {
                    errors.extend(e.diagnostics);
                    sources.extend(e.sources);
                }
            }
        }
    });
    if errors.has_errors() {
        return Err(BuildError { diagnostics: errors, sources: sources.clone() });
    }
    Ok((out, pngs))
}

/// One document compiled by [`compile_parallel`].
pub struct Done<T> {
    pub document: Arc<PagedDocument>,
    pub pdf: Vec<u8>,
    /// Warnings (already translated).
    pub warnings: Diagnostics,
    /// What the `laid_out` hook returned.
    pub extra: T,
}

/// Compiles every rendered document on `workers` threads (the calling thread and `workers` − 1
/// more), each taking the next document in order: layout, then `laid_out` (on the same thread,
/// before the PDF export), then the PDF.
/// The results come back in the order of `rendered`.
pub fn compile_parallel<T: Send>(
    engine: &Engine,
    rendered: &mut [Rendered],
    date: crate::data::model::Date,
    flavor: PdfFlavor,
    workers: usize,
    laid_out: &(dyn Fn(&Rendered, &Arc<PagedDocument>) -> T + Sync),
) -> Vec<Result<Done<T>, crate::engine::CompileError>> {
    let count = rendered.len();
    let queue = std::sync::Mutex::new(rendered.iter_mut().enumerate());
    let next = || queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next();
    let mut results: Vec<Option<_>> = (0..count).map(|_| None).collect();
    let run = |r: &mut Rendered| {
        layout_one(engine, r, date, flavor).and_then(|(job, document, warnings)| {
            let document = Arc::new(document);
            let extra = laid_out(r, &document);
            let pdf = engine.export(&document, &job)?;
            Ok(Done { document, pdf, warnings, extra })
        })
    };
    let drain = || {
        let mut done = Vec::new();
        while let Some((index, r)) = next() {
            done.push((index, run(r)));
        }
        done
    };
    std::thread::scope(|scope| {
        // The calling thread takes the first document (the longest) before the other workers
        // start, and compiles it itself rather than wait idle: one thread fewer, and the longest
        // document starts first (issue 22 §8).
        let first = next();
        let handles: Vec<_> = (1..workers.max(1)).map(|_| scope.spawn(drain)).collect();
        if let Some((index, r)) = first {
            // As a worker's: a panic leaves this thread's documents unfilled, reported below.
            let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut done = vec![(index, run(r))];
                done.extend(drain());
                done
            }));
            for (index, result) in mine.unwrap_or_default() {
                results[index] = Some(result);
            }
        }
        for handle in handles {
            // A worker that panicked leaves its documents unfilled; they are reported below.
            for (index, result) in handle.join().unwrap_or_default() {
                results[index] = Some(result);
            }
        }
    });
    results
        .into_iter()
        .zip(rendered.iter())
        .map(|(result, r)| {
            result.unwrap_or_else(|| {
                Err(crate::engine::CompileError {
                    diagnostics: Diagnostics(vec![Diagnostic::error(format!("{}：排版失败（内部错误）", r.stem))]),
                    sources: SourceMap::default(),
                })
            })
        })
        .collect()
}

/// Source bytes per allowed page of a document's first (longest) variant above which
/// [`layout_one`] starts with the shortest variant: the first is then unlikely to fit. The bundled
/// county data gives about 1 100–1 400 (简报) and 1 750–2 400 (领导参阅; 2023Q3, the longest, fits in
/// its fifth variant) bytes per page, a city's plan (issue 22 §8) 3 400 and more, where the first
/// variants never fit.
const LIKELY_TOO_LONG: usize = 2_200;

/// Lays out one document; when it is too long for its kind, the shorter variants, keeping the
/// longest that fits, else the last (shortest), and its source in `r`. Returns the job that made
/// it (for the export), the document and its warnings (with one more when even the kept variant
/// is too long).
///
/// Each variant leaves something out of the one before, so none is longer than the one before:
/// once the first is too long, the shortest is laid out next (when it is too long as well it is
/// the one kept), then the variants before it from the shortest up, until one is too long; the
/// one after it is kept. For a city's plan, where only the last variant or nearly fits, that is
/// three layouts rather than one per variant. A document whose first source is long for its
/// pages ([`LIKELY_TOO_LONG`]) starts with the shortest: two layouts there. Only the kept layout
/// and the one being tried are held at a time. (A Typst error in a variant is kept and reported
/// like its layout.)
fn layout_one(
    engine: &Engine,
    r: &mut Rendered,
    date: crate::data::model::Date,
    flavor: PdfFlavor,
) -> Result<(Job, PagedDocument, Diagnostics), crate::engine::CompileError> {
    let mut job = Job {
        name: format!("{}.typ", r.stem),
        source: String::new(),
        timestamp: timestamp(date),
        ident: r.ident.clone(),
        flavor,
        files: Vec::new(),
    };
    let variants: Vec<String> = std::iter::once(r.source.clone()).chain(std::mem::take(&mut r.shorter)).collect();
    let last = variants.len() - 1;
    let max = r.max_pages.filter(|_| last > 0);
    type Laid = Result<(PagedDocument, Diagnostics), crate::engine::CompileError>;
    let mut lay = |i: usize| -> Laid {
        job.source = variants[i].clone();
        engine.layout(&job)
    };
    let over = |laid: &Laid| matches!((laid, max), (Ok((document, _)), Some(max)) if document.pages().len() > max);
    let shortest_first = max.is_some_and(|max| variants[0].len() > LIKELY_TOO_LONG * max);
    // The variant kept so far, and the longer ones still to try (from `longest` up to `keep` - 1).
    let (mut keep, mut result, longest) = if shortest_first {
        (last, lay(last), 0)
    } else {
        let first = lay(0);
        if over(&first) && last > 0 {
            drop(first);
            (last, lay(last), 1)
        } else {
            (0, first, 0)
        }
    };
    if keep == last && !over(&result) {
        for i in (longest..last).rev() {
            let longer = lay(i);
            if over(&longer) {
                break;
            }
            (keep, result) = (i, longer);
        }
    }
    r.variant = keep;
    r.source = variants.into_iter().nth(keep).unwrap_or_default();
    job.source = r.source.clone();
    result.map(|(document, mut warnings)| {
        if let Some(max) = max.filter(|max| document.pages().len() > *max) {
            warnings.push(too_long(r.kind, document.pages().len(), max));
        }
        (job, document, warnings)
    })
}

/// The warning for a document longer than its kind's page limit even in its shortest variant:
/// it is still written (the office decides), and says what was already left out.
fn too_long(kind: Kind, pages: usize, max: usize) -> Diagnostic {
    let what = match kind {
        Kind::Leader => {
            "已是最短的一稿：排名只列前后各 1 名，红灯任务只写项数和编号，需协调事项按层级计数，约谈建议按单位合并"
        }
        _ => "已是最短的一稿",
    };
    Diagnostic::warning(format!("{}排出 {pages} 页，超过 {max} 页的篇幅（{what}）", kind.label()))
        .hint(format!("文件照常生成；如须 {max} 页之内，可另生成 Word 草稿（.docx）核减后印发"))
}

/// Stage (with `--format docx`): the .docx draft of each document, from the view model whose
/// source was kept (after a shorter variant, that variant's), with the fixed phrases of the
/// template set's `lib/phrases.typ`.
pub fn docx_all(
    rendered: &mut [Rendered],
    templates: &Templates,
    author: &str,
    date: crate::data::model::Date,
) -> Result<(), Diagnostic> {
    let phrases = crate::docx::Phrases::of(templates)
        .map_err(|e| Diagnostic::error(e).hint("检查模板覆盖目录中的 lib/phrases.typ，或删除它以使用内置文件"))?;
    for r in rendered {
        let Some(view) = r.views.get(r.variant) else { continue };
        let meta = crate::docx::Meta { title: r.title.clone(), author: author.to_owned(), date };
        let bytes =
            crate::docx::write(view, &phrases, &meta).map_err(|e| Diagnostic::error(format!("{}：{e}", r.stem)))?;
        r.docx = Some(bytes);
    }
    Ok(())
}

/// Stage: writes every PDF (temp file + rename), the Typst sources when asked, and the
/// manifest last, so an interrupted run leaves the previous outputs intact. With `keep_others`
/// (a build of some kinds only), the manifest also keeps the entries of the previous one for
/// documents not built now whose files are still there with the listed sha256.
pub fn write_outputs(
    dir: &Path,
    period: Period,
    rendered: &[Rendered],
    compiled: &[(usize, (Vec<u8>, Diagnostics))],
    emit: Option<&Templates>,
    keep_others: bool,
) -> Result<Vec<DocumentOut>, crate::fsutil::OutputError> {
    let mut docs = Vec::new();
    for (r, (pages, (pdf, _))) in rendered.iter().zip(compiled) {
        let name = format!("{}.pdf", r.stem);
        crate::fsutil::write_atomic(&crate::names::join_inside(dir, &name)?, pdf)?;
        if emit.is_some() {
            let typ = crate::names::join_inside(dir, &format!("{}.typ", r.stem))?;
            crate::fsutil::write_atomic(&typ, r.source.as_bytes())?;
        }
        docs.push(DocumentOut {
            kind: r.kind,
            // Relative to the manifest's own folder: just the file name.
            path: name,
            title: r.title.clone(),
            pages: *pages,
            sha256: hex(&Sha256::digest(pdf)),
            bytes: pdf.len(),
            ofd: match &r.ofd {
                Some((ofd, _)) => {
                    let ofd_name = format!("{}.ofd", r.stem);
                    crate::fsutil::write_atomic(&crate::names::join_inside(dir, &ofd_name)?, ofd)?;
                    Some(FileOut { path: ofd_name, sha256: hex(&Sha256::digest(ofd)), bytes: ofd.len() })
                }
                None => None,
            },
            docx: match &r.docx {
                Some(docx) => {
                    let name = format!("{}.docx", r.stem);
                    crate::fsutil::write_atomic(&crate::names::join_inside(dir, &name)?, docx)?;
                    Some(FileOut { path: name, sha256: hex(&Sha256::digest(docx)), bytes: docx.len() })
                }
                None => None,
            },
        });
    }
    if let Some(t) = emit {
        for (path, text, _) in t.typst_files() {
            crate::fsutil::write_atomic(&crate::names::join_relative_inside(dir, path)?, text.as_bytes())?;
        }
    }
    let mut listed: Vec<serde_json::Value> = Vec::new();
    if keep_others {
        listed = kept_entries(dir, &docs);
    }
    listed.extend(docs.iter().map(|d| serde_json::to_value(d).unwrap_or_default()));
    let rank = |v: &serde_json::Value| Kind::ALL.iter().position(|k| v["kind"] == k.id()).unwrap_or(Kind::ALL.len());
    listed.sort_by_key(|v| rank(v));
    let manifest = serde_json::json!({ "period": period, "documents": listed });
    crate::fsutil::write_atomic(
        &dir.join("manifest.json"),
        (serde_json::to_string_pretty(&manifest)? + "\n").as_bytes(),
    )?;
    Ok(docs)
}

/// The entries of `dir/manifest.json` for documents other than `docs` whose file is still there
/// with the sha256 the entry lists.
fn kept_entries(dir: &Path, docs: &[DocumentOut]) -> Vec<serde_json::Value> {
    let Some(old) = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    else {
        return Vec::new();
    };
    let entries = old["documents"].as_array().cloned().unwrap_or_default();
    entries
        .into_iter()
        .filter(|e| {
            let Some(name) = e["path"].as_str() else { return false };
            if docs.iter().any(|d| d.path == name) {
                return false;
            }
            let Ok(path) = crate::names::join_inside(dir, name) else { return false };
            std::fs::read(path).is_ok_and(|b| e["sha256"].as_str() == Some(hex(&Sha256::digest(&b)).as_str()))
        })
        .collect()
}

/// The engine's timestamp of a document issued on `d` (midnight; a [`Date`] is always a valid
/// date, the fallback is never used).
pub fn timestamp(d: crate::data::model::Date) -> crate::engine::Datetime {
    crate::engine::Datetime::from_ymd(d.year, d.month, d.day)
        .unwrap_or_else(|| crate::engine::Datetime::from_ymd(2000, 1, 1).expect("valid date"))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
