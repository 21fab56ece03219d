//! Plans with an owner and a lifetime: only the owner's token sees where the visitor stood and
//! can give feedback; plans expire and are purged (their feedback stays); plan requests are
//! bounded; plan and visitor-token quotas; readiness with a dependency that hangs.

use crate::helpers::*;
use heritage_guide::auth::Role;
use heritage_guide::store::{self, plans};
use serde_json::{json, Value};
use std::time::Duration;

fn plans_path() -> String {
    format!("/v1/sites/{SITE}/plans")
}

/// A start point no place of the seed has, so its digits show where it leaks.
const START_LAT: &str = "29.5537771";
const START_LON: &str = "106.5366661";

fn request_from_a_point() -> Value {
    json!({
        "start": {"lat": START_LAT.parse::<f64>().unwrap(), "lon": START_LON.parse::<f64>().unwrap()},
        "end": "liziba-station",
        "start_time": "2026-05-16T10:00:00+08:00",
        "budget_min": 180,
        "interests": ["photography", "film"],
    })
}

async fn db<T: Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&mut store::DbConn) -> T + Send + 'static,
) -> T {
    let st = app.state.clone();
    tokio::task::spawn_blocking(move || f(&mut st.pool.get().unwrap()))
        .await
        .unwrap()
}

/// Moves a plan's expiry into the past.
async fn expire(app: &TestApp, plan_id: &str) {
    let id = plan_id.to_string();
    db(app, move |c| {
        use diesel::prelude::*;
        use heritage_guide::store::schema::plans;
        diesel::update(plans::table.find(id))
            .set(plans::expires_at.eq(Some("2020-01-01T00:00:00.000Z")))
            .execute(c)
            .unwrap();
    })
    .await;
}

async fn plan_count(app: &TestApp) -> i64 {
    db(app, |c| plans::count(c).unwrap()).await
}

async fn create(app: &TestApp, req: &Value, token: Option<&str>) -> Value {
    let r = app.post_json_as(&plans_path(), req, token).await;
    conforming(r, "POST", "/v1/sites/{site}/plans", 201).await
}

#[tokio::test]
async fn only_the_owners_token_sees_where_the_visitor_stood() {
    let app = spawn_app().await;
    let owner = app.visitor_token().await;
    let before = store::now_text();
    let plan = create(&app, &request_from_a_point(), Some(&owner)).await;
    let id = plan["id"].as_str().unwrap().to_string();
    let path = format!("/v1/plans/{id}");
    // Stored for the default 30 days.
    let expires = chrono::DateTime::parse_from_rfc3339(plan["expires_at"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "expires in {days} days");
    let text = plan.to_string();
    assert!(text.contains(START_LAT) && text.contains(START_LON));
    let n_legs = plan["legs"].as_array().unwrap().len();
    assert_eq!(n_legs, plan["stops"].as_array().unwrap().len() + 1);

    // The owner reads it all back, privately.
    let r = app.get_as(&path, Some(&owner)).await;
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("private"));
    assert!(r.headers()["vary"]
        .to_str()
        .unwrap()
        .contains("Authorization"));
    let mine = conforming(r, "GET", "/v1/plans/{plan}", 200).await;
    assert_eq!(mine, plan);

    // Anyone else (no token, another visitor, an operator) sees no trace of the start point or
    // of the requested end, and is told so; the stops and the legs between them stay.
    let other = app.visitor_token().await;
    let op = app.token_for(Role::Operator).await;
    for token in [None, Some(other.as_str()), Some(op.as_str())] {
        let r = app.get_as(&path, token).await;
        let public = conforming(r, "GET", "/v1/plans/{plan}", 200).await;
        let text = public.to_string();
        assert!(
            !text.contains(START_LAT) && !text.contains(START_LON),
            "{text}"
        );
        assert!(
            !text.contains("liziba-station"),
            "the end is hidden: {text}"
        );
        assert_eq!(public["location_hidden"], true);
        assert!(public["request"].get("start").is_none());
        let legs = public["legs"].as_array().unwrap();
        assert_eq!(legs.len(), n_legs, "leg i still leads to stop i");
        assert!(legs[0].is_null() && legs[n_legs - 1].is_null());
        assert_eq!(legs[1], plan["legs"][1]);
        assert_eq!(public["stops"], plan["stops"]);
    }
    // A token that is not valid is refused, not taken for an anonymous reader.
    assert_problem(app.get_as(&path, Some("not-a-token")).await, 401, None).await;

    // Creation checks the token it is given.
    let req = request_from_a_point();
    assert_problem_conforms(
        app.post_json_as(&plans_path(), &req, Some("not-a-token"))
            .await,
        "POST",
        "/v1/sites/{site}/plans",
        401,
        None,
    )
    .await;
    assert_problem_conforms(
        app.post_json_as(&plans_path(), &req, Some(&op)).await,
        "POST",
        "/v1/sites/{site}/plans",
        403,
        None,
    )
    .await;
    let elsewhere = app.mint_visitor_token("another-site");
    assert_problem_conforms(
        app.post_json_as(&plans_path(), &req, Some(&elsewhere))
            .await,
        "POST",
        "/v1/sites/{site}/plans",
        403,
        Some("site"),
    )
    .await;

    // The store answers "plans of this visitor for this site since T".
    let visitor = app.me(&owner).await.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let anonymous = create(&app, &request_from_a_point(), None).await;
    let (v, b) = (visitor.clone(), before.clone());
    let issued = db(&app, move |c| {
        plans::issued_to(c, &v, SITE, &b, &store::now_text()).unwrap()
    })
    .await;
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].id, id);
    assert_eq!(issued[0].visitor_id.as_deref(), Some(visitor.as_str()));
    let later = store::now_text();
    let v = visitor.clone();
    let none = db(&app, move |c| {
        plans::issued_to(c, &v, SITE, &later, &store::now_text()).unwrap()
    })
    .await;
    assert!(none.is_empty());
    // An anonymous plan has no owner: its GET is the public view for everyone.
    let r = app
        .get_as(
            &format!("/v1/plans/{}", anonymous["id"].as_str().unwrap()),
            Some(&owner),
        )
        .await;
    assert_eq!(
        conforming(r, "GET", "/v1/plans/{plan}", 200).await["location_hidden"],
        true
    );
}

