//! Load benchmark of `ducha serve` (not a test): on a copy of the bundled data, a server on a
//! loopback port, 40 unit liaisons submitting their reports at once while 20 office readers keep
//! refreshing the dashboard. Prints p50/p99 latencies and throughput against the goals
//! (dashboard p99 ≤ 100 ms, submission p99 ≤ 200 ms) and checks that all 40 report files are
//! intact, carry what was submitted, and pass `ducha check`. Bounded: each submitter sends one
//! report, readers stop when the last submission is answered. Then the office edits the Q4
//! notice.md [`NOTICE_EDITS`] times: each time from sending the form to having the PNG preview of
//! the changed page (goal ≤ 1 s; the first edit also lays out the notice as it was before).
//! Last, 督办事项: one item is registered per submitter (40 by default over the plan's 34 units,
//! six of them with two items; issue #18), and the units reply to them at once from their item pages while the readers refresh the dashboard (which reads the register
//! for its 临期/逾期 list); the same goals, and every item file must hold its reply.
//!
//! ```text
//! cargo run --release --bin ducha-serve-bench -- [DATA_DIR] [SUBMITTERS] [READERS]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use ducha::data::model::Period;
use ducha::serve::http_client::{form, form_fields, request, request_streamed, Streamed};
use ducha::serve::store::Role;
use ducha::serve::{auth, App, Options};

const PASSWORD: &str = "bench-password-1";
/// How many notice.md edits are timed.
const NOTICE_EDITS: usize = 5;

fn copy_data(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for f in ["plan.yaml", "office.yaml"] {
        std::fs::copy(from.join(f), to.join(f))?;
    }
    let reports = from.join("reports");
    for dir in std::fs::read_dir(&reports)? {
        let dir = dir?;
        if !dir.file_type()?.is_dir() {
            continue;
        }
        let dest = to.join("reports").join(dir.file_name());
        std::fs::create_dir_all(&dest)?;
        for f in std::fs::read_dir(dir.path())? {
            let f = f?;
            if f.file_type()?.is_file() {
                std::fs::copy(f.path(), dest.join(f.file_name()))?;
            }
        }
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn login(addr: &str, user: &str) -> anyhow::Result<String> {
    let page = request(addr, "GET", "/login", &[], b"")?;
    let cookie = page
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| v.split(';').next().filter(|kv| kv.starts_with(auth::LOGIN_COOKIE)).map(String::from))
        .ok_or_else(|| anyhow::anyhow!("no login cookie"))?;
    let csrf = form_fields(&page.text()).into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v).unwrap_or_default();
    let body = form(&[("csrf".into(), csrf), ("username".into(), user.into()), ("password".into(), PASSWORD.into())]);
    let r = request(
        addr,
        "POST",
        "/login",
        &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )?;
    anyhow::ensure!(r.status == 303, "login {user}: {}", r.status);
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| v.split(';').next().filter(|kv| kv.starts_with(auth::SESSION_COOKIE)).map(String::from))
        .ok_or_else(|| anyhow::anyhow!("no session cookie for {user}"))
}

