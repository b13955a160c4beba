// cross-checked: click
// ToIPSummaryDump over mixed.pcap: every field Click writes, in text and
// binary, with BAD_PACKETS lines for bad headers, HEADER false, a BANNER,
// after CheckIPHeader, and on packets without a network header.
// Frames of 34 bytes or more with EtherType IPv4 (Click's MarkIPHeader
// asserts on shorter ones), split by the parity of byte 33.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(3);
t[0] -> c :: Classifier(12/0800 33/00%01, 12/0800 33/01%01, -) -> u :: Tee(2);
c[1] -> v :: Tee(2);
c[2] -> Discard;
u[0] -> MarkIPHeader(14) -> ToIPSummaryDump(@OUT@/even1.txt, FIELDS timestamp ts_sec ts_usec ts_usec1 count link direction aggregate wire_len ip_src ip_dst ip_tos ip_dscp ip_ecn ip_ttl ip_frag ip_fragoff ip_id ip_sum ip_proto ip_hl ip_len ip_capture_len ip_opt sport dport, BAD_PACKETS true, BANNER "test \"x\"");
u[1] -> MarkIPHeader(14) -> ToIPSummaryDump(@OUT@/even2.txt, FIELDS ip_src tcp_seq tcp_ack tcp_off tcp_flags tcp_window tcp_urp tcp_opt tcp_ntopt tcp_sack udp_len icmp_type icmp_code icmp_type_name icmp_code_name icmp_flowid icmp_seq icmp_nextmtu payload_len payload payload_md5 payload_md5_hex eth_src eth_dst eth_type first_timestamp ntimestamp, BAD_PACKETS true);
v[0] -> MarkIPHeader(14) -> ToIPSummaryDump(@OUT@/odd1.txt, FIELDS timestamp ts_sec ts_usec ts_usec1 count link direction aggregate wire_len ip_src ip_dst ip_tos ip_dscp ip_ecn ip_ttl ip_frag ip_fragoff ip_id ip_sum ip_proto ip_hl ip_len ip_capture_len ip_opt sport dport, BAD_PACKETS true, HEADER false);
v[1] -> MarkIPHeader(14) -> ToIPSummaryDump(@OUT@/odd2.bin, FIELDS ip_src tcp_seq tcp_ack tcp_off tcp_flags tcp_window tcp_urp tcp_opt tcp_ntopt tcp_sack udp_len icmp_type icmp_code icmp_type_name icmp_code_name icmp_flowid icmp_seq icmp_nextmtu payload_len payload_md5 payload_md5_hex eth_src eth_dst eth_type first_timestamp ntimestamp, BAD_PACKETS true, BINARY true);
t[1] -> CheckIPHeader(14, CHECKSUM false) -> ToIPSummaryDump(@OUT@/checked.txt, FIELDS ts src sport dst dport proto len "tcp flags" payload_len);
t[2] -> ToIPSummaryDump(@OUT@/unmarked.txt, FIELDS ts wire_len len ip_capture_len eth_src eth_type src, BAD_PACKETS true);
