use crate::helpers::*;
use heritage_guide::store;

#[test]
fn migrations_go_up_down_and_up_again() {
    let url = fresh_database_url();
    let (pool, _) = store::connect(&url, 1).unwrap();
    let mut c = pool.get().unwrap();
    assert!(store::migrate(&mut c).unwrap() >= 1);
    let tables = store::table_names(&mut c).unwrap();
    for t in [
        "sites",
        "areas",
        "places",
        "graph_nodes",
        "graph_edges",
        "findings",
        "codebook_codes",
        "plans",
    ] {
        assert!(tables.contains(&t.to_string()), "{t} in {tables:?}");
    }
    let place_columns = store::column_names(&mut c, "places").unwrap();
    for col in VISIT_COLUMNS {
        assert!(
            place_columns.contains(&col.to_string()),
            "{col} in {place_columns:?}"
        );
    }
    assert_eq!(store::migrate(&mut c).unwrap(), 0, "nothing pending");
    assert!(store::revert_all(&mut c).unwrap() >= 1);
    assert!(
        store::table_names(&mut c).unwrap().is_empty(),
        "down removes every table"
    );
    store::migrate(&mut c).unwrap();
    assert_eq!(store::table_names(&mut c).unwrap(), tables);
    assert_eq!(
        store::column_names(&mut c, "places").unwrap(),
        place_columns
    );
}

/// The columns the place-visit-attributes migration adds.
const VISIT_COLUMNS: [&str; 4] = ["highlight", "container", "queue_min", "booking"];

#[test]
fn the_visit_attribute_columns_go_down_and_up_again_with_places_stored() {
    use heritage_guide::seed::{self, SeedFiles};
    use heritage_guide::startup::load_seed;
    let url = fresh_database_url();
    let (pool, _) = store::connect(&url, 1).unwrap();
    let mut c = pool.get().unwrap();
    store::migrate(&mut c).unwrap();
    // A site whose places use the attributes.
    let mut files = SeedFiles::embedded();
    let mut places: serde_json::Value = serde_json::from_str(&files.places).unwrap();
    for f in places["features"].as_array_mut().unwrap() {
        if f["properties"]["id"] == "factory-main-square" {
            f["properties"]["highlight"] = true.into();
            f["properties"]["queue_min"] = 15.into();
            f["properties"]["booking"] = true.into();
        }
        if f["properties"]["id"] == "factory-park" {
            f["properties"]["container"] = true.into();
        }
    }
    files.places = places.to_string();
    load_seed(&mut c, &files).unwrap();
    let (with, _) = store::site::load_site(&mut c, SITE).unwrap().unwrap();
    assert!(with.places.iter().any(|p| p.highlight && p.queue_min == 15));

    // Down (past the newer visits and public-holidays migrations): the columns go, the places
    // stay.
    let visits = store::revert_last(&mut c).unwrap();
    assert!(visits.contains("20261212000001"), "{visits}");
    assert!(
        store::column_names(&mut c, "visits").unwrap().is_empty(),
        "the visits table is dropped"
    );
    let newer = store::revert_last(&mut c).unwrap();
    assert!(newer.contains("20261210000001"), "{newer}");
    let reverted = store::revert_last(&mut c).unwrap();
    assert!(
        reverted.contains("000004"),
        "the newest migration is the visit attributes: {reverted}"
    );
    let cols = store::column_names(&mut c, "places").unwrap();
    assert!(cols.contains(&"closed".to_string()), "{cols:?}");
    for col in VISIT_COLUMNS {
        assert!(!cols.contains(&col.to_string()), "{col} dropped: {cols:?}");
    }
    // Up again: every place takes the defaults and reads back otherwise unchanged.
    assert_eq!(store::migrate(&mut c).unwrap(), 3);
    assert!(store::column_names(&mut c, "visits")
        .unwrap()
        .contains(&"visitor_hash".to_string()));
    let (after, _) = store::site::load_site(&mut c, SITE).unwrap().unwrap();
    let mut plain = seed::parse(&SeedFiles::embedded()).unwrap();
    for p in &mut plain.places {
        (p.highlight, p.container, p.booking, p.queue_min) = (false, false, false, 0);
    }
    assert_eq!(after.places, plain.places);
    assert!(after
        .places
        .iter()
        .all(|p| !p.highlight && !p.container && !p.booking && p.queue_min == 0));
}

#[test]
fn database_urls_choose_the_backend_by_scheme() {
    use heritage_guide::store::{Backend, DbTarget};
    assert_eq!(
        DbTarget::parse("sqlite://data/x.db").unwrap().backend,
        Backend::Sqlite
    );
    assert_eq!(
        DbTarget::parse("postgres://u:p@h/db").unwrap().backend,
        Backend::Postgres
    );
    assert_eq!(
        DbTarget::parse("postgresql://h/db").unwrap().backend,
        Backend::Postgres
    );
    assert!(DbTarget::parse("mysql://h/db").is_err());
    assert!(!heritage_guide::config::redact("postgres://u:secret@h/db").contains("secret"));
}
