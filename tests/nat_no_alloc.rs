//! The NAT's data path allocates nothing per packet once its flows are
//! mapped (its own process: the counting allocator sees every thread).

use std::sync::atomic::Ordering;

use engine::Router;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{ALLOCATIONS, COUNTING};

const PACKETS: u64 = 1_000_000;
const WARMUP_ROUNDS: usize = 200;

#[test]
fn nat_with_a_thousand_flows_allocates_nothing_per_packet() {
    // 1,000 UDP flows, mapped during the warm-up; then a million packets
    // of known flows through the rewriter.
    let config = "src :: FastUDPFlows(0, -1, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 1000, 1000000000)
           -> Unqueue(BURST 256)
           -> MarkIPHeader(14)
           -> rw :: IPRewriter(pattern 1.0.0.1 1024-65535 - - 0 1, drop)
           -> out :: Counter -> Discard;
         Idle -> [1]rw; rw[1] -> Discard;";
    let registry = elements::registry();
    let router = Router::from_text("<nat_no_alloc>", config, &registry)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let mut stepper = router.stepper();
    for _ in 0..WARMUP_ROUNDS {
        stepper.step();
    }
    let count = || {
        router
            .read_handler("out.count")
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(router.read_handler("rw.size").unwrap(), "1000");
    let before = count();
    COUNTING.store(true, Ordering::SeqCst);
    let mut rounds = 0u64;
    while rounds < PACKETS / 256 + 1 {
        stepper.step();
        rounds += 1;
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    let after = count();
    assert!(
        after - before >= PACKETS,
        "only {} packets went through",
        after - before
    );
    assert_eq!(
        allocations,
        0,
        "{allocations} heap allocations while {} packets went through the NAT",
        after - before
    );
}
