//! The data half of the pipeline: load (`load`), the raw YAML mirror (`raw`), validation
//! (`validate`) into domain types (`model`).

pub mod load;
mod located;
pub mod model;
pub mod raw;
pub mod spans;
pub mod validate;

use std::path::Path;

use crate::diag::{Diagnostics, SourceMap};

/// The outcome of loading and validating a data directory.
pub struct Checked {
    /// The dataset, when there were no errors.
    pub dataset: Option<model::Dataset>,
    /// Every error and warning found.
    pub diagnostics: Diagnostics,
    /// The text of every file read, for rendering diagnostics.
    pub sources: SourceMap,
    /// Markdown overrides found under reports/<period>/.
    pub markdown: Vec<(String, load::SourceFile)>,
    /// Every data file read: (name as in messages, path on disk).
    pub files: Vec<(String, std::path::PathBuf)>,
    /// The statuses of Q1 … the latest period with reports that the 未报送 / 迟报 warnings were
    /// decided with (empty without a dataset): a build of that year takes them from here instead
    /// of evaluating every task again (issue 22 §8).
    pub year: Vec<crate::status::PeriodStatus>,
}

/// Loads and validates `dir` in one go (stages 1 and 2).
pub fn check(dir: &Path) -> Checked {
    let (loaded, diagnostics) = load::load(dir);
    check_loaded(loaded, diagnostics)
}

/// Stage 2 of [`check`] on data already loaded (with the load stage's diagnostics): `ducha
/// serve` keeps the loaded files while they are unchanged on disk.
pub fn check_loaded(loaded: load::Loaded, diagnostics: Diagnostics) -> Checked {
    let mut year = Vec::new();
    let (dataset, diagnostics) = check_files(&loaded, diagnostics, |ds| {
        let (warnings, statuses) = crate::aggregate::reporting_warnings_with_year(ds);
        year = statuses;
        warnings
    });
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for p in loaded.plan.iter().map(|p| &p.source).chain(loaded.office.iter().map(|o| &o.source)) {
        files.push((p.name.clone(), p.path.clone()));
    }
    for (_, r) in &loaded.reports {
        files.push((r.source.name.clone(), r.source.path.clone()));
    }
    for (_, m) in &loaded.markdown {
        files.push((m.name.clone(), m.path.clone()));
    }
    if dataset.is_none() {
        year.clear();
    }
    Checked { dataset, diagnostics, sources: loaded.sources, markdown: loaded.markdown, files, year }
}

/// What [`check_loaded`] decides, without taking the files: the dataset when there is no error,
/// and every diagnostic, sorted. `reporting` gives the 未报送 / 迟报 warnings of a dataset that
/// validated ([`crate::aggregate::reporting_warnings`]; they are never errors, so `ducha serve`,
/// which shows diagnostics only when there are errors, skips them when loading found none).
pub fn check_files(
    loaded: &load::Loaded,
    mut diagnostics: Diagnostics,
    reporting: impl FnOnce(&model::Dataset) -> Diagnostics,
) -> (Option<model::Dataset>, Diagnostics) {
    let (dataset, more) = validate::validate(loaded);
    diagnostics.extend(more);
    if let Some(ds) = &dataset {
        // 未报送 / 迟报 come from the rule that makes the figures, never from a second copy of it.
        diagnostics.extend(reporting(ds));
        // Files named beside reports: missing, too large, refused type (docs/rules.md §21).
        diagnostics.extend(crate::evidence::beside::check(loaded, &ds.office.evidence));
    }
    if diagnostics.has_errors() {
        // A report that failed to load would otherwise also show up as 未报送: misleading, and
        // the errors must be fixed first anyway.
        diagnostics.0.retain(|d| d.is_error() || !d.message.contains("未报送"));
    }
    diagnostics.sort();
    let dataset = if diagnostics.has_errors() { None } else { dataset };
    (dataset, diagnostics)
}

/// Keeps errors and the warnings that concern `period` (or no period at all): a build of 2023Q4
/// should not repeat that a report was late in 2023Q1.
pub fn retain_period(diags: &mut Diagnostics, ds: &model::Dataset, period: model::Period) {
    let others: Vec<String> = ds.periods().iter().filter(|q| **q != period).map(|q| q.to_string()).collect();
    diags.0.retain(|d| {
        d.is_error()
            || d.message.contains(&period.to_string())
            || !others
                .iter()
                .any(|o| d.message.contains(o.as_str()) || d.loc.as_ref().is_some_and(|l| l.file.contains(o.as_str())))
    });
}
