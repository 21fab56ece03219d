use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let (s, body) = app.get_json("/healthz").await;
    assert_eq!(s, 200);
    assert_eq!(body["status"], "ok");
    let (s, body) = app.get_json("/readyz").await;
    assert_eq!(s, 200);
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(
        body["checks"]["backend"],
        if is_postgres() { "postgres" } else { "sqlite" }
    );
    assert_eq!(body["checks"]["cache"], "in-process");
    assert_conforms("GET", "/readyz", 200, "application/json", &body);
}

#[tokio::test]
async fn readiness_reports_an_unreachable_redis_as_degraded_without_failing() {
    // A port nothing listens on.
    let app = spawn_app_with(|s| s.redis_url = Some("redis://127.0.0.1:1/".into())).await;
    let started = std::time::Instant::now();
    let (s, body) = app.get_json("/readyz").await;
    assert_eq!(s, 200);
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["checks"]["cache"], "unreachable");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "bounded wait"
    );
}

#[tokio::test]
async fn readiness_checks_a_live_redis_when_configured() {
    let Ok(url) = std::env::var("TEST_REDIS_URL") else {
        assert!(std::env::var("CI").is_err(), "CI must set TEST_REDIS_URL");
        return;
    };
    let app = spawn_app_with(|s| s.redis_url = Some(url)).await;
    let (s, body) = app.get_json("/readyz").await;
    assert_eq!(s, 200);
    assert_eq!(body["checks"]["cache"], "ok", "{body}");
}

#[tokio::test]
async fn lists_and_shows_the_site_in_both_languages() {
    let app = spawn_app().await;
    let (s, body) = app.get_json("/v1/sites").await;
    assert_eq!(s, 200);
    assert_conforms("GET", "/v1/sites", 200, "application/json", &body);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], SITE);
    let area_ids: Vec<&str> = items[0]["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    for a in ["factory", "liziba", "eling-park"] {
        assert!(area_ids.contains(&a), "area {a} in {area_ids:?}");
    }

    let r = app
        .get_with(
            &format!("/v1/sites/{SITE}"),
            None,
            &[("Accept-Language", "zh-CN,zh;q=0.9")],
        )
        .await;
    let zh = conforming(r, "GET", "/v1/sites/{site}", 200).await;
    assert_eq!(zh["name"], zh["names"]["zh"]);
    assert!(zh["counts"]["places"].as_u64().unwrap() >= 50);
    assert!(zh["counts"]["edges"].as_u64().unwrap() >= 150);
    let (_, en) = app.get_json(&format!("/v1/sites/{SITE}")).await;
    assert_eq!(en["name"], en["names"]["en"]);
    assert_ne!(en["name"], zh["name"]);
}

#[tokio::test]
async fn unknown_site_and_route_are_problems() {
    let app = spawn_app().await;
    let b = assert_problem(app.get("/v1/sites/nowhere").await, 404, None).await;
    assert_eq!(b["code"], "not_found");
    assert_problem(app.get("/v1/sites/nowhere/places").await, 404, None).await;
    assert_problem(app.get("/v1/nothing-here").await, 404, None).await;
    let r = app
        .send("DELETE", &format!("/v1/sites/{SITE}"), None, None, None)
        .await;
    assert_eq!(
        r.headers()["allow"],
        "GET",
        "a 405 names the methods the path allows"
    );
    assert_problem(r, 405, Some("method")).await;
    let r = app
        .send("PUT", &format!("/v1/sites/{SITE}/places"), None, None, None)
        .await;
    assert_eq!(r.headers()["allow"], "GET, POST");
    assert_problem(r, 405, Some("method")).await;
    assert_problem(app.get("/v1/sites?bogus=1").await, 400, Some("bogus")).await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for r in [
        app.get("/v1/sites").await,
        app.get("/v1/sites/nowhere").await,
        app.get("/v1/sites").await, // from the response cache
    ] {
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
    }
}

