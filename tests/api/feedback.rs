//! Feedback: ratings and plan feedback (validation, idempotency, moderation), aggregates that
//! equal a rebuild, insights coded like the study, and the planner's reactions end to end.

use crate::helpers::*;
use heritage_guide::auth::Role;
use heritage_guide::store;
use heritage_guide::store::feedback as fstore;
use serde_json::{json, Value};

const PAID_ROOFTOP: &str = "love-rooftop";

async fn operator_token(app: &TestApp) -> String {
    let user = with_db(app, |c| {
        let name = format!("op-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        store::users::create(c, &name, Role::Operator, "not-a-real-hash")
            .unwrap()
            .unwrap()
    })
    .await;
    let c = app
        .state
        .tokens
        .claims(&user.id, Role::Operator, None, 3600);
    app.state.tokens.sign(&c)
}

async fn rating_count(app: &TestApp) -> i64 {
    with_db(app, |c| fstore::count_ratings(c, SITE).unwrap()).await
}

/// Runs `f` on one of the app's database connections, off the async workers.
async fn with_db<T: Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&mut store::DbConn) -> T + Send + 'static,
) -> T {
    let st = app.state.clone();
    tokio::task::spawn_blocking(move || f(&mut st.pool.get().unwrap()))
        .await
        .unwrap()
}

async fn stored_aggregates(app: &TestApp) -> heritage_guide::feedback::aggregates::SiteAggregates {
    with_db(app, |c| fstore::load_aggregates(c, SITE).unwrap()).await
}

async fn aggregates_match_a_rebuild(app: &TestApp) {
    let stored = stored_aggregates(app).await;
    let fresh = with_db(app, |c| fstore::compute_from_raw(c, SITE).unwrap()).await;
    assert_eq!(stored, fresh, "incremental aggregates equal a rebuild");
}

async fn publish(app: &TestApp, op: &str) -> i64 {
    let r = app
        .post_json_as(&format!("/v1/sites/{SITE}/snapshots"), &json!({}), Some(op))
        .await;
    let v = conforming(r, "POST", "/v1/sites/{site}/snapshots", 201).await;
    let version = v["version"].as_i64().unwrap();
    assert_eq!(app.state.snapshot(SITE).unwrap().version, version);
    version
}

async fn plan(app: &TestApp, req: &Value) -> Value {
    let r = app.post_plan(req).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// The places a plan visits: its stops and the places visited at their spots (`also_here`).
fn stop_ids(plan: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for s in plan["stops"].as_array().unwrap() {
        ids.push(s["place_id"].as_str().unwrap().to_string());
        for a in s["also_here"].as_array().into_iter().flatten() {
            if a["visited"] == true {
                ids.push(a["place_id"].as_str().unwrap().to_string());
            }
        }
    }
    ids
}

#[tokio::test]
async fn a_rating_is_stored_coded_and_replaced_by_the_next_one() {
    let app = spawn_app().await;
    let t = app.mint_visitor_token(SITE);
    let r = app
        .post_json_as(
            &ratings_path(PAID_ROOFTOP),
            &json!({"overall": 2, "value_for_money": 1, "photos_ok": true,
                "comment": "天台收费太贵了，不过很出片", "visited_at": "2026-11-21T10:30:00+08:00",
                "crowding": 4}),
            Some(&t),
        )
        .await;
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let first = conforming(r, "POST", "/v1/sites/{site}/places/{place}/ratings", 201).await;
    assert_eq!(
        loc,
        format!("/v1/sites/{SITE}/ratings/{}", first["id"].as_str().unwrap())
    );
    // The author and operators can read it back; another visitor cannot see it exists.
    let r = app.get_as(&loc, Some(&t)).await;
    let mine = conforming(r, "GET", "/v1/sites/{site}/ratings/{rating}", 200).await;
    assert_eq!(mine["id"], first["id"]);
    assert!(mine.get("visitor_id").is_none());
    let op = operator_token(&app).await;
    let r = app.get_as(&loc, Some(&op)).await;
    let theirs: Value = r.json().await.unwrap();
    assert!(theirs["visitor_id"]
        .as_str()
        .unwrap()
        .starts_with("visitor:"));
    let other = app.mint_visitor_token(SITE);
    assert_problem(app.get_as(&loc, Some(&other)).await, 404, None).await;
    assert_problem(app.get_as(&loc, None).await, 401, None).await;
    assert_eq!(first["comment_lang"], "zh");
    let codes: Vec<&str> = first["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"rooftop_fee") && codes.contains(&"photo_spot"),
        "{codes:?}"
    );
    assert_eq!(first["replaced"], false);

    let r = app
        .post_json_as(
            &ratings_path(PAID_ROOFTOP),
            &json!({"overall": 4, "comment": "Great photos at sunset"}),
            Some(&t),
        )
        .await;
    let second = conforming(r, "POST", "/v1/sites/{site}/places/{place}/ratings", 200).await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["revision"], 2);
    assert_eq!(second["replaced"], true);
    assert_eq!(second["value_for_money"], Value::Null);
    assert_eq!(second["comment_lang"], "en");
    assert_eq!(
        rating_count(&app).await,
        1,
        "one rating per visitor and place"
    );

    let (s, page) = app.get_json(&ratings_path(PAID_ROOFTOP)).await;
    assert_eq!(s, 200);
    assert_conforms(
        "GET",
        "/v1/sites/{site}/places/{place}/ratings",
        200,
        "application/json",
        &page,
    );
    assert_eq!(page["summary"]["ratings"], 1);
    assert_eq!(
        page["summary"]["score"],
        Value::Null,
        "one rating is too few to matter"
    );
    // Without evidence of a visit (no plan with the place, no location fix) it counts a quarter.
    assert_eq!(page["summary"]["stats"]["overall"]["n"], 0.25);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["comment"], "Great photos at sunset");
    assert!(page["items"][0].get("visitor_id").is_none());
    aggregates_match_a_rebuild(&app).await;
}

#[tokio::test]
async fn bad_ratings_are_problems_and_write_nothing() {
    let app = spawn_app().await;
    let t = app.mint_visitor_token(SITE);
    let long = "好".repeat(2001);
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"overall": 0}), 400, "overall"),
        (json!({"overall": 6}), 400, "overall"),
        (json!({"overall": 2.5}), 400, "overall"),
        (
            json!({"overall": 3, "value_for_money": 7}),
            400,
            "value_for_money",
        ),
        (json!({"overall": 3, "crowding": 0}), 400, "crowding"),
        (json!({"overall": 3, "findability": -1}), 400, "findability"),
        (json!({"overall": 3, "comment": long}), 400, "comment"),
        (
            json!({"overall": 3, "visited_at": "yesterday"}),
            400,
            "visited_at",
        ),
        (
            json!({"overall": 3, "visited_at": "2099-01-01T10:00:00+08:00"}),
            400,
            "visited_at",
        ),
        (json!({"overall": 3, "stars": 5}), 400, "stars"),
        (json!({"value_for_money": 3}), 400, "overall"),
    ];
    for (body, status, field) in cases {
        let r = app
            .post_json_as(&ratings_path(PAID_ROOFTOP), &body, Some(&t))
            .await;
        assert_problem_conforms(
            r,
            "POST",
            "/v1/sites/{site}/places/{place}/ratings",
            status,
            Some(field),
        )
        .await;
    }
    let ok = json!({"overall": 3});
    // Unknown place, missing token, a token for another site, an operator's token.
    let r = app
        .post_json_as(&ratings_path("no-such-place"), &ok, Some(&t))
        .await;
    assert_problem(r, 404, None).await;
    let r = app
        .post_json_as(&ratings_path(PAID_ROOFTOP), &ok, None)
        .await;
    assert_problem(r, 401, None).await;
    let other = app.mint_visitor_token("another-site");
    let r = app
        .post_json_as(&ratings_path(PAID_ROOFTOP), &ok, Some(&other))
        .await;
    assert_problem(r, 403, Some("site")).await;
    let op = operator_token(&app).await;
    let r = app
        .post_json_as(&ratings_path(PAID_ROOFTOP), &ok, Some(&op))
        .await;
    assert_problem(r, 403, None).await;
    let r = post_with_key(&app, &t, "", &ok).await;
    assert_problem(r, 400, Some("Idempotency-Key")).await;
    assert_eq!(rating_count(&app).await, 0, "nothing was written");
    aggregates_match_a_rebuild(&app).await;
}

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.post_json_with(
        &ratings_path(PAID_ROOFTOP),
        body,
        Some(token),
        &[("Idempotency-Key", key)],
    )
    .await
}

