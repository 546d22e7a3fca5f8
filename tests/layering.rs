//! One-way doors (ARCHITECTURE.md, "Allowed module edges"): the edges between the files of
//! `src/` follow the declared table and never form a cycle; no egui outside `ui` (and the thin
//! `main.rs`), no burn outside `training`, and the loss engine free of both.
//!
//! The edges are read from the source text with a small lexer (comments, doc comments and
//! string/char literals are skipped): `use` trees (`crate::`, `super::`, `self::`, child modules
//! and modules imported earlier in the file), `pub use` re-exports, and paths used inline in
//! code (`crate::io::write_atomic(..)`, `compare::mined_diff(..)`). A path points at the
//! deepest module file it names: `crate::losses::LossSpec` is an edge to `src/losses/mod.rs`,
//! `super::params::Loss` one to the sibling `params.rs`. So a `mod.rs` that re-exports a child
//! (`pub use child::X`) while the child uses something of the `mod.rs` (`use super::Y`) is a
//! cycle between those two files, and is reported as one.
//!
//! Items under `#[cfg(test)]` (the unit-test modules) are left out of the edge and cycle
//! checks: `use super::*` in a test module is not an architectural door. `lib.rs` and
//! `main.rs` are the roots and are not part of the graph.
//!
//! Known limits: macros are not expanded (a path built inside `macro_rules!` by `$crate` is
//! seen, one assembled from fragments is not), and a glob import (`use super::*`) is an edge
//! to the module it names but does not make that module's children nameable by their short
//! names in the rest of the file.
//!
//! `cargo test --test layering -- --ignored --nocapture` prints the module graph as found.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Source files and their modules

/// A module path below the crate root: `src/ui/teach/stages.rs` → `["ui", "teach", "stages"]`.
type ModPath = Vec<String>;

