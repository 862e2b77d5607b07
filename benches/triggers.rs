//! A GitHub push webhook (about 7 KB) through an EventListener trigger with a GitHub
//! interceptor (HMAC-SHA256 over the raw body), a CEL filter, a 6-param binding and a
//! PipelineRun template: events per second on one core.
//!
//! `cargo bench --bench triggers --no-default-features --features triggers`
//! The Python receiver doing the same work is `benches/triggers_baseline.py`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gitops_toolkit::triggers::{Event, Headers, Listener, MemorySecretStore, github_signature};
use serde_json::{Value, json};
use std::hint::black_box;

/// The listener, shared with `trigger-bindings/examples/sink_load.rs`.
const LISTENER: &str = include_str!("triggers_listener.yaml");

const GITHUB: &str = "        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: github-secret, secretKey: secretToken}
            - name: eventTypes
              value: [push]
";

const CEL: &str = "        - ref: {name: cel}
          params:
            - name: filter
              value: \"body.ref == 'refs/heads/main' && header.match('X-GitHub-Event', 'push')\"
";

fn user() -> Value {
    json!({"name": "Ada Lovelace", "email": "ada@example.com", "username": "ada"})
}

fn commit(i: u32, sha: &str) -> Value {
    json!({
        "id": sha, "tree_id": "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "distinct": true,
        "message": format!("Change {i}: tighten the retry loop\n\nLonger body line {i} explaining why."),
        "timestamp": format!("2026-11-20T10:0{i}:00+01:00"),
        "url": format!("https://github.com/acme/app/commit/{sha}"),
        "author": user(), "committer": user(),
        "added": [format!("src/new_{i}.rs")], "removed": [], "modified": ["src/lib.rs", "Cargo.toml"]
    })
}

