//! The data directory as last read, and what the pages compute from it, kept while no file in it
//! has changed.
//!
//! Every request still looks at the disk: the size, modification and status-change times and
//! inode of `plan.yaml`, `office.yaml` and every file under `reports/` (a directory walk, no
//! reads) are taken after the request began — by the request itself, or by a concurrent one that
//! it waited for ([`DataCache::snapshot`]) — and only when that fingerprint differs from the
//! current [`Snapshot`]'s is a new one made. So an edit made with the CLI while the server runs
//! is seen on the next request. A new snapshot reads only the files whose stamp changed and
//! parses only the files whose text changed (`load::ParseMemo`). A stamp taken within the file
//! system's timestamp resolution of the file's last change is ambiguous
//! ([`FileStamp::ambiguous_at`]: a same-size edit in the same clock tick would not change it):
//! while the last look had one, the files are read again (only those with ambiguous stamps) and
//! compared by content; unchanged content keeps the snapshot and what was computed from it.
//!
//! What a snapshot gives — the validated plan, the validated dataset (the rules run over the whole
//! directory, as `ducha check`), each period's statuses and summary for the dashboard — is
//! computed on first use, once: concurrent requests wait for the one computation (`OnceLock`)
//! rather than repeat it, and every later request of that snapshot shares it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Instant, SystemTime};

use crate::aggregate::Summary;
use crate::data::load::{FileStamp, Loaded};
use crate::data::model::{Dataset, Office, Period, Plan};
use crate::diag::Diagnostics;
use crate::status::PeriodStatus;

/// (path, stamp) of every data file, in walk order.
type Fingerprint = Vec<(std::path::PathBuf, FileStamp)>;

fn fingerprint(data: &Path) -> Fingerprint {
    let mut out = Vec::new();
    let mut push = |p: &Path| {
        if let Some(s) = FileStamp::at(p) {
            out.push((p.to_path_buf(), s));
        }
    };
    push(&data.join("plan.yaml"));
    push(&data.join("office.yaml"));
    push(&data.join(crate::assess::rules::FILE));
    for e in walkdir::WalkDir::new(data.join("reports")).sort_by_file_name().follow_links(false).into_iter().flatten() {
        push(e.path());
    }
    // The evidence index: the office's 采信 / 退回 decisions enter the statuses (docs/rules.md §21).
    for e in walkdir::WalkDir::new(data.join("evidence").join("index"))
        .sort_by_file_name()
        .follow_links(false)
        .into_iter()
        .flatten()
    {
        push(e.path());
    }
    out
}

/// Quarters Q1 … P of a period P ([`crate::status::evaluate_year`]) and P's summary
/// ([`crate::aggregate::summarize`]).
pub struct Year {
    pub statuses: Vec<PeriodStatus>,
    pub summary: Summary,
}

/// The data directory at one fingerprint, and what is computed from it.
pub struct Snapshot {
    key: Fingerprint,
    loaded: Loaded,
    /// The load stage's diagnostics.
    diags: Diagnostics,
    plan: OnceLock<Result<Arc<Plan>, String>>,
    office: OnceLock<Option<Office>>,
    /// The validated dataset, or `ducha check`'s rendered errors.
    checked: OnceLock<Result<Dataset, String>>,
    years: Mutex<HashMap<Period, Arc<OnceLock<Arc<Year>>>>>,
}

impl Snapshot {
    fn new(key: Fingerprint, loaded: Loaded, diags: Diagnostics) -> Snapshot {
        Snapshot {
            key,
            loaded,
            diags,
            plan: OnceLock::new(),
            office: OnceLock::new(),
            checked: OnceLock::new(),
            years: Mutex::new(HashMap::new()),
        }
    }

    /// The files as `ducha check` loads them.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The validated plan ([`crate::data::validate::validate_plan`]), or the load stage's and the
    /// plan's diagnostics rendered.
    pub fn plan(&self) -> Result<Arc<Plan>, &str> {
        let r = self.plan.get_or_init(|| {
            let mut diags = self.diags.clone();
            let plan = self
                .loaded
                .plan
                .as_ref()
                .and_then(|p| crate::data::validate::validate_plan(p, &mut Default::default(), &mut diags));
            plan.map(Arc::new).ok_or_else(|| diags.render(&self.loaded.sources))
        });
        r.as_ref().map(Arc::clone).map_err(String::as_str)
    }

