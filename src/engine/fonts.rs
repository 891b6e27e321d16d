//! Fonts: only the bundled `fonts/` directory (plus any `--font-path` the user adds), scanned once
//! per run and loaded lazily, shared by every document.
//!
//! Where the bundled fonts are found (no embedding: the Fandol and Noto files are ~120 MB, and
//! embedding them would add that to every build of the binary), in this order, the first
//! directory holding `FandolFang-Regular.otf` winning:
//! 1. `$DUCHA_FONTS`;
//! 2. `fonts/` or `share/ducha/fonts/` in the executable's directory or one, two or three levels
//!    above it (`target/release/ducha` finds the repository's `fonts/`; an install under
//!    `/usr/local/bin` finds `/usr/local/share/ducha/fonts`);
//! 3. the `fonts/` of the source tree the binary was built from.
//!
//! `--font-path` directories are scanned in addition to the bundled one. System fonts are never
//! used.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo, FontStretch, FontStyle, FontVariant, FontWeight};
use typst::utils::LazyHash;
use typst_kit::fonts::{FontSource, FontStore};

/// What a piece of text prints as: a font role, with its Typst family stack
/// (templates/lib/README.md §L10; the same stacks as `fang`, `kai`, `hei`, `song`, `xbs` in
/// `templates/lib/gongwen.typ`). The first family is the face the role is drawn in; later ones
/// are fallbacks for characters it lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// 仿宋: body text.
    Fangsong,
    /// 楷体: section titles of the notice.
    Kaiti,
    /// 黑体: 密级, 紧急程度, headings.
    Heiti,
    /// 宋体.
    Songti,
    /// 小标宋: titles and the 发文机关标志.
    Xiaobiaosong,
}

impl Role {
    /// Every role, in the order `ducha fonts` lists them.
    pub const ALL: [Role; 5] = [Role::Fangsong, Role::Kaiti, Role::Heiti, Role::Songti, Role::Xiaobiaosong];

    /// The Chinese name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Role::Fangsong => "仿宋",
            Role::Kaiti => "楷体",
            Role::Heiti => "黑体",
            Role::Songti => "宋体",
            Role::Xiaobiaosong => "小标宋",
        }
    }

    /// The family stack, own face first.
    pub fn stack(self) -> &'static [&'static str] {
        match self {
            Role::Fangsong => &["FandolFang R", "Noto Serif CJK SC"],
            Role::Kaiti => &["FandolKai", "Noto Serif CJK SC"],
            Role::Heiti => &["FandolHei", "Noto Sans CJK SC"],
            Role::Songti => &["FandolSong", "Noto Serif CJK SC"],
            Role::Xiaobiaosong => &["Noto Serif CJK SC"],
        }
    }
}

/// The file that marks a directory as ducha's bundled font directory.
const MARKER: &str = "FandolFang-Regular.otf";

/// The fonts of one run.
pub struct Fonts {
    store: FontStore,
    /// Directories scanned, in order.
    pub dirs: Vec<PathBuf>,
    /// (path, face index) per font index, for `ducha fonts`.
    pub paths: Vec<(PathBuf, u32)>,
}

impl Fonts {
    /// Scans the bundled font directory and `extra` directories. Errors when the bundled fonts
    /// cannot be found.
    pub fn load(extra: &[PathBuf]) -> Result<Fonts, String> {
        let bundled = bundled_dir().ok_or_else(|| {
            "找不到随程序提供的字体目录 fonts/（应含 FandolFang-Regular.otf）。\
             可用 --font-path 或环境变量 DUCHA_FONTS 指定"
                .to_string()
        })?;
        let mut dirs = vec![bundled];
        dirs.extend(extra.iter().cloned());
        let mut entries: Vec<(MappedFont, FontInfo)> = Vec::new();
        for (i, dir) in dirs.iter().enumerate() {
            // In the bundled directory only the faces of the role stacks are indexed: the Noto
            // collections also hold JP/KR/TC/HK faces, and computing their coverage would
            // double the start-up time for faces ducha never selects.
            entries.extend(scan_dir(dir, i == 0));
        }
        let paths = entries.iter().map(|(p, _)| (p.path.clone(), p.index)).collect();
        let mut store = FontStore::new();
        store.extend(entries);
        Ok(Fonts { store, dirs, paths })
    }

    /// The font book (metadata of every face).
    pub fn book(&self) -> &LazyHash<FontBook> {
        self.store.book()
    }

    /// The face with this index, loaded on first use.
    pub fn font(&self, index: usize) -> Option<Font> {
        self.store.font(index)
    }

    /// Loads the face each role prints in (its stack's first family, 小标宋 bold), so the first
    /// document does not wait for them. Meant for a background thread while data is read; a
    /// face being loaded here is waited for, not loaded twice, by a compile that needs it.
    pub fn warm(&self) {
        for role in Role::ALL {
            let weight = if role == Role::Xiaobiaosong { FontWeight::BOLD } else { FontWeight::REGULAR };
            let variant = FontVariant { style: FontStyle::Normal, weight, stretch: FontStretch::NORMAL };
            if let Some(index) = self.book().select(&role.stack()[0].to_lowercase(), variant) {
                self.font(index);
            }
        }
    }

