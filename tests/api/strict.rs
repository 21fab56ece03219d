//! Strict input on every kind of route: one JSON value per body, no unknown keys at any depth,
//! no unknown query parameters, no encodings the server cannot read, timestamps within the years
//! 2000–2100, and the security headers on every answer.

use crate::helpers::*;
use heritage_guide::auth::Role;
use serde_json::json;

/// Anything after the body's JSON value is refused as a whole (400 naming `body`), and nothing
/// is stored.
#[tokio::test]
async fn trailing_data_after_a_json_body_is_refused() {
    let app = spawn_app().await;
    let visitor = app.visitor_token().await;
    let path = ratings_path("love-rooftop");
    for raw in [
        r#"{"overall":4}{"overall":1}"#,
        r#"{"overall":4} trailing"#,
        r#"{"overall":4}]"#,
    ] {
        let r = app
            .post_raw(&path, "application/json", raw, Some(&visitor))
            .await;
        let body = assert_problem(r, 400, Some("body")).await;
        assert!(
            body["detail"].as_str().unwrap().contains("not valid JSON"),
            "{raw}: {body}"
        );
    }
    let (_, ratings) = app.get_json(&path).await;
    assert_eq!(
        ratings["items"].as_array().map(Vec::len),
        Some(0),
        "{ratings}"
    );
    let r = app
        .post_raw(
            "/v1/auth/visitor",
            "application/json",
            format!("{} {{}}", json!({"site": SITE})),
            None,
        )
        .await;
    assert_problem(r, 400, Some("body")).await;
}

/// An unknown key is named by its path, however deep it sits.
#[tokio::test]
async fn unknown_keys_are_named_at_any_depth() {
    let app = spawn_app().await;
    let point = json!({"lat": 29.5538, "lon": 106.5365, "alt": 300});
    let r = app
        .post_json(
            &format!("/v1/sites/{SITE}/directions"),
            &json!({"from": point, "to": "liziba-viewing-platform"}),
        )
        .await;
    assert_problem(r, 400, Some("from.alt")).await;
    let r = app
        .post_plan(&json!({"start": point, "budget_min": 120}))
        .await;
    assert_problem(r, 400, Some("start.alt")).await;
    let r = app
        .post_plan(&json!({"start": "factory-main-square", "budget_min": 120, "colour": "red"}))
        .await;
    assert_problem(r, 400, Some("colour")).await;

    let visitor = app.visitor_token().await;
    let plan = app
        .post_json_as(
            &format!("/v1/sites/{SITE}/plans"),
            &json!({"start": "factory-main-square", "budget_min": 120,
                    "start_time": "2026-05-16T10:00:00+08:00"}),
            Some(&visitor),
        )
        .await;
    let plan = conforming(plan, "POST", "/v1/sites/{site}/plans", 201).await;
    let stop = plan["stops"][0]["place_id"].as_str().unwrap().to_string();
    let r = app
        .post_json_as(
            &format!("/v1/plans/{}/feedback", plan["id"].as_str().unwrap()),
            &json!({"followed": "partly", "overall": 4,
                    "skipped": [{"place_id": stop, "reason": "crowded", "why": "x"}]}),
            Some(&visitor),
        )
        .await;
    assert_problem(r, 400, Some("skipped[0].why")).await;

    let admin = app.token_for(Role::Admin).await;
    let r = app
        .post_json_as(
            "/v1/users",
            &json!({"username": "otto", "password": PASSWORD, "role": "operator", "email": "x"}),
            Some(&admin),
        )
        .await;
    assert_problem(r, 400, Some("email")).await;
}

/// A query parameter a route does not define is refused with 400 naming it, on public, visitor,
/// operator and admin routes alike (after the credentials are checked).
#[tokio::test]
async fn unknown_query_parameters_are_refused_everywhere() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    let visitor = app.visitor_token().await;
    for (path, token) in [
        ("/v1/sites?foo=bar".to_string(), None),
        (format!("/v1/sites/{SITE}/graph?foo=bar"), None),
        (format!("/v1/sites/{SITE}/bundle?foo=bar"), None),
        (format!("/v1/sites/{SITE}/places?foo=bar"), None),
        (format!("{}?foo=bar", ratings_path("love-rooftop")), None),
        ("/v1/auth/me?foo=bar".to_string(), Some(&visitor)),
        ("/v1/users?foo=bar".to_string(), Some(&admin)),
        (format!("/v1/sites/{SITE}/audit?foo=bar"), Some(&admin)),
        (format!("/v1/sites/{SITE}/insights?foo=bar"), Some(&admin)),
        (format!("/v1/sites/{SITE}/snapshots?foo=bar"), Some(&admin)),
        (format!("/v1/sites/{SITE}/codebook?foo=bar"), Some(&admin)),
    ] {
        let r = app.get_as(&path, token.map(String::as_str)).await;
        let body = assert_problem(r, 400, Some("foo")).await;
        assert!(
            body["detail"].as_str().unwrap().contains("foo"),
            "{path}: {body}"
        );
    }
    let r = app
        .post_json_as(
            "/v1/auth/visitor?foo=bar",
            &json!({"site": SITE}),
            Some(&visitor),
        )
        .await;
    assert_problem(r, 400, Some("foo")).await;
}

