import { REGISTRATION_STEP } from '../../registration/api/contract';
import type { RegistrationDirectory } from '../../registration/api';
import type { SealCheck } from '../../seal/api';
import type { RoomStateBook } from './room-state-book';

/** 封场检测: every registered proctor is online (its heartbeats arrive), per room (R5.1). */
export function monitorSealCheck(registrations: RegistrationDirectory, book: RoomStateBook): SealCheck {
  return {
    id: 'monitor.proctors-online',
    title: '已注册的监考机均在线',
    order: 60,
    fixAt: '#/during',
    async run() {
      const regs = await registrations.list();
      const offline = regs.filter((r) => book.get(r.roomCode)?.connection !== 'connected').map((r) => r.roomCode);
      const rooms = Object.fromEntries(regs.map((r) => [r.roomCode, offline.includes(r.roomCode) ? { passed: false, reason: '监考机不在线' } : { passed: true }]));
      if (regs.length === 0) return { passed: false, reason: '还没有已注册的监考机', fix: `请先完成${REGISTRATION_STEP.label}`, goTo: REGISTRATION_STEP };
      return offline.length === 0
        ? { passed: true, reason: `${regs.length} 台监考机均在线`, rooms }
        : { passed: false, reason: `${offline.length} 台监考机不在线：${offline.slice(0, 10).join('、')}`, fix: '请检查这些考场的监考机已启动并连接考点网络', rooms };
    },
  };
}
