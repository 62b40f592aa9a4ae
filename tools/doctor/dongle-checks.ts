import fs from 'node:fs';
import path from 'node:path';
import type { ExamSiteConfig } from '../../core/config/config';
import { HidDongle, type HidDeviceInfo, type HidTransport } from '../../core/dongle';
import { SOFT_DONGLE_FILE } from '../../core/dongle/soft-dongle';
import { fail, pass, warn, type CheckResult, type DoctorCheck } from './doctor-check';
import { readLastCalibration } from './calibration-reader';
import { formatChinaTime } from '../../core/time/china-time';

export interface DongleDoctorDeps {
  /** require('node-hid') in production; tests pass a failing or working loader. */
  readonly loadHid: () => unknown;
  readonly transport: HidTransport;
  readonly platform: NodeJS.Platform;
  /** Folders searched for libusb-1.0 and for udev rules. */
  readonly libDirs: readonly string[];
  readonly udevRuleDirs: readonly string[];
  readonly now: () => number;
}

/** PC clock off the trusted clock by more than this is worth a technician's attention. */
export const DRIFT_WARN_MS = 60_000;

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** The exact rule that gives the logged-in user the dongle's hidraw node. */
export function udevRule(cfg: ExamSiteConfig): string {
  return `SUBSYSTEM=="hidraw", ATTRS{idVendor}=="${hex4(cfg.dongleVendorId)}", ATTRS{idProduct}=="${hex4(cfg.dongleProductId)}", MODE="0660", TAG+="uaccess"`;
}

const udevAdvice = (cfg: ExamSiteConfig): string =>
  `请以 root 把下面一行写入 /etc/udev/rules.d/70-examsite-dongle.rules，然后执行 sudo udevadm control --reload-rules && sudo udevadm trigger，再重新插拔机考锁：\n      ${udevRule(cfg)}`;

/** Found devices, shared by the checks of one run (one USB scan). */
class DeviceScan {
  private scan: Promise<HidDeviceInfo[] | Error> | null = null;
  constructor(private readonly transport: HidTransport) {}
  devices(cfg: ExamSiteConfig): Promise<HidDeviceInfo[] | Error> {
    this.scan ??= this.transport.list(cfg.dongleVendorId, cfg.dongleProductId).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    return this.scan;
  }
}

export function dongleChecks(deps: DongleDoctorDeps): DoctorCheck[] {
  const scan = new DeviceScan(deps.transport);
  const checks: DoctorCheck[] = [
    { title: '机考锁驱动', run: (cfg) => driverCheck(cfg, deps) },
    { title: '机考锁设备', run: (cfg) => deviceCheck(cfg, scan) },
  ];
  if (deps.platform === 'linux') checks.push({ title: '机考锁访问权限（hidraw / udev）', run: (cfg) => permissionCheck(cfg, scan, deps) });
  checks.push(
    { title: '机考锁校时', run: (cfg) => calibrationCheck(cfg, scan, deps) },
    { title: '电脑时钟偏差（对机考锁可信时钟）', run: (cfg) => driftCheck(cfg, scan, deps) },
  );
  return checks;
}

async function driverCheck(cfg: ExamSiteConfig, deps: DongleDoctorDeps): Promise<CheckResult> {
  try {
    deps.loadHid();
  } catch (e) {
    const detail = `USB 驱动 node-hid 无法加载：${(e as Error).message}`;
    const advice = '请在本机重新执行 npm install（需要本机的编译工具），Linux 另需安装 libudev / libusb（apt install libudev1 libusb-1.0-0）';
    return cfg.dongle === 'soft' ? warn(`${detail}（当前配置只用模拟机考锁）`, advice) : fail(detail, advice);
  }
  if (deps.platform !== 'linux') return pass('USB 驱动 node-hid 已加载');
  const libusb = deps.libDirs.some((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith('libusb-1.0.so')));
  if (libusb) return pass('USB 驱动 node-hid 已加载，系统已安装 libusb-1.0');
  return warn('USB 驱动 node-hid 已加载（hidraw），但未找到 libusb-1.0', '如机考锁厂商驱动需要 libusb，请安装：sudo apt install libusb-1.0-0');
}

async function deviceCheck(cfg: ExamSiteConfig, scan: DeviceScan): Promise<CheckResult> {
  const ids = `VID 0x${hex4(cfg.dongleVendorId)} / PID 0x${hex4(cfg.dongleProductId)}`;
  const soft = softDongleResult(cfg);
  if (cfg.dongle === 'soft') return soft;
  const found = await scan.devices(cfg);
  if (found instanceof Error) {
    const detail = `无法列出 USB 设备：${found.message}`;
    return cfg.dongle === 'hid' ? fail(detail, '请先解决「机考锁驱动」一项') : warn(`${detail}；将使用模拟机考锁`, '正式考试前请解决「机考锁驱动」一项并插入机考锁');
  }
  if (found.length === 0) {
    if (cfg.dongle === 'hid') return fail(`未检测到机考锁（${ids}）`, '请插入机考锁；若已插入，检查配置 dongleVendorId / dongleProductId 与访问权限');
    return warn(`未检测到机考锁（${ids}），启动后将使用模拟机考锁：仅用于开发和模拟考试，不能用于正式考试`, '正式考试前请插入机考锁');
  }
  const names = found.map((d) => `${d.product ?? '机考锁'}${d.serialNumber ? ` ${d.serialNumber}` : ''}（${d.path}）`).join('、');
  if (found.length > 1) return warn(`检测到 ${found.length} 个机考锁：${names}`, '只保留一个机考锁插在本机上');
  return pass(`检测到机考锁 ${names}`);
}

