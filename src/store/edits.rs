//! Edited site data written row by row: soft deletes, per-row revisions and an audit record
//! per change. The editing rules (validation, preconditions, merge patches) are the
//! `site_edit` service's; this module compares two versions of a site and stores the
//! difference.

use super::audit::{self, AuditAction, AuditEntity, AuditSource, NewAudit};
use super::schema::{findings, graph_edges, graph_nodes, places, sites};
use super::site::{self, EdgeRow, FindingRow, NodeRow, PlaceRow};
use super::{now_text, DbConn, StoreError};
use crate::domain::Role;
use crate::domain::*;
use crate::seed::write::{edge_feature, finding_value, node_feature, place_feature};
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub use crate::seed::write::Entity;

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
pub fn apply_diff(
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
/// version; `None` when the site is unknown.
pub fn lock_site(conn: &mut DbConn, sid: &str) -> Result<Option<i64>, StoreError> {
    let n = diesel::update(sites::table.find(sid))
        .set(sites::version.eq(sites::version))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(
        sites::table.find(sid).select(sites::version).first(conn)?,
    ))
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
