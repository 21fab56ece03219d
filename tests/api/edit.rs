//! Editing site data: the authorization matrix, optimistic concurrency, validation as strict as
//! the seed loader, stranded places, soft deletes with restore and audit, import/export round
//! trips, literal storage of hostile text, body limits, and snapshot/bundle/cache changes.

use crate::helpers::*;
use base64::Engine;
use heritage_guide::api::ROUTES;
use heritage_guide::auth::{Claims, Role};
use serde_json::{json, Value};

const PLACE: &str = "factory-main-square";

/// Every write route of the operator API (each must be in the route table).
const WRITE_ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/sites/{site}/places"),
    ("PATCH", "/v1/sites/{site}/places/{place}"),
    ("DELETE", "/v1/sites/{site}/places/{place}"),
    ("POST", "/v1/sites/{site}/places/{place}/restore"),
    ("POST", "/v1/sites/{site}/nodes"),
    ("PATCH", "/v1/sites/{site}/nodes/{node}"),
    ("DELETE", "/v1/sites/{site}/nodes/{node}"),
    ("POST", "/v1/sites/{site}/nodes/{node}/restore"),
    ("POST", "/v1/sites/{site}/edges"),
    ("PATCH", "/v1/sites/{site}/edges/{edge}"),
    ("DELETE", "/v1/sites/{site}/edges/{edge}"),
    ("POST", "/v1/sites/{site}/edges/{edge}/restore"),
    ("POST", "/v1/sites/{site}/findings"),
    ("PATCH", "/v1/sites/{site}/findings/{finding}"),
    ("DELETE", "/v1/sites/{site}/findings/{finding}"),
    ("POST", "/v1/sites/{site}/findings/{finding}/restore"),
    ("POST", "/v1/sites/{site}/import"),
    ("POST", "/v1/users"),
    ("PATCH", "/v1/users/{username}"),
];

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn place_etag(app: &TestApp, id: &str) -> String {
    let r = app.get(&format!("/v1/sites/{SITE}/places/{id}")).await;
    assert_eq!(r.status(), 200);
    etag(&r)
}

async fn site_version(app: &TestApp) -> i64 {
    app.get_json(&format!("/v1/sites/{SITE}")).await.1["version"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn authorization_matrix_for_every_write_route() {
    let app = spawn_app().await;
    let operator = app.token_for(Role::Operator).await;
    let admin = app.token_for(Role::Admin).await;
    let visitor = app.visitor_token().await;
    let keys = &app.state.tokens;
    let mut c: Claims = keys.verify(&operator).unwrap();
    c.exp = heritage_guide::auth::now_s() - 3600;
    c.iat = c.exp - 900;
    let expired = keys.sign(&c);
    let tampered = {
        let parts: Vec<&str> = visitor.split('.').collect();
        let mut claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[1])
                .unwrap(),
        )
        .unwrap();
        claims["role"] = "admin".into();
        claims["site"] = Value::Null;
        format!("{}.{}.{}", parts[0], b64(&claims), parts[2])
    };
    let alg_none = {
        let claims = serde_json::to_value(keys.verify(&admin).unwrap()).unwrap();
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&claims)
        )
    };
    let in_table: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    for (m, p) in WRITE_ROUTES {
        assert!(
            in_table.contains(&(m.to_string(), p.to_string())),
            "{m} {p} in the route table"
        );
        let path = p
            .replace("{site}", SITE)
            .replace("{place}", "no-such-place")
            .replace("{node}", "no-such-node")
            .replace("{edge}", "no-such-edge")
            .replace("{finding}", "no-such-finding")
            .replace("{username}", "no-such-user");
        let admin_only = p.starts_with("/v1/users");
        let cases: [(&str, Option<&str>, Option<u16>); 7] = [
            ("no token", None, Some(401)),
            ("visitor", Some(&visitor), Some(403)),
            ("operator", Some(&operator), admin_only.then_some(403)),
            ("admin", Some(&admin), None),
            ("expired", Some(&expired), Some(401)),
            ("tampered", Some(&tampered), Some(401)),
            ("alg none", Some(&alg_none), Some(401)),
        ];
        for (who, token, want) in cases {
            let body = (*m != "DELETE").then(|| json!({}));
            let r = app.send(m, &path, token, None, body.as_ref()).await;
            let status = r.status().as_u16();
            let www = r.headers().get("www-authenticate").is_some();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            let problem: Value = r.json().await.unwrap_or(Value::Null);
            match want {
                Some(w) => assert_eq!(status, w, "{who} on {m} {p}: {problem}"),
                None => assert!(
                    status != 401 && status != 403 && status < 500,
                    "{who} on {m} {p} is allowed: {status} {problem}"
                ),
            }
            if status == 401 {
                assert!(www, "{who} on {m} {p}: WWW-Authenticate");
            }
            if status >= 400 {
                assert_eq!(ct.as_deref(), Some("application/problem+json"));
                assert_conforms(m, p, status, "application/problem+json", &problem);
            }
        }
    }
}

