/**
 * The one error the template engine raises: a syntax or evaluation error whose
 * message is kubectl's reason (`unclosed action`, `array index out of bounds: …`).
 * Anything else thrown inside the engine is a bug and is not caught as one.
 */
export class JsonpathError extends Error {}
