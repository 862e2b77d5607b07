//! Hostile inputs: substitution that would amplify a value into gigabytes, matrices with
//! millions of combinations, and workspace paths that lead out of the work directory. Each
//! case runs isolated (a child process under a 512 MiB address-space cap and a hang guard,
//! see `support/hostile.rs`) and asserts the clear error, not just the absence of a crash.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/hostile.rs"]
mod hostile;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use pipeline_core::model::{
    IncludeParams, PipelineWorkspaceDeclaration, Step, WhenExpression, WorkspacePipelineTaskBinding,
};
use pipeline_core::simulate::{SimOutcome, simulate};
use pipeline_core::{
    Error, LocalExecutor, Matrix, NoLogs, Param, ParamSpec, ParamType, ParamValue,
    PipelineRunState, PipelineSpec, PipelineTask, RunContext, RunInfo, Runner, TaskExecutor,
    TaskInstance, TaskJob, TaskRef, TaskSpec, TaskState,
};

/// Kubernetes' per-object budget the crate uses per task (etcd's default request limit).
const TASK_LIMIT: &str = "1572864";
/// The whole run's default budget (64 MiB).
const RUN_LIMIT: &str = "67108864";

fn string(s: impl Into<String>) -> ParamValue {
    ParamValue::String(s.into())
}

fn param(name: &str, value: ParamValue) -> Param {
    Param {
        name: name.into(),
        value,
    }
}

fn task(name: &str, params: Vec<Param>) -> PipelineTask {
    PipelineTask {
        name: name.into(),
        task_ref: Some(TaskRef {
            name: "t".into(),
            ..TaskRef::default()
        }),
        params,
        ..PipelineTask::default()
    }
}

fn declared(name: &str, ty: ParamType, default: Option<ParamValue>) -> ParamSpec {
    ParamSpec {
        name: name.into(),
        param_type: Some(ty),
        default,
        ..ParamSpec::default()
    }
}

/// How a run ended: Tekton's reason and message, whether it was refused at the start or
/// failed while running (every task succeeds; `results` gives a task's results).
fn outcome(
    pipeline: &str,
    spec: PipelineSpec,
    params: Vec<Param>,
    results: &BTreeMap<String, BTreeMap<String, ParamValue>>,
) -> (String, String, Vec<TaskInstance>) {
    let mut ctx = RunContext::named("run-1", pipeline);
    ctx.namespace = "default".into();
    ctx.params = params;
    match PipelineRunState::from_spec(spec, ctx) {
        Err(Error::RunRejected {
            reason, message, ..
        }) => (reason, message, Vec::new()),
        Err(e) => ("Error".into(), e.to_string(), Vec::new()),
        Ok(state) => {
            let sim = simulate(state, None, |inst| {
                Some(SimOutcome::Succeeded(
                    results
                        .get(&inst.pipeline_task)
                        .cloned()
                        .unwrap_or_default(),
                ))
            });
            let c = sim.state.condition();
            (c.reason, c.message, sim.started)
        }
    }
}

fn expect_failure(
    (reason, message, _): &(String, String, Vec<TaskInstance>),
    want_reason: &str,
    needles: &[&str],
) -> Result<(), String> {
    if reason != want_reason {
        return Err(format!(
            "reason {reason:?}, want {want_reason:?}; message: {}",
            clip(message)
        ));
    }
    for n in needles {
        if !message.contains(n) {
            return Err(format!("message lacks {n:?}: {}", clip(message)));
        }
    }
    Ok(())
}

fn clip(s: &str) -> String {
    s.chars().take(600).collect()
}

#[test]
fn seven_mb_default_reused_by_300_tasks() {
    hostile::isolated("seven_mb_default_reused_by_300_tasks", || {
        let spec = PipelineSpec {
            params: vec![declared(
                "big",
                ParamType::String,
                Some(string("x".repeat(7 * 1024 * 1024))),
            )],
            tasks: (0..300)
                .map(|i| {
                    task(
                        &format!("t{i}"),
                        vec![param("arg", string("$(params.big)"))],
                    )
                })
                .collect(),
            ..PipelineSpec::default()
        };
        let out = outcome("big-default", spec, Vec::new(), &BTreeMap::new());
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &[
                "pipeline \"big-default\"",
                "task \"t0\"",
                "$(params.big)",
                TASK_LIMIT,
            ],
        )?;
        if !out.2.is_empty() {
            return Err(format!("{} instances started", out.2.len()));
        }
        Ok(())
    })
}

