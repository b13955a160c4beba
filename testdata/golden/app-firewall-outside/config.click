// cross-checked: click
// The firewall application (configs/firewall.click) on tcp-flows.pcap
// arriving on the outside interface: web connections and the refused SYN to
// port 25, both directions of each flow on one interface, so the filter's
// verdicts on requests and replies both show.
// app: configs/firewall.click
// replace: in0=Idle
// replace: in1=FromDump(@IN@/tcp-flows.pcap, STOP true)
// replace: out0=ToDump(@OUT@/out0.pcap)
// replace: out1=ToDump(@OUT@/out1.pcap)
