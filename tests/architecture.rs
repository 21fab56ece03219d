//! The layering rules of `docs/architecture.md`, read from the source: HTTP stays in `src/api/`
//! (nothing else names actix or `ApiError`), the server's modules import only modules of lower
//! layers, and no two source files import each other, directly or round a longer circle, in the
//! server or in the planner crate.
//!
//! Imports are read as text: `crate::a::b` paths (with `{…}` groups), `super::x` paths and, in a
//! module's own file, paths through the child modules it declares. A path is charged to the
//! file of the deepest module it names. Code after `#[cfg(test)]` is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source of a file without its test module.
fn non_test_source(path: &Path) -> String {
    let s = fs::read_to_string(path).unwrap();
    match s.find("#[cfg(test)]") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path written after `prefix` (`crate::`, `super::` …), with `{…}` groups expanded.
fn paths_after(src: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = src[from..].find(prefix) {
        let at = from + i;
        from = at + prefix.len();
        if src[..at].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        if src[from..].starts_with('{') {
            // A group right after the prefix (`super::{a, b}`).
            expand(&format!("self::{}", &src[from..]), Vec::new(), &mut out);
        } else {
            expand(&src[from..], Vec::new(), &mut out);
        }
    }
    out
}

/// Reads `a::b::{c, d::e as f}` at the start of `s` into full paths.
fn expand(s: &str, head: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut segs = head;
    let mut i = 0;
    let b = s.as_bytes();
    loop {
        let start = i;
        while i < b.len() && is_ident(b[i] as char) {
            i += 1;
        }
        if i > start {
            segs.push(s[start..i].to_string());
        }
        if s[i..].starts_with("::{") {
            i += 3;
            loop {
                while i < b.len() && (b[i] as char).is_whitespace() {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    break;
                }
                i += expand(&s[i..], segs.clone(), out);
                // Skip an alias and the separator.
                while i < b.len() && b[i] != b',' && b[i] != b'}' {
                    i += 1;
                }
                if i < b.len() && b[i] == b',' {
                    i += 1;
                }
            }
            return i + 1;
        }
        if s[i..].starts_with("::") {
            i += 2;
            continue;
        }
        out.push(segs.into_iter().filter(|s| s != "self").collect());
        return i;
    }
}

/// The file of the deepest module a path from `dir` names, if any.
fn resolve(dir: &Path, segs: &[String]) -> Option<PathBuf> {
    let mut d = dir.to_path_buf();
    let mut found = None;
    for s in segs {
        let file = d.join(format!("{s}.rs"));
        let modrs = d.join(s).join("mod.rs");
        if file.exists() {
            found = Some(file);
        } else if modrs.exists() {
            found = Some(modrs);
        } else {
            break;
        }
        d = d.join(s);
    }
    found
}

/// The directory a file's child modules live in, and its parent module's directory.
fn dirs(file: &Path, root: &Path) -> (PathBuf, PathBuf) {
    let dir = file.parent().unwrap().to_path_buf();
    let name = file.file_stem().unwrap().to_str().unwrap();
    if name == "mod" || file.parent() == Some(root) && (name == "lib" || name == "main") {
        let parent = if dir == root {
            dir.clone()
        } else {
            dir.parent().unwrap().to_path_buf()
        };
        (dir, parent)
    } else {
        (dir.join(name), dir)
    }
}

/// File → files it imports, for the crate rooted at `root`.
fn import_graph(root: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut g = BTreeMap::new();
    for f in &files {
        let src = non_test_source(f);
        let (own, parent) = dirs(f, root);
        let mut to = BTreeSet::new();
        for p in paths_after(&src, "crate::") {
            to.extend(resolve(root, &p));
        }
        for p in paths_after(&src, "super::") {
            to.extend(resolve(&parent, &p).or_else(|| {
                let m = parent.join("mod.rs");
                m.exists().then_some(m)
            }));
        }
        // Paths through declared child modules (`mod x;` then `x::y`).
        for line in src.lines() {
            let l = line.trim();
            let decl = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))
                .and_then(|r| r.strip_suffix(';'));
            if let Some(child) = decl {
                for p in paths_after(&src, &format!("{child}::")) {
                    let mut full = vec![child.to_string()];
                    full.extend(p);
                    to.extend(resolve(&own, &full));
                }
            }
        }
        to.remove(f);
        g.insert(f.clone(), to);
    }
    g
}

