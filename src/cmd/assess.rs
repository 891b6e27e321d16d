//! `ducha assess`: the year's 考核得分汇总表 (PDF, .xlsx, JSON) into `out/<年度>/考核/`, or the
//! rules in effect (`--rules`). Library side: `assess::load`, `assess::score::score`,
//! `assess::outputs`, `assess::write` (docs/rules.md §17).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::DataDir;
use crate::assess;
use crate::data::model::Date;

/// Arguments of `ducha assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 考核年度，默认为计划年度。
    #[arg(long, value_name = "Y")]
    pub year: Option<i32>,
    /// 考核日期（如 2024-01-15）：督办事项在这一天逾期未办结即扣分；默认为办公地的今天。
    #[arg(long = "as-of", value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// 另把考核结果以 JSON 输出到标准输出（结构见 README）。
    #[arg(long)]
    pub json: bool,
    /// 输出目录；文件写入 <DIR>/<年度>/考核/。
    #[arg(long, default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// 只打印生效的考核规则（assessment.yaml 或默认值），格式即 assessment.yaml，不生成文件。
    #[arg(long)]
    pub rules: bool,
    /// 模板覆盖目录（同名文件覆盖内置模板）；默认为当前目录下的 templates/（如存在）。
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// 额外的字体目录（可多次给出）。
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<PathBuf>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("日期 “{s}” 无法识别，应写成 2024-01-15"))
}

/// Runs `ducha assess`.
pub fn run(args: AssessArgs) -> anyhow::Result<ExitCode> {
    if args.rules {
        let (loaded, _) = crate::data::load::load(&args.data.path);
        return match assess::rules_of(&loaded) {
            Ok(rules) => {
                print!("{}", rules.to_yaml());
                Ok(ExitCode::SUCCESS)
            }
            Err(diags) => {
                eprint!("{}", diags.render(&loaded.sources));
                Ok(ExitCode::from(1))
            }
        };
    }
    let fonts_job = {
        let paths = args.font_paths.clone();
        std::thread::spawn(move || crate::engine::fonts::Fonts::load(&paths))
    };
    let (ds, rules, register) = match assess::load(&args.data.path) {
        Ok(x) => x,
        Err(e) => {
            eprint!("{}", e.diagnostics.render(&e.sources));
            eprintln!("未生成任何文件。");
            return Ok(ExitCode::from(1));
        }
    };
    let year = args.year.unwrap_or(ds.plan.year);
    if year != ds.plan.year {
        eprintln!("错误: 计划年度为 {} 年，没有 {year} 年的数据", ds.plan.year);
        eprintln!("  = 提示: 省略 --year 或写 --year {}", ds.plan.year);
        return Ok(ExitCode::from(1));
    }
    let Some(last) = crate::excel::ledger::evaluated(&ds, year) else {
        eprintln!("错误: {year} 年还没有任何季度报告，无法考核");
        return Ok(ExitCode::from(1));
    };
    let as_of = match args.as_of {
        Some(d) => d,
        None => crate::clock::OfficeClock::new(&ds.office.timezone).map_err(|e| anyhow::anyhow!("{}", e.0))?.today(),
    };
    let statuses = crate::status::evaluate_year(&ds, last);
    let orders = assess::order_facts(&register, year, as_of);
    let assessment = assess::score::score(&ds, &statuses, &orders, &rules, as_of);
    let fonts = fonts_job
        .join()
        .unwrap_or_else(|_| Err("字体索引失败（内部错误）".to_string()))
        .map_err(|e| anyhow::anyhow!(e))?;
    let templates_dir = args.templates.or_else(|| Some(PathBuf::from("templates")).filter(|p| p.is_dir()));
    let templates = match crate::templates::Templates::load(templates_dir.as_deref()) {
        Ok(t) => t,
        Err(d) => {
            eprint!("{}", d.render(&Default::default()));
            return Ok(ExitCode::from(1));
        }
    };
    let outputs = match assess::outputs(&ds, &assessment, Arc::new(fonts), &templates) {
        Ok(o) => o,
        Err(e) => {
            eprint!("{}", e.diagnostics.render(&e.sources));
            eprintln!("未生成任何文件；之前的输出保持不变。");
            return Ok(ExitCode::from(1));
        }
    };
    if !outputs.warnings.is_empty() {
        eprint!("{}", outputs.warnings.render(&Default::default()));
    }
    let folder = assess::folder(&args.out, year);
    let paths = assess::write(&folder, &outputs)?;
    if args.json {
        print!("{}", String::from_utf8_lossy(&outputs.json));
    } else {
        for p in &paths {
            println!("已生成 {}", p.display());
        }
        println!(
            "{year} 年度考核：{} 个单位计分（任务状态截至 {last}，考核日期 {as_of}），{} 个单位未牵头任务、不计分。",
            assessment.units.len(),
            assessment.not_scored.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
