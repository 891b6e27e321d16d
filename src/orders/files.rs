//! 反馈附件: the files a unit attaches to its reply (反馈) to an order item — the signed and
//! stamped reply, photos of the work — kept in the evidence store like a report's 佐证材料
//! (docs/rules.md §19 “反馈附件”, §21).
//!
//! - A file is stored by [`crate::evidence::Store`] under [`Owner::OrderReply`] (the item, the
//!   replying unit, the number of the reply event), typed from its bytes, bounded by
//!   `office.yaml`'s `evidence:` limits, a photo's location stripped; the reply event's
//!   `attachments:` then names the stored object by its path in the data directory,
//!   `evidence/objects/<aa>/<sha256>` ([`reference`]): a plain file anyone can hash, which
//!   `ducha archive` files with the item and `ducha check` checks ([`check`]).
//! - [`reply`] is the one way in, for the web and `ducha orders reply --file`: the files are
//!   stored first, the event is appended with the version check of the events the person saw, and
//!   when that append is refused (someone acted first) the files' records are withdrawn again, so
//!   the index never lists a file for an event that does not carry it.
//! - The office reviews each file 采信 / 退回 (reason required) like a report's file; a returned
//!   file is replaced with the unit's next reply ([`Upload::replaces`]), the new record naming the
//!   one it replaces.
//! - The archive files every attached file that is not returned ([`archived`]).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::file::{Cx, RawItem};
use super::store::{self as register_store, StoreError as RegisterError};
use super::{Event, Item, Number, Register};
use crate::clock::OfficeClock;
use crate::data::load::{parse_yaml, SourceFile};
use crate::diag::{Diagnostic, Diagnostics, Loc, SourceMap};
use crate::evidence::index::is_sha256;
use crate::evidence::{Decision, EvidenceConfig, Meta, Owner, Record, Reviews, Store, StoreError};

/// How every reference to a stored file starts (a path relative to the data directory).
pub const OBJECTS: &str = "evidence/objects/";

/// The reference an event's `attachments:` writes for the stored file `sha256`:
/// `evidence/objects/<aa>/<sha256>`.
pub fn reference(sha256: &str) -> String {
    format!("{OBJECTS}{}/{sha256}", &sha256[..2.min(sha256.len())])
}

/// The SHA-256 a reference names, when it names a stored object (else a plain attached file).
pub fn sha_of(reference: &str) -> Option<&str> {
    let (aa, sha) = reference.strip_prefix(OBJECTS)?.split_once('/')?;
    (is_sha256(sha) && sha.starts_with(aa) && aa.len() == 2).then_some(sha)
}

/// One file to attach to a reply: streamed already into a temp file of
/// [`Store::temp_dir`] (the caller measured its hash and size on the way).
#[derive(Debug, Clone)]
pub struct Upload {
    /// The temp file; consumed (moved into the store or deleted).
    pub temp: PathBuf,
    pub sha256: String,
    pub size: u64,
    /// The name the person gave (cleaned before it is kept).
    pub name: String,
    /// The returned file of this unit's earlier reply that this one replaces.
    pub replaces: Option<String>,
}

/// Why a reply with files was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// Files the store refused (type, size, a replacement of a file that is not returned …),
    /// each message naming its file; nothing was recorded.
    #[error("反馈未记录：{}", .0.join("；"))]
    Files(Vec<String>),
    /// The register refused the event (someone acted first, the cycle does not allow it …);
    /// the files were withdrawn.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A stored file's refusal in words naming the file.
pub fn refusal_text(name: &str, e: &StoreError) -> String {
    match e {
        StoreError::Refused(_) | StoreError::TooLarge { .. } => format!("{e}（未上传）"),
        StoreError::ReportFull { size, total, max, .. } => format!(
            "加上“{name}”（{}），本单位对本事项的反馈附件合计 {}，超过上限 {}；请删减或压缩后重新上传（未上传）",
            crate::evidence::config::human_size(*size),
            crate::evidence::config::human_size(*total),
            crate::evidence::config::human_size(*max)
        ),
        other => format!("“{name}”未上传：{other}"),
    }
}

