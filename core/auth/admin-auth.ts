import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AdminSessionRow, AdminUserRow } from '../store/core-entities';
import type { Store } from '../store/store';
import { AppError, badRequest, tooMany, unauthorized } from '../http/errors';
import type { AuthGuard, ErrorResponses } from '../http/route';
import type { AuditLog } from './audit';
import { hashPassword, verifyPassword } from './password';

export const DEFAULT_ADMIN = 'admin';
export const DEFAULT_PASSWORD = '888';
export const SESSION_COOKIE = 'examsite_session';
const MIN_PASSWORD_LENGTH = 6;

export interface AdminPrincipal {
  readonly username: string;
  readonly tokenHash: string;
}

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The administrator account (R1.2, R9.4): admin/888 on first start, scrypt hashes,
 * throttled wrong logins per address, a new session token at every login.
 */
export class AdminAuthService {
  // 5 wrong logins within 15 minutes lock that address for 15 minutes, whatever usernames it
  // tries: counting per username+address gave a fresh username a fresh allowance, i.e.
  // unlimited scrypt calls (issue 10 point 2).
  private readonly failures = new RateLimiterMemory({ keyPrefix: 'login', points: 5, duration: 15 * 60, blockDuration: 15 * 60 });
  // The old-password check of a password change is a password oracle too: 5 wrong within
  // 15 minutes lock password changes of that account for 15 minutes.
  private readonly oldPasswordFailures = new RateLimiterMemory({ keyPrefix: 'old-password', points: 5, duration: 15 * 60, blockDuration: 15 * 60 });

