// cross-checked: click
// IPRateMonitor on both ports: sources of the first direction on input 0,
// destinations of the replies on input 1; packets pass unchanged to the
// output of their input. The trace is replayed faster than the 8 ms rate
// epoch, so no range reaches THRESH and the tree keeps one level: `mem` is
// the base table and a counter per first address byte, as Click counts
// them. (Rates themselves depend on the clock; unit tests check `look`
// under a manual clock.)
FromDump(@IN@/tcp-flows.pcap, STOP false)
  -> CheckIPHeader(14)
  -> c :: IPClassifier(src net 10.0.0.0/8 and dst port 80, -);
c[0] -> [0]r :: IPRateMonitor(PACKETS, 1, 1000, 200)[0] -> ToDump(@OUT@/forward.pcap);
c[1] -> [1]r;
r[1] -> ToDump(@OUT@/reverse.pcap);
FromDump(@IN@/mixed.pcap, STOP true) -> CheckIPHeader(14, CHECKSUM false)
  -> b :: IPRateMonitor(BYTES, 0.5, 1000, 50, false) -> ToDump(@OUT@/bytes.pcap);
