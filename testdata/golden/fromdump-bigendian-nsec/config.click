// cross-checked: click
// A big-endian capture with nanosecond timestamps reads as the same packets
// as its little-endian microsecond twin; written back with microseconds.
fd :: FromDump(@IN@/mixed-be-nsec.pcap, STOP true)
  -> td :: ToDump(@OUT@/out.pcap, NANO false);
