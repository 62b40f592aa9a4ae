import { z } from 'zod';
import { createExtensionPoint } from '../kernel/refs';

/** What an item shows: a short word and whether it is good news. */
export const statusItemStateSchema = z.object({
  text: z.string().min(1).max(16),
  tone: z.enum(['ok', 'bad', 'neutral']),
  /** Where the service is reached (e.g. `ftp://192.168.1.10:2121`), shown in the start banner. */
  address: z.string().max(80).optional(),
});
export type StatusItemState = z.output<typeof statusItemStateSchema>;

const statusItemSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9.-]{1,40}$/, '状态栏项目编号只能由小写字母、数字、点和连字符组成'),
  /** Shown before the state, e.g. "FTP服务". */
  label: z.string().min(1).max(12),
  /** Position among contributed items (smaller first); items sit between 通讯 and 网络连接. */
  order: z.number().int().min(0).max(1000).optional(),
  /** Read at every status snapshot; must be cheap and must not block. */
  state: z.custom<() => StatusItemState>((v) => typeof v === 'function', 'state 应为返回 { text, tone } 的函数'),
});

/**
 * A status-bar item contributed by a plugin (R1.5). When its state changes the plugin
 * calls `publish()` on `coreServices.status` so open pages update at once.
 */
export interface StatusItem {
  readonly id: string;
  readonly label: string;
  readonly order?: number;
  state(): StatusItemState;
}

/** Owned by the host; contribute with `env.extend(statusItemsPoint, …)` or `env.extendWith`. */
export const statusItemsPoint = createExtensionPoint<StatusItem>('core.statusItems', '状态栏项目（如 FTP服务）', {
  schema: statusItemSchema,
});

/** The common 运行 / 停止 pair. */
export function runState(running: boolean): StatusItemState {
  return running ? { text: '运行', tone: 'ok' } : { text: '停止', tone: 'bad' };
}

/** What the status snapshot carries per item. */
export interface StatusItemView extends StatusItemState {
  readonly id: string;
  readonly label: string;
}

const UNKNOWN: StatusItemState = { text: '未知', tone: 'bad' };

/** Reads every item; a throwing or malformed `state()` shows 未知 instead of breaking the bar. */
export function viewStatusItems(items: readonly StatusItem[]): StatusItemView[] {
  return [...items]
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (a.item.order ?? 100) - (b.item.order ?? 100) || a.index - b.index)
    .map(({ item }) => {
      let state: StatusItemState = UNKNOWN;
      try {
        const parsed = statusItemStateSchema.safeParse(item.state());
        if (parsed.success) state = parsed.data;
      } catch {
        // a broken item must not take the status bar down
      }
      return { id: item.id, label: item.label, ...state };
    });
}
