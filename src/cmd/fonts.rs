//! `ducha fonts`: which font families and faces ducha uses, their coverage of GB 2312 and of the
//! characters in the current data, and which characters of the data fall back or have no glyph.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::DataDir;
use crate::engine::fonts::{Fonts, Role};

/// The 6,763 hanzi of GB 2312 (levels 1 and 2), generated from the GB 2312 code table.
const GB2312: &str = include_str!("../engine/gb2312.txt");

/// Arguments of `ducha fonts`.
#[derive(Debug, Args)]
#[command(mut_arg("data", |a| a.help("数据目录；给出时统计数据中用到的字符的覆盖情况。")))]
pub struct FontsArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 额外的字体目录（可多次给出）。默认只用随程序提供的 fonts/。
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<PathBuf>,
}

/// Runs `ducha fonts`.
pub fn run(args: FontsArgs) -> anyhow::Result<ExitCode> {
    let fonts = Fonts::load(&args.font_paths).map_err(anyhow::Error::msg)?;
    let data_chars = data_chars(&args.data.path);
    let gb: Vec<char> = GB2312.trim().chars().collect();
    println!("字体目录：{}", fonts.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join("，"));
    println!();
    println!("{:<28} {:<10} {:>12} {:>14}  文件", "字体族", "字重/样式", "GB2312覆盖", "数据字符覆盖");
    let book = fonts.book();
    for (i, (path, index)) in fonts.paths.iter().enumerate() {
        let Some(info) = book.info(i) else { continue };
        let gb_cov = gb.iter().filter(|c| info.coverage.contains(**c as u32)).count();
        let data_cov = data_chars.keys().filter(|c| info.coverage.contains(**c as u32)).count();
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        println!(
            "{:<28} {:<10} {:>7}/{:<5} {:>7}/{:<6}  {}#{}",
            info.family,
            format!("{:?}", info.variant.weight.to_number()),
            gb_cov,
            gb.len(),
            data_cov,
            data_chars.len(),
            file,
            index
        );
    }
    println!();
    println!("各用途的字体链（第一个为本体，其后为缺字时的替代）：");
    for r in Role::ALL {
        let (role, stack) = (r.name(), r.stack());
        let missing: Vec<&str> = stack.iter().copied().filter(|f| !fonts.has_family(f)).collect();
        let status = if missing.is_empty() { "齐全".to_string() } else { format!("缺少 {}", missing.join("、")) };
        println!("  {role}：{}（{status}）", stack.join(" → "));
    }
    if data_chars.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    let mut any_missing = false;
    for r in Role::ALL {
        let (role, stack) = (r.name(), r.stack());
        let mut fallback = Vec::new();
        let mut missing = Vec::new();
        for c in data_chars.keys() {
            match fonts.resolve(stack, *c) {
                Some(0) => {}
                Some(_) => fallback.push(*c),
                None => missing.push(*c),
            }
        }
        if !fallback.is_empty() {
            println!("  {role}：数据中 {} 个字符由替代字体显示：{}", fallback.len(), describe(&fallback, &data_chars));
        }
        if !missing.is_empty() {
            any_missing = true;
            println!("  {role}：数据中 {} 个字符没有任何字形：{}", missing.len(), describe(&missing, &data_chars));
        }
    }
    if !any_missing {
        println!("  数据中的全部 {} 个字符都有字形。", data_chars.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(chars: &[char], where_: &BTreeMap<char, String>) -> String {
    chars
        .iter()
        .map(|c| format!("{c}（U+{:04X}，{}）", *c as u32, where_.get(c).map(String::as_str).unwrap_or("")))
        .collect::<Vec<_>>()
        .join("、")
}

/// Every non-ASCII, non-space character of the data's YAML and Markdown files, with the first
/// file:line it occurs at.
fn data_chars(dir: &std::path::Path) -> BTreeMap<char, String> {
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return out;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
        let p = entry.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "yaml" | "yml" | "md") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        for (ln, line) in text.lines().enumerate() {
            for c in line.chars() {
                if !c.is_ascii() && !c.is_whitespace() && c != '\u{feff}' {
                    out.entry(c).or_insert_with(|| format!("{}:{}", p.display(), ln + 1));
                }
            }
        }
    }
    out
}
