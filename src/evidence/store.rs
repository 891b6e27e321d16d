//! Content-addressed storage of 佐证材料 (docs/rules.md §21).
//!
//! An upload is streamed by its caller into a temp file under [`Store::temp_dir`] (inside the data
//! directory, so the final move is a rename on one file system) while the caller hashes it; then
//! [`Store::put`] sniffs the type from the bytes, applies the limits of `office.yaml`, strips a
//! photo's location, moves the bytes to `evidence/objects/<aa>/<sha256>` (a second copy of the
//! same content is deleted: stored once) and adds a record to the owner's index file, all under
//! the lock `evidence/.lock`. Files are never stored under a name a user chose; the original name
//! survives sanitised in the index only.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::config::{human_size, EvidenceConfig};
use super::index::{is_sha256, Decision, Owner, RawIndex, Record, Review};
use super::sniff::{sniff_path, FileKind, Refusal};
use super::Reviews;
use crate::clock::OfficeClock;
use crate::data::load::{parse_yaml, read_source};
use crate::diag::{Diagnostics, SourceMap};

/// Why a store operation did not happen. Messages are Chinese and name the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The type sniffed from the bytes is not accepted.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("“{name}”有 {}，超过单个文件上限 {}；请压缩或拆分后重新上传", human_size(*size), human_size(*max))]
    TooLarge { name: String, size: u64, max: u64 },
    #[error("加上“{name}”（{}），本期报告的佐证材料合计 {}，超过上限 {}；请删减或压缩后重新上传", human_size(*size), human_size(*total), human_size(*max))]
    ReportFull { name: String, size: u64, total: u64, max: u64 },
    #[error("任务 {task} 已有 {count} 份佐证材料，达到每项任务的上限 {max} 份；材料应精简，无需重复提交")]
    TooMany { task: u32, count: usize, max: u32 },
    #[error("找不到佐证材料 {0}")]
    Unknown(String),
    #[error("佐证材料“{0}”未被退回，不能替换；只有被退回的材料可以替换")]
    NotReturned(String),
    #[error("佐证材料“{0}”已被替换，请对替换后的材料操作")]
    Replaced(String),
    #[error("退回佐证材料必须写明理由")]
    ReasonRequired,
    #[error("佐证材料索引有错误，未作任何改动：\n{0}")]
    Invalid(String),
    #[error("无法锁定 {}：{source}", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("无法保存佐证材料：{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    #[error("无法写出佐证材料索引：{0}")]
    Yaml(String),
}

/// What the caller knows of an upload besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The name the user gave (any bytes: it is sanitised before it is kept).
    pub name: String,
    /// Which report task or order reply it belongs to.
    pub owner: Owner,
    /// Who uploaded it (account name or unit).
    pub uploaded_by: String,
    /// 材料名目, when uploaded into one of the plan's named slots.
    pub slot: Option<String>,
}

