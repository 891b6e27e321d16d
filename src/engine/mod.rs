//! Stage 5, compile: Typst source → `PagedDocument` → PDF (or PNG), in process.
//!
//! One [`Engine`] per run holds what every document shares: the fonts (scanned once, loaded
//! lazily), the standard library, and the library `.typ` files parsed once. Each [`Job`] gets its
//! own [`world::DocWorld`] with its main source, its attachments and its timestamp. Output is
//! reproducible: the PDF timestamp and `today` come from the job's timestamp, the PDF ident from
//! the job, fonts only from `fonts/`.
//!
//! The engine knows Typst, fonts and PDF, nothing of the supervision domain: callers hand it a
//! timestamp (`pipeline::timestamp` turns an issue date into one) and the library files as
//! (path, text, name) triples (`Templates::typst_files`).

pub mod fonts;
pub mod glyphs;
pub mod world;

use std::collections::HashMap;
use std::sync::Arc;

use typst::diag::{Severity as TypstSeverity, SourceDiagnostic};
use typst::foundations::{Bytes, Smart};
use typst::syntax::{ast, FileId, LinkedNode, RootedPath, Side, Source, SyntaxKind, VirtualPath, VirtualRoot};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::diag::{Diagnostic, Diagnostics, Loc, SourceMap};
use fonts::Fonts;
use world::DocWorld;

/// A point in time as Typst has it; a [`Job`]'s timestamp.
pub use typst::foundations::Datetime;

/// What every document of a run shares.
pub struct Engine {
    library: LazyHash<Library>,
    /// The same library with `sys.inputs.ducha-pdfa = "1"`: PDF/A cannot hold CMYK colours, and
    /// the templates switch to sRGB on this input. Built when a PDF/A job first asks for it
    /// (a plain build never does).
    library_pdfa: std::sync::OnceLock<LazyHash<Library>>,
    pub fonts: Arc<Fonts>,
    /// Library `.typ` files by id, parsed once.
    lib_sources: HashMap<FileId, Source>,
    /// Display names of the library files, for diagnostics.
    lib_names: HashMap<FileId, String>,
}

/// PDF flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfFlavor {
    /// Plain PDF 1.7 (tagged).
    Plain,
    /// PDF/A-3b, for the archive (sources attached).
    A3b,
}

/// One document to compile.
pub struct Job {
    /// File name of the main source, e.g. `notice.typ` (served as `/notice.typ`).
    pub name: String,
    /// The generated Typst source.
    pub source: String,
    /// The document's fixed time: the PDF timestamp (as UTC) and `datetime.today()`.
    pub timestamp: Datetime,
    /// Stable PDF identifier.
    pub ident: String,
    pub flavor: PdfFlavor,
    /// Extra files served to the document (attachments), by absolute virtual path.
    pub files: Vec<(String, Vec<u8>)>,
}

/// A compiled document.
pub struct Compiled {
    pub document: PagedDocument,
    pub pdf: Vec<u8>,
    /// Warnings (already translated).
    pub warnings: Diagnostics,
}

/// Compile failure: diagnostics plus the sources they point into.
#[derive(Debug)]
pub struct CompileError {
    pub diagnostics: Diagnostics,
    pub sources: SourceMap,
}

