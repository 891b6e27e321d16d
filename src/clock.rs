//! The office clock (办公时钟): one time zone decides every date a rule or a user sees.
//!
//! A county office on UTC+8 must never see “yesterday” before 08:00 because a server runs on UTC:
//! the date proposed as 报送日期 (which decides 迟报), overdue days, revision times and every
//! “today” a rule needs come from [`OfficeClock`], built from `office.yaml` `timezone` (default
//! `Asia/Shanghai`). Mainland China has kept one offset without daylight saving time since 1991,
//! so a zone is a name and a fixed offset; no time-zone database is needed (docs/rules.md §15).
//!
//! Tests (and an office rehearsing a date) set `DUCHA_NOW` (`2024-01-15T07:30:00`, office time,
//! or with `Z` / `+08:00`; a bare date means 09:00 office time): the clock then starts at that
//! instant and runs on from there, so session expiry and revision times stay consistent.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::data::model::Date;

/// Environment variable that sets the office clock's current instant (tests, rehearsals).
pub const NOW_ENV: &str = "DUCHA_NOW";

/// A time zone as the office names it: an IANA name or `UTC±HH:MM`, and its fixed offset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimeZone {
    /// As written in office.yaml (`Asia/Shanghai`, `UTC+08:00`).
    pub name: String,
    /// Seconds east of UTC.
    pub offset_secs: i32,
}

/// Zone names accepted besides `UTC±HH:MM`, with their offsets (no daylight saving time in any of
/// them since 1991).
static KNOWN_ZONES: [(&str, i32); 9] = [
    ("Asia/Shanghai", 8 * 3600),
    ("Asia/Chongqing", 8 * 3600),
    ("Asia/Harbin", 8 * 3600),
    ("Asia/Urumqi", 6 * 3600),
    ("Asia/Hong_Kong", 8 * 3600),
    ("Asia/Macau", 8 * 3600),
    ("Asia/Taipei", 8 * 3600),
    ("PRC", 8 * 3600),
    ("UTC", 0),
];

impl Default for TimeZone {
    /// `Asia/Shanghai` (北京时间, UTC+8).
    fn default() -> Self {
        TimeZone { name: "Asia/Shanghai".into(), offset_secs: 8 * 3600 }
    }
}

impl TimeZone {
    /// Reads `Asia/Shanghai`-style names of [`KNOWN_ZONES`], `UTC`, `UTC+8`, `UTC+08:00`,
    /// `+08:00`; `None` for anything else.
    pub fn parse(s: &str) -> Option<TimeZone> {
        let s = s.trim();
        if let Some((name, offset)) = KNOWN_ZONES.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
            return Some(TimeZone { name: (*name).to_owned(), offset_secs: *offset });
        }
        let rest = s.strip_prefix("UTC").or_else(|| s.strip_prefix("GMT")).unwrap_or(s);
        let offset = parse_offset(rest)?;
        Some(TimeZone { name: s.to_owned(), offset_secs: offset })
    }

    /// The names `parse` accepts, for a hint.
    pub fn known_names() -> impl Iterator<Item = &'static str> {
        KNOWN_ZONES.iter().map(|(n, _)| *n)
    }
}

/// `+8`, `+08`, `+08:00`, `-05:30` → seconds (at most ±14 h).
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None => (rest, "0"),
    };
    if h.is_empty() || h.len() > 2 || m.len() > 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 || (h == 14 && m > 0) {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A `DUCHA_NOW` value that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("环境变量 DUCHA_NOW=“{0}” 无法识别：应写成 2024-01-15、2024-01-15T07:30:00（办公地时间）或 2024-01-15T07:30:00+08:00")]
pub struct NowError(pub String);

/// The office's clock: real time (or `DUCHA_NOW`), read in the office's time zone.
#[derive(Debug, Clone)]
pub struct OfficeClock {
    zone: TimeZone,
    /// Seconds added to the system time (`DUCHA_NOW` minus the system time when it was read).
    shift: i64,
}

impl OfficeClock {
    /// The real clock in `zone`, or the `DUCHA_NOW` instant (read once, here) when that is set.
    pub fn new(zone: &TimeZone) -> Result<OfficeClock, NowError> {
        let shift = match std::env::var(NOW_ENV) {
            Ok(v) if !v.trim().is_empty() => {
                let at = parse_instant(&v, zone.offset_secs).ok_or_else(|| NowError(v.clone()))?;
                at - system_secs()
            }
            _ => 0,
        };
        Ok(OfficeClock { zone: zone.clone(), shift })
    }

