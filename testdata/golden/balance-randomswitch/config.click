// cross-checked: click
// RandomSwitch picks outputs at random (here and in Click, with different
// generators), so only the deterministic parts are compared: with one
// output every packet goes to it, in order; with three, every packet goes
// to one of them (the count where they meet again is 52). The spread over
// outputs is tested statistically in the unit tests.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(2);
t[0] -> RandomSwitch -> ToDump(@OUT@/one.pcap);
t[1] -> r :: RandomSwitch;
r[0] -> all :: Counter -> Discard;
r[1] -> all;
r[2] -> all;
