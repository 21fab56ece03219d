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
