// cross-checked: click
// START and END select the packets stamped in [START, END); at END the
// router stops.
fd :: FromDump(@IN@/mixed.pcap, START 1700000000.010, END 1700000000.020, STOP true)
  -> td :: ToDump(@OUT@/out.pcap, NANO false);