    /// Whether any face of `family` covers `c`.
    pub fn family_covers(&self, family: &str, c: char) -> bool {
        let book = self.book();
        book.select_family(&family.to_lowercase())
            .any(|i| book.info(i).is_some_and(|info| info.coverage.contains(c as u32)))
    }

    /// Which family of a role's stack draws `c`: `Some(0)` the role's own face, `Some(k)` the k-th
    /// fallback, `None` no bundled font.
    pub fn resolve(&self, stack: &[&str], c: char) -> Option<usize> {
        stack.iter().position(|f| self.family_covers(f, c))
    }

    /// Whether `family` exists at all.
    pub fn has_family(&self, family: &str) -> bool {
        self.book().select_family(&family.to_lowercase()).next().is_some()
    }
}

/// The families the role stacks name.
fn wanted_family(family: &str) -> bool {
    Role::ALL.iter().any(|r| r.stack().iter().any(|f| f.eq_ignore_ascii_case(family)))
}

/// Indexes the fonts of one directory (recursively), sorted by path and face index so font
/// indices, and so the output bytes, never depend on directory order.
fn scan_dir(dir: &Path, only_wanted: bool) -> Vec<(MappedFont, FontInfo)> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            matches!(ext.as_str(), "otf" | "ttf" | "ttc" | "otc")
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        // Memory-mapped: indexing touches only the name, cmap and OS/2 tables, not 128 MB.
        let Ok(file) = std::fs::File::open(&path) else { continue };
        // SAFETY: the font files are read-only inputs that ducha never writes; a file changed
        // by another process while mapped could at worst yield a wrong index entry for this run.
        let Ok(map) = (unsafe { memmap2::Mmap::map(&file) }) else { continue };
        let data: &[u8] = &map;
        let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
        for index in 0..count {
            if only_wanted {
                let Ok(face) = ttf_parser::Face::parse(data, index) else { continue };
                let family = face
                    .names()
                    .into_iter()
                    .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
                    .find_map(|n| n.to_string());
                if !family.as_deref().is_some_and(wanted_family) {
                    continue;
                }
            }
            if let Some(info) = FontInfo::new(data, index) {
                out.push((MappedFont { path: path.clone(), index }, info));
            }
        }
    }
    out
}

/// A face in a font file, memory-mapped when Typst first asks for it.
///
/// typst-kit's `FontPath` reads the whole file onto the heap: for the Noto collections that is
/// 20–27 MB each, copied although a document prints a few hundred glyphs. Mapped, the file stays
/// in the page cache, shared by every face of a collection and every process.
pub struct MappedFont {
    /// The font file.
    pub path: PathBuf,
    /// The face index in a collection (0 for a single font).
    pub index: u32,
}

/// A mapped font file as Typst bytes.
struct Mapped(Arc<memmap2::Mmap>);

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl FontSource for MappedFont {
    fn load(&self) -> Option<Font> {
        let file = std::fs::File::open(&self.path).ok()?;
        // SAFETY: as in `scan_dir`: the font files are read-only inputs ducha never writes.
        let map = Arc::new(unsafe { memmap2::Mmap::map(&file) }.ok()?);
        let font = Font::new(Bytes::new(Mapped(map.clone())), self.index)?;
        // Typst keys its caches on a hash of the whole file, computed on first use; that reads
        // every page of it (27 MB for a Noto collection). Hash now, then let the pages go from
        // this process: later reads (a few tables, the outlines of the printed glyphs) map
        // them back from the page cache, so peak memory holds what is used, not whole files.
        typst::utils::hash128(&font);
        // SAFETY: a read-only private file mapping: dropped pages are read again from the file
        // on the next access, so no content is lost.
        let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        Some(font)
    }
}

/// Reads a font file into typst bytes (used by tests and `ducha fonts`).
pub fn read_font(path: &Path, index: u32) -> Option<Font> {
    Font::new(Bytes::new(std::fs::read(path).ok()?), index)
}

/// Finds the bundled font directory (see the module docs for the order).
pub fn bundled_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(env) = std::env::var_os("DUCHA_FONTS") {
        candidates.push(PathBuf::from(env));
    }
    if let Ok(exe) = std::env::current_exe() {
        let exe = exe.canonicalize().unwrap_or(exe);
        for anc in exe.ancestors().skip(1).take(4) {
            candidates.push(anc.join("fonts"));
            candidates.push(anc.join("share/ducha/fonts"));
        }
    }
    // The source tree is baked in on purpose, as the last resort: `cargo run` and `cargo test`
    // may place the binary in a target directory outside the checkout (`CARGO_TARGET_DIR`, as CI
    // does), where no ancestor holds `fonts/`. An installed binary never gets this far
    // (`share/ducha/fonts` or `$DUCHA_FONTS`), and a stale path is skipped by the marker check.
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts"));
    candidates.into_iter().find(|d| d.join(MARKER).is_file())
}

/// Shared handle.
pub type SharedFonts = Arc<Fonts>;
