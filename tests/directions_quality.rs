//! Walking directions between every pair of places of the real Eling seed, standard and
//! step-free, checked for the defects visitors noticed: "Turn around" inside one way,
//! instructions that lead from a place to itself, hints shown against their walking direction
//! and step-free-only hints on standard routes.
//!
//! Every place is given low findability ratings, so each leg also ends with the landmark
//! instruction that repeats the hints of the ways into the destination.

use std::collections::HashMap;

use heritage_guide::domain::{GraphEdge, SiteData};
use heritage_guide::model::build_snapshot;
use heritage_guide::seed::{parse, SeedFiles};
use planner::model::{DirectionsRequest, Endpoint, Leg, PlaceStats};
use planner::Bilingual;

#[derive(Default, Debug)]
struct Counts {
    legs: usize,
    instructions: usize,
    turn_around: usize,
    /// Sharp turns (onto another way at an acute junction), counted for the record.
    sharp_turns: usize,
    /// Instructions that start a new instruction on the same named way walked along.
    turns_within_one_way: usize,
    self_referencing: usize,
    hints_shown: usize,
    hints_against_direction: usize,
    step_free_hints_on_standard: usize,
    /// A few offending instructions of each kind, for the failure message.
    examples: Vec<String>,
}

impl Counts {
    fn example(&mut self, what: &str, leg: &Leg, k: usize) {
        if self.examples.iter().filter(|e| e.starts_with(what)).count() < 4 {
            let prev = k
                .checked_sub(1)
                .map(|p| leg.instructions[p].en.as_str())
                .unwrap_or("-");
            self.examples.push(format!(
                "{what} {} -> {}: [{prev}] then [{}]",
                leg.from, leg.to, leg.instructions[k].en
            ));
        }
    }
}

/// The hints that may be shown when an edge is walked one way, and those that may not.
fn allowed_hints(e: &GraphEdge, forward: bool, step_free_route: bool) -> Vec<&Bilingual> {
    if e.hint_step_free && !step_free_route {
        return Vec::new();
    }
    let h = if forward || e.hint_both_ways {
        e.hint.as_ref()
    } else {
        e.hint_reverse.as_ref()
    };
    h.into_iter().collect()
}

fn shows(text_en: &str, text_zh: &str, h: &Bilingual) -> bool {
    text_en.contains(h.en.as_str()) || text_zh.contains(h.zh.as_str())
}

/// The landmark an English instruction says it leads to (" … to X", before any hint).
fn end_landmark<'a>(en: &str, names: &'a [String]) -> Option<&'a str> {
    let head = en.split(". Hint: ").next().unwrap_or(en);
    names
        .iter()
        .filter(|n| head.ends_with(&format!(" to {n}")))
        .max_by_key(|n| n.len())
        .map(String::as_str)
}

