//! Operator edits of site data: single changes and bulk imports, validated with the seed
//! loader's rules on the whole site, written row by row (soft deletes, per-row revisions) with
//! an audit record per change, all in one transaction that bumps the site's version.
//!
//! Every edit works on the site in its seed format (GeoJSON features, finding objects): the
//! current rows are turned into a [`SeedDoc`], the change is applied to it, and the result must
//! pass [`seed::parse`] — so an edit can never store what the loader would refuse, and a site
//! exported after edits loads again as it is.

use super::audit::{self, AuditAction, AuditEntity, AuditSource, NewAudit};
use super::schema::{findings, graph_edges, graph_nodes, places, sites};
use super::site::{self, EdgeRow, FindingRow, NodeRow, PlaceRow};
use super::{now_text, write_transaction, DbConn, StoreError};
use crate::auth::Role;
use crate::domain::*;
use crate::seed::{self, SeedError, SeedFiles};
use diesel::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Why an edit or an import was refused. The API layer turns each into its problem response.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The site, or the item of an entity, does not exist (or is deleted).
    #[error("no {entity} with id `{id}`")]
    NotFound { entity: &'static str, id: String },
    /// A malformed body: the field at fault and what is wrong.
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    /// The edited site does not validate as a seed; every error found.
    #[error("the site would not validate ({} errors)", .0.len())]
    Seed(Vec<SeedError>),
    /// The change cuts these places off the open paths.
    #[error("the change cuts {} off the open paths", .0.join(", "))]
    Stranded(Vec<String>),
    /// An item with this id exists already; `deleted` when it is deleted (restore it instead).
    #[error("{entity} `{id}` already exists")]
    Exists {
        entity: &'static str,
        id: String,
        deleted: bool,
    },
    /// Only a deleted item can be restored.
    #[error("{entity} `{id}` is not deleted")]
    NotDeleted { entity: &'static str, id: String },
    /// A change of an existing item needs `If-Match`.
    #[error("If-Match is required")]
    PreconditionRequired,
    /// `If-Match` does not match the item: its current revision.
    #[error("the item changed (current revision {current})")]
    PreconditionFailed { current: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EditError {
    fn invalid(field: &str, detail: impl Into<String>) -> EditError {
        EditError::Invalid {
            field: field.to_string(),
            detail: detail.into(),
        }
    }
}

/// The kinds of site data operators edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entity {
    Place,
    Node,
    Edge,
    Finding,
}

impl Entity {
    pub const ALL: [Entity; 4] = [Entity::Place, Entity::Node, Entity::Edge, Entity::Finding];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Place => "place",
            Entity::Node => "node",
            Entity::Edge => "edge",
            Entity::Finding => "finding",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The path segment of the collection (`places`, `nodes`, …).
    pub fn collection(self) -> &'static str {
        match self {
            Entity::Place => "places",
            Entity::Node => "nodes",
            Entity::Edge => "edges",
            Entity::Finding => "findings",
        }
    }

    fn is_feature(self) -> bool {
        self != Entity::Finding
    }

    /// `properties.feature` of the kinds that share the paths file (`node`, `edge`).
    pub fn feature_tag(self) -> Option<&'static str> {
        match self {
            Entity::Node => Some("node"),
            Entity::Edge => Some("edge"),
            Entity::Place | Entity::Finding => None,
        }
    }

    /// The kind a `properties.feature` names.
    pub fn of_feature_tag(tag: &str) -> Option<Entity> {
        [Entity::Node, Entity::Edge]
            .into_iter()
            .find(|e| e.feature_tag() == Some(tag))
    }

    /// The members allowed at the top of an item in its seed format.
    fn members(self) -> &'static [&'static str] {
        if self.is_feature() {
            &["type", "id", "geometry", "properties"]
        } else {
            &["id", "code", "frequency", "text", "rule"]
        }
    }
}

impl From<Entity> for AuditEntity {
    fn from(e: Entity) -> AuditEntity {
        match e {
            Entity::Place => AuditEntity::Place,
            Entity::Node => AuditEntity::Node,
            Entity::Edge => AuditEntity::Edge,
            Entity::Finding => AuditEntity::Finding,
        }
    }
}

/// Who makes a change.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
}

// ---------------------------------------------------------------------------------------------
// The seed format of stored data.

/// A site in its seed format, as JSON values, ready to be edited and re-validated.
#[derive(Clone, Debug)]
pub struct SeedDoc {
    pub site: Value,
    pub places: Vec<Value>,
    pub nodes: Vec<Value>,
    pub edges: Vec<Value>,
    pub findings: Vec<Value>,
    pub codebook: Value,
}

