//! The fast sources make packets without heap allocation after warm-up
//! (buffers come from the packet pool, headers from per-flow templates),
//! also while flows change ports, TCP flows open and close, and the
//! packets pass elements that write into them.

use std::sync::atomic::Ordering;

use engine::Router;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{ALLOCATIONS, COUNTING};

/// Steps `config` (whose counter `out` sees every packet) for a warm-up,
/// then counts allocations over `rounds` more steps; returns (packets,
/// allocations).
fn measure(config: &str, rounds: usize) -> (u64, u64) {
    let registry = elements::registry();
    let router = Router::from_text("<tunnel_sources>", config, &registry)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let mut stepper = router.stepper();
    for _ in 0..100 {
        stepper.step();
    }
    let count = || -> u64 { router.read_handler("out.count").unwrap().parse().unwrap() };
    let before = count();
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..rounds {
        stepper.step();
    }
    COUNTING.store(false, Ordering::SeqCst);
    (count() - before, ALLOCATIONS.load(Ordering::SeqCst))
}

#[test]
fn fast_sources_do_not_allocate() {
    // One test function: the allocation counter is global to the process.
    let cases = [
        // 1,000 flows changing ports every 100 packets, spread over 1,000
        // destinations.
        "FastUDPFlows(0, -1, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 1000, 100)
           -> Unqueue -> out :: Counter -> Strip(14) -> CheckIPHeader -> DecIPTTL
           -> SetRandIPAddress(10.0.0.0/8, LIMIT 1000) -> StoreIPAddress(dst) -> Discard;",
        "FastUDPFlows(0, -1, 1500, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 10, 1000, false)
           -> Unqueue -> out :: Counter -> EtherMirror -> StoreData(1000, \\<ff>) -> Discard;",
        "FastTCPFlows(0, -1, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 100, 5)
           -> Unqueue -> out :: Counter -> Strip(14) -> CheckIPHeader -> Discard;",
        "FastUDPSource(0, -1, 60, 2:0:0:0:0:1, 10.0.0.1, 1, 2:0:0:0:0:2, 10.0.0.2, 2, INTERVAL 7)
           -> Unqueue -> out :: Counter -> Discard;",
    ];
    for config in cases {
        let (packets, allocations) = measure(config, 2000);
        assert!(packets >= 2000 * 256, "{packets} packets: {config}");
        assert_eq!(allocations, 0, "{allocations} allocations: {config}");
    }
}
