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
fn seasonal_hours_and_public_holidays_load_and_bad_ones_are_refused_by_field() {
    let base = SeedFiles::embedded();
    let d = seed::parse(&base).unwrap_or_else(|e| panic!("{e:?}"));
    let stilwell = d.places.iter().find(|p| p.id == "stilwell-museum").unwrap();
    assert!(
        stilwell.hours.starts_with("Jan-Feb off"),
        "{}",
        stilwell.hours
    );
    assert!(d.site.public_holidays.contains(&"2026-10-01".to_string()));
    let id = first_place_id(&base);
    for good in [
        "Nov-Mar 09:00-17:00; Apr-Oct 08:30-18:00",
        "10:00-18:00; Dec 24-Jan 02 off; PH 10:00-16:00",
    ] {
        let mut files = base.clone();
        files.places = edit_features(&files.places, |f| f[0]["properties"]["hours"] = good.into());
        seed::parse(&files).unwrap_or_else(|e| panic!("{good}: {e:?}"));
    }
    let mut files = base.clone();
    files.places = edit_features(&files.places, |f| {
        f[0]["properties"]["hours"] = "Feb 30-Mar 02 off".into()
    });
    assert_refused(&files, "places.geojson", &id, "hours");
    let errs = seed::parse(&files).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.message.contains("day 30 does not exist in Feb")),
        "{errs:?}"
    );
    let mut files = base;
    files.site = files.site.replace("  - 2026-10-01\n", "  - 2026-10-32\n");
    assert_refused(&files, "site.yaml", SITE, "public_holidays");
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

/// Sets properties of the named places in a seed's places.geojson.
fn set_place_props(text: &str, changes: &[(&str, Value)]) -> String {
    edit_features(text, |f| {
        for (id, props) in changes {
            let place = f
                .iter_mut()
                .find(|x| x["properties"]["id"] == *id)
                .unwrap_or_else(|| panic!("no place {id} in the seed"));
            for (k, v) in props.as_object().unwrap() {
                place["properties"][k] = v.clone();
            }
        }
    })
}

#[test]
fn visit_attributes_default_and_round_trip_through_the_store_and_the_export() {
    use heritage_guide::seed::write::SeedDoc;
    use serde_json::json;
    let base = SeedFiles::embedded();
    // Absent, they take their defaults.
    let plain = seed::parse(&base).unwrap();
    let square = |d: &heritage_guide::domain::SiteData| {
        d.places
            .iter()
            .find(|p| p.id == "factory-main-square")
            .unwrap()
            .clone()
    };
    let p = square(&plain);
    assert!(!p.highlight && !p.container && !p.booking && p.queue_min == 0);

    let mut files = base.clone();
    files.places = set_place_props(
        &files.places,
        &[
            (
                "factory-main-square",
                json!({"highlight": true, "queue_min": 20, "booking": true}),
            ),
            ("factory-park", json!({"container": true})),
        ],
    );
    let data = seed::parse(&files).unwrap_or_else(|e| panic!("{e:?}"));
    let p = square(&data);
    assert!(p.highlight && p.booking && !p.container);
    assert_eq!(p.queue_min, 20);
    let park = data.places.iter().find(|p| p.id == "factory-park").unwrap();
    assert!(park.container && !park.highlight);
    // The content hash sees them.
    assert_ne!(seed::content_hash(&data), seed::content_hash(&plain));

    // Stored and read back unchanged; loading the same files again changes nothing.
    let mut c = fresh_conn();
    assert_eq!(
        load_seed(&mut c, &files).unwrap(),
        WriteOutcome::Created { version: 1 }
    );
    let (stored, _) = store::site::load_site(&mut c, SITE).unwrap().unwrap();
    assert_eq!(stored, data);
    assert_eq!(
        load_seed(&mut c, &files).unwrap(),
        WriteOutcome::Unchanged { version: 1 }
    );
    // The export writes them, and what it writes parses to the same site.
    let doc = SeedDoc::of(&stored);
    let exported = doc.find(
        heritage_guide::seed::write::Entity::Place,
        "factory-main-square",
    );
    let props = &exported.unwrap()["properties"];
    assert_eq!(props["highlight"], true);
    assert_eq!(props["queue_min"], 20);
    assert_eq!(props["booking"], true);
    assert_eq!(props["container"], false);
    assert_eq!(seed::parse(&doc.files()).unwrap(), data);
    // And the planner's model gets them.
    let snap = heritage_guide::model::build_snapshot(stored, 1, Default::default()).unwrap();
    let spec = |id: &str| snap.planning.places().find(|p| p.id == id).unwrap().clone();
    let p = spec("factory-main-square");
    assert!(p.highlight && p.booking && !p.container);
    assert_eq!(p.queue_min, 20);
    assert!(spec("factory-park").container);
}

