//! Instructions per operation with `perf stat -e instructions -p <pid>`, where the machine
//! lets perf count them (many virtual machines expose no hardware counters: perf then prints
//! `<not supported>` and the harness says so instead of a figure).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Whether `perf stat -e instructions` counts here: `Ok(())`, or why not.
pub fn probe() -> Result<(), String> {
    let out = Command::new("perf")
        .args(["stat", "-e", "instructions", "-x", ",", "true"])
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("perf is not installed ({e})"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    match parse_count(&stderr) {
        Ok(_) => Ok(()),
        Err(e) if out.status.success() => Err(e),
        Err(e) => Err(format!("perf stat failed ({}): {e}", out.status)),
    }
}

/// The instruction count in `perf stat -x ,` output (`12345,,instructions,...`).
pub fn parse_count(stderr: &str) -> Result<u64, String> {
    for line in stderr.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() >= 3 && fields[2].starts_with("instructions") {
            let value = fields[0].trim();
            return value
                .parse::<u64>()
                .map_err(|_| format!("perf: the instructions counter is {value} on this machine"));
        }
    }
    Err(format!(
        "perf printed no instructions count: {}",
        stderr.trim().lines().last().unwrap_or("")
    ))
}

/// `perf stat` attached to a running process.
pub struct PerfSession {
    child: Child,
}

impl PerfSession {
    /// Attaches to `pid` (all its threads) and gives perf a moment to start counting.
    pub fn attach(pid: u32) -> Result<PerfSession, String> {
        let child = Command::new("perf")
            .args(["stat", "-e", "instructions", "-x", ",", "-p"])
            .arg(pid.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start perf: {e}"))?;
        std::thread::sleep(Duration::from_millis(200));
        Ok(PerfSession { child })
    }

    /// Stops counting (SIGINT, as perf expects) and returns the count.
    pub fn finish(self) -> Result<u64, String> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let out = self
            .child
            .wait_with_output()
            .map_err(|e| format!("perf: {e}"))?;
        parse_count(&String::from_utf8_lossy(&out.stderr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_unsupported() {
        assert_eq!(
            parse_count("123456789,,instructions:u,1000,100.00,,\n"),
            Ok(123456789)
        );
        assert_eq!(parse_count("\n987,,instructions,5,100.00,,\n"), Ok(987));
        let e = parse_count("<not supported>,,instructions,0,100.00,,\n").unwrap_err();
        assert!(e.contains("<not supported>"), "{e}");
        assert!(parse_count("").is_err());
    }
}
