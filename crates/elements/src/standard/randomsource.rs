//! RandomSource — makes packets of random bytes.
//!
//! ## Synopsis
//! `RandomSource(LENGTH [, LIMIT, BURST, ACTIVE, keywords TIMESTAMP, STOP])`
//!
//! ## Ports
//! No inputs, 1 output; agnostic.
//!
//! ## Description
//! As `InfiniteSource`, but every packet is LENGTH bytes of fresh random
//! data (a fast non-cryptographic generator): good for feeding elements
//! malformed input. Pushed by its own task (BURST packets a run, default
//! 256) or pulled. LIMIT is the total (-1: no limit); STOP true stops the
//! router at the limit; TIMESTAMP (default true) stamps packets with the
//! time.
//!
//! ## Arguments
//! - `LENGTH`: bytes per packet.
//! - `LIMIT`, `BURST`, `ACTIVE`, `TIMESTAMP`, `STOP`: as `InfiniteSource`.
//!
//! ## Handlers
//! - As `InfiniteSource`: `count`, `limit`, `burst`, `active`, `reset`….
//!
//! ## Differences from Click
//! - The random bytes differ from Click's generator's; BURST defaults to
//!   256 (Click's to 1), as for InfiniteSource.
//! - `END_CALL` is not supported (STOP is).
//!
//! ## Example
//! ```text
//! RandomSource(64, 1000, STOP true) -> CheckIPHeader -> Discard;
//! ```

use engine::ElementSpec;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RandomSource",
    source: include_str!("randomsource.rs"),
    make: super::infinitesource::make_random,
    ..super::infinitesource::SPEC
};

#[cfg(test)]
mod tests {
    #[test]
    fn packets_are_random_and_counted() {
        let reg = crate::registry();
        let r = engine::Router::from_text(
            "t",
            "RandomSource(60, 100, STOP true) -> c :: Counter -> CheckIPHeader -> ok :: Counter -> Discard",
            &reg,
        )
        .unwrap();
        r.run(&engine::RunOptions { threads: 1 });
        assert_eq!(r.read_handler("c.count").unwrap(), "100");
        let ok: u64 = r.read_handler("ok.count").unwrap().parse().unwrap();
        assert!(ok < 5, "random bytes are rarely a valid IP header ({ok})");
        assert!(engine::Router::from_text("t", "RandomSource(20000) -> Discard", &reg).is_err());
    }

    #[test]
    fn bad_arguments() {
        let reg = crate::registry();
        for bad in [
            "",
            "-1",
            "x",
            "20000",
            "60, 10, 0",
            "60, 10, 1, maybe",
            "60, LIMIT x",
            "60, STOP 3",
            "60, TIMESTAMP yes please",
            "60, 10, 1, true, 5",
        ] {
            let text = format!("RandomSource({bad}) -> Discard");
            assert!(
                engine::Router::from_text("t", &text, &reg).is_err(),
                "{bad}"
            );
        }
    }
}
