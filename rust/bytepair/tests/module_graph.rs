//! The core's modules form no cycle: no module depends, directly or through
//! others, on a module that depends on it.
//!
//! Every `src/**/*.rs` file is a module. A file depends on each module it
//! names through `crate::`, `super::` or one of its own child modules
//! (`use count::...` in `train/mod.rs`), resolved to the deepest module that
//! exists; a module depends on its children only through such uses. Test
//! code (`#[cfg(test)]` to the end of a file) is not a dependency.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/train/count/words.rs` -> `train::count::words`; `mod.rs` and
/// `lib.rs` name their directory.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comments, string literals and test modules.
fn code(text: &str) -> String {
    let body = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::new();
    for line in body.lines() {
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        // Drop string literals: paths in messages are not dependencies.
        let mut in_str = false;
        for c in line.chars() {
            if c == '"' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path that starts at `at` in `code`: `a::b::c`, with one level of
/// `{x::y, z}` expanded.
fn paths_at(code: &str, at: usize) -> Vec<Vec<String>> {
    let rest = &code[at..];
    let mut segs = Vec::new();
    let mut i = 0;
    loop {
        let len = rest[i..]
            .find(|c: char| !is_ident(c))
            .unwrap_or(rest.len() - i);
        if len == 0 {
            break;
        }
        segs.push(rest[i..i + len].to_string());
        i += len;
        if !rest[i..].starts_with("::") {
            return vec![segs];
        }
        i += 2;
        if rest[i..].starts_with('{') {
            let end = rest[i..].find('}').map_or(rest.len(), |e| i + e);
            return rest[i + 1..end]
                .split(',')
                .map(|part| {
                    let mut p = segs.clone();
                    p.extend(
                        part.trim()
                            .split("::")
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty()),
                    );
                    p
                })
                .collect();
        }
    }
    vec![segs]
}

/// The deepest known module that `path` (from the crate root) names.
fn resolve(path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| modules.contains(m))
}

fn dependencies(module: &str, code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let me: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_string).collect()
    };
    let mut found = BTreeSet::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let starts_word = i == 0 || !is_ident(bytes[i - 1] as char);
        if !starts_word || !is_ident(bytes[i] as char) {
            i += 1;
            continue;
        }
        let word_len = code[i..]
            .find(|c: char| !is_ident(c))
            .unwrap_or(code.len() - i);
        let word = &code[i..i + word_len];
        let after = i + word_len;
        let resolved: Vec<Vec<String>> = if !code[after..].starts_with("::") {
            Vec::new()
        } else if word == "crate" {
            paths_at(code, after + 2)
        } else if word == "super" {
            // super::super::x from module a::b::c is a::x.
            let mut base = me.clone();
            let mut j = i;
            while code[j..].starts_with("super::") {
                base.pop();
                j += "super::".len();
            }
            paths_at(code, j)
                .into_iter()
                .map(|p| base.iter().cloned().chain(p).collect())
                .collect()
        } else {
            // A child module named from its parent.
            let child: Vec<String> = me.iter().cloned().chain([word.to_string()]).collect();
            if modules.contains(&child.join("::")) {
                paths_at(code, i)
                    .into_iter()
                    .map(|p| me.iter().cloned().chain(p).collect())
                    .collect()
            } else {
                Vec::new()
            }
        };
        for p in resolved {
            if let Some(m) = resolve(&p, modules) {
                if m != module {
                    found.insert(m);
                }
            }
        }
        i = after;
    }
    found
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    files
        .iter()
        .map(|f| {
            let module = module_of(&src, f);
            let text = std::fs::read_to_string(f).expect("read");
            let deps = dependencies(&module, &code(&text), &modules);
            (module, deps)
        })
        .collect()
}

/// A cycle in `g`, if there is one.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &Graph,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            match state.get(d.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == d).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(d, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_core_module_graph_has_no_cycle() {
    let g = graph();
    // The reader sees what it should: a few known edges.
    let has = |a: &str, b: &str| g.get(a).is_some_and(|d| d.contains(b));
    assert!(has("tokenizer", "pretok"), "{g:#?}");
    assert!(has("train::request", "tokenizer"), "{g:#?}");
    assert!(has("train::count::counter", "normalize"), "{g:#?}");
    assert!(has("train::count", "train::count::words"), "{g:#?}");
    if let Some(cycle) = find_cycle(&g) {
        panic!("module cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let mut g = Graph::new();
    g.insert("a".into(), ["b".to_string()].into());
    g.insert("b".into(), ["c".to_string()].into());
    g.insert("c".into(), ["a".to_string()].into());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    g.insert("c".into(), BTreeSet::new());
    assert_eq!(find_cycle(&g), None);
    let modules: BTreeSet<String> = ["x", "x::y", "z"].iter().map(|s| s.to_string()).collect();
    let deps = dependencies("x", "use y::Thing;\nuse crate::z::W;\n", &modules);
    assert_eq!(deps, ["x::y".to_string(), "z".to_string()].into());
}