/// The evidence store of one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// The held store lock; released when dropped.
pub struct StoreLock(#[allow(dead_code)] File);

impl Store {
    /// The store of the data directory `dir` (nothing is created until something is stored).
    pub fn new(dir: &Path) -> Store {
        Store { dir: dir.to_path_buf() }
    }

    /// `evidence/tmp/` (created): where callers stream uploads before [`Store::put`].
    pub fn temp_dir(&self) -> std::io::Result<PathBuf> {
        let t = self.dir.join("evidence").join("tmp");
        std::fs::create_dir_all(&t)?;
        Ok(t)
    }

    /// Where the bytes of `sha256` live; `None` unless it is 64 lower-case hex digits (so a
    /// hash from a URL can never name another path).
    pub fn object_path(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256(sha256).then(|| self.dir.join("evidence").join("objects").join(&sha256[..2]).join(sha256))
    }

    /// Takes the store lock (waits while another writer holds it).
    pub fn lock(&self) -> Result<StoreLock, StoreError> {
        let file = crate::fsutil::lock_folder(&self.dir.join("evidence"))
            .map_err(|(path, source)| StoreError::Lock { path, source })?;
        Ok(StoreLock(file))
    }

    /// Stores the upload in `temp` (`sha256` and `size` as the caller measured while streaming)
    /// for `meta.owner`, and returns its record. The temp file is consumed (moved or deleted)
    /// whatever the outcome. The same content for the same task twice returns the record already
    /// there; the same content anywhere is stored once.
    pub fn put(
        &self,
        temp: &Path,
        sha256: &str,
        size: u64,
        meta: &Meta,
        cfg: &EvidenceConfig,
        clock: &OfficeClock,
    ) -> Result<Record, StoreError> {
        let out = self.put_inner(temp, sha256, size, meta, None, cfg, clock);
        let _ = std::fs::remove_file(temp);
        out
    }

    /// Replaces the returned file `old` with the upload in `temp`: the new record says what it
    /// replaces and the old one is marked replaced (kept in the index as history).
    #[allow(clippy::too_many_arguments)]
    pub fn replace(
        &self,
        temp: &Path,
        sha256: &str,
        size: u64,
        meta: &Meta,
        old: &str,
        cfg: &EvidenceConfig,
        clock: &OfficeClock,
    ) -> Result<Record, StoreError> {
        let out = self.put_inner(temp, sha256, size, meta, Some(old), cfg, clock);
        let _ = std::fs::remove_file(temp);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn put_inner(
        &self,
        temp: &Path,
        sha256: &str,
        size: u64,
        meta: &Meta,
        old: Option<&str>,
        cfg: &EvidenceConfig,
        clock: &OfficeClock,
    ) -> Result<Record, StoreError> {
        let name = clean_name(&meta.name);
        if size > cfg.max_file {
            return Err(StoreError::TooLarge { name, size, max: cfg.max_file });
        }
        let kind = sniff_path(temp, &name)?;
        let (mut sha, mut size) = (sha256.to_string(), size);
        if kind == FileKind::Jpeg && cfg.strip_location {
            let bytes = std::fs::read(temp)?;
            if let Some(clean) = super::photo::strip_location(&bytes) {
                std::fs::write(temp, &clean)?;
                sha = hex(&Sha256::digest(&clean));
                size = clean.len() as u64;
            }
        }
        let _lock = self.lock()?;
        let mut raw = self.read_index(&meta.owner)?;
        let records = self.records(&raw, &meta.owner)?;
        let task = match &meta.owner {
            Owner::Task { task, .. } => Some(*task),
            Owner::OrderReply { .. } => None,
        };
        let current = |r: &&Record| r.replaced_by.is_none() && r.task() == task && r.owner == meta.owner;
        if old.is_none() {
            if let Some(same) = records.iter().filter(current).find(|r| r.sha256 == sha) {
                return Ok(same.clone());
            }
        }
        if let Some(old) = old {
            let o = records
                .iter()
                .find(|r| r.sha256 == old && replaceable(&r.owner, &meta.owner))
                .ok_or_else(|| StoreError::Unknown(old.into()))?;
            if o.replaced_by.is_some() {
                return Err(StoreError::Replaced(o.name.clone()));
            }
            if o.review.as_ref().map(|r| r.decision) != Some(Decision::Returned) {
                return Err(StoreError::NotReturned(o.name.clone()));
            }
        } else if let Some(task) = task {
            let count = records.iter().filter(current).count();
            if count >= cfg.max_files_per_task as usize {
                return Err(StoreError::TooMany { task, count, max: cfg.max_files_per_task });
            }
        }
        let mut total: u64 = 0;
        let mut counted: Vec<&str> = Vec::new();
        for r in records.iter().filter(|r| r.replaced_by.is_none() && Some(r.sha256.as_str()) != old) {
            if !counted.contains(&r.sha256.as_str()) {
                counted.push(&r.sha256);
                total += r.size;
            }
        }
        if !counted.contains(&sha.as_str()) && total + size > cfg.max_report {
            return Err(StoreError::ReportFull { name, size, total: total + size, max: cfg.max_report });
        }
        let object = self.object_path(&sha).ok_or_else(|| StoreError::Unknown(sha.clone()))?;
        if object.exists() {
            std::fs::remove_file(temp)?;
        } else {
            std::fs::create_dir_all(object.parent().unwrap_or(&self.dir))?;
            std::fs::rename(temp, &object)?;
        }
        let now = clock.format(clock.now());
        let record = Record {
            sha256: sha.clone(),
            name,
            kind,
            size,
            owner: meta.owner.clone(),
            slot: meta.slot.clone(),
            uploaded_by: meta.uploaded_by.clone(),
            uploaded_at: now,
            review: None,
            replaces: old.map(str::to_string),
            replaced_by: None,
        };
        if let Some(old) = old {
            for r in raw.files.iter_mut().filter(|r| r.sha256 == old && r.replaced_by.is_none()) {
                r.replaced_by = Some(sha.clone());
            }
        }
        raw.files.push(record.to_raw());
        self.write_index(&meta.owner, &raw)?;
        Ok(record)
    }

    /// Takes back the records of `shas` just added for `owner` by [`Store::put`] or
    /// [`Store::replace`] (an order reply whose event was then not written: someone acted first,
    /// or another file of the reply was refused): each record of exactly this owner with one of
    /// these hashes and no review leaves the index, and a file it replaced is current again. The
    /// objects stay (content-addressed, possibly shared; an unlisted object is never served).
    pub fn withdraw(&self, owner: &Owner, shas: &[String]) -> Result<(), StoreError> {
        if shas.is_empty() {
            return Ok(());
        }
        let _lock = self.lock()?;
        let mut raw = self.read_index(owner)?;
        let (task, event) = match owner {
            Owner::Task { task, .. } => (Some(*task), None),
            Owner::OrderReply { event, .. } => (None, Some(*event)),
        };
        let mine = |r: &super::index::RawRecord| {
            r.task == task && r.event == event && r.decision.is_none() && shas.contains(&r.sha256)
        };
        let gone: Vec<(String, Option<String>)> =
            raw.files.iter().filter(|r| mine(r)).map(|r| (r.sha256.clone(), r.replaces.clone())).collect();
        raw.files.retain(|r| !mine(r));
        for (new, old) in gone {
            for r in
                raw.files.iter_mut().filter(|r| Some(&r.sha256) == old.as_ref() && r.replaced_by.as_ref() == Some(&new))
            {
                r.replaced_by = None;
            }
        }
        self.write_index(owner, &raw)
    }

    /// Records the office's decision on the current file `sha256` of `owner`'s index (any task
    /// of that report); 退回 needs a reason.
    pub fn review(
        &self,
        owner: &Owner,
        sha256: &str,
        decision: Decision,
        reason: Option<&str>,
        by: &str,
        clock: &OfficeClock,
    ) -> Result<Record, StoreError> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if decision == Decision::Returned && reason.is_none() {
            return Err(StoreError::ReasonRequired);
        }
        let _lock = self.lock()?;
        let mut raw = self.read_index(owner)?;
        let records = self.records(&raw, owner)?;
        let i = records
            .iter()
            .position(|r| r.sha256 == sha256 && r.replaced_by.is_none() && same_target(&r.owner, owner))
            .ok_or_else(|| StoreError::Unknown(sha256.into()))?;
        let mut record = records[i].clone();
        record.review = Some(Review {
            decision,
            reason: reason.map(str::to_string),
            by: by.to_string(),
            at: clock.format(clock.now()),
        });
        raw.files[i] = record.to_raw();
        self.write_index(owner, &raw)?;
        Ok(record)
    }

    /// Every record (history included) of the index `owner` belongs to (a report: all its tasks).
    pub fn list(&self, owner: &Owner) -> Result<Vec<Record>, StoreError> {
        let raw = self.read_index(owner)?;
        self.records(&raw, owner)
    }

    /// Every index of the data directory, validated (what `ducha check` loads).
    pub fn load_all(&self) -> (Reviews, Diagnostics, SourceMap) {
        let mut sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let name_of = |p: &Path| p.to_string_lossy().into_owned();
        let reviews = super::index::load(&self.dir, &name_of, &mut sources, &mut diags);
        (reviews, diags, sources)
    }

    fn read_index(&self, owner: &Owner) -> Result<RawIndex, StoreError> {
        let path = owner.index_path(&self.dir);
        if !path.exists() {
            let (period, order) = match owner {
                Owner::Task { period, .. } => (Some(period.to_string()), None),
                Owner::OrderReply { number, .. } => (None, Some(number.clone())),
            };
            return Ok(RawIndex { unit: owner.unit().to_string(), period, order, files: Vec::new() });
        }
        let mut diags = Diagnostics::default();
        let mut sources = SourceMap::default();
        let name = path.to_string_lossy().into_owned();
        let parsed = read_source(&path, name, &mut diags).and_then(|s| {
            sources.insert(s.name.clone(), s.text.clone());
            parse_yaml::<RawIndex>(s, &mut diags)
        });
        match parsed {
            Some(p) if !diags.has_errors() => Ok(p.value),
            _ => Err(StoreError::Invalid(diags.render(&sources))),
        }
    }

    fn records(&self, raw: &RawIndex, owner: &Owner) -> Result<Vec<Record>, StoreError> {
        let mut reviews = Reviews::default();
        let mut diags = Diagnostics::default();
        let spans = super::index::IndexSpans::default();
        let name = owner.index_path(&self.dir).to_string_lossy().into_owned();
        super::index::validate_file(raw, &spans, &name, &mut reviews, &mut diags);
        if diags.has_errors() {
            return Err(StoreError::Invalid(diags.render(&SourceMap::default())));
        }
        Ok(reviews.reports.into_values().chain(reviews.orders.into_values()).flatten().collect())
    }

    fn write_index(&self, owner: &Owner, raw: &RawIndex) -> Result<(), StoreError> {
        let body = serde_yaml::to_string(raw).map_err(|e| StoreError::Yaml(e.to_string()))?;
        let text = format!("# 佐证材料索引：由 ducha 写入，请勿手工修改（docs/rules.md §21）\n{body}");
        crate::fsutil::write_durable(&owner.index_path(&self.dir), text.as_bytes())?;
        Ok(())
    }
}

/// May a file of `new` replace the returned file of `old`? The same task of the same report; for
/// an order item, a later reply of the same unit (the replacement comes with the next reply,
/// docs/rules.md §21).
fn replaceable(old: &Owner, new: &Owner) -> bool {
    match (old, new) {
        (Owner::OrderReply { number: n, unit: u, .. }, Owner::OrderReply { number: m, unit: v, .. }) => {
            n == m && u == v
        }
        _ => old == new,
    }
}

/// Same report or same order item (the task / event may differ).
fn same_target(a: &Owner, b: &Owner) -> bool {
    match (a, b) {
        (Owner::Task { period: p, unit: u, .. }, Owner::Task { period: q, unit: v, .. }) => p == q && u == v,
        (Owner::OrderReply { number: n, .. }, Owner::OrderReply { number: m, .. }) => n == m,
        _ => false,
    }
}

impl Reviews {
    /// May `unit` read the file `sha256`? Only when one of its own indexes lists it (the office
    /// reads everything; leaders nothing unless the office shares a document — decided by the
    /// caller, which knows the roles).
    pub fn unit_may_read(&self, unit: &str, sha256: &str) -> bool {
        let own = |r: &Record| r.owner.unit() == unit && r.sha256 == sha256;
        self.reports.values().chain(self.orders.values()).flatten().any(own)
    }

    /// The current record of `sha256` in any index (for a download's name and type).
    pub fn find(&self, sha256: &str) -> Option<&Record> {
        self.reports.values().chain(self.orders.values()).flatten().find(|r| r.sha256 == sha256)
    }
}

/// The name kept in the index: the last path component of what the user sent, sanitised
/// (`names::file_name`: no separators, no control or bidi characters, no leading dot, bounded).
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    // The stem is cleaned on its own, so a mark `names::file_name` adds stays before the extension.
    let clean = match last.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty() && (1..=8).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            format!("{}.{ext}", crate::names::file_name(stem))
        }
        _ => crate::names::file_name(last),
    };
    if clean.is_empty() {
        "未命名文件".into()
    } else {
        clean
    }
}

/// SHA-256 (lower-case hex) and length of a file, read in chunks.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex(&h.finalize()), n))
}

/// Lower-case hex of bytes.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
