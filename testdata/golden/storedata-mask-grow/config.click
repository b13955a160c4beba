// cross-checked: no (MASK and GROW are not in Click 2.1; expected/out.pcap is computed from the input by make-expected.py, independently of the element)
// MASK limits which bits are written (bytes past the mask are written
// whole); GROW extends packets too short for DATA with zero bytes first.
FromDump(@IN@/mixed.pcap, STOP true)
  -> StoreData(15, \<b8 07>, \<fc>)
  -> StoreData(70, \<aa bb cc dd>, GROW true)
  -> out :: ToDump(@OUT@/out.pcap);