fn check_leg(
    data: &SiteData,
    leg: &Leg,
    from_place: usize,
    step_free: bool,
    landmark_names: &[String],
    c: &mut Counts,
) {
    let node_name: HashMap<&str, Option<&str>> = data
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.name.as_ref().map(|b| b.en.as_str())))
        .collect();
    let edge_of: HashMap<&str, &GraphEdge> =
        data.edges.iter().map(|e| (e.id.as_str(), e)).collect();
    let from = &data.places[from_place];
    // Walk the edge chain: the node each edge is entered at and the direction it is walked.
    let mut at = from.node.as_str();
    let mut walked: Vec<(&GraphEdge, bool, &str)> = Vec::new();
    for r in &leg.edges {
        let e = edge_of[r.id.as_str()];
        let forward = e.from == at;
        assert!(forward || e.to == at, "edge chain broken at {}", e.id);
        walked.push((e, forward, at));
        at = if forward { &e.to } else { &e.from };
    }
    let dest_node = at;
    let arrive = leg
        .instructions
        .iter()
        .position(|i| i.en.starts_with("Arrive at"))
        .expect("an arrival instruction");
    c.legs += 1;
    c.instructions += leg.instructions.len();
    for (k, ins) in leg.instructions.iter().enumerate() {
        if ins.en.starts_with("Turn around") {
            c.turn_around += 1;
            c.example("turn-around", leg, k);
        }
        if ins.en.starts_with("Turn sharp") {
            c.sharp_turns += 1;
        }
        if k > 0 && k < arrive {
            let along = |kind: &str| matches!(kind, "walkway" | "road" | "indoor");
            let prev = leg.instructions[k - 1]
                .edge_id
                .as_deref()
                .map(|id| edge_of[id]);
            let this = ins.edge_id.as_deref().map(|id| edge_of[id]);
            if let (Some(p), Some(t)) = (prev, this) {
                if p.name.is_some()
                    && p.name == t.name
                    && along(p.kind.as_str())
                    && along(t.kind.as_str())
                {
                    c.turns_within_one_way += 1;
                    c.example("within-one-way", leg, k);
                }
            }
        }
        // The edges this instruction covers, and where it starts.
        let covered: Vec<(&GraphEdge, bool)>;
        let mut start_names: Vec<&str> = Vec::new();
        if k < arrive {
            let first = ins
                .edge_id
                .as_deref()
                .expect("walking instructions name an edge");
            let s = walked.iter().position(|w| w.0.id == first).unwrap();
            let next = leg.instructions[k + 1..arrive]
                .iter()
                .filter_map(|i| i.edge_id.as_deref())
                .next()
                .map(|id| walked.iter().position(|w| w.0.id == id).unwrap())
                .unwrap_or(walked.len());
            covered = walked[s..next].iter().map(|w| (w.0, w.1)).collect();
            if let Some(n) = node_name[walked[s].2] {
                start_names.push(n);
            }
            if k == 0 {
                start_names.push(from.name.en.as_str());
            }
        } else if k > arrive {
            // The landmark instruction: the ways into the destination, walked towards it.
            covered = data
                .edges
                .iter()
                .filter(|e| e.from == dest_node || e.to == dest_node)
                .map(|e| (e, e.to == dest_node))
                .collect();
        } else {
            covered = Vec::new();
        }
        if let Some(end) = end_landmark(&ins.en, landmark_names) {
            if start_names.contains(&end) {
                c.self_referencing += 1;
                c.example("self-referencing", leg, k);
            }
        }
        // Every hint of the seed that the instruction shows must be allowed on a covered edge
        // walked in its direction.
        for e in &data.edges {
            for h in [e.hint.as_ref(), e.hint_reverse.as_ref()]
                .into_iter()
                .flatten()
            {
                if !shows(&ins.en, &ins.zh, h) {
                    continue;
                }
                c.hints_shown += 1;
                let ok = covered
                    .iter()
                    .any(|&(ce, fwd)| allowed_hints(ce, fwd, true).contains(&h));
                if !ok {
                    c.hints_against_direction += 1;
                    c.example("against-direction", leg, k);
                }
                let step_free_only = data.edges.iter().any(|x| {
                    x.hint_step_free
                        && (x.hint.as_ref() == Some(h) || x.hint_reverse.as_ref() == Some(h))
                });
                if step_free_only && !step_free {
                    c.step_free_hints_on_standard += 1;
                    c.example("step-free-only", leg, k);
                }
            }
        }
    }
}

#[test]
fn directions_between_all_places_have_none_of_the_reported_defects() {
    let data = parse(&SeedFiles::embedded()).expect("the embedded seed loads");
    let stats: HashMap<String, PlaceStats> = data
        .places
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                PlaceStats {
                    count: 10,
                    score: Some(4.0),
                    value_for_money: None,
                    findability: Some(1.5),
                    photo_success: None,
                    crowding_by_hour: None,
                    ..PlaceStats::default()
                },
            )
        })
        .collect();
    let snap = build_snapshot(data.clone(), 1, stats).expect("snapshot");
    let mut landmark_names: Vec<String> = data
        .nodes
        .iter()
        .filter_map(|n| n.name.as_ref().map(|b| b.en.clone()))
        .collect();
    landmark_names.extend(data.places.iter().map(|p| p.name.en.clone()));
    let mut by_profile = Vec::new();
    for profile in ["standard", "step_free"] {
        let mut c = Counts::default();
        for (i, a) in data.places.iter().enumerate() {
            for b in &data.places {
                if a.id == b.id {
                    continue;
                }
                let req = DirectionsRequest {
                    from: Endpoint::Place(a.id.clone()),
                    to: Endpoint::Place(b.id.clone()),
                    profile: Some(profile.to_string()),
                    lang: None,
                };
                let Ok(leg) = snap.planning.directions(&req) else {
                    continue;
                };
                check_leg(
                    &data,
                    &leg,
                    i,
                    profile == "step_free",
                    &landmark_names,
                    &mut c,
                );
            }
        }
        eprintln!(
            "{profile}: legs {}, instructions {}, turn around {}, sharp turns {}, turns within one way {}, \
             self-referencing {}, hints shown {}, against their direction {}, step-free-only on standard {}",
            c.legs,
            c.instructions,
            c.turn_around,
            c.sharp_turns,
            c.turns_within_one_way,
            c.self_referencing,
            c.hints_shown,
            c.hints_against_direction,
            c.step_free_hints_on_standard
        );
        by_profile.push((profile, c));
    }
    for (profile, c) in &by_profile {
        assert!(c.legs > 1000, "{profile}: only {} legs", c.legs);
        assert_eq!(c.turn_around, 0, "{profile}: {c:#?}");
        assert_eq!(c.turns_within_one_way, 0, "{profile}: {c:#?}");
        assert_eq!(c.self_referencing, 0, "{profile}: {c:#?}");
        assert_eq!(c.hints_against_direction, 0, "{profile}: {c:#?}");
        assert_eq!(c.step_free_hints_on_standard, 0, "{profile}: {c:#?}");
    }
}
