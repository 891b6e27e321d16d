//! The web door keeps what units type and says what the rules say (issue #22 §1, §2, §6), over
//! HTTP through the router: a draft typed over an older file is shown beside the newer file and
//! never overwrites it blindly; figures round-trip with every digit; an empty submission names
//! the fields to fill; an expired session keeps the typed text; sessions slide with a cap; only
//! the offered self-assessments; the submission state comes from the file; a Chinese 413; prefill
//! from the latest earlier report; shared tasks warn about 指标调整说明; the office clock
//! (before 08:00 Beijing time); the dashboard's 督办事项, colours and default period are the
//! pipeline's; pages say the web's words and render Markdown.

mod serve_util;

use axum::http::StatusCode;
use ducha::data::model::{Light, Period, Status};
use serve_util::*;

const PERIOD: &str = "2023Q4";
const UNIT: &str = "县科技局";

fn report_file(root: &std::path::Path, period: &str, unit: &str) -> std::path::PathBuf {
    root.join("data/reports").join(period).join(format!("{unit}.yaml"))
}

/// The page's form as it would be posted unchanged, with `action` and the given fields replaced.
fn form_of(html: &str, action: &str, set: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = extract_inputs(html)
        .into_iter()
        .filter(|(k, _)| k != "overwrite" && !set.iter().any(|(s, _)| s == k))
        .collect();
    form.push(("action".into(), action.into()));
    form.extend(set.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    form
}

async fn post(c: &mut Client, uri: &str, form: &[(String, String)]) -> Resp {
    let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.send("POST", uri, &f).await
}

fn raw(path: &std::path::Path) -> ducha::data::raw::RawReport {
    serde_yaml::from_str(&read(path)).unwrap()
}

/// The lead tasks of a unit, from the plan as `ducha check` reads it.
fn lead_tasks(root: &std::path::Path, unit: &str) -> Vec<u32> {
    let ds = ducha::data::check(&root.join("data")).dataset.unwrap();
    ds.plan.tasks.iter().filter(|t| t.lead_units.iter().any(|u| u == unit)).map(|t| t.number).collect()
}

/// A draft saved, then the file changed on disk: the reopened form warns, shows both versions
/// side by side, and a submit is refused until the unit explicitly chooses; discarding the draft
/// brings the newer file back.
#[tokio::test]
async fn a_stale_draft_never_overwrites_a_newer_file() {
    let (app, root) = app("form-stale-draft");
    let file = report_file(&root, PERIOD, UNIT);
    let uri = format!("/report/{PERIOD}");
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get(&uri).await.text();
    let r = post(&mut c, &uri, &form_of(&page, "save", &[("t1_progress", "草稿里的进展")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The office changes the file (as `ducha import` or a hand edit would).
    let newer = read(&file).replace("孙晓燕", "王立新");
    assert_ne!(newer, read(&file));
    std::fs::write(&file, &newer).unwrap();

    let page = c.get(&uri).await.text();
    assert!(page.contains("草稿保存之后，本季度的报告文件已被修改"), "{page}");
    let diff =
        page.split("id=\"conflict\"").nth(1).expect("the differences are shown").split("</section>").next().unwrap();
    let row = diff.split("data-field=\"contact\"").nth(1).expect("contact differs").split("</tr>").next().unwrap();
    assert!(row.contains("王立新") && row.contains("孙晓燕"), "both versions: {row}");
    assert!(diff.contains("草稿里的进展"), "{diff}");
    // Submitting the draft as it is: refused, the newer file stays.
    let r = post(&mut c, &uri, &form_of(&page, "submit", &[])).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(read(&file), newer);
    let refused = r.text();
    assert!(refused.contains("草稿里的进展"), "the typed text stays on the page");
    // Choosing to overwrite, having seen the differences: written.
    let current = hidden_value(&refused, "overwrite");
    let r = post(&mut c, &uri, &form_of(&refused, "submit", &[("overwrite", &current)])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let written = raw(&file);
    assert_eq!(written.contact.as_deref(), Some("孙晓燕"));
    assert_eq!(written.entries.iter().find(|e| e.task == 1).unwrap().progress, "草稿里的进展\n");

    // Again, and this time the unit keeps the newer file: the draft is dropped.
    let page = c.get(&uri).await.text();
    let r = post(&mut c, &uri, &form_of(&page, "save", &[("t1_progress", "又一份草稿")])).await;
    assert_eq!(r.status, StatusCode::OK);
    let newest = read(&file).replace("孙晓燕", "赵敏");
    std::fs::write(&file, &newest).unwrap();
    let page = c.get(&uri).await.text();
    assert!(page.contains("id=\"discard\""));
    let r = post(&mut c, &uri, &form_of(&page, "discard", &[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&uri).await.text();
    assert!(page.contains("赵敏") && !page.contains("又一份草稿") && !page.contains("id=\"conflict\""));
    assert_eq!(read(&file), newest);
}

/// A figure with four decimals is shown with all of them, and the unchanged form writes it back
/// unchanged.
#[tokio::test]
async fn figures_round_trip_exactly() {
    let (app, root) = app("form-digits");
    let file = report_file(&root, PERIOD, UNIT);
    let text = read(&file);
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let entries = yaml["entries"].as_sequence_mut().unwrap();
    let e = entries.iter_mut().find(|e| e["task"].as_u64() == Some(2)).unwrap();
    e["values"][0]["value"] = serde_yaml::Value::from(12.3456);
    std::fs::write(&file, serde_yaml::to_string(&yaml).unwrap()).unwrap();
    let uri = format!("/report/{PERIOD}");
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get(&uri).await.text();
    let shown = extract_inputs(&page).into_iter().find(|(k, _)| k == "t2_v1").unwrap().1;
    assert_eq!(shown, "12.3456");
    let r = post(&mut c, &uri, &form_of(&page, "submit", &[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let e = raw(&file).entries.into_iter().find(|e| e.task == 2).unwrap();
    assert_eq!(e.values[0].value, 12.3456);
}

/// An empty form submitted: every task's 进展情况 and the contact fields are named, no program
/// error; a phone that is no number and an empty 联系人 are refused.
#[tokio::test]
async fn an_empty_submission_names_the_fields_to_fill() {
    let (app, root) = app("form-empty");
    let file = report_file(&root, PERIOD, UNIT);
    let before = read(&file);
    let uri = format!("/report/{PERIOD}");
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get(&uri).await.text();
    let form = vec![
        ("csrf".to_string(), hidden(&page, "csrf")),
        ("version".to_string(), hidden(&page, "version")),
        ("action".to_string(), "submit".to_string()),
    ];
    let r = post(&mut c, &uri, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(!text.contains("程序错误") && !text.contains("expected"), "{text}");
    for t in lead_tasks(&root, UNIT) {
        assert!(
            text.contains(&format!("data-field=\"t{t}_progress\">错误：第 {t} 项任务尚未填写进展情况")),
            "task {t}: {text}"
        );
    }
    assert!(text.contains("data-field=\"contact\">错误：请填写联系人"));
    assert!(text.contains("data-field=\"phone\">错误：请填写联系电话"));
    assert_eq!(read(&file), before);

    // A non-number in a figure: its own error, and no rule speaks of a reported 0.
    let r = post(&mut c, &uri, &form_of(&page, "submit", &[("t2_v1", "abc"), ("t2_claim", "已完成")])).await;
    let text = r.text();
    assert!(text.contains("data-field=\"t2_v1\">错误：第 2 项任务第 1 个指标的完成数值 “abc” 不是有效数字"), "{text}");
    assert!(!text.contains("报送 0"), "{text}");

    let r = post(&mut c, &uri, &form_of(&page, "submit", &[("phone", "abc"), ("contact", "")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("data-field=\"phone\">错误：联系电话 “abc” 不像电话号码"), "{text}");
    assert!(text.contains("data-field=\"contact\">错误：请填写联系人"));
    // The errors are listed at the top, each linking to its field; the first gets the focus.
    let list = text.split("id=\"errors\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(list.contains("href=\"#contact\"") && list.contains("href=\"#phone\""), "{list}");
    assert!(text.contains("name=\"contact\" id=\"contact\" value=\"\" autofocus"), "{text}");
    assert_eq!(read(&file), before);
}

/// A POST after the session ended keeps what was typed: the login page says the session ended,
/// carries the text, and after logging in the text is the unit's draft.
#[tokio::test]
async fn an_expired_session_keeps_the_typed_text() {
    let (app, _root) = app("form-expired");
    let t0 = 1_700_000_000;
    app.set_now(t0);
    let uri = format!("/report/{PERIOD}");
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get(&uri).await.text();
    app.set_now(t0 + ducha::serve::SESSION_TTL_SECS + 60);
    let typed = "会话过期前输入的进展\n第二行";
    let r = post(&mut c, &uri, &form_of(&page, "submit", &[("t1_progress", typed)])).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let login = r.text();
    assert!(login.contains("登录已过期") && !login.contains("无权访问"), "{login}");
    assert_eq!(ducha::serve::http_client::unescape(&hidden(&login, "keep.t1_progress")), typed);
    // Log in from that page (its hidden fields go along).
    let mut form = extract_inputs(&login);
    form.retain(|(k, _)| k != "username" && k != "password");
    form.push(("username".into(), UNIT.into()));
    form.push(("password".into(), PASSWORD.into()));
    let r = post(&mut c, "/login", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), uri);
    let page = c.get(&uri).await.text();
    assert!(page.contains("以下是尚未提交的草稿"), "{page}");
    assert!(page.contains("会话过期前输入的进展\n第二行"));
}

/// Sessions slide while in use and end after the absolute cap however busy.
#[tokio::test]
async fn sessions_slide_with_an_absolute_cap() {
    let (app, _root) = app("form-sliding");
    let ttl = ducha::serve::SESSION_TTL_SECS;
    let t0 = 1_700_000_000;
    app.set_now(t0);
    let mut c = logged_in(&app, "office").await;
    let mut t = t0;
    // Used every 3/4 of the idle time: alive past the idle time.
    while t + ttl * 3 / 4 < t0 + ducha::serve::SESSION_MAX_SECS {
        t += ttl * 3 / 4;
        app.set_now(t);
        assert_eq!(c.get("/dashboard").await.status, StatusCode::OK, "at +{}s", t - t0);
    }
    assert!(t - t0 > ttl, "the test went past the idle time");
    app.set_now(t0 + ducha::serve::SESSION_MAX_SECS + 1);
    assert_eq!(c.get("/dashboard").await.location(), "/login", "capped");
    // Left idle: gone after the idle time.
    let mut d = logged_in(&app, "office").await;
    // (The clock runs on from `set_now`: logging in takes a moment.)
    app.set_now(app.store.now() + ttl + 60);
    assert_eq!(d.get("/dashboard").await.location(), "/login");
}

/// A crafted 未报送 self-assessment is refused; `?done=1` says nothing without a submission; the
/// page says whether the quarter's report is in.
#[tokio::test]
async fn claims_submission_state_and_oversized_bodies() {
    let (app, root) = app("form-claims");
    let file = report_file(&root, PERIOD, UNIT);
    let before = read(&file);
    let uri = format!("/report/{PERIOD}");
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get(&uri).await.text();
    assert!(!page.contains("<option>未报送</option>"));
    let r = post(&mut c, &uri, &form_of(&page, "submit", &[("t1_claim", "未报送")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("data-field=\"t1_claim\">错误：第 1 项任务的自评状态 “未报送” 不是可选的状态"));
    assert_eq!(read(&file), before);

    let submitted = raw(&file).submitted;
    let page = c.get(&format!("{uri}?done=1")).await.text();
    assert!(!page.contains("报告已提交"), "no submission was made");
    assert!(page.contains(&format!("本季度报告已报送（报送日期 {submitted}）")), "{page}");
    std::fs::remove_file(report_file(&root, "2023Q3", UNIT)).unwrap();
    let page = c.get("/report/2023Q3?done=1").await.text();
    assert!(page.contains("本季度报告尚未报送") && !page.contains("报告已提交"));

    let big = format!("csrf=x&t1_progress={}", "a".repeat(ducha::serve::BODY_LIMIT + 1));
    let r = c.send_raw("POST", &uri, big.into_bytes()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(r.text().contains("提交的内容太多") && r.text().contains("256 KB"), "{}", r.text());
}

/// Without this quarter's and the previous quarter's report, the form starts from the latest
/// earlier one.
#[tokio::test]
async fn prefill_from_the_latest_earlier_report() {
    let (app, root) = app("form-prefill");
    for p in ["2023Q4", "2023Q3"] {
        std::fs::remove_file(report_file(&root, p, UNIT)).unwrap();
    }
    let q2 = raw(&report_file(&root, "2023Q2", UNIT));
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get(&format!("/report/{PERIOD}")).await.text();
    assert!(page.contains("已按2023年第二季度的报告预填"), "{page}");
    let fields = extract_inputs(&page);
    let e = &q2.entries[0];
    let shown = fields.iter().find(|(k, _)| *k == format!("t{}_progress", e.task)).unwrap();
    assert_eq!(shown.1, e.progress.trim_end());
}

/// A task led with other units: the form says before submitting that an 指标调整说明 turns it to
/// 其他 for all of them, and a typed one is flagged.
#[tokio::test]
async fn shared_tasks_warn_about_adjustments() {
    let (app, root) = app("form-shared");
    let ds = ducha::data::check(&root.join("data")).dataset.unwrap();
    let shared =
        ds.plan.tasks.iter().find(|t| t.lead_units.len() > 1 && t.lead_units.iter().any(|u| u == UNIT)).unwrap();
    let alone = ds.plan.tasks.iter().find(|t| t.lead_units.len() == 1 && t.lead_units[0] == UNIT).unwrap();
    let uri = format!("/report/{PERIOD}");
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get(&uri).await.text();
    let n = shared.number;
    let note = page.split(&format!("id=\"t{n}_shared\">")).nth(1).expect("note on the shared task");
    let other = shared.lead_units.iter().find(|u| *u != UNIT).unwrap();
    assert!(note.split("</p>").next().unwrap().contains(other.as_str()));
    assert!(!page.contains(&format!("id=\"t{}_shared\"", alone.number)));
    let key = format!("t{n}_adjustment");
    let r = post(&mut c, &uri, &form_of(&page, "save", &[(&key, "指标调整为 3 家")])).await;
    assert!(r.text().contains(&format!("data-field=\"{key}\">提示：第 {n} 项任务由本单位与")), "{}", r.text());
}

/// 2023-10-08 07:30 in Beijing (still the 7th in UTC): the form proposes the 8th as 报送日期, the
/// dashboard counts overdue days from the 8th, revision times are Beijing time.
#[tokio::test]
async fn the_office_clock_before_eight_in_beijing() {
    let (app, root) = app("form-clock");
    let at = ducha::clock::parse_instant("2023-10-07T23:30:00Z", 0).unwrap();
    app.set_now(at);
    std::fs::remove_file(report_file(&root, "2023Q3", UNIT)).unwrap();
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get("/report/2023Q3").await.text();
    assert_eq!(hidden_value(&page, "submitted"), "2023-10-08");

    let mut o = logged_in(&app, "office").await;
    let d = o.get("/dashboard?period=2023Q3").await.text();
    let ds = ducha::data::check(&root.join("data")).dataset.unwrap();
    let deadline = ds.office.deadline(Period::parse("2023Q3").unwrap());
    let days = ducha::data::model::Date::parse("2023-10-08").unwrap().days_since_epoch() - deadline.days_since_epoch();
    assert!(d.contains(&format!("<li>{UNIT}：已逾期 {days} 天</li>")), "{days} days: {d}");

    let r = post(&mut c, "/report/2023Q3", &form_of(&page, "submit", &[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = c.get("/report/2023Q3").await.text();
    assert!(page.contains("2023-10-08 07:3") && page.contains("（北京时间）") && !page.contains("UTC"), "{page}");
    let t = o.get("/task/1?period=2023Q3").await.text();
    assert!(t.contains("2023-10-08 07:3") && !t.contains("UTC"), "{t}");
}

fn hidden_value(html: &str, name: &str) -> String {
    extract_inputs(html).into_iter().find(|(k, _)| k == name).unwrap().1
}

/// The dashboard's 督办事项 are the notice's: every red task with a lead unit (not 未报送) is
/// there; its status counts are coloured by each task's judged light; its default period is the
/// one `ducha stats` picks.
#[tokio::test]
async fn the_dashboard_uses_the_pipelines_rules() {
    let (app, root) = app("form-dashboard");
    let data = root.join("data");
    // A task of the unit's alone reported as all zeros in Q4: 未启动 past its first three months,
    // so red, and red for the first time, so not escalated — yet it gets a 督办通知单.
    let file = report_file(&root, PERIOD, UNIT);
    let original = read(&file);
    let period = Period::parse(PERIOD).unwrap();
    let mut zeroed = None;
    for task in lead_tasks(&root, UNIT) {
        let mut yaml: serde_yaml::Value = serde_yaml::from_str(&original).unwrap();
        let Some(e) =
            yaml["entries"].as_sequence_mut().unwrap().iter_mut().find(|e| e["task"].as_u64() == Some(task.into()))
        else {
            continue;
        };
        let Some(values) = e["values"].as_sequence_mut().filter(|v| !v.is_empty()) else { continue };
        for v in values {
            v["value"] = serde_yaml::Value::from(0);
        }
        e.as_mapping_mut().unwrap().remove("claim");
        std::fs::write(&file, serde_yaml::to_string(&yaml).unwrap()).unwrap();
        let ds = ducha::data::check(&data).dataset.unwrap();
        let year = ducha::status::evaluate_year(&ds, period);
        let t = year.last().unwrap().task(task).unwrap();
        let summary = ducha::aggregate::summarize(&ds, &year);
        let escalated = summary.escalated_tasks().contains(&task);
        if (t.status, t.light) == (Status::NotStarted, Light::Red) && !escalated {
            zeroed = Some(task);
            break;
        }
        std::fs::write(&file, &original).unwrap();
    }
    let zeroed = zeroed.expect("a task of the unit's that turns red 未启动 when zeroed");
    let ds = ducha::data::check(&data).dataset.unwrap();
    let mut o = logged_in(&app, "office").await;
    let mut red_seen = false;
    for q in 1..=4 {
        let period = Period { year: ds.plan.year, quarter: q };
        let year = ducha::status::evaluate_year(&ds, period);
        let d = o.get(&format!("/dashboard?period={period}")).await.text();
        let items = d.split("<h2>督办事项</h2>").nth(1).unwrap().split("</section>").next().unwrap();
        for t in &year.last().unwrap().tasks {
            if t.light == Light::Red && t.status != Status::NotReported && !t.lead_units.is_empty() {
                red_seen = true;
                assert!(items.contains(&format!("第{}项“", t.task)), "{period} red task {}: {items}", t.task);
            }
        }
        let pills = d.split("class=\"counts\"").nth(1).unwrap().split("</p>").next().unwrap();
        for st in Status::ALL {
            for light in [Light::Green, Light::Yellow, Light::Red] {
                let n = year.last().unwrap().tasks.iter().filter(|t| t.status == st && t.light == light).count();
                let pill = format!(
                    "<span class=\"pill {}\" title=\"{}\">{} {n}</span>",
                    light.id(),
                    light.label(),
                    st.label()
                );
                assert_eq!(pills.contains(&pill), n > 0, "{period} {pill}: {pills}");
            }
        }
    }
    assert!(red_seen, "there are red tasks");
    let d = o.get(&format!("/dashboard?period={PERIOD}")).await.text();
    assert!(d.contains(&format!("第{zeroed}项“")), "the zeroed task {zeroed} is a 督办事项");

    // Default period: with 2023Q4's reports gone (its folder stays, with a notice.md), the one
    // `ducha stats` reports on.
    let q4 = data.join("reports/2023Q4");
    for e in std::fs::read_dir(&q4).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
    }
    std::fs::write(q4.join("notice.md"), "## 结语\n\n好。\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(["stats", "--json", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli = Period::parse(json["period"].as_str().unwrap()).unwrap();
    let d = o.get("/dashboard").await.text();
    assert!(d.contains(&format!("<h1>{}年{}重点工作任务总览</h1>", cli.year, cli.chinese_quarter())), "{cli}: {d}");
}

/// Messages from the rules in the web's words (no YAML keys, no flags, no `-->`), and narratives
/// rendered as Markdown on the task page.
#[tokio::test]
async fn pages_say_the_webs_words_and_render_markdown() {
    let (app, root) = app("form-words");
    let uri = format!("/report/{PERIOD}");
    let mut c = logged_in(&app, UNIT).await;
    let page = c.get(&uri).await.text();
    // 进展情况 emptied while a figure stays: the rule's message, in the form's words.
    let r = post(&mut c, &uri, &form_of(&page, "submit", &[("t2_progress", "")])).await;
    let text = r.text();
    assert!(text.contains("第 2 项任务的进展情况为空"), "{text}");
    assert!(!text.contains("progress`") && !text.contains("`progress"), "{text}");

    let md = "**重点突破**两项：\n\n- 甲项完成\n- 乙项推进\n\n<b>不是标记</b>";
    let r = post(&mut c, &uri, &form_of(&page, "submit", &[("t2_progress", md)])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mut o = logged_in(&app, "office").await;
    let t = o.get(&format!("/task/2?period={PERIOD}")).await.text();
    assert!(t.contains("<strong>重点突破</strong>两项") && t.contains("<li>甲项完成</li>"), "{t}");
    assert!(t.contains("&lt;b&gt;不是标记&lt;/b&gt;"), "{t}");

    // A character only a fallback face has: the build warns; the page says what to do on the
    // web, and where, without flags or arrows.
    let file = report_file(&root, PERIOD, UNIT);
    std::fs::write(&file, read(&file).replace("孙晓燕", "孙\u{30EDD}燕")).unwrap();
    let b = o.get(&format!("/build/{PERIOD}")).await.text();
    let csrf = hidden(&b, "csrf");
    let r = o.send("POST", &format!("/build/{PERIOD}"), &[("csrf", &csrf)]).await;
    let text = ducha::serve::http_client::unescape(&r.text());
    assert!(text.contains("U+30EDD"), "{text}");
    assert!(text.contains("位置：") && text.contains("fonts/"), "{text}");
    for cli in ["--font-path", "-->", "--period", "--revise"] {
        assert!(!text.contains(cli), "{cli}: {text}");
    }
}

/// The form has no place for 需协调事项 yet: a report submitted again through the web keeps those
/// its file raised (they are part of the record, docs/rules.md §19).
#[tokio::test]
async fn resubmitting_keeps_the_coordination_items() {
    let (unit, period) = ("县发展改革局", "2023Q3");
    let (app, root) = app("form-coordination");
    let file = report_file(&root, period, unit);
    let before = raw(&file);
    let raised: Vec<_> = before.entries.iter().filter(|e| !e.coordination.is_empty()).cloned().collect();
    assert!(!raised.is_empty(), "the bundled {unit} {period} report raises 需协调事项");
    let uri = format!("/report/{period}");
    let mut c = logged_in(&app, unit).await;
    let page = c.get(&uri).await.text();
    let r = post(&mut c, &uri, &form_of(&page, "submit", &[("contact", "周新")])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let after = raw(&file);
    assert_eq!(after.contact.as_deref(), Some("周新"), "the submission was written");
    for e in raised {
        let now = after.entries.iter().find(|x| x.task == e.task).expect("task kept");
        assert_eq!(now.coordination, e.coordination, "task {}", e.task);
    }
}
