# assetmon UDP service signatures (PRADS udp-service.sig format), matched
# against the responder's payload. Same regex dialect as tcp-service.sig.

# DNS response: flags QR=1, opcode 0 (byte 2 is 0x8? with QR set, any RD/AA)
dns,v/DNS server//response/,^..[\x80-\x87\x8c-\x8f][\x00-\x0f\x80-\x8f]
ntp,v/NTP server///,^[\x1c\x24\x0c\x14\x1b\x23]
sip,v/SIP server//$1/,^SIP/2\.0 ([0-9][0-9][0-9])
ssdp,v/SSDP (UPnP)//$1/,^HTTP/1\.1 200 OK\r\n[^\0]*SERVER: ([^\r\n]+)
nat-pmp,v/NAT-PMP gateway///,^\x00\x80\x00\x00
dhcp,v/DHCP server///,^\x02\x01\x06
snmp,v/SNMP agent///,^\x30.\x02\x01[\x00\x01]
mdns,v/Multicast DNS responder///,^\x00\x00\x84\x00
tftp,v/TFTP server///,^\x00[\x03\x05]
