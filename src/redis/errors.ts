/*
 * The one error class of weft-threading/redis that the core does not have. Everything else (RuntimeError,
 * ValueError, TimeoutError, BrokenBarrierError) is the core's own class, imported from ../errors.js, so
 * `instanceof` and `name` agree between the two entry points.
 */

/**
 * The connection to the Redis server is lost or was never made: a call that needed the server rejects
 * with this error (never with `false`), within its timeout. `cause` is the client library's error.
 * The client reconnects by itself; calls made after it has reconnected work again.
 */
export class ConnectionError extends Error {
  /** Always `'ConnectionError'`. */
  override readonly name = 'ConnectionError' as const;
  /** Always `'WEFT_REDIS_CONNECTION'`. */
  readonly code = 'WEFT_REDIS_CONNECTION' as const;
  /**
   * Made by weft-threading/redis when a call cannot reach the server.
   * @param message - what failed.
   * @param cause - the client library's error.
   */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
