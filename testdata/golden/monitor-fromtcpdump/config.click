// cross-checked: no (Click 2.1 reads only old tcpdump text). The summary of
// what FromTcpdump makes of tcpdump 4.99.3's output for tcp-flows.pcap
// (plain) and monitor-flows.pcap (-v) equals, field for field, the summary
// of the captures themselves, except where tcpdump does not print the
// value (the UDP length of a first fragment, the sequence number of a pure
// ACK); tests/monitor_tcpdump.rs checks that against a live tcpdump.
FromTcpdump(@IN@/monitor-tcpdump.txt, STOP true)
  -> ToIPSummaryDump(@OUT@/tcp-flows.txt, FIELDS ts src sport dst dport proto len tcp_flags tcp_seq tcp_ack tcp_window tcp_urp tcp_opt);
FromTcpdump(@IN@/monitor-tcpdump-v.txt)
  -> ToIPSummaryDump(@OUT@/monitor-flows.txt, FIELDS ts src sport dst dport proto len ip_id ip_ttl ip_tos ip_fragoff tcp_flags tcp_seq tcp_ack tcp_window tcp_opt udp_len icmp_type icmp_code icmp_flowid icmp_seq);
