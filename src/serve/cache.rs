//! The data directory as last read, kept while no file in it has changed, with what the pages
//! derive from it (the validated plan, the dataset, each period's statuses) computed once per
//! version of the data.
//!
//! Every request still looks at the disk: it takes the size, modification time and inode of
//! `plan.yaml`, `office.yaml` and every file under `reports/` (a directory walk, no reads), and
//! only when that fingerprint differs from the cached one are the files read and parsed again. So
//! an edit made with the CLI while the server runs is seen on the next request, and a burst of
//! requests parses the YAML once. When a file did change, only the files whose text changed are
//! parsed again (`load::ParseMemo`); the rules still run over the whole directory, once per
//! version: the first request that needs the dataset (or a period's statuses) computes it, and
//! requests arriving meanwhile wait for that result instead of computing it again.
//!
//! Within one request the fingerprint is taken once ([`DataCache::pin`]): a page sees one version
//! of the data from start to end, and a page that looks at the data several times walks the
//! directory once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use crate::aggregate::Summary;
use crate::data::load::Loaded;
use crate::data::model::{Dataset, Office, Period, Plan};
use crate::diag::Diagnostics;
use crate::status::PeriodStatus;

/// (path, size, modification time, inode): a file replaced by rename (as every ducha write is)
/// changes its inode even within one tick of the file system's clock.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>, u64)>;

/// The statuses of every quarter up to a period, and their aggregation (the dashboard's and
/// task page's figures, as `ducha build` computes them).
pub struct Year {
    pub statuses: Vec<PeriodStatus>,
    pub summary: Summary,
}

/// What is derived from one version of the data, each part computed on first use.
#[derive(Default)]
struct Derived {
    /// The validated plan, or `ducha check`'s rendered errors of plan.yaml.
    plan: OnceLock<Result<Arc<Plan>, String>>,
    /// The validated office.yaml, if valid.
    office: OnceLock<Option<Arc<Office>>>,
    /// The validated dataset, or the rendered `ducha check` output.
    dataset: OnceLock<Arc<Result<Dataset, String>>>,
    /// Per period: the statuses up to it (computed once, others wait).
    years: Mutex<HashMap<Period, Arc<OnceLock<Arc<Year>>>>>,
}

struct Entry {
    key: Arc<Fingerprint>,
    loaded: Arc<Loaded>,
    diags: Diagnostics,
    derived: Arc<Derived>,
}

/// One version of the data: the files as loaded and what is derived from them.
#[derive(Clone)]
pub struct Snapshot {
    key: Arc<Fingerprint>,
    loaded: Arc<Loaded>,
    diags: Diagnostics,
    derived: Arc<Derived>,
}

/// The cache (one per server).
#[derive(Default)]
pub struct DataCache {
    entry: Mutex<Option<Entry>>,
    /// Parse results by file: after one report is saved, only that file is parsed again.
    memo: crate::data::load::ParseMemo,
}

thread_local! {
    /// The snapshot of the request running on this thread, once taken (see [`DataCache::pin`]).
    static PINNED: RefCell<Option<Option<Snapshot>>> = const { RefCell::new(None) };
}

/// While alive, the data is looked at once on this thread: the first look takes the
/// fingerprint, later ones reuse that snapshot. Dropped at the end of the request.
pub struct Pin(());

impl Drop for Pin {
    fn drop(&mut self) {
        PINNED.with(|p| p.borrow_mut().take());
    }
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

/// The stamps of the files the loader reads: `plan.yaml`, `office.yaml` and the `.yaml`, `.yml`
/// and `.md` files under `reports/`, in the loader's order. Folders and other files (evidence,
/// the temporary file of a write in progress) do not count: they change nothing loaded.
fn fingerprint(data: &Path) -> Fingerprint {
    let mut out = Vec::new();
    for p in [data.join("plan.yaml"), data.join("office.yaml")] {
        if let Some(s) = stamp(&p) {
            out.push(s);
        }
    }
    let walk = walkdir::WalkDir::new(data.join("reports")).sort_by_file_name().follow_links(false);
    for e in walk.into_iter().flatten().filter(|e| e.file_type().is_file()) {
        let ext = e.path().extension().and_then(|x| x.to_str()).unwrap_or("");
        if matches!(ext, "yaml" | "yml" | "md") {
            if let Some(s) = stamp(e.path()) {
                out.push(s);
            }
        }
    }
    out
}

fn stamp(p: &Path) -> Option<(PathBuf, u64, Option<SystemTime>, u64)> {
    let m = std::fs::metadata(p).ok()?;
    Some((p.to_path_buf(), m.len(), m.modified().ok(), inode(&m)))
}

impl DataCache {
    /// Pins the data for the request on this thread (see [`Pin`]).
    pub fn pin(&self) -> Pin {
        PINNED.with(|p| *p.borrow_mut() = Some(None));
        Pin(())
    }