/// The `heritage-guide plans purge` command on the app's database.
fn purge_command(app: &TestApp) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_heritage-guide"))
        .args(["plans", "purge"])
        .env("DATABASE_URL", &app.state.settings.database_url)
        .env("HG_LOG", "error")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[tokio::test]
async fn an_expired_plan_is_gone_and_purged_and_its_feedback_stays() {
    let app = spawn_app().await;
    let owner = app.visitor_token().await;
    let mut req = request_from_a_point();
    req["must"] = json!(["memory-terrace"]);
    let plan = create(&app, &req, Some(&owner)).await;
    let keep = create(&app, &req, Some(&owner)).await;
    let id = plan["id"].as_str().unwrap().to_string();
    let fb_path = format!("/v1/plans/{id}/feedback");
    let r = app
        .post_json_as(
            &fb_path,
            &json!({"followed": "partly", "overall": 2,
                    "skipped": [{"place_id": "memory-terrace", "reason": "could_not_find"}]}),
            Some(&owner),
        )
        .await;
    let fb = conforming(r, "POST", "/v1/plans/{plan}/feedback", 201).await;
    let aggregates = || {
        db(&app, |c| {
            store::feedback::load_aggregates(c, SITE)
                .unwrap()
                .places
                .get("memory-terrace")
                .map(|a| format!("{a:?}"))
        })
    };
    let before = aggregates().await;
    assert!(before.is_some());

    // Expired: a 404 for readers and for feedback alike, before any purge.
    expire(&app, &id).await;
    assert_problem_conforms(
        app.get(&format!("/v1/plans/{id}")).await,
        "GET",
        "/v1/plans/{plan}",
        404,
        None,
    )
    .await;
    assert_problem(
        app.post_json_as(
            &fb_path,
            &json!({"followed": "all", "overall": 5}),
            Some(&owner),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_eq!(plan_count(&app).await, 2);

    // The command removes it (and only it) and says so.
    let out = purge_command(&app);
    assert!(out.contains("removed 1 expired plan"), "{out}");
    assert_eq!(plan_count(&app).await, 1);
    let r = app
        .get(&format!("/v1/plans/{}", keep["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status(), 200);
    assert!(purge_command(&app).contains("removed 0 expired plan"));

    // The feedback and what was built from it are unchanged, and a rebuild from the raw rows
    // finds the same numbers.
    let fid = fb["id"].as_str().unwrap().to_string();
    let kept = db(&app, move |c| {
        store::feedback::get_plan_feedback(c, SITE, &fid)
            .unwrap()
            .is_some()
    })
    .await;
    assert!(kept, "the feedback outlives its plan");
    assert_eq!(aggregates().await, before);
    let check = db(&app, |c| {
        store::feedback::rebuild_aggregates(c, SITE, true).unwrap()
    })
    .await;
    assert!(!check.changed, "rebuild equals the incremental aggregates");
}

#[tokio::test]
async fn a_retention_of_zero_keeps_plans_for_good() {
    let app = spawn_app_with(|s| s.plan_retention_days = 0).await;
    let plan = create(&app, &request_from_a_point(), None).await;
    assert!(plan["expires_at"].is_null(), "{}", plan["expires_at"]);
    assert!(purge_command(&app).contains("removed 0 expired plan"));
    let r = app
        .get(&format!("/v1/plans/{}", plan["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_server_purges_expired_plans_in_the_background() {
    // Every 0.3 s here; an hour by default.
    let app = spawn_app_with(|s| s.plan_purge_interval_min = 0.005).await;
    let gone = create(&app, &request_from_a_point(), None).await;
    let kept = create(&app, &request_from_a_point(), None).await;
    expire(&app, gone["id"].as_str().unwrap()).await;
    let mut left = plan_count(&app).await;
    for _ in 0..200 {
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = plan_count(&app).await;
    }
    assert_eq!(left, 1, "the expired plan is purged");
    let r = app
        .get(&format!("/v1/plans/{}", kept["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn plan_request_lists_are_deduplicated_and_bounded() {
    let app = spawn_app().await;
    // Repeats are dropped: the plan (and the stored row) echo each interest once.
    let mut req = request_from_a_point();
    req["interests"] = json!(["photography", "film", "photography", "film", "photography"]);
    req["avoid"] = json!(["eling-park", "eling-park"]);
    let plan = create(&app, &req, None).await;
    assert_eq!(plan["request"]["interests"], json!(["photography", "film"]));
    assert_eq!(plan["request"]["avoid"], json!(["eling-park"]));
    let id = plan["id"].as_str().unwrap().to_string();
    let stored = db(&app, move |c| {
        plans::get_live(c, &id, &store::now_text())
            .unwrap()
            .unwrap()
    })
    .await;
    assert_eq!(stored.body_json.matches("\"photography\"").count(), 1);

    // Over the maximum: a 400 naming the list, whatever the items.
    for field in ["interests", "must", "avoid", "areas"] {
        let mut req = request_from_a_point();
        req[field] = json!(vec!["film"; 7_500]);
        let r = app.post_plan(&req).await;
        let b =
            assert_problem_conforms(r, "POST", "/v1/sites/{site}/plans", 400, Some(field)).await;
        assert!(b["detail"].as_str().unwrap().contains("at most 64"), "{b}");
        req[field] = json!(vec!["photography"; 65]);
        assert_problem(app.post_plan(&req).await, 400, Some(field)).await;
    }
    // Overlong texts are refused by name.
    let long = "x".repeat(65);
    for (field, value) in [
        (
            "start_time",
            json!(format!("2026-05-16T10:00:00.{}+08:00", "0".repeat(60))),
        ),
        ("lang", json!(long)),
        ("start", json!(long)),
    ] {
        let mut req = request_from_a_point();
        req[field] = value;
        assert_problem(app.post_plan(&req).await, 400, Some(field)).await;
    }
    let mut req = request_from_a_point();
    req["interests"] = json!(["photography", long]);
    assert_problem(app.post_plan(&req).await, 400, Some("interests[1]")).await;
    assert_eq!(plan_count(&app).await, 1, "nothing refused was stored");
}

#[tokio::test]
async fn plan_quotas_answer_429_per_visitor_and_per_address() {
    let app = spawn_app_with(|s| {
        s.limits.plans_per_token_per_hour = 2;
        s.limits.plans_per_ip_per_hour = 0;
    })
    .await;
    let req = request_from_a_point();
    let t = app.visitor_token().await;
    for _ in 0..2 {
        create(&app, &req, Some(&t)).await;
    }
    let r = app.post_json_as(&plans_path(), &req, Some(&t)).await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry));
    let b = assert_problem_conforms(r, "POST", "/v1/sites/{site}/plans", 429, None).await;
    assert!(
        b["detail"].as_str().unwrap().contains("this visitor"),
        "{b}"
    );
    // Another visitor, and asking without a token (the per-address quota is off), still work.
    create(&app, &req, Some(&app.visitor_token().await)).await;
    create(&app, &req, None).await;

    let app = spawn_app_with(|s| {
        s.limits.plans_per_token_per_hour = 0;
        s.limits.plans_per_ip_per_hour = 3;
    })
    .await;
    let t = app.visitor_token().await;
    create(&app, &req, None).await;
    create(&app, &req, Some(&t)).await;
    create(&app, &req, Some(&app.visitor_token().await)).await;
    let r = app.post_json_as(&plans_path(), &req, Some(&t)).await;
    assert!(r.headers().contains_key("retry-after"));
    let b = assert_problem(r, 429, None).await;
    assert!(b["detail"].as_str().unwrap().contains("this client"), "{b}");
    assert_eq!(plan_count(&app).await, 3);
}

#[tokio::test]
async fn visitor_token_issuance_per_address_is_a_setting() {
    let app = spawn_app_with(|s| s.limits.visitor_tokens_per_ip_per_hour = 2).await;
    for _ in 0..2 {
        app.visitor_token().await;
    }
    let r = app
        .post_json("/v1/auth/visitor", &json!({"site": SITE}))
        .await;
    assert!(r.headers().contains_key("retry-after"));
    assert_problem_conforms(r, "POST", "/v1/auth/visitor", 429, None).await;
    // 0 is off.
    let app = spawn_app_with(|s| s.limits.visitor_tokens_per_ip_per_hour = 0).await;
    for _ in 0..5 {
        app.visitor_token().await;
    }
}

/// A Redis that accepts connections and never answers.
async fn silent_redis() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    format!("redis://127.0.0.1:{port}/")
}

#[tokio::test]
async fn readiness_answers_and_names_the_dependency_that_hangs() {
    let app = spawn_app_with(|s| s.db_pool_size = 2).await;
    // Every connection of the pool is taken: a checkout waits, as with a database that does
    // not answer.
    let st = app.state.clone();
    let held = tokio::task::spawn_blocking(move || {
        (0..2).map(|_| st.pool.get().unwrap()).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for _ in 0..2 {
        let r = app.get("/readyz").await;
        let b = assert_problem_conforms(r, "GET", "/readyz", 503, None).await;
        let db = b["checks"]["database"].as_str().unwrap();
        assert!(db == "not_answering" || db == "unreachable", "{b}");
        assert!(b["detail"].as_str().unwrap().contains("database"), "{b}");
        assert_eq!(b["checks"]["cache"], "in-process");
    }
    drop(held);
    // Ready again once connections are free.
    let mut status = 0;
    for _ in 0..50 {
        status = app.get("/readyz").await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200);

    // Redis that accepts and never answers: degraded (the instance answers from memory), with
    // the cache named; together with a hung database, both are reported in one answer.
    let redis = silent_redis().await;
    let app = spawn_app_with(|s| {
        s.db_pool_size = 2;
        s.redis_url = Some(redis);
    })
    .await;
    let r = app.get("/readyz").await;
    let b = conforming(r, "GET", "/readyz", 200).await;
    assert_eq!(b["status"], "degraded");
    assert_eq!(b["checks"]["cache"], "unreachable");
    let st = app.state.clone();
    let held = tokio::task::spawn_blocking(move || {
        (0..2).map(|_| st.pool.get().unwrap()).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let r = app.get("/readyz").await;
    let b = assert_problem_conforms(r, "GET", "/readyz", 503, None).await;
    assert_ne!(b["checks"]["database"], "ok");
    assert_eq!(b["checks"]["cache"], "unreachable");
    drop(held);
}
