import { expect } from 'chai';
import type { MonitorRow, RoomLive } from '../api/contract';
import { missingOf, rowTone, toneReason } from '../web/monitor-rows';

function row(live: Partial<RoomLive>): MonitorRow {
  return {
    roomCode: '11003001',
    ip: '10.0.0.5',
    authorized: true,
    verified: true,
    uploaded: null,
    plannedCandidates: 30,
    live: {
      roomCode: '11003001',
      connection: 'connected',
      sessionNo: 1,
      state: 'started',
      counts: { candidates: 30, loggedIn: 30, inExam: 30, submitted: 0 },
      dataImported: true,
      lastBeatAt: '2026-12-20T01:00:00.000Z',
      incidents: 0,
      unacknowledgedNotices: 0,
      ...live,
    },
  };
}

describe('考场监控 row colour per indicator (issue 11 point 7)', () => {
  it('warns on heartbeat age (late) and stands out when disconnected', () => {
    expect(rowTone(row({ connection: 'late' }), 1, 3)).to.equal('row-late');
    expect(toneReason(row({ connection: 'late' }), 1, 3)).to.equal('心跳超时');
    expect(rowTone(row({ connection: 'disconnected' }), 1, 3)).to.equal('row-disconnected');
    expect(rowTone(row({}), 1, 3)).to.equal('');
  });

  it('warns when a started room has at least the threshold of candidates not logged in', () => {
    const counts = { candidates: 30, loggedIn: 27, inExam: 26, submitted: 1 };
    expect(missingOf(row({ counts }), 1)).to.equal(3);
    expect(rowTone(row({ counts }), 1, 3)).to.equal('row-late');
    expect(toneReason(row({ counts }), 1, 3)).to.equal('已开考，3 名考生未登录');
    expect(rowTone(row({ counts }), 1, 4)).to.equal('');
    // Not started yet, or another session: not an indicator.
    expect(rowTone(row({ counts, state: 'idle' }), 1, 3)).to.equal('');
    expect(rowTone(row({ counts }), 2, 3)).to.equal('');
    // 0 switches the indicator off.
    expect(rowTone(row({ counts: { ...counts, loggedIn: 0 } }), 1, 0)).to.equal('');
  });
});
