//! Runs a sequence step by step on a reference (redis-server) and the servers under test,
//! compares every reply under [`crate::normalise`], and renders what it saw as a case file.

use crate::case::{render_args, Step};
use crate::gen;
use crate::known::{known_difference, Known};
use crate::normalise::{observe, rule, same, Observed, Rule};
use crate::target::Target;
use anax_protocol::Value;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::PathBuf;

/// What one step did everywhere.
#[derive(Debug)]
pub struct StepRecord {
    /// The command.
    pub args: Vec<Vec<u8>>,
    /// Where it comes from (a case file line), if anywhere.
    pub line: Option<usize>,
    /// How it was compared.
    pub rule: Rule,
    /// The known difference that made it skip, if any.
    pub known: Option<&'static Known>,
    /// Each target's observed reply, the reference first (empty when skipped).
    pub replies: Vec<Result<Observed, String>>,
    /// The names of the targets whose reply differs from the reference.
    pub differs: Vec<String>,
}

/// A sequence's run.
#[derive(Debug, Default)]
pub struct Report {
    /// Target names, the reference first.
    pub targets: Vec<String>,
    /// The steps run.
    pub steps: Vec<StepRecord>,
    /// A failure to reset a target before the first step.
    pub reset_error: Option<String>,
}

impl Report {
    /// True when every reply matched.
    pub fn ok(&self) -> bool {
        self.reset_error.is_none() && self.steps.iter().all(|s| s.differs.is_empty())
    }

    /// The number of replies compared.
    pub fn compared(&self) -> usize {
        self.steps
            .iter()
            .map(|s| s.replies.len().saturating_sub(1))
            .sum()
    }

    /// The run as a case file: every command as a `redis-cli` line, its reply below it as a
    /// comment, both replies where they differ.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(e) = &self.reset_error {
            let _ = writeln!(out, "# reset failed: {e}");
        }
        for s in &self.steps {
            let mark = if s.rule == Rule::Unordered
                && crate::normalise::rule(&s.args, false) != Rule::Unordered
            {
                "~ "
            } else {
                ""
            };
            let at = s.line.map(|l| format!("  (line {l})")).unwrap_or_default();
            let _ = writeln!(out, "{mark}{}", render_args(&s.args));
            if let Some(k) = s.known {
                let _ = writeln!(
                    out,
                    "#   skipped: known difference ({}): {}{at}",
                    k.covers, k.reason
                );
                continue;
            }
            if s.differs.is_empty() {
                let _ = write!(out, "{}", comment("  -> ", &s.replies[0], false));
            } else {
                // Equal decodings with different bytes: show the bytes.
                let values: Vec<Option<&Value>> = s
                    .replies
                    .iter()
                    .map(|r| r.as_ref().ok().map(|o| &o.value))
                    .collect();
                let bytes = values.iter().all(|v| v.is_some() && *v == values[0]);
                let _ = writeln!(out, "#   ^^^ DIFFERS{at} ({:?})", s.rule);
                for (name, r) in self.targets.iter().zip(&s.replies) {
                    if name == &self.targets[0] || s.differs.contains(name) {
                        let _ = write!(out, "{}", comment(&format!("  {name}: "), r, bytes));
                    }
                }
            }
        }
        out
    }
}

fn comment(head: &str, r: &Result<Observed, String>, bytes: bool) -> String {
    let text = match r {
        Ok(Observed { raw: Some(raw), .. }) if bytes => {
            format!("bytes {}\n", crate::case::render_arg(raw))
        }
        Ok(o) => o.value.to_redis_cli_string(),
        Err(e) => format!("<no reply: {e}>\n"),
    };
    let mut out = String::new();
    for (i, l) in text.trim_end_matches('\n').split('\n').enumerate() {
        let pad = if i == 0 {
            head.to_string()
        } else {
            " ".repeat(head.len())
        };
        let _ = writeln!(out, "#{pad}{l}");
    }
    out
}

