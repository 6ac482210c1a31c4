# assetmon SYN+ACK fingerprints (p0f v2 -A / PRADS osa.fp format); the
# fields are those of os.fp, measured on the server's SYN+ACK.

# Linux (its SYN+ACKs carry IP ID 0 with DF set: quirk Z)
S10:64:1:60:M*,S,T,N,W*:Z:Linux:3.x+ (10xMSS)
S20:64:1:60:M*,S,T,N,W*:Z:Linux:3.x+ (20xMSS)
S4:64:1:60:M*,S,T,N,W*:Z:Linux:2.6 (4xMSS)
5792:64:1:60:M*,S,T,N,W*:Z:Linux:2.4/2.6 (5792)
14480:64:1:60:M*,S,T,N,W*:Z:Linux:3.x (14480)
28960:64:1:60:M*,S,T,N,W*:Z:Linux:3.x/4.x (28960)
65160:64:1:60:M*,S,T,N,W*:Z:Linux:4.x/5.x (65160)
5840:64:1:48:M*,N,N,S:Z:Linux:2.6 (no timestamps, no window scale)
5840:64:1:44:M*:Z:Linux:2.4/2.6 (MSS only)
64240:64:1:44:M*:Z:Linux:4.x+ (MSS only)
S10:64:1:60:M*,S,T,N,W*:.:Linux:3.x+ (10xMSS)
S20:64:1:60:M*,S,T,N,W*:.:Linux:3.x+ (20xMSS)
S4:64:1:60:M*,S,T,N,W*:.:Linux:2.6 (4xMSS)
5792:64:1:60:M*,S,T,N,W*:.:Linux:2.4/2.6 (5792)
14480:64:1:60:M*,S,T,N,W*:.:Linux:3.x (14480)
28960:64:1:60:M*,S,T,N,W*:.:Linux:3.x/4.x (28960)
43440:64:1:60:M*,S,T,N,W*:.:Linux:4.x (43440)
65160:64:1:60:M*,S,T,N,W*:.:Linux:4.x/5.x (65160)
5840:64:1:52:M*,N,N,S,N,W*:.:Linux:2.6 (no timestamps)
S10:64:1:52:M*,N,N,S,N,W*:.:Linux:3.x (no timestamps)
5840:64:1:44:M*:.:Linux:2.4 (minimal)
S4:64:1:44:M*:.:Linux:2.6 (SYN cookies, no options)

# Windows
8192:128:1:52:M*,N,W*,N,N,S:.:Windows:Vista/7/2008 (8192)
65535:128:1:52:M*,N,W*,N,N,S:.:Windows:Server 2012+ (65535)
64240:128:1:52:M*,N,W*,N,N,S:.:Windows:10 (64240)
65535:128:1:48:M*,N,N,S:.:Windows:XP/2003 (65535)
64512:128:1:48:M*,N,N,S:.:Windows:XP/2003 (64512)
16384:128:1:48:M*,N,N,S:.:Windows:2000/XP (16384)
S44:128:1:48:M*,N,N,S:.:Windows:XP/2003 (44xMSS)
8760:128:1:44:M*:.:Windows:NT 4 or 98

# BSD, Apple, others
65535:64:1:64:M*,N,W*,N,N,T,S,E,E:.:Mac OS X:10.x
65535:64:1:60:M*,N,W*,S,T:.:FreeBSD:9.x+
16384:64:1:64:M*,N,N,S,N,W0,N,N,T:.:OpenBSD:3.x-4.x
49232:64:1:60:M*,N,N,T,N,W0,N,N,S:.:Solaris:10
4128:255:0:44:M*:.:Cisco:IOS 12.x
S4:255:1:44:M*:.:Embedded:network appliance (TTL 255)
