//! `ducha orders`: the 督办 register from the command line — list, show, register a period's
//! orders, accept a 需协调事项, and every action of the cycle (docs/rules.md §19).
//!
//! Exit codes: 0 done; 1 the data has errors, or the action was refused (a state the cycle does
//! not allow, a role that may not act, another unit's item, someone else updated the item first);
//! 2 usage or I/O.

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::DataDir;
use crate::data::model::{Dataset, Date, Period};
use crate::orders::chase;
use crate::orders::file::{load_register, Cx};
use crate::orders::files::{ReplyError, Upload};
use crate::orders::filter::{Filter, StateFilter};
use crate::orders::issue::{AcceptError, Disposal};
use crate::orders::store::{self, NewItem, StoreError};
use crate::orders::timing::{timing, Colour};
use crate::orders::{Action, CoordinationLevel, Event, Item, Kind, Number, Register, Role};

/// Arguments of `ducha orders`.
#[derive(Debug, Args)]
pub struct OrdersArgs {
    #[command(subcommand)]
    pub command: OrdersCommand,
}

/// `ducha orders` subcommands.
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// 列出事项（可按期间、单位、状态、颜色、类别筛选；--json 输出稳定格式）。
    List(ListArgs),
    /// 显示一个事项及其全部办理记录，如 ducha orders show 督办〔2024〕3号。
    Show(ShowArgs),
    /// 登记某一期的督办事项（交办）：编号接续当年登记簿，登记后编号固定。
    Issue(IssueArgs),
    /// 受理单位报告中的需协调事项：交办给单位（--to）、呈报领导（--refer）或直接答复（--answer）。
    Accept(AcceptArgs),
    /// 签收（承办单位）。
    Ack(ActArgs),
    /// 反馈办理情况（承办单位）：--text 办理情况，--problems 存在问题，--next-steps 下步措施。
    Reply(ActArgs),
    /// 审核通过，办结销号（督查室）。
    Close(ActArgs),
    /// 退回反馈（督查室，须写明理由 --text）。
    Return(ActArgs),
    /// 申请延期（承办单位，办理时限届满前；--to 新日期，--text 理由）。
    Extend(ActArgs),
    /// 同意延期（督查室；可用 --to 另定日期）。
    Grant(ActArgs),
    /// 不同意延期（督查室，须写明理由 --text）。
    Refuse(ActArgs),
    /// 催办（督查室）。
    Chase(ActArgs),
    /// 中止事项（督查室，须写明理由 --text）。
    Stop(ActArgs),
    /// 回头看：对已办结事项另行交办一个关联的新事项（原事项不变；--to 新的办理时限）。
    Revisit(ActArgs),
    /// 呈报需协调事项（督查室，--level 牵头单位协调/分管县领导/县政府常务会议）。
    Refer(ActArgs),
    /// 直接答复需协调事项并办结（督查室，--text 答复内容）。
    Answer(ActArgs),
    /// 生成催办单 PDF：给出催办单编号（催办〔2023〕2号）或事项编号（该事项的全部催办单），不给则生成全部；写入 <DIR>/<年度>/催办单/。
    #[command(name = "chase-pdf")]
    ChasePdf(ChasePdfArgs),
    /// 发送今天的提醒：对临期、逾期和新近被催办的事项运行 office.yaml 中 orders.reminder 的命令，每个事项每个工作日至多一次，记入 orders/<年度>/reminders.log。
    Remind(RemindArgs),
    /// 审核反馈附件（督查室）：采信或退回（退回须写理由 --reason，单位随下一次反馈替换该附件）；附件的 sha256 见 ducha orders show。
    #[command(name = "review-file")]
    ReviewFile(ReviewFileArgs),
}

