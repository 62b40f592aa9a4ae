import { LOAD_STEP } from '../../load/api/contract';
import type { ExamDataService } from '../../load/api';
import type { SealCheck } from '../../seal/api';
import type { RegistrationDirectory } from '../api';

/** 封场检测: every room of the loaded data is registered (R5.1, per room for R5.3). */
export function registrationSealCheck(examData: ExamDataService, registrations: RegistrationDirectory): SealCheck {
  return {
    id: 'registration.all-registered',
    title: '所有考场已注册',
    order: 30,
    fixAt: '#/before/2',
    async run() {
      const [rooms, regs] = await Promise.all([examData.listRooms(), registrations.list()]);
      const registered = new Set(regs.map((r) => r.roomCode));
      const missing = rooms.filter((r) => !registered.has(r.roomCode)).map((r) => r.roomCode);
      const perRoom = Object.fromEntries(rooms.map((r) => [r.roomCode, registered.has(r.roomCode) ? { passed: true } : { passed: false, reason: '考场未注册' }]));
      if (rooms.length === 0) return { passed: false, reason: '尚未载入考场', fix: `请先完成${LOAD_STEP.label}`, goTo: LOAD_STEP };
      return missing.length === 0
        ? { passed: true, reason: `${rooms.length} 个考场均已注册`, rooms: perRoom }
        : { passed: false, reason: `${missing.length} 个考场未注册：${missing.slice(0, 10).join('、')}${missing.length > 10 ? ' 等' : ''}`, fix: '请在各考场监考机上完成考场注册', rooms: perRoom };
    },
  };
}
