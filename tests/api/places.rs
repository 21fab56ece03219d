use crate::helpers::*;
use serde_json::Value;
use std::collections::HashSet;

fn places_path(q: &str) -> String {
    format!("/v1/sites/{SITE}/places{q}")
}

#[tokio::test]
async fn lists_places_with_filters() {
    let app = spawn_app().await;
    let (s, all) = app.get_json(&places_path("?limit=200")).await;
    assert_eq!(s, 200);
    assert_conforms(
        "GET",
        "/v1/sites/{site}/places",
        200,
        "application/json",
        &all,
    );
    let total = all["total"].as_u64().unwrap();
    assert!(total >= 50, "{total} places");
    assert_eq!(all["items"].as_array().unwrap().len() as u64, total);
    assert!(all["next_cursor"].is_null());
    let items = all["items"].as_array().unwrap();
    for a in ["factory", "liziba", "eling-park"] {
        assert!(items.iter().any(|p| p["area"] == a), "a place in {a}");
    }
    let rooftops: Vec<&Value> = items.iter().filter(|p| p["kind"] == "rooftop").collect();
    assert!(
        rooftops
            .iter()
            .any(|r| r["fee_cny"].as_f64().unwrap() > 0.0),
        "a paid rooftop"
    );
    assert!(
        rooftops
            .iter()
            .filter(|r| r["fee_cny"].as_f64().unwrap() == 0.0)
            .count()
            >= 2,
        "two free rooftops"
    );
    for p in items {
        assert!(p["provenance"]["sources"].as_array().is_some());
        assert!(p["provenance"]["coord_confidence_m"].as_f64().unwrap() > 0.0);
    }

    let (_, roof) = app.get_json(&places_path("?kind=rooftop")).await;
    assert_eq!(roof["total"].as_u64().unwrap() as usize, rooftops.len());
    assert!(roof["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["kind"] == "rooftop"));

    let (_, lz) = app.get_json(&places_path("?area=liziba&limit=200")).await;
    assert!(lz["total"].as_u64().unwrap() > 0);
    assert!(lz["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["area"] == "liziba"));

    let (_, multi) = app
        .get_json(&places_path("?kind=cafe,restaurant&limit=200"))
        .await;
    assert!(multi["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["kind"] == "cafe" || p["kind"] == "restaurant"));
    assert!(multi["total"].as_u64().unwrap() >= 2);

    let (_, film) = app.get_json(&places_path("?tag=film_location")).await;
    assert!(film["total"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn text_search_matches_either_language() {
    let app = spawn_app().await;
    let (_, en) = app.get_json(&places_path("?q=Liziba")).await;
    assert!(en["total"].as_u64().unwrap() >= 1);
    let (_, zh) = app
        .get_json(&places_path(&format!(
            "?q={}",
            "%E6%9D%8E%E5%AD%90%E5%9D%9D"
        )))
        .await; // 李子坝
    assert!(zh["total"].as_u64().unwrap() >= 1);
    let (_, none) = app.get_json(&places_path("?q=zzzz-no-such-place")).await;
    assert_eq!(none["total"], 0);
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn near_orders_by_distance_and_radius_limits() {
    let app = spawn_app().await;
    let (s, body) = app
        .get_json(&places_path(
            "?near=29.5538,106.5365&radius_m=150&limit=200",
        ))
        .await;
    assert_eq!(s, 200);
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let d: Vec<f64> = items
        .iter()
        .map(|p| p["distance_m"].as_f64().unwrap())
        .collect();
    assert!(
        d.windows(2).all(|w| w[0] <= w[1]),
        "ordered by distance: {d:?}"
    );
    assert!(d.iter().all(|&x| x <= 150.0));
    assert!(items
        .iter()
        .all(|p| p["area"] == "factory" || p["distance_m"].as_f64().unwrap() <= 150.0));
    let (_, wide) = app
        .get_json(&places_path("?near=29.5538,106.5365&limit=200"))
        .await;
    assert!(wide["total"].as_u64().unwrap() > body["total"].as_u64().unwrap());
}

#[tokio::test]
async fn cursor_paging_visits_every_place_once() {
    let app = spawn_app().await;
    let (_, all) = app.get_json(&places_path("?limit=200")).await;
    let total = all["total"].as_u64().unwrap() as usize;
    let mut seen = HashSet::new();
    let mut path = places_path("?limit=7");
    let mut pages = 0;
    loop {
        let (s, page) = app.get_json(&path).await;
        assert_eq!(s, 200);
        pages += 1;
        for p in page["items"].as_array().unwrap() {
            assert!(
                seen.insert(p["id"].as_str().unwrap().to_string()),
                "duplicate {}",
                p["id"]
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = places_path(&format!("?limit=7&cursor={c}")),
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    assert_eq!(pages, total.div_ceil(7));
}

#[tokio::test]
async fn geojson_when_asked() {
    let app = spawn_app().await;
    let r = app
        .get_with(
            &places_path("?area=factory"),
            None,
            &[("Accept", "application/geo+json")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let fc = conforming_geojson(r, "/v1/sites/{site}/places").await;
    assert_eq!(fc["type"], "FeatureCollection");
    for f in fc["features"].as_array().unwrap() {
        assert_eq!(f["geometry"]["type"], "Point");
        for k in ["id", "kind", "area", "name", "fee_cny", "dwell_min"] {
            assert!(!f["properties"][k].is_null(), "property {k}");
        }
    }
}

#[tokio::test]
async fn bad_parameters_are_400_naming_them() {
    let app = spawn_app().await;
    for (q, field) in [
        ("?near=95,106.53", "near"),
        ("?near=29.55", "near"),
        ("?near=29.55,106.5&radius_m=-5", "radius_m"),
        ("?radius_m=100", "radius_m"),
        ("?limit=1000000000", "limit"),
        ("?limit=0", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=%%%not-base64", "cursor"),
        ("?cursor=djE6MTA6YWJj", "cursor"),
        ("?kind=castle", "kind"),
        ("?area=moon", "area"),
        ("?tag=nope", "tag"),
        ("?colour=red", "colour"),
        ("?kind=cafe&kind=shop", "kind"),
    ] {
        let r = app.get(&places_path(q)).await;

        assert_problem_conforms(r, "GET", "/v1/sites/{site}/places", 400, Some(field)).await;
    }
}

#[tokio::test]
async fn shows_one_place_or_404() {
    let app = spawn_app().await;
    let (s, p) = app
        .get_json(&format!("/v1/sites/{SITE}/places/factory-main-square"))
        .await;
    assert_eq!(s, 200, "{p}");
    assert_conforms(
        "GET",
        "/v1/sites/{site}/places/{place}",
        200,
        "application/json",
        &p,
    );
    assert_eq!(p["id"], "factory-main-square");
    let r = app
        .get(&format!("/v1/sites/{SITE}/places/no-such-place"))
        .await;

    assert_problem_conforms(r, "GET", "/v1/sites/{site}/places/{place}", 404, None).await;
}