/// The import circles of a graph (strongly connected groups of two or more files).
fn circles(g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    let nodes: Vec<&PathBuf> = g.keys().collect();
    let reach = |from: &PathBuf| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for m in g.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&PathBuf, BTreeSet<PathBuf>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reaches[n].contains(*n) {
            continue;
        }
        let circle: Vec<PathBuf> = nodes
            .iter()
            .filter(|m| reaches[n].contains(**m) && reaches[*m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        done.extend(circle.iter().cloned());
        out.push(circle);
    }
    out
}

fn crate_root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn http_stays_in_the_api_layer() {
    let root = crate_root("src");
    let api = root.join("api");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(&api))
        .filter_map(|f| {
            let src = fs::read_to_string(f).unwrap();
            let hit = src
                .lines()
                .find(|l| l.contains("actix") || l.contains("ApiError"))?;
            Some(format!("{}: {}", f.display(), hit.trim()))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "HTTP types outside src/api/:\n{}",
        offenders.join("\n")
    );
    // The check reads what it should: the API layer itself does use them.
    assert!(fs::read_to_string(api.join("error.rs"))
        .unwrap()
        .contains("actix_web"));
}

/// The server's top-level modules from the ground up: a module may import only modules listed
/// before it (`docs/architecture.md` explains the layers).
const LAYERS: &[&str] = &[
    "domain", "config", "render", "cache", "model", "seed", "feedback", "quality", "store", "auth",
    "state", "services", "api", "startup", "main",
];

/// The top-level module of a server source file (`src/store/edits.rs` → `store`).
fn top_module(file: &Path) -> String {
    let rel = file.strip_prefix(crate_root("src")).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_str()
        .unwrap();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn modules_import_only_lower_layers() {
    let g = import_graph(&crate_root("src"));
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut upward = Vec::new();
    for (from, tos) in &g {
        let fm = top_module(from);
        if fm == "lib" {
            continue;
        }
        let fr = rank(&fm).unwrap_or_else(|| panic!("module `{fm}` is in no layer of LAYERS"));
        for to in tos {
            let tm = top_module(to);
            if tm == fm {
                continue;
            }
            let tr = rank(&tm).unwrap_or_else(|| panic!("module `{tm}` is in no layer of LAYERS"));
            if tr > fr {
                upward.push(format!(
                    "{} → {} ({fm} is below {tm})",
                    from.strip_prefix(crate_root("")).unwrap().display(),
                    to.strip_prefix(crate_root("")).unwrap().display()
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run up the layers:\n{}",
        upward.join("\n")
    );
    // The check sees imports across layers at all.
    assert!(g[&crate_root("src/state.rs")].contains(&crate_root("src/store/mod.rs")));
}

#[test]
fn no_source_file_is_in_an_import_circle() {
    for rel in ["src", "crates/planner/src"] {
        let g = import_graph(&crate_root(rel));
        // The reader sees the imports it should (a regression of the reader would pass
        // everything): the API's module reaches the route table, which imports the handlers' modules.
        if rel == "src" {
            let api_mod = crate_root("src/api/mod.rs");
            assert!(
                g[&api_mod].contains(&crate_root("src/api/routes.rs")),
                "the import reader misses child-module paths: {:?}",
                g[&api_mod]
            );
            assert!(
                g[&crate_root("src/api/routes.rs")].contains(&crate_root("src/api/auth.rs")),
                "the import reader misses grouped `super::` paths"
            );
            assert!(
                g[&crate_root("src/api/middleware.rs")].contains(&crate_root("src/api/error.rs"))
            );
        }
        let found = circles(&g);
        assert!(
            found.is_empty(),
            "import circles in {rel}:\n{}",
            found
                .iter()
                .map(|c| c
                    .iter()
                    .map(|p| p
                        .strip_prefix(crate_root(""))
                        .unwrap()
                        .display()
                        .to_string())
                    .collect::<Vec<_>>()
                    .join(" → "))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn the_import_reader_expands_groups_and_aliases() {
    let p = paths_after(
        "use crate::store::{self, feedback as fstore, DbConn};\nlet x = crate::api::error::ApiError::new();\nuse crate::{seed, model::Rendered};",
        "crate::",
    );
    let s: Vec<String> = p.iter().map(|v| v.join("::")).collect();
    assert_eq!(
        s,
        [
            "store",
            "store::feedback",
            "store::DbConn",
            "api::error::ApiError::new",
            "seed",
            "model::Rendered"
        ]
    );
}
