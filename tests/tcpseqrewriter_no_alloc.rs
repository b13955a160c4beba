//! The ISN randomiser's data path allocates nothing per packet once its
//! table is full, evicting a flow for almost every packet (its own
//! process: the counting allocator sees every thread).

use std::sync::atomic::Ordering;

use engine::Router;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{ALLOCATIONS, COUNTING};

const PACKETS: u64 = 1_000_000;
const WARMUP_ROUNDS: usize = 200;

#[test]
fn seq_rewriter_evicting_a_flow_per_packet_allocates_nothing() {
    // FastUDPFlows' packets made TCP (protocol 6, data offset 5): 1,000
    // flows through a table of 100, so nearly every packet is a new flow
    // that evicts the oldest. The warm-up fills the table.
    let config = "src :: FastUDPFlows(0, -1, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 1000, 1000000000)
           -> Unqueue(BURST 256)
           -> StoreData(23, \\<06>) -> StoreData(46, \\<50>)
           -> MarkIPHeader(14)
           -> isn :: TCPSeqRewriter(SEED 1, CAPACITY 100)
           -> out :: Counter -> Discard;
         Idle -> [1]isn; isn[1] -> Discard;";
    let registry = elements::registry();
    let router = Router::from_text("<tcpseqrewriter_no_alloc>", config, &registry)
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
    assert_eq!(router.read_handler("isn.count").unwrap(), "100");
    let before = count();
    assert!(before > 0, "TCP packets went through, not dropped");
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
        "{allocations} heap allocations while {} packets went through the ISN randomiser",
        after - before
    );
}
