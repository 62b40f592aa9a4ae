import { openBytes } from '../../../core/crypto/seal';
import { unwrapKeyWithPrivate } from '../../../core/crypto/wrap';
import { StreamingZipReader } from '../../../core/zip/streaming-zip-reader';
import { RESULT_MANIFEST_ENTRY, RESULT_PACKAGE_LIMITS, answerAad, packageKeyAad, resultManifestSchema, type ResultManifest } from '../../../plugins/collection/api/result-package-format';

/**
 * What the centre does with a result package it received (docs/formats.md 结果数据包): unwrap
 * the package key with its result-encryption private key, then open each sealed answer
 * (AES-256-GCM with the answer's AAD, so a file moved to another candidate does not open).
 */
export async function openResultPackage(file: string, centreResultPrivateKeyPem: string): Promise<{ manifest: ResultManifest; answers: Map<string, Buffer> }> {
  const zip = await StreamingZipReader.open(file, { maxEntries: RESULT_PACKAGE_LIMITS.maxEntries, maxEntryBytes: RESULT_PACKAGE_LIMITS.maxEntryBytes });
  try {
    const manifest = resultManifestSchema.parse(JSON.parse((await zip.readSmall(RESULT_MANIFEST_ENTRY, RESULT_PACKAGE_LIMITS.maxManifestBytes)).toString('utf8')));
    const key = unwrapKeyWithPrivate(manifest.sealing.wrappedKey, centreResultPrivateKeyPem, packageKeyAad(manifest));
    const answers = new Map<string, Buffer>();
    for (const f of manifest.files) {
      const sealed = await zip.readSmall(f.name, RESULT_PACKAGE_LIMITS.maxEntryBytes);
      answers.set(`${f.ticketNo}/${f.subjectCode}`, openBytes(key, sealed, answerAad(manifest, f.ticketNo, f.subjectCode)));
    }
    return { manifest, answers };
  } finally {
    zip.close();
  }
}
