/**
 * The dongle's USB HID report protocol (docs/dongle.md). A report is 64 bytes on the wire:
 * `reportId | txn | chunk | 61 data bytes`. A message (request or response) is
 * `code | len (u16 BE) | payload`, cut into as many reports as it needs.
 */
export const HID_REPORT_BYTES = 64;
export const HID_REPORT_ID_REQUEST = 0x01;
export const HID_REPORT_ID_RESPONSE = 0x02;
export const HID_CHUNK_DATA_BYTES = HID_REPORT_BYTES - 3;
export const HID_MAX_PAYLOAD = 4096;
export const HID_PROTOCOL_VERSION = 1;

export const HidCommand = {
  GET_INFO: 0x01,
  GET_PUBKEYS: 0x02,
  READ_CLOCK: 0x03,
  CALIBRATE: 0x04,
  SIGN: 0x05,
  DERIVE: 0x06,
  UNWRAP: 0x07,
} as const;
export type HidCommandCode = (typeof HidCommand)[keyof typeof HidCommand];

export const HidStatus = {
  OK: 0x00,
  BAD_COMMAND: 0x01,
  BAD_PAYLOAD: 0x02,
  CRYPTO_FAILED: 0x04,
  BUSY: 0x05,
  INTERNAL: 0xff,
} as const;

export class HidProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HidProtocolError';
  }
}

export interface HidMessage {
  readonly code: number;
  readonly payload: Buffer;
}

export function encodeReports(reportId: number, txn: number, code: number, payload: Buffer): Buffer[] {
  if (payload.length > HID_MAX_PAYLOAD) throw new HidProtocolError(`payload too large: ${payload.length}`);
  const message = Buffer.alloc(3 + payload.length);
  message[0] = code;
  message.writeUInt16BE(payload.length, 1);
  payload.copy(message, 3);
  const reports: Buffer[] = [];
  for (let offset = 0, chunk = 0; offset < message.length; offset += HID_CHUNK_DATA_BYTES, chunk++) {
    const report = Buffer.alloc(HID_REPORT_BYTES);
    report[0] = reportId;
    report[1] = txn;
    report[2] = chunk;
    message.copy(report, 3, offset, Math.min(message.length, offset + HID_CHUNK_DATA_BYTES));
    reports.push(report);
  }
  return reports;
}

/** Reassembles one message of one transaction; reports of other transactions are stale. */
export class ReportAssembler {
  private readonly parts: Buffer[] = [];
  private expected = -1;

  constructor(
    private readonly reportId: number,
    private readonly txn: number,
  ) {}

  /** The message when complete, 'more' while incomplete, 'ignored' for a stale report. */
  push(report: Buffer): HidMessage | 'more' | 'ignored' {
    if (report.length < 4 || report[0] !== this.reportId || report[1] !== this.txn) return 'ignored';
    if (report[2] !== this.parts.length) {
      throw new HidProtocolError(`chunk ${report[2]} out of order (expected ${this.parts.length})`);
    }
    this.parts.push(report.subarray(3, HID_REPORT_BYTES));
    const data = Buffer.concat(this.parts);
    if (this.expected < 0) {
      const len = data.readUInt16BE(1);
      if (len > HID_MAX_PAYLOAD) throw new HidProtocolError(`declared length ${len} too large`);
      this.expected = 3 + len;
    }
    if (data.length < this.expected) return 'more';
    return { code: data[0] as number, payload: Buffer.from(data.subarray(3, this.expected)) };
  }
}

// Payload layouts (all integers big-endian).

export function encodeInfo(id: string): Buffer {
  const idBytes = Buffer.from(id, 'ascii');
  return Buffer.concat([Buffer.from([HID_PROTOCOL_VERSION, 0, idBytes.length]), idBytes]);
}

export function decodeInfo(p: Buffer): { version: number; id: string } {
  if (p.length < 3 || p.length !== 3 + (p[2] as number)) throw new HidProtocolError('bad GET_INFO response');
  const id = p.subarray(3).toString('ascii');
  if (!/^[A-Za-z0-9-]{1,32}$/.test(id)) throw new HidProtocolError('bad dongle id');
  return { version: p[0] as number, id };
}

export function encodeClock(reading: { timeMs: number; sinceCalibrationMs: number } | null): Buffer {
  const p = Buffer.alloc(17);
  if (reading) {
    p[0] = 1;
    p.writeBigUInt64BE(BigInt(reading.timeMs), 1);
    p.writeBigUInt64BE(BigInt(reading.sinceCalibrationMs), 9);
  }
  return p;
}

export function decodeClock(p: Buffer): { timeMs: number; sinceCalibrationMs: number } | null {
  if (p.length !== 17 || (p[0] !== 0 && p[0] !== 1)) throw new HidProtocolError('bad READ_CLOCK response');
  if (p[0] === 0) return null;
  return { timeMs: Number(p.readBigUInt64BE(1)), sinceCalibrationMs: Number(p.readBigUInt64BE(9)) };
}

export function encodeTime(ms: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeBigUInt64BE(BigInt(ms));
  return p;
}

export function decodeTime(p: Buffer): number {
  if (p.length !== 8) throw new HidProtocolError('bad CALIBRATE payload');
  return Number(p.readBigUInt64BE(0));
}

export interface UnwrapRequest {
  readonly epk: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly aad: Buffer;
  readonly ct: Buffer;
}

export function encodeUnwrap(r: UnwrapRequest): Buffer {
  const aadLen = Buffer.alloc(2);
  aadLen.writeUInt16BE(r.aad.length);
  return Buffer.concat([r.epk, r.iv, r.tag, aadLen, r.aad, r.ct]);
}

export function decodeUnwrap(p: Buffer): UnwrapRequest {
  if (p.length < 62) throw new HidProtocolError('bad UNWRAP payload');
  const aadLen = p.readUInt16BE(60);
  if (p.length <= 62 + aadLen) throw new HidProtocolError('bad UNWRAP payload');
  return {
    epk: p.subarray(0, 32),
    iv: p.subarray(32, 44),
    tag: p.subarray(44, 60),
    aad: p.subarray(62, 62 + aadLen),
    ct: p.subarray(62 + aadLen),
  };
}
