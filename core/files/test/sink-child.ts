import 'reflect-metadata';
import { Store } from '../../store/store';
import { DurableFileStore } from '../durable-file-store';
import { patternChunks } from './file-pattern';

/**
 * Child process of the kill -9 test: starts (or resumes) an upload and feeds it slowly,
 * so the parent can kill it mid-stream. argv: dataDir id size sha256
 */
async function main(): Promise<void> {
  const [dataDir, id, sizeText, sha256] = process.argv.slice(2) as [string, string, string, string];
  const store = await Store.open({ dataDir, databaseUrl: '', schema: { entities: [], migrations: [] } });
  const files = await DurableFileStore.openAt(`${dataDir}/plugins/test`, store);
  const size = Number(sizeText);
  const sink = await files.begin(id, { size, sha256 });
  process.stdout.write(`begin ${sink.offset}\n`);
  await sink.append(patternChunks(sink.offset, size, 256 * 1024, 15), sink.offset);
  process.stdout.write('done\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
