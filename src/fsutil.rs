//! File-system helpers: every write goes to a temporary file in the same directory and is then
//! renamed over the target, so an interrupted or failed run never leaves a half-written output.

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

/// Writes `bytes` to `path` atomically (temp file + rename), creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir { dir: dir.to_path_buf(), source })?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|source| WriteError::Write { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        WriteError::Write { path: path.to_path_buf(), source }
    })
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