    /// The current version of the data: from the pin of this request if taken, else from the
    /// cache if the fingerprint is unchanged, else loaded again.
    pub fn snapshot(&self, data: &Path) -> Snapshot {
        if let Some(Some(s)) = PINNED.with(|p| p.borrow().clone()) {
            return s;
        }
        let mut key = Arc::new(fingerprint(data));
        let snapshot = {
            // One thread reloads while the others wait for its result rather than parse in parallel.
            let mut guard = self.entry.lock().unwrap_or_else(|e| e.into_inner());
            if guard.as_ref().is_some_and(|e| e.key != key) {
                // Looked again under the lock: a write may have been taken into the cache
                // ([`DataCache::after_write`]) between the first look and the lock.
                key = Arc::new(fingerprint(data));
            }
            if guard.as_ref().is_none_or(|e| e.key != key) {
                let (loaded, diags) = crate::data::load::load_with(data, Some(&self.memo));
                *guard = Some(Entry { key, loaded: Arc::new(loaded), diags, derived: Arc::default() });
            }
            let e = guard.as_ref().expect("just filled");
            Snapshot {
                key: e.key.clone(),
                loaded: e.loaded.clone(),
                diags: e.diags.clone(),
                derived: e.derived.clone(),
            }
        };
        PINNED.with(|p| {
            let mut p = p.borrow_mut();
            if p.is_some() {
                *p = Some(Some(snapshot.clone()));
            }
        });
        snapshot
    }

    /// The files as `ducha check` loads them, with the load stage's diagnostics.
    pub fn loaded(&self, data: &Path) -> (Arc<Loaded>, Diagnostics) {
        let s = self.snapshot(data);
        (s.loaded, s.diags)
    }

    /// After the server wrote the report file `path` (shown as `name`), checked against `base`
    /// and making `next` ([`super::report::Checked::next`]) of it: updates the cached version
    /// in memory, so the next request neither reads the directory's files nor parses them again.
    /// Not taken when the load stage had a problem with the file before. When the cached version
    /// is `base` itself, the dataset the check made is kept too.
    pub fn after_write(&self, base: &Snapshot, path: &Path, name: &str, next: (Loaded, Option<Dataset>)) {
        let Some(file_now) = stamp(path) else { return };
        let mut guard = self.entry.lock().unwrap_or_else(|e| e.into_inner());
        let Some(e) = guard.as_ref() else { return };
        if e.diags.0.iter().any(|d| d.loc.as_ref().is_some_and(|l| l.file == name)) {
            return;
        }
        // The cached version's fingerprint with this file's new stamp: if anything else changed
        // on disk meanwhile, the next request's fingerprint differs from it and that request
        // loads the directory as usual.
        let mut key: Fingerprint = e.key.iter().filter(|(p, ..)| p != path).cloned().collect();
        // The walk orders each folder's entries by name, as path order does.
        let at = key.partition_point(|(p, ..)| p.as_path() < path);
        key.insert(at, file_now);
        let (next_loaded, dataset) = next;
        let derived = Derived::default();
        let loaded = if Arc::ptr_eq(&e.key, &base.key) {
            if let Some(ds) = dataset.filter(|_| !e.diags.has_errors()) {
                let _ = derived.dataset.set(Arc::new(Ok(ds)));
            }
            next_loaded
        } else {
            // Others wrote since the check: their files from the cache, this one from the check.
            let Some((dir, report)) = next_loaded.reports.into_iter().find(|(_, p)| p.source.path == path) else {
                return;
            };
            let mut loaded = (*e.loaded).clone();
            loaded.put_report(dir, report);
            loaded
        };
        let diags = e.diags.clone();
        let old =
            guard.replace(Entry { key: Arc::new(key), loaded: Arc::new(loaded), diags, derived: Arc::new(derived) });
        drop(guard);
        // The version replaced is freed by whoever holds it last, here or in a reader.
        drop(old);
    }

    /// The validated plan, or `ducha check`'s rendered errors of the plan.
    pub fn plan(&self, data: &Path) -> Result<Arc<Plan>, String> {
        self.snapshot(data).plan()
    }

    /// The validated office.yaml, if it is valid.
    pub fn office(&self, data: &Path) -> Option<Arc<Office>> {
        let s = self.snapshot(data);
        s.derived
            .office
            .get_or_init(|| {
                let o = s.loaded.office.as_ref()?;
                crate::data::validate::validate_office(o, &mut Default::default(), &mut Default::default())
                    .map(Arc::new)
            })
            .clone()
    }

    /// The validated dataset ([`crate::data::check_loaded`]), or `ducha check`'s rendered errors.
    pub fn dataset(&self, data: &Path) -> Arc<Result<Dataset, String>> {
        self.snapshot(data).dataset()
    }

