export const TEST_RELEASE: string;
export function nodeSpecs(): string[];
export function releaseUnavailable(): string | null;
export function testRelease(): Promise<string>;
