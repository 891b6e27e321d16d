//! `ducha users`: accounts of the web workbench (`ducha serve`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::DataDir;
use crate::serve::auth;
use crate::serve::store::{Role, Store};

/// Options of `ducha users`.
#[derive(Debug, Args)]
#[command(mut_arg("data", |a| a.help("数据目录（账户保存在其中的 .ducha-serve/）。").global(true)))]
pub struct UsersArgs {
    #[command(flatten)]
    pub data: DataDir,
    #[command(subcommand)]
    pub command: UsersCommand,
}

/// Subcommands of `ducha users`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// 为计划中每个牵头单位和督查室（office）各建一个账户，初始密码只写入一次 CSV（角色,单位,用户名,初始密码）。
    Init {
        /// 初始密码表（CSV）；已存在时不覆盖。
        #[arg(long, default_value = "初始密码.csv", value_name = "FILE.csv")]
        out: PathBuf,
    },
    /// 新建一个账户，初始密码只显示这一次。
    Add {
        /// 用户名。
        username: String,
        /// 角色：unit（单位）、office（督查室）、leader（领导）。
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// 单位（角色为 unit 时必填，须是计划中的牵头单位）。
        #[arg(long)]
        unit: Option<String>,
    },
    /// 重置密码：生成新的初始密码（只显示这一次），下次登录须修改。
    Reset {
        /// 用户名。
        username: String,
    },
    /// 列出账户（不显示任何密码）。
    List,
    /// 停用账户（立即结束其登录）。
    Disable {
        /// 用户名。
        username: String,
    },
    /// 重新启用已停用的账户（密码不变）。
    Enable {
        /// 用户名。
        username: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("角色 “{s}” 无法识别，应为 unit、office 或 leader"))
}

/// The plan's lead units.
fn lead_units(data: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let (loaded, mut diags) = crate::data::load::load(data);
    let plan =
        loaded.plan.as_ref().and_then(|p| crate::data::validate::validate_plan(p, &mut Default::default(), &mut diags));
    match plan {
        Some(p) => Ok(p.lead_units().into_iter().map(String::from).collect()),
        None => {
            eprint!("{}", diags.render(&loaded.sources));
            anyhow::bail!("计划有错误，无法建立账户")
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Creates `path` (never replacing a file) readable by its owner only (0600): it will hold
/// passwords.
fn owner_only_new(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// Runs `ducha users …`.
pub fn run(a: UsersArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(&a.data.path)?;
    // Account times follow the office clock (`DUCHA_NOW` in tests and rehearsals), as in `serve`;
    // the offset does not matter for instants.
    store.follow(&crate::clock::OfficeClock::new(&crate::clock::TimeZone::default())?);
    match a.command {
        UsersCommand::Init { out } => {
            if out.exists() {
                anyhow::bail!("{} 已存在，不会覆盖（其中可能有尚未分发的初始密码）；换一个 --out", out.display());
            }
            let mut rows = vec![(Role::Office, String::new(), "office".to_string())];
            rows.extend(lead_units(&a.data.path)?.into_iter().map(|u| (Role::Unit, u.clone(), u)));
            let mut csv = String::from("角色,单位,用户名,初始密码\n");
            let (mut made, mut kept) = (0, 0);
            for (role, unit, username) in rows {
                let password = auth::initial_password();
                let unit_opt = (!unit.is_empty()).then_some(unit.as_str());
                if store.add_user(&username, role, unit_opt, &auth::hash_password(&password))? {
                    made += 1;
                    csv.push_str(&format!(
                        "{},{},{},{}\n",
                        role.label(),
                        csv_field(&unit),
                        csv_field(&username),
                        password
                    ));
                } else {
                    kept += 1;
                }
            }
            let mut f = owner_only_new(&out).with_context(|| format!("无法创建 {}", out.display()))?;
            f.write_all(csv.as_bytes())?;
            println!(
                "已建立 {made} 个账户（已有 {kept} 个未改动）；初始密码已写入 {}，分发后请妥善销毁。",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Add { username, role, unit } => {
            let unit = match (role, unit) {
                (Role::Unit, Some(u)) => {
                    anyhow::ensure!(lead_units(&a.data.path)?.contains(&u), "“{u}” 不是计划中的牵头单位");
                    Some(u)
                }
                (Role::Unit, None) => anyhow::bail!("角色为 unit 时须用 --unit 指定单位"),
                (_, _) => None,
            };
            let password = auth::initial_password();
            anyhow::ensure!(
                store.add_user(&username, role, unit.as_deref(), &auth::hash_password(&password))?,
                "用户名 “{username}” 已存在"
            );
            println!("已建立账户 {username}（{}），初始密码：{password}", role.label());
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Reset { username } => {
            let password = auth::initial_password();
            anyhow::ensure!(
                store.set_password(&username, &auth::hash_password(&password), true)?,
                "没有账户 “{username}”"
            );
            println!("已重置 {username} 的密码，新的初始密码：{password}（下次登录须修改）");
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::List => {
            println!("用户名\t角色\t单位\t状态");
            for u in store.users()? {
                let state = if u.disabled {
                    "已停用"
                } else if u.must_change {
                    "待改初始密码"
                } else {
                    "正常"
                };
                println!("{}\t{}\t{}\t{state}", u.username, u.role.label(), u.unit.as_deref().unwrap_or(""));
            }
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Disable { username } => {
            anyhow::ensure!(store.set_disabled(&username, true)?, "没有账户 “{username}”");
            println!("已停用账户 {username}");
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Enable { username } => {
            anyhow::ensure!(store.set_disabled(&username, false)?, "没有账户 “{username}”");
            println!("已启用账户 {username}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