#[test]
fn hundred_kb_run_param_reused_by_2000_tasks() {
    hostile::isolated("hundred_kb_run_param_reused_by_2000_tasks", || {
        let spec = PipelineSpec {
            params: vec![declared("x", ParamType::String, None)],
            tasks: (0..2000)
                .map(|i| {
                    task(
                        &format!("t{i}"),
                        vec![param("arg", string("--flag=$(params.x)"))],
                    )
                })
                .collect(),
            ..PipelineSpec::default()
        };
        let big = vec![param("x", string("y".repeat(100 * 1024)))];
        let out = outcome("cli-param", spec, big, &BTreeMap::new());
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &["pipeline \"cli-param\"", "$(params.x)", RUN_LIMIT],
        )?;
        // The run stopped at the budget instead of handing out all 2,000 instances.
        let bytes: usize = out
            .2
            .iter()
            .flat_map(|i| &i.params)
            .map(|p| p.value.to_string().len())
            .sum();
        if bytes > 64 * 1024 * 1024 {
            return Err(format!("{bytes} bytes of parameters handed out"));
        }
        Ok(())
    })
}

fn matrix_run(n: usize) -> (String, String, Vec<TaskInstance>) {
    let arr = |p: &str| ParamValue::Array((0..n).map(|i| format!("{p}{i}")).collect());
    let spec = PipelineSpec {
        params: vec![
            declared("a", ParamType::Array, None),
            declared("b", ParamType::Array, None),
        ],
        tasks: vec![PipelineTask {
            matrix: Some(Matrix {
                params: vec![
                    param("a", string("$(params.a[*])")),
                    param("b", string("$(params.b[*])")),
                ],
                include: Vec::new(),
            }),
            ..task("m", Vec::new())
        }],
        ..PipelineSpec::default()
    };
    outcome(
        "matrix",
        spec,
        vec![param("a", arr("a")), param("b", arr("b"))],
        &BTreeMap::new(),
    )
}

#[test]
fn matrix_1000_by_1000_fails_instead_of_truncating() {
    hostile::isolated("matrix_1000_by_1000_fails_instead_of_truncating", || {
        let out = matrix_run(1000);
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &[
                "Pipeline default/matrix can't be Run; it has an invalid spec",
                "expected 0 <= 1000000 <= 256",
                "tasks[0].matrix",
            ],
        )?;
        if !out.2.is_empty() {
            return Err(format!("{} instances started", out.2.len()));
        }
        Ok(())
    })
}

#[test]
fn matrix_3000_by_3000_fails_before_building() {
    hostile::isolated("matrix_3000_by_3000_fails_before_building", || {
        let out = matrix_run(3000);
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &["expected 0 <= 9000000 <= 256", "tasks[0].matrix"],
        )
    })
}

#[test]
fn matrix_from_results_over_the_cap_fails() {
    hostile::isolated("matrix_from_results_over_the_cap_fails", || {
        let spec = PipelineSpec {
            tasks: vec![
                task("a", Vec::new()),
                PipelineTask {
                    matrix: Some(Matrix {
                        params: vec![
                            param("x", string("$(tasks.a.results.r[*])")),
                            param("y", string("$(tasks.a.results.r[*])")),
                        ],
                        include: Vec::new(),
                    }),
                    ..task("m", Vec::new())
                },
            ],
            ..PipelineSpec::default()
        };
        let r = ParamValue::Array((0..1000).map(|i| i.to_string()).collect());
        let results = BTreeMap::from([("a".to_string(), BTreeMap::from([("r".to_string(), r)]))]);
        let out = outcome("fan", spec, Vec::new(), &results);
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &["expected 0 <= 1000000 <= 256", "tasks[1].matrix"],
        )?;
        let m = out.2.iter().filter(|i| i.pipeline_task == "m").count();
        if m != 0 {
            return Err(format!("{m} instances of the matrixed task started"));
        }
        Ok(())
    })
}

#[test]
fn matrix_include_entries_count_towards_the_cap() {
    hostile::isolated("matrix_include_entries_count_towards_the_cap", || {
        // 200 combinations from the run's array plus 100 `include` entries that each add one:
        // 300, over the cap, although validation (which sees one reference) counts 101.
        let spec = PipelineSpec {
            params: vec![declared("xs", ParamType::Array, None)],
            tasks: vec![PipelineTask {
                matrix: Some(Matrix {
                    params: vec![param("x", string("$(params.xs[*])"))],
                    include: (0..100)
                        .map(|k| IncludeParams {
                            name: format!("extra-{k}"),
                            params: vec![param("x", string(format!("extra-{k}")))],
                        })
                        .collect(),
                }),
                ..task("m", Vec::new())
            }],
            ..PipelineSpec::default()
        };
        let xs = ParamValue::Array((0..200).map(|i| format!("x{i}")).collect());
        let out = outcome("inc", spec, vec![param("xs", xs)], &BTreeMap::new());
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &["expected 0 <= 300 <= 256", "tasks[0].matrix"],
        )
    })
}

