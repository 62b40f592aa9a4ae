import { TestClient } from './http-client';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server';

export interface ServerPerTest {
  /** The server of the running test. */
  readonly server: TestServer;
  /** A client on it, not logged in. */
  readonly client: TestClient;
}

/**
 * Mocha hooks for suites whose tests each need a first-start product (default password,
 * no settings): a fresh server and client before each test, stopped after it. Call inside
 * `describe`; read `.server` / `.client` inside the tests.
 */
export function serverPerTest(options: TestServerOptions = {}): ServerPerTest {
  let current: { server: TestServer; client: TestClient } | null = null;
  beforeEach(async () => {
    const server = await startTestServer(options);
    current = { server, client: new TestClient(server.url) };
  });
  afterEach(async () => {
    await current?.server.stop();
    current = null;
  });
  const running = (): { server: TestServer; client: TestClient } => {
    if (!current) throw new Error('serverPerTest: no server outside a test');
    return current;
  };
  return {
    get server() {
      return running().server;
    },
    get client() {
      return running().client;
    },
  };
}
