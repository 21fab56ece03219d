//! The planner's input for a site, read from the stored aggregates.

use super::aggregates::site_stats;
use crate::domain::SiteData;
use crate::store::{feedback as fstore, DbConn, StoreError};
use planner::model::PlaceStats;
use std::collections::HashMap;

/// The planner's per-place statistics for a site from its stored aggregates.
pub fn load_stats(
    conn: &mut DbConn,
    data: &SiteData,
) -> Result<HashMap<String, PlaceStats>, StoreError> {
    let agg = fstore::load_aggregates(conn, &data.site.id)?;
    Ok(site_stats(data, &agg))
}
