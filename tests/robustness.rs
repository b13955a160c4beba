//! Random bytes of random length (0–9,000) through every element class: no
//! panic, and every packet accounted for (in = out + dropped + held) at
//! every element that neither makes nor copies packets.
//!
//! Each sample configuration names the element under test `x` and the
//! element packets are injected into `in`. Terminals are `Discard`, which
//! counts what it receives as dropped.

use engine::{Router, Stepper};
use packet::{Packet, PacketBatch};
use proptest::prelude::*;

/// (class, configuration, whether `x` duplicates or makes packets)
const CORE_SAMPLES: &[(&str, &str, bool)] = &[
    (
        "Counter",
        "in :: Counter -> x :: Counter -> Discard; Idle -> in",
        false,
    ),
    ("Discard", "Idle -> in :: Null -> x :: Discard", false),
    (
        "Queue",
        "Idle -> in :: Null -> x :: Queue(100) -> Discard",
        false,
    ),
    (
        "SimpleQueue",
        "Idle -> in :: Null -> x :: SimpleQueue(5) -> Discard",
        false,
    ),
    (
        "Unqueue",
        "Idle -> in :: Queue(50) -> x :: Unqueue -> Discard",
        false,
    ),
    ("Null", "Idle -> in :: Null -> x :: Null -> Discard", false),
    (
        "Tee",
        "Idle -> in :: Null -> x :: Tee(3); x[0] -> Discard; x[1] -> Discard; x[2] -> Discard",
        true,
    ),
    (
        "Paint",
        "Idle -> in :: Null -> x :: Paint(3) -> Discard",
        false,
    ),
    (
        "PaintSwitch",
        "Idle -> in :: Null -> x :: PaintSwitch; x[0] -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "PullTee",
        "Idle -> in :: Queue(50) -> x :: PullTee -> Discard; x[1] -> Discard",
        true,
    ),
    (
        "PaintTee",
        "Idle -> in :: Null -> x :: PaintTee(0); x[0] -> Discard; x[1] -> Discard",
        true,
    ),
    (
        "Strip",
        "Idle -> in :: Null -> x :: Strip(14) -> Discard",
        false,
    ),
    (
        "Unstrip",
        "Idle -> in :: Null -> x :: Unstrip(14) -> Discard",
        false,
    ),
    (
        "StripToNetworkHeader",
        "Idle -> in :: MarkIPHeader(14) -> x :: StripToNetworkHeader -> Discard",
        false,
    ),
    (
        "Classifier",
        "Idle -> in :: Null -> x :: Classifier(12/0800, 12/0806 20/0001, !12/86dd 14/45%f0, -); x[0] -> Discard; x[1] -> Discard; x[2] -> Discard; x[3] -> Discard",
        false,
    ),
    (
        "CheckIPHeader",
        "Idle -> in :: Strip(14) -> x :: CheckIPHeader -> Discard",
        false,
    ),
    (
        "CheckIPHeader-2out",
        "Idle -> in :: Strip(14) -> x :: CheckIPHeader; x[0] -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "MarkIPHeader",
        "Idle -> in :: Null -> x :: MarkIPHeader(14) -> Discard",
        false,
    ),
    (
        "DecIPTTL",
        "Idle -> in :: MarkIPHeader(14) -> x :: DecIPTTL; x[0] -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "DecIPTTL-unchecked",
        "Idle -> in :: Null -> x :: DecIPTTL -> Discard",
        false,
    ),
    (
        "EtherMirror",
        "Idle -> in :: Null -> x :: EtherMirror -> Discard",
        false,
    ),
    (
        "EtherEncap",
        "Idle -> in :: Null -> x :: EtherEncap(0x0800, 00:01:02:03:04:05, 0a:0b:0c:0d:0e:0f) -> Discard",
        false,
    ),
    (
        "EtherRewrite",
        "Idle -> in :: Null -> x :: EtherRewrite(00:01:02:03:04:05, 0a:0b:0c:0d:0e:0f) -> Discard",
        false,
    ),
    (
        "StoreData",
        "Idle -> in :: Null -> x :: StoreData(12, \\<86dd>) -> Discard",
        false,
    ),
    (
        "Switch",
        "Idle -> in :: Null -> x :: Switch(1); x[0] -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "RoundRobinSched",
        "Idle -> in :: Queue(50) -> x :: RoundRobinSched -> Discard; Idle -> Queue -> [1]x",
        false,
    ),
    (
        "PrioSched",
        "Idle -> in :: Queue(50) -> x :: PrioSched -> Discard; Idle -> Queue -> [1]x",
        false,
    ),
    (
        "RatedUnqueue",
        "Idle -> in :: Queue(50) -> x :: RatedUnqueue(1000000) -> Discard",
        false,
    ),
    (
        "AverageCounter",
        "Idle -> in :: Null -> x :: AverageCounter -> Discard",
        false,
    ),
    (
        "Print",
        "Idle -> in :: Null -> x :: Print(robust, ACTIVE false) -> Discard",
        false,
    ),
    (
        "ToDump",
        "Idle -> in :: Null -> x :: ToDump(/dev/null)",
        false,
    ),
];

// One file of samples per element group, so work on different groups
// touches different files.
#[path = "robustness/balance.rs"]
mod balance;
#[path = "robustness/classify.rs"]
mod classify;
#[path = "robustness/driver.rs"]
mod driver;
#[path = "robustness/monitor.rs"]
mod monitor;
#[path = "robustness/nat.rs"]
mod nat;
#[path = "robustness/routing.rs"]
mod routing;
#[path = "robustness/shaping.rs"]
mod shaping;
#[path = "robustness/tunnel.rs"]
mod tunnel;

