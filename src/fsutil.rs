//! File-system helpers: every write goes to a temporary file of its own in the same directory and
//! is then renamed over the target, so an interrupted or failed run never leaves a half-written
//! output and concurrent writers never share a temp file; records are also flushed to disk
//! ([`write_durable`]).

use std::io;
use std::path::{Path, PathBuf};

/// A write that failed; the I/O error is its source.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("无法创建目录 {}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("无法写入 {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Writing a set of outputs into a folder: a name that would leave it, a failed write, or a
/// manifest that could not be serialised.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Name(#[from] crate::names::NameError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Writes `bytes` to `path` atomically (a temp file of its own + rename), creating parent
/// directories: a reader sees the old file or the new one, never a part. For outputs that can
/// be made again (PDFs, previews, forms); what is a record uses [`write_durable`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_with(path, bytes, false)
}

/// [`write_atomic`] that also survives a power cut: the temp file is flushed to disk before the
/// rename and the directory after it, so once this returns the new file is there after a crash
/// and, before it returns, the old one is. For records: reports and notice.md written from the
/// web or by `ducha import`, an imported plan, the archive's files and its manifest (written
/// last, after the files it lists are on disk).
pub fn write_durable(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_with(path, bytes, true)
}

fn write_with(path: &Path, bytes: &[u8], durable: bool) -> Result<(), WriteError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir { dir: dir.to_path_buf(), source })?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (tmp, mut file) =
        temp_file(dir, &name).map_err(|source| WriteError::Write { path: path.to_path_buf(), source })?;
    let written = io::Write::write_all(&mut file, bytes).and_then(|()| if durable { file.sync_all() } else { Ok(()) });
    drop(file);
    if let Err(source) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(WriteError::Write { path: tmp, source });
    }
    if let Err(source) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(WriteError::Write { path: path.to_path_buf(), source });
    }
    if durable {
        sync_dir(dir).map_err(|source| WriteError::Write { path: path.to_path_buf(), source })?;
    }
    Ok(())
}

/// A new temp file beside the target, named for this write alone (process id, a counter of the
/// process's writes and 64 random bits; created with `create_new`, so it is never another
/// write's file): `.<name>.tmp-<pid>-<n>-<random>`. Server threads write at the same time.
fn temp_file(dir: &Path, name: &str) -> io::Result<(PathBuf, std::fs::File)> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    // Keep the temp name within the usual 255-byte limit whatever the target's name.
    let mut cut = name.len().min(100);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut last = None;
    for _ in 0..8 {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
        let tmp =
            dir.join(format!(".{}.tmp-{}-{n}-{:016x}", &name[..cut], std::process::id(), u64::from_le_bytes(random)));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temp name")))
}

/// Flushes a directory's entries (the rename) to disk.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Copies the tree `from` into `to` (folders and files), for tests that change a copy of the
/// fixtures.
#[cfg(test)]
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.expect("walk the fixture");
        let dest = to.join(e.path().strip_prefix(from).expect("inside the fixture"));
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("create a folder");
        } else {
            std::fs::copy(e.path(), &dest).expect("copy a file");
        }
    }
}

/// Takes the writers' lock of `folder` (its `.lock` file, created with the folder when missing),
/// waiting while another writer holds it; released when the file is dropped. The error names the
/// lock file's path.
pub fn lock_folder(folder: &Path) -> Result<std::fs::File, (PathBuf, io::Error)> {
    lock_path(&folder.join(".lock"))
}

/// Takes the exclusive OS lock of the lock file `path` (created empty, with its folder, when
/// missing; never removed, so every writer locks the same file), waiting while another holds it.
/// Released when the returned file is dropped. On error: the path and the cause.
pub fn lock_path(path: &Path) -> Result<std::fs::File, (PathBuf, io::Error)> {
    let open = || -> io::Result<std::fs::File> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path)?;
        file.lock()?;
        Ok(file)
    };
    open().map_err(|e| (path.to_path_buf(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many threads writing the same target at once (as the server's threads do): every write
    /// succeeds, a reader only ever sees one whole version, and no temp file is left. On main the
    /// temp name was the process id alone, shared by every thread: writes truncated each other
    /// and renames failed.
    #[test]
    fn concurrent_writes_never_tear_or_leave_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("县科技局.yaml");
        let version = |t: usize, i: usize| format!("{t}-{i}:").repeat(2000 + 37 * t + i);
        write_atomic(&target, version(0, 0).as_bytes()).unwrap();
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let text = std::fs::read_to_string(&target).unwrap();
                    let head = text.split(':').next().unwrap().to_string();
                    let (t, i) = head.split_once('-').unwrap();
                    assert_eq!(text, version(t.parse().unwrap(), i.parse().unwrap()), "torn read");
                    reads += 1;
                }
                reads
            });
            let writers: Vec<_> = (1..=8)
                .map(|t| {
                    let target = &target;
                    s.spawn(move || {
                        for i in 0..50 {
                            let durable = i % 10 == 0;
                            let bytes = version(t, i);
                            if durable {
                                write_durable(target, bytes.as_bytes()).unwrap();
                            } else {
                                write_atomic(target, bytes.as_bytes()).unwrap();
                            }
                        }
                    })
                })
                .collect();
            for w in writers {
                w.join().unwrap();
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            assert!(reader.join().unwrap() > 0);
        });
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["县科技局.yaml"], "no temp file left");
        let text = std::fs::read_to_string(&target).unwrap();
        assert!((1..=8).any(|t| text == version(t, 49)), "the last write of some thread");
    }

    /// A target name longer than a temp name may be still gets a temp file.
    #[test]
    fn long_names_fit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(format!("{}.pdf", "督".repeat(80)));
        write_durable(&target, b"x").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"x");
    }
}
