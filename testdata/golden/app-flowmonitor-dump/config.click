// cross-checked: no (FlowStats is not in Click). The flow monitor with its
// `dump` swapped for a ToIPSummaryDump, as its header describes: the frames
// leave unchanged, the table is the app-flowmonitor case's, and the summary
// lists every IPv4 packet of tcp-flows.pcap (expected/flows.txt is byte
// for byte what Click's ToIPSummaryDump writes for those packets with the
// same fields).
// app: configs/flowmonitor.click
// replace: in0=FromDump(@IN@/tcp-flows.pcap, STOP true)
// replace: out0=ToDump(@OUT@/out0.pcap)
// replace: dump=ToIPSummaryDump(@OUT@/flows.txt, FIELDS ts src sport dst dport proto len tcp_flags)
