import type { SiteSettings } from '../../../core/settings/site-settings';
import type { UnreportedDataSource } from '../api';

/**
 * R9.3 / R9.5: during a formal exam, what is not yet reported blocks 初始化 and 退出系统.
 * In a mock exam nothing blocks.
 */
export class UnreportedData {
  constructor(
    private readonly sources: readonly UnreportedDataSource[],
    private readonly settings: SiteSettings,
  ) {}

  /** One line per source with something pending, e.g. `考试结果：考场 01 未确认`. */
  async blockers(): Promise<string[]> {
    if (this.settings.get().mode !== 'formal') return [];
    const lines: string[] = [];
    for (const source of this.sources) {
      const pending = await source.unreported();
      if (pending.length > 0) lines.push(`${source.label}：${pending.join('、')}`);
    }
    return lines;
  }
}