/// Resets every target, then runs `steps` on all of them, the first being the reference.
/// With `stop_at_first`, the run ends at the first step whose replies differ.
pub fn run_steps(targets: &mut [&mut dyn Target], steps: &[Step], stop_at_first: bool) -> Report {
    let mut report = Report {
        targets: targets.iter().map(|t| t.name().to_string()).collect(),
        ..Default::default()
    };
    for t in targets.iter_mut() {
        if let Err(e) = t.reset() {
            t.recover();
            if let Err(e2) = t.reset() {
                report.reset_error = Some(format!("{}: {e}; after recovering: {e2}", t.name()));
                return report;
            }
        }
    }
    let mut last_ms = 0;
    let mut i = 0;
    while i < steps.len() {
        // A run of plain steps goes to every target as one pipeline.
        let batch = steps[i..].iter().take_while(|s| pipelinable(s)).count();
        if batch > 1 {
            let cmds: Vec<&[Vec<u8>]> = steps[i..i + batch].iter().map(|s| &s.args[..]).collect();
            let mut replies: Vec<Vec<Result<Observed, String>>> = Vec::new();
            for t in targets.iter_mut() {
                let rs = t.call_many(&cmds);
                if rs.iter().any(|r| r.is_err()) {
                    t.recover();
                }
                replies.push(
                    rs.into_iter()
                        .map(|r| {
                            r.map(|r| Observed {
                                value: r.value,
                                raw: Some(r.raw),
                            })
                        })
                        .collect(),
                );
            }
            last_ms = now_ms();
            for (k, step) in steps[i..i + batch].iter().enumerate() {
                let rec = compare(
                    targets,
                    step,
                    Rule::Exact,
                    None,
                    replies.iter().map(|r| r[k].clone()).collect(),
                );
                let stop = stop_at_first && !rec.differs.is_empty();
                report.steps.push(rec);
                if stop {
                    return report;
                }
            }
            i += batch;
            continue;
        }
        let step = &steps[i];
        i += 1;
        if crate::normalise::needs_fresh_millisecond(&step.args) {
            while now_ms() <= last_ms {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        }
        let rule = rule(&step.args, step.unordered);
        let known = known_difference(&step.args);
        let mut replies = Vec::new();
        if known.is_none() {
            for t in targets.iter_mut() {
                let r = observe(rule, &step.args, &mut |a| t.call(a));
                if r.is_err() {
                    t.recover();
                }
                replies.push(r);
            }
        }
        last_ms = now_ms();
        let rec = compare(targets, step, rule, known, replies);
        let stop = stop_at_first && !rec.differs.is_empty();
        report.steps.push(rec);
        if stop {
            break;
        }
    }
    report
}

/// True when a step can share a pipeline with its neighbours: compared exactly, not a
/// known difference, no waiting for the clock before it.
fn pipelinable(step: &Step) -> bool {
    rule(&step.args, step.unordered) == Rule::Exact
        && known_difference(&step.args).is_none()
        && !crate::normalise::needs_fresh_millisecond(&step.args)
}

/// The record of one step from its replies (the reference's first).
fn compare(
    targets: &[&mut dyn Target],
    step: &Step,
    rule: Rule,
    known: Option<&'static Known>,
    replies: Vec<Result<Observed, String>>,
) -> StepRecord {
    let mut differs = Vec::new();
    if let Some(reference) = replies.first() {
        for (t, r) in targets.iter().zip(&replies).skip(1) {
            let equal = match (reference, r) {
                (Ok(a), Ok(b)) => same(rule, a, b),
                _ => false,
            };
            if !equal {
                differs.push(t.name().to_string());
            }
        }
    }
    StepRecord {
        args: step.args.clone(),
        line: (step.line > 0).then_some(step.line),
        rule,
        known,
        replies,
        differs,
    }
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Generated commands as steps.
pub fn steps_of(cmds: &[gen::Cmd]) -> Vec<Step> {
    cmds.iter()
        .map(|c| Step {
            args: c.clone(),
            unordered: false,
            line: 0,
        })
        .collect()
}

/// Case counts: `ANAX_CONFORMANCE_CASES`, else `PROPTEST_CASES`, else `default`.
pub fn case_budget(default: u32) -> u32 {
    ["ANAX_CONFORMANCE_CASES", "PROPTEST_CASES"]
        .iter()
        .find_map(|v| std::env::var(v).ok().and_then(|s| s.trim().parse().ok()))
        .unwrap_or(default)
}

/// Runs `cases` generated sequences on `reference` and `under_test`, shrinks the first
/// failure to a minimal sequence and panics with it as a case file (also written under
/// the target directory). `ANAX_CONFORMANCE_SEED` (a number) fixes the random seed.
pub fn check_generated(
    test: &str,
    cases: u32,
    max_shrink_iters: u32,
    reference: &mut dyn Target,
    under_test: &mut dyn Target,
) {
    let seed: u64 = std::env::var("ANAX_CONFORMANCE_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters,
        max_global_rejects: 100_000,
        max_shrink_time: 300_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let targets = RefCell::new((reference, under_test));
    let started = std::time::Instant::now();
    let result = runner.run(&gen::sequence(), |cmds| {
        let mut t = targets.borrow_mut();
        let (r, u) = &mut *t;
        let report = run_steps(&mut [&mut **r, &mut **u], &steps_of(&cmds), true);
        if report.ok() {
            Ok(())
        } else {
            Err(TestCaseError::fail(report.render()))
        }
    });
    match result {
        Ok(()) => {
            let _ = std::fs::remove_file(failure_path(test));
            eprintln!(
                "{test}: {cases} sequences matched in {:.1?} (seed {seed})",
                started.elapsed()
            )
        }
        Err(TestError::Fail(first, cmds)) => {
            // Run the minimal sequence once more: the message shows this run, and says so
            // when the failure did not come back.
            let mut t = targets.borrow_mut();
            let (r, u) = &mut *t;
            let report = run_steps(&mut [&mut **r, &mut **u], &steps_of(&cmds), true);
            let body = if report.ok() {
                format!(
                    "# The sequence PASSED when run again (timing-dependent?); the failing run was:\n{}",
                    first.message()
                )
            } else {
                report.render()
            };
            let text = format!(
                "# {test}: minimal failing sequence (seed {seed}, ANAX_CONFORMANCE_SEED={seed} to rerun).\n\
                 # Once fixed, keep it in conformance/regressions/.\n{body}"
            );
            let path = save_failure(test, &text);
            panic!(
                "Anax differs from Redis.\n{text}\n(written to {})",
                path.display()
            );
        }
        Err(TestError::Abort(why)) => panic!("{test}: proptest aborted: {why}"),
    }
}

/// Where a test's last failure is written: `target/<profile>/conformance-failures/<test>.txt`.
pub fn failure_path(test: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let base = exe
        .parent()
        .and_then(|d| d.parent())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    base.join("conformance-failures")
        .join(format!("{test}.txt"))
}

fn save_failure(test: &str, text: &str) -> PathBuf {
    let path = failure_path(test);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(&path, text);
    path
}

/// Runs `cases` generated sequences without shrinking and groups the first difference of
/// each failing sequence by command: a quick survey of everything that differs, for
/// triage (the proptest tests stop at the first failure).
pub fn survey(cases: u32, reference: &mut dyn Target, under_test: &mut dyn Target) -> String {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = TestRunner::default();
    let strategy = gen::sequence();
    let mut by_command: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    let mut failing = 0;
    for _ in 0..cases {
        let cmds = strategy.new_tree(&mut runner).expect("generate").current();
        let report = run_steps(
            &mut [&mut *reference, &mut *under_test],
            &steps_of(&cmds),
            true,
        );
        if report.ok() {
            continue;
        }
        failing += 1;
        let Some(last) = report.steps.last() else {
            continue;
        };
        let name = crate::commands::name_of(&last.args);
        let entry = by_command.entry(name).or_insert_with(|| (0, String::new()));
        entry.0 += 1;
        if entry.0 == 1
            || report.steps.len() < entry.1.lines().filter(|l| !l.starts_with('#')).count()
        {
            entry.1 = report.render();
        }
    }
    let mut out = format!("{failing} of {cases} sequences differ\n");
    for (name, (n, example)) in by_command {
        let _ = writeln!(
            out,
            "\n=== {name}: {n} sequences; shortest example:\n{example}"
        );
    }
    out
}