/// Records the reply `ev` (a unit's 反馈, its `by` the unit) to item `number`, the person having
/// seen `seen` events, with `uploads` attached: checks the event against the item and each
/// file's type and size first (nothing is stored for a reply that would be refused), stores
/// every file under
/// `Owner::OrderReply { event: seen + 1 }` (a refused file: the others are withdrawn and nothing
/// is recorded), appends the event naming them ([`reference`]), and withdraws them again when
/// the append is refused. Returns the item as written and the stored records.
#[allow(clippy::too_many_arguments)]
pub fn reply(
    dir: &Path,
    cx: &Cx,
    number: Number,
    seen: usize,
    ev: &Event,
    uploads: Vec<Upload>,
    cfg: &EvidenceConfig,
    clock: &OfficeClock,
) -> Result<(Item, Vec<Record>), ReplyError> {
    if uploads.is_empty() {
        return Ok((register_store::append(dir, cx, number, seen, ev)?, Vec::new()));
    }
    let remove = |ups: &[Upload]| ups.iter().for_each(|u| drop(std::fs::remove_file(&u.temp)));
    // Refused before a file is stored: a stale form, an action the item does not allow now.
    let checked = register_store::read_item(dir, number, cx).and_then(|(item, _)| {
        if item.events.len() != seen {
            return Err(RegisterError::Stale { number, seen, now: item.events.len() });
        }
        item.check(ev).map_err(|refusal| RegisterError::Refused { number, phase: item.track.phase.label(), refusal })
    });
    if let Err(e) = checked {
        remove(&uploads);
        return Err(e.into());
    }
    // The type and size of every file before any is stored: a refused file stores nothing.
    let refused: Vec<String> = uploads
        .iter()
        .filter_map(|u| {
            let name = crate::evidence::store::clean_name(&u.name);
            let e = if u.size > cfg.max_file {
                StoreError::TooLarge { name: name.clone(), size: u.size, max: cfg.max_file }
            } else {
                crate::evidence::sniff_path(&u.temp, &name).err()?.into()
            };
            Some(refusal_text(&name, &e))
        })
        .collect();
    if !refused.is_empty() {
        remove(&uploads);
        return Err(ReplyError::Files(refused));
    }
    let store = Store::new(dir);
    let owner = Owner::OrderReply { number: number.to_string(), unit: ev.by.clone(), event: (seen + 1) as u32 };
    let mut stored: Vec<Record> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    for u in &uploads {
        let meta = Meta { name: u.name.clone(), owner: owner.clone(), uploaded_by: ev.by.clone(), slot: None };
        let put = match &u.replaces {
            None => store.put(&u.temp, &u.sha256, u.size, &meta, cfg, clock),
            Some(old) => store.replace(&u.temp, &u.sha256, u.size, &meta, old, cfg, clock),
        };
        match put {
            Ok(r) => {
                if !stored.iter().any(|s| s.sha256 == r.sha256) {
                    stored.push(r);
                }
            }
            Err(e @ (StoreError::Io(_) | StoreError::Lock { .. } | StoreError::Write(_) | StoreError::Yaml(_))) => {
                store.withdraw(&owner, &shas(&stored))?;
                remove(&uploads);
                return Err(e.into());
            }
            Err(e) => refused.push(refusal_text(&crate::evidence::store::clean_name(&u.name), &e)),
        }
    }
    if !refused.is_empty() {
        store.withdraw(&owner, &shas(&stored))?;
        return Err(ReplyError::Files(refused));
    }
    let mut ev = ev.clone();
    ev.attachments.extend(stored.iter().map(|r| reference(&r.sha256)));
    match register_store::append(dir, cx, number, seen, &ev) {
        Ok(item) => Ok((item, stored)),
        Err(e) => {
            store.withdraw(&owner, &shas(&stored))?;
            Err(e.into())
        }
    }
}

fn shas(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| r.sha256.clone()).collect()
}

