//! Measures reconciling N ConfigMaps through server-side apply with [`KubeStore`]: create,
//! re-apply unchanged, prune. Prints objects per second and API requests per object.
//!
//! `cargo run --release -p gitops-core --features kube --example kube_ssa -- KUBECONFIG [N]`

use gitops_core::plan::ActionKind;
use std::time::Instant;

use gitops_core::reconcile::apply_objects;
use gitops_core::store::{ClusterStore, KubeStore, KubeStoreOptions};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let kubeconfig = args.next().ok_or("usage: kube_ssa KUBECONFIG [N]")?;
    let n: usize = args.next().map_or(Ok(1000), |s| s.parse())?;
    let mut store = KubeStore::from_kubeconfig(kubeconfig.as_ref(), KubeStoreOptions::default())?;
    let ns = "kube-ssa-bench";
    store.apply(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))?;
    let objs: Vec<_> = (0..n)
        .map(|i| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": format!("cm-{i:05}"), "namespace": ns},
                   "data": {"index": i.to_string()}})
        })
        .collect();
    let owner = "Kustomization/flux-system/bench";
    let step = |label: &str, desired: &[serde_json::Value], store: &mut KubeStore| {
        let before = store.requests();
        let t = Instant::now();
        let result = apply_objects(owner, desired, true, store);
        let secs = t.elapsed().as_secs_f64();
        let reqs = store.requests() - before;
        match result {
            Ok((plan, _)) => println!(
                "{label:>10}: {n} objects in {secs:.2}s = {:.0} objects/s, {reqs} requests = {:.2} requests/object ({} created, {} unchanged, {} pruned)",
                n as f64 / secs,
                reqs as f64 / n as f64,
                plan.count(ActionKind::Create),
                plan.count(ActionKind::Unchanged),
                plan.count(ActionKind::Prune),
            ),
            Err((_, _, e)) => println!("{label}: {e}"),
        }
    };
    step("create", &objs, &mut store);
    step("unchanged", &objs, &mut store);
    step("prune", &[], &mut store);
    Ok(())
}