struct SourceFile {
    /// Relative to the crate root, `/`-separated: `src/ui/teach/mod.rs`.
    rel: String,
    module: ModPath,
    text: String,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.rs` file under `src/`, sorted, with its module path (`lib.rs` and `main.rs` get the
/// empty path: they are the roots).
fn source_files() -> Vec<SourceFile> {
    let src = src_dir();
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let mut module: ModPath = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_owned)
                .collect();
            if module.last().is_some_and(|m| m == "mod") || rel == "lib.rs" || rel == "main.rs" {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            SourceFile {
                rel: format!("src/{rel}"),
                module,
                text,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Lexer: identifiers, `::` and single punctuation; comments and literals dropped

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Skips a (possibly raw) string literal starting at `i` (at `"` or at the `#`s of a raw one);
/// returns the index after it.
fn skip_string(chars: &[char], mut i: usize, raw: bool, line: &mut usize) -> usize {
    let mut hashes = 0;
    if raw {
        while chars.get(i) == Some(&'#') {
            hashes += 1;
            i += 1;
        }
    }
    i += 1; // the opening quote
    while i < chars.len() {
        match chars[i] {
            '\n' => *line += 1,
            '\\' if !raw => {
                if chars.get(i + 1) == Some(&'\n') {
                    *line += 1;
                }
                i += 1;
            }
            '"' if (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) => {
                return i + 1 + hashes;
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Skips a comment starting at `i` (at `//` or `/*`, nested); returns the index after it.
fn skip_comment(chars: &[char], mut i: usize, line: &mut usize) -> usize {
    if chars[i + 1] == '/' {
        while i < chars.len() && chars[i] != '\n' {
            i += 1;
        }
        return i;
    }
    let mut depth = 0;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            if chars[i] == '\n' {
                *line += 1;
            }
            i += 1;
        }
    }
    i
}

/// At a `'`: skips a char literal (`'a'`, `'\n'`, `'\u{1F600}'`) or just the quote of a
/// lifetime or label.
fn skip_quote(chars: &[char], i: usize) -> usize {
    if chars.get(i + 1) == Some(&'\\') {
        let mut j = i + 3;
        while j < chars.len() && chars[j] != '\'' {
            j += 1;
        }
        j + 1
    } else if chars.get(i + 2) == Some(&'\'') {
        i + 3
    } else {
        i + 1
    }
}

fn lex(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && matches!(next, Some('/' | '*')) {
            i = skip_comment(&chars, i, &mut line);
        } else if c == '"' {
            i = skip_string(&chars, i, false, &mut line);
        } else if c == '\'' {
            i = skip_quote(&chars, i);
        } else if c.is_ascii_digit() {
            // Numbers never take part in a path; one token keeps `1::x` from gluing.
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Punct('0'),
                line,
            });
        } else if is_ident_char(c) {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let after = chars.get(i).copied();
            let after2 = chars.get(i + 1).copied();
            match (word.as_str(), after) {
                // b"..", c"..": strings with a prefix.
                ("b" | "c", Some('"')) => i = skip_string(&chars, i, false, &mut line),
                // r"..", r#".."#, br"..", cr"..": raw strings (but r#ident is an identifier).
                ("r" | "br" | "cr", Some('"')) => i = skip_string(&chars, i, true, &mut line),
                ("r" | "br" | "cr", Some('#')) if matches!(after2, Some('"' | '#')) => {
                    i = skip_string(&chars, i, true, &mut line);
                }
                ("r", Some('#')) => {
                    let start = i + 1;
                    i = start;
                    while i < chars.len() && is_ident_char(chars[i]) {
                        i += 1;
                    }
                    out.push(Token {
                        tok: Tok::Ident(chars[start..i].iter().collect()),
                        line,
                    });
                }
                _ => out.push(Token {
                    tok: Tok::Ident(word),
                    line,
                }),
            }
        } else if c == ':' && next == Some(':') {
            out.push(Token {
                tok: Tok::PathSep,
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                tok: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    out
}

fn is_punct(t: Option<&Token>, c: char) -> bool {
    t.is_some_and(|t| t.tok == Tok::Punct(c))
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

/// Index after the group opened at `i` (`(`, `[` or `{`), nesting counted over all three.
fn skip_group(toks: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < toks.len() {
        match toks[i].tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Drops every item carrying `#[cfg(test)]`: its other attributes, then up to the `;` or `,`
/// or through the `{ .. }` block that ends it. (A `,` inside the generics of a test function
/// outside a test module stops the skip early: its body is then read, which can only add
/// edges, never hide one.)
fn without_test_items(toks: Vec<Token>) -> Vec<Token> {
    let is_cfg_test = |i: usize| {
        let want = ["#", "[", "cfg", "(", "test", ")", "]"];
        want.iter().enumerate().all(|(k, w)| {
            toks.get(i + k).is_some_and(|t| match &t.tok {
                Tok::Ident(s) => s == w,
                Tok::Punct(c) => w.len() == 1 && w.starts_with(*c),
                Tok::PathSep => false,
            })
        })
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !is_cfg_test(i) {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        i += 7;
        while is_punct(toks.get(i), '#') && is_punct(toks.get(i + 1), '[') {
            i = skip_group(&toks, i + 1);
        }
        while i < toks.len() {
            match toks[i].tok {
                // `;` ends an item, `,` a field or an argument; `}` closes what holds them.
                Tok::Punct(';' | ',') => {
                    i += 1;
                    break;
                }
                Tok::Punct('}') => break,
                Tok::Punct('{') => {
                    i = skip_group(&toks, i);
                    break;
                }
                Tok::Punct('(' | '[') => i = skip_group(&toks, i),
                _ => i += 1,
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Paths: `use` trees and inline paths

/// A path as written, with the line of its last segment.
#[derive(Debug, Clone)]
struct WrittenPath {
    segments: Vec<String>,
    line: usize,
    /// The name a `use` brings into scope (its `as` alias or last segment); none for globs,
    /// `as _` and inline paths.
    binds: Option<String>,
}

/// Parses one use tree at `*i` below `prefix`.
fn use_tree(toks: &[Token], i: &mut usize, prefix: &[String], out: &mut Vec<WrittenPath>) {
    let mut segments = prefix.to_vec();
    if toks.get(*i).is_some_and(|t| t.tok == Tok::PathSep) {
        *i += 1;
    }
    loop {
        let Some(t) = toks.get(*i) else { return };
        match &t.tok {
            Tok::Punct('*') => {
                *i += 1;
                out.push(WrittenPath {
                    segments,
                    line: t.line,
                    binds: None,
                });
                return;
            }
            Tok::Punct('{') => {
                *i += 1;
                while *i < toks.len() && !is_punct(toks.get(*i), '}') {
                    use_tree(toks, i, &segments, out);
                    if is_punct(toks.get(*i), ',') {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            Tok::Ident(s) => {
                let line = t.line;
                if s != "self" || segments.is_empty() {
                    segments.push(s.clone());
                }
                *i += 1;
                if toks.get(*i).is_some_and(|t| t.tok == Tok::PathSep) {
                    *i += 1;
                    continue;
                }
                let mut binds = segments.last().cloned();
                if ident(toks.get(*i)) == Some("as") {
                    binds = ident(toks.get(*i + 1))
                        .filter(|a| *a != "_")
                        .map(str::to_owned);
                    *i += 2;
                }
                out.push(WrittenPath {
                    segments,
                    line,
                    binds,
                });
                return;
            }
            _ => return,
        }
    }
}

/// Every `use` path and every inline path (`a::b::c` not preceded by `::`) of a token stream.
/// `pub(in path)` visibilities are skipped: they restrict, they do not use.
fn written_paths(toks: &[Token]) -> (Vec<WrittenPath>, Vec<WrittenPath>) {
    let mut uses = Vec::new();
    let mut inline = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let word = ident(toks.get(i));
        if word == Some("pub") && is_punct(toks.get(i + 1), '(') {
            i = skip_group(toks, i + 1);
        } else if word == Some("use")
            && matches!(
                toks.get(i + 1).map(|t| &t.tok),
                Some(Tok::Ident(_) | Tok::PathSep | Tok::Punct('{'))
            )
        {
            i += 1;
            use_tree(toks, &mut i, &[], &mut uses);
        } else if let Some(first) = word
            && toks.get(i + 1).is_some_and(|t| t.tok == Tok::PathSep)
            && (i == 0 || toks[i - 1].tok != Tok::PathSep)
        {
            let mut segments = vec![first.to_owned()];
            let mut line = toks[i].line;
            i += 1;
            while toks.get(i).is_some_and(|t| t.tok == Tok::PathSep) {
                let Some(s) = ident(toks.get(i + 1)) else {
                    break;
                };
                segments.push(s.to_owned());
                line = toks[i + 1].line;
                i += 2;
            }
            inline.push(WrittenPath {
                segments,
                line,
                binds: None,
            });
        } else {
            i += 1;
        }
    }
    (uses, inline)
}

/// The module tree and how paths resolve in it.
struct Modules {
    /// Module path → file (`src/…`).
    files: BTreeMap<ModPath, String>,
}

impl Modules {
    /// The deepest module that `segments` names, written in module `current` where the names
    /// of `scope` (modules brought in by `use`) are visible. `None` for paths that leave the
    /// crate (std, other crates) or start with an item rather than a module; `Some([])` for
    /// the crate root. The second value says whether the whole path is a module.
    fn resolve(
        &self,
        current: &[String],
        scope: &BTreeMap<String, ModPath>,
        segments: &[String],
    ) -> Option<(ModPath, bool)> {
        let (first, rest) = segments.split_first()?;
        let mut base: ModPath = match first.as_str() {
            "crate" => Vec::new(),
            "self" => current.to_vec(),
            "super" => current[..current.len().checked_sub(1)?].to_vec(),
            name => {
                let child: ModPath = current.iter().cloned().chain([name.to_owned()]).collect();
                if self.files.contains_key(&child) {
                    child
                } else {
                    scope.get(name)?.clone()
                }
            }
        };
        let mut consumed = 0;
        for seg in rest {
            if seg == "super" && first == "super" && consumed == 0 {
                base.pop();
                continue;
            }
            let deeper: ModPath = base.iter().cloned().chain([seg.clone()]).collect();
            if !self.files.contains_key(&deeper) {
                break;
            }
            base = deeper;
            consumed += 1;
        }
        let whole = consumed == rest.iter().filter(|s| *s != "super").count();
        Some((base, whole))
    }
}

// ---------------------------------------------------------------------------------------------
// The file graph

#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    line: usize,
    /// The path as written, `::`-joined.
    written: String,
}

struct Graph {
    /// File → its module path.
    modules: BTreeMap<String, ModPath>,
    edges: Vec<Edge>,
}

fn file_graph() -> Graph {
    let sources: Vec<SourceFile> = source_files()
        .into_iter()
        .filter(|f| !f.module.is_empty())
        .collect();
    let tree = Modules {
        files: sources
            .iter()
            .map(|f| (f.module.clone(), f.rel.clone()))
            .collect(),
    };
    let mut edges = Vec::new();
    for file in &sources {
        let toks = without_test_items(lex(&file.text));
        let (uses, inline) = written_paths(&toks);
        // Modules a `use` brings into scope; twice, so that `use a; use a::b;` resolves either
        // way round.
        let mut scope = BTreeMap::new();
        for _ in 0..2 {
            for u in &uses {
                if let (Some(name), Some((m, true))) =
                    (&u.binds, tree.resolve(&file.module, &scope, &u.segments))
                {
                    scope.insert(name.clone(), m);
                }
            }
        }
        for p in uses.iter().chain(&inline) {
            let Some((target, _)) = tree.resolve(&file.module, &scope, &p.segments) else {
                continue;
            };
            let Some(to) = tree.files.get(&target) else {
                continue;
            };
            if *to != file.rel {
                edges.push(Edge {
                    from: file.rel.clone(),
                    to: to.clone(),
                    line: p.line,
                    written: p.segments.join("::"),
                });
            }
        }
    }
    Graph {
        modules: sources.into_iter().map(|f| (f.rel, f.module)).collect(),
        edges,
    }
}

impl Graph {
    fn top(&self, file: &str) -> &str {
        &self.modules[file][0]
    }

    /// Strongly connected components with more than one file (Tarjan), each sorted.
    fn cycles(&self) -> Vec<Vec<String>> {
        let files: Vec<&String> = self.modules.keys().collect();
        let index_of: BTreeMap<&str, usize> = files
            .iter()
            .enumerate()
            .map(|(k, f)| (f.as_str(), k))
            .collect();
        let mut succ = vec![BTreeSet::new(); files.len()];
        for e in &self.edges {
            succ[index_of[e.from.as_str()]].insert(index_of[e.to.as_str()]);
        }
        let succ: Vec<Vec<usize>> = succ.into_iter().map(|s| s.into_iter().collect()).collect();
        let mut tarjan = Tarjan::new(files.len());
        for v in 0..files.len() {
            if tarjan.index[v].is_none() {
                tarjan.visit(v, &succ);
            }
        }
        let mut found: Vec<Vec<String>> = tarjan
            .components
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut names: Vec<String> = c.into_iter().map(|v| files[v].clone()).collect();
                names.sort();
                names
            })
            .collect();
        found.sort();
        found
    }
}

impl Graph {
    /// The shortest loop from the first of `members` back to it, through `members` only
    /// (breadth-first), as files, first and last the same.
    fn shortest_loop(&self, members: &BTreeSet<&String>) -> Vec<String> {
        let Some(&start) = members.first() else {
            return Vec::new();
        };
        let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(v) = queue.pop_front() {
            for e in self.edges.iter().filter(|e| e.from == *v) {
                if !members.contains(&e.to) {
                    continue;
                }
                if e.to == *start {
                    let mut path = vec![start.clone(), v.clone()];
                    let mut at = v;
                    while let Some(&prev) = came_from.get(at) {
                        path.push(prev.clone());
                        at = prev;
                    }
                    path.reverse();
                    return path;
                }
                if !came_from.contains_key(&e.to) && e.to != *start {
                    came_from.insert(&e.to, v);
                    queue.push_back(&e.to);
                }
            }
        }
        Vec::new()
    }
}

/// Tarjan's strongly connected components, iterative (no recursion depth limit).
struct Tarjan {
    next: usize,
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    components: Vec<Vec<usize>>,
}

impl Tarjan {
    fn new(n: usize) -> Self {
        Self {
            next: 0,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            components: Vec::new(),
        }
    }

    fn open(&mut self, v: usize) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
    }

    fn visit(&mut self, root: usize, succ: &[Vec<usize>]) {
        // (vertex, next successor to look at)
        let mut work = vec![(root, 0)];
        self.open(root);
        while let Some(&mut (v, ref mut k)) = work.last_mut() {
            if let Some(&w) = succ[v].get(*k) {
                *k += 1;
                match self.index[w] {
                    None => {
                        self.open(w);
                        work.push((w, 0));
                    }
                    Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                    Some(_) => {}
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                self.low[parent] = self.low[parent].min(self.low[v]);
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                self.components.push(component);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The declared table (ARCHITECTURE.md)

/// `module → the module paths it may use` from the table under "Allowed module edges": rows
/// `| \`ui\` | \`app\`, \`gpu::colormap\`, … | why |`. A row's names are the backticked words
/// of its second cell (prose between them is for the reader); `gpu::colormap` allows only
/// files under that module.
fn declared_edges() -> BTreeMap<String, Vec<ModPath>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).expect("ARCHITECTURE.md");
    let mut table = BTreeMap::new();
    let mut in_table = false;
    for line in text.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
        if !in_table {
            in_table = line.starts_with('|')
                && cells.len() >= 2
                && cells[0].trim() == "module"
                && cells[1].trim() == "may use";
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let from = backticked(cells[0]);
        let Some(from) = from.first() else {
            continue; // the |---| row
        };
        let allowed = cells.get(1).map_or_else(Vec::new, |c| backticked(c));
        table.insert(
            from.clone(),
            allowed
                .iter()
                .map(|a| a.split("::").map(str::to_owned).collect())
                .collect(),
        );
    }
    assert!(
        !table.is_empty(),
        "ARCHITECTURE.md has no \"| module | may use | … |\" table"
    );
    table
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.trim().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The tests

#[test]
fn every_edge_between_modules_is_declared() {
    let graph = file_graph();
    let table = declared_edges();
    let mut problems = Vec::new();
    let tops: BTreeSet<&String> = graph.modules.values().map(|m| &m[0]).collect();
    for top in &tops {
        if !table.contains_key(top.as_str()) {
            problems.push(format!("module `{top}` has no row in the table"));
        }
    }
    let known: BTreeSet<&ModPath> = graph.modules.values().collect();
    for (from, allowed) in &table {
        for a in allowed {
            if !known.contains(a) {
                problems.push(format!(
                    "the table's row `{from}` names `{}`, which is no module of src/",
                    a.join("::")
                ));
            }
        }
    }
    for e in &graph.edges {
        let (from, to) = (graph.top(&e.from), graph.top(&e.to));
        if from == to {
            continue;
        }
        let target = &graph.modules[&e.to];
        let allowed = table
            .get(from)
            .is_some_and(|a| a.iter().any(|p| target.starts_with(p)));
        if !allowed {
            problems.push(format!(
                "{}:{}: {from} → {to} ({}, uses {})",
                e.from, e.line, e.to, e.written
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} undeclared module edges (declare them in ARCHITECTURE.md's \"Allowed module \
         edges\" table, or remove them):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn no_cycle_between_files() {
    let graph = file_graph();
    let cycles = graph.cycles();
    let mut report = String::new();
    for files in &cycles {
        let members: BTreeSet<&String> = files.iter().collect();
        writeln!(report, "cycle between {}:", files.join(", ")).expect("write");
        writeln!(
            report,
            "  shortest loop: {}",
            graph.shortest_loop(&members).join(" → ")
        )
        .expect("write");
        // One line per file pair inside the cycle: where the door is.
        let mut seen = BTreeSet::new();
        for e in &graph.edges {
            if members.contains(&e.from) && members.contains(&e.to) && seen.insert((&e.from, &e.to))
            {
                writeln!(
                    report,
                    "    {}:{} → {} ({})",
                    e.from, e.line, e.to, e.written
                )
                .expect("write");
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "{} cycles between files:\n{report}",
        cycles.len()
    );
}

#[test]
fn the_declared_table_is_one_way() {
    let table = declared_edges();
    // Depth-first search over the table's top-level edges; a module met again while still on
    // the path closes a cycle.
    fn visit<'a>(
        m: &'a str,
        table: &'a BTreeMap<String, Vec<ModPath>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        cycles: &mut Vec<String>,
    ) {
        if let Some(k) = path.iter().position(|p| *p == m) {
            cycles.push(format!("{} → {m}", path[k..].join(" → ")));
            return;
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for next in table.get(m).into_iter().flatten() {
            visit(&next[0], table, path, done, cycles);
        }
        path.pop();
    }
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for m in table.keys() {
        visit(m, &table, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(
        cycles.is_empty(),
        "ARCHITECTURE.md's table allows cycles:\n{}",
        cycles.join("\n")
    );
}

/// The whole graph as found, for reconciling the table with the code.
#[test]
#[ignore = "prints the module graph; run with --ignored --nocapture"]
fn print_the_module_graph() {
    let graph = file_graph();
    let mut tops: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for e in &graph.edges {
        let (from, to) = (graph.top(&e.from), graph.top(&e.to));
        if from != to {
            *tops.entry((from, to)).or_default() += 1;
        }
    }
    let mut by_from: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((from, to), n) in &tops {
        by_from.entry(from).or_default().push(format!("{to} ({n})"));
    }
    println!("module edges (number of paths):");
    for (from, to) in &by_from {
        println!("  {from} → {}", to.join(", "));
    }
    println!("file cycles:");
    for c in graph.cycles() {
        println!("  {}", c.join(", "));
    }
}

/// Every line of `src/` (outside `allowed_under`) whose code names one of the crates in
/// `forbidden` as the first segment of a path (`egui::Ui`, `use burn::…`, `::burn::…`).
fn crates_named(forbidden: &[&str], allowed_under: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in source_files() {
        let rel = file.rel.trim_start_matches("src/");
        if allowed_under.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        let toks = lex(&file.text);
        let lines: Vec<&str> = file.text.lines().collect();
        for (k, t) in toks.iter().enumerate() {
            let Tok::Ident(word) = &t.tok else { continue };
            // `burn::x`, or `::burn::x` (after `use` or punctuation), not `a::burn::x`.
            let starts_path = k == 0
                || toks[k - 1].tok != Tok::PathSep
                || ident(toks.get(k.wrapping_sub(2))).is_none_or(|w| w == "use");
            let is_path = toks.get(k + 1).is_some_and(|n| n.tok == Tok::PathSep)
                || (k >= 1 && ident(toks.get(k - 1)) == Some("use"));
            if starts_path && is_path && forbidden.contains(&word.as_str()) {
                found.push(format!(
                    "{}:{}: {}",
                    file.rel,
                    t.line,
                    lines.get(t.line - 1).map_or("", |l| l.trim())
                ));
            }
        }
    }
    found.dedup();
    found
}

#[test]
fn egui_stays_in_the_ui() {
    let v = crates_named(
        &["egui", "eframe", "egui_wgpu", "egui_plot", "egui_kittest"],
        &["ui/", "main.rs"],
    );
    assert!(v.is_empty(), "egui named outside src/ui:\n{}", v.join("\n"));
}

#[test]
fn burn_stays_in_training() {
    let v = crates_named(&["burn"], &["training/"]);
    assert!(
        v.is_empty(),
        "burn named outside src/training:\n{}",
        v.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The checker checked: the lexer and the resolver on small sources

#[test]
fn the_lexer_skips_comments_strings_and_chars() {
    let toks = lex(concat!(
        "// crate::a::x\n/// crate::b\n/* crate::c /* nested */ crate::d */\n",
        "let s = \"crate::e\"; let r = r#\"crate::f\"#; let c = '\"'; let l: &'static str;\n",
        "let b = b\"crate::g\"; crate::h::y();"
    ));
    let (uses, inline) = written_paths(&toks);
    assert!(uses.is_empty());
    let found: Vec<String> = inline.iter().map(|p| p.segments.join("::")).collect();
    assert_eq!(found, ["crate::h::y"]);
    assert_eq!(inline[0].line, 5);
}

#[test]
fn use_trees_and_test_items_are_read() {
    let toks = without_test_items(lex(concat!(
        "pub use crate::a::{self, b::{C, D as E}, f::*};\n",
        "pub(in crate::z) use super::g;\n",
        "#[cfg(test)]\nmod tests { use crate::hidden::X; }\n",
        "#[cfg(test)]\nuse crate::hidden2::Y;\n",
        "struct S { #[cfg(test)] t: crate::hidden3::Z, u: crate::kept::W }\n",
    )));
    let (uses, inline) = written_paths(&toks);
    let inline: Vec<String> = inline.iter().map(|p| p.segments.join("::")).collect();
    assert_eq!(inline, ["crate::kept::W"]);
    let found: Vec<(String, Option<String>)> = uses
        .iter()
        .map(|p| (p.segments.join("::"), p.binds.clone()))
        .collect();
    assert_eq!(
        found,
        [
            ("crate::a".into(), Some("a".into())),
            ("crate::a::b::C".into(), Some("C".into())),
            ("crate::a::b::D".into(), Some("E".into())),
            ("crate::a::f".into(), None),
            ("super::g".into(), Some("g".into())),
        ]
    );
}

#[test]
fn paths_resolve_to_the_deepest_module_file() {
    let m = |s: &str| -> ModPath { s.split('/').map(str::to_owned).collect() };
    let tree = Modules {
        files: [
            "losses",
            "losses/params",
            "ui",
            "ui/teach",
            "ui/teach/stages",
        ]
        .into_iter()
        .map(|s| (m(s), format!("src/{s}")))
        .collect(),
    };
    let seg = |s: &str| -> Vec<String> { s.split("::").map(str::to_owned).collect() };
    let scope = BTreeMap::from([("losses".to_owned(), m("losses"))]);
    let here = m("ui/teach/stages");
    let r = |p: &str| {
        tree.resolve(&here, &scope, &seg(p))
            .map(|(m, _)| m.join("/"))
    };
    assert_eq!(r("crate::losses::LossSpec").as_deref(), Some("losses"));
    assert_eq!(r("losses::params::Loss").as_deref(), Some("losses/params"));
    assert_eq!(r("super::Stage").as_deref(), Some("ui/teach"));
    assert_eq!(r("super::super::plots").as_deref(), Some("ui"));
    assert_eq!(r("self::x").as_deref(), Some("ui/teach/stages"));
    assert_eq!(r("std::sync::Arc"), None);
    let parent = m("ui/teach");
    let child = tree.resolve(&parent, &BTreeMap::new(), &seg("stages::draw"));
    assert_eq!(
        child.map(|(m, _)| m.join("/")).as_deref(),
        Some("ui/teach/stages")
    );
}

#[test]
fn a_mod_rs_re_export_and_a_super_use_make_a_cycle() {
    let graph = Graph {
        modules: [
            ("src/a/mod.rs", "a"),
            ("src/a/b.rs", "a/b"),
            ("src/c.rs", "c"),
        ]
        .into_iter()
        .map(|(f, m)| (f.to_owned(), m.split('/').map(str::to_owned).collect()))
        .collect(),
        edges: [
            ("src/a/mod.rs", "src/a/b.rs"),
            ("src/a/b.rs", "src/a/mod.rs"),
            ("src/c.rs", "src/a/mod.rs"),
        ]
        .into_iter()
        .map(|(from, to)| Edge {
            from: from.into(),
            to: to.into(),
            line: 1,
            written: String::new(),
        })
        .collect(),
    };
    assert_eq!(graph.cycles(), [["src/a/b.rs", "src/a/mod.rs"]]);
    let a = "src/a/b.rs".to_owned();
    let b = "src/a/mod.rs".to_owned();
    assert_eq!(
        graph.shortest_loop(&BTreeSet::from([&a, &b])),
        ["src/a/b.rs", "src/a/mod.rs", "src/a/b.rs"]
    );
}