/// A GitHub push payload shaped like the real ones (pretty-printed, about 7 KB).
fn payload() -> Vec<u8> {
    let api = "https://api.github.com/repos/acme/app";
    let mut repo = json!({
        "id": 123456789, "node_id": "R_kgDOAbCdEf", "name": "app", "full_name": "acme/app", "private": false,
        "owner": {"name": "acme", "email": null, "login": "acme", "id": 4242, "node_id": "O_kgDOAAAQkg",
            "avatar_url": "https://avatars.githubusercontent.com/u/4242?v=4", "gravatar_id": "",
            "url": "https://api.github.com/users/acme", "html_url": "https://github.com/acme",
            "type": "Organization", "site_admin": false},
        "html_url": "https://github.com/acme/app",
        "description": "The app <with> \"quotes\" & ampersands", "fork": false,
        "url": "https://github.com/acme/app",
    });
    if let Some(m) = repo.as_object_mut() {
        for (k, path) in [
            ("forks_url", "/forks"),
            ("keys_url", "/keys{/key_id}"),
            ("collaborators_url", "/collaborators{/collaborator}"),
            ("teams_url", "/teams"),
            ("hooks_url", "/hooks"),
            ("issue_events_url", "/issues/events{/number}"),
            ("events_url", "/events"),
            ("assignees_url", "/assignees{/user}"),
            ("branches_url", "/branches{/branch}"),
            ("tags_url", "/tags"),
            ("blobs_url", "/git/blobs{/sha}"),
            ("git_tags_url", "/git/tags{/sha}"),
            ("git_refs_url", "/git/refs{/sha}"),
            ("trees_url", "/git/trees{/sha}"),
            ("statuses_url", "/statuses/{sha}"),
            ("languages_url", "/languages"),
        ] {
            m.insert(k.into(), Value::String(format!("{api}{path}")));
        }
        let rest = json!({
            "created_at": 1700000000, "updated_at": "2026-11-20T10:00:00Z", "pushed_at": 1763632000u64,
            "git_url": "git://github.com/acme/app.git", "ssh_url": "git@github.com:acme/app.git",
            "clone_url": "https://github.com/acme/app.git", "svn_url": "https://github.com/acme/app",
            "homepage": null, "size": 2048, "stargazers_count": 12, "watchers_count": 12, "language": "Rust",
            "has_issues": true, "has_projects": true, "has_downloads": true, "has_wiki": false,
            "has_pages": false, "forks_count": 3, "archived": false, "disabled": false,
            "open_issues_count": 4,
            "license": {"key": "apache-2.0", "name": "Apache License 2.0", "spdx_id": "Apache-2.0"},
            "topics": ["ci", "gitops"], "visibility": "public", "forks": 3, "open_issues": 4,
            "watchers": 12, "default_branch": "main", "stargazers": 12, "master_branch": "main",
            "organization": "acme"
        });
        if let Value::Object(r) = rest {
            m.extend(r);
        }
    }
    let head = "9f2c1d7e5b3a4c6d8e0f1a2b3c4d5e6f7a8b9c0d";
    let mut commits: Vec<Value> = (0..3)
        .map(|i| commit(i, &format!("{:x}", 0xabc000 + i).repeat(5)))
        .collect();
    commits.push(commit(3, head));
    let body = json!({
        "ref": "refs/heads/main", "before": "0".repeat(40), "after": head, "repository": repo,
        "pusher": {"name": "ada", "email": "ada@example.com"},
        "organization": {"login": "acme", "id": 4242},
        "sender": {"login": "ada", "id": 777, "node_id": "U_kgDOAAADCQ",
            "avatar_url": "https://avatars.githubusercontent.com/u/777?v=4", "type": "User", "site_admin": false},
        "created": false, "deleted": false, "forced": false, "base_ref": null,
        "compare": "https://github.com/acme/app/compare/000000000000...9f2c1d7e5b3a",
        "head_commit": commits.last().cloned().unwrap_or(Value::Null),
        "commits": commits,
    });
    serde_json::to_vec_pretty(&body).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let secret = b"s3cret";
    let body = payload();
    let headers = Headers::new()
        .with("Content-Type", "application/json")
        .with("X-GitHub-Event", "push")
        .with("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        .with("X-Hub-Signature-256", github_signature(secret, &body))
        .with("User-Agent", "GitHub-Hookshot/044aadd");
    let secrets = MemorySecretStore::new().with("github-secret", "secretToken", secret.to_vec());
    let Ok(listener) = Listener::from_yaml("bench.yaml", LISTENER, secrets) else {
        eprintln!("the bench listener does not parse");
        return;
    };
    let event = Event::new(headers, body.clone()).with_id("bench");
    let response = listener.process(&event);
    let fired = response.triggers.iter().all(|t| t.accepted()) && response.resources().count() == 1;
    assert!(
        fired,
        "the push trigger must fire: {:?}",
        response.to_json()
    );

    let mut group = c.benchmark_group("triggers");
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        format!("github_push_{}b_hmac_cel_6params_pipelinerun", body.len()),
        |b| b.iter(|| black_box(listener.process(black_box(&event)))),
    );
    // The parts: the HMAC alone, and the trigger without the GitHub interceptor.
    group.bench_function("hmac_sha256_only", |b| {
        b.iter(|| black_box(github_signature(secret, black_box(&body))))
    });
    let parts = [
        ("without_github", LISTENER.replacen(GITHUB, "", 1)),
        (
            "bindings_and_template_only",
            LISTENER.replacen(GITHUB, "", 1).replacen(CEL, "", 1),
        ),
        (
            "cel_filter_only",
            LISTENER
                .replacen(GITHUB, "", 1)
                .replace("        - ref: github-push-binding\n", "")
                .replace("ref: github-push-template", "{}"),
        ),
    ];
    for (name, yaml) in parts {
        let secrets = MemorySecretStore::new();
        let Ok(l) = Listener::from_yaml("bench.yaml", &yaml, secrets) else {
            continue;
        };
        group.bench_function(name, |b| b.iter(|| black_box(l.process(black_box(&event)))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