#[test]
fn task_results_substituted_into_many_tasks() {
    hostile::isolated("task_results_substituted_into_many_tasks", || {
        let mut tasks = vec![task("a", Vec::new())];
        tasks.extend((0..300).map(|i| {
            task(
                &format!("use-{i}"),
                vec![param("in", string("$(tasks.a.results.r)"))],
            )
        }));
        let spec = PipelineSpec {
            tasks,
            ..PipelineSpec::default()
        };
        let r = string("r".repeat(1024 * 1024));
        let results = BTreeMap::from([("a".to_string(), BTreeMap::from([("r".to_string(), r)]))]);
        let out = outcome("results", spec, Vec::new(), &results);
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &["pipeline \"results\"", "$(tasks.a.results.r)", RUN_LIMIT],
        )
    })
}

#[test]
fn repeated_references_in_one_string() {
    hostile::isolated("repeated_references_in_one_string", || {
        // A 1.1 MB value made of 100,000 references to a 10 KB parameter: 1 GB if expanded.
        let spec = PipelineSpec {
            params: vec![declared("p", ParamType::String, None)],
            tasks: vec![task(
                "echo",
                vec![param("arg", string("$(params.p)".repeat(100_000)))],
            )],
            ..PipelineSpec::default()
        };
        let out = outcome(
            "repeat",
            spec,
            vec![param("p", string("z".repeat(10 * 1024)))],
            &BTreeMap::new(),
        );
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &["task \"echo\"", "params[arg]", "$(params.p)", TASK_LIMIT],
        )
    })
}

#[test]
fn nested_parameter_defaults() {
    hostile::isolated("nested_parameter_defaults", || {
        // `a`'s default references `b` 100,000 times; `b` is 10 KB: 1 GB if expanded.
        let spec = PipelineSpec {
            params: vec![
                declared(
                    "a",
                    ParamType::String,
                    Some(string("$(params.b)".repeat(100_000))),
                ),
                declared("b", ParamType::String, Some(string("q".repeat(10 * 1024)))),
            ],
            tasks: vec![task("t0", vec![param("arg", string("$(params.a)"))])],
            ..PipelineSpec::default()
        };
        let out = outcome("nested", spec, Vec::new(), &BTreeMap::new());
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &["param \"a\"", "$(params.b)", RUN_LIMIT],
        )
    })
}

#[test]
fn when_input_amplification() {
    hostile::isolated("when_input_amplification", || {
        let spec = PipelineSpec {
            params: vec![declared("p", ParamType::String, None)],
            tasks: vec![PipelineTask {
                when: vec![WhenExpression {
                    input: "$(params.p)".repeat(100_000),
                    operator: "in".into(),
                    values: vec!["x".into()],
                    cel: String::new(),
                }],
                ..task("guarded", Vec::new())
            }],
            ..PipelineSpec::default()
        };
        let out = outcome(
            "when",
            spec,
            vec![param("p", string("w".repeat(10 * 1024)))],
            &BTreeMap::new(),
        );
        expect_failure(
            &out,
            "PipelineValidationFailed",
            &["task \"guarded\"", "when[0]", "$(params.p)", TASK_LIMIT],
        )
    })
}

/// A pipeline with one task using workspace `shared` as `src` with `sub_path`.
fn workspace_pipeline(sub_path: &str) -> PipelineSpec {
    PipelineSpec {
        workspaces: vec![PipelineWorkspaceDeclaration {
            name: "shared".into(),
            ..PipelineWorkspaceDeclaration::default()
        }],
        tasks: vec![PipelineTask {
            workspaces: vec![WorkspacePipelineTaskBinding {
                name: "src".into(),
                workspace: "shared".into(),
                sub_path: sub_path.into(),
            }],
            ..task("write", Vec::new())
        }],
        ..PipelineSpec::default()
    }
}

