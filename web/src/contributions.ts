// Plugin web contribution contract (R10) and the registry the shell renders from.
//
// In-repo plugins: `plugins/<stage>/web/index.ts` exports `webContribution: WebPluginContribution`;
// the shell finds them at build time.
// Vendor plugins: `/api/plugins/web` lists ES module URLs; each module exports
// `activate(host: ExamSiteHost): WebPluginContribution | Promise<WebPluginContribution>`.
// Built as SFCs, they import vue, element-plus and @examsite/web-host (./host/web-host.ts)
// through the import map (core/http/web-import-map.ts) instead of using `host`.
import * as Vue from 'vue';
import { computed, markRaw, shallowReactive, type Component } from 'vue';
import * as ElementPlus from 'element-plus';
import { ElMessage, ElNotification } from 'element-plus';
import satisfies from 'semver/functions/satisfies';
import { apiVersion as webHostApiVersion } from './host/web-host';
import { api, apiGet, errorMessage, type ApiHelpers } from './api';
import { onServerEvent } from './server-events';
import { formatDateTime } from './time-format';

/** The five steps of 考前: 1 导入考务 2 考场注册 3 考试授权 4 封场检测 5 授权验证. */
export type StepNumber = 1 | 2 | 3 | 4 | 5;
export type Area = 'during' | 'after';

/** A panel shown in 考前 under one step of the five-step bar. */
export interface StepPanel {
  step: StepNumber;
  title: string;
  component: Component;
}

/** A page in 考中 (during) or 考后 (after); several pages in one area become tabs. */
export interface AreaPage {
  area: Area;
  title: string;
  order?: number;
  component: Component;
}

/** A menu entry that opens a dialog component (prop modelValue: boolean, emits update:modelValue). */
export interface MenuAction {
  label: string;
  order?: number;
  component: Component;
}

export interface StatusBarItem {
  component: Component;
}

/**
 * Names a dialog one plugin offers to the panels of others (e.g. the system stage's 系统备份 on
 * the 封场检测 panel, manual §3.4). Declared in the offering plugin's browser-safe api/, so the
 * panel that opens it imports the name, never the offering plugin's web code.
 */
export interface SharedDialogRef {
  readonly id: string;
  /** The button's text, e.g. 系统备份. */
  readonly label: string;
}

/** The dialog component behind a SharedDialogRef (prop modelValue: boolean, emits update:modelValue). */
export interface SharedDialog {
  id: string;
  component: Component;
}

export interface WebPluginContribution {
  pluginId: string;
  stepPanels?: StepPanel[];
  pages?: AreaPage[];
  /** Entries of the 更多 dropdown in the title bar (系统备份, 系统恢复, 系统初始化 …). */
  moreMenu?: MenuAction[];
  /** Actions in the 系统设置 dialog (e.g. 初始化). */
  settingsActions?: MenuAction[];
  statusBarItems?: StatusBarItem[];
  /** Dialogs other plugins' panels open by id (SharedDialogButton). */
  sharedDialogs?: SharedDialog[];
}

/** What a vendor module's activate(host) receives; also set as window.ExamSiteHost. */
export interface ExamSiteHost {
  vue: typeof Vue;
  elementPlus: typeof ElementPlus;
  api: ApiHelpers;
  onServerEvent: typeof onServerEvent;
  /** Formats an instant in China time like the rest of the UI ("2019-11-22 14:01:09"). */
  formatDateTime: typeof formatDateTime;
  /** Version of @examsite/web-host (the import-map module SFC panels import instead of this object). */
  apiVersion: string;
}

export type VendorActivate = (host: ExamSiteHost) => WebPluginContribution | Promise<WebPluginContribution>;

/** One entry of GET /api/plugins/web. */
export interface VendorWebEntry {
  pluginId: string;
  url: string;
  /** Range of @examsite/web-host versions the panel was built for (its examsite-plugin.json). */
  webHostApi?: string;
}

declare global {
  interface Window {
    ExamSiteHost?: ExamSiteHost;
  }
}

export const host: ExamSiteHost = { vue: Vue, elementPlus: ElementPlus, api, onServerEvent, formatDateTime, apiVersion: webHostApiVersion };

const registered = shallowReactive<WebPluginContribution[]>([]);

function rawComponents<T extends { component: Component }>(items: T[] | undefined): T[] | undefined {
  return items?.filter((i) => i && i.component).map((i) => ({ ...i, component: markRaw(i.component as object) as Component }));
}

