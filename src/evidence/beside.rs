//! Files placed beside a report for the YAML and Excel doors (docs/rules.md §21): a report's
//! `evidence:` entries may name files in `reports/<期间>/<单位>.files/`. [`check`] says, located at
//! the entry, which named files are missing, too large or of a refused type; [`import`] (`ducha
//! evidence import`) takes them into the store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::config::{human_size, EvidenceConfig};
use crate::data::load::Loaded;
use crate::diag::{Diagnostic, Diagnostics};

/// The suffix of the folder beside a report: `reports/2023Q3/县发改局.yaml` →
/// `reports/2023Q3/县发改局.files/`.
pub const FILES_SUFFIX: &str = ".files";

/// True for a `<单位>.files` folder (skipped when reports are looked for).
pub fn is_files_dir(path: &Path) -> bool {
    path.is_dir() && path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(FILES_SUFFIX))
}

/// The folder beside the report file `report`.
pub fn files_dir(report: &Path) -> PathBuf {
    let stem = report.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    report.with_file_name(format!("{stem}{FILES_SUFFIX}"))
}

/// True when an `evidence:` entry names a file (`验收报告.pdf`), not a description
/// (`材料另行报送`): it ends in a dot and 1–5 letters or digits.
pub fn names_a_file(entry: &str) -> bool {
    entry.trim().rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The regular files of a `.files/` folder by name, with path and size.
type Present = BTreeMap<String, (PathBuf, u64)>;

/// The regular files of a `.files/` folder by name (hidden files left out).
fn present(dir: &Path) -> Present {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_file() && !name.starts_with('.') {
            out.insert(name, (e.path(), meta.len()));
        }
    }
    out
}

/// The folder as messages show it: beside the report's shown name.
fn shown_dir(report_name: &str) -> String {
    let stem = report_name.strip_suffix(".yaml").or_else(|| report_name.strip_suffix(".yml")).unwrap_or(report_name);
    format!("{stem}{FILES_SUFFIX}/")
}

/// One `evidence:` entry that names a file in the folder beside its report.
pub struct Named<'a> {
    /// The report's period and unit as written, and the entry's task.
    pub period: &'a str,
    pub unit: &'a str,
    pub task: u32,
    /// The entry as written (the file's name).
    pub name: &'a str,
    /// The file, when it is there, with its size.
    pub file: Option<(PathBuf, u64)>,
    /// Where the entry is (`report.yaml:12:9`).
    pub loc: (crate::diag::Loc, usize),
}

/// Every entry of every report that names a file, for the reports that have a `.files/` folder.
fn named(loaded: &Loaded) -> Vec<(String, Vec<Named<'_>>, Present)> {
    let mut out = Vec::new();
    for (_, r) in &loaded.reports {
        let dir = files_dir(&r.source.path);
        if !dir.is_dir() {
            continue;
        }
        let file = r.source.name.as_str();
        let files = present(&dir);
        let mut list = Vec::new();
        for (i, e) in r.value.entries.iter().enumerate() {
            let spans = r.spans.entries.get(i);
            for (j, name) in e.evidence.iter().enumerate() {
                if !names_a_file(name) {
                    continue;
                }
                let loc = match spans.and_then(|s| s.fields.evidence.get(j)) {
                    Some(at) => at.loc(file),
                    None => spans.map_or_else(|| (crate::diag::Loc::file(file), 1), |s| s.at.loc(file)),
                };
                list.push(Named {
                    period: &r.value.period,
                    unit: &r.value.unit,
                    task: e.task,
                    name,
                    file: files.get(name.trim()).cloned(),
                    loc,
                });
            }
        }
        out.push((file.to_string(), list, files));
    }
    out
}

