//! `ducha plan import`: a published key-task notice (plain text) → plan data.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

/// Arguments of `ducha plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub command: PlanCommand,
}

/// `ducha plan` subcommands.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// 从印发通知的纯文本（网站或 PDF 复制）导入年度重点任务计划。
    Import(ImportArgs),
}

/// Arguments of `ducha plan import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// 通知全文（UTF-8 纯文本）。
    pub notice: PathBuf,
    /// 写入计划 YAML 的文件（如 data/plan.yaml）；省略时输出到标准输出。
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// 以 JSON 输出计划（含单位名册和警告），不写 YAML。
    #[arg(long)]
    pub json: bool,
}

/// Runs `ducha plan …`.
pub fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        PlanCommand::Import(a) => import(a),
    }
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.notice).with_context(|| format!("无法读取 {}", args.notice.display()))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} 不是 UTF-8 编码；请另存为 UTF-8 后再导入", args.notice.display()))?;
    let result = crate::import::import_notice(text);
    let name = args.notice.display().to_string();
    for w in &result.warnings {
        let task = w.task.map(|t| format!("（第 {t} 项任务）")).unwrap_or_default();
        eprintln!("警告: {}{task}\n  --> {name}:{}", w.message, w.line);
    }
    let out = if args.json {
        let mut s = serde_json::to_string_pretty(&crate::import::to_json(&result))?;
        s.push('\n');
        s
    } else {
        crate::import::to_yaml(&result)
    };
    match args.output {
        Some(path) => {
            crate::fsutil::write_durable(&path, out.as_bytes())?;
            let tasks: usize = result.plan.sections.iter().map(|s| s.tasks.len()).sum();
            eprintln!("已写入 {}：{} 个部分，{} 项任务。", path.display(), result.plan.sections.len(), tasks);
        }
        None => std::io::stdout().lock().write_all(out.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
