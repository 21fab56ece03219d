//! Site editing: single changes and bulk imports of places, nodes, edges and findings. Each
//! works on the site in its seed format ([`SeedDoc`]): the change is applied (merge patch,
//! create, delete, restore) after its preconditions, the result is validated as the seed loader
//! would, and the store writes the difference, audited, under one new site version — all in one
//! write transaction.

use crate::domain::*;
use crate::seed::write::{item_id, Entity, SeedDoc};
use crate::seed::{self, SeedError};
use crate::store::edits::{
    apply_diff, lock_site, row_state, stored_value, Actor, Change, RowState,
};
use crate::store::{audit::AuditSource, site, write_transaction, DbConn, StoreError};
use serde_json::{json, Value};

/// An item's seed-format value with its revision, live items only.
pub use crate::store::edits::live_item;

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

/// The ETag of a row's revision.
pub fn revision_etag(rev: i64) -> String {
    format!("\"rev-{rev}\"")
}

/// An `If-Match` precondition: any current representation, or one of these strong tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// Whether the precondition holds for an item whose current tags are `current`.
    pub fn matches(&self, current: &[String]) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| current.contains(t)),
        }
    }
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
    /// The `If-Match` precondition (required for `Patch` and `Delete`).
    pub if_match: Option<IfMatch>,
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
    let no_site = || EditError::NotFound {
        entity: "site",
        id: sid.to_string(),
    };
    let version = lock_site(conn, sid)?.ok_or_else(no_site)?;
    let (old, _) = site::load_site(conn, sid)?.ok_or_else(no_site)?;
    let doc = SeedDoc::of(&old);
    Ok((version, old, doc))
}

/// Writes the difference between `old` and `new`, audited, under the site's next version, and
/// returns that version with the changes; the version stays when nothing differs. Without an
/// actor (a dry run) the changes are only listed.
fn commit(
    conn: &mut DbConn,
    sid: &str,
    old: &SiteData,
    new: &SiteData,
    version: i64,
    actor: Option<&Actor>,
    source: AuditSource,
) -> Result<(i64, Vec<Change>), EditError> {
    let next = version + 1;
    let changes = apply_diff(conn, sid, old, new, actor.map(|a| (a, next, source)))?;
    if actor.is_none() || changes.is_empty() {
        return Ok((version, changes));
    }
    let hash = seed::content_hash(new);
    let bumped = crate::store::site::next_version(conn, sid, Some(&hash))?;
    debug_assert_eq!(bumped, Some(next), "the site's row lock is held");
    Ok((next, changes))
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
        if matches!(spec.op, Op::Patch(_) | Op::Delete) {
            check_precondition(&old, e, &id, state, spec.if_match.as_ref())?;
        }
        let restored = match (&spec.op, state) {
            (Op::Restore, Some(s)) if s.deleted => stored_value(conn, e, sid, &id)?,
            _ => None,
        };
        apply_op(&mut doc, e, &id, &spec.op, state, restored)?;
        let new = validate(&mut doc, spec.close_stranded)?;
        let (version, changes) = commit(
            conn,
            sid,
            &old,
            &new,
            version,
            Some(actor),
            AuditSource::Api,
        )?;
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

/// A change of a live item needs `If-Match` naming one of its representations or its revision:
/// 404 for a missing or deleted item, 428 without the header, 412 when it names another state.
fn check_precondition(
    current: &SiteData,
    e: Entity,
    id: &str,
    state: Option<RowState>,
    if_match: Option<&IfMatch>,
) -> Result<(), EditError> {
    let Some(st) = state.filter(|s| !s.deleted) else {
        return Err(gone_or_missing(e, id));
    };
    let Some(im) = if_match else {
        return Err(EditError::PreconditionRequired);
    };
    let mut tags = representation_etags(current, e, id);
    tags.push(revision_etag(st.revision));
    if !im.matches(&tags) {
        return Err(EditError::PreconditionFailed {
            current: st.revision,
        });
    }
    Ok(())
}

/// Applies one operation to the seed document: a new item, a merge patch (a moved node takes
/// its edges' ends along), a removal, or the stored value of a deleted item back (`restored`).
fn apply_op(
    doc: &mut SeedDoc,
    e: Entity,
    id: &str,
    op: &Op,
    state: Option<RowState>,
    restored: Option<Value>,
) -> Result<(), EditError> {
    match op {
        Op::Create(body) => {
            if let Some(s) = state {
                return Err(EditError::Exists {
                    entity: e.as_str(),
                    id: id.to_string(),
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
            let i = doc.position(e, id).ok_or_else(|| gone_or_missing(e, id))?;
            let mut v = doc.list(e)[i].clone();
            json_patch::merge(&mut v, patch);
            if item_id(&v) != Some(id) || (e.is_feature() && v["id"] != json!(id)) {
                return Err(EditError::invalid("id", "an item's id cannot change"));
            }
            check_shape(e, &v)?;
            if e == Entity::Node {
                follow_node(doc, id, &v["geometry"]["coordinates"]);
            }
            doc.list_mut(e)[i] = v;
        }
        Op::Delete => {
            let i = doc.position(e, id).ok_or_else(|| gone_or_missing(e, id))?;
            doc.list_mut(e).remove(i);
        }
        Op::Restore => match state {
            None => return Err(gone_or_missing(e, id)),
            Some(s) if !s.deleted => {
                return Err(EditError::NotDeleted {
                    entity: e.as_str(),
                    id: id.to_string(),
                })
            }
            Some(_) => {
                let v = restored.ok_or_else(|| gone_or_missing(e, id))?;
                doc.list_mut(e).push(v);
            }
        },
    }
    Ok(())
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
    let (version, changes) = commit(
        conn,
        sid,
        &old,
        &new,
        version,
        Some(actor),
        AuditSource::Api,
    )?;
    Ok(Committed {
        item: doc.find(spec.entity, &id).cloned(),
        revision: 1,
        id,
        version,
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
        let by = (!spec.dry_run).then_some(actor);
        let (new_version, changes) =
            commit(conn, sid, &old, &new, version, by, AuditSource::Import)?;
        Ok(Imported {
            written: new_version != version,
            version: new_version,
            changes,
        })
    })
}
