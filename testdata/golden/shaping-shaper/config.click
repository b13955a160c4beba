// cross-checked: click
// Shaper and BandwidthShaper at their largest rates pass every packet, in
// order: each lets a packet go once the fraction of the current second
// passed, times the rate, reaches what it let through this second, which
// here holds after the first microseconds of any second. The spacing at
// lower rates depends on the wall clock and is tested in the unit tests
// under a manual clock.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(2);
t[0] -> Queue(100) -> s :: Shaper(4096000000) -> Unqueue -> ToDump(@OUT@/s.pcap);
t[1] -> Queue(100) -> b :: BandwidthShaper(4096MBps) -> Unqueue -> ToDump(@OUT@/b.pcap);
