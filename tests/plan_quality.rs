//! Plan quality over the scenario grid of `docs/plan-quality.md`: each test states one thing a
//! visitor expects of a plan and lists the scenarios whose plan breaks it.
//!
//! The grid is planned once per test binary (in process, embedded seed) and shared.

use std::sync::OnceLock;

use heritage_guide::quality::{
    self, closed_visit, doubled_punctuation, highlight_visit_end, Group, Outcome, PlanView, Run,
    Scenario, Site, DINNER, HIGHLIGHTS, KNOWN_CLOSURES, LIZIBA_PLATFORM, LUNCH,
};

/// The normal pace's stop density (stops per hour of budget) as documented.
const NORMAL_STOPS_PER_HOUR: f64 = 2.5;

/// Minutes of the dinner window inside the scenario's budget (the planner plans a meal from
/// an hour's overlap).
fn dinner_overlap_min(s: &Scenario) -> f64 {
    let (a, b) = (f64::from(s.time_min), f64::from(s.time_min + s.budget_min));
    (b.min(DINNER.1) - a.max(DINNER.0)).max(0.0)
}

/// Offending scenarios listed in a failure message.
const SHOWN: usize = 8;

struct Grid {
    site: Site,
    runs: Vec<Run>,
}

fn grid() -> &'static Grid {
    static GRID: OnceLock<Grid> = OnceLock::new();
    GRID.get_or_init(|| {
        let site = Site::embedded();
        let runs = quality::run_grid(site.model(), &quality::grid(), quality::default_threads());
        Grid { site, runs }
    })
}

/// The planned scenarios, with their plans read.
fn plans() -> impl Iterator<Item = (&'static Scenario, PlanView)> {
    grid().runs.iter().filter_map(|r| {
        r.plan_json()
            .map(|v| (&r.scenario, PlanView::read(v, r.scenario.day.naive())))
    })
}

/// Fails with the statement, how many of the checked `unit`s (plans, stops, texts …) break it
/// and the first offenders.
/// `checked` must be positive: a statement that no scenario exercises proves nothing.
fn verdict(statement: &str, checked: usize, unit: &str, offences: Vec<String>) {
    assert!(
        checked > 0,
        "{statement}\nno scenario of the grid exercises this"
    );
    if offences.is_empty() {
        return;
    }
    let mut msg = format!(
        "{statement}\n{} of {checked} {unit} checked break it; the first ones:\n",
        offences.len()
    );
    for o in offences.iter().take(SHOWN) {
        msg.push_str("  - ");
        msg.push_str(o);
        msg.push('\n');
    }
    panic!("{msg}");
}

fn route(p: &PlanView) -> String {
    let ids: Vec<&str> = p.stops.iter().map(|s| s.place_id.as_str()).collect();
    format!("[{}]", ids.join(" → "))
}

#[test]
fn every_request_of_the_grid_gets_a_plan() {
    let mut offences = Vec::new();
    for r in &grid().runs {
        match &r.outcome {
            Outcome::Planned(_) => {}
            Outcome::Rejected {
                status,
                code,
                message,
            } => offences.push(format!("{}: {status} {code}: {message}", r.scenario)),
            Outcome::Unsupported(e) => {
                offences.push(format!("{}: request not accepted: {e}", r.scenario))
            }
        }
    }
    verdict(
        "Every request of the grid (valid, nothing forced) is accepted, `pace` and `meals` included, and planned",
        grid().runs.len(),
        "requests",
        offences,
    );
}

