/** Linux caps PIDs at PID_MAX_LIMIT = 4194304 (include/linux/threads.h). */
export const PID_MAX_LIMIT = 4_194_304;

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONCURRENCY = 10;
/** kubectl's --chunk-size default. */
export const DEFAULT_CHUNK_SIZE = 500;
