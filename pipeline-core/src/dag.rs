//! The task graph of a Pipeline's `tasks` (petgraph), built from `runAfter` and from result
//! references, with Tekton's cycle and unknown-task errors, scheduling questions and levels.
//!
//! ```
//! use pipeline_core::dag::Dag;
//! let dag = Dag::build(&[
//!     ("clone".to_string(), vec![]),
//!     ("test".to_string(), vec!["clone".to_string()]),
//!     ("lint".to_string(), vec!["clone".to_string()]),
//! ]).unwrap();
//! assert_eq!(dag.levels(), vec![vec!["clone"], vec!["lint", "test"]]);
//! assert_eq!(dag.candidates(&["clone"]).unwrap(), ["lint", "test"].into_iter().map(String::from).collect());
//! ```

use std::collections::{BTreeSet, HashMap};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::Error;
use crate::model::PipelineTask;
use crate::substitute::{Var, parse, references};

/// Why a graph cannot be built. `Display` gives Tekton's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DagError {
    /// A cycle; names the alphabetically first task left in it and its remaining deps.
    Cycle {
        /// The task.
        task: String,
        /// Its dependencies inside the cycle, sorted.
        deps: Vec<String>,
    },
    /// A dependency on a task that is not in the graph.
    UnknownTask {
        /// The dependent task.
        task: String,
        /// The missing task.
        missing: String,
    },
}

impl std::fmt::Display for DagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DagError::Cycle { task, deps } => {
                let deps: Vec<String> = deps.iter().map(|d| format!("{d:?}")).collect();
                write!(
                    f,
                    "cycle detected; task {task:?} depends on {}",
                    deps.join(", ")
                )
            }
            DagError::UnknownTask { task, missing } => write!(
                f,
                "couldn't add link between {task} and {missing}: task {task} depends on {missing} but {missing} wasn't present in Pipeline"
            ),
        }
    }
}

/// Strings of a pipeline task where references may appear (params, matrix, when, embedded spec).
pub fn task_strings(pt: &PipelineTask) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for p in &pt.params {
        out.extend(p.value.strings());
    }
    if let Some(m) = &pt.matrix {
        for p in &m.params {
            out.extend(p.value.strings());
        }
        for inc in &m.include {
            for p in &inc.params {
                out.extend(p.value.strings());
            }
        }
    }
    for w in &pt.when {
        out.push(&w.input);
        out.push(&w.cel);
        out.extend(w.values.iter().map(String::as_str));
    }
    if let Some(spec) = &pt.task_spec {
        for s in &spec.steps {
            out.push(&s.script);
            out.push(&s.image);
            out.push(&s.working_dir);
            out.extend(s.command.iter().map(String::as_str));
            out.extend(s.args.iter().map(String::as_str));
            out.extend(s.env.iter().map(|e| e.value.as_str()));
        }
    }
    out
}

/// The tasks whose results `pt` references (`$(tasks.X.results.…)`), in order of appearance.
pub fn result_refs(pt: &PipelineTask) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in task_strings(pt) {
        for r in references(s) {
            if let Var::TaskResult { task, result, .. } = parse(r.expr) {
                out.push((task.to_string(), result.to_string()));
            }
        }
    }
    out
}

/// A task's dependencies: result references plus `runAfter`, sorted and deduplicated.
pub fn task_deps(pt: &PipelineTask) -> Vec<String> {
    let mut deps: BTreeSet<String> = result_refs(pt).into_iter().map(|(t, _)| t).collect();
    deps.extend(pt.run_after.iter().cloned());
    deps.into_iter().collect()
}

/// A built task graph. Node `i` is the `i`-th task given to [`Dag::build`].
#[derive(Debug, Clone)]
pub struct Dag {
    graph: DiGraph<(), ()>,
    names: Vec<String>,
    index: HashMap<String, usize>,
    prev: Vec<Vec<usize>>,
    next: Vec<Vec<usize>>,
    topo: Vec<usize>,
}

