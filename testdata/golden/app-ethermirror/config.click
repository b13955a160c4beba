// cross-checked: click
// The EtherMirror application (configs/ethermirror.click) with its device
// replaced by files: every frame of mixed.pcap comes back with its Ethernet
// addresses swapped.
// app: configs/ethermirror.click
// replace: in0=FromDump(@IN@/mixed.pcap, STOP true)
// replace: out0=ToDump(@OUT@/out0.pcap)
