// cross-checked: click
// START_AFTER skips the capture's first 40 ms; INTERVAL keeps the 5 ms
// after that.
fd :: FromDump(@IN@/mixed.pcap, START_AFTER 0.040, INTERVAL 0.005, STOP true)
  -> td :: ToDump(@OUT@/out.pcap, NANO false);