#[tokio::test]
async fn patch_needs_if_match_and_refuses_stale_etags() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let path = format!("/v1/sites/{SITE}/places/{PLACE}");
    let patch = json!({"properties": {"fee_cny": 25, "fee_note": {"zh": "含饮品", "en": "a drink included"}}});
    let r = app.patch_json_as(&path, &patch, &op, None).await;
    assert_problem_conforms(
        r,
        "PATCH",
        "/v1/sites/{site}/places/{place}",
        428,
        Some("If-Match"),
    )
    .await;
    let r = app
        .patch_json_as(&path, &patch, &op, Some("\"stale\""))
        .await;
    let body = assert_problem(r, 412, Some("If-Match")).await;
    assert!(body["current_etag"].as_str().unwrap().starts_with("\"rev-"));

    let version = site_version(&app).await;
    let bundle = etag(&app.get(&format!("/v1/sites/{SITE}/bundle")).await);
    // The ETag of the public GET is accepted.
    let tag = place_etag(&app, PLACE).await;
    let r = app.patch_json_as(&path, &patch, &op, Some(&tag)).await;
    assert_eq!(r.status(), 200);
    let rev_tag = etag(&r);
    assert!(rev_tag.starts_with("\"rev-"), "{rev_tag}");
    let body = conforming(r, "PATCH", "/v1/sites/{site}/places/{place}", 200).await;
    assert_eq!(body["item"]["properties"]["fee_cny"], 25.0);
    assert_eq!(body["site_version"], version + 1);
    // The snapshot moved: version, bundle ETag, the place itself.
    assert_eq!(site_version(&app).await, version + 1);
    assert_ne!(
        etag(&app.get(&format!("/v1/sites/{SITE}/bundle")).await),
        bundle
    );
    let (_, p) = app.get_json(&path).await;
    assert_eq!(p["fee_cny"], 25.0);
    // The old GET ETag is stale now; the revision ETag from the answer works.
    let r = app.patch_json_as(&path, &patch, &op, Some(&tag)).await;
    assert_eq!(r.status(), 412);
    let r = app
        .patch_json_as(
            &path,
            &json!({"properties": {"dwell_min": 15}}),
            &op,
            Some(&rev_tag),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Ids never change, and unknown members are refused.
    let tag = place_etag(&app, PLACE).await;
    for (patch, field) in [
        (json!({"properties": {"id": "renamed"}}), "id"),
        (json!({"properties": {"colour": "red"}}), "colour"),
        (json!({"style": {}}), "style"),
    ] {
        let r = app.patch_json_as(&path, &patch, &op, Some(&tag)).await;
        assert_problem(r, 400, Some(field)).await;
    }
    // Plans keep working on the new snapshot.
    let r = app
        .post_plan(
            &json!({"start": PLACE, "start_time": "2026-05-16T10:00:00+08:00", "budget_min": 120}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn two_patches_with_the_same_etag_exactly_one_wins() {
    let app = spawn_app().await;
    let a = app.token_for(Role::Operator).await;
    let b = app.token_for(Role::Operator).await;
    let path = format!("/v1/sites/{SITE}/places/{PLACE}");
    let tag = place_etag(&app, PLACE).await;
    let pa = json!({"properties": {"fee_cny": 10}});
    let pb = json!({"properties": {"fee_cny": 20}});
    let (ra, rb) = tokio::join!(
        app.patch_json_as(&path, &pa, &a, Some(&tag)),
        app.patch_json_as(&path, &pb, &b, Some(&tag)),
    );
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    let r = app
        .get_as(
            &format!("/v1/sites/{SITE}/audit?entity=place&entity_id={PLACE}"),
            Some(&a),
        )
        .await;
    let audit = conforming(r, "GET", "/v1/sites/{site}/audit", 200).await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["action"], "update");
    let won = items[0]["after"]["properties"]["fee_cny"].as_f64().unwrap();
    assert!(won == 10.0 || won == 20.0);
    assert_eq!(items[0]["before"]["properties"]["fee_cny"], 0.0);
    let (_, p) = app.get_json(&path).await;
    assert_eq!(p["fee_cny"].as_f64().unwrap(), won);
}

#[tokio::test]
async fn edits_are_validated_like_the_seed() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let path = format!("/v1/sites/{SITE}/places/{PLACE}");
    for (patch, field) in [
        (json!({"properties": {"fee_cny": -5}}), "fee_cny"),
        (
            json!({"properties": {"hours": "whenever we feel like it"}}),
            "hours",
        ),
        (json!({"properties": {"node": "n-nowhere"}}), "node"),
        (json!({"properties": {"area": "atlantis"}}), "area"),
        (json!({"properties": {"tags": ["no_such_code"]}}), "tags"),
        (json!({"properties": {"kind": "casino"}}), "kind"),
        (
            json!({"geometry": {"type": "Point", "coordinates": [0.0, 0.0]}}),
            "geometry",
        ),
        (json!({"properties": {"hours": null}}), "hours"),
    ] {
        let tag = place_etag(&app, PLACE).await;
        let r = app.patch_json_as(&path, &patch, &op, Some(&tag)).await;
        let body = assert_problem(r, 400, Some(field)).await;
        assert_eq!(body["code"], "validation_failed", "{body}");
        assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()));
    }
    // Edges must join existing nodes, within 3 m of them.
    let edge = json!({"type": "Feature", "id": "e-bad",
        "geometry": {"type": "LineString", "coordinates": [[106.536429, 29.553844], [106.5366, 29.5539]]},
        "properties": {"feature": "edge", "id": "e-bad", "from": "n-fac-square", "to": "n-missing",
            "kind": "walkway", "steps": 0, "step_free": true, "provenance": "estimate", "sources": []}});
    let r = app
        .post_json_as(&format!("/v1/sites/{SITE}/edges"), &edge, Some(&op))
        .await;
    assert_problem(r, 400, Some("to")).await;
    // Nothing was written.
    assert_eq!(site_version(&app).await, 1);
}