/// A body in an encoding the server does not decode is a 415 naming `Content-Encoding`.
#[tokio::test]
async fn an_unsupported_content_encoding_is_415() {
    let app = spawn_app().await;
    let visitor = app.visitor_token().await;
    for encoding in ["compress", "zstd", "gzip, br"] {
        let r = app
            .request(
                reqwest::Method::POST,
                &ratings_path("love-rooftop"),
                Some(&visitor),
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Encoding", encoding),
                ],
            )
            .body(r#"{"overall":4}"#)
            .send()
            .await
            .unwrap();
        assert_problem(r, 415, Some("Content-Encoding")).await;
    }
}

/// Timestamps outside the years 2000–2100 are refused where they are accepted: a plan's start,
/// a rating's visit, and the ranges of moderation lists and insights.
#[tokio::test]
async fn timestamps_lie_within_the_years_2000_to_2100() {
    let app = spawn_app().await;
    for start_time in ["1999-12-31T10:00:00+08:00", "2101-01-01T10:00:00+08:00"] {
        let r = app
            .post_plan(&json!({"start": "factory-main-square", "budget_min": 120,
                               "start_time": start_time}))
            .await;
        assert_problem(r, 400, Some("start_time")).await;
    }
    let visitor = app.visitor_token().await;
    for visited_at in ["1999-06-01T10:00:00+08:00", "2101-06-01T10:00:00+08:00"] {
        let r = app
            .post_json_as(
                &ratings_path("love-rooftop"),
                &json!({"overall": 4, "visited_at": visited_at}),
                Some(&visitor),
            )
            .await;
        assert_problem(r, 400, Some("visited_at")).await;
    }
    let operator = app.token_for(Role::Operator).await;
    for (query, field) in [
        ("from=1999-12-31&to=2000-01-02", "from"),
        ("from=1900-01-01T00:00:00Z&to=1900-02-01T00:00:00Z", "from"),
        ("from=2100-12-30&to=2101-01-02", "to"),
        ("to=9999-12-31", "to"),
    ] {
        for route in ["ratings", "insights", "insights/weekly"] {
            let r = app
                .get_as(
                    &format!("/v1/sites/{SITE}/{route}?{query}"),
                    Some(&operator),
                )
                .await;
            let body = assert_problem(r, 400, Some(field)).await;
            assert!(
                body["detail"].as_str().unwrap().contains("2000"),
                "{route}?{query}: {body}"
            );
        }
    }
    // The bounds themselves are inside.
    let r = app
        .get_as(
            &format!("/v1/sites/{SITE}/ratings?from=2000-01-01&to=2000-01-02"),
            Some(&operator),
        )
        .await;
    conforming(r, "GET", "/v1/sites/{site}/ratings", 200).await;
}

/// Every answer carries the security headers: successes, errors of each kind, redirects to the
/// cache and preflight-less methods alike.
#[tokio::test]
async fn security_headers_are_on_every_answer() {
    let app = spawn_app().await;
    let visitor = app.visitor_token().await;
    let bundle = app.get(&format!("/v1/sites/{SITE}/bundle")).await;
    let tag = etag(&bundle);
    let responses = vec![
        ("200", app.get("/healthz").await),
        (
            "201",
            app.post_json("/v1/auth/visitor", &json!({"site": SITE}))
                .await,
        ),
        (
            "304",
            app.get_with(
                &format!("/v1/sites/{SITE}/bundle"),
                None,
                &[("If-None-Match", &tag)],
            )
            .await,
        ),
        ("400", app.get("/v1/sites?foo=bar").await),
        ("401", app.get("/v1/users").await),
        ("403", app.get_as("/v1/users", Some(&visitor)).await),
        ("404", app.get("/v1/nowhere").await),
        (
            "405",
            app.send("DELETE", "/v1/sites", None, None, None).await,
        ),
        (
            "413",
            app.post_plan(&json!({"start": "x".repeat(70_000)})).await,
        ),
        (
            "415",
            app.post_raw(&format!("/v1/sites/{SITE}/plans"), "text/plain", "hi", None)
                .await,
        ),
    ];
    for (what, r) in responses {
        assert_eq!(r.status().as_str(), what);
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{what}"
        );
    }
    let limited = spawn_app_with(|s| s.limits.per_ip_per_min = 1).await;
    limited.get("/v1/sites").await;
    let r = limited.get("/v1/sites").await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
}
