// Loaded into every server the bench starts (`node --import ./test/bench/alloc-probe.ts ...`), keygraph and
// the peers alike. It answers two IPC messages from the bench:
//   { probe: 'start' }  starts a v8.GCProfiler and records the used heap size;
//   { probe: 'stop' }   stops it and replies { probe: 'bytes', bytes } with the bytes allocated on the V8 heap
//                       in between: (used at stop - used at start) + what every garbage collection freed
//                       (before - after, from the profiler's per-GC heap statistics).
// This counts JavaScript heap allocations (young and old generation), not Buffer/external memory. The bench
// divides it by the number of requests it sent while the probe ran. Nothing here changes how the server runs.
//   { probe: 'cpu-start' }  starts the V8 CPU profiler (node:inspector) and replies { probe: 'cpu-started' };
//   { probe: 'cpu-stop', file } stops it, writes the profile (.cpuprofile, for Chrome DevTools or speedscope)
//                       to `file` and replies { probe: 'cpu-written' } (the bench's BENCH_PROFILE); an allocation
//                       sampling profile of the same span (collected objects included) goes next to it as
//                       <target>.heapprofile (Chrome DevTools' Memory tab, speedscope), unless
//                       BENCH_PROFILE_HEAP=0 (the sampling slows allocation, which skews the CPU profile).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { GCProfiler, getHeapStatistics } from 'node:v8';

interface GcStat {
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

if (process.send) {
  const heapSampling = process.env.BENCH_PROFILE_HEAP !== '0';
  let profiler: GCProfiler | undefined;
  let usedAtStart = 0;
  let session: Session | undefined;
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session!.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  const postWith = (method: string, params: object) =>
    new Promise<unknown>((resolve, reject) => session!.post(method as never, params as never, (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result))));
  process.on('message', async (message: { probe?: string; file?: string }) => {
    if (message?.probe === 'cpu-start') {
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.start');
      // Allocation sampling alongside, counting objects that were already collected too (what was allocated).
      // It slows every allocation, which shows in the CPU profile: BENCH_PROFILE_HEAP=0 leaves it off.
      if (heapSampling) {
        await post('HeapProfiler.enable');
        await postWith('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      }
      process.send!({ probe: 'cpu-started' });
    } else if (message?.probe === 'cpu-stop' && session) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      if (heapSampling) {
        const { profile: heap } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
        writeFileSync(message.file!.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(heap));
      }
      session.disconnect();
      session = undefined;
      writeFileSync(message.file!, JSON.stringify(profile));
      process.send!({ probe: 'cpu-written' });
    } else if (message?.probe === 'start') {
      profiler = new GCProfiler();
      usedAtStart = getHeapStatistics().used_heap_size;
      profiler.start();
    } else if (message?.probe === 'stop' && profiler) {
      const usedAtStop = getHeapStatistics().used_heap_size;
      const result = profiler.stop() as unknown as { statistics: GcStat[] } | undefined;
      profiler = undefined;
      let freed = 0;
      for (const gc of result?.statistics ?? []) freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
      process.send!({ probe: 'bytes', bytes: usedAtStop - usedAtStart + freed, gcs: result?.statistics.length ?? 0 });
    }
  });
  process.channel?.unref();
}
