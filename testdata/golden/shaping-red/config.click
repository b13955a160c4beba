// cross-checked: click
// RED's deterministic parts, on queues that are never pulled. With
// STABILITY 0 (the instantaneous length) and MIN_THRESH = MAX_THRESH
// without GENTLE, packets pass while the queue holds at most 5 and all
// later ones are marked, to output 1; r1 finds its queue downstream. With
// high thresholds nothing is marked and the average follows Click's
// fixed-point arithmetic exactly. (Between the thresholds marking is
// random; its rate is tested in the unit tests.)
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(2);
t[0] -> r1 :: RED(5, 5, 0.5, STABILITY 0, GENTLE false) -> q1 :: Queue(100) -> Idle;
r1[1] -> ToDump(@OUT@/marked.pcap);
t[1] -> r2 :: RED(100, 200, 0.02, QUEUES q2) -> q2 :: Queue(100) -> Idle;