fn spur() -> (Value, Value, Value) {
    let node = json!({"type": "Feature", "id": "n-test-kiosk",
        "geometry": {"type": "Point", "coordinates": [106.536529, 29.553944]},
        "properties": {"feature": "node", "id": "n-test-kiosk", "elevation_m": 335.0, "level": 0,
            "area": "factory", "name": {"zh": "测试亭", "en": "Test kiosk"}, "provenance": "estimate",
            "sources": [], "coord_confidence_m": 10}});
    let edge = json!({"type": "Feature", "id": "e-test-spur",
        "geometry": {"type": "LineString", "coordinates": [[106.536429, 29.553844], [106.536529, 29.553944]]},
        "properties": {"feature": "edge", "id": "e-test-spur", "from": "n-fac-square", "to": "n-test-kiosk",
            "kind": "walkway", "steps": 0, "step_free": true, "name": null, "hint": null,
            "provenance": "estimate", "sources": [], "closed": false}});
    let place = json!({"type": "Feature", "id": "test-kiosk",
        "geometry": {"type": "Point", "coordinates": [106.53653, 29.553945]},
        "properties": {"id": "test-kiosk", "area": "factory", "kind": "cafe",
            "name": {"zh": "测试咖啡亭", "en": "Test coffee kiosk"},
            "description": {"zh": "一个测试用的咖啡亭。", "en": "A kiosk for tests."},
            "elevation_m": null, "level": 0, "fee_cny": 0, "fee_note": null, "hours": "09:00-18:00",
            "dwell_min": 10, "tags": [], "popularity": 0.1, "node": "n-test-kiosk",
            "provenance": "estimate", "sources": [], "coord_confidence_m": 10, "notes": null, "closed": false}});
    (node, edge, place)
}

