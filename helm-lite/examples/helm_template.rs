//! `helm_template NAME CHART_DIR [VALUES.yaml]`: prints what `helm template` prints.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::path::Path;

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = Path::new(&args[2]);
    let mut files = BTreeMap::new();
    walk(root, root, &mut files);
    let chart = helm_lite::Chart::from_files(&files).unwrap();
    let user = match args.get(3) {
        Some(p) => {
            match helm_lite::yaml::from_yaml(&std::fs::read_to_string(p).unwrap()).unwrap() {
                helm_lite::Value::Map(m) => m.to_map(),
                _ => Default::default(),
            }
        }
        None => Default::default(),
    };
    let rel = helm_lite::Release {
        name: args[1].clone(),
        namespace: "default".into(),
    };
    match helm_lite::helm_template(&chart, &rel, &user) {
        Ok(s) => print!("{s}"),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
