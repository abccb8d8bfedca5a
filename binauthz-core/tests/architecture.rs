//! The layering of ARCHITECTURE.md, checked: every module of binauthz-core's `src/` may use only
//! modules of its own layer or the layers below it, and no two top-level modules use each other.
//! A `use` that points up a layer fails here with the file and the path it named.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first: the top-level modules of `src/` in each.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations",
        &["error", "limits", "untrusted", "mix", "time", "text"],
    ),
    ("crypto", &["crypto", "budget", "pgp"]),
    ("model", &["model"]),
    ("decision", &["decision"]),
    ("objects", &["objects"]),
    ("requests", &["request", "gcloud"]),
    ("evaluation", &["evaluation", "platform"]),
    ("lint", &["lint", "testing"]),
    ("api", &["api", "schema"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether a file is unit tests only (tests may reach anywhere).
fn is_test_file(relative: &str) -> bool {
    relative.ends_with("/tests.rs")
        || relative.contains("/tests/")
        || relative.ends_with("differential.rs")
}

/// The code of a file without its comments, its inline `mod tests` and its JSON Schema
/// annotations. The annotations (compiled only with the `schema` feature, to generate
/// spec/schema/) name helper types of the `schema` module that describe a shape, such as "any
/// GCP policy document"; they say how a type is documented, not what it does.
fn code(text: &str) -> String {
    let text = text
        .split("#[cfg(test)]\nmod tests {")
        .next()
        .unwrap_or(text);
    text.lines()
        .filter(|line| !line.contains("schemars("))
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file names with `crate::NAME`, with the first line naming each.
fn uses(text: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for line in code(text).lines() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.entry(name).or_insert_with(|| line.trim().to_owned());
            }
            rest = after;
        }
    }
    found
}

struct Graph {
    /// module -> (used module -> where)
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if relative == "lib.rs" || is_test_file(&relative) {
            continue;
        }
        let module = relative
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned();
        let text = fs::read_to_string(&file).unwrap();
        for (used, line) in uses(&text) {
            if used != module {
                edges
                    .entry(module.clone())
                    .or_default()
                    .entry(used)
                    .or_insert(format!("{relative}: {line}"));
            }
        }
    }
    Graph { edges }
}

#[test]
fn every_top_level_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut missing = Vec::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name != "lib" && layer_of(&name).is_none() {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "modules without a layer in this test and ARCHITECTURE.md: {missing:?}"
    );
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let graph = graph();
    let mut upward = Vec::new();
    for (module, used) in &graph.edges {
        let Some(own) = layer_of(module) else {
            continue;
        };
        for (target, at) in used {
            if let Some(theirs) = layer_of(target)
                && theirs > own
            {
                upward.push(format!(
                    "{module} ({}) uses {target} ({}): {at}",
                    LAYERS[own].0, LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "uses that point up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_two_modules_use_each_other() {
    let graph = graph();
    let mut cycles = BTreeSet::new();
    for (a, used) in &graph.edges {
        for b in used.keys() {
            if graph.edges.get(b).is_some_and(|back| back.contains_key(a)) {
                let pair = if a < b { (a, b) } else { (b, a) };
                cycles.insert(format!("{} <-> {}", pair.0, pair.1));
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles: {cycles:?}");
}

#[test]
fn the_checker_sees_an_upward_use() {
    // A check that could never fail would prove nothing: the scanner must find this one.
    let found = uses("use crate::evaluation::Engine; // crate::api in a comment\n");
    assert!(found.contains_key("evaluation"));
    assert!(!found.contains_key("api"), "comments are not uses");
    let found =
        uses("let x = crate::lint::lint(p, a);\n#[cfg(test)]\nmod tests {\n    use crate::api;\n}");
    assert!(found.contains_key("lint"));
    assert!(!found.contains_key("api"), "unit tests may reach anywhere");
    assert!(layer_of("evaluation") > layer_of("model"));
}
