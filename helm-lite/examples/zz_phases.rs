#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;
fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { walk(root, &p, out); } else {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
}
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let t0 = Instant::now();
    let mut files = BTreeMap::new();
    walk(Path::new(&dir), Path::new(&dir), &mut files);
    let t1 = Instant::now();
    let chart = helm_lite::Chart::from_files(&files).unwrap();
    let t2 = Instant::now();
    let rel = helm_lite::Release { name: "rel".into(), namespace: "default".into() };
    let out = helm_lite::helm_template(&chart, &rel, &helm_lite::Map::new()).unwrap();
    let t3 = Instant::now();
    fn all<'a>(c: &'a helm_lite::Chart, out: &mut Vec<(&'a String, &'a String)>) { for (k, v) in &c.templates { out.push((k, v)); } for d in &c.dependencies { all(d, out); } }
    let mut v = Vec::new(); all(&chart, &mut v);
    let mut t = helm_lite::Template::new(); helm_lite::sprig::add_functions(&mut t);
    let t4 = Instant::now();
    let mut worst = Vec::new();
    for (k, s) in &v { let a = Instant::now(); let _ = t.parse(k, s); worst.push((a.elapsed(), k.len(), s.len(), k.to_string())); }
    worst.sort(); worst.reverse();
    eprintln!("parse all {:?} ({} bytes)", t4.elapsed(), v.iter().map(|x| x.1.len()).sum::<usize>());
    for (k, s) in v.iter().filter(|x| x.0.ends_with("kube-scheduler/servicemonitor.yaml") || x.0.ends_with("rules-1.14/kubernetes-system-kubelet.yaml")) {
        let a = Instant::now(); for _ in 0..100 { let _ = t.parse(k, s); } eprintln!("x100 {} {:?}", k, a.elapsed());
        let mut t2 = helm_lite::Template::new();
        let a = Instant::now(); for _ in 0..100 { let _ = t2.parse(k, s); } eprintln!("x100 nofuncs {} {:?}", k, a.elapsed());
    }
    for w in worst.iter().take(5) { eprintln!("  {:?} {} {}", w.0, w.2, w.3); }
    eprintln!("files {} ({} bytes) read {:?} load {:?} render {:?} out {}", files.len(), files.values().map(|v| v.len()).sum::<usize>(), t1-t0, t2-t1, t3-t2, out.len());
}