#[test]
fn no_stop_is_a_whole_park() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        checked += 1;
        let parks: Vec<&str> = p
            .stops
            .iter()
            .filter(|st| site.places.get(&st.place_id).is_some_and(|i| i.container))
            .map(|st| st.place_id.as_str())
            .collect();
        if !parks.is_empty() {
            offences.push(format!("{s}: {} in {}", parks.join(", "), route(&p)));
        }
    }
    verdict(
        "A park or area as a whole (factory-park, liziba-relics-park, eling-park) is never a stop",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn no_two_consecutive_stops_at_one_spot() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans().filter(|(_, p)| p.stops.len() >= 2) {
        checked += 1;
        let pairs = p.same_spot_pairs(site);
        if let Some((a, b)) = pairs.first() {
            offences.push(format!(
                "{s}: {a} then {b} ({} such pairs) in {}",
                pairs.len(),
                route(&p)
            ));
        }
    }
    verdict(
        "No two consecutive stops are at the same spot (same path node or within 25 m): the plan folds them into one stop",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn a_factory_start_with_three_hours_reaches_liziba() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        if s.start.area != "factory"
            || s.budget_min < 180
            || s.profile != "standard"
            || !s.unrestricted()
            || s.time_min >= 15 * 60
            || s.time_min < 9 * 60
            || !s.normal_pace()
            // A plan that must also fit dinner ends at a restaurant: the seed has none in
            // Liziba, and the factory comes before Liziba.
            || (dinner_overlap_min(s) >= 60.0 && s.meals != Some(false) && s.budget_min >= 240)
        {
            continue;
        }
        let deadline = f64::from(s.time_min + s.budget_min);
        if highlight_visit_end(site, s, p.sunset_min, LIZIBA_PLATFORM, deadline).is_none() {
            continue;
        }
        checked += 1;
        if !p.stops.iter().any(|st| st.area == "liziba") {
            offences.push(format!("{s}: {}", route(&p)));
        }
    }
    verdict(
        "A visitor who starts at the factory between its opening (09:00) and 15:00 with 3 hours or more (standard profile, no area or avoid limits, no dinner to fit) is taken down to Liziba when the platform can be visited in daylight within the budget",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn a_liziba_start_sees_the_platform_first() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        if !matches!(
            s.start.place,
            Some("liziba-station") | Some("liziba-viewing-platform")
        ) || !s.admits(LIZIBA_PLATFORM, "liziba")
        {
            continue;
        }
        let deadline = f64::from(s.time_min + s.budget_min);
        if highlight_visit_end(site, s, p.sunset_min, LIZIBA_PLATFORM, deadline).is_none() {
            continue;
        }
        checked += 1;
        if p.stops.first().map(|st| st.place_id.as_str()) != Some(LIZIBA_PLATFORM) {
            offences.push(format!("{s}: {}", route(&p)));
        }
    }
    verdict(
        "A visitor starting at Liziba station or the viewing platform visits the platform first, when it is open and light enough within the budget",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn a_normal_pace_leaves_time_at_each_stop() {
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        if !s.normal_pace() || p.stops.is_empty() {
            continue;
        }
        checked += 1;
        let dwell = p.median_dwell_min().unwrap_or(0.0);
        let rate = p.stops_per_hour();
        let allowed = (NORMAL_STOPS_PER_HOUR * f64::from(s.budget_min) / 60.0).ceil() + 1.0;
        if p.stops.len() as f64 > allowed || (p.stops.len() >= 4 && dwell < 10.0) {
            offences.push(format!(
                "{s}: median dwell {dwell:.1} min, {rate:.2} stops/h ({} stops in {:.0} min)",
                p.stops.len(),
                p.end_min - p.start_min
            ));
        }
    }
    verdict(
        "At a normal pace a plan makes at most one stop more than 2.5 per hour of its budget and, with four stops or more, spends a median of at least 10 min per stop",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn a_long_plan_includes_the_highlights_near_its_start() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        let half = f64::from(s.time_min) + f64::from(s.budget_min) / 2.0;
        // Near dusk the daylight left decides which highlights fit together: the darkness
        // checks cover those plans.
        if s.budget_min < 240 || p.sunset_min.is_some_and(|set| set < half) {
            continue;
        }
        let expected: Vec<&str> = HIGHLIGHTS
            .iter()
            .copied()
            .filter(|h| {
                site.places
                    .get(*h)
                    .is_some_and(|i| i.area == s.start.area && s.admits(h, &i.area))
                    && highlight_visit_end(site, s, p.sunset_min, h, half).is_some()
            })
            .collect();
        if expected.is_empty() {
            continue;
        }
        checked += 1;
        let missed: Vec<&str> = expected.into_iter().filter(|h| !p.visits(h)).collect();
        if !missed.is_empty() {
            offences.push(format!(
                "{s}: misses {} in {}",
                missed.join(", "),
                route(&p)
            ));
        }
    }
    verdict(
        "A plan of 4 hours or more with daylight through the first half of its budget includes every highlight of its start's area (Liziba platform, City Radio rooftop, Kansheng Tower, red footbridge, Building H graffiti hall) that it could walk to and see, open and in daylight, within the first half of the budget, unless avoided or outside the requested areas",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn a_long_plan_over_a_meal_time_includes_a_meal() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        if s.budget_min < 240 || s.meals == Some(false) {
            continue;
        }
        let meal_reachable = site.places.iter().any(|(id, i)| {
            i.is_meal()
                && !i.closed
                && s.admits(id, &i.area)
                && site.walk_min(&s.start, id, s.profile).is_some()
        });
        if !meal_reachable {
            continue;
        }
        for (name, w) in [("lunch 11:30–13:30", LUNCH), ("dinner 17:30–19:30", DINNER)] {
            if !s.spans(w) {
                continue;
            }
            checked += 1;
            if !p.meal_in(site, w) {
                offences.push(format!("{s}: no meal stop at {name} in {}", route(&p)));
            }
        }
    }
    verdict(
        "A plan of 4 hours or more that spans lunch (11:30–13:30) or dinner (17:30–19:30) has a meal stop starting inside each such window, unless the visitor asked for no meals",
        checked,
        "meal windows",
        offences,
    );
}

#[test]
fn crowd_warnings_are_one_per_plan_and_only_at_peak_hours() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        checked += 1;
        let n = p.count_code("crowded");
        let any_peak = p.stops.iter().any(|st| site.at_peak(st.visit_start_min()));
        if n > 1 {
            offences.push(format!("{s}: {n} crowded warnings"));
        } else if n == 1 && !any_peak {
            offences.push(format!("{s}: crowded warning with no stop at a peak hour"));
        }
    }
    verdict(
        "A plan warns about crowds at most once, and only when a stop falls in a peak hour",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn every_warning_has_code_severity_message_and_stops() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        for w in &p.warnings {
            checked += 1;
            let mut faults = Vec::new();
            if w.code.as_deref().is_none_or(|c| c.trim().is_empty()) {
                faults.push("no code".to_string());
            }
            if !matches!(w.severity.as_deref(), Some("info") | Some("warning")) {
                faults.push(format!("severity {:?}", w.severity));
            }
            if w.message.as_deref().is_none_or(|m| m.trim().is_empty()) {
                faults.push("no message".to_string());
            }
            match &w.stops {
                None => faults.push("no stops list".to_string()),
                Some(ids) => {
                    if let Some(bad) = ids.iter().find(|id| !site.places.contains_key(*id)) {
                        faults.push(format!("unknown place {bad} in stops"));
                    } else if let Some(bad) = ids.iter().find(|id| !p.visits(id)) {
                        faults.push(format!("{bad} in stops is not visited by the plan"));
                    }
                }
            }
            if !faults.is_empty() {
                offences.push(format!(
                    "{s}: warning {:?}: {}",
                    w.code.as_deref().unwrap_or("?"),
                    faults.join(", ")
                ));
            }
        }
    }
    verdict(
        "Every warning has a code, a severity (info or warning), a message and the list of the plan's stops it is about",
        checked,
        "warnings",
        offences,
    );
}

