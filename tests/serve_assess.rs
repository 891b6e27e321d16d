//! The 年度考核 pages of `ducha serve` through HTTP (requests sent through the router):
//!
//! - the office and a leader see the whole 考核得分汇总表 (`/assess`): every unit's row with the
//!   score, rank and 等次 of `ducha assess` on the same data, and every line of every 扣分明细;
//! - a unit sees only its own score and 扣分明细 (`/assess/mine`): all of its lines, no other
//!   lead unit's name; `/assess` is 403 for it, `/assess/mine` 403 for the office and leaders;
//! - an `assessment.yaml` written while the server runs changes the next page; a bad one is shown
//!   as `ducha check` words it, with its line and column.

mod serve_util;

use axum::http::StatusCode;
use ducha::assess::rules::fmt;
use ducha::data::model::Date;
use serve_util::*;

const AS_OF: &str = "2024-01-20";

/// `ducha assess`'s figures on the data dir, through the library entry the command uses.
fn expected(data: &std::path::Path) -> ducha::assess::score::Assessment {
    let (ds, rules, register) = ducha::assess::load(data).map_err(|e| e.diagnostics).unwrap();
    let last = ds.latest_period().unwrap();
    let year = ducha::status::evaluate_year(&ds, last);
    let as_of = Date::parse(AS_OF).unwrap();
    let orders = ducha::assess::order_facts(&register, ds.plan.year, as_of);
    ducha::assess::score::score(&ds, &year, &orders, &rules, as_of)
}

/// The text of the page's table cells, in order.
fn cells(html: &str) -> Vec<String> {
    html.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap().to_string()).collect()
}

#[tokio::test]
async fn office_and_leader_see_the_sheet_a_unit_only_its_own_lines() {
    let (app, root) = app("assess-pages");
    let want = expected(&root.join("data"));
    assert!(want.units.len() > 10);
    for user in ["office", "leader"] {
        let mut c = logged_in(&app, user).await;
        let r = c.get(&format!("/assess?as_of={AS_OF}")).await;
        assert_eq!(r.status, StatusCode::OK, "{user}: {}", r.text());
        let html = r.text();
        let cells = cells(&html);
        // The sheet: one row of eight cells per scored unit, ranked, then the units not scored.
        for (i, u) in want.units.iter().enumerate() {
            let row = &cells[i * 8..i * 8 + 8];
            assert_eq!(row[0], u.unit);
            assert_eq!(row[1], u.tasks.to_string());
            assert_eq!(row[4], fmt(u.score), "{}", u.unit);
            assert_eq!(row[5], u.rank.to_string());
            assert_eq!(row[6], u.grade);
            assert!(html.contains(&format!("{}：得分 {}，{}", u.unit, fmt(u.score), u.grade)), "{}", u.unit);
            for l in &u.lines {
                assert!(html.contains(&l.source.describe()), "{user}: {}", l.source.describe());
            }
        }
        for (k, u) in want.not_scored.iter().enumerate() {
            assert_eq!(cells[(want.units.len() + k) * 8], *u);
        }
        // A leader's and the office's page links to it from the header.
        assert!(html.contains("href=\"/assess\""));
        let r = c.get("/assess/mine").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user} on /assess/mine");
    }

    // 县发展改革局 has lines in the bundled year; 县科技局 none.
    for me_name in ["县发展改革局", "县科技局"] {
        let mut unit = logged_in(&app, me_name).await;
        assert_eq!(unit.get("/assess").await.status, StatusCode::FORBIDDEN);
        let r = unit.get(&format!("/assess/mine?as_of={AS_OF}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        let me = want.units.iter().find(|u| u.unit == me_name).unwrap();
        assert_eq!(me.lines.is_empty(), me_name == "县科技局");
        assert!(html.contains(&format!("{me_name}：得分 {}，{}", fmt(me.score), me.grade)));
        for l in &me.lines {
            assert!(html.contains(&l.source.describe()), "{}", l.source.describe());
        }
        assert_eq!(cells(&html).len(), me.lines.len() * 3, "only its own lines");
        for other in want.units.iter().filter(|u| u.unit != me_name) {
            assert!(!html.contains(&other.unit), "{} shown to {me_name}", other.unit);
        }
        assert!(!html.contains("排名"), "no rank shown to a unit");
    }
}

#[tokio::test]
async fn rules_written_while_serving_are_used_and_a_bad_file_is_shown_located() {
    let (app, root) = app("assess-rules-live");
    let data = root.join("data");
    let mut c = logged_in(&app, "office").await;
    let first = c.get(&format!("/assess?as_of={AS_OF}")).await.text();
    std::fs::write(data.join("assessment.yaml"), "base: 90\n").unwrap();
    let want = expected(&data);
    let html = c.get(&format!("/assess?as_of={AS_OF}")).await.text();
    assert_ne!(first, html);
    let top = &want.units[0];
    assert!(html.contains(&format!("{}：得分 {}，{}", top.unit, fmt(top.score), top.grade)), "{html}");
    std::fs::write(data.join("assessment.yaml"), "base: 90\nmedia: 5\n").unwrap();
    let r = c.get(&format!("/assess?as_of={AS_OF}")).await;
    let html = r.text();
    assert!(html.contains("未知字段 `media`") && html.contains("assessment.yaml:2:1"), "{html}");
    assert!(!html.contains("得分 "), "no sheet from bad rules");
}
