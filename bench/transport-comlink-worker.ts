/** The comlink case of the transport suite: a worker whose one method returns its argument. */
import * as Comlink from 'comlink';
import { workerData, type MessagePort } from 'node:worker_threads';

export interface EchoApi {
  echo(payload: Uint8Array): Uint8Array;
}

const api: EchoApi = { echo: (payload) => payload };
// Node's MessagePort is an EventTarget, which is all comlink needs of an endpoint.
Comlink.expose(api, (workerData as { port: MessagePort }).port);
