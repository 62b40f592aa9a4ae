// The 考后上报 view, kept current from the pushed collection.report events (no re-fetch
// per progress step); fetched once on mount and after each action.
import { onBeforeUnmount, onMounted, ref, shallowRef } from 'vue';
import { apiGet, errorMessage } from '@web/api';
import { onServerEvent } from '@web/server-events';
import { REPORT_CHANGED_EVENT, type ReportView } from '../../api/report-contract';

export function useReportView() {
  const view = shallowRef<ReportView | null>(null);
  const error = ref('');
  async function reload(): Promise<void> {
    try {
      view.value = await apiGet<ReportView>('/api/collection/report');
      error.value = '';
    } catch (err) {
      error.value = errorMessage(err, '无法读取上报情况，请稍后重试。');
    }
  }
  let off: (() => void) | null = null;
  onMounted(() => {
    void reload();
    off = onServerEvent<ReportView>(REPORT_CHANGED_EVENT, (v) => {
      view.value = v;
    });
  });
  onBeforeUnmount(() => off?.());
  return { view, error, reload };
}

export function formatSize(bytes: number): string {
  if (bytes === 0) return '0';
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)}G`;
  if (bytes >= 1024 ** 2) return `${Math.max(1, Math.round(bytes / 1024 ** 2))}M`;
  return `${Math.max(1, Math.round(bytes / 1024))}K`;
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
}
