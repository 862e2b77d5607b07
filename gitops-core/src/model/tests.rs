use super::*;

#[test]
fn upstream_examples_parse() {
    let text = r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 5m0s
  url: https://github.com/stefanprodan/podinfo
  ref:
    semver: ">=6.0.0 <7.0.0"
  ignore: |
    /*
    !/deploy
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 10m
  targetNamespace: default
  dependsOn:
    - name: infra
  sourceRef:
    kind: GitRepository
    name: podinfo
  path: "./kustomize"
  prune: true
  timeout: 1m
  wait: true
  healthChecks:
    - apiVersion: apps/v1
      kind: Deployment
      name: podinfo
      namespace: default
  postBuild:
    substitute:
      cluster_env: "prod"
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
        optional: true
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageUpdateAutomation
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 30m
  sourceRef:
    kind: GitRepository
    name: flux-system
  git:
    checkout:
      ref:
        branch: main
    commit:
      author:
        email: fluxcdbot@users.noreply.github.com
        name: fluxcdbot
      messageTemplate: '{{range .Changed.Changes}}{{print .OldValue}} -> {{println .NewValue}}{{end}}'
    push:
      branch: main
  update:
    path: ./clusters/my-cluster
    strategy: Setters
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: podinfo
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: podinfo
  policy:
    semver:
      range: 5.0.x
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: guestbook
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
    - CreateNamespace=true
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: x
"#;
    let objs = parse_objects(text, "t.yaml").unwrap();
    assert_eq!(objs.len(), 6);
    let Object::GitRepository(g) = &objs[0] else {
        panic!("{:?}", objs[0])
    };
    assert_eq!(
        g.spec.reference.as_ref().unwrap().semver.as_deref(),
        Some(">=6.0.0 <7.0.0")
    );
    let Object::Kustomization(k) = &objs[1] else {
        panic!()
    };
    assert_eq!(k.spec.depends_on[0].key("flux-system"), "flux-system/infra");
    assert!(k.spec.post_build.as_ref().unwrap().substitute_from[0].optional);
    let Object::ImageUpdateAutomation(a) = &objs[2] else {
        panic!()
    };
    assert_eq!(
        a.spec.git.push.as_ref().unwrap().branch.as_deref(),
        Some("main")
    );
    assert!(
        matches!(&objs[3], Object::ImagePolicy(p) if p.spec.image_repository_ref.name == "podinfo")
    );
    let Object::Application(app) = &objs[4] else {
        panic!()
    };
    assert!(app.create_namespace());
    assert!(
        app.spec
            .sync_policy
            .as_ref()
            .unwrap()
            .automated
            .as_ref()
            .unwrap()
            .self_heal
    );
    assert!(matches!(&objs[5], Object::Other(_)));
}

#[test]
fn mistyped_field_names_the_object() {
    let err = parse_objects(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: bad\nspec:\n  prune: [1]\n",
        "k.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("k.yaml: Kustomization/bad"), "{err}");
}
