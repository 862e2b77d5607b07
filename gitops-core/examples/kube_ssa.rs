//! Measures reconciling N ConfigMaps through server-side apply with [`KubeStore`]: create,
//! re-apply unchanged, prune. Prints objects per second and API requests per object. Then
//! one changed Deployment: reconcile-to-ready latency (the API server alone has no
//! deployment controller, so this program plays it: it patches the status as soon as its
//! watch sees the new generation), and drift repair: an inventory object deleted, the watch
//! event, the re-apply.
//!
//! `cargo run --release -p gitops-core --features kube --example kube_ssa -- KUBECONFIG [N]`

use gitops_core::plan::ActionKind;
use std::time::Instant;

use gitops_core::object::ResId;
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
    deployment_latency(&mut store, ns)?;
    Ok(())
}

fn deployment(ns: &str, image: &str) -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "web", "namespace": ns, "labels": {"app": "web"}},
      "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
          "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

/// Plays the deployment controller for `web` in its own store: marks every new
/// generation rolled out.
fn fake_rollout(store: &KubeStore, id: &ResId) -> Result<(), Box<dyn std::error::Error>> {
    let Some(live) = store.get(id)? else {
        return Ok(());
    };
    let generation = live
        .pointer("/metadata/generation")
        .cloned()
        .unwrap_or(json!(1));
    let replicas = live.pointer("/spec/replicas").cloned().unwrap_or(json!(1));
    store.apply_status(
        id,
        "apps/v1",
        &json!({"observedGeneration": generation, "replicas": replicas,
                "readyReplicas": replicas, "updatedReplicas": replicas,
                "availableReplicas": replicas}),
    )?;
    Ok(())
}

fn deployment_latency(store: &mut KubeStore, ns: &str) -> Result<(), Box<dyn std::error::Error>> {
    use gitops_core::reconcile::{Health, HealthChecker, StatusHealth};
    use std::time::Duration;
    let owner = "Kustomization/flux-system/web";
    let id = ResId::new("apps", "Deployment", ns, "web");
    apply_objects(owner, &[deployment(ns, "nginx:1.26")], true, store).map_err(|(_, _, e)| e)?;
    let kubeconfig = std::env::args().nth(1).unwrap_or_default();
    let controller = KubeStore::from_kubeconfig(
        kubeconfig.as_ref(),
        KubeStoreOptions::default().field_manager("kube-controller-manager"),
    )?;
    fake_rollout(&controller, &id)?;
    let watch = controller.watch_inventories(&[owner])?;
    for round in 0..5 {
        let image = format!("nginx:1.27.{round}");
        let before = store.requests();
        let t = Instant::now();
        apply_objects(owner, &[deployment(ns, &image)], true, store).map_err(|(_, _, e)| e)?;
        let applied = t.elapsed();
        // The "controller" hears the change through its watch and rolls it out.
        while let Some(c) = watch.recv_timeout(Duration::from_secs(10)) {
            if c?.id == id {
                break;
            }
        }
        fake_rollout(&controller, &id)?;
        let mut polls = 0;
        loop {
            polls += 1;
            let live = store.get(&id)?.ok_or("deployment vanished")?;
            if StatusHealth.health(&live) == Health::Current {
                break;
            }
        }
        println!(
            "deployment: image change applied in {:.1} ms ({} requests), Ready after {:.1} ms ({polls} health reads)",
            applied.as_secs_f64() * 1e3,
            store.requests() - before,
            t.elapsed().as_secs_f64() * 1e3,
        );
        while watch.try_recv().is_some() {}
    }
    // Drift repair: someone deletes the Deployment; the watch wakes the owner, which
    // re-applies.
    for _ in 0..5 {
        while watch.try_recv().is_some() {}
        let t = Instant::now();
        store.delete(&id)?;
        let heard = loop {
            match watch.recv_timeout(Duration::from_secs(10)) {
                Some(Ok(c)) if c.id == id && c.owners.iter().any(|o| o == owner) => {
                    break t.elapsed();
                }
                Some(_) => {}
                None => return Err("no watch event within 10 s".into()),
            }
        };
        apply_objects(owner, &[deployment(ns, "nginx:1.27.4")], true, store)
            .map_err(|(_, _, e)| e)?;
        println!(
            "drift: delete heard after {:.1} ms, object back after {:.1} ms",
            heard.as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}
