//! Visit records: plan feedback visits, rating visit times, the operators' import, the learned
//! dwell in insights and in the plans of the next snapshot.

use crate::helpers::*;
use heritage_guide::auth::Role;
use heritage_guide::feedback::visits::VisitSource;
use heritage_guide::store::visits as vstore;
use serde_json::{json, Value};

const TERRACE: &str = "memory-terrace";
const SQUARE: &str = "factory-main-square";

fn visits_path() -> String {
    format!("/v1/sites/{SITE}/visits")
}

async fn stored_visits(app: &TestApp) -> i64 {
    let st = app.state.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = st.pool.get().unwrap();
        vstore::count_visits(&mut c, SITE).unwrap()
    })
    .await
    .unwrap()
}

async fn source_visits(app: &TestApp, source: VisitSource, id: &str) -> Vec<vstore::VisitRecord> {
    let st = app.state.clone();
    let id = id.to_string();
    tokio::task::spawn_blocking(move || {
        let mut c = st.pool.get().unwrap();
        vstore::source_visits(&mut c, source, &id).unwrap()
    })
    .await
    .unwrap()
}

async fn a_plan(app: &TestApp) -> Value {
    a_plan_as(app, None).await
}

/// The plan of [`a_plan`], asked with a visitor token (its owner) when given.
async fn a_plan_as(app: &TestApp, token: Option<&str>) -> Value {
    let req = json!({"start": SQUARE, "start_time": "2026-11-21T10:00:00+08:00",
                     "budget_min": 180, "interests": ["photography"], "must": [TERRACE]});
    let r = app
        .post_json_as(&format!("/v1/sites/{SITE}/plans"), &req, token)
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn stop_dwell(plan: &Value, place: &str) -> f64 {
    plan["stops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["place_id"] == json!(place))
        .unwrap_or_else(|| panic!("{place} is a stop of {plan}"))["dwell_min"]
        .as_f64()
        .unwrap()
}

async fn import(app: &TestApp, token: &str, content_type: &str, body: &str) -> reqwest::Response {
    app.post_raw(&visits_path(), content_type, body.to_string(), Some(token))
        .await
}

#[tokio::test]
async fn plan_feedback_records_visits_checks_them_and_replaces_them() {
    let app = spawn_app().await;
    let t = app.mint_visitor_token(SITE);
    let p = a_plan_as(&app, Some(&t)).await;
    let pid = p["id"].as_str().unwrap();
    let path = format!("/v1/plans/{pid}/feedback");
    let body = json!({"followed": "all", "overall": 5, "visits": [
        {"place": SQUARE, "arrived": "2026-11-21T10:00:00+08:00", "left": "2026-11-21T10:12:00+08:00"},
        {"place": TERRACE, "arrived": "2026-11-21T10:20:00+08:00", "left": "2026-11-21T10:50:00+08:00"},
        // Not a stop of the plan, and without a departure: still a visit of the site.
        {"place": "liziba-station", "arrived": "2026-11-21T12:30:00+08:00"},
    ]});
    let r = app.post_json_as(&path, &body, Some(&t)).await;
    let fb = conforming(r, "POST", "/v1/plans/{plan}/feedback", 201).await;
    assert_eq!(fb["visits"].as_array().unwrap().len(), 3);
    assert_eq!(fb["visits"][1]["arrived"], "2026-11-21T02:20:00Z");
    assert_eq!(fb["visits"][2]["left"], Value::Null);
    assert_eq!(stored_visits(&app).await, 3);
    let rows = source_visits(&app, VisitSource::PlanFeedback, fb["id"].as_str().unwrap()).await;
    assert_eq!(rows.len(), 3);
    // Only a salted hash stands for the visitor.
    let sub = &app.state.tokens.verify(&t).unwrap().sub;
    assert!(rows
        .iter()
        .all(|r| r.visitor_hash.len() == 32 && !r.visitor_hash.contains(sub.as_str())));

    let visit = |place: &str, arrived: &str, left: Option<&str>| {
        let mut v = json!({"place": place, "arrived": arrived});
        if let Some(l) = left {
            v["left"] = json!(l);
        }
        v
    };
    let ok = visit(SQUARE, "2026-11-21T10:00:00+08:00", None);
    let cases: Vec<(Vec<Value>, &str)> = vec![
        (
            vec![visit("nowhere", "2026-11-21T10:00:00+08:00", None)],
            "visits[0].place",
        ),
        (
            vec![
                ok.clone(),
                visit(
                    TERRACE,
                    "2026-11-21T10:20:00+08:00",
                    Some("2026-11-21T10:10:00+08:00"),
                ),
            ],
            "visits[1].left",
        ),
        (vec![visit(TERRACE, "10:20", None)], "visits[0].arrived"),
        (
            vec![visit(TERRACE, "2026-11-10T10:20:00+08:00", None)],
            "visits[0].arrived",
        ),
        (
            vec![visit(
                TERRACE,
                "2026-11-21T10:20:00+08:00",
                Some("2026-11-25T10:20:00+08:00"),
            )],
            "visits[0].left",
        ),
        (vec![ok.clone(), ok.clone()], "visits[1].arrived"),
        (vec![ok.clone(); 51], "visits"),
    ];
    for (visits, field) in cases {
        let b = json!({"followed": "all", "overall": 4, "visits": visits});
        let r = app.post_json_as(&path, &b, Some(&t)).await;
        assert_problem_conforms(r, "POST", "/v1/plans/{plan}/feedback", 400, Some(field)).await;
    }
    assert_eq!(
        stored_visits(&app).await,
        3,
        "a refused feedback writes no visit"
    );

    // Replacing the feedback replaces its visits.
    let again = json!({"followed": "partly", "overall": 3, "visits": [
        {"place": TERRACE, "arrived": "2026-11-21T10:20:00+08:00", "left": "2026-11-21T10:40:00+08:00"}]});
    let r = app.post_json_as(&path, &again, Some(&t)).await;
    let fb2 = conforming(r, "POST", "/v1/plans/{plan}/feedback", 200).await;
    assert_eq!(fb2["id"], fb["id"]);
    assert_eq!(stored_visits(&app).await, 1);
    let rows = source_visits(&app, VisitSource::PlanFeedback, fb["id"].as_str().unwrap()).await;
    assert_eq!(rows[0].left_at.as_deref(), Some("2026-11-21T02:40:00Z"));
    // Without visits, none remain.
    let r = app
        .post_json_as(&path, &json!({"followed": "not", "overall": 2}), Some(&t))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(stored_visits(&app).await, 0);
}

#[tokio::test]
async fn a_ratings_visit_time_is_an_arrival() {
    let app = spawn_app().await;
    let t = app.mint_visitor_token(SITE);
    let r = app
        .rate(
            TERRACE,
            &json!({"overall": 4, "visited_at": "2026-11-21T10:20:00+08:00"}),
            &t,
        )
        .await;
    let rows = source_visits(&app, VisitSource::Rating, r["id"].as_str().unwrap()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].place_id, TERRACE);
    assert_eq!(rows[0].arrived_at, "2026-11-21T02:20:00Z");
    assert_eq!(rows[0].left_at, None);
    // A hidden rating's visit leaves the statistics, and comes back when it is shown again.
    let op = app.token_for(Role::Operator).await;
    let counted = || async {
        let st = app.state.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = st.pool.get().unwrap();
            vstore::load_facts(&mut c, SITE).unwrap().len()
        })
        .await
        .unwrap()
    };
    assert_eq!(counted().await, 1);
    let id = r["id"].as_str().unwrap();
    for (verb, n) in [("hide", 0), ("unhide", 1)] {
        let r = app
            .post_json_as(
                &format!("/v1/sites/{SITE}/ratings/{id}/{verb}"),
                &json!({"scope": "rating", "reason": "test"}),
                Some(&op),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(counted().await, n, "after {verb}");
    }
    // The replacement without a visit time leaves no visit.
    app.rate(TERRACE, &json!({"overall": 3}), &t).await;
    assert_eq!(stored_visits(&app).await, 0);
}

