//! 年度考核 (`ducha assess`, docs/rules.md §17): the year's supervision results scored per lead
//! unit, every point traceable to an event in the data.
//!
//! - [`rules`]: `assessment.yaml` (raw struct, span mirror, validation into [`rules::Rules`]; the
//!   defaults when the file is absent).
//! - [`score`]: [`score::score`] over the dataset, the year's statuses, the orders
//!   ([`score::OrderFacts`], read from the 督办 register by [`order_facts`]) and the rules →
//!   [`score::Assessment`].
//! - [`view`]: the JSON of `--json`, the rows shared by PDF and .xlsx, the PDF's view model.
//! - [`outputs`]: the three files of `out/<年度>/考核/` in memory (nothing is written until all
//!   three exist), [`write`]: written with `fsutil::write_atomic`.

pub mod rules;
pub mod score;
pub mod view;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::data::model::{Dataset, Date};
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::engine::{fonts::Fonts, Engine, Job, PdfFlavor};
use crate::orders::{Action, Kind, Phase, Register};
use crate::pipeline::BuildError;
use crate::templates::Templates;

/// The folder under `out/<年度>/` the files go to.
pub const DIR: &str = "考核";
/// File name of the PDF.
pub const PDF: &str = "考核得分汇总表.pdf";
/// File name of the workbook.
pub const XLSX: &str = "考核得分汇总表.xlsx";
/// File name of the JSON.
pub const JSON: &str = "考核结果.json";

/// The rules of a loaded data directory: its `assessment.yaml` validated, else the defaults.
/// `Err` with the located problems when the file is invalid.
pub fn rules_of(loaded: &crate::data::load::Loaded) -> Result<rules::Rules, Diagnostics> {
    let Some(parsed) = &loaded.assessment else { return Ok(rules::Rules::default()) };
    let mut diags = Diagnostics::default();
    rules::validate(parsed, &mut diags).ok_or(diags)
}

/// Loads and validates the data directory (as `ducha check` does, `assessment.yaml` and the 督办
/// register `orders/` included): the dataset, the rules and the register, or every problem with
/// the sources to show them.
pub fn load(dir: &Path) -> Result<(Dataset, rules::Rules, Register), BuildError> {
    let (loaded, diags) = crate::data::load::load(dir);
    let rules = rules_of(&loaded);
    let checked = crate::data::check_loaded(loaded, diags);
    let (Some(ds), Ok(rules)) = (checked.dataset, rules) else {
        return Err(BuildError { diagnostics: checked.diagnostics, sources: checked.sources });
    };
    let register = register_of(dir, &ds)?;
    Ok((ds, rules, register))
}

/// The 督办 register of `dir` (docs/rules.md §19), or its errors.
pub fn register_of(dir: &Path, ds: &Dataset) -> Result<Register, BuildError> {
    let cx = crate::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let (register, diags, sources) = crate::orders::file::load_register(dir, &cx);
    if diags.has_errors() {
        return Err(BuildError { diagnostics: diags, sources });
    }
    Ok(register)
}

/// The facts of every 督办事项 of `year` (its period in that year, 回头看 included) as the
/// register stood at the end of `as_of` (docs/rules.md §17): the deadline in force; the 办结
/// date; the date of the reply it accepted, or of a reply awaiting review; the number of 退回.
/// 需协调事项 are problems a unit raised, not orders to it, and 中止 items were stopped by the
/// office: neither is scored.
pub fn order_facts(register: &Register, year: i32, as_of: Date) -> Vec<score::OrderFacts> {
    register
        .as_of(as_of)
        .items
        .iter()
        .filter(|i| i.kind == Kind::Order && i.period.year == year && i.track.phase != Phase::Stopped)
        .map(|i| {
            let last_reply = i.events.iter().rev().find(|e| e.action == Action::Reply).map(|e| e.date);
            let answered = match i.track.phase {
                Phase::Closed | Phase::Replied => last_reply,
                _ => None,
            };
            score::OrderFacts {
                number: i.number.to_string(),
                units: i.units.first().cloned().into_iter().collect(),
                deadline: i.track.deadline,
                closed: (i.track.phase == Phase::Closed).then_some(i.track.ended).flatten(),
                answered,
                returns: i.track.returns,
            }
        })
        .collect()
}

/// The three files, in memory.
pub struct Outputs {
    pub pdf: Vec<u8>,
    pub xlsx: Vec<u8>,
    pub json: Vec<u8>,
    /// The Typst source of the PDF (for `--emit-typst`-like debugging and tests).
    pub typst: String,
    /// Typst warnings.
    pub warnings: Diagnostics,
}

/// Renders the PDF (through `templates/assess.typ.j2`), the workbook and the JSON of `a`. The PDF
/// carries the assessment date as its timestamp, the workbook as its creation date: the same
/// inputs give byte-identical files.
pub fn outputs(
    ds: &Dataset,
    a: &score::Assessment,
    fonts: Arc<Fonts>,
    templates: &Templates,
) -> Result<Outputs, BuildError> {
    let one = |d: Diagnostic| BuildError { diagnostics: Diagnostics(vec![d]), sources: SourceMap::default() };
    let env = crate::render::environment(templates).map_err(one)?;
    let typst = crate::render::render(&env, templates, "assess.typ.j2", &view::sheet_view(ds, a)).map_err(one)?;
    let engine = Engine::new(fonts, templates.typst_files());
    let job = Job {
        name: "assess.typ".into(),
        source: typst.clone(),
        timestamp: crate::pipeline::timestamp(a.as_of),
        ident: format!("ducha-assess-{}", a.year),
        flavor: PdfFlavor::Plain,
        files: vec![],
    };
    let compiled = engine.compile(&job).map_err(|e| BuildError { diagnostics: e.diagnostics, sources: e.sources })?;
    let xlsx = crate::excel::assess::workbook(ds, a)
        .map_err(|e| one(Diagnostic::error(format!("生成考核得分汇总表（Excel）失败：{e}"))))?;
    let mut json = serde_json::to_string_pretty(&view::json(a)).unwrap_or_default().into_bytes();
    json.push(b'\n');
    Ok(Outputs { pdf: compiled.pdf, xlsx, json, typst, warnings: compiled.warnings })
}

/// The folder of a year's files: `<out>/<year>/考核/`.
pub fn folder(out: &Path, year: i32) -> PathBuf {
    out.join(year.to_string()).join(DIR)
}

/// Writes the three files into `folder` (each atomically); returns their paths.
pub fn write(folder: &Path, o: &Outputs) -> Result<Vec<PathBuf>, crate::fsutil::WriteError> {
    let mut paths = Vec::new();
    for (name, bytes) in [(PDF, &o.pdf), (XLSX, &o.xlsx), (JSON, &o.json)] {
        let path = folder.join(name);
        crate::fsutil::write_atomic(&path, bytes)?;
        paths.push(path);
    }
    Ok(paths)
}
