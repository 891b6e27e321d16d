//! `ducha serve`: the web workbench (see `crate::serve`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::DataDir;

/// Options of `ducha serve`.
#[derive(Debug, Args)]
#[command(mut_arg("data", |a| a.help("数据目录（含 plan.yaml、office.yaml、reports/）；账户等服务器状态保存在其中的 .ducha-serve/。")))]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 公文输出目录。
    #[arg(long, default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// 监听地址；默认只允许本机访问，局域网访问请用 0.0.0.0:8080。
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub addr: SocketAddr,
}

/// Runs the server until Ctrl-C.
pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    if !a.data.path.join("plan.yaml").is_file() {
        anyhow::bail!("数据目录 {} 中没有 plan.yaml；用 --data 指定数据目录", a.data.path.display());
    }
    let store = crate::serve::store::Store::open(&a.data.path)?;
    if store.users()?.is_empty() {
        eprintln!("提示：还没有任何账户，请先运行 `ducha users init --data {}`", a.data.path.display());
    }
    drop(store);
    crate::serve::serve(crate::serve::Options { data: a.data.path, out: a.out, secure: false }, a.addr)?;
    Ok(ExitCode::SUCCESS)
}
