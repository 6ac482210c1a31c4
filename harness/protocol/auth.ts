// Challenge-response authentication: HMAC-SHA256 under a shared key over the
// verifier's fresh nonce, the prover's role and its transfer model.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAC_BYTES, NONCE_BYTES, PROTOCOL_VERSION, type Model, type Role } from './constants.js';

/** Shortest key accepted: 128 bits. */
export const MIN_KEY_BYTES = 16;

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/**
 * The MAC a prover of `role` sends for the verifier's `nonce`. Binding the role
 * stops a peer reflecting our own hello back at us; binding the model stops a
 * hello for one model being accepted for another.
 */
export function helloMac(key: Buffer, nonce: Buffer, role: Role, model: Model): Buffer {
  return createHmac('sha256', key)
    .update(`statelab/${PROTOCOL_VERSION}/hello\0${role}\0${model}\0`)
    .update(nonce)
    .digest();
}

/** Constant-time check of a received MAC. */
export function verifyHelloMac(key: Buffer, nonce: Buffer, role: Role, model: Model, mac: Buffer): boolean {
  if (mac.length !== MAC_BYTES) return false;
  return timingSafeEqual(helloMac(key, nonce, role, model), mac);
}