/// The office edits `period`'s notice.md [`NOTICE_EDITS`] times (one digit changes each time);
/// each duration runs from sending the form to having the first preview PNG of the answer.
fn notice_edits(addr: &str, office: &str, period: Period) -> anyhow::Result<Vec<Duration>> {
    let path = format!("/notice/{period}");
    let mut page = request(addr, "GET", &path, &[("Cookie", office)], b"")?;
    anyhow::ensure!(page.status == 200, "GET {path}: {}", page.status);
    let mut times = Vec::new();
    for i in 0..NOTICE_EDITS {
        let mut fields: Vec<(String, String)> =
            form_fields(&page.text()).into_iter().filter(|(k, _)| k == "csrf" || k == "version").collect();
        fields.push(("text".into(), format!("## 结语（补充）\n第{i}次修改：请各单位对照通报逐项整改。\n")));
        let body = form(&fields);
        let t = Instant::now();
        let r = request(
            addr,
            "POST",
            &path,
            &[("Cookie", office), ("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )?;
        anyhow::ensure!(
            r.status == 200,
            "notice edit {i}: {} {}",
            r.status,
            r.text().chars().take(2000).collect::<String>()
        );
        let html = r.text();
        let src = html
            .split("<img src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .ok_or_else(|| anyhow::anyhow!("notice edit {i}: no preview"))?;
        let src: Vec<String> = src.split('/').map(ducha::serve::http_client::encode).collect();
        let png = request(addr, "GET", &src.join("/"), &[("Cookie", office)], b"")?;
        times.push(t.elapsed());
        anyhow::ensure!(
            png.status == 200 && png.body.starts_with(b"\x89PNG"),
            "preview {}: {}",
            src.join("/"),
            png.status
        );
        page = r;
    }
    Ok(times)
}

/// One 需协调事项 per unit (交办 and 签收 already recorded), so that each unit has an item to reply
/// to: `2024/xt-NNN` in `units` order.
fn register_items(data: &Path, ds: &ducha::data::model::Dataset, units: &[String]) -> anyhow::Result<()> {
    use ducha::orders::{store, Action, Kind, Role as R};
    let issued = ducha::data::model::Date { year: 2024, month: 1, day: 15 };
    let offset = ds.office.timezone.offset_secs;
    let mut items = Vec::new();
    for u in units {
        let task = ducha::serve::report::lead_tasks(&ds.plan, u).first().map(|t| t.number);
        let issue = ducha::orders::file::event_at("2024-01-15", offset, "督查室", R::Office, Action::Issue)
            .ok_or_else(|| anyhow::anyhow!("event"))?;
        let ack = ducha::orders::file::event_at("2024-01-16", offset, u, R::Unit, Action::Acknowledge)
            .ok_or_else(|| anyhow::anyhow!("event"))?;
        items.push(store::NewItem {
            kind: Kind::Coordination,
            task,
            title: format!("负载测试事项：{u}"),
            units: vec![u.clone()],
            period: Period { year: ds.plan.year, quarter: 4 },
            level: Some("牵头单位协调".into()),
            issued,
            deadline: issued.add_days(14),
            revisit_of: None,
            events: vec![issue, ack],
            year: 2024,
            first: 1,
        });
    }
    let cx = ducha::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset };
    store::create(data, &cx, &items)?;
    Ok(())
}

/// Each unit opens its item and replies, all at once, while `readers` refresh the dashboard:
/// (page times, reply times, dashboard times).
type Times = (Vec<Duration>, Vec<Duration>, Vec<Duration>);

fn orders_round(addr: &str, units: &[(String, String)], office: &str, readers: usize) -> anyhow::Result<Times> {
    let start = Arc::new(Barrier::new(units.len() + readers));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut threads = Vec::new();
    for (i, (unit, cookie)) in units.iter().cloned().enumerate() {
        let (addr, start, done) = (addr.to_string(), start.clone(), done.clone());
        threads.push(std::thread::spawn(move || -> anyhow::Result<(Duration, Duration)> {
            start.wait();
            let path = format!("/items/2024/xt-{:03}", i + 1);
            let t = Instant::now();
            let page = request(&addr, "GET", &path, &[("Cookie", &cookie)], b"");
            let page_time = t.elapsed();
            let page = page?;
            anyhow::ensure!(page.status == 200, "{unit} GET {path}: {}", page.status);
            // The 反馈 form's fields (the page has one form per allowed action).
            let html = page.text();
            let reply = html.split("id=\"form-reply\"").nth(1).and_then(|f| f.split("</form>").next());
            let reply = reply.ok_or_else(|| anyhow::anyhow!("{unit}: no reply form"))?;
            let mut fields: Vec<(String, String)> =
                form_fields(&format!("<form {reply}")).into_iter().filter(|(k, _)| k != "text").collect();
            fields.push(("text".into(), format!("负载测试反馈{i}号：{unit}")));
            let body = form(&fields);
            let t = Instant::now();
            let r = request(
                &addr,
                "POST",
                &path,
                &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
                body.as_bytes(),
            );
            let took = t.elapsed();
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let r = r?;
            anyhow::ensure!(
                r.status == 303,
                "{unit} reply: {} {}",
                r.status,
                r.text().chars().take(2000).collect::<String>()
            );
            Ok((page_time, took))
        }));
    }
    let total = units.len();
    let mut read_threads = Vec::new();
    for _ in 0..readers {
        let (addr, start, done, office) = (addr.to_string(), start.clone(), done.clone(), office.to_string());
        read_threads.push(std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
            start.wait();
            let mut times = Vec::new();
            while done.load(std::sync::atomic::Ordering::SeqCst) < total {
                let t = Instant::now();
                let r = request(&addr, "GET", "/dashboard?period=2023Q4", &[("Cookie", &office)], b"")?;
                times.push(t.elapsed());
                anyhow::ensure!(r.status == 200 && r.text().contains("due-items"), "dashboard: {}", r.status);
            }
            Ok(times)
        }));
    }
    let (mut pages, mut replies, mut dash) = (Vec::new(), Vec::new(), Vec::new());
    for t in threads {
        let (p, r) = t.join().map_err(|_| anyhow::anyhow!("unit panicked"))??;
        pages.push(p);
        replies.push(r);
    }
    for t in read_threads {
        dash.extend(t.join().map_err(|_| anyhow::anyhow!("reader panicked"))??);
    }
    pages.sort();
    replies.sort();
    dash.sort();
    Ok((pages, replies, dash))
}

/// Size of each uploaded file.
const UPLOAD_BYTES: u64 = 2 * 1024 * 1024;
const BOUNDARY: &str = "----ducha-bench-7d9a";

/// A figure of this process's /proc/self/status in KiB (`VmHWM`: peak resident memory).
fn mem_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// One unit's upload: its report form's fields as a browser posts them, then a PDF of
/// [`UPLOAD_BYTES`] for its first task — a comment of letters that depend on `seed` (so each file
/// is different), made while it is sent. Returns the time from the first byte to the answer.
fn upload(addr: &str, cookie: &str, period: Period, seed: u64) -> anyhow::Result<Duration> {
    let path = format!("/report/{period}");
    let page = request(addr, "GET", &path, &[("Cookie", cookie)], b"")?;
    anyhow::ensure!(page.status == 200, "GET {path}: {}", page.status);
    let fields: Vec<(String, String)> = form_fields(&page.text())
        .into_iter()
        .filter(|(k, _)| !k.starts_with("file_t") && !k.starts_with("replace_t") && k != "overwrite")
        .collect();
    let task = fields
        .iter()
        .find_map(|(k, _)| k.strip_suffix("_progress")?.strip_prefix('t').map(String::from))
        .ok_or_else(|| anyhow::anyhow!("no task on {path}"))?;
    let mut prefix = Vec::new();
    for (k, v) in &fields {
        prefix.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    prefix.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file_t{task}\"; filename=\"负载测试{seed}.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%{seed:08}"
        )
        .as_bytes(),
    );
    let tail =
        "\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n\
                trailer\n<< /Root 1 0 R >>\n%%EOF\n";
    let body = Streamed {
        // The file: the 18 bytes `%PDF-1.4\n%` + the seed (so no two files are the same; the
        // letters below repeat every 26 seeds) ending the prefix, the comment, the tail.
        len: UPLOAD_BYTES - 18 - tail.len() as u64,
        prefix,
        fill: |seed, off, buf| {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = b'a' + ((seed * 7 + off + i as u64) % 26) as u8;
            }
        },
        seed,
        suffix: format!("{tail}\r\n--{BOUNDARY}--\r\n").into_bytes(),
        chunked: false,
    };
    let ctype = format!("multipart/form-data; boundary={BOUNDARY}");
    let t = Instant::now();
    let (r, _) = request_streamed(
        addr,
        "POST",
        &format!("/evidence/{period}"),
        &[("Cookie", cookie), ("Content-Type", &ctype)],
        body,
    )?;
    let took = t.elapsed();
    anyhow::ensure!(
        r.status == 200 && r.text().contains("已上传 1 份佐证材料"),
        "upload {period} #{seed}: {} {}",
        r.status,
        r.text().chars().take(1500).collect::<String>()
    );
    Ok(took)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let src = PathBuf::from(args.first().map(String::as_str).unwrap_or("data"));
    let submitters: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(40).clamp(1, 200);
    let readers: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20).clamp(0, 200);

    let root = std::env::temp_dir().join(format!("ducha-serve-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let data = root.join("data");
    copy_data(&src, &data)?;
    let checked = ducha::data::check(&data);
    let ds = checked.dataset.ok_or_else(|| anyhow::anyhow!("数据有错误，先运行 ducha check"))?;
    let units: Vec<String> = ds.plan.lead_units().into_iter().map(String::from).collect();
    let year = ds.plan.year;
    // Each submitter reports one (unit, period): the units for Q4 first, then Q3 and so on, so
    // 40 submitters write 40 distinct files.
    let jobs: Vec<(String, Period)> = (0..submitters)
        .map(|i| (units[i % units.len()].clone(), Period { year, quarter: 4 - (i / units.len()).min(3) as u8 }))
        .collect();

    // One item per submitter for the 督办 round (40 by default). The bundled plan names 34 units
    // in all, so the first six units get a second item, answered at the same moment from a
    // second session (a unit with two liaisons).
    let order_units: Vec<String> = jobs.iter().map(|(u, _)| u.clone()).collect();
    register_items(&data, &ds, &order_units)?;
    let app =
        App::new(Options { data: data.clone(), out: root.join("out"), archive: root.join("archive"), secure: false })?;
    let hash = auth::hash_password(PASSWORD);
    for u in &units {
        app.store.add_user(u, Role::Unit, Some(u), &hash)?;
        app.store.set_password(u, &hash, false)?;
    }
    app.store.add_user("office", Role::Office, None, &hash)?;
    app.store.set_password("office", &hash, false)?;
    let app = Arc::new(app);

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?.to_string();
    listener.set_nonblocking(true)?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_app = app.clone();
    let server = std::thread::spawn(move || -> anyhow::Result<()> {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener)?;
            ducha::serve::serve_on(l, server_app, async {
                let _ = stop_rx.await;
            })
            .await?;
            anyhow::Ok(())
        })
    });

    // Log everyone in first (Argon2 is slow on purpose; it is not what is measured).
    let t = Instant::now();
    let mut sessions = Vec::new();
    for (u, _) in &jobs {
        sessions.push(login(&addr, u)?);
    }
    let office = login(&addr, "office")?;
    println!("登录 {} 个账户：{:.0} ms（Argon2id，不计入下面的数字）", jobs.len() + 1, ms(t.elapsed()));

    let start = Arc::new(Barrier::new(jobs.len() + readers));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut submit_threads = Vec::new();
    for (i, ((unit, period), cookie)) in jobs.iter().cloned().zip(sessions.clone()).enumerate() {
        let (addr, start, done) = (addr.clone(), start.clone(), done.clone());
        submit_threads.push(std::thread::spawn(move || -> anyhow::Result<(Duration, Duration, String)> {
            start.wait();
            let path = format!("/report/{period}");
            let t = Instant::now();
            let page = request(&addr, "GET", &path, &[("Cookie", &cookie)], b"");
            let form_time = t.elapsed();
            let page = page?;
            anyhow::ensure!(page.status == 200, "{unit} GET {path}: {}", page.status);
            let mut fields = form_fields(&page.text());
            let marker = format!("负载测试标记{i}号");
            let key = fields
                .iter()
                .position(|(k, _)| k.ends_with("_progress"))
                .ok_or_else(|| anyhow::anyhow!("{unit}: no task"))?;
            fields[key].1 = format!("{marker}：{}", fields[key].1);
            fields.retain(|(k, _)| k != "action");
            fields.push(("action".into(), "submit".into()));
            let body = form(&fields);
            let t = Instant::now();
            let r = request(
                &addr,
                "POST",
                &path,
                &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
                body.as_bytes(),
            );
            let took = t.elapsed();
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let r = r?;
            anyhow::ensure!(
                r.status == 303,
                "{unit} {period} submit: {} {}",
                r.status,
                r.text().chars().take(2000).collect::<String>()
            );
            Ok((form_time, took, marker))
        }));
    }
    let total = jobs.len();
    let mut read_threads = Vec::new();
    for _ in 0..readers {
        let (addr, start, done, office) = (addr.clone(), start.clone(), done.clone(), office.clone());
        read_threads.push(std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
            start.wait();
            let mut times = Vec::new();
            while done.load(std::sync::atomic::Ordering::SeqCst) < total {
                let t = Instant::now();
                let r = request(&addr, "GET", "/dashboard?period=2023Q4", &[("Cookie", &office)], b"")?;
                times.push(t.elapsed());
                anyhow::ensure!(r.status == 200 && r.text().contains("row-1"), "dashboard: {}", r.status);
            }
            Ok(times)
        }));
    }
    let mut submits = Vec::new();
    let mut forms = Vec::new();
    let mut markers = Vec::new();
    for t in submit_threads {
        let (f, s, m) = t.join().map_err(|_| anyhow::anyhow!("submitter panicked"))??;
        forms.push(f);
        submits.push(s);
        markers.push(m);
    }
    let mut dash = Vec::new();
    for t in read_threads {
        dash.extend(t.join().map_err(|_| anyhow::anyhow!("reader panicked"))??);
    }
    let wall = t0.elapsed();
    let edits = notice_edits(&addr, &office, Period { year, quarter: 4 })?;
    let mut unit_sessions = Vec::new();
    for u in &order_units {
        unit_sessions.push((u.clone(), login(&addr, u)?));
    }
    let t1 = Instant::now();
    let (item_pages, replies, order_dash) = orders_round(&addr, &unit_sessions, &office, readers)?;
    let orders_wall = t1.elapsed();

    // Uploads: every submitter at once, one 2 MB file each.
    let hwm_before = mem_kib("VmHWM");
    let start = Arc::new(Barrier::new(jobs.len()));
    let t_up = Instant::now();
    let mut up_threads = Vec::new();
    for (i, ((_, period), cookie)) in jobs.iter().cloned().zip(sessions).enumerate() {
        let (addr, start) = (addr.clone(), start.clone());
        up_threads.push(std::thread::spawn(move || -> anyhow::Result<Duration> {
            start.wait();
            upload(&addr, &cookie, period, i as u64)
        }));
    }
    let mut ups = Vec::new();
    for t in up_threads {
        ups.push(t.join().map_err(|_| anyhow::anyhow!("uploader panicked"))??);
    }
    let up_wall = t_up.elapsed();
    let hwm_after = mem_kib("VmHWM");
    let _ = stop_tx.send(());
    server.join().map_err(|_| anyhow::anyhow!("server panicked"))??;

    submits.sort();
    forms.sort();
    dash.sort();
    let requests = submits.len() + forms.len() + dash.len();
    println!("并发：{} 个单位同时提交，{} 个读者刷新总览；总用时 {:.0} ms", total, readers, ms(wall));
    println!("{:<10} {:>6} {:>10} {:>10} {:>10}", "请求", "次数", "p50 ms", "p99 ms", "目标 p99");
    println!(
        "{:<10} {:>6} {:>10.1} {:>10.1} {:>10}",
        "提交报告",
        submits.len(),
        ms(percentile(&submits, 0.5)),
        ms(percentile(&submits, 0.99)),
        "200"
    );
    println!(
        "{:<10} {:>6} {:>10.1} {:>10.1} {:>10}",
        "打开填报页",
        forms.len(),
        ms(percentile(&forms, 0.5)),
        ms(percentile(&forms, 0.99)),
        "—"
    );
    println!(
        "{:<10} {:>6} {:>10.1} {:>10.1} {:>10}",
        "总览",
        dash.len(),
        ms(percentile(&dash, 0.5)),
        ms(percentile(&dash, 0.99)),
        "100"
    );
    println!("吞吐：{:.1} 请求/秒", requests as f64 / wall.as_secs_f64());
    let mut sorted_edits = edits.clone();
    sorted_edits.sort();
    let edit_max = sorted_edits.last().copied().unwrap_or_default();
    println!(
        "通报文字修改到新预览：{} 次，p50 {:.0} ms，最大 {:.0} ms（各次 {}；第 1 次含修改前版面的排版）",
        edits.len(),
        ms(percentile(&sorted_edits, 0.5)),
        ms(edit_max),
        edits.iter().map(|d| format!("{:.0}", ms(*d))).collect::<Vec<_>>().join("、")
    );
    println!(
        "督办事项：{} 个事项同时反馈（{} 个单位），{} 个读者刷新总览；总用时 {:.0} ms",
        replies.len(),
        units.len().min(replies.len()),
        readers,
        ms(orders_wall)
    );
    for (label, times, goal) in
        [("打开事项页", &item_pages, "—"), ("提交反馈", &replies, "200"), ("总览", &order_dash, "100")]
    {
        println!(
            "{:<10} {:>6} {:>10.1} {:>10.1} {:>10}",
            label,
            times.len(),
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.99)),
            goal
        );
    }
    ups.sort();
    println!(
        "上传佐证材料：{} 个单位同时各传 {} MB：p50 {:.0} ms，p99 {:.0} ms，总用时 {:.0} ms（{:.1} MB/秒）",
        ups.len(),
        UPLOAD_BYTES / (1024 * 1024),
        ms(percentile(&ups, 0.5)),
        ms(percentile(&ups, 0.99)),
        ms(up_wall),
        (ups.len() as u64 * UPLOAD_BYTES) as f64 / (1024.0 * 1024.0) / up_wall.as_secs_f64()
    );
    println!(
        "进程内存峰值（VmHWM，服务器与客户端同一进程，客户端边生成边发送）：上传前 {} MB，上传后 {} MB",
        hwm_before / 1024,
        hwm_after / 1024
    );
    let goals = [
        ("提交 p99 ≤ 200 ms", ms(percentile(&submits, 0.99)) <= 200.0),
        ("总览 p99 ≤ 100 ms", ms(percentile(&dash, 0.99)) <= 100.0),
        ("通报修改到预览 ≤ 1000 ms（最大）", ms(edit_max) <= 1000.0),
        ("督办反馈 p99 ≤ 200 ms", ms(percentile(&replies, 0.99)) <= 200.0),
        ("反馈期间总览 p99 ≤ 100 ms", ms(percentile(&order_dash, 0.99)) <= 100.0),
    ];
    for (g, ok) in goals {
        println!("{g}：{}", if ok { "达标" } else { "未达标" });
    }

    // The files: every one written, complete, carrying its submitter's text, and the whole data
    // directory still passes `ducha check`.
    let mut ok = true;
    for ((unit, period), marker) in jobs.iter().zip(&markers) {
        let path = ducha::serve::report::report_path(&data, *period, unit)?;
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let parsed: Result<ducha::data::raw::RawReport, _> = serde_yaml::from_str(&text);
        let good = parsed
            .as_ref()
            .is_ok_and(|r| r.unit == *unit && r.entries.iter().any(|e| e.progress.contains(marker.as_str())));
        if !good {
            ok = false;
            eprintln!("文件有误：{}", path.display());
        }
    }
    // Every item holds its unit's reply, and the register reads back without an error.
    let cx = ducha::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let (register, diags, sources) = ducha::orders::file::load_register(&data, &cx);
    if diags.has_errors() {
        ok = false;
        eprint!("{}", diags.render(&sources));
    }
    for (i, u) in order_units.iter().enumerate() {
        let n = ducha::orders::Number { kind: ducha::orders::Kind::Coordination, year: 2024, seq: i as u32 + 1 };
        let replied = register.get(n).is_some_and(|item| {
            item.units == [u.clone()]
                && item
                    .events
                    .iter()
                    .any(|e| e.action == ducha::orders::Action::Reply && e.text.contains(&format!("负载测试反馈{i}号")))
        });
        if !replied {
            ok = false;
            eprintln!("{n}（{u}）没有记下反馈");
        }
    }
    println!("{} 个督办事项：{}", order_units.len(), if ok { "反馈全部记下" } else { "有错误（见上）" });
    // Every upload stored once, under its hash.
    let objects = walkdir::WalkDir::new(data.join("evidence").join("objects"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.metadata().is_ok_and(|m| m.len() == UPLOAD_BYTES))
        .count();
    if objects != jobs.len() {
        ok = false;
        eprintln!("佐证材料：应存 {} 个文件，实存 {objects} 个", jobs.len());
    }
    let checked = ducha::data::check(&data);
    if checked.diagnostics.has_errors() {
        ok = false;
        eprint!("{}", checked.diagnostics.render(&checked.sources));
    }
    println!(
        "{} 个报告文件：{}",
        jobs.len(),
        if ok { "全部完整、内容正确，ducha check 通过" } else { "有错误（见上）" }
    );
    let _ = std::fs::remove_dir_all(&root);
    Ok(ok)
}
