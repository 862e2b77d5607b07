//! The API server's layer: the structural schemas of Tekton's CRDs, generated from
//! tektoncd/pipeline `config/300-crds/*.yaml` (commit
//! `3ee1745ae5b2d9175b11917d7c1935eaad44910c`), Kubernetes types included. A field the CRD leaves open
//! (`x-kubernetes-preserve-unknown-fields`) that holds a Tekton type (`C::Open`) continues
//! in `super::fields`, the webhook's layer; other open fields are not checked (`C::Any`).

use super::{C, Node};

/// Every schema node, referred to by index.
pub(super) static NODES: &[Node] = &[
    // 0
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(2)),
            ("status", C::Any),
        ],
    },
    // 1
    Node {
        fields: &[
            ("annotations", C::Any),
            ("creationTimestamp", C::Any),
            ("deletionGracePeriodSeconds", C::Any),
            ("deletionTimestamp", C::Any),
            ("finalizers", C::Any),
            ("generateName", C::Any),
            ("generation", C::Any),
            ("labels", C::Any),
            ("managedFields", C::Any),
            ("name", C::Any),
            ("namespace", C::Any),
            ("ownerReferences", C::Any),
            ("resourceVersion", C::Any),
            ("selfLink", C::Any),
            ("uid", C::Any),
        ],
    },
    // 2
    Node {
        fields: &[
            ("customRef", C::One(3)),
            ("customSpec", C::One(5)),
            ("params", C::List(4)),
            ("retries", C::Any),
            ("serviceAccountName", C::Any),
            ("status", C::Any),
            ("statusMessage", C::Any),
            ("timeout", C::Any),
            ("workspaces", C::List(7)),
        ],
    },
    // 3
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("bundle", C::Any),
            ("kind", C::Any),
            ("name", C::Any),
            ("params", C::List(4)),
            ("resolver", C::Any),
        ],
    },
    // 4
    Node {
        fields: &[("name", C::Any), ("value", C::Any)],
    },
    // 5
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(6)),
            ("spec", C::Any),
        ],
    },
    // 6
    Node {
        fields: &[("annotations", C::Any), ("labels", C::Any)],
    },
    // 7
    Node {
        fields: &[
            ("configMap", C::One(8)),
            ("csi", C::One(10)),
            ("emptyDir", C::One(12)),
            ("name", C::Any),
            ("persistentVolumeClaim", C::One(13)),
            ("projected", C::One(14)),
            ("secret", C::One(25)),
            ("subPath", C::Any),
            ("volumeClaimTemplate", C::Any),
        ],
    },
    // 8
    Node {
        fields: &[
            ("defaultMode", C::Any),
            ("items", C::List(9)),
            ("name", C::Any),
            ("optional", C::Any),
        ],
    },
    // 9
    Node {
        fields: &[("key", C::Any), ("mode", C::Any), ("path", C::Any)],
    },
    // 10
    Node {
        fields: &[
            ("driver", C::Any),
            ("fsType", C::Any),
            ("nodePublishSecretRef", C::One(11)),
            ("readOnly", C::Any),
            ("volumeAttributes", C::Any),
        ],
    },
    // 11
    Node {
        fields: &[("name", C::Any)],
    },
    // 12
    Node {
        fields: &[("medium", C::Any), ("sizeLimit", C::Any)],
    },
    // 13
    Node {
        fields: &[("claimName", C::Any), ("readOnly", C::Any)],
    },
    // 14
    Node {
        fields: &[("defaultMode", C::Any), ("sources", C::List(15))],
    },
    // 15
    Node {
        fields: &[
            ("clusterTrustBundle", C::One(16)),
            ("configMap", C::One(19)),
            ("downwardAPI", C::One(20)),
            ("secret", C::One(19)),
            ("serviceAccountToken", C::One(24)),
        ],
    },
    // 16
    Node {
        fields: &[
            ("labelSelector", C::One(17)),
            ("name", C::Any),
            ("optional", C::Any),
            ("path", C::Any),
            ("signerName", C::Any),
        ],
    },
    // 17
    Node {
        fields: &[("matchExpressions", C::List(18)), ("matchLabels", C::Any)],
    },
    // 18
    Node {
        fields: &[("key", C::Any), ("operator", C::Any), ("values", C::Any)],
    },
    // 19
    Node {
        fields: &[
            ("items", C::List(9)),
            ("name", C::Any),
            ("optional", C::Any),
        ],
    },
    // 20
    Node {
        fields: &[("items", C::List(21))],
    },
    // 21
    Node {
        fields: &[
            ("fieldRef", C::One(22)),
            ("mode", C::Any),
            ("path", C::Any),
            ("resourceFieldRef", C::One(23)),
        ],
    },
    // 22
    Node {
        fields: &[("apiVersion", C::Any), ("fieldPath", C::Any)],
    },
    // 23
    Node {
        fields: &[
            ("containerName", C::Any),
            ("divisor", C::Any),
            ("resource", C::Any),
        ],
    },
    // 24
    Node {
        fields: &[
            ("audience", C::Any),
            ("expirationSeconds", C::Any),
            ("path", C::Any),
        ],
    },
    // 25
    Node {
        fields: &[
            ("defaultMode", C::Any),
            ("items", C::List(9)),
            ("optional", C::Any),
            ("secretName", C::Any),
        ],
    },
    // 26
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(27)),
            ("status", C::Any),
        ],
    },
    // 27
    Node {
        fields: &[
            ("description", C::Any),
            ("displayName", C::Any),
            ("finally", C::List(28)),
            ("params", C::List(37)),
            ("resources", C::List(39)),
            ("results", C::List(40)),
            ("tasks", C::List(28)),
            ("workspaces", C::List(41)),
        ],
    },
    // 28
    Node {
        fields: &[
            ("description", C::Any),
            ("displayName", C::Any),
            ("matrix", C::One(29)),
            ("name", C::Any),
            ("onError", C::Any),
            ("params", C::List(4)),
            ("pipelineRef", C::One(31)),
            ("pipelineSpec", C::Open(55)),
            ("resources", C::One(32)),
            ("retries", C::Any),
            ("runAfter", C::Any),
            ("taskRef", C::One(3)),
            ("taskSpec", C::Open(65)),
            ("timeout", C::Any),
            ("when", C::List(35)),
            ("workspaces", C::List(36)),
        ],
    },
    // 29
    Node {
        fields: &[("include", C::List(30)), ("params", C::List(4))],
    },
    // 30
    Node {
        fields: &[("name", C::Any), ("params", C::List(4))],
    },
    // 31
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("bundle", C::Any),
            ("name", C::Any),
            ("params", C::List(4)),
            ("resolver", C::Any),
        ],
    },
    // 32
    Node {
        fields: &[("inputs", C::List(33)), ("outputs", C::List(34))],
    },
    // 33
    Node {
        fields: &[("from", C::Any), ("name", C::Any), ("resource", C::Any)],
    },
    // 34
    Node {
        fields: &[("name", C::Any), ("resource", C::Any)],
    },
    // 35
    Node {
        fields: &[
            ("cel", C::Any),
            ("input", C::Any),
            ("operator", C::Any),
            ("values", C::Any),
        ],
    },
    // 36
    Node {
        fields: &[("name", C::Any), ("subPath", C::Any), ("workspace", C::Any)],
    },
    // 37
    Node {
        fields: &[
            ("default", C::Any),
            ("description", C::Any),
            ("enum", C::Any),
            ("name", C::Any),
            ("properties", C::Map(38)),
            ("type", C::Any),
        ],
    },
    // 38
    Node {
        fields: &[("type", C::Any)],
    },
    // 39
    Node {
        fields: &[("name", C::Any), ("optional", C::Any), ("type", C::Any)],
    },
    // 40
    Node {
        fields: &[
            ("description", C::Any),
            ("name", C::Any),
            ("type", C::Any),
            ("value", C::Any),
        ],
    },
    // 41
    Node {
        fields: &[
            ("description", C::Any),
            ("name", C::Any),
            ("optional", C::Any),
        ],
    },
    // 42
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(43)),
            ("status", C::Any),
        ],
    },
    // 43
    Node {
        fields: &[
            ("description", C::Any),
            ("displayName", C::Any),
            ("finally", C::List(44)),
            ("params", C::List(37)),
            ("results", C::List(40)),
            ("tasks", C::List(44)),
            ("workspaces", C::List(41)),
        ],
    },
    // 44
    Node {
        fields: &[
            ("description", C::Any),
            ("displayName", C::Any),
            ("matrix", C::One(29)),
            ("name", C::Any),
            ("onError", C::Any),
            ("params", C::List(4)),
            ("pipelineRef", C::One(45)),
            ("pipelineSpec", C::Open(2)),
            ("retries", C::Any),
            ("runAfter", C::Any),
            ("taskRef", C::One(46)),
            ("taskSpec", C::Open(9)),
            ("timeout", C::Any),
            ("when", C::List(35)),
            ("workspaces", C::List(36)),
        ],
    },
    // 45
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("name", C::Any),
            ("params", C::List(4)),
            ("resolver", C::Any),
        ],
    },
    // 46
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("name", C::Any),
            ("params", C::List(4)),
            ("resolver", C::Any),
        ],
    },
    // 47
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(48)),
            ("status", C::Any),
        ],
    },
    // 48
    Node {
        fields: &[
            ("managedBy", C::Any),
            ("params", C::List(4)),
            ("pipelineRef", C::One(31)),
            ("pipelineSpec", C::Open(55)),
            ("podTemplate", C::One(49)),
            ("resources", C::List(59)),
            ("serviceAccountName", C::Any),
            ("status", C::Any),
            ("taskRunSpecs", C::List(63)),
            ("timeout", C::Any),
            ("timeouts", C::One(67)),
            ("workspaces", C::List(68)),
        ],
    },
    // 49
    Node {
        fields: &[
            ("affinity", C::Any),
            ("automountServiceAccountToken", C::Any),
            ("dnsConfig", C::One(50)),
            ("dnsPolicy", C::Any),
            ("enableServiceLinks", C::Any),
            ("env", C::List(52)),
            ("hostAliases", C::List(56)),
            ("hostNetwork", C::Any),
            ("hostUsers", C::Any),
            ("imagePullSecrets", C::List(11)),
            ("nodeSelector", C::Any),
            ("priorityClassName", C::Any),
            ("runtimeClassName", C::Any),
            ("schedulerName", C::Any),
            ("securityContext", C::Any),
            ("tolerations", C::List(57)),
            ("topologySpreadConstraints", C::List(58)),
            ("volumes", C::Any),
        ],
    },
    // 50
    Node {
        fields: &[
            ("nameservers", C::Any),
            ("options", C::List(51)),
            ("searches", C::Any),
        ],
    },
    // 51
    Node {
        fields: &[("name", C::Any), ("value", C::Any)],
    },
    // 52
    Node {
        fields: &[
            ("name", C::Any),
            ("value", C::Any),
            ("valueFrom", C::One(53)),
        ],
    },
    // 53
    Node {
        fields: &[
            ("configMapKeyRef", C::One(54)),
            ("fieldRef", C::One(22)),
            ("fileKeyRef", C::One(55)),
            ("resourceFieldRef", C::One(23)),
            ("secretKeyRef", C::One(54)),
        ],
    },
    // 54
    Node {
        fields: &[("key", C::Any), ("name", C::Any), ("optional", C::Any)],
    },
    // 55
    Node {
        fields: &[
            ("key", C::Any),
            ("optional", C::Any),
            ("path", C::Any),
            ("volumeName", C::Any),
        ],
    },
    // 56
    Node {
        fields: &[("hostnames", C::Any), ("ip", C::Any)],
    },
    // 57
    Node {
        fields: &[
            ("effect", C::Any),
            ("key", C::Any),
            ("operator", C::Any),
            ("tolerationSeconds", C::Any),
            ("value", C::Any),
        ],
    },
    // 58
    Node {
        fields: &[
            ("labelSelector", C::One(17)),
            ("matchLabelKeys", C::Any),
            ("maxSkew", C::Any),
            ("minDomains", C::Any),
            ("nodeAffinityPolicy", C::Any),
            ("nodeTaintsPolicy", C::Any),
            ("topologyKey", C::Any),
            ("whenUnsatisfiable", C::Any),
        ],
    },
    // 59
    Node {
        fields: &[
            ("name", C::Any),
            ("resourceRef", C::One(60)),
            ("resourceSpec", C::One(61)),
        ],
    },
    // 60
    Node {
        fields: &[("apiVersion", C::Any), ("name", C::Any)],
    },
    // 61
    Node {
        fields: &[
            ("description", C::Any),
            ("params", C::List(51)),
            ("secrets", C::List(62)),
            ("type", C::Any),
        ],
    },
    // 62
    Node {
        fields: &[
            ("fieldName", C::Any),
            ("secretKey", C::Any),
            ("secretName", C::Any),
        ],
    },
    // 63
    Node {
        fields: &[
            ("computeResources", C::One(64)),
            ("metadata", C::One(6)),
            ("pipelineTaskName", C::Any),
            ("sidecarOverrides", C::List(66)),
            ("stepOverrides", C::List(66)),
            ("taskPodTemplate", C::One(49)),
            ("taskServiceAccountName", C::Any),
            ("timeout", C::Any),
        ],
    },
    // 64
    Node {
        fields: &[
            ("claims", C::List(65)),
            ("limits", C::Any),
            ("requests", C::Any),
        ],
    },
    // 65
    Node {
        fields: &[("name", C::Any), ("request", C::Any)],
    },
    // 66
    Node {
        fields: &[("name", C::Any), ("resources", C::One(64))],
    },
    // 67
    Node {
        fields: &[("finally", C::Any), ("pipeline", C::Any), ("tasks", C::Any)],
    },
    // 68
    Node {
        fields: &[
            ("configMap", C::One(8)),
            ("csi", C::One(10)),
            ("emptyDir", C::One(12)),
            ("name", C::Any),
            ("persistentVolumeClaim", C::One(13)),
            ("projected", C::One(69)),
            ("secret", C::One(25)),
            ("subPath", C::Any),
            ("volumeClaimTemplate", C::Any),
        ],
    },
    // 69
    Node {
        fields: &[("defaultMode", C::Any), ("sources", C::List(70))],
    },
    // 70
    Node {
        fields: &[
            ("clusterTrustBundle", C::One(16)),
            ("configMap", C::One(19)),
            ("downwardAPI", C::One(20)),
            ("podCertificate", C::One(71)),
            ("secret", C::One(19)),
            ("serviceAccountToken", C::One(24)),
        ],
    },
    // 71
    Node {
        fields: &[
            ("certificateChainPath", C::Any),
            ("credentialBundlePath", C::Any),
            ("keyPath", C::Any),
            ("keyType", C::Any),
            ("maxExpirationSeconds", C::Any),
            ("signerName", C::Any),
            ("userAnnotations", C::Any),
        ],
    },
    // 72
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(73)),
            ("status", C::Any),
        ],
    },
    // 73
    Node {
        fields: &[
            ("managedBy", C::Any),
            ("params", C::List(4)),
            ("pipelineRef", C::One(45)),
            ("pipelineSpec", C::Open(2)),
            ("status", C::Any),
            ("taskRunSpecs", C::List(74)),
            ("taskRunTemplate", C::One(76)),
            ("timeouts", C::One(67)),
            ("workspaces", C::List(68)),
        ],
    },
    // 74
    Node {
        fields: &[
            ("computeResources", C::One(64)),
            ("metadata", C::One(6)),
            ("pipelineTaskName", C::Any),
            ("podTemplate", C::One(49)),
            ("serviceAccountName", C::Any),
            ("sidecarSpecs", C::List(75)),
            ("stepSpecs", C::List(75)),
            ("timeout", C::Any),
        ],
    },
    // 75
    Node {
        fields: &[("computeResources", C::One(64)), ("name", C::Any)],
    },
    // 76
    Node {
        fields: &[("podTemplate", C::One(49)), ("serviceAccountName", C::Any)],
    },
    // 77
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(78)),
            ("status", C::Any),
        ],
    },
    // 78
    Node {
        fields: &[
            ("args", C::Any),
            ("command", C::Any),
            ("description", C::Any),
            ("env", C::List(52)),
            ("image", C::Any),
            ("params", C::List(37)),
            ("results", C::List(79)),
            ("script", C::Any),
            ("securityContext", C::One(80)),
            ("volumeMounts", C::List(85)),
            ("workingDir", C::Any),
        ],
    },
    // 79
    Node {
        fields: &[
            ("description", C::Any),
            ("name", C::Any),
            ("properties", C::Map(38)),
            ("type", C::Any),
        ],
    },
    // 80
    Node {
        fields: &[
            ("allowPrivilegeEscalation", C::Any),
            ("appArmorProfile", C::One(81)),
            ("capabilities", C::One(82)),
            ("privileged", C::Any),
            ("procMount", C::Any),
            ("readOnlyRootFilesystem", C::Any),
            ("runAsGroup", C::Any),
            ("runAsNonRoot", C::Any),
            ("runAsUser", C::Any),
            ("seLinuxOptions", C::One(83)),
            ("seccompProfile", C::One(81)),
            ("windowsOptions", C::One(84)),
        ],
    },
    // 81
    Node {
        fields: &[("localhostProfile", C::Any), ("type", C::Any)],
    },
    // 82
    Node {
        fields: &[("add", C::Any), ("drop", C::Any)],
    },
    // 83
    Node {
        fields: &[
            ("level", C::Any),
            ("role", C::Any),
            ("type", C::Any),
            ("user", C::Any),
        ],
    },
    // 84
    Node {
        fields: &[
            ("gmsaCredentialSpec", C::Any),
            ("gmsaCredentialSpecName", C::Any),
            ("hostProcess", C::Any),
            ("runAsUserName", C::Any),
        ],
    },
    // 85
    Node {
        fields: &[
            ("mountPath", C::Any),
            ("mountPropagation", C::Any),
            ("name", C::Any),
            ("readOnly", C::Any),
            ("recursiveReadOnly", C::Any),
            ("subPath", C::Any),
            ("subPathExpr", C::Any),
        ],
    },
    // 86
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(87)),
            ("status", C::Any),
        ],
    },
    // 87
    Node {
        fields: &[
            ("description", C::Any),
            ("displayName", C::Any),
            ("params", C::List(37)),
            ("resources", C::One(88)),
            ("results", C::List(90)),
            ("sidecars", C::List(91)),
            ("stepTemplate", C::One(105)),
            ("steps", C::List(106)),
            ("volumes", C::Any),
            ("workspaces", C::List(109)),
        ],
    },
    // 88
    Node {
        fields: &[("inputs", C::List(89)), ("outputs", C::List(89))],
    },
    // 89
    Node {
        fields: &[
            ("description", C::Any),
            ("name", C::Any),
            ("optional", C::Any),
            ("targetPath", C::Any),
            ("type", C::Any),
        ],
    },
    // 90
    Node {
        fields: &[
            ("description", C::Any),
            ("name", C::Any),
            ("properties", C::Map(38)),
            ("type", C::Any),
            ("value", C::Any),
        ],
    },
    // 91
    Node {
        fields: &[
            ("args", C::Any),
            ("command", C::Any),
            ("env", C::List(52)),
            ("envFrom", C::List(92)),
            ("image", C::Any),
            ("imagePullPolicy", C::Any),
            ("lifecycle", C::One(94)),
            ("livenessProbe", C::One(100)),
            ("name", C::Any),
            ("ports", C::List(102)),
            ("readinessProbe", C::One(100)),
            ("resources", C::One(64)),
            ("restartPolicy", C::Any),
            ("script", C::Any),
            ("securityContext", C::One(80)),
            ("startupProbe", C::One(100)),
            ("stdin", C::Any),
            ("stdinOnce", C::Any),
            ("terminationMessagePath", C::Any),
            ("terminationMessagePolicy", C::Any),
            ("tty", C::Any),
            ("volumeDevices", C::List(103)),
            ("volumeMounts", C::List(85)),
            ("workingDir", C::Any),
            ("workspaces", C::List(104)),
        ],
    },
    // 92
    Node {
        fields: &[
            ("configMapRef", C::One(93)),
            ("prefix", C::Any),
            ("secretRef", C::One(93)),
        ],
    },
    // 93
    Node {
        fields: &[("name", C::Any), ("optional", C::Any)],
    },
    // 94
    Node {
        fields: &[
            ("postStart", C::One(95)),
            ("preStop", C::One(95)),
            ("stopSignal", C::Any),
        ],
    },
    // 95
    Node {
        fields: &[
            ("exec", C::One(96)),
            ("httpGet", C::One(97)),
            ("sleep", C::One(98)),
            ("tcpSocket", C::One(99)),
        ],
    },
    // 96
    Node {
        fields: &[("command", C::Any)],
    },
    // 97
    Node {
        fields: &[
            ("host", C::Any),
            ("httpHeaders", C::List(51)),
            ("path", C::Any),
            ("port", C::Any),
            ("scheme", C::Any),
        ],
    },
    // 98
    Node {
        fields: &[("seconds", C::Any)],
    },
    // 99
    Node {
        fields: &[("host", C::Any), ("port", C::Any)],
    },
    // 100
    Node {
        fields: &[
            ("exec", C::One(96)),
            ("failureThreshold", C::Any),
            ("grpc", C::One(101)),
            ("httpGet", C::One(97)),
            ("initialDelaySeconds", C::Any),
            ("periodSeconds", C::Any),
            ("successThreshold", C::Any),
            ("tcpSocket", C::One(99)),
            ("terminationGracePeriodSeconds", C::Any),
            ("timeoutSeconds", C::Any),
        ],
    },
    // 101
    Node {
        fields: &[("port", C::Any), ("service", C::Any)],
    },
    // 102
    Node {
        fields: &[
            ("containerPort", C::Any),
            ("hostIP", C::Any),
            ("hostPort", C::Any),
            ("name", C::Any),
            ("protocol", C::Any),
        ],
    },
    // 103
    Node {
        fields: &[("devicePath", C::Any), ("name", C::Any)],
    },
    // 104
    Node {
        fields: &[("mountPath", C::Any), ("name", C::Any)],
    },
    // 105
    Node {
        fields: &[
            ("args", C::Any),
            ("command", C::Any),
            ("env", C::List(52)),
            ("envFrom", C::List(92)),
            ("image", C::Any),
            ("imagePullPolicy", C::Any),
            ("lifecycle", C::One(94)),
            ("livenessProbe", C::One(100)),
            ("name", C::Any),
            ("ports", C::List(102)),
            ("readinessProbe", C::One(100)),
            ("resources", C::One(64)),
            ("securityContext", C::One(80)),
            ("startupProbe", C::One(100)),
            ("stdin", C::Any),
            ("stdinOnce", C::Any),
            ("terminationMessagePath", C::Any),
            ("terminationMessagePolicy", C::Any),
            ("tty", C::Any),
            ("volumeDevices", C::List(103)),
            ("volumeMounts", C::List(85)),
            ("workingDir", C::Any),
        ],
    },
    // 106
    Node {
        fields: &[
            ("args", C::Any),
            ("command", C::Any),
            ("displayName", C::Any),
            ("env", C::List(52)),
            ("envFrom", C::List(92)),
            ("image", C::Any),
            ("imagePullPolicy", C::Any),
            ("lifecycle", C::One(94)),
            ("livenessProbe", C::One(100)),
            ("name", C::Any),
            ("onError", C::Any),
            ("params", C::List(4)),
            ("ports", C::List(102)),
            ("readinessProbe", C::One(100)),
            ("ref", C::One(107)),
            ("resources", C::One(64)),
            ("results", C::List(79)),
            ("script", C::Any),
            ("securityContext", C::One(80)),
            ("startupProbe", C::One(100)),
            ("stderrConfig", C::One(108)),
            ("stdin", C::Any),
            ("stdinOnce", C::Any),
            ("stdoutConfig", C::One(108)),
            ("terminationMessagePath", C::Any),
            ("terminationMessagePolicy", C::Any),
            ("timeout", C::Any),
            ("tty", C::Any),
            ("volumeDevices", C::List(103)),
            ("volumeMounts", C::List(85)),
            ("when", C::List(35)),
            ("workingDir", C::Any),
            ("workspaces", C::List(104)),
        ],
    },
    // 107
    Node {
        fields: &[
            ("name", C::Any),
            ("params", C::List(4)),
            ("resolver", C::Any),
        ],
    },
    // 108
    Node {
        fields: &[("path", C::Any)],
    },
    // 109
    Node {
        fields: &[
            ("description", C::Any),
            ("mountPath", C::Any),
            ("name", C::Any),
            ("optional", C::Any),
            ("readOnly", C::Any),
        ],
    },
    // 110
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(111)),
            ("status", C::Any),
        ],
    },
    // 111
    Node {
        fields: &[
            ("description", C::Any),
            ("displayName", C::Any),
            ("params", C::List(37)),
            ("results", C::List(90)),
            ("sidecars", C::List(112)),
            ("stepTemplate", C::One(113)),
            ("steps", C::List(114)),
            ("volumes", C::Any),
            ("workspaces", C::List(109)),
        ],
    },
    // 112
    Node {
        fields: &[
            ("args", C::Any),
            ("command", C::Any),
            ("computeResources", C::One(64)),
            ("env", C::List(52)),
            ("envFrom", C::List(92)),
            ("image", C::Any),
            ("imagePullPolicy", C::Any),
            ("lifecycle", C::One(94)),
            ("livenessProbe", C::One(100)),
            ("name", C::Any),
            ("ports", C::List(102)),
            ("readinessProbe", C::One(100)),
            ("restartPolicy", C::Any),
            ("script", C::Any),
            ("securityContext", C::One(80)),
            ("startupProbe", C::One(100)),
            ("stdin", C::Any),
            ("stdinOnce", C::Any),
            ("terminationMessagePath", C::Any),
            ("terminationMessagePolicy", C::Any),
            ("tty", C::Any),
            ("volumeDevices", C::List(103)),
            ("volumeMounts", C::List(85)),
            ("workingDir", C::Any),
            ("workspaces", C::List(104)),
        ],
    },
    // 113
    Node {
        fields: &[
            ("args", C::Any),
            ("command", C::Any),
            ("computeResources", C::One(64)),
            ("env", C::List(52)),
            ("envFrom", C::List(92)),
            ("image", C::Any),
            ("imagePullPolicy", C::Any),
            ("securityContext", C::One(80)),
            ("volumeDevices", C::List(103)),
            ("volumeMounts", C::List(85)),
            ("workingDir", C::Any),
        ],
    },
    // 114
    Node {
        fields: &[
            ("args", C::Any),
            ("command", C::Any),
            ("computeResources", C::One(64)),
            ("displayName", C::Any),
            ("env", C::List(52)),
            ("envFrom", C::List(92)),
            ("image", C::Any),
            ("imagePullPolicy", C::Any),
            ("name", C::Any),
            ("onError", C::Any),
            ("params", C::List(4)),
            ("ref", C::One(107)),
            ("results", C::List(79)),
            ("script", C::Any),
            ("securityContext", C::One(80)),
            ("stderrConfig", C::One(108)),
            ("stdoutConfig", C::One(108)),
            ("timeout", C::Any),
            ("volumeDevices", C::List(103)),
            ("volumeMounts", C::List(85)),
            ("when", C::List(35)),
            ("workingDir", C::Any),
            ("workspaces", C::List(104)),
        ],
    },
    // 115
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(116)),
            ("status", C::Any),
        ],
    },
    // 116
    Node {
        fields: &[
            ("computeResources", C::One(64)),
            ("debug", C::One(117)),
            ("managedBy", C::Any),
            ("params", C::List(4)),
            ("podTemplate", C::One(49)),
            ("resources", C::One(119)),
            ("retries", C::Any),
            ("serviceAccountName", C::Any),
            ("sidecarOverrides", C::List(66)),
            ("status", C::Any),
            ("statusMessage", C::Any),
            ("stepOverrides", C::List(66)),
            ("taskRef", C::One(3)),
            ("taskSpec", C::Open(85)),
            ("timeout", C::Any),
            ("workspaces", C::List(68)),
        ],
    },
    // 117
    Node {
        fields: &[("breakpoints", C::One(118))],
    },
    // 118
    Node {
        fields: &[("beforeSteps", C::Any), ("onFailure", C::Any)],
    },
    // 119
    Node {
        fields: &[("inputs", C::List(120)), ("outputs", C::List(120))],
    },
    // 120
    Node {
        fields: &[
            ("name", C::Any),
            ("paths", C::Any),
            ("resourceRef", C::One(60)),
            ("resourceSpec", C::One(61)),
        ],
    },
    // 121
    Node {
        fields: &[
            ("apiVersion", C::Any),
            ("kind", C::Any),
            ("metadata", C::One(1)),
            ("spec", C::One(122)),
            ("status", C::Any),
        ],
    },
    // 122
    Node {
        fields: &[
            ("computeResources", C::One(64)),
            ("debug", C::One(117)),
            ("managedBy", C::Any),
            ("params", C::List(4)),
            ("podTemplate", C::One(49)),
            ("retries", C::Any),
            ("serviceAccountName", C::Any),
            ("sidecarSpecs", C::List(75)),
            ("status", C::Any),
            ("statusMessage", C::Any),
            ("stepSpecs", C::List(75)),
            ("taskRef", C::One(46)),
            ("taskSpec", C::Open(27)),
            ("timeout", C::Any),
            ("workspaces", C::List(68)),
        ],
    },
];

/// The index of the schema of `kind` in `api_version`, for the versions Tekton serves.
pub(super) fn root(api_version: &str, kind: &str) -> Option<usize> {
    match (api_version, kind) {
        ("tekton.dev/v1beta1", "CustomRun") => Some(0),
        ("tekton.dev/v1beta1", "Pipeline") => Some(26),
        ("tekton.dev/v1", "Pipeline") => Some(42),
        ("tekton.dev/v1beta1", "PipelineRun") => Some(47),
        ("tekton.dev/v1", "PipelineRun") => Some(72),
        ("tekton.dev/v1alpha1", "StepAction") => Some(77),
        ("tekton.dev/v1beta1", "StepAction") => Some(77),
        ("tekton.dev/v1beta1", "Task") => Some(86),
        ("tekton.dev/v1beta1", "ClusterTask") => Some(86),
        ("tekton.dev/v1", "Task") => Some(110),
        ("tekton.dev/v1beta1", "TaskRun") => Some(115),
        ("tekton.dev/v1", "TaskRun") => Some(121),
        _ => None,
    }
}