  private precondition: () => void = () => undefined;
  /** Open streams (SSE) of a session, told when sessions end so they can close at once. */
  private readonly sessionWatchers = new Set<() => void>();

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    /** An admin session unused this long ends (the site PC may be left unattended). */
    private readonly idleLimitMs: number = 12 * 3_600_000,
  ) {}

  /** A check every login and admin request must pass first (R1.1: the dongle is present). */
  setPrecondition(check: () => void): void {
    this.precondition = check;
  }

  /** `hashOfDefault`: the hash to store for 888 (tests reuse one instead of paying scrypt each start). */
  async ensureDefaultAdmin(hashOfDefault: () => Promise<string> = () => hashPassword(DEFAULT_PASSWORD)): Promise<void> {
    const existing = await this.store.manager.findOneBy(AdminUserRow, { username: DEFAULT_ADMIN });
    if (existing) return;
    const passwordHash = await hashOfDefault();
    await this.store.write(async (em) => {
      if (await em.findOneBy(AdminUserRow, { username: DEFAULT_ADMIN })) return;
      await em.insert(AdminUserRow, { username: DEFAULT_ADMIN, passwordHash, isDefaultPassword: true, updatedAt: new Date().toISOString() });
    });
  }

  async isDefaultPassword(): Promise<boolean> {
    const u = await this.store.manager.findOneBy(AdminUserRow, { username: DEFAULT_ADMIN });
    return u?.isDefaultPassword ?? true;
  }

  async login(username: string, password: string, ip: string, previousToken?: string): Promise<{ token: string; mustChangePassword: boolean }> {
    this.precondition();
    const key = ip;
    // Count the attempt before the slow hash: a check-then-count throttle lets every guess
    // sent at the same moment through. A successful login clears the count again.
    const remaining = await takeAttempt(this.failures, key, '登录失败次数过多');
    const user = await this.store.manager.findOneBy(AdminUserRow, { username });
    // Verify against a dummy hash for unknown users so timing does not reveal account names.
    const ok = user ? await verifyPassword(password, user.passwordHash) : (await verifyPassword(password, DUMMY_HASH), false);
    if (!ok) {
      await this.audit.record(username || '(空)', 'login.failed', { ip }, { coalesceBy: ip });
      if (remaining <= 0) {
        await this.audit.record(username || '(空)', 'login.locked', { ip }, { coalesceBy: ip });
        throw tooMany('登录失败次数过多，账号已暂时锁定，请 15 分钟后再试', 15 * 60);
      }
      throw unauthorized('LOGIN_FAILED', `用户名或密码错误，还可尝试 ${remaining} 次`);
    }
    await this.failures.delete(key);
    const token = randomBytes(32).toString('base64url');
    const now = new Date().toISOString();
    await this.store.write(async (em) => {
      // Rotate: the session the browser held before this login ends now.
      if (previousToken) await em.delete(AdminSessionRow, { tokenHash: tokenHash(previousToken) });
      await em.insert(AdminSessionRow, { tokenHash: tokenHash(token), username, createdAt: now, lastSeenAt: now });
    });
    if (previousToken) this.sessionsChanged();
    await this.audit.record(username, 'login', { ip });
    return { token, mustChangePassword: user!.isDefaultPassword };
  }

  /**
   * Calls `onEnded` once when this principal's session ends (logout, a rotating login, a
   * password change elsewhere). Returns the function that stops watching.
   */
  watchSession(principal: AdminPrincipal, onEnded: () => void): () => void {
    let done = false;
    const watcher = (): void => {
      void this.store.manager.findOneBy(AdminSessionRow, { tokenHash: principal.tokenHash }).then(
        (row) => {
          if (row || done) return;
          done = true;
          this.sessionWatchers.delete(watcher);
          onEnded();
        },
        () => undefined,
      );
    };
    this.sessionWatchers.add(watcher);
    return () => {
      done = true;
      this.sessionWatchers.delete(watcher);
    };
  }

  private sessionsChanged(): void {
    for (const w of [...this.sessionWatchers]) w();
  }

  async authenticate(token: string | undefined): Promise<AdminPrincipal> {
    if (!token) throw unauthorized('NOT_LOGGED_IN', '请先登录');
    const hash = tokenHash(token);
    const row = await this.store.manager.findOneBy(AdminSessionRow, { tokenHash: hash });
    if (!row) throw unauthorized('SESSION_ENDED', '登录已失效，请重新登录');
    const now = Date.now();
    const idle = now - Date.parse(row.lastSeenAt);
    if (idle > this.idleLimitMs) {
      await this.store.write((em) => em.delete(AdminSessionRow, { tokenHash: hash }));
      await this.audit.record(row.username, 'session.idle-expired');
      throw unauthorized('SESSION_IDLE', `已超过 ${Math.round(this.idleLimitMs / 60_000)} 分钟未操作，登录已失效，请重新登录`);
    }
    // At most one write a minute per session: the heartbeat of an open page is not a write storm.
    if (idle > 60_000) {
      await this.store.write((em) => em.update(AdminSessionRow, { tokenHash: hash }, { lastSeenAt: new Date(now).toISOString() }));
    }
    return { username: row.username, tokenHash: hash };
  }

  async logout(principal: AdminPrincipal): Promise<void> {
    await this.store.write((em) => em.delete(AdminSessionRow, { tokenHash: principal.tokenHash }));
    this.sessionsChanged();
    await this.audit.record(principal.username, 'logout');
  }

  async changePassword(principal: AdminPrincipal, oldPassword: string, newPassword: string, confirmPassword?: string): Promise<void> {
    if (confirmPassword !== undefined && confirmPassword !== newPassword) {
      throw badRequest('PASSWORD_MISMATCH', '两次输入的新密码不一致，请重新输入');
    }
    if (newPassword.length < MIN_PASSWORD_LENGTH) {
      throw badRequest('PASSWORD_TOO_SHORT', `新密码至少需要 ${MIN_PASSWORD_LENGTH} 位，请重新输入`);
    }
    if (newPassword === DEFAULT_PASSWORD) throw badRequest('PASSWORD_DEFAULT', '新密码不能是默认密码 888');
    if (newPassword === oldPassword) throw badRequest('PASSWORD_UNCHANGED', '新密码不能与原密码相同');
    const remaining = await takeAttempt(this.oldPasswordFailures, principal.username, '原密码错误次数过多');
    const user = await this.store.manager.findOneBy(AdminUserRow, { username: principal.username });
    if (!user || !(await verifyPassword(oldPassword, user.passwordHash))) {
      await this.audit.record(principal.username, 'password.change.failed');
      if (remaining <= 0) throw tooMany('原密码错误次数过多，密码修改已暂时锁定，请 15 分钟后再试', 15 * 60);
      throw badRequest('OLD_PASSWORD_WRONG', `原密码不正确，请重新输入（还可尝试 ${remaining} 次）`);
    }
    await this.oldPasswordFailures.delete(principal.username);
    const passwordHash = await hashPassword(newPassword);
    await this.store.write(async (em) => {
      await em.update(AdminUserRow, { username: principal.username }, { passwordHash, isDefaultPassword: false, updatedAt: new Date().toISOString() });
      // Other sessions end; the one that changed the password stays.
      await em
        .createQueryBuilder()
        .delete()
        .from(AdminSessionRow)
        .where('username = :u AND "tokenHash" != :t', { u: principal.username, t: principal.tokenHash })
        .execute();
    });
    this.sessionsChanged();
    await this.audit.record(principal.username, 'password.changed');
  }

  /** The guard of every admin route: bearer token or the session cookie. */
  readonly guard: AuthGuard<AdminPrincipal> = {
    securityScheme: ['adminSession', 'adminCookie'],
    errors: ADMIN_GUARD_ERRORS,
    authenticate: async (ctx: Context) => {
      this.precondition();
      return this.authenticate(tokenFromRequest(ctx));
    },
  };
}

/** Takes one attempt from `key`'s allowance before the slow check; 429 when none is left. Returns what remains. */
async function takeAttempt(limiter: RateLimiterMemory, key: string, what: string): Promise<number> {
  try {
    return (await limiter.consume(key)).remainingPoints;
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    throw tooMany(`${what}，请 ${Math.max(1, Math.ceil(e.msBeforeNext / 60000))} 分钟后再试`, e.msBeforeNext / 1000);
  }
}

export function tokenFromRequest(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  if (header.toLowerCase().startsWith('bearer ')) return header.slice(7).trim() || undefined;
  return ctx.cookies.get(SESSION_COOKIE) || undefined;
}

// A valid scrypt hash of a random password, so unknown users cost the same time.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export const publicGuard: AuthGuard<null> = { securityScheme: null, errors: {}, authenticate: async () => null };

/** What the admin guard refuses with: no or ended session, or no dongle (R1.1, host.ts precondition). */
export const ADMIN_GUARD_ERRORS: ErrorResponses = {
  401: { description: '未登录或登录已失效', codes: ['NOT_LOGGED_IN', 'SESSION_ENDED', 'SESSION_IDLE'] },
  503: { description: '未检测到机考锁', codes: ['DONGLE_ABSENT'] },
};

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
