'use strict';
/**
 * Example vendor plugin (R10.3): prebuilt CommonJS, loaded at start from the configured
 * vendor-plugin folder without rebuilding the product. It receives the host's API object
 * instead of importing the product's sources, so it uses the very same typed tokens.
 *
 * It extends the 载入考务 stage with a content handler for the package entry
 * `vendor/example-cert/practical.json` (a certificate's practical-task list), adds an
 * admin route with the tasks it accepted, and listens to the dongle hardware hook.
 */

const ENTRY_PREFIX = 'vendor/example-cert/';

function createPlugin(hostApi) {
  const { definePlugin, coreServices, z, AppError } = hostApi;
  const load = hostApi.plugins.load;
  if (!load || !load.loadContentHandlersPoint) {
    throw new Error('示例证书插件需要内置插件 load（载入考务）提供 loadContentHandlersPoint');
  }

  const practicalSchema = z
    .object({
      certificate: z.string().min(1).max(60),
      tasks: z.array(z.object({ code: z.string().regex(/^[A-Z0-9-]{1,20}$/), title: z.string().min(1).max(100), minutes: z.number().int().min(1).max(600) })).min(1).max(200),
    })
    .strict();

  /** Accepted task lists by release time (in memory: the package itself is the record). */
  const accepted = [];
  const events = [];

  const contentHandler = {
    id: 'example-cert.practical',
    matches: (name) => name.startsWith(ENTRY_PREFIX),
    async validate(entry) {
      if (entry.name !== `${ENTRY_PREFIX}practical.json`) {
        throw new AppError(400, 'EXAMPLE_CERT_UNKNOWN_ENTRY', `数据包含有示例证书插件不认识的文件 ${entry.name}，请向证书厂商确认数据包版本`);
      }
      let parsed;
      try {
        parsed = practicalSchema.safeParse(JSON.parse(entry.bytes.toString('utf8')));
      } catch {
        parsed = { success: false };
      }
      if (!parsed.success) {
        throw new AppError(400, 'EXAMPLE_CERT_INVALID', '数据包中的实操任务清单（vendor/example-cert/practical.json）格式错误，请联系证书厂商获取正确的数据包');
      }
    },
    async accepted(entry, context) {
      const parsed = practicalSchema.parse(JSON.parse(entry.bytes.toString('utf8')));
      accepted.push({ releaseTime: context.releaseTime, certificate: parsed.certificate, tasks: parsed.tasks });
    },
  };

  // 数据回收 (issue 12 point 4): this certificate has no partial submissions, so every
  // candidate who sat a subject must have handed in its answers.
  const resultValidator = {
    id: 'example-cert.all-submitted',
    validate(manifest) {
      for (const s of manifest.subjects) {
        const missing = s.present.filter((t) => !s.submitted.includes(t));
        if (missing.length > 0) {
          throw new Error(`示例证书要求参考考生全部交卷，科目 ${s.subjectCode} 的考生 ${missing.slice(0, 5).join('、')} 没有答题文件`);
        }
      }
    },
  };
  const collection = hostApi.plugins.collection;

  // 封场检测 (issue 11 point 1): the site is ready for this certificate only when the
  // loaded package carried its practical-task list.
  const sealCheck = {
    id: 'example-cert.practical-loaded',
    title: '示例证书实操任务清单已载入',
    order: 60,
    async run() {
      const last = accepted[accepted.length - 1];
      return last
        ? { passed: true, reason: `已载入示例证书实操任务 ${last.tasks.length} 项（${last.certificate}）` }
        : {
            passed: false,
            reason: '已载入的考务数据中没有示例证书的实操任务清单',
            fix: '请向证书厂商确认数据包含有 vendor/example-cert/practical.json，然后在“1 载入考务”中重新载入',
          };
    },
  };
  const seal = hostApi.plugins.seal;

  return definePlugin({
    manifest: {
      id: 'example-cert',
      version: '1.0.0',
      host: '^0.1.0',
      displayName: '示例证书插件',
      extends: 'load',
    },
    register(env) {
      env.extend(load.loadContentHandlersPoint, contentHandler);
      if (collection && collection.collectionValidatorsPoint) env.extend(collection.collectionValidatorsPoint, resultValidator);
      if (seal && seal.sealChecksPoint) env.extend(seal.sealChecksPoint, sealCheck);
      env.registerInit({
        deps: { http: coreServices.http, auth: coreServices.adminAuth, hardware: coreServices.hardwareEvents, logger: coreServices.logger },
        init({ http, auth, hardware, logger }) {
          hardware.on('dongle.removed', (d) => {
            events.push({ at: new Date().toISOString(), event: 'dongle.removed', id: d.id });
            logger.warn({ dongle: d.id }, '示例证书插件：机考锁已移除');
          });
          http.route({
            method: 'get',
            path: '/practical',
            operationId: 'listExampleCertPracticalTasks',
            summary: '示例证书插件：已接受的实操任务清单',
            tags: ['厂商插件：示例证书'],
            guard: auth.guard,
            response: z.object({
              lists: z.array(z.object({ releaseTime: z.string(), certificate: z.string(), tasks: z.array(z.object({ code: z.string(), title: z.string(), minutes: z.number() })) })),
              hardwareEvents: z.array(z.object({ at: z.string(), event: z.string(), id: z.string() })),
            }),
            handler: () => ({ lists: accepted, hardwareEvents: events }),
          });
        },
      });
    },
  });
}

module.exports = { createPlugin };
