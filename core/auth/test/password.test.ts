import { expect } from 'chai';
import { hashPassword, verifyPassword } from '../password';

/** Issue 10 point 11: the admin password hash is salted at random and checked exactly. */
describe('core/auth password hashing (scrypt, ADR 004)', function () {
  this.timeout(20_000);

  it('two hashes of the same password differ (a random salt each time), and both verify', async () => {
    const a = await hashPassword('Exam-Site-2026');
    const b = await hashPassword('Exam-Site-2026');
    expect(a).not.to.equal(b);
    const saltOf = (h: string): string => h.split('$')[4]!;
    expect(saltOf(a)).not.to.equal(saltOf(b));
    expect(Buffer.from(saltOf(a), 'base64')).to.have.length(16);
    expect(await verifyPassword('Exam-Site-2026', a)).to.equal(true);
    expect(await verifyPassword('Exam-Site-2026', b)).to.equal(true);
  });

  it('stores the scrypt parameters it used and a 32-byte key', async () => {
    const [kind, n, r, p, , key] = (await hashPassword('888')).split('$');
    expect([kind, n, r, p]).to.deep.equal(['scrypt', '32768', '8', '1']);
    expect(Buffer.from(key!, 'base64')).to.have.length(32);
  });

  it('refuses a wrong password, one of another case, and an empty one', async () => {
    const stored = await hashPassword('Exam-Site-2026');
    for (const wrong of ['Exam-Site-2027', 'exam-site-2026', '', 'Exam-Site-2026 ']) {
      expect(await verifyPassword(wrong, stored), wrong).to.equal(false);
    }
  });

  it('refuses a stored value of another kind or with a field missing, without throwing', async () => {
    const stored = await hashPassword('888');
    const fields = stored.split('$');
    expect(await verifyPassword('888', ['bcrypt', ...fields.slice(1)].join('$'))).to.equal(false);
    for (let i = 1; i < fields.length; i++) {
      const missing = fields.map((f, j) => (j === i ? '' : f)).join('$');
      expect(await verifyPassword('888', missing), `field ${i} empty`).to.equal(false);
    }
    expect(await verifyPassword('888', '')).to.equal(false);
  });

  it('refuses a stored key that differs in one byte', async () => {
    const fields = (await hashPassword('888')).split('$');
    const key = Buffer.from(fields[5]!, 'base64');
    key[31] = key[31]! ^ 1;
    expect(await verifyPassword('888', [...fields.slice(0, 5), key.toString('base64')].join('$'))).to.equal(false);
  });
});
