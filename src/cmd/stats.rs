//! `ducha stats`: the status of every task for a period, counted by category, section and unit.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{load_checked, DataArgs};
use crate::aggregate::{self, By};
use crate::status;

/// Arguments of `ducha stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// 分组方式：section（按章节）或 unit（按牵头单位）。
    #[arg(long, value_enum, default_value = "section")]
    pub by: ByArg,
    /// 以 JSON 输出（结构稳定，见 README）。
    #[arg(long)]
    pub json: bool,
}

/// `--by` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    /// 按章节
    Section,
    /// 按牵头单位
    Unit,
}

/// Runs `ducha stats`.
pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let Some((ds, period)) = load_checked(args.data.dir(), args.data.period)? else { return Ok(ExitCode::from(1)) };
    let year = status::evaluate_year(&ds, period);
    let summary = aggregate::summarize(&ds, &year);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&aggregate::stats_json(&summary))?);
    } else {
        let by = match args.by {
            ByArg::Section => By::Section,
            ByArg::Unit => By::Unit,
        };
        print!("{}", aggregate::stats_table(&summary, by));
    }
    Ok(ExitCode::SUCCESS)
}
