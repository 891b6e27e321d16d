//! The `ducha` binary: parses the command line and hands over to `ducha::cmd`.
//!
//! Exit codes (documented in README): 0 success (warnings allowed); 1 the data, a template or a
//! compile step has errors (all reported); 2 usage or I/O errors (bad flags, unreadable paths).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ducha::cmd::Cli::parse();
    match ducha::cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误: {e:#}");
            ExitCode::from(2)
        }
    }
}
