import type { TestProject } from 'vitest/node';
import { findPostgresBinDir, startPostgres, type PostgresServer } from './postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the Postgres server the storage tests use, or '' when none is available. */
    postgresAdminUrl: string;
  }
}

let server: PostgresServer | undefined;

export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('postgresAdminUrl', process.env.DATABASE_URL);
    return;
  }
  const binDir = findPostgresBinDir();
  if (!binDir) {
    const message = 'No Postgres server binaries found (looked in /usr/lib/postgresql/*/bin and $PG_BIN_DIR). Install them with `apt-get install postgresql` or set DATABASE_URL.';
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`\n[tests] ${message} Postgres storage tests will FAIL.\n`);
    project.provide('postgresAdminUrl', '');
    return;
  }
  server = await startPostgres(binDir);
  project.provide('postgresAdminUrl', server.url);
  return async () => {
    await server?.stop();
  };
}
