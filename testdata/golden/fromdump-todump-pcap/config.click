// cross-checked: click
// FromDump reads a classic pcap (little-endian, microseconds); ToDump writes
// it back with Click's defaults: nanosecond timestamps, snap length 2000,
// link type Ethernet. The cut record keeps its wire length through the
// extra length annotation.
fd :: FromDump(@IN@/mixed.pcap, STOP true)
  -> c :: Counter
  -> td :: ToDump(@OUT@/out.pcap);