pub fn place_feature(p: &Place) -> Value {
    json!({
        "type": "Feature",
        "id": p.id,
        "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
        "properties": {
            "id": p.id,
            "area": p.area,
            "kind": p.kind,
            "name": p.name,
            "description": p.description,
            "elevation_m": p.elevation_m,
            "level": p.level,
            "fee_cny": p.fee_cny,
            "fee_note": p.fee_note,
            "hours": p.hours,
            "dwell_min": p.dwell_min,
            "tags": p.tags,
            "popularity": p.popularity,
            "node": p.node,
            "provenance": p.provenance,
            "sources": p.sources,
            "coord_confidence_m": p.coord_confidence_m,
            "notes": p.notes,
            "closed": p.closed,
            "highlight": p.highlight,
            "container": p.container,
            "queue_min": p.queue_min,
            "booking": p.booking,
        },
    })
}

pub fn node_feature(n: &GraphNode) -> Value {
    json!({
        "type": "Feature",
        "id": n.id,
        "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
        "properties": {
            "feature": "node",
            "id": n.id,
            "elevation_m": n.elevation_m,
            "level": n.level,
            "area": n.area,
            "name": n.name,
            "provenance": n.provenance,
            "sources": n.sources,
            "coord_confidence_m": n.coord_confidence_m,
        },
    })
}

pub fn edge_feature(e: &GraphEdge) -> Value {
    json!({
        "type": "Feature",
        "id": e.id,
        "geometry": {"type": "LineString", "coordinates": e.geometry},
        "properties": {
            "feature": "edge",
            "id": e.id,
            "from": e.from,
            "to": e.to,
            "kind": e.kind,
            "steps": e.steps,
            "step_free": e.step_free,
            "name": e.name,
            "hint": e.hint,
            "hint_reverse": e.hint_reverse,
            "hint_both_ways": e.hint_both_ways,
            "hint_step_free": e.hint_step_free,
            "provenance": e.provenance,
            "sources": e.sources,
            "closed": e.closed,
        },
    })
}

pub fn finding_value(f: &FindingRec) -> Value {
    json!({
        "id": f.id,
        "code": f.code,
        "frequency": f.frequency,
        "text": f.text,
        "rule": f.rule,
    })
}

/// The id of a seed feature (`properties.id`, else `id`) or finding (`id`).
pub fn item_id(v: &Value) -> Option<&str> {
    v.get("properties")
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .or_else(|| v.get("id").and_then(Value::as_str))
}

fn collection(features: &[Value]) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

impl SeedDoc {
    pub fn of(d: &SiteData) -> SeedDoc {
        let mut site = json!({
                "id": d.site.id,
                "name": d.site.name,
                "description": d.site.description,
                "utc_offset_min": d.site.utc_offset_min,
                "center": d.site.center,
                "bounds": d.site.bounds,
                "areas": d.areas,
                "sources": d.site.sources,
        });
        if !d.site.public_holidays.is_empty() {
            site["public_holidays"] = json!(d.site.public_holidays);
        }
        SeedDoc {
            site,
            places: d.places.iter().map(place_feature).collect(),
            nodes: d.nodes.iter().map(node_feature).collect(),
            edges: d.edges.iter().map(edge_feature).collect(),
            findings: d.findings.iter().map(finding_value).collect(),
            codebook: json!(d.codebook),
        }
    }

    pub fn places_geojson(&self) -> Value {
        collection(&self.places)
    }

    pub fn paths_geojson(&self) -> Value {
        let mut all = self.nodes.clone();
        all.extend(self.edges.iter().cloned());
        collection(&all)
    }

    pub fn findings_doc(&self) -> Value {
        json!({ "findings": self.findings })
    }

    /// The five seed files as text.
    pub fn files(&self) -> SeedFiles {
        let yaml = |v: &Value| serde_yaml::to_string(v).expect("JSON values serialise as YAML");
        SeedFiles {
            site: yaml(&self.site),
            places: self.places_geojson().to_string(),
            paths: self.paths_geojson().to_string(),
            findings: yaml(&self.findings_doc()),
            codebook: yaml(&self.codebook),
        }
    }

    pub fn list(&self, e: Entity) -> &Vec<Value> {
        match e {
            Entity::Place => &self.places,
            Entity::Node => &self.nodes,
            Entity::Edge => &self.edges,
            Entity::Finding => &self.findings,
        }
    }

