//! The command line: op-solve, seed checks and migrations, run as a user would.

use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_heritage-guide"));
    c.env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("HG_LOG", "error");
    c
}

/// Runs the binary with these arguments.
fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

/// Asserts the command succeeded, showing its stderr when it did not.
fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hg-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn op_solve_prints_a_feasible_optimal_route() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/op-tsiligirides-2-budget-15.txt"
    );
    let out = run(&["op-solve", file, "--time-limit-ms", "100"]);
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Best known (proven optimal) score for this instance.
    assert_eq!(v["score"].as_f64().unwrap(), 120.0, "{v}");
    let route: Vec<usize> = v["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(route.first(), Some(&0));
    assert_eq!(route.last(), Some(&1));
    // Recompute length and score from the file.
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let tmax: f64 = lines
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let pts: Vec<[f64; 3]> = lines
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
            [v[0], v[1], v[2]]
        })
        .collect();
    let len: f64 = route
        .windows(2)
        .map(|w| {
            ((pts[w[0]][0] - pts[w[1]][0]).powi(2) + (pts[w[0]][1] - pts[w[1]][1]).powi(2)).sqrt()
        })
        .sum();
    let score: f64 = route
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .iter()
        .map(|&&i| pts[i][2])
        .sum();
    assert!(len <= tmax + 1e-9, "length {len} within {tmax}");
    assert!((len - v["length"].as_f64().unwrap()).abs() < 1e-6);
    assert_eq!(score, v["score"].as_f64().unwrap());
}

#[test]
fn op_solve_refuses_a_malformed_file() {
    let d = tmp("op-bad");
    let f = d.join("bad.txt");
    std::fs::write(&f, "15 1\n1.0 2.0\n").unwrap();
    let out = run(&["op-solve", f.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).trim().is_empty());
}

#[test]
fn seed_check_accepts_the_seed_and_names_what_is_wrong_in_a_broken_one() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/seed");
    let out = run(&["seed", "--check", "--dir", seed]);
    assert_success(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("seed is valid"));

    let d = tmp("seed-bad");
    for f in [
        "site.yaml",
        "places.geojson",
        "paths.geojson",
        "findings.yaml",
        "codebook.yaml",
    ] {
        std::fs::copy(format!("{seed}/{f}"), d.join(f)).unwrap();
    }
    let places = std::fs::read_to_string(d.join("places.geojson")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&places).unwrap();
    let id = v["features"][3]["properties"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    v["features"][3]["properties"]["hours"] = "whenever".into();
    std::fs::write(d.join("places.geojson"), v.to_string()).unwrap();
    let db = format!("sqlite://{}", d.join("db.sqlite").display());
    let out = run(&["--database-url", &db, "seed", "--dir", d.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("places.geojson") && err.contains(&id) && err.contains("hours"),
        "{err}"
    );
}

#[test]
fn migrate_then_seed_twice_is_idempotent() {
    let d = tmp("migrate");
    let db = format!("sqlite://{}", d.join("db.sqlite").display());
    let out = run(&["--database-url", &db, "migrate"]);
    assert_success(&out);
    let first = bin()
        .args(["--database-url", &db, "seed"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("Created"),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = run(&["--database-url", &db, "seed"]);
    assert!(String::from_utf8_lossy(&second.stdout).contains("Unchanged"));
}

#[test]
fn serve_refuses_a_bad_database_url_clearly() {
    let out = run(&[
        "--database-url",
        "mysql://x/y",
        "--bind",
        "127.0.0.1:0",
        "serve",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
}

#[test]
fn visits_import_is_checked_line_by_line_and_idempotent() {
    let d = tmp("visits");
    let db = format!("sqlite://{}", d.join("db.sqlite").display());
    let data = d.join("data");
    let base = [
        "--database-url",
        db.as_str(),
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let with = |more: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(more);
        bin().args(a).stdin(Stdio::null()).output().unwrap()
    };
    assert_success(&with(&["seed"]));
    let good = d.join("visits.csv");
    std::fs::write(
        &good,
        "visitor,place,arrived,left\n\
         anna,memory-terrace,2026-10-03T10:30:00+08:00,2026-10-03T11:00:00+08:00\n\
         bo,memory-terrace,2026-10-04T15:00:00+08:00,\n",
    )
    .unwrap();
    let bad = d.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"visitor\":\"cleo\",\"place\":\"memory-terrace\",\"arrived\":\"2026-10-05T09:00:00+08:00\"}\n\
         {\"visitor\":\"cleo\",\"place\":\"nowhere\",\"arrived\":\"2026-10-05T10:00:00+08:00\"}\n",
    )
    .unwrap();
    let site = ["visits", "import", "--site", "eling-no2-factory"];
    let import = |file: &std::path::Path| {
        let mut a = site.to_vec();
        a.push(file.to_str().unwrap());
        with(&a)
    };
    let out = import(&bad);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2: place: `nowhere` is not a place")
            && err.contains("nothing was imported"),
        "{err}"
    );
    let out = import(&good);
    assert_success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 record(s): 2 added"), "{text}");
    let out = import(&good);
    assert_success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("0 added, 0 updated, 2 already stored (nothing new); 2 visits stored"),
        "{text}"
    );
    // The refused file wrote nothing: its good line is new now.
    std::fs::write(
        &bad,
        std::fs::read_to_string(&bad)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let out = import(&bad);
    assert_success(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 added"));
    let out = with(&[
        "visits",
        "import",
        "--site",
        "nowhere",
        good.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no site `nowhere`"));
}
