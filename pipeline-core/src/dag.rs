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
use std::hash::{BuildHasherDefault, Hasher};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::Error;
use crate::model::PipelineTask;
use crate::substitute::{Var, parse, references};

/// Why a graph cannot be built. `Display` gives Tekton's message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

/// The tasks whose results `pt` references (`$(tasks.X.results.…)`), as `(task, result)` in
/// order of appearance.
pub fn result_refs(pt: &PipelineTask) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for s in task_strings(pt) {
        if !s.contains("$(") {
            continue;
        }
        for r in references(s) {
            if let Var::TaskResult { task, result, .. } = parse(r.expr) {
                out.push((task, result));
            }
        }
    }
    out
}

fn task_deps_borrowed(pt: &PipelineTask) -> Vec<&str> {
    let mut deps: Vec<&str> = result_refs(pt).into_iter().map(|(t, _)| t).collect();
    deps.extend(pt.run_after.iter().map(String::as_str));
    deps.sort_unstable();
    deps.dedup();
    deps
}

/// A task's dependencies: result references plus `runAfter`, sorted and deduplicated.
pub fn task_deps(pt: &PipelineTask) -> Vec<String> {
    task_deps_borrowed(pt)
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// FNV-1a, a fast hasher for the short task names used as map keys here.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// A built task graph. Node `i` is the `i`-th task given to [`Dag::build`].
#[derive(Debug, Clone)]
pub struct Dag {
    graph: DiGraph<(), ()>,
    names: Vec<String>,
    index: FnvMap<String, usize>,
    prev: Vec<Vec<usize>>,
    next: Vec<Vec<usize>>,
    topo: Vec<usize>,
    refs: Vec<Vec<(usize, String)>>,
}

impl Dag {
    /// Builds the graph of `(task, deps)`: first the cycle check (Tekton's Kahn walk), then
    /// the links (a dependency on an unknown task is an error). Duplicate names keep the first.
    pub fn build(tasks: &[(String, Vec<String>)]) -> Result<Dag, DagError> {
        let borrowed: Vec<(&str, Vec<&str>)> = tasks
            .iter()
            .map(|(n, d)| (n.as_str(), d.iter().map(String::as_str).collect()))
            .collect();
        Dag::build_borrowed(&borrowed)
    }

    fn build_borrowed(tasks: &[(&str, Vec<&str>)]) -> Result<Dag, DagError> {
        let mut index: FnvMap<String, usize> = FnvMap::default();
        index.reserve(tasks.len());
        let mut names: Vec<String> = Vec::with_capacity(tasks.len());
        let mut first: Vec<usize> = Vec::with_capacity(tasks.len());
        for (k, (name, _)) in tasks.iter().enumerate() {
            if !index.contains_key(*name) {
                index.insert((*name).to_string(), names.len());
                names.push((*name).to_string());
                first.push(k);
            }
        }
        let n = names.len();
        // Known dependencies per node (unknown ones are reported after the cycle check).
        let mut prev: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (node, &k) in first.iter().enumerate() {
            let Some((_, deps)) = tasks.get(k) else {
                continue;
            };
            if let Some(p) = prev.get_mut(node) {
                p.extend(deps.iter().filter_map(|d| index.get(*d).copied()));
                p.sort_unstable();
                p.dedup();
            }
        }
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (to, ps) in prev.iter().enumerate() {
            for &from in ps {
                if let Some(nx) = next.get_mut(from) {
                    nx.push(to);
                }
            }
        }
        let topo = kahn(&names, &prev, &next)?;
        for &k in &first {
            let Some((name, deps)) = tasks.get(k) else {
                continue;
            };
            if let Some(missing) = deps.iter().find(|d| !index.contains_key(**d)) {
                return Err(DagError::UnknownTask {
                    task: (*name).to_string(),
                    missing: (*missing).to_string(),
                });
            }
        }
        let edges: usize = prev.iter().map(Vec::len).sum();
        let mut graph = DiGraph::with_capacity(n, edges);
        for _ in 0..n {
            graph.add_node(());
        }
        for (to, ps) in prev.iter().enumerate() {
            for &from in ps {
                graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
            }
        }
        Ok(Dag {
            graph,
            names,
            index,
            prev,
            next,
            topo,
            refs: Vec::new(),
        })
    }

    /// Builds the graph of a Pipeline's DAG tasks.
    pub fn from_tasks(tasks: &[PipelineTask]) -> Result<Dag, DagError> {
        let refs: Vec<Vec<(&str, &str)>> = tasks.iter().map(result_refs).collect();
        let list: Vec<(&str, Vec<&str>)> = tasks
            .iter()
            .zip(&refs)
            .map(|(t, r)| {
                let mut deps: Vec<&str> = r.iter().map(|(task, _)| *task).collect();
                deps.extend(t.run_after.iter().map(String::as_str));
                deps.sort_unstable();
                deps.dedup();
                (t.name.as_str(), deps)
            })
            .collect();
        let mut dag = Dag::build_borrowed(&list)?;
        dag.refs = refs
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .filter_map(|(t, res)| dag.node(t).map(|i| (i, res.to_string())))
                    .collect()
            })
            .collect();
        Ok(dag)
    }

    /// The result references of node `i` (built by [`Dag::from_tasks`]): (task node, result).
    pub fn result_refs(&self, i: usize) -> &[(usize, String)] {
        self.refs.get(i).map(Vec::as_slice).unwrap_or(&[])
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

/// Tekton's cycle check, which is also the topological order: Kahn's walk over the
/// dependencies; what is left is reported by its alphabetically first task, with its
/// dependencies still unresolved.
fn kahn(
    names: &[String],
    prev: &[Vec<usize>],
    next: &[Vec<usize>],
) -> Result<Vec<usize>, DagError> {
    let n = names.len();
    let mut remaining: Vec<usize> = prev.iter().map(Vec::len).collect();
    let mut order: Vec<usize> = (0..n).filter(|&t| remaining.get(t) == Some(&0)).collect();
    let mut head = 0;
    while let Some(&p) = order.get(head) {
        head += 1;
        for &c in next.get(p).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(r) = remaining.get_mut(c) {
                *r = r.saturating_sub(1);
                if *r == 0 {
                    order.push(c);
                }
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    let stuck = |t: usize| remaining.get(t).copied().unwrap_or(0) > 0;
    let name = |t: usize| names.get(t).map(String::as_str).unwrap_or("");
    let Some(t) = (0..n).filter(|&t| stuck(t)).min_by_key(|&t| name(t)) else {
        return Ok(order);
    };
    let mut deps: Vec<String> = prev
        .get(t)
        .map(|ps| {
            ps.iter()
                .filter(|&&d| stuck(d))
                .map(|&d| name(d).to_string())
                .collect()
        })
        .unwrap_or_default();
    deps.sort();
    Err(DagError::Cycle {
        task: name(t).to_string(),
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
