//! Replays every case file in `conformance/cases/` and the regression corpus in
//! `conformance/regressions/` on a real redis-server, on the `anax` binary (one and four
//! threads) and on the in-process host, and requires the same reply at every step (under
//! the rules of `anax_conformance::normalise`). Each file starts from an empty dataset.

use anax_conformance::run::run_steps;
use anax_conformance::target::{InProcess, ServerTarget, Target};
use anax_conformance::{parse_case, Step};
use std::path::Path;

fn files(dir: &str) -> Vec<(String, Vec<Step>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read case");
            let name = format!(
                "{}/{}",
                p.parent().unwrap().file_name().unwrap().to_string_lossy(),
                p.file_name().unwrap().to_string_lossy()
            );
            (name, parse_case(&text))
        })
        .collect()
}

#[test]
fn case_files_and_regressions_match_redis() {
    let mut all = files("cases");
    assert!(!all.is_empty(), "no case files in conformance/cases");
    all.extend(files("regressions"));
    let mut redis = ServerTarget::redis();
    let mut anax1 = ServerTarget::anax(1);
    let mut anax4 = ServerTarget::anax(4);
    let mut single = InProcess::new();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (file, steps) in &all {
        let targets: &mut [&mut dyn Target] =
            &mut [&mut redis, &mut anax1, &mut anax4, &mut single];
        let report = run_steps(targets, steps, false);
        compared += report.compared();
        if !report.ok() {
            failures.push(format!("=== {file}\n{}", report.render()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ ({compared} replies compared):\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
