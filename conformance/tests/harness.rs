//! The harness checks itself: a target that answers one reply wrongly must be caught, the
//! failing sequence shrunk, and the failure printed as a case file. No redis-server here:
//! the reference is the in-process host, the target under test a doctored copy of it.

use anax_conformance::normalise::Reply;
use anax_conformance::parse_case;
use anax_conformance::run::check_generated;
use anax_conformance::target::{InProcess, Target};
use anax_protocol::Value;

/// The in-process host, except that APPEND reports one byte too many once a string
/// reaches 50 bytes.
struct Doctored(InProcess);

impl Target for Doctored {
    fn name(&self) -> &str {
        "doctored"
    }
    fn reset(&mut self) -> Result<(), String> {
        self.0.reset()
    }
    fn call(&mut self, args: &[Vec<u8>]) -> Result<Reply, String> {
        let reply = self.0.call(args)?;
        match reply.value {
            Value::Int(n) if n >= 50 && args[0].eq_ignore_ascii_case(b"append") => {
                Reply::from_raw(format!(":{}\r\n", n + 1).into_bytes())
            }
            _ => Ok(reply),
        }
    }
    fn recover(&mut self) {
        self.0.recover()
    }
}

#[test]
fn a_difference_is_caught_shrunk_and_printed_as_a_case_file() {
    let panic = std::panic::catch_unwind(|| {
        let mut reference = InProcess::new();
        let mut doctored = Doctored(InProcess::new());
        check_generated(
            "harness_self_test",
            2000,
            4096,
            &mut reference,
            &mut doctored,
        );
    })
    .expect_err("the doctored APPEND reply must be caught");
    let msg = panic.downcast_ref::<String>().expect("a message").clone();
    assert!(msg.contains("DIFFERS"), "{msg}");
    assert!(msg.contains("doctored: (integer)"), "{msg}");
    // The message is a case file: its commands can be replayed as they are.
    let body = msg.split_once('\n').map(|(_, b)| b).unwrap_or("");
    let steps = parse_case(body.split("\n(written to").next().unwrap());
    let last = steps.last().expect("at least one command");
    assert!(last.args[0].eq_ignore_ascii_case(b"append"), "{msg}");
    // Shrunk: at most two commands get a 50-byte string (one APPEND of 100 bytes, or a
    // SET/APPEND pair), and nothing else is left.
    assert!(steps.len() <= 2, "not shrunk:\n{msg}");
}
