//! No heap allocation on the data path after warm-up: a million packets
//! through a chain of the core elements, counted by a counting allocator.

use std::sync::atomic::Ordering;

use engine::{Router, TaskStatus};

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{ALLOCATIONS, COUNTING};

const PACKETS: u64 = 1_000_000;
const WARMUP_ROUNDS: usize = 200;

fn frame() -> String {
    // Ethernet/IPv4/UDP, 64 bytes, valid IP checksum, TTL 64.
    let mut hex = String::from(
        "\\<020000000002 020000000001 0800 4500 0032 0000 0000 4011 66b9 0a000001 0a000002 04d2 162e 001e 0000",
    );
    for i in 0..22u8 {
        hex.push_str(&format!(" {i:02x}"));
    }
    hex.push('>');
    hex
}

#[test]
fn a_million_packets_without_allocating() {
    let config = format!(
        "src :: InfiniteSource(DATA {}, LIMIT {}, STOP true)
           -> c :: Counter
           -> cl :: Classifier(12/0806, 12/0800, -);
         cl[0] -> Discard;
         cl[2] -> Discard;
         cl[1] -> Paint(2)
           -> Strip(14) -> CheckIPHeader -> DecIPTTL -> Unstrip(14)
           -> EtherMirror
           -> q :: Queue(4096) -> Unqueue -> out :: Counter -> Discard;",
        frame(),
        PACKETS + 256 * WARMUP_ROUNDS as u64
    );
    let registry = elements::registry();
    let router = Router::from_text("<no_alloc>", &config, &registry)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let mut stepper = router.stepper();
    for _ in 0..WARMUP_ROUNDS {
        stepper.step();
    }
    let before = router
        .read_handler("out.count")
        .unwrap()
        .parse::<u64>()
        .unwrap();
    COUNTING.store(true, Ordering::SeqCst);
    let mut rounds = 0u64;
    while stepper.step() == TaskStatus::Worked && rounds < 100_000 {
        rounds += 1;
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    let after = router
        .read_handler("out.count")
        .unwrap()
        .parse::<u64>()
        .unwrap();
    assert!(
        after - before >= PACKETS,
        "only {} packets went through",
        after - before
    );
    assert_eq!(
        allocations,
        0,
        "{allocations} heap allocations while {} packets went through",
        after - before
    );
}