    /// A clock fixed to start at `unix` seconds (tests).
    pub fn starting_at(zone: &TimeZone, unix: i64) -> OfficeClock {
        OfficeClock { zone: zone.clone(), shift: unix - system_secs() }
    }

    /// The same instant read in another zone (the server's clock after office.yaml changed its
    /// `timezone`: the `DUCHA_NOW` shift read at start stays).
    pub fn in_zone(&self, zone: &TimeZone) -> OfficeClock {
        OfficeClock { zone: zone.clone(), shift: self.shift }
    }

    /// The zone this clock reads in.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Seconds since the Unix epoch, now.
    pub fn now(&self) -> i64 {
        system_secs() + self.shift
    }

    /// The office's date now (今天).
    pub fn today(&self) -> Date {
        self.date_of(self.now())
    }

    /// The office's date at `unix` seconds.
    pub fn date_of(&self, unix: i64) -> Date {
        epoch_date(unix + i64::from(self.zone.offset_secs))
    }

    /// `YYYY-MM-DD HH:MM:SS` in office time for `unix` seconds.
    pub fn format(&self, unix: i64) -> String {
        let local = unix + i64::from(self.zone.offset_secs);
        let s = local.rem_euclid(86_400);
        format!("{} {:02}:{:02}:{:02}", epoch_date(local), s / 3600, s / 60 % 60, s % 60)
    }
}

fn epoch_date(secs: i64) -> Date {
    Date { year: 1970, month: 1, day: 1 }.add_days(secs.div_euclid(86_400))
}

fn system_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `2024-01-15` (09:00 office time), `2024-01-15T07:30[:00]` (office time), with `Z` or `±HH:MM`
/// (that offset) → Unix seconds.
pub fn parse_instant(s: &str, office_offset: i32) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    if date.len() != 10 {
        return None;
    }
    let day = Date::parse(date)?;
    let (clock, offset) = match time {
        None => ("09:00:00", office_offset),
        Some(t) => {
            if let Some(t) = t.strip_suffix('Z') {
                (t, 0)
            } else if let Some(i) = t.rfind(['+', '-']) {
                (&t[..i], parse_offset(&t[i..])?)
            } else {
                (t, office_offset)
            }
        }
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let n: Vec<i64> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(day.days_since_epoch() * 86_400 + h * 3600 + m * 60 + sec - i64::from(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn zones_parse() {
        assert_eq!(TimeZone::parse("Asia/Shanghai").unwrap().offset_secs, 28_800);
        assert_eq!(TimeZone::parse("asia/shanghai").unwrap().name, "Asia/Shanghai");
        assert_eq!(TimeZone::parse("UTC+8").unwrap().offset_secs, 28_800);
        assert_eq!(TimeZone::parse("UTC+05:30").unwrap().offset_secs, 19_800);
        assert_eq!(TimeZone::parse("+08:00").unwrap().offset_secs, 28_800);
        assert_eq!(TimeZone::parse("UTC").unwrap().offset_secs, 0);
        for bad in ["Beijing", "UTC+15", "+8:60", "", "UTC+", "+08:00:00", "Asia/Tokyo"] {
            assert!(TimeZone::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn before_eight_in_beijing_is_already_today() {
        let bj = TimeZone::default();
        // 2024-01-14T23:30:00Z is 2024-01-15 07:30 in Beijing.
        let at = parse_instant("2024-01-14T23:30:00Z", bj.offset_secs).unwrap();
        let clock = OfficeClock::starting_at(&bj, at);
        assert_eq!(clock.date_of(at), d("2024-01-15"));
        assert_eq!(clock.format(at), "2024-01-15 07:30:00");
        let utc = OfficeClock::starting_at(&TimeZone::parse("UTC").unwrap(), at);
        assert_eq!(utc.date_of(at), d("2024-01-14"));
        // The clock runs on from its start.
        assert!(clock.now() >= at && clock.now() < at + 60);
        assert_eq!(clock.today(), d("2024-01-15"));
    }

    #[test]
    fn instants_in_office_time() {
        let off = 8 * 3600;
        let a = parse_instant("2024-01-15T07:30:00", off).unwrap();
        assert_eq!(Some(a), parse_instant("2024-01-15T07:30:00+08:00", off));
        assert_eq!(Some(a), parse_instant("2024-01-14T23:30Z", off));
        assert_eq!(Some(a), parse_instant("2024-01-15 07:30", off));
        assert_eq!(parse_instant("2024-01-15", off), Some(a + 90 * 60));
        for bad in ["2024-13-01", "2024-01-15T25:00", "2024-1-5", "tomorrow", "2024-01-15T07:30:00+99:00"] {
            assert!(parse_instant(bad, off).is_none(), "{bad}");
        }
    }
}
