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
    let Some(bytes) = ledger::build_ledger(&ds, year)? else {
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