#[test]
fn refuses_bad_visit_attributes() {
    use serde_json::json;
    let base = SeedFiles::embedded();
    for (id, props, field) in [
        ("factory-main-square", json!({"queue_min": -1}), "queue_min"),
        (
            "factory-main-square",
            json!({"queue_min": 2.5}),
            "queue_min",
        ),
        (
            "factory-main-square",
            json!({"queue_min": "10"}),
            "queue_min",
        ),
        (
            "factory-main-square",
            json!({"queue_min": 601}),
            "queue_min",
        ),
        (
            "factory-main-square",
            json!({"highlight": "yes"}),
            "highlight",
        ),
        ("factory-main-square", json!({"booking": 1}), "booking"),
        (
            "factory-main-square",
            json!({"container": null}),
            "container",
        ),
        (
            "factory-park",
            json!({"container": true, "highlight": true}),
            "highlight",
        ),
    ] {
        let mut files = base.clone();
        files.places = set_place_props(&files.places, &[(id, props.clone())]);
        let errs = seed::parse(&files).expect_err("seed must be refused");
        let e = errs
            .iter()
            .find(|e| e.id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("{props}: no error for {id}: {errs:?}"));
        assert_eq!(e.file, "places.geojson", "{props}: {e:?}");
        assert_eq!(e.field.as_deref(), Some(field), "{props}: {e:?}");
        assert!(
            !e.message.contains("u32"),
            "{props}: words, not types: {e:?}"
        );
        let shown = e.to_string();
        assert!(
            shown.contains("places.geojson") && shown.contains(id) && shown.contains(field),
            "{shown}"
        );
    }
    // Nothing is written for a refused seed.
    let mut files = base;
    files.places = set_place_props(
        &files.places,
        &[("factory-main-square", json!({"queue_min": -1}))],
    );
    assert_refused(&files, "places.geojson", "factory-main-square", "queue_min");
}

#[test]
fn refuses_unknown_frequencies_and_sentiments_by_field() {
    let mut files = SeedFiles::embedded();
    files.codebook = files
        .codebook
        .replacen("frequency: high", "frequency: often", 1)
        .replacen("sentiment: positive", "sentiment: cheerful", 1);
    files.findings = files
        .findings
        .replacen("frequency: medium", "frequency: sometimes", 1);
    let errs = seed::parse(&files).expect_err("refused");
    let message = |file: &str, id: &str, field: &str| {
        errs.iter()
            .find(|e| {
                e.file == file && e.id.as_deref() == Some(id) && e.field.as_deref() == Some(field)
            })
            .map(|e| e.message.clone())
    };
    assert_eq!(
        message("codebook.yaml", "artistic_landmark", "frequency").as_deref(),
        Some("must be high, medium or low"),
        "{errs:?}"
    );
    assert_eq!(
        message("codebook.yaml", "artistic_landmark", "sentiment").as_deref(),
        Some("must be positive, neutral or negative"),
        "{errs:?}"
    );
    assert_eq!(
        message("findings.yaml", "route-factory-then-liziba", "frequency").as_deref(),
        Some("must be high, medium or low"),
        "{errs:?}"
    );
    assert_refused(&files, "codebook.yaml", "artistic_landmark", "frequency");
}
