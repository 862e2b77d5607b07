//! Hostile input: template amplification, CEL expressions whose work or memory explodes,
//! and header values that try to inject lines into reasons. Each case runs in a child
//! process under the shared harness's memory cap and hang guard, and asserts the clear
//! refusal, not just the absence of a crash.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/hostile.rs"]
mod hostile;

use std::sync::Arc;
use trigger_bindings::{
    Event, Headers, Limits, Listener, MemorySecretStore, Outcome, Param, ParamSpec, Template,
    TriggerInterceptor, TriggerPlan,
};

/// The outcome of one trigger with a CEL `filter` (and optionally `overlays`) on `body`.
fn cel_outcome(filter: &str, overlays: Option<serde_json::Value>, body: &str) -> Outcome {
    let mut params = vec![("filter".to_string(), serde_json::json!(filter))];
    if let Some(o) = overlays {
        params.push(("overlays".to_string(), o));
    }
    let cel = TriggerInterceptor::new("cel", params);
    let plan = TriggerPlan::new("t", &[cel], vec![], None);
    Listener::without_secrets("el", vec![plan])
        .process(&Event::new(Headers::new(), body))
        .triggers
        .remove(0)
        .outcome
}

/// An outcome for a failure message, cut short (params may be megabytes).
fn brief(outcome: &Outcome) -> String {
    let text = format!("{outcome:?}");
    text.chars().take(400).collect()
}

/// `Ok` when the trigger was rejected for the CEL cost limit.
fn refused_for_cost(outcome: &Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Rejected { reason } if reason.contains("exceeds the cost limit") => Ok(()),
        other => Err(format!("not refused for the cost limit: {}", brief(other))),
    }
}

/// `[0, 1, ..., n-1]` as CEL source.
fn list(n: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    format!("[{}]", items.join(","))
}

/// A listener whose triggers each bind `big` from the body and render `tt` with
/// `refs` references to it in one string.
fn amplifying_listener(triggers: usize, refs: usize) -> Listener {
    let text = format!("{{\"v\":\"{}\"}}", "$(tt.params.big)".repeat(refs));
    let plans = (0..triggers)
        .map(|i| {
            let template = Template::from_raw(
                "tt",
                vec![ParamSpec {
                    name: "big".into(),
                    ..Default::default()
                }],
                false,
                vec![text.clone()],
            );
            TriggerPlan::new(
                &format!("t{i}"),
                &[],
                vec![Param {
                    name: "big".into(),
                    value: "$(body.big)".into(),
                }],
                Some(template),
            )
        })
        .collect();
    Listener::from_plans(
        "el",
        "default",
        plans,
        Arc::new(MemorySecretStore::new()),
        Limits::default(),
    )
}

fn big_body(bytes: usize) -> String {
    format!("{{\"big\":\"{}\"}}", "x".repeat(bytes))
}

#[test]
fn template_with_50000_references_to_a_200kb_param() {
    hostile::isolated("template_with_50000_references_to_a_200kb_param", || {
        let listener = amplifying_listener(1, 50_000);
        let response = listener.process(&Event::new(Headers::new(), big_body(200 * 1024)));
        match &response.triggers[0].outcome {
            Outcome::Rejected { reason }
                if reason.contains("TriggerTemplate \"tt\"")
                    && reason.contains("limit of 16777216 bytes") =>
            {
                Ok(())
            }
            other => Err(format!(
                "not refused for the render limit: {}",
                brief(other)
            )),
        }
    });
}

#[test]
fn template_render_and_textual_reference_refuse_alike() {
    hostile::isolated("template_render_and_textual_reference_refuse_alike", || {
        let text = format!("{{\"v\":\"{}\"}}", "$(tt.params.big)".repeat(50_000));
        let t = Template::from_raw("tt", vec![], false, vec![text]);
        let mut params = std::collections::BTreeMap::new();
        params.insert("big".to_string(), "x".repeat(200 * 1024));
        let fast = t.render(&params, "uid");
        let reference = t.render_textual(&params, "uid");
        match (fast, reference) {
            (Err((0, a)), Err((0, b))) if a == b && a.contains("limit") => Ok(()),
            (a, b) => Err(format!(
                "render and textual reference differ or accept: {:?} / {:?}",
                a.map(|v| v.len()),
                b.map(|v| v.len())
            )),
        }
    });
}

#[test]
fn render_budget_is_shared_by_the_triggers_of_one_event() {
    hostile::isolated(
        "render_budget_is_shared_by_the_triggers_of_one_event",
        || {
            // 50 references to 200 KiB: 10 MiB each, under the limit alone, not together.
            let listener = amplifying_listener(2, 50);
            let response = listener.process(&Event::new(Headers::new(), big_body(200 * 1024)));
            if !response.triggers[0].accepted() {
                return Err(format!(
                    "first trigger: {}",
                    brief(&response.triggers[0].outcome)
                ));
            }
            match &response.triggers[1].outcome {
                Outcome::Rejected { reason } if reason.contains("already rendered") => Ok(()),
                other => Err(format!("second trigger not refused: {}", brief(other))),
            }
        },
    );
}

