//! `ducha import`: filled report forms (.xlsx) into `reports/<期间>/<单位>.yaml`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{parse_period, DataDir};
use crate::data::model::Period;
use crate::excel::import::{self, ImportOptions};

/// Arguments of `ducha import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// 填好的填报表（ducha forms 生成的 .xlsx），可以一次给出多个。
    #[arg(required = true, value_name = "FILE.xlsx")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataDir,
    /// 只接受这一期的表格，如 2023Q3；默认按表格中记录的期间导入。
    #[arg(long, value_name = "P", value_parser = parse_period)]
    pub period: Option<Period>,
    /// 替换已有的报告（原文件先备份为 <文件名>.bak-<n>）；不加时已有报告的单位拒绝导入。
    #[arg(long)]
    pub replace: bool,
}

/// Runs `ducha import`: exit 0 when every form was imported, 1 when any has errors (then nothing
/// is written).
pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let opts = ImportOptions { data: args.data.path, period: args.period, replace: args.replace };
    let outcome = import::import(&args.files, &opts)?;
    if !outcome.diagnostics.is_empty() {
        eprint!("{}", outcome.diagnostics.render(&outcome.sources));
    }
    if !outcome.ok() {
        if outcome.unrestored.is_empty() {
            eprintln!("未写入任何文件。");
        } else {
            eprintln!("有 {} 个文件未能恢复到导入前的状态，见上。", outcome.unrestored.len());
        }
        return Ok(ExitCode::from(1));
    }
    for w in &outcome.written {
        let backup = if w.backups.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = w.backups.iter().map(|b| b.display().to_string()).collect();
            format!("，原文件备份为 {}", list.join("、"))
        };
        println!("已导入 {} → {}（{} 项任务{backup}）", w.book, w.path.display(), w.entries);
    }
    println!("共导入 {} 份报告。", outcome.written.len());
    Ok(ExitCode::SUCCESS)
}
