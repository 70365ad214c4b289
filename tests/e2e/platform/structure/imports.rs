//! Which files of a crate import which: a hand-written reading of `use` trees and paths, good
//! enough to find import circles between the files of one crate.
//!
//! A crate is read from its root (`lib.rs`, `main.rs`) along its `mod x;` declarations. In each
//! file every `use` tree (`use crate::a::{b, c::D}`, `use super::*`, `use self::x`, renames)
//! and every path in the body that starts at `crate`, `super`, `self`, a name brought in by a
//! `use` or a module declared in the file (`repo::users::find(..)` after `use crate::repo;`) is
//! made absolute and located: the longest module prefix names the file (`crate::repo::learning`
//! is `repo/learning.rs` or `repo/learning/mod.rs`; `crate::domain::module::Block` is
//! `domain/module.rs`), and when the next name is itself a `use` in that file (a re-export in a
//! `mod.rs` or `lib.rs`) the path is followed to the file that defines it.
//!
//! Not counted: a file's uses of its own submodules (a `mod.rs` or `lib.rs` declaring, wiring
//! and re-exporting its children is what owns them, not an import), importing a module by name
//! alone (what is then used from it counts), and paths into other crates. Known limits: macros
//! are not expanded, `#[path]` is not followed, a glob import (`use super::*`) points at the
//! module's file rather than at what the module re-exports, names are resolved per file, not
//! per block, and `#[cfg(test)]` modules count like the code around them.

use super::tokens::{tokenize, Tok};
use std::collections::{BTreeMap, BTreeSet};

/// One file of a crate.
#[derive(Debug)]
pub struct File {
    /// Path relative to the package, e.g. `src/domain/money.rs`.
    pub path: String,
    /// Module path from the crate root (`["domain", "money"]`).
    pub module: Vec<String>,
    /// Its text as tokens.
    pub tokens: Vec<Tok>,
}

/// An import of `to` by `from`, with the names it uses.
#[derive(Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub names: BTreeSet<String>,
}

