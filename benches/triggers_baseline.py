#!/usr/bin/env python3
"""Baseline for benches/triggers.rs: a straightforward Python webhook receiver doing the
same work per event (HMAC-SHA256 check over the raw body, event-type check, JSON parse,
the CEL filter as dict lookups, a 6-param binding with Tekton's string escaping, and a
PipelineRun template rendered with str.replace and parsed back).

    python3 benches/triggers_baseline.py [SECONDS]

Prints the body size and events per second on one core.
"""

import hashlib
import hmac
import json
import sys
import time

SECRET = b"s3cret"


def user():
    return {"name": "Ada Lovelace", "email": "ada@example.com", "username": "ada"}


def commit(i, sha):
    return {
        "id": sha, "tree_id": "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "distinct": True,
        "message": f"Change {i}: tighten the retry loop\n\nLonger body line {i} explaining why.",
        "timestamp": f"2026-11-20T10:0{i}:00+01:00",
        "url": f"https://github.com/acme/app/commit/{sha}",
        "author": user(), "committer": user(),
        "added": [f"src/new_{i}.rs"], "removed": [], "modified": ["src/lib.rs", "Cargo.toml"],
    }


def payload():
    """The same GitHub push payload as the Rust bench builds (pretty-printed, ~7 KB)."""
    api = "https://api.github.com/repos/acme/app"
    repo = {
        "id": 123456789, "node_id": "R_kgDOAbCdEf", "name": "app", "full_name": "acme/app", "private": False,
        "owner": {"name": "acme", "email": None, "login": "acme", "id": 4242, "node_id": "O_kgDOAAAQkg",
                  "avatar_url": "https://avatars.githubusercontent.com/u/4242?v=4", "gravatar_id": "",
                  "url": "https://api.github.com/users/acme", "html_url": "https://github.com/acme",
                  "type": "Organization", "site_admin": False},
        "html_url": "https://github.com/acme/app",
        "description": "The app <with> \"quotes\" & ampersands", "fork": False,
        "url": "https://github.com/acme/app",
    }
    for k, path in [
        ("forks_url", "/forks"), ("keys_url", "/keys{/key_id}"),
        ("collaborators_url", "/collaborators{/collaborator}"), ("teams_url", "/teams"),
        ("hooks_url", "/hooks"), ("issue_events_url", "/issues/events{/number}"),
        ("events_url", "/events"), ("assignees_url", "/assignees{/user}"),
        ("branches_url", "/branches{/branch}"), ("tags_url", "/tags"),
        ("blobs_url", "/git/blobs{/sha}"), ("git_tags_url", "/git/tags{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"), ("trees_url", "/git/trees{/sha}"),
        ("statuses_url", "/statuses/{sha}"), ("languages_url", "/languages"),
    ]:
        repo[k] = api + path
    repo.update({
        "created_at": 1700000000, "updated_at": "2026-11-20T10:00:00Z", "pushed_at": 1763632000,
        "git_url": "git://github.com/acme/app.git", "ssh_url": "git@github.com:acme/app.git",
        "clone_url": "https://github.com/acme/app.git", "svn_url": "https://github.com/acme/app",
        "homepage": None, "size": 2048, "stargazers_count": 12, "watchers_count": 12, "language": "Rust",
        "has_issues": True, "has_projects": True, "has_downloads": True, "has_wiki": False,
        "has_pages": False, "forks_count": 3, "archived": False, "disabled": False,
        "open_issues_count": 4,
        "license": {"key": "apache-2.0", "name": "Apache License 2.0", "spdx_id": "Apache-2.0"},
        "topics": ["ci", "gitops"], "visibility": "public", "forks": 3, "open_issues": 4,
        "watchers": 12, "default_branch": "main", "stargazers": 12, "master_branch": "main",
        "organization": "acme",
    })
    head = "9f2c1d7e5b3a4c6d8e0f1a2b3c4d5e6f7a8b9c0d"
    commits = [commit(i, ("%x" % (0xABC000 + i)) * 5) for i in range(3)] + [commit(3, head)]
    body = {
        "ref": "refs/heads/main", "before": "0" * 40, "after": head, "repository": repo,
        "pusher": {"name": "ada", "email": "ada@example.com"},
        "organization": {"login": "acme", "id": 4242},
        "sender": {"login": "ada", "id": 777, "node_id": "U_kgDOAAADCQ",
                   "avatar_url": "https://avatars.githubusercontent.com/u/777?v=4", "type": "User",
                   "site_admin": False},
        "created": False, "deleted": False, "forced": False, "base_ref": None,
        "compare": "https://github.com/acme/app/compare/000000000000...9f2c1d7e5b3a",
        "head_commit": commits[-1], "commits": commits,
    }
    return json.dumps(body, indent=2).encode()


TEMPLATE = json.dumps({
    "apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
    "metadata": {"generateName": "build-", "labels": {"app": "app", "trigger": "$(tt.params.event)"}},
    "spec": {
        "pipelineRef": {"name": "build-and-deploy"},
        "params": [
            {"name": "revision", "value": "$(tt.params.gitrevision)"},
            {"name": "url", "value": "$(tt.params.gitrepositoryurl)"},
            {"name": "branch", "value": "$(tt.params.branch)"},
            {"name": "author", "value": "$(tt.params.author)"},
            {"name": "message", "value": "$(tt.params.message)"},
        ],
        "workspaces": [{"name": "source", "volumeClaimTemplate": {"spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}],
    },
}, separators=(",", ":"))


def escape(s):
    # Tekton binds a string as its JSON encoding without the quotes.
    return json.dumps(s)[1:-1]


def receive(headers, body):
    """One event: returns the rendered PipelineRun, or None when the trigger does not fire."""
    if headers.get("X-GitHub-Event") != "push":
        return None
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("X-Hub-Signature-256", "")):
        return None
    data = json.loads(body)
    if not (data["ref"] == "refs/heads/main" and headers.get("X-GitHub-Event") == "push"):
        return None
    params = {
        "gitrevision": escape(data["head_commit"]["id"]),
        "gitrepositoryurl": escape(data["repository"]["clone_url"]),
        "branch": escape(data["ref"]),
        "author": escape(data["head_commit"]["author"]["name"]),
        "message": escape(data["head_commit"]["message"]),
        "event": escape(headers["X-GitHub-Event"]),
    }
    text = TEMPLATE
    for name, value in params.items():
        text = text.replace("$(tt.params." + name + ")", value)
    return json.loads(text)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    body = payload()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-Hub-Signature-256": "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest(),
        "User-Agent": "GitHub-Hookshot/044aadd",
    }
    run = receive(headers, body)
    assert run is not None and run["spec"]["params"][0]["value"] == "9f2c1d7e5b3a4c6d8e0f1a2b3c4d5e6f7a8b9c0d"
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(1000):
            receive(headers, body)
        n += 1000
        now = time.perf_counter()
        if now >= deadline:
            break
    elapsed = now - start
    print(f"body {len(body)} bytes: {n / elapsed:,.0f} events/s ({elapsed / n * 1e6:.2f} us/event) on one core")


if __name__ == "__main__":
    main()
