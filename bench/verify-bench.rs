//! Benchmark (not a test): prove one typical rewritten Task (SaveOrder → dynamodb:putItem) of the
//! order-service example on 1,000 generated inputs plus its fault scenarios, then the whole
//! rewritten state machine on 1,000 more. Target: under 1 s in release on the project machine.
//!   cargo run --release --example verify-bench [-- SAMPLES [THREADS]]
//! THREADS: comparison threads (default 0: one per core); the report is the same for any value.

#[path = "../tests/support/order_plan.rs"]
mod order_plan;

use std::time::Instant;

fn main() {
    let samples: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let threads: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let project = order_plan::project();
    let state = "SaveOrder";
    let new_state = order_plan::rewritten_states()
        .into_iter()
        .find(|(s, _)| *s == state)
        .map(|(_, v)| v)
        .expect("SaveOrder rewrite");
    let plan = order_plan::plan_with(&project, &[(state, new_state)]);
    let mut opts = order_plan::options(samples);
    opts.threads = threads;
    for (other, m) in order_plan::models() {
        if other != state {
            opts.simulate.insert(other.to_string(), m);
        }
    }
    for run in 1..=3 {
        let start = Instant::now();
        let report = lambdaless::verify::prove(&project, &plan, &opts).expect("inputs read");
        let elapsed = start.elapsed();
        let m = &report.machines[0];
        let t = &m.tasks[0];
        println!(
            "run {run}: {:.3} s — {state}: {:?} on {} inputs and {} fault scenarios; whole machine: {:?} on {} inputs",
            elapsed.as_secs_f64(),
            t.verdict,
            t.inputs,
            t.fault_scenarios,
            m.whole_machine.verdict,
            m.whole_machine.inputs
        );
    }
}