fn touch_task() -> TaskSpec {
    TaskSpec {
        workspaces: vec![pipeline_core::model::WorkspaceDeclaration {
            name: "src".into(),
            ..Default::default()
        }],
        steps: vec![Step {
            name: "touch".into(),
            image: "alpine".into(),
            script: "touch \"$(workspaces.src.path)/planted\"".into(),
            ..Step::default()
        }],
        ..TaskSpec::default()
    }
}

/// Executes the first instance of `spec` with its workspace binding's subPath replaced by
/// `sub_path` (validation bypassed), as a host with its own validation bug would.
fn execute_with_sub_path(
    exec: &LocalExecutor,
    sub_path: &str,
) -> Result<pipeline_core::TaskExecution, String> {
    let mut state = PipelineRunState::new(&workspace_pipeline("ok"), RunContext::named("r", "p"))
        .map_err(|e| e.to_string())?;
    let mut inst = state.next().into_iter().next().ok_or("no instance")?;
    inst.workspaces[0].sub_path = sub_path.into();
    let job = TaskJob {
        instance: inst,
        task: touch_task(),
        run: RunInfo {
            name: "r".into(),
            pipeline: "p".into(),
            ..RunInfo::default()
        },
        timeout: None,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    Ok(exec.execute(&job, &NoLogs))
}

fn nothing_under(dir: &Path, name: &str) -> Result<(), String> {
    let p = dir.join(name);
    if p.symlink_metadata().is_ok() {
        return Err(format!(
            "{} was created outside the work directory",
            p.display()
        ));
    }
    Ok(())
}

#[test]
fn sub_path_with_dot_dot_or_absolute_is_refused() {
    hostile::isolated("sub_path_with_dot_dot_or_absolute_is_refused", || {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let abs = tmp.path().join("abs-escape");
        let abs = abs.to_str().ok_or("path")?.to_string();
        // Validation: located, in Kubernetes' words.
        for (sub, want) in [
            ("../escape", "must not contain '..'"),
            ("a/../../escape", "must not contain '..'"),
            (abs.as_str(), "must be a relative path"),
        ] {
            let err = PipelineRunState::new(&workspace_pipeline(sub), RunContext::named("r", "p"))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            for needle in [want, "task \"write\"", "tasks[0].workspaces[0].subPath"] {
                if !err.contains(needle) {
                    return Err(format!("subPath {sub:?}: error lacks {needle:?}: {err:?}"));
                }
            }
        }
        // The executor refuses too, whatever reaches it.
        let root = tmp.path().join("work");
        let exec = LocalExecutor::new(&root).workspace("shared", tmp.path().join("work/ws"));
        for sub in ["../escape", "../../escape", abs.as_str()] {
            let done = execute_with_sub_path(&exec, sub)?;
            match &done.outcome {
                pipeline_core::ExecOutcome::Failed(m) if m.contains("outside") => {}
                other => return Err(format!("subPath {sub:?}: {other:?}")),
            }
        }
        nothing_under(tmp.path(), "escape")?;
        nothing_under(tmp.path(), "abs-escape")?;
        nothing_under(&root, "escape")?;
        Ok(())
    })
}

#[test]
fn symlink_planted_in_a_workspace_is_not_followed() {
    hostile::isolated("symlink_planted_in_a_workspace_is_not_followed", || {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).map_err(|e| e.to_string())?;
        let root = tmp.path().join("work");
        // Task `plant` links its workspace to a directory outside; task `use` then binds the
        // same workspace with subPath `link/inner`, which would lead through the link.
        let plant = TaskSpec {
            steps: vec![Step {
                name: "plant".into(),
                image: "alpine".into(),
                script: format!(
                    "ln -s '{}' \"$(workspaces.src.path)/link\"",
                    outside.display()
                ),
                ..Step::default()
            }],
            ..touch_task()
        };
        let catalogue: BTreeMap<String, TaskSpec> = BTreeMap::from([
            ("plant".to_string(), plant),
            ("touch".to_string(), touch_task()),
        ]);
        let binding = |sub: &str| WorkspacePipelineTaskBinding {
            name: "src".into(),
            workspace: "shared".into(),
            sub_path: sub.into(),
        };
        let spec = PipelineSpec {
            workspaces: vec![PipelineWorkspaceDeclaration {
                name: "shared".into(),
                ..PipelineWorkspaceDeclaration::default()
            }],
            tasks: vec![
                PipelineTask {
                    name: "plant".into(),
                    task_ref: Some(TaskRef {
                        name: "plant".into(),
                        ..TaskRef::default()
                    }),
                    workspaces: vec![binding("")],
                    ..PipelineTask::default()
                },
                PipelineTask {
                    name: "use".into(),
                    task_ref: Some(TaskRef {
                        name: "touch".into(),
                        ..TaskRef::default()
                    }),
                    run_after: vec!["plant".into()],
                    workspaces: vec![binding("link/inner")],
                    ..PipelineTask::default()
                },
            ],
            ..PipelineSpec::default()
        };
        let exec = LocalExecutor::new(&root);
        let state =
            PipelineRunState::new(&spec, RunContext::named("r", "p")).map_err(|e| e.to_string())?;
        let info = RunInfo {
            name: "r".into(),
            pipeline: "p".into(),
            ..RunInfo::default()
        };
        let out = Runner::new(&exec, &catalogue)
            .run(state, info)
            .map_err(|e| e.to_string())?;
        let plant = out.task("plant").ok_or("no plant")?;
        if plant.state != TaskState::Succeeded {
            return Err(format!("plant: {plant:?}"));
        }
        let used = out.task("use").ok_or("no use")?;
        let said = used.messages.join("; ");
        if used.state != TaskState::Failed || !said.contains("symbolic link") {
            return Err(format!("use: {:?}: {said}", used.state));
        }
        nothing_under(&outside, "inner")?;
        Ok(())
    })
}