/// Reads a crate from `root` (relative to the package, e.g. `src/lib.rs`) along its `mod`
/// declarations; `read` returns a file's text by its package-relative path.
pub fn read_crate(root: &str, read: &dyn Fn(&str) -> Option<String>) -> Result<Vec<File>, String> {
    let mut files = Vec::new();
    let mut todo = vec![(root.to_owned(), Vec::new())];
    while let Some((path, module)) = todo.pop() {
        let src = read(&path).ok_or_else(|| format!("cannot read {path}"))?;
        let tokens = tokenize(&src);
        // Children of a `mod.rs`-like file live beside it, of `a/b.rs` in `a/b/`.
        let dir = match path.rsplit_once('/') {
            Some((dir, name)) if path == root || name == "mod.rs" => dir.to_owned(),
            Some(_) => path.trim_end_matches(".rs").to_owned(),
            None => String::new(),
        };
        for (inline, name) in declared_files(&tokens) {
            let base: Vec<&str> = std::iter::once(dir.as_str())
                .filter(|d| !d.is_empty())
                .chain(inline.iter().map(String::as_str))
                .chain([name.as_str()])
                .collect();
            let base = base.join("/");
            let candidates = [format!("{base}.rs"), format!("{base}/mod.rs")];
            let found = candidates
                .iter()
                .find(|p| read(p).is_some())
                .ok_or_else(|| {
                    format!(
                        "{path} declares `mod {name};` but neither {} nor {} exists",
                        candidates[0], candidates[1]
                    )
                })?;
            let mut child = module.clone();
            child.extend(inline.iter().cloned());
            child.push(name);
            todo.push((found.clone(), child));
        }
        files.push(File {
            path,
            module,
            tokens,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// `mod x;` declarations of a file: (enclosing inline modules, name).
fn declared_files(tokens: &[Tok]) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    walk(tokens, |ctx, i| {
        if let (true, Some(Tok::Ident(name)), Some(Tok::Punct(';'))) =
            (tokens[i].is("mod"), tokens.get(i + 1), tokens.get(i + 2))
        {
            out.push((ctx.to_vec(), name.clone()));
        }
    });
    out
}

/// Calls `f(inline_modules, index)` for every token, with the inline modules (`mod m { .. }`)
/// the token sits in.
fn walk(tokens: &[Tok], mut f: impl FnMut(&[String], usize)) {
    let mut ctx: Vec<String> = Vec::new();
    let mut opens_module: Vec<bool> = Vec::new(); // per open brace
    let mut pending: Option<String> = None;
    for (i, tok) in tokens.iter().enumerate() {
        f(&ctx, i);
        match tok {
            Tok::Ident(k) if k == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    pending = Some(name.clone());
                }
            }
            Tok::Punct('{') => {
                let module = pending.take();
                opens_module.push(module.is_some());
                ctx.extend(module);
            }
            // The guard pops every closing brace; the module's ends its module.
            Tok::Punct('}') if opens_module.pop() == Some(true) => {
                ctx.pop();
            }
            _ => {}
        }
    }
}

/// A name a `use` brings into a module: `name` stands for `target` (relative as written).
#[derive(Debug)]
struct Binding {
    ctx: Vec<String>,
    name: String,
    target: Vec<String>,
}

/// A path as written in a file, in inline module `ctx`.
#[derive(Debug)]
struct Written {
    ctx: Vec<String>,
    segs: Vec<String>,
    glob: bool,
}

/// What one file says: its `use` leaves, the other paths, its bindings and declared modules.
struct Reading {
    uses: Vec<Written>,
    paths: Vec<Written>,
    bindings: Vec<Binding>,
    modules: BTreeSet<(Vec<String>, String)>,
}

fn read_file(tokens: &[Tok]) -> Reading {
    let mut r = Reading {
        uses: Vec::new(),
        paths: Vec::new(),
        bindings: Vec::new(),
        modules: BTreeSet::new(),
    };
    let mut skip_until = 0;
    walk(tokens, |ctx, i| {
        if tokens[i].is("mod") {
            if let Some(Tok::Ident(name)) = tokens.get(i + 1) {
                r.modules.insert((ctx.to_vec(), name.clone()));
            }
        }
        if i < skip_until {
            return;
        }
        if tokens[i].is("use") {
            let mut j = i + 1;
            let mut leaves = Vec::new();
            use_tree(tokens, &mut j, Vec::new(), &mut leaves);
            skip_until = j;
            for (segs, leaf) in leaves {
                match leaf {
                    Leaf::Glob => r.uses.push(Written {
                        ctx: ctx.to_vec(),
                        segs,
                        glob: true,
                    }),
                    Leaf::Name(name) => {
                        if name != "_" {
                            r.bindings.push(Binding {
                                ctx: ctx.to_vec(),
                                name,
                                target: segs.clone(),
                            });
                        }
                        r.uses.push(Written {
                            ctx: ctx.to_vec(),
                            segs,
                            glob: false,
                        });
                    }
                }
            }
            return;
        }
        let before = |k: usize| i.checked_sub(k).map(|p| &tokens[p]);
        let starts_path = matches!(tokens[i], Tok::Ident(_))
            && matches!(tokens.get(i + 1), Some(Tok::PathSep))
            && !matches!(before(1), Some(Tok::PathSep | Tok::Punct('.')))
            // `pub(in crate::a)` names a module for visibility, it imports nothing.
            && !before(1).is_some_and(|t| t.is("in"));
        if starts_path {
            let mut segs = Vec::new();
            let mut j = i;
            while let Some(Tok::Ident(s)) = tokens.get(j) {
                segs.push(s.clone());
                if tokens.get(j + 1) != Some(&Tok::PathSep) {
                    break;
                }
                j += 2;
            }
            skip_until = j + 1;
            if segs.len() > 1 {
                r.paths.push(Written {
                    ctx: ctx.to_vec(),
                    segs,
                    glob: false,
                });
            }
        }
    });
    r
}

enum Leaf {
    Glob,
    Name(String),
}

/// Reads one use tree at `*j` (after `use` or inside braces), pushing its leaves.
fn use_tree(
    tokens: &[Tok],
    j: &mut usize,
    mut prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Leaf)>,
) {
    if tokens.get(*j) == Some(&Tok::PathSep) {
        *j += 1; // `use ::std::..`: a crate, never this one
        prefix.push("::".into());
    }
    loop {
        match tokens.get(*j) {
            Some(Tok::Ident(seg)) => {
                prefix.push(seg.clone());
                *j += 1;
                if tokens.get(*j) == Some(&Tok::PathSep) {
                    *j += 1;
                    continue;
                }
                let mut name = prefix.last().cloned().unwrap_or_default();
                if tokens.get(*j).is_some_and(|t| t.is("as")) {
                    name = tokens
                        .get(*j + 1)
                        .and_then(Tok::ident)
                        .unwrap_or("_")
                        .to_owned();
                    *j += 2;
                }
                if name == "self" {
                    // `use a::{self}` binds `a`
                    prefix.pop();
                    name = prefix.last().cloned().unwrap_or_default();
                }
                out.push((prefix, Leaf::Name(name)));
                break;
            }
            Some(Tok::Punct('*')) => {
                *j += 1;
                out.push((prefix, Leaf::Glob));
                break;
            }
            Some(Tok::Punct('{')) => {
                *j += 1;
                while !matches!(tokens.get(*j), Some(Tok::Punct('}')) | None) {
                    use_tree(tokens, j, prefix.clone(), out);
                    if tokens.get(*j) == Some(&Tok::Punct(',')) {
                        *j += 1;
                    }
                }
                *j += 1;
                break;
            }
            _ => break,
        }
    }
    // The statement's end, when this was the outermost tree.
    while let Some(t) = tokens.get(*j) {
        if matches!(t, Tok::Punct(';' | ',' | '}')) {
            break;
        }
        *j += 1;
    }
}

