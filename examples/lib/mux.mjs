// Encoder output straight into a mediabunny packet source, in order: `init` is the encoder's
// { output, error }; `done()`, after the encoder's flush(), waits for the pending writes and
// throws the error the encoder reported, if any.
import { EncodedPacket } from 'mediabunny';

/**
 * @template Meta
 * @param {{ add(packet: EncodedPacket, meta?: Meta): Promise<void> }} source
 */
export function muxInto(source) {
  // `muxed` is the chain of pending writes.
  let muxed = Promise.resolve();
  /** @type {DOMException | null} */
  let failure = null;
  return {
    init: {
      /**
       * @param {Parameters<typeof EncodedPacket.fromEncodedChunk>[0]} chunk
       * @param {Meta} [metadata]
       */
      output: (chunk, metadata) => {
        muxed = muxed.then(() => source.add(EncodedPacket.fromEncodedChunk(chunk), metadata));
      },
      /** @param {DOMException} e */
      error: (e) => { failure = e; },
    },
    async done() {
      await muxed;
      if (failure) throw failure;
    },
  };
}
