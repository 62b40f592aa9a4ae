// `simulate`: N proctor PCs at once (demo and bench, issue 11 point 8). Each room beats at
// the site's interval with counts that move like an exam session: candidates log in, the
// session starts, candidates submit, the session ends. Pending notices are acknowledged.
import fs from 'node:fs';
import path from 'node:path';
import { loadCredentials, saveCredentials } from './credentials-file';
import { acknowledgeNotice, endSession, sendHeartbeat, startSession, type HeartbeatRequest, type ProctorRoomState } from './monitor-calls';
import { ProctorApiError, ProctorClient } from './proctor-client';

export interface RoomCode {
  readonly roomCode: string;
  readonly registrationCode: string;
}

/** Reads `roomCode,registrationCode` lines (CSV) or a JSON object `{ roomCode: code }`. */
export function parseRegistrationCodes(text: string): RoomCode[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    return Object.entries(parsed).map(([roomCode, code]) => {
      if (typeof code !== 'string') throw new Error(`考场 ${roomCode} 的注册码应为文字`);
      return { roomCode, registrationCode: code };
    });
  }
  return trimmed
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !/^考场|^room/i.test(l))
    .map((l) => {
      const [roomCode, registrationCode] = l.split(/[,\t ]+/);
      if (!roomCode || !registrationCode || !/^\d{8}$/.test(roomCode)) throw new Error(`无法识别的注册码行：${l}（应为“考场代码,注册码”）`);
      return { roomCode, registrationCode };
    });
}

/** The registration codes as the site's administrator sees them (loopback admin API). */
export async function registrationCodesFromSite(siteUrl: string, username: string, password: string): Promise<RoomCode[]> {
  const base = siteUrl.replace(/\/+$/, '');
  // The admin API takes changes only from its own origin (the site boundary).
  const origin = new URL(base).origin;
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ username, password }) });
  if (!login.ok) throw new Error(`管理员登录失败（状态码 ${login.status}），请检查 --admin-user 和 --admin-password`);
  const { token } = (await login.json()) as { token: string };
  const rooms = await fetch(`${base}/api/registration/rooms`, { headers: { authorization: `Bearer ${token}`, origin } });
  if (!rooms.ok) throw new Error(`无法读取考场注册码（状态码 ${rooms.status}）`);
  return ((await rooms.json()) as { rooms: RoomCode[] }).rooms.map((r) => ({ roomCode: r.roomCode, registrationCode: r.registrationCode }));
}

/** One simulated proctor PC. */
export interface SimulatedRoom {
  readonly roomCode: string;
  readonly client: ProctorClient;
  readonly candidates: number;
  loggedIn: number;
  submitted: number;
  state: ProctorRoomState;
}

export interface SimulationPlan {
  readonly sessionNo: number;
  readonly seconds: number;
  /** Seconds between beats; default the interval the site answers. */
  readonly intervalSeconds?: number;
  /** When the rooms start (s from the beginning); default a third of the run. */
  readonly startAfterSeconds?: number;
  /** When the rooms end; default at 90 % of the run. Beyond `seconds`: no end. */
  readonly endAfterSeconds?: number;
  /** Progress line after each round. */
  readonly onRound?: (line: string) => void;
}

export interface SimulationSummary {
  readonly rooms: number;
  readonly beats: number;
  readonly errors: number;
  readonly started: number;
  readonly ended: number;
  readonly noticesAcknowledged: number;
  /** The first few error messages, in Chinese as the site gave them. */
  readonly errorMessages: readonly string[];
}

/**
 * Registers (or re-uses the saved credentials of) every room, one credentials file per room
 * in `credentialsDir`: a held room re-registers only with its current credential.
 */
export async function prepareRooms(siteUrl: string, codes: readonly RoomCode[], sessionNo: number, credentialsDir: string): Promise<SimulatedRoom[]> {
  fs.mkdirSync(credentialsDir, { recursive: true });
  const rooms: SimulatedRoom[] = [];
  for (const code of codes) {
    const file = path.join(credentialsDir, `${code.roomCode}.json`);
    const saved = await loadCredentials(file);
    const client = new ProctorClient(siteUrl, saved && saved.roomCode === code.roomCode ? saved : null, { onCredentials: (c) => saveCredentials(file, c) });
    await client.register({ roomCode: code.roomCode, registrationCode: code.registrationCode, machineId: saved?.machineId ?? `sim-${code.roomCode}` });
    const room = await client.room();
    const candidates = room.candidates.filter((c) => c.sessionNo === sessionNo).length;
    rooms.push({ roomCode: code.roomCode, client, candidates, loggedIn: 0, submitted: 0, state: 'idle' });
  }
  return rooms;
}

