// Loaded by `npm run test:pg` (mocha --require): the PostgreSQL pass must really run on
// PostgreSQL, so it stops at once when the server URL is missing instead of quietly
// repeating the SQLite run.
import { TEST_STORE_PG_ENV } from './test-database';

const url = process.env[TEST_STORE_PG_ENV] ?? '';
if (!/^postgres(ql)?:\/\//.test(url)) {
  process.stderr.write(
    `npm run test:pg needs ${TEST_STORE_PG_ENV}=postgres://user:password@host:5432/<any database> (a role that may CREATE DATABASE); .ci/run sets it.\n`,
  );
  process.exit(2);
}
process.stdout.write(`PostgreSQL pass: every test site gets its own database on ${new URL(url).host}\n`);
