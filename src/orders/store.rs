//! Writing the register: new items and appended events (docs/rules.md §19).
//!
//! A new item takes the year folder's lock (`orders/<year>/.lock`, an OS file lock, so two
//! processes or two threads wait for each other) to draw its number; an event appended to an item
//! takes that item's own lock (`orders/<year>/.db-001.yaml.lock`), so people acting on different
//! items never wait for each other. Under the lock the item file is re-read and re-validated, the
//! version the actor saw (the number of events) is checked, the event is applied with
//! [`super::apply`], and the file is written with [`crate::fsutil::write_durable`] (on disk before
//! the call returns: the register is the record). An append adds text at the end (`events` is the
//! file's last key): what was there is never rewritten. Of two people acting on the same item at
//! once, the second is refused with a message, and nothing is lost.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::file::{validate_item, Cx, RawEvent, RawItem};
use super::{Event, Item, Kind, Number, Refusal};
use crate::data::load::{parse_yaml, read_source};
use crate::data::model::{Date, Period};
use crate::diag::{Diagnostics, SourceMap};

/// Why a write to the register did not happen. Messages are Chinese and name the item.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("找不到事项 {0}（应在 {1}）")]
    Unknown(Number, String),
    #[error("{number}（当前状态：{phase}）：{refusal}")]
    Refused { number: Number, phase: &'static str, refusal: Refusal },
    #[error("{number} 已被他人更新（您看到 {seen} 条记录，现有 {now} 条），请刷新后重试；您的操作没有保存")]
    Stale { number: Number, seen: usize, now: usize },
    #[error("事项文件有错误，未作任何改动：\n{0}")]
    Invalid(String),
    #[error("无法锁定 {}：{source}", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    #[error("无法写出事项文件：{0}")]
    Yaml(String),
}