/// `--as-of`: the date the list is read against (临期, 逾期, colour).
#[derive(Debug, Clone, Args)]
pub struct AsOf {
    /// 按此日期查看：只计这一天及以前的记录，据此判断状态、临期、逾期和颜色（默认为办公地今天）。
    #[arg(long = "as-of", value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

/// Arguments of `ducha orders list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 只列此期间交办的事项，如 2023Q3。
    #[arg(long, value_name = "P", value_parser = super::parse_period)]
    pub period: Option<Period>,
    /// 只列此单位承办或协办的事项。
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<String>,
    /// 只列此状态：issued 待签收、acknowledged 办理中、replied 待审核、returned 已退回、referred 已呈报、closed 已办结、stopped 已中止、open 未办结、due_soon 临期、overdue 逾期。
    #[arg(long, value_name = "S")]
    pub state: Option<String>,
    /// 只列此颜色：blue 蓝、yellow 黄、red 红。
    #[arg(long, value_name = "C")]
    pub colour: Option<String>,
    /// 只列此类别：order 督办事项、coordination 需协调事项。
    #[arg(long, value_name = "K")]
    pub kind: Option<String>,
    #[command(flatten)]
    pub as_of: AsOf,
    /// 输出 JSON（格式见 README“督办闭环”）。
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `ducha orders show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 事项编号，如 督办〔2024〕3号（也可写 2024/db-003）。
    #[arg(value_name = "编号")]
    pub number: String,
    #[command(flatten)]
    pub as_of: AsOf,
    /// 输出 JSON。
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `ducha orders issue`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 期间，如 2023Q3。
    #[arg(long, value_name = "P", value_parser = super::parse_period)]
    pub period: Period,
}

/// Arguments of `ducha orders accept`.
#[derive(Debug, Args)]
pub struct AcceptArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 报告所属期间。
    #[arg(long, value_name = "P", value_parser = super::parse_period)]
    pub period: Period,
    /// 提出需协调事项的单位（报告的报送单位）。
    #[arg(long, value_name = "UNIT")]
    pub unit: String,
    /// 任务编号。
    #[arg(long, value_name = "N")]
    pub task: u32,
    /// 该任务的第几条需协调事项（默认第 1 条）。
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub index: usize,
    /// 交办给这些单位（第一个为承办单位）。
    #[arg(long = "to", value_name = "UNIT", value_delimiter = ',')]
    pub to: Vec<String>,
    /// 呈报的层级：牵头单位协调、分管县领导、县政府常务会议。
    #[arg(long, value_name = "LEVEL")]
    pub refer: Option<String>,
    /// 直接答复的内容（答复后即办结）。
    #[arg(long, value_name = "TEXT")]
    pub answer: Option<String>,
    /// 办理时限（默认为 orders.coordination_workdays 个工作日后）。
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub deadline: Option<Date>,
    #[command(flatten)]
    pub who: Who,
}

/// Who acts and when.
#[derive(Debug, Clone, Args)]
pub struct Who {
    /// 角色：office（督查室，默认）、unit（承办单位）、leader（县领导）。
    #[arg(long, value_name = "ROLE", default_value = "office", value_parser = parse_role)]
    pub role: Role,
    /// 办理人：督查室或领导为姓名（默认为 office.yaml 的督查室名称）；承办单位为单位名称（必填）。
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// 办理时间（默认为办公地当前时间），如 2023-10-20 或 2023-10-20T15:00:00。
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// Arguments of every action.
#[derive(Debug, Args)]
pub struct ActArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 事项编号，如 督办〔2024〕3号（也可写 2024/db-003）。
    #[arg(value_name = "编号")]
    pub number: String,
    #[command(flatten)]
    pub who: Who,
    /// 理由、办理情况或说明。
    #[arg(long, visible_alias = "reason", value_name = "TEXT")]
    pub text: Option<String>,
    /// 存在问题（反馈）。
    #[arg(long, value_name = "TEXT")]
    pub problems: Option<String>,
    /// 下步措施（反馈）。
    #[arg(long = "next-steps", value_name = "TEXT")]
    pub next_steps: Option<String>,
    /// 日期：申请延至、同意延至，或回头看的办理时限。
    #[arg(long = "to", value_name = "DATE", value_parser = parse_date)]
    pub to: Option<Date>,
    /// 呈报层级：牵头单位协调、分管县领导、县政府常务会议。
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// 附件（数据目录内的相对路径，可多次给出）。
    #[arg(long = "attach", value_name = "FILE")]
    pub attachments: Vec<String>,
    /// 反馈附件（反馈专用）：本机文件，如盖章的反馈件 PDF 或现场照片，可多次给出；按内容判定类型，
    /// 存入佐证材料库（docs/rules.md §19“反馈附件”）。
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<std::path::PathBuf>,
    /// 替换被督查室退回的反馈附件（反馈专用）：<被退回文件的 sha256>=<PATH>，可多次给出。
    #[arg(long = "replace", value_name = "SHA256=PATH")]
    pub replaces: Vec<String>,
    /// 办理人看到的记录条数（网页和脚本用于并发检查；默认为当前条数）。
    #[arg(long, value_name = "N")]
    pub seen: Option<usize>,
}

/// Arguments of `ducha orders chase-pdf`.
#[derive(Debug, Args)]
pub struct ChasePdfArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 催办单编号（如 催办〔2023〕2号）或事项编号（如 督办〔2023〕6号，生成该事项的全部催办单）；可给多个，不给则生成全部催办单。
    #[arg(value_name = "编号")]
    pub numbers: Vec<String>,
    /// 输出目录；文件写入 <DIR>/<年度>/催办单/。
    #[arg(long, default_value = "out", value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// 模板覆盖目录（同名文件覆盖内置模板）；默认为当前目录下的 templates/（如存在）。
    #[arg(long, value_name = "DIR")]
    pub templates: Option<std::path::PathBuf>,
    /// 额外的字体目录（可多次给出）。
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<std::path::PathBuf>,
}

/// Arguments of `ducha orders review-file`.
#[derive(Debug, Args)]
pub struct ReviewFileArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// 事项编号，如 督办〔2024〕3号（也可写 2024/db-003）。
    #[arg(value_name = "编号")]
    pub number: String,
    /// 附件的 sha256（ducha orders show 在每个附件后列出）。
    pub sha256: String,
    /// 提交该附件的单位（本事项的承办或协办单位）。
    #[arg(long)]
    pub unit: String,
    /// 审核结论：采信 或 退回。
    #[arg(long, value_parser = ["采信", "退回"])]
    pub decision: String,
    /// 退回理由（退回时必填）。
    #[arg(long)]
    pub reason: Option<String>,
    /// 审核人。
    #[arg(long, default_value = "督查室")]
    pub by: String,
}

/// Arguments of `ducha orders remind`.
#[derive(Debug, Args)]
pub struct RemindArgs {
    #[command(flatten)]
    pub data: DataDir,
    #[command(flatten)]
    pub as_of: AsOf,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("日期 “{s}” 无法识别，应写成 2024-01-15"))
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("角色 “{s}” 无效，可选 office（督查室）、unit（承办单位）、leader（县领导）"))
}

/// Runs `ducha orders`.
pub fn run(args: OrdersArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        OrdersCommand::List(a) => list(a),
        OrdersCommand::Show(a) => show(a),
        OrdersCommand::Issue(a) => issue(a),
        OrdersCommand::Accept(a) => accept(a),
        OrdersCommand::Ack(a) => act(a, Action::Acknowledge),
        OrdersCommand::Reply(a) => act(a, Action::Reply),
        OrdersCommand::Close(a) => act(a, Action::Close),
        OrdersCommand::Return(a) => act(a, Action::Return),
        OrdersCommand::Extend(a) => act(a, Action::RequestExtension),
        OrdersCommand::Grant(a) => act(a, Action::GrantExtension),
        OrdersCommand::Refuse(a) => act(a, Action::RefuseExtension),
        OrdersCommand::Chase(a) => act(a, Action::Chase),
        OrdersCommand::Stop(a) => act(a, Action::Stop),
        OrdersCommand::Revisit(a) => revisit(a),
        OrdersCommand::Refer(a) => act(a, Action::Refer),
        OrdersCommand::Answer(a) => act(a, Action::Answer),
        OrdersCommand::ChasePdf(a) => chase_pdf(a),
        OrdersCommand::Remind(a) => remind(a),
        OrdersCommand::ReviewFile(a) => review_file(a),
    }
}

/// The dataset and the register, or `None` after printing every problem (exit 1).
fn load(dir: &Path) -> anyhow::Result<Option<(Dataset, Register)>> {
    let checked = crate::data::check(dir);
    let Some(ds) = checked.dataset else {
        eprint!("{}", checked.diagnostics.render(&checked.sources));
        return Ok(None);
    };
    let cx = Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let (register, diags, sources) = load_register(dir, &cx);
    if diags.has_errors() {
        eprint!("{}", diags.render(&sources));
        return Ok(None);
    }
    Ok(Some((ds, register)))
}

fn clock(ds: &Dataset) -> anyhow::Result<crate::clock::OfficeClock> {
    Ok(crate::clock::OfficeClock::new(&ds.office.timezone)?)
}

fn today(ds: &Dataset, as_of: &AsOf) -> anyhow::Result<Date> {
    Ok(match as_of.as_of {
        Some(d) => d,
        None => clock(ds)?.today(),
    })
}

fn number_arg(s: &str) -> anyhow::Result<Number> {
    Number::parse(s).ok_or_else(|| {
        anyhow::anyhow!("事项编号 “{s}” 无法识别：应写成 督办〔2024〕3号、协调〔2023〕1号 或 2024/db-003")
    })
}

fn list(a: ListArgs) -> anyhow::Result<ExitCode> {
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    let today = today(&ds, &a.as_of)?;
    // The register as it stood that day: what a document of that date says agrees with it.
    let register = register.as_of(today);
    let cfg = &ds.office.orders;
    let kind = match &a.kind {
        Some(k) => Some(Kind::parse(k).ok_or_else(|| anyhow::anyhow!("类别 “{k}” 无效，可选 order、coordination"))?),
        None => None,
    };
    let colour = match &a.colour {
        Some(c) => {
            Some(Colour::parse(c).ok_or_else(|| anyhow::anyhow!("颜色 “{c}” 无效，可选 blue、yellow、red、none"))?)
        }
        None => None,
    };
    let state = match a.state.as_deref().map(str::trim) {
        Some(s) => Some(StateFilter::parse(s).ok_or_else(|| {
            anyhow::anyhow!("状态 “{s}” 无效，可选 issued、acknowledged、replied、returned、referred、closed、stopped、open、due_soon、overdue")
        })?),
        None => None,
    };
    if let Some(u) = &a.unit {
        if !ds.plan.all_units().contains(&u.trim()) {
            anyhow::bail!("计划中没有单位 “{u}”");
        }
    }
    let filter = Filter { period: a.period, unit: a.unit.clone(), state, colour, kind };
    let items: Vec<&Item> = register.items.iter().filter(|i| filter.matches(i, today, cfg)).collect();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&crate::orders::json::list(items, &register, today, cfg))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("截至 {today}（{}）：", if a.as_of.as_of.is_some() { "--as-of" } else { "办公地今天" });
    for i in &items {
        let t = timing(i, today, cfg);
        let flags = crate::orders::timing::notes(i, &t);
        let task = i.task.map(|n| format!("第{n}项 ")).unwrap_or_default();
        println!(
            "{}  {}  {task}{}  承办：{}  时限 {}  {}  {}{}",
            i.number,
            i.kind.label(),
            short(&i.title, 24),
            i.lead(),
            i.track.deadline,
            i.track.phase.label(),
            if t.colour == Colour::None { String::new() } else { format!("{}色  ", t.colour.label()) },
            flags.join("，")
        );
    }
    println!("共 {} 项。", items.len());
    Ok(ExitCode::SUCCESS)
}

fn short(s: &str, n: usize) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() <= n {
        s.to_owned()
    } else {
        c[..n].iter().collect::<String>() + "…"
    }
}

fn show(a: ShowArgs) -> anyhow::Result<ExitCode> {
    let number = number_arg(&a.number)?;
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    let today = today(&ds, &a.as_of)?;
    // The register as it stood that day: what a document of that date says agrees with it.
    let register = register.as_of(today);
    let cfg = &ds.office.orders;
    let Some(item) = register.get(number) else {
        eprintln!("错误: 找不到事项 {number}；用 `ducha orders list` 查看全部编号");
        return Ok(ExitCode::from(1));
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&crate::orders::json::item(item, &register, today, cfg))?);
        return Ok(ExitCode::SUCCESS);
    }
    let t = timing(item, today, cfg);
    println!("{}（{}）", item.number, item.kind.label());
    if let Some(n) = item.task {
        println!("任务：第{n}项 {}", item.title);
    } else {
        println!("事项：{}", item.title);
    }
    println!("承办单位：{}", item.lead());
    if item.units.len() > 1 {
        println!("协办单位：{}", item.units[1..].join("、"));
    }
    println!("期间：{}  交办：{}  办理时限：{}", item.period, item.issued, item.track.deadline);
    let mut state = format!("状态：{}", item.track.phase.label());
    if t.overdue {
        state += &format!("，逾期{}个工作日", t.overdue_days);
    } else if t.due_soon {
        state += &format!("，临期（剩{}个工作日）", t.days_left.unwrap_or(0));
    }
    if t.closed_late {
        state += "，逾期办结";
    }
    if t.colour != Colour::None {
        state += &format!("，{}色", t.colour.label());
    }
    println!("{state}（截至 {today}）");
    if let Some(of) = item.revisit_of {
        println!("回头看：{of}");
    }
    println!("办理记录：");
    for (k, e) in item.events.iter().enumerate() {
        let mut line = format!("  {}. {}  {}（{}）{}", k + 1, e.at, e.by, e.role.label(), e.action.label());
        if let Some(d) = e.new_deadline {
            line += &format!("  日期：{d}");
        }
        if let Some(l) = e.level {
            line += &format!("  层级：{}", l.label());
        }
        println!("{line}");
        for (label, text) in [("内容", &e.text), ("存在问题", &e.problems), ("下步措施", &e.next_steps)] {
            if !text.trim().is_empty() {
                println!("     {label}：{}", text.trim().replace('\n', "\n       "));
            }
        }
        for f in &e.attachments {
            println!("     附件：{}", crate::orders::files::describe(&ds.evidence, item.number, f, k + 1));
        }
    }
    let allowed: Vec<String> = Role::ALL
        .iter()
        .filter_map(|r| {
            let list = crate::orders::allowed_actions(*r, item.track.phase, item.kind);
            (!list.is_empty())
                .then(|| format!("{}可{}", r.label(), list.iter().map(|x| x.label()).collect::<Vec<_>>().join("、")))
        })
        .collect();
    if !allowed.is_empty() {
        println!("下一步：{}", allowed.join("；"));
    }
    Ok(ExitCode::SUCCESS)
}

/// The event of the command line's actor.
fn event(ds: &Dataset, who: &Who, action: Action) -> anyhow::Result<Event> {
    let offset = ds.office.timezone.offset_secs;
    let at = match &who.at {
        Some(s) => s.trim().to_owned(),
        None => crate::orders::file::at_now(&clock(ds)?),
    };
    let by = match (&who.by, who.role) {
        (Some(b), _) if !b.trim().is_empty() => b.trim().to_owned(),
        (_, Role::Unit) => anyhow::bail!("承办单位办理须用 --by 写明单位名称"),
        _ => ds.office.supervision_office.clone(),
    };
    crate::orders::file::event_at(&at, offset, &by, who.role, action)
        .ok_or_else(|| anyhow::anyhow!("办理时间 “{at}” 无法识别：应写成 2023-10-20 或 2023-10-20T15:00:00"))
}

fn cx(ds: &Dataset) -> Cx<'_> {
    Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs }
}

fn refused(e: StoreError) -> anyhow::Result<ExitCode> {
    match e {
        StoreError::Lock { .. } | StoreError::Write(_) => Err(anyhow::anyhow!("{}", crate::diag::causes(&e))),
        e => {
            eprintln!("错误: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn level_arg(l: &Option<String>) -> anyhow::Result<Option<CoordinationLevel>> {
    match l {
        Some(l) => Ok(Some(
            CoordinationLevel::parse(l)
                .ok_or_else(|| anyhow::anyhow!("层级 “{l}” 无效，可选 牵头单位协调、分管县领导、县政府常务会议"))?,
        )),
        None => Ok(None),
    }
}

fn act(a: ActArgs, action: Action) -> anyhow::Result<ExitCode> {
    let number = number_arg(&a.number)?;
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    let Some(item) = register.get(number) else {
        eprintln!("错误: 找不到事项 {number}；用 `ducha orders list` 查看全部编号");
        return Ok(ExitCode::from(1));
    };
    let mut ev = event(&ds, &a.who, action)?;
    ev.text = a.text.unwrap_or_default();
    ev.problems = a.problems.unwrap_or_default();
    ev.next_steps = a.next_steps.unwrap_or_default();
    ev.new_deadline = a.to;
    ev.level = level_arg(&a.level)?;
    ev.attachments = a.attachments.clone();
    for f in &ev.attachments {
        let inside = crate::names::join_relative_inside(&a.data.path, f);
        if !inside.as_ref().is_ok_and(|p| p.is_file()) {
            eprintln!("错误: 附件 “{f}” 不是数据目录内的文件；附件写成数据目录内的相对路径");
            return Ok(ExitCode::from(1));
        }
    }
    let seen = a.seen.unwrap_or(item.events.len());
    if action == Action::Chase {
        if let Some(later) = chase::renumbers(&register, number, &ev) {
            eprintln!("错误: 催办时间 {} 早于已编号的 {later}：催办单按催办时间先后编号，补记较早的催办会改变已发出的催办单编号", ev.at);
            eprintln!("  = 提示: 不写 --at（按当前时间记录），或写不早于 {later} 的时间");
            return Ok(ExitCode::from(1));
        }
    }
    let uploads = match uploads(&a.data.path, &a.files, &a.replaces, action) {
        Ok(u) => u,
        Err(code) => return Ok(code),
    };
    let stored = !uploads.is_empty();
    let written = if stored {
        let cfg = &ds.office.evidence;
        match crate::orders::files::reply(&a.data.path, &cx(&ds), number, seen, &ev, uploads, cfg, &clock(&ds)?) {
            Ok((item, records)) => {
                for r in &records {
                    println!("已存入反馈附件：{}（{}，sha256 {}）", r.name, r.kind.label(), r.sha256);
                }
                Ok(item)
            }
            Err(ReplyError::Register(e)) => Err(e),
            Err(ReplyError::Files(list)) => {
                for m in list {
                    eprintln!("错误: {m}");
                }
                eprintln!("  = 提示: 反馈未记录；换用 PDF、OFD、JPEG、PNG、DOCX、XLSX、WPS/ET 文件后重新执行");
                return Ok(ExitCode::from(1));
            }
            Err(ReplyError::Store(e)) => anyhow::bail!("{}", crate::diag::causes(&e)),
        }
    } else {
        store::append(&a.data.path, &cx(&ds), number, seen, &ev)
    };
    match written {
        Ok(item) => {
            println!(
                "{}：{}{}，已记录（第 {} 条）；当前状态：{}，办理时限 {}。",
                item.number,
                ev.by,
                action.label(),
                item.events.len(),
                item.track.phase.label(),
                item.track.deadline
            );
            if action == Action::Chase {
                let mut after = register.clone();
                if let Some(slot) = after.items.iter_mut().find(|i| i.number == number) {
                    *slot = item;
                }
                if let Some(c) = chase::of_item(&after, number).last() {
                    println!("催办单编号：{}；生成 PDF：ducha orders chase-pdf {}", c.number, c.number);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}

/// The `--file` and `--replace` files of a reply, copied into the store's temp folder; exit 1
/// (said why) when given with another action or when a file cannot be read.
fn uploads(
    data: &Path,
    files: &[std::path::PathBuf],
    replaces: &[String],
    action: Action,
) -> Result<Vec<Upload>, ExitCode> {
    if files.is_empty() && replaces.is_empty() {
        return Ok(Vec::new());
    }
    if action != Action::Reply {
        eprintln!("错误: 只有反馈（ducha orders reply）可以附带文件（--file、--replace）");
        return Err(ExitCode::from(1));
    }
    let store = crate::evidence::Store::new(data);
    let mut wanted: Vec<(std::path::PathBuf, Option<String>)> = files.iter().map(|f| (f.clone(), None)).collect();
    for r in replaces {
        match r.split_once('=') {
            Some((sha, path)) if crate::evidence::index::is_sha256(sha.trim()) => {
                wanted.push((path.into(), Some(sha.trim().to_owned())))
            }
            _ => {
                eprintln!("错误: --replace “{r}” 应写成 <被退回文件的 sha256>=<文件路径>；sha256 见 ducha orders show");
                return Err(ExitCode::from(1));
            }
        }
    }
    let mut out = Vec::new();
    for (path, replaces) in wanted {
        match crate::evidence::beside::copy_in(&store, &path) {
            Ok((temp, sha256, size)) => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                out.push(Upload { temp, sha256, size, name, replaces });
            }
            Err(e) => {
                eprintln!("错误: 无法读取附件 {}：{}", path.display(), crate::diag::causes(&e));
                out.iter().for_each(|u: &Upload| drop(std::fs::remove_file(&u.temp)));
                return Err(ExitCode::from(1));
            }
        }
    }
    Ok(out)
}

/// 回头看: a new item linked to the closed one (which stays unchanged).
fn revisit(a: ActArgs) -> anyhow::Result<ExitCode> {
    let number = number_arg(&a.number)?;
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    let Some(old) = register.get(number) else {
        eprintln!("错误: 找不到事项 {number}；用 `ducha orders list` 查看全部编号");
        return Ok(ExitCode::from(1));
    };
    let ev = event(&ds, &a.who, Action::Revisit)?;
    let new = match crate::orders::issue::revisit(&ds.office, old, &ev, a.to, a.text) {
        Ok(new) => new,
        Err(r) => return refused(StoreError::Refused { number, phase: old.track.phase.label(), refusal: r }),
    };
    create_one(&a.data.path, &ds, new, |i| {
        format!("已交办 {}：对 {number} 的“回头看”，承办单位 {}，办理时限 {}。", i.number, i.lead(), i.deadline)
    })
}

fn issue(a: IssueArgs) -> anyhow::Result<ExitCode> {
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    if a.period.year != ds.plan.year {
        anyhow::bail!("期间 {} 不在计划年度 {} 内", a.period, ds.plan.year);
    }
    let planned = crate::orders::issue::planned(&ds, a.period, &register);
    let registered = register.items.iter().filter(|i| i.kind == Kind::Order && i.period == a.period).count();
    if planned.is_empty() {
        println!("{} 没有需要登记的督办事项（已登记 {registered} 项）。", a.period);
        return Ok(ExitCode::SUCCESS);
    }
    match store::create(&a.data.path, &cx(&ds), &planned) {
        Ok(items) => {
            for i in &items {
                println!(
                    "已登记 {}：第{}项 {}，承办单位 {}，办理时限 {}。",
                    i.number,
                    i.task.unwrap_or(0),
                    short(&i.title, 30),
                    i.lead(),
                    i.deadline
                );
            }
            println!("{} 共登记 {} 项督办事项（此前已登记 {registered} 项）。", a.period, items.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}

fn accept(a: AcceptArgs) -> anyhow::Result<ExitCode> {
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    let unit = a.unit.trim();
    let raised = crate::orders::issue::raised(&ds, &register);
    let Some(r) =
        raised.iter().find(|r| r.period == a.period && r.unit == unit && r.task == a.task && r.index == a.index.max(1))
    else {
        eprintln!(
            "错误: {unit} {} 报告的第 {} 项任务没有第 {} 条需协调事项（coordination）",
            a.period, a.task, a.index
        );
        return Ok(ExitCode::from(1));
    };
    let choices = usize::from(!a.to.is_empty()) + usize::from(a.refer.is_some()) + usize::from(a.answer.is_some());
    if choices != 1 {
        anyhow::bail!("请在 --to（交办给单位）、--refer（呈报领导）、--answer（直接答复）中选择一种");
    }
    let how = match (&a.refer, &a.answer) {
        (Some(l), _) => Disposal::Refer(level_arg(&Some(l.clone()))?.unwrap_or(CoordinationLevel::LeadUnit)),
        (_, Some(t)) => Disposal::Answer(t.clone()),
        _ => Disposal::Assign(a.to.clone()),
    };
    let ev = event(&ds, &a.who, Action::Issue)?;
    let new = match crate::orders::issue::accept(&ds, &register, r, how, &ev, a.deadline) {
        Ok(new) => new,
        Err(e @ AcceptError::UnknownUnit(_)) => anyhow::bail!("{e}"),
        Err(e) => {
            eprintln!("错误: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    create_one(&a.data.path, &ds, new, |i| {
        format!("已受理 {}：{}，承办单位 {}，状态 {}。", i.number, short(&i.title, 30), i.lead(), i.track.phase.label())
    })
}

/// Writes one new item and says what was written (or why not).
fn create_one(dir: &Path, ds: &Dataset, new: NewItem, say: impl Fn(&Item) -> String) -> anyhow::Result<ExitCode> {
    match store::create(dir, &cx(ds), &[new]) {
        Ok(items) => {
            for i in &items {
                println!("{}", say(i));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}

/// `ducha orders chase-pdf`: the 催办单 PDFs (docs/rules.md §19) into `<out>/<年度>/催办单/`.
fn chase_pdf(a: ChasePdfArgs) -> anyhow::Result<ExitCode> {
    let fonts_job = {
        let paths = a.font_paths.clone();
        std::thread::spawn(move || crate::engine::fonts::Fonts::load(&paths))
    };
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    let all = chase::chases(&register);
    let mut picked: Vec<chase::Chase> = Vec::new();
    for s in &a.numbers {
        let found: Vec<chase::Chase> = if let Some(n) = chase::ChaseNumber::parse(s) {
            all.iter().filter(|c| c.number == n).copied().collect()
        } else if let Some(n) = Number::parse(s) {
            if register.get(n).is_none() {
                eprintln!("错误: 找不到事项 {n}；用 `ducha orders list` 查看全部编号");
                return Ok(ExitCode::from(1));
            }
            all.iter().filter(|c| c.item.number == n).copied().collect()
        } else {
            anyhow::bail!("编号 “{s}” 无法识别：应写成 催办〔2023〕2号 或 督办〔2023〕6号");
        };
        if found.is_empty() {
            eprintln!("错误: 没有 {s} 的催办记录；用 `ducha orders show 事项编号` 查看催办记录");
            return Ok(ExitCode::from(1));
        }
        for c in found {
            if !picked.iter().any(|p| p.number == c.number) {
                picked.push(c);
            }
        }
    }
    if a.numbers.is_empty() {
        picked = all;
    }
    if picked.is_empty() {
        println!("登记簿中没有催办记录，未生成催办单。");
        return Ok(ExitCode::SUCCESS);
    }
    let fonts = std::sync::Arc::new(
        fonts_job.join().unwrap_or_else(|_| Err("字体索引失败（内部错误）".into())).map_err(|e| anyhow::anyhow!(e))?,
    );
    let templates = match crate::templates::Templates::load(
        crate::templates::Templates::dir_for_build(a.templates.clone()).as_deref(),
    ) {
        Ok(t) => t,
        Err(d) => {
            eprint!("{}", d.render(&Default::default()));
            return Ok(ExitCode::from(1));
        }
    };
    let (pdfs, warnings) = match chase::render(&ds, &picked, fonts, &templates) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", e.diagnostics.render(&e.sources));
            eprintln!("未生成任何文件。");
            return Ok(ExitCode::from(1));
        }
    };
    if !warnings.is_empty() {
        eprint!("{}", warnings.render(&Default::default()));
    }
    let paths =
        chase::write(&a.out, &pdfs).map_err(|e| anyhow::anyhow!("写入催办单失败：{}", crate::diag::causes(&e)))?;
    for (p, path) in pdfs.iter().zip(&paths) {
        println!("{}  {}", p.number, path.display());
    }
    println!("共生成 {} 份催办单。", paths.len());
    Ok(ExitCode::SUCCESS)
}

/// `ducha orders remind`: today's reminders through `orders.reminder` (docs/rules.md §19 “提醒”).
fn remind(a: RemindArgs) -> anyhow::Result<ExitCode> {
    use crate::orders::remind;
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    let today = today(&ds, &a.as_of)?;
    let cfg = &ds.office.orders;
    let Some(reminder) = &cfg.reminder else {
        let due = remind::due(&register, today, cfg);
        println!("office.yaml 未设置 orders.reminder，不发送提醒。{today} 应提醒 {} 项：", due.len());
        for d in &due {
            println!("  {}  {}", d.number, d.reasons.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"));
        }
        return Ok(ExitCode::SUCCESS);
    };
    let c = clock(&ds)?;
    let now = c.format(c.now());
    let r = remind::run(&a.data.path, &register, today, &now, cfg, reminder)
        .map_err(|e| anyhow::anyhow!("{}", crate::diag::causes(&e)))?;
    if r.not_workday {
        println!("{today} 不是工作日，不发送提醒。");
        return Ok(ExitCode::SUCCESS);
    }
    for (n, reasons) in &r.sent {
        println!("已提醒 {n}（{}）", reasons.iter().map(|x| x.label()).collect::<Vec<_>>().join("、"));
    }
    for n in &r.already {
        println!("{n} 今天已提醒过，不再发送");
    }
    for (n, e) in &r.failed {
        eprintln!("错误: {n} 的提醒发送失败：{e}");
    }
    println!(
        "{today}：发送 {} 条，今天已发过 {} 条，失败 {} 条；记录见 {}",
        r.sent.len(),
        r.already.len(),
        r.failed.len(),
        r.log.display()
    );
    if r.failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("  = 提示: 检查 office.yaml 中 orders.reminder 的命令；失败的提醒下次运行时重发");
        Ok(ExitCode::from(1))
    }
}

/// `ducha orders review-file`: the office's 采信 / 退回 of one reply file, the same store call as
/// the web's item page (docs/rules.md §19 “反馈附件”, §21).
fn review_file(a: ReviewFileArgs) -> anyhow::Result<ExitCode> {
    use crate::evidence::index::Decision;
    use crate::evidence::store::StoreError as EvStoreError;
    use crate::orders::files::ReviewError;
    let number = number_arg(&a.number)?;
    let Some((ds, register)) = load(&a.data.path)? else { return Ok(ExitCode::from(1)) };
    let Some(item) = register.get(number) else {
        eprintln!("错误: 找不到事项 {number}；用 `ducha orders list` 查看全部编号");
        return Ok(ExitCode::from(1));
    };
    let decision = Decision::parse(&a.decision).unwrap_or(Decision::Accepted);
    let reason = a.reason.as_deref();
    match crate::orders::files::review(&a.data.path, item, &a.unit, &a.sha256, decision, reason, &a.by, &clock(&ds)?) {
        Ok(r) => {
            println!("已{}：{}（{number} {} 的反馈附件）", decision.label(), r.name, a.unit);
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ ReviewError::NotAUnit { .. }) => {
            eprintln!("错误: {e}");
            Ok(ExitCode::from(1))
        }
        Err(ReviewError::Store(EvStoreError::ReasonRequired)) => {
            eprintln!(
                "错误: 退回须写明理由（--reason）：说明附件哪里不符合要求、应补充什么；单位随下一次反馈替换该附件"
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("错误: {}（附件的 sha256 见 `ducha orders show {number}`）", crate::diag::causes(&e));
            Ok(ExitCode::from(1))
        }
    }
}
