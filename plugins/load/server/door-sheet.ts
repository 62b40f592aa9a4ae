import type { CandidateInfo, RoomData, SessionInfo } from '../api';
import { formatChinaTime } from '../../../core/time/china-time';

/** HTML-escapes a value for text and attribute positions. Every value from data goes through it. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface DoorSheetContext {
  readonly siteCode: string;
  readonly mode: 'formal' | 'mock';
  readonly releaseTime: string;
  readonly printedAt: string;
}

/**
 * 门贴座次表 (R2.4): one printable A4 document per room. Page 1 is the door sheet (room,
 * sessions, candidate list); then one seat chart per session laid out on the room's grid.
 */
export function renderDoorSheet(room: RoomData, ctx: DoorSheetContext): string {
  const e = escapeHtml;
  const bySession = new Map<number, CandidateInfo[]>();
  for (const c of room.candidates) {
    const list = bySession.get(c.sessionNo) ?? [];
    list.push(c);
    bySession.set(c.sessionNo, list);
  }
  const mockNote = ctx.mode === 'mock' ? '<span class="mock">（模拟考试）</span>' : '';
  const header = (subtitle: string): string => `
    <header>
      <div class="site">考点 ${e(ctx.siteCode)}${mockNote}</div>
      <h1>${e(room.roomCode)} 考场 · ${e(room.roomName)}</h1>
      <div class="sub">${e(subtitle)}　地点：${e(room.address || '—')}</div>
    </header>`;

  const sessionRows = room.sessions
    .map(
      (s) => `<tr><td>${e(s.no)}</td><td>${e(s.name)}</td><td>${e(formatChinaTime(s.startsAt))}</td><td>${e(s.durationMinutes)} 分钟</td><td>${e(
        s.subjects.map((x) => x.name).join('、'),
      )}</td><td>${e(bySession.get(s.no)?.length ?? 0)}</td></tr>`,
    )
    .join('');

  const candidateBlocks = room.sessions
    .map((s) => {
      const list = bySession.get(s.no) ?? [];
      const rows = list
        .map(
          (c) =>
            `<tr><td>${e(c.seatNo)}</td><td>${e(c.ticketNo)}</td><td>${e(c.name)}</td><td>${e(c.gender)}</td><td>${e(c.idCardMasked)}</td><td>${e(
              subjectNames(s, c),
            )}</td></tr>`,
        )
        .join('');
      return `<h3>第 ${e(s.no)} 场 · ${e(s.name)}（${e(formatChinaTime(s.startsAt))}）</h3>
        <table class="list"><thead><tr><th>座位号</th><th>准考证号</th><th>姓名</th><th>性别</th><th>身份证号</th><th>科目</th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('');

  const seats = room.seats ?? guessGrid(room.candidates);
  const charts = room.sessions
    .map((s) => {
      const bySeat = new Map((bySession.get(s.no) ?? []).map((c) => [c.seatNo, c]));
      let grid = '';
      for (let r = 0; r < seats.rows; r++) {
        let cells = '';
        for (let col = 0; col < seats.columns; col++) {
          const seatNo = r * seats.columns + col + 1;
          const c = bySeat.get(seatNo);
          cells += c
            ? `<td class="seat"><div class="no">${e(seatNo)}</div><div class="name">${e(c.name)}</div><div class="ticket">${e(c.ticketNo)}</div></td>`
            : `<td class="seat empty"><div class="no">${e(seatNo)}</div><div class="name">（空）</div></td>`;
        }
        grid += `<tr>${cells}</tr>`;
      }
      return `<section class="page">${header(`座次表 · 第 ${s.no} 场 ${s.name} · ${formatChinaTime(s.startsAt)}`)}
        <div class="front">讲 台</div>
        <table class="grid">${grid}</table>
        <footer>考场数据发布时间：${e(formatChinaTime(ctx.releaseTime))}　打印时间：${e(formatChinaTime(ctx.printedAt))}</footer>
      </section>`;
    })
    .join('');

  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>${e(room.roomCode)} 门贴座次表</title>
<style>
  @page { size: A4 portrait; margin: 12mm; }
  * { box-sizing: border-box; }
  body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #000; margin: 0; background: #eee; }
  .page { width: 210mm; min-height: 297mm; padding: 12mm; margin: 8mm auto; background: #fff; }
  header { text-align: center; border-bottom: 2px solid #000; margin-bottom: 6mm; padding-bottom: 3mm; }
  header h1 { font-size: 26pt; margin: 2mm 0; }
  .site, .sub { font-size: 11pt; }
  .mock { color: #c00; }
  h3 { font-size: 12pt; margin: 5mm 0 2mm; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border: 1px solid #000; padding: 1.2mm 2mm; font-size: 10pt; text-align: center; }
  th, .sessions td:nth-child(-n+4), .list td:nth-child(-n+5) { white-space: nowrap; }
  .front { text-align: center; border: 1px solid #000; width: 40%; margin: 0 auto 5mm; padding: 2mm; letter-spacing: 1em; }
  .grid { table-layout: fixed; }
  .seat { height: 18mm; vertical-align: top; }
  .seat .no { font-weight: bold; font-size: 11pt; }
  .seat .name { font-size: 11pt; }
  .seat .ticket { font-size: 7.5pt; }
  .seat.empty { color: #999; }
  footer { margin-top: 5mm; font-size: 9pt; text-align: right; }
  .toolbar { text-align: center; padding: 4mm; }
  @media print {
    body { background: #fff; }
    .toolbar { display: none; }
    .page { margin: 0; padding: 0; width: auto; min-height: auto; break-after: page; page-break-after: always; }
    .page:last-child { break-after: auto; page-break-after: auto; }
    tr, .seat { break-inside: avoid; page-break-inside: avoid; }
  }
</style></head>
<body>
<div class="toolbar"><button type="button" onclick="window.print()">打印</button></div>
<section class="page door-sheet">${header('门贴')}
  <table class="sessions"><thead><tr><th>场次</th><th>场次名称</th><th>开考时间</th><th>考试时长</th><th>科目</th><th>考生人数</th></tr></thead><tbody>${sessionRows}</tbody></table>
  ${candidateBlocks}
  <footer>考场数据发布时间：${e(formatChinaTime(ctx.releaseTime))}　打印时间：${e(formatChinaTime(ctx.printedAt))}</footer>
</section>
${charts}
</body></html>`;
}

function subjectNames(session: SessionInfo, c: CandidateInfo): string {
  const names = new Map(session.subjects.map((x) => [x.code, x.name]));
  return c.subjectCodes.map((code) => names.get(code) ?? code).join('、');
}

function guessGrid(candidates: readonly CandidateInfo[]): { rows: number; columns: number } {
  const max = Math.max(1, ...candidates.map((c) => c.seatNo));
  const columns = 6;
  return { rows: Math.ceil(max / columns), columns };
}
