//! Accounts and tokens: sign-in, refresh rotation with reuse detection, logout, visitor tokens,
//! roles, account changes, rate limits, production secrets and the `user` command.

use crate::helpers::*;
use heritage_guide::auth::Role;
use serde_json::{json, Value};

async fn assert_unauthorized(r: reqwest::Response, code: &str) {
    let www = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(www.starts_with("Bearer"), "WWW-Authenticate: {www:?}");
    let body = assert_problem(r, 401, None).await;
    assert_eq!(body["code"], code, "{body}");
}

#[tokio::test]
async fn login_refresh_rotation_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    app.add_account("ops-anna", Role::Operator);
    let first = app.sign_in("ops-anna").await;
    assert_eq!(first["role"], "operator");
    let access = first["access_token"].as_str().unwrap();
    let r = app.me(access).await;
    let body = conforming(r, "GET", "/v1/auth/me", 200).await;
    assert_eq!(body["username"], "ops-anna");

    let r1 = first["refresh_token"].as_str().unwrap();
    let r = app.refresh(&json!(r1)).await;
    let second = conforming(r, "POST", "/v1/auth/refresh", 200).await;
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2, "rotated");
    assert_eq!(
        app.me(second["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );

    // The first refresh token again: reuse. The whole family goes, the newer token too, and so
    // does the access token issued with it.
    let r = app.refresh(&json!(r1)).await;
    assert_unauthorized(r, "refresh_token_reused").await;
    let r = app.refresh(&json!(r2)).await;
    assert_unauthorized(r, "refresh_token_reused").await;
    assert_unauthorized(
        app.me(second["access_token"].as_str().unwrap()).await,
        "token_revoked",
    )
    .await;

    // Other sign-ins are separate families.
    let other = app.sign_in("ops-anna").await;
    let r = app.refresh(&other["refresh_token"]).await;
    assert_eq!(r.status(), 200);
    let r = app.refresh(&json!("nonsense")).await;
    assert_unauthorized(r, "invalid_refresh_token").await;
    let r = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": "x", "extra": 1}),
        )
        .await;
    assert_problem(r, 400, Some("extra")).await;
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_answer() {
    let app = spawn_app().await;
    app.add_account("ops-ben", Role::Operator);
    for (u, p) in [
        ("ops-ben", "wrong password here"),
        ("nobody-here", PASSWORD),
    ] {
        let r = app.login(u, p).await;
        let body = assert_problem(r, 401, None).await;
        assert_eq!(body["code"], "invalid_credentials");
        assert_conforms(
            "POST",
            "/v1/auth/login",
            401,
            "application/problem+json",
            &body,
        );
    }
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_the_refresh_family() {
    let app = spawn_app().await;
    app.add_account("ops-cleo", Role::Operator);
    let s = app.sign_in("ops-cleo").await;
    let access = s["access_token"].as_str().unwrap();
    let r = app
        .post_json_as(
            "/v1/auth/logout",
            &json!({"refresh_token": s["refresh_token"]}),
            Some(access),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_unauthorized(app.me(access).await, "token_revoked").await;
    let r = app.refresh(&s["refresh_token"]).await;
    assert_eq!(r.status(), 401);
    // Without a token there is nothing to log out of.
    let r = app.post_json_as("/v1/auth/logout", &json!({}), None).await;
    assert_unauthorized(r, "missing_token").await;
    // A bare logout (no body) revokes just the access token.
    let s = app.sign_in("ops-cleo").await;
    let r = app
        .send(
            "POST",
            "/v1/auth/logout",
            Some(s["access_token"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app.refresh(&s["refresh_token"]).await;
    assert_eq!(r.status(), 200, "the refresh token survives a bare logout");
}

#[tokio::test]
async fn visitor_tokens_are_anonymous_and_bound_to_one_site() {
    let app = spawn_app().await;
    let t = app.visitor_token().await;
    let claims = app.state.tokens.verify(&t).unwrap();
    assert_eq!(claims.role, Role::Visitor);
    assert_eq!(claims.site.as_deref(), Some(SITE));
    assert!(claims.require_site(SITE).is_ok());
    let refused =
        heritage_guide::api::error::ApiError::from(claims.require_site("elsewhere").unwrap_err());
    assert_eq!(refused.status, 403);
    let r = app.me(&t).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["site"], SITE);
    let r = app
        .post_json("/v1/auth/visitor", &json!({"site": "atlantis"}))
        .await;
    assert_problem(r, 404, Some("site")).await;
    let r = app
        .post_json("/v1/auth/visitor", &json!({"site": SITE, "admin": true}))
        .await;
    assert_problem(r, 400, Some("admin")).await;
}

#[tokio::test]
async fn admins_manage_accounts_and_changes_take_effect_at_once() {
    let app = spawn_app().await;
    app.add_account("root-admin", Role::Admin);
    let admin = app.access_token("root-admin").await;
    let r = app
        .post_json_as(
            "/v1/users",
            &json!({"username": "ops-dana", "password": PASSWORD, "role": "operator"}),
            Some(&admin),
        )
        .await;
    let body = conforming(r, "POST", "/v1/users", 201).await;
    assert!(body.get("password_hash").is_none());
    let r = app
        .post_json_as(
            "/v1/users",
            &json!({"username": "ops-dana", "password": PASSWORD, "role": "operator"}),
            Some(&admin),
        )
        .await;
    assert_problem(r, 409, Some("username")).await;
    let r = app
        .post_json_as(
            "/v1/users",
            &json!({"username": "ops-eve", "password": "short", "role": "operator"}),
            Some(&admin),
        )
        .await;
    assert_problem(r, 400, Some("password")).await;
    // A role that is no account's (visitors have none) is refused naming `role`.
    for role in [json!("root"), json!("visitor"), json!("Admin"), json!(1)] {
        let r = app
            .post_json_as(
                "/v1/users",
                &json!({"username": "ops-gus", "password": PASSWORD, "role": role}),
                Some(&admin),
            )
            .await;
        let body = assert_problem(r, 400, Some("role")).await;
        assert_eq!(body["code"], "invalid_parameter", "{body}");
    }

    let op = app.access_token("ops-dana").await;
    let r = app.get_as("/v1/users", Some(&op)).await;
    assert_problem(r, 403, None).await;
    let r = app.get_as("/v1/users", Some(&admin)).await;
    let body = conforming(r, "GET", "/v1/users", 200).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    // An unknown query parameter is refused here as on every other route.
    let r = app.get_as("/v1/users?foo=bar", Some(&admin)).await;
    assert_problem_conforms(r, "GET", "/v1/users", 400, Some("foo")).await;
    let sneaky =
        json!({"username": "sneaky", "password": "a long enough password", "role": "operator"});
    let r = app
        .post_json_as("/v1/users?role=admin", &sneaky, Some(&admin))
        .await;
    assert_problem(r, 400, Some("role")).await;
    let r = app.get_as("/v1/users", Some(&admin)).await;
    let body = conforming(r, "GET", "/v1/users", 200).await;
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        2,
        "nothing was written"
    );

    // Disabling works at once: the operator's token is refused, sign-in too.
    let r = app
        .patch_json_as(
            "/v1/users/ops-dana",
            &json!({"disabled": true}),
            &admin,
            None,
        )
        .await;
    let user = conforming(r, "PATCH", "/v1/users/{username}", 200).await;
    assert_eq!(user["disabled"], true);
    let r = app.me(&op).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = app.login("ops-dana", PASSWORD).await;
    assert_eq!(r.status(), 401);

    // The last admin cannot go.
    let r = app
        .patch_json_as(
            "/v1/users/root-admin",
            &json!({"role": "operator"}),
            &admin,
            None,
        )
        .await;
    assert_problem(r, 409, None).await;
    // A promoted operator's old token carries the old role: it must sign in again.
    app.add_account("ops-finn", Role::Operator);
    let finn = app.access_token("ops-finn").await;
    let r = app
        .patch_json_as(
            "/v1/users/ops-finn",
            &json!({"role": "admin"}),
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.me(&finn).await.status(), 401);
    let r = app
        .patch_json_as("/v1/users/nobody", &json!({"disabled": true}), &admin, None)
        .await;
    assert_problem(r, 404, None).await;
    for role in [json!("root"), json!("visitor"), json!(""), json!(["admin"])] {
        let r = app
            .patch_json_as("/v1/users/ops-finn", &json!({ "role": role }), &admin, None)
            .await;
        let body = assert_problem(r, 400, Some("role")).await;
        assert_eq!(body["code"], "invalid_parameter", "{body}");
        if role.is_string() {
            let detail = body["detail"].as_str().unwrap();
            assert!(
                detail.starts_with("role must be operator or admin"),
                "{body}"
            );
        }
    }
    // `null` leaves the role as it is.
    let r = app
        .patch_json_as("/v1/users/ops-finn", &json!({"role": null}), &admin, None)
        .await;
    let user = conforming(r, "PATCH", "/v1/users/{username}", 200).await;
    assert_eq!(user["role"], "admin");
}

/// An app with these sign-in limits (attempts per username and per IP) and one operator account.
async fn app_with_login_limits(per_username: u32, per_ip: u32, username: &str) -> TestApp {
    let app = spawn_app_with(|s| {
        s.limits.login_per_username = per_username;
        s.limits.login_per_ip = per_ip;
    })
    .await;
    app.add_account(username, Role::Operator);
    app
}

/// Signs in with a wrong password `times` times; each is a 401.
async fn wrong_passwords(app: &TestApp, username: &str, times: usize, why: &str) {
    for _ in 0..times {
        let r = app.login(username, "not the password").await;
        assert_eq!(r.status(), 401, "{why}");
    }
}

#[tokio::test]
async fn sign_ins_are_limited_per_username_and_per_ip() {
    let app = app_with_login_limits(3, 8, "ops-gus").await;
    wrong_passwords(&app, "ops-gus", 3, "a wrong password").await;
    // Even the right password is refused now, with a wait to honour.
    let r = app.login("ops-gus", PASSWORD).await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    assert_problem_conforms(r, "POST", "/v1/auth/login", 429, None).await;
    // Other usernames from the same IP count towards the IP's limit.
    let mut last = 0;
    for i in 0..6 {
        let r = app.login(&format!("user-{i}"), "whatever it is").await;
        last = r.status().as_u16();
    }
    assert_eq!(last, 429, "the IP's limit");
}

/// A stranger's wrong passwords lock the username from the stranger's address only; many more
/// failures from many addresses lock it everywhere.
#[tokio::test]
async fn a_username_is_locked_per_address_before_it_is_locked_everywhere() {
    let app = spawn_app_with(|s| {
        s.limits.login_per_username = 2;
        s.limits.login_per_ip = 0;
        s.trust_proxy = true;
    })
    .await;
    app.add_account("ops-ida", Role::Operator);
    async fn login_from(app: &TestApp, ip: &str, password: &str) -> reqwest::Response {
        app.post_json_with(
            "/v1/auth/login",
            &json!({"username": "ops-ida", "password": password}),
            None,
            &[("X-Forwarded-For", ip)],
        )
        .await
    }
    for _ in 0..2 {
        let r = login_from(&app, "203.0.113.7", "not the password").await;
        assert_eq!(r.status(), 401);
    }
    let r = login_from(&app, "203.0.113.7", PASSWORD).await;
    assert_eq!(r.status(), 429, "locked from the failing address");
    let r = login_from(&app, "198.51.100.1", PASSWORD).await;
    assert_eq!(r.status(), 200, "the owner signs in from elsewhere");
    // With the first two, twenty failures spread over ten addresses lock the username everywhere.
    for i in 0..9 {
        for _ in 0..2 {
            let r = login_from(&app, &format!("192.0.2.{i}"), "not the password").await;
            assert_eq!(r.status(), 401);
        }
    }
    let r = login_from(&app, "198.51.100.2", PASSWORD).await;
    assert_eq!(r.status(), 429, "locked everywhere after many failures");
}

#[tokio::test]
async fn sign_in_limits_of_zero_are_off() {
    let app = app_with_login_limits(0, 0, "ops-hal").await;
    wrong_passwords(&app, "ops-hal", 12, "a wrong password, never a 429").await;
    let r = app.login("ops-hal", PASSWORD).await;
    assert_eq!(r.status(), 200, "the right password still signs in");
}

#[tokio::test]
async fn requests_are_limited_per_client_and_per_token() {
    let app = spawn_app_with(|s| {
        s.limits.per_ip_per_min = 40;
        s.limits.per_token_per_min = 5;
    })
    .await;
    let t = app.visitor_token().await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let r = app.me(&t).await;
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            let body = assert_problem(r, 429, None).await;
            assert_eq!(body["code"], "rate_limited");
        }
    }
    assert_eq!(&statuses[..5], &[200; 5]);
    assert_eq!(statuses[5], 429, "{statuses:?}");
    // Probes are never limited; everything else from this client stops at 40 a minute.
    let mut hit = false;
    for _ in 0..45 {
        assert_eq!(app.get("/healthz").await.status(), 200);
        if app.get("/v1/sites").await.status() == 429 {
            hit = true;
            break;
        }
    }
    assert!(hit, "the per-IP limit answers 429");
}

#[tokio::test]
async fn production_refuses_to_start_without_a_strong_secret() {
    let blank = " ".repeat(32);
    let repeated = "a".repeat(32);
    for secret in [
        None,
        Some("too-short"),
        Some(blank.as_str()),
        Some(repeated.as_str()),
    ] {
        let settings = heritage_guide::config::Settings {
            bind: "127.0.0.1:0".into(),
            database_url: fresh_database_url(),
            production: true,
            jwt_secret: secret.map(|s| heritage_guide::config::Secret(s.into())),
            ..Default::default()
        };
        let err = heritage_guide::startup::Application::build(settings)
            .await
            .err()
            .expect("refused");
        assert!(
            err.contains("secret") || err.contains("HG_JWT_SECRET"),
            "{err}"
        );
    }
    let app = spawn_app_with(|s| {
        s.production = true;
        s.jwt_secret = Some(heritage_guide::config::Secret(
            "k3J9-vQ2m_Lp8xZr4Tn7Wc1Ys6Hd0Fb5Ge".into(),
        ));
    })
    .await;
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[test]
fn the_user_command_reads_the_password_from_stdin_and_disables_accounts() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let db = fresh_database_url();
    let dir = std::env::temp_dir().join(format!("hg-cli-{}", uuid::Uuid::new_v4().simple()));
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_heritage-guide"))
            .args(args)
            .env("DATABASE_URL", &db)
            .env("HG_DATA_DIR", &dir)
            .env("HG_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(
        &["user", "add", "--username", "cli-admin", "--role", "admin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("created cli-admin (admin)"), "{stdout}");
    assert!(!stdout.contains(PASSWORD) && !String::from_utf8_lossy(&out.stderr).contains(PASSWORD));
    let out = run(
        &["user", "add", "--username", "cli-op", "--role", "operator"],
        "short\n",
    );
    assert!(!out.status.success(), "weak password refused");
    let out = run(
        &["user", "add", "--username", "cli-op", "--role", "operator"],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success());
    let out = run(&["user", "disable", "cli-op"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["user", "disable", "cli-admin"], "");
    assert!(!out.status.success(), "the last admin stays");
    let (pool, _) = heritage_guide::store::connect(&db, 1).unwrap();
    let mut c = pool.get().unwrap();
    let u = heritage_guide::store::users::by_username(&mut c, "cli-op")
        .unwrap()
        .unwrap();
    assert!(u.disabled);
    assert!(u.password_hash.starts_with("$argon2id$"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn expired_refresh_tokens_are_refused() {
    let app = spawn_app_with(|s| s.refresh_token_ttl_s = 1).await;
    app.add_account("ops-hal", Role::Operator);
    let s = app.sign_in("ops-hal").await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let r = app.refresh(&s["refresh_token"]).await;
    assert_unauthorized(r, "refresh_token_expired").await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_limits_follow_the_forwarded_client() {
    let app = spawn_app_with(|s| {
        s.trust_proxy = true;
        s.limits.per_ip_per_min = 3;
    })
    .await;
    let get = |ip: &'static str| {
        app.client
            .get(app.url("/v1/sites"))
            .header("X-Forwarded-For", format!("{ip}, 10.0.0.1"))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(get("203.0.113.7").await.unwrap().status(), 200);
    }
    assert_eq!(get("203.0.113.7").await.unwrap().status(), 429);
    assert_eq!(
        get("198.51.100.9").await.unwrap().status(),
        200,
        "another client"
    );
}
