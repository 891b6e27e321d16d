//! Stage 4, render: view model → Typst source through minijinja.
//!
//! Every `*.typ.j2` template is rendered with Typst auto-escaping: a plain value printed with
//! `{{ x }}` is markup-escaped (user text is never code); `{{ x | str }}` gives a Typst string
//! literal for code positions; `{{ x | md }}` runs Markdown through pulldown-cmark into escaped
//! markup; `{{ x | num }}` a number literal. Booleans and none never reach the output as
//! `True`/`None`: printing a boolean is a template error, none prints nothing. Undefined
//! variables are errors (strict).

pub mod escape;
pub mod title;
pub mod view;

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use crate::diag::{Diagnostic, Loc};
use crate::templates::Templates;

/// The name of ducha's auto-escape mode.
const TYPST: &str = "typst";

/// Builds the template environment over a template set.
pub fn environment(templates: &Templates) -> Result<Environment<'static>, Diagnostic> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| Diagnostic::error(format!("模板语法配置错误：{e}")))?;
    env.set_syntax(syntax);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".typ.j2") || name.ends_with(".typ") {
            AutoEscape::Custom(TYPST.into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Custom(n) if n == TYPST) && !value.is_safe() {
            if value.is_none() || value.is_undefined() {
                return Ok(());
            }
            if value.kind() == minijinja::value::ValueKind::Bool {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "布尔值不能直接输出到 Typst；在模板中用 {% if %} 分支或 |bool 过滤器",
                ));
            }
            let s = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
            out.write_str(&escape::markup(&s)).map_err(Error::from)
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.add_filter("str", |v: Value| Value::from_safe_string(escape::string_literal(&plain(&v))));
    env.add_filter("md", |v: Value| Value::from_safe_string(crate::markdown::to_typst(&plain(&v))));
    env.add_filter("num", |v: Value| -> Result<Value, Error> {
        let f =
            f64::try_from(v.clone()).map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("不是数字：{v}")))?;
        Ok(Value::from_safe_string(escape::number_literal(f)))
    });
    env.add_filter("ident", |v: Value| -> Result<Value, Error> {
        let s = plain(&v);
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '-') {
            Ok(Value::from_safe_string(s))
        } else {
            Err(Error::new(ErrorKind::InvalidOperation, format!("不是合法的 Typst 标识符：{s}")))
        }
    });
    env.add_filter("bool", |v: Value| {
        Value::from_safe_string(if v.is_true() { "true".into() } else { "false".into() })
    });
    for (name, text) in templates.all() {
        if name.ends_with(".j2") {
            env.add_template_owned(name.to_owned(), text.to_owned()).map_err(|e| template_error(&e, templates))?;
        }
    }
    Ok(env)
}

/// A value as plain text (none → empty).
fn plain(v: &Value) -> String {
    if v.is_none() || v.is_undefined() {
        String::new()
    } else {
        v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
    }
}

/// Renders template `name` with a view model.
pub fn render<T: Serialize>(
    env: &Environment<'_>,
    templates: &Templates,
    name: &str,
    view: &T,
) -> Result<String, Diagnostic> {
    let tmpl = env.get_template(name).map_err(|e| template_error(&e, templates))?;
    tmpl.render(Value::from(minijinja::value::Serde(view))).map_err(|e| template_error(&e, templates))
}

/// A minijinja error as a located diagnostic.
fn template_error(e: &Error, _templates: &Templates) -> Diagnostic {
    let mut d = Diagnostic::error(format!("模板错误：{}", e.detail().unwrap_or(&e.kind().to_string())));
    if let (Some(name), Some(line)) = (e.name(), e.line()) {
        d = d.at(Loc::new(format!("templates/{name}"), line, 1));
    }
    d.hint("检查模板文件；恢复默认模板可删除 templates/ 下的同名文件")
}
