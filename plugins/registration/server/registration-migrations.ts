import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class RegistrationInit1764400000000 implements MigrationInterface {
  name = 'RegistrationInit1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'registration_room',
        columns: [
          { name: 'roomCode', type: 'varchar', length: '16', isPrimary: true },
          { name: 'registrationId', type: 'varchar', length: '36' },
          { name: 'machineId', type: 'varchar', length: '128' },
          { name: 'ip', type: 'varchar', length: '64' },
          { name: 'clientVersion', type: 'varchar', length: '32' },
          { name: 'registeredAt', type: 'varchar', length: '32' },
          { name: 'credentialHash', type: 'varchar', length: '64' },
          { name: 'source', type: 'varchar', length: '16' },
        ],
      }),
    );
    await q.createIndex(
      'registration_room',
      new TableIndex({ name: 'IDX_registration_room_credential', columnNames: ['credentialHash'], isUnique: true }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('registration_room');
  }
}

/** The proctor's result-signing key, sent at registration (issue 12 point 1). */
export class RegistrationSigningKey1764900000000 implements MigrationInterface {
  name = 'RegistrationSigningKey1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('registration_room', new TableColumn({ name: 'signingPublicKey', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('registration_room', 'signingPublicKey');
  }
}

/** Credentials the site ended, so 恢复注册 never brings one back (issue 10 point 3). */
export class RegistrationRevocations1764950000000 implements MigrationInterface {
  name = 'RegistrationRevocations1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'registration_revocation',
        columns: [
          { name: 'credentialHash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'roomCode', type: 'varchar', length: '16' },
          { name: 'registrationId', type: 'varchar', length: '36' },
          { name: 'revokedAt', type: 'varchar', length: '32' },
          { name: 'reason', type: 'varchar', length: '16' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('registration_revocation');
  }
}

export const registrationMigrations = [RegistrationInit1764400000000, RegistrationSigningKey1764900000000, RegistrationRevocations1764950000000];
