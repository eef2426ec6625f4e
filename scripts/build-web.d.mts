/** Types of scripts/build-web.mjs (plain JS so `npm run build:web` needs no TypeScript loader). */
export declare const DEFAULT_WEB_OUT: string;
export declare function buildWeb(opts?: { outDir?: string; minify?: boolean }): Promise<string[]>;
