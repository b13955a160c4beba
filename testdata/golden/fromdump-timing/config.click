// cross-checked: click
// TIMING replays the capture with its original gaps (1 ms apart); the
// packets written are the same.
fd :: FromDump(@IN@/mixed.pcap, TIMING true, STOP true)
  -> td :: ToDump(@OUT@/out.pcap);
