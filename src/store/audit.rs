//! The audit log: who changed what in a site, when, with the value before and after. Written in
//! the transaction of the change it records.
//!
//! The record's action, entity, source and actor role are enums here; the columns stay text,
//! holding each enum's [`as_str`](AuditAction::as_str) (the values the API shows).

use super::schema::audit_log;
use super::{DbConn, StoreError};
use crate::domain::{text_enum, Role};
use diesel::prelude::*;

/// A stored value that names none of its enum's variants (a row this code did not write).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit {what} `{value}`")]
pub struct UnknownAuditValue {
    /// `action`, `entity` or `source`.
    pub what: &'static str,
    pub value: String,
}

text_enum! {
    /// What a change did.
    pub enum AuditAction ("action", UnknownAuditValue) {
        /// An item created (site data edits and imports, codebook codes).
        Create = "create",
        /// An item changed.
        Update = "update",
        /// Site data soft-deleted.
        Delete = "delete",
        /// Deleted site data restored.
        Restore = "restore",
        /// A rating or plan feedback (or only its comment) hidden by an operator.
        Hide = "hide",
        /// A hidden rating or plan feedback shown again.
        Unhide = "unhide",
    }
}

text_enum! {
    /// What kind of item a change was made to. The site data kinds come from the editing
    /// module's `Entity` (`From<Entity>` is next to it, in `store::edits`).
    pub enum AuditEntity ("entity", UnknownAuditValue) {
        /// A place (site data).
        Place = "place",
        /// A graph node (site data).
        Node = "node",
        /// A graph edge (site data).
        Edge = "edge",
        /// A finding (site data).
        Finding = "finding",
        /// A visitor's rating (moderation).
        Rating = "rating",
        /// A visitor's plan feedback (moderation).
        PlanFeedback = "plan_feedback",
        /// A code of the site's codebook.
        Code = "code",
        /// An import of visit records (the id names the file by its SHA-256).
        Visits = "visits",
    }
}

text_enum! {
    /// Where a change came from.
    pub enum AuditSource ("source", UnknownAuditValue) {
        /// A single change through the HTTP API.
        Api = "api",
        /// An import of site data.
        Import = "import",
    }
}

/// A record to write.
#[derive(Clone, Debug)]
pub struct NewAudit {
    pub site_id: String,
    pub at: String,
    pub actor: String,
    pub actor_role: Role,
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: String,
    /// The row's revision after the change.
    pub revision: i64,
    /// The site's version after the change.
    pub site_version: i64,
    pub source: AuditSource,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// A [`NewAudit`] as its row.
#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct AuditRow<'a> {
    site_id: &'a str,
    at: &'a str,
    actor: &'a str,
    actor_role: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    revision: i64,
    site_version: i64,
    source: &'a str,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
}

impl<'a> From<&'a NewAudit> for AuditRow<'a> {
    fn from(a: &'a NewAudit) -> AuditRow<'a> {
        AuditRow {
            site_id: &a.site_id,
            at: &a.at,
            actor: &a.actor,
            actor_role: a.actor_role.as_str(),
            action: a.action.as_str(),
            entity: a.entity.as_str(),
            entity_id: &a.entity_id,
            revision: a.revision,
            site_version: a.site_version,
            source: a.source.as_str(),
            before_json: a.before_json.as_deref(),
            after_json: a.after_json.as_deref(),
        }
    }
}

/// A stored record. Loading a row whose role, action, entity or source is unknown fails.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Audit {
    pub id: i64,
    pub site_id: String,
    pub at: String,
    pub actor: String,
    #[diesel(deserialize_as = String)]
    pub actor_role: Role,
    #[diesel(deserialize_as = String)]
    pub action: AuditAction,
    #[diesel(deserialize_as = String)]
    pub entity: AuditEntity,
    pub entity_id: String,
    pub revision: i64,
    pub site_version: i64,
    #[diesel(deserialize_as = String)]
    pub source: AuditSource,
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
            "actor_role": self.actor_role.as_str(),
            "action": self.action.as_str(),
            "entity": self.entity.as_str(),
            "entity_id": self.entity_id,
            "revision": self.revision,
            "site_version": self.site_version,
            "source": self.source.as_str(),
            "before": parse(&self.before_json),
            "after": parse(&self.after_json),
        })
    }
}

pub fn insert(conn: &mut DbConn, a: &NewAudit) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values(AuditRow::from(a))
        .execute(conn)?;
    Ok(())
}

/// Filters of an audit page.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub entity: Option<AuditEntity>,
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
    if let Some(e) = q.entity {
        query = query.filter(audit_log::entity.eq(e.as_str()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::write::Entity;
    use serde::Serialize;
    use std::fmt;
    use std::str::FromStr;

    /// The stored text of every value, as written before these enums existed.
    #[test]
    fn stored_text_is_unchanged() {
        let actions: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            actions,
            ["create", "update", "delete", "restore", "hide", "unhide"]
        );
        let entities: Vec<&str> = AuditEntity::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            entities,
            [
                "place",
                "node",
                "edge",
                "finding",
                "rating",
                "plan_feedback",
                "code",
                "visits"
            ]
        );
        let sources: Vec<&str> = AuditSource::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(sources, ["api", "import"]);
    }

    #[test]
    fn text_serde_and_parsing_agree() {
        fn check<T>(all: &[T])
        where
            T: Copy + fmt::Debug + PartialEq + fmt::Display + FromStr + Serialize,
            T: serde::de::DeserializeOwned,
            <T as FromStr>::Err: fmt::Debug,
        {
            for v in all {
                let text = v.to_string();
                assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(text));
                assert_eq!(
                    serde_json::from_value::<T>(serde_json::json!(text)).unwrap(),
                    *v
                );
                assert_eq!(text.parse::<T>().unwrap(), *v);
            }
        }
        check(AuditAction::ALL);
        check(AuditEntity::ALL);
        check(AuditSource::ALL);
        assert_eq!(
            "moderate".parse::<AuditAction>(),
            Err(UnknownAuditValue {
                what: "action",
                value: "moderate".into()
            })
        );
        assert!(AuditEntity::try_from("site".to_string()).is_err());
    }

    #[test]
    fn site_data_entities_keep_their_names() {
        for e in Entity::ALL {
            assert_eq!(AuditEntity::from(e).as_str(), e.as_str());
        }
    }
}
