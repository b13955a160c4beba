// Tags frames for VLAN 100 onto a trunk, and untags them at the far end.
in :: FromDevice(eth0) -> VLANEncap(VLAN_ID 100) -> c :: Classifier(12/8100 14/0064%0fff, -);
c[0] -> VLANDecap -> out :: ToDevice(eth1);
c[1] -> Discard;
