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

    // Down past every newer migration to the visit attributes: the columns go, the places stay.
    let mut reverted = Vec::new();
    loop {
        let name = store::revert_last(&mut c).unwrap();
        reverted.push(name.clone());
        if name.contains("20261201000004") {
            break;
        }
        assert!(
            reverted.len() < 20,
            "the visit attributes migration exists: {reverted:?}"
        );
    }
    let cols = store::column_names(&mut c, "places").unwrap();
    assert!(cols.contains(&"closed".to_string()), "{cols:?}");
    for col in VISIT_COLUMNS {
        assert!(!cols.contains(&col.to_string()), "{col} dropped: {cols:?}");
    }
    // Up again: every place takes the defaults and reads back otherwise unchanged.
    assert_eq!(store::migrate(&mut c).unwrap(), reverted.len());
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

/// Plans stored before the plan-lifetime migration get the default 30 days; plan feedback stops
/// referencing plans (so it outlives a purged plan) and is kept across down and up.
#[test]
fn the_plan_lifetime_migration_keeps_plans_and_their_feedback() {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    let url = fresh_database_url();
    let (pool, _) = store::connect(&url, 1).unwrap();
    let mut c = pool.get().unwrap();
    store::migrate(&mut c).unwrap();
    heritage_guide::startup::load_seed(&mut c, &heritage_guide::seed::SeedFiles::embedded())
        .unwrap();
    // Down past every newer migration to the plan lifetime.
    let mut reverted = Vec::new();
    loop {
        let name = store::revert_last(&mut c).unwrap();
        reverted.push(name.clone());
        if name.contains("20261211000001") {
            break;
        }
        assert!(reverted.len() < 20, "{reverted:?}");
    }
    assert!(!store::column_names(&mut c, "plans")
        .unwrap()
        .contains(&"expires_at".to_string()));
    let feedback_row = |plan: &str| {
        format!(
            "INSERT INTO plan_feedback (id, plan_id, site_id, visitor_id, snapshot_version, \
             followed, overall, skipped_json, codes_json, hidden, comment_hidden, revision, \
             created_at, updated_at) VALUES ('fb-{plan}', '{plan}', '{SITE}', 'visitor:x', 1, \
             'all', 4, '[]', '[]', false, false, 1, '2026-12-01T10:00:00.000Z', \
             '2026-12-01T10:00:00.000Z')"
        )
    };
    diesel::sql_query(format!(
        "INSERT INTO plans (id, site_id, snapshot_version, created_at, body_json) \
         VALUES ('old', '{SITE}', 1, '2026-12-01T10:00:00.123Z', '{{}}')"
    ))
    .execute(&mut c)
    .unwrap();
    diesel::sql_query(feedback_row("old"))
        .execute(&mut c)
        .unwrap();
    assert_eq!(store::migrate(&mut c).unwrap(), reverted.len());
    #[derive(QueryableByName)]
    struct Expiry {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        expires_at: Option<String>,
    }
    let e: Expiry = diesel::sql_query("SELECT expires_at FROM plans WHERE id = 'old'")
        .get_result(&mut c)
        .unwrap();
    assert_eq!(e.expires_at.as_deref(), Some("2026-12-31T10:00:00.123Z"));
    // Feedback whose plan is gone is kept (no reference to plans any more), and the purge of
    // the expired plan leaves the feedback.
    assert_eq!(
        store::plans::purge_expired(&mut c, "2027-01-01T00:00:00.000Z").unwrap(),
        1
    );
    let n: i64 = heritage_guide::store::schema::plan_feedback::table
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 1);
    // Down again: a reference to plans cannot hold feedback on a purged plan, which goes.
    for name in &reverted {
        assert_eq!(&store::revert_last(&mut c).unwrap(), name);
    }
    let n: i64 = heritage_guide::store::schema::plan_feedback::table
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(store::migrate(&mut c).unwrap(), reverted.len());
}
