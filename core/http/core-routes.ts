import { z } from 'zod';
import type { AdminAuthService } from '../auth/admin-auth';
import { SESSION_COOKIE, publicGuard } from '../auth/admin-auth';
import { examModeSchema, siteCodeSchema, type SiteSettings } from '../settings/site-settings';
import { refusal } from './error-catalog';
import { conflict } from './errors';
import type { PluginHttp } from './http-registry';
import type { StatusService } from './status';
import { siteStatusSchema } from './status-topic';

const statusSchema = siteStatusSchema.meta({ id: 'SiteStatus' });

const settingsSchema = z.object({ siteCode: z.string().nullable(), mode: z.enum(['formal', 'mock']) }).meta({ id: 'SiteSettings' });

export interface CoreRouteDeps {
  readonly http: PluginHttp;
  readonly auth: AdminAuthService;
  readonly settings: SiteSettings;
  readonly status: StatusService;
  readonly product: { title: string; version: string };
  readonly vendorWebModules: () => { pluginId: string; url: string; webHostApi?: string }[];
  readonly openapi: () => unknown;
}

/** The host's own API: login, settings, status (R1.2, R1.3, R1.5, R9.4). */
export function mountCoreRoutes(d: CoreRouteDeps): void {
  const { http, auth, settings, status } = d;
  const admin = auth.guard;

  http.route({
    method: 'get',
    path: '/public/info',
    operationId: 'getPublicInfo',
    summary: '登录页信息：产品名称与机考锁状态',
    tags: ['系统'],
    guard: publicGuard,
    response: z.object({
      product: z.object({ title: z.string(), version: z.string() }),
      dongle: statusSchema.shape.dongle,
    }),
    handler: async () => ({ product: d.product, dongle: (await status.snapshot()).dongle }),
  });

  http.route({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'OpenAPI 文档（本文件）',
    tags: ['系统'],
    guard: publicGuard,
    // The published proctor protocol points proctor PCs here.
    reach: 'lan',
    response: null,
    rawResponses: [{ status: 200, description: 'OpenAPI 3.1 文档', contentTypes: ['application/json'], jsonSchema: z.looseObject({ openapi: z.string() }) }],
    handler: ({ koa }) => {
      koa.body = d.openapi();
    },
  });

  http.route({
    method: 'post',
    path: '/auth/login',
    operationId: 'login',
    summary: '管理员登录',
    tags: ['认证'],
    guard: publicGuard,
    body: {
      kind: 'json',
      schema: z.object({
        username: z.string().min(1, '请输入用户名').max(32),
        password: z.string().min(1, '请输入密码').max(128),
      }),
      maxBytes: 4096,
    },
    response: z.object({ token: z.string(), mustChangePassword: z.boolean() }),
    responseHeaders: { 'Set-Cookie': { description: '管理员登录 Cookie examsite_session（HttpOnly、SameSite=Strict）' } },
    errors: {
      401: refusal('用户名或密码错误', 'LOGIN_FAILED'),
      429: refusal('登录失败次数过多，暂时锁定', 'TOO_MANY_ATTEMPTS'),
      503: refusal('未检测到机考锁', 'DONGLE_ABSENT'),
    },
    handler: async ({ body, koa, ip }) => {
      const previous = koa.cookies.get(SESSION_COOKIE) || undefined;
      const result = await auth.login(body.username, body.password, ip, previous);
      koa.cookies.set(SESSION_COOKIE, result.token, { httpOnly: true, sameSite: 'strict', path: '/', overwrite: true });
      return result;
    },
  });

  http.route({
    method: 'post',
    path: '/auth/logout',
    operationId: 'logout',
    summary: '退出登录（令牌立即失效）',
    tags: ['认证'],
    guard: admin,
    response: z.object({ ok: z.literal(true) }),
    responseHeaders: { 'Set-Cookie': { description: '清除登录 Cookie examsite_session' } },
    handler: async ({ principal, koa }) => {
      await auth.logout(principal);
      koa.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', expires: new Date(0) });
      return { ok: true as const };
    },
  });

  http.route({
    method: 'get',
    path: '/auth/me',
    operationId: 'getCurrentAdmin',
    summary: '当前登录的管理员',
    tags: ['认证'],
    guard: admin,
    response: z.object({ username: z.string(), mustChangePassword: z.boolean() }),
    handler: async ({ principal }) => ({ username: principal.username, mustChangePassword: await auth.isDefaultPassword() }),
  });

  http.route({
    method: 'put',
    path: '/auth/password',
    operationId: 'changePassword',
    summary: '密码修改（R9.4）',
    tags: ['认证'],
    guard: admin,
    body: {
      kind: 'json',
      schema: z.object({
        oldPassword: z.string().min(1, '请输入原密码').max(128),
        newPassword: z.string().min(1, '请输入新密码').max(128, '新密码不能超过 128 位'),
        confirmPassword: z.string().max(128).optional(),
      }),
      maxBytes: 4096,
    },
    response: z.object({ ok: z.literal(true) }),
    errors: {
      400: refusal('新密码不符合要求或原密码不正确', 'PASSWORD_MISMATCH', 'PASSWORD_TOO_SHORT', 'PASSWORD_DEFAULT', 'PASSWORD_UNCHANGED', 'OLD_PASSWORD_WRONG'),
      429: refusal('原密码错误次数过多，暂时锁定', 'TOO_MANY_ATTEMPTS'),
    },
    handler: async ({ principal, body }) => {
      await auth.changePassword(principal, body.oldPassword, body.newPassword, body.confirmPassword);
      return { ok: true as const };
    },
  });

  http.route({
    method: 'get',
    path: '/settings',
    operationId: 'getSettings',
    summary: '参数设置：考点代码与考试模式',
    tags: ['系统'],
    guard: admin,
    response: settingsSchema,
    handler: () => settings.get(),
  });

  http.route({
    method: 'put',
    path: '/settings',
    operationId: 'updateSettings',
    summary: '参数设置：考点代码（只能设置一次）与考试模式（R1.3、R9.6）',
    tags: ['系统'],
    guard: admin,
    body: { kind: 'json', schema: z.object({ siteCode: siteCodeSchema, mode: examModeSchema }), maxBytes: 4096 },
    response: settingsSchema,
    errors: { 409: refusal('考点代码已设置、默认密码未修改（正式考试），或当前数据不允许切换模式', 'SITE_CODE_LOCKED', 'DEFAULT_PASSWORD_UNCHANGED', 'MODE_CHANGE_REFUSED') },
    handler: async ({ body }) => {
      // R1.2: a formal exam never runs on the manual's published default password.
      if (body.mode === 'formal' && (await auth.isDefaultPassword())) {
        throw conflict('DEFAULT_PASSWORD_UNCHANGED', '正式考试前必须修改默认密码 888：请点击右上角钥匙图标修改密码后，再选择“正式考试”');
      }
      return settings.update(body);
    },
  });

  http.route({
    method: 'get',
    path: '/status',
    operationId: 'getStatus',
    summary: '状态栏：端口、通讯、插件提供的项目（如 FTP 服务）、网络连接、可信时间、机考锁（R1.5）',
    tags: ['系统'],
    guard: admin,
    response: statusSchema,
    handler: () => status.snapshot(),
  });

  http.route({
    method: 'get',
    path: '/plugins/web',
    operationId: 'listVendorWebModules',
    summary: '需在运行时加载的厂商插件界面模块',
    tags: ['系统'],
    guard: admin,
    response: z.array(z.object({ pluginId: z.string(), url: z.string(), webHostApi: z.string().optional().describe('界面所需的 @examsite/web-host 版本范围') })),
    handler: () => d.vendorWebModules(),
  });
}
