// A real mosquitto with persistence for the crash tests (tests/alerts-persist, tests/dashboard-persist):
// started on a fixed port and persistence dir so that a `kill -9` and a restart keep the sessions the
// broker saved (autosave every second), as a site's broker configured with persistence would.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { waitFor } from './wait.ts';
import path from 'node:path';
import { findMosquitto, waitForPort } from '@dendra/ops/mqtt/broker.ts';

/** The mosquitto binary, or undefined when it is not installed. */
export const mosquittoBin = findMosquitto();

/**
 * Starts mosquitto on 127.0.0.1:`port` with persistence in `dir` and records the child in `children`
 * (the caller kills them after its tests).
 * @throws AssertionError when mosquitto is not installed or does not listen within 20 s.
 */
export async function startPersistentMosquitto(dir: string, port: number, children: ChildProcess[]): Promise<ChildProcess> {
  assert.ok(mosquittoBin, 'mosquitto installed');
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`,
    'persistence_file mosquitto.db', 'autosave_interval 1', 'log_dest none', ...(process.getuid?.() === 0 ? ['user root'] : [])].join('\n') + '\n');
  const child = spawn(mosquittoBin, ['-c', conf], { stdio: 'ignore' });
  children.push(child);
  assert.ok(await waitForPort('127.0.0.1', port, 20_000), 'mosquitto listens');
  return child;
}

/**
 * Resolves once the mosquitto started with persistence in `dir` has saved its database after this
 * call (autosave: every second): what the broker holds now is on disk, whatever the machine's load.
 * @throws WaitTimeout (E_WAIT_TIMEOUT) when no save happens within 20 s.
 */
export async function savedToDisk(dir: string): Promise<void> {
  const db = path.join(dir, 'mosquitto.db');
  const since = Date.now();
  const mtime = () => { try { return statSync(db).mtimeMs; } catch { return 0; } };
  await waitFor(() => mtime() > since, `mosquitto to save its sessions to ${db}`, 20_000, { intervalMs: 50 });
}
