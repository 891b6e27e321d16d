//! Title line breaking: GB/T 9704 wants multi-line titles shaped as a 梯形 (each line no longer
//! than the next) or 菱形 (the middle line longest), words unbroken. Typst's own wrapping fills
//! the first line (22 + 5 characters), so the breaks are computed here and passed as lines.

/// Characters per 2号 title line (templates/lib/README.md §L4).
pub const MAX_PER_LINE: usize = 20;

/// Splits a title into balanced lines of at most `max` characters.
pub fn break_title(title: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = title.trim().chars().collect();
    let n = chars.len();
    if n <= max || max == 0 {
        return vec![chars.into_iter().collect()];
    }
    let lines = n.div_ceil(max);
    let mut best: Option<(i64, Vec<usize>)> = None;
    search(&chars, max, lines, 0, &mut Vec::new(), &mut best);
    let cuts = match best {
        Some((_, cuts)) => cuts,
        // No shape-respecting split exists: fall back to even chunks.
        None => (1..lines).map(|i| i * n / lines).collect(),
    };
    let mut out = Vec::new();
    let mut start = 0;
    for c in cuts.iter().copied().chain(std::iter::once(n)) {
        out.push(chars[start..c].iter().collect());
        start = c;
    }
    out
}

fn search(
    chars: &[char],
    max: usize,
    lines: usize,
    start: usize,
    cuts: &mut Vec<usize>,
    best: &mut Option<(i64, Vec<usize>)>,
) {
    let n = chars.len();
    if cuts.len() + 1 == lines {
        if n - start > max {
            return;
        }
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied());
        bounds.push(n);
        let lens: Vec<usize> = bounds.windows(2).map(|w| w[1] - w[0]).collect();
        if let Some(cost) = cost(chars, cuts, &lens) {
            if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                *best = Some((cost, cuts.clone()));
            }
        }
        return;
    }
    for c in start + 1..=(start + max).min(n - 1) {
        cuts.push(c);
        search(chars, max, lines, c, cuts, best);
        cuts.pop();
    }
}

/// Lower is better; `None` when the shape is neither 梯形 nor 菱形.
fn cost(chars: &[char], cuts: &[usize], lens: &[usize]) -> Option<i64> {
    let trapezoid = lens.windows(2).all(|w| w[0] <= w[1]);
    let diamond = lens.len() == 3 && lens[1] >= lens[0] && lens[1] >= lens[2];
    if !trapezoid && !diamond {
        return None;
    }
    let spread = (*lens.iter().max()? - *lens.iter().min()?) as i64;
    let mut cost = spread * 10;
    for &c in cuts {
        cost += break_penalty(chars[c - 1], chars[c], chars.get(c + 1).copied());
    }
    Some(cost)
}

/// Words of supervision titles that must not be split across lines.
const WORDS: &[&str] = &[
    "关于",
    "重点",
    "工作",
    "任务",
    "情况",
    "落实",
    "推进",
    "发展",
    "高质量",
    "建设",
    "动能",
    "转换",
    "绿色",
    "低碳",
    "深化",
    "季度",
    "上半年",
    "前三季度",
    "全年",
    "通报",
    "全县",
    "新旧",
    "创新",
    "督查",
    "进展",
    "有关",
    "建议",
    "领导",
    "参阅",
    "人民政府",
    "办公室",
];

/// Penalty for breaking between `a` and `b`: never inside an ASCII word or number, never before
/// closing punctuation or after opening punctuation; cheap after 关于 / 的 / 年 and before 的通报.
fn break_penalty(a: char, b: char, _next: Option<char>) -> i64 {
    let ascii_word = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '%';
    if ascii_word(a) && ascii_word(b) {
        return 10_000;
    }
    if "，。、；：）》”’〕】？！".contains(b) || "（《“‘〔【".contains(a) {
        return 10_000;
    }
    if a.is_ascii_digit() && "年月日号项个家".contains(b) {
        return 500;
    }
    if WORDS.iter().any(|w| {
        let w: Vec<char> = w.chars().collect();
        w.windows(2).any(|p| p[0] == a && p[1] == b)
    }) {
        return 300;
    }
    match (a, b) {
        ('于', _) | ('年', _) | ('务', _) | ('的', _) | (_, '关') | (_, '落') | (_, '推') => 0,
        (_, '的') => 20,
        _ => 40,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_title_is_one_line() {
        assert_eq!(break_title("关于2023年一季度工作的通报", 20), vec!["关于2023年一季度工作的通报"]);
    }

    #[test]
    fn never_22_plus_5() {
        let t = "关于全县重点工作任务2023年上半年落实情况的通报";
        let lines = break_title(t, 20);
        assert_eq!(lines.concat(), t);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        let lens: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(lens[0] <= lens[1], "{lens:?}");
        // Words stay whole: the break falls after 任务, not inside 工作 or 任务.
        assert!(lines[0].ends_with("任务") || lines[0].ends_with("年"), "{lines:?}");
    }

    #[test]
    fn long_title_three_lines_shaped() {
        let t = "关于莘县深化新旧动能转换推动绿色低碳高质量发展2023年重点工作任务上半年落实情况的通报";
        let lines = break_title(t, 20);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines.concat(), t);
        let l: Vec<usize> = lines.iter().map(|x| x.chars().count()).collect();
        // 梯形 (l0 ≤ l1 ≤ l2) or 菱形 (l1 the longest): together exactly “the first line is not
        // longer than the second”, whatever the third.
        assert!(l[0] <= l[1], "{l:?}");
        // "2023" stays whole.
        assert!(lines.iter().any(|x| x.contains("2023")), "{lines:?}");
    }
}
