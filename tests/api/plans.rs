use crate::helpers::*;
use serde_json::{json, Value};

fn plan_path() -> String {
    format!("/v1/sites/{SITE}/plans")
}

fn base_request() -> Value {
    json!({
        "start": "factory-main-square",
        "start_time": "2026-05-16T10:00:00+08:00",
        "budget_min": 180,
        "interests": ["photography", "film"],
    })
}

fn rfc3339(s: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(s.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn plans_a_feasible_explained_visit_and_stores_it() {
    let app = spawn_app().await;
    let r = app.post_plan(&base_request()).await;
    assert_eq!(r.status(), 201);
    let loc = r
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let plan = conforming(r, "POST", "/v1/sites/{site}/plans", 201).await;
    let stops = plan["stops"].as_array().unwrap();
    let legs = plan["legs"].as_array().unwrap();
    assert!(
        stops.len() >= 3,
        "a 3-hour visit has several stops: {}",
        stops.len()
    );
    assert_eq!(legs.len(), stops.len());
    let start = rfc3339(&json!("2026-05-16T10:00:00+08:00"));
    let end = start + chrono::Duration::minutes(180);
    let mut prev = start;
    for (s, l) in stops.iter().zip(legs) {
        let arrive = rfc3339(&s["arrive"]);
        let depart = rfc3339(&s["depart"]);
        let walk = l["duration_s"].as_f64().unwrap();
        assert!(
            arrive >= prev + chrono::Duration::milliseconds((walk * 1000.0) as i64 - 1500),
            "arrive after walking"
        );
        assert!(depart >= arrive);
        assert!(depart <= end, "within the budget");
        assert!(
            !s["why"].as_array().unwrap().is_empty(),
            "every stop says why"
        );
        prev = depart;
    }
    assert!(!plan["explanations"].as_array().unwrap().is_empty());
    let id = plan["id"].as_str().unwrap();
    assert_eq!(loc, format!("/v1/plans/{id}"));
    // A plan asked for without a token reads back without its start (see plan_lifetime.rs).
    let (s, again) = app.get_json(&loc).await;
    assert_eq!(s, 200);
    assert_conforms("GET", "/v1/plans/{plan}", 200, "application/json", &again);
    assert_eq!(again["stops"], plan["stops"]);
    assert_eq!(
        again["legs"].as_array().unwrap()[1..],
        plan["legs"].as_array().unwrap()[1..]
    );
    assert_eq!(again["location_hidden"], true);
    assert_problem(app.get("/v1/plans/doesnotexist").await, 404, None).await;
}

#[tokio::test]
async fn factory_comes_before_liziba() {
    let app = spawn_app().await;
    let mut req = base_request();
    req["budget_min"] = json!(300);
    req["interests"] = json!(["photography", "views", "architecture"]);
    let plan: Value = app.post_plan(&req).await.json().await.unwrap();
    let areas: Vec<&str> = plan["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["area"].as_str().unwrap())
        .collect();
    if let (Some(last_f), Some(first_l)) = (
        areas.iter().rposition(|a| *a == "factory"),
        areas.iter().position(|a| *a == "liziba"),
    ) {
        assert!(last_f < first_l, "factory first, then Liziba: {areas:?}");
    }
}

#[tokio::test]
async fn avoid_paid_and_step_free_are_obeyed() {
    let app = spawn_app().await;
    let mut req = base_request();
    req["avoid_paid"] = json!(true);
    req["profile"] = json!("step_free");
    req["interests"] = json!(["views", "photography"]);
    let r = app.post_plan(&req).await;
    assert_eq!(r.status(), 201);
    let plan: Value = r.json().await.unwrap();
    for s in plan["stops"].as_array().unwrap() {
        assert_eq!(s["fee_cny"].as_f64().unwrap(), 0.0);
    }
    for l in plan["legs"].as_array().unwrap() {
        for e in l["edges"].as_array().unwrap() {
            assert_ne!(e["kind"], "stairs");
        }
    }
    assert_eq!(plan["totals"]["fee_cny"].as_f64().unwrap(), 0.0);
}

#[tokio::test]
async fn bad_plan_requests_are_problems_naming_the_field() {
    let app = spawn_app().await;
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"budget_min": 0}), 400, "budget_min"),
        (json!({"budget_min": 1441}), 400, "budget_min"),
        // A well-formed point far from the site is a semantic refusal, not a malformed request.
        (json!({"start": {"lat": 39.9, "lon": 116.39}}), 422, "start"),
        (
            json!({"start": {"lat": 29.5538, "lon": 106.5365, "alt": 300}}),
            400,
            "start",
        ),
        (json!({"start": "no-such-place"}), 404, "start"),
        (json!({"interests": ["skydiving"]}), 400, "interests"),
        (json!({"profile": "jetpack"}), 400, "profile"),
        (json!({"start_time": "tomorrow"}), 400, "start_time"),
        (
            json!({"start_time": "9999-12-31T09:00:00+08:00"}),
            400,
            "start_time",
        ),
        (json!({"colour": "red"}), 400, "colour"),
        (json!({"must": ["no-such-place"]}), 404, "must"),
    ];
    for (patch, status, field) in cases {
        let mut req = base_request();
        for (k, v) in patch.as_object().unwrap() {
            req[k] = v.clone();
        }
        let r = app.post_plan(&req).await;
        let body = assert_problem(r, status, None).await;
        assert!(
            body["field"].as_str().unwrap_or("").starts_with(field),
            "{patch}: field {} in {body}",
            body["field"]
        );
    }
    // One JSON value is a body; anything after it is refused, and nothing is stored.
    for tail in [" trailing", "{\"budget_min\": 60}"] {
        let r = app
            .post_raw(
                &plan_path(),
                "application/json",
                format!("{}{tail}", base_request()),
                None,
            )
            .await;
        let body = assert_problem(r, 400, Some("body")).await;
        assert!(
            body["detail"].as_str().unwrap().contains("not valid JSON"),
            "{body}"
        );
    }
    // A query parameter the route does not define is refused, not ignored.
    let r = app
        .post_json(&format!("{}?budget_min=60", plan_path()), &base_request())
        .await;
    assert_problem(r, 400, Some("budget_min")).await;
    let mut req = base_request();
    req.as_object_mut().unwrap().remove("budget_min");
    assert_problem_conforms(
        app.post_plan(&req).await,
        "POST",
        "/v1/sites/{site}/plans",
        400,
        Some("budget_min"),
    )
    .await;
    let r = app.post_raw(&plan_path(), "text/plain", "hi", None).await;
    assert_problem(r, 415, None).await;
    let r = app
        .post_raw(&plan_path(), "application/json", "{not json", None)
        .await;
    assert_problem(r, 400, None).await;
    let big = "x".repeat(70_000);
    let r = app.post_plan(&json!({"start": big})).await;
    assert_problem(r, 413, None).await;
}

