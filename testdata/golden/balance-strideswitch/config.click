// cross-checked: click
// StrideSwitch(3, 1, 0, 2) over the 52 frames of mixed.pcap: shares 3:1:0:2
// in Click's stride order, one capture per output.
FromDump(@IN@/mixed.pcap, STOP true) -> s :: StrideSwitch(3, 1, 0, 2);
s[0] -> ToDump(@OUT@/s0.pcap);
s[1] -> ToDump(@OUT@/s1.pcap);
s[2] -> ToDump(@OUT@/s2.pcap);
s[3] -> ToDump(@OUT@/s3.pcap);
