import type { GoTo } from '../../../core/http/guidance';
import { createExtensionPoint } from '../../../core/kernel/refs';
import { z } from 'zod';

export * from './contract';

/** What one check answers (R5.1). */
export interface SealCheckOutcome {
  readonly passed: boolean;
  /** Chinese: why it passed or failed. */
  readonly reason: string;
  /** Chinese: what to do when it failed. */
  readonly fix?: string;
  /** Per room, when the fact is per room (e.g. every room registered); feeds the 封场检测 column. */
  readonly rooms?: Readonly<Record<string, { readonly passed: boolean; readonly reason?: string }>>;
  /** When the fix is "请先…" another step (e.g. 第 1 步“导入考务” before rooms can register). */
  readonly goTo?: GoTo;
}

/** One item of the 封场检测 list, contributed by the plugin that owns the fact. */
export interface SealCheck {
  /** Stable id, e.g. `registration.all-registered`. */
  readonly id: string;
  /** Chinese title shown in the list. */
  readonly title: string;
  /** Position in the list (smaller first). Default 100. */
  readonly order?: number;
  /** The step or page that fixes it, e.g. `#/before/2`. */
  readonly fixAt?: string;
  run(): Promise<SealCheckOutcome>;
}

const sealCheckSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9.-]{2,63}$/, '封场检测项目编号只能由小写字母、数字、点和连字符组成'),
  title: z.string().min(1).max(40),
  order: z.number().int().min(0).max(1000).optional(),
  fixAt: z
    .string()
    .regex(/^#\/(before\/[1-5]|during|after)$/, '封场检测项目的 fixAt 应为界面中的位置，如 #/before/2、#/during 或 #/after')
    .optional(),
  run: z.custom<SealCheck['run']>((v) => typeof v === 'function', 'run 应为返回检测结果的函数'),
});

/** Owned by the seal plugin; contribute with `env.extendWith(sealChecksPoint, { deps, factory })`. */
export const sealChecksPoint = createExtensionPoint<SealCheck>('seal.checks', '封场检测项目', { schema: sealCheckSchema });
