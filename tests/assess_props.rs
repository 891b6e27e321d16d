//! Property tests of the 年度考核 (docs/rules.md §17), through the library on the bundled data
//! (`ducha::data::check`, `status::evaluate_year`, `assess::score::score`):
//!
//! - making any report late (its `submitted` moved past the deadline), or adding a second, later
//!   report file for a unit that already reported, never raises any unit's score;
//! - closing an order on time never lowers a score, whatever the other orders, the deadline and
//!   the assessment date;
//! - permuting the order of the report files within each quarter changes nothing (the whole
//!   assessment, its JSON and its PDF/xlsx-shared rows);
//! - every score is between the floor and base + the sum of its positive lines, and equal scores
//!   share a rank.

use std::sync::OnceLock;

use ducha::assess::rules::Rules;
use ducha::assess::score::{score, Assessment, OrderFacts};
use ducha::data::model::{Dataset, Date, Period};
use proptest::prelude::*;

fn bundled() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        let checked = ducha::data::check(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
        checked.dataset.expect("the bundled data validates")
    })
}

fn run(ds: &Dataset, orders: &[OrderFacts], as_of: Date) -> Assessment {
    let last = ds.latest_period().unwrap();
    let year = ducha::status::evaluate_year(ds, last);
    score(ds, &year, orders, &Rules::default(), as_of)
}

fn score_of<'a>(a: &'a Assessment, unit: &str) -> &'a ducha::assess::score::UnitScore {
    a.units.iter().find(|u| u.unit == unit).unwrap()
}

fn as_of() -> Date {
    Date::parse("2024-01-20").unwrap()
}

/// Report (period index, report index) picked from two numbers.
fn pick(ds: &Dataset, i: usize, j: usize) -> (Period, usize) {
    let periods = ds.periods();
    let p = periods[i % periods.len()];
    (p, j % ds.reports_for(p).len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_late_report_never_raises_a_score(i in 0usize..100, j in 0usize..1000, days in 1i64..80, extra in any::<bool>()) {
        let ds = bundled();
        let before = run(ds, &[], as_of());
        let mut changed = ds.clone();
        let (p, k) = pick(ds, i, j);
        let deadline = ds.office.deadline(p);
        let list = changed.reports.get_mut(&p).unwrap();
        if extra {
            let mut r = list[k].clone();
            r.submitted = deadline.add_days(days);
            r.file = format!("{}-补报.yaml", r.file.trim_end_matches(".yaml"));
            list.push(r);
        } else {
            list[k].submitted = deadline.add_days(days);
        }
        let after = run(&changed, &[], as_of());
        for u in &before.units {
            prop_assert!(score_of(&after, &u.unit).score <= u.score, "{} rose", u.unit);
        }
    }

    #[test]
    fn closing_an_order_on_time_never_lowers_a_score(
        orders in prop::collection::vec((0usize..50, 0i64..60, prop::option::of(-20i64..40), 0u32..3), 1..6),
        which in 0usize..6,
        early in 0i64..20,
        as_of_day in 0i64..90,
    ) {
        let ds = bundled();
        let units = ds.plan.lead_units();
        let start = Date::parse("2024-01-01").unwrap();
        let facts: Vec<OrderFacts> = orders
            .iter()
            .enumerate()
            .map(|(n, (u, d, closed, returns))| {
                let deadline = start.add_days(*d);
                OrderFacts {
                    number: format!("督办〔2024〕{}号", n + 1),
                    units: vec![units[u % units.len()].to_string()],
                    deadline,
                    closed: closed.map(|c| deadline.add_days(c)),
                    // Closed on a reply a few days before 办结, or without one.
                    answered: closed.filter(|c| c % 3 != 0).map(|c| deadline.add_days(c - c.rem_euclid(4))),
                    returns: *returns,
                }
            })
            .collect();
        let as_of = start.add_days(as_of_day);
        let before = run(ds, &facts, as_of);
        let mut on_time = facts.clone();
        let k = which % on_time.len();
        on_time[k].closed = Some(on_time[k].deadline.add_days(-early));
        on_time[k].answered = on_time[k].answered.map(|_| on_time[k].deadline.add_days(-early - 1));
        let after = run(ds, &on_time, as_of);
        for u in &before.units {
            prop_assert!(score_of(&after, &u.unit).score >= u.score, "{} fell", u.unit);
        }
    }

    #[test]
    fn permuting_report_files_changes_nothing(seed in any::<u64>()) {
        let ds = bundled();
        let before = run(ds, &[], as_of());
        let mut shuffled = ds.clone();
        let mut x = seed | 1;
        for list in shuffled.reports.values_mut() {
            // Fisher–Yates with a xorshift stream.
            for i in (1..list.len()).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                list.swap(i, (x % (i as u64 + 1)) as usize);
            }
        }
        let after = run(&shuffled, &[], as_of());
        prop_assert_eq!(&after, &before);
        prop_assert_eq!(ducha::assess::view::json(&after), ducha::assess::view::json(&before));
        prop_assert_eq!(ducha::assess::view::sheet_rows(&after), ducha::assess::view::sheet_rows(&before));
    }
}

#[test]
fn scores_are_within_bounds_and_equal_scores_share_a_rank() {
    let a = run(bundled(), &[], as_of());
    let r = Rules::default();
    for (i, u) in a.units.iter().enumerate() {
        assert!(u.score >= r.floor && u.score <= r.base + u.plus, "{}", u.unit);
        if i > 0 {
            let prev = &a.units[i - 1];
            assert!(prev.score >= u.score);
            assert_eq!(prev.score == u.score, prev.rank == u.rank, "{} / {}", prev.unit, u.unit);
            if prev.score > u.score {
                assert_eq!(u.rank, i + 1);
            }
        }
    }
}

/// The properties above are not vacuous: an on-time report made late costs its unit exactly the
/// rule's 0.1, and nobody else anything.
#[test]
fn a_report_made_late_costs_its_unit_the_rule_and_nobody_else() {
    let ds = bundled();
    let before = run(ds, &[], as_of());
    let p = ds.periods()[1];
    let deadline = ds.office.deadline(p);
    let k = ds.reports_for(p).iter().position(|r| r.submitted <= deadline).expect("an on-time report");
    let unit = ds.reports_for(p)[k].unit.clone();
    assert!(ds.reports_for(p).iter().filter(|r| r.unit == unit).count() == 1, "one file");
    let mut changed = ds.clone();
    changed.reports.get_mut(&p).unwrap()[k].submitted = deadline.add_days(3);
    let after = run(&changed, &[], as_of());
    for u in &before.units {
        let now = score_of(&after, &u.unit).score;
        if u.unit == unit {
            assert_eq!(u.score - now, "0.1".parse().unwrap(), "{unit}");
        } else {
            assert_eq!(now, u.score, "{}", u.unit);
        }
    }
}
