//! The source's shape, held by a test: dependencies between modules go one way.
//!
//! Every module of `src/` is read for the modules it names (`crate::…`, `super::…`); a module may use its own
//! submodules (a folder's `mod.rs` is their facade), and no module may reach, directly or through others, one
//! that reaches back. The same holds between the top-level parts (`collect`, `metrics`, `transport`, …), so
//! the data path reads in one direction from the folder names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`metrics::series`; `""` for the crate root) → source text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/src")).unwrap();
                let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                let last = parts.pop().unwrap();
                let stem = last.trim_end_matches(".rs");
                if !matches!(stem, "mod" | "lib") {
                    parts.push(stem.to_string());
                }
                out.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut out);
    out
}

/// The code of a file without its comments (doc links name modules without depending on them).
fn code(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            // The first `//` outside a string literal (a URL in a string is not a comment).
            let (mut in_string, mut escaped, mut prev) = (false, false, ' ');
            for (i, c) in line.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' if in_string => escaped = true,
                    '"' => in_string = !in_string,
                    '/' if !in_string && prev == '/' => return line[..i - 1].to_string(),
                    _ => {}
                }
                prev = c;
            }
            line.to_string()
        })
        .collect()
}

/// The path segments (`a::b::c`) that follow `prefix` at each of its occurrences in `line`.
fn paths_after<'a>(line: &'a str, prefix: &'a str) -> impl Iterator<Item = Vec<&'a str>> + 'a {
    line.match_indices(prefix).filter_map(move |(i, _)| {
        let before = line[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            return None;
        }
        let rest = &line[i + prefix.len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        Some(rest[..end].split("::").filter(|s| !s.is_empty()).collect())
    })
}

/// The longest known module that `segments` (from the crate root) start with.
fn resolve(known: &BTreeSet<String>, segments: &[&str]) -> Option<String> {
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|m| known.contains(m))
}

fn parent(module: &str) -> &str {
    module.rsplit_once("::").map_or("", |(p, _)| p)
}

fn is_within(module: &str, ancestor: &str) -> bool {
    ancestor.is_empty() || module == ancestor || module.starts_with(&format!("{ancestor}::"))
}

/// Module → the modules it names, leaving out itself and its own submodules.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let sources = modules();
    let known: BTreeSet<String> = sources.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, text) in &sources {
        let mut uses = BTreeSet::new();
        // A file's unit tests are an inline module at its end: there `super` is the file's own module.
        let mut in_tests = false;
        for line in code(text) {
            if line.starts_with("mod tests") {
                in_tests = true;
            }
            for segments in paths_after(&line, "crate::") {
                uses.extend(resolve(&known, &segments));
            }
            for segments in paths_after(&line, "super::") {
                let mut base = if in_tests { module.as_str() } else { parent(module) };
                let mut segments = segments.as_slice();
                while segments.first() == Some(&"super") {
                    base = parent(base);
                    segments = &segments[1..];
                }
                let full: Vec<&str> = base
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .chain(segments.iter().copied())
                    .collect();
                uses.extend(resolve(&known, &full).or_else(|| Some(base.to_string())));
            }
        }
        uses.retain(|u| !is_within(u, module));
        graph.insert(module.clone(), uses);
    }
    graph
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut c = path[at..].to_vec();
            c.push(node.to_string());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_depends_on_one_that_depends_back() {
    let graph = graph();
    assert!(graph.len() > 30, "found only {} modules", graph.len());
    // The reader sees what this test sees: the collector depends on the snapshot, not the other way.
    assert!(
        graph["jni::reader"].contains("collect::snapshot"),
        "{:?}",
        graph["jni::reader"]
    );
    if let Some(c) = cycle(&graph) {
        panic!("modules depend on each other in a cycle: {}", c.join(" → "));
    }
}

#[test]
fn the_top_level_parts_depend_one_way() {
    let mut parts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, uses) in graph() {
        let top = |m: &str| m.split("::").next().unwrap_or("").to_string();
        let from = top(&module);
        let entry = parts.entry(from.clone()).or_default();
        entry.extend(uses.iter().map(|u| top(u)).filter(|u| *u != from && !u.is_empty()));
    }
    if let Some(c) = cycle(&parts) {
        panic!("top-level parts depend on each other in a cycle: {}", c.join(" → "));
    }
    // The data path, in the order the folders name it.
    let reaches = |a: &str, b: &str| parts.get(a).is_some_and(|u| u.contains(b));
    assert!(reaches("jni", "collect") && reaches("metrics", "collect") && reaches("metrics", "transport"));
    assert!(!reaches("collect", "metrics") && !reaches("transport", "metrics") && !reaches("collect", "config"));
}

#[test]
fn the_checker_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec![])]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
            .collect();
    assert_eq!(cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    let mut acyclic = graph.clone();
    acyclic.get_mut("c").unwrap().clear();
    assert_eq!(cycle(&acyclic), None);
    // `super::` from a file's unit tests is the file itself; from its code, the parent.
    let known: BTreeSet<String> = ["x", "x::y"].iter().map(|s| s.to_string()).collect();
    assert_eq!(resolve(&known, &["x", "y", "Item"]), Some("x::y".into()));
    assert_eq!(
        paths_after("use crate::x::y::{A, B};", "crate::").next().unwrap(),
        ["x", "y"]
    );
    assert_eq!(code("let u = \"http://h\"; // crate::x")[0], "let u = \"http://h\"; ");
    assert_eq!(code("/// [`crate::x`]")[0], "");
}