#[tokio::test]
async fn an_idempotency_key_replays_the_reply_and_refuses_another_body() {
    let app = spawn_app().await;
    let t = app.mint_visitor_token(SITE);
    let body = json!({"overall": 5, "comment": "must-visit"});
    let r1 = post_with_key(&app, &t, "retry-1", &body).await;
    assert_eq!(r1.status(), 201);
    assert!(r1.headers().get("idempotent-replayed").is_none());
    let b1: Value = r1.json().await.unwrap();
    let r2 = post_with_key(&app, &t, "retry-1", &body).await;
    assert_eq!(r2.status(), 201, "the stored reply, status included");
    assert_eq!(r2.headers()["idempotent-replayed"], "true");
    let b2: Value = r2.json().await.unwrap();
    assert_eq!(b1, b2);
    let r3 = post_with_key(&app, &t, "retry-1", &json!({"overall": 1})).await;
    assert_problem(r3, 422, Some("Idempotency-Key")).await;
    // The same key of another visitor is another key.
    let t2 = app.mint_visitor_token(SITE);
    assert_eq!(
        post_with_key(&app, &t2, "retry-1", &body).await.status(),
        201
    );
    assert_eq!(rating_count(&app).await, 2);
    let id = b1["id"].as_str().unwrap().to_string();
    let rec = with_db(&app, move |c| {
        fstore::get_rating(c, SITE, &id).unwrap().unwrap()
    })
    .await;
    assert_eq!(rec.revision, 1, "no second write");
    assert_eq!(rec.overall, 5);
}

#[tokio::test]
async fn concurrent_retries_with_one_key_write_exactly_once() {
    let app = spawn_app().await;
    let t = app.mint_visitor_token(SITE);
    let body = json!({"overall": 4, "crowding": 5, "comment": "so crowded at the weekend"});
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, url, t, body) = (
            app.client.clone(),
            app.url(&ratings_path(PAID_ROOFTOP)),
            t.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(t)
                .header("Idempotency-Key", "flaky-network-7")
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }));
    }
    let mut bodies = Vec::new();
    for task in tasks {
        let (status, b) = task.await.unwrap();
        assert_eq!(status, 201, "{b}");
        bodies.push(b);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every retry got the same reply"
    );
    assert_eq!(bodies[0]["revision"], 1);
    assert_eq!(rating_count(&app).await, 1);
    let agg = stored_aggregates(&app).await;
    assert_eq!(agg.places[PAID_ROOFTOP].ratings_n, 1, "counted once");
    aggregates_match_a_rebuild(&app).await;
}

fn plan_through(place: &str) -> Value {
    json!({"start": "factory-main-square", "start_time": "2026-11-21T10:00:00+08:00",
           "budget_min": 240, "interests": ["photography", "film"], "must": [place]})
}

async fn a_plan_through(app: &TestApp, place: &str) -> Value {
    plan(app, &plan_through(place)).await
}

/// A plan through a place asked for with a new visitor's token (so that visitor can give
/// feedback on it), and the token.
async fn an_owned_plan_through(app: &TestApp, place: &str) -> (Value, String) {
    let t = app.mint_visitor_token(SITE);
    let r = app
        .post_json_as(
            &format!("/v1/sites/{SITE}/plans"),
            &plan_through(place),
            Some(&t),
        )
        .await;
    assert_eq!(r.status(), 201);
    (r.json().await.unwrap(), t)
}

#[tokio::test]
async fn plan_feedback_is_checked_against_the_plan() {
    let app = spawn_app().await;
    let (p, t) = an_owned_plan_through(&app, "memory-terrace").await;
    let pid = p["id"].as_str().unwrap();
    let path = format!("/v1/plans/{pid}/feedback");
    let stops = stop_ids(&p);
    let good = json!({"followed": "partly", "overall": 4,
                      "skipped": [{"place_id": "memory-terrace", "reason": "could_not_find"}],
                      "comment": "找不到入口，路线很复杂"});
    let r = app.post_json_as(&path, &good, Some(&t)).await;
    let fb = conforming(r, "POST", "/v1/plans/{plan}/feedback", 201).await;
    assert_eq!(fb["snapshot_version"], p["snapshot_version"]);
    assert_eq!(fb["skipped"][0]["reason"], "could_not_find");
    let not_a_stop = ["liziba-station", "kansheng-tower", "eling-park"]
        .into_iter()
        .find(|s| !stops.iter().any(|x| x == s))
        .unwrap();
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"followed": "maybe", "overall": 3}), 400, "followed"),
        (json!({"followed": "all", "overall": 9}), 400, "overall"),
        (
            json!({"followed": "all", "overall": 3, "skipped": [{"place_id": stops[0], "reason": "no_time"}]}),
            400,
            "skipped",
        ),
        (
            json!({"followed": "partly", "overall": 3, "skipped": [{"place_id": not_a_stop, "reason": "closed"}]}),
            400,
            "skipped[0].place_id",
        ),
        (
            json!({"followed": "partly", "overall": 3, "skipped": [{"place_id": stops[0], "reason": "bored"}]}),
            400,
            "skipped[0].reason",
        ),
        (
            json!({"followed": "not", "overall": 3, "comment": "x".repeat(2001)}),
            400,
            "comment",
        ),
    ];
    for (body, status, field) in cases {
        let r = app.post_json_as(&path, &body, Some(&t)).await;

        assert_problem_conforms(r, "POST", "/v1/plans/{plan}/feedback", status, Some(field)).await;
    }
    let ok = json!({"followed": "all", "overall": 5});
    // Another visitor cannot give feedback on this plan, and nobody on a plan made without a
    // token.
    let t2 = app.mint_visitor_token(SITE);
    let b = assert_problem_conforms(
        app.post_json_as(&path, &ok, Some(&t2)).await,
        "POST",
        "/v1/plans/{plan}/feedback",
        403,
        None,
    )
    .await;
    assert_eq!(b["code"], "not_plan_owner");
    let anonymous = a_plan_through(&app, "memory-terrace").await;
    let b = assert_problem_conforms(
        app.post_json_as(
            &format!("/v1/plans/{}/feedback", anonymous["id"].as_str().unwrap()),
            &ok,
            Some(&t2),
        )
        .await,
        "POST",
        "/v1/plans/{plan}/feedback",
        403,
        None,
    )
    .await;
    assert_eq!(b["code"], "plan_without_owner");
    assert!(
        b["detail"].as_str().unwrap().contains("visitor token"),
        "{b}"
    );
    assert_problem(
        app.post_json_as("/v1/plans/nosuchplan/feedback", &ok, Some(&t2))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(app.post_json_as(&path, &ok, None).await, 401, None).await;
    let other = app.mint_visitor_token("another-site");
    assert_problem(
        app.post_json_as(&path, &ok, Some(&other)).await,
        403,
        Some("site"),
    )
    .await;
    // Only the owner's feedback exists; the refused ones replaced nothing.
    let n = stored_aggregates(&app).await.places["memory-terrace"].could_not_find();
    assert_eq!(n, 1);
    // A second feedback of the same visitor replaces the first.
    let r = app
        .post_json_as(&path, &json!({"followed": "all", "overall": 5}), Some(&t))
        .await;
    assert_eq!(r.status(), 200);
    aggregates_match_a_rebuild(&app).await;
    let agg = stored_aggregates(&app).await;
    assert!(
        !agg.places.contains_key("memory-terrace"),
        "the skip left with the replacement"
    );
}

