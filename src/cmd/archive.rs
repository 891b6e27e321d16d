//! `ducha archive`: file the period's documents as PDF/A-3b with their sources into the yearly
//! archive; `ducha archive verify [DIR]`: check it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::DataArgs;
use crate::archive::{self, ArchiveOptions};
use crate::engine::PdfFlavor;
use crate::pipeline::BuildOptions;

/// Arguments of `ducha archive`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(mut_arg("period", |a| a.help("期间，如 2023Q4；默认为有报告的最近一期。")))]
pub struct ArchiveArgs {
    #[command(subcommand)]
    pub command: Option<ArchiveCommand>,
    #[command(flatten)]
    pub data: DataArgs,
    /// 归档根目录；文件写入 <DIR>/<年度>/。
    #[arg(long = "archive", default_value = "archive", value_name = "DIR")]
    pub root: PathBuf,
    /// 已归档文件内容有变化时，作为新修订版归档（旧版本保留）；否则拒绝。
    #[arg(long)]
    pub revise: bool,
    /// 在首页上方空白处打印归档章（全宗号、年度、件号、机构、保管期限、页数格）。
    #[arg(long)]
    pub stamp: bool,
    /// 模板覆盖目录；不给时只用内置模板（归档不受当前目录下 templates/ 的影响）。
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// 额外的字体目录。
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<PathBuf>,
    /// 归档格式（逗号分隔）：pdf（默认，PDF/A-3b，总会归档）、ofd（另存 OFD-A，源文件作为 OFD 附件）。
    #[arg(long, value_delimiter = ',', value_parser = ["pdf", "ofd"], default_value = "pdf", value_name = "FMT,…")]
    pub format: Vec<String>,
}

/// `ducha archive` subcommands.
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// 校验归档：重算每个文件的哈希，核对 PDF 内附件与清单，报告缺失、被改动和多余的文件（有问题时退出码为 1）。
    Verify {
        /// 归档根目录或某一年度的目录。
        #[arg(default_value = "archive")]
        dir: PathBuf,
    },
}

/// Runs `ducha archive …`.
pub fn run(args: ArchiveArgs) -> anyhow::Result<ExitCode> {
    if let Some(ArchiveCommand::Verify { dir }) = args.command {
        let problems = archive::verify(&dir);
        if problems.is_empty() {
            println!("归档校验通过：{}", dir.display());
            return Ok(ExitCode::SUCCESS);
        }
        for p in &problems {
            eprintln!("错误: {}\n  --> {}", p.message, p.file);
        }
        eprintln!("共 {} 个问题。", problems.len());
        return Ok(ExitCode::from(1));
    }
    // The official record never depends on the working directory: the built-in templates unless
    // --templates is given.
    let templates = args.templates;
    let opts = ArchiveOptions {
        build: BuildOptions {
            data: args.data.data.path,
            period: args.data.period,
            out: PathBuf::from("out"),
            only: vec![],
            emit_typst: false,
            templates,
            font_paths: args.font_paths,
            flavor: PdfFlavor::A3b,
            png: vec![],
            ofd: false,
            docx: false,
        },
        root: args.root,
        revise: args.revise,
        stamp: args.stamp,
        ofd: args.format.iter().any(|f| f == "ofd"),
    };
    match archive::archive(&opts) {
        Ok(r) => {
            if !r.warnings.is_empty() {
                eprint!("{}", r.warnings.render(&r.sources));
            }
            for (f, code) in &r.added {
                println!("已归档 {f}（档号 {code}）");
            }
            for f in &r.ofd {
                println!("已归档 OFD-A {f}（附源文件）");
            }
            for (f, code) in &r.revised {
                println!("已归档修订版 {f}（档号 {code}）");
            }
            if !r.unchanged.is_empty() {
                println!("{} 个文件已在归档中且内容未变，未作改动。", r.unchanged.len());
            }
            println!("归档目录 {}", r.dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprint!("{}", e.diagnostics.render(&e.sources));
            eprintln!("归档未作任何改动。");
            Ok(ExitCode::from(1))
        }
    }
}