/// The index record of an event's attached file: the item's (any unit's) record of `sha256`
/// for reply `event` (1-based), the latest if several.
pub fn record_of<'a>(records: &'a [Record], sha256: &str, event: usize) -> Option<&'a Record> {
    records
        .iter()
        .rev()
        .find(|r| r.sha256 == sha256 && matches!(&r.owner, Owner::OrderReply { event: e, .. } if *e as usize == event))
}

/// How a listing names an event's attachment `rel` of reply `event` (1-based) of item `number`:
/// a stored file as `<name>（<type>，<review>，sha256 <hash>）`, any other file by its path.
pub fn describe(reviews: &Reviews, number: Number, rel: &str, event: usize) -> String {
    let Some(sha) = sha_of(rel) else { return rel.to_owned() };
    let records = reviews.orders.get(&number.to_string()).map(Vec::as_slice).unwrap_or(&[]);
    match record_of(records, sha, event) {
        Some(r) => {
            let review = match &r.review {
                None => "待督查室审核".to_owned(),
                Some(v) if v.decision == Decision::Accepted => "已采信".to_owned(),
                Some(v) => format!("已退回：{}", v.reason.as_deref().unwrap_or("")),
            };
            let replaced = if r.replaced_by.is_some() { "，已替换" } else { "" };
            format!("{}（{}，{review}{replaced}，sha256 {sha}）", r.name, r.kind.label())
        }
        None => format!("{rel}（不在佐证材料索引中）"),
    }
}

/// `ducha check` for the files the events of `register` attach (docs/rules.md §19 “反馈附件”):
/// a stored file ([`sha_of`]) must be in the store with exactly its hash and listed in the
/// item's evidence index for that reply; any other attachment must exist in the data
/// directory. Each problem is located at the event's attachment line (`sources` holds the item
/// files' text, as [`super::file::load_register`] read it). A reply file the index lists that
/// its reply does not attach is a warning at the index record.
pub fn check(dir: &Path, register: &Register, reviews: &Reviews, sources: &SourceMap, diags: &mut Diagnostics) {
    let store = Store::new(dir);
    for item in register.items.iter().filter(|i| i.events.iter().any(|e| !e.attachments.is_empty())) {
        let Some(text) = sources.get(&item.file) else { continue };
        let source = SourceFile { name: item.file.clone(), path: PathBuf::new(), text: text.to_owned() };
        let spans = parse_yaml::<RawItem>(source, &mut Diagnostics::default()).map(|p| p.spans);
        let records = reviews.orders.get(&item.number.to_string()).map(Vec::as_slice).unwrap_or(&[]);
        for (i, e) in item.events.iter().enumerate() {
            for (k, rel) in e.attachments.iter().enumerate() {
                let at = spans.as_ref().and_then(|s| s.events.get(i)).and_then(|s| s.fields.attachments.get(k));
                let (loc, len) = at.map_or_else(|| (Loc::file(&item.file), 1), |a| a.loc(&item.file));
                let n = i + 1;
                let problem = match sha_of(rel) {
                    Some(sha) => stored_problem(&store, records, sha, n),
                    None => match crate::names::join_relative_inside(dir, rel) {
                        Ok(p) if p.is_file() => None,
                        _ => Some((
                            format!("第 {n} 条记录的附件 “{rel}” 在数据目录中找不到"),
                            "附件写成数据目录内的相对路径；请把文件放回原处，或从备份恢复".to_string(),
                        )),
                    },
                };
                if let Some((msg, hint)) = problem {
                    diags.push(Diagnostic::error(format!("{} {msg}", item.number)).at_span(loc, len).hint(hint));
                }
            }
        }
    }
    unattached_records(dir, register, reviews, diags);
}

