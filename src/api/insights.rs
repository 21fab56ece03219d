//! Insights for operators: code frequencies, worst places, plan outcomes, and a weekly series (JSON or CSV).

use super::error::ApiError;
use super::extract::{accepts, lang_of, query_pairs};
use super::feedback_common::*;
use crate::domain::Lang;
use crate::feedback::aggregates::site_stats;
use crate::feedback::insights::{self, Input};
use crate::model::Snapshot;
use crate::state::AppState;
use crate::store::feedback::{self as fstore};
use crate::store::StoreError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Loads what the insights are computed from. Blocking.
fn load_input<'a>(
    state: &AppState,
    snap: &'a Snapshot,
    lang: Lang,
    from: &str,
    to: &str,
    place: Option<&str>,
) -> Result<(Input<'a>, Vec<(i64, String)>), StoreError> {
    let site = &snap.data.site.id;
    let mut c = state.pool.get()?;
    let ratings = fstore::ratings_in_range(&mut c, site, from, to, place)?;
    let plan_feedback = fstore::plan_feedback_in_range(&mut c, site, from, to)?;
    let plans = fstore::plans_in_range(&mut c, site, from, to)?;
    let publications = fstore::publications(&mut c, site)?;
    let agg = fstore::load_aggregates(&mut c, site)?;
    let mut plans_per_version = BTreeMap::new();
    for (v, _) in &plans {
        *plans_per_version.entry(*v).or_insert(0) += 1;
    }
    let stats = site_stats(&snap.data, &agg);
    let mut hard: Vec<(String, f64, f64, i64)> = stats
        .iter()
        .filter(|(_, s)| {
            s.findability()
                .is_some_and(|f| f < crate::feedback::aggregates::HINT_BELOW_FINDABILITY)
        })
        .map(|(p, s)| {
            let c = agg.places.get(p).copied().unwrap_or_default();
            (
                p.clone(),
                s.findability.mean,
                s.findability.n,
                c.could_not_find(),
            )
        })
        .collect();
    hard.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let parse = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    Ok((
        Input {
            data: &snap.data,
            lang,
            from: parse(from),
            to: parse(to),
            ratings,
            plan_feedback,
            plans_per_version,
            publications,
            hard_to_find: hard,
        },
        plans,
    ))
}

/// Plans in the range that tried a little-rated place, what that cost, and what the loop now
/// believes about the places tried (prior vs posterior mean of the score, and the evidence).
fn exploration_report(
    c: &mut crate::store::DbConn,
    snap: &Snapshot,
    from: &str,
    to: &str,
) -> Result<Value, StoreError> {
    let site = &snap.data.site.id;
    let plans = fstore::plans_in_range(c, site, from, to)?.len();
    let explored = crate::store::plans::explorations_in_range(c, site, from, to)?;
    // Beliefs about the score need the aggregates only (not the visit statistics).
    let stats = site_stats(&snap.data, &fstore::load_aggregates(c, site)?);
    let mut per_place: BTreeMap<&str, usize> = BTreeMap::new();
    for (p, _) in &explored {
        *per_place.entry(p.as_str()).or_default() += 1;
    }
    let costs: Vec<f64> = explored.iter().map(|(_, c)| *c).collect();
    let places: Vec<Value> = per_place
        .into_iter()
        .map(|(p, n)| {
            let s = stats.get(p).cloned().unwrap_or_default();
            let prior = s.prior.map(|x| x.mean);
            let (posterior, sd) = s.posterior();
            json!({
                "place_id": p,
                "explored": n,
                "evidence": s.overall.n,
                "prior_mean": prior,
                "posterior_mean": posterior,
                "posterior_sd": sd,
                "score_known": s.score().is_some(),
            })
        })
        .collect();
    Ok(json!({
        "plans": plans,
        "exploring": explored.len(),
        "share": if plans > 0 { explored.len() as f64 / plans as f64 } else { 0.0 },
        "mean_cost_share": if costs.is_empty() { 0.0 } else { costs.iter().sum::<f64>() / costs.len() as f64 },
        "max_cost_share": costs.iter().copied().fold(0.0, f64::max),
        "places": places,
    }))
}