impl Engine {
    /// Builds the engine over loaded fonts and the library files every document may import:
    /// (path relative to the project root, text, name shown in diagnostics).
    pub fn new<'a>(fonts: Arc<Fonts>, library: impl IntoIterator<Item = (&'a str, &'a str, String)>) -> Engine {
        let mut lib_sources = HashMap::new();
        let mut lib_names = HashMap::new();
        for (path, text, origin) in library {
            if let Some(id) = file_id(&format!("/{path}")) {
                lib_sources.insert(id, Source::new(id, text.to_owned()));
                lib_names.insert(id, origin);
            }
        }
        Engine {
            library: LazyHash::new(Library::default()),
            library_pdfa: std::sync::OnceLock::new(),
            fonts,
            lib_sources,
            lib_names,
        }
    }

    /// Compiles a job to a document and a PDF.
    pub fn compile(&self, job: &Job) -> Result<Compiled, CompileError> {
        let (document, warnings) = self.layout(job)?;
        let pdf = self.export(&document, job)?;
        Ok(Compiled { document, pdf, warnings })
    }

    /// Exports a laid-out document to PDF with the job's fixed timestamp, ident and standard.
    pub fn export(&self, document: &PagedDocument, job: &Job) -> Result<Vec<u8>, CompileError> {
        let standards = match job.flavor {
            PdfFlavor::Plain => PdfStandards::default(),
            PdfFlavor::A3b => PdfStandards::new(&[PdfStandard::A_3b]).map_err(|e| CompileError {
                diagnostics: Diagnostics(vec![Diagnostic::error(format!("PDF/A 设置错误：{}", e.message()))]),
                sources: SourceMap::default(),
            })?,
        };
        let options = PdfOptions {
            ident: Smart::Custom(job.ident.clone()),
            timestamp: Some(Timestamp::new_utc(job.timestamp)),
            standards,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(document, &options).map_err(|errs| self.translate(&self.world(job), job, &errs))
    }

    /// Compiles a job to a laid-out document only (no PDF), returning translated warnings.
    pub fn layout(&self, job: &Job) -> Result<(PagedDocument, Diagnostics), CompileError> {
        let world = self.world(job);
        let result = typst::compile::<PagedDocument>(&world);
        // Typst only warns about an unknown font family and silently substitutes: that is how
        // tofu and wrong faces sneak into an official document, so it is an error here.
        let (font_warnings, other): (Vec<SourceDiagnostic>, Vec<SourceDiagnostic>) =
            result.warnings.iter().cloned().partition(|d| is_unknown_font(&world, d));
        let fonts = self.translate(&world, job, &font_warnings);
        let font_errors: Vec<Diagnostic> = fonts
            .diagnostics
            .0
            .into_iter()
            .map(|d| {
                Diagnostic { severity: crate::diag::Severity::Error, ..d }
                    .hint("检查模板中的字体名；可用 `ducha fonts` 查看已有字体")
            })
            .collect();
        let mut warnings = self.translate(&world, job, &other);
        warnings.sources.extend(fonts.sources);
        match result.output {
            Ok(doc) if font_errors.is_empty() => Ok((doc, warnings.diagnostics)),
            Ok(_) => {
                warnings.diagnostics = Diagnostics(font_errors);
                Err(warnings)
            }
            Err(errors) => {
                let mut e = self.translate(&world, job, &errors);
                e.diagnostics.0.extend(font_errors);
                Err(e)
            }
        }
    }

    fn world(&self, job: &Job) -> DocWorld<'_> {
        let main = file_id(&format!("/{}", job.name)).unwrap_or_else(|| file_id("/main.typ").expect("static path"));
        let main_source = Source::new(main, job.source.clone());
        let files = job.files.iter().filter_map(|(p, b)| Some((file_id(p)?, Bytes::new(b.clone())))).collect();
        DocWorld {
            library: match job.flavor {
                PdfFlavor::Plain => &self.library,
                PdfFlavor::A3b => self.library_pdfa.get_or_init(|| {
                    let mut inputs = typst::foundations::Dict::new();
                    inputs.insert("ducha-pdfa".into(), typst::foundations::IntoValue::into_value("1"));
                    LazyHash::new(Library::builder().with_inputs(inputs).build())
                }),
            },
            fonts: &self.fonts,
            main,
            sources: &self.lib_sources,
            main_source,
            files,
            today: job.timestamp,
        }
    }

    /// Translates typst diagnostics into ours, with file:line:column and the sources to show.
    fn translate(&self, world: &DocWorld, job: &Job, diags: &[SourceDiagnostic]) -> CompileError {
        let mut sources = SourceMap::default();
        let mut out = Diagnostics::default();
        for d in diags {
            let mut loc = None;
            let mut len = 1;
            if let (Some(id), Some(range)) = (d.span.id(), world.range(d.span)) {
                if let Ok(src) = world.source(id) {
                    let name = if id == world.main() {
                        format!("(生成的 Typst 源文件) {}", job.name)
                    } else {
                        self.lib_names.get(&id).cloned().unwrap_or_else(|| id.vpath().get_without_slash().to_owned())
                    };
                    if let Some((line, col)) = src.lines().byte_to_line_column(range.start) {
                        let text = src.text();
                        let col_chars =
                            text[..range.start].rsplit('\n').next().map(|s| s.chars().count()).unwrap_or(col);
                        len = text
                            .get(range.clone())
                            .map(|s| s.lines().next().unwrap_or("").chars().count())
                            .unwrap_or(1);
                        loc = Some(Loc::new(name.clone(), line + 1, col_chars + 1));
                    }
                    sources.insert(name, src.text().to_owned());
                }
            }
            let mut diag = match d.severity {
                TypstSeverity::Error => Diagnostic::error(format!("Typst 排版错误：{}", d.message)),
                TypstSeverity::Warning => Diagnostic::warning(format!("Typst 警告：{}", d.message)),
            };
            if let Some(loc) = loc {
                diag = diag.at_span(loc, len);
            }
            for h in &d.hints {
                diag = diag.hint(h.v.to_string());
            }
            out.push(diag);
        }
        CompileError { diagnostics: out, sources }
    }
}

