//! Name references: after names changed (prefix, suffix, hash, patches), fields that name
//! other objects (ConfigMap volumes, roleRef, subjects, scaleTargetRef ...) follow them.

use crate::error::Error;
use crate::fieldspec::{self, NameRef};
use crate::resid::{Gvk, ResId};
use crate::resid::{KustomizeId as _, KustomizeScope as _};
use crate::resource::{Resource, as_map};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// What the fix-up needs to know about a possible referral.
struct Candidate {
    id: ResId,
    prev: Vec<ResId>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Candidate {
    fn cluster_scoped(&self) -> bool {
        self.id.gvk.kustomize_cluster_scoped()
    }
}

struct Ctx<'a> {
    candidates: &'a [Candidate],
    /// Indices of `candidates` by each of their previous names.
    by_name: &'a HashMap<&'a str, Vec<usize>>,
    referrer: &'a Candidate,
    referrer_subject_namespaces: &'a BTreeSet<String>,
    referred: &'a Gvk,
    path: String,
    role_ref: Option<Gvk>,
}

impl Ctx<'_> {
    /// Candidates a referrer can see: cluster-scoped ones, those of its namespace, and for
    /// a RoleBinding those of its ServiceAccount subjects' namespaces.
    fn visible(&self, c: &Candidate) -> bool {
        self.referrer.cluster_scoped()
            || c.cluster_scoped()
            || c.id.ns_equals(&self.referrer.id)
            || self.referrer_subject_namespaces.contains(&c.id.namespace)
    }

    fn select(
        &self,
        old: &str,
        pool: &[&Candidate],
        same: impl Fn(&[&Candidate]) -> bool,
    ) -> Result<Option<usize>, Error> {
        let mut list: Vec<&Candidate> = pool
            .iter()
            .copied()
            .filter(|c| c.prev.iter().any(|id| id.name == old))
            .filter(|c| c.prev.iter().any(|id| id.gvk.is_selected_by(self.referred)))
            .filter(|c| {
                self.role_ref
                    .as_ref()
                    .is_none_or(|g| c.prev.iter().any(|id| id.gvk.is_selected_by(g)))
            })
            .filter(|c| {
                self.referrer.cluster_scoped()
                    || c.cluster_scoped()
                    || c.id.gvk.kind == "ServiceAccount"
                    || self.referrer.id.ns_equals(&c.id)
            })
            .collect();
        if list.len() != 1 {
            // As kustomize: first with an empty prefix (suffix) list on either side matching
            // any, then, if still ambiguous, strictly.
            let loose =
                |a: &[String], b: &[String]| a.is_empty() || b.is_empty() || same_ending(a, b);
            list.retain(|c| {
                loose(&c.prefixes, &self.referrer.prefixes)
                    && loose(&c.suffixes, &self.referrer.suffixes)
            });
            if list.len() > 1 {
                list.retain(|c| {
                    same_ending(&c.prefixes, &self.referrer.prefixes)
                        && same_ending(&c.suffixes, &self.referrer.suffixes)
                });
            }
        }
        let index_of = |c: &Candidate| self.candidates.iter().position(|x| std::ptr::eq(x, c));
        match list.as_slice() {
            [] => Ok(None),
            [one] => Ok(index_of(one)),
            many if same(many) => Ok(many.first().and_then(|c| index_of(c))),
            many => Err(Error::NameReference {
                referrer: self.referrer.id.to_string(),
                path: self.path.clone(),
                candidates: many
                    .iter()
                    .map(|c| c.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Visible candidates that once had the name `old`.
    fn named(&self, old: &str) -> Vec<&Candidate> {
        self.by_name
            .get(old)
            .map(|ix| {
                ix.iter()
                    .filter_map(|&i| self.candidates.get(i))
                    .filter(|c| self.visible(c))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn set_scalar(&self, node: &mut Value) -> Result<(), Error> {
        let Some(old) = node.as_str() else {
            return Ok(());
        };
        let pool = self.named(old);
        let same = |l: &[&Candidate]| {
            l.iter()
                .all(|c| l.first().is_some_and(|f| f.id.name == c.id.name))
        };
        if let Some(c) = self
            .select(old, &pool, same)?
            .and_then(|i| self.candidates.get(i))
        {
            *node = Value::String(c.id.name.clone());
        }
        Ok(())
    }

    fn set_mapping(&self, node: &mut Value) -> Result<(), Error> {
        let Some(old) = node.get("name").and_then(Value::as_str).map(str::to_string) else {
            return Ok(());
        };
        let visible = self.named(&old);
        let pool: Vec<&Candidate> = match node.get("namespace").and_then(Value::as_str) {
            None => visible,
            Some(ns) => {
                // Compared as the API server sees them: an unset namespace is `default`
                // (a Helm chart's ServiceAccount subject says `namespace: default`).
                let eff = |s: &str| if s.is_empty() { "default" } else { s }.to_string();
                let ns = eff(ns);
                let by_org: Vec<&Candidate> = visible
                    .iter()
                    .copied()
                    .filter(|c| eff(&c.prev.first().unwrap_or(&c.id).namespace) == ns)
                    .collect();
                if by_org.is_empty() {
                    visible
                        .into_iter()
                        .filter(|c| eff(&c.id.namespace) == ns)
                        .collect()
                } else {
                    by_org
                }
            }
        };
        let same = |l: &[&Candidate]| {
            l.iter().all(|c| {
                l.first()
                    .is_some_and(|f| f.id.name == c.id.name && f.id.namespace == c.id.namespace)
            })
        };
        let Some(c) = self
            .select(&old, &pool, same)?
            .and_then(|i| self.candidates.get(i))
        else {
            return Ok(());
        };
        if c.id.name == old && c.id.namespace.is_empty() {
            return Ok(());
        }
        let m = as_map(node);
        m.insert("name".into(), Value::String(c.id.name.clone()));
        if !c.id.namespace.is_empty() {
            m.insert("namespace".into(), Value::String(c.id.namespace.clone()));
        }
        Ok(())
    }

    fn set(&self, node: &mut Value) -> Result<(), Error> {
        match node {
            Value::String(_) => self.set_scalar(node),
            Value::Object(_) => self.set_mapping(node),
            Value::Array(items) => {
                for item in items.iter_mut() {
                    match item {
                        Value::String(_) => self.set_scalar(item)?,
                        Value::Object(_) => self.set_mapping(item)?,
                        _ => {}
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Whether one list ends with the other (two empty lists are equal; one empty list is not).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

fn subject_namespaces(obj: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if obj.get("kind").and_then(Value::as_str) != Some("RoleBinding") {
        return out;
    }
    if let Some(Value::Array(subjects)) = obj.get("subjects") {
        for s in subjects {
            if s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                && let Some(ns) = s.get("namespace").and_then(Value::as_str)
            {
                out.insert(ns.to_string());
            }
        }
    }
    out
}

fn role_ref_gvk(obj: &Value) -> Option<Gvk> {
    let r = obj.get("roleRef")?;
    Some(Gvk {
        group: r.get("apiGroup")?.as_str()?.to_string(),
        version: String::new(),
        kind: r.get("kind")?.as_str()?.to_string(),
    })
}

/// Updates every name reference of `refs` in `resources`.
pub fn apply(resources: &mut [Resource], refs: &[NameRef]) -> Result<(), Error> {
    // As kustomize: a RoleBinding's ServiceAccount subject whose namespace is there but not
    // a string is refused.
    for r in resources.iter() {
        if r.gvk().kind != "RoleBinding" {
            continue;
        }
        let blank = r
            .obj
            .get("subjects")
            .and_then(Value::as_array)
            .is_some_and(|subjects| {
                subjects.iter().any(|s| {
                    s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                        && s.get("namespace").is_some_and(|ns| !ns.is_string())
                })
            });
        if blank {
            return Err(Error::Resource {
                file: r.origin.clone(),
                doc: 0,
                message: format!(
                    "Invalid Input: namespace is blank for resource {:?}",
                    r.id().to_string()
                ),
            });
        }
    }
    let candidates: Vec<Candidate> = resources
        .iter()
        .map(|r| Candidate {
            id: r.id(),
            prev: r.prev.clone(),
            prefixes: r.prefixes.clone(),
            suffixes: r.suffixes.clone(),
        })
        .collect();
    // Only objects that were renamed can be the target of a fix-up: per referred kind, the
    // renamed objects that once were of that kind.
    let mut pools: HashMap<&Gvk, Vec<&Candidate>> = HashMap::new();
    for nr in refs {
        pools.entry(&nr.referred).or_insert_with(|| {
            candidates
                .iter()
                .filter(|c| c.prev.iter().any(|id| id.gvk.is_selected_by(&nr.referred)))
                .collect()
        });
    }
    let owned: HashMap<&Gvk, Vec<Candidate>> = pools
        .into_iter()
        .map(|(g, list)| {
            let v = list
                .into_iter()
                .map(|c| Candidate {
                    id: c.id.clone(),
                    prev: c.prev.clone(),
                    prefixes: c.prefixes.clone(),
                    suffixes: c.suffixes.clone(),
                })
                .collect();
            (g, v)
        })
        .collect();
    let indexes: HashMap<&Gvk, HashMap<&str, Vec<usize>>> = owned
        .iter()
        .map(|(g, pool)| {
            let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, c) in pool.iter().enumerate() {
                for id in &c.prev {
                    let e = m.entry(id.name.as_str()).or_default();
                    if e.last() != Some(&i) {
                        e.push(i);
                    }
                }
            }
            (*g, m)
        })
        .collect();
    let gvks: Vec<Gvk> = candidates.iter().map(|c| c.id.gvk.clone()).collect();
    for nr in refs {
        let (Some(pool), Some(by_name)) = (owned.get(&nr.referred), indexes.get(&nr.referred))
        else {
            continue;
        };
        if pool.is_empty() {
            continue;
        }
        let path = nr.field.path_string();
        let role_ref_path = path.ends_with("roleRef/name");
        for (i, r) in resources.iter_mut().enumerate() {
            if !gvks.get(i).is_some_and(|g| g.is_selected_by(&nr.field.gvk)) {
                continue;
            }
            let Some(me) = candidates.get(i) else {
                continue;
            };
            let subject_ns = subject_namespaces(&r.obj);
            let ctx = Ctx {
                candidates: pool,
                by_name,
                referrer: me,
                referrer_subject_namespaces: &subject_ns,
                referred: &nr.referred,
                path: path.clone(),
                role_ref: if role_ref_path {
                    role_ref_gvk(&r.obj)
                } else {
                    None
                },
            };
            fieldspec::walk(&mut r.obj, &nr.field.path, false, &mut |node| ctx.set(node))?;
        }
    }
    Ok(())
}
