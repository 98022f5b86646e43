// The flags Node runs the tool with: the launcher's (build.mjs) and the single executable's (sea.mjs).

/**
 * V8 flags the tool runs with, here and in the single executable (sea.mjs):
 * a sweep allocates a little garbage per exec (buffers, frames, items) at a
 * steady rate, and V8 grows its young generation with that rate to 16 MiB a
 * semi-space and more, and keeps it for the run. 2 MiB semi-spaces keep a
 * 2,000-pod sweep's peak near 145 MiB instead of 235 MiB, at no measured cost
 * to one read (README, Benchmark).
 */
export const NODE_FLAGS = ['--max-semi-space-size=2'];