    pub fn list_mut(&mut self, e: Entity) -> &mut Vec<Value> {
        match e {
            Entity::Place => &mut self.places,
            Entity::Node => &mut self.nodes,
            Entity::Edge => &mut self.edges,
            Entity::Finding => &mut self.findings,
        }
    }

    pub fn find(&self, e: Entity, id: &str) -> Option<&Value> {
        self.list(e).iter().find(|v| item_id(v) == Some(id))
    }

    fn position(&self, e: Entity, id: &str) -> Option<usize> {
        self.list(e).iter().position(|v| item_id(v) == Some(id))
    }
}

// ---------------------------------------------------------------------------------------------
// Typed items and their rows.

#[derive(Clone, Debug, PartialEq)]
enum Item<'a> {
    Place(&'a Place),
    Node(&'a GraphNode),
    Edge(&'a GraphEdge),
    Finding(&'a FindingRec),
}

impl Item<'_> {
    fn value(&self) -> Value {
        match self {
            Item::Place(p) => place_feature(p),
            Item::Node(n) => node_feature(n),
            Item::Edge(e) => edge_feature(e),
            Item::Finding(f) => finding_value(f),
        }
    }
}

fn items(d: &SiteData, e: Entity) -> BTreeMap<&str, Item<'_>> {
    match e {
        Entity::Place => d
            .places
            .iter()
            .map(|x| (x.id.as_str(), Item::Place(x)))
            .collect(),
        Entity::Node => d
            .nodes
            .iter()
            .map(|x| (x.id.as_str(), Item::Node(x)))
            .collect(),
        Entity::Edge => d
            .edges
            .iter()
            .map(|x| (x.id.as_str(), Item::Edge(x)))
            .collect(),
        Entity::Finding => d
            .findings
            .iter()
            .map(|x| (x.id.as_str(), Item::Finding(x)))
            .collect(),
    }
}

/// A stored row's revision and whether it is soft-deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowState {
    pub revision: i64,
    pub deleted: bool,
}

macro_rules! row_state {
    ($conn:expr, $t:ident, $sid:expr, $id:expr) => {
        $t::table
            .filter($t::site_id.eq($sid))
            .filter($t::id.eq($id))
            .select(($t::revision, $t::deleted_at))
            .first::<(i64, Option<String>)>($conn)
            .optional()?
            .map(|(revision, d)| RowState {
                revision,
                deleted: d.is_some(),
            })
    };
}

/// The state of a stored row, live or deleted.
pub fn row_state(
    conn: &mut DbConn,
    e: Entity,
    sid: &str,
    id: &str,
) -> Result<Option<RowState>, StoreError> {
    Ok(match e {
        Entity::Place => row_state!(conn, places, sid, id),
        Entity::Node => row_state!(conn, graph_nodes, sid, id),
        Entity::Edge => row_state!(conn, graph_edges, sid, id),
        Entity::Finding => row_state!(conn, findings, sid, id),
    })
}

macro_rules! load_row {
    ($conn:expr, $t:ident, $row:ident, $sid:expr, $id:expr) => {
        $t::table
            .filter($t::site_id.eq($sid))
            .filter($t::id.eq($id))
            .select($row::as_select())
            .first::<$row>($conn)
            .optional()?
    };
}

/// The seed-format value of a stored row, live or deleted.
pub fn stored_value(
    conn: &mut DbConn,
    e: Entity,
    sid: &str,
    id: &str,
) -> Result<Option<Value>, StoreError> {
    Ok(match e {
        Entity::Place => match load_row!(conn, places, PlaceRow, sid, id) {
            Some(r) => Some(place_feature(&site::place_from_row(r)?)),
            None => None,
        },
        Entity::Node => match load_row!(conn, graph_nodes, NodeRow, sid, id) {
            Some(r) => Some(node_feature(&site::node_from_row(r)?)),
            None => None,
        },
        Entity::Edge => match load_row!(conn, graph_edges, EdgeRow, sid, id) {
            Some(r) => Some(edge_feature(&site::edge_from_row(r)?)),
            None => None,
        },
        Entity::Finding => match load_row!(conn, findings, FindingRow, sid, id) {
            Some(r) => Some(finding_value(&site::finding_from_row(r)?)),
            None => None,
        },
    })
}

