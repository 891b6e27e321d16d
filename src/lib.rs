//! ducha (督查): a county supervision office's pipeline from the annual plan of key tasks and the
//! departments' quarterly reports to GB/T 9704 documents typeset with Typst.
//!
//! Stages, each a function with a typed input and output (see ARCHITECTURE.md):
//! load → validate (`data`) → evaluate (`status`) → aggregate → render → compile (`engine`) →
//! write / archive (`pipeline`).

pub mod aggregate;
pub mod alloc;
pub mod archive;
pub mod assess;
pub mod clock;
pub mod cmd;
pub mod data;
pub mod diag;
pub mod docx;
pub mod engine;
pub mod evidence;
pub mod excel;
pub mod fsutil;
pub mod import;
pub mod markdown;
pub mod names;
pub mod numerals;
pub mod ofd;
pub mod orders;
pub mod par;
pub mod pipeline;
pub mod render;
pub mod serve;
pub mod status;
pub mod templates;
pub mod workdays;
