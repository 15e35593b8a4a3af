// Binding a simulator listener: resolves with the port once listening, rejects when the
// address is taken (instead of the 'error' event going unheard).
import type { AddressInfo, Server } from 'node:net';

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