#[test]
fn working_dir_outside_the_work_directory_is_refused() {
    hostile::isolated("working_dir_outside_the_work_directory_is_refused", || {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let root = tmp.path().join("work");
        let abs = tmp.path().join("wd-abs");
        // From the task's directory `work/tasks/r/a-0`, four levels up is the temp dir.
        for wd in [
            "../../../../wd-escape".to_string(),
            abs.display().to_string(),
        ] {
            let t = TaskSpec {
                steps: vec![Step {
                    name: "s".into(),
                    image: "alpine".into(),
                    script: "true".into(),
                    working_dir: wd.clone(),
                    ..Step::default()
                }],
                ..TaskSpec::default()
            };
            let catalogue = BTreeMap::from([("t".to_string(), t)]);
            let spec = PipelineSpec {
                tasks: vec![task("a", Vec::new())],
                ..PipelineSpec::default()
            };
            let state = PipelineRunState::new(&spec, RunContext::named("r", "p"))
                .map_err(|e| e.to_string())?;
            let info = RunInfo {
                name: "r".into(),
                pipeline: "p".into(),
                ..RunInfo::default()
            };
            let out = Runner::new(&LocalExecutor::new(&root), &catalogue)
                .run(state, info)
                .map_err(|e| e.to_string())?;
            let a = out.task("a").ok_or("no a")?;
            let said = a.messages.join("; ");
            if a.state != TaskState::Failed || !said.contains("outside") {
                return Err(format!("workingDir {wd:?}: {:?}: {said}", a.state));
            }
        }
        nothing_under(tmp.path(), "wd-escape")?;
        nothing_under(tmp.path(), "wd-abs")?;
        Ok(())
    })
}

#[test]
fn step_script_amplification_in_the_local_executor() {
    hostile::isolated("step_script_amplification_in_the_local_executor", || {
        // The Task's script holds 100,000 references to its 10 KB parameter: 1 GB if expanded.
        let t = TaskSpec {
            params: vec![declared("p", ParamType::String, None)],
            steps: vec![Step {
                name: "echo".into(),
                image: "alpine".into(),
                script: "$(params.p)\n".repeat(100_000),
                ..Step::default()
            }],
            ..TaskSpec::default()
        };
        let catalogue = BTreeMap::from([("t".to_string(), t)]);
        let spec = PipelineSpec {
            tasks: vec![task("amp", vec![param("p", string("e".repeat(10 * 1024)))])],
            ..PipelineSpec::default()
        };
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let state =
            PipelineRunState::new(&spec, RunContext::named("r", "p")).map_err(|e| e.to_string())?;
        let out = Runner::new(&LocalExecutor::new(tmp.path()), &catalogue)
            .run(state, RunInfo::default())
            .map_err(|e| e.to_string())?;
        let amp = out.task("amp").ok_or("no amp")?;
        let said = amp.messages.join("; ");
        for needle in ["task \"amp\"", "$(params.p)", "script", TASK_LIMIT] {
            if amp.state != TaskState::Failed || !said.contains(needle) {
                return Err(format!(
                    "{:?}: lacks {needle:?}: {}",
                    amp.state,
                    clip(&said)
                ));
            }
        }
        Ok(())
    })
}
