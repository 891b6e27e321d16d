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
    /// 归档根目录（网页上“归档”写入 <DIR>/<年度>/，与 ducha archive --archive 相同）。
    #[arg(long = "archive", default_value = "archive", value_name = "DIR")]
    pub archive: PathBuf,
    /// HTTPS 证书（PEM，可含证书链）；须与 --tls-key 同时给出。
    #[arg(long, value_name = "F")]
    pub tls_cert: Option<PathBuf>,
    /// HTTPS 私钥（PEM）；须与 --tls-cert 同时给出。
    #[arg(long, value_name = "F")]
    pub tls_key: Option<PathBuf>,
}

/// Runs the server until Ctrl-C.
pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(crate::serve::tls::config(cert, key)?),
        (None, None) => None,
        (Some(_), None) => {
            anyhow::bail!("给了 --tls-cert 却没有 --tls-key：HTTPS 需要证书和对应的私钥两个文件（PEM 格式）")
        }
        (None, Some(_)) => {
            anyhow::bail!("给了 --tls-key 却没有 --tls-cert：HTTPS 需要证书和对应的私钥两个文件（PEM 格式）")
        }
    };
    if !a.data.path.join("plan.yaml").is_file() {
        anyhow::bail!("数据目录 {} 中没有 plan.yaml；用 --data 指定数据目录", a.data.path.display());
    }
    let store = crate::serve::store::Store::open(&a.data.path)?;
    if store.users()?.is_empty() {
        eprintln!("提示：还没有任何账户，请先运行 `ducha users init --data {}`", a.data.path.display());
    }
    drop(store);
    let secure = tls.is_some();
    crate::serve::serve(
        crate::serve::Options { data: a.data.path, out: a.out, archive: a.archive, secure },
        a.addr,
        tls,
    )?;
    Ok(ExitCode::SUCCESS)
}
