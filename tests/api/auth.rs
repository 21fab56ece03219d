//! Accounts and tokens: sign-in, refresh rotation with reuse detection, logout, visitor tokens,
//! roles, account changes, rate limits, production secrets and the `user` command.

use crate::helpers::*;
use heritage_guide::auth::Role;
use heritage_guide::services::accounts;
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery staple";

/// Creates an account directly in the app's store.
pub fn add_account(app: &TestApp, username: &str, role: Role) {
    let mut conn = app.state.pool.get().unwrap();
    accounts::add_user(&mut conn, username, role, PASSWORD).unwrap();
}

/// Asserts the status, parses the JSON body and checks it against the spec.
pub async fn conforming(r: reqwest::Response, method: &str, template: &str, status: u16) -> Value {
    assert_eq!(r.status(), status, "{method} {template}");
    let body: Value = r.json().await.unwrap();
    assert_conforms(method, template, status, "application/json", &body);
    body
}

pub async fn login(app: &TestApp, username: &str) -> Value {
    let r = app
        .post_json(
            "/v1/auth/login",
            &json!({"username": username, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 200, "login as {username}");
    let body: Value = r.json().await.unwrap();
    assert_conforms("POST", "/v1/auth/login", 200, "application/json", &body);
    body
}

/// An access token for a new account of this role.
pub async fn token_for(app: &TestApp, role: Role) -> String {
    let name = format!(
        "{}-{}",
        role.as_str(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    add_account(app, &name, role);
    login(app, &name).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn visitor_token(app: &TestApp) -> String {
    let r = app
        .post_json("/v1/auth/visitor", &json!({"site": SITE}))
        .await;
    let body = conforming(r, "POST", "/v1/auth/visitor", 201).await;
    body["access_token"].as_str().unwrap().to_string()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn post_auth(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut b = app.client.post(app.url(path)).json(body);
    if let Some(t) = token {
        b = b.bearer_auth(t);
    }
    b.send().await.unwrap()
}

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
    add_account(&app, "ops-anna", Role::Operator);
    let first = login(&app, "ops-anna").await;
    assert_eq!(first["role"], "operator");
    let access = first["access_token"].as_str().unwrap();
    let r = me(&app, access).await;
    let body = conforming(r, "GET", "/v1/auth/me", 200).await;
    assert_eq!(body["username"], "ops-anna");

    let r1 = first["refresh_token"].as_str().unwrap();
    let r = app
        .post_json("/v1/auth/refresh", &json!({"refresh_token": r1}))
        .await;
    let second = conforming(r, "POST", "/v1/auth/refresh", 200).await;
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2, "rotated");
    assert_eq!(
        me(&app, second["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );

    // The first refresh token again: reuse. The whole family goes, the newer token too, and so
    // does the access token issued with it.
    let r = app
        .post_json("/v1/auth/refresh", &json!({"refresh_token": r1}))
        .await;
    assert_unauthorized(r, "refresh_token_reused").await;
    let r = app
        .post_json("/v1/auth/refresh", &json!({"refresh_token": r2}))
        .await;
    assert_unauthorized(r, "refresh_token_reused").await;
    assert_unauthorized(
        me(&app, second["access_token"].as_str().unwrap()).await,
        "token_revoked",
    )
    .await;

    // Other sign-ins are separate families.
    let other = login(&app, "ops-anna").await;
    let r = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": other["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post_json("/v1/auth/refresh", &json!({"refresh_token": "nonsense"}))
        .await;
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
    add_account(&app, "ops-ben", Role::Operator);
    for (u, p) in [
        ("ops-ben", "wrong password here"),
        ("nobody-here", PASSWORD),
    ] {
        let r = app
            .post_json("/v1/auth/login", &json!({"username": u, "password": p}))
            .await;
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
    add_account(&app, "ops-cleo", Role::Operator);
    let s = login(&app, "ops-cleo").await;
    let access = s["access_token"].as_str().unwrap();
    let r = post_auth(
        &app,
        "/v1/auth/logout",
        Some(access),
        &json!({"refresh_token": s["refresh_token"]}),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_unauthorized(me(&app, access).await, "token_revoked").await;
    let r = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": s["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status(), 401);
    // Without a token there is nothing to log out of.
    let r = post_auth(&app, "/v1/auth/logout", None, &json!({})).await;
    assert_unauthorized(r, "missing_token").await;
    // A bare logout (no body) revokes just the access token.
    let s = login(&app, "ops-cleo").await;
    let r = app
        .client
        .post(app.url("/v1/auth/logout"))
        .bearer_auth(s["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": s["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status(), 200, "the refresh token survives a bare logout");
}

#[tokio::test]
async fn visitor_tokens_are_anonymous_and_bound_to_one_site() {
    let app = spawn_app().await;
    let t = visitor_token(&app).await;
    let claims = app.state.tokens.verify(&t).unwrap();
    assert_eq!(claims.role, Role::Visitor);
    assert_eq!(claims.site.as_deref(), Some(SITE));
    assert!(claims.require_site(SITE).is_ok());
    let refused =
        heritage_guide::api::error::ApiError::from(claims.require_site("elsewhere").unwrap_err());
    assert_eq!(refused.status, 403);
    let r = me(&app, &t).await;
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
    add_account(&app, "root-admin", Role::Admin);
    let admin = login(&app, "root-admin").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = post_auth(
        &app,
        "/v1/users",
        Some(&admin),
        &json!({"username": "ops-dana", "password": PASSWORD, "role": "operator"}),
    )
    .await;
    let body = conforming(r, "POST", "/v1/users", 201).await;
    assert!(body.get("password_hash").is_none());
    let r = post_auth(
        &app,
        "/v1/users",
        Some(&admin),
        &json!({"username": "ops-dana", "password": PASSWORD, "role": "operator"}),
    )
    .await;
    assert_problem(r, 409, Some("username")).await;
    let r = post_auth(
        &app,
        "/v1/users",
        Some(&admin),
        &json!({"username": "ops-eve", "password": "short", "role": "operator"}),
    )
    .await;
    assert_problem(r, 400, Some("password")).await;
    // A role that is no account's (visitors have none) is refused naming `role`.
    for role in [json!("root"), json!("visitor"), json!("Admin"), json!(1)] {
        let r = post_auth(
            &app,
            "/v1/users",
            Some(&admin),
            &json!({"username": "ops-gus", "password": PASSWORD, "role": role}),
        )
        .await;
        let body = assert_problem(r, 400, Some("role")).await;
        assert_eq!(body["code"], "invalid_parameter", "{body}");
    }

    let op = login(&app, "ops-dana").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .client
        .get(app.url("/v1/users"))
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, None).await;
    let r = app
        .client
        .get(app.url("/v1/users"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let body = conforming(r, "GET", "/v1/users", 200).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    // An unknown query parameter is refused here as on every other route.
    let r = app
        .client
        .get(app.url("/v1/users?foo=bar"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let body = assert_problem(r, 400, Some("foo")).await;
    assert_conforms("GET", "/v1/users", 400, "application/problem+json", &body);
    let r = app
        .client
        .post(app.url("/v1/users?role=admin"))
        .bearer_auth(&admin)
        .json(&json!({"username": "sneaky", "password": "a long enough password", "role": "operator"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, Some("role")).await;
    let r = app
        .client
        .get(app.url("/v1/users"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let body = conforming(r, "GET", "/v1/users", 200).await;
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        2,
        "nothing was written"
    );

    // Disabling works at once: the operator's token is refused, sign-in too.
    let r = app
        .client
        .patch(app.url("/v1/users/ops-dana"))
        .bearer_auth(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    let user = conforming(r, "PATCH", "/v1/users/{username}", 200).await;
    assert_eq!(user["disabled"], true);
    let r = me(&app, &op).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = app
        .post_json(
            "/v1/auth/login",
            &json!({"username": "ops-dana", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 401);

    // The last admin cannot go.
    let r = app
        .client
        .patch(app.url("/v1/users/root-admin"))
        .bearer_auth(&admin)
        .json(&json!({"role": "operator"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, None).await;
    // A promoted operator's old token carries the old role: it must sign in again.
    add_account(&app, "ops-finn", Role::Operator);
    let finn = login(&app, "ops-finn").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .client
        .patch(app.url("/v1/users/ops-finn"))
        .bearer_auth(&admin)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(me(&app, &finn).await.status(), 401);
    let r = app
        .client
        .patch(app.url("/v1/users/nobody"))
        .bearer_auth(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, None).await;
    for role in [json!("root"), json!("visitor"), json!(""), json!(["admin"])] {
        let r = app
            .client
            .patch(app.url("/v1/users/ops-finn"))
            .bearer_auth(&admin)
            .json(&json!({ "role": role }))
            .send()
            .await
            .unwrap();
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
        .client
        .patch(app.url("/v1/users/ops-finn"))
        .bearer_auth(&admin)
        .json(&json!({"role": null}))
        .send()
        .await
        .unwrap();
    let user = conforming(r, "PATCH", "/v1/users/{username}", 200).await;
    assert_eq!(user["role"], "admin");
}

#[tokio::test]
async fn sign_ins_are_limited_per_username_and_per_ip() {
    let app = spawn_app_with(|s| {
        s.limits.login_per_username = 3;
        s.limits.login_per_ip = 8;
    })
    .await;
    add_account(&app, "ops-gus", Role::Operator);
    for _ in 0..3 {
        let r = app
            .post_json(
                "/v1/auth/login",
                &json!({"username": "ops-gus", "password": "not the password"}),
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    // Even the right password is refused now, with a wait to honour.
    let r = app
        .post_json(
            "/v1/auth/login",
            &json!({"username": "ops-gus", "password": PASSWORD}),
        )
        .await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    let body = assert_problem(r, 429, None).await;
    assert_conforms(
        "POST",
        "/v1/auth/login",
        429,
        "application/problem+json",
        &body,
    );
    // Other usernames from the same IP count towards the IP's limit.
    let mut last = 0;
    for i in 0..6 {
        let r = app
            .post_json(
                "/v1/auth/login",
                &json!({"username": format!("user-{i}"), "password": "whatever it is"}),
            )
            .await;
        last = r.status().as_u16();
    }
    assert_eq!(last, 429, "the IP's limit");
}

#[tokio::test]
async fn sign_in_limits_of_zero_are_off() {
    let app = spawn_app_with(|s| {
        s.limits.login_per_username = 0;
        s.limits.login_per_ip = 0;
    })
    .await;
    add_account(&app, "ops-hal", Role::Operator);
    for _ in 0..12 {
        let r = app
            .post_json(
                "/v1/auth/login",
                &json!({"username": "ops-hal", "password": "not the password"}),
            )
            .await;
        assert_eq!(r.status(), 401, "a wrong password, never a 429");
    }
    let r = app
        .post_json(
            "/v1/auth/login",
            &json!({"username": "ops-hal", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 200, "the right password still signs in");
}

#[tokio::test]
async fn requests_are_limited_per_client_and_per_token() {
    let app = spawn_app_with(|s| {
        s.limits.per_ip_per_min = 40;
        s.limits.per_token_per_min = 5;
    })
    .await;
    let t = visitor_token(&app).await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let r = me(&app, &t).await;
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
    add_account(&app, "ops-hal", Role::Operator);
    let s = login(&app, "ops-hal").await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let r = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": s["refresh_token"]}),
        )
        .await;
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
