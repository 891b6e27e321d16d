//! The web's words for messages written for the command line.
//!
//! The library's diagnostics speak to a person at a terminal: they name YAML keys (`progress`),
//! command-line flags (`--font-path`) and point at a place with `-->`. On a web page a unit sees
//! form fields and the office sees buttons, so every diagnostic text a page shows passes through
//! [`web`] first: keys become the form's field names, flags the page's way of doing the same,
//! the `-->` pointer a plain “位置：”.

/// YAML keys of a report (and the flags' replacements) as a page names them.
const KEYS: &[(&str, &str)] = &[
    ("progress", "进展情况"),
    ("values", "完成数值"),
    ("value", "完成数值"),
    ("target", "指标序号"),
    ("milestone", "形象进度"),
    ("percent", "形象进度百分比"),
    ("claim", "自评状态"),
    ("evidence", "佐证材料"),
    ("problems", "存在问题"),
    ("next_steps", "下步打算"),
    ("adjustment", "指标调整说明"),
    ("submitted", "报送日期"),
    ("contact", "联系人"),
    ("phone", "联系电话"),
    ("reviewed_by", "审核领导"),
    ("unit", "报送单位"),
    ("period", "期间"),
    ("task", "任务编号"),
];

/// Whole phrases that tell a command-line user what to type, and what the web says instead.
const PHRASES: &[(&str, &str)] = &[
    ("，或用 --font-path 加入含该字的字体", "，或请管理员在 fonts/ 目录加入含该字的字体"),
    ("用 --font-path 加入更全的字体", "请管理员在 fonts/ 目录加入更全的字体"),
    ("用 --period 指定期间，或先放入 reports/<期间>/ 下的报告", "在页面上方选择期间，或先报送该期的报告"),
    ("用 --data 指定数据目录", "请管理员检查 ducha serve 使用的数据目录"),
    ("确需归档新版本时加 --revise：", "确需归档新版本时，勾选“内容有变化时作为修订版归档”再归档："),
    ("检查 --templates 的路径；不给 --templates 时使用内置模板", "请管理员检查服务器上的 templates/ 目录"),
];

/// `text` in the words of the web pages (see the module doc).
pub fn web(text: &str) -> String {
    let mut s = text.to_string();
    for (cli, page) in PHRASES {
        s = s.replace(cli, page);
    }
    // The office registers a period's orders on the 督办事项 page (`/items`).
    static ISSUE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"运行 `ducha orders issue --period (\S+)` 登记本期督办事项").expect("a valid pattern")
    });
    s = ISSUE.replace_all(&s, "请督查室在“督办事项”页面登记 $1 的督办事项").into_owned();
    // The quoted source lines of a rendered diagnostic (`5 | progress: …`, `  |   ^^^`) show the
    // file as it is: they keep their words.
    let lines: Vec<String> = s.lines().map(|l| if snippet(l) { l.to_string() } else { keys(&pointer(l)) }).collect();
    lines.join("\n") + if text.ends_with('\n') { "\n" } else { "" }
}

/// A line of a rendered diagnostic's source excerpt: an optional line number, then `|`.
fn snippet(line: &str) -> bool {
    line.trim_start().trim_start_matches(|c: char| c.is_ascii_digit()).trim_start().starts_with('|')
}

/// `  --> file:1:2` (the rendered diagnostics' pointer) as `  位置：file:1:2`.
fn pointer(line: &str) -> String {
    let body = line.trim_start();
    match body.strip_prefix("--> ") {
        Some(rest) => format!("{}位置：{rest}", &line[..line.len() - body.len()]),
        None => line.to_string(),
    }
}

fn label(key: &str) -> Option<&'static str> {
    KEYS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Report keys → field names: `` `progress` `` right after its own Chinese name is dropped
/// (`进展情况 `progress` 为空` → `进展情况为空`), elsewhere it becomes “进展情况”; a bare key
/// between non-ASCII text (`删除 values，`) becomes the name. Other ASCII words stay.
fn keys(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c == '`' || c.is_ascii_lowercase()) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(inner) = rest.strip_prefix('`') {
            if let Some(end) = inner.find('`') {
                let key = &inner[..end];
                if let Some(name) = label(key) {
                    let trimmed = out.trim_end();
                    if trimmed.ends_with(name) {
                        out.truncate(trimmed.len());
                    } else {
                        out.push('“');
                        out.push_str(name);
                        out.push('”');
                    }
                    rest = &inner[end + 1..];
                    if out.ends_with(name) {
                        rest = rest.trim_start_matches(' ');
                    }
                    continue;
                }
            }
            out.push('`');
            rest = inner;
            continue;
        }
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let word = &rest[..end];
        let before_ascii = out.chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || "./-:".contains(c));
        let after = rest[end..].chars().next();
        let after_ascii = after.is_some_and(|c| c.is_ascii_alphanumeric() || "./-:".contains(c));
        match label(word).filter(|_| !before_ascii && !after_ascii) {
            Some(name) => {
                // `删除 values，` → `删除完成数值，`: the spaces were there only to set off the key.
                if out.ends_with(' ') && out.trim_end().chars().last().is_some_and(|c| !c.is_ascii()) {
                    out.truncate(out.trim_end().len());
                }
                out.push_str(name);
                let r = &rest[end..];
                rest = if r.starts_with(' ') && r.trim_start().chars().next().is_some_and(|c| !c.is_ascii()) {
                    r.trim_start()
                } else {
                    r
                };
            }
            None => {
                out.push_str(word);
                rest = &rest[end..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::web;

    #[test]
    fn cli_words_become_the_pages_words() {
        assert_eq!(web("第 3 项任务的进展情况 `progress` 为空"), "第 3 项任务的进展情况为空");
        assert_eq!(
            web("该任务没有数值指标，删除 values，用 progress 或 milestone 说明进展"),
            "该任务没有数值指标，删除完成数值，用进展情况或形象进度说明进展"
        );
        assert_eq!(web("错误: 缺字\n  --> data/plan.yaml:3:5\n"), "错误: 缺字\n  位置：data/plan.yaml:3:5\n");
        // Quoted source lines stay as the file has them.
        let d =
            "错误: 第 1 项任务的进展情况 `progress` 为空\n  --> r.yaml:7:5\n  |\n7 |     progress: ''\n  |     ^^^\n";
        assert_eq!(
            web(d),
            "错误: 第 1 项任务的进展情况为空\n  位置：r.yaml:7:5\n  |\n7 |     progress: ''\n  |     ^^^\n"
        );
        assert_eq!(
            web("改用常用字或同音规范字，或用 --font-path 加入含该字的字体"),
            "改用常用字或同音规范字，或请管理员在 fonts/ 目录加入含该字的字体"
        );
        // File names, paths and other ASCII stay as they are.
        assert_eq!(web("见 data/reports/2023Q4/unit.yaml:3:1"), "见 data/reports/2023Q4/unit.yaml:3:1");
        assert_eq!(web("填写 `foo`"), "填写 `foo`");
    }
}
