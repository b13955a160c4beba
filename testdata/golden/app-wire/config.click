// cross-checked: click
// The wire application (configs/wire.click) with its devices replaced by
// files: every frame of mixed.pcap leaves unchanged.
// app: configs/wire.click
// replace: in0=FromDump(@IN@/mixed.pcap, STOP true)
// replace: out0=ToDump(@OUT@/out0.pcap)
// replace: in1=Idle
// replace: out1=Discard