/// Checks every report's `evidence:` entries against its `.files/` folder, when it has one:
/// a named file that is missing, larger than `cfg.max_file`, or refused by [`super::sniff`] is
/// an error at the entry, as are more files for a task than `cfg.max_files_per_task`; the named
/// files' total over `cfg.max_report` is an error at the report; a file in the folder that no
/// entry names is a warning (it is not counted and not stored).
pub fn check(loaded: &Loaded, cfg: &EvidenceConfig) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for (file, list, files) in named(loaded) {
        let folder = shown_dir(&file);
        let mut total = 0u64;
        let mut per_task: BTreeMap<u32, u32> = BTreeMap::new();
        let mut used: Vec<&str> = Vec::new();
        for n in &list {
            let (loc, len) = n.loc.clone();
            let Some((path, size)) = &n.file else {
                let hint = match crate::diag::closest(n.name.trim(), files.keys().map(String::as_str)) {
                    Some(c) => format!("文件夹中有“{c}”，是否写错了文件名？"),
                    None => "把文件放进该文件夹，或改正文件名；如材料另行报送，请写成不带扩展名的说明".into(),
                };
                diags.push(
                    Diagnostic::error(format!("任务 {} 的佐证材料“{}”不在 {folder} 中", n.task, n.name.trim()))
                        .at_span(loc, len)
                        .hint(hint),
                );
                continue;
            };
            if used.contains(&n.name.trim()) {
                continue;
            }
            used.push(n.name.trim());
            let count = per_task.entry(n.task).or_default();
            *count += 1;
            if *count == cfg.max_files_per_task + 1 {
                diags.push(
                    Diagnostic::error(format!(
                        "任务 {} 的佐证材料超过 {} 份（office.yaml 中 evidence.max_files_per_task 的上限）",
                        n.task, cfg.max_files_per_task
                    ))
                    .at_span(loc.clone(), len)
                    .hint("佐证材料应精简，只保留能证明完成情况的关键文件"),
                );
            }
            if *size > cfg.max_file {
                diags.push(
                    Diagnostic::error(format!(
                        "佐证材料“{}”有 {}，超过单个文件上限 {}",
                        n.name.trim(),
                        human_size(*size),
                        human_size(cfg.max_file)
                    ))
                    .at_span(loc, len)
                    .hint("压缩图片或拆分文件后再放入；上限可在 office.yaml 的 evidence.max_file_mb 中调整"),
                );
                continue;
            }
            total += size;
            if let Err(refusal) = super::sniff::sniff_path(path, n.name.trim()) {
                diags.push(
                    Diagnostic::error(format!("佐证材料{refusal}"))
                        .at_span(loc, len)
                        .hint("换成 PDF、OFD、JPEG、PNG、DOCX、XLSX 或 WPS/ET 文件，或从 evidence 中删去这一项"),
                );
            }
        }
        if total > cfg.max_report {
            diags.push(
                Diagnostic::error(format!(
                    "{folder} 中列出的佐证材料合计 {}，超过每份报告的上限 {}",
                    human_size(total),
                    human_size(cfg.max_report)
                ))
                .at(crate::diag::Loc::file(file.clone()))
                .hint("删减或压缩材料；上限可在 office.yaml 的 evidence.max_report_mb 中调整"),
            );
        }
        for name in files.keys().filter(|k| !used.contains(&k.as_str())) {
            if list.iter().any(|n| n.name.trim() == name) {
                continue;
            }
            diags.push(
                Diagnostic::warning(format!("{folder}{name} 未在报告的 evidence 中列出，不计入也不入库"))
                    .at(crate::diag::Loc::file(file.clone()))
                    .hint("在对应任务的 evidence 中写上这个文件名，或把文件移出该文件夹"),
            );
        }
    }
    diags
}

/// What [`import`] did with one named file.
#[derive(Debug)]
pub struct Imported {
    /// `reports/2023Q3/县发改局.files/验收报告.pdf`
    pub shown: String,
    pub outcome: Result<super::Record, super::StoreError>,
}

/// Takes every file named beside a report into the store (`ducha evidence import`), for the task
/// whose entry names it, uploaded by the report's unit. Files already stored for that task are
/// left as they are (the store deduplicates). Run after [`check`] found no error.
pub fn import(dir: &Path, loaded: &Loaded, cfg: &EvidenceConfig, clock: &crate::clock::OfficeClock) -> Vec<Imported> {
    let store = super::Store::new(dir);
    let mut out = Vec::new();
    for (file, list, _) in named(loaded) {
        let folder = shown_dir(&file);
        for n in list {
            let Some((path, _)) = &n.file else { continue };
            let Some(period) = crate::data::model::Period::parse(n.period) else { continue };
            let shown = format!("{folder}{}", n.name.trim());
            let outcome = copy_in(&store, path).and_then(|(temp, sha, size)| {
                let meta = super::Meta {
                    name: n.name.trim().to_string(),
                    owner: super::Owner::Task { period, unit: n.unit.to_string(), task: n.task },
                    uploaded_by: n.unit.to_string(),
                    slot: None,
                };
                store.put(&temp, &sha, size, &meta, cfg, clock)
            });
            out.push(Imported { shown, outcome });
        }
    }
    out
}

/// Copies a file into the store's temp folder (the original stays where the user put it) and
/// returns the temp file, its SHA-256 and size, ready for [`super::Store::put`] (also used by
/// `ducha orders reply --file`).
pub fn copy_in(store: &super::Store, path: &Path) -> Result<(PathBuf, String, u64), super::StoreError> {
    let tmp = store.temp_dir()?;
    let temp = tmp.join(format!(
        "import-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::copy(path, &temp)?;
    let (sha, size) = super::store::hash_file(&temp)?;
    Ok((temp, sha, size))
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
