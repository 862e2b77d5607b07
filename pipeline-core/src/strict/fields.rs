//! The webhook's layer: the fields of Tekton's Go types, by API version, generated from
//! tektoncd/pipeline `pkg/apis/pipeline/{v1,v1beta1,v1alpha1}/swagger.json` (commit
//! `3ee1745ae5b2d9175b11917d7c1935eaad44910c`), plus the fields Go promotes from embedded
//! structs the swagger omits (`resolver` and `params` of `TaskRef`, `PipelineRef` and a step
//! `ref`) and the
//! Kubernetes `ObjectMeta`. Types outside Tekton's API (containers' `env`, volumes,
//! resources ...) and parameter values are not descended into (`F::Any`).

use super::{F, Ty};

/// Every type, referred to by index.
pub(super) static TYPES: &[Ty] = &[
    // 0: v1.Pipeline
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(2)),
            ("status", F::Any),
        ],
    },
    // 1: ObjectMeta
    Ty {
        fields: &[
            ("name", F::Any),
            ("generateName", F::Any),
            ("namespace", F::Any),
            ("selfLink", F::Any),
            ("uid", F::Any),
            ("resourceVersion", F::Any),
            ("generation", F::Any),
            ("creationTimestamp", F::Any),
            ("deletionTimestamp", F::Any),
            ("deletionGracePeriodSeconds", F::Any),
            ("labels", F::Any),
            ("annotations", F::Any),
            ("ownerReferences", F::Any),
            ("finalizers", F::Any),
            ("managedFields", F::Any),
        ],
    },
    // 2: v1.PipelineSpec
    Ty {
        fields: &[
            ("description", F::Any),
            ("displayName", F::Any),
            ("finally", F::List(3)),
            ("params", F::List(11)),
            ("results", F::List(24)),
            ("tasks", F::List(3)),
            ("workspaces", F::List(25)),
        ],
    },
    // 3: v1.PipelineTask
    Ty {
        fields: &[
            ("description", F::Any),
            ("displayName", F::Any),
            ("matrix", F::One(4)),
            ("name", F::Any),
            ("onError", F::Any),
            ("params", F::List(6)),
            ("pipelineRef", F::One(7)),
            ("pipelineSpec", F::One(2)),
            ("retries", F::Any),
            ("runAfter", F::Any),
            ("taskRef", F::One(8)),
            ("taskSpec", F::One(9)),
            ("timeout", F::Any),
            ("when", F::List(21)),
            ("workspaces", F::List(23)),
        ],
    },
    // 4: v1.Matrix
    Ty {
        fields: &[("include", F::List(5)), ("params", F::List(6))],
    },
    // 5: v1.IncludeParams
    Ty {
        fields: &[("name", F::Any), ("params", F::List(6))],
    },
    // 6: v1.Param
    Ty {
        fields: &[("name", F::Any), ("value", F::Any)],
    },
    // 7: v1.PipelineRef
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("name", F::Any),
            ("params", F::List(6)),
            ("resolver", F::Any),
        ],
    },
    // 8: v1.TaskRef
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("name", F::Any),
            ("params", F::List(6)),
            ("resolver", F::Any),
        ],
    },
    // 9: v1.EmbeddedTask
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("description", F::Any),
            ("displayName", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(10)),
            ("params", F::List(11)),
            ("results", F::List(13)),
            ("sidecars", F::List(14)),
            ("spec", F::Any),
            ("stepTemplate", F::One(16)),
            ("steps", F::List(17)),
            ("volumes", F::Any),
            ("workspaces", F::List(22)),
        ],
    },
    // 10: v1.PipelineTaskMetadata
    Ty {
        fields: &[("annotations", F::Any), ("labels", F::Any)],
    },
    // 11: v1.ParamSpec
    Ty {
        fields: &[
            ("default", F::Any),
            ("description", F::Any),
            ("enum", F::Any),
            ("name", F::Any),
            ("properties", F::Map(12)),
            ("type", F::Any),
        ],
    },
    // 12: v1.PropertySpec
    Ty {
        fields: &[("type", F::Any)],
    },
    // 13: v1.TaskResult
    Ty {
        fields: &[
            ("description", F::Any),
            ("name", F::Any),
            ("properties", F::Map(12)),
            ("type", F::Any),
            ("value", F::Any),
        ],
    },
    // 14: v1.Sidecar
    Ty {
        fields: &[
            ("args", F::Any),
            ("command", F::Any),
            ("computeResources", F::Any),
            ("env", F::Any),
            ("envFrom", F::Any),
            ("image", F::Any),
            ("imagePullPolicy", F::Any),
            ("lifecycle", F::Any),
            ("livenessProbe", F::Any),
            ("name", F::Any),
            ("ports", F::Any),
            ("readinessProbe", F::Any),
            ("restartPolicy", F::Any),
            ("script", F::Any),
            ("securityContext", F::Any),
            ("startupProbe", F::Any),
            ("stdin", F::Any),
            ("stdinOnce", F::Any),
            ("terminationMessagePath", F::Any),
            ("terminationMessagePolicy", F::Any),
            ("tty", F::Any),
            ("volumeDevices", F::Any),
            ("volumeMounts", F::Any),
            ("workingDir", F::Any),
            ("workspaces", F::List(15)),
        ],
    },
    // 15: v1.WorkspaceUsage
    Ty {
        fields: &[("mountPath", F::Any), ("name", F::Any)],
    },
    // 16: v1.StepTemplate
    Ty {
        fields: &[
            ("args", F::Any),
            ("command", F::Any),
            ("computeResources", F::Any),
            ("env", F::Any),
            ("envFrom", F::Any),
            ("image", F::Any),
            ("imagePullPolicy", F::Any),
            ("securityContext", F::Any),
            ("volumeDevices", F::Any),
            ("volumeMounts", F::Any),
            ("workingDir", F::Any),
        ],
    },
    // 17: v1.Step
    Ty {
        fields: &[
            ("args", F::Any),
            ("command", F::Any),
            ("computeResources", F::Any),
            ("displayName", F::Any),
            ("env", F::Any),
            ("envFrom", F::Any),
            ("image", F::Any),
            ("imagePullPolicy", F::Any),
            ("name", F::Any),
            ("onError", F::Any),
            ("params", F::List(6)),
            ("ref", F::One(18)),
            ("results", F::List(19)),
            ("script", F::Any),
            ("securityContext", F::Any),
            ("stderrConfig", F::One(20)),
            ("stdoutConfig", F::One(20)),
            ("timeout", F::Any),
            ("volumeDevices", F::Any),
            ("volumeMounts", F::Any),
            ("when", F::List(21)),
            ("workingDir", F::Any),
            ("workspaces", F::List(15)),
        ],
    },
    // 18: v1.Ref
    Ty {
        fields: &[
            ("name", F::Any),
            ("params", F::List(6)),
            ("resolver", F::Any),
        ],
    },
    // 19: v1.StepResult
    Ty {
        fields: &[
            ("description", F::Any),
            ("name", F::Any),
            ("properties", F::Map(12)),
            ("type", F::Any),
        ],
    },
    // 20: v1.StepOutputConfig
    Ty {
        fields: &[("path", F::Any)],
    },
    // 21: v1.WhenExpression
    Ty {
        fields: &[
            ("cel", F::Any),
            ("input", F::Any),
            ("operator", F::Any),
            ("values", F::Any),
        ],
    },
    // 22: v1.WorkspaceDeclaration
    Ty {
        fields: &[
            ("description", F::Any),
            ("mountPath", F::Any),
            ("name", F::Any),
            ("optional", F::Any),
            ("readOnly", F::Any),
        ],
    },
    // 23: v1.WorkspacePipelineTaskBinding
    Ty {
        fields: &[("name", F::Any), ("subPath", F::Any), ("workspace", F::Any)],
    },
    // 24: v1.PipelineResult
    Ty {
        fields: &[
            ("description", F::Any),
            ("name", F::Any),
            ("type", F::Any),
            ("value", F::Any),
        ],
    },
    // 25: v1.PipelineWorkspaceDeclaration
    Ty {
        fields: &[
            ("description", F::Any),
            ("name", F::Any),
            ("optional", F::Any),
        ],
    },
    // 26: v1.Task
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(27)),
            ("status", F::Any),
        ],
    },
    // 27: v1.TaskSpec
    Ty {
        fields: &[
            ("description", F::Any),
            ("displayName", F::Any),
            ("params", F::List(11)),
            ("results", F::List(13)),
            ("sidecars", F::List(14)),
            ("stepTemplate", F::One(16)),
            ("steps", F::List(17)),
            ("volumes", F::Any),
            ("workspaces", F::List(22)),
        ],
    },
    // 28: v1.PipelineRun
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(29)),
            ("status", F::Any),
        ],
    },
    // 29: v1.PipelineRunSpec
    Ty {
        fields: &[
            ("managedBy", F::Any),
            ("params", F::List(6)),
            ("pipelineRef", F::One(7)),
            ("pipelineSpec", F::One(2)),
            ("status", F::Any),
            ("taskRunSpecs", F::List(30)),
            ("taskRunTemplate", F::One(34)),
            ("timeouts", F::One(35)),
            ("workspaces", F::List(36)),
        ],
    },
    // 30: v1.PipelineTaskRunSpec
    Ty {
        fields: &[
            ("computeResources", F::Any),
            ("metadata", F::One(10)),
            ("pipelineTaskName", F::Any),
            ("podTemplate", F::One(31)),
            ("serviceAccountName", F::Any),
            ("sidecarSpecs", F::List(32)),
            ("stepSpecs", F::List(33)),
            ("timeout", F::Any),
        ],
    },
    // 31: pod.Template
    Ty {
        fields: &[
            ("affinity", F::Any),
            ("automountServiceAccountToken", F::Any),
            ("dnsConfig", F::Any),
            ("dnsPolicy", F::Any),
            ("enableServiceLinks", F::Any),
            ("env", F::Any),
            ("hostAliases", F::Any),
            ("hostNetwork", F::Any),
            ("hostUsers", F::Any),
            ("imagePullSecrets", F::Any),
            ("nodeSelector", F::Any),
            ("priorityClassName", F::Any),
            ("runtimeClassName", F::Any),
            ("schedulerName", F::Any),
            ("securityContext", F::Any),
            ("tolerations", F::Any),
            ("topologySpreadConstraints", F::Any),
            ("volumes", F::Any),
        ],
    },
    // 32: v1.TaskRunSidecarSpec
    Ty {
        fields: &[("computeResources", F::Any), ("name", F::Any)],
    },
    // 33: v1.TaskRunStepSpec
    Ty {
        fields: &[("computeResources", F::Any), ("name", F::Any)],
    },
    // 34: v1.PipelineTaskRunTemplate
    Ty {
        fields: &[("podTemplate", F::One(31)), ("serviceAccountName", F::Any)],
    },
    // 35: v1.TimeoutFields
    Ty {
        fields: &[("finally", F::Any), ("pipeline", F::Any), ("tasks", F::Any)],
    },
    // 36: v1.WorkspaceBinding
    Ty {
        fields: &[
            ("configMap", F::Any),
            ("csi", F::Any),
            ("emptyDir", F::Any),
            ("name", F::Any),
            ("persistentVolumeClaim", F::Any),
            ("projected", F::Any),
            ("secret", F::Any),
            ("subPath", F::Any),
            ("volumeClaimTemplate", F::Any),
        ],
    },
    // 37: v1.PipelineRunStatus
    Ty {
        fields: &[
            ("annotations", F::Any),
            ("childReferences", F::List(38)),
            ("completionTime", F::Any),
            ("conditions", F::Any),
            ("finallyStartTime", F::Any),
            ("observedGeneration", F::Any),
            ("pipelineSpec", F::One(2)),
            ("provenance", F::One(39)),
            ("results", F::List(41)),
            ("skippedTasks", F::List(42)),
            ("spanContext", F::Any),
            ("startTime", F::Any),
        ],
    },
    // 38: v1.ChildStatusReference
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("displayName", F::Any),
            ("kind", F::Any),
            ("name", F::Any),
            ("pipelineTaskName", F::Any),
            ("whenExpressions", F::List(21)),
        ],
    },
    // 39: v1.Provenance
    Ty {
        fields: &[("featureFlags", F::Any), ("refSource", F::One(40))],
    },
    // 40: v1.RefSource
    Ty {
        fields: &[("digest", F::Any), ("entryPoint", F::Any), ("uri", F::Any)],
    },
    // 41: v1.PipelineRunResult
    Ty {
        fields: &[("name", F::Any), ("value", F::Any)],
    },
    // 42: v1.SkippedTask
    Ty {
        fields: &[
            ("name", F::Any),
            ("reason", F::Any),
            ("whenExpressions", F::List(21)),
        ],
    },
    // 43: v1.TaskRun
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(44)),
            ("status", F::Any),
        ],
    },
    // 44: v1.TaskRunSpec
    Ty {
        fields: &[
            ("computeResources", F::Any),
            ("debug", F::One(45)),
            ("managedBy", F::Any),
            ("params", F::List(6)),
            ("podTemplate", F::One(31)),
            ("retries", F::Any),
            ("serviceAccountName", F::Any),
            ("sidecarSpecs", F::List(32)),
            ("status", F::Any),
            ("statusMessage", F::Any),
            ("stepSpecs", F::List(33)),
            ("taskRef", F::One(8)),
            ("taskSpec", F::One(27)),
            ("timeout", F::Any),
            ("workspaces", F::List(36)),
        ],
    },
    // 45: v1.TaskRunDebug
    Ty {
        fields: &[("breakpoints", F::One(46))],
    },
    // 46: v1.TaskBreakpoints
    Ty {
        fields: &[("beforeSteps", F::Any), ("onFailure", F::Any)],
    },
    // 47: v1.TaskRunStatus
    Ty {
        fields: &[
            ("annotations", F::Any),
            ("artifacts", F::One(48)),
            ("completionTime", F::Any),
            ("conditions", F::Any),
            ("observedGeneration", F::Any),
            ("podName", F::Any),
            ("provenance", F::One(39)),
            ("results", F::List(51)),
            ("retriesStatus", F::List(47)),
            ("sidecars", F::List(52)),
            ("spanContext", F::Any),
            ("startTime", F::Any),
            ("steps", F::List(53)),
            ("taskSpec", F::One(27)),
        ],
    },
    // 48: v1.Artifacts
    Ty {
        fields: &[("inputs", F::List(49)), ("outputs", F::List(49))],
    },
    // 49: v1.Artifact
    Ty {
        fields: &[
            ("buildOutput", F::Any),
            ("name", F::Any),
            ("values", F::List(50)),
        ],
    },
    // 50: v1.ArtifactValue
    Ty {
        fields: &[("digest", F::Any), ("uri", F::Any)],
    },
    // 51: v1.TaskRunResult
    Ty {
        fields: &[("name", F::Any), ("type", F::Any), ("value", F::Any)],
    },
    // 52: v1.SidecarState
    Ty {
        fields: &[
            ("container", F::Any),
            ("imageID", F::Any),
            ("name", F::Any),
            ("running", F::Any),
            ("terminated", F::Any),
            ("waiting", F::Any),
        ],
    },
    // 53: v1.StepState
    Ty {
        fields: &[
            ("container", F::Any),
            ("imageID", F::Any),
            ("inputs", F::List(49)),
            ("name", F::Any),
            ("outputs", F::List(49)),
            ("provenance", F::One(39)),
            ("results", F::List(51)),
            ("running", F::Any),
            ("terminated", F::Any),
            ("terminationReason", F::Any),
            ("waiting", F::Any),
        ],
    },
    // 54: v1beta1.Pipeline
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(55)),
            ("status", F::Any),
        ],
    },
    // 55: v1beta1.PipelineSpec
    Ty {
        fields: &[
            ("description", F::Any),
            ("displayName", F::Any),
            ("finally", F::List(56)),
            ("params", F::List(67)),
            ("resources", F::List(81)),
            ("results", F::List(82)),
            ("tasks", F::List(56)),
            ("workspaces", F::List(83)),
        ],
    },
    // 56: v1beta1.PipelineTask
    Ty {
        fields: &[
            ("description", F::Any),
            ("displayName", F::Any),
            ("matrix", F::One(57)),
            ("name", F::Any),
            ("onError", F::Any),
            ("params", F::List(59)),
            ("pipelineRef", F::One(60)),
            ("pipelineSpec", F::One(55)),
            ("resources", F::One(61)),
            ("retries", F::Any),
            ("runAfter", F::Any),
            ("taskRef", F::One(64)),
            ("taskSpec", F::One(65)),
            ("timeout", F::Any),
            ("when", F::List(78)),
            ("workspaces", F::List(80)),
        ],
    },
    // 57: v1beta1.Matrix
    Ty {
        fields: &[("include", F::List(58)), ("params", F::List(59))],
    },
    // 58: v1beta1.IncludeParams
    Ty {
        fields: &[("name", F::Any), ("params", F::List(59))],
    },
    // 59: v1beta1.Param
    Ty {
        fields: &[("name", F::Any), ("value", F::Any)],
    },
    // 60: v1beta1.PipelineRef
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("bundle", F::Any),
            ("name", F::Any),
            ("params", F::List(59)),
            ("resolver", F::Any),
        ],
    },
    // 61: v1beta1.PipelineTaskResources
    Ty {
        fields: &[("inputs", F::List(62)), ("outputs", F::List(63))],
    },
    // 62: v1beta1.PipelineTaskInputResource
    Ty {
        fields: &[("from", F::Any), ("name", F::Any), ("resource", F::Any)],
    },
    // 63: v1beta1.PipelineTaskOutputResource
    Ty {
        fields: &[("name", F::Any), ("resource", F::Any)],
    },
    // 64: v1beta1.TaskRef
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("bundle", F::Any),
            ("kind", F::Any),
            ("name", F::Any),
            ("params", F::List(59)),
            ("resolver", F::Any),
        ],
    },
    // 65: v1beta1.EmbeddedTask
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("description", F::Any),
            ("displayName", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(66)),
            ("params", F::List(67)),
            ("resources", F::One(69)),
            ("results", F::List(71)),
            ("sidecars", F::List(72)),
            ("spec", F::Any),
            ("stepTemplate", F::One(74)),
            ("steps", F::List(75)),
            ("volumes", F::Any),
            ("workspaces", F::List(79)),
        ],
    },
    // 66: v1beta1.PipelineTaskMetadata
    Ty {
        fields: &[("annotations", F::Any), ("labels", F::Any)],
    },
    // 67: v1beta1.ParamSpec
    Ty {
        fields: &[
            ("default", F::Any),
            ("description", F::Any),
            ("enum", F::Any),
            ("name", F::Any),
            ("properties", F::Map(68)),
            ("type", F::Any),
        ],
    },
    // 68: v1beta1.PropertySpec
    Ty {
        fields: &[("type", F::Any)],
    },
    // 69: v1beta1.TaskResources
    Ty {
        fields: &[("inputs", F::List(70)), ("outputs", F::List(70))],
    },
    // 70: v1beta1.TaskResource
    Ty {
        fields: &[
            ("description", F::Any),
            ("name", F::Any),
            ("optional", F::Any),
            ("targetPath", F::Any),
            ("type", F::Any),
        ],
    },
    // 71: v1beta1.TaskResult
    Ty {
        fields: &[
            ("description", F::Any),
            ("name", F::Any),
            ("properties", F::Map(68)),
            ("type", F::Any),
            ("value", F::Any),
        ],
    },
    // 72: v1beta1.Sidecar
    Ty {
        fields: &[
            ("args", F::Any),
            ("command", F::Any),
            ("env", F::Any),
            ("envFrom", F::Any),
            ("image", F::Any),
            ("imagePullPolicy", F::Any),
            ("lifecycle", F::Any),
            ("livenessProbe", F::Any),
            ("name", F::Any),
            ("ports", F::Any),
            ("readinessProbe", F::Any),
            ("resources", F::Any),
            ("restartPolicy", F::Any),
            ("script", F::Any),
            ("securityContext", F::Any),
            ("startupProbe", F::Any),
            ("stdin", F::Any),
            ("stdinOnce", F::Any),
            ("terminationMessagePath", F::Any),
            ("terminationMessagePolicy", F::Any),
            ("tty", F::Any),
            ("volumeDevices", F::Any),
            ("volumeMounts", F::Any),
            ("workingDir", F::Any),
            ("workspaces", F::List(73)),
        ],
    },
    // 73: v1beta1.WorkspaceUsage
    Ty {
        fields: &[("mountPath", F::Any), ("name", F::Any)],
    },
    // 74: v1beta1.StepTemplate
    Ty {
        fields: &[
            ("args", F::Any),
            ("command", F::Any),
            ("env", F::Any),
            ("envFrom", F::Any),
            ("image", F::Any),
            ("imagePullPolicy", F::Any),
            ("lifecycle", F::Any),
            ("livenessProbe", F::Any),
            ("name", F::Any),
            ("ports", F::Any),
            ("readinessProbe", F::Any),
            ("resources", F::Any),
            ("securityContext", F::Any),
            ("startupProbe", F::Any),
            ("stdin", F::Any),
            ("stdinOnce", F::Any),
            ("terminationMessagePath", F::Any),
            ("terminationMessagePolicy", F::Any),
            ("tty", F::Any),
            ("volumeDevices", F::Any),
            ("volumeMounts", F::Any),
            ("workingDir", F::Any),
        ],
    },
    // 75: v1beta1.Step
    Ty {
        fields: &[
            ("args", F::Any),
            ("command", F::Any),
            ("displayName", F::Any),
            ("env", F::Any),
            ("envFrom", F::Any),
            ("image", F::Any),
            ("imagePullPolicy", F::Any),
            ("lifecycle", F::Any),
            ("livenessProbe", F::Any),
            ("name", F::Any),
            ("onError", F::Any),
            ("params", F::List(59)),
            ("ports", F::Any),
            ("readinessProbe", F::Any),
            ("ref", F::One(76)),
            ("resources", F::Any),
            ("results", F::Any),
            ("script", F::Any),
            ("securityContext", F::Any),
            ("startupProbe", F::Any),
            ("stderrConfig", F::One(77)),
            ("stdin", F::Any),
            ("stdinOnce", F::Any),
            ("stdoutConfig", F::One(77)),
            ("terminationMessagePath", F::Any),
            ("terminationMessagePolicy", F::Any),
            ("timeout", F::Any),
            ("tty", F::Any),
            ("volumeDevices", F::Any),
            ("volumeMounts", F::Any),
            ("when", F::List(78)),
            ("workingDir", F::Any),
            ("workspaces", F::List(73)),
        ],
    },
    // 76: v1beta1.Ref
    Ty {
        fields: &[
            ("name", F::Any),
            ("params", F::List(59)),
            ("resolver", F::Any),
        ],
    },
    // 77: v1beta1.StepOutputConfig
    Ty {
        fields: &[("path", F::Any)],
    },
    // 78: v1beta1.WhenExpression
    Ty {
        fields: &[
            ("cel", F::Any),
            ("input", F::Any),
            ("operator", F::Any),
            ("values", F::Any),
        ],
    },
    // 79: v1beta1.WorkspaceDeclaration
    Ty {
        fields: &[
            ("description", F::Any),
            ("mountPath", F::Any),
            ("name", F::Any),
            ("optional", F::Any),
            ("readOnly", F::Any),
        ],
    },
    // 80: v1beta1.WorkspacePipelineTaskBinding
    Ty {
        fields: &[("name", F::Any), ("subPath", F::Any), ("workspace", F::Any)],
    },
    // 81: v1beta1.PipelineDeclaredResource
    Ty {
        fields: &[("name", F::Any), ("optional", F::Any), ("type", F::Any)],
    },
    // 82: v1beta1.PipelineResult
    Ty {
        fields: &[
            ("description", F::Any),
            ("name", F::Any),
            ("type", F::Any),
            ("value", F::Any),
        ],
    },
    // 83: v1beta1.PipelineWorkspaceDeclaration
    Ty {
        fields: &[
            ("description", F::Any),
            ("name", F::Any),
            ("optional", F::Any),
        ],
    },
    // 84: v1beta1.Task
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(85)),
            ("status", F::Any),
        ],
    },
    // 85: v1beta1.TaskSpec
    Ty {
        fields: &[
            ("description", F::Any),
            ("displayName", F::Any),
            ("params", F::List(67)),
            ("resources", F::One(69)),
            ("results", F::List(71)),
            ("sidecars", F::List(72)),
            ("stepTemplate", F::One(74)),
            ("steps", F::List(75)),
            ("volumes", F::Any),
            ("workspaces", F::List(79)),
        ],
    },
    // 86: v1beta1.PipelineRun
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(87)),
            ("status", F::Any),
        ],
    },
    // 87: v1beta1.PipelineRunSpec
    Ty {
        fields: &[
            ("managedBy", F::Any),
            ("params", F::List(59)),
            ("pipelineRef", F::One(60)),
            ("pipelineSpec", F::One(55)),
            ("podTemplate", F::One(88)),
            ("resources", F::List(89)),
            ("serviceAccountName", F::Any),
            ("status", F::Any),
            ("taskRunSpecs", F::List(91)),
            ("timeout", F::Any),
            ("timeouts", F::One(94)),
            ("workspaces", F::List(95)),
        ],
    },
    // 88: pod.Template
    Ty {
        fields: &[
            ("affinity", F::Any),
            ("automountServiceAccountToken", F::Any),
            ("dnsConfig", F::Any),
            ("dnsPolicy", F::Any),
            ("enableServiceLinks", F::Any),
            ("env", F::Any),
            ("hostAliases", F::Any),
            ("hostNetwork", F::Any),
            ("hostUsers", F::Any),
            ("imagePullSecrets", F::Any),
            ("nodeSelector", F::Any),
            ("priorityClassName", F::Any),
            ("runtimeClassName", F::Any),
            ("schedulerName", F::Any),
            ("securityContext", F::Any),
            ("tolerations", F::Any),
            ("topologySpreadConstraints", F::Any),
            ("volumes", F::Any),
        ],
    },
    // 89: v1beta1.PipelineResourceBinding
    Ty {
        fields: &[
            ("name", F::Any),
            ("resourceRef", F::One(90)),
            ("resourceSpec", F::Any),
        ],
    },
    // 90: v1beta1.PipelineResourceRef
    Ty {
        fields: &[("apiVersion", F::Any), ("name", F::Any)],
    },
    // 91: v1beta1.PipelineTaskRunSpec
    Ty {
        fields: &[
            ("computeResources", F::Any),
            ("metadata", F::One(66)),
            ("pipelineTaskName", F::Any),
            ("sidecarOverrides", F::List(92)),
            ("stepOverrides", F::List(93)),
            ("taskPodTemplate", F::One(88)),
            ("taskServiceAccountName", F::Any),
            ("timeout", F::Any),
        ],
    },
    // 92: v1beta1.TaskRunSidecarOverride
    Ty {
        fields: &[("name", F::Any), ("resources", F::Any)],
    },
    // 93: v1beta1.TaskRunStepOverride
    Ty {
        fields: &[("name", F::Any), ("resources", F::Any)],
    },
    // 94: v1beta1.TimeoutFields
    Ty {
        fields: &[("finally", F::Any), ("pipeline", F::Any), ("tasks", F::Any)],
    },
    // 95: v1beta1.WorkspaceBinding
    Ty {
        fields: &[
            ("configMap", F::Any),
            ("csi", F::Any),
            ("emptyDir", F::Any),
            ("name", F::Any),
            ("persistentVolumeClaim", F::Any),
            ("projected", F::Any),
            ("secret", F::Any),
            ("subPath", F::Any),
            ("volumeClaimTemplate", F::Any),
        ],
    },
    // 96: v1beta1.PipelineRunStatus
    Ty {
        fields: &[
            ("annotations", F::Any),
            ("childReferences", F::List(97)),
            ("completionTime", F::Any),
            ("conditions", F::Any),
            ("finallyStartTime", F::Any),
            ("observedGeneration", F::Any),
            ("pipelineResults", F::List(98)),
            ("pipelineSpec", F::One(55)),
            ("provenance", F::One(99)),
            ("runs", F::Map(102)),
            ("skippedTasks", F::List(103)),
            ("spanContext", F::Any),
            ("startTime", F::Any),
            ("taskRuns", F::Map(104)),
        ],
    },
    // 97: v1beta1.ChildStatusReference
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("displayName", F::Any),
            ("kind", F::Any),
            ("name", F::Any),
            ("pipelineTaskName", F::Any),
            ("whenExpressions", F::List(78)),
        ],
    },
    // 98: v1beta1.PipelineRunResult
    Ty {
        fields: &[("name", F::Any), ("value", F::Any)],
    },
    // 99: v1beta1.Provenance
    Ty {
        fields: &[
            ("configSource", F::One(100)),
            ("featureFlags", F::Any),
            ("refSource", F::One(101)),
        ],
    },
    // 100: v1beta1.ConfigSource
    Ty {
        fields: &[("digest", F::Any), ("entryPoint", F::Any), ("uri", F::Any)],
    },
    // 101: v1beta1.RefSource
    Ty {
        fields: &[("digest", F::Any), ("entryPoint", F::Any), ("uri", F::Any)],
    },
    // 102: v1beta1.PipelineRunRunStatus
    Ty {
        fields: &[
            ("pipelineTaskName", F::Any),
            ("status", F::Any),
            ("whenExpressions", F::List(78)),
        ],
    },
    // 103: v1beta1.SkippedTask
    Ty {
        fields: &[
            ("name", F::Any),
            ("reason", F::Any),
            ("whenExpressions", F::List(78)),
        ],
    },
    // 104: v1beta1.PipelineRunTaskRunStatus
    Ty {
        fields: &[
            ("pipelineTaskName", F::Any),
            ("status", F::One(105)),
            ("whenExpressions", F::List(78)),
        ],
    },
    // 105: v1beta1.TaskRunStatus
    Ty {
        fields: &[
            ("annotations", F::Any),
            ("cloudEvents", F::List(106)),
            ("completionTime", F::Any),
            ("conditions", F::Any),
            ("observedGeneration", F::Any),
            ("podName", F::Any),
            ("provenance", F::One(99)),
            ("resourcesResult", F::Any),
            ("retriesStatus", F::List(105)),
            ("sidecars", F::List(108)),
            ("spanContext", F::Any),
            ("startTime", F::Any),
            ("steps", F::List(109)),
            ("taskResults", F::List(112)),
            ("taskSpec", F::One(85)),
        ],
    },
    // 106: v1beta1.CloudEventDelivery
    Ty {
        fields: &[("status", F::One(107)), ("target", F::Any)],
    },
    // 107: v1beta1.CloudEventDeliveryState
    Ty {
        fields: &[
            ("condition", F::Any),
            ("message", F::Any),
            ("retryCount", F::Any),
            ("sentAt", F::Any),
        ],
    },
    // 108: v1beta1.SidecarState
    Ty {
        fields: &[
            ("container", F::Any),
            ("imageID", F::Any),
            ("name", F::Any),
            ("running", F::Any),
            ("terminated", F::Any),
            ("waiting", F::Any),
        ],
    },
    // 109: v1beta1.StepState
    Ty {
        fields: &[
            ("container", F::Any),
            ("imageID", F::Any),
            ("inputs", F::List(110)),
            ("name", F::Any),
            ("outputs", F::List(110)),
            ("provenance", F::One(99)),
            ("results", F::List(112)),
            ("running", F::Any),
            ("terminated", F::Any),
            ("waiting", F::Any),
        ],
    },
    // 110: v1beta1.Artifact
    Ty {
        fields: &[
            ("buildOutput", F::Any),
            ("name", F::Any),
            ("values", F::List(111)),
        ],
    },
    // 111: v1beta1.ArtifactValue
    Ty {
        fields: &[("digest", F::Any), ("uri", F::Any)],
    },
    // 112: v1beta1.TaskRunResult
    Ty {
        fields: &[("name", F::Any), ("type", F::Any), ("value", F::Any)],
    },
    // 113: v1beta1.TaskRun
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(114)),
            ("status", F::Any),
        ],
    },
    // 114: v1beta1.TaskRunSpec
    Ty {
        fields: &[
            ("computeResources", F::Any),
            ("debug", F::One(115)),
            ("managedBy", F::Any),
            ("params", F::List(59)),
            ("podTemplate", F::One(88)),
            ("resources", F::One(117)),
            ("retries", F::Any),
            ("serviceAccountName", F::Any),
            ("sidecarOverrides", F::List(92)),
            ("status", F::Any),
            ("statusMessage", F::Any),
            ("stepOverrides", F::List(93)),
            ("taskRef", F::One(64)),
            ("taskSpec", F::One(85)),
            ("timeout", F::Any),
            ("workspaces", F::List(95)),
        ],
    },
    // 115: v1beta1.TaskRunDebug
    Ty {
        fields: &[("breakpoints", F::One(116))],
    },
    // 116: v1beta1.TaskBreakpoints
    Ty {
        fields: &[("beforeSteps", F::Any), ("onFailure", F::Any)],
    },
    // 117: v1beta1.TaskRunResources
    Ty {
        fields: &[("inputs", F::List(118)), ("outputs", F::List(118))],
    },
    // 118: v1beta1.TaskResourceBinding
    Ty {
        fields: &[
            ("name", F::Any),
            ("paths", F::Any),
            ("resourceRef", F::One(90)),
            ("resourceSpec", F::Any),
        ],
    },
    // 119: v1beta1.StepAction
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(120)),
            ("status", F::Any),
        ],
    },
    // 120: v1beta1.StepActionSpec
    Ty {
        fields: &[
            ("args", F::Any),
            ("command", F::Any),
            ("description", F::Any),
            ("env", F::Any),
            ("image", F::Any),
            ("params", F::Any),
            ("results", F::Any),
            ("script", F::Any),
            ("securityContext", F::Any),
            ("volumeMounts", F::Any),
            ("workingDir", F::Any),
        ],
    },
    // 121: v1beta1.CustomRun
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(122)),
            ("status", F::Any),
        ],
    },
    // 122: v1beta1.CustomRunSpec
    Ty {
        fields: &[
            ("customRef", F::One(64)),
            ("customSpec", F::One(123)),
            ("params", F::List(59)),
            ("retries", F::Any),
            ("serviceAccountName", F::Any),
            ("status", F::Any),
            ("statusMessage", F::Any),
            ("timeout", F::Any),
            ("workspaces", F::List(95)),
        ],
    },
    // 123: v1beta1.EmbeddedCustomRunSpec
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(66)),
            ("spec", F::Any),
        ],
    },
    // 124: v1alpha1.StepAction
    Ty {
        fields: &[
            ("apiVersion", F::Any),
            ("kind", F::Any),
            ("metadata", F::One(1)),
            ("spec", F::One(125)),
            ("status", F::Any),
        ],
    },
    // 125: v1alpha1.StepActionSpec
    Ty {
        fields: &[
            ("args", F::Any),
            ("command", F::Any),
            ("description", F::Any),
            ("env", F::Any),
            ("image", F::Any),
            ("params", F::Any),
            ("results", F::Any),
            ("script", F::Any),
            ("securityContext", F::Any),
            ("volumeMounts", F::Any),
            ("workingDir", F::Any),
        ],
    },
];

/// The index of the top-level type of `kind` in `api_version`, for the kinds Tekton serves.
pub(super) fn root(api_version: &str, kind: &str) -> Option<usize> {
    match (api_version, kind) {
        ("tekton.dev/v1", "Pipeline") => Some(0),
        ("tekton.dev/v1", "Task") => Some(26),
        ("tekton.dev/v1", "PipelineRun") => Some(28),
        ("tekton.dev/v1", "TaskRun") => Some(43),
        ("tekton.dev/v1beta1", "Pipeline") => Some(54),
        ("tekton.dev/v1beta1", "Task") => Some(84),
        ("tekton.dev/v1beta1", "ClusterTask") => Some(84),
        ("tekton.dev/v1beta1", "PipelineRun") => Some(86),
        ("tekton.dev/v1beta1", "TaskRun") => Some(113),
        ("tekton.dev/v1beta1", "StepAction") => Some(119),
        ("tekton.dev/v1beta1", "CustomRun") => Some(121),
        ("tekton.dev/v1alpha1", "StepAction") => Some(124),
        _ => None,
    }
}
