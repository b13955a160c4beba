// cross-checked: click
// BandwidthRatedUnqueue at 1,000 bytes per second with a bucket of 300 +
// 131,072 bytes pulls packets while 131,072 are left: the first four of
// mixed.pcap (then 1.4 s of refill would be needed), and the rest stay
// queued. Pacing over time is tested in the unit tests under a manual
// clock.
FromDump(@IN@/mixed.pcap, STOP true) -> q :: Queue(100)
  -> u :: BandwidthRatedUnqueue(1000, BURST_BYTES 300) -> ToDump(@OUT@/out.pcap);
