//! `ducha evidence`: 佐证材料 from the command line (docs/rules.md §21) — `import` takes the files
//! named beside reports (`reports/<期间>/<单位>.files/`) into the store, `list` shows a period's
//! stored files with their review, `review` records the office's 采信 / 退回.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::DataArgs;
use crate::evidence::{Decision, Owner, Store};

/// Arguments of `ducha evidence`.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    pub command: EvidenceCommand,
}

/// `ducha evidence` subcommands.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// 入库：把各报告旁 <单位>.files/ 文件夹中、报告 evidence 里列出的文件存入佐证材料库（先做与 check 相同的校验，有错误时不入库）。
    Import {
        #[command(flatten)]
        data: DataArgs,
    },
    /// 列出某一期已入库的佐证材料及审核结论。
    List {
        #[command(flatten)]
        data: DataArgs,
        /// 只列出这个单位的材料。
        #[arg(long)]
        unit: Option<String>,
    },
    /// 审核一份佐证材料：采信或退回（退回须写理由）。
    Review {
        #[command(flatten)]
        data: DataArgs,
        /// 报送单位。
        #[arg(long)]
        unit: String,
        /// 材料的 sha256（ducha evidence list 列出）。
        sha256: String,
        /// 审核结论：采信 或 退回。
        #[arg(long, value_parser = ["采信", "退回"])]
        decision: String,
        /// 退回理由。
        #[arg(long)]
        reason: Option<String>,
        /// 审核人。
        #[arg(long, default_value = "督查室")]
        by: String,
    },
}

/// Runs `ducha evidence …`.
pub fn run(args: EvidenceArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        EvidenceCommand::Import { data } => import(&data),
        EvidenceCommand::List { data, unit } => list(&data, unit.as_deref()),
        EvidenceCommand::Review { data, unit, sha256, decision, reason, by } => {
            let Some((ds, period)) = super::load_checked(data.dir(), data.period)? else {
                return Ok(ExitCode::from(1));
            };
            let clock = crate::clock::OfficeClock::new(&ds.office.timezone)
                .map_err(|e| anyhow::anyhow!("DUCHA_NOW 无法识别：{}", e.0))?;
            let decision = Decision::parse(&decision).unwrap_or(Decision::Accepted);
            // The index is per report: any task of it finds the file.
            let owner = Owner::Task { period, unit: unit.clone(), task: 0 };
            match Store::new(data.dir()).review(&owner, &sha256, decision, reason.as_deref(), &by, &clock) {
                Ok(r) => {
                    println!("已{}：{}（{period} {unit} 任务 {}）", decision.label(), r.name, r.task().unwrap_or(0));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("错误：{}", crate::diag::causes(&e));
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

fn import(data: &DataArgs) -> anyhow::Result<ExitCode> {
    let (loaded, diags) = crate::data::load::load(data.dir());
    let (ds, diags) = crate::data::check_files(&loaded, diags, |_| Default::default());
    let Some(ds) = ds else {
        eprint!("{}", diags.render(&loaded.sources));
        return Ok(ExitCode::from(1));
    };
    if !diags.is_empty() {
        eprint!("{}", diags.render(&loaded.sources));
    }
    let clock = crate::clock::OfficeClock::new(&ds.office.timezone)
        .map_err(|e| anyhow::anyhow!("DUCHA_NOW 无法识别：{}", e.0))?;
    let done = crate::evidence::beside::import(data.dir(), &loaded, &ds.office.evidence, &clock);
    let mut failed = 0;
    for i in &done {
        match &i.outcome {
            Ok(r) => println!("已入库：{} → {}", i.shown, &r.sha256[..12]),
            Err(e) => {
                failed += 1;
                eprintln!("未入库：{}：{}", i.shown, crate::diag::causes(e));
            }
        }
    }
    println!("佐证材料入库：{} 份，失败 {} 份。", done.len() - failed, failed);
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn list(data: &DataArgs, unit: Option<&str>) -> anyhow::Result<ExitCode> {
    let Some((ds, period)) = super::load_checked(data.dir(), data.period)? else {
        return Ok(ExitCode::from(1));
    };
    let mut n = 0;
    for (u, r) in ds.evidence.of_period(period).filter(|(u, _)| unit.is_none_or(|x| x == *u)) {
        n += 1;
        let review = match &r.review {
            Some(v) => {
                format!("{}{}", v.decision.label(), v.reason.as_deref().map(|x| format!("（{x}）")).unwrap_or_default())
            }
            None => "待审核".into(),
        };
        println!(
            "{u}\t任务 {}\t{}\t{}\t{}\t{}\t{review}",
            r.task().unwrap_or(0),
            r.name,
            r.kind.label(),
            crate::evidence::config::human_size(r.size),
            r.sha256
        );
    }
    println!("{period} 共 {n} 份佐证材料。");
    Ok(ExitCode::SUCCESS)
}
