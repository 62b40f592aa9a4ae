import type { AdminAuthService } from '../../../../core/auth/admin-auth';
import type { PluginHttp } from '../../../../core/http/http-registry';
import { mountReportRoutes } from './report-routes';
import { ResultBackupRow, ResultReportAckRow } from './report-rows';
import { ResultReport, type ResultReportDeps } from './result-report';

export { reportMigrations } from './report-migrations';
export const reportEntities = [ResultBackupRow, ResultReportAckRow];

/** 考后上报 started from the collection plugin's init: the service and its admin routes. */
export function startResultReport(deps: ResultReportDeps & { readonly http: PluginHttp; readonly auth: AdminAuthService }): ResultReport {
  const report = new ResultReport(deps);
  mountReportRoutes(deps.http, { auth: deps.auth, report });
  return report;
}