#[tokio::test]
async fn closing_a_path_that_strands_a_place_is_refused_unless_it_is_closed_too() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let (node, edge, place) = spur();
    // A lone node would disconnect the graph: it comes with the edge that joins it.
    let r = app
        .post_json_as(&format!("/v1/sites/{SITE}/nodes"), &node, Some(&op))
        .await;
    let body = assert_problem(r, 400, None).await;
    assert!(
        body["detail"].as_str().unwrap().contains("not connected"),
        "{body}"
    );
    let graph = json!({"type": "FeatureCollection", "features": [node, edge]});
    for (coll, item) in [("nodes", &graph), ("places", &place)] {
        let r = app
            .post_json_as(&format!("/v1/sites/{SITE}/{coll}"), item, Some(&op))
            .await;
        assert_eq!(r.status(), 201, "{coll}");
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let id = item["id"]
            .as_str()
            .or(item["features"][0]["id"].as_str())
            .unwrap();
        assert!(loc.ends_with(id), "{loc}");
        conforming(r, "POST", &format!("/v1/sites/{{site}}/{coll}"), 201).await;
    }
    let r = app
        .post_json_as(&format!("/v1/sites/{SITE}/places"), &place, Some(&op))
        .await;
    assert_problem(r, 409, Some("id")).await;
    let edge_path = format!("/v1/sites/{SITE}/edges/e-test-spur");
    let r = app.get(&edge_path).await;
    assert_eq!(r.status(), 200);
    let tag = etag(&r);
    conforming_as(
        r,
        "GET",
        "/v1/sites/{site}/edges/{edge}",
        200,
        "application/geo+json",
    )
    .await;
    let close = json!({"properties": {"closed": true}});
    let r = app.patch_json_as(&edge_path, &close, &op, Some(&tag)).await;
    let body = assert_problem(r, 409, None).await;
    assert_eq!(body["code"], "would_strand_places");
    assert_eq!(body["places"], json!(["test-kiosk"]));
    // Deleting the node under the place is refused as well (the place would point nowhere).
    let r = app
        .delete_as(
            &format!("/v1/sites/{SITE}/nodes/n-test-kiosk"),
            &op,
            Some("*"),
        )
        .await;
    assert_eq!(r.status(), 400);
    // Marking the places closed in the same request lets it through.
    let r = app
        .patch_json_as(
            &format!("{edge_path}?close_stranded=true"),
            &close,
            &op,
            Some(&tag),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let changes = body["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["entity"] == "place" && c["id"] == "test-kiosk" && c["action"] == "update"),
        "{body}"
    );
    let (_, p) = app
        .get_json(&format!("/v1/sites/{SITE}/places/test-kiosk"))
        .await;
    assert_eq!(p["closed"], true);
    let (_, e) = app.get_json(&edge_path).await;
    assert_eq!(e["properties"]["closed"], true);
}

