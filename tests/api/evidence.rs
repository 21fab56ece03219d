//! Feedback you can trust: evidence of a visit weighs ratings, one skip per visitor, place and
//! day counts, and bursts are held for moderation (the evidence rules in the README).

use crate::helpers::*;
use heritage_guide::auth::Role;
use serde_json::{json, Value};

const ROOFTOP: &str = "love-rooftop";
const PLATFORM: &str = "liziba-viewing-platform";

async fn summary(app: &TestApp, place: &str) -> Value {
    let (s, page) = app.get_json(&ratings_path(place)).await;
    assert_eq!(s, 200);
    page["summary"].clone()
}

fn evidence(summary: &Value, signal: &str) -> f64 {
    summary["stats"][signal]["n"].as_f64().unwrap()
}

/// A plan of the site asked with `token` (its owner), starting now.
async fn owned_plan(app: &TestApp, token: &str, req: &Value) -> Value {
    let r = app
        .post_json_as(&format!("/v1/sites/{SITE}/plans"), req, Some(token))
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn now_on_site() -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::Utc::now()
        .with_timezone(&offset)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[tokio::test]
async fn a_rating_counts_fully_only_with_evidence_of_a_visit() {
    let app = spawn_app().await;
    let snap = app.state.snapshot(SITE).unwrap();
    let roof = snap.place(ROOFTOP).unwrap().clone();
    let rate = |location: Option<Value>| {
        let mut body = json!({"overall": 4});
        if let Some(l) = location {
            body["location"] = l;
        }
        body
    };
    // No evidence: a quarter.
    let t = app.mint_visitor_token(SITE);
    app.rate(ROOFTOP, &rate(None), &t).await;
    assert_eq!(evidence(&summary(&app, ROOFTOP).await, "overall"), 0.25);
    // A fix 1 km away: no evidence either.
    let far = json!({"lat": roof.lat + 0.009, "lon": roof.lon, "accuracy_m": 10});
    let t = app.mint_visitor_token(SITE);
    app.rate(ROOFTOP, &rate(Some(far)), &t).await;
    assert_eq!(evidence(&summary(&app, ROOFTOP).await, "overall"), 0.5);
    // A vague fix at the place: no evidence.
    let vague = json!({"lat": roof.lat, "lon": roof.lon, "accuracy_m": 500});
    let t = app.mint_visitor_token(SITE);
    app.rate(ROOFTOP, &rate(Some(vague)), &t).await;
    assert_eq!(evidence(&summary(&app, ROOFTOP).await, "overall"), 0.75);
    // A precise fix 60 m away: the visitor is there.
    let near = json!({"lat": roof.lat + 0.0005, "lon": roof.lon, "accuracy_m": 15});
    let t = app.mint_visitor_token(SITE);
    app.rate(ROOFTOP, &rate(Some(near)), &t).await;
    assert_eq!(evidence(&summary(&app, ROOFTOP).await, "overall"), 1.75);

    // A plan issued to the token that holds the place, rated during the plan: full weight.
    let t = app.mint_visitor_token(SITE);
    let plan = owned_plan(
        &app,
        &t,
        &json!({"start": "factory-main-square", "start_time": now_on_site(),
                "budget_min": 180, "must": [PLATFORM]}),
    )
    .await;
    assert!(plan["stops"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["place_id"] == PLATFORM));
    app.rate(PLATFORM, &json!({"overall": 5}), &t).await;
    assert_eq!(evidence(&summary(&app, PLATFORM).await, "overall"), 1.0);
    // The same token rating a place its plan does not hold: a quarter.
    let elsewhere = "eling-park-teahouse";
    assert!(!plan.to_string().contains(elsewhere));
    app.rate(elsewhere, &json!({"overall": 5}), &t).await;
    assert_eq!(evidence(&summary(&app, elsewhere).await, "overall"), 0.25);
    // Another token's plan is no evidence for this one.
    let other = app.mint_visitor_token(SITE);
    app.rate(PLATFORM, &json!({"overall": 5}), &other).await;
    assert_eq!(evidence(&summary(&app, PLATFORM).await, "overall"), 1.25);

    // Malformed fixes are 400s naming the field, and write nothing.
    let before = summary(&app, ROOFTOP).await;
    for (body, field) in [
        (
            json!({"overall": 3, "location": {"lat": 200, "lon": 106.5}}),
            "location.lat",
        ),
        (
            json!({"overall": 3, "location": {"lat": 29.5, "lon": 500}}),
            "location.lon",
        ),
        (
            json!({"overall": 3, "location": {"lat": 29.5, "lon": 106.5, "accuracy_m": -1}}),
            "location.accuracy_m",
        ),
    ] {
        let t = app.mint_visitor_token(SITE);
        let r = app
            .post_json_as(&ratings_path(ROOFTOP), &body, Some(&t))
            .await;
        assert_problem_conforms(
            r,
            "POST",
            "/v1/sites/{site}/places/{place}/ratings",
            400,
            Some(field),
        )
        .await;
    }
    let t = app.mint_visitor_token(SITE);
    let r = app
        .post_json_as(
            &ratings_path(ROOFTOP),
            &json!({"overall": 3, "location": {"lat": 29.5, "lon": 106.5, "alt": 300}}),
            Some(&t),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(summary(&app, ROOFTOP).await, before);
}

#[tokio::test]
async fn a_burst_of_fresh_tokens_is_held_and_moves_no_aggregate_beyond_the_bound() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let before = summary(&app, ROOFTOP).await;
    assert_eq!(before["ratings"], 0);
    // 120 fresh visitor tokens, one damning rating each, none with evidence of a visit.
    for _ in 0..120 {
        let t = app.mint_visitor_token(SITE);
        app.rate(
            ROOFTOP,
            &json!({"overall": 1, "value_for_money": 1, "comment": "天台收费太贵了"}),
            &t,
        )
        .await;
    }
    let after = summary(&app, ROOFTOP).await;
    // Ten count, at a quarter each: 2.5 answers' worth, below the 5 the planner needs.
    assert_eq!(after["ratings"], 10, "{after}");
    assert_eq!(evidence(&after, "overall"), 2.5);
    assert_eq!(after["score"], Value::Null);
    assert_eq!(evidence(&after, "value_for_money"), 2.5);
    // The rest wait for an operator in the moderation list, marked as held by the burst rule.
    let mut items: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/sites/{SITE}/ratings?place={ROOFTOP}&hidden=true&limit=100");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let r = app.get_as(&path, Some(&op)).await;
        let page = conforming(r, "GET", "/v1/sites/{site}/ratings", 200).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(items.len(), 110);
    assert!(items.iter().all(|i| i["moderation"]["by"] == "system:burst"
        && i["moderation"]["reason"]
            .as_str()
            .unwrap()
            .contains("without evidence of a visit")));
    // Insights show what is held.
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/insights"), Some(&op))
        .await;
    let ins = conforming(r, "GET", "/v1/sites/{site}/insights", 200).await;
    assert_eq!(
        ins["held_for_moderation"]["ratings"], 110,
        "{}",
        ins["held_for_moderation"]
    );
    assert_eq!(
        ins["held_for_moderation"]["ratings_by_place"][0]["place_id"],
        ROOFTOP
    );
    // An operator may release one: it counts (still at a quarter).
    let id = items[0]["id"].as_str().unwrap();
    let r = app
        .post_json_as(
            &format!("/v1/sites/{SITE}/ratings/{id}/unhide"),
            &json!({"reason": "checked"}),
            Some(&op),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(evidence(&summary(&app, ROOFTOP).await, "overall"), 2.75);
    // Visitors who were there still count in full during the burst.
    app.rate_as_new_visitor(ROOFTOP, &json!({"overall": 4}))
        .await;
    assert_eq!(evidence(&summary(&app, ROOFTOP).await, "overall"), 3.75);
}

#[tokio::test]
async fn one_token_with_many_plans_cannot_make_a_place_hard_to_find() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let t = app.mint_visitor_token(SITE);
    let req = json!({"start": "liziba-station", "start_time": now_on_site(),
                     "budget_min": 90, "must": [PLATFORM]});
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let plan = owned_plan(&app, &t, &req).await;
        let r = app
            .post_json_as(
                &format!("/v1/plans/{}/feedback", plan["id"].as_str().unwrap()),
                &json!({"followed": "partly", "overall": 1,
                        "skipped": [{"place_id": PLATFORM, "reason": "could_not_find"}]}),
                Some(&t),
            )
            .await;
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let s = summary(&app, PLATFORM).await;
    // One skip per visitor, place and day reaches the aggregates.
    assert_eq!(evidence(&s, "findability"), 1.0, "{s}");
    assert_eq!(s["skips"]["could_not_find"], 1, "{s}");
    // Feedbacks beyond the fifth with skips that day are held for moderation.
    let st = app.state.clone();
    let held = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heritage_guide::store::schema::plan_feedback::dsl as f;
        let mut c = st.pool.get().unwrap();
        f::plan_feedback
            .filter(f::hidden.eq(true))
            .filter(f::moderated_by.eq("system:burst"))
            .count()
            .get_result::<i64>(&mut c)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(held, 35);
    // Plans do not call the platform hard to find.
    let r = app
        .post_json_as(
            &format!("/v1/sites/{SITE}/snapshots"),
            &json!({}),
            Some(&op),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let p = owned_plan(&app, &app.mint_visitor_token(SITE), &req).await;
    assert!(
        p["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["code"] != "hard_to_find"),
        "{}",
        p["warnings"]
    );
}
