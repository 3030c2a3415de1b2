/** The piscina case of the transport suite: a task that returns its input. */
export default function echoTask(payload: Uint8Array): Uint8Array {
  return payload;
}
