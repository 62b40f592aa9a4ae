import type { ProctorRoomState, RoomConnection, RoomCounts, RoomLive } from '../api/contract';

/** One heartbeat as the proctor sent it (already validated). */
export interface Heartbeat {
  readonly roomCode: string;
  readonly ip: string;
  readonly sessionNo: number | null;
  readonly state: ProctorRoomState;
  readonly counts: RoomCounts;
  readonly dataImported: boolean;
}

export interface RoomStateThresholds {
  /** The interval proctors are told to beat at (ms). */
  readonly intervalMs: number;
  /** A room whose last beat is older than this is `late` (its row is coloured). */
  readonly lateAfterMs: number;
  /** … and `disconnected` after this (missed beats × interval). */
  readonly disconnectedAfterMs: number;
}

/** A room's state as kept in memory (and in the periodic snapshot). */
export interface RoomRecord {
  readonly roomCode: string;
  ip: string | null;
  sessionNo: number | null;
  state: ProctorRoomState | null;
  counts: RoomCounts | null;
  dataImported: boolean | null;
  /** Monotonic time of the last beat (ms, judges its age); null: none since the restart. */
  lastBeatMono: number | null;
  /** Site time of the last beat (ISO-8601), shown and kept in the snapshot. */
  lastBeatAt: string | null;
  /** Restored from the snapshot and not heard from since. */
  restored: boolean;
  connection: RoomConnection;
}

/** What a beat changed, for the writer (transitions are written at once) and the reports. */
export interface BeatOutcome {
  readonly record: RoomRecord;
  /** The proctor's state or session changed (or it came back): worth a prompt write. */
  readonly transition: boolean;
}

/**
 * High-rate room state (R7.2, DESIGN "high-rate state"): heartbeats update this map only;
 * the snapshot writer flushes dirty rooms in batches.
 */
export class RoomStateBook {
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly dirty = new Set<string>();

  constructor(readonly thresholds: RoomStateThresholds) {}

  /** After a restart: the last snapshot, every room `unknown` until it beats again. */
  restore(records: readonly Omit<RoomRecord, 'connection' | 'restored' | 'lastBeatMono'>[]): void {
    for (const r of records) this.rooms.set(r.roomCode, { ...r, lastBeatMono: null, restored: true, connection: 'unknown' });
  }

  /** `monoMs`: monotonic now; `at`: site time now (ISO-8601). */
  beat(hb: Heartbeat, monoMs: number, at: string): BeatOutcome {
    const before = this.rooms.get(hb.roomCode);
    const transition =
      !before || before.connection !== 'connected' || before.state !== hb.state || before.sessionNo !== hb.sessionNo || before.dataImported !== hb.dataImported;
    const record: RoomRecord = {
      roomCode: hb.roomCode,
      ip: hb.ip,
      sessionNo: hb.sessionNo,
      state: hb.state,
      counts: hb.counts,
      dataImported: hb.dataImported,
      lastBeatMono: monoMs,
      lastBeatAt: at,
      restored: false,
      connection: 'connected',
    };
    this.rooms.set(hb.roomCode, record);
    this.dirty.add(hb.roomCode);
    return { record, transition };
  }

  /** Sets the state without a heartbeat (session start / end calls). */
  setState(roomCode: string, ip: string, sessionNo: number, state: ProctorRoomState, monoMs: number, at: string): BeatOutcome {
    const before = this.rooms.get(roomCode);
    const record: RoomRecord = {
      roomCode,
      ip,
      sessionNo,
      state,
      counts: before?.counts ?? null,
      dataImported: before?.dataImported ?? null,
      lastBeatMono: monoMs,
      lastBeatAt: at,
      restored: false,
      connection: 'connected',
    };
    this.rooms.set(roomCode, record);
    this.dirty.add(roomCode);
    return { record, transition: before?.state !== state || before?.sessionNo !== sessionNo };
  }

  /** Re-judges every room's connection by the age of its last beat; returns those that changed. */
  sweep(monoMs: number): RoomRecord[] {
    const changed: RoomRecord[] = [];
    for (const r of this.rooms.values()) {
      if (r.lastBeatMono === null) continue; // unknown until it beats
      const age = monoMs - r.lastBeatMono;
      const connection: RoomConnection = age > this.thresholds.disconnectedAfterMs ? 'disconnected' : age > this.thresholds.lateAfterMs ? 'late' : 'connected';
      if (connection !== r.connection) {
        r.connection = connection;
        this.dirty.add(r.roomCode);
        changed.push(r);
      }
    }
    return changed;
  }

  get(roomCode: string): RoomRecord | null {
    return this.rooms.get(roomCode) ?? null;
  }

  all(): RoomRecord[] {
    return [...this.rooms.values()];
  }

  /** Hands the rooms changed since the last call to the snapshot writer. */
  takeDirty(): RoomRecord[] {
    const out = [...this.dirty].map((c) => this.rooms.get(c)).filter((r): r is RoomRecord => r !== undefined);
    this.dirty.clear();
    return out;
  }

  /** Puts rooms back when their write failed, so the next flush retries them. */
  markDirty(roomCodes: readonly string[]): void {
    for (const c of roomCodes) this.dirty.add(c);
  }

  clear(): void {
    this.rooms.clear();
    this.dirty.clear();
  }
}

export function liveOf(r: RoomRecord, incidents: number, unacknowledgedNotices: number): RoomLive {
  return {
    roomCode: r.roomCode,
    connection: r.connection,
    sessionNo: r.sessionNo,
    state: r.state,
    counts: r.counts,
    dataImported: r.dataImported,
    lastBeatAt: r.lastBeatAt,
    incidents,
    unacknowledgedNotices,
  };
}

/** A room never heard from (no heartbeat and no snapshot). */
export function silentRoom(roomCode: string, incidents: number, unacknowledgedNotices: number): RoomLive {
  return { roomCode, connection: 'unknown', sessionNo: null, state: null, counts: null, dataImported: null, lastBeatAt: null, incidents, unacknowledgedNotices };
}
