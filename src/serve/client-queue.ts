import type { WebSocket } from "ws";

export interface ClientQueueOptions {
  /** Frames waiting in our queue beyond this count drop the oldest (slow clients see fewer frames). */
  maxQueuedFrames: number;
  /** Do not hand more to the socket while this many bytes are still unsent (ws.bufferedAmount). */
  highWaterBytes: number;
  /** Messages (JSON and scenes) are never dropped; a client with more than this many pending is disconnected. */
  maxPendingMessages: number;
  /** ... or with more than this many bytes of pending messages (scene messages carry terrain heights). */
  maxPendingJsonBytes?: number;
}

export const DEFAULT_QUEUE: ClientQueueOptions = { maxQueuedFrames: 8, highWaterBytes: 64 * 1024, maxPendingMessages: 256, maxPendingJsonBytes: 4 * 1024 * 1024 };

export interface ClientStats {
  id: number;
  sentFrames: number;
  droppedFrames: number;
  sentBytes: number;
  queuedFrames: number;
  queuedBytes: number;
  bufferedAmount: number;
}

/**
 * Per-client bounded outgoing queue. Memory per client is at most
 * highWaterBytes + one message + maxQueuedFrames frames + maxPendingJsonBytes of messages (messages that
 * are shared between clients, like a scene, are held by reference and counted for each).
 */
export class ClientQueue {
  private readonly frames: Uint8Array[] = [];
  private readonly messages: (string | Uint8Array)[] = [];
  private queuedBytes = 0;
  private jsonBytes = 0;
  sentFrames = 0;
  droppedFrames = 0;
  sentBytes = 0;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly options: ClientQueueOptions = DEFAULT_QUEUE,
  ) {}

  sendJson(message: object): void {
    this.sendMessage(JSON.stringify(message));
  }

  /** Queue a text message or a binary protocol message (a scene) that must arrive, in order. */
  sendMessage(text: string | Uint8Array): void {
    const maxBytes = this.options.maxPendingJsonBytes ?? Infinity;
    const size = typeof text === "string" ? text.length : text.byteLength;
    if (this.messages.length >= this.options.maxPendingMessages || this.jsonBytes + size > maxBytes) {
      // A client this far behind on control traffic is gone or hostile: drop it rather than buffer.
      this.ws.terminate();
      this.messages.length = 0;
      this.queuedBytes -= this.jsonBytes;
      this.jsonBytes = 0;
      return;
    }
    this.messages.push(text);
    this.queuedBytes += size;
    this.jsonBytes += size;
    this.flush();
  }

  sendFrame(frame: Uint8Array): void {
    this.frames.push(frame);
    this.queuedBytes += frame.byteLength;
    while (this.frames.length > this.options.maxQueuedFrames) {
      const old = this.frames.shift()!;
      this.queuedBytes -= old.byteLength;
      this.droppedFrames++;
    }
    this.flush();
  }

  /** Hand queued data to the socket while it is below the high-water mark; JSON first, in order. */
  flush(): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    while (this.ws.bufferedAmount < this.options.highWaterBytes) {
      const text = this.messages.shift();
      if (text !== undefined) {
        const size = typeof text === "string" ? text.length : text.byteLength;
        this.queuedBytes -= size;
        this.jsonBytes -= size;
        this.sentBytes += size;
        if (typeof text === "string") this.ws.send(text, () => this.flush());
        else this.ws.send(text, { binary: true }, () => this.flush());
        continue;
      }
      const frame = this.frames.shift();
      if (frame === undefined) return;
      this.queuedBytes -= frame.byteLength;
      this.sentBytes += frame.byteLength;
      this.sentFrames++;
      this.ws.send(frame, { binary: true }, () => this.flush());
    }
  }

  stats(): ClientStats {
    return {
      id: this.id,
      sentFrames: this.sentFrames,
      droppedFrames: this.droppedFrames,
      sentBytes: this.sentBytes,
      queuedFrames: this.frames.length,
      queuedBytes: this.queuedBytes,
      bufferedAmount: this.ws.bufferedAmount,
    };
  }
}