    /// The validated office.yaml, if it is valid.
    pub fn office(&self) -> Option<&Office> {
        self.office
            .get_or_init(|| {
                self.loaded.office.as_ref().and_then(|o| {
                    crate::data::validate::validate_office(o, &mut Default::default(), &mut Default::default())
                })
            })
            .as_ref()
    }

    /// The validated dataset ([`crate::data::check_loaded`]'s decision, on the borrowed files),
    /// or `ducha check`'s rendered errors.
    pub fn dataset(&self) -> Result<&Dataset, &str> {
        let checked = self.checked.get_or_init(|| {
            // The 未报送 / 迟报 warnings (they evaluate the year) are never errors: they are only
            // shown beside errors, and without an error in loading, a dataset that validates is
            // the answer whatever they say. So they are made only when loading found errors.
            let load_errors = self.diags.has_errors();
            let (dataset, diags) = crate::data::check_files(&self.loaded, self.diags.clone(), |ds| {
                if load_errors {
                    crate::aggregate::reporting_warnings(ds)
                } else {
                    Diagnostics::default()
                }
            });
            dataset.ok_or_else(|| diags.render(&self.loaded.sources))
        });
        checked.as_ref().map_err(String::as_str)
    }

    /// The statuses of Q1 … `period` and `period`'s summary, when the dataset is valid.
    pub fn year(&self, period: Period) -> Option<Arc<Year>> {
        let ds = self.dataset().ok()?;
        let cell = self.years.lock().unwrap_or_else(|e| e.into_inner()).entry(period).or_default().clone();
        let year = cell.get_or_init(|| {
            let statuses = crate::status::evaluate_year(ds, period);
            let summary = crate::aggregate::summarize(ds, &statuses);
            Arc::new(Year { statuses, summary })
        });
        Some(year.clone())
    }
}

/// The current snapshot, and the last time the disk was seen to match it.
struct Current {
    snapshot: Arc<Snapshot>,
    /// Taken just before the fingerprint that last matched the snapshot's (or that it was made
    /// from): every change finished before this instant is in the snapshot.
    seen: Instant,
    /// That fingerprint had an ambiguous stamp: an equal fingerprint next time proves nothing.
    ambiguous: bool,
}

#[derive(Default)]
struct State {
    current: Option<Current>,
    /// A request is looking at the disk (and reading it when it changed); the others wait.
    looking: bool,
}

/// The cache (one per server).
#[derive(Default)]
pub struct DataCache {
    state: Mutex<State>,
    /// Signalled when a look at the disk ends.
    looked: Condvar,
    /// Parse results by file: after one report is saved, only that file is read and parsed again.
    memo: crate::data::load::ParseMemo,
}

/// The look at the disk in progress: when it ends (or unwinds), the waiting requests wake.
struct Look<'a> {
    cache: &'a DataCache,
    found: Option<Current>,
}

impl Drop for Look<'_> {
    fn drop(&mut self) {
        let mut state = self.cache.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = self.found.take() {
            state.current = Some(found);
        }
        state.looking = false;
        self.cache.looked.notify_all();
    }
}