/** Adds (or replaces, by pluginId) one plugin's contribution. */
export function registerContribution(c: WebPluginContribution): void {
  if (!c || typeof c.pluginId !== 'string') throw new Error('invalid web contribution');
  const clean: WebPluginContribution = {
    pluginId: c.pluginId,
    stepPanels: rawComponents(c.stepPanels),
    pages: rawComponents(c.pages),
    moreMenu: rawComponents(c.moreMenu),
    settingsActions: rawComponents(c.settingsActions),
    statusBarItems: rawComponents(c.statusBarItems),
    sharedDialogs: rawComponents(c.sharedDialogs),
  };
  const i = registered.findIndex((r) => r.pluginId === c.pluginId);
  if (i >= 0) registered.splice(i, 1, clean);
  else registered.push(clean);
}

export const contributions = {
  all: computed(() => [...registered]),
  stepPanels: computed(() => registered.flatMap((c) => c.stepPanels ?? [])),
  pages: computed(() => byOrder(registered.flatMap((c) => c.pages ?? []))),
  moreMenu: computed(() => byOrder(registered.flatMap((c) => c.moreMenu ?? []))),
  settingsActions: computed(() => byOrder(registered.flatMap((c) => c.settingsActions ?? []))),
  statusBarItems: computed(() => registered.flatMap((c) => c.statusBarItems ?? [])),
  sharedDialogs: computed(() => registered.flatMap((c) => c.sharedDialogs ?? [])),
};

/** The contributed dialog named `ref`, or null while no loaded plugin offers it. */
export function sharedDialog(ref: SharedDialogRef): SharedDialog | null {
  return contributions.sharedDialogs.value.find((d) => d.id === ref.id) ?? null;
}

function byOrder<T extends { order?: number }>(items: T[]): T[] {
  return items
    .map((item, idx) => ({ item, idx }))
    .sort((a, b) => (a.item.order ?? 100) - (b.item.order ?? 100) || a.idx - b.idx)
    .map((x) => x.item);
}

export function panelsForStep(step: StepNumber): StepPanel[] {
  return contributions.stepPanels.value.filter((p) => p.step === step);
}

export function pagesForArea(area: Area): AreaPage[] {
  return contributions.pages.value.filter((p) => p.area === area);
}

interface InRepoModule {
  webContribution?: WebPluginContribution;
}

let inRepoDone = false;

/** Registers the in-repo plugins found at build time (plugins/<stage>/web/index.ts). */
export function loadInRepoContributions(): void {
  if (inRepoDone) return;
  inRepoDone = true;
  const modules = import.meta.glob<InRepoModule>('../../plugins/*/web/index.ts', { eager: true });
  for (const [path, mod] of Object.entries(modules)) {
    if (mod.webContribution) registerContribution(mod.webContribution);
    else console.warn(`${path} 没有导出 webContribution`);
  }
}

let vendorPromise: Promise<void> | null = null;

/** Loads vendor plugin panels listed by the server; a failing one only shows a warning. */
export function loadVendorContributions(): Promise<void> {
  if (!vendorPromise) vendorPromise = doLoadVendors();
  return vendorPromise;
}

async function doLoadVendors(): Promise<void> {
  window.ExamSiteHost = host;
  let entries: VendorWebEntry[];
  try {
    entries = await apiGet<VendorWebEntry[]>('/api/plugins/web');
  } catch (err) {
    vendorPromise = null; // try again on next login
    ElMessage.warning({ message: `无法获取扩展插件列表：${errorMessage(err)}`, grouping: true });
    return;
  }
  if (!Array.isArray(entries)) return;
  await Promise.all(entries.map(loadVendor));
  void showDisabledVendors();
}

/** Vendor plugins the server could not load stay visible as a warning (they run disabled). */
async function showDisabledVendors(): Promise<void> {
  const disabled = await apiGet<{ pluginId: string; reason: string }[]>('/api/plugins/disabled').catch(() => []);
  for (const d of disabled) {
    ElNotification.warning({ title: `扩展插件“${d.pluginId}”已停用`, message: d.reason, duration: 0, customClass: 'vendor-disabled-notice' });
  }
}

async function loadVendor(entry: VendorWebEntry): Promise<void> {
  try {
    if (entry.webHostApi && !satisfies(webHostApiVersion, entry.webHostApi)) {
      throw new Error(`界面需要 @examsite/web-host ${entry.webHostApi}，本系统为 ${webHostApiVersion}`);
    }
    const mod = (await import(/* @vite-ignore */ entry.url)) as { activate?: VendorActivate };
    if (typeof mod.activate !== 'function') throw new Error('no activate');
    const c = await mod.activate(host);
    registerContribution({ ...c, pluginId: c?.pluginId || entry.pluginId });
  } catch (err) {
    console.error(`扩展插件 ${entry.pluginId} 加载失败`, err);
    ElMessage.warning({
      message: `扩展插件“${entry.pluginId}”的界面加载失败，其余功能不受影响。`,
      duration: 6000,
      showClose: true,
    });
  }
}