#[test]
fn four_nested_all_over_a_200_element_list() {
    hostile::isolated("four_nested_all_over_a_200_element_list", || {
        let l = list(200);
        let filter = format!("{l}.all(a, {l}.all(b, {l}.all(c, {l}.all(d, body.a == 1.0))))");
        refused_for_cost(&cel_outcome(&filter, None, r#"{"a":1}"#))
    });
}

#[test]
fn nested_map_building_strings() {
    hostile::isolated("nested_map_building_strings", || {
        // Eight million strings of 400 bytes; the body alone is small.
        let l = list(200);
        let sum = ["body.s"; 10].join(" + ");
        let filter = format!("{l}.map(x, {l}.map(y, {l}.map(z, {sum}))).size() > 0");
        let body = format!("{{\"s\":\"{}\"}}", "s".repeat(40));
        refused_for_cost(&cel_outcome(&filter, None, &body))
    });
}

#[test]
fn string_doubling_through_chained_maps() {
    hostile::isolated("string_doubling_through_chained_maps", || {
        let mut expr = "[body.s]".to_string();
        for _ in 0..40 {
            expr = format!("{expr}.map(s, s + s)");
        }
        let filter = format!("{expr}.size() == 1");
        refused_for_cost(&cel_outcome(&filter, None, r#"{"s":"ab"}"#))
    });
}

#[test]
fn list_concatenation_doubling() {
    hostile::isolated("list_concatenation_doubling", || {
        // Each `map` over the one-element list doubles the list inside it.
        let mut expr = format!("[{}]", list(200));
        for _ in 0..30 {
            expr = format!("{expr}.map(l, l + l)");
        }
        let filter = format!("size({expr}[0]) > 0");
        refused_for_cost(&cel_outcome(&filter, None, "{}"))
    });
}

#[test]
fn nested_filter_and_exists() {
    hostile::isolated("nested_filter_and_exists", || {
        let l = list(200);
        let filter = format!(
            "{l}.filter(x, {l}.exists(y, {l}.exists(z, {l}.exists_one(w, x + y + z + 1000 == w)))).size() > 0"
        );
        refused_for_cost(&cel_outcome(&filter, None, "{}"))
    });
}

#[test]
fn huge_string_literal_repeated_by_a_range() {
    hostile::isolated("huge_string_literal_repeated_by_a_range", || {
        let lit = "x".repeat(15_000);
        let filter = format!("lists.range(1000000).map(i, '{lit}').size() > 0");
        refused_for_cost(&cel_outcome(&filter, None, "{}"))
    });
}

#[test]
fn overlay_joining_a_ranged_list() {
    hostile::isolated("overlay_joining_a_ranged_list", || {
        let overlays = serde_json::json!([{
            "key": "x",
            "expression": "lists.range(1000000).map(i, body.s).join(body.s)"
        }]);
        let body = format!("{{\"s\":\"{}\"}}", "s".repeat(1000));
        refused_for_cost(&cel_outcome("true", Some(overlays), &body))
    });
}

#[test]
fn comprehension_over_a_huge_body_list() {
    hostile::isolated("comprehension_over_a_huge_body_list", || {
        // Two million elements: each nested pass is 4e12 steps.
        let items = vec!["1"; 2_000_000].join(",");
        let body = format!("{{\"l\":[{items}]}}");
        refused_for_cost(&cel_outcome(
            "body.l.exists(a, body.l.exists(b, a == b + 1.0))",
            None,
            &body,
        ))
    });
}

#[test]
fn yaml_alias_bomb_in_parse_yaml() {
    hostile::isolated("yaml_alias_bomb_in_parse_yaml", || {
        let mut yaml = String::from("a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(",");
            yaml.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let body = serde_json::to_string(&serde_json::json!({ "y": yaml })).unwrap();
        match cel_outcome("size(body.y.parseYAML()) > 0", None, &body) {
            Outcome::Rejected { reason }
                if reason.contains("parseYAML") || reason.contains("cost limit") =>
            {
                Ok(())
            }
            other => Err(format!("not refused: {}", brief(&other))),
        }
    });
}

/// Reasons of each header-reading interceptor for a header carrying CR/LF.
#[test]
fn crlf_in_header_values_never_reaches_a_reason_raw() {
    hostile::isolated("crlf_in_header_values_never_reaches_a_reason_raw", || {
        let evil = "push\r\nX-Injected: yes\nmore(";
        let types = (
            "eventTypes".to_string(),
            serde_json::json!(["pull_request"]),
        );
        let cases = [
            (
                TriggerInterceptor::new("github", [types.clone()]),
                "X-GitHub-Event",
            ),
            (
                TriggerInterceptor::new("gitlab", [types.clone()]),
                "X-Gitlab-Event",
            ),
            (TriggerInterceptor::new("bitbucket", [types]), "X-Event-Key"),
            (
                TriggerInterceptor::new(
                    "cel",
                    [(
                        "filter".to_string(),
                        serde_json::json!("'a'.matches(header.canonical('X-N'))"),
                    )],
                ),
                "X-N",
            ),
            (
                TriggerInterceptor::new(
                    "cel",
                    [(
                        "overlays".to_string(),
                        serde_json::json!([{"key": "k", "expression": "header['X-N'][0].parseJSON()"}]),
                    )],
                ),
                "X-N",
            ),
        ];
        for (interceptor, header) in cases {
            let plan = TriggerPlan::new("t", &[interceptor], vec![], None);
            let listener = Listener::without_secrets("el", vec![plan]);
            let headers = Headers::new().with(header, evil);
            let response = listener.process(&Event::new(headers, "{}"));
            let Outcome::Rejected { reason } = &response.triggers[0].outcome else {
                return Err(format!("{header}: accepted"));
            };
            if reason.contains('\r') || reason.contains('\n') {
                return Err(format!("{header}: raw CR/LF in {reason:?}"));
            }
            let json = response.to_json().to_string();
            if !reason.contains("\\r\\n") || json.contains("X-Injected: yes\\n") {
                return Err(format!("{header}: not escaped: {reason:?}"));
            }
        }
        Ok(())
    });
}