/// Every sample, of every group.
fn samples() -> Vec<(&'static str, &'static str, bool)> {
    [
        CORE_SAMPLES,
        balance::SAMPLES,
        classify::SAMPLES,
        driver::SAMPLES,
        monitor::SAMPLES,
        nat::SAMPLES,
        routing::SAMPLES,
        shaping::SAMPLES,
        tunnel::SAMPLES,
    ]
    .concat()
}

fn registry() -> engine::Registry {
    elements::registry()
}

/// The samples whose configurations build with this library (`samples_build`
/// fails for any sample whose class exists but does not build).
fn available() -> Vec<(&'static str, &'static str, bool)> {
    let reg = registry();
    samples()
        .into_iter()
        .filter(|(_, cfg, _)| Router::from_text("<sample>", cfg, &reg).is_ok())
        .collect()
}

#[test]
fn every_registered_class_has_a_sample() {
    let reg = registry();
    let all = samples();
    let mut missing = Vec::new();
    for class in reg.classes() {
        let name = class.spec.class;
        let covered = all
            .iter()
            .any(|(n, _, _)| *n == name || n.starts_with(&format!("{name}-")));
        let exempt = matches!(
            name,
            // Sources and devices: they make packets or need hardware; their
            // own tests cover malformed input.
            "InfiniteSource"
                | "RatedSource"
                | "TimedSource"
                | "FromDump"
                | "FromDevice"
                | "ToDevice"
                | "Idle"
                | "FastUDPFlows"
                | "FastTCPFlows"
                | "FastUDPSource"
                | "RandomSource"
                | "FromIPSummaryDump"
                | "FromTcpdump"
                // Control elements without packet ports: they see no
                // packets (their own tests cover bad scripts and requests).
                | "DriverManager"
                | "ControlSocket"
        );
        if !covered && !exempt {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "classes without a robustness sample: {missing:?}"
    );
}

#[test]
fn samples_build() {
    let reg = registry();
    for (name, cfg, _) in samples() {
        let class = name.split('-').next().unwrap_or(name);
        if reg.get(class).is_none() {
            continue;
        }
        if let Err(e) = Router::from_text("<sample>", cfg, &reg) {
            panic!("{name}: sample does not build:\n{}", e.render());
        }
    }
}

fn run_sample(cfg: &str, duplicates: bool, packets: &[Vec<u8>]) -> Result<(), TestCaseError> {
    let reg = registry();
    let router =
        Router::from_text("<sample>", cfg, &reg).map_err(|e| TestCaseError::fail(e.render()))?;
    let entry = router
        .find("in")
        .ok_or_else(|| TestCaseError::fail("no element 'in'"))?;
    let x = router
        .find("x")
        .ok_or_else(|| TestCaseError::fail("no element 'x'"))?;
    let mut stepper: Stepper<'_> = router.stepper();
    let mut batch = PacketBatch::new();
    for bytes in packets {
        let mut p = Packet::from_slice(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Some packets arrive with stale header annotations, as after a
        // misbehaving upstream element.
        if bytes.len() % 3 == 0 {
            p.anno_mut().set_network_header(Some(bytes.len() % 200));
            p.anno_mut().set_transport_header(Some(bytes.len() % 300));
        }
        batch.push(p);
    }
    let injected = batch.len() as u64;
    stepper.inject(entry, 0, batch);
    for _ in 0..64 {
        stepper.step();
    }
    let st = router.stats(x);
    prop_assert!(
        st.total_in() > 0,
        "{}: the element under test saw no packet",
        cfg
    );
    if !duplicates {
        prop_assert_eq!(
            st.total_in(),
            st.total_out() + st.total_dropped() + st.held,
            "{}: in {} out {} dropped {} held {}",
            cfg,
            st.total_in(),
            st.total_out(),
            st.total_dropped(),
            st.held
        );
    }
    // Whole-router accounting: everything injected is dropped somewhere
    // (Discard counts as a drop) or held, unless the element copies.
    if !duplicates {
        let mut dropped = 0;
        let mut held = 0;
        for eid in 0..router.elements().len() {
            let s = router.stats(eid);
            dropped += s.total_dropped();
            held += s.held;
        }
        prop_assert_eq!(
            injected,
            dropped + held,
            "{}: injected {} dropped {} held {}",
            cfg,
            injected,
            dropped,
            held
        );
    }
    Ok(())
}

fn packet_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let sizes = prop_oneof![0usize..80, 0usize..1600, 0usize..9001];
    // Random bytes, and random bytes under a plausible Ethernet/IPv4 header
    // so that deeper code paths run too.
    let one = (sizes, any::<bool>(), any::<u64>()).prop_map(|(len, plausible, seed)| {
        let mut state = seed | 1;
        let mut v: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        if plausible && v.len() >= 34 {
            v[12] = 0x08;
            v[13] = 0x00;
            v[14] = 0x45 + (v[14] & 0x03);
        }
        v
    });
    prop::collection::vec(one, 1..40)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn random_packets_through_every_element(packets in packet_strategy()) {
        for (_, cfg, duplicates) in available() {
            run_sample(cfg, duplicates, &packets)?;
        }
    }
}
