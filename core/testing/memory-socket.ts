import { Duplex } from 'node:stream';

/**
 * One end of an in-memory socket pair: what one end writes, the other reads. Node's HTTP
 * server and client run on it unchanged (real parser, streaming bodies, server-sent
 * events), so a test drives `app.callback()` without any port. The socket methods the
 * HTTP stack and our handlers call (timeouts, keep-alive, addresses) are accepted and do
 * nothing: there is no network under them.
 */
export class MemorySocket extends Duplex {
  readonly remotePort = 0;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 0;
  private peer: MemorySocket | null = null;

  /** `remoteAddress`: who the other end seems to be (a proctor PC of the LAN, say). */
  constructor(readonly remoteAddress = '127.0.0.1') {
    super();
  }

  /** Two connected ends: [client, server]; the server end sees the client as `clientAddress`. */
  static pair(clientAddress = '127.0.0.1'): [MemorySocket, MemorySocket] {
    const a = new MemorySocket();
    const b = new MemorySocket(clientAddress);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.peer?.push(chunk);
    done();
  }

  override _read(): void {
    // Data arrives when the peer writes; nothing to pull.
  }

  override _final(done: (error?: Error | null) => void): void {
    this.peer?.push(null);
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = null;
    // The other end sees the connection go away, as with a real socket.
    if (peer && !peer.destroyed) peer.destroy();
    done(error);
  }

  setTimeout(_ms: number, _onTimeout?: () => void): this {
    return this;
  }

  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  setKeepAlive(_enable?: boolean, _delayMs?: number): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}
