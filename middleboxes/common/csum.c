/* csum.c — Internet checksum and RFC 1624 incremental update (see csum.h). */
#include "csum.h"

uint32_t csum_partial(const void *data, size_t len, uint32_t sum) {
  const uint8_t *b = data;
  uint64_t acc = sum; /* 64-bit so no carry is lost on long buffers */
  while (len >= 2) {
    acc += (uint32_t)((b[0] << 8) | b[1]);
    b += 2;
    len -= 2;
  }
  if (len) acc += (uint32_t)b[0] << 8;
  while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
  return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
  return (uint16_t)~sum;
}

uint16_t csum_buf(const void *data, size_t len) {
  return csum_fold(csum_partial(data, len, 0));
}

uint16_t csum_l4_ipv4(uint32_t src, uint32_t dst, uint8_t proto,
                      const void *l4, size_t len) {
  uint32_t sum = 0;
  sum += src >> 16;
  sum += src & 0xffffu;
  sum += dst >> 16;
  sum += dst & 0xffffu;
  sum += proto;
  sum += (uint32_t)(len & 0xffffu);
  return csum_fold(csum_partial(l4, len, sum));
}

uint16_t csum_l4_ipv6(const uint8_t src[16], const uint8_t dst[16],
                      uint8_t nxt, const void *l4, size_t len) {
  uint32_t sum = csum_partial(src, 16, 0);
  sum = csum_partial(dst, 16, sum);
  uint64_t acc = (uint64_t)sum + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffffu) + nxt;
  while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
  return csum_fold(csum_partial(l4, len, (uint32_t)acc));
}

/* RFC 1624 eqn. 3. Using ~m + m' (rather than eqn. 2's m' - m) avoids the
 * 0x0000/0xFFFF ambiguity the RFC describes. */
uint16_t csum_update16(uint16_t old_csum, uint16_t old_val, uint16_t new_val) {
  uint32_t sum = (uint16_t)~old_csum;
  sum += (uint16_t)~old_val;
  sum += new_val;
  return csum_fold(sum);
}

uint16_t csum_update32(uint16_t old_csum, uint32_t old_val, uint32_t new_val) {
  uint16_t c = csum_update16(old_csum, (uint16_t)(old_val >> 16),
                             (uint16_t)(new_val >> 16));
  return csum_update16(c, (uint16_t)(old_val & 0xffffu),
                       (uint16_t)(new_val & 0xffffu));
}
