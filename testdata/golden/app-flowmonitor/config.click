// cross-checked: no (FlowStats is not in Click). The frames leave exactly
// as tcp-flows.pcap holds them (expected/out0.pcap has the same frames), and the
// flow table lists its eight directions of four TCP conversations with
// the packet and byte counts, times and flags tcpdump shows for them.
// app: configs/flowmonitor.click
// replace: in0=FromDump(@IN@/tcp-flows.pcap, STOP true)
// replace: out0=ToDump(@OUT@/out0.pcap)
