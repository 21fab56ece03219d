//! Seasons, weekdays and public holidays in plans, on the hand-drawn site in `common`.

mod common;

use std::collections::HashMap;

use chrono::NaiveDate;
use common::*;
use planner::graph::Graph;
use planner::model::{PlaceSpec, PlanningModel};
use planner::synthetic;
use planner::types::Lang;

fn with_hours(places: &mut [PlaceSpec], id: &str, hours: &str) {
    places
        .iter_mut()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no place {id}"))
        .hours = hours.into();
}

/// The common site with the Liziba platform closed in January and February.
fn winter_model(holidays: &[&str]) -> PlanningModel {
    let mut places = places();
    with_hours(
        &mut places,
        "liziba-platform",
        "Jan-Feb off; Mar-Dec 06:30-23:00",
    );
    with_hours(&mut places, "tower-cafe", "10:00-22:00; PH off");
    let mut site = site();
    site.public_holidays = holidays
        .iter()
        .map(|d| d.parse::<NaiveDate>().unwrap())
        .collect();
    let (n, e) = graph_parts();
    PlanningModel::build(
        site,
        Graph::build(n, e).unwrap(),
        places,
        synthetic::findings(),
        synthetic::interests(),
        HashMap::new(),
        7,
    )
    .unwrap()
}

fn ids(plan: &planner::model::Plan) -> Vec<&str> {
    plan.stops.iter().map(|s| s.place_id.as_str()).collect()
}

#[test]
fn a_january_plan_never_visits_a_place_closed_in_january() {
    let m = winter_model(&[]);
    // The same request in March visits the platform, so its absence in January is the closure.
    let march = m
        .plan(&request(
            place_ep("testbed-square"),
            "2027-03-11T10:00:00+08:00",
            300,
        ))
        .unwrap();
    assert!(
        ids(&march).contains(&"liziba-platform"),
        "{:?}",
        ids(&march)
    );
    for (day, time) in [(4, "10:00"), (14, "09:00"), (31, "20:00"), (1, "00:30")] {
        let start = format!("2027-01-{day:02}T{time}:00+08:00");
        for budget in [120, 300, 900] {
            let plan = m
                .plan(&request(place_ep("testbed-square"), &start, budget))
                .unwrap();
            assert!(
                !ids(&plan).contains(&"liziba-platform"),
                "{start} {budget}: {:?}",
                ids(&plan)
            );
        }
    }
    // A plan starting on the evening of 28 February that runs into 1 March may visit it on
    // 1 March only.
    let plan = m
        .plan(&request(
            place_ep("testbed-square"),
            "2027-02-28T23:00:00+08:00",
            600,
        ))
        .unwrap();
    for s in plan
        .stops
        .iter()
        .filter(|s| s.place_id == "liziba-platform")
    {
        assert!(s.arrive.starts_with("2027-03-01"), "{}", s.arrive);
    }
}