impl DataCache {
    /// The data directory as it is on disk now: every change finished before the call is in it.
    ///
    /// One request at a time looks at the disk (and reads the files that changed), without
    /// holding the lock; the others wait for it and use what it saw when it began looking after
    /// they did, else one of them looks next. So a burst of requests walks the folder a few times,
    /// not once each, and no request waits for more than the look in progress and one more.
    pub fn snapshot(&self, data: &Path) -> Arc<Snapshot> {
        let asked = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(c) = state.current.as_ref().filter(|c| c.seen >= asked) {
                return c.snapshot.clone();
            }
            if !state.looking {
                break;
            }
            state = self.looked.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.looking = true;
        let previous = state.current.as_ref().map(|c| (c.snapshot.clone(), c.ambiguous));
        drop(state);
        let mut look = Look { cache: self, found: None };
        let at = Instant::now();
        let wall = SystemTime::now();
        let key = fingerprint(data);
        let ambiguous = key.iter().any(|(_, s)| s.ambiguous_at(wall));
        let (previous, trusted) = match previous {
            Some((s, was_ambiguous)) if s.key == key => (Some(s), !was_ambiguous),
            _ => (None, false),
        };
        let snapshot = match previous {
            Some(s) if trusted => s,
            // The fingerprint is taken before the files are read: a file changed meanwhile
            // differs from it, and the next look reads that file again.
            previous => {
                let (loaded, diags) = crate::data::load::load_with(data, Some(&self.memo));
                match previous.filter(|s| s.loaded.sources == loaded.sources) {
                    // Read again because a stamp was ambiguous, and the same content.
                    Some(s) => s,
                    None => Arc::new(Snapshot::new(key, loaded, diags)),
                }
            }
        };
        look.found = Some(Current { snapshot: snapshot.clone(), seen: at, ambiguous });
        snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A fresh copy of the minimal fixture in `<tmp>/<prefix>-<pid>`.
    fn minimal_copy(prefix: &str) -> std::path::PathBuf {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal");
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        crate::fsutil::copy_tree(&from, &dir);
        dir
    }

    /// The text of the report `name` in a snapshot.
    fn text_of(s: &Snapshot, name: &str) -> Option<String> {
        s.loaded().reports.iter().find(|(_, p)| p.source.path.ends_with(name)).map(|(_, p)| p.source.text.clone())
    }

    /// Many requests at once while a report is rewritten again and again (by rename, as ducha
    /// writes, and in place, as an editor may): each snapshot has every write finished before its
    /// call began, whichever request looked at the disk for it.
    #[test]
    fn every_change_finished_before_a_call_is_in_its_snapshot() {
        let dir = minimal_copy("ducha-cache");
        let name = "县科技局.yaml";
        let file = dir.join("reports/2023Q1").join(name);
        let original = std::fs::read_to_string(&file).unwrap();
        let marked = |i: usize| original.replacen("progress: ", &format!("progress: 第{i:03}次"), 1);
        let marker = |text: &str| -> Option<usize> {
            let at = text.find("progress: 第")? + "progress: 第".len();
            text.get(at..at + 3)?.parse().ok()
        };
        let cache = DataCache::default();
        // finished[i]: when write i was done.
        let finished = Mutex::new(Vec::<Instant>::new());
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0..60 {
                    if i % 2 == 0 {
                        crate::fsutil::write_atomic(&file, marked(i).as_bytes()).unwrap();
                    } else {
                        std::fs::write(&file, marked(i)).unwrap();
                    }
                    finished.lock().unwrap().push(Instant::now());
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                done.store(true, Ordering::SeqCst);
            });
            for _ in 0..6 {
                s.spawn(|| {
                    while !done.load(Ordering::SeqCst) {
                        let asked = Instant::now();
                        let before = finished.lock().unwrap().iter().filter(|t| **t < asked).count();
                        let snapshot = cache.snapshot(&dir);
                        // No marker: the file was caught halfway through a later write in place.
                        let seen = text_of(&snapshot, name).and_then(|t| marker(&t));
                        if let (Some(m), true) = (seen, before > 0) {
                            assert!(m + 1 >= before, "write {} finished before the call, saw {m}", before - 1);
                        }
                    }
                });
            }
        });
        let last = cache.snapshot(&dir);
        assert_eq!(text_of(&last, name).and_then(|t| marker(&t)), Some(59));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A report rewritten in place with the same length, its modification time put back each
    /// time (as a copy tool or an editor keeping times may): every snapshot has the new text (on
    /// main the size, time and inode were the same, so the old text was served). While the stamps
    /// are ambiguous and nothing changed, the same snapshot (and what was computed from it) is
    /// kept.
    #[test]
    fn same_size_edits_with_the_time_put_back_are_seen() {
        let dir = minimal_copy("ducha-cache-same");
        let file = dir.join("reports/2023Q1/县科技局.yaml");
        let original = std::fs::read_to_string(&file).unwrap();
        let cache = DataCache::default();
        let first = cache.snapshot(&dir);
        assert_eq!(text_of(&first, "县科技局.yaml").as_deref(), Some(original.as_str()));
        for i in 0..10 {
            let text = original.replacen("progress: ", &format!("progress: 改{i}"), 1);
            assert_eq!(text.len(), original.len() + 4);
            let time = std::fs::metadata(&file).unwrap().modified().unwrap();
            std::fs::write(&file, &text).unwrap();
            std::fs::File::options().write(true).open(&file).unwrap().set_modified(time).unwrap();
            let s = cache.snapshot(&dir);
            assert_eq!(text_of(&s, "县科技局.yaml"), Some(text.clone()), "edit {i}");
            let again = cache.snapshot(&dir);
            assert!(Arc::ptr_eq(&s, &again), "unchanged content keeps the snapshot");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
