// cross-checked: click
// The firewall application (configs/firewall.click) on tcp-flows.pcap
// arriving on the inside interface: web connections and the refused SYN to
// port 25, both directions of each flow on one interface, so the filter's
// verdicts on requests and replies both show.
// app: configs/firewall.click
// replace: in0=FromDump(@IN@/tcp-flows.pcap, STOP true)
// replace: in1=Idle
// replace: out0=ToDump(@OUT@/out0.pcap)
// replace: out1=ToDump(@OUT@/out1.pcap)
