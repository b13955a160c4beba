// Zeroes the ports and clears the two ECN bits of the TOS byte.
in :: FromDevice(eth0) -> StoreData(34, \<0000 0000>) -> StoreData(15, \<00>, \<03>)
   -> out :: ToDevice(eth1);
