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
    assert_eq!(store::migrate(&mut c).unwrap(), 0, "nothing pending");
    assert!(store::revert_all(&mut c).unwrap() >= 1);
    assert!(
        store::table_names(&mut c).unwrap().is_empty(),
        "down removes every table"
    );
    store::migrate(&mut c).unwrap();
    assert_eq!(store::table_names(&mut c).unwrap(), tables);
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
    assert!(!store::redact("postgres://u:secret@h/db").contains("secret"));
}
