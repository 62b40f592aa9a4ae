import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { generateSigningKeyPair, keyIdOf, signingPublicKeyOf } from '../../../core/crypto/signing';
import type { CentreSigningKey } from './sim-types';

export const CENTRE_KEYS_FILE = 'centre-keys.json';

const keysFileSchema = z.object({
  v: z.literal(1),
  keys: z
    .array(z.object({ keyId: z.string(), publicKey: z.string(), privateKeyPem: z.string(), createdAt: z.string() }))
    .min(1),
});

/**
 * The simulated centre's Ed25519 signing keys, `<data>/centre-keys.json`, created on first
 * use. The first key signs; all of them are published as the value of EXAMSITE_CENTRE_KEYS.
 */
export function loadOrCreateCentreKeys(dataDir: string): CentreSigningKey[] {
  const file = path.join(dataDir, CENTRE_KEYS_FILE);
  if (fs.existsSync(file)) {
    const parsed = keysFileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} 格式错误：请删除后重新生成（会得到新的中心公钥）`);
    return parsed.data.keys.map((k) => {
      // The file is the simulator's own, but a hand-edited key must not sign under a wrong id.
      const pub = signingPublicKeyOf(k.privateKeyPem);
      if (pub !== k.publicKey || keyIdOf(pub) !== k.keyId) throw new Error(`${file} 中的密钥 ${k.keyId} 前后不一致`);
      return { keyId: k.keyId, publicKey: k.publicKey, privateKeyPem: k.privateKeyPem };
    });
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const pair = generateSigningKeyPair();
  const content = { v: 1, keys: [{ ...pair, createdAt: new Date().toISOString() }] };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(content, null, 2), { mode: 0o600 });
  try {
    fs.linkSync(tmp, file); // fails if another process created it meanwhile: theirs wins
  } catch {
    // fall through to read the winner's file
  }
  fs.rmSync(tmp, { force: true });
  return loadOrCreateCentreKeys(dataDir);
}

/** The value for EXAMSITE_CENTRE_KEYS (comma separated public keys). */
export function centreKeysValue(keys: readonly CentreSigningKey[]): string {
  return keys.map((k) => k.publicKey).join(',');
}