/// Whether a Typst warning is the one about an unknown font family.
///
/// Typst 0.15's `SourceDiagnostic` has no kind or code — only severity, span, message, trace and
/// hints — so the warning cannot be recognised by kind. Its span can: `check_font_list`
/// (typst-library `text/mod.rs`) warns at the value of the `font:` argument, and no other warning
/// of Typst 0.15 points there. A font list that reaches `text` another way (an argument spread
/// `..args`, a value built elsewhere and passed on) leaves no such span, so the message is still
/// matched as a fallback: the English text is the only other handle the API gives.
fn is_unknown_font(world: &DocWorld, d: &SourceDiagnostic) -> bool {
    d.severity == TypstSeverity::Warning && (at_font_argument(world, d) || d.message.starts_with("unknown font family"))
}

/// True when the diagnostic's span is exactly the value of a named argument `font: …`.
fn at_font_argument(world: &DocWorld, d: &SourceDiagnostic) -> bool {
    let (Some(id), Some(range)) = (d.span.id(), world.range(d.span)) else { return false };
    let Ok(source) = world.source(id) else { return false };
    let root = LinkedNode::new(source.root());
    let mut node = root.leaf_at(range.start, Side::After);
    while let Some(n) = node {
        if n.kind() == SyntaxKind::Named {
            let is_font = n.cast::<ast::Named>().is_some_and(|named| named.name().as_str() == "font");
            return is_font && n.children().last().is_some_and(|value| value.range() == range);
        }
        node = n.parent().cloned();
    }
    false
}

/// Renders one page (0-based) to PNG at `ppi` pixels per inch.
pub fn render_png(document: &PagedDocument, page: usize, ppi: f32) -> Option<Vec<u8>> {
    let page = document.pages().get(page)?;
    let opts = typst_render::RenderOptions {
        pixel_per_pt: typst::utils::Scalar::new(f64::from(ppi) / 72.0),
        ..Default::default()
    };
    typst_render::render(page, &opts).encode_png().ok()
}

