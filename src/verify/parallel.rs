//! Runs independent verification jobs on all cores while the caller consumes their results in job
//! order, so a report is the same whatever the number of threads: the caller stops at the same
//! job (the first counterexample) as a sequential loop would, and later results are discarded.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Worker threads to use: the machine's parallelism (at least one).
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Evaluates `eval(i, &jobs[i])` on `threads` threads and calls `consume(i, result)` for
/// i = 0, 1, ... in order until it returns `false` or the jobs run out. Workers stop taking new
/// jobs once the consumer has stopped.
pub fn in_order<J, R>(
    jobs: &[J],
    threads: usize,
    eval: impl Fn(usize, &J) -> R + Sync,
    mut consume: impl FnMut(usize, R) -> bool,
) where
    J: Sync,
    R: Send,
{
    if threads <= 1 || jobs.len() <= 1 {
        for (i, j) in jobs.iter().enumerate() {
            if !consume(i, eval(i, j)) {
                return;
            }
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Bounded: while the consumer is busy (shrinking a counterexample) workers wait.
        let (tx, rx) = mpsc::sync_channel::<(usize, R)>(threads * 4);
        for _ in 0..threads.min(jobs.len()) {
            let tx = tx.clone();
            let (next, stop, eval) = (&next, &stop, &eval);
            scope.spawn(move || loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs.len() || tx.send((i, eval(i, &jobs[i]))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Results arrive in any order; hand them over in job order.
        let mut pending: BTreeMap<usize, R> = BTreeMap::new();
        let mut expected = 0;
        while expected < jobs.len() {
            let Ok((i, r)) = rx.recv() else { break };
            pending.insert(i, r);
            while let Some(r) = pending.remove(&expected) {
                let go_on = consume(expected, r);
                expected += 1;
                if !go_on {
                    stop.store(true, Ordering::Relaxed);
                    return;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_consumed_in_job_order_and_stop_early() {
        let jobs: Vec<u64> = (0..200).collect();
        for threads in [1, 2, 4] {
            let mut seen = Vec::new();
            in_order(
                &jobs,
                threads,
                |i, j| {
                    // Uneven work so results come back out of order.
                    let spin = (200 - i as u64) * 50;
                    (0..spin).fold(*j, |a, b| a.wrapping_add(b % 3))
                },
                |i, _| {
                    seen.push(i);
                    i < 150
                },
            );
            assert_eq!(seen, (0..=150).collect::<Vec<_>>(), "threads={threads}");
        }
    }
}
