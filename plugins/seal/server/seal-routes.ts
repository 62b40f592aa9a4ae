import type { AuthGuard } from '../../../core/http/route';
import type { PluginHttp } from '../../../core/http/http-registry';
import { sealPanelSchema, sealRunSchema } from '../api';
import type { SealService } from './seal-service';

const TAG = '封场检测';

/** POST /api/seal/run and GET /api/seal (R5.1, R5.2). */
export function mountSealRoutes(http: PluginHttp, guard: AuthGuard<unknown>, seal: SealService): void {
  http.route({
    method: 'post',
    path: '/run',
    operationId: 'runSealCheck',
    summary: '封场检测：运行全部检测项目并保存结果；通过时自动上报监控平台（联网后发送）',
    tags: [TAG],
    guard,
    response: sealRunSchema,
    handler: () => seal.run(),
  });
  http.route({
    method: 'get',
    path: '',
    operationId: 'getSealPanel',
    summary: '封场检测面板：上次检测的各项目结果、时间、各考场结果与上报状态',
    tags: [TAG],
    guard,
    response: sealPanelSchema,
    handler: async () => ({ lastRun: await seal.lastRun() }),
  });
}
