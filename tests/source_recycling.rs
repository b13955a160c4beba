//! InfiniteSource reuses the buffers it filled and copies back only the
//! bytes elements wrote (`Packet::refill`). Over many rounds of recycling,
//! every packet must still leave the source as DATA: mirrored exactly once,
//! its TTL decremented exactly once.

use engine::Router;

const FRAME: &str = "\\<020000000002 020000000001 0800 4500 0032 0000 0000 4011 66b9 0a000001 0a000002 04d2 162e 001e 0000 0000000000000000000000000000000000000000000000000000>";

fn count(config: &str, handler: &str) -> String {
    let registry = elements::registry();
    let router = Router::from_text("<recycling>", config, &registry)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    router.stepper().run_until_idle();
    router.read_handler(handler).unwrap()
}

#[test]
fn mirrored_once_every_time() {
    let config = format!(
        "InfiniteSource(DATA {FRAME}, LIMIT 20000, STOP true) -> EtherMirror
           -> c :: Classifier(0/020000000001 6/020000000002, -);
         c[0] -> ok :: Counter -> Discard; c[1] -> bad :: Counter -> Discard;"
    );
    assert_eq!(count(&config, "ok.count"), "20000");
}

#[test]
fn ttl_decremented_once_every_time() {
    let config = format!(
        "InfiniteSource(DATA {FRAME}, LIMIT 20000, STOP true)
           -> Strip(14) -> CheckIPHeader -> DecIPTTL -> Unstrip(14)
           -> c :: Classifier(22/3f 24/67b9, -);
         c[0] -> ok :: Counter -> Discard; c[1] -> bad :: Counter -> Discard;"
    );
    assert_eq!(count(&config, "ok.count"), "20000");
}

#[test]
fn whole_packet_writes_are_copied_back() {
    // StoreData writes through the whole-data view, which forgets the
    // buffer's origin: every packet must get DATA in full again.
    let config = format!(
        "InfiniteSource(DATA {FRAME}, LIMIT 20000, STOP true) -> StoreData(40, \\<ffff>)
           -> c :: Classifier(40/ffff 0/020000000002, -);
         c[0] -> ok :: Counter -> Discard; c[1] -> bad :: Counter -> Discard;"
    );
    assert_eq!(count(&config, "ok.count"), "20000");
}