impl Dag {
    /// Builds the graph of `(task, deps)`: first the cycle check (Tekton's Kahn walk), then
    /// the links (a dependency on an unknown task is an error). Duplicate names keep the first.
    pub fn build(tasks: &[(String, Vec<String>)]) -> Result<Dag, DagError> {
        let mut index = HashMap::with_capacity(tasks.len());
        let mut names = Vec::with_capacity(tasks.len());
        for (name, _) in tasks {
            if !index.contains_key(name) {
                index.insert(name.clone(), names.len());
                names.push(name.clone());
            }
        }
        find_cycle(tasks)?;
        let n = names.len();
        let mut graph = DiGraph::with_capacity(n, tasks.len() * 2);
        for _ in 0..n {
            graph.add_node(());
        }
        let mut prev = vec![Vec::new(); n];
        let mut next = vec![Vec::new(); n];
        let mut linked = vec![false; n];
        for (name, deps) in tasks {
            let Some(&to) = index.get(name) else { continue };
            if std::mem::replace(linked.get_mut(to).unwrap_or(&mut true), true) {
                continue;
            }
            for dep in deps {
                let Some(&from) = index.get(dep) else {
                    return Err(DagError::UnknownTask {
                        task: name.clone(),
                        missing: dep.clone(),
                    });
                };
                if prev.get(to).is_some_and(|p: &Vec<usize>| p.contains(&from)) {
                    continue;
                }
                graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
                if let Some(p) = prev.get_mut(to) {
                    p.push(from);
                }
                if let Some(nx) = next.get_mut(from) {
                    nx.push(to);
                }
            }
        }
        let topo = petgraph::algo::toposort(&graph, None)
            .map(|order| order.into_iter().map(NodeIndex::index).collect())
            .unwrap_or_else(|_| (0..n).collect());
        Ok(Dag {
            graph,
            names,
            index,
            prev,
            next,
            topo,
        })
    }

    /// Builds the graph of a Pipeline's DAG tasks.
    pub fn from_tasks(tasks: &[PipelineTask]) -> Result<Dag, DagError> {
        let list: Vec<(String, Vec<String>)> = tasks
            .iter()
            .map(|t| (t.name.clone(), task_deps(t)))
            .collect();
        Dag::build(&list)
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no tasks.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The petgraph graph (edges point from a dependency to its dependent).
    pub fn graph(&self) -> &DiGraph<(), ()> {
        &self.graph
    }

    /// Name of node `i`.
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }

