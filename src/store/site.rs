//! Reading and writing a whole site (the seed's unit of change).

use super::schema::*;
use super::{now_text, DbConn, StoreError};
use crate::domain::*;
use diesel::prelude::*;

pub(crate) fn js<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialises")
}

pub(crate) fn jd<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Other(format!("stored JSON is invalid: {e}")))
}

/// Stored text of a closed set as its enum; text no variant names fails the load.
pub(crate) fn text_enum<T: TryFrom<String, Error = UnknownValue>>(
    s: String,
) -> Result<T, StoreError> {
    T::try_from(s).map_err(|e| StoreError::Other(format!("stored data is invalid: {e}")))
}

pub(crate) fn bi(zh: Option<String>, en: Option<String>) -> Option<Bilingual> {
    match (zh, en) {
        (Some(zh), Some(en)) => Some(Bilingual { zh, en }),
        _ => None,
    }
}

#[derive(Queryable, Insertable, AsChangeset)]
#[diesel(table_name = sites)]
pub struct SiteRow {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub utc_offset_min: i32,
    pub center_lon: f64,
    pub center_lat: f64,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub sources_json: String,
    pub version: i64,
    pub content_hash: String,
    pub updated_at: String,
    pub public_holidays_json: String,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = areas)]
struct AreaRow {
    site_id: String,
    id: String,
    position: i32,
    name_zh: String,
    name_en: String,
    description_zh: String,
    description_en: String,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = graph_nodes, treat_none_as_null = true)]
pub(crate) struct NodeRow {
    site_id: String,
    id: String,
    lon: f64,
    lat: f64,
    elevation_m: f64,
    level: i32,
    area_id: String,
    name_zh: Option<String>,
    name_en: Option<String>,
    provenance: String,
    sources_json: String,
    coord_confidence_m: f64,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = graph_edges, treat_none_as_null = true)]
pub(crate) struct EdgeRow {
    site_id: String,
    id: String,
    from_node: String,
    to_node: String,
    kind: String,
    geometry_json: String,
    length_m: f64,
    ascent_m: f64,
    descent_m: f64,
    steps: i32,
    step_free: bool,
    name_zh: Option<String>,
    name_en: Option<String>,
    hint_zh: Option<String>,
    hint_en: Option<String>,
    hint_reverse_zh: Option<String>,
    hint_reverse_en: Option<String>,
    hint_both_ways: bool,
    hint_step_free: bool,
    provenance: String,
    sources_json: String,
    closed: bool,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = places, treat_none_as_null = true)]
pub(crate) struct PlaceRow {
    site_id: String,
    id: String,
    area_id: String,
    kind: String,
    name_zh: String,
    name_en: String,
    description_zh: String,
    description_en: String,
    lon: f64,
    lat: f64,
    elevation_m: Option<f64>,
    level: i32,
    fee_cny: f64,
    fee_note_zh: Option<String>,
    fee_note_en: Option<String>,
    hours: String,
    dwell_min: i32,
    tags_json: String,
    popularity: f64,
    node_id: String,
    provenance: String,
    sources_json: String,
    coord_confidence_m: f64,
    notes: Option<String>,
    closed: bool,
    highlight: bool,
    container: bool,
    queue_min: i32,
    booking: bool,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = findings, treat_none_as_null = true)]
pub(crate) struct FindingRow {
    site_id: String,
    id: String,
    code: String,
    frequency: String,
    text_zh: String,
    text_en: String,
    rule_json: String,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = codebook_themes)]
struct ThemeRow {
    site_id: String,
    id: String,
    name_zh: String,
    name_en: String,
    description_zh: String,
    description_en: String,
    categories_json: String,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = codebook_categories)]
struct CategoryRow {
    site_id: String,
    id: String,
    name_zh: String,
    name_en: String,
    description_zh: String,
    description_en: String,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = codebook_codes)]
struct CodeRow {
    site_id: String,
    id: String,
    category_id: String,
    name_zh: String,
    name_en: String,
    frequency: String,
    sentiment: String,
    keywords_zh_json: String,
    keywords_en_json: String,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = interests)]
