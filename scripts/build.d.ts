// Types of scripts/build.js (plain JavaScript: it runs before anything is compiled).
export interface Bundle {
  /** The TypeScript entry point. */
  entry: string;
  /** The bundle to write (an ES module; its source map goes beside it). */
  outfile: string;
  /** 'bundle' (the default) or 'external': every package left to node_modules. */
  packages?: 'bundle' | 'external';
}
export function build(bundle: Bundle): Promise<void>;
/** The bundle's file URL, rebuilt first when a file or directory in `sources` changed after it was written. */
export function ensureBuilt(options?: Partial<Bundle> & { sources?: string[] }): Promise<string>;
