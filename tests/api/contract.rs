use crate::helpers::*;
use heritage_guide::api::ROUTES;
use std::collections::BTreeSet;

#[test]
fn the_spec_and_the_route_table_name_the_same_routes() {
    let spec = spec();
    assert_eq!(spec["openapi"].as_str().unwrap(), "3.1.0");
    let mut in_spec = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "patch", "delete"] {
            if let Some(op) = item.get(m) {
                in_spec.insert((m.to_ascii_uppercase(), path.clone()));
                assert!(
                    op["operationId"].is_string(),
                    "{m} {path} has an operationId"
                );
                assert!(
                    op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                    "{m} {path} has responses"
                );
            }
        }
    }
    let in_code: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = in_code.difference(&in_spec).collect();
    let extra: Vec<_> = in_spec.difference(&in_code).collect();
    assert!(
        missing.is_empty(),
        "routes missing from openapi.yaml: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "openapi.yaml names routes the server lacks: {extra:?}"
    );
}

#[tokio::test]
async fn every_route_in_the_table_is_served() {
    let app = spawn_app().await;
    for (m, p) in ROUTES {
        let path = p
            .replace("{site}", SITE)
            .replace("{place}", "factory-main-square")
            .replace("{plan}", "0");
        let r = match *m {
            "GET" => app.get(&path).await,
            _ => {
                app.send(m, &path, None, None, Some(&serde_json::json!({})))
                    .await
            }
        };
        // Served means answered by its handler: not the router's 404/405 for unknown routes.
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        assert!(
            !(status == 404
                && body["detail"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("no route"))
                && status != 405,
            "{m} {p} answered {status}: {body}"
        );
    }
}

#[tokio::test]
async fn the_spec_is_served() {
    let app = spawn_app().await;
    let r = app.get("/openapi.yaml").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert_eq!(text, heritage_guide::api::health::OPENAPI_YAML);
}

/// Every route but the health checks and the spec is rate limited, so every such operation
/// documents the 429 it may answer, and a real one conforms.
#[tokio::test]
async fn rate_limited_operations_document_429() {
    let spec = spec();
    let unlimited = heritage_guide::api::middleware::UNLIMITED;
    let mut missing = Vec::new();
    for (m, p) in ROUTES {
        let op = &spec["paths"][*p][m.to_ascii_lowercase()];
        let documented = op["responses"].get("429").is_some();
        if unlimited.contains(p) {
            assert!(!documented, "{m} {p} is never limited");
        } else if !documented {
            missing.push(format!("{m} {p}"));
        }
    }
    assert!(missing.is_empty(), "operations without 429: {missing:?}");

    let app = spawn_app_with(|s| s.limits.per_ip_per_min = 2).await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(app.get("/v1/sites").await);
    }
    let r = last.unwrap();
    assert!(r.headers().contains_key("retry-after"));
    let body = assert_problem(r, 429, None).await;
    assert_conforms("GET", "/v1/sites", 429, "application/problem+json", &body);
    // The health check stays answerable under the limit.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
