//! Working days (工作日): the holiday calendar with 调休, for 督办 deadlines, 临期 and 逾期
//! (docs/rules.md §18).
//!
//! A day is a working day when it is a make-up working day (调休上班), else when it is not a day
//! off (放假) and falls Monday to Friday. The official days come from the State Council's annual
//! notices, bundled in `cn.txt` for the years the sample data needs; `office.yaml`
//! `orders.holidays` / `orders.workdays` add or override days. A year without a bundled calendar
//! counts Monday–Friday (plus the office's overrides), and `ducha check` warns about it.

use std::collections::BTreeSet;

use crate::data::model::Date;

/// The bundled official calendar (one entry a line; format in the file's header).
pub const OFFICIAL: &str = include_str!("cn.txt");

/// A working-day calendar: official days off and make-up days, with the office's overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    off: BTreeSet<Date>,
    on: BTreeSet<Date>,
    /// Years with an official calendar, and the notice each comes from.
    years: Vec<(i32, String)>,
}

impl Calendar {
    /// The bundled official calendar (`cn.txt`).
    pub fn official() -> Calendar {
        let (cal, _) = Calendar::parse(OFFICIAL);
        cal
    }

    /// Reads the `cn.txt` format; returns the calendar and the 1-based numbers of lines it could
    /// not read (the bundled file has none: a unit test holds it).
    pub fn parse(text: &str) -> (Calendar, Vec<usize>) {
        let mut cal = Calendar::default();
        let mut bad = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let ok = match (words.next(), words.next()) {
                (Some("year"), Some(y)) => match y.parse::<i32>() {
                    Ok(y) => {
                        cal.years.push((y, words.collect::<Vec<_>>().join(" ")));
                        true
                    }
                    Err(_) => false,
                },
                (Some(kind @ ("off" | "on")), Some(span)) => match span_days(span) {
                    Some(days) => {
                        let set = if kind == "off" { &mut cal.off } else { &mut cal.on };
                        set.extend(days);
                        true
                    }
                    None => false,
                },
                _ => false,
            };
            if !ok {
                bad.push(i + 1);
            }
        }
        (cal, bad)
    }

    /// This calendar with the office's days: `holidays` become days off, `workdays` working days
    /// (each overriding the official entry for that day).
    pub fn with_overrides(mut self, holidays: &[Date], workdays: &[Date]) -> Calendar {
        for d in holidays {
            self.on.remove(d);
            self.off.insert(*d);
        }
        for d in workdays {
            self.off.remove(d);
            self.on.insert(*d);
        }
        self
    }

    /// Whether `year` has an official calendar here.
    pub fn has_official(&self, year: i32) -> bool {
        self.years.iter().any(|(y, _)| *y == year)
    }

    /// The years with an official calendar and the notice each comes from.
    pub fn official_years(&self) -> &[(i32, String)] {
        &self.years
    }

    /// Whether `d` is a working day.
    pub fn is_workday(&self, d: Date) -> bool {
        if self.on.contains(&d) {
            return true;
        }
        !self.off.contains(&d) && weekday(d) < 5
    }

    /// The `n`-th working day after `start` (counting from the day after it; `n = 0` is `start`).
    pub fn add_workdays(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.add_days(1);
            if self.is_workday(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days `d` with `from < d <= to` (0 when `to <= from`).
    pub fn workdays_between(&self, from: Date, to: Date) -> u32 {
        // Counted, not walked: a request lists every item of the register against today, years
        // after some deadlines, so a day-by-day walk cost thousands of lookups an item. Monday to
        // Friday by arithmetic, then the listed days off and make-up days inside the span.
        let (a, b) = (from.days_since_epoch() + 1, to.days_since_epoch());
        if b < a {
            return 0;
        }
        let weekdays = |n: i64| -> i64 {
            // Monday–Friday among the epoch days 0..n (day 0, 1970-01-01, was a Thursday).
            let (weeks, rest) = (n.div_euclid(7), n.rem_euclid(7));
            weeks * 5 + (0..rest).filter(|i| (i + 3) % 7 < 5).count() as i64
        };
        let mut n = weekdays(b + 1) - weekdays(a);
        let (lo, hi) = (from.add_days(1), to);
        n -= self.off.range(lo..=hi).filter(|d| weekday(**d) < 5 && !self.on.contains(d)).count() as i64;
        n += self.on.range(lo..=hi).filter(|d| weekday(**d) >= 5).count() as i64;
        u32::try_from(n.max(0)).unwrap_or(u32::MAX)
    }
}

/// `2023-01-21` or `2023-01-21..2023-01-27` → the days (at most a year's worth).
fn span_days(s: &str) -> Option<Vec<Date>> {
    let (a, b) = match s.split_once("..") {
        Some((a, b)) => (Date::parse(a)?, Date::parse(b)?),
        None => {
            let d = Date::parse(s)?;
            (d, d)
        }
    };
    let n = b.days_since_epoch() - a.days_since_epoch();
    (0..=366).contains(&n).then(|| (0..=n).map(|i| a.add_days(i)).collect())
}

/// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(d: Date) -> i64 {
    (d.days_since_epoch() + 3).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_bundled_calendar_reads_whole() {
        let (cal, bad) = Calendar::parse(OFFICIAL);
        assert!(bad.is_empty(), "unreadable lines {bad:?}");
        assert!(cal.has_official(2023) && cal.has_official(2024) && !cal.has_official(2025));
        // Every make-up day is a weekend day, every listed day off of a holiday is in its year.
        for day in &cal.on {
            assert!(weekday(*day) >= 5, "{day} is a weekday already");
        }
    }

    #[test]
    fn weekdays_are_right() {
        assert_eq!(weekday(d("2024-01-15")), 0, "Monday");
        assert_eq!(weekday(d("2023-10-07")), 5, "Saturday");
    }

    #[test]
    fn worked_examples_of_the_brief() {
        let cal = Calendar::official();
        assert_eq!(cal.add_workdays(d("2024-01-15"), 10), d("2024-01-29"));
        // 春节 2024-02-10…17 off, Sunday 02-18 worked.
        assert_eq!(cal.add_workdays(d("2024-02-05"), 10), d("2024-02-23"));
        assert_eq!(cal.workdays_between(d("2024-02-05"), d("2024-02-23")), 10);
        assert_eq!(cal.add_workdays(d("2024-02-05"), 0), d("2024-02-05"));
    }

    #[test]
    fn holidays_and_make_up_days() {
        let cal = Calendar::official();
        for off in ["2023-01-02", "2023-04-05", "2023-06-22", "2023-10-02", "2024-10-07", "2024-06-10"] {
            assert!(!cal.is_workday(d(off)), "{off}");
        }
        for on in ["2023-01-28", "2023-10-07", "2023-10-08", "2024-02-04", "2024-09-29", "2024-10-12"] {
            assert!(cal.is_workday(d(on)), "{on}");
        }
        // 国庆 2023: from Thursday 09-28, the next working day is Saturday 10-07.
        assert_eq!(cal.add_workdays(d("2023-09-28"), 1), d("2023-10-07"));
        // A year without an official calendar: Monday to Friday.
        assert_eq!(cal.add_workdays(d("2025-01-03"), 1), d("2025-01-06"));
    }

    #[test]
    fn office_overrides_win() {
        let cal = Calendar::official().with_overrides(&[d("2024-01-16")], &[d("2023-10-02")]);
        assert!(!cal.is_workday(d("2024-01-16")));
        assert!(cal.is_workday(d("2023-10-02")));
        assert_eq!(cal.add_workdays(d("2024-01-15"), 10), d("2024-01-30"));
    }

    #[test]
    fn counting_agrees_with_walking_day_by_day() {
        // The arithmetic count against the plain definition, over spans across 2022–2025 (official
        // years and years without a calendar), with office overrides on both kinds of day.
        let cal = Calendar::official()
            .with_overrides(&[d("2024-01-16"), d("2023-12-30")], &[d("2023-10-02"), d("2024-03-03")]);
        let walk = |from: Date, to: Date| {
            let mut n = 0;
            let mut x = from.add_days(1);
            while x <= to {
                n += u32::from(cal.is_workday(x));
                x = x.add_days(1);
            }
            n
        };
        let start = d("2022-12-20");
        for i in (0..1200).step_by(3) {
            let from = start.add_days(i);
            for len in [-3, 0, 1, 2, 5, 6, 7, 8, 13, 30, 45, 100, 400] {
                let to = from.add_days(len);
                assert_eq!(cal.workdays_between(from, to), walk(from, to), "{from}..{to}");
            }
        }
    }
}
