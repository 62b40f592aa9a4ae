import net from 'node:net';

export type PortProbe = { free: true } | { free: false; code: string };

/** Binds the port for a moment and closes it at once: never holds it. */
export function probePort(host: string, port: number): Promise<PortProbe> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve({ free: false, code: e.code ?? 'UNKNOWN' }));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve({ free: true })));
  });
}

/** The Chinese advice for a port that could not be bound. */
export function portAdvice(port: number, code: string, setting: string): string {
  if (code === 'EACCES') return `没有权限使用端口 ${port}：请用 1024 以上的端口（改配置 ${setting}），或以有权限的账户运行`;
  if (code === 'EADDRNOTAVAIL') return `本机没有该监听地址：请检查配置 host（当前地址不属于本机网卡）`;
  return (
    `端口 ${port} 已被其他程序占用：请关闭占用它的程序（Linux：ss -ltnp 'sport = :${port}'；Windows：netstat -ano | findstr :${port}），` +
    `或在配置文件中把 ${setting} 改为空闲端口`
  );
}
