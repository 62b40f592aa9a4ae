import { expect } from 'chai';
import { formatChinaDate, formatChinaTime } from '../china-time';

describe('formatChinaTime: the one way instants are shown (issue 10 point 6)', () => {
  it('shows any instant in China time as 2026-12-20 09:00:00, whatever the input form', () => {
    expect(formatChinaTime('2026-12-20T01:00:00.000Z')).to.equal('2026-12-20 09:00:00');
    expect(formatChinaTime('2026-12-20T09:00:00+08:00')).to.equal('2026-12-20 09:00:00');
    expect(formatChinaTime(Date.parse('2026-12-19T16:30:05Z'))).to.equal('2026-12-20 00:30:05');
    expect(formatChinaTime(new Date('2026-12-31T16:00:00Z'))).to.equal('2027-01-01 00:00:00');
    expect(formatChinaDate('2026-12-19T16:30:05Z')).to.equal('2026-12-20');
  });

  it('shows "-" (or the given text) for no time, and a non-instant as it is rather than a wrong time', () => {
    expect(formatChinaTime(null)).to.equal('-');
    expect(formatChinaTime(undefined, '未校时')).to.equal('未校时');
    expect(formatChinaTime('')).to.equal('-');
    expect(formatChinaTime('不是时间')).to.equal('不是时间');
  });
});
