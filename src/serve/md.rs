//! Markdown → HTML for the pages that show what units typed (the form invites Markdown in
//! 进展情况, and the documents render it: [`crate::markdown`]). Parsed with pulldown-cmark; every
//! piece of text is escaped, raw HTML in the input is shown as text, and links keep only their
//! text (the pages link nowhere a unit chose).

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

/// The HTML of `md` (safe to insert unescaped).
pub fn html(md: &str) -> String {
    let mut out = String::new();
    for ev in Parser::new_ext(md, pulldown_cmark::Options::ENABLE_STRIKETHROUGH) {
        match ev {
            Event::Start(tag) => out.push_str(match tag {
                Tag::Paragraph => "<p>",
                Tag::Heading { .. } => "<p><strong>",
                Tag::BlockQuote(_) => "<blockquote>",
                Tag::CodeBlock(_) => "<pre>",
                Tag::List(Some(_)) => "<ol>",
                Tag::List(None) => "<ul>",
                Tag::Item => "<li>",
                Tag::Emphasis => "<em>",
                Tag::Strong => "<strong>",
                Tag::Strikethrough => "<del>",
                _ => "",
            }),
            Event::End(tag) => out.push_str(match tag {
                TagEnd::Paragraph => "</p>",
                TagEnd::Heading(_) => "</strong></p>",
                TagEnd::BlockQuote(_) => "</blockquote>",
                TagEnd::CodeBlock => "</pre>",
                TagEnd::List(true) => "</ol>",
                TagEnd::List(false) => "</ul>",
                TagEnd::Item => "</li>",
                TagEnd::Emphasis => "</em>",
                TagEnd::Strong => "</strong>",
                TagEnd::Strikethrough => "</del>",
                _ => "",
            }),
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => escape(&t, &mut out),
            Event::Code(t) => {
                out.push_str("<code>");
                escape(&t, &mut out);
                out.push_str("</code>");
            }
            Event::SoftBreak => out.push('\n'),
            Event::HardBreak => out.push_str("<br>"),
            Event::Rule => out.push_str("<hr>"),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markdown_is_rendered_and_html_escaped() {
        assert_eq!(
            super::html("**完成** 3 项\n\n- 甲\n- 乙"),
            "<p><strong>完成</strong> 3 项</p><ul><li>甲</li><li>乙</li></ul>"
        );
        assert_eq!(super::html("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
        assert_eq!(super::html("[点我](javascript:alert(1))"), "<p>点我</p>");
    }
}