/// `GET /v1/sites/{site}/insights`. Operators.
pub async fn get_insights(
    req: HttpRequest,
    state: web::Data<AppState>,
    OperatorSite { snap }: OperatorSite,
) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req, &["from", "to"])?;
    let (from, to) = time_bounds(&pairs, &snap, true)?;
    let (from, to) = (from.expect("defaulted"), to.expect("defaulted"));
    let lang = lang_of(&req);
    let st = state.clone();
    let doc = web::block(move || -> Result<Value, StoreError> {
        let (input, _) = load_input(&st, &snap, lang, &from, &to, None)?;
        let mut v = insights::insights(&input);
        v["snapshot_version"] = json!(snap.version);
        let mut c = st.pool.get()?;
        let visits = crate::store::visits::load_visit_stats(&mut c, &snap.data)?;
        v["visits"] = crate::feedback::visits::insights(&snap.data, &visits, lang);
        v["exploration"] = exploration_report(&mut c, &snap, &from, &to)?;
        let (ratings, plan_feedback) =
            fstore::held_in_range(&mut c, &snap.data.site.id, &from, &to)?;
        v["held_for_moderation"] = json!({
            "ratings": ratings.iter().map(|(_, n)| n).sum::<i64>(),
            "plan_feedback": plan_feedback,
            "ratings_by_place": ratings
                .iter()
                .map(|(p, n)| json!({"place_id": p, "ratings": n}))
                .collect::<Vec<_>>(),
        });
        Ok(v)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, "Accept-Language"))
        .json(doc))
}

/// `GET /v1/sites/{site}/insights/weekly`: JSON, or CSV with `Accept: text/csv`. Operators.
pub async fn get_weekly_insights(
    req: HttpRequest,
    state: web::Data<AppState>,
    OperatorSite { snap }: OperatorSite,
) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req, &["from", "to", "place"])?;
    let place = param(&pairs, "place").map(str::to_string);
    if let Some(p) = &place {
        if snap.place(p).is_none() {
            return Err(ApiError::invalid("place", format!("unknown place `{p}`")));
        }
    }
    let (from, to) = time_bounds(&pairs, &snap, true)?;
    let (from, to) = (from.expect("defaulted"), to.expect("defaulted"));
    let lang = lang_of(&req);
    let csv = accepts(&req, "text/csv");
    let st = state.clone();
    let snap2: Arc<Snapshot> = snap.clone();
    let out = web::block(move || -> Result<(Value, String), StoreError> {
        let (input, plans) = load_input(&st, &snap2, lang, &from, &to, place.as_deref())?;
        let offset = site_offset(&snap2);
        let mut per_week = BTreeMap::new();
        for (_, at) in &plans {
            if let Ok(t) = DateTime::parse_from_rfc3339(at) {
                *per_week
                    .entry(insights::week_start(t.with_timezone(&Utc), offset))
                    .or_insert(0) += 1;
            }
        }
        let rows = insights::weekly(&input, offset, &per_week);
        let codes: Vec<String> = snap2
            .data
            .codebook
            .codes
            .iter()
            .map(|c| c.id.clone())
            .collect();
        let text = insights::weekly_csv(&rows, &codes);
        let v = json!({
            "site": snap2.data.site.id,
            "from": from,
            "to": to,
            "place": place,
            "columns": insights::WEEKLY_COLUMNS.iter().map(|s| s.to_string())
                .chain(codes.iter().map(|c| format!("code:{c}"))).collect::<Vec<_>>(),
            "weeks": rows,
        });
        Ok((v, text))
    })
    .await??;
    let mut b = HttpResponse::Ok();
    b.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, "Accept"));
    Ok(if csv {
        b.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-weekly.csv\"", snap.data.site.id),
        ))
        .content_type(CSV)
        .body(out.1)
    } else {
        b.json(out.0)
    })
}
