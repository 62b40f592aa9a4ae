import { expect } from 'chai';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { Client } from 'basic-ftp';
import { SITE_CERTIFICATE_FILE } from '../../../core/net/site-certificate';
import { ProctorClient } from '../../sim/proctor/proctor-client';
import { proctorRefusal as refusalOf } from '../../sim/proctor/proctor-refusal';
import { uploadResultOverFtp } from '../../sim/proctor/result-ftp-upload';
import { uploadResultOverHttp } from '../../sim/proctor/result-upload';
import { CollectedResultRow } from '../../../plugins/collection/server/result-rows';
import { startFtpSite, type FtpSite } from './ftp-harness';

interface RegistrationTable {
  siteUrl: string;
  siteTlsUrl: string;
  tlsFingerprint256: string;
  rooms: { roomCode: string; registration: { registrationId: string } | null }[];
}


describe('proctor traffic over TLS with the site certificate, pinned by its fingerprint (issue 15 point 4)', function () {
  this.timeout(60_000);
  let site: FtpSite;
  let room: string;
  let table: RegistrationTable;
  let httpsUrl: string;

  before(async () => {
    site = await startFtpSite();
    room = site.rooms[0]!;
    table = (await site.admin.get<RegistrationTable>('/api/registration/rooms')).body;
    httpsUrl = site.server.url.replace(/^http:/, 'https:');
  });
  after(() => site.stop());

  /** The registered proctor of the room, now talking https:// with `pin`. */
  const overTls = (pin: string): ProctorClient => ProctorClient.fromCredentials({ ...site.proctor(room).credentials!, siteUrl: httpsUrl, tlsFingerprint256: pin });
  const registrationIdOf = async (roomCode: string): Promise<string | undefined> =>
    (await site.admin.get<RegistrationTable>('/api/registration/rooms')).body.rooms.find((r) => r.roomCode === roomCode)?.registration?.registrationId;

  it('makes the certificate at first start (ECDSA P-256, 0600 in the data folder) and tells its fingerprint and both addresses', () => {
    const file = path.join(site.server.dataDir, SITE_CERTIFICATE_FILE);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const cert = new X509Certificate(fs.readFileSync(file, 'utf8').replace(/^[\s\S]*?(?=-----BEGIN CERTIFICATE-----)/, ''));
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
    expect(table.tlsFingerprint256).to.equal(cert.fingerprint256);
    expect(table.siteTlsUrl).to.match(/^https:\/\/.+:\d+$/);
    expect(table.siteUrl).to.equal(table.siteTlsUrl.replace(/^https:/, 'http:'));
  });

  it('the pinned client registers and calls over https:// on the site port; plain http:// still answers', async () => {
    // The second room re-registers over TLS (its holder's credential goes along); the others keep theirs.
    const second = site.rooms[1]!;
    const oldToken = site.proctor(second).credentials!.token;
    const client = new ProctorClient(httpsUrl, site.proctor(second).credentials, { pin: table.tlsFingerprint256 });
    const r = await client.register({ roomCode: second, registrationCode: await site.collection.site.code(second) });
    expect(r.tlsFingerprint256).to.equal(table.tlsFingerprint256);
    expect(r.siteUrl).to.equal(httpsUrl);
    expect(r.alreadyRegistered).to.equal(true);
    expect(r.token).to.not.equal(oldToken);
    // The saved credentials carry the pin: a client made from them is pinned again.
    expect((await ProctorClient.fromCredentials(client.credentials!).whoami()).roomCode).to.equal(second);
    expect((await site.proctor(room).whoami()).roomCode).to.equal(room);
  });

  it('refuses a site that shows another certificate, with a clear message, before anything is sent', async () => {
    const wrong = table.tlsFingerprint256.replace(/^../, table.tlsFingerprint256.startsWith('00') ? '11' : '00');
    const before = await registrationIdOf(room);
    const client = new ProctorClient(httpsUrl, site.proctor(room).credentials, { pin: wrong });
    const refused = await refusalOf(client.register({ roomCode: room, registrationCode: await site.collection.site.code(room) }));
    expect(refused.code).to.equal('TLS_PIN_MISMATCH');
    expect(refused.message).to.contain('考点证书与考点信息单上的证书指纹不一致，已拒绝连接').and.contain(wrong).and.contain(table.tlsFingerprint256);
    // Nothing reached the site: the registration and its credential are the ones from before.
    expect(await registrationIdOf(room)).to.equal(before);
    expect((await overTls(table.tlsFingerprint256).whoami()).roomCode).to.equal(room);
    const whoami = await refusalOf(overTls(wrong).whoami());
    expect(whoami.code).to.equal('TLS_PIN_MISMATCH');
  });

  it('refuses an https:// site without a pin (no unverified TLS)', async () => {
    const refused = await refusalOf(Promise.resolve().then(() => new ProctorClient(httpsUrl)));
    expect(refused.code).to.equal('TLS_PIN_MISSING');
    expect(refused.message).to.contain('--pin');
  });

  it('a tus upload over the pinned connection is accepted', async () => {
    const client = overTls(table.tlsFingerprint256);
    const bytes = await site.packageBytes(room, 1, 40_000);
    const file = path.join(site.server.dataDir, 'tls-tus.zip');
    fs.writeFileSync(file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const answer = await uploadResultOverHttp(client, 1, file, { sha256, chunkSize: 16_384, retryDelays: [] });
    expect((answer.receipt as { body: { packageSha256: string } }).body.packageSha256).to.equal(sha256);
    expect(answer.uploadUrl).to.match(/^https:/);
  });

  it('FTP offers explicit TLS with the same certificate: basic-ftp secure:true logs in and uploads; the pinned client does too', async () => {
    const ftp = new Client(10_000);
    try {
      await ftp.access({
        host: '127.0.0.1',
        port: site.ftpPort,
        user: room,
        password: site.proctor(room).credentials!.token,
        secure: true,
        secureOptions: { rejectUnauthorized: false },
      });
      const control = ftp.ftp.socket as tls.TLSSocket;
      expect(control.encrypted).to.equal(true);
      expect(control.getPeerCertificate().fingerprint256).to.equal(table.tlsFingerprint256);
      expect((await ftp.pwd()).length).to.be.greaterThan(0);
    } finally {
      ftp.close();
    }
    const client = overTls(table.tlsFingerprint256);
    const bytes = await site.packageBytes(room, 2, 30_000);
    const file = path.join(site.server.dataDir, 'tls-ftp.zip');
    fs.writeFileSync(file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { receipt } = await uploadResultOverFtp(client, 2, file, { size: bytes.length, sha256 });
    expect((receipt as { body: { packageSha256: string; via: string } }).body).to.include({ packageSha256: sha256, via: 'ftp' });
    const rows = await site.server.store.manager.find(CollectedResultRow, { where: { roomCode: room, sessionNo: 2 } });
    expect(rows.map((r) => r.packageSha256)).to.deep.equal([sha256]);
  });
});
