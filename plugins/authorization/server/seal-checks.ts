import { LOAD_STEP } from '../../load/api/contract';
import type { TrustedClock } from '../../../core/clock/trusted-clock';
import type { SealCheck } from '../../seal/api';
import type { AuthorizationDirectory } from '../api';

/** 封场检测: every session authorized (R5.1). */
export function allAuthorizedCheck(authorizations: AuthorizationDirectory): SealCheck {
  return {
    id: 'authorization.all-authorized',
    title: '所有场次已考试授权',
    order: 40,
    fixAt: '#/before/3',
    async run() {
      const sessions = await authorizations.list();
      if (sessions.length === 0) return { passed: false, reason: '没有场次（尚未载入考务数据）', fix: `请先完成${LOAD_STEP.label}`, goTo: LOAD_STEP };
      const missing = sessions.filter((s) => !s.authorized).map((s) => `第 ${s.sessionNo} 场`);
      return missing.length === 0
        ? { passed: true, reason: `${sessions.length} 个场次均已授权` }
        : { passed: false, reason: `${missing.join('、')}尚未考试授权`, fix: '请在“3 考试授权”中下载或导入考试授权' };
    },
  };
}

/** 封场检测: the dongle's clock is calibrated and not stale (R5.1). */
export function clockCalibratedCheck(clock: TrustedClock): SealCheck {
  return {
    id: 'authorization.clock-calibrated',
    title: '机考锁已校时',
    order: 50,
    fixAt: '#/before/5',
    async run() {
      const r = await clock.reading();
      if (!r.calibrated) return { passed: false, reason: r.message ?? '机考锁时钟尚未校时', fix: '请在“5 授权验证”中完成机考锁校时' };
      if (r.stale) return { passed: false, reason: r.message ?? '机考锁校时已过期', fix: '请在“5 授权验证”中重新校时' };
      return { passed: true, reason: '机考锁时钟已校时' };
    },
  };
}
