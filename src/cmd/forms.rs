//! `ducha forms`: the report forms (.xlsx) for every lead unit for a period.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{load_checked, parse_period, DataDir};
use crate::data::model::Period;
use crate::excel::forms;

/// Arguments of `ducha forms`.
#[derive(Debug, Args)]
pub struct FormsArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 填报期间，如 2023Q3（必填）；“上期完成数值”和“上期状态”取上一季度的报告。
    #[arg(long, value_name = "P", value_parser = parse_period)]
    pub period: Period,
    /// 输出目录，默认为 out/<期间>/forms/；每个牵头单位一份 <单位>.xlsx。
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Runs `ducha forms`.
pub fn run(args: FormsArgs) -> anyhow::Result<ExitCode> {
    let Some((ds, period)) = load_checked(&args.data.path, Some(args.period))? else { return Ok(ExitCode::from(1)) };
    if period.year != ds.plan.year {
        eprintln!("错误: 期间 {period} 不在计划年度 {} 年内", ds.plan.year);
        eprintln!("  = 提示: 期间写成 {}Q1 … {}Q4", ds.plan.year, ds.plan.year);
        return Ok(ExitCode::from(1));
    }
    let out = args.out.unwrap_or_else(|| PathBuf::from("out").join(period.to_string()).join("forms"));
    let list = forms::build_forms(&ds, period)?;
    for f in &list {
        let path = crate::names::join_inside(&out, &f.file_name)?;
        crate::fsutil::write_atomic(&path, &f.bytes)?;
        println!("已生成 {}（{} 项任务）", path.display(), f.tasks);
    }
    println!("{period} 共 {} 份填报表，写入 {}", list.len(), out.display());
    Ok(ExitCode::SUCCESS)
}
