// Prisma's schema engine compiled to WebAssembly, used offline to compute migration SQL
// (`npm run db:migration:new`) and to check that the checked-in migrations match the data model.
// Its package entry imports a .wasm file as a module, which Node refuses, so it is instantiated by hand.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DatabaseProvider } from '../../config.js';

const require = createRequire(import.meta.url);

interface SchemaEngine {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}

type EngineClass = { new: (options: unknown, log: (line: string) => void, adapter: object) => Promise<SchemaEngine> };
let engineClass: Promise<EngineClass> | undefined;
let lastPanic = '';

function loadEngineClass(): Promise<EngineClass> {
  engineClass ??= instantiate();
  return engineClass;
}

async function instantiate(): Promise<EngineClass> {
  // The engine reports a Rust panic through this global before throwing.
  (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY = { set_message: (message: string) => (lastPanic = message) };
  const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bg = (await import(pathToFileURL(bgPath).href)) as Record<string, unknown> & {
    __wbg_set_wasm(exports: unknown): void;
    SchemaEngine: { new: (options: unknown, log: (line: string) => void, adapter: object) => Promise<SchemaEngine> };
  };
  const bytes = await readFile(join(dirname(bgPath), 'schema_engine_bg.wasm'));
  // Node has WebAssembly; this project's TypeScript lib (no DOM) does not declare it.
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }> } }).WebAssembly;
  const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bg.SchemaEngine;
}

/** SQL that takes a database from datamodel `from` (or from nothing) to datamodel `to`. */
function pgFactory(url: string): PrismaPg {
  const u = new URL(url);
  return new PrismaPg({
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    password: decodeURIComponent(u.password) || undefined,
    database: u.pathname.slice(1) || 'postgres',
  });
}

export async function diffDatamodels(provider: DatabaseProvider, from: string | null, to: string, postgresUrl = 'postgresql://postgres@127.0.0.1:5432/postgres'): Promise<string> {
  const Engine = await loadEngineClass();
  // The engine wants an adapter for its provider. On PostgreSQL it connects once to read the server
  // version; nothing is written. Host, port, user and database are passed separately because
  // adapter-pg with a connection string points its shadow database at the main one.
  const factory = provider === 'sqlite' ? new PrismaBetterSqlite3({ url: ':memory:' }) : pgFactory(postgresUrl);
  const engine = await Engine.new({ datamodels: [['schema.prisma', to]] }, () => {}, bindMigrationAwareSqlAdapterFactory(factory));
  try {
    const target = (content: string) => ({ tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content }] });
    const result = await engine.diff({
      from: from === null ? { tag: 'empty' } : target(from),
      to: target(to),
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? '';
  } catch (error) {
    throw new Error(`schema engine failed: ${lastPanic || (error as Error).message}`);
  } finally {
    engine.free();
  }
}