/// The crate as a graph: files and how they are read.
pub struct Crate<'a> {
    files: &'a [File],
    readings: Vec<Reading>,
    by_module: BTreeMap<Vec<String>, usize>,
}

impl<'a> Crate<'a> {
    pub fn new(files: &'a [File]) -> Self {
        Self {
            readings: files.iter().map(|f| read_file(&f.tokens)).collect(),
            by_module: files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.module.clone(), i))
                .collect(),
            files,
        }
    }

    /// Every import between two different files, a file's own submodules aside.
    pub fn edges(&self) -> Vec<Edge> {
        let mut edges: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
        for (from, reading) in self.readings.iter().enumerate() {
            for w in reading.uses.iter().chain(&reading.paths) {
                let Some(abs) = self.absolute(from, &w.ctx, &w.segs, 0) else {
                    continue;
                };
                let Some((to, name)) = self.locate(abs, 0) else {
                    continue;
                };
                let name = match (name, w.glob) {
                    (Some(name), _) => name,
                    (None, true) => "*".to_owned(),
                    (None, false) => continue, // a module named, not used
                };
                let (f, t) = (&self.files[from].module, &self.files[to].module);
                if to != from && !t.starts_with(f) {
                    edges.entry((from, to)).or_default().insert(name);
                }
            }
        }
        edges
            .into_iter()
            .map(|((from, to), names)| Edge {
                from: self.files[from].path.clone(),
                to: self.files[to].path.clone(),
                names,
            })
            .collect()
    }

    /// `segs` as written in file `file`, inline module `ctx`, as a path from the crate root; `None`
    /// for a path into another crate or to a local item.
    fn absolute(
        &self,
        file: usize,
        ctx: &[String],
        segs: &[String],
        depth: usize,
    ) -> Option<Vec<String>> {
        let first = segs.first()?;
        let mut here = self.files[file].module.clone();
        here.extend(ctx.iter().cloned());
        let (base, rest): (Vec<String>, &[String]) = match first.as_str() {
            "crate" => (Vec::new(), &segs[1..]),
            "self" => (here, &segs[1..]),
            "super" => {
                let supers = segs.iter().take_while(|s| *s == "super").count();
                let keep = here.len().checked_sub(supers)?;
                here.truncate(keep);
                (here, &segs[supers..])
            }
            name => {
                let reading = &self.readings[file];
                // `use serde_json;` binds a crate to its own name: not a path of this crate.
                let binding = reading
                    .bindings
                    .iter()
                    .filter(|b| b.name == name && b.target != [name])
                    .min_by_key(|b| b.ctx != ctx);
                if let Some(b) = binding {
                    if depth > 8 {
                        return None;
                    }
                    let target = self.absolute(file, &b.ctx, &b.target, depth + 1)?;
                    (target, &segs[1..])
                } else if reading.modules.contains(&(ctx.to_vec(), name.to_owned())) {
                    (here, segs)
                } else {
                    return None;
                }
            }
        };
        let mut abs = base;
        abs.extend(rest.iter().cloned());
        Some(abs)
    }

    /// The file an absolute path leads to, following re-exports, with the first name used in it
    /// (`None` when the path names the file's module itself).
    fn locate(&self, abs: Vec<String>, depth: usize) -> Option<(usize, Option<String>)> {
        let (file, len) = (0..=abs.len())
            .rev()
            .find_map(|n| self.by_module.get(&abs[..n]).map(|&f| (f, n)))?;
        let Some(name) = abs.get(len) else {
            return Some((file, None));
        };
        let reexport = self.readings[file]
            .bindings
            .iter()
            .find(|b| b.ctx.is_empty() && &b.name == name);
        if let (Some(b), true) = (reexport, depth < 8) {
            if let Some(mut target) = self.absolute(file, &[], &b.target, 0) {
                target.extend(abs[len + 1..].iter().cloned());
                if let Some(found) = self.locate(target, depth + 1) {
                    return Some(found);
                }
            }
        }
        Some((file, Some(name.clone())))
    }
}

/// Groups of files that import each other (strongly connected, more than one file), each
/// sorted, in a stable order.
pub fn circles(edges: &[Edge]) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in edges {
        next.entry(&e.from).or_default().push(&e.to);
        next.entry(&e.to).or_default();
    }
    let reach = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(n) = todo.pop() {
            for &m in &next[n] {
                if seen.insert(m) {
                    todo.push(m);
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&str, BTreeSet<&str>> = next.keys().map(|&n| (n, reach(n))).collect();
    let mut out: BTreeSet<Vec<String>> = BTreeSet::new();
    for (&n, from_n) in &reach {
        let group: Vec<String> = from_n
            .iter()
            .filter(|&&m| reach[m].contains(n))
            .map(|m| m.to_string())
            .collect();
        if group.len() > 1 {
            out.insert(group);
        }
    }
    out.into_iter().collect()
}