#[test]
fn a_plan_running_past_sunset_says_so() {
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans().filter(|(_, p)| p.past_sunset()) {
        checked += 1;
        if p.count_code("dark_soon") == 0 {
            offences.push(format!(
                "{s}: ends {:.0} min after sunset without dark_soon",
                p.end_min - p.sunset_min.unwrap_or(p.end_min)
            ));
        }
    }
    verdict(
        "A plan that runs past sunset carries a dark_soon warning",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn every_stop_says_why() {
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        for st in &p.stops {
            checked += 1;
            if st.why.iter().all(|t| t.trim().is_empty()) {
                offences.push(format!("{s}: {} has no why", st.place_id));
            }
        }
    }
    verdict(
        "Every stop says why it is in the plan",
        checked,
        "stops",
        offences,
    );
}

#[test]
fn texts_have_no_raw_ids_or_doubled_punctuation() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        for t in p.texts() {
            checked += 1;
            if let Some(id) = site.raw_id_in(t, s.lang) {
                offences.push(format!("{s}: raw id `{id}` in “{t}”"));
            } else if let Some(pp) = doubled_punctuation(t) {
                offences.push(format!("{s}: doubled punctuation `{pp}` in “{t}”"));
            }
        }
    }
    verdict(
        "Texts read as plain Chinese or English: no raw ids (eling-park, liziba-station, a code) and no doubled punctuation (。。, ..)",
        checked,
        "texts",
        offences,
    );
}

