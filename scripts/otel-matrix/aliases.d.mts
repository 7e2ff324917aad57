export interface SdkAliases {
  /** Package name → module path, for vitest's import aliases. */
  imports: Record<string, string>;
  /** Package name → module path for require(); null hides the package. */
  requires: Record<string, string | null>;
}
export function sdkAliases(major?: string): SdkAliases;
