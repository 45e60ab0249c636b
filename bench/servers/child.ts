// The child side of bench/lib/server.ts: a server process started with `fork`, talking to the
// benchmark over the IPC channel.
//   child -> parent  { type: 'ready', url, headers }   once listening
//   parent -> child  { type: 'cpu' }                   -> { type: 'cpu', usage: process.cpuUsage() }
//   parent -> child  { type: 'memory', gc }            -> { type: 'memory', usage: process.memoryUsage(), gc }
//                                                         (gc: run a full GC first; needs --expose-gc,
//                                                         see the exposeGc option of startServerProcess;
//                                                         the reply's gc says whether one ran)
//   parent -> child  { type: 'stop' }                  -> stops the server, then the process exits
export interface Started {
  url: string;
  /** Headers every benchmark request must carry (e.g. authorization). */
  headers?: Record<string, string>;
  stop(): Promise<void>;
}

export type ToChild = { type: 'cpu' } | { type: 'memory'; gc: boolean } | { type: 'stop' };
export type FromChild =
  | { type: 'ready'; url: string; headers: Record<string, string> }
  | { type: 'cpu'; usage: NodeJS.CpuUsage }
  | { type: 'memory'; usage: NodeJS.MemoryUsage; gc: boolean };

/** Full GCs until the heap stops shrinking (one pass can leave garbage that a finalizer freed). */
async function collect(): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  let previous = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const used = process.memoryUsage().heapUsed;
    if (used >= previous * 0.99) break;
    previous = used;
  }
  return true;
}

export async function serveBenchTarget(start: () => Promise<Started>): Promise<void> {
  if (!process.send) throw new Error('run through bench/run.ts (needs an IPC channel)');
  const send = (message: FromChild) => process.send!(message);
  const started = await start();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await started.stop();
    process.disconnect();
    // Everything is closed: the process should exit by itself. Say so if something lingers.
    setTimeout(() => {
      console.error(`bench server ${process.argv[1]}: still alive 5 s after stop, exiting`);
      process.exit(1);
    }, 5000).unref();
  };
  process.on('message', (message: ToChild) => {
    if (message.type === 'cpu') send({ type: 'cpu', usage: process.cpuUsage() });
    else if (message.type === 'memory') {
      void (message.gc ? collect() : Promise.resolve(false)).then((gc) => send({ type: 'memory', usage: process.memoryUsage(), gc }));
    } else if (message.type === 'stop') void stop();
  });
  // The parent died without asking us to stop.
  process.on('disconnect', () => void stop());
  send({ type: 'ready', url: started.url, headers: started.headers ?? {} });
}
