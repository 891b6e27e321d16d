//! The 催办单 of the workbench (docs/rules.md §19): `GET /chase/<年>/<号>` answers the PDF of
//! `催办〔年〕号`, rendered from the register as `ducha orders chase-pdf` renders it
//! ([`crate::orders::chase::render`]), for the office and for the units the item is addressed to
//! (承办 and 协办); any other account gets 403, whether or not the number exists.
// A page's early answer is a whole `Response`, as in `pages.rs`: boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, OnceLock};

use axum::http::StatusCode;
use axum::response::Response;

use super::pages::{error, file_response, forbidden, internal, not_found_page};
use super::store::Role;
use super::{App, Req};
use crate::engine::fonts::Fonts;
use crate::orders::chase::{self, ChaseNumber};

/// The font index, built on the first 催办单 asked for and kept (the bundled fonts do not change
/// while the server runs).
fn fonts() -> Result<Arc<Fonts>, String> {
    static FONTS: OnceLock<Result<Arc<Fonts>, String>> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::load(&[]).map(Arc::new)).clone()
}

/// `GET /chase/{year}/{seq}`: the 催办单 PDF (office; the item's units).
pub fn pdf(app: &App, req: &Req) -> Response {
    let s = match app.guard(req, &[Role::Office, Role::Unit]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let number = match (req.args.first(), req.args.get(1)) {
        (Some(y), Some(n)) if req.args.len() == 2 => match (y.parse(), n.parse()) {
            (Ok(year), Ok(seq)) if y == &format!("{year}") && n == &format!("{seq}") => ChaseNumber { year, seq },
            _ => return not_found_page(),
        },
        _ => return not_found_page(),
    };
    let ds = match app.snapshot(req).dataset() {
        Ok(ds) => ds,
        Err(text) => return error(StatusCode::OK, "数据有错误", &super::words::web(text)),
    };
    let cx = crate::orders::file::Cx { plan: &ds.plan, cfg: &ds.office.orders, offset: ds.office.timezone.offset_secs };
    let (register, diags, sources) = crate::orders::file::load_register(&app.opts.data, &cx);
    let found = chase::find(&register, number);
    // A unit learns nothing of other units' 催办: not even whether the number exists.
    if s.user.role == Role::Unit {
        let unit = s.user.unit.as_deref().unwrap_or("");
        if !found.is_some_and(|c| c.item.units.iter().any(|u| u == unit)) {
            return forbidden();
        }
    }
    if diags.has_errors() {
        return error(StatusCode::OK, "督办登记簿有错误", &super::words::web(&diags.render(&sources)));
    }
    let Some(found) = found else { return not_found_page() };
    let fonts = match fonts() {
        Ok(f) => f,
        Err(e) => return internal(e),
    };
    let templates = match crate::templates::Templates::load(crate::templates::Templates::dir_for_build(None).as_deref())
    {
        Ok(t) => t,
        Err(d) => return error(StatusCode::OK, "模板有错误", &super::words::web(&d.render(&Default::default()))),
    };
    match chase::render(ds, &[found], fonts, &templates) {
        Ok((mut pdfs, _)) if pdfs.len() == 1 => {
            let p = pdfs.remove(0);
            file_response(&p.file_name, "application/pdf", "inline", p.pdf)
        }
        Ok(_) => internal("催办单未生成"),
        Err(e) => error(StatusCode::OK, "催办单无法生成", &super::words::web(&e.diagnostics.render(&e.sources))),
    }
}
