/**
 * Worker-thread entry of every actor. Two ways in:
 *
 * - cold: the supervisor starts a Worker on this file with the actor's assignment (spec,
 *   shared memory, control and log ports) in workerData, and the thread becomes that actor.
 * - standby: the Worker gets only an actor kind and module. It loads this host's module
 *   graph (pino, comlink, the codec) and the actor's module (zod, ccxt, …), reports
 *   `standby-ready` and waits. It holds no ring, status block or trading gate, so it cannot
 *   act on anything; when the supervisor posts `assign`, it acknowledges and becomes the
 *   actor exactly as a cold start would (init runs only then).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { actorModuleUrl, runActor, warmUpLogger } from './actor-runner.js';
import type { HostBoot, StandbyAssign, StandbyToSupervisor } from './actor-protocol.js';

const boot = workerData as HostBoot | undefined;
if (!parentPort || !boot?.mode) throw new Error('actor-host.js must be started as a worker by the supervisor');
const port = parentPort;

if (boot.mode === 'cold') {
  runActor(boot.assignment);
} else {
  const url = actorModuleUrl(boot.kind, boot.moduleUrl);
  // A module that cannot load leaves the failure to the assigned start (it imports again
  // and rejects with the same error, as a cold start would); an idle standby just dies.
  const preload = import(url).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  let assigned = false;
  port.once('message', (message: StandbyAssign) => {
    assigned = true;
    port.postMessage({ type: 'assigned' } satisfies StandbyToSupervisor);
    void preload.then(() => runActor(message.assignment));
  });
  void preload.then((failure) => {
    if (failure !== undefined) {
      if (!assigned) throw failure;
      return;
    }
    if (assigned) return;
    warmUpLogger();
    port.postMessage({ type: 'standby-ready', heapUsedBytes: process.memoryUsage().heapUsed } satisfies StandbyToSupervisor);
  });
}
