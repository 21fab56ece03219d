//! The learning harness (`examples/learning.rs`) keeps working: a few simulated visitors drive
//! the in-process server through the API, every request answers as it should, every block is
//! measured and no exploratory stop costs more than the bound.

use crate::helpers::fresh_database_url;
use crate::learning_sim::{self as sim, Config, Report, Server, World};

#[tokio::test]
async fn the_learning_harness_runs_and_keeps_its_invariants() {
    let world = World::embedded();
    let server = Server::start(Some(fresh_database_url()))
        .await
        .expect("the server starts");
    let cfg = Config {
        visitors: 24,
        block: 12,
        seed: 7,
    };
    let report = sim::run(&server, &world, &cfg).await;
    server.remove_files();
    assert_eq!(report.invariant_failures(), Vec::<String>::new());
    assert_eq!(report.blocks.len(), 2);
    let table = report.markdown();
    assert_eq!(table.lines().count(), 2 + 2, "{table}");
    assert!(Report::truths_markdown(&world).contains(sim::CROWDED));
    assert!(report.summary().contains("failed requests: 0"));
    let b = &report.blocks[1];
    assert!(
        b.snapshot > report.blocks[0].snapshot,
        "a snapshot was published after block 1"
    );
    assert!(b.ratings > 0 && b.feedback == cfg.block, "{b:?}");
}

#[test]
fn the_learning_checks_fail_when_the_loop_does_not_learn() {
    use crate::learning_sim::{Block, PRIOR, SERVED, TRUTH};
    let block = |index, served: f64, under: usize| {
        let mut under_counts = vec![[0; 3]; sim::UNDER_RATED.len()];
        under_counts[0] = [under, 10, 2];
        let mut utility = [0.0; 3];
        utility[SERVED] = served;
        utility[TRUTH] = 100.0;
        utility[PRIOR] = 90.0;
        Block {
            index,
            plans: 50,
            utility,
            under: under_counts,
            ..Block::default()
        }
    };
    let rising = Report {
        visitors: 100,
        blocks: vec![block(1, 90.0, 2), block(2, 97.0, 6)],
        ..Report::default()
    };
    assert_eq!(rising.learning_failures(), Vec::<String>::new());
    let flat = Report {
        blocks: vec![block(1, 90.0, 2), block(2, 90.0, 4)],
        ..rising.clone()
    };
    let failed = flat.learning_failures();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed[0].contains("did not rise") && failed[1].contains("below half"));
}