macro_rules! write_row {
    ($conn:expr, $t:ident, $row:expr, $sid:expr, $id:expr, $prev:expr) => {
        match $prev {
            None => diesel::insert_into($t::table)
                .values(&$row)
                .execute($conn)?,
            Some(rev) => diesel::update(
                $t::table
                    .filter($t::site_id.eq($sid))
                    .filter($t::id.eq($id))
                    .filter($t::revision.eq(rev)),
            )
            .set((
                &$row,
                $t::revision.eq(rev + 1),
                $t::deleted_at.eq(None::<String>),
            ))
            .execute($conn)?,
        }
    };
}

macro_rules! soft_delete {
    ($conn:expr, $t:ident, $sid:expr, $id:expr, $rev:expr, $now:expr) => {
        diesel::update(
            $t::table
                .filter($t::site_id.eq($sid))
                .filter($t::id.eq($id))
                .filter($t::revision.eq($rev)),
        )
        .set(($t::deleted_at.eq(Some($now)), $t::revision.eq($rev + 1)))
        .execute($conn)?
    };
}

/// Writes an item (insert, or update/restore with the revision bumped) or soft-deletes it.
/// Fails when the row's revision moved under us.
fn write_item(
    conn: &mut DbConn,
    sid: &str,
    e: Entity,
    id: &str,
    after: Option<&Item>,
    prev: Option<RowState>,
) -> Result<i64, StoreError> {
    let prev_rev = prev.map(|p| p.revision);
    let n = match after {
        Some(Item::Place(p)) => {
            write_row!(conn, places, site::place_row(sid, p), sid, id, prev_rev)
        }
        Some(Item::Node(n)) => {
            write_row!(conn, graph_nodes, site::node_row(sid, n), sid, id, prev_rev)
        }
        Some(Item::Edge(x)) => {
            write_row!(conn, graph_edges, site::edge_row(sid, x), sid, id, prev_rev)
        }
        Some(Item::Finding(f)) => {
            write_row!(conn, findings, site::finding_row(sid, f), sid, id, prev_rev)
        }
        None => {
            let rev = prev_rev.ok_or_else(|| StoreError::Other("nothing to delete".into()))?;
            let now = now_text();
            match e {
                Entity::Place => soft_delete!(conn, places, sid, id, rev, now),
                Entity::Node => soft_delete!(conn, graph_nodes, sid, id, rev, now),
                Entity::Edge => soft_delete!(conn, graph_edges, sid, id, rev, now),
                Entity::Finding => soft_delete!(conn, findings, sid, id, rev, now),
            }
        }
    };
    if n != 1 {
        return Err(StoreError::Other(format!(
            "{} `{id}` changed concurrently",
            e.as_str()
        )));
    }
    Ok(prev_rev.map(|r| r + 1).unwrap_or(1))
}

// ---------------------------------------------------------------------------------------------
// Changes.

/// One written change.
#[derive(Clone, Debug)]
pub struct Change {
    pub entity: Entity,
    pub id: String,
    /// `Create`, `Update`, `Delete` or `Restore`.
    pub action: AuditAction,
    /// The row's revision after the change.
    pub revision: i64,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    pub fn summary(&self) -> Value {
        json!({"entity": self.entity.as_str(), "id": self.id, "action": self.action.as_str(), "revision": self.revision})
    }
}

/// The changes from `old` to `new`; with `write`, each is written and audited.
fn apply_diff(
    conn: &mut DbConn,
    sid: &str,
    old: &SiteData,
    new: &SiteData,
    write: Option<(&Actor, i64, AuditSource)>,
) -> Result<Vec<Change>, StoreError> {
    let mut out = Vec::new();
    let at = now_text();
    let actor = match write {
        Some((a, _, _)) => actor_name(conn, a)?,
        None => String::new(),
    };
    for e in Entity::ALL {
        let (o, n) = (items(old, e), items(new, e));
        let mut ids: Vec<&str> = o.keys().chain(n.keys()).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let (before, after) = (o.get(id), n.get(id));
            if before == after {
                continue;
            }
            let prev = row_state(conn, e, sid, id)?;
            let action = match (prev, after) {
                (_, None) => AuditAction::Delete,
                (None, Some(_)) => AuditAction::Create,
                (Some(p), Some(_)) if p.deleted => AuditAction::Restore,
                _ => AuditAction::Update,
            };
            let revision = match write {
                Some(_) => write_item(conn, sid, e, id, after, prev)?,
                None => prev.map(|p| p.revision + 1).unwrap_or(1),
            };
            let change = Change {
                entity: e,
                id: id.to_string(),
                action,
                revision,
                before: before.map(Item::value),
                after: after.map(Item::value),
            };
            if let Some((who, version, source)) = write {
                audit::insert(
                    conn,
                    &NewAudit {
                        site_id: sid.to_string(),
                        at: at.clone(),
                        actor: actor.clone(),
                        actor_role: who.role,
                        action,
                        entity: e.into(),
                        entity_id: id.to_string(),
                        revision,
                        site_version: version,
                        source,
                        before_json: change.before.as_ref().map(Value::to_string),
                        after_json: change.after.as_ref().map(Value::to_string),
                    },
                )?;
            }
            out.push(change);
        }
    }
    Ok(out)
}

