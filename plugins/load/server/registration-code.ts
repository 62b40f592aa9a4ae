import { randomInt } from 'node:crypto';
import { REGISTRATION_CODE_ALPHABET, REGISTRATION_CODE_LENGTH } from '../api/package-format';

/** A fresh registration code (注册码): 8 characters, uniformly random, no look-alikes. */
export function newRegistrationCode(taken: ReadonlySet<string> = new Set()): string {
  for (;;) {
    let code = '';
    for (let i = 0; i < REGISTRATION_CODE_LENGTH; i++) code += REGISTRATION_CODE_ALPHABET[randomInt(REGISTRATION_CODE_ALPHABET.length)];
    if (!taken.has(code)) return code;
  }
}
