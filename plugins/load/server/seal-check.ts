import type { SealCheck } from '../../seal/api';
import type { ExamDataService } from '../api';
import { formatChinaTime } from '../../../core/time/china-time';

/** 封场检测: the exam data is loaded and passed 校验 (R5.1). */
export function loadSealCheck(examData: ExamDataService): SealCheck {
  return {
    id: 'load.data-verified',
    title: '考务数据已载入并通过校验',
    order: 20,
    fixAt: '#/before/1',
    async run() {
      const release = await examData.currentRelease();
      if (!release) return { passed: false, reason: '尚未载入考务数据', fix: '请在“1 导入考务”中载入考场数据包' };
      if (!release.verified) return { passed: false, reason: `已载入的数据（发布时间 ${formatChinaTime(release.releaseTime)}）尚未通过校验`, fix: '请在“1 导入考务”中点击校验' };
      return { passed: true, reason: `已载入发布时间 ${formatChinaTime(release.releaseTime)} 的数据并通过校验` };
    },
  };
}
