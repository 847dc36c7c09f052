/** Starts LLMTrace exactly as a user does (`npm start`'s command, `scripts/start.mjs`: build if needed, migrate, create the owner, serve). */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../support/ports';

export interface AppServer {
  baseUrl: string;
  /** The process id of the group's leader (the `npx` wrapper); the group's id as well. */
  pid: number;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM (a graceful stop), then SIGKILL after `graceMs`. Resolves when the process group is gone. */
  stop(graceMs?: number): Promise<void>;
}

export async function startAppServer(
  env: Record<string, string>,
  { port, timeoutMs = 600_000, viaNpm = false }: { port?: number; timeoutMs?: number; viaNpm?: boolean } = {},
): Promise<AppServer> {
  const listenPort = port ?? (await freePort());
  // `viaNpm`: through `npm start` itself, npm's own process included (the footprint bench counts it).
  const [command, args] = viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['scripts/start.mjs']];
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, PORT: String(listenPort), HOST: '127.0.0.1', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (process.env.DEBUG_SERVER) process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const baseUrl = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) {
        return {
          baseUrl,
          pid: child.pid!,
          output: () => output,
          async stop(graceMs = 15_000) {
            killGroup('SIGTERM');
            await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
            killGroup('SIGKILL');
            // The group may outlive the npx wrapper for a moment.
            for (let i = 0; i < 50; i++) {
              try {
                process.kill(-child.pid!, 0);
              } catch {
                return;
              }
              await new Promise((r) => setTimeout(r, 100));
            }
          },
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  killGroup('SIGKILL');
  throw new Error(`The LLMTrace server did not become healthy.\n${output.slice(-5000)}`);
}