#[tokio::test]
async fn directions_name_landmarks_and_respect_profiles() {
    let app = spawn_app().await;
    let path = format!("/v1/sites/{SITE}/directions");
    let (from, to) = ("factory-main-square", "liziba-viewing-platform");
    let r = app.post_json(&path, &json!({"from": from, "to": to})).await;
    let leg = conforming(r, "POST", "/v1/sites/{site}/directions", 200).await;
    assert!(
        leg["descent_m"].as_f64().unwrap() > 80.0,
        "down the hill: {}",
        leg["descent_m"]
    );
    assert!(leg["length_m"].as_f64().unwrap() > 300.0);
    let coords = leg["geometry"]["coordinates"].as_array().unwrap();
    assert!(coords.len() >= 2);
    let instr = leg["instructions"].as_array().unwrap();
    assert!(!instr.is_empty());
    assert!(instr
        .iter()
        .all(|i| !i["zh"].as_str().unwrap().is_empty() && !i["en"].as_str().unwrap().is_empty()));

    let up = app
        .post_json(&path, &json!({"from": to, "to": from}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        up["duration_s"].as_f64().unwrap() > leg["duration_s"].as_f64().unwrap(),
        "uphill takes longer"
    );

    let sf = app
        .post_json(
            &path,
            &json!({"from": from, "to": to, "profile": "step_free"}),
        )
        .await;
    if sf.status() == 200 {
        let sf: Value = sf.json().await.unwrap();
        assert!(sf["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"] != "stairs"));
    } else {
        assert_problem(sf, 422, None).await;
    }
    let pt = app
        .post_json(
            &path,
            &json!({"from": {"lat": 29.5538, "lon": 106.5363}, "to": to}),
        )
        .await;
    assert_eq!(pt.status(), 200);

    assert_problem(
        app.post_json(&path, &json!({"from": from})).await,
        400,
        Some("to"),
    )
    .await;
    assert_problem(
        app.post_json(&path, &json!({"from": from, "to": "nope"}))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.post_json(
            &path,
            &json!({"from": from, "to": to, "profile": "jetpack"}),
        )
        .await,
        400,
        Some("profile"),
    )
    .await;
    assert_problem(
        app.post_json(&path, &json!({"from": {"lat": 0.0, "lon": 0.0}, "to": to}))
            .await,
        422,
        Some("from"),
    )
    .await;
}

