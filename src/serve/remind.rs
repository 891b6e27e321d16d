//! The server's daily reminders (docs/rules.md §19 “提醒”): while `ducha serve` runs, every ten
//! minutes from 09:00 office time it does what `ducha orders remind` does. The log makes each
//! reminder go out once per item and working day, so the repeated ticks, and a `ducha orders
//! remind` from the command line beside them, send nothing twice. Without `orders.reminder` in
//! office.yaml a tick reads the cached office settings and stops.

use std::sync::Arc;
use std::time::Duration;

use super::App;

/// How often the server looks.
const EVERY: Duration = Duration::from_secs(600);
/// No reminder is sent before this hour of the office's day.
const FROM_HOUR: i64 = 9;

/// Starts the ticks on the server's runtime.
pub(super) fn start(app: &Arc<App>) {
    let app = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            let app = app.clone();
            let _ = tokio::task::spawn_blocking(move || tick(&app)).await;
        }
    });
}

/// One look: today's reminders when the office has a reminder command and it is office hours.
fn tick(app: &App) {
    let snap = app.data.snapshot(&app.opts.data);
    let Ok(ds) = snap.dataset() else { return };
    let cfg = &ds.office.orders;
    let Some(reminder) = &cfg.reminder else { return };
    let clock = app.clock.read().unwrap_or_else(|e| e.into_inner()).in_zone(&ds.office.timezone);
    let now = clock.now();
    let local = now + i64::from(ds.office.timezone.offset_secs);
    if local.rem_euclid(86_400) / 3600 < FROM_HOUR {
        return;
    }
    let cx = crate::orders::file::Cx { plan: &ds.plan, cfg, offset: ds.office.timezone.offset_secs };
    let (register, diags, sources) = crate::orders::file::load_register(&app.opts.data, &cx);
    if diags.has_errors() {
        eprintln!("ducha serve：督办登记簿有错误，未发送提醒：\n{}", diags.render(&sources));
        return;
    }
    match crate::orders::remind::run(&app.opts.data, &register, clock.today(), &clock.format(now), cfg, reminder) {
        Ok(r) => {
            for (n, e) in &r.failed {
                eprintln!("ducha serve：{n} 的提醒发送失败：{e}");
            }
        }
        Err(e) => eprintln!("ducha serve：提醒未发送：{}", crate::diag::causes(&e)),
    }
}
