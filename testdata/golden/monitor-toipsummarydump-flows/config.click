// cross-checked: click
// ToIPSummaryDump over monitor-flows.pcap (IP and TCP options, fragments,
// ICMP errors) with flow numbers from AggregateIPFlows: every field in
// text, and in binary records; plus the common fields a flow monitor keeps;
// packets that are not TCP or UDP flows go to their own file.
FromDump(@IN@/monitor-flows.pcap, STOP true)
  -> c :: Classifier(12/0800, -)
  -> MarkIPHeader(14)
  -> af :: AggregateIPFlows(FRAGMENTS false)
  -> t :: Tee(3);
af[1] -> ToIPSummaryDump(@OUT@/nonflow.txt, FIELDS ts src dst proto icmp_type_name icmp_code_name icmp_flowid icmp_seq icmp_nextmtu);
t[0] -> ToIPSummaryDump(@OUT@/flows.bin, BINARY true, BAD_PACKETS true,
  FIELDS timestamp ts_sec ts_usec ts_usec1 count link direction aggregate wire_len ip_src ip_dst ip_tos ip_dscp ip_ecn ip_ttl ip_frag ip_fragoff ip_id ip_sum ip_proto ip_hl ip_len ip_capture_len ip_opt sport dport ip_src tcp_seq tcp_ack tcp_off tcp_flags tcp_window tcp_urp tcp_opt tcp_ntopt tcp_sack udp_len icmp_type icmp_code icmp_type_name icmp_code_name icmp_flowid icmp_seq icmp_nextmtu payload_len payload_md5 payload_md5_hex eth_src eth_dst eth_type first_timestamp ntimestamp);
t[1] -> ToIPSummaryDump(@OUT@/flows.txt, FIELDS timestamp ts_sec ts_usec ts_usec1 count link direction aggregate wire_len ip_src ip_dst ip_tos ip_dscp ip_ecn ip_ttl ip_frag ip_fragoff ip_id ip_sum ip_proto ip_hl ip_len ip_capture_len ip_opt sport dport ip_src tcp_seq tcp_ack tcp_off tcp_flags tcp_window tcp_urp tcp_opt tcp_ntopt tcp_sack udp_len icmp_type icmp_code icmp_type_name icmp_code_name icmp_flowid icmp_seq icmp_nextmtu payload_len payload payload_md5 payload_md5_hex eth_src eth_dst eth_type first_timestamp ntimestamp);
t[2] -> ToIPSummaryDump(@OUT@/common.txt, VERBOSE false, BANNER "flow monitor",
  FIELDS ts sec usec src sport dst dport proto len payload_len ip_id ip_ttl ip_tos
         tcp_flags tcp_seq tcp_ack tcp_window count direction aggregate);
c[1] -> Discard;