#[test]
fn why_differs_between_stops() {
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans().filter(|(_, p)| p.stops.len() >= 3) {
        checked += 1;
        if let Some(t) = p.same_why_everywhere() {
            offences.push(format!("{s}: all {} stops say “{t}”", p.stops.len()));
        }
    }
    verdict(
        "In a plan of three or more stops, no reason is given word for word at every stop",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn no_closed_place_is_visited() {
    let site = &grid().site;
    let (mut checked, mut offences) = (0, Vec::new());
    for (s, p) in plans() {
        let date = s.day.naive();
        if !KNOWN_CLOSURES.iter().any(|c| c.closed_on(date)) {
            continue;
        }
        checked += 1;
        for st in &p.stops {
            if closed_visit(site, &st.place_id, date) {
                offences.push(format!("{s}: visits {} ({})", st.place_id, date));
            }
        }
    }
    verdict(
        "No plan visits a closed place: the Stilwell Museum in January and February, the T2 art centre on Mondays",
        checked,
        "plans",
        offences,
    );
}

#[test]
fn a_relaxed_pace_is_slower_than_a_packed_one() {
    let runs: Vec<&Run> = grid()
        .runs
        .iter()
        .filter(|r| r.scenario.group == Group::Pace)
        .collect();
    let (mut checked, mut offences) = (0, Vec::new());
    for pair in runs.chunks(2) {
        let [relaxed, packed] = pair else {
            panic!("pace scenarios come in pairs");
        };
        assert_eq!(relaxed.scenario.pace, Some("relaxed"));
        assert_eq!(packed.scenario.pace, Some("packed"));
        checked += 1;
        let (Some(a), Some(b)) = (relaxed.plan_json(), packed.plan_json()) else {
            offences.push(format!(
                "{}: relaxed {}, packed {}",
                relaxed.scenario,
                describe(&relaxed.outcome),
                describe(&packed.outcome)
            ));
            continue;
        };
        let date = relaxed.scenario.day.naive();
        let (a, b) = (PlanView::read(a, date), PlanView::read(b, date));
        let (da, db) = (
            a.median_dwell_min().unwrap_or(0.0),
            b.median_dwell_min().unwrap_or(0.0),
        );
        if a.stops_per_hour() >= b.stops_per_hour() || da <= db {
            offences.push(format!(
                "{}: relaxed {:.2} stops/h, median {da:.1} min; packed {:.2} stops/h, median {db:.1} min",
                relaxed.scenario,
                a.stops_per_hour(),
                b.stops_per_hour()
            ));
        }
    }
    verdict(
        "The same request at a relaxed pace makes fewer stops per hour and stays longer at each (median) than at a packed pace",
        checked,
        "pairs",
        offences,
    );
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Planned(_) => "planned".into(),
        Outcome::Rejected { status, code, .. } => format!("refused ({status} {code})"),
        Outcome::Unsupported(e) => format!("not accepted ({e})"),
    }
}
