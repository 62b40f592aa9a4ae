// Reactive store of what the whole shell shows: who is logged in, the site settings and
// the live server status (fed by /api/events, see server-events.ts).
import { reactive, readonly } from 'vue';
import type { SiteStatusView } from '../../core/http/status-topic';
import { apiGet, apiPut } from './api';

export type DongleKind = 'hid' | 'soft' | null;

export interface PublicInfo {
  product: { title: string; version: string };
  dongle: { present: boolean; kind: DongleKind; label: string; message?: string };
}

export interface Settings {
  siteCode: string | null;
  mode: 'formal' | 'mock';
}

/** The status bar's data: the `status` live topic's payload. */
export type ServerStatus = SiteStatusView;

/** One plugin-contributed status-bar item (e.g. FTP服务). */
export type StatusItemView = SiteStatusView['items'][number];

export interface SessionUser {
  username: string;
  mustChangePassword: boolean;
}

interface StoreState {
  user: SessionUser | null;
  settings: Settings | null;
  status: ServerStatus | null;
  /** Server time minus local time at the last status, to tick the clock between events. */
  clockOffsetMs: number;
  trustedOffsetMs: number | null;
  /** Whether the shared event stream is currently connected. */
  eventsConnected: boolean;
}

const state = reactive<StoreState>({
  user: null,
  settings: null,
  status: null,
  clockOffsetMs: 0,
  trustedOffsetMs: null,
  eventsConnected: false,
});

/** Read-only view of the shell state (reactive). */
export const store = readonly(state);

export const DEFAULT_TITLE = '1+X 职业技能等级证书试点考试 | 考点管理系统';

export function setUser(user: SessionUser | null): void {
  state.user = user;
  if (!user) {
    state.settings = null;
    state.status = null;
    state.eventsConnected = false;
  }
}

export function markPasswordChanged(): void {
  if (state.user) state.user.mustChangePassword = false;
}

export function setSettings(settings: Settings): void {
  state.settings = { siteCode: settings.siteCode, mode: settings.mode };
}

export function setEventsConnected(connected: boolean): void {
  state.eventsConnected = connected;
}

export function applyStatus(status: ServerStatus): void {
  state.status = status;
  const now = Date.now();
  const server = Date.parse(status.time);
  if (!Number.isNaN(server)) state.clockOffsetMs = server - now;
  const trustedIso = status.trustedTime ?? (status.timeSource === 'trusted' ? status.time : null);
  const trusted = trustedIso ? Date.parse(trustedIso) : NaN;
  state.trustedOffsetMs = Number.isNaN(trusted) ? null : trusted - now;
  // Settings changes show up in the status too (e.g. after initialization by a plugin).
  if (state.settings && (status.siteCode !== undefined || status.mode !== undefined)) {
    state.settings = {
      siteCode: status.siteCode ?? null,
      mode: status.mode ?? state.settings.mode,
    };
  }
}

export async function loadMe(): Promise<SessionUser> {
  const me = await apiGet<SessionUser>('/api/auth/me');
  state.user = { username: me.username, mustChangePassword: !!me.mustChangePassword };
  return state.user;
}

export async function loadSettings(): Promise<Settings> {
  const s = await apiGet<Settings>('/api/settings');
  setSettings(s);
  return s;
}

export async function saveSettings(settings: Settings): Promise<Settings> {
  const saved = await apiPut<Settings | undefined>('/api/settings', settings);
  setSettings(saved && typeof saved === 'object' && 'mode' in saved ? saved : settings);
  return state.settings!;
}

export async function loadStatus(): Promise<ServerStatus> {
  const s = await apiGet<ServerStatus>('/api/status');
  applyStatus(s);
  return s;
}
