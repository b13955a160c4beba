// cross-checked: click
// RatedSplitter and BandwidthRatedSplitter at rates so low (1 packet, 1,000
// bytes per second) that what passes is what the full bucket holds (unless
// the run took over a second). RatedSplitter(1, BURST_SIZE 5) passes the
// first 5 packets; BandwidthRatedSplitter(1000, BURST_BYTES 300) holds
// 300 + 131,072 bytes and passes packets while 131,072 are left: the first
// four (71 + 87 + 60 bytes taken before the 1,514-byte fourth; 1.4 s of
// refill before the next). Without output 1 the rest are dropped.
// Refilling over time is tested in the unit tests under a manual clock.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(3);
t[0] -> rs :: RatedSplitter(1, BURST_SIZE 5);
rs[0] -> ToDump(@OUT@/rs0.pcap);
rs[1] -> ToDump(@OUT@/rs1.pcap);
t[1] -> bs :: BandwidthRatedSplitter(1000, BURST_BYTES 300);
bs[0] -> ToDump(@OUT@/bs0.pcap);
bs[1] -> over :: Counter -> Discard;
t[2] -> RatedSplitter(1, BURST_SIZE 2) -> two :: Counter -> Discard;
