// cross-checked: click
// DelayShaper holds a packet until DELAY after its timestamp: the packets of
// mixed.pcap were stamped long ago, so all leave at once. LinkUnqueue with
// no latency at 4 GB/s (under a microsecond for any of these packets)
// delivers every packet at once. Both stamp the packets they let go with
// the time, so they are compared by count; the waiting itself is tested in
// the unit tests under a manual clock.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(2);
t[0] -> Queue(100) -> d :: DelayShaper(2s) -> Unqueue -> dc :: Counter -> Discard;
t[1] -> Queue(100) -> l :: LinkUnqueue(0, 4000MBps) -> lc :: Counter -> Discard;