#[tokio::test]
async fn hidden_ratings_leave_every_aggregate_and_come_back() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let v = app
            .rate_as_new_visitor(
                PAID_ROOFTOP,
                &json!({"overall": 1 + (i % 5), "value_for_money": 1, "findability": 2,
                   "comment": format!("rooftop fee is a rip-off #{i}")}),
            )
            .await;
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let summary = |v: &Value| v["summary"].clone();
    let (_, before) = app.get_json(&ratings_path(PAID_ROOFTOP)).await;
    assert_eq!(summary(&before)["ratings"], 6);
    assert_eq!(summary(&before)["stats"]["value_for_money"]["n"], 6.0);
    let hide = format!("/v1/sites/{SITE}/ratings/{}/hide", ids[0]);
    // Visitors cannot moderate; unknown ids are 404.
    let t = app.mint_visitor_token(SITE);
    assert_problem(
        app.post_json_as(&hide, &json!({}), Some(&t)).await,
        403,
        None,
    )
    .await;
    assert_problem(app.post_json_as(&hide, &json!({}), None).await, 401, None).await;
    let r = app
        .post_json_as(
            &format!("/v1/sites/{SITE}/ratings/r_nope/hide"),
            &json!({}),
            Some(&op),
        )
        .await;
    assert_problem(r, 404, None).await;
    let r = app
        .post_json_as(&hide, &json!({"scope": "everything"}), Some(&op))
        .await;
    assert_problem(r, 400, Some("scope")).await;

    let r = app
        .post_json_as(&hide, &json!({"reason": "abuse"}), Some(&op))
        .await;
    let hidden = conforming(r, "POST", "/v1/sites/{site}/ratings/{rating}/hide", 200).await;
    assert_eq!(hidden["hidden"], true);
    assert_eq!(hidden["moderation"]["reason"], "abuse");
    let (_, after) = app.get_json(&ratings_path(PAID_ROOFTOP)).await;
    assert_eq!(summary(&after)["ratings"], 5);
    assert_eq!(after["items"].as_array().unwrap().len(), 5);
    aggregates_match_a_rebuild(&app).await;
    // Hiding twice changes nothing more.
    assert_eq!(
        app.post_json_as(&hide, &json!({}), Some(&op))
            .await
            .status(),
        200
    );
    aggregates_match_a_rebuild(&app).await;
    let (_, again) = app.get_json(&ratings_path(PAID_ROOFTOP)).await;
    assert_eq!(summary(&again)["ratings"], 5);

    // Only a comment: the scores stay, the text leaves the public and the coding.
    let hc = format!("/v1/sites/{SITE}/ratings/{}/hide", ids[1]);
    assert_eq!(
        app.post_json_as(&hc, &json!({"scope": "comment"}), Some(&op))
            .await
            .status(),
        200
    );
    let (_, c) = app.get_json(&ratings_path(PAID_ROOFTOP)).await;
    assert_eq!(summary(&c)["ratings"], 5);
    assert!(c["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["id"] != ids[1].as_str()));

    let unhide = format!("/v1/sites/{SITE}/ratings/{}/unhide", ids[0]);
    let r = app.post_json_as(&unhide, &json!({}), Some(&op)).await;
    assert_eq!(r.status(), 200);
    let (_, back) = app.get_json(&ratings_path(PAID_ROOFTOP)).await;
    assert_eq!(summary(&back)["ratings"], 6);
    assert_eq!(summary(&back)["stats"], summary(&before)["stats"]);
    aggregates_match_a_rebuild(&app).await;

    // The moderation list shows hidden ones to operators only.
    let r = app
        .get_as(
            &format!("/v1/sites/{SITE}/ratings?hidden=false&limit=4"),
            Some(&op),
        )
        .await;
    let page = conforming(r, "GET", "/v1/sites/{site}/ratings", 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    let cursor = page["next_cursor"].as_str().unwrap();
    let r = app
        .get_as(
            &format!("/v1/sites/{SITE}/ratings?hidden=false&limit=4&cursor={cursor}"),
            Some(&op),
        )
        .await;
    let rest: Value = r.json().await.unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_problem(
        app.get_as(&format!("/v1/sites/{SITE}/ratings"), Some(&t))
            .await,
        403,
        None,
    )
    .await;
    // Every moderation is audited.
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/audit"), Some(&op))
        .await;
    let audit: Value = r.json().await.unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        actions.contains(&"hide") && actions.contains(&"unhide"),
        "{audit}"
    );
}

mod property {
    use super::*;
    use heritage_guide::feedback::aggregates::SkipFacts;
    use proptest::prelude::*;

    const PLACES: [&str; 3] = [PAID_ROOFTOP, "memory-terrace", "liziba-station"];

    #[derive(Clone, Debug)]
    enum Op {
        Rate {
            visitor: u8,
            place: u8,
            overall: u8,
            vfm: Option<u8>,
            crowding: Option<(u8, u8)>,
            findability: Option<u8>,
            photos_ok: Option<bool>,
        },
        Hide(u8),
        Unhide(u8),
        HideComment(u8),
        Feedback {
            visitor: u8,
            plan: u8,
            skips: Vec<(u8, u8, Option<u8>)>,
        },
        HideFeedback(u8),
        UnhideFeedback(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        let score = 1u8..=5;
        prop_oneof![
            4 => (0u8..4, 0u8..3, score.clone(), proptest::option::of(score.clone()),
                  proptest::option::of((score.clone(), 0u8..168)), proptest::option::of(score.clone()),
                  proptest::option::of(any::<bool>()))
                .prop_map(|(visitor, place, overall, vfm, crowding, findability, photos_ok)| Op::Rate {
                    visitor, place, overall, vfm, crowding, findability, photos_ok }),
            1 => any::<u8>().prop_map(Op::Hide),
            1 => any::<u8>().prop_map(Op::Unhide),
            1 => any::<u8>().prop_map(Op::HideComment),
            2 => (0u8..4, 0u8..2, proptest::collection::vec((0u8..3, 0u8..5, proptest::option::of(0u8..168)), 0..3))
                .prop_map(|(visitor, plan, skips)| Op::Feedback { visitor, plan, skips }),
            1 => any::<u8>().prop_map(Op::HideFeedback),
            1 => any::<u8>().prop_map(Op::UnhideFeedback),
        ]
    }

    fn moderation(hidden: Option<bool>, comment_hidden: Option<bool>) -> fstore::Moderation {
        fstore::Moderation {
            hidden,
            comment_hidden,
            reason: None,
            actor: "prop".into(),
        }
    }

    /// Keeps the id of a stored record the first time it is seen.
    fn remember(ids: &mut Vec<String>, body: &str) {
        let id = serde_json::from_str::<Value>(body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }

    #[test]
    fn aggregates_after_any_writes_replacements_and_hides_equal_a_rebuild() {
        let settings = heritage_guide::config::Settings {
            database_url: fresh_database_url(),
            db_pool_size: 2,
            ..Default::default()
        };
        let (pool, _) = heritage_guide::startup::prepare_database(&settings).unwrap();
        let conn = std::cell::RefCell::new(pool.get().unwrap());
        let plans = ["prop-plan-a", "prop-plan-b"];
        for p in plans {
            store::plans::insert(
                &mut conn.borrow_mut(),
                &store::plans::NewPlan {
                    id: p,
                    site_id: SITE,
                    snapshot_version: 1,
                    body_json: "{}",
                    visitor_id: None,
                    expires_at: None,
                    created_at: &store::now_text(),
                    exploration: None,
                },
            )
            .unwrap();
        }
        let case = std::cell::Cell::new(0u32);
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 40,
            ..ProptestConfig::default()
        });
        runner
            .run(&proptest::collection::vec(op(), 1..25), |ops| {
                case.set(case.get() + 1);
                let case = case.get();
                let mut conn = conn.borrow_mut();
                let mut ratings: Vec<String> = Vec::new();
                let mut feedback: Vec<String> = Vec::new();
                for o in ops {
                    match o {
                        Op::Rate {
                            visitor,
                            place,
                            overall,
                            vfm,
                            crowding,
                            findability,
                            photos_ok,
                        } => {
                            let input = fstore::RatingInput {
                                site_id: SITE.into(),
                                place_id: PLACES[place as usize].into(),
                                visitor_id: format!("visitor:{case}-{visitor}"),
                                overall: score(overall),
                                value_for_money: vfm.map(score),
                                crowding: crowding.map(|c| score(c.0)),
                                findability: findability.map(score),
                                photos_ok,
                                visited_at: None,
                                crowd_slot: crowding.map(|c| c.1),
                                comment: Some("crowded rooftop".into()),
                                comment_lang: Some(heritage_guide::domain::Lang::En),
                                codes: vec![],
                                evidence_weight: if visitor % 2 == 0 { 4 } else { 1 },
                                held: None,
                            };
                            let r = heritage_guide::services::feedback::submit_rating(
                                &mut conn,
                                &input,
                                "visitor-hash",
                                None,
                            )
                            .unwrap();
                            remember(&mut ratings, &r.body);
                        }
                        Op::Hide(i) | Op::Unhide(i) | Op::HideComment(i) if !ratings.is_empty() => {
                            let id = &ratings[i as usize % ratings.len()];
                            let m = match o {
                                Op::Hide(_) => moderation(Some(true), None),
                                Op::Unhide(_) => moderation(Some(false), Some(false)),
                                _ => moderation(None, Some(true)),
                            };
                            fstore::moderate_rating(&mut conn, SITE, id, &m)
                                .unwrap()
                                .unwrap();
                        }
                        Op::Feedback {
                            visitor,
                            plan,
                            skips,
                        } => {
                            let mut seen = std::collections::HashSet::new();
                            let skipped = skips
                                .into_iter()
                                .filter(|s| seen.insert(s.0))
                                .map(|(p, r, slot)| SkipFacts {
                                    place_id: PLACES[p as usize].into(),
                                    reason: heritage_guide::feedback::SkipReason::ALL[r as usize],
                                    slot,
                                    day: None,
                                    counts: p % 3 != 0,
                                })
                                .collect();
                            let input = fstore::PlanFeedbackInput {
                                plan_id: plans[plan as usize].into(),
                                site_id: SITE.into(),
                                visitor_id: format!("visitor:{case}-{visitor}"),
                                snapshot_version: 1,
                                followed: heritage_guide::feedback::Followed::Partly,
                                overall: score(3u8),
                                skipped,
                                comment: None,
                                comment_lang: None,
                                codes: vec![],
                                evidence_weight: if visitor % 2 == 0 { 4 } else { 1 },
                                held: None,
                            };
                            let r = heritage_guide::services::feedback::submit_plan_feedback(
                                &mut conn,
                                &input,
                                &[],
                                None,
                            )
                            .unwrap();
                            remember(&mut feedback, &r.body);
                        }
                        Op::HideFeedback(i) | Op::UnhideFeedback(i) if !feedback.is_empty() => {
                            let id = &feedback[i as usize % feedback.len()];
                            let hide = matches!(o, Op::HideFeedback(_));
                            fstore::moderate_plan_feedback(
                                &mut conn,
                                SITE,
                                id,
                                &moderation(Some(hide), None),
                            )
                            .unwrap()
                            .unwrap();
                        }
                        _ => {}
                    }
                }
                let stored = fstore::load_aggregates(&mut conn, SITE).unwrap();
                let fresh = fstore::compute_from_raw(&mut conn, SITE).unwrap();
                prop_assert_eq!(stored, fresh);
                Ok(())
            })
            .unwrap();
        let mut conn = conn.borrow_mut();
        // The rebuild command's check agrees, and a rebuild keeps the numbers.
        let check = fstore::rebuild_aggregates(&mut conn, SITE, true).unwrap();
        assert!(!check.changed);
        let before = fstore::load_aggregates(&mut conn, SITE).unwrap();
        fstore::rebuild_aggregates(&mut conn, SITE, false).unwrap();
        assert_eq!(fstore::load_aggregates(&mut conn, SITE).unwrap(), before);
    }
}

// ---------------------------------------------------------------------------------------------
// The planner's reactions, end to end through the API.

/// Requests tried, in order, to find a default plan that visits a place.
fn candidate_requests() -> Vec<Value> {
    let mut v = Vec::new();
    for interests in [
        json!(["photography", "film"]),
        json!(["film"]),
        json!(["views", "photography"]),
        json!([]),
    ] {
        for budget in [180, 240, 120, 300] {
            v.push(
                json!({"start": "factory-main-square", "start_time": "2026-12-05T09:00:00+08:00",
                          "budget_min": budget, "interests": interests}),
            );
        }
    }
    v
}

/// Default requests with the paid rooftop asked for by name: the seed already sends default
/// plans to the free rooftops beside it, so its weighing shows where a visitor wants it.
fn rooftop_requests() -> Vec<Value> {
    candidate_requests()
        .into_iter()
        .filter(|r| r["budget_min"] == 180 || r["budget_min"] == 240)
        .map(|mut r| {
            r["must"] = json!([PAID_ROOFTOP]);
            r
        })
        .collect()
}

/// The paid rooftop's stop in a plan: utility, summary and the text of its reasons.
fn rooftop_stop(p: &Value) -> Option<(f64, Value, String)> {
    p["stops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["place_id"] == PAID_ROOFTOP)
        .map(|s| {
            let why = s["why"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["text"].as_str().unwrap())
                .collect::<Vec<_>>()
                .join(" | ");
            (s["utility"].as_f64().unwrap(), s["summary"].clone(), why)
        })
}

/// How a plan offers a free rooftop instead of the paid one: the free rooftop's reasons, or
/// the free-alternative warning.
fn free_rooftop_offer(p: &Value) -> Option<String> {
    let stop = p["stops"].as_array().unwrap().iter().find(|s| {
        s["why"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["finding_id"] == "free-rooftops-are-fine")
    });
    if let Some(s) = stop {
        return Some(
            s["why"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["text"].as_str().unwrap())
                .collect::<Vec<_>>()
                .join(" | "),
        );
    }
    p["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "free_alternative")
        .map(|w| w["message"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn default_plans_offer_free_rooftops_and_poor_value_ratings_weigh_on_the_paid_one() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    // Default plans leave the paid rooftop out and say a free one is as good.
    let defaults = candidate_requests();
    let mut offered = 0;
    for req in &defaults {
        let p = plan(&app, req).await;
        assert!(
            !stop_ids(&p).iter().any(|s| s == PAID_ROOFTOP),
            "{req}: {:?}",
            stop_ids(&p)
        );
        if let Some(offer) = free_rooftop_offer(&p) {
            assert!(offer.to_lowercase().contains("free"), "{offer}");
            offered += 1;
        }
    }
    assert!(offered > 0, "some default plan offers a free rooftop");
    // Asked for by name, it is planned and weighed by its fee alone.
    let asked = rooftop_requests();
    let mut before = Vec::new();
    for req in &asked {
        let p = plan(&app, req).await;
        let (u, _, why) = rooftop_stop(&p).unwrap_or_else(|| {
            panic!(
                "{req}: planned in {}",
                serde_json::to_string(
                    &p["stops"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| (s["place_id"].clone(), s["also_here"].clone()))
                        .collect::<Vec<_>>()
                )
                .unwrap()
            )
        });
        assert!(
            why.contains("¥25") && !why.contains("rate its value"),
            "{why}"
        );
        before.push(u);
    }
    let v0 = app.state.snapshot(SITE).unwrap().version;
    for _ in 0..8 {
        app.rate_as_new_visitor(
            PAID_ROOFTOP,
            &json!({"overall": 1, "value_for_money": 1, "comment": "¥25 for this rooftop? Overpriced."}),
        )
        .await;
    }
    // Not yet: plans read the published snapshot.
    let still = plan(&app, &asked[0]).await;
    assert_eq!(rooftop_stop(&still).unwrap().0, before[0]);
    let v1 = publish(&app, &op).await;
    assert!(v1 > v0);
    for (req, u0) in asked.iter().zip(&before) {
        let after = plan(&app, req).await;
        assert_eq!(
            after["snapshot_version"], v1,
            "the plan records the snapshot it used"
        );
        let (u, _, why) = rooftop_stop(&after).expect("still planned: the visitor asked for it");
        assert!(u < u0 - 0.5, "{req}: utility {u0} -> {u}");
        assert!(
            why.contains("8 visitors rate its value for money 1.0/5"),
            "{why}"
        );
        let (_, stored) = app
            .get_json(&format!("/v1/plans/{}", after["id"].as_str().unwrap()))
            .await;
        assert_eq!(stored["snapshot_version"], v1);
    }
    // Default plans that offer a free rooftop now say what visitors think of the paid one.
    let mut rating_cited = false;
    for req in &defaults {
        let p = plan(&app, req).await;
        assert!(!stop_ids(&p).iter().any(|s| s == PAID_ROOFTOP));
        rating_cited |= free_rooftop_offer(&p).is_some_and(|o| o.contains("rate its value 1.0/5"));
    }
    assert!(
        rating_cited,
        "a plan explains the free rooftop by the visitors' value-for-money rating"
    );
}

#[tokio::test]
async fn too_few_ratings_change_nothing() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    let req = rooftop_requests().remove(0);
    let before = plan(&app, &req).await;
    for _ in 0..4 {
        app.rate_as_new_visitor(
            PAID_ROOFTOP,
            &json!({"overall": 1, "value_for_money": 1, "crowding": 5, "findability": 1,
                   "visited_at": "2026-11-21T10:00:00+08:00"}),
        )
        .await;
    }
    let v1 = publish(&app, &op).await;
    // The planner's input is unchanged: no place has enough feedback to matter.
    let data = app.state.snapshot(SITE).unwrap().data.clone();
    let stats = with_db(&app, move |c| {
        heritage_guide::store::feedback::load_stats(c, &data).unwrap()
    })
    .await;
    assert!(
        stats.values().all(|s| s.score().is_none()
            && s.value_for_money().is_none()
            && s.findability().is_none()
            && s.crowding_at(0).is_none()),
        "{stats:?}"
    );
    let after = plan(&app, &req).await;
    assert_eq!(after["snapshot_version"], v1);
    let mut a = stop_ids(&after);
    let mut b = stop_ids(&before);
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same places are planned");
    assert!(rooftop_stop(&before).is_some());
    assert_eq!(
        rooftop_stop(&after),
        rooftop_stop(&before),
        "the rooftop is weighed as before"
    );
    assert_eq!(after["totals"]["fee_cny"], before["totals"]["fee_cny"]);
    assert_eq!(after["warnings"], before["warnings"]);
    let (_, page) = app.get_json(&ratings_path(PAID_ROOFTOP)).await;
    assert_eq!(page["summary"]["ratings"], 4);
    assert_eq!(page["summary"]["score"], Value::Null);
}

fn local_hour(t: &Value) -> u32 {
    use chrono::Timelike;
    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap())
        .unwrap()
        .hour()
}

#[tokio::test]
async fn crowding_reported_at_one_hour_moves_the_visit_or_warns() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    let req = json!({"start": "factory-main-square", "start_time": "2026-12-05T09:00:00+08:00",
                     "budget_min": 240, "interests": ["photography", "film"]});
    let before = plan(&app, &req).await;
    let warned = |p: &Value, name: &str| {
        p["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "crowded" && w["message"].as_str().unwrap().contains(name))
    };
    // A stop outside the usual peaks and not warned about yet.
    let stop = before["stops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            let h = local_hour(&s["arrive"]);
            !(10..12).contains(&h)
                && !(14..18).contains(&h)
                && !warned(&before, s["name"]["en"].as_str().unwrap())
        })
        .expect("a stop outside the peak hours")
        .clone();
    let place = stop["place_id"].as_str().unwrap();
    let name = stop["name"]["en"].as_str().unwrap();
    let hour = local_hour(&stop["arrive"]);
    // Reports on an earlier Saturday (2026-11-21) at that hour.
    for _ in 0..8 {
        app.rate_as_new_visitor(
            place,
            &json!({"overall": 3, "crowding": 5,
                   "visited_at": format!("2026-11-21T{hour:02}:20:00+08:00")}),
        )
        .await;
    }
    let (_, page) = app.get_json(&ratings_path(place)).await;
    let by_hour = page["summary"]["stats"]["crowding_by_hour"]
        .as_array()
        .unwrap();
    let slot = 5 * 24 + hour as usize;
    assert_eq!(by_hour[slot]["mean"], 5.0, "{}", by_hour[slot]);
    assert_eq!(by_hour[slot]["n"], 8.0, "{}", by_hour[slot]);
    assert!(
        by_hour[(slot + 3) % 168].is_null(),
        "an hour nobody reported stays unknown"
    );
    publish(&app, &op).await;
    let after = plan(&app, &req).await;
    let moved = after["stops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["place_id"] == place)
        .map(|s| local_hour(&s["arrive"]) != hour)
        .unwrap_or(true);
    assert!(
        moved || warned(&after, name),
        "{place} at {hour}h is moved or warned about: {}",
        after["warnings"]
    );
}

#[tokio::test]
async fn could_not_find_skips_and_low_findability_add_landmark_hints() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    let target = "memory-terrace";
    let directions = json!({"from": "factory-main-square", "to": target});
    let path = format!("/v1/sites/{SITE}/directions");
    let hints = |leg: &Value| {
        leg["instructions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["en"].as_str().unwrap().contains("easy to miss"))
            .count()
    };
    let before: Value = app
        .post_json(&path, &directions)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hints(&before), 0);
    let mut version = Value::Null;
    for _ in 0..3 {
        let (p, t) = an_owned_plan_through(&app, target).await;
        version = p["snapshot_version"].clone();
        let pid = p["id"].as_str().unwrap();
        let r = app
            .post_json_as(
                &format!("/v1/plans/{pid}/feedback"),
                &json!({"followed": "partly", "overall": 2,
                    "skipped": [{"place_id": target, "reason": "could_not_find"}],
                    "comment": "Could not find the terrace, the way up is hidden"}),
                Some(&t),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    for _ in 0..2 {
        app.rate_as_new_visitor(target, &json!({"overall": 3, "findability": 1}))
            .await;
    }
    publish(&app, &op).await;
    let after: Value = app
        .post_json(&path, &directions)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hints(&after), 1, "{}", after["instructions"]);
    let again = a_plan_through(&app, target).await;
    assert!(again["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "hard_to_find"));
    // Operators see it in the insights.
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/insights"), Some(&op))
        .await;
    let ins = conforming(r, "GET", "/v1/sites/{site}/insights", 200).await;
    let flagged = ins["hard_to_find"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["place_id"] == target)
        .expect("listed as hard to find");
    assert_eq!(flagged["could_not_find_skips"], 3);
    assert_eq!(flagged["directions_add_landmark_hints"], true);
    let outcome = ins["plan_outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["snapshot_version"] == version)
        .unwrap();
    assert_eq!(outcome["feedback"], 3);
    assert_eq!(outcome["top_skip_reasons"][0]["reason"], "could_not_find");
}

// ---------------------------------------------------------------------------------------------
// Insights, the weekly series, the codebook and snapshot publication.

/// Moves a rating's time back, as if it had been given `days` ago.
async fn backdate(app: &TestApp, id: &str, days: i64) {
    use diesel::prelude::*;
    use heritage_guide::store::schema::ratings;
    let id = id.to_string();
    with_db(app, move |c| {
        let at = (chrono::Utc::now() - chrono::Duration::days(days))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        diesel::update(ratings::table.find(&id))
            .set(ratings::updated_at.eq(at))
            .execute(c)
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn insights_grade_codes_like_the_study_and_rank_worsening_places() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    let comments = [
        (PAID_ROOFTOP, 4, 4, "天台收费还可以，拍照出片"),
        (PAID_ROOFTOP, 4, 4, "Nice photos from the rooftop"),
        (
            PAID_ROOFTOP,
            2,
            1,
            "The rooftop fee is a rip-off, minimum spend ¥25",
        ),
        (PAID_ROOFTOP, 2, 1, "天台收费太贵，要买票"),
        (
            PAID_ROOFTOP,
            1,
            1,
            "Paid rooftop, terrible value, ticket too expensive",
        ),
        (
            "memory-terrace",
            5,
            5,
            "Free rooftop with a great view, very photogenic",
        ),
        ("memory-terrace", 5, 5, "免费天台，出片"),
        (
            "liziba-station",
            3,
            3,
            "The monorail through the building, so crowded, 人太多",
        ),
    ];
    let mut ids = Vec::new();
    for (place, overall, vfm, text) in comments {
        let v = app
            .rate_as_new_visitor(
                place,
                &json!({"overall": overall, "value_for_money": vfm, "comment": text}),
            )
            .await;
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    // The two good rooftop ratings are from 40 days ago: value for money is falling.
    backdate(&app, &ids[0], 40).await;
    backdate(&app, &ids[1], 40).await;
    let (p, t) = an_owned_plan_through(&app, "memory-terrace").await;
    let r = app
        .post_json_as(
            &format!("/v1/plans/{}/feedback", p["id"].as_str().unwrap()),
            &json!({"followed": "partly", "overall": 4,
                "skipped": [{"place_id": "memory-terrace", "reason": "crowded"}],
                "comment": "Route was good: factory first, then the rooftop"}),
            Some(&t),
        )
        .await;
    assert_eq!(r.status(), 201);

    let from = (chrono::Utc::now() - chrono::Duration::days(60)).format("%Y-%m-%d");
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/insights?from={from}"), Some(&op))
        .await;
    let ins = conforming(r, "GET", "/v1/sites/{site}/insights", 200).await;
    assert_eq!(ins["totals"]["ratings"], 8);
    assert_eq!(ins["totals"]["plan_feedback"], 1);
    assert_eq!(ins["totals"]["comments"], 9);
    let code = |id: &str| {
        ins["codes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("code {id} found: {}", ins["codes"]))
    };
    let fee = code("rooftop_fee");
    assert_eq!(fee["count"], 4, "{fee}");
    assert_eq!(fee["grade"], "high", "4 of 9 comments");
    assert_eq!(fee["study_frequency"], "medium");
    assert_eq!(fee["example_comment_ids"].as_array().unwrap().len(), 3);
    assert!(code("photo_spot")["count"].as_u64().unwrap() >= 4);
    let practical = ins["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "practical_info")
        .unwrap();
    assert!(practical["count"].as_u64().unwrap() >= 4);
    assert!(!practical["example_comment_ids"]
        .as_array()
        .unwrap()
        .is_empty());
    let wom = ins["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "word_of_mouth")
        .unwrap();
    assert!(wom["count"].as_u64().unwrap() >= 4, "{wom}");
    let vfm = &ins["places"]["value_for_money"];
    assert_eq!(vfm["worst"][0]["place_id"], PAID_ROOFTOP, "{vfm}");
    assert_eq!(
        vfm["fastest_worsening"][0]["place_id"], PAID_ROOFTOP,
        "{vfm}"
    );
    assert!(vfm["fastest_worsening"][0]["change"].as_f64().unwrap() < -2.0);
    let outcome = &ins["plan_outcomes"].as_array().unwrap()[0];
    assert_eq!(outcome["feedback"], 1);
    assert_eq!(outcome["share_partly"], 1.0);
    assert_eq!(outcome["top_skip_reasons"][0]["reason"], "crowded");
    assert!(outcome["plans"].as_u64().unwrap() >= 1);
    // In Chinese.
    let r = app
        .get_with(
            &format!("/v1/sites/{SITE}/insights"),
            Some(&op),
            &[("Accept-Language", "zh")],
        )
        .await;
    let zh: Value = r.json().await.unwrap();
    assert!(zh["codes"][0]["name"]
        .as_str()
        .unwrap()
        .chars()
        .any(|c| c as u32 > 0x4e00));
    // Operators only; ranges are checked.
    let t = app.mint_visitor_token(SITE);
    let path = format!("/v1/sites/{SITE}/insights");
    assert_problem(app.get_as(&path, Some(&t)).await, 403, None).await;
    assert_problem(app.get_as(&path, None).await, 401, None).await;
    let bad = format!("{path}?from=2026-11-20&to=2026-11-01");
    assert_problem(app.get_as(&bad, Some(&op)).await, 400, Some("to")).await;
    let bad = format!("{path}?from=last-week");
    assert_problem(app.get_as(&bad, Some(&op)).await, 400, Some("from")).await;
    assert_problem(
        app.get_as(&format!("{path}?tag=x"), Some(&op)).await,
        400,
        Some("tag"),
    )
    .await;
    // Hidden comments leave the coding.
    let hide = format!("/v1/sites/{SITE}/ratings/{}/hide", ids[2]);
    assert_eq!(
        app.post_json_as(&hide, &json!({"scope": "comment"}), Some(&op))
            .await
            .status(),
        200
    );
    let r = app.get_as(&format!("{path}?from={from}"), Some(&op)).await;
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["totals"]["comments"], 8);
    assert_eq!(again["totals"]["ratings"], 8, "the scores still count");
}

#[tokio::test]
async fn the_weekly_series_comes_as_json_or_csv() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    for (i, place) in [PAID_ROOFTOP, PAID_ROOFTOP, "memory-terrace"]
        .iter()
        .enumerate()
    {
        let v = app
            .rate_as_new_visitor(
                place,
                &json!({"overall": 3 + i, "value_for_money": 2 + i, "photos_ok": i != 1,
                   "comment": "rooftop fee, crowded"}),
            )
            .await;
        if i == 0 {
            backdate(&app, v["id"].as_str().unwrap(), 14).await;
        }
    }
    let from = (chrono::Utc::now() - chrono::Duration::days(27)).format("%Y-%m-%d");
    let path = format!("/v1/sites/{SITE}/insights/weekly?from={from}");
    let r = app.get_as(&path, Some(&op)).await;
    let v = conforming(r, "GET", "/v1/sites/{site}/insights/weekly", 200).await;
    let weeks = v["weeks"].as_array().unwrap();
    assert!((4..=5).contains(&weeks.len()), "{}", weeks.len());
    let total: u64 = weeks.iter().map(|w| w["ratings"].as_u64().unwrap()).sum();
    assert_eq!(total, 3);
    let last = weeks.last().unwrap();
    assert_eq!(last["ratings"], 2);
    assert_eq!(last["photo_success"], 0.5);
    assert_eq!(last["code:rooftop_fee"], 2);
    for w in weeks {
        let d = chrono::NaiveDate::parse_from_str(w["week_start"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
        assert_eq!(chrono::Datelike::weekday(&d), chrono::Weekday::Mon);
    }
    // One place only.
    let r = app
        .get_as(&format!("{path}&place=memory-terrace"), Some(&op))
        .await;
    let one: Value = r.json().await.unwrap();
    let total: u64 = one["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["ratings"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1);
    assert_problem(
        app.get_as(&format!("{path}&place=nowhere"), Some(&op))
            .await,
        400,
        Some("place"),
    )
    .await;
    // CSV.
    let r = app
        .get_with(&path, Some(&op), &[("Accept", "text/csv")])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), weeks.len() + 1);
    let header: Vec<&str> = lines[0].split(',').collect();
    let columns: Vec<&str> = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(header, columns);
    let ratings_col = header.iter().position(|c| *c == "ratings").unwrap();
    let last_row: Vec<&str> = lines.last().unwrap().split(',').collect();
    assert_eq!(last_row[0], last["week_start"].as_str().unwrap());
    assert_eq!(last_row[ratings_col], "2");
    let t = app.mint_visitor_token(SITE);
    assert_problem(app.get_as(&path, Some(&t)).await, 403, None).await;
}

#[tokio::test]
async fn operators_edit_the_codebook_and_comments_are_coded_again() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    let t = app.mint_visitor_token(SITE);
    let v = app
        .rate(
            PAID_ROOFTOP,
            &json!({"overall": 2, "comment": "天台要扫码点单才能上"}),
            &t,
        )
        .await;
    assert!(!v["codes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "rooftop_fee"));
    let (s, cb) = app.get_json(&format!("/v1/sites/{SITE}/codebook")).await;
    assert_eq!(s, 200);
    assert_conforms(
        "GET",
        "/v1/sites/{site}/codebook",
        200,
        "application/json",
        &cb,
    );
    let code = cb["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "rooftop_fee")
        .unwrap()
        .clone();
    let etag = code["etag"].as_str().unwrap().to_string();
    let mut zh: Vec<Value> = code["keywords"]["zh"].as_array().unwrap().clone();
    zh.push(json!("扫码点单"));
    let path = format!("/v1/sites/{SITE}/codebook/codes/rooftop_fee");
    let patch = json!({"keywords": {"zh": zh}});
    assert_problem(
        app.patch_json_as(&path, &patch, &op, None).await,
        428,
        Some("If-Match"),
    )
    .await;
    assert_problem(
        app.patch_json_as(&path, &patch, &op, Some("\"stale\""))
            .await,
        412,
        Some("If-Match"),
    )
    .await;
    assert_problem(
        app.patch_json_as(&path, &patch, &t, Some(&etag)).await,
        403,
        None,
    )
    .await;
    let bad = json!({"sentiment": "angry"});
    assert_problem(
        app.patch_json_as(&path, &bad, &op, Some(&etag)).await,
        400,
        Some("sentiment"),
    )
    .await;
    let bad = json!({"category": "nonsense"});
    assert_problem(
        app.patch_json_as(&path, &bad, &op, Some(&etag)).await,
        400,
        Some("category"),
    )
    .await;
    let version = app.state.snapshot(SITE).unwrap().version;
    let r = app.patch_json_as(&path, &patch, &op, Some(&etag)).await;
    assert_eq!(r.status(), 200);
    let new_etag = r.headers()["etag"].to_str().unwrap().to_string();
    let edited = conforming(r, "PATCH", "/v1/sites/{site}/codebook/codes/{code}", 200).await;
    assert_eq!(edited["recoded_comments"], 1);
    assert_ne!(new_etag, etag);
    assert!(edited["site_version"].as_i64().unwrap() > version);
    assert_eq!(
        app.state.snapshot(SITE).unwrap().version,
        edited["site_version"].as_i64().unwrap()
    );
    // The stored comment carries the code now, and new comments are coded with the edit.
    let r = app
        .get_as(
            &format!("/v1/sites/{SITE}/ratings?code=rooftop_fee"),
            Some(&op),
        )
        .await;
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let v2 = app
        .rate_as_new_visitor(
            PAID_ROOFTOP,
            &json!({"overall": 2, "comment": "又是扫码点单"}),
        )
        .await;
    assert!(v2["codes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "rooftop_fee"));
    // The old ETag is stale now.
    assert_problem(
        app.patch_json_as(&path, &patch, &op, Some(&etag)).await,
        412,
        Some("If-Match"),
    )
    .await;

    // A new code.
    let new = json!({"id": "queue_for_photos", "name": {"zh": "排队拍照", "en": "Queueing for photos"},
                     "category": "negative_reviews", "frequency": "low", "sentiment": "negative",
                     "keywords": {"zh": ["排队"], "en": ["queue"]}});
    let codes_path = format!("/v1/sites/{SITE}/codebook/codes");
    let r = app.post_json_as(&codes_path, &new, Some(&op)).await;
    conforming(r, "POST", "/v1/sites/{site}/codebook/codes", 201).await;
    assert_problem(
        app.post_json_as(&codes_path, &new, Some(&op)).await,
        409,
        Some("id"),
    )
    .await;
    let mut bad = new.clone();
    bad["id"] = json!("Bad Id");
    assert_problem(
        app.post_json_as(&codes_path, &bad, Some(&op)).await,
        400,
        Some("id"),
    )
    .await;
    let v3 = app
        .rate_as_new_visitor(
            "liziba-station",
            &json!({"overall": 3, "comment": "Long queue for the photo"}),
        )
        .await;
    assert!(v3["codes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "queue_for_photos"));
    // Edits are audited.
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/audit"), Some(&op))
        .await;
    let audit: Value = r.json().await.unwrap();
    let code_edits = audit["items"]
        .as_array()
        .map(|a| a.iter().filter(|i| i["entity"] == "code").count())
        .unwrap_or(0);
    assert_eq!(code_edits, 2, "{audit}");
}

#[tokio::test]
async fn fresh_aggregates_are_published_on_the_interval_and_on_request() {
    let app = spawn_app_with(|s| s.snapshot_interval_min = 0.01).await;
    let op = operator_token(&app).await;
    let v0 = app.state.snapshot(SITE).unwrap().version;
    // Nothing to publish: the version stays.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.state.snapshot(SITE).unwrap().version, v0);
    for _ in 0..5 {
        app.rate_as_new_visitor(PAID_ROOFTOP, &json!({"overall": 2, "value_for_money": 1}))
            .await;
    }
    let mut published = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        if app.state.snapshot(SITE).unwrap().version > v0 {
            published = true;
            break;
        }
    }
    assert!(
        published,
        "a snapshot with the new aggregates was published"
    );
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/snapshots"), Some(&op))
        .await;
    let list = conforming(r, "GET", "/v1/sites/{site}/snapshots", 200).await;
    assert_eq!(list["publications"][0]["reason"], "interval");
    let v1 = list["current_version"].as_i64().unwrap();
    // No new feedback: no new version.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.state.snapshot(SITE).unwrap().version, v1);
    // On request, at once.
    let v2 = publish(&app, &op).await;
    assert_eq!(v2, v1 + 1);
    let p = a_plan_through(&app, PAID_ROOFTOP).await;
    assert_eq!(p["snapshot_version"], v2);
    let t = app.mint_visitor_token(SITE);
    let path = format!("/v1/sites/{SITE}/snapshots");
    assert_problem(
        app.post_json_as(&path, &json!({}), Some(&t)).await,
        403,
        None,
    )
    .await;
    assert_problem(app.get_as(&path, None).await, 401, None).await;
}

#[tokio::test]
async fn the_rebuild_command_finds_the_aggregates_equal_to_the_raw_rows() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.rate_as_new_visitor(
            PAID_ROOFTOP,
            &json!({"overall": 1 + i, "crowding": 4, "value_for_money": 2}),
        )
        .await;
    }
    let url = app.state.settings.database_url.clone();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_heritage-guide"))
            .args(["aggregates", "rebuild"])
            .args(args)
            .env("DATABASE_URL", &url)
            .env("HG_LOG", "error")
            .output()
            .unwrap()
    };
    let out = run(&["--check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("already equal"), "{text}");
    // Damage the stored aggregates; the check notices and the rebuild repairs them.
    with_db(&app, |c| {
        use diesel::prelude::*;
        use heritage_guide::store::schema::place_aggregates;
        diesel::update(place_aggregates::table)
            .set(place_aggregates::vfm_sum.eq(99i64))
            .execute(c)
            .unwrap();
    })
    .await;
    let out = run(&["--check"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("rebuilt"));
    aggregates_match_a_rebuild(&app).await;
    assert!(run(&["--check"]).status.success());
}

/// A score of the generated cases (always within 1..=5).
fn score(v: impl Into<i64>) -> heritage_guide::domain::Score {
    heritage_guide::domain::Score::new(v.into()).expect("a score from 1 to 5")
}

#[tokio::test]
async fn plans_explore_little_rated_places_at_a_bounded_cost_and_insights_report_it() {
    let app = spawn_app_with(|s| s.exploration = true).await;
    let op = operator_token(&app).await;
    let req = json!({"start": "factory-main-square", "start_time": "2026-12-05T10:00:00+08:00",
                     "budget_min": 180, "interests": ["photography"]});
    let mut exploring = 0;
    for _ in 0..24 {
        let r = app.post_plan(&req).await;
        let p = conforming(r, "POST", "/v1/sites/{site}/plans", 201).await;
        let marked: Vec<&Value> = p["stops"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["exploration"] == true)
            .collect();
        match p.get("exploration") {
            None => assert!(marked.is_empty()),
            Some(e) => {
                exploring += 1;
                assert_eq!(marked.len(), 1, "one exploratory stop: {p}");
                assert!(e["cost_share"].as_f64().unwrap() <= 0.05, "{e}");
                assert!(e["draw"].as_f64().unwrap() >= 4.0, "{e}");
                let why = marked[0]["why"].to_string();
                assert!(why.contains("Few visitors have rated it yet"), "{why}");
            }
        }
    }
    assert!(exploring > 0, "with no feedback yet some plans explore");
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/insights"), Some(&op))
        .await;
    let ins = conforming(r, "GET", "/v1/sites/{site}/insights", 200).await;
    let e = &ins["exploration"];
    assert_eq!(e["plans"], 24, "{e}");
    assert_eq!(e["exploring"], exploring, "{e}");
    assert!(e["max_cost_share"].as_f64().unwrap() <= 0.05);
    let tried: i64 = e["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["explored"].as_i64().unwrap())
        .sum();
    assert_eq!(tried, exploring);
}

#[tokio::test]
async fn a_highlight_visitors_rate_poorly_is_no_longer_held_in_plans() {
    let app = spawn_app().await;
    let op = operator_token(&app).await;
    let tower = "kansheng-tower";
    let reqs: Vec<Value> = ["09:30", "13:00"]
        .iter()
        .flat_map(|t| {
            [150, 240].map(|b| {
                json!({"start": "eling-park-main-gate",
                       "start_time": format!("2026-12-05T{t}:00+08:00"), "budget_min": b})
            })
        })
        .collect();
    let mut before = 0;
    for r in &reqs {
        let resp = app.post_plan(r).await;
        if resp.status() == 201 {
            let p: Value = resp.json().await.unwrap();
            before += stop_ids(&p).iter().any(|s| s == tower) as usize;
        }
    }
    assert!(
        before >= 3,
        "the tower is a highlight plans hold: {before}/4"
    );
    // Visitors who were there rate it poorly.
    for _ in 0..25 {
        app.rate_as_new_visitor(tower, &json!({"overall": 1})).await;
    }
    publish(&app, &op).await;
    let (_, page) = app.get_json(&ratings_path(tower)).await;
    assert!(page["summary"]["score"].as_f64().unwrap() < 3.0);
    let mut after = 0;
    for r in &reqs {
        let resp = app.post_plan(r).await;
        assert_eq!(resp.status(), 201);
        let p: Value = resp.json().await.unwrap();
        after += stop_ids(&p).iter().any(|s| s == tower) as usize;
        assert!(
            p["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|w| !(w["code"] == "highlight_missed"
                    && w["places"].to_string().contains(tower))),
            "a poorly rated highlight left out is not a missed highlight: {}",
            p["warnings"]
        );
    }
    assert!(
        after < before,
        "held in {after} plans after, {before} before"
    );
}
