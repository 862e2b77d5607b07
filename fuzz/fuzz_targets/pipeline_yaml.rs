#![no_main]
//! Fuzz target `pipeline_yaml` (pipeline-core): any YAML stream is loaded, every Pipeline is
//! validated, and valid ones are simulated to the end. Nothing may panic or loop forever.
use libfuzzer_sys::fuzz_target;
use pipeline_core::simulate::{SimOutcome, simulate};
use pipeline_core::validate::{pipeline_errors, task_param_errors};
use pipeline_core::{PipelineRunState, RunContext, load};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(resources) = load("fuzz.yaml", text) else {
        return;
    };
    let mut specs: Vec<_> = resources
        .pipelines
        .iter()
        .map(|p| (p.metadata.name.clone(), p.spec.clone()))
        .collect();
    for pr in &resources.pipeline_runs {
        if let Some(spec) = &pr.spec.pipeline_spec {
            specs.push((pr.metadata.name.clone(), spec.clone()));
        }
    }
    for (name, spec) in specs {
        let errors = pipeline_errors(&name, &spec);
        for pt in spec.tasks.iter().chain(&spec.finally) {
            if let Some(task) = pt.task_ref.as_ref().and_then(|r| resources.task(&r.name)) {
                let _ = task_param_errors(&name, pt, &task.spec);
            }
        }
        if !errors.is_empty() {
            continue;
        }
        let ctx = match resources.pipeline_runs.first() {
            Some(pr) => RunContext::from_pipeline_run(pr, &name),
            None => RunContext::named("fuzz", &name),
        };
        let Ok(state) = PipelineRunState::new(&spec, ctx) else {
            continue;
        };
        // Alternate outcomes so failures, skips and finally tasks are exercised.
        let mut n = 0u32;
        let sim = simulate(state, None, |_| {
            n += 1;
            match n % 5 {
                0 => Some(SimOutcome::Failed),
                _ => Some(SimOutcome::succeeded()),
            }
        });
        assert!(sim.state.is_done());
        let _ = sim.state.condition();
        let _ = sim.state.pipeline_results();
    }
});
