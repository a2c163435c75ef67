/**
 * Where a SQLite chunk's COPY data is made: in this thread, or in a worker thread with its own read-only handle,
 * so that reading and encoding (the copy's CPU) use every core while this thread only feeds the sockets. A worker
 * makes at most two batches ahead of what the COPY stream has taken: backpressure reaches SQLite, and nothing
 * proportional to a table is held.
 */
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { startWorker, workersCanLoad } from '../core/threads.js';
import { type SqliteChunkOutcome, type SqliteChunkSpec, sqliteChunkText } from './sqlite-rows.js';

/** One chunk's COPY data as a stream, and what the chunk read once the stream has ended. */
export interface ChunkStream {
  stream: Readable;
  outcome: () => SqliteChunkOutcome;
}

export interface ChunkReader {
  open(spec: SqliteChunkSpec, after: unknown[] | null, limit: number): ChunkStream;
  /** Done with the reader (a worker goes back to its pool). */
  release(): void;
}

/** Reads in the calling thread, from its own handle. */
export function threadReader(db: BetterSqlite3.Database): ChunkReader {
  return {
    open(spec, after, limit) {
      const batches = sqliteChunkText(db, spec, after, limit);
      let outcome: SqliteChunkOutcome | null = null;
      const stream = new Readable({
        read() {
          const next = batches.next();
          if (next.done) {
            outcome = next.value;
            this.push(null);
          } else this.push(next.value);
        },
        destroy(error, callback) {
          // The COPY failed: release the SQLite statement.
          batches.return(undefined as never);
          callback(error);
        },
      });
      return { stream, outcome: () => outcome! };
    },
    release() {},
  };
}

/** Every message names its chunk: one a worker was told to close may still have batches on their way. */
type ToWorker =
  | { type: 'open'; id: number; spec: SqliteChunkSpec; after: unknown[] | null; limit: number }
  | { type: 'next'; id: number }
  | { type: 'close'; id: number };

type FromWorker =
  | { type: 'batch'; id: number; data: string | Uint8Array }
  | { type: 'done'; id: number; outcome: SqliteChunkOutcome }
  | { type: 'error'; id: number; message: string }
  | { error: string };

/** Batches a worker may make before the stream has taken them. */
const AHEAD = 2;

/** One worker thread reading chunks, one at a time. */
class WorkerReader implements ChunkReader {
  private onMessage: ((m: FromWorker) => void) | null = null;
  private failure: Error | null = null;
  private chunk = 0;

  constructor(
    private readonly worker: Worker,
    private readonly pool: SqliteReaders,
  ) {
    worker.on('message', (m: FromWorker) => this.onMessage?.(m));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`the copy's SQLite reader stopped with exit code ${code}`));
    });
  }

  private fail(error: Error): void {
    this.failure = error;
    this.onMessage?.({ type: 'error', id: this.chunk, message: error.message });
  }

  open(spec: SqliteChunkSpec, after: unknown[] | null, limit: number): ChunkStream {
    let outcome: SqliteChunkOutcome | null = null;
    const queue: (string | Buffer)[] = [];
    let ended = false;
    let waiting = false;
    const id = ++this.chunk;
    const send = (m: ToWorker) => this.worker.postMessage(m);
    const stream = new Readable({
      read() {
        const next = queue.shift();
        if (next !== undefined) {
          this.push(next);
          if (!ended) send({ type: 'next', id });
        } else if (ended) this.push(null);
        else waiting = true;
      },
      destroy: (error, callback) => {
        this.onMessage = null;
        if (!ended) send({ type: 'close', id });
        callback(error);
      },
    });
    this.onMessage = (m) => {
      if ('error' in m) m = { type: 'error', id, message: m.error };
      if (m.id !== id) return;
      if (m.type === 'batch') {
        const data =
          typeof m.data === 'string' ? m.data : Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length);
        if (waiting) {
          waiting = false;
          stream.push(data);
          send({ type: 'next', id });
        } else queue.push(data);
      } else if (m.type === 'done') {
        outcome = m.outcome;
        ended = true;
        this.onMessage = null;
        if (waiting && queue.length === 0) stream.push(null);
      } else {
        ended = true;
        this.onMessage = null;
        stream.destroy(new Error(m.message));
      }
    };
    if (this.failure) queueMicrotask(() => stream.destroy(this.failure!));
    else send({ type: 'open', id, spec, after, limit });
    return { stream, outcome: () => outcome! };
  }

  release(): void {
    this.pool.put(this);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * Up to `size` worker threads for one SQLite file, started as chunks need them and reused; with one core, or
 * where workers cannot load this module, chunks are read in the calling thread.
 */
export class SqliteReaders {
  private readonly idle: WorkerReader[] = [];
  private readonly all: WorkerReader[] = [];
  private readonly inThread: boolean;

  constructor(
    private readonly path: string,
    private readonly db: BetterSqlite3.Database,
    private readonly size: number,
  ) {
    this.inThread = size < 1 || availableParallelism() < 2 || !workersCanLoad(import.meta.url);
  }

  /** A reader for one chunk at a time (the caller releases it). */
  take(): ChunkReader {
    if (this.inThread) return threadReader(this.db);
    const reader = this.idle.pop();
    if (reader) return reader;
    if (this.all.length >= this.size) return threadReader(this.db);
    const started = new WorkerReader(startWorker(import.meta.url, { path: this.path }), this);
    this.all.push(started);
    return started;
  }

  put(reader: WorkerReader): void {
    this.idle.push(reader);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((r) => r.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}

// In a worker started by SqliteReaders: read the chunks asked for, a batch ahead of what was taken.
if (!isMainThread && workerData?.data?.path && parentPort) {
  const port = parentPort;
  const db = new BetterSqlite3(workerData.data.path as string, { readonly: true, fileMustExist: true });
  let batches: Generator<string | Buffer, SqliteChunkOutcome, void> | null = null;
  let credit = 0;
  let id = 0;
  const pump = () => {
    try {
      while (batches && credit > 0) {
        const next = batches.next();
        if (next.done) {
          batches = null;
          port.postMessage({ type: 'done', id, outcome: next.value } satisfies FromWorker);
          return;
        }
        credit--;
        const data = next.value;
        if (typeof data === 'string') port.postMessage({ type: 'batch', id, data } satisfies FromWorker);
        else port.postMessage({ type: 'batch', id, data } satisfies FromWorker, [data.buffer as ArrayBuffer]);
      }
    } catch (error) {
      batches = null;
      port.postMessage({ type: 'error', id, message: (error as Error).message } satisfies FromWorker);
    }
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'open') {
      batches?.return(undefined as never);
      id = m.id;
      batches = sqliteChunkText(db, m.spec, m.after, m.limit);
      credit = AHEAD;
      pump();
    } else if (m.id !== id) return;
    else if (m.type === 'next') {
      credit++;
      pump();
    } else {
      batches?.return(undefined as never);
      batches = null;
    }
  });
}