async fn plan_ok(app: &TestApp, req: &Value) -> Value {
    let r = app.post_plan(req).await;
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert_conforms(
        "POST",
        "/v1/sites/{site}/plans",
        201,
        "application/json",
        &body,
    );
    body
}

fn stop_ids(plan: &Value) -> Vec<String> {
    plan["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["place_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn must_avoid_areas_and_fee_caps_are_obeyed() {
    let app = spawn_app().await;
    let mut req = base_request();
    req["must"] = json!(["kansheng-tower"]);
    req["avoid"] = json!(["city-radio-rooftop"]);
    req["max_fee_cny"] = json!(10);
    let plan = plan_ok(&app, &req).await;
    let ids = stop_ids(&plan);
    assert!(ids.contains(&"kansheng-tower".to_string()), "{ids:?}");
    assert!(!ids.contains(&"city-radio-rooftop".to_string()));
    assert!(plan["totals"]["fee_cny"].as_f64().unwrap() <= 10.0);

    let mut req = base_request();
    req["start"] = json!("eling-park-main-gate");
    req["areas"] = json!(["eling-park"]);
    let plan = plan_ok(&app, &req).await;
    assert!(!plan["stops"].as_array().unwrap().is_empty());
    assert!(
        plan["stops"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["area"] == "eling-park"),
        "{:?}",
        stop_ids(&plan)
    );
}

#[tokio::test]
async fn an_end_point_gets_a_last_leg_that_arrives_in_the_budget() {
    let app = spawn_app().await;
    let mut req = base_request();
    req["end"] = json!("liziba-station");
    req["budget_min"] = json!(150);
    let plan = plan_ok(&app, &req).await;
    let stops = plan["stops"].as_array().unwrap();
    let legs = plan["legs"].as_array().unwrap();
    assert_eq!(legs.len(), stops.len() + 1, "a last leg to the end");
    let last = legs.last().unwrap();
    assert_eq!(last["to"], "liziba-station");
    assert!(plan["totals"]["duration_s"].as_f64().unwrap() <= 150.0 * 60.0 + 1.0);

    // An end that cannot be reached in the budget is refused with the reason.
    let mut req = base_request();
    req["start"] = json!("eling-station");
    req["end"] = json!("liziba-bus-stop");
    req["budget_min"] = json!(3);
    let r = app.post_plan(&req).await;
    let body = assert_problem(r, 422, None).await;
    assert!(
        body["field"].as_str().unwrap_or("").starts_with("end") || body["field"] == "budget_min",
        "{body}"
    );
}

#[tokio::test]
async fn daylight_spots_are_not_planned_after_sunset() {
    let app = spawn_app().await;
    // 21 December: sunset in Chongqing is a little after 18:00.
    let mut req = base_request();
    req["start_time"] = json!("2026-12-21T18:45:00+08:00");
    req["budget_min"] = json!(120);
    req["interests"] = json!(["photography", "views", "food"]);
    let plan = plan_ok(&app, &req).await;
    let sunset = rfc3339(&plan["sunset"]);
    assert!(
        sunset.format("%H:%M").to_string().as_str() < "18:30",
        "sunset {sunset}"
    );
    for s in plan["stops"].as_array().unwrap() {
        let k = s["kind"].as_str().unwrap();
        // Places known for their night view are what a plan after dark should hold.
        let (_, place) = app
            .get_json(&format!(
                "/v1/sites/{SITE}/places/{}",
                s["place_id"].as_str().unwrap()
            ))
            .await;
        if place["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|x| x == "night_view"))
        {
            continue;
        }
        assert!(
            ![
                "photo_spot",
                "rooftop",
                "viewpoint",
                "graffiti",
                "film_location",
                "fan_spot",
                "footbridge"
            ]
            .contains(&k),
            "{k} after dark"
        );
    }
}

#[tokio::test]
async fn plans_are_deterministic_for_the_same_request() {
    let app = spawn_app().await;
    let a = plan_ok(&app, &base_request()).await;
    let b = plan_ok(&app, &base_request()).await;
    assert_eq!(stop_ids(&a), stop_ids(&b));
    assert_ne!(a["id"], b["id"]);
    assert_eq!(a["snapshot_version"], b["snapshot_version"]);
}

#[tokio::test]
async fn explanations_cite_findings_by_id_and_in_words() {
    let app = spawn_app().await;
    let (_, findings) = app.get_json(&format!("/v1/sites/{SITE}/findings")).await;
    let ids: Vec<&str> = findings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let mut req = base_request();
    req["budget_min"] = json!(360);
    req["interests"] = json!(["photography", "views", "history"]);
    let plan = plan_ok(&app, &req).await;
    for s in plan["stops"].as_array().unwrap() {
        for c in s["why"].as_array().unwrap() {
            // A reason of the plan's own (a description, a meal time) has no finding.
            if let Some(id) = c["finding_id"].as_str() {
                assert!(ids.contains(&id), "cites a real finding: {c}");
            }
            assert!(c["text"].as_str().unwrap().len() > 10);
        }
    }
    let areas: std::collections::HashSet<&str> = plan["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["area"].as_str().unwrap())
        .collect();
    if areas.contains("factory") && areas.contains("liziba") {
        assert!(
            plan["explanations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["finding_id"] == "route-factory-then-liziba"),
            "the order is explained"
        );
    }
    // Chinese when asked.
    let r = app
        .post_json_with(
            &plan_path(),
            &base_request(),
            None,
            &[("Accept-Language", "zh-CN")],
        )
        .await;
    let zh: Value = r.json().await.unwrap();
    let text = zh["stops"][0]["why"][0]["text"].as_str().unwrap();
    assert!(
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{text}"
    );
}

#[tokio::test]
async fn a_closed_must_place_is_a_place_closed_problem_in_the_asked_language() {
    let app = spawn_app().await;
    // T2 is `Tu-Su 10:00-18:00; Mo off`; 2026-05-18 is a Monday.
    let mut req = base_request();
    req["start_time"] = json!("2026-05-18T10:00:00+08:00");
    req["must"] = json!(["factory-main-square", "t2-art-center"]);
    req["lang"] = json!("zh");
    let r = app.post_plan(&req).await;
    let body = assert_problem(r, 422, Some("must[1]")).await;
    assert_eq!(body["code"], "place_closed");
    let detail = body["detail"].as_str().unwrap();
    for needle in ["T2", "2026-05-18", "周一", "每周一关闭"] {
        assert!(detail.contains(needle), "{needle}: {detail}");
    }
    assert_conforms(
        "POST",
        "/v1/sites/{site}/plans",
        422,
        "application/problem+json",
        &body,
    );
    // The body's lang wins over Accept-Language.
    req["lang"] = json!("en");
    let r = app
        .post_json_with(&plan_path(), &req, None, &[("Accept-Language", "zh-CN")])
        .await;
    let body = assert_problem(r, 422, Some("must[1]")).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("Monday 2026-05-18 (closed on Mondays)"),
        "{detail}"
    );

    // The Stilwell Museum is closed in January and February; no lang in the body, so
    // Accept-Language decides.
    let mut req = base_request();
    req["start_time"] = json!("2027-01-14T10:00:00+08:00");
    req["must"] = json!(["stilwell-museum"]);
    let r = app
        .post_json_with(
            &plan_path(),
            &req,
            None,
            &[("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")],
        )
        .await;
    let body = assert_problem(r, 422, Some("must[0]")).await;
    assert_eq!(body["code"], "place_closed");
    let detail = body["detail"].as_str().unwrap();
    for needle in ["史迪威博物馆", "2027-01-14", "周四", "1–2月关闭"] {
        assert!(detail.contains(needle), "{needle}: {detail}");
    }
    // Without either, English.
    let body = assert_problem(app.post_plan(&req).await, 422, Some("must[0]")).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("Thursday 2027-01-14 (closed in January and February)"),
        "{detail}"
    );
    // In March it is open and planned.
    req["start_time"] = json!("2027-03-11T10:00:00+08:00");
    let plan = plan_ok(&app, &req).await;
    assert!(stop_ids(&plan).contains(&"stilwell-museum".to_string()));

    // Other planner problems follow the language too.
    let mut req = base_request();
    req["budget_min"] = json!(0);
    req["lang"] = json!("zh");
    let body = assert_problem(app.post_plan(&req).await, 400, Some("budget_min")).await;
    assert!(body["detail"].as_str().unwrap().contains("预算"), "{body}");
}

/// A body may come compressed: gzip is decoded before it is read, a body that is not what its
/// `Content-Encoding` says is a 400, an encoding the server does not read is a 415, and the size
/// limit holds for the decoded body too.
#[tokio::test]
async fn compressed_request_bodies_are_decoded_and_checked() {
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;
    let app = spawn_app().await;
    let path = format!("/v1/sites/{SITE}/plans");
    let gzip = |bytes: &[u8]| {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let plan = serde_json::to_vec(&json!({
        "start": "factory-main-square",
        "start_time": "2026-05-16T10:00:00+08:00",
        "budget_min": 90
    }))
    .unwrap();
    let send = |encoding: &'static str, body: Vec<u8>| {
        app.request(
            reqwest::Method::POST,
            &path,
            None,
            &[
                ("Content-Type", "application/json"),
                ("Content-Encoding", encoding),
            ],
        )
        .body(body)
        .send()
    };
    let r = send("gzip", gzip(&plan)).await.unwrap();
    assert_eq!(r.status(), 201, "a gzip body is read");
    let body: Value = r.json().await.unwrap();
    assert!(!body["stops"].as_array().unwrap().is_empty());

    let r = send("br", plan.clone()).await.unwrap();
    assert_problem(r, 400, Some("body")).await;

    let r = send("compress", plan.clone()).await.unwrap();
    assert_problem(r, 415, Some("Content-Encoding")).await;

    // A small gzip body that decodes past the limit.
    let mut big = b"{\"start\": \"factory-main-square\", \"interests\": [".to_vec();
    big.extend(std::iter::repeat_n(b' ', 200 * 1024));
    big.extend(b"]}");
    let packed = gzip(&big);
    assert!(packed.len() < 8 * 1024);
    let r = send("gzip", packed).await.unwrap();
    assert_problem(r, 413, Some("body")).await;
}
