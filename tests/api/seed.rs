use crate::helpers::*;
use heritage_guide::seed::{self, SeedFiles};
use heritage_guide::startup::load_seed;
use heritage_guide::store::{self, site::WriteOutcome};
use serde_json::Value;

fn edit_features(text: &str, f: impl Fn(&mut Vec<Value>)) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    f(v["features"].as_array_mut().unwrap());
    v.to_string()
}

fn first_place_id(files: &SeedFiles) -> String {
    let v: Value = serde_json::from_str(&files.places).unwrap();
    v["features"][0]["properties"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn fresh_conn() -> store::PooledConn {
    let url = fresh_database_url();
    let (pool, _) = store::connect(&url, 1).unwrap();
    let mut c = pool.get().unwrap();
    store::migrate(&mut c).unwrap();
    c
}

#[test]
fn the_built_in_seed_is_valid_and_rich() {
    let d = seed::parse(&SeedFiles::embedded()).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(d.site.id, SITE);
    assert!(d.places.len() >= 50);
    assert!(d.edges.len() >= 150);
    for a in ["factory", "liziba", "eling-park"] {
        assert!(d.places.iter().any(|p| p.area == a));
    }
    // The hillside from the factory park down to Liziba: about 133 m.
    let elev = |id: &str| d.nodes.iter().find(|n| n.id == id).unwrap().elevation_m;
    let f = d
        .places
        .iter()
        .find(|p| p.area == "factory" && p.kind == "gate")
        .map(|p| elev(&p.node))
        .unwrap();
    let l = d
        .places
        .iter()
        .filter(|p| p.area == "liziba" && p.kind == "transit")
        .map(|p| elev(&p.node))
        .fold(f64::MAX, f64::min);
    assert!((100.0..170.0).contains(&(f - l)), "descent {}", f - l);
    for p in &d.places {
        assert!(
            !p.sources.is_empty() || p.provenance == "estimate",
            "{} records its sources",
            p.id
        );
    }
}

#[test]
fn loading_twice_changes_nothing() {
    let mut c = fresh_conn();
    let files = SeedFiles::embedded();
    assert_eq!(
        load_seed(&mut c, &files).unwrap(),
        WriteOutcome::Created { version: 1 }
    );
    let (before, v1) = store::site::load_site(&mut c, SITE).unwrap().unwrap();
    assert_eq!(
        load_seed(&mut c, &files).unwrap(),
        WriteOutcome::Unchanged { version: 1 }
    );
    let (after, v2) = store::site::load_site(&mut c, SITE).unwrap().unwrap();
    assert_eq!(v1, v2);
    assert_eq!(before, after);
    // What was stored reads back exactly as parsed.
    assert_eq!(seed::parse(&files).unwrap(), before);
}

#[test]
fn a_changed_seed_bumps_the_version() {
    let mut c = fresh_conn();
    let mut files = SeedFiles::embedded();
    load_seed(&mut c, &files).unwrap();
    files.places = edit_features(&files.places, |f| {
        f[0]["properties"]["dwell_min"] = serde_json::json!(42);
    });
    assert_eq!(
        load_seed(&mut c, &files).unwrap(),
        WriteOutcome::Updated { version: 2 }
    );
}

fn assert_refused(files: &SeedFiles, file: &str, id: &str, field: &str) {
    let errs = seed::parse(files).expect_err("seed must be refused");
    assert!(
        errs.iter().any(|e| e.file == file
            && e.id.as_deref() == Some(id)
            && e.field.as_deref() == Some(field)),
        "expected an error for {file} / {id} / {field}, got {errs:?}"
    );
    // And nothing is written.
    let mut c = fresh_conn();
    assert!(load_seed(&mut c, files).is_err());
    assert!(store::site::list_sites(&mut c).unwrap().is_empty());
}

#[test]
fn refuses_a_place_on_an_unknown_node() {
    let mut files = SeedFiles::embedded();
    let id = first_place_id(&files);
    files.places = edit_features(&files.places, |f| {
        f[0]["properties"]["node"] = "n-nowhere".into()
    });
    assert_refused(&files, "places.geojson", &id, "node");
}

#[test]
fn refuses_bad_hours_fees_and_positions() {
    let base = SeedFiles::embedded();
    let id = first_place_id(&base);
    let mut files = base.clone();
    files.places = edit_features(&files.places, |f| {
        f[0]["properties"]["hours"] = "9am till late".into()
    });
    assert_refused(&files, "places.geojson", &id, "hours");
    let mut files = base.clone();
    files.places = edit_features(&files.places, |f| {
        f[0]["properties"]["fee_cny"] = (-5).into()
    });
    assert_refused(&files, "places.geojson", &id, "fee_cny");
    let mut files = base.clone();
    files.places = edit_features(&files.places, |f| {
        f[0]["geometry"]["coordinates"] = serde_json::json!([116.39, 39.9])
    });
    assert_refused(&files, "places.geojson", &id, "geometry");
    let mut files = base.clone();
    files.places = edit_features(&files.places, |f| {
        f[0]["properties"]["tags"] = serde_json::json!(["no_such_code"])
    });
    assert_refused(&files, "places.geojson", &id, "tags");
    let mut files = base;
    files.places = edit_features(&files.places, |f| {
        f[0]["properties"].as_object_mut().unwrap().remove("kind");
    });
    assert_refused(&files, "places.geojson", &id, "kind");
}

#[test]
fn refuses_a_disconnected_graph() {
    let mut files = SeedFiles::embedded();
    // Add an island: two nodes joined to each other only.
    files.paths = edit_features(&files.paths, |f| {
        let a = f
            .iter()
            .find(|x| x["properties"]["feature"] == "node")
            .unwrap()
            .clone();
        let (lon, lat) = (
            a["geometry"]["coordinates"][0].as_f64().unwrap(),
            a["geometry"]["coordinates"][1].as_f64().unwrap(),
        );
        for (id, dx) in [("n-island-a", 0.001), ("n-island-b", 0.0012)] {
            let mut n = a.clone();
            n["id"] = id.into();
            n["properties"]["id"] = id.into();
            n["geometry"]["coordinates"] = serde_json::json!([lon + dx, lat]);
            f.push(n);
        }
        let e = f
            .iter()
            .find(|x| x["properties"]["feature"] == "edge" && x["properties"]["kind"] == "walkway")
            .unwrap()
            .clone();
        let mut e2 = e.clone();
        e2["id"] = "e-island".into();
        e2["properties"]["id"] = "e-island".into();
        e2["properties"]["from"] = "n-island-a".into();
        e2["properties"]["to"] = "n-island-b".into();
        e2["geometry"]["coordinates"] =
            serde_json::json!([[lon + 0.001, lat], [lon + 0.0012, lat]]);
        f.push(e2);
    });
    let errs = seed::parse(&files).expect_err("refused");
    assert!(
        errs.iter()
            .any(|e| e.file == "paths.geojson" && e.message.contains("not connected")),
        "{errs:?}"
    );
}

#[test]
fn refuses_edges_with_unknown_endpoints_or_detached_geometry() {
    let base = SeedFiles::embedded();
    let edge_id = {
        let v: Value = serde_json::from_str(&base.paths).unwrap();
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["properties"]["feature"] == "edge")
            .unwrap()["properties"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut files = base.clone();
    files.paths = edit_features(&files.paths, |f| {
        let e = f
            .iter_mut()
            .find(|x| x["properties"]["id"] == edge_id.as_str())
            .unwrap();
        e["properties"]["to"] = "n-missing".into();
    });
    assert_refused(&files, "paths.geojson", &edge_id, "to");
    let mut files = base;
    files.paths = edit_features(&files.paths, |f| {
        let e = f
            .iter_mut()
            .find(|x| x["properties"]["id"] == edge_id.as_str())
            .unwrap();
        let c = e["geometry"]["coordinates"].as_array_mut().unwrap();
        let last = c.len() - 1;
        c[last][0] = (c[last][0].as_f64().unwrap() + 0.001).into();
    });
    let errs = seed::parse(&files).expect_err("refused");
    assert!(
        errs.iter()
            .any(|e| e.id.as_deref() == Some(edge_id.as_str())),
        "{errs:?}"
    );
}

#[test]
fn refuses_findings_that_reference_unknown_areas() {
    let mut files = SeedFiles::embedded();
    files.findings = files.findings.replacen("then: liziba", "then: atlantis", 1);
    let errs = seed::parse(&files).expect_err("refused");
    assert!(errs.iter().any(|e| e.file == "findings.yaml"), "{errs:?}");
}
