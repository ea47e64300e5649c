//! `verify` on the order-service example: the careful rewrite is proven; wrong rewrites are caught.

mod support;
use support::order_plan::*;

use lambdaless::verify::{prove, report, Verdict};

#[test]
fn order_service_rewrite_is_proven() {
    let project = project();
    let plan = plan_with(&project, &rewritten_states());
    let r = prove(&project, &plan, &options(200)).unwrap();
    let text = report::text(&r);
    println!("{text}");
    assert!(r.equivalent(), "{text}");
    let m = &r.machines[0];
    assert_eq!(m.tasks.len(), 4);
    for t in &m.tasks {
        assert_eq!(t.verdict, Verdict::Proven);
        assert!(t.inputs >= 204, "{} ran {} inputs", t.state, t.inputs);
        assert!(t.fault_scenarios > 0, "{}", t.state);
    }
}