struct InterestRow {
    site_id: String,
    id: String,
    name_zh: String,
    name_en: String,
    tags_json: String,
    kinds_json: String,
}

/// What writing a site did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Created { version: i64 },
    Updated { version: i64 },
    Unchanged { version: i64 },
}

/// Writes a whole site in one transaction. Identical content (by hash) changes nothing; other
/// content replaces the site's rows and bumps its version. Stored plans are kept.
pub fn write_site(
    conn: &mut DbConn,
    data: &SiteData,
    hash: &str,
) -> Result<WriteOutcome, StoreError> {
    conn.transaction::<_, StoreError, _>(|conn| {
        let sid = data.site.id.clone();
        let existing: Option<(i64, String)> = sites::table
            .find(&sid)
            .select((sites::version, sites::content_hash))
            .first(conn)
            .optional()?;
        if let Some((version, h)) = &existing {
            if h == hash {
                return Ok(WriteOutcome::Unchanged { version: *version });
            }
        }
        let version = existing.as_ref().map(|(v, _)| v + 1).unwrap_or(1);
        let row = site_row(data, version, hash);
        if existing.is_some() {
            diesel::update(sites::table.find(&sid))
                .set(&row)
                .execute(conn)?;
            clear_site(conn, &sid)?;
        } else {
            diesel::insert_into(sites::table)
                .values(&row)
                .execute(conn)?;
        }
        insert_site_items(conn, &sid, data)?;
        insert_codebook(conn, &sid, &data.codebook)?;
        Ok(if existing.is_some() {
            WriteOutcome::Updated { version }
        } else {
            WriteOutcome::Created { version }
        })
    })
}

/// The row of a site at `version`.
fn site_row(data: &SiteData, version: i64, hash: &str) -> SiteRow {
    let s = &data.site;
    SiteRow {
        id: s.id.clone(),
        name_zh: s.name.zh.clone(),
        name_en: s.name.en.clone(),
        description_zh: s.description.zh.clone(),
        description_en: s.description.en.clone(),
        utc_offset_min: s.utc_offset_min,
        center_lon: s.center[0],
        center_lat: s.center[1],
        min_lon: s.bounds.min_lon,
        min_lat: s.bounds.min_lat,
        max_lon: s.bounds.max_lon,
        max_lat: s.bounds.max_lat,
        sources_json: js(&s.sources),
        version,
        content_hash: hash.to_string(),
        updated_at: now_text(),
        public_holidays_json: js(&s.public_holidays),
    }
}

/// Deletes everything a site holds below its own row, children first.
fn clear_site(conn: &mut DbConn, sid: &str) -> Result<(), StoreError> {
    diesel::delete(interests::table.filter(interests::site_id.eq(sid))).execute(conn)?;
    diesel::delete(codebook_codes::table.filter(codebook_codes::site_id.eq(sid))).execute(conn)?;
    diesel::delete(codebook_categories::table.filter(codebook_categories::site_id.eq(sid)))
        .execute(conn)?;
    diesel::delete(codebook_themes::table.filter(codebook_themes::site_id.eq(sid)))
        .execute(conn)?;
    diesel::delete(findings::table.filter(findings::site_id.eq(sid))).execute(conn)?;
    diesel::delete(places::table.filter(places::site_id.eq(sid))).execute(conn)?;
    diesel::delete(graph_edges::table.filter(graph_edges::site_id.eq(sid))).execute(conn)?;
    diesel::delete(graph_nodes::table.filter(graph_nodes::site_id.eq(sid))).execute(conn)?;
    diesel::delete(areas::table.filter(areas::site_id.eq(sid))).execute(conn)?;
    Ok(())
}