#[tokio::test]
async fn deletes_are_soft_restorable_and_audited() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let (_, findings) = app.get_json(&format!("/v1/sites/{SITE}/findings")).await;
    let fid = findings["items"][0]["id"].as_str().unwrap().to_string();
    let n = findings["items"].as_array().unwrap().len();
    let path = format!("/v1/sites/{SITE}/findings/{fid}");
    let r = app.get(&path).await;
    let tag = etag(&r);
    let before = conforming(r, "GET", "/v1/sites/{site}/findings/{finding}", 200).await;
    let r = app.delete_as(&path, &op, None).await;
    assert_problem(r, 428, Some("If-Match")).await;
    let r = app.delete_as(&path, &op, Some(&tag)).await;
    let body = conforming(r, "DELETE", "/v1/sites/{site}/findings/{finding}", 200).await;
    assert_eq!(body["item"], Value::Null);
    assert_eq!(app.get(&path).await.status(), 404);
    let (_, after) = app.get_json(&format!("/v1/sites/{SITE}/findings")).await;
    assert_eq!(after["items"].as_array().unwrap().len(), n - 1);
    // A new finding cannot take the id of a deleted one: it must be restored.
    let r = app
        .post_json_as(&format!("/v1/sites/{SITE}/findings"), &before, Some(&op))
        .await;
    let b = assert_problem(r, 409, Some("id")).await;
    assert_eq!(b["code"], "deleted_exists");
    let r = app
        .send("POST", &format!("{path}/restore"), Some(&op), None, None)
        .await;
    let body = conforming(
        r,
        "POST",
        "/v1/sites/{site}/findings/{finding}/restore",
        200,
    )
    .await;
    assert_eq!(body["item"], before);
    let r = app
        .send("POST", &format!("{path}/restore"), Some(&op), None, None)
        .await;
    assert_problem(r, 409, None).await;
    let (_, back) = app.get_json(&format!("/v1/sites/{SITE}/findings")).await;
    assert_eq!(back["items"].as_array().unwrap().len(), n);
    // The audit log pages newest first with who, what, before and after.
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/audit?limit=1"), Some(&op))
        .await;
    let page = conforming(r, "GET", "/v1/sites/{site}/audit", 200).await;
    let first = &page["items"][0];
    assert_eq!(first["action"], "restore");
    assert_eq!(first["entity"], "finding");
    assert_eq!(first["before"], Value::Null);
    assert_eq!(first["after"], before);
    assert!(first["actor"].as_str().unwrap().starts_with("operator-"));
    let cursor = page["next_cursor"].as_str().unwrap();
    let r = app
        .get_as(
            &format!("/v1/sites/{SITE}/audit?limit=1&cursor={cursor}"),
            Some(&op),
        )
        .await;
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["items"][0]["action"], "delete");
    assert_eq!(page["items"][0]["before"], before);
    assert_eq!(page["items"][0]["after"], Value::Null);
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/audit?cursor=garbage"), Some(&op))
        .await;
    assert_problem(r, 400, Some("cursor")).await;
}

