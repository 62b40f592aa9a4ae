// One shared EventSource on /api/events?topics=… (cookie auth) for the shell and every
// plugin: it asks only for the topics someone listens to, and reopens when a new one is
// wanted. Reconnects by itself; while disconnected the status bar shows 通讯: 停止.
import type { LiveTopic } from '../../core/events/live-topic';
import { statusTopic } from '../../core/http/status-topic';
import { ApiError, apiGet } from './api';
import { applyStatus, setEventsConnected } from './state';

export type ServerEventHandler<T = unknown> = (data: T) => void;

const handlers = new Map<string, Set<ServerEventHandler>>();
const listening = new Set<string>();
/** The topics the open stream was asked for. */
let streamTopics = new Set<string>();
let reopenQueued = false;
let source: EventSource | null = null;
let wanted = false;
let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
let watchdogTimer: ReturnType<typeof setInterval> | null = null;
let lastEventAt = 0;
let retryDelayMs = 1000;

const EVENTS_URL = '/api/events';
/** The server sends a status at least every second; silence longer than this means trouble. */
const SILENCE_LIMIT_MS = 6000;

function dispatch(type: string, raw: string): void {
  lastEventAt = Date.now();
  setEventsConnected(true);
  let data: unknown = raw;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    // Not JSON: hand the text as is.
  }
  const set = handlers.get(type);
  if (!set) return;
  for (const h of [...set]) {
    try {
      h(data);
    } catch (err) {
      console.error(`处理服务器事件 ${type} 时出错`, err);
    }
  }
}

function listen(type: string): void {
  if (!source || listening.has(type)) return;
  if (!streamTopics.has(type)) {
    reopenSoon();
    return;
  }
  listening.add(type);
  source.addEventListener(type, (ev) => dispatch(type, (ev as MessageEvent<string>).data));
}

function scheduleReconnect(): void {
  if (!wanted || reconnectTimer) return;
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    void probeThenOpen();
  }, retryDelayMs);
  retryDelayMs = Math.min(retryDelayMs * 2, 10000);
}

/** Before reopening, checks the session: a 401 sends the user to login (via api.ts). */
async function probeThenOpen(): Promise<void> {
  try {
    await apiGet('/api/auth/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // logged out: the shell stops the stream
    scheduleReconnect(); // server still unreachable
    return;
  }
  open();
}

/** Several panels subscribing in one tick cause one reopen, not one each. */
function reopenSoon(): void {
  if (reopenQueued) return;
  reopenQueued = true;
  queueMicrotask(() => {
    reopenQueued = false;
    if (wanted && source) open();
  });
}

function closeSource(): void {
  if (source) {
    source.close();
    source = null;
  }
  listening.clear();
}

function open(): void {
  closeSource();
  if (!wanted) return;
  streamTopics = new Set([statusTopic.id, ...handlers.keys()]);
  const es = new EventSource(`${EVENTS_URL}?topics=${[...streamTopics].sort().join(',')}`, { withCredentials: true });
  source = es;
  lastEventAt = Date.now();
  es.onopen = () => {
    retryDelayMs = 1000;
    lastEventAt = Date.now();
    setEventsConnected(true);
  };
  es.onerror = () => {
    setEventsConnected(false);
    // CLOSED: the browser gave up (e.g. HTTP error) — we retry ourselves with backoff.
    if (es.readyState === EventSource.CLOSED) {
      closeSource();
      scheduleReconnect();
    }
  };
  // Unnamed events (no "event:" line) go to handlers of "message".
  es.onmessage = (ev) => dispatch('message', ev.data);
  for (const type of streamTopics) listen(type);
}

/** Starts the shared stream (the shell calls this after login). */
export function startServerEvents(): void {
  if (wanted) return;
  wanted = true;
  retryDelayMs = 1000;
  open();
  watchdogTimer = setInterval(() => {
    if (!wanted) return;
    if (Date.now() - lastEventAt > SILENCE_LIMIT_MS) {
      setEventsConnected(false);
      closeSource();
      scheduleReconnect();
      lastEventAt = Date.now();
    }
  }, 1000);
}

/** Stops the stream (logout). Handlers stay registered for the next session. */
export function stopServerEvents(): void {
  wanted = false;
  if (reconnectTimer) clearTimeout(reconnectTimer);
  reconnectTimer = null;
  if (watchdogTimer) clearInterval(watchdogTimer);
  watchdogTimer = null;
  closeSource();
  setEventsConnected(false);
}

/**
 * Subscribes to server events of one type (the SSE "event:" name); the handler gets the
 * parsed JSON data. Returns the unsubscribe function.
 */
export function onServerEvent<T = unknown>(type: string, handler: ServerEventHandler<T>): () => void {
  let set = handlers.get(type);
  if (!set) {
    set = new Set();
    handlers.set(type, set);
  }
  const h = handler as ServerEventHandler;
  set.add(h);
  listen(type);
  return () => {
    const s = handlers.get(type);
    if (s) s.delete(h);
  };
}

/**
 * Subscribes to a typed live topic: each pushed value is checked against the topic's
 * schema (a value that does not match is logged and dropped). Returns the unsubscribe.
 */
export function onLiveTopic<T>(topic: LiveTopic<T>, handler: (value: T) => void): () => void {
  return onServerEvent(topic.id, (raw) => {
    const parsed = topic.schema.safeParse(raw);
    if (parsed.success) handler(parsed.data);
    else console.error(`实时主题 ${topic.id} 的数据格式不符`, parsed.error.issues);
  });
}

onLiveTopic(statusTopic, applyStatus);