/** The counts a room reports at `t` (0…1 of the run): log in before the start, submit before the end. */
export function advanceRoom(room: SimulatedRoom, t: number, startAt: number, endAt: number): void {
  const n = room.candidates;
  if (t < startAt) room.loggedIn = Math.min(n, Math.round((n * t) / startAt));
  else room.loggedIn = n;
  const submitFrom = startAt + (endAt - startAt) * 0.5;
  room.submitted = t <= submitFrom ? 0 : Math.min(n, Math.round((n * (t - submitFrom)) / Math.max(1e-9, endAt - submitFrom)));
}

export function heartbeatOf(room: SimulatedRoom, sessionNo: number): HeartbeatRequest {
  const inExam = room.state === 'started' ? Math.max(0, room.loggedIn - room.submitted) : 0;
  return {
    roomCode: room.roomCode,
    sessionNo,
    state: room.state,
    counts: { candidates: room.candidates, loggedIn: room.loggedIn, inExam, submitted: room.submitted },
    dataImported: true,
  };
}

/** Drives the rooms for `plan.seconds`, one round of heartbeats per interval. */
export async function simulateRooms(rooms: SimulatedRoom[], plan: SimulationPlan): Promise<SimulationSummary> {
  const t0 = Date.now();
  const durationMs = plan.seconds * 1000;
  const startAt = (plan.startAfterSeconds ?? plan.seconds / 3) / plan.seconds;
  const endAt = (plan.endAfterSeconds ?? plan.seconds * 0.9) / plan.seconds;
  let intervalMs = (plan.intervalSeconds ?? 0) * 1000;
  const s = { beats: 0, errors: 0, started: 0, ended: 0, noticesAcknowledged: 0 };
  const errorMessages: string[] = [];
  const failed = (e: unknown): void => {
    s.errors++;
    if (errorMessages.length < 5) errorMessages.push(e instanceof ProctorApiError ? e.message : (e as Error).message);
  };
  const acked = new Set<string>();

  for (let round = 0; ; round++) {
    // The last round runs at t = 1, so a planned end always happens.
    const last = Date.now() - t0 >= durationMs;
    const t = last ? 1 : (Date.now() - t0) / durationMs;
    await Promise.all(
      rooms.map(async (room) => {
        try {
          advanceRoom(room, t, startAt, endAt);
          if (room.state === 'idle' && t >= startAt) {
            await startSession(room.client, room.roomCode, plan.sessionNo);
            room.state = 'started';
            s.started++;
          }
          if (room.state === 'started' && endAt <= 1 && t >= endAt) {
            room.submitted = room.candidates;
            await endSession(room.client, room.roomCode, plan.sessionNo);
            room.state = 'ended';
            s.ended++;
          }
          const answer = await sendHeartbeat(room.client, heartbeatOf(room, plan.sessionNo));
          s.beats++;
          if (intervalMs === 0) intervalMs = answer.intervalSeconds * 1000;
          for (const notice of answer.notices) {
            const key = `${room.roomCode}:${notice.id}`;
            if (acked.has(key)) continue;
            await acknowledgeNotice(room.client, room.roomCode, notice.id);
            acked.add(key);
            s.noticesAcknowledged++;
          }
        } catch (e) {
          failed(e);
        }
      }),
    );
    const loggedIn = rooms.reduce((n, r) => n + r.loggedIn, 0);
    const candidates = rooms.reduce((n, r) => n + r.candidates, 0);
    plan.onRound?.(
      `第 ${round + 1} 轮（${Math.round((Date.now() - t0) / 1000)} 秒）：${rooms.length} 个考场，已登录 ${loggedIn}/${candidates}，已开考 ${rooms.filter((r) => r.state !== 'idle').length}，已结束 ${rooms.filter((r) => r.state === 'ended').length}，错误 ${s.errors}`,
    );
    if (last) break;
    const next = t0 + (round + 1) * Math.max(100, intervalMs || 5000);
    const wait = Math.min(next, t0 + durationMs) - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return { rooms: rooms.length, ...s, errorMessages };
}