/// The other way round: every reply file the evidence index lists is attached by the reply it
/// names. A record without its event is what a reply interrupted between storing its files and
/// recording itself leaves (or an item file edited by hand); the file then shows nowhere and is
/// never archived. A warning, at the record's line in the index file: the files the items do
/// attach are all checked above, and nothing printed or filed depends on such a record.
fn unattached_records(dir: &Path, register: &Register, reviews: &Reviews, diags: &mut Diagnostics) {
    for (number, records) in &reviews.orders {
        let item = register.items.iter().find(|i| i.number.to_string() == *number);
        for r in records {
            let Owner::OrderReply { unit, event, .. } = &r.owner else { continue };
            let attaching = item.and_then(|i| i.events.get((*event as usize).wrapping_sub(1)));
            if attaching.is_some_and(|e| e.attachments.iter().any(|a| sha_of(a) == Some(r.sha256.as_str()))) {
                continue;
            }
            let path = r.owner.index_path(dir);
            let name = crate::data::load::display_name(&path);
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let loc = text
                .lines()
                .enumerate()
                .find_map(|(i, line)| {
                    line.find(&r.sha256).map(|b| Loc::new(&name, i + 1, line[..b].chars().count() + 1))
                })
                .unwrap_or_else(|| Loc::file(&name));
            let short = &r.sha256[..12];
            let (msg, hint) = match item {
                None => (
                    format!("佐证材料索引登记了 {number} 的反馈附件“{}”（sha256 {short}…），但督办登记簿中没有这个事项", r.name),
                    "事项文件应在 orders/ 下；请从备份恢复该事项文件，确认不需要时可从备份恢复索引文件".to_string(),
                ),
                Some(_) => (
                    format!(
                        "佐证材料索引登记了 {unit} 对 {number} 第 {event} 条记录的反馈附件“{}”（sha256 {short}…），但该记录没有这个附件",
                        r.name
                    ),
                    "多半是一次没有完成的回复留下的登记：请该单位重新提交回复并附上文件；确认不需要时可从备份恢复索引文件"
                        .to_string(),
                ),
            };
            diags.push(Diagnostic::warning(msg).at_span(loc, r.sha256.len()).hint(hint));
        }
    }
}

/// What is wrong with the stored file `sha` attached to reply `n`, if anything.
fn stored_problem(store: &Store, records: &[Record], sha: &str, n: usize) -> Option<(String, String)> {
    let short = &sha[..12];
    let restore = "反馈附件由 ducha 存入佐证材料库（evidence/objects/）；请从备份恢复该文件".to_string();
    let Some(path) = store.object_path(sha).filter(|p| p.is_file()) else {
        return Some((format!("第 {n} 条记录的附件（sha256 {short}…）在佐证材料库中找不到"), restore));
    };
    match crate::evidence::store::hash_file(&path) {
        Ok((h, _)) if h == sha => {}
        Ok(_) => {
            return Some((
                format!(
                    "第 {n} 条记录的附件（sha256 {short}…）的内容与其 sha256 不符：佐证材料库中的文件已被改动或损坏"
                ),
                restore,
            ))
        }
        Err(e) => return Some((format!("第 {n} 条记录的附件（sha256 {short}…）无法读取：{e}"), restore)),
    }
    record_of(records, sha, n).is_none().then(|| {
        (
            format!("第 {n} 条记录的附件（sha256 {short}…）不在本事项的佐证材料索引中"),
            "反馈附件应经网页或 ducha orders reply --file 上传，由 ducha 同时登记；请从备份恢复索引文件".to_string(),
        )
    })
}

/// Why [`review`] did not record a review.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The unit named is not one of the item's (承办 or 协办).
    #[error("{unit} 不是 {number} 的承办或协办单位（{units}）")]
    NotAUnit { unit: String, number: String, units: String },
    /// The store refused (a return without a reason, an unknown or replaced file) or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The office's 采信 / 退回 of one reply file of `item` sent by `unit` (docs/rules.md §19