    /// The statuses of the quarters up to `period` and their summary, or the dataset's errors.
    pub fn year(&self, data: &Path, period: Period) -> Result<Arc<Year>, String> {
        let s = self.snapshot(data);
        let dataset = s.dataset();
        let ds = dataset.as_ref().as_ref().map_err(Clone::clone)?;
        let cell = s.derived.years.lock().unwrap_or_else(|e| e.into_inner()).entry(period).or_default().clone();
        Ok(cell
            .get_or_init(|| {
                let statuses = crate::status::evaluate_year(ds, period);
                let summary = crate::aggregate::summarize(ds, &statuses);
                Arc::new(Year { statuses, summary })
            })
            .clone())
    }
}

impl Snapshot {
    /// The files as loaded.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    fn plan(&self) -> Result<Arc<Plan>, String> {
        self.derived
            .plan
            .get_or_init(|| {
                let mut diags = self.diags.clone();
                let plan = self
                    .loaded
                    .plan
                    .as_ref()
                    .and_then(|p| crate::data::validate::validate_plan(p, &mut Default::default(), &mut diags));
                plan.map(Arc::new).ok_or_else(|| diags.render(&self.loaded.sources))
            })
            .clone()
    }

    fn dataset(&self) -> Arc<Result<Dataset, String>> {
        self.derived
            .dataset
            .get_or_init(|| {
                // The rules alone decide whether there is a dataset; `check_loaded` (which adds the
                // reporting warnings and copies the files) is run only to show the errors.
                match crate::data::validate::validate(&self.loaded) {
                    (Some(ds), _) if !self.diags.has_errors() => Arc::new(Ok(ds)),
                    _ => {
                        let c = crate::data::check_loaded((*self.loaded).clone(), self.diags.clone());
                        Arc::new(match c.dataset {
                            Some(ds) => Ok(ds),
                            None => Err(c.diagnostics.render(&c.sources)),
                        })
                    }
                }
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_data(to: &Path) {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        for e in walkdir::WalkDir::new(&from) {
            let e = e.expect("walk");
            let dest = to.join(e.path().strip_prefix(&from).expect("inside"));
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&dest).expect("mkdir");
            } else {
                std::fs::copy(e.path(), &dest).expect("copy");
            }
        }
    }

    /// The reports, as (folder, file name, text), in order: what a page can see of the data.
    fn seen(l: &Loaded) -> Vec<(String, String, String)> {
        l.reports.iter().map(|(d, p)| (d.clone(), p.source.name.clone(), p.source.text.clone())).collect()
    }

    /// A report submitted through the server is taken into the cache as a fresh load would read
    /// it (same files, same order, same dataset), without reading the directory again; an edit
    /// made beside it with the CLI afterwards is still seen by the next look.
    #[test]
    fn a_write_is_taken_in_and_later_edits_are_still_seen() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let data = tmp.path().join("data");
        copy_data(&data);
        let cache = DataCache::default();
        let base = cache.snapshot(&data);
        let plan = base.plan().expect("valid plan");
        let (dir, report) = base.loaded.reports.last().expect("a report").clone();
        let path = report.source.path.clone();
        let mut raw = report.value.clone();
        raw.entries[0].progress = "网页提交的新进展。\n".into();
        let checked = super::super::report::check(&data, &base.loaded, &plan, &raw, &path, Vec::new());
        assert!(checked.ok(), "{:?}", checked.problems);
        crate::fsutil::write_atomic(&path, checked.yaml.as_deref().expect("yaml").as_bytes()).expect("write");
        let name = super::super::report::report_name(&data, &path);
        cache.after_write(&base, &path, &name, checked.next.expect("next"));
        let installed = cache.entry.lock().expect("lock").as_ref().map(|e| e.loaded.clone()).expect("entry");
        assert!(!Arc::ptr_eq(&installed, &base.loaded), "the write was taken in");

        let after = cache.snapshot(&data);
        assert!(Arc::ptr_eq(&after.loaded, &installed), "the next look reads nothing again");
        let (fresh, diags) = crate::data::load::load(&data);
        assert_eq!(seen(&after.loaded), seen(&fresh));
        assert!(seen(&after.loaded).iter().any(|(d, _, t)| *d == dir && t.contains("网页提交的新进展")));
        let fresh_ds = crate::data::check_loaded(fresh, diags).dataset.expect("valid data");
        let cached = after.dataset();
        let cached_ds = cached.as_ref().as_ref().expect("valid data");
        assert_eq!(format!("{:?}", cached_ds.reports), format!("{:?}", fresh_ds.reports));

        // Another report edited in place, as an editor would, after the write.
        let other = &after.loaded.reports[0].1.source.path;
        let text = std::fs::read_to_string(other).expect("read");
        std::fs::write(other, text.replacen("progress: ", "progress: 命令行改过的", 1)).expect("edit");
        let next = cache.snapshot(&data);
        assert!(!Arc::ptr_eq(&next.loaded, &after.loaded));
        assert_eq!(seen(&next.loaded), seen(&crate::data::load::load(&data).0));
    }
}
