//! No heap allocation on the router's data path after warm-up: a million
//! packets through the forwarding path of `configs/router.click` with the
//! 1,000-route table (GetIPAddress, RadixIPLookup, DropBroadcasts,
//! PaintTee, IPGWOptions, FixIPSrc, DecIPTTL, IPFragmenter, ARPQuerier)
//! and an ICMPError making an error about each, counted by a counting
//! allocator.

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
fn routing_a_million_packets_without_allocating() {
    let root = switchyard::golden::repo_root();
    let routes: Vec<String> =
        std::fs::read_to_string(root.join("testdata/routing/routes-1000.txt"))
            .expect("testdata/routing/routes-1000.txt")
            .lines()
            .map(str::to_string)
            .collect();
    let config = format!(
        "src :: InfiniteSource(DATA {}, LIMIT {}, STOP true)
           -> Paint(2) -> Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> t :: Tee(2);
         t[0] -> rt :: RadixIPLookup(10.0.0.254/32 0, 10.0.0.0/24 1, 192.168.1.0/24 2, {});
         rt[0] -> Discard;
         rt[2] -> Discard;
         rt[1] -> DropBroadcasts -> cp :: PaintTee(1) -> gio :: IPGWOptions(10.0.0.254)
           -> FixIPSrc(10.0.0.254) -> dt :: DecIPTTL -> fr :: IPFragmenter(1500)
           -> arpq :: ARPQuerier(10.0.0.254, 02:00:00:00:00:fe)
           -> q :: Queue(4096) -> Unqueue -> out :: Counter -> Discard;
         cp[1] -> Discard; gio[1] -> Discard; dt[1] -> Discard; fr[1] -> Discard;
         arpq[1] -> Discard; Idle -> [1]arpq;
         t[1] -> ICMPError(10.0.0.254, timeexceeded) -> errors :: Counter -> Discard;",
        frame(),
        PACKETS + 256 * WARMUP_ROUNDS as u64,
        routes.join(", ")
    );
    let registry = elements::registry();
    let router = Router::from_text("<routing_no_alloc>", &config, &registry)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    router
        .write_handler("arpq.insert", "10.0.0.2 02:00:00:00:00:02")
        .expect("insert");
    let mut stepper = router.stepper();
    for _ in 0..WARMUP_ROUNDS {
        stepper.step();
    }
    let count = |h: &str| router.read_handler(h).unwrap().parse::<u64>().unwrap();
    let (before, errors_before) = (count("out.count"), count("errors.count"));
    COUNTING.store(true, Ordering::SeqCst);
    let mut rounds = 0u64;
    while stepper.step() == TaskStatus::Worked && rounds < 100_000 {
        rounds += 1;
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    let (after, errors_after) = (count("out.count"), count("errors.count"));
    assert!(
        after - before >= PACKETS,
        "only {} packets were forwarded",
        after - before
    );
    assert_eq!(errors_after - errors_before, after - before);
    assert_eq!(
        allocations,
        0,
        "{allocations} heap allocations while {} packets went through",
        after - before
    );
}