#[tokio::test]
async fn import_validates_with_dry_run_and_a_site_round_trips_through_files() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let import_path = format!("/v1/sites/{SITE}/import");
    let r = app
        .get_as(&format!("/v1/sites/{SITE}/export"), Some(&op))
        .await;
    let export = conforming(r, "GET", "/v1/sites/{site}/export", 200).await;
    let import = |places: &Value, dry: bool| json!({"places": places, "paths": export["paths"], "findings": export["findings"], "dry_run": dry});
    // The same data changes nothing.
    let r = app
        .post_json_as(&import_path, &import(&export["places"], false), Some(&op))
        .await;
    let out = conforming(r, "POST", "/v1/sites/{site}/import", 200).await;
    assert_eq!(out["written"], false);
    assert_eq!(out["changes"], json!([]));
    // One fee changed and one place left out: a dry run reports without writing.
    let mut places = export["places"].clone();
    let feats = places["features"].as_array_mut().unwrap();
    let i = feats
        .iter()
        .position(|f| f["properties"]["id"] == PLACE)
        .unwrap();
    feats[i]["properties"]["fee_cny"] = json!(12);
    let gone = feats
        .iter()
        .position(|f| f["properties"]["id"] != PLACE && f["properties"]["kind"] == "shop")
        .unwrap();
    let gone_id = feats.remove(gone)["properties"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post_json_as(&import_path, &import(&places, true), Some(&op))
        .await;
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["written"], false);
    assert_eq!(
        out["counts"],
        json!({"create": 0, "update": 1, "delete": 1, "restore": 0})
    );
    assert_eq!(site_version(&app).await, 1);
    let r = app
        .post_json_as(&import_path, &import(&places, false), Some(&op))
        .await;
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["written"], true);
    assert_eq!(out["site_version"], 2);
    assert_eq!(site_version(&app).await, 2);
    assert_eq!(
        app.get(&format!("/v1/sites/{SITE}/places/{gone_id}"))
            .await
            .status(),
        404
    );
    // Importing the original again restores the left-out place.
    let r = app
        .post_json_as(&import_path, &import(&export["places"], false), Some(&op))
        .await;
    let out: Value = r.json().await.unwrap();
    assert_eq!(
        out["counts"],
        json!({"create": 0, "update": 1, "delete": 0, "restore": 1})
    );
    assert_eq!(
        app.get(&format!("/v1/sites/{SITE}/places/{gone_id}"))
            .await
            .status(),
        200
    );
    // Invalid imports are refused whole.
    let mut bad = export["places"].clone();
    bad["features"][0]["properties"]["fee_cny"] = json!(-1);
    let r = app
        .post_json_as(&import_path, &import(&bad, true), Some(&op))
        .await;
    assert_problem(r, 400, Some("fee_cny")).await;
    let r = app
        .post_json_as(
            &import_path,
            &json!({"dry_run": true, "extra": 1}),
            Some(&op),
        )
        .await;
    assert_problem(r, 400, Some("extra")).await;

    // The exported files load with the seed loader as they are.
    let dir = std::env::temp_dir().join(format!("hg-export-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "site.yaml",
        "places.geojson",
        "paths.geojson",
        "findings.yaml",
        "codebook.yaml",
    ] {
        let r = app
            .get_as(&format!("/v1/sites/{SITE}/export?file={f}"), Some(&op))
            .await;
        assert_eq!(r.status(), 200, "{f}");
        std::fs::write(dir.join(f), r.bytes().await.unwrap()).unwrap();
    }
    let files = heritage_guide::seed::SeedFiles::from_dir(&dir).unwrap();
    let data = heritage_guide::seed::parse(&files).unwrap();
    let snap = app.state.snapshot(SITE).unwrap();
    assert_eq!(data.places.len(), snap.data.places.len());
    assert_eq!(data.edges.len(), snap.data.edges.len());
    assert_eq!(
        data, snap.data,
        "export → seed loader gives the stored site"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn hostile_text_is_stored_literally_and_bodies_are_bounded() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let path = format!("/v1/sites/{SITE}/places/{PLACE}");
    let zh = "'); DROP TABLE places; --";
    let en = "<script>alert('x')</script> \" OR 1=1 --";
    let tag = place_etag(&app, PLACE).await;
    let r = app.patch_json_as(&path, &json!({"properties": {"name": {"zh": zh, "en": en}, "notes": "Robert'); DELETE FROM users;--"}}), &op, Some(&tag)).await;
    assert_eq!(r.status(), 200);
    let (_, p) = app.get_json(&path).await;
    assert_eq!(p["names"]["zh"], zh);
    assert_eq!(p["names"]["en"], en);
    assert_eq!(p["provenance"]["notes"], "Robert'); DELETE FROM users;--");
    let (s, list) = app
        .get_json(&format!("/v1/sites/{SITE}/places?q=DROP%20TABLE"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(list["total"], 1);
    assert!(site_version(&app).await >= 2, "the tables are intact");

    let big = json!({"type": "Feature", "properties": {"notes": "x".repeat(70 * 1024)}});
    let r = app
        .post_json_as(&format!("/v1/sites/{SITE}/places"), &big, Some(&op))
        .await;
    assert_problem_conforms(r, "POST", "/v1/sites/{site}/places", 413, None).await;
    let huge = format!("{{\"places\": \"{}\"}}", "x".repeat(9 * 1024 * 1024));
    let r = app
        .post_raw(
            &format!("/v1/sites/{SITE}/import"),
            "application/json",
            huge,
            Some(&op),
        )
        .await;
    assert_problem(r, 413, None).await;
    let r = app
        .post_raw(
            &format!("/v1/sites/{SITE}/findings"),
            "text/plain",
            "id: x",
            Some(&op),
        )
        .await;
    assert_problem(r, 415, None).await;
}

#[tokio::test]
async fn hot_reads_are_cached_by_site_version() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let path = format!("/v1/sites/{SITE}/places?kind=photo_spot");
    let cache_state = |r: &reqwest::Response| r.headers()["x-cache"].to_str().unwrap().to_string();
    let r1 = app.get(&path).await;
    assert_eq!(cache_state(&r1), "miss");
    let t1 = etag(&r1);
    let body1 = r1.text().await.unwrap();
    let r2 = app.get(&path).await;
    assert_eq!(cache_state(&r2), "hit");
    assert_eq!(etag(&r2), t1);
    assert_eq!(r2.text().await.unwrap(), body1);
    let r = app.get_with(&path, None, &[("If-None-Match", &t1)]).await;
    assert_eq!(r.status(), 304);
    let tag = place_etag(&app, PLACE).await;
    let r = app
        .patch_json_as(
            &format!("/v1/sites/{SITE}/places/{PLACE}"),
            &json!({"properties": {"popularity": 0.5}}),
            &op,
            Some(&tag),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r3 = app.get(&path).await;
    assert_eq!(cache_state(&r3), "miss", "a new version is a new key");
    assert_ne!(etag(&r3), t1);
}

#[tokio::test]
async fn plans_in_flight_finish_on_the_snapshot_they_started_with() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let old = app.state.snapshot(SITE).unwrap();
    let tag = place_etag(&app, PLACE).await;
    let r = app
        .patch_json_as(
            &format!("/v1/sites/{SITE}/places/{PLACE}"),
            &json!({"properties": {"closed": true}}),
            &op,
            Some(&tag),
        )
        .await;
    assert_eq!(r.status(), 200);
    let new = app.state.snapshot(SITE).unwrap();
    assert_eq!(new.version, old.version + 1, "swapped in");
    assert!(new.place(PLACE).unwrap().closed);
    // The request that held the old snapshot still plans on it, with the old data.
    assert!(!old.place(PLACE).unwrap().closed);
    let req: planner::model::PlanRequest = serde_json::from_value(json!({
        "start": PLACE, "start_time": "2026-05-16T10:00:00+08:00", "budget_min": 90
    }))
    .unwrap();
    let plan = tokio::task::spawn_blocking(move || old.planning.plan(&req))
        .await
        .unwrap()
        .unwrap();
    assert!(!plan.stops.is_empty());
}

#[tokio::test]
async fn a_moved_node_takes_its_edges_along() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let path = format!("/v1/sites/{SITE}/nodes/n-fac-square");
    let r = app.get(&path).await;
    let tag = etag(&r);
    let node: Value = r.json().await.unwrap();
    let c = &node["geometry"]["coordinates"];
    let moved = json!([c[0].as_f64().unwrap() + 0.00005, c[1].as_f64().unwrap()]);
    let r = app
        .patch_json_as(
            &path,
            &json!({"geometry": {"coordinates": moved}}),
            &op,
            Some(&tag),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let edges: Vec<&Value> = body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["entity"] == "edge")
        .collect();
    assert!(!edges.is_empty(), "{body}");
    for c in edges {
        let (_, e) = app
            .get_json(&format!(
                "/v1/sites/{SITE}/edges/{}",
                c["id"].as_str().unwrap()
            ))
            .await;
        let g = e["geometry"]["coordinates"].as_array().unwrap();
        let end = if e["properties"]["from"] == "n-fac-square" {
            &g[0]
        } else {
            &g[g.len() - 1]
        };
        assert_eq!(end, &moved);
    }
}

#[tokio::test]
async fn visit_attributes_are_edited_and_validated_like_the_seed() {
    let app = spawn_app().await;
    let op = app.token_for(Role::Operator).await;
    let path = format!("/v1/sites/{SITE}/places/{PLACE}");
    let before = conforming(
        app.get(&path).await,
        "GET",
        "/v1/sites/{site}/places/{place}",
        200,
    )
    .await;
    for (k, v) in [
        ("highlight", json!(false)),
        ("container", json!(false)),
        ("queue_min", json!(0)),
        ("booking", json!(false)),
    ] {
        assert_eq!(before[k], v, "{k} defaults: {before}");
    }

    let tag = place_etag(&app, PLACE).await;
    let r = app
        .patch_json_as(
            &path,
            &json!({"properties": {"highlight": true, "queue_min": 25, "booking": true}}),
            &op,
            Some(&tag),
        )
        .await;
    let body = conforming(r, "PATCH", "/v1/sites/{site}/places/{place}", 200).await;
    assert_eq!(body["item"]["properties"]["highlight"], true, "{body}");
    assert_eq!(body["item"]["properties"]["queue_min"], 25, "{body}");
    let version = site_version(&app).await;
    assert_eq!(version, 2);

    // Every public view shows the new values.
    let p = conforming(
        app.get(&path).await,
        "GET",
        "/v1/sites/{site}/places/{place}",
        200,
    )
    .await;
    assert_eq!(p["highlight"], true);
    assert_eq!(p["queue_min"], 25);
    assert_eq!(p["booking"], true);
    assert_eq!(p["container"], false);
    let r = app
        .get_with(&path, None, &[("Accept", "application/geo+json")])
        .await;
    assert_eq!(r.status(), 200);
    let feature = conforming_as(
        r,
        "GET",
        "/v1/sites/{site}/places/{place}",
        200,
        "application/geo+json",
    )
    .await;
    assert_eq!(feature["properties"]["highlight"], true);
    assert_eq!(feature["properties"]["queue_min"], 25);
    let (_, list) = app
        .get_json(&format!("/v1/sites/{SITE}/places?limit=200"))
        .await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == PLACE)
        .unwrap();
    assert_eq!(listed["highlight"], true);
    assert_eq!(listed["booking"], true);
    let (_, bundle) = app.get_json(&format!("/v1/sites/{SITE}/bundle")).await;
    let in_bundle = bundle["places"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == PLACE)
        .unwrap();
    assert_eq!(in_bundle["properties"]["queue_min"], 25);
    assert_eq!(in_bundle["properties"]["highlight"], true);
    // The planner's snapshot has them too.
    let snap = app
        .state
        .snapshot(SITE)
        .unwrap_or_else(|_| panic!("a snapshot of {SITE}"));
    let spec = snap.planning.places().find(|p| p.id == PLACE).unwrap();
    assert!(spec.highlight && spec.booking);
    assert_eq!(spec.queue_min, 25);

    // Bad values are refused with the field named, and nothing is written.
    for (patch, field) in [
        (json!({"properties": {"queue_min": -1}}), "queue_min"),
        (json!({"properties": {"queue_min": 1.5}}), "queue_min"),
        (json!({"properties": {"highlight": "yes"}}), "highlight"),
        (json!({"properties": {"booking": 0}}), "booking"),
        // A container is never a stop, so never a highlight.
        (json!({"properties": {"container": true}}), "highlight"),
    ] {
        let tag = place_etag(&app, PLACE).await;
        let r = app.patch_json_as(&path, &patch, &op, Some(&tag)).await;
        let body = assert_problem(r, 400, Some(field)).await;
        assert_eq!(body["code"], "validation_failed", "{body}");
        assert_conforms(
            "PATCH",
            "/v1/sites/{site}/places/{place}",
            400,
            "application/problem+json",
            &body,
        );
    }
    assert_eq!(site_version(&app).await, version);
    let (_, after) = app.get_json(&path).await;
    assert_eq!(after, p, "nothing was written");
}