#[test]
fn a_monday_must_visit_of_a_place_closed_on_mondays_is_refused_in_both_languages() {
    let m = winter_model(&[]);
    // 2026-05-04 is a Monday; memory-museum is `Tu-Su 09:00-17:00; Mo off`.
    let mut req = request(place_ep("testbed-square"), "2026-05-04T10:00:00+08:00", 180);
    req.must = vec!["testbed-square".into(), "memory-museum".into()];
    req.lang = Some("zh".into());
    let err = m.plan(&req).unwrap_err();
    assert_eq!(err.status, 422);
    assert_eq!(err.code, "place_closed");
    assert_eq!(err.field.as_deref(), Some("must[1]"));
    let zh = err.detail(Lang::Zh);
    for needle in [
        "memory-museum（中文）",
        "2026-05-04",
        "周一",
        "每周一关闭",
        "Tu-Su 09:00-17:00; Mo off",
    ] {
        assert!(zh.contains(needle), "{needle}: {zh}");
    }
    let en = err.detail(Lang::En);
    for needle in ["memory museum", "Monday 2026-05-04", "closed on Mondays"] {
        assert!(en.contains(needle), "{needle}: {en}");
    }
    // The next day it is open and the plan includes it.
    req.start_time = "2026-05-05T10:00:00+08:00".into();
    let plan = m.plan(&req).unwrap();
    assert!(ids(&plan).contains(&"memory-museum"));
    // A Sunday-evening budget that runs into Monday: Sunday has a window (though past), so the
    // museum is not closed on the plan's days; the visit just does not fit.
    req.start_time = "2026-05-03T18:00:00+08:00".into();
    req.budget_min = 600;
    assert_eq!(m.plan(&req).unwrap_err().code, "infeasible");
    // Closed on both days the budget covers: refused, naming both.
    let mut req = request(place_ep("testbed-square"), "2027-01-31T20:00:00+08:00", 600);
    req.must = vec!["liziba-platform".into()];
    let err = m.plan(&req).unwrap_err();
    assert_eq!(err.code, "place_closed");
    assert!(
        err.message.contains(
            "Sunday 2027-01-31 (closed in January and February) or \
             Monday 2027-02-01 (closed in January and February)"
        ),
        "{err}"
    );
    assert!(
        err.detail(Lang::Zh)
            .contains("2027-01-31（周日，1–2月关闭）和2027-02-01（周一，1–2月关闭）"),
        "{}",
        err.detail(Lang::Zh)
    );
}

#[test]
fn public_holidays_come_from_the_site() {
    // 2026-10-01 is a Thursday and a holiday of this site.
    let m = winter_model(&["2026-10-01", "2026-10-02"]);
    let mut req = request(place_ep("testbed-square"), "2026-10-01T11:00:00+08:00", 120);
    req.must = vec!["tower-cafe".into()];
    let err = m.plan(&req).unwrap_err();
    assert_eq!(err.code, "place_closed");
    assert_eq!(err.field.as_deref(), Some("must[0]"));
    assert!(err.message.contains("closed on public holidays"), "{err}");
    assert!(err.detail(Lang::Zh).contains("法定节假日关闭"));
    // Not a holiday: open, and planned.
    req.start_time = "2026-10-08T11:00:00+08:00".into();
    let plan = m.plan(&req).unwrap();
    assert!(ids(&plan).contains(&"tower-cafe"));
    // Without holidays on the site the rule never applies.
    let m = winter_model(&[]);
    req.start_time = "2026-10-01T11:00:00+08:00".into();
    assert!(m.plan(&req).is_ok());
    assert_eq!(m.holidays().len(), 0);
}

#[test]
fn every_plan_error_has_a_chinese_detail() {
    let m = winter_model(&[]);
    let base = request(place_ep("testbed-square"), "2026-05-05T10:00:00+08:00", 120);
    let mut cases = Vec::new();
    let mut r = base.clone();
    r.budget_min = 0;
    cases.push(r);
    let mut r = base.clone();
    r.start_time = "tomorrow".into();
    cases.push(r);
    let mut r = base.clone();
    r.interests = vec!["nothing".into()];
    cases.push(r);
    let mut r = base.clone();
    r.areas = Some(vec!["moon".into()]);
    cases.push(r);
    let mut r = base.clone();
    r.must = vec!["nowhere".into()];
    cases.push(r);
    let mut r = base.clone();
    r.must = vec!["love-rooftop".into()];
    r.avoid_paid = true;
    cases.push(r);
    let mut r = base.clone();
    r.profile = Some("flying".into());
    cases.push(r);
    let mut r = base.clone();
    r.start = point_ep(5000.0, 5000.0);
    cases.push(r);
    for r in cases {
        let err = m.plan(&r).unwrap_err();
        let zh = err.message_zh.as_deref().unwrap_or_else(|| panic!("{err}"));
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}: {zh}",
            err.code
        );
        assert_eq!(err.detail(Lang::Zh), zh);
        assert_eq!(err.detail(Lang::En), err.message);
    }
}