fn actor_name(conn: &mut DbConn, a: &Actor) -> Result<String, StoreError> {
    Ok(super::users::by_id(conn, &a.user_id)?
        .map(|u| u.username)
        .unwrap_or_else(|| a.user_id.clone()))
}

/// Takes the site's row lock (serialising edits of one site across instances) and returns its
/// version; 404 when the site is unknown.
fn lock_site(conn: &mut DbConn, sid: &str) -> Result<i64, EditError> {
    let n = diesel::update(sites::table.find(sid))
        .set(sites::version.eq(sites::version))
        .execute(conn)
        .map_err(StoreError::from)?;
    if n == 0 {
        return Err(EditError::NotFound {
            entity: "site",
            id: sid.to_string(),
        });
    }
    Ok(sites::table
        .find(sid)
        .select(sites::version)
        .first(conn)
        .map_err(StoreError::from)?)
}

fn bump_site(conn: &mut DbConn, sid: &str, new: &SiteData, version: i64) -> Result<(), StoreError> {
    diesel::update(sites::table.find(sid))
        .set((
            sites::version.eq(version),
            sites::content_hash.eq(seed::content_hash(new)),
            sites::updated_at.eq(now_text()),
        ))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Validation.

/// Validates the document as the seed loader would. Places stranded by closed edges are closed
/// when `close_stranded`, else the edit is refused naming them.
pub fn validate(doc: &mut SeedDoc, close_stranded: bool) -> Result<SiteData, EditError> {
    let errs = match seed::parse(&doc.files()) {
        Ok(d) => return Ok(d),
        Err(errs) => errs,
    };
    let (stranded, other): (Vec<SeedError>, Vec<SeedError>) =
        errs.into_iter().partition(|e| e.stranded);
    if !other.is_empty() {
        return Err(EditError::Seed(other));
    }
    let ids: Vec<String> = stranded.into_iter().filter_map(|e| e.id).collect();
    if !close_stranded {
        return Err(EditError::Stranded(ids));
    }
    for id in &ids {
        if let Some(i) = doc.position(Entity::Place, id) {
            doc.places[i]["properties"]["closed"] = json!(true);
        }
    }
    seed::parse(&doc.files()).map_err(EditError::Seed)
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Refuses members outside the seed format at the top of a feature or finding (the seed
/// loader checks the properties).
pub fn check_shape(e: Entity, v: &Value) -> Result<(), EditError> {
    let Some(obj) = v.as_object() else {
        return Err(EditError::invalid("body", "the body must be a JSON object"));
    };
    let allowed = e.members();
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(EditError::invalid(
            k,
            format!(
                "unknown field `{k}`; expected one of {}",
                allowed.join(", ")
            ),
        ));
    }
    if e.is_feature() {
        if obj.get("type").and_then(Value::as_str) != Some("Feature") {
            return Err(EditError::invalid(
                "type",
                "the body must be a GeoJSON Feature",
            ));
        }
        if let Some(g) = obj.get("geometry").and_then(Value::as_object) {
            if let Some(k) = g.keys().find(|k| *k != "type" && *k != "coordinates") {
                return Err(EditError::invalid(
                    &format!("geometry.{k}"),
                    format!("unknown field `{k}`"),
                ));
            }
        }
        let feature = v["properties"]["feature"].as_str();
        let want = e.feature_tag();
        if feature != want && !(want.is_none() && feature.is_none()) {
            return Err(EditError::invalid(
                "properties.feature",
                match want {
                    Some(w) => format!("must be \"{w}\""),
                    None => "places have no `feature` property".to_string(),
                },
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ETags.

/// The ETag of a row's revision.
pub fn revision_etag(rev: i64) -> String {
    format!("\"rev-{rev}\"")
}

/// Whether an `If-Match` value matches one of the current tags (strong comparison; `*` matches).
pub fn if_match_ok(header: &str, current: &[String]) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || (!t.starts_with("W/") && current.iter().any(|c| c == t)))
}

/// The strong ETags of a live item's public representations (each format and language), so the
/// ETag of a GET can be sent back in `If-Match`.
fn representation_etags(d: &SiteData, e: Entity, id: &str) -> Vec<String> {
    use crate::model::Rendered;
    use crate::render;
    let mut out = Vec::new();
    for lang in [Lang::Zh, Lang::En] {
        match e {
            Entity::Place => {
                if let Some(p) = d.places.iter().find(|p| p.id == id) {
                    out.push(Rendered::json(&render::place_json(p, lang, None)).etag);
                    out.push(Rendered::json(&render::place_feature(p, lang, None)).etag);
                }
            }
            Entity::Node => {
                if let Some(n) = d.nodes.iter().find(|n| n.id == id) {
                    out.push(Rendered::json(&render::node_feature(n, lang)).etag);
                }
            }
            Entity::Edge => {
                if let Some(x) = d.edges.iter().find(|x| x.id == id) {
                    out.push(Rendered::json(&render::edge_feature(x, lang)).etag);
                }
            }
            Entity::Finding => {
                if let Some(f) = d.findings.iter().find(|f| f.id == id) {
                    out.push(Rendered::json(&render::finding_json(f, lang)).etag);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Single edits.

/// What an edit does.
#[derive(Clone, Debug)]
pub enum Op {
    /// A new item in the seed format.
    Create(Value),
    /// An RFC 7396 merge patch of the item's seed format.
    Patch(Value),
    Delete,
    Restore,
}

#[derive(Clone, Debug)]
pub struct EditSpec {
    pub entity: Entity,
    /// The item's id (for `Create`, taken from the body).
    pub id: Option<String>,
    pub op: Op,
    /// The `If-Match` header (required for `Patch` and `Delete`).
    pub if_match: Option<String>,
    /// Close places the change would strand instead of refusing it.
    pub close_stranded: bool,
}

/// A committed edit.
#[derive(Clone, Debug)]
pub struct Committed {
    pub id: String,
    /// The site's version after the edit.
    pub version: i64,
    /// The item's revision after the edit.
    pub revision: i64,
    /// The item's seed-format value after the edit (`None` after a delete).
    pub item: Option<Value>,
    /// Every change written (the item, and places closed because they were stranded).
    pub changes: Vec<Change>,
}

fn gone_or_missing(e: Entity, id: &str) -> EditError {
    EditError::NotFound {
        entity: e.as_str(),
        id: id.to_string(),
    }
}

/// The start of every change: the site's lock and version, its current data and seed document.
fn begin(conn: &mut DbConn, sid: &str) -> Result<(i64, SiteData, SeedDoc), EditError> {
    let version = lock_site(conn, sid)?;
    let (old, _) = site::load_site(conn, sid)?.ok_or_else(|| EditError::NotFound {
        entity: "site",
        id: sid.to_string(),
    })?;
    let doc = SeedDoc::of(&old);
    Ok((version, old, doc))
}

/// Applies one edit in a write transaction.
pub fn edit(
    conn: &mut DbConn,
    sid: &str,
    spec: &EditSpec,
    actor: &Actor,
) -> Result<Committed, EditError> {
    write_transaction(conn, |conn| {
        let (version, old, mut doc) = begin(conn, sid)?;
        let e = spec.entity;
        let id = match (&spec.op, &spec.id) {
            (Op::Create(body), _) if is_graph_collection(e, body) => {
                return create_graph_features(conn, sid, spec, actor, version, old, doc, body);
            }
            (Op::Create(body), _) => {
                check_shape(e, body)?;
                item_id(body)
                    .ok_or_else(|| EditError::invalid("id", "the new item needs an id"))?
                    .to_string()
            }
            (_, Some(id)) => id.clone(),
            (_, None) => return Err(EditError::invalid("id", "no item id")),
        };
        let state = row_state(conn, e, sid, &id)?;
        let live = |s: Option<RowState>| s.filter(|s| !s.deleted);
        if matches!(spec.op, Op::Patch(_) | Op::Delete) {
            let Some(st) = live(state) else {
                return Err(gone_or_missing(e, &id));
            };
            let Some(im) = &spec.if_match else {
                return Err(EditError::PreconditionRequired);
            };
            let mut tags = representation_etags(&old, e, &id);
            tags.push(revision_etag(st.revision));
            if !if_match_ok(im, &tags) {
                return Err(EditError::PreconditionFailed {
                    current: st.revision,
                });
            }
        }
        match &spec.op {
            Op::Create(body) => {
                if let Some(s) = state {
                    return Err(EditError::Exists {
                        entity: e.as_str(),
                        id,
                        deleted: s.deleted,
                    });
                }
                let mut v = body.clone();
                if e.is_feature() {
                    v["id"] = json!(id);
                }
                doc.list_mut(e).push(v);
            }
            Op::Patch(patch) => {
                check_shape_patch(e, patch)?;
                let i = doc
                    .position(e, &id)
                    .ok_or_else(|| gone_or_missing(e, &id))?;
                let mut v = doc.list(e)[i].clone();
                merge_patch(&mut v, patch);
                if item_id(&v) != Some(id.as_str()) || (e.is_feature() && v["id"] != json!(id)) {
                    return Err(EditError::invalid("id", "an item's id cannot change"));
                }
                check_shape(e, &v)?;
                if e == Entity::Node {
                    follow_node(&mut doc, &id, &v["geometry"]["coordinates"]);
                }
                doc.list_mut(e)[i] = v;
            }
            Op::Delete => {
                let i = doc
                    .position(e, &id)
                    .ok_or_else(|| gone_or_missing(e, &id))?;
                doc.list_mut(e).remove(i);
            }
            Op::Restore => match state {
                None => return Err(gone_or_missing(e, &id)),
                Some(s) if !s.deleted => {
                    return Err(EditError::NotDeleted {
                        entity: e.as_str(),
                        id,
                    })
                }
                Some(_) => {
                    let v =
                        stored_value(conn, e, sid, &id)?.ok_or_else(|| gone_or_missing(e, &id))?;
                    doc.list_mut(e).push(v);
                }
            },
        }
        let new = validate(&mut doc, spec.close_stranded)?;
        let new_version = version + 1;
        let changes = apply_diff(
            conn,
            sid,
            &old,
            &new,
            Some((actor, new_version, AuditSource::Api)),
        )?;
        let version = if changes.is_empty() {
            version
        } else {
            bump_site(conn, sid, &new, new_version)?;
            new_version
        };
        let revision = match changes.iter().find(|c| c.entity == e && c.id == id) {
            Some(c) => c.revision,
            None => state.map(|s| s.revision).unwrap_or(1),
        };
        Ok(Committed {
            item: doc.find(e, &id).cloned(),
            id,
            version,
            revision,
            changes,
        })
    })
}

/// A moved node takes the ends of its edges along (their first or last position), so the paths
/// stay attached; the edges' lengths and climbs are derived again.
fn follow_node(doc: &mut SeedDoc, id: &str, to: &Value) {
    if to.as_array().is_none_or(|a| a.len() < 2) {
        return;
    }
    for edge in doc.edges.iter_mut() {
        let props = &edge["properties"];
        let (from, end) = (props["from"] == id, props["to"] == id);
        let Some(coords) = edge["geometry"]["coordinates"].as_array_mut() else {
            continue;
        };
        if coords.len() < 2 {
            continue;
        }
        if from {
            coords[0] = to.clone();
        }
        if end {
            let last = coords.len() - 1;
            coords[last] = to.clone();
        }
    }
}

fn is_graph_collection(e: Entity, body: &Value) -> bool {
    matches!(e, Entity::Node | Entity::Edge) && body["type"] == "FeatureCollection"
}

/// Creates several nodes and edges at once (a new node is only valid with the edges joining
/// it). The first feature of the requested kind is the answer's item.
#[allow(clippy::too_many_arguments)]
fn create_graph_features(
    conn: &mut DbConn,
    sid: &str,
    spec: &EditSpec,
    actor: &Actor,
    version: i64,
    old: SiteData,
    mut doc: SeedDoc,
    body: &Value,
) -> Result<Committed, EditError> {
    if let Some(k) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "type" && *k != "features"))
    {
        return Err(EditError::invalid(k, format!("unknown field `{k}`")));
    }
    let features = feature_list(body, "features")?;
    if features.is_empty() {
        return Err(EditError::invalid("features", "no features"));
    }
    let mut primary = None;
    for f in &features {
        let kind = match f["properties"]["feature"]
            .as_str()
            .and_then(Entity::of_feature_tag)
        {
            Some(kind) => kind,
            None => {
                return Err(EditError::invalid(
                    "properties.feature",
                    "each feature must be a node or an edge",
                ))
            }
        };
        check_shape(kind, f)?;
        let id = item_id(f)
            .ok_or_else(|| EditError::invalid("id", "each feature needs an id"))?
            .to_string();
        if let Some(st) = row_state(conn, kind, sid, &id)? {
            return Err(EditError::Exists {
                entity: kind.as_str(),
                id,
                deleted: st.deleted,
            });
        }
        if kind == spec.entity && primary.is_none() {
            primary = Some(id.clone());
        }
        let mut v = f.clone();
        v["id"] = json!(id);
        doc.list_mut(kind).push(v);
    }
    let id = primary.ok_or_else(|| {
        EditError::invalid(
            "features",
            format!("no {} among the features", spec.entity.as_str()),
        )
    })?;
    let new = validate(&mut doc, spec.close_stranded)?;
    let new_version = version + 1;
    let changes = apply_diff(
        conn,
        sid,
        &old,
        &new,
        Some((actor, new_version, AuditSource::Api)),
    )?;
    bump_site(conn, sid, &new, new_version)?;
    Ok(Committed {
        item: doc.find(spec.entity, &id).cloned(),
        revision: 1,
        id,
        version: new_version,
        changes,
    })
}

/// A merge patch must be an object naming only seed-format members.
fn check_shape_patch(e: Entity, patch: &Value) -> Result<(), EditError> {
    let Some(obj) = patch.as_object() else {
        return Err(EditError::invalid(
            "body",
            "a merge patch must be a JSON object",
        ));
    };
    let allowed = e.members();
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(EditError::invalid(k, format!("unknown field `{k}`"))),
        None => Ok(()),
    }
}

/// An item's seed-format value with its revision, live items only.
pub fn live_item(
    conn: &mut DbConn,
    sid: &str,
    e: Entity,
    id: &str,
) -> Result<Option<(Value, i64)>, StoreError> {
    match row_state(conn, e, sid, id)? {
        Some(s) if !s.deleted => Ok(stored_value(conn, e, sid, id)?.map(|v| (v, s.revision))),
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// Import.

/// What an import replaces: any of the places, the paths (nodes and edges) and the findings.
#[derive(Clone, Debug, Default)]
pub struct ImportSpec {
    pub places: Option<Vec<Value>>,
    pub paths: Option<Vec<Value>>,
    pub findings: Option<Vec<Value>>,
    pub dry_run: bool,
    pub close_stranded: bool,
}

#[derive(Clone, Debug)]
pub struct Imported {
    pub version: i64,
    pub changes: Vec<Change>,
    /// Whether anything was written (false on a dry run or when nothing differs).
    pub written: bool,
}

/// The features of a GeoJSON FeatureCollection; 400 naming `field` otherwise.
pub fn feature_list(v: &Value, field: &str) -> Result<Vec<Value>, EditError> {
    if v.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(EditError::invalid(
            field,
            "expected a GeoJSON FeatureCollection",
        ));
    }
    v.get("features")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| EditError::invalid(field, "a FeatureCollection needs a `features` array"))
}

/// Replaces the given collections with the import's, validates the whole site, and writes the
/// differences (rows missing from the import are soft-deleted, deleted rows named again are
/// restored). A dry run validates and reports without writing.
pub fn import(
    conn: &mut DbConn,
    sid: &str,
    spec: &ImportSpec,
    actor: &Actor,
) -> Result<Imported, EditError> {
    write_transaction(conn, |conn| {
        let (version, old, mut doc) = begin(conn, sid)?;
        if let Some(p) = &spec.places {
            doc.places = p.clone();
        }
        if let Some(paths) = &spec.paths {
            let (edges, nodes): (Vec<Value>, Vec<Value>) = paths
                .iter()
                .cloned()
                .partition(|f| f["properties"]["feature"].as_str() == Entity::Edge.feature_tag());
            doc.nodes = nodes;
            doc.edges = edges;
        }
        if let Some(f) = &spec.findings {
            doc.findings = f.clone();
        }
        let new = validate(&mut doc, spec.close_stranded)?;
        let new_version = version + 1;
        let write = (!spec.dry_run).then_some((actor, new_version, AuditSource::Import));
        let changes = apply_diff(conn, sid, &old, &new, write)?;
        let written = !spec.dry_run && !changes.is_empty();
        if written {
            bump_site(conn, sid, &new, new_version)?;
        }
        Ok(Imported {
            version: if written { new_version } else { version },
            changes,
            written,
        })
    })
}
