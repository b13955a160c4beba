// cross-checked: click
// The 52 frames of mixed.pcap arrive at queues of 5 that are never pulled:
// FrontDropQueue and Queue both hold 5 and drop 47 (FrontDropQueue the
// oldest each time, Queue the newcomers; which packets stay is tested in
// the unit tests, since Click offers no way here to pull only after the
// last arrival).
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(2);
t[0] -> fq :: FrontDropQueue(5) -> Idle;
t[1] -> tq :: Queue(5) -> Idle;
