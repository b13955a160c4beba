// cross-checked: click
// FromTcpdump reading old tcpdump text (Click's format): TCP with options,
// relative sequence numbers made absolute, SACK blocks, IP details in
// parentheses and brackets, UDP, ICMP, a fragment, a comment and a line
// that is not a packet; packets as a raw-IP capture and a summary dump.
FromTcpdump(@IN@/monitor-tcpdump-old.txt, STOP true, CHECKSUM true) -> t :: Tee(2);
t[0] -> ToDump(@OUT@/old.pcap, ENCAP IP);
t[1] -> ToIPSummaryDump(@OUT@/old.txt, FIELDS ts src sport dst dport proto len ip_id ip_ttl ip_tos ip_fragoff tcp_flags tcp_seq tcp_ack tcp_window tcp_urp tcp_opt udp_len payload_len);
