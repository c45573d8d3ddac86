#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript CLI runs as is, then starts it.
import { register } from 'tsx/esm/api';

register();
await import('@dendra/cli/cli/main.ts');
