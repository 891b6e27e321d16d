//! The command line: one small module per subcommand, clap derive, doc comments as help text.
//!
//! Each subcommand is `run(args) -> anyhow::Result<ExitCode>`; `anyhow` lives only here at the
//! edge. Data problems are printed as diagnostics and give exit code 1; `Err` means a usage or
//! I/O failure and gives 2 (see `main.rs`).

pub mod archive;
pub mod assess;
pub mod build;
pub mod check;
pub mod evidence;
pub mod fonts;
pub mod forms;
pub mod import;
pub mod ledger;
pub mod orders;
pub mod plan;
pub mod serve;
pub mod stats;
pub mod users;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::data::model::{Dataset, Period};

/// 督查 — 重点工作任务季度督查：计划导入、进展校验、状态统计、公文排版与归档。
#[derive(Debug, Parser)]
#[command(name = "ducha", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 生成公文：把某一期的通报、简报、领导参阅、督办通知单排版为 PDF，写入 out/<期间>/。
    Build(build::BuildArgs),
    /// 归档：把某一期的公文生成 PDF/A-3b（内附源数据）存入年度归档目录，或校验归档（archive verify）。
    Archive(archive::ArchiveArgs),
    /// 校验数据：加载计划、本单位设置和各季度报告，一次报告全部问题（有错误时退出码为 1）。
    Check(check::CheckArgs),
    /// 计划相关操作（从印发通知导入计划）。
    Plan(plan::PlanArgs),
    /// 统计某一期各任务的状态：按类别、章节、牵头单位汇总，列出滞后任务和督办事项。
    Stats(stats::StatsArgs),
    /// 列出所用字体及其对 GB 2312 和数据中字符的覆盖情况。
    Fonts(fonts::FontsArgs),
    /// 生成填报表：为每个牵头单位生成某一期的进展情况填报表（Excel），写入 out/<期间>/forms/。
    Forms(forms::FormsArgs),
    /// 导入填报表：把各单位填好的 Excel 填报表读入 reports/<期间>/<单位>.yaml（有错误时不写任何文件）。
    Import(import::ImportArgs),
    /// 生成工作台账：全年每项任务各季度的状态（灯色）、进度和完成情况，按章节分表并附汇总（Excel）。
    Ledger(ledger::LedgerArgs),
    /// 年度考核：按全年督查结果为各牵头单位计分、排名、定等次，写出考核得分汇总表（PDF、Excel、JSON）和扣分明细。
    Assess(assess::AssessArgs),
    /// 网页工作台：各单位在浏览器中填报进展，督查室查看总览、生成公文（默认只允许本机访问）。
    Serve(serve::ServeArgs),
    /// 网页工作台的账户：init（按计划建立全部账户）、add、reset、list、disable。
    Users(users::UsersArgs),
    /// 督办闭环：督办事项和需协调事项的登记、查询和办理（list、show、issue、accept、签收、反馈、办结、退回……）。
    Orders(orders::OrdersArgs),
    /// 佐证材料：把报告旁 <单位>.files/ 中的文件入库（import）、列出（list）、审核采信或退回（review）。
    Evidence(evidence::EvidenceArgs),
}

/// `--data`: the data directory, flattened (`#[command(flatten)]`) into every subcommand that
/// reads data. A subcommand whose help says more about it rewrites the help text with
/// `#[command(mut_arg("data", …))]` on its own arguments.
#[derive(Debug, Clone, Args)]
pub struct DataDir {
    /// 数据目录（含 plan.yaml、office.yaml、reports/）。
    #[arg(id = "data", long = "data", env = "DUCHA_DATA", default_value = "data", value_name = "DIR")]
    pub path: PathBuf,
}

/// `--data` and `--period`: where the data lives and which period to work on (`build`, `archive`,
/// `check`, `stats`).
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 期间，如 2023Q2；默认为有报告的最近一期。
    #[arg(long, value_name = "P", value_parser = parse_period)]
    pub period: Option<Period>,
}

impl DataArgs {
    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.data.path
    }
}

/// The requested period, else the latest with reports.
fn period_or_latest(period: Option<Period>, ds: &Dataset) -> anyhow::Result<Period> {
    match period.or_else(|| ds.latest_period()) {
        Some(p) => Ok(p),
        None => anyhow::bail!("数据中没有任何季度报告，请用 --period 指定期间"),
    }
}

/// clap value parser for `2023Q2`.
pub fn parse_period(s: &str) -> Result<Period, String> {
    Period::parse(s).ok_or_else(|| format!("期间 “{s}” 无法识别，应写成 2023Q2 这样的形式"))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Archive(a) => archive::run(a),
        Command::Assess(a) => assess::run(a),
        Command::Build(a) => build::run(a),
        Command::Check(a) => check::run(a),
        Command::Plan(a) => plan::run(a),
        Command::Stats(a) => stats::run(a),
        Command::Fonts(a) => fonts::run(a),
        Command::Forms(a) => forms::run(a),
        Command::Import(a) => import::run(a),
        Command::Ledger(a) => ledger::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Users(a) => users::run(a),
        Command::Orders(a) => orders::run(a),
        Command::Evidence(a) => evidence::run(a),
    }
}

/// Loads and validates the data dir. Errors (and warnings, when there are errors) are printed
/// to stderr and give `Ok(None)`: the caller exits 1. On success the warnings are printed for the
/// period the command works on only.
pub fn load_checked(dir: &Path, period: Option<Period>) -> anyhow::Result<Option<(Dataset, Period)>> {
    let checked = crate::data::check(dir);
    let Some(ds) = checked.dataset else {
        eprint!("{}", checked.diagnostics.render(&checked.sources));
        return Ok(None);
    };
    let period = period_or_latest(period, &ds)?;
    let mut diags = checked.diagnostics;
    crate::data::retain_period(&mut diags, &ds, period);
    if !diags.is_empty() {
        eprint!("{}", diags.render(&checked.sources));
    }
    Ok(Some((ds, period)))
}