/// Inserts a site's areas, nodes, edges, places and findings.
fn insert_site_items(conn: &mut DbConn, sid: &str, data: &SiteData) -> Result<(), StoreError> {
    for (i, a) in data.areas.iter().enumerate() {
        diesel::insert_into(areas::table)
            .values(&AreaRow {
                site_id: sid.to_string(),
                id: a.id.clone(),
                position: i as i32,
                name_zh: a.name.zh.clone(),
                name_en: a.name.en.clone(),
                description_zh: a.description.zh.clone(),
                description_en: a.description.en.clone(),
            })
            .execute(conn)?;
    }
    let nodes: Vec<_> = data.nodes.iter().map(|n| node_row(sid, n)).collect();
    let edges: Vec<_> = data.edges.iter().map(|e| edge_row(sid, e)).collect();
    let places_rows: Vec<_> = data.places.iter().map(|p| place_row(sid, p)).collect();
    let findings_rows: Vec<_> = data.findings.iter().map(|f| finding_row(sid, f)).collect();
    // Row by row: SQLite limits the bound parameters of one statement.
    for r in &nodes {
        diesel::insert_into(graph_nodes::table)
            .values(r)
            .execute(conn)?;
    }
    for r in &edges {
        diesel::insert_into(graph_edges::table)
            .values(r)
            .execute(conn)?;
    }
    for r in &places_rows {
        diesel::insert_into(places::table).values(r).execute(conn)?;
    }
    for r in &findings_rows {
        diesel::insert_into(findings::table)
            .values(r)
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts a site's codebook: categories, themes, codes and interests.
fn insert_codebook(conn: &mut DbConn, sid: &str, cb: &Codebook) -> Result<(), StoreError> {
    for c in &cb.categories {
        diesel::insert_into(codebook_categories::table)
            .values(&CategoryRow {
                site_id: sid.to_string(),
                id: c.id.clone(),
                name_zh: c.name.zh.clone(),
                name_en: c.name.en.clone(),
                description_zh: c.description.zh.clone(),
                description_en: c.description.en.clone(),
            })
            .execute(conn)?;
    }
    for t in &cb.themes {
        diesel::insert_into(codebook_themes::table)
            .values(&ThemeRow {
                site_id: sid.to_string(),
                id: t.id.clone(),
                name_zh: t.name.zh.clone(),
                name_en: t.name.en.clone(),
                description_zh: t.description.zh.clone(),
                description_en: t.description.en.clone(),
                categories_json: js(&t.categories),
            })
            .execute(conn)?;
    }
    for c in &cb.codes {
        diesel::insert_into(codebook_codes::table)
            .values(&CodeRow {
                site_id: sid.to_string(),
                id: c.id.clone(),
                category_id: c.category.clone(),
                name_zh: c.name.zh.clone(),
                name_en: c.name.en.clone(),
                frequency: c.frequency.as_str().to_string(),
                sentiment: c.sentiment.as_str().to_string(),
                keywords_zh_json: js(&c.keywords.zh),
                keywords_en_json: js(&c.keywords.en),
            })
            .execute(conn)?;
    }
    for i in &cb.interests {
        diesel::insert_into(interests::table)
            .values(&InterestRow {
                site_id: sid.to_string(),
                id: i.id.clone(),
                name_zh: i.name.zh.clone(),
                name_en: i.name.en.clone(),
                tags_json: js(&i.tags),
                kinds_json: js(&i.kinds),
            })
            .execute(conn)?;
    }
    Ok(())
}

pub(crate) fn node_row(sid: &str, n: &GraphNode) -> NodeRow {
    NodeRow {
        site_id: sid.to_string(),
        id: n.id.clone(),
        lon: n.lon,
        lat: n.lat,
        elevation_m: n.elevation_m,
        level: n.level,
        area_id: n.area.clone(),
        name_zh: n.name.as_ref().map(|b| b.zh.clone()),
        name_en: n.name.as_ref().map(|b| b.en.clone()),
        provenance: n.provenance.clone(),
        sources_json: js(&n.sources),
        coord_confidence_m: n.coord_confidence_m,
    }
}

pub(crate) fn edge_row(sid: &str, e: &GraphEdge) -> EdgeRow {
    EdgeRow {
        site_id: sid.to_string(),
        id: e.id.clone(),
        from_node: e.from.clone(),
        to_node: e.to.clone(),
        kind: e.kind.clone(),
        geometry_json: js(&e.geometry),
        length_m: e.length_m,
        ascent_m: e.ascent_m,
        descent_m: e.descent_m,
        steps: e.steps as i32,
        step_free: e.step_free,
        name_zh: e.name.as_ref().map(|b| b.zh.clone()),
        name_en: e.name.as_ref().map(|b| b.en.clone()),
        hint_zh: e.hint.as_ref().map(|b| b.zh.clone()),
        hint_en: e.hint.as_ref().map(|b| b.en.clone()),
        hint_reverse_zh: e.hint_reverse.as_ref().map(|b| b.zh.clone()),
        hint_reverse_en: e.hint_reverse.as_ref().map(|b| b.en.clone()),
        hint_both_ways: e.hint_both_ways,
        hint_step_free: e.hint_step_free,
        provenance: e.provenance.clone(),
        sources_json: js(&e.sources),
        closed: e.closed,
    }
}

pub(crate) fn place_row(sid: &str, p: &Place) -> PlaceRow {
    PlaceRow {
        site_id: sid.to_string(),
        id: p.id.clone(),
        area_id: p.area.clone(),
        kind: p.kind.clone(),
        name_zh: p.name.zh.clone(),
        name_en: p.name.en.clone(),
        description_zh: p.description.zh.clone(),
        description_en: p.description.en.clone(),
        lon: p.lon,
        lat: p.lat,
        elevation_m: p.elevation_m,
        level: p.level,
        fee_cny: p.fee_cny,
        fee_note_zh: p.fee_note.as_ref().map(|b| b.zh.clone()),
        fee_note_en: p.fee_note.as_ref().map(|b| b.en.clone()),
        hours: p.hours.clone(),
        dwell_min: p.dwell_min as i32,
        tags_json: js(&p.tags),
        popularity: p.popularity,
        node_id: p.node.clone(),
        provenance: p.provenance.clone(),
        sources_json: js(&p.sources),
        coord_confidence_m: p.coord_confidence_m,
        notes: p.notes.clone(),
        closed: p.closed,
        highlight: p.highlight,
        container: p.container,
        queue_min: i32::try_from(p.queue_min).unwrap_or(i32::MAX),
        booking: p.booking,
    }
}

pub(crate) fn finding_row(sid: &str, f: &FindingRec) -> FindingRow {
    FindingRow {
        site_id: sid.to_string(),
        id: f.id.clone(),
        code: f.code.clone(),
        frequency: f.frequency.as_str().to_string(),
        text_zh: f.text.zh.clone(),
        text_en: f.text.en.clone(),
        rule_json: js(&f.rule),
    }
}

pub(crate) fn node_from_row(n: NodeRow) -> Result<GraphNode, StoreError> {
    Ok(GraphNode {
        id: n.id,
        lon: n.lon,
        lat: n.lat,
        elevation_m: n.elevation_m,
        level: n.level,
        area: n.area_id,
        name: bi(n.name_zh, n.name_en),
        provenance: n.provenance,
        sources: jd(&n.sources_json)?,
        coord_confidence_m: n.coord_confidence_m,
    })
}

pub(crate) fn edge_from_row(e: EdgeRow) -> Result<GraphEdge, StoreError> {
    Ok(GraphEdge {
        id: e.id,
        from: e.from_node,
        to: e.to_node,
        kind: e.kind,
        geometry: jd(&e.geometry_json)?,
        length_m: e.length_m,
        ascent_m: e.ascent_m,
        descent_m: e.descent_m,
        steps: e.steps.max(0) as u32,
        step_free: e.step_free,
        name: bi(e.name_zh, e.name_en),
        hint: bi(e.hint_zh, e.hint_en),
        hint_reverse: bi(e.hint_reverse_zh, e.hint_reverse_en),
        hint_both_ways: e.hint_both_ways,
        hint_step_free: e.hint_step_free,
        provenance: e.provenance,
        sources: jd(&e.sources_json)?,
        closed: e.closed,
    })
}

pub(crate) fn place_from_row(p: PlaceRow) -> Result<Place, StoreError> {
    Ok(Place {
        id: p.id,
        area: p.area_id,
        kind: p.kind,
        name: Bilingual {
            zh: p.name_zh,
            en: p.name_en,
        },
        description: Bilingual {
            zh: p.description_zh,
            en: p.description_en,
        },
        lon: p.lon,
        lat: p.lat,
        elevation_m: p.elevation_m,
        level: p.level,
        fee_cny: p.fee_cny,
        fee_note: bi(p.fee_note_zh, p.fee_note_en),
        hours: p.hours,
        dwell_min: p.dwell_min.max(0) as u32,
        tags: jd(&p.tags_json)?,
        popularity: p.popularity,
        node: p.node_id,
        provenance: p.provenance,
        sources: jd(&p.sources_json)?,
        coord_confidence_m: p.coord_confidence_m,
        notes: p.notes,
        closed: p.closed,
        highlight: p.highlight,
        container: p.container,
        queue_min: p.queue_min.max(0) as u32,
        booking: p.booking,
    })
}

pub(crate) fn finding_from_row(f: FindingRow) -> Result<FindingRec, StoreError> {
    Ok(FindingRec {
        id: f.id,
        code: f.code,
        frequency: text_enum(f.frequency)?,
        text: Bilingual {
            zh: f.text_zh,
            en: f.text_en,
        },
        rule: jd(&f.rule_json)?,
    })
}

/// Moves a site to its next version, the one way every change bumps it (an edit or import of
/// site data, a codebook code, a snapshot publication); `content_hash` is stored with it when
/// the site data changed. Inside the change's write transaction this also takes the site's row
/// lock. Returns the new version, `None` for an unknown site.
pub fn next_version(
    conn: &mut DbConn,
    sid: &str,
    content_hash: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    let now = now_text();
    let row = sites::table.find(sid);
    let n = match content_hash {
        Some(h) => diesel::update(row)
            .set((
                sites::version.eq(sites::version + 1i64),
                sites::content_hash.eq(h),
                sites::updated_at.eq(&now),
            ))
            .execute(conn)?,
        None => diesel::update(row)
            .set((
                sites::version.eq(sites::version + 1i64),
                sites::updated_at.eq(&now),
            ))
            .execute(conn)?,
    };
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(row.select(sites::version).first(conn)?))
}

/// Ids and versions of every stored site.
pub fn list_sites(conn: &mut DbConn) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sites::table
        .select((sites::id, sites::version))
        .order(sites::id.asc())
        .load(conn)?)
}

