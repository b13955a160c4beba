//! Click's IP elements: checking and marking IPv4 headers, decrementing the
//! TTL.
//!
//! Key decision: every element here reads the IPv4 header only through
//! length-checked slices of the packet (the fixed 20-byte header is checked
//! before any field is read), so no input bytes can make one panic;
//! malformed packets leave by the element's error output or are dropped
//! under a named reason, as in Click.

pub mod checkipheader;
pub mod decipttl;
pub mod markipheader;
pub mod symbolic;

/// Test helpers shared by the IP, Ethernet and classifier element tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use clickconf::args::Args;
    use engine::{ConfigError, ElementStats, Router};
    use packet::{Packet, PacketBatch};

    /// A router of this library built from `text` on a manual clock that
    /// starts at `start_ns` (wall clock) and 0 (monotonic), for tests of
    /// time-driven elements.
    pub fn manual_router(text: &str, start_ns: u64) -> (Router, Arc<engine::ManualClock>) {
        let clock = Arc::new(engine::ManualClock::new(packet::Timestamp(start_ns)));
        let reg = crate::registry();
        let graph = clickconf::load("t", text, &reg).unwrap_or_else(|_| panic!("{text}"));
        let router = Router::with_clock(graph, &reg, clock.clone()).expect("builds");
        (router, clock)
    }

    /// Runs `configure` on `config` and checks that every argument was used,
    /// as the engine does.
    pub fn configure<T>(
        config: &str,
        configure: impl FnOnce(&mut Args) -> Result<T, ConfigError>,
    ) -> Result<T, ConfigError> {
        let mut args = Args::new(config);
        let value = configure(&mut args)?;
        args.complete()?;
        Ok(value)
    }

    /// Builds `config` (which must name the element under test `e`), pushes
    /// `frames` into `e` and returns `e`'s packet counts.
    pub fn run_through(config: &str, frames: &[Vec<u8>]) -> (Router, ElementStats) {
        let registry = crate::registry();
        let router = Router::from_text("test", config, &registry)
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let eid = router.find("e").expect("element e");
        let mut batch = PacketBatch::new();
        for f in frames {
            batch.push(Packet::from_slice(f).expect("frame fits"));
            if batch.is_full() {
                router.inject(eid, 0, std::mem::take(&mut batch));
            }
        }
        router.inject(eid, 0, batch);
        let stats = router.stats(eid);
        (router, stats)
    }

    /// Asserts that every packet that entered `stats`'s element left it or
    /// was dropped, and that `n` entered.
    pub fn assert_accounted(stats: &ElementStats, n: usize) {
        assert_eq!(stats.total_in(), n as u64, "{stats:?}");
        assert_eq!(
            stats.total_in(),
            stats.total_out() + stats.total_dropped(),
            "{stats:?}"
        );
    }

    /// An Ethernet/IPv4 frame: `ip` (a complete IPv4 packet, checksum
    /// fixed up) after a 14-byte Ethernet header.
    pub fn ether_ip(ip: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 14];
        f[0..6].copy_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
        f[6..12].copy_from_slice(&[0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]);
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(ip);
        f
    }

    /// A 28-byte IPv4/UDP packet with no payload, the given TTL, source and
    /// destination, and a correct header checksum.
    pub fn ipv4_udp(ttl: u8, src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
        let mut ip = vec![
            0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, ttl, 17, 0, 0, src[0], src[1], src[2],
            src[3], dst[0], dst[1], dst[2], dst[3], 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x08, 0x00, 0x00,
        ];
        fix_checksum(&mut ip);
        ip
    }

    /// Rewrites the header checksum of the IPv4 header at the start of `ip`.
    pub fn fix_checksum(ip: &mut [u8]) {
        let hlen = usize::from(ip[0] & 0xf) * 4;
        ip[10] = 0;
        ip[11] = 0;
        let sum = packet::checksum::checksum(&ip[..hlen]);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
    }
}