#[tokio::test]
async fn an_import_is_operator_only_checked_line_by_line_and_idempotent() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let csv = format!(
        "visitor,place,arrived,left\n\
         anna,{SQUARE},2026-10-03T10:00:00+08:00,2026-10-03T10:15:00+08:00\n\
         anna,{TERRACE},2026-10-03T10:30:00+08:00,2026-10-03T11:00:00+08:00\n\
         \"bo, jr\",{TERRACE},2026-10-04T15:00:00+08:00,\n"
    );
    // Tokens first: none is 401, a visitor's is 403.
    let r = app
        .post_raw(&visits_path(), "text/csv", csv.clone(), None)
        .await;
    assert_problem(r, 401, None).await;
    let visitor = app.mint_visitor_token(SITE);
    let r = import(&app, &visitor, "text/csv", &csv).await;
    assert_problem(r, 403, None).await;
    let r = import(&app, &op, "application/json", "{}").await;
    assert_problem_conforms(
        r,
        "POST",
        "/v1/sites/{site}/visits",
        415,
        Some("Content-Type"),
    )
    .await;

    // A bad line refuses the whole file, naming every bad line and field.
    let bad = format!(
        "{csv}cleo,nowhere,2026-10-04T15:00:00+08:00,\n\
         cleo,{TERRACE},2026-10-04T15:00:00+08:00,2026-10-04T14:00:00+08:00\n"
    );
    let r = import(&app, &op, "text/csv", &bad).await;
    let p = assert_problem_conforms(r, "POST", "/v1/sites/{site}/visits", 400, Some("place")).await;
    assert_eq!(p["code"], "validation_failed");
    assert_eq!(p["error_count"], 2);
    assert_eq!(
        p["errors"][0],
        json!({"line": 5, "field": "place",
        "message": format!("`nowhere` is not a place of site {SITE}")})
    );
    assert_eq!(p["errors"][1]["line"], 6);
    assert_eq!(p["errors"][1]["field"], "left");
    assert_eq!(stored_visits(&app).await, 0, "nothing written");

    let r = import(&app, &op, "text/csv; charset=utf-8", &csv).await;
    let v = conforming(r, "POST", "/v1/sites/{site}/visits", 200).await;
    assert_eq!(
        (
            v["records"].as_u64(),
            v["added"].as_u64(),
            v["unchanged"].as_u64()
        ),
        (Some(3), Some(3), Some(0))
    );
    assert_eq!(v["stored_visits"], 3);
    // The same file again adds nothing, and so do the same records as JSON lines.
    let r = import(&app, &op, "text/csv", &csv).await;
    let v = conforming(r, "POST", "/v1/sites/{site}/visits", 200).await;
    assert_eq!(
        (v["added"].as_u64(), v["unchanged"].as_u64()),
        (Some(0), Some(3))
    );
    let ndjson = format!(
        "{{\"visitor\":\"anna\",\"place\":\"{SQUARE}\",\"arrived\":\"2026-10-03T02:00:00Z\",\"left\":\"2026-10-03T02:15:00Z\"}}\n\
         {{\"visitor\":\"bo, jr\",\"place\":\"{TERRACE}\",\"arrived\":\"2026-10-04T15:00:00+08:00\",\"left\":\"2026-10-04T15:40:00+08:00\"}}\n"
    );
    let r = import(&app, &op, "application/x-ndjson", &ndjson).await;
    let v = conforming(r, "POST", "/v1/sites/{site}/visits", 200).await;
    assert_eq!(
        (
            v["added"].as_u64(),
            v["updated"].as_u64(),
            v["unchanged"].as_u64()
        ),
        (Some(0), Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(stored_visits(&app).await, 3);

    // Each import is in the audit log.
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/audit?entity=visits"), Some(&op))
        .await;
    let audit = conforming(r, "GET", "/v1/sites/{site}/audit", 200).await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{audit}");
    assert_eq!(items[0]["entity"], "visits");
    assert_eq!(items[0]["source"], "import");
    assert_eq!(items[0]["after"]["updated"], 1);
    assert_eq!(items[2]["after"]["added"], 3);
}

#[tokio::test]
async fn enough_visits_change_a_plans_stop_lengths_after_a_publication() {
    let app = spawn_app_with(|s| s.snapshot_interval_min = 0.0).await;
    let op = app.token_for(Role::Operator).await;
    let before = a_plan(&app).await;
    assert_eq!(stop_dwell(&before, TERRACE), 15.0, "the seed's dwell");

    // Four visitors stay 45 minutes: too few for the planner.
    let line = |i: usize| {
        format!(
            "v{i},{TERRACE},2026-10-0{}T10:00:00+08:00,2026-10-0{}T10:45:00+08:00\n",
            i + 1,
            i + 1
        )
    };
    let four: String = (0..4).map(line).collect();
    let r = import(
        &app,
        &op,
        "text/csv",
        &format!("visitor,place,arrived,left\n{four}"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/insights"), Some(&op))
        .await;
    let ins = conforming(r, "GET", "/v1/sites/{site}/insights", 200).await;
    let row = |ins: &Value, id: &str| {
        ins["visits"]["places"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["place_id"] == json!(id))
            .unwrap()
            .clone()
    };
    assert_eq!(row(&ins, TERRACE)["learned_dwell_min"], Value::Null);
    assert_eq!(row(&ins, TERRACE)["dwell_n"], 4);
    assert_eq!(ins["visits"]["site_pace"], Value::Null);

    // The fifth is enough: insights show the learned dwell and the site pace.
    let five: String = (0..5).map(line).collect();
    let r = import(
        &app,
        &op,
        "text/csv",
        &format!("visitor,place,arrived,left\n{five}"),
    )
    .await;
    let v = conforming(r, "POST", "/v1/sites/{site}/visits", 200).await;
    assert_eq!(
        (v["added"].as_u64(), v["unchanged"].as_u64()),
        (Some(1), Some(4))
    );
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/insights"), Some(&op))
        .await;
    let ins = conforming(r, "GET", "/v1/sites/{site}/insights", 200).await;
    let t = row(&ins, TERRACE);
    assert_eq!(
        (
            t["seed_dwell_min"].as_f64(),
            t["learned_dwell_min"].as_f64()
        ),
        (Some(15.0), Some(45.0))
    );
    assert_eq!(t["dwell_source"], "visits");
    assert_eq!(ins["visits"]["site_pace"], 3.0);
    assert_eq!(ins["visits"]["site_pace_n"], 5);
    let s = row(&ins, SQUARE);
    assert_eq!(
        (s["planned_dwell_min"].as_f64(), s["dwell_source"].as_str()),
        (Some(30.0), Some("site_pace"))
    );
    assert_eq!(t["suggested_popularity"], 1.0);

    // Plans keep the published snapshot's numbers until the next publication.
    let same = a_plan(&app).await;
    assert_eq!(stop_dwell(&same, TERRACE), 15.0);
    let r = app
        .post_json_as(
            &format!("/v1/sites/{SITE}/snapshots"),
            &json!({}),
            Some(&op),
        )
        .await;
    let status = r.status().as_u16();
    let published: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{published}");
    let after = a_plan(&app).await;
    assert_eq!(after["snapshot_version"], published["version"]);
    assert_eq!(stop_dwell(&after, TERRACE), 45.0, "the learned dwell");
    if let Some(square) = after["stops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["place_id"] == json!(SQUARE))
    {
        assert!(
            square["dwell_min"].as_f64().unwrap() >= 30.0,
            "the site pace: {square}"
        );
    }
}
