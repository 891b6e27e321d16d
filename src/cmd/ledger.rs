//! `ducha ledger`: the 工作台账 (.xlsx) of a year: every task × quarter with status colours.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{load_checked, DataDir};
use crate::excel::ledger;

/// Arguments of `ducha ledger`.
#[derive(Debug, Args)]
pub struct LedgerArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 年度，默认为计划年度。
    #[arg(long, value_name = "Y")]
    pub year: Option<i32>,
    /// 输出文件，默认为 out/<年度>/工作台账.xlsx。
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    // “督办”工作表按 --as-of 日期列出事项（默认为办公地今天），与 ducha orders list --as-of 相同。
    #[command(flatten)]
    pub as_of: super::orders::AsOf,
}

/// Runs `ducha ledger`.
pub fn run(args: LedgerArgs) -> anyhow::Result<ExitCode> {
    let Some((ds, _)) = load_checked(&args.data.path, None)? else { return Ok(ExitCode::from(1)) };
    let year = args.year.unwrap_or(ds.plan.year);
    if year != ds.plan.year {
        eprintln!("错误: 计划年度为 {} 年，没有 {year} 年的数据", ds.plan.year);
        eprintln!("  = 提示: 省略 --year 或写 --year {}", ds.plan.year);
        return Ok(ExitCode::from(1));
    }
    // The 督办 register, read like `ducha orders list` (docs/rules.md §19).
    let cx = crate::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let (register, diags, sources) = crate::orders::file::load_register(&args.data.path, &cx);
    if diags.has_errors() {
        eprint!("{}", diags.render(&sources));
        return Ok(ExitCode::from(1));
    }
    let today = match args.as_of.as_of {
        Some(d) => d,
        None => crate::clock::OfficeClock::new(&ds.office.timezone)?.today(),
    };
    let Some(bytes) = ledger::build_ledger(&ds, year, Some((&register, today)))? else {
        eprintln!("错误: {year} 年还没有任何季度报告，无法生成台账");
        return Ok(ExitCode::from(1));
    };
    let out = args.out.unwrap_or_else(|| PathBuf::from("out").join(year.to_string()).join("工作台账.xlsx"));
    crate::fsutil::write_atomic(&out, &bytes)?;
    let latest = ledger::evaluated(&ds, year).map(|p| p.to_string()).unwrap_or_default();
    println!(
        "已生成 {}（{}Q1–{latest}，{} 项任务，{} 个章节）",
        out.display(),
        year,
        ds.plan.tasks.len(),
        ds.plan.sections.len()
    );
    Ok(ExitCode::SUCCESS)
}