/// “反馈附件”): the one call behind the item page and `ducha orders review-file`. The unit must be
/// one of the item's; a return needs a reason (the store checks it).
#[allow(clippy::too_many_arguments)]
pub fn review(
    dir: &Path,
    item: &Item,
    unit: &str,
    sha256: &str,
    decision: Decision,
    reason: Option<&str>,
    by: &str,
    clock: &OfficeClock,
) -> Result<Record, ReviewError> {
    if !item.units.iter().any(|u| u == unit) {
        return Err(ReviewError::NotAUnit {
            unit: unit.to_owned(),
            number: item.number.to_string(),
            units: item.units.join("、"),
        });
    }
    // The index of a unit's reply files is one per item and unit: the event does not pick it.
    let owner = Owner::OrderReply { number: item.number.to_string(), unit: unit.to_owned(), event: 0 };
    Ok(Store::new(dir).review(&owner, sha256, decision, reason, by, clock)?)
}

/// An attached file of an item as the archive files it: its name inside the 件 and its bytes.
pub type Filed = (String, Vec<u8>);

/// The files the events of `item` attach, as filed with the closed item (docs/rules.md §19
/// “归档”): each named `附件-<event>-<name>`; a stored file under the name the unit gave it (its
/// type's extension) and checked against its hash, and left out when the office returned it
/// (退回: not evidence of anything; its record and reason stay in the item's history, the
/// replacement is filed with the reply that brought it). Errors name the item and the file.
pub fn archived(dir: &Path, item: &Item, reviews: &Reviews) -> Result<Vec<Filed>, String> {
    let store = Store::new(dir);
    let records = reviews.orders.get(&item.number.to_string()).map(Vec::as_slice).unwrap_or(&[]);
    let mut out: Vec<Filed> = Vec::new();
    for (i, e) in item.events.iter().enumerate() {
        for rel in &e.attachments {
            let (base, bytes) = match sha_of(rel) {
                Some(sha) => {
                    let record = record_of(records, sha, i + 1);
                    if record.and_then(|r| r.review.as_ref()).is_some_and(|v| v.decision == Decision::Returned) {
                        continue;
                    }
                    let path = store.object_path(sha).unwrap_or_default();
                    let bytes = std::fs::read(&path)
                        .map_err(|err| format!("无法读取 {} 第 {} 条记录的附件 {rel}：{err}", item.number, i + 1))?;
                    if crate::evidence::store::hex(&Sha256::digest(&bytes)) != sha {
                        return Err(format!(
                            "{} 第 {} 条记录的附件 {rel} 的内容与其 sha256 不符，文件可能已损坏，未归档",
                            item.number,
                            i + 1
                        ));
                    }
                    let name = match record {
                        Some(r) => {
                            let stem = r.name.rsplit_once('.').map_or(r.name.as_str(), |(s, _)| s);
                            format!("{}.{}", crate::names::file_name(stem), r.kind.extension())
                        }
                        None => sha.to_string(),
                    };
                    (name, bytes)
                }
                None => {
                    let path = crate::names::join_relative_inside(dir, rel)
                        .map_err(|err| format!("{} 的附件 “{rel}” 不在数据目录内：{err}", item.number))?;
                    let bytes =
                        std::fs::read(&path).map_err(|err| format!("无法读取 {} 的附件 {rel}：{err}", item.number))?;
                    (crate::names::file_name(rel.rsplit('/').next().unwrap_or(rel)), bytes)
                }
            };
            let mut name = format!("附件-{}-{base}", i + 1);
            if out.iter().any(|(n, _)| *n == name) {
                name = format!("附件-{}-{}-{base}", i + 1, out.len() + 1);
            }
            out.push((name, bytes));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_store_objects_only() {
        let sha = "ab".repeat(32);
        let r = reference(&sha);
        assert_eq!(r, format!("evidence/objects/ab/{sha}"));
        assert_eq!(sha_of(&r), Some(sha.as_str()));
        for other in [
            format!("evidence/objects/cd/{sha}"),
            format!("evidence/objects/ab/{}", sha.to_uppercase()),
            "orders/2023/附件/反馈.pdf".to_string(),
            format!("evidence/objects/ab/{sha}/x"),
        ] {
            assert_eq!(sha_of(&other), None, "{other}");
        }
    }
}
