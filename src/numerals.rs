//! How numbers are written: Arabic figures without a trailing `.0` ([`figure`], [`shortest`],
//! [`whole`]), read back from what people type ([`parse_typed`]), and Chinese numerals
//! ([`chinese`], read back by [`parse`] and [`parse_year`]).
//!
//! Each caller rounds as its own rule says (figures to four decimals and percentages to one,
//! `status::fmt_num` / `status::fmt_pct`; millimetres in OFD to three) and prints through
//! [`figure`], so `15`, `94.906`, `53.3` come out the same way everywhere and `-0` never does.
//!
//! GB/T 15835-2011 (出版物上数字用法) gives the digit 0 two written forms: 零 where a number counts
//! something (三千零五十二) and 〇 where the digits are a code read one by one, as in a year
//! (二〇二三年). The documents write Chinese numerals only for counting-style ordinals — section
//! numbers (一、二、… 十二、) and listed points (一是…二是…) — so [`chinese`] uses the counting form,
//! in which a 0 can only stand alone (零). Dates are never written in Chinese numerals: the 成文日期
//! and every other date follow GB/T 9704-2012 §7.3.5.3 (Arabic digits, `2023年7月10日`,
//! `data::model::Date::chinese`), so no year form is needed.
//!
//! Reading ([`parse`], [`parse_year`]) is for pasted notices (`ducha plan import`), which may write a
//! year either way (二〇二三, 二零二三, with a circle ○ or a letter O), so both forms of 0 are read.

/// `x` with at most `decimals` decimals (`format!` rounding) and no trailing zeros or point:
/// `figure(15.0, 4)` = `15`, `figure(94.90600, 4)` = `94.906`; a negative zero prints `0`.
pub fn figure(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// The shortest digits that read back as `x` (`4`, `12.4`; Rust's `Display`, which prints no
/// `.0`), a negative zero as `0`: for values written back into data, which must not lose digits.
pub fn shortest(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        x.to_string()
    }
}

/// `x` as an integer when it is a whole number that `f64` holds exactly (|x| < 2^53), for output
/// that distinguishes integers (JSON, YAML, Typst literals): `3.0` → `3`.
pub fn whole(x: f64) -> Option<i64> {
    // 2^53: beyond it not every whole f64 is an exact integer.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    // Exact: whole and within ±2^53, so the cast loses nothing.
    #[allow(clippy::cast_possible_truncation)]
    (x.is_finite() && x.fract() == 0.0 && x.abs() < EXACT).then_some(x as i64)
}

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// 一 … 九十九 in the counting form (0 is 零); 100 and above stay Arabic digits.
pub fn chinese(n: u32) -> String {
    let d = |k: u32| DIGITS[k as usize];
    match n {
        0..=9 => d(n).into(),
        10 => "十".into(),
        11..=19 => format!("十{}", d(n % 10)),
        20..=99 if n.is_multiple_of(10) => format!("{}十", d(n / 10)),
        20..=99 => format!("{}十{}", d(n / 10), d(n % 10)),
        _ => n.to_string(),
    }
}

/// A number as people type it into a form field or a spreadsheet cell: ASCII or full-width digits,
/// point and minus, thousands separators (`,` `，` and spaces) ignored; `None` for anything else
/// (`约12家`, `十二`, `NaN`). The Excel import and the web form read figures with it.
pub fn parse_typed(s: &str) -> Option<f64> {
    let t: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' => '-',
            c => c,
        })
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+') {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// One Chinese digit, either written form of 0 included.
fn digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'Ｏ' | 'O' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 一 … 九十九 (and plain digits) to a number; the inverse of [`chinese`] for 1 … 99.
pub fn parse(s: &str) -> Option<u32> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let c: Vec<char> = s.chars().collect();
    let pos = |d: char| digit(d).filter(|&v| v > 0);
    match c.as_slice() {
        ['十'] => Some(10),
        [d] => pos(*d),
        ['十', d] => Some(10 + pos(*d)?),
        [d, '十'] => Some(pos(*d)? * 10),
        [d, '十', e] => Some(pos(*d)? * 10 + pos(*e)?),
        _ => None,
    }
}

/// A year written 2023 or digit by digit, 二〇二三 (or 二零二三).
pub fn parse_year(s: &str) -> Option<u32> {
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    s.chars().try_fold(0u32, |acc, c| Some(acc * 10 + digit(c)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_without_trailing_zeros() {
        assert_eq!(figure(15.0, 4), "15");
        assert_eq!(figure(94.906, 4), "94.906");
        assert_eq!(figure(-3.2, 4), "-3.2");
        assert_eq!(figure(53.0, 1), "53");
        assert_eq!(figure(1.23456, 3), "1.235");
        assert_eq!(figure(-0.0, 3), "0");
        assert_eq!(figure(-0.0001, 3), "0");
        assert_eq!(figure(1e20, 3), "100000000000000000000");
        assert_eq!(shortest(4.0), "4");
        assert_eq!(shortest(12.4), "12.4");
        assert_eq!(shortest(-0.0), "0");
        assert_eq!(whole(3.0), Some(3));
        assert_eq!(whole(-0.0), Some(0));
        assert_eq!(whole(2.5), None);
        assert_eq!(whole(1e300), None);
        assert_eq!(whole(f64::NAN), None);
    }

    #[test]
    fn typed_numbers() {
        assert_eq!(parse_typed(" １２．５ "), Some(12.5));
        assert_eq!(parse_typed("1,200.5"), Some(1200.5));
        assert_eq!(parse_typed("1，200"), Some(1200.0));
        assert_eq!(parse_typed("－3"), Some(-3.0));
        assert_eq!(parse_typed("约12家"), None);
        assert_eq!(parse_typed("十二"), None);
        assert_eq!(parse_typed("12abc"), None);
        assert_eq!(parse_typed("NaN"), None);
        assert_eq!(parse_typed(""), None);
    }

    #[test]
    fn counting_form() {
        assert_eq!(chinese(0), "零");
        assert_eq!(chinese(1), "一");
        assert_eq!(chinese(10), "十");
        assert_eq!(chinese(11), "十一");
        assert_eq!(chinese(12), "十二");
        assert_eq!(chinese(20), "二十");
        assert_eq!(chinese(23), "二十三");
        assert_eq!(chinese(35), "三十五");
        assert_eq!(chinese(99), "九十九");
        assert_eq!(chinese(100), "100");
    }

    #[test]
    fn reading_up_to_99() {
        assert_eq!(parse("一"), Some(1));
        assert_eq!(parse("十"), Some(10));
        assert_eq!(parse("十一"), Some(11));
        assert_eq!(parse("二十"), Some(20));
        assert_eq!(parse("九十九"), Some(99));
        assert_eq!(parse("一百"), None);
        assert_eq!(parse("十十"), None);
        assert_eq!(parse(""), None);
        for n in 1..=99 {
            assert_eq!(parse(&chinese(n)), Some(n));
        }
    }

    #[test]
    fn years_with_either_zero() {
        assert_eq!(parse_year("二〇二三"), Some(2023));
        assert_eq!(parse_year("二零二三"), Some(2023));
        assert_eq!(parse_year("2023"), Some(2023));
        assert_eq!(parse_year("二〇二x"), None);
    }
}
