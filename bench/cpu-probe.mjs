// Preloaded (node --import) into every runner of bench/cli.ts: at exit, writes this process's own
// CPU time (process.resourceUsage: user and system microseconds since it started) to $DENDRA_CPU_OUT.
import { writeFileSync } from 'node:fs';

const out = process.env.DENDRA_CPU_OUT;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ userUs: u.userCPUTime, systemUs: u.systemCPUTime }));
  });
}
