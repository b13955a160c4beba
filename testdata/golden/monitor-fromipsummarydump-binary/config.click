// cross-checked: click
// FromIPSummaryDump reading binary records (the file the
// monitor-fromipsummarydump case writes), with CHECKSUM and MULTIPACKET.
FromIPSummaryDump(@IN@/../golden/monitor-fromipsummarydump/expected/hand.bin, STOP true, CHECKSUM true, MULTIPACKET true)
  -> t :: Tee(2);
t[0] -> ToDump(@OUT@/bin.pcap, ENCAP IP);
t[1] -> ToIPSummaryDump(@OUT@/bin.txt, FIELDS ts src dst sport dport proto len ip_id ip_ttl ip_tos ip_fragoff ip_sum tcp_seq tcp_ack tcp_flags tcp_window udp_len icmp_type icmp_code icmp_flowid icmp_seq payload_len count direction aggregate wire_len first_timestamp);
