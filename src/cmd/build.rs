//! `ducha build`: render the period's documents into `out/<period>/` with a manifest.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::DataArgs;
use crate::engine::PdfFlavor;
use crate::pipeline::{self, BuildOptions, Kind};

/// Arguments of `ducha build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// 输出目录；文件写入 <DIR>/<期间>/。
    #[arg(long, default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// 只生成这些文种（逗号分隔）：notice,briefing,leader,order。
    #[arg(long, value_delimiter = ',', value_parser = parse_kind, value_name = "KIND,…")]
    pub only: Vec<Kind>,
    /// 同时写出生成的 Typst 源文件和模板库，可用 typst 命令行独立复现。
    #[arg(long)]
    pub emit_typst: bool,
    /// 模板覆盖目录（同名文件覆盖内置模板）；默认为当前目录下的 templates/（如存在）。
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// 额外的字体目录（可多次给出）。
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<PathBuf>,
    /// 生成 PDF/A-3b（归档用）。
    #[arg(long)]
    pub pdf_a: bool,
    /// 另存指定页的 PNG 预览（逗号分隔，如 notice:1,notice:last,leader:1），写入 <期间>/<文件名>-p<页>.png。
    #[arg(long, value_delimiter = ',', value_parser = parse_png, value_name = "KIND:PAGE,…")]
    pub png: Vec<(Kind, usize)>,
    /// 输出格式（逗号分隔）：pdf（默认）、ofd（GB/T 33190 版式文件，写在 PDF 旁）、docx（供 WPS/Word 核稿修改的草稿，写在 PDF 旁）。
    #[arg(long, value_delimiter = ',', value_parser = ["pdf", "ofd", "docx"], default_value = "pdf", value_name = "FMT,…")]
    pub format: Vec<String>,
}

fn parse_png(s: &str) -> Result<(Kind, usize), String> {
    let (k, p) = s.split_once(':').ok_or_else(|| format!("“{s}” 应写成 文种:页码，如 notice:1"))?;
    let kind = parse_kind(k)?;
    let page = if p.trim() == "last" { 0 } else { p.trim().parse().map_err(|_| format!("页码 “{p}” 无效"))? };
    Ok((kind, page))
}

/// `Kind`'s `ValueEnum` names, with the message in Chinese.
fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::from_str(s.trim(), false).map_err(|_| format!("未知文种 “{s}”，可选 notice、briefing、leader、order"))
}

/// Runs `ducha build`.
pub fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let templates = crate::templates::Templates::dir_for_build(args.templates);
    let opts = BuildOptions {
        data: args.data.data.path,
        period: args.data.period,
        out: args.out,
        only: args.only,
        emit_typst: args.emit_typst,
        templates,
        font_paths: args.font_paths,
        flavor: if args.pdf_a { PdfFlavor::A3b } else { PdfFlavor::Plain },
        png: args.png,
        ofd: args.format.iter().any(|f| f == "ofd"),
        docx: args.format.iter().any(|f| f == "docx"),
    };
    let started = std::time::Instant::now();
    match pipeline::build(&opts) {
        Ok(report) => {
            if !report.warnings.is_empty() {
                eprint!("{}", report.warnings.render(&report.sources));
            }
            for d in &report.documents {
                let path = report.dir.join(&d.path);
                println!("已生成 {}（{} 页，{} KB）", path.display(), d.pages, d.bytes.div_ceil(1024));
                for o in [&d.ofd, &d.docx].into_iter().flatten() {
                    println!("已生成 {}（{} KB）", report.dir.join(&o.path).display(), o.bytes.div_ceil(1024));
                }
            }
            println!("清单 {}", report.dir.join("manifest.json").display());
            let stages: Vec<String> =
                report.timings.iter().map(|(s, t)| format!("{s} {:.0} ms", t.as_secs_f64() * 1000.0)).collect();
            println!(
                "{} 共 {} 份文件，用时 {:.2} s（{}）",
                report.period,
                report.documents.len(),
                started.elapsed().as_secs_f64(),
                stages.join("，")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprint!("{}", e.diagnostics.render(&e.sources));
            eprintln!("未生成任何文件；之前的输出保持不变。");
            Ok(ExitCode::from(1))
        }
    }
}
