//! The layers hold: no circle between the modules of any crate, the web app
//! knows nothing of the command line, and the command line knows the web app
//! and the console only to start them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src` belongs to (`lib` for the root).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Edges between a crate's top-level modules, from `crate::name` paths and
/// `use crate::{a, b}` lists.
fn module_graph(krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = crates_dir().join(krate).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let from = module_of(&src, f);
        let text = std::fs::read_to_string(f).unwrap();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let names: Vec<&str> = if let Some(list) = rest.strip_prefix('{') {
                list[..list.find('}').unwrap_or(0)]
                    .split(',')
                    .map(|n| n.trim().split("::").next().unwrap_or(""))
                    .collect()
            } else {
                vec![
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or(""),
                ]
            };
            for to in names {
                if to != from && modules.contains(to) && from != "lib" && from != "main" {
                    graph
                        .entry(from.clone())
                        .or_default()
                        .insert(to.to_string());
                }
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut cycle = path[at..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for next in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_a_circle_between_its_modules() {
    for e in std::fs::read_dir(crates_dir()).unwrap() {
        let krate = e.unwrap().file_name().to_string_lossy().into_owned();
        if !crates_dir().join(&krate).join("src").is_dir() {
            continue;
        }
        let g = module_graph(&krate);
        assert_eq!(find_cycle(&g), None, "a circle in crate {krate}: {g:?}");
    }
}

#[test]
fn the_cycle_finder_finds_a_circle() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    g.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

fn sources(krate: &str) -> String {
    let mut files = Vec::new();
    rust_files(&crates_dir().join(krate).join("src"), &mut files);
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

#[test]
fn faces_meet_only_in_the_application_layer() {
    let web = sources("web");
    let manifest = std::fs::read_to_string(crates_dir().join("web/Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("clap") && !manifest.contains("\ncasefile."),
        "the web app builds no command line"
    );
    assert!(
        !web.contains("casefile::"),
        "the web app calls nothing of the command line"
    );
    let app = std::fs::read_to_string(crates_dir().join("app/Cargo.toml")).unwrap();
    assert!(
        !app.contains("casefile-web") && !app.contains("clap"),
        "the application layer knows no face"
    );
    // The command line starts the web app and the console, and that is all it knows of them.
    let mut cli = Vec::new();
    rust_files(&crates_dir().join("cli/src/commands"), &mut cli);
    let commands: String = cli
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(
        commands.matches("casefile_web::").count(),
        1,
        "only `serve`"
    );
    assert_eq!(
        commands.matches("crate::console::").count(),
        1,
        "only `call`"
    );
    let console: String = {
        let mut f = Vec::new();
        rust_files(&crates_dir().join("cli/src/console"), &mut f);
        f.iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect()
    };
    assert!(
        !console.contains("crate::commands"),
        "the console does not call the commands"
    );
}
