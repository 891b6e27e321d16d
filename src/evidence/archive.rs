//! 佐证材料 in the archive (docs/rules.md §21): the period's accepted (采信) files are embedded in
//! the PDF/A-3b (and OFD-A) of the period's 通报, the record the reports and their evidence belong
//! to, each under a name that says period, unit and task, listed with its sha256 in the manifest
//! like every attached source (so `archive verify` compares each one's bytes); and the archive of
//! a year may not grow beyond `evidence.archive_max_mb`.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::config::human_size;
use super::{Decision, Reviews};
use crate::data::model::Period;

/// How every evidence attachment's name starts.
pub const PREFIX: &str = "佐证材料-";

/// The accepted files of `period` as (name inside the PDF, bytes), sorted by name; each object
/// is read from the store under `dir` and its hash checked, so a damaged store is never archived.
pub fn accepted_files(dir: &Path, reviews: &Reviews, period: Period) -> Result<Vec<(String, Vec<u8>)>, String> {
    let store = super::Store::new(dir);
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for (unit, r) in reviews.of_period(period) {
        if r.review.as_ref().map(|v| v.decision) != Some(Decision::Accepted) {
            continue;
        }
        let path = store.object_path(&r.sha256).ok_or_else(|| format!("佐证材料“{}”的 sha256 无效", r.name))?;
        let bytes = std::fs::read(&path).map_err(|e| format!("无法读取佐证材料“{}”（{unit}）：{e}", r.name))?;
        if super::store::hex(&Sha256::digest(&bytes)) != r.sha256 {
            return Err(format!(
                "佐证材料库中“{}”（{unit}，任务 {}）的内容与登记的 sha256 不符，文件可能已损坏，未归档",
                r.name,
                r.task().unwrap_or(0)
            ));
        }
        let stem = r.name.rsplit_once('.').map_or(r.name.as_str(), |(s, _)| s);
        let mut name = format!(
            "{PREFIX}{period}-{}-任务{}-{}.{}",
            crate::names::file_name(unit),
            r.task().unwrap_or(0),
            crate::names::file_name(stem),
            r.kind.extension()
        );
        if out.iter().any(|(n, _)| *n == name) {
            name = format!(
                "{PREFIX}{period}-{}-任务{}-{}-{}.{}",
                crate::names::file_name(unit),
                r.task().unwrap_or(0),
                crate::names::file_name(stem),
                &r.sha256[..8],
                r.kind.extension()
            );
        }
        out.push((name, bytes));
    }
    out.sort();
    Ok(out)
}

/// The media type of an evidence attachment (by the extension [`accepted_files`] gave it).
pub fn mime_of(name: &str) -> Option<&'static str> {
    if !name.starts_with(PREFIX) {
        return None;
    }
    let ext = name.rsplit('.').next()?;
    super::FileKind::ALL.into_iter().find(|k| k.extension() == ext).map(super::FileKind::mime)
}

/// Refuses an archive run that would make the year's folder `dir` larger than `cap` bytes: the
/// files there now plus `adding`. The message says how large, the limit, and what to do.
pub fn check_size(dir: &Path, adding: u64, cap: u64) -> Result<(), String> {
    let now: u64 = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    if now + adding > cap {
        return Err(format!(
            "本次归档后年度归档目录将达到 {}（现有 {}，新增 {}），超过 office.yaml 中 evidence.archive_max_mb 设定的上限 {}；未写入任何文件。请减少采信的佐证材料（或压缩后重新上传），或经批准后调高上限",
            human_size(now + adding),
            human_size(now),
            human_size(adding),
            human_size(cap)
        ));
    }
    Ok(())
}
