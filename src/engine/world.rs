//! The Typst `World` of one document: the generated main source in memory, the template library
//! files (embedded defaults, overridden from disk), attached data files, the shared fonts and a
//! fixed date. Like typst-cli's `world.rs`, each method is a one-line delegation.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::fonts::Fonts;

/// One document's world.
pub struct DocWorld<'a> {
    pub(super) library: &'a LazyHash<Library>,
    pub(super) fonts: &'a Fonts,
    pub(super) main: FileId,
    /// Sources by id: the main file and every library `.typ` (parsed once per engine).
    pub(super) sources: &'a HashMap<FileId, Source>,
    pub(super) main_source: Source,
    /// Non-source files: attachments and data served to `read`/`yaml`.
    pub(super) files: HashMap<FileId, Bytes>,
    /// The document's date: the data decides it, never the clock.
    pub(super) today: Datetime,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.lookup_source(id).ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .or_else(|| self.lookup_source(id).map(|s| Bytes::from_string(s.text().to_owned())))
            .ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

impl DocWorld<'_> {
    fn lookup_source(&self, id: FileId) -> Option<Source> {
        if id == self.main {
            Some(self.main_source.clone())
        } else {
            self.sources.get(&id).cloned()
        }
    }
}

fn not_found(id: FileId) -> FileError {
    // Packages and anything outside the served set are refused; nothing is read from disk.
    match id.root() {
        typst::syntax::VirtualRoot::Package(_) => FileError::AccessDenied,
        typst::syntax::VirtualRoot::Project => FileError::NotFound(id.vpath().get_without_slash().into()),
    }
}