/// The live (not deleted) rows of a site's table, by id.
macro_rules! live_rows {
    ($conn:expr, $t:ident, $row:ident, $sid:expr) => {
        $t::table
            .filter($t::site_id.eq($sid))
            .filter($t::deleted_at.is_null())
            .select($row::as_select())
            .order($t::id.asc())
            .load::<$row>($conn)?
    };
}

/// A whole site with its version, or `None` when unknown.
pub fn load_site(conn: &mut DbConn, sid: &str) -> Result<Option<(SiteData, i64)>, StoreError> {
    let Some(s): Option<SiteRow> = sites::table.find(sid).first(conn).optional()? else {
        return Ok(None);
    };
    let version = s.version;
    let data = SiteData {
        site: site_of(s)?,
        areas: load_areas(conn, sid)?,
        nodes: live_rows!(conn, graph_nodes, NodeRow, sid)
            .into_iter()
            .map(node_from_row)
            .collect::<Result<_, _>>()?,
        edges: live_rows!(conn, graph_edges, EdgeRow, sid)
            .into_iter()
            .map(edge_from_row)
            .collect::<Result<_, _>>()?,
        places: live_rows!(conn, places, PlaceRow, sid)
            .into_iter()
            .map(place_from_row)
            .collect::<Result<_, _>>()?,
        findings: live_rows!(conn, findings, FindingRow, sid)
            .into_iter()
            .map(finding_from_row)
            .collect::<Result<_, _>>()?,
        codebook: load_codebook(conn, sid)?,
    };
    Ok(Some((data, version)))
}