/// The held lock of one year folder; released when dropped.
pub struct YearLock(#[allow(dead_code)] File);

/// Takes the lock of `orders/<year>/` under `dir` (waits while another writer holds it).
pub fn lock_year(dir: &Path, year: i32) -> Result<YearLock, StoreError> {
    let folder = dir.join("orders").join(year.to_string());
    let file = crate::fsutil::lock_folder(&folder).map_err(|(path, source)| StoreError::Lock { path, source })?;
    Ok(YearLock(file))
}

/// The held lock of one item file; released when dropped.
pub struct ItemLock(#[allow(dead_code)] File);

/// Takes the lock of the item `number`'s file (waits while another writer holds it). The lock
/// file is hidden beside the item (`.db-001.yaml.lock`), which the register's reader skips.
pub fn lock_item(dir: &Path, number: Number) -> Result<ItemLock, StoreError> {
    let path = dir.join("orders").join(number.year.to_string()).join(format!(".{}.lock", number.file_name()));
    let file = crate::fsutil::lock_path(&path).map_err(|(path, source)| StoreError::Lock { path, source })?;
    Ok(ItemLock(file))
}

/// Where the file of `number` is.
pub fn path_of(dir: &Path, number: Number) -> PathBuf {
    dir.join("orders").join(number.year.to_string()).join(number.file_name())
}

/// Reads and validates the file of `number` (its text too).
pub fn read_item(dir: &Path, number: Number, cx: &Cx) -> Result<(Item, String), StoreError> {
    let path = path_of(dir, number);
    let name = format!("orders/{}/{}", number.year, number.file_name());
    if !path.is_file() {
        return Err(StoreError::Unknown(number, name));
    }
    let mut diags = Diagnostics::default();
    let item = read_source(&path, name.clone(), &mut diags).and_then(|source| {
        let text = source.text.clone();
        let parsed = parse_yaml::<RawItem>(source, &mut diags)?;
        let item = validate_item(&parsed, &number.year.to_string(), &number.file_name(), cx, &mut diags)?;
        Some((item, text))
    });
    match item {
        Some(x) if !diags.has_errors() => Ok(x),
        _ => {
            let mut sources = SourceMap::default();
            if let Ok(t) = std::fs::read_to_string(&path) {
                sources.insert(name, t);
            }
            Err(StoreError::Invalid(diags.render(&sources)))
        }
    }
}

/// The YAML of events as appended to a file (`- at: …` items under `events:`).
fn events_yaml(events: &[Event]) -> Result<String, StoreError> {
    let raw: Vec<RawEvent> = events.iter().map(RawEvent::from).collect();
    serde_yaml::to_string(&raw).map_err(|e| StoreError::Yaml(e.to_string()))
}

/// Appends `event` to the item `number`, the actor having seen `seen` events. Refused when the
/// file changed since (another writer), or when the cycle does not allow the event.
pub fn append(dir: &Path, cx: &Cx, number: Number, seen: usize, event: &Event) -> Result<Item, StoreError> {
    let _lock = lock_item(dir, number)?;
    let (item, text) = read_item(dir, number, cx)?;
    if item.events.len() != seen {
        return Err(StoreError::Stale { number, seen, now: item.events.len() });
    }
    item.check(event).map_err(|refusal| StoreError::Refused { number, phase: item.track.phase.label(), refusal })?;
    let mut new_text = text;
    if !new_text.ends_with('\n') {
        new_text.push('\n');
    }
    new_text.push_str(&events_yaml(std::slice::from_ref(event))?);
    write_checked(dir, number, cx, &new_text)
}

/// Validates `text` as the file of `number` before it replaces the file: a write never leaves a
/// file that `ducha check` would refuse.
fn write_checked(dir: &Path, number: Number, cx: &Cx, text: &str) -> Result<Item, StoreError> {
    let name = format!("orders/{}/{}", number.year, number.file_name());
    let source =
        crate::data::load::SourceFile { name: name.clone(), path: path_of(dir, number), text: text.to_owned() };
    let mut diags = Diagnostics::default();
    let item = parse_yaml::<RawItem>(source, &mut diags)
        .and_then(|p| validate_item(&p, &number.year.to_string(), &number.file_name(), cx, &mut diags));
    match item {
        Some(item) if !diags.has_errors() => {
            crate::fsutil::write_durable(&path_of(dir, number), text.as_bytes())?;
            Ok(item)
        }
        _ => {
            let mut sources = SourceMap::default();
            sources.insert(name, text);
            Err(StoreError::Invalid(diags.render(&sources)))
        }
    }
}

/// A new item: everything but its number, which [`create`] assigns.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub kind: Kind,
    pub task: Option<u32>,
    pub title: String,
    pub units: Vec<String>,
    pub period: Period,
    /// `red` / `yellow`, or a 需协调事项's level (as written in the file).
    pub level: Option<String>,
    pub issued: Date,
    pub deadline: Date,
    pub revisit_of: Option<Number>,
    /// The 交办 event first, then any that follow at once (呈报, 答复).
    pub events: Vec<Event>,
    /// The year of the number (the year the item is issued in).
    pub year: i32,
    /// The first number of the year when the year has no item yet (`office.yaml` `order_numbers`).
    pub first: u32,
}

/// The next free sequence number of `kind` in `year`: one past the highest file in the year
/// folder, or `first` when the folder has none of this kind. Call with the year's lock held.
pub fn next_seq(dir: &Path, kind: Kind, year: i32, first: u32) -> u32 {
    let folder = dir.join("orders").join(year.to_string());
    let prefix = format!("{}-", kind.prefix());
    let last = std::fs::read_dir(&folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix(&prefix)?.strip_suffix(".yaml")?.parse::<u32>().ok()
        })
        .max();
    match last {
        Some(n) => n + 1,
        None => first.max(1),
    }
}

/// Creates the items, each with the next free number of its kind and year, in the order given.
/// Stops at the first that cannot be written (those before it stay written).
pub fn create(dir: &Path, cx: &Cx, items: &[NewItem]) -> Result<Vec<Item>, StoreError> {
    let mut out = Vec::new();
    for new in items {
        let _lock = lock_year(dir, new.year)?;
        let seq = next_seq(dir, new.kind, new.year, new.first);
        let number = Number { kind: new.kind, year: new.year, seq };
        let raw = RawItem {
            kind: new.kind.id().into(),
            number: number.to_string(),
            task: new.task,
            title: new.title.clone(),
            units: new.units.clone(),
            period: new.period.to_string(),
            level: new.level.clone(),
            issued: new.issued.to_string(),
            deadline: new.deadline.to_string(),
            revisit_of: new.revisit_of.map(|n| n.to_string()),
            events: new.events.iter().map(RawEvent::from).collect(),
        };
        let body = serde_yaml::to_string(&raw).map_err(|e| StoreError::Yaml(e.to_string()))?;
        let text = format!(
            "# {number} {}（{}）\n# 由 ducha orders 写入；只增不改：事项状态由下面的记录推出，不要手改已有记录。\n{body}",
            new.kind.label(),
            new.units.first().map(String::as_str).unwrap_or("").replace(char::is_control, " ")
        );
        out.push(write_checked(dir, number, cx, &text)?);
    }
    Ok(out)
}