/// A fingerprint of what each page shows, for telling which pages an edit changed: the glyphs
/// (font, size, colour, glyph ids and offsets), shapes and images with their positions, and the
/// groups' transforms and clips. Source spans, introspection tags and links are left out: an edit
/// early in a source renumbers every later span, which would make every later page look changed.
/// Equal fingerprints mean identical pictures within one process (the hasher is std's SipHash
/// with fixed keys).
pub fn page_fingerprints(document: &PagedDocument) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    use typst::layout::{Frame, FrameItem};

    fn frame<H: Hasher>(f: &Frame, h: &mut H) {
        f.size().hash(h);
        for (pos, item) in f.items() {
            pos.hash(h);
            match item {
                FrameItem::Group(g) => {
                    0u8.hash(h);
                    g.transform.hash(h);
                    g.clip.hash(h);
                    frame(&g.frame, h);
                }
                FrameItem::Text(t) => {
                    1u8.hash(h);
                    t.font.hash(h);
                    t.size.hash(h);
                    t.fill.hash(h);
                    t.stroke.hash(h);
                    for g in &t.glyphs {
                        (g.id, g.x_advance, g.x_offset, g.y_advance, g.y_offset).hash(h);
                    }
                }
                FrameItem::Shape(shape, _) => {
                    2u8.hash(h);
                    shape.hash(h);
                }
                FrameItem::Image(image, size, _) => {
                    3u8.hash(h);
                    image.hash(h);
                    size.hash(h);
                }
                FrameItem::Link(..) | FrameItem::Tag(_) => {}
            }
        }
    }
    document
        .pages()
        .iter()
        .map(|page| {
            let mut h = std::hash::DefaultHasher::new();
            frame(&page.frame, &mut h);
            page.fill.hash(&mut h);
            h.finish()
        })
        .collect()
}

/// Interns a project path.
pub fn file_id(path: &str) -> Option<FileId> {
    Some(RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).ok()?).intern())
}

/// Evicts from typst's memoisation cache what the last two builds did not use (long-lived
/// processes call it after each build, so memory stays bounded while an unchanged rebuild still
/// finds its layouts).
pub fn evict_cache() {
    typst::comemo::evict(2);
}

/// Empties typst's memoisation cache (benchmarks: each run starts from nothing).
pub fn clear_cache() {
    typst::comemo::evict(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A warning at the value of `font:` is the unknown-font warning whatever its wording; a
    /// warning elsewhere with another wording is not.
    #[test]
    fn the_font_warning_is_recognised_by_its_span() {
        let engine = Engine::new(Arc::new(Fonts::load(&[]).expect("bundled fonts")), std::iter::empty());
        let source = "#set text(font: (\"Nope\", \"Nope2\"), size: 12pt)\nx";
        let job = Job {
            name: "t.typ".into(),
            source: source.into(),
            timestamp: Datetime::from_ymd(2023, 7, 14).expect("date"),
            ident: "t".into(),
            flavor: PdfFlavor::Plain,
            files: Vec::new(),
        };
        let world = engine.world(&job);
        let main = world.source(world.main()).expect("main");
        let root = LinkedNode::new(main.root());
        let node_at = |needle: &str| {
            let at = source.find(needle).expect("needle");
            let mut n = root.leaf_at(at, Side::After).expect("leaf");
            while n.range() != (at..at + needle.len()) {
                n = n.parent().expect("parent").clone();
            }
            n.span()
        };
        let font = SourceDiagnostic::warning(node_at("(\"Nope\", \"Nope2\")"), "reworded in a later Typst");
        assert!(is_unknown_font(&world, &font));
        let size = SourceDiagnostic::warning(node_at("12pt"), "something about the size");
        assert!(!is_unknown_font(&world, &size));
        let old_text = SourceDiagnostic::warning(node_at("12pt"), "unknown font family: x");
        assert!(is_unknown_font(&world, &old_text), "the message is still a fallback");
        // Typst's own warnings (one per unknown family) are found by their span.
        let result = typst::compile::<PagedDocument>(&world);
        assert_eq!(result.warnings.iter().filter(|d| at_font_argument(&world, d)).count(), 2, "{:?}", result.warnings);
    }
}
