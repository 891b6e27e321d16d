//! The login door of `ducha serve` (issue #22 §3, docs/rules.md §16): failures make only the
//! (account, address) pair wait, so a stranger cannot lock out the office and a county NAT does
//! not lock itself out; refused names reach the audit log cut short and in bounded numbers;
//! common passwords are refused; database failures are server errors, never “no session” or
//! “wrong password”; HSTS only over HTTPS.

mod serve_util;

use axum::http::StatusCode;
use serve_util::*;

/// Five wrong passwords from one address: that address waits (told how long, in seconds), the
/// right password from another address works at once. On main the account was locked from
/// every address.
#[tokio::test]
async fn a_stranger_cannot_lock_out_the_office() {
    let (app, _root) = app("acct-stranger");
    let mut stranger = Client::from_addr(&app, "6.6.6.6:1");
    for _ in 0..5 {
        assert_eq!(stranger.login("office", "guess-guess").await.status, StatusCode::UNAUTHORIZED);
    }
    let r = stranger.login("office", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the stranger's pair waits, even with the password");
    assert!(r.text().contains("请 30 秒后再试"), "{}", r.text());
    let mut clerk = Client::from_addr(&app, "10.0.0.2:1");
    let r = clerk.login("office", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the office logs in from its own machine: {}", r.text());
    assert_eq!(clerk.get("/dashboard").await.status, StatusCode::OK);
}

/// A county NAT: more failures on more names from one shared address than the flood bound do
/// not stop a colleague behind it whose own attempt is clean (on main 20 failures locked the
/// whole address). Refused names reach the audit log at most `audit_per_address` times, cut to
/// `MAX_NAME_CHARS` characters. A success clears a pair's count.
#[tokio::test]
async fn a_shared_address_keeps_working_and_the_audit_log_stays_bounded() {
    let (app, _root) = app("acct-nat");
    let nat = "10.9.9.9:1";
    let limits = ducha::serve::auth::Limits::STANDARD;
    let long = "很长的用户名".repeat(2000);
    let mut noisy = Client::from_addr(&app, nat);
    assert_eq!(noisy.login(&long, "x-x-x-x-x").await.status, StatusCode::UNAUTHORIZED);
    for i in 0..limits.per_address + 10 {
        assert_eq!(noisy.login(&format!("guess{i}"), "x-x-x-x-x").await.status, StatusCode::UNAUTHORIZED);
    }
    let mut colleague = Client::from_addr(&app, nat);
    let r = colleague.login("县科技局", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "a clean pair behind the NAT: {}", r.text());

    let log = app.store.audit_log().unwrap();
    let failures = log.iter().filter(|e| e.3 == "登录失败" && e.2 == "10.9.9.9").count();
    assert_eq!(failures as u32, limits.audit_per_address, "failure rows of one address are capped");
    let longest = log.iter().map(|e| e.1.chars().count()).max().unwrap();
    assert_eq!(longest, ducha::serve::auth::MAX_NAME_CHARS + 1, "names are cut (with …)");
    assert!(log.iter().any(|e| e.1.starts_with("很长的用户名") && e.1.ends_with('…')));
    // The limiter holds a bounded number of counters (hammering: src/serve/auth.rs unit tests).
    assert!(app.limiter.len() < 200, "{}", app.limiter.len());

    // Elsewhere: four typos, a success, four more typos: never made to wait.
    let mut typist = Client::from_addr(&app, "10.8.8.8:1");
    for round in 0..2 {
        for _ in 0..4 {
            assert_eq!(typist.login("leader", "typo-typo").await.status, StatusCode::UNAUTHORIZED, "{round}");
        }
        assert_eq!(typist.login("leader", PASSWORD).await.status, StatusCode::SEE_OTHER, "{round}");
        typist = Client::from_addr(&app, "10.8.8.8:1");
    }
}

/// The password page refuses the most common passwords (keyboard walks, number runs, pinyin),
/// which main accepted as long as they had 8 characters.
#[tokio::test]
async fn common_passwords_are_refused() {
    let (app, _root) = app("acct-common");
    let mut c = Client::new(&app);
    assert_eq!(c.login("new", PASSWORD).await.location(), "/password");
    let csrf = c.csrf("/password").await;
    for new in ["password123", "12345678", "qwertyuiop", "woaini1314", "Zhangsan123", "1qaz2wsx", "河边-柳树-42号"]
    {
        let form = [("csrf", csrf.as_str()), ("password", PASSWORD), ("new_password", new), ("confirm", new)];
        let r = c.send("POST", "/password", &form).await;
        if new.starts_with('河') {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "an unusual password is taken: {}", r.text());
        } else {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
            assert!(r.text().contains("新密码太常见"), "{new}: {}", r.text());
            assert!(app.store.user("new").unwrap().unwrap().must_change, "still on the initial password");
        }
    }
}

/// A broken database is a server error in Chinese, logged: a session that cannot be read does not
/// send the user to the login page, an account that cannot be read is not “wrong password”, and a
/// logout whose session could not be deleted is not reported as done (on main all three were
/// silently taken as “no session” / “wrong password” / success).
#[tokio::test]
async fn database_failures_are_server_errors() {
    let (app, _root) = app("acct-db");
    let mut c = logged_in(&app, "office").await;
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);

    app.store.execute_raw("ALTER TABLE sessions RENAME TO sessions_lost").unwrap();
    let r = c.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "not a redirect to the login page");
    assert!(r.text().contains("服务器数据库出错"), "{}", r.text());
    app.store.execute_raw("ALTER TABLE sessions_lost RENAME TO sessions").unwrap();

    app.store.execute_raw("ALTER TABLE users RENAME TO users_lost").unwrap();
    let r = Client::new(&app).login("leader", PASSWORD).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "not “wrong password”");
    assert!(!r.text().contains("用户名或密码错误"));
    app.store.execute_raw("ALTER TABLE users_lost RENAME TO users").unwrap();

    app.store
        .execute_raw(
            "CREATE TRIGGER sessions_stuck BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
        )
        .unwrap();
    let csrf = c.csrf("/password").await;
    let r = c.send("POST", "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "the session was not ended: say so");
    assert!(r.text().contains("服务器数据库出错"));

    // An audit row that cannot be written after a completed action says the action was done.
    app.store.execute_raw("DROP TRIGGER sessions_stuck").unwrap();
    app.store
        .execute_raw("CREATE TRIGGER audit_full BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        .unwrap();
    let r = c.send("POST", "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.text().contains("操作已完成"), "{}", r.text());
}

/// HSTS is sent when serving HTTPS (cookies `Secure`), never over plain HTTP.
#[tokio::test]
async fn hsts_only_over_https() {
    let (tls, _root) = app_with("acct-hsts", true);
    let r = Client::new(&tls).get("/login").await;
    assert_eq!(r.header("strict-transport-security"), ducha::serve::HSTS);
    let (plain, _root) = app("acct-plain");
    assert_eq!(Client::new(&plain).get("/login").await.header("strict-transport-security"), "");
}
