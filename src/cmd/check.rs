//! `ducha check`: load and validate everything, print every problem, write nothing.

use std::process::ExitCode;

use clap::Args;

use super::DataArgs;

/// Arguments of `ducha check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

/// Runs `ducha check`: exit 0 when clean (warnings allowed), 1 when any error.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let checked = crate::data::check(args.data.dir());
    let mut diags = checked.diagnostics;
    let mut sources = checked.sources;
    if let (Some(ds), Some(p)) = (&checked.dataset, args.data.period) {
        crate::data::retain_period(&mut diags, ds, p);
    }
    // The 督办 register is checked against the validated plan and office (docs/rules.md §19).
    let mut items = 0;
    if let Some(ds) = &checked.dataset {
        let cx =
            crate::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
        let (register, more, texts) = crate::orders::file::load_register(args.data.dir(), &cx);
        items = register.items.len();
        diags.extend(more);
        // 反馈附件: each stored file an event names is in the store with its hash (§19).
        crate::orders::files::check(args.data.dir(), &register, &ds.evidence, &texts, &mut diags);
        sources.extend(texts);
        diags.sort();
    }
    eprint!("{}", diags.render(&sources));
    match &checked.dataset {
        Some(ds) if !diags.has_errors() => {
            let reports: usize = ds.reports.values().map(Vec::len).sum();
            println!(
                "数据校验通过：{} 项任务，{} 个季度，{} 份报告，{} 个督办登记事项，{} 个警告。",
                ds.plan.tasks.len(),
                ds.periods().len(),
                reports,
                items,
                diags.warning_count()
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => Ok(ExitCode::from(1)),
    }
}