    /// Node of a task name.
    pub fn node(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Direct dependencies of node `i`.
    pub fn prev(&self, i: usize) -> &[usize] {
        self.prev.get(i).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Direct dependents of node `i`.
    pub fn next(&self, i: usize) -> &[usize] {
        self.next.get(i).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Nodes in a topological order.
    pub fn topological(&self) -> &[usize] {
        &self.topo
    }

    /// Direct dependencies of a task by name, sorted.
    pub fn deps(&self, name: &str) -> Vec<String> {
        let mut d: Vec<String> = self
            .node(name)
            .map(|i| {
                self.graph
                    .neighbors_directed(NodeIndex::new(i), Direction::Incoming)
                    .map(|n| self.name(n.index()).to_string())
                    .collect()
            })
            .unwrap_or_default();
        d.sort();
        d
    }

    /// Longest-path layers: roots first; each layer sorted by name.
    pub fn levels(&self) -> Vec<Vec<&str>> {
        let mut level = vec![0usize; self.len()];
        for &i in &self.topo {
            let l = self
                .prev(i)
                .iter()
                .map(|&p| level.get(p).copied().unwrap_or(0) + 1)
                .max()
                .unwrap_or(0);
            if let Some(slot) = level.get_mut(i) {
                *slot = l;
            }
        }
        let depth = level.iter().copied().max().map_or(0, |m| m + 1);
        let mut out: Vec<Vec<&str>> = vec![Vec::new(); if self.is_empty() { 0 } else { depth }];
        for (i, l) in level.iter().enumerate() {
            if let Some(layer) = out.get_mut(*l) {
                layer.push(self.name(i));
            }
        }
        for layer in &mut out {
            layer.sort_unstable();
        }
        out
    }

    /// Tekton's `GetCandidateTasks`: the tasks that may start once `done` have finished.
    /// Errors when a task is listed as done while an ancestor is not.
    pub fn candidates(&self, done: &[&str]) -> Result<BTreeSet<String>, Error> {
        let done_set: Vec<bool> = (0..self.len())
            .map(|i| done.contains(&self.name(i)))
            .collect();
        let is_done = |i: usize| done_set.get(i).copied().unwrap_or(false);
        let mut visited = vec![false; self.len()];
        let mut out = BTreeSet::new();
        let mut stack: Vec<usize> = (0..self.len())
            .filter(|&i| self.prev(i).is_empty())
            .collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(visited.get_mut(i).unwrap_or(&mut true), true) {
                continue;
            }
            if is_done(i) {
                stack.extend(self.next(i).iter().copied());
            } else if self.prev(i).iter().all(|&p| is_done(p)) {
                out.insert(self.name(i).to_string());
            }
        }
        let not_visited: Vec<String> = done
            .iter()
            .filter(|d| {
                self.node(d)
                    .is_none_or(|i| !visited.get(i).copied().unwrap_or(false))
            })
            .map(|d| d.to_string())
            .collect();
        if !not_visited.is_empty() {
            return Err(Error::InvalidDoneTasks(not_visited));
        }
        Ok(out)
    }
}

/// Tekton's cycle check: Kahn's walk over the dependency map; what is left is reported by its
/// alphabetically first task.
fn find_cycle(tasks: &[(String, Vec<String>)]) -> Result<(), DagError> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    fn id<'a>(s: &'a str, ids: &mut HashMap<&'a str, usize>, names: &mut Vec<&'a str>) -> usize {
        *ids.entry(s).or_insert_with(|| {
            names.push(s);
            names.len() - 1
        })
    }
    let mut deps_of: Vec<BTreeSet<usize>> = Vec::new();
    let mut has_entry: Vec<bool> = Vec::new();
    for (name, deps) in tasks {
        let t = id(name.as_str(), &mut ids, &mut names);
        let ds: Vec<usize> = deps
            .iter()
            .map(|d| id(d.as_str(), &mut ids, &mut names))
            .collect();
        let len = names.len();
        deps_of.resize(len, BTreeSet::new());
        has_entry.resize(len, false);
        if deps.is_empty() {
            continue;
        }
        if let Some(set) = deps_of.get_mut(t) {
            // Later duplicates overwrite earlier entries, as in a Go map.
            *set = ds.into_iter().collect();
        }
        if let Some(h) = has_entry.get_mut(t) {
            *h = true;
        }
    }
    let n = names.len();
    deps_of.resize(n, BTreeSet::new());
    has_entry.resize(n, false);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut remaining: Vec<usize> = vec![0; n];
    let mut ready: Vec<usize> = Vec::new();
    for t in 0..n {
        let ds = deps_of.get(t).cloned().unwrap_or_default();
        if let Some(r) = remaining.get_mut(t) {
            *r = ds.len();
        }
        for d in ds {
            if let Some(c) = children.get_mut(d) {
                c.push(t);
            }
        }
        if !has_entry.get(t).copied().unwrap_or(false) {
            ready.push(t);
        }
    }
    while let Some(p) = ready.pop() {
        for &c in children.get(p).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(r) = remaining.get_mut(c) {
                *r = r.saturating_sub(1);
                if *r == 0 {
                    ready.push(c);
                }
            }
        }
    }
    let first = (0..n)
        .filter(|&t| remaining.get(t).copied().unwrap_or(0) > 0)
        .min_by_key(|&t| names.get(t).copied().unwrap_or(""));
    let Some(t) = first else { return Ok(()) };
    // Dependencies still unresolved: those whose own walk did not finish.
    let mut deps: Vec<String> = deps_of
        .get(t)
        .map(|ds| {
            ds.iter()
                .filter(|&&d| remaining.get(d).copied().unwrap_or(0) > 0)
                .map(|&d| names.get(d).copied().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    deps.sort();
    Err(DagError::Cycle {
        task: names.get(t).copied().unwrap_or("").to_string(),
        deps,
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    fn d(list: &[(&str, &[&str])]) -> Result<Dag, DagError> {
        let v: Vec<(String, Vec<String>)> = list
            .iter()
            .map(|(n, ds)| (n.to_string(), ds.iter().map(|s| s.to_string()).collect()))
            .collect();
        Dag::build(&v)
    }

    type Graph<'a> = &'a [(&'a str, &'a [&'a str])];

    #[test]
    fn cycle_messages() {
        let cases: &[(Graph<'_>, &str)] = &[
            (
                &[("foo", &["bar"]), ("bar", &["foo"])],
                "cycle detected; task \"bar\" depends on \"foo\"",
            ),
            (
                &[("a", &["a"])],
                "cycle detected; task \"a\" depends on \"a\"",
            ),
            (
                &[("a", &["b"]), ("b", &["c"]), ("c", &["a"]), ("x", &[])],
                "task \"a\" depends on \"b\"",
            ),
        ];
        for (list, want) in cases {
            let e = d(list).unwrap_err().to_string();
            assert!(e.contains(want), "{e} vs {want}");
        }
    }

    #[test]
    fn unknown_dependency() {
        let e = d(&[("a", &["none"])]).unwrap_err().to_string();
        assert_eq!(
            e,
            "couldn't add link between a and none: task a depends on none but none wasn't present in Pipeline"
        );
    }

    #[test]
    fn candidates_and_levels() {
        let g = d(&[("a", &[]), ("b", &["a"]), ("c", &["a", "b"])]).unwrap();
        assert_eq!(
            g.candidates(&[]).unwrap().into_iter().collect::<Vec<_>>(),
            ["a"]
        );
        assert_eq!(
            g.candidates(&["a"])
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            ["b"]
        );
        assert!(g.candidates(&["b"]).is_err());
        assert_eq!(g.levels(), vec![vec!["a"], vec!["b"], vec!["c"]]);
    }
}
