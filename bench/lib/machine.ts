/** Facts about the machine a run happened on: printed next to every table so numbers are comparable. */
import os from 'node:os';
import { execFileSync } from 'node:child_process';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memGiB: number;
  os: string;
  node: string;
  chromium?: string;
  /** 1-minute load average at the time of reading: other work on a shared machine skews timings. */
  load1: number;
}

export function machineInfo(): MachineInfo {
  let chromium: string | undefined;
  try {
    chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    chromium = undefined;
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    chromium,
    load1: os.loadavg()[0]!,
  };
}
