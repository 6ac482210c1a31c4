/* csum.h — Internet checksum (RFC 1071) and incremental update (RFC 1624).
 *
 * Convention: every value here is in HOST byte order. Data is summed as
 * big-endian 16-bit words, so a result is stored with htons() (or as two bytes,
 * high first) and a checksum read from a packet is passed as ntohs(field).
 *
 *   uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
 *       add data to a running 32-bit one's-complement accumulator (odd length
 *       is padded with a zero byte, as RFC 1071 says).
 *   uint16_t csum_fold(uint32_t sum)      fold the carries and complement.
 *   uint16_t csum_buf(const void *data, size_t len)   = csum_fold(partial).
 *   uint16_t csum_l4_ipv4(src, dst, proto, l4, len)   TCP/UDP/ICMP checksum
 *       over the IPv4 pseudo-header (src/dst in host order) and len L4 bytes
 *       with the checksum field already zeroed (or summed as-is to verify:
 *       the result is then 0).
 *   uint16_t csum_l4_ipv6(src16, dst16, nxt, l4, len)   same over IPv6.
 *   uint16_t csum_update16(old_csum, old_val, new_val)
 *   uint16_t csum_update32(old_csum, old_val, new_val)
 *       RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for rewriting a 16/32-bit
 *       field (a port, an IPv4 address) without re-summing the packet.
 */
#ifndef STATELAB_CSUM_H
#define STATELAB_CSUM_H

#include <stddef.h>
#include <stdint.h>

uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
uint16_t csum_buf(const void *data, size_t len);
uint16_t csum_l4_ipv4(uint32_t src, uint32_t dst, uint8_t proto,
                      const void *l4, size_t len);
uint16_t csum_l4_ipv6(const uint8_t src[16], const uint8_t dst[16],
                      uint8_t nxt, const void *l4, size_t len);
uint16_t csum_update16(uint16_t old_csum, uint16_t old_val, uint16_t new_val);
uint16_t csum_update32(uint16_t old_csum, uint32_t old_val, uint32_t new_val);

#endif
