// cross-checked: click
// Paint, PaintTee, PaintSwitch and Switch route whole packet streams.
FromDump(@IN@/mixed.pcap, STOP true) -> Paint(2) -> pt :: PaintTee(2) -> ps :: PaintSwitch;
pt[1] -> Paint(0) -> Paint(1, ANNO 40) -> ps40 :: PaintSwitch(40);
ps[0] -> Discard;
ps[1] -> Discard;
ps[2] -> sw :: Switch(1);
sw[0] -> Discard;
sw[1] -> two :: ToDump(@OUT@/two.pcap);
ps40[0] -> Discard;
ps40[1] -> one :: ToDump(@OUT@/one.pcap);
