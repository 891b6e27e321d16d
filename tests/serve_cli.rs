//! `ducha users …` and `ducha serve` as commands: initial passwords written once to a CSV, only
//! Argon2id hashes stored, accounts listed without secrets, reset and disable; the server binds
//! loopback, prints where to browse, serves, and stops cleanly on Ctrl-C (SIGINT) and SIGTERM;
//! the password CSV and the state database are readable by their owner only.

mod serve_util;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use ducha::serve::http_client;
use ducha::serve::store::Role;
use serve_util::bundled_copy;

fn ducha(cwd: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ducha")).args(args).current_dir(cwd).env_remove("DUCHA_DATA").output().unwrap()
}

/// Starts `ducha serve` with `args` in `cwd` (and the environment variables `envs`); returns the
/// child and the first line it prints (the banner with the address), the rest of its output still
/// readable.
fn spawn_serve(
    cwd: &std::path::Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (std::process::Child, std::io::Lines<BufReader<std::process::ChildStdout>>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    (child, lines, banner)
}

#[test]
fn users_init_add_reset_list_disable() {
    let (root, _data) = bundled_copy("serve-users");
    let o = ducha(&root, &["users", "init", "--data", "data", "--out", "slips.csv"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(root.join("slips.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("角色,单位,用户名,初始密码"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let ds = ducha::data::check(&root.join("data")).dataset.unwrap();
    let units = ds.plan.lead_units();
    assert_eq!(rows.len(), units.len() + 1, "one per lead unit and the office");
    assert_eq!(rows[0][..3], ["督查室", "", "office"]);
    for u in &units {
        assert!(rows.iter().any(|r| r[0] == "单位" && r[1] == *u && r[2] == *u), "{u}");
    }
    // Stored only as hashes that verify against the CSV's passwords; every account must change it.
    let store = ducha::serve::store::Store::open(&root.join("data")).unwrap();
    for r in &rows {
        let u = store.user(r[2]).unwrap().unwrap();
        assert!(u.hash.starts_with("$argon2id$"));
        assert!(ducha::serve::auth::verify_password(r[3], &u.hash), "{}", r[2]);
        assert!(u.must_change);
    }
    let db =
        String::from_utf8_lossy(&std::fs::read(root.join("data/.ducha-serve/state.sqlite3")).unwrap()).into_owned();
    assert!(!db.contains(rows[1][3]), "no plain password in the database");
    drop(store);
    // Never twice: the CSV is not overwritten, existing accounts keep their passwords.
    let o = ducha(&root, &["users", "init", "--data", "data", "--out", "slips.csv"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("不会覆盖"));
    let o = ducha(&root, &["users", "init", "--data", "data", "--out", "again.csv"]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_to_string(root.join("again.csv")).unwrap().lines().count(),
        1,
        "no new account, no password"
    );

    let o = ducha(&root, &["users", "add", "lingdao", "--role", "leader", "--data", "data"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("初始密码："));
    let o = ducha(&root, &["users", "add", "x", "--role", "unit", "--unit", "不存在的局", "--data", "data"]);
    assert!(!o.status.success());
    let o = ducha(&root, &["users", "reset", "office", "--data", "data"]);
    assert!(o.status.success());
    let newpw =
        String::from_utf8_lossy(&o.stdout).split("初始密码：").nth(1).unwrap().chars().take(12).collect::<String>();
    let store = ducha::serve::store::Store::open(&root.join("data")).unwrap();
    assert!(ducha::serve::auth::verify_password(&newpw, &store.user("office").unwrap().unwrap().hash));
    assert!(!ducha::serve::auth::verify_password(rows[0][3], &store.user("office").unwrap().unwrap().hash));
    drop(store);
    assert!(ducha(&root, &["users", "disable", "lingdao", "--data", "data"]).status.success());
    let list = String::from_utf8_lossy(&ducha(&root, &["users", "list", "--data", "data"]).stdout).into_owned();
    assert!(list.contains("lingdao\t领导\t\t已停用"), "{list}");
    assert!(list.contains("县科技局\t单位\t县科技局\t待改初始密码"));
    for r in &rows {
        assert!(!list.contains(r[3]), "no password listed");
    }
    // `ducha check` ignores the state folder.
    let o = ducha(&root, &["check", "--data", "data"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Starts `ducha serve` on a loopback port, checks it serves `/login`, sends `signal` and
/// expects a clean stop: “正在停止”, exit 0, no longer listening. Returns the data root.
fn serve_then_stop_with(name: &str, signal: &str) -> std::path::PathBuf {
    let (root, _data) = bundled_copy(name);
    assert!(ducha(&root, &["users", "init", "--data", "data", "--out", "slips.csv"]).status.success());
    let (mut child, mut lines, banner) =
        spawn_serve(&root, &["serve", "--data", "data", "--out", "out", "--addr", "127.0.0.1:0"], &[]);
    assert!(banner.contains("http://127.0.0.1:"), "{banner}");
    let addr = banner.split("http://").nth(1).unwrap().trim_end_matches('/').to_string();
    assert!(lines.next().unwrap().unwrap().contains("只有本机可以访问"));
    let r = http_client::request(&addr, "GET", "/login", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    assert!(r.text().contains("登录"));
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    assert!(code.success(), "{signal}: {code:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("正在停止")), "{rest:?}");
    assert!(http_client::request(&addr, "GET", "/login", &[], b"").is_err(), "no longer listening");
    root
}

#[test]
fn serve_binds_loopback_and_stops_on_ctrl_c() {
    // Ctrl-C: a clean stop with exit code 0.
    let root = serve_then_stop_with("serve-run", "-INT");
    // The default address is loopback.
    let help = String::from_utf8_lossy(&ducha(&root, &["serve", "--help"]).stdout).into_owned();
    assert!(help.contains("[default: 127.0.0.1:8080]"), "{help}");
}

/// SIGTERM (what `kill` and service managers send) stops the server like Ctrl-C: it says it is
/// stopping, lets requests finish and exits 0 (on main it died of the signal, exit status 143).
#[test]
fn serve_stops_cleanly_on_sigterm() {
    serve_then_stop_with("serve-term", "-TERM");
}

/// The initial-password CSV, the state folder and the database with its WAL files are the
/// owner's only (0600 / 0700; on main they were 0644 / 0755 under the usual umask), also when
/// the server has written to them; `users enable` gives a disabled account back.
#[test]
fn secrets_are_owner_only_and_accounts_re_enabled() {
    use std::os::unix::fs::PermissionsExt;
    let (root, data) = bundled_copy("serve-modes");
    let o = ducha(&root, &["users", "init", "--data", "data", "--out", "slips.csv"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&root.join("slips.csv")), 0o600, "CSV of initial passwords");
    let state = data.join(".ducha-serve");
    assert_eq!(mode(&state), 0o700);
    // Open the database the way the server does and write, so the WAL files exist.
    let store = ducha::serve::store::Store::open(&data).unwrap();
    store.audit("test", "local", "测试", "").unwrap();
    let mut seen = 0;
    for name in ["state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm"] {
        let p = state.join(name);
        if p.exists() {
            seen += 1;
            assert_eq!(mode(&p), 0o600, "{name}");
        }
    }
    assert!(seen >= 2, "the database and its WAL");
    drop(store);

    assert!(ducha(&root, &["users", "disable", "office", "--data", "data"]).status.success());
    let list = String::from_utf8_lossy(&ducha(&root, &["users", "list", "--data", "data"]).stdout).into_owned();
    assert!(list.contains("office\t督查室\t\t已停用"), "{list}");
    let o = ducha(&root, &["users", "enable", "office", "--data", "data"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("已启用账户 office"));
    let list = String::from_utf8_lossy(&ducha(&root, &["users", "list", "--data", "data"]).stdout).into_owned();
    assert!(list.contains("office\t督查室\t\t待改初始密码"), "{list}");
    let o = ducha(&root, &["users", "enable", "nobody", "--data", "data"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("没有账户 “nobody”"));
}

/// `--tls-cert` and `--tls-key` go together (a Chinese error naming the missing one otherwise),
/// an unusable PEM file is a Chinese error naming the file (exit 2, before anything listens);
/// with both the banner gives an https:// address and Ctrl-C still stops cleanly.
#[test]
fn serve_https_flags_and_banner() {
    let (root, _data) = bundled_copy("serve-https-cli");
    assert!(ducha(&root, &["users", "init", "--data", "data", "--out", "slips.csv"]).status.success());
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(root.join("cert.pem"), ck.cert.pem()).unwrap();
    std::fs::write(root.join("key.pem"), ck.signing_key.serialize_pem()).unwrap();
    std::fs::write(root.join("garbage.pem"), "-----BEGIN CERTIFICATE-----\n不是证书\n").unwrap();
    let base = ["serve", "--data", "data", "--addr", "127.0.0.1:0"];
    for (extra, expected) in [
        (vec!["--tls-cert", "cert.pem"], "没有 --tls-key"),
        (vec!["--tls-key", "key.pem"], "没有 --tls-cert"),
        (vec!["--tls-cert", "garbage.pem", "--tls-key", "key.pem"], "证书文件 garbage.pem"),
        (vec!["--tls-cert", "cert.pem", "--tls-key", "nowhere.pem"], "私钥文件 nowhere.pem"),
    ] {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        let o = ducha(&root, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(expected), "{extra:?}: {err}");
    }
    let with_tls: Vec<&str> = base.iter().copied().chain(["--tls-cert", "cert.pem", "--tls-key", "key.pem"]).collect();
    let (mut child, _lines, banner) = spawn_serve(&root, &with_tls, &[]);
    assert!(banner.contains("https://127.0.0.1:"), "{banner}");
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success());
}

/// A minimal cookie-keeping client over real HTTP for one server.
struct Web {
    addr: String,
    cookies: Vec<(String, String)>,
}

impl Web {
    fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)]) -> http_client::Response {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", http_client::encode(k), http_client::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let cookie: String = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let headers = [("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")];
        let r = http_client::request(&self.addr, method, path, &headers, body.as_bytes()).unwrap();
        for (k, v) in &r.headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                let (name, value) = v.split(';').next().unwrap().split_once('=').unwrap();
                self.cookies.retain(|(n, _)| n != name);
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
        r
    }

    fn login(&mut self, user: &str) {
        let page = self.send("GET", "/login", &[]).text();
        let csrf = serve_util::hidden(&page, "csrf");
        let r = self.send("POST", "/login", &[("csrf", &csrf), ("username", user), ("password", serve_util::PASSWORD)]);
        assert_eq!(r.status, 303, "{}", r.text());
    }
}

/// `ducha serve` run with `DUCHA_NOW` at 07:30 Beijing time (still the day before in UTC) and a
/// `./templates` override in its working directory: the form proposes the Beijing date, and the
/// office's 生成公文 uses the override exactly as `ducha build` does.
#[test]
fn serve_keeps_office_time_and_the_build_overrides() {
    let (root, data) = bundled_copy("serve-now-templates");
    let store = ducha::serve::store::Store::open(&data).unwrap();
    let hash = ducha::serve::auth::hash_password(serve_util::PASSWORD);
    for (u, role, unit) in [("office", Role::Office, None), ("县科技局", Role::Unit, Some("县科技局"))] {
        store.add_user(u, role, unit, &hash).unwrap();
        store.set_password(u, &hash, false).unwrap();
    }
    drop(store);
    std::fs::remove_file(data.join("reports/2023Q3/县科技局.yaml")).unwrap();
    let marker = "本地模板覆盖已生效";
    let builtin =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/notice.typ.j2"));
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(root.join("templates/notice.typ.j2"), format!("{}\n{marker}\n", builtin.unwrap())).unwrap();

    // `lines` is kept open to the end: the server prints again when it stops.
    let (mut child, lines, banner) = spawn_serve(
        &root,
        &["serve", "--data", "data", "--out", "out", "--addr", "127.0.0.1:0"],
        &[("DUCHA_NOW", "2023-10-08T07:30:00")],
    );
    let addr = banner.split("http://").nth(1).unwrap().trim_end_matches('/').to_string();

    let mut unit = Web { addr: addr.clone(), cookies: Vec::new() };
    unit.login("县科技局");
    let page = unit.send("GET", "/report/2023Q3", &[]).text();
    assert!(page.contains("name=\"submitted\" id=\"submitted\" value=\"2023-10-08\""), "{page}");

    let mut office = Web { addr, cookies: Vec::new() };
    office.login("office");
    let page = office.send("GET", "/build/2023Q4", &[]).text();
    let csrf = serve_util::hidden(&page, "csrf");
    let r = office.send("POST", "/build/2023Q4", &[("csrf", &csrf)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(root.join("out/2023Q4/季度进展情况通报.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success());
    let text: String = String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect();
    assert!(text.contains(marker), "the ./templates override is used");

    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success());
    drop(lines);
}