/// The site itself from its row.
fn site_of(s: SiteRow) -> Result<Site, StoreError> {
    Ok(Site {
        id: s.id,
        name: Bilingual {
            zh: s.name_zh,
            en: s.name_en,
        },
        description: Bilingual {
            zh: s.description_zh,
            en: s.description_en,
        },
        utc_offset_min: s.utc_offset_min,
        center: [s.center_lon, s.center_lat],
        bounds: Bounds {
            min_lon: s.min_lon,
            min_lat: s.min_lat,
            max_lon: s.max_lon,
            max_lat: s.max_lat,
        },
        sources: jd(&s.sources_json)?,
        public_holidays: jd(&s.public_holidays_json)?,
    })
}

/// A site's areas in their given order.
fn load_areas(conn: &mut DbConn, sid: &str) -> Result<Vec<Area>, StoreError> {
    let rows: Vec<AreaRow> = areas::table
        .filter(areas::site_id.eq(sid))
        .order(areas::position.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|a| Area {
            id: a.id,
            name: Bilingual {
                zh: a.name_zh,
                en: a.name_en,
            },
            description: Bilingual {
                zh: a.description_zh,
                en: a.description_en,
            },
        })
        .collect())
}

/// A site's codebook: themes, categories, codes and interests, by id.
fn load_codebook(conn: &mut DbConn, sid: &str) -> Result<Codebook, StoreError> {
    let theme_rows: Vec<ThemeRow> = codebook_themes::table
        .filter(codebook_themes::site_id.eq(sid))
        .order(codebook_themes::id.asc())
        .load(conn)?;
    let cat_rows: Vec<CategoryRow> = codebook_categories::table
        .filter(codebook_categories::site_id.eq(sid))
        .order(codebook_categories::id.asc())
        .load(conn)?;
    let code_rows: Vec<CodeRow> = codebook_codes::table
        .filter(codebook_codes::site_id.eq(sid))
        .order(codebook_codes::id.asc())
        .load(conn)?;
    let interest_rows: Vec<InterestRow> = interests::table
        .filter(interests::site_id.eq(sid))
        .order(interests::id.asc())
        .load(conn)?;
    let mut themes = Vec::new();
    for t in theme_rows {
        themes.push(Theme {
            id: t.id,
            name: Bilingual {
                zh: t.name_zh,
                en: t.name_en,
            },
            description: Bilingual {
                zh: t.description_zh,
                en: t.description_en,
            },
            categories: jd(&t.categories_json)?,
        });
    }
    let categories = cat_rows
        .into_iter()
        .map(|c| Category {
            id: c.id,
            name: Bilingual {
                zh: c.name_zh,
                en: c.name_en,
            },
            description: Bilingual {
                zh: c.description_zh,
                en: c.description_en,
            },
        })
        .collect();
    let mut codes = Vec::new();
    for c in code_rows {
        codes.push(Code {
            id: c.id,
            name: Bilingual {
                zh: c.name_zh,
                en: c.name_en,
            },
            category: c.category_id,
            frequency: text_enum(c.frequency)?,
            sentiment: text_enum(c.sentiment)?,
            keywords: Keywords {
                zh: jd(&c.keywords_zh_json)?,
                en: jd(&c.keywords_en_json)?,
            },
        });
    }
    let mut interests_out = Vec::new();
    for i in interest_rows {
        interests_out.push(InterestRec {
            id: i.id,
            name: Bilingual {
                zh: i.name_zh,
                en: i.name_en,
            },
            tags: jd(&i.tags_json)?,
            kinds: jd(&i.kinds_json)?,
        });
    }
    Ok(Codebook {
        themes,
        categories,
        codes,
        interests: interests_out,
    })
}
