# assetmon TCP client application signatures (PRADS tcp-clients.sig format):
#   <client>,v/<vendor>/<version>/<info>/,<regex>
# Matched against the connection initiator's payload; logged as CLIENT with
# the server's port. Same regex dialect as tcp-service.sig.

# Web browsers and HTTP libraries (User-Agent)
http,v/Edge/$1//,User-Agent: [^\r\n]*Edg/([.0-9]+)
http,v/Opera/$1//,User-Agent: [^\r\n]*OPR/([.0-9]+)
http,v/Chrome/$1//,User-Agent: [^\r\n]*Chrome/([.0-9]+)
http,v/Firefox/$1//,User-Agent: [^\r\n]*Firefox/([.0-9]+)
http,v/Safari/$1//,User-Agent: [^\r\n]*Version/([.0-9]+)[^\r\n]*Safari/
http,v/Internet Explorer/$1/$2/,User-Agent: Mozilla/[.0-9]+ \(compatible; MSIE ([.0-9]+); ([^;)\r\n]+)
http,v/Trident/$1//,User-Agent: [^\r\n]*Trident/[.0-9]+; rv:([.0-9]+)
http,v/curl/$1//,User-Agent: curl/([^ \r\n]+)
http,v/Wget/$1//,User-Agent: Wget/([^ \r\n]+)
http,v/Python requests/$1//,User-Agent: python-requests/([^ \r\n]+)
http,v/Python urllib/$1//,User-Agent: Python-urllib/([^ \r\n]+)
http,v/libwww-perl/$1//,User-Agent: libwww-perl/([^ \r\n]+)
http,v/Java/$1//,User-Agent: Java/([^ \r\n]+)
http,v/Microsoft Windows Update/$1//,User-Agent: Windows-Update-Agent/?([^ \r\n]*)
http,v/Microsoft CryptoAPI/$1//,User-Agent: Microsoft-CryptoAPI/([^ \r\n]+)
http,v/Mozilla compatible//$1/,User-Agent: Mozilla/[.0-9]+ \(([^)\r\n]+)\)
http,v/$1///,User-Agent: ([^\r\n]+)\r\n

# TLS ClientHello (handshake type 1)
ssl,v/TLS ClientHello//TLS 1.2 or later/,^\x16\x03[\x01-\x03]..\x01...\x03\x03
ssl,v/TLS ClientHello//TLS 1.0/,^\x16\x03[\x00-\x01]..\x01...\x03\x01

# SSH clients
ssh,v/OpenSSH client/$2/Protocol $1/,^SSH-([.0-9]+)-OpenSSH[_-]([^ \r\n]+)
ssh,v/PuTTY/$2/Protocol $1/,^SSH-([.0-9]+)-PuTTY[_-]([^ \r\n]+)
ssh,v/libssh2/$2/Protocol $1/,^SSH-([.0-9]+)-libssh2_([^ \r\n]+)
ssh,v/libssh client/$2/Protocol $1/,^SSH-([.0-9]+)-libssh[_-]?([^ \r\n]*)
ssh,v/Nmap NSE/$2/Protocol $1/,^SSH-([.0-9]+)-(Nmap[^ \r\n]*)
ssh,v/Generic SSH client/$2/Protocol $1/,^SSH-([.0-9]+)-([^ \r\n]+)

# FTP and mail clients
ftp,v/FTP client//user $1/,^USER ([^\r\n]+)\r\n
smtp,v/SMTP client//$1/,^E?HELO ([^\r\n]+)\r\n
imap,v/IMAP client///,^[A-Za-z0-9]+ (CAPABILITY|LOGIN|STARTTLS)
gnutella,v/Gnutella client/$1//,^GNUTELLA CONNECT/([0-9.]+)
bittorrent,v/BitTorrent client///,^\x13BitTorrent protocol
