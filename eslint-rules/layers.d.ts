// Types for the lint rule's helpers, which test/architecture/boundaries.test.ts uses.
export const DOMAINS: string[];
export function layerProblem(from: string, target: string): string | null;
declare const plugin: { rules: Record<string, unknown> };
export default plugin;
