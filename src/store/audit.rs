//! The audit log: who changed what in a site, when, with the value before and after. Written in
//! the transaction of the change it records.

use super::schema::audit_log;
use super::{DbConn, StoreError};
use diesel::prelude::*;

/// A record to write.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit {
    pub site_id: String,
    pub at: String,
    pub actor: String,
    pub actor_role: String,
    /// `create`, `update`, `delete` or `restore`.
    pub action: String,
    /// `place`, `node`, `edge` or `finding`.
    pub entity: String,
    pub entity_id: String,
    /// The row's revision after the change.
    pub revision: i64,
    /// The site's version after the change.
    pub site_version: i64,
    /// `api` or `import`.
    pub source: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Audit {
    pub id: i64,
    pub site_id: String,
    pub at: String,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub revision: i64,
    pub site_version: i64,
    pub source: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

impl Audit {
    pub fn to_json(&self) -> serde_json::Value {
        let parse = |s: &Option<String>| {
            s.as_deref()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                .unwrap_or(serde_json::Value::Null)
        };
        serde_json::json!({
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "actor_role": self.actor_role,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "revision": self.revision,
            "site_version": self.site_version,
            "source": self.source,
            "before": parse(&self.before_json),
            "after": parse(&self.after_json),
        })
    }
}

pub fn insert(conn: &mut DbConn, a: &NewAudit) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values(a)
        .execute(conn)?;
    Ok(())
}

/// Filters of an audit page.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Only records older than this id (the page cursor).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// One page of a site's audit log, newest first.
pub fn page(conn: &mut DbConn, site: &str, q: &AuditQuery) -> Result<Vec<Audit>, StoreError> {
    let mut query = audit_log::table
        .filter(audit_log::site_id.eq(site))
        .select(Audit::as_select())
        .order(audit_log::id.desc())
        .limit(q.limit)
        .into_boxed();
    if let Some(e) = &q.entity {
        query = query.filter(audit_log::entity.eq(e.clone()));
    }
    if let Some(e) = &q.entity_id {
        query = query.filter(audit_log::entity_id.eq(e.clone()));
    }
    if let Some(a) = &q.actor {
        query = query.filter(audit_log::actor.eq(a.clone()));
    }
    if let Some(b) = q.before_id {
        query = query.filter(audit_log::id.lt(b));
    }
    Ok(query.load(conn)?)
}
