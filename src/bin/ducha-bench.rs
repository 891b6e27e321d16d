//! `cargo run --release --bin ducha-bench [-- --data DIR --period P --runs N]`
//! `cargo run --release --bin ducha-bench -- --scale K [--distinct] [--runs N] [--write-data DIR]`
//!
//! Measures a whole quarter of the bundled data (every document) and prints figures and ratios:
//! font indexing, per-document render / layout / PDF export, whole in-process build wall time,
//! peak RSS, the notice's size, the documents compiled on one worker and on two, warm rebuilds
//! in one process, and — when a `typst` CLI is on PATH — the same emitted sources compiled by
//! it, one process per source, with the ratio.
//! Targets: ≤ 0.5 s wall; ≤ 0.35× the CLI; peak RSS ≤ 110 MB; notice ≤ 800 KB; OFD beside the
//! PDF ≤ +25 %. Every timed run but the last figure starts with typst's cache emptied, so no run
//! is faster for reusing an earlier run's layouts.
//! A benchmark, not a test: it never fails on a figure.
//!
//! `--scale K` measures a city-sized plan instead (see [`scale`]): the bundled data with every
//! task K times (87 → 87·K tasks, renumbered, each unit's reports carrying its entries K times),
//! written to a temporary directory; then, interleaved run by run, `ducha build` of it as a child
//! process and the `typst` CLI on each emitted source, with the wall time and peak RSS of both
//! (the kernel's `wait4` rusage) and their ratios. Targets at 8×: ≤ 0.5× the CLI's wall time,
//! peak RSS no higher than the CLI's. `--distinct` titles every copy apart (no repeated rows for
//! Typst's memoisation to reuse, as in a real plan). `--write-data DIR` only writes the scaled data set to DIR
//! (tests/scale.rs checks it builds).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use ducha::engine::fonts::Fonts;
use ducha::engine::{Engine, Job, PdfFlavor};
use ducha::pipeline::{self, BuildOptions};
use ducha::templates::Templates;

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().is_some_and(|a| a == scale::CHILD) {
        scale::child_build(&argv[1..]);
        return;
    }
    if argv.iter().any(|a| a == "--scale") {
        scale::main(&argv);
        return;
    }
    let mut args = argv.into_iter();
    let mut data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut period = None;
    let mut runs = 5usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data = PathBuf::from(args.next().expect("--data DIR")),
            "--period" => period = ducha::data::model::Period::parse(&args.next().expect("--period P")),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            _ => {}
        }
    }
    let out = std::env::temp_dir().join(format!("ducha-bench-{}", std::process::id()));
    let opts = |emit: bool, ofd: bool| BuildOptions {
        data: data.clone(),
        period,
        out: out.clone(),
        only: vec![],
        emit_typst: emit,
        templates: None,
        font_paths: vec![],
        flavor: PdfFlavor::Plain,
        png: vec![],
        ofd,
        docx: false,
    };

    // 1. One cold build, exactly as `ducha build` does it, first thing in the process.
    let t = Instant::now();
    let report = match pipeline::build(&opts(true, false)) {
        Ok(r) => r,
        Err(e) => {
            eprint!("{}", e.diagnostics.render(&e.sources));
            std::process::exit(1);
        }
    };
    let cold = t.elapsed();
    let rss = peak_rss_mb();
    println!(
        "ducha benchmark — {} documents of {}, {} logical CPUs",
        report.documents.len(),
        report.period,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!();
    println!("whole build, in process (cold, first run): {:.0} ms   [target ≤ 500 ms]", ms(cold));
    for (stage, d) in &report.timings {
        println!("  {stage:<8} {:>7.1} ms", ms(*d));
    }
    if let Some(rss) = rss {
        println!("peak RSS after the build: {rss:.0} MB   [target ≤ 110 MB]");
    }
    for d in &report.documents {
        println!("  {:<40} {:>3} pages {:>5} KB", d.path, d.pages, d.bytes.div_ceil(1024));
    }
    if let Some(n) = report.documents.iter().find(|d| d.kind == pipeline::Kind::Notice) {
        println!("notice size: {} KB   [target ≤ 800 KB]", n.bytes.div_ceil(1024));
    }

    // 2. Per document: render (minijinja), layout (typst), export (PDF), fonts shared.
    println!();
    let t = Instant::now();
    let fonts = Arc::new(Fonts::load(&[]).expect("fonts"));
    println!("font index: {:.1} ms ({} faces)", ms(t.elapsed()), fonts.paths.len());
    let t = Instant::now();
    fonts.warm();
    println!("faces the roles print in, mapped and hashed: {:.1} ms (a background thread in a build)", ms(t.elapsed()));
    let checked = ducha::data::check(&data);
    let ds = checked.dataset.expect("valid data");
    let p = period.or_else(|| ds.latest_period()).expect("a period");
    let year = ducha::status::evaluate_year(&ds, p);
    let summary = ducha::aggregate::summarize(&ds, &year);
    let templates = Templates::builtin();
    let t = Instant::now();
    let rendered = pipeline::render_all(&ds, &year, &summary, &Default::default(), &templates, &[]).expect("render");
    let render_all = t.elapsed();
    let engine = Engine::new(fonts, templates.typst_files());
    println!("render (all {} documents): {:.2} ms", rendered.len(), ms(render_all));
    println!("{:<36} {:>9} {:>9}", "document", "layout", "export");
    let date = ds.office.issue_date(p);
    let mut warm_total = 0.0;
    for r in &rendered {
        let job = Job {
            name: format!("{}.typ", r.stem),
            source: r.source.clone(),
            timestamp: pipeline::timestamp(date),
            ident: r.ident.clone(),
            flavor: PdfFlavor::Plain,
            files: vec![],
        };
        ducha::engine::clear_cache();
        let t = Instant::now();
        let (doc, _) = engine.layout(&job).unwrap_or_else(|e| panic!("layout: {}", e.diagnostics.render(&e.sources)));
        let layout = t.elapsed();
        let t = Instant::now();
        let _pdf = engine.export(&doc, &job).unwrap_or_else(|e| panic!("export: {}", e.diagnostics.render(&e.sources)));
        let export = t.elapsed();
        warm_total += ms(layout) + ms(export);
        println!("{:<36} {:>6.1} ms {:>6.1} ms", r.stem, ms(layout), ms(export));
    }

    // 3. Every document compiled (layout + PDF) on one worker, then on two, as `compile_all` does.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut per_workers = Vec::new();
    for w in [1, 2] {
        let mut times = Vec::new();
        for _ in 0..runs {
            let mut docs = rendered.clone();
            ducha::engine::clear_cache();
            let t = Instant::now();
            let results = pipeline::compile_parallel(&engine, &mut docs, date, PdfFlavor::Plain, w, &|_, _| ());
            times.push(ms(t.elapsed()));
            assert!(results.iter().all(Result::is_ok), "compile failed");
        }
        times.sort_by(f64::total_cmp);
        per_workers.push(times[times.len() / 2]);
        println!("all documents on {w} worker(s): median {:.0} ms over {runs} runs", times[times.len() / 2]);
    }
    println!(
        "two workers / one: {:.2} ({workers} logical CPUs; a build uses one worker per CPU)",
        per_workers[1] / per_workers[0]
    );

    // 4. Warm: the whole build again in the same process, fonts already mapped, typst's cache
    // emptied before each run.
    let mut walls = Vec::new();
    for _ in 0..runs {
        ducha::engine::clear_cache();
        let t = Instant::now();
        pipeline::build(&opts(false, false)).unwrap_or_else(|e| panic!("build: {}", e.diagnostics.render(&e.sources)));
        walls.push(ms(t.elapsed()));
    }
    // The same with OFD beside every PDF (`--format pdf,ofd`; issue 12: ≤ +25 %).
    let mut walls_ofd = Vec::new();
    let mut ofd_sizes = None;
    for _ in 0..runs {
        ducha::engine::clear_cache();
        let t = Instant::now();
        let Ok(r) = pipeline::build(&opts(false, true)) else { panic!("build with OFD failed") };
        walls_ofd.push(ms(t.elapsed()));
        ofd_sizes = r
            .documents
            .iter()
            .find(|d| d.kind == pipeline::Kind::Notice)
            .map(|d| (d.bytes, d.ofd.as_ref().map(|o| o.bytes).unwrap_or(0)));
    }
    walls_ofd.sort_by(f64::total_cmp);
    walls.sort_by(f64::total_cmp);
    println!();
    println!(
        "whole build, warm in one process: median {:.0} ms, min {:.0} ms over {runs} runs",
        walls[walls.len() / 2],
        walls[0]
    );
    let (plain, with_ofd) = (walls[walls.len() / 2], walls_ofd[walls_ofd.len() / 2]);
    println!(
        "whole build with OFD (pdf,ofd), warm: median {with_ofd:.0} ms, +{:.1} % over PDF only   [target ≤ +25 %]",
        (with_ofd / plain - 1.0) * 100.0
    );
    if let Some((pdf, ofd)) = ofd_sizes {
        println!(
            "notice: PDF {} KB, OFD {} KB ({:.2}×)   [target OFD ≤ PDF]",
            pdf.div_ceil(1024),
            ofd.div_ceil(1024),
            ofd as f64 / pdf as f64
        );
    }
    println!("sum of per-document layout+export with one engine: {warm_total:.0} ms");
    // What `ducha serve` sees when nothing changed since the last build: typst's cache kept.
    pipeline::build(&opts(false, false)).unwrap_or_else(|e| panic!("build: {}", e.diagnostics.render(&e.sources)));
    let t = Instant::now();
    pipeline::build(&opts(false, false)).unwrap_or_else(|e| panic!("build: {}", e.diagnostics.render(&e.sources)));
    println!("unchanged rebuild, typst's cache kept (as in `ducha serve`): {:.0} ms", ms(t.elapsed()));

    // 5. The typst CLI, one process per emitted source.
    println!();
    let fonts_dir = ducha::engine::fonts::bundled_dir().expect("fonts dir");
    let typst = Command::new("typst").arg("--version").output().ok().filter(|o| o.status.success());
    match typst {
        Some(v) => {
            println!("typst CLI: {}", String::from_utf8_lossy(&v.stdout).trim());
            let dir = &report.dir;
            let t = Instant::now();
            for r in &rendered {
                let src = dir.join(format!("{}.typ", r.stem));
                let st = Command::new("typst")
                    .args(["compile", "--ignore-system-fonts", "--font-path"])
                    .arg(&fonts_dir)
                    .arg(&src)
                    .arg(out.join(format!("{}.cli.pdf", r.stem)))
                    .status();
                if !st.is_ok_and(|s| s.success()) {
                    println!("  typst CLI failed on {}", src.display());
                }
            }
            let cli = ms(t.elapsed());
            println!("typst CLI, one process per source: {cli:.0} ms");
            println!("ratio ducha (cold, whole build) / CLI: {:.2}   [target ≤ 0.35]", ms(cold) / cli);
        }
        None => {
            println!("typst CLI: not on PATH — CLI comparison skipped (install typst-cli to compare)");
            // The PyPI `typst` package is another Typst 0.15 build; one Python process per source
            // is the closest stand-in for "the CLI run once per emitted source" available here.
            let script = "import sys, typst\ntypst.compile(sys.argv[1], output=sys.argv[2], font_paths=[sys.argv[3]], ignore_system_fonts=True)\n";
            let has_py = Command::new("python3").args(["-c", "import typst"]).status().is_ok_and(|s| s.success());
            if has_py {
                let t = Instant::now();
                for r in &rendered {
                    let st = Command::new("python3")
                        .args(["-c", script])
                        .arg(report.dir.join(format!("{}.typ", r.stem)))
                        .arg(out.join(format!("{}.py.pdf", r.stem)))
                        .arg(&fonts_dir)
                        .status();
                    if !st.is_ok_and(|s| s.success()) {
                        println!("  typst-py failed on {}", r.stem);
                    }
                }
                let py = ms(t.elapsed());
                println!("PyPI typst (typst-py 0.15), one python3 process per source: {py:.0} ms");
                println!("ratio ducha (cold, whole build) / typst-py: {:.2}", ms(cold) / py);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// `--scale K`: a city-sized plan built from the bundled data, and `ducha build` of it against
/// the `typst` CLI, each as a process of its own.
///
/// A county plan has ~90 tasks; a city's, or a 政府工作报告 broken down into tasks, 300–700. The
/// scaled plan keeps the bundled plan's sections and gives each of them its tasks K times in a
/// row, numbered on through the plan (task n of copy c is the c-th repetition of n); every report
/// carries its entries once per copy, renumbered alike, so every unit leads K times the tasks it
/// leads and reports on each of them as it did. Office settings and `notice.md` files are copied
/// unchanged. The data set passes `ducha check` like the bundled one (tests/scale.rs).
mod scale {
    use std::collections::HashMap;
    use std::io::Read;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use ducha::data::raw::RawEntry;
    use ducha::engine::PdfFlavor;
    use ducha::pipeline::{self, BuildOptions};

    /// First argument of the child process that runs one build (`ducha-bench --build-once DATA OUT`).
    pub const CHILD: &str = "--build-once";

    /// Writes the bundled data at `from` scaled `k` times into `to` (created). Returns the number
    /// of tasks of the scaled plan.
    ///
    /// `distinct`: every copy after the first gets its own title (the bundled title and
    /// `（第N组）`), as a city's plan never repeats a task word for word. Without it the rows of
    /// the notice's table repeat K times, which Typst's memoisation turns into cache hits that a
    /// real plan would not get.
    pub fn write_scaled(from: &Path, to: &Path, k: u32, distinct: bool) -> Result<usize, String> {
        let (loaded, diags) = ducha::data::load::load(from);
        if diags.has_errors() {
            return Err(format!("{} 中的数据有错误，先运行 ducha check", from.display()));
        }
        let plan = loaded.plan.as_ref().ok_or("没有 plan.yaml")?;
        let office = loaded.office.as_ref().ok_or("没有 office.yaml")?;
        let mut plan = plan.value.clone();
        // (copy, bundled number) → number in the scaled plan.
        let mut number: HashMap<(u32, u32), u32> = HashMap::new();
        let mut next = 1;
        for section in &mut plan.sections {
            let tasks = std::mem::take(&mut section.tasks);
            for copy in 0..k {
                for task in &tasks {
                    number.insert((copy, task.number), next);
                    let mut task = ducha::data::raw::RawTask { number: next, ..task.clone() };
                    if distinct && copy > 0 {
                        task.title = format!("{}（第{}组）", task.title, copy + 1);
                    }
                    section.tasks.push(task);
                    next += 1;
                }
            }
        }
        let write = |path: PathBuf, text: &str| -> Result<(), String> {
            std::fs::create_dir_all(path.parent().unwrap_or(to)).map_err(|e| format!("{}：{e}", path.display()))?;
            std::fs::write(&path, text).map_err(|e| format!("{}：{e}", path.display()))
        };
        write(to.join("plan.yaml"), &serde_yaml::to_string(&plan).map_err(|e| e.to_string())?)?;
        write(to.join("office.yaml"), &office.source.text)?;
        for (dir, report) in &loaded.reports {
            let mut r = report.value.clone();
            let entries = std::mem::take(&mut r.entries);
            for copy in 0..k {
                r.entries.extend(
                    entries.iter().map(|e| RawEntry {
                        task: number.get(&(copy, e.task)).copied().unwrap_or(e.task),
                        ..e.clone()
                    }),
                );
            }
            let name = report.source.path.file_name().ok_or("报告文件没有文件名")?;
            write(to.join("reports").join(dir).join(name), &serde_yaml::to_string(&r).map_err(|e| e.to_string())?)?;
        }
        for (dir, md) in &loaded.markdown {
            let name = md.path.file_name().ok_or("notice.md 没有文件名")?;
            write(to.join("reports").join(dir).join(name), &md.text)?;
        }
        Ok(next as usize - 1)
    }

    /// The child process: one `ducha build --emit-typst` of DATA into OUT, exactly as the CLI
    /// runs it (fresh process: font index, data, layout, export, files). Prints `stage<TAB>ms`
    /// lines and `pages<TAB>file<TAB>n` lines for the parent.
    pub fn child_build(args: &[String]) {
        let [data, out] = args else {
            eprintln!("用法：ducha-bench {CHILD} DATA OUT");
            std::process::exit(2);
        };
        let opts = BuildOptions {
            data: PathBuf::from(data),
            period: None,
            out: PathBuf::from(out),
            only: vec![],
            emit_typst: true,
            templates: None,
            font_paths: vec![],
            flavor: PdfFlavor::Plain,
            png: vec![],
            ofd: false,
            docx: false,
        };
        let t = Instant::now();
        match pipeline::build(&opts) {
            Ok(report) => {
                let total = t.elapsed();
                for (stage, d) in &report.timings {
                    println!("stage\t{stage}\t{:.1}", d.as_secs_f64() * 1000.0);
                }
                println!("stage\t(pipeline::build)\t{:.1}", total.as_secs_f64() * 1000.0);
                for d in &report.documents {
                    println!("pages\t{}\t{}\t{}", d.path, d.pages, d.bytes);
                }
                println!("dir\t{}", report.dir.display());
            }
            Err(e) => {
                eprint!("{}", e.diagnostics.render(&e.sources));
                std::process::exit(1);
            }
        }
    }

    /// Wall time, peak RSS (the kernel's `ru_maxrss`) and stdout of one child process.
    struct Measured {
        wall: Duration,
        /// User + system CPU time: less disturbed than the wall time on a busy machine.
        cpu: Duration,
        peak_kb: i64,
        ok: bool,
        stdout: String,
    }

    fn measure(cmd: &mut Command) -> Measured {
        let t = Instant::now();
        let mut child = match cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cannot start {cmd:?}: {e}");
                return Measured {
                    wall: t.elapsed(),
                    cpu: Duration::ZERO,
                    peak_kb: 0,
                    ok: false,
                    stdout: String::new(),
                };
            }
        };
        let mut stdout = String::new();
        if let Some(mut out) = child.stdout.take() {
            let _ = out.read_to_string(&mut stdout);
        }
        let mut status = 0;
        // SAFETY: `rusage` is plain data that wait4 fills; the pid is our own unreaped child,
        // reaped here (the `Child` is dropped without waiting again).
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let pid = child.id() as libc::pid_t;
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        let wall = t.elapsed();
        let ok = r == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
        let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        let cpu = time(usage.ru_utime) + time(usage.ru_stime);
        Measured { wall, cpu, peak_kb: usage.ru_maxrss, ok, stdout }
    }

    /// Wall times, CPU times (ms) and peak RSS (MB) of one side's runs.
    #[derive(Default)]
    struct Side {
        wall: Vec<f64>,
        cpu: Vec<f64>,
        peak: Vec<f64>,
    }

    impl Side {
        fn push(&mut self, wall: Duration, cpu: Duration, peak_kb: i64) {
            self.wall.push(ms(wall));
            self.cpu.push(ms(cpu));
            self.peak.push(peak_kb as f64 / 1024.0);
        }

        fn last(&self) -> String {
            let at = |v: &[f64]| v.last().copied().unwrap_or(0.0);
            format!("{:>6.0} ms (CPU {:>6.0} ms) {:>4.0} MB", at(&self.wall), at(&self.cpu), at(&self.peak))
        }

        fn summary(&self) -> String {
            format!(
                "wall median {:.0} ms (min {:.0}), CPU median {:.0} ms, peak RSS median {:.0} MB",
                median(&self.wall),
                self.wall.iter().copied().fold(f64::MAX, f64::min),
                median(&self.cpu),
                median(&self.peak)
            )
        }
    }

    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }

    fn median(v: &[f64]) -> f64 {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    fn load_average() -> String {
        std::fs::read_to_string("/proc/loadavg")
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "?".into())
    }

    /// A comparison compiler: the typst CLI, or failing that one python3 process per source with
    /// the PyPI `typst` package (another Typst 0.15 build).
    enum Other {
        Cli(String),
        Python,
    }

    impl Other {
        fn find() -> Option<Other> {
            if let Some(v) = Command::new("typst").arg("--version").output().ok().filter(|o| o.status.success()) {
                return Some(Other::Cli(String::from_utf8_lossy(&v.stdout).trim().to_owned()));
            }
            let py = Command::new("python3").args(["-c", "import typst"]).status().is_ok_and(|s| s.success());
            py.then_some(Other::Python)
        }

        fn name(&self) -> String {
            match self {
                Other::Cli(v) => format!("typst CLI ({v})"),
                Other::Python => "PyPI typst (no typst CLI on PATH)".into(),
            }
        }

        fn command(&self, src: &Path, pdf: &Path, fonts: &Path) -> Command {
            match self {
                Other::Cli(_) => {
                    let mut c = Command::new("typst");
                    c.args(["compile", "--ignore-system-fonts", "--font-path"]).arg(fonts).arg(src).arg(pdf);
                    c
                }
                Other::Python => {
                    let script = "import sys, typst\ntypst.compile(sys.argv[1], output=sys.argv[2], font_paths=[sys.argv[3]], ignore_system_fonts=True)\n";
                    let mut c = Command::new("python3");
                    c.args(["-c", script]).arg(src).arg(pdf).arg(fonts);
                    c
                }
            }
        }
    }

    pub fn main(argv: &[String]) {
        let mut data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
        let mut k = 8u32;
        let mut runs = 5usize;
        let mut write_only = None;
        let mut distinct = false;
        let mut args = argv.iter();
        while let Some(a) = args.next() {
            match a.as_str() {
                "--data" => data = PathBuf::from(args.next().expect("--data DIR")),
                "--scale" => {
                    k = args.next().and_then(|n| n.parse().ok()).filter(|k| *k >= 1).expect("--scale K (K ≥ 1)")
                }
                "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(5).max(1),
                "--write-data" => write_only = Some(PathBuf::from(args.next().expect("--write-data DIR"))),
                "--distinct" => distinct = true,
                other => {
                    eprintln!("unknown argument {other}");
                    std::process::exit(2);
                }
            }
        }
        if let Some(dir) = write_only {
            match write_scaled(&data, &dir, k, distinct) {
                Ok(n) => println!("{n} tasks written to {}", dir.display()),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
            return;
        }
        let tmp = std::env::temp_dir().join(format!("ducha-bench-scale-{}", std::process::id()));
        let scaled = tmp.join("data");
        let tasks = write_scaled(&data, &scaled, k, distinct).unwrap_or_else(|e| panic!("{e}"));
        let exe = std::env::current_exe().expect("own executable");
        let fonts = ducha::engine::fonts::bundled_dir().expect("fonts dir");
        let other = Other::find();
        println!(
            "ducha scale benchmark — {k}× the bundled data{}: {tasks} tasks; {} logical CPUs; {runs} runs",
            if distinct { ", every copy titled apart (--distinct)" } else { "" },
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        println!("load average before: {}", load_average());
        println!("comparison: {}", other.as_ref().map_or("none (no typst CLI, no PyPI typst)".into(), Other::name));
        println!();

        let (mut ducha, mut other_side) = (Side::default(), Side::default());
        let mut last = String::new();
        for run in 0..runs {
            let out = tmp.join(format!("out{run}"));
            let m = measure(Command::new(&exe).arg(CHILD).arg(&scaled).arg(&out));
            assert!(m.ok, "ducha build of the scaled data failed");
            ducha.push(m.wall, m.cpu, m.peak_kb);
            let dir = m.stdout.lines().find_map(|l| l.strip_prefix("dir\t")).map(PathBuf::from).expect("output dir");
            let mut line = format!("run {}: ducha {}", run + 1, ducha.last());
            if let Some(other) = &other {
                // One process per emitted source, as someone compiling them by hand would.
                let (mut wall, mut cpu, mut peak) = (Duration::ZERO, Duration::ZERO, 0);
                let mut sources: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .expect("output dir")
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "typ"))
                    .collect();
                sources.sort();
                for src in &sources {
                    let c = measure(&mut other.command(src, &src.with_extension("other.pdf"), &fonts));
                    if !c.ok {
                        println!("  {} failed on {}", other.name(), src.display());
                    }
                    wall += c.wall;
                    cpu += c.cpu;
                    peak = peak.max(c.peak_kb);
                }
                other_side.push(wall, cpu, peak);
                line += &format!(
                    "   other {} ({} sources)   ratio {:.2}",
                    other_side.last(),
                    sources.len(),
                    ms(m.wall) / ms(wall)
                );
            }
            println!("{line}   load {}", load_average());
            last = m.stdout;
            let _ = std::fs::remove_dir_all(&out);
        }
        println!();
        println!("stages of the last ducha build:");
        for l in last.lines() {
            let f: Vec<&str> = l.split('\t').collect();
            match f.as_slice() {
                ["stage", name, t] => println!("  {name:<8} {t:>8} ms"),
                ["pages", file, pages, bytes] if file.starts_with(ducha::pipeline::Kind::Notice.label()) => {
                    println!("  notice: {pages} pages, {} KB", bytes.parse::<usize>().unwrap_or(0).div_ceil(1024))
                }
                _ => {}
            }
        }
        println!();
        println!("ducha build, own process, cold: {}", ducha.summary());
        if !other_side.wall.is_empty() {
            println!(
                "{}, one process per source: {}",
                other.as_ref().map_or(String::new(), Other::name),
                other_side.summary()
            );
            let ratios: Vec<f64> = ducha.wall.iter().zip(&other_side.wall).map(|(a, b)| a / b).collect();
            println!("ratio ducha / other, wall: median {:.2} of the runs   [target at 8×: ≤ 0.5]", median(&ratios));
            println!("ratio ducha / other, CPU time: {:.2}", median(&ducha.cpu) / median(&other_side.cpu));
            println!(
                "ratio ducha / other, peak RSS: {:.2}   [target at 8×: ≤ 1]",
                median(&ducha.peak) / median(&other_side.peak)
            );
        }
        println!("load average after: {}", load_average());
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