#[tokio::test]
async fn every_get_has_an_etag_and_answers_304() {
    let app = spawn_app().await;
    for path in [
        "/healthz".to_string(),
        "/readyz".to_string(),
        "/openapi.yaml".to_string(),
        "/v1/sites".to_string(),
        format!("/v1/sites/{SITE}"),
        format!("/v1/sites/{SITE}/places?kind=rooftop"),
        format!("/v1/sites/{SITE}/places/factory-main-square"),
        format!("/v1/sites/{SITE}/graph"),
        format!("/v1/sites/{SITE}/findings"),
        format!("/v1/sites/{SITE}/bundle"),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers().contains_key("etag"), "{path} has an ETag");
        let tag = etag(&r);
        assert!(
            tag.starts_with('"') && !tag.starts_with("W/"),
            "strong ETag on {path}: {tag}"
        );
        let r2 = app.get_with(&path, None, &[("If-None-Match", &tag)]).await;
        assert_eq!(r2.status(), 304, "{path}");
        assert_eq!(etag(&r2), tag);
        assert!(r2.bytes().await.unwrap().is_empty());
        let r3 = app
            .get_with(&path, None, &[("If-None-Match", "\"other\"")])
            .await;
        assert_eq!(r3.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn bundle_etag_is_stable_and_language_specific() {
    let app = spawn_app().await;
    let path = format!("/v1/sites/{SITE}/bundle");
    let a = app.get(&path).await;
    let etag_a = etag(&a);
    let body = conforming(a, "GET", "/v1/sites/{site}/bundle", 200).await;
    assert!(body["places"]["features"].as_array().unwrap().len() >= 50);
    assert!(!body["findings"].as_array().unwrap().is_empty());
    let b = app.get(&path).await;
    assert_eq!(etag(&b), etag_a);
    let zh = app
        .get_with(&path, None, &[("Accept-Language", "zh")])
        .await;
    assert_ne!(etag(&zh), etag_a);

    // A second instance over the same data gives the same ETag.
    let mut s2 = app.state.settings.clone();
    s2.bind = "127.0.0.1:0".into();
    let other = heritage_guide::startup::Application::build(s2)
        .await
        .unwrap();
    let port = other.port();
    tokio::spawn(other.server());
    let r = app
        .client
        .get(format!("http://127.0.0.1:{port}{path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(etag(&r), etag_a);
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    use std::io::Read;
    let app = spawn_app().await;
    let client = reqwest::Client::builder().gzip(false).build().unwrap();
    let path = app.url(&format!("/v1/sites/{SITE}/bundle"));
    let plain = client.get(&path).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_etag = etag(&plain);
    let plain = plain.bytes().await.unwrap();
    let r = client
        .get(&path)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-encoding").unwrap(), "gzip");
    let gz_etag = etag(&r);
    assert_ne!(
        gz_etag, plain_etag,
        "each representation has its own strong ETag"
    );
    let gz = r.bytes().await.unwrap();
    assert!(
        gz.len() * 3 < plain.len(),
        "gzip {} vs plain {}",
        gz.len(),
        plain.len()
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain.to_vec(), "the gzip body is the plain body");
    // Either tag revalidates.
    for tag in [&plain_etag, &gz_etag] {
        let r = client
            .get(&path)
            .header("Accept-Encoding", "gzip")
            .header("If-None-Match", tag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304);
    }
    // Small dynamic responses are compressed on the fly.
    let r = client
        .get(app.url(&format!("/v1/sites/{SITE}/places?limit=200")))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("content-encoding").unwrap(), "br");
}

#[tokio::test]
async fn graph_is_geojson_with_derived_lengths_and_climbs() {
    let app = spawn_app().await;
    let r = app.get(&format!("/v1/sites/{SITE}/graph")).await;
    let g = conforming_geojson(r, "/v1/sites/{site}/graph").await;
    let feats = g["features"].as_array().unwrap();
    let edges: Vec<&Value> = feats
        .iter()
        .filter(|f| f["properties"]["feature"] == "edge")
        .collect();
    let nodes: Vec<&Value> = feats
        .iter()
        .filter(|f| f["properties"]["feature"] == "node")
        .collect();
    assert!(edges.len() >= 150, "{} edges", edges.len());
    let elev: std::collections::HashMap<&str, f64> = nodes
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap(),
                n["properties"]["elevation_m"].as_f64().unwrap(),
            )
        })
        .collect();
    let mut stair_descent = 0.0;
    for e in &edges {
        let p = &e["properties"];
        let (from, to) = (p["from"].as_str().unwrap(), p["to"].as_str().unwrap());
        let climb = elev[to] - elev[from];
        assert!(
            (p["ascent_m"].as_f64().unwrap() - climb.max(0.0)).abs() < 0.02,
            "ascent of {}",
            p["id"]
        );
        assert!(
            (p["descent_m"].as_f64().unwrap() - (-climb).max(0.0)).abs() < 0.02,
            "descent of {}",
            p["id"]
        );
        let coords = e["geometry"]["coordinates"].as_array().unwrap();
        assert!(coords.len() >= 2);
        if p["kind"] == "stairs" {
            assert!(p["steps"].as_u64().unwrap() > 0);
            assert_eq!(p["step_free"], false);
            stair_descent += p["descent_m"].as_f64().unwrap() + p["ascent_m"].as_f64().unwrap();
        }
        if p["kind"] != "elevator" {
            assert!(
                p["length_m"].as_f64().unwrap() > 0.0,
                "length of {}",
                p["id"]
            );
        }
    }
    assert!(
        stair_descent > 50.0,
        "stairs carry the hillside's climb: {stair_descent}"
    );
    for k in ["stairs", "footbridge", "elevator", "crossing"] {
        assert!(
            edges.iter().any(|e| e["properties"]["kind"] == k),
            "an edge of kind {k}"
        );
    }
    assert!(
        edges
            .iter()
            .filter(|e| !e["properties"]["hint"].is_null())
            .count()
            >= 10,
        "wayfinding hints"
    );
}
