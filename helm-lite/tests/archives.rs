//! Packaged charts (`.tgz`): loaded as Helm's archive loader loads them. The recorded case
//! packs `tests/charts/sampler` here and expects what helm v4.3.2 printed for the
//! directory; the live case lets `helm package` pack a chart and compares
//! `helm template rel CHART.tgz` with ours on the same bytes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use helm_lite::{Chart, Map, Release};

fn charts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts")
}

fn rel() -> Release {
    Release {
        name: "rel".into(),
        namespace: "default".into(),
    }
}

fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // Raw names, as a hostile archive may carry them.
        let bytes = name.as_bytes();
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

#[test]
fn a_packed_chart_renders_as_its_directory() {
    let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    b.append_dir_all("sampler", charts().join("sampler"))
        .unwrap();
    let bytes = b.into_inner().unwrap().finish().unwrap();
    let chart = Chart::from_tgz(&bytes).unwrap();
    let want = std::fs::read_to_string(charts().join("sampler.expected")).unwrap();
    assert_eq!(
        helm_lite::helm_template(&chart, &rel(), &Map::new()).unwrap(),
        want
    );
}

#[test]
fn subchart_archives_load_as_dependencies() {
    let sub = tgz(&[
        (
            "sub/Chart.yaml",
            b"apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        ("sub/values.yaml", b"greeting: hi\n"),
        (
            "sub/templates/cm.yaml",
            b"kind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}-{{ .Values.greeting }}\n",
        ),
    ]);
    let top = tgz(&[
        (
            "top/Chart.yaml",
            b"apiVersion: v2\nname: top\nversion: 0.1.0\n",
        ),
        ("top/charts/sub-0.1.0.tgz", &sub),
        ("top/charts/_skipped.tgz", b"not an archive"),
    ]);
    let chart = Chart::from_tgz(&top).unwrap();
    assert_eq!(chart.dependencies.len(), 1);
    let out = helm_lite::helm_template(&chart, &rel(), &Map::new()).unwrap();
    assert_eq!(
        out,
        "---\n# Source: top/charts/sub/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: sub-hi\n"
    );
}

#[test]
fn hostile_archives_are_refused_with_helms_words() {
    // Worded as Helm's LoadArchiveFiles words them, checked in its order (the `helm` CLI
    // itself only says "unable to load chart archive" for each of these).
    for (name, want) in [
        (
            "x/../../etc/passwd",
            "chart illegally references parent directory",
        ),
        (
            "Chart.yaml",
            "chart illegally contains content outside the base directory: \"Chart.yaml\"",
        ),
        ("x//abs", "chart illegally contains absolute paths"),
    ] {
        let err = Chart::from_tgz(&tgz(&[(name, b"a: 1\n")])).unwrap_err();
        assert_eq!(err.to_string(), want, "{name}");
    }
    assert!(Chart::from_tgz(b"not gzip").is_err());
    // A gzip bomb stops at Helm's 100 MiB.
    let big = vec![0u8; 101 << 20];
    let err = Chart::from_tgz(&tgz(&[("x/big", &big)])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "decompressed chart is larger than the maximum size 104857600"
    );
}

fn helm() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("helm"))
        .find(|p| p.is_file())
}

#[test]
fn helm_packages_render_as_helm_renders_them() {
    let Some(helm) = helm() else {
        if std::env::var_os("CI").is_some() {
            panic!("helm is not on PATH but CI is set: the differential test needs Helm v4");
        }
        eprintln!("notice: helm not on PATH; skipping the live differential test");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    for chart in ["sampler", "lessons", "shared"] {
        let st = std::process::Command::new(&helm)
            .arg("package")
            .arg(charts().join(chart))
            .arg("-d")
            .arg(tmp.path())
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        let pkg = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(chart))
            .unwrap();
        let out = std::process::Command::new(&helm)
            .arg("template")
            .arg("rel")
            .arg(&pkg)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ours = Chart::from_tgz(&std::fs::read(&pkg).unwrap()).unwrap();
        assert_eq!(
            helm_lite::helm_template(&ours, &rel(), &Map::new()).unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            "{chart}"
        );
    }
}