function softDongleResult(cfg: ExamSiteConfig): CheckResult {
  const file = path.join(cfg.dataDir, SOFT_DONGLE_FILE);
  const keys = fs.existsSync(file) ? `，密钥文件 ${file}` : '，首次启动时生成密钥文件';
  const lab = cfg.labAllowSoftDongleFormal ? '；注意：已开启实验室开关 labAllowSoftDongleFormal，考点不得开启' : '';
  return warn(
    `配置为模拟机考锁（dongle=soft${keys}）：仅用于开发和模拟考试，不能用于正式考试${lab}`,
    '正式考试前请把配置 dongle 改为 auto 或 hid 并插入机考锁',
  );
}

async function permissionCheck(cfg: ExamSiteConfig, scan: DeviceScan, deps: DongleDoctorDeps): Promise<CheckResult> {
  if (cfg.dongle === 'soft') return pass('模拟机考锁不需要 USB 权限');
  const found = await scan.devices(cfg);
  const devices = found instanceof Error ? [] : found.filter((d) => d.path.startsWith('/dev/'));
  const denied = devices.filter((d) => !accessible(d.path));
  if (denied.length > 0) return fail(`无权读写机考锁设备 ${denied.map((d) => d.path).join('、')}`, udevAdvice(cfg));
  if (devices.length > 0) return pass(`可读写机考锁设备 ${devices.map((d) => d.path).join('、')}`);
  const vid = hex4(cfg.dongleVendorId);
  const ruled = deps.udevRuleDirs.some(
    (dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.rules') && fs.readFileSync(path.join(dir, f), 'utf8').includes(`"${vid}"`)),
  );
  if (ruled) return pass(`已有机考锁（VID ${vid}）的 udev 规则`);
  return warn(`未找到机考锁（VID ${vid}）的 udev 规则，插入后普通账户可能无权访问`, udevAdvice(cfg));
}

function accessible(devicePath: string): boolean {
  try {
    fs.accessSync(devicePath, fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The plugged-in HID dongle's clock, read and closed again. */
async function readHidClock(cfg: ExamSiteConfig, scan: DeviceScan, deps: DongleDoctorDeps): Promise<{ timeMs: number; sinceCalibrationMs: number } | null | 'absent'> {
  if (cfg.dongle === 'soft') return 'absent';
  const found = await scan.devices(cfg);
  if (found instanceof Error || found.length === 0) return 'absent';
  const dongle = await HidDongle.open(deps.transport, found[0]);
  try {
    return await dongle.readClock();
  } finally {
    await dongle.close();
  }
}

const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} 小时`;

async function calibrationCheck(cfg: ExamSiteConfig, scan: DeviceScan, deps: DongleDoctorDeps): Promise<CheckResult> {
  const staleMs = cfg.calibrationStaleHours * 3_600_000;
  const advice = '请在「机考锁校时」中在线校时（或导入校时文件）';
  let reading: Awaited<ReturnType<typeof readHidClock>>;
  try {
    reading = await readHidClock(cfg, scan, deps);
  } catch (e) {
    return fail(`读取机考锁时钟失败：${(e as Error).message}`, '请重新插拔机考锁后再试');
  }
  if (reading === null) return fail('机考锁时钟尚未校时', advice);
  if (reading !== 'absent') {
    const age = `距上次校时 ${hours(reading.sinceCalibrationMs)}（按机考锁时钟）`;
    return reading.sinceCalibrationMs > staleMs ? warn(`${age}，超过 ${cfg.calibrationStaleHours} 小时`, advice) : pass(age);
  }
  const last = readLastCalibration(cfg);
  if (last.kind === 'unreadable') return warn(last.reason, '启动考点后在「机考锁校时」页查看校时状态');
  if (last.kind === 'none') return warn('没有校时记录', `${advice}；模拟机考锁的时钟在每次启动后都需要重新校时`);
  const ageMs = deps.now() - Date.parse(last.record.tokenTime);
  const age = `上次校时 ${formatChinaTime(last.record.tokenTime)}（机考锁 ${last.record.dongleId}，按电脑时钟距今 ${hours(ageMs)}）`;
  if (ageMs > staleMs) return warn(`${age}，超过 ${cfg.calibrationStaleHours} 小时`, advice);
  return pass(`${age}；模拟机考锁的时钟在每次启动后仍需重新校时`);
}

async function driftCheck(cfg: ExamSiteConfig, scan: DeviceScan, deps: DongleDoctorDeps): Promise<CheckResult> {
  let reading: Awaited<ReturnType<typeof readHidClock>>;
  try {
    reading = await readHidClock(cfg, scan, deps);
  } catch (e) {
    return fail(`读取机考锁时钟失败：${(e as Error).message}`, '请重新插拔机考锁后再试');
  }
  if (reading === 'absent') return warn('没有可读取时钟的机考锁（模拟机考锁的时钟只在考点运行中存在）', '插入机考锁后重新检查；下方「监控平台」一项给出电脑时钟与平台时间的偏差');
  if (reading === null) return warn('机考锁时钟尚未校时，无法比较', '请先完成机考锁校时');
  const driftMs = deps.now() - reading.timeMs;
  const text = `电脑时钟比机考锁可信时钟${driftMs >= 0 ? '快' : '慢'} ${(Math.abs(driftMs) / 1000).toFixed(1)} 秒`;
  if (Math.abs(driftMs) > DRIFT_WARN_MS) return warn(text, '请校准电脑时间（开启 NTP 或手动调整）；考试计时以机考锁时钟为准');
  return pass(text);
}
