//! The data directory as last read, kept while no file in it has changed.
//!
//! Every request still looks at the disk: it takes the size and modification time of
//! `plan.yaml`, `office.yaml` and every file under `reports/` (a directory walk, no reads), and
//! only when that fingerprint differs from the cached one are the files read and parsed again. So
//! an edit made with the CLI while the server runs is seen on the next request, and a burst of
//! requests parses the YAML once. When a file did change, only the files whose text changed are
//! parsed again (`load::ParseMemo`); the rules still run over the whole directory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::data::load::Loaded;
use crate::data::model::Dataset;
use crate::diag::Diagnostics;

/// (path, size, modification time, inode): a file replaced by rename (as every ducha write is)
/// changes its inode even within one tick of the file system's clock.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>, u64)>;

struct Entry {
    key: Fingerprint,
    loaded: Arc<Loaded>,
    diags: Diagnostics,
    /// The validated dataset, or the rendered `ducha check` output, computed on first use.
    dataset: Option<Arc<Result<Dataset, String>>>,
}

/// The cache (one per server).
#[derive(Default)]
pub struct DataCache {
    entry: Mutex<Option<Entry>>,
    /// Parse results by file: after one report is saved, only that file is parsed again.
    memo: crate::data::load::ParseMemo,
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

fn fingerprint(data: &Path) -> Fingerprint {
    let mut out = Vec::new();
    let mut push = |p: &Path| {
        if let Ok(m) = std::fs::metadata(p) {
            out.push((p.to_path_buf(), m.len(), m.modified().ok(), inode(&m)));
        }
    };
    push(&data.join("plan.yaml"));
    push(&data.join("office.yaml"));
    for e in walkdir::WalkDir::new(data.join("reports")).sort_by_file_name().follow_links(false).into_iter().flatten() {
        push(e.path());
    }
    out
}

impl DataCache {
    fn with<T>(&self, data: &Path, f: impl FnOnce(&mut Entry) -> T) -> T {
        let key = fingerprint(data);
        // One thread reloads while the others wait for its result rather than parse in parallel.
        let mut guard = self.entry.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_none_or(|e| e.key != key) {
            let (loaded, diags) = crate::data::load::load_with(data, Some(&self.memo));
            *guard = Some(Entry { key, loaded: Arc::new(loaded), diags, dataset: None });
        }
        f(guard.as_mut().expect("just filled"))
    }

    /// The files as `ducha check` loads them, with the load stage's diagnostics.
    pub fn loaded(&self, data: &Path) -> (Arc<Loaded>, Diagnostics) {
        self.with(data, |e| (e.loaded.clone(), e.diags.clone()))
    }

    /// The validated dataset ([`crate::data::check_loaded`]), or `ducha check`'s rendered errors.
    pub fn dataset(&self, data: &Path) -> Arc<Result<Dataset, String>> {
        let (loaded, diags, cached) = self.with(data, |e| (e.loaded.clone(), e.diags.clone(), e.dataset.clone()));
        if let Some(d) = cached {
            return d;
        }
        let c = crate::data::check_loaded((*loaded).clone(), diags);
        let d = Arc::new(match c.dataset {
            Some(ds) => Ok(ds),
            None => Err(c.diagnostics.render(&c.sources)),
        });
        self.with(data, |e| {
            if Arc::ptr_eq(&e.loaded, &loaded) {
                e.dataset = Some(d.clone());
            }
        });
        d
    }
}
