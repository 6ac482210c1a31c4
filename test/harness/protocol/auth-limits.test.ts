// Authentication MACs, the frame-rate limiter and sequence classification.
import { describe, expect, it } from 'vitest';
import { classifySeq, helloMac, newNonce, RateLimiter, verifyHelloMac } from '../../../harness/protocol/index.js';
import { createHmac } from 'node:crypto';

const KEY = Buffer.alloc(32, 9);

describe('hello MAC', () => {
  it('is HMAC-SHA256 over the documented input', () => {
    const nonce = Buffer.alloc(32, 1);
    const expected = createHmac('sha256', KEY).update(Buffer.concat([Buffer.from('statelab/1/hello\0primary\0all\0'), nonce])).digest();
    expect(helloMac(KEY, nonce, 'primary', 'all')).toEqual(expected);
  });

  it('verifies only the same key, nonce, role and model', () => {
    const nonce = newNonce();
    const mac = helloMac(KEY, nonce, 'primary', 'all');
    expect(verifyHelloMac(KEY, nonce, 'primary', 'all', mac)).toBe(true);
    expect(verifyHelloMac(Buffer.alloc(32, 8), nonce, 'primary', 'all', mac)).toBe(false);
    expect(verifyHelloMac(KEY, newNonce(), 'primary', 'all', mac)).toBe(false);
    expect(verifyHelloMac(KEY, nonce, 'standby', 'all', mac)).toBe(false);
    expect(verifyHelloMac(KEY, nonce, 'primary', 'flowspace', mac)).toBe(false);
    expect(verifyHelloMac(KEY, nonce, 'primary', 'all', mac.subarray(0, 31))).toBe(false);
  });

  it('uses fresh nonces', () => {
    expect(newNonce().equals(newNonce())).toBe(false);
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then the sustained rate', () => {
    const r = new RateLimiter(100, 0, 10);
    let ok = 0;
    for (let i = 0; i < 20; i++) if (r.take(0)) ok++;
    expect(ok).toBe(10);
    expect(r.take(5)).toBe(false); // 0.5 token after 5 ms at 100/s
    expect(r.take(10)).toBe(true); // 1 token by 10 ms
    expect(r.take(10)).toBe(false);
    expect(r.take(1_000)).toBe(true);
  });
});

describe('classifySeq', () => {
  it('tells next, replay and gap apart', () => {
    expect(classifySeq(4, 5)).toEqual({ kind: 'next' });
    expect(classifySeq(4, 4)).toEqual({ kind: 'replay', last: 4 });
    expect(classifySeq(4, 0)).toEqual({ kind: 'replay', last: 4 });
    expect(classifySeq(4, 7)).toEqual({ kind: 'gap', expected: 5 });
    expect(classifySeq(-1, 0)).toEqual({ kind: 'next' });
  });
});
