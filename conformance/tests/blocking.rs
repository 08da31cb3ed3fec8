//! Blocking commands and Pub/Sub with several real clients at once: every scenario of
//! `conformance/scenarios/` is played on redis-server, on the `anax` binary with one and
//! with four threads (keys on different shards, wake-ups across threads), and on Anax in
//! process; the transcripts must be equal line for line.

use anax_conformance::scenario::{self, InProcess, Step, Tcp};
use anax_conformance::Server;
use std::thread;

/// Plays every scenario over TCP against `server`, one scenario after the other.
fn play_all(server: &Server, scripts: &[(String, Vec<Step>)]) -> Vec<Vec<String>> {
    scripts
        .iter()
        .map(|(_, steps)| scenario::play(&mut Tcp::new(server.port), steps))
        .collect()
}

#[test]
fn blocking_scenarios_match_redis() {
    let scripts: Vec<(String, Vec<Step>)> = scenario::scripts()
        .into_iter()
        .map(|(name, text)| (name, scenario::parse(&text)))
        .collect();
    assert!(scripts.len() >= 5, "scenario files missing");
    let servers = [
        ("redis-server", Server::redis()),
        ("anax --threads 1", Server::anax(&["--threads", "1"])),
        ("anax --threads 4", Server::anax(&["--threads", "4"])),
    ];
    // The servers play at the same time (each scenario waits on timers).
    let transcripts: Vec<Vec<Vec<String>>> = thread::scope(|s| {
        let handles: Vec<_> = servers
            .iter()
            .map(|(_, server)| s.spawn(|| play_all(server, &scripts)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a side panicked"))
            .collect()
    });
    let in_process: Vec<Vec<String>> = scripts
        .iter()
        .map(|(_, steps)| scenario::play(&mut InProcess::default(), steps))
        .collect();
    let mut failures = Vec::new();
    for (i, (name, _)) in scripts.iter().enumerate() {
        let want = &transcripts[0][i];
        let sides = [
            (servers[1].0, &transcripts[1][i]),
            (servers[2].0, &transcripts[2][i]),
            ("in process", &in_process[i]),
        ];
        for (side, got) in sides {
            if got != want {
                let mut msg = format!("{name}: {side} differs from redis-server\n");
                let n = want.len().max(got.len());
                for j in 0..n {
                    let w = want.get(j).map_or("", String::as_str);
                    let g = got.get(j).map_or("", String::as_str);
                    let mark = if w == g { "  " } else { "!!" };
                    msg.push_str(&format!("{mark} redis: {w}\n{mark} {side}: {g}\n"));
                }
                failures.push(msg);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
