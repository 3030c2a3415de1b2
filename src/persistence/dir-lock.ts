import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DirLock {
  readonly path: string;
  release(): void;
}

/**
 * An exclusive, pid-stamped lock file. PGlite does not lock its data folder, and two PGlite instances
 * on one folder corrupt it, so the embedded database takes this first. A lock left by a dead process
 * is taken over; one held by a live process (including this one) is refused with its pid.
 */
export function acquireDirLock(path: string): DirLock {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        path,
        release(): void {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`lock ${path}: ${(error as Error).message}`, { cause: error });
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new Error(`lock ${path} is held by running process ${holder}${holder === process.pid ? ' (this process)' : ''}`, { cause: error });
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`lock ${path}: another process took it while a stale lock was being removed`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
