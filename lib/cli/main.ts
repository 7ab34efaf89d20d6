#!/usr/bin/env node
import { runCli } from './run.js';

// A closed pipe (`… | head`) is a normal way for a reader to stop listening, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdinFd: 0,
  stdout: process.stdout,
  stderr: process.stderr,
});
