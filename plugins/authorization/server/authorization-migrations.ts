import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

export class AuthorizationInit1764500000000 implements MigrationInterface {
  name = 'AuthorizationInit1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'authorization_session',
        columns: [
          { name: 'mode', type: 'varchar', length: '8', isPrimary: true },
          { name: 'sessionNo', type: 'integer', isPrimary: true },
          { name: 'siteCode', type: 'varchar', length: '8' },
          { name: 'dongleId', type: 'varchar', length: '32' },
          { name: 'version', type: 'integer' },
          { name: 'envelope', type: 'text' },
          { name: 'windowStartsAt', type: 'varchar', length: '32' },
          { name: 'windowEndsAt', type: 'varchar', length: '32' },
          { name: 'notAfter', type: 'varchar', length: '32' },
          { name: 'packageManifestSha256', type: 'varchar', length: '64' },
          { name: 'wrappedKey', type: 'text' },
          { name: 'source', type: 'varchar', length: '16' },
          { name: 'authorizedAt', type: 'varchar', length: '32' },
          { name: 'verifiedAt', type: 'varchar', length: '32', isNullable: true },
          { name: 'verificationSource', type: 'varchar', length: '16', isNullable: true },
          { name: 'verificationEnvelope', type: 'text', isNullable: true },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('authorization_session');
  }
}

export const authorizationMigrations = [AuthorizationInit1764500000000];
