import { csvCell } from '../../../../core/http/csv';
import type { AuditLog, AuditQuery } from '../../../../core/auth/audit';
import { describeChainState, type AuditChainState } from '../../../../core/auth/audit-chain';
import { formatChinaTime, parseChinaTime } from '../../../../core/time/china-time';
import { signWithDongle, type DongleSignedDocument } from '../../../../core/dongle/dongle-signed-document';
import type { DongleService } from '../../../../core/dongle/dongle-service';
import { badRequest } from '../../../../core/http/errors';
import type { SiteSettings } from '../../../../core/settings/site-settings';
import type { AuditLogRow } from '../../../../core/store/core-entities';
import { EVENT_KIND_LABEL, type EventChain, type EventLogEntry, type EventLogExportBody, type EventLogFilter, type EventLogPage } from '../../api/event-log';
import { EVENT_KIND_PATTERNS, actorLabel, describeDetail, eventKindOf, eventNameOf } from './event-kinds';

/** Rows an export holds at most (the page pages; an export of a whole exam day is far below). */
const EXPORT_LIMIT = 100_000;


/** 事件日志 (issue 13 point 6): the audit log for people (page, CSV) and for the centre (signed JSON). */
export class EventLogService {
  constructor(
    private readonly deps: {
      audit: AuditLog;
      settings: SiteSettings;
      dongles: DongleService;
    },
  ) {}

  async page(filter: EventLogFilter, limit: number, offset: number): Promise<EventLogPage> {
    const { rows, total } = await this.deps.audit.list({ ...toQuery(filter), limit, offset });
    return { entries: rows.map(toEntry), total, chain: toChain(await this.deps.audit.verify()) };
  }

  /** UTF-8 with BOM (Excel opens the Chinese), China time, the chain state as the last line. */
  async csv(filter: EventLogFilter): Promise<string> {
    const { rows } = await this.deps.audit.list({ ...toQuery(filter), limit: EXPORT_LIMIT });
    const chain = toChain(await this.deps.audit.verify());
    const lines = rows.map((r) => {
      const e = toEntry(r);
      return [e.id, formatChinaTime(e.at), e.kind ? EVENT_KIND_LABEL[e.kind] : '其他', e.event, actorLabel(e.actor), e.room ?? '', e.detail].map(csvCell).join(',');
    });
    return `\uFEFF序号,时间（北京时间）,类别,事件,操作者,考场,详情\r\n${lines.join('\r\n')}${lines.length ? '\r\n' : ''}${csvCell(`日志完整性：${chain.text}`)}\r\n`;
  }

  /** The same entries with their links, signed by the site's dongle so the centre can trust it. */
  async signedJson(filter: EventLogFilter): Promise<DongleSignedDocument & { readonly body: EventLogExportBody }> {
    const site = this.deps.settings.get();
    const dongle = this.deps.dongles.assertUsableFor(site.mode);
    const { rows } = await this.deps.audit.list({ ...toQuery(filter), limit: EXPORT_LIMIT });
    const state = await this.deps.audit.verify();
    const body: EventLogExportBody = {
      kind: 'examsite.event-log',
      v: 1,
      siteCode: site.siteCode,
      mode: site.mode,
      exportedAt: new Date().toISOString(),
      filter,
      chain: { ...toChain(state), head: state.intact ? state.head : null, anchor: state.anchor },
      entries: rows.map((r) => ({ id: Number(r.id), at: r.at, actor: r.actor, action: r.action, room: r.room, detail: r.detail, prevHash: r.prevHash, hash: r.hash })),
    };
    return { ...(await signWithDongle(dongle, body)), body };
  }
}

function toQuery(filter: EventLogFilter): AuditQuery {
  const instant = (text: string | undefined, what: string): string | undefined => {
    if (text === undefined) return undefined;
    const d = parseChinaTime(text);
    if (!d) throw badRequest('EVENT_LOG_TIME_INVALID', `${what}“${text}”不是有效的时间，格式应为 2026-12-20 09:00:00（北京时间）`);
    return d.toISOString();
  };
  const from = instant(filter.from, '开始时间');
  // `to` is inclusive of its whole second.
  const toStart = instant(filter.to, '结束时间');
  const to = toStart === undefined ? undefined : new Date(Date.parse(toStart) + 999).toISOString();
  if (from && to && from > to) throw badRequest('EVENT_LOG_RANGE_INVALID', '开始时间晚于结束时间，请重新选择时间范围');
  return { from, to, room: filter.room, actionLike: filter.kind ? EVENT_KIND_PATTERNS[filter.kind] : undefined };
}

function toEntry(r: AuditLogRow): EventLogEntry {
  return { id: Number(r.id), at: r.at, kind: eventKindOf(r.action), event: eventNameOf(r.action), actor: actorLabel(r.actor), room: r.room, detail: describeDetail(r.detail) };
}

function toChain(state: AuditChainState): EventChain {
  return { intact: state.intact, text: describeChainState(state), firstBrokenId: state.intact ? null : state.firstBrokenId, entries: state.entries };
}
