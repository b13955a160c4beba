// cross-checked: click
// StoreData overwrites bytes at an offset, cut at the packet's end; packets
// no longer than the offset pass unchanged.
FromDump(@IN@/mixed.pcap, STOP true)
  -> StoreData(0, \<ff ff ff ff ff ff>)
  -> StoreData(62, \<de ad be ef>)
  -> sd :: StoreData(600, \<01 02 03>)
  -> out :: ToDump(@OUT@/out.pcap);
